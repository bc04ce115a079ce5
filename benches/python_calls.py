#!/usr/bin/env python3
"""What the Python layer costs: per-call overhead, and threads running together.

Two figures of the Python package, measured side by side in one run (never in a
timed test: run it by hand on a quiet machine):

1. Per-call overhead. ``GccPhat.tdoa`` on a pair of 256-sample frames from Python,
   next to the same call in Rust timed by criterion (``gcc_phat/256/phat`` in
   ``benches/gcc_phat.rs``, run by this script). The difference is what the binding
   adds: argument checks, borrowing the numpy buffers, releasing and taking back the
   GIL, building the result object.
2. Threads. Four Python threads, each with its own planned ``GccPhat``, share a fixed
   amount of work; the same work on one thread is the baseline. The GIL is released
   while Rust computes, so on a machine with two or more cores the four threads finish
   sooner. The speed-up is reported per frame length.

    .venv/bin/python benches/python_calls.py [--skip-rust] [--calls 20000]

SIMULATED input: white noise and a copy of it 10 samples later, at 16 kHz.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import timeit
from pathlib import Path

import numpy as np

import soundloc

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_RATE = 16_000.0
SMALL_FRAME = 256
THREAD_FRAMES = (1024, 4096)
N_THREADS = 4


def delayed_pair(frame_len, delay, seed=0):
    """Noise and a copy delayed by ``delay`` samples, each ``frame_len`` long."""
    source = np.random.default_rng(seed).standard_normal(frame_len + delay)
    return source[delay:].copy(), source[:frame_len].copy()


def python_call_time(frame_len, calls, repeats=7):
    """Fastest mean time of one ``GccPhat.tdoa`` call from Python, seconds."""
    x_i, x_j = delayed_pair(frame_len, 10)
    gcc = soundloc.GccPhat(frame_len, SAMPLE_RATE)
    return min(timeit.repeat(lambda: gcc.tdoa(x_i, x_j), number=calls, repeat=repeats)) / calls


def rust_call_time(frame_len):
    """criterion's median time of the same call in Rust, seconds (runs the bench)."""
    bench_id = f"gcc_phat/{frame_len}/phat"
    subprocess.run(
        ["cargo", "bench", "-q", "-p", "soundloc-benches", "--bench", "gcc_phat", "--", "--exact", bench_id],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    estimates = ROOT / "target" / "criterion" / f"gcc_phat_{frame_len}" / "phat" / "new" / "estimates.json"
    return json.loads(estimates.read_text())["median"]["point_estimate"] * 1e-9


def threaded_time(frame_len, n_threads, total_calls):
    """Wall time for ``total_calls`` GCC calls shared by ``n_threads`` threads, seconds."""
    x_i, x_j = delayed_pair(frame_len, 10)
    per_thread = total_calls // n_threads
    estimators = [soundloc.GccPhat(frame_len, SAMPLE_RATE) for _ in range(n_threads)]
    start = threading.Barrier(n_threads + 1)

    def work(gcc):
        start.wait()
        for _ in range(per_thread):
            gcc.tdoa(x_i, x_j)

    threads = [threading.Thread(target=work, args=(gcc,)) for gcc in estimators]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="calls per timing of the small frame")
    parser.add_argument("--skip-rust", action="store_true", help="do not run the criterion bench")
    args = parser.parse_args()

    print(f"soundloc {soundloc.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")

    python_s = python_call_time(SMALL_FRAME, args.calls)
    print(f"\nGccPhat.tdoa, {SMALL_FRAME} samples, from Python: {python_s * 1e6:8.2f} us per call")
    if not args.skip_rust:
        rust_s = rust_call_time(SMALL_FRAME)
        print(f"the same call in Rust (criterion median):   {rust_s * 1e6:8.2f} us per call")
        print(f"overhead of the binding:                    {(python_s - rust_s) * 1e6:8.2f} us per call")

    print(f"\n{N_THREADS} Python threads against 1, same total work (GccPhat.tdoa, one object per thread)")
    print(f"{'frame':>6} {'calls':>6} {'1 thread (s)':>13} {f'{N_THREADS} threads (s)':>14} {'speed-up':>9}")
    for frame_len in THREAD_FRAMES:
        total = max(N_THREADS, int(4e6 // frame_len) // N_THREADS * N_THREADS)
        one = min(threaded_time(frame_len, 1, total) for _ in range(3))
        many = min(threaded_time(frame_len, N_THREADS, total) for _ in range(3))
        print(f"{frame_len:>6} {total:>6} {one:>13.3f} {many:>14.3f} {one / many:>8.2f}x")


if __name__ == "__main__":
    main()
