"""Coordinate frames and UTM <-> WGS84, against published coordinates, the shipped
scene and the CLI's own printed output."""

import re
from pathlib import Path

import numpy as np
import pytest

import soundloc

LOCAR_SCENE = (
    Path(__file__).resolve().parents[2] / "datasets" / "locar-aru9" / "scene.toml"
)

# A metre is about 9e-6 degrees of latitude; 1 mm about 9e-9.
MM_IN_DEGREES = 1e-3 / 111_000.0


def _locar_sensors():
    # The scene's UTM 12N sensor positions, read with a regex (tomllib needs 3.11).
    text = LOCAR_SCENE.read_text()
    assert 'system = "utm"' in text and "zone = 12" in text
    rows = re.findall(r"^position = \[([^\]]+)\]", text, flags=re.MULTILINE)
    assert len(rows) == 9
    return np.array([[float(v) for v in row.split(",")] for row in rows])


def test_published_point_cn_tower():
    # Wikipedia, "Universal Transverse Mercator coordinate system", section "Locating
    # a position using UTM coordinates": the CN Tower, 43 deg 38' 33.24" N,
    # 79 deg 23' 13.7" W, is at 17N 630084 m east, 4833438 m north (whole metres).
    lat, lon = 43 + 38 / 60 + 33.24 / 3600, -(79 + 23 / 60 + 13.7 / 3600)
    easting, northing, zone, north = soundloc.wgs84_to_utm(lat, lon)
    assert (zone, north) == (17, True)
    assert abs(easting - 630084) < 1.0 and abs(northing - 4833438) < 1.0
    back_lat, back_lon = soundloc.utm_to_wgs84(630084.0, 4833438.0, 17)
    assert abs(back_lat - lat) < 1e-5 and abs(back_lon - lon) < 1.5e-5


def test_cli_output_for_the_locar_scene():
    # The README's `soundloc locate` output prints the first REVI song at UTM 12N
    # 371335.94 5934570.21 and at 53.544247,-112.941814 (six decimals).
    lat, lon = soundloc.utm_to_wgs84(371335.94, 5934570.21, 12)
    assert abs(lat - 53.544247) < 1e-6 and abs(lon + 112.941814) < 1e-6


def test_locar_sensors_land_near_the_published_site():
    sensors = _locar_sensors()
    frame = soundloc.CoordinateFrame("utm", sensors, zone=12, hemisphere="north")
    assert (frame.system, frame.zone, frame.north) == ("utm", 12, True)
    geodetic = frame.to_geodetic(frame.to_local(sensors))
    assert geodetic.shape == sensors.shape
    assert np.all(np.abs(geodetic[:, 0] - 53.544) < 0.002)
    assert np.all(np.abs(geodetic[:, 1] + 112.94) < 0.003)
    np.testing.assert_allclose(geodetic[:, 2], sensors[:, 2], atol=1e-6)

    # The origin is the centre of the array: the mean easting and northing.
    lat, lon, alt = frame.origin
    centre = sensors.mean(axis=0)
    assert (lat, lon) == pytest.approx(
        soundloc.utm_to_wgs84(*centre[:2], 12), abs=1e-12
    )
    assert alt == pytest.approx(centre[2])
    np.testing.assert_allclose(frame.to_local(centre), 0.0, atol=1e-6)


def test_round_trips_local_utm_wgs84_within_a_millimetre():
    sensors = _locar_sensors()
    utm_frame = soundloc.CoordinateFrame("utm", sensors, zone=12)
    rng = np.random.default_rng(2)
    local = rng.uniform([-400, -400, -30], [400, 400, 60], size=(50, 3))

    # local -> UTM -> local.
    utm = utm_frame.from_local(local)
    np.testing.assert_allclose(utm_frame.to_local(utm), local, atol=1e-3)

    # UTM -> WGS84 (one-shot) agrees with the frame's own geodetic conversion.
    geodetic = utm_frame.to_geodetic(local)
    for (e, n, _), (lat, lon, _) in zip(utm, geodetic):
        lat2, lon2 = soundloc.utm_to_wgs84(e, n, 12)
        assert abs(lat2 - lat) < MM_IN_DEGREES and abs(lon2 - lon) < 2 * MM_IN_DEGREES
        # WGS84 -> UTM, back to the same easting and northing.
        e2, n2, zone, north = soundloc.wgs84_to_utm(lat, lon)
        assert (zone, north) == (12, True)
        assert abs(e2 - e) < 1e-3 and abs(n2 - n) < 1e-3

    # A WGS84 frame on the same sensors: the same geometry (distances) within 1 mm,
    # and its own round trip.
    wgs_frame = soundloc.CoordinateFrame(
        "wgs84", utm_frame.to_geodetic(utm_frame.to_local(sensors))
    )
    in_wgs = wgs_frame.to_local(geodetic)
    np.testing.assert_allclose(
        wgs_frame.from_local(in_wgs), geodetic, atol=MM_IN_DEGREES
    )
    distances = lambda p: np.linalg.norm(p[:, None] - p[None], axis=2)  # noqa: E731
    np.testing.assert_allclose(distances(in_wgs), distances(local), atol=1e-3)


def test_single_points_keep_their_shape_and_local_frames_are_the_identity():
    frame = soundloc.CoordinateFrame("local")
    assert frame.system == "local" and frame.origin is None and frame.zone is None
    point = np.array([1.0, -2.0, 3.5])
    np.testing.assert_array_equal(frame.to_local(point), point)
    np.testing.assert_array_equal(frame.from_local([point]), [point])
    with pytest.raises(soundloc.InvalidInputError, match="origin"):
        frame.to_geodetic(point)

    placed = soundloc.CoordinateFrame("local", origin=(45.44, 4.38, 520.0))
    lat, lon, alt = placed.to_geodetic([0.0, 0.0, 0.0])
    assert (lat, lon, alt) == pytest.approx((45.44, 4.38, 520.0), abs=1e-9)
    # 111.1 km per degree of latitude near 45 N: 100 m north is 9.0e-4 degrees.
    assert placed.to_geodetic([0.0, 100.0, 0.0])[0] - 45.44 == pytest.approx(
        9.0e-4, rel=0.01
    )
    assert "origin" in repr(placed)


def test_southern_hemisphere():
    # Sydney, south of the equator: northings count from 10 000 km.
    easting, northing, zone, north = soundloc.wgs84_to_utm(-33.87, 151.21)
    assert (zone, north) == (56, False) and 6_000_000 < northing < 10_000_000
    lat, lon = soundloc.utm_to_wgs84(easting, northing, zone, north=False)
    assert (lat, lon) == pytest.approx((-33.87, 151.21), abs=1e-10)
    frame = soundloc.CoordinateFrame(
        "utm", [[easting, northing, 10.0]], zone=56, hemisphere="south"
    )
    assert frame.north is False
    assert frame.to_geodetic([0.0, 0.0, 0.0])[:2] == pytest.approx([-33.87, 151.21])


def test_a_chosen_zone_keeps_a_site_in_one_grid():
    lat, lon = 53.544, -112.94
    e12, n12, _, _ = soundloc.wgs84_to_utm(lat, lon)
    e11, n11, zone, _ = soundloc.wgs84_to_utm(lat, lon, zone=11)
    assert zone == 11 and e11 > 700_000 and e12 < 500_000
    assert soundloc.utm_to_wgs84(e11, n11, 11) == pytest.approx((lat, lon), abs=1e-10)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: soundloc.wgs84_to_utm(91.0, 0.0), "91"),
        (lambda: soundloc.wgs84_to_utm(-90.5, 0.0), "-90.5"),
        (lambda: soundloc.wgs84_to_utm(45.0, 200.0), "200"),
        (lambda: soundloc.wgs84_to_utm(np.nan, 0.0), "NaN"),
        (lambda: soundloc.wgs84_to_utm(45.0, np.inf), "inf"),
        (lambda: soundloc.wgs84_to_utm(86.0, 10.0), "86"),
        (lambda: soundloc.wgs84_to_utm(45.0, 0.0, zone=0), "zone.*0"),
        (lambda: soundloc.wgs84_to_utm(45.0, 0.0, zone=61), "zone.*61"),
        (lambda: soundloc.wgs84_to_utm(45.0, 100.0, zone=12), "zone 12"),
        (lambda: soundloc.utm_to_wgs84(500_000.0, 5e6, 61), "zone.*61"),
        (lambda: soundloc.utm_to_wgs84(np.nan, 5e6, 12), "easting"),
        (lambda: soundloc.utm_to_wgs84(500_000.0, np.inf, 12), "northing"),
        (lambda: soundloc.utm_to_wgs84(5e7, 5e6, 12), "easting"),
        (lambda: soundloc.CoordinateFrame("mercator"), "system"),
        (lambda: soundloc.CoordinateFrame("utm", [[5e5, 5e6, 0.0]]), "zone"),
        (
            lambda: soundloc.CoordinateFrame("utm", [[5e5, 5e6, 0.0]], zone=99),
            "zone.*99",
        ),
        (
            lambda: soundloc.CoordinateFrame(
                "utm", [[5e5, 5e6, 0]], zone=1, hemisphere="up"
            ),
            "hemisphere",
        ),
        (
            lambda: soundloc.CoordinateFrame("wgs84", [[45.0, 4.0, 0.0]], zone=31),
            "zone: expected no zone outside system 'utm', got 31$",
        ),
        (lambda: soundloc.CoordinateFrame("wgs84"), "positions"),
        (
            lambda: soundloc.CoordinateFrame(
                "wgs84", [[45.0, 4.0, 0.0], [95.0, 4.0, 0.0]]
            ),
            r"positions\[1\].*95",
        ),
        (
            lambda: soundloc.CoordinateFrame("local", origin=(100.0, 0.0, 0.0)),
            "origin.*100",
        ),
        (lambda: soundloc.CoordinateFrame("wgs84", [[45.0, 4.0]]), "positions"),
        (
            lambda: soundloc.CoordinateFrame("local").to_local([[1.0, np.nan, 0.0]]),
            r"positions\[0\]",
        ),
        (lambda: soundloc.CoordinateFrame("local").from_local([1.0, 2.0]), "enu"),
        (
            lambda: soundloc.CoordinateFrame("local").from_local(
                [[0, 0, 0], [1.0, np.inf, 0]]
            ),
            r"enu\[1\]",
        ),
    ],
)
def test_bad_coordinates_are_named(call, match):
    with pytest.raises(soundloc.InvalidInputError, match=match):
        call()


def test_utm_frame_rejects_far_points():
    frame = soundloc.CoordinateFrame("utm", _locar_sensors(), zone=12)
    with pytest.raises(soundloc.InvalidInputError, match=r"positions\[0\]"):
        frame.to_local([[9_990_000.0, 5_934_600.0, 740.0]])
    with pytest.raises(soundloc.InvalidInputError, match="UTM zone 12"):
        frame.from_local([5e6, 0.0, 0.0])
