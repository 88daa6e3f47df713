"""Chapter 12 checkers: the worked solutions pass, typical wrong answers are rejected
with a message that names the mistake."""
import numpy as np
import pytest

import nnkit
from nnkit import nn
from nnkit.exercises import ch12 as check


def message(result):
    assert not result, f"a wrong answer passed: {result}"
    return result.message


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------- solutions

def solution_attention(Q, K, V):
    return softmax(Q @ K.swapaxes(-1, -2) / np.sqrt(Q.shape[-1])) @ V


def solution_mask(size):
    return np.triu(np.ones((size, size), dtype=bool), k=1)


def solution_split(X, num_heads):
    n, t, e = X.shape
    return X.reshape(n, t, num_heads, e // num_heads).transpose(0, 2, 1, 3)


def solution_pe(length, d_model):
    position = np.arange(length)[:, None]
    angle = position / 10000 ** (np.arange(0, d_model, 2) / d_model)
    table = np.zeros((length, d_model))
    table[:, 0::2], table[:, 1::2] = np.sin(angle), np.cos(angle)
    return table


def solution_probs(logits, temperature, top_k=None):
    z = logits / temperature
    if top_k is not None:
        z = np.where(z < np.sort(z)[-top_k], -np.inf, z)
    return softmax(z)


def test_solutions_pass():
    assert check.attention(solution_attention)
    assert check.causal_mask(solution_mask)
    assert check.split_heads(solution_split)
    assert check.sinusoidal_encoding(solution_pe)
    assert check.next_token_probs(solution_probs)


def test_solutions_agree_with_nnkit():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 5, 4)) for _ in range(3))
    out = nn.functional.scaled_dot_product_attention(
        *(nnkit.tensor(a, dtype=np.float64) for a in (q, k, v)))
    np.testing.assert_allclose(out.data, solution_attention(q, k, v), atol=1e-10)
    assert np.array_equal(solution_mask(6), nn.causal_mask(6))
    table = nn.SinusoidalPositionalEncoding(8, 20).table
    np.testing.assert_allclose(table, solution_pe(20, 8), atol=1e-6)


def test_stubs_are_reported_gently():
    def stub(*args):
        raise NotImplementedError
    for checker in (check.attention, check.causal_mask, check.split_heads,
                    check.sinusoidal_encoding, check.next_token_probs):
        assert "not implemented yet" in message(checker(stub))


# ---------------------------------------------------------------- attention

def test_attention_rejects_missing_scaling():
    text = message(check.attention(lambda Q, K, V: softmax(Q @ K.swapaxes(-1, -2)) @ V))
    assert "forgot the scaling" in text and "sqrt(" in text
    assert "expected:" in text and "received:" in text


def test_attention_rejects_dividing_by_d():
    text = message(check.attention(
        lambda Q, K, V: softmax(Q @ K.swapaxes(-1, -2) / Q.shape[-1]) @ V))
    assert "square root" in text


def test_attention_rejects_softmax_over_the_wrong_axis():
    text = message(check.attention(
        lambda Q, K, V: softmax(Q @ K.swapaxes(-1, -2) / np.sqrt(Q.shape[-1]), axis=-2) @ V))
    assert "wrong axis" in text and "axis=-1" in text


def test_attention_rejects_unstable_softmax():
    def unstable(Q, K, V):
        e = np.exp(Q @ K.swapaxes(-1, -2) / np.sqrt(Q.shape[-1]))
        return e / e.sum(axis=-1, keepdims=True) @ V
    with np.errstate(all="ignore"):
        text = message(check.attention(unstable))
    assert "huge scores" in text and "overflow" in text and "maximum" in text


def test_attention_rejects_no_softmax_and_plain_transpose_in_batches():
    text = message(check.attention(lambda Q, K, V: Q @ K.swapaxes(-1, -2) / np.sqrt(Q.shape[-1]) @ V))
    assert "forgot the softmax" in text
    # K.T reverses all axes: fine for a matrix, wrong for a batch
    text = message(check.attention(lambda Q, K, V: softmax(Q @ K.T / np.sqrt(Q.shape[-1])) @ V))
    assert "batch of 2" in text


# ---------------------------------------------------------------- causal mask

def test_mask_rejects_off_by_one_diagonals():
    text = message(check.causal_mask(lambda T: np.triu(np.ones((T, T), dtype=bool), k=0)))
    assert "off by one" in text and "cannot see itself" in text
    text = message(check.causal_mask(lambda T: np.triu(np.ones((T, T), dtype=bool), k=2)))
    assert "off by one" in text and "future" in text


def test_mask_rejects_inverted_wrong_triangle_and_floats():
    assert "inverted" in message(check.causal_mask(
        lambda T: ~np.triu(np.ones((T, T), dtype=bool), k=1)))
    assert "wrong triangle" in message(check.causal_mask(
        lambda T: np.tril(np.ones((T, T), dtype=bool), k=-1)))
    assert "booleans" in message(check.causal_mask(
        lambda T: np.triu(np.ones((T, T)), k=1)))


# ---------------------------------------------------------------- split heads

def test_split_rejects_reshape_without_transpose():
    def scrambled(X, h):
        n, t, e = X.shape
        return X.reshape(n, h, t, e // h)
    text = message(check.split_heads(scrambled))
    assert "scrambled" in text and "(N, T, heads, d)" in text


def test_split_rejects_missing_transpose_and_wrong_grouping():
    def untransposed(X, h):
        n, t, e = X.shape
        return X.reshape(n, t, h, e // h)
    assert "transpose(0, 2, 1, 3)" in message(check.split_heads(untransposed))

    def strided(X, h):
        n, t, e = X.shape
        return X.reshape(n, t, e // h, h).transpose(0, 3, 1, 2)
    assert "contiguous slice" in message(check.split_heads(strided))


# ---------------------------------------------------------------- positional encoding

def test_pe_rejects_swapped_concatenated_and_wrong_exponent():
    def swapped(T, d):
        table = solution_pe(T, d)
        return np.concatenate([table[:, 1::2, None], table[:, 0::2, None]], axis=2).reshape(T, d)
    assert "swapped" in message(check.sinusoidal_encoding(swapped))

    def halves(T, d):
        table = solution_pe(T, d)
        return np.concatenate([table[:, 0::2], table[:, 1::2]], axis=1)
    assert "interleave" in message(check.sinusoidal_encoding(halves))

    def exponent(T, d):
        angle = np.arange(T)[:, None] / 10000 ** (np.arange(d // 2) / d)
        table = np.zeros((T, d))
        table[:, 0::2], table[:, 1::2] = np.sin(angle), np.cos(angle)
        return table
    assert "2i / d" in message(check.sinusoidal_encoding(exponent))


# ---------------------------------------------------------------- sampling

def test_probs_rejects_multiplying_by_temperature():
    text = message(check.next_token_probs(lambda z, T, k=None: solution_probs(z * T * T, T, k)))
    assert "divide the logits" in text and "temperature 0.5" in text


def test_probs_rejects_top_k_mistakes():
    def no_renormalise(z, T, k=None):
        p = softmax(z / T)
        return p if k is None else np.where(z / T < np.sort(z / T)[-k], 0.0, p)
    assert "renormalise" in message(check.next_token_probs(no_renormalise))

    def smallest(z, T, k=None):
        z = z / T
        return softmax(z if k is None else np.where(z > np.sort(z)[k - 1], -np.inf, z))
    assert "SMALLEST" in message(check.next_token_probs(smallest))
    assert "ignored top_k" in message(check.next_token_probs(lambda z, T, k=None: softmax(z / T)))


def test_probs_rejects_unstable_softmax():
    def unstable(z, T, k=None):
        z = z / T
        if k is not None:
            z = np.where(z < np.sort(z)[-k], -np.inf, z)
        return np.exp(z) / np.exp(z).sum()
    with np.errstate(all="ignore"):
        text = message(check.next_token_probs(unstable))
    assert "huge logits" in text and "overflowed" in text


# ---------------------------------------------------------------- 6 · your GPT

def test_the_course_gpt_matches_tinygpt_and_is_kept(tmp_path, monkeypatch):
    from nnkit import mine
    from nnkit.exercises.solutions import ch12 as course
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    result = check.gpt(course.CausalSelfAttention, course.Block, course.GPT)
    assert result, result
    text = (tmp_path / "ch12.py").read_text()
    assert all(f"class {name}(nn.Module):" in text
               for name in ("CausalSelfAttention", "Block", "GPT"))
    GPT = mine.use("GPT", reference=None, quiet=True)
    assert GPT(11, 8, d_model=24)(np.zeros((1, 3), dtype=np.int64)).shape == (1, 3, 11)


@pytest.mark.parametrize("index", range(len(check._GPT_SLIPS)))
def test_each_gpt_slip_gets_its_own_hint(index):
    from nnkit.exercises.solutions import ch12 as course
    changes, hint = check._GPT_SLIPS[index]
    variant = check._gpt_variant(**changes)["GPT"]
    text = check.gpt(course.CausalSelfAttention, course.Block, variant).message
    assert hint in text
    assert not any(other in text for i, (_, other) in enumerate(check._GPT_SLIPS) if i != index)


def test_the_gpt_checker_names_missing_parameters_and_reports_stubs():
    from nnkit import nn
    from nnkit.exercises.solutions import ch12 as course

    class Renamed(course.GPT):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.final_norm = self.norm
            del self.norm
    assert "missing ['norm.bias', 'norm.weight']" in check.gpt(
        course.CausalSelfAttention, course.Block, Renamed).message

    class Stub(nn.Module):
        def __init__(self, *args, **kwargs):
            raise NotImplementedError
    assert "not implemented yet" in check.gpt(Stub, Stub, Stub).message
    assert "three classes" in check.gpt(None, course.Block, course.GPT).message
