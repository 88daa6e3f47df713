"""Chapter 11's widgets without a browser: the gate inspector and the forecast view."""
import numpy as np
import pytest

import nnkit
from nnkit import nn
from nnkit_widgets.forecast import ForecastWidget, forecast_errors, forecast_windows
from nnkit_widgets.gate_inspector import GateInspector, record_states

ALPHABET = ".abcdefghijklmnopqrstuvwxyz"


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class CharModel(nn.Module):
    def __init__(self, kind, hidden=6):
        super().__init__()
        self.embedding = nn.Embedding(len(ALPHABET), 4)
        self.rnn = kind(4, hidden, batch_first=True)
        self.head = nn.Linear(hidden, len(ALPHABET))

    def forward(self, ids, state=None):
        out, state = self.rnn(self.embedding(ids), state)
        return self.head(out), state


@pytest.fixture(scope="module")
def models():
    nnkit.manual_seed(0)
    return {"LSTM": CharModel(nn.LSTM), "GRU": CharModel(nn.GRU), "RNN": CharModel(nn.RNN)}


# ---------------------------------------------------------------- gate inspector

def test_recorded_lstm_gates_are_the_gates_computed_by_hand(models):
    model = models["LSTM"]
    ids = np.array([0, 5, 13, 13, 1])  # ".emma"
    kind, states, _ = record_states(model, ids)
    assert kind == "LSTM" and not model.rnn.__dict__.get("_hooks")  # the hook is removed
    lstm, x = model.rnn, model.embedding.weight.data[ids]
    w_ih, w_hh = lstm.weight_ih_l0.data, lstm.weight_hh_l0.data
    bias = lstm.bias_ih_l0.data + lstm.bias_hh_l0.data
    h, c, H = np.zeros(6), np.zeros(6), 6
    for t in range(len(ids)):
        pre = x[t] @ w_ih.T + h @ w_hh.T + bias
        i, f, g, o = sigmoid(pre[:H]), sigmoid(pre[H:2 * H]), np.tanh(pre[2 * H:3 * H]), \
            sigmoid(pre[3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, want in [("input_gate", i), ("forget_gate", f), ("output_gate", o),
                           ("cell", c), ("hidden", h)]:
            np.testing.assert_allclose(states[name][t], want, atol=1e-5, err_msg=name)


def test_inspector_shows_the_chosen_units_of_every_gate(models):
    w = GateInspector(models, ALPHABET, text="emma", units=(1, 3))
    result = w.result
    assert result["chars"] == list(".emma")
    assert list(result["states"]) == ["input_gate", "forget_gate", "output_gate", "cell",
                                      "hidden"]
    assert all(v.shape == (5, 3) for v in result["states"].values())
    for name in ("input_gate", "forget_gate", "output_gate"):
        assert 0 < result["states"][name].min() and result["states"][name].max() < 1
    _, full, _ = record_states(models["LSTM"], np.array([0, 5, 13, 13, 1]))
    np.testing.assert_array_equal(result["states"]["cell"], full["cell"][:, 1:4])
    assert 0 < sum(p for _, p in result["next"]) <= 1 + 1e-6  # the three likeliest
    assert result["next"][0][1] >= result["next"][1][1] >= result["next"][2][1]


def test_every_control_changes_the_result_and_the_picture(models):
    w = GateInspector(models, ALPHABET, text="emma")
    for name, value in [("text", "olivia"), ("model", "GRU"), ("units", (2, 5)),
                        ("model", "RNN")]:
        before_png, before = w.png, w.result
        w.set(**{name: value})
        assert w.error is None, w.error
        assert w.png != before_png, name
        assert w.result is not before
    assert list(w.result["states"]) == ["hidden"] and w.result["kind"] == "RNN"
    w.set(model="GRU")
    assert list(w.result["states"]) == ["reset_gate", "update_gate", "candidate", "hidden"]
    assert w.result["chars"] == list(".olivia")


def test_unknown_characters_are_a_clear_error(models):
    w = GateInspector(models, ALPHABET, text="emma")
    w.set(text="zoë")
    assert w.error is not None and "Received text='zoë'" in w.error and "'ë'" in w.error
    w.set(text="Zoe")  # upper case is fine: lowered
    assert w.error is None and w.result["chars"] == list(".zoe")


# ---------------------------------------------------------------- forecast

def test_forecast_windows_line_up_inputs_and_targets():
    series = np.arange(20.0)
    X, Y = forecast_windows(series, start=10, window=4, num_horizons=3)
    assert X.shape == (8, 4, 1) and Y.shape == (8, 3)
    np.testing.assert_array_equal(X[0, :, 0], [6, 7, 8, 9])
    np.testing.assert_array_equal(Y[0], [10, 11, 12])
    np.testing.assert_array_equal(Y[-1], [17, 18, 19])
    with pytest.raises(ValueError, match="start=2"):
        forecast_windows(series, start=2, window=4, num_horizons=3)


def test_forecast_errors_by_hand():
    predictions, targets = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 1.0], [1.0, 1.0]])
    model, persistence = forecast_errors(predictions, targets, np.array([0.0, 2.0]))
    np.testing.assert_allclose(model, [2.0, 5.0])
    np.testing.assert_allclose(persistence, [1.0, 1.0])


class Persistence(nn.Module):
    """Repeats the last value for every horizon: its error must equal the baseline's."""

    def forward(self, x):
        return x[:, -1] * nnkit.ones(1, 24)


class Oracle(nn.Module):
    """Knows the sine wave it is shown: perfect at every horizon."""

    def forward(self, x):
        last = np.arcsin(np.clip(x.numpy()[:, -1, 0], -1, 1))
        rising = x.numpy()[:, -1, 0] > x.numpy()[:, -2, 0]
        phase = np.where(rising, last, np.pi - last)
        return nnkit.tensor(np.sin(phase[:, None] + 0.1 * np.arange(1, 25)))


def sine():
    t = np.arange(400)
    return np.sin(0.1 * t).astype(np.float32), np.arange(400).astype("datetime64[M]")


def test_persistence_model_matches_the_baseline_and_oracle_beats_it():
    series, dates = sine()
    w = ForecastWidget(Persistence(), series, dates, test_start=300, window=24)
    for h in (1, 7, 24):
        mse = w.set(horizon=h)["mse"]
        assert mse["model"] == pytest.approx(mse["persistence"], rel=1e-6)
    w = ForecastWidget(Oracle(), series, dates, test_start=300, window=24)
    mse = w.set(horizon=12)["mse"]
    assert mse["model"] < 1e-4 and mse["persistence"] > 0.1
    truth = w.result["truth"]
    np.testing.assert_allclose(truth, series[311:311 + len(truth)])  # 12 months after each origin


def test_forecast_controls_change_result_and_picture():
    series, dates = sine()
    nnkit.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(24, 24))
    w = ForecastWidget(model, series, dates, test_start=300, window=24, scale=150.0)
    assert w.controls["horizon"].max == 24
    for name, value, key in [("horizon", 6, "model"), ("origin", 3, "path")]:
        before_png, before = w.png, w.result[key].copy()
        w.set(**{name: value})
        assert w.error is None, w.error
        assert not np.array_equal(w.result[key], before), name
        assert w.png != before_png, name
    assert w.title.get_text().startswith("6 months ahead: LSTM MSE")
    assert w.result["origin_time"] == dates[302]
