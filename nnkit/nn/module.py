"""``Module`` and ``Parameter``: how layers hold their weights (chapter 03).

A Module is a plain Python object. Its parameters are found by walking its
attributes: a :class:`Parameter` or a sub-Module. Names are the attribute
paths (``"0.weight"``, ``"encoder.bias"``), the same as PyTorch's, so a state
dict moves between the two frameworks.

As in PyTorch, a plain list, tuple or dict of Modules is *not* walked: its
parameters would be missing from ``parameters()`` and ``state_dict()``. Use
:class:`~nnkit.nn.ModuleList` or :class:`~nnkit.nn.ModuleDict`; assigning a
plain container of Modules warns.
"""
import warnings
from collections import OrderedDict
from collections.abc import Mapping

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


class RemovableHandle:
    """What ``register_forward_hook`` returns: ``handle.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks):
        self.hooks, self.id = hooks, RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


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
        hooks = self.__dict__.get("_hooks")
        if hooks:  # forward hooks, as in PyTorch: only when some are registered
            return self._call_with_hooks(hooks, inputs, options)
        return self._forward(inputs, options)

    def _call_with_hooks(self, hooks, inputs, options):
        for hook, kind in list(hooks.values()):
            if kind == "pre":
                replaced = hook(self, inputs)
                if replaced is not None:
                    inputs = replaced if isinstance(replaced, tuple) else (replaced,)
            elif kind == "pre_kwargs":
                replaced = hook(self, inputs, options)
                if replaced is not None:
                    inputs, options = replaced
        output = self._forward(inputs, options)
        for hook, kind in list(hooks.values()):
            if kind == "post":
                replaced = hook(self, inputs, output)
                if replaced is not None:
                    output = replaced
        return output

    def register_forward_hook(self, hook):
        """Call ``hook(module, inputs, output)`` after every forward pass (PyTorch's API).

        A hook that returns something other than None replaces the output. Returns a handle
        whose ``remove()`` takes the hook away again. Widgets use hooks to look inside a model
        (the attention maps of chapter 12, the gates of chapter 11) without changing it.
        """
        return self._add_hook(hook, "post")

    def register_forward_pre_hook(self, hook, with_kwargs=False):
        """Call ``hook(module, inputs)`` before every forward pass (PyTorch's API).

        It may return new inputs (a tuple, or one value). With ``with_kwargs=True`` it is
        called as ``hook(module, inputs, kwargs)`` and may return ``(inputs, kwargs)``.
        """
        return self._add_hook(hook, "pre_kwargs" if with_kwargs else "pre")

    def _add_hook(self, hook, kind):
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}: expected a hook function. Received "
                            f"{type(hook).__name__}")
        hooks = self.__dict__.setdefault("_hooks", OrderedDict())
        handle = RemovableHandle(hooks)
        hooks[handle.id] = (hook, kind)
        return handle

    def _forward(self, inputs, options):
        try:
            return self.forward(*inputs, **options)
        except (AttributeError, TypeError) as error:
            # a None or a Python list deep inside a layer fails with a NumPy or attribute
            # error; name the real cause, at the outermost model called with it
            if not inputs or not (inputs[0] is None or isinstance(inputs[0], (list, tuple))):
                raise
            received = "None" if inputs[0] is None else f"a Python {type(inputs[0]).__name__}"
            raise TypeError(
                f"{type(self).__name__}: expected a Tensor (or a NumPy array) as input. "
                f"Received {received}. Wrap data with nnkit.tensor(...); if the value comes "
                f"from a function, check that it returns something") from error

    def __setattr__(self, name, value):
        if isinstance(value, (list, tuple, dict)) and _holds_modules(value):
            container = "nn.ModuleDict" if isinstance(value, dict) else "nn.ModuleList"
            warnings.warn(
                f"{type(self).__name__}.{name}: a plain {type(value).__name__} of Modules is "
                f"not registered (as in PyTorch): parameters(), state_dict(), train()/eval() "
                f"and the optimizer will not see the Modules inside. Expected {container}"
                f"(...). Received a {type(value).__name__}", UserWarning, stacklevel=2)
        object.__setattr__(self, name, value)

    def register_buffer(self, name, array):
        """Keep `array` (e.g. BatchNorm's running mean) in ``state_dict`` under `name`."""
        self._buffers[name] = np.asarray(array)

    def add_module(self, name, module):
        """Register `module` as the child `name` (the same as ``setattr(self, name, module)``)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module: expected a Module. Received "
                            f"{type(module).__name__} for {name!r}")
        setattr(self, str(name), module)

    # ------------------------------------------------------------ walking

    def named_children(self):
        """Direct sub-modules, by attribute name, in the order they were set."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def children(self):
        """Direct sub-modules (an iterator, as in PyTorch)."""
        return (module for _, module in self.named_children())

    def named_modules(self, prefix="", remove_duplicate=True):
        """(name, module) for this module ("") and every sub-module, depth first.

        A module reached by two paths is listed once, unless ``remove_duplicate=False``.
        """
        seen = set()

        def walk(module, name):
            if remove_duplicate and id(module) in seen:
                return
            seen.add(id(module))
            yield name, module
            for child_name, child in module.named_children():
                yield from walk(child, f"{name}.{child_name}" if name else child_name)
        yield from walk(self, prefix)

    def modules(self):
        """This module and every sub-module (an iterator, as in PyTorch)."""
        return (module for _, module in self.named_modules())

    def named_buffers(self, prefix=""):
        """(name, array) of every buffer (e.g. ``"0.running_mean"``), as in ``state_dict``."""
        for module_name, module in self.named_modules(prefix):
            for name, buffer in module._buffers.items():
                yield (f"{module_name}.{name}" if module_name else name), buffer

    def buffers(self):
        return (buffer for _, buffer in self.named_buffers())

    def apply(self, fn):
        """Call ``fn(module)`` on every sub-module, then on this one; return self.

        The usual use is custom initialisation::

            def init_weights(m):
                if isinstance(m, nn.Linear):
                    nn.init.zeros_(m.bias)
            model.apply(init_weights)
        """
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}.apply: expected a function of one module. "
                            f"Received {type(fn).__name__}")
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

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
        """Every Parameter, for the optimizer: ``optim.SGD(model.parameters(), lr=0.1)``."""
        return [param for _, param in self.named_parameters()]

    def num_parameters(self):
        """How many numbers this model learns."""
        return sum(p.numel() for p in self.parameters())

    # ------------------------------------------------------------ state

    def state_dict(self):
        """Every parameter and buffer by name, as NumPy arrays (copies)."""
        state = OrderedDict()
        for module_name, module in self.named_modules(remove_duplicate=False):
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
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of arrays by name, as "
                            f"state_dict() or nnkit.load(path) returns. Received "
                            f"{type(state_dict).__name__}")
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
        for module_name, module in self.named_modules(remove_duplicate=False):
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

    # ------------------------------------------------------------ dtype

    def to(self, dtype):
        """Convert every floating parameter and buffer to `dtype`, in place; returns self.

        ``model.to(np.float64)`` (or ``model.double()``) computes in float64, for
        gradient checks. nnkit runs on the CPU only: ``model.to("cpu")`` does
        nothing, as in PyTorch; another device raises.
        """
        if isinstance(dtype, str) and dtype == "cpu":
            return self
        try:
            floating = np.dtype(dtype).kind == "f"
        except TypeError:
            floating = False
        if not floating:
            raise TypeError(f"{type(self).__name__}.to: expected a floating dtype (np.float32, "
                            f"np.float64) or 'cpu' (nnkit has no GPU). Received {dtype!r}")
        dtype = np.dtype(dtype)
        for module in self.modules():
            for _, param in module._own_parameters():
                param.data, param.grad = param.data.astype(dtype), None
            for name, buffer in module._buffers.items():
                if buffer.dtype.kind == "f":
                    module._buffers[name] = buffer.astype(dtype)
        return self

    def double(self):
        """Parameters and buffers to float64 (``to(np.float64)``)."""
        return self.to(np.float64)

    def float(self):
        """Parameters and buffers to float32, nnkit's default."""
        return self.to(np.float32)

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


def _holds_modules(container):
    items = container.values() if isinstance(container, dict) else container
    return any(isinstance(item, Module) for item in items)


def match_dtype(x, dtype):
    """A layer computes in its parameters' dtype (float32 unless ``model.double()``).

    An input of another dtype (float64 NumPy data, integers) is cast to it,
    differentiably, so a float32 model always returns float32. PyTorch raises
    instead ("mat1 and mat2 must have the same dtype"); nnkit casts, by this
    one rule, because course data often arrives as float64 NumPy arrays.
    """
    if isinstance(x, Tensor):
        return x if x.dtype == dtype else x.astype(dtype)
    if isinstance(x, np.ndarray):
        return Tensor(x, dtype=dtype)
    return x  # anything else: the layer's own checks name it
