"""Chapter 12's attention heatmap: compute() gives real attention weights, controls change it."""
import numpy as np
import pytest

import nnkit
from nnkit import nn
from nnkit.models import CharTokenizer, TinyGPT
from nnkit_widgets.attention_heatmap import AVERAGE, AttentionHeatmap, attention_maps

TEXT = "\nemma\nolivia\nava\nisabella\n"


@pytest.fixture(scope="module")
def model_and_tokenizer():
    nnkit.manual_seed(3)
    tokenizer = CharTokenizer(TEXT)
    model = TinyGPT(tokenizer.vocab_size, context_length=8, d_model=16, num_heads=2, num_layers=2)
    for param in model.parameters():  # untrained weights are near-uniform: make heads differ
        param.data += 0.3 * nnkit.random.generator().standard_normal(param.shape).astype(np.float32)
    return model, tokenizer


@pytest.fixture
def widget(model_and_tokenizer):
    return AttentionHeatmap(*model_and_tokenizer, text="olivia")


def test_weights_are_causal_attention_rows(widget):
    for layer in (1, 2):
        for head in (AVERAGE, "head 1", "head 2"):
            result = widget.compute(text="isabel", layer=layer, head=head)
            weights = result["weights"]
            assert weights.shape == (7, 7)  # "\n" + 6 letters
            np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)
            assert np.all(weights[nn.causal_mask(7)] == 0)
            assert np.all(weights >= 0)
    assert result["labels"] == ["\u21b5", "i", "s", "a", "b", "e", "l"]


def test_weights_are_the_models_own(model_and_tokenizer, widget):
    model, tokenizer = model_and_tokenizer
    ids = tokenizer.encode("\nava")
    maps = attention_maps(model, ids)
    assert maps.shape == (2, 2, 4, 4)
    # the same numbers as asking the first layer directly, by hand
    block = model.blocks[0]
    with nnkit.no_grad():
        x = model.eval().token_embedding(ids[None, :]) + model.position_embedding(np.arange(4))
        h = block.norm1(x)
        _, weights = block.self_attn(h, h, h, need_weights=True, attn_mask=nn.causal_mask(4),
                                     average_attn_weights=False)
    np.testing.assert_allclose(maps[0], weights.data[0], atol=1e-6)
    average = widget.compute(text="ava", layer=2, head=AVERAGE)["weights"]
    np.testing.assert_allclose(average, maps[1].mean(axis=0), atol=1e-6)
    head2 = widget.compute(text="ava", layer=2, head="head 2")["weights"]
    np.testing.assert_allclose(head2, maps[1, 1], atol=1e-6)
    # the hooks are removed again
    assert not any(block.self_attn.__dict__.get("_hooks") for block in model.blocks)


def test_controls_change_result_and_picture(widget):
    first_png, first = widget.png, widget.result["weights"].copy()
    widget.set(layer=2)
    assert not np.allclose(widget.result["weights"], first)
    assert widget.png != first_png
    png, weights = widget.png, widget.result["weights"].copy()
    widget.set(head="head 1")
    assert not np.allclose(widget.result["weights"], weights) and widget.png != png
    widget.set(text="ava")
    assert widget.result["weights"].shape == (4, 4) and widget.error is None


def test_unknown_characters_are_left_out_with_a_note(widget):
    result = widget.set(text="Emma!")
    assert widget.error is None
    assert result["labels"] == ["\u21b5", "m", "m", "a"]
    assert "'!'" in result["note"] and "'E'" in result["note"] and "vocabulary" in result["note"]
    assert widget.set(text="emma")["note"] == ""


def test_long_text_keeps_the_last_context_length_characters(widget):
    result = widget.set(text="isabellaolivia")
    assert len(result["labels"]) == 8 and "".join(result["labels"]) == "laolivia"
    assert "last 8 characters" in result["note"]


def test_nothing_known_to_show_is_a_clear_error(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    w = AttentionHeatmap(model, tokenizer, prefix="", text="emma")
    w.set(text="123")
    assert w.error is not None and "at least one character" in w.error
