"""Every Numba kernel against its NumPy reference, the no-JIT path, and the cache folder logic."""
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest

from nnkit import kernels
from nnkit.kernels import KERNELS

SIZES = [0, 1, 7, 1000]
DTYPES = [np.float32, np.float64]


# ---------------------------------------------------------------- inputs for each kernel
# each maker returns the positional arguments for a kernel of about `n` elements

def _elementwise(count):
    def make(rng, n, dtype):
        return tuple((rng.standard_normal(n) * 3).astype(dtype) for _ in range(count))
    return make


def _cross_entropy_forward(rng, n, dtype):
    rows, classes = max(n // 5, 1) if n else 0, 5
    logits = (rng.standard_normal((rows, classes)) * 4).astype(dtype)
    return logits, rng.integers(0, classes, rows), 0.1


def _cross_entropy_backward(rng, n, dtype):
    logits, target, smoothing = _cross_entropy_forward(rng, n, dtype)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return probs.astype(dtype), target, smoothing, rng.random(len(target)).astype(dtype)


HIDDEN = 4


def _batch(n):
    return max(n // (4 * HIDDEN), 1) if n else 0


def _lstm_forward(rng, n, dtype):
    batch = _batch(n)
    return (rng.standard_normal((batch, 4 * HIDDEN)).astype(dtype),
            rng.standard_normal((batch, HIDDEN)).astype(dtype))


def _lstm_backward(rng, n, dtype):
    pre, c_prev = _lstm_forward(rng, n, dtype)
    gates, c, _ = KERNELS["lstm_cell_forward"][1](pre, c_prev)  # realistic gate values
    # h_t's gradient comes from the output and from step t + 1: the kernel adds the two
    grad_out, grad_next, grad_c = (rng.standard_normal(c.shape).astype(dtype) for _ in range(3))
    return gates, c_prev, c, grad_out, grad_next, grad_c


def _gru_forward(rng, n, dtype):
    batch = _batch(n)
    return (rng.standard_normal((batch, 3 * HIDDEN)).astype(dtype),
            rng.standard_normal((batch, 3 * HIDDEN)).astype(dtype),
            rng.standard_normal((batch, HIDDEN)).astype(dtype))


def _gru_backward(rng, n, dtype):
    x_part, h_part, h_prev = _gru_forward(rng, n, dtype)
    gates, _ = KERNELS["gru_cell_forward"][1](x_part, h_part, h_prev)
    return gates, h_part, h_prev, rng.standard_normal(h_prev.shape).astype(dtype)


def _images(rng, n, dtype, channels=2):
    """A batch of (channels, 7, 5) images, about n numbers in all."""
    return rng.standard_normal((max(n // 70, 1) if n else 0, channels, 7, 5)).astype(dtype)


CONV = (3, 2, 2, 1, 2, 1, 2, 4)  # kh, kw, stride h, w, dilation h, w -> out 2x4 of a 7x5 image
POOL = (3, 2, 2, 1, 1, 0, 4, 4)  # kh, kw, stride h, w, padding h, w -> out 4x4


def _im2col(rng, n, dtype):
    return (_images(rng, n, dtype),) + CONV


def _col2im(rng, n, dtype):
    cols = KERNELS["im2col"][1](*_im2col(rng, n, dtype))
    return (np.ascontiguousarray(cols), 2, 7, 5) + CONV


def _max_pool_forward(rng, n, dtype):
    return (_images(rng, n, dtype),) + POOL


def _max_pool_backward(rng, n, dtype):
    x = _images(rng, n, dtype)
    return (x, rng.standard_normal((len(x), 2, 4, 4)).astype(dtype)) + POOL


def _max_pool_2x2_backward(rng, n, dtype):
    x = _images(rng, n, dtype)  # 7x5 images: the odd last row and column get no gradient
    return x, rng.standard_normal((len(x), 2, 3, 2)).astype(dtype)


def _gelu_backward_f32(rng, n, dtype):
    x, grad = _elementwise(2)(rng, n, dtype)
    x[:n // 10] = 0.0  # Phi(0) comes from the series: GELU(x)/x is 0/0 there
    return x, KERNELS["gelu_forward"][1](x), grad


def _layer_norm_forward(rng, n, dtype):
    x = (rng.standard_normal((max(n // 6, 1) if n else 0, 6)) * 3 + 1).astype(dtype)
    return x, rng.standard_normal(6).astype(dtype), rng.standard_normal(6).astype(dtype), 1e-5


def _layer_norm_backward(rng, n, dtype):
    x, weight, bias, eps = _layer_norm_forward(rng, n, dtype)
    _, mean, rstd = KERNELS["layer_norm_forward"][1](x, weight, bias, eps)
    return x, mean, rstd, weight, rng.standard_normal(x.shape).astype(dtype)


def _attention_softmax(rng, n, dtype):
    """Key-major scores (N, 2 heads, 5 keys, 4 queries); a causal mask, per sample for
    n = 1000 (a padded last key in sample 0), else shared."""
    batch = max(n // 40, 1) if n else 0
    scores = (rng.standard_normal((batch, 2, 5, 4)) * 3).astype(dtype)
    mask = np.where(np.triu(np.ones((4, 5), bool), 1).T, -np.inf, 0.0)[None]
    if n >= 1000:
        mask = np.repeat(mask, batch, axis=0)
        mask[0, -1] = -np.inf
    return scores, mask.astype(dtype), dtype(0.5)


def _attention_softmax_backward(rng, n, dtype):
    scores, mask, scale = _attention_softmax(rng, n, dtype)
    probs = KERNELS["attention_softmax"][1](scores, mask, scale)
    return probs, rng.standard_normal(probs.shape).astype(dtype), scale


INPUTS = {
    "lstm_cell_forward": _lstm_forward,
    "im2col": _im2col,
    "col2im": _col2im,
    "max_pool2d_forward": _max_pool_forward,
    "max_pool2d_backward": _max_pool_backward,
    "max_pool2d_2x2_forward": lambda rng, n, dtype: (_images(rng, n, dtype),),
    "max_pool2d_2x2_backward": _max_pool_2x2_backward,
    "lstm_cell_backward": _lstm_backward,
    "gru_cell_forward": _gru_forward,
    "gru_cell_backward": _gru_backward,
    "relu_backward": _elementwise(2),
    "relu_forward": _elementwise(1),
    "outer": lambda rng, n, dtype: (rng.standard_normal(n).astype(dtype),
                                    rng.standard_normal(n + 3).astype(dtype)),
    "gelu_forward": _elementwise(1),
    "gelu_backward": _elementwise(2),
    "sigmoid_forward": _elementwise(1),
    "cross_entropy_forward": _cross_entropy_forward,
    "cross_entropy_backward": _cross_entropy_backward,
    "gelu_forward_f32": _elementwise(1),
    "gelu_backward_f32": _gelu_backward_f32,
    "layer_norm_forward": _layer_norm_forward,
    "layer_norm_backward": _layer_norm_backward,
    "attention_softmax": _attention_softmax,
    "attention_softmax_backward": _attention_softmax_backward,
}


def test_every_kernel_has_a_test():  # OPTIMIZERS is defined below, with its test
    untested = set(KERNELS) - set(INPUTS) - set(OPTIMIZERS)
    assert not untested, f"add an input maker to tests/test_kernels.py for {sorted(untested)}"


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name", sorted(INPUTS))
def test_kernel_matches_reference(name, n, dtype):
    fast, reference = KERNELS[name]
    args = INPUTS[name](np.random.default_rng(n), n, dtype)
    expected, got = reference(*args), fast(*args)
    expected = expected if isinstance(expected, tuple) else (expected,)
    got = got if isinstance(got, tuple) else (got,)
    tolerance = 1e-6 if dtype == np.float64 else 1e-5  # A&S erf in the GELU reference: 1.5e-7
    for e, g in zip(expected, got, strict=True):
        assert g.dtype == dtype and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=tolerance, atol=tolerance)


def test_sigmoid_kernel_survives_extreme_inputs():
    fast, reference = KERNELS["sigmoid_forward"]
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=np.float32)
    with np.errstate(over="raise"):
        for fn in (fast, reference):
            np.testing.assert_allclose(fn(x), [0.0, 1.9287e-22, 0.5, 1.0, 1.0], rtol=1e-4)


def test_relu_kernel_passes_nan_and_infinities_like_numpy():
    x = np.array([np.nan, -np.inf, -1.0, -0.0, 0.0, 2.0, np.inf], dtype=np.float32)
    for fn in KERNELS["relu_forward"]:
        np.testing.assert_array_equal(fn(x), [np.nan, 0.0, 0.0, 0.0, 0.0, 2.0, np.inf])


def test_cross_entropy_kernel_is_stable_for_huge_logits():
    fast, _ = KERNELS["cross_entropy_forward"]
    logits = np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32)
    loss, probs = fast(logits, np.array([1]), 0.0)
    np.testing.assert_allclose(loss, [1000.0])
    np.testing.assert_allclose(probs, [[1.0, 0.0, 0.0]])


# ---------------------------------------------------------------- optimizer kernels, in place

SGD_CASES = [  # lr, momentum, dampening, weight_decay, nesterov
    (0.1, 0.0, 0.0, 0.0, False), (0.05, 0.9, 0.0, 1e-2, False),
    (0.05, 0.9, 0.1, 0.0, False), (0.01, 0.9, 0.0, 1e-3, True)]
ADAM_CASES = [  # lr, beta1, beta2, eps, weight_decay, decoupled
    (1e-3, 0.9, 0.999, 1e-8, 0.0, False), (1e-2, 0.8, 0.99, 1e-6, 1e-2, False),
    (1e-2, 0.9, 0.999, 1e-8, 1e-1, True)]
RMSPROP_CASES = [  # lr, alpha, eps, weight_decay, momentum, centered
    (1e-2, 0.99, 1e-8, 0.0, 0.0, False), (1e-2, 0.9, 1e-8, 1e-2, 0.9, False),
    (1e-2, 0.9, 1e-6, 0.0, 0.5, True)]
ADAGRAD_CASES = [(1e-1, 1e-10, 0.0), (5e-2, 1e-8, 1e-2)]  # lr, eps, weight_decay

OPTIMIZERS = {  # name: (state arrays after param and grad, cases, arguments after them at step t)
    "sgd_update": (1, SGD_CASES, lambda t: (t == 1,)),
    "adam_update": (2, ADAM_CASES, lambda t: (t,)),
    "rmsprop_update": (3, RMSPROP_CASES, lambda t: ()),
    "adagrad_update": (1, ADAGRAD_CASES, lambda t: ()),
}
OPTIMIZER_CASES = [(name, case) for name, (_, cases, _) in OPTIMIZERS.items() for case in cases]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("n", [0, 1, 1000])
@pytest.mark.parametrize("name, case", OPTIMIZER_CASES, ids=str)
def test_optimizer_kernel_updates_in_place_like_reference(name, case, n, dtype):
    """Three steps from the same start: parameter and state arrays agree, nothing is returned."""
    fast, reference = KERNELS[name]
    num_states, _, step_arguments = OPTIMIZERS[name]
    rng = np.random.default_rng(3)
    param = rng.standard_normal(n).astype(dtype)
    arrays = {fn: [param.copy()] + [np.zeros(n, dtype) for _ in range(num_states)]
              for fn in (fast, reference)}
    for step in range(1, 4):
        grad = rng.standard_normal(n).astype(dtype)
        for fn, (p, *state) in arrays.items():
            assert fn(p, grad, *state, *case, *step_arguments(step)) is None
    for fast_array, ref_array in zip(arrays[fast], arrays[reference], strict=True):
        assert fast_array.dtype == dtype
        np.testing.assert_allclose(fast_array, ref_array, rtol=1e-5, atol=1e-6)
    if n:
        assert not np.allclose(arrays[fast][0], param), "the parameter did not move"


def test_sgd_kernel_matches_the_textbook_rule():
    """Plain SGD on a known case: p - lr * (g + wd * p)."""
    fast, _ = KERNELS["sgd_update"]
    p, g = np.array([1.0, -2.0]), np.array([0.5, 0.5])
    fast(p, g, np.zeros(2), 0.1, 0.0, 0.0, 0.01, False, True)
    np.testing.assert_allclose(p, [1.0 - 0.1 * 0.51, -2.0 - 0.1 * 0.48])


# ---------------------------------------------------------------- without the JIT

NO_JIT_SCRIPT = textwrap.dedent("""
    import numpy as np, nnkit
    from nnkit import ops
    fast, reference = nnkit.kernels.KERNELS["relu_backward"]
    assert not hasattr(fast, "py_func"), "NUMBA_DISABLE_JIT=1 should leave plain functions"
    x = nnkit.tensor(np.linspace(-2, 2, 12).reshape(4, 3), requires_grad=True)
    w = nnkit.tensor(np.linspace(-1, 1, 15).reshape(3, 5), requires_grad=True)
    h = ops.GELU.apply((x @ w).relu()).sigmoid()
    loss = ops.CrossEntropy.apply(h, np.array([0, 1, 2, 4]), smoothing=0.1)
    loss.backward()
    print(repr(float(loss.item())))
    print(repr(x.grad.tolist()))
    print(repr(w.grad.tolist()))
""")


def _run(script, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=300, check=False)


def test_nnkit_runs_forward_and_backward_with_numba_disabled():
    plain = _run(NO_JIT_SCRIPT, {"NUMBA_DISABLE_JIT": "1"})
    assert plain.returncode == 0, plain.stderr
    # the same graph with the compiled kernels, in this process
    compiled = _run(NO_JIT_SCRIPT.replace('assert not hasattr(fast, "py_func")',
                                          'assert hasattr(fast, "py_func")'))
    assert compiled.returncode == 0, compiled.stderr
    for plain_line, compiled_line in zip(plain.stdout.split("\n"), compiled.stdout.split("\n")):
        np.testing.assert_allclose(eval(plain_line or "0"), eval(compiled_line or "0"),
                                   rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------- where the Numba cache goes

@pytest.fixture
def cache_env(monkeypatch):
    """Let _choose_cache_dir run from scratch and undo whatever it sets."""
    import numba
    monkeypatch.setenv("NUMBA_CACHE_DIR", "")  # restored afterwards; "" counts as unset
    monkeypatch.setattr(numba.config, "CACHE_DIR", numba.config.CACHE_DIR)
    return monkeypatch


def _deny_writes_under(monkeypatch, *prefixes):
    real_access = os.access

    def access(path, mode):
        if mode & os.W_OK and any(str(path).startswith(p) for p in prefixes):
            return False
        return real_access(path, mode)
    monkeypatch.setattr(kernels.os, "access", access)


PACKAGE_DIR = os.path.dirname(os.path.abspath(kernels.__file__))
HOME_CACHE = os.path.join(os.path.expanduser("~"), ".cache")


def test_cache_dir_left_alone_when_the_package_is_writable(cache_env):
    kernels._choose_cache_dir()
    assert os.environ["NUMBA_CACHE_DIR"] == ""


def test_cache_dir_left_alone_when_only_home_is_writable(cache_env):
    _deny_writes_under(cache_env, PACKAGE_DIR)
    kernels._choose_cache_dir()
    assert os.environ["NUMBA_CACHE_DIR"] == ""


def test_cache_dir_moves_to_temp_when_package_and_home_are_read_only(cache_env):
    import numba
    _deny_writes_under(cache_env, PACKAGE_DIR, os.path.expanduser("~"))
    kernels._choose_cache_dir()
    expected = os.path.join(tempfile.gettempdir(), "nnkit-numba-cache")
    assert os.environ["NUMBA_CACHE_DIR"] == expected
    assert numba.config.CACHE_DIR == expected  # numba was imported already: told too


def test_a_cache_dir_set_by_the_user_wins(cache_env):
    cache_env.setenv("NUMBA_CACHE_DIR", "/somewhere/chosen")
    _deny_writes_under(cache_env, "/")
    kernels._choose_cache_dir()
    assert os.environ["NUMBA_CACHE_DIR"] == "/somewhere/chosen"


def test_writable_walks_up_to_the_nearest_existing_folder(tmp_path, monkeypatch):
    assert kernels._writable(str(tmp_path / "not" / "yet" / "there"))
    _deny_writes_under(monkeypatch, str(tmp_path))
    assert not kernels._writable(str(tmp_path / "not" / "yet" / "there"))


READ_ONLY_SCRIPT = textwrap.dedent("""
    import os, sys, numpy as np, nnkit
    from nnkit.kernels import KERNELS
    assert nnkit.__file__.startswith(sys.argv[1]), nnkit.__file__  # the read-only copy
    print(os.environ.get("NUMBA_CACHE_DIR", ""))
    fast, _ = KERNELS["relu_backward"]
    print(fast(np.array([-1.0, 2.0]), np.array([5.0, 7.0])).tolist())
""")

# mount each folder read-only in a private mount namespace, then run the command;
# as root this is the only way to make a write fail (root ignores permission bits)
READ_ONLY_MOUNTS = ('for d in "$@"; do [ "$d" = -- ] && break; '
                    'mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" || exit 97; '
                    'shift; done; shift; exec "$@"')


def _run_with_read_only(folders, script, env, argument):
    command = [sys.executable, "-c", script, argument]
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("running as root without `unshare`: cannot make a folder read-only")
        command = ["unshare", "-m", "sh", "-c", READ_ONLY_MOUNTS, "sh", *folders, "--", *command]
    else:
        for folder in folders:
            for path, _, files in os.walk(folder):
                os.chmod(path, 0o555)
                for name in files:
                    os.chmod(os.path.join(path, name), stat.S_IRUSR | stat.S_IRGRP)
    # cwd elsewhere: `python -c` puts the working folder first on sys.path
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False,
                            cwd=env["TMPDIR"])
    if result.returncode == 97:
        pytest.skip("not allowed to mount folders read-only here")
    return result


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX only")
@pytest.mark.parametrize("temp_cache_taken", [False, True],
                         ids=["fresh-tmp", "tmp-cache-owned-by-another-user"])
def test_import_works_from_a_read_only_install_with_a_read_only_home(tmp_path, temp_cache_taken):
    """A shared JupyterHub install: package and HOME read-only, so numba's cache must move.

    With `temp_cache_taken`, another user already made /tmp/nnkit-numba-cache (read-only
    for us), so nnkit must pick a private temporary folder instead.
    """
    site, home, tmp = tmp_path / "site", tmp_path / "home", tmp_path / "tmp"
    shutil.copytree(os.path.dirname(PACKAGE_DIR), site / "nnkit",
                    ignore=shutil.ignore_patterns("__pycache__", "files"))
    home.mkdir()
    tmp.mkdir()
    read_only = [str(site), str(home)]
    shared_cache = tmp / "nnkit-numba-cache"
    if temp_cache_taken:
        shared_cache.mkdir()
        read_only.append(str(shared_cache))
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(HOME=str(home), PYTHONPATH=str(site), TMPDIR=str(tmp),
               PYTHONDONTWRITEBYTECODE="1")
    try:
        result = _run_with_read_only(read_only, READ_ONLY_SCRIPT, env, str(site))
    finally:
        for path, _, _ in os.walk(tmp_path):
            os.chmod(path, 0o755)
    assert result.returncode == 0, result.stderr
    cache_dir, values = result.stdout.split("\n")[:2]
    if temp_cache_taken:
        assert cache_dir.startswith(str(tmp)) and cache_dir != str(shared_cache)
    else:
        assert cache_dir == str(shared_cache)
    assert os.listdir(cache_dir), "numba wrote no cache files"
    assert values == "[0.0, 7.0]"


# ---------------------------------------------------------------- recurrent cells: fast float32 math

RECURRENT = ["lstm_cell_forward", "lstm_cell_backward", "gru_cell_forward", "gru_cell_backward"]


@pytest.mark.parametrize("name", RECURRENT)
def test_recurrent_kernels_stay_exact_in_float64(name):
    # float32 uses the tanh/sigmoid approximations of fastmath.py (error ~4e-7); float64
    # must keep libm, which a tolerance of 1e-6 would not notice: ask for 1e-13
    fast, reference = KERNELS[name]
    args = INPUTS[name](np.random.default_rng(5), 4000, np.float64)
    for e, g in zip(reference(*args), fast(*args), strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e30])
def test_recurrent_kernels_saturate_cleanly_in_float32(scale):
    rng = np.random.default_rng(6)
    pre = (rng.standard_normal((8, 4 * HIDDEN)) * scale).astype(np.float32)
    c_prev = rng.standard_normal((8, HIDDEN)).astype(np.float32)
    with np.errstate(all="raise"):
        gates, c, h = KERNELS["lstm_cell_forward"][0](pre, c_prev)
        x_part, h_part = pre[:, :3 * HIDDEN], pre[:, HIDDEN:]
        gru_gates, gru_h = KERNELS["gru_cell_forward"][0](x_part, h_part, c_prev)
    for a in (gates, c, h, gru_gates, gru_h):
        assert a.dtype == np.float32 and np.all(np.isfinite(a))
    sigmoid_blocks = np.concatenate([gates[:, :2 * HIDDEN], gates[:, 3 * HIDDEN:]], axis=1)
    assert np.all((sigmoid_blocks >= 0) & (sigmoid_blocks <= 1))
    assert np.all(np.abs(gates[:, 2 * HIDDEN:3 * HIDDEN]) <= 1) and np.all(np.abs(h) <= 1)
    expected = KERNELS["lstm_cell_forward"][1](pre, c_prev)
    for e, g in zip(expected, (gates, c, h)):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- Transformer kernels: float32 polynomials

def test_transformer_exp_and_erf_polynomials_are_float32_accurate():
    import math

    from nnkit.kernels import transformer
    t = np.linspace(-90.0, 0.0, 2001).astype(np.float32)
    exp = np.array([transformer._exp(v) for v in t])
    exact = np.exp(t.astype(np.float64))
    normal = t > -87.0  # below, the polynomial stops at e^-87 (the softmax writes 0 there)
    np.testing.assert_allclose(exp[normal], exact[normal], rtol=3e-7)
    x = np.linspace(-6.0, 6.0, 2001).astype(np.float32)
    erf = np.array([transformer._erf(v) for v in x])
    exact = np.array([math.erf(v) for v in x.astype(np.float64)])
    np.testing.assert_allclose(erf, exact, rtol=0, atol=6e-7)


def test_attention_softmax_masks_exactly_and_works_in_place():
    fast, _ = KERNELS["attention_softmax"]
    scores, mask, scale = _attention_softmax(np.random.default_rng(7), 1000, np.float32)
    probs = fast(scores, mask, scale)
    assert probs is scores  # overwritten: no fresh 1 MB array per call
    assert np.all(probs[np.broadcast_to(np.isinf(mask)[:, None], probs.shape)] == 0.0)
    np.testing.assert_allclose(probs.sum(axis=-2), 1.0, rtol=1e-6)


def test_lstm_graphs_alive_at_once_keep_their_own_arrays():
    # the LSTM Function writes its kernels' results into work arrays of its own: two graphs
    # alive at once, a kept output and a retained graph must each see their own
    import nnkit
    from nnkit import nn
    nnkit.manual_seed(0)
    layer = nn.LSTM(3, 64, batch_first=True)
    rng = np.random.default_rng(7)
    x1, x2 = (nnkit.tensor(rng.standard_normal((8, 40, 3)).astype(np.float32)) for _ in range(2))

    def grads(loss, retain=False):
        layer.zero_grad()
        loss.backward(retain_graph=retain)
        return [p.grad.copy() for p in layer.parameters()]

    first = layer(x1)[0]
    kept = first.numpy().copy()
    alone_1 = grads(first.sum())
    alone_2 = grads((layer(x2)[0] ** 2).sum())
    out1, out2 = layer(x1)[0], layer(x2)[0]  # both graphs alive before any backward
    np.testing.assert_array_equal(out1.numpy(), kept)
    loss = out1.sum() + (out2 ** 2).sum()
    together = grads(loss, retain=True)
    again = grads(loss)  # the retained graph still has its own arrays
    for a, b, t, g in zip(alone_1, alone_2, together, again, strict=True):
        np.testing.assert_allclose(t, a + b, rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(g, t)
    np.testing.assert_array_equal(out1.numpy(), kept)
