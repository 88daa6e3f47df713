r"""Fused kernels of the Transformer block (chapter 12): LayerNorm, attention softmax, GELU.

Two tricks make these loops fast, and both are about letting the compiler
use SIMD instructions (8 or 16 numbers per instruction):

- ``exp`` and ``erf`` from the maths library are scalar calls (2.4 and
  19.5 ns per number here). For float32 we use short polynomials instead
  (:func:`_exp`, :func:`_erf`, error below 5e-7), which vectorise to under
  1 ns. float64 data (gradient checks) goes to exact code instead: the ops
  choose by dtype.
- A sum along a row is one long chain of additions, each waiting for the
  last; the compiler may not reorder them. So the attention scores are kept
  *key-major*, (keys, queries): the softmax then runs down the columns,
  and the running maxima and sums of all queries advance side by side.
"""
import numpy as np

from nnkit.kernels import elementwise, jit, kernel

# float32 constants: Numba treats globals as typed constants, so float32 maths stays
# float32 (a Python float would promote every operation to float64, half the SIMD width)
F32 = np.float32
ZERO, HALF, ONE = F32(0.0), F32(0.5), F32(1.0)
NEG_INF = F32(-np.inf)
EXP_LOW = F32(-87.0)  # e^-87 is near float32's smallest normal number; below, e^t is 0
LOG2E, LN2_HI, LN2_LO = F32(1.4426950408889634), F32(0.693359375), F32(-2.12194440e-4)
EXP_POLY = tuple(F32(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3,
                                  4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1))
ERF_MAX = F32(4.0)  # erf(4) is 1 in float32
ERF_NUM = tuple(F32(c) for c in (-2.72614225801306e-10, 2.77068142495902e-08,
                                 -2.10102402082508e-06, -5.69250639462346e-05,
                                 -7.34990630326855e-04, -2.95459980854025e-03,
                                 -1.60960333262415e-02))
ERF_DEN = tuple(F32(c) for c in (-1.45660718464996e-05, -2.13374055278905e-04,
                                 -1.68282697438203e-03, -7.37332916720468e-03,
                                 -1.42647390514189e-02))
SQRT_HALF, INV_SQRT_2PI = F32(0.7071067811865476), F32(0.3989422804014327)
CDF_SERIES = F32(1e-3)  # below, Phi(x) = 1/2 + x phi(0) within 1e-10


@jit
def _exp(t):
    r"""$e^t$ for $t \le 0$ (Cephes ``expf``): $t = n \ln 2 + r$, $e^t = 2^n e^r$.

    $e^r$ for $|r| \le \ln 2 / 2$ is a degree-6 polynomial; $2^n$ is built
    directly from the bits of a float (exponent field $n + 127$).
    """
    t = np.maximum(t, EXP_LOW)  # np.maximum, not max(): only it vectorises here
    n = np.floor(t * LOG2E + HALF)
    r = t - n * LN2_HI - n * LN2_LO
    p = EXP_POLY[0]
    for c in EXP_POLY[1:]:
        p = p * r + c
    p = p * r * r + r + ONE
    return p * np.int32((np.int32(n) + 127) << 23).view(np.float32)


@jit
def _erf(x):
    """erf as a ratio of two polynomials on [-4, 4] (Eigen's float32 erf), no branches."""
    x = np.minimum(np.maximum(x, -ERF_MAX), ERF_MAX)
    x2 = x * x
    num = ERF_NUM[0]
    for c in ERF_NUM[1:]:
        num = num * x2 + c
    den = ERF_DEN[0]
    for c in ERF_DEN[1:]:
        den = den * x2 + c
    return x * num / den


# ---------------------------------------------------------------- GELU, float32

@kernel(elementwise._gelu_forward_reference)
def gelu_forward_f32(x):
    r"""$x\,\Phi(x) = \frac{x}{2}(1 + \mathrm{erf}(x/\sqrt2))$ with the polynomial erf."""
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = HALF * x[i] * (ONE + _erf(x[i] * SQRT_HALF))
    return out


def _gelu_backward_reference(x, out, grad):
    return elementwise._gelu_backward_reference(x, grad)


@kernel(_gelu_backward_reference)
def gelu_backward_f32(x, out, grad):
    r"""$\Phi(x) + x\,\varphi(x)$, times the upstream gradient.

    $\Phi(x)$ comes back from the forward output as $\mathrm{GELU}(x)/x$: a
    division instead of a second erf. Near $x = 0$, where that is 0/0, the
    series $\Phi(x) \approx \frac12 + x\,\varphi(0)$ is exact to float32.
    """
    d_x = np.empty_like(grad)
    for i in range(x.size):
        cdf = out[i] / x[i] if np.abs(x[i]) > CDF_SERIES else HALF + INV_SQRT_2PI * x[i]
        pdf = INV_SQRT_2PI * _exp(-HALF * x[i] * x[i])
        d_x[i] = grad[i] * (cdf + x[i] * pdf)
    return d_x


# ---------------------------------------------------------------- LayerNorm over rows

def _layer_norm_forward_reference(x, weight, bias, eps):
    mean = x.mean(axis=1)
    rstd = 1.0 / np.sqrt(((x - mean[:, None]) ** 2).mean(axis=1) + eps)
    out = (x - mean[:, None]) * rstd[:, None] * weight + bias
    return out.astype(x.dtype), mean.astype(x.dtype), rstd.astype(x.dtype)


@kernel(_layer_norm_forward_reference)
def layer_norm_forward(x, weight, bias, eps):
    r"""Rows of x (tokens, features) -> $\gamma \hat x + \beta$, and each row's mean and
    $1/\sqrt{\sigma^2 + \epsilon}$, which the backward pass reuses."""
    rows, d = x.shape
    width, eps = x.dtype.type(d), x.dtype.type(eps)  # keep float32 maths in float32
    out = np.empty_like(x)
    mean, rstd = np.empty(rows, x.dtype), np.empty(rows, x.dtype)
    for r in range(rows):
        total = ZERO
        for j in range(d):
            total += x[r, j]
        mu = total / width
        squares = ZERO
        for j in range(d):
            squares += (x[r, j] - mu) * (x[r, j] - mu)
        s = ONE / np.sqrt(squares / width + eps)
        for j in range(d):
            out[r, j] = (x[r, j] - mu) * s * weight[j] + bias[j]
        mean[r], rstd[r] = mu, s
    return out, mean, rstd


def _layer_norm_backward_reference(x, mean, rstd, weight, grad):
    x_hat = (x - mean[:, None]) * rstd[:, None]
    g = grad * weight
    d_x = rstd[:, None] * (g - g.mean(axis=1, keepdims=True)
                           - x_hat * (g * x_hat).mean(axis=1, keepdims=True))
    return (d_x.astype(x.dtype), (grad * x_hat).sum(axis=0).astype(x.dtype),
            grad.sum(axis=0).astype(x.dtype))


@kernel(_layer_norm_backward_reference)
def layer_norm_backward(x, mean, rstd, weight, grad):
    r"""$\partial L/\partial x = \frac{1}{\sigma}\big(g - \overline{g} - \hat x\,
    \overline{g \hat x}\big)$ with $g = \gamma \odot \partial L/\partial y$ (means over the
    row), and the gradients of $\gamma$ and $\beta$ summed over rows."""
    rows, d = x.shape
    width = x.dtype.type(d)
    d_x = np.empty_like(x)
    d_weight, d_bias = np.zeros(d, x.dtype), np.zeros(d, x.dtype)
    for r in range(rows):
        mu, s = mean[r], rstd[r]
        g_sum, gx_sum = ZERO, ZERO
        for j in range(d):
            x_hat = (x[r, j] - mu) * s
            g = grad[r, j] * weight[j]
            g_sum += g
            gx_sum += g * x_hat
            d_weight[j] += grad[r, j] * x_hat
            d_bias[j] += grad[r, j]
        g_mean, gx_mean = g_sum / width, gx_sum / width
        for j in range(d):
            x_hat = (x[r, j] - mu) * s
            d_x[r, j] = s * (grad[r, j] * weight[j] - g_mean - x_hat * gx_mean)
    return d_x, d_weight, d_bias


# ---------------------------------------------------------------- attention softmax, key-major

def _attention_softmax_reference(scores, mask, scale):
    z = scores * scale + mask[:, None]  # mask (1 or N, keys, queries): the same for every head
    e = np.exp(z - z.max(axis=-2, keepdims=True))
    return (e / e.sum(axis=-2, keepdims=True)).astype(scores.dtype)


@kernel(_attention_softmax_reference)
def attention_softmax(scores, mask, scale):
    r"""softmax over the keys of $s \cdot \text{scale} + M$, scores (N, heads, keys, queries).

    Overwrites ``scores`` with the probabilities and returns it: fresh memory
    costs page faults, about as much as this whole kernel. Four passes over
    each (keys, queries) tile, which stays in the L1 cache; every inner loop
    runs along the queries, independent of each other.
    """
    n, heads, keys, queries = scores.shape
    top, total = np.empty(queries, scores.dtype), np.empty(queries, scores.dtype)
    for b in range(n):
        m = mask[b if mask.shape[0] > 1 else 0]
        for h in range(heads):
            p = scores[b, h]
            top[:] = NEG_INF
            for j in range(keys):
                for i in range(queries):
                    p[j, i] = p[j, i] * scale + m[j, i]
                    top[i] = np.maximum(top[i], p[j, i])
            total[:] = ZERO
            for j in range(keys):
                for i in range(queries):
                    shifted = p[j, i] - top[i]  # -inf where masked: e^-inf = 0
                    p[j, i] = _exp(shifted) if shifted > EXP_LOW else ZERO
                    total[i] += p[j, i]
            for i in range(queries):
                total[i] = ONE / total[i]
            for j in range(keys):
                for i in range(queries):
                    p[j, i] *= total[i]
    return scores


def _attention_softmax_backward_reference(probs, grad, scale):
    return (probs * (grad - (grad * probs).sum(axis=-2, keepdims=True)) * scale
            ).astype(grad.dtype)


@kernel(_attention_softmax_backward_reference)
def attention_softmax_backward(probs, grad, scale):
    r"""$\partial L/\partial s = \text{scale}\cdot p \odot (g - \sum_{\text{keys}} g \odot p)$,
    key-major like the forward pass; overwrites ``grad`` and returns it."""
    n, heads, keys, queries = probs.shape
    dot = np.empty(queries, grad.dtype)
    for b in range(n):
        for h in range(heads):
            p, g = probs[b, h], grad[b, h]
            dot[:] = ZERO
            for j in range(keys):
                for i in range(queries):
                    dot[i] += g[j, i] * p[j, i]
            for j in range(keys):
                for i in range(queries):
                    g[j, i] = scale * p[j, i] * (g[j, i] - dot[i])
    return grad
