"""Attention masks mean what they mean in PyTorch, in both functions that take them.

``F.scaled_dot_product_attention``: a boolean attn_mask is True where a query
MAY look. ``nn.MultiheadAttention``: a boolean attn_mask / key_padding_mask is
True where a query may NOT look. Float masks are added in both.
"""
import numpy as np
import pytest

import nnkit
from nnkit import nn
from nnkit.models import TinyGPT
from nnkit.nn import functional as F

try:
    import torch
except ImportError:  # only the comparisons with PyTorch skip; everything else runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="compares with PyTorch, not installed")

RNG = np.random.default_rng(11)
L, S = 4, 6
MAY_LOOK = RNG.random((L, S)) > 0.4
MAY_LOOK[:, 0] = True  # every query sees at least one key (else torch gives nan rows)
SDPA_MASKS = {
    "none": {},
    "bool_may_look": {"attn_mask": MAY_LOOK},
    "float_added": {"attn_mask": RNG.standard_normal((L, S)).astype(np.float32)},
    "causal": {"is_causal": True},
    "scale": {"scale": 0.7},
}


def sdpa_inputs(length=L):
    return [RNG.standard_normal((2, 3, length if i == 0 else S, 5)).astype(np.float32)
            for i in range(3)]


def test_sdpa_boolean_mask_true_means_may_look():
    q, k, v = sdpa_inputs()
    v = np.broadcast_to(np.arange(S, dtype=np.float32)[:, None], v.shape).copy()
    only_key_2 = np.zeros((L, S), bool)
    only_key_2[:, 2] = True
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=only_key_2)
    np.testing.assert_allclose(out.data, 2.0, atol=1e-6)  # every query read value 2 only


def test_sdpa_causal_puts_no_weight_on_the_future():
    q, k, v = sdpa_inputs(length=S)
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    changed = v.copy()
    changed[..., 3:, :] += 10.0  # the future of queries 0..2
    after = F.scaled_dot_product_attention(q, k, changed, is_causal=True)
    np.testing.assert_allclose(out.data[..., :3, :], after.data[..., :3, :], atol=1e-6)
    same = F.scaled_dot_product_attention(q, k, v, attn_mask=~nn.causal_mask(S))
    np.testing.assert_allclose(out.data, same.data, atol=1e-6)


def test_sdpa_errors_name_the_problem():
    q, k, v = sdpa_inputs()
    with pytest.raises(ValueError, match="expected attn_mask or is_causal=True, not both"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=MAY_LOOK, is_causal=True)
    with pytest.raises(ValueError, match=r"broadcastable to the scores .* Received shape \(3, 3\)"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((3, 3), bool))
    with pytest.raises(TypeError, match="Received dtype int64"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((L, S), np.int64))


@needs_torch
@pytest.mark.parametrize("options", SDPA_MASKS.values(), ids=list(SDPA_MASKS))
def test_sdpa_matches_torch_forward_and_backward(options):
    arrays = sdpa_inputs(length=S if options.get("is_causal") else L)
    ours = [nnkit.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    torch_options = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                     for k, v in options.items()}
    out_n = F.scaled_dot_product_attention(*ours, **options)
    out_t = torch.nn.functional.scaled_dot_product_attention(*theirs, **torch_options)
    weights = RNG.standard_normal(out_n.shape).astype(np.float32)
    (out_n * nnkit.tensor(weights)).sum().backward()
    (out_t * torch.from_numpy(weights)).sum().backward()
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- MultiheadAttention

BLOCKED = ~MAY_LOOK
MHA_MASKS = {
    "bool_blocked": {"attn_mask": BLOCKED},
    "float_added": {"attn_mask": RNG.standard_normal((L, S)).astype(np.float32)},
    "bool_padding": {"key_padding_mask": np.array([[False] * S, [False] * 4 + [True] * 2])},
    "float_padding": {"key_padding_mask": RNG.standard_normal((2, S)).astype(np.float32)},
}


def test_mha_boolean_mask_true_means_blocked():
    nnkit.manual_seed(0)
    layer = nn.MultiheadAttention(8, 2, batch_first=True)
    x = nnkit.randn(2, L, 8)
    kv = nnkit.randn(2, S, 8)
    _, weights = layer(x, kv, kv, attn_mask=BLOCKED)
    assert np.all(weights.data[:, BLOCKED] == 0)
    assert np.all(weights.data[:, ~BLOCKED] > 0)


@needs_torch
@pytest.mark.parametrize("need_weights", [True, False], ids=["step_by_step", "fused"])
@pytest.mark.parametrize("masks", MHA_MASKS.values(), ids=list(MHA_MASKS))
def test_mha_masks_match_torch(masks, need_weights):
    torch.manual_seed(0)
    torch_layer = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    layer = nn.MultiheadAttention(8, 2, batch_first=True)
    layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})
    q = RNG.standard_normal((2, L, 8)).astype(np.float32)
    kv = RNG.standard_normal((2, S, 8)).astype(np.float32)
    qn, qt = nnkit.tensor(q, requires_grad=True), torch.tensor(q, requires_grad=True)
    out_n, _ = layer(qn, nnkit.tensor(kv), nnkit.tensor(kv), need_weights=need_weights, **masks)
    out_t, _ = torch_layer(qt, torch.tensor(kv), torch.tensor(kv), need_weights=need_weights,
                           **{k: torch.tensor(v) for k, v in masks.items()})
    (out_n ** 2).sum().backward()
    (out_t ** 2).sum().backward()
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(qn.grad, qt.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("need_weights", [True, False], ids=["step_by_step", "fused"])
def test_causal_mask_through_mha_matches_sdpa_is_causal(need_weights):
    # MultiheadAttention with nn.causal_mask (True = blocked) and the function with
    # is_causal=True must be the same attention, on the fused and step-by-step paths
    nnkit.manual_seed(1)
    layer = nn.MultiheadAttention(8, 1, bias=False, batch_first=True)
    layer.in_proj_weight.data[...] = np.vstack([np.eye(8, dtype=np.float32)] * 3)  # Q=K=V=x
    layer.out_proj.weight.data[...] = np.eye(8, dtype=np.float32)
    x = nnkit.randn(2, 5, 8)
    out, _ = layer(x, x, x, attn_mask=nn.causal_mask(5), need_weights=need_weights)
    expected = F.scaled_dot_product_attention(x, x, x, is_causal=True)
    np.testing.assert_allclose(out.data, expected.data, rtol=1e-5, atol=1e-5)


def test_tiny_gpt_does_not_see_the_future():
    nnkit.manual_seed(2)
    model = TinyGPT(vocab_size=9, context_length=8, d_model=16, num_heads=2, num_layers=2).eval()
    ids = np.array([[1, 2, 3, 4, 5, 6]])
    changed = ids.copy()
    changed[0, 4:] = [7, 8]
    np.testing.assert_allclose(model(ids).data[0, :4], model(changed).data[0, :4], atol=1e-5)
    assert not np.allclose(model(ids).data[0, 4:], model(changed).data[0, 4:])


def test_mha_mask_errors():
    layer = nn.MultiheadAttention(8, 2, batch_first=True)
    x = nnkit.randn(2, L, 8)
    with pytest.raises(ValueError, match=r"expected attn_mask of shape \(4, 4\). Received \(4, 6\)"):
        layer(x, x, x, attn_mask=BLOCKED)
    with pytest.raises(TypeError, match="boolean key_padding_mask .* Received dtype int64"):
        layer(x, x, x, key_padding_mask=np.zeros((2, L), np.int64))


@needs_torch
@pytest.mark.parametrize("need_weights", [True, False], ids=["step_by_step", "fused"])
def test_mha_default_layout_is_length_first_as_torch(need_weights):
    torch.manual_seed(0)
    torch_layer, layer = torch.nn.MultiheadAttention(8, 2), nn.MultiheadAttention(8, 2)
    assert layer.batch_first is torch_layer.batch_first is False
    assert "batch_first" not in repr(layer)
    assert "batch_first=True" in repr(nn.MultiheadAttention(8, 2, batch_first=True))
    layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})
    q = RNG.standard_normal((L, 2, 8)).astype(np.float32)  # (length, batch, embed)
    kv = RNG.standard_normal((S, 2, 8)).astype(np.float32)
    padding = np.array([[False] * S, [False] * 4 + [True] * 2])
    out_n, w_n = layer(nnkit.tensor(q), nnkit.tensor(kv), nnkit.tensor(kv),
                       key_padding_mask=padding, attn_mask=BLOCKED, need_weights=need_weights)
    out_t, w_t = torch_layer(torch.tensor(q), torch.tensor(kv), torch.tensor(kv),
                             key_padding_mask=torch.tensor(padding),
                             attn_mask=torch.tensor(BLOCKED), need_weights=need_weights)
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    if need_weights:
        np.testing.assert_allclose(w_n.data, w_t.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_mha_layouts_compute_the_same_thing():
    length_first = nn.MultiheadAttention(8, 2)
    batch_first = nn.MultiheadAttention(8, 2, batch_first=True)
    batch_first.load_state_dict(length_first.state_dict())
    q = RNG.standard_normal((L, 2, 8)).astype(np.float32)  # (length, batch, embed)
    out_l, w_l = length_first(q, q, q, attn_mask=nn.causal_mask(L))
    out_b, w_b = batch_first(*[q.transpose(1, 0, 2)] * 3, attn_mask=nn.causal_mask(L))
    np.testing.assert_allclose(out_l.data, out_b.data.transpose(1, 0, 2), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w_l.data, w_b.data, rtol=1e-6)  # (N, L, S) in both layouts
