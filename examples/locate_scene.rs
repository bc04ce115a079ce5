//! Locate every annotated event of a scene file from Rust.
//!
//! `cargo run -p soundloc-examples --example locate_scene -- datasets/locar-aru9/scene.toml`

use std::fmt::Write as _;
use std::io::Write as _;

use soundloc::event::{EventOptions, SceneAudio, locate_event};
use soundloc::scene::Scene;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "datasets/locar-aru9/scene.toml".into());
    let scene = Scene::from_file(&path)?;
    let audio = SceneAudio::load(&scene)?;

    let mut report = String::new();
    for window in &scene.events {
        match locate_event(&scene, &audio, window, &EventOptions::default()) {
            Ok(estimate) => {
                let [x, y, z] = estimate.position;
                let [sx, sy, sz] = estimate.position_std;
                writeln!(
                    report,
                    "{:.2}-{:.2} s: ({x:.2}, {y:.2}, {z:.2}) +- ({sx:.2}, {sy:.2}, {sz:.2}) m, \
                     {} sensors used, {} rejected",
                    window.start_s,
                    window.end_s,
                    estimate.used.len(),
                    estimate.rejected.len()
                )?;
            }
            Err(error) => writeln!(
                report,
                "{:.2}-{:.2} s: {error}",
                window.start_s, window.end_s
            )?,
        }
    }

    // Printed at once; a reader that stops early (`| head`) is fine.
    let _ = std::io::stdout().write_all(report.as_bytes());
    Ok(())
}
