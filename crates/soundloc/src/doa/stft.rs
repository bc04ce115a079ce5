//! Short-time spectra of a multichannel signal, shared by the steered methods.
//!
//! SRP-PHAT and MUSIC both work on the spectrum of each channel in overlapping frames.
//! [`Stft`] computes them once, with a periodic Hann window, into an array shaped
//! `(n_mics, n_bins, n_frames)` (`n_bins = fft_len / 2 + 1`), the layout
//! pyroomacoustics' `locate_sources` takes, so the same frames can be handed to both.

use ndarray::{Array3, ArrayView2};
use num_complex::Complex64;
use realfft::{RealFftPlanner, RealToComplex};
use std::sync::Arc;

use crate::error::{Error, Result, check_finite};

/// A planned short-time Fourier transform: frame length, hop and window.
pub struct Stft {
    fft_len: usize,
    hop: usize,
    window: Vec<f64>,
    forward: Arc<dyn RealToComplex<f64>>,
}

impl std::fmt::Debug for Stft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft")
            .field("fft_len", &self.fft_len)
            .field("hop", &self.hop)
            .finish()
    }
}

impl Stft {
    /// Frames of `fft_len` samples every `hop` samples, Hann-windowed.
    pub fn new(fft_len: usize, hop: usize) -> Result<Self> {
        if !(2..=super::MAX_FFT_LEN).contains(&fft_len) {
            return Err(Error::parameter(
                "fft_len",
                format!("2 to {} samples", super::MAX_FFT_LEN),
                fft_len,
            ));
        }
        if hop == 0 {
            return Err(Error::parameter("hop", "at least 1 sample", hop));
        }
        let window = periodic_hann(fft_len);
        let forward = RealFftPlanner::<f64>::new().plan_fft_forward(fft_len);
        Ok(Stft {
            fft_len,
            hop,
            window,
            forward,
        })
    }

    /// Samples per frame.
    pub fn fft_len(&self) -> usize {
        self.fft_len
    }

    /// Samples between frame starts.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Number of complete frames in `n_samples`.
    pub fn n_frames(&self, n_samples: usize) -> usize {
        if n_samples < self.fft_len {
            0
        } else {
            (n_samples - self.fft_len) / self.hop + 1
        }
    }

    /// The spectra of every complete frame of `signals` `(n_mics, n_samples)`, as
    /// `(n_mics, fft_len / 2 + 1, n_frames)`.
    pub fn process(&self, signals: ArrayView2<f64>) -> Result<Array3<Complex64>> {
        let (n_mics, n_samples) = signals.dim();
        let n_frames = self.n_frames(n_samples);
        if n_frames == 0 {
            return Err(Error::parameter(
                "signals",
                format!(
                    "at least fft_len = {} samples per microphone (one frame)",
                    self.fft_len
                ),
                format!("{n_samples} samples"),
            ));
        }

        let n_bins = self.fft_len / 2 + 1;
        let mut spectra = Array3::<Complex64>::zeros((n_mics, n_bins, n_frames));
        let mut frame = vec![0.0; self.fft_len];
        let mut bins = vec![Complex64::default(); n_bins];
        let mut scratch = self.forward.make_scratch_vec();
        for (mic, channel) in signals.outer_iter().enumerate() {
            let channel = channel.to_vec();
            check_finite(|| format!("signals[{mic}]"), &channel)?;
            for f in 0..n_frames {
                let start = f * self.hop;
                for ((x, s), w) in frame.iter_mut().zip(&channel[start..]).zip(&self.window) {
                    *x = s * w;
                }
                self.forward
                    .process_with_scratch(&mut frame, &mut bins, &mut scratch)
                    .expect("buffer lengths come from the plan");
                for (k, b) in bins.iter().enumerate() {
                    spectra[[mic, k, f]] = *b;
                }
            }
        }
        Ok(spectra)
    }
}

/// The periodic Hann window of `len` samples, `0.5 - 0.5 cos(2 pi n / len)`, that
/// [`Stft`] applies to every frame (and SRP-PHAT to a single frame, so that both give
/// the same spectra).
pub(crate) fn periodic_hann(len: usize) -> Vec<f64> {
    (0..len)
        .map(|n| {
            let phase = std::f64::consts::TAU * n as f64 / len as f64;
            0.5 - 0.5 * phase.cos()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn frames_hold_the_windowed_spectrum() {
        let fft_len = 64;
        let stft = Stft::new(fft_len, 16).unwrap();
        let n = 200;
        let tone: Vec<f64> = (0..n)
            .map(|t| (std::f64::consts::TAU * 8.0 * t as f64 / fft_len as f64).cos())
            .collect();
        let signals = Array2::from_shape_vec((1, n), tone).unwrap();
        let spectra = stft.process(signals.view()).unwrap();
        assert_eq!(spectra.dim(), (1, 33, stft.n_frames(n)));
        assert_eq!(stft.n_frames(n), (200 - 64) / 16 + 1);

        // A Hann-windowed cosine on bin 8: half the window's sum at bin 8, a quarter at 7 and 9.
        for f in 0..spectra.dim().2 {
            let magnitude = |k: usize| spectra[[0, k, f]].norm();
            assert!((magnitude(8) - 16.0).abs() < 1e-9, "{}", magnitude(8));
            assert!((magnitude(7) - 8.0).abs() < 1e-9);
            assert!(magnitude(20) < 1e-9);
        }
    }

    #[test]
    fn short_or_bad_signals_are_refused() {
        let stft = Stft::new(64, 16).unwrap();
        let short = Array2::<f64>::zeros((2, 10));
        let error = stft.process(short.view()).unwrap_err();
        assert!(
            error.to_string()
                == "invalid signals: expected at least fft_len = 64 samples per microphone \
                    (one frame), got 10 samples",
            "{error}"
        );
        let mut bad = Array2::<f64>::zeros((2, 100));
        bad[[1, 5]] = f64::NAN;
        assert!(
            stft.process(bad.view())
                .unwrap_err()
                .to_string()
                .contains("signals[1]")
        );
        assert!(Stft::new(1, 1).is_err());
        assert!(Stft::new(64, 0).is_err());
    }
}
