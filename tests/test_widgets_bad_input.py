"""Widgets built with the wrong model or data say what they expected and what they got."""
import numpy as np
import pytest

from nnkit import nn
from nnkit.models import CharTokenizer, TinyGPT
from nnkit_widgets.attention_heatmap import AttentionHeatmap
from nnkit_widgets.draw_digit import DrawDigit
from nnkit_widgets.forecast import ForecastWidget
from nnkit_widgets.welcome import WelcomeWidget

SERIES = np.sin(0.1 * np.arange(120)).astype(np.float32)
DATES = np.arange(120).astype("datetime64[M]")


@pytest.mark.parametrize("model", [None, "lstm"])
def test_forecast_widget_without_a_model(model):
    received = "None" if model is None else "a str"
    with pytest.raises(TypeError, match=rf"ForecastWidget: expected a trained forecaster, a model "
                                        rf"mapping windows \(M, window, 1\) to forecasts "
                                        rf"\(M, num_horizons\). Received: model={received}"):
        ForecastWidget(model, SERIES, DATES, test_start=100, window=24)


def test_forecast_widget_with_a_model_of_the_wrong_output():
    with pytest.raises(ValueError, match=r"expected the model to return forecasts \(M, "
                                         r"num_horizons\) for windows \(M, 24, 1\). Received: "
                                         r"shape \(1, 24, 1\)"):
        ForecastWidget(nn.Identity(), SERIES, DATES, test_start=100, window=24)
    with pytest.raises(ValueError, match=r"expected a 1-D series and dates of the same length. "
                                         r"Received: series.shape=\(120,\), len\(dates\)=3"):
        ForecastWidget(nn.Identity(), SERIES, DATES[:3], test_start=100, window=24)


def test_attention_heatmap_with_a_model_without_blocks():
    tokenizer = CharTokenizer("abc\n")
    with pytest.raises(TypeError, match=r"AttentionHeatmap: expected a TinyGPT-like model: "
                                        r"\.blocks holding TransformerBlocks .* Received: "
                                        r"model=a Linear with blocks=None"):
        AttentionHeatmap(nn.Linear(3, 3), tokenizer)
    model = TinyGPT(tokenizer.vocab_size, context_length=4, d_model=8, num_heads=2, num_layers=1)
    with pytest.raises(TypeError, match="expected the model's CharTokenizer. Received: "
                                        "tokenizer=a str"):
        AttentionHeatmap(model, "abc")


def test_draw_digit_with_a_non_model_or_the_wrong_model():
    images = np.zeros((2, 28, 28))
    with pytest.raises(TypeError, match=r"DrawDigit: expected a trained nnkit model \(an "
                                        r"nn.Module taking \(N, 784\) pixels or \(N, 1, 28, 28\) "
                                        r"images, returning \(N, 10\) logits\). Received: "
                                        r"model=a function"):
        DrawDigit(lambda x: x, images)
    with pytest.raises(ValueError, match=r"expected a model taking \(N, 784\) pixels \(an MLP\) "
                                         r"or \(N, 1, 28, 28\) images \(a CNN\). Calling it on one "
                                         r"blank digit failed as pixels.*: .*784"):
        DrawDigit(nn.Linear(100, 10), images)
    with pytest.raises(ValueError, match=r"expected the model to return \(N, 10\) logits, one per "
                                         r"digit. Received: 5 numbers per image"):
        DrawDigit(nn.Linear(784, 5), images)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_slider_set_to_nan_or_inf_is_refused_by_name(value):
    with pytest.raises(ValueError, match=rf"WelcomeWidget: expected a finite number for weight. "
                                         rf"Received: weight={value!r}"):
        WelcomeWidget(weight=value)
    widget = WelcomeWidget()
    with pytest.raises(ValueError, match="expected a finite number for bias"):
        widget.set(bias=value)
    assert widget.state["bias"] == 0.0 and widget.error is None
