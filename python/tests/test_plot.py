"""soundloc.plot: the error ellipse against the chi-square law, and each plot draws
what it claims where it claims (matplotlib's Agg backend, no window)."""

import importlib
import math
import subprocess
import sys

import numpy as np
import pytest
from conftest import circular, delayed_pair, far_field_noise, numpy_gcc_phat

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.path import Path as PolygonPath  # noqa: E402

import soundloc  # noqa: E402
from soundloc import InvalidInputError  # noqa: E402
from soundloc.plot import (  # noqa: E402
    ellipse_points,
    plot_correlation,
    plot_scene_map,
    plot_srp_map,
)

FS = 16_000.0
CHI2_2DOF_95 = 5.991464547107979  # chi-square quantile, 2 degrees of freedom, p = 0.95


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def tagged(ax, gid):
    return [artist for artist in ax.get_children() if artist.get_gid() == gid]


def random_covariance(rng):
    """A random symmetric positive definite 2 x 2 matrix, m^2."""
    a = rng.standard_normal((2, 2))
    return a @ a.T + 0.05 * np.eye(2)


# ellipse_points


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99])
def test_ellipse_points_lie_on_the_chi_square_contour(confidence):
    rng = np.random.default_rng(7)
    quantile = -2.0 * math.log(1.0 - confidence)
    for _ in range(5):
        cov = random_covariance(rng)
        points = ellipse_points(cov, confidence, n=50)
        assert points.shape == (50, 2)
        mahalanobis = np.einsum("ni,ni->n", points, np.linalg.solve(cov, points.T).T)
        np.testing.assert_allclose(mahalanobis, quantile, rtol=1e-10)


def test_ellipse_at_95_percent_uses_5_991():
    cov = np.array([[4.0, 0.0], [0.0, 1.0]])
    points = ellipse_points(cov, 0.95, n=4)  # angles 0, 90, 180, 270 degrees
    np.testing.assert_allclose(
        np.abs(points).max(axis=0), np.sqrt(CHI2_2DOF_95 * np.array([4.0, 1.0]))
    )


def test_ellipse_extent_and_coverage_match_the_gaussian():
    rng = np.random.default_rng(11)
    cov = np.array([[2.0, 1.2], [1.2, 1.5]])
    points = ellipse_points(cov, 0.95, n=2048)

    # The half-width along each axis of a Gaussian's ellipse is sqrt(q * variance).
    np.testing.assert_allclose(
        np.abs(points).max(axis=0), np.sqrt(CHI2_2DOF_95 * np.diag(cov)), rtol=1e-5
    )

    # 95 % of Gaussian draws fall inside the polygon (matplotlib counts, not C^-1).
    draws = rng.multivariate_normal([0.0, 0.0], cov, size=200_000)
    inside = PolygonPath(points).contains_points(draws)
    assert abs(inside.mean() - 0.95) < 0.003


def test_ellipse_of_a_singular_covariance_is_a_segment():
    cov = np.array([[1.0, 1.0], [1.0, 1.0]])  # all the spread along (1, 1)
    points = ellipse_points(cov, 0.95)
    np.testing.assert_allclose(points[:, 0], points[:, 1], atol=1e-12)
    np.testing.assert_allclose(
        np.abs(points[:, 0]).max(), math.sqrt(CHI2_2DOF_95), rtol=1e-3
    )


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.eye(3), 0.95), r"covariance_2x2: expected a \(2, 2\).*shape \(3, 3\)"),
        ((np.array([[1.0, 0.5], [0.0, 1.0]]), 0.95), "symmetric"),
        ((-np.eye(2), 0.95), "positive semi-definite"),
        ((np.array([[1.0, np.nan], [np.nan, 1.0]]), 0.95), "NaN"),
        ((np.eye(2, dtype=complex), 0.95), "complex128"),
        ((np.eye(2), 1.0), "confidence"),
        ((np.eye(2), 0.0), "confidence"),
        ((np.eye(2), 0.95, 2), "n: expected an integer of at least 3"),
    ],
)
def test_ellipse_points_refuses_bad_input(args, match):
    with pytest.raises(InvalidInputError, match=match):
        ellipse_points(*args)


# plot_correlation


def test_correlation_plot_marks_the_peak_and_the_physical_limits():
    x_i, x_j = delayed_pair(2048, 12.4, seed=3, noise=0.05)
    lags, values = numpy_gcc_phat(x_i, x_j)
    max_delay_s = 40 / FS
    result = soundloc.gcc_phat(x_i, x_j, FS, max_delay_s=max_delay_s)

    ax = plot_correlation(lags / FS, values, delay_s=result, title="pair 0-1")

    (curve,) = tagged(ax, "correlation")
    np.testing.assert_allclose(curve.get_xdata(), lags / FS * 1e3)
    (peak,) = tagged(ax, "peak")
    assert peak.get_xdata()[0] == pytest.approx(12.4 / FS * 1e3, abs=0.05 / FS * 1e3)
    assert peak.get_xdata()[0] == pytest.approx(result.delay_s * 1e3)
    # The marker sits at the refined peak's height, which no sampled lag exceeds by
    # much and which is above the straight line between the samples around it.
    (marker,) = tagged(ax, "peak-marker")
    assert marker.get_ydata()[0] == pytest.approx(result.peak)
    assert result.peak >= np.interp(result.delay_s, lags / FS, values)
    assert result.peak == pytest.approx(values.max(), rel=0.05)
    limits = sorted(line.get_xdata()[0] for line in tagged(ax, "limit"))
    np.testing.assert_allclose(limits, [-2.5, 2.5])  # 40 samples at 16 kHz, ms
    assert len(tagged(ax, "beyond-limit")) == 2
    assert ax.get_title() == "pair 0-1"
    assert "ms" in ax.get_xlabel()


def test_correlation_plot_draws_on_the_given_axes_and_takes_plain_numbers():
    lags = np.linspace(-1e-3, 1e-3, 33)
    values = np.exp(-(((lags - 2e-4) / 1e-4) ** 2))
    _, ax = plt.subplots()
    returned = plot_correlation(lags, values, delay_s=2e-4, max_delay_s=5e-3, ax=ax)
    assert returned is ax
    assert tagged(ax, "peak")[0].get_xdata()[0] == pytest.approx(0.2)
    # The limits lie beyond the lags: drawn, the view widened, nothing to shade.
    assert sorted(line.get_xdata()[0] for line in tagged(ax, "limit")) == pytest.approx(
        [-5.0, 5.0]
    )
    assert ax.get_xlim() == pytest.approx((-5.0, 5.0))
    assert tagged(ax, "beyond-limit") == []

    bare = plot_correlation(lags, values)
    assert tagged(bare, "peak") == [] and tagged(bare, "limit") == []


def test_correlation_plot_refuses_bad_input():
    lags = np.linspace(-1e-3, 1e-3, 33)
    with pytest.raises(InvalidInputError, match="values: expected 33 values"):
        plot_correlation(lags, np.zeros(32))
    with pytest.raises(InvalidInputError, match="lags_s: expected strictly increasing"):
        plot_correlation(lags[::-1], np.zeros(33))
    with pytest.raises(InvalidInputError, match="max_delay_s: expected a positive"):
        plot_correlation(lags, np.zeros(33), max_delay_s=-1e-3)
    with pytest.raises(InvalidInputError, match="delay_s"):
        plot_correlation(lags, np.zeros(33), delay_s="0.1")


# plot_srp_map


def wrapped_deg(angle_rad):
    return (np.degrees(angle_rad) + 180.0) % 360.0 - 180.0


def test_horizon_map_is_a_polar_curve_with_the_estimate_and_the_truth():
    mics = circular(8, 0.1)
    truth = np.radians(-120.0)
    signals = far_field_noise(mics, truth, np.pi / 2, int(FS), 8192, seed=5)
    grid = soundloc.SearchGrid.horizon(180)
    srp = soundloc.SrpPhat(mics, grid, sample_rate=FS, fft_len=512)
    found = srp.process_spectra(soundloc.stft(signals, 512, 256))

    ax = plot_srp_map(grid, srp, true_direction=(truth, np.pi / 2), estimates=found)

    assert ax.name == "polar"
    (curve,) = tagged(ax, "map")
    azimuths = np.radians(wrapped_deg(np.arctan2(grid.points[:, 1], grid.points[:, 0])))
    order = np.argsort(azimuths)
    np.testing.assert_allclose(curve.get_xdata()[:-1], azimuths[order])
    np.testing.assert_allclose(curve.get_ydata()[:-1], srp.map[order])
    assert curve.get_ydata()[-1] == curve.get_ydata()[0]  # closed
    (estimate,) = tagged(ax, "estimate")
    assert estimate.get_xdata()[0] == pytest.approx(
        np.radians(wrapped_deg(found[0].azimuth))
    )
    (true_line,) = tagged(ax, "truth")
    assert true_line.get_xdata()[0] == pytest.approx(truth)
    assert abs(wrapped_deg(found[0].azimuth - truth)) < 1.0


def test_horizon_map_on_cartesian_axes_is_in_degrees():
    grid = soundloc.SearchGrid.horizon(36)
    power = np.cos(np.arctan2(grid.points[:, 1], grid.points[:, 0]) - 1.0)
    _, ax = plt.subplots()
    plot_srp_map(
        grid.points, power, true_direction=[math.cos(1.0), math.sin(1.0), 0.0], ax=ax
    )
    (curve,) = tagged(ax, "map")
    assert curve.get_xdata().min() >= -180.0 and curve.get_xdata().max() < 180.0
    assert tagged(ax, "truth")[0].get_xdata()[0] == pytest.approx(math.degrees(1.0))


def test_sphere_map_places_points_and_marks_in_azimuth_and_elevation():
    mics = np.array(
        [
            [0.0, 0.0, 0.0],
            [0.1, 0.0, 0.0],
            [0.0, 0.1, 0.0],
            [0.0, 0.0, 0.1],
            [0.07, 0.07, 0.05],
        ]
    )
    azimuth, colatitude = np.radians(50.0), np.radians(60.0)
    signals = far_field_noise(mics, azimuth, colatitude, int(FS), 8192, seed=6)
    grid = soundloc.SearchGrid.sphere(3)
    music = soundloc.Music(mics, grid, sample_rate=FS, fft_len=512)
    found = music.process_signals(signals, 256)

    ax = plot_srp_map(
        grid, music.map, true_direction=(azimuth, colatitude), estimates=found
    )

    (scatter,) = tagged(ax, "map")
    points = grid.points
    expected = np.column_stack(
        [
            wrapped_deg(np.arctan2(points[:, 1], points[:, 0])),
            np.degrees(np.arcsin(points[:, 2])),
        ]
    )
    np.testing.assert_allclose(scatter.get_offsets(), expected, atol=1e-9)
    np.testing.assert_allclose(scatter.get_array(), music.map)
    (truth,) = tagged(ax, "truth")
    np.testing.assert_allclose(truth.get_offsets()[0], [50.0, 30.0])
    (estimate,) = tagged(ax, "estimate")
    np.testing.assert_allclose(estimate.get_offsets()[0], [50.0, 30.0], atol=2.0)
    assert ax.get_xlabel().startswith("azimuth") and ax.get_ylabel().startswith(
        "elevation"
    )


def test_plane_map_is_an_x_y_map_and_a_volume_shows_the_largest_power_over_height():
    source = np.array([0.3, -0.2, 0.5])
    plane = soundloc.SearchGrid.plane((-1.0, 1.0), (-1.0, 1.0), 0.5, 0.1)
    power = -np.linalg.norm(plane.points - source, axis=1)
    ax = plot_srp_map(plane, power, true_direction=source, estimates=[(0.3, -0.2)])
    (scatter,) = tagged(ax, "map")
    np.testing.assert_allclose(scatter.get_offsets(), plane.points[:, :2])
    np.testing.assert_allclose(tagged(ax, "estimate")[0].get_offsets()[0], [0.3, -0.2])
    np.testing.assert_allclose(tagged(ax, "truth")[0].get_offsets()[0], [0.3, -0.2])

    volume = soundloc.SearchGrid.volume((0.0, 0.4), (0.0, 0.2), (0.0, 0.3), 0.1)
    power = np.random.default_rng(2).standard_normal(len(volume))
    ax = plot_srp_map(volume, power)
    (scatter,) = tagged(ax, "map")
    for (x, y), value in zip(scatter.get_offsets(), scatter.get_array()):
        column = np.hypot(volume.points[:, 0] - x, volume.points[:, 1] - y) < 1e-6
        assert value == power[column].max()
    assert len(scatter.get_offsets()) == 5 * 3


def test_srp_map_refuses_mismatched_input():
    grid = soundloc.SearchGrid.horizon(36)
    with pytest.raises(InvalidInputError, match="power: expected 36 values"):
        plot_srp_map(grid, np.zeros(35))
    with pytest.raises(
        InvalidInputError, match=r"grid_points: expected an \(n_points, 3\)"
    ):
        plot_srp_map(np.zeros((36, 2)), np.zeros(36))
    plane = soundloc.SearchGrid.plane((0.0, 1.0), (0.0, 1.0), 0.0, 0.5)
    far_estimate = _Estimate(azimuth=0.3, colatitude=1.0, position=None)
    with pytest.raises(InvalidInputError, match=r"estimates\[0\]: expected a position"):
        plot_srp_map(plane, np.zeros(len(plane)), estimates=[far_estimate])
    with pytest.raises(InvalidInputError, match="true_direction"):
        plot_srp_map(grid, np.zeros(36), true_direction=[1.0, 0.0, 0.0, 0.0])


class _Estimate:
    """A stand-in result object: the plots read attributes only."""

    def __init__(self, **attributes):
        self.__dict__.update(attributes)


# plot_scene_map


def located_events():
    """Two sources located from noisy delays over six sensors: Solutions and truth."""
    rng = np.random.default_rng(4)
    sensors = np.array(
        [
            [0.0, 0.0, 1.0],
            [40.0, 0.0, 2.0],
            [40.0, 35.0, 1.5],
            [0.0, 35.0, 3.0],
            [20.0, -10.0, 1.0],
            [22.0, 45.0, 2.5],
        ]
    )
    truth = np.array([[12.0, 20.0, 1.5], [30.0, 8.0, 2.0]])
    solutions = []
    for source in truth:
        times = np.linalg.norm(sensors - source, axis=1) / 343.2
        rows = [
            (0, j, times[j] - times[0] + rng.normal(0.0, 2e-5))
            for j in range(1, len(sensors))
        ]
        solutions.append(soundloc.locate(sensors, rows, delay_std_s=2e-5, dimension=2))
    return sensors, solutions, truth


def test_scene_map_draws_labelled_sensors_events_ellipses_and_truth():
    sensors, solutions, truth = located_events()
    ids = ["S1", "S2", "S3", "S4", "S5", "S6"]

    ax = plot_scene_map(sensors, sensor_ids=ids, events=solutions, truth=truth)

    assert sorted(text.get_text() for text in tagged(ax, "sensor-label")) == ids
    np.testing.assert_allclose(tagged(ax, "sensor")[0].get_offsets(), sensors[:, :2])
    centres = np.array([s.position[:2] for s in solutions])
    np.testing.assert_allclose(tagged(ax, "estimate")[0].get_offsets(), centres)

    # One ellipse per event, centred on it, as wide as sqrt(q * variance) on each axis.
    ellipses = tagged(ax, "ellipse")
    assert len(ellipses) == len(solutions)
    for line, solution in zip(ellipses, solutions):
        xy = np.column_stack([line.get_xdata(), line.get_ydata()])
        np.testing.assert_allclose(xy[0], xy[-1])  # closed
        half_width = (xy.max(axis=0) - xy.min(axis=0)) / 2
        expected = np.sqrt(CHI2_2DOF_95 * np.diag(solution.covariance)[:2])
        np.testing.assert_allclose(half_width, expected, rtol=2e-3)
        np.testing.assert_allclose(
            (xy.max(axis=0) + xy.min(axis=0)) / 2,
            solution.position[:2],
            atol=1e-3 * expected.max(),
        )

    # The truth, joined to its estimate.
    np.testing.assert_allclose(tagged(ax, "truth")[0].get_offsets(), truth[:, :2])
    links = tagged(ax, "truth-link")
    assert len(links) == 2
    for link, (tx, ty), (ex, ey) in zip(links, truth[:, :2], centres):
        np.testing.assert_allclose(link.get_xydata(), [[tx, ty], [ex, ey]])
    # The located events are near the truth (the scene is not degenerate).
    assert np.all(np.linalg.norm(centres - truth[:, :2], axis=1) < 0.5)
    assert ax.get_xlabel() == "east (m)" and ax.get_ylabel() == "north (m)"
    assert ax.get_aspect() == 1.0


def test_scene_map_takes_plain_arrays_and_named_results():
    sensors, solutions, _ = located_events()
    covariances = np.array(
        [s.covariance for s in solutions]
    )  # 2-D solves: inf height variance
    positions = np.array([s.position for s in solutions])
    ax = plot_scene_map(
        sensors, event_positions=positions, covariances=covariances, confidence=0.5
    )
    for line, cov in zip(tagged(ax, "ellipse"), covariances):
        half_width = (line.get_xdata().max() - line.get_xdata().min()) / 2
        assert half_width == pytest.approx(
            math.sqrt(-2 * math.log(0.5) * cov[0, 0]), rel=2e-3
        )

    named = [
        _Estimate(name="glass", solution=solutions[0]),
        _Estimate(position=positions[1], covariance=None),
    ]
    ax = plot_scene_map(sensors[:, :2], events=named)
    assert len(tagged(ax, "ellipse")) == 1
    assert [text.get_text() for text in tagged(ax, "event-label")] == ["glass"]
    assert [text.get_text() for text in tagged(ax, "sensor-label")] == [
        str(k) for k in range(6)
    ]


def test_scene_map_refuses_inconsistent_input():
    sensors, solutions, truth = located_events()
    with pytest.raises(InvalidInputError, match="truth: expected 2 positions"):
        plot_scene_map(sensors, events=solutions, truth=truth[:1])
    with pytest.raises(
        InvalidInputError, match="event_positions: expected None when events"
    ):
        plot_scene_map(sensors, events=solutions, event_positions=truth)
    with pytest.raises(InvalidInputError, match="sensor_ids: expected 6 labels"):
        plot_scene_map(sensors, sensor_ids=["a"])
    with pytest.raises(
        InvalidInputError, match=r"covariances\[1\]: expected a symmetric"
    ):
        plot_scene_map(
            sensors,
            event_positions=truth,
            covariances=[np.eye(2), [[1.0, 0.5], [0.0, 1.0]]],
        )
    with pytest.raises(InvalidInputError, match="confidence: expected a probability"):
        plot_scene_map(sensors, events=solutions, confidence=95)
    with pytest.raises(InvalidInputError, match="sensor_positions"):
        plot_scene_map(sensors.T[:, :4])


# matplotlib stays optional


def test_importing_soundloc_does_not_import_matplotlib():
    code = (
        "import sys, soundloc\n"
        "assert 'matplotlib' not in sys.modules\n"
        "soundloc.pra.positions_from_pra([[0.0], [1.0]])\n"
        "assert 'matplotlib' not in sys.modules\n"
        "assert callable(soundloc.plot.plot_scene_map)\n"
        "assert 'matplotlib' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_matplotlib_the_error_names_the_extra(monkeypatch):
    for name in [name for name in sys.modules if name.split(".")[0] == "matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "soundloc.plot")
    monkeypatch.delattr(soundloc, "plot")

    with pytest.raises(ImportError, match=r"pip install soundloc\[plot\]"):
        importlib.import_module("soundloc.plot")
    with pytest.raises(ImportError, match=r"pip install soundloc\[plot\]"):
        soundloc.plot  # noqa: B018  (the lazy attribute imports it)
