"""Every chapter, in JupyterLab in Chromium: Run All, no errors, every widget renders and responds.

Timeout per chapter: NNKIT_BROWSER_TIMEOUT seconds (default 240).
Screenshots of each chapter and each widget go to tests/browser/screenshots/.
"""

import os
import pathlib
import time

import pytest
from checks import all_widget_problems, cell_errors, page_errors
from harness import open_notebook, run_all, save

CHAPTERS = sorted((pathlib.Path(__file__).resolve().parents[2] / "chapters").glob("[0-9][0-9]_*.ipynb"))
TIMEOUT = float(os.environ.get("NNKIT_BROWSER_TIMEOUT", "240"))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_chapter_runs_and_its_widgets_respond(lab, page, chapter, screenshots):
    start = time.monotonic()
    open_notebook(page, lab, f"chapters/{chapter.name}")
    try:
        ran_in = run_all(page, timeout=TIMEOUT)
    finally:
        page.screenshot(path=str(screenshots / f"{chapter.stem}.png"))
    problems = cell_errors(save(page, lab.root / "chapters" / chapter.name))
    problems += page_errors(page)
    problems += all_widget_problems(page, screenshot_stem=screenshots / chapter.stem)
    problems += page_errors(page)  # a callback may have printed a traceback meanwhile
    lab.shut_down_kernels()
    print(f"{chapter.name}: Run All {ran_in:.1f} s, whole test {time.monotonic() - start:.1f} s")
    assert problems == [], "\n".join(problems)
