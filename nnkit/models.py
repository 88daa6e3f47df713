r"""Small complete models built from ``nnkit.nn`` (chapter 12): a character
tokenizer and TinyGPT, a decoder-only Transformer language model.

TinyGPT reads a window of token ids and predicts, at every position, the
next token: token embedding + learned position embedding, a stack of
causal pre-LN :class:`~nnkit.nn.TransformerBlock`, a final LayerNorm and a
linear head to vocabulary logits. ``generate`` samples one token at a time
and feeds it back in.
"""
import numpy as np

from nnkit.autograd import no_grad
from nnkit.nn import Embedding, LayerNorm, Linear, Module, ModuleList, TransformerBlock
from nnkit.nn import functional as F
from nnkit.nn.layers import _positive_int
from nnkit.random import generator


class CharTokenizer:
    """Characters to integer ids and back; the vocabulary is the sorted set of characters.

    >>> tok = CharTokenizer("hello")
    >>> tok.encode("hell"), tok.decode([1, 0])
    (array([1, 0, 2, 2]), 'he')
    """

    def __init__(self, text):
        if not isinstance(text, str) or not text:
            raise ValueError("CharTokenizer: expected a non-empty string to build the "
                             f"vocabulary from. Received {type(text).__name__} of length "
                             f"{len(text) if hasattr(text, '__len__') else 'n/a'}")
        self.chars = sorted(set(text))
        self.index = {ch: i for i, ch in enumerate(self.chars)}

    @property
    def vocab_size(self):
        return len(self.chars)

    def encode(self, text):
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise KeyError(f"CharTokenizer.encode: characters not in the vocabulary: {unknown}. "
                           "Build the tokenizer from text that contains them")
        return np.array([self.index[ch] for ch in text], dtype=np.int64)

    def decode(self, ids):
        ids = np.asarray(getattr(ids, "data", ids)).reshape(-1)
        bad = [int(i) for i in ids if not 0 <= i < self.vocab_size]
        if bad:
            raise IndexError(f"CharTokenizer.decode: ids {bad[:5]} are outside the vocabulary "
                             f"of {self.vocab_size} characters")
        return "".join(self.chars[int(i)] for i in ids)

    def __repr__(self):
        return f"CharTokenizer(vocab_size={self.vocab_size})"


class TinyGPT(Module):
    """A decoder-only Transformer language model.

    Args:
        vocab_size: number of distinct tokens. context_length: the longest
            window it reads. d_model, num_heads, num_layers, dim_feedforward,
            dropout: the blocks' sizes. tie_weights: share the token
            embedding with the output head (fewer parameters).

    Shape: ids (N, T) with T <= context_length -> logits (N, T, vocab_size).
    """

    def __init__(self, vocab_size, context_length, d_model=64, num_heads=4, num_layers=2,
                 dim_feedforward=None, dropout=0.0, tie_weights=False):
        super().__init__()
        self.vocab_size = _positive_int(vocab_size, "vocab_size", "TinyGPT")
        self.context_length = _positive_int(context_length, "context_length", "TinyGPT")
        self.token_embedding = Embedding(vocab_size, d_model)
        self.position_embedding = Embedding(context_length, d_model)
        for table in (self.token_embedding, self.position_embedding):
            table.weight.data *= 0.02  # GPT-2's small initial embeddings
        self.blocks = ModuleList(TransformerBlock(d_model, num_heads, dim_feedforward, dropout,
                                                  causal=True) for _ in range(num_layers))
        self.norm = LayerNorm(d_model)
        self.head = Linear(d_model, vocab_size, bias=False)
        if tie_weights:
            self.head.weight = self.token_embedding.weight

    def forward(self, ids):
        ids = np.asarray(getattr(ids, "data", ids))
        if ids.ndim != 2 or ids.shape[1] > self.context_length:
            raise ValueError(f"TinyGPT: expected ids of shape (N, T) with T <= "
                             f"{self.context_length}. Received {ids.shape}")
        x = self.token_embedding(ids) + self.position_embedding(np.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))

    def loss(self, ids, targets):
        """Mean cross-entropy of next-token predictions: ids and targets (N, T)."""
        logits = self(ids)
        targets = np.asarray(getattr(targets, "data", targets))
        return F.cross_entropy(logits.reshape(-1, self.vocab_size), targets.reshape(-1))

    def generate(self, prompt, max_new_tokens, temperature=1.0, top_k=None):
        """Continue `prompt` (a sequence of ids) by sampling `max_new_tokens` tokens.

        temperature < 1 sharpens the distribution (safer, duller), > 1 flattens
        it; top_k keeps only the k most likely tokens at each step. Uses
        nnkit's generator: seed with ``nnkit.manual_seed`` for repeatable text.
        """
        if temperature <= 0:
            raise ValueError(f"generate: expected temperature > 0. Received {temperature}")
        if top_k is not None and not 1 <= top_k <= self.vocab_size:
            raise ValueError(f"generate: expected 1 <= top_k <= {self.vocab_size}. "
                             f"Received top_k={top_k}")
        ids = list(np.asarray(getattr(prompt, "data", prompt), dtype=np.int64).reshape(-1))
        if not ids:
            raise ValueError("generate: the prompt needs at least one token")
        was_training = self.training
        self.eval()
        with no_grad():
            for _ in range(max_new_tokens):
                window = np.array([ids[-self.context_length:]])
                logits = self(window).data[0, -1].astype(np.float64) / temperature
                if top_k is not None:
                    logits[logits < np.sort(logits)[-top_k]] = -np.inf
                probs = np.exp(logits - logits.max())
                ids.append(int(generator().choice(len(probs), p=probs / probs.sum())))
        self.train(was_training)
        return np.array(ids, dtype=np.int64)

    def extra_repr(self):
        return f"vocab_size={self.vocab_size}, context_length={self.context_length}"


__all__ = ["CharTokenizer", "TinyGPT"]
