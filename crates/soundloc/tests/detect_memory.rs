//! Continuous detection streams its recordings (issue 7: "very long input: memory stays
//! bounded"): the most heap it holds at once must not grow with the recordings'
//! duration. Counted by dhat's allocator, which tracks the bytes live: a count, not a
//! timing; `benches/city_hour.py` measures the whole process on an hour of audio.
//!
//! SIMULATED: the same five sensors and claps, in recordings of 20 s and of 160 s.

use std::path::Path;

use soundloc::continuous::{DetectOptions, detect_events};
use soundloc::scene::Scene;
use soundloc::simulate::{SimulationSpec, simulate};

mod square;
use square::square_spec;

/// dhat's allocator: the system's, counting the bytes live and the most ever live while
/// a profiler runs.
#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// The shared five-sensor square (`square/mod.rs`) at 16 kHz, a clap every 10 s.
fn spec_text(duration_s: f64) -> String {
    let claps: Vec<(f64, [f64; 3])> = (0..)
        .map(|k| 5.0 + 10.0 * f64::from(k))
        .take_while(|&time| time < duration_s - 2.0)
        .map(|time| {
            let angle = time * 0.7;
            (time, [30.0 * angle.cos(), 30.0 * angle.sin(), 1.0])
        })
        .collect();
    square_spec(4, duration_s, Some(16_000), &claps)
}

/// Simulates `duration_s` of the scene under `dir`, then detects its events and returns
/// how many it found and the most heap, bytes, live at once during the detection.
fn peak_heap_of_detection(dir: &Path, duration_s: f64) -> (usize, usize, usize) {
    std::fs::create_dir_all(dir).unwrap();
    let spec_path = dir.join("spec.toml");
    std::fs::write(&spec_path, spec_text(duration_s)).unwrap();
    let spec = SimulationSpec::from_file(&spec_path).unwrap();
    let truth = simulate(&spec, &dir.join("out")).unwrap();
    let scene = Scene::from_file(dir.join("out/scene.toml")).unwrap();

    // Only the detection is profiled: the simulation before holds whole signals. It runs
    // on one thread: with more, how many events are in flight at once (and so the peak)
    // depends on scheduling, which a loaded machine varies from run to run.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let profiler = dhat::Profiler::builder().testing().build();
    let detection = pool
        .install(|| detect_events(&scene, &DetectOptions::default(), &|_| {}))
        .unwrap();
    let peak = dhat::HeapStats::get().max_bytes;
    drop(profiler);
    (detection.events.len(), truth.events.len(), peak)
}

#[test]
fn detection_holds_no_more_memory_for_eight_times_the_audio() {
    let dir = std::env::temp_dir().join(format!("soundloc-memory-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let (found_short, true_short, short) = peak_heap_of_detection(&dir.join("short"), 20.0);
    let (found_long, true_long, long) = peak_heap_of_detection(&dir.join("long"), 160.0);
    let _ = std::fs::remove_dir_all(&dir);

    // The audio alone: 160 s of five sensors as f64 would be 102 MB.
    let whole_audio = 160 * 16_000 * 5 * 8;
    eprintln!(
        "peak heap during detection: {:.2} MB for 20 s, {:.2} MB for 160 s \
         (all 160 s of audio as f64: {:.0} MB); events found {found_short}/{true_short} and \
         {found_long}/{true_long}",
        short as f64 / 1e6,
        long as f64 / 1e6,
        whole_audio as f64 / 1e6
    );
    assert_eq!((found_short, found_long), (true_short, true_long));
    assert!(
        (long as f64) < 1.25 * short as f64,
        "the peak grew from {short} to {long} bytes"
    );
    assert!(long < whole_audio / 10);
}
