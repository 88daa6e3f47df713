"""Convolutional, recurrent and attention layers against PyTorch, and gradient checks."""
import numpy as np
import pytest

import nnkit
from nnkit import nn
from nnkit.models import CharTokenizer, TinyGPT
from nnkit.nn import functional as F

try:
    import torch
except ImportError:  # only the comparisons with PyTorch skip; everything else runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="compares with PyTorch, not installed")


@pytest.fixture(autouse=True)
def seeded_torch():
    """Same torch weights on every run: a failure here must be reproducible."""
    if torch is not None:
        torch.manual_seed(0)
RNG = np.random.default_rng(0)


def load_from_torch(model, torch_model):
    model.load_state_dict({k: v.detach().numpy() for k, v in torch_model.state_dict().items()})


def compare_grads(model, torch_model, rtol=1e-4, atol=1e-5):
    torch_params = dict(torch_model.named_parameters())
    assert [n for n, _ in model.named_parameters()] == list(torch_params)
    for name, param in model.named_parameters():
        np.testing.assert_allclose(param.grad, torch_params[name].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=name)


def both(x):
    return nnkit.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


# ---------------------------------------------------------------- convolution

CONVS = [  # in, out, kernel, stride, padding, dilation, bias, input (H, W)
    (1, 4, 3, 1, 0, 1, True, (8, 9)),
    (3, 5, 3, 2, 1, 1, True, (9, 9)),
    (2, 3, (2, 3), (1, 2), (1, 0), (2, 1), False, (10, 11)),
    (4, 2, 1, 1, 0, 1, True, (5, 5)),
    (2, 6, 5, 1, 2, 1, True, (7, 6)),
]


@needs_torch
@pytest.mark.parametrize("args", CONVS)
def test_conv2d_matches_torch(args):
    c, o, k, s, p, d, bias, hw = args
    torch_layer = torch.nn.Conv2d(c, o, k, s, p, d, bias=bias)
    layer = nn.Conv2d(c, o, k, s, p, d, bias=bias)
    load_from_torch(layer, torch_layer)
    xn, xt = both(RNG.standard_normal((2, c) + hw).astype(np.float32))
    out_n, out_t = layer(xn), torch_layer(xt)
    (out_n ** 2).sum().backward()
    (out_t ** 2).sum().backward()
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(xn.grad, xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    compare_grads(layer, torch_layer)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 2, 1), (3, 1, 0),
                                                   ((2, 3), (2, 1), (1, 1))])
@needs_torch
def test_pooling_matches_torch(kind, kernel, stride, padding):
    xn, xt = both(RNG.standard_normal((2, 3, 7, 8)).astype(np.float32))
    out_n = getattr(F, f"{kind}_pool2d")(xn, kernel, stride, padding)
    out_t = getattr(torch.nn.functional, f"{kind}_pool2d")(xt, kernel, stride, padding)
    (out_n ** 2).sum().backward()
    (out_t ** 2).sum().backward()
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xn.grad, xt.grad.numpy(), rtol=1e-5, atol=1e-6)


@needs_torch
def test_batchnorm2d_matches_torch_in_train_and_eval():
    torch_layer, layer = torch.nn.BatchNorm2d(3), nn.BatchNorm2d(3)
    with torch.no_grad():
        torch_layer.weight.normal_()
    load_from_torch(layer, torch_layer)
    for _ in range(2):
        xn, xt = both((RNG.standard_normal((4, 3, 5, 5)) * 2 + 1).astype(np.float32))
        (layer(xn) ** 3).sum().backward()
        (torch_layer(xt) ** 3).sum().backward()
    np.testing.assert_allclose(xn.grad, xt.grad.numpy(), rtol=1e-3, atol=1e-4)
    for key, value in torch_layer.state_dict().items():
        np.testing.assert_allclose(layer.state_dict()[key], value.numpy(), rtol=1e-5, atol=1e-6)
    layer.eval(), torch_layer.eval()
    x = RNG.standard_normal((2, 3, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(layer(nnkit.tensor(x)).data,
                               torch_layer(torch.tensor(x)).detach().numpy(), atol=1e-5)


def test_dropout2d_zeroes_whole_channels():
    nnkit.manual_seed(0)
    out = F.dropout2d(nnkit.ones(50, 8, 4, 4), p=0.5).data
    per_channel = out.reshape(50, 8, -1)
    assert np.all((per_channel == 0).all(axis=2) | (per_channel == 2).all(axis=2))
    assert 0.4 < (per_channel[:, :, 0] == 0).mean() < 0.6
    assert np.array_equal(nn.Dropout2d(0.5).eval()(nnkit.ones(2, 3, 2, 2)).data, np.ones((2, 3, 2, 2)))


@pytest.mark.parametrize("case", ["conv", "conv_strided_dilated", "maxpool", "avgpool"])
def test_conv_and_pool_gradcheck(case):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 2, 6, 7))
    if case == "conv":
        assert nnkit.gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1), x,
                               rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3))
    elif case == "conv_strided_dilated":
        assert nnkit.gradcheck(lambda x, w: F.conv2d(x, w, stride=2, dilation=2), x,
                               rng.standard_normal((2, 2, 2, 2)))
    elif case == "maxpool":
        assert nnkit.gradcheck(lambda x: F.max_pool2d(x, 2, padding=1), x)
    else:
        assert nnkit.gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1), x)


def test_conv_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 1, H, W\). Received "
                                         r"shape \(2, 3, 8, 8\)"):
        nn.Conv2d(1, 8, 3)(nnkit.zeros(2, 3, 8, 8))
    with pytest.raises(ValueError, match="does not fit in an input of height 3"):
        nn.Conv2d(1, 8, 5)(nnkit.zeros(2, 1, 3, 3))
    with pytest.raises(ValueError, match="expected kernel_size to be an integer >= 1"):
        nn.Conv2d(1, 8, 0)


# ---------------------------------------------------------------- recurrent

@needs_torch
@pytest.mark.parametrize("batch_first", [False, True], ids=["time_first", "batch_first"])
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("num_layers,bias,steps", [(1, True, 6), (2, False, 3), (1, True, 1)])
def test_recurrent_layer_matches_torch(kind, num_layers, bias, steps, batch_first):
    torch_layer = getattr(torch.nn, kind)(5, 7, num_layers=num_layers, bias=bias,
                                          batch_first=batch_first)
    layer = getattr(nn, kind)(5, 7, num_layers=num_layers, bias=bias, batch_first=batch_first)
    load_from_torch(layer, torch_layer)
    shape = (3, steps, 5) if batch_first else (steps, 3, 5)
    xn, xt = both(RNG.standard_normal(shape).astype(np.float32))
    h0 = RNG.standard_normal((num_layers, 3, 7)).astype(np.float32)
    if kind == "LSTM":
        c0 = RNG.standard_normal((num_layers, 3, 7)).astype(np.float32)
        out_n, (h_n, c_n) = layer(xn, (nnkit.tensor(h0), nnkit.tensor(c0)))
        out_t, (h_t, c_t) = torch_layer(xt, (torch.tensor(h0), torch.tensor(c0)))
        ((out_n ** 2).sum() + (h_n * c_n).sum()).backward()
        ((out_t ** 2).sum() + (h_t * c_t).sum()).backward()
        np.testing.assert_allclose(c_n.data, c_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    else:
        out_n, h_n = layer(xn, nnkit.tensor(h0))
        out_t, h_t = torch_layer(xt, torch.tensor(h0))
        ((out_n ** 2).sum() + (h_n ** 3).sum()).backward()
        ((out_t ** 2).sum() + (h_t ** 3).sum()).backward()
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h_n.data, h_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(xn.grad, xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    compare_grads(layer, torch_layer)


@needs_torch
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_default_layout_is_time_first_as_torch(kind):
    torch_layer, layer = getattr(torch.nn, kind)(4, 6), getattr(nn, kind)(4, 6)
    assert layer.batch_first is torch_layer.batch_first is False
    load_from_torch(layer, torch_layer)
    x = RNG.standard_normal((5, 2, 4)).astype(np.float32)  # (time, batch, features)
    out_n, _ = layer(nnkit.tensor(x))
    out_t, _ = torch_layer(torch.tensor(x))
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_both_recurrent_layouts_compute_the_same_thing(kind):
    time_first = getattr(nn, kind)(3, 4, num_layers=2)
    batch_first = getattr(nn, kind)(3, 4, num_layers=2, batch_first=True)
    batch_first.load_state_dict(time_first.state_dict())
    x = RNG.standard_normal((5, 2, 3)).astype(np.float32)  # (time, batch, features)
    out_t, state_t = time_first(nnkit.tensor(x))
    out_b, state_b = batch_first(nnkit.tensor(x.transpose(1, 0, 2)))
    np.testing.assert_allclose(out_t.data, out_b.data.transpose(1, 0, 2), rtol=1e-6)
    h_t, h_b = (s[0] if kind == "LSTM" else s for s in (state_t, state_b))
    assert h_t.shape == (2, 2, 4)  # (num_layers, batch, hidden) in both layouts
    np.testing.assert_allclose(h_t.data, h_b.data, rtol=1e-6)


def test_recurrent_repr_shows_batch_first_only_when_set():
    assert repr(nn.LSTM(3, 4)) == "LSTM(3, 4)"
    assert repr(nn.GRU(3, 4, batch_first=True)) == "GRU(3, 4, batch_first=True)"


@needs_torch
def test_rnn_relu_matches_torch():
    torch_layer = torch.nn.RNN(4, 6, nonlinearity="relu")
    layer = nn.RNN(4, 6, nonlinearity="relu")
    load_from_torch(layer, torch_layer)
    x = RNG.standard_normal((5, 2, 4)).astype(np.float32)  # (time, batch, features)
    out_n, _ = layer(nnkit.tensor(x))
    out_t, _ = torch_layer(torch.tensor(x))
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-4, atol=1e-5)


@needs_torch
@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(kind):
    torch_cell, cell = getattr(torch.nn, kind)(3, 4), getattr(nn, kind)(3, 4)
    assert list(cell.state_dict()) == list(torch_cell.state_dict())
    load_from_torch(cell, torch_cell)
    xn, xt = both(RNG.standard_normal((2, 3)).astype(np.float32))
    out_n, out_t = cell(xn), torch_cell(xt)
    if kind == "LSTMCell":
        out_n, out_t = out_n[0] * out_n[1], out_t[0] * out_t[1]
    (out_n ** 2).sum().backward()
    (out_t ** 2).sum().backward()
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(xn.grad, xt.grad.numpy(), rtol=1e-4, atol=1e-6)
    compare_grads(cell, torch_cell)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_gradcheck_float64(kind):
    layer = getattr(nn, kind)(3, 4)
    for param in layer.parameters():
        param.data = param.data.astype(np.float64)
    x = np.random.default_rng(3).standard_normal((2, 5, 3))
    assert nnkit.gradcheck(lambda x: layer(x)[0], x)

    def through_recurrent_weight(w):
        original, layer.weight_hh_l0 = layer.weight_hh_l0, w
        try:
            return layer(nnkit.tensor(x, dtype=np.float64))[0]
        finally:
            layer.weight_hh_l0 = original
    assert nnkit.gradcheck(through_recurrent_weight, layer.weight_hh_l0.data.copy())


def test_forward_hooks_see_inputs_and_outputs_and_can_be_removed():
    """PyTorch's hooks: what widgets use to look inside a layer instead of record switches."""
    layer = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    seen = []
    handle = layer.register_forward_hook(lambda module, inputs, output: seen.append(
        (module, inputs[0].shape, output[0].shape)))
    x = nnkit.randn(2, 5, 3)
    layer(x)
    assert seen == [(layer, (2, 5, 3), (2, 5, 4))]
    handle.remove()
    layer(x)
    assert len(seen) == 1


def test_hooks_replace_inputs_and_outputs_as_in_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3)).astype(np.float32)
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    for module in (ours, theirs):
        module.register_forward_pre_hook(lambda m, inputs: (inputs[0] * 2,))
        module.register_forward_hook(lambda m, inputs, output: output + 1)
    got = ours(nnkit.tensor(x)).data
    want = theirs(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_pre_hook_with_kwargs_asks_attention_for_its_weights():
    block = nn.TransformerBlock(8, 2, causal=True)
    kept = []
    block.self_attn.register_forward_pre_hook(
        lambda m, args, kwargs: (args, {**kwargs, "need_weights": True,
                                        "average_attn_weights": False}), with_kwargs=True)
    block.self_attn.register_forward_hook(lambda m, args, output: kept.append(output[1].data))
    block(nnkit.randn(1, 5, 8))
    assert kept[0].shape == (1, 2, 5, 5)
    np.testing.assert_allclose(kept[0].sum(axis=-1), 1.0, atol=1e-5)
    assert np.all(kept[0][0, :, np.triu_indices(5, 1)[0], np.triu_indices(5, 1)[1]] == 0)


def test_a_hook_must_be_callable():
    with pytest.raises(TypeError, match="expected a hook function"):
        nn.Linear(2, 2).register_forward_hook(None)


def test_recurrent_errors():
    with pytest.raises(ValueError, match=r"expected input \(batch, time, features\) with 3 "
                                         r"features. Received shape \(2, 5, 4\)"):
        nn.GRU(3, 4, batch_first=True)(nnkit.zeros(2, 5, 4))
    with pytest.raises(ValueError, match=r"expected input \(time, batch, features\); pass "
                                         r"batch_first=True .* Received shape \(2, 5\)"):
        nn.GRU(3, 4)(nnkit.zeros(2, 5))
    with pytest.raises(TypeError, match=r"LSTM: expected a Tensor \(or a NumPy array\) as "
                                        r"input. Received a Python list"):
        nn.LSTM(3, 4)([[1.0, 2.0, 3.0]])
    with pytest.raises(TypeError, match=r"initial state as a tuple \(h0, c0\). Received Tensor"):
        nn.LSTM(3, 4)(nnkit.zeros(5, 2, 3), nnkit.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"initial state of shape \(1, 5, 4\)"):
        nn.RNN(3, 4)(nnkit.zeros(2, 5, 3), nnkit.zeros(2, 4))
    with pytest.raises(ValueError, match="nonlinearity='sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")


# ---------------------------------------------------------------- attention

MASKS = {
    "none": {},
    "causal": {"attn_mask": np.triu(np.ones((5, 6), bool), 1)},
    "padding": {"key_padding_mask": np.array([[False] * 6, [False] * 4 + [True] * 2])},
    "both_per_head": {"attn_mask": np.triu(np.ones((5, 6), bool), 1),
                      "key_padding_mask": np.array([[False] * 6, [False] * 4 + [True] * 2]),
                      "average_attn_weights": False},
}


@needs_torch
@pytest.mark.parametrize("masks", MASKS.values(), ids=list(MASKS))
def test_multihead_attention_matches_torch(masks):
    torch_layer = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    with torch.no_grad():
        torch_layer.in_proj_bias.normal_()
        torch_layer.out_proj.bias.normal_()
    layer = nn.MultiheadAttention(8, 2, batch_first=True)
    load_from_torch(layer, torch_layer)
    qn, qt = both(RNG.standard_normal((2, 5, 8)).astype(np.float32))
    kn, kt = both(RNG.standard_normal((2, 6, 8)).astype(np.float32))
    torch_masks = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
    out_n, w_n = layer(qn, kn, kn, **masks)
    out_t, w_t = torch_layer(qt, kt, kt, **torch_masks)
    ((out_n ** 2).sum() + (w_n ** 2).sum()).backward()
    ((out_t ** 2).sum() + (w_t ** 2).sum()).backward()
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(w_n.data, w_t.detach().numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(qn.grad, qt.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(kn.grad, kt.grad.numpy(), rtol=1e-4, atol=1e-5)
    compare_grads(layer, torch_layer)


@needs_torch
def test_transformer_block_matches_torch_encoder_layer():
    torch_block = torch.nn.TransformerEncoderLayer(16, 4, 32, 0.0, activation="gelu",
                                                   batch_first=True, norm_first=True)
    block = nn.TransformerBlock(16, 4, 32)
    assert list(block.state_dict()) == list(torch_block.state_dict())
    with torch.no_grad():
        for p in torch_block.parameters():
            p.add_(0.1 * torch.randn(p.shape))
    load_from_torch(block, torch_block)
    xn, xt = both(RNG.standard_normal((2, 7, 16)).astype(np.float32))
    out_n = block(xn, attn_mask=nn.causal_mask(7))
    out_t = torch_block(xt, src_mask=torch.tensor(nn.causal_mask(7)))
    (out_n ** 2).sum().backward()
    (out_t ** 2).sum().backward()
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(xn.grad, xt.grad.numpy(), rtol=1e-3, atol=1e-4)
    compare_grads(block, torch_block, rtol=1e-3, atol=1e-4)


def test_attention_gradcheck_float64_with_mask():
    rng = np.random.default_rng(4)
    q, k, v = (rng.standard_normal((2, 3, 4)) for _ in range(3))
    mask = np.where(nn.causal_mask(3), -np.inf, 0.0)
    assert nnkit.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mask),
                           q, k, v)
    assert nnkit.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, is_causal=True, scale=0.3), q, k, v)


def test_causal_attention_ignores_the_future():
    nnkit.manual_seed(0)
    block = nn.TransformerBlock(8, 2, causal=True)
    x = nnkit.randn(1, 6, 8)
    changed = x.data.copy()
    changed[0, 4:] += 5.0  # change only the last two positions
    before, after = block(x).data, block(nnkit.tensor(changed)).data
    np.testing.assert_allclose(before[0, :4], after[0, :4], atol=1e-6)
    assert not np.allclose(before[0, 4:], after[0, 4:])


def test_positional_encodings():
    table = nn.SinusoidalPositionalEncoding(6, 50)(nnkit.zeros(1, 50, 6)).data[0]
    t, i = 7, 1
    assert np.isclose(table[t, 2 * i], np.sin(t / 10000 ** (2 * i / 6)), atol=1e-6)
    assert np.isclose(table[t, 2 * i + 1], np.cos(t / 10000 ** (2 * i / 6)), atol=1e-6)
    learned = nn.LearnedPositionalEncoding(10, 4)
    assert [n for n, _ in learned.named_parameters()] == ["weight"]
    with pytest.raises(ValueError, match="T <= 10"):
        learned(nnkit.zeros(1, 11, 4))


def test_attention_errors():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads. Received "
                                         "embed_dim=10, num_heads=3"):
        nn.MultiheadAttention(10, 3)
    layer = nn.MultiheadAttention(8, 2, batch_first=True)
    x = nnkit.zeros(2, 5, 8)
    with pytest.raises(ValueError, match=r"expected attn_mask of shape \(5, 5\)"):
        layer(x, x, x, attn_mask=np.zeros((4, 4), bool))
    with pytest.raises(ValueError, match=r"expected query of shape \(N, length, E\) with E=8. "
                                         r"Received \(2, 5, 6\)"):
        layer(nnkit.zeros(2, 5, 6), x, x)
    with pytest.raises(ValueError, match=r"expected key of shape \(length, N, E\); pass "
                                         r"batch_first=True .* Received \(5, 8\)"):
        nn.MultiheadAttention(8, 2)(x, nnkit.zeros(5, 8), x)


# ---------------------------------------------------------------- TinyGPT

def test_tokenizer_round_trip_and_errors():
    tok = CharTokenizer("hello world")
    assert tok.decode(tok.encode("low hello")) == "low hello"
    assert tok.vocab_size == len(set("hello world"))
    with pytest.raises(KeyError, match=r"not in the vocabulary: \['z'\]"):
        tok.encode("zero")
    with pytest.raises(IndexError, match="outside the vocabulary"):
        tok.decode([99])


def test_tiny_gpt_shapes_tying_generation_and_torch_transfer():
    nnkit.manual_seed(0)
    model = TinyGPT(vocab_size=11, context_length=8, d_model=16, num_heads=2, num_layers=2,
                    tie_weights=True)
    assert model.head.weight is model.token_embedding.weight
    names = [n for n, _ in model.named_parameters()]
    assert "head.weight" not in names and len(names) == len(set(names))
    ids = np.array([[1, 2, 3], [4, 5, 6]])
    assert model(ids).shape == (2, 3, 11)
    loss = model.loss(ids, np.array([[2, 3, 4], [5, 6, 7]]))
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    nnkit.manual_seed(5)
    first = model.generate([1, 2], 20, temperature=0.7, top_k=3)
    nnkit.manual_seed(5)
    assert np.array_equal(first, model.generate([1, 2], 20, temperature=0.7, top_k=3))
    assert len(first) == 22 and first.max() < 11
    with pytest.raises(ValueError, match="T <= 8"):
        model(np.zeros((1, 9), dtype=np.int64))
    with pytest.raises(ValueError, match="temperature > 0"):
        model.generate([1], 3, temperature=0)


@needs_torch
def test_tiny_gpt_block_weights_run_in_torch():
    nnkit.manual_seed(1)
    model = TinyGPT(vocab_size=7, context_length=6, d_model=8, num_heads=2, num_layers=1)
    torch_block = torch.nn.TransformerEncoderLayer(8, 2, 32, 0.0, activation="gelu",
                                                   batch_first=True, norm_first=True)
    prefix = "blocks.0."
    torch_block.load_state_dict({k[len(prefix):]: torch.from_numpy(v)
                                 for k, v in model.state_dict().items() if k.startswith(prefix)})
    x = RNG.standard_normal((1, 6, 8)).astype(np.float32)
    np.testing.assert_allclose(model.blocks[0](nnkit.tensor(x)).data,
                               torch_block(torch.tensor(x), src_mask=torch.tensor(nn.causal_mask(6)))
                               .detach().numpy(), rtol=1e-4, atol=1e-5)
