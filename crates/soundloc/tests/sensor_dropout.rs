//! A sensor that drops out partway through a continuous recording (issue 7): its samples
//! go flat (digital silence), or its file ends early. The events before and after must
//! still be located with the sensors that were recording, and the detection must say
//! which sensor was missing, from when to when.
//!
//! SIMULATED: a small scene (five sensors around a 120 m square, five claps in 16 s)
//! rendered by `soundloc::simulate`, whose truth file gives the answers; then one
//! sensor's file is rewritten to fail at 9 s.

use std::path::{Path, PathBuf};

use soundloc::continuous::{DetectOptions, Detection, detect_events};
use soundloc::outage::OutageKind;
use soundloc::scene::Scene;
use soundloc::simulate::{SimulationSpec, Truth, simulate};

mod square;
use square::square_spec;

/// When the failing sensor stops, seconds.
const FAILS_AT_S: f64 = 9.0;

/// The failing sensor's index and id.
const FAILING: (usize, &str) = (1, "S1");

/// A fresh temporary folder unique to this process and test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("soundloc-dropout-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The shared five-sensor square (`square/mod.rs`) for 16 s, five claps: three before
/// the failure and two after.
fn spec_text() -> String {
    square_spec(
        11,
        16.0,
        None,
        &[
            (2.0, [-20.0, 15.0, 1.0]),
            (5.0, [30.0, -25.0, 1.5]),
            (8.0, [10.0, 40.0, 0.8]),
            (11.0, [-35.0, -20.0, 1.2]),
            (14.0, [25.0, 30.0, 1.0]),
        ],
    )
}

/// Simulates the scene into `dir/out` and returns its truth.
fn simulated(dir: &Path) -> Truth {
    let spec_path = dir.join("spec.toml");
    std::fs::write(&spec_path, spec_text()).unwrap();
    let spec = SimulationSpec::from_file(&spec_path).unwrap();
    simulate(&spec, &dir.join("out")).unwrap()
}

/// Rewrites the mono integer WAV at `path` (as the simulator writes them) through `edit`,
/// keeping its format.
fn rewrite_wav(path: &Path, edit: impl FnOnce(&mut Vec<i32>)) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!(spec.channels, 1);
    assert_eq!(spec.sample_format, hound::SampleFormat::Int);
    let mut samples: Vec<i32> = reader.samples::<i32>().map(Result::unwrap).collect();
    drop(reader);

    edit(&mut samples);
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for s in samples {
        writer.write_sample(s).unwrap();
    }
    writer.finalize().unwrap();
}

/// Detects the events of the scene in `dir/out` with the failing sensor's file passed
/// through `fail`, and checks the answer against the truth: every clap located within
/// half a metre with the sensors that were recording, the failing one left out of the
/// late claps and named with its outage. Returns the detection for further checks.
fn detect_with_failure(name: &str, fail: impl FnOnce(&mut Vec<i32>, usize)) -> Detection {
    let dir = scratch(name);
    let truth = simulated(&dir);
    let scene_path = dir.join("out/scene.toml");
    let scene = Scene::from_file(&scene_path).unwrap();
    assert_eq!(scene.sensors[FAILING.0].id, FAILING.1);
    let fails_at = (FAILS_AT_S * f64::from(truth.sample_rate)) as usize;
    rewrite_wav(&scene.sensors[FAILING.0].audio, |samples| {
        fail(samples, fails_at)
    });

    let detection = detect_events(&scene, &DetectOptions::default(), &|_| {}).unwrap();
    assert_eq!(detection.events.len(), truth.events.len(), "{detection:#?}");
    for (event, want) in detection.events.iter().zip(&truth.events) {
        let error = (0..3)
            .map(|a| (event.local[a] - want.local[a]).powi(2))
            .sum::<f64>()
            .sqrt();
        let late = want.time_s > FAILS_AT_S;
        eprintln!(
            "{name}: clap at {:.1} s located {error:.3} m from the truth with {:?}, rejected {:?}",
            want.time_s, event.used, event.rejected
        );
        assert!(error < 0.5, "{error} m at {} s", want.time_s);
        assert_eq!(
            event.used.contains(&FAILING.0),
            !late,
            "at {} s",
            want.time_s
        );
        if late {
            let reason = event
                .rejected
                .iter()
                .find(|(k, _)| *k == FAILING.0)
                .map(|(_, why)| why.as_str())
                .unwrap_or_else(|| panic!("{} not named at {} s", FAILING.1, want.time_s));
            assert!(reason.contains("from 9.000 s"), "{reason}");
        }
    }

    let _ = std::fs::remove_dir_all(&dir);
    detection
}

#[test]
fn a_sensor_that_goes_silent_is_left_out_after_and_the_outage_is_reported() {
    let detection = detect_with_failure("silent", |samples, from| {
        samples[from..].fill(0);
    });

    // Only the failing sensor is out (the others' city noise never holds a value), from
    // the failure to the end of the recording.
    assert_eq!(detection.outages.len(), 1, "{:?}", detection.outages);
    let outage = &detection.outages[0];
    assert_eq!(outage.sensor, FAILING.0);
    assert_eq!(outage.kind, OutageKind::Flat { value: 0.0 });
    assert!((outage.start_s - FAILS_AT_S).abs() < 1e-9, "{outage:?}");
    assert!(
        (outage.end_s - detection.duration_s).abs() < 1e-9,
        "{outage:?}"
    );
}

#[test]
fn a_sensor_whose_file_ends_early_is_left_out_after_and_the_outage_is_reported() {
    let detection = detect_with_failure("ended", |samples, from| {
        samples.truncate(from);
    });

    assert_eq!(detection.outages.len(), 1, "{:?}", detection.outages);
    let outage = &detection.outages[0];
    assert_eq!(outage.sensor, FAILING.0);
    assert_eq!(outage.kind, OutageKind::Ended);
    assert!((outage.start_s - FAILS_AT_S).abs() < 1e-9, "{outage:?}");
    assert!((detection.duration_s - 16.0).abs() < 0.01);
}

#[test]
fn a_sensor_silent_for_a_while_is_back_for_the_events_after() {
    // Out from 9 s to 12.5 s only: the clap at 11 s goes without it, the one at 14 s
    // has it again.
    let dir = scratch("gap");
    let truth = simulated(&dir);
    let scene = Scene::from_file(dir.join("out/scene.toml")).unwrap();
    let rate = f64::from(truth.sample_rate);
    rewrite_wav(&scene.sensors[FAILING.0].audio, |samples| {
        samples[(FAILS_AT_S * rate) as usize..(12.5 * rate) as usize].fill(0);
    });

    let detection = detect_events(&scene, &DetectOptions::default(), &|_| {}).unwrap();
    assert_eq!(detection.outages.len(), 1, "{:?}", detection.outages);
    assert!((detection.outages[0].end_s - 12.5).abs() < 1e-9);
    let used: Vec<bool> = detection
        .events
        .iter()
        .map(|e| e.used.contains(&FAILING.0))
        .collect();
    assert_eq!(used, [true, true, true, false, true]);
    let _ = std::fs::remove_dir_all(&dir);
}
