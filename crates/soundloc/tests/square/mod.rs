//! The small simulated scene that the continuous-detection tests share: five sensors
//! around a 120 m square, 4 to 7 m up, in city noise (45 dB), with board claps (120 dB)
//! where each test puts them. SIMULATED by `soundloc::simulate` from this spec.

use std::fmt::Write as _;
use std::path::PathBuf;

/// A folder of `datasets/`.
pub fn dataset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets")
        .join(name)
}

/// The simulation spec (TOML) of the square: `duration_s` of audio, at `sample_rate` Hz
/// (the simulator's default when `None`), a clap at each `(time_s, [x, y, z])`.
pub fn square_spec(
    seed: u64,
    duration_s: f64,
    sample_rate: Option<u32>,
    claps: &[(f64, [f64; 3])],
) -> String {
    let clips = dataset("clips");
    let mut text = format!("name = \"square\"\nseed = {seed}\nduration_s = {duration_s}\n");
    if let Some(rate) = sample_rate {
        writeln!(text, "sample_rate = {rate}").unwrap();
    }
    writeln!(
        text,
        "ground_alt_m = 0.0\n[air]\ntemperature_c = 15.0\nhumidity_percent = 60.0\n\
         [coordinates]\nsystem = \"local\"\n\
         [background]\nclip = \"{}\"\nlevel_db = 45.0\n\
         [solver]\ndimension = 3\nheight_min_m = -1.0\nheight_max_m = 10.0",
        clips.join("city_ambience.wav").display()
    )
    .unwrap();

    let layout = [
        [-60.0, -60.0, 4.0],
        [60.0, -55.0, 4.5],
        [65.0, 60.0, 3.8],
        [-55.0, 65.0, 5.0],
        [5.0, 0.0, 7.0],
    ];
    for (k, p) in layout.iter().enumerate() {
        writeln!(
            text,
            "[[sensors]]\nid = \"S{k}\"\nposition = [{}, {}, {}]",
            p[0], p[1], p[2]
        )
        .unwrap();
    }
    for (time, position) in claps {
        writeln!(
            text,
            "[[events]]\ntime_s = {time}\nposition = [{}, {}, {}]\nclip = \"{}\"\nlevel_db = 120.0",
            position[0],
            position[1],
            position[2],
            clips.join("board_clap.wav").display()
        )
        .unwrap();
    }
    text
}
