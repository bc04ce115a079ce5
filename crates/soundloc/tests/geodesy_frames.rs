//! The local east-north-up frame against geodesy we can check independently: published grid
//! coordinates, geodesic distances, and the validation of bad coordinates.

use geo3d::{Geodetic, WGS84};
use soundloc::geodesy::{CoordinateSystem, EnuFrame, LatLonAlt};

const ZONE_12N: CoordinateSystem = CoordinateSystem::Utm {
    zone: 12,
    north: true,
};

fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

#[test]
fn utm_and_wgs84_frames_agree_to_a_micrometre() {
    // Two stations of the locaR example array, in UTM and as latitude/longitude.
    let utm = [
        [371296.0242, 5934638.023, 738.0433],
        [371378.1477, 5934557.993, 733.8934],
    ];
    let utm_frame = EnuFrame::new(ZONE_12N, &utm).unwrap();
    let wgs84: Vec<[f64; 3]> = utm
        .iter()
        .map(|&p| {
            let g = utm_frame
                .to_geodetic(utm_frame.to_local(p).unwrap())
                .unwrap();
            [g.lat_deg, g.lon_deg, g.alt_m]
        })
        .collect();

    // Each WGS84 position converts back to its UTM position.
    let wgs84_frame = EnuFrame::new(CoordinateSystem::Wgs84, &wgs84).unwrap();
    for (w, u) in wgs84.iter().zip(utm) {
        let local = wgs84_frame.to_local(*w).unwrap();
        let geodetic = wgs84_frame.to_geodetic(local).unwrap();
        let back = utm_frame
            .from_local(utm_frame.to_local(u).unwrap())
            .unwrap();
        assert!(distance(back, u) < 1e-6, "{back:?} vs {u:?}");
        assert!((geodetic.lat_deg - w[0]).abs() < 1e-11);
        assert!((geodetic.lon_deg - w[1]).abs() < 1e-11);
    }

    // Both frames see the same distance between the stations.
    let d_utm = distance(
        utm_frame.to_local(utm[0]).unwrap(),
        utm_frame.to_local(utm[1]).unwrap(),
    );
    let d_wgs84 = distance(
        wgs84_frame.to_local(wgs84[0]).unwrap(),
        wgs84_frame.to_local(wgs84[1]).unwrap(),
    );
    assert!((d_utm - d_wgs84).abs() < 1e-6, "{d_utm} vs {d_wgs84}");
}

#[test]
fn local_distances_match_the_geodesic_not_the_map() {
    // Two points 40 m apart on the UTM map, on the ellipsoid (height 0).
    let a = [371_296.0, 5_934_638.0, 0.0];
    let b = [371_320.0, 5_934_670.0, 0.0];
    let frame = EnuFrame::new(ZONE_12N, &[a, b]).unwrap();
    let local = distance(frame.to_local(a).unwrap(), frame.to_local(b).unwrap());

    // The geodesic between them, from geo3d directly.
    let geodetic = |p| {
        let g = frame.to_geodetic(frame.to_local(p).unwrap()).unwrap();
        Geodetic::new(g.lat_deg, g.lon_deg, 0.0)
    };
    let geodesic = WGS84
        .geodesic_inverse(geodetic(a), geodetic(b))
        .unwrap()
        .distance_m;

    // Over 40 m a straight chord and the ellipsoid's arc differ by far less than a millimetre;
    // the map distance is shrunk by the point scale, between 0.9996 and 1 this close to the
    // central meridian (129 km away).
    assert!((local - geodesic).abs() < 1e-3, "{local} vs {geodesic}");
    let map = distance(a, b);
    let scale = map / geodesic;
    assert!((0.9996..1.0).contains(&scale), "point scale {scale}");
}

#[test]
fn published_grid_point_maps_to_its_latitude_and_longitude() {
    // geo3d's documentation: 56 S, 334 786 E, 6 252 080 N is -33.858663916529910,
    // 151.214022860895080 (Sydney), cross-checked there against GeographicLib.
    let system = CoordinateSystem::Utm {
        zone: 56,
        north: false,
    };
    let point = [334_786.0, 6_252_080.0, 20.0];
    let frame = EnuFrame::new(system, &[point, [334_886.0, 6_252_180.0, 25.0]]).unwrap();
    let g = frame.to_geodetic(frame.to_local(point).unwrap()).unwrap();
    assert!((g.lat_deg + 33.858_663_916_529_91).abs() < 1e-9, "{g:?}");
    assert!((g.lon_deg - 151.214_022_860_895_08).abs() < 1e-9, "{g:?}");
    assert!((g.alt_m - 20.0).abs() < 1e-6, "{g:?}");
}

#[test]
fn frame_is_centred_on_the_array() {
    let mics = [
        [371_296.0, 5_934_638.0, 730.0],
        [371_376.0, 5_934_558.0, 740.0],
    ];
    let frame = EnuFrame::new(ZONE_12N, &mics).unwrap();
    let a = frame.to_local(mics[0]).unwrap();
    let b = frame.to_local(mics[1]).unwrap();
    for axis in 0..3 {
        assert!((a[axis] + b[axis]).abs() < 0.01, "{a:?} {b:?}");
    }

    // Heights in the scene's vertical coordinate map to the local `up` at the origin.
    assert!((frame.up_of_height(735.0)).abs() < 1e-9);
    assert!((frame.up_of_height(745.0) - 10.0).abs() < 1e-9);
    let origin = frame.origin().unwrap();
    assert!((origin.alt_m - 735.0).abs() < 1e-9);
}

#[test]
fn local_system_with_an_origin_maps_to_latitude_and_longitude() {
    let origin = LatLonAlt {
        lat_deg: 53.5,
        lon_deg: -113.5,
        alt_m: 700.0,
    };
    let system = CoordinateSystem::Local {
        origin: Some(origin),
    };
    let frame = EnuFrame::new(system, &[[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]]).unwrap();
    let g = frame.to_geodetic([0.0, 0.0, 0.0]).unwrap();
    assert!((g.lat_deg - 53.5).abs() < 1e-12 && (g.lon_deg + 113.5).abs() < 1e-12);

    // 1000 m north is about 0.009 degrees of latitude.
    let north = frame.to_geodetic([0.0, 1000.0, 0.0]).unwrap();
    assert!((north.lat_deg - 53.5 - 0.008_98).abs() < 1e-4, "{north:?}");
}

#[test]
fn bad_latitude_and_longitude_are_named() {
    let err = CoordinateSystem::Wgs84
        .check_position("sensor \"Ex-1\"", [91.0, 10.0, 0.0])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Ex-1") && err.contains("latitude") && err.contains("91"),
        "{err}"
    );

    let err = CoordinateSystem::Wgs84
        .check_position("sensor \"Ex-2\"", [45.0, -181.5, 0.0])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Ex-2") && err.contains("longitude") && err.contains("-181.5"),
        "{err}"
    );

    let err = EnuFrame::new(CoordinateSystem::Wgs84, &[[45.0, f64::NAN, 0.0]])
        .unwrap_err()
        .to_string();
    assert!(err.contains("position 0") && err.contains("NaN"), "{err}");
}

#[test]
fn bad_zones_and_far_utm_positions_are_rejected() {
    for zone in [0, 61] {
        let system = CoordinateSystem::Utm { zone, north: true };
        let err = system.check().unwrap_err().to_string();
        assert!(
            err.contains("1 to 60") && err.contains(&zone.to_string()),
            "{err}"
        );
    }

    // An easting far outside any zone (a longitude pasted in, or a missing digit).
    let err = ZONE_12N
        .check_position("sensor \"Ex-3\"", [37_129.6, 5_934_638.0, 738.0])
        .unwrap_err()
        .to_string();
    assert!(err.contains("Ex-3") && err.contains("easting"), "{err}");

    // A northern northing given as southern.
    let south = CoordinateSystem::Utm {
        zone: 12,
        north: false,
    };
    let err = south
        .check_position("sensor \"Ex-4\"", [371_296.0, 534_638.0, 738.0])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("southern") && err.contains("northing"),
        "{err}"
    );

    // A northing in the height column.
    let err = ZONE_12N
        .check_position("sensor \"Ex-5\"", [371_296.0, 5_934_638.0, 5_934_638.0])
        .unwrap_err()
        .to_string();
    assert!(err.contains("height"), "{err}");
}

#[test]
fn utm_and_wgs84_frames_need_positions() {
    assert!(EnuFrame::new(ZONE_12N, &[]).is_err());
    assert!(EnuFrame::new(CoordinateSystem::Wgs84, &[]).is_err());
}
