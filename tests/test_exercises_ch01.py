"""Chapter 01's checkers accept right answers and reject typical wrong ones with a useful message."""
import numpy as np

from nnkit.exercises import ch01 as check


def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


# ---------------------------------------------------------------- weighted sum

def test_weighted_sum_accepts_the_reference_and_nnkit():
    import nnkit

    assert check.weighted_sum(lambda x, w: np.dot(x, w))
    assert check.weighted_sum(lambda x, w: sum(xi * wi for xi, wi in zip(x, w)))
    assert check.weighted_sum(lambda x, w: (nnkit.tensor(x, dtype=np.float64)
                                            * nnkit.tensor(w, dtype=np.float64)).sum().item())


def test_weighted_sum_rejects_products_without_the_sum():
    result = check.weighted_sum(lambda x, w: x * w)
    assert not result
    assert "expected shape ()" in result.message and "received shape (3,)" in result.message
    assert "hint: multiply each input by its own weight" in result.message


def test_weighted_sum_rejects_dropped_signs():
    result = check.weighted_sum(lambda x, w: np.dot(x, np.abs(w)))
    assert not result and "three inputs" in result.message
    assert "expected: 4.5" in result.message and "received: 8.5" in result.message


def test_not_implemented_is_reported_kindly():
    def stub(x, w):
        raise NotImplementedError

    result = check.weighted_sum(stub)
    assert not result and "not implemented yet" in result.message


# ---------------------------------------------------------------- neuron

def test_neuron_accepts_the_reference():
    assert check.neuron(lambda x, w, b: sigmoid(np.dot(x, w) + b))


def test_neuron_rejects_a_forgotten_bias():
    result = check.neuron(lambda x, w, b: sigmoid(np.dot(x, w)))
    assert not result and "forget the bias" in result.message
    assert "expected: 0.880797" in result.message and "received: 0.5" in result.message


def test_neuron_rejects_the_wrong_sign_in_the_exponent():
    result = check.neuron(lambda x, w, b: 1 / (1 + np.exp(np.dot(x, w) + b)))
    assert not result and "sign" in result.message


def test_neuron_rejects_a_missing_activation():
    result = check.neuron(lambda x, w, b: np.dot(x, w) + b)
    assert not result and "expected: 0.731059" in result.message


# ---------------------------------------------------------------- predict

def test_predict_accepts_the_reference_also_as_booleans():
    assert check.predict(lambda X, w, b: (X @ w + b > 0).astype(int))
    assert check.predict(lambda X, w, b: X @ w + b > 0)


def test_predict_rejects_probabilities():
    result = check.predict(lambda X, w, b: sigmoid(X @ w + b))
    assert not result and "values other than 0 and 1" in result.message
    assert "not probabilities" in result.message


def test_predict_rejects_greater_or_equal_on_the_line():
    result = check.predict(lambda X, w, b: (X @ w + b >= 0).astype(int))
    assert not result and "exactly on the line" in result.message
    assert "z > 0, not z >= 0" in result.message


def test_predict_rejects_a_forgotten_bias():
    result = check.predict(lambda X, w, b: (X @ w > 0).astype(int))
    assert not result and "bias" in result.message


def test_predict_rejects_a_column_instead_of_a_vector():
    result = check.predict(lambda X, w, b: (X @ w + b > 0).astype(int).reshape(-1, 1))
    assert not result and "expected shape (4,), received shape (4, 1)" in result.message


# ---------------------------------------------------------------- accuracy

def test_accuracy_accepts_the_reference():
    assert check.accuracy(lambda y_hat, y: np.mean(y_hat == y))


def test_accuracy_rejects_a_count_and_a_percentage():
    count = check.accuracy(lambda y_hat, y: np.sum(y_hat == y))
    assert not count and "divide the count" in count.message
    percent = check.accuracy(lambda y_hat, y: 100 * np.mean(y_hat == y))
    assert not percent and "expected: 0.75" in percent.message and "received: 75" in percent.message


# ---------------------------------------------------------------- gates

def test_gates_accept_good_weights():
    assert check.and_gate([1.0, 1.0], -1.5)
    assert check.or_gate([1.0, 1.0], -0.5)
    assert check.and_gate(np.array([2.0, 3.0]), -4.0)


def test_gates_reject_swapped_answers_and_name_the_row():
    result = check.and_gate([1.0, 1.0], -0.5)  # that is OR
    assert not result and "for inputs (0, 1) the neuron outputs 1, expected 0" in result.message
    assert "hint" in result.message and "bias" in result.message
    assert not check.or_gate([1.0, 1.0], -1.5)  # that is AND


def test_gates_reject_a_missing_bias_on_the_boundary():
    # with b = 0 the row (0, 0) gives z = 0, which is not > 0: fine for AND, but (0, 1) fires
    result = check.and_gate([1.0, 1.0], 0.0)
    assert not result and "(0, 1)" in result.message


def test_gates_reject_bad_shapes_with_a_clear_message():
    result = check.and_gate([1.0, 1.0, 1.0], -1.5)
    assert not result and "expected 2 weights" in result.message and "(3,)" in result.message
    result = check.or_gate("one", 0.0)
    assert not result and "Received: weights='one'" in result.message
