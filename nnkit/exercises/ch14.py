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
    Exercise,
    Problem,
    Slip,
    _show,
    check_with_diagnoses,
    close_to,
)
from nnkit.exercises.solutions import ch14 as course  # the references
from nnkit.nn import functional as F

# ---------------------------------------------------------------- exercise 1: discounted returns


def _returns_diagnosis(args, received):
    rewards, gamma = args
    right = course.discounted_returns(rewards, gamma)
    forward, running = np.zeros(len(rewards)), 0.0
    for t in range(len(rewards)):
        running = rewards[t] + gamma * running
        forward[t] = running
    guesses = [
        (np.cumsum(rewards[::-1])[::-1], ("no discount: multiply the future return by gamma, "
         "G_t = r_t + gamma * G_{t+1}.")),
        (forward, ("you summed the PAST rewards: the return counts the rewards still to come. "
         "Loop backwards, from the last step to the first.")),
        (gamma * right, ("the reward of this step is not "
         "discounted: G_t = r_t + gamma * G_{t+1}, not gamma * (r_t + G_{t+1}).")),
    ]
    for value, hint in guesses:
        if not np.allclose(value, right) and close_to(received, value):
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
        cases.append(Case((logits, actions, weights), label))
    return cases


def loss_and_gradient(loss_fn):
    """A driver: ``loss_fn`` on fresh logits (requires_grad), then ``backward()``; returns
    ``(loss, logits.grad)``, so the gradient is checked as well as the value."""
    def run(logits, actions, weights):
        x = nnkit.tensor(logits, requires_grad=True)
        loss = loss_fn(x, actions, nnkit.tensor(weights))
        if not isinstance(loss, nnkit.Tensor) or loss.data.size != 1:
            raise Problem("expected a scalar nnkit Tensor (so that .backward() works). "
                          f"Received: {_show(loss)}")
        loss.backward()
        grad = np.zeros_like(logits) if x.grad is None else x.grad  # None: no gradient came
        return float(loss.data.reshape(())), grad
    return run


def _rows(log_probs, actions):
    return log_probs[np.arange(len(actions)), actions]


def _ascent(logits, actions, weights):
    return (_rows(F.log_softmax(logits, dim=1), actions) * weights).mean()


def _probabilities(logits, actions, weights):
    return -(_rows(F.softmax(logits, dim=1), actions) * weights).mean()


def _summed(logits, actions, weights):
    return -(_rows(F.log_softmax(logits, dim=1), actions) * weights).sum()


def _cut_from_the_graph(args, received):
    """The value is right but no (or the wrong) gradient reaches the logits."""
    if not isinstance(received, tuple):
        return False
    value, grad = loss_and_gradient(course.policy_gradient_loss)(*args)
    return np.isclose(received[0], value, rtol=1e-4) and not np.allclose(received[1], grad,
                                                                          rtol=1e-4, atol=1e-6)


_LOSS_SLIPS = [
    Slip(("wrong sign: gradient DESCENT minimises the loss, and we want to make good actions "
          "MORE likely: loss = -mean(...)."), wrong=loss_and_gradient(_ascent)),
    Slip(("use the LOG-probability of the action taken (log_softmax), as cross-entropy does, "
          "not the probability."), wrong=loss_and_gradient(_probabilities)),
    Slip("take the mean over steps, not the sum.", wrong=loss_and_gradient(_summed)),
    Slip(("the value is right but the gradient is not: build the loss from nnkit operations "
          "on `logits` (no .numpy() in between)."), diagnose=_cut_from_the_graph),
]


def policy_gradient_loss(fn):
    r"""Exercise 3: ``fn(logits, actions, weights)`` = $-\frac1N \sum_t A_t \log \pi(a_t \mid s_t)$, an nnkit scalar."""
    exercise = Exercise("policy_gradient_loss", loss_and_gradient(course.policy_gradient_loss),
                        _loss_cases(), _LOSS_SLIPS, parts=("loss", "gradient"), rtol=1e-4,
                        keep=(14, "3"), part_prefix="the ")
    if not callable(fn):
        return exercise.check(fn)
    return exercise.check(loss_and_gradient(fn), kept=fn)
