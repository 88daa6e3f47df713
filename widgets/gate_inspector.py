r"""Chapter 11's gate inspector: what a recurrent network's gates do, character by character.

Type a name; a trained character-level model reads it (after the start
token ``.``) and the widget shows, as heatmaps of time (the characters)
against hidden units, the per-step activations of the model's recurrent
layer, replayed from what a forward hook saw:

- LSTM: input gate $i$, forget gate $f$, output gate $o$ (all in 0..1), cell
  state $c$ and hidden state $h = o \odot \tanh c$;
- GRU: reset gate $r$, update gate $z$ (0..1), candidate $n$ and hidden state $h$;
- RNN: the hidden state only.

The title shows what the model expects after the last character typed.
"""
import ipywidgets
import numpy as np

import nnkit
from nnkit_widgets.base import Widget

# which recorded arrays to show for each layer type, top to bottom, and their colour range
PANELS = {
    "LSTM": ["input_gate", "forget_gate", "output_gate", "cell", "hidden"],
    "GRU": ["reset_gate", "update_gate", "candidate", "hidden"],
    "RNN": ["hidden"],
}
TITLES = {"input_gate": "input gate i", "forget_gate": "forget gate f",
          "output_gate": "output gate o", "cell": "cell state c", "hidden": "hidden state h",
          "reset_gate": "reset gate r", "update_gate": "update gate z",
          "candidate": "candidate n"}
NUM_SLOTS = max(len(names) for names in PANELS.values())


def _colour_range(name, values):
    if name.endswith("gate"):
        return "viridis", 0.0, 1.0
    if name == "cell":  # unbounded: symmetric around 0, at least -1..1
        top = max(1.0, float(np.abs(values).max()))
        return "RdBu_r", -top, top
    return "RdBu_r", -1.0, 1.0  # tanh outputs


def record_states(model, ids):
    """Run ``model`` on one sequence of ids; return its first layer's per-step arrays (T, H).

    ``model.rnn`` must be an nnkit ``RNN``, ``GRU`` or ``LSTM``; the model is called as
    ``model(ids)`` with ids of shape (1, T). A forward hook on the layer (PyTorch's way of
    looking inside) keeps what went in and came out; the gates are then replayed from the
    layer's weights, step by step, with the equations of chapter 11.
    """
    layer = model.rnn
    kind = type(layer).__name__
    if kind not in PANELS:
        raise TypeError(f"GateInspector: expected model.rnn to be an nnkit RNN, GRU or LSTM. "
                        f"Received {kind}")
    seen = {}

    def keep(module, inputs, output):
        seen["x"] = np.asarray(inputs[0].data if hasattr(inputs[0], "data") else inputs[0])
        seen["state"] = inputs[1] if len(inputs) > 1 else None

    with layer.register_forward_hook(keep), nnkit.no_grad():
        logits = model(np.asarray(ids)[None])
    logits = logits[0] if isinstance(logits, tuple) else logits
    x = seen["x"] if layer.batch_first else seen["x"].swapaxes(0, 1)
    return kind, replay(layer, x[0], seen["state"]), logits.numpy()[0, -1]


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def replay(layer, x, state=None):
    """The first layer's gates and states for one sequence ``x`` (T, I): {name: (T, H)}."""
    w_ih, w_hh = layer.weight_ih_l0.data, layer.weight_hh_l0.data
    b_ih, b_hh = layer.bias_ih_l0.data, layer.bias_hh_l0.data
    hidden = w_hh.shape[1]
    kind = type(layer).__name__
    if state is None:
        h = c = np.zeros(hidden, dtype=w_ih.dtype)
    elif kind == "LSTM":
        h, c = (np.asarray(s.data)[0, 0] for s in state)
    else:
        h = np.asarray(state.data)[0, 0]
    steps = {name: [] for name in PANELS[kind]}
    for x_t in x:
        from_x, from_h = x_t @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        if kind == "LSTM":
            i, f, g, o = np.split(from_x + from_h, 4)
            i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
            c = f * c + i * g
            h = o * np.tanh(c)
            values = {"input_gate": i, "forget_gate": f, "output_gate": o, "cell": c}
        elif kind == "GRU":
            (xr, xz, xn), (hr, hz, hn) = np.split(from_x, 3), np.split(from_h, 3)
            r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
            n = np.tanh(xn + r * hn)
            h = (1 - z) * n + z * h
            values = {"reset_gate": r, "update_gate": z, "candidate": n}
        else:
            h = np.tanh(from_x + from_h) if layer.nonlinearity == "tanh" else \
                np.maximum(from_x + from_h, 0)
            values = {}
        for name, rows in steps.items():
            rows.append(h if name == "hidden" else values[name])
    return {name: np.array(rows) for name, rows in steps.items()}


class GateInspector(Widget):
    r"""Heatmaps of gates and states over time for a text the learner types.

    Args:
        models: dict name -> trained character model with a ``.rnn`` layer
            (see :func:`record_states`); the dropdown picks one.
        alphabet: the model's characters; character k has id k. ``.`` marks
            the start (and end) of a name.

    Example::

        w = GateInspector({"LSTM": lstm_model, "GRU": gru_model}, alphabet, text="emma")
        w.result["states"]["forget_gate"]   # (T, units) forget gate values
    """

    figsize = (9.0, 6.4)

    def __init__(self, models, alphabet, **initial):
        if not models:
            raise ValueError("GateInspector: expected a dict of at least one model. "
                             "Received an empty dict")
        self.models, self.alphabet = dict(models), alphabet
        self.num_hiddens = next(iter(self.models.values())).rnn.hidden_size
        super().__init__(**initial)

    def make_controls(self):
        return {
            "text": ipywidgets.Text(value="emma", description="name", continuous_update=False,
                                    layout={"width": "200px"}),
            "model": ipywidgets.Dropdown(options=list(self.models), description="model",
                                         value="LSTM" if "LSTM" in self.models else next(iter(self.models)),
                                         layout={"width": "170px"}),
            "units": ipywidgets.IntRangeSlider(value=(0, min(15, self.num_hiddens - 1)), min=0,
                                               max=self.num_hiddens - 1,
                                               description="units"),
        }

    def encode(self, text):
        """'.' + the lower-cased text as ids; unknown characters are a clear error."""
        text = text.strip().lower()
        unknown = sorted(set(text) - set(self.alphabet))
        if not text or unknown:
            raise ValueError(f"GateInspector: expected a name made of the characters "
                             f"{self.alphabet!r}. Received text={text!r}"
                             + (f" with {unknown}" if unknown else ""))
        return "." + text, np.array([self.alphabet.index(ch) for ch in "." + text])

    def compute(self, text, model, units):
        """Recorded gates and states of units[0]..units[1] at every character, and the next guess."""
        shown, ids = self.encode(text)
        kind, recorded, last_logits = record_states(self.models[model], ids)
        low, high = units
        states = {name: recorded[name][:, low:high + 1] for name in PANELS[kind]}
        probs = np.exp(last_logits - last_logits.max())
        probs /= probs.sum()
        top = np.argsort(probs)[::-1][:3]
        return {"kind": kind, "chars": list(shown), "states": states, "units": (low, high),
                "next": [(self.alphabet[k], float(probs[k])) for k in top]}

    # ---- drawing ------------------------------------------------------------

    def setup(self, fig):
        self.axes = fig.subplots(NUM_SLOTS, 1, sharex=True)
        self.images = []
        for ax in self.axes:
            image = ax.imshow(np.zeros((1, 1)), aspect="auto", interpolation="nearest",
                              origin="lower")
            fig.colorbar(image, ax=ax, pad=0.01, fraction=0.04)
            self.images.append(image)
            ax.set_ylabel("unit", fontsize=8)
        self.title = fig.suptitle("", fontsize=10)

    def redraw(self, result):
        chars, (low, high) = result["chars"], result["units"]
        names = list(result["states"])
        for slot, (ax, image) in enumerate(zip(self.axes, self.images)):
            visible = slot < len(names)
            ax.set_visible(visible)
            image.colorbar.ax.set_visible(visible)
            if not visible:
                continue
            name, values = names[slot], result["states"][names[slot]]
            cmap, vmin, vmax = _colour_range(name, values)
            image.set_data(values.T)  # rows: units, columns: time
            image.set_cmap(cmap)
            image.set_clim(vmin, vmax)
            image.set_extent((-0.5, len(chars) - 0.5, low - 0.5, high + 0.5))
            ax.set_title(TITLES[name], fontsize=9, loc="left")
        for ax in self.axes:  # tick labels only under the lowest panel shown
            ax.xaxis.set_tick_params(labelbottom=False)
        last = self.axes[len(names) - 1]
        last.set_xticks(range(len(chars)), chars)
        last.xaxis.set_tick_params(labelbottom=True)
        guesses = ", ".join(f"'{ch}' {p:.0%}" for ch, p in result["next"])
        self.title.set_text(f"{result['kind']} reading '{''.join(chars)}'; "
                            f"next character expected: {guesses}")
