"""Chapter 10's filter explorer, without a browser: its numbers and its picture."""
import numpy as np
import pytest

import nnkit
from nnkit import nn
from nnkit_widgets.filter_explorer import (
    CUSTOM,
    HAND_FILTERS,
    FilterExplorer,
    feature_stages,
    parse_kernel,
)


def make_cnn():
    nnkit.manual_seed(3)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(6 * 5 * 5, 10))


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.uniform(0, 1, (5, 28, 28)).astype(np.float32)


@pytest.fixture(scope="module")
def explorer(images):
    return FilterExplorer(model=make_cnn(), images=images)


def loops(image, kernel, bias, stride, padding):
    x = np.pad(image.astype(np.float64), padding)
    k = kernel.shape[0]
    size = (x.shape[0] - k) // stride + 1
    out = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            out[i, j] = np.sum(x[i * stride:i * stride + k, j * stride:j * stride + k] * kernel) + bias
    return out


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), (3, 2)])
@pytest.mark.parametrize("name", list(HAND_FILTERS))
def test_feature_map_is_the_sliding_weighted_sum(explorer, images, name, stride, padding):
    result = explorer.compute(digit=2, filter=name, stride=stride, padding=padding,
                              every_layer=False)
    expected = loops(images[2], HAND_FILTERS[name], 0.0, stride, padding)
    assert result["feature_map"].shape == ((28 + 2 * padding - 3) // stride + 1,) * 2
    np.testing.assert_allclose(result["feature_map"], expected, rtol=1e-4, atol=1e-4)
    assert result["padded"].shape == (28 + 2 * padding,) * 2


def test_learned_filter_is_the_models_first_layer_with_its_bias(explorer, images):
    conv = explorer.model[0]
    result = explorer.compute(digit=1, filter="learned filter 3", stride=1, padding=0,
                              every_layer=False)
    np.testing.assert_array_equal(result["kernel"], conv.weight.data[2, 0])
    assert result["bias"] == pytest.approx(float(conv.bias.data[2]))
    with nnkit.no_grad():
        expected = conv(nnkit.tensor(images[1][None, None])).numpy()[0, 2]
    np.testing.assert_allclose(result["feature_map"], expected, rtol=1e-5, atol=1e-6)


def test_every_layer_shows_each_stage_of_the_model(explorer, images):
    result = explorer.compute(digit=0, filter="blur", stride=1, padding=0, every_layer=True)
    assert result["every_layer"]
    names = [name for name, _ in result["stages"]]
    shapes = [maps.shape for _, maps in result["stages"]]
    assert names == ["conv 1 + ReLU", "pool 1", "conv 2 + ReLU", "pool 2"]
    assert shapes == [(4, 26, 26), (4, 13, 13), (6, 11, 11), (6, 5, 5)]
    model = explorer.model
    with nnkit.no_grad():
        x = nnkit.tensor(images[0][None, None])
        after_relu = model[1](model[0](x)).numpy()[0]
        logits = model(x).numpy()[0]
    np.testing.assert_allclose(result["stages"][0][1], after_relu, rtol=1e-5, atol=1e-6)
    assert (result["stages"][0][1] >= 0).all()
    p = np.exp(logits - logits.max())
    np.testing.assert_allclose(result["probabilities"], p / p.sum(), rtol=1e-4)
    assert result["predicted"] == int(np.argmax(logits))


def test_feature_stages_matches_a_model_without_relu_after_pooling(images):
    model = nn.Sequential(nn.Conv2d(1, 2, 5), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(288, 10))
    stages, probabilities = feature_stages(model, images[0])
    assert [(name, maps.shape) for name, maps in stages] == [("conv 1", (2, 24, 24)),
                                                             ("pool 1", (2, 12, 12))]
    assert probabilities.shape == (10,) and np.isclose(probabilities.sum(), 1, atol=1e-6)


def test_every_control_changes_the_numbers_and_the_picture(images):
    w = FilterExplorer(model=make_cnn(), images=images)
    assert w.error is None
    for name, value in [("digit", 3), ("filter", "learned filter 2"), ("stride", 2),
                        ("padding", 1), ("every_layer", True)]:
        png, before = w.png, w.result
        w.set(**{name: value})
        assert w.error is None, w.error
        assert w.png != png, f"moving {name} did not change the picture"
        assert w.result is not before
    assert w.result["every_layer"]
    assert [w.controls[n].disabled for n in ("filter", "stride", "padding")] == [True] * 3
    png = w.png
    w.set(digit=4)  # the digit still matters in "every layer" mode
    assert w.png != png
    w.set(every_layer=False)
    assert not w.controls["filter"].disabled


def test_stride_and_padding_change_the_output_size(images):
    w = FilterExplorer(images=images)
    assert w.result["feature_map"].shape == (26, 26)
    assert w.set(padding=1)["feature_map"].shape == (28, 28)
    assert w.set(stride=2)["feature_map"].shape == (14, 14)


def test_without_a_model_only_hand_made_filters_and_no_layer_mode(images):
    w = FilterExplorer(images=images)
    assert list(w.controls["filter"].options) == [*HAND_FILTERS, CUSTOM]
    assert w.controls["every_layer"].disabled
    assert "stages" not in w.result
    w.set(every_layer=True)  # a no-op: there is no CNN to show
    assert w.error is None and not w.result["every_layer"]


def test_bad_arguments_get_clear_errors(images):
    with pytest.raises(ValueError, match="starting with Conv2d"):
        FilterExplorer(model=nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), images=images)
    with pytest.raises(ValueError, match=r"images of shape \(N, H, W\).*\(28, 28\)"):
        FilterExplorer(images=images[0])
    w = FilterExplorer(images=images)
    with pytest.raises(ValueError, match="unknown filter.*Received: filter='edge'"):
        w.kernel("edge")


def dilated_loops(image, kernel, stride, padding, dilation):
    x = np.pad(image.astype(np.float64), padding)
    span = dilation * (kernel.shape[0] - 1) + 1
    size = (x.shape[0] - span) // stride + 1
    out = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            window = x[i * stride:i * stride + span:dilation, j * stride:j * stride + span:dilation]
            out[i, j] = np.sum(window * kernel)
    return out


@pytest.mark.parametrize("stride, padding, dilation", [(1, 0, 2), (2, 1, 3), (1, 2, 2)])
def test_dilation_spreads_the_filter_as_the_chapter_teaches(images, stride, padding, dilation):
    w = FilterExplorer(images=images)
    result = w.set(filter="Sobel x (vertical edges)", stride=stride, padding=padding,
                   dilation=dilation)
    expected = dilated_loops(images[0], HAND_FILTERS["Sobel x (vertical edges)"], stride, padding,
                             dilation)
    np.testing.assert_allclose(result["feature_map"], expected, rtol=1e-5, atol=1e-5)
    assert result["feature_map"].shape[0] == (28 + 2 * padding - dilation * 2 - 1) // stride + 1
    # the dots mark the pixels the first window reads: every dilation-th pixel
    cols, rows = w.taps[0].get_data()
    assert sorted(set(np.asarray(rows).tolist())) == [0, dilation, 2 * dilation]
    assert sorted(set(np.asarray(cols).tolist())) == [0, dilation, 2 * dilation]
    assert w.error is None


def test_a_custom_kernel_is_typed_and_applied(images):
    w = FilterExplorer(images=images)
    png = w.png
    result = w.set(filter=CUSTOM, custom="-1 0 1, -2 0 2, -1 0 1")
    np.testing.assert_array_equal(result["kernel"], HAND_FILTERS["Sobel x (vertical edges)"])
    assert w.png != png and w.error is None
    png = w.png
    w.set(custom="0 0 0 0 2 0 0 0 0")  # twice the identity: twice the image
    np.testing.assert_allclose(w.result["feature_map"], 2 * images[0][1:-1, 1:-1], rtol=1e-6)
    assert w.png != png
    # a typo is explained in the widget, not a crash
    w.set(custom="1 2 three")
    assert "expected the custom filter as 9 numbers" in w.error
    w.set(custom="1 2 3")
    assert "Received 3 number(s)" in w.error
    w.set(custom="1 1 1 1 1 1 1 1 1")
    assert w.error is None


def test_parse_kernel_reads_rows_with_any_separator():
    assert parse_kernel("1 2 3\n4 5 6\n7 8 9").tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    with pytest.raises(ValueError, match="9 finite numbers"):
        parse_kernel("1 2 3 4 5 6 7 8 nan")
