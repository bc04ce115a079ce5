//! Time differences on real, low-SNR audio: six recorders on three trees heard one
//! flight call (`datasets/oss-loca2021`, OpenSoundscape test data, MIT). The data set
//! gives reference delays relative to recorder 652_3, computed with whole-sample
//! resolution (its own test accepts 10 ms around them).

use std::path::PathBuf;

use soundloc::event::{EventOptions, SceneAudio, measure_delays};
use soundloc::scene::Scene;

/// Reference `t_k - t_3` in seconds for recorders 3, 4, 5, 6, 7, 8 (SOURCE.md).
const REFERENCE_DELAYS_S: [f64; 6] = [0.0, 0.0325, -0.002, 0.0316, -0.0086, 0.024];

#[test]
fn delays_match_the_reference_and_close_around_every_triangle() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/oss-loca2021/scene.toml");
    let scene = Scene::from_file(path).unwrap();
    let audio = SceneAudio::load(&scene).unwrap();
    let window = &scene.events[0];
    let delays =
        measure_delays(&audio.recordings(&scene), window, &EventOptions::default()).unwrap();
    assert!(delays.unconfirmed.is_empty(), "{:?}", delays.unconfirmed);

    // Delays to the reference recorder, against the data set's own values.
    let delay = |i: usize, j: usize| {
        delays.measurements.iter().find_map(|m| {
            if (m.i, m.j) == (i, j) {
                Some(m.delay_s)
            } else if (m.i, m.j) == (j, i) {
                Some(-m.delay_s)
            } else {
                None
            }
        })
    };
    for (k, reference) in REFERENCE_DELAYS_S.iter().enumerate().skip(1) {
        let measured = delay(0, k).unwrap();
        eprintln!(
            "652_{}: {:+.2} ms (reference {:+.2} ms)",
            k + 3,
            measured * 1e3,
            reference * 1e3
        );
        assert!(
            (measured - reference).abs() <= 1.5e-3,
            "recorder {k}: {measured}"
        );
    }

    // Closure: t_ab + t_bc = t_ac for every triangle whose three pairs were kept.
    let mut worst: f64 = 0.0;
    let mut triangles = 0;
    for a in 0..6 {
        for b in a + 1..6 {
            for c in b + 1..6 {
                if let (Some(ab), Some(bc), Some(ac)) = (delay(a, b), delay(b, c), delay(a, c)) {
                    worst = worst.max((ab + bc - ac).abs());
                    triangles += 1;
                }
            }
        }
    }
    eprintln!(
        "closure over {triangles} triangles: worst {:.3} ms",
        worst * 1e3
    );
    assert!(triangles >= 10, "only {triangles} closed triangles");
    assert!(worst <= 0.3e-3, "closure error {worst}");
}
