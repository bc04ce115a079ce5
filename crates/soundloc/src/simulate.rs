//! Simulated deployments: recordings, a scene file and the truth, from a layout and a list of
//! events.
//!
//! No real recording of a city-wide network hearing gunshots can be published, so we play
//! real clips (breaking glass, a clap, thunder) from chosen places and times into chosen
//! sensor positions, over a real city background, and write what each sensor would have
//! recorded. The truth file says where and when every event happened and when, how far and
//! how loud each sensor heard it, so every later stage (detection, delays, position) can be
//! checked against a known answer. The output is synthetic: say so wherever it is used.
//!
//! # What is modelled
//!
//! For an event emitted at `t_0` from `x_s` and a sensor at `x_m`, with `r = |x_s - x_m|`
//! and `c` the speed of sound of the air ([`crate::air`]), the sensor receives the clip
//! through the transfer function
//!
//! ```text
//! H(f) = sum over paths p of  g_p A(f, r_p) e^(-j 2 pi f tau_p)
//! ```
//!
//! - **Direct path**: `g = a / r` (spherical spreading, with `a` the source amplitude at
//!   1 m) and `tau = r / c`.
//! - **Ground reflection** (optional): an image source mirrored about the ground plane
//!   `ground_alt_m`, `g = R a / r'`, `tau = r' / c`, with `r'` the image distance and `R`
//!   a frequency-independent pressure reflection coefficient.
//! - **Non-line-of-sight** (optional, per event and sensor): the direct path is blocked;
//!   the sensor hears every path `extra_delay_ms` later and `attenuation_db` weaker, a
//!   crude stand-in for diffraction round a corner.
//! - **Air absorption** (optional): `A(f, r) = 10^(-alpha(f) r / 20)` with `alpha` from
//!   ISO 9613-1 ([`AbsorbingAir`]).
//! - **Clock jitter**: each sensor's timestamps are off by a Gaussian error, drawn per event
//!   (`clock_jitter_us` standard deviation), which shifts that sensor's recording of that
//!   event. The truth records it.
//! - **Background**: a real city recording under every sensor, decorrelated between sensors
//!   (see [`Background`]), plus an independent white floor.
//!
//! Each clip is transformed once per event; per sensor its spectrum is multiplied by `H`
//! and transformed back at the scene rate, which resamples it and delays it by an exact
//! fraction of a sample in the same step ([`ClipSpectrum`]). The block is added at the
//! integer part of the arrival. Nothing is rounded to a sample.
//!
//! # Levels and SNR
//!
//! Levels are sound pressure levels in dB re 20 uPa. A sample value of 1.0 is
//! `full_scale_db` (16-bit full scale). An event's `level_db` is the RMS, at 1 m, of the
//! clip's loudest 100 ms. A sensor's background level `noise_db` is the long-term RMS of
//! its ambience; the floor adds `floor_below_db` below that.
//!
//! The SNR of an event at a sensor, in the truth, is broadband:
//! `20 log10(s / n)`, where `s` is the RMS of the loudest 100 ms of the sound the sensor
//! receives from the event alone (its direct or diffracted arrival with its ground
//! reflection, no background), and `n` is the sensor's nominal background RMS (ambience
//! and floor together).
//!
//! # Spec file
//!
//! ```toml
//! name = "urban-demo"
//! seed = 7
//! sample_rate = 48000            # Hz, default 48000
//! duration_s = 180.0
//! full_scale_db = 130.0          # dB SPL of sample value 1.0, default 120
//! ground_alt_m = 520.0           # ground level, in the vertical coordinate of positions
//!
//! [air]
//! temperature_c = 15.0
//! humidity_percent = 60.0
//! absorption = true              # ISO 9613-1, default true
//!
//! [coordinates]                  # as in scene files: "local", "utm" or "wgs84"
//! system = "wgs84"               # positions are [lat_deg, lon_deg, alt_m]
//!
//! [propagation]                  # optional
//! ground_reflection = true       # default true
//! reflection_coefficient = 0.9   # default 0.9
//! clock_jitter_us = 20.0         # default 0
//!
//! [background]                   # optional; without it the recordings are noiseless
//! clip = "../clips/city_ambience.wav"   # relative to this file
//! level_db = 55.0                # default background level at every sensor, dB SPL
//! floor_below_db = 15.0          # independent white floor below it, default 15
//!
//! [solver]                       # optional, copied into the written scene
//! dimension = 3
//! height_min_m = 519.0
//! height_max_m = 530.0
//!
//! [[sensors]]
//! id = "S1"                      # letters, digits, '-', '_', '.': names S1.wav
//! position = [45.4401, 4.3790, 524.0]
//! noise_db = 60.0                # optional, overrides background.level_db
//!
//! [[events]]
//! time_s = 12.5                  # emission of the clip's first sample
//! position = [45.4395, 4.3812, 521.0]
//! clip = "../clips/glass_breaking.wav"
//! level_db = 115.0               # RMS of the loudest 100 ms at 1 m, dB SPL
//! nlos = [{ sensor = "S3", extra_delay_ms = 3.0, attenuation_db = 8.0 }]   # optional
//! ```
//!
//! Mistakes are reported as for scene files: the file, the field (`sensors[3].position`,
//! `events[2].nlos[0].sensor`) and what was expected against what arrived.
//!
//! # Output
//!
//! [`simulate`] writes into a folder: `<sensor id>.wav` (mono, 16-bit PCM), `scene.toml`
//! (readable by [`crate::scene::Scene::from_file`]: the same coordinates, air and solver
//! settings, no events) and `truth.json` ([`Truth`]). The recordings are written in chunks
//! ([`DEFAULT_CHUNK_S`]), rendering only the events that reach each chunk, so an hour of ten
//! sensors never sits in memory; the output does not depend on the chunk length. Random draws
//! come from ChaCha8 generators keyed by the seed and what they are for, so a seed gives the
//! same files on every machine.
//!
//! # In memory
//!
//! [`free_field`] renders one source signal at a set of microphones with the same exact
//! fractional delay and returns the signals, with no files, clips or background: for
//! notebooks and tests of compact arrays.
//!
//! # Limitations
//!
//! Free field above a flat, uniformly reflecting ground: no facades, no street canyon
//! reverberation, no wind or temperature gradients. Non-line-of-sight is a delay and an
//! attenuation, not a diffraction filter. Samples beyond 16-bit full scale are clipped and
//! counted in the truth ([`TruthSensor::clipped_samples`] and [`Truth::warnings`]).

mod absorption;
mod background;
mod free_field;
mod render;
mod spec;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use num_complex::Complex64;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

pub use absorption::{ABSORPTION_ALTITUDE_RANGE_M, AbsorbingAir};
pub use background::Background;
pub use free_field::{
    FreeFieldOptions, MAX_FREE_FIELD_SAMPLES, MIN_FREE_FIELD_DISTANCE_M, free_field,
};
pub use render::{ClipSpectrum, loudest_window_rms, resample};
pub use spec::{
    BackgroundSpec, DEFAULT_FLOOR_BELOW_DB, DEFAULT_FULL_SCALE_DB, DEFAULT_REFLECTION_COEFFICIENT,
    DEFAULT_SAMPLE_RATE, MIN_SOURCE_DISTANCE_M, NlosPath, Propagation, SimulatedAir,
    SimulatedEvent, SimulatedSensor, SimulationSpec,
};

use crate::array::distance;
use crate::audio::read_wav;
use crate::error::{Error, Result};
use crate::geodesy::CoordinateSystem;
use crate::scene::{field_error, read_text};
use background::add_overlap;

/// Length of the chunks recordings are written in, seconds.
pub const DEFAULT_CHUNK_S: f64 = 10.0;

/// Window of the level and SNR measures, seconds.
pub const LEVEL_WINDOW_S: f64 = 0.1;

/// Samples rendered before an arrival, to hold the interpolation kernel's leading tail.
const PRE_ROLL: usize = 256;

/// What a random generator is drawn for; each purpose has its own stream.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RandomStream {
    /// Background segments, keyed by sensor and segment.
    Background = 1,
    /// The white floor, keyed by sensor and block.
    Floor = 2,
    /// Clock errors, keyed by event and sensor.
    ClockJitter = 3,
    /// The white noise of [`free_field`], keyed by microphone.
    ArrayNoise = 4,
}

/// A ChaCha8 generator keyed by the scene's seed, a purpose and two indices: independent
/// streams that do not depend on the order they are drawn in.
pub(crate) fn stream_rng(seed: u64, stream: RandomStream, a: u64, b: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    for (slot, word) in key.chunks_exact_mut(8).zip([seed, stream as u64, a, b]) {
        slot.copy_from_slice(&word.to_le_bytes());
    }
    ChaCha8Rng::from_seed(key)
}

/// Everything a simulation put into its recordings: `truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// Name of the scene.
    pub name: String,
    /// The seed it was made with.
    pub seed: u64,
    /// Sample rate of the recordings, Hz.
    pub sample_rate: u32,
    /// Length of the recordings, seconds.
    pub duration_s: f64,
    /// Speed of sound used, m/s.
    pub speed_of_sound: f64,
    /// Coordinate system of `position` fields: "local", "utm" or "wgs84".
    pub coordinates: String,
    /// The sensors, in spec order.
    pub sensors: Vec<TruthSensor>,
    /// The events, in spec order.
    pub events: Vec<TruthEvent>,
    /// Anything the user should know (clipping), in words.
    pub warnings: Vec<String>,
}

/// One sensor in the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthSensor {
    /// Id, also the WAV file's stem.
    pub id: String,
    /// Position in the spec's coordinate system.
    pub position: [f64; 3],
    /// Position in the written scene's local east-north-up frame, metres.
    pub local: [f64; 3],
    /// Background level, dB SPL; `None` without a background.
    pub noise_db: Option<f64>,
    /// Largest sample magnitude written, full scale = 1.
    pub peak: f64,
    /// Samples beyond full scale, clipped.
    pub clipped_samples: u64,
}

/// One event in the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthEvent {
    /// Index in the spec's events, from 0.
    pub index: usize,
    /// Emission of the clip's first sample, seconds.
    pub time_s: f64,
    /// Position in the spec's coordinate system.
    pub position: [f64; 3],
    /// Position in the written scene's local frame, metres.
    pub local: [f64; 3],
    /// File name of the clip.
    pub clip: String,
    /// Level at 1 m, dB SPL (RMS of the loudest 100 ms).
    pub level_db: f64,
    /// How each sensor heard it, in sensor order.
    pub arrivals: Vec<TruthArrival>,
}

/// One sensor's reception of one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthArrival {
    /// The sensor's id.
    pub sensor: String,
    /// When the clip's first sample is in the sensor's recording, seconds: emission plus
    /// travel time plus any non-line-of-sight delay plus the clock error.
    pub arrival_s: f64,
    /// Straight-line distance from the source, metres.
    pub distance_m: f64,
    /// Broadband SNR of the received event against the background, dB (see the module
    /// docs); `None` without a background.
    pub snr_db: Option<f64>,
    /// The direct path is blocked.
    pub nlos: bool,
    /// Extra delay of the blocked path, seconds (0 in line of sight).
    pub extra_delay_s: f64,
    /// This sensor's timing error for this event, seconds (included in `arrival_s`).
    pub clock_error_s: f64,
}

impl Truth {
    /// Reads a `truth.json`.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, [`Error::Scene`] when it is not a truth
    /// file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Truth> {
        let path = path.as_ref();
        serde_json::from_str(&read_text(path)?)
            .map_err(|e| field_error(path)("(json)", e.to_string()))
    }
}

/// Simulates `spec` into `out_dir` (created if needed), in chunks of [`DEFAULT_CHUNK_S`].
///
/// # Errors
/// [`Error::Io`] when the folder or a file cannot be written, [`Error::Audio`] for an
/// unreadable clip.
pub fn simulate(spec: &SimulationSpec, out_dir: &Path) -> Result<Truth> {
    simulate_in_chunks(spec, out_dir, DEFAULT_CHUNK_S)
}

/// [`simulate`] with chunks of `chunk_s` seconds (the output does not depend on it).
///
/// # Errors
/// As [`simulate`], and [`Error::InvalidParameter`] for a chunk shorter than one sample.
pub fn simulate_in_chunks(spec: &SimulationSpec, out_dir: &Path, chunk_s: f64) -> Result<Truth> {
    let rate = spec.sample_rate as f64;
    let chunk_len = (chunk_s * rate).floor();
    if chunk_len.is_nan() || chunk_len < 1.0 {
        return Err(Error::parameter("chunk_s", "at least one sample", chunk_s));
    }
    let chunk_len = chunk_len.min(1e9) as usize;
    std::fs::create_dir_all(out_dir).map_err(|source| Error::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;

    // Where and when every event reaches every sensor, and the sounds to play.
    let mut truth = plan(spec);
    let clips = load_clips(spec)?;
    let background = match &spec.background {
        Some(b) => {
            let (samples, clip_rate) = read_mono(&b.clip)?;
            let at_scene_rate = resample(&samples, clip_rate, spec.sample_rate)?;
            Some(Background::new(
                &at_scene_rate,
                spec.sample_rate,
                spec.seed,
            )?)
        }
        None => None,
    };
    let mut renderer = EventRenderer::new(spec, &truth, &clips);

    // The recordings, chunk by chunk.
    let mut writers = spec
        .sensors
        .iter()
        .map(|s| wav_writer(&out_dir.join(format!("{}.wav", s.id)), spec.sample_rate))
        .collect::<Result<Vec<_>>>()?;
    let n_samples = spec.n_samples();
    let mut chunk = vec![0.0; chunk_len];
    for start in (0..n_samples).step_by(chunk_len) {
        let end = (start + chunk_len).min(n_samples);
        renderer.prepare(start, end)?;
        for (index, sensor) in spec.sensors.iter().enumerate() {
            let out = &mut chunk[..end - start];
            out.fill(0.0);
            if let (Some(background), Some(noise_db)) = (&background, sensor.noise_db) {
                let ambience_rms = spl_to_sample(noise_db, spec.full_scale_db);
                let floor_rms = ambience_rms * db_to_gain(-spec.background_floor_below_db());
                background.add_to(index, ambience_rms, floor_rms, start, out);
            }
            renderer.add_to(index, start, out);
            write_samples(
                &mut writers[index],
                out,
                &mut truth.sensors[index],
                &out_dir.join(format!("{}.wav", sensor.id)),
            )?;
        }
        renderer.forget_before(end);
    }
    for (writer, sensor) in writers.into_iter().zip(&spec.sensors) {
        let path = out_dir.join(format!("{}.wav", sensor.id));
        writer.finalize().map_err(|e| audio_error(&path, e))?;
    }

    // The SNRs, the warnings, the scene and the truth.
    renderer.finish()?;
    fill_snr(spec, &mut truth, &renderer.received_rms);
    for sensor in &truth.sensors {
        if sensor.clipped_samples > 0 {
            truth.warnings.push(format!(
                "sensor \"{}\": {} samples beyond full scale were clipped; lower the event \
                 levels or raise full_scale_db",
                sensor.id, sensor.clipped_samples
            ));
        }
    }
    write_text(&out_dir.join("scene.toml"), &scene_toml(spec))?;
    let json = serde_json::to_string_pretty(&truth).expect("the truth holds only finite numbers");
    write_text(&out_dir.join("truth.json"), &(json + "\n"))?;
    Ok(truth)
}

impl SimulationSpec {
    /// The floor's distance below the background, dB (0 without a background).
    fn background_floor_below_db(&self) -> f64 {
        self.background.as_ref().map_or(0.0, |b| b.floor_below_db)
    }
}

/// The truth without SNRs: positions, distances, arrivals and clock errors.
fn plan(spec: &SimulationSpec) -> Truth {
    let c = spec.speed_of_sound;
    let sensors = spec
        .sensors
        .iter()
        .map(|s| TruthSensor {
            id: s.id.clone(),
            position: s.position,
            local: s.local,
            noise_db: s.noise_db,
            peak: 0.0,
            clipped_samples: 0,
        })
        .collect();
    let events = spec
        .events
        .iter()
        .enumerate()
        .map(|(index, event)| {
            let arrivals = spec
                .sensors
                .iter()
                .enumerate()
                .map(|(sensor_index, sensor)| {
                    let distance_m = distance(event.local, sensor.local);
                    let blocked = event.nlos.iter().find(|n| n.sensor == sensor_index);
                    let extra_delay_s = blocked.map_or(0.0, |n| n.extra_delay_s);
                    let clock_error_s = spec.propagation.clock_jitter_s
                        * stream_rng(
                            spec.seed,
                            RandomStream::ClockJitter,
                            index as u64,
                            sensor_index as u64,
                        )
                        .sample::<f64, _>(StandardNormal);
                    TruthArrival {
                        sensor: sensor.id.clone(),
                        arrival_s: event.time_s + distance_m / c + extra_delay_s + clock_error_s,
                        distance_m,
                        snr_db: None,
                        nlos: blocked.is_some(),
                        extra_delay_s,
                        clock_error_s,
                    }
                })
                .collect();
            TruthEvent {
                index,
                time_s: event.time_s,
                position: event.position,
                local: event.local,
                clip: event
                    .clip
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                level_db: event.level_db,
                arrivals,
            }
        })
        .collect();
    Truth {
        name: spec.name.clone(),
        seed: spec.seed,
        sample_rate: spec.sample_rate,
        duration_s: spec.duration_s,
        speed_of_sound: c,
        coordinates: system_name(spec.coordinates).to_string(),
        sensors,
        events,
        warnings: Vec::new(),
    }
}

/// A source clip: mono samples at its own rate, and its level.
struct Clip {
    samples: Vec<f64>,
    rate: u32,
    /// RMS of the loudest [`LEVEL_WINDOW_S`], sample units.
    loudest_rms: f64,
}

/// Reads every clip the events name, once each.
fn load_clips(spec: &SimulationSpec) -> Result<BTreeMap<PathBuf, Clip>> {
    let mut clips = BTreeMap::new();
    for event in &spec.events {
        if clips.contains_key(&event.clip) {
            continue;
        }
        let (samples, rate) = read_mono(&event.clip)?;
        let loudest_rms = loudest_window_rms(&samples, (LEVEL_WINDOW_S * rate as f64) as usize);
        if loudest_rms <= 0.0 {
            return Err(Error::Audio {
                path: event.clip.clone(),
                reason: "expected a clip with sound in it, got silence".into(),
            });
        }
        clips.insert(
            event.clip.clone(),
            Clip {
                samples,
                rate,
                loudest_rms,
            },
        );
    }
    Ok(clips)
}

/// The samples of a WAV file, channels averaged, and its rate.
fn read_mono(path: &Path) -> Result<(Vec<f64>, u32)> {
    let recording = read_wav(path)?;
    let n_channels = recording.n_channels() as f64;
    let samples = (0..recording.n_samples())
        .map(|n| recording.channels.iter().map(|c| c[n]).sum::<f64>() / n_channels)
        .collect();
    Ok((samples, recording.sample_rate))
}

/// One event rendered at every sensor: blocks of samples and where they start.
struct RenderedEvent {
    /// Per sensor: the first sample of its block in the recording, and the block.
    blocks: Vec<(i64, Vec<f64>)>,
}

/// Renders events when a chunk first needs them and forgets them when they are past.
struct EventRenderer<'a> {
    spec: &'a SimulationSpec,
    truth_events: Vec<TruthEvent>,
    clips: &'a BTreeMap<PathBuf, Clip>,
    /// Per event: the sample range its blocks span over all sensors.
    spans: Vec<(i64, i64)>,
    /// Events rendered and not yet past.
    active: BTreeMap<usize, RenderedEvent>,
    /// Per event and sensor: RMS of the loudest window of the received sound, once
    /// rendered.
    received_rms: Vec<Vec<Option<f64>>>,
}

impl<'a> EventRenderer<'a> {
    fn new(spec: &'a SimulationSpec, truth: &Truth, clips: &'a BTreeMap<PathBuf, Clip>) -> Self {
        let rate = spec.sample_rate as f64;
        let spans = truth
            .events
            .iter()
            .zip(&spec.events)
            .map(|(event, simulated)| {
                let clip = &clips[&simulated.clip];
                let block_len = Self::min_block_len(spec, event, clip) as i64;
                let starts = event
                    .arrivals
                    .iter()
                    .map(|a| block_start(a.arrival_s, rate));
                let first = starts.clone().min().unwrap_or(0);
                let last = starts.max().unwrap_or(0);
                (first, last + 2 * block_len)
            })
            .collect();
        EventRenderer {
            spec,
            truth_events: truth.events.clone(),
            clips,
            spans,
            active: BTreeMap::new(),
            received_rms: vec![vec![None; spec.sensors.len()]; spec.events.len()],
        }
    }

    /// Block length that holds the clip at the scene rate, the pre-roll, the ground
    /// reflection's lag and the tails.
    fn min_block_len(spec: &SimulationSpec, event: &TruthEvent, clip: &Clip) -> usize {
        let rate = spec.sample_rate as f64;
        let clip_len = clip.samples.len() as f64 * rate / clip.rate as f64;
        let reflection_lag = if spec.propagation.ground_reflection {
            2.0 * (event.local[2] - spec.ground_up()).abs().max(1.0) / spec.speed_of_sound * rate
        } else {
            0.0
        };
        clip_len as usize + reflection_lag as usize + 4 * PRE_ROLL
    }

    /// Renders the events that reach `[start, end)` and are not rendered yet.
    fn prepare(&mut self, start: usize, end: usize) -> Result<()> {
        for index in 0..self.spans.len() {
            let (first, last) = self.spans[index];
            let overlaps = first < end as i64 && last > start as i64;
            if overlaps
                && !self.active.contains_key(&index)
                && self.received_rms[index][0].is_none()
            {
                let rendered = self.render(index)?;
                self.active.insert(index, rendered);
            }
        }
        Ok(())
    }

    /// Adds every active event's block at `sensor` to `out` (sample `start` first), in event
    /// order.
    fn add_to(&self, sensor: usize, start: usize, out: &mut [f64]) {
        for rendered in self.active.values() {
            let (block_start, block) = &rendered.blocks[sensor];
            add_overlap(out, start, *block_start, block, 1.0);
        }
    }

    /// Drops the events whose blocks all end before sample `end`.
    fn forget_before(&mut self, end: usize) {
        let spans = &self.spans;
        self.active.retain(|&index, _| spans[index].1 > end as i64);
    }

    /// Renders, for their levels only, the events no chunk reached (arrivals after the end).
    fn finish(&mut self) -> Result<()> {
        for index in 0..self.spans.len() {
            if self.received_rms[index][0].is_none() {
                self.render(index)?;
            }
        }
        Ok(())
    }

    /// Renders event `index` at every sensor and records the received levels.
    fn render(&mut self, index: usize) -> Result<RenderedEvent> {
        let spec = self.spec;
        let rate = spec.sample_rate as f64;
        let event = &spec.events[index];
        let truth = &self.truth_events[index];
        let clip = &self.clips[&event.clip];

        // The clip's spectrum, and the absorption of every bin per metre.
        let spectrum = ClipSpectrum::new(
            &clip.samples,
            clip.rate,
            spec.sample_rate,
            Self::min_block_len(spec, truth, clip),
        )?;
        let absorption_per_m: Vec<f64> = if spec.air.absorption {
            let air = AbsorbingAir::new(
                spec.air.temperature_c,
                spec.air.humidity_percent,
                spec.ground_alt_m,
            );
            spectrum
                .frequencies_hz()
                .map(|f| air.db_per_metre(f))
                .collect()
        } else {
            vec![0.0; spectrum.frequencies_hz().count()]
        };

        // Per sensor: the paths, then the block.
        let source_amplitude = spl_to_sample(event.level_db, spec.full_scale_db) / clip.loudest_rms;
        let image = [
            event.local[0],
            event.local[1],
            2.0 * spec.ground_up() - event.local[2],
        ];
        let mut blocks = Vec::with_capacity(spec.sensors.len());
        for (sensor_index, (sensor, arrival)) in
            spec.sensors.iter().zip(&truth.arrivals).enumerate()
        {
            let blocked_gain = event
                .nlos
                .iter()
                .find(|n| n.sensor == sensor_index)
                .map_or(1.0, |n| db_to_gain(-n.attenuation_db));
            let mut paths = vec![(arrival.distance_m, 1.0)];
            if spec.propagation.ground_reflection {
                paths.push((
                    distance(image, sensor.local),
                    spec.propagation.reflection_coefficient,
                ));
            }

            // Delays relative to the block's start: the pre-roll, the arrival's fraction of
            // a sample, and each path's lag behind the direct one.
            let start = block_start(arrival.arrival_s, rate);
            let lead_s = arrival.arrival_s - (start as f64) / rate;
            let block = spectrum.render(|f, k| {
                paths
                    .iter()
                    .map(|&(length_m, coefficient)| {
                        let gain = source_amplitude * blocked_gain * coefficient / length_m
                            * db_to_gain(-absorption_per_m[k] * length_m);
                        let tau = lead_s + (length_m - arrival.distance_m) / spec.speed_of_sound;
                        Complex64::from_polar(gain, -2.0 * std::f64::consts::PI * f * tau)
                    })
                    .sum()
            });
            self.received_rms[index][sensor_index] =
                Some(loudest_window_rms(&block, (LEVEL_WINDOW_S * rate) as usize));
            blocks.push((start, block));
        }
        Ok(RenderedEvent { blocks })
    }
}

/// The first sample of the block that holds an arrival at `arrival_s`.
fn block_start(arrival_s: f64, rate: f64) -> i64 {
    (arrival_s * rate).floor() as i64 - PRE_ROLL as i64
}

/// Writes each event's SNR at each sensor into the truth.
fn fill_snr(spec: &SimulationSpec, truth: &mut Truth, received_rms: &[Vec<Option<f64>>]) {
    for (event, levels) in truth.events.iter_mut().zip(received_rms) {
        for ((arrival, level), sensor) in event.arrivals.iter_mut().zip(levels).zip(&spec.sensors) {
            let Some(noise_db) = sensor.noise_db else {
                continue;
            };
            let ambience = spl_to_sample(noise_db, spec.full_scale_db);
            let floor = ambience * db_to_gain(-spec.background_floor_below_db());
            let noise_rms = (ambience * ambience + floor * floor).sqrt();
            arrival.snr_db = level
                .filter(|&l| l > 0.0)
                .map(|l| 20.0 * (l / noise_rms).log10());
        }
    }
}

/// The sample value (full scale 1) of a pressure at `level_db` dB SPL.
fn spl_to_sample(level_db: f64, full_scale_db: f64) -> f64 {
    db_to_gain(level_db - full_scale_db)
}

/// The amplitude ratio of `db` decibels.
fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

type WavWriter = hound::WavWriter<std::io::BufWriter<std::fs::File>>;

/// A mono 16-bit PCM writer.
fn wav_writer(path: &Path, sample_rate: u32) -> Result<WavWriter> {
    let format = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    hound::WavWriter::create(path, format).map_err(|e| audio_error(path, e))
}

/// Writes samples (full scale 1) as 16-bit integers, clipping and counting what exceeds
/// full scale, and keeps the sensor's peak.
fn write_samples(
    writer: &mut WavWriter,
    samples: &[f64],
    sensor: &mut TruthSensor,
    path: &Path,
) -> Result<()> {
    for &x in samples {
        let scaled = (x * 32_768.0).round();
        if !(-32_768.0..=32_767.0).contains(&scaled) {
            sensor.clipped_samples += 1;
        }
        sensor.peak = sensor.peak.max(x.abs());
        writer
            .write_sample(scaled.clamp(-32_768.0, 32_767.0) as i16)
            .map_err(|e| audio_error(path, e))?;
    }
    Ok(())
}

fn audio_error(path: &Path, error: hound::Error) -> Error {
    match error {
        hound::Error::IoError(source) => Error::Io {
            path: path.to_path_buf(),
            source,
        },
        other => Error::Audio {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    }
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The name of a coordinate system in scene files.
fn system_name(system: CoordinateSystem) -> &'static str {
    match system {
        CoordinateSystem::Local { .. } => "local",
        CoordinateSystem::Utm { .. } => "utm",
        CoordinateSystem::Wgs84 => "wgs84",
    }
}

/// The scene file of the simulated recordings: air, coordinates, solver and sensors, with
/// every number written so that it reads back to the same `f64`.
fn scene_toml(spec: &SimulationSpec) -> String {
    let quoted = |text: &str| toml::Value::String(text.to_string()).to_string();
    let mut text = format!(
        "# Simulated by `soundloc simulate` from {}: synthetic recordings, see truth.json.\n\
         name = {}\n\n[air]\ntemperature_c = {:?}\nhumidity_percent = {:?}\n\n\
         [coordinates]\nsystem = \"{}\"\n",
        spec.path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        quoted(&spec.name),
        spec.air.temperature_c,
        spec.air.humidity_percent,
        system_name(spec.coordinates),
    );
    match spec.coordinates {
        CoordinateSystem::Utm { zone, north } => {
            let hemisphere = if north { "north" } else { "south" };
            text += &format!("zone = {zone}\nhemisphere = \"{hemisphere}\"\n");
        }
        CoordinateSystem::Local { origin: Some(o) } => {
            text += &format!(
                "origin = {{ lat = {:?}, lon = {:?}, alt = {:?} }}\n",
                o.lat_deg, o.lon_deg, o.alt_m
            );
        }
        _ => {}
    }

    text += &format!("\n[solver]\ndimension = {}\n", spec.solver.dimension);
    if let Some(low) = spec.solver.height_min_m {
        text += &format!("height_min_m = {low:?}\n");
    }
    if let Some(high) = spec.solver.height_max_m {
        text += &format!("height_max_m = {high:?}\n");
    }
    for sensor in &spec.sensors {
        let [a, b, c] = sensor.position;
        text += &format!(
            "\n[[sensors]]\nid = {}\nposition = [{a:?}, {b:?}, {c:?}]\naudio = {}\n",
            quoted(&sensor.id),
            quoted(&format!("{}.wav", sensor.id)),
        );
    }
    text
}
