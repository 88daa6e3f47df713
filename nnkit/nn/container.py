"""Containers of modules: Sequential, ModuleList, ModuleDict (chapter 03).

A Module finds its sub-modules among its attributes, and, as in PyTorch, a
plain Python list or dict of Modules is not one of them. These containers
are Modules themselves, so what they hold is registered: its parameters
reach ``parameters()`` and the optimizer, and its state-dict keys are
PyTorch's (``layers.0.weight``, ``heads.policy.bias``).
"""
from nnkit.nn.module import Module


def _check_module(module, container, where):
    if not isinstance(module, Module):
        raise TypeError(f"{container}: expected Modules. Received {type(module).__name__} "
                        f"at {where}")
    return module


class ModuleList(Module):
    """A list of Modules, registered as children named "0", "1", ... as in PyTorch.

    Args:
        modules: an iterable of Modules (optional).

    Example::

        >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        >>> [name for name, _ in layers.named_parameters()][:2]
        ['0.weight', '0.bias']
        >>> for layer in layers:
        ...     x = layer(x).relu()
    """

    def __init__(self, modules=()):
        super().__init__()
        self.extend(modules)

    def _items(self):
        # children "0", "1", ... in insertion order: one pass, no lookups by name
        return [value for name, value in vars(self).items() if name.isdigit()]

    def __len__(self):
        return sum(1 for name in vars(self) if name.isdigit())

    def __iter__(self):
        return iter(self._items())

    def __getitem__(self, index):
        items = self._items()
        return ModuleList(items[index]) if isinstance(index, slice) else items[index]

    def __setitem__(self, index, module):
        position = range(len(self))[index]  # negative indices and bounds as in a list
        setattr(self, str(position), _check_module(module, type(self).__name__,
                                                   f"index {index}"))

    def append(self, module):
        """Add `module` at the end; returns self."""
        setattr(self, str(len(self)), _check_module(module, type(self).__name__,
                                                    f"position {len(self)}"))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(): it only holds "
                                  f"modules. Call them in your own forward, e.g. `for layer in "
                                  f"self.layers: x = layer(x)`, or use nn.Sequential")


class Sequential(ModuleList):
    """Modules applied one after another; children are named "0", "1", ... as in PyTorch.

    Example::

        >>> model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
        >>> model(nnkit.zeros(8, 2)).shape
        (8, 1)
    """

    def __init__(self, *modules):
        super().__init__(modules)

    def __getitem__(self, index):
        items = self._items()
        return Sequential(*items[index]) if isinstance(index, slice) else items[index]

    def forward(self, x):
        for module in self:
            x = module(x)
        return x


class ModuleDict(Module):
    """A dict of Modules, registered as children under their keys, as in PyTorch.

    Args:
        modules: a dict (or iterable of pairs) of name -> Module (optional).

    Example::

        >>> heads = nn.ModuleDict({"age": nn.Linear(8, 1), "kind": nn.Linear(8, 3)})
        >>> list(heads.state_dict())
        ['age.weight', 'age.bias', 'kind.weight', 'kind.bias']
    """

    def __init__(self, modules=None):
        super().__init__()
        self._keys = []
        self.update(modules or {})

    def __setitem__(self, key, module):
        if not isinstance(key, str) or key in ("training", "_buffers", "_keys"):
            raise KeyError(f"ModuleDict: expected string keys other than 'training', "
                           f"'_buffers' and '_keys'. Received {key!r}")
        if key not in self._keys:
            self._keys.append(key)
        setattr(self, key, _check_module(module, "ModuleDict", f"key {key!r}"))

    def __getitem__(self, key):
        if key not in self._keys:
            raise KeyError(f"ModuleDict: no module named {key!r}. It holds: {self._keys}")
        return getattr(self, key)

    def __delitem__(self, key):
        self[key]  # the KeyError above if missing
        self._keys.remove(key)
        delattr(self, key)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(list(self._keys))

    def __contains__(self, key):
        return key in self._keys

    def keys(self):
        return list(self._keys)

    def values(self):
        return [self[key] for key in self._keys]

    def items(self):
        return [(key, self[key]) for key in self._keys]

    def update(self, modules):
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module

    def named_children(self):
        return iter(self.items())  # in insertion order, even if a key was set again

    def forward(self, *inputs):
        raise NotImplementedError("ModuleDict has no forward(): it only holds modules. Call "
                                  "them in your own forward, e.g. `self.heads[name](x)`")
