r"""Checkers for chapter 10, convolutional networks.

    from nnkit.exercises import ch10 as check
    check.conv2d_single(my_conv2d_single)

Images here are plain 2-D NumPy arrays (H, W): one channel, no batch, so
the loops stay readable. Convolution means what it means in deep learning
(and in ``nnkit.nn.functional.conv2d``): cross-correlation, the kernel is
NOT flipped.
"""
import numpy as np

from nnkit.exercises.checking import (
    Case,
    CheckResult,
    _show,
    attempt,
    check_with_diagnoses,
    close_to,
)

# ---------------------------------------------------------------- references


def _conv2d_reference(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def _output_size_reference(size, kernel, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _max_pool_reference(x):
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2  # an odd last row/column is dropped
    return x[:h, :w].reshape(h // 2, 2, w // 2, 2).max(axis=(1, 3))


def _params_reference(in_channels, out_channels, kernel_size):
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    return out_channels * in_channels * kh * kw + out_channels


def _pad_reference(x, padding):
    return np.pad(x, padding)


def _im2col_reference(image, kernel_size):
    k = kernel_size
    rows = [image[i:i + k, j:j + k].ravel()
            for i in range(image.shape[0] - k + 1) for j in range(image.shape[1] - k + 1)]
    return np.array(rows)


def _rng(seed):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- exercise 1: conv2d with loops

def _conv_diagnosis(args, received):
    image, kernel = args
    if close_to(received, _conv2d_reference(image, kernel[::-1, ::-1])) and \
            not np.allclose(kernel, kernel[::-1, ::-1]):
        return ("you flipped the kernel: that is convolution as mathematicians define it. "
                "Deep learning (PyTorch, nnkit) uses cross-correlation: multiply the patch "
                "by the kernel as it is, image[i:i+kh, j:j+kw] * kernel, no flip.")
    want = _conv2d_reference(image, kernel).shape
    shape = np.shape(getattr(received, "data", received)) if not isinstance(
        received, BaseException) and received is not None else None
    if shape is not None and shape == (want[0] - 1, want[1] - 1):
        return (f"one position short: a {kernel.shape} kernel fits H - kh + 1 times along the "
                f"height, so the output is {want}. Loop with range(H - kh + 1).")
    return None


def conv2d_single(fn):
    r"""Exercise 1: ``fn(image, kernel)``: $y_{ij} = \sum_{u,v} k_{uv}\, x_{i+u,\, j+v}$, 'valid' size."""
    rng = _rng(100)
    asymmetric = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [3.0, 0.0, 0.0]])
    cases = [Case((np.arange(25.0).reshape(5, 5), asymmetric), "a 5x5 image, a lopsided 3x3 kernel"),
             Case((rng.standard_normal((4, 6)), rng.standard_normal((2, 3))),
                  "a 4x6 image, a 2x3 kernel (not square)"),
             Case((rng.standard_normal((3, 3)), np.array([[2.0]])), "a 1x1 kernel"),
             Case((rng.standard_normal((3, 4)), rng.standard_normal((3, 4))),
                  "kernel as large as the image (one output)"),
             Case((rng.standard_normal((7, 5)) * 1e3, rng.standard_normal((3, 3))),
                  "large pixel values")]
    return check_with_diagnoses("conv2d_single", fn, _conv2d_reference, cases, [_conv_diagnosis],
                                hint="out[i, j] = np.sum(image[i:i+kh, j:j+kw] * kernel) for "
                                     "i in range(H - kh + 1), j in range(W - kw + 1).")


# ---------------------------------------------------------------- exercise 2: output size

def _size_diagnosis(args, received):
    size, kernel, stride, padding, dilation = args
    if isinstance(received, BaseException) or received is None:
        return None
    if isinstance(received, float) and not float(received).is_integer():
        return "sizes are whole numbers: use floor division // instead of /."
    # padding first: with padding 0 it equals the right answer, so it never hides the others
    guesses = [
        ((size + padding - dilation * (kernel - 1) - 1) // stride + 1,
         "padding is added on BOTH sides: it is size + 2 * padding."),
        ((size + 2 * padding - dilation * (kernel - 1) - 1) // stride,
         "you forgot the + 1: the first position counts too."),
        ((size + 2 * padding - kernel) // stride + 1,
         "you forgot the dilation: a dilated kernel spans dilation * (kernel - 1) + 1 pixels."),
        (size + 2 * padding - dilation * (kernel - 1) - 1 + 1,
         "you forgot to divide by the stride: the kernel jumps stride pixels at a time."),
    ]
    for value, hint in guesses:
        if received == value:
            return hint
    return None


def output_size(fn):
    r"""Exercise 2: ``fn(size, kernel, stride, padding, dilation)`` = $\lfloor (n + 2p - d(k-1) - 1)/s \rfloor + 1$."""
    cases = [Case((28, 3, 1, 0, 1), "28 pixels, 3x3 kernel"),
             Case((28, 3, 1, 1, 1), "padding 1 keeps the size ('same')"),
             Case((28, 3, 2, 1, 1), "stride 2"),
             Case((13, 3, 2, 0, 1), "stride 2 that does not divide evenly"),
             Case((28, 3, 1, 0, 2), "dilation 2"),
             Case((32, 5, 3, 2, 2), "everything at once"),
             Case((5, 5, 1, 0, 1), "kernel as large as the input")]
    result = check_with_diagnoses("output_size", fn, _output_size_reference, cases,
                                  [_size_diagnosis],
                                  hint="(size + 2*padding - dilation*(kernel - 1) - 1) // stride + 1")
    if not result:
        return result
    received = attempt(fn, cases[0].args)
    if not isinstance(received, (int, np.integer)):
        return CheckResult("output_size", False,
                           f"the values are right, but a size must be an integer: received "
                           f"{received!r} ({type(received).__name__}).\nhint: use floor division "
                           "// (it keeps integers integers), not / followed by int().")
    return result


# ---------------------------------------------------------------- exercise 3: 2x2 max-pooling

def _pool_diagnosis(args, received):
    (x,) = args
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    if close_to(received, x[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))):
        return "that is average pooling: keep the LARGEST value of each 2x2 window (max)."
    windows = np.lib.stride_tricks.sliding_window_view(x, (2, 2))
    if close_to(received, windows.max(axis=(2, 3))):
        return ("your windows overlap (stride 1): 2x2 max-pooling moves 2 pixels at a time, "
                "so it halves the height and the width.")
    if isinstance(received, BaseException) and (x.shape[0] % 2 or x.shape[1] % 2):
        return ("with an odd size the last row or column has no partner: drop it, as PyTorch "
                "does (x[:H // 2 * 2, :W // 2 * 2]).")
    return None


def max_pool2x2(fn):
    r"""Exercise 3: ``fn(x)`` for x of shape (H, W): the max of each 2x2 block, shape (H//2, W//2)."""
    rng = _rng(101)
    cases = [Case((np.array([[1.0, 2.0, 5.0, 0.0], [3.0, 4.0, 1.0, 1.0],
                             [0.0, 0.0, -1.0, -2.0], [9.0, 0.0, -3.0, -4.0]]),), "a 4x4 block"),
             Case((rng.standard_normal((6, 8)),), "a 6x8 map"),
             Case((-np.abs(rng.standard_normal((4, 4))),), "all values negative"),
             Case((rng.standard_normal((5, 7)),), "odd height and width (5x7)")]
    return check_with_diagnoses("max_pool2x2", fn, _max_pool_reference, cases, [_pool_diagnosis],
                                hint="reshape to (H//2, 2, W//2, 2) and take the max over axes "
                                     "(1, 3), or loop over blocks x[2i:2i+2, 2j:2j+2].")


# ---------------------------------------------------------------- exercise 4: parameters of a conv layer

def _params_diagnosis(args, received):
    cin, cout, k = args
    kh, kw = (k, k) if np.isscalar(k) else k
    guesses = [(cout * cin * kh * kw, "you forgot the bias: one per output channel (+ out_channels)."),
               (cout * (kh * kw + 1), ("you forgot the input channels: each filter has one kh x kw "
                                       "slice per input channel, so it holds in_channels * kh * kw "
                                       "weights.")),
               (cout * cin * (kh * kw + 1), ("one bias per filter (output channel), not one per "
                                             "input channel.")),
               (cin * cout * kh * kw + cin, "the bias belongs to the OUTPUT channels: + out_channels.")]
    for value, hint in guesses:
        if received == value:
            return hint
    return None


def conv_params(fn):
    r"""Exercise 4: ``fn(in_channels, out_channels, kernel_size)``: weights + biases of a Conv2d."""
    cases = [Case((1, 8, 3), "1 -> 8 channels, 3x3"),
             Case((8, 16, 3), "8 -> 16 channels, 3x3"),
             Case((3, 64, 7), "a colour image, 64 filters of 7x7"),
             Case((16, 4, (1, 5)), "a 1x5 kernel given as a pair"),
             Case((32, 32, 1), "a 1x1 convolution")]
    return check_with_diagnoses("conv_params", fn, _params_reference, cases, [_params_diagnosis],
                                hint="out_channels * in_channels * kh * kw weights + out_channels "
                                     "biases.")


# ---------------------------------------------------------------- exercise 5: zero padding

def _pad_diagnosis(args, received):
    x, p = args
    if isinstance(received, BaseException) or received is None or p == 0:
        return None
    if close_to(received, np.pad(x, ((0, p), (0, p)))) or \
            close_to(received, np.pad(x, ((p, 0), (p, 0)))):
        return f"pad both sides: a ({x.shape[0]}, {x.shape[1]}) image padded by {p} becomes " \
               f"({x.shape[0] + 2 * p}, {x.shape[1] + 2 * p})."
    if close_to(received, np.pad(x, p, mode="edge")):
        return "the border must be zeros, not copies of the edge pixels."
    if close_to(received, np.pad(x, 2 * p)):
        return f"too much: add {p} zeros on each side, not {2 * p}."
    return None


def pad(fn):
    r"""Exercise 5: ``fn(x, padding)``: x (H, W) with `padding` rows/columns of zeros on every side."""
    rng = _rng(102)
    cases = [Case((np.ones((2, 3)), 1), "a 2x3 image of ones, padding 1"),
             Case((rng.standard_normal((4, 4)), 2), "padding 2"),
             Case((rng.standard_normal((3, 5)), 0), "padding 0 (unchanged)"),
             Case((rng.standard_normal((1, 1)) + 5, 3), "a single pixel")]
    return check_with_diagnoses("pad", fn, _pad_reference, cases, [_pad_diagnosis],
                                hint="make np.zeros((H + 2p, W + 2p)) and copy x into "
                                     "[p:p+H, p:p+W] (or np.pad(x, p)).")


# ---------------------------------------------------------------- exercise 6: im2col

def _im2col_diagnosis(args, received):
    image, k = args
    want = _im2col_reference(image, k)
    if close_to(received, want.T):
        return (f"transposed: im2col has ONE ROW PER OUTPUT POSITION, shape {want.shape} "
                f"(positions, kernel_size**2), so that rows @ kernel.ravel() is the feature map.")
    oh, ow = image.shape[0] - k + 1, image.shape[1] - k + 1
    by_columns = want.reshape(oh, ow, -1).transpose(1, 0, 2).reshape(oh * ow, -1)
    if close_to(received, by_columns) and oh * ow > 1 and oh != 1 and ow != 1:
        return ("rows in the wrong order: go through output positions row by row, (0,0), (0,1), "
                "..., as the feature map is read (i outer loop, j inner loop).")
    fortran = np.array([image[i:i + k, j:j + k].ravel(order="F")
                        for i in range(oh) for j in range(ow)])
    if close_to(received, fortran) and k > 1:
        return "flatten each patch row by row (patch.ravel()), the order of kernel.ravel()."
    return None


def im2col(fn):
    r"""Exercise 6: ``fn(image, kernel_size)``: one row per output position, the patch flattened."""
    rng = _rng(103)
    cases = [Case((np.arange(16.0).reshape(4, 4), 3), "a 4x4 image, 3x3 patches"),
             Case((np.arange(20.0).reshape(4, 5), 2), "a 4x5 image, 2x2 patches"),
             Case((rng.standard_normal((6, 5)), 3), "random 6x5 image"),
             Case((rng.standard_normal((3, 3)), 1), "1x1 patches")]
    result = check_with_diagnoses("im2col", fn, _im2col_reference, cases, [_im2col_diagnosis],
                                  hint="rows = [image[i:i+k, j:j+k].ravel() for i in ... for j "
                                       "in ...] in a (positions, k*k) array.")
    if result.passed:
        result.message += (" Your rows @ kernel.ravel(), reshaped to (H-k+1, W-k+1), is the "
                           "convolution of exercise 1: a single matrix product.")
    return result


# ---------------------------------------------------------------- 7 · your convolution layer

_LAYER_CASES = [((1, 1, 5, 5), 1, 3, 1, 0, "one 5x5 image, one 3x3 filter"),
                ((2, 3, 7, 6), 4, 3, 1, 1, "2 images, 3 channels in, 4 out, padding 1"),
                ((2, 2, 8, 7), 3, 3, 2, 1, "stride 2 and padding 1 on a 8x7 image"),
                ((1, 2, 6, 6), 2, 2, 2, 0, "a 2x2 kernel, stride 2")]


def _layer_inputs(shape, c_out, k, stride, padding):
    rng = np.random.default_rng(sum(shape) + 10 * c_out + k)
    x = np.round(rng.standard_normal(shape), 2)
    weight = np.round(rng.standard_normal((c_out, shape[1], k, k)), 2)
    bias = np.round(rng.standard_normal(c_out), 2)
    return x, weight, bias, stride, padding


def _loops_reference(x, weight, bias, stride, padding):
    import nnkit
    from nnkit.nn import functional as F
    out = F.conv2d(nnkit.tensor(x, dtype=np.float64), nnkit.tensor(weight, dtype=np.float64),
                   nnkit.tensor(bias, dtype=np.float64), stride=stride, padding=padding)
    return out.data


def _flipped(x, weight, bias, stride, padding):
    return _loops_reference(x, weight[:, :, ::-1, ::-1].copy(), bias, stride, padding)


def _no_bias(x, weight, bias, stride, padding):
    return _loops_reference(x, weight, np.zeros_like(bias), stride, padding)


def _no_padding(x, weight, bias, stride, padding):
    return _loops_reference(x, weight, bias, stride, 0)


def _no_stride(x, weight, bias, stride, padding):
    return _loops_reference(x, weight, bias, 1, padding)


_LOOP_SLIPS = [
    (_flipped, ("the kernel was flipped: deep learning's convolution is a cross-correlation, "
               "window * weight[o] with the kernel as it is (PyTorch does the same).")),
    (_no_bias, "each output channel adds its own bias: out[n, o, i, j] = sum(...) + bias[o]."),
    (_no_padding, ("pad the image first: np.pad(x, ((0, 0), (0, 0), (padding, padding), "
                  "(padding, padding))), then slide over the padded image.")),
    (_no_stride, "the window moves by stride: it starts at row i * stride and column j * stride."),
]


def _layer_run(Conv2d, shape, c_out, k, stride, padding, kind):
    import nnkit
    nnkit.manual_seed(10)
    reference = nnkit.nn.Conv2d(shape[1], c_out, k, stride=stride, padding=padding)
    layer = Conv2d(shape[1], c_out, k, stride=stride, padding=padding)
    layer.load_state_dict(reference.state_dict())
    x = nnkit.tensor(_layer_inputs(shape, c_out, k, stride, padding)[0].astype(np.float32))
    out = layer(x)
    if kind == "output":
        return out.data
    (out * out).sum().backward()
    return np.concatenate([layer.weight.grad.ravel(), layer.bias.grad.ravel()])


def conv_layer(conv2d_loops, Conv2d):
    """Exercise 7: ``conv2d_loops(x, weight, bias, stride, padding)`` (NumPy, batched NCHW)
    and ``class Conv2d(nn.Module)`` computed with im2col on nnkit tensors.

    The loops are compared with nnkit's ``F.conv2d`` (four usual slips named); the layer,
    given the weights of an ``nn.Conv2d``, must give its outputs and its gradients. Passing
    keeps both in ``mine/ch10.py``.
    """
    from nnkit import mine
    from nnkit.exercises.checking import Exercise, Slip
    from nnkit.exercises.solutions import ch10 as course
    cases = [Case(_layer_inputs(*case[:5]), case[5]) for case in _LAYER_CASES]
    loops = Exercise("conv2d_loops", _loops_reference, cases,
                     [Slip(hint, wrong=wrong) for wrong, hint in _LOOP_SLIPS],
                     rtol=1e-6, atol=1e-6).check(conv2d_loops)
    if not loops:
        return loops
    if not isinstance(Conv2d, type):
        return CheckResult("Conv2d", False, f"expected your class Conv2d, received {Conv2d!r}")
    layer_cases = [Case((*case[:5], kind), f"{case[5]}: {kind}") for case in _LAYER_CASES[1:]
                   for kind in ("output", "gradients")]
    bias_slip = Slip("the output is off by the same amount over each whole channel: add "
                     "bias[o] to every position of output channel o (bias.reshape(-1, 1)).",
                     diagnose=_off_per_channel)
    layer = Exercise("Conv2d", lambda *a: _layer_run(course.Conv2d, *a), layer_cases,
                     [bias_slip], rtol=1e-4, atol=1e-5, show=_show_layer_case,
                     hint="build the patches (im2col) from the PADDED input, columns in the "
                          "order of weight.reshape(C_out, -1): channel, then kernel row, then "
                          "kernel column.").check(lambda *a: _layer_run(Conv2d, *a))
    if not layer:
        return layer
    kept = [mine.keep(obj, 10, "7") for obj in (conv2d_loops, Conv2d)]
    message = (f"both pass: conv2d_loops on {len(cases)} cases, Conv2d's outputs and "
               f"gradients on {len(layer_cases) // 2} layers.")
    if all(kept):
        message += f" Kept in your library: {kept[0]}"
    return CheckResult("conv2d_loops, Conv2d", True, message)


def _off_per_channel(args, received):
    from nnkit.exercises.solutions import ch10 as course
    if args[-1] != "output" or not isinstance(received, np.ndarray):
        return False
    expected = _layer_run(course.Conv2d, *args)
    if received.shape != expected.shape:
        return False
    gap = expected - received
    per_channel = gap.mean(axis=(0, 2, 3), keepdims=True)
    return np.abs(per_channel).max() > 1e-3 and np.allclose(gap, per_channel, atol=1e-4)


def _show_layer_case(value):
    if isinstance(value, tuple) and len(value) == 4:
        return f"input shape {value}"
    if isinstance(value, str):
        return value
    return _show(value)
