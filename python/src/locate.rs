//! `locate`, `Solution` and `speed_of_sound`: thin wrappers over `soundloc::locate` and
//! `soundloc::air`.

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;
use soundloc::event::{EventOptions, LocatedWindow};
use soundloc::localizer::Localizer;
use soundloc::locate::{self as core, Dimension, HeightPrior, LocateOptions, TdoaMeasurement};

use crate::convert::arg;
use crate::convert::{describe, rows_of_three, signal_rows};
use crate::errors::{guarded, invalid};
use crate::gcc::parse_weighting;

/// A located source: position, metres (east, north, up), with its uncertainty.
#[pyclass(frozen, module = "soundloc", name = "Solution")]
pub struct Solution {
    position: [f64; 3],
    covariance: [[f64; 3]; 3],
    /// RMS of the delay residuals of the used measurements, seconds.
    #[pyo3(get)]
    residual_rms_s: f64,
    /// Microphones whose measurements contributed, in increasing order.
    #[pyo3(get)]
    used: Vec<usize>,
    /// Microphones left out as inconsistent, in the order they were rejected.
    #[pyo3(get)]
    rejected: Vec<usize>,
    /// Why each rejected microphone was left out: `(mic, worst_residual_std,
    /// reduced_chi2_before, reduced_chi2_after)`.
    #[pyo3(get)]
    rejections: Vec<(usize, f64, f64, f64)>,
    /// Why each rejected microphone was left out, in words, in the order of `rejected`.
    #[pyo3(get)]
    rejection_reasons: Vec<String>,
    ambiguous: Vec<[f64; 3]>,
    /// Levenberg-Marquardt iterations of the winning start.
    #[pyo3(get)]
    iterations: usize,
    /// The height sits on a bound of `height_bounds`: the delays point beyond it.
    #[pyo3(get)]
    height_at_bound: bool,
}

impl From<core::Solution> for Solution {
    fn from(solution: core::Solution) -> Self {
        Solution {
            position: solution.position,
            covariance: solution.covariance,
            residual_rms_s: solution.residual_rms_s,
            used: solution.used,
            rejected: solution.rejected,
            rejections: solution
                .rejections
                .iter()
                .map(|r| (r.sensor, r.worst_residual, r.cost_before, r.cost_after))
                .collect(),
            rejection_reasons: solution
                .rejections
                .iter()
                .map(ToString::to_string)
                .collect(),
            ambiguous: solution.ambiguous,
            iterations: solution.iterations,
            height_at_bound: solution.height_at_bound,
        }
    }
}

#[pymethods]
impl Solution {
    /// Source position, metres, shape (3,) (a new array on each access).
    #[getter]
    fn position<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.position.to_vec().into_pyarray(py)
    }

    /// Covariance of the position, m^2, shape (3, 3).
    #[getter]
    fn covariance<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        Array2::from_shape_fn((3, 3), |(r, c)| self.covariance[r][c]).into_pyarray(py)
    }

    /// Standard deviation of each coordinate, metres, shape (3,).
    #[getter]
    fn position_std<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        (0..3)
            .map(|axis| self.covariance[axis][axis].max(0.0).sqrt())
            .collect::<Vec<f64>>()
            .into_pyarray(py)
    }

    /// Other positions that fit as well (mirror images), each of shape (3,).
    #[getter]
    fn ambiguous<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray1<f64>>> {
        self.ambiguous
            .iter()
            .map(|p| p.to_vec().into_pyarray(py))
            .collect()
    }

    fn __repr__(&self) -> String {
        let [x, y, z] = self.position;
        let std = [0, 1, 2].map(|axis| self.covariance[axis][axis].max(0.0).sqrt());
        format!(
            "Solution(position=[{x:.3}, {y:.3}, {z:.3}], position_std=[{:.3}, {:.3}, {:.3}], \
             residual_rms_s={:.3e}, used={:?}, rejected={:?}, n_ambiguous={})",
            std[0],
            std[1],
            std[2],
            self.residual_rms_s,
            self.used,
            self.rejected,
            self.ambiguous.len()
        )
    }
}

/// Locates a source from time differences of arrival `(i, j, delay_s = t_j - t_i)`.
#[pyfunction]
#[pyo3(signature = (
    mic_positions, tdoa_pairs, *, speed_of_sound = 343.2, dimension = 3,
    delay_std_s = 1e-5, height_bounds = None, plane_height_m = None,
    reject_outliers = true, outlier_threshold = 4.0, max_range_m = None
))]
#[allow(clippy::too_many_arguments)]
pub fn locate(
    py: Python<'_>,
    mic_positions: &Bound<'_, PyAny>,
    tdoa_pairs: &Bound<'_, PyAny>,
    speed_of_sound: f64,
    #[pyo3(from_py_with = arg::dimension)] dimension: i64,
    delay_std_s: f64,
    #[pyo3(from_py_with = arg::height_bounds)] height_bounds: Option<(f64, f64)>,
    plane_height_m: Option<f64>,
    reject_outliers: bool,
    outlier_threshold: f64,
    max_range_m: Option<f64>,
) -> PyResult<Solution> {
    let sensors = at_least_two(mic_positions)?;
    let measurements = measurements(tdoa_pairs, sensors.len(), delay_std_s)?;
    let dimension = dimension_with(dimension, height_bounds, plane_height_m)?;
    let options = LocateOptions {
        dimension,
        speed_of_sound,
        height_prior: height_bounds.map(|(min_m, max_m)| HeightPrior { min_m, max_m }),
        plane_height_m,
        outlier_threshold,
        reject_outliers,
        max_range_m,
        ..LocateOptions::default()
    };

    let solution = py.detach(|| guarded(|| core::locate(&sensors, &measurements, &options)))?;
    Ok(solution.into())
}

/// Locates a source from multichannel signals `(n_mics, n_samples)`: GCC-PHAT over all
/// pairs, a set of delays consistent around every triangle of microphones, then
/// `locate` on them.
#[pyfunction]
#[pyo3(signature = (
    signals, mic_positions, sample_rate, *, speed_of_sound = 343.2, band_hz = None,
    reference = 0, weighting = "phat", dimension = 3, height_bounds = None,
    reject_outliers = true
))]
#[allow(clippy::too_many_arguments)]
pub fn locate_signals(
    py: Python<'_>,
    signals: &Bound<'_, PyAny>,
    mic_positions: &Bound<'_, PyAny>,
    sample_rate: f64,
    speed_of_sound: f64,
    #[pyo3(from_py_with = arg::band_hz)] band_hz: Option<(f64, f64)>,
    #[pyo3(from_py_with = arg::reference)] reference: i64,
    weighting: &str,
    #[pyo3(from_py_with = arg::dimension)] dimension: i64,
    #[pyo3(from_py_with = arg::height_bounds)] height_bounds: Option<(f64, f64)>,
    reject_outliers: bool,
) -> PyResult<Solution> {
    // Signals: float64, float32 or int16, widened to float64 (exactly).
    let rows = signal_rows(signals, "signals")?;
    let positions = at_least_two(mic_positions)?;
    let n_samples = rows.first().map_or(0, Vec::len);
    if rows.len() != positions.len() || rows.len() < 2 || n_samples < 2 {
        return Err(invalid(
            "signals",
            format!(
                "shape (n_mics, n_samples) with n_mics = {} (the rows of mic_positions) \
                 and n_samples >= 2",
                positions.len()
            ),
            describe(signals),
        ));
    }
    if !(sample_rate.is_finite() && sample_rate > 0.0) {
        return Err(invalid(
            "sample_rate",
            "a positive number of Hz",
            sample_rate,
        ));
    }
    let reference = usize::try_from(reference)
        .ok()
        .filter(|&r| r < rows.len())
        .ok_or_else(|| {
            invalid(
                "reference",
                format!("a microphone index in 0..{}", rows.len()),
                reference,
            )
        })?;
    let (options, locate_options) = frame_options(
        weighting,
        reject_outliers,
        dimension,
        height_bounds,
        speed_of_sound,
    )?;

    // One frame of the whole signal's length (the same code as `Localizer`).
    let channels: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
    let located = py.detach(|| {
        guarded(|| {
            Localizer::new(
                positions,
                n_samples,
                sample_rate,
                band_hz,
                options,
                locate_options,
            )?
            .locate(&channels, reference)
        })
    })?;
    Ok(Solution::from_located(located))
}

/// The rows of `mic_positions`, at least two: with fewer, every delay would be refused for
/// naming a microphone that is not there, blaming the delays instead of the positions.
pub(crate) fn at_least_two(mic_positions: &Bound<'_, PyAny>) -> PyResult<Vec<[f64; 3]>> {
    let positions = rows_of_three(mic_positions, "mic_positions")?;
    if positions.len() < 2 {
        return Err(invalid(
            "mic_positions",
            "at least 2 microphones (rows)",
            describe(mic_positions),
        ));
    }
    Ok(positions)
}

/// The pipeline and solver settings shared by `locate_signals` and `Localizer`.
pub(crate) fn frame_options(
    weighting: &str,
    reject_outliers: bool,
    dimension: i64,
    height_bounds: Option<(f64, f64)>,
    speed_of_sound: f64,
) -> PyResult<(EventOptions, LocateOptions)> {
    let dimension = dimension_with(dimension, height_bounds, None)?;
    let options = EventOptions {
        weighting: parse_weighting(weighting)?,
        reject_outliers,
        ..EventOptions::default()
    };
    let locate_options = LocateOptions {
        dimension,
        speed_of_sound,
        height_prior: height_bounds.map(|(min_m, max_m)| HeightPrior { min_m, max_m }),
        ..LocateOptions::default()
    };
    Ok((options, locate_options))
}

impl Solution {
    /// The solution of a located frame: closure-check rejections first, then the
    /// solver's, each reason naming the microphone.
    pub(crate) fn from_located(located: LocatedWindow) -> Self {
        let mut solution = Solution::from(located.solution);
        solution.rejected = located.rejected.iter().map(|(mic, _)| *mic).collect();
        solution.rejection_reasons = located
            .rejected
            .iter()
            .map(|(mic, why)| format!("mic {mic}: {why}"))
            .collect();
        solution
    }
}

/// The dimension, checked with the arguments that belong to one dimension only:
/// `height_bounds` (finite, increasing) to 3, `plane_height_m` to 2. One given with the
/// other dimension would be ignored, so it is refused.
fn dimension_with(
    dimension: i64,
    height_bounds: Option<(f64, f64)>,
    plane_height_m: Option<f64>,
) -> PyResult<Dimension> {
    let dimension = match dimension {
        2 => Dimension::Two,
        3 => Dimension::Three,
        other => return Err(invalid("dimension", "2 or 3", other)),
    };
    match (dimension, height_bounds, plane_height_m) {
        (Dimension::Two, Some((low, high)), _) => Err(invalid(
            "height_bounds",
            "None with dimension=2 (the height is fixed at plane_height_m, not solved; \
             bounds apply to dimension=3)",
            format!("({low}, {high})"),
        )),
        (Dimension::Three, _, Some(height)) => Err(invalid(
            "plane_height_m",
            "None with dimension=3 (the height is solved; a plane height applies to \
             dimension=2, bounds on the height are height_bounds)",
            height,
        )),
        (Dimension::Three, Some((low, high)), _)
            if !(low.is_finite() && high.is_finite() && low < high) =>
        {
            Err(invalid(
                "height_bounds",
                "finite (min_m, max_m) with min_m < max_m",
                format!("({low}, {high})"),
            ))
        }
        _ => Ok(dimension),
    }
}

/// Speed of sound in air, m/s, at `temperature_c` degC and a relative humidity in %.
#[pyfunction]
#[pyo3(signature = (temperature_c, humidity_percent = 0.0))]
pub fn speed_of_sound(temperature_c: f64, humidity_percent: f64) -> PyResult<f64> {
    Ok(guarded(|| {
        soundloc::air::speed_of_sound_humid(temperature_c, humidity_percent)
    })?)
}

/// A microphone index read from a float column: whole, in range.
fn mic_index(value: f64, row: usize, n_mics: usize) -> PyResult<usize> {
    if value.fract() == 0.0 && value >= 0.0 && value < n_mics as f64 {
        Ok(value as usize)
    } else {
        Err(invalid(
            &format!("tdoa_pairs[{row}]"),
            format!("microphone indices that are whole numbers in 0..{n_mics}"),
            value,
        ))
    }
}

/// The `(i, j, delay_s)` rows of `tdoa_pairs` as measurements between `n_mics`
/// microphones, each with standard deviation `delay_std_s`.
pub(crate) fn measurements(
    tdoa_pairs: &Bound<'_, PyAny>,
    n_mics: usize,
    delay_std_s: f64,
) -> PyResult<Vec<TdoaMeasurement>> {
    let rows = rows_of_three(tdoa_pairs, "tdoa_pairs")?;
    if rows.is_empty() {
        return Err(invalid(
            "tdoa_pairs",
            "at least one (i, j, delay_s) row",
            "none",
        ));
    }
    if !(delay_std_s.is_finite() && delay_std_s >= core::MIN_DELAY_STD_S) {
        return Err(invalid(
            "delay_std_s",
            format!(
                "a finite number of seconds of at least {:e} (no timing is more precise)",
                core::MIN_DELAY_STD_S
            ),
            delay_std_s,
        ));
    }
    rows.iter()
        .enumerate()
        .map(|(row, &[i, j, delay_s])| {
            let i = mic_index(i, row, n_mics)?;
            let j = mic_index(j, row, n_mics)?;
            if i == j {
                return Err(invalid(
                    &format!("tdoa_pairs[{row}]"),
                    "two different microphones",
                    format!("i = j = {i}"),
                ));
            }
            Ok(TdoaMeasurement::new(i, j, delay_s, delay_std_s))
        })
        .collect()
}
