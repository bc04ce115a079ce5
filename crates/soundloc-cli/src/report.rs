//! Running a scene through the library and printing what came out.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;
use soundloc::event::{
    EventDelays, EventEstimate, EventOptions, SceneAudio, locate_events, measure_delays,
};
use soundloc::geodesy::CoordinateSystem;
use soundloc::scene::{EventWindow, Scene};
use soundloc::weighting::Weighting;

use crate::cli::{Format, SceneArgs};

/// The scene shipped with soundloc, relative to the repository root.
const DEFAULT_SCENE: &str = "datasets/locar-aru9/scene.toml";

/// The scene named on the command line, or the shipped one: looked for in the current
/// folder first, then in the source tree this binary was built from.
fn scene_path(args: &SceneArgs) -> anyhow::Result<PathBuf> {
    if let Some(path) = &args.scene {
        return Ok(path.clone());
    }
    let here = PathBuf::from(DEFAULT_SCENE);
    if here.exists() {
        return Ok(here);
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(DEFAULT_SCENE);
    if built_from.exists() {
        return Ok(built_from);
    }
    bail!("no scene given, and the default {DEFAULT_SCENE} is not in the current folder")
}

/// Loads the scene and its audio, and parses the options.
fn load(args: &SceneArgs) -> anyhow::Result<(Scene, SceneAudio, EventOptions)> {
    let path = scene_path(args)?;
    let scene = Scene::from_file(&path)?;
    if scene.events.is_empty() {
        bail!("{}: the scene has no [[events]] to process", path.display());
    }
    let audio = SceneAudio::load(&scene)?;
    let weighting = Weighting::from_name(&args.weighting).with_context(|| {
        format!(
            "--weighting: expected phat, scot, roth, ht, cc or phat-beta:<beta> with beta in [0, 1], got {:?}",
            args.weighting
        )
    })?;
    let options = EventOptions {
        weighting,
        ..EventOptions::default()
    };
    Ok((scene, audio, options))
}

/// One event of `soundloc locate --format json` (schema in the README).
#[derive(Debug, Serialize)]
struct LocatedEvent {
    label: Option<String>,
    start_s: f64,
    end_s: f64,
    position: Option<[f64; 3]>,
    position_std: Option<[Option<f64>; 3]>,
    lat: Option<f64>,
    lon: Option<f64>,
    alt: Option<f64>,
    residual_rms_s: Option<f64>,
    sensors: Vec<String>,
    rejected: Vec<String>,
    rejection_reasons: Vec<String>,
    ambiguous: Vec<[f64; 3]>,
    height_at_bound: bool,
    error: Option<String>,
}

/// The whole `locate` document.
#[derive(Debug, Serialize)]
struct LocateDocument {
    scene: Option<String>,
    coordinates: String,
    speed_of_sound: f64,
    events: Vec<LocatedEvent>,
}

/// `soundloc locate`: the printed report, and whether every event was located.
pub fn locate(args: &SceneArgs) -> anyhow::Result<(String, bool)> {
    let (scene, audio, options) = load(args)?;
    let results = locate_events(&scene, &audio, &options);

    let events: Vec<LocatedEvent> = scene
        .events
        .iter()
        .zip(&results)
        .map(|(window, result)| located_event(&scene, window, result))
        .collect();
    let all_ok = events.iter().all(|e| e.error.is_none());
    match args.format {
        Format::Json => {
            let document = LocateDocument {
                scene: scene.name.clone(),
                coordinates: describe(&scene.coordinates),
                speed_of_sound: scene.speed_of_sound,
                events,
            };
            Ok((serde_json::to_string_pretty(&document)? + "\n", all_ok))
        }
        Format::Table => Ok((locate_table(&scene, &events)?, all_ok)),
    }
}

/// Converts one result into its JSON record; failures keep their window and message.
fn located_event(
    scene: &Scene,
    window: &EventWindow,
    result: &soundloc::Result<EventEstimate>,
) -> LocatedEvent {
    let id = |k: &usize| scene.sensors[*k].id.clone();
    let mut event = LocatedEvent {
        label: window.label.clone(),
        start_s: window.start_s,
        end_s: window.end_s,
        position: None,
        position_std: None,
        lat: None,
        lon: None,
        alt: None,
        residual_rms_s: None,
        sensors: window.sensors.iter().map(id).collect(),
        rejected: Vec::new(),
        rejection_reasons: Vec::new(),
        ambiguous: Vec::new(),
        height_at_bound: false,
        error: None,
    };
    match result {
        Err(error) => event.error = Some(error.to_string()),
        Ok(estimate) => {
            event.position = Some(estimate.position);
            event.position_std = Some(estimate.position_std.map(|s| s.is_finite().then_some(s)));
            event.lat = estimate.geodetic.map(|g| g.lat_deg);
            event.lon = estimate.geodetic.map(|g| g.lon_deg);
            event.alt = estimate.geodetic.map(|g| g.alt_m);
            event.residual_rms_s = Some(estimate.residual_rms_s);
            event.sensors = estimate.used.iter().map(id).collect();
            event.rejected = estimate.rejected.iter().map(|(k, _)| id(k)).collect();
            event.rejection_reasons = estimate
                .rejected
                .iter()
                .map(|(k, why)| format!("{}: {why}", id(k)))
                .collect();
            event.ambiguous = estimate.ambiguous.clone();
            event.height_at_bound = estimate.height_at_bound;
        }
    }
    event
}

/// The coordinate system in words, for headers and JSON.
pub fn describe(system: &CoordinateSystem) -> String {
    match system {
        CoordinateSystem::Local { .. } => "local east, north, up (m)".into(),
        CoordinateSystem::Utm { zone, north } => {
            format!(
                "UTM zone {zone}{} easting, northing, elevation (m)",
                if *north { "N" } else { "S" }
            )
        }
        CoordinateSystem::Wgs84 => "WGS84 latitude, longitude (deg), altitude (m)".into(),
    }
}

/// Formats a standard deviation, which may be infinite (unobservable).
fn std_text(std: Option<f64>) -> String {
    std.map_or("unobs.".into(), |s| format!("{s:.2}"))
}

fn locate_table(scene: &Scene, events: &[LocatedEvent]) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(
        out,
        "scene {}: {}",
        scene.name.as_deref().unwrap_or("(unnamed)"),
        describe(&scene.coordinates)
    )?;
    writeln!(
        out,
        "{:<8} {:>13} {:>26}  {:>17}  {:>22}  {:>9}  {:<24} rejected",
        "event", "window (s)", "position", "std e/n/u (m)", "lat/lon", "resid ms", "sensors"
    )?;
    for event in events {
        let window = format!("{:.2}-{:.2}", event.start_s, event.end_s);
        let label = event.label.as_deref().unwrap_or("-");
        let (Some(p), Some(std)) = (event.position, event.position_std) else {
            writeln!(
                out,
                "{label:<8} {window:>13}  failed: {}",
                event.error.as_deref().unwrap_or("?")
            )?;
            continue;
        };
        let precision = if matches!(scene.coordinates, CoordinateSystem::Wgs84) {
            7
        } else {
            2
        };
        let position = format!("{:.precision$} {:.precision$} {:.1}", p[0], p[1], p[2]);
        let stds = format!(
            "{}/{}/{}",
            std_text(std[0]),
            std_text(std[1]),
            std_text(std[2])
        );
        let latlon = match (event.lat, event.lon) {
            (Some(lat), Some(lon)) => format!("{lat:.6},{lon:.6}"),
            _ => "-".into(),
        };
        writeln!(
            out,
            "{label:<8} {window:>13} {position:>26}  {stds:>17}  {latlon:>22}  {:>9.3}  {:<24} {}",
            event.residual_rms_s.unwrap_or(0.0) * 1e3,
            event.sensors.join(","),
            if event.rejected.is_empty() {
                "-".into()
            } else {
                event.rejected.join(",")
            }
        )?;
    }
    for event in events {
        for reason in &event.rejection_reasons {
            writeln!(
                out,
                "note: {} at {:.2} s rejected {reason}",
                event.label.as_deref().unwrap_or("event"),
                event.start_s
            )?;
        }
        if !event.ambiguous.is_empty() {
            writeln!(
                out,
                "note: {} at {:.2} s is ambiguous: {} other position(s) fit as well, see --format json",
                event.label.as_deref().unwrap_or("event"),
                event.start_s,
                event.ambiguous.len()
            )?;
        }
        if event.height_at_bound {
            writeln!(
                out,
                "note: {} at {:.2} s sits on a height bound of [solver]: the delays point \
                 beyond it, so the height is the bound's, not a measurement",
                event.label.as_deref().unwrap_or("event"),
                event.start_s,
            )?;
        }
    }
    Ok(out)
}

/// One delay of `soundloc tdoa --format json`.
#[derive(Debug, Serialize)]
struct DelayRecord {
    sensor: String,
    delay_s: f64,
    peak: f64,
    rank: usize,
    unconfirmed: bool,
}

/// One event of `soundloc tdoa --format json`.
#[derive(Debug, Serialize)]
struct TdoaEvent {
    label: Option<String>,
    start_s: f64,
    end_s: f64,
    reference: String,
    delays: Vec<DelayRecord>,
    error: Option<String>,
}

/// `soundloc tdoa`: the printed report, and whether every event was measured.
pub fn tdoa(args: &SceneArgs) -> anyhow::Result<(String, bool)> {
    let mut out = String::new();
    let (scene, audio, options) = load(args)?;
    let events: Vec<TdoaEvent> = scene
        .events
        .iter()
        .zip(locate_events(&scene, &audio, &options))
        .map(|(window, located)| {
            tdoa_event(
                &scene,
                window,
                delays_used(&scene, &audio, window, located, &options),
            )
        })
        .collect();
    let all_ok = events.iter().all(|e| e.error.is_none());
    match args.format {
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "events": events }))?
        )?,
        Format::Table => {
            for event in &events {
                let label = event.label.as_deref().unwrap_or("event");
                writeln!(
                    out,
                    "{label} {:.2}-{:.2} s, reference {}:",
                    event.start_s, event.end_s, event.reference
                )?;
                if let Some(error) = &event.error {
                    writeln!(out, "  failed: {error}")?;
                }
                for d in &event.delays {
                    let flag = if d.unconfirmed {
                        "  unconfirmed by the other pairs"
                    } else {
                        ""
                    };
                    writeln!(
                        out,
                        "  {:<10} {:>+10.3} ms  peak {:.3}  (peak #{}){flag}",
                        d.sensor,
                        d.delay_s * 1e3,
                        d.peak,
                        d.rank + 1
                    )?;
                }
            }
        }
    }
    Ok((out, all_ok))
}

/// The delays `locate` based the event's position on (`located`); for an event that
/// cannot be located (too few sensors for a position), the best consistent delays.
fn delays_used(
    scene: &Scene,
    audio: &SceneAudio,
    window: &EventWindow,
    located: soundloc::Result<EventEstimate>,
    options: &EventOptions,
) -> soundloc::Result<EventDelays> {
    match located {
        Ok(estimate) => Ok(estimate.delays),
        Err(_) => measure_delays(&audio.recordings(scene), window, options),
    }
}

/// Converts one event's delays to the reference into records.
fn tdoa_event(
    scene: &Scene,
    window: &EventWindow,
    result: soundloc::Result<EventDelays>,
) -> TdoaEvent {
    // The reference actually used (the first listed may have been silent).
    let reference_index = result.as_ref().map_or(window.sensors[0], |d| d.reference);
    let reference = scene.sensors[reference_index].id.clone();
    let mut event = TdoaEvent {
        label: window.label.clone(),
        start_s: window.start_s,
        end_s: window.end_s,
        reference,
        delays: Vec::new(),
        error: None,
    };
    match result {
        Err(error) => event.error = Some(error.to_string()),
        Ok(delays) => {
            event.delays = delays
                .measurements
                .iter()
                .filter(|m| m.i == delays.reference)
                .map(|m| DelayRecord {
                    sensor: scene.sensors[m.j].id.clone(),
                    delay_s: m.delay_s,
                    peak: m.peak,
                    rank: m.rank,
                    unconfirmed: delays.unconfirmed.iter().any(|(s, _)| *s == m.j),
                })
                .collect();
        }
    }
    event
}
