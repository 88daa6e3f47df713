"""Chapter 10's build exercise, the course's answer: a convolution with loops, then a
``Conv2d`` layer computed as one matrix product (im2col) on nnkit tensors, so it learns.

PyTorch's conventions: inputs (N, C_in, H, W), weight (C_out, C_in, k, k), cross-correlation
(the kernel is not flipped).
"""
import numpy as np

from nnkit import nn
from nnkit.nn import functional as F


def conv2d_loops(x, weight, bias, stride=1, padding=0):
    N, _, H, W = x.shape
    C_out, _, k, _ = weight.shape
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    H_out, W_out = (H + 2 * padding - k) // stride + 1, (W + 2 * padding - k) // stride + 1
    out = np.zeros((N, C_out, H_out, W_out))
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, :, i * stride:i * stride + k, j * stride:j * stride + k]
                    out[n, o, i, j] = np.sum(window * weight[o]) + bias[o]
    return out


class Conv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        bound = 1 / np.sqrt(in_channels * kernel_size**2)
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.weight = nn.Parameter(np.random.uniform(-bound, bound, shape).astype(np.float32))
        self.bias = nn.Parameter(np.random.uniform(-bound, bound, out_channels).astype(np.float32))

    def forward(self, x):
        N, C_in, H, W = x.shape
        k, s, p = self.kernel_size, self.stride, self.padding
        x = F.pad(x, (p, p, p, p))
        H_out, W_out = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
        # rows[a, l], cols[a, l]: where kernel entry a (row-major in k x k) lands for output l
        di, dj = np.divmod(np.arange(k * k), k)
        oi, oj = np.divmod(np.arange(H_out * W_out), W_out)
        rows, cols = di[:, None] + s * oi[None, :], dj[:, None] + s * oj[None, :]
        patches = x[:, :, rows, cols].reshape(N, C_in * k * k, H_out * W_out)  # im2col
        out = self.weight.reshape(self.weight.shape[0], -1) @ patches          # one product
        out = out + self.bias.reshape(-1, 1)
        return out.reshape(N, -1, H_out, W_out)
