"""The autograd engine: accumulation, graph lifetime, no_grad, dtypes and error messages."""
import numpy as np
import pytest

import nnkit
from nnkit.autograd import Function, topological_order, unbroadcast


def leaf(values, dtype=np.float32):
    return nnkit.tensor(values, requires_grad=True, dtype=dtype)


# ---------------------------------------------------------------- accumulation

def test_tensor_used_twice_in_one_product_gets_both_contributions():
    x = leaf([1.0, -2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, -4.0, 6.0])


def test_tensor_added_to_itself_gets_gradient_two():
    x = leaf([1.0, 2.0])
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_diamond_graph_sums_both_paths():
    # x -> a = 3x, b = x^2 -> y = a * b = 3x^3; dy/dx = 9x^2
    x = leaf([1.0, 2.0])
    a, b = x * 3.0, x ** 2
    (a * b).sum().backward()
    np.testing.assert_allclose(x.grad, [9.0, 36.0])


def test_leaf_grads_accumulate_across_backward_calls_until_zeroed():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_leaf_grad_is_a_private_copy():
    """Changing one leaf's grad in place must not change another's (no shared buffers)."""
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x + y).sum().backward()
    x.grad += 10
    np.testing.assert_array_equal(y.grad, [1.0, 1.0])


def test_leaf_grads_never_alias_each_other_or_the_callers_array():
    """backward keeps gradient arrays without copying when it may: never when shared."""
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    upstream = np.array([1.0, 1.0], dtype=np.float32)
    (x + y).backward(upstream)  # Add hands the very same array to both inputs
    assert x.grad is not y.grad and x.grad is not upstream and y.grad is not upstream
    x.grad += 10
    upstream += 100
    np.testing.assert_array_equal(y.grad, [1.0, 1.0])
    z = leaf([[1.0, 2.0], [3.0, 4.0]])
    (z.reshape(4) * 2.0).sum().backward()  # the reshape's gradient is a view
    z.grad[0, 0] = 5
    np.testing.assert_array_equal(z.grad, [[5.0, 2.0], [2.0, 2.0]])


# ---------------------------------------------------------------- backward's contract

def test_backward_on_non_scalar_without_grad_says_what_to_do():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match=r"scalar output.*shape \(2, 2\).*loss\.mean\(\)"):
        (x * 2.0).backward()


def test_backward_with_explicit_grad_on_non_scalar():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(np.array([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 12.0])


def test_backward_grad_of_wrong_shape_names_both_shapes():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        (x * x).backward(np.ones(2))


def test_backward_on_tensor_without_grad_explains():
    with pytest.raises(RuntimeError, match="does not require grad"):
        nnkit.tensor([1.0]).sum().backward()


def test_backward_twice_raises_unless_graph_retained():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.copy()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * first)


def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with nnkit.no_grad():
        y = (x * x).sum()
        assert not nnkit.is_grad_enabled()
    assert nnkit.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_enable_grad_inside_no_grad_and_restore_after_an_error():
    x = leaf([1.0])
    with nnkit.no_grad():
        with nnkit.enable_grad():
            assert (x * 2.0).requires_grad
        assert not (x * 2.0).requires_grad
    with pytest.raises(ValueError), nnkit.no_grad():
        raise ValueError("an error inside the block")
    assert nnkit.is_grad_enabled()


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point.*int64"):
        nnkit.tensor([1, 2, 3], requires_grad=True)


def test_integer_result_of_a_graph_carries_no_gradient():
    """x.long() of a tensor that requires grad is a plain integer tensor (as in PyTorch)."""
    x = leaf([1.7, -2.2])
    as_int = x.long()
    assert as_int.dtype == np.int64 and not as_int.requires_grad
    np.testing.assert_array_equal(as_int.data, [1, -2])


# ---------------------------------------------------------------- graph shape

def test_deep_chain_does_not_hit_the_recursion_limit():
    x = leaf([1.0], dtype=np.float64)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001 ** 5000], rtol=1e-9)


def test_topological_order_is_deterministic_and_respects_dependencies():
    def build():
        x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
        h = (x * w).relu() + x.sigmoid()
        return (h * h + w).sum()

    orders = []
    for _ in range(3):
        out = build()
        order = topological_order(out)
        position = {id(t): i for i, t in enumerate(order)}
        for t in order:  # every tensor comes after the tensors it was made from
            if t.grad_fn is not None:
                assert all(position[id(p)] < position[id(t)] for p in t.grad_fn.inputs)
        assert order[-1] is out
        orders.append([t.grad_fn.function.__name__ if t.grad_fn else "leaf" for t in order])
    assert orders[0] == orders[1] == orders[2]


def test_retain_grad_keeps_an_intermediate_gradient():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    h.retain_grad()
    other = x * 3.0
    (h * h + other).sum().backward()
    np.testing.assert_allclose(h.grad, [6.0, 12.0])  # d(h^2)/dh = 2h
    assert other.grad is None  # not retained: intermediates keep no grad by default


def test_detach_cuts_the_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).detach() * x  # the detached factor counts as a constant
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 4.0])
    assert not (x * x).detach().requires_grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_dtype_follows_the_input(dtype):
    x = leaf(np.array([[0.5, -1.0], [2.0, 3.0]]), dtype=dtype)
    w = leaf(np.ones((2, 3)), dtype=dtype)
    ((x @ w).relu().sigmoid() * 2.0 - 1.0).mean().backward()
    assert x.grad.dtype == dtype and w.grad.dtype == dtype


def test_float32_input_mixed_with_float64_gets_float32_grad():
    x = leaf([1.0, 2.0])                       # float32
    w = leaf([3.0, 4.0], dtype=np.float64)     # float64: the product is float64
    (x * w).sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_ops_on_tensors_that_need_no_grad_record_no_graph():
    out = nnkit.tensor([1.0]) * nnkit.tensor([2.0])
    assert out.grad_fn is None and not out.requires_grad


# ---------------------------------------------------------------- error messages

def test_matmul_inner_dimension_error_is_exact():
    a, b = nnkit.zeros(32, 784), nnkit.zeros(256, 128)
    with pytest.raises(ValueError) as error:
        a @ b
    assert str(error.value) == "matmul: (32, 784) @ (256, 128): inner dimensions 784 and 256 differ"


def test_matmul_with_a_scalar_says_use_star():
    with pytest.raises(ValueError, match=r"matmul.*\(\) @ \(2,\).*use \*"):
        nnkit.tensor(2.0) @ nnkit.zeros(2)


def test_reshape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape \(2, 3\) \(6 elements\) "
                                         r"into \(4, 2\)"):
        nnkit.zeros(2, 3).reshape(4, 2)


# ---------------------------------------------------------------- custom Functions and unbroadcast

class Cube(Function):
    """A learner's own op: y = x^3, dy/dx = 3x^2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * 3 * x ** 2


def test_custom_function_plugs_into_the_graph():
    x = leaf([1.0, -2.0])
    (Cube.apply(x) * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad, [6.0, 24.0])


def test_custom_function_receives_arrays_and_options():
    seen = {}

    class Scale(Function):
        @staticmethod
        def forward(ctx, x, factor=1.0):
            seen["type"], seen["factor"] = type(x), factor
            ctx.factor = factor
            return x * factor

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.factor

    x = leaf([1.0, 2.0])
    Scale.apply(x, factor=4.0).sum().backward()
    assert seen == {"type": np.ndarray, "factor": 4.0}
    np.testing.assert_array_equal(x.grad, [4.0, 4.0])


@pytest.mark.parametrize("grad_shape, shape, expected", [
    ((4, 3), (3,), np.full(3, 4.0)),
    ((4, 3), (4, 1), np.full((4, 1), 3.0)),
    ((2, 4, 3), (1, 3), np.full((1, 3), 8.0)),
    ((4, 3), (), np.array(12.0)),
    ((4, 3), (4, 3), np.ones((4, 3))),
])
def test_unbroadcast_sums_added_and_stretched_axes(grad_shape, shape, expected):
    out = unbroadcast(np.ones(grad_shape), shape)
    assert out.shape == shape
    np.testing.assert_array_equal(out, expected)


def test_in_place_updates_need_no_grad_and_keep_the_object():
    w = nnkit.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with pytest.raises(RuntimeError, match="Wrap the update in `with nnkit.no_grad"):
        w -= 0.1 * w.grad
    same = w
    with nnkit.no_grad():
        w -= 0.5 * nnkit.tensor(w.grad)
    assert w is same and w.requires_grad
    np.testing.assert_allclose(w.data, [0.0, 0.0])
    plain = nnkit.ones(2)
    plain *= 3
    plain += np.array([1.0, 2.0])
    np.testing.assert_allclose(plain.data, [4.0, 5.0])
