//! Hard audio at the scene level: files that disagree with each other or with the scene, a
//! large DC offset and a clipped channel. The delays are checked against a known shift.

use std::path::{Path, PathBuf};

use hound::{SampleFormat, WavSpec, WavWriter};
use soundloc::Error;
use soundloc::event::{EventOptions, SceneAudio, locate_event};
use soundloc::gcc::{GccConfig, GccPhat};
use soundloc::scene::Scene;

/// A fresh folder unique to this process and test.
fn folder(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("soundloc-sceneaudio-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Deterministic white noise in [-0.5, 0.5), from a linear congruential generator.
fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect()
}

/// Writes 16-bit WAV file `path` with `channels` channels of `n` samples of noise at `rate`.
fn write_noise(path: &Path, channels: u16, rate: u32, n: usize) {
    let spec = WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: SampleFormat::Int,
    };
    let mut writer = WavWriter::create(path, spec).unwrap();
    for v in noise(n * usize::from(channels), 7) {
        writer.write_sample((v * 20_000.0) as i16).unwrap();
    }
    writer.finalize().unwrap();
}

/// A scene of three sensors reading `A.wav` channel 0, `B.wav` channel `b_channel` and
/// `C.wav` channel 0 in `dir`.
fn scene(dir: &Path, b_channel: usize) -> Scene {
    let text = format!(
        r#"
name = "inputs"

[air]
temperature_c = 20.0

[coordinates]
system = "local"

[[sensors]]
id = "A"
position = [0.0, 0.0, 0.0]
audio = "A.wav"

[[sensors]]
id = "B"
position = [10.0, 0.0, 0.0]
audio = "B.wav"
channel = {b_channel}

[[sensors]]
id = "C"
position = [0.0, 10.0, 1.0]
audio = "C.wav"

[[events]]
start_s = 0.6
end_s = 0.9
band_hz = [500.0, 4000.0]
"#
    );
    Scene::from_toml_str(&text, dir.join("inputs.scene.toml")).unwrap()
}

/// The path and reason of an audio error.
fn audio_error(err: Error) -> (PathBuf, String) {
    match err {
        Error::Audio { path, reason } => (path, reason),
        other => panic!("expected an audio error, got {other:?}"),
    }
}

#[test]
fn files_at_different_sample_rates_are_refused_naming_the_sensor() {
    let dir = folder("rates");
    write_noise(&dir.join("A.wav"), 1, 16_000, 100);
    write_noise(&dir.join("B.wav"), 1, 16_000, 100);
    write_noise(&dir.join("C.wav"), 1, 22_050, 100);

    let (path, reason) = audio_error(SceneAudio::load(&scene(&dir, 0)).unwrap_err());
    assert_eq!(path, dir.join("C.wav"));
    assert!(
        reason.contains("\"C\"")
            && reason.contains("22050 Hz")
            && reason.contains("expected 16000 Hz"),
        "{reason}"
    );
}

#[test]
fn a_sensor_reading_a_channel_the_file_lacks_is_refused() {
    let dir = folder("channels");
    write_noise(&dir.join("A.wav"), 1, 16_000, 100);
    write_noise(&dir.join("B.wav"), 2, 16_000, 100);
    write_noise(&dir.join("C.wav"), 1, 16_000, 100);
    assert!(SceneAudio::load(&scene(&dir, 1)).is_ok());

    let (path, reason) = audio_error(SceneAudio::load(&scene(&dir, 2)).unwrap_err());
    assert_eq!(path, dir.join("B.wav"));
    assert!(
        reason.contains("\"B\"") && reason.contains("channel 2") && reason.contains("2 channel(s)"),
        "{reason}"
    );
}

#[test]
fn a_file_that_is_no_wav_names_the_sensor_and_field_pointing_to_it() {
    // Found by a tester: the message named the file alone.
    let dir = folder("not_wav");
    write_noise(&dir.join("A.wav"), 1, 16_000, 100);
    std::fs::write(dir.join("B.wav"), "name = \"a scene, not audio\"\n").unwrap();
    write_noise(&dir.join("C.wav"), 1, 16_000, 100);

    let (path, reason) = audio_error(SceneAudio::load(&scene(&dir, 0)).unwrap_err());
    assert_eq!(path, dir.join("B.wav"));
    assert!(
        reason.contains("RIFF") && reason.contains("sensor \"B\", sensors[1].audio"),
        "{reason}"
    );
}

/// `x` delayed by `shift` samples (zeros first), same length.
fn delayed(x: &[f64], shift: usize) -> Vec<f64> {
    let mut out = vec![0.0; shift];
    out.extend_from_slice(&x[..x.len() - shift]);
    out
}

const RATE: f64 = 16_000.0;
const SHIFT: usize = 13;

/// The delay GCC-PHAT measures from `x_i` to `x_j`, seconds.
fn measured_delay(x_i: &[f64], x_j: &[f64]) -> f64 {
    let mut gcc = GccPhat::new(x_i.len(), RATE, GccConfig::default()).unwrap();
    gcc.tdoa(x_i, x_j, Some(0.01)).unwrap().delay_s
}

#[test]
fn a_large_dc_offset_does_not_move_the_delay() {
    let x = noise(4096, 3);
    let expected = SHIFT as f64 / RATE;

    // An offset 1000 times the signal's amplitude on one channel, and opposite ones on both.
    let y: Vec<f64> = delayed(&x, SHIFT).iter().map(|v| v + 500.0).collect();
    assert!((measured_delay(&x, &y) - expected).abs() < 0.1 / RATE);
    let x_low: Vec<f64> = x.iter().map(|v| v - 300.0).collect();
    assert!((measured_delay(&x_low, &y) - expected).abs() < 0.1 / RATE);
}

#[test]
fn a_clipped_channel_is_accepted_silently_and_still_gives_the_delay() {
    // Clipping is not detected: the samples are used as they are. Hard clipping at a fifth
    // of the peak keeps the sign of every sample, which PHAT's whitening tolerates.
    let x = noise(4096, 5);
    let clipped: Vec<f64> = delayed(&x, SHIFT)
        .iter()
        .map(|v| v.clamp(-0.1, 0.1))
        .collect();
    let share = clipped.iter().filter(|v| v.abs() == 0.1).count() as f64 / clipped.len() as f64;
    assert!(share > 0.7, "only {share} of the samples are clipped");

    let delay = measured_delay(&x, &clipped);
    assert!((delay - SHIFT as f64 / RATE).abs() < 0.1 / RATE, "{delay}");
}

#[test]
fn files_of_different_lengths_load_but_a_window_past_the_shorter_end_names_its_sensor() {
    // B lasts 0.5 s, the others 1 s; the event lies at 0.6 to 0.9 s.
    let dir = folder("lengths");
    write_noise(&dir.join("A.wav"), 1, 16_000, 16_000);
    write_noise(&dir.join("B.wav"), 1, 16_000, 8_000);
    write_noise(&dir.join("C.wav"), 1, 16_000, 16_000);
    let scene = scene(&dir, 0);
    let audio = SceneAudio::load(&scene).unwrap();

    let err = locate_event(&scene, &audio, &scene.events[0], &EventOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::InvalidParameter { .. }), "{err:?}");
    assert!(message.contains("sensor \"B\" (0 to 0.500 s"), "{message}");
}

#[test]
fn an_event_band_above_the_nyquist_frequency_is_refused_naming_the_event() {
    // The event asks for 500 to 4000 Hz; recordings at 6 kHz hold nothing above 3 kHz.
    let dir = folder("nyquist");
    for name in ["A.wav", "B.wav", "C.wav"] {
        write_noise(&dir.join(name), 1, 6_000, 100);
    }
    match SceneAudio::load(&scene(&dir, 0)).unwrap_err() {
        Error::Scene {
            path,
            field,
            reason,
        } => {
            assert_eq!(path, dir.join("inputs.scene.toml"));
            assert_eq!(field, "events[0].band_hz");
            assert_eq!(
                reason,
                "expected a band within 0 to 3000 Hz, the Nyquist frequency of the recordings \
                 (sampled at 6000 Hz), got [500, 4000]"
            );
        }
        other => panic!("expected a scene error, got {other:?}"),
    }

    // At 8 kHz the band reaches the Nyquist frequency exactly, and loads.
    for name in ["A.wav", "B.wav", "C.wav"] {
        write_noise(&dir.join(name), 1, 8_000, 100);
    }
    assert!(SceneAudio::load(&scene(&dir, 0)).is_ok());
}
