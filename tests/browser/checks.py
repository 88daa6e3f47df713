"""What the browser tests check after Run All; every function returns a list of problems.

Each problem is a sentence a person can act on; an empty list means all is well.
The harness self-test (test_harness.py) runs these on a notebook with broken
widgets and asserts they are caught.
"""

from harness import CONTROLS

# a JS signature of what a view shows: image sources (ipywidgets.Image uses a new
# blob URL per new picture), canvas pixels and text
# (the view may itself be the <img>: an ipywidgets.Image is one element)
VIEW_SIGNATURE = """view => {
  const all = [view, ...view.querySelectorAll('*')];
  return [
    ...all.filter(e => e.tagName === 'IMG').map(img => img.src),
    ...all.filter(e => e.tagName === 'CANVAS').map(c => c.toDataURL()),
    view.textContent,
  ].join('|');
}"""

VIEW_RENDERED = """view => {
  const all = [view, ...view.querySelectorAll('*')];
  const images = all.filter(e => e.tagName === 'IMG');
  const canvases = all.filter(e => e.tagName === 'CANVAS');
  const box = view.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && (
    images.some(img => img.complete && img.naturalWidth > 0) ||
    canvases.some(c => c.width > 0) || view.textContent.trim().length > 0);
}"""


def cell_errors(notebook):
    """Error outputs stored in a saved notebook, as 'cell N: Name: message'."""
    problems = []
    for number, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {number}: {output['ename']}: {output['evalue']}")
    return problems


def page_errors(page):
    """Tracebacks and broken widget views visible anywhere on the page."""
    problems = []
    for output in page.locator(".jp-OutputArea-output").all():
        text = output.inner_text()
        if "Traceback (most recent call last)" in text:
            problems.append(f"traceback shown on the page: {text.strip()[-300:]}")
        if "Error displaying widget" in text or "Loading widget..." in text:
            problems.append(f"a widget view did not render: {text.strip()[:200]}")
    return problems


def _poll(condition, page, timeout):
    """True as soon as condition() holds, False after timeout seconds."""
    deadline = timeout * 1000
    waited = 0
    while not condition():
        if waited >= deadline:
            return False
        page.wait_for_timeout(200)
        waited += 200
    return True


def _scroll_to(element):
    # plain DOM scrolling: Playwright's own waits for the element to be "stable",
    # which a widget being re-laid-out by JupyterLab sometimes never is
    element.evaluate("el => el.scrollIntoView({block: 'center'})")


def _wait_rendered(view, timeout):
    return _poll(lambda: view.evaluate(VIEW_RENDERED), view.page, timeout)


def _wait_changed(view, before, timeout):
    return _poll(lambda: view.evaluate(VIEW_SIGNATURE) != before, view.page, timeout)


def _wait_still(view, timeout, still_for=1.0):
    """True once the view has shown the same thing for `still_for` seconds."""
    last, since = [None], [0.0]

    def still():
        now = view.evaluate(VIEW_SIGNATURE)
        if now != last[0]:
            last[0], since[0] = now, 0.0
            return False
        since[0] += 0.2
        return since[0] >= still_for

    return _poll(still, view.page, timeout)


def error_box_problems(widget, name):
    shown = widget.locator(".nnkit-error .jp-OutputArea-output")
    if shown.count() == 0:
        return []
    return [f"{name} shows an error: {shown.first.inner_text().strip()[-300:]}"]


def move(control):
    """Change a control the way a learner would; returns a short description."""
    tag = control.evaluate("el => el.tagName.toLowerCase()")
    role = control.get_attribute("role")
    if role == "slider":
        at_max = control.get_attribute("aria-valuenow") == control.get_attribute("aria-valuemax")
        control.focus()
        key = "ArrowLeft" if at_max else "ArrowRight"
        control.press(key)
        return f"slider ({key})"
    if tag == "select":
        options = control.locator("option").count()
        current = control.evaluate("el => el.selectedIndex")
        control.select_option(index=(current + 1) % max(options, 1))
        return "dropdown"
    control.click()
    return "checkbox" if tag == "input" else f"button {control.inner_text().strip()!r}"


def play_problems(play, view, name, timeout):
    """An ipywidgets.Play: play must move the picture, pause freeze it, stop rewind it.

    Its repeat toggle changes what play does at the end, not the picture: not moved.
    """
    play_pause, stop = play.locator("button").nth(0), play.locator("button").nth(1)
    before = view.evaluate(VIEW_SIGNATURE)
    play_pause.click()
    if not _wait_changed(view, before, timeout):
        return [f"{name}: pressing play did not change its view"]
    play_pause.click()
    problems = []
    if not _wait_still(view, timeout):
        problems.append(f"{name}: pressing pause did not stop its view changing")
    paused = view.evaluate(VIEW_SIGNATURE)
    stop.click()
    if not _wait_changed(view, paused, timeout):
        problems.append(f"{name}: pressing stop did not take its view back to the start")
    return problems


def widget_problems(widget, name, change_timeout=10.0, screenshot=None):
    """Check one course widget: it renders, shows no error, and every control changes its view."""
    _scroll_to(widget)
    view = widget.locator(".nnkit-view").first
    if widget.locator(".nnkit-view").count() == 0:
        return [f"{name} has no element with class nnkit-view"]
    if not _wait_rendered(view, change_timeout):
        return [f"{name}: its view is empty (no picture rendered)"]
    problems = error_box_problems(widget, name)
    controls = widget.locator(CONTROLS).all()
    for control in controls:
        exempt = ".nnkit-passive, .nnkit-view, .nnkit-error, .widget-play"
        if control.evaluate(f"el => !!el.closest('{exempt}')"):
            continue
        before = view.evaluate(VIEW_SIGNATURE)
        what = move(control)
        if not _wait_changed(view, before, change_timeout):
            problems.append(f"{name}: moving its {what} did not change its view")
        problems += error_box_problems(widget, name)
    for play in widget.locator(".widget-play").all():
        problems += play_problems(play, view, name, change_timeout)
        problems += error_box_problems(widget, name)
    if screenshot is not None:
        _wait_rendered(view, change_timeout)  # the last picture may still be decoding
        view.page.wait_for_timeout(300)
        widget.screenshot(path=str(screenshot))
    return problems


def all_widget_problems(page, change_timeout=10.0, screenshot_stem=None):
    """Check every course widget and live plot on the page."""
    problems = []
    widgets = page.locator(".nnkit-widget").all()
    for number, widget in enumerate(widgets, start=1):
        shot = None if screenshot_stem is None else f"{screenshot_stem}-widget{number}.png"
        problems += widget_problems(widget, f"widget #{number}", change_timeout, shot)
    for number, live in enumerate(page.locator(".nnkit-live").all(), start=1):
        _scroll_to(live)
        if not _wait_rendered(live.locator(".nnkit-view").first, change_timeout):
            problems.append(f"live plot #{number}: its view is empty")
    return problems
