//! `soundloc simulate`: write a simulated deployment's recordings, scene and truth.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use soundloc::simulate::{SimulationSpec, simulate};

/// The spec to simulate and where to write.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Simulation spec (TOML).
    pub spec: PathBuf,

    /// Folder for the WAV files, scene.toml and truth.json. Default: the spec's folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs the simulation and returns a short summary.
pub fn run(args: &SimulateArgs) -> anyhow::Result<(String, bool)> {
    let spec = SimulationSpec::from_file(&args.spec)?;
    let out_dir = match &args.out {
        Some(dir) => dir.clone(),
        None => args.spec.parent().unwrap_or(Path::new(".")).to_path_buf(),
    };
    let truth = simulate(&spec, &out_dir)?;

    let heard = truth
        .events
        .iter()
        .filter(|e| {
            e.arrivals
                .iter()
                .filter(|a| a.snr_db.is_some_and(|s| s >= 10.0))
                .count()
                >= 4
        })
        .count();
    let mut summary = format!(
        "simulated \"{}\": {} events, {} sensors, {:.1} s at {} Hz (seed {})\n",
        truth.name,
        truth.events.len(),
        truth.sensors.len(),
        truth.duration_s,
        truth.sample_rate,
        truth.seed
    );
    writeln!(
        summary,
        "{heard} of {} events reach at least 4 sensors at 10 dB SNR or more",
        truth.events.len()
    )?;
    writeln!(
        summary,
        "wrote {} WAV files, scene.toml and truth.json to {}",
        truth.sensors.len(),
        out_dir.display()
    )?;
    for warning in &truth.warnings {
        writeln!(summary, "warning: {warning}")?;
    }
    Ok((summary, truth.warnings.is_empty()))
}
