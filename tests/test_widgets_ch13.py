"""Chapter 13's speech explorer, without a browser: its numbers and its picture."""
import io
import wave

import numpy as np
import pytest

import nnkit
from nnkit import audio, nn
from nnkit_widgets.spoken_digits import CLEAN_DB, SpeechExplorer, changed_clip, wav_bytes


class Flatten10(nn.Module):
    """A tiny stand-in classifier: spectrogram (N, 1, 32, 61) -> 10 logits."""

    def __init__(self):
        super().__init__()
        nnkit.manual_seed(0)
        self.flat, self.linear = nn.Flatten(), nn.Linear(32 * 61, 10)

    def forward(self, x):
        return self.linear(self.flat(x))


@pytest.fixture(scope="module")
def explorer():
    return SpeechExplorer(Flatten10().eval(), mean=-5.0, std=3.0)


def test_clean_clip_spectrogram_is_nnkits_and_probabilities_are_the_models(explorer):
    waves, labels, _, _ = nnkit.datasets.spoken_digit_clips()
    result = explorer.compute(clip=5, snr_db=CLEAN_DB, speed=1.0)
    expected = audio.log_mel_spectrogram(waves[5].astype(np.float64))
    np.testing.assert_allclose(result["spectrogram"], expected, rtol=1e-5, atol=1e-4)
    with nnkit.no_grad():
        logits = explorer.model(nnkit.tensor((expected.astype(np.float32) + 5.0) / 3.0)[None, None])
    p = np.exp(logits.numpy()[0] - logits.numpy()[0].max())
    np.testing.assert_allclose(result["probabilities"], p / p.sum(), rtol=1e-4)
    assert result["label"] == labels[5] and result["predicted"] == int(p.argmax())


def test_noise_slider_adds_noise_at_the_chosen_ratio_and_is_repeatable(explorer):
    clean = explorer.compute(clip=3, snr_db=CLEAN_DB, speed=1.0)["wave"]
    noisy = explorer.compute(clip=3, snr_db=0, speed=1.0)["wave"]
    again = explorer.compute(clip=3, snr_db=0, speed=1.0)["wave"]
    np.testing.assert_array_equal(noisy, again)
    snr = 10 * np.log10(np.mean(clean ** 2) / np.mean((noisy - clean) ** 2))
    assert snr == pytest.approx(0.0, abs=0.3)


def test_speed_changes_the_sound_but_not_its_length(explorer):
    faster = explorer.compute(clip=3, snr_db=CLEAN_DB, speed=1.5)["wave"]
    assert len(faster) == 8000
    np.testing.assert_allclose(faster, changed_clip(explorer.waves[3].astype(float), CLEAN_DB, 1.5, 3))


def test_player_gets_a_playable_wav_of_the_changed_clip(explorer):
    explorer.set(clip=7, snr_db=10, speed=0.8)
    with wave.open(io.BytesIO(bytes(explorer.player.value))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    np.testing.assert_allclose(pcm / 32767, np.clip(explorer.result["wave"], -1, 1), atol=1e-4)
    assert explorer.error is None


def test_picture_changes_with_every_slider(explorer):
    explorer.set(clip=0, snr_db=CLEAN_DB, speed=1.0)
    before = explorer.png
    for name, value in (("clip", 9), ("snr_db", -5), ("speed", 1.3)):
        explorer.set(**{name: value})
        assert explorer.png != before, name
        before = explorer.png


def test_wav_bytes_clip_out_of_range_samples():
    with wave.open(io.BytesIO(wav_bytes(np.array([2.0, -2.0, 0.5]), 8000))) as wav:
        pcm = np.frombuffer(wav.readframes(3), "<i2")
    np.testing.assert_array_equal(pcm, [32767, -32767, 16383])
