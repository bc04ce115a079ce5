"""Onsets, association, error ellipses and continuous detection from Python: against
synthetic signals with known answers, numpy, a simulated scene's truth and the CLI."""

import json
import shutil
import threading
import wave

import numpy as np
import pytest
import soundloc
from conftest import REPO, run_cli
from soundloc import InvalidInputError

CLIPS = REPO / "datasets" / "clips"
FS = 24000.0


def _noise_with_clicks(times_s, *, seconds=4.0, seed=0):
    """Faint white noise with a short decaying broadband burst at each time."""
    rng = np.random.default_rng(seed)
    signal = 1e-3 * rng.standard_normal(int(seconds * FS))
    burst = rng.standard_normal(240) * np.exp(-np.arange(240) / 40.0)
    for t in times_s:
        start = round(t * FS)
        signal[start : start + burst.size] += 0.3 * burst
    return signal


def _fields(onset):
    return (
        onset.sensor,
        onset.sample_index,
        onset.time_s,
        onset.level_dbfs,
        onset.noise_floor_dbfs,
        onset.snr_db,
        onset.crest_factor,
        tuple(onset.band_levels_db),
    )


def test_an_impulse_in_noise_is_found_at_its_time():
    signal = _noise_with_clicks([1.5, 3.1])
    onsets = soundloc.detect_onsets(signal, FS, sensor=3)

    assert [round(o.time_s, 3) for o in onsets] == pytest.approx([1.5, 3.1], abs=0.003)
    for onset in onsets:
        assert onset.sensor == 3
        assert onset.sample_index == pytest.approx(onset.time_s * FS, abs=1)
        assert onset.snr_db > 30.0
        assert onset.snr_db == pytest.approx(onset.level_dbfs - onset.noise_floor_dbfs)
        assert onset.crest_factor > 2.0
        assert onset.band_levels_db.shape == onset.band_centres_hz.shape == (5,)
        assert list(onset.band_centres_hz) == [250.0, 500.0, 1000.0, 2000.0, 4000.0]


def test_pushing_in_blocks_equals_one_shot():
    signal = _noise_with_clicks([0.7, 2.2, 3.5], seed=4)
    whole = soundloc.detect_onsets(signal, FS)

    detector = soundloc.OnsetDetector(FS)
    streamed = []
    rng = np.random.default_rng(1)
    start = 0
    while start < signal.size:
        size = int(rng.integers(0, 3000))
        streamed += detector.push(signal[start : start + size])
        start += size
    streamed += detector.finish()

    assert len(whole) == 3
    assert [_fields(o) for o in streamed] == [_fields(o) for o in whole]
    with pytest.raises(InvalidInputError, match="finished"):
        detector.push(signal[:100])
    with pytest.raises(InvalidInputError, match="finished"):
        detector.finish()


def test_int16_and_float32_are_read_at_full_scale():
    signal = _noise_with_clicks([1.2], seed=2)
    as_int16 = np.round(signal * 32768).astype(np.int16)
    reference = soundloc.detect_onsets(as_int16 / 32768.0, FS)
    from_int16 = soundloc.detect_onsets(as_int16, FS)
    from_float32 = soundloc.detect_onsets(signal.astype(np.float32), FS)

    assert [_fields(o) for o in from_int16] == [_fields(o) for o in reference]
    assert len(from_float32) == 1
    assert from_float32[0].time_s == pytest.approx(reference[0].time_s, abs=1e-3)
    assert from_float32[0].level_dbfs == pytest.approx(reference[0].level_dbfs, abs=0.1)


def test_bad_onset_settings_are_refused():
    signal = _noise_with_clicks([1.0])
    for threshold in (-5.0, 0.0, float("nan"), 2.0):
        with pytest.raises(InvalidInputError):
            soundloc.detect_onsets(signal, FS, threshold_db=threshold)
    with pytest.raises(InvalidInputError, match="sample_rate"):
        soundloc.detect_onsets(signal, 8000.0)
    with pytest.raises(InvalidInputError, match="sensor"):
        soundloc.OnsetDetector(FS, sensor=-1)
    with pytest.raises(InvalidInputError, match="signal"):
        soundloc.detect_onsets(signal.reshape(2, -1), FS)
    with pytest.raises(InvalidInputError, match="signal"):
        soundloc.detect_onsets(signal.astype(np.complex128), FS)
    bad = signal.copy()
    bad[100] = np.nan
    with pytest.raises(InvalidInputError):
        soundloc.detect_onsets(bad, FS)


def test_a_block_with_a_nan_keeps_the_time_of_later_onsets():
    # Found by a tester: the samples after a NaN in a pushed block were dropped from
    # the time base, so every later onset came out early.
    rng = np.random.default_rng(0)
    signal = 1e-3 * rng.standard_normal(int(3 * FS))
    for t0 in (1.5, 2.2):
        signal[int(t0 * FS) : int(t0 * FS) + 200] += 0.5 * rng.standard_normal(200)
    expected = [o.time_s for o in soundloc.detect_onsets(signal, FS)]
    assert np.allclose(expected, [1.5, 2.2], atol=0.01), expected
    for nan_at in (100, 5000, 20_000):
        detector = soundloc.OnsetDetector(FS)
        bad = signal[: int(FS)].copy()
        bad[nan_at] = np.nan
        with pytest.raises(InvalidInputError, match=f"index {nan_at}"):
            detector.push(bad)
        found = detector.push(signal[int(FS) :]) + detector.finish()
        assert [o.time_s for o in found] == expected, nan_at


def _sensors():
    return np.array(
        [
            [0.0, 0.0, 4.0],
            [180.0, 10.0, 4.0],
            [170.0, 160.0, 4.0],
            [-10.0, 150.0, 4.0],
            [90.0, 80.0, 6.0],
        ]
    )


def test_association_groups_the_onsets_of_one_source():
    positions = _sensors()
    c = 343.0
    source, emitted = np.array([60.0, 110.0, 1.5]), 2.0
    arrivals = emitted + np.linalg.norm(positions - source, axis=1) / c
    # Each sensor also hears an unrelated onset (a door slam near it) at other times.
    rng = np.random.default_rng(3)
    per_sensor = [
        sorted([float(t), float(t + rng.uniform(3.0, 9.0))]) for t in arrivals
    ]

    candidates = soundloc.associate(per_sensor, positions, speed_of_sound=c)
    assert len(candidates) == 1
    candidate = candidates[0]
    assert sorted(candidate.sensors) == [0, 1, 2, 3, 4]
    assert all(per_sensor[s][k] == arrivals[s] for s, k in candidate.onsets)
    assert np.hypot(*(candidate.position[:2] - source[:2])) < 15.0
    assert abs(candidate.emission_s - emitted) < 0.05
    assert candidate.arrivals_s.shape == (5,)
    np.testing.assert_allclose(
        candidate.arrivals_s, arrivals, atol=candidate.tolerance_s
    )

    # Onset objects work as well as times.
    onsets = [
        soundloc.detect_onsets(_noise_with_clicks([t], seconds=8.0), FS)
        for t in arrivals
    ]
    from_onsets = soundloc.associate(onsets, positions, speed_of_sound=c)
    assert len(from_onsets) == 1 and sorted(from_onsets[0].sensors) == [0, 1, 2, 3, 4]


def test_bad_association_input_is_refused():
    positions = _sensors()
    with pytest.raises(InvalidInputError, match="onsets_per_sensor"):
        soundloc.associate([[1.0]] * 4, positions)
    with pytest.raises(InvalidInputError, match=r"onsets_per_sensor\[2\]\[0\]"):
        soundloc.associate([[1.0], [1.0], ["x"], [1.0], [1.0]], positions)
    with pytest.raises(InvalidInputError, match="min_sensors"):
        soundloc.associate([[1.0]] * 5, positions, min_sensors=1)
    with pytest.raises(InvalidInputError, match="positions"):
        soundloc.associate([[1.0]] * 5, positions[:, :2])


def test_error_ellipse_matches_numpy():
    rng = np.random.default_rng(5)
    for _ in range(20):
        a = rng.standard_normal((2, 2))
        covariance = a @ a.T + 0.01 * np.eye(2)
        confidence = rng.uniform(0.5, 0.99)
        ellipse = soundloc.error_ellipse(covariance, confidence)

        k2 = -2.0 * np.log(1.0 - confidence)
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        assert ellipse.semi_major_m == pytest.approx(np.sqrt(k2 * eigenvalues[1]))
        assert ellipse.semi_minor_m == pytest.approx(np.sqrt(k2 * eigenvalues[0]))
        major = eigenvectors[:, 1]
        along = np.array(
            [np.cos(ellipse.orientation_rad), np.sin(ellipse.orientation_rad)]
        )
        assert abs(abs(along @ major) - 1.0) < 1e-9
        assert ellipse.confidence == confidence

        # Boundary points satisfy d^T C^-1 d = k^2; contains agrees on either side.
        points = ellipse.boundary(40)
        assert points.shape == (40, 2)
        inverse = np.linalg.inv(covariance)
        np.testing.assert_allclose(
            np.einsum("ni,ij,nj->n", points, inverse, points), k2, rtol=1e-9
        )
        assert all(ellipse.contains(0.99 * p) for p in points)
        assert not any(ellipse.contains(1.01 * p) for p in points)

    assert soundloc.error_ellipse(
        [[1.0, 0.0], [0.0, 1.0]]
    ).semi_major_m == pytest.approx(np.sqrt(5.991464547107979))


def test_bad_error_ellipse_input_is_refused():
    with pytest.raises(InvalidInputError, match="covariance"):
        soundloc.error_ellipse(np.eye(3))
    with pytest.raises(InvalidInputError, match="covariance"):
        soundloc.error_ellipse([[1.0, 0.5], [0.2, 1.0]])
    with pytest.raises(InvalidInputError, match="confidence"):
        soundloc.error_ellipse(np.eye(2), 1.0)
    ellipse = soundloc.error_ellipse(np.eye(2))
    with pytest.raises(InvalidInputError, match="offset"):
        ellipse.contains([1.0, 2.0, 3.0])
    for count in (0, 2**40, 2**62):
        with pytest.raises(InvalidInputError, match="^n: "):
            ellipse.boundary(count)
    with pytest.raises(InvalidInputError, match="eigenvalues are 3e0 and -1e0"):
        soundloc.error_ellipse([[1.0, 2.0], [2.0, 1.0]])


def _spec_sensors():
    """Seven sensors: enough redundancy for a late (non-line-of-sight) one to stand out
    (with five, the fit absorbs it)."""
    return np.vstack([_sensors(), [[200.0, 90.0, 4.0], [60.0, -30.0, 4.0]]])


SPEC = """
name = "py-detect"
seed = 11
sample_rate = 24000
duration_s = 20.0
ground_alt_m = 0.0

[air]
temperature_c = 15.0
humidity_percent = 60.0

[coordinates]
system = "local"
origin = {{ lat = 45.44, lon = 4.38, alt = 0.0 }}

[propagation]
clock_jitter_us = 10.0

[background]
clip = "{clips}/city_ambience.wav"
level_db = 55.0

[solver]
dimension = 3
height_min_m = -1.0
height_max_m = 10.0

{sensors}

[[events]]
time_s = 3.0
position = [60.0, 110.0, 1.5]
clip = "{clips}/glass_breaking.wav"
level_db = 118.0

[[events]]
time_s = 9.0
position = [130.0, 40.0, 1.0]
clip = "{clips}/board_clap.wav"
level_db = 120.0

[[events]]
time_s = 15.0
position = [30.0, 30.0, 1.0]
clip = "{clips}/board_clap.wav"
level_db = 120.0
nlos = [{{ sensor = "S3", extra_delay_ms = 3.0, attenuation_db = 8.0 }}]
"""


@pytest.fixture(scope="module")
def simulated(tmp_path_factory, soundloc_cli):
    """A 20 s, 7-sensor continuous scene with 3 events, written by `soundloc simulate`."""
    folder = tmp_path_factory.mktemp("sim")
    sensors = "\n".join(
        f'[[sensors]]\nid = "S{k + 1}"\nposition = {list(map(float, p))}\n'
        for k, p in enumerate(_spec_sensors())
    )
    spec = folder / "spec.toml"
    spec.write_text(SPEC.format(clips=CLIPS, sensors=sensors))
    code, _ = run_cli(soundloc_cli, "simulate", spec, "--out", folder)
    assert code == 0
    truth = json.loads((folder / "truth.json").read_text())
    return folder / "scene.toml", truth


def test_detect_events_equals_the_cli_and_the_truth(simulated, soundloc_cli):
    path, truth = simulated
    scene = soundloc.Scene.from_file(path)
    calls = []
    lock = threading.Lock()

    def progress(stage, done, total):
        with lock:
            calls.append((stage, done, total))

    detection = scene.detect_events(progress=progress)
    _, out = run_cli(soundloc_cli, "detect", path, "--format", "json", "--quiet")
    cli = json.loads(out)

    # Same as the CLI.
    assert detection.duration_s == cli["duration_s"] == 20.0
    assert detection.onsets_per_sensor == [s["onsets"] for s in cli["sensors"]]
    assert detection.sensor_ids == scene.sensor_ids
    assert len(detection.events) == len(cli["events"]) == 3
    for py, js in zip(detection.events, cli["events"]):
        assert py.time_s == pytest.approx(js["time_s"], abs=1e-12)
        np.testing.assert_allclose(py.position, js["position"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(py.local, js["local_enu_m"], rtol=0, atol=1e-9)
        std = [np.inf if s is None else s for s in js["position_std_m"]]
        np.testing.assert_allclose(py.position_std, std, rtol=0, atol=1e-9)
        assert py.latitude == pytest.approx(js["lat"], abs=1e-12)
        assert py.residual_rms_s * 1e3 == pytest.approx(
            js["residual_rms_ms"], abs=1e-12
        )
        assert py.used == js["sensors_used"]
        assert py.rejected == [(r["sensor"], r["reason"]) for r in js["rejected"]]
        assert py.impulses == js["impulses"]
        assert py.height_at_bound == js["height_at_bound"]
        assert [o.time_s for o in py.onsets] == [o["time_s"] for o in js["onsets"]]
        assert py.ellipse.semi_major_m == pytest.approx(
            js["ellipse"]["semi_major_m"], abs=1e-9
        )
        assert np.degrees(py.ellipse.orientation_rad) == pytest.approx(
            js["ellipse"]["orientation_deg"], abs=1e-9
        )
    assert len(detection.unlocated) == len(cli["unlocated"])

    # Near the simulator's truth (a clip's impulse may come a little after the clip's
    # start, as tests/detect_city.rs allows); the blocked sensor is named.
    for py, event in zip(detection.events, truth["events"]):
        assert 0.0 <= py.time_s - event["time_s"] < 1.0
        assert np.hypot(*(py.local[:2] - np.array(event["local"][:2]))) < 3.0
        assert np.linalg.norm(py.covariance[:2, :2]) > 0
    assert "S3" in [s for s, _ in detection.events[2].rejected]

    # Progress: both stages, counts within their totals, the end reached.
    stages = {stage for stage, _, _ in calls}
    assert stages == {"detecting", "locating"}
    assert all(0 < done <= total for _, done, total in calls)
    assert ("detecting", 7 * 20 * 24000, 7 * 20 * 24000) in calls


def test_a_raising_progress_callback_stops_the_work(simulated):
    path, _ = simulated
    scene = soundloc.Scene.from_file(path)
    calls = []

    def progress(stage, done, total):
        calls.append(stage)
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        scene.detect_events(progress=progress)
    # The first exception stops the work: no new call starts after it (calls already
    # waiting for the GIL in other sensors' threads may still arrive).
    assert set(calls) == {"detecting"} and len(calls) <= 7


def test_bad_detection_options_are_refused(simulated):
    path, _ = simulated
    scene = soundloc.Scene.from_file(path)
    with pytest.raises(InvalidInputError, match="threshold_db"):
        scene.detect_events(threshold_db=-5.0)
    with pytest.raises(InvalidInputError, match="min_sensors"):
        scene.detect_events(min_sensors=8)
    with pytest.raises(InvalidInputError, match="min_sensors"):
        scene.detect_events(min_sensors=-1)
    with pytest.raises(InvalidInputError, match="progress"):
        scene.detect_events(progress=42)
    with pytest.raises(InvalidInputError, match="weighting"):
        scene.detect_events(weighting="nope")


def test_a_sensor_that_goes_silent_is_reported_and_left_out(simulated, tmp_path):
    """S2 writes digital silence from 10 s on: the events before keep it, the one after
    is located without it and names the outage, and ``outages`` says when."""
    path, truth = simulated
    for item in path.parent.iterdir():
        if item.suffix in (".toml", ".wav"):
            shutil.copy(item, tmp_path / item.name)
    with wave.open(str(tmp_path / "S2.wav"), "rb") as f:
        params = f.getparams()
        samples = np.frombuffer(f.readframes(params.nframes), dtype="<i2").copy()
    samples[10 * params.framerate :] = 0
    with wave.open(str(tmp_path / "S2.wav"), "wb") as f:
        f.setparams(params)
        f.writeframes(samples.tobytes())

    detection = soundloc.Scene.from_file(tmp_path / "scene.toml").detect_events()

    [outage] = detection.outages
    assert (outage.sensor, outage.kind, outage.value) == ("S2", "flat", 0.0)
    assert outage.start_s == pytest.approx(10.0, abs=1e-9)
    assert outage.end_s == pytest.approx(20.0, abs=1e-9)
    assert "no signal from 10.000 s" in outage.reason
    assert len(detection.events) == 3
    for event, true in zip(detection.events, truth["events"]):
        assert np.hypot(*(event.local[:2] - np.array(true["local"][:2]))) < 3.0
        assert ("S2" in event.used) == (true["time_s"] < 10.0)
    assert ("S2", outage.reason) in detection.events[2].rejected
