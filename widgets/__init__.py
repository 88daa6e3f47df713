"""Interactive views for the nnkit course: ipywidgets + matplotlib, built on nnkit.

Every widget derives from ``widgets.base.Widget`` (chapter 00): pure
``compute``, cheap ``redraw``, errors shown in red. Each chapter's widget
lives in its own module, imported from there, e.g.
``from widgets.welcome import WelcomeWidget``.
"""

from widgets.base import Widget
from widgets.live import LivePlot

__all__ = ["Widget", "LivePlot"]
from widgets.optimizer_race import OptimizerRace  # noqa: E402,F401  (chapter 07)
from widgets.forward_pass import ForwardPassWidget  # noqa: E402,F401  (chapter 03)
from widgets.loss_explorer import LossExplorerWidget  # noqa: E402,F401  (chapter 04)
from widgets.neuron import NeuronExplorer  # noqa: E402,F401  (chapter 01)
from widgets.activations import ActivationExplorer  # noqa: E402,F401  (chapter 02)
from widgets.backprop import BackpropStepper  # noqa: E402,F401  (chapter 05)
from widgets.gradcheck_report import GradcheckReport  # noqa: E402,F401  (chapter 06)
from widgets.playground import Playground  # noqa: E402,F401  (chapter 08)
from widgets.attention_heatmap import AttentionHeatmap  # noqa: E402,F401  (chapter 12)
from widgets.mnist_mistakes import MistakesExplorer  # noqa: E402,F401  (chapter 09)
from widgets.draw_digit import DrawDigit  # noqa: E402,F401  (chapter 09)
from widgets.filter_explorer import FilterExplorer  # noqa: E402,F401  (chapter 10)
from widgets.gate_inspector import GateInspector  # noqa: E402,F401  (chapter 11)
from widgets.forecast import ForecastWidget  # noqa: E402,F401  (chapter 11)
