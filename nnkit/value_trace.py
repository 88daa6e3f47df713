"""What chapter 05's engine did, as plain data for pictures: traces and a graph layout.

Kept apart from :mod:`nnkit.value` so the engine there stays the few lines a learner writes.
Widgets (the backprop stepper) and chapter 05 read these; no drawing library is needed.

- :func:`forward_trace` lists the forward pass, one line of code per value;
- :func:`backward_trace` runs ``backward()`` and lists each step of the chain rule;
- :func:`layout` places the graph's nodes in layers, for drawing.
"""


def forward_trace(root):
    """The forward pass in topological order: one dict per value.

    Keys: ``node`` (id), ``name``, ``op``, ``parents`` (ids), ``data`` and ``text``, the line
    a learner would write, e.g. ``"v2 = a * b = -6"``.
    """
    order = root.topological_order()
    names = _names(order)
    return [_forward_step(node, names) for node in order]


def backward_trace(root):
    """Run ``root.backward()`` step by step and return what it did, one step per non-input.

    Each step is a dict: ``node`` (its id, the index in ``topological_order()``), ``name``,
    ``op``, ``upstream`` (its grad, d(output)/d(node)) and ``parents``: for each parent its
    ``node``, ``name``, ``local`` derivative d(node)/d(parent), ``contribution``
    (local * upstream) and ``grad`` after the step. The gradients it leaves are exactly
    those of ``root.backward()``.
    """
    order = root.topological_order()
    for node in order:
        if node.parents:
            node.grad = 0.0
    root.grad = 1.0
    names, steps = _names(order), []
    for node in reversed(order):
        if not node.parents:
            continue
        record = []
        for parent, local in zip(node.parents, node.local_derivatives):
            contribution = local * node.grad
            parent.grad += contribution
            record.append({"node": names[id(parent)][0], "name": names[id(parent)][1],
                           "local": local, "contribution": contribution, "grad": parent.grad})
        steps.append({"node": names[id(node)][0], "name": names[id(node)][1], "op": node.op,
                      "upstream": node.grad, "parents": record})
    return steps


def _names(order):
    """id(value) -> (index in topological order, display name)."""
    names = {}
    for index, node in enumerate(order):
        # an unlabelled constant reads best as its number, an intermediate as v<index>
        name = node.label or (f"{node.data:g}" if not node.parents else f"v{index}")
        names[id(node)] = (index, name)
    return names


def _forward_step(node, names):
    index, name = names[id(node)]
    parents = [names[id(p)][1] for p in node.parents]
    if not node.parents:
        formula = f"{name} = {node.data:.4g}"
    elif node.op in ("+", "-", "*", "/", "**"):
        formula = f"{name} = {parents[0]} {node.op} {parents[1]} = {node.data:.4g}"
    elif node.op == "neg":
        formula = f"{name} = -{parents[0]} = {node.data:.4g}"
    elif node.op.startswith("**"):
        formula = f"{name} = {parents[0]}{node.op} = {node.data:.4g}"
    else:
        formula = f"{name} = {node.op}({parents[0]}) = {node.data:.4g}"
    return {"node": index, "name": name, "op": node.op, "data": node.data,
            "parents": [names[id(p)][0] for p in node.parents], "text": formula}


def _layer_key(node, y, index):
    """Sort key within a layer: near the average height of the parents, to keep edges
    short (inputs have none); ties keep the topological order, so every run looks the same."""
    if not node.parents:
        return (0.0, index[id(node)])
    return (-sum(y[id(p)] for p in node.parents) / len(node.parents), index[id(node)])


def layout(root):
    """Nodes and edges of the graph ending at `root`, placed in layers from left to right.

    Returns ``{"nodes": [...], "edges": [...]}``. A node is a dict with ``id`` (its index in
    ``root.topological_order()``), ``name``, ``label``, ``op``, ``data``, ``grad``, ``x``
    (layer: 0 for inputs, 1 + the largest layer of its parents otherwise, so the root is
    alone on the right) and ``y`` (positions within a layer, centred on 0, distinct). An edge
    is a dict ``from``, ``to`` (node ids), ``op`` (of the ``to`` node) and ``local``:
    d(to)/d(from) at the forward values. A value used twice gives two edges.
    """
    order = root.topological_order()
    names = _names(order)
    index = {id(node): i for i, node in enumerate(order)}
    x = {}
    for node in order:  # parents come first, so their layers are known
        x[id(node)] = 1 + max((x[id(p)] for p in node.parents), default=-1)
    y = {}
    for layer in range(x[id(root)] + 1):
        members = [n for n in order if x[id(n)] == layer]
        members.sort(key=lambda n: _layer_key(n, y, index))
        for rank, node in enumerate(members):
            y[id(node)] = (len(members) - 1) / 2 - rank  # first on top
    nodes = [{"id": index[id(n)], "name": names[id(n)][1], "label": n.label, "op": n.op,
              "data": n.data, "grad": n.grad, "x": x[id(n)], "y": y[id(n)]} for n in order]
    edges = [{"from": index[id(p)], "to": index[id(n)], "op": n.op, "local": local}
             for n in order for p, local in zip(n.parents, n.local_derivatives)]
    return {"nodes": nodes, "edges": edges}
