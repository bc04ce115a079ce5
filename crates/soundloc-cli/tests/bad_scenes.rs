//! Scene files with a mistake in them, run through `soundloc locate` and `soundloc tdoa` as a
//! user would. A scene that cannot be used is refused with exit status 2 and a message that
//! names the file, the field and what was expected; an event that cannot be located is
//! printed with its error and exit status 1. Never a panic.
//!
//! Every scene here is the shipped `datasets/oss-loca2021` scene (six recorders on three
//! trees, one bird call) with one thing changed, reading the shipped recordings.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The repository root.
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn soundloc() -> Command {
    let mut command = Command::cargo_bin("soundloc").unwrap();
    command.current_dir(repository());
    command
}

/// The oss-loca2021 scene with `edits` (text replaced once each) written to a fresh folder,
/// its audio paths pointing at the shipped recordings; returns the scene file's path.
fn edited_scene(test: &str, edits: &[(&str, &str)]) -> PathBuf {
    let dataset = repository().join("datasets/oss-loca2021");
    let mut text = std::fs::read_to_string(dataset.join("scene.toml")).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "the shipped scene has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    let text = text.replace("audio = \"", &format!("audio = \"{}/", dataset.display()));

    let dir = std::env::temp_dir().join(format!(
        "soundloc-cli-bad-scene-{}-{test}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("scene.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The `[[sensors]]` block of sensor `id` in the shipped scene.
fn sensor_block(id: &str) -> String {
    let n = &id[id.len() - 1..];
    format!(
        "[[sensors]]\nid = \"{id}\"\nposition = {}\naudio = \"LOCA_2021_09_24_652_{n}.wav\"\n\n",
        match id {
            "652_4" => "[17.129, 8.878, 2.9]",
            "652_5" => "[0.0, 0.0, 15.092]",
            "652_6" => "[0.0, 0.0, 3.6]",
            "652_7" => "[0.771, 19.147, 14.392]",
            "652_8" => "[0.771, 19.147, 2.9]",
            _ => unreachable!(),
        }
    )
}

/// Runs `soundloc COMMAND SCENE`, which must refuse the scene (exit status 2) with a
/// message naming the file; returns the message.
fn refusal(command: &str, scene: &Path) -> String {
    let stderr = soundloc()
        .arg(command)
        .arg(scene)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(stderr).unwrap();
    assert!(
        stderr.starts_with(&format!("Error: {}: ", scene.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn the_unedited_scene_runs() {
    // The baseline the other tests change one thing of.
    let scene = edited_scene("unedited", &[]);
    soundloc().arg("tdoa").arg(&scene).assert().success();
}

#[test]
fn syntax_errors_name_the_line() {
    let scene = edited_scene("syntax", &[("start_s = 0.2", "start_s = = 0.2")]);
    let message = refusal("locate", &scene);
    assert!(
        message.contains("TOML syntax: line 47, column 11"),
        "{message}"
    );
}

#[test]
fn unknown_keys_are_refused_naming_the_key() {
    let scene = edited_scene(
        "unknown-key",
        &[("label = \"zeep\"", "label = \"zeep\"\ngain_db = 6.0")],
    );
    let message = refusal("locate", &scene);
    assert!(
        message.contains("events[0]") && message.contains("unknown field `gain_db`"),
        "{message}"
    );
}

#[test]
fn a_wrong_type_says_what_was_expected_in_toml_terms() {
    let scene = edited_scene(
        "wrong-type",
        &[("id = \"652_4\"", "id = \"652_4\"\nchannel = \"left\"")],
    );
    let message = refusal("tdoa", &scene);
    assert!(
        message.contains(
            "sensors[1].channel: sensor \"652_4\": line 22, column 11: expected a whole number \
             ≥ 0, got the text \"left\""
        ),
        "{message}"
    );
}

#[test]
fn a_missing_audio_file_is_named_with_its_sensor() {
    let scene = edited_scene(
        "missing-audio",
        &[("LOCA_2021_09_24_652_8.wav", "LOCA_2021_09_24_652_9.wav")],
    );
    let message = refusal("locate", &scene);
    assert!(
        message.contains("sensors[5].audio: sensor \"652_8\": expected an audio file at")
            && message.contains("LOCA_2021_09_24_652_9.wav, found none"),
        "{message}"
    );
}

#[test]
fn a_sensor_listed_twice_is_refused() {
    let scene = edited_scene("twice", &[("id = \"652_4\"", "id = \"652_3\"")]);
    let message = refusal("locate", &scene);
    assert!(
        message.contains(
            "sensors[1].id: expected a unique id, got \"652_3\" again (first at sensors[0])"
        ),
        "{message}"
    );
}

#[test]
fn a_one_sensor_scene_is_refused_by_every_command() {
    let blocks: Vec<String> = ["652_4", "652_5", "652_6", "652_7", "652_8"]
        .iter()
        .map(|id| sensor_block(id))
        .collect();
    let edits: Vec<(&str, &str)> = blocks.iter().map(|b| (b.as_str(), "")).collect();
    let scene = edited_scene("one-sensor", &edits);
    for command in ["locate", "tdoa", "detect"] {
        let message = refusal(command, &scene);
        assert!(
            message.contains(
                "sensors: expected at least 2 [[sensors]] entries (2 to measure a delay between \
                 them; 4 to locate a source in 3-D), got 1"
            ),
            "{command}: {message}"
        );
    }
}

#[test]
fn three_sensors_give_delays_but_no_3d_position() {
    // Two trees: enough for delays, one short of a 3-D position.
    let blocks: Vec<String> = ["652_7", "652_8", "652_6"]
        .iter()
        .map(|id| sensor_block(id))
        .collect();
    let edits: Vec<(&str, &str)> = blocks.iter().map(|b| (b.as_str(), "")).collect();
    let scene = edited_scene("three-sensors", &edits);
    soundloc().arg("tdoa").arg(&scene).assert().success();

    let stdout = soundloc()
        .args(["locate", "--format", "json"])
        .arg(&scene)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let document: Value = serde_json::from_slice(&stdout).unwrap();
    let error = document["events"][0]["error"].as_str().unwrap();
    assert!(error.contains("a 3-D position needs 4"), "{error}");
    assert!(document["events"][0]["position"].is_null());
}

#[test]
fn an_event_band_above_nyquist_is_refused_naming_the_event() {
    let scene = edited_scene(
        "nyquist",
        &[("band_hz = [6000.0, 10000.0]", "band_hz = [6000.0, 30000.0]")],
    );
    let message = refusal("locate", &scene);
    assert!(
        message.contains("events[0].band_hz: expected a band within 0 to")
            && message.contains("Hz, the Nyquist frequency of the recordings")
            && message.contains("got [6000, 30000]"),
        "{message}"
    );
}

/// A scene test: its name, the edits to the shipped scene, the field the message must name
/// and words it must quote.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);

#[test]
fn implausible_air_and_bad_coordinates_are_refused_by_field() {
    // (test, edits, field, what the message quotes)
    let cases: [Case; 5] = [
        (
            "kelvin",
            vec![("speed_of_sound = 343.0", "temperature_c = 293.15")],
            "air.temperature_c",
            "between -70 and 70, got 293.15",
        ),
        (
            "slow-sound",
            vec![("speed_of_sound = 343.0", "speed_of_sound = 34.3")],
            "air.speed_of_sound",
            "between 250 and 450 m/s, got 34.3",
        ),
        (
            "nan-position",
            vec![("[0.0, 0.0, 3.6]", "[0.0, nan, 3.6]")],
            "sensors[3].position",
            "NaN",
        ),
        (
            "zone-61",
            vec![(
                "system = \"local\"",
                "system = \"utm\"\nzone = 61\nhemisphere = \"north\"",
            )],
            "coordinates.zone",
            "61",
        ),
        (
            "latitude-95",
            vec![
                ("system = \"local\"", "system = \"wgs84\""),
                ("[0.771, 19.147, 14.392]", "[95.0, 19.147, 14.392]"),
            ],
            "sensors[4].position",
            "latitude",
        ),
    ];
    for (test, edits, field, quoted) in cases {
        let scene = edited_scene(test, &edits);
        let message = refusal("locate", &scene);
        assert!(
            message.contains(&format!("{field}: ")) && message.contains(quoted),
            "{test}: {message}"
        );
    }
}
