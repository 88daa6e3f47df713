"""Chapter 11's checkers accept right answers and reject the usual slips with a useful message."""
import numpy as np
import pytest

import nnkit
from nnkit import nn
from nnkit.exercises import ch11 as check


def not_done(*args):
    raise NotImplementedError


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def assert_rejects(result, words):
    assert not result
    for word in words:
        assert word in result.message, result.message


# ---------------------------------------------------------------- rnn_cell

def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)


def test_rnn_cell_accepts_the_solution_and_matches_nn_rnn_cell():
    assert check.rnn_cell(rnn_cell)
    nnkit.manual_seed(0)
    cell = nn.RNNCell(3, 4)
    x, h = np.random.default_rng(0).standard_normal((2, 2, 3)), np.ones((2, 4), np.float32)
    x, h = x[0].astype(np.float32), h * 0.3
    mine = rnn_cell(x, h, *(p.data for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih,
                                            cell.bias_hh)))
    np.testing.assert_allclose(cell(nnkit.tensor(x), nnkit.tensor(h)).numpy(), mine, atol=1e-6)


def naive_tanh(a):
    return (np.exp(2 * a) - 1) / (np.exp(2 * a) + 1)


@pytest.mark.parametrize("wrong, words", [
    (lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + bh), ["recurrent term", "no memory"]),
    (lambda x, h, Wi, Wh, bi, bh: sigmoid(x @ Wi.T + bi + h @ Wh.T + bh), ["tanh", "sigmoid"]),
    (lambda x, h, Wi, Wh, bi, bh: np.maximum(x @ Wi.T + bi + h @ Wh.T + bh, 0), ["not ReLU"]),
    (lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + h @ Wh.T), ["forgot the biases"]),
    (lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + h @ Wh + bh), ["h @ W_hh.T"]),
    (lambda x, h, Wi, Wh, bi, bh: naive_tanh(x @ Wi.T + bi + h @ Wh.T + bh),
     ["huge inputs", "nan", "overflow"]),
    (lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi + bi + h @ Wh.T + bh), ["raised", "x @ W_ih.T"]),
    (lambda x, h, Wi, Wh, bi, bh: None, ["returned None"]),
    (not_done, ["not implemented yet"]),
])
def test_rnn_cell_rejects(wrong, words):
    with np.errstate(all="ignore"):
        assert_rejects(check.rnn_cell(wrong), words)


# ---------------------------------------------------------------- lstm_cell

def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    pre = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = np.split(pre, 4, axis=1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def test_lstm_cell_accepts_the_solution_and_matches_nn_lstm_cell():
    assert check.lstm_cell(lstm_cell)
    nnkit.manual_seed(0)
    cell = nn.LSTMCell(3, 2)
    rng = np.random.default_rng(1)
    x, h, c = (rng.standard_normal(s).astype(np.float32) for s in ((4, 3), (4, 2), (4, 2)))
    h_new, c_new = lstm_cell(x, h, c, *(p.data for p in (cell.weight_ih, cell.weight_hh,
                                                         cell.bias_ih, cell.bias_hh)))
    got_h, got_c = cell(nnkit.tensor(x), (nnkit.tensor(h), nnkit.tensor(c)))
    np.testing.assert_allclose(got_h.numpy(), h_new, atol=1e-6)
    np.testing.assert_allclose(got_c.numpy(), c_new, atol=1e-6)


def lstm_with(order="ifgo", squash=True, recurrent=True):
    def cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
        pre = x @ W_ih.T + b_ih + (h @ W_hh.T if recurrent else 0) + b_hh
        gate = dict(zip(order, np.split(pre, 4, axis=1)))
        c = sigmoid(gate["f"]) * c + sigmoid(gate["i"]) * np.tanh(gate["g"])
        return sigmoid(gate["o"]) * (np.tanh(c) if squash else c), c
    return cell


@pytest.mark.parametrize("wrong, words", [
    (lstm_with("figo"), ["swapped the forget and input gates", "(i, f, g, o)"]),
    (lstm_with("ifog"), ["candidate g is the 3rd block"]),
    (lstm_with(squash=False), ["tanh(c)"]),
    (lstm_with(recurrent=False), ["recurrent term"]),
    (lambda *a: lstm_cell(*a)[0], ["expected a tuple", "return h_new, c_new"]),
    (lambda *a: lstm_cell(*a)[::-1], ["h_new is wrong"]),
    (not_done, ["not implemented yet"]),
])
def test_lstm_cell_rejects(wrong, words):
    assert_rejects(check.lstm_cell(wrong), words)


# ---------------------------------------------------------------- sliding_windows

def sliding_windows(series, window, horizon):
    count = len(series) - window - horizon + 1
    X = np.stack([series[i:i + window] for i in range(count)])
    y = np.array([series[i + window + horizon - 1] for i in range(count)])
    return X, y


def test_sliding_windows_accepts_the_solution():
    assert check.sliding_windows(sliding_windows)


def late(series, window, horizon):
    count = len(series) - window - horizon
    X = np.stack([series[i:i + window] for i in range(count)])
    return X, np.array([series[i + window + horizon] for i in range(count)])


@pytest.mark.parametrize("wrong, words", [
    (late, ["off by one", "one step too late", "series[i + window]"]),
    (lambda s, w, h: sliding_windows(s, w, 1), ["`horizon` steps ahead"]),
    (lambda s, w, h: tuple(a[:-1] for a in sliding_windows(s, w, h)),
     ["left out the last window", "shape"]),
    (lambda s, w, h: (sliding_windows(s, w, h)[0],  # the target is the window's last value
                      np.asarray(s)[w + h - 2:w + h - 2 + len(s) - w - h + 1]),
     ["one step too early"]),
    (lambda s, w, h: sliding_windows(s, w, h)[1], ["expected a tuple (X, y)"]),
    (not_done, ["not implemented yet"]),
])
def test_sliding_windows_rejects(wrong, words):
    assert_rejects(check.sliding_windows(wrong), words)


# ---------------------------------------------------------------- persistence_mse

def persistence_mse(series, horizon):
    return np.mean((series[horizon:] - series[:-horizon]) ** 2)


def test_persistence_mse_accepts_the_solution():
    assert check.persistence_mse(persistence_mse)


@pytest.mark.parametrize("wrong, words", [
    (lambda s, h: np.sqrt(persistence_mse(s, h)), ["RMSE", "square root"]),
    (lambda s, h: np.mean(np.abs(s[h:] - s[:-h])), ["mean absolute error"]),
    (lambda s, h: persistence_mse(s, 1), ["`horizon` steps ago", "horizon 2"]),
    (lambda s, h: persistence_mse(s, h + 1), ["off by one"]),
    (lambda s, h: np.sum((s[h:] - s[:-h]) ** 2), ["average"]),
    (not_done, ["not implemented yet"]),
])
def test_persistence_mse_rejects(wrong, words):
    assert_rejects(check.persistence_mse(wrong), words)


# ---------------------------------------------------------------- one_hot

def one_hot(text, alphabet):
    out = np.zeros((len(text), len(alphabet)))
    for t, ch in enumerate(text):
        out[t, alphabet.index(ch)] = 1.0
    return out


def test_one_hot_accepts_the_solution():
    assert check.one_hot(one_hot)


@pytest.mark.parametrize("wrong, words", [
    (lambda text, a: one_hot(text, a).T, ["shape (len(text), V)", "expected shape (4, 27)"]),
    (lambda text, a: np.array([a.index(ch) for ch in text]), ["character ids"]),
    (lambda text, a: np.roll(one_hot(text, a), 1, axis=1), ["off by one", "column 0"]),
    (lambda text, a: np.stack([one_hot(ch, a)[0] for ch in text]), ["the empty text", "raised"]),
    (not_done, ["not implemented yet"]),
])
def test_one_hot_rejects(wrong, words):
    assert_rejects(check.one_hot(wrong), words)


# ---------------------------------------------------------------- clip_grad_norm

def clip_grad_norm(grads, max_norm):
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads], total


def test_clip_grad_norm_accepts_the_solution_and_keeps_the_direction():
    assert check.clip_grad_norm(clip_grad_norm)
    grads = [np.array([3.0, 0.0]), np.array([[0.0, 4.0]])]
    clipped, total = clip_grad_norm(grads, 1.0)
    assert abs(total - 5.0) < 1e-9
    np.testing.assert_allclose(np.concatenate([g.ravel() for g in clipped]), [0.6, 0, 0, 0.8],
                               atol=1e-6)


def test_clip_grad_norm_accepts_clipping_in_place():
    def in_place(grads, max_norm):
        total = float(np.sqrt(sum((g ** 2).sum() for g in grads)))
        if total > max_norm:
            for g in grads:
                g *= max_norm / (total + 1e-6)
        return grads, total
    assert check.clip_grad_norm(in_place)


def per_array(grads, max_norm):
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * min(1.0, max_norm / np.linalg.norm(g)) if np.linalg.norm(g) else g
            for g in grads], total


def always(grads, max_norm):
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * max_norm / total for g in grads], total


def squared(grads, max_norm):
    total = sum(np.sum(g ** 2) for g in grads)
    return [g * min(1.0, max_norm / total) for g in grads], total


@pytest.mark.parametrize("wrong, words", [
    (per_array, ["GLOBAL norm", "direction", "clipped[0] is wrong"]),
    (always, ["only scale down", "already small"]),
    (squared, ["square root of the sum of squares"]),
    (lambda grads, m: clip_grad_norm(grads, m)[0], ["expected a tuple (clipped, total_norm)"]),
    (lambda grads, m: (clip_grad_norm(grads, m)[0], None), ["returned None"]),
    (not_done, ["not implemented yet"]),
])
def test_clip_grad_norm_rejects(wrong, words):
    with np.errstate(all="ignore"):
        assert_rejects(check.clip_grad_norm(wrong), words)


def test_checkers_refuse_a_non_function():
    for checker in (check.rnn_cell, check.lstm_cell, check.sliding_windows,
                    check.persistence_mse, check.one_hot, check.clip_grad_norm):
        assert_rejects(checker(42), ["expected a function"])


# ---------------------------------------------------------------- 7 · your LSTMCell and GRUCell

def test_the_course_cells_pass_and_are_kept(tmp_path, monkeypatch):
    from nnkit import mine
    from nnkit.exercises.solutions import ch11 as course
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    result = check.recurrent_cells(course.LSTMCell, course.GRUCell)
    assert result, result
    text = (tmp_path / "ch11.py").read_text()
    assert "class LSTMCell(nn.Module):" in text and "def _uniform(hidden_size, *shape):" in text
    cell = mine.use("GRUCell", reference=None, quiet=True)(3, 4)
    assert cell(np.ones((2, 3), dtype=np.float32)).shape == (2, 4)


@pytest.mark.parametrize("index", range(len(check._CELL_SLIPS)))
def test_each_cell_slip_gets_its_own_hint(index):
    from nnkit.exercises.solutions import ch11 as course
    (which, forward), hint = check._CELL_SLIPS[index]
    classes = {"LSTM": course.LSTMCell, "GRU": course.GRUCell, **check._cell_variant(which, forward)}
    text = check.recurrent_cells(classes["LSTM"], classes["GRU"]).message
    assert hint in text
    assert not any(other in text for i, (_, other) in enumerate(check._CELL_SLIPS) if i != index)


def test_the_cells_checker_reports_stubs_and_non_classes():
    from nnkit import nn

    class Stub(nn.Module):
        def __init__(self, *args):
            raise NotImplementedError
    assert "not implemented yet" in check.recurrent_cells(Stub, Stub).message
    assert "two classes" in check.recurrent_cells(None, Stub).message


def test_the_course_cells_match_torch():
    torch = pytest.importorskip("torch")
    from nnkit.exercises.solutions import ch11 as course
    rng = np.random.default_rng(5)
    x, h, c = (rng.standard_normal((3, n)).astype(np.float32) for n in (2, 4, 4))
    for ours_class, theirs_class in [(course.LSTMCell, torch.nn.LSTMCell),
                                     (course.GRUCell, torch.nn.GRUCell)]:
        theirs = theirs_class(2, 4)
        ours = ours_class(2, 4)
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        lstm = ours_class is course.LSTMCell
        mine_out = ours(nnkit.tensor(x), (nnkit.tensor(h), nnkit.tensor(c)) if lstm else nnkit.tensor(h))
        torch_out = theirs(torch.tensor(x), (torch.tensor(h), torch.tensor(c)) if lstm else torch.tensor(h))
        got = mine_out[0].data if lstm else mine_out.data
        want = (torch_out[0] if lstm else torch_out).detach().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
