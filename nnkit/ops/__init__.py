"""Every differentiable operation of nnkit, one small class each.

Read them in this order: ``arithmetic`` (+ - * / ** @), ``unary``
(exp, log, activations), ``reduce`` (sum, mean, max, softmax), ``shape``
(reshape, transpose, indexing, concatenation), ``loss`` (fused
cross-entropy). Each ``backward`` sits right under the ``forward`` it undoes.
"""
from nnkit.ops.arithmetic import Add, Cast, Div, MatMul, Mul, Neg, Pow, Sub
from nnkit.ops.attention import Attention, LayerNorm
from nnkit.ops.conv import AdaptiveAvgPool2d, AvgPool2d, Conv2d, MaxPool2d
from nnkit.ops.layers import Affine, BinaryCrossEntropy, BinaryCrossEntropyWithLogits
from nnkit.ops.loss import CrossEntropy
from nnkit.ops.recurrent import GRU, LSTM, RNN
from nnkit.ops.reduce import LogSoftmax, Max, Mean, Min, Softmax, Sum
from nnkit.ops.shape import Clone, Concatenate, GetItem, Pad, Reshape, Stack, Transpose, Where
from nnkit.ops.smooth import ELU, SiLU, Softplus
from nnkit.ops.unary import GELU, Abs, Clip, Exp, LeakyReLU, Log, ReLU, Sigmoid, Sqrt, Tanh

__all__ = [
    "GELU",
    "GRU",
    "LSTM",
    "RNN",
    "ELU",
    "Abs",
    "AdaptiveAvgPool2d",
    "Add",
    "Affine",
    "Attention",
    "AvgPool2d",
    "BinaryCrossEntropy",
    "Clone",
    "BinaryCrossEntropyWithLogits",
    "Cast",
    "Clip",
    "Concatenate",
    "Conv2d",
    "CrossEntropy",
    "Div",
    "Exp",
    "GetItem",
    "Pad",
    "LayerNorm",
    "LeakyReLU",
    "Log",
    "LogSoftmax",
    "MatMul",
    "Max",
    "MaxPool2d",
    "Mean",
    "Min",
    "Mul",
    "Neg",
    "Pow",
    "ReLU",
    "Reshape",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Sqrt",
    "Stack",
    "Sub",
    "Sum",
    "Tanh",
    "Transpose",
    "Where",
]
