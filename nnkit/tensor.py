"""``Tensor``: a NumPy array that remembers how it was made (chapter 06).

A Tensor holds its values in ``.data`` (a NumPy array, float32 unless you
ask otherwise) and, after ``backward()``, the gradient of the loss with
respect to itself in ``.grad``. Every operator below is one line that hands
the work to a :class:`~nnkit.autograd.Function` in ``nnkit/ops``.
"""
from collections import namedtuple

import numpy as np

from nnkit import autograd
from nnkit.random import generator

DEFAULT_DTYPE = np.float32

# what x.max(dim=1) and x.min(dim=1) return, as torch.return_types.max/min do
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _dim(op, dim, axis, keepdim, keepdims):
    """PyTorch's dim/keepdim, with NumPy's axis/keepdims accepted as aliases (as torch does)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}(): expected dim or axis (two names for the same thing). "
                            f"Received both: dim={dim!r}, axis={axis!r}")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return (tuple(dim) if isinstance(dim, list) else dim), bool(keepdim)


def _as_array(data, dtype=None):
    """An ndarray from `data`; floats become float32 unless `dtype` says otherwise."""
    if isinstance(data, Tensor):
        data = data.data
    array = np.asarray(data, dtype=dtype)
    if dtype is None and array.dtype.kind == "f" and array.dtype != DEFAULT_DTYPE:
        array = array.astype(DEFAULT_DTYPE)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"tensor: expected numbers (float, int or bool). Received dtype "
                        f"{array.dtype} from {type(data).__name__}")
    return array


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    Args:
        data: numbers, nested lists, a NumPy array or another Tensor.
        requires_grad: record operations on this tensor so that
            ``backward()`` can fill in ``.grad``. Only floating-point tensors
            can require gradients.
        dtype: a NumPy dtype; floats default to float32.

    Example::

        >>> x = nnkit.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        array([2., 4., 6.], dtype=float32)
    """

    __slots__ = ("__weakref__", "_requires_grad", "_retains_grad", "data", "grad", "grad_fn")
    __array_priority__ = 100  # ndarray + Tensor -> Tensor.__radd__, not an object array

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _as_array(data, dtype)
        self.grad = None
        self.grad_fn = None  # an autograd.Node (function, ctx, inputs) for computed tensors
        self._retains_grad = False
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _make(cls, array):
        """Wrap an op's result without the checks of __init__ (hot path)."""
        out = object.__new__(Tensor)
        out.data = array if isinstance(array, np.ndarray) else np.asarray(array)
        out.grad = None
        out.grad_fn = None
        out._retains_grad = False
        out._requires_grad = False
        return out

    # ------------------------------------------------------------ properties

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients. Received "
                            f"dtype {self.data.dtype}; convert first, e.g. x.float()")
        self._requires_grad = bool(value)

    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    is_leaf = property(lambda self: self.grad_fn is None)
    T = property(lambda self: self.transpose())

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", prefix="tensor(")
        extras = ""
        if self.data.dtype != DEFAULT_DTYPE:
            extras += f", dtype={self.data.dtype}"
        if self.grad_fn is not None:
            extras += f", grad_fn={self.grad_fn.function.__name__}"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"tensor({body}{extras})"

    # ------------------------------------------------------------ conversions

    def numpy(self):
        """The values as a NumPy array (shares memory; no gradient flows through it)."""
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item(): only a tensor with one element can be converted to "
                             f"a Python number. Received shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def numel(self):
        """The number of elements (``x.numel()`` in torch, ``x.size`` in NumPy)."""
        return self.data.size

    def size(self, dim=None):
        """The shape, as torch's ``x.size()``; ``x.size(0)`` is one dim's length.

        NOTE: a method, as in torch, not NumPy's element count: use ``numel()`` for that.
        """
        return self.shape if dim is None else self.shape[dim]

    # Python's number protocols, as in torch: only a one-element tensor is a number
    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                               f"(shape {self.shape}). Reduce it first: (x > 0).any() or "
                               f"(x > 0).all().")
        return bool(self.data.reshape(()))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):  # range(t), lst[t]: integer tensors of one element only
        if self.data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors of a single element can be converted to an "
                            f"index. Received dtype {self.data.dtype}")
        return int(self.item())

    def __format__(self, spec):  # f"{loss:.4f}"
        if self.data.size == 1:
            return format(self.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} for a tensor of shape "
                            f"{self.shape}: only one-element tensors take a number format")
        return repr(self)

    def __array__(self, dtype=None, copy=None):  # np.asarray(t), plt.plot(t)
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __array_function__(self, func, types, args, kwargs):
        # np.mean(t), np.concatenate([t, u]): NumPy works on the values and returns arrays
        # (never object arrays of tensors); no gradient flows through NumPy
        return func(*_unwrap(args), **_unwrap(kwargs))

    def detach(self):
        """The same values, cut off from the graph."""
        return Tensor._make(self.data)

    # CPU only: the device habits of torch code are accepted where they mean "stay here"
    def cpu(self):
        return self

    def contiguous(self):
        return self  # nnkit's arrays need no layout change before view/reshape

    def to(self, target):
        """``x.to(np.float64)`` converts the dtype; ``x.to("cpu")`` is ``x`` (CPU only)."""
        if isinstance(target, str):
            if target != "cpu":
                raise ValueError(f"to(): nnkit runs on the CPU only. Received device "
                                 f"{target!r}; move the model to PyTorch for GPUs (chapter 13)")
            return self
        return self.astype(target)

    def astype(self, dtype):
        return ops.Cast.apply(self, dtype=np.dtype(dtype))

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    # integer and boolean results carry no gradient (as in torch): they leave the graph
    def long(self):
        return Tensor._make(self.data.astype(np.int64))

    def int(self):
        return Tensor._make(self.data.astype(np.int32))

    def bool(self):
        return Tensor._make(self.data.astype(bool))

    def clone(self):
        """A copy of the values that stays in the graph (gradients flow back unchanged)."""
        return ops.Clone.apply(self)

    def requires_grad_(self, requires_grad=True):
        """Switch gradient recording on (or off) for this leaf, in place; returns the tensor."""
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        """Keep ``.grad`` on this computed tensor too (leaves always keep theirs)."""
        self._retains_grad = True
        return self

    def zero_(self):
        self.data[...] = 0
        return self

    # ------------------------------------------------------------ autograd

    def backward(self, grad=None, retain_graph=False):
        """Fill ``.grad`` of every leaf this tensor was computed from.

        Gradients add up: call ``zero_grad()`` (or set ``.grad = None``)
        between steps, as in PyTorch.
        """
        if not self.requires_grad and self.data.dtype.kind != "f":
            raise RuntimeError(f"backward(): this tensor has dtype {self.data.dtype}, and "
                               f"integer and boolean results (.long(), argmax, comparisons) "
                               f"carry no gradient. Compute the loss from floating-point "
                               f"tensors (e.g. drop the .long(), or use .float()).")
        if not self.requires_grad:
            raise RuntimeError("backward(): this tensor does not require grad, so no graph "
                               "was recorded. Create the inputs with requires_grad=True "
                               "(and not inside nnkit.no_grad()).")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): a gradient can only be created implicitly for a scalar "
                    f"output, but this tensor has shape {self.shape}. Reduce it first "
                    f"(e.g. loss.mean()) or pass grad= an array of shape {self.shape}.")
            grad = np.ones_like(self.data)
        else:
            grad = np.array(_as_array(grad, dtype=self.dtype))  # a copy: the caller keeps theirs
            if grad.shape != self.shape:
                raise ValueError(f"backward(): grad has shape {grad.shape} but the tensor has "
                                 f"shape {self.shape}")
        autograd.backward(self, grad, retain_graph=retain_graph)

    # ------------------------------------------------------------ arithmetic

    def _lift(self, other):
        """Python numbers and arrays join an operation with this tensor's dtype."""
        if isinstance(other, Tensor):
            return other
        array = np.asarray(other)
        if self.data.dtype.kind != "f" and array.dtype.kind == "f":
            # an integer tensor times 0.5 must not truncate 0.5 to 0: floats win
            return Tensor._make(array.astype(DEFAULT_DTYPE))
        return Tensor._make(array.astype(self.data.dtype, copy=False))

    def __add__(self, other):       # self + other
        return ops.Add.apply(self, self._lift(other))

    def __radd__(self, other):      # other + self
        return ops.Add.apply(self._lift(other), self)

    def __sub__(self, other):       # self - other
        return ops.Sub.apply(self, self._lift(other))

    def __rsub__(self, other):      # other - self
        return ops.Sub.apply(self._lift(other), self)

    def __mul__(self, other):       # self * other
        return ops.Mul.apply(self, self._lift(other))

    def __rmul__(self, other):      # other * self
        return ops.Mul.apply(self._lift(other), self)

    def __truediv__(self, other):   # self / other
        return ops.Div.apply(self, self._lift(other))

    def __rtruediv__(self, other):  # other / self
        return ops.Div.apply(self._lift(other), self)

    def __pow__(self, other):       # self ** other
        return ops.Pow.apply(self, self._lift(other))

    def __rpow__(self, other):      # other ** self
        return ops.Pow.apply(self._lift(other), self)

    def __matmul__(self, other):    # self @ other
        return ops.MatMul.apply(self, self._lift(other))

    def __rmatmul__(self, other):   # other @ self
        return ops.MatMul.apply(self._lift(other), self)

    # in-place updates change .data itself; like PyTorch they are for weight
    # updates under no_grad, where no graph is recorded
    def _in_place(self, other, update):
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError("in-place update of a tensor that requires grad: the graph "
                               "would lose the old values. Wrap the update in `with "
                               "nnkit.no_grad():` (e.g. `w -= lr * w.grad`), or write "
                               "`w = w - ...` to make a new tensor.")
        update(self.data, _data(other), out=self.data, casting="same_kind")
        return self

    def __iadd__(self, other):      # self += other
        return self._in_place(other, np.add)

    def __isub__(self, other):      # self -= other
        return self._in_place(other, np.subtract)

    def __imul__(self, other):      # self *= other
        return self._in_place(other, np.multiply)

    def __itruediv__(self, other):  # self /= other
        return self._in_place(other, np.true_divide)

    def __neg__(self):              # -self
        return ops.Neg.apply(self)

    def __getitem__(self, index):   # self[index]
        return ops.GetItem.apply(self, index=_index_arrays(index))

    # comparisons give boolean tensors and carry no gradient, as in torch:
    # (y_hat.argmax(dim=1) == y).float().mean() is the accuracy
    def __eq__(self, other):
        return Tensor._make(np.equal(self.data, _data(other)))

    def __ne__(self, other):
        return Tensor._make(np.not_equal(self.data, _data(other)))

    def __lt__(self, other):
        return Tensor._make(self.data < _data(other))

    def __le__(self, other):
        return Tensor._make(self.data <= _data(other))

    def __gt__(self, other):
        return Tensor._make(self.data > _data(other))

    def __ge__(self, other):
        return Tensor._make(self.data >= _data(other))

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    # defining __eq__ would make tensors unhashable: like torch's, they hash by identity,
    # so they still live in sets and dicts (but `t in list_of_tensors` compares values)
    __hash__ = object.__hash__

    def any(self):
        return Tensor._make(self.data.any())

    def all(self):
        return Tensor._make(self.data.all())

    # ------------------------------------------------------------ math

    def exp(self):
        return ops.Exp.apply(self)

    def log(self):
        return ops.Log.apply(self)

    def sqrt(self):
        return ops.Sqrt.apply(self)

    def abs(self):
        return ops.Abs.apply(self)

    def clip(self, min=None, max=None):
        return ops.Clip.apply(self, low=min, high=max)

    clamp = clip

    def relu(self):
        return ops.ReLU.apply(self)

    def sigmoid(self):
        return ops.Sigmoid.apply(self)

    def tanh(self):
        return ops.Tanh.apply(self)

    # ------------------------------------------------------------ reductions
    # PyTorch's dim/keepdim; NumPy's axis/keepdims work too, everywhere

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _dim("sum", dim, axis, keepdim, keepdims)
        return ops.Sum.apply(self, axis=dim, keepdims=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _dim("mean", dim, axis, keepdim, keepdims)
        return ops.Mean.apply(self, axis=dim, keepdims=keepdim)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The largest values only (no indices); ``dim`` may be a tuple."""
        dim, keepdim = _dim("amax", dim, axis, keepdim, keepdims)
        return ops.Max.apply(self, axis=dim, keepdims=keepdim)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _dim("amin", dim, axis, keepdim, keepdims)
        return ops.Min.apply(self, axis=dim, keepdims=keepdim)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """``x.max()``: the largest value. ``x.max(dim=1)``: ``(values, indices)`` along dim 1."""
        return self._extreme("max", dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """``x.min()``: the smallest value. ``x.min(dim=1)``: ``(values, indices)``."""
        return self._extreme("min", dim, keepdim, axis, keepdims)

    def _extreme(self, name, dim, keepdim, axis, keepdims):
        dim, keepdim = _dim(name, dim, axis, keepdim, keepdims)
        op, arg = (ops.Max, np.argmax) if name == "max" else (ops.Min, np.argmin)
        if dim is None:
            return op.apply(self, axis=None, keepdims=False)
        if isinstance(dim, tuple):
            raise TypeError(f"{name}(dim=...): expected one dim, as torch, since it also returns "
                            f"indices. Received dim={dim!r}; for values only use a{name}(dim=...)")
        indices = arg(self.data, axis=dim)
        if keepdim:
            indices = np.expand_dims(indices, dim)
        return ValuesIndices(op.apply(self, axis=dim, keepdims=keepdim), Tensor._make(indices))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _dim("argmax", dim, axis, keepdim, keepdims)
        return Tensor._make(np.argmax(self.data, axis=dim, keepdims=keepdim))

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _dim("argmin", dim, axis, keepdim, keepdims)
        return Tensor._make(np.argmin(self.data, axis=dim, keepdims=keepdim))

    def var(self, dim=None, *, correction=None, unbiased=None, keepdim=False, axis=None,
            keepdims=None):
        r"""Variance $\frac{1}{n - c}\sum (x - \bar x)^2$, unbiased by default as in torch.

        ``correction=1`` (the default, Bessel's correction) divides by $n - 1$;
        ``unbiased=False`` or ``correction=0`` by $n$, the population variance
        that normalisation layers use.
        """
        dim, keepdim = _dim("var", dim, axis, keepdim, keepdims)
        if correction is None:
            correction = 0 if unbiased is False else 1
        elif unbiased is not None:
            raise TypeError("var(): expected correction or unbiased, not both. "
                            f"Received correction={correction!r}, unbiased={unbiased!r}")
        centred = self - self.mean(dim, keepdim=True)
        dims = range(self.ndim) if dim is None else dim if isinstance(dim, tuple) else (dim,)
        count = int(np.prod([self.shape[d] for d in dims]))  # values in each reduction
        with np.errstate(divide="ignore", invalid="ignore"):  # n <= correction: inf/nan, as torch
            return (centred * centred).sum(dim, keepdim=keepdim) / max(count - correction, 0)

    def std(self, dim=None, *, correction=None, unbiased=None, keepdim=False, axis=None,
            keepdims=None):
        """Standard deviation: the square root of :meth:`var` (unbiased by default)."""
        return self.var(dim, correction=correction, unbiased=unbiased, keepdim=keepdim,
                        axis=axis, keepdims=keepdims).sqrt()

    # ------------------------------------------------------------ shapes

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dims ``start_dim`` to ``end_dim`` (both included) into one, as torch."""
        start, end = (d % max(self.ndim, 1) for d in (start_dim, end_dim))
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def permute(self, *dims):
        """Reorder all dims: ``x.permute(0, 2, 1)`` (or one tuple), as torch."""
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        if sorted(d % self.ndim for d in dims) != list(range(self.ndim)):
            raise ValueError(f"permute(): expected an order of all {self.ndim} dims. "
                             f"Received dims={dims}")
        return ops.Transpose.apply(self, axes=tuple(d % self.ndim for d in dims))

    def transpose(self, *axes):
        """No axes: reverse them (``.T``). Two axes ``transpose(0, 1)``: swap them, as in
        PyTorch. One tuple ``transpose((2, 0, 1))``: a full permutation, as in NumPy."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        elif len(axes) == 2:
            order = list(range(self.ndim))
            order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]
            axes = tuple(order)
        return ops.Transpose.apply(self, axes=axes or None)

    def unsqueeze(self, axis):
        shape = list(self.shape)
        shape.insert(axis if axis >= 0 else len(shape) + axis + 1, 1)
        return self.reshape(tuple(shape))

    def squeeze(self, axis=None):
        squeezed = np.squeeze(self.data, axis=axis).shape
        return self.reshape(squeezed)


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _unwrap(value):
    """Tensors inside (nested) lists, tuples and dicts replaced by their arrays."""
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _index_arrays(index):
    """Tensors used as indices become arrays (they select; they carry no gradient)."""
    if isinstance(index, tuple):
        return tuple(_data(i) for i in index)
    return _data(index)


# ---------------------------------------------------------------- constructors

def tensor(data, requires_grad=False, dtype=None):
    """A new Tensor from numbers, lists or arrays (a copy; floats become float32)."""
    array = _as_array(data, dtype)
    return Tensor(array.copy() if array is _data(data) else array, requires_grad, array.dtype)


def _shape(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) \
        else tuple(shape)


def zeros(*shape, requires_grad=False, dtype=DEFAULT_DTYPE):
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad, dtype)


def ones(*shape, requires_grad=False, dtype=DEFAULT_DTYPE):
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad, dtype)


def zeros_like(t, requires_grad=False):
    """Zeros with the shape and dtype of `t`."""
    array = np.zeros_like(_data(t))
    return Tensor(array, requires_grad, array.dtype)


def ones_like(t, requires_grad=False):
    """Ones with the shape and dtype of `t`."""
    array = np.ones_like(_data(t))
    return Tensor(array, requires_grad, array.dtype)


def full(shape, value, requires_grad=False, dtype=DEFAULT_DTYPE):
    return Tensor(np.full(_shape((shape,)), value, dtype=dtype), requires_grad, dtype)


def randn(*shape, requires_grad=False, dtype=DEFAULT_DTYPE):
    """Standard normal samples from nnkit's generator (seed it with nnkit.manual_seed)."""
    return Tensor(generator().standard_normal(_shape(shape)).astype(dtype), requires_grad,
                  dtype)


def rand(*shape, requires_grad=False, dtype=DEFAULT_DTYPE):
    """Uniform samples in [0, 1) from nnkit's generator."""
    return Tensor(generator().random(_shape(shape)).astype(dtype), requires_grad, dtype)


def arange(start, stop=None, step=1, dtype=None):
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return Tensor(values, dtype=dtype)


def cat(tensors, dim=0, *, axis=None):
    """Join tensors along an existing dim (gradients are split back); ``axis`` is an alias."""
    dim, _ = _dim("cat", None if axis is not None else dim, axis, False, None)
    return ops.Concatenate.apply(*_tensors(tensors, "cat"), axis=dim)


concatenate = cat  # NumPy's name


def stack(tensors, dim=0, *, axis=None):
    """Join tensors along a new dim; ``axis`` is an alias."""
    dim, _ = _dim("stack", None if axis is not None else dim, axis, False, None)
    return ops.Stack.apply(*_tensors(tensors, "stack"), axis=dim)


def _tensors(tensors, op):
    if isinstance(tensors, Tensor) or not len(tensors):
        raise TypeError(f"{op}(): expected a non-empty list or tuple of tensors. Received "
                        f"{type(tensors).__name__}")
    return [t if isinstance(t, Tensor) else tensor(t) for t in tensors]


def where(condition, x, y):
    """Elementwise `x` where `condition` holds, else `y` (gradients follow the choice)."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    y = y if isinstance(y, Tensor) else Tensor(np.asarray(y, dtype=x.dtype))
    return ops.Where.apply(x, y, condition=np.asarray(_data(condition), dtype=bool))


# last: the ops need Function and Tensor, defined above
from nnkit import ops
