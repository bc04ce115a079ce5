//! Shared helpers for the unit tests: seeded signals, exact fractional delays and a
//! naive time-domain correlation to check the FFT path against.

use num_complex::Complex64;
use rand::{Rng, SeedableRng, rngs::StdRng};
use rand_distr::StandardNormal;
use realfft::RealFftPlanner;

/// A reproducible random generator.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// `len` samples of unit-variance white Gaussian noise.
pub fn white_noise(rng: &mut StdRng, len: usize) -> Vec<f64> {
    (0..len).map(|_| rng.sample(StandardNormal)).collect()
}

/// `signal` delayed by `delay` samples (fractional allowed), circularly, by a phase
/// ramp in the frequency domain: the exact band-limited delay of a periodic signal.
pub fn delayed(signal: &[f64], delay: f64) -> Vec<f64> {
    let len = signal.len();
    let mut planner = RealFftPlanner::<f64>::new();
    let forward = planner.plan_fft_forward(len);
    let inverse = planner.plan_fft_inverse(len);

    let mut time = signal.to_vec();
    let mut spectrum = forward.make_output_vec();
    forward.process(&mut time, &mut spectrum).unwrap();
    for (k, bin) in spectrum.iter_mut().enumerate() {
        let phase = -2.0 * std::f64::consts::PI * k as f64 * delay / len as f64;
        *bin *= Complex64::from_polar(1.0 / len as f64, phase);
    }
    // The Nyquist bin of a real signal must stay real; a fractional delay rotates it,
    // so keep only its real part (that frequency carries no usable phase anyway).
    let last = spectrum.len() - 1;
    spectrum[0].im = 0.0;
    spectrum[last].im = 0.0;
    inverse.process(&mut spectrum, &mut time).unwrap();
    time
}

/// Adds white noise so that the signal-to-noise ratio is `snr_db`.
pub fn add_noise(rng: &mut StdRng, signal: &[f64], snr_db: f64) -> Vec<f64> {
    let power = signal.iter().map(|x| x * x).sum::<f64>() / signal.len() as f64;
    let noise_std = (power / 10f64.powf(snr_db / 10.0)).sqrt();
    signal
        .iter()
        .map(|x| x + noise_std * rng.sample::<f64, _>(StandardNormal))
        .collect()
}

/// Naive O(n^2) linear cross-correlation of the mean-removed frames:
/// `r[lag] = sum_n x_i[n] x_j[n + lag]` for `lag` in `-max_lag..=max_lag`.
pub fn naive_correlation(x_i: &[f64], x_j: &[f64], max_lag: i64) -> Vec<f64> {
    let centre = |x: &[f64]| {
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        x.iter().map(|v| v - mean).collect::<Vec<f64>>()
    };
    let (a, b) = (centre(x_i), centre(x_j));
    (-max_lag..=max_lag)
        .map(|lag| {
            (0..a.len() as i64)
                .filter(|n| (0..b.len() as i64).contains(&(n + lag)))
                .map(|n| a[n as usize] * b[(n + lag) as usize])
                .sum()
        })
        .collect()
}
