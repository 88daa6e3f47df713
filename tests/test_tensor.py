"""Tensor construction, dtype rules, repr, conversions, comparisons and seeded randomness."""
import numpy as np
import pytest

import nnkit

# ---------------------------------------------------------------- dtype rules

@pytest.mark.parametrize("data, dtype", [
    ([1.0, 2.0], np.float32), ([1, 2], np.int64), ([1, 2.5], np.float32), (3.0, np.float32),
    ([True, False], np.bool_), (np.ones(2), np.float32), (np.ones(2, np.float16), np.float32),
    (np.arange(3, dtype=np.int32), np.int32)])
def test_default_dtypes(data, dtype):
    assert nnkit.tensor(data).dtype == dtype


def test_float64_kept_when_asked_for():
    x = nnkit.tensor(np.ones(3), dtype=np.float64)
    assert x.dtype == np.float64
    assert nnkit.Tensor(np.ones(3), dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("make", [
    lambda d: nnkit.zeros(2, 3, dtype=d), lambda d: nnkit.ones((2, 3), dtype=d),
    lambda d: nnkit.full((2, 3), 7.0, dtype=d), lambda d: nnkit.randn(2, 3, dtype=d),
    lambda d: nnkit.rand(2, 3, dtype=d),
    lambda d: nnkit.zeros_like(nnkit.tensor(np.ones((2, 3)), dtype=d)),
    lambda d: nnkit.ones_like(nnkit.tensor(np.ones((2, 3)), dtype=d))],
    ids=["zeros", "ones", "full", "randn", "rand", "zeros_like", "ones_like"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constructors_honour_dtype_and_shape(make, dtype):
    x = make(dtype)
    assert x.dtype == dtype and x.shape == (2, 3)


def test_constructor_values():
    np.testing.assert_array_equal(nnkit.zeros(2).data, [0, 0])
    np.testing.assert_array_equal(nnkit.ones(1, 2).data, [[1, 1]])
    np.testing.assert_array_equal(nnkit.full(3, 2.5).data, [2.5, 2.5, 2.5])
    np.testing.assert_array_equal(nnkit.arange(4).data, [0, 1, 2, 3])
    np.testing.assert_allclose(nnkit.arange(0, 1, 0.25).data, [0, 0.25, 0.5, 0.75])
    assert nnkit.arange(4).dtype == np.int64 and nnkit.arange(0, 1, 0.5).dtype == np.float32
    r = nnkit.rand(1000)
    assert 0 <= r.data.min() and r.data.max() < 1


def test_tensor_copies_its_input():
    array = np.ones(3, dtype=np.float32)
    x = nnkit.tensor(array)
    array[0] = 5
    assert x.data[0] == 1


def test_requires_grad_constructor_flag():
    assert nnkit.zeros(2, requires_grad=True).requires_grad
    assert not nnkit.zeros(2).requires_grad


def test_strings_are_rejected_with_the_dtype_received():
    with pytest.raises(TypeError, match=r"expected numbers.*Received dtype <U1"):
        nnkit.tensor(["a", "b"])


def test_integer_tensor_meets_a_float_without_truncation():
    np.testing.assert_allclose((nnkit.tensor([1, 2]) * 0.5).data, [0.5, 1.0])
    np.testing.assert_allclose((nnkit.tensor([1, 2]) + 0.5).data, [1.5, 2.5])
    assert (nnkit.tensor([1, 2]) + 1).dtype == np.int64


def test_mean_of_booleans_is_a_fraction():
    """The accuracy idiom: (predicted == labels).mean()."""
    hits = nnkit.tensor([1, 2, 3, 4]).eq(nnkit.tensor([1, 0, 3, 0]))
    assert hits.mean().item() == pytest.approx(0.5)


@pytest.mark.parametrize("method, dtype", [("float", np.float32), ("double", np.float64),
                                           ("long", np.int64)])
def test_casts(method, dtype):
    x = getattr(nnkit.tensor([1.7, -2.2]), method)()
    assert x.dtype == dtype


def test_cast_gradient_returns_in_the_input_dtype():
    x = nnkit.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3.0).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


# ---------------------------------------------------------------- repr and conversions

def test_repr_shows_values_and_only_the_unusual():
    assert repr(nnkit.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(nnkit.tensor([1, 2])) == "tensor([1, 2], dtype=int64)"
    assert repr(nnkit.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(nnkit.tensor([1.0], requires_grad=True) * 2.0) == "tensor([2.], grad_fn=Mul)"


def test_item_and_its_error():
    assert nnkit.tensor([[3.5]]).item() == 3.5
    with pytest.raises(ValueError, match=r"item\(\).*one element.*shape \(2, 3\)"):
        nnkit.zeros(2, 3).item()


def test_numpy_shares_memory_and_tolist():
    x = nnkit.tensor([1.0, 2.0])
    x.numpy()[0] = 9
    assert x.tolist() == [9.0, 2.0]


def test_properties():
    x = nnkit.zeros(2, 3, 4)
    assert (x.shape, x.ndim, x.numel(), x.size(), len(x), x.is_leaf) == ((2, 3, 4), 3, 24, (2, 3, 4), 2, True)


# ---------------------------------------------------------------- shapes

def test_transpose_forms():
    x = nnkit.zeros(2, 3, 4)
    assert x.transpose(0, 2).shape == (4, 3, 2)             # PyTorch: swap two axes
    assert x.transpose((1, 2, 0)).shape == (3, 4, 2)        # NumPy: a permutation
    assert x.transpose().shape == (4, 3, 2)
    assert nnkit.zeros(2, 3).transpose(0, 1).shape == (3, 2)  # swap, also in 2-D
    assert nnkit.zeros(2, 3).T.shape == (3, 2)


def test_unsqueeze_squeeze_flatten_view():
    x = nnkit.zeros(2, 3)
    assert x.unsqueeze(0).shape == (1, 2, 3) and x.unsqueeze(-1).shape == (2, 3, 1)
    assert x.unsqueeze(1).squeeze().shape == (2, 3)
    assert nnkit.zeros(2, 3, 4).flatten(1).shape == (2, 12)
    assert x.view(3, 2).shape == (3, 2) and x.reshape((6,)).shape == (6,)


# ---------------------------------------------------------------- comparisons

def test_comparisons_give_booleans_without_gradient():
    x = nnkit.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [(x < 2, [True, False, False]), (x <= 2, [True, True, False]),
                             (x > 2, [False, False, True]), (x >= 2, [False, True, True]),
                             (x.eq(nnkit.tensor([1.0, 0.0, 3.0])), [True, False, True])]:
        assert result.dtype == np.bool_ and not result.requires_grad
        np.testing.assert_array_equal(result.data, expected)


def test_double_equals_compares_values_and_tensors_stay_dict_keys():
    x, y = nnkit.tensor([1.0]), nnkit.tensor([1.0])
    assert (x == y).data.tolist() == [True] and (x != y).data.tolist() == [False]  # values
    assert len({x: 1, y: 2}) == 2  # keys by identity


def test_argmax():
    x = nnkit.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]])
    np.testing.assert_array_equal(x.argmax(axis=1).data, [1, 0])
    assert x.argmax().item() == 3


def test_ndarray_on_the_left_gives_a_tensor():
    x = nnkit.tensor([1.0, 2.0], requires_grad=True)
    out = np.array([3.0, 4.0], dtype=np.float32) * x
    assert isinstance(out, nnkit.Tensor) and out.requires_grad


# ---------------------------------------------------------------- seeding

def test_manual_seed_makes_randn_and_rand_reproducible():
    nnkit.manual_seed(123)
    first = nnkit.randn(3, 4).data.copy(), nnkit.rand(5).data.copy()
    nnkit.manual_seed(123)
    second = nnkit.randn(3, 4).data, nnkit.rand(5).data
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    nnkit.manual_seed(124)
    assert not np.array_equal(nnkit.randn(3, 4).data, first[0])


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_manual_seed_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match=f"non-negative integer. Received seed={seed!r}"):
        nnkit.manual_seed(seed)
