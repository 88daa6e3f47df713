r"""Sound as numbers: the log-mel spectrogram (chapter 13), in plain NumPy.

A waveform is a 1-D array of air-pressure samples, ``sample_rate`` of them
per second. Speech recognisers rarely read it directly: they cut it into
short overlapping frames, weight each frame with a window, take the
magnitude of its Fourier transform (which frequencies are present, how
strongly), pool the frequencies into bands spaced as the ear hears them
(the mel scale), and take the logarithm (loudness is heard on a log scale).
The result is a picture, frequency bands by time, that chapter 10's CNN can
read:

.. math::

    S_{m,t} = \log\Big(\varepsilon + \sum_k M_{m,k}\,
              \big|\mathrm{FFT}(w \cdot x_{tH : tH + N})_k\big|^2\Big)

with frame length $N$ (``n_fft``), hop $H$ (``hop_length``), Hann window
$w$, and $M$ the triangular mel filter bank. The learner writes each step
in chapter 13's exercises; these are the references the checkers and the
data script (``scripts/make_spoken_digits.py``) use.
"""
import numpy as np

SAMPLE_RATE = 8000  # telephone quality: enough for the words, 8,000 numbers a second
N_FFT = 256  # 32 ms frames
HOP_LENGTH = 128  # frames overlap by half: 16 ms steps
NUM_MELS = 32
EPS = 1e-6  # keeps log() finite on silent frames (log 0 = -inf)


def _check_wave(wave, n_fft):
    wave = np.asarray(wave)
    if wave.ndim != 1 or len(wave) < n_fft:
        raise ValueError(f"expected a 1-D waveform of at least n_fft={n_fft} samples. "
                         f"Received: shape {wave.shape}")
    return wave


def frame(wave, n_fft=N_FFT, hop_length=HOP_LENGTH):
    """Cut ``wave`` into overlapping frames: (num_frames, n_fft), frame t = wave[t*hop : t*hop+n_fft].

    ``num_frames = 1 + (len(wave) - n_fft) // hop_length``: an incomplete last frame is dropped.
    """
    wave = _check_wave(wave, n_fft)
    num_frames = 1 + (len(wave) - n_fft) // hop_length
    starts = hop_length * np.arange(num_frames)
    return wave[starts[:, None] + np.arange(n_fft)]


def hann_window(n_fft=N_FFT):
    r"""The periodic Hann window $w_n = \tfrac12 - \tfrac12\cos(2\pi n / N)$ (as ``np.hanning`` is not).

    It fades each frame in and out so that cutting the wave does not add
    false high frequencies (spectral leakage).
    """
    n = np.arange(n_fft)
    return 0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)


def power_spectrum(frames):
    """|FFT|^2 of each (already windowed) frame: (num_frames, n_fft // 2 + 1)."""
    return np.abs(np.fft.rfft(frames, axis=-1)) ** 2


def hz_to_mel(hz):
    r"""The HTK mel scale, $m = 2595 \log_{10}(1 + f / 700)$: near linear below 1 kHz, log above."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=float) / 700.0)


def mel_to_hz(mel):
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=float) / 2595.0) - 1.0)


def mel_filter_bank(num_mels=NUM_MELS, n_fft=N_FFT, sample_rate=SAMPLE_RATE):
    """Triangular filters (num_mels, n_fft // 2 + 1), equally spaced on the mel scale from 0 Hz to Nyquist.

    Filter m rises from centre m-1 to centre m and falls to centre m+1; the
    peak of each is 1 (no area normalisation, as HTK).
    """
    edges_hz = mel_to_hz(np.linspace(0.0, hz_to_mel(sample_rate / 2), num_mels + 2))
    bins_hz = np.fft.rfftfreq(n_fft, d=1.0 / sample_rate)
    lower, centre, upper = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (bins_hz - lower) / (centre - lower)
    falling = (upper - bins_hz) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def log_mel_spectrogram(wave, sample_rate=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP_LENGTH,
                        num_mels=NUM_MELS, eps=EPS):
    """The log-mel spectrogram (num_mels, num_frames) of a 1-D waveform: frame, window, FFT, mel, log."""
    frames = frame(np.asarray(wave, dtype=np.float64), n_fft, hop_length) * hann_window(n_fft)
    mel = power_spectrum(frames) @ mel_filter_bank(num_mels, n_fft, sample_rate).T
    return np.log(mel + eps).T


def add_noise(wave, snr_db, rng):
    r"""``wave`` plus white noise at signal-to-noise ratio ``snr_db`` (decibels): $10\log_{10}(P_s / P_n)$."""
    power = np.mean(np.asarray(wave, dtype=np.float64) ** 2)
    noise = rng.standard_normal(len(wave)) * np.sqrt(power / 10 ** (snr_db / 10))
    return wave + noise


def change_speed(wave, factor, length=None):
    """Play ``wave`` ``factor`` times faster, as a tape would (pitch moves too), by linear interpolation.

    The result is cut or zero-padded, centred, to ``length`` samples (default: the input's).
    """
    if factor <= 0:
        raise ValueError(f"expected a speed factor > 0. Received: factor={factor}")
    wave = np.asarray(wave, dtype=np.float64)
    length = len(wave) if length is None else length
    times = np.arange(0, len(wave) - 1, factor)
    faster = np.interp(times, np.arange(len(wave)), wave)
    return fit_length(faster, length)


def fit_length(wave, length):
    """Centre ``wave`` in ``length`` samples: zero-pad both sides, or cut both ends."""
    wave = np.asarray(wave)
    if len(wave) >= length:
        start = (len(wave) - length) // 2
        return wave[start:start + length]
    before = (length - len(wave)) // 2
    return np.pad(wave, (before, length - len(wave) - before))
