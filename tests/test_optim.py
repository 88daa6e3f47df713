"""nnkit.optim against torch.optim: the same weights after the same steps, every option."""
import numpy as np
import pytest

import nnkit
from nnkit import optim
from nnkit.kernels import KERNELS
from nnkit.serialization import load, save


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def problem():
    """A small regression problem and the initial weights of a 3-8-2 tanh MLP."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    weights = [0.5 * rng.standard_normal((3, 8)), 0.1 * rng.standard_normal(8),
               0.5 * rng.standard_normal((8, 2)), 0.1 * rng.standard_normal(2)]
    return X, y, weights


def mlp_loss(params, X, y):
    # the same expression works on nnkit and torch tensors
    W1, b1, W2, b2 = params
    return (((X @ W1 + b1).tanh() @ W2 + b2 - y) ** 2).mean()


def train(module, make_tensor, name, options, steps=20, dtype=np.float32, groups=None):
    """Final weights after `steps` steps of optimizer `name` from `module` (nnkit or torch)."""
    X, y, weights = problem()
    X, y = make_tensor(X.astype(dtype)), make_tensor(y.astype(dtype))
    params = [make_tensor(w.astype(dtype), requires_grad=True) for w in weights]
    target = groups(params) if groups else params
    optimizer = getattr(module, name)(target, **options)
    for _ in range(steps):
        optimizer.zero_grad()
        mlp_loss(params, X, y).backward()
        optimizer.step()
    return [p.detach().numpy().copy() for p in params]


def nnkit_tensor(array, requires_grad=False):
    return nnkit.tensor(array, requires_grad=requires_grad, dtype=array.dtype)


def compare_with_torch(torch, name, options, dtype=np.float32, groups=None, rtol=1e-5):
    ours = train(optim, nnkit_tensor, name, options, dtype=dtype, groups=groups)
    theirs = train(torch.optim, torch.tensor, name, options, dtype=dtype, groups=groups)
    moved = max(np.abs(a - w).max() for a, w in zip(ours, problem()[2]))
    assert moved > 1e-3, f"{name}{options}: the weights hardly moved ({moved})"
    for a, b in zip(ours, theirs):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol / 10)


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"weight_decay": 0.1, "eps": 1e-4}),
    ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1, "eps": 1e-6}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"weight_decay": 0.1}),
    ("Adagrad", {"initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.1, "eps": 1e-3, "lr_decay": 0.01, "weight_decay": 0.01,
                     "initial_accumulator_value": 0.1}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99)}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "eps": 1e-4}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "betas": (0.5, 0.9), "weight_decay": 0.5}),
]


@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_matches_torch(torch, name, options):
    compare_with_torch(torch, name, options)


@pytest.mark.parametrize("name, options", [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("RMSprop", {"centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
])
def test_matches_torch_in_float64(torch, name, options):
    # no float32 rounding to hide behind: the update rules must be the same
    compare_with_torch(torch, name, options, dtype=np.float64, rtol=1e-10)


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adagrad", "Adam", "AdamW"])
def test_param_groups_match_torch(torch, name):
    def groups(params):  # the first layer with its own settings, the second with defaults
        return [{"params": params[:2], "lr": 0.02, "weight_decay": 0.1},
                {"params": params[2:]}]
    compare_with_torch(torch, name, {"lr": 0.05}, groups=groups)


# ---------------------------------------------------------------- in-place updates

def quadratic_step(optimizer_class, param, grad, steps=3, **options):
    optimizer = optimizer_class([param], **options)
    for _ in range(steps):
        param.grad = grad
        optimizer.step()
    return param


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adagrad", "Adam", "AdamW"])
def test_non_contiguous_parameters_and_grads_are_updated_in_place(name):
    rng = np.random.default_rng(1)
    values, grad = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    options = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    expected = quadratic_step(getattr(optim, name), nnkit.tensor(values, requires_grad=True),
                              grad.astype(np.float32), **options)
    # a transposed (Fortran-ordered) parameter, and a transposed gradient
    param = nnkit.Tensor(np.asfortranarray(values.astype(np.float32)), requires_grad=True)
    array = param.data
    assert not array.flags.c_contiguous
    quadratic_step(getattr(optim, name), param, np.asfortranarray(grad), **options)
    assert param.data is array, "step() must update the parameter's own array"
    np.testing.assert_array_equal(param.data, expected.data)


def test_step_updates_the_same_array_and_skips_params_without_grad():
    a = nnkit.tensor([1.0, 2.0], requires_grad=True)
    b = nnkit.tensor([[3.0, 4.0]], requires_grad=True)
    array_a = a.data
    optimizer = optim.Adam([a, b], lr=0.1)
    a.grad = np.array([1.0, -1.0], dtype=np.float32)
    optimizer.step()
    assert a.data is array_a
    np.testing.assert_allclose(a.data, [0.9, 2.1], rtol=1e-6)  # Adam's first step: lr * sign
    np.testing.assert_array_equal(b.data, [[3.0, 4.0]])
    assert b not in optimizer.state


def test_zero_grad():
    p = nnkit.tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    grad = p.grad
    optimizer.zero_grad(set_to_none=False)
    assert p.grad is grad and not p.grad.any()
    (p * p).sum().backward()
    np.testing.assert_array_equal(p.grad, [2.0, 4.0])
    optimizer.zero_grad()
    assert p.grad is None


def test_closure_is_called_and_its_loss_returned():
    p = nnkit.tensor([3.0], requires_grad=True)
    optimizer = optim.SGD([p], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with nnkit.no_grad():  # step() turns recording back on for the closure, as PyTorch does
        loss = optimizer.step(closure)
    assert loss.item() == 9.0
    assert p.data[0] == 3.0 - 0.25 * 6.0


def test_scheduler_sets_the_lr_the_optimizer_uses():
    p = nnkit.tensor([0.0], requires_grad=True)
    optimizer = optim.SGD([p], lr=1.0)
    scheduler = optim.StepLR(optimizer, step_size=1, gamma=0.5)
    moves = []
    for _ in range(3):
        before = p.data[0]
        p.grad = np.array([1.0], dtype=np.float32)
        optimizer.step()
        scheduler.step()
        moves.append(before - p.data[0])
    assert moves == [1.0, 0.5, 0.25]


# ---------------------------------------------------------------- kernels

def random_state(rng, size, dtype):
    return [rng.standard_normal(size).astype(dtype) for _ in range(2)] + \
           [rng.random(size).astype(dtype) for _ in range(3)]


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_rmsprop_kernel_matches_reference(centered, momentum):
    fast, reference = KERNELS["rmsprop_update"]
    rng = np.random.default_rng(2)
    arrays = random_state(rng, 257, np.float64)
    arrays[2] += 1.0  # square_avg >= grad_avg ** 2, as it is in training
    ours, theirs = [a.copy() for a in arrays], [a.copy() for a in arrays]
    fast(*ours, 0.01, 0.9, 1e-8, 0.1, momentum, centered)
    reference(*theirs, 0.01, 0.9, 1e-8, 0.1, momentum, centered)
    assert not np.array_equal(ours[0], arrays[0])
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_adagrad_kernel_matches_reference():
    fast, reference = KERNELS["adagrad_update"]
    rng = np.random.default_rng(3)
    arrays = random_state(rng, 257, np.float64)[:3]
    ours, theirs = [a.copy() for a in arrays], [a.copy() for a in arrays]
    fast(*ours, 0.1, 1e-10, 0.01)
    reference(*theirs, 0.1, 1e-10, 0.01)
    assert not np.array_equal(ours[0], arrays[0])
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("momentum, dampening, nesterov, first_step", [
    (0.0, 0.0, False, False), (0.9, 0.0, False, True), (0.9, 0.3, False, False),
    (0.9, 0.0, True, False)])
def test_sgd_kernel_matches_reference(momentum, dampening, nesterov, first_step):
    fast, reference = KERNELS["sgd_update"]
    arrays = random_state(np.random.default_rng(4), 257, np.float64)[:3]
    ours, theirs = [a.copy() for a in arrays], [a.copy() for a in arrays]
    fast(*ours, 0.1, momentum, dampening, 0.01, nesterov, first_step)
    reference(*theirs, 0.1, momentum, dampening, 0.01, nesterov, first_step)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_kernel_matches_reference(decoupled):
    fast, reference = KERNELS["adam_update"]
    arrays = random_state(np.random.default_rng(5), 257, np.float64)[:4]
    ours, theirs = [a.copy() for a in arrays], [a.copy() for a in arrays]
    fast(*ours, 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled, 3)
    reference(*theirs, 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled, 3)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# ---------------------------------------------------------------- state dicts

STATEFUL = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adam", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
]


def steps(optimizer, params, count):
    X, y, _ = problem()
    X, y = nnkit.tensor(X), nnkit.tensor(y)
    for _ in range(count):
        optimizer.zero_grad()
        mlp_loss(params, X, y).backward()
        optimizer.step()


@pytest.mark.parametrize("name, options", STATEFUL, ids=[n for n, _ in STATEFUL])
def test_state_dict_round_trip_through_a_file_continues_identically(tmp_path, name, options):
    params = [nnkit.tensor(w, requires_grad=True) for w in problem()[2]]
    optimizer = getattr(optim, name)(params, **options)
    steps(optimizer, params, 5)
    save(optimizer.state_dict(), tmp_path / "optimizer.npz")

    copies = [nnkit.tensor(p.data, requires_grad=True) for p in params]
    # built with other settings: load_state_dict must restore the saved ones
    resumed = getattr(optim, name)(copies, lr=0.5)
    resumed.load_state_dict(load(tmp_path / "optimizer.npz"))
    assert resumed.param_groups[0]["lr"] == options["lr"]
    steps(optimizer, params, 5)
    steps(resumed, copies, 5)
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_layout_is_pytorchs_and_a_snapshot():
    params = [nnkit.tensor(w, requires_grad=True) for w in problem()[2]]
    optimizer = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.1}])
    steps(optimizer, params, 2)
    state = optimizer.state_dict()
    assert [g["params"] for g in state["param_groups"]] == [[0, 1], [2, 3]]
    assert [g["lr"] for g in state["param_groups"]] == [0.001, 0.1]
    assert state["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sorted(state["state"]) == [0, 1, 2, 3]
    assert state["state"][2]["step"] == 2
    assert state["state"][2]["exp_avg"].shape == params[2].shape
    saved = state["state"][0]["exp_avg"].copy()
    steps(optimizer, params, 1)
    np.testing.assert_array_equal(state["state"][0]["exp_avg"], saved)


def test_load_state_dict_rejects_a_different_layout():
    params = [nnkit.tensor(w, requires_grad=True) for w in problem()[2]]
    saved = optim.SGD(params, lr=0.1).state_dict()
    with pytest.raises(ValueError, match=r"saved groups hold \[4\] parameters, this "
                                         r"optimizer's groups hold \[2\]"):
        optim.SGD(params[:2], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="expected a dict with keys 'state' and"):
        optim.SGD(params, lr=0.1).load_state_dict({"state": {}})
    momentum = optim.SGD(params, lr=0.1, momentum=0.9)
    steps(momentum, params, 1)
    saved = momentum.state_dict()
    saved["state"][0]["momentum_buffer"] = np.zeros(5)
    with pytest.raises(ValueError, match=r"state 'momentum_buffer' of parameter 0 has shape "
                                         r"\(5,\), the parameter has shape \(3, 8\)"):
        optim.SGD(params, lr=0.1, momentum=0.9).load_state_dict(saved)


# ---------------------------------------------------------------- bad arguments

def p():
    return nnkit.tensor([1.0, 2.0], requires_grad=True)


@pytest.mark.parametrize("make, error, message", [
    (lambda: optim.SGD([p()], lr=-0.1), ValueError, r"SGD: expected lr >= 0.0. Received: lr=-0.1"),
    (lambda: optim.SGD([p()], lr="fast"), TypeError, (r"expected a number for lr. Received: "
                                                      r"lr='fast'")),
    (lambda: optim.SGD([p()], lr=float("nan")), ValueError,
     r"expected a finite number for lr. Received: lr=nan"),
    (lambda: optim.SGD([p()], lr=0.1, momentum=-0.5), ValueError, r"Received: momentum=-0.5"),
    (lambda: optim.SGD([p()], lr=0.1, weight_decay=-1), ValueError, r"weight_decay=-1"),
    (lambda: optim.SGD([p()], lr=0.1, nesterov=True), ValueError,
     r"nesterov=True requires momentum > 0 and dampening = 0. Received: momentum=0.0"),
    (lambda: optim.SGD([p()], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     r"dampening=0.1"),
    (lambda: optim.RMSprop([p()], alpha=-0.1), ValueError, r"RMSprop: expected alpha >= 0.0"),
    (lambda: optim.RMSprop([p()], eps=-1e-8), ValueError, r"Received: eps=-1e-08"),
    (lambda: optim.Adagrad([p()], lr_decay=-1), ValueError, r"Adagrad: .*lr_decay=-1"),
    (lambda: optim.Adagrad([p()], initial_accumulator_value=-1), ValueError,
     r"initial_accumulator_value >= 0.0"),
    (lambda: optim.Adam([p()], betas=(1.0, 0.999)), ValueError,
     r"Adam: expected betas\[0\] < 1.0. Received: betas\[0\]=1.0"),
    (lambda: optim.AdamW([p()], betas=(0.9, -0.1)), ValueError, r"AdamW: .*betas\[1\]=-0.1"),
    (lambda: optim.Adam([p()], betas=0.9), TypeError, r"expected betas to be a pair"),
    (lambda: optim.Adam([p()], weight_decay=-0.1), ValueError, r"weight_decay >= 0.0"),
    (lambda: optim.SGD([], lr=0.1), ValueError, r"SGD: got an empty parameter list"),
    (lambda: optim.SGD(p(), lr=0.1), TypeError, r"a single Tensor; wrap it in a list"),
    (lambda: optim.SGD([np.zeros(3)], lr=0.1), TypeError,
     r"expected Tensors to optimize. Received ndarray as parameter 0 of group 0"),
    (lambda: optim.SGD([nnkit.tensor([1, 2])], lr=0.1), TypeError,
     r"expected floating-point parameters. Received dtype int64"),
    (lambda: optim.SGD([p() * 2], lr=0.1), ValueError, r"can't optimize a computed"),
    (lambda: optim.SGD([{"params": [p()], "lr": -1}], lr=0.1), ValueError, r"Received: lr=-1"),
    (lambda: optim.SGD([{"lr": 0.1}], lr=0.1), TypeError, r"must be a dict with a 'params' key"),
])
def test_bad_arguments_are_named_in_the_error(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_a_parameter_listed_twice_is_refused():
    q = p()
    with pytest.raises(ValueError, match="parameter 0 of group 1 appears twice"):
        optim.SGD([{"params": [q]}, {"params": [q]}], lr=0.1)


def test_step_refuses_a_gradient_of_the_wrong_shape_and_read_only_params():
    q = p()
    optimizer = optim.SGD([q], lr=0.1)
    q.grad = np.ones(3, dtype=np.float32)
    with pytest.raises(ValueError, match=r"gradient of shape \(3,\) for a parameter of shape"):
        optimizer.step()
    frozen = nnkit.Tensor(np.broadcast_to(np.float32(1.0), (2,)), requires_grad=True)
    frozen.grad = np.ones(2, dtype=np.float32)
    with pytest.raises(ValueError, match="read-only"):
        optim.SGD([frozen], lr=0.1).step()


def test_repr_lists_the_groups():
    text = repr(optim.SGD([p()], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    momentum: 0.9" in text


# ---------------------------------------------------------------- schedulers

SCHEDULERS = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("StepLR", {"step_size": 1}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
]


def lr_sequence(module, make_tensor, name, options, epochs):
    params = [make_tensor(np.zeros(2, dtype=np.float32), requires_grad=True) for _ in range(2)]
    optimizer = module.SGD([{"params": params[:1], "lr": 0.1}, {"params": params[1:]}],
                           lr=0.02)
    scheduler = getattr(module.lr_scheduler, name)(optimizer, **options)
    lrs = [scheduler.get_last_lr()]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        assert [g["lr"] for g in optimizer.param_groups] == lrs[-1]
    return np.array(lrs)


@pytest.mark.parametrize("name, options", SCHEDULERS, ids=[n for n, _ in SCHEDULERS])
def test_scheduler_lrs_match_torch(torch, name, options):
    epochs = 2 * options.get("T_max", 12) + 3  # cosine: past T_max, where it climbs again
    ours = lr_sequence(optim, nnkit_tensor, name, options, epochs)
    theirs = lr_sequence(torch.optim, torch.tensor, name, options, epochs)
    assert len(np.unique(ours[:, 0])) > 2, "the schedule should change the lr"
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-15)


def test_schedulers_are_importable_from_optim_and_resume_from_state_dict():
    assert optim.StepLR is optim.lr_scheduler.StepLR
    assert optim.CosineAnnealingLR is optim.lr_scheduler.CosineAnnealingLR
    optimizer = optim.SGD([p()], lr=1.0)
    scheduler = optim.CosineAnnealingLR(optimizer, T_max=10)
    for _ in range(4):
        scheduler.step()
    saved = scheduler.state_dict()
    again = optim.CosineAnnealingLR(optim.SGD([p()], lr=1.0), T_max=10)
    again.load_state_dict(saved)
    scheduler.step()
    again.step()
    assert again.get_last_lr() == scheduler.get_last_lr() != [1.0]


@pytest.mark.parametrize("make, message", [
    (lambda o: optim.StepLR(o, step_size=0), (r"StepLR: expected a positive integer. "
                                             r"Received: step_size=0")),
    (lambda o: optim.StepLR(o, step_size=2.5), r"step_size=2.5"),
    (lambda o: optim.ExponentialLR(o, gamma=-0.5), r"ExponentialLR: expected gamma >= 0.0"),
    (lambda o: optim.CosineAnnealingLR(o, T_max=0), r"Received: T_max=0"),
    (lambda o: optim.CosineAnnealingLR(o, T_max=5, eta_min=-1), r"Received: eta_min=-1"),
    (lambda o: optim.StepLR("sgd", step_size=1), (r"expected an nnkit optimizer. Received: "
                                                 r"optimizer=str")),
])
def test_scheduler_bad_arguments(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make(optim.SGD([p()], lr=0.1))
