r"""Fast float32 ``tanh`` and ``sigmoid`` for the Numba kernels (chapter 11).

Why not ``math.tanh``? Numba compiles it to one call of the C library per
number: about 17.5 ns each here (``math.exp`` 2.4 ns), and a loop that calls
a library function cannot be vectorised. The LSTM cell evaluates five of
them per hidden unit and step, and with libm its gates took half of a
training step. A *rational approximation*, a ratio of two polynomials, is
only multiplies, adds and one division: the compiler turns the loop into
SIMD instructions that handle 8 or 16 numbers at once, 0.3-0.7 ns each.

$$\tanh x \approx \frac{x\,(\alpha_1 + \alpha_3 x^2 + \dots + \alpha_{13} x^{12})}
{\beta_0 + \beta_2 x^2 + \beta_4 x^4 + \beta_6 x^6}, \qquad |x| \le 7.9053,$$

with the coefficients Eigen uses for float tanh; beyond the clamp tanh is
1 to float32 precision, and from $|x| \ge 9$ on the result is exactly
$\pm 1$. The sigmoid follows from $\sigma(x) = \tfrac12 + \tfrac12 \tanh(x/2)$.
Largest error against float64, measured on a dense grid by
tests/test_fastmath.py: 4e-7 for tanh (7 float32
rounding steps near 1), 2e-7 for the sigmoid; libm's float32 tanh is within
1 step. Gates do not need more: float32 training noise is far larger.

Only float32 uses the approximation. Inside a kernel, ``tanh(x)`` compiles
to the approximation when ``x`` is float32 and to the exact ``math.tanh``
otherwise: Numba picks by type when it compiles (``overload``), so float64
gradient checks stay exact and the loop has no branch. Called from plain
Python the functions do the same on scalars.

NOTE: Numba's on-disk cache does not notice edits to this file: after
changing a formula here, delete the ``__pycache__`` of the kernel files.
"""
import math

import numpy as np

try:
    from numba import types
    from numba.extending import overload, register_jitable
except ImportError:  # pragma: no cover - without numba the kernels are not compiled
    overload = None

    def register_jitable(**options):
        return lambda fn: fn

# float32 constants, so that float32 arithmetic stays float32 inside the kernels
CLAMP = np.float32(7.90531110763549805)
SATURATE = np.float32(9.0)  # from here on tanh x rounds to +-1 in float32 (1 - 3e-8)
ONE = np.float32(1.0)
ALPHA = [np.float32(a) for a in (4.89352455891786e-03, 6.37261928875436e-04,
                                 1.48572235717979e-05, 5.12229709037114e-08,
                                 -8.60467152213735e-11, 2.00018790482477e-13,
                                 -2.76076847742355e-16)]
BETA = [np.float32(b) for b in (4.89352518554385e-03, 2.26843463243900e-03,
                                1.18534705686654e-04, 1.19825839466702e-06)]
A1, A3, A5, A7, A9, A11, A13 = ALPHA
B0, B2, B4, B6 = BETA
HALF = np.float32(0.5)


# "contract" lets the compiler fuse each multiply-add of the polynomials into one FMA
# instruction (about 20% faster, and rounded once instead of twice)
FAST = {"fastmath": {"contract"}}


@register_jitable(**FAST)  # callable from Python, and from the kernels where it is inlined
def tanh_float32(x):
    """The rational approximation of tanh (float32 in, float32 out)."""
    c = min(max(x, -CLAMP), CLAMP)
    c2 = c * c
    p = c * (A1 + c2 * (A3 + c2 * (A5 + c2 * (A7 + c2 * (A9 + c2 * (A11 + c2 * A13))))))
    q = B0 + c2 * (B2 + c2 * (B4 + c2 * B6))
    # exactly +-1 far out, as tanh itself in float32: at the clamp the ratio ends at
    # 1 - 2.4e-7 or at 1, depending on whether the compiler fused multiply-adds
    return math.copysign(ONE, x) if abs(x) >= SATURATE else p / q


@register_jitable(**FAST)
def sigmoid_float32(x):
    """$\\sigma(x) = 1/2 + \\tanh(x/2)/2$: one approximation serves both."""
    return HALF + HALF * tanh_float32(HALF * x)


def _is_float32(x):
    return isinstance(x, np.float32)


def tanh(x):
    """tanh: the fast approximation for float32, exact ``math.tanh`` otherwise."""
    return tanh_float32(x) if _is_float32(x) else math.tanh(x)


def sigmoid(x):
    """Logistic sigmoid: the fast approximation for float32, exact otherwise."""
    return sigmoid_float32(x) if _is_float32(x) else 1.0 / (1.0 + math.exp(-x))


if overload is not None:
    # the same choice as above, made once by Numba at compile time from the type
    @overload(tanh, jit_options=FAST)
    def _tanh_by_type(x):
        if x == types.float32:
            return tanh_float32
        return lambda x: math.tanh(x)

    @overload(sigmoid, jit_options=FAST)
    def _sigmoid_by_type(x):
        if x == types.float32:
            return sigmoid_float32
        return lambda x: 1.0 / (1.0 + math.exp(-x))
