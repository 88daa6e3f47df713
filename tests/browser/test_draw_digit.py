"""Chapter 09's draw-your-own-digit in a real browser: dragging the mouse on the ipympl
canvas must reach the kernel and change the prediction view.

The chapter itself is covered by test_chapters.py (Run All, every control moved); this
test uses a small notebook with an untrained network, so that it is quick and checks the
one thing a control cannot: mouse strokes on the drawing surface.
"""

import json

from checks import VIEW_SIGNATURE, _poll, _scroll_to, _wait_rendered, error_box_problems
from harness import open_notebook, run_all

SOURCE = """\
import nnkit
from nnkit import nn
from nnkit_widgets.draw_digit import DrawDigit

nnkit.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
images, _ = nnkit.datasets.mnist("test", as_float=True)
drawer = DrawDigit(model, images[:10])
drawer"""


def write_notebook(path):
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": SOURCE}
    notebook = {"cells": [cell], "metadata": {"kernelspec": {
        "display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook))


def drag(page, box, points):
    """Press at the first point, move through the others, release (fractions of the box)."""
    def at(fx, fy):
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]
    page.mouse.move(*at(*points[0]))
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*at(*point), steps=4)
    page.mouse.up()


def settle(view, page, quiet=2.0, timeout=30.0):
    """Wait until the view has not changed for `quiet` seconds."""
    last, still, waited = view.evaluate(VIEW_SIGNATURE), 0.0, 0.0
    while still < quiet and waited < timeout:
        page.wait_for_timeout(250)
        waited += 0.25
        now = view.evaluate(VIEW_SIGNATURE)
        still = still + 0.25 if now == last else 0.0
        last = now


def test_drawing_on_the_canvas_changes_the_prediction(lab, page, screenshots):
    write_notebook(lab.root / "fixtures" / "draw_digit.ipynb")
    open_notebook(page, lab, "fixtures/draw_digit.ipynb")
    run_all(page, timeout=120)
    widget = page.locator(".nnkit-widget").first
    _scroll_to(widget)
    view = widget.locator(".nnkit-view").first
    assert _wait_rendered(view, 30), "the prediction view never rendered"
    surface = widget.locator(".jupyter-matplotlib-canvas-div").first
    surface.wait_for(timeout=30_000)

    before = view.evaluate(VIEW_SIGNATURE)
    widget.get_by_role("button", name="Clear").click()
    assert _poll(lambda: view.evaluate(VIEW_SIGNATURE) != before, page, 20), "Clear changed nothing"

    cleared = view.evaluate(VIEW_SIGNATURE)
    box = surface.bounding_box()
    drag(page, box, [(0.3, 0.2), (0.7, 0.2), (0.45, 0.85)])  # a 7
    changed = _poll(lambda: view.evaluate(VIEW_SIGNATURE) != cleared, page, 30)
    settle(view, page)  # the kernel handles the queued mouse events one by one
    widget.screenshot(path=str(screenshots / "09_draw_digit-drawn.png"))
    assert changed, "dragging the mouse on the canvas did not change the prediction view"
    assert error_box_problems(widget, "draw digit") == []
