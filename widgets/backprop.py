r"""Chapter 05's widget: the backprop stepper.

Type an expression over named inputs, e.g. ``tanh(x1*w1 + x2*w2 + b)``,
give the inputs values, and step through what ``Value.backward()`` does:
first the forward pass, one node at a time (each box gets its ``data``),
then the backward pass, one node at a time in reverse topological order
(each box gets its ``grad``: local derivative times upstream gradient,
*added* into every parent).

The expression is parsed with :mod:`ast` and only a small language is
accepted: numbers, the input names, ``+ - * / **``, unary ``-`` and the
functions ``exp log tanh sigmoid relu``. It is never passed to ``eval``.
"""
import ast

import ipywidgets
import numpy as np
from matplotlib.patches import FancyArrowPatch

from nnkit.value import Value
from nnkit.value_trace import backward_trace, forward_trace, layout
from nnkit_widgets.base import Widget

FUNCTIONS = {"exp": Value.exp, "log": Value.log, "tanh": Value.tanh,
             "sigmoid": Value.sigmoid, "relu": Value.relu}
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
ALLOWED = ("numbers, the inputs {names}, + - * / **, unary -, and the functions "
           + ", ".join(FUNCTIONS))
MAX_NODES = 24  # boxes drawn at most: beyond this the picture is unreadable anyway
MAX_LENGTH = 200


class ExpressionError(ValueError):
    """An expression outside the small language the stepper accepts."""


# ---------------------------------------------------------------- parsing, safely

def parse_inputs(text):
    """``"x1=2, w1=-3"`` -> ``{"x1": 2.0, "w1": -3.0}`` (in the order given)."""
    values = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, equals, number = (s.strip() for s in item.partition("="))
        if not equals or not name.isidentifier() or name in FUNCTIONS:
            raise ExpressionError(f"inputs: expected 'name = number' pairs separated by commas "
                                  f"(a name is not one of {', '.join(FUNCTIONS)}). "
                                  f"Received: {item!r}")
        try:
            values[name] = float(number)
        except ValueError:
            raise ExpressionError(f"inputs: {name} needs a number. Received: {number!r}") from None
    if not values:
        raise ExpressionError("inputs: expected at least one 'name = number'. Received: "
                              f"{text!r}")
    return values


def build(expression, inputs):
    """Build the ``Value`` graph of ``expression``; returns (output, {name: input Value})."""
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"expression: at most {MAX_LENGTH} characters. "
                              f"Received {len(expression)}")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"expression: not valid Python syntax ({error.msg}). "
                              f"Received: {expression!r}") from None
    leaves = {name: Value(value, label=name) for name, value in inputs.items()}
    out = _evaluate(tree.body, leaves)
    if not isinstance(out, Value):
        raise ExpressionError(f"expression: it must use at least one input ({', '.join(leaves)}). "
                              f"Received: {expression!r}")
    return out, leaves


def _evaluate(node, leaves):
    """Walk the syntax tree; anything not explicitly allowed is refused with its text."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value  # a plain number: the Value operators turn it into a constant node
    if isinstance(node, ast.Name):
        if node.id not in leaves:
            raise ExpressionError(f"expression: unknown name {node.id!r}. Give it a value in "
                                  f"the inputs box, or use one of: {', '.join(leaves)}")
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _evaluate(node.operand, leaves)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = _evaluate(node.left, leaves), _evaluate(node.right, leaves)
        if not isinstance(left, Value) and not isinstance(right, Value):
            return _numbers(OPERATORS[type(node.op)], left, right)
        # a number on the left becomes a constant node; on the right the Value operators
        # take it as it is (so x ** 2 keeps 2 as an exponent: one parent, not two)
        left = left if isinstance(left, Value) else Value(left)
        return _apply(OPERATORS[type(node.op)], left, right)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS and len(node.args) == 1 and not node.keywords):
        argument = _evaluate(node.args[0], leaves)
        return FUNCTIONS[node.func.id](argument if isinstance(argument, Value) else Value(argument))
    raise ExpressionError(f"expression: {ast.unparse(node)!r} is not allowed. "
                          f"Allowed: {ALLOWED.format(names=', '.join(leaves))}")


def _apply(op, left, right):
    return {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
            "/": lambda: left / right, "**": lambda: left ** right}[op]()


def _numbers(op, left, right):
    if op == "**" and abs(right) > 100:
        raise ExpressionError(f"expression: exponent too large: {left} ** {right}")
    return _apply(op, Value(left), right).data


# ---------------------------------------------------------------- the stepper's states

def timeline(output):
    """Forward steps then backward steps, each a dict the picture can be drawn from."""
    forward = [step for step in forward_trace(output) if step["parents"]]
    backward = backward_trace(output)
    return forward, backward


def snapshot(graph, forward, backward, step):
    """What is known after ``step`` steps: data per node, grad per node, the current node, text."""
    inputs = [node["id"] for node in graph["nodes"] if node["op"] == ""]
    known_data = set(inputs) | {s["node"] for s in forward[:step]}
    grads, current, text, phase = {}, None, "inputs set: press Step forward", "start"
    if 0 < step <= len(forward):
        current, phase = forward[step - 1]["node"], "forward"
        text = f"forward {step}/{len(forward)}:  {forward[step - 1]['text']}"
    backward_done = max(0, step - len(forward))
    for number, record in enumerate(backward[:backward_done], start=1):
        grads[record["node"]] = record["upstream"]
        for parent in record["parents"]:
            grads[parent["node"]] = parent["grad"]
        current, phase = record["node"], "backward"
        text = _backward_text(record, number, len(backward))
    return {"data": {i: graph["nodes"][i]["data"] for i in sorted(known_data)},
            "grads": grads, "current": current, "phase": phase, "text": text}


def _backward_text(record, number, total):
    lines = [(f"backward {number}/{total}:  {record['name']} ({record['op']}), "
             f"upstream grad = {record['upstream']:.4g}")]
    for parent in record["parents"]:
        lines.append(f"  {parent['name']}.grad += {parent['local']:.4g} (local) x "
                     f"{record['upstream']:.4g} (upstream) = {parent['contribution']:+.4g}"
                     f"  ->  {parent['grad']:.4g}")
    return "\n".join(lines)


def stepper_state(expression, inputs, step):
    """Pure: the whole picture's data after ``step`` steps (clamped to the timeline)."""
    output, _ = build(expression, parse_inputs(inputs))
    forward, backward = timeline(output)
    graph = layout(output)  # after backward_trace: every node's final grad is in there too
    if len(graph["nodes"]) > MAX_NODES:
        raise ExpressionError(f"expression: {len(graph['nodes'])} nodes are too many to draw "
                              f"(at most {MAX_NODES}); try a shorter expression")
    total = len(forward) + len(backward)
    step = min(max(int(step), 0), total)
    return {"graph": graph, "forward": forward, "backward": backward, "step": step,
            "num_forward": len(forward), "total": total,
            **snapshot(graph, forward, backward, step)}


# ---------------------------------------------------------------- the widget

COLOURS = {"forward": "#ffd27f", "backward": "#9fd89f", "plain": "white", "input": "#e8eefc",
           "edge_forward": "#c77c00", "edge_backward": "#1f8a3a"}


class BackpropStepper(Widget):
    r"""Step through the forward and the backward pass of your own expression.

    Example::

        stepper = BackpropStepper(expression="tanh(x1*w1 + x2*w2 + b)",
                                  inputs="x1=2, x2=0, w1=-3, w2=1, b=6.8814")
        stepper.click("backward")    # forward pass done, first backward step
        stepper.result["grads"]      # {node id: grad known so far}
    """

    figsize = (9.6, 5.0)

    def make_controls(self):
        wide = ipywidgets.Layout(width="430px")
        button = ipywidgets.Layout(width="150px")
        return {
            "expression": ipywidgets.Text(value="tanh(x1*w1 + x2*w2 + b)", description="f =",
                                          continuous_update=False, layout=wide),
            "inputs": ipywidgets.Text(value="x1=2, x2=0, w1=-3, w2=1, b=6.8814",
                                      description="inputs", continuous_update=False, layout=wide),
            "step": ipywidgets.IntSlider(value=0, min=0, max=MAX_NODES * 2, description="step",
                                         continuous_update=False),
            "forward": ipywidgets.Button(description="Step forward ▶", layout=button),
            "backward": ipywidgets.Button(description="Step backward ◀", layout=button),
            "reset": ipywidgets.Button(description="Reset", layout=button),
        }

    def make_layout(self):
        c = self.controls
        return ipywidgets.VBox([
            ipywidgets.HBox([c["expression"], c["inputs"]]),
            ipywidgets.HBox([c["forward"], c["backward"], c["reset"], c["step"]]),
            self.view, self.errors])

    def compute(self, expression, inputs, step):
        return stepper_state(expression, inputs, step)

    def on_click(self, name):
        """Buttons move the step slider; the slider's own callback redraws."""
        result, slider = self.result, self.controls["step"]
        if result is None:
            return
        step, num_forward = result["step"], result["num_forward"]
        if name == "forward":
            slider.value = min(step + 1, num_forward)
        elif name == "backward":  # the backward pass needs every forward value first
            slider.value = min(max(step, num_forward) + 1, result["total"])
        else:
            slider.value = 0

    def update(self):
        super().update()
        if self.result is not None and self.controls["step"].max != self.result["total"]:
            self.controls["step"].max = self.result["total"]  # clamps the value if needed

    # ---- drawing: a pool of boxes and arrows, shown or hidden, never re-created

    def setup(self, fig):
        self.ax_graph, self.ax_text = fig.subplots(2, 1, height_ratios=[4.2, 1])
        for ax in (self.ax_graph, self.ax_text):
            ax.axis("off")
        box = {"boxstyle": "round,pad=0.35", "facecolor": "white", "edgecolor": "0.3"}
        self.boxes = [self.ax_graph.text(0, 0, "", ha="center", va="center", fontsize=7.5,
                                         family="monospace", bbox=dict(box), zorder=3,
                                         visible=False) for _ in range(MAX_NODES)]
        self.arrows, self.edge_labels = [], []
        for _ in range(2 * MAX_NODES):
            arrow = FancyArrowPatch((0, 0), (1, 1), arrowstyle="-|>", mutation_scale=9,
                                    color="0.45", shrinkA=30, shrinkB=30, zorder=1,
                                    visible=False)
            self.ax_graph.add_patch(arrow)
            self.arrows.append(arrow)
            self.edge_labels.append(self.ax_graph.text(0, 0, "", ha="center", va="bottom",
                                                       fontsize=7, color="#7a3e00", zorder=2,
                                                       visible=False))
        self.caption = self.ax_text.text(0.0, 1.0, "", va="top", fontsize=8.5,
                                         family="monospace", transform=self.ax_text.transAxes)
        # run the layout once now: edges are routed in screen space, which it settles
        fig.draw_without_rendering()

    def redraw(self, result):
        nodes = result["graph"]["nodes"]
        for box, node in zip(self.boxes, nodes):
            box.set_visible(True)
            box.set_position((node["x"], node["y"]))
            box.set_text(_box_text(node, result))
            box.get_bbox_patch().set_facecolor(_box_colour(node, result))
        for box in self.boxes[len(nodes):]:
            box.set_visible(False)
        width = max(node["x"] for node in nodes)
        height = max(abs(node["y"]) for node in nodes)
        # limits first: the edges are routed in screen space, which the limits define
        self.ax_graph.set(xlim=(-0.6, width + 0.6), ylim=(-height - 0.6, height + 0.6))
        self._draw_edges(result)
        self.caption.set_text(f"step {result['step']} of {result['total']}   "
                              + result["text"])

    def _draw_edges(self, result):
        nodes, edges = result["graph"]["nodes"], result["graph"]["edges"]
        to_screen = self.ax_graph.transData
        routes = route_edges(nodes, edges, to_screen.transform)
        active = traversed_edges(result)
        for number, (arrow, label, edge, (bend, middle)) in enumerate(
                zip(self.arrows, self.edge_labels, edges, routes)):
            start, end = nodes[edge["from"]], nodes[edge["to"]]
            arrow.set_positions((start["x"], start["y"]), (end["x"], end["y"]))
            arrow.set_connectionstyle(f"arc3,rad={bend}")
            on = number in active
            arrow.set_color(COLOURS["edge_" + result["phase"]] if on else "0.45")
            arrow.set_linewidth(2.2 if on else 1.0)
            arrow.set_zorder(2 if on else 1)
            arrow.set_visible(True)
            known = edge["to"] in result["data"]  # a local derivative needs the forward value
            local = f" ∂={edge['local']:.3g}" if known else " ∂=?"
            # the label sits on the middle of its own curve, so it is never on the wrong side
            label.set_position(to_screen.inverted().transform(middle))
            label.set_text(f"{edge['op']}{local}")
            label.set_fontweight("bold" if on else "normal")
            label.set_visible(True)
        for arrow, label in zip(self.arrows[len(edges):], self.edge_labels[len(edges):]):
            arrow.set_visible(False)
            label.set_visible(False)


# ---------------------------------------------------------------- edge routing, no drawing

BENDS = (0.0, 0.3, -0.3, 0.5, -0.5, 0.7, -0.7)  # straight first, then ever wider arcs
CLEARANCE = (0.32, 0.3)  # half the size of a box, in data units (layers are 1 apart)


def curve_points(start, end, bend, num=25):
    """Points along matplotlib's ``arc3,rad=bend`` curve from ``start`` to ``end`` (screen space).

    arc3 is a quadratic Bezier curve whose control point sits ``bend`` times the
    chord's length off the chord's middle, to the right of the direction of travel.
    """
    (x1, y1), (x2, y2) = start, end
    control = ((x1 + x2) / 2 + bend * (y2 - y1), (y1 + y2) / 2 - bend * (x2 - x1))
    t = np.linspace(0.0, 1.0, num)[:, None]
    return (1 - t) ** 2 * np.array(start) + 2 * t * (1 - t) * np.array(control) + t**2 * np.array(end)


def route_edges(nodes, edges, to_screen):
    """For each edge, (bend, middle of its curve in screen space).

    An edge that would pass through another node's box (an input used again
    several layers later) is bent around it; two edges between the same pair of
    nodes (a value used twice) bend apart. ``to_screen`` maps data to screen points.
    """
    centres = np.array([(node["x"], node["y"]) for node in nodes], dtype=float)
    screen = to_screen(centres)
    # a box's half size in screen units, measured by mapping the clearance rectangle
    half = np.abs(to_screen(np.array([CLEARANCE])) - to_screen(np.zeros((1, 2))))[0]
    routes, taken = [], {}
    for edge in edges:
        ends = (edge["from"], edge["to"])
        others = [i for i in range(len(nodes)) if i not in ends]
        used = taken.setdefault(ends, set())
        bend = next((b for b in BENDS if b not in used
                     and not _passes_through(screen[ends[0]], screen[ends[1]], b, screen[others], half)),
                    next(b for b in BENDS if b not in used))
        used.add(bend)
        middle = curve_points(screen[ends[0]], screen[ends[1]], bend, num=3)[1]
        routes.append((bend, middle))
    return routes


def _passes_through(start, end, bend, boxes, half):
    if len(boxes) == 0:
        return False
    points = curve_points(start, end, bend)
    inside = np.all(np.abs(points[:, None, :] - boxes[None, :, :]) < half, axis=2)
    return bool(inside.any())


def traversed_edges(result):
    """Indices of the edges the current step walks: into the node computed forward, or
    from the node whose gradient is being passed back to its parents."""
    if result["current"] is None:
        return set()
    return {i for i, edge in enumerate(result["graph"]["edges"]) if edge["to"] == result["current"]}


def _box_text(node, result):
    name = node["name"] if node["op"] == "" else f"{node['name']} ({node['op']})"
    data = result["data"].get(node["id"])
    grad = result["grads"].get(node["id"])
    return (f"{name}\ndata {'?' if data is None else format(data, '.4g')}"
            f"\ngrad {'?' if grad is None else format(grad, '.4g')}")


def _box_colour(node, result):
    if node["id"] == result["current"]:
        return COLOURS[result["phase"]]
    return COLOURS["input"] if node["op"] == "" else COLOURS["plain"]
