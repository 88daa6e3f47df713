"""Chapter 03 checkers: the worked solutions pass, typical wrong answers are rejected
with a message that names the mistake."""
import itertools

import numpy as np
import pytest

from nnkit.exercises import ch03 as check


def message(result):
    assert not result, f"a wrong answer passed: {result}"
    return result.message


# ---------------------------------------------------------------- dense (one sample)

def test_dense_solution_passes():
    assert check.dense(lambda x, W, b: W @ x + b)
    assert check.dense(lambda x, W, b: x @ W.T + b)  # the batch form works for one sample too


def test_dense_not_implemented_is_reported_gently():
    def stub(x, W, b):
        raise NotImplementedError
    assert "not implemented yet" in message(check.dense(stub))


def test_dense_rejects_forgotten_bias():
    text = message(check.dense(lambda x, W, b: W @ x))
    assert "forgot the bias" in text and "expected:" in text and "received:" in text


def test_dense_rejects_transposed_weight_with_a_shape_message():
    text = message(check.dense(lambda x, W, b: x @ W + b))
    # the first case has a non-square W: numpy raises, the checker explains the shapes
    assert "raised ValueError" in text and "(out_features, in_features)" in text
    assert "shape (3, 2)" in text


def test_dense_rejects_transposed_weight_on_square_matrices():
    def square_only(x, W, b):  # passes shape-wise only when W is square
        return x @ W + b if W.shape[0] == W.shape[1] else W @ x + b
    text = message(check.dense(square_only))
    assert "transposed weight" in text and "square weight" in text


def test_dense_rejects_none():
    assert "forget `return`" in message(check.dense(lambda x, W, b: None))


# ---------------------------------------------------------------- dense_batch

def test_dense_batch_solution_passes():
    assert check.dense_batch(lambda X, W, b: X @ W.T + b)


def test_dense_batch_rejects_single_sample_code():
    text = message(check.dense_batch(lambda X, W, b: W @ X + b))
    assert "raised ValueError" in text and "X @ W.T" in text


def test_dense_batch_rejects_features_first():
    text = message(check.dense_batch(lambda X, W, b: W @ X.T + b[:, None]))
    assert "transpose of the expected (4, 3)" in text


def test_dense_batch_rejects_forgotten_bias():
    assert "forgot the bias" in message(check.dense_batch(lambda X, W, b: X @ W.T))


def test_dense_batch_loop_over_samples_is_fine():
    assert check.dense_batch(lambda X, W, b: np.stack([W @ x + b for x in X]))


# ---------------------------------------------------------------- count_parameters

def solution_count(sizes):
    return sum(a * b + b for a, b in itertools.pairwise(sizes))


def test_count_solution_passes():
    assert check.count_parameters(solution_count)


def test_count_matches_nnkit():
    from nnkit import nn
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    assert solution_count([784, 128, 10]) == model.num_parameters() == 101_770


def test_count_rejects_forgotten_biases():
    text = message(check.count_parameters(lambda s: sum(a * b for a, b in itertools.pairwise(s))))
    assert "forgot the biases" in text and "expected: 35" in text and "received: 26" in text


def test_count_rejects_biases_per_input():
    text = message(check.count_parameters(lambda s: sum(a * b + a for a, b in itertools.pairwise(s))))
    assert "one bias per output neuron" in text


def test_count_rejects_neuron_count():
    assert "hint" in message(check.count_parameters(lambda s: sum(s)))


# ---------------------------------------------------------------- mlp_forward

def solution_mlp(X, layers):
    for i, (W, b) in enumerate(layers):
        X = X @ W.T + b
        if i < len(layers) - 1:
            X = np.maximum(X, 0)
    return X


def test_mlp_solution_passes():
    assert check.mlp_forward(solution_mlp)


def test_mlp_matches_nnkit_sequential():
    import nnkit
    from nnkit import nn
    nnkit.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3))
    X = np.random.default_rng(0).standard_normal((5, 2)).astype(np.float32)
    layers = [(m.weight.data, m.bias.data) for m in model if isinstance(m, nn.Linear)]
    np.testing.assert_allclose(solution_mlp(X, layers), model(X).data, rtol=1e-5, atol=1e-6)


def test_mlp_rejects_relu_on_output():
    def relu_everywhere(X, layers):
        for W, b in layers:
            X = np.maximum(X @ W.T + b, 0)
        return X
    assert "ReLU after the last layer" in message(check.mlp_forward(relu_everywhere))


def test_mlp_rejects_missing_relu():
    def linear_only(X, layers):
        for W, b in layers:
            X = X @ W.T + b
        return X
    assert "left out the ReLU" in message(check.mlp_forward(linear_only))


def test_mlp_rejects_forgotten_bias():
    def no_bias(X, layers):
        for i, (W, _b) in enumerate(layers):
            X = X @ W.T
            X = np.maximum(X, 0) if i < len(layers) - 1 else X
        return X
    assert "hint" in message(check.mlp_forward(no_bias))


# ---------------------------------------------------------------- output_shapes

def test_shapes_solution_passes():
    assert check.output_shapes(lambda n, sizes: [(n, k) for k in sizes])


def test_shapes_rejects_features_first():
    text = message(check.output_shapes(lambda n, sizes: [(k, n) for k in sizes]))
    assert "batch comes first" in text


def test_shapes_rejects_missing_input():
    text = message(check.output_shapes(lambda n, sizes: [(n, k) for k in sizes[1:]]))
    assert "input's shape first" in text


@pytest.mark.parametrize("checker", [check.dense, check.dense_batch, check.count_parameters,
                                     check.mlp_forward, check.output_shapes])
def test_checkers_reject_non_functions(checker):
    assert "expected a function" in message(checker(42))
