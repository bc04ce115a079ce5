//! Scene files: one deployment of microphones, described in TOML.
//!
//! A scene says where each sensor stood, which audio file (and channel) it recorded, how warm
//! the air was, and optionally which windows of the recordings hold events worth locating.
//! Everything the rest of the crate needs is worked out once, at load time: the speed of
//! sound, a local east-north-up frame ([`EnuFrame`]) and each sensor's position in it, and the
//! full paths of the audio files.
//!
//! ```toml
//! name = "locar-aru9"            # optional
//!
//! [air]
//! temperature_c = 15.0           # or speed_of_sound = 340.3; humidity_percent is optional
//!
//! [coordinates]
//! system = "utm"                 # "local", "utm" or "wgs84"
//! zone = 12                      # utm only
//! hemisphere = "north"           # utm only
//! # origin = { lat = 53.5, lon = -113.5, alt = 700.0 }   # local only, optional
//!
//! [solver]                       # optional
//! dimension = 3                  # 2 or 3 (the default)
//! height_min_m = 730.0           # optional bounds on the source height, in the
//! height_max_m = 760.0           # scene's vertical coordinate
//!
//! [[sensors]]
//! id = "Ex-1"
//! position = [371296.0242, 5934638.023, 738.0433]   # in the system above
//! audio = "Ex-1.wav"             # relative to the scene file's folder
//! channel = 0                    # optional, default 0
//! clock_offset_s = 0.0           # optional: this sensor's clock minus true time, s
//!
//! [[events]]                     # optional
//! start_s = 0.8
//! end_s = 1.1
//! band_hz = [2000.0, 6500.0]     # optional
//! sensors = ["Ex-8", "Ex-5"]     # optional, the first is the reference; default all
//! label = "REVI"                 # optional
//! ```
//!
//! # Errors that help
//!
//! A scene is written by hand, so every mistake is reported with the file, the field (for
//! example `sensors[3].position` or `events[1].sensors[2]`, counting from 0) and what was
//! expected against what arrived: TOML syntax (with line and column), unknown or missing keys,
//! a value of the wrong kind (said in TOML's terms: "expected a whole number ≥ 0, got the text
//! \"left\""), fewer than two sensors, a sensor listed twice or two sensors at the same place,
//! an event naming an unknown sensor, an empty or negative time window, a bad frequency band,
//! implausible air, coordinates off the map, and audio files that do not exist. A scene of two
//! or more sensors loads; locating an event needs `dimension + 1` of them, and an event with
//! fewer is refused when it is located.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};

use crate::air::speed_of_sound_humid;
use crate::array::distance;
use crate::error::{Error, Result};
use crate::geodesy::{CoordinateSystem, EnuFrame, LatLonAlt};

/// Speeds of sound accepted, m/s: from air at -70 degC to air at +70 degC, with a margin.
const PLAUSIBLE_SPEED_OF_SOUND: (f64, f64) = (250.0, 450.0);

/// The fewest sensors a scene may have: two, the fewest that give a delay.
pub const MIN_SENSORS: usize = 2;

/// Two sensors closer than this, metres, are taken to be at the same place.
const SAME_POSITION_M: f64 = 1e-3;

/// The largest clock offset a sensor may state, seconds either way: one day. A larger one is
/// a date or unit mistake (milliseconds written as seconds), not a drifting clock.
const MAX_CLOCK_OFFSET_S: f64 = 86_400.0;

/// One deployment: sensors, their recordings, the air, and the events to locate.
#[derive(Debug, Clone)]
pub struct Scene {
    /// The scene file, as given.
    pub path: PathBuf,
    /// A name for the deployment, if the file gives one.
    pub name: Option<String>,
    /// Speed of sound, m/s, given or computed from the air temperature and humidity.
    pub speed_of_sound: f64,
    /// The coordinate system of the sensor positions.
    pub coordinates: CoordinateSystem,
    /// The local east-north-up frame the solver works in.
    pub frame: EnuFrame,
    /// The sensors, in file order.
    pub sensors: Vec<Sensor>,
    /// Annotated event windows, in file order; empty if the file lists none.
    pub events: Vec<EventWindow>,
    /// Settings for the position solver.
    pub solver: SolverSettings,
}

/// One microphone and its recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensor {
    /// The sensor's name, unique within the scene.
    pub id: String,
    /// The position as given, in the scene's coordinate system.
    pub position: [f64; 3],
    /// The position in the local frame, metres east, north and up.
    pub local: [f64; 3],
    /// The audio file, resolved against the scene file's folder.
    pub audio: PathBuf,
    /// The channel of `audio` this sensor recorded, from 0.
    pub channel: usize,
    /// This sensor's clock minus true time, seconds: its clock reads true time plus this
    /// offset, so a sound that arrives at true time `t` sits at `t + clock_offset_s` in its
    /// recording. Subtract it from the sensor's times to get true times. At most one day
    /// either way; 0 when the scene does not give it.
    pub clock_offset_s: f64,
}

/// A window of the recordings that holds one event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventWindow {
    /// Start of the window, seconds from the start of the recordings.
    pub start_s: f64,
    /// End of the window, seconds; after `start_s`.
    pub end_s: f64,
    /// The frequency band of the event, Hz (low, high), if given.
    pub band_hz: Option<(f64, f64)>,
    /// The sensors to use, as indices into [`Scene::sensors`], the reference first.
    pub sensors: Vec<usize>,
    /// A label for the event (a species code, for example), if given.
    pub label: Option<String>,
    /// Where each sensor is expected to hear the event, when that is known (from
    /// detection): each sensor's window is then moved to its own arrival, and its
    /// delays are searched near the expected ones. `None` for annotated windows, which
    /// must hold the sound at every sensor.
    pub expected: Option<ExpectedArrivals>,
}

/// The arrival of an event at each sensor of its window, as detection predicts it.
///
/// With sensors hundreds of metres apart, a sound reaches them up to a second or
/// more apart. One window for all would be mostly noise at each sensor; instead, the
/// window of sensor `sensors[k]` is `start_s + shifts_s[k] .. end_s + shifts_s[k]`,
/// and the delay of a pair is searched within `search_s` of the difference of their
/// shifts (and never beyond what their distance allows).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedArrivals {
    /// Per sensor of [`EventWindow::sensors`], in the same order: its expected arrival
    /// minus the window's, seconds.
    pub shifts_s: Vec<f64>,
    /// How far a pair's true delay may lie from the expected one, seconds.
    pub search_s: f64,
}

/// Settings for the position solver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverSettings {
    /// 2 to solve for east and north only, 3 to solve for height too.
    pub dimension: u8,
    /// Lowest plausible source height, in the scene's vertical coordinate, metres.
    pub height_min_m: Option<f64>,
    /// Highest plausible source height, in the scene's vertical coordinate, metres.
    pub height_max_m: Option<f64>,
}

impl Default for SolverSettings {
    fn default() -> Self {
        SolverSettings {
            dimension: 3,
            height_min_m: None,
            height_max_m: None,
        }
    }
}

impl SolverSettings {
    /// The height bounds as local `up` coordinates of `frame` (see
    /// [`EnuFrame::up_of_height`]).
    pub fn local_height_bounds(&self, frame: &EnuFrame) -> (Option<f64>, Option<f64>) {
        (
            self.height_min_m.map(|h| frame.up_of_height(h)),
            self.height_max_m.map(|h| frame.up_of_height(h)),
        )
    }
}

impl Scene {
    /// Reads and checks a scene file. Relative audio paths are resolved against the file's
    /// folder.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, and the errors of
    /// [`from_toml_str`](Self::from_toml_str).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Scene> {
        let path = path.as_ref();
        Scene::from_toml_str(&read_text(path)?, path)
    }

    /// Parses and checks the text of a scene file. `path` names the file in messages, and its
    /// folder is where relative audio paths are resolved.
    ///
    /// # Errors
    /// [`Error::Scene`] naming the file and the field at fault, with what was expected and
    /// what arrived. Audio files must exist.
    pub fn from_toml_str(text: &str, path: impl AsRef<Path>) -> Result<Scene> {
        let path = path.as_ref();
        let raw: RawScene = parse(text, path)?;
        let fail = field_error(path);

        // The air, the coordinate system and the solver settings.
        let speed_of_sound = raw.air.speed_of_sound(&fail)?;
        let coordinates = raw.coordinates.system(&fail)?;
        let solver = match &raw.solver {
            Some(solver) => solver.settings(&fail)?,
            None => SolverSettings::default(),
        };

        // The sensors, then the frame they define, then their local positions.
        let base_dir = path.parent().unwrap_or(Path::new(""));
        let sensors = check_sensors(&raw.sensors, coordinates, solver, base_dir, &fail)?;
        let positions: Vec<[f64; 3]> = sensors.iter().map(|s| s.position).collect();
        let frame = EnuFrame::new(coordinates, &positions)
            .map_err(|e| fail("sensors", format!("cannot build the local frame: {e}")))?;
        let sensors = locate_sensors(sensors, &frame, &fail)?;

        // The events, naming sensors by id.
        let ids: HashMap<&str, usize> = sensors
            .iter()
            .enumerate()
            .map(|(index, s)| (s.id.as_str(), index))
            .collect();
        let events = raw
            .events
            .iter()
            .enumerate()
            .map(|(index, event)| event.window(index, &ids, &fail))
            .collect::<Result<Vec<_>>>()?;

        Ok(Scene {
            path: path.to_path_buf(),
            name: raw.name,
            speed_of_sound,
            coordinates,
            frame,
            sensors,
            events,
            solver,
        })
    }

    /// The index in [`sensors`](Self::sensors) of the sensor called `id`.
    pub fn sensor_index(&self, id: &str) -> Option<usize> {
        self.sensors.iter().position(|s| s.id == id)
    }
}

/// The file as written, before any check beyond its shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScene {
    name: Option<String>,
    air: RawAir,
    coordinates: RawCoordinates,
    solver: Option<RawSolver>,
    sensors: Vec<RawSensor>,
    #[serde(default)]
    events: Vec<RawEvent>,
}

/// The `[air]` section as written; shared with the simulation spec.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAir {
    pub(crate) temperature_c: Option<f64>,
    pub(crate) speed_of_sound: Option<f64>,
    pub(crate) humidity_percent: Option<f64>,
}

/// The `[coordinates]` section as written; shared with the simulation spec.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCoordinates {
    system: SystemName,
    zone: Option<i64>,
    hemisphere: Option<Hemisphere>,
    origin: Option<RawOrigin>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SystemName {
    Local,
    Utm,
    Wgs84,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Hemisphere {
    North,
    South,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrigin {
    lat: f64,
    lon: f64,
    #[serde(default)]
    alt: f64,
}

/// The `[solver]` section as written; shared with the simulation spec.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSolver {
    dimension: Option<i64>,
    height_min_m: Option<f64>,
    height_max_m: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSensor {
    id: String,
    position: Vec<f64>,
    audio: PathBuf,
    #[serde(default)]
    channel: usize,
    #[serde(default)]
    clock_offset_s: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    start_s: f64,
    end_s: f64,
    band_hz: Option<Vec<f64>>,
    sensors: Option<Vec<String>>,
    label: Option<String>,
}

/// The text of a file, or [`Error::Io`] naming it.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A builder of [`Error::Scene`] for fields of the file at `path`.
pub(crate) fn field_error(path: &Path) -> impl Fn(&str, String) -> Error + '_ {
    move |field: &str, reason: String| Error::Scene {
        path: path.to_path_buf(),
        field: field.to_string(),
        reason,
    }
}

/// Parses TOML text into its raw form `T` (a scene, a simulation spec), turning syntax and
/// shape errors into [`Error::Scene`] with the field and the line and column.
pub(crate) fn parse<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
    let fail = |field: String, reason: String| Error::Scene {
        path: path.to_path_buf(),
        field,
        reason,
    };

    // Syntax first: the document tree also tells which field a later error is in.
    let tree = DeTable::parse(text).map_err(|e| {
        let at = e.span().map_or(String::new(), |s| line_and_column(text, s));
        fail("TOML syntax".into(), format!("{at}{}", e.message()))
    })?;

    // Then the shape: types, unknown and missing keys.
    toml::from_str::<T>(text).map_err(|e| {
        let (field, at) = match e.span() {
            // A span over the whole document, or a missing key reported at its very
            // start: a key missing at the top level.
            Some(span)
                if span.start == 0
                    && (span.end >= text.trim_end().len()
                        || e.message().starts_with("missing field")) =>
            {
                (String::new(), String::new())
            }
            Some(span) => (
                field_at(tree.get_ref(), span.start),
                line_and_column(text, span),
            ),
            None => (String::new(), String::new()),
        };
        let sensor = sensor_named_by(tree.get_ref(), &field)
            .map(|id| format!("sensor \"{id}\": "))
            .unwrap_or_default();
        let field = if field.is_empty() {
            "(top level)".to_string()
        } else {
            field
        };
        let written = e.span().map_or("", |span| text.get(span).unwrap_or(""));
        let reason = plain_reason(e.message(), written);
        fail(field, format!("{sensor}{at}{reason}"))
    })
}

/// A shape error of the TOML deserialiser in the words of a scene file's author.
///
/// Serde speaks of Rust types (`invalid type: string "x", expected usize`); a scene's author
/// thinks in TOML values. Type mismatches and unknown names are rewritten as "expected ...,
/// got ..." in those terms; other messages (unknown or missing keys) already say so, and pass
/// through unchanged. `written` is the offending value as it stands in the file.
fn plain_reason(message: &str, written: &str) -> String {
    // `invalid type: string "x", expected usize`, `invalid value: integer -1, expected usize`.
    let mismatch = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.rsplit_once(", expected "));
    if let Some((got, expected)) = mismatch {
        // An integer beyond 64 bits comes as "integer `1...0` as i128".
        if let Some(huge) = got.strip_suffix(" as i128") {
            return format!(
                "expected {}, got {}, too large for a 64-bit integer",
                plain_type(expected),
                plain_value(huge)
            );
        }
        return format!(
            "expected {}, got {}",
            plain_type(expected),
            plain_value(got)
        );
    }

    // "unknown variant `up`, expected `north` or `south`": a name outside a fixed list.
    if let Some((got, expected)) = message
        .strip_prefix("unknown variant ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        let quoted = |names: &str| names.replace('`', "\"");
        return format!("expected {}, got {}", quoted(expected), quoted(got));
    }

    // A name (in quotes) given as another kind of value.
    if message == "wanted string or table" {
        return format!("expected a name in quotes, got {}", short(written));
    }
    message.to_string()
}

/// The kind of value a scene field takes, from serde's name for the Rust type behind it.
fn plain_type(expected: &str) -> String {
    let plain = match expected {
        "usize" | "u64" | "u32" | "u16" | "u8" => "a whole number ≥ 0",
        "isize" | "i64" | "i32" | "i16" | "i8" => "a whole number",
        "f64" | "f32" => "a number",
        "a boolean" => "true or false",
        "a string" => "text in quotes",
        "path string" => "a file path in quotes",
        "a sequence" => "a list in brackets, like [1.0, 2.0]",
        "a map" => "a table of keys and values",
        _ if expected.starts_with("struct ") => "a table of keys and values",
        _ => expected,
    };
    plain.to_string()
}

/// A value as TOML writes it, from serde's description of it (string "x", integer `-1`).
fn plain_value(got: &str) -> String {
    let literal = |prefix: &str| {
        got.strip_prefix(prefix)
            .map(|rest| rest.trim_matches('`').to_string())
    };
    if let Some(text) = got.strip_prefix("string ") {
        return format!("the text {text}");
    }
    literal("integer ")
        .or_else(|| literal("floating point "))
        .or_else(|| literal("boolean "))
        .unwrap_or_else(|| match got {
            "sequence" => "a list".to_string(),
            "map" => "a table".to_string(),
            other => other.to_string(),
        })
}

/// A value from the file for a message: as written, cut after 40 characters.
fn short(written: &str) -> String {
    let written = written.trim();
    match written.char_indices().nth(40) {
        Some((cut, _)) => format!("{}...", &written[..cut]),
        None => written.to_string(),
    }
}

/// `line L, column C: ` for the start of a byte span, counting from 1.
fn line_and_column(text: &str, span: Range<usize>) -> String {
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}: ")
}

/// The dotted path of the key or value at byte `offset`, like `sensors[3].position`; empty
/// when the offset is in no key or value.
///
/// The whole tree is searched, deepest match first: the span of a `[[sensors]]` table covers
/// only its header, not the keys below it.
fn field_at(table: &DeTable<'_>, offset: usize) -> String {
    field_in_table(table, offset).unwrap_or_default()
}

fn field_in_table(table: &DeTable<'_>, offset: usize) -> Option<String> {
    table.iter().find_map(|(key, value)| {
        let name = key.get_ref();
        if key.span().contains(&offset) {
            return Some(name.to_string());
        }
        match field_in_value(value.get_ref(), offset) {
            Some(inner) if inner.starts_with('[') => Some(format!("{name}{inner}")),
            Some(inner) => Some(format!("{name}.{inner}")),
            None => value.span().contains(&offset).then(|| name.to_string()),
        }
    })
}

fn field_in_value(value: &DeValue<'_>, offset: usize) -> Option<String> {
    match value {
        DeValue::Table(table) => field_in_table(table, offset),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(index, item)| {
            match field_in_value(item.get_ref(), offset) {
                Some(inner) if inner.starts_with('[') => Some(format!("[{index}]{inner}")),
                Some(inner) => Some(format!("[{index}].{inner}")),
                None => item.span().contains(&offset).then(|| format!("[{index}]")),
            }
        }),
        _ => None,
    }
}

/// The id of the sensor a field like `sensors[3].clock_offset_s` belongs to, when that
/// entry has a text id; so that a type error names the sensor as well as its index.
fn sensor_named_by<'a>(table: &'a DeTable<'_>, field: &str) -> Option<&'a str> {
    let index: usize = field
        .strip_prefix("sensors[")?
        .split(']')
        .next()?
        .parse()
        .ok()?;

    let (_, sensors) = table.iter().find(|(key, _)| key.get_ref() == "sensors")?;
    let DeValue::Array(sensors) = sensors.get_ref() else {
        return None;
    };
    let DeValue::Table(sensor) = sensors.get(index)?.get_ref() else {
        return None;
    };
    let (_, id) = sensor.iter().find(|(key, _)| key.get_ref() == "id")?;
    match id.get_ref() {
        DeValue::String(id) => Some(id.as_ref()),
        _ => None,
    }
}

/// Builds an [`Error::Scene`] for a field.
pub(crate) type Fail<'a> = dyn Fn(&str, String) -> Error + 'a;

impl RawAir {
    /// The speed of sound: given, or from the temperature and humidity.
    pub(crate) fn speed_of_sound(&self, fail: &Fail<'_>) -> Result<f64> {
        match (self.temperature_c, self.speed_of_sound) {
            (Some(temperature_c), None) => {
                let humidity = self.humidity_percent.unwrap_or(0.0);
                speed_of_sound_humid(temperature_c, humidity).map_err(|e| {
                    let field = match &e {
                        Error::InvalidParameter {
                            name: "relative_humidity_percent",
                            ..
                        } => "air.humidity_percent",
                        _ => "air.temperature_c",
                    };
                    fail(field, e.to_string())
                })
            }
            (None, Some(speed)) => {
                let (low, high) = PLAUSIBLE_SPEED_OF_SOUND;
                if !(low..=high).contains(&speed) {
                    return Err(fail(
                        "air.speed_of_sound",
                        format!(
                            "expected a speed of sound between {low} and {high} m/s, got {speed}"
                        ),
                    ));
                }
                if self.humidity_percent.is_some() {
                    return Err(fail(
                        "air.humidity_percent",
                        "expected no humidity with a given speed of sound (humidity only \
                         corrects a speed computed from temperature_c), got one"
                            .into(),
                    ));
                }
                Ok(speed)
            }
            (Some(_), Some(_)) => Err(fail(
                "air",
                "expected exactly one of temperature_c and speed_of_sound, got both".into(),
            )),
            (None, None) => Err(fail(
                "air",
                "expected exactly one of temperature_c and speed_of_sound, got neither".into(),
            )),
        }
    }
}

impl RawCoordinates {
    /// The coordinate system, with UTM-only keys refused elsewhere.
    pub(crate) fn system(&self, fail: &Fail<'_>) -> Result<CoordinateSystem> {
        // Keys that belong to another system.
        let utm = matches!(self.system, SystemName::Utm);
        let name = match self.system {
            SystemName::Local => "local",
            SystemName::Utm => "utm",
            SystemName::Wgs84 => "wgs84",
        };
        if !utm && self.zone.is_some() {
            return Err(fail(
                "coordinates.zone",
                format!("expected no zone for system \"{name}\" (only \"utm\" has zones), got one"),
            ));
        }
        if !utm && self.hemisphere.is_some() {
            return Err(fail(
                "coordinates.hemisphere",
                format!(
                    "expected no hemisphere for system \"{name}\" (only \"utm\" has one), got one"
                ),
            ));
        }
        if !matches!(self.system, SystemName::Local) && self.origin.is_some() {
            return Err(fail(
                "coordinates.origin",
                format!(
                    "expected no origin for system \"{name}\" (the frame is centred on the \
                     sensors), got one"
                ),
            ));
        }

        // The system itself.
        let system = match self.system {
            SystemName::Local => CoordinateSystem::Local {
                origin: self.origin.as_ref().map(|o| LatLonAlt {
                    lat_deg: o.lat,
                    lon_deg: o.lon,
                    alt_m: o.alt,
                }),
            },
            SystemName::Wgs84 => CoordinateSystem::Wgs84,
            SystemName::Utm => {
                let zone = self.zone.ok_or_else(|| {
                    fail(
                        "coordinates.zone",
                        "expected a UTM zone from 1 to 60, got none".into(),
                    )
                })?;
                let hemisphere = self.hemisphere.ok_or_else(|| {
                    fail(
                        "coordinates.hemisphere",
                        "expected \"north\" or \"south\" for a UTM system, got none".into(),
                    )
                })?;
                let zone = u8::try_from(zone).map_err(|_| {
                    fail(
                        "coordinates.zone",
                        format!("expected a UTM zone from 1 to 60, got {zone}"),
                    )
                })?;
                CoordinateSystem::Utm {
                    zone,
                    north: matches!(hemisphere, Hemisphere::North),
                }
            }
        };
        let field = match system {
            CoordinateSystem::Local { .. } => "coordinates.origin",
            _ => "coordinates.zone",
        };
        system.check().map_err(|e| fail(field, e.to_string()))?;
        Ok(system)
    }
}

impl RawSolver {
    /// The solver settings, with the dimension and the height bounds checked.
    pub(crate) fn settings(&self, fail: &Fail<'_>) -> Result<SolverSettings> {
        let dimension = match self.dimension {
            None => 3,
            Some(d @ (2 | 3)) => d as u8,
            Some(d) => {
                return Err(fail(
                    "solver.dimension",
                    format!("expected 2 or 3, got {d}"),
                ));
            }
        };
        for (field, value) in [
            ("solver.height_min_m", self.height_min_m),
            ("solver.height_max_m", self.height_max_m),
        ] {
            if let Some(v) = value.filter(|v| !v.is_finite()) {
                return Err(fail(field, format!("expected a finite height, got {v}")));
            }
        }
        if let (Some(low), Some(high)) = (self.height_min_m, self.height_max_m) {
            if high <= low {
                return Err(fail(
                    "solver.height_max_m",
                    format!("expected a height above height_min_m = {low}, got {high}"),
                ));
            }
        }
        Ok(SolverSettings {
            dimension,
            height_min_m: self.height_min_m,
            height_max_m: self.height_max_m,
        })
    }
}

/// Checks that there are enough sensors to compare, each sensor on its own (id, position,
/// audio file, clock) and ids across sensors; the local positions are filled in later.
fn check_sensors(
    raw: &[RawSensor],
    system: CoordinateSystem,
    solver: SolverSettings,
    base_dir: &Path,
    fail: &Fail<'_>,
) -> Result<Vec<Sensor>> {
    check_sensor_count(raw.len(), solver.dimension, fail)?;
    let mut first_index: HashMap<&str, usize> = HashMap::new();
    let mut sensors = Vec::with_capacity(raw.len());
    for (index, sensor) in raw.iter().enumerate() {
        let field = |name: &str| format!("sensors[{index}].{name}");

        // A unique, non-empty id, a position of three coordinates on the map, and a
        // finite clock offset.
        let position = check_sensor_id_and_position(
            index,
            &sensor.id,
            &sensor.position,
            system,
            &mut first_index,
            fail,
        )?;
        let what = format!("sensor \"{}\"", sensor.id);
        let offset = sensor.clock_offset_s;
        if !(offset.is_finite() && offset.abs() <= MAX_CLOCK_OFFSET_S) {
            return Err(fail(
                &field("clock_offset_s"),
                format!(
                    "{what}: expected a finite clock offset in seconds of at most {MAX_CLOCK_OFFSET_S} \
                     either way (one day), got {}",
                    sensor.clock_offset_s
                ),
            ));
        }

        // An audio file that exists.
        let audio = base_dir.join(&sensor.audio);
        if !audio.is_file() {
            return Err(fail(
                &field("audio"),
                format!(
                    "{what}: expected an audio file at {}, found none",
                    audio.display()
                ),
            ));
        }

        sensors.push(Sensor {
            id: sensor.id.clone(),
            position,
            local: [0.0; 3],
            audio,
            channel: sensor.channel,
            clock_offset_s: sensor.clock_offset_s,
        });
    }
    Ok(sensors)
}

/// Refuses a scene of fewer than [`MIN_SENSORS`] sensors: one sensor alone measures no delay.
/// Two or more load, since delays between two sensors are worth having (`soundloc tdoa`,
/// the Python `Scene.signals`); locating needs `dimension + 1`, and an event with fewer
/// sensors is refused when it is located, saying so. The message gives both numbers.
fn check_sensor_count(n_sensors: usize, dimension: u8, fail: &Fail<'_>) -> Result<()> {
    if n_sensors >= MIN_SENSORS {
        return Ok(());
    }
    Err(fail(
        "sensors",
        format!(
            "expected at least {MIN_SENSORS} [[sensors]] entries ({MIN_SENSORS} to measure a \
             delay between them; {} to locate a source in {dimension}-D), got {n_sensors}",
            dimension + 1
        ),
    ))
}

/// Checks the id and the position of `sensors[index]`: an id that is not empty and not in
/// `first_index` yet (where it is then entered), and three coordinates on the map of `system`.
/// Shared by scene files and simulation specs.
pub(crate) fn check_sensor_id_and_position<'a>(
    index: usize,
    id: &'a str,
    position: &[f64],
    system: CoordinateSystem,
    first_index: &mut HashMap<&'a str, usize>,
    fail: &Fail<'_>,
) -> Result<[f64; 3]> {
    let field = |name: &str| format!("sensors[{index}].{name}");

    // A unique, non-empty id.
    if id.trim().is_empty() {
        return Err(fail(
            &field("id"),
            "expected a non-empty id, got \"\"".into(),
        ));
    }
    if let Some(first) = first_index.insert(id, index) {
        return Err(fail(
            &field("id"),
            format!("expected a unique id, got \"{id}\" again (first at sensors[{first}])"),
        ));
    }

    // Three coordinates on the map.
    let what = format!("sensor \"{id}\"");
    let position: [f64; 3] = position.try_into().map_err(|_| {
        fail(
            &field("position"),
            format!("{what}: expected three coordinates, got {}", position.len()),
        )
    })?;
    system
        .check_position(&what, position)
        .map_err(|e| fail(&field("position"), e.to_string()))?;
    Ok(position)
}

/// Fills in the sensors' local positions and refuses two at the same place.
fn locate_sensors(
    mut sensors: Vec<Sensor>,
    frame: &EnuFrame,
    fail: &Fail<'_>,
) -> Result<Vec<Sensor>> {
    let ids: Vec<&str> = sensors.iter().map(|s| s.id.as_str()).collect();
    let positions: Vec<[f64; 3]> = sensors.iter().map(|s| s.position).collect();
    let locals = local_positions(&ids, &positions, frame, fail)?;
    for (sensor, local) in sensors.iter_mut().zip(locals) {
        sensor.local = local;
    }
    Ok(sensors)
}

/// The local positions of sensors `ids` at `positions` (in the frame's system), refusing two
/// at the same place. Shared by scene files and simulation specs.
pub(crate) fn local_positions(
    ids: &[&str],
    positions: &[[f64; 3]],
    frame: &EnuFrame,
    fail: &Fail<'_>,
) -> Result<Vec<[f64; 3]>> {
    let mut locals: Vec<[f64; 3]> = Vec::with_capacity(positions.len());
    for (index, &position) in positions.iter().enumerate() {
        let field = format!("sensors[{index}].position");
        let local = frame
            .to_local(position)
            .map_err(|e| fail(&field, e.to_string()))?;

        // Compare with every sensor placed so far.
        for (other_index, &other) in locals.iter().enumerate() {
            let gap = distance(local, other);
            if gap < SAME_POSITION_M {
                return Err(fail(
                    &field,
                    format!(
                        "expected sensor \"{}\" to stand apart from sensor \"{}\" \
                         (sensors[{other_index}]), got {gap} m between them",
                        ids[index], ids[other_index]
                    ),
                ));
            }
        }
        locals.push(local);
    }
    Ok(locals)
}

impl RawEvent {
    /// The event window, with its times, band and sensors checked.
    fn window(
        &self,
        index: usize,
        ids: &HashMap<&str, usize>,
        fail: &Fail<'_>,
    ) -> Result<EventWindow> {
        let field = |name: &str| format!("events[{index}].{name}");

        // A window that starts at or after 0 and ends after it starts.
        if !(self.start_s.is_finite() && self.start_s >= 0.0) {
            return Err(fail(
                &field("start_s"),
                format!(
                    "expected a finite start of 0 s or later, got {}",
                    self.start_s
                ),
            ));
        }
        if !(self.end_s.is_finite() && self.end_s > self.start_s) {
            return Err(fail(
                &field("end_s"),
                format!(
                    "expected an end after start_s = {} s, got {}",
                    self.start_s, self.end_s
                ),
            ));
        }

        // A band from a non-negative low edge up to a higher high edge.
        let band_hz = match self.band_hz.as_deref() {
            None => None,
            Some(&[low, high]) => {
                if !(low.is_finite() && high.is_finite() && low >= 0.0 && high > low) {
                    return Err(fail(
                        &field("band_hz"),
                        format!(
                            "expected [low, high] with 0 <= low < high (Hz), got [{low}, {high}]"
                        ),
                    ));
                }
                Some((low, high))
            }
            Some(other) => {
                return Err(fail(
                    &field("band_hz"),
                    format!("expected [low, high] in Hz, got {} values", other.len()),
                ));
            }
        };

        // Known sensors, each once, at least two; all sensors in file order by default.
        let sensors = match &self.sensors {
            None => {
                let mut all: Vec<usize> = ids.values().copied().collect();
                all.sort_unstable();
                all
            }
            Some(names) => {
                let mut indices = Vec::with_capacity(names.len());
                for (position, name) in names.iter().enumerate() {
                    let sensor_field = format!("events[{index}].sensors[{position}]");
                    let sensor = *ids.get(name.as_str()).ok_or_else(|| {
                        fail(
                            &sensor_field,
                            format!("expected the id of a sensor in [[sensors]], got \"{name}\""),
                        )
                    })?;
                    if indices.contains(&sensor) {
                        return Err(fail(
                            &sensor_field,
                            format!("expected each sensor once, got \"{name}\" again"),
                        ));
                    }
                    indices.push(sensor);
                }
                indices
            }
        };
        if sensors.len() < 2 {
            return Err(fail(
                &field("sensors"),
                format!(
                    "expected at least two sensors to compare, got {}",
                    sensors.len()
                ),
            ));
        }

        Ok(EventWindow {
            start_s: self.start_s,
            end_s: self.end_s,
            band_hz,
            sensors,
            label: self.label.clone(),
            expected: None,
        })
    }
}
