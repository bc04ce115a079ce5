//! The `soundloc` binary, driven as a user would.

use assert_cmd::Command;
use serde_json::Value;

/// The repository root, where the default scene lives.
fn repository() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn soundloc() -> Command {
    let mut command = Command::cargo_bin("soundloc").unwrap();
    command.current_dir(repository());
    command
}

#[test]
fn locate_without_arguments_runs_the_shipped_recordings() {
    let output = soundloc()
        .arg("locate")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    assert!(
        text.contains("locar-aru9") && text.contains("UTM zone 12N"),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("REVI")).count(),
        6,
        "{text}"
    );
    assert!(text.contains("rejected Ex-9"), "{text}");
}

#[test]
fn locate_json_follows_the_documented_schema() {
    let output = soundloc()
        .args(["locate", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let document: Value = serde_json::from_slice(&output).unwrap();
    let events = document["events"].as_array().unwrap();
    assert_eq!(events.len(), 7);
    for event in events {
        for key in [
            "start_s",
            "end_s",
            "position",
            "position_std",
            "lat",
            "lon",
            "alt",
            "residual_rms_s",
            "sensors",
            "rejected",
        ] {
            assert!(event.get(key).is_some(), "missing {key} in {event}");
        }
        assert_eq!(event["position"].as_array().unwrap().len(), 3);
        // UTM zone 12N near 53.5 N, 112.9 W.
        assert!((event["lat"].as_f64().unwrap() - 53.544).abs() < 0.01);
        assert!((event["lon"].as_f64().unwrap() + 112.94).abs() < 0.01);
        assert!(event["error"].is_null());
    }
}

#[test]
fn tdoa_prints_delays_to_the_reference() {
    let output = soundloc()
        .args([
            "tdoa",
            "datasets/oss-loca2021/scene.toml",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let document: Value = serde_json::from_slice(&output).unwrap();
    let event = &document["events"][0];
    assert_eq!(event["reference"], "652_3");
    let delays = event["delays"].as_array().unwrap();
    assert_eq!(delays.len(), 5);
    let to_652_4 = delays.iter().find(|d| d["sensor"] == "652_4").unwrap();
    assert!((to_652_4["delay_s"].as_f64().unwrap() - 0.0325).abs() < 1.5e-3);
}

#[test]
fn a_missing_scene_is_a_clear_error_not_a_panic() {
    let assert = soundloc()
        .args(["locate", "no/such/scene.toml"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.starts_with("Error: no/such/scene.toml"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn an_unknown_weighting_is_named() {
    let assert = soundloc()
        .args(["locate", "--weighting", "fancy"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("--weighting") && stderr.contains("fancy"),
        "{stderr}"
    );
}

#[test]
fn simulate_writes_recordings_scene_and_truth() {
    let out = std::env::temp_dir().join(format!("soundloc-cli-simulate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let clips = repository().join("datasets/clips");
    let spec = format!(
        r#"
name = "cli"
seed = 2
sample_rate = 16000
duration_s = 1.0
ground_alt_m = 0.0
[air]
temperature_c = 20.0
humidity_percent = 50.0
[coordinates]
system = "local"
[background]
clip = "{clips}/city_ambience.wav"
level_db = 50.0
[[sensors]]
id = "A"
position = [0.0, 0.0, 4.0]
[[sensors]]
id = "B"
position = [40.0, 0.0, 4.0]
[[events]]
time_s = 0.2
position = [20.0, 10.0, 1.0]
clip = "{clips}/board_clap.wav"
level_db = 110.0
"#,
        clips = clips.display()
    );
    let spec_path = out.join("spec.toml");
    std::fs::write(&spec_path, spec).unwrap();

    let output = soundloc()
        .arg("simulate")
        .arg(&spec_path)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    assert!(text.contains("1 events, 2 sensors"), "{text}");
    for file in ["A.wav", "B.wav", "scene.toml", "truth.json"] {
        assert!(out.join(file).is_file(), "{file} missing; {text}");
    }
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("truth.json")).unwrap()).unwrap();
    assert_eq!(truth["events"][0]["arrivals"].as_array().unwrap().len(), 2);
}
