"""Chapter 09's mistakes explorer: browse the test digits a network got wrong.

Three panels: the digit, the network's probabilities for it (the true class
in green, the wrong guess in red), and the confusion matrix of the whole
test set with the current digit's cell framed. Two dropdowns filter the
mistakes by true and by predicted class, a third orders them (test-set order,
or by the network's confidence in its wrong guess: the most confident
mistakes are often mislabelled or truly ambiguous digits, the least confident
are near-ties); a slider walks through them.

Example::

    probabilities = softmax(model(X_test))          # (N, 10), rows sum to 1
    MistakesExplorer(images, labels, probabilities, true_class=4)
"""

import ipywidgets
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.patches import Rectangle

from nnkit_widgets.base import Widget

ANY = -1  # the dropdown value meaning "no filter"
ORDERS = {"test-set order": "index", "most confident first": "confident",
          "least confident first": "unsure"}


def confusion_counts(labels, predicted, num_classes):
    """Counts[i, j]: how many images of true class i were predicted as j (chapter 09)."""
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (labels, predicted), 1)
    return counts


def _checked(images, labels, probabilities):
    images, labels = np.asarray(images), np.asarray(labels)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if images.ndim != 3:
        raise ValueError("MistakesExplorer: expected images of shape (N, height, width). "
                         f"Received: images.shape={images.shape}")
    if probabilities.ndim != 2 or len(probabilities) != len(images) or len(labels) != len(images):
        raise ValueError("MistakesExplorer: expected labels (N,) and probabilities (N, classes) "
                         f"for N={len(images)} images. Received: labels.shape={labels.shape}, "
                         f"probabilities.shape={probabilities.shape}")
    return images, labels.astype(np.int64), probabilities


class MistakesExplorer(Widget):
    """Browse misclassified images with the network's probabilities (chapter 09).

    Args:
        images: (N, height, width) test images.
        labels: (N,) true classes.
        probabilities: (N, num_classes) the network's softmax outputs.
    """

    figsize = (10.0, 3.3)

    def __init__(self, images, labels, probabilities, **initial):
        self.images, self.labels, self.probabilities = _checked(images, labels, probabilities)
        self.num_classes = self.probabilities.shape[1]
        self.predicted = self.probabilities.argmax(axis=1)
        self.mistakes = np.flatnonzero(self.predicted != self.labels)
        self.confusion = confusion_counts(self.labels, self.predicted, self.num_classes)
        super().__init__(**initial)

    def make_controls(self):
        classes = [("any", ANY)] + [(str(c), c) for c in range(self.num_classes)]
        style = {"description_width": "initial"}
        # the slider first: the filters that follow may leave nothing to slide through
        return {
            "mistake": ipywidgets.IntSlider(value=0, min=0, max=max(len(self.mistakes) - 1, 0),
                                            description="mistake #", style=style),
            "true_class": ipywidgets.Dropdown(options=classes, value=ANY, description="true class",
                                              style=style, layout={"width": "150px"}),
            "predicted_class": ipywidgets.Dropdown(options=classes, value=ANY,
                                                   description="predicted as", style=style,
                                                   layout={"width": "160px"}),
            "order": ipywidgets.Dropdown(options=list(ORDERS.items()), value="index",
                                         description="order", style=style,
                                         layout={"width": "250px"}),
        }

    def selected(self, true_class, predicted_class, order="index"):
        """Indices (into the test set) of the mistakes that pass the two filters, in the
        ``order`` asked: "index", "confident" (highest probability of the wrong guess
        first) or "unsure" (lowest first)."""
        if order not in ORDERS.values():
            raise ValueError(f"MistakesExplorer: expected order in {list(ORDERS.values())}. "
                             f"Received: {order!r}")
        keep = np.ones(len(self.mistakes), dtype=bool)
        if true_class != ANY:
            keep &= self.labels[self.mistakes] == true_class
        if predicted_class != ANY:
            keep &= self.predicted[self.mistakes] == predicted_class
        chosen = self.mistakes[keep]
        if order == "index":
            return chosen
        confidence = self.probabilities[chosen, self.predicted[chosen]]
        ranked = np.argsort(-confidence if order == "confident" else confidence, kind="stable")
        return chosen[ranked]

    def compute(self, true_class, predicted_class, mistake, order="index"):
        chosen = self.selected(true_class, predicted_class, order)
        result = {"count": len(chosen), "true_class": true_class,
                  "predicted_class": predicted_class, "index": None}
        if len(chosen) == 0:
            return result
        position = min(mistake, len(chosen) - 1)
        index = int(chosen[position])
        return {**result, "index": index, "position": position, "image": self.images[index],
                "label": int(self.labels[index]), "predicted": int(self.predicted[index]),
                "probabilities": self.probabilities[index]}

    def update(self):
        # the slider's range follows the filters (this may recompute once more, cheaply)
        state = self.state
        count = len(self.selected(state["true_class"], state["predicted_class"],
                                  state.get("order", "index")))
        self.controls["mistake"].max = max(count - 1, 0)
        super().update()

    def setup(self, fig):
        image_ax, bars_ax, matrix_ax = fig.subplots(1, 3, width_ratios=[1, 1.4, 1.2])
        self.digit = image_ax.imshow(np.zeros(self.images.shape[1:]), cmap="gray_r", vmin=0,
                                     vmax=float(self.images.max()) or 1.0)
        image_ax.set_xticks([])
        image_ax.set_yticks([])
        self.digit_title = image_ax.set_title("", fontsize=10)
        classes = np.arange(self.num_classes)
        self.bars = bars_ax.bar(classes, np.zeros(self.num_classes), color="0.7")
        bars_ax.set(xticks=classes, ylim=(0, 1.05), xlabel="class", ylabel="probability")
        self.bars_title = bars_ax.set_title("", fontsize=10)
        self._setup_matrix(matrix_ax)

    def _setup_matrix(self, ax):
        off_diagonal = np.where(np.eye(self.num_classes, dtype=bool), np.nan, self.confusion)
        off_diagonal = np.where(off_diagonal == 0, np.nan, off_diagonal)  # log scale: hide zeros
        top = max(np.nanmax(off_diagonal), 2) if np.isfinite(off_diagonal).any() else 2
        norm = LogNorm(vmin=1, vmax=top)
        ax.imshow(off_diagonal, cmap="Reds", norm=norm)
        ticks = np.arange(self.num_classes)
        ax.set(xticks=ticks, yticks=ticks, xlabel="predicted class", ylabel="true class")
        ax.tick_params(labelsize=7)
        ax.set_title("mistakes on the test set", fontsize=10)
        for i in range(self.num_classes):
            for j in range(self.num_classes):
                if i != j and self.confusion[i, j]:
                    dark = norm(self.confusion[i, j]) > 0.6  # white text on dark cells
                    ax.text(j, i, self.confusion[i, j], ha="center", va="center", fontsize=6,
                            color="white" if dark else "black")
        self.frame = Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor="tab:blue", linewidth=2)
        ax.add_patch(self.frame)

    def redraw(self, result):
        for bar in self.bars:
            bar.set_color("0.7")
        if result["index"] is None:
            self.digit.set_data(np.zeros(self.images.shape[1:]))
            self.digit_title.set_text("no such mistake")
            for bar in self.bars:
                bar.set_height(0)
            same = result["true_class"] == result["predicted_class"] != ANY
            self.bars_title.set_text(self._filter_text(result) + (
                "\na digit read as itself is no mistake" if same else " · no such mistake"))
            self.frame.set_visible(False)
            return
        self.digit.set_data(result["image"])
        self.digit_title.set_text(f"test image #{result['index']}")
        for bar, p in zip(self.bars, result["probabilities"]):
            bar.set_height(p)
        self.bars[result["label"]].set_color("tab:green")
        self.bars[result["predicted"]].set_color("tab:red")
        self.bars_title.set_text(
            f"true {result['label']} (green), predicted {result['predicted']} (red)\n"
            f"{self._filter_text(result)} · mistake {result['position'] + 1} of {result['count']}")
        self.frame.set_xy((result["predicted"] - 0.5, result["label"] - 0.5))
        self.frame.set_visible(True)

    @staticmethod
    def _filter_text(result):
        true = "any" if result["true_class"] == ANY else result["true_class"]
        predicted = "any" if result["predicted_class"] == ANY else result["predicted_class"]
        return f"filter: true {true}, predicted {predicted}"
