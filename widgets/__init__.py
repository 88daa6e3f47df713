"""Interactive views for the nnkit course: ipywidgets + matplotlib, built on nnkit.

Every widget derives from ``widgets.base.Widget`` (chapter 00): pure
``compute``, cheap ``redraw``, errors shown in red. Each chapter's widget
lives in its own module, imported from there, e.g.
``from widgets.welcome import WelcomeWidget``.
"""

from widgets.activations import ActivationExplorer  # chapter 02
from widgets.attention_heatmap import AttentionHeatmap  # chapter 12
from widgets.backprop import BackpropStepper  # chapter 05
from widgets.base import Widget  # chapter 00: the base of them all
from widgets.draw_digit import DrawDigit  # chapter 09
from widgets.filter_explorer import FilterExplorer  # chapter 10
from widgets.forecast import ForecastWidget  # chapter 11
from widgets.forward_pass import ForwardPassWidget  # chapter 03
from widgets.gate_inspector import GateInspector  # chapter 11
from widgets.gradcheck_report import GradcheckReport  # chapter 06
from widgets.live import LivePlot  # live training curves
from widgets.loss_explorer import LossExplorerWidget  # chapter 04
from widgets.mnist_mistakes import MistakesExplorer  # chapter 09
from widgets.neuron import NeuronExplorer  # chapter 01
from widgets.optimizer_race import OptimizerRace  # chapter 07
from widgets.playground import Playground  # chapter 08
from widgets.welcome import WelcomeWidget  # chapter 00

__all__ = [
    "ActivationExplorer", "AttentionHeatmap", "BackpropStepper", "DrawDigit", "FilterExplorer",
    "ForecastWidget", "ForwardPassWidget", "GateInspector", "GradcheckReport", "LivePlot",
    "LossExplorerWidget", "MistakesExplorer", "NeuronExplorer", "OptimizerRace", "Playground",
    "WelcomeWidget", "Widget",
]
