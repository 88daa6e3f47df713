r"""Chapter 12's sampling widget: names from a trained character model, at a temperature.

The model turns the text so far into logits $z$ for the next character; the
sampler draws from $p = \mathrm{softmax}(z / \tau)$ with temperature $\tau$,
appends the character and repeats until the end-of-name character. The
picture shows $p$ for the character after your prompt (how the temperature
reshapes it) and a list of sampled names that start with the prompt.
"""

import ipywidgets
import numpy as np

from nnkit.autograd import no_grad
from nnkit_widgets.base import Widget


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def next_char_probs(model, ids, temperature):
    """p(next | ids) = softmax(logits / temperature) for a TinyGPT-like model (ids: 1-D)."""
    if not temperature > 0:
        raise ValueError(f"next_char_probs: expected temperature > 0. Received {temperature}")
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            window = np.asarray(ids, dtype=np.int64)[-model.context_length:]
            logits = model(window[None, :]).numpy()[0, -1].astype(np.float64)
    finally:
        model.train(was_training)
    return _softmax(logits / temperature)


def sample_names(model, tokenizer, prompt, temperature, seed, count=12, end="\n"):
    """`count` names sampled one character at a time from end + prompt, each until `end`.

    Each name is sampled on its own (the model never sees the previous name),
    with a generator seeded by `seed`: the same arguments give the same names.
    """
    rng = np.random.default_rng(seed)
    start = list(tokenizer.encode(end + prompt))
    end_id = int(tokenizer.encode(end)[0])
    names = []
    for _ in range(count):
        ids = list(start)
        while len(ids) < model.context_length + 1:  # the longest window the model can read
            p = next_char_probs(model, ids, temperature)
            ids.append(int(rng.choice(len(p), p=p)))
            if ids[-1] == end_id:
                break
        names.append(tokenizer.decode([i for i in ids[1:] if i != end_id]))
    return names


class NameSampler(Widget):
    r"""Sample names from a trained TinyGPT: temperature slider, prompt box, seed.

    Args:
        model: a trained :class:`nnkit.models.TinyGPT` (or any model with
            ``context_length``, ``eval``/``train`` and ids (1, T) -> logits (1, T, V)).
        tokenizer: its :class:`nnkit.models.CharTokenizer`; the newline ends a name.

    Example::

        w = NameSampler(model, tokenizer, temperature=0.8, prompt="ma")
        w.result["names"]      # 12 names starting with "ma"
        w.result["probs"]      # p(next character | "\nma") at temperature 0.8
    """

    figsize = (8.0, 3.6)

    def __init__(self, model, tokenizer, count=12, **initial):
        self.model, self.tokenizer, self.count = model, tokenizer, count
        self.labels = [{"\n": "\u21b5"}.get(c, c) for c in tokenizer.chars]
        super().__init__(**initial)

    def make_controls(self):
        return {
            "temperature": ipywidgets.FloatSlider(value=0.8, min=0.1, max=2.5, step=0.1,
                                                  description="temperature",
                                                  style={"description_width": "initial"},
                                                  continuous_update=False),
            # continuous_update=False: resample on Enter or when the box loses focus
            "prompt": ipywidgets.Text(value="", description="prompt", continuous_update=False,
                                      placeholder="first letters",
                                      layout=ipywidgets.Layout(width="200px")),
            "seed": ipywidgets.IntSlider(value=0, min=0, max=99, description="seed",
                                         continuous_update=False),
        }

    def compute(self, temperature, prompt, seed):
        """The next-character distribution after the prompt and `count` sampled names."""
        prompt = prompt.strip().lower()
        unknown = sorted(set(prompt) - set(self.tokenizer.chars) | set(prompt) & {"\n"})
        if unknown:
            letters = "".join(c for c in self.tokenizer.chars if c != "\n")
            raise ValueError(f"NameSampler: expected a prompt made of the letters {letters!r}. "
                             f"Received prompt={prompt!r} with {unknown}")
        if len(prompt) >= self.model.context_length:
            raise ValueError(f"NameSampler: expected a prompt shorter than "
                             f"{self.model.context_length} characters. "
                             f"Received {len(prompt)} characters")
        probs = next_char_probs(self.model, self.tokenizer.encode("\n" + prompt), temperature)
        names = sample_names(self.model, self.tokenizer, prompt, temperature, seed, self.count)
        entropy = float(-(probs[probs > 0] * np.log(probs[probs > 0])).sum())
        return {"probs": probs, "names": names, "entropy": entropy,
                "prompt": prompt, "temperature": temperature}

    def setup(self, fig):
        self.ax, self.text_ax = fig.subplots(1, 2, width_ratios=[2.2, 1])
        positions = np.arange(len(self.labels))
        self.bars = self.ax.bar(positions, np.zeros(len(positions)), color="tab:blue")
        self.ax.set_xticks(positions, self.labels, fontsize=7)
        self.ax.set(ylim=(0, 1), ylabel="probability")
        self.title = self.ax.set_title("", fontsize=10)
        self.text_ax.axis("off")
        self.text_ax.set_title("sampled names", fontsize=10)
        self.names_text = self.text_ax.text(0.05, 0.98, "", va="top", family="monospace",
                                            fontsize=9, transform=self.text_ax.transAxes)

    def redraw(self, result):
        for bar, p in zip(self.bars, result["probs"]):
            bar.set_height(p)
        self.ax.set_ylim(0, max(0.3, 1.1 * float(result["probs"].max())))
        shown = repr(result["prompt"])[1:-1] or "(start)"
        self.title.set_text(f"p(next character | {shown}) at temperature "
                            f"{result['temperature']:.1f}: entropy {result['entropy']:.2f} nats")
        self.names_text.set_text("\n".join(result["names"]))
