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


# ---------------------------------------------------------------- Module, Linear, Sequential

class Module:
    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return []


class Linear(Module):
    def __init__(self, in_features, out_features):
        self.in_features = in_features
        bound = 1 / np.sqrt(in_features)
        self.weight = np.random.uniform(-bound, bound, (out_features, in_features))
        self.bias = np.random.uniform(-bound, bound, out_features)

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} features, received shape {x.shape}")
        return x @ self.weight.T + self.bias

    def parameters(self):
        return [self.weight, self.bias]


class Sequential(Module):
    def __init__(self, *layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def test_layer_classes_pass_and_are_kept_in_mine(tmp_path, monkeypatch):
    from nnkit import mine
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    result = check.layer_classes(Module, Linear, Sequential)
    assert result, result
    text = (mine.folder() / "ch03.py").read_text()
    for name in ("Module", "Linear", "Sequential"):
        assert f"# >>> {name} (chapter 03, exercise 6)" in text
    assert "raise ValueError(f\"expected {self.in_features} features" in text  # verbatim
    loaded = mine.use("Linear", reference=None, quiet=True)
    assert loaded is not None and loaded(2, 3).weight.shape == (3, 2)
    assert mine.use("Sequential", reference=None, quiet=True) is not None


def test_the_course_solution_passes():
    from nnkit.exercises.solutions import ch03 as course
    assert check.layer_classes(course.Module, course.Linear, course.Sequential)


class InFirst(Linear):
    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features)
        self.weight = self.weight.T.copy()


class Copies(Linear):
    def parameters(self):
        return [self.weight.copy(), self.bias.copy()]


class NoBias(Linear):
    def forward(self, x):
        return x @ self.weight.T


class NumpyError(Linear):
    def forward(self, x):
        return x @ self.weight.T + self.bias


class ZeroStart(Linear):
    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features)
        self.weight = np.zeros_like(self.weight)


class EarlyReturn(Sequential):
    def forward(self, x):
        for layer in self.layers:
            return layer(x)


class Nested(Sequential):
    def parameters(self):
        return [layer.parameters() for layer in self.layers]


class OwnCall(Module):
    def __call__(self, x):
        return x


@pytest.mark.parametrize("classes, says", [
    ((Module, InFirst, Sequential), "(out_features, in_features)"),
    ((Module, Copies, Sequential), "returned copies"),
    ((Module, NoBias, Sequential), "forgot to add the bias"),
    ((Module, NumpyError, Sequential), "should say what was expected"),
    ((Module, ZeroStart, Sequential), "small random weights"),
    ((Module, Linear, EarlyReturn), "`return` inside the loop"),
    ((Module, Linear, Nested), "list of lists"),
])
def test_layer_classes_diagnose_the_usual_slips(classes, says):
    text = message(check.layer_classes(*classes))
    assert says in text
    assert "hint" not in text


def test_layer_classes_want_classes_and_subclasses():
    assert "three classes" in message(check.layer_classes(Module, Linear, lambda: None))

    class Alone:
        pass
    assert "subclasses of your Module" in message(check.layer_classes(Module, Alone, Sequential))


def test_layer_classes_report_a_module_that_does_not_run_forward():
    class Plain:
        def __call__(self, x):
            raise NotImplementedError

        def parameters(self):
            return []

    class L(Plain, Linear):
        pass

    class S(Plain, Sequential):
        pass
    assert "not implemented yet" in message(check.layer_classes(Plain, L, S))


def test_a_failed_check_keeps_nothing(tmp_path, monkeypatch):
    from nnkit import mine
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    message(check.layer_classes(Module, NoBias, Sequential))
    assert "NoBias" not in mine.library() and "Linear" not in mine.library()
