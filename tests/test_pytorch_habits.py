"""What a PyTorch user types works in nnkit, with torch's meaning.

Each test is a habit: the line a learner brings from PyTorch, and what it must
do. Where torch defines the numbers, they are compared with torch itself
(those tests skip when torch is not installed); the rest run everywhere.
"""
import math
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

import nnkit
from nnkit.nn import functional as F

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="compares with PyTorch, not installed")



@pytest.fixture
def x():
    rng = np.random.default_rng(0)
    return nnkit.tensor(rng.standard_normal((3, 4)), requires_grad=True)


# ---------------------------------------------------------------- dim and keepdim

@pytest.mark.parametrize("method", ["sum", "mean", "amax", "amin", "argmax", "argmin"])
def test_dim_and_axis_are_two_names_for_the_same_thing(x, method):
    by_dim = getattr(x, method)(dim=1, keepdim=True)
    by_axis = getattr(x, method)(axis=1, keepdims=True)
    positional = getattr(x, method)(1, True)
    np.testing.assert_array_equal(by_dim.data, by_axis.data)
    np.testing.assert_array_equal(by_dim.data, positional.data)
    assert by_dim.shape == (3, 1)


def test_passing_both_dim_and_axis_is_refused_with_both_values(x):
    with pytest.raises(TypeError, match="dim=1, axis=0"):
        x.sum(dim=1, axis=0)


def test_max_with_a_dim_returns_values_and_indices_like_torch(x):
    result = x.max(dim=1)
    values, indices = result  # unpacks as a pair
    assert result.values is values and result.indices is indices
    np.testing.assert_array_equal(values.data, x.data.max(axis=1))
    np.testing.assert_array_equal(indices.data, x.data.argmax(axis=1))
    assert indices.dtype == np.int64 and not indices.requires_grad
    assert x.max().shape == () and x.max().item() == x.data.max()
    low = x.min(dim=0, keepdim=True)
    assert low.values.shape == (1, 4) and low.indices.shape == (1, 4)


def test_max_over_several_dims_points_to_amax(x):
    with pytest.raises(TypeError, match="amax"):
        x.max(dim=(0, 1))


def test_the_values_of_max_carry_the_gradient(x):
    x.max(dim=1).values.sum().backward()
    expected = np.zeros_like(x.data)
    expected[np.arange(3), x.data.argmax(axis=1)] = 1
    np.testing.assert_array_equal(x.grad, expected)


@pytest.mark.parametrize("function", ["sum", "mean", "argmax", "argmin"])
def test_top_level_functions_take_the_same_keywords_as_methods(x, function):
    np.testing.assert_array_equal(getattr(nnkit, function)(x, dim=0).data,
                                  getattr(x, function)(dim=0).data)
    np.testing.assert_array_equal(getattr(nnkit, function)(x, axis=0).data,
                                  getattr(x, function)(dim=0).data)


def test_cat_and_stack_take_dim_and_axis():
    a, b = nnkit.ones(2, 3), nnkit.zeros(2, 3)
    assert nnkit.cat([a, b], dim=1).shape == (2, 6) == nnkit.cat([a, b], axis=1).shape
    assert nnkit.stack((a, b), dim=0).shape == (2, 2, 3) == nnkit.stack([a, b], axis=0).shape
    assert nnkit.concatenate([a, b]).shape == (4, 3)
    with pytest.raises(TypeError, match="list or tuple of tensors"):
        nnkit.cat(a)


def test_softmax_takes_dim_or_axis(x):
    np.testing.assert_array_equal(F.softmax(x, dim=0).data, F.softmax(x, axis=0).data)
    np.testing.assert_allclose(F.softmax(x, dim=0).data.sum(axis=0), 1, rtol=1e-6)


# ---------------------------------------------------------------- var and std

def test_var_and_std_are_unbiased_by_default_as_in_torch(x):
    np.testing.assert_allclose(x.var().item(), np.var(x.data, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.std(dim=1).data, np.std(x.data, axis=1, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.var(unbiased=False).item(), np.var(x.data), rtol=1e-6)
    np.testing.assert_allclose(x.var(correction=0, dim=0).data, np.var(x.data, axis=0),
                               rtol=1e-6)
    with pytest.raises(TypeError, match="not both"):
        x.var(correction=1, unbiased=True)


@needs_torch
def test_var_and_std_match_torch_with_gradients():
    data = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    for kwargs in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"unbiased": False},
                   {"dim": 1, "correction": 0}):
        for name in ("var", "std"):
            ours = nnkit.tensor(data, requires_grad=True)
            theirs = torch.tensor(data, requires_grad=True)
            out, expected = getattr(ours, name)(**kwargs), getattr(theirs, name)(**kwargs)
            np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-5)
            out.sum().backward()
            expected.sum().backward()
            np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------- comparisons

def test_comparisons_are_elementwise_boolean_tensors_without_gradient(x):
    y = nnkit.tensor([1, 0, 2])
    prediction = x.argmax(dim=1)
    for result in (prediction == y, prediction != y, x < 0, x <= 0, x > 0, x >= 0):
        assert isinstance(result, nnkit.Tensor) and result.dtype == bool
        assert not result.requires_grad
    accuracy = (prediction == y).float().mean().item()
    assert accuracy == np.mean(x.data.argmax(axis=1) == y.data)
    np.testing.assert_array_equal((x != x.clone()).data, np.zeros((3, 4), bool))


def test_tensors_stay_hashable_by_identity(x):
    y = x.clone()
    table = {x: "x", y: "y"}
    assert table[x] == "x" and table[y] == "y"
    assert x in {x} and y not in {x}


# ---------------------------------------------------------------- Python's protocols

def test_bool_of_one_element_is_its_truth_value():
    assert not bool(nnkit.tensor([-1.0]) > 0)
    assert bool(nnkit.tensor(2.0) > 0)
    loss = nnkit.tensor(0.005)
    assert (loss < 0.01) and not (loss > 0.01)


def test_bool_of_several_elements_is_ambiguous_as_in_torch(x):
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        bool(x > 0)
    with pytest.raises(RuntimeError, match="ambiguous"):
        if x > 0:
            pass


def test_losses_sort_format_and_convert_like_numbers():
    losses = [nnkit.tensor(v) for v in (0.3, 0.1, 0.2)]
    assert min(losses) is losses[1] and max(losses) is losses[0]
    assert [float(v) for v in sorted(losses)] == pytest.approx([0.1, 0.2, 0.3])
    assert f"{losses[0]:.4f}" == "0.3000"
    assert float(losses[0]) == pytest.approx(0.3) and int(nnkit.tensor(7.9)) == 7
    assert list(range(nnkit.tensor(3)))[-1] == 2  # integer tensors index
    with pytest.raises(TypeError, match="format string"):
        f"{nnkit.ones(2):.2f}"


def test_len_is_the_first_dimension_and_refused_for_a_scalar(x):
    assert len(x) == 3
    with pytest.raises(TypeError, match="0-d"):
        len(nnkit.tensor(1.0))


def test_numpy_and_matplotlib_see_the_numbers(x):
    assert np.asarray(x).dtype == np.float32 and np.asarray(x) is x.data
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.mean(x) == pytest.approx(x.data.mean())
        losses = [nnkit.tensor(0.5), nnkit.tensor(0.25)]
        assert np.array(losses).dtype == np.float32  # numbers, never an object array
        assert np.concatenate([x, x]).shape == (6, 4)
    figure = Figure()
    (line,) = figure.add_subplot().plot(x[0])
    np.testing.assert_array_equal(line.get_ydata(), x.data[0])


# ---------------------------------------------------------------- methods learners reach for

def test_permute_clone_flatten_numel_tolist(x):
    cube = nnkit.arange(24).reshape(2, 3, 4)
    assert cube.permute(2, 0, 1).shape == (4, 2, 3) == cube.permute((2, 0, 1)).shape
    with pytest.raises(ValueError, match="order of all 3 dims"):
        cube.permute(0, 1)
    assert cube.flatten().shape == (24,) and cube.flatten(start_dim=1).shape == (2, 12)
    assert cube.flatten(0, 1).shape == (6, 4) and cube.numel() == 24
    assert x.tolist() == x.data.tolist()
    copy = x.clone()
    copy.data[0, 0] = 99.0
    assert x.data[0, 0] != 99.0  # a copy of the values
    (x.clone() * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((3, 4), 3.0))  # that stays in the graph


def test_requires_grad_in_place_and_numel():
    w = nnkit.zeros(3)
    assert w.requires_grad_() is w and w.requires_grad
    assert not w.requires_grad_(False).requires_grad


def test_backward_through_an_integer_cast_explains_itself(x):
    for integer in (x.long(), x.int(), x.argmax(dim=1), x > 0):
        assert not integer.requires_grad
        with pytest.raises(RuntimeError, match="carry no gradient"):
            integer.sum().backward() if integer.dtype != bool else integer.backward()


def test_top_level_constructors():
    assert nnkit.eye(3).data.tolist() == np.eye(3).tolist() and nnkit.eye(2, 3).shape == (2, 3)
    np.testing.assert_allclose(nnkit.linspace(0, 1, 5).data, [0, 0.25, 0.5, 0.75, 1])
    nnkit.manual_seed(0)
    draws = nnkit.randint(0, 10, (1000,))
    assert draws.dtype == np.int64 and draws.data.min() >= 0 and draws.data.max() <= 9
    assert nnkit.randint(5, (3,)).data.max() < 5  # randint(high, size), as torch
    array = np.arange(3.0)
    shared = nnkit.from_numpy(array)
    array[0] = 7.0
    assert shared.data[0] == 7.0 and shared.dtype == np.float64
    with pytest.raises(TypeError, match="NumPy array"):
        nnkit.from_numpy([1, 2])
    np.testing.assert_allclose(nnkit.exp(nnkit.tensor([0.0, 1.0])).data, [1, math.e], rtol=1e-6)
    np.testing.assert_allclose(nnkit.log(nnkit.tensor([1.0])).data, [0.0])
    assert nnkit.matmul(nnkit.ones(2, 3), nnkit.ones(3, 4)).shape == (2, 4)


def test_one_hot_like_torch():
    encoded = F.one_hot(nnkit.tensor([0, 2, 1]))
    assert encoded.dtype == np.int64 and encoded.data.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(nnkit.tensor([[1], [0]]), num_classes=4).shape == (2, 1, 4)
    with pytest.raises(TypeError, match="integer class indices"):
        F.one_hot(nnkit.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"in \[0, 2\)"):
        F.one_hot(nnkit.tensor([0, 3]), num_classes=2)


def test_pad_runs_from_the_last_dim_backwards_and_refuses_what_it_cannot_do():
    image = nnkit.ones(1, 2, 3)
    assert F.pad(image, (1, 1)).shape == (1, 2, 5)
    assert F.pad(image, (1, 1, 2, 0)).shape == (1, 4, 5)
    with pytest.raises(NotImplementedError, match="constant"):
        F.pad(image, (1, 1), mode="reflect")
    with pytest.raises(ValueError, match="even number"):
        F.pad(image, (1,))


@needs_torch
def test_one_hot_and_pad_match_torch():
    labels = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(F.one_hot(nnkit.tensor(labels)).data,
                                  torch.nn.functional.one_hot(torch.tensor(labels)).numpy())
    data = np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32)
    ours = F.pad(nnkit.tensor(data), (0, 2, 1, 1), value=-1.0)
    theirs = torch.nn.functional.pad(torch.tensor(data), (0, 2, 1, 1), value=-1.0)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_size_is_the_shape_as_in_torch_and_numel_counts(x):
    assert x.size() == (3, 4) and x.size(0) == 3 and x.size(-1) == 4
    assert x.numel() == 12


def test_device_habits_stay_on_the_cpu_and_name_other_devices(x):
    assert x.cpu() is x and x.contiguous() is x and x.to("cpu") is x
    assert x.to(np.float64).dtype == np.float64
    with pytest.raises(ValueError, match="CPU only. Received device 'cuda'"):
        x.to("cuda")
