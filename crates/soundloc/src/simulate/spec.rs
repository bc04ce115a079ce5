//! The simulation spec: a TOML file read and checked once, like a scene file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::array::distance;
use crate::error::Result;
use crate::geodesy::{CoordinateSystem, EnuFrame};
use crate::scene::{
    Fail, RawAir, RawCoordinates, RawSolver, SolverSettings, check_sensor_id_and_position,
    field_error, local_positions, parse, read_text,
};

/// Default scene sample rate, Hz.
pub const DEFAULT_SAMPLE_RATE: u32 = 48_000;

/// Default sound pressure level of a sample value of 1.0, dB re 20 uPa.
pub const DEFAULT_FULL_SCALE_DB: f64 = 120.0;

/// Default pressure reflection coefficient of the ground (asphalt and paving reflect almost
/// everything).
pub const DEFAULT_REFLECTION_COEFFICIENT: f64 = 0.9;

/// Default level of each sensor's independent noise floor below its background, dB.
pub const DEFAULT_FLOOR_BELOW_DB: f64 = 15.0;

/// A source closer than this to a sensor, metres, is refused: spreading is counted from 1 m.
pub const MIN_SOURCE_DISTANCE_M: f64 = 1.0;

/// Sample rates accepted, Hz.
const SAMPLE_RATE_RANGE: (u32, u32) = (1_000, 384_000);

/// Levels accepted, dB SPL: below is a typo for a level re full scale, above is no sound.
const PLAUSIBLE_LEVEL_DB: (f64, f64) = (-20.0, 250.0);

/// Longest extra delay of a non-line-of-sight path, milliseconds.
const MAX_EXTRA_DELAY_MS: f64 = 1_000.0;

/// A simulated deployment: sensors, the air, the events and how sound travels.
#[derive(Debug, Clone)]
pub struct SimulationSpec {
    /// The spec file, as given.
    pub path: PathBuf,
    /// Name of the scene, written into the scene and truth files.
    pub name: String,
    /// Seed of every random draw (background choice, noise, clock jitter).
    pub seed: u64,
    /// Sample rate of the written recordings, Hz.
    pub sample_rate: u32,
    /// Length of the recordings, seconds.
    pub duration_s: f64,
    /// Sound pressure level, dB re 20 uPa, of the sample value 1.0 (a 16-bit file's full
    /// scale).
    pub full_scale_db: f64,
    /// Temperature, humidity and absorption.
    pub air: SimulatedAir,
    /// Speed of sound from the air, m/s (the same a scene file computes from it).
    pub speed_of_sound: f64,
    /// The system positions are given in.
    pub coordinates: CoordinateSystem,
    /// The local frame, built from the sensors exactly as [`crate::scene::Scene`] builds it.
    pub frame: EnuFrame,
    /// Ground level in the system's vertical coordinate, metres: the plane of the ground
    /// reflection.
    pub ground_alt_m: f64,
    /// Ground reflection and clock jitter.
    pub propagation: Propagation,
    /// The city background; `None` for noiseless recordings.
    pub background: Option<BackgroundSpec>,
    /// The sensors, in file order.
    pub sensors: Vec<SimulatedSensor>,
    /// The events, in file order.
    pub events: Vec<SimulatedEvent>,
    /// Solver settings copied into the written scene.
    pub solver: SolverSettings,
}

/// The air the sound travels through.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulatedAir {
    /// Temperature, degC.
    pub temperature_c: f64,
    /// Relative humidity, per cent.
    pub humidity_percent: f64,
    /// Apply the atmospheric absorption of ISO 9613-1.
    pub absorption: bool,
}

/// How sound travels besides the direct path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Propagation {
    /// Add the reflection off the ground, as an image source below `ground_alt_m`.
    pub ground_reflection: bool,
    /// Pressure reflection coefficient of the ground, in [-1, 1].
    pub reflection_coefficient: f64,
    /// Standard deviation of each sensor's timing error, per event, seconds.
    pub clock_jitter_s: f64,
}

/// The background noise of every sensor.
#[derive(Debug, Clone, PartialEq)]
pub struct BackgroundSpec {
    /// A recording of the place's ambience (resolved against the spec's folder).
    pub clip: PathBuf,
    /// Default background level, dB SPL (RMS).
    pub level_db: f64,
    /// Level of each sensor's independent white noise floor below its background, dB.
    pub floor_below_db: f64,
}

/// One simulated sensor.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedSensor {
    /// Unique id; also the name of its WAV file.
    pub id: String,
    /// Position in the spec's coordinate system.
    pub position: [f64; 3],
    /// Position in the local frame, metres east, north and up.
    pub local: [f64; 3],
    /// Background level at this sensor, dB SPL (RMS); `None` without a background.
    pub noise_db: Option<f64>,
}

/// One simulated sound.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedEvent {
    /// When the clip's first sample leaves the source, seconds from the start.
    pub time_s: f64,
    /// Position in the spec's coordinate system.
    pub position: [f64; 3],
    /// Position in the local frame, metres east, north and up.
    pub local: [f64; 3],
    /// The source clip (resolved against the spec's folder).
    pub clip: PathBuf,
    /// Level at 1 m, dB SPL: the RMS of the clip's loudest 100 ms.
    pub level_db: f64,
    /// Sensors whose direct path is blocked.
    pub nlos: Vec<NlosPath>,
}

/// A blocked direct path: the sensor hears only a later, weaker, diffracted arrival.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NlosPath {
    /// Index of the sensor in [`SimulationSpec::sensors`].
    pub sensor: usize,
    /// Delay of the diffracted arrival after the (blocked) direct one, seconds.
    pub extra_delay_s: f64,
    /// Attenuation of the diffracted arrival against the direct one, dB.
    pub attenuation_db: f64,
}

impl SimulationSpec {
    /// Reads and checks a spec file. Relative clip paths are resolved against its folder.
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) when the file cannot be read, and the errors of
    /// [`from_toml_str`](Self::from_toml_str).
    pub fn from_file(path: impl AsRef<Path>) -> Result<SimulationSpec> {
        let path = path.as_ref();
        SimulationSpec::from_toml_str(&read_text(path)?, path)
    }

    /// Parses and checks the text of a spec. `path` names the file in messages, and its
    /// folder is where relative clip paths are resolved.
    ///
    /// # Errors
    /// [`Error::Scene`](crate::Error::Scene) naming the file and the field at fault (`sensors[3].position`,
    /// `events[2].nlos[0].sensor`, ...), with what was expected and what arrived. Clip files
    /// must exist.
    pub fn from_toml_str(text: &str, path: impl AsRef<Path>) -> Result<SimulationSpec> {
        let path = path.as_ref();
        let raw: RawSpec = parse(text, path)?;
        let fail = field_error(path);
        let base_dir = path.parent().unwrap_or(Path::new(""));

        // Rates, duration and levels.
        let (rate_min, rate_max) = SAMPLE_RATE_RANGE;
        if !(rate_min..=rate_max).contains(&raw.sample_rate) {
            return Err(fail(
                "sample_rate",
                format!(
                    "expected a rate from {rate_min} to {rate_max} Hz, got {}",
                    raw.sample_rate
                ),
            ));
        }
        // A 16-bit WAV file holds at most 4 GiB of samples (its sizes are 32-bit).
        let longest_s = f64::from(u32::MAX / 2 - 64) / f64::from(raw.sample_rate);
        if !(raw.duration_s.is_finite() && raw.duration_s > 0.0 && raw.duration_s <= longest_s) {
            return Err(fail(
                "duration_s",
                format!(
                    "expected a positive duration of at most {longest_s:.0} s (what one 16-bit \
                     WAV file holds at {} Hz), got {}",
                    raw.sample_rate, raw.duration_s
                ),
            ));
        }
        check_level("full_scale_db", raw.full_scale_db, &fail)?;

        // The air, the ground, the coordinate system and how sound travels.
        let air = raw.air.air(&fail)?;
        let speed_of_sound = raw.air.as_scene_air().speed_of_sound(&fail)?;
        let coordinates = raw.coordinates.system(&fail)?;
        let solver = match &raw.solver {
            Some(solver) => solver.settings(&fail)?,
            None => SolverSettings::default(),
        };
        if !(raw.ground_alt_m.is_finite() && raw.ground_alt_m.abs() < 100_000.0) {
            return Err(fail(
                "ground_alt_m",
                format!(
                    "expected a finite ground level in metres, got {}",
                    raw.ground_alt_m
                ),
            ));
        }
        let propagation = raw.propagation.propagation(&fail)?;
        let background = match &raw.background {
            Some(background) => Some(background.background(base_dir, &fail)?),
            None => None,
        };

        // The sensors, the frame they define, and the events in it.
        let sensors = raw.sensors(coordinates, background.as_ref(), &fail)?;
        let positions: Vec<[f64; 3]> = sensors.iter().map(|s| s.position).collect();
        let frame = EnuFrame::new(coordinates, &positions)
            .map_err(|e| fail("sensors", format!("cannot build the local frame: {e}")))?;
        let ids: Vec<&str> = sensors.iter().map(|s| s.id.as_str()).collect();
        let locals = local_positions(&ids, &positions, &frame, &fail)?;
        let sensors: Vec<SimulatedSensor> = sensors
            .into_iter()
            .zip(locals)
            .map(|(sensor, local)| SimulatedSensor { local, ..sensor })
            .collect();
        let events = raw
            .events
            .iter()
            .enumerate()
            .map(|(index, event)| {
                event.event(index, &raw, &sensors, &frame, coordinates, base_dir, &fail)
            })
            .collect::<Result<Vec<_>>>()?;

        Ok(SimulationSpec {
            path: path.to_path_buf(),
            name: raw.name.clone(),
            seed: raw.seed,
            sample_rate: raw.sample_rate,
            duration_s: raw.duration_s,
            full_scale_db: raw.full_scale_db,
            air,
            speed_of_sound,
            coordinates,
            frame,
            ground_alt_m: raw.ground_alt_m,
            propagation,
            background,
            sensors,
            events,
            solver,
        })
    }

    /// Number of samples in each recording.
    pub fn n_samples(&self) -> usize {
        (self.duration_s * self.sample_rate as f64).round() as usize
    }

    /// The local `up` coordinate of the ground.
    pub fn ground_up(&self) -> f64 {
        self.frame.up_of_height(self.ground_alt_m)
    }
}

/// The file as written, before any check beyond its shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    name: String,
    seed: u64,
    #[serde(default = "default_sample_rate")]
    sample_rate: u32,
    duration_s: f64,
    #[serde(default = "default_full_scale_db")]
    full_scale_db: f64,
    air: RawSimulatedAir,
    coordinates: RawCoordinates,
    ground_alt_m: f64,
    #[serde(default)]
    propagation: RawPropagation,
    background: Option<RawBackground>,
    solver: Option<RawSolver>,
    sensors: Vec<RawSimulatedSensor>,
    #[serde(default)]
    events: Vec<RawSimulatedEvent>,
}

fn default_sample_rate() -> u32 {
    DEFAULT_SAMPLE_RATE
}

fn default_full_scale_db() -> f64 {
    DEFAULT_FULL_SCALE_DB
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSimulatedAir {
    temperature_c: f64,
    humidity_percent: f64,
    #[serde(default = "default_true")]
    absorption: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPropagation {
    #[serde(default = "default_true")]
    ground_reflection: bool,
    #[serde(default = "default_reflection_coefficient")]
    reflection_coefficient: f64,
    #[serde(default)]
    clock_jitter_us: f64,
}

fn default_reflection_coefficient() -> f64 {
    DEFAULT_REFLECTION_COEFFICIENT
}

impl Default for RawPropagation {
    fn default() -> Self {
        RawPropagation {
            ground_reflection: true,
            reflection_coefficient: DEFAULT_REFLECTION_COEFFICIENT,
            clock_jitter_us: 0.0,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBackground {
    clip: PathBuf,
    level_db: f64,
    #[serde(default = "default_floor_below_db")]
    floor_below_db: f64,
}

fn default_floor_below_db() -> f64 {
    DEFAULT_FLOOR_BELOW_DB
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSimulatedSensor {
    id: String,
    position: Vec<f64>,
    noise_db: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSimulatedEvent {
    time_s: f64,
    position: Vec<f64>,
    clip: PathBuf,
    level_db: f64,
    #[serde(default)]
    nlos: Vec<RawNlos>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNlos {
    sensor: String,
    extra_delay_ms: f64,
    attenuation_db: f64,
}

/// Checks a level in dB SPL.
fn check_level(field: &str, level_db: f64, fail: &Fail<'_>) -> Result<()> {
    let (low, high) = PLAUSIBLE_LEVEL_DB;
    if !(low..=high).contains(&level_db) {
        return Err(fail(
            field,
            format!("expected a level between {low} and {high} dB SPL, got {level_db}"),
        ));
    }
    Ok(())
}

/// Checks that a clip file exists and resolves it against the spec's folder.
fn check_clip(field: &str, clip: &Path, base_dir: &Path, fail: &Fail<'_>) -> Result<PathBuf> {
    let resolved = base_dir.join(clip);
    if !resolved.is_file() {
        return Err(fail(
            field,
            format!(
                "expected an audio clip at {}, found none",
                resolved.display()
            ),
        ));
    }
    Ok(resolved)
}

impl RawSimulatedAir {
    /// The air, with temperature and humidity checked through the scene's own rules.
    fn air(&self, fail: &Fail<'_>) -> Result<SimulatedAir> {
        self.as_scene_air().speed_of_sound(fail)?;
        Ok(SimulatedAir {
            temperature_c: self.temperature_c,
            humidity_percent: self.humidity_percent,
            absorption: self.absorption,
        })
    }

    /// The same air as a scene file's `[air]` section.
    fn as_scene_air(&self) -> RawAir {
        RawAir {
            temperature_c: Some(self.temperature_c),
            speed_of_sound: None,
            humidity_percent: Some(self.humidity_percent),
        }
    }
}

impl RawPropagation {
    /// The propagation settings, checked.
    fn propagation(&self, fail: &Fail<'_>) -> Result<Propagation> {
        if !(-1.0..=1.0).contains(&self.reflection_coefficient) {
            return Err(fail(
                "propagation.reflection_coefficient",
                format!(
                    "expected a pressure reflection coefficient in [-1, 1], got {}",
                    self.reflection_coefficient
                ),
            ));
        }
        if !(self.clock_jitter_us.is_finite() && self.clock_jitter_us >= 0.0) {
            return Err(fail(
                "propagation.clock_jitter_us",
                format!(
                    "expected a standard deviation of 0 us or more, got {}",
                    self.clock_jitter_us
                ),
            ));
        }
        Ok(Propagation {
            ground_reflection: self.ground_reflection,
            reflection_coefficient: self.reflection_coefficient,
            clock_jitter_s: self.clock_jitter_us * 1e-6,
        })
    }
}

impl RawBackground {
    /// The background settings, with the clip found.
    fn background(&self, base_dir: &Path, fail: &Fail<'_>) -> Result<BackgroundSpec> {
        let clip = check_clip("background.clip", &self.clip, base_dir, fail)?;
        check_level("background.level_db", self.level_db, fail)?;
        if !(self.floor_below_db.is_finite() && self.floor_below_db >= 0.0) {
            return Err(fail(
                "background.floor_below_db",
                format!("expected 0 dB or more, got {}", self.floor_below_db),
            ));
        }
        Ok(BackgroundSpec {
            clip,
            level_db: self.level_db,
            floor_below_db: self.floor_below_db,
        })
    }
}

impl RawSpec {
    /// The sensors with their ids, positions and noise levels checked; local positions are
    /// filled in later.
    fn sensors(
        &self,
        system: CoordinateSystem,
        background: Option<&BackgroundSpec>,
        fail: &Fail<'_>,
    ) -> Result<Vec<SimulatedSensor>> {
        if self.sensors.is_empty() {
            return Err(fail(
                "sensors",
                "expected at least one [[sensors]] entry, got none".into(),
            ));
        }
        let mut first_index = HashMap::new();
        let mut sensors = Vec::with_capacity(self.sensors.len());
        for (index, sensor) in self.sensors.iter().enumerate() {
            let field = |name: &str| format!("sensors[{index}].{name}");

            // An id that can name a file, and a position above the ground.
            let position = check_sensor_id_and_position(
                index,
                &sensor.id,
                &sensor.position,
                system,
                &mut first_index,
                fail,
            )?;
            if !sensor
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                || sensor.id.starts_with('.')
            {
                return Err(fail(
                    &field("id"),
                    format!(
                        "expected letters, digits, '-', '_' or '.' (the id names the sensor's \
                         WAV file), got \"{}\"",
                        sensor.id
                    ),
                ));
            }
            self.check_above_ground(&field("position"), position, fail)?;

            // The background level: its own, or the default.
            let noise_db = match (sensor.noise_db, background) {
                (Some(level), Some(_)) => {
                    check_level(&field("noise_db"), level, fail)?;
                    Some(level)
                }
                (None, Some(background)) => Some(background.level_db),
                (Some(_), None) => {
                    return Err(fail(
                        &field("noise_db"),
                        "expected no noise level without a [background] section to scale, \
                         got one"
                            .into(),
                    ));
                }
                (None, None) => None,
            };
            sensors.push(SimulatedSensor {
                id: sensor.id.clone(),
                position,
                local: [0.0; 3],
                noise_db,
            });
        }
        Ok(sensors)
    }

    /// Refuses a position below the ground plane.
    fn check_above_ground(&self, field: &str, position: [f64; 3], fail: &Fail<'_>) -> Result<()> {
        if position[2] < self.ground_alt_m {
            return Err(fail(
                field,
                format!(
                    "expected a height at or above ground_alt_m = {} m, got {} m",
                    self.ground_alt_m, position[2]
                ),
            ));
        }
        Ok(())
    }
}

impl RawSimulatedEvent {
    /// The event, with its time, position, clip, level and blocked paths checked.
    #[allow(clippy::too_many_arguments)]
    fn event(
        &self,
        index: usize,
        spec: &RawSpec,
        sensors: &[SimulatedSensor],
        frame: &EnuFrame,
        system: CoordinateSystem,
        base_dir: &Path,
        fail: &Fail<'_>,
    ) -> Result<SimulatedEvent> {
        let field = |name: &str| format!("events[{index}].{name}");

        // A time within the recordings.
        if !(self.time_s.is_finite() && (0.0..spec.duration_s).contains(&self.time_s)) {
            return Err(fail(
                &field("time_s"),
                format!(
                    "expected a time from 0 s to before duration_s = {} s, got {}",
                    spec.duration_s, self.time_s
                ),
            ));
        }

        // A position on the map, above the ground, not on top of a sensor.
        let position: [f64; 3] = self.position.as_slice().try_into().map_err(|_| {
            fail(
                &field("position"),
                format!("expected three coordinates, got {}", self.position.len()),
            )
        })?;
        let what = format!("event {index}");
        let local = system
            .check_position(&what, position)
            .and_then(|()| frame.to_local(position))
            .map_err(|e| fail(&field("position"), e.to_string()))?;
        spec.check_above_ground(&field("position"), position, fail)?;
        for sensor in sensors {
            let gap = distance(local, sensor.local);
            if gap < MIN_SOURCE_DISTANCE_M {
                return Err(fail(
                    &field("position"),
                    format!(
                        "expected the source at least {MIN_SOURCE_DISTANCE_M} m from sensor \
                         \"{}\", got {gap} m",
                        sensor.id
                    ),
                ));
            }
        }

        // The clip and its level.
        let clip = check_clip(&field("clip"), &self.clip, base_dir, fail)?;
        check_level(&field("level_db"), self.level_db, fail)?;

        // Blocked paths, each to a known sensor, once.
        let mut nlos: Vec<NlosPath> = Vec::with_capacity(self.nlos.len());
        for (position, blocked) in self.nlos.iter().enumerate() {
            let nlos_field = |name: &str| format!("events[{index}].nlos[{position}].{name}");
            let sensor = sensors
                .iter()
                .position(|s| s.id == blocked.sensor)
                .ok_or_else(|| {
                    fail(
                        &nlos_field("sensor"),
                        format!(
                            "expected the id of a sensor in [[sensors]], got \"{}\"",
                            blocked.sensor
                        ),
                    )
                })?;
            if nlos.iter().any(|n| n.sensor == sensor) {
                return Err(fail(
                    &nlos_field("sensor"),
                    format!(
                        "expected each sensor once, got \"{}\" again",
                        blocked.sensor
                    ),
                ));
            }
            if !(0.0..=MAX_EXTRA_DELAY_MS).contains(&blocked.extra_delay_ms) {
                return Err(fail(
                    &nlos_field("extra_delay_ms"),
                    format!(
                        "expected a delay from 0 to {MAX_EXTRA_DELAY_MS} ms, got {}",
                        blocked.extra_delay_ms
                    ),
                ));
            }
            if !(blocked.attenuation_db.is_finite() && blocked.attenuation_db >= 0.0) {
                return Err(fail(
                    &nlos_field("attenuation_db"),
                    format!("expected 0 dB or more, got {}", blocked.attenuation_db),
                ));
            }
            nlos.push(NlosPath {
                sensor,
                extra_delay_s: blocked.extra_delay_ms * 1e-3,
                attenuation_db: blocked.attenuation_db,
            });
        }

        Ok(SimulatedEvent {
            time_s: self.time_s,
            position,
            local,
            clip,
            level_db: self.level_db,
            nlos,
        })
    }
}
