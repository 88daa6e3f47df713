"""Chapter 06's checkers accept right answers and reject typical wrong ones with a useful message."""
import numpy as np
import pytest

import nnkit
from nnkit.autograd import Function, unbroadcast
from nnkit.exercises import ch06 as check


def add_backward(grad, a_shape, b_shape):
    return unbroadcast(grad, a_shape), unbroadcast(grad, b_shape)


def add_backward_by_hand(grad, a_shape, b_shape):
    def reduce(g, shape):
        g = g.sum(axis=tuple(range(g.ndim - len(shape))))  # axes broadcasting added
        stretched = tuple(i for i, n in enumerate(shape) if n == 1)
        return g.sum(axis=stretched, keepdims=True)  # axes broadcasting stretched
    return reduce(grad, a_shape), reduce(grad, b_shape)


def matmul_backward(grad, A, B):
    return grad @ B.T, A.T @ grad


def sum_backward(grad, shape, axis):
    return np.broadcast_to(np.expand_dims(grad, axis), shape)


def mean_backward(grad, shape, axis):
    return sum_backward(grad, shape, axis) / shape[axis]


class Swish(Function):
    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved
        return grad * (s + x * s * (1 - s))


def test_right_answers_pass():
    assert check.add_backward(add_backward)
    assert check.add_backward(add_backward_by_hand)
    assert check.matmul_backward(matmul_backward)
    assert check.sum_backward(sum_backward)
    assert check.mean_backward(mean_backward)
    result = check.swish(Swish)
    assert result and "gradcheck passed" in result.message


def test_stubs_say_not_implemented_yet():
    def stub(*args):
        raise NotImplementedError

    class Stub(Function):
        @staticmethod
        def forward(ctx, x):
            raise NotImplementedError

    for checker in (check.add_backward, check.matmul_backward, check.sum_backward,
                    check.mean_backward):
        assert "not implemented yet" in checker(stub).message
    assert "not implemented yet" in check.swish(Stub).message


# ---------------------------------------------------------------- broadcast add

def test_add_rejects_a_gradient_that_was_not_summed():
    result = check.add_backward(lambda g, a, b: (g, g))
    assert not result and "case 'a bias: (4, 3) + (3,)': grad_b is wrong" in result.message
    assert "expected shape (3,), received shape (4, 3)" in result.message
    assert "hint: " in result.message and "SUMS" in result.message


def test_add_rejects_the_wrong_axis():
    result = check.add_backward(lambda g, a, b: (g, g.sum(axis=-1) if g.ndim == 2 and b else g))
    assert not result and "expected shape (3,), received shape (4,)" in result.message
    assert "sum grad over axis 0" in result.message


def test_add_rejects_a_forgotten_keepdims():
    def no_keepdims(grad, a_shape, b_shape):
        g = grad.sum(axis=tuple(range(grad.ndim - len(b_shape))))
        return grad, g.sum(axis=tuple(i for i, n in enumerate(b_shape) if n == 1))
    result = check.add_backward(no_keepdims)
    assert not result and "expected shape (4, 1), received shape (4,)" in result.message
    assert "keepdims=True" in result.message


def b_size(shape):
    return int(np.prod(shape))


def test_add_rejects_a_mean_instead_of_a_sum():
    result = check.add_backward(lambda g, a, b: (g, unbroadcast(g, b) / g.size * b_size(b)))
    assert not result and "the values differ" in result.message and "grad_b" in result.message
    assert "case 'a bias: (4, 3) + (3,)': grad_b is wrong" in result.message


# ---------------------------------------------------------------- matmul

def test_matmul_rejects_a_missing_transpose_with_a_shape_message():
    result = check.matmul_backward(lambda g, A, B: (g @ B, A.T @ g))
    assert not result and "raised ValueError" in result.message
    assert "grad_A must have A's shape" in result.message


def test_matmul_rejects_transposed_results():
    result = check.matmul_backward(lambda g, A, B: (g @ B.T, g.T @ A))
    assert not result and "grad_B" in result.message
    assert "expected shape (3, 4), received shape (4, 3)" in result.message


def test_matmul_rejects_wrong_order_on_square_matrices():
    def square_only_wrong(g, A, B):
        if A.shape == B.shape == (3, 3):
            return g @ B, A.T @ g
        return matmul_backward(g, A, B)
    result = check.matmul_backward(square_only_wrong)
    assert not result and "square matrices" in result.message
    assert "you forgot the transpose" in result.message


def test_matmul_rejects_a_single_array():
    result = check.matmul_backward(lambda g, A, B: g @ B.T)
    assert not result and "expected a tuple (grad_A, grad_B)" in result.message


# ---------------------------------------------------------------- swish, a new Function

def make_swish(backward):
    class Broken(Swish):
        pass
    Broken.backward = staticmethod(backward)
    return Broken


def test_swish_rejects_a_missing_chain_rule_factor_via_gradcheck():
    def local_only(ctx, grad):
        x, s = ctx.saved
        return s + x * s * (1 - s)  # forgot grad *
    result = check.swish(make_swish(local_only))
    assert not result and "gradcheck FAILED" in result.message
    assert "multiply it by grad" in result.message and "chain rule" in result.message


def test_swish_rejects_a_half_product_rule_and_a_wrong_forward():
    def half(ctx, grad):
        _x, s = ctx.saved
        return grad * s
    assert "product rule" in check.swish(make_swish(half)).message

    class Sigmoid(Swish):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 1 / (1 + np.exp(-x)))
            return 1 / (1 + np.exp(-x))
    result = check.swish(Sigmoid)
    assert not result and "forward" in result.message and "x * sigmoid(x)" in result.message


def test_swish_rejects_something_that_is_not_a_function_class():
    assert "subclass of nnkit.Function" in check.swish(lambda x: x).message
    assert "subclass of nnkit.Function" in check.swish(nnkit.Tensor).message


# ---------------------------------------------------------------- sum and mean

def test_sum_rejects_a_gradient_that_was_not_expanded():
    result = check.sum_backward(lambda g, shape, axis: np.broadcast_to(g, shape))
    assert not result and "reduced over axis 1" in result.message
    assert "raised ValueError" in result.message and "put the reduced axis back" in result.message


def test_sum_rejects_the_wrong_axis():
    result = check.sum_backward(lambda g, shape, axis: np.broadcast_to(np.expand_dims(g, -1), shape))
    assert not result and "reduced over axis 0" in result.message


def test_mean_rejects_a_forgotten_division_and_the_wrong_count():
    result = check.mean_backward(sum_backward)
    assert not result and "divides by n = shape[axis]" in result.message
    by_size = check.mean_backward(lambda g, s, a: sum_backward(g, s, a) / np.prod(s))
    assert not by_size and "not by the size of the whole array" in by_size.message


# ---------------------------------------------------------------- exercise 5: the engine

def _engine_variant(**methods):
    from nnkit.exercises.solutions.ch06 import Tensor
    return type("Tensor", (Tensor,), methods)


def test_the_course_engine_passes_and_is_kept(tmp_path, monkeypatch):
    from nnkit import mine
    from nnkit.exercises.solutions.ch06 import Tensor
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    result = check.engine(Tensor)
    assert result, result
    text = (tmp_path / "ch06.py").read_text()
    assert "def unbroadcast(grad, shape):" in text and "class Tensor(TensorOps):" in text
    Mine = mine.use("Tensor", reference=None, quiet=True)
    a = Mine(np.array([1.0, 2.0]), requires_grad=True)
    (a * a).sum().backward()
    assert a.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("index, says", [(0, "ADD them"), (1, "pile up"), (2, "ADDED to")])
def test_the_engine_slips_get_their_own_hint(index, says):
    method, _ = check._ENGINE_SLIPS[index]
    text = check.engine(_engine_variant(backward=method)).message
    assert says in text
    others = [hint for i, (_, hint) in enumerate(check._ENGINE_SLIPS) if i != index]
    assert not any(hint in text for hint in others)


def test_the_engine_needs_unbroadcast_and_a_clear_error():
    from nnkit.exercises.solutions import ch06 as course

    def no_unbroadcast(self):
        saved, course.unbroadcast = course.unbroadcast, lambda grad, shape: grad
        try:
            course.Tensor.backward(self)
        finally:
            course.unbroadcast = saved
    assert "unbroadcast(grad, parent.data.shape)" in check.engine(
        _engine_variant(backward=no_unbroadcast)).message

    def silent(self):
        if self.data.size == 1:
            course.Tensor.backward(self)
    assert "naming the shape received, (2, 2)" in check.engine(
        _engine_variant(backward=silent)).message


def test_the_engine_checker_wants_a_tensorops_class():
    assert "class Tensor(TensorOps)" in check.engine(object).message

    def stub(self):
        raise NotImplementedError
    assert "not implemented yet" in check.engine(_engine_variant(backward=stub)).message


def test_learnable_swaps_a_chapter_03_model_for_tensors_that_learn():
    from nnkit.exercises.engine_parts import cross_entropy, learnable
    from nnkit.exercises.solutions import ch03
    from nnkit.exercises.solutions.ch06 import Tensor
    np.random.seed(1)
    model = learnable(ch03.Sequential(ch03.Linear(3, 4), ch03.Sequential(ch03.Linear(4, 2))),
                      Tensor)
    assert all(isinstance(p, Tensor) and p.requires_grad for p in model.parameters())
    X, y = np.random.default_rng(0).standard_normal((6, 3)), np.array([0, 1, 0, 1, 1, 0])
    twin_model = nnkit.nn.Sequential(nnkit.nn.Linear(3, 4), nnkit.nn.Linear(4, 2)).double()
    for own, twin in zip(model.parameters(), twin_model.parameters()):
        twin.data[...] = own.data
    cross_entropy(model(X), y).backward()
    loss = nnkit.nn.functional.cross_entropy(twin_model(nnkit.tensor(X, dtype=np.float64)),
                                             nnkit.tensor(y))
    loss.backward()
    for own, twin in zip(model.parameters(), twin_model.parameters()):
        np.testing.assert_allclose(own.grad, twin.grad, rtol=1e-10, atol=1e-12)
