"""Every bad input raises the documented exception class, with a useful message."""

import numpy as np
import pytest

import soundloc
from soundloc import InvalidInputError, LocalizationError

FS = 16_000.0
GOOD = np.random.default_rng(0).standard_normal(1024)


def test_exception_hierarchy():
    assert issubclass(InvalidInputError, ValueError)
    assert issubclass(LocalizationError, RuntimeError)
    assert issubclass(soundloc.DataFileError, OSError)
    for exc in (InvalidInputError, LocalizationError, soundloc.DataFileError):
        assert exc.__module__ == "soundloc"
        assert issubclass(exc, Exception)


BAD_SIGNALS = {
    "2-D": np.zeros((2, 512)),
    "complex": np.ones(1024, dtype=np.complex128),
    "object": np.array([1.0] * 1024, dtype=object),
    "int32": np.ones(1024, dtype=np.int32),
    "big-endian": np.ones(1024, dtype=">f8"),
    "0-D": np.array(1.0),
    "empty": np.zeros(0),
    "one sample": np.zeros(1),
    "list": [0.0] * 1024,
    "string": "not a signal",
    "None": None,
}


@pytest.mark.parametrize("name", list(BAD_SIGNALS))
@pytest.mark.parametrize("position", ["x_i", "x_j"])
def test_bad_signals_raise_invalid_input(name, position):
    bad = BAD_SIGNALS[name]
    args = (bad, GOOD) if position == "x_i" else (GOOD, bad)
    with pytest.raises(InvalidInputError, match=f"^{position}: expected"):
        soundloc.gcc_phat(*args, FS)
    with pytest.raises(InvalidInputError, match=f"^{position}: expected"):
        soundloc.GccPhat(1024, FS).tdoa(*args)


def test_message_says_what_was_expected_and_what_arrived():
    with pytest.raises(InvalidInputError) as info:
        soundloc.gcc_phat(np.zeros((2, 8), dtype=np.complex128), GOOD, FS)
    assert str(info.value) == (
        "x_i: expected a 1-D array of float64, float32 or int16, "
        "got a 2-D array of complex128 with shape (2, 8)"
    )


def test_mismatched_lengths():
    with pytest.raises(InvalidInputError, match="x_j: expected the length of x_i"):
        soundloc.gcc_phat(GOOD, GOOD[:1000], FS)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_samples(value):
    bad = GOOD.copy()
    bad[17] = value
    with pytest.raises(InvalidInputError, match="index 17"):
        soundloc.gcc_phat(GOOD, bad, FS)


def test_frame_longer_than_planned():
    with pytest.raises(InvalidInputError, match="frame_len"):
        soundloc.GccPhat(512, FS).tdoa(GOOD, GOOD)


@pytest.mark.parametrize("sample_rate", [-16_000.0, 0.0, np.nan, np.inf])
def test_bad_sample_rate(sample_rate):
    with pytest.raises(InvalidInputError, match="sample_rate"):
        soundloc.gcc_phat(GOOD, GOOD, sample_rate)
    with pytest.raises(InvalidInputError, match="sample_rate"):
        soundloc.GccPhat(1024, sample_rate)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"weighting": "fancy"}, "weighting"),
        ({"weighting": "phat-beta:1.5"}, "weighting"),
        ({"refinement": "cubic"}, "refinement"),
        ({"polarity": "negative"}, "polarity"),
        ({"n_peaks": 0}, "n_peaks"),
        ({"n_peaks": -3}, "n_peaks"),
        ({"smoothing_bins": -1}, "smoothing_bins"),
        ({"band_hz": (100.0, 9000.0)}, "band"),
        ({"band_hz": (3000.0, 1000.0)}, "band"),
        ({"ambiguity_threshold": 2.0}, "ambiguity_threshold"),
        ({"max_delay_s": -1e-3}, "max_delay_s"),
        ({"max_delay_s": np.nan}, "max_delay_s"),
    ],
)
def test_bad_parameters(kwargs, name):
    with pytest.raises(InvalidInputError, match=name):
        soundloc.gcc_phat(GOOD, GOOD, FS, **kwargs)


@pytest.mark.parametrize("frame_len", [0, 1, -5])
def test_bad_frame_len(frame_len):
    with pytest.raises(InvalidInputError, match="frame_len"):
        soundloc.GccPhat(frame_len, FS)


@pytest.mark.parametrize("silent", [np.zeros(1024), np.full(1024, 3.0)])
def test_silent_or_constant_signal_is_a_localization_error(silent):
    with pytest.raises(LocalizationError, match="no estimate"):
        soundloc.gcc_phat(silent, GOOD, FS)


MICS = np.array(
    [[0.0, 0, 0], [10, 0, 1], [10, 10, 2], [0, 10, 3], [5, 5, 6], [5, -4, 2]],
    dtype=float,
)
PAIRS = np.array([(0, k, 1e-3 * k) for k in range(1, 6)])


@pytest.mark.parametrize(
    "mics, pairs, match",
    [
        (MICS[:, :2], PAIRS, "mic_positions: expected an \\(n, 3\\) array"),
        (MICS.ravel(), PAIRS, "mic_positions"),
        (MICS.astype(np.complex128), PAIRS, "complex128"),
        ("mics", PAIRS, "mic_positions"),
        ([[0, 0], [1, 2, 3]], PAIRS, "mic_positions"),
        (MICS, PAIRS[:, :2], "tdoa_pairs"),
        (MICS, [], "tdoa_pairs"),
        (MICS, np.zeros((0, 3)), "tdoa_pairs"),
        (MICS, [(0, 1.5, 1e-3)], "tdoa_pairs\\[0\\]: expected microphone indices"),
        (MICS, [(0, 1, 1e-3), (0, 6, 1e-3)], "tdoa_pairs\\[1\\]"),
        (MICS, [(-1, 1, 1e-3)], "tdoa_pairs\\[0\\]"),
        (MICS, [(0, np.nan, 1e-3)], "tdoa_pairs\\[0\\]"),
        (MICS, [(0, 1, np.nan)] + [(0, k, 0.0) for k in range(2, 6)], "finite"),
        (MICS, [(0, 1, 0.0), (2, 2, 0.0)], "tdoa_pairs\\[1\\]: expected two different"),
    ],
)
def test_bad_locate_inputs(mics, pairs, match):
    with pytest.raises(InvalidInputError, match=match):
        soundloc.locate(mics, pairs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"dimension": 4}, "dimension"),
        ({"speed_of_sound": -343.0}, "speed_of_sound"),
        ({"delay_std_s": 0.0}, "delay_std_s"),
        ({"delay_std_s": np.nan}, "delay_std_s"),
        ({"height_bounds": (5.0, 1.0)}, "height_bounds"),
        ({"outlier_threshold": -1.0}, "outlier_threshold"),
    ],
)
def test_bad_locate_options(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        soundloc.locate(MICS, PAIRS, **kwargs)


def test_degenerate_geometry_is_a_localization_error():
    collinear = np.array([[0.0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0], [4, 0, 0]])
    pairs = [(0, k, 1e-4 * k) for k in range(1, 5)]
    with pytest.raises(LocalizationError):
        soundloc.locate(collinear, pairs)
    coincident = MICS.copy()
    coincident[1] = coincident[0]
    with pytest.raises(LocalizationError):
        soundloc.locate(coincident, PAIRS)


def test_too_few_linked_microphones_is_a_localization_error():
    with pytest.raises(LocalizationError, match="under-determined"):
        soundloc.locate(MICS, [(0, 1, 1e-3), (0, 2, 2e-3)])


@pytest.mark.parametrize(
    "args", [(300.0,), (float("nan"),), (20.0, 120.0), (20.0, -1.0)]
)
def test_bad_air(args):
    with pytest.raises(InvalidInputError):
        soundloc.speed_of_sound(*args)


def test_wrong_python_types_raise_type_error():
    with pytest.raises(TypeError):
        soundloc.gcc_phat(GOOD, GOOD, "fast")
    with pytest.raises(TypeError):
        soundloc.GccPhat(1024, FS, weighting=3)


def test_a_frame_too_large_for_memory_is_refused_not_a_crash():
    with pytest.raises(soundloc.InvalidInputError, match="frame_len"):
        soundloc.GccPhat(10**13, 16000.0)
    with pytest.raises(soundloc.InvalidInputError, match="frame_len"):
        soundloc.GccPhat(10**9, 16000.0)
