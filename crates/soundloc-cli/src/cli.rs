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
    /// Find, associate and locate impulsive events in continuous recordings.
    Detect(DetectArgs),
    /// Write the recordings, scene and truth of a simulated deployment.
    Simulate(crate::simulate::SimulateArgs),
    /// Directions of arrival from one compact array, per frame or per window.
    Doa(DoaArgs),
}

/// `soundloc doa`: an array scene and how to print its directions.
#[derive(Debug, Args)]
pub struct DoaArgs {
    /// Array scene file (TOML): one multichannel recording and the capsule positions.
    pub scene: PathBuf,

    /// Output format (the table prints degrees; JSON gives radians and degrees).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Override the scene's method.
    #[arg(long, value_enum)]
    pub method: Option<DoaMethodArg>,

    /// Override the scene's number of sources per frame or window.
    #[arg(long)]
    pub n_sources: Option<usize>,
}

/// Methods of `soundloc doa`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoaMethodArg {
    /// SRP-PHAT: steered response power with the phase transform.
    Srp,
    /// Broadband MUSIC.
    Music,
    /// MUSIC with each frequency normalised (NormMUSIC).
    Normmusic,
}

impl From<DoaMethodArg> for soundloc::doa::scene::DoaMethod {
    fn from(method: DoaMethodArg) -> Self {
        match method {
            DoaMethodArg::Srp => Self::Srp,
            DoaMethodArg::Music => Self::Music,
            DoaMethodArg::Normmusic => Self::NormMusic,
        }
    }
}

/// `soundloc detect`: the scene, the outputs, and the main thresholds.
#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Scene file (TOML) whose sensors recorded continuously (no [[events]] needed).
    pub scene: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DetectFormat::Table)]
    pub format: DetectFormat,

    /// Write the output to this file instead of the standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,

    /// Also draw sensors, events and their error ellipses on a metric map (PNG).
    #[arg(long)]
    pub map: Option<PathBuf>,

    /// GCC weighting: phat, scot, roth, ht, cc or phat-beta:B (B in 0..1).
    #[arg(long, default_value = "phat")]
    pub weighting: String,

    /// Onset threshold: rise of a sensor's band level above its noise floor, dB.
    #[arg(long)]
    pub threshold_db: Option<f64>,

    /// The fewest sensors whose onsets must fit one source.
    #[arg(long)]
    pub min_sensors: Option<usize>,

    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Output formats of `soundloc detect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DetectFormat {
    /// A table for people.
    Table,
    /// One JSON document (schema in the README).
    Json,
    /// One row per event.
    Csv,
    /// A FeatureCollection: event points, error-ellipse polygons, sensor points.
    Geojson,
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
