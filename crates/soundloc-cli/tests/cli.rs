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

/// A small simulated square of five sensors hearing two claps, written by
/// `soundloc simulate` into a fresh folder; returns the folder.
fn simulated_square(name: &str) -> std::path::PathBuf {
    let out = std::env::temp_dir().join(format!("soundloc-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let clips = repository().join("datasets/clips");
    let mut spec = format!(
        r#"
name = "square"
seed = 5
duration_s = 12.0
ground_alt_m = 0.0
[air]
temperature_c = 15.0
humidity_percent = 60.0
[coordinates]
system = "local"
origin = {{ lat = 45.44, lon = 4.38, alt = 520.0 }}
[background]
clip = "{clips}/city_ambience.wav"
level_db = 50.0
[solver]
height_min_m = -1.0
height_max_m = 8.0
"#,
        clips = clips.display()
    );
    for (k, (x, y, z)) in [
        (-60.0, -50.0, 4.0),
        (70.0, -40.0, 4.5),
        (60.0, 55.0, 3.8),
        (-50.0, 60.0, 4.2),
        (5.0, 0.0, 6.0),
    ]
    .into_iter()
    .enumerate()
    {
        spec += &format!("[[sensors]]\nid = \"S{k}\"\nposition = [{x}, {y}, {z}]\n");
    }
    for (time, x, y) in [(2.0, 20.0, -15.0), (7.0, -25.0, 30.0)] {
        spec += &format!(
            "[[events]]\ntime_s = {time}\nposition = [{x}, {y}, 1.0]\nclip = \"{}/board_clap.wav\"\nlevel_db = 115.0\n",
            clips.display()
        );
    }
    let spec_path = out.join("spec.toml");
    std::fs::write(&spec_path, spec).unwrap();
    soundloc()
        .arg("simulate")
        .arg(&spec_path)
        .assert()
        .success();
    out
}

#[test]
fn detect_writes_every_format_and_a_map() {
    let out = simulated_square("detect");
    let scene = out.join("scene.toml");
    let run = |format: &str| {
        let output = soundloc()
            .args(["detect", "--quiet", "--format", format])
            .arg(&scene)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(output).unwrap()
    };

    // JSON: both claps, each within a few metres of where it was played.
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    let events = json["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{json:#}");
    for (event, truth) in events.iter().zip([[20.0, -15.0], [-25.0, 30.0]]) {
        let local = &event["local_enu_m"];
        let error =
            (local[0].as_f64().unwrap() - truth[0]).hypot(local[1].as_f64().unwrap() - truth[1]);
        assert!(error < 2.0, "{event:#}");
        assert!(event["lat"].as_f64().unwrap() > 45.43 && event["lon"].as_f64().unwrap() > 4.37);
        assert!(event["ellipse"]["semi_major_m"].as_f64().unwrap() > 0.0);
        assert!(!event["onsets"].as_array().unwrap().is_empty());
    }

    // CSV: a header and one row per event.
    let csv = run("csv");
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("index,time_s,lat,lon"));
    assert_eq!(lines.count(), 2, "{csv}");

    // GeoJSON: event points, ellipse polygons (closed rings), sensor points.
    let geojson: Value = serde_json::from_str(&run("geojson")).unwrap();
    assert_eq!(geojson["type"], "FeatureCollection");
    let kinds: Vec<&str> = geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "event").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "error_ellipse").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "sensor").count(), 5);
    let ring = &geojson["features"][1]["geometry"]["coordinates"][0];
    assert_eq!(ring[0], ring[ring.as_array().unwrap().len() - 1]);

    // The map: a PNG file, and the table says what was found.
    let map = out.join("map.png");
    let table = soundloc()
        .args(["detect", "--quiet", "--map"])
        .arg(&map)
        .arg(&scene)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("2 events located"), "{table}");
    let png = std::fs::read(&map).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let _ = std::fs::remove_dir_all(&out);
}

/// Rewrites a 16-bit WAV file with the header and samples `change` makes of its own.
fn rewrite_wav(
    path: &std::path::Path,
    change: impl FnOnce(hound::WavSpec, Vec<i16>) -> (hound::WavSpec, Vec<i16>),
) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let (spec, samples) = change(reader.spec(), samples);
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for sample in samples {
        writer.write_sample(sample).unwrap();
    }
    writer.finalize().unwrap();
}

/// Runs `soundloc detect` on a scene that must be refused; returns its message.
fn detect_error(scene: &std::path::Path) -> String {
    detect_error_with(scene, &[])
}

/// [`detect_error`] with more arguments.
fn detect_error_with(scene: &std::path::Path, extra: &[&str]) -> String {
    let stderr = soundloc()
        .args(["detect", "--quiet"])
        .args(extra)
        .arg(scene)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    String::from_utf8(stderr).unwrap()
}

#[test]
fn detect_reports_a_short_recording_and_refuses_a_bad_rate_or_scene() {
    let out = simulated_square("short");
    // Cut sensor S3's file to half its length: S3 dropped out at 6 s. Detection goes on
    // without it after that, and says so in the table and in the JSON.
    rewrite_wav(&out.join("S3.wav"), |spec, samples| {
        (spec, samples[..samples.len() / 2].to_vec())
    });
    let table = soundloc()
        .args(["detect", "--quiet"])
        .arg(out.join("scene.toml"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(
        table.contains("sensors out:\n  \"S3\" no recording from 6.000 s to 12.000 s"),
        "{table}"
    );
    let json = soundloc()
        .args(["detect", "--quiet", "--format", "json"])
        .arg(out.join("scene.toml"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let outages = json["outages"].as_array().unwrap();
    assert_eq!(outages.len(), 1, "{outages:?}");
    assert_eq!(outages[0]["sensor"], "S3");
    assert_eq!(outages[0]["kind"], "ended");
    assert_eq!(outages[0]["start_s"], 6.0);

    // Another sample rate for sensor S2: named, with both rates.
    rewrite_wav(&out.join("S2.wav"), |spec, samples| {
        let spec = hound::WavSpec {
            sample_rate: 44_100,
            ..spec
        };
        (spec, samples)
    });
    let message = detect_error(&out.join("scene.toml"));
    assert!(
        message.contains("\"S2\"") && message.contains("44100 Hz"),
        "{message}"
    );

    // A latitude beyond 90 degrees, and a sensor without a position.
    let scene = out.join("scene.toml");
    let text = std::fs::read_to_string(&scene).unwrap();
    let wgs84: String = text
        .replacen("system = \"local\"", "system = \"wgs84\"", 1)
        .lines()
        .filter(|line| !line.trim_start().starts_with("origin"))
        .map(|line| format!("{line}\n"))
        .collect();
    let wgs84 = wgs84.replacen("position = [", "position = [95.0, 4.38, 520.0] # was [", 1);
    std::fs::write(&scene, &wgs84).unwrap();
    let message = detect_error(&scene);
    assert!(
        message.contains("sensors[0].position") && message.contains("95"),
        "{message}"
    );

    let without = text.replacen("position = [", "# position = [", 1);
    std::fs::write(&scene, &without).unwrap();
    let message = detect_error(&scene);
    assert!(
        message.contains("sensors[0]") && message.contains("position"),
        "{message}"
    );

    soundloc()
        .args(["detect", "--quiet", "no/such/scene.toml"])
        .assert()
        .code(2);

    // More sensors asked for than the scene has; a map that is no PNG.
    std::fs::write(&scene, &text).unwrap();
    assert!(detect_error_with(&scene, &["--min-sensors", "9"]).contains("min_sensors"));
    assert!(detect_error_with(&scene, &["--map", "map.txt"]).contains(".png"));
    let _ = std::fs::remove_dir_all(&out);
}
