r"""Chapter 12's widget: where a trained TinyGPT looks, on text you type.

Every attention head of every layer turns a window of characters into a
matrix of weights: row $t$ (a query position) says how much position $t$
takes from each earlier position $s$ (the keys),

.. math:: A_{ts} = \mathrm{softmax}_s\!\left(\frac{q_t \cdot k_s}{\sqrt{d}}\right),
   \qquad A_{ts} = 0 \text{ for } s > t \text{ (the causal mask)}.

Each row sums to 1. The widget shows $A$ for one layer and one head, or the
average of the heads.
"""

import ipywidgets
import numpy as np

from nnkit.autograd import no_grad
from nnkit_widgets.base import Widget, describe

AVERAGE = "average of heads"


def _show_char(ch):
    """A label a learner can read: the newline and the space get visible stand-ins."""
    return {"\n": "\u21b5", " ": "\u2423"}.get(ch, ch)


def attention_maps(model, ids):
    """Every head's attention weights for one window of token ids: (layers, heads, T, T).

    Runs the model once in evaluation mode without gradients, with two forward hooks on
    each block's attention (PyTorch's way of looking inside): a pre-hook asks the layer for
    its weights, per head (``need_weights=True, average_attn_weights=False``), and a hook
    keeps them. The hooks are removed afterwards; the model is left as it was.
    """
    maps, handles = [], []

    def want_weights(module, args, kwargs):
        return args, {**kwargs, "need_weights": True, "average_attn_weights": False}

    def keep_weights(module, args, output):
        maps.append(output[1].data[0].copy())  # (heads, T, T) of the one window

    was_training = model.training
    try:
        for block in model.blocks:
            handles.append(block.self_attn.register_forward_pre_hook(want_weights,
                                                                      with_kwargs=True))
            handles.append(block.self_attn.register_forward_hook(keep_weights))
        model.eval()
        with no_grad():
            model(np.asarray(ids, dtype=np.int64)[None, :])
        return np.stack(maps)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)


class AttentionHeatmap(Widget):
    r"""The attention weights of a trained TinyGPT on your own text, per layer and head.

    Args:
        model: a trained :class:`nnkit.models.TinyGPT`.
        tokenizer: the :class:`nnkit.models.CharTokenizer` it was trained with.
        prefix: put in front of your text (``"\n"``: a name starts after a newline,
            as in the training data).

    Example::

        w = AttentionHeatmap(model, tokenizer, text="isabella")
        w.set(layer=2, head="head 1")["weights"]      # (T, T) matrix, rows sum to 1
    """

    figsize = (5.6, 4.6)

    def __init__(self, model, tokenizer, prefix="\n", **initial):
        blocks = getattr(model, "blocks", None)
        if not blocks or not all(hasattr(b, "self_attn") for b in blocks) \
                or not hasattr(model, "context_length"):
            raise TypeError(f"AttentionHeatmap: expected a TinyGPT-like model: .blocks holding "
                            f"TransformerBlocks (each with .self_attn) and .context_length. "
                            f"Received: model={describe(model)} with blocks={describe(blocks)}")
        if not hasattr(tokenizer, "encode") or not hasattr(tokenizer, "chars"):
            raise TypeError(f"AttentionHeatmap: expected the model's CharTokenizer. Received: "
                            f"tokenizer={describe(tokenizer)}")
        self.model, self.tokenizer, self.prefix = model, tokenizer, prefix
        self.num_layers = len(model.blocks)
        self.num_heads = model.blocks[0].self_attn.num_heads
        super().__init__(**initial)

    def make_controls(self):
        style = {"description_width": "50px"}
        heads = [AVERAGE] + [f"head {h + 1}" for h in range(self.num_heads)]
        return {
            # continuous_update=False: recompute on Enter or when the box loses focus
            "text": ipywidgets.Text(value="isabella", description="text", style=style,
                                    continuous_update=False,
                                    layout=ipywidgets.Layout(width="220px")),
            "layer": ipywidgets.Dropdown(options=list(range(1, self.num_layers + 1)), value=1,
                                         description="layer", style=style,
                                         layout=ipywidgets.Layout(width="120px")),
            "head": ipywidgets.Dropdown(options=heads, value=AVERAGE, description="head",
                                        style=style, layout=ipywidgets.Layout(width="210px")),
        }

    def compute(self, text, layer, head):
        """The (T, T) weights to show, the characters labelling them and a note for the learner."""
        known = set(self.tokenizer.chars)
        unknown = sorted(set(text) - known)
        kept = "".join(ch for ch in text if ch in known)
        notes = []
        if unknown:
            notes.append(f"left out {', '.join(repr(c) for c in unknown)}: not in the "
                         "vocabulary")
        window = self.prefix + kept
        if not window:
            raise ValueError("AttentionHeatmap: type at least one character the model knows. "
                             f"Received text={text!r}")
        if len(window) > self.model.context_length:
            window = window[-self.model.context_length:]
            notes.append(f"kept the last {self.model.context_length} characters "
                         "(the model's context length)")
        maps = attention_maps(self.model, self.tokenizer.encode(window))
        per_layer = maps[layer - 1]
        weights = per_layer.mean(axis=0) if head == AVERAGE else per_layer[int(head.split()[1]) - 1]
        return {"weights": weights, "labels": [_show_char(ch) for ch in window],
                "note": "\n".join(notes), "layer": layer, "head": head}

    def setup(self, fig):
        self.ax = fig.add_subplot()
        self.image = self.ax.imshow(np.zeros((1, 1)), cmap="Blues", vmin=0.0, vmax=1.0)
        fig.colorbar(self.image, ax=self.ax, shrink=0.8, label="attention weight")
        self.ax.set(xlabel="key position (looked at)", ylabel="query position (looking)")
        self.title = self.ax.set_title("", fontsize=10)
        # a figure-level label: the constrained layout keeps room for it under the axes
        self.note = fig.supxlabel(" ", fontsize=8, color="#b00020")

    def redraw(self, result):
        weights, labels = result["weights"], result["labels"]
        size = len(labels)
        self.image.set_data(weights)
        self.image.set_extent((-0.5, size - 0.5, size - 0.5, -0.5))
        self.ax.set_xlim(-0.5, size - 0.5)
        self.ax.set_ylim(size - 0.5, -0.5)
        self.ax.set_xticks(range(size), labels)
        self.ax.set_yticks(range(size), labels)
        self.title.set_text(f"layer {result['layer']}, {result['head']}: "
                            "each row sums to 1")
        self.note.set_text(result["note"] or " ")
