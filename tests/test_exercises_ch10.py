"""Chapter 10 checkers: the worked solutions pass, typical wrong answers are rejected
with a message that names the mistake."""
import numpy as np
import pytest

import nnkit
from nnkit import nn
from nnkit.exercises import ch10 as check
from nnkit.nn import functional as F


def message(result):
    assert not result, f"a wrong answer passed: {result}"
    return result.message


# ---------------------------------------------------------------- solutions (as in the chapter)

def solution_conv(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def solution_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def solution_pool(x):
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    return x[:h, :w].reshape(h // 2, 2, w // 2, 2).max(axis=(1, 3))


def solution_params(in_channels, out_channels, kernel_size):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return out_channels * in_channels * kh * kw + out_channels


def solution_pad(x, padding):
    h, w = x.shape
    out = np.zeros((h + 2 * padding, w + 2 * padding), dtype=x.dtype)
    out[padding:padding + h, padding:padding + w] = x
    return out


def solution_im2col(image, k):
    return np.array([image[i:i + k, j:j + k].ravel()
                     for i in range(image.shape[0] - k + 1) for j in range(image.shape[1] - k + 1)])


CHECKERS = [check.conv2d_single, check.output_size, check.max_pool2x2, check.conv_params,
            check.pad, check.im2col]


def test_solutions_pass():
    assert check.conv2d_single(solution_conv)
    assert check.output_size(solution_size)
    assert check.max_pool2x2(solution_pool)
    assert check.conv_params(solution_params)
    assert check.pad(solution_pad)
    result = check.im2col(solution_im2col)
    assert result and "a single matrix product" in result.message


def test_solutions_agree_with_nnkit():
    rng = np.random.default_rng(0)
    image, kernel = rng.standard_normal((7, 6)), rng.standard_normal((3, 2))
    ours = solution_conv(image, kernel)
    theirs = F.conv2d(nnkit.tensor(image[None, None]), nnkit.tensor(kernel[None, None]))
    np.testing.assert_allclose(theirs.numpy()[0, 0], ours, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(F.max_pool2d(nnkit.tensor(image[None, None]), 2).numpy()[0, 0],
                               solution_pool(image), rtol=1e-6)
    for args in [(1, 8, 3), (8, 16, 3), (3, 5, (1, 4))]:
        assert solution_params(*args) == nn.Conv2d(*args).num_parameters()
    for n, k, s, p, d in [(28, 3, 2, 1, 1), (13, 3, 2, 0, 2), (9, 4, 3, 2, 1)]:
        got = F.conv2d(nnkit.zeros(1, 1, n, n), nnkit.zeros(1, 1, k, k), stride=s, padding=p,
                       dilation=d).shape[-1]
        assert got == solution_size(n, k, s, p, d)
    square = rng.standard_normal((3, 3))
    np.testing.assert_allclose((solution_im2col(image, 3) @ square.ravel()).reshape(5, 4),
                               solution_conv(image, square))


@pytest.mark.parametrize("checker", CHECKERS)
def test_stubs_are_reported_gently(checker):
    def stub(*args):
        raise NotImplementedError
    assert "not implemented yet" in message(checker(stub))


@pytest.mark.parametrize("checker", CHECKERS)
def test_checkers_reject_none_with_a_hint(checker):
    text = message(checker(lambda *args: None))
    assert "forget `return`" in text and "hint" in text


# ---------------------------------------------------------------- conv2d

def test_conv_rejects_flipped_kernel_true_convolution():
    text = message(check.conv2d_single(lambda x, k: solution_conv(x, k[::-1, ::-1])))
    assert "flipped the kernel" in text and "cross-correlation" in text
    assert "lopsided" in text and "expected" in text and "received" in text


def test_conv_rejects_one_position_short():
    def short(image, kernel):
        return solution_conv(image, kernel)[:-1, :-1]
    text = message(check.conv2d_single(short))
    assert "one position short" in text and "range(H - kh + 1)" in text


def test_conv_reports_a_crash_on_non_square_kernels():
    def square_only(image, kernel):
        k = kernel.shape[0]
        out = np.zeros((image.shape[0] - k + 1, image.shape[1] - k + 1))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = np.sum(image[i:i + k, j:j + k] * kernel)
        return out
    text = message(check.conv2d_single(square_only))
    assert "not square" in text and "raised ValueError" in text


# ---------------------------------------------------------------- output size

@pytest.mark.parametrize("wrong, words", [
    (lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) // s, "forgot the + 1"),
    (lambda n, k, s, p, d: (n + p - d * (k - 1) - 1) // s + 1, "BOTH sides"),
    (lambda n, k, s, p, d: (n + 2 * p - k) // s + 1, "forgot the dilation"),
    (lambda n, k, s, p, d: n + 2 * p - d * (k - 1), "divide by the stride"),
    (lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) / s + 1, "floor division"),
])
def test_output_size_rejects_typical_mistakes(wrong, words):
    assert words in message(check.output_size(wrong))


def test_output_size_rejects_right_values_as_floats():
    text = message(check.output_size(lambda n, k, s, p, d: float(solution_size(n, k, s, p, d))))
    assert "must be an integer" in text and "float" in text


# ---------------------------------------------------------------- max pooling

def test_pool_rejects_average_pooling():
    def average(x):
        h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
        return x[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
    assert "average pooling" in message(check.max_pool2x2(average))


def test_pool_rejects_overlapping_windows():
    def overlapping(x):
        return np.lib.stride_tricks.sliding_window_view(x, (2, 2)).max(axis=(2, 3))
    text = message(check.max_pool2x2(overlapping))
    assert "overlap" in text and "shape" in text


def test_pool_rejects_crash_on_odd_sizes():
    def even_only(x):
        return x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).max(axis=(1, 3))
    text = message(check.max_pool2x2(even_only))
    assert "odd" in text and "drop it" in text


# ---------------------------------------------------------------- parameter count

def test_params_rejects_forgotten_bias():
    text = message(check.conv_params(lambda i, o, k: solution_params(i, o, k) - o))
    assert "forgot the bias" in text


def test_params_rejects_forgotten_input_channels():
    def per_filter(i, o, k):
        return solution_params(1, o, k)
    text = message(check.conv_params(per_filter))
    assert "forgot the input channels" in text and "8 -> 16" in text


def test_params_rejects_bias_per_input_channel():
    text = message(check.conv_params(lambda i, o, k: solution_params(i, o, k) - o + i))
    assert "OUTPUT channels" in text


def test_params_rejects_square_only_kernel():
    def square(i, o, k):
        return o * i * k * k + o
    text = message(check.conv_params(square))
    assert "given as a pair" in text


# ---------------------------------------------------------------- padding

def test_pad_rejects_one_sided_padding():
    text = message(check.pad(lambda x, p: np.pad(x, ((0, p), (0, p)))))
    assert "pad both sides" in text and "(4, 5)" in text


def test_pad_rejects_edge_padding_and_double_padding():
    assert "zeros" in message(check.pad(lambda x, p: np.pad(x, p, mode="edge")))
    assert "too much" in message(check.pad(lambda x, p: np.pad(x, 2 * p)))


# ---------------------------------------------------------------- im2col

def test_im2col_rejects_transposed_matrix():
    text = message(check.im2col(lambda x, k: solution_im2col(x, k).T))
    assert "ONE ROW PER OUTPUT POSITION" in text and "(4, 9)" in text


def test_im2col_rejects_patches_flattened_by_columns():
    def fortran(image, k):
        return np.array([image[i:i + k, j:j + k].ravel(order="F")
                         for i in range(image.shape[0] - k + 1)
                         for j in range(image.shape[1] - k + 1)])
    assert "row by row" in message(check.im2col(fortran))


def test_im2col_rejects_positions_in_column_order():
    def by_columns(image, k):
        return np.array([image[i:i + k, j:j + k].ravel()
                         for j in range(image.shape[1] - k + 1)
                         for i in range(image.shape[0] - k + 1)])
    assert "wrong order" in message(check.im2col(by_columns))


# ---------------------------------------------------------------- 7 · your Conv2d

def test_the_course_convolutions_pass_and_are_kept(tmp_path, monkeypatch):
    from nnkit import mine
    from nnkit.exercises.solutions import ch10 as course
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    result = check.conv_layer(course.conv2d_loops, course.Conv2d)
    assert result, result
    text = (tmp_path / "ch10.py").read_text()
    assert "def conv2d_loops(" in text and "class Conv2d(nn.Module):" in text
    assert "import nnkit.nn.functional as F" in text  # the layer's F.pad needs it
    Conv2d = mine.use("Conv2d", reference=None, quiet=True)
    assert Conv2d(1, 2, 3)(nnkit.zeros(1, 1, 5, 5)).shape == (1, 2, 3, 3)


@pytest.mark.parametrize("index", range(len(check._LOOP_SLIPS)))
def test_each_loop_slip_gets_its_own_hint(index):
    from nnkit.exercises.solutions import ch10 as course
    wrong, hint = check._LOOP_SLIPS[index]
    text = check.conv_layer(wrong, course.Conv2d).message
    assert hint in text
    assert not any(other in text for i, (_, other) in enumerate(check._LOOP_SLIPS) if i != index)


def test_a_layer_without_its_bias_is_diagnosed():
    from nnkit.exercises.solutions import ch10 as course

    class NoBias(course.Conv2d):
        def forward(self, x):
            return super().forward(x) - self.bias.reshape(-1, 1, 1)
    text = check.conv_layer(course.conv2d_loops, NoBias).message
    assert "off by the same amount over each whole channel" in text
    assert "an array of shape (2, 4, 7, 6)" in text  # 4-D arrays print short


def test_the_conv_layer_checker_reports_stubs():
    from nnkit.exercises.solutions import ch10 as course

    def stub(*args, **kwargs):
        raise NotImplementedError

    class Stub(nnkit.nn.Module):
        def __init__(self, *args, **kwargs):
            raise NotImplementedError
    assert "not implemented yet" in check.conv_layer(stub, course.Conv2d).message
    assert "not implemented yet" in check.conv_layer(course.conv2d_loops, Stub).message
