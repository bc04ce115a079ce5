//! Array scene files: one compact array, its recording, and how to analyse it.
//!
//! A distributed deployment is described by a [`crate::scene::Scene`]; a compact array
//! by an [`ArrayScene`]: one multichannel recording, the capsule positions (given, or a
//! documented preset), the air, and optionally the method, grid and windows to analyse.
//!
//! ```toml
//! name = "kitchen test"              # optional
//!
//! [air]
//! temperature_c = 20.0               # or speed_of_sound = 343.0
//!
//! [array]
//! audio = "take1.wav"                # one multichannel file, relative to this file
//! channels = [0, 1, 2, 3, 4, 5]      # optional: the file channel of each microphone
//! preset = "uniform-circular"        # or positions = [[x, y, z], ...] in metres
//! n_mics = 6                         # uniform-linear and uniform-circular
//! radius_m = 0.0463                  # uniform-circular and tetrahedron
//! # spacing_m = 0.04                 # uniform-linear
//!
//! [doa]                              # optional, every key has a default
//! method = "srp"                     # "srp", "music" or "normmusic"
//! grid = "hemisphere"                # "sphere", "hemisphere", "horizon", "plane", "volume"
//! subdivisions = 4                   # sphere and hemisphere: 10 * 4^n + 2 points
//! # n_azimuths = 360                 # horizon
//! # x_m = [-1.0, 1.0]                # plane and volume, metres in the array frame
//! # y_m = [0.1, 1.5]
//! # z_m = [0.0, 0.0]                 # plane: one height; volume: a range
//! # step_m = 0.02
//! freq_range_hz = [300.0, 6000.0]
//! fft_len = 512
//! hop = 128
//! n_sources = 1
//! min_separation = 0.35              # radians on a direction grid, metres on a position grid
//!
//! [[events]]                         # optional: one estimate per window instead of per frame
//! start_s = 1.2
//! end_s = 1.6
//! label = "door"                     # optional
//! ```
//!
//! Presets (see [`MicArray`]): `uniform-linear` (`n_mics`, `spacing_m`),
//! `uniform-circular` (`n_mics`, `radius_m`), `four-mic-board`, `six-mic-board`,
//! `seven-mic-board`, `tetrahedron` (`radius_m`).
//!
//! Without a `grid`, a volumetric array scans the sphere, a planar one the hemisphere
//! above its plane (it cannot tell the two sides apart) and a linear one the horizon.
//! As with scene files, every mistake names the file and the field.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::array::{ArrayShape, MicArray};
use crate::doa::grid::SearchGrid;
use crate::error::Result;
use crate::scene::{Fail, RawAir, field_error, parse, read_text};

/// The steered method an array scene asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DoaMethod {
    /// Steered response power with the phase transform.
    Srp,
    /// Broadband incoherent MUSIC.
    Music,
    /// MUSIC with each frequency's pseudo-spectrum normalised before summing.
    NormMusic,
}

/// How to analyse the recording; every field has a default.
#[derive(Debug, Clone, PartialEq)]
pub struct DoaSettings {
    /// The method.
    pub method: DoaMethod,
    /// The grid as written (built by [`ArrayScene::grid`]).
    pub grid: GridSpec,
    /// Frequency band, Hz; `None` means [`default_freq_range_hz`](crate::doa::default_freq_range_hz).
    pub freq_range_hz: Option<(f64, f64)>,
    /// Samples per frame.
    pub fft_len: usize,
    /// Samples between frames.
    pub hop: usize,
    /// How many sources to report per frame or window.
    pub n_sources: usize,
    /// Least separation between reported sources: radians or metres, as the grid.
    pub min_separation: f64,
}

/// A search grid as the scene file describes it.
#[derive(Debug, Clone, PartialEq)]
pub enum GridSpec {
    /// Chosen from the array's shape.
    Auto,
    /// [`SearchGrid::sphere`].
    Sphere {
        /// Icosahedron subdivisions.
        subdivisions: u32,
    },
    /// [`SearchGrid::hemisphere`].
    Hemisphere {
        /// Icosahedron subdivisions.
        subdivisions: u32,
    },
    /// [`SearchGrid::horizon`].
    Horizon {
        /// Azimuths on the circle.
        n_azimuths: usize,
    },
    /// [`SearchGrid::plane`].
    Plane {
        /// Metres.
        x_m: (f64, f64),
        /// Metres.
        y_m: (f64, f64),
        /// Height, metres.
        z_m: f64,
        /// Lattice step, metres.
        step_m: f64,
    },
    /// [`SearchGrid::volume`].
    Volume {
        /// Metres.
        x_m: (f64, f64),
        /// Metres.
        y_m: (f64, f64),
        /// Metres.
        z_m: (f64, f64),
        /// Lattice step, metres.
        step_m: f64,
    },
}

/// One window of the recording to give one estimate for.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayEvent {
    /// Seconds from the start of the recording.
    pub start_s: f64,
    /// Seconds from the start of the recording, after `start_s`.
    pub end_s: f64,
    /// A name for the output.
    pub label: Option<String>,
}

/// A compact array, its recording, and how to analyse it.
#[derive(Debug, Clone)]
pub struct ArrayScene {
    /// The scene file.
    pub path: PathBuf,
    /// The scene's name, if given.
    pub name: Option<String>,
    /// m/s.
    pub speed_of_sound: f64,
    /// The capsules, in the array's frame.
    pub array: MicArray,
    /// The multichannel recording (absolute or relative to the working directory).
    pub audio: PathBuf,
    /// The file channel of each microphone.
    pub channels: Vec<usize>,
    /// Method, grid and frames.
    pub settings: DoaSettings,
    /// Windows to analyse; empty means every frame.
    pub events: Vec<ArrayEvent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArrayScene {
    name: Option<String>,
    air: RawAir,
    array: RawArray,
    doa: Option<RawDoa>,
    #[serde(default)]
    events: Vec<RawArrayEvent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArray {
    audio: PathBuf,
    channels: Option<Vec<usize>>,
    preset: Option<String>,
    positions: Option<Vec<Vec<f64>>>,
    n_mics: Option<usize>,
    radius_m: Option<f64>,
    spacing_m: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoa {
    method: Option<DoaMethod>,
    grid: Option<String>,
    subdivisions: Option<u32>,
    n_azimuths: Option<usize>,
    x_m: Option<[f64; 2]>,
    y_m: Option<[f64; 2]>,
    z_m: Option<[f64; 2]>,
    step_m: Option<f64>,
    freq_range_hz: Option<[f64; 2]>,
    fft_len: Option<usize>,
    hop: Option<usize>,
    n_sources: Option<usize>,
    min_separation: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArrayEvent {
    start_s: f64,
    end_s: f64,
    label: Option<String>,
}

impl ArrayScene {
    /// Reads and checks an array scene file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<ArrayScene> {
        let path = path.as_ref();
        ArrayScene::from_toml_str(&read_text(path)?, path)
    }

    /// Parses an array scene from TOML text; `path` names the file in errors and anchors
    /// the relative audio path.
    pub fn from_toml_str(text: &str, path: impl AsRef<Path>) -> Result<ArrayScene> {
        let path = path.as_ref();
        let raw: RawArrayScene = parse(text, path)?;
        let fail = field_error(path);

        let speed_of_sound = raw.air.speed_of_sound(&fail)?;
        let array = raw.array.mic_array(&fail)?;
        let channels = match &raw.array.channels {
            None => (0..array.len()).collect(),
            Some(channels) if channels.len() == array.len() => {
                check_distinct_channels(channels, &fail)?;
                channels.clone()
            }
            Some(channels) => {
                return Err(fail(
                    "array.channels",
                    format!(
                        "expected one file channel per microphone ({}), got {}",
                        array.len(),
                        channels.len()
                    ),
                ));
            }
        };
        let settings = raw.doa.unwrap_or_default().settings(&fail)?;
        let events = raw
            .events
            .iter()
            .enumerate()
            .map(|(index, e)| e.window(index, &fail))
            .collect::<Result<Vec<_>>>()?;

        let base_dir = path.parent().unwrap_or(Path::new(""));
        Ok(ArrayScene {
            path: path.to_path_buf(),
            name: raw.name,
            speed_of_sound,
            array,
            audio: base_dir.join(&raw.array.audio),
            channels,
            settings,
            events,
        })
    }

    /// The search grid the settings describe, or the default for the array's shape.
    pub fn grid(&self) -> Result<SearchGrid> {
        let fail = field_error(&self.path);
        let built = match &self.settings.grid {
            GridSpec::Auto => match self.array.shape() {
                ArrayShape::Volumetric => SearchGrid::sphere(4),
                ArrayShape::Planar { .. } => SearchGrid::hemisphere(4),
                ArrayShape::Linear { .. } => SearchGrid::horizon(360),
            },
            GridSpec::Sphere { subdivisions } => SearchGrid::sphere(*subdivisions),
            GridSpec::Hemisphere { subdivisions } => SearchGrid::hemisphere(*subdivisions),
            GridSpec::Horizon { n_azimuths } => SearchGrid::horizon(*n_azimuths),
            GridSpec::Plane {
                x_m,
                y_m,
                z_m,
                step_m,
            } => SearchGrid::plane(*x_m, *y_m, *z_m, *step_m),
            GridSpec::Volume {
                x_m,
                y_m,
                z_m,
                step_m,
            } => SearchGrid::volume(*x_m, *y_m, *z_m, *step_m),
        };
        built.map_err(|e| fail("doa.grid", e.to_string()))
    }

    /// The frequency band for a recording at `sample_rate` Hz: the scene's, or
    /// [`default_freq_range_hz`](crate::doa::default_freq_range_hz).
    pub fn freq_range_hz(&self, sample_rate: f64) -> (f64, f64) {
        self.settings
            .freq_range_hz
            .unwrap_or_else(|| crate::doa::default_freq_range_hz(sample_rate))
    }
}

/// Two microphones reading one file channel would make a perfect, meaningless pair.
fn check_distinct_channels(channels: &[usize], fail: &Fail<'_>) -> Result<()> {
    for (mic, channel) in channels.iter().enumerate() {
        if let Some(first) = channels[..mic].iter().position(|c| c == channel) {
            return Err(fail(
                &format!("array.channels[{mic}]"),
                format!(
                    "expected a different file channel for each microphone, got channel \
                     {channel} for microphones {first} and {mic}"
                ),
            ));
        }
    }
    Ok(())
}

impl RawArray {
    /// The capsule positions, from `positions` or a preset (exactly one of them).
    fn mic_array(&self, fail: &Fail<'_>) -> Result<MicArray> {
        let array = match (&self.preset, &self.positions) {
            (Some(_), Some(_)) => {
                return Err(fail(
                    "array",
                    "expected either preset or positions, got both".into(),
                ));
            }
            (None, None) => {
                return Err(fail(
                    "array",
                    "expected either preset or positions, got neither".into(),
                ));
            }
            (None, Some(rows)) => self.array_at_positions(rows, fail)?,
            (Some(preset), None) => self.preset_array(preset, fail)?,
        };
        Ok(array)
    }

    fn array_at_positions(&self, rows: &[Vec<f64>], fail: &Fail<'_>) -> Result<MicArray> {
        for key in [
            ("n_mics", self.n_mics.is_some()),
            ("radius_m", self.radius_m.is_some()),
            ("spacing_m", self.spacing_m.is_some()),
        ] {
            if key.1 {
                return Err(fail(
                    &format!("array.{}", key.0),
                    "expected no preset parameter with explicit positions, got one".into(),
                ));
            }
        }
        let mut positions = Vec::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            match row.as_slice() {
                &[x, y, z] => positions.push([x, y, z]),
                &[x, y] => positions.push([x, y, 0.0]),
                other => {
                    return Err(fail(
                        &format!("array.positions[{index}]"),
                        format!(
                            "expected [x, y, z] or [x, y] in metres, got {} values",
                            other.len()
                        ),
                    ));
                }
            }
        }
        MicArray::new(positions).map_err(|e| fail("array.positions", e.to_string()))
    }

    fn preset_array(&self, preset: &str, fail: &Fail<'_>) -> Result<MicArray> {
        let needs = |value: Option<f64>, key: &str| -> Result<f64> {
            value.ok_or_else(|| {
                fail(
                    &format!("array.{key}"),
                    format!("expected {key} for preset \"{preset}\", got none"),
                )
            })
        };
        let n_mics = || {
            self.n_mics.ok_or_else(|| {
                fail(
                    "array.n_mics",
                    format!("expected n_mics for preset \"{preset}\", got none"),
                )
            })
        };

        let used: &[&str] = match preset {
            "uniform-linear" => &["n_mics", "spacing_m"],
            "uniform-circular" => &["n_mics", "radius_m"],
            "tetrahedron" => &["radius_m"],
            _ => &[],
        };
        for (key, given) in [
            ("n_mics", self.n_mics.is_some()),
            ("radius_m", self.radius_m.is_some()),
            ("spacing_m", self.spacing_m.is_some()),
        ] {
            let known = matches!(
                preset,
                "uniform-linear"
                    | "uniform-circular"
                    | "four-mic-board"
                    | "six-mic-board"
                    | "seven-mic-board"
                    | "tetrahedron"
            );
            if given && known && !used.contains(&key) {
                return Err(fail(
                    &format!("array.{key}"),
                    format!(
                        "expected no {key} for preset \"{preset}\" (its geometry is fixed \
                         or set by {used:?}), got one"
                    ),
                ));
            }
        }

        let built = match preset {
            "uniform-linear" => {
                MicArray::uniform_linear(n_mics()?, needs(self.spacing_m, "spacing_m")?)
            }
            "uniform-circular" => {
                MicArray::uniform_circular(n_mics()?, needs(self.radius_m, "radius_m")?)
            }
            "four-mic-board" => Ok(MicArray::four_mic_board()),
            "six-mic-board" => Ok(MicArray::six_mic_board()),
            "seven-mic-board" => Ok(MicArray::seven_mic_board()),
            "tetrahedron" => MicArray::tetrahedron(needs(self.radius_m, "radius_m")?),
            other => {
                return Err(fail(
                    "array.preset",
                    format!(
                        "expected one of uniform-linear, uniform-circular, four-mic-board, \
                         six-mic-board, seven-mic-board, tetrahedron; got \"{other}\""
                    ),
                ));
            }
        };
        built.map_err(|e| fail("array", e.to_string()))
    }
}

/// The ranges and step of a lattice as written: x, y, z (metres) and the step.
type Lattice = ((f64, f64), (f64, f64), [f64; 2], f64);

impl RawDoa {
    /// The settings with defaults filled in and each value checked.
    fn settings(&self, fail: &Fail<'_>) -> Result<DoaSettings> {
        let grid = self.grid_spec(fail)?;
        let freq_range_hz = match self.freq_range_hz {
            None => None,
            Some([low, high])
                if low.is_finite() && high.is_finite() && 0.0 <= low && low < high =>
            {
                Some((low, high))
            }
            Some([low, high]) => {
                return Err(fail(
                    "doa.freq_range_hz",
                    format!("expected [low, high] with 0 <= low < high (Hz), got [{low}, {high}]"),
                ));
            }
        };
        let positive = |value: Option<usize>, default: usize, key: &str| -> Result<usize> {
            match value {
                None => Ok(default),
                Some(0) => Err(fail(
                    &format!("doa.{key}"),
                    "expected at least 1, got 0".into(),
                )),
                Some(v) => Ok(v),
            }
        };
        let fft_len = positive(self.fft_len, 512, "fft_len")?;
        let min_separation = self.min_separation.unwrap_or(0.35);
        if !(min_separation.is_finite() && min_separation >= 0.0) {
            return Err(fail(
                "doa.min_separation",
                format!("expected a finite separation >= 0, got {min_separation}"),
            ));
        }

        Ok(DoaSettings {
            method: self.method.unwrap_or(DoaMethod::Srp),
            grid,
            freq_range_hz,
            fft_len,
            hop: positive(self.hop, fft_len / 4, "hop")?,
            n_sources: positive(self.n_sources, 1, "n_sources")?,
            min_separation,
        })
    }

    fn grid_spec(&self, fail: &Fail<'_>) -> Result<GridSpec> {
        let lattice = |kind: &str| -> Result<Lattice> {
            let need = |value: Option<[f64; 2]>, key: &str| {
                value.map(|[a, b]| (a, b)).ok_or_else(|| {
                    fail(
                        &format!("doa.{key}"),
                        format!(
                            "expected {key} = [min, max] in metres for grid \"{kind}\", got none"
                        ),
                    )
                })
            };
            let (x_m, y_m) = (need(self.x_m, "x_m")?, need(self.y_m, "y_m")?);
            let step = self.step_m.ok_or_else(|| {
                fail(
                    "doa.step_m",
                    format!("expected step_m in metres for grid \"{kind}\", got none"),
                )
            })?;
            Ok((x_m, y_m, self.z_m.unwrap_or([0.0, 0.0]), step))
        };

        let spec = match self.grid.as_deref() {
            None => GridSpec::Auto,
            Some("sphere") => GridSpec::Sphere {
                subdivisions: self.subdivisions.unwrap_or(4),
            },
            Some("hemisphere") => GridSpec::Hemisphere {
                subdivisions: self.subdivisions.unwrap_or(4),
            },
            Some("horizon") => GridSpec::Horizon {
                n_azimuths: self.n_azimuths.unwrap_or(360),
            },
            Some("plane") => {
                let (x_m, y_m, z, step_m) = lattice("plane")?;
                if z[0] != z[1] {
                    return Err(fail(
                        "doa.z_m",
                        format!(
                            "expected one height [z, z] for grid \"plane\", got [{}, {}]",
                            z[0], z[1]
                        ),
                    ));
                }
                GridSpec::Plane {
                    x_m,
                    y_m,
                    z_m: z[0],
                    step_m,
                }
            }
            Some("volume") => {
                let (x_m, y_m, z, step_m) = lattice("volume")?;
                GridSpec::Volume {
                    x_m,
                    y_m,
                    z_m: (z[0], z[1]),
                    step_m,
                }
            }
            Some(other) => {
                return Err(fail(
                    "doa.grid",
                    format!(
                        "expected one of sphere, hemisphere, horizon, plane, volume; got \"{other}\""
                    ),
                ));
            }
        };
        Ok(spec)
    }
}

impl RawArrayEvent {
    fn window(&self, index: usize, fail: &Fail<'_>) -> Result<ArrayEvent> {
        if !(self.start_s.is_finite() && self.start_s >= 0.0) {
            return Err(fail(
                &format!("events[{index}].start_s"),
                format!(
                    "expected a finite start of 0 s or later, got {}",
                    self.start_s
                ),
            ));
        }
        if !(self.end_s.is_finite() && self.end_s > self.start_s) {
            return Err(fail(
                &format!("events[{index}].end_s"),
                format!(
                    "expected an end after start_s = {} s, got {}",
                    self.start_s, self.end_s
                ),
            ));
        }
        Ok(ArrayEvent {
            start_s: self.start_s,
            end_s: self.end_s,
            label: self.label.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene(text: &str) -> Result<ArrayScene> {
        ArrayScene::from_toml_str(text, "/data/room/array.toml")
    }

    const AIR: &str = "[air]\ntemperature_c = 20.0\n";

    #[test]
    fn a_preset_scene_gets_defaults() {
        let text = format!(
            "{AIR}[array]\naudio = \"take.wav\"\npreset = \"uniform-circular\"\nn_mics = 6\nradius_m = 0.05\n"
        );
        let s = scene(&text).unwrap();
        assert_eq!(s.array.len(), 6);
        assert_eq!(s.channels, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(s.audio, PathBuf::from("/data/room/take.wav"));
        assert_eq!(s.settings.method, DoaMethod::Srp);
        assert_eq!(s.settings.hop, 128);
        assert!(s.events.is_empty());
        // A planar array scans the hemisphere by default.
        assert_eq!(
            s.grid().unwrap().len(),
            SearchGrid::hemisphere(4).unwrap().len()
        );
        assert_eq!(s.freq_range_hz(16000.0), (300.0, 4000.0));
    }

    #[test]
    fn positions_methods_grids_and_events_are_read() {
        let text = format!(
            "{AIR}[array]\naudio = \"a.wav\"\nchannels = [3, 2, 1]\npositions = [[0, 0, 0], [0.1, 0], [0, 0.1, 0.05]]\n\
             [doa]\nmethod = \"normmusic\"\ngrid = \"plane\"\nx_m = [-1, 1]\ny_m = [0, 1]\nstep_m = 0.1\n\
             [[events]]\nstart_s = 0.5\nend_s = 1.0\nlabel = \"clap\"\n"
        );
        let s = scene(&text).unwrap();
        assert_eq!(s.channels, vec![3, 2, 1]);
        assert_eq!(s.array.positions()[1], [0.1, 0.0, 0.0]);
        assert_eq!(s.settings.method, DoaMethod::NormMusic);
        assert_eq!(s.grid().unwrap().len(), 21 * 11);
        assert_eq!(s.events[0].label.as_deref(), Some("clap"));
    }

    #[test]
    fn mistakes_name_the_field() {
        let cases = [
            (
                "[array]\naudio = \"a.wav\"\npreset = \"uniform-circular\"\nradius_m = 0.1\n",
                "array.n_mics",
            ),
            (
                "[array]\naudio = \"a.wav\"\npreset = \"octopus\"\n",
                "array.preset",
            ),
            (
                "[array]\naudio = \"a.wav\"\n",
                "expected either preset or positions, got neither",
            ),
            (
                "[array]\naudio = \"a.wav\"\npositions = [[0, 0, 0]]\n",
                "at least 2 microphones, got 1",
            ),
            (
                "[array]\naudio = \"a.wav\"\npositions = [[0, 0, 0], [0, 0, 0]]\n",
                "microphones 0 and 1",
            ),
            (
                "[array]\naudio = \"a.wav\"\npositions = [[0, 0, 0], [1, 2, 3, 4]]\n",
                "array.positions[1]",
            ),
            (
                "[array]\naudio = \"a.wav\"\npreset = \"six-mic-board\"\nchannels = [0]\n",
                "one file channel per microphone (6), got 1",
            ),
            (
                "[array]\naudio = \"a.wav\"\npreset = \"six-mic-board\"\n[doa]\ngrid = \"cube\"\n",
                "doa.grid",
            ),
            (
                "[array]\naudio = \"a.wav\"\npreset = \"six-mic-board\"\n[doa]\ngrid = \"plane\"\nx_m = [0, 1]\n",
                "doa.y_m",
            ),
            (
                "[array]\naudio = \"a.wav\"\npreset = \"six-mic-board\"\n[doa]\nfreq_range_hz = [500, 100]\n",
                "doa.freq_range_hz",
            ),
            (
                "[array]\naudio = \"a.wav\"\npreset = \"six-mic-board\"\n[doa]\nn_sources = 0\n",
                "doa.n_sources",
            ),
            (
                "[array]\naudio = \"a.wav\"\npreset = \"six-mic-board\"\n[doa]\nspeed = 3\n",
                "speed",
            ),
            (
                "[array]\naudio = \"a.wav\"\npreset = \"six-mic-board\"\n[[events]]\nstart_s = 2.0\nend_s = 1.0\n",
                "events[0].end_s",
            ),
        ];
        for (body, expected) in cases {
            let error = scene(&format!("{AIR}{body}")).unwrap_err();
            let message = error.to_string();
            assert!(
                message.contains(expected),
                "{expected:?} not in {message:?}"
            );
            assert!(message.contains("array.toml"), "{message}");
        }
    }

    #[test]
    fn a_grid_too_fine_is_refused_when_built() {
        let text = format!(
            "{AIR}[array]\naudio = \"a.wav\"\npreset = \"six-mic-board\"\n[doa]\ngrid = \"volume\"\n\
             x_m = [0, 100]\ny_m = [0, 100]\nz_m = [0, 100]\nstep_m = 0.001\n"
        );
        let error = scene(&text).unwrap().grid().unwrap_err();
        assert!(error.to_string().contains("doa.grid"), "{error}");
    }
}
