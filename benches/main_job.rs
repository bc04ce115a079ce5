//! The main job end to end: `soundloc locate` on the shipped recordings, minus printing.
//!
//! The scene is `datasets/locar-aru9` (nine 7 s WAV files, 24 kHz, 16-bit; seven annotated
//! bird songs of four or five sensors each).
//!
//! `main_job/load_and_locate` times what the command line tool does before it formats
//! its report: reading and checking the scene file, reading and decoding every WAV file,
//! then locating every event. `main_job/locate_events` times the last step alone on a
//! scene whose audio is already in memory (what `Scene.locate_events` costs in Python once
//! the scene is loaded). Both count one iteration per whole scene; criterion's time is
//! per scene, seven events.
//!
//! Every iteration checks that each event was located, so a change that breaks the job
//! cannot pass for a faster one.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use soundloc::event::{EventEstimate, EventOptions, SceneAudio, locate_events};
use soundloc::scene::Scene;

/// The scene the command line tool locates when given none.
fn scene_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets/locar-aru9/scene.toml")
}

/// Every event of the scene located, in order, as `soundloc locate` does; panics on an
/// event that fails, which the shipped scene never does.
fn locate_all(scene: &Scene, audio: &SceneAudio, options: &EventOptions) -> Vec<EventEstimate> {
    locate_events(scene, audio, options)
        .into_iter()
        .map(|result| result.expect("a located event"))
        .collect()
}

fn main_job(c: &mut Criterion) {
    let path = scene_path();
    let options = EventOptions::default();
    let mut group = c.benchmark_group("main_job");
    group.sample_size(30);

    group.bench_function("load_and_locate", |b| {
        b.iter(|| {
            let scene = Scene::from_file(black_box(&path)).expect("the shipped scene");
            let audio = SceneAudio::load(&scene).expect("the shipped recordings");
            locate_all(&scene, &audio, &options)
        })
    });

    let scene = Scene::from_file(&path).expect("the shipped scene");
    let audio = SceneAudio::load(&scene).expect("the shipped recordings");
    group.bench_function("locate_events", |b| {
        b.iter(|| locate_all(black_box(&scene), black_box(&audio), &options))
    });
    group.finish();
}

criterion_group!(benches, main_job);
criterion_main!(benches);
