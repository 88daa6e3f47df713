r"""Diagrams for chapters 11 and 12, drawn by code: the LSTM and GRU cells,
attention with queries, keys and values, and a Transformer block.

Each ``draw_*`` function draws on a matplotlib ``Axes`` and returns it; the
texts it places name every symbol of the chapter's equations, so a test can
check that the picture says what the text says. Boxes are operations
(:math:`\sigma`, :math:`\tanh`, linear maps), circles are elementwise
operations (:math:`\odot` product, :math:`+` sum, :math:`1-` complement).
"""

from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

GATE = "#fde7c8"  # gates (sigmoid boxes)
CANDIDATE = "#d7ecd9"  # tanh boxes and the candidate
STATE = "#dbe7f6"  # states, inputs and outputs
LINE = "0.25"


def _box(ax, x, y, text, colour=GATE, width=0.9, height=0.5, fontsize=10):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.04", facecolor=colour, edgecolor=LINE))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _op(ax, x, y, text, radius=0.22):
    ax.add_patch(Circle((x, y), radius, facecolor="white", edgecolor=LINE))
    ax.text(x, y, text, ha="center", va="center", fontsize=11)


def _arrow(ax, start, end, text=None, offset=(0.08, 0.08), style="-|>", colour=LINE, **kw):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=11,
                                 color=colour, linewidth=1.2, shrinkA=2, shrinkB=2, **kw))
    if text:
        ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], text,
                fontsize=9, color=colour)


def _label(ax, x, y, text, **kw):
    ax.text(x, y, text, ha="center", va="center", fontsize=11, **kw)


def _frame(ax, xlim, ylim, title):
    ax.set(xlim=xlim, ylim=ylim, title=title)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_lstm_cell(ax):
    r"""One LSTM step: four gates read $[h_{t-1}, x_t]$, the cell state runs along the top."""
    _frame(ax, (-0.6, 8.6), (-0.9, 4.6), "LSTM cell: one time step")
    ax.add_patch(FancyBboxPatch((0.4, -0.3), 7.0, 4.3, boxstyle="round,pad=0.1",
                                facecolor="#f7f7f7", edgecolor="0.6"))
    # the cell state line: c_{t-1} -> (x f) -> (+ i*g) -> c_t
    _label(ax, -0.2, 3.4, "$c_{t-1}$")
    _op(ax, 1.8, 3.4, r"$\odot$")
    _op(ax, 4.2, 3.4, "$+$")
    _label(ax, 8.2, 3.4, "$c_t$")
    _arrow(ax, (0.1, 3.4), (1.58, 3.4))
    _arrow(ax, (2.02, 3.4), (3.98, 3.4))
    _arrow(ax, (4.42, 3.4), (7.9, 3.4))
    # the inputs: h_{t-1} and x_t, concatenated along the bottom
    _label(ax, -0.2, 0.2, "$h_{t-1}$")
    _label(ax, 1.0, -0.75, "$x_t$")
    _arrow(ax, (0.1, 0.2), (5.4, 0.2), style="-")
    _arrow(ax, (1.0, -0.55), (1.0, 0.2))
    gates = [(1.8, r"$\sigma$", "$f_t$", GATE), (3.0, r"$\sigma$", "$i_t$", GATE),
             (4.2, r"$\tanh$", "$g_t$", CANDIDATE), (5.4, r"$\sigma$", "$o_t$", GATE)]
    for x, text, name, colour in gates:
        _arrow(ax, (x, 0.2), (x, 0.85))
        _box(ax, x, 1.15, text, colour, width=0.7)
        ax.text(x + 0.42, 1.15, name, fontsize=10, va="center")
    _arrow(ax, (1.8, 1.45), (1.8, 3.18), "forget", (-0.85, 0.2))
    _op(ax, 4.2, 2.3, r"$\odot$")
    _arrow(ax, (3.0, 1.45), (3.98, 2.25))
    _arrow(ax, (4.2, 1.45), (4.2, 2.08))
    _arrow(ax, (4.2, 2.52), (4.2, 3.18), "write", (0.12, -0.1))
    # the output: h_t = o * tanh(c_t)
    _box(ax, 6.5, 2.6, r"$\tanh$", CANDIDATE, width=0.8)
    _arrow(ax, (6.5, 3.4), (6.5, 2.9))
    _op(ax, 6.5, 1.5, r"$\odot$")
    _arrow(ax, (6.5, 2.3), (6.5, 1.72))
    _arrow(ax, (5.4, 1.45), (6.28, 1.5), "show", (-0.3, 0.22))
    _arrow(ax, (6.72, 1.5), (7.9, 1.5))
    _label(ax, 8.2, 1.5, "$h_t$")
    return ax


def draw_gru_cell(ax):
    r"""One GRU step: reset gate $r_t$, update gate $z_t$, candidate $n_t$, no separate cell state."""
    _frame(ax, (-0.6, 8.6), (-0.9, 4.6), "GRU cell: one time step")
    ax.add_patch(FancyBboxPatch((0.4, -0.3), 7.0, 4.3, boxstyle="round,pad=0.1",
                                facecolor="#f7f7f7", edgecolor="0.6"))
    # the state line along the top: h_{t-1} -> (x z) -> (+) -> h_t
    _label(ax, -0.2, 3.4, "$h_{t-1}$")
    _op(ax, 2.6, 3.4, r"$\odot$")
    _op(ax, 5.6, 3.4, "$+$")
    _label(ax, 8.2, 3.4, "$h_t$")
    _arrow(ax, (0.1, 3.4), (2.38, 3.4))
    _arrow(ax, (2.82, 3.4), (5.38, 3.4), "keep", (-0.3, 0.12))
    _arrow(ax, (5.82, 3.4), (7.9, 3.4))
    # inputs along the bottom; h_{t-1} also comes down to the gates
    _label(ax, 1.0, -0.75, "$x_t$")
    _arrow(ax, (0.8, 3.4), (0.8, 0.2), style="-")
    _arrow(ax, (0.8, 0.2), (4.6, 0.2), style="-")
    _arrow(ax, (1.0, -0.55), (1.0, 0.2))
    _box(ax, 1.8, 1.15, r"$\sigma$", GATE, width=0.8)
    ax.text(1.92, 1.62, "$r_t$", fontsize=10)
    _box(ax, 2.6, 2.2, r"$\sigma$", GATE, width=0.8)
    ax.text(2.05, 2.6, "$z_t$", fontsize=10)
    _arrow(ax, (1.8, 0.2), (1.8, 0.85))
    _arrow(ax, (2.6, 0.2), (2.6, 1.9))
    _arrow(ax, (2.6, 2.5), (2.6, 3.18))
    # the candidate: the reset gate scales the old state's contribution
    _op(ax, 4.6, 1.15, r"$\odot$")
    _arrow(ax, (2.2, 1.15), (4.38, 1.15), "reset", (-0.4, 0.1))
    _box(ax, 4.6, 2.2, r"$\tanh$", CANDIDATE, width=0.8)
    ax.text(4.0, 2.62, "$n_t$", fontsize=10)
    _arrow(ax, (4.6, 0.2), (4.6, 0.93))
    _arrow(ax, (4.6, 1.37), (4.6, 1.9))
    _op(ax, 5.6, 2.2, r"$\odot$")
    _arrow(ax, (5.0, 2.2), (5.38, 2.2))
    _op(ax, 3.6, 2.9, "$1-$", radius=0.25)
    _arrow(ax, (2.95, 2.45), (3.38, 2.78))
    _arrow(ax, (3.85, 2.85), (5.42, 2.33))
    _arrow(ax, (5.6, 2.42), (5.6, 3.18), "write", (0.1, -0.1))
    return ax


def draw_attention(ax):
    r"""Self-attention for one query: $q_t$ scores every key $k_s$, a softmax weighs the values $v_s$."""
    _frame(ax, (-0.3, 9.6), (-0.6, 5.4), "attention for the query at position t = 3")
    tokens = ["$x_1$", "$x_2$", "$x_3$"]
    weights = [0.2, 0.7, 0.1]  # an illustration: positive, summing to 1
    for s, (token, weight) in enumerate(zip(tokens, weights)):
        x = 0.8 + 2.0 * s
        _box(ax, x, 0.0, token, STATE, width=0.8, height=0.45)
        _box(ax, x - 0.45, 1.2, f"$k_{s + 1}$", GATE, width=0.7, height=0.45)
        _box(ax, x + 0.45, 1.2, f"$v_{s + 1}$", CANDIDATE, width=0.7, height=0.45)
        _arrow(ax, (x - 0.1, 0.25), (x - 0.45, 0.95))
        _arrow(ax, (x + 0.1, 0.25), (x + 0.45, 0.95))
        _box(ax, x - 0.45, 2.6, rf"$q_3\cdot k_{s + 1}/\sqrt{{d}}$", "white", width=1.5,
             height=0.45, fontsize=8)
        _arrow(ax, (x - 0.45, 1.45), (x - 0.45, 2.35))
        _op(ax, x + 0.45, 3.8, f"{weights[s]:.1f}", radius=0.28)
        _arrow(ax, (x + 0.45, 1.45), (x + 0.45, 3.52), colour="tab:green")
        _arrow(ax, (x - 0.3, 2.85), (x + 0.25, 3.6), colour="tab:orange")
        _arrow(ax, (x + 0.6, 4.05), (7.6, 4.8), colour="tab:green")
    _box(ax, 8.2, 1.2, "$q_3$", STATE, width=0.7, height=0.45)
    _arrow(ax, (4.8 + 0.25, 0.0), (8.2, 0.95), "$W_q$", (0.2, -0.3))
    ax.text(8.5, 2.55, "score: query\nagainst each key", fontsize=8, va="center")
    ax.text(6.9, 3.8, r"softmax weights $a_s$" "\n(sum to 1)", fontsize=8, va="center",
            color="tab:orange")
    _box(ax, 8.3, 4.8, r"$\sum_s a_s v_s$", CANDIDATE, width=1.4, height=0.5)
    ax.text(0.0, 5.1, r"keys $k_s = W_k x_s$, values $v_s = W_v x_s$, query $q_t = W_q x_t$",
            fontsize=9)
    return ax


def draw_transformer_block(ax):
    r"""A pre-LN Transformer block: $h = x + \mathrm{MHA}(\mathrm{LN}_1(x))$, $y = h + \mathrm{MLP}(\mathrm{LN}_2(h))$."""
    _frame(ax, (-2.4, 4.6), (-0.6, 9.6), "Transformer block (pre-LN, as in GPT-2)")
    _label(ax, 1.0, -0.3, "$x$ (N, T, E)")
    steps = [(1.3, "LayerNorm$_1$", STATE), (2.6, "masked multi-head\nattention", GATE),
             (5.0, "LayerNorm$_2$", STATE), (6.3, "MLP: E → 4E → E\n(GELU)", CANDIDATE)]
    for y, text, colour in steps:
        _box(ax, 1.0, y, text, colour, width=2.2, height=0.8 if "\n" in text else 0.55,
             fontsize=9)
    _arrow(ax, (1.0, 0.0), (1.0, 1.0))
    _arrow(ax, (1.0, 1.6), (1.0, 2.2))
    _op(ax, 1.0, 3.8, "$+$")
    _arrow(ax, (1.0, 3.0), (1.0, 3.58))
    _arrow(ax, (1.0, 4.02), (1.0, 4.72), "$h$", (-0.35, 0.0))
    _arrow(ax, (1.0, 5.28), (1.0, 5.9))
    _op(ax, 1.0, 7.6, "$+$")
    _arrow(ax, (1.0, 6.7), (1.0, 7.38))
    _arrow(ax, (1.0, 7.82), (1.0, 8.8))
    _label(ax, 1.0, 9.1, "$y$ (N, T, E)")
    # the residual paths: the input skips around each part and is added back
    for low, high in ((0.3, 3.8), (4.3, 7.6)):
        ax.plot([1.0, 3.0, 3.0], [low, low, high], color="tab:purple", linewidth=1.2)
        _arrow(ax, (3.0, high), (1.22, high), colour="tab:purple")
    ax.text(3.15, 2.0, "residual", color="tab:purple", fontsize=9, rotation=90, va="center")
    ax.text(3.15, 6.0, "residual", color="tab:purple", fontsize=9, rotation=90, va="center")
    ax.text(-2.3, 2.6, "between\npositions", fontsize=8, va="center")
    ax.text(-2.3, 6.3, "at each\nposition", fontsize=8, va="center")
    return ax


__all__ = ["draw_attention", "draw_gru_cell", "draw_lstm_cell", "draw_transformer_block"]
