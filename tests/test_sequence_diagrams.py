"""The diagrams of chapters 11 and 12 draw, and name every symbol of the chapters' equations."""
import matplotlib

matplotlib.use("Agg")
import pytest
from matplotlib.figure import Figure

from nnkit_widgets.base import render_png
from nnkit_widgets.sequence_diagrams import (
    draw_attention,
    draw_gru_cell,
    draw_lstm_cell,
    draw_transformer_block,
)

EXPECTED = {
    draw_lstm_cell: ["$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$h_t$", "$x_t$", "$f_t$", "$i_t$",
                     "$g_t$", "$o_t$"],
    draw_gru_cell: ["$h_{t-1}$", "$h_t$", "$x_t$", "$r_t$", "$z_t$", "$n_t$", "$1-$"],
    draw_attention: ["$q_3$", "$k_1$", "$v_3$", r"$\sum_s a_s v_s$", "$x_2$"],
    draw_transformer_block: ["LayerNorm$_1$", "LayerNorm$_2$", "residual", "$x$ (N, T, E)",
                             "$y$ (N, T, E)"],
}


@pytest.mark.parametrize("draw", list(EXPECTED), ids=lambda f: f.__name__)
def test_diagram_names_its_symbols_and_renders(draw):
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    assert draw(ax) is ax
    texts = [t.get_text() for t in ax.texts]
    missing = [symbol for symbol in EXPECTED[draw] if symbol not in texts]
    assert missing == [], f"{draw.__name__} does not show {missing}"
    assert len(ax.patches) >= 10  # boxes, circles and arrows were drawn
    png = render_png(fig)  # mathtext parses: a bad label raises here
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_lstm_has_one_sigmoid_box_per_gate():
    fig = Figure()
    ax = draw_lstm_cell(fig.add_subplot())
    texts = [t.get_text() for t in ax.texts]
    assert texts.count(r"$\sigma$") == 3 and texts.count(r"$\tanh$") == 2
