//! Band-limited resampling and fractional delay in one step, in the frequency domain.
//!
//! A clip recorded at `f_c` Hz is played into a scene at `f_s` Hz with a delay that is no
//! whole number of samples. Both are the same operation on the clip's spectrum: its DFT
//! over `N_c` samples has bins at `k f_c / N_c` Hz, and if `N_s = N_c f_s / f_c` is a whole
//! number, a DFT over `N_s` samples at `f_s` has its bins at exactly the same frequencies.
//! Copying the bins below both Nyquist frequencies into the longer (or shorter) spectrum,
//! multiplying them by a transfer function `H(f)` and transforming back gives the clip
//! sampled at `f_s`, filtered by `H`. With `H(f) = g e^(-j 2 pi f tau)` that is the exact
//! band-limited (sinc) interpolation of the clip delayed by `tau`, to rounding error, for
//! any fraction of a sample: no polyphase filter, no rounding of the delay.
//!
//! The DFT is circular, so the clip is zero-padded well beyond its length and the delay
//! kept inside the block; its first and last [`EDGE_TAPER_S`] are faded in and out so that
//! the sinc tails of a cut edge do not ring around the block.
//!
//! We chose this over a general-purpose resampler (rubato) because every event clip is
//! transformed anyway to be delayed and filtered per sensor: doing the rate change in the
//! same transform costs nothing, adds no dependency, and is exact (no windowed-sinc
//! approximation, no filter delay to compensate).

use std::sync::Arc;

use num_complex::Complex64;
use realfft::{ComplexToReal, RealFftPlanner};

use crate::error::{Error, Result};

/// Length of the raised-cosine fade at each end of a clip, seconds.
pub const EDGE_TAPER_S: f64 = 0.002;

/// A clip's spectrum, ready to be rendered at the scene's rate through any transfer function.
pub struct ClipSpectrum {
    /// Bins of the zero-padded, tapered clip at its own rate, scaled so that the inverse
    /// transform at the scene rate returns the clip's sample values.
    bins: Vec<Complex64>,
    /// Length of the rendered block at the scene rate, samples.
    block_len: usize,
    /// Frequency of bin `k` is `k * bin_hz`.
    bin_hz: f64,
    /// The inverse transform at the scene rate.
    inverse: Arc<dyn ComplexToReal<f64>>,
}

impl std::fmt::Debug for ClipSpectrum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipSpectrum")
            .field("block_len", &self.block_len)
            .field("bin_hz", &self.bin_hz)
            .finish_non_exhaustive()
    }
}

impl ClipSpectrum {
    /// Transforms `clip`, sampled at `clip_rate` Hz, for rendering at `scene_rate` Hz into
    /// blocks of at least `min_block_len` samples (the clip's length at the scene rate plus
    /// room for the largest delay and its tails).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a zero rate or an empty clip.
    pub fn new(
        clip: &[f64],
        clip_rate: u32,
        scene_rate: u32,
        min_block_len: usize,
    ) -> Result<Self> {
        if clip_rate == 0 || scene_rate == 0 {
            return Err(Error::parameter("sample_rate", "a positive rate in Hz", 0));
        }
        if clip.is_empty() {
            return Err(Error::parameter("clip", "at least one sample", "none"));
        }

        // Block lengths in the ratio of the rates, so that both grids share their bins:
        // a whole number of `scene_step` samples, rounded up to a power of two of them.
        let common = gcd(clip_rate as u64, scene_rate as u64);
        let clip_step = (clip_rate as u64 / common) as usize;
        let scene_step = (scene_rate as u64 / common) as usize;
        let clip_at_scene_rate = clip.len() * scene_step / clip_step + 1;
        let steps = min_block_len
            .max(clip_at_scene_rate)
            .div_ceil(scene_step)
            .next_power_of_two();
        let (clip_fft_len, block_len) = (steps * clip_step, steps * scene_step);

        // Taper the edges, zero-pad and transform at the clip's rate.
        let mut time = vec![0.0; clip_fft_len];
        time[..clip.len()].copy_from_slice(clip);
        taper_edges(
            &mut time[..clip.len()],
            (EDGE_TAPER_S * clip_rate as f64) as usize,
        );
        let mut planner = RealFftPlanner::<f64>::new();
        let forward = planner.plan_fft_forward(clip_fft_len);
        let mut spectrum = forward.make_output_vec();
        forward
            .process(&mut time, &mut spectrum)
            .map_err(|e| Error::parameter("clip", "a transformable clip", e))?;

        // Keep the bins below both Nyquist frequencies (the Nyquist bins themselves are
        // dropped: their phase is ambiguous), scaled for the inverse at the scene rate.
        let kept = (clip_fft_len / 2).min(block_len / 2);
        let scale = 1.0 / clip_fft_len as f64;
        let bins = spectrum[..kept].iter().map(|b| b * scale).collect();
        Ok(ClipSpectrum {
            bins,
            block_len,
            bin_hz: clip_rate as f64 / clip_fft_len as f64,
            inverse: planner.plan_fft_inverse(block_len),
        })
    }

    /// Length of every rendered block, samples at the scene rate.
    pub fn block_len(&self) -> usize {
        self.block_len
    }

    /// The clip at the scene rate, through `transfer(frequency_hz, bin)`, which returns the
    /// complex gain at that frequency (the bin index lets a caller index precomputed tables).
    /// A block of [`block_len`](Self::block_len) samples; a pure delay of `tau` seconds
    /// (`e^(-j 2 pi f tau)`) moves the clip's first sample to `tau * scene_rate`.
    pub fn render(&self, transfer: impl Fn(f64, usize) -> Complex64) -> Vec<f64> {
        let mut spectrum = self.inverse.make_input_vec();
        for (k, (out, bin)) in spectrum.iter_mut().zip(&self.bins).enumerate() {
            *out = bin * transfer(k as f64 * self.bin_hz, k);
        }
        spectrum[0].im = 0.0;

        let mut block = self.inverse.make_output_vec();
        self.inverse
            .process(&mut spectrum, &mut block)
            .expect("buffers come from the plan and the DC and Nyquist bins are real");
        block
    }

    /// The frequency of every bin that carries signal, Hz.
    pub fn frequencies_hz(&self) -> impl Iterator<Item = f64> + '_ {
        (0..self.bins.len()).map(|k| k as f64 * self.bin_hz)
    }
}

/// `clip` at `scene_rate` Hz: its first `len * scene_rate / clip_rate` samples, by exact
/// band-limited interpolation (see the module docs).
///
/// # Errors
/// As [`ClipSpectrum::new`].
pub fn resample(clip: &[f64], clip_rate: u32, scene_rate: u32) -> Result<Vec<f64>> {
    let out_len = (clip.len() as u64 * scene_rate as u64 / clip_rate.max(1) as u64) as usize;
    let spectrum = ClipSpectrum::new(clip, clip_rate, scene_rate, 2 * out_len)?;
    let mut block = spectrum.render(|_, _| Complex64::new(1.0, 0.0));
    block.truncate(out_len);
    Ok(block)
}

/// The RMS of the loudest window of `window_len` samples in `signal` (the whole signal if it
/// is shorter): the level of an impulsive sound, independent of the silence around it.
pub fn loudest_window_rms(signal: &[f64], window_len: usize) -> f64 {
    let window_len = window_len.clamp(1, signal.len().max(1));
    if signal.is_empty() {
        return 0.0;
    }

    // A running sum of squares over the window, restarted exactly every window so that
    // rounding cannot drift over a long signal.
    let mut loudest: f64 = 0.0;
    let mut energy: f64 = signal[..window_len].iter().map(|x| x * x).sum();
    loudest = loudest.max(energy);
    for end in window_len..signal.len() {
        let start = end + 1 - window_len;
        if start % window_len == 0 {
            energy = signal[start..=end].iter().map(|x| x * x).sum();
        } else {
            energy += signal[end] * signal[end] - signal[start - 1] * signal[start - 1];
        }
        loudest = loudest.max(energy);
    }
    (loudest.max(0.0) / window_len as f64).sqrt()
}

/// Fades `samples` in and out over `fade_len` samples each, with a raised cosine.
fn taper_edges(samples: &mut [f64], fade_len: usize) {
    let fade_len = fade_len.min(samples.len() / 2);
    let len = samples.len();
    for n in 0..fade_len {
        let gain = 0.5 - 0.5 * (std::f64::consts::PI * (n as f64 + 0.5) / fade_len as f64).cos();
        samples[n] *= gain;
        samples[len - 1 - n] *= gain;
    }
}

/// Greatest common divisor.
fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Gaussian tone burst, `exp(-((n - centre) / width)^2) cos(2 pi cycles n)`, at any
    /// (fractional) sample position `n`: band-limited far below Nyquist.
    fn burst(n: f64, centre: f64) -> f64 {
        let width = 40.0;
        (-((n - centre) / width).powi(2)).exp() * (2.0 * std::f64::consts::PI * 0.07 * n).cos()
    }

    #[test]
    fn a_fractional_delay_is_exact_band_limited_interpolation() {
        // Same rate: delaying the burst by 37.3 samples must give the burst computed 37.3
        // samples later.
        let samples: Vec<f64> = (0..1000).map(|n| burst(n as f64, 500.0)).collect();
        let spectrum = ClipSpectrum::new(&samples, 8000, 8000, 2048).unwrap();
        let tau_s = 37.3 / 8000.0;
        let block = spectrum
            .render(|f, _| Complex64::from_polar(1.0, -2.0 * std::f64::consts::PI * f * tau_s));

        let worst = block
            .iter()
            .enumerate()
            .map(|(n, value)| (value - burst(n as f64 - 37.3, 500.0)).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-9, "{worst}");
    }

    #[test]
    fn resampling_a_tone_keeps_its_frequency_and_amplitude() {
        // 1 kHz at 44.1 kHz to 48 kHz: compare with the tone computed at 48 kHz.
        let tone = |rate: f64, len: usize| -> Vec<f64> {
            (0..len)
                .map(|n| (2.0 * std::f64::consts::PI * 1000.0 * n as f64 / rate).sin())
                .collect()
        };
        let resampled = resample(&tone(44_100.0, 4410), 44_100, 48_000).unwrap();
        assert_eq!(resampled.len(), 4800);
        let expected = tone(48_000.0, 4800);
        let worst = resampled[400..4400]
            .iter()
            .zip(&expected[400..4400])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-3, "{worst}");
    }

    #[test]
    fn loudest_window_finds_the_burst() {
        let mut signal = vec![0.0; 10_000];
        signal[5000..5100].fill(2.0);
        assert!((loudest_window_rms(&signal, 100) - 2.0).abs() < 1e-12);
        assert!((loudest_window_rms(&signal, 400) - 1.0).abs() < 1e-12);
        assert_eq!(loudest_window_rms(&[], 10), 0.0);
    }
}
