//! Onset detection throughput, in samples per second of one sensor.
//!
//! `detect/in_memory` runs the detector over 60 s of 48 kHz noise with a burst every
//! second, in one-second blocks. `detect/read_and_detect` streams a 60 s 16-bit mono WAV
//! file from a temporary folder through [`detect_onsets_in_file`], so it includes opening,
//! reading and decoding. `audio/read_16bit` times the reading and decoding alone.
//! Criterion reports elements per second; divide by 48 000 for the ratio to real time.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hound::{SampleFormat, WavSpec, WavWriter};
use soundloc::audio::WavStream;
use soundloc::detect::{DetectorConfig, OnsetDetector, detect_onsets_in_file};
use soundloc_benches::{SAMPLE_RATE, noise};

const SECONDS: usize = 60;

/// Quiet noise with a decaying burst at the start of every second.
fn signal() -> Vec<f64> {
    let rate = SAMPLE_RATE as usize;
    let mut signal: Vec<f64> = noise(SECONDS * rate, 11).iter().map(|x| 0.01 * x).collect();
    let burst = noise(2400, 12);
    for second in 0..SECONDS {
        let start = second * rate + rate / 3;
        for (i, b) in burst.iter().enumerate() {
            signal[start + i] += 0.5 * b * (-(i as f64) / 300.0).exp();
        }
    }
    signal
}

fn detect(c: &mut Criterion) {
    let signal = signal();
    let n_samples = signal.len() as u64;
    let block = SAMPLE_RATE as usize;

    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(n_samples));
    group.sample_size(20);
    group.bench_function("in_memory", |b| {
        b.iter(|| {
            let mut detector =
                OnsetDetector::new(DetectorConfig::default(), SAMPLE_RATE, 0).expect("valid");
            let mut onsets = Vec::new();
            for piece in signal.chunks(block) {
                detector
                    .push(black_box(piece), &mut onsets)
                    .expect("finite");
            }
            detector.finish(&mut onsets);
            assert_eq!(onsets.len(), SECONDS);
            onsets
        })
    });

    // The same signal as a 16-bit mono file.
    let dir = std::env::temp_dir().join(format!("soundloc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let path = dir.join("detect-60s.wav");
    let spec = WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE as u32,
        bits_per_sample: 16,
        sample_format: SampleFormat::Int,
    };
    let mut writer = WavWriter::create(&path, spec).expect("a writable file");
    for &x in &signal {
        writer
            .write_sample((x * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16)
            .expect("written");
    }
    writer.finalize().expect("written");

    group.bench_function("read_and_detect", |b| {
        b.iter(|| {
            let onsets = detect_onsets_in_file(&path, 0, DetectorConfig::default(), 0)
                .expect("a readable file");
            assert_eq!(onsets.len(), SECONDS);
            onsets
        })
    });
    group.finish();

    let mut group = c.benchmark_group("audio");
    group.throughput(Throughput::Elements(n_samples));
    group.bench_function("read_16bit", |b| {
        b.iter(|| {
            let mut stream = WavStream::open(&path).expect("a readable file");
            let mut chunk = Vec::with_capacity(block);
            let mut sum = 0.0;
            while stream
                .read_channel_chunk(0, block, &mut chunk)
                .expect("read")
                > 0
            {
                sum += chunk[0];
            }
            sum
        })
    });
    group.finish();
    std::fs::remove_dir_all(&dir).expect("removed");
}

criterion_group!(benches, detect);
criterion_main!(benches);
