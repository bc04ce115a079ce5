"""Conversions between pyroomacoustics' array layouts and soundloc's.

pyroomacoustics stores microphone positions as columns, ``(dim, n_mics)`` with ``dim``
2 or 3; soundloc takes rows, ``(n_mics, 3)``. Both keep multichannel signals as
``(n_mics, n_samples)``. pyroomacoustics is not imported: these functions work on the
arrays it produces. ``docs/pyroomacoustics.md`` maps its calls to soundloc's.

Example
-------
>>> import numpy as np
>>> from soundloc.pra import positions_from_pra, positions_to_pra
>>> R = np.array([[0.0, 0.1, 0.0], [0.0, 0.0, 0.1]])  # pra layout, 2-D, three mics
>>> positions_from_pra(R)
array([[0. , 0. , 0. ],
       [0.1, 0. , 0. ],
       [0. , 0.1, 0. ]])
>>> positions_to_pra(positions_from_pra(R), dim=2).shape
(2, 3)
"""

import numbers

import numpy as np

from soundloc._validate import describe, invalid, real_array

__all__ = ["positions_from_pra", "positions_to_pra", "signals_from_pra"]


def positions_from_pra(R):
    """Microphone positions from pyroomacoustics' layout to soundloc's.

    Parameters
    ----------
    R : array_like, shape (2, n_mics) or (3, n_mics)
        One column per microphone, metres, as ``pra.circular_2D_array``,
        ``pra.linear_2D_array`` or ``room.mic_array.R`` give them.

    Returns
    -------
    ndarray, shape (n_mics, 3)
        float64 rows ``(x, y, z)``; 2-D input gets ``z = 0``.

    Raises
    ------
    InvalidInputError
        Not 2 or 3 rows of finite real numbers, or no microphone.
    """
    expected = "pyroomacoustics positions (2 or 3, n_mics): one column per microphone"
    array = real_array(R, "R", expected)
    if array.ndim != 2 or array.shape[0] not in (2, 3) or array.shape[1] < 1:
        got = describe(array)
        if array.ndim == 2 and array.shape[1] == 3:
            got += " (soundloc's (n_mics, 3) layout already?)"
        raise invalid("R", expected, got)

    positions = np.zeros((array.shape[1], 3))
    positions[:, : array.shape[0]] = array.T
    return positions


def positions_to_pra(positions, dim=3):
    """Microphone positions from soundloc's layout to pyroomacoustics'.

    Parameters
    ----------
    positions : array_like, shape (n_mics, 3)
        One row ``(x, y, z)`` per microphone, metres.
    dim : int, default 3
        Rows of the result: 3, or 2 for pyroomacoustics' 2-D rooms and arrays, which
        drops the height. Every microphone must then be at the same height, so that
        nothing is lost.

    Returns
    -------
    ndarray, shape (dim, n_mics)
        float64, one column per microphone, C-contiguous.

    Raises
    ------
    InvalidInputError
        Not an ``(n_mics, 3)`` array of finite real numbers, ``dim`` not 2 or 3, or
        microphones at different heights with ``dim=2``.
    """
    if (
        isinstance(dim, bool)
        or not isinstance(dim, numbers.Integral)
        or dim not in (2, 3)
    ):
        raise invalid("dim", "2 or 3", repr(dim))
    expected = "soundloc positions (n_mics, 3): one row (x, y, z) per microphone"
    array = real_array(positions, "positions", expected)
    if array.ndim != 2 or array.shape[1] != 3 or array.shape[0] < 1:
        got = describe(array)
        if array.ndim == 2 and array.shape[0] in (2, 3):
            got += " (pyroomacoustics' (dim, n_mics) layout already?)"
        raise invalid("positions", expected, got)

    heights = array[:, 2]
    if dim == 2 and np.ptp(heights) > 1e-9 * max(1.0, float(np.max(np.abs(heights)))):
        raise invalid(
            "positions",
            "microphones at one height for dim=2 (the height is dropped)",
            f"heights from {heights.min():g} to {heights.max():g} m",
        )
    return np.ascontiguousarray(array[:, :dim].T)


def signals_from_pra(signals):
    """Multichannel signals from pyroomacoustics (``room.mic_array.signals``).

    Both libraries keep one row per microphone, so nothing is reordered: the signals
    are checked and returned as C-contiguous float64, ready for ``stft``,
    ``locate_signals`` or ``SrpPhat.process_frame`` without another copy.

    Parameters
    ----------
    signals : array_like, shape (n_mics, n_samples)
        Real samples (any float or integer dtype; integers keep their values, so
        int16 stays in counts), more samples than microphones.

    Returns
    -------
    ndarray, shape (n_mics, n_samples)
        float64, C-contiguous; the input itself when it already is.

    Raises
    ------
    InvalidInputError
        Not 2-D, complex or non-numeric samples, NaN or infinite samples, or fewer
        samples than microphones (a recording read as ``(n_samples, n_mics)``, as WAV
        readers give it, needs ``.T``).
    """
    expected = "signals (n_mics, n_samples): one row per microphone"
    array = real_array(signals, "signals", expected)
    if array.ndim != 2 or array.shape[1] < 2:
        raise invalid("signals", expected, describe(array))
    if array.shape[0] > array.shape[1]:
        raise invalid(
            "signals",
            expected,
            describe(array)
            + " (more rows than samples: transpose (n_samples, n_mics) with .T)",
        )
    return np.ascontiguousarray(array)
