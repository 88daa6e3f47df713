r"""Checkers for chapter 03, layers and the forward pass.

    from nnkit.exercises import ch03 as check
    check.dense(my_dense)

Conventions are PyTorch's: a weight matrix $W$ has shape
(out_features, in_features), a batch $X$ has one sample per row, shape
(N, in_features), and a layer computes $X W^\top + b$.
"""
import itertools

import numpy as np

from nnkit import mine
from nnkit.exercises.checking import (
    Case,
    CheckResult,
    _show,
    check_with_diagnoses,
    close_to,
    passed,
)


def _rng(seed):
    return np.random.default_rng(seed)


def _layer(rng, n_in, n_out, scale=1.0):
    W = (scale * rng.standard_normal((n_out, n_in))).astype(np.float64)
    b = (scale * rng.standard_normal(n_out)).astype(np.float64)
    return W, b


# ---------------------------------------------------------------- exercise 1: one sample

def _dense_reference(x, W, b):
    return W @ x + b


def _forgot_bias(args, received):
    x, W, b = args
    if close_to(received, x @ W.T) and np.any(b != 0):
        return "you forgot the bias: each neuron adds its own b_j after the weighted sum."
    return None


def _shape_error(args, received):
    if isinstance(received, ValueError) and ("matmul" in str(received) or "shape" in str(received)):
        W = args[1]
        return (f"a shape error: W has shape {W.shape} = (out_features, in_features), as in "
                "PyTorch. For one sample x, W @ x multiplies each row of W (one neuron) with x; "
                "for a batch X (one sample per row) use X @ W.T.")
    return None


def _transposed(args, received):
    x, W, b = args
    if W.shape[0] == W.shape[1] and close_to(received, x @ W + b) and not close_to(received, x @ W.T + b):
        return ("you multiplied by the transposed weight: row j of W holds neuron j's weights, "
                "so output j is W[j] @ x (W @ x for one sample, X @ W.T for a batch).")
    return None


def dense(fn):
    r"""Exercise 1: ``fn(x, W, b)`` = $W x + b$ for ONE sample x of shape (in_features,)."""
    rng = _rng(3)
    cases = []
    for label, n_in, n_out, scale in [("2 inputs, 3 neurons", 2, 3, 1.0),
                                      ("square weight, 3 inputs and 3 neurons", 3, 3, 1.0),
                                      ("one neuron", 4, 1, 1.0),
                                      ("large weights", 5, 2, 1e3)]:
        W, b = _layer(rng, n_in, n_out, scale)
        cases.append(Case((rng.standard_normal(n_in), W, b), label))
    W, _ = _layer(rng, 3, 2)
    cases.append(Case((rng.standard_normal(3), W, np.zeros(2)), "zero bias"))
    return check_with_diagnoses("dense", fn, _dense_reference, cases,
                                [_forgot_bias, _transposed, _shape_error],
                                hint="output j is sum_i W[j, i] * x[i] + b[j].")


# ---------------------------------------------------------------- exercise 2: a batch

def _dense_batch_reference(X, W, b):
    return X @ W.T + b


def _rows_and_columns(args, received):
    X, W, _b = args
    got = np.shape(getattr(received, "data", received)) if not isinstance(received, BaseException) else None
    if got == (W.shape[0], X.shape[0]) and got != (X.shape[0], W.shape[0]):
        return (f"your result has shape {got}, the transpose of the expected "
                f"{(X.shape[0], W.shape[0])}: the batch comes first, one sample per row. "
                "Compute X @ W.T + b.")
    return None


def dense_batch(fn):
    r"""Exercise 2: ``fn(X, W, b)`` = $X W^\top + b$ for a batch X of shape (N, in_features)."""
    rng = _rng(4)
    cases = []
    for label, n, n_in, n_out in [("a batch of 4 samples, 2 inputs, 3 neurons", 4, 2, 3),
                                  ("a batch of one sample", 1, 3, 2),
                                  ("square weight (3 x 3), batch of 5", 5, 3, 3),
                                  ("as many samples as neurons", 3, 2, 3),
                                  ("a batch of 64, 10 inputs, 7 neurons", 64, 10, 7)]:
        W, b = _layer(rng, n_in, n_out)
        cases.append(Case((rng.standard_normal((n, n_in)), W, b), label))
    return check_with_diagnoses("dense_batch", fn, _dense_batch_reference, cases,
                                [_forgot_bias, _transposed, _rows_and_columns, _shape_error],
                                hint="one sample per row: X @ W.T + b (b broadcasts over the rows).")


# ---------------------------------------------------------------- exercise 3: parameter count

def _count_reference(layer_sizes):
    return sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(layer_sizes))


def _count_diagnosis(args, received):
    (sizes,) = args
    pairs = list(itertools.pairwise(sizes))
    if received == sum(a * b for a, b in pairs) and len(pairs):
        return "you counted the weights but forgot the biases: one bias per output neuron."
    if received == sum(a * b + a for a, b in pairs) and len(pairs):
        return "you gave each layer one bias per INPUT; a layer has one bias per output neuron."
    return None


def count_parameters(fn):
    """Exercise 3: ``fn(layer_sizes)`` -> how many numbers an MLP with these sizes learns."""
    cases = [Case(([2, 4, 3, 2],), "the 2-4-3-2 network of this chapter"),
             Case(([784, 128, 10],), "an MNIST classifier (784-128-10)"),
             Case(([3, 1],), "a single neuron with 3 inputs"),
             Case(([5],), "no layers at all (only an input)", hint="with one size there is no layer: 0"),
             Case(([10, 10, 10, 10],), "three square layers")]
    return check_with_diagnoses("count_parameters", fn, _count_reference, cases,
                                [_count_diagnosis],
                                hint="a Linear(n_in, n_out) has n_in * n_out weights and n_out biases.")


# ---------------------------------------------------------------- exercise 4: an MLP forward

def _mlp_reference(x, layers):
    for i, (W, b) in enumerate(layers):
        x = x @ W.T + b
        if i < len(layers) - 1:  # no ReLU on the output: logits may be negative
            x = np.maximum(x, 0)
    return x


def _mlp_diagnosis(args, received):
    x, layers = args
    every = x
    for W, b in layers:
        every = np.maximum(every @ W.T + b, 0)
    if close_to(received, every):
        return ("you applied ReLU after the last layer too: the output layer gives raw scores "
                "(logits), which may be negative. Apply ReLU only between layers.")
    plain = x
    for W, b in layers:
        plain = plain @ W.T + b
    if close_to(received, plain):
        return ("you left out the ReLU between layers: without it the layers collapse into one "
                "linear map.")
    return None


class _Layers(list):
    """A plain list of (W, b) pairs that prints as shapes, so messages stay short."""

    def __repr__(self):
        return "[" + ", ".join(f"(W {W.shape}, b {b.shape})" for W, b in self) + "]"


def mlp_forward(fn):
    """Exercise 4: ``fn(X, layers)`` with layers a list of (W, b): Linear, ReLU, ..., Linear."""
    rng = _rng(5)
    cases = []
    for label, sizes, n in [("a 2-4-3-2 network, batch of 6", [2, 4, 3, 2], 6),
                            ("a single layer (no ReLU at all)", [3, 2], 4),
                            ("a deep 4-8-8-8-3 network", [4, 8, 8, 8, 3], 5),
                            ("a batch of one sample", [2, 5, 2], 1)]:
        layers = _Layers(_layer(rng, a, b) for a, b in itertools.pairwise(sizes))
        cases.append(Case((rng.standard_normal((n, sizes[0])), layers), label))
    return check_with_diagnoses("mlp_forward", fn, _mlp_reference, cases, [_mlp_diagnosis],
                                hint="x = x @ W.T + b for each layer; ReLU between layers, "
                                     "not after the last one.")


# ---------------------------------------------------------------- exercise 5: output shapes

def _shapes_reference(batch_size, layer_sizes):
    return [(batch_size, size) for size in layer_sizes]


def _shapes_diagnosis(args, received):
    batch_size, sizes = args
    try:
        got = [tuple(s) for s in received]
    except TypeError:
        return None
    if got == [(size, batch_size) for size in sizes]:
        return "you wrote (features, batch); in nnkit, as in PyTorch, the batch comes first."
    if got == [(batch_size, size) for size in sizes[1:]]:
        return "include the input's shape first: one shape per layer of neurons, input included."
    return None


def output_shapes(fn):
    """Exercise 5: ``fn(batch_size, layer_sizes)`` -> the shape of X and of every layer's output."""
    cases = [Case((32, [2, 4, 3, 2]), "a batch of 32 through 2-4-3-2"),
             Case((1, [784, 128, 10]), "one MNIST image through 784-128-10"),
             Case((5, [3, 5]), "5 samples, as many as the output size")]
    return check_with_diagnoses("output_shapes", fn, _shapes_reference, cases,
                                [_shapes_diagnosis],
                                hint="a batch of N samples with k features has shape (N, k).")


# ---------------------------------------------------------------- exercise 6: the classes

def _run(what, *args):
    """Call `what`; an exception becomes the result, to be reported in plain words."""
    try:
        return what(*args)
    except Exception as error:  # noqa: BLE001 - the learner's bug, reported below
        return error


def _raised(result, doing):
    if isinstance(result, NotImplementedError):
        return "not implemented yet: replace the `raise NotImplementedError` with your code."
    if isinstance(result, BaseException):
        return f"{doing} raised {type(result).__name__}: {result}"
    return None


def _linear_problem(Linear):
    """None when ``Linear`` behaves as PyTorch's does (numpy forward), else what differs."""
    layer = _run(Linear, 3, 2)
    if (problem := _raised(layer, "Linear(3, 2)")):
        return problem
    shapes = (np.shape(getattr(layer, "weight", None)), np.shape(getattr(layer, "bias", None)))
    if shapes == ((3, 2), (2,)):
        return ("Linear(3, 2).weight has shape (3, 2): PyTorch's convention is "
                "(out_features, in_features) = (2, 3), one row per neuron.")
    if shapes != ((2, 3), (2,)):
        return (f"Linear(3, 2) should hold weight of shape (2, 3) and bias of shape (2,). "
                f"Received shapes {shapes[0]} and {shapes[1]}.")
    bound = 1 / np.sqrt(3)
    if not np.any(layer.weight) or np.abs(layer.weight).max() > bound + 1e-12:
        return (f"Linear(3, 2) should start with small random weights, uniform in "
                f"+-1/sqrt(in_features) = +-{bound:.3f}. Received {_show(layer.weight)}.")
    rng = _rng(7)
    layer.weight, layer.bias = rng.standard_normal((2, 3)), rng.standard_normal(2)
    for label, x in [("a batch of 4", rng.standard_normal((4, 3))),
                     ("one sample", rng.standard_normal(3))]:
        want = x @ layer.weight.T + layer.bias
        got = _run(layer, x)
        if (problem := _raised(got, f"calling the layer on {label}")):
            return problem
        if close_to(got, x @ layer.weight.T):
            return f"{label}: you forgot to add the bias after x @ weight.T."
        if not close_to(got, want):
            return (f"{label}: expected x @ weight.T + bias = {_show(want)}. "
                    f"Received {_show(got)}.")
    params = _run(layer.parameters)
    if (problem := _raised(params, "layer.parameters()")):
        return problem
    if not isinstance(params, (list, tuple)) or len(params) != 2:
        return f"layer.parameters() should be the list [weight, bias]. Received {_show(params)}."
    if params[0] is not layer.weight or params[1] is not layer.bias:
        return ("layer.parameters() returned copies: return the arrays themselves, "
                "[self.weight, self.bias], so an optimizer that updates them in place updates "
                "the layer.")
    wrong = _run(layer, np.ones((4, 5)))
    if not isinstance(wrong, ValueError):
        return ("calling Linear(3, 2) on a batch with 5 features should raise ValueError "
                "saying it expected 3 features and received shape (4, 5). "
                + ("Nothing was raised." if not isinstance(wrong, BaseException)
                   else f"It raised {type(wrong).__name__}: {wrong}"))
    if "expect" not in str(wrong).lower() or "3" not in str(wrong) or "5" not in str(wrong):
        return ("the ValueError should say what was expected (3 features) and what was "
                f"received (shape (4, 5)). Received the message: {wrong}")
    return None


def _sequential_problem(Module, Linear, Sequential):
    empty = _run(Module)
    if (problem := _raised(empty, "Module()")):
        return problem
    if _run(empty.parameters) != []:
        return "Module().parameters() should be [] (a module with no weights, like an activation)."

    class Double(Module):  # a subclass defining forward only: calling it must run forward
        def forward(self, x):
            return 2 * x

    doubled = _run(Double(), np.ones(2))
    if (problem := _raised(doubled, "calling a Module subclass that defines only forward")):
        return problem + " (Module.__call__ should call self.forward(x))."
    if not close_to(doubled, 2 * np.ones(2)):
        return "calling a module should return self.forward(x)."
    rng = _rng(11)
    first, second, third = Linear(3, 4), Linear(4, 4), Linear(4, 2)
    for layer in (first, second, third):
        layer.weight = rng.standard_normal(layer.weight.shape)
        layer.bias = rng.standard_normal(layer.bias.shape)
    model = _run(Sequential, first, Double(), second)
    if (problem := _raised(model, "Sequential(Linear(3, 4), <a module>, Linear(4, 4))")):
        return problem
    x = rng.standard_normal((5, 3))
    after_first = first(x)
    want = second(2 * after_first)
    got = _run(model, x)
    if (problem := _raised(got, "calling the Sequential")):
        return problem
    if close_to(got, after_first):
        return ("Sequential returned the first layer's output: is the `return` inside the "
                "loop? Call every layer, then return.")
    if not close_to(got, want):
        return f"Sequential's output should be each layer applied in turn. Expected {_show(want)}."
    params = _run(model.parameters)
    if (problem := _raised(params, "Sequential.parameters()")):
        return problem
    expected = [first.weight, first.bias, second.weight, second.bias]
    if isinstance(params, (list, tuple)) and any(isinstance(p, (list, tuple)) for p in params):
        return ("Sequential.parameters() returned a list of lists: make it one flat list, "
                "[weight, bias, weight, bias, ...] (for p in layer.parameters()).")
    if not isinstance(params, (list, tuple)) or len(params) != 4 or \
            any(p is not q for p, q in zip(params, expected)):
        return ("Sequential.parameters() should be every layer's parameters() in order, the "
                "arrays themselves: [first.weight, first.bias, second.weight, second.bias].")
    nested = _run(Sequential, model, third)
    got = _run(nested, x)
    if (problem := _raised(got, "a Sequential inside a Sequential")):
        return problem
    if not close_to(got, third(want)) or len(_run(nested.parameters)) != 6:
        return ("a Sequential holding another Sequential should work like any module: "
                "its output is third(model(x)) and it has 6 parameters.")
    return None


def layer_classes(Module, Linear, Sequential):
    """Exercise 6: the learner's ``Module``, ``Linear`` and ``Sequential`` classes (forward).

    Behaviour, not a copy of the text: shapes (PyTorch's (out, in)), the initial weights'
    range, the forward on a batch and on one sample, parameters() returning the arrays
    themselves, a clear ValueError for the wrong number of features, Module.__call__
    running forward, Sequential's order and flat parameters, and nesting. Passing keeps
    all three in ``mine/ch03.py``.
    """
    name = "Module, Linear, Sequential"
    if not all(isinstance(c, type) for c in (Module, Linear, Sequential)):
        return CheckResult(name, False, "expected three classes: "
                           "layer_classes(Module, Linear, Sequential).")
    if not issubclass(Linear, Module) or not issubclass(Sequential, Module):
        return CheckResult(name, False, "Linear and Sequential should be subclasses of your "
                           "Module: class Linear(Module): ...")
    problem = _linear_problem(Linear) or _sequential_problem(Module, Linear, Sequential)
    if problem:
        return CheckResult(name, False, problem)
    cases = [Case((), label) for label in ("Linear's shapes and initial range",
                                           "forward on a batch and on one sample",
                                           "parameters() are the arrays themselves",
                                           "a clear error for the wrong number of features",
                                           "Sequential's order, parameters and nesting")]
    result = passed(name, Module, cases)
    kept = [mine.keep(cls, 3, "6") for cls in (Module, Linear, Sequential)]
    if all(kept):
        result.message += f" Kept in your library: {kept[0]}"
    return result
