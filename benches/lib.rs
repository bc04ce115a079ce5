//! Shared inputs for the criterion benches: seeded noise pairs and a simulated 3-D scene.
//!
//! Everything is generated from fixed seeds, so two runs time exactly the same work.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use soundloc::locate::{TdoaMeasurement, model_delay_s};

/// Speed of sound used by the simulated scenes, m/s.
pub const SPEED_OF_SOUND: f64 = 343.2;

/// Sample rate of the simulated signals, Hz.
pub const SAMPLE_RATE: f64 = 48_000.0;

/// White noise in `[-1, 1)`, `len` samples, from `seed`.
pub fn noise(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// Two frames of `frame_len` samples cut from one noise source, `x_j` hearing it `lag`
/// samples after `x_i`, each with independent noise at `noise_level` (relative
/// amplitude).
pub fn delayed_pair(frame_len: usize, lag: usize, noise_level: f64) -> (Vec<f64>, Vec<f64>) {
    let source = noise(frame_len + lag, 1);
    let extra_i = noise(frame_len, 2);
    let extra_j = noise(frame_len, 3);
    let x_i = (0..frame_len)
        .map(|n| source[n + lag] + noise_level * extra_i[n])
        .collect();
    let x_j = (0..frame_len)
        .map(|n| source[n] + noise_level * extra_j[n])
        .collect();
    (x_i, x_j)
}

/// A 3-D scene: `n_mics` microphones on a 40 m x 30 m site at heights up to 8 m, a
/// source inside, and the delays of every pair `(i, j)` with Gaussian-like noise of
/// `delay_noise_s` seconds added. Returns `(mic_positions, measurements, source)`.
pub fn scene(
    n_mics: usize,
    delay_noise_s: f64,
    all_pairs: bool,
) -> (Vec<[f64; 3]>, Vec<TdoaMeasurement>, [f64; 3]) {
    let mut rng = StdRng::seed_from_u64(7);
    let mics: Vec<[f64; 3]> = (0..n_mics)
        .map(|k| {
            // Around an ellipse, heights staggered, so no three are collinear.
            let angle = k as f64 / n_mics as f64 * std::f64::consts::TAU;
            [
                20.0 + 20.0 * angle.cos(),
                15.0 + 15.0 * angle.sin(),
                (k % 4) as f64 * 2.0 + rng.random_range(0.0..0.5),
            ]
        })
        .collect();
    let source = [14.0, 11.0, 3.0];

    let pairs: Vec<(usize, usize)> = if all_pairs {
        (0..n_mics)
            .flat_map(|i| (i + 1..n_mics).map(move |j| (i, j)))
            .collect()
    } else {
        (1..n_mics).map(|j| (0, j)).collect()
    };
    let measurements = pairs
        .into_iter()
        .map(|(i, j)| {
            // Sum of uniforms: cheap, roughly Gaussian, of standard deviation delay_noise_s.
            let error: f64 = (0..12).map(|_| rng.random_range(-0.5..0.5)).sum();
            let delay_s =
                model_delay_s(source, mics[i], mics[j], SPEED_OF_SOUND) + delay_noise_s * error;
            TdoaMeasurement::new(i, j, delay_s, delay_noise_s)
        })
        .collect();
    (mics, measurements, source)
}

/// The 16-microphone 3-D array of the direction-of-arrival benches: two horizontal
/// rings of eight, radius 10 cm, at `z = ±5 cm`, the upper ring turned by 22.5 degrees
/// (22 cm aperture). Positions in metres, one row per microphone.
pub fn two_ring_array() -> Vec<[f64; 3]> {
    let ring = |z: f64, turn: f64| {
        (0..8).map(move |k| {
            let phi = turn + std::f64::consts::TAU * k as f64 / 8.0;
            [0.1 * phi.cos(), 0.1 * phi.sin(), z]
        })
    };
    ring(-0.05, 0.0)
        .chain(ring(0.05, std::f64::consts::PI / 8.0))
        .collect()
}

/// One frame `n_mics x frame_len` (row-major) of noise reaching the microphones with
/// the given arrival times (seconds, rounded to whole samples at `sample_rate`), plus
/// independent noise at `noise_level` relative amplitude on each channel.
pub fn array_frame(
    delays_s: &[f64],
    sample_rate: f64,
    frame_len: usize,
    noise_level: f64,
) -> Vec<f64> {
    let margin = 64;
    let source = noise(frame_len + 2 * margin, 21);
    let mut frame = Vec::with_capacity(delays_s.len() * frame_len);
    for (mic, delay) in delays_s.iter().enumerate() {
        let shift = (delay * sample_rate).round() as isize;
        let extra = noise(frame_len, 100 + mic as u64);
        frame.extend((0..frame_len).map(|n| {
            source[(n as isize + margin as isize - shift) as usize] + noise_level * extra[n]
        }));
    }
    frame
}
