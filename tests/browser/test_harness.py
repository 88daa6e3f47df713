"""The harness must fail on broken notebooks: run its checks on fixtures/broken_widgets.ipynb.

That notebook shows, in order: a widget whose view never changes, a widget whose
callback raises, a working widget (WelcomeWidget), a working widget driven by a Play
button, a widget whose Play button drives nothing, a live plot, and a cell that
raises last.
"""

from checks import all_widget_problems, cell_errors, page_errors
from harness import open_notebook, run_all, save


def test_harness_reports_broken_widgets_and_cell_errors(lab, page, screenshots):
    open_notebook(page, lab, "fixtures/broken_widgets.ipynb")
    try:
        run_all(page, timeout=180)
    finally:
        page.screenshot(path=str(screenshots / "harness-after-run-all.png"))
    saved = save(page, lab.root / "fixtures" / "broken_widgets.ipynb")
    assert cell_errors(saved) == ["cell 7: RuntimeError: deliberate failure in the last cell"]
    assert any("deliberate failure in the last cell" in problem for problem in page_errors(page))

    problems = all_widget_problems(page, change_timeout=3.0)
    page.screenshot(path=str(screenshots / "harness-broken-widgets.png"))
    text = "\n".join(problems)
    assert "widget #1: moving its slider (ArrowRight) did not change its view" in text
    assert "widget #2: moving its slider (ArrowRight) did not change its view" in text
    assert "widget #2 shows an error" in text and "ValueError: callback broke on purpose" in text
    assert "widget #5: pressing play did not change its view" in text
    assert "widget #3" not in text, text  # the working widgets pass
    assert "widget #4" not in text, text  # play, pause and stop all behave
    assert "live plot" not in text, text
    assert all(problem.startswith(("widget #1", "widget #2", "widget #5")) for problem in problems), text
