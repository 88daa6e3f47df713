"""``nnkit.nn``: layers, activations, losses; the names and shapes are PyTorch's."""
from nnkit.nn import functional, init
from nnkit.nn.activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from nnkit.nn.layers import Dropout, Embedding, Flatten, Identity, Linear, Sequential
from nnkit.nn.loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss,
                           NLLLoss)
from nnkit.nn.module import Module, Parameter
from nnkit.nn.attention import (LearnedPositionalEncoding, MultiheadAttention,
                                 SinusoidalPositionalEncoding, TransformerBlock, causal_mask,
                                 scaled_dot_product_attention)
from nnkit.nn.conv import AvgPool2d, Conv2d, Dropout2d, MaxPool2d
from nnkit.nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from nnkit.nn.normalization import BatchNorm1d, BatchNorm2d, LayerNorm

__all__ = [
    "Module", "Parameter", "Sequential", "Linear", "Identity", "Flatten", "Dropout", "Embedding",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Conv2d", "MaxPool2d", "AvgPool2d", "Dropout2d",
    "MultiheadAttention", "TransformerBlock", "SinusoidalPositionalEncoding",
    "LearnedPositionalEncoding", "causal_mask", "scaled_dot_product_attention",
    "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
    "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
    "functional", "init",
]
