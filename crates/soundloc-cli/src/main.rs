//! `soundloc`: locate sounds recorded by synchronised microphones.
//!
//! ```text
//! soundloc locate [SCENE] [--format table|json]   position of each annotated event
//! soundloc tdoa SCENE [--format table|json]       delays to each event's reference sensor
//! soundloc detect SCENE [--format table|json|csv|geojson] [--output FILE] [--map MAP.png]
//!                                                 events found in continuous recordings
//! soundloc simulate SPEC [--out DIR]              recordings, scene and truth of a simulation
//! soundloc doa SCENE [--format table|json]        directions from one compact array
//! ```
//!
//! With no scene, `locate` runs on the real recordings in
//! `datasets/locar-aru9/scene.toml`.

mod cli;
mod detect;
mod doa;
mod map;
mod report;
mod simulate;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("Error: {error}");
            ExitCode::from(2)
        }
    }
}

/// Runs one subcommand; exit code 1 when some events could not be processed (or a
/// simulation clipped).
fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let (report, all_ok) = match cli.command {
        Command::Locate(args) => report::locate(&args)?,
        Command::Tdoa(args) => report::tdoa(&args)?,
        Command::Detect(args) => detect_command(&args)?,
        Command::Simulate(args) => simulate::run(&args)?,
        Command::Doa(args) => doa::run(&args)?,
    };

    // A reader that stops early (`| head`) is not an error.
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(report.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `soundloc detect`: the output goes to `--output` when given (a one-line summary
/// is printed instead), the map to `--map`.
fn detect_command(args: &cli::DetectArgs) -> anyhow::Result<(String, bool)> {
    // Output paths are checked before the work, not after it.
    for (flag, path) in [("--output", &args.output), ("--map", &args.map)] {
        if let Some(path) = path {
            let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
            if folder.is_some_and(|f| !f.is_dir()) {
                anyhow::bail!("{flag} {}: its folder does not exist", path.display());
            }
        }
    }
    if let Some(map) = &args.map {
        let png = map
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("png"));
        if !png {
            anyhow::bail!("--map {}: expected a .png file name", map.display());
        }
    }

    let (scene, detection) = detect::run(args)?;
    if let Some(path) = &args.map {
        map::draw(&scene, &detection, path)?;
    }
    let text = detect::render(&scene, &detection, args.format)?;
    match &args.output {
        None => Ok((text, true)),
        Some(path) => {
            std::fs::write(path, text)
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
            Ok((
                format!(
                    "{} events written to {}\n",
                    detection.events.len(),
                    path.display()
                ),
                true,
            ))
        }
    }
}
