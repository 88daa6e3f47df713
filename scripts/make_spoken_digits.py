"""Make chapter 13's spoken-digit data with espeak-ng: nothing here was recorded from a person.

    python scripts/make_spoken_digits.py            # writes nnkit/datasets/files/speech/
    python scripts/make_spoken_digits.py --check    # regenerates in memory, compares SHA-256

Each of 48 synthetic voices (6 espeak-ng accents x 8 voice variants) says
each digit "zero" ... "nine" three times, each time at a random speed
(words per minute) and pitch, shifted in time, scaled in loudness and with
white noise at a random signal-to-noise ratio, all drawn from one seeded
generator. espeak-ng's 22,050 Hz output is resampled to 8 kHz by sox and
fitted to one second. What ships (see files/PROVENANCE.md):

- ``spoken-digits.npz``: the log-mel spectrograms (nnkit.audio, 32 mel
  bands x 61 frames) of all 1,440 clips, quantised to uint8, with labels,
  voice names, and the speed, pitch and noise of every clip;
- ``clips.npz``: 40 of the waveforms (int16, 8 kHz, one second), four per
  digit, all from test voices, for listening and for the chapter's widget.

Needs espeak-ng and sox on the PATH (Debian: ``apt-get install espeak-ng sox``).
"""
import argparse
import hashlib
import io
import pathlib
import subprocess
import sys
import zipfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nnkit import audio

OUT = ROOT / "nnkit" / "datasets" / "files" / "speech"
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ACCENTS = ["en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbcwmd"]
VARIANTS = ["m1", "m2", "m3", "m5", "f1", "f2", "f3", "f4"]
TEST_VARIANTS = ("m3", "f2")  # held out: their timbre is never heard in training
REPEATS = 3
SEED = 13
# log-mel values are stored as uint8: value = OFFSET + STEP * byte
OFFSET, STEP = -14.0, 0.08


def voices():
    return [f"{accent}+{variant}" for accent in ACCENTS for variant in VARIANTS]


def synthesise(voice, word, speed, pitch):
    """espeak-ng -> sox -> float64 samples at 8 kHz in [-1, 1].

    sox -D -R: no dither and repeatable mode; sox otherwise adds random
    dither noise when it writes 16-bit samples, and no two runs agree.
    """
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch),
                          "--stdout", word], check=True, capture_output=True).stdout
    raw = subprocess.run(["sox", "-D", "-R", "-t", "wav", "-", "-r", str(audio.SAMPLE_RATE),
                          "-b", "16", "-c", "1", "-e", "signed-integer", "-t", "raw", "-"],
                         input=wav, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0


def one_clip(wave, rng):
    """Trim silence, scale, place in one second with a random shift, add noise."""
    loud = np.flatnonzero(np.abs(wave) > 0.02 * np.abs(wave).max())
    wave = wave[loud[0]:loud[-1] + 1]
    wave = 0.5 * rng.uniform(0.3, 1.0) * wave / np.abs(wave).max()
    spare = max(audio.SAMPLE_RATE - len(wave), 0)
    start = int(rng.integers(0, spare + 1))
    placed = np.zeros(audio.SAMPLE_RATE)
    placed[start:start + len(wave)] = wave[:audio.SAMPLE_RATE]
    snr_db = float(rng.uniform(5.0, 30.0))
    return audio.add_noise(placed, snr_db, rng), snr_db


def generate():
    rng = np.random.default_rng(SEED)
    names = voices()
    rows = {"labels": [], "voices": [], "speeds": [], "pitches": [], "snr_db": []}
    features, waves = [], []
    for voice_index, voice in enumerate(names):
        for label, word in enumerate(WORDS):
            for _ in range(REPEATS):
                speed, pitch = int(rng.integers(140, 231)), int(rng.integers(25, 76))
                wave, snr_db = one_clip(synthesise(voice, word, speed, pitch), rng)
                features.append(audio.log_mel_spectrogram(wave))
                waves.append(wave)
                for key, value in zip(rows, (label, voice_index, speed, pitch, snr_db)):
                    rows[key].append(value)
        print(f"{voice_index + 1}/{len(names)} voices", end="\r", file=sys.stderr)
    quantised = np.clip(np.round((np.array(features) - OFFSET) / STEP), 0, 255).astype(np.uint8)
    test_voice = np.array([name.split("+")[1] in TEST_VARIANTS for name in names])
    digits = {"features": quantised, "offset": np.float32(OFFSET), "step": np.float32(STEP),
                  "labels": np.array(rows["labels"], np.uint8),
                  "voices": np.array(rows["voices"], np.uint8), "voice_names": np.array(names),
                  "test_voice": test_voice, "speeds": np.array(rows["speeds"], np.uint16),
                  "pitches": np.array(rows["pitches"], np.uint8),
                  "snr_db": np.array(rows["snr_db"], np.float32)}
    return {"spoken-digits.npz": npz_bytes(digits), "clips.npz": npz_bytes(listening(waves, digits))}


def listening(waves, digits):
    """Four clips per digit from test voices (different voices), as int16."""
    on_test = digits["test_voice"][digits["voices"]]
    chosen = []
    for label in range(10):
        candidates = np.flatnonzero(on_test & (digits["labels"] == label))
        chosen += list(candidates[::len(candidates) // 4][:4])
    chosen = np.array(chosen)
    pcm = np.clip(np.round(np.array(waves)[chosen] * 32767), -32768, 32767).astype(np.int16)
    return {"waves": pcm, "sample_rate": np.int32(audio.SAMPLE_RATE),
                "labels": digits["labels"][chosen], "voices": digits["voices"][chosen],
                "voice_names": digits["voice_names"], "index": chosen.astype(np.int32)}


def npz_bytes(arrays):
    """An .npz (a zip of .npy files) with fixed timestamps, so that equal data gives equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.save(member, np.asarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="regenerate in memory and compare with the shipped files")
    args = parser.parse_args()
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True,
                             check=True).stdout
    print(version.strip(), file=sys.stderr)
    files = generate()
    for name, data in files.items():
        digest = hashlib.sha256(data).hexdigest()
        if args.check:
            shipped = hashlib.sha256((OUT / name).read_bytes()).hexdigest()
            print(f"{name}: {'identical' if shipped == digest else 'DIFFERENT'} {digest}")
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            (OUT / name).write_bytes(data)
            print(f"{name}: {len(data):,} bytes, SHA-256 {digest}")


if __name__ == "__main__":
    main()
