//! Coordinates: from the surveyor's system into a local east-north-up frame and back.
//!
//! Sensor positions arrive in whatever the field team used: a GPS receiver gives latitude,
//! longitude and height ([`CoordinateSystem::Wgs84`]), a survey gives UTM easting, northing and
//! elevation ([`CoordinateSystem::Utm`]), and a lab array is measured with a tape in metres
//! ([`CoordinateSystem::Local`]). The solver wants none of these: it wants straight-line
//! distances in metres, so that `distance / speed_of_sound` is a travel time.
//!
//! An [`EnuFrame`] provides that. It is a flat, tangent east-north-up (ENU) frame with its
//! origin at the centre of the array. In it, the distance between two points is their true
//! straight-line distance through the air, not a distance along the ground and not a distance
//! on the UTM map. The difference matters: UTM distances are stretched or shrunk by the
//! projection's *point scale*, 0.9996 on a zone's central meridian and up to about 1.001 at its
//! edges. Over 300 m of path that is up to 12 cm, or a third of a millisecond of sound.
//!
//! ## Heights
//!
//! Heights are taken as heights above the WGS84 ellipsoid, the kind a GPS receiver reports. A
//! UTM survey usually gives elevations above sea level instead; the two differ by tens of metres
//! (the geoid undulation), but over an array a few hundred metres wide the difference is
//! practically constant, so it shifts every sensor up or down together and leaves the
//! geometry, and so the localisation, unchanged. Heights reported back through
//! [`EnuFrame::from_local`] are in the same convention as the input, so the offset cancels.
//!
//! ## Example
//!
//! ```
//! use soundloc::geodesy::{CoordinateSystem, EnuFrame};
//!
//! // Two microphones 40 m apart, east-west, in UTM zone 12 north.
//! let system = CoordinateSystem::Utm { zone: 12, north: true };
//! let mics = [[371_296.0, 5_934_638.0, 738.0], [371_336.0, 5_934_638.0, 738.0]];
//! let frame = EnuFrame::new(system, &mics)?;
//!
//! let a = frame.to_local(mics[0])?;
//! let b = frame.to_local(mics[1])?;
//! let distance = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2) + (b[2] - a[2]).powi(2)).sqrt();
//! // 40 m on the map is 12.6 mm more through the air: the map's point scale is 0.9998 here
//! // (8 mm), and 738 m above the ellipsoid the same angle spans a longer chord (4.6 mm).
//! assert!((distance - 40.0126).abs() < 0.0005, "{distance}");
//!
//! // And back into UTM.
//! let back = frame.from_local(a)?;
//! assert!((back[0] - mics[0][0]).abs() < 1e-6);
//! # Ok::<(), soundloc::Error>(())
//! ```

use geo3d::{Geodetic, LocalFrame, UtmUps, WGS84};

use crate::error::{Error, Result};

/// Plausible UTM eastings, metres. A zone is 6 degrees wide, so real eastings stay within about
/// 330 km of the central meridian (at 500 000 m); a little more is allowed for sites just
/// across a zone boundary that were kept in their neighbour's zone.
const UTM_EASTING_RANGE_M: (f64, f64) = (100_000.0, 900_000.0);

/// Plausible UTM northings in the northern hemisphere, metres: the equator to 84 degrees north.
const UTM_NORTHING_RANGE_NORTH_M: (f64, f64) = (0.0, 9_400_000.0);

/// Plausible UTM northings in the southern hemisphere, metres: 80 degrees south to the equator
/// (which is at 10 000 000 m, the "false northing").
const UTM_NORTHING_RANGE_SOUTH_M: (f64, f64) = (1_000_000.0, 10_000_000.0);

/// Heights accepted, metres: a position further from the ellipsoid than this is a typo (a
/// northing pasted into the height column, for example).
const PLAUSIBLE_HEIGHT_M: f64 = 100_000.0;

/// The false northing of the southern hemisphere, metres.
const FALSE_NORTHING_SOUTH_M: f64 = 10_000_000.0;

/// A position on the WGS84 ellipsoid: latitude and longitude in degrees, height in metres
/// above the ellipsoid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLonAlt {
    /// Latitude, degrees, north positive, within +-90.
    pub lat_deg: f64,
    /// Longitude, degrees, east positive, within +-180.
    pub lon_deg: f64,
    /// Height above the WGS84 ellipsoid, metres.
    pub alt_m: f64,
}

impl LatLonAlt {
    /// Checks that the latitude, longitude and height are finite and in range.
    ///
    /// # Errors
    /// [`Error::Coordinates`] naming `what`, the coordinate at fault, and the range expected.
    pub fn check(&self, what: &str) -> Result<()> {
        check_lat_lon_alt(what, [self.lat_deg, self.lon_deg, self.alt_m])
    }

    fn to_geo3d(self) -> Geodetic {
        Geodetic::new(self.lat_deg, self.lon_deg, self.alt_m)
    }

    fn from_geo3d(g: Geodetic) -> Self {
        LatLonAlt {
            lat_deg: g.lat_deg,
            lon_deg: g.lon_deg,
            alt_m: g.height_m,
        }
    }
}

/// The coordinate system sensor positions are given in. Every position is three numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CoordinateSystem {
    /// Metres east, north and up from some local mark: already a local frame. With an `origin`,
    /// local positions can also be mapped to latitude and longitude.
    Local {
        /// Where `[0, 0, 0]` is on the Earth, if known.
        origin: Option<LatLonAlt>,
    },
    /// UTM easting, northing and elevation, metres. The elevation is treated as a height above
    /// the ellipsoid (see the module docs for why a sea-level elevation does no harm).
    Utm {
        /// The UTM zone, 1 to 60.
        zone: u8,
        /// Northern hemisphere (false: southern, with its 10 000 km false northing).
        north: bool,
    },
    /// Latitude and longitude in degrees, then height above the WGS84 ellipsoid in metres:
    /// `[lat_deg, lon_deg, alt_m]`.
    Wgs84,
}

impl CoordinateSystem {
    /// Checks the system itself: a UTM zone from 1 to 60, a local origin on the map.
    ///
    /// # Errors
    /// [`Error::Coordinates`] saying what was expected and what arrived.
    pub fn check(&self) -> Result<()> {
        match self {
            CoordinateSystem::Local { origin: Some(o) } => o.check("local origin"),
            CoordinateSystem::Local { origin: None } | CoordinateSystem::Wgs84 => Ok(()),
            CoordinateSystem::Utm { zone, .. } => {
                if (1..=60).contains(zone) {
                    Ok(())
                } else {
                    Err(coordinates(
                        "UTM zone",
                        format!(
                            "expected a zone from 1 to 60 (the polar UPS zones are not \
                             supported), got {zone}"
                        ),
                    ))
                }
            }
        }
    }

    /// Checks one position given in this system: finite values everywhere, latitude within
    /// +-90 degrees and longitude within +-180 for WGS84, and an easting and northing that can
    /// belong to the zone and hemisphere for UTM.
    ///
    /// `what` names the position in messages, for example `sensor "Ex-1"`.
    ///
    /// # Errors
    /// [`Error::Coordinates`] naming `what` and the coordinate at fault, with the range
    /// expected and the value that arrived.
    pub fn check_position(&self, what: &str, position: [f64; 3]) -> Result<()> {
        self.check()?;
        match self {
            CoordinateSystem::Local { .. } => check_all_finite(what, position, ["x", "y", "z"]),
            CoordinateSystem::Wgs84 => check_lat_lon_alt(what, position),
            CoordinateSystem::Utm { north, .. } => check_utm(what, *north, position),
        }
    }
}

/// A local east-north-up frame in metres, centred on a sensor array, and the way to and from
/// the coordinate system the array was surveyed in.
///
/// Build it once per scene with [`EnuFrame::new`]; then [`to_local`](Self::to_local) and
/// [`from_local`](Self::from_local) convert single points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnuFrame {
    /// The system positions are given in.
    system: CoordinateSystem,
    /// The tangent frame at the origin, when the origin is known on the Earth.
    tangent: Option<LocalFrame>,
}

impl EnuFrame {
    /// Builds the frame for positions given in `system`.
    ///
    /// The origin is the centre of `positions` for UTM (the mean easting, northing and
    /// elevation) and WGS84 (the mean position on the ellipsoid, at the mean height). A local
    /// system keeps its own origin, and `positions` are only checked.
    ///
    /// # Errors
    /// - [`Error::Coordinates`] for an invalid system or position (the position is named by
    ///   its index, `position 3`; check positions first with
    ///   [`CoordinateSystem::check_position`] to name them yourself).
    /// - [`Error::InvalidParameter`] when a UTM or WGS84 system comes with no positions to
    ///   centre the frame on.
    pub fn new(system: CoordinateSystem, positions: &[[f64; 3]]) -> Result<Self> {
        system.check()?;
        for (index, &position) in positions.iter().enumerate() {
            system.check_position(&format!("position {index}"), position)?;
        }

        // A local system needs no origin of ours.
        if let CoordinateSystem::Local { origin } = system {
            let tangent = origin.map(|o| LocalFrame::new(o.to_geo3d()));
            return Ok(EnuFrame { system, tangent });
        }
        if positions.is_empty() {
            return Err(Error::parameter(
                "positions",
                "at least one position to centre the local frame on",
                "none",
            ));
        }

        // Centre the frame on the array.
        let origin = match system {
            CoordinateSystem::Utm { .. } => {
                let mean = mean_position(positions);
                utm_to_geodetic(system, "centre of the positions", mean)?
            }
            _ => {
                let points: Vec<Geodetic> = positions
                    .iter()
                    .map(|p| Geodetic::new(p[0], p[1], p[2]))
                    .collect();
                WGS84.mean_position(&points).ok_or_else(|| {
                    coordinates(
                        "centre of the positions",
                        "expected positions that do not cancel out on the globe, got \
                         positions on opposite sides of the Earth",
                    )
                })?
            }
        };
        Ok(EnuFrame {
            system,
            tangent: Some(LocalFrame::new(origin)),
        })
    }

    /// The coordinate system positions are given in.
    pub fn system(&self) -> CoordinateSystem {
        self.system
    }

    /// Where the frame's `[0, 0, 0]` is on the Earth; `None` for a local system without a
    /// known origin.
    pub fn origin(&self) -> Option<LatLonAlt> {
        self.tangent.map(|t| LatLonAlt::from_geo3d(t.origin()))
    }

    /// Converts a position given in the scene's system into metres east, north and up from the
    /// frame's origin.
    ///
    /// # Errors
    /// [`Error::Coordinates`] for a position that is not finite or not on the map (see
    /// [`CoordinateSystem::check_position`]).
    pub fn to_local(&self, position: [f64; 3]) -> Result<[f64; 3]> {
        let what = "position";
        self.system.check_position(what, position)?;

        // Local positions already are local; otherwise go through latitude and longitude.
        let geodetic = match self.system {
            CoordinateSystem::Local { .. } => return Ok(position),
            CoordinateSystem::Utm { .. } => utm_to_geodetic(self.system, what, position)?,
            CoordinateSystem::Wgs84 => Geodetic::new(position[0], position[1], position[2]),
        };
        let enu = self.tangent().enu_of(geodetic);
        Ok([enu.east, enu.north, enu.up])
    }

    /// Converts metres east, north and up from the frame's origin back into the scene's own
    /// system: the same UTM zone and hemisphere for UTM, `[lat_deg, lon_deg, alt_m]` for WGS84.
    ///
    /// # Errors
    /// [`Error::Coordinates`] for a non-finite offset, or one so large that it leaves the UTM
    /// zone.
    pub fn from_local(&self, enu: [f64; 3]) -> Result<[f64; 3]> {
        check_all_finite("local position", enu, ["east", "north", "up"])?;

        // Local positions already are local; otherwise go through latitude and longitude.
        let geodetic = match self.system {
            CoordinateSystem::Local { .. } => return Ok(enu),
            _ => self
                .tangent()
                .geodetic_of(geo3d::Enu::new(enu[0], enu[1], enu[2])),
        };
        match self.system {
            CoordinateSystem::Utm { zone, north } => {
                let grid = WGS84.to_utm_ups_zone(geodetic, zone).ok_or_else(|| {
                    coordinates(
                        "local position",
                        format!(
                            "expected a point within reach of UTM zone {zone}, got \
                             {:?} m from the frame origin ({geodetic})",
                            enu
                        ),
                    )
                })?;

                // Keep the scene's hemisphere even for a point just across the equator.
                let northing = match (grid.north, north) {
                    (true, false) => grid.northing_m + FALSE_NORTHING_SOUTH_M,
                    (false, true) => grid.northing_m - FALSE_NORTHING_SOUTH_M,
                    _ => grid.northing_m,
                };
                Ok([grid.easting_m, northing, geodetic.height_m])
            }
            _ => Ok([geodetic.lat_deg, geodetic.lon_deg, geodetic.height_m]),
        }
    }

    /// Latitude, longitude and height of a point given in metres east, north and up from the
    /// frame's origin; `None` for a local system without a known origin, or a non-finite input.
    pub fn to_geodetic(&self, enu: [f64; 3]) -> Option<LatLonAlt> {
        if !enu.iter().all(|v| v.is_finite()) {
            return None;
        }
        let tangent = self.tangent.as_ref()?;
        let geodetic = tangent.geodetic_of(geo3d::Enu::new(enu[0], enu[1], enu[2]));
        Some(LatLonAlt::from_geo3d(geodetic))
    }

    /// The local `up` coordinate of a height given in the scene's vertical coordinate
    /// (elevation for UTM, height for WGS84, `z` for a local system).
    ///
    /// Exact above the frame's origin. Away from it the Earth curves down below the tangent
    /// plane by `d^2 / 2R`: under a millimetre within 100 m, 8 mm at 300 m.
    pub fn up_of_height(&self, height_m: f64) -> f64 {
        match (self.system, self.tangent) {
            (CoordinateSystem::Local { .. }, _) | (_, None) => height_m,
            (_, Some(tangent)) => height_m - tangent.origin().height_m,
        }
    }

    /// The tangent frame; present for every system but a local one.
    fn tangent(&self) -> &LocalFrame {
        self.tangent
            .as_ref()
            .expect("EnuFrame::new builds a tangent frame for UTM and WGS84 systems")
    }
}

/// A position on the UTM grid: zone, hemisphere, easting and northing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UtmPosition {
    /// The zone, 1 to 60.
    pub zone: u8,
    /// Northern hemisphere (false: southern, northings counted from 10 000 km south).
    pub north: bool,
    /// Easting, metres (500 000 on the zone's central meridian).
    pub easting_m: f64,
    /// Northing, metres.
    pub northing_m: f64,
}

/// The UTM grid position of a latitude and longitude (degrees, WGS84), by `geo3d`'s
/// transverse Mercator (accurate to nanometres, as GeographicLib's).
///
/// Without a `zone` the standard one is used (with the Norway and Svalbard exceptions);
/// with one, the point is projected into that zone, so that a site straddling a zone
/// boundary stays in one grid. The hemisphere follows the latitude.
///
/// # Errors
/// [`Error::Coordinates`] for a non-finite latitude or longitude, a latitude beyond +-90
/// degrees or a longitude beyond +-180, a zone outside 1 to 60, a point in the polar caps
/// (beyond 84 N or 80 S) without a zone, or a point too far from the zone asked for.
pub fn wgs84_to_utm(lat_deg: f64, lon_deg: f64, zone: Option<u8>) -> Result<UtmPosition> {
    let what = "latitude and longitude";
    check_lat_lon_alt(what, [lat_deg, lon_deg, 0.0])?;
    // The equator is in the northern hemisphere, -0.0 included (adding zero makes it +0.0).
    let lat_deg = lat_deg + 0.0;
    let geodetic = Geodetic::new(lat_deg, lon_deg, 0.0);

    // The standard zone, unless the caller chose one; the polar caps have none.
    let zone = match zone {
        Some(zone) => zone,
        None => UtmUps::standard_zone(geodetic)
            .filter(|&z| z != 0)
            .ok_or_else(|| {
                coordinates(
                    what,
                    format!(
                        "expected a latitude between -80 and 84 degrees, where UTM has zones \
                     (the polar UPS grid is not supported), got {lat_deg}"
                    ),
                )
            })?,
    };
    CoordinateSystem::Utm { zone, north: true }.check()?;

    let grid = WGS84.to_utm_ups_zone(geodetic, zone).ok_or_else(|| {
        coordinates(
            what,
            format!(
                "expected a point within reach of UTM zone {zone} (central meridian {} \
                 degrees), got latitude {lat_deg}, longitude {lon_deg}",
                6.0 * f64::from(zone) - 183.0
            ),
        )
    })?;
    Ok(UtmPosition {
        zone: grid.zone,
        north: grid.north,
        easting_m: grid.easting_m,
        northing_m: grid.northing_m,
    })
}

/// The latitude and longitude (degrees, WGS84) of a UTM grid position; the height is 0.
///
/// # Errors
/// [`Error::Coordinates`] for a zone outside 1 to 60, or an easting or northing that is not
/// finite or not plausible for the zone and hemisphere (see
/// [`CoordinateSystem::check_position`]).
pub fn utm_to_wgs84(position: UtmPosition) -> Result<LatLonAlt> {
    let system = CoordinateSystem::Utm {
        zone: position.zone,
        north: position.north,
    };
    let grid = [position.easting_m, position.northing_m, 0.0];
    system.check_position("UTM position", grid)?;
    let geodetic = utm_to_geodetic(system, "UTM position", grid)?;
    Ok(LatLonAlt::from_geo3d(geodetic))
}

/// The mean of a non-empty set of positions, coordinate by coordinate.
fn mean_position(positions: &[[f64; 3]]) -> [f64; 3] {
    let mut sum = [0.0; 3];
    for p in positions {
        for (s, v) in sum.iter_mut().zip(p) {
            *s += v;
        }
    }
    sum.map(|s| s / positions.len() as f64)
}

/// Latitude, longitude and height of a UTM easting, northing and elevation.
fn utm_to_geodetic(system: CoordinateSystem, what: &str, position: [f64; 3]) -> Result<Geodetic> {
    let CoordinateSystem::Utm { zone, north } = system else {
        unreachable!("utm_to_geodetic is only called for UTM systems");
    };
    let [easting, northing, elevation] = position;
    let grid = UtmUps::new(zone, north, easting, northing);
    let geodetic = WGS84.from_utm_ups(grid).ok_or_else(|| {
        coordinates(
            what,
            format!(
                "expected a position in UTM zone {zone}, got easting {easting} m, northing \
                 {northing} m"
            ),
        )
    })?;
    Ok(geodetic.with_height(elevation))
}

/// Checks that every coordinate is finite, naming the first that is not.
fn check_all_finite(what: &str, position: [f64; 3], names: [&str; 3]) -> Result<()> {
    for (value, name) in position.iter().zip(names) {
        if !value.is_finite() {
            return Err(coordinates(
                what,
                format!("expected a finite {name}, got {value}"),
            ));
        }
    }
    Ok(())
}

/// Checks a `[lat_deg, lon_deg, alt_m]` triple.
fn check_lat_lon_alt(what: &str, position: [f64; 3]) -> Result<()> {
    check_all_finite(what, position, ["latitude", "longitude", "height"])?;
    let [lat, lon, alt] = position;

    if !(-90.0..=90.0).contains(&lat) {
        return Err(coordinates(
            what,
            format!("expected a latitude between -90 and 90 degrees, got {lat}"),
        ));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(coordinates(
            what,
            format!("expected a longitude between -180 and 180 degrees, got {lon}"),
        ));
    }
    check_height(what, alt)
}

/// Checks a UTM easting, northing and elevation against the hemisphere's plausible ranges.
fn check_utm(what: &str, north: bool, position: [f64; 3]) -> Result<()> {
    check_all_finite(what, position, ["easting", "northing", "elevation"])?;
    let [easting, northing, elevation] = position;

    let (e_min, e_max) = UTM_EASTING_RANGE_M;
    if !(e_min..=e_max).contains(&easting) {
        return Err(coordinates(
            what,
            format!(
                "expected a UTM easting between {e_min} and {e_max} m (within about 400 km \
                 of the zone's central meridian), got {easting}"
            ),
        ));
    }
    let (hemisphere, (n_min, n_max)) = if north {
        ("northern", UTM_NORTHING_RANGE_NORTH_M)
    } else {
        ("southern", UTM_NORTHING_RANGE_SOUTH_M)
    };
    if !(n_min..=n_max).contains(&northing) {
        return Err(coordinates(
            what,
            format!(
                "expected a UTM northing between {n_min} and {n_max} m in the {hemisphere} \
                 hemisphere, got {northing}"
            ),
        ));
    }
    check_height(what, elevation)
}

/// Checks that a height is within [`PLAUSIBLE_HEIGHT_M`] of the ellipsoid.
fn check_height(what: &str, height_m: f64) -> Result<()> {
    if height_m.abs() > PLAUSIBLE_HEIGHT_M {
        return Err(coordinates(
            what,
            format!(
                "expected a height within {PLAUSIBLE_HEIGHT_M} m of the ellipsoid, got \
                 {height_m}"
            ),
        ));
    }
    Ok(())
}

/// Builds [`Error::Coordinates`].
fn coordinates(what: &str, reason: impl Into<String>) -> Error {
    Error::Coordinates {
        what: what.to_string(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZONE_12N: CoordinateSystem = CoordinateSystem::Utm {
        zone: 12,
        north: true,
    };

    #[test]
    fn utm_round_trip_is_exact_to_a_micrometre() {
        let mics = [
            [371296.0242, 5934638.023, 738.0433],
            [371378.1477, 5934557.993, 733.8934],
        ];
        let frame = EnuFrame::new(ZONE_12N, &mics).unwrap();
        for mic in mics {
            let back = frame.from_local(frame.to_local(mic).unwrap()).unwrap();
            for (b, m) in back.iter().zip(mic) {
                assert!((b - m).abs() < 1e-6, "{back:?} vs {mic:?}");
            }
        }
    }

    #[test]
    fn local_system_is_the_identity() {
        let frame = EnuFrame::new(CoordinateSystem::Local { origin: None }, &[]).unwrap();
        assert_eq!(frame.to_local([1.0, 2.0, 3.0]).unwrap(), [1.0, 2.0, 3.0]);
        assert_eq!(frame.from_local([1.0, 2.0, 3.0]).unwrap(), [1.0, 2.0, 3.0]);
        assert_eq!(frame.to_geodetic([1.0, 2.0, 3.0]), None);
        assert_eq!(frame.up_of_height(5.0), 5.0);
    }

    #[test]
    fn utm_and_wgs84_convert_both_ways() {
        // The standard zone of Edmonton's surroundings is 12 north; the round trip is exact
        // to a nanodegree, and a neighbouring zone gives another grid for the same point.
        let utm = wgs84_to_utm(53.544, -112.94, None).unwrap();
        assert_eq!((utm.zone, utm.north), (12, true));
        let back = utm_to_wgs84(utm).unwrap();
        assert!((back.lat_deg - 53.544).abs() < 1e-9 && (back.lon_deg + 112.94).abs() < 1e-9);
        let west = wgs84_to_utm(53.544, -112.94, Some(11)).unwrap();
        assert!(west.easting_m > 700_000.0, "{west:?}");

        // The same point through an EnuFrame of the standard zone.
        let frame = EnuFrame::new(ZONE_12N, &[[utm.easting_m, utm.northing_m, 0.0]]).unwrap();
        let origin = frame.origin().unwrap();
        assert!((origin.lat_deg - 53.544).abs() < 1e-9);
    }

    #[test]
    fn the_equator_is_north_even_as_minus_zero() {
        // Found by a tester: -0.0 gave the southern hemisphere, northing 10 000 km.
        for lat_deg in [0.0, -0.0] {
            let grid = wgs84_to_utm(lat_deg, 3.0, None).unwrap();
            assert!(grid.north && grid.northing_m.abs() < 1e-6, "{grid:?}");
        }
        assert!(!wgs84_to_utm(-1e-9, 3.0, None).unwrap().north);
    }

    #[test]
    fn utm_conversions_name_bad_values() {
        let err = wgs84_to_utm(91.0, 0.0, None).unwrap_err().to_string();
        assert!(err.contains("91"), "{err}");
        let err = wgs84_to_utm(86.0, 0.0, None).unwrap_err().to_string();
        assert!(err.contains("UPS") && err.contains("86"), "{err}");
        let err = wgs84_to_utm(45.0, 0.0, Some(0)).unwrap_err().to_string();
        assert!(err.contains("UTM zone") && err.contains('0'), "{err}");
        let err = wgs84_to_utm(45.0, 100.0, Some(12)).unwrap_err().to_string();
        assert!(err.contains("zone 12"), "{err}");
        let nan = UtmPosition {
            zone: 12,
            north: true,
            easting_m: f64::NAN,
            northing_m: 5_000_000.0,
        };
        assert!(
            utm_to_wgs84(nan)
                .unwrap_err()
                .to_string()
                .contains("easting")
        );
    }

    #[test]
    fn bad_zone_is_named() {
        let system = CoordinateSystem::Utm {
            zone: 61,
            north: true,
        };
        let err = EnuFrame::new(system, &[[500_000.0, 5_000_000.0, 0.0]])
            .unwrap_err()
            .to_string();
        assert!(err.contains("UTM zone") && err.contains("61"), "{err}");
    }
}
