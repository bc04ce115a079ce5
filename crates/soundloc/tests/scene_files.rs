//! Scene files: a full valid scene, and for each kind of mistake an error that names the file
//! and the field.

use std::path::PathBuf;

use soundloc::Error;
use soundloc::geodesy::CoordinateSystem;
use soundloc::scene::Scene;

/// A folder with (empty) audio files `A.wav`, `B.wav`, `C.wav`, unique to this process and
/// test; returns the path a scene file in it would have.
fn scene_path(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("soundloc-scene-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["A.wav", "B.wav", "C.wav"] {
        std::fs::write(dir.join(name), b"").unwrap();
    }
    dir.join("test.scene.toml")
}

/// A valid local scene with three sensors and one event; `edit` replaces text in it.
fn local_scene(edits: &[(&str, &str)]) -> String {
    let mut text = r#"
name = "bench"

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

[[sensors]]
id = "C"
position = [0.0, 10.0, 1.0]
audio = "C.wav"

[[events]]
start_s = 1.0
end_s = 1.5
band_hz = [500.0, 4000.0]
sensors = ["C", "A", "B"]
"#
    .to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "the fixture has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    text
}

/// Loads `text` as a scene in a fresh folder and returns the error's field and message.
fn scene_error(test: &str, text: &str) -> (String, String) {
    let path = scene_path(test);
    match Scene::from_toml_str(text, &path).unwrap_err() {
        err @ Error::Scene { .. } => {
            let message = err.to_string();
            let Error::Scene { field, .. } = err else {
                unreachable!()
            };
            assert!(message.contains("test.scene.toml"), "{message}");
            (field, message)
        }
        other => panic!("expected a scene error, got {other:?}"),
    }
}

#[test]
fn a_valid_local_scene_loads() {
    let path = scene_path("valid");
    let scene = Scene::from_toml_str(&local_scene(&[]), &path).unwrap();

    assert_eq!(scene.name.as_deref(), Some("bench"));
    assert!((scene.speed_of_sound - 343.2).abs() < 0.1);
    assert_eq!(scene.coordinates, CoordinateSystem::Local { origin: None });
    assert_eq!(scene.sensors.len(), 3);
    assert_eq!(scene.sensors[2].local, [0.0, 10.0, 1.0]);
    assert_eq!(scene.sensors[1].audio, path.parent().unwrap().join("B.wav"));
    assert_eq!(scene.sensors[0].channel, 0);
    assert_eq!(scene.sensor_index("C"), Some(2));
    assert_eq!(scene.sensor_index("Z"), None);

    let event = &scene.events[0];
    assert_eq!(event.sensors, vec![2, 0, 1]);
    assert_eq!(event.band_hz, Some((500.0, 4000.0)));
    assert_eq!((event.start_s, event.end_s), (1.0, 1.5));
    assert_eq!(scene.solver.dimension, 3);
}

#[test]
fn a_scene_file_is_read_from_disk() {
    let path = scene_path("from-file");
    std::fs::write(&path, local_scene(&[])).unwrap();
    let scene = Scene::from_file(&path).unwrap();
    assert_eq!(scene.path, path);

    let missing = path.with_file_name("missing.scene.toml");
    assert!(matches!(
        Scene::from_file(&missing).unwrap_err(),
        Error::Io { .. }
    ));
}

#[test]
fn events_default_to_every_sensor() {
    let text = local_scene(&[("sensors = [\"C\", \"A\", \"B\"]\n", "label = \"REVI\"\n")]);
    let scene = Scene::from_toml_str(&text, scene_path("default-sensors")).unwrap();
    assert_eq!(scene.events[0].sensors, vec![0, 1, 2]);
    assert_eq!(scene.events[0].label.as_deref(), Some("REVI"));
}

#[test]
fn syntax_errors_give_line_and_column() {
    let text = local_scene(&[("end_s = 1.5", "end_s = = 1.5")]);
    let (field, message) = scene_error("syntax", &text);
    assert_eq!(field, "TOML syntax");
    assert!(message.contains("line 27, column 9"), "{message}");
}

#[test]
fn unknown_keys_are_named() {
    let text = local_scene(&[("audio = \"B.wav\"", "audio = \"B.wav\"\ngain_db = 3.0")]);
    let (field, message) = scene_error("unknown-key", &text);
    assert!(field.starts_with("sensors[1]"), "{field}");
    assert!(message.contains("gain_db"), "{message}");

    let text = local_scene(&[("[air]", "[air]\npressure_pa = 101325.0")]);
    let (field, message) = scene_error("unknown-air-key", &text);
    assert!(field.starts_with("air"), "{field}");
    assert!(message.contains("pressure_pa"), "{message}");
}

#[test]
fn missing_keys_are_named() {
    let text = local_scene(&[("position = [10.0, 0.0, 0.0]\n", "")]);
    let (field, message) = scene_error("missing-key", &text);
    assert!(field.starts_with("sensors[1]"), "{field}");
    assert!(message.contains("position"), "{message}");

    let text = local_scene(&[("[coordinates]\nsystem = \"local\"\n", "")]);
    let (field, message) = scene_error("missing-table", &text);
    assert_eq!(field, "(top level)");
    assert!(message.contains("missing field `coordinates`"), "{message}");
}

#[test]
fn wrong_types_are_named() {
    let text = local_scene(&[("[10.0, 0.0, 0.0]", "[10.0, 0.0]")]);
    let (field, message) = scene_error("short-position", &text);
    assert_eq!(field, "sensors[1].position");
    assert!(message.contains("three coordinates, got 2"), "{message}");

    let text = local_scene(&[("[10.0, 0.0, 0.0]", "[10.0, 0.0, 0.0, 4.0]")]);
    let (field, _) = scene_error("long-position", &text);
    assert_eq!(field, "sensors[1].position");

    let text = local_scene(&[("[10.0, 0.0, 0.0]", "[10.0, \"north\", 0.0]")]);
    let (field, message) = scene_error("text-position", &text);
    assert_eq!(field, "sensors[1].position[1]");
    assert!(message.contains("line 17, column"), "{message}");

    let text = local_scene(&[("[500.0, 4000.0]", "[500.0, 4000.0, 8000.0]")]);
    let (field, message) = scene_error("long-band", &text);
    assert_eq!(field, "events[0].band_hz");
    assert!(message.contains("got 3 values"), "{message}");
}

#[test]
fn duplicate_sensor_ids_are_refused() {
    let text = local_scene(&[("id = \"B\"", "id = \"A\"")]);
    let (field, message) = scene_error("duplicate-id", &text);
    assert_eq!(field, "sensors[1].id");
    assert!(
        message.contains("\"A\"") && message.contains("sensors[0]"),
        "{message}"
    );
}

#[test]
fn events_naming_unknown_sensors_are_refused() {
    let text = local_scene(&[("[\"C\", \"A\", \"B\"]", "[\"C\", \"A\", \"Q\"]")]);
    let (field, message) = scene_error("unknown-sensor", &text);
    assert_eq!(field, "events[0].sensors[2]");
    assert!(message.contains("\"Q\""), "{message}");

    let text = local_scene(&[("[\"C\", \"A\", \"B\"]", "[\"C\"]")]);
    let (field, _) = scene_error("one-sensor", &text);
    assert_eq!(field, "events[0].sensors");
}

#[test]
fn bad_event_windows_are_refused() {
    let text = local_scene(&[("end_s = 1.5", "end_s = 1.0")]);
    let (field, message) = scene_error("empty-window", &text);
    assert_eq!(field, "events[0].end_s");
    assert!(message.contains("after start_s = 1 s, got 1"), "{message}");

    let text = local_scene(&[("start_s = 1.0", "start_s = -0.5")]);
    let (field, message) = scene_error("negative-start", &text);
    assert_eq!(field, "events[0].start_s");
    assert!(message.contains("-0.5"), "{message}");
}

#[test]
fn bad_bands_are_refused() {
    for (band, test) in [
        ("[4000.0, 500.0]", "inverted-band"),
        ("[-5.0, 500.0]", "negative-band"),
    ] {
        let text = local_scene(&[("[500.0, 4000.0]", band)]);
        let (field, message) = scene_error(test, &text);
        assert_eq!(field, "events[0].band_hz");
        assert!(message.contains("low < high"), "{message}");
    }
}

#[test]
fn air_needs_exactly_one_of_temperature_and_speed() {
    let text = local_scene(&[(
        "temperature_c = 20.0",
        "temperature_c = 20.0\nspeed_of_sound = 343.0",
    )]);
    let (field, message) = scene_error("both-air", &text);
    assert_eq!(field, "air");
    assert!(message.contains("got both"), "{message}");

    let text = local_scene(&[("temperature_c = 20.0", "")]);
    let (field, message) = scene_error("neither-air", &text);
    assert_eq!(field, "air");
    assert!(message.contains("got neither"), "{message}");

    let text = local_scene(&[("temperature_c = 20.0", "speed_of_sound = 340.3")]);
    let scene = Scene::from_toml_str(&text, scene_path("speed-given")).unwrap();
    assert_eq!(scene.speed_of_sound, 340.3);
}

#[test]
fn implausible_air_is_refused() {
    let text = local_scene(&[("temperature_c = 20.0", "temperature_c = 293.15")]);
    let (field, message) = scene_error("kelvin", &text);
    assert_eq!(field, "air.temperature_c");
    assert!(message.contains("293.15"), "{message}");

    let text = local_scene(&[("temperature_c = 20.0", "speed_of_sound = 34.3")]);
    let (field, _) = scene_error("slow-sound", &text);
    assert_eq!(field, "air.speed_of_sound");
}

#[test]
fn sensors_at_the_same_place_are_refused() {
    let text = local_scene(&[("[0.0, 10.0, 1.0]", "[10.0, 0.0, 0.0]")]);
    let (field, message) = scene_error("same-place", &text);
    assert_eq!(field, "sensors[2].position");
    assert!(
        message.contains("\"C\"") && message.contains("\"B\""),
        "{message}"
    );
}

#[test]
fn non_finite_and_off_the_map_coordinates_are_refused() {
    let text = local_scene(&[("[10.0, 0.0, 0.0]", "[10.0, nan, 0.0]")]);
    let (field, message) = scene_error("nan-position", &text);
    assert_eq!(field, "sensors[1].position");
    assert!(
        message.contains("sensor \"B\"") && message.contains("NaN"),
        "{message}"
    );

    let text = local_scene(&[
        ("system = \"local\"", "system = \"wgs84\""),
        ("[0.0, 0.0, 0.0]", "[53.5, -113.5, 700.0]"),
        ("[10.0, 0.0, 0.0]", "[95.0, -113.5, 700.0]"),
    ]);
    let (field, message) = scene_error("latitude", &text);
    assert_eq!(field, "sensors[1].position");
    assert!(
        message.contains("latitude") && message.contains("95"),
        "{message}"
    );
}

#[test]
fn utm_keys_outside_utm_and_bad_zones_are_refused() {
    let text = local_scene(&[("system = \"local\"", "system = \"local\"\nzone = 12")]);
    let (field, message) = scene_error("zone-on-local", &text);
    assert_eq!(field, "coordinates.zone");
    assert!(message.contains("\"local\""), "{message}");

    let text = local_scene(&[(
        "system = \"local\"",
        "system = \"wgs84\"\nhemisphere = \"north\"",
    )]);
    let (field, _) = scene_error("hemisphere-on-wgs84", &text);
    assert_eq!(field, "coordinates.hemisphere");

    let text = local_scene(&[(
        "system = \"local\"",
        "system = \"utm\"\nzone = 61\nhemisphere = \"north\"",
    )]);
    let (field, message) = scene_error("zone-61", &text);
    assert_eq!(field, "coordinates.zone");
    assert!(message.contains("61"), "{message}");

    let text = local_scene(&[("system = \"local\"", "system = \"mercator\"")]);
    let (field, message) = scene_error("unknown-system", &text);
    assert_eq!(field, "coordinates.system");
    assert!(message.contains("mercator"), "{message}");
}

#[test]
fn missing_audio_files_are_named() {
    let text = local_scene(&[("audio = \"C.wav\"", "audio = \"C-missing.wav\"")]);
    let (field, message) = scene_error("missing-audio", &text);
    assert_eq!(field, "sensors[2].audio");
    assert!(
        message.contains("sensor \"C\"") && message.contains("C-missing.wav"),
        "{message}"
    );
}

#[test]
fn solver_settings_are_checked() {
    let text = local_scene(&[("[[sensors]]", "[solver]\ndimension = 4\n\n[[sensors]]")]);
    let (field, message) = scene_error("dimension", &text);
    assert_eq!(field, "solver.dimension");
    assert!(message.contains("2 or 3, got 4"), "{message}");

    let text = local_scene(&[(
        "[[sensors]]",
        "[solver]\nheight_min_m = 5.0\nheight_max_m = 1.0\n\n[[sensors]]",
    )]);
    let (field, _) = scene_error("heights", &text);
    assert_eq!(field, "solver.height_max_m");
}

#[test]
fn the_locar_scene_loads() {
    // The draft scene, next to stand-in audio files.
    let text = include_str!("data/locar-aru9.scene.toml");
    let path = scene_path("locar");
    let dir = path.parent().unwrap();
    for n in 1..=9 {
        std::fs::write(dir.join(format!("Ex-{n}.wav")), b"").unwrap();
    }
    let scene = Scene::from_toml_str(text, &path).unwrap();

    assert_eq!(scene.sensors.len(), 9);
    assert_eq!(scene.events.len(), 7);
    assert!((scene.speed_of_sound - 340.3).abs() < 0.05);
    let revi = &scene.events[0];
    assert_eq!(revi.sensors[0], scene.sensor_index("Ex-8").unwrap());
    assert_eq!(revi.band_hz, Some((2000.0, 6500.0)));
    assert_eq!(scene.events[6].label.as_deref(), Some("CCSP"));

    // Neighbouring stations are about 40 m apart in the local frame, and the frame is
    // centred on the array.
    let gap = |a: usize, b: usize| {
        let (p, q) = (scene.sensors[a].local, scene.sensors[b].local);
        ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
    };
    assert!((35.0..45.0).contains(&gap(0, 1)), "{}", gap(0, 1));
    let mean_east: f64 = scene.sensors.iter().map(|s| s.local[0]).sum::<f64>() / 9.0;
    assert!(mean_east.abs() < 0.01, "{mean_east}");

    // The height bounds in the local frame: about 5 m below to 16 m above the mean station.
    let (low, high) = scene.solver.local_height_bounds(&scene.frame);
    assert!((-6.0..-4.0).contains(&low.unwrap()), "{low:?}");
    assert!((15.0..17.0).contains(&high.unwrap()), "{high:?}");
}

#[test]
fn clock_offsets_are_read_and_default_to_zero() {
    let text = local_scene(&[(
        "audio = \"B.wav\"\n",
        "audio = \"B.wav\"\nclock_offset_s = -0.137\n",
    )]);
    let scene = Scene::from_toml_str(&text, scene_path("clock-offset")).unwrap();
    let offsets: Vec<f64> = scene.sensors.iter().map(|s| s.clock_offset_s).collect();
    assert_eq!(offsets, vec![0.0, -0.137, 0.0]);
}

#[test]
fn bad_clock_offsets_name_the_sensor_and_the_field() {
    for (test, value, expected) in [
        ("offset-nan", "nan", "got NaN"),
        ("offset-inf", "-inf", "got -inf"),
        ("offset-huge", "1e9", "got 1000000000"),
        ("offset-day", "86400.5", "at most 86400"),
    ] {
        let edit = format!("audio = \"B.wav\"\nclock_offset_s = {value}\n");
        let text = local_scene(&[("audio = \"B.wav\"\n", edit.as_str())]);
        let (field, message) = scene_error(test, &text);
        assert_eq!(field, "sensors[1].clock_offset_s", "{value}: {message}");
        assert!(message.contains("sensor \"B\""), "{value}: {message}");
        assert!(message.contains(expected), "{value}: {message}");
    }

    let text = local_scene(&[(
        "audio = \"B.wav\"\n",
        "audio = \"B.wav\"\nclock_offset_s = \"0.1\"\n",
    )]);
    let (field, message) = scene_error("offset-text", &text);
    assert_eq!(field, "sensors[1].clock_offset_s");
    assert!(message.contains("line 19, column 18"), "{message}");
    assert!(message.contains("sensor \"B\""), "{message}");
}

#[test]
fn wrong_types_say_what_toml_value_was_expected_not_which_rust_type() {
    // (edit, field, expected, got): each message names the file (checked by scene_error),
    // the field and the value as written, in the words of a TOML file.
    let cases = [
        (
            ("audio = \"B.wav\"", "audio = \"B.wav\"\nchannel = \"left\""),
            "sensors[1].channel",
            "expected a whole number ≥ 0",
            "got the text \"left\"",
        ),
        (
            ("audio = \"B.wav\"", "audio = \"B.wav\"\nchannel = -1"),
            "sensors[1].channel",
            "expected a whole number ≥ 0",
            "got -1",
        ),
        (
            // Found by a tester: serde's "as i128" leaked into the message.
            (
                "audio = \"B.wav\"",
                "audio = \"B.wav\"\nchannel = 99999999999999999999",
            ),
            "sensors[1].channel",
            "expected a whole number ≥ 0",
            "got 99999999999999999999, too large for a 64-bit integer",
        ),
        (
            ("audio = \"B.wav\"", "audio = \"B.wav\"\nchannel = 1.5"),
            "sensors[1].channel",
            "expected a whole number ≥ 0",
            "got 1.5",
        ),
        (
            ("start_s = 1.0", "start_s = \"1.0\""),
            "events[0].start_s",
            "expected a number",
            "got the text \"1.0\"",
        ),
        (
            ("temperature_c = 20.0", "temperature_c = true"),
            "air.temperature_c",
            "expected a number",
            "got true",
        ),
        (
            ("[10.0, 0.0, 0.0]", "\"10 m east\""),
            "sensors[1].position",
            "expected a list in brackets",
            "got the text \"10 m east\"",
        ),
        (
            ("id = \"B\"", "id = 2"),
            "sensors[1].id",
            "expected text in quotes",
            "got 2",
        ),
        (
            ("audio = \"B.wav\"", "audio = 2"),
            "sensors[1].audio",
            "expected a file path in quotes",
            "got 2",
        ),
        (
            ("[\"C\", \"A\", \"B\"]", "[\"C\", \"A\", 2]"),
            "events[0].sensors[2]",
            "expected text in quotes",
            "got 2",
        ),
        (
            (
                "system = \"local\"",
                "system = \"local\"\norigin = \"Lyon\"",
            ),
            "coordinates.origin",
            "expected a table of keys and values",
            "got the text \"Lyon\"",
        ),
        (
            ("system = \"local\"", "system = 3"),
            "coordinates.system",
            "expected a name in quotes",
            "got 3",
        ),
        (
            (
                "system = \"local\"",
                "system = \"utm\"\nzone = 12\nhemisphere = \"up\"",
            ),
            "coordinates.hemisphere",
            "expected \"north\" or \"south\"",
            "got \"up\"",
        ),
        (
            ("[[sensors]]", "[solver]\ndimension = 2.5\n\n[[sensors]]"),
            "solver.dimension",
            "expected a whole number",
            "got 2.5",
        ),
    ];
    for (index, (edit, field, expected, got)) in cases.into_iter().enumerate() {
        let text = local_scene(&[edit]);
        let (found, message) = scene_error(&format!("type-{index}"), &text);
        assert_eq!(found, field, "{message}");
        assert!(
            message.contains(&format!("{field}: ")) && message.contains("line "),
            "{message}"
        );
        assert!(
            message.contains(expected) && message.contains(got),
            "{message}"
        );
        for jargon in [
            "invalid type",
            "invalid value",
            "usize",
            "i64",
            "f64",
            "struct",
        ] {
            assert!(!message.contains(jargon), "{jargon}: {message}");
        }
    }

    // A type error in a sensor's table names the sensor too.
    let text = local_scene(&[("audio = \"B.wav\"", "audio = \"B.wav\"\nchannel = \"left\"")]);
    let (_, message) = scene_error("type-sensor", &text);
    assert!(message.contains("sensor \"B\""), "{message}");
}

#[test]
fn a_scene_needs_two_sensors_and_says_how_many_locating_needs() {
    // Sensor B and C removed: one sensor measures no delay.
    let one = local_scene(&[
        (
            "[[sensors]]\nid = \"B\"\nposition = [10.0, 0.0, 0.0]\naudio = \"B.wav\"\n",
            "",
        ),
        (
            "[[sensors]]\nid = \"C\"\nposition = [0.0, 10.0, 1.0]\naudio = \"C.wav\"\n",
            "",
        ),
        ("sensors = [\"C\", \"A\", \"B\"]\n", ""),
    ]);
    let (field, message) = scene_error("one-sensor-scene", &one);
    assert_eq!(field, "sensors");
    assert!(
        message.contains("expected at least 2 [[sensors]] entries")
            && message.contains("4 to locate a source in 3-D")
            && message.ends_with("got 1"),
        "{message}"
    );

    // In 2-D, three locate.
    let flat = one.replacen("[[sensors]]", "[solver]\ndimension = 2\n\n[[sensors]]", 1);
    let (_, message) = scene_error("one-sensor-2d", &flat);
    assert!(message.contains("3 to locate a source in 2-D"), "{message}");

    // No sensor at all.
    let none = "sensors = []\n\n[air]\ntemperature_c = 20.0\n\n[coordinates]\nsystem = \"local\"\n";
    let (field, message) = scene_error("no-sensor", none);
    assert_eq!(field, "sensors", "{message}");
    assert!(message.ends_with("got 0"), "{message}");

    // Two sensors load: their delay can be measured (a 3-D position then needs more).
    let two = local_scene(&[
        (
            "[[sensors]]\nid = \"C\"\nposition = [0.0, 10.0, 1.0]\naudio = \"C.wav\"\n",
            "",
        ),
        ("sensors = [\"C\", \"A\", \"B\"]\n", ""),
    ]);
    let scene = Scene::from_toml_str(&two, scene_path("two-sensors")).unwrap();
    assert_eq!(scene.sensors.len(), 2);
}

#[test]
fn an_event_listing_a_sensor_twice_is_refused() {
    let text = local_scene(&[("[\"C\", \"A\", \"B\"]", "[\"C\", \"A\", \"C\"]")]);
    let (field, message) = scene_error("event-sensor-twice", &text);
    assert_eq!(field, "events[0].sensors[2]");
    assert!(
        message.contains("expected each sensor once, got \"C\" again"),
        "{message}"
    );
}
