"""Sample rates, bands, lag limits, air and geometry that no computation can use, at every
entry point that takes them: each raises ``InvalidInputError`` naming the parameter and
saying what was expected."""

import numpy as np
import pytest

import soundloc
from soundloc import InvalidInputError

FS = 16_000.0
SOURCE = np.random.default_rng(3).standard_normal(4096)
MICS = np.array(
    [[0.0, 0, 0], [0.3, 0, 0.05], [0, 0.3, 0.1], [0.3, 0.3, 0], [0.15, 0.15, 0.3]]
)
SIGNALS = soundloc.simulate_array(SOURCE, FS, [3.0, 2.0, 1.0], MICS)[:, 200:2248]
X, Y = SIGNALS[0].copy(), SIGNALS[1].copy()
GRID = soundloc.SearchGrid.sphere(2)


def message_of(call):
    with pytest.raises(InvalidInputError) as info:
        call()
    return str(info.value)


SAMPLE_RATE_CALLS = {
    "gcc_phat": lambda fs: soundloc.gcc_phat(X, Y, fs),
    "GccPhat": lambda fs: soundloc.GccPhat(2048, fs),
    "gcc_phat_all_pairs": lambda fs: soundloc.gcc_phat_all_pairs(SIGNALS, fs),
    "gcc_correlation": lambda fs: soundloc.gcc_correlation(X, Y, fs),
    "locate_signals": lambda fs: soundloc.locate_signals(SIGNALS, MICS, fs),
    "Localizer": lambda fs: soundloc.Localizer(MICS, 2048, fs),
    "detect_onsets": lambda fs: soundloc.detect_onsets(X, fs),
    "OnsetDetector": lambda fs: soundloc.OnsetDetector(fs),
    "SrpPhat": lambda fs: soundloc.SrpPhat(MICS, GRID, sample_rate=fs),
    "Music": lambda fs: soundloc.Music(MICS, GRID, sample_rate=fs),
    "simulate_array": lambda fs: soundloc.simulate_array(SOURCE, fs, [3, 2, 1], MICS),
}


@pytest.mark.parametrize("sample_rate", [0.0, -16_000.0, np.nan, np.inf])
@pytest.mark.parametrize("entry", list(SAMPLE_RATE_CALLS))
def test_a_zero_negative_or_non_finite_sample_rate_is_refused(entry, sample_rate):
    message = message_of(lambda: SAMPLE_RATE_CALLS[entry](sample_rate))
    assert "sample_rate: expected" in message, message
    assert message.endswith(f"got {sample_rate:g}".replace("nan", "NaN")), message


BAND_CALLS = {
    "gcc_phat": ("band_hz", lambda b: soundloc.gcc_phat(X, Y, FS, band_hz=b)),
    "GccPhat": ("band_hz", lambda b: soundloc.GccPhat(2048, FS, band_hz=b)),
    "gcc_phat_all_pairs": (
        "band_hz",
        lambda b: soundloc.gcc_phat_all_pairs(SIGNALS, FS, band_hz=b),
    ),
    "locate_signals": (
        "band_hz",
        lambda b: soundloc.locate_signals(SIGNALS, MICS, FS, band_hz=b),
    ),
    "Localizer": ("band_hz", lambda b: soundloc.Localizer(MICS, 2048, FS, band_hz=b)),
    "SrpPhat": (
        "freq_range_hz",
        lambda b: soundloc.SrpPhat(MICS, GRID, sample_rate=FS, freq_range_hz=b),
    ),
    "Music": (
        "freq_range_hz",
        lambda b: soundloc.Music(MICS, GRID, sample_rate=FS, freq_range_hz=b),
    ),
}


OUTSIDE = "8000 Hz (Nyquist)"
# The bins at 0 Hz and at Nyquist are real: they carry no delay or direction, and a band
# of one of them alone used to give a confident answer at the lag window's edge.
NO_DELAY_BIN = "above 0 Hz and below Nyquist"


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        ((100.0, 9000.0), OUTSIDE),
        ((-10.0, 1000.0), OUTSIDE),
        ((3000.0, 1000.0), OUTSIDE),
        ((8000.0, 8000.0), OUTSIDE),
        ((0.0, 1.0), NO_DELAY_BIN),
        ((7999.0, 8000.0), NO_DELAY_BIN),
    ],
)
@pytest.mark.parametrize("entry", list(BAND_CALLS))
def test_a_band_outside_zero_to_nyquist_or_without_a_delay_bin_is_refused(entry, band, expected):
    name, call = BAND_CALLS[entry]
    message = message_of(lambda: call(band))
    assert f"invalid {name}: expected" in message, message
    assert expected in message, message
    assert f"({band[0]:g}, {band[1]:g})" in message, message


LAG_CALLS = {
    "gcc_phat": lambda lag: soundloc.gcc_phat(X, Y, FS, max_delay_s=lag),
    "GccPhat.tdoa": lambda lag: soundloc.GccPhat(2048, FS).tdoa(X, Y, max_delay_s=lag),
    "GccPhat.correlation": lambda lag: soundloc.GccPhat(2048, FS).correlation(
        X, Y, max_delay_s=lag
    ),
    "gcc_correlation": lambda lag: soundloc.gcc_correlation(X, Y, FS, max_delay_s=lag),
    "gcc_phat_all_pairs": lambda lag: soundloc.gcc_phat_all_pairs(
        SIGNALS, FS, max_delay_s=lag
    ),
    "GccPhat.tdoa_all_pairs": lambda lag: soundloc.GccPhat(2048, FS).tdoa_all_pairs(
        SIGNALS, max_delay_s=lag
    ),
}


@pytest.mark.parametrize("entry", list(LAG_CALLS))
def test_a_lag_limit_larger_than_the_frame_is_refused_not_shrunk(entry):
    # 2048 samples show lags up to 2047 (0.128 s at 16 kHz); 0.2 s asks for 3200.
    message = message_of(lambda: LAG_CALLS[entry](0.2))
    assert message.startswith(
        "invalid max_delay_s: expected a lag window inside the frames "
        "(-2047 to 2047 samples"
    ), message
    assert "got -3200 to 3200 samples (0.2 s around 0 s)" in message, message

    # A window the frames do show is accepted.
    LAG_CALLS[entry](2000 / FS)


@pytest.mark.parametrize("temperature_c", [-100.0, 293.15, 300.0, np.nan])
def test_an_implausible_air_temperature_is_refused(temperature_c):
    message = message_of(lambda: soundloc.speed_of_sound(temperature_c))
    assert message.startswith(
        "invalid temperature_c: expected an air temperature in degrees Celsius "
        "between -70 and 70"
    ), message


@pytest.mark.parametrize(
    "call",
    [
        lambda mics: soundloc.locate_signals(SIGNALS, mics, FS),
        lambda mics: soundloc.Localizer(mics, 2048, FS).process(SIGNALS),
    ],
    ids=["locate_signals", "Localizer.process"],
)
def test_microphones_kilometres_apart_say_the_window_is_too_short(call):
    # 1.5 km at most between microphones: a delay can reach 4.4 s, and 2048 samples at
    # 16 kHz hold 0.128 s. Refused, not searched over the few lags the window shows.
    mics = MICS * 5000.0
    message = message_of(lambda: call(mics))
    assert message.startswith("invalid event window: expected a window"), message
    assert 'between sensors "mic 0" and "mic 1"' in message, message
    assert "got the window 0.000 s to 0.128 s, too short" in message, message
