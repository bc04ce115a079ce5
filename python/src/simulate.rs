//! `simulate`, `load_truth`, `Truth` and its parts, `simulate_array` and
//! `air_absorption_db_per_m`: thin wrappers over `soundloc::simulate`.

use std::path::{Path, PathBuf};

use numpy::ndarray::{Array2, ArrayD};
use numpy::prelude::*;
use numpy::{PyArray1, PyArray2, PyArrayDyn, PyUntypedArray};
use pyo3::prelude::*;
use soundloc::simulate::{self as core, AbsorbingAir, FreeFieldOptions, SimulationSpec};

use crate::convert::{Signal, arg, describe, rows_of_three, widen};
use crate::errors::{guarded, invalid};
use crate::geodesy::points;

/// One sensor of a simulation: where it was and what was written.
#[pyclass(frozen, module = "soundloc", name = "TruthSensor")]
pub struct TruthSensor {
    /// Id, also the stem of its WAV file.
    #[pyo3(get)]
    id: String,
    position: [f64; 3],
    local: [f64; 3],
    /// Background level, dB SPL; None without a background.
    #[pyo3(get)]
    noise_db: Option<f64>,
    /// Largest sample magnitude written, full scale 1.
    #[pyo3(get)]
    peak: f64,
    /// Samples beyond full scale, clipped.
    #[pyo3(get)]
    clipped_samples: u64,
}

#[pymethods]
impl TruthSensor {
    /// Position in the spec's coordinate system, shape (3,).
    #[getter]
    fn position<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.position.to_vec().into_pyarray(py)
    }

    /// Position in the written scene's local east-north-up frame, metres, shape (3,).
    #[getter]
    fn local<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.local.to_vec().into_pyarray(py)
    }

    fn __repr__(&self) -> String {
        let [x, y, z] = self.position;
        format!(
            "TruthSensor(id='{}', position=[{x:?}, {y:?}, {z:?}], noise_db={}, peak={:.4}, \
             clipped_samples={})",
            self.id,
            optional(self.noise_db),
            self.peak,
            self.clipped_samples
        )
    }
}

/// One sensor's reception of one event.
#[pyclass(frozen, module = "soundloc", name = "TruthArrival")]
pub struct TruthArrival {
    /// The sensor's id.
    #[pyo3(get)]
    sensor: String,
    /// When the clip's first sample is in the sensor's recording, seconds.
    #[pyo3(get)]
    arrival_s: f64,
    /// Straight-line distance from the source, metres.
    #[pyo3(get)]
    distance_m: f64,
    /// Broadband SNR against the background, dB; None without a background.
    #[pyo3(get)]
    snr_db: Option<f64>,
    /// The direct path is blocked.
    #[pyo3(get)]
    nlos: bool,
    /// Extra delay of the blocked path, seconds.
    #[pyo3(get)]
    extra_delay_s: f64,
    /// This sensor's timing error for this event, seconds (included in `arrival_s`).
    #[pyo3(get)]
    clock_error_s: f64,
}

#[pymethods]
impl TruthArrival {
    fn __repr__(&self) -> String {
        format!(
            "TruthArrival(sensor='{}', arrival_s={:.6}, distance_m={:.3}, snr_db={}, \
             nlos={}, extra_delay_s={:?}, clock_error_s={:e})",
            self.sensor,
            self.arrival_s,
            self.distance_m,
            optional(self.snr_db),
            if self.nlos { "True" } else { "False" },
            self.extra_delay_s,
            self.clock_error_s
        )
    }
}

/// One event of a simulation: where, when, what, and how every sensor heard it.
#[pyclass(frozen, module = "soundloc", name = "TruthEvent")]
pub struct TruthEvent {
    /// Index in the spec's events, from 0.
    #[pyo3(get)]
    index: usize,
    /// Emission of the clip's first sample, seconds.
    #[pyo3(get)]
    time_s: f64,
    position: [f64; 3],
    local: [f64; 3],
    /// File name of the clip.
    #[pyo3(get)]
    clip: String,
    /// Level at 1 m, dB SPL (RMS of the loudest 100 ms).
    #[pyo3(get)]
    level_db: f64,
    arrivals: Vec<Py<TruthArrival>>,
}

#[pymethods]
impl TruthEvent {
    /// Position in the spec's coordinate system, shape (3,).
    #[getter]
    fn position<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.position.to_vec().into_pyarray(py)
    }

    /// Position in the written scene's local frame, metres, shape (3,).
    #[getter]
    fn local<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.local.to_vec().into_pyarray(py)
    }

    /// How each sensor heard it, in sensor order.
    #[getter]
    fn arrivals(&self, py: Python<'_>) -> Vec<Py<TruthArrival>> {
        self.arrivals.iter().map(|a| a.clone_ref(py)).collect()
    }

    fn __repr__(&self) -> String {
        let [x, y, z] = self.position;
        format!(
            "TruthEvent(index={}, time_s={:?}, position=[{x:?}, {y:?}, {z:?}], clip='{}', \
             level_db={:?}, n_arrivals={})",
            self.index,
            self.time_s,
            self.clip,
            self.level_db,
            self.arrivals.len()
        )
    }
}

/// Everything a simulation put into its recordings (`truth.json`).
#[pyclass(frozen, module = "soundloc", name = "Truth")]
pub struct Truth {
    /// Name of the scene.
    #[pyo3(get)]
    name: String,
    /// The seed it was made with.
    #[pyo3(get)]
    seed: u64,
    /// Sample rate of the recordings, Hz.
    #[pyo3(get)]
    sample_rate: u32,
    /// Length of the recordings, seconds.
    #[pyo3(get)]
    duration_s: f64,
    /// Speed of sound used, m/s.
    #[pyo3(get)]
    speed_of_sound: f64,
    /// Coordinate system of the `position` fields: "local", "utm" or "wgs84".
    #[pyo3(get)]
    coordinates: String,
    /// Anything the user should know (clipping), in words.
    #[pyo3(get)]
    warnings: Vec<String>,
    scene_path: Option<PathBuf>,
    sensors: Vec<Py<TruthSensor>>,
    events: Vec<Py<TruthEvent>>,
    sensor_positions: [Vec<[f64; 3]>; 2],
    event_positions: [Vec<[f64; 3]>; 2],
}

impl Truth {
    /// Wraps the library's truth, with the scene file written next to it if known.
    fn new(py: Python<'_>, truth: core::Truth, scene_path: Option<PathBuf>) -> PyResult<Self> {
        let sensors = truth
            .sensors
            .iter()
            .map(|s| {
                Py::new(
                    py,
                    TruthSensor {
                        id: s.id.clone(),
                        position: s.position,
                        local: s.local,
                        noise_db: s.noise_db,
                        peak: s.peak,
                        clipped_samples: s.clipped_samples,
                    },
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        let events = truth
            .events
            .iter()
            .map(|e| truth_event(py, e))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Truth {
            sensor_positions: [
                truth.sensors.iter().map(|s| s.position).collect(),
                truth.sensors.iter().map(|s| s.local).collect(),
            ],
            event_positions: [
                truth.events.iter().map(|e| e.position).collect(),
                truth.events.iter().map(|e| e.local).collect(),
            ],
            name: truth.name,
            seed: truth.seed,
            sample_rate: truth.sample_rate,
            duration_s: truth.duration_s,
            speed_of_sound: truth.speed_of_sound,
            coordinates: truth.coordinates,
            warnings: truth.warnings,
            scene_path,
            sensors,
            events,
        })
    }
}

/// The Python object of one event and its arrivals.
fn truth_event(py: Python<'_>, event: &core::TruthEvent) -> PyResult<Py<TruthEvent>> {
    let arrivals = event
        .arrivals
        .iter()
        .map(|a| {
            Py::new(
                py,
                TruthArrival {
                    sensor: a.sensor.clone(),
                    arrival_s: a.arrival_s,
                    distance_m: a.distance_m,
                    snr_db: a.snr_db,
                    nlos: a.nlos,
                    extra_delay_s: a.extra_delay_s,
                    clock_error_s: a.clock_error_s,
                },
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    Py::new(
        py,
        TruthEvent {
            index: event.index,
            time_s: event.time_s,
            position: event.position,
            local: event.local,
            clip: event.clip.clone(),
            level_db: event.level_db,
            arrivals,
        },
    )
}

#[pymethods]
impl Truth {
    /// The sensors, in spec order.
    #[getter]
    fn sensors(&self, py: Python<'_>) -> Vec<Py<TruthSensor>> {
        self.sensors.iter().map(|s| s.clone_ref(py)).collect()
    }

    /// The events, in spec order.
    #[getter]
    fn events(&self, py: Python<'_>) -> Vec<Py<TruthEvent>> {
        self.events.iter().map(|e| e.clone_ref(py)).collect()
    }

    /// The scene file written with the recordings, as a string path, or None.
    #[getter]
    fn scene_path(&self) -> Option<String> {
        self.scene_path
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned())
    }

    /// Sensor positions `(n_sensors, 3)`: in the spec's system, or local metres.
    #[pyo3(signature = (*, local = false))]
    fn sensor_positions<'py>(&self, py: Python<'py>, local: bool) -> Bound<'py, PyArray2<f64>> {
        table(py, &self.sensor_positions[usize::from(local)])
    }

    /// Event positions `(n_events, 3)`: in the spec's system, or local metres.
    #[pyo3(signature = (*, local = false))]
    fn event_positions<'py>(&self, py: Python<'py>, local: bool) -> Bound<'py, PyArray2<f64>> {
        table(py, &self.event_positions[usize::from(local)])
    }

    fn __repr__(&self) -> String {
        format!(
            "Truth(name='{}', sample_rate={}, duration_s={:?}, coordinates='{}', \
             n_sensors={}, n_events={}, n_warnings={})",
            self.name,
            self.sample_rate,
            self.duration_s,
            self.coordinates,
            self.sensors.len(),
            self.events.len(),
            self.warnings.len()
        )
    }
}

/// A float as Python prints it, or `None`.
fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "None".to_owned(), |v| format!("{v:?}"))
}

/// Rows as an `(n, 3)` array.
fn table<'py>(py: Python<'py>, rows: &[[f64; 3]]) -> Bound<'py, PyArray2<f64>> {
    Array2::from_shape_fn((rows.len(), 3), |(r, c)| rows[r][c]).into_pyarray(py)
}

/// Runs a simulation spec: WAVs, `scene.toml` and `truth.json` written into `out_dir`.
#[pyfunction]
#[pyo3(signature = (spec_path, out_dir))]
pub fn simulate(
    py: Python<'_>,
    #[pyo3(from_py_with = arg::spec_path)] spec_path: PathBuf,
    #[pyo3(from_py_with = arg::out_dir)] out_dir: PathBuf,
) -> PyResult<Truth> {
    let truth = py.detach(|| {
        guarded(|| {
            let spec = SimulationSpec::from_file(&spec_path)?;
            core::simulate(&spec, &out_dir)
        })
    })?;
    Truth::new(py, truth, Some(out_dir.join("scene.toml")))
}

/// Reads a `truth.json` written by `simulate`.
#[pyfunction]
#[pyo3(signature = (path))]
pub fn load_truth(
    py: Python<'_>,
    #[pyo3(from_py_with = arg::file_path)] path: PathBuf,
) -> PyResult<Truth> {
    let truth = py.detach(|| guarded(|| core::Truth::from_file(&path)))?;
    let scene = path.parent().unwrap_or(Path::new(".")).join("scene.toml");
    let scene_path = scene.is_file().then_some(scene);
    Truth::new(py, truth, scene_path)
}

/// What microphones hear of a point source in free field: `(n_mics, n_samples)`.
#[pyfunction]
#[pyo3(signature = (
    source, sample_rate, source_position, mic_positions, *, speed_of_sound = 343.2,
    snr_db = None, seed = 0, spreading = true
))]
#[allow(clippy::too_many_arguments)]
pub fn simulate_array<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    sample_rate: f64,
    source_position: &Bound<'py, PyAny>,
    mic_positions: &Bound<'py, PyAny>,
    speed_of_sound: f64,
    snr_db: Option<f64>,
    seed: i128,
    spreading: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let samples = widen(&Signal::extract(source, "source")?, "source")?;
    let rate = whole_rate(sample_rate)?;
    let (position, single) = points(source_position, "source_position")?;
    if !single {
        return Err(invalid(
            "source_position",
            "one position, shape (3,)",
            describe(source_position),
        ));
    }
    let mics = rows_of_three(mic_positions, "mic_positions")?;
    let seed =
        u64::try_from(seed).map_err(|_| invalid("seed", "an integer from 0 to 2**64 - 1", seed))?;
    let options = FreeFieldOptions {
        speed_of_sound,
        spreading,
        snr_db,
        seed,
    };

    let channels =
        py.detach(|| guarded(|| core::free_field(&samples, rate, position[0], &mics, &options)))?;
    let n_samples = channels.first().map_or(0, Vec::len);
    Ok(
        Array2::from_shape_fn((channels.len(), n_samples), |(m, n)| channels[m][n])
            .into_pyarray(py),
    )
}

/// Atmospheric absorption of ISO 9613-1, dB per metre, at one frequency or an array.
#[pyfunction]
#[pyo3(signature = (frequency_hz, temperature_c = 20.0, humidity_percent = 50.0, altitude_m = 0.0))]
pub fn air_absorption_db_per_m<'py>(
    py: Python<'py>,
    frequency_hz: &Bound<'py, PyAny>,
    temperature_c: f64,
    humidity_percent: f64,
    altitude_m: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let air = guarded(|| AbsorbingAir::checked(temperature_c, humidity_percent, altitude_m))?;

    // A Python number gives a float; anything else is read as an array of real numbers.
    if frequency_hz.cast::<PyUntypedArray>().is_err() {
        if let Ok(frequency) = frequency_hz.extract::<f64>() {
            check_frequency(frequency, "frequency_hz")?;
            return Ok(air.db_per_metre(frequency).into_pyobject(py)?.into_any());
        }
    }
    let frequencies = real_array(frequency_hz, "frequency_hz")?;
    for (index, &f) in frequencies.iter().enumerate() {
        check_frequency(f, &format!("frequency_hz[{index}] (flat index)"))?;
    }
    let absorption = frequencies.mapv(|f| air.db_per_metre(f));
    Ok(absorption.into_pyarray(py).into_any())
}

/// A frequency in Hz: finite and not negative.
fn check_frequency(frequency: f64, name: &str) -> PyResult<()> {
    if frequency.is_finite() && frequency >= 0.0 {
        Ok(())
    } else {
        Err(invalid(name, "a finite frequency >= 0 Hz", frequency))
    }
}

/// Any array-like of real numbers, as float64 of the same shape.
fn real_array(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<ArrayD<f64>> {
    let expected = "a number or an array of real numbers, Hz";
    let array = obj
        .py()
        .import("numpy")?
        .call_method1("asarray", (obj,))
        .and_then(|converted| Ok(converted.cast_into::<PyUntypedArray>()?))
        .map_err(|_| invalid(name, expected, describe(obj)))?;
    if !matches!(array.dtype().kind(), b'f' | b'i' | b'u') {
        return Err(invalid(name, expected, describe(array.as_any())));
    }
    let as_f64 = array
        .call_method1("astype", ("float64",))?
        .cast_into::<PyArrayDyn<f64>>()?;
    Ok(as_f64.try_readonly()?.as_array().to_owned())
}

/// A sample rate that is a whole, positive number of Hz.
fn whole_rate(sample_rate: f64) -> PyResult<u32> {
    let whole =
        sample_rate.fract() == 0.0 && sample_rate >= 1.0 && sample_rate <= f64::from(u32::MAX);
    if whole {
        Ok(sample_rate as u32)
    } else {
        Err(invalid(
            "sample_rate",
            "a whole, positive number of Hz",
            sample_rate,
        ))
    }
}
