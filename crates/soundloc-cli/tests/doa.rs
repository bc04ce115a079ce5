//! `soundloc doa` end to end: a simulated recording of a known direction in, degrees out.
//!
//! The recording is SIMULATED: white noise delayed exactly (a phase ramp on its
//! spectrum) to every capsule of the six-capsule board for a plane wave from azimuth
//! 40 degrees, elevation 20 degrees, by the shared test-signal helpers of the library.

#[path = "../../soundloc/tests/common/mod.rs"]
mod common;

use assert_cmd::Command;
use serde_json::Value;
use soundloc::array::{Direction, MicArray};

const SAMPLE_RATE: u32 = 16_000;
const SPEED_OF_SOUND: f64 = 343.0;

fn soundloc() -> Command {
    Command::cargo_bin("soundloc").expect("the soundloc binary is built")
}

/// Writes `take.wav` (float32, one channel per capsule, `extra_channels` silent ones
/// after them) and `array.toml` into a fresh folder; returns the scene's path.
fn simulated_board(name: &str, scene_tail: &str, n_channels_written: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("soundloc-doa-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let array = MicArray::six_mic_board();
    let direction = Direction::new(40f64.to_radians(), 70f64.to_radians());
    let signals = common::far_field_noise(
        &array,
        &direction,
        f64::from(SAMPLE_RATE),
        SPEED_OF_SOUND,
        SAMPLE_RATE as usize,
        7,
    );

    let spec = hound::WavSpec {
        channels: n_channels_written as u16,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(dir.join("take.wav"), spec).unwrap();
    for n in 0..signals.ncols() {
        for channel in 0..n_channels_written {
            let value = signals.get((channel, n)).map_or(0.0, |v| v / 4.0);
            writer.write_sample(value as f32).unwrap();
        }
    }
    writer.finalize().unwrap();

    let scene = dir.join("array.toml");
    std::fs::write(
        &scene,
        format!(
            "name = \"six-capsule board, SIMULATED\"\n[air]\nspeed_of_sound = {SPEED_OF_SOUND}\n\
             [array]\naudio = \"take.wav\"\npreset = \"six-mic-board\"\n{scene_tail}"
        ),
    )
    .unwrap();
    scene
}

fn json_of(scene: &std::path::Path, extra: &[&str]) -> Value {
    let output = soundloc()
        .arg("doa")
        .arg(scene)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn assert_direction(source: &Value, what: &str) {
    let azimuth = source["azimuth_deg"].as_f64().unwrap();
    let elevation = source["elevation_deg"].as_f64().unwrap();
    assert!((azimuth - 40.0).abs() < 1.0, "{what}: azimuth {azimuth}");
    assert!(
        (elevation - 20.0).abs() < 2.0,
        "{what}: elevation {elevation}"
    );
    assert_eq!(
        source["ambiguity"], "mirror",
        "{what}: a planar board cannot tell up from down"
    );
    let mirror = source["mirror_elevation_deg"].as_f64().unwrap();
    assert!((mirror + elevation).abs() < 1e-9, "{what}: mirror {mirror}");
}

#[test]
fn doa_finds_the_direction_in_every_frame() {
    let scene = simulated_board("frames", "", 6);
    let document = json_of(&scene, &[]);
    let windows = document["windows"].as_array().unwrap();
    assert_eq!(
        windows.len(),
        (16_000 - 512) / 128 + 1,
        "one entry per frame"
    );
    for (index, window) in windows.iter().enumerate() {
        assert!(window["failure"].is_null());
        assert_direction(&window["sources"][0], &format!("frame {index}"));
    }
    assert_eq!(document["method"], "srp-phat");

    let table = soundloc().arg("doa").arg(&scene).output().unwrap();
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("az_deg") && text.contains("or its mirror"),
        "{text}"
    );
}

#[test]
fn doa_gives_one_estimate_per_window_with_each_method() {
    let windows = "[[events]]\nstart_s = 0.1\nend_s = 0.4\nlabel = \"first\"\n\
                   [[events]]\nstart_s = 0.5\nend_s = 0.9\n";
    let scene = simulated_board("windows", windows, 6);
    for method in ["srp", "music", "normmusic"] {
        let document = json_of(&scene, &["--method", method]);
        let windows = document["windows"].as_array().unwrap();
        assert_eq!(windows.len(), 2);
        assert_eq!(windows[0]["label"], "first");
        for window in windows {
            assert_direction(&window["sources"][0], method);
        }
    }
}

#[test]
fn doa_names_a_missing_channel_and_a_window_outside_the_recording() {
    let scene = simulated_board("short", "", 4);
    let output = soundloc().arg("doa").arg(&scene).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("take.wav") && message.contains("microphone 4 is mapped to channel 4"),
        "{message}"
    );

    let scene = simulated_board("late", "[[events]]\nstart_s = 0.5\nend_s = 3.0\n", 6);
    let output = soundloc().arg("doa").arg(&scene).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("events[0]") && message.contains("inside the recording"),
        "{message}"
    );

    let scene = simulated_board("nyquist", "[doa]\nfreq_range_hz = [300.0, 12000.0]\n", 6);
    let output = soundloc().arg("doa").arg(&scene).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("array.toml")
            && message.contains("doa.freq_range_hz")
            && message.contains("8000 Hz (Nyquist)"),
        "{message}"
    );

    let scene = simulated_board("long-frames", "[doa]\nfft_len = 1000000\n", 6);
    let output = soundloc().arg("doa").arg(&scene).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("take.wav") && message.contains("doa.fft_len = 1000000"),
        "{message}"
    );
}
