"""Spoken digits synthesised with espeak-ng (chapter 13), split by held-out voices.

The data are *synthetic*: 48 espeak-ng voices (6 accents x 8 voice
variants) saying "zero" ... "nine", three times each, with random speed,
pitch, loudness, time shift and white noise. ``scripts/make_spoken_digits.py``
makes them; ``files/PROVENANCE.md`` says how and under which licence.
The test split holds every clip of the voices built on variants ``m3`` and
``f2`` (12 voices): a voice is never on both sides of the split.
"""
import functools

import numpy as np

from .integrity import data_dir, verified_path

_SPLITS = ("train", "test", "all")


@functools.cache
def _load(name, folder):
    # folder is part of the cache key so an NNKIT_DATA_DIR override is honoured
    with np.load(verified_path(f"speech/{name}"), allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    for array in arrays.values():
        array.flags.writeable = False
    return arrays


def spoken_digits(split="train"):
    """Log-mel spectrograms of spoken digits and their labels, split by voice.

    Args:
        split: ``"train"`` (36 voices, 1,080 clips), ``"test"`` (12 other
            voices, 360 clips) or ``"all"``.

    Returns:
        ``(X, y, voices)``: ``X`` float32 (N, 32, 61), the log-mel
        spectrogram of each one-second clip (32 mel bands, 61 frames of
        32 ms every 16 ms, natural log of power, as
        ``nnkit.audio.log_mel_spectrogram``, stored to 0.08 precision);
        ``y`` int64 digits 0-9; ``voices`` the espeak-ng voice of each clip
        (str, e.g. ``"en-us+f2"``). Fresh copies on every call.
    """
    if split not in _SPLITS:
        raise ValueError(f"spoken_digits: expected split in {_SPLITS}. Received: split={split!r}")
    data = _load("spoken-digits.npz", str(data_dir()))
    on_test = data["test_voice"][data["voices"]]
    keep = {"train": ~on_test, "test": on_test, "all": np.ones_like(on_test)}[split]
    X = data["offset"] + data["step"] * data["features"][keep].astype(np.float32)
    voices = data["voice_names"][data["voices"][keep]]
    return X.astype(np.float32), data["labels"][keep].astype(np.int64), voices


def spoken_digit_clips():
    """Forty one-second recordings to listen to: four per digit, all from test voices.

    Returns:
        ``(waves, y, voices, sample_rate)``: ``waves`` float32 (40, 8000) in
        [-1, 1], ``y`` int64 digits, ``voices`` str, ``sample_rate`` 8000.
    """
    data = _load("clips.npz", str(data_dir()))
    waves = data["waves"].astype(np.float32) / 32767.0
    voices = data["voice_names"][data["voices"]]
    return waves, data["labels"].astype(np.int64), voices, int(data["sample_rate"])
