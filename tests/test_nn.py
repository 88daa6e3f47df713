"""nnkit.nn against PyTorch: same weights in, same outputs and gradients out."""
import numpy as np
import pytest

import nnkit
from nnkit import nn
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


def copy_torch_weights(model, torch_model):
    model.load_state_dict({k: v.detach().numpy() for k, v in torch_model.state_dict().items()})


def run_both(model, torch_model, x):
    """Forward + backward in both frameworks; return outputs and input gradients.

    The loss weights each output by a fixed random number: a plain sum of
    squares after a normalisation layer is constant, its gradient ~0 and all
    rounding noise.
    """
    xt = torch.tensor(x, requires_grad=True)
    out_t = torch_model(xt)
    weights = np.random.default_rng(1).standard_normal(tuple(out_t.shape)).astype(np.float32)
    (out_t * out_t * torch.from_numpy(weights)).sum().backward()
    xn = nnkit.tensor(x, requires_grad=True, dtype=x.dtype)
    out_n = model(xn)
    (out_n * out_n * nnkit.tensor(weights)).sum().backward()
    return out_n, out_t, xn.grad, xt.grad.numpy()


def assert_params_match(model, torch_model, rtol=1e-4, atol=1e-5):
    torch_params = dict(torch_model.named_parameters())
    names = [name for name, _ in model.named_parameters()]
    assert names == list(torch_params), "parameter names differ from PyTorch's"
    for name, param in model.named_parameters():
        np.testing.assert_allclose(param.grad, torch_params[name].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=name)


MODULES = [
    ("linear", lambda: nn.Linear(5, 3), lambda: torch.nn.Linear(5, 3), (4, 5)),
    ("linear_3d_input", lambda: nn.Linear(5, 3), lambda: torch.nn.Linear(5, 3), (2, 4, 5)),
    ("linear_no_bias", lambda: nn.Linear(5, 3, bias=False),
     lambda: torch.nn.Linear(5, 3, bias=False), (4, 5)),
    ("mlp", lambda: nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 8), nn.GELU(),
                                  nn.Linear(8, 2), nn.Sigmoid()),
     lambda: torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                 torch.nn.GELU(), torch.nn.Linear(8, 2), torch.nn.Sigmoid()),
     (7, 6)),
    ("leaky_softmax", lambda: nn.Sequential(nn.Linear(4, 5), nn.LeakyReLU(0.2), nn.Softmax(dim=1)),
     lambda: torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.LeakyReLU(0.2),
                                 torch.nn.Softmax(dim=1)), (3, 4)),
    ("log_softmax", lambda: nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.LogSoftmax(dim=-1)),
     lambda: torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(),
                                 torch.nn.LogSoftmax(dim=-1)), (3, 4)),
    # a Tanh in between: a Linear bias right before BatchNorm has gradient exactly 0
    # (the normalisation removes it), which would compare rounding noise with noise
    ("batchnorm_2d_input", lambda: nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.BatchNorm1d(6)),
     lambda: torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.BatchNorm1d(6)),
     (8, 4)),
    ("batchnorm_3d_input", lambda: nn.BatchNorm1d(3), lambda: torch.nn.BatchNorm1d(3), (4, 3, 5)),
    ("layernorm", lambda: nn.LayerNorm(6), lambda: torch.nn.LayerNorm(6), (2, 3, 6)),
    ("layernorm_2_axes", lambda: nn.LayerNorm((3, 6)), lambda: torch.nn.LayerNorm((3, 6)),
     (2, 3, 6)),
    ("smooth_activations", lambda: nn.Sequential(nn.Linear(4, 6), nn.SiLU(), nn.Linear(6, 6),
                                                  nn.ELU(0.5), nn.Linear(6, 3),
                                                  nn.Softplus(beta=2.0)),
     lambda: torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.SiLU(), torch.nn.Linear(6, 6),
                                 torch.nn.ELU(0.5), torch.nn.Linear(6, 3),
                                 torch.nn.Softplus(beta=2.0)), (5, 4)),
    ("adaptive_avg_pool", lambda: nn.Sequential(nn.Conv2d(2, 3, 3), nn.AdaptiveAvgPool2d((2, None)),
                                                nn.Flatten(), nn.Linear(24, 2)),
     lambda: torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3),
                                 torch.nn.AdaptiveAvgPool2d((2, None)), torch.nn.Flatten(),
                                 torch.nn.Linear(24, 2)), (2, 2, 7, 6)),
    ("flatten", lambda: nn.Sequential(nn.Flatten(), nn.Linear(12, 2)),
     lambda: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 2)), (5, 3, 4)),
]


@needs_torch
@pytest.mark.parametrize("name,make,make_torch,shape", MODULES, ids=[m[0] for m in MODULES])
def test_module_matches_torch(name, make, make_torch, shape):
    torch_model = make_torch()
    with torch.no_grad():  # give affine norms non-trivial weights
        for p in torch_model.parameters():
            p.add_(torch.randn(p.shape) * 0.1)
    model = make()
    copy_torch_weights(model, torch_model)
    x = RNG.standard_normal(shape).astype(np.float32)
    out_n, out_t, grad_n, grad_t = run_both(model, torch_model, x)
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grad_n, grad_t, rtol=1e-4, atol=1e-5)
    assert_params_match(model, torch_model)
    # buffers (BatchNorm running statistics) move the same way
    for key, value in torch_model.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[key], value.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=key)


@needs_torch
def test_batchnorm_eval_uses_running_statistics():
    torch_model, model = torch.nn.BatchNorm1d(4), nn.BatchNorm1d(4)
    for _ in range(3):
        x = RNG.standard_normal((16, 4)).astype(np.float32) * 3 + 1
        torch_model(torch.tensor(x))
        model(nnkit.tensor(x))
    torch_model.eval()
    model.eval()
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(model(nnkit.tensor(x)).data,
                               torch_model(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


@needs_torch
def test_embedding_matches_torch_with_repeated_indices():
    torch_model, model = torch.nn.Embedding(10, 4), nn.Embedding(10, 4)
    copy_torch_weights(model, torch_model)
    idx = np.array([[1, 2, 1], [9, 1, 0]])
    (torch_model(torch.tensor(idx)) ** 2).sum().backward()
    (model(idx) ** 2).sum().backward()
    np.testing.assert_allclose(model.weight.grad, torch_model.weight.grad.numpy(), rtol=1e-5)


LOSSES = [
    ("mse", lambda a, b: F.mse_loss(a, b), lambda a, b: torch.nn.functional.mse_loss(a, b),
     "float"),
    ("l1", lambda a, b: F.l1_loss(a, b, reduction="sum"),
     lambda a, b: torch.nn.functional.l1_loss(a, b, reduction="sum"), "float"),
    ("bce_logits", F.binary_cross_entropy_with_logits,
     lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(a, b), "binary"),
    ("bce_probs", lambda a, b: F.binary_cross_entropy(a.sigmoid(), b),
     lambda a, b: torch.nn.functional.binary_cross_entropy(a.sigmoid(), b), "binary"),
    ("cross_entropy", F.cross_entropy, lambda a, b: torch.nn.functional.cross_entropy(a, b),
     "class"),
    ("cross_entropy_sum_smoothing", lambda a, b: F.cross_entropy(a, b, reduction="sum", label_smoothing=0.1),
     lambda a, b: torch.nn.functional.cross_entropy(a, b, reduction="sum", label_smoothing=0.1),
     "class"),
    ("cross_entropy_none", lambda a, b: F.cross_entropy(a, b, reduction="none") * 1.0,
     lambda a, b: torch.nn.functional.cross_entropy(a, b, reduction="none"), "class"),
    ("nll", lambda a, b: F.nll_loss(F.log_softmax(a, dim=1), b),
     lambda a, b: torch.nn.functional.nll_loss(torch.log_softmax(a, dim=1), b), "class"),
]


@needs_torch
@pytest.mark.parametrize("name,loss,torch_loss,kind", LOSSES, ids=[x[0] for x in LOSSES])
def test_loss_matches_torch(name, loss, torch_loss, kind):
    logits = (RNG.standard_normal((6, 5)) * 4).astype(np.float32)
    if kind == "class":
        target = RNG.integers(0, 5, size=6)
        target_t = torch.tensor(target)
    elif kind == "binary":
        target = (RNG.random((6, 5)) > 0.5).astype(np.float32)
        target_t = torch.tensor(target)
    else:
        target = RNG.standard_normal((6, 5)).astype(np.float32)
        target_t = torch.tensor(target)
    xt = torch.tensor(logits, requires_grad=True)
    out_t = torch_loss(xt, target_t)
    (out_t * torch.arange(1, out_t.numel() + 1).reshape(out_t.shape)).sum().backward()
    xn = nnkit.tensor(logits, requires_grad=True)
    out_n = loss(xn, target)
    weights = np.arange(1, out_n.numel() + 1, dtype=np.float32).reshape(out_n.shape)
    (out_n * nnkit.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xn.grad, xt.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = nnkit.tensor([[1000.0, -1000.0, 0.0]], requires_grad=True)
    loss = F.cross_entropy(logits, np.array([1]))
    assert np.isclose(loss.item(), 2000.0)
    loss.backward()
    np.testing.assert_allclose(logits.grad, [[1.0, -1.0, 0.0]], atol=1e-6)


@pytest.mark.parametrize("name", ["linear", "bce", "layer_norm", "batchnorm", "dropout_eval"])
def test_gradcheck_float64_layers(name):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 5))
    if name == "linear":
        w, b = rng.standard_normal((3, 5)), rng.standard_normal(3)
        assert nnkit.gradcheck(lambda x, w, b: F.linear(x, w, b), x, w, b)
    elif name == "bce":
        y = (rng.random((4, 5)) > 0.5).astype(np.float64)
        assert nnkit.gradcheck(lambda x: F.binary_cross_entropy_with_logits(x, y), x)
    elif name == "layer_norm":
        w, b = rng.standard_normal(5), rng.standard_normal(5)
        assert nnkit.gradcheck(lambda x, w, b: F.layer_norm(x, (5,), w, b), x, w, b)
    elif name == "batchnorm":
        layer = nn.BatchNorm1d(5).double()  # a float32 layer would compute in float32
        assert nnkit.gradcheck(lambda x: layer(x), x)
    else:
        layer = nn.Dropout(0.5).eval()
        assert nnkit.gradcheck(lambda x: layer(x) * 2, x)


def test_new_activation_and_pooling_modules_read_and_check_like_torch():
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.Softplus(beta=2)) == "Softplus(beta=2, threshold=20.0)"
    assert nn.AdaptiveAvgPool2d(1)(nnkit.randn(3, 4, 7, 5)).shape == (3, 4, 1, 1)
    assert F.adaptive_avg_pool2d(nnkit.randn(1, 2, 6, 5), (None, 2)).shape == (1, 2, 6, 2)
    x = nnkit.tensor([-30.0, 0.0, 30.0])
    np.testing.assert_allclose(F.silu(x).data, [0.0, 0.0, 30.0], atol=1e-6)
    np.testing.assert_allclose(F.softplus(x).data, [0.0, np.log(2), 30.0], atol=1e-6)
    np.testing.assert_allclose(F.elu(x, alpha=2.0).data, [-2.0, 0.0, 30.0], atol=1e-6)
    with pytest.raises(ValueError, match=r"expected output_size to be an integer >= 1 or a pair "
                                         r"of them. Received output_size=\(0, 0\)"):
        nn.AdaptiveAvgPool2d(0)
    with pytest.raises(ValueError, match="expected beta > 0. Received beta=0"):
        nn.Softplus(beta=0)


# ---------------------------------------------------------------- initialisation

def test_default_init_matches_torch_distribution():
    nnkit.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.bias.data).max() <= bound
    # uniform(-b, b) has std b/sqrt(3)
    assert abs(layer.weight.data.std() - bound / np.sqrt(3)) < 0.02 * bound


@pytest.mark.parametrize("fn,expected_std", [
    (nn.init.xavier_normal_, np.sqrt(2 / (200 + 100))),
    (nn.init.xavier_uniform_, np.sqrt(6 / (200 + 100)) / np.sqrt(3)),
    (lambda t: nn.init.kaiming_normal_(t, nonlinearity="relu"), np.sqrt(2 / 200)),
    (lambda t: nn.init.kaiming_uniform_(t, nonlinearity="relu"), np.sqrt(2 / 200)),
    (lambda t: nn.init.normal_(t, 0, 0.3), 0.3),
])
def test_init_scales(fn, expected_std):
    nnkit.manual_seed(3)
    weight = nnkit.zeros(100, 200)
    fn(weight)
    assert abs(weight.data.std() - expected_std) < 0.03 * expected_std


def test_manual_seed_makes_models_reproducible():
    nnkit.manual_seed(7)
    a = nn.Linear(3, 3).weight.data.copy()
    nnkit.manual_seed(7)
    assert np.array_equal(a, nn.Linear(3, 3).weight.data)


# ---------------------------------------------------------------- Module mechanics

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(3, 4)
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 1)})
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = self.encoder(x)
        for block in self.blocks:
            x = block(x).relu()
        return self.heads["a"](self.drop(x))


def test_parameters_found_in_attributes_module_lists_and_dicts():
    names = [name for name, _ in Net().named_parameters()]
    assert names == ["encoder.weight", "encoder.bias", "blocks.0.weight", "blocks.0.bias",
                     "blocks.1.weight", "blocks.1.bias", "heads.a.weight", "heads.a.bias"]


def test_train_eval_switch_reaches_submodules():
    net = Net().eval()
    assert all(not m.training for m in net.modules())
    x = nnkit.randn(5, 3)
    assert np.array_equal(net(x).data, net(x).data)  # dropout off: deterministic
    net.train()
    assert net.drop.training


def test_state_dict_round_trip_and_zero_grad():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    x = nnkit.randn(2, 3)
    a.eval(), b.eval()
    assert np.array_equal(a(x).data, b(x).data)
    a(x).sum().backward()
    assert a.encoder.weight.grad is not None
    a.zero_grad()
    assert all(p.grad is None for p in a.parameters())


@needs_torch
def test_state_dict_loads_into_torch():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    torch_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(model(nnkit.tensor(x)).data,
                               torch_model(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_load_state_dict_strict_errors():
    model = nn.Sequential(nn.Linear(3, 4))
    with pytest.raises(KeyError, match=r"Missing: \['0.bias'\]. Unexpected: \['0.extra'\]"):
        model.load_state_dict({"0.weight": np.zeros((4, 3)), "0.extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"shape mismatch for '0.weight': the model has \(4, 3\)"):
        model.load_state_dict({"0.weight": np.zeros((3, 4)), "0.bias": np.zeros(4)})
    result = model.load_state_dict({"0.weight": np.ones((4, 3))}, strict=False)
    assert result["missing_keys"] == ["0.bias"] and np.all(model[0].weight.data == 1)


def test_repr_is_readable():
    text = repr(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
    assert text == ("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n"
                    "  (1): ReLU()\n)")


# ---------------------------------------------------------------- errors a learner can act on

def test_linear_wrong_number_of_features():
    with pytest.raises(ValueError, match=r"expected input with 784 features in its last "
                                         r"dimension. Received shape \(32, 100\)"):
        nn.Linear(784, 10)(nnkit.zeros(32, 100))


@pytest.mark.parametrize("args,message", [
    ((0, 3), "expected in_features to be a positive integer. Received in_features=0"),
    ((3, 2.5), "expected out_features to be a positive integer. Received out_features=2.5"),
])
def test_linear_bad_constructor_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        nn.Linear(*args)


def test_cross_entropy_label_errors():
    logits = nnkit.randn(4, 3)
    with pytest.raises(IndexError, match=r"class indices in \[0, 2\]. Received 3 at position 1"):
        F.cross_entropy(logits, np.array([0, 3, 1, 2]))
    with pytest.raises(ValueError, match=r"expected target of shape \(4,\).*Received shape \(4, 1\)"):
        F.cross_entropy(logits, np.zeros((4, 1), dtype=np.int64))
    with pytest.raises(TypeError, match="expected integer class indices as target. Received "
                                        "dtype float32"):
        F.cross_entropy(logits, np.zeros(4, dtype=np.float32))


def test_nan_in_loss_is_reported():
    with pytest.raises(FloatingPointError, match="learning rate is too high"):
        F.mse_loss(nnkit.tensor([np.nan, 1.0]), nnkit.tensor([0.0, 1.0]))
    with pytest.raises(FloatingPointError, match="not finite|nan"):
        F.cross_entropy(nnkit.tensor([[np.inf, 0.0]]), np.array([1]))


def test_loss_shape_mismatch_and_bad_reduction():
    with pytest.raises(ValueError, match=r"input \(4, 1\) and target \(4,\)"):
        F.mse_loss(nnkit.zeros(4, 1), nnkit.zeros(4))
    with pytest.raises(ValueError, match="Received reduction='avg'"):
        nn.MSELoss(reduction="avg")


def test_embedding_index_errors():
    layer = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match="index 5 is out of range for an embedding with 5 rows"):
        layer(np.array([0, 5]))
    with pytest.raises(TypeError, match="expected integer indices"):
        layer(np.array([0.5]))


def test_dropout_scales_and_zeroes():
    nnkit.manual_seed(0)
    out = F.dropout(nnkit.ones(10000), p=0.25).data
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.02


@needs_torch
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(max_norm):
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
    torch_model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    copy_torch_weights(model, torch_model)
    x = RNG.standard_normal((6, 4)).astype(np.float32)
    run_both(model, torch_model, x)
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    torch_norm = torch.nn.utils.clip_grad_norm_(torch_model.parameters(), max_norm)
    assert np.isclose(norm, torch_norm.item(), rtol=1e-5)
    assert_params_match(model, torch_model)
    with pytest.raises(ValueError, match="expected max_norm > 0"):
        nn.utils.clip_grad_norm_(model.parameters(), 0)
