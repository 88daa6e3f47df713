r"""Checkers for chapter 13, speech recognition: from a waveform to a log-mel spectrogram.

    from nnkit.exercises import ch13 as check
    check.frame(my_frame)

The references are ``nnkit.audio``'s functions. Waveforms are 1-D NumPy
arrays; spectrograms are laid out (frames, frequencies) until the last
step, which returns (mel bands, frames) as the chapter plots them.
"""
import numpy as np

from nnkit import audio
from nnkit.exercises.checking import Case, check_with_diagnoses, close_to
from nnkit.exercises.solutions import ch13 as course  # log_mel's reference


def _rng(seed):
    return np.random.default_rng(seed)


def _valid(received):
    return not isinstance(received, BaseException) and received is not None


def _shape(received):
    return np.shape(getattr(received, "data", received)) if _valid(received) else None


# ---------------------------------------------------------------- exercise 1: framing

def _frame_diagnosis(args, received):
    wave, n_fft, hop = args
    want = audio.frame(wave, n_fft, hop)
    shape = _shape(received)
    if shape is None:
        return None
    if shape == (want.shape[0] - 1, n_fft):
        return ("one frame short: frames start at 0, hop, 2*hop, ... as long as a whole frame "
                "fits, which makes 1 + (len(wave) - n_fft) // hop_length frames.")
    if shape == (1 + (len(wave) - n_fft) // n_fft, n_fft) and hop != n_fft:
        return ("your frames do not overlap: the next frame starts hop_length samples later, "
                "not n_fft samples later.")
    if len(shape) == 2 and shape[1] == n_fft and shape[0] > want.shape[0]:
        return ("too many frames: a frame that would run past the end of the wave is dropped "
                "(or you stepped by fewer than hop_length samples).")
    if shape == want.shape[::-1]:
        return "transposed: return one frame per ROW, shape (num_frames, n_fft)."
    return None


def frame(fn):
    r"""Exercise 1: ``fn(wave, n_fft, hop_length)``: frame $t$ is ``wave[t*hop : t*hop + n_fft]``."""
    rng = _rng(130)
    cases = [Case((np.arange(10.0), 4, 2), "0..9 in frames of 4, hop 2"),
             Case((rng.standard_normal(1000), 256, 128), "1000 samples, the chapter's sizes"),
             Case((rng.standard_normal(300), 64, 64), "hop = frame length (no overlap)"),
             Case((rng.standard_normal(259), 256, 128), "a wave only 3 samples longer than one frame")]
    return check_with_diagnoses("frame", fn, audio.frame, cases, [_frame_diagnosis], keep=(13, "1"),
                                hint="frames = [wave[t*hop_length : t*hop_length + n_fft] for t in "
                                     "range(1 + (len(wave) - n_fft) // hop_length)], as an array.")


# ---------------------------------------------------------------- exercise 2: the power spectrum

def _spectrum_reference(wave, n_fft, hop_length):
    return audio.power_spectrum(audio.frame(wave, n_fft, hop_length) * audio.hann_window(n_fft))


def _spectrum_diagnosis(args, received):
    wave, n_fft, hop = args
    if not _valid(received):
        return None
    frames = audio.frame(wave, n_fft, hop)
    windowed = frames * audio.hann_window(n_fft)
    guesses = [
        (audio.power_spectrum(frames), ("you forgot the window: multiply every frame by "
         "hann_window(n_fft) before the FFT (else the cut edges leak into every frequency).")),
        (np.abs(np.fft.rfft(windowed)), ("that is the magnitude |FFT|; the power is its square, "
         "np.abs(np.fft.rfft(...)) ** 2.")),
        (np.abs(np.fft.fft(windowed)) ** 2, ("np.fft.fft returns n_fft frequencies, half of them "
         "mirror images of the others for a real signal: use np.fft.rfft (n_fft // 2 + 1).")),
        (audio.power_spectrum(frames * np.hanning(n_fft)), ("np.hanning is the symmetric window; "
         "use the periodic one, 0.5 - 0.5 * cos(2 pi n / n_fft), as hann_window does.")),
    ]
    for value, hint in guesses:
        if close_to(received, value):
            return hint
    return None


def power_spectrum(fn):
    r"""Exercise 2: ``fn(wave, n_fft, hop_length)``: $|\mathrm{rfft}(w \cdot \text{frame})|^2$, (frames, n_fft//2+1)."""
    rng = _rng(131)
    t = np.arange(2000) / audio.SAMPLE_RATE
    cases = [Case((np.sin(2 * np.pi * 1000 * t), 256, 128), "a 1 kHz tone"),
             Case((rng.standard_normal(1200), 256, 128), "white noise"),
             Case((rng.standard_normal(500), 64, 32), "short frames of 64")]
    return check_with_diagnoses("power_spectrum", fn, _spectrum_reference, cases,
                                [_spectrum_diagnosis], keep=(13, "2"),
                                hint="frame(wave, n_fft, hop_length) * hann_window(n_fft), then "
                                     "np.abs(np.fft.rfft(frames, axis=-1)) ** 2.")


# ---------------------------------------------------------------- exercise 3: hz to mel

def _mel_diagnosis(args, received):
    (hz,) = args
    if close_to(received, 2595.0 * np.log(1.0 + hz / 700.0)):
        return "the mel formula uses log base 10: np.log10, not np.log."
    if close_to(received, 2595.0 * np.log10(hz / 700.0 + 1e-300)):
        return "it is log10(1 + f / 700): the 1 + makes 0 Hz map to 0 mel."
    return None


def hz_to_mel(fn):
    r"""Exercise 3: ``fn(hz)`` = $2595 \log_{10}(1 + f/700)$ on an array of frequencies."""
    cases = [Case((np.array([0.0, 700.0, 1000.0, 4000.0]),), "0, 700, 1000 and 4000 Hz"),
             Case((np.linspace(0, 8000, 9),), "0 to 8 kHz")]
    return check_with_diagnoses("hz_to_mel", fn, audio.hz_to_mel, cases, [_mel_diagnosis],
                                keep=(13, "3"), hint="2595 * np.log10(1 + hz / 700).")


# ---------------------------------------------------------------- exercise 4: mel bands and log

def _log_mel_diagnosis(args, received):
    power, bank = args
    if not _valid(received):
        return None
    got = np.asarray(getattr(received, "data", received), dtype=float)
    if np.isneginf(got).any():
        return ("-inf: a silent frame has power 0 and log(0) = -inf. Add a small eps before "
                "the log: np.log(mel + 1e-6).")
    mel = power @ bank.T
    guesses = [(np.log(mel + audio.EPS), ("transposed: return (mel bands, frames), as the "
                "chapter plots it: frequency up, time along.")),
               (np.log10(mel + audio.EPS).T, "use the natural log np.log, not np.log10."),
               (np.log(power @ bank + audio.EPS).T if bank.shape[0] == bank.shape[1] else None,
                "multiply by the TRANSPOSED filter bank: power @ filter_bank.T.")]
    for value, hint in guesses:
        if value is not None and close_to(received, value):
            return hint
    return None


def log_mel(fn):
    r"""Exercise 4: ``fn(power, filter_bank)`` = $\log(\varepsilon + P M^\top)^\top$, (mel bands, frames), $\varepsilon = 10^{-6}$."""
    rng = _rng(132)
    bank = audio.mel_filter_bank(8, 64, audio.SAMPLE_RATE)
    power = rng.uniform(0, 5, (6, 33))
    silent = power.copy()
    silent[2] = 0.0
    cases = [Case((power, bank), "6 frames, 8 mel bands"),
             Case((silent, bank), "a silent frame (power exactly 0)"),
             Case((rng.uniform(0, 1, (61, 129)), audio.mel_filter_bank()), "the chapter's sizes")]
    return check_with_diagnoses("log_mel", fn, course.log_mel, cases, [_log_mel_diagnosis],
                                keep=(13, "4"), hint="np.log(power @ filter_bank.T + 1e-6).T")
