"""Chapter 12's name sampler in a real browser: every control (temperature, seed) changes the
picture, and typing a prompt and pressing Enter resamples names that start with it.

The chapter itself is covered by test_chapters.py (Run All, every slider moved); this test
uses a small notebook with an untrained TinyGPT, so that it is quick and checks the one
control the generic check does not touch: the prompt text box.
"""

import json

from checks import VIEW_SIGNATURE, _poll, _scroll_to, _wait_rendered, cell_errors, widget_problems
from harness import open_notebook, run_all, save

SOURCE = """\
import nnkit
from nnkit.models import CharTokenizer, TinyGPT
from nnkit_widgets.name_sampler import NameSampler

nnkit.manual_seed(0)
tokenizer = CharTokenizer("\\n" + "".join(nnkit.datasets.names()))
model = TinyGPT(tokenizer.vocab_size, context_length=16, d_model=16, num_heads=2, num_layers=1)
sampler = NameSampler(model, tokenizer, temperature=1.0)
sampler"""


def write_notebook(path):
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": SOURCE}
    notebook = {"cells": [cell], "metadata": {"kernelspec": {
        "display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook))


def test_sampler_controls_and_prompt_change_the_view(lab, page, screenshots):
    path = lab.root / "fixtures" / "name_sampler.ipynb"
    write_notebook(path)
    open_notebook(page, lab, "fixtures/name_sampler.ipynb")
    run_all(page, timeout=120)
    assert cell_errors(save(page, path)) == []
    widget = page.locator(".nnkit-widget").first
    _scroll_to(widget)
    view = widget.locator(".nnkit-view").first
    assert _wait_rendered(view, 30), "the sampler's view never rendered"
    assert widget_problems(widget, "name sampler") == []  # both sliders change the picture

    before = view.evaluate(VIEW_SIGNATURE)
    prompt = widget.locator("input[type='text']").first
    prompt.fill("ma")
    prompt.press("Enter")
    changed = _poll(lambda: view.evaluate(VIEW_SIGNATURE) != before, page, 30)
    page.wait_for_timeout(500)
    widget.screenshot(path=str(screenshots / "12_name_sampler-prompt.png"))
    assert changed, "typing a prompt and pressing Enter did not change the view"
    assert widget.locator(".nnkit-error .jp-OutputArea-output").count() == 0
