"""Chapter 13's data and features: nnkit.audio against independent formulas, the spoken-digit
loader's voice split, and the shipped files against the script that makes them."""
import hashlib
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from nnkit import audio, datasets
from nnkit.datasets import integrity


def test_frame_rows_are_the_hopped_slices():
    wave = np.arange(1000.0)
    frames = audio.frame(wave, 256, 128)
    assert frames.shape == (1 + (1000 - 256) // 128, 256)
    for t in range(len(frames)):
        np.testing.assert_array_equal(frames[t], wave[128 * t:128 * t + 256])


def test_frame_rejects_a_wave_shorter_than_one_frame():
    with pytest.raises(ValueError, match="at least n_fft=256 samples. Received: shape"):
        audio.frame(np.zeros(100))


def test_hann_window_is_the_periodic_cosine():
    n = np.arange(8)
    np.testing.assert_allclose(audio.hann_window(8), np.sin(np.pi * n / 8) ** 2, atol=1e-12)


def test_power_spectrum_puts_a_tone_in_its_bin():
    rate, n_fft = 8000, 256
    tone = np.sin(2 * np.pi * 1000 * np.arange(n_fft) / rate)  # exactly bin 32
    power = audio.power_spectrum((tone * audio.hann_window(n_fft))[None])[0]
    assert power.argmax() == 32
    # Parseval for the DFT: sum |X_k|^2 over all n_fft bins = n_fft * sum x^2
    full = np.abs(np.fft.fft(tone)) ** 2
    assert full.sum() == pytest.approx(n_fft * (tone ** 2).sum())


def test_mel_scale_round_trips_and_is_1000_mel_at_1000_hz():
    hz = np.linspace(0, 4000, 41)
    np.testing.assert_allclose(audio.mel_to_hz(audio.hz_to_mel(hz)), hz, atol=1e-9)
    assert audio.hz_to_mel(1000.0) == pytest.approx(1000.0, abs=0.5)


def test_mel_filters_are_triangles_that_peak_at_one_and_cover_the_band():
    bank = audio.mel_filter_bank(32, 256, 8000)
    assert bank.shape == (32, 129) and bank.min() >= 0 and bank.max() <= 1
    assert np.all(bank.max(axis=1) > 0.5)  # every filter catches at least one bin near its peak
    assert np.all(bank[:, 1:-1].sum(axis=0) > 0)  # no frequency between 0 and Nyquist is dropped


def test_log_mel_spectrogram_matches_step_by_step_loops():
    rng = np.random.default_rng(0)
    wave = rng.standard_normal(8000)
    spectrogram = audio.log_mel_spectrogram(wave)
    assert spectrogram.shape == (32, 61)
    bank, window = audio.mel_filter_bank(), audio.hann_window()
    for t in (0, 30, 60):
        piece = wave[128 * t:128 * t + 256] * window
        power = np.array([abs(np.sum(piece * np.exp(-2j * np.pi * k * np.arange(256) / 256))) ** 2
                          for k in range(129)])
        np.testing.assert_allclose(spectrogram[:, t], np.log(bank @ power + 1e-6), rtol=1e-6)


def test_log_mel_of_silence_is_finite():
    assert np.all(audio.log_mel_spectrogram(np.zeros(8000)) == pytest.approx(np.log(1e-6)))


def test_add_noise_reaches_the_asked_signal_to_noise_ratio():
    wave = np.sin(np.arange(80_000) * 0.1)
    noisy = audio.add_noise(wave, 10.0, np.random.default_rng(0))
    snr = 10 * np.log10(np.mean(wave ** 2) / np.mean((noisy - wave) ** 2))
    assert snr == pytest.approx(10.0, abs=0.1)


def test_change_speed_shortens_the_sound_and_keeps_the_length():
    burst = np.zeros(8000)
    burst[3000:5000] = 1.0
    faster = audio.change_speed(burst, 2.0)
    assert len(faster) == 8000 and np.sum(faster > 0.5) == pytest.approx(1000, abs=3)
    with pytest.raises(ValueError, match="Received: factor=0"):
        audio.change_speed(burst, 0)


def test_splits_hold_out_whole_voices():
    X_train, y_train, voices_train = datasets.spoken_digits("train")
    X_test, y_test, voices_test = datasets.spoken_digits("test")
    assert X_train.shape == (1080, 32, 61) and X_test.shape == (360, 32, 61)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert not set(voices_train) & set(voices_test)
    assert len(set(voices_train)) == 36 and len(set(voices_test)) == 12
    assert all(v.split("+")[1] in ("m3", "f2") for v in set(voices_test))
    assert np.all(np.bincount(y_test) == 36) and np.all(np.bincount(y_train) == 108)


def test_loader_returns_fresh_copies_and_rejects_unknown_splits():
    X, _, _ = datasets.spoken_digits("test")
    X[:] = 0
    assert datasets.spoken_digits("test")[0].std() > 1
    with pytest.raises(ValueError, match="Received: split='validation'"):
        datasets.spoken_digits("validation")


def test_listening_clips_are_test_voices_and_give_the_shipped_spectrograms():
    waves, labels, voices, rate = datasets.spoken_digit_clips()
    assert waves.shape == (40, 8000) and rate == 8000 and np.all(np.bincount(labels) == 4)
    X_all, y_all, voices_all = datasets.spoken_digits("all")
    index = np.load(integrity.verified_path("speech/clips.npz"))["index"]
    np.testing.assert_array_equal(y_all[index], labels)
    np.testing.assert_array_equal(voices_all[index], voices)
    assert set(voices) <= set(datasets.spoken_digits("test")[2])
    for k in (0, 17, 39):
        assert np.abs(audio.log_mel_spectrogram(waves[k]) - X_all[index[k]]).max() < 0.1


@pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None
                    or os.environ.get("NNKIT_CHECK_SPEECH_DATA") != "1",
                    reason="set NNKIT_CHECK_SPEECH_DATA=1 (needs espeak-ng and sox, ~30 s)")
def test_script_regenerates_the_shipped_files_bit_for_bit():
    run = subprocess.run([sys.executable, "scripts/make_spoken_digits.py", "--check"],
                         capture_output=True, text=True, check=True,
                         cwd=integrity.data_dir().parents[2])
    assert run.stdout.count("identical") == 2, run.stdout
    for name in ("speech/spoken-digits.npz", "speech/clips.npz"):
        digest = hashlib.sha256((integrity.data_dir() / name).read_bytes()).hexdigest()
        assert digest == integrity.MANIFEST[name]
