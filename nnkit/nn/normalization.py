r"""Normalisation layers: BatchNorm1d and LayerNorm (chapters 08 and 12).

Both compute $\hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}$ and then
$y = \gamma \hat x + \beta$ with learned $\gamma$ (``weight``) and $\beta$
(``bias``). BatchNorm takes $\mu, \sigma^2$ over the batch (per feature),
LayerNorm over the features (per sample).
"""
import numpy as np

from nnkit.nn import functional as F
from nnkit.nn.layers import _positive_int
from nnkit.nn.module import Module, Parameter, match_dtype
from nnkit.tensor import Tensor


class BatchNorm1d(Module):
    """Normalise each feature over the batch; inputs (N, C) or (N, C, L).

    In training mode it uses the batch's statistics and updates running
    averages (``momentum`` weight on the new batch; the running variance
    uses the unbiased estimate, as PyTorch); in eval mode it uses those.
    """

    input_ranks = (2, 3)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        super().__init__()
        self.num_features = _positive_int(num_features, "num_features", type(self).__name__)
        self.eps, self.momentum = eps, momentum
        self.weight = Parameter(np.ones(num_features, np.float32)) if affine else None
        self.bias = Parameter(np.zeros(num_features, np.float32)) if affine else None
        self.register_buffer("running_mean", np.zeros(num_features, np.float32))
        self.register_buffer("running_var", np.ones(num_features, np.float32))
        self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))

    def forward(self, x):
        x = match_dtype(x, self._buffers["running_mean"].dtype)
        if x.ndim not in self.input_ranks or x.shape[1] != self.num_features:
            raise ValueError(f"{self!r}: expected input of shape (N, {self.num_features}, ...) "
                             f"with {' or '.join(map(str, self.input_ranks))} dimensions. "
                             f"Received shape {x.shape}")
        axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channels
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if self.training and x.numel() // self.num_features <= 1:
            # one value per channel has no variance: PyTorch's error, with what to do
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {tuple(x.shape)}. {type(self).__name__} needs a batch of 2 "
                             f"or more in training; call model.eval() to predict one sample")
        if self.training:
            mean = x.mean(axis=axes, keepdims=True)
            var = ((x - mean) * (x - mean)).mean(axis=axes, keepdims=True)
            n = x.numel() // self.num_features
            with_bessel = var.data.reshape(-1) * n / max(n - 1, 1)
            m = self.momentum
            self._buffers["running_mean"] = ((1 - m) * self._buffers["running_mean"]
                                             + m * mean.data.reshape(-1)).astype(x.dtype)
            self._buffers["running_var"] = ((1 - m) * self._buffers["running_var"]
                                            + m * with_bessel).astype(x.dtype)
            self._buffers["num_batches_tracked"] = self._buffers["num_batches_tracked"] + 1
        else:
            mean = Tensor(self._buffers["running_mean"].reshape(shape), dtype=x.dtype)
            var = Tensor(self._buffers["running_var"].reshape(shape), dtype=x.dtype)
        out = (x - mean) / (var + self.eps).sqrt()
        if self.weight is not None:
            out = out * self.weight.reshape(shape) + self.bias.reshape(shape)
        return out

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm2d(BatchNorm1d):
    """Normalise each channel over the batch and all positions; inputs (N, C, H, W)."""

    input_ranks = (4,)


class LayerNorm(Module):
    """Normalise each sample over its last dimensions (``normalized_shape``)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True):
        super().__init__()
        self.normalized_shape = tuple(np.atleast_1d(normalized_shape).tolist())
        self.eps = eps
        self.weight = Parameter(np.ones(self.normalized_shape, np.float32)) \
            if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, np.float32)) \
            if elementwise_affine else None

    def forward(self, x):
        if self.weight is not None:
            x = match_dtype(x, self.weight.dtype)
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}"
