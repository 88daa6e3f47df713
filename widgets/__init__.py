"""Interactive views for the nnkit course: ipywidgets + matplotlib, built on nnkit.

Every widget derives from ``widgets.base.Widget`` (chapter 00): pure
``compute``, cheap ``redraw``, errors shown in red. Each chapter's widget
lives in its own module, imported from there, e.g.
``from nnkit_widgets.welcome import WelcomeWidget``.
"""

from nnkit_widgets.activations import ActivationExplorer  # chapter 02
from nnkit_widgets.attention_heatmap import AttentionHeatmap  # chapter 12
from nnkit_widgets.backprop import BackpropStepper  # chapter 05
from nnkit_widgets.base import Widget  # chapter 00: the base of them all
from nnkit_widgets.draw_digit import DrawDigit  # chapter 09
from nnkit_widgets.filter_explorer import FilterExplorer  # chapter 10
from nnkit_widgets.forecast import ForecastWidget  # chapter 11
from nnkit_widgets.forward_pass import ForwardPassWidget  # chapter 03
from nnkit_widgets.gate_inspector import GateInspector  # chapter 11
from nnkit_widgets.gradcheck_report import GradcheckReport  # chapter 06
from nnkit_widgets.live import LivePlot  # live training curves
from nnkit_widgets.loss_explorer import LossExplorerWidget  # chapter 04
from nnkit_widgets.mnist_mistakes import MistakesExplorer  # chapter 09
from nnkit_widgets.neuron import NeuronExplorer  # chapter 01
from nnkit_widgets.optimizer_race import OptimizerRace  # chapter 07
from nnkit_widgets.playground import Playground  # chapter 08
from nnkit_widgets.welcome import WelcomeWidget  # chapter 00

__all__ = [
    "ActivationExplorer", "AttentionHeatmap", "BackpropStepper", "DrawDigit", "FilterExplorer",
    "ForecastWidget", "ForwardPassWidget", "GateInspector", "GradcheckReport", "LivePlot",
    "LossExplorerWidget", "MistakesExplorer", "NeuronExplorer", "OptimizerRace", "Playground",
    "WelcomeWidget", "Widget",
]
