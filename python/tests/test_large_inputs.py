"""Arrays of 10^8 samples (issue 7): analysed, or refused with a clear error, and memory
the system refuses is a ``MemoryError``, never a crash of the interpreter.

A failed allocation inside Rust aborts the process, so every copy of a signal asks for
its memory first; the system is made to refuse by an address-space limit set in a
child process (Linux only)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import soundloc
from soundloc import InvalidInputError

HUNDRED_MILLION = 10**8
FS = 48_000.0


def test_onsets_in_a_hundred_million_samples_are_found():
    # 35 minutes at 48 kHz of quiet noise (float32, 400 MB) with three clicks.
    rng = np.random.default_rng(3)
    signal = rng.standard_normal(HUNDRED_MILLION, dtype=np.float32)
    signal *= np.float32(1e-3)
    clicks_s = [100.0, 1000.0, 2000.0]
    for t in clicks_s:
        start = int(t * FS)
        signal[start : start + 48] += np.float32(0.5) * rng.standard_normal(
            48, dtype=np.float32
        )

    onsets = soundloc.detect_onsets(signal, FS)

    assert [round(o.time_s) for o in onsets] == clicks_s
    for onset, t in zip(onsets, clicks_s):
        assert abs(onset.time_s - t) < 0.01


def test_gcc_phat_on_a_hundred_million_samples_is_refused_by_name_before_copying():
    x = np.zeros(HUNDRED_MILLION, dtype=np.int16)
    with pytest.raises(InvalidInputError, match=r"x_i: expected at most 33554432 samples"):
        soundloc.gcc_phat(x, x, FS)
    rows = np.zeros((2, HUNDRED_MILLION), dtype=np.int16)
    with pytest.raises(InvalidInputError, match=r"signals: expected at most 33554432"):
        soundloc.gcc_phat_all_pairs(rows, FS)


CHILD = textwrap.dedent(
    """
    import resource
    import numpy as np
    import soundloc

    # Start the thread pool and load everything while memory is free.
    soundloc.detect_onsets(np.zeros(4800, np.float32), 48000.0)
    signal = np.ones(10**8, dtype=np.float32)

    # Then allow 300 MB more address space than is in use: widening the 400 MB of
    # float32 to 800 MB of float64 cannot fit, nor can GCC-PHAT buffers for the
    # longest frame (about 4 GB).
    with open("/proc/self/status") as status:
        in_use_kb = next(int(l.split()[1]) for l in status if l.startswith("VmSize"))
    limit = in_use_kb * 1024 + 300 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))

    for name, call in [
        ("detect_onsets", lambda: soundloc.detect_onsets(signal, 48000.0)),
        ("GccPhat", lambda: soundloc.GccPhat(2**25, 48000.0)),
        ("gcc_phat", lambda: soundloc.gcc_phat(signal[: 2**25], signal[: 2**25].astype(np.int16), 48000.0)),
    ]:
        try:
            call()
            print(name, "worked")
        except MemoryError as error:
            print(name, "MemoryError:", error)
    print("still alive")
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and RLIMIT_AS")
def test_memory_the_system_refuses_is_a_memory_error_not_a_crash():
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "still alive"
    assert lines[0].startswith("detect_onsets MemoryError: signal: could not allocate 763 MB")
    assert lines[1].startswith("GccPhat MemoryError: out of memory: GCC-PHAT buffers")
    assert lines[2].startswith("gcc_phat MemoryError:"), lines[2]
