"""Module containers and walkers behave as PyTorch's (ModuleList, ModuleDict, apply, ...)."""
import warnings

import numpy as np
import pytest

import nnkit
from nnkit import nn

try:
    import torch
except ImportError:  # only the comparisons with PyTorch skip; everything else runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="compares with PyTorch, not installed")


class Tower(nn.Module):
    def __init__(self, lib):
        super().__init__()
        self.stem = lib.Linear(3, 4)
        self.layers = lib.ModuleList([lib.Linear(4, 4), lib.BatchNorm1d(4)])
        self.heads = lib.ModuleDict({"b": lib.Linear(4, 1), "a": lib.Linear(4, 2)})


class TorchTower(torch.nn.Module if torch else object):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Linear(3, 4)
        self.layers = torch.nn.ModuleList([torch.nn.Linear(4, 4), torch.nn.BatchNorm1d(4)])
        self.heads = torch.nn.ModuleDict({"b": torch.nn.Linear(4, 1), "a": torch.nn.Linear(4, 2)})


@needs_torch
def test_container_state_dict_keys_and_walkers_match_torch():
    ours, theirs = Tower(nn), TorchTower()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    ours.load_state_dict(theirs.state_dict())  # torch tensors load by name
    np.testing.assert_array_equal(ours.heads["a"].weight.data,
                                  theirs.heads["a"].weight.detach().numpy())


def test_module_list_behaves_as_a_list():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    layers.append(nn.Linear(2, 1))
    assert len(layers) == 3 and isinstance(layers[-1], nn.Linear)
    assert [type(m).__name__ for m in layers] == ["Linear", "ReLU", "Linear"]
    assert len(layers[:2]) == 2 and isinstance(layers[:2], nn.ModuleList)
    layers[1] = nn.Tanh()
    assert isinstance(layers[1], nn.Tanh)
    assert [n for n, _ in layers.named_parameters()] == ["0.weight", "0.bias", "2.weight",
                                                         "2.bias"]
    with pytest.raises(TypeError, match="ModuleList: expected Modules. Received int at position 3"):
        layers.append(3)
    with pytest.raises(NotImplementedError, match="only holds modules"):
        layers(nnkit.zeros(1, 2))


def test_module_dict_behaves_as_a_dict():
    heads = nn.ModuleDict({"x": nn.Linear(2, 1)})
    heads["y"] = nn.Linear(2, 3)
    assert list(heads) == ["x", "y"] and "y" in heads and len(heads) == 2
    assert [k for k, _ in heads.items()] == ["x", "y"]
    del heads["x"]
    assert list(heads.state_dict()) == ["y.weight", "y.bias"]
    with pytest.raises(KeyError, match=r"no module named 'z'. It holds: \['y'\]"):
        heads["z"]
    with pytest.raises(KeyError, match="expected string keys other than 'training'"):
        heads["training"] = nn.ReLU()


@pytest.mark.parametrize("container,expected", [(list, "nn.ModuleList"), (tuple, "nn.ModuleList"),
                                                (dict, "nn.ModuleDict")])
def test_plain_container_of_modules_warns_and_is_not_registered_as_in_torch(container, expected):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            layers = [nn.Linear(2, 2), nn.Linear(2, 2)]
            self.hidden = dict(enumerate(layers)) if container is dict else container(layers)

    with pytest.warns(UserWarning, match=rf"Net.hidden: a plain {container.__name__} of Modules "
                                         rf"is not registered .* Expected {expected}"):
        net = Net()
    assert net.parameters() == [] and list(net.state_dict()) == []


def test_plain_lists_of_other_things_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = nn.Linear(2, 2)
        layer.history = [1.0, 2.0]
        layer.names = {"a": "b"}


def test_apply_visits_children_first_then_self():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Tanh(), nn.Linear(3, 1)))
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["Linear", "Tanh", "Linear", "Sequential", "Sequential"]

    def zero_biases(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)
    model.apply(zero_biases)
    assert all(np.all(m.bias.data == 0) for m in model.modules() if isinstance(m, nn.Linear))
    with pytest.raises(TypeError, match="expected a function of one module. Received int"):
        model.apply(3)


def test_walkers_list_shared_modules_once_and_buffers_by_name():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.BatchNorm1d(2), shared)
    assert len(list(model.modules())) == 3  # Sequential, Linear, BatchNorm1d
    assert [n for n, _ in model.named_buffers()] == ["1.running_mean", "1.running_var",
                                                     "1.num_batches_tracked"]
    assert len(list(model.buffers())) == 3
    assert [n for n, _ in model.named_children()] == ["0", "1", "2"]
    assert list(model.state_dict())[:2] == ["0.weight", "0.bias"]  # every path, as torch
    assert "2.weight" in model.state_dict()


# ---------------------------------------------------------------- input a learner gets wrong

@pytest.mark.parametrize("bad,received", [(None, "None"), ([[1.0, 2.0]], "a Python list")])
def test_model_called_with_none_or_a_list_names_the_cause(bad, received):
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    with pytest.raises(TypeError, match=rf"Sequential: expected a Tensor \(or a NumPy array\) as "
                                        rf"input. Received {received}. Wrap data with "
                                        rf"nnkit.tensor"):
        model(bad)


def test_load_state_dict_none_says_what_it_expects():
    with pytest.raises(TypeError, match="expected a dict of arrays by name, as state_dict.. or "
                                        "nnkit.load.path. returns. Received NoneType"):
        nn.Linear(2, 2).load_state_dict(None)


# ---------------------------------------------------------------- BatchNorm and dtypes

@pytest.mark.parametrize("layer,shape", [(nn.BatchNorm1d(4), (1, 4)),
                                         (nn.BatchNorm1d(4), (1, 4, 1)),
                                         (nn.BatchNorm2d(3), (1, 3, 1, 1))])
def test_batchnorm_with_one_value_per_channel_raises_torchs_error(layer, shape):
    shape_text = str(shape).replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(ValueError, match=rf"Expected more than 1 value per channel when training, "
                                         rf"got input size {shape_text}. .* call model.eval"):
        layer.train()(nnkit.zeros(*shape))
    assert layer.eval()(nnkit.ones(*shape)).shape == shape  # running statistics: fine


@needs_torch
def test_batchnorm_error_text_is_torchs():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        torch.nn.BatchNorm1d(4)(torch.zeros(1, 4))


LAYERS = {  # a float32 layer and an input for it
    "linear": (lambda: nn.Linear(3, 2), (4, 3)),
    "conv": (lambda: nn.Conv2d(1, 2, 3), (2, 1, 5, 5)),
    "lstm": (lambda: nn.LSTM(3, 2), (5, 2, 3)),
    "batchnorm": (lambda: nn.BatchNorm1d(3), (4, 3)),
    "layernorm": (lambda: nn.LayerNorm(3), (4, 3)),
    "attention": (lambda: nn.TransformerBlock(4, 2), (2, 3, 4)),
    "mlp": (lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)), (4, 3)),
}


@pytest.mark.parametrize("make,shape", LAYERS.values(), ids=list(LAYERS))
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_float64_or_integer_input_never_turns_a_float32_model_float64(make, shape, dtype):
    layer = make()
    data = np.arange(np.prod(shape)).reshape(shape) % 5
    for x in (data.astype(dtype), nnkit.tensor(data.astype(dtype), dtype=dtype)):
        out = layer(x)
        out = out[0] if isinstance(out, tuple) else out
        assert out.dtype == np.float32
    reference = layer(nnkit.tensor(data.astype(np.float32)))
    reference = reference[0] if isinstance(reference, tuple) else reference
    np.testing.assert_allclose(out.data, reference.data, rtol=1e-6)


def test_float64_input_gets_its_gradient_through_the_cast():
    layer = nn.Linear(3, 2)
    x = nnkit.tensor(np.ones((2, 3)), dtype=np.float64, requires_grad=True)
    layer(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.tile(layer.weight.data.sum(axis=0), (2, 1)), rtol=1e-6)


def test_double_computes_in_float64_and_to_names_what_it_accepts():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model[1]._buffers["running_mean"].dtype == np.float64
    assert model(np.ones((2, 3))).dtype == np.float64
    assert model.float()(np.ones((2, 3))).dtype == np.float32
    assert model.to("cpu") is model
    with pytest.raises(TypeError, match=r"expected a floating dtype .* or 'cpu' \(nnkit has no "
                                        r"GPU\). Received 'cuda'"):
        model.to("cuda")
