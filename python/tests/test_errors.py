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


# Arguments that apply to one dimension only are refused with the other, not ignored.
def _signals_and_mics():
    rng = np.random.default_rng(1)
    mics = np.array(
        [[0.0, 0, 0], [2, 0, 0.5], [0, 2, 1], [2, 2, 0], [1, 1, 1.5]], dtype=float
    )
    return rng.standard_normal((5, 2048)), mics


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"dimension": 2, "height_bounds": (0.0, 1.0)}, "height_bounds"),
        ({"dimension": 3, "plane_height_m": 1.0}, "plane_height_m"),
        ({"plane_height_m": 1.0}, "plane_height_m"),
    ],
)
def test_locate_refuses_an_argument_of_the_other_dimension(kwargs, name):
    with pytest.raises(InvalidInputError, match=f"^{name}: .*dimension="):
        soundloc.locate(MICS, PAIRS, **kwargs)


def test_signal_localisers_refuse_height_bounds_in_2d():
    signals, mics = _signals_and_mics()
    with pytest.raises(InvalidInputError, match="^height_bounds: .*dimension=2"):
        soundloc.locate_signals(
            signals, mics, FS, dimension=2, height_bounds=(0.0, 1.0)
        )
    with pytest.raises(InvalidInputError, match="^height_bounds: .*dimension=2"):
        soundloc.Localizer(mics, 2048, FS, dimension=2, height_bounds=(0.0, 1.0))


def test_arguments_of_their_own_dimension_still_work():
    # The same arguments with their own dimension are accepted and used.
    source = np.array([30.0, 40.0, 2.0])
    times = np.linalg.norm(MICS - source, axis=1) / 343.2
    pairs = [(0, k, times[k] - times[0]) for k in range(1, len(MICS))]
    bounded = soundloc.locate(MICS, pairs, dimension=3, height_bounds=(0.0, 3.0))
    assert np.allclose(bounded.position, source, atol=1e-3)
    planar = soundloc.locate(MICS, pairs, dimension=2, plane_height_m=2.0)
    assert np.allclose(planar.position, source, atol=1e-3)


@pytest.mark.parametrize("std", [1e-300, 1e-16, -1e-5])
def test_a_delay_std_below_a_femtosecond_is_refused_by_name(std):
    with pytest.raises(InvalidInputError, match="^delay_std_s: .*1e-15"):
        soundloc.locate(MICS, PAIRS, delay_std_s=std)


def test_the_smallest_accepted_delay_std_still_locates():
    # Exact delays with a 1 fs std: the solver must not overflow its cost.
    source = np.array([30.0, 40.0, 2.0])
    times = np.linalg.norm(MICS - source, axis=1) / 343.2
    pairs = [(0, k, times[k] - times[0]) for k in range(1, len(MICS))]
    solution = soundloc.locate(MICS, pairs, delay_std_s=1e-15)
    assert np.allclose(solution.position, source, atol=1e-6)


def test_a_threshold_below_the_rearm_margin_names_threshold_db():
    for call in (
        lambda: soundloc.detect_onsets(GOOD, 48_000.0, threshold_db=2.0),
        lambda: soundloc.OnsetDetector(48_000.0, threshold_db=2.0),
    ):
        with pytest.raises(InvalidInputError) as info:
            call()
        message = str(info.value)
        assert message.startswith("threshold_db: expected a finite number of dB above")
        assert "rearm" not in message


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: soundloc.gcc_phat(GOOD, GOOD, FS, n_peaks=2**64), "n_peaks"),
        (lambda: soundloc.gcc_phat(GOOD, GOOD, FS, smoothing_bins=-(2**70)), "smoothing_bins"),
        (lambda: soundloc.GccPhat(2**64, FS), "frame_len"),
        (lambda: soundloc.locate(MICS, PAIRS, dimension=2**64), "dimension"),
        (lambda: soundloc.detect_onsets(GOOD, FS, sensor=2**64), "sensor"),
        (lambda: soundloc.SearchGrid.sphere(2**64), "subdivisions"),
        (lambda: soundloc.SearchGrid.horizon(2**64), "n_azimuths"),
        (lambda: soundloc.stft(np.zeros((2, 64)), 2**64, 4), "fft_len"),
        (lambda: soundloc.stft(np.zeros((2, 64)), 16, 2**64), "hop"),
        (lambda: soundloc.utm_to_wgs84(5e5, 5e6, 2**64), "zone"),
        (lambda: soundloc.wgs84_to_utm(10.0, 10.0, zone=2**64), "zone"),
    ],
)
def test_an_integer_too_large_names_its_argument(call, name):
    with pytest.raises(InvalidInputError, match=f"^{name}: expected an integer that fits"):
        call()


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda b: soundloc.gcc_phat(GOOD, GOOD, FS, band_hz=b), "band_hz"),
        (lambda b: soundloc.GccPhat(1024, FS, band_hz=b), "band_hz"),
        (lambda b: soundloc.locate(MICS, PAIRS, height_bounds=b), "height_bounds"),
        (lambda b: soundloc.SearchGrid.plane(b, (0, 1), 0.0, 0.5), "x_m"),
        (lambda b: soundloc.SearchGrid.volume((0, 1), (0, 1), b, 0.5), "z_m"),
    ],
)
@pytest.mark.parametrize("bad", [(1, 2, 3), (1,), [], 5.0, np.zeros((2, 2))])
def test_a_pair_of_the_wrong_length_names_its_argument(call, name, bad):
    with pytest.raises(InvalidInputError, match=f"^{name}: expected a tuple of 2 numbers"):
        call(bad)


def test_a_pair_may_be_a_list_or_an_array_and_a_str_item_is_a_type_error():
    as_tuple = soundloc.gcc_phat(GOOD, np.roll(GOOD, 3), FS, band_hz=(100.0, 4000.0))
    for band in ([100.0, 4000.0], np.array([100.0, 4000.0])):
        as_other = soundloc.gcc_phat(GOOD, np.roll(GOOD, 3), FS, band_hz=band)
        assert as_other.delay_s == as_tuple.delay_s
    with pytest.raises(TypeError, match="^band_hz\\[1\\]: expected a number"):
        soundloc.gcc_phat(GOOD, GOOD, FS, band_hz=(100.0, "high"))
    with pytest.raises(TypeError, match="^n_peaks: expected an integer"):
        soundloc.gcc_phat(GOOD, GOOD, FS, n_peaks=2.5)


def test_a_list_is_described_by_its_length_and_shape():
    mics = np.zeros((3, 3))
    with pytest.raises(InvalidInputError, match="got a list of length 2"):
        soundloc.simulate_array(GOOD, FS, [5, 0], mics)
    with pytest.raises(InvalidInputError, match="got a list of shape \\(2, 2\\)"):
        soundloc.gcc_phat([[0.0, 1.0], [2.0, 3.0]], GOOD, FS)
    with pytest.raises(InvalidInputError, match="got a tuple of length 2"):
        soundloc.gcc_phat(([0.0, 1.0], [2.0]), GOOD, FS)


def test_max_delay_array_message_is_one_clean_sentence():
    signals = np.random.default_rng(2).standard_normal((3, 1024))
    with pytest.raises(InvalidInputError) as info:
        soundloc.gcc_phat_all_pairs(signals, FS, max_delay_s=np.zeros((2, 2)))
    message = str(info.value)
    assert "  " not in message and "an (" not in message
    assert "symmetric array of seconds of shape (3, 3)" in message
