"""Sound source localisation from synchronised microphones.

``soundloc`` measures time differences of arrival (TDOA) between microphones with the
generalised cross-correlation of Knapp and Carter (1976), by default with the phase
transform (GCC-PHAT), and turns them into a source position with a covariance.

Conventions
-----------
- Sign: ``tdoa(i, j) = t_j - t_i``, positive when microphone ``j`` hears the sound
  later. ``gcc_phat(x_i, x_j, ...)`` returns this, and ``locate`` reads its
  ``(i, j, delay_s)`` rows the same way. Swapping the two signals negates the delay.
- Units: seconds (``delay_s``, ``*_s``), samples (``lag``, ``frame_len``), hertz
  (``sample_rate``, ``band_hz``), metres (positions, east-north-up), m/s
  (``speed_of_sound``), degrees Celsius and percent (air).
- Shapes: signals are 1-D arrays of ``(n_samples,)``, multichannel signals
  ``(n_mics, n_samples)``; ``mic_positions`` is ``(n_mics, 3)``; ``tdoa_pairs`` is
  ``(m, 3)``; pairs of microphones come in the order ``(0, 1), (0, 2), ..., (1, 2)``.
- Signals may be float64, float32 or int16 (PCM); they are read without a copy when
  contiguous, and complex128 spectra are read without a copy. Do not write into a
  signal or a spectrum from another thread during a call.
- Errors: bad shapes, dtypes and values raise :class:`InvalidInputError` (a
  ``ValueError``) whose message names the argument; this includes an integer too
  large for 64 bits, a pair or triple of the wrong length, and an argument that does
  not apply to the chosen ``dimension``. An argument of the wrong Python type (a str
  where a number is expected, a float where an integer is) raises ``TypeError``, as
  Python's own functions do, also naming the argument where the package reads it.
  Valid input without an answer raises :class:`LocalizationError` (a
  ``RuntimeError``); unreadable data files raise :class:`DataFileError` (an
  ``OSError``).
- Long calls release the GIL, so threads run them in parallel.
- Compact arrays: directions point towards the source, azimuth counter-clockwise from
  +x and colatitude from +z, in radians. ``SrpPhat`` and ``Music`` scan a
  ``SearchGrid`` and take spectra ``(n_mics, fft_len // 2 + 1, n_frames)`` from
  :func:`stft` (pyroomacoustics' layout) or frames ``(n_mics, fft_len)``.

Submodules, imported on first use: ``soundloc.plot`` draws correlations, steered-power
maps and scene maps with matplotlib (optional: ``pip install soundloc[plot]``);
``soundloc.pra`` converts pyroomacoustics' array layouts.

Example
-------
>>> import numpy as np, soundloc
>>> rng = np.random.default_rng(0)
>>> source = rng.standard_normal(4096)
>>> result = soundloc.gcc_phat(source[10:4010], source[0:4000], 16000.0)
>>> round(result.lag, 2)
10.0
"""

import importlib

from soundloc._soundloc import (
    Candidate,
    CoordinateFrame,
    DataFileError,
    DelayDirection,
    DetectedEvent,
    Detection,
    ErrorEllipse,
    EventEstimate,
    EventWindow,
    GccPhat,
    InvalidInputError,
    LocalizationError,
    Localizer,
    Music,
    Onset,
    OnsetDetector,
    PairwiseTdoa,
    Scene,
    SensorOutage,
    SearchGrid,
    Solution,
    SourceEstimate,
    SrpPhat,
    TdoaResult,
    Truth,
    TruthArrival,
    TruthEvent,
    TruthSensor,
    UnlocatedEvent,
    WEIGHTINGS,
    __version__,
    air_absorption_db_per_m,
    associate,
    detect_onsets,
    direction_from_delays,
    error_ellipse,
    gcc_correlation,
    gcc_phat,
    gcc_phat_all_pairs,
    load_truth,
    locate,
    locate_signals,
    simulate,
    simulate_array,
    speed_of_sound,
    stft,
    utm_to_wgs84,
    wgs84_to_utm,
)

__all__ = [
    "Candidate",
    "CoordinateFrame",
    "DataFileError",
    "DelayDirection",
    "DetectedEvent",
    "Detection",
    "ErrorEllipse",
    "EventEstimate",
    "EventWindow",
    "GccPhat",
    "InvalidInputError",
    "LocalizationError",
    "Localizer",
    "Music",
    "Onset",
    "OnsetDetector",
    "PairwiseTdoa",
    "Scene",
    "SearchGrid",
    "Solution",
    "SourceEstimate",
    "SrpPhat",
    "TdoaResult",
    "Truth",
    "TruthArrival",
    "TruthEvent",
    "TruthSensor",
    "UnlocatedEvent",
    "SensorOutage",
    "WEIGHTINGS",
    "__version__",
    "air_absorption_db_per_m",
    "associate",
    "detect_onsets",
    "direction_from_delays",
    "error_ellipse",
    "gcc_correlation",
    "gcc_phat",
    "gcc_phat_all_pairs",
    "load_truth",
    "locate",
    "locate_signals",
    "simulate",
    "simulate_array",
    "speed_of_sound",
    "stft",
    "utm_to_wgs84",
    "wgs84_to_utm",
]

_SUBMODULES = ("plot", "pra")


def __getattr__(name):
    """Imports the submodules ``plot`` and ``pra`` on first use (``plot`` needs
    matplotlib, which ``import soundloc`` alone never imports)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"soundloc.{name}")
    raise AttributeError(f"module 'soundloc' has no attribute {name!r}")
