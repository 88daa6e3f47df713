r"""Chapter 13's speech explorer: listen to a clip, see it, and see what the network hears.

Pick one of the forty test-voice clips, add white noise (a signal-to-noise
ratio in decibels, $10 \log_{10} P_\text{speech} / P_\text{noise}$) or
play it faster or slower (as a tape: the pitch moves too). The widget
shows the waveform, its log-mel spectrogram (``nnkit.audio``) and the
trained network's probability for each digit, and plays the changed clip.
"""
import io
import wave as wavefile

import ipywidgets
import numpy as np

import nnkit
from nnkit import audio
from nnkit_widgets.base import Widget

CLEAN_DB = 40  # the slider's right end: no noise added


def wav_bytes(samples, sample_rate):
    """16-bit mono WAV file bytes of ``samples`` in [-1, 1] (what ipywidgets.Audio plays)."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wavefile.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def changed_clip(samples, snr_db, speed, seed):
    """The clip at ``speed`` times its speed, then with noise at ``snr_db`` (none at CLEAN_DB)."""
    changed = samples if speed == 1.0 else audio.change_speed(samples, speed)
    if snr_db < CLEAN_DB:
        changed = audio.add_noise(changed, snr_db, np.random.default_rng(seed))
    return changed


class SpeechExplorer(Widget):
    """Waveform, spectrogram and the network's probabilities for a clip, with noise and speed.

    Args:
        model: an nnkit Module in eval mode mapping (N, 1, 32, 61) normalised spectrograms to
            10 logits.
        mean, std: the normalisation the model was trained with (x - mean) / std.
        clips: ``nnkit.datasets.spoken_digit_clips()`` (the default).

    Example::

        w = SpeechExplorer(cnn, mean, std)
        w.set(snr_db=0)["probabilities"]   # what the CNN thinks under heavy noise
    """

    figsize = (10.0, 3.2)

    def __init__(self, model, mean, std, clips=None, **initial):
        self.model, self.mean, self.std = model, float(mean), float(std)
        waves, labels, voices, rate = clips or nnkit.datasets.spoken_digit_clips()
        self.waves, self.labels, self.voices, self.rate = waves, labels, voices, rate
        self.player = ipywidgets.Audio(format="wav", autoplay=False, loop=False)
        super().__init__(**initial)

    def make_controls(self):
        label_style = {"description_width": "70px"}
        return {
            "clip": ipywidgets.IntSlider(value=0, min=0, max=len(self.waves) - 1,
                                         description="clip", style=label_style),
            "snr_db": ipywidgets.IntSlider(value=CLEAN_DB, min=-10, max=CLEAN_DB, step=5,
                                           description="noise (dB)", style=label_style),
            "speed": ipywidgets.FloatSlider(value=1.0, min=0.6, max=1.6, step=0.1,
                                            description="speed", style=label_style),
        }

    def make_layout(self):
        return ipywidgets.VBox([ipywidgets.HBox(list(self.controls.values())), self.player,
                                self.view, self.errors])

    def compute(self, clip, snr_db, speed):
        """The changed waveform, its spectrogram and the model's probabilities (pure)."""
        samples = changed_clip(self.waves[clip].astype(np.float64), snr_db, speed, seed=clip)
        spectrogram = audio.log_mel_spectrogram(samples).astype(np.float32)
        with nnkit.no_grad():
            logits = self.model(nnkit.tensor((spectrogram - self.mean) / self.std)[None, None])
        logits = logits.numpy()[0].astype(np.float64)
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        return {"wave": samples, "spectrogram": spectrogram, "probabilities": probabilities,
                "predicted": int(probabilities.argmax()), "label": int(self.labels[clip]),
                "voice": str(self.voices[clip]), "wav": wav_bytes(samples, self.rate)}

    # ---- drawing ------------------------------------------------------------

    def setup(self, fig):
        grid = fig.add_gridspec(1, 3, width_ratios=[1.1, 1.1, 1])
        self.wave_ax, self.spec_ax, self.prob_ax = (fig.add_subplot(grid[0, k]) for k in range(3))
        seconds = np.arange(audio.SAMPLE_RATE) / audio.SAMPLE_RATE
        (self.wave_line,) = self.wave_ax.plot(seconds, np.zeros_like(seconds), linewidth=0.5)
        self.wave_ax.set(xlabel="time (s)", ylim=(-1, 1), title="waveform")
        self.image = self.spec_ax.imshow(np.zeros((audio.NUM_MELS, 61)), origin="lower",
                                         aspect="auto", cmap="magma", vmin=-14, vmax=6,
                                         extent=(0, 1, 0, audio.NUM_MELS))
        self.spec_ax.set(xlabel="time (s)", ylabel="mel band", title="log-mel spectrogram")
        self.bars = self.prob_ax.bar(range(10), np.zeros(10), color="tab:blue")
        self.prob_ax.set(xticks=range(10), ylim=(0, 1), xlabel="digit",
                         title="the network's probabilities")
        self.title = fig.suptitle("", fontsize=11)  # the whole width: the sentence is long

    def redraw(self, result):
        self.wave_line.set_ydata(result["wave"])
        self.image.set_data(result["spectrogram"])
        for digit, (bar, p) in enumerate(zip(self.bars, result["probabilities"])):
            bar.set_height(p)
            bar.set_color("tab:green" if digit == result["label"] else "tab:blue")
        right = result["predicted"] == result["label"]
        self.title.set_text(f"said {result['label']} ({result['voice']}): network hears "
                            f"{result['predicted']} {'(right)' if right else '(WRONG)'}")
        self.title.set_color("black" if right else "tab:red")
        self.player.value = result["wav"]
