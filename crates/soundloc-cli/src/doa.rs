//! `soundloc doa`: directions (or near-field positions) from one compact array, per
//! frame or per window, as a table (degrees) or JSON (radians and degrees).

use std::fmt::Write;

use serde::Serialize;
use soundloc::array::Ambiguity;
use soundloc::doa::SourceEstimate;
use soundloc::doa::analyse::{SceneDirections, analyse};
use soundloc::doa::scene::{ArrayScene, DoaMethod};

use crate::cli::{DoaArgs, Format};

/// Runs `soundloc doa` and returns the report, and whether every frame or window gave
/// an estimate.
pub fn run(args: &DoaArgs) -> anyhow::Result<(String, bool)> {
    let mut scene = ArrayScene::from_file(&args.scene)?;
    if let Some(method) = args.method {
        scene.settings.method = method.into();
    }
    if let Some(n_sources) = args.n_sources {
        anyhow::ensure!(n_sources >= 1, "--n-sources: expected at least 1, got 0");
        scene.settings.n_sources = n_sources;
    }
    let found = analyse(&scene)?;
    let all_ok = found.windows.iter().all(|w| w.failure.is_none());

    let report = match args.format {
        Format::Table => table(&scene, &found),
        Format::Json => serde_json::to_string_pretty(&document(&scene, &found))? + "\n",
    };
    Ok((report, all_ok))
}

#[derive(Serialize)]
struct Document<'a> {
    scene: String,
    method: &'static str,
    sample_rate_hz: f64,
    freq_range_hz: [f64; 2],
    grid_points: usize,
    speed_of_sound_m_s: f64,
    windows: Vec<WindowJson<'a>>,
}

#[derive(Serialize)]
struct WindowJson<'a> {
    start_s: f64,
    end_s: f64,
    label: Option<&'a str>,
    sources: Vec<SourceJson>,
    failure: Option<&'a str>,
}

#[derive(Serialize)]
struct SourceJson {
    azimuth_rad: Option<f64>,
    colatitude_rad: Option<f64>,
    azimuth_deg: Option<f64>,
    elevation_deg: Option<f64>,
    position_m: Option<[f64; 3]>,
    power: f64,
    ambiguity: &'static str,
    mirror_azimuth_rad: Option<f64>,
    mirror_colatitude_rad: Option<f64>,
    mirror_azimuth_deg: Option<f64>,
    mirror_elevation_deg: Option<f64>,
    cone_half_angle_rad: Option<f64>,
    cone_half_angle_deg: Option<f64>,
}

fn method_name(method: DoaMethod) -> &'static str {
    match method {
        DoaMethod::Srp => "srp-phat",
        DoaMethod::Music => "music",
        DoaMethod::NormMusic => "normmusic",
    }
}

fn document<'a>(scene: &'a ArrayScene, found: &'a SceneDirections) -> Document<'a> {
    Document {
        scene: scene.path.display().to_string(),
        method: method_name(scene.settings.method),
        sample_rate_hz: found.sample_rate,
        freq_range_hz: [found.freq_range_hz.0, found.freq_range_hz.1],
        grid_points: found.grid_points,
        speed_of_sound_m_s: scene.speed_of_sound,
        windows: found
            .windows
            .iter()
            .map(|w| WindowJson {
                start_s: w.start_s,
                end_s: w.end_s,
                label: w.label.as_deref(),
                sources: w.sources.iter().map(source_json).collect(),
                failure: w.failure.as_deref(),
            })
            .collect(),
    }
}

fn source_json(source: &SourceEstimate) -> SourceJson {
    let mut json = SourceJson {
        azimuth_rad: None,
        colatitude_rad: None,
        azimuth_deg: None,
        elevation_deg: None,
        position_m: None,
        power: source.power(),
        ambiguity: "none",
        mirror_azimuth_rad: None,
        mirror_colatitude_rad: None,
        mirror_azimuth_deg: None,
        mirror_elevation_deg: None,
        cone_half_angle_rad: None,
        cone_half_angle_deg: None,
    };
    match source {
        SourceEstimate::Direction(d) => {
            json.azimuth_rad = Some(d.direction.azimuth);
            json.colatitude_rad = Some(d.direction.colatitude);
            json.azimuth_deg = Some(d.direction.azimuth.to_degrees());
            json.elevation_deg = Some(d.direction.elevation().to_degrees());
            match d.ambiguity {
                Ambiguity::None => {}
                Ambiguity::Mirror { mirror } => {
                    json.ambiguity = "mirror";
                    json.mirror_azimuth_rad = Some(mirror.azimuth);
                    json.mirror_colatitude_rad = Some(mirror.colatitude);
                    json.mirror_azimuth_deg = Some(mirror.azimuth.to_degrees());
                    json.mirror_elevation_deg = Some(mirror.elevation().to_degrees());
                }
                Ambiguity::Cone { half_angle, .. } => {
                    json.ambiguity = "cone";
                    json.cone_half_angle_rad = Some(half_angle);
                    json.cone_half_angle_deg = Some(half_angle.to_degrees());
                }
            }
        }
        SourceEstimate::Position(p) => json.position_m = Some(p.position),
    }
    json
}

/// One line per frame or window and source: degrees for directions, metres for positions.
fn table(scene: &ArrayScene, found: &SceneDirections) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} microphones, {} at {} Hz, band {:.0}-{:.0} Hz, {} grid points",
        scene.name.as_deref().unwrap_or("array scene"),
        scene.array.len(),
        method_name(scene.settings.method),
        found.sample_rate,
        found.freq_range_hz.0,
        found.freq_range_hz.1,
        found.grid_points
    );
    let near = found.grid_kind == soundloc::doa::grid::GridKind::NearField;
    let header = if near {
        format!(
            "{:>9} {:>9} {:<12} {:>3} {:>8} {:>8} {:>8} {:>10}",
            "start_s", "end_s", "label", "#", "x_m", "y_m", "z_m", "power"
        )
    } else {
        format!(
            "{:>9} {:>9} {:<12} {:>3} {:>8} {:>8} {:>10}  note",
            "start_s", "end_s", "label", "#", "az_deg", "elev_deg", "power"
        )
    };
    let _ = writeln!(out, "{header}");

    for w in &found.windows {
        let label = w.label.as_deref().unwrap_or("-");
        if let Some(failure) = &w.failure {
            let _ = writeln!(
                out,
                "{:>9.3} {:>9.3} {label:<12}   - {failure}",
                w.start_s, w.end_s
            );
        }
        for (rank, source) in w.sources.iter().enumerate() {
            let line = match source {
                SourceEstimate::Position(p) => format!(
                    "{:>8.3} {:>8.3} {:>8.3} {:>10.3e}",
                    p.position[0], p.position[1], p.position[2], p.power
                ),
                SourceEstimate::Direction(d) => {
                    let note = match d.ambiguity {
                        Ambiguity::None => String::new(),
                        Ambiguity::Mirror { mirror } => format!(
                            "or its mirror at elev {:.1}",
                            mirror.elevation().to_degrees()
                        ),
                        Ambiguity::Cone { half_angle, .. } => format!(
                            "anywhere on a cone {:.1} deg from the array axis",
                            half_angle.to_degrees()
                        ),
                    };
                    format!(
                        "{:>8.2} {:>8.2} {:>10.3e}  {note}",
                        d.direction.azimuth.to_degrees(),
                        d.direction.elevation().to_degrees(),
                        d.power
                    )
                }
            };
            let _ = writeln!(
                out,
                "{:>9.3} {:>9.3} {label:<12} {:>3} {line}",
                w.start_s,
                w.end_s,
                rank + 1
            );
        }
    }
    out
}
