"""Chapter 12's name sampler: compute() samples real names from the model, controls change it."""
import numpy as np
import pytest

import nnkit
from nnkit.models import CharTokenizer, TinyGPT
from nnkit_widgets.name_sampler import NameSampler, next_char_probs, sample_names

TEXT = "\nemma\nolivia\nava\nisabella\nmia\n"


@pytest.fixture(scope="module")
def model_and_tokenizer():
    nnkit.manual_seed(5)
    tokenizer = CharTokenizer(TEXT)
    model = TinyGPT(tokenizer.vocab_size, context_length=10, d_model=16, num_heads=2, num_layers=1)
    for param in model.parameters():  # untrained logits are near-uniform: make them differ
        param.data += 0.5 * nnkit.random.generator().standard_normal(param.shape).astype(np.float32)
    return model, tokenizer


@pytest.fixture
def widget(model_and_tokenizer):
    return NameSampler(*model_and_tokenizer, temperature=1.0)


def test_probs_are_the_models_softmax_at_the_temperature(model_and_tokenizer, widget):
    model, tokenizer = model_and_tokenizer
    result = widget.compute(temperature=0.5, prompt="em", seed=0)
    with nnkit.no_grad():
        logits = model.eval()(tokenizer.encode("\nem")[None, :]).numpy()[0, -1]
    expected = np.exp(logits / 0.5 - (logits / 0.5).max())
    np.testing.assert_allclose(result["probs"], expected / expected.sum(), atol=1e-6)
    assert result["probs"].sum() == pytest.approx(1.0)


def test_temperature_spreads_the_distribution(widget):
    entropies = [widget.compute(temperature=t, prompt="", seed=0)["entropy"] for t in (0.3, 1, 2)]
    assert entropies[0] < entropies[1] < entropies[2]
    cold = widget.compute(temperature=0.1, prompt="", seed=0)["probs"]
    assert cold.max() > 0.9  # nearly always the most likely character


def test_names_start_with_the_prompt_and_end_at_newline(model_and_tokenizer, widget):
    _, tokenizer = model_and_tokenizer
    result = widget.compute(temperature=1.0, prompt="Is", seed=3)  # case and spaces forgiven
    assert len(result["names"]) == 12
    assert all(name.startswith("is") and "\n" not in name for name in result["names"])
    assert all(set(name) <= set(tokenizer.chars) for name in result["names"])


def test_seed_makes_samples_repeatable_and_different(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    model.train()
    first = sample_names(model, tokenizer, "", 1.5, seed=1)
    assert first == sample_names(model, tokenizer, "", 1.5, seed=1)
    assert first != sample_names(model, tokenizer, "", 1.5, seed=2)
    assert model.training  # the sampler puts the mode back


def test_a_name_stops_at_the_context_length(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    names = sample_names(model, tokenizer, "a", 3.0, seed=0, count=20)
    assert max(len(n) for n in names) <= model.context_length


def test_controls_change_result_and_picture(widget):
    png, names = widget.png, widget.result["names"]
    widget.set(seed=4)
    assert widget.result["names"] != names and widget.png != png
    png, probs = widget.png, widget.result["probs"].copy()
    widget.set(temperature=0.3)
    assert not np.allclose(widget.result["probs"], probs) and widget.png != png
    png = widget.png
    widget.set(prompt="mi")
    assert all(n.startswith("mi") for n in widget.result["names"]) and widget.png != png
    assert widget.error is None


def test_bad_prompt_is_a_clear_error(widget):
    widget.set(prompt="x!")
    assert widget.error is not None
    assert "Expected a prompt made of the letters" in widget.error.replace("expected", "Expected")
    assert "'!'" in widget.error and "'x'" in widget.error
    widget.set(prompt="ava")
    assert widget.error is None
    with pytest.raises(ValueError, match="shorter than 10"):
        widget.compute(temperature=1.0, prompt="a" * 10, seed=0)
    with pytest.raises(ValueError, match="temperature > 0"):
        next_char_probs(widget.model, [0], 0.0)
