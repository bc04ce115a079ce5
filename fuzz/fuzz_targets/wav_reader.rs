//! Any bytes as a WAV file: the reader must return samples or an error, never panic,
//! hang or allocate without bound.
//!
//! The reader takes a path (it streams from disk), so each input is written to a file
//! in the system's temporary folder first.

#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use soundloc::audio::{WavStream, read_channel_window, read_wav};

fn scratch_path() -> PathBuf {
    std::env::temp_dir().join(format!("soundloc-fuzz-{}.wav", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    let path = scratch_path();
    std::fs::write(&path, data).expect("the temporary folder is writable");

    // Every sample read must be finite: the reader refuses NaN and infinity.
    if let Ok(recording) = read_wav(&path) {
        for channel in 0..recording.n_channels() {
            let samples = recording
                .window(channel, 0.0, recording.duration_s())
                .unwrap_or(&[]);
            assert!(samples.iter().all(|x| x.is_finite()));
        }
    }

    // A window of the first channel, and streaming in small chunks.
    let _ = read_channel_window(&path, 0, 0.0, 0.01);
    if let Ok(mut stream) = WavStream::open(&path) {
        let mut chunk = Vec::new();
        for _ in 0..4 {
            if stream.read_channel_chunk(0, 64, &mut chunk).is_err() {
                break;
            }
        }
    }
});
