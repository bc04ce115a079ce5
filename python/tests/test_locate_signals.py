"""locate_signals: from multichannel signals to a position, checked against physics."""

import numpy as np
import pytest

import soundloc

SAMPLE_RATE = 16000.0
C = 343.0
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


def burst_signals(source, extra_delay_s=None, seed=3, n_samples=12000):
    """Each mic hears one noise burst after its exact travel time (FFT shift), plus noise."""
    rng = np.random.default_rng(seed)
    n_total = 2 * n_samples
    envelope = np.exp(-0.5 * ((np.arange(n_total) - 3000) / 500.0) ** 2)
    burst = rng.standard_normal(n_total) * envelope
    spectrum = np.fft.rfft(burst)
    freqs = np.fft.rfftfreq(n_total, 1 / SAMPLE_RATE)
    delays = np.linalg.norm(MICS - source, axis=1) / C
    if extra_delay_s is not None:
        delays = delays + extra_delay_s
    rows = [
        np.fft.irfft(spectrum * np.exp(-2j * np.pi * freqs * d), n_total)[:n_samples]
        for d in delays
    ]
    signals = np.array(rows)
    return signals + 0.01 * rng.standard_normal(signals.shape)


def test_a_simulated_source_is_found_within_centimetres():
    source = np.array([12.0, 27.0, 8.0])
    solution = soundloc.locate_signals(
        burst_signals(source), MICS, SAMPLE_RATE, speed_of_sound=C, reference=4
    )
    assert np.linalg.norm(solution.position[:2] - source[:2]) < 0.05
    assert np.linalg.norm(solution.position - source) < 0.5
    assert solution.rejected == []


def test_int16_signals_give_the_float_answer():
    source = np.array([30.0, 10.0, 4.0])
    signals = burst_signals(source)
    pcm = np.round(signals / np.abs(signals).max() * 20000).astype(np.int16)
    as_float = soundloc.locate_signals(signals, MICS, SAMPLE_RATE, speed_of_sound=C)
    as_int = soundloc.locate_signals(pcm, MICS, SAMPLE_RATE, speed_of_sound=C)
    assert np.linalg.norm(as_float.position - as_int.position) < 0.02


def test_a_late_microphone_is_rejected():
    source = np.array([12.0, 27.0, 8.0])
    extra = np.array([0.0, 0.004, 0.0, 0.0, 0.0, 0.0])
    solution = soundloc.locate_signals(
        burst_signals(source, extra), MICS, SAMPLE_RATE, speed_of_sound=C, reference=4
    )
    assert solution.rejected == [1]
    assert np.linalg.norm(solution.position[:2] - source[:2]) < 0.3


def test_bad_inputs_raise_by_kind():
    signals = burst_signals(np.array([12.0, 27.0, 8.0]))
    with pytest.raises(soundloc.InvalidInputError, match="n_mics = 6"):
        soundloc.locate_signals(signals[:5], MICS, SAMPLE_RATE)
    with pytest.raises(soundloc.InvalidInputError, match="reference"):
        soundloc.locate_signals(signals, MICS, SAMPLE_RATE, reference=6)
    with pytest.raises(soundloc.InvalidInputError, match="band_hz"):
        soundloc.locate_signals(signals, MICS, SAMPLE_RATE, band_hz=(100.0, 9000.0))
    with pytest.raises(soundloc.InvalidInputError, match="complex128"):
        soundloc.locate_signals(signals.astype(complex), MICS, SAMPLE_RATE)
    with pytest.raises(soundloc.InvalidInputError, match="bool"):
        soundloc.locate_signals(signals > 0, MICS, SAMPLE_RATE)
    with pytest.raises(soundloc.InvalidInputError, match="list"):
        soundloc.locate_signals(signals.tolist(), MICS, SAMPLE_RATE)


def test_a_dead_microphone_is_left_out():
    source = np.array([12.0, 27.0, 8.0])
    signals = burst_signals(source)
    signals[2] = 0.0
    solution = soundloc.locate_signals(
        signals, MICS, SAMPLE_RATE, speed_of_sound=C, reference=4
    )
    assert solution.rejected == [2]
    assert "silent" in solution.rejection_reasons[0]
    assert np.linalg.norm(solution.position[:2] - source[:2]) < 0.05


@pytest.mark.parametrize("seed", range(6))
def test_noise_alone_on_a_compact_array_is_no_estimate(seed):
    # Five microphones within half a metre hear only independent noise.
    mics = 0.25 * np.array(
        [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0.5], [0.5, 0.5, 1.0]], float
    )
    noise = np.random.default_rng(seed).standard_normal((5, 8000))
    with pytest.raises(soundloc.LocalizationError, match="RMS"):
        soundloc.locate_signals(noise, mics, SAMPLE_RATE)
