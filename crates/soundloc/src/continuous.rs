//! Events in continuous recordings: detection, association and localisation.
//!
//! A city's sensors record all day; nobody marks where the gunshot is. This module
//! finds the events itself, in three passes over a [`Scene`] whose recordings are
//! continuous and synchronised (GPS), with memory bounded whatever their length:
//!
//! 1. **Onsets, per sensor.** Each sensor's file is streamed in blocks through an
//!    impulsive-onset detector ([`crate::detect`]); sensors run in parallel (rayon).
//!    Only the onsets are kept: a few numbers each.
//! 2. **Association.** Onsets of different sensors that one source position and
//!    emission time explain are grouped into candidates ([`crate::associate`]); each
//!    candidate predicts when every sensor should have heard it.
//! 3. **Localisation.** For each candidate (in parallel), a short segment around the
//!    predicted arrival is read from every sensor's file, and the event pipeline
//!    ([`crate::event`]) measures the delays by GCC-PHAT near the predicted ones,
//!    chooses a consistent set across pairs, and solves for the position with its
//!    robust rejection of sensors whose delays do not fit: a sound that reaches a
//!    sensor around a building (non-line-of-sight) arrives late, and that sensor is
//!    reported as rejected, with the reason. Sensors whose detector missed the sound
//!    are measured too, since the candidate says where to look.
//!
//! Each event comes with its emission time, its position in the scene's coordinates
//! and in latitude and longitude when the scene is geo-referenced, a 95 % error
//! ellipse ([`crate::ellipse`]), the residual, the sensors used and rejected, and the
//! onsets (with their features) that triggered it.
//!
//! # Memory
//!
//! Pass 1 holds one block per sensor being read (one per thread), pass 3 one
//! segment per sensor per candidate being located; the onsets and events are small.
//! Nothing grows with the duration of the recordings except those lists.
//!
//! # Sensors that drop out
//!
//! A sensor that goes silent partway (a run of identical samples, see
//! [`crate::outage`]) or whose file ends before the others' is out for that stretch:
//! pass 1 lists its [`Outage`]s, and pass 3 leaves it out of every event whose predicted
//! arrival at it falls inside one, naming the outage among the event's rejected sensors.
//! Events before and after are located with the sensors that were recording.
//!
//! # Limitations
//!
//! - Every sensor's file must start at the same time (clock offsets aside) and have the
//!   same sample rate; files may end at different times. A gap in the middle of a file
//!   is seen only if the recorder wrote flat samples through it: a recorder that skipped
//!   the time instead shifts everything after it, which would need per-file start times
//!   in the scene.
//! - An event within a few tenths of a second of the start or end of the recordings
//!   may lack the audio its delays need, and is reported as not located.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::array::distance;
use crate::associate::{self, AssociationOptions, Candidate, OnsetTime};
use crate::audio::WavStream;
use crate::detect::{DetectorConfig, Onset, OnsetDetector};
use crate::ellipse::ErrorEllipse;
use crate::error::{Error, Result};
use crate::event::{self, EventOptions, SensorRecordings};
use crate::geodesy::LatLonAlt;
use crate::outage::{FlatRunFinder, MIN_OUTAGE_S, Outage, OutageKind};
use crate::scene::{EventWindow, ExpectedArrivals, Scene};

/// Settings of continuous detection.
#[derive(Debug, Clone)]
pub struct DetectOptions {
    /// The per-sensor onset detector.
    pub detector: DetectorConfig,
    /// Grouping onsets into candidate events.
    pub association: AssociationOptions,
    /// Delay measurement and consistency (weighting, candidates per pair, ...).
    pub event: EventOptions,
    /// The band the delays are measured in, Hz: city noise is strongest below a few
    /// hundred hertz, where impulsive sounds carry little of their energy.
    pub band_hz: Option<(f64, f64)>,
    /// Audio kept before each sensor's predicted arrival, seconds.
    pub before_s: f64,
    /// Audio kept after each sensor's predicted arrival, seconds.
    pub after_s: f64,
    /// Probability that the error ellipse holds the source.
    pub confidence: f64,
    /// Standard deviation of each sensor's timing error, seconds: what its clock
    /// synchronisation (GPS) and sample clock leave. It adds, for both sensors of a
    /// pair, to the delay measurement's own error (two samples), unless
    /// [`EventOptions::delay_std_s`] sets the pair's std outright.
    pub clock_std_s: f64,
    /// Block read from each file at a time in pass 1, seconds.
    pub block_s: f64,
    /// Impulses at one place within this long after the first count as one event,
    /// seconds (see [`DetectedEvent::impulses`]).
    pub merge_within_s: f64,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            detector: DetectorConfig::default(),
            association: AssociationOptions::default(),
            event: EventOptions::default(),
            band_hz: Some((300.0, 8000.0)),
            before_s: 0.02,
            after_s: 0.2,
            confidence: 0.95,
            clock_std_s: 20e-6,
            block_s: 1.0,
            merge_within_s: 3.0,
        }
    }
}

/// Which pass [`detect_events`] is in, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Pass 1: `done` and `total` count samples over all sensors.
    Detecting,
    /// Pass 3: `done` and `total` count candidate events.
    Locating,
}

/// How far [`detect_events`] has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The pass.
    pub stage: Stage,
    /// Work done in this pass.
    pub done: u64,
    /// All the work of this pass.
    pub total: u64,
}

/// One located event.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectedEvent {
    /// Emission time, seconds from the start of the recordings (true time).
    pub time_s: f64,
    /// Position in the local east-north-up frame, metres.
    pub local: [f64; 3],
    /// Position in the scene's coordinate system.
    pub position: [f64; 3],
    /// Latitude, longitude and altitude, when the scene is geo-referenced.
    pub geodetic: Option<LatLonAlt>,
    /// Standard deviations east, north, up, metres.
    pub position_std: [f64; 3],
    /// Covariance of the local position (east, north, up), square metres; the
    /// ellipse is drawn from its east-north block.
    pub covariance: [[f64; 3]; 3],
    /// The horizontal error ellipse; `None` when the covariance is unbounded.
    pub ellipse: Option<ErrorEllipse>,
    /// RMS of the delay residuals, seconds.
    pub residual_rms_s: f64,
    /// Sensors whose delays the position rests on (indices into the scene's sensors).
    pub used: Vec<usize>,
    /// Sensors left out, with the reason.
    pub rejected: Vec<(usize, String)>,
    /// The source height hit a bound of the scene's solver settings.
    pub height_at_bound: bool,
    /// The onsets that triggered the event, with their features.
    pub onsets: Vec<Onset>,
    /// Impulses located at this place within [`DetectOptions::merge_within_s`],
    /// this one included: glass breaking in several impacts, a burst of shots.
    pub impulses: usize,
}

/// A candidate that association found but localisation could not place.
#[derive(Debug, Clone, PartialEq)]
pub struct Unlocated {
    /// The emission time association estimated, seconds.
    pub time_s: f64,
    /// The sensors whose onsets formed it.
    pub sensors: Vec<usize>,
    /// Why it could not be located.
    pub reason: String,
}

/// What [`detect_events`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Located events, in time order.
    pub events: Vec<DetectedEvent>,
    /// Candidates that could not be located.
    pub unlocated: Vec<Unlocated>,
    /// Onsets found per sensor.
    pub onsets_per_sensor: Vec<usize>,
    /// Stretches in which a sensor recorded nothing usable (flat samples, or its file
    /// had ended), by sensor and then time.
    pub outages: Vec<Outage>,
    /// Every onset found, sensor by sensor, in time order within each sensor.
    pub onsets: Vec<Onset>,
    /// Length of the longest recording, seconds.
    pub duration_s: f64,
}

/// Finds, associates and locates the events in a scene's continuous recordings
/// (see the module docs). `progress` is called now and then from worker threads.
///
/// # Errors
/// [`Error::Audio`] or [`Error::Io`] for a recording that cannot be read, has another
/// sample rate than the others, or lacks the scene's channel (naming the sensor and
/// file); [`Error::InvalidParameter`] for bad options.
pub fn detect_events(
    scene: &Scene,
    options: &DetectOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Detection> {
    let keep_going = |report: Progress| {
        progress(report);
        ControlFlow::Continue(())
    };
    detect_events_stoppable(scene, options, &keep_going)?.ok_or_else(|| Error::NoEstimate {
        reason: "the detection stopped although nothing asked it to".into(),
    })
}

/// [`detect_events`], with a `progress` callback that can stop the work by returning
/// [`ControlFlow::Break`] (a user pressed cancel, a Python callback raised): the
/// result is then `Ok(None)`. Once one call breaks, `progress` is not called again,
/// the blocks and candidates under way finish, and no new ones start.
///
/// # Errors
/// Those of [`detect_events`].
pub fn detect_events_stoppable(
    scene: &Scene,
    options: &DetectOptions,
    progress: &(dyn Fn(Progress) -> ControlFlow<()> + Sync),
) -> Result<Option<Detection>> {
    validate(options)?;
    let min_sensors = options.association.min_sensors;
    if min_sensors > scene.sensors.len() {
        return Err(Error::parameter(
            "min_sensors",
            format!("at most the scene's {} sensors", scene.sensors.len()),
            min_sensors,
        ));
    }
    let span = Span::of(scene)?;

    // The callback's answer, shared by the worker threads.
    let stopped = AtomicBool::new(false);
    let report = |update: Progress| {
        if !stopped.load(Ordering::Relaxed) && progress(update).is_break() {
            stopped.store(true, Ordering::Relaxed);
        }
    };
    let stop = Stop {
        stopped: &stopped,
        report: &report,
    };

    let (onsets, outages) = find_onsets(scene, options, &span, &stop)?;
    if stop.requested() {
        return Ok(None);
    }
    let onsets_per_sensor = (0..scene.sensors.len())
        .map(|k| onsets.iter().filter(|o| o.sensor == k).count())
        .collect();

    let times: Vec<OnsetTime> = onsets
        .iter()
        .map(|o| OnsetTime {
            sensor: o.sensor,
            time_s: o.time_s - scene.sensors[o.sensor].clock_offset_s,
        })
        .collect();
    let local: Vec<[f64; 3]> = scene.sensors.iter().map(|s| s.local).collect();
    let candidates =
        associate::associate(&times, &local, scene.speed_of_sound, &options.association)?;

    let located = locate_candidates(
        scene,
        options,
        &span,
        &Found {
            onsets: &onsets,
            outages: &outages,
        },
        &candidates,
        &stop,
    );
    if stop.requested() {
        return Ok(None);
    }
    let mut events = Vec::new();
    let mut unlocated = Vec::new();
    for outcome in located.into_iter().flatten() {
        match outcome {
            Ok(event) => events.push(event),
            Err(missed) => unlocated.push(missed),
        }
    }
    events.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));

    Ok(Some(Detection {
        events: merge_repeats(events, options.merge_within_s),
        unlocated,
        onsets_per_sensor,
        onsets,
        outages,
        duration_s: span.n_samples as f64 / span.sample_rate,
    }))
}

/// The progress report of one run, and whether its callback asked to stop.
struct Stop<'a> {
    stopped: &'a AtomicBool,
    report: &'a (dyn Fn(Progress) + Sync),
}

impl Stop<'_> {
    /// Whether the callback has asked to stop.
    fn requested(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }
}

/// Checks the settings this module adds to those of its stages.
fn validate(options: &DetectOptions) -> Result<()> {
    options.detector.validate()?;
    options.association.validate()?;
    for (name, value) in [
        ("before_s", options.before_s),
        ("after_s", options.after_s),
        ("block_s", options.block_s),
        ("merge_within_s", options.merge_within_s),
    ] {
        if !(value.is_finite() && value > 0.0) {
            return Err(Error::parameter(
                name,
                "a positive number of seconds",
                value,
            ));
        }
    }
    if !(options.clock_std_s.is_finite() && options.clock_std_s >= 0.0) {
        return Err(Error::parameter(
            "clock_std_s",
            "a non-negative number of seconds",
            options.clock_std_s,
        ));
    }
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return Err(Error::parameter(
            "confidence",
            "a probability between 0 and 1 (exclusive)",
            options.confidence,
        ));
    }
    Ok(())
}

/// The common sample rate of a scene's recordings, and their lengths.
struct Span {
    sample_rate: f64,
    /// Samples in the longest recording.
    n_samples: usize,
    /// Samples in each sensor's recording.
    lengths: Vec<usize>,
}

impl Span {
    /// Opens every sensor's file once, checking that they have the channel asked for
    /// and one sample rate.
    fn of(scene: &Scene) -> Result<Self> {
        let mut first_rate: Option<(usize, u32)> = None;
        let mut lengths = Vec::with_capacity(scene.sensors.len());
        for (k, sensor) in scene.sensors.iter().enumerate() {
            let stream = WavStream::open(&sensor.audio)?;
            if sensor.channel >= stream.n_channels() {
                return Err(audio_error(
                    &sensor.audio,
                    format!(
                        "sensor \"{}\" records channel {}, but the file has {} channel(s)",
                        sensor.id,
                        sensor.channel,
                        stream.n_channels()
                    ),
                ));
            }
            let rate = stream.sample_rate();
            match first_rate {
                None => first_rate = Some((k, rate)),
                Some((f, expected)) if rate != expected => {
                    return Err(audio_error(
                        &sensor.audio,
                        format!(
                            "sensor \"{}\" is recorded at {rate} Hz, sensor \"{}\" at \
                             {expected} Hz: every sensor needs the same sample rate",
                            sensor.id, scene.sensors[f].id
                        ),
                    ));
                }
                Some(_) => {}
            }
            lengths.push(stream.n_samples());
        }
        let (_, rate) = first_rate
            .ok_or_else(|| Error::parameter("scene", "at least one sensor", "no sensors"))?;
        Ok(Span {
            sample_rate: f64::from(rate),
            n_samples: lengths.iter().copied().max().unwrap_or(0),
            lengths,
        })
    }
}

fn audio_error(path: &std::path::Path, reason: String) -> Error {
    Error::Audio {
        path: PathBuf::from(path),
        reason,
    }
}

/// Pass 1: every sensor's onsets and outages, sensors in parallel, each file streamed
/// in blocks.
fn find_onsets(
    scene: &Scene,
    options: &DetectOptions,
    span: &Span,
    stop: &Stop<'_>,
) -> Result<(Vec<Onset>, Vec<Outage>)> {
    let total = span.lengths.iter().sum::<usize>() as u64;
    let done = AtomicU64::new(0);
    let block = ((options.block_s * span.sample_rate).round() as usize).max(1);
    let min_outage = (MIN_OUTAGE_S * span.sample_rate).round() as usize;

    let per_sensor: Vec<(Vec<Onset>, Vec<Outage>)> = scene
        .sensors
        .par_iter()
        .enumerate()
        .map(|(k, sensor)| {
            let mut stream = WavStream::open(&sensor.audio)?;
            let mut detector = OnsetDetector::new(options.detector.clone(), span.sample_rate, k)?;
            let mut flat_runs = FlatRunFinder::new(min_outage);
            let (mut samples, mut onsets) = (Vec::with_capacity(block), Vec::new());
            loop {
                if stop.requested() {
                    break;
                }
                let read = stream.read_channel_chunk(sensor.channel, block, &mut samples)?;
                if read == 0 {
                    break;
                }
                detector.push(&samples, &mut onsets)?;
                flat_runs.push(&samples);
                let now = done.fetch_add(read as u64, Ordering::Relaxed) + read as u64;
                (stop.report)(Progress {
                    stage: Stage::Detecting,
                    done: now,
                    total,
                });
            }
            detector.finish(&mut onsets);
            Ok((onsets, sensor_outages(scene, span, k, flat_runs.finish())))
        })
        .collect::<Result<_>>()?;
    let (onsets, outages): (Vec<_>, Vec<_>) = per_sensor.into_iter().unzip();
    Ok((
        onsets.into_iter().flatten().collect(),
        outages.into_iter().flatten().collect(),
    ))
}

/// Sensor `k`'s outages in true time: its flat runs `(first, end, value)`, in samples of
/// its recording, and the time after its file ends when it is shorter than the longest.
fn sensor_outages(
    scene: &Scene,
    span: &Span,
    k: usize,
    flat_runs: Vec<(usize, usize, f64)>,
) -> Vec<Outage> {
    let offset_s = scene.sensors[k].clock_offset_s;
    let true_time = |sample: usize| sample as f64 / span.sample_rate - offset_s;

    let mut outages: Vec<Outage> = flat_runs
        .into_iter()
        .map(|(first, end, value)| Outage {
            sensor: k,
            start_s: true_time(first),
            end_s: true_time(end),
            kind: OutageKind::Flat { value },
        })
        .collect();
    if span.lengths[k] < span.n_samples {
        outages.push(Outage {
            sensor: k,
            start_s: true_time(span.lengths[k]),
            end_s: true_time(span.n_samples),
            kind: OutageKind::Ended,
        });
    }
    outages
}

/// What pass 1 found: the onsets, and when each sensor was out.
struct Found<'a> {
    onsets: &'a [Onset],
    outages: &'a [Outage],
}

/// Pass 3: each candidate located from short segments of every sensor's file.
fn locate_candidates(
    scene: &Scene,
    options: &DetectOptions,
    span: &Span,
    found: &Found<'_>,
    candidates: &[Candidate],
    stop: &Stop<'_>,
) -> Vec<Option<std::result::Result<DetectedEvent, Unlocated>>> {
    let onsets = found.onsets;
    let done = AtomicU64::new(0);
    let total = candidates.len() as u64;
    candidates
        .par_iter()
        .map(|candidate| {
            if stop.requested() {
                return None;
            }
            let outcome =
                locate_candidate(scene, options, span, found, candidate).map_err(|e| Unlocated {
                    time_s: candidate.emission_s,
                    sensors: candidate.onsets.iter().map(|&i| onsets[i].sensor).collect(),
                    reason: e.to_string(),
                });
            (stop.report)(Progress {
                stage: Stage::Locating,
                done: done.fetch_add(1, Ordering::Relaxed) + 1,
                total,
            });
            Some(outcome)
        })
        .collect()
}

/// Reads the audio around one candidate and locates it.
fn locate_candidate(
    scene: &Scene,
    options: &DetectOptions,
    span: &Span,
    found: &Found<'_>,
    candidate: &Candidate,
) -> Result<DetectedEvent> {
    let onsets = found.onsets;
    let search_s = candidate.tolerance_s;
    let fs = span.sample_rate;

    // The reference is the sensor whose onset stands highest above its noise; the
    // others follow, those with an onset first.
    let mut order: Vec<usize> = candidate.onsets.iter().map(|&i| onsets[i].sensor).collect();
    order.sort_by(|&a, &b| {
        let snr = |sensor: usize| {
            candidate
                .onsets
                .iter()
                .find(|&&i| onsets[i].sensor == sensor)
                .map_or(f64::NEG_INFINITY, |&i| onsets[i].snr_db)
        };
        snr(b).total_cmp(&snr(a))
    });
    let silent: Vec<usize> = (0..scene.sensors.len())
        .filter(|k| !order.contains(k))
        .collect();
    order.extend(silent);

    // Each sensor's segment: its predicted arrival, the window and the search around
    // it, and a margin of a few samples; read on the sensor's own clock, whole samples.
    // A sensor that was out when the sound should have reached it (see the module
    // docs), or whose recording does not cover the segment (the event is at the very
    // start or end, or its clock offset is wrong), takes no part, and the event says so.
    let margin_s = search_s + 4.0 / fs;
    let mut segments = Vec::with_capacity(order.len());
    let mut clock_offsets_s = Vec::with_capacity(scene.sensors.len());
    let mut uncovered = Vec::new();
    for (k, sensor) in scene.sensors.iter().enumerate() {
        let true_arrival = candidate.arrivals_s[k];
        let arrival = true_arrival + sensor.clock_offset_s;
        let wanted = (
            ((arrival - options.before_s - margin_s) * fs).floor(),
            ((arrival + options.after_s + margin_s) * fs).ceil(),
        );
        let out = found.outages.iter().find(|outage| {
            outage.sensor == k && outage.covers(true_arrival - search_s, true_arrival + search_s)
        });
        let missing = match out {
            Some(outage) => Some(outage.to_string()),
            None if !(wanted.0 >= 0.0 && wanted.1 <= span.lengths[k] as f64) => Some(format!(
                "its recording (clock offset {} s) does not hold the predicted arrival \
                 at {:.3} s on its clock",
                sensor.clock_offset_s, arrival
            )),
            None => None,
        };
        if let Some(reason) = missing {
            uncovered.push((k, reason));
            segments.push(Vec::new());
            clock_offsets_s.push(sensor.clock_offset_s);
            continue;
        }

        let (first, last) = (wanted.0 as usize, wanted.1 as usize);
        let mut stream = WavStream::open(&sensor.audio)?;
        stream.seek(first)?;
        let mut samples = Vec::with_capacity(last - first);
        stream.read_channel_chunk(sensor.channel, last - first, &mut samples)?;
        segments.push(samples);
        clock_offsets_s.push(sensor.clock_offset_s - first as f64 / fs);
    }
    order.retain(|k| !uncovered.iter().any(|(u, _)| u == k));
    let Some(&reference) = order.first() else {
        return Err(Error::NoEstimate {
            reason: "no sensor was recording when the sound should have arrived".into(),
        });
    };
    let recordings = SensorRecordings {
        ids: scene.sensors.iter().map(|s| s.id.clone()).collect(),
        positions: scene.sensors.iter().map(|s| s.local).collect(),
        channels: segments.iter().map(Vec::as_slice).collect(),
        clock_offsets_s,
        sample_rate: fs,
        speed_of_sound: scene.speed_of_sound,
    };

    // The window at the reference, moved to each sensor's predicted arrival.
    let reference_arrival = candidate.arrivals_s[reference];
    let window = EventWindow {
        start_s: reference_arrival - options.before_s,
        end_s: reference_arrival + options.after_s,
        band_hz: options.band_hz,
        sensors: order.clone(),
        label: None,
        expected: Some(ExpectedArrivals {
            shifts_s: order
                .iter()
                .map(|&k| candidate.arrivals_s[k] - reference_arrival)
                .collect(),
            search_s,
        }),
    };
    let measurement_std_s = 2.0 / fs;
    let event_options = EventOptions {
        delay_std_s: options.event.delay_std_s.or(Some(
            (measurement_std_s.powi(2) + 2.0 * options.clock_std_s.powi(2)).sqrt(),
        )),
        ..options.event.clone()
    };
    let located = event::locate_window(
        &recordings,
        &window,
        &event_options,
        &event::scene_locate_options(scene),
    )?;
    let solution = &located.solution;

    // A position that more of the sensors contradict than support is a chance fit
    // among a few of them (a long, diffuse sound such as thunder, or overlapping
    // sounds), not a place to send anyone to.
    if located.rejected.len() >= solution.used.len() {
        return Err(Error::NoEstimate {
            reason: format!(
                "{} sensors support the best position and {} contradict it",
                solution.used.len(),
                located.rejected.len()
            ),
        });
    }

    // Emission time: the onsets of the sensors used, less their travel time.
    let travel = |sensor: usize| {
        distance(solution.position, scene.sensors[sensor].local) / scene.speed_of_sound
    };
    let mut emissions: Vec<f64> = candidate
        .onsets
        .iter()
        .map(|&i| &onsets[i])
        .filter(|o| solution.used.contains(&o.sensor))
        .map(|o| o.time_s - scene.sensors[o.sensor].clock_offset_s - travel(o.sensor))
        .collect();
    emissions.sort_by(f64::total_cmp);
    let time_s = emissions
        .get(emissions.len() / 2)
        .copied()
        .unwrap_or(candidate.emission_s);

    let covariance = solution.covariance;
    let ellipse = ErrorEllipse::from_covariance(
        [
            [covariance[0][0], covariance[0][1]],
            [covariance[1][0], covariance[1][1]],
        ],
        options.confidence,
    )
    .ok();
    Ok(DetectedEvent {
        time_s,
        local: solution.position,
        position: scene.frame.from_local(solution.position)?,
        geodetic: scene.frame.to_geodetic(solution.position),
        position_std: solution.position_std(),
        covariance,
        ellipse,
        residual_rms_s: solution.residual_rms_s,
        used: solution.used.clone(),
        rejected: located.rejected.iter().cloned().chain(uncovered).collect(),
        height_at_bound: solution.height_at_bound,
        onsets: candidate
            .onsets
            .iter()
            .map(|&i| onsets[i].clone())
            .collect(),
        impulses: 1,
    })
}

/// One sound often holds several impulses (glass shatters in a few impacts, a
/// burst of shots): each is located on its own, and those at the same place (within
/// [`SAME_PLACE_M`] or the 95 % ellipse of the first) less than
/// [`DetectOptions::merge_within_s`] after the first are counted into it rather
/// than reported as new events. Two candidates that located the same impulse twice
/// merge the same way.
fn merge_repeats(events: Vec<DetectedEvent>, within_s: f64) -> Vec<DetectedEvent> {
    let mut kept: Vec<DetectedEvent> = Vec::with_capacity(events.len());
    for event in events {
        let first = kept.iter_mut().rev().find(|first| {
            let reach = first
                .ellipse
                .map_or(SAME_PLACE_M, |e| e.semi_major_m.max(SAME_PLACE_M));
            event.time_s - first.time_s < within_s
                && horizontal_distance(first.local, event.local) < reach
        });
        match first {
            Some(first) => {
                first.impulses += 1;
                if event.time_s - first.time_s < DUPLICATE_S && event.used.len() > first.used.len()
                {
                    let impulses = first.impulses;
                    *first = DetectedEvent { impulses, ..event };
                }
            }
            None => kept.push(event),
        }
    }
    kept
}

/// Two events closer than this, metres, horizontally, are at the same place.
pub const SAME_PLACE_M: f64 = 10.0;

/// Two located impulses closer in time than this, seconds, are the same impulse.
const DUPLICATE_S: f64 = 0.1;

/// Distance on the map (east, north), metres.
fn horizontal_distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}
