//! Compact arrays from Python: `SearchGrid`, `stft`, `SourceEstimate`, and the steered
//! methods `SrpPhat` and `Music`, and `direction_from_delays`; thin wrappers over
//! `soundloc::doa`.

use std::sync::{Mutex, PoisonError};

use numpy::ndarray::Array2;
use numpy::{
    Complex64, IntoPyArray, PyArray1, PyArray2, PyArray3, PyReadonlyArray3, PyUntypedArray, dtype,
    prelude::*,
};
use pyo3::prelude::*;
use soundloc::array::{Ambiguity, MicArray};
use soundloc::doa::SourceEstimate as RustEstimate;
use soundloc::doa::SteeredMethod;
use soundloc::doa::grid::SearchGrid as RustGrid;
use soundloc::doa::music::{Music, MusicConfig};
use soundloc::doa::srp::{SrpConfig, SrpPhat};
use soundloc::doa::stft::Stft;

use crate::convert::arg;
use crate::convert::{borrowed, describe, rows_of_three, signal_rows};
use crate::errors::{InvalidInputError, guarded, invalid, to_py_err};
use crate::gcc::count;

/// Candidate directions (unit vectors) or positions (metres) for a steered method.
#[pyclass(frozen, module = "soundloc", name = "SearchGrid")]
pub struct SearchGrid {
    pub(crate) grid: RustGrid,
}

#[pymethods]
impl SearchGrid {
    /// Directions over the sphere from an icosahedron subdivided `subdivisions` times
    /// (`10 * 4**n + 2` points; 2562 for 4).
    #[staticmethod]
    fn sphere(#[pyo3(from_py_with = arg::subdivisions)] subdivisions: i64) -> PyResult<Self> {
        wrap(RustGrid::sphere(subdivisions_of(subdivisions)?))
    }

    /// The sphere's directions with colatitude at most 90 degrees.
    #[staticmethod]
    fn hemisphere(#[pyo3(from_py_with = arg::subdivisions)] subdivisions: i64) -> PyResult<Self> {
        wrap(RustGrid::hemisphere(subdivisions_of(subdivisions)?))
    }

    /// `n_azimuths` directions on the horizon, the first on +x.
    #[staticmethod]
    fn horizon(#[pyo3(from_py_with = arg::n_azimuths)] n_azimuths: i64) -> PyResult<Self> {
        wrap(RustGrid::horizon(count("n_azimuths", n_azimuths, 3)?))
    }

    /// Positions on a square lattice at height `z_m` (near field), metres.
    #[staticmethod]
    fn plane(
        #[pyo3(from_py_with = arg::x_m)] x_m: (f64, f64),
        #[pyo3(from_py_with = arg::y_m)] y_m: (f64, f64),
        z_m: f64,
        step_m: f64,
    ) -> PyResult<Self> {
        wrap(RustGrid::plane(x_m, y_m, z_m, step_m))
    }

    /// Positions on a cubic lattice filling a box (near field), metres.
    #[staticmethod]
    fn volume(
        #[pyo3(from_py_with = arg::x_m)] x_m: (f64, f64),
        #[pyo3(from_py_with = arg::y_m)] y_m: (f64, f64),
        #[pyo3(from_py_with = arg::z_range_m)] z_m: (f64, f64),
        step_m: f64,
    ) -> PyResult<Self> {
        wrap(RustGrid::volume(x_m, y_m, z_m, step_m))
    }

    /// `(n_points, 3)`: unit vectors (far field) or positions in metres (near field).
    #[getter]
    fn points<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        let flat: Vec<f64> = self.grid.points().iter().flatten().copied().collect();
        Array2::from_shape_vec((self.grid.len(), 3), flat)
            .expect("three coordinates per point")
            .into_pyarray(py)
    }

    /// "far" for directions, "near" for positions.
    #[getter]
    fn field(&self) -> &'static str {
        match self.grid.kind() {
            soundloc::doa::grid::GridKind::FarField => "far",
            soundloc::doa::grid::GridKind::NearField => "near",
        }
    }

    /// Typical spacing of neighbours: radians (far field) or metres (near field).
    #[getter]
    fn spacing(&self) -> f64 {
        self.grid.spacing()
    }

    fn __len__(&self) -> usize {
        self.grid.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "SearchGrid(field={:?}, n_points={}, spacing={:.4})",
            self.field(),
            self.grid.len(),
            self.grid.spacing()
        )
    }
}

/// Icosahedron subdivisions as the library takes them (it bounds them at 8).
fn subdivisions_of(value: i64) -> PyResult<u32> {
    u32::try_from(value).map_err(|_| invalid("subdivisions", "an integer from 0 to 8", value))
}

fn wrap(grid: soundloc::Result<RustGrid>) -> PyResult<SearchGrid> {
    grid.map(|grid| SearchGrid { grid }).map_err(to_py_err)
}

/// A direction (far field) or a position (near field) found by a method.
#[pyclass(frozen, module = "soundloc", name = "SourceEstimate")]
pub struct SourceEstimate {
    /// Counter-clockwise from +x, radians; `None` for a position.
    #[pyo3(get)]
    azimuth: Option<f64>,
    /// From +z, radians; `None` for a position.
    #[pyo3(get)]
    colatitude: Option<f64>,
    /// Metres in the array frame; `None` for a direction.
    #[pyo3(get)]
    position: Option<(f64, f64, f64)>,
    /// The method's score at the estimate (comparable within one call).
    #[pyo3(get)]
    power: f64,
    /// Angular standard deviation (radians) where the method gives one.
    #[pyo3(get)]
    std_rad: Option<f64>,
    /// "none", "cone" (linear array) or "mirror" (planar array).
    #[pyo3(get)]
    ambiguity: &'static str,
    /// The mirror image `(azimuth, colatitude)` a planar array cannot tell apart.
    #[pyo3(get)]
    mirror: Option<(f64, f64)>,
    /// The cone's half angle (radians) around the axis of a linear array.
    #[pyo3(get)]
    cone_half_angle: Option<f64>,
}

impl From<RustEstimate> for SourceEstimate {
    fn from(estimate: RustEstimate) -> Self {
        match estimate {
            RustEstimate::Direction(d) => {
                let (ambiguity, mirror, cone_half_angle) = match d.ambiguity {
                    Ambiguity::None => ("none", None, None),
                    Ambiguity::Cone { half_angle, .. } => ("cone", None, Some(half_angle)),
                    Ambiguity::Mirror { mirror } => {
                        ("mirror", Some((mirror.azimuth, mirror.colatitude)), None)
                    }
                };
                SourceEstimate {
                    azimuth: Some(d.direction.azimuth),
                    colatitude: Some(d.direction.colatitude),
                    position: None,
                    power: d.power,
                    std_rad: d.std_rad,
                    ambiguity,
                    mirror,
                    cone_half_angle,
                }
            }
            RustEstimate::Position(p) => SourceEstimate {
                azimuth: None,
                colatitude: None,
                position: Some((p.position[0], p.position[1], p.position[2])),
                power: p.power,
                std_rad: None,
                ambiguity: "none",
                mirror: None,
                cone_half_angle: None,
            },
        }
    }
}

#[pymethods]
impl SourceEstimate {
    fn __repr__(&self) -> String {
        match (self.azimuth, self.colatitude, self.position) {
            (Some(az), Some(col), _) => format!(
                "SourceEstimate(azimuth={az:.5}, colatitude={col:.5}, power={:.4e}, ambiguity={:?})",
                self.power, self.ambiguity
            ),
            (_, _, Some(p)) => format!(
                "SourceEstimate(position=({:.4}, {:.4}, {:.4}), power={:.4e})",
                p.0, p.1, p.2, self.power
            ),
            _ => "SourceEstimate()".to_owned(),
        }
    }
}

/// Hann-windowed spectra of every complete frame: `(n_mics, fft_len // 2 + 1, n_frames)`.
#[pyfunction]
#[pyo3(signature = (signals, fft_len, hop))]
pub fn stft<'py>(
    py: Python<'py>,
    signals: &Bound<'py, PyAny>,
    #[pyo3(from_py_with = arg::fft_len)] fft_len: i64,
    #[pyo3(from_py_with = arg::hop)] hop: i64,
) -> PyResult<Bound<'py, PyArray3<Complex64>>> {
    let (fft_len, hop) = (count("fft_len", fft_len, 2)?, count("hop", hop, 1)?);
    let signals = signal_matrix(signals, "signals")?;
    let spectra = py.detach(|| guarded(|| Stft::new(fft_len, hop)?.process(signals.view())))?;
    Ok(spectra.into_pyarray(py))
}

/// The capsule positions `(n_mics, 3)` as a validated array; the array's errors (too few
/// capsules, two at one place, a NaN) name the argument.
pub(crate) fn mic_array(positions: &Bound<'_, PyAny>) -> PyResult<MicArray> {
    MicArray::new(rows_of_three(positions, "mic_positions")?)
        .map_err(|error| InvalidInputError::new_err(format!("mic_positions: {error}")))
}

/// `(n_mics, n_bins, n_frames)` complex spectra: borrowed without a copy when they are
/// complex128 already, else converted once (complex64 widens exactly). Like signals,
/// borrowed spectra must not be written by another thread during the call.
pub(crate) fn spectra_array<'py>(
    obj: &Bound<'py, PyAny>,
) -> PyResult<PyReadonlyArray3<'py, Complex64>> {
    let expected = "a 3-D array (n_mics, n_bins, n_frames) of complex128 or complex64";
    let array = obj
        .cast::<PyUntypedArray>()
        .map_err(|_| invalid("spectra", expected, describe(obj)))?;
    if array.ndim() != 3 || array.dtype().kind() != b'c' {
        return Err(invalid("spectra", expected, describe(obj)));
    }
    let native = if array.dtype().is_equiv_to(&dtype::<Complex64>(obj.py())) {
        array.clone()
    } else {
        array
            .call_method1("astype", ("complex128",))?
            .cast_into::<PyUntypedArray>()?
    };
    borrowed(&native)
}

/// A direction fitted to pair delays, with its uncertainty and the delays left out.
#[pyclass(frozen, module = "soundloc", name = "DelayDirection")]
pub struct DelayDirection {
    /// The direction, its power (fraction of delays used), sigma and ambiguity.
    #[pyo3(get)]
    estimate: Py<SourceEstimate>,
    /// 2x2 covariance of the angular error, radians², in `tangent_axes`.
    #[pyo3(get)]
    covariance_rad2: [[f64; 2]; 2],
    /// Two unit vectors tangent to the sphere at the estimate.
    #[pyo3(get)]
    tangent_axes: [[f64; 3]; 2],
    /// RMS of the delay residuals over the delays used, seconds.
    #[pyo3(get)]
    residual_rms_s: f64,
    /// Number of delays used.
    #[pyo3(get)]
    used: usize,
    /// Delays left out, as `(row, i, j, kind, reason)` with kind "impossible" or "outlier".
    #[pyo3(get)]
    rejected: Vec<(usize, usize, usize, &'static str, String)>,
}

#[pymethods]
impl DelayDirection {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "DelayDirection(estimate={}, residual_rms_s={:.3e}, used={}, rejected={})",
            self.estimate.borrow(py).__repr__(),
            self.residual_rms_s,
            self.used,
            self.rejected.len()
        )
    }
}

/// The direction of a distant source from pair delays `(i, j, delay_s = t_j - t_i)`,
/// robust to wrong delays, with a calibrated angular uncertainty.
#[pyfunction]
#[pyo3(signature = (
    mic_positions, tdoa_pairs, *, speed_of_sound = 343.2, delay_std_s = 1e-5,
    reject_sigmas = 4.0
))]
pub fn direction_from_delays(
    py: Python<'_>,
    mic_positions: &Bound<'_, PyAny>,
    tdoa_pairs: &Bound<'_, PyAny>,
    speed_of_sound: f64,
    delay_std_s: f64,
    reject_sigmas: f64,
) -> PyResult<DelayDirection> {
    let array = mic_array(mic_positions)?;
    let measurements = crate::locate::measurements(tdoa_pairs, array.len(), delay_std_s)?;
    let options = soundloc::doa::delays::DelayDirectionOptions {
        reject_sigmas,
        ..Default::default()
    };

    let fitted = py.detach(|| {
        guarded(|| {
            soundloc::doa::delays::direction_from_delays(
                &array,
                &measurements,
                speed_of_sound,
                &options,
            )
        })
    })?;
    let rejected = fitted
        .rejected
        .iter()
        .map(|r| {
            let kind = match r.kind {
                soundloc::doa::delays::RejectionKind::Impossible => "impossible",
                soundloc::doa::delays::RejectionKind::Outlier => "outlier",
            };
            (r.index, r.i, r.j, kind, r.reason.clone())
        })
        .collect();
    Ok(DelayDirection {
        estimate: Py::new(
            py,
            SourceEstimate::from(RustEstimate::Direction(fitted.estimate)),
        )?,
        covariance_rad2: fitted.covariance_rad2,
        tangent_axes: fitted.tangent_axes,
        residual_rms_s: fitted.residual_rms_s,
        used: fitted.used,
        rejected,
    })
}

/// Broadband MUSIC (or NormMUSIC) over a search grid, keeping its covariances between
/// frames.
///
/// The Rust object sits behind a mutex: calls from several threads are safe and run
/// one at a time per object.
#[pyclass(frozen, module = "soundloc", name = "Music")]
pub struct PyMusic {
    inner: Mutex<Music>,
}

#[pymethods]
impl PyMusic {
    #[new]
    #[pyo3(signature = (
        mic_positions, grid, *, sample_rate, fft_len = 512, freq_range_hz = None,
        n_sources = 1, min_separation = None, refine = true, normalise = true,
        speed_of_sound = 343.2, forgetting_factor = 0.95
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        mic_positions: &Bound<'_, PyAny>,
        grid: &SearchGrid,
        sample_rate: f64,
        #[pyo3(from_py_with = arg::fft_len)] fft_len: i64,
        #[pyo3(from_py_with = arg::freq_range_hz)] freq_range_hz: Option<(f64, f64)>,
        #[pyo3(from_py_with = arg::n_sources)] n_sources: i64,
        min_separation: Option<f64>,
        refine: bool,
        normalise: bool,
        speed_of_sound: f64,
        forgetting_factor: f64,
    ) -> PyResult<Self> {
        let array = mic_array(mic_positions)?;
        let config = MusicConfig {
            fft_len: count("fft_len", fft_len, 2)?,
            sample_rate,
            speed_of_sound,
            freq_range_hz: freq_range_hz
                .unwrap_or_else(|| soundloc::doa::default_freq_range_hz(sample_rate)),
            n_sources: count("n_sources", n_sources, 1)?,
            min_separation: min_separation.unwrap_or_else(|| default_separation(&grid.grid)),
            refine,
            normalise,
            forgetting_factor,
        };
        let music = guarded(|| Music::new(array, grid.grid.clone(), config))?;
        Ok(PyMusic {
            inner: Mutex::new(music),
        })
    }

    /// Estimates from spectra `(n_mics, fft_len // 2 + 1, n_frames)`, e.g. from `stft`.
    fn process_spectra(
        &self,
        py: Python<'_>,
        spectra: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<SourceEstimate>> {
        steered_spectra(&self.inner, py, spectra)
    }

    /// Estimates from signals `(n_mics, n_samples)`, framed every `hop` samples.
    fn process_signals(
        &self,
        py: Python<'_>,
        signals: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = arg::hop)] hop: i64,
    ) -> PyResult<Vec<SourceEstimate>> {
        let hop = count("hop", hop, 1)?;
        let signals = signal_matrix(signals, "signals")?;
        let found =
            py.detach(|| guarded(|| lock(&self.inner).process_signals(signals.view(), hop)))?;
        Ok(found.into_iter().map(SourceEstimate::from).collect())
    }

    /// Adds one frame `(n_mics, fft_len)` to the running covariances (older frames
    /// fade by `forgetting_factor`) and returns the current estimates.
    fn push_frame(
        &self,
        py: Python<'_>,
        frame: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<SourceEstimate>> {
        steered_frame(&self.inner, py, frame)
    }

    /// Forgets the running covariances.
    fn reset(&self) {
        lock(&self.inner).reset();
    }

    /// The last pseudo-spectrum, one value per grid point.
    #[getter]
    fn map<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        lock(&self.inner).map().to_vec().into_pyarray(py)
    }
}

/// Ten degrees on a direction grid, ten centimetres on a position grid.
fn default_separation(grid: &RustGrid) -> f64 {
    match grid.kind() {
        soundloc::doa::grid::GridKind::FarField => 10f64.to_radians(),
        soundloc::doa::grid::GridKind::NearField => 0.1,
    }
}

/// A `(n_mics, n_samples)` signal array as an owned float64 matrix, of one row at least.
fn signal_matrix(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Array2<f64>> {
    let rows = signal_rows(obj, name)?;
    if rows.is_empty() {
        return Err(invalid(
            name,
            "at least one microphone (row)",
            describe(obj),
        ));
    }
    let n_samples = rows.first().map_or(0, Vec::len);
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    Ok(Array2::from_shape_vec((rows.len(), n_samples), flat).expect("rows of equal length"))
}

/// SRP-PHAT over a search grid, keeping its FFT plans, tables and buffers between
/// frames.
///
/// The Rust object sits behind a mutex: calls from several threads are safe and run
/// one at a time per object (use one object per thread to run them in parallel).
#[pyclass(frozen, module = "soundloc", name = "SrpPhat")]
pub struct PySrpPhat {
    inner: Mutex<SrpPhat>,
}

#[pymethods]
impl PySrpPhat {
    #[new]
    #[pyo3(signature = (
        mic_positions, grid, *, sample_rate, fft_len = 512, freq_range_hz = None,
        n_sources = 1, min_separation = None, refine = true, speed_of_sound = 343.2
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        mic_positions: &Bound<'_, PyAny>,
        grid: &SearchGrid,
        sample_rate: f64,
        #[pyo3(from_py_with = arg::fft_len)] fft_len: i64,
        #[pyo3(from_py_with = arg::freq_range_hz)] freq_range_hz: Option<(f64, f64)>,
        #[pyo3(from_py_with = arg::n_sources)] n_sources: i64,
        min_separation: Option<f64>,
        refine: bool,
        speed_of_sound: f64,
    ) -> PyResult<Self> {
        let array = mic_array(mic_positions)?;
        let defaults = SrpConfig::new(sample_rate);
        let config = SrpConfig {
            fft_len: count("fft_len", fft_len, 2)?,
            speed_of_sound,
            freq_range_hz: freq_range_hz.unwrap_or(defaults.freq_range_hz),
            n_sources: count("n_sources", n_sources, 1)?,
            min_separation,
            refine,
            ..defaults
        };
        let srp = guarded(|| SrpPhat::new(array, grid.grid.clone(), config))?;
        Ok(PySrpPhat {
            inner: Mutex::new(srp),
        })
    }

    /// Estimates from one frame `(n_mics, fft_len)` (Hann-windowed inside).
    fn process_frame(
        &self,
        py: Python<'_>,
        frame: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<SourceEstimate>> {
        steered_frame(&self.inner, py, frame)
    }

    /// Estimates from spectra `(n_mics, fft_len // 2 + 1, n_frames)`, e.g. from `stft`:
    /// the maps of all frames are summed.
    fn process_spectra(
        &self,
        py: Python<'_>,
        spectra: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<SourceEstimate>> {
        steered_spectra(&self.inner, py, spectra)
    }

    /// The last steered-power map, one value per grid point.
    #[getter]
    fn map<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        lock(&self.inner).map().to_vec().into_pyarray(py)
    }
}

/// The method behind a mutex; a panic in an earlier call does not lock it for good.
fn lock<M>(inner: &Mutex<M>) -> std::sync::MutexGuard<'_, M> {
    inner.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One frame `(n_mics, fft_len)` through a steered method, without the GIL.
fn steered_frame<M: SteeredMethod>(
    inner: &Mutex<M>,
    py: Python<'_>,
    frame: &Bound<'_, PyAny>,
) -> PyResult<Vec<SourceEstimate>> {
    let frame = signal_matrix(frame, "frame")?;
    let found = py.detach(|| guarded(|| lock(inner).process_frame(frame.view())))?;
    Ok(found.into_iter().map(SourceEstimate::from).collect())
}

/// Spectra `(n_mics, n_bins, n_frames)` through a steered method, without the GIL.
fn steered_spectra<M: SteeredMethod>(
    inner: &Mutex<M>,
    py: Python<'_>,
    spectra: &Bound<'_, PyAny>,
) -> PyResult<Vec<SourceEstimate>> {
    let spectra = spectra_array(spectra)?;
    let view = spectra.as_array();
    let found = py.detach(|| guarded(|| lock(inner).process_spectra(view)))?;
    Ok(found.into_iter().map(SourceEstimate::from).collect())
}
