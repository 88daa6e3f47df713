r"""Checkers for chapter 14, game playing with reinforcement learning (REINFORCE).

    from nnkit.exercises import ch14 as check
    check.discounted_returns(my_discounted_returns)

Rewards and returns are 1-D NumPy arrays. The policy-gradient loss takes
nnkit tensors and must return a scalar nnkit tensor, so its gradient is
checked as well as its value.
"""
import numpy as np

import nnkit
from nnkit.exercises.checking import (
    Case,
    CheckResult,
    check_with_diagnoses,
    close_to,
    compare,
    passed,
)
from nnkit.exercises.solutions import ch14 as course  # the references
from nnkit.nn import functional as F

# ---------------------------------------------------------------- exercise 1: discounted returns


def _returns_diagnosis(args, received):
    rewards, gamma = args
    forward, running = np.zeros(len(rewards)), 0.0
    for t in range(len(rewards)):
        running = rewards[t] + gamma * running
        forward[t] = running
    guesses = [
        (np.cumsum(rewards[::-1])[::-1], ("no discount: multiply the future return by gamma, "
         "G_t = r_t + gamma * G_{t+1}.")),
        (forward, ("you summed the PAST rewards: the return counts the rewards still to come. "
         "Loop backwards, from the last step to the first.")),
        (gamma * course.discounted_returns(rewards, gamma), ("the reward of this step is not "
         "discounted: G_t = r_t + gamma * G_{t+1}, not gamma * (r_t + G_{t+1}).")),
    ]
    for value, hint in guesses:
        if not np.allclose(value, course.discounted_returns(rewards, gamma)) and close_to(received, value):
            return hint
    return None


def discounted_returns(fn):
    r"""Exercise 1: ``fn(rewards, gamma)``: $G_t = \sum_{k \ge 0} \gamma^k r_{t+k}$, one per step."""
    rng = np.random.default_rng(140)
    cases = [Case((np.ones(5), 0.5), "five rewards of 1, gamma 0.5"),
             Case((np.array([0.0, 0.0, 1.0]), 0.9), "one reward at the end"),
             Case((rng.standard_normal(20), 0.99), "random rewards, gamma 0.99"),
             Case((np.array([2.0]), 0.9), "a single step")]
    return check_with_diagnoses("discounted_returns", fn, course.discounted_returns, cases,
                                [_returns_diagnosis], keep=(14, "1"),
                                hint="walk backwards: running = rewards[t] + gamma * running; "
                                     "returns[t] = running.")


# ---------------------------------------------------------------- exercise 2: normalised advantages

def _advantages_diagnosis(args, received):
    (returns,) = args
    guesses = [(returns / (returns.std() + 1e-8), ("subtract the baseline (the mean return) "
                "first: the sign must say better or worse than usual.")),
               (returns - returns.mean(), ("divide by the standard deviation too, so the step "
                "size does not depend on how long episodes are."))]
    for value, hint in guesses:
        if close_to(received, value):
            return hint
    if _valid_array(received) and np.isnan(np.asarray(received, dtype=float)).any():
        return "nan: all returns equal gives std 0. Divide by (std + 1e-8)."
    return None


def _valid_array(received):
    return not isinstance(received, BaseException) and received is not None


def advantages(fn):
    r"""Exercise 2: ``fn(returns)`` = $(G - \bar G) / (\sigma_G + 10^{-8})$."""
    rng = np.random.default_rng(141)
    cases = [Case((np.array([1.0, 2.0, 3.0, 4.0]),), "1, 2, 3, 4"),
             Case((rng.uniform(0, 100, 50),), "returns of a batch of episodes"),
             Case((np.full(4, 7.0),), "all returns equal (std 0)")]
    return check_with_diagnoses("advantages", fn, course.advantages, cases,
                                [_advantages_diagnosis], keep=(14, "2"),
                                hint="(returns - returns.mean()) / (returns.std() + 1e-8)")


# ---------------------------------------------------------------- exercise 3: the policy-gradient loss

def _loss_cases():
    rng = np.random.default_rng(142)
    cases = []
    for size, label in ((3, "three steps"), (16, "a batch of 16 steps")):
        logits = rng.standard_normal((size, 2)).astype(np.float32)
        actions = rng.integers(0, 2, size)
        weights = rng.standard_normal(size).astype(np.float32)
        cases.append((logits, actions, weights, label))
    return cases


def _loss_diagnosis(logits, actions, weights, received):
    rows = np.arange(len(actions))
    log_probs = F.log_softmax(nnkit.tensor(logits), dim=1).numpy()[rows, actions]
    guesses = [(float((log_probs * weights).mean()), ("wrong sign: gradient DESCENT minimises "
                "the loss, and we want to make good actions MORE likely: loss = -mean(...).")),
               (float(-(np.exp(log_probs) * weights).mean()), ("use the LOG-probability of the "
                "action taken (log_softmax), as cross-entropy does, not the probability.")),
               (float(-(log_probs * weights).sum()), "take the mean over steps, not the sum.")]
    value = float(np.asarray(getattr(received, "data", received)))
    return next((hint for guess, hint in guesses if np.isclose(value, guess, rtol=1e-4)), None)


def _call_keeping_graph(fn, *args):
    # no deep copy here (unlike other checkers): the gradient must reach OUR logits tensor
    try:
        return fn(*args)
    except Exception as error:  # noqa: BLE001 - the learner's bug, reported below
        return error


def policy_gradient_loss(fn):
    r"""Exercise 3: ``fn(logits, actions, weights)`` = $-\frac1N \sum_t A_t \log \pi(a_t \mid s_t)$, an nnkit scalar."""
    name = "policy_gradient_loss"
    for logits, actions, weights, label in _loss_cases():
        x = nnkit.tensor(logits, requires_grad=True)
        received = _call_keeping_graph(fn, x, actions.copy(), nnkit.tensor(weights))
        if isinstance(received, NotImplementedError):
            return CheckResult(name, False, "not implemented yet: replace the "
                               "`raise NotImplementedError` with your code.")
        if isinstance(received, BaseException):
            return CheckResult(name, False, f"case '{label}': your function raised "
                               f"{type(received).__name__}: {received}")
        if not isinstance(received, nnkit.Tensor) or received.data.size != 1:
            return CheckResult(name, False, f"case '{label}': expected a scalar nnkit Tensor "
                               f"(so that .backward() works). Received: {type(received).__name__}")
        x_ref = nnkit.tensor(logits, requires_grad=True)
        expected = course.policy_gradient_loss(x_ref, actions, nnkit.tensor(weights))
        problem = compare(expected.data.reshape(()), received.data.reshape(()), rtol=1e-4)
        if problem:
            hint = _loss_diagnosis(logits, actions, weights, received)
            return CheckResult(name, False, f"case '{label}': {problem}.\nexpected: "
                               f"{expected.item():.6g}\nreceived: {float(received.data):.6g}"
                               + (f"\nhint: {hint}" if hint else ""))
        received.backward()
        expected.backward()
        if x.grad is None or not np.allclose(x.grad, x_ref.grad, rtol=1e-4, atol=1e-6):
            return CheckResult(name, False, f"case '{label}': the value is right but the "
                               "gradient is not: build the loss from nnkit operations on "
                               "`logits` (no .numpy() in between).")
    return passed(name, fn, [Case((), f"{label}: value and gradient")
                             for *_, label in _loss_cases()], keep=(14, "3"))
