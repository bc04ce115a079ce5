#!/usr/bin/env python3
"""Throughput and peak memory of `soundloc detect` on hours of city recordings.

The issue's benchmark: detection plus localisation over 10 sensors x 1 hour at
48 kHz, at least 300 times faster than real time on a 2-core machine, with peak
memory under 300 MB whatever the duration. Not a timed test: run it by hand on a
quiet machine.

    python3 benches/city_hour.py [--minutes 10 60] [--work DIR]

For each duration it writes a SIMULATED scene from the urban demo's layout
(`datasets/urban-demo/simulation.toml`): the demo's 20 events repeated every
20 minutes, over the real city ambience, with `soundloc simulate`; then it runs
`soundloc detect --format json` on it and reports the wall time, the ratio to real
time and the child's peak resident memory (from `getrusage`, so nothing but the
Python standard library is needed). The recordings take 58 MB per sensor-hour
... times 10: keep `--work` on a disk with room (3.5 GB for an hour).
"""

import argparse
import json
import math
import resource
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "datasets" / "urban-demo" / "simulation.toml"
BINARY = ROOT / "target" / "release" / "soundloc"


def toml_value(value):
    """A TOML literal for the few value kinds the spec uses."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def write_spec(minutes, folder):
    """The demo's spec stretched to `minutes`, its events repeated every 20 minutes."""
    spec = tomllib.loads(DEMO.read_text())
    duration = 60.0 * minutes
    events = []
    period = 1200.0
    repeats = max(1, int(duration // period))
    for k in range(repeats):
        for event in spec["events"]:
            moved = dict(event)
            moved["time_s"] = event["time_s"] + k * period
            if moved["time_s"] + 6.0 < duration:
                moved["clip"] = str((DEMO.parent / event["clip"]).resolve())
                events.append(moved)
    spec["events"] = events
    spec["duration_s"] = duration
    spec["name"] = f"urban-demo-{minutes}min"
    spec["background"]["clip"] = str((DEMO.parent / spec["background"]["clip"]).resolve())

    lines = []
    tables = {k: v for k, v in spec.items() if isinstance(v, dict)}
    arrays = {k: v for k, v in spec.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
    for key, value in spec.items():
        if key not in tables and key not in arrays:
            lines.append(f"{key} = {toml_value(value)}")
    for key, table in tables.items():
        lines.append(f"[{key}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in table.items()]
    for key, items in arrays.items():
        for item in items:
            lines.append(f"[[{key}]]")
            lines += [f"{k} = {toml_value(v)}" for k, v in item.items()]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "simulation.toml"
    path.write_text("\n".join(lines) + "\n")
    return path, len(events)


def run(command):
    """Runs a command; returns its wall time and the peak RSS of the children so far."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kib / 1024.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, nargs="+", default=[10, 60])
    parser.add_argument("--work", type=Path, default=ROOT / "target" / "city-bench")
    args = parser.parse_args()

    subprocess.run(
        ["cargo", "build", "--release", "--locked", "-p", "soundloc-cli"], check=True, cwd=ROOT
    )
    print(f"{'audio':>8} {'sensors':>7} {'events':>6} {'detect (s)':>10} {'x real time':>11} "
          f"{'found':>5} {'within 5 m':>10} {'peak RSS (MB)':>13}")
    for minutes in args.minutes:
        folder = args.work / f"{minutes}min"
        spec, n_events = write_spec(minutes, folder)
        if not (folder / "truth.json").exists():
            subprocess.run([BINARY, "simulate", spec, "--out", folder], check=True,
                           stdout=subprocess.DEVNULL)
        # Each duration in its own process, so that its peak is its own.
        probe = [sys.executable, __file__, "--probe", str(folder)]
        result = json.loads(subprocess.run(probe, check=True, capture_output=True,
                                           text=True).stdout)
        n_sensors = len(json.loads((folder / "truth.json").read_text())["sensors"])
        print(f"{minutes:>6} m {n_sensors:>7} {n_events:>6} {result['wall_s']:>10.1f} "
              f"{60.0 * minutes / result['wall_s']:>11.0f} {result['events']:>5} "
              f"{result['right']:>10} {result['peak_mb']:>13.0f}")


def probe(folder):
    """Runs detect once on `folder`; prints wall time, peak RSS and events found."""
    output = folder / "events.json"
    wall, peak_mb = run([BINARY, "detect", folder / "scene.toml", "--quiet",
                         "--format", "json", "--output", output])
    events = json.loads(output.read_text())["events"]
    truth = json.loads((folder / "truth.json").read_text())["events"]

    # An output event is right when it lies within 1 s and 5 m of a true one.
    def near(found, true):
        east, north = found["local_enu_m"][0], found["local_enu_m"][1]
        distance = math.hypot(east - true["local"][0], north - true["local"][1])
        return abs(found["time_s"] - true["time_s"]) < 1.0 and distance < 5.0

    right = sum(any(near(found, true) for true in truth) for found in events)
    print(json.dumps({"wall_s": wall, "peak_mb": peak_mb, "events": len(events),
                      "right": right, "truth": len(truth)}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--probe":
        probe(Path(sys.argv[2]))
    else:
        main()
