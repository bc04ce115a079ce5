//! SRP-PHAT direction finding, one frame per call, as a live array would run it.
//!
//! The array is the 16-microphone two-ring layout of [`two_ring_array`] (two rings of
//! eight, radius 10 cm, 10 cm apart vertically, 22 cm aperture: 120 pairs), the grid the
//! 2562 directions of `SearchGrid::sphere(4)` (about 4 degrees apart), the signals
//! 16 kHz noise from one direction with independent noise 20 dB down, frames of 512
//! samples. A live array with an 8 ms hop (128 samples) delivers 125 frames a second,
//! so a call must take at most 8 ms to keep up, and 400 µs to run 20 times faster than
//! real time on one core.
//!
//! `srp_phat/{band}/{refined,grid_only}`: `process_frame` on one frame, with and without
//! off-grid refinement of the peak, for the default speech band (300 Hz to 4 kHz) and
//! for nearly the full band (100 Hz to 7.9 kHz). Nothing runs in parallel.
//!
//! `srp_phat_pooled/speech/125_frames`: `process_spectra` over one second of the same
//! scene (125 frames of 512 at an 8 ms hop, the STFT computed once outside the timing),
//! one refined estimate for all frames, as pyroomacoustics' `locate_sources` does.
//!
//! `music_pooled/speech/125_frames`: the same second through `Music::process_spectra`
//! (one covariance per bin over all frames, its eigendecomposition, the pseudo-spectrum
//! on the same 2562 directions, one refined source), NormMUSIC off, as the comparison
//! script (`benches/compare.py`) runs it against pyroomacoustics.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ndarray::{Array3, ArrayView3};
use num_complex::Complex64;
use soundloc::array::{Direction, MicArray};
use soundloc::doa::SourceEstimate;
use soundloc::doa::grid::SearchGrid;
use soundloc::doa::music::{Music, MusicConfig};
use soundloc::doa::srp::{SrpConfig, SrpPhat};
use soundloc::doa::stft::Stft;
use soundloc_benches::{array_frame, two_ring_array};

const SAMPLE_RATE: f64 = 16_000.0;
const FFT_LEN: usize = 512;
const HOP: usize = 128;
const POOLED_FRAMES: usize = 125;

fn srp_phat(c: &mut Criterion) {
    let array = MicArray::new(two_ring_array()).expect("a valid array");
    let source = Direction::new(0.9, 1.1);
    let delays = array.far_field_delays_s(&source, 343.0);
    let samples = array_frame(&delays, SAMPLE_RATE, FFT_LEN, 0.1);
    let frame = ndarray::Array2::from_shape_vec((array.len(), FFT_LEN), samples)
        .expect("one row per microphone");

    let mut group = c.benchmark_group("srp_phat");
    for (band_name, band) in [("speech", (300.0, 4000.0)), ("full", (100.0, 7900.0))] {
        for (name, refine) in [("refined", true), ("grid_only", false)] {
            let config = SrpConfig {
                fft_len: FFT_LEN,
                freq_range_hz: band,
                refine,
                ..SrpConfig::new(SAMPLE_RATE)
            };
            let grid = SearchGrid::sphere(4).expect("a valid grid");
            let mut srp = SrpPhat::new(array.clone(), grid, config).expect("a valid plan");
            let found = srp.process_frame(frame.view()).expect("a source")[0]
                .direction()
                .expect("a direction")
                .direction;
            assert!(found.angle_to(&source).to_degrees() < 5.0, "{found:?}");

            group.bench_function(BenchmarkId::new(band_name, name), |b| {
                b.iter(|| {
                    srp.process_frame(black_box(frame.view()))
                        .expect("a source")
                })
            });
        }
    }
    group.finish();
}

/// One second of the scene: the array, the true direction and its STFT (125 frames).
fn pooled_scene() -> (MicArray, Direction, Array3<Complex64>) {
    let array = MicArray::new(two_ring_array()).expect("a valid array");
    let source = Direction::new(0.9, 1.1);
    let delays = array.far_field_delays_s(&source, 343.0);
    let len = FFT_LEN + (POOLED_FRAMES - 1) * HOP;
    let samples = array_frame(&delays, SAMPLE_RATE, len, 0.1);
    let signals = ndarray::Array2::from_shape_vec((array.len(), len), samples)
        .expect("one row per microphone");
    let spectra = Stft::new(FFT_LEN, HOP)
        .expect("a valid STFT")
        .process(signals.view())
        .expect("spectra");
    assert_eq!(spectra.dim().2, POOLED_FRAMES);
    (array, source, spectra)
}

/// Checks `process` on one second of the scene (within 5 degrees of the source), then
/// times it as `{group}/speech/125_frames`.
fn bench_pooled(
    c: &mut Criterion,
    group: &str,
    spectra: ArrayView3<Complex64>,
    source: &Direction,
    mut process: impl FnMut(ArrayView3<Complex64>) -> Vec<SourceEstimate>,
) {
    let found = process(spectra)[0]
        .direction()
        .expect("a direction")
        .direction;
    assert!(
        found.angle_to(source).to_degrees() < 5.0,
        "{group}: {found:?}"
    );

    let mut group = c.benchmark_group(group);
    group.bench_function(
        BenchmarkId::new("speech", format!("{POOLED_FRAMES}_frames")),
        |b| b.iter(|| process(black_box(spectra))),
    );
    group.finish();
}

fn srp_phat_pooled(c: &mut Criterion) {
    let (array, source, spectra) = pooled_scene();
    let config = SrpConfig {
        fft_len: FFT_LEN,
        ..SrpConfig::new(SAMPLE_RATE)
    };
    let grid = SearchGrid::sphere(4).expect("a valid grid");
    let mut srp = SrpPhat::new(array, grid, config).expect("a valid plan");
    bench_pooled(c, "srp_phat_pooled", spectra.view(), &source, |s| {
        srp.process_spectra(s).expect("a source")
    });
}

fn music_pooled(c: &mut Criterion) {
    let (array, source, spectra) = pooled_scene();
    let config = MusicConfig {
        fft_len: FFT_LEN,
        sample_rate: SAMPLE_RATE,
        normalise: false,
        ..MusicConfig::default()
    };
    let grid = SearchGrid::sphere(4).expect("a valid grid");
    let mut music = Music::new(array, grid, config).expect("a valid plan");
    bench_pooled(c, "music_pooled", spectra.view(), &source, |s| {
        music.process_spectra(s).expect("a source")
    });
}

criterion_group!(benches, srp_phat, srp_phat_pooled, music_pooled);
criterion_main!(benches);
