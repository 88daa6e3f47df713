"""The widget base class, the live plot and chapter 00's widget, without a browser."""

import ipywidgets
import numpy as np
import pytest

from nnkit_widgets.base import Widget
from nnkit_widgets.live import LivePlot
from nnkit_widgets.welcome import WelcomeWidget, sigmoid


class Line(Widget):
    """A tiny widget: y = slope * x, a button that doubles the slope, a failure switch."""

    def make_controls(self):
        return {
            "slope": ipywidgets.FloatSlider(value=1.0, min=-5, max=5),
            "fail": ipywidgets.Checkbox(value=False),
            "double": ipywidgets.Button(description="double"),
        }

    def compute(self, slope, fail):
        if fail:
            raise ValueError("slope went wrong on purpose")
        x = np.arange(5.0)
        return {"x": x, "y": slope * x}

    def setup(self, fig):
        self.ax = fig.add_subplot()
        self.ax.set(xlim=(0, 4), ylim=(-20, 20))
        (self.line,) = self.ax.plot([], [])

    def redraw(self, result):
        self.line.set_data(result["x"], result["y"])

    def on_click(self, name):
        self.controls["slope"].value *= 2


def test_compute_receives_control_values_and_result_follows_the_controls():
    w = Line()
    np.testing.assert_allclose(w.result["y"], [0, 1, 2, 3, 4])
    w.controls["slope"].value = -2.0
    np.testing.assert_allclose(w.result["y"], [0, -2, -4, -6, -8])
    assert w.set(slope=0.5)["y"][-1] == 2.0


def test_constructor_keywords_set_first_values():
    assert Line(slope=3.0).result["y"][1] == 3.0


def test_the_picture_is_a_png_that_changes_with_the_controls():
    w = Line()
    before = w.png
    assert before.startswith(b"\x89PNG")
    w.set(slope=4.0)
    assert w.png.startswith(b"\x89PNG") and w.png != before


def test_redraw_updates_artists_instead_of_making_new_ones():
    w = Line()
    figure, line = w.figure, w.line
    for slope in (2.0, -1.0, 3.0):
        w.set(slope=slope)
    assert w.figure is figure and w.line is line
    assert len(w.ax.lines) == 1 and len(figure.axes) == 1
    np.testing.assert_allclose(line.get_ydata(), 3.0 * np.arange(5.0))


def test_button_runs_on_click_then_recomputes():
    w = Line(slope=1.5)
    w.click("double")
    assert w.controls["slope"].value == 3.0
    assert w.result["y"][1] == 3.0


def test_compute_errors_are_shown_in_red_and_cleared_once_fixed():
    w = Line()
    good_result, good_png = w.result, w.png
    w.set(fail=True)
    assert "ValueError: slope went wrong on purpose" in w.error
    shown = w.errors.outputs
    assert len(shown) == 1
    # the traceback reaches the page as red, escaped HTML
    html = shown[0]["data"]["text/html"]
    assert "slope went wrong on purpose" in html and "#b00020" in html
    # the last good result and picture stay
    assert w.result is good_result and w.png == good_png
    w.set(fail=False)
    assert w.error is None and w.errors.outputs == ()


def test_errors_in_button_handlers_are_shown_too():
    class Broken(Line):
        def on_click(self, name):
            raise RuntimeError(f"button {name} is broken")

    w = Broken()
    w.click("double")
    assert "RuntimeError: button double is broken" in w.error


def test_layout_carries_the_classes_the_browser_tests_rely_on():
    w = Line()
    assert w.show() is w.box
    assert isinstance(w.box, ipywidgets.VBox)
    assert "nnkit-widget" in w.box._dom_classes
    assert "nnkit-view" in w.view._dom_classes
    assert "nnkit-error" in w.errors._dom_classes
    bundle = w._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == w.box.model_id


def test_state_leaves_buttons_out():
    assert Line(slope=2.0).state == {"slope": 2.0, "fail": False}


def test_unknown_control_names_are_reported_clearly():
    with pytest.raises(KeyError, match=r"Line has no control 'slop'.*\['double', 'fail', 'slope'\]"):
        Line(slop=2.0)
    with pytest.raises(KeyError, match="Received: 'nope'"):
        Line().set(nope=1)


def test_make_controls_is_validated():
    class NotADict(Line):
        def make_controls(self):
            return [ipywidgets.FloatSlider()]

    class NotAControl(Line):
        def make_controls(self):
            return {"slope": 1.0}

    with pytest.raises(TypeError, match="must return a dict.*Received: list"):
        NotADict()
    with pytest.raises(TypeError, match="control 'slope'.*Received: float"):
        NotAControl()


def test_missing_compute_is_shown_not_swallowed():
    class NoCompute(Widget):
        pass

    w = NoCompute()
    assert "NoCompute must define compute" in w.error


# ---- chapter 00's widget ---------------------------------------------------


def test_sigmoid_matches_its_formula_and_never_overflows():
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    with np.errstate(over="raise"):
        np.testing.assert_array_equal(sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])


def test_welcome_widget_crossing_point_and_curve():
    w = WelcomeWidget()
    result = w.set(weight=2.0, bias=-2.0)
    assert result["crossing"] == 1.0
    middle = np.argmin(np.abs(result["x"] - 1.0))
    assert result["y"][middle] == pytest.approx(0.5)
    assert np.all(np.diff(result["y"]) > 0)  # a positive weight makes it rise
    assert np.all(np.diff(w.set(weight=-1.0)["y"]) < 0)  # a negative one makes it fall


def test_welcome_widget_flat_line_when_weight_is_zero():
    w = WelcomeWidget(weight=0.0, bias=1.0)
    assert w.error is None
    assert w.result["crossing"] is None
    np.testing.assert_allclose(w.result["y"], sigmoid(1.0))
    assert "never" in w.title.get_text()


def test_welcome_widget_marker_hides_when_crossing_is_off_the_plot():
    w = WelcomeWidget(weight=0.25, bias=4.0)  # crosses at x = -16
    assert len(w.marker.get_xdata()) == 0
    w.set(bias=1.0)  # crosses at x = -4
    assert list(w.marker.get_xdata()) == [-4.0]


# ---- the live plot ---------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_live_plot_records_history_and_throttles_redraws():
    clock = FakeClock()
    live = LivePlot(["train", "val"], "accuracy", every=1.0, show=False, clock=clock)
    assert live.num_draws == 1  # an empty frame straight away
    for step in range(10):
        clock.now = step * 0.25  # four logs per second
        live.log(train=1.0 / (step + 1), accuracy=step / 10)
    assert live.history["train"][0] == list(range(1, 11))
    assert live.history["accuracy"][1][-1] == 0.9
    assert live.history["val"] == ([], [])
    assert live.num_draws == 1 + 2  # at t = 1.0 and t = 2.0 only
    live.log(step=20, val=0.5)
    assert live.history["val"] == ([20], [0.5])
    before = bytes(live.view.value)
    live.close()
    after = bytes(live.view.value)
    assert after != before and after.startswith(b"\x89PNG")
    np.testing.assert_allclose(live.lines["train"].get_ydata(), 1.0 / np.arange(1, 11))


def test_live_plot_draws_every_step_when_every_is_zero():
    live = LivePlot("loss", every=0, show=False)
    for step in range(3):
        live.log(loss=step)
    assert live.num_draws == 4


def test_live_plot_rejects_bad_arguments():
    with pytest.raises(ValueError, match="at least one metric"):
        LivePlot(show=False)
    with pytest.raises(ValueError, match=r"Received: \[\]"):
        LivePlot([], show=False)
    with pytest.raises(ValueError, match="every=-1"):
        LivePlot("loss", every=-1, show=False)
    with pytest.raises(KeyError, match="unknown metric 'los'.*Received: los=1"):
        LivePlot("loss", show=False).log(los=1)


def test_live_plot_leaves_its_final_picture_in_a_saved_notebook():
    # executed headless and saved, a widget keeps only its first state (an empty plot, a
    # bar at 0%); LivePlot.close() replaces its output with one that carries the end
    import base64

    import nbclient
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(
        "from nnkit_widgets.live import LivePlot\n"
        "live = LivePlot('loss', total=5, every=0)\n"
        "for i in range(5):\n    live.log(loss=1 / (i + 1))\n"
        "live.close()")]
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=180).execute()
    outputs = notebook.cells[0].outputs
    assert len(outputs) == 1, [o.get("data", o).keys() for o in outputs]  # one output, no stray bar
    data = outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in data  # still live in JupyterLab
    assert data["text/plain"].startswith("100%") and "5/5" in data["text/plain"]
    png = base64.b64decode(data["image/png"])
    import io

    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(png))[..., :3]
    blue = np.abs(pixels - np.array([0x1F, 0x77, 0xB4]) / 255).max(axis=-1) < 0.05
    assert blue.sum() > 200  # the curve is drawn (tab:blue), not an empty frame
