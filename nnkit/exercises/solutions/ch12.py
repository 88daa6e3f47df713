"""Chapter 12's build exercise, the course's answer: causal self-attention, a pre-norm
Transformer ``Block`` and the ``GPT`` forward pass, from nnkit's tensor operations.

Parameter names are nnkit's ``TinyGPT`` (and so PyTorch's), so
``GPT(...).load_state_dict(tiny_gpt.state_dict())`` gives the same logits.
"""
import math

import numpy as np

from nnkit import nn
from nnkit.nn import functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.in_proj_weight = nn.Parameter(
            np.random.normal(0, d_model**-0.5, (3 * d_model, d_model)).astype(np.float32))
        self.in_proj_bias = nn.Parameter(np.zeros(3 * d_model, dtype=np.float32))
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, x):
        N, T, d = x.shape
        h, dh = self.num_heads, d // self.num_heads
        qkv = x @ self.in_proj_weight.T + self.in_proj_bias          # (N, T, 3d)
        q, k, v = (qkv[:, :, i * d:(i + 1) * d].reshape(N, T, h, dh).transpose(1, 2)
                   for i in range(3))                                # each (N, h, T, dh)
        scores = q @ k.transpose(-2, -1) / math.sqrt(dh)             # (N, h, T, T)
        future = np.triu(np.ones((T, T), dtype=bool), k=1)           # j > i: not yet written
        scores = scores + np.where(future, -np.inf, 0.0).astype(np.float32)
        weights = F.softmax(scores, dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(N, T, d)         # heads side by side again
        return self.out_proj(out)


class Block(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward=None):
        super().__init__()
        self.self_attn = CausalSelfAttention(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward or 4 * d_model)
        self.linear2 = nn.Linear(dim_feedforward or 4 * d_model, d_model)
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)

    def forward(self, x):
        x = x + self.self_attn(self.norm1(x))                        # pre-norm, then residual
        return x + self.linear2(F.gelu(self.linear1(self.norm2(x))))


class GPT(nn.Module):
    def __init__(self, vocab_size, context_length, d_model=64, num_heads=4, num_layers=2):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, d_model)
        self.position_embedding = nn.Embedding(context_length, d_model)
        self.blocks = nn.ModuleList(Block(d_model, num_heads) for _ in range(num_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)

    def forward(self, ids):
        x = self.token_embedding(ids) + self.position_embedding(np.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))                               # (N, T, vocab_size)
