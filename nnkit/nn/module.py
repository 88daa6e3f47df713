"""``Module`` and ``Parameter``: how layers hold their weights (chapter 03).

A Module is a plain Python object. Its parameters are found by walking its
attributes: a :class:`Parameter`, a sub-Module, or a list/tuple/dict of
Modules. Names are the attribute paths (``"0.weight"``, ``"encoder.bias"``),
the same as PyTorch's, so a state dict moves between the two frameworks.
"""
from collections import OrderedDict

import numpy as np

from nnkit.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a Module learns: it requires grad and ``parameters()`` finds it."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad,
                         dtype=getattr(data, "dtype", None))

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of every layer and model.

    Subclasses set their parameters and sub-modules as attributes in
    ``__init__`` (after calling ``super().__init__()``) and define
    ``forward``. Calling the module calls ``forward``.
    """

    def __init__(self):
        self.training = True
        self._buffers = OrderedDict()  # state that is saved but not learned

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *inputs, **options):
        return self.forward(*inputs, **options)

    def register_buffer(self, name, array):
        """Keep `array` (e.g. BatchNorm's running mean) in ``state_dict`` under `name`."""
        self._buffers[name] = np.asarray(array)

    # ------------------------------------------------------------ walking

    def named_children(self):
        """Direct sub-modules, by attribute name (lists and dicts get ``.0``, ``.key``)."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item
            elif isinstance(value, dict) and name != "_buffers":
                for key, item in value.items():
                    if isinstance(item, Module):
                        yield f"{name}.{key}", item

    def children(self):
        return [module for _, module in self.named_children()]

    def named_modules(self, prefix=""):
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return [module for _, module in self.named_modules()]

    def _own_parameters(self):
        return [(name, value) for name, value in vars(self).items() if isinstance(value, Parameter)]

    def named_parameters(self, prefix=""):
        """(name, Parameter) pairs of this module and all sub-modules; shared ones once."""
        seen = set()
        for module_name, module in self.named_modules(prefix):
            for name, param in module._own_parameters():
                if id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self):
        return [param for _, param in self.named_parameters()]

    def num_parameters(self):
        """How many numbers this model learns."""
        return sum(p.size for p in self.parameters())

    # ------------------------------------------------------------ state

    def state_dict(self):
        """Every parameter and buffer by name, as NumPy arrays (copies)."""
        state = OrderedDict()
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            for name, param in module._own_parameters():
                state[prefix + name] = param.data.copy()
            for name, buffer in module._buffers.items():
                state[prefix + name] = np.array(buffer, copy=True)
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from `state_dict` (arrays, Tensors or torch tensors) into this model.

        With ``strict`` every key must match; shapes must always match.
        """
        own = self._state_targets()
        given = {k: np.asarray(v.data if isinstance(v, Tensor) else v) for k, v in state_dict.items()}
        missing = [k for k in own if k not in given]
        unexpected = [k for k in given if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: keys do not match {type(self).__name__}. "
                           f"Missing: {missing or 'none'}. Unexpected: {unexpected or 'none'}")
        for key, (module, name) in own.items():
            if key not in given:
                continue
            target = getattr(module, name).data if name not in module._buffers \
                else module._buffers[name]
            if given[key].shape != target.shape:
                raise ValueError(f"load_state_dict: shape mismatch for {key!r}: the model has "
                                 f"{target.shape}, the state dict has {given[key].shape}")
            target[...] = given[key]
        return {"missing_keys": missing, "unexpected_keys": unexpected}

    def _state_targets(self):
        targets = OrderedDict()
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            for name in [n for n, _ in module._own_parameters()] + list(module._buffers):
                targets[prefix + name] = (module, name)
        return targets

    # ------------------------------------------------------------ modes

    def train(self, mode=True):
        """Training mode: Dropout drops, BatchNorm uses batch statistics."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Evaluation mode: Dropout off, BatchNorm uses its running statistics."""
        return self.train(False)

    def zero_grad(self):
        for param in self.parameters():
            param.grad = None

    # ------------------------------------------------------------ printing

    def extra_repr(self):
        return ""

    def __repr__(self):
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"
