"""The float32 tanh and sigmoid approximations of nnkit/kernels/fastmath.py against float64."""
import math

import numpy as np
import pytest

from nnkit.kernels import NUMBA_AVAILABLE, fastmath, jit


def _grid():
    """Float32 inputs: a dense grid over the curved part, the tails, and tiny values."""
    dense = np.linspace(-10, 10, 2_000_001)
    tails = np.concatenate([np.geomspace(10, 1e30, 2000), -np.geomspace(10, 1e30, 2000)])
    tiny = np.geomspace(1e-30, 1e-2, 2000)
    return np.concatenate([dense, tails, tiny, -tiny, [0.0]]).astype(np.float32)


# loops of the kind the kernels run: Numba picks the overload by the element type
@jit
def _tanh_loop(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = fastmath.tanh(x[i])
    return out


@jit
def _sigmoid_loop(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = fastmath.sigmoid(x[i])
    return out


def _vectorised(fn, x):
    return np.array([fn(v) for v in x], dtype=x.dtype)


@pytest.fixture(scope="module")
def grid():
    return _grid()


def test_tanh_error_against_float64_is_below_1e_6(grid):
    approx = _tanh_loop(grid).astype(np.float64)
    exact = np.tanh(grid.astype(np.float64))
    error = np.abs(approx - exact)
    assert error.max() < 1e-6, f"max error {error.max():.2e} at x={grid[error.argmax()]}"
    small = np.abs(grid) < 1e-2  # near 0 the relative error matters: tanh x ~ x
    nonzero = small & (grid != 0)
    relative = error[nonzero] / np.abs(exact[nonzero])
    assert relative.max() < 1e-6


def test_sigmoid_error_against_float64_is_below_1e_6(grid):
    approx = _sigmoid_loop(grid).astype(np.float64)
    x = grid.astype(np.float64)
    exact = np.exp(-np.logaddexp(0, -x))
    assert np.abs(approx - exact).max() < 1e-6


def test_approximations_keep_symmetry_range_and_saturate(grid):
    t = _tanh_loop(grid)
    s = _sigmoid_loop(grid)
    np.testing.assert_array_equal(_tanh_loop(-grid), -t)  # odd, exactly
    assert t.min() == -1 and t.max() == 1 and np.all(np.abs(t) <= 1)
    assert np.all((s >= 0) & (s <= 1)) and s.min() == 0 and s.max() == 1
    # monotone up to the error bound (near +-1 it wiggles by a few float32 steps of 6e-8)
    assert np.diff(t[:2_000_001]).min() > -1e-6
    extreme = np.array([-np.inf, -1e38, 1e38, np.inf], dtype=np.float32)
    np.testing.assert_array_equal(_tanh_loop(extreme), [-1, -1, 1, 1])
    np.testing.assert_array_equal(_sigmoid_loop(extreme), [0, 0, 1, 1])


def test_float32_stays_float32_and_matches_the_python_formula():
    x = np.linspace(-9, 9, 1001).astype(np.float32)
    assert _tanh_loop(x).dtype == np.float32
    # the compiled loop fuses multiply-adds (rounded once), Python rounds each step:
    # a few float32 steps apart, within the error bound against the exact tanh
    np.testing.assert_allclose(_tanh_loop(x), _vectorised(fastmath.tanh_float32, x), rtol=0, atol=4e-7)
    np.testing.assert_allclose(_sigmoid_loop(x), _vectorised(fastmath.sigmoid_float32, x), rtol=0, atol=4e-7)
    assert isinstance(fastmath.tanh(np.float32(0.5)), np.float32)


def test_float64_is_exact_libm():
    x = np.linspace(-30, 30, 10_001)
    np.testing.assert_array_equal(_tanh_loop(x), [math.tanh(v) for v in x])
    np.testing.assert_array_equal(_sigmoid_loop(x), [1.0 / (1.0 + math.exp(-v)) for v in x])
    assert fastmath.tanh(0.5) == math.tanh(0.5)
    assert fastmath.sigmoid(-2.0) == 1.0 / (1.0 + math.exp(2.0))


@pytest.mark.skipif(not NUMBA_AVAILABLE, reason="the speed comes from Numba vectorising the loop")
def test_float32_loop_compiles_to_simd_division():
    # the reason for the approximation: no libm call, packed (vector) float32 division
    import numba
    # compiled afresh as nnkit.kernels.jit does: the on-disk cache keeps no assembly
    loop = numba.njit(error_model="numpy")(_tanh_loop.py_func)
    loop(np.zeros(4, np.float32))
    asm = loop.inspect_asm(loop.signatures[0])
    assert "vdivps" in asm
