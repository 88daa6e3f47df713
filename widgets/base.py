"""The one base class every course widget builds on (introduced in chapter 00).

A course widget has three parts, kept apart on purpose (STYLE.md rule 8):

- ``make_controls()`` returns the ipywidgets controls (sliders, dropdowns,
  buttons), keyed by the names that ``compute`` takes as arguments;
- ``compute(**state)`` is pure: it turns control values into numbers
  (arrays, dicts) and never touches matplotlib, so tests call it directly;
- ``setup(fig)`` creates the matplotlib artists once, and ``redraw(result)``
  only updates them (``set_data``, ``set_ydata``, ``set_text``, ...).

The figure is a plain ``matplotlib.figure.Figure`` (never registered with
pyplot, so no backend shows it twice or keeps it alive) rendered to PNG
into an ``ipywidgets.Image``. Unlike an ipympl canvas, an Image updates in
the browser straight away, even while "Run All" keeps the kernel busy.

The browser tests (tests/browser) rely on three CSS classes: the layout
carries ``nnkit-widget``, the picture ``nnkit-view`` and the error box
``nnkit-error``. Every slider, dropdown, checkbox and button inside a
widget must change the picture; a control that legitimately does not
(for example a seed box) gets the class ``nnkit-passive``.
"""

import html
import io
import math
import numbers
import traceback

import ipywidgets
from IPython.display import HTML
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# red enough to be noticed, readable on JupyterLab's light and dark themes
_ERROR_STYLE = (
    "color:#b00020; background:#fdecea; border-left:4px solid #b00020;"
    " padding:6px; margin:4px 0; white-space:pre-wrap; font-size:12px"
)


def render_png(fig, dpi=None):
    """Return the PNG bytes of a matplotlib figure (no pyplot involved)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi or fig.dpi)
    return buffer.getvalue()


def image_view(fig):
    """An ipywidgets.Image for a figure, shown at its own pixel size (not stretched)."""
    width = round(fig.get_figwidth() * fig.dpi)
    view = ipywidgets.Image(
        format="png", layout=ipywidgets.Layout(width=f"{width}px", max_width="100%", height="auto")
    )
    view.add_class("nnkit-view")
    return view


def describe(value):
    """How an error message names a received object: None, or its type."""
    return "None" if value is None else f"a {type(value).__name__}"


def error_html(text):
    """Wrap a traceback in a red box; the text is escaped, never interpreted."""
    return f'<pre class="nnkit-traceback" style="{_ERROR_STYLE}">{html.escape(text)}</pre>'


class Widget:
    """Base class of every course widget: controls, a pure compute, a cheap redraw.

    Subclasses define ``make_controls``, ``compute``, ``setup`` and ``redraw``.
    Keyword arguments given to the constructor set the controls' first
    values, e.g. ``WelcomeWidget(weight=2.0)``.

    For tests and for checkpoints in a chapter, everything is reachable from
    code: ``w.controls["weight"].value = 3`` recomputes and redraws, then
    ``w.result`` holds what ``compute`` returned, ``w.png`` the picture and
    ``w.error`` the last traceback (or None). ``w.set(weight=3)`` does the
    same for several controls and returns ``w.result``.
    """

    figsize = (6.0, 3.2)
    dpi = 100

    def __init__(self, **initial):
        self.result = None
        self.error = None
        self.controls = self._checked_controls(self.make_controls())
        self._apply_initial(initial)
        self.figure = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.setup(self.figure)
        self.view = image_view(self.figure)
        self.errors = ipywidgets.Output()
        self.errors.add_class("nnkit-error")
        self._connect()
        self.box = self.make_layout()
        self.box.add_class("nnkit-widget")
        self.update()

    # ---- what subclasses write -------------------------------------------

    def make_controls(self):
        """Return a dict {name: ipywidgets control}; names match ``compute``'s arguments."""
        return {}

    def compute(self, **state):
        """Pure: control values in, numbers out. No matplotlib here."""
        raise NotImplementedError(f"{type(self).__name__} must define compute(**state)")

    def setup(self, fig):
        """Create axes and artists once; keep references on ``self``."""

    def redraw(self, result):
        """Update the artists made in ``setup`` from ``result``; never add new ones."""

    def on_click(self, name):
        """Called when the button ``name`` is pressed, before recomputing."""

    def make_layout(self):
        """Controls on top, then the picture, then the error box."""
        return ipywidgets.VBox(
            [ipywidgets.HBox(list(self.controls.values())), self.view, self.errors]
        )

    # ---- the machinery -----------------------------------------------------

    @property
    def state(self):
        """Current values of all value-holding controls (buttons have none)."""
        return {
            name: control.value
            for name, control in self.controls.items()
            if not isinstance(control, ipywidgets.Button)
        }

    def update(self):
        """Recompute, redraw and show; a failure is shown in red, never swallowed."""
        try:
            result = self.compute(**self.state)
            self.redraw(result)
            self.view.value = render_png(self.figure)
        except Exception:  # noqa: BLE001 - shown to the learner, see _show_error
            self._show_error(traceback.format_exc())
            return
        self.result = result
        if self.error is not None:
            self.error = None
            self.errors.outputs = ()  # works with or without a kernel

    def set(self, **values):
        """Set several controls at once (one recompute per control) and return the result."""
        for name, value in values.items():
            self._control(name).value = self._checked_value(name, value)
        return self.result

    def click(self, name):
        """Press a button from code, as the learner would with the mouse."""
        self._control(name).click()
        return self.result

    @property
    def png(self):
        """The PNG bytes currently shown."""
        return bytes(self.view.value)

    def show(self):
        """Return the ipywidgets box (a VBox unless a subclass chose otherwise)."""
        if not getattr(self.box, "_nnkit_fallback", False):
            # the saved notebook (and the course website) also keeps a picture of the
            # widget, shown where no widget manager runs: a static page, GitHub
            self.box._nnkit_fallback = True
            self.box._repr_mimebundle_ = self._repr_mimebundle_
        return self.box

    def _repr_mimebundle_(self, **kwargs):
        # displaying the widget displays its layout, plus a static picture for
        # viewers without a live kernel; live front ends prefer the widget view
        bundle = type(self.box)._repr_mimebundle_(self.box, **kwargs) or {}
        if self.view.value:
            bundle["image/png"] = self.png
        bundle["text/plain"] = (f"{type(self).__name__}: a static picture; the widget is "
                                "live in JupyterLab, Notebook 7, Binder and Colab.")
        return bundle

    def _show_error(self, text):
        self.error = text
        self.errors.outputs = ()  # works with or without a kernel
        self.errors.append_display_data(HTML(error_html(text)))

    def _connect(self):
        for name, control in self.controls.items():
            if isinstance(control, ipywidgets.Button):
                control.on_click(lambda _button, name=name: self._clicked(name))
            else:
                control.observe(lambda _change: self.update(), names="value")

    def _clicked(self, name):
        try:
            self.on_click(name)
        except Exception:  # noqa: BLE001 - shown to the learner
            self._show_error(traceback.format_exc())
            return
        self.update()

    def _control(self, name):
        if name not in self.controls:
            raise KeyError(
                f"{type(self).__name__} has no control {name!r}. "
                f"Expected one of {sorted(self.controls)}. Received: {name!r}"
            )
        return self.controls[name]

    def _apply_initial(self, initial):
        for name, value in initial.items():
            self._control(name).value = self._checked_value(name, value)

    def _checked_value(self, name, value):
        # ipywidgets sliders accept nan silently; every compute would then draw nothing
        if isinstance(value, numbers.Real) and not math.isfinite(value):
            raise ValueError(f"{type(self).__name__}: expected a finite number for {name}. "
                             f"Received: {name}={value!r}")
        return value

    def _checked_controls(self, controls):
        if not isinstance(controls, dict):
            raise TypeError(
                f"{type(self).__name__}.make_controls must return a dict of "
                f"ipywidgets controls. Received: {type(controls).__name__}"
            )
        for name, control in controls.items():
            if not isinstance(control, ipywidgets.DOMWidget):
                raise TypeError(
                    f"{type(self).__name__}.make_controls: control {name!r} must be an "
                    f"ipywidgets control. Received: {type(control).__name__}"
                )
        return controls
