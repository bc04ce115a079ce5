//! Array signals with a known answer, shared by the direction-of-arrival tests.
//!
//! A source signal is delayed to each microphone exactly: a phase ramp on its spectrum,
//! which is the band-limited fractional delay of a periodic signal. The signal is
//! generated twice as long as needed and the middle half kept, so that the circular
//! wrap never falls inside the returned samples as long as delays stay below a quarter
//! of the length.

#![allow(dead_code)]

use ndarray::Array2;
use num_complex::Complex64;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use realfft::RealFftPlanner;
use soundloc::array::{Direction, MicArray};

/// A reproducible random generator.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `len` samples of unit-variance white Gaussian noise.
pub fn white_noise(rng: &mut ChaCha8Rng, len: usize) -> Vec<f64> {
    (0..len).map(|_| rng.sample(StandardNormal)).collect()
}

/// `(n_mics, n_samples)` signals of `source` (at least `2 * n_samples` long) delayed
/// by `delays_s` (one per microphone, seconds, relative arrival times) and scaled by
/// `gains`; the middle `n_samples` of the circularly delayed source.
pub fn delayed_channels(
    source: &[f64],
    delays_s: &[f64],
    gains: &[f64],
    sample_rate: f64,
    n_samples: usize,
) -> Array2<f64> {
    let len = source.len();
    assert!(
        len >= 2 * n_samples,
        "the source must be twice the output length"
    );
    let mut planner = RealFftPlanner::<f64>::new();
    let forward = planner.plan_fft_forward(len);
    let inverse = planner.plan_fft_inverse(len);
    let mut time = source.to_vec();
    let mut spectrum = forward.make_output_vec();
    forward.process(&mut time, &mut spectrum).unwrap();

    let start = (len - n_samples) / 2;
    let mut out = Array2::<f64>::zeros((delays_s.len(), n_samples));
    for (mic, (&delay_s, &gain)) in delays_s.iter().zip(gains).enumerate() {
        let delay = delay_s * sample_rate;
        let mut shifted: Vec<Complex64> = spectrum
            .iter()
            .enumerate()
            .map(|(k, bin)| {
                let phase = -std::f64::consts::TAU * k as f64 * delay / len as f64;
                bin * Complex64::from_polar(gain / len as f64, phase)
            })
            .collect();
        let last = shifted.len() - 1;
        shifted[0].im = 0.0;
        shifted[last].im = 0.0;
        inverse.process(&mut shifted, &mut time).unwrap();
        for (o, v) in out
            .row_mut(mic)
            .iter_mut()
            .zip(&time[start..start + n_samples])
        {
            *o = *v;
        }
    }
    out
}

/// White noise from a far-field `direction`, `n_samples` per microphone.
pub fn far_field_noise(
    array: &MicArray,
    direction: &Direction,
    sample_rate: f64,
    speed_of_sound: f64,
    n_samples: usize,
    seed: u64,
) -> Array2<f64> {
    let source = white_noise(&mut rng(seed), 2 * n_samples);
    let delays = array.far_field_delays_s(direction, speed_of_sound);
    let gains = vec![1.0; array.len()];
    delayed_channels(&source, &delays, &gains, sample_rate, n_samples)
}

/// White noise from a point `source_m` (near field), with spherical spreading.
pub fn near_field_noise(
    array: &MicArray,
    source_m: [f64; 3],
    sample_rate: f64,
    speed_of_sound: f64,
    n_samples: usize,
    seed: u64,
) -> Array2<f64> {
    let source = white_noise(&mut rng(seed), 2 * n_samples);
    let delays = array.near_field_delays_s(source_m, speed_of_sound);
    let gains: Vec<f64> = array
        .positions()
        .iter()
        .map(|p| {
            let d = ((p[0] - source_m[0]).powi(2)
                + (p[1] - source_m[1]).powi(2)
                + (p[2] - source_m[2]).powi(2))
            .sqrt();
            1.0 / d
        })
        .collect();
    delayed_channels(&source, &delays, &gains, sample_rate, n_samples)
}

/// Adds independent white noise to every channel so that each has `snr_db`.
pub fn add_noise(signals: &mut Array2<f64>, snr_db: f64, seed: u64) {
    let mut rng = rng(seed);
    for mut channel in signals.outer_iter_mut() {
        let power = channel.iter().map(|x| x * x).sum::<f64>() / channel.len() as f64;
        let std = (power / 10f64.powf(snr_db / 10.0)).sqrt();
        for x in channel.iter_mut() {
            *x += std * rng.sample::<f64, _>(StandardNormal);
        }
    }
}

/// Sixteen microphones in two horizontal rings of eight, radius 10 cm, at `z = ±5 cm`,
/// the upper ring turned by 22.5 degrees: a 3-D array of 22 cm aperture.
pub fn two_ring_array() -> MicArray {
    let ring = |z: f64, turn: f64| {
        (0..8).map(move |k| {
            let phi = turn + std::f64::consts::TAU * k as f64 / 8.0;
            [0.1 * phi.cos(), 0.1 * phi.sin(), z]
        })
    };
    let upper = ring(0.05, std::f64::consts::PI / 8.0);
    MicArray::new(ring(-0.05, 0.0).chain(upper).collect()).expect("a valid array")
}

/// A direction drawn uniformly on the sphere.
pub fn random_direction(rng: &mut ChaCha8Rng) -> Direction {
    loop {
        let v: [f64; 3] = [
            rng.sample(StandardNormal),
            rng.sample(StandardNormal),
            rng.sample(StandardNormal),
        ];
        if let Some(d) = Direction::from_vector(v) {
            return d;
        }
    }
}
