//! The delay between two microphones with GCC-PHAT.
//!
//! A broadband chirp reaches microphone `j` 0.85 ms after microphone `i` (it is 29 cm
//! further from the source), with a little noise on both. Run with
//! `cargo run -p soundloc-examples --example gcc_phat_pair`.

use soundloc::gcc::{GccConfig, GccPhat};

fn main() -> soundloc::Result<()> {
    let sample_rate = 48_000.0;
    let delay_s = 0.85e-3;

    // A linear chirp from 200 Hz to 8 kHz, and the same chirp `delay_s` later.
    let chirp = |t: f64| {
        let (f0, f1, duration) = (200.0, 8_000.0, 0.04);
        if !(0.0..duration).contains(&t) {
            return 0.0;
        }
        (std::f64::consts::TAU * (f0 * t + 0.5 * (f1 - f0) / duration * t * t)).sin()
    };
    let hiss = |n: usize| 0.01 * (((n * 2_654_435_761) % 1000) as f64 / 500.0 - 1.0);
    let x_i: Vec<f64> = (0..4096)
        .map(|n| chirp(n as f64 / sample_rate - 0.01) + hiss(n))
        .collect();
    let x_j: Vec<f64> = (0..4096)
        .map(|n| chirp(n as f64 / sample_rate - 0.01 - delay_s) + hiss(n + 7))
        .collect();

    // The pair is 0.5 m apart: no physical delay exceeds 0.5 / 343 s.
    let mut gcc = GccPhat::new(4096, sample_rate, GccConfig::default())?;
    let estimate = gcc.tdoa(&x_i, &x_j, Some(0.5 / 343.0))?;
    println!(
        "t_j - t_i = {:.4} ms (true {:.4} ms), {:.2} samples, peak {:.2}, confidence {:.2}",
        estimate.delay_s * 1e3,
        delay_s * 1e3,
        estimate.lag,
        estimate.peak,
        estimate.confidence
    );
    Ok(())
}
