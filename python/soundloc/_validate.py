"""Argument checks shared by the pure-Python modules (plots, pyroomacoustics helpers).

Messages follow the compiled module's form: ``name: expected WHAT, got WHAT ARRIVED``,
raised as :class:`soundloc.InvalidInputError`.
"""

import numpy as np

from soundloc._soundloc import InvalidInputError


def describe(obj):
    """What arrived, in words: ``a 2-D array of float64 with shape (8, 3)``."""
    if isinstance(obj, np.ndarray):
        shape = f"({obj.shape[0]},)" if obj.ndim == 1 else str(tuple(obj.shape))
        return f"a {obj.ndim}-D array of {obj.dtype} with shape {shape}"
    return f"an object of type {type(obj).__name__}"


def invalid(name, expected, got):
    """An :class:`InvalidInputError` naming the argument, what was expected and what
    arrived."""
    return InvalidInputError(f"{name}: expected {expected}, got {got}")


def real_array(obj, name, expected):
    """``obj`` as a float64 array, or an error if it holds no real numbers.

    Booleans, complex numbers, strings and objects are refused; NaN and infinities
    are refused too (the plots and converters never pass them on).
    """
    try:
        array = np.asarray(obj)
    except (TypeError, ValueError):
        raise invalid(name, expected, describe(obj)) from None
    if array.dtype.kind not in "iuf":
        raise invalid(name, expected, describe(obj))

    array = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        raise invalid(name, f"{expected} of finite numbers", "NaN or infinite values")
    return array
