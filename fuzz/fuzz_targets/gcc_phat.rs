//! GCC with any frames and settings: an estimate with finite numbers inside the searched
//! window, or an error; never a panic, NaN or infinite result.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use soundloc::gcc::{GccConfig, GccPhat, PairBounds, Polarity};
use soundloc::peak::Refinement;
use soundloc::weighting::Weighting;

#[derive(Debug, Arbitrary)]
struct Input {
    x_i: Vec<f32>,
    x_j: Vec<f32>,
    x_k: Vec<f32>,
    frame_len: u16,
    sample_rate: f64,
    weighting: u8,
    beta: f64,
    band: Option<(f64, f64)>,
    refinement: u8,
    either_polarity: bool,
    n_peaks: u8,
    smoothing_bins: u8,
    max_delay_s: Option<f64>,
}

fuzz_target!(|input: Input| {
    let weighting = match input.weighting % 6 {
        0 => Weighting::Cc,
        1 => Weighting::Phat,
        2 => Weighting::PhatBeta(input.beta),
        3 => Weighting::Scot,
        4 => Weighting::Roth,
        _ => Weighting::Ht,
    };
    let refinement = match input.refinement % 3 {
        0 => Refinement::None,
        1 => Refinement::Parabolic,
        _ => Refinement::BandLimited,
    };
    let config = GccConfig {
        weighting,
        band_hz: input.band,
        refinement,
        polarity: if input.either_polarity {
            Polarity::Either
        } else {
            Polarity::Positive
        },
        n_peaks: usize::from(input.n_peaks),
        smoothing_bins: usize::from(input.smoothing_bins),
        ..GccConfig::default()
    };
    let Ok(mut gcc) = GccPhat::new(usize::from(input.frame_len), input.sample_rate, config)
    else {
        return;
    };

    // One pair.
    if let Ok(estimate) = gcc.tdoa(&input.x_i, &input.x_j, input.max_delay_s) {
        assert!(estimate.delay_s.is_finite() && estimate.lag.is_finite());
        assert!(estimate.peak.is_finite() && estimate.confidence.is_finite());
        assert!(estimate.delay_s.abs() <= estimate.max_delay_s + 1e-9);
        assert!(!estimate.candidates.is_empty());
    }

    // Every pair of three channels, cut to a common length.
    let len = input.x_i.len().min(input.x_j.len()).min(input.x_k.len());
    let channels = [&input.x_i[..len], &input.x_j[..len], &input.x_k[..len]];
    let bounds = match input.max_delay_s {
        Some(limit) => PairBounds::Uniform(limit),
        None => PairBounds::Unbounded,
    };
    if let Ok(pairs) = gcc.tdoa_all_pairs(&channels, &bounds) {
        assert_eq!(pairs.len(), 3);
        for pair in pairs {
            assert!(pair.estimate.delay_s.is_finite());
        }
    }
});
