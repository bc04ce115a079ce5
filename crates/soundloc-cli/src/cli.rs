//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Locate sounds recorded by synchronised microphones (GCC-PHAT and multilateration).
#[derive(Debug, Parser)]
#[command(name = "soundloc", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Locate every annotated event of a scene and print a table (or JSON).
    Locate(SceneArgs),
    /// Print the delays between each event's reference sensor and the others.
    Tdoa(SceneArgs),
    /// Write the recordings, scene and truth of a simulated deployment.
    Simulate(crate::simulate::SimulateArgs),
}

/// The scene to process and how to print the result.
#[derive(Debug, Args)]
pub struct SceneArgs {
    /// Scene file (TOML). Default: datasets/locar-aru9/scene.toml, the real
    /// recordings shipped with soundloc.
    pub scene: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// GCC weighting: phat, scot, roth, ht, cc or phat-beta:B (B in 0..1).
    #[arg(long, default_value = "phat")]
    pub weighting: String,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// One JSON document (schema in the README).
    Json,
}
