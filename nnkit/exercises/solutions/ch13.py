"""Chapter 13's exercises, the course's answers: the log-mel spectrogram, piece by piece.

Together they give exactly ``nnkit.audio.log_mel_spectrogram``: frames of ``n_fft`` samples
every ``hop_length``, a Hann window, the power spectrum, mel bands, and the log with a small
``eps`` so that a silent band is never ``log(0)``.
"""
import numpy as np


def frame(wave, n_fft, hop_length):
    num_frames = 1 + (len(wave) - n_fft) // hop_length
    return np.stack([wave[t * hop_length:t * hop_length + n_fft] for t in range(num_frames)])


def power_spectrum(wave, n_fft, hop_length):
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    return np.abs(np.fft.rfft(frame(wave, n_fft, hop_length) * window, axis=-1)) ** 2


def hz_to_mel(hz):
    return 2595 * np.log10(1 + hz / 700)


def log_mel(power, filter_bank):
    return np.log(power @ filter_bank.T + 1e-6).T
