"""The deployment simulator, the in-memory free-field simulator, air absorption and
the weighting names, checked against the physics they model and independent oracles."""

import re
import wave
from pathlib import Path

import numpy as np
import pytest

import soundloc

CLIPS = Path(__file__).resolve().parents[2] / "datasets" / "clips"

# Five sensors about 40 m apart near the locar-aru9 site (UTM 12N), three events.
SENSORS = [
    ("A", [371296.0, 5934638.0, 738.0]),
    ("B", [371336.0, 5934640.0, 740.0]),
    ("C", [371330.0, 5934600.0, 736.0]),
    ("D", [371290.0, 5934598.0, 742.0]),
    ("E", [371313.0, 5934619.0, 748.0]),
]
EVENTS = [
    (1.0, [371310.0, 5934625.0, 739.0], "board_clap.wav", 105.0),
    (4.0, [371350.0, 5934580.0, 741.0], "glass_breaking.wav", 110.0),
    (8.0, [371270.0, 5934650.0, 745.0], "thunder.wav", 115.0),
]


def _spec(folder, seed=11):
    """Writes a small spec (14 s at the clips' 44.1 kHz) and returns its path."""
    lines = [
        'name = "python-test"',
        f"seed = {seed}",
        "sample_rate = 44100",
        "duration_s = 14.0",
        "full_scale_db = 130.0",
        "ground_alt_m = 730.0",
        "",
        "[air]",
        "temperature_c = 15.0",
        "humidity_percent = 60.0",
        "",
        "[coordinates]",
        'system = "utm"',
        "zone = 12",
        'hemisphere = "north"',
        "",
        "[propagation]",
        "ground_reflection = false",
        "clock_jitter_us = 30.0",
        "",
        "[background]",
        f'clip = "{(CLIPS / "city_ambience.wav").as_posix()}"',
        "level_db = 45.0",
    ]
    for sensor_id, position in SENSORS:
        lines += ["", "[[sensors]]", f'id = "{sensor_id}"', f"position = {position}"]
    for time_s, position, clip, level_db in EVENTS:
        lines += [
            "",
            "[[events]]",
            f"time_s = {time_s}",
            f"position = {position}",
            f'clip = "{(CLIPS / clip).as_posix()}"',
            f"level_db = {level_db}",
        ]
    path = Path(folder) / "spec.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _read_wav(path):
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return samples.astype(np.float64) / 32768.0, rate


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sim")
    out = folder / "out"
    truth = soundloc.simulate(_spec(folder), out)
    return truth, out, folder


def test_simulate_writes_the_recordings_scene_and_truth(simulated):
    truth, out, _ = simulated
    for sensor_id, _ in SENSORS:
        samples, rate = _read_wav(out / f"{sensor_id}.wav")
        assert rate == 44100
        assert len(samples) == 14 * 44100
    assert truth.scene_path == str(out / "scene.toml")
    assert Path(truth.scene_path).is_file()
    assert (out / "truth.json").is_file()
    assert (truth.name, truth.seed, truth.sample_rate) == ("python-test", 11, 44100)
    assert truth.coordinates == "utm"
    assert truth.warnings == []


def test_truth_matches_the_spec(simulated):
    truth, _, _ = simulated
    np.testing.assert_array_equal(
        truth.sensor_positions(), np.array([p for _, p in SENSORS])
    )
    np.testing.assert_array_equal(
        truth.event_positions(), np.array([p for _, p, _, _ in EVENTS])
    )
    assert [s.id for s in truth.sensors] == [i for i, _ in SENSORS]
    assert [e.clip for e in truth.events] == [c for _, _, c, _ in EVENTS]
    assert [e.time_s for e in truth.events] == [t for t, _, _, _ in EVENTS]
    assert [e.index for e in truth.events] == [0, 1, 2]

    # The local frame is the scene's: the same as a CoordinateFrame on the sensors.
    frame = soundloc.CoordinateFrame("utm", truth.sensor_positions(), zone=12)
    np.testing.assert_allclose(
        truth.sensor_positions(local=True),
        frame.to_local(truth.sensor_positions()),
        atol=1e-9,
    )
    np.testing.assert_allclose(
        truth.event_positions(local=True),
        frame.to_local(truth.event_positions()),
        atol=1e-9,
    )

    # Every arrival: straight-line distance over the truth's speed of sound, plus the
    # clock error (and no blocked paths in this spec).
    sensors_local = truth.sensor_positions(local=True)
    for event in truth.events:
        assert len(event.arrivals) == len(SENSORS)
        for arrival, sensor, local in zip(event.arrivals, truth.sensors, sensors_local):
            assert arrival.sensor == sensor.id
            distance = np.linalg.norm(event.local - local)
            assert arrival.distance_m == pytest.approx(distance, abs=1e-9)
            expected = event.time_s + distance / truth.speed_of_sound
            assert arrival.arrival_s == pytest.approx(
                expected + arrival.clock_error_s, abs=1e-12
            )
            assert not arrival.nlos and arrival.extra_delay_s == 0.0
            assert 0.0 < abs(arrival.clock_error_s) < 200e-6
            assert arrival.snr_db is not None and arrival.snr_db > 10.0


def test_recorded_onsets_are_at_the_truth_arrival_times(simulated):
    # Cross-correlate each recording with the clip around the truth's arrival; the
    # peak must sit within a sample of arrival_s * sample_rate.
    truth, out, _ = simulated
    for event in truth.events:
        clip, clip_rate = _read_wav(CLIPS / event.clip)
        assert clip_rate == truth.sample_rate
        for arrival in event.arrivals:
            recording, rate = _read_wav(out / f"{arrival.sensor}.wav")
            expected = arrival.arrival_s * rate
            start = int(expected) - 2000
            segment = recording[start : start + len(clip) + 4000]
            n_fft = 1 << int(np.ceil(np.log2(len(segment) + len(clip))))
            corr = np.fft.irfft(
                np.fft.rfft(segment, n_fft) * np.conj(np.fft.rfft(clip, n_fft)), n_fft
            )[: len(segment) - len(clip) + 1]
            found = start + int(np.argmax(corr))
            assert abs(found - expected) <= 1.0, (event.index, arrival.sensor)


def test_simulate_is_deterministic_per_seed(simulated, tmp_path):
    truth, out, folder = simulated
    again = soundloc.simulate(folder / "spec.toml", tmp_path / "again")
    for name in [f"{i}.wav" for i, _ in SENSORS] + ["truth.json", "scene.toml"]:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    assert [a.clock_error_s for a in again.events[0].arrivals] == [
        a.clock_error_s for a in truth.events[0].arrivals
    ]

    # Another seed draws another background and other clock errors.
    other_spec = _spec(tmp_path, seed=12)
    soundloc.simulate(other_spec, tmp_path / "other")
    assert (out / "A.wav").read_bytes() != (tmp_path / "other" / "A.wav").read_bytes()


def test_load_truth_reads_back_what_simulate_returned(simulated):
    truth, out, _ = simulated
    loaded = soundloc.load_truth(out / "truth.json")
    assert loaded.scene_path == str(out / "scene.toml")
    np.testing.assert_array_equal(loaded.event_positions(), truth.event_positions())
    np.testing.assert_array_equal(
        loaded.sensor_positions(local=True), truth.sensor_positions(local=True)
    )
    for a, b in zip(loaded.events, truth.events):
        for x, y in zip(a.arrivals, b.arrivals):
            fields = ("arrival_s", "distance_m", "snr_db", "clock_error_s", "sensor")
            assert [getattr(x, f) for f in fields] == [getattr(y, f) for f in fields]
    for a, b in zip(loaded.sensors, truth.sensors):
        assert (a.id, a.noise_db, a.peak, a.clipped_samples) == (
            b.id,
            b.noise_db,
            b.peak,
            b.clipped_samples,
        )


def test_simulate_and_load_truth_report_bad_files(tmp_path):
    with pytest.raises(soundloc.DataFileError, match="nowhere.toml"):
        soundloc.simulate(tmp_path / "nowhere.toml", tmp_path / "out")
    spec = _spec(tmp_path)
    spec.write_text(spec.read_text().replace("duration_s", "duration"))
    with pytest.raises(soundloc.DataFileError, match="duration"):
        soundloc.simulate(spec, tmp_path / "out")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(soundloc.DataFileError, match="bad.json"):
        soundloc.load_truth(tmp_path / "bad.json")


# --- simulate_array -------------------------------------------------------------------

RATE = 16000
MICS = np.array(
    [
        [0.0, 0.0, 0.0],
        [0.9, 0.1, 0.0],
        [0.2, 1.3, 0.1],
        [-0.7, 0.4, 0.5],
        [0.3, -0.8, -0.2],
    ]
)
SOURCE_POSITION = np.array([6.0, 3.5, 1.2])


def _white(n=2 * RATE, seed=5):
    return np.random.default_rng(seed).standard_normal(n)


def _window(distances, n_source, c=343.2):
    """Samples every microphone hears the source in, away from the faded edges."""
    arrivals = distances / c * RATE
    return int(np.ceil(arrivals.max())) + 100, int(arrivals.min()) + n_source - 100


def test_simulate_array_delays_are_distance_differences_over_c():
    source = _white()
    signals = soundloc.simulate_array(source, RATE, SOURCE_POSITION, MICS)
    distances = np.linalg.norm(MICS - SOURCE_POSITION, axis=1)
    assert signals.shape == (
        len(MICS),
        len(source) + int(np.ceil(distances.max() / 343.2 * RATE)),
    )
    assert signals.dtype == np.float64
    for j in range(1, len(MICS)):
        result = soundloc.gcc_phat(signals[0], signals[j], RATE, max_delay_s=0.01)
        expected_lag = (distances[j] - distances[0]) / 343.2 * RATE
        assert abs(result.lag - expected_lag) < 0.05, (j, result.lag, expected_lag)


def test_simulate_array_sample_zero_is_the_emission():
    # A band-limited burst: each channel is the burst evaluated r / c later, over r.
    n = np.arange(4000)

    def burst(t):
        return np.exp(-(((t - 2000.0) / 25.0) ** 2)) * np.cos(2 * np.pi * 0.06 * t)

    signals = soundloc.simulate_array(burst(n), RATE, SOURCE_POSITION, MICS)
    distances = np.linalg.norm(MICS - SOURCE_POSITION, axis=1)
    for channel, r in zip(signals, distances):
        lag = r / 343.2 * RATE
        oracle = burst(np.arange(len(channel)) - lag) / r
        assert np.max(np.abs(channel - oracle)) < 1e-9


def test_simulate_array_amplitudes_follow_one_over_r():
    source = _white()
    signals = soundloc.simulate_array(source, RATE, SOURCE_POSITION, MICS)
    distances = np.linalg.norm(MICS - SOURCE_POSITION, axis=1)
    first, last = _window(distances, len(source))
    rms = np.sqrt(np.mean(signals[:, first:last] ** 2, axis=1))
    np.testing.assert_allclose(rms / rms[0], distances[0] / distances, rtol=0.01)
    np.testing.assert_allclose(rms, np.std(source) / distances, rtol=0.02)

    # Without spreading every microphone hears the source at its own level.
    flat = soundloc.simulate_array(source, RATE, SOURCE_POSITION, MICS, spreading=False)
    rms = np.sqrt(np.mean(flat[:, first:last] ** 2, axis=1))
    np.testing.assert_allclose(rms, np.std(source), rtol=0.02)


@pytest.mark.parametrize("snr_db", [0.0, 12.0, 30.0])
def test_simulate_array_noise_is_at_the_requested_snr(snr_db):
    source = _white()
    clean = soundloc.simulate_array(source, RATE, SOURCE_POSITION, MICS)
    noisy = soundloc.simulate_array(
        source, RATE, SOURCE_POSITION, MICS, snr_db=snr_db, seed=9
    )
    distances = np.linalg.norm(MICS - SOURCE_POSITION, axis=1)
    first, last = _window(distances, len(source))
    noise = noisy - clean
    for m in range(len(MICS)):
        signal_power = np.mean(clean[m, first:last] ** 2)
        noise_power = np.mean(noise[m] ** 2)
        measured = 10 * np.log10(signal_power / noise_power)
        assert abs(measured - snr_db) < 0.5, (m, measured)
    # Independent noise per channel.
    assert abs(np.corrcoef(noise[0], noise[1])[0, 1]) < 0.02


def test_simulate_array_is_deterministic_per_seed():
    source = _white(4000).astype(np.float32)
    run = lambda seed: soundloc.simulate_array(  # noqa: E731
        source, RATE, SOURCE_POSITION, MICS, snr_db=10.0, seed=seed
    )
    np.testing.assert_array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))
    # int16 and float32 sources are widened exactly.
    pcm = (source * 1000).astype(np.int16)
    np.testing.assert_array_equal(
        soundloc.simulate_array(pcm, RATE, SOURCE_POSITION, MICS),
        soundloc.simulate_array(pcm.astype(np.float64), RATE, SOURCE_POSITION, MICS),
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"source_position": MICS[2]}, "source_position.*microphone 2"),
        ({"source_position": [1.0, np.nan, 0.0]}, "source_position"),
        ({"source": np.array([1.0, np.inf, 0.0])}, "source"),
        ({"mic_positions": [[0.0, 0.0, np.nan]]}, r"mic_positions\[0\]"),
        ({"source": np.zeros((2, 100))}, "source"),
        ({"source": np.ones(100, dtype=np.complex128)}, "source"),
        ({"mic_positions": np.zeros((3, 2))}, "mic_positions"),
        ({"mic_positions": np.zeros((0, 3))}, "mic_positions"),
        ({"source_position": [1.0, 2.0]}, "source_position"),
        ({"source_position": [[1.0, 2.0, 3.0]] * 2}, "source_position"),
        ({"sample_rate": 16000.5}, "sample_rate"),
        ({"sample_rate": -1.0}, "sample_rate"),
        ({"speed_of_sound": 0.0}, "speed_of_sound"),
        ({"snr_db": np.nan}, "snr_db"),
        ({"seed": -1}, "seed"),
        ({"source": np.zeros(100), "snr_db": 10.0}, "silence"),
        ({"source_position": [1e9, 0.0, 0.0]}, "source_position"),
    ],
)
def test_simulate_array_rejects_bad_input(kwargs, match):
    arguments = {
        "source": _white(100),
        "sample_rate": RATE,
        "source_position": SOURCE_POSITION,
        "mic_positions": MICS,
    }
    arguments.update(kwargs)
    positional = [arguments.pop(k) for k in ("source", "sample_rate")]
    positional += [arguments.pop(k) for k in ("source_position", "mic_positions")]
    with pytest.raises(soundloc.InvalidInputError, match=match):
        soundloc.simulate_array(*positional, **arguments)


# --- air absorption -------------------------------------------------------------------

# ISO 9613-2:1996, Table 2, "Atmospheric attenuation coefficient for octave bands of
# noise", dB/km, at 101.325 kPa, computed by the standard from ISO 9613-1 at the exact
# midband frequencies (1000 * 10 ** (0.3 k) Hz: 250 is 251.2, 8000 is 7943). Only the
# entries of 2 dB/km and more, where the table's rounding to 0.1 dB is below 5 %.
ISO_9613_2_TABLE_2 = {
    # (temperature_c, humidity_percent): {octave_hz: dB/km}
    (10.0, 70.0): {1000: 3.7, 2000: 9.7, 4000: 32.8, 8000: 117.0},
    (20.0, 70.0): {500: 2.8, 1000: 5.0, 2000: 9.0, 4000: 22.9, 8000: 76.6},
    (30.0, 70.0): {500: 3.1, 1000: 7.4, 2000: 12.7, 4000: 23.1, 8000: 59.3},
    (15.0, 20.0): {500: 2.7, 1000: 8.2, 2000: 28.2, 4000: 88.8, 8000: 202.0},
    (15.0, 50.0): {500: 2.2, 1000: 4.2, 2000: 10.8, 4000: 36.2, 8000: 129.0},
    (15.0, 80.0): {500: 2.4, 1000: 4.1, 2000: 8.3, 4000: 23.7, 8000: 82.8},
}


@pytest.mark.parametrize("air", sorted(ISO_9613_2_TABLE_2))
def test_air_absorption_matches_the_iso_table(air):
    temperature_c, humidity_percent = air
    for octave_hz, table_db_per_km in ISO_9613_2_TABLE_2[air].items():
        exact_hz = 1000.0 * 10 ** (0.3 * round(np.log2(octave_hz / 1000)))
        got = 1000 * soundloc.air_absorption_db_per_m(
            exact_hz, temperature_c, humidity_percent
        )
        assert got == pytest.approx(table_db_per_km, rel=0.05), (air, octave_hz, got)


def test_air_absorption_takes_arrays_and_altitude():
    frequencies = np.array([[500.0, 1000.0], [2000.0, 4000.0]])
    table = soundloc.air_absorption_db_per_m(frequencies, 20.0, 70.0)
    assert table.shape == (2, 2) and table.dtype == np.float64
    for value, f in zip(table.ravel(), frequencies.ravel()):
        assert value == soundloc.air_absorption_db_per_m(f, 20.0, 70.0)
    assert soundloc.air_absorption_db_per_m([0.0], 20.0, 70.0)[0] == 0.0
    assert isinstance(soundloc.air_absorption_db_per_m(1000), float)

    # Thinner air at altitude: the relaxation frequencies scale with pressure, and
    # ISO 9613-1 gives a different coefficient at 2 km than at sea level.
    sea = soundloc.air_absorption_db_per_m(4000.0, 15.0, 50.0)
    high = soundloc.air_absorption_db_per_m(4000.0, 15.0, 50.0, 2000.0)
    assert high != pytest.approx(sea, rel=0.01)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((-1.0,), "frequency_hz"),
        ((np.nan,), "frequency_hz"),
        (([100.0, np.inf],), r"frequency_hz\[1\]"),
        ((["a"],), "frequency_hz"),
        ((1000.0, 200.0), "temperature_c"),
        ((1000.0, 20.0, 120.0), "humidity_percent"),
        ((1000.0, 20.0, 50.0, 50_000.0), "altitude_m"),
    ],
)
def test_air_absorption_rejects_bad_input(args, match):
    with pytest.raises(soundloc.InvalidInputError, match=match):
        soundloc.air_absorption_db_per_m(*args)


# --- weightings -----------------------------------------------------------------------


def test_weightings_are_what_the_parser_accepts(pair_4096):
    x_i, x_j = pair_4096
    assert soundloc.WEIGHTINGS == ("cc", "phat", "scot", "roth", "ht")
    for name in soundloc.WEIGHTINGS + ("phat-beta:0.7", "none", "ml", "PHAT"):
        result = soundloc.gcc_phat(x_i, x_j, 16000.0, weighting=name)
        assert result.lag == pytest.approx(37.0, abs=0.05), name
    for name in ("fancy", "phat-beta", "phat-beta:2", "", "phat_beta"):
        with pytest.raises(soundloc.InvalidInputError, match="weighting"):
            soundloc.gcc_phat(x_i, x_j, 16000.0, weighting=name)


def test_load_truth_reads_the_shipped_urban_demo():
    # The committed truth of datasets/urban-demo against its simulation spec.
    folder = CLIPS.parent / "urban-demo"
    truth = soundloc.load_truth(folder / "truth.json")
    assert truth.scene_path == str(folder / "scene.toml")
    spec = (folder / "simulation.toml").read_text()
    ids = re.findall(r'^id = "([^"]+)"', spec, flags=re.MULTILINE)
    positions = re.findall(r"^position = \[([^\]]+)\]", spec, flags=re.MULTILINE)
    positions = np.array([[float(v) for v in p.split(",")] for p in positions])
    n_sensors = len(ids)
    assert [s.id for s in truth.sensors] == ids
    np.testing.assert_array_equal(truth.sensor_positions(), positions[:n_sensors])
    np.testing.assert_array_equal(truth.event_positions(), positions[n_sensors:])
    assert truth.coordinates == "wgs84" and truth.sample_rate == 48000
    assert "urban-demo" in repr(truth)
