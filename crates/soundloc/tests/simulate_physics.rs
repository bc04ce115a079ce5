//! The simulator against the physics it claims: exact arrival times, 1/r spreading, the
//! ground reflection at the image source's delay, blocked paths, and background noise that
//! does not correlate between sensors.

use std::path::{Path, PathBuf};

use soundloc::audio::read_wav;
use soundloc::gcc::{GccConfig, GccPhat};
use soundloc::simulate::{SimulationSpec, Truth, simulate};

/// Rate of the test clip, Hz.
const CLIP_RATE: u32 = 22_050;

/// Rate of the simulated scenes, Hz.
const SCENE_RATE: f64 = 16_000.0;

/// A Gaussian tone burst at time `t` seconds after the clip's start: 2 kHz under a 2 ms
/// envelope centred at 10 ms, band-limited far below both Nyquist frequencies.
fn burst(t: f64) -> f64 {
    let centred = t - 0.010;
    (-(centred / 0.002).powi(2)).exp() * (2.0 * std::f64::consts::PI * 2000.0 * centred).cos()
}

/// A fresh folder for one test, holding `burst.wav` (20 ms of [`burst`] at 22.05 kHz).
fn test_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("soundloc-sim-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let format = hound::WavSpec {
        channels: 1,
        sample_rate: CLIP_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(dir.join("burst.wav"), format).unwrap();
    for n in 0..(0.020 * CLIP_RATE as f64) as usize {
        let value = 0.5 * burst(n as f64 / CLIP_RATE as f64);
        writer
            .write_sample((value * 32_767.0).round() as i16)
            .unwrap();
    }
    writer.finalize().unwrap();
    dir
}

/// A noiseless local scene at 16 kHz: sensors A at the origin and B 50 m east (both 4 m
/// up), one burst from `source` at 0.1 s; `extra` is appended to the spec.
fn noiseless_spec(dir: &Path, source: [f64; 3], reflection: bool, extra: &str) -> SimulationSpec {
    let text = format!(
        r#"
name = "physics"
seed = 1
sample_rate = 16000
duration_s = 0.6
full_scale_db = 100.0
ground_alt_m = 0.0

[air]
temperature_c = 20.0
humidity_percent = 50.0
absorption = false

[coordinates]
system = "local"

[propagation]
ground_reflection = {reflection}

[[sensors]]
id = "A"
position = [0.0, 0.0, 4.0]

[[sensors]]
id = "B"
position = [50.0, 0.0, 4.0]

[[events]]
time_s = 0.1
position = [{}, {}, {}]
clip = "burst.wav"
level_db = 100.0
{extra}
"#,
        source[0], source[1], source[2]
    );
    let path = dir.join("spec.toml");
    std::fs::write(&path, text).unwrap();
    SimulationSpec::from_file(&path).unwrap()
}

/// The delay (seconds) and amplitude of the burst that best fits `signal` near
/// `guess_s`: least squares over delays in steps of 1/1000 of a sample.
fn fit_burst(signal: &[f64], guess_s: f64) -> (f64, f64) {
    let mut best = (f64::INFINITY, 0.0, 0.0);
    for step in -2000..=2000 {
        let delay_s = guess_s + step as f64 / 1000.0 / SCENE_RATE;
        let first = ((delay_s * SCENE_RATE) as usize).saturating_sub(10);
        let range = first..(first + (0.025 * SCENE_RATE) as usize).min(signal.len() - first);
        let model: Vec<f64> = range
            .clone()
            .map(|n| burst(n as f64 / SCENE_RATE - delay_s))
            .collect();
        let cross: f64 = model
            .iter()
            .zip(&signal[range.clone()])
            .map(|(m, s)| m * s)
            .sum();
        let energy: f64 = model.iter().map(|m| m * m).sum();
        let amplitude = cross / energy;
        let residual: f64 = model
            .iter()
            .zip(&signal[range])
            .map(|(m, s)| (s - amplitude * m).powi(2))
            .sum();
        if residual < best.0 {
            best = (residual, delay_s, amplitude);
        }
    }
    (best.1, best.2)
}

fn channel(dir: &Path, id: &str) -> Vec<f64> {
    read_wav(&dir.join(format!("{id}.wav")))
        .unwrap()
        .channels
        .remove(0)
}

#[test]
fn arrivals_are_exact_to_a_twentieth_of_a_sample_and_levels_fall_as_one_over_r() {
    // Distances 20.0 m and sqrt(30^2 + 20^2) = 36.06 m: arrivals at fractions of a sample.
    let dir = test_dir("arrival");
    let spec = noiseless_spec(&dir, [20.0, 20.0, 4.0], false, "");
    let truth = simulate(&spec, &dir).unwrap();
    let arrivals = &truth.events[0].arrivals;

    let mut amplitudes = Vec::new();
    for arrival in arrivals {
        let (fitted_s, amplitude) = fit_burst(&channel(&dir, &arrival.sensor), arrival.arrival_s);
        let error_samples = (fitted_s - arrival.arrival_s) * SCENE_RATE;
        assert!(
            error_samples.abs() < 0.05,
            "{}: {error_samples} samples",
            arrival.sensor
        );
        amplitudes.push(amplitude);
    }
    let expected_ratio = arrivals[1].distance_m / arrivals[0].distance_m;
    let ratio = amplitudes[0] / amplitudes[1];
    assert!(
        (ratio / expected_ratio - 1.0).abs() < 0.005,
        "{ratio} vs {expected_ratio}"
    );
}

#[test]
fn the_ground_reflection_arrives_at_the_image_source_delay() {
    // Source 1 m up, sensor A 4 m up, 30 m apart: the image is 30.27 m... away.
    let dir = test_dir("ground");
    let source = [30.0, 0.0, 1.0];
    let direct_only = channel_after(&dir, noiseless_spec(&dir, source, false, ""), "A");
    let with_ground = channel_after(&dir, noiseless_spec(&dir, source, true, ""), "A");
    let reflection: Vec<f64> = with_ground
        .iter()
        .zip(&direct_only)
        .map(|(a, b)| a - b)
        .collect();

    let spec = noiseless_spec(&dir, source, true, "");
    let c = spec.speed_of_sound;
    let direct_m = (30.0f64.powi(2) + 3.0f64.powi(2)).sqrt();
    let image_m = (30.0f64.powi(2) + 5.0f64.powi(2)).sqrt();
    let expected_s = 0.1 + image_m / c;
    let (fitted_s, amplitude) = fit_burst(&reflection, expected_s);
    assert!(
        ((fitted_s - expected_s) * SCENE_RATE).abs() < 0.05,
        "{fitted_s} vs {expected_s}"
    );

    let (_, direct_amplitude) = fit_burst(&direct_only, 0.1 + direct_m / c);
    let expected_ratio = 0.9 * direct_m / image_m;
    assert!(((amplitude / direct_amplitude) / expected_ratio - 1.0).abs() < 0.01);
}

/// Simulates `spec` into `dir` and returns sensor `id`'s recording.
fn channel_after(dir: &Path, spec: SimulationSpec, id: &str) -> Vec<f64> {
    simulate(&spec, dir).unwrap();
    channel(dir, id)
}

#[test]
fn a_blocked_path_arrives_later_and_weaker() {
    let dir = test_dir("nlos");
    let nlos = r#"nlos = [{ sensor = "B", extra_delay_ms = 3.0, attenuation_db = 6.0 }]"#;
    let clear = noiseless_spec(&dir, [25.0, 10.0, 4.0], false, "");
    let clear_truth = simulate(&clear, &dir).unwrap();
    let (_, clear_amplitude) = fit_burst(
        &channel(&dir, "B"),
        clear_truth.events[0].arrivals[1].arrival_s,
    );

    let blocked = noiseless_spec(&dir, [25.0, 10.0, 4.0], false, nlos);
    let truth = simulate(&blocked, &dir).unwrap();
    let arrival = &truth.events[0].arrivals[1];
    assert!(arrival.nlos && (arrival.extra_delay_s - 0.003).abs() < 1e-12);
    let line_of_sight_s = 0.1 + arrival.distance_m / blocked.speed_of_sound;
    assert!((arrival.arrival_s - line_of_sight_s - 0.003).abs() < 1e-12);

    let (fitted_s, amplitude) = fit_burst(&channel(&dir, "B"), arrival.arrival_s);
    assert!(((fitted_s - arrival.arrival_s) * SCENE_RATE).abs() < 0.05);
    let drop_db = 20.0 * (clear_amplitude / amplitude).log10();
    assert!((drop_db - 6.0).abs() < 0.05, "{drop_db}");
    assert!(!truth.events[0].arrivals[0].nlos);
}

/// The real city ambience shipped with the repository.
fn ambience() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/clips/city_ambience.wav")
}

#[test]
fn background_does_not_correlate_between_sensors() {
    // 12 s of background only at two sensors: GCC-PHAT over the geometric lag range must
    // find nothing that stands out, while the same audio against a delayed copy of itself
    // gives a sharp peak.
    let dir = test_dir("background");
    let text = format!(
        r#"
name = "background"
seed = 5
sample_rate = 16000
duration_s = 12.0
ground_alt_m = 0.0
[air]
temperature_c = 20.0
humidity_percent = 50.0
[coordinates]
system = "local"
[background]
clip = "{}"
level_db = 60.0
[[sensors]]
id = "A"
position = [0.0, 0.0, 4.0]
[[sensors]]
id = "B"
position = [400.0, 0.0, 4.0]
"#,
        ambience().display()
    );
    std::fs::write(dir.join("spec.toml"), text).unwrap();
    let spec = SimulationSpec::from_file(dir.join("spec.toml")).unwrap();
    simulate(&spec, &dir).unwrap();
    let (a, b) = (channel(&dir, "A"), channel(&dir, "B"));

    let len = a.len() - 8000;
    let mut gcc = GccPhat::new(len, SCENE_RATE, GccConfig::default()).unwrap();
    let between = gcc.tdoa(&a[..len], &b[..len], Some(1.5)).unwrap();
    let control = gcc
        .tdoa(&a[..len], &a[3000..3000 + len], Some(1.5))
        .unwrap();
    println!(
        "significance between sensors {:.2}, control {:.2}",
        between.significance, control.significance
    );
    assert!(between.significance < 6.0, "{between:?}");
    assert!(control.significance > 50.0, "{}", control.significance);
}

#[test]
fn truth_snr_follows_distance_and_the_sensor_noise_level() {
    let dir = test_dir("snr");
    let text = format!(
        r#"
name = "snr"
seed = 9
sample_rate = 16000
duration_s = 1.0
full_scale_db = 120.0
ground_alt_m = 0.0
[air]
temperature_c = 20.0
humidity_percent = 50.0
absorption = false
[coordinates]
system = "local"
[propagation]
ground_reflection = false
[background]
clip = "{}"
level_db = 50.0
[[sensors]]
id = "A"
position = [0.0, 0.0, 4.0]
[[sensors]]
id = "B"
position = [100.0, 0.0, 4.0]
[[sensors]]
id = "C"
position = [0.0, 100.0, 4.0]
noise_db = 60.0
[[events]]
time_s = 0.1
position = [10.0, 0.0, 4.0]
clip = "burst.wav"
level_db = 110.0
"#,
        ambience().display()
    );
    std::fs::write(dir.join("spec.toml"), text).unwrap();
    let truth: Truth = simulate(
        &SimulationSpec::from_file(dir.join("spec.toml")).unwrap(),
        &dir,
    )
    .unwrap();
    let snr: Vec<f64> = truth.events[0]
        .arrivals
        .iter()
        .map(|a| a.snr_db.unwrap())
        .collect();

    // A: 10 m; B: 90 m, 19.1 dB further; C: 100.5 m and 10 dB more noise.
    let d: Vec<f64> = truth.events[0]
        .arrivals
        .iter()
        .map(|a| a.distance_m)
        .collect();
    assert!(
        ((snr[0] - snr[1]) - 20.0 * (d[1] / d[0]).log10()).abs() < 0.1,
        "{snr:?}"
    );
    assert!(
        ((snr[0] - snr[2]) - 20.0 * (d[2] / d[0]).log10() - 10.0).abs() < 0.1,
        "{snr:?}"
    );
}
