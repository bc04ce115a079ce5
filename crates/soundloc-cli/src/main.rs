//! `soundloc`: locate sounds recorded by synchronised microphones.
//!
//! ```text
//! soundloc locate [SCENE] [--format table|json]   position of each annotated event
//! soundloc tdoa SCENE [--format table|json]       delays to each event's reference sensor
//! soundloc simulate SPEC [--out DIR]              recordings, scene and truth of a simulation
//! ```
//!
//! With no scene, `locate` runs on the real recordings in
//! `datasets/locar-aru9/scene.toml`.

mod cli;
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
        Command::Simulate(args) => simulate::run(&args)?,
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
