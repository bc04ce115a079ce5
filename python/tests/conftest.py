"""Shared signal and scene generators for the soundloc tests (numpy only)."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest


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


def numpy_gcc_phat_lag(x_i, x_j):
    """Whole-sample GCC-PHAT lag ``t_j - t_i`` computed with numpy alone."""
    n = len(x_i)
    n_fft = 2 * n
    spec_i = np.fft.rfft(x_i - x_i.mean(), n_fft)
    spec_j = np.fft.rfft(x_j - x_j.mean(), n_fft)
    cross = np.conj(spec_i) * spec_j
    cross /= np.maximum(np.abs(cross), 1e-300)
    corr = np.fft.irfft(cross, n_fft)
    lags = np.concatenate([np.arange(0, n), np.arange(-n, 0)])
    return int(lags[np.argmax(corr)])


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
