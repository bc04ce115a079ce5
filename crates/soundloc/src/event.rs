//! Localising an event: from synchronised recordings to a position.
//!
//! This module ties the stages together for one event window. The sensors come as
//! [`SensorRecordings`], built from a [`Scene`] and its audio ([`SceneAudio`]) or from
//! arrays (the Python `locate_signals`):
//!
//! 1. **Who heard it.** A sensor that is silent or constant in the window takes no
//!    part (a dead recorder is reported, not fatal); if it was the reference, the next
//!    listed sensor takes its place.
//! 2. **Segments.** The reference sensor (the first one the event lists) contributes
//!    the window itself; for every pair `(a, b)`, sensor `b` contributes the window
//!    widened by the largest delay the pair allows, so the whole sound heard by `a` is
//!    also inside `b`'s segment whatever the delay. Clock offsets are applied here. A
//!    pair whose possible delays do not fit in the recordings is an error that names it
//!    (typically a mistyped position), before any large buffer is allocated.
//! 3. **Delays over all pairs.** GCC-PHAT ([`crate::gcc`]) in the event's band, limited
//!    to the pair's distance over the speed of sound (plus a margin of 2 % and two
//!    samples for position and sound-speed errors), keeping the best few peaks of each
//!    pair as candidates. A sensor whose correlation with the reference does not rise
//!    above what noise reaches ([`EventOptions::min_significance`]) is left out. The
//!    spectrum of a sensor's window is computed once for all the pairs it leads (the
//!    widened segments differ from pair to pair), and [`locate_events`] keeps one FFT
//!    plan from event to event.
//! 4. **A consistent set of delays.** Outdoors, the highest correlation peak of a
//!    distant pair is often a wrong one (another bird, an echo). The delays of a true
//!    sound close around every triangle of sensors: `t_ab + t_bc = t_ac`. We choose,
//!    among the candidate peaks of each reference pair, the combination whose implied
//!    delays between the *other* sensors also find correlation there (the sum of the
//!    correlation values at all implied lags is the score, in the spirit of the
//!    steered-response power of DiBiase et al. 2001). Non-reference pairs whose
//!    correlation has a peak at the implied lag join the measurements; a sensor whose
//!    delay to the reference is confirmed by fewer than half of its other pairs is set
//!    aside as *unconfirmed*, and the event says so.
//! 5. **Position.** [`crate::locate`] on all the kept pair delays, with the height
//!    prior, and its own residual-based rejection as a second line of defence. This is
//!    done for the best few combinations of step 4, and the position kept is the one
//!    where the correlations of *all* pairs, read at the delays it predicts, add up
//!    highest (the steered response power): a wrong peak that closes around its
//!    triangles still moves the position away from where the other pairs agree.
//! 6. **Output** in the scene's coordinates and, where the frame allows, latitude and
//!    longitude ([`locate_event`]).
//!
//! # Limitations
//!
//! - The recordings are read whole into memory: fine for annotated clips, not for days
//!   of audio (streaming comes with continuous detection, issue 3).
//! - The candidate search is exhaustive over the reference pairs' peaks, with fewer
//!   candidates per pair when an event has many sensors (at most 4096 combinations).
//! - Only the best [`COMBINATIONS_LOCATED`] combinations per reference, by closure
//!   score, are located;
//!   a right combination ranked lower is not considered.
//! - The reasons given for a rejected sensor describe the combination that was kept,
//!   not every combination tried.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::audio::{self, Recording};
use crate::error::{Error, Result};
use crate::gcc::{GccConfig, GccPhat, PairDelay, Spectrum};
use crate::geodesy::LatLonAlt;
use crate::locate::{self, Dimension, HeightPrior, LocateOptions, TdoaMeasurement};
use crate::scene::{EventWindow, Scene};
use crate::weighting::Weighting;

/// Settings of the event pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct EventOptions {
    /// GCC weighting; default PHAT.
    pub weighting: Weighting,
    /// Candidate peaks kept per reference pair; default 4.
    pub n_candidates: usize,
    /// How far, in seconds, an implied delay may be from a correlation peak and still
    /// confirm it; default 0.25 ms.
    pub consistency_tolerance_s: f64,
    /// Relative margin on the physical lag limit `distance / c`; default 0.02.
    pub lag_margin: f64,
    /// Standard deviation assumed for each delay, seconds; default two samples.
    pub delay_std_s: Option<f64>,
    /// Reject sensors whose delays do not fit (closure check and solver); default true.
    pub reject_outliers: bool,
    /// A sensor takes part only if the best peak of its correlation with the reference
    /// is at least this many times the RMS of that correlation
    /// ([`crate::gcc::TdoaEstimate::significance`]); default 5.5. Noise alone peaks
    /// near 3 to 5 (the largest of some thousands of near-Gaussian values); the weakest
    /// reference pairs of the shipped bird recordings reach 6 to 7.
    pub min_significance: f64,
}

impl Default for EventOptions {
    fn default() -> Self {
        EventOptions {
            weighting: Weighting::Phat,
            n_candidates: 4,
            consistency_tolerance_s: 0.25e-3,
            lag_margin: 0.02,
            delay_std_s: None,
            reject_outliers: true,
            min_significance: 5.5,
        }
    }
}

/// The recordings of a scene, each file read once.
#[derive(Debug, Clone)]
pub struct SceneAudio {
    per_sensor: Vec<Arc<Recording>>,
    sample_rate: f64,
}

impl SceneAudio {
    /// Reads every sensor's audio file (each distinct file once).
    ///
    /// # Errors
    /// I/O and format errors of [`audio::read_wav`]; [`Error::Audio`] when a sensor's
    /// channel does not exist or the sensors' sample rates differ (naming the sensor);
    /// [`Error::Scene`] when an event's band reaches above the recordings' Nyquist
    /// frequency (naming the event).
    pub fn load(scene: &Scene) -> Result<Self> {
        let mut files: HashMap<PathBuf, Arc<Recording>> = HashMap::new();
        let mut per_sensor = Vec::with_capacity(scene.sensors.len());
        for (index, sensor) in scene.sensors.iter().enumerate() {
            let recording = match files.get(&sensor.audio) {
                Some(recording) => recording.clone(),
                None => {
                    // A file that is no WAV names the sensor and field that point to it.
                    let read = audio::read_wav(&sensor.audio).map_err(|error| match error {
                        Error::Audio { path, reason } => Error::Audio {
                            path,
                            reason: format!(
                                "{reason} (the audio of sensor \"{}\", sensors[{index}].audio)",
                                sensor.id
                            ),
                        },
                        other => other,
                    });
                    let recording = Arc::new(read?);
                    files.insert(sensor.audio.clone(), recording.clone());
                    recording
                }
            };
            if sensor.channel >= recording.n_channels() {
                return Err(Error::Audio {
                    path: sensor.audio.clone(),
                    reason: format!(
                        "sensor \"{}\" reads channel {}, but the file has {} channel(s)",
                        sensor.id,
                        sensor.channel,
                        recording.n_channels()
                    ),
                });
            }
            per_sensor.push(recording);
        }

        // One sample rate for the whole scene.
        let sample_rate = per_sensor.first().map_or(0, |r| r.sample_rate);
        for (sensor, recording) in scene.sensors.iter().zip(&per_sensor) {
            if recording.sample_rate != sample_rate {
                return Err(Error::Audio {
                    path: sensor.audio.clone(),
                    reason: format!(
                        "sensor \"{}\" is sampled at {} Hz, expected {} Hz like sensor \"{}\"",
                        sensor.id, recording.sample_rate, sample_rate, scene.sensors[0].id
                    ),
                });
            }
        }
        check_event_bands(scene, sample_rate as f64)?;
        Ok(SceneAudio {
            per_sensor,
            sample_rate: sample_rate as f64,
        })
    }

    /// Sample rate shared by all sensors, Hz.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }
}

/// Refuses an event band that reaches above the Nyquist frequency of the scene's
/// recordings, naming the file and the event: the scene can say nothing of the sample rate
/// until its audio is read.
fn check_event_bands(scene: &Scene, sample_rate: f64) -> Result<()> {
    let nyquist = sample_rate / 2.0;
    for (index, event) in scene.events.iter().enumerate() {
        if let Some((low, high)) = event.band_hz.filter(|&(_, high)| high > nyquist) {
            return Err(Error::Scene {
                path: scene.path.clone(),
                field: format!("events[{index}].band_hz"),
                reason: format!(
                    "expected a band within 0 to {nyquist} Hz, the Nyquist frequency of the \
                     recordings (sampled at {sample_rate} Hz), got [{low}, {high}]"
                ),
            });
        }
    }
    Ok(())
}

/// What the delay stage needs to know about the sensors of a deployment, however it
/// was described (a scene file, or arrays from Python).
#[derive(Debug, Clone)]
pub struct SensorRecordings<'a> {
    /// Sensor names, for messages.
    pub ids: Vec<String>,
    /// Positions in a local east-north-up frame, metres.
    pub positions: Vec<[f64; 3]>,
    /// The samples of each sensor.
    pub channels: Vec<&'a [f64]>,
    /// Each sensor's clock minus true time, seconds.
    pub clock_offsets_s: Vec<f64>,
    /// Sample rate shared by all channels, Hz.
    pub sample_rate: f64,
    /// Speed of sound, m/s.
    pub speed_of_sound: f64,
}

impl SceneAudio {
    /// The scene's sensors with their samples, for [`measure_delays`] and
    /// [`locate_window`].
    pub fn recordings<'a>(&'a self, scene: &Scene) -> SensorRecordings<'a> {
        SensorRecordings {
            ids: scene.sensors.iter().map(|s| s.id.clone()).collect(),
            positions: scene.sensors.iter().map(|s| s.local).collect(),
            channels: scene
                .sensors
                .iter()
                .zip(&self.per_sensor)
                .map(|(sensor, recording)| recording.channels[sensor.channel].as_slice())
                .collect(),
            clock_offsets_s: scene.sensors.iter().map(|s| s.clock_offset_s).collect(),
            sample_rate: self.sample_rate,
            speed_of_sound: scene.speed_of_sound,
        }
    }
}

/// One measured delay between two sensors of an event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairMeasurement {
    /// Sensor index (into `scene.sensors`).
    pub i: usize,
    /// Sensor index.
    pub j: usize,
    /// `t_j - t_i`, seconds, clock offsets corrected.
    pub delay_s: f64,
    /// Normalised correlation at the chosen peak.
    pub peak: f64,
    /// Which peak of the pair was chosen: 0 for the highest.
    pub rank: usize,
}

/// The delays of one event, chosen consistent across pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDelays {
    /// The reference sensor (the first listed by the event).
    pub reference: usize,
    /// Every reference pair first, then the other pairs that confirm them.
    pub measurements: Vec<PairMeasurement>,
    /// Sensors whose delays the closure check does not confirm, with the reason: their
    /// measurements are listed above but left out of the position.
    pub unconfirmed: Vec<(usize, String)>,
}

impl EventDelays {
    /// The measurements of confirmed sensors only: what the position is computed from.
    pub fn confirmed(&self) -> impl Iterator<Item = &PairMeasurement> {
        self.measurements.iter().filter(|m| {
            self.unconfirmed
                .iter()
                .all(|(sensor, _)| *sensor != m.i && *sensor != m.j)
        })
    }
}

/// A located event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventEstimate {
    /// The annotated window.
    pub window: EventWindow,
    /// Position in the local east-north-up frame, metres.
    pub local: [f64; 3],
    /// Position in the scene's own coordinate system.
    pub position: [f64; 3],
    /// Standard deviation east, north, up, metres (infinite where unobservable).
    pub position_std: [f64; 3],
    /// Covariance of the local position (east, north, up), square metres: the
    /// solver's, with `position_std` the square roots of its diagonal.
    pub covariance: [[f64; 3]; 3],
    /// Latitude, longitude and altitude, when the scene is geo-referenced.
    pub geodetic: Option<LatLonAlt>,
    /// RMS of the delay residuals, seconds.
    pub residual_rms_s: f64,
    /// Sensors whose delays were used.
    pub used: Vec<usize>,
    /// Sensors rejected, with the reason.
    pub rejected: Vec<(usize, String)>,
    /// Other positions that fit as well, in the scene's coordinates.
    pub ambiguous: Vec<[f64; 3]>,
    /// The height sits on a bound of the scene's height prior: the delays pull beyond
    /// it.
    pub height_at_bound: bool,
    /// The delays behind the estimate.
    pub delays: EventDelays,
}

/// The correlation of one pair over its lag window, with its candidate peaks.
struct PairCorrelation {
    candidates: Vec<PairDelay>,
    values: Vec<f64>,
    first_lag: i64,
    /// Lag in `values` = true lag + this: the fraction of a sample of the pair's clock
    /// difference that the segment offsets could not remove.
    clock_shift: f64,
    /// The best peak over the noise RMS of the correlation.
    significance: f64,
}

impl PairCorrelation {
    /// Correlation near a true lag (samples), or a small negative value outside the window.
    fn value_near(&self, true_lag: f64, tolerance: f64) -> f64 {
        let view = crate::gcc::CorrelationView {
            values: &self.values,
            first_lag: self.first_lag,
            sample_rate: 1.0,
        };
        view.max_near(true_lag + self.clock_shift, tolerance)
            .unwrap_or(-1.0)
    }
}

/// How many of the best-scoring delay combinations per reference sensor
/// [`locate_window`] locates before keeping the one whose position the correlations
/// support best.
pub const COMBINATIONS_LOCATED: usize = 4;

/// The correlations of one event over every pair of the sensors that heard something.
struct CorrelatedEvent {
    /// Sensors with sound in the window, in listed order.
    heard: Vec<usize>,
    /// Sensors silent in the window, with the reason.
    silent: Vec<(usize, String)>,
    /// Every pair's correlation, keyed by the two sensor indices in listed order.
    correlations: HashMap<(usize, usize), PairCorrelation>,
}

/// One reading of the event: a reference sensor and one candidate peak for each
/// sensor's delay to it.
struct Hypothesis {
    /// Sensors taking part, the reference first.
    sensors: Vec<usize>,
    /// Sensors left out before the closure check (silent, or no peak above noise with
    /// this reference), with the reason.
    dropped: Vec<(usize, String)>,
    /// The chosen candidate (rank, delay to the reference) of each non-reference sensor.
    chosen: Vec<(usize, PairDelay)>,
}

impl CorrelatedEvent {
    /// The candidates of `t_b - t_a`, whichever way the pair was correlated.
    fn candidates(&self, a: usize, b: usize) -> Vec<PairDelay> {
        match self.correlations.get(&(a, b)) {
            Some(pair) => pair.candidates.clone(),
            None => self.correlations[&(b, a)]
                .candidates
                .iter()
                .map(|d| PairDelay {
                    delay_s: -d.delay_s,
                    lag: -d.lag,
                    ..*d
                })
                .collect(),
        }
    }

    /// The correlation of `t_b - t_a` near `lag` samples, whichever way it was computed.
    fn value_near(&self, a: usize, b: usize, lag: f64, tolerance: f64) -> f64 {
        match self.correlations.get(&(a, b)) {
            Some(pair) => pair.value_near(lag, tolerance),
            None => self.correlations[&(b, a)].value_near(-lag, tolerance),
        }
    }

    /// The best peak of the pair over its noise RMS.
    fn significance(&self, a: usize, b: usize) -> f64 {
        self.correlations
            .get(&(a, b))
            .or_else(|| self.correlations.get(&(b, a)))
            .map_or(0.0, |pair| pair.significance)
    }

    /// The correlation summed over every pair at the delays a source at `position`
    /// would produce (the best value within `tolerance` samples, so that a
    /// least-squares compromise is not punished against an exact fit of fewer
    /// sensors): the steered response power there.
    fn steered_power(
        &self,
        recordings: &SensorRecordings,
        position: [f64; 3],
        tolerance: f64,
    ) -> f64 {
        let fs = recordings.sample_rate;
        let mut power = 0.0;
        for (index, &a) in self.heard.iter().enumerate() {
            for &b in &self.heard[index + 1..] {
                let lag = locate::model_delay_s(
                    position,
                    recordings.positions[a],
                    recordings.positions[b],
                    recordings.speed_of_sound,
                ) * fs;
                power += self.value_near(a, b, lag, tolerance);
            }
        }
        power
    }

    /// The sensors whose correlation with `reference` stands out from noise (the
    /// reference first), and the others, silent ones included, with the reason.
    fn heard_with(
        &self,
        recordings: &SensorRecordings,
        reference: usize,
        options: &EventOptions,
    ) -> (Vec<usize>, Vec<(usize, String)>) {
        let mut dropped = self.silent.clone();
        let mut sensors = vec![reference];
        for &sensor in self.heard.iter().filter(|&&s| s != reference) {
            let significance = self.significance(reference, sensor);
            if significance < options.min_significance
                || self.candidates(reference, sensor).is_empty()
            {
                dropped.push((
                    sensor,
                    format!(
                        "its correlation with \"{}\" peaks at {significance:.1} times its RMS, \
                         not above the {:.1} that noise can reach",
                        recordings.ids[reference], options.min_significance
                    ),
                ));
            } else {
                sensors.push(sensor);
            }
        }
        (sensors, dropped)
    }

    /// The best `keep` combinations of candidate delays with `reference`, by closure
    /// score.
    fn hypotheses(
        &self,
        recordings: &SensorRecordings,
        reference: usize,
        options: &EventOptions,
        keep: usize,
    ) -> Vec<Hypothesis> {
        let tolerance = options.consistency_tolerance_s * recordings.sample_rate;

        let (sensors, dropped) = self.heard_with(recordings, reference, options);
        if sensors.len() < 2 {
            return Vec::new();
        }

        // Candidate delays of each sensor to the reference, as many as fit in 4096
        // combinations.
        let others = sensors.len() - 1;
        let per_pair = options
            .n_candidates
            .min((4096f64.powf(1.0 / others as f64)).floor().max(1.0) as usize);
        let choices: Vec<Vec<(usize, PairDelay)>> = sensors[1..]
            .iter()
            .map(|&k| {
                self.candidates(reference, k)
                    .into_iter()
                    .take(per_pair)
                    .enumerate()
                    .collect()
            })
            .collect();

        // Score every combination by the correlation at all the lags it implies.
        let mut scored: Vec<(f64, Vec<usize>)> = Vec::new();
        let mut combination = vec![0usize; others];
        loop {
            let lag = |k: usize| {
                if k == 0 {
                    0.0
                } else {
                    choices[k - 1][combination[k - 1]].1.lag
                }
            };
            let mut score: f64 = (0..others).map(|k| choices[k][combination[k]].1.peak).sum();
            for a in 1..sensors.len() {
                for b in a + 1..sensors.len() {
                    score += self.value_near(sensors[a], sensors[b], lag(b) - lag(a), tolerance);
                }
            }
            scored.push((score, combination.clone()));
            if !advance(&mut combination, &choices) {
                break;
            }
        }
        scored.sort_by(|x, y| y.0.total_cmp(&x.0));
        scored.truncate(keep);

        scored
            .into_iter()
            .map(|(_, combination)| Hypothesis {
                sensors: sensors.clone(),
                dropped: dropped.clone(),
                chosen: combination
                    .iter()
                    .zip(&choices)
                    .map(|(&c, options)| options[c])
                    .collect(),
            })
            .collect()
    }
}

/// Measures the delays of one event over all pairs of its sensors and chooses a
/// consistent set, relative to the first listed sensor that heard the event.
///
/// Sensors that are silent in the window, or whose correlation with the reference has
/// no peak standing out from noise, are listed in [`EventDelays::unconfirmed`] and take
/// no further part.
///
/// # Errors
/// [`Error::InvalidParameter`] for a window outside a recording, or a pair further
/// apart than the recordings around the window can hold (naming the sensors);
/// [`Error::NoEstimate`] when fewer than two sensors carry a usable sound.
pub fn measure_delays(
    recordings: &SensorRecordings,
    window: &EventWindow,
    options: &EventOptions,
) -> Result<EventDelays> {
    let event = correlate_event(&mut GccPlan::default(), recordings, window, options)?;
    let reference = event.heard[0];
    match event
        .hypotheses(recordings, reference, options, 1)
        .into_iter()
        .next()
    {
        Some(hypothesis) => Ok(delays_of(&event, &hypothesis, recordings, options)),
        None => Err(too_few(
            recordings,
            &event.heard_with(recordings, reference, options).1,
        )),
    }
}

/// Steps 1 to 3 of the module docs: who heard the event, and every pair's correlation.
fn correlate_event(
    plan: &mut GccPlan,
    recordings: &SensorRecordings,
    window: &EventWindow,
    options: &EventOptions,
) -> Result<CorrelatedEvent> {
    validate_options(options)?;
    validate_expected(window)?;

    // Sensors that recorded nothing in the window take no part.
    let mut silent = Vec::new();
    let mut heard = Vec::new();
    for &sensor in &window.sensors {
        let (_, samples) = window_samples(recordings, sensor, window)?;
        if crate::gcc::is_silent_frame(samples) {
            silent.push((sensor, "silent or constant during the event".to_string()));
        } else {
            heard.push(sensor);
        }
    }
    require_two(recordings, &heard, &silent)?;
    identical_audio_check(recordings, window, &heard)?;

    let correlations = correlate_pairs(plan, recordings, window, &heard, options)?;
    Ok(CorrelatedEvent {
        heard,
        silent,
        correlations,
    })
}

/// The measurements one hypothesis stands for: the reference pairs, every other pair
/// that confirms them, and the closure check.
fn delays_of(
    event: &CorrelatedEvent,
    hypothesis: &Hypothesis,
    recordings: &SensorRecordings,
    options: &EventOptions,
) -> EventDelays {
    let tolerance = options.consistency_tolerance_s * recordings.sample_rate;
    let sensors = &hypothesis.sensors;
    let reference = sensors[0];
    let lag_of = |k: usize| {
        if k == 0 {
            0.0
        } else {
            hypothesis.chosen[k - 1].1.lag
        }
    };

    // The chosen reference delays.
    let mut measurements: Vec<PairMeasurement> = (1..sensors.len())
        .map(|k| {
            let (rank, delay) = hypothesis.chosen[k - 1];
            PairMeasurement {
                i: reference,
                j: sensors[k],
                delay_s: delay.delay_s,
                peak: delay.peak,
                rank,
            }
        })
        .collect();

    // Every other pair with a peak where the chosen delays put it.
    let mut confirmations = vec![(0usize, 0usize); sensors.len()];
    for a in 1..sensors.len() {
        for b in a + 1..sensors.len() {
            let implied = lag_of(b) - lag_of(a);
            let candidates = event.candidates(sensors[a], sensors[b]);
            let found = candidates
                .iter()
                .enumerate()
                .find(|(_, c)| (c.lag - implied).abs() <= tolerance);
            for k in [a, b] {
                confirmations[k].1 += 1;
                confirmations[k].0 += usize::from(found.is_some());
            }
            if let Some((rank, delay)) = found {
                measurements.push(PairMeasurement {
                    i: sensors[a],
                    j: sensors[b],
                    delay_s: delay.delay_s,
                    peak: delay.peak,
                    rank,
                });
            }
        }
    }

    // Closure check: a sensor confirmed by fewer than half of its other pairs is set aside.
    let mut unconfirmed = hypothesis.dropped.clone();
    if options.reject_outliers {
        for k in 1..sensors.len() {
            let (confirmed, total) = confirmations[k];
            if total >= 2 && 2 * confirmed < total {
                unconfirmed.push((
                    sensors[k],
                    format!(
                        "its delay to \"{}\" is confirmed by {confirmed} of its {total} other pairs",
                        recordings.ids[reference]
                    ),
                ));
            }
        }
    }

    EventDelays {
        reference,
        measurements,
        unconfirmed,
    }
}

/// Checks the settings that the stages below would otherwise report per pair.
fn validate_options(options: &EventOptions) -> Result<()> {
    let positive = |name: &'static str, value: f64| {
        if value.is_finite() && value >= 0.0 {
            Ok(())
        } else {
            Err(Error::parameter(
                name,
                "a finite, non-negative number",
                value,
            ))
        }
    };
    positive("consistency_tolerance_s", options.consistency_tolerance_s)?;
    positive("lag_margin", options.lag_margin)?;
    positive("min_significance", options.min_significance)?;
    if options.n_candidates == 0 {
        return Err(Error::parameter("n_candidates", "at least 1", 0));
    }
    Ok(())
}

/// Checks that expected arrivals, when given, match the window's sensors.
fn validate_expected(window: &EventWindow) -> Result<()> {
    let Some(expected) = &window.expected else {
        return Ok(());
    };
    if expected.shifts_s.len() != window.sensors.len() {
        return Err(Error::parameter(
            "expected.shifts_s",
            format!(
                "one shift per sensor of the window ({})",
                window.sensors.len()
            ),
            format!("{} shifts", expected.shifts_s.len()),
        ));
    }
    if let Some(bad) = expected.shifts_s.iter().find(|s| !s.is_finite()) {
        return Err(Error::parameter("expected.shifts_s", "finite seconds", bad));
    }
    if !(expected.search_s.is_finite() && expected.search_s >= 0.0) {
        return Err(Error::parameter(
            "expected.search_s",
            "a finite, non-negative number of seconds",
            expected.search_s,
        ));
    }
    Ok(())
}

/// An error unless at least two sensors are left, naming those that dropped out.
fn require_two(
    recordings: &SensorRecordings,
    sensors: &[usize],
    dropped: &[(usize, String)],
) -> Result<()> {
    if sensors.len() >= 2 {
        Ok(())
    } else {
        Err(too_few(recordings, dropped))
    }
}

/// Fewer than two sensors carry the sound: the error names those that dropped out.
fn too_few(recordings: &SensorRecordings, dropped: &[(usize, String)]) -> Error {
    let reasons: Vec<String> = dropped
        .iter()
        .map(|(k, why)| format!("\"{}\": {why}", recordings.ids[*k]))
        .collect();
    Error::NoEstimate {
        reason: format!(
            "fewer than two sensors carry the sound ({})",
            reasons.join("; ")
        ),
    }
}

/// Steps a mixed-radix counter over the candidate lists; false when it wraps.
fn advance(combination: &mut [usize], choices: &[Vec<(usize, PairDelay)>]) -> bool {
    for (digit, options) in combination.iter_mut().zip(choices) {
        *digit += 1;
        if *digit < options.len() {
            return true;
        }
        *digit = 0;
    }
    false
}

/// GCC over every pair `(a, b)` of `sensors` (scene indices, `a` listed before `b`),
/// keyed by the two sensor indices.
fn correlate_pairs(
    plan: &mut GccPlan,
    recordings: &SensorRecordings,
    window: &EventWindow,
    sensors: &[usize],
    options: &EventOptions,
) -> Result<HashMap<(usize, usize), PairCorrelation>> {
    let fs = recordings.sample_rate;
    let c = recordings.speed_of_sound;

    // Physical limit of each pair (with the margin, and a sample for the fractional
    // part of the clock difference), seconds.
    let limit = |a: usize, b: usize| {
        let (p, q) = (recordings.positions[a], recordings.positions[b]);
        let distance = (0..3).map(|k| (p[k] - q[k]).powi(2)).sum::<f64>().sqrt();
        distance / c * (1.0 + options.lag_margin) + 2.0 / fs
    };

    // The delay each pair is searched around, seconds, and how far from it: the
    // expected delay and the search radius when detection predicted the arrivals,
    // otherwise zero and the pair's physical limit.
    let search = |a: usize, b: usize| match &window.expected {
        Some(expected) => (
            window_shift(window, b) - window_shift(window, a),
            expected.search_s + 1.0 / fs,
        ),
        None => (0.0, limit(a, b) + 1.0 / fs),
    };

    // Every pair's segments first: b's, on its own clock, widened by the search.
    let mut segments = Vec::new();
    for (position, &a) in sensors.iter().enumerate() {
        let (start_a, segment_a) = window_samples(recordings, a, window)?;
        for &b in &sensors[position + 1..] {
            let (centre, reach) = search(a, b);
            let clock = ClockShift::between(recordings, a, b);
            let (start_b, segment_b) = widened_samples(
                recordings,
                (a, start_a, segment_a.len()),
                b,
                window,
                (centre, reach, clock.whole),
            )?;
            segments.push((a, b, clock, start_a, segment_a, start_b, segment_b));
        }
    }

    // One plan for the event: the longest widened segment, bounded by the recordings.
    let frame_len = segments.iter().map(|s| s.6.len()).max().unwrap_or(2);
    let config = event_gcc_config(options, window.band_hz);
    let (gcc, [spectrum_a, spectrum_b]) = plan.planned_with_spectra(frame_len, fs, config)?;

    // Sensor `a`'s window is the same frame in every pair it leads, so its spectrum is
    // computed once for them all; `b`'s segment is widened by each pair's own reach,
    // so it is transformed pair by pair.
    let mut transformed_a = None;
    let mut correlations = HashMap::new();
    for (a, b, clock, start_a, segment_a, start_b, segment_b) in segments {
        // Lags relative to the true time base (whole samples of clock difference
        // removed through the offset; the fraction below), searched around the
        // expected delay (zero for annotated windows).
        let (centre, reach) = search(a, b);
        let j_offset = start_b - start_a - clock.whole;
        let estimate = if centre == 0.0 {
            if transformed_a != Some(a) {
                pair_spectrum(gcc, segment_a, spectrum_a, "signal i")
                    .map_err(|e| name_pair(e, recordings, a, b))?;
                transformed_a = Some(a);
            }
            pair_spectrum(gcc, segment_b, spectrum_b, "signal j")
                .and_then(|()| {
                    let lens = (segment_a.len(), segment_b.len());
                    gcc.tdoa_spectra(spectrum_a, spectrum_b, lens, j_offset, Some(reach))
                })
                .map_err(|e| name_pair(e, recordings, a, b))?
        } else {
            // Only a search centred on zero delay can start from spectra.
            gcc.tdoa_offset_around(segment_a, segment_b, j_offset, centre, reach)
                .map_err(|e| name_pair(e, recordings, a, b))?
        };

        // Remove the fractional clock difference; keep peaks inside the search and
        // the physical limit.
        let candidates = estimate
            .candidates
            .iter()
            .map(|d| PairDelay {
                delay_s: (d.lag - clock.fraction) / fs,
                lag: d.lag - clock.fraction,
                ..*d
            })
            .filter(|d| d.delay_s.abs() <= limit(a, b) && (d.delay_s - centre).abs() <= reach)
            .collect();
        let view = gcc.correlation();
        correlations.insert(
            (a, b),
            PairCorrelation {
                candidates,
                values: view.values.to_vec(),
                first_lag: view.first_lag,
                clock_shift: clock.fraction,
                significance: estimate.significance,
            },
        );
    }
    Ok(correlations)
}

/// The spectrum of one frame of a pair into `out`, an error naming the frame by its
/// `role` in the pair ("signal i" or "signal j"), as a pair's GCC names it, so that
/// [`name_pair`] can put the sensor's id in its place.
fn pair_spectrum(gcc: &mut GccPhat, frame: &[f64], out: &mut Spectrum, role: &str) -> Result<()> {
    gcc.spectrum_into(frame, out).map_err(|error| match error {
        Error::NonFinite { index, value, .. } => Error::NonFinite {
            what: role.to_string(),
            index,
            value,
        },
        other => other,
    })
}

/// The GCC settings the event pipeline correlates its pairs with.
pub fn event_gcc_config(options: &EventOptions, band_hz: Option<(f64, f64)>) -> GccConfig {
    GccConfig {
        weighting: options.weighting,
        band_hz,
        n_peaks: 16,
        // Only the candidates a combination can pick need the exact placement; the
        // others serve to confirm implied lags within the consistency tolerance.
        n_refined: Some(options.n_candidates),
        ..GccConfig::default()
    }
}

/// A GCC plan kept from one window to the next, for callers that locate many windows
/// of one length (see [`locate_window_with`]): re-planned only when the frame length,
/// sample rate or settings change. A reused plan gives exactly the answer of a fresh
/// one.
#[derive(Debug, Clone, Default)]
pub struct GccPlan {
    plan: Option<GccPhat>,
    /// Buffers for the spectra of a pair's two frames, kept so that window after window
    /// reuses their memory instead of allocating (and the system zeroing) it again.
    spectra: [Spectrum; 2],
}

impl GccPlan {
    /// The planned estimator for these frames and settings, planning it if needed.
    ///
    /// # Errors
    /// As [`GccPhat::new`].
    pub fn planned(
        &mut self,
        frame_len: usize,
        sample_rate: f64,
        config: GccConfig,
    ) -> Result<&mut GccPhat> {
        self.planned_with_spectra(frame_len, sample_rate, config)
            .map(|(gcc, _)| gcc)
    }

    /// [`GccPlan::planned`], with the kept spectrum buffers of a pair's two frames.
    fn planned_with_spectra(
        &mut self,
        frame_len: usize,
        sample_rate: f64,
        config: GccConfig,
    ) -> Result<(&mut GccPhat, &mut [Spectrum; 2])> {
        let gcc = match self.plan.take() {
            Some(gcc)
                if gcc.frame_len() == frame_len
                    && gcc.sample_rate() == sample_rate
                    && *gcc.config() == config =>
            {
                gcc
            }
            _ => GccPhat::new(frame_len, sample_rate, config)?,
        };
        Ok((self.plan.insert(gcc), &mut self.spectra))
    }
}

/// The clock difference `offset_b - offset_a` of a pair, in samples, split into whole
/// samples (applied by offsetting the segments) and the fraction left (applied to the
/// measured lags).
#[derive(Debug, Clone, Copy)]
struct ClockShift {
    whole: i64,
    fraction: f64,
}

impl ClockShift {
    fn between(recordings: &SensorRecordings, a: usize, b: usize) -> Self {
        let samples = (recordings.clock_offsets_s[b] - recordings.clock_offsets_s[a])
            * recordings.sample_rate;
        let whole = samples.round();
        ClockShift {
            whole: whole as i64,
            fraction: samples - whole,
        }
    }
}

/// Two different sensors never record exactly the same samples: equal windows mean
/// one file and channel was given to both (a typo in the scene).
fn identical_audio_check(
    recordings: &SensorRecordings,
    window: &EventWindow,
    sensors: &[usize],
) -> Result<()> {
    for (position, &a) in sensors.iter().enumerate() {
        let (_, samples_a) = window_samples(recordings, a, window)?;
        for &b in &sensors[position + 1..] {
            let (_, samples_b) = window_samples(recordings, b, window)?;
            if samples_a == samples_b {
                return Err(Error::parameter(
                    "sensors",
                    "a different recording for every sensor",
                    format!(
                        "identical audio for sensors \"{}\" and \"{}\" during the event \
                         (the same file and channel?)",
                        recordings.ids[a], recordings.ids[b]
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Adds the two sensor ids to an error about a pair.
fn name_pair(error: Error, recordings: &SensorRecordings, a: usize, b: usize) -> Error {
    let (a, b) = (&recordings.ids[a], &recordings.ids[b]);
    match error {
        Error::NoEstimate { reason } => Error::NoEstimate {
            reason: format!(
                "sensors \"{a}\" and \"{b}\": {}",
                reason.replace("signal i", a).replace("signal j", b)
            ),
        },
        Error::NonFinite { what, index, value } => Error::NonFinite {
            what: format!("sensors \"{a}\"/\"{b}\" {what}"),
            index,
            value,
        },
        other => other,
    }
}

/// Sample index range `[first, last)` of true times `start_s..end_s` in `sensor`'s
/// recording (its clock offset applied), not clipped.
fn sample_range(
    recordings: &SensorRecordings,
    sensor: usize,
    start_s: f64,
    end_s: f64,
) -> (f64, f64) {
    let (fs, offset) = (recordings.sample_rate, recordings.clock_offsets_s[sensor]);
    (
        ((start_s + offset) * fs).round(),
        ((end_s + offset) * fs).round(),
    )
}

/// How far `sensor`'s window is moved from the event's (its expected arrival minus
/// the reference's), seconds; zero for annotated windows.
fn window_shift(window: &EventWindow, sensor: usize) -> f64 {
    let listed = window.sensors.iter().position(|&s| s == sensor);
    match (&window.expected, listed) {
        (Some(expected), Some(k)) => expected.shifts_s[k],
        _ => 0.0,
    }
}

/// The samples of the event window itself for `sensor` (moved to its expected
/// arrival when known), with the recording index of the first; an error naming the
/// sensor unless the window lies inside its recording.
fn window_samples<'a>(
    recordings: &SensorRecordings<'a>,
    sensor: usize,
    window: &EventWindow,
) -> Result<(i64, &'a [f64])> {
    let samples = recordings.channels[sensor];
    let shift = window_shift(window, sensor);
    let (first, last) = sample_range(
        recordings,
        sensor,
        window.start_s + shift,
        window.end_s + shift,
    );
    if last - first < 2.0 {
        return Err(Error::parameter(
            "event window",
            "a window at least two samples long",
            format!(
                "{} s to {} s ({} samples at {} Hz)",
                seconds(window.start_s),
                seconds(window.end_s),
                (last - first).max(0.0),
                recordings.sample_rate
            ),
        ));
    }
    if !(first >= 0.0 && last <= samples.len() as f64) {
        return Err(Error::parameter(
            "event window",
            format!(
                "a window inside the recording of sensor \"{}\" (0 to {:.3} s, clock offset {} s)",
                recordings.ids[sensor],
                samples.len() as f64 / recordings.sample_rate,
                recordings.clock_offsets_s[sensor]
            ),
            format!(
                "{} s to {} s",
                seconds(window.start_s),
                seconds(window.end_s)
            ),
        ));
    }
    Ok((first as i64, &samples[first as usize..last as usize]))
}

/// `b`'s samples around its window (on `b`'s clock), widened by `reach` seconds on both
/// sides as far as its recording goes; an error naming both sensors when what is left
/// cannot hold every lag within `reach` of `centre` seconds against `a`'s window.
/// `whole_shift` is the pair's clock difference in whole samples.
fn widened_samples<'a>(
    recordings: &SensorRecordings<'a>,
    (a, start_a, len_a): (usize, i64, usize),
    b: usize,
    window: &EventWindow,
    (centre, reach, whole_shift): (f64, f64, i64),
) -> Result<(i64, &'a [f64])> {
    let samples = recordings.channels[b];
    let fs = recordings.sample_rate;
    let shift = window_shift(window, b);
    let (first, last) = sample_range(
        recordings,
        b,
        window.start_s + shift - reach,
        window.end_s + shift + reach,
    );
    let (first, last) = (first.max(0.0) as i64, last.min(samples.len() as f64) as i64);

    // The true-time lags the two segments can show, against the lags searched.
    let j_offset = first - start_a - whole_shift;
    let shown = (j_offset - (len_a as i64 - 1), j_offset + (last - first) - 1);
    let needed = (
        ((centre - reach) * fs + 1e-9).floor() as i64,
        ((centre + reach) * fs - 1e-9).ceil() as i64,
    );
    if last - first < 2 || shown.0 > needed.0 || shown.1 < needed.1 {
        return Err(Error::parameter(
            "event window",
            format!(
                "a window, with the recordings around it, long enough for every delay \
                 between sensors \"{}\" and \"{}\" ({} s to {} s, from their distance or \
                 the expected arrivals)",
                recordings.ids[a],
                recordings.ids[b],
                seconds(centre - reach),
                seconds(centre + reach),
            ),
            format!(
                "the window {} s to {} s, too short: \"{}\" is recorded from 0 to {:.3} s \
                 (clock offset {} s)",
                seconds(window.start_s),
                seconds(window.end_s),
                recordings.ids[b],
                samples.len() as f64 / fs,
                recordings.clock_offsets_s[b],
            ),
        ));
    }
    Ok((first, &samples[first as usize..last as usize]))
}

/// Seconds for a message: three decimals, or scientific notation when huge.
fn seconds(value: f64) -> String {
    if value.abs() < 1e6 {
        format!("{value:.3}")
    } else {
        format!("{value:.3e}")
    }
}

/// A position found from the delays of one window, before any conversion to map
/// coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedWindow {
    /// The solver's answer, in the local frame.
    pub solution: locate::Solution,
    /// The delays behind it.
    pub delays: EventDelays,
    /// Sensors left out (closure check first, then the solver), with the reason.
    pub rejected: Vec<(usize, String)>,
}

/// Measures the delays of one window and solves for the source in the local frame.
///
/// `locate_options` sets the dimension, height prior and rejection; its speed of
/// sound is replaced by the one of `recordings`.
///
/// # Errors
/// As [`measure_delays`], and [`crate::locate::locate`]'s errors when too few
/// consistent delays remain.
pub fn locate_window(
    recordings: &SensorRecordings,
    window: &EventWindow,
    options: &EventOptions,
    locate_options: &LocateOptions,
) -> Result<LocatedWindow> {
    locate_window_with(
        &mut GccPlan::default(),
        recordings,
        window,
        options,
        locate_options,
    )
}

/// [`locate_window`] with a GCC plan kept by the caller and reused from window to
/// window (same answer, without planning the FFTs and allocating buffers each time).
///
/// # Errors
/// As [`locate_window`].
pub fn locate_window_with(
    plan: &mut GccPlan,
    recordings: &SensorRecordings,
    window: &EventWindow,
    options: &EventOptions,
    locate_options: &LocateOptions,
) -> Result<LocatedWindow> {
    let event = correlate_event(plan, recordings, window, options)?;
    let locate_options = LocateOptions {
        speed_of_sound: recordings.speed_of_sound,
        reject_outliers: options.reject_outliers && locate_options.reject_outliers,
        ..locate_options.clone()
    };
    let tolerance = options.consistency_tolerance_s * recordings.sample_rate;

    // Every sensor in turn as the reference (a wrong reference spoils every delay),
    // its best few combinations located; keep the position that the correlations of
    // all pairs support best. The first error is kept for when nothing can be located.
    let mut best: Option<(f64, LocatedWindow)> = None;
    let mut first_error = None;
    for &reference in &event.heard {
        for hypothesis in event.hypotheses(recordings, reference, options, COMBINATIONS_LOCATED) {
            let delays = delays_of(&event, &hypothesis, recordings, options);
            match solve(recordings, delays, options, &locate_options) {
                Ok(located) => {
                    let power =
                        event.steered_power(recordings, located.solution.position, tolerance);
                    if best.as_ref().is_none_or(|(p, _)| power > *p) {
                        best = Some((power, located));
                    }
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
    }
    match (best, first_error) {
        (Some((_, located)), _) => Ok(located),
        (None, Some(error)) => Err(error),
        (None, None) => Err(too_few(
            recordings,
            &event.heard_with(recordings, event.heard[0], options).1,
        )),
    }
}

/// Solves for the source from one set of delays.
fn solve(
    recordings: &SensorRecordings,
    delays: EventDelays,
    options: &EventOptions,
    locate_options: &LocateOptions,
) -> Result<LocatedWindow> {
    let std_s = options.delay_std_s.unwrap_or(2.0 / recordings.sample_rate);
    let measurements: Vec<TdoaMeasurement> = delays
        .confirmed()
        .map(|m| TdoaMeasurement::new(m.i, m.j, m.delay_s, std_s))
        .collect();

    // Enough sensors left for the dimension? Say which dropped out and why.
    let mut used: Vec<usize> = measurements.iter().flat_map(|m| [m.i, m.j]).collect();
    used.sort_unstable();
    used.dedup();
    let needed = locate_options.dimension.unknowns() + 1;
    if used.len() < needed {
        let reasons: Vec<String> = delays
            .unconfirmed
            .iter()
            .map(|(k, why)| format!("\"{}\": {why}", recordings.ids[*k]))
            .collect();
        return Err(Error::NoEstimate {
            reason: format!(
                "{} sensor(s) hear the event consistently, a {}-D position needs {needed} ({})",
                used.len(),
                needed - 1,
                if reasons.is_empty() {
                    "no other sensors listed".into()
                } else {
                    reasons.join("; ")
                }
            ),
        });
    }
    let solution = locate::locate(&recordings.positions, &measurements, locate_options)?;

    // Everything left out, and why.
    let mut rejected = delays.unconfirmed.clone();
    rejected.extend(solution.rejections.iter().map(|r| {
        (
            r.sensor,
            format!(
                "its delays leave a residual of {:.1} std; without it the fit improves \
                 from {:.2} to {:.2} (reduced chi-square)",
                r.worst_residual, r.cost_before, r.cost_after
            ),
        )
    }));
    Ok(LocatedWindow {
        solution,
        delays,
        rejected,
    })
}

/// The solver settings of a scene (dimension, height bounds), as [`LocateOptions`].
pub fn scene_locate_options(scene: &Scene) -> LocateOptions {
    let (height_min, height_max) = scene.solver.local_height_bounds(&scene.frame);
    let height_prior = match (height_min, height_max) {
        (Some(min_m), Some(max_m)) => Some(HeightPrior { min_m, max_m }),
        _ => None,
    };
    LocateOptions {
        dimension: if scene.solver.dimension == 2 {
            Dimension::Two
        } else {
            Dimension::Three
        },
        height_prior,
        speed_of_sound: scene.speed_of_sound,
        ..LocateOptions::default()
    }
}

/// Measures the delays of one event of a scene and locates its source, in the
/// scene's coordinates.
///
/// # Errors
/// As [`locate_window`]; [`Error::Coordinates`] when the position cannot be expressed
/// in the scene's system.
pub fn locate_event(
    scene: &Scene,
    audio: &SceneAudio,
    window: &EventWindow,
    options: &EventOptions,
) -> Result<EventEstimate> {
    let located = locate_window(
        &audio.recordings(scene),
        window,
        options,
        &scene_locate_options(scene),
    )?;
    in_scene_coordinates(scene, window, located)
}

/// Locates every event of a scene, in the scene's order: the answers of
/// [`locate_event`] for each, a failure staying with its event.
///
/// Events run in parallel on the rayon pool, in as many contiguous runs as it has
/// threads. Within a run one GCC plan serves event after event, so events with the
/// same sensors and window length (the same frame length) share its FFT plans and
/// buffers instead of planning them again; the answers are those of a fresh plan, in
/// the scene's order whatever the number of threads.
pub fn locate_events(
    scene: &Scene,
    audio: &SceneAudio,
    options: &EventOptions,
) -> Vec<Result<EventEstimate>> {
    let recordings = audio.recordings(scene);
    let locate_options = scene_locate_options(scene);
    // Runs no shorter than this split the events into at most one per thread.
    let per_thread = (scene.events.len() / rayon::current_num_threads()).max(1);
    scene
        .events
        .par_iter()
        .with_min_len(per_thread)
        .map_init(GccPlan::default, |plan, window| {
            let located = locate_window_with(plan, &recordings, window, options, &locate_options)?;
            in_scene_coordinates(scene, window, located)
        })
        .collect()
}

/// A window located in the local frame, reported in the scene's coordinates.
fn in_scene_coordinates(
    scene: &Scene,
    window: &EventWindow,
    located: LocatedWindow,
) -> Result<EventEstimate> {
    let solution = &located.solution;
    let ambiguous = solution
        .ambiguous
        .iter()
        .map(|p| scene.frame.from_local(*p))
        .collect::<Result<Vec<_>>>()?;
    Ok(EventEstimate {
        window: window.clone(),
        local: solution.position,
        position: scene.frame.from_local(solution.position)?,
        position_std: solution.position_std(),
        covariance: solution.covariance,
        geodetic: scene.frame.to_geodetic(solution.position),
        residual_rms_s: solution.residual_rms_s,
        used: solution.used.clone(),
        rejected: located.rejected,
        ambiguous,
        height_at_bound: solution.height_at_bound,
        delays: located.delays,
    })
}
