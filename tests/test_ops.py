"""Every op in op_registry.REGISTRY, checked three ways.

1. forward against NumPy (float64, tight; float32 keeps its dtype),
2. gradients against finite differences (``nnkit.gradcheck``, float64),
3. forward values AND gradients against PyTorch on float32 inputs.

Shapes come from hypothesis (small, few examples: the whole file runs in
well under a minute); values come from a NumPy generator seeded by
hypothesis, shaped by each op's domain.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_registry import REGISTRY

import nnkit

FEW = settings(max_examples=6, deadline=None, derandomize=True)
SEEDS = st.integers(0, 2**32 - 1)
BINARY_BROADCASTING = [spec for spec in REGISTRY if spec.broadcasts]


def draw_inputs(data, spec, dtype=np.float64):
    shapes = data.draw(spec.shapes, label="shapes")
    rng = np.random.default_rng(data.draw(SEEDS, label="seed"))
    return spec.make_inputs(rng, shapes, dtype)


def as_tensors(arrays, requires_grad=False):
    return [nnkit.Tensor(a, requires_grad=requires_grad, dtype=a.dtype) for a in arrays]


def test_registry_covers_every_op_class():
    """Each Function in nnkit.ops appears in some registry entry (Cast is tested in test_tensor)."""
    used = set()

    @settings(max_examples=1, deadline=None, database=None)
    @given(data=st.data())
    def record(spec, data):
        out = spec.nnkit(*as_tensors(draw_inputs(data, spec), requires_grad=True))
        used.update(t.grad_fn.function.__name__ for t in nnkit.autograd.topological_order(out)
                    if t.grad_fn is not None)

    for spec in REGISTRY:
        record(spec)
    missing = set(nnkit.ops.__all__) - used - {"Cast"}
    assert not missing, f"ops without a registry entry: {sorted(missing)}"


# ---------------------------------------------------------------- forward vs NumPy

@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
@FEW
@given(data=st.data())
def test_forward_matches_numpy(spec, data):
    arrays = draw_inputs(data, spec)
    expected = np.asarray(spec.numpy(*arrays))
    out = spec.nnkit(*as_tensors(arrays))
    assert out.shape == expected.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
@FEW
@given(data=st.data())
def test_float32_stays_float32(spec, data):
    arrays = draw_inputs(data, spec, np.float32)
    out = spec.nnkit(*as_tensors(arrays))
    assert out.dtype == np.float32
    expected = spec.numpy(*[a.astype(np.float64) for a in arrays])
    np.testing.assert_allclose(out.data, expected, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- gradients vs finite differences

@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
@FEW
@given(data=st.data())
def test_gradcheck(spec, data):
    arrays = draw_inputs(data, spec)
    report = nnkit.gradcheck(spec.nnkit, *arrays)
    assert report, f"{spec.name} with shapes {[a.shape for a in arrays]}:\n{report}"


BROADCAST_PAIRS = [((4, 3), (3,)), ((3,), (4, 3)), ((4, 1), (1, 5)), ((2, 1, 3), (4, 1)),
                   ((), (2, 3)), ((2, 3), ()), ((), ()), ((1,), (3, 1))]


@pytest.mark.parametrize("pair", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("spec", BINARY_BROADCASTING, ids=lambda s: s.name)
def test_broadcasting_pairs(spec, pair):
    arrays = spec.make_inputs(np.random.default_rng(1), pair)
    out = spec.nnkit(*as_tensors(arrays))
    np.testing.assert_allclose(out.data, spec.numpy(*arrays), rtol=1e-10)
    report = nnkit.gradcheck(spec.nnkit, *arrays)
    assert report, f"{spec.name} {pair}:\n{report}"


def test_broadcast_gradient_is_summed_to_each_input_shape():
    """(4, 1) * (1, 5): each gradient has its input's shape and sums the stretched axis."""
    a = nnkit.tensor(np.arange(4.0).reshape(4, 1), requires_grad=True)
    b = nnkit.tensor(np.arange(5.0).reshape(1, 5), requires_grad=True)
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full((4, 1), 10.0))  # 0+1+2+3+4
    np.testing.assert_array_equal(b.grad, np.full((1, 5), 6.0))   # 0+1+2+3


# ---------------------------------------------------------------- PyTorch oracle

try:  # only the comparisons below need torch; everything above runs without it
    import torch
except ImportError:
    torch = None
WITH_TORCH = [spec for spec in REGISTRY if spec.torch is not None]


@pytest.mark.skipif(torch is None, reason="compares with PyTorch, not installed")
@pytest.mark.parametrize("spec", WITH_TORCH, ids=lambda s: s.name)
@settings(max_examples=4, deadline=None, derandomize=True)
@given(data=st.data())
def test_matches_pytorch(spec, data):
    arrays = draw_inputs(data, spec, np.float32)
    ours = as_tensors(arrays, requires_grad=True)
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = spec.nnkit(*ours), spec.torch(*theirs)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-5, atol=1e-6,
                               err_msg=f"{spec.name}: forward")
    # one random upstream gradient checks every output element's contribution
    upstream = np.random.default_rng(7).standard_normal(out.shape).astype(np.float32)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    for i, (x, t) in enumerate(zip(ours, theirs)):
        assert x.grad.dtype == np.float32
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-5, atol=1e-5,
                                   err_msg=f"{spec.name}: gradient of input {i}")

