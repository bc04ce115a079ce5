"""GCC over all pairs, the correlation curve and the frame-by-frame Localizer,
checked against a numpy oracle, known delays and locate_signals."""

import numpy as np
import pytest

import soundloc

SAMPLE_RATE = 16000.0
C = 343.0


def delayed_channels(lags, n_samples=2048, *, seed=0, noise=0.05):
    """One white-noise source heard by each channel ``lags[k]`` samples late
    (fractional allowed, exact band-limited shift), plus independent noise."""
    rng = np.random.default_rng(seed)
    n_total = 4 * n_samples
    source = rng.standard_normal(n_total)
    freqs = np.fft.rfftfreq(n_total)
    spectrum = np.fft.rfft(source)
    start = n_total // 2 - n_samples // 2
    rows = [
        np.fft.irfft(spectrum * np.exp(-2j * np.pi * freqs * lag), n_total)[
            start : start + n_samples
        ]
        for lag in lags
    ]
    signals = np.array(rows)
    return signals + noise * rng.standard_normal(signals.shape)


def oracle_lag(x_i, x_j, max_lag):
    """Whole-sample GCC-PHAT lag ``t_j - t_i`` within ``[-max_lag, max_lag]``, in numpy:
    rfft, divide by the magnitude, irfft, argmax over the allowed lags."""
    n = len(x_i)
    n_fft = 2 * n
    spec_i = np.fft.rfft(x_i - x_i.mean(), n_fft)
    spec_j = np.fft.rfft(x_j - x_j.mean(), n_fft)
    cross = np.conj(spec_i) * spec_j
    cross /= np.maximum(np.abs(cross), 1e-300)
    corr = np.fft.irfft(cross, n_fft)
    lags = np.arange(-max_lag, max_lag + 1)
    return int(lags[np.argmax(corr[lags % n_fft])])


LAGS = [0.0, 7.0, -12.0, 30.0, 3.0, -25.0]


def test_every_pair_matches_the_numpy_oracle():
    signals = delayed_channels(LAGS, seed=1)
    max_lag = 64
    result = soundloc.gcc_phat_all_pairs(
        signals, SAMPLE_RATE, max_delay_s=max_lag / SAMPLE_RATE, refinement="none"
    )
    n = len(LAGS)
    assert len(result) == n * (n - 1) // 2
    expected_pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    assert result.pairs.tolist() == [list(p) for p in expected_pairs]
    assert result.pairs.dtype == np.int64
    for (i, j), lag in zip(expected_pairs, result.lag):
        oracle = oracle_lag(signals[i], signals[j], max_lag)
        assert lag == oracle, (i, j)
        assert oracle == LAGS[j] - LAGS[i]


def test_known_fractional_delays_within_five_hundredths_of_a_sample():
    lags = [0.0, 3.3, -7.6, 12.25, -0.5, 20.81]
    signals = delayed_channels(lags, seed=2)
    result = soundloc.gcc_phat_all_pairs(signals, SAMPLE_RATE, max_delay_s=0.003)
    for (i, j), lag, delay_s in zip(result.pairs, result.lag, result.delay_s):
        assert abs(lag - (lags[j] - lags[i])) < 0.05, (i, j, lag)
        assert delay_s == pytest.approx(lag / SAMPLE_RATE, rel=1e-12)


def test_matrix_is_antisymmetric_with_the_sign_convention():
    signals = delayed_channels(LAGS, seed=3)
    result = soundloc.gcc_phat_all_pairs(signals, SAMPLE_RATE)
    matrix = result.matrix()
    assert matrix.shape == (len(LAGS), len(LAGS))
    np.testing.assert_array_equal(matrix, -matrix.T)
    np.testing.assert_array_equal(np.diag(matrix), 0.0)
    # Channel 3 hears the source 30 samples late: D[0, 3] = t_3 - t_0 > 0.
    assert matrix[0, 3] == pytest.approx(30.0 / SAMPLE_RATE, abs=0.05 / SAMPLE_RATE)
    assert matrix[3, 0] < 0
    for (i, j), delay_s in zip(result.pairs, result.delay_s):
        assert matrix[i, j] == delay_s


def test_each_pair_equals_the_single_pair_call():
    signals = delayed_channels(LAGS, n_samples=1500, seed=4)
    gcc = soundloc.GccPhat(1500, SAMPLE_RATE, n_peaks=3)
    result = gcc.tdoa_all_pairs(signals, max_delay_s=0.004)
    assert len(result.results) == len(result)
    for (i, j), pair in zip(result.pairs, result.results):
        single = gcc.tdoa(signals[i], signals[j], max_delay_s=0.004)
        assert pair.delay_s == single.delay_s
        assert pair.confidence == single.confidence
        assert pair.candidates == single.candidates
        assert len(pair.candidates) == 3
    one_shot = soundloc.gcc_phat_all_pairs(
        signals, SAMPLE_RATE, max_delay_s=0.004, n_peaks=3
    )
    np.testing.assert_array_equal(one_shot.delay_s, result.delay_s)


def test_arrays_are_read_only_and_not_copied_per_access():
    result = soundloc.gcc_phat_all_pairs(delayed_channels(LAGS[:3]), SAMPLE_RATE)
    assert result.delay_s is result.delay_s
    for array in (
        result.pairs,
        result.delay_s,
        result.lag,
        result.peak,
        result.confidence,
        result.ambiguous,
    ):
        assert not array.flags.writeable
        assert array.shape[0] == 3
    assert result.ambiguous.dtype == np.bool_
    with pytest.raises(ValueError):
        result.delay_s[0] = 1.0


def test_a_position_bound_matrix_limits_each_pair():
    mics = np.array([[0.0, 0.0, 0.0], [0.05, 0.0, 0.0], [2.0, 0.0, 0.0]])
    bounds = np.linalg.norm(mics[:, None] - mics[None], axis=-1) / C
    # The far channel 20 samples late; the near pair may not exceed 2.3 samples.
    signals = delayed_channels([0.0, 0.0, 20.0], seed=5)
    result = soundloc.gcc_phat_all_pairs(signals, SAMPLE_RATE, max_delay_s=bounds)
    limits = [bounds[0, 1], bounds[0, 2], bounds[1, 2]]
    for pair, limit in zip(result.results, limits):
        assert pair.max_delay_s == limit
        assert abs(pair.delay_s) <= limit
    assert result.lag[1] == pytest.approx(20.0, abs=0.05)


def test_int16_float32_and_float64_agree():
    signals = delayed_channels(LAGS, seed=6)
    pcm = np.round(signals * 3000).astype(np.int16)
    results = [
        soundloc.gcc_phat_all_pairs(pcm.astype(dtype), SAMPLE_RATE)
        for dtype in (np.int16, np.float32, np.float64)
    ]
    for other in results[1:]:
        np.testing.assert_array_equal(other.delay_s, results[0].delay_s)
        np.testing.assert_array_equal(other.peak, results[0].peak)


def test_non_contiguous_input_gives_the_contiguous_answer():
    wide = delayed_channels(LAGS, n_samples=4096, seed=7)
    strided = wide[:, ::2]
    fortran = np.asfortranarray(wide)
    reversed_rows = wide[::-1][::-1]
    assert not strided.flags.c_contiguous and not fortran.flags.c_contiguous
    for view, copy in (
        (strided, np.ascontiguousarray(strided)),
        (fortran, wide),
        (reversed_rows, wide),
    ):
        a = soundloc.gcc_phat_all_pairs(view, SAMPLE_RATE)
        b = soundloc.gcc_phat_all_pairs(copy, SAMPLE_RATE)
        np.testing.assert_array_equal(a.delay_s, b.delay_s)


@pytest.mark.parametrize(
    ("signals", "kwargs", "words"),
    [
        (np.zeros(100), {}, ["signals", "2-D", "shape (100,)"]),
        (np.zeros((3, 0)), {}, ["signals", "at least 2 samples", "(3, 0)"]),
        (np.zeros((1, 100)), {}, ["signals", "at least 2 microphones", "(1, 100)"]),
        (np.zeros((3, 100), dtype=np.complex128), {}, ["signals", "complex128"]),
        (np.zeros((3, 100), dtype=np.int32), {}, ["signals", "int32"]),
        ([[1.0, 2.0], [3.0, 4.0]], {}, ["signals", "list"]),
        (None, {"max_delay_s": np.zeros((2, 3))}, ["max_delay_s", "(3, 3)", "(2, 3)"]),
        (None, {"max_delay_s": np.zeros(3)}, ["max_delay_s", "(3, 3)"]),
        (None, {"max_delay_s": -0.001}, ["max_delay_s", "non-negative"]),
        (None, {"max_delay_s": float("nan")}, ["max_delay_s", "NaN"]),
        (None, {"max_delay_s": "wide"}, ["max_delay_s", "str"]),
        (
            None,
            {"max_delay_s": np.array([[0, 1, 1], [1, 0, 2], [1, 1, 0]]) * 1e-3},
            ["max_delay_s[1, 2]", "symmetric"],
        ),
        (None, {"max_delay_s": 1.0}, ["max_delay_s", "channels 0 and 1"]),
        (None, {"weighting": "foo"}, ["weighting"]),
    ],
)
def test_bad_input_names_the_argument(signals, kwargs, words):
    if signals is None:
        signals = delayed_channels(LAGS[:3], n_samples=256)
    with pytest.raises(soundloc.InvalidInputError) as info:
        soundloc.gcc_phat_all_pairs(signals, SAMPLE_RATE, **kwargs)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_nan_samples_name_the_channel():
    signals = delayed_channels(LAGS[:4], n_samples=256)
    signals[2, 40] = np.nan
    with pytest.raises(soundloc.InvalidInputError, match=r"channel 2.*index 40"):
        soundloc.gcc_phat_all_pairs(signals, SAMPLE_RATE)


def test_a_silent_channel_raises_localization_error_naming_it():
    signals = delayed_channels(LAGS[:4], n_samples=256)
    signals[3] = 0.7
    with pytest.raises(soundloc.LocalizationError, match="channel 3 is silent"):
        soundloc.gcc_phat_all_pairs(signals, SAMPLE_RATE)


def test_planned_object_refuses_frames_longer_than_frame_len():
    gcc = soundloc.GccPhat(200, SAMPLE_RATE)
    with pytest.raises(soundloc.InvalidInputError, match="signals.*frame_len = 200"):
        gcc.tdoa_all_pairs(delayed_channels(LAGS[:3], n_samples=256))


# The correlation curve.


@pytest.mark.parametrize("lag", [6.0, -11.4, 0.3])
def test_correlation_peaks_where_gcc_phat_reports(lag):
    signals = delayed_channels([0.0, lag], n_samples=1024, seed=8)
    x_i, x_j = signals
    result = soundloc.gcc_phat(x_i, x_j, SAMPLE_RATE, max_delay_s=0.002)
    lags_s, values = soundloc.gcc_correlation(x_i, x_j, SAMPLE_RATE, max_delay_s=0.002)
    assert lags_s.shape == values.shape
    np.testing.assert_allclose(np.diff(lags_s), 1.0 / SAMPLE_RATE, rtol=1e-9)
    assert lags_s[0] == pytest.approx(-0.002, abs=1.0 / SAMPLE_RATE)
    assert lags_s[-1] == pytest.approx(0.002, abs=1.0 / SAMPLE_RATE)
    peak_s = lags_s[np.argmax(values)]
    assert abs(peak_s - result.delay_s) <= 1.0 / SAMPLE_RATE
    assert np.max(values) == pytest.approx(result.peak, abs=0.05)

    gcc = soundloc.GccPhat(1024, SAMPLE_RATE)
    lags_2, values_2 = gcc.correlation(x_i, x_j, max_delay_s=0.002)
    np.testing.assert_array_equal(lags_2, lags_s)
    np.testing.assert_array_equal(values_2, values)


def test_correlation_matches_the_numpy_phat_curve():
    x_i, x_j = delayed_channels([0.0, 9.0], n_samples=512, seed=9)
    lags_s, values = soundloc.gcc_correlation(x_i, x_j, SAMPLE_RATE)
    lags = np.round(lags_s * SAMPLE_RATE).astype(int)
    assert lags[0] == -511 and lags[-1] == 511
    assert lags[np.argmax(values)] == oracle_lag(x_i, x_j, 511)


def test_correlation_bad_input():
    with pytest.raises(soundloc.InvalidInputError, match="x_j"):
        soundloc.gcc_correlation(np.ones(10), np.ones(12), SAMPLE_RATE)
    with pytest.raises(soundloc.LocalizationError):
        soundloc.gcc_correlation(np.ones(10), np.arange(10.0), SAMPLE_RATE)


# The frame-by-frame Localizer.

MICS = np.array(
    [
        [0.0, 0.0, 1.5],
        [45.0, 3.0, 2.0],
        [40.0, 42.0, 1.0],
        [-2.0, 38.0, 3.5],
        [20.0, 20.0, 6.0],
        [62.0, 25.0, 2.5],
    ]
)


def burst_frame(source, *, seed=3, n_samples=12000):
    """Each mic hears one noise burst after its exact travel time, plus noise."""
    rng = np.random.default_rng(seed)
    n_total = 2 * n_samples
    envelope = np.exp(-0.5 * ((np.arange(n_total) - 3000) / 500.0) ** 2)
    spectrum = np.fft.rfft(rng.standard_normal(n_total) * envelope)
    freqs = np.fft.rfftfreq(n_total, 1 / SAMPLE_RATE)
    delays = np.linalg.norm(MICS - source, axis=1) / C
    rows = [
        np.fft.irfft(spectrum * np.exp(-2j * np.pi * freqs * d), n_total)[:n_samples]
        for d in delays
    ]
    signals = np.array(rows)
    return signals + 0.01 * rng.standard_normal(signals.shape)


def assert_same_solution(a, b):
    np.testing.assert_array_equal(a.position, b.position)
    np.testing.assert_array_equal(a.covariance, b.covariance)
    assert a.residual_rms_s == b.residual_rms_s
    assert a.used == b.used
    assert a.rejected == b.rejected
    assert a.rejection_reasons == b.rejection_reasons


def test_localizer_equals_locate_signals_frame_after_frame():
    source = np.array([18.0, 14.0, 4.0])
    localizer = soundloc.Localizer(MICS, 12000, SAMPLE_RATE, speed_of_sound=C)
    assert (localizer.n_mics, localizer.frame_len, localizer.sample_rate) == (
        6,
        12000,
        SAMPLE_RATE,
    )
    for seed, n_samples in [(3, 12000), (4, 10000), (5, 12000)]:
        frame = burst_frame(source, seed=seed, n_samples=n_samples)
        by_frame = localizer.process(frame)
        whole = soundloc.locate_signals(frame, MICS, SAMPLE_RATE, speed_of_sound=C)
        assert_same_solution(by_frame, whole)
        assert np.linalg.norm(by_frame.position - source) < 0.5


def test_localizer_options_follow_locate_signals():
    source = np.array([30.0, 10.0, 2.0])
    frame = burst_frame(source, seed=6).astype(np.float32)
    options = {
        "speed_of_sound": C,
        "band_hz": (200.0, 6000.0),
        "weighting": "scot",
        "dimension": 2,
        "reject_outliers": False,
    }
    localizer = soundloc.Localizer(MICS, 12000, SAMPLE_RATE, **options)
    assert_same_solution(
        localizer.process(frame),
        soundloc.locate_signals(frame, MICS, SAMPLE_RATE, **options),
    )


def test_localizer_refuses_bad_frames_and_settings():
    localizer = soundloc.Localizer(MICS, 1000, SAMPLE_RATE)
    with pytest.raises(soundloc.InvalidInputError, match="frame.*frame_len = 1000"):
        localizer.process(np.zeros((6, 1200)))
    with pytest.raises(soundloc.InvalidInputError, match="frame.*n_mics = 6"):
        localizer.process(np.zeros((5, 800)))
    with pytest.raises(soundloc.InvalidInputError, match="frame"):
        localizer.process(np.zeros(800))
    with pytest.raises(soundloc.InvalidInputError, match="mic_positions"):
        soundloc.Localizer(MICS[:1], 1000, SAMPLE_RATE)
    with pytest.raises(soundloc.InvalidInputError, match="frame_len"):
        soundloc.Localizer(MICS, 1, SAMPLE_RATE)
    with pytest.raises(soundloc.InvalidInputError, match="dimension"):
        soundloc.Localizer(MICS, 1000, SAMPLE_RATE, dimension=4)
    with pytest.raises(soundloc.InvalidInputError, match="sample_rate"):
        soundloc.Localizer(MICS, 1000, -1.0)
    with pytest.raises(soundloc.InvalidInputError, match="speed_of_sound"):
        soundloc.Localizer(MICS, 1000, SAMPLE_RATE, speed_of_sound=0.0)
