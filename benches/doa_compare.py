#!/usr/bin/env python3
"""SRP-PHAT speed: soundloc next to pyroomacoustics on the same STFT frames, one core.

The issue's benchmark: SRP-PHAT for 16 microphones on a 2562-point direction grid
with an 8 ms hop must run at least 20 times faster than real time on one core, and
at least 50 times faster than pyroomacoustics' SRP on the same frames. Not a timed
test: run it by hand on a quiet machine.

    .venv/bin/python benches/doa_compare.py [--seconds 1.0] [--repeats 3]

SIMULATED input: one second of white noise from a known direction, delayed exactly
(a phase ramp on its spectrum) to a 16-capsule array of two rings of eight (radius
10 cm, 10 cm apart in height, the upper ring turned 22.5 degrees), at 16 kHz, with
sensor noise at 20 dB SNR. The STFT (512-point periodic Hann frames, hop 128 = 8 ms)
is computed once, by `soundloc.stft`, and handed to both libraries. Each scores the
band 300 Hz to 4 kHz:

- pyroomacoustics 0.10 `doa.algorithms["SRP"]` with `dim=3, n_grid=2562` (its
  Fibonacci sphere) and `locate_sources` over all frames;
- soundloc `SrpPhat` on `SearchGrid.sphere(4)` (2562 directions): `process_spectra`
  over all frames (the same job), and `process_frame` once per frame (the live use,
  each frame its own estimate), both with off-grid refinement.

The process is pinned to one CPU (`os.sched_setaffinity`) and rayon to one thread,
so both libraries run on one core.
"""

import argparse
import os
import sys
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

FS = 16_000
NFFT = 512
HOP = 128
BAND = (300.0, 4000.0)
C = 343.0
TRUE_AZIMUTH = np.radians(63.0)
TRUE_COLATITUDE = np.radians(72.0)


def two_ring_array():
    """16 capsules: two rings of 8, radius 0.10 m, at z = +-0.05 m, upper turned 22.5 deg."""
    rows = []
    for ring, (z, turn) in enumerate(((-0.05, 0.0), (0.05, np.pi / 8))):
        for k in range(8):
            phi = 2 * np.pi * k / 8 + turn
            rows.append([0.10 * np.cos(phi), 0.10 * np.sin(phi), z])
    return np.array(rows)


def unit(azimuth, colatitude):
    return np.array(
        [np.sin(colatitude) * np.cos(azimuth), np.sin(colatitude) * np.sin(azimuth), np.cos(colatitude)]
    )


def delayed_noise(delays, n, rng):
    """White noise copied to one row per delay, each delayed by exactly that many samples.

    The delay is a phase ramp on the spectrum of a record four times longer, so a
    fractional delay is the exact band-limited shift; ``(len(delays), n)`` is cut from
    its middle. A row with a larger delay hears the sound later.
    """
    n_total = 4 * n
    spectrum = np.fft.rfft(rng.standard_normal(n_total))
    freqs = np.fft.rfftfreq(n_total)
    start = (n_total - n) // 2
    return np.stack(
        [np.fft.irfft(spectrum * np.exp(-2j * np.pi * freqs * d), n_total)[start : start + n] for d in delays]
    )


def simulate(mics, seconds, seed=7):
    n = int(seconds * FS)
    u = unit(TRUE_AZIMUTH, TRUE_COLATITUDE)
    delays = -(mics - mics.mean(axis=0)) @ u / C * FS
    rng = np.random.default_rng(seed)
    signals = delayed_noise(delays, n, rng)
    noise = np.sqrt(np.mean(signals**2) / 100.0)
    return signals + noise * rng.standard_normal(signals.shape)


def best_time(call, repeats):
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def angle_deg(azimuth, colatitude):
    return np.degrees(np.arccos(np.clip(unit(azimuth, colatitude) @ unit(TRUE_AZIMUTH, TRUE_COLATITUDE), -1, 1)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import pyroomacoustics as pra
    import soundloc

    mics = two_ring_array()
    signals = simulate(mics, args.seconds)
    spectra = soundloc.stft(signals, NFFT, HOP)
    n_frames = spectra.shape[2]
    audio_s = args.seconds

    def run_pra():
        doa = pra.doa.algorithms["SRP"](mics.T, FS, NFFT, c=C, num_src=1, dim=3, n_grid=2562)
        doa.locate_sources(spectra, freq_range=list(BAND))
        return float(doa.azimuth_recon[0]), float(doa.colatitude_recon[0])

    grid = soundloc.SearchGrid.sphere(4)
    srp = soundloc.SrpPhat(mics, grid, sample_rate=FS, fft_len=NFFT, freq_range_hz=BAND, speed_of_sound=C)

    def run_pooled():
        found = srp.process_spectra(spectra)[0]
        return found.azimuth, found.colatitude

    def run_per_frame():
        last = None
        for f in range(n_frames):
            last = srp.process_frame(signals[:, f * HOP : f * HOP + NFFT])[0]
        return last.azimuth, last.colatitude

    rows = []
    t_pra, d_pra = best_time(run_pra, args.repeats)
    t_pooled, d_pooled = best_time(run_pooled, args.repeats)
    t_frames, d_frames = best_time(run_per_frame, args.repeats)
    for name, seconds, direction in (
        ("pyroomacoustics SRP, all frames", t_pra, d_pra),
        ("soundloc SrpPhat.process_spectra, all frames", t_pooled, d_pooled),
        ("soundloc SrpPhat.process_frame, each frame", t_frames, d_frames),
    ):
        rows.append((name, seconds, direction))

    print(
        f"16 mics, 2562 directions, {n_frames} frames of {NFFT} at {FS} Hz, hop {HOP} "
        f"({audio_s:.2f} s of audio), band {BAND[0]:.0f}-{BAND[1]:.0f} Hz, one core, "
        f"best of {args.repeats}; pyroomacoustics {pra.__version__}, soundloc {soundloc.__version__}"
    )
    print(f"{'method':<48} {'time (ms)':>10} {'x real time':>12} {'vs pra':>8} {'error (deg)':>12}")
    for name, seconds, direction in rows:
        print(
            f"{name:<48} {seconds * 1e3:>10.2f} {audio_s / seconds:>12.1f} "
            f"{t_pra / seconds:>8.1f} {angle_deg(*direction):>12.3f}"
        )
    per_frame_us = t_frames / n_frames * 1e6
    print(f"\nsoundloc per frame: {per_frame_us:.0f} us (budget for 20x real time at an 8 ms hop: 400 us)")


if __name__ == "__main__":
    sys.exit(main())
