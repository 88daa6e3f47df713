r"""Checkers for chapter 12, attention and Transformers.

    from nnkit.exercises import ch12 as check
    check.attention(my_attention)

Shapes follow the chapter: queries (..., L, d), keys (..., S, d), values
(..., S, d_v); a batch of token vectors (N, T, E); heads (N, heads, T, E / heads).
"""
import math

import numpy as np

from nnkit.exercises.checking import Case, CheckResult, _show, check_with_diagnoses, close_to


def _finite(received):
    try:
        return bool(np.all(np.isfinite(np.asarray(getattr(received, "data", received), float))))
    except (TypeError, ValueError):
        return False


def _softmax(z, axis=-1):
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


# ---------------------------------------------------------------- exercise 1: attention

def _attention_reference(Q, K, V):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    return _softmax(scores) @ V


def _attention_diagnosis(args, received):
    Q, K, V = args
    if isinstance(received, BaseException):
        return None
    if not _finite(received):
        return ("the softmax overflowed (exp of a large score is inf): subtract each row's "
                "maximum score before exp; it cancels in the division.")
    raw = Q @ np.swapaxes(K, -1, -2)
    d = Q.shape[-1]
    if close_to(received, _softmax(raw) @ V):
        return f"you forgot the scaling: divide the scores Q K^T by sqrt(d) = sqrt({d})."
    if close_to(received, _softmax(raw / d) @ V):
        return f"divide by the square root of d, sqrt({d}), not by d itself."
    if close_to(received, _softmax(raw / np.sqrt(d), axis=-2) @ V):
        return ("softmax over the wrong axis: each query's weights (a row of the scores, the "
                "last axis, one entry per key) must sum to 1. Use axis=-1.")
    if close_to(received, raw / np.sqrt(d) @ V):
        return "you forgot the softmax: the scores must become weights that sum to 1."
    return None


def attention(fn):
    r"""Exercise 1: ``fn(Q, K, V)`` = $\mathrm{softmax}(QK^\top/\sqrt{d})\,V$ over the last axis."""
    rng = np.random.default_rng(120)
    picks = np.array([[10.0, 0.0], [0.0, 10.0]])
    cases = [Case((picks, np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]),
                   np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])),
                  "2 queries, 3 keys (each query matches one key)"),
             Case((rng.standard_normal((4, 8)), rng.standard_normal((4, 8)),
                   rng.standard_normal((4, 8))), "4 positions, d = 8"),
             Case((rng.standard_normal((3, 16)), rng.standard_normal((5, 16)),
                   rng.standard_normal((5, 2))), "3 queries, 5 keys, values of size 2"),
             Case((rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4)),
                   rng.standard_normal((2, 3, 4))), "a batch of 2, shape (2, 3, 4)"),
             Case((40 * rng.standard_normal((3, 4)), 40 * rng.standard_normal((3, 4)),
                   rng.standard_normal((3, 4))), "huge scores (hundreds)")]
    return check_with_diagnoses("attention", fn, _attention_reference, cases,
                                [_attention_diagnosis],
                                hint="scores = Q @ K.swapaxes(-1, -2) / sqrt(d); stable softmax "
                                     "over axis=-1; then weights @ V.")


# ---------------------------------------------------------------- exercise 2: causal mask

def _mask_reference(size):
    return np.triu(np.ones((size, size), dtype=bool), k=1)


def _mask_diagnosis(args, received):
    (size,) = args
    if isinstance(received, BaseException) or received is None:
        return None
    got = np.asarray(getattr(received, "data", received))
    if got.shape != (size, size):
        return None
    if got.dtype != bool:
        return ("return booleans (True where a query must not look), e.g. with "
                "np.triu(np.ones((T, T), dtype=bool), k=1); the -inf comes later.")
    if np.array_equal(got, np.triu(np.ones((size, size), bool), k=0)):
        return ("off by one: you also hide the diagonal, so a position cannot see itself (and "
                "the first position sees nothing at all: a row of -inf gives nan). Use k=1.")
    if size > 2 and np.array_equal(got, np.triu(np.ones((size, size), bool), k=2)):
        return "off by one: position t can now see t + 1, one step into the future. Use k=1."
    if np.array_equal(got, ~_mask_reference(size)):
        return ("inverted: True must mark the positions to HIDE (the future, above the "
                "diagonal), not the ones to keep.")
    if np.array_equal(got, np.tril(np.ones((size, size), bool), k=-1)):
        return ("wrong triangle: row t is the query, column s the key; hide the future s > t, "
                "which is above the diagonal (np.triu), not below.")
    return None


def causal_mask(fn):
    r"""Exercise 2: ``fn(T)`` = (T, T) booleans, True at (t, s) when s > t (the future)."""
    cases = [Case((4,), "T = 4"), Case((1,), "a single position"), Case((2,), "T = 2"),
             Case((7,), "T = 7")]
    hint = "np.triu(np.ones((T, T), dtype=bool), k=1): True strictly above the diagonal."
    result = check_with_diagnoses("causal_mask", fn, _mask_reference, cases, [_mask_diagnosis],
                                  hint=hint)
    if result:  # the values match; they must also be booleans, as masks are used with ~ and []
        dtype = np.asarray(getattr(fn(3), "data", fn(3))).dtype
        if dtype != bool:
            return CheckResult("causal_mask", False, f"case 'T = 3': the pattern is right, but "
                               f"the dtype is {dtype}. {_mask_diagnosis((3,), fn(3))}")
    return result


# ---------------------------------------------------------------- exercise 3: split heads

def _split_reference(X, num_heads):
    n, t, e = X.shape
    return X.reshape(n, t, num_heads, e // num_heads).transpose(0, 2, 1, 3)


def _split_diagnosis(args, received):
    X, num_heads = args
    if isinstance(received, BaseException):
        return None
    n, t, e = X.shape
    d = e // num_heads
    if close_to(received, X.reshape(n, num_heads, t, d)) and num_heads > 1 and t > 1:
        return ("the shape is right but the numbers are scrambled: reshape (N, T, E) straight "
                "to (N, heads, T, d) mixes positions into heads. Reshape to (N, T, heads, d) "
                "first, then swap axes 1 and 2.")
    if close_to(received, X.reshape(n, t, num_heads, d)):
        return ("almost: that is (N, T, heads, d). Transpose to (N, heads, T, d) so each head "
                "holds a whole sequence: .transpose(0, 2, 1, 3).")
    if close_to(received, X.reshape(n, t, d, num_heads).transpose(0, 3, 1, 2)):
        return ("each head must take a contiguous slice of d = E / heads features: reshape "
                "to (N, T, heads, d), not (N, T, d, heads).")
    return None


def split_heads(fn):
    r"""Exercise 3: ``fn(X, num_heads)``: (N, T, E) -> (N, heads, T, E / heads)."""
    rng = np.random.default_rng(121)
    cases = [Case((np.arange(24.0).reshape(1, 3, 8), 2), "arange(24) as (1, 3, 8), 2 heads"),
             Case((rng.standard_normal((2, 5, 12)), 3), "(2, 5, 12), 3 heads"),
             Case((rng.standard_normal((2, 4, 6)), 1), "one head"),
             Case((rng.standard_normal((3, 2, 8)), 8), "8 heads of size 1")]
    return check_with_diagnoses("split_heads", fn, _split_reference, cases, [_split_diagnosis],
                                hint="X.reshape(N, T, heads, E // heads).transpose(0, 2, 1, 3).")


# ---------------------------------------------------------------- exercise 4: positions

def _sinusoidal_reference(length, d_model):
    position = np.arange(length)[:, None]
    frequency = 1.0 / 10000 ** (np.arange(0, d_model, 2) / d_model)
    table = np.zeros((length, d_model))
    table[:, 0::2] = np.sin(position * frequency)
    table[:, 1::2] = np.cos(position * frequency)
    return table


def _sinusoidal_diagnosis(args, received):
    length, d_model = args
    if isinstance(received, BaseException):
        return None
    reference = _sinusoidal_reference(length, d_model)
    swapped = reference.copy()
    swapped[:, 0::2], swapped[:, 1::2] = reference[:, 1::2], reference[:, 0::2]
    if close_to(received, swapped):
        return "sin and cos are swapped: even columns (0, 2, ...) hold sin, odd ones cos."
    halves = np.concatenate([reference[:, 0::2], reference[:, 1::2]], axis=1)
    if close_to(received, halves):
        return ("interleave, do not concatenate: column 2i is sin, column 2i + 1 is cos of the "
                "same frequency (table[:, 0::2] = sin, table[:, 1::2] = cos).")
    position, i = np.arange(length)[:, None], np.arange(d_model // 2)
    wrong = np.zeros((length, d_model))
    wrong[:, 0::2] = np.sin(position / 10000 ** (i / d_model))
    wrong[:, 1::2] = np.cos(position / 10000 ** (i / d_model))
    if close_to(received, wrong):
        return ("the exponent is 2i / d, where 2i is the column number of the sin: use "
                "np.arange(0, d, 2) / d, not np.arange(d // 2) / d.")
    return None


def sinusoidal_encoding(fn):
    r"""Exercise 4: ``fn(T, d)``: $PE_{t,2i} = \sin(t / 10000^{2i/d})$, $PE_{t,2i+1} = \cos(\cdot)$."""
    cases = [Case((4, 2), "T = 4, d = 2"), Case((10, 8), "T = 10, d = 8"),
             Case((1, 6), "a single position (t = 0)"), Case((50, 16), "T = 50, d = 16")]
    return check_with_diagnoses("sinusoidal_encoding", fn, _sinusoidal_reference, cases,
                                [_sinusoidal_diagnosis],
                                hint="position (T, 1) times frequency 1 / 10000 ** "
                                     "(np.arange(0, d, 2) / d); sin into the even columns, "
                                     "cos into the odd ones.")


# ---------------------------------------------------------------- exercise 5: sampling

def _probs_reference(logits, temperature, top_k=None):
    z = np.asarray(logits, dtype=float) / temperature
    if top_k is not None:
        z = np.where(z < np.sort(z)[-top_k], -np.inf, z)
    return _softmax(z)


def _probs_diagnosis(args, received):
    logits, temperature, top_k = args
    if isinstance(received, BaseException):
        return None
    if not _finite(received):
        return ("the softmax overflowed: subtract the largest logit before exp (after dividing "
                "by the temperature).")
    if close_to(received, _probs_reference(logits * temperature ** 2, temperature, top_k)):
        return ("you multiplied by the temperature: divide the logits by it, so a low "
                "temperature sharpens the distribution and a high one flattens it.")
    if top_k is not None:
        z = logits / temperature
        kept = np.where(z < np.sort(z)[-top_k], 0.0, _softmax(z))
        if close_to(received, kept):
            return ("after dropping all but the top k, renormalise so the probabilities sum "
                    "to 1 (or set the dropped logits to -inf before the softmax).")
        if close_to(received, _smallest_k(logits, temperature, top_k)):
            return "you kept the k SMALLEST logits: keep the k largest."
        if close_to(received, _softmax(z)):
            return f"you ignored top_k={top_k}: only the {top_k} largest logits may keep a chance."
    return None


def _smallest_k(logits, temperature, top_k):
    z = logits / temperature
    return _softmax(np.where(z > np.sort(z)[top_k - 1], -np.inf, z))


def next_token_probs(fn):
    r"""Exercise 5: ``fn(logits, temperature, top_k)``: softmax of logits / T over the top k only."""
    rng = np.random.default_rng(122)
    logits = np.array([2.0, 1.0, 0.5, -1.0, 3.0])
    cases = [Case((logits, 1.0, None), "temperature 1, no top-k"),
             Case((logits, 0.5, None), "temperature 0.5 (sharper)"),
             Case((logits, 2.0, None), "temperature 2 (flatter)"),
             Case((logits, 1.0, 2), "top_k = 2"),
             Case((rng.standard_normal(27) * 3, 0.8, 5), "27 logits, T = 0.8, top_k = 5"),
             Case((np.array([900.0, 1000.0, 950.0]), 0.5, None), "huge logits (1000)")]
    return check_with_diagnoses("next_token_probs", fn, _probs_reference, cases,
                                [_probs_diagnosis],
                                hint="z = logits / temperature; set z below the k-th largest to "
                                     "-inf; softmax with the maximum subtracted.")


# ---------------------------------------------------------------- 6 · your GPT

_GPT_SIZES = {"vocab_size": 11, "context_length": 8, "d_model": 24, "num_heads": 4,
              "num_layers": 2}


def _gpt_run(classes, kind):
    """The learner's GPT given a TinyGPT's weights: its logits, or its gradients."""
    import nnkit
    from nnkit.models import TinyGPT
    nnkit.manual_seed(12)
    tiny = TinyGPT(**_GPT_SIZES)
    for p in tiny.parameters():  # LayerNorm starts at exactly 1 and 0: move it, to be seen
        p.data += 0.1 * nnkit.random.generator().standard_normal(p.data.shape).astype(p.data.dtype)
    gpt = classes["GPT"](**_GPT_SIZES)
    mine_names, tiny_names = set(gpt.state_dict()), set(tiny.state_dict())
    if mine_names != tiny_names:
        raise _Names(mine_names, tiny_names)
    gpt.load_state_dict(tiny.state_dict())
    rng = np.random.default_rng(120)
    shape = {"batch": (3, 8), "short": (2, 5), "one token": (1, 1), "gradients": (2, 8)}[kind]
    ids = rng.integers(0, _GPT_SIZES["vocab_size"], shape)
    logits = gpt(ids)
    if kind != "gradients":
        return logits.data
    targets = rng.integers(0, _GPT_SIZES["vocab_size"], shape)
    from nnkit.nn import functional as F
    F.cross_entropy(logits.reshape(-1, _GPT_SIZES["vocab_size"]), targets.reshape(-1)).backward()
    named = dict(gpt.named_parameters())
    return np.concatenate([named[name].grad.ravel() for name in sorted(named)])


class _Names(Exception):
    def __init__(self, mine_names, tiny_names):
        missing, extra = sorted(tiny_names - mine_names), sorted(mine_names - tiny_names)
        super().__init__(
            "your GPT's parameter names should be TinyGPT's, so its weights load: "
            + (f"missing {missing[:4]}{' ...' if len(missing) > 4 else ''}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"not in TinyGPT {extra[:4]}{' ...' if len(extra) > 4 else ''}" if extra else ""))


def _gpt_variant(attention=None, block=None):
    from nnkit.exercises.solutions import ch12 as course
    Attention = type("CausalSelfAttention", (course.CausalSelfAttention,),
                     {"forward": attention} if attention else {})

    class Block(course.Block):
        def __init__(self, d_model, num_heads, dim_feedforward=None):
            super().__init__(d_model, num_heads, dim_feedforward)
            self.self_attn = Attention(d_model, num_heads)
    if block:
        Block.forward = block

    class GPT(course.GPT):
        def __init__(self, vocab_size, context_length, d_model=64, num_heads=4, num_layers=2):
            super().__init__(vocab_size, context_length, d_model, num_heads, num_layers)
            from nnkit import nn
            self.blocks = nn.ModuleList(Block(d_model, num_heads) for _ in range(num_layers))
    return {"GPT": GPT}


def _attend(self, x, mask=True, scale=None, split="heads"):
    import math as _math

    from nnkit.nn import functional as F
    N, T, d = x.shape
    h, dh = self.num_heads, d // self.num_heads
    qkv = x @ self.in_proj_weight.T + self.in_proj_bias
    parts = [qkv[:, :, i * d:(i + 1) * d] for i in range(3)]
    if split == "heads":
        q, k, v = (p.reshape(N, T, h, dh).transpose(1, 2) for p in parts)
    else:  # reshaped straight to (N, h, T, dh): the numbers of different tokens mixed up
        q, k, v = (p.reshape(N, h, T, dh) for p in parts)
    scores = q @ k.transpose(-2, -1) / (scale or _math.sqrt(dh))
    if mask:
        future = np.triu(np.ones((T, T), dtype=bool), k=1)
        scores = scores + np.where(future, -np.inf, 0.0).astype(np.float32)
    out = (F.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(N, T, d)
    return self.out_proj(out)


def _post_norm(self, x):
    from nnkit.nn import functional as F
    x = self.norm1(x + self.self_attn(x))
    return self.norm2(x + self.linear2(F.gelu(self.linear1(x))))


def _no_residual(self, x):
    from nnkit.nn import functional as F
    x = self.self_attn(self.norm1(x))
    return x + self.linear2(F.gelu(self.linear1(self.norm2(x))))


_GPT_SLIPS = [
    ({"attention": lambda self, x: _attend(self, x, mask=False)},
     ("no causal mask: each position saw the tokens after it. Add -inf to the scores where "
     "column j > row i (np.triu(..., k=1)) before the softmax.")),
    ({"attention": lambda self, x: _attend(self, x, scale=x.shape[-1] // self.num_heads)},
     "divide the scores by sqrt(head_dim), not by head_dim."),
    ({"attention": lambda self, x: _attend(self, x, scale=math.sqrt(x.shape[-1]))},
     "divide by sqrt of each HEAD's size, d_model // num_heads, not of d_model."),
    ({"attention": lambda self, x: _attend(self, x, split="reshape")},
     ("splitting heads: reshape (N, T, d) to (N, T, heads, head_dim), THEN transpose(1, 2) to "
     "(N, heads, T, head_dim); reshaping straight to (N, heads, T, head_dim) mixes tokens.")),
    ({"block": _post_norm},
     ("TinyGPT's block is PRE-norm: x + attention(norm1(x)), then x + mlp(norm2(x)); "
     "normalising after the residual is the original Transformer's post-norm.")),
    ({"block": _no_residual},
     "the residual connection is missing around attention: x = x + self.self_attn(...)."),
]


def _show_kind(value):
    shapes = {"batch": "(3, 8)", "short": "(2, 5)", "one token": "(1, 1)", "gradients": "(2, 8)"}
    if isinstance(value, str) and value in shapes:
        return f"random token ids of shape {shapes[value]}, a TinyGPT's weights"
    return _show(value)


def gpt(CausalSelfAttention, Block, GPT):
    """Exercise 6: the learner's causal self-attention, pre-norm ``Block`` and ``GPT``.

    Loaded with a TinyGPT's weights, the learner's GPT must give TinyGPT's logits (a batch,
    a shorter window, one token) and the same gradients of a loss. Six usual slips are
    named. Passing keeps the three classes in ``mine/ch12.py``.
    """
    from nnkit import mine
    from nnkit.exercises.checking import Exercise, Slip, attempt
    name = "CausalSelfAttention, Block, GPT"
    if not all(isinstance(c, type) for c in (CausalSelfAttention, Block, GPT)):
        return CheckResult(name, False, "expected three classes: "
                           "gpt(CausalSelfAttention, Block, GPT).")
    classes = {"GPT": GPT}
    names = attempt(lambda: _gpt_run(classes, "one token"), ())
    if isinstance(names, _Names):
        return CheckResult(name, False, str(names))
    cases = [Case(("batch",), "a batch of 3 windows of 8 tokens"),
             Case(("short",), "2 windows of 5 tokens (shorter than the context)"),
             Case(("one token",), "a single token"),
             Case(("gradients",), "the gradients of a cross-entropy loss")]
    slips = [Slip(hint, wrong=lambda kind, c=changes: _gpt_run(_gpt_variant(**c), kind))
             for changes, hint in _GPT_SLIPS]
    from nnkit.exercises.solutions import ch12 as course
    result = Exercise(name, lambda kind: _gpt_run({"GPT": course.GPT}, kind), cases, slips,
                      rtol=1e-4, atol=1e-5, show=_show_kind).check(
        lambda kind: _gpt_run(classes, kind))
    if not result:
        return result
    kept = [mine.keep(cls, 12, "6") for cls in (CausalSelfAttention, Block, GPT)]
    if all(kept):
        result.message += f" Kept in your library: {kept[0]}"
    return result
