//! Onsets, association, error ellipses and the results of continuous detection: thin
//! wrappers over `soundloc::detect`, `soundloc::associate`, `soundloc::ellipse` and
//! `soundloc::continuous`.

use std::sync::{Mutex, PoisonError};

use numpy::ndarray::Array2;
use numpy::prelude::*;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyUntypedArray, dtype};
use pyo3::prelude::*;
use pyo3::types::PySequence;
use soundloc::associate::{self as core_associate, AssociationOptions, OnsetTime};
use soundloc::continuous::{self as core_continuous};
use soundloc::detect::{self as core_detect, BAND_CENTRES_HZ, DetectorConfig};
use soundloc::ellipse::{ErrorEllipse as CoreEllipse, MAX_BOUNDARY_POINTS};

use crate::convert::arg;
use crate::convert::{borrowed, collect_samples, describe, rows_of_three};
use crate::errors::{LocalizationError, guarded, invalid, to_py_err};

/// One impulsive onset heard by one sensor, with its features.
#[pyclass(frozen, module = "soundloc", name = "Onset")]
#[derive(Clone)]
pub struct Onset {
    /// The sensor's index (as given to the detector, or in the scene).
    #[pyo3(get)]
    sensor: usize,
    /// Index of the onset's first sample in the sensor's recording.
    #[pyo3(get)]
    sample_index: usize,
    /// Time of the onset from the start of the recording, seconds.
    #[pyo3(get)]
    time_s: f64,
    /// Highest band level within the feature window, dB relative to full scale.
    #[pyo3(get)]
    level_dbfs: f64,
    /// The noise floor the onset was judged against, dB relative to full scale.
    #[pyo3(get)]
    noise_floor_dbfs: f64,
    /// `level_dbfs - noise_floor_dbfs`, dB.
    #[pyo3(get)]
    snr_db: f64,
    /// Peak over RMS of the band-passed signal within the feature window.
    #[pyo3(get)]
    crest_factor: f64,
    band_levels_db: [f64; core_detect::N_BANDS],
}

impl From<&core_detect::Onset> for Onset {
    fn from(onset: &core_detect::Onset) -> Self {
        Onset {
            sensor: onset.sensor,
            sample_index: onset.sample_index,
            time_s: onset.time_s,
            level_dbfs: onset.level_dbfs,
            noise_floor_dbfs: onset.noise_floor_dbfs,
            snr_db: onset.snr_db,
            crest_factor: onset.crest_factor,
            band_levels_db: onset.band_levels_db,
        }
    }
}

#[pymethods]
impl Onset {
    /// Levels in the octave bands of `band_centres_hz`, dB relative to full scale, shape (5,).
    #[getter]
    fn band_levels_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.band_levels_db.to_vec().into_pyarray(py)
    }

    /// Centres of the octave bands of `band_levels_db`, Hz, shape (5,).
    #[getter]
    fn band_centres_hz<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        BAND_CENTRES_HZ.to_vec().into_pyarray(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "Onset(sensor={}, time_s={:.4}, level_dbfs={:.1}, snr_db={:.1}, crest_factor={:.2})",
            self.sensor, self.time_s, self.level_dbfs, self.snr_db, self.crest_factor
        )
    }
}

/// A 1-D array of float64, float32 or int16 as float64 samples of full scale 1 (int16 is
/// PCM, divided by 32768 as the WAV reader does, so levels are in dB of full scale).
/// Any length, including zero.
fn samples_f64(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<f64>> {
    let expected = "a 1-D array of float64, float32 or int16";
    let array = obj
        .cast::<PyUntypedArray>()
        .map_err(|_| invalid(name, expected, describe(obj)))?;
    if array.ndim() != 1 {
        return Err(invalid(name, expected, describe(obj)));
    }

    let py = obj.py();
    let found = array.dtype();
    if found.is_equiv_to(&dtype::<f64>(py)) {
        let view: PyReadonlyArray1<f64> = borrowed(array)?;
        collect_samples(view.as_array().iter().copied(), name)
    } else if found.is_equiv_to(&dtype::<f32>(py)) {
        let view: PyReadonlyArray1<f32> = borrowed(array)?;
        collect_samples(view.as_array().iter().map(|&v| f64::from(v)), name)
    } else if found.is_equiv_to(&dtype::<i16>(py)) {
        let view: PyReadonlyArray1<i16> = borrowed(array)?;
        let full_scale = |v: &i16| f64::from(*v) / 32_768.0;
        collect_samples(view.as_array().iter().map(full_scale), name)
    } else {
        Err(invalid(name, expected, describe(obj)))
    }
}

/// The detector settings with an optional threshold, and the sensor index checked.
fn detector_settings(threshold_db: Option<f64>, sensor: i64) -> PyResult<(DetectorConfig, usize)> {
    let sensor = usize::try_from(sensor)
        .map_err(|_| invalid("sensor", "a sensor index of 0 or more", sensor))?;
    let mut config = DetectorConfig::default();
    set_threshold(&mut config, threshold_db)?;
    Ok((config, sensor))
}

/// Sets the detector's threshold, when given, checking it against the re-arm margin
/// (an internal setting: the detector re-arms once the rise falls `rearm_db` below the
/// threshold), so that the message names the argument the caller gave.
pub(crate) fn set_threshold(
    config: &mut DetectorConfig,
    threshold_db: Option<f64>,
) -> PyResult<()> {
    let Some(threshold_db) = threshold_db else {
        return Ok(());
    };
    if !(threshold_db.is_finite() && threshold_db > config.rearm_db) {
        return Err(invalid(
            "threshold_db",
            format!(
                "a finite number of dB above {} (the detector re-arms {} dB below the \
                 threshold)",
                config.rearm_db, config.rearm_db
            ),
            threshold_db,
        ));
    }
    config.threshold_db = threshold_db;
    Ok(())
}

/// Finds the impulsive onsets in one sensor's signal, all at once.
#[pyfunction]
#[pyo3(signature = (signal, sample_rate, *, threshold_db = None, sensor = 0))]
pub fn detect_onsets(
    py: Python<'_>,
    signal: &Bound<'_, PyAny>,
    sample_rate: f64,
    threshold_db: Option<f64>,
    #[pyo3(from_py_with = arg::sensor)] sensor: i64,
) -> PyResult<Vec<Onset>> {
    let samples = samples_f64(signal, "signal")?;
    let (config, sensor) = detector_settings(threshold_db, sensor)?;

    let onsets = py.detach(|| {
        guarded(|| {
            let mut detector = core_detect::OnsetDetector::new(config, sample_rate, sensor)?;
            let mut onsets = Vec::new();
            detector.push(&samples, &mut onsets)?;
            detector.finish(&mut onsets);
            Ok(onsets)
        })
    })?;
    Ok(onsets.iter().map(Onset::from).collect())
}

/// A streaming onset detector for one sensor: push blocks, then finish.
#[pyclass(frozen, module = "soundloc", name = "OnsetDetector")]
pub struct PyOnsetDetector {
    inner: Mutex<Option<core_detect::OnsetDetector>>,
    /// Sample rate, Hz.
    #[pyo3(get)]
    sample_rate: f64,
    /// The sensor index written into each onset.
    #[pyo3(get)]
    sensor: usize,
    /// Length of one frame of the detection function, samples.
    #[pyo3(get)]
    frame_len: usize,
}

#[pymethods]
impl PyOnsetDetector {
    #[new]
    #[pyo3(signature = (sample_rate, *, sensor = 0, threshold_db = None))]
    fn new(
        sample_rate: f64,
        #[pyo3(from_py_with = arg::sensor)] sensor: i64,
        threshold_db: Option<f64>,
    ) -> PyResult<Self> {
        let (config, sensor) = detector_settings(threshold_db, sensor)?;
        let detector = guarded(|| core_detect::OnsetDetector::new(config, sample_rate, sensor))?;
        Ok(PyOnsetDetector {
            frame_len: detector.frame_len(),
            inner: Mutex::new(Some(detector)),
            sample_rate,
            sensor,
        })
    }

    /// Feeds the next block; returns the onsets completed by it.
    fn push(&self, py: Python<'_>, samples: &Bound<'_, PyAny>) -> PyResult<Vec<Onset>> {
        let samples = samples_f64(samples, "samples")?;

        let onsets = py.detach(|| {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(detector) = inner.as_mut() else {
                return Ok(None);
            };
            let mut onsets = Vec::new();
            guarded(|| detector.push(&samples, &mut onsets)).map(|()| Some(onsets))
        })?;
        let onsets = onsets.ok_or_else(finished)?;
        Ok(onsets.iter().map(Onset::from).collect())
    }

    /// Ends the signal; returns the onsets still pending. The detector is then spent.
    fn finish(&self, py: Python<'_>) -> PyResult<Vec<Onset>> {
        let onsets = py.detach(|| {
            let detector = self
                .inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            detector.map(|detector| {
                guarded(|| {
                    let mut onsets = Vec::new();
                    detector.finish(&mut onsets);
                    Ok(onsets)
                })
            })
        });
        let onsets = onsets.ok_or_else(finished)??;
        Ok(onsets.iter().map(Onset::from).collect())
    }

    fn __repr__(&self) -> String {
        let state = match self.inner.lock() {
            Ok(inner) if inner.is_none() => "finished",
            _ => "open",
        };
        format!(
            "OnsetDetector(sample_rate={}, sensor={}, frame_len={}, {state})",
            self.sample_rate, self.sensor, self.frame_len
        )
    }
}

/// The error for a call on a finished detector.
fn finished() -> PyErr {
    invalid(
        "OnsetDetector",
        "a detector that is not finished (finish() ends it; make a new one for another signal)",
        "a finished one",
    )
}

/// A confidence ellipse around a horizontal position, metres.
#[pyclass(frozen, module = "soundloc", name = "ErrorEllipse")]
#[derive(Clone, Copy)]
pub struct ErrorEllipse {
    inner: CoreEllipse,
}

impl From<CoreEllipse> for ErrorEllipse {
    fn from(inner: CoreEllipse) -> Self {
        ErrorEllipse { inner }
    }
}

#[pymethods]
impl ErrorEllipse {
    /// Half the long axis, metres.
    #[getter]
    fn semi_major_m(&self) -> f64 {
        self.inner.semi_major_m
    }

    /// Half the short axis, metres.
    #[getter]
    fn semi_minor_m(&self) -> f64 {
        self.inner.semi_minor_m
    }

    /// Angle of the long axis, radians counter-clockwise from east, in (-pi/2, pi/2].
    #[getter]
    fn orientation_rad(&self) -> f64 {
        self.inner.orientation_rad
    }

    /// Probability that the ellipse holds the source.
    #[getter]
    fn confidence(&self) -> f64 {
        self.inner.confidence
    }

    /// `n` points on the boundary, east and north offsets from the centre, shape (n, 2).
    #[pyo3(signature = (n = 64))]
    fn boundary<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = arg::n)] n: i64,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let n = usize::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_BOUNDARY_POINTS).contains(n))
            .ok_or_else(|| {
                let expected = format!("a number of points from 1 to {MAX_BOUNDARY_POINTS}");
                invalid("n", expected, n)
            })?;
        let points = self.inner.boundary(n);
        Ok(Array2::from_shape_fn((n, 2), |(k, axis)| points[k][axis]).into_pyarray(py))
    }

    /// Whether `offset` (east, north, metres from the centre) lies inside.
    fn contains(&self, offset: &Bound<'_, PyAny>) -> PyResult<bool> {
        let offset = real_array(offset, "offset", &[2])?;
        Ok(self.inner.contains([offset[0], offset[1]]))
    }

    fn __repr__(&self) -> String {
        format!(
            "ErrorEllipse(semi_major_m={:.3}, semi_minor_m={:.3}, orientation_rad={:.4}, \
             confidence={})",
            self.inner.semi_major_m,
            self.inner.semi_minor_m,
            self.inner.orientation_rad,
            self.inner.confidence
        )
    }
}

/// A real array (or nested sequence) of exactly `shape`, as float64 values in C order.
fn real_array(obj: &Bound<'_, PyAny>, name: &str, shape: &[usize]) -> PyResult<Vec<f64>> {
    let shape_text = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let expected = format!("an array of real numbers with shape {shape_text}");
    let numpy = obj.py().import("numpy")?;
    let array = numpy
        .call_method1("asarray", (obj,))
        .and_then(|a| Ok(a.cast_into::<PyUntypedArray>()?))
        .map_err(|_| invalid(name, &expected, describe(obj)))?;
    let real = matches!(array.dtype().kind(), b'f' | b'i' | b'u');
    if !real || array.shape() != shape {
        return Err(invalid(name, &expected, describe(array.as_any())));
    }
    let flat = array
        .call_method1("astype", ("float64",))?
        .call_method0("ravel")?
        .cast_into::<PyArray1<f64>>()?;
    Ok(flat.try_readonly()?.as_array().to_vec())
}

/// The ellipse holding a horizontal position with probability `confidence`.
#[pyfunction]
#[pyo3(signature = (covariance, confidence = 0.95))]
pub fn error_ellipse(covariance: &Bound<'_, PyAny>, confidence: f64) -> PyResult<ErrorEllipse> {
    let c = real_array(covariance, "covariance", &[2, 2])?;
    let ellipse =
        guarded(|| CoreEllipse::from_covariance([[c[0], c[1]], [c[2], c[3]]], confidence))?;
    Ok(ellipse.into())
}

/// The horizontal ellipse of a 3 x 3 local covariance, or `LocalizationError` when the
/// horizontal uncertainty is unbounded (a direction the sensors cannot observe).
pub fn horizontal_ellipse(covariance: &[[f64; 3]; 3], confidence: f64) -> PyResult<ErrorEllipse> {
    let block = [
        [covariance[0][0], covariance[0][1]],
        [covariance[1][0], covariance[1][1]],
    ];
    if !block.iter().flatten().all(|v| v.is_finite()) {
        return Err(LocalizationError::new_err(
            "no error ellipse: the horizontal uncertainty is unbounded (the sensors cannot \
             observe a horizontal direction)",
        ));
    }
    let ellipse = CoreEllipse::from_covariance(block, confidence).map_err(to_py_err)?;
    Ok(ellipse.into())
}

/// A candidate event: onsets of several sensors that one source explains.
#[pyclass(frozen, module = "soundloc", name = "Candidate")]
pub struct Candidate {
    /// `(sensor, k)` for each onset: `onsets_per_sensor[sensor][k]`, in time order.
    #[pyo3(get)]
    onsets: Vec<(usize, usize)>,
    position: [f64; 3],
    /// The emission time the position implies, seconds.
    #[pyo3(get)]
    emission_s: f64,
    arrivals_s: Vec<f64>,
    /// How far a true arrival may lie from its prediction, seconds.
    #[pyo3(get)]
    tolerance_s: f64,
}

#[pymethods]
impl Candidate {
    /// The sensors whose onsets form the candidate, in time order of their onsets.
    #[getter]
    fn sensors(&self) -> Vec<usize> {
        self.onsets.iter().map(|&(sensor, _)| sensor).collect()
    }

    /// The grid cell that explains the onsets, local metres, shape (3,).
    #[getter]
    fn position<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.position.to_vec().into_pyarray(py)
    }

    /// The predicted arrival at every sensor, seconds, shape (n_sensors,).
    #[getter]
    fn arrivals_s<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.arrivals_s.clone().into_pyarray(py)
    }

    fn __repr__(&self) -> String {
        let [x, y, z] = self.position;
        format!(
            "Candidate(sensors={:?}, position=[{x:.1}, {y:.1}, {z:.1}], emission_s={:.4})",
            self.sensors(),
            self.emission_s
        )
    }
}

/// Where an onset came from: `(sensor, k)` for `onsets_per_sensor[sensor][k]`.
type OnsetOrigin = (usize, usize);

/// The onset times of `onsets_per_sensor` (item `k`: sensor `k`'s onsets, as `Onset`
/// objects or times in seconds), flattened, with where each came from.
fn onset_times(
    onsets_per_sensor: &Bound<'_, PyAny>,
    n_sensors: usize,
) -> PyResult<(Vec<OnsetTime>, Vec<OnsetOrigin>)> {
    let expected = format!(
        "a sequence of {n_sensors} sequences (one per row of positions) of Onset objects or \
         times in seconds"
    );
    let outer = onsets_per_sensor
        .cast::<PySequence>()
        .map_err(|_| invalid("onsets_per_sensor", &expected, describe(onsets_per_sensor)))?;
    if outer.len()? != n_sensors {
        return Err(invalid(
            "onsets_per_sensor",
            &expected,
            format!("{} sequences", outer.len()?),
        ));
    }

    let mut times = Vec::new();
    let mut origin = Vec::new();
    for sensor in 0..n_sensors {
        let name = format!("onsets_per_sensor[{sensor}]");
        let item = outer.get_item(sensor)?;
        let inner = item.cast::<PySequence>().map_err(|_| {
            invalid(
                &name,
                "a sequence of Onset objects or times",
                describe(&item),
            )
        })?;
        for k in 0..inner.len()? {
            let value = inner.get_item(k)?;
            let time_s = match value.cast::<Onset>() {
                Ok(onset) => onset.get().time_s,
                Err(_) => value.extract::<f64>().map_err(|_| {
                    invalid(
                        &format!("{name}[{k}]"),
                        "an Onset or a time in seconds",
                        describe(&value),
                    )
                })?,
            };
            times.push(OnsetTime { sensor, time_s });
            origin.push((sensor, k));
        }
    }
    Ok((times, origin))
}

/// Groups onsets of different sensors into candidate events that one source explains.
#[pyfunction]
#[pyo3(signature = (
    onsets_per_sensor, positions, *, speed_of_sound = 343.2, min_sensors = 4,
    cell_m = 10.0, margin_m = 100.0, onset_tolerance_s = 0.015, height_m = None
))]
#[allow(clippy::too_many_arguments)]
pub fn associate(
    py: Python<'_>,
    onsets_per_sensor: &Bound<'_, PyAny>,
    positions: &Bound<'_, PyAny>,
    speed_of_sound: f64,
    #[pyo3(from_py_with = arg::count_of_sensors)] min_sensors: i64,
    cell_m: f64,
    margin_m: f64,
    onset_tolerance_s: f64,
    height_m: Option<f64>,
) -> PyResult<Vec<Candidate>> {
    let positions = rows_of_three(positions, "positions")?;
    let (times, origin) = onset_times(onsets_per_sensor, positions.len())?;
    let min_sensors = usize::try_from(min_sensors).map_err(|_| {
        invalid(
            "min_sensors",
            "a number of sensors of 2 or more",
            min_sensors,
        )
    })?;
    let options = AssociationOptions {
        cell_m,
        margin_m,
        onset_tolerance_s,
        min_sensors,
        height_m,
    };

    let candidates = py.detach(|| {
        guarded(|| core_associate::associate(&times, &positions, speed_of_sound, &options))
    })?;
    Ok(candidates
        .into_iter()
        .map(|c| Candidate {
            onsets: c.onsets.iter().map(|&i| origin[i]).collect(),
            position: c.position,
            emission_s: c.emission_s,
            arrivals_s: c.arrivals_s,
            tolerance_s: c.tolerance_s,
        })
        .collect())
}

/// One event found and located in continuous recordings.
#[pyclass(frozen, module = "soundloc", name = "DetectedEvent")]
pub struct DetectedEvent {
    /// Emission time, seconds from the start of the recordings (true time).
    #[pyo3(get)]
    time_s: f64,
    local: [f64; 3],
    position: [f64; 3],
    /// Latitude, degrees, when the scene is geo-referenced.
    #[pyo3(get)]
    latitude: Option<f64>,
    /// Longitude, degrees, when the scene is geo-referenced.
    #[pyo3(get)]
    longitude: Option<f64>,
    /// Height above the WGS84 ellipsoid, metres, when the scene is geo-referenced.
    #[pyo3(get)]
    altitude: Option<f64>,
    position_std: [f64; 3],
    covariance: [[f64; 3]; 3],
    /// The 95 % horizontal error ellipse; None when the covariance is unbounded.
    #[pyo3(get)]
    ellipse: Option<ErrorEllipse>,
    /// RMS of the delay residuals, seconds.
    #[pyo3(get)]
    residual_rms_s: f64,
    /// Ids of the sensors whose delays the position rests on.
    #[pyo3(get)]
    used: Vec<String>,
    /// `(sensor id, reason)` for each sensor left out.
    #[pyo3(get)]
    rejected: Vec<(String, String)>,
    /// The source height hit a bound of the scene's solver settings.
    #[pyo3(get)]
    height_at_bound: bool,
    /// Impulses located at this place within a few seconds, this one included.
    #[pyo3(get)]
    impulses: usize,
    /// The onsets that triggered the event, with their features.
    #[pyo3(get)]
    onsets: Vec<Onset>,
}

#[pymethods]
impl DetectedEvent {
    /// Position in the scene's coordinate system, shape (3,).
    #[getter]
    fn position<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.position.to_vec().into_pyarray(py)
    }

    /// Position in the local frame, metres east, north, up, shape (3,).
    #[getter]
    fn local<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.local.to_vec().into_pyarray(py)
    }

    /// Standard deviations east, north, up, metres, shape (3,) (inf where unobservable).
    #[getter]
    fn position_std<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.position_std.to_vec().into_pyarray(py)
    }

    /// Covariance of the local position, m^2, shape (3, 3).
    #[getter]
    fn covariance<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        matrix(&self.covariance).into_pyarray(py)
    }

    fn __repr__(&self) -> String {
        let [x, y, z] = self.position;
        format!(
            "DetectedEvent(time_s={:.3}, position=[{x:.2}, {y:.2}, {z:.2}], used={:?}, \
             rejected={:?}, impulses={})",
            self.time_s,
            self.used,
            self.rejected.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            self.impulses
        )
    }
}

/// A 3 x 3 matrix as an array.
pub fn matrix(values: &[[f64; 3]; 3]) -> Array2<f64> {
    Array2::from_shape_fn((3, 3), |(r, c)| values[r][c])
}

/// A candidate that association found but localisation could not place.
#[pyclass(frozen, module = "soundloc", name = "UnlocatedEvent")]
pub struct UnlocatedEvent {
    /// The emission time association estimated, seconds.
    #[pyo3(get)]
    time_s: f64,
    /// Ids of the sensors whose onsets formed it.
    #[pyo3(get)]
    sensors: Vec<String>,
    /// Why it could not be located.
    #[pyo3(get)]
    reason: String,
}

#[pymethods]
impl UnlocatedEvent {
    fn __repr__(&self) -> String {
        format!(
            "UnlocatedEvent(time_s={:.3}, sensors={:?}, reason={:?})",
            self.time_s, self.sensors, self.reason
        )
    }
}

/// A stretch in which one sensor recorded nothing usable.
#[pyclass(frozen, module = "soundloc", name = "SensorOutage")]
pub struct SensorOutage {
    /// The sensor's id.
    #[pyo3(get)]
    sensor: String,
    /// Start, seconds from the start of the recordings (true time).
    #[pyo3(get)]
    start_s: f64,
    /// End, seconds (true time).
    #[pyo3(get)]
    end_s: f64,
    /// `"flat"` (one value held throughout) or `"ended"` (its file had ended).
    #[pyo3(get)]
    kind: &'static str,
    /// The value held, for a flat outage; `None` for an ended file.
    #[pyo3(get)]
    value: Option<f64>,
    /// The outage in words.
    #[pyo3(get)]
    reason: String,
}

#[pymethods]
impl SensorOutage {
    fn __repr__(&self) -> String {
        format!(
            "SensorOutage(sensor={:?}, start_s={:.3}, end_s={:.3}, kind={:?})",
            self.sensor, self.start_s, self.end_s, self.kind
        )
    }
}

/// What `Scene.detect_events` found.
#[pyclass(frozen, module = "soundloc", name = "Detection")]
pub struct Detection {
    events: Vec<Py<DetectedEvent>>,
    unlocated: Vec<Py<UnlocatedEvent>>,
    outages: Vec<Py<SensorOutage>>,
    /// Onsets found per sensor, in the scene's sensor order.
    #[pyo3(get)]
    onsets_per_sensor: Vec<usize>,
    /// Every onset found, sensor by sensor, in time order within each sensor.
    #[pyo3(get)]
    onsets: Vec<Onset>,
    /// Length of the recordings, seconds.
    #[pyo3(get)]
    duration_s: f64,
    /// The scene's sensor ids; `Onset.sensor` indexes them.
    #[pyo3(get)]
    sensor_ids: Vec<String>,
}

impl Detection {
    /// Converts the library's result, naming sensors by their ids.
    pub fn new(
        py: Python<'_>,
        detection: core_continuous::Detection,
        sensor_ids: Vec<String>,
    ) -> PyResult<Self> {
        let id = |k: &usize| sensor_ids[*k].clone();
        let events = detection
            .events
            .iter()
            .map(|event| {
                let event = DetectedEvent {
                    time_s: event.time_s,
                    local: event.local,
                    position: event.position,
                    latitude: event.geodetic.map(|g| g.lat_deg),
                    longitude: event.geodetic.map(|g| g.lon_deg),
                    altitude: event.geodetic.map(|g| g.alt_m),
                    position_std: event.position_std,
                    covariance: event.covariance,
                    ellipse: event.ellipse.map(ErrorEllipse::from),
                    residual_rms_s: event.residual_rms_s,
                    used: event.used.iter().map(id).collect(),
                    rejected: event
                        .rejected
                        .iter()
                        .map(|(k, why)| (id(k), why.clone()))
                        .collect(),
                    height_at_bound: event.height_at_bound,
                    impulses: event.impulses,
                    onsets: event.onsets.iter().map(Onset::from).collect(),
                };
                Py::new(py, event)
            })
            .collect::<PyResult<_>>()?;
        let unlocated = detection
            .unlocated
            .iter()
            .map(|missed| {
                let missed = UnlocatedEvent {
                    time_s: missed.time_s,
                    sensors: missed.sensors.iter().map(id).collect(),
                    reason: missed.reason.clone(),
                };
                Py::new(py, missed)
            })
            .collect::<PyResult<_>>()?;
        let outages = detection
            .outages
            .iter()
            .map(|outage| {
                let outage = SensorOutage {
                    sensor: id(&outage.sensor),
                    start_s: outage.start_s,
                    end_s: outage.end_s,
                    kind: outage.kind.name(),
                    value: outage.kind.value(),
                    reason: outage.to_string(),
                };
                Py::new(py, outage)
            })
            .collect::<PyResult<_>>()?;
        Ok(Detection {
            events,
            unlocated,
            outages,
            onsets_per_sensor: detection.onsets_per_sensor,
            onsets: detection.onsets.iter().map(Onset::from).collect(),
            duration_s: detection.duration_s,
            sensor_ids,
        })
    }
}

#[pymethods]
impl Detection {
    /// Located events, in time order.
    #[getter]
    fn events(&self, py: Python<'_>) -> Vec<Py<DetectedEvent>> {
        self.events.iter().map(|e| e.clone_ref(py)).collect()
    }

    /// Candidates that could not be located.
    #[getter]
    fn unlocated(&self, py: Python<'_>) -> Vec<Py<UnlocatedEvent>> {
        self.unlocated.iter().map(|e| e.clone_ref(py)).collect()
    }

    /// Stretches in which a sensor recorded nothing usable (flat samples, or its file had
    /// ended), by sensor and then time.
    #[getter]
    fn outages(&self, py: Python<'_>) -> Vec<Py<SensorOutage>> {
        self.outages.iter().map(|o| o.clone_ref(py)).collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Detection(n_events={}, n_unlocated={}, n_outages={}, n_onsets={}, duration_s={:.1})",
            self.events.len(),
            self.unlocated.len(),
            self.outages.len(),
            self.onsets.len(),
            self.duration_s
        )
    }
}
