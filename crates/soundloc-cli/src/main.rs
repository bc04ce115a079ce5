//! `soundloc`: locate sounds recorded by synchronised microphones.
//!
//! ```text
//! soundloc locate [SCENE] [--format table|json]   position of each annotated event
//! soundloc tdoa SCENE [--format table|json]       delays to each event's reference sensor
//! ```
//!
//! With no scene, `locate` runs on the real recordings in
//! `datasets/locar-aru9/scene.toml`.

mod cli;
mod report;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("Error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs one subcommand; `Ok(1)` when some events could not be processed.
fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let all_ok = match cli.command {
        Command::Locate(args) => report::locate(&args)?,
        Command::Tdoa(args) => report::tdoa(&args)?,
    };
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
