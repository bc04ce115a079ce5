#!/usr/bin/env python3
"""soundloc side by side with the tools people use instead, on the same inputs, in one run.

Every stage of the pipeline is fed the same data, in the same process, to soundloc
(from Python and, where it makes sense, the CLI as a whole process) and to the usual
alternatives: a plain numpy GCC-PHAT written as a researcher would write it,
pyroomacoustics (``experimental.tdoa``, ``experimental.tdoa_loc``, ``doa`` SRP and
MUSIC) and scipy ``least_squares``. It prints one table (time per call, ratio to
soundloc, accuracy) and writes it to ``benches/RESULTS.md`` with the machine, the
versions, the command and the date. Not a timed test: run it by hand on a quiet machine.

    .venv/bin/python benches/compare.py [--quick] [--no-write] [--criterion]

``--criterion`` also runs two criterion benches (``cargo bench``): GCC-PHAT against the
bare FFTs it needs (realfft forward and inverse at the same padded sizes), and all pairs
on one rayon thread against the default pool; their medians go below the table.

Stages, and what is SIMULATED:

1. GCC-PHAT, one pair, frames of 1024, 4096 and 48000 samples at 48 kHz. SIMULATED:
   white noise and a copy delayed by an exact fractional delay (a phase ramp on its
   spectrum, ``doa_compare.delayed_noise``), each with its own sensor noise at 20 dB
   SNR. Error: ``|lag - true lag|`` in samples, median over the trials.
2. All pairs of 16 channels x 1 s at 48 kHz. SIMULATED: 16 microphones at random in a
   2 m cube, a source 5 m away, exact fractional delays, 20 dB SNR. Error: median over
   the 120 pairs of ``|lag - true lag|``, samples. The threads speed-up runs soundloc's
   all-pairs call in two child processes, ``RAYON_NUM_THREADS=1`` and the default.
3. Multilateration with covariance, 8 sensors, 3-D. SIMULATED: sensors at random in a
   100 m x 100 m x 10 m box, sources at random inside it, arrival times with 20 us of
   Gaussian noise, the same noisy delays for every tool. Error: median distance to the
   true source, metres.
4. DOA, SRP-PHAT and MUSIC. SIMULATED: ``doa_compare``'s 16-capsule array and plane wave
   at 16 kHz, its STFT computed once by ``soundloc.stft`` and given to both libraries,
   2562 directions each. Error: angle to the true direction, degrees.
5. The main job on the real recordings of ``datasets/locar-aru9``: ``soundloc locate``
   (the CLI, as a process) and ``Scene.locate_events`` against the same steps in numpy
   and scipy (read the WAVs, GCC-PHAT in each event's band to its reference sensor
   within the physical lag limit, parabolic peak, ``least_squares`` in the scene's
   height bounds). Error: median horizontal distance to the positions locaR found
   (its ``_Localized.csv``; heights are poorly observed by this layout), metres; the
   note gives the horizontal distance to soundloc's answer.

Times are the median of several repeats after one warm-up call, by ``time.perf_counter``.
The ratio is a tool's time over soundloc's in the same stage (planned ``GccPhat`` for
one pair, ``gcc_phat_all_pairs``, ``locate``, ``SrpPhat``/``Music``, ``Scene``): above 1,
soundloc is that many times faster.
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyroomacoustics as pra
import scipy
from scipy.io import wavfile
from scipy.optimize import least_squares

import soundloc

ROOT = Path(__file__).resolve().parent.parent
SCENE = ROOT / "datasets" / "locar-aru9" / "scene.toml"
LOCALIZED = ROOT / "datasets" / "locar-aru9" / "Vignette_Detections_20200617_090000_Localized.csv"
FS = 48_000.0
C = 343.0
GCC_FRAMES = (1024, 4096, 48_000)
SNR_NOISE = 0.1  # sensor noise std over signal std: 20 dB
N_PAIRS_MICS = 16
MULTILATERATION_SENSORS = 8
DELAY_STD_S = 2e-5


def _load_doa_compare():
    """``benches/doa_compare.py`` as a module, without its one-thread settings.

    It pins rayon, OpenMP and OpenBLAS to one thread when imported (it measures one
    core); this comparison uses the default pool, so the environment is put back.
    """
    saved = dict(os.environ)
    spec = importlib.util.spec_from_file_location("doa_compare", Path(__file__).with_name("doa_compare.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.environ.clear()
    os.environ.update(saved)
    return module


doa_compare = _load_doa_compare()


@dataclass
class Row:
    """One tool in one stage: its time per call and its error on the same data."""

    stage: str
    tool: str
    seconds: float
    error: float
    unit: str
    reference: bool = False
    note: str = ""


def median_time(call, repeats):
    """Median wall time of ``call()`` over ``repeats`` runs after one warm-up, seconds."""
    call()
    times = []
    for _ in range(max(1, repeats)):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return float(np.median(times))


# ---------------------------------------------------------------- the numpy researcher


def numpy_gcc_phat(x_i, x_j, *, max_lag=None, band_hz=None, fs=None, interp=1):
    """GCC-PHAT delay ``t_j - t_i`` in samples, as a researcher writes it with numpy.

    Both signals are zero-padded to twice their length (a linear, not circular,
    correlation), their cross-spectrum is divided by its magnitude, bins outside
    ``band_hz`` are zeroed (a time-domain band-pass before it would be undone by the
    whitening), and the inverse FFT is searched for its highest value within
    ``max_lag`` samples.

    Two ways of going below a sample, the two that published numpy snippets use:

    - ``interp=1``: a parabola through the peak and its two neighbours (lean, and
      biased on PHAT's narrow peaks);
    - ``interp > 1``: the inverse FFT is taken ``interp`` times longer (the spectrum
      zero-padded), so the correlation is sampled every ``1 / interp`` samples and the
      best of those is the delay. ``interp=16`` is the default of the GCC-PHAT recipe
      most often copied between projects.
    """
    n = len(x_i)
    n_fft = 2 * n
    cross = np.fft.rfft(x_j, n_fft) * np.conj(np.fft.rfft(x_i, n_fft))
    cross /= np.abs(cross) + 1e-12
    if band_hz is not None:
        freqs = np.fft.rfftfreq(n_fft, 1.0 / fs)
        cross[(freqs < band_hz[0]) | (freqs > band_hz[1])] = 0.0
    corr = np.fft.irfft(cross, interp * n_fft)
    whole = n - 1 if max_lag is None else max(1, min(int(np.ceil(max_lag)), n - 1))
    reach = whole * interp
    window = np.concatenate([corr[-reach:], corr[: reach + 1]])  # lags -reach..reach, 1/interp apart
    k = int(np.argmax(window))
    lag = float(k - reach)
    if interp == 1 and 0 < k < len(window) - 1:
        left, mid, right = window[k - 1 : k + 2]
        curvature = left - 2.0 * mid + right
        if curvature < 0.0:
            lag += 0.5 * (left - right) / curvature
    return lag / interp


#: The numpy recipes of the comparison: label -> ``numpy_gcc_phat`` settings.
NUMPY_RECIPES = {
    "parabolic peak": {"interp": 1},
    "16x interpolated (the common recipe)": {"interp": 16},
}


def scipy_locate(mics, delays_s, c, delay_std_s, *, x0=None, z_bounds=None):
    """Source position and covariance by ``least_squares`` on TDOA residuals.

    ``delays_s[k] = t_{k+1} - t_0``. Residuals are path differences in metres; the
    covariance is ``(c * delay_std_s)^2 (J^T J)^-1`` from the Jacobian at the solution.
    """

    def residuals(x):
        ranges = np.linalg.norm(mics - x, axis=1)
        return ranges[1:] - ranges[0] - c * delays_s

    start = mics.mean(axis=0) if x0 is None else x0
    bounds = (-np.inf, np.inf)
    if z_bounds is not None:
        low, high = z_bounds
        start = start.copy()
        start[2] = np.clip(start[2], low + 1e-3, high - 1e-3)
        bounds = ([-np.inf, -np.inf, low], [np.inf, np.inf, high])
    fit = least_squares(residuals, start, bounds=bounds)
    covariance = (c * delay_std_s) ** 2 * np.linalg.pinv(fit.jac.T @ fit.jac)
    return fit.x, covariance


# ---------------------------------------------------------------- 1. GCC-PHAT, one pair


def gcc_inputs(n, trials, seed=0):
    """``trials`` SIMULATED pairs ``(x_i, x_j, true_lag)`` of ``n`` samples, 20 dB SNR."""
    rng = np.random.default_rng(seed + n)
    inputs = []
    for _ in range(trials):
        lag = rng.uniform(-20.0, 20.0)
        x_i, x_j = doa_compare.delayed_noise([0.0, lag], n, rng)
        x_i = x_i + SNR_NOISE * rng.standard_normal(n)
        x_j = x_j + SNR_NOISE * rng.standard_normal(n)
        inputs.append((x_i, x_j, lag))
    return inputs


class CliPair:
    """One pair of WAV files and a two-sensor scene for ``soundloc tdoa``, in a temp folder.

    The sensors are 1 m apart (a lag limit of 140 samples at 48 kHz); the one event is
    the whole frame, the first sensor its reference. WAVs are 32-bit float.
    """

    def __init__(self, binary, folder, x_i, x_j):
        self.binary = binary
        self.scene = Path(folder) / "pair.toml"
        wavfile.write(Path(folder) / "i.wav", int(FS), x_i.astype(np.float32))
        wavfile.write(Path(folder) / "j.wav", int(FS), x_j.astype(np.float32))
        self.scene.write_text(
            "[air]\nspeed_of_sound = 343.0\n\n[coordinates]\nsystem = \"local\"\n\n"
            '[[sensors]]\nid = "i"\nposition = [0.0, 0.0, 0.0]\naudio = "i.wav"\n\n'
            '[[sensors]]\nid = "j"\nposition = [1.0, 0.0, 0.0]\naudio = "j.wav"\n\n'
            f'[[events]]\nstart_s = 0.0\nend_s = {len(x_i) / FS!r}\nsensors = ["i", "j"]\n'
        )

    def lag(self):
        """The delay ``t_j - t_i`` the CLI prints, samples (one whole process)."""
        done = subprocess.run(
            [str(self.binary), "tdoa", str(self.scene), "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode not in (0, 1):
            raise RuntimeError(f"soundloc tdoa on {self.scene} exited {done.returncode}: {done.stderr.strip()}")
        event = json.loads(done.stdout)["events"][0]
        if event.get("error"):
            raise RuntimeError(f"soundloc tdoa on {self.scene}: {event['error']}")
        delay = next(d for d in event["delays"] if d["sensor"] == "j")
        return delay["delay_s"] * FS


def compare_gcc(n, trials, repeats, cli=None):
    """Stage 1 for frames of ``n`` samples: rows for every tool."""
    inputs = gcc_inputs(n, trials)
    planned = soundloc.GccPhat(n, FS)
    tools = {
        "soundloc GccPhat.tdoa (planned)": lambda a, b: planned.tdoa(a, b).lag,
        "soundloc gcc_phat": lambda a, b: soundloc.gcc_phat(a, b, FS).lag,
        **{f"numpy, {label}": _numpy_tool(settings) for label, settings in NUMPY_RECIPES.items()},
        "pyroomacoustics tdoa": lambda a, b: -pra.experimental.tdoa(a, b, fs=FS, phat=True) * FS,
        "pyroomacoustics tdoa interp=4": lambda a, b: -pra.experimental.tdoa(a, b, interp=4, fs=FS, phat=True)
        * FS,
    }
    stage = f"GCC-PHAT, 1 pair, {n}"
    x_i, x_j, _ = inputs[0]
    rows = []
    for name, tool in tools.items():
        errors = [abs(tool(a, b) - lag) for a, b, lag in inputs]
        seconds = median_time(lambda: tool(x_i, x_j), repeats)
        rows.append(Row(stage, name, seconds, float(np.median(errors)), "samples", reference="planned" in name))
    if cli is not None:
        rows.append(_cli_gcc_row(stage, cli, inputs, repeats))
    return rows


def _numpy_tool(settings):
    return lambda a, b: numpy_gcc_phat(a, b, **settings)


def _cli_gcc_row(stage, binary, inputs, repeats):
    """``soundloc tdoa`` on WAV files, one process per call."""
    errors = []
    with tempfile.TemporaryDirectory(prefix="soundloc-compare-") as folder:
        for a, b, lag in inputs:
            errors.append(abs(CliPair(binary, folder, a, b).lag() - lag))
        first = CliPair(binary, folder, *inputs[0][:2])
        seconds = median_time(first.lag, repeats)
    return Row(stage, "soundloc CLI tdoa (process, WAV)", seconds, float(np.median(errors)), "samples")


# ---------------------------------------------------------------- 2. all pairs


def all_pairs_input(n_mics=N_PAIRS_MICS, n=int(FS), seed=3):
    """SIMULATED ``(signals, true_lags, max_delay_s)``.

    ``true_lags[i, j] = t_j - t_i`` in samples; ``max_delay_s[i, j]`` is the pair's
    distance over the speed of sound plus one sample, the physical limit a user with
    the array's geometry would give.
    """
    rng = np.random.default_rng(seed)
    mics = rng.uniform(0.0, 2.0, (n_mics, 3))
    source = np.array([6.0, 4.0, 1.5])
    arrivals = np.linalg.norm(mics - source, axis=1) / C * FS
    arrivals -= arrivals.min()
    signals = doa_compare.delayed_noise(arrivals, n, rng)
    signals += SNR_NOISE * signals.std() * rng.standard_normal(signals.shape)
    distances = np.linalg.norm(mics[:, None, :] - mics[None, :, :], axis=2)
    max_delay_s = distances / C + 1.0 / FS
    return np.ascontiguousarray(signals), arrivals[None, :] - arrivals[:, None], max_delay_s


def numpy_all_pairs(signals, **settings):
    """The numpy GCC-PHAT over every pair ``i < j``, one call per pair: ``{(i, j): lag}``."""
    n_mics = len(signals)
    return {
        (i, j): numpy_gcc_phat(signals[i], signals[j], **settings)
        for i in range(n_mics)
        for j in range(i + 1, n_mics)
    }


def compare_all_pairs(repeats, n=int(FS)):
    """Stage 2: soundloc's all-pairs calls against the numpy loops over pairs.

    The reference is soundloc searching every lag, as the numpy loops do; a second
    soundloc row gives it each pair's physical limit (numpy's cost would not change).
    """
    signals, truth, max_delay_s = all_pairs_input(n=n)
    planned = soundloc.GccPhat(signals.shape[1], FS)
    n_pairs = len(signals) * (len(signals) - 1) // 2

    def pairs_error(lags):
        return float(np.median([abs(lag - truth[i, j]) for (i, j), lag in lags.items()]))

    def from_result(result):
        return {(int(i), int(j)): lag for (i, j), lag in zip(result.pairs, result.lag)}

    tools = {
        "soundloc gcc_phat_all_pairs": lambda: from_result(soundloc.gcc_phat_all_pairs(signals, FS)),
        "soundloc GccPhat.tdoa_all_pairs (planned)": lambda: from_result(planned.tdoa_all_pairs(signals)),
        "soundloc gcc_phat_all_pairs, max_delay_s from the geometry": lambda: from_result(
            soundloc.gcc_phat_all_pairs(signals, FS, max_delay_s=max_delay_s)
        ),
        **{
            f"numpy, {label}, loop over the {n_pairs} pairs": (
                lambda settings=settings: numpy_all_pairs(signals, **settings)
            )
            for label, settings in NUMPY_RECIPES.items()
        },
    }
    stage = f"all pairs, {len(signals)} x {signals.shape[1]}"
    reference = "soundloc gcc_phat_all_pairs"
    rows = []
    for name, tool in tools.items():
        # The interpolated loop takes seconds a call: fewer repeats.
        times = repeats if "interpolated" not in name else max(1, repeats // 3)
        rows.append(Row(stage, name, median_time(tool, times), pairs_error(tool()), "samples", name == reference))
    return rows


def threads_probe(repeats):
    """Median seconds of ``gcc_phat_all_pairs`` on the stage-2 input, in this process."""
    signals, _, _ = all_pairs_input()
    return median_time(lambda: soundloc.gcc_phat_all_pairs(signals, FS), repeats)


def threads_rows(repeats):
    """The all-pairs call in child processes with one rayon thread and with the default."""
    stage = f"all pairs, {N_PAIRS_MICS} x {int(FS)}"
    rows = []
    for label, threads in (("default threads", None), ("RAYON_NUM_THREADS=1", "1")):
        env = {k: v for k, v in os.environ.items() if k != "RAYON_NUM_THREADS"}
        if threads:
            env["RAYON_NUM_THREADS"] = threads
        done = subprocess.run(
            [sys.executable, __file__, "--threads-probe", str(repeats)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = json.loads(done.stdout)["seconds"]
        rows.append(Row(stage, f"soundloc gcc_phat_all_pairs, {label} (child)", seconds, float("nan"), ""))
    return rows


# ---------------------------------------------------------------- 3. multilateration


def multilateration_inputs(trials, seed=11):
    """SIMULATED ``(mics, source, arrivals_s)``: 8 sensors, noisy arrival times."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(trials):
        mics = np.column_stack([rng.uniform(0.0, 100.0, (MULTILATERATION_SENSORS, 2)), rng.uniform(0.0, 10.0, 8)])
        source = np.array([*rng.uniform(10.0, 90.0, 2), rng.uniform(1.0, 9.0)])
        arrivals = np.linalg.norm(mics - source, axis=1) / C + rng.normal(0.0, DELAY_STD_S, 8)
        cases.append((mics, source, arrivals))
    return cases


def multilateration_tools():
    """Each tool as ``f(mics, arrivals_s) -> position``, all given the same delays."""

    def ours(mics, arrivals):
        rows = [(0, k, arrivals[k] - arrivals[0]) for k in range(1, len(mics))]
        return soundloc.locate(mics, rows, speed_of_sound=C, delay_std_s=DELAY_STD_S).position

    def theirs_scipy(mics, arrivals):
        return scipy_locate(mics, arrivals[1:] - arrivals[0], C, DELAY_STD_S)[0]

    def theirs_pra(mics, arrivals):
        return pra.experimental.tdoa_loc(mics.T, arrivals - arrivals[0], C)

    return {
        "soundloc locate (with covariance)": ours,
        "scipy least_squares (+ covariance from J)": theirs_scipy,
        "pyroomacoustics tdoa_loc (closed form)": theirs_pra,
    }


def compare_multilateration(trials, repeats):
    """Stage 3: position error over ``trials`` sources, time per call on the first."""
    cases = multilateration_inputs(trials)
    stage = f"multilateration, {MULTILATERATION_SENSORS} sensors, 3-D"
    rows = []
    for name, tool in multilateration_tools().items():
        errors = []
        for mics, source, arrivals in cases:
            try:
                errors.append(float(np.linalg.norm(tool(mics, arrivals) - source)))
            except (soundloc.LocalizationError, np.linalg.LinAlgError):
                errors.append(float("inf"))
        mics, _, arrivals = cases[0]
        seconds = median_time(lambda: tool(mics, arrivals), repeats)
        failed = sum(np.isinf(errors))
        note = f"{failed} of {len(cases)} failed" if failed else ""
        rows.append(Row(stage, name, seconds, float(np.median(errors)), "m", name.startswith("soundloc"), note))
    return rows


# ---------------------------------------------------------------- 4. DOA


def compare_doa(seconds_of_audio, repeats):
    """Stage 4: SRP-PHAT and MUSIC of both libraries on the same STFT frames."""
    dc = doa_compare
    mics = dc.two_ring_array()
    spectra = soundloc.stft(dc.simulate(mics, seconds_of_audio), dc.NFFT, dc.HOP)
    grid = soundloc.SearchGrid.sphere(4)
    common = {"sample_rate": dc.FS, "fft_len": dc.NFFT, "freq_range_hz": dc.BAND, "speed_of_sound": dc.C}
    srp = soundloc.SrpPhat(mics, grid, **common)
    music = soundloc.Music(mics, grid, normalise=False, **common)
    pra_args = {"c": dc.C, "num_src": 1, "dim": 3, "n_grid": 2562}
    pra_srp = pra.doa.algorithms["SRP"](mics.T, dc.FS, dc.NFFT, **pra_args)
    pra_music = pra.doa.algorithms["MUSIC"](mics.T, dc.FS, dc.NFFT, **pra_args)

    def ours(method):
        found = method.process_spectra(spectra)[0]
        return found.azimuth, found.colatitude

    def theirs(method):
        method.locate_sources(spectra, freq_range=list(dc.BAND))
        return float(method.azimuth_recon[0]), float(method.colatitude_recon[0])

    stage_srp = f"DOA SRP-PHAT, 16 mics, {spectra.shape[2]} frames"
    stage_music = f"DOA MUSIC, 16 mics, {spectra.shape[2]} frames"
    cases = (
        (stage_srp, "soundloc SrpPhat.process_spectra", lambda: ours(srp), True),
        (stage_srp, "pyroomacoustics doa SRP", lambda: theirs(pra_srp), False),
        (stage_music, "soundloc Music.process_spectra (plain)", lambda: ours(music), True),
        (stage_music, "pyroomacoustics doa MUSIC", lambda: theirs(pra_music), False),
    )
    return [
        Row(stage, name, median_time(call, repeats), float(dc.angle_deg(*call())), "deg", reference)
        for stage, name, call, reference in cases
    ]


# ---------------------------------------------------------------- 5. the main job


def numpy_main_job(scene_path=SCENE, **settings):
    """The main job in numpy and scipy: one position per event, scene coordinates.

    Reads the scene (TOML) and the WAVs, and for each event measures the delay of
    every listed sensor to the first (its reference) by :func:`numpy_gcc_phat` (with
    ``settings``, one of :data:`NUMPY_RECIPES`) in the event's band within the pair's
    lag limit (distance over the speed of sound), then
    solves by :func:`scipy_locate` in the scene's height bounds. UTM metres are used as
    Cartesian, about the sensors' mean. No sensor is ever left out.
    """
    scene = tomllib.loads(Path(scene_path).read_text())
    folder = Path(scene_path).parent
    ids = [sensor["id"] for sensor in scene["sensors"]]
    positions = np.array([sensor["position"] for sensor in scene["sensors"]], dtype=float)
    origin = positions.mean(axis=0)
    local = positions - origin
    audio, fs = {}, None
    for sensor in scene["sensors"]:
        fs, data = wavfile.read(folder / sensor["audio"])
        audio[sensor["id"]] = data.astype(np.float64)
    c = 331.3 * np.sqrt(1.0 + scene["air"]["temperature_c"] / 273.15)
    solver = scene.get("solver", {})
    z_bounds = (solver["height_min_m"] - origin[2], solver["height_max_m"] - origin[2])
    found = []
    for event in scene["events"]:
        found.append(origin + _numpy_event(event, ids, local, audio, fs, c, z_bounds, settings))
    return found


def _numpy_event(event, ids, local, audio, fs, c, z_bounds, settings):
    """One event's local position: GCC to the reference, then least squares."""
    names = event["sensors"]
    where = [ids.index(name) for name in names]
    start, end = int(round(event["start_s"] * fs)), int(round(event["end_s"] * fs))
    reference = audio[names[0]][start:end]
    delays_s = []
    for name, k in zip(names[1:], where[1:]):
        max_lag = np.linalg.norm(local[k] - local[where[0]]) / c * fs
        segment = audio[name][start:end]
        lag = numpy_gcc_phat(reference, segment, max_lag=max_lag, band_hz=event["band_hz"], fs=fs, **settings)
        delays_s.append(lag / fs)
    mics = local[where]
    return scipy_locate(mics, np.array(delays_s), c, 1.0 / fs, z_bounds=z_bounds)[0]


def locar_positions(scene_path=SCENE, localized=LOCALIZED):
    """locaR's positions for the scene's events, matched on the window, or None."""
    if not Path(localized).exists():
        return None
    rows = np.genfromtxt(localized, delimiter=",", names=True, dtype=None, encoding="utf-8")
    by_window = {(round(float(r["From"]), 3), round(float(r["To"]), 3)): r for r in rows}
    events = tomllib.loads(Path(scene_path).read_text())["events"]
    picked = [by_window[(round(e["start_s"], 3), round(e["end_s"], 3))] for e in events]
    return [np.array([r["Easting"], r["Northing"], r["Elevation"]], dtype=float) for r in picked]


def cli_main_job(binary, scene_path=SCENE):
    """``soundloc locate --format json`` as a process: one position per event."""
    done = subprocess.run(
        [str(binary), "locate", str(scene_path), "--format", "json"], capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"soundloc locate {scene_path} exited {done.returncode}: {done.stderr.strip()}")
    return [np.array(e["position"], dtype=float) for e in json.loads(done.stdout)["events"]]


def python_main_job(scene_path=SCENE):
    """``Scene.from_file(...).locate_events()``: a fresh scene, so the WAVs are read too."""
    return [np.array(e.position, dtype=float) for e in soundloc.Scene.from_file(str(scene_path)).locate_events()]


def median_horizontal_distance(found, truth):
    """Median over events of the east-north distance, metres (heights are poorly observed)."""
    return float(np.median([np.linalg.norm(a[:2] - b[:2]) for a, b in zip(found, truth)]))


def compare_main_job(repeats, cli=None):
    """Stage 5: the main job end to end, every tool against locaR and soundloc."""
    stage = "main job, locar-aru9, 7 events"
    locar = locar_positions()
    tools = {"soundloc Scene.locate_events": python_main_job}
    if cli is not None:
        tools["soundloc CLI locate (process)"] = lambda: cli_main_job(cli)
    for label, settings in NUMPY_RECIPES.items():
        tools[f"numpy + scipy, same steps, {label}"] = lambda settings=settings: numpy_main_job(**settings)
    answers = {name: tool() for name, tool in tools.items()}
    ours = answers["soundloc Scene.locate_events"]
    rows = []
    for name, tool in tools.items():
        error = median_horizontal_distance(answers[name], locar) if locar is not None else float("nan")
        note = f"{median_horizontal_distance(answers[name], ours):.2f} m from soundloc (horizontal)"
        seconds = median_time(tool, repeats)
        reference = name.startswith("soundloc Scene")
        rows.append(Row(stage, name, seconds, error, "m from locaR (horizontal)", reference, note))
    return rows


# ---------------------------------------------------------------- criterion: the limit, threads

#: GCC-PHAT (default settings, every lag), the bare FFTs it needs and the PHAT floor, per
#: frame length.
CRITERION_GCC_FILTER = r"^(gcc_phat/(1024|4096|48000)/phat$|fft_only/(1024|4096|48000)/)"
#: All pairs of 16 channels, timed once on one rayon thread and once on the default pool.
CRITERION_THREADS_FILTER = r"^gcc_all_pairs/16x(4096|48000)/tdoa_all_pairs$"


def run_criterion(bench, filter_, seconds, threads=None):
    """``cargo bench`` of one bench binary, filtered; criterion keeps its estimates in
    ``target/criterion``."""
    env = {k: v for k, v in os.environ.items() if k != "RAYON_NUM_THREADS"}
    if threads is not None:
        env["RAYON_NUM_THREADS"] = str(threads)
    command = ["cargo", "bench", "--locked", "-p", "soundloc-benches", "--bench", bench, "--"]
    command += ["--warm-up-time", "1", "--measurement-time", str(seconds), filter_]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")


def criterion_median(group, *names):
    """The median time criterion estimated in its latest run of ``group/names...``, s."""
    folder = ROOT / "target" / "criterion" / group.replace("/", "_")
    estimates = folder.joinpath(*names, "new", "estimates.json")
    return json.loads(estimates.read_text())["median"]["point_estimate"] * 1e-9


#: Rounds of each criterion run; each bench keeps its fastest median (a shared or
#: virtual machine slows whole runs now and then, never speeds one up).
CRITERION_ROUNDS = 2


def criterion_section(quick):
    """Markdown: GCC-PHAT over its bare FFTs, and the all-pairs speed-up of two threads."""
    seconds = 1 if quick else 5
    frames = (1024, 4096, 48_000)
    fft_lens, gcc, fft, floor = {}, {}, {}, {}
    for _ in range(CRITERION_ROUNDS):
        run_criterion("gcc_phat", CRITERION_GCC_FILTER, seconds)
        for frame in frames:
            fft_folder = ROOT / "target" / "criterion" / f"fft_only_{frame}" / "fwd_fwd_inv"
            fft_lens[frame] = next(p.name for p in fft_folder.iterdir() if p.is_dir() and p.name.isdigit())
            gcc[frame] = min(gcc.get(frame, np.inf), criterion_median(f"gcc_phat/{frame}", "phat"))
            fft[frame] = min(
                fft.get(frame, np.inf), criterion_median(f"fft_only/{frame}", "fwd_fwd_inv", fft_lens[frame])
            )
            floor[frame] = min(
                floor.get(frame, np.inf), criterion_median(f"fft_only/{frame}", "phat_floor", fft_lens[frame])
            )
    lines = [
        "## GCC-PHAT against the bare FFTs it needs (criterion, Rust)",
        "",
        f"`cargo bench -p soundloc-benches --bench gcc_phat -- '{CRITERION_GCC_FILTER}'`: `GccPhat::tdoa`",
        "(PHAT, band-limited refinement, every lag) against two forward real FFTs and one",
        "inverse at the same padded size, frames copied in (`fft_only`), and against the",
        "floor: those FFTs plus the least any GCC-PHAT does between them, the cross-spectrum",
        "normalised bin by bin and the whole-sample arg-max (`phat_floor`: no mean removal,",
        f"band, statistics or refinement). Each the fastest median of {CRITERION_ROUNDS} runs.",
        "",
        "| frame | padded FFT | GccPhat::tdoa | bare FFTs | floor | tdoa / FFTs | floor / FFTs | tdoa / floor |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for frame in frames:
        lines.append(
            f"| {frame} | {fft_lens[frame]} | {_duration(gcc[frame])} | {_duration(fft[frame])} "
            f"| {_duration(floor[frame])} | {gcc[frame] / fft[frame]:.2f} | {floor[frame] / fft[frame]:.2f} "
            f"| {gcc[frame] / floor[frame]:.2f} |"
        )

    timed = {}
    for _ in range(CRITERION_ROUNDS):
        for threads in (1, None):
            run_criterion("gcc_phat", CRITERION_THREADS_FILTER, seconds, threads)
            for size in ("16x4096", "16x48000"):
                median = criterion_median(f"gcc_all_pairs/{size}", "tdoa_all_pairs")
                timed[(size, threads)] = min(timed.get((size, threads), np.inf), median)
    lines += [
        "",
        "## Threads: all pairs on one rayon thread and on the default pool (criterion, Rust)",
        "",
        f"`RAYON_NUM_THREADS=1` and unset, `cargo bench ... --bench gcc_phat -- '{CRITERION_THREADS_FILTER}'`",
        f"on {os.cpu_count()} cores; each pair's lags within 2 ms. Fastest median of {CRITERION_ROUNDS} runs each,",
        "the two settings alternating.",
        "",
        "| frame | 1 thread | default | speed-up |",
        "|---|---:|---:|---:|",
    ]
    for size in ("16x4096", "16x48000"):
        one, default = timed[(size, 1)], timed[(size, None)]
        lines.append(f"| {size} | {_duration(one)} | {_duration(default)} | {one / default:.2f}x |")
    return "\n".join(lines)


# ---------------------------------------------------------------- the report


def find_cli():
    """The `soundloc` binary: $SOUNDLOC_CLI, else target/release/soundloc; None if absent."""
    given = os.environ.get("SOUNDLOC_CLI")
    binary = Path(given) if given else ROOT / "target" / "release" / "soundloc"
    return binary if binary.exists() else None


def table(rows):
    """The rows as a Markdown table, with each tool's time over soundloc's in its stage."""
    reference = {row.stage: row.seconds for row in rows if row.reference}
    lines = [
        "| stage | tool | time per call | x soundloc | error (median) | note |",
        "|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = row.seconds / reference[row.stage] if row.stage in reference else float("nan")
        error = "-" if np.isnan(row.error) else f"{row.error:.4g} {row.unit}"
        lines.append(
            f"| {row.stage} | {row.tool} | {_duration(row.seconds)} | {ratio:.2f} | {error} | {row.note} |"
        )
    return "\n".join(lines)


def _duration(seconds):
    if seconds >= 1.0:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.1f} us"


def machine():
    """CPU model, cores, OS, versions and the soundloc commit, one line each."""
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; OS: {platform.platform()}",
        f"- Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"pyroomacoustics {pra.__version__}",
        f"- soundloc {soundloc.__version__}: Python package {Path(soundloc.__file__).parent}, "
        f"CLI {find_cli() or 'not built'}; this tree at commit {commit.stdout.strip() or 'unknown'}",
    ]


def speed_up_line(rows):
    one = next((r.seconds for r in rows if "RAYON_NUM_THREADS=1" in r.tool), None)
    default = next((r.seconds for r in rows if "default threads" in r.tool), None)
    if one is None or default is None:
        return "threads speed-up: not measured"
    return f"threads speed-up (all pairs, RAYON_NUM_THREADS=1 over the default): {one / default:.2f}x"


def write_results(rows, command, path, load_before, criterion=None):
    """The table, the machine and how quiet it was, to ``path`` (Markdown)."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join(
        [
            "# soundloc side by side",
            "",
            "Produced by `benches/compare.py` (its docstring says what each stage feeds every tool).",
            "",
            *machine(),
            f"- command: `{command}`",
            f"- date: {now}; load average (1 min) {load_before:.2f} before the run, "
            f"{os.getloadavg()[0]:.2f} after it",
            "",
            "`x soundloc` is the tool's time over soundloc's in the same stage: above 1, soundloc",
            "is that many times faster. Errors are medians over the trials (see the script).",
            "",
            table(rows),
            "",
            speed_up_line(rows),
            "",
            *([criterion, ""] if criterion else []),
        ]
    )
    Path(path).write_text(text)


def run_all(quick, cli):
    repeats = 3 if quick else 15
    trials = 5 if quick else 30
    rows = []
    for n in GCC_FRAMES:
        rows += compare_gcc(n, trials, repeats, cli)
    rows += compare_all_pairs(max(2, repeats // 3))
    rows += threads_rows(max(2, repeats // 3))
    rows += compare_multilateration(trials * 10, repeats * 10)
    rows += compare_doa(0.25 if quick else 1.0, max(2, repeats // 5))
    rows += compare_main_job(max(2, repeats // 3), cli)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and trials: a smoke run")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {ROOT / 'benches' / 'RESULTS.md'}")
    parser.add_argument(
        "--criterion",
        action="store_true",
        help="also run the criterion benches of GCC-PHAT against its bare FFTs and of threads (cargo)",
    )
    parser.add_argument("--threads-probe", type=int, metavar="REPEATS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads_probe:
        print(json.dumps({"seconds": threads_probe(args.threads_probe)}))
        return 0

    load_before = os.getloadavg()[0]
    cli = find_cli()
    if cli is None:
        print("no soundloc binary (cargo build --release -p soundloc-cli): CLI rows skipped", file=sys.stderr)
    rows = run_all(args.quick, cli)
    print(table(rows))
    print(speed_up_line(rows))
    criterion = criterion_section(args.quick) if args.criterion else None
    if criterion:
        print(criterion)
    if not args.no_write:
        command = " ".join([sys.executable, "benches/compare.py", *sys.argv[1:]])
        write_results(rows, command, ROOT / "benches" / "RESULTS.md", load_before, criterion)
    return 0


if __name__ == "__main__":
    sys.exit(main())
