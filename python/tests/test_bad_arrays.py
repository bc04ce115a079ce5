"""Arrays of the wrong dtype, number of dimensions or size, and non-contiguous views, at
every entry point that takes an array.

A bad array raises ``InvalidInputError`` whose message starts with the argument's name (or
``invalid <name>``) and says what was expected; a non-contiguous view (a stride, a Fortran
order, a reversed or sliced view) gives exactly what a contiguous copy of it gives.
"""

import re

import numpy as np
import pytest

import soundloc
from soundloc import InvalidInputError

FS = 16_000.0
RNG = np.random.default_rng(7)
SOURCE = RNG.standard_normal(4096)
MICS = np.array(
    [[0.0, 0, 0], [0.3, 0, 0.05], [0, 0.3, 0.1], [0.3, 0.3, 0], [0.15, 0.15, 0.3]]
)
# What the five microphones hear of a noise source 3.7 m away; 2048 samples each.
SIGNALS = soundloc.simulate_array(SOURCE, FS, [3.0, 2.0, 1.0], MICS)[:, 200:2248]
X, Y = SIGNALS[0].copy(), SIGNALS[1].copy()
GRID = soundloc.SearchGrid.sphere(2)
SPECTRA = soundloc.stft(SIGNALS, 256, 128)
# Delays t_k - t_0 to every microphone from the same source, exact.
ARRIVALS = np.linalg.norm(MICS - [3.0, 2.0, 1.0], axis=1) / 343.2
DELAYS = [(0, k, ARRIVALS[k] - ARRIVALS[0]) for k in range(1, 5)]


def srp():
    return soundloc.SrpPhat(MICS, GRID, sample_rate=FS, fft_len=256)


def music():
    return soundloc.Music(MICS, GRID, sample_rate=FS, fft_len=256)


def refused(call, name):
    """Runs ``call``, which must raise InvalidInputError naming ``name``; the message."""
    with pytest.raises(InvalidInputError) as info:
        call()
    message = str(info.value)
    assert message.startswith((f"{name}:", f"{name} ", f"invalid {name}:")), message
    assert "expected" in message, message
    return message


# One-dimensional signals: (argument name, call with the bad array in that argument).
SIGNAL_CALLS = {
    "gcc_phat": ("x_i", lambda a: soundloc.gcc_phat(a, Y, FS)),
    "GccPhat.tdoa": ("x_j", lambda a: soundloc.GccPhat(2048, FS).tdoa(X, a)),
    "gcc_correlation": ("x_i", lambda a: soundloc.gcc_correlation(a, Y, FS)),
    "detect_onsets": ("signal", lambda a: soundloc.detect_onsets(a, 48_000.0)),
    "OnsetDetector.push": (
        "samples",
        lambda a: soundloc.OnsetDetector(48_000.0).push(a),
    ),
    "simulate_array": (
        "source",
        lambda a: soundloc.simulate_array(a, FS, [3.0, 2.0, 1.0], MICS),
    ),
}
BAD_SIGNALS = {
    "complex128": X.astype(np.complex128),
    "int32": X.astype(np.int32),
    "bool": X > 0,
    "object": X.astype(object),
    "2-D": np.stack([X, X]),
    "0-D": np.array(1.0),
}


@pytest.mark.parametrize("bad", list(BAD_SIGNALS))
@pytest.mark.parametrize("entry", list(SIGNAL_CALLS))
def test_a_signal_of_the_wrong_dtype_or_dimensions_is_refused(entry, bad):
    name, call = SIGNAL_CALLS[entry]
    message = refused(lambda: call(BAD_SIGNALS[bad]), name)
    assert "1-D array of float64, float32 or int16" in message


@pytest.mark.parametrize(
    "entry", ["gcc_phat", "GccPhat.tdoa", "gcc_correlation", "simulate_array"]
)
def test_an_empty_signal_is_refused(entry):
    name, call = SIGNAL_CALLS[entry]
    message = refused(lambda: call(np.zeros(0)), name)
    assert message.endswith("got 0 samples"), message


def test_an_empty_block_holds_no_onsets():
    # A detector streams blocks of any size: an empty one adds nothing, and is no error.
    assert soundloc.detect_onsets(np.zeros(0), 48_000.0) == []
    detector = soundloc.OnsetDetector(48_000.0)
    assert detector.push(np.zeros(0)) == []
    assert detector.finish() == []


# Two-dimensional (n_mics, n_samples) signals.
MATRIX_CALLS = {
    "gcc_phat_all_pairs": ("signals", lambda a: soundloc.gcc_phat_all_pairs(a, FS)),
    "GccPhat.tdoa_all_pairs": (
        "signals",
        lambda a: soundloc.GccPhat(2048, FS).tdoa_all_pairs(a),
    ),
    "locate_signals": ("signals", lambda a: soundloc.locate_signals(a, MICS, FS)),
    "Localizer.process": (
        "frame",
        lambda a: soundloc.Localizer(MICS, 2048, FS).process(a),
    ),
    "stft": ("signals", lambda a: soundloc.stft(a, 256, 128)),
    "SrpPhat.process_frame": ("frame", lambda a: srp().process_frame(a)),
    "Music.process_signals": ("signals", lambda a: music().process_signals(a, 128)),
    "Music.push_frame": ("frame", lambda a: music().push_frame(a)),
}
FRAME = SIGNALS[:, :256]
BAD_MATRICES = {
    "complex128": FRAME.astype(np.complex128),
    "int32": FRAME.astype(np.int32),
    "1-D": FRAME[0],
    "3-D": FRAME[None],
    "no samples": np.zeros((5, 0)),
    "no microphones": np.zeros((0, 256)),
}


@pytest.mark.parametrize("bad", list(BAD_MATRICES))
@pytest.mark.parametrize("entry", list(MATRIX_CALLS))
def test_signals_of_the_wrong_dtype_dimensions_or_size_are_refused(entry, bad):
    name, call = MATRIX_CALLS[entry]
    message = refused(lambda: call(BAD_MATRICES[bad]), name)
    if bad in ("complex128", "int32", "1-D", "3-D"):
        assert "2-D array (n_mics, n_samples) of float64, float32 or int16" in message
    else:
        # The message describes what arrived as it is, not as something else.
        shown = {
            "no samples": ("(5, 0)", "got 0"),
            "no microphones": ("(0, 256)",),
        }
        assert any(words in message for words in shown[bad]), message


@pytest.mark.parametrize("entry", ["SrpPhat", "Music"])
@pytest.mark.parametrize(
    "bad, words",
    [
        (SPECTRA.real.copy(), "complex128 or complex64"),
        (SPECTRA[:, :, 0], "3-D array"),
        (SPECTRA[:, :, :0], "at least 1 frame"),
        (SPECTRA[:, :0, :], "129 bins"),
    ],
)
def test_spectra_of_the_wrong_dtype_dimensions_or_size_are_refused(entry, bad, words):
    method = srp() if entry == "SrpPhat" else music()
    message = refused(lambda: method.process_spectra(bad), "spectra")
    assert words in message, message


# (n, 3) tables of positions or delays.
TABLE_CALLS = {
    "locate.mic_positions": ("mic_positions", lambda a: soundloc.locate(a, DELAYS)),
    "locate.tdoa_pairs": ("tdoa_pairs", lambda a: soundloc.locate(MICS, a)),
    "locate_signals": (
        "mic_positions",
        lambda a: soundloc.locate_signals(SIGNALS, a, FS),
    ),
    "Localizer": ("mic_positions", lambda a: soundloc.Localizer(a, 2048, FS)),
    "direction_from_delays": (
        "mic_positions",
        lambda a: soundloc.direction_from_delays(a, DELAYS),
    ),
    "SrpPhat": ("mic_positions", lambda a: soundloc.SrpPhat(a, GRID, sample_rate=FS)),
    "Music": ("mic_positions", lambda a: soundloc.Music(a, GRID, sample_rate=FS)),
    "simulate_array": (
        "mic_positions",
        lambda a: soundloc.simulate_array(SOURCE, FS, [3.0, 2.0, 1.0], a),
    ),
    "CoordinateFrame": ("positions", lambda a: soundloc.CoordinateFrame("local", a)),
    "associate": ("positions", lambda a: soundloc.associate([[0.1]] * len(a), a)),
}
BAD_TABLES = {
    "complex128": MICS.astype(np.complex128),
    "str": MICS.astype(str),
    "bool": MICS > 0,
    "1-D": MICS.ravel(),
    "3-D": MICS[None],
    "(n, 2)": MICS[:, :2],
}


@pytest.mark.parametrize("bad", list(BAD_TABLES))
@pytest.mark.parametrize("entry", list(TABLE_CALLS))
def test_a_table_of_the_wrong_dtype_or_shape_is_refused(entry, bad):
    name, call = TABLE_CALLS[entry]
    message = refused(lambda: call(BAD_TABLES[bad]), name)
    assert "(n, 3) array of real numbers" in message, message


@pytest.mark.parametrize(
    "entry",
    [
        "locate.mic_positions",
        "locate_signals",
        "Localizer",
        "direction_from_delays",
        "SrpPhat",
        "Music",
        "simulate_array",
    ],
)
def test_an_empty_table_of_positions_names_the_positions(entry):
    # Not the delays or signals that refer to the microphones that are missing.
    name, call = TABLE_CALLS[entry]
    refused(lambda: call(np.zeros((0, 3))), name)


def test_a_frame_centred_on_no_positions_is_refused():
    # A UTM or WGS84 frame is centred on its positions; a local one needs none.
    refused(
        lambda: soundloc.CoordinateFrame("utm", np.zeros((0, 3)), zone=31), "positions"
    )
    assert soundloc.CoordinateFrame("local", np.zeros((0, 3))).system == "local"


@pytest.mark.parametrize("value", [np.nan, np.inf])
@pytest.mark.parametrize("entry", [e for e in TABLE_CALLS if e != "locate.tdoa_pairs"])
def test_a_non_finite_position_is_refused_naming_its_row(entry, value):
    _, call = TABLE_CALLS[entry]
    bad = MICS.copy()
    bad[3, 1] = value
    with pytest.raises(InvalidInputError) as info:
        call(bad)
    message = str(info.value)
    assert re.search(r"\b3\b", message), message
    assert ("NaN" if np.isnan(value) else "inf") in message, message


def test_an_empty_table_of_delays_is_refused():
    message = refused(lambda: soundloc.locate(MICS, np.zeros((0, 3))), "tdoa_pairs")
    assert message.endswith("got none"), message


# Non-contiguous views: each gives what its contiguous copy gives.
WIDE = soundloc.simulate_array(SOURCE, FS, [3.0, 2.0, 1.0], MICS)
SLICED = WIDE[:, 200:2248]  # rows of 2048 samples, WIDE's row stride apart


def packed(array):
    """A view holding ``array``'s values 3 bytes apart beyond their size, from an odd
    offset: strides that are no whole number of elements and data that is not aligned,
    as a column of packed records has (``structured_to_unstructured``)."""
    step = array.dtype.itemsize + 3
    strides = [step]
    for length in array.shape[:0:-1]:
        strides.insert(0, strides[0] * length)
    buffer = np.zeros(array.size * step + 1, dtype=np.uint8)
    view = np.ndarray(array.shape, array.dtype, buffer, offset=1, strides=strides)
    view[...] = array
    assert not view.flags.aligned
    return view


def views(array):
    """Non-contiguous views holding the same values as ``array``."""
    doubled = np.repeat(array, 2, axis=-1)[..., ::2]
    found = {"strided": doubled, "fortran": np.asfortranarray(array)}
    found["reversed"] = np.ascontiguousarray(array[..., ::-1])[..., ::-1]
    found["packed"] = packed(array)
    for view in found.values():
        assert not view.flags.c_contiguous or array.ndim == 1
        np.testing.assert_array_equal(view, array)
    return found


def same(a, b):
    """Results of two calls are identical, field by field."""
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, soundloc.Solution):
        np.testing.assert_array_equal(a.position, b.position)
        np.testing.assert_array_equal(a.covariance, b.covariance)
        assert a.rejected == b.rejected
    elif isinstance(a, soundloc.TdoaResult):
        assert (a.delay_s, a.peak, a.candidates) == (b.delay_s, b.peak, b.candidates)
    elif isinstance(a, soundloc.PairwiseTdoa):
        np.testing.assert_array_equal(a.delay_s, b.delay_s)
    elif isinstance(a, soundloc.Onset):
        assert (a.sample_index, a.level_dbfs) == (b.sample_index, b.level_dbfs)
    elif isinstance(a, soundloc.SourceEstimate):
        assert (a.azimuth, a.colatitude, a.power) == (b.azimuth, b.colatitude, b.power)
    elif isinstance(a, soundloc.DelayDirection):
        same(a.estimate, b.estimate)
    else:
        raise TypeError(f"no comparison for {type(a)}")


CLICKS = np.zeros(96_000)
CLICKS[[30_000, 70_000]] = 0.5
CLICKS += 1e-3 * RNG.standard_normal(96_000)

CONTIGUITY_CALLS = {
    "gcc_phat": (X, lambda a: soundloc.gcc_phat(a, Y, FS, max_delay_s=1e-3)),
    "GccPhat.tdoa": (Y, lambda a: soundloc.GccPhat(2048, FS).tdoa(X, a)),
    "gcc_correlation": (
        X,
        lambda a: soundloc.gcc_correlation(a, Y, FS, max_delay_s=1e-3),
    ),
    "detect_onsets": (CLICKS, lambda a: soundloc.detect_onsets(a, 48_000.0)),
    "OnsetDetector.push": (CLICKS, lambda a: soundloc.OnsetDetector(48_000.0).push(a)),
    "simulate_array": (
        SOURCE,
        lambda a: soundloc.simulate_array(a, FS, [3.0, 2.0, 1.0], MICS),
    ),
    "gcc_phat_all_pairs": (SLICED, lambda a: soundloc.gcc_phat_all_pairs(a, FS)),
    "locate_signals": (SLICED, lambda a: soundloc.locate_signals(a, MICS, FS)),
    "Localizer.process": (
        SLICED,
        lambda a: soundloc.Localizer(MICS, 2048, FS).process(a),
    ),
    "stft": (SLICED, lambda a: soundloc.stft(a, 256, 128)),
    "SrpPhat.process_frame": (SLICED[:, :256], lambda a: srp().process_frame(a)),
    "SrpPhat.process_spectra": (SPECTRA, lambda a: srp().process_spectra(a)),
    "Music.process_spectra": (SPECTRA, lambda a: music().process_spectra(a)),
    "locate.mic_positions": (MICS, lambda a: soundloc.locate(a, DELAYS)),
    "locate.tdoa_pairs": (np.array(DELAYS), lambda a: soundloc.locate(MICS, a)),
    "direction_from_delays": (
        MICS,
        lambda a: soundloc.direction_from_delays(a, DELAYS),
    ),
}


@pytest.mark.parametrize("entry", list(CONTIGUITY_CALLS))
def test_a_non_contiguous_view_gives_what_its_contiguous_copy_gives(entry):
    array, call = CONTIGUITY_CALLS[entry]
    expected = call(np.ascontiguousarray(array))
    for view in views(array).values():
        same(call(view), expected)


def test_the_contiguity_checks_compare_real_answers():
    # The calls above compare answers, not errors: the delays and the onsets are found.
    delay_s = soundloc.gcc_phat(X, Y, FS, max_delay_s=1e-3).delay_s
    assert delay_s == pytest.approx(ARRIVALS[1] - ARRIVALS[0], abs=2e-5)
    times = [onset.time_s for onset in soundloc.detect_onsets(CLICKS, 48_000.0)]
    assert times == pytest.approx([30_000 / 48_000, 70_000 / 48_000], abs=1e-3)
    assert len(soundloc.locate_signals(SLICED, MICS, FS).used) >= 4


def test_tables_in_any_byte_order_or_real_dtype_give_the_float64_answer():
    # Native float64 tables are read in place; other byte orders and dtypes are
    # converted first, and must give what their float64 values give.
    delays = np.array(DELAYS)
    swapped = soundloc.locate(MICS.astype(">f8"), delays.astype(">f8"))
    same(swapped, soundloc.locate(MICS, delays))
    mics_32, delays_32 = MICS.astype(np.float32), delays.astype(np.float32)
    widened = soundloc.locate(mics_32.astype(np.float64), delays_32.astype(np.float64))
    same(soundloc.locate(mics_32, delays_32), widened)
