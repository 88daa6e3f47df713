"""``Optimizer``: what every optimizer shares (chapter 07).

An optimizer holds the parameters to train, split into *parameter groups*
(each group a dict with its own ``lr`` and other settings), and a *state*
per parameter (momentum buffers, running averages). ``step()`` updates
every parameter that has a gradient; ``zero_grad()`` clears the gradients
before the next backward pass. Names and behaviour follow ``torch.optim``.
"""
import math
import numbers

import numpy as np

from nnkit.autograd import enable_grad
from nnkit.tensor import Tensor


def check_number(owner, name, value, minimum=None, maximum=None, open_maximum=False):
    """Raise a clear error unless `value` is a real number in [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: expected a number for {name}. Received: {name}={value!r}")
    if not math.isfinite(value):  # lr=inf or nan would turn every weight into nan
        raise ValueError(f"{owner}: expected a finite number for {name}. Received: "
                         f"{name}={value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{owner}: expected {name} >= {minimum}. Received: {name}={value!r}")
    if maximum is not None and (value > maximum or (open_maximum and value == maximum)):
        bound = f"< {maximum}" if open_maximum else f"<= {maximum}"
        raise ValueError(f"{owner}: expected {name} {bound}. Received: {name}={value!r}")


def flat(*arrays):
    """1-D views of `arrays`, which the kernels update in place.

    ``reshape(-1)`` is a view only for a C-contiguous array; for any other
    layout it silently copies, and an update of the copy would be lost.
    """
    flats = []
    for array in arrays:
        if not array.flags.c_contiguous:
            raise ValueError(f"expected a C-contiguous array. Received strides "
                             f"{array.strides} for shape {array.shape}")
        flats.append(array.ravel())
    return flats


class Optimizer:
    """Base class: subclasses pass ``defaults`` and define ``check_group`` and ``update``.

    Args:
        params: an iterable of Tensors, or of dicts (parameter groups) such as
            ``[{"params": model[0].parameters(), "lr": 0.1}, {"params": ...}]``;
            a setting missing from a group comes from the optimizer's arguments.
        defaults: the optimizer's settings (``lr`` and friends).
    """

    def __init__(self, params, defaults):
        if callable(getattr(params, "parameters", None)):  # optim.SGD(model, ...)
            raise TypeError(f"{type(self).__name__}: expected the model's parameters. Received "
                            f"the model itself ({type(params).__name__}): pass "
                            f"model.parameters()")
        if isinstance(params, (Tensor, dict)):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors "
                            f"or of dicts (parameter groups). Received: a single "
                            f"{type(params).__name__}; wrap it in a list")
        self.defaults = dict(defaults)
        self.state = {}  # parameter (by identity) -> dict of arrays and numbers
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a group of parameters (with its own settings) to train."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' key. "
                            f"Received: {group!r}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            where = f"parameter {i} of group {len(self.param_groups)}"
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: expected Tensors to optimize. Received "
                                f"{type(p).__name__} as {where}")
            if p.dtype.kind != "f":
                raise TypeError(f"{name}: expected floating-point parameters. Received dtype "
                                f"{p.dtype} as {where}")
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a computed (non-leaf) tensor "
                                 f"({where}); optimize the tensors it was computed from")
            if id(p) in seen:
                raise ValueError(f"{name}: {where} appears twice; each parameter may be "
                                 f"listed once")
            seen.add(id(p))
        group = {**self.defaults, **group, "params": params}
        self.check_group(group)
        self.param_groups.append(group)

    def check_group(self, group):
        """Validate a group's settings (subclasses add their own checks)."""
        check_number(type(self).__name__, "lr", group["lr"], minimum=0.0)

    # ------------------------------------------------------------ training

    def zero_grad(self, set_to_none=True):
        """Clear the gradients: ``None`` (the default, frees memory) or zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad[...] = 0

    def step(self, closure=None):
        """Update every parameter that has a gradient (those with ``grad=None`` are skipped).

        `closure`, if given, recomputes the loss (zero_grad, forward, backward)
        and its value is returned, as in PyTorch.
        """
        loss = None
        if closure is not None:
            with enable_grad():  # the closure runs backward, even if step() is in no_grad
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.shape != p.shape:
                    raise ValueError(f"{type(self).__name__}.step: a gradient of shape "
                                     f"{p.grad.shape} for a parameter of shape {p.shape}")
                self._update_in_place(p, group)
        return loss

    def _update_in_place(self, p, group):
        if not p.data.flags.writeable:
            raise ValueError(f"{type(self).__name__}.step: a parameter of shape {p.shape} is "
                             f"read-only (a broadcast view?); give it an array of its own")
        # the kernels want contiguous arrays of the parameter's dtype
        grad = np.ascontiguousarray(p.grad, dtype=p.dtype)
        state = self.state.setdefault(p, {})
        if p.data.flags.c_contiguous:
            self.update(p.data, grad, state, group)
        else:  # e.g. a transposed array: update a contiguous copy, then write it back
            data = np.ascontiguousarray(p.data)
            self.update(data, grad, state, group)
            p.data[...] = data

    def update(self, param, grad, state, group):
        """Change the contiguous array `param` in place, given `grad` and its `state` dict.

        `state` starts empty; the update fills it on its first call.
        """
        raise NotImplementedError

    # ------------------------------------------------------------ saving

    def state_dict(self):
        """A snapshot of settings and state, as plain NumPy arrays and numbers.

        As in PyTorch, parameters are referred to by their position (0, 1, ...
        counted across all groups), so the snapshot can be loaded into a new
        optimizer built over the same model. Arrays are copies.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            settings = {k: v for k, v in group.items() if k != "params"}
            settings["params"] = [index.setdefault(p, len(index)) for p in group["params"]]
            groups.append(settings)
        state = {index[p]: {k: _copy(v) for k, v in s.items()}
                 for p, s in self.state.items() if p in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore settings and state saved by :meth:`state_dict` (e.g. after ``nnkit.load``)."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{name}: expected a dict with keys 'state' and 'param_groups'. "
                             f"Received: {_describe(state_dict)}")
        saved_groups = state_dict["param_groups"]
        sizes = [len(g["params"]) for g in self.param_groups]
        saved_sizes = [len(g["params"]) for g in saved_groups]
        if sizes != saved_sizes:
            raise ValueError(f"{name}: the saved groups hold {saved_sizes} parameters, this "
                             f"optimizer's groups hold {sizes}")
        params = {}
        for group, saved in zip(self.param_groups, saved_groups):
            params.update(zip(saved["params"], group["params"]))
        new_state = {}
        for key, saved_state in state_dict["state"].items():
            if key not in params:
                raise ValueError(f"{name}: state for parameter {key!r}, which no group lists")
            new_state[params[key]] = _restore_state(name, key, saved_state, params[key])
        for group, saved in zip(self.param_groups, saved_groups):
            settings = {k: v for k, v in saved.items() if k != "params"}
            self.check_group({**settings, "params": group["params"]})
            group.update(settings)
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _describe(value):
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))}"
    return type(value).__name__


def _restore_state(name, key, saved_state, p):
    """Copy saved state arrays into fresh contiguous arrays shaped like parameter `p`."""
    state = {}
    for k, v in saved_state.items():
        if isinstance(v, np.ndarray) and v.shape != p.shape:
            raise ValueError(f"{name}: state {k!r} of parameter {key} has shape {v.shape}, "
                             f"the parameter has shape {p.shape}")
        state[k] = np.array(v, dtype=p.dtype, order="C") if isinstance(v, np.ndarray) else v
    return state
