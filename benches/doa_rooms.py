#!/usr/bin/env python3
"""Direction of arrival in reverberant rooms: soundloc next to pyroomacoustics.

SIMULATED data: pyroomacoustics' image-source simulator (Allen and Berkley 1979)
renders shoebox rooms with reverberation times of 0.2 to 0.6 s (absorption and
reflection order from Sabine's formula, `pra.inverse_sabine`). In each room a
12-capsule circular array of radius 5 cm at 1.2 m height hears one second of white
noise from a loudspeaker 1.5 to 2.5 m away at the same height, plus sensor noise at
30 dB SNR. Every method gets the *same* STFT frames (pyroomacoustics' layout,
`(n_mics, n_bins, n_frames)`, 512-point Hann frames, hop 128, 16 kHz) and the same
band (300 Hz to 3.5 kHz) and scans the same 360 azimuths; soundloc also refines off
the grid.

    .venv/bin/python benches/doa_rooms.py [--trials 20] [--rt60 0.2 0.3 0.4 0.5 0.6]

prints, per reverberation time and method, the median, 90th percentile and worst
azimuth error in degrees and the share of estimates within 5 degrees, and writes
the table to `target/doa-rooms.md`. `python/tests/test_doa_rooms.py` runs a smaller
version and asserts that soundloc's SRP-PHAT is at least as accurate as
pyroomacoustics' SRP.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

FS = 16_000
NFFT = 512
HOP = 128
FREQ_RANGE = (300.0, 3500.0)
N_AZIMUTHS = 360
C = 343.0
N_MICS = 12
RADIUS_M = 0.05
ARRAY_HEIGHT_M = 1.2
METHODS = ("soundloc SRP-PHAT", "soundloc MUSIC", "soundloc NormMUSIC", "pra SRP", "pra MUSIC", "pra NormMUSIC")


def circular_array(centre):
    """`(n_mics, 3)` capsule positions of the circular array around `centre`."""
    phi = 2 * np.pi * np.arange(N_MICS) / N_MICS
    return np.stack(
        [centre[0] + RADIUS_M * np.cos(phi), centre[1] + RADIUS_M * np.sin(phi), np.full(N_MICS, centre[2])],
        axis=1,
    )


def simulate_trial(rt60, seed):
    """One room: returns `(spectra, mic_positions_relative, true_azimuth)`."""
    import pyroomacoustics as pra

    rng = np.random.default_rng(seed)
    room_dim = np.array([rng.uniform(5.0, 8.0), rng.uniform(4.0, 6.0), rng.uniform(2.6, 3.2)])
    absorption, max_order = pra.inverse_sabine(rt60, room_dim)
    room = pra.ShoeBox(
        room_dim, fs=FS, materials=pra.Material(absorption), max_order=max_order, sigma2_awgn=None
    )

    # The array somewhere away from the walls, the source 1.5 to 2.5 m away at its height.
    while True:
        centre = np.array([rng.uniform(1.0, room_dim[0] - 1.0), rng.uniform(1.0, room_dim[1] - 1.0), ARRAY_HEIGHT_M])
        azimuth = rng.uniform(-np.pi, np.pi)
        distance = rng.uniform(1.5, 2.5)
        source = centre + distance * np.array([np.cos(azimuth), np.sin(azimuth), 0.0])
        if np.all(source[:2] > 0.5) and np.all(source[:2] < room_dim[:2] - 0.5):
            break

    signal = rng.standard_normal(FS)
    room.add_source(source, signal=signal)
    mics = circular_array(centre)
    room.add_microphone_array(pra.MicrophoneArray(mics.T, FS))
    room.simulate()
    recorded = room.mic_array.signals[:, : FS + 4096]
    noise_std = np.sqrt(np.mean(recorded**2) / 10 ** (30 / 10))
    recorded = recorded + noise_std * rng.standard_normal(recorded.shape)

    import soundloc

    spectra = soundloc.stft(recorded, NFFT, HOP)
    return spectra, mics - centre, azimuth


def azimuth_error_deg(estimate, truth):
    return abs(np.degrees(np.angle(np.exp(1j * (estimate - truth)))))


def pyroomacoustics_azimuths(spectra, mics):
    """Azimuths from pyroomacoustics' SRP, MUSIC and NormMUSIC on the same frames."""
    import pyroomacoustics as pra

    grid = np.linspace(-np.pi, np.pi, N_AZIMUTHS, endpoint=False)
    found = {}
    for name, algorithm in (("pra SRP", "SRP"), ("pra MUSIC", "MUSIC"), ("pra NormMUSIC", "NormMUSIC")):
        doa = pra.doa.algorithms[algorithm](mics[:, :2].T, FS, NFFT, c=C, num_src=1, azimuth=grid)
        doa.locate_sources(spectra, freq_range=list(FREQ_RANGE))
        found[name] = float(doa.azimuth_recon[0])
    return found


def soundloc_azimuths(spectra, mics):
    """Azimuths from soundloc's SRP-PHAT, MUSIC and NormMUSIC on the same frames."""
    import soundloc

    grid = soundloc.SearchGrid.horizon(N_AZIMUTHS)
    common = dict(sample_rate=FS, fft_len=NFFT, freq_range_hz=FREQ_RANGE, speed_of_sound=C)
    methods = {
        "soundloc SRP-PHAT": soundloc.SrpPhat(mics, grid, **common),
        "soundloc MUSIC": soundloc.Music(mics, grid, normalise=False, **common),
        "soundloc NormMUSIC": soundloc.Music(mics, grid, normalise=True, **common),
    }
    return {name: float(method.process_spectra(spectra)[0].azimuth) for name, method in methods.items()}


def run(rt60s, trials, seed=2026):
    """Errors in degrees: `{rt60: {method: [error per trial]}}`."""
    errors = {}
    for rt60 in rt60s:
        per_method = {name: [] for name in METHODS}
        for trial in range(trials):
            spectra, mics, truth = simulate_trial(rt60, seed + 1000 * trial + int(rt60 * 100))
            found = {**soundloc_azimuths(spectra, mics), **pyroomacoustics_azimuths(spectra, mics)}
            for name in METHODS:
                per_method[name].append(azimuth_error_deg(found[name], truth))
        errors[rt60] = per_method
    return errors


def table(errors):
    lines = [
        "| RT60 (s) | method | median (deg) | p90 (deg) | worst (deg) | within 5 deg |",
        "|---|---|---|---|---|---|",
    ]
    for rt60, per_method in errors.items():
        for name, values in per_method.items():
            v = np.array(values)
            lines.append(
                f"| {rt60:.1f} | {name} | {np.median(v):.2f} | {np.percentile(v, 90):.2f} | "
                f"{v.max():.2f} | {np.mean(v <= 5.0) * 100:.0f} % |"
            )
    for name in METHODS:
        v = np.concatenate([per_method[name] for per_method in errors.values()])
        lines.append(
            f"| all | {name} | {np.median(v):.2f} | {np.percentile(v, 90):.2f} | "
            f"{v.max():.2f} | {np.mean(v <= 5.0) * 100:.0f} % (mean {v.mean():.2f}) |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--rt60", type=float, nargs="+", default=[0.2, 0.3, 0.4, 0.5, 0.6])
    args = parser.parse_args()

    errors = run(args.rt60, args.trials)
    text = table(errors)
    print(text)
    out = Path(__file__).resolve().parent.parent / "target" / "doa-rooms.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        f"SIMULATED rooms (pyroomacoustics image sources), {args.trials} trials per RT60, "
        f"command: {' '.join(sys.argv)}\n\n{text}\n"
    )
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
