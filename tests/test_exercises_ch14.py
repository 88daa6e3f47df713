"""Chapter 14 checkers: the worked solutions pass, typical wrong answers are rejected
with a message that names the mistake."""
import numpy as np

from nnkit.exercises import ch14 as check
from nnkit.nn import functional as F


def message(result):
    assert not result, f"a wrong answer passed: {result}"
    return result.message


def solution_returns(rewards, gamma):
    returns, running = np.zeros(len(rewards)), 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns


def solution_advantages(returns):
    return (returns - returns.mean()) / (returns.std() + 1e-8)


def solution_loss(logits, actions, weights):
    log_probs = F.log_softmax(logits, dim=1)
    return -(log_probs[np.arange(len(actions)), actions] * weights).mean()


def test_solutions_pass():
    assert check.discounted_returns(solution_returns)
    assert check.advantages(solution_advantages)
    assert check.policy_gradient_loss(solution_loss)


def test_unfinished_exercise_says_so():
    def stub(*args):
        raise NotImplementedError
    assert "not implemented yet" in message(check.policy_gradient_loss(stub))
    assert "not implemented yet" in message(check.discounted_returns(stub))


def test_undiscounted_returns_are_diagnosed():
    def undiscounted(rewards, gamma):
        return np.cumsum(rewards[::-1])[::-1]
    assert "no discount" in message(check.discounted_returns(undiscounted))


def test_summing_the_past_is_diagnosed():
    def past(rewards, gamma):
        out, running = np.zeros(len(rewards)), 0.0
        for t in range(len(rewards)):
            running = rewards[t] + gamma * running
            out[t] = running
        return out
    assert "PAST rewards" in message(check.discounted_returns(past))


def test_discounting_this_steps_reward_is_diagnosed():
    def too_much(rewards, gamma):
        return gamma * solution_returns(rewards, gamma)
    assert "not discounted" in message(check.discounted_returns(too_much))


def test_missing_baseline_is_diagnosed():
    def no_baseline(returns):
        return returns / (returns.std() + 1e-8)
    assert "subtract the baseline" in message(check.advantages(no_baseline))


def test_missing_scale_is_diagnosed():
    def no_scale(returns):
        return returns - returns.mean()
    assert "standard deviation" in message(check.advantages(no_scale))


def test_division_by_zero_std_is_diagnosed():
    def no_epsilon(returns):
        with np.errstate(invalid="ignore", divide="ignore"):
            return (returns - returns.mean()) / returns.std()
    assert "std 0" in message(check.advantages(no_epsilon))


def test_wrong_sign_is_diagnosed():
    def ascent(logits, actions, weights):
        return -solution_loss(logits, actions, weights)
    assert "wrong sign" in message(check.policy_gradient_loss(ascent))


def test_probability_instead_of_log_is_diagnosed():
    def probabilities(logits, actions, weights):
        p = F.softmax(logits, dim=1)
        return -(p[np.arange(len(actions)), actions] * weights).mean()
    assert "LOG-probability" in message(check.policy_gradient_loss(probabilities))


def test_sum_instead_of_mean_is_diagnosed():
    def total(logits, actions, weights):
        log_probs = F.log_softmax(logits, dim=1)
        return -(log_probs[np.arange(len(actions)), actions] * weights).sum()
    assert "mean over steps" in message(check.policy_gradient_loss(total))


def test_a_loss_cut_from_the_graph_is_caught():
    import nnkit

    def detached(logits, actions, weights):
        value = solution_loss(nnkit.tensor(logits.numpy()), actions, weights).numpy()
        return nnkit.tensor(value, requires_grad=True)
    assert "gradient is not" in message(check.policy_gradient_loss(detached))


def test_a_mistake_no_slip_explains_shows_the_numbers_and_no_guessed_hint():
    def unweighted(logits, actions, weights):
        log_probs = F.log_softmax(logits, dim=1)
        return -log_probs[np.arange(len(actions)), actions].mean()
    text = message(check.policy_gradient_loss(unweighted))
    assert "the loss is wrong" in text and "expected the loss" in text and "hint" not in text


def test_a_numpy_number_is_refused_with_the_reason():
    def as_float(logits, actions, weights):
        return float(solution_loss(logits, actions, weights).item())
    assert "scalar nnkit Tensor" in message(check.policy_gradient_loss(as_float))


def test_passing_answers_are_kept_and_run_from_the_learners_file(tmp_path, monkeypatch):
    import nnkit
    from nnkit import mine
    from nnkit.exercises.solutions import ch14 as course
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    for name in ("discounted_returns", "advantages", "policy_gradient_loss"):
        assert getattr(check, name)(getattr(course, name)), name
    kept = {name: mine.use(name, reference=None, quiet=True) for name in mine.library()}
    assert sorted(kept) == ["advantages", "discounted_returns", "policy_gradient_loss"]
    np.testing.assert_allclose(kept["discounted_returns"](np.ones(3), 0.5), [1.75, 1.5, 1.0])
    logits = nnkit.tensor(np.zeros((2, 2), dtype=np.float32), requires_grad=True)
    kept["policy_gradient_loss"](logits, np.array([0, 1]), nnkit.tensor([1.0, -1.0])).backward()
    assert logits.grad is not None and kept["policy_gradient_loss"].__module__ == "mine.ch14"
