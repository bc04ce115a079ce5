//! `CoordinateFrame`, `wgs84_to_utm` and `utm_to_wgs84`: thin wrappers over
//! `soundloc::geodesy`.

use numpy::ndarray::{Array1, Array2};
use numpy::prelude::*;
use numpy::{PyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use soundloc::geodesy::{
    self as core, CoordinateSystem, EnuFrame, LatLonAlt, UtmPosition, wgs84_to_utm as to_utm,
};

use crate::convert::arg;
use crate::convert::{as_array, describe, rows_of_three};
use crate::errors::{guarded, invalid};

/// A local east-north-up frame (metres) for positions surveyed in a coordinate system.
#[pyclass(frozen, module = "soundloc", name = "CoordinateFrame")]
pub struct CoordinateFrame {
    frame: EnuFrame,
}

#[pymethods]
impl CoordinateFrame {
    #[new]
    #[pyo3(signature = (system, positions = None, *, zone = None, hemisphere = "north", origin = None))]
    fn new(
        py: Python<'_>,
        system: &str,
        positions: Option<&Bound<'_, PyAny>>,
        #[pyo3(from_py_with = arg::optional_zone)] zone: Option<i64>,
        hemisphere: &str,
        #[pyo3(from_py_with = arg::origin)] origin: Option<(f64, f64, f64)>,
    ) -> PyResult<Self> {
        let system = coordinate_system(system, zone, hemisphere, origin)?;
        let positions = match positions {
            Some(positions) => rows_of_three(positions, "positions")?,
            None => Vec::new(),
        };

        // Name a bad position by its row before the frame is built.
        let frame = py.detach(|| {
            guarded(|| {
                for (row, &position) in positions.iter().enumerate() {
                    system.check_position(&format!("positions[{row}]"), position)?;
                }
                EnuFrame::new(system, &positions)
            })
        })?;
        Ok(CoordinateFrame { frame })
    }

    /// "local", "utm" or "wgs84".
    #[getter]
    fn system(&self) -> &'static str {
        match self.frame.system() {
            CoordinateSystem::Local { .. } => "local",
            CoordinateSystem::Utm { .. } => "utm",
            CoordinateSystem::Wgs84 => "wgs84",
        }
    }

    /// The UTM zone, for a UTM frame.
    #[getter]
    fn zone(&self) -> Option<u8> {
        match self.frame.system() {
            CoordinateSystem::Utm { zone, .. } => Some(zone),
            _ => None,
        }
    }

    /// Northern hemisphere, for a UTM frame.
    #[getter]
    fn north(&self) -> Option<bool> {
        match self.frame.system() {
            CoordinateSystem::Utm { north, .. } => Some(north),
            _ => None,
        }
    }

    /// Where local `[0, 0, 0]` is: `(lat_deg, lon_deg, alt_m)`, or None.
    #[getter]
    fn origin(&self) -> Option<(f64, f64, f64)> {
        self.frame
            .origin()
            .map(|o: LatLonAlt| (o.lat_deg, o.lon_deg, o.alt_m))
    }

    /// Positions in the frame's system, `(k, 3)` or `(3,)`, to local metres.
    fn to_local<'py>(
        &self,
        py: Python<'py>,
        positions: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (points, single) = points(positions, "positions")?;
        let system = self.frame.system();
        let local = py.detach(|| {
            guarded(|| {
                points
                    .iter()
                    .enumerate()
                    .map(|(row, &p)| {
                        system.check_position(&row_name("positions", row, single), p)?;
                        self.frame.to_local(p)
                    })
                    .collect::<soundloc::Result<Vec<_>>>()
            })
        })?;
        shaped(py, &local, single)
    }

    /// Local metres, `(k, 3)` or `(3,)`, back to the frame's system (`from_local` in Python).
    #[pyo3(name = "from_local")]
    fn back_from_local<'py>(
        &self,
        py: Python<'py>,
        enu: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (points, single) = points(enu, "enu")?;
        check_finite(&points, "enu", single)?;
        let global = py.detach(|| {
            guarded(|| {
                points
                    .iter()
                    .map(|&p| self.frame.from_local(p))
                    .collect::<soundloc::Result<Vec<_>>>()
            })
        })?;
        shaped(py, &global, single)
    }

    /// Local metres, `(k, 3)` or `(3,)`, to `(lat_deg, lon_deg, alt_m)` rows.
    fn to_geodetic<'py>(
        &self,
        py: Python<'py>,
        enu: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (points, single) = points(enu, "enu")?;
        check_finite(&points, "enu", single)?;
        if self.frame.origin().is_none() {
            return Err(invalid(
                "CoordinateFrame",
                "a frame placed on the Earth (utm, wgs84, or local with an origin) to give \
                 latitudes and longitudes",
                "a local frame without an origin",
            ));
        }
        let geodetic: Vec<[f64; 3]> = py.detach(|| {
            points
                .iter()
                .filter_map(|&p| self.frame.to_geodetic(p))
                .map(|g| [g.lat_deg, g.lon_deg, g.alt_m])
                .collect()
        });
        shaped(py, &geodetic, single)
    }

    fn __repr__(&self) -> String {
        let origin = match self.frame.origin() {
            Some(o) => format!("({:.7}, {:.7}, {:.3})", o.lat_deg, o.lon_deg, o.alt_m),
            None => "None".to_owned(),
        };
        match self.frame.system() {
            CoordinateSystem::Utm { zone, north } => format!(
                "CoordinateFrame(system='utm', zone={zone}, hemisphere='{}', origin={origin})",
                if north { "north" } else { "south" }
            ),
            _ => format!(
                "CoordinateFrame(system='{}', origin={origin})",
                self.system()
            ),
        }
    }
}

/// UTM grid position `(easting_m, northing_m, zone, north)` of a latitude and longitude.
#[pyfunction]
#[pyo3(signature = (lat_deg, lon_deg, zone = None))]
pub fn wgs84_to_utm(
    lat_deg: f64,
    lon_deg: f64,
    #[pyo3(from_py_with = arg::optional_zone)] zone: Option<i64>,
) -> PyResult<(f64, f64, u8, bool)> {
    let zone = zone.map(utm_zone).transpose()?;
    let grid = guarded(|| to_utm(lat_deg, lon_deg, zone))?;
    Ok((grid.easting_m, grid.northing_m, grid.zone, grid.north))
}

/// Latitude and longitude `(lat_deg, lon_deg)` of a UTM grid position.
#[pyfunction]
#[pyo3(signature = (easting, northing, zone, north = true))]
pub fn utm_to_wgs84(
    easting: f64,
    northing: f64,
    #[pyo3(from_py_with = arg::zone)] zone: i64,
    north: bool,
) -> PyResult<(f64, f64)> {
    let position = UtmPosition {
        zone: utm_zone(zone)?,
        north,
        easting_m: easting,
        northing_m: northing,
    };
    let geodetic = guarded(|| core::utm_to_wgs84(position))?;
    Ok((geodetic.lat_deg, geodetic.lon_deg))
}

/// A UTM zone number, 1 to 60.
fn utm_zone(zone: i64) -> PyResult<u8> {
    u8::try_from(zone)
        .ok()
        .filter(|z| (1..=60).contains(z))
        .ok_or_else(|| invalid("zone", "a UTM zone from 1 to 60", zone))
}

/// The coordinate system named by the constructor's arguments.
fn coordinate_system(
    system: &str,
    zone: Option<i64>,
    hemisphere: &str,
    origin: Option<(f64, f64, f64)>,
) -> PyResult<CoordinateSystem> {
    let north = match hemisphere {
        "north" => true,
        "south" => false,
        other => {
            return Err(invalid(
                "hemisphere",
                "'north' or 'south'",
                format!("{other:?}"),
            ));
        }
    };
    if let Some(zone) = zone.filter(|_| system != "utm") {
        return Err(invalid("zone", "no zone outside system 'utm'", zone));
    }
    if system != "local" && origin.is_some() {
        return Err(invalid(
            "origin",
            "no origin outside system 'local' (utm and wgs84 frames centre on the positions)",
            format!("{origin:?}"),
        ));
    }

    match system {
        "local" => {
            let origin = origin.map(|(lat_deg, lon_deg, alt_m)| LatLonAlt {
                lat_deg,
                lon_deg,
                alt_m,
            });
            if let Some(o) = origin {
                guarded(|| o.check("origin"))?;
            }
            Ok(CoordinateSystem::Local { origin })
        }
        "utm" => {
            let zone = zone.ok_or_else(|| invalid("zone", "a UTM zone from 1 to 60", "None"))?;
            Ok(CoordinateSystem::Utm {
                zone: utm_zone(zone)?,
                north,
            })
        }
        "wgs84" => Ok(CoordinateSystem::Wgs84),
        other => Err(invalid(
            "system",
            "'local', 'utm' or 'wgs84'",
            format!("{other:?}"),
        )),
    }
}

/// Reads `(k, 3)` or `(3,)` real numbers as rows; the flag says it was a single point.
pub(crate) fn points(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<(Vec<[f64; 3]>, bool)> {
    let expected = "a (3,) or (k, 3) array of real numbers";
    let array = as_array(obj, name, expected)?;
    if array.ndim() == 1 && array.shape() == [3] {
        let as_table = array.call_method1("reshape", ((1, 3),))?;
        let rows =
            rows_of_three(&as_table, name).map_err(|_| invalid(name, expected, describe(obj)))?;
        return Ok((rows, true));
    }
    if array.ndim() != 2 {
        return Err(invalid(name, expected, describe(obj)));
    }
    let rows =
        rows_of_three(array.as_any(), name).map_err(|_| invalid(name, expected, describe(obj)))?;
    Ok((rows, false))
}

/// Names row `row` of `name`, or `name` itself for a single point.
fn row_name(name: &str, row: usize, single: bool) -> String {
    if single {
        name.to_owned()
    } else {
        format!("{name}[{row}]")
    }
}

/// Rejects the first non-finite coordinate, naming its row.
fn check_finite(points: &[[f64; 3]], name: &str, single: bool) -> PyResult<()> {
    for (row, p) in points.iter().enumerate() {
        if let Some(value) = p.iter().find(|v| !v.is_finite()) {
            return Err(invalid(
                &row_name(name, row, single),
                "finite coordinates",
                value,
            ));
        }
    }
    Ok(())
}

/// Rows as a `(k, 3)` array, or a `(3,)` array for a single point.
fn shaped<'py>(py: Python<'py>, rows: &[[f64; 3]], single: bool) -> PyResult<Bound<'py, PyAny>> {
    if single {
        return Ok(Array1::from(rows[0].to_vec()).into_pyarray(py).into_any());
    }
    let table: Bound<'py, PyArray2<f64>> =
        Array2::from_shape_fn((rows.len(), 3), |(r, c)| rows[r][c]).into_pyarray(py);
    Ok(table.into_any())
}
