//! `Scene`, `EventWindow` and `EventEstimate`: scene files and the main job
//! (`soundloc locate`) and continuous detection (`soundloc detect`) on them, as thin
//! wrappers over `soundloc::scene`, `soundloc::event` and `soundloc::continuous`.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;
use soundloc::continuous::{self, DetectOptions, Progress, Stage};
use soundloc::event::{self, EventOptions, SceneAudio};
use soundloc::geodesy::CoordinateSystem;
use soundloc::scene::{self as core_scene};
use soundloc::{Error, Result};

use crate::convert::arg;
use crate::convert::describe;
use crate::detect::{Detection, ErrorEllipse, horizontal_ellipse, matrix, set_threshold};
use crate::errors::{GuardedError, InvalidInputError, LocalizationError, guarded, invalid};
use crate::gcc::parse_weighting;

/// One deployment read from a scene file: sensors, recordings, air and events.
#[pyclass(frozen, module = "soundloc", name = "Scene")]
pub struct Scene {
    scene: Arc<core_scene::Scene>,
    /// The recordings, read on first use and kept.
    audio: Mutex<Option<Arc<SceneAudio>>>,
}

impl Scene {
    /// The recordings, read once.
    fn audio(&self) -> Result<Arc<SceneAudio>> {
        let mut audio = self.audio.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(loaded) = audio.as_ref() {
            return Ok(loaded.clone());
        }
        let loaded = Arc::new(SceneAudio::load(&self.scene)?);
        *audio = Some(loaded.clone());
        Ok(loaded)
    }

    /// The sensor ids, in file order.
    fn ids(&self) -> Vec<String> {
        self.scene.sensors.iter().map(|s| s.id.clone()).collect()
    }

    /// The index of the event named by an index (negative counts from the end) or by a
    /// label that names exactly one event.
    fn event_index(&self, index_or_label: &Bound<'_, PyAny>) -> PyResult<usize> {
        let events = &self.scene.events;
        let n = events.len() as i64;
        let name = "index_or_label";
        if let Ok(label) = index_or_label.extract::<String>() {
            let matches: Vec<usize> = (0..events.len())
                .filter(|&k| events[k].label.as_deref() == Some(label.as_str()))
                .collect();
            let labels: Vec<&str> = events.iter().filter_map(|e| e.label.as_deref()).collect();
            return match matches.as_slice() {
                [index] => Ok(*index),
                [] => Err(invalid(
                    name,
                    format!("an event index in -{n}..{n} or one of the labels {labels:?}"),
                    format!("{label:?}"),
                )),
                several => Err(invalid(
                    name,
                    "a label that names one event, or an event index",
                    format!("{label:?}, which names the events at indices {several:?}"),
                )),
            };
        }
        let index = index_or_label.extract::<i64>().map_err(|_| {
            invalid(
                name,
                "an event index (int) or label (str)",
                describe(index_or_label),
            )
        })?;
        let resolved = if index < 0 { index + n } else { index };
        usize::try_from(resolved)
            .ok()
            .filter(|&k| k < events.len())
            .ok_or_else(|| {
                invalid(
                    name,
                    format!("an event index in -{n}..{n} (the scene has {n} events)"),
                    index,
                )
            })
    }
}

/// A scene error as Python sees it: a field that is wrong is bad input
/// (`InvalidInputError`), a file that cannot be read is a `DataFileError`.
fn scene_error(error: GuardedError) -> PyErr {
    match error {
        GuardedError::Soundloc(error @ Error::Scene { .. }) => {
            InvalidInputError::new_err(error.to_string())
        }
        other => other.into(),
    }
}

/// The event options of `soundloc locate` and `soundloc detect`: the defaults with a
/// weighting.
fn event_options(weighting: &str) -> PyResult<EventOptions> {
    Ok(EventOptions {
        weighting: parse_weighting(weighting)?,
        ..EventOptions::default()
    })
}

#[pymethods]
impl Scene {
    /// Reads and checks a scene file (TOML).
    #[staticmethod]
    fn from_file(
        py: Python<'_>,
        #[pyo3(from_py_with = arg::file_path)] path: PathBuf,
    ) -> PyResult<Self> {
        let scene = py
            .detach(|| guarded(|| core_scene::Scene::from_file(&path)))
            .map_err(scene_error)?;
        Ok(Scene {
            scene: Arc::new(scene),
            audio: Mutex::new(None),
        })
    }

    /// The scene file, as given.
    #[getter]
    fn path(&self) -> String {
        self.scene.path.display().to_string()
    }

    /// The deployment's name, if the file gives one.
    #[getter]
    fn name(&self) -> Option<String> {
        self.scene.name.clone()
    }

    /// Sensor ids, in file order.
    #[getter]
    fn sensor_ids(&self) -> Vec<String> {
        self.ids()
    }

    /// Sensor positions in the scene's coordinate system, shape (n_sensors, 3).
    #[getter]
    fn positions<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        let sensors = &self.scene.sensors;
        Array2::from_shape_fn((sensors.len(), 3), |(k, axis)| sensors[k].position[axis])
            .into_pyarray(py)
    }

    /// Sensor positions in the local frame, metres east, north, up, shape (n_sensors, 3).
    #[getter]
    fn local_positions<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        let sensors = &self.scene.sensors;
        Array2::from_shape_fn((sensors.len(), 3), |(k, axis)| sensors[k].local[axis])
            .into_pyarray(py)
    }

    /// "local", "utm <zone><N|S>" or "wgs84".
    #[getter]
    fn coordinate_system(&self) -> String {
        match self.scene.coordinates {
            CoordinateSystem::Local { .. } => "local".into(),
            CoordinateSystem::Utm { zone, north } => {
                format!("utm {zone}{}", if north { "N" } else { "S" })
            }
            CoordinateSystem::Wgs84 => "wgs84".into(),
        }
    }

    /// Where the local frame's origin is: (lat_deg, lon_deg, alt_m), or None.
    #[getter]
    fn origin(&self) -> Option<(f64, f64, f64)> {
        self.scene
            .frame
            .origin()
            .map(|o| (o.lat_deg, o.lon_deg, o.alt_m))
    }

    /// Each sensor's clock minus true time, seconds, shape (n_sensors,); 0 where the file
    /// gives none.
    #[getter]
    fn clock_offsets_s<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        let offsets: Vec<f64> = self
            .scene
            .sensors
            .iter()
            .map(|s| s.clock_offset_s)
            .collect();
        offsets.into_pyarray(py)
    }

    /// Speed of sound, m/s, given or computed from the air.
    #[getter]
    fn speed_of_sound(&self) -> f64 {
        self.scene.speed_of_sound
    }

    /// The annotated event windows, in file order.
    #[getter]
    fn events(&self) -> Vec<EventWindow> {
        self.scene
            .events
            .iter()
            .map(|window| EventWindow::new(window, &self.scene))
            .collect()
    }

    /// The recordings, one row per sensor, and their sample rate.
    #[pyo3(signature = (start_s = None, end_s = None))]
    fn signals<'py>(
        &self,
        py: Python<'py>,
        start_s: Option<f64>,
        end_s: Option<f64>,
    ) -> PyResult<(Bound<'py, PyArray2<f64>>, f64)> {
        let audio = py.detach(|| guarded(|| self.audio()))?;
        let recordings = audio.recordings(&self.scene);
        let fs = recordings.sample_rate;

        // The window, within the shortest recording.
        let (shortest, n_samples) = recordings
            .channels
            .iter()
            .enumerate()
            .map(|(k, c)| (k, c.len()))
            .min_by_key(|&(_, len)| len)
            .unwrap_or((0, 0));
        let length_s = n_samples as f64 / fs;
        let start_s = start_s.unwrap_or(0.0);
        if !(start_s.is_finite() && start_s >= 0.0 && start_s < length_s) {
            return Err(invalid(
                "start_s",
                format!("a time from 0 to below {length_s} s (the recordings' length)"),
                start_s,
            ));
        }
        let end_s = end_s.unwrap_or(length_s);
        if !(end_s.is_finite() && end_s > start_s && end_s <= length_s) {
            return Err(invalid(
                "end_s",
                format!(
                    "a time after start_s = {start_s} s and at most {length_s} s (the length \
                     of sensor \"{}\"'s recording, the shortest)",
                    recordings.ids[shortest]
                ),
                end_s,
            ));
        }
        let first = (start_s * fs).round() as usize;
        let last = ((end_s * fs).round() as usize).min(n_samples);
        if last <= first {
            return Err(invalid(
                "end_s",
                format!("a window of at least one sample after start_s = {start_s} s"),
                end_s,
            ));
        }

        let rows = recordings.channels.len();
        let signals = Array2::from_shape_fn((rows, last - first), |(k, n)| {
            recordings.channels[k][first + n]
        });
        Ok((signals.into_pyarray(py), fs))
    }

    /// Locates every annotated event, as `soundloc locate` does.
    #[pyo3(signature = (*, weighting = "phat"))]
    fn locate_events(&self, py: Python<'_>, weighting: &str) -> PyResult<Vec<EventEstimate>> {
        let options = event_options(weighting)?;
        let scene = &self.scene;

        // One event after another, as the CLI does; a failure stays with its event.
        let results = py.detach(|| {
            guarded(|| {
                let audio = self.audio()?;
                Ok(event::locate_events(scene, &audio, &options))
            })
        })?;
        Ok(scene
            .events
            .iter()
            .zip(results)
            .map(|(window, result)| EventEstimate::new(scene, window, result))
            .collect())
    }

    /// Locates one event, chosen by index or by a label that names one event.
    #[pyo3(signature = (index_or_label, *, weighting = "phat"))]
    fn locate_event(
        &self,
        py: Python<'_>,
        index_or_label: &Bound<'_, PyAny>,
        weighting: &str,
    ) -> PyResult<EventEstimate> {
        let index = self.event_index(index_or_label)?;
        let options = event_options(weighting)?;
        let scene = &self.scene;
        let window = &scene.events[index];

        let estimate = py
            .detach(|| guarded(|| event::locate_event(scene, &*self.audio()?, window, &options)))?;
        Ok(EventEstimate::new(scene, window, Ok(estimate)))
    }

    /// Finds, associates and locates the events of continuous recordings, as
    /// `soundloc detect` does.
    #[pyo3(signature = (*, threshold_db = None, min_sensors = None, weighting = "phat", progress = None))]
    fn detect_events(
        &self,
        py: Python<'_>,
        threshold_db: Option<f64>,
        #[pyo3(from_py_with = arg::min_sensors)] min_sensors: Option<i64>,
        weighting: &str,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Detection> {
        let mut options = DetectOptions {
            event: event_options(weighting)?,
            ..DetectOptions::default()
        };
        set_threshold(&mut options.detector, threshold_db)?;
        if let Some(min_sensors) = min_sensors {
            options.association.min_sensors = usize::try_from(min_sensors).map_err(|_| {
                invalid(
                    "min_sensors",
                    "a number of sensors of 2 or more",
                    min_sensors,
                )
            })?;
        }
        if let Some(callback) = &progress {
            if !callback.bind(py).is_callable() {
                return Err(invalid(
                    "progress",
                    "a callable taking (stage: str, done: int, total: int)",
                    describe(callback.bind(py)),
                ));
            }
        }

        // The callback runs with the GIL taken back; its first exception stops the work.
        let failure: Mutex<Option<PyErr>> = Mutex::new(None);
        let report = |update: Progress| -> ControlFlow<()> {
            let Some(callback) = &progress else {
                return ControlFlow::Continue(());
            };
            let stage = match update.stage {
                Stage::Detecting => "detecting",
                Stage::Locating => "locating",
            };
            Python::attach(
                |py| match callback.call1(py, (stage, update.done, update.total)) {
                    Ok(_) => ControlFlow::Continue(()),
                    Err(error) => {
                        failure
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .get_or_insert(error);
                        ControlFlow::Break(())
                    }
                },
            )
        };
        let scene = &self.scene;
        let detection =
            py.detach(|| guarded(|| continuous::detect_events_stoppable(scene, &options, &report)));

        if let Some(error) = failure.into_inner().unwrap_or_else(PoisonError::into_inner) {
            return Err(error);
        }
        let detection = detection?.ok_or_else(|| {
            LocalizationError::new_err("detection stopped without a reason (please report this)")
        })?;
        Detection::new(py, detection, self.ids())
    }

    fn __repr__(&self) -> String {
        format!(
            "Scene(name={:?}, n_sensors={}, n_events={}, coordinate_system={:?}, path={:?})",
            self.scene.name.as_deref().unwrap_or(""),
            self.scene.sensors.len(),
            self.scene.events.len(),
            self.coordinate_system(),
            self.path()
        )
    }
}

/// An annotated window of a scene's recordings.
#[pyclass(frozen, module = "soundloc", name = "EventWindow")]
pub struct EventWindow {
    /// The event's label, if the scene gives one.
    #[pyo3(get)]
    label: Option<String>,
    /// Start of the window, seconds from the start of the recordings.
    #[pyo3(get)]
    start_s: f64,
    /// End of the window, seconds.
    #[pyo3(get)]
    end_s: f64,
    /// The band, Hz (low, high), if given.
    #[pyo3(get)]
    band_hz: Option<(f64, f64)>,
    /// Ids of the sensors to use, the reference first.
    #[pyo3(get)]
    sensors: Vec<String>,
}

impl EventWindow {
    fn new(window: &core_scene::EventWindow, scene: &core_scene::Scene) -> Self {
        EventWindow {
            label: window.label.clone(),
            start_s: window.start_s,
            end_s: window.end_s,
            band_hz: window.band_hz,
            sensors: window
                .sensors
                .iter()
                .map(|&k| scene.sensors[k].id.clone())
                .collect(),
        }
    }
}

#[pymethods]
impl EventWindow {
    fn __repr__(&self) -> String {
        format!(
            "EventWindow(label={:?}, start_s={}, end_s={}, band_hz={:?}, sensors={:?})",
            self.label.as_deref().unwrap_or(""),
            self.start_s,
            self.end_s,
            self.band_hz,
            self.sensors
        )
    }
}

/// What was found for one located event.
struct Located {
    position: [f64; 3],
    local: [f64; 3],
    position_std: [f64; 3],
    covariance: [[f64; 3]; 3],
    geodetic: Option<(f64, f64, f64)>,
    residual_rms_s: f64,
    ambiguous: Vec<[f64; 3]>,
    height_at_bound: bool,
}

/// One annotated event, located (or the reason it could not be).
#[pyclass(frozen, module = "soundloc", name = "EventEstimate")]
pub struct EventEstimate {
    /// The event's label, if the scene gives one.
    #[pyo3(get)]
    label: Option<String>,
    /// Start of the window, seconds.
    #[pyo3(get)]
    start_s: f64,
    /// End of the window, seconds.
    #[pyo3(get)]
    end_s: f64,
    located: Option<Located>,
    /// Ids of the sensors whose delays were used (empty when the event failed).
    #[pyo3(get)]
    used: Vec<String>,
    /// `(sensor id, reason)` for each sensor left out.
    #[pyo3(get)]
    rejected: Vec<(String, String)>,
    /// Why the event could not be located; None when it was.
    #[pyo3(get)]
    error: Option<String>,
}

impl EventEstimate {
    fn new(
        scene: &core_scene::Scene,
        window: &core_scene::EventWindow,
        result: Result<event::EventEstimate>,
    ) -> Self {
        let id = |k: &usize| scene.sensors[*k].id.clone();
        let mut estimate = EventEstimate {
            label: window.label.clone(),
            start_s: window.start_s,
            end_s: window.end_s,
            located: None,
            used: Vec::new(),
            rejected: Vec::new(),
            error: None,
        };
        match result {
            Err(error) => estimate.error = Some(error.to_string()),
            Ok(found) => {
                estimate.used = found.used.iter().map(id).collect();
                estimate.rejected = found
                    .rejected
                    .iter()
                    .map(|(k, why)| (id(k), why.clone()))
                    .collect();
                estimate.located = Some(Located {
                    position: found.position,
                    local: found.local,
                    position_std: found.position_std,
                    covariance: found.covariance,
                    geodetic: found.geodetic.map(|g| (g.lat_deg, g.lon_deg, g.alt_m)),
                    residual_rms_s: found.residual_rms_s,
                    ambiguous: found.ambiguous,
                    height_at_bound: found.height_at_bound,
                });
            }
        }
        estimate
    }

    /// A vector of the located event as an array, or None.
    fn vector<'py>(
        &self,
        py: Python<'py>,
        pick: impl Fn(&Located) -> [f64; 3],
    ) -> Option<Bound<'py, PyArray1<f64>>> {
        self.located
            .as_ref()
            .map(|located| pick(located).to_vec().into_pyarray(py))
    }
}

#[pymethods]
impl EventEstimate {
    /// Position in the scene's coordinate system, shape (3,); None when the event failed.
    #[getter]
    fn position<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.vector(py, |l| l.position)
    }

    /// Position in the local frame, metres east, north, up, shape (3,); or None.
    #[getter]
    fn local<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.vector(py, |l| l.local)
    }

    /// Standard deviation east, north, up, metres, shape (3,) (inf where unobservable).
    #[getter]
    fn position_std<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.vector(py, |l| l.position_std)
    }

    /// Covariance of the local position, m^2, shape (3, 3); or None.
    #[getter]
    fn covariance<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray2<f64>>> {
        self.located
            .as_ref()
            .map(|l| matrix(&l.covariance).into_pyarray(py))
    }

    /// Latitude, degrees, when the scene is geo-referenced and the event located.
    #[getter]
    fn latitude(&self) -> Option<f64> {
        self.located.as_ref().and_then(|l| l.geodetic).map(|g| g.0)
    }

    /// Longitude, degrees, when the scene is geo-referenced and the event located.
    #[getter]
    fn longitude(&self) -> Option<f64> {
        self.located.as_ref().and_then(|l| l.geodetic).map(|g| g.1)
    }

    /// Height above the WGS84 ellipsoid, metres, when geo-referenced and located.
    #[getter]
    fn altitude(&self) -> Option<f64> {
        self.located.as_ref().and_then(|l| l.geodetic).map(|g| g.2)
    }

    /// RMS of the delay residuals, seconds; or None.
    #[getter]
    fn residual_rms_s(&self) -> Option<f64> {
        self.located.as_ref().map(|l| l.residual_rms_s)
    }

    /// Other positions that fit as well, scene coordinates, each of shape (3,).
    #[getter]
    fn ambiguous<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray1<f64>>> {
        self.located.as_ref().map_or_else(Vec::new, |l| {
            l.ambiguous
                .iter()
                .map(|p| p.to_vec().into_pyarray(py))
                .collect()
        })
    }

    /// The height sits on a bound of the scene's `[solver]` heights.
    #[getter]
    fn height_at_bound(&self) -> bool {
        self.located.as_ref().is_some_and(|l| l.height_at_bound)
    }

    /// The horizontal error ellipse holding the source with probability `confidence`.
    #[pyo3(signature = (confidence = 0.95))]
    fn ellipse(&self, confidence: f64) -> PyResult<ErrorEllipse> {
        match &self.located {
            Some(located) => horizontal_ellipse(&located.covariance, confidence),
            None => Err(LocalizationError::new_err(format!(
                "no error ellipse: the event was not located ({})",
                self.error.as_deref().unwrap_or("no reason given")
            ))),
        }
    }

    fn __repr__(&self) -> String {
        let label = self.label.as_deref().unwrap_or("");
        match &self.located {
            Some(l) => {
                let [x, y, z] = l.position;
                let [se, sn, su] = l.position_std;
                format!(
                    "EventEstimate(label={label:?}, start_s={}, end_s={}, position=[{x:.2}, \
                     {y:.2}, {z:.2}], position_std=[{se:.3}, {sn:.3}, {su:.3}], used={:?}, \
                     rejected={:?})",
                    self.start_s,
                    self.end_s,
                    self.used,
                    self.rejected.iter().map(|(id, _)| id).collect::<Vec<_>>()
                )
            }
            None => format!(
                "EventEstimate(label={label:?}, start_s={}, end_s={}, error={:?})",
                self.start_s,
                self.end_s,
                self.error.as_deref().unwrap_or("")
            ),
        }
    }
}
