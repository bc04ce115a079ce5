//! `soundloc detect`: events found in continuous recordings, written as a table,
//! JSON, CSV or GeoJSON, and optionally drawn on a map.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use soundloc::continuous::{
    DetectOptions, DetectedEvent, Detection, Progress, Stage, detect_events,
};
use soundloc::detect::Onset;
use soundloc::ellipse::ErrorEllipse;
use soundloc::event::EventOptions;
use soundloc::scene::Scene;
use soundloc::weighting::Weighting;

use crate::cli::{DetectArgs, DetectFormat};
use crate::report::describe;

/// Points on each error ellipse drawn in GeoJSON and on the map.
pub const ELLIPSE_POINTS: usize = 72;

/// Runs the detection; returns the scene and what was found.
pub fn run(args: &DetectArgs) -> anyhow::Result<(Scene, Detection)> {
    let scene = Scene::from_file(&args.scene)?;
    let options = options(args)?;

    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {percent:>3}% {elapsed}/{duration}")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    let report = |progress: Progress| {
        let message = match progress.stage {
            Stage::Detecting => "detecting",
            Stage::Locating => "locating",
        };
        if bar.length() != Some(progress.total) {
            bar.reset();
            bar.set_length(progress.total);
            bar.set_message(message);
        }
        bar.set_position(progress.done.max(bar.position()));
    };
    let detection = detect_events(&scene, &options, &report);
    bar.finish_and_clear();
    Ok((scene, detection?))
}

/// The library's defaults, with the command line's overrides.
fn options(args: &DetectArgs) -> anyhow::Result<DetectOptions> {
    let weighting = Weighting::from_name(&args.weighting).with_context(|| {
        format!(
            "--weighting: expected phat, scot, roth, ht, cc or phat-beta:<beta> with beta in [0, 1], got {:?}",
            args.weighting
        )
    })?;
    let mut options = DetectOptions {
        event: EventOptions {
            weighting,
            ..EventOptions::default()
        },
        ..DetectOptions::default()
    };
    if let Some(threshold) = args.threshold_db {
        options.detector.threshold_db = threshold;
    }
    if let Some(min_sensors) = args.min_sensors {
        options.association.min_sensors = min_sensors;
    }
    Ok(options)
}

/// The output in the chosen format.
pub fn render(
    scene: &Scene,
    detection: &Detection,
    format: DetectFormat,
) -> anyhow::Result<String> {
    match format {
        DetectFormat::Table => table(scene, detection),
        DetectFormat::Json => {
            Ok(serde_json::to_string_pretty(&Document::new(scene, detection))? + "\n")
        }
        DetectFormat::Csv => csv(scene, detection),
        DetectFormat::Geojson => geojson(scene, detection),
    }
}

/// An error ellipse as written out: degrees for people, counter-clockwise from east.
#[derive(Debug, Serialize)]
struct EllipseRecord {
    semi_major_m: f64,
    semi_minor_m: f64,
    orientation_deg: f64,
    confidence: f64,
}

impl From<&ErrorEllipse> for EllipseRecord {
    fn from(ellipse: &ErrorEllipse) -> Self {
        EllipseRecord {
            semi_major_m: ellipse.semi_major_m,
            semi_minor_m: ellipse.semi_minor_m,
            orientation_deg: ellipse.orientation_rad.to_degrees(),
            confidence: ellipse.confidence,
        }
    }
}

/// One onset with the sensor's name.
#[derive(Debug, Serialize)]
struct OnsetRecord<'a> {
    sensor_id: &'a str,
    #[serde(flatten)]
    onset: &'a Onset,
}

/// A sensor left out of an event, and why.
#[derive(Debug, Serialize)]
struct Rejected<'a> {
    sensor: &'a str,
    reason: &'a str,
}

/// One event of `soundloc detect --format json`.
#[derive(Debug, Serialize)]
struct EventRecord<'a> {
    index: usize,
    time_s: f64,
    lat: Option<f64>,
    lon: Option<f64>,
    alt: Option<f64>,
    position: [f64; 3],
    local_enu_m: [f64; 3],
    position_std_m: [Option<f64>; 3],
    ellipse: Option<EllipseRecord>,
    residual_rms_ms: f64,
    sensors_used: Vec<&'a str>,
    rejected: Vec<Rejected<'a>>,
    height_at_bound: bool,
    impulses: usize,
    onsets: Vec<OnsetRecord<'a>>,
}

/// A sensor, as written out.
#[derive(Debug, Serialize)]
struct SensorRecord<'a> {
    id: &'a str,
    position: [f64; 3],
    lat: Option<f64>,
    lon: Option<f64>,
    onsets: usize,
}

/// A candidate that could not be located.
#[derive(Debug, Serialize)]
struct UnlocatedRecord<'a> {
    time_s: f64,
    sensors: Vec<&'a str>,
    reason: &'a str,
}

/// A stretch in which one sensor recorded nothing usable.
#[derive(Debug, Serialize)]
struct OutageRecord<'a> {
    sensor: &'a str,
    start_s: f64,
    end_s: f64,
    /// `"flat"` (one value held) or `"ended"` (the file had ended).
    kind: &'static str,
    /// The value held, for a flat outage.
    value: Option<f64>,
    reason: String,
}

/// The whole `detect --format json` document.
#[derive(Debug, Serialize)]
struct Document<'a> {
    scene: Option<&'a str>,
    coordinates: String,
    speed_of_sound: f64,
    duration_s: f64,
    sensors: Vec<SensorRecord<'a>>,
    events: Vec<EventRecord<'a>>,
    unlocated: Vec<UnlocatedRecord<'a>>,
    outages: Vec<OutageRecord<'a>>,
}

impl<'a> Document<'a> {
    fn new(scene: &'a Scene, detection: &'a Detection) -> Self {
        let id = |k: usize| scene.sensors[k].id.as_str();
        let sensors = scene
            .sensors
            .iter()
            .zip(&detection.onsets_per_sensor)
            .map(|(sensor, &onsets)| {
                let geodetic = scene.frame.to_geodetic(sensor.local);
                SensorRecord {
                    id: &sensor.id,
                    position: sensor.position,
                    lat: geodetic.map(|g| g.lat_deg),
                    lon: geodetic.map(|g| g.lon_deg),
                    onsets,
                }
            })
            .collect();
        let events = detection
            .events
            .iter()
            .enumerate()
            .map(|(index, event)| EventRecord {
                index,
                time_s: event.time_s,
                lat: event.geodetic.map(|g| g.lat_deg),
                lon: event.geodetic.map(|g| g.lon_deg),
                alt: event.geodetic.map(|g| g.alt_m),
                position: event.position,
                local_enu_m: event.local,
                position_std_m: event.position_std.map(|s| s.is_finite().then_some(s)),
                ellipse: event.ellipse.as_ref().map(EllipseRecord::from),
                residual_rms_ms: event.residual_rms_s * 1e3,
                sensors_used: event.used.iter().map(|&k| id(k)).collect(),
                rejected: event
                    .rejected
                    .iter()
                    .map(|(k, reason)| Rejected {
                        sensor: id(*k),
                        reason,
                    })
                    .collect(),
                height_at_bound: event.height_at_bound,
                impulses: event.impulses,
                onsets: event
                    .onsets
                    .iter()
                    .map(|onset| OnsetRecord {
                        sensor_id: id(onset.sensor),
                        onset,
                    })
                    .collect(),
            })
            .collect();
        let unlocated = detection
            .unlocated
            .iter()
            .map(|missed| UnlocatedRecord {
                time_s: missed.time_s,
                sensors: missed.sensors.iter().map(|&k| id(k)).collect(),
                reason: &missed.reason,
            })
            .collect();
        let outages = detection
            .outages
            .iter()
            .map(|outage| OutageRecord {
                sensor: id(outage.sensor),
                start_s: outage.start_s,
                end_s: outage.end_s,
                kind: outage.kind.name(),
                value: outage.kind.value(),
                reason: outage.to_string(),
            })
            .collect();
        Document {
            scene: scene.name.as_deref(),
            coordinates: describe(&scene.coordinates),
            speed_of_sound: scene.speed_of_sound,
            duration_s: detection.duration_s,
            sensors,
            events,
            unlocated,
            outages,
        }
    }
}

/// The strongest onset of an event: its features stand for the event in one row.
fn strongest_onset(event: &DetectedEvent) -> Option<&Onset> {
    event
        .onsets
        .iter()
        .max_by(|a, b| a.snr_db.total_cmp(&b.snr_db))
}

/// Sensor ids joined for one cell.
fn ids(scene: &Scene, sensors: impl Iterator<Item = usize>) -> String {
    sensors
        .map(|k| scene.sensors[k].id.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn table(scene: &Scene, detection: &Detection) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(
        out,
        "scene {}: {} sensors, {:.1} s of audio, {} onsets, {} events located, {} candidates not located",
        scene.name.as_deref().unwrap_or("(unnamed)"),
        scene.sensors.len(),
        detection.duration_s,
        detection.onsets_per_sensor.iter().sum::<usize>(),
        detection.events.len(),
        detection.unlocated.len()
    )?;
    let geo =
        scene.frame.origin().is_some() && detection.events.iter().all(|e| e.geodetic.is_some());
    let place = if geo {
        format!("{:>11} {:>11}", "lat", "lon")
    } else {
        format!("{:>11} {:>11}", "x (m)", "y (m)")
    };
    writeln!(
        out,
        "{:>3} {:>9} {place} {:>21} {:>8} {:>6} {:>5}  rejected",
        "#", "time (s)", "95% ellipse (m, deg)", "res (ms)", "SNR dB", "used"
    )?;
    for (index, event) in detection.events.iter().enumerate() {
        let place = match event.geodetic {
            Some(g) if geo => format!("{:>11.6} {:>11.6}", g.lat_deg, g.lon_deg),
            _ => format!("{:>11.2} {:>11.2}", event.position[0], event.position[1]),
        };
        let ellipse = event.ellipse.as_ref().map_or("unbounded".into(), |e| {
            format!(
                "{:.2} x {:.2} @ {:.0}",
                e.semi_major_m,
                e.semi_minor_m,
                e.orientation_rad.to_degrees()
            )
        });
        let snr = strongest_onset(event).map_or(f64::NAN, |o| o.snr_db);
        writeln!(
            out,
            "{index:>3} {:>9.3} {place} {ellipse:>21} {:>8.3} {snr:>6.1} {:>5}  {}",
            event.time_s,
            event.residual_rms_s * 1e3,
            event.used.len(),
            ids(scene, event.rejected.iter().map(|(k, _)| *k)),
        )?;
    }
    let reasons: Vec<String> = detection
        .events
        .iter()
        .enumerate()
        .flat_map(|(index, event)| {
            event
                .rejected
                .iter()
                .map(move |(k, why)| format!("  event {index}: \"{}\" {why}", scene.sensors[*k].id))
        })
        .collect();
    if !reasons.is_empty() {
        writeln!(out, "rejected sensors:\n{}", reasons.join("\n"))?;
    }
    if !detection.outages.is_empty() {
        writeln!(out, "sensors out:")?;
        for outage in &detection.outages {
            writeln!(out, "  \"{}\" {outage}", scene.sensors[outage.sensor].id)?;
        }
    }
    if !detection.unlocated.is_empty() {
        writeln!(out, "candidates not located:")?;
        for missed in &detection.unlocated {
            writeln!(
                out,
                "  at {:.3} s ({}): {}",
                missed.time_s,
                ids(scene, missed.sensors.iter().copied()),
                missed.reason
            )?;
        }
    }
    Ok(out)
}

/// One row of `detect --format csv`.
#[derive(Debug, Serialize)]
struct CsvRow {
    index: usize,
    time_s: f64,
    lat: Option<f64>,
    lon: Option<f64>,
    alt: Option<f64>,
    x: f64,
    y: f64,
    z: f64,
    std_east_m: Option<f64>,
    std_north_m: Option<f64>,
    std_up_m: Option<f64>,
    semi_major_m: Option<f64>,
    semi_minor_m: Option<f64>,
    orientation_deg: Option<f64>,
    residual_rms_ms: f64,
    n_used: usize,
    impulses: usize,
    used: String,
    rejected: String,
    snr_db: Option<f64>,
    level_dbfs: Option<f64>,
    crest_factor: Option<f64>,
}

fn csv(scene: &Scene, detection: &Detection) -> anyhow::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for (index, event) in detection.events.iter().enumerate() {
        let finite = |v: f64| v.is_finite().then_some(v);
        let strongest = strongest_onset(event);
        writer.serialize(CsvRow {
            index,
            time_s: event.time_s,
            lat: event.geodetic.map(|g| g.lat_deg),
            lon: event.geodetic.map(|g| g.lon_deg),
            alt: event.geodetic.map(|g| g.alt_m),
            x: event.position[0],
            y: event.position[1],
            z: event.position[2],
            std_east_m: finite(event.position_std[0]),
            std_north_m: finite(event.position_std[1]),
            std_up_m: finite(event.position_std[2]),
            semi_major_m: event.ellipse.map(|e| e.semi_major_m),
            semi_minor_m: event.ellipse.map(|e| e.semi_minor_m),
            orientation_deg: event.ellipse.map(|e| e.orientation_rad.to_degrees()),
            residual_rms_ms: event.residual_rms_s * 1e3,
            n_used: event.used.len(),
            impulses: event.impulses,
            used: ids(scene, event.used.iter().copied()),
            rejected: ids(scene, event.rejected.iter().map(|(k, _)| *k)),
            snr_db: strongest.map(|o| o.snr_db),
            level_dbfs: strongest.map(|o| o.level_dbfs),
            crest_factor: strongest.map(|o| o.crest_factor),
        })?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

/// Longitude and latitude (GeoJSON's order) of a local point, degrees.
fn lon_lat(scene: &Scene, local: [f64; 3]) -> anyhow::Result<[f64; 2]> {
    match scene.frame.to_geodetic(local) {
        Some(g) => Ok([g.lon_deg, g.lat_deg]),
        None => bail!(
            "GeoJSON needs latitude and longitude, and this scene's coordinates ({}) have none: \
             use wgs84 or utm, or give the local frame an origin",
            describe(&scene.coordinates)
        ),
    }
}

fn properties(value: serde_json::Value) -> Option<geojson::JsonObject> {
    match value {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

fn feature(geometry: geojson::GeometryValue, value: serde_json::Value) -> geojson::Feature {
    geojson::Feature {
        geometry: Some(geojson::Geometry::new(geometry)),
        properties: properties(value),
        ..geojson::Feature::default()
    }
}

fn geojson(scene: &Scene, detection: &Detection) -> anyhow::Result<String> {
    let document = Document::new(scene, detection);
    let mut features = Vec::new();

    for (event, record) in detection.events.iter().zip(&document.events) {
        let mut value = serde_json::to_value(record)?;
        value["kind"] = "event".into();
        features.push(feature(
            geojson::GeometryValue::new_point(lon_lat(scene, event.local)?),
            value,
        ));
        if let Some(ellipse) = &event.ellipse {
            let mut ring = ellipse
                .boundary(ELLIPSE_POINTS)
                .into_iter()
                .map(|[east, north]| {
                    lon_lat(
                        scene,
                        [
                            event.local[0] + east,
                            event.local[1] + north,
                            event.local[2],
                        ],
                    )
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            ring.push(ring[0]);
            features.push(feature(
                geojson::GeometryValue::new_polygon([ring]),
                serde_json::json!({
                    "kind": "error_ellipse",
                    "event": record.index,
                    "confidence": ellipse.confidence,
                    "semi_major_m": ellipse.semi_major_m,
                    "semi_minor_m": ellipse.semi_minor_m,
                }),
            ));
        }
    }
    for (sensor, record) in scene.sensors.iter().zip(&document.sensors) {
        let mut value = serde_json::to_value(record)?;
        value["kind"] = "sensor".into();
        features.push(feature(
            geojson::GeometryValue::new_point(lon_lat(scene, sensor.local)?),
            value,
        ));
    }

    let collection = geojson::FeatureCollection::new(features);
    Ok(serde_json::to_string_pretty(&collection)? + "\n")
}
