"""``nnkit.nn``: layers, activations, losses; the names and shapes are PyTorch's."""
from nnkit.nn import functional, init, utils
from nnkit.nn.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from nnkit.nn.attention import (
                           LearnedPositionalEncoding,
                           MultiheadAttention,
                           SinusoidalPositionalEncoding,
                           TransformerBlock,
                           causal_mask,
)
from nnkit.nn.container import ModuleDict, ModuleList, Sequential
from nnkit.nn.conv import AdaptiveAvgPool2d, AvgPool2d, Conv2d, Dropout2d, MaxPool2d
from nnkit.nn.layers import Dropout, Embedding, Flatten, Identity, Linear
from nnkit.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from nnkit.nn.module import Module, Parameter
from nnkit.nn.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from nnkit.nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

__all__ = [
                           "ELU",
                           "GELU",
                           "GRU",
                           "LSTM",
                           "RNN",
                           "AdaptiveAvgPool2d",
                           "AvgPool2d",
                           "BCELoss",
                           "BCEWithLogitsLoss",
                           "BatchNorm1d",
                           "BatchNorm2d",
                           "Conv2d",
                           "CrossEntropyLoss",
                           "Dropout",
                           "Dropout2d",
                           "Embedding",
                           "Flatten",
                           "GRUCell",
                           "Identity",
                           "L1Loss",
                           "LSTMCell",
                           "LayerNorm",
                           "LeakyReLU",
                           "LearnedPositionalEncoding",
                           "Linear",
                           "LogSoftmax",
                           "MSELoss",
                           "MaxPool2d",
                           "Module",
                           "ModuleDict",
                           "ModuleList",
                           "MultiheadAttention",
                           "NLLLoss",
                           "Parameter",
                           "RNNCell",
                           "ReLU",
                           "Sequential",
                           "SiLU",
                           "Sigmoid",
                           "SinusoidalPositionalEncoding",
                           "Softmax",
                           "Softplus",
                           "Tanh",
                           "TransformerBlock",
                           "causal_mask",
                           "functional",
                           "init",
                           "utils",
]
