"""Chapter 13 checkers: the worked solutions pass, typical wrong answers are rejected
with a message that names the mistake."""
import numpy as np

from nnkit.exercises import ch13 as check


def message(result):
    assert not result, f"a wrong answer passed: {result}"
    return result.message


# ---------------------------------------------------------------- solutions (as in the chapter)

def solution_frame(wave, n_fft, hop_length):
    num_frames = 1 + (len(wave) - n_fft) // hop_length
    return np.stack([wave[t * hop_length:t * hop_length + n_fft] for t in range(num_frames)])


def window(n_fft):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)


def solution_power(wave, n_fft, hop_length):
    return np.abs(np.fft.rfft(solution_frame(wave, n_fft, hop_length) * window(n_fft), axis=-1)) ** 2


def solution_mel(hz):
    return 2595 * np.log10(1 + hz / 700)


def solution_log_mel(power, filter_bank):
    return np.log(power @ filter_bank.T + 1e-6).T


def test_solutions_pass():
    assert check.frame(solution_frame)
    assert check.power_spectrum(solution_power)
    assert check.hz_to_mel(solution_mel)
    assert check.log_mel(solution_log_mel)


def test_unfinished_exercise_says_so():
    def stub(*args):
        raise NotImplementedError
    assert "not implemented yet" in message(check.frame(stub))


# ---------------------------------------------------------------- typical slips

def test_frame_without_overlap_is_diagnosed():
    def no_overlap(wave, n_fft, hop_length):
        return solution_frame(wave, n_fft, n_fft)
    assert "do not overlap" in message(check.frame(no_overlap))


def test_frame_one_short_is_diagnosed():
    def one_short(wave, n_fft, hop_length):
        return solution_frame(wave, n_fft, hop_length)[:-1]
    assert "one frame short" in message(check.frame(one_short))


def test_frame_transposed_is_diagnosed():
    def transposed(wave, n_fft, hop_length):
        return solution_frame(wave, n_fft, hop_length).T
    assert "one frame per ROW" in message(check.frame(transposed))


def test_missing_window_is_diagnosed():
    def no_window(wave, n_fft, hop_length):
        return np.abs(np.fft.rfft(solution_frame(wave, n_fft, hop_length), axis=-1)) ** 2
    assert "forgot the window" in message(check.power_spectrum(no_window))


def test_magnitude_instead_of_power_is_diagnosed():
    def magnitude(wave, n_fft, hop_length):
        return np.sqrt(solution_power(wave, n_fft, hop_length))
    assert "the power is its square" in message(check.power_spectrum(magnitude))


def test_full_fft_is_diagnosed():
    def full(wave, n_fft, hop_length):
        frames = solution_frame(wave, n_fft, hop_length) * window(n_fft)
        return np.abs(np.fft.fft(frames, axis=-1)) ** 2
    assert "np.fft.rfft" in message(check.power_spectrum(full))


def test_symmetric_hanning_is_diagnosed():
    def symmetric(wave, n_fft, hop_length):
        frames = solution_frame(wave, n_fft, hop_length) * np.hanning(n_fft)
        return np.abs(np.fft.rfft(frames, axis=-1)) ** 2
    assert "periodic" in message(check.power_spectrum(symmetric))


def test_natural_log_in_mel_formula_is_diagnosed():
    def natural(hz):
        return 2595 * np.log(1 + hz / 700)
    assert "np.log10" in message(check.hz_to_mel(natural))


def test_log_of_zero_is_diagnosed():
    def no_eps(power, filter_bank):
        with np.errstate(divide="ignore"):
            return np.log(power @ filter_bank.T).T
    text = message(check.log_mel(no_eps))
    assert "silent frame" in text and "eps" in text


def test_log_mel_not_transposed_is_diagnosed():
    def frames_first(power, filter_bank):
        return np.log(power @ filter_bank.T + 1e-6)
    assert "transposed" in message(check.log_mel(frames_first))


def test_log10_spectrogram_is_diagnosed():
    def log10(power, filter_bank):
        return np.log10(power @ filter_bank.T + 1e-6).T
    assert "natural log" in message(check.log_mel(log10))


def test_passing_answers_are_kept_and_run_from_the_learners_file(tmp_path, monkeypatch):
    from nnkit import audio, mine
    from nnkit.exercises.solutions import ch13 as course
    monkeypatch.setenv("NNKIT_MINE", str(tmp_path))
    for name in ("frame", "power_spectrum", "hz_to_mel", "log_mel"):
        assert getattr(check, name)(getattr(course, name)), name
    assert sorted(mine.library()) == ["frame", "hz_to_mel", "log_mel", "power_spectrum"]
    power_spectrum = mine.use("power_spectrum", reference=None, quiet=True)
    log_mel = mine.use("log_mel", reference=None, quiet=True)
    assert power_spectrum.__module__ == "mine.ch13"  # it calls the learner's frame, kept beside it
    wave = np.random.default_rng(0).standard_normal(8000)
    ours = log_mel(power_spectrum(wave, 256, 128), audio.mel_filter_bank())
    np.testing.assert_allclose(ours, audio.log_mel_spectrogram(wave), atol=1e-4)
