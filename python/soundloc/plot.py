"""Plots of soundloc's inputs and results, drawn with matplotlib.

matplotlib is an optional dependency (``pip install soundloc[plot]``): ``import
soundloc`` never imports it, this module does, on ``import soundloc.plot`` or on the
first use of ``soundloc.plot``.

Every function takes plain numpy arrays or soundloc result objects (read by their
attributes, so any object with the same attributes works), draws on the ``ax`` it is
given or on a new figure, and returns the ``Axes``. Each artist carries a ``gid``
naming what it shows (``"correlation"``, ``"peak"``, ``"limit"``, ``"map"``,
``"estimate"``, ``"truth"``, ``"sensor"``, ``"ellipse"``...), so that scripts can find
it again with ``[a for a in ax.get_children() if a.get_gid() == "peak"]``.

Units follow the package: arguments in seconds, metres and radians; the axes show
milliseconds, degrees and metres east and north.
"""

import math
import numbers

import numpy as np

try:
    import matplotlib  # noqa: F401  (the pyplot import below is deferred)
except ImportError as error:
    raise ImportError(
        "soundloc.plot needs matplotlib, an optional dependency: "
        "pip install soundloc[plot]"
    ) from error

from soundloc._validate import describe, invalid, real_array

__all__ = ["ellipse_points", "plot_correlation", "plot_scene_map", "plot_srp_map"]


def ellipse_points(covariance_2x2, confidence, n=64):
    """Points on the boundary of a 2-D Gaussian's confidence region.

    The region holds the true position with probability ``confidence``: it is the
    ellipse ``x^T C^-1 x = q`` with ``q = -2 ln(1 - confidence)``, the quantile of the
    chi-square distribution with 2 degrees of freedom (5.991 at 0.95). Its axes are
    the eigenvectors of ``C``, with half-lengths ``sqrt(q * eigenvalue)``.

    Parameters
    ----------
    covariance_2x2 : array_like, shape (2, 2)
        Symmetric positive semi-definite covariance, m^2 (for instance the east-north
        block ``Solution.covariance[:2, :2]``).
    confidence : float
        Probability inside the ellipse, strictly between 0 and 1.
    n : int, default 64
        Number of points (at least 3).

    Returns
    -------
    ndarray, shape (n, 2)
        Points centred on the origin, evenly spaced in the ellipse's parametric angle;
        the curve is not closed (append the first point to draw it).

    Raises
    ------
    InvalidInputError
        A matrix that is not 2 x 2, finite, symmetric and positive semi-definite, a
        confidence outside (0, 1), or ``n`` below 3.
    """
    return _ellipse(covariance_2x2, confidence, n, "covariance_2x2")


def plot_correlation(
    lags_s, values, *, delay_s=None, max_delay_s=None, ax=None, title=None
):
    """A generalised cross-correlation against lag, with its peak and physical limits.

    Parameters
    ----------
    lags_s : array_like, shape (n_lags,)
        Lags, seconds, strictly increasing (``t_j - t_i`` as for ``gcc_phat``).
    values : array_like, shape (n_lags,)
        Correlation at each lag.
    delay_s : float or TdoaResult, optional
        The chosen peak, seconds, marked by a dashed line (gid ``"peak"``) and a dot
        on the curve (gid ``"peak-marker"``). A result object with a ``delay_s``
        attribute also supplies ``max_delay_s`` when that is not given.
    max_delay_s : float, optional
        Largest physically possible ``abs(delay)``, seconds (distance over the speed
        of sound): dotted lines at plus and minus it (gid ``"limit"``), and the lags
        beyond it shaded (gid ``"beyond-limit"``).
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.
    title : str, optional

    Returns
    -------
    matplotlib Axes
        x: lag in milliseconds; y: correlation.
    """
    lags_ms = (
        _vector(lags_s, "lags_s", "a 1-D array of at least 2 lags in seconds") * 1e3
    )
    if np.any(np.diff(lags_ms) <= 0):
        raise invalid("lags_s", "strictly increasing lags", "lags out of order")
    values = _vector(
        values, "values", f"a 1-D array of {len(lags_ms)} values, one per lag"
    )
    if values.shape != lags_ms.shape:
        raise invalid("values", f"{len(lags_ms)} values, one per lag", describe(values))

    # A TdoaResult brings its bound and the height of its refined (between-sample) peak.
    peak_height = None
    if delay_s is not None and hasattr(delay_s, "delay_s"):
        if max_delay_s is None:
            max_delay_s = getattr(delay_s, "max_delay_s", None)
        peak_height = getattr(delay_s, "peak", None)
        delay_s = delay_s.delay_s
    if delay_s is not None:
        delay_s = _number(delay_s, "delay_s", "a delay in seconds")
    if max_delay_s is not None:
        max_delay_s = _number(max_delay_s, "max_delay_s", "a positive bound in seconds")
        if max_delay_s <= 0:
            raise invalid(
                "max_delay_s", "a positive bound in seconds", repr(max_delay_s)
            )

    ax = _new_axes(ax)
    ax.plot(lags_ms, values, lw=1.0, color="C0", gid="correlation", label="correlation")
    lo, hi = lags_ms[0], lags_ms[-1]

    # The physical limits, with the impossible lags shaded.
    if max_delay_s is not None:
        limit_ms = max_delay_s * 1e3
        lo, hi = min(lo, -limit_ms), max(hi, limit_ms)
        label = f"beyond +/-{limit_ms:.3g} ms"
        for start, stop in ((lo, -limit_ms), (limit_ms, hi)):
            if stop > start:
                ax.axvspan(start, stop, color="0.88", gid="beyond-limit", label=label)
                label = "_nolegend_"
        for edge in (-limit_ms, limit_ms):
            ax.axvline(edge, color="0.45", ls=":", lw=1.0, gid="limit")

    # The chosen peak.
    if delay_s is not None:
        delay_ms = delay_s * 1e3
        ax.axvline(
            delay_ms,
            color="C3",
            ls="--",
            lw=1.0,
            gid="peak",
            label=f"peak {delay_ms:.4g} ms",
        )
        if lags_ms[0] <= delay_ms <= lags_ms[-1]:
            height = (
                peak_height
                if peak_height is not None
                else np.interp(delay_ms, lags_ms, values)
            )
            ax.plot([delay_ms], [height], "o", color="C3", gid="peak-marker")

    ax.set_xlim(lo, hi)
    ax.set_xlabel("lag t_j - t_i (ms)")
    ax.set_ylabel("correlation")
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_srp_map(grid_points, power, *, true_direction=None, estimates=None, ax=None):
    """A steered-power (SRP-PHAT) or MUSIC map over its search grid.

    The picture follows the grid: directions over the sphere or a hemisphere are
    drawn in azimuth x elevation (degrees); directions on the horizon as power
    against azimuth (a polar plot on a new figure, a line on a given Cartesian
    ``ax``); positions (near field) as an x-y map, the largest power over height
    where the grid fills a volume.

    Parameters
    ----------
    grid_points : SearchGrid or array_like, shape (n_points, 3)
        The grid, or its ``points``: unit vectors towards the source (far field) or
        positions in metres (near field). A bare array counts as far field when every
        row has unit length.
    power : array_like, shape (n_points,), or SrpPhat or Music
        One value per grid point; a method object gives its last ``map``.
    true_direction : array_like, optional
        The truth, marked with an open circle (gid ``"truth"``): for a far-field grid
        a vector towards the source (3 values) or ``(azimuth, colatitude)`` in
        radians (2 values); for a near-field grid a position ``(x, y[, z])`` in metres.
    estimates : sequence, optional
        Found sources, marked with crosses (gid ``"estimate"``): ``SourceEstimate``
        objects (``azimuth``/``colatitude`` or ``position``) or values read as
        ``true_direction``.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure (polar for a horizon grid).

    Returns
    -------
    matplotlib Axes
    """
    field = getattr(grid_points, "field", None)
    points = _table(
        getattr(grid_points, "points", grid_points),
        "grid_points",
        "an (n_points, 3) array of grid points or a SearchGrid",
        columns=(3,),
    )
    power = _vector(getattr(power, "map", power), "power", "one value per grid point")
    if power.shape != (len(points),):
        raise invalid(
            "power", f"{len(points)} values, one per grid point", describe(power)
        )

    norms = np.linalg.norm(points, axis=1)
    if field is None:
        field = "far" if np.allclose(norms, 1.0, atol=1e-6) else "near"
    if field not in ("far", "near"):
        raise invalid("grid_points.field", '"far" or "near"', repr(field))
    if field == "far" and not np.allclose(norms, 1.0, atol=1e-6):
        raise invalid(
            "grid_points", "unit vectors for a far-field grid", "other lengths"
        )

    marks = [] if estimates is None else list(estimates)
    if field == "near":
        truth = (
            None
            if true_direction is None
            else _position(true_direction, "true_direction")
        )
        found = [_position(e, f"estimates[{k}]") for k, e in enumerate(marks)]
        return _plane_map(points, power, truth, found, ax)

    truth = (
        None if true_direction is None else _direction(true_direction, "true_direction")
    )
    found = [_direction(e, f"estimates[{k}]") for k, e in enumerate(marks)]
    if np.all(np.abs(points[:, 2]) < 1e-9):
        return _horizon_map(points, power, truth, found, ax)
    return _sky_map(points, power, truth, found, ax)


def plot_scene_map(
    sensor_positions,
    *,
    sensor_ids=None,
    events=None,
    event_positions=None,
    covariances=None,
    truth=None,
    confidence=0.95,
    ax=None,
):
    """A map of the sensors and the located events, with their confidence ellipses.

    Parameters
    ----------
    sensor_positions : array_like, shape (n_sensors, 3) or (n_sensors, 2)
        Metres east, north (and up, not drawn); triangles (gid ``"sensor"``).
    sensor_ids : sequence of str, optional
        A label per sensor (gid ``"sensor-label"``); default the indices.
    events : sequence, optional
        Located events: objects with ``position`` (3 values) and ``covariance`` (3 x 3
        or 2 x 2, m^2, or None), such as ``Solution``, or with a ``solution`` holding
        them; a ``name`` attribute, where present, labels the event. Do not combine
        with ``event_positions``.
    event_positions : array_like, shape (n_events, 3) or (n_events, 2), optional
        Located events as plain positions, metres; crosses (gid ``"estimate"``).
    covariances : array_like, shape (n_events, 3, 3) or (n_events, 2, 2), optional
        Covariances of ``event_positions``, m^2. Only the east-north block is drawn.
    truth : array_like, shape (n_events, 3) or (n_events, 2), optional
        True positions, one per event, metres: open circles (gid ``"truth"``) joined
        to their estimate by a dotted line (gid ``"truth-link"``).
    confidence : float, default 0.95
        Probability inside each ellipse (gid ``"ellipse"``); see :func:`ellipse_points`.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib Axes
        Equal aspect, metres east (x) and north (y).
    """
    sensors = _table(
        sensor_positions, "sensor_positions", "an (n_sensors, 2 or 3) array of metres"
    )
    confidence = _probability(confidence)
    ids = list(range(len(sensors))) if sensor_ids is None else list(sensor_ids)
    if len(ids) != len(sensors):
        raise invalid(
            "sensor_ids", f"{len(sensors)} labels, one per sensor", f"{len(ids)}"
        )
    centres, ellipses, names = _events(events, event_positions, covariances, confidence)
    if truth is not None:
        truth = _table(truth, "truth", "an (n_events, 2 or 3) array of metres")
        if len(truth) != len(centres):
            raise invalid(
                "truth", f"{len(centres)} positions, one per event", describe(truth)
            )

    ax = _new_axes(ax)

    # Sensors, labelled.
    ax.scatter(
        sensors[:, 0],
        sensors[:, 1],
        marker="^",
        color="0.25",
        gid="sensor",
        label="sensors",
    )
    for label, (x, y) in zip(ids, sensors[:, :2]):
        ax.annotate(
            str(label),
            (x, y),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize="small",
            gid="sensor-label",
        )

    # Events with their confidence regions.
    if len(centres):
        ax.scatter(
            centres[:, 0],
            centres[:, 1],
            marker="x",
            color="C3",
            gid="estimate",
            label="estimates",
        )
    label = f"{confidence * 100:g} % region"
    for centre, outline in zip(centres, ellipses):
        if outline is None:
            continue
        closed = np.vstack([outline, outline[:1]]) + centre
        ax.plot(
            closed[:, 0], closed[:, 1], color="C3", lw=1.0, gid="ellipse", label=label
        )
        label = "_nolegend_"
    for name, (x, y) in zip(names, centres):
        if name is not None:
            ax.annotate(
                str(name),
                (x, y),
                xytext=(4, -10),
                textcoords="offset points",
                fontsize="small",
                color="C3",
                gid="event-label",
            )

    # The truth, joined to its estimate.
    if truth is not None and len(truth):
        ax.scatter(
            truth[:, 0],
            truth[:, 1],
            marker="o",
            facecolors="none",
            edgecolors="C2",
            gid="truth",
            label="truth",
        )
        for (tx, ty), (ex, ey) in zip(truth[:, :2], centres):
            ax.plot([tx, ex], [ty, ey], color="C2", ls=":", lw=1.0, gid="truth-link")

    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("east (m)")
    ax.set_ylabel("north (m)")
    ax.legend(loc="best", fontsize="small")
    return ax


def _ellipse(covariance, confidence, n, name):
    """:func:`ellipse_points`, with ``name`` for the covariance in error messages."""
    cov = real_array(covariance, name, "a (2, 2) covariance matrix")
    if cov.shape != (2, 2):
        raise invalid(name, "a (2, 2) covariance matrix", describe(cov))
    confidence = _probability(confidence)
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 3:
        raise invalid("n", "an integer of at least 3", repr(n))

    # Symmetric and positive semi-definite, up to rounding.
    scale = max(float(np.max(np.abs(cov))), np.finfo(float).tiny)
    if abs(cov[0, 1] - cov[1, 0]) > 1e-9 * scale:
        raise invalid(
            name,
            "a symmetric matrix",
            f"off-diagonal terms {cov[0, 1]!r} and {cov[1, 0]!r}",
        )
    variances, axes = np.linalg.eigh(0.5 * (cov + cov.T))
    if variances[0] < -1e-9 * scale:
        raise invalid(
            name, "a positive semi-definite matrix", f"eigenvalues {variances.tolist()}"
        )

    # Half-axes sqrt(q * eigenvalue) along the eigenvectors.
    quantile = -2.0 * math.log1p(-confidence)
    half_axes = np.sqrt(quantile * np.clip(variances, 0.0, None))
    angles = np.linspace(0.0, 2.0 * np.pi, int(n), endpoint=False)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (circle * half_axes) @ axes.T


def _probability(confidence):
    """``confidence`` as a float strictly between 0 and 1."""
    if not isinstance(confidence, numbers.Real) or not 0.0 < confidence < 1.0:
        raise invalid(
            "confidence", "a probability strictly between 0 and 1", repr(confidence)
        )
    return float(confidence)


def _new_axes(ax, polar=False):
    """``ax``, or the axes of a new figure (pyplot is imported only then)."""
    if ax is not None:
        return ax

    import matplotlib.pyplot as plt

    _, ax = plt.subplots(subplot_kw={"projection": "polar"} if polar else None)
    return ax


def _vector(obj, name, expected):
    """A finite 1-D float64 array of at least 2 values."""
    array = real_array(obj, name, expected)
    if array.ndim != 1 or len(array) < 2:
        raise invalid(name, expected, describe(array))
    return array


def _table(obj, name, expected, columns=(2, 3)):
    """A finite 2-D float64 array with one of ``columns`` columns."""
    array = real_array(obj, name, expected)
    if array.ndim != 2 or array.shape[1] not in columns:
        raise invalid(name, expected, describe(array))
    return array


def _number(value, name, expected):
    """A finite float."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
    ):
        raise invalid(name, expected, repr(value))
    return float(value)


def _direction(obj, name):
    """``(azimuth, colatitude)`` in radians from an estimate, a vector or two angles."""
    if getattr(obj, "azimuth", None) is not None:
        colatitude = getattr(obj, "colatitude", None)
        if colatitude is None:
            colatitude = math.pi / 2
        return float(obj.azimuth), float(colatitude)
    if hasattr(obj, "azimuth"):
        raise invalid(
            name, "a direction (far-field estimate)", "a position (near-field estimate)"
        )

    expected = "a direction: a vector (3 values) or (azimuth, colatitude) in radians"
    values = real_array(obj, name, expected)
    if values.shape == (2,):
        return float(values[0]), float(values[1])
    if values.shape != (3,) or not np.linalg.norm(values) > 0:
        raise invalid(name, expected, describe(values))
    x, y, z = values / np.linalg.norm(values)
    return math.atan2(y, x), math.acos(max(-1.0, min(1.0, z)))


def _position(obj, name):
    """``(x, y)`` in metres from an estimate or a position of 2 or 3 values."""
    if getattr(obj, "position", None) is not None:
        obj = obj.position
    elif hasattr(obj, "azimuth"):
        raise invalid(
            name, "a position (near-field estimate)", "a direction (far-field estimate)"
        )

    expected = "a position (x, y) or (x, y, z) in metres"
    values = real_array(obj, name, expected)
    if values.shape not in ((2,), (3,)):
        raise invalid(name, expected, describe(values))
    return float(values[0]), float(values[1])


def _events(events, event_positions, covariances, confidence):
    """Centres ``(n_events, 2)``, ellipse outlines (or None) and names of the events."""
    if events is not None and (event_positions is not None or covariances is not None):
        raise invalid(
            "event_positions",
            "None when events are given",
            "both events and event_positions",
        )
    if covariances is not None and event_positions is None:
        raise invalid(
            "covariances", "event_positions to go with them", "covariances alone"
        )

    # Result objects: position and covariance, directly or in a `solution`.
    if events is not None:
        centres, outlines, names = [], [], []
        for k, event in enumerate(events):
            holder = (
                event
                if hasattr(event, "position")
                else getattr(event, "solution", None)
            )
            if holder is None:
                raise invalid(
                    f"events[{k}]", "an object with a position", describe(event)
                )
            position = real_array(
                holder.position, f"events[{k}].position", "3 values in metres"
            )
            if position.shape not in ((2,), (3,)):
                raise invalid(
                    f"events[{k}].position",
                    "2 or 3 values in metres",
                    describe(position),
                )
            covariance = getattr(holder, "covariance", None)
            centres.append(position[:2])
            outlines.append(
                _event_ellipse(covariance, f"events[{k}].covariance", confidence)
            )
            names.append(getattr(event, "name", None))
        return np.reshape(centres, (-1, 2)), outlines, names

    if event_positions is None:
        return np.zeros((0, 2)), [], []

    # Plain arrays.
    centres = _table(
        event_positions, "event_positions", "an (n_events, 2 or 3) array of metres"
    )
    outlines = [None] * len(centres)
    if covariances is not None:
        expected = f"an ({len(centres)}, 2, 2) or ({len(centres)}, 3, 3) array of m^2"
        matrices = (
            np.asarray(covariances)
            if not isinstance(covariances, np.ndarray)
            else covariances
        )
        if (
            matrices.ndim != 3
            or matrices.shape[0] != len(centres)
            or matrices.shape[1:] not in ((2, 2), (3, 3))
        ):
            raise invalid("covariances", expected, describe(matrices))
        outlines = [
            _event_ellipse(matrix, f"covariances[{k}]", confidence)
            for k, matrix in enumerate(matrices)
        ]
    return centres[:, :2], outlines, [None] * len(centres)


def _event_ellipse(covariance, name, confidence):
    """The outline of one event's east-north covariance, or None without one."""
    if covariance is None:
        return None

    matrix = np.asarray(covariance)
    if matrix.ndim != 2 or matrix.shape not in ((2, 2), (3, 3)):
        raise invalid(name, "a (3, 3) or (2, 2) matrix of m^2", describe(matrix))
    return _ellipse(matrix[:2, :2], confidence, 64, name)


def _wrapped_deg(angle):
    """Radians to degrees in [-180, 180)."""
    return (np.degrees(angle) + 180.0) % 360.0 - 180.0


def _colorbar(ax, mappable, label):
    ax.figure.colorbar(mappable, ax=ax, label=label)


def _sky_map(points, power, truth, found, ax):
    """Far field over the sphere: power in azimuth x elevation, degrees."""
    ax = _new_axes(ax)
    azimuth = _wrapped_deg(np.arctan2(points[:, 1], points[:, 0]))
    elevation = np.degrees(np.arcsin(np.clip(points[:, 2], -1.0, 1.0)))
    image = ax.scatter(azimuth, elevation, c=power, s=12, cmap="viridis", gid="map")
    _colorbar(ax, image, "power")

    if found:
        az, colat = np.array(found).T
        ax.scatter(
            _wrapped_deg(az),
            90.0 - np.degrees(colat),
            marker="x",
            s=60,
            color="C3",
            gid="estimate",
            label="estimate",
        )
    if truth is not None:
        ax.scatter(
            _wrapped_deg(truth[0]),
            90.0 - np.degrees(truth[1]),
            marker="o",
            s=60,
            facecolors="none",
            edgecolors="w",
            gid="truth",
            label="truth",
        )

    ax.set_xlim(-180.0, 180.0)
    ax.set_ylim(-90.0, 90.0)
    ax.set_xlabel("azimuth (deg, counter-clockwise from +x)")
    ax.set_ylabel("elevation (deg)")
    return ax


def _horizon_map(points, power, truth, found, ax):
    """Far field on the horizon: power against azimuth, polar unless ``ax`` is not."""
    ax = _new_axes(ax, polar=True)
    polar = ax.name == "polar"
    azimuth = np.radians(_wrapped_deg(np.arctan2(points[:, 1], points[:, 0])))
    order = np.argsort(azimuth)
    azimuth, power = azimuth[order], power[order]

    if polar:
        closed = np.append(azimuth, azimuth[0] + 2.0 * np.pi)
        ax.plot(
            closed, np.append(power, power[0]), color="C0", gid="map", label="power"
        )
    else:
        ax.plot(np.degrees(azimuth), power, color="C0", gid="map", label="power")

    def at(angle):
        return (
            math.radians(_wrapped_deg(angle)) if polar else float(_wrapped_deg(angle))
        )

    for k, (az, _) in enumerate(found):
        ax.axvline(
            at(az),
            color="C3",
            ls="--",
            gid="estimate",
            label="estimate" if k == 0 else "_nolegend_",
        )
    if truth is not None:
        ax.axvline(at(truth[0]), color="C2", ls=":", gid="truth", label="truth")

    if not polar:
        ax.set_xlim(-180.0, 180.0)
        ax.set_xlabel("azimuth (deg, counter-clockwise from +x)")
        ax.set_ylabel("power")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def _plane_map(points, power, truth, found, ax):
    """Near field: an x-y map, the largest power over height for a volume."""
    ax = _new_axes(ax)
    label = "power"
    if np.ptp(points[:, 2]) > 1e-9:
        keys, inverse = np.unique(
            np.round(points[:, :2], 9), axis=0, return_inverse=True
        )
        best = np.full(len(keys), -np.inf)
        np.maximum.at(best, inverse.ravel(), power)
        points, power, label = keys, best, "power (largest over height)"

    image = ax.scatter(
        points[:, 0], points[:, 1], c=power, marker="s", s=16, cmap="viridis", gid="map"
    )
    _colorbar(ax, image, label)
    if found:
        x, y = np.array(found).T
        ax.scatter(x, y, marker="x", s=60, color="C3", gid="estimate", label="estimate")
    if truth is not None:
        ax.scatter(
            [truth[0]],
            [truth[1]],
            marker="o",
            s=60,
            facecolors="none",
            edgecolors="w",
            gid="truth",
            label="truth",
        )

    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    return ax
