"""Shared signal and scene generators for the soundloc tests (numpy only)."""

import importlib.util
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def delayed_pair(n_samples, lag, *, seed=0, noise=0.0):
    """White noise and a copy delayed by ``lag`` samples (fractional allowed).

    The delay is applied in the frequency domain on a longer record, so that the
    result is the exact band-limited shift; the returned frames are cut from the
    middle. ``x_j`` hears the sound ``lag`` samples after ``x_i``.
    """
    rng = np.random.default_rng(seed)
    n_total = 4 * n_samples
    source = rng.standard_normal(n_total)
    freqs = np.fft.rfftfreq(n_total)
    spectrum = np.fft.rfft(source)
    shifted = np.fft.irfft(spectrum * np.exp(-2j * np.pi * freqs * lag), n_total)
    start = n_total // 2 - n_samples // 2
    x_i = source[start : start + n_samples].copy()
    x_j = shifted[start : start + n_samples].copy()
    if noise:
        x_i += noise * rng.standard_normal(n_samples)
        x_j += noise * rng.standard_normal(n_samples)
    return x_i, x_j


def numpy_gcc_phat(x_i, x_j):
    """GCC-PHAT of two equal-length signals with numpy alone: ``(lags, values)``.

    Lags in samples, increasing from ``-n`` to ``n - 1``; the peak sits at ``t_j - t_i``.
    """
    n = len(x_i)
    n_fft = 2 * n
    spec_i = np.fft.rfft(x_i - x_i.mean(), n_fft)
    spec_j = np.fft.rfft(x_j - x_j.mean(), n_fft)
    cross = np.conj(spec_i) * spec_j
    cross /= np.maximum(np.abs(cross), 1e-300)
    corr = np.fft.irfft(cross, n_fft)
    return np.arange(-n, n), np.concatenate([corr[n:], corr[:n]])


def numpy_gcc_phat_lag(x_i, x_j):
    """Whole-sample GCC-PHAT lag ``t_j - t_i`` computed with numpy alone."""
    lags, corr = numpy_gcc_phat(x_i, x_j)
    return int(lags[np.argmax(corr)])


def circular(n_mics, radius):
    """``(n_mics, 3)`` capsules on a circle of ``radius`` metres in the plane z = 0."""
    phi = 2 * np.pi * np.arange(n_mics) / n_mics
    return np.stack([radius * np.cos(phi), radius * np.sin(phi), np.zeros(n_mics)], axis=1)


def far_field_noise(mics, azimuth, colatitude, fs, n_samples, seed=0, speed_of_sound=343.0):
    """White noise from a plane wave, delayed exactly to each capsule (numpy only).

    ``(n_mics, n_samples)``; the wave comes from ``(azimuth, colatitude)`` radians
    (the direction towards the source) and reaches the array's centroid at time 0.
    """
    u = np.array([np.sin(colatitude) * np.cos(azimuth), np.sin(colatitude) * np.sin(azimuth), np.cos(colatitude)])
    delays = -(mics - mics.mean(axis=0)) @ u / speed_of_sound * fs
    n_total = 4 * n_samples
    source = np.random.default_rng(seed).standard_normal(n_total)
    spectrum = np.fft.rfft(source)
    freqs = np.fft.rfftfreq(n_total)
    start = (n_total - n_samples) // 2
    return np.stack(
        [np.fft.irfft(spectrum * np.exp(-2j * np.pi * freqs * d), n_total)[start : start + n_samples] for d in delays]
    )


def bench_module(name):
    """The script ``benches/<name>.py`` as a module, to reuse its scenes in tests."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benches" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def pair_4096():
    return delayed_pair(4096, 37.0, seed=1)


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def soundloc_cli():
    """The `soundloc` binary: $SOUNDLOC_CLI, else target/{release,debug}/soundloc,
    else built once with `cargo build -p soundloc-cli`."""
    given = os.environ.get("SOUNDLOC_CLI")
    if given:
        return Path(given)
    for profile in ("release", "debug"):
        binary = REPO / "target" / profile / "soundloc"
        if binary.exists():
            return binary
    subprocess.run(["cargo", "build", "-p", "soundloc-cli"], cwd=REPO, check=True)
    return REPO / "target" / "debug" / "soundloc"


def run_cli(binary, *args):
    """Runs the CLI; returns (exit code, stdout)."""
    done = subprocess.run(
        [str(binary), *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, done.stdout
