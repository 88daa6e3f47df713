"""Cross-entropy with PyTorch's options: weight, ignore_index, (N, C, d1, ...) logits."""
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

RNG = np.random.default_rng(5)
C = 5
CASES = {  # logits shape, target shape, options
    "weight_mean": ((6, C), (6,), {"weight": RNG.random(C).astype(np.float32) + 0.1}),
    "weight_sum": ((6, C), (6,), {"weight": RNG.random(C).astype(np.float32), "reduction": "sum"}),
    "ignore_mean": ((8, C), (8,), {"ignore_index": 2}),
    "ignore_none": ((8, C), (8,), {"ignore_index": -100, "reduction": "none"}),
    "weight_ignore_smoothing": ((8, C), (8,), {"weight": RNG.random(C).astype(np.float32) + 0.1,
                                               "ignore_index": 1, "label_smoothing": 0.2}),
    "sequence_NCT": ((3, C, 7), (3, 7), {}),
    "sequence_NCT_ignore_none": ((3, C, 7), (3, 7), {"ignore_index": 0, "reduction": "none"}),
    "image_NCHW_weight": ((2, C, 3, 4), (2, 3, 4), {"weight": RNG.random(C).astype(np.float32)}),
    "probabilities": ((6, C), "soft", {}),
    "probabilities_weight_smoothing": ((6, C), "soft", {"weight": RNG.random(C).astype(np.float32),
                                                        "label_smoothing": 0.1}),
}


def make_target(shape, logits_shape, options):
    if shape == "soft":
        p = RNG.random(logits_shape).astype(np.float32)
        return p / p.sum(axis=1, keepdims=True)
    target = RNG.integers(0, C, size=shape)
    if options.get("ignore_index", -100) == -100 and "ignore_index" in options:
        target.flat[::3] = -100  # the default ignore value, as padding would be
    return target


@needs_torch
@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_cross_entropy_matches_torch_forward_and_backward(case):
    logits_shape, target_shape, options = case
    logits = (RNG.standard_normal(logits_shape) * 3).astype(np.float32)
    target = make_target(target_shape, logits_shape, options)
    torch_options = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                     for k, v in options.items()}
    xn, xt = nnkit.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    out_n = F.cross_entropy(xn, target, **options)
    out_t = torch.nn.functional.cross_entropy(xt, torch.tensor(target), **torch_options)
    module = nn.CrossEntropyLoss(**options)(nnkit.tensor(logits), target)
    weights = RNG.standard_normal(out_n.shape).astype(np.float32)
    (out_n * nnkit.tensor(weights)).sum().backward()
    (out_t * torch.from_numpy(weights)).sum().backward()
    np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(module.data, out_n.data, rtol=1e-6)
    np.testing.assert_allclose(xn.grad, xt.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_weighted_mean_divides_by_the_targets_weights():
    logits = nnkit.tensor(np.zeros((3, 2), np.float32))  # every loss is log 2
    loss = F.cross_entropy(logits, np.array([0, 1, 1]), weight=np.array([1.0, 3.0]))
    # (1 + 3 + 3) log 2 / (1 + 3 + 3): still log 2, not 7/3 log 2
    assert np.isclose(loss.item(), np.log(2))
    ignored = F.cross_entropy(logits, np.array([0, -100, -100]), reduction="sum")
    assert np.isclose(ignored.item(), np.log(2))


def test_cross_entropy_gradcheck_with_weight_ignore_and_positions():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((2, 4, 3))
    target = np.array([[0, 3, -100], [2, 2, 1]])
    weight = np.array([0.5, 1.0, 2.0, 1.5])
    assert nnkit.gradcheck(lambda x: F.cross_entropy(x, target, weight=weight,
                                                     label_smoothing=0.1), logits)


def test_swapped_arguments_are_named():
    logits, labels = nnkit.randn(4, 3), np.array([0, 2, 1, 1])
    with pytest.raises(TypeError, match=r"expected float logits \(N, C\) as the first argument. "
                                        r"Received dtype int64, shape \(4,\). .* swapped"):
        F.cross_entropy(labels, logits)
    with pytest.raises(ValueError, match=r"read as class probabilities, expected in \[0, 1\] with "
                                         r"rows summing to 1. Received .* swapped"):
        F.cross_entropy(logits, nnkit.randn(4, 3))


def test_empty_batch_is_named_not_blamed_on_the_learning_rate():
    with pytest.raises(ValueError, match=r"expected a batch with at least one sample. Received "
                                         r"an empty batch, input shape \(0, 3\)"):
        F.cross_entropy(nnkit.zeros(0, 3), np.zeros(0, np.int64))
    with pytest.raises(ValueError, match=r"mse_loss: expected a batch with at least one sample. "
                                         r"Received an empty batch"):
        F.mse_loss(nnkit.zeros(0, 1), nnkit.zeros(0, 1))
    with pytest.raises(ValueError, match="every target equals ignore_index=-100"):
        F.cross_entropy(nnkit.zeros(2, 3), np.array([-100, -100]))


def test_shape_and_weight_errors():
    with pytest.raises(ValueError, match=r"expected target of shape \(2, 7\) for logits "
                                         r"\(2, 5, 7\) .* Received shape \(2, 6\)"):
        F.cross_entropy(nnkit.randn(2, 5, 7), np.zeros((2, 6), np.int64))
    with pytest.raises(ValueError, match=r"expected weight of shape \(3,\), one per class. "
                                         r"Received shape \(2,\)"):
        F.cross_entropy(nnkit.randn(2, 3), np.array([0, 1]), weight=np.ones(2))
    with pytest.raises(TypeError, match="pass reduction='sum' by name"):
        nn.CrossEntropyLoss("sum")
    with pytest.raises(IndexError, match=r"class indices in \[0, 2\]. Received -1 at position 0"):
        F.cross_entropy(nnkit.randn(2, 3), np.array([-1, 1]))
