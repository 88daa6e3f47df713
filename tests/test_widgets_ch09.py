"""Chapter 09 widgets without a browser: the mistakes explorer and draw-your-own-digit."""
import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent

import nnkit
from nnkit import nn
from nnkit_widgets.draw_digit import DrawDigit, area_resize, mnist_preprocess, rasterize
from nnkit_widgets.mnist_mistakes import ANY, MistakesExplorer, confusion_counts


@pytest.fixture(scope="module")
def test_images():
    X, y = nnkit.datasets.mnist("test", as_float=True)
    return X[:200], y[:200]


@pytest.fixture(scope="module")
def model():
    nnkit.manual_seed(0)
    return nn.Sequential(nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))


def fake_probabilities(labels, seed=0):
    # about a third of the images get a wrong, random favourite class
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((len(labels), 10))
    logits[np.arange(len(labels)), labels] += np.where(rng.random(len(labels)) < 0.66, 5.0, -5.0)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- mistakes explorer

def test_confusion_counts_rows_are_true_classes():
    counts = confusion_counts(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]


def test_explorer_shows_only_real_mistakes_matching_the_filters(test_images):
    X, y = test_images
    probabilities = fake_probabilities(y)
    explorer = MistakesExplorer(X, y, probabilities)
    predicted = probabilities.argmax(axis=1)
    assert explorer.result["count"] == np.sum(predicted != y) > 10
    for true_class in (ANY, 3):
        for position in range(explorer.result["count"]):
            result = explorer.compute(true_class, ANY, position)
            if result["index"] is None:
                break
            index = result["index"]
            assert predicted[index] != y[index] and result["label"] == y[index]
            assert true_class == ANY or result["label"] == true_class
            np.testing.assert_array_equal(result["image"], X[index])
    assert explorer.confusion.sum() == len(y)
    assert np.trace(explorer.confusion) == np.sum(predicted == y)


def test_explorer_controls_change_result_and_picture(test_images):
    X, y = test_images
    explorer = MistakesExplorer(X, y, fake_probabilities(y))
    first_index, first_png = explorer.result["index"], explorer.png
    explorer.set(mistake=1)
    assert explorer.result["index"] != first_index and explorer.png != first_png
    label = y[explorer.result["index"]]
    png = explorer.png
    explorer.set(true_class=int(label))
    assert explorer.png != png and explorer.result["label"] == label
    # the slider's range follows the filter
    assert explorer.controls["mistake"].max == explorer.result["count"] - 1
    assert explorer.error is None


def test_explorer_sorts_mistakes_by_confidence(test_images):
    X, y = test_images
    probabilities = fake_probabilities(y, seed=1)
    explorer = MistakesExplorer(X, y, probabilities)

    def confidences():
        count = explorer.result["count"]
        indices = [explorer.compute(ANY, ANY, k, explorer.state["order"])["index"]
                   for k in range(count)]
        return [probabilities[i].max() for i in indices], sorted(indices)

    explorer.set(order="confident")
    most, chosen = confidences()
    assert most == sorted(most, reverse=True) and most[0] > most[-1]
    assert explorer.result["probabilities"].max() == most[0]  # the view shows the first
    explorer.set(order="unsure")
    least, same = confidences()
    assert least == sorted(least) and same == chosen  # the same mistakes, reordered
    # the chapter's task: confident mistakes of one class
    explorer.set(true_class=int(y[explorer.result["index"]]), order="confident")
    assert explorer.result["label"] == y[explorer.result["index"]] and explorer.error is None
    with pytest.raises(ValueError, match="expected order in"):
        explorer.selected(ANY, ANY, order="random")


def test_explorer_says_so_when_no_mistake_matches(test_images):
    X, y = test_images
    explorer = MistakesExplorer(X, y, np.eye(10)[y])  # a perfect "network"
    assert explorer.result["count"] == 0 and explorer.result["index"] is None
    assert explorer.error is None


def test_explorer_rejects_mismatched_shapes(test_images):
    X, y = test_images
    with pytest.raises(ValueError, match="probabilities.shape=\\(5, 10\\)"):
        MistakesExplorer(X, y, np.ones((5, 10)) / 10)


# ---------------------------------------------------------------- MNIST-style preprocessing

def test_area_resize_keeps_the_mean_and_handles_both_directions():
    rng = np.random.default_rng(0)
    image = rng.random((60, 40))
    small = area_resize(image, 15, 10)
    assert small.shape == (15, 10)
    assert np.isclose(small.mean(), image.mean())
    assert np.isclose(small[0, 0], image[:4, :4].mean())
    big = area_resize(np.array([[1.0, 0.0]]), 2, 4)
    np.testing.assert_allclose(big, [[1, 1, 0, 0], [1, 1, 0, 0]])


def test_preprocess_gives_mnist_digits_back(test_images):
    X, _ = test_images
    for image in X[:30]:
        upscaled = np.kron(image, np.ones((4, 4)))
        assert np.abs(mnist_preprocess(upscaled) - image).mean() < 0.01


def test_preprocess_centres_and_scales_a_small_off_centre_digit():
    drawing = rasterize([[(3, 3), (3, 8)]], brush_width=1.5)  # a short stroke in a corner
    field = mnist_preprocess(drawing)
    rows = np.flatnonzero(field.max(axis=1) > 0.05)
    assert rows[-1] - rows[0] + 1 == 20  # the longer side becomes 20 pixels
    mass = field.sum()
    centre = (field.sum(axis=1) @ np.arange(28) / mass, field.sum(axis=0) @ np.arange(28) / mass)
    assert np.allclose(centre, (14, 14), atol=0.6)
    assert field.dtype == np.float32 and field.max() <= 1


def test_preprocess_of_nothing_is_blank():
    assert not mnist_preprocess(np.zeros((112, 112))).any()


def test_rasterize_draws_a_thicker_line_with_a_wider_brush():
    thin = rasterize([[(5, 14), (23, 14)]], brush_width=1.0)
    thick = rasterize([[(5, 14), (23, 14)]], brush_width=3.0)
    assert 2.5 < thick.sum() / thin.sum() < 3.5
    assert thin[14 * 4, 14 * 4] == 1.0 and thin[0, 0] == 0.0


# ---------------------------------------------------------------- draw your own digit

def drag(widget, points):
    """Press, move and release the mouse on the drawing canvas (points in MNIST pixels)."""
    canvas, axes = widget.canvas, widget.ink.axes

    def event(kind, x, y):
        px, py = axes.transData.transform((x, y))
        canvas.callbacks.process(kind, MouseEvent(kind, canvas, px, py, button=1))
    event("button_press_event", *points[0])
    for point in points[1:]:
        event("motion_notify_event", *point)
    event("button_release_event", *points[-1])


def test_draw_digit_starts_from_a_test_digit(test_images, model):
    X, _ = test_images
    widget = DrawDigit(model, X, digit=5)
    logits = model(nnkit.tensor(X[5].reshape(1, -1))).numpy()
    assert widget.result["prediction"] == int(logits.argmax())
    assert np.abs(widget.result["input"] - X[5]).mean() < 0.01
    assert np.isclose(widget.result["probabilities"].sum(), 1.0)


def test_draw_digit_works_with_chapter_10s_cnn(test_images):
    X, _ = test_images
    nnkit.manual_seed(0)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(4 * 13 * 13, 10))
    widget = DrawDigit(cnn, X, digit=3)
    assert widget.layout == (1, 1, 28, 28) and widget.error is None
    logits = cnn(nnkit.tensor(widget.result["input"][None, None].astype(np.float32))).numpy()
    assert widget.result["prediction"] == int(logits.argmax())
    widget.click("clear")
    drag(widget, [(14, 4 + t) for t in np.linspace(0, 20, 15)])
    assert widget.result["prediction"] is not None and widget.error is None


def test_draw_digit_names_both_layouts_when_a_model_takes_neither(test_images):
    X, _ = test_images
    with pytest.raises(ValueError, match=r"\(N, 784\) pixels.*\(N, 1, 28, 28\) images.*"
                                         r"as pixels.*as images"):
        DrawDigit(nn.Sequential(nn.Linear(5, 10)), X)


def test_draw_digit_mouse_strokes_change_the_prediction_view(test_images, model):
    X, _ = test_images
    widget = DrawDigit(model, X)
    widget.click("clear")
    assert widget.result["prediction"] is None and not widget.result["input"].any()
    blank = widget.png
    drag(widget, [(14, 4 + t) for t in np.linspace(0, 20, 15)])
    assert widget.result["num_strokes"] == 1 and widget.result["prediction"] is not None
    assert widget.result["input"].any() and widget.png != blank
    assert widget.error is None
    # the drawing surface shows the stroke too
    assert widget.ink.get_array()[14 * 4, 14 * 4] > 0.9


def test_draw_digit_controls_change_the_picture(test_images, model):
    X, _ = test_images
    widget = DrawDigit(model, X)
    png, drawing = widget.png, widget.result["drawing"]
    widget.set(digit=1)
    assert widget.png != png and not np.array_equal(widget.result["drawing"], drawing)
    drag(widget, [(4, 4), (10, 10)])
    before = widget.result["drawing"].sum()
    widget.set(brush_width=4.0)
    assert widget.result["drawing"].sum() > before  # the strokes are redrawn wider
    png = widget.png
    widget.click("clear")
    assert widget.png != png and widget.result["drawing"].sum() == 0


def test_draw_digit_ignores_moves_outside_a_stroke_and_rejects_bad_images(model):
    widget = DrawDigit(model, np.zeros((3, 28, 28)))
    widget.canvas.callbacks.process(
        "motion_notify_event", MouseEvent("motion_notify_event", widget.canvas, 50, 50))
    assert widget.strokes == [] and widget.error is None
    with pytest.raises(ValueError, match="images.shape=\\(3, 784\\)"):
        DrawDigit(model, np.zeros((3, 784)))
