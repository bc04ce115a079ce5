//! The simulator's files: determinism for a seed, independence from the chunk length, a
//! truth in the written scene's frame, and spec errors that name the field.

use std::path::{Path, PathBuf};

use soundloc::scene::Scene;
use soundloc::simulate::{SimulationSpec, Truth, simulate, simulate_in_chunks};

/// The repository's clips.
fn clips() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/clips")
}

fn test_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("soundloc-simout-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small WGS84 scene near 45.44 N with four sensors, the city background and two events,
/// the second 0.05 s before the 1 s mark (so it spans chunk boundaries); `edits` replace
/// text in it.
fn spec_text(seed: u64, edits: &[(&str, &str)]) -> String {
    let mut text = format!(
        r#"
name = "small"
seed = {seed}
sample_rate = 16000
duration_s = 2.0
full_scale_db = 130.0
ground_alt_m = 520.0

[air]
temperature_c = 15.0
humidity_percent = 60.0

[coordinates]
system = "wgs84"

[propagation]
clock_jitter_us = 30.0

[background]
clip = "{clips}/city_ambience.wav"
level_db = 55.0

[solver]
dimension = 3
height_min_m = 519.0
height_max_m = 530.0

[[sensors]]
id = "N"
position = [45.4410, 4.3800, 524.0]

[[sensors]]
id = "E"
position = [45.4400, 4.3815, 524.0]

[[sensors]]
id = "S"
position = [45.4390, 4.3800, 524.0]

[[sensors]]
id = "W"
position = [45.4400, 4.3785, 523.0]
noise_db = 62.0

[[events]]
time_s = 0.2
position = [45.4402, 4.3803, 521.0]
clip = "{clips}/board_clap.wav"
level_db = 120.0
nlos = [{{ sensor = "E", extra_delay_ms = 3.0, attenuation_db = 8.0 }}]

[[events]]
time_s = 0.95
position = [45.4396, 4.3790, 521.0]
clip = "{clips}/glass_breaking.wav"
level_db = 115.0
"#,
        clips = clips().display()
    );
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    text
}

fn spec(dir: &Path, seed: u64) -> SimulationSpec {
    let path = dir.join("spec.toml");
    std::fs::write(&path, spec_text(seed, &[])).unwrap();
    SimulationSpec::from_file(&path).unwrap()
}

/// The bytes of every WAV file of a simulation, in sensor order.
fn wav_bytes(dir: &Path, truth: &Truth) -> Vec<Vec<u8>> {
    truth
        .sensors
        .iter()
        .map(|s| std::fs::read(dir.join(format!("{}.wav", s.id))).unwrap())
        .collect()
}

#[test]
fn a_seed_gives_the_same_files_and_another_seed_other_noise() {
    let (first, second, other) = (test_dir("seed-a"), test_dir("seed-b"), test_dir("seed-c"));
    let truth = simulate(&spec(&first, 11), &first).unwrap();
    let again = simulate(&spec(&second, 11), &second).unwrap();
    let reseeded = simulate(&spec(&other, 12), &other).unwrap();

    assert_eq!(truth, again);
    assert_eq!(wav_bytes(&first, &truth), wav_bytes(&second, &again));
    for (a, b) in wav_bytes(&first, &truth)
        .iter()
        .zip(wav_bytes(&other, &reseeded))
    {
        assert_ne!(a, &b);
    }
    assert_ne!(
        truth.events[0].arrivals[0].clock_error_s,
        reseeded.events[0].arrivals[0].clock_error_s
    );
}

#[test]
fn the_chunk_length_does_not_change_a_sample() {
    // Chunks of 0.37 s cut both events and the background segments at odd places.
    let (whole, chunked) = (test_dir("chunk-whole"), test_dir("chunk-small"));
    let truth = simulate(&spec(&whole, 3), &whole).unwrap();
    let chunked_truth = simulate_in_chunks(&spec(&chunked, 3), &chunked, 0.37).unwrap();
    assert_eq!(truth, chunked_truth);
    assert_eq!(
        wav_bytes(&whole, &truth),
        wav_bytes(&chunked, &chunked_truth)
    );
}

#[test]
fn the_truth_is_in_the_written_scenes_frame() {
    let dir = test_dir("frame");
    let spec = spec(&dir, 4);
    let truth = simulate(&spec, &dir).unwrap();
    let scene = Scene::from_file(dir.join("scene.toml")).unwrap();
    assert_eq!(Truth::from_file(dir.join("truth.json")).unwrap(), truth);

    assert_eq!(scene.sensors.len(), truth.sensors.len());
    assert_eq!(scene.solver, spec.solver);
    assert!((scene.speed_of_sound - truth.speed_of_sound).abs() < 1e-12);
    for (sensor, in_truth) in scene.sensors.iter().zip(&truth.sensors) {
        assert_eq!(sensor.id, in_truth.id);
        assert_close(sensor.local, in_truth.local);
    }
    for event in &truth.events {
        assert_close(scene.frame.to_local(event.position).unwrap(), event.local);

        // Arrivals: emission + distance / c + blocked delay + clock error.
        for (arrival, sensor) in event.arrivals.iter().zip(&scene.sensors) {
            let distance = (0..3)
                .map(|a| (sensor.local[a] - event.local[a]).powi(2))
                .sum::<f64>()
                .sqrt();
            let expected = event.time_s
                + distance / scene.speed_of_sound
                + arrival.extra_delay_s
                + arrival.clock_error_s;
            assert!((arrival.arrival_s - expected).abs() < 1e-12);
            assert!(arrival.clock_error_s.abs() < 5.0 * 30e-6);
        }
    }
}

/// Two local positions agree to a nanometre.
fn assert_close(a: [f64; 3], b: [f64; 3]) {
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-9, "{a:?} vs {b:?}");
    }
}

/// A mistake in the spec: its name, the text edits that make it, and what the message must
/// say.
type Mistake = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

/// The error of loading `spec_text` with `edits`, as text.
fn spec_error(test: &str, edits: &[(&str, &str)]) -> String {
    let dir = test_dir(test);
    let path = dir.join("spec.toml");
    std::fs::write(&path, spec_text(1, edits)).unwrap();
    SimulationSpec::from_file(&path).unwrap_err().to_string()
}

#[test]
fn spec_errors_name_the_field() {
    let cases: [Mistake; 6] = [
        (
            "latitude",
            &[("[45.4400, 4.3815, 524.0]", "[95.44, 4.3815, 524.0]")],
            &["sensors[1].position", "latitude", "95.44"],
        ),
        (
            "nlos-sensor",
            &[(r#"sensor = "E""#, r#"sensor = "Q""#)],
            &["events[0].nlos[0].sensor", "\"Q\""],
        ),
        (
            "clip",
            &[("glass_breaking.wav", "no_such_clip.wav")],
            &["events[1].clip", "no_such_clip.wav"],
        ),
        (
            "duration",
            &[("duration_s = 2.0", "duration_s = -2.0")],
            &["duration_s", "-2"],
        ),
        (
            "time",
            &[("time_s = 0.95", "time_s = 2.5")],
            &["events[1].time_s", "2.5"],
        ),
        (
            "unknown",
            &[("level_db = 55.0", "level_db = 55.0\nlevel = 3")],
            &["background.level", "unknown field"],
        ),
    ];
    for (test, edits, needles) in cases {
        let error = spec_error(test, edits);
        for needle in needles {
            assert!(error.contains(needle), "{test}: {error}");
        }
        assert!(error.contains("spec.toml"), "{error}");
    }
}
