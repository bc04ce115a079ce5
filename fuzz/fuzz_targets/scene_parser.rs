//! Any text as a scene file, a simulation spec or an array scene: each parser must
//! return a value or an error naming what is wrong, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use soundloc::doa::scene::ArrayScene;
use soundloc::scene::Scene;
use soundloc::simulate::SimulationSpec;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    // Paths inside the text are resolved against this folder, which holds no audio.
    let path = std::env::temp_dir().join("soundloc-fuzz").join("scene.toml");
    if let Ok(scene) = Scene::from_toml_str(&text, &path) {
        // A parsed scene is usable: positions are finite, ids unique.
        for sensor in &scene.sensors {
            assert!(sensor.local.iter().all(|x| x.is_finite()));
        }
    }
    let _ = SimulationSpec::from_toml_str(&text, &path);
    let _ = ArrayScene::from_toml_str(&text, &path);
});
