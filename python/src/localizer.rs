//! `Localizer`: a thin wrapper over `soundloc::localizer::Localizer`.

use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;
use soundloc::localizer::Localizer;

use crate::convert::arg;
use crate::convert::{SampleRows, SignalMatrix, describe, rows_of};
use crate::errors::{guarded, invalid};
use crate::gcc::count;
use crate::locate::{Solution, at_least_two, frame_options};

/// A frame-by-frame localiser for a fixed array: the geometry and the GCC plan are
/// kept between frames.
///
/// The Rust localiser sits behind a mutex: calls from several threads are safe and
/// run one at a time per object.
#[pyclass(frozen, module = "soundloc", name = "Localizer")]
pub struct PyLocalizer {
    inner: Mutex<Localizer>,
    n_mics: usize,
    frame_len: usize,
    sample_rate: f64,
}

#[pymethods]
impl PyLocalizer {
    #[new]
    #[pyo3(signature = (
        mic_positions, frame_len, sample_rate, *, speed_of_sound = 343.2, band_hz = None,
        weighting = "phat", dimension = 3, height_bounds = None, reject_outliers = true
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        mic_positions: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = arg::frame_len)] frame_len: i64,
        sample_rate: f64,
        speed_of_sound: f64,
        #[pyo3(from_py_with = arg::band_hz)] band_hz: Option<(f64, f64)>,
        weighting: &str,
        #[pyo3(from_py_with = arg::dimension)] dimension: i64,
        #[pyo3(from_py_with = arg::height_bounds)] height_bounds: Option<(f64, f64)>,
        reject_outliers: bool,
    ) -> PyResult<Self> {
        let positions = at_least_two(mic_positions)?;
        let frame_len = count("frame_len", frame_len, 2)?;
        let (options, locate_options) = frame_options(
            weighting,
            reject_outliers,
            dimension,
            height_bounds,
            speed_of_sound,
        )?;

        let n_mics = positions.len();
        let localizer = py.detach(|| {
            guarded(|| {
                Localizer::new(
                    positions,
                    frame_len,
                    sample_rate,
                    band_hz,
                    options,
                    locate_options,
                )
            })
        })?;
        Ok(PyLocalizer {
            inner: Mutex::new(localizer),
            n_mics,
            frame_len,
            sample_rate,
        })
    }

    /// Number of microphones.
    #[getter]
    fn n_mics(&self) -> usize {
        self.n_mics
    }

    /// Longest frame accepted, samples.
    #[getter]
    fn frame_len(&self) -> usize {
        self.frame_len
    }

    /// Sample rate, Hz.
    #[getter]
    fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Locates the source of one `(n_mics, n_samples)` frame.
    fn process(&self, py: Python<'_>, frame: &Bound<'_, PyAny>) -> PyResult<Solution> {
        let matrix = SignalMatrix::extract(frame, "frame", 2)?;
        let (n_mics, n_samples) = matrix.shape();
        if n_mics != self.n_mics || n_samples > self.frame_len {
            return Err(invalid(
                "frame",
                format!(
                    "shape (n_mics, n_samples) with n_mics = {} and 2 <= n_samples <= \
                     frame_len = {}",
                    self.n_mics, self.frame_len
                ),
                describe(frame),
            ));
        }
        let rows = SampleRows::new(&matrix, "frame")?;
        let (samples, n_samples) = rows.to_f64("frame")?;

        let located = py.detach(|| {
            let mut localizer = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            guarded(|| localizer.locate(&rows_of(&samples, n_samples), 0))
        })?;
        Ok(Solution::from_located(located))
    }

    fn __repr__(&self) -> String {
        format!(
            "Localizer(n_mics={}, frame_len={}, sample_rate={})",
            self.n_mics, self.frame_len, self.sample_rate
        )
    }
}
