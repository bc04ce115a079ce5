"""GCC-PHAT through the Python binding, against numpy computations."""

import threading
import time

import numpy as np
import pytest
from conftest import delayed_pair, numpy_gcc_phat_lag

import soundloc

FS = 48_000.0


@pytest.mark.parametrize("lag", [0, 1, 12, -25, 300, -700])
def test_integer_delay_matches_numpy_gcc(lag):
    x_i, x_j = delayed_pair(2048, float(lag), seed=abs(lag))
    result = soundloc.gcc_phat(x_i, x_j, FS)
    assert numpy_gcc_phat_lag(x_i, x_j) == lag
    assert result.lag == pytest.approx(lag, abs=0.01)
    assert result.delay_s == pytest.approx(lag / FS, abs=0.01 / FS)
    assert result.peak > 0.5
    assert not result.ambiguous


@pytest.mark.parametrize("lag", [0.25, 3.5, -10.3, 41.77])
def test_fractional_delay_is_recovered_to_a_hundredth_of_a_sample(lag):
    x_i, x_j = delayed_pair(4096, lag, seed=7, noise=0.05)
    result = soundloc.gcc_phat(x_i, x_j, FS)
    assert result.lag == pytest.approx(lag, abs=0.01)


def test_swapping_inputs_negates_the_delay(pair_4096):
    x_i, x_j = pair_4096
    forward = soundloc.gcc_phat(x_i, x_j, FS)
    backward = soundloc.gcc_phat(x_j, x_i, FS)
    assert forward.delay_s == pytest.approx(-backward.delay_s, abs=1e-12)
    assert forward.lag > 0


def test_int16_gives_the_same_delay_as_float64():
    x_i, x_j = delayed_pair(4096, 9.4, seed=3)
    scale = 8000.0 / max(np.abs(x_i).max(), np.abs(x_j).max())
    pcm_i = np.round(x_i * scale).astype(np.int16)
    pcm_j = np.round(x_j * scale).astype(np.int16)
    from_pcm = soundloc.gcc_phat(pcm_i, pcm_j, FS)
    from_float = soundloc.gcc_phat(
        pcm_i.astype(np.float64), pcm_j.astype(np.float64), FS
    )
    assert from_pcm.delay_s == from_float.delay_s
    assert from_pcm.peak == from_float.peak


def test_int16_extremes_do_not_overflow():
    x_i, x_j = delayed_pair(1024, 5.0, seed=4)
    pcm_i = np.where(x_i > 0, 32767, -32768).astype(np.int16)
    pcm_j = np.where(x_j > 0, 32767, -32768).astype(np.int16)
    result = soundloc.gcc_phat(pcm_i, pcm_j, FS)
    assert result.lag == pytest.approx(5.0, abs=0.2)


def test_float32_and_mixed_dtypes_agree_with_float64(pair_4096):
    x_i, x_j = pair_4096
    reference = soundloc.gcc_phat(x_i, x_j, FS).lag
    single = soundloc.gcc_phat(x_i.astype(np.float32), x_j.astype(np.float32), FS).lag
    mixed = soundloc.gcc_phat(x_i.astype(np.float32), x_j, FS).lag
    assert single == pytest.approx(reference, abs=1e-3)
    assert mixed == pytest.approx(reference, abs=1e-3)


def test_strided_views_work_and_equal_contiguous_copies():
    x_i, x_j = delayed_pair(8192, 20.0, seed=5)
    strided = soundloc.gcc_phat(x_i[::2], x_j[::2], FS / 2)
    copied = soundloc.gcc_phat(x_i[::2].copy(), x_j[::2].copy(), FS / 2)
    assert strided.delay_s == copied.delay_s
    assert strided.lag == pytest.approx(10.0, abs=0.05)


def test_max_delay_bounds_the_search(pair_4096):
    x_i, x_j = pair_4096
    bound = 10 / FS
    result = soundloc.gcc_phat(x_i, x_j, FS, max_delay_s=bound)
    assert abs(result.delay_s) <= bound + 1e-15
    assert result.max_delay_s == pytest.approx(bound)


@pytest.mark.parametrize(
    "weighting", ["cc", "phat", "phat-beta:0.7", "scot", "roth", "ht"]
)
def test_every_weighting_finds_the_delay(weighting, pair_4096):
    x_i, x_j = pair_4096
    result = soundloc.gcc_phat(x_i, x_j, FS, weighting=weighting)
    assert result.lag == pytest.approx(37.0, abs=0.05)


@pytest.mark.parametrize("refinement", ["band-limited", "parabolic", "none"])
def test_refinements(refinement):
    x_i, x_j = delayed_pair(4096, 12.0, seed=8)
    result = soundloc.gcc_phat(x_i, x_j, FS, refinement=refinement)
    assert result.lag == pytest.approx(12.0, abs=0.2)


def test_candidates_and_inverted_polarity(pair_4096):
    x_i, x_j = pair_4096
    result = soundloc.gcc_phat(x_i, -x_j, FS, polarity="either", n_peaks=3)
    assert result.inverted
    assert result.lag == pytest.approx(37.0, abs=0.01)
    assert 1 <= len(result.candidates) <= 3
    delay_s, peak = result.candidates[0]
    assert delay_s == pytest.approx(result.delay_s)
    assert isinstance(peak, float)


def test_band_limits_are_accepted(pair_4096):
    x_i, x_j = pair_4096
    result = soundloc.gcc_phat(x_i, x_j, FS, band_hz=(500.0, 8000.0))
    assert result.lag == pytest.approx(37.0, abs=0.05)


def test_planned_estimator_matches_one_shot_and_is_reusable(pair_4096):
    x_i, x_j = pair_4096
    gcc = soundloc.GccPhat(4096, FS)
    assert gcc.frame_len == 4096 and gcc.fft_len >= 8192 and gcc.sample_rate == FS
    first = gcc.tdoa(x_i, x_j)
    again = gcc.tdoa(x_i, x_j)
    assert first.delay_s == again.delay_s == soundloc.gcc_phat(x_i, x_j, FS).delay_s
    shorter = gcc.tdoa(x_i[:3000], x_j[:3000], max_delay_s=0.002)
    assert shorter.lag == pytest.approx(37.0, abs=0.05)
    assert "GccPhat(frame_len=4096" in repr(gcc)


def test_result_is_frozen_and_printable(pair_4096):
    result = soundloc.gcc_phat(*pair_4096, FS)
    text = repr(result)
    assert text.startswith("TdoaResult(delay_s=") and "ambiguous=False" in text
    with pytest.raises(AttributeError):
        result.delay_s = 0.0


def test_four_threads_on_long_signals_complete():
    signals = [delayed_pair(48_000, 11.0 * (k + 1), seed=k) for k in range(4)]
    results = [None] * 4
    shared = soundloc.GccPhat(48_000, FS)

    def work(k):
        one_shot = soundloc.gcc_phat(*signals[k], FS)
        planned = shared.tdoa(*signals[k])
        results[k] = (one_shot.lag, planned.lag)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k, (one_shot, planned) in enumerate(results):
        assert one_shot == pytest.approx(11.0 * (k + 1), abs=0.01)
        assert planned == one_shot


def test_the_gil_is_released_during_a_long_call():
    # A counter thread can only tick while the long call runs if the call released
    # the GIL. Ticks are counted in the middle half of the call, away from its edges.
    n = 1 << 21
    rng = np.random.default_rng(9)
    x_i = rng.standard_normal(n)
    x_j = np.roll(x_i, 3)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())

    counter = threading.Thread(target=count)
    counter.start()
    try:
        time.sleep(0.01)
        start = time.perf_counter()
        soundloc.gcc_phat(x_i, x_j, FS)
        end = time.perf_counter()
    finally:
        stop.set()
        counter.join()
    quarter = (end - start) / 4
    inside = [t for t in ticks if start + quarter < t < end - quarter]
    assert len(inside) > 0


def test_one_shot_calls_give_the_planned_answer_whatever_was_planned_before():
    # The one-shot functions keep the thread's last plan; switching lengths and
    # settings back and forth must never leak state from one call into the next.
    fs = 16_000.0
    cases = [
        delayed_pair(n, lag, seed=seed, noise=0.1)
        for seed, (n, lag) in enumerate(((1024, 5.3), (4096, -17.6), (1024, 9.2)))
    ]
    for x_i, x_j in cases + cases[::-1]:
        for weighting in ("phat", "scot"):
            planned = soundloc.GccPhat(len(x_i), fs, weighting=weighting).tdoa(x_i, x_j)
            one_shot = soundloc.gcc_phat(x_i, x_j, fs, weighting=weighting)
            assert one_shot.lag == planned.lag
            assert one_shot.peak == planned.peak
    signals = np.stack([cases[1][0], cases[1][1]])
    for _ in range(2):
        pairs = soundloc.gcc_phat_all_pairs(signals, fs)
        assert pairs.lag[0] == soundloc.GccPhat(4096, fs).tdoa(*signals).lag
