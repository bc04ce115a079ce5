"""Compact arrays from Python: grids, STFT, directions from delays, SRP-PHAT and MUSIC."""

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import circular, far_field_noise

import soundloc

ROOT = Path(__file__).resolve().parents[2]


def angle_between(a_az, a_col, b_az, b_col):
    def unit(az, col):
        return np.array([np.sin(col) * np.cos(az), np.sin(col) * np.sin(az), np.cos(col)])

    return np.degrees(np.arccos(np.clip(unit(a_az, a_col) @ unit(b_az, b_col), -1, 1)))


def test_grids_have_the_documented_sizes():
    sphere = soundloc.SearchGrid.sphere(4)
    assert len(sphere) == 2562 and sphere.field == "far"
    np.testing.assert_allclose(np.linalg.norm(sphere.points, axis=1), 1.0)
    assert (soundloc.SearchGrid.hemisphere(3).points[:, 2] >= -1e-9).all()
    plane = soundloc.SearchGrid.plane((0.0, 1.0), (0.0, 0.5), 0.0, 0.25)
    assert len(plane) == 15 and plane.field == "near"
    with pytest.raises(soundloc.InvalidInputError, match="x_m"):
        soundloc.SearchGrid.plane((1.0, 0.0), (0.0, 1.0), 0.0, 0.1)


def test_stft_matches_numpy():
    signals = np.random.default_rng(1).standard_normal((3, 2000))
    spectra = soundloc.stft(signals, 256, 64)
    window = np.hanning(257)[:256]
    n_frames = (2000 - 256) // 64 + 1
    expected = np.stack([np.fft.rfft(signals[:, f * 64 : f * 64 + 256] * window, axis=1) for f in range(n_frames)], axis=2)
    assert spectra.shape == (3, 129, n_frames)
    np.testing.assert_allclose(spectra, expected, atol=1e-9)


def test_directions_from_the_real_pyramic_delays():
    """The 540 measured directions of the Pyramic array (real data), from Python."""
    data = json.loads((ROOT / "datasets" / "pyramic-tdoa" / "pyramic_tdoa.json").read_text())
    mics = np.array(data["microphones"]).T
    delays = np.array(data["delays"])
    sources = np.array(data["sources"])
    errors = []
    for a in range(delays.shape[1]):
        for s in range(delays.shape[2]):
            pairs = np.array([[0, m + 1, delays[m, a, s]] for m in range(delays.shape[0])])
            fitted = soundloc.direction_from_delays(
                mics, pairs, speed_of_sound=data["sound_speed_mps"], delay_std_s=1 / 96000 / np.sqrt(12)
            )
            u = sources[:, a, s]
            truth_az, truth_col = np.arctan2(u[1], u[0]), np.arccos(u[2] / np.linalg.norm(u))
            errors.append(angle_between(fitted.estimate.azimuth, fitted.estimate.colatitude, truth_az, truth_col))
    errors = np.array(errors)
    assert np.median(errors) <= 3.0
    assert np.percentile(errors, 95) <= 4.5


def test_music_finds_a_source_at_61_degrees():
    fs = 16000
    mics = circular(12, 0.15)
    signals = far_field_noise(mics, np.radians(61), np.pi / 2, fs, fs)
    grid = soundloc.SearchGrid.horizon(360)
    for normalise in (False, True):
        music = soundloc.Music(mics, grid, sample_rate=fs, fft_len=256, freq_range_hz=(500.0, 4000.0), normalise=normalise)
        found = music.process_signals(signals, 128)
        assert abs(np.degrees(found[0].azimuth) - 61.0) < 0.3
        assert music.map.shape == (360,)


def test_doa_inputs_are_checked():
    grid = soundloc.SearchGrid.horizon(36)
    with pytest.raises(soundloc.InvalidInputError, match="at least 2 microphones"):
        soundloc.Music(np.zeros((1, 3)), grid, sample_rate=16000)
    with pytest.raises(soundloc.InvalidInputError, match="microphones 0 and 1"):
        soundloc.Music(np.zeros((2, 3)), grid, sample_rate=16000)
    mics = circular(4, 0.05)
    with pytest.raises(soundloc.InvalidInputError, match="Nyquist"):
        soundloc.Music(mics, grid, sample_rate=16000, freq_range_hz=(100.0, 9000.0))
    music = soundloc.Music(mics, grid, sample_rate=16000)
    with pytest.raises(soundloc.InvalidInputError, match="spectra"):
        music.process_spectra(np.zeros((4, 257)))
    with pytest.raises(soundloc.LocalizationError):
        music.process_spectra(np.zeros((4, 257, 10), dtype=complex))
    with pytest.raises(soundloc.InvalidInputError):
        soundloc.direction_from_delays(mics, [[0, 7, 1e-4]])


def test_srp_phat_finds_a_source_at_61_degrees_per_frame_and_over_frames():
    fs = 16000
    mics = circular(12, 0.15)
    signals = far_field_noise(mics, np.radians(61), np.pi / 2, fs, fs, seed=3)
    srp = soundloc.SrpPhat(mics, soundloc.SearchGrid.horizon(360), sample_rate=fs, fft_len=512)
    pooled = srp.process_spectra(soundloc.stft(signals, 512, 128))
    assert abs(np.degrees(pooled[0].azimuth) - 61.0) < 0.3
    frame = srp.process_frame(signals[:, 4000:4512])
    assert abs(np.degrees(frame[0].azimuth) - 61.0) < 0.3
    assert srp.map.shape == (360,)
    with pytest.raises(soundloc.InvalidInputError, match="512"):
        srp.process_frame(signals[:, :100])
    with pytest.raises(soundloc.LocalizationError):
        srp.process_frame(np.zeros((12, 512)))


def test_planar_arrays_report_the_mirror_image():
    fs = 16000
    mics = circular(6, 0.0463)
    signals = far_field_noise(mics, np.radians(40), np.radians(70), fs, fs, seed=4)
    srp = soundloc.SrpPhat(mics, soundloc.SearchGrid.hemisphere(4), sample_rate=fs)
    found = srp.process_spectra(soundloc.stft(signals, 512, 128))[0]
    assert found.ambiguity == "mirror"
    assert abs(np.degrees(found.azimuth) - 40.0) < 0.5
    assert abs(found.mirror[1] - (np.pi - found.colatitude)) < 1e-9


def test_counts_and_lengths_raise_invalid_input_not_overflow_or_abort():
    mics = circular(4, 0.05)
    grid = soundloc.SearchGrid.horizon(36)
    calls = [
        lambda: soundloc.SrpPhat(mics, grid, sample_rate=16000, n_sources=-1),
        lambda: soundloc.Music(mics, grid, sample_rate=16000, fft_len=-512),
        lambda: soundloc.stft(np.zeros((2, 100)), -512, 128),
        lambda: soundloc.SearchGrid.sphere(-1),
        lambda: soundloc.SearchGrid.horizon(-3),
        lambda: soundloc.Music(mics, grid, sample_rate=16000, fft_len=2**40),
        lambda: soundloc.SrpPhat(mics, grid, sample_rate=16000, fft_len=2**40),
        lambda: soundloc.stft(np.zeros((2, 100)), 2**40, 128),
    ]
    for call in calls:
        with pytest.raises(soundloc.InvalidInputError):
            call()


def test_spectra_of_any_complex_dtype_and_layout_give_the_same_answer():
    fs = 16000
    mics = circular(8, 0.1)
    signals = far_field_noise(mics, np.radians(-35), np.pi / 2, fs, fs, seed=5)
    spectra = soundloc.stft(signals, 512, 128)
    srp = soundloc.SrpPhat(mics, soundloc.SearchGrid.horizon(360), sample_rate=fs)
    reference = srp.process_spectra(spectra)[0].azimuth
    every_other = np.ascontiguousarray(spectra[:, :, ::2])
    for variant in (spectra.astype(np.complex64), np.asfortranarray(spectra), spectra[:, :, ::2]):
        found = srp.process_spectra(variant)[0].azimuth
        assert abs(found - reference) < 1e-3
    assert srp.process_spectra(spectra[:, :, ::2])[0].azimuth == srp.process_spectra(every_other)[0].azimuth


def test_srp_phat_reports_two_sources_once_each():
    """Two white-noise sources seen by a 5 cm circle: never the same direction twice."""
    fs = 16000.0
    a = np.arange(8) * 2 * np.pi / 8
    mics = np.column_stack([0.05 * np.cos(a), 0.05 * np.sin(a), np.zeros(8)])
    rng = np.random.default_rng(4)

    def src(az):
        return soundloc.simulate_array(rng.standard_normal(16000), fs, 60 * np.array([np.cos(az), np.sin(az), 0]), mics)

    for trial in range(10):
        s1, s2 = src(0.5), src(-2.0)
        n = min(s1.shape[1], s2.shape[1])
        spectra = soundloc.stft(s1[:, :n] + s2[:, :n], 512, 256)
        for refine in (True, False):
            srp = soundloc.SrpPhat(mics, soundloc.SearchGrid.horizon(360), sample_rate=fs, n_sources=2, refine=refine)
            found = sorted(float(np.degrees(e.azimuth)) for e in srp.process_spectra(spectra))
            assert len(found) == 2, (trial, refine, found)
            assert found[1] - found[0] > 5.0, (trial, refine, found)
            assert abs(found[0] - np.degrees(-2.0)) < 3.0, (trial, refine, found)
            assert abs(found[1] - np.degrees(0.5)) < 3.0, (trial, refine, found)


@pytest.mark.parametrize("method", ["srp", "music"])
def test_planar_arrays_report_the_upper_mirror_image_first(method):
    fs = 16000
    mics = circular(8, 0.05)
    for seed, colatitude in enumerate((60.0, 120.0)):
        signals = far_field_noise(mics, np.radians(40), np.radians(colatitude), fs, fs, seed=10 + seed)
        grid = soundloc.SearchGrid.sphere(3)
        if method == "srp":
            locator = soundloc.SrpPhat(mics, grid, sample_rate=fs, n_sources=2)
            found = locator.process_spectra(soundloc.stft(signals, 512, 256))
        else:
            locator = soundloc.Music(mics, grid, sample_rate=fs, n_sources=2)
            found = locator.process_signals(signals, 256)
        first = found[0]
        upper = min(colatitude, 180.0 - colatitude)
        assert first.ambiguity == "mirror"
        assert angle_between(first.azimuth, first.colatitude, np.radians(40), np.radians(upper)) < 3.0
        assert angle_between(*first.mirror, np.radians(40), np.radians(180.0 - upper)) < 3.0
        assert all(e.colatitude <= np.pi / 2 + 1e-12 for e in found)
        # The mirror image is the same source, not a second one.
        for other in found[1:]:
            assert angle_between(other.azimuth, other.colatitude, first.azimuth, first.colatitude) > 15.0
