//! GCC-PHAT per frame, and the bare FFT work it contains, at the same padded size.
//!
//! `gcc_phat/{frame_len}/{variant}` times `GccPhat::tdoa` on a noisy delayed pair over
//! every lag the frames hold: `phat` is the default (PHAT, band-limited sub-sample
//! refinement), `phat_no_refinement` stops at the whole-sample peak, and `cc`,
//! `phat_beta_0.7`, `scot`, `roth`, `ht` are the other weightings (refined). Every
//! variant runs at the frame lengths the issue names (1024, 4096, 48000); 256 runs the
//! default only.
//! `fft_only/{frame_len}` times what no GCC can avoid: two forward real FFTs and one
//! inverse at the padded size `fft_len`, including copying each frame into the padded
//! buffer. The ratio of the two is the cost of everything else (weighting, peak search,
//! refinement). `fft_only/{frame_len}/phat_floor` adds the least any GCC-PHAT does
//! between those transforms: the cross-spectrum normalised bin by bin (a square root
//! and a division each) and the whole-sample arg-max, with no mean removal, band,
//! statistics or refinement. What that adds to the bare FFTs is the room a full
//! estimator can never win back.
//! `gcc_all_pairs/{n_channels}x{frame_len}` times `GccPhat::tdoa_all_pairs` over every
//! pair of a noisy multichannel frame (one forward FFT per channel, pairs on the rayon
//! pool), next to `pairwise_tdoa`: the same pairs one `GccPhat::tdoa` call at a time.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use num_complex::Complex64;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use soundloc::gcc::{GccConfig, GccPhat, PairBounds, all_pairs};
use soundloc::peak::Refinement;
use soundloc::weighting::Weighting;
use soundloc_benches::{SAMPLE_RATE, delayed_pair, noise};

const FRAME_LENS: [usize; 4] = [256, 1024, 4096, 48_000];

/// Frames this long or longer get every weighting and the unrefined variant.
const VARIANT_MIN_FRAME_LEN: usize = 1024;

/// Frames longer than this are timed with fewer samples (each call takes milliseconds).
const LONG_FRAME_LEN: usize = 4096;

fn gcc_phat(c: &mut Criterion) {
    for frame_len in FRAME_LENS {
        let (x_i, x_j) = delayed_pair(frame_len, frame_len / 10, 0.3);
        let mut group = c.benchmark_group(format!("gcc_phat/{frame_len}"));
        group.throughput(Throughput::Elements(frame_len as u64));

        let mut variants = vec![("phat", GccConfig::default())];
        if frame_len > LONG_FRAME_LEN {
            group.sample_size(20);
        }
        if frame_len >= VARIANT_MIN_FRAME_LEN {
            variants.push((
                "phat_no_refinement",
                GccConfig {
                    refinement: Refinement::None,
                    ..GccConfig::default()
                },
            ));
            for (name, weighting) in [
                ("cc", Weighting::Cc),
                ("phat_beta_0.7", Weighting::PhatBeta(0.7)),
                ("scot", Weighting::Scot),
                ("roth", Weighting::Roth),
                ("ht", Weighting::Ht),
            ] {
                variants.push((
                    name,
                    GccConfig {
                        weighting,
                        ..GccConfig::default()
                    },
                ));
            }
        }

        for (name, config) in variants {
            let mut gcc = GccPhat::new(frame_len, SAMPLE_RATE, config).expect("valid plan");
            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| {
                    gcc.tdoa(black_box(&x_i), black_box(&x_j), None)
                        .expect("a delay")
                })
            });
        }
        group.finish();
    }
}

fn fft_only(c: &mut Criterion) {
    for frame_len in FRAME_LENS {
        let fft_len = GccPhat::new(frame_len, SAMPLE_RATE, GccConfig::default())
            .expect("valid plan")
            .fft_len();
        let (x_i, x_j) = delayed_pair(frame_len, frame_len / 10, 0.3);
        let mut ffts = BareFfts::new(fft_len);

        let mut group = c.benchmark_group(format!("fft_only/{frame_len}"));
        group.throughput(Throughput::Elements(frame_len as u64));
        group.bench_function(BenchmarkId::new("fwd_fwd_inv", fft_len), |b| {
            b.iter(|| {
                ffts.forward_pair(black_box(&x_i), black_box(&x_j));
                // The first spectrum stands in for the cross-spectrum.
                std::mem::swap(&mut ffts.cross, &mut ffts.spectra[0]);
                black_box(ffts.inverse_cross()[0])
            })
        });

        // The floor: the same transforms with the least a GCC-PHAT does between them.
        group.bench_function(BenchmarkId::new("phat_floor", fft_len), |b| {
            b.iter(|| {
                ffts.forward_pair(black_box(&x_i), black_box(&x_j));
                let [spectrum_i, spectrum_j] = &ffts.spectra;
                phat_cross_spectrum(spectrum_i, spectrum_j, &mut ffts.cross);
                black_box(arg_max(ffts.inverse_cross()))
            })
        });
        group.finish();
    }
}

/// Two forward real FFTs and one inverse at one padded size, with their buffers.
struct BareFfts {
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
    time: Vec<f64>,
    spectra: [Vec<Complex64>; 2],
    cross: Vec<Complex64>,
    forward_scratch: Vec<Complex64>,
    inverse_scratch: Vec<Complex64>,
    correlation: Vec<f64>,
}

impl BareFfts {
    fn new(fft_len: usize) -> Self {
        let mut planner = RealFftPlanner::<f64>::new();
        let forward = planner.plan_fft_forward(fft_len);
        let inverse = planner.plan_fft_inverse(fft_len);
        BareFfts {
            time: forward.make_input_vec(),
            spectra: [forward.make_output_vec(), forward.make_output_vec()],
            cross: forward.make_output_vec(),
            forward_scratch: forward.make_scratch_vec(),
            inverse_scratch: inverse.make_scratch_vec(),
            correlation: inverse.make_output_vec(),
            forward,
            inverse,
        }
    }

    /// Both frames copied into the zero-padded buffer in turn and transformed into
    /// `spectra`.
    fn forward_pair(&mut self, x_i: &[f64], x_j: &[f64]) {
        for (frame, spectrum) in [x_i, x_j].into_iter().zip(&mut self.spectra) {
            self.time[..frame.len()].copy_from_slice(frame);
            self.time[frame.len()..].fill(0.0);
            self.forward
                .process_with_scratch(&mut self.time, spectrum, &mut self.forward_scratch)
                .expect("sizes match");
        }
    }

    /// The inverse FFT of `cross` (which it consumes).
    fn inverse_cross(&mut self) -> &[f64] {
        self.inverse
            .process_with_scratch(
                &mut self.cross,
                &mut self.correlation,
                &mut self.inverse_scratch,
            )
            .expect("sizes match");
        &self.correlation
    }
}

/// `X_i* X_j / |X_i* X_j|` into `cross`, bin by bin, as plainly as it can be written:
/// one square root and one division per bin, no band, no floor, no statistics.
fn phat_cross_spectrum(
    spectrum_i: &[Complex64],
    spectrum_j: &[Complex64],
    cross: &mut [Complex64],
) {
    for ((g, x_i), x_j) in cross.iter_mut().zip(spectrum_i).zip(spectrum_j) {
        let product = x_i.conj() * x_j;
        let inverse = 1.0 / product.norm_sqr().sqrt().max(f64::MIN_POSITIVE);
        *g = product * inverse;
    }
}

/// Index of the largest value: the whole-sample peak of a correlation.
fn arg_max(values: &[f64]) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (index, &value) in values.iter().enumerate() {
        if value > best.1 {
            best = (index, value);
        }
    }
    best.0
}

/// `(n_channels, frame_len)` of the all-pairs benches.
const ALL_PAIRS_SIZES: [(usize, usize); 4] = [(4, 4096), (8, 4096), (16, 4096), (16, 48_000)];

fn gcc_all_pairs(c: &mut Criterion) {
    for (n_channels, frame_len) in ALL_PAIRS_SIZES {
        // Channel k hears one noise source 3k samples late, with its own noise added.
        let lag_step = 3;
        let source = noise(frame_len + lag_step * n_channels, 1);
        let channels: Vec<Vec<f64>> = (0..n_channels)
            .map(|k| {
                let own = noise(frame_len, 10 + k as u64);
                let start = lag_step * (n_channels - k);
                (0..frame_len)
                    .map(|n| source[start + n] + 0.3 * own[n])
                    .collect()
            })
            .collect();
        let slices: Vec<&[f64]> = channels.iter().map(Vec::as_slice).collect();
        let bounds = PairBounds::Uniform(0.002);
        let mut gcc =
            GccPhat::new(frame_len, SAMPLE_RATE, GccConfig::default()).expect("valid plan");

        let mut group = c.benchmark_group(format!("gcc_all_pairs/{n_channels}x{frame_len}"));
        group.throughput(Throughput::Elements((n_channels * frame_len) as u64));
        if frame_len > LONG_FRAME_LEN {
            group.sample_size(10);
        }
        group.bench_function(BenchmarkId::from_parameter("tdoa_all_pairs"), |b| {
            b.iter(|| {
                gcc.tdoa_all_pairs(black_box(&slices), &bounds)
                    .expect("delays")
            })
        });
        group.bench_function(BenchmarkId::from_parameter("pairwise_tdoa"), |b| {
            b.iter(|| {
                all_pairs(n_channels)
                    .map(|(i, j)| {
                        gcc.tdoa(black_box(slices[i]), black_box(slices[j]), Some(0.002))
                            .expect("a delay")
                            .delay_s
                    })
                    .sum::<f64>()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, gcc_phat, fft_only, gcc_all_pairs);
criterion_main!(benches);
