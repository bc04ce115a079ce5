//! Time differences of arrival by generalised cross-correlation (GCC-PHAT).
//!
//! Knapp and Carter (1976), "The generalized correlation method for estimation of
//! time delay", IEEE Trans. ASSP 24(4), 320-327, estimate the delay between two
//! microphones as the lag that maximises their cross-correlation, computed in the
//! frequency domain with a weight that sharpens the peak (see [`crate::weighting`]).
//! With the phase transform (PHAT) every frequency has unit magnitude, so only the
//! phase, that is the delay, is left.
//!
//! # What this implementation guarantees
//!
//! - **Sign**: `tdoa(i, j) = t_j - t_i`, positive when `j` hears the sound later.
//!   Swapping the inputs negates the estimate exactly.
//! - **Linear, not circular**: both frames are zero-padded to at least
//!   `2 * frame_len` before the FFT, so a delay of 600 samples in 1024-sample frames
//!   comes back as +600, never wrapped to -424.
//! - **Physical lag window**: only lags in the closed range `[-max_lag, +max_lag]`
//!   are searched, both ends included, and a refined delay never leaves
//!   `[-max_delay_s, +max_delay_s]`. Give `max_delay_s` as the pair's distance
//!   over the speed of sound and no unphysical delay is ever reported.
//! - **No NaN**: the mean is removed per frame; bins without energy get weight zero;
//!   a silent or constant channel, or a band with no energy, is
//!   [`Error::NoEstimate`], never a number.
//! - **Sub-sample accuracy** by band-limited interpolation ([`crate::peak`]).
//! - **Plan once, process many**: FFT plans and every buffer, the peak search's
//!   included, live in [`GccPhat`] and are reused; the only allocation per call is the
//!   list of candidates the estimate returns.
//!
//! # Example
//!
//! ```
//! use soundloc::gcc::{GccConfig, GccPhat};
//!
//! // Sensor j hears the same noise 12 samples after sensor i.
//! let source: Vec<f64> = (0..1100).map(|n| ((n * 7919) % 211) as f64 - 105.0).collect();
//! let x_i = &source[12..1036];
//! let x_j = &source[0..1024];
//! let mut gcc = GccPhat::new(1024, 16_000.0, GccConfig::default()).unwrap();
//! let estimate = gcc.tdoa(x_i, x_j, None).unwrap();
//! assert!((estimate.lag - 12.0).abs() < 0.01);
//! assert!((estimate.delay_s - 12.0 / 16_000.0).abs() < 1e-6);
//! ```
//!
//! # Confidence and candidates
//!
//! `peak` is the correlation at the best lag, normalised so that two identical
//! frames give 1 for every weighting. `confidence = 1 - second / first`, where
//! `second` is the best other peak in the window (outside the main lobe):
//! near 0 when two lags explain the data equally well (a pure tone, a periodic call),
//! near 1 for a single clear peak. Set [`GccConfig::n_peaks`] above 1 to get the
//! next-best peaks as candidates for a consistency check across pairs.

use std::sync::Arc;

use num_complex::Complex64;
use realfft::{ComplexToReal, RealToComplex};

use crate::error::{Error, Result, check_memory, shorten_number};
use crate::peak::{self, PeakScratch, RawPeak, Refinement, SpectrumView};
use crate::weighting::{self, Weighting};

mod pairs;
mod plans;

pub use pairs::{PairBounds, PairTdoa, all_pairs, pair_count};

/// Which sign of correlation counts as a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Polarity {
    /// Only positive peaks: an inverted copy does not match (the default).
    #[default]
    Positive,
    /// Positive or negative peaks: for wiring that may invert one microphone.
    Either,
}

/// Settings of a [`GccPhat`] estimator.
#[derive(Debug, Clone, PartialEq)]
pub struct GccConfig {
    /// Frequency weighting; default PHAT.
    pub weighting: Weighting,
    /// Keep only frequencies in `[low, high]` Hz; default the whole band.
    pub band_hz: Option<(f64, f64)>,
    /// Sub-sample peak placement; default band-limited.
    pub refinement: Refinement,
    /// Which correlation sign counts as a match; default positive only.
    pub polarity: Polarity,
    /// How many peaks to return as candidates, best first (at least 1); default 1.
    pub n_peaks: usize,
    /// How many of the best peaks get the configured refinement; the others are placed
    /// by a parabola, which is far cheaper than band-limited refinement and enough to
    /// compare candidates. `None` (the default) refines them all.
    pub n_refined: Option<usize>,
    /// Half-width, in bins, of the frequency smoother used by SCOT, ROTH and HT;
    /// default 4.
    pub smoothing_bins: usize,
    /// An estimate whose confidence is below this is flagged ambiguous; default 0.2.
    pub ambiguity_threshold: f64,
}

impl Default for GccConfig {
    fn default() -> Self {
        GccConfig {
            weighting: Weighting::Phat,
            band_hz: None,
            refinement: Refinement::BandLimited,
            polarity: Polarity::Positive,
            n_peaks: 1,
            n_refined: None,
            smoothing_bins: 4,
            ambiguity_threshold: 0.2,
        }
    }
}

/// One correlation peak: a candidate delay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairDelay {
    /// `t_j - t_i` in seconds.
    pub delay_s: f64,
    /// The same delay in samples (fractional).
    pub lag: f64,
    /// Normalised correlation at the peak (1 for identical frames).
    pub peak: f64,
    /// The peak is negative: `j` is an inverted copy of `i` (only with
    /// [`Polarity::Either`]).
    pub inverted: bool,
}

/// The lags searched, in samples (true lags, fractional).
#[derive(Debug, Clone, Copy)]
struct LagBounds {
    low: f64,
    high: f64,
}

/// The delay between two signals, with its quality.
#[derive(Debug, Clone, PartialEq)]
pub struct TdoaEstimate {
    /// `t_j - t_i` in seconds.
    pub delay_s: f64,
    /// The same delay in samples (fractional).
    pub lag: f64,
    /// Normalised correlation at the peak.
    pub peak: f64,
    /// `1 - second peak / first peak`, in `[0, 1]`.
    pub confidence: f64,
    /// `confidence` is below the configured threshold: another lag fits almost as well.
    pub ambiguous: bool,
    /// The peak is negative (only with [`Polarity::Either`]).
    pub inverted: bool,
    /// `peak` over the RMS of the whole correlation (every lag the FFT holds): how far
    /// the peak stands above what noise alone produces. Noise gives about 3 to 5 over
    /// a window of a few thousand lags; a clear source gives tens or more.
    pub significance: f64,
    /// RMS of the normalised correlation over every lag (the noise level `peak` and
    /// each candidate's peak are compared with).
    pub noise_rms: f64,
    /// The physical limit that bounded the search, in seconds.
    pub max_delay_s: f64,
    /// The best peaks, best first; `candidates[0]` is the estimate itself.
    pub candidates: Vec<PairDelay>,
}

/// The spectrum of one frame, computed once and shared by every pair it belongs to.
#[derive(Debug, Clone, Default)]
pub struct Spectrum {
    bins: Vec<Complex64>,
    energy: f64,
}

impl Spectrum {
    /// The complex bins `X_0 .. X_{N/2}` of the zero-padded, mean-removed frame, scaled
    /// by a power of two that brings its loudest sample into `[1, 2)` (GCC does not
    /// depend on the scale of either frame).
    pub fn bins(&self) -> &[Complex64] {
        &self.bins
    }

    /// Energy of the mean-removed, scaled frame (sum of squares; see [`Spectrum::bins`]).
    pub fn energy(&self) -> f64 {
        self.energy
    }
}

/// The correlation over the lag window of the last pair processed.
#[derive(Debug, Clone, Copy)]
pub struct CorrelationView<'a> {
    /// Normalised correlation, `values[k]` at lag `first_lag + k` samples.
    pub values: &'a [f64],
    /// Lag of `values[0]`, in samples (true lag, offsets already applied).
    pub first_lag: i64,
    /// Sample rate, Hz.
    pub sample_rate: f64,
}

impl CorrelationView<'_> {
    /// The largest value within `tolerance` samples of `lag` (`None` outside the window).
    pub fn max_near(&self, lag: f64, tolerance: f64) -> Option<f64> {
        let low = (lag - tolerance).ceil() as i64 - self.first_lag;
        let high = (lag + tolerance).floor() as i64 - self.first_lag;
        let low = low.max(0);
        let high = high.min(self.values.len() as i64 - 1);
        (low <= high).then(|| {
            self.values[low as usize..=high as usize]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max)
        })
    }
}

/// A planned GCC estimator for frames of up to `frame_len` samples.
///
/// A clone shares the FFT plans and owns its own buffers: one clone per thread runs
/// pairs in parallel (see [`GccPhat::tdoa_all_pairs`]).
#[derive(Clone)]
pub struct GccPhat {
    frame_len: usize,
    fft_len: usize,
    sample_rate: f64,
    config: GccConfig,
    active_bins: (usize, usize),
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
    time: Vec<f64>,
    forward_scratch: Vec<Complex64>,
    inverse_scratch: Vec<Complex64>,
    spectrum_i: Spectrum,
    spectrum_j: Spectrum,
    cross: Vec<Complex64>,
    inverse_input: Vec<Complex64>,
    weighted_re: Vec<f64>,
    weighted_im: Vec<f64>,
    smoothed_cross: Vec<Complex64>,
    auto_i: Vec<f64>,
    auto_j: Vec<f64>,
    correlation: Vec<f64>,
    window: Vec<f64>,
    window_first_lag: i64,
    fine_structure_height: (f64, f64),
    peak_scratch: PeakScratch,
    raw_peaks: Vec<RawPeak>,
    signed_peaks: Vec<(RawPeak, f64)>,
}

impl std::fmt::Debug for GccPhat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GccPhat")
            .field("frame_len", &self.frame_len)
            .field("fft_len", &self.fft_len)
            .field("sample_rate", &self.sample_rate)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A noise-only correlation peaks at about this many RMS over a window of a few
/// thousand lags (the expected maximum of that many Gaussian values).
const NOISE_PEAK_RMS: f64 = 3.0;

/// Longest frame a [`GccPhat`] accepts, samples (2^25: 35 min at 16 kHz, 11.6 min at
/// 48 kHz). Its buffers then take about 4.5 GB; correlating longer stretches in one
/// frame is rarely what a user wants and would exhaust memory before an answer.
pub const MAX_FRAME_LEN: usize = 1 << 25;

/// Memory an estimator holds per sample of its FFT length, bytes, with room to spare: two
/// zero-padded frames, their two spectra and the cross-spectrum, the correlation, the FFT
/// plans' twiddles and scratch, all `f64` or complex.
const BYTES_PER_FFT_SAMPLE: usize = 64;

/// The smallest even `2^a 3^b 5^c` at least `minimum`: a size RustFFT is fast at.
fn fast_fft_len(minimum: usize) -> usize {
    let mut best = minimum.next_power_of_two().max(2);
    let mut p2 = 2;
    while p2 < best {
        let mut p3 = p2;
        while p3 < best {
            let mut p5 = p3;
            while p5 < best {
                if p5 >= minimum {
                    best = p5;
                }
                p5 *= 5;
            }
            p3 *= 3;
        }
        p2 *= 2;
    }
    best
}

impl GccPhat {
    /// Plans an estimator for frames of at most `frame_len` samples at `sample_rate` Hz.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a frame length below 2 or above
    /// [`MAX_FRAME_LEN`], a sample rate below 1 Hz or not finite, a band outside `[0, sample_rate / 2]` or empty, a PHAT-beta
    /// exponent outside `[0, 1]`, or `n_peaks` of zero.
    pub fn new(frame_len: usize, sample_rate: f64, config: GccConfig) -> Result<Self> {
        if !(2..=MAX_FRAME_LEN).contains(&frame_len) {
            return Err(Error::parameter(
                "frame_len",
                format!("between 2 and {MAX_FRAME_LEN} samples"),
                frame_len,
            ));
        }
        // Below 1 Hz (a subnormal rate, say) a lag in seconds overflows to infinity.
        if !(sample_rate.is_finite() && sample_rate >= 1.0) {
            return Err(Error::parameter(
                "sample_rate",
                "a rate of at least 1 Hz",
                sample_rate,
            ));
        }
        if config.n_peaks == 0 {
            return Err(Error::parameter("n_peaks", "at least 1", 0));
        }
        if let Weighting::PhatBeta(beta) = config.weighting {
            if !(0.0..=1.0).contains(&beta) {
                return Err(Error::parameter(
                    "weighting",
                    "a PHAT-beta exponent in [0, 1]",
                    beta,
                ));
            }
        }
        if !(config.ambiguity_threshold >= 0.0 && config.ambiguity_threshold <= 1.0) {
            return Err(Error::parameter(
                "ambiguity_threshold",
                "a value in [0, 1]",
                config.ambiguity_threshold,
            ));
        }

        // Zero-pad to a fast size that holds the whole linear correlation.
        let fft_len = fast_fft_len(2 * frame_len);
        let n_bins = fft_len / 2 + 1;
        let active_bins = band_bins(config.band_hz, sample_rate, fft_len)?;
        check_memory(fft_len * BYTES_PER_FFT_SAMPLE, || {
            format!("GCC-PHAT buffers for frames of {frame_len} samples")
        })?;
        let (forward, inverse) = plans::real_fft_plans(fft_len);

        #[cfg(feature = "log")]
        log::debug!("GCC plan: frame_len {frame_len}, fft_len {fft_len}, bins {active_bins:?}");

        let empty_spectrum = || Spectrum {
            bins: vec![Complex64::default(); n_bins],
            energy: 0.0,
        };
        Ok(GccPhat {
            frame_len,
            fft_len,
            sample_rate,
            active_bins,
            time: vec![0.0; fft_len],
            forward_scratch: forward.make_scratch_vec(),
            inverse_scratch: inverse.make_scratch_vec(),
            spectrum_i: empty_spectrum(),
            spectrum_j: empty_spectrum(),
            cross: vec![Complex64::default(); n_bins],
            inverse_input: vec![Complex64::default(); n_bins],
            weighted_re: vec![0.0; active_bins.1 - active_bins.0],
            weighted_im: vec![0.0; active_bins.1 - active_bins.0],
            smoothed_cross: vec![Complex64::default(); n_bins],
            auto_i: vec![0.0; n_bins],
            auto_j: vec![0.0; n_bins],
            correlation: vec![0.0; fft_len],
            window: Vec::with_capacity(fft_len),
            window_first_lag: 0,
            fine_structure_height: (0.0, f64::INFINITY),
            peak_scratch: PeakScratch::default(),
            raw_peaks: Vec::with_capacity(config.n_peaks.max(2)),
            signed_peaks: Vec::with_capacity(2 * config.n_peaks.max(2)),
            forward,
            inverse,
            config,
        })
    }

    /// Longest frame accepted, in samples.
    pub fn frame_len(&self) -> usize {
        self.frame_len
    }

    /// Length of the zero-padded FFT.
    pub fn fft_len(&self) -> usize {
        self.fft_len
    }

    /// Sample rate, Hz.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// The settings this estimator was planned with.
    pub fn config(&self) -> &GccConfig {
        &self.config
    }

    /// An empty spectrum of the right size, for [`GccPhat::spectrum_into`].
    pub fn make_spectrum(&self) -> Spectrum {
        Spectrum {
            bins: vec![Complex64::default(); self.fft_len / 2 + 1],
            energy: 0.0,
        }
    }

    /// Computes the spectrum of one frame (mean removed, zero-padded) into `out`.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] for a frame longer than `frame_len` or empty,
    /// [`Error::NonFinite`] for NaN or infinite samples.
    pub fn spectrum_into<T: Copy + Into<f64>>(
        &mut self,
        frame: &[T],
        out: &mut Spectrum,
    ) -> Result<()> {
        compute_spectrum(
            &*self.forward,
            &mut self.time,
            &mut self.forward_scratch,
            self.frame_len,
            frame,
            out,
            &"frame",
        )
    }

    /// The delay `t_j - t_i` between two frames that start at the same instant.
    ///
    /// `max_delay_s` bounds the search (the pair's distance over the speed of sound);
    /// `None` searches every lag the frames allow.
    ///
    /// # Errors
    /// See [`GccPhat::tdoa_offset`].
    pub fn tdoa<T: Copy + Into<f64>>(
        &mut self,
        x_i: &[T],
        x_j: &[T],
        max_delay_s: Option<f64>,
    ) -> Result<TdoaEstimate> {
        self.tdoa_offset(x_i, x_j, 0, max_delay_s)
    }

    /// The delay `t_j - t_i` between two frames, where `x_j[0]` was recorded
    /// `j_offset` samples after `x_i[0]` (negative: before).
    ///
    /// Taking a longer frame for `j` (for example `max_lag` samples more on each side,
    /// `j_offset = -max_lag`) keeps the whole of `x_i`'s sound inside `x_j` for every
    /// delay in the window, which matters when delays are a large part of the frame.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] for an empty frame or one longer than `frame_len`,
    /// [`Error::NonFinite`] for NaN or infinite samples,
    /// [`Error::InvalidParameter`] for a negative or non-finite `max_delay_s`, or a lag
    /// window that does not fit in the frames,
    /// [`Error::NoEstimate`] for a silent or constant frame, or no energy in the band.
    pub fn tdoa_offset<T: Copy + Into<f64>>(
        &mut self,
        x_i: &[T],
        x_j: &[T],
        j_offset: i64,
        max_delay_s: Option<f64>,
    ) -> Result<TdoaEstimate> {
        self.frames_around(x_i, x_j, j_offset, max_delay_s, 0.0)
    }

    /// [`GccPhat::tdoa_offset`], searching only delays within `max_deviation_s` of
    /// `centre_s` (for example an expected delay, predicted by detection): a strong
    /// peak elsewhere in the frames (a second impact, an echo) cannot crowd out the
    /// candidates there.
    ///
    /// # Errors
    /// As [`GccPhat::tdoa_offset`]; the window around the centre must fit in the frames.
    pub fn tdoa_offset_around<T: Copy + Into<f64>>(
        &mut self,
        x_i: &[T],
        x_j: &[T],
        j_offset: i64,
        centre_s: f64,
        max_deviation_s: f64,
    ) -> Result<TdoaEstimate> {
        self.frames_around(x_i, x_j, j_offset, Some(max_deviation_s), centre_s)
    }

    /// Both frames' spectra, then the delay searched within `max_delay_s` of
    /// `centre_s` (every lag the frames allow for `None`).
    fn frames_around<T: Copy + Into<f64>>(
        &mut self,
        x_i: &[T],
        x_j: &[T],
        j_offset: i64,
        max_delay_s: Option<f64>,
        centre_s: f64,
    ) -> Result<TdoaEstimate> {
        self.spectra_of(x_i, x_j)?;
        let (spectrum_i, spectrum_j) = (
            std::mem::take(&mut self.spectrum_i),
            std::mem::take(&mut self.spectrum_j),
        );
        let result = self.tdoa_spectra_around(
            &spectrum_i,
            &spectrum_j,
            (x_i.len(), x_j.len()),
            j_offset,
            max_delay_s,
            centre_s,
        );
        self.spectrum_i = spectrum_i;
        self.spectrum_j = spectrum_j;
        result
    }

    /// Fills `spectrum_i` and `spectrum_j` from two frames.
    fn spectra_of<T: Copy + Into<f64>>(&mut self, x_i: &[T], x_j: &[T]) -> Result<()> {
        let forward = &*self.forward;
        compute_spectrum(
            forward,
            &mut self.time,
            &mut self.forward_scratch,
            self.frame_len,
            x_i,
            &mut self.spectrum_i,
            &"signal i",
        )?;
        compute_spectrum(
            forward,
            &mut self.time,
            &mut self.forward_scratch,
            self.frame_len,
            x_j,
            &mut self.spectrum_j,
            &"signal j",
        )
    }

    /// The delay `t_j - t_i` from two precomputed spectra (see [`GccPhat::spectrum_into`]).
    ///
    /// `lens` are the lengths of the two frames, `j_offset` as in
    /// [`GccPhat::tdoa_offset`].
    ///
    /// # Errors
    /// As [`GccPhat::tdoa_offset`].
    pub fn tdoa_spectra(
        &mut self,
        spectrum_i: &Spectrum,
        spectrum_j: &Spectrum,
        lens: (usize, usize),
        j_offset: i64,
        max_delay_s: Option<f64>,
    ) -> Result<TdoaEstimate> {
        self.tdoa_spectra_around(spectrum_i, spectrum_j, lens, j_offset, max_delay_s, 0.0)
    }

    /// [`GccPhat::tdoa_spectra`], searching lags within `max_delay_s` of `centre_s`
    /// seconds instead of zero.
    fn tdoa_spectra_around(
        &mut self,
        spectrum_i: &Spectrum,
        spectrum_j: &Spectrum,
        lens: (usize, usize),
        j_offset: i64,
        max_delay_s: Option<f64>,
        centre_s: f64,
    ) -> Result<TdoaEstimate> {
        let (bounds, window) = self.lag_window(lens, j_offset, max_delay_s, centre_s)?;
        for (spectrum, name) in [(spectrum_i, "signal i"), (spectrum_j, "signal j")] {
            if spectrum.bins.len() != self.fft_len / 2 + 1 {
                return Err(Error::LengthMismatch {
                    what: format!("spectrum of {name} (bins)"),
                    expected: self.fft_len / 2 + 1,
                    got: spectrum.bins.len(),
                });
            }
            if spectrum.energy <= 0.0 {
                return Err(Error::NoEstimate {
                    reason: format!("{name} is silent or constant after removing its mean"),
                });
            }
        }

        // Weighted cross-power spectrum, then back to lags.
        let (normaliser, spectral_power) = self.weighted_cross_spectrum(spectrum_i, spectrum_j)?;
        self.inverse
            .process_with_scratch(
                &mut self.inverse_input,
                &mut self.correlation,
                &mut self.inverse_scratch,
            )
            .map_err(|e| Error::NoEstimate {
                reason: format!("inverse FFT failed: {e}"),
            })?;

        // Copy the lag window out of the circular correlation (true lag = found + offset):
        // at most two contiguous runs, the second wrapping round to the start.
        let fft_len = self.fft_len as i64;
        let len = (window.1 - window.0 + 1) as usize;
        let start = (window.0 - j_offset).rem_euclid(fft_len) as usize;
        let before_wrap = len.min(self.fft_len - start);
        let scale = 1.0 / normaliser;
        self.window.clear();
        self.window_first_lag = window.0;
        let runs = [
            &self.correlation[start..start + before_wrap],
            &self.correlation[..len - before_wrap],
        ];
        for run in runs {
            self.window.extend(run.iter().map(|r| r * scale));
        }

        // The noise level: RMS over the lags the linear correlation holds (the rest of
        // the circular buffer is zero padding). By Parseval, the sum of squares over the
        // circular correlation is N times that of the spectrum it came from.
        let holds = (lens.0 + lens.1 - 1) as f64;
        let power = self.fft_len as f64 * spectral_power;
        let noise_rms = (power / holds).sqrt() / normaliser;

        // Best peaks, sub-sample placement, confidence.
        Ok(self.peaks_in_window(j_offset, bounds, noise_rms))
    }

    /// The normalised correlation over the lag window of the last pair.
    pub fn correlation(&self) -> CorrelationView<'_> {
        CorrelationView {
            values: &self.window,
            first_lag: self.window_first_lag,
            sample_rate: self.sample_rate,
        }
    }

    /// The searched lags `(first, last)` (true lags, inclusive) and the refined-delay
    /// limit in samples.
    fn lag_window(
        &self,
        lens: (usize, usize),
        j_offset: i64,
        max_delay_s: Option<f64>,
        centre_s: f64,
    ) -> Result<(LagBounds, (i64, i64))> {
        // Lags the linear correlation holds: -(len_i - 1) ..= len_j - 1, shifted by the offset.
        let (len_i, len_j) = (lens.0 as i64, lens.1 as i64);
        let available = (j_offset - (len_i - 1), j_offset + len_j - 1);
        if !centre_s.is_finite() {
            return Err(Error::parameter("centre_s", "finite seconds", centre_s));
        }
        let centre = centre_s * self.sample_rate;

        let max_lag_f = match max_delay_s {
            None => (available.0 as f64 - centre)
                .abs()
                .max((available.1 as f64 - centre).abs()),
            Some(limit) => {
                if !(limit.is_finite() && limit >= 0.0) {
                    return Err(Error::parameter(
                        "max_delay_s",
                        "a non-negative number of seconds",
                        limit,
                    ));
                }
                limit * self.sample_rate
            }
        };
        // Whole samples outward (a hair of tolerance keeps 8.0 at 8, not 9); kept as
        // floats for the message too, where a huge limit would saturate the integers.
        let wanted_f = (
            (centre - max_lag_f + 1e-9).floor(),
            (centre + max_lag_f - 1e-9).ceil(),
        );
        let wanted = (wanted_f.0 as i64, wanted_f.1 as i64);
        let first = wanted.0.max(available.0);
        let last = wanted.1.min(available.1);
        if max_delay_s.is_some() && (first > wanted.0 || last < wanted.1) {
            return Err(Error::parameter(
                "max_delay_s",
                format!(
                    "a lag window inside the frames ({} to {} samples with these lengths and offset)",
                    available.0, available.1
                ),
                format!(
                    "{} to {} samples ({} s around {centre_s} s)",
                    shorten_number(wanted_f.0.to_string()),
                    shorten_number(wanted_f.1.to_string()),
                    shorten_number(max_delay_s.unwrap_or_default().to_string())
                ),
            ));
        }
        let bounds = LagBounds {
            low: centre - max_lag_f,
            high: centre + max_lag_f,
        };
        Ok((bounds, (first, last)))
    }

    /// Fills `self.inverse_input` (and its split copy for refinement) with the weighted,
    /// band-limited cross-spectrum; returns the factor that normalises the correlation to
    /// 1 for identical frames, and the spectrum's power (its sum of squared magnitudes
    /// over all `N` bins of the full, mirrored spectrum).
    fn weighted_cross_spectrum(
        &mut self,
        spectrum_i: &Spectrum,
        spectrum_j: &Spectrum,
    ) -> Result<(f64, f64)> {
        // Raw cross-power X_i* X_j (zero outside the band), with the statistics the
        // weighting and the periodicity check need from it, in one pass.
        let strongest = self.cross_power(spectrum_i, spectrum_j);
        // The real correlation has no use for the imaginary part of the two end bins
        // (the inverse transform ignores it; for real frames it is zero already).
        let nyquist = self.inverse_input.len() - 1;
        self.inverse_input[0].im = 0.0;
        self.inverse_input[nyquist].im = 0.0;

        // Smoothed spectral estimates for the weightings that need them.
        if self.config.weighting.needs_smoothing() {
            self.cross.copy_from_slice(&self.inverse_input);
            smooth_power(
                &spectrum_i.bins,
                self.config.smoothing_bins,
                &mut self.auto_i,
            );
            smooth_power(
                &spectrum_j.bins,
                self.config.smoothing_bins,
                &mut self.auto_j,
            );
            smooth_complex(
                &self.cross,
                self.config.smoothing_bins,
                &mut self.smoothed_cross,
            );
        }

        // Weight, in the inverse FFT's input (a floor relative to the strongest bin keeps
        // rounding noise out). The transform consumes its input: refinement reads the
        // split copy made below.
        let floor = strongest.sqrt() * 1e-13;
        let (first, end) = self.active_bins;
        let band = &mut self.inverse_input[first..end];
        let (re, im) = (&mut self.weighted_re, &mut self.weighted_im);
        // Then the normaliser: the correlation at a perfect match equals the sum of
        // magnitudes, each bin but the two ends counted twice (for its mirror image).
        let (mut magnitudes, mut power) = if self.config.weighting == Weighting::Phat {
            weighting::phat_split(band, floor, re, im)
        } else {
            weighting::apply(
                self.config.weighting,
                band,
                &self.auto_i[first..end],
                &self.auto_j[first..end],
                &self.smoothed_cross[first..end],
                floor,
            );
            split_with_sums(band, re, im)
        };
        for end_bin in [0, nyquist] {
            let w = self.inverse_input[end_bin];
            magnitudes -= 0.5 * weighting::magnitude(w);
            power -= 0.5 * w.norm_sqr();
            if (first..end).contains(&end_bin) {
                self.weighted_re[end_bin - first] *= 0.5;
                self.weighted_im[end_bin - first] *= 0.5;
            }
        }
        let total = 2.0 * magnitudes;
        if !(total.is_finite() && total > 0.0) {
            return Err(Error::NoEstimate {
                reason: "no common energy in the frequency band".into(),
            });
        }
        Ok((total, 2.0 * power))
    }

    /// Fills `self.inverse_input` with `X_i* X_j` inside the band (zero outside), sets
    /// `self.fine_structure_height` from it, and returns its largest squared magnitude.
    fn cross_power(&mut self, spectrum_i: &Spectrum, spectrum_j: &Spectrum) -> f64 {
        let (first, end) = self.active_bins;
        self.inverse_input[..first].fill(Complex64::default());
        self.inverse_input[end..].fill(Complex64::default());
        let mut moments = PowerMoments::new(first);
        let mut cross = self.inverse_input[first..end].chunks_exact_mut(SUM_LANES);
        let mut bins_i = spectrum_i.bins[first..end].chunks_exact(SUM_LANES);
        let mut bins_j = spectrum_j.bins[first..end].chunks_exact(SUM_LANES);
        for ((g, x_i), x_j) in (&mut cross).zip(&mut bins_i).zip(&mut bins_j) {
            let mut power = [0.0; SUM_LANES];
            for lane in 0..SUM_LANES {
                g[lane] = x_i[lane].conj() * x_j[lane];
                power[lane] = g[lane].norm_sqr();
            }
            moments.add(&power);
        }
        // The last few bins, padded with empty ones.
        let mut power = [0.0; SUM_LANES];
        let tail = cross.into_remainder().iter_mut();
        let tail = tail.zip(bins_i.remainder()).zip(bins_j.remainder());
        for (lane, ((g, x_i), x_j)) in tail.enumerate() {
            *g = x_i.conj() * x_j;
            power[lane] = g.norm_sqr();
        }
        moments.add(&power);
        self.fine_structure_height = moments.fine_structure_height(self.fft_len);
        moments.strongest.into_iter().fold(0.0, f64::max)
    }

    /// Picks, refines and scores the peaks of `self.window`.
    fn peaks_in_window(
        &mut self,
        j_offset: i64,
        bounds: LagBounds,
        noise_rms: f64,
    ) -> TdoaEstimate {
        let mut raw = std::mem::take(&mut self.signed_peaks);
        self.best_peaks_into(&mut raw);
        let estimate = self.score_peaks(&raw, j_offset, bounds, noise_rms);
        self.signed_peaks = raw;
        estimate
    }

    /// The best local maxima of r (or of |r| for either polarity) into `raw`, best
    /// first, each with the sign of the correlation there.
    fn best_peaks_into(&mut self, raw: &mut Vec<(RawPeak, f64)>) {
        let separation = self.main_lobe_half_width();
        let wanted = self.config.n_peaks.max(2);
        let signs: &[f64] = match self.config.polarity {
            Polarity::Positive => &[1.0],
            Polarity::Either => &[1.0, -1.0],
        };
        raw.clear();
        for &sign in signs {
            peak::local_maxima_into(
                &self.window,
                self.window_first_lag,
                sign,
                (wanted, separation),
                &mut self.peak_scratch,
                &mut self.raw_peaks,
            );
            raw.extend(self.raw_peaks.iter().map(|&p| (p, sign)));
        }
        if signs.len() > 1 {
            raw.sort_by(|a, b| b.0.value.total_cmp(&a.0.value));
            raw.truncate(wanted);
        }
    }

    /// Refines the best of `raw` and scores the estimate against the runner-up and
    /// the noise.
    fn score_peaks(
        &self,
        raw: &[(RawPeak, f64)],
        j_offset: i64,
        bounds: LagBounds,
        noise_rms: f64,
    ) -> TdoaEstimate {
        // Place each between samples and convert to seconds.
        let refined = self.config.n_refined.unwrap_or(usize::MAX);
        let candidates: Vec<PairDelay> = raw
            .iter()
            .take(self.config.n_peaks)
            .enumerate()
            .map(|(rank, &(p, sign))| {
                let refinement = if rank < refined {
                    self.config.refinement
                } else {
                    match self.config.refinement {
                        Refinement::BandLimited => Refinement::Parabolic,
                        cheap => cheap,
                    }
                };
                self.refine(p, sign, j_offset, bounds, refinement)
            })
            .collect();
        let best = candidates[0];

        // The runner-up: the second peak, but never less than what noise reaches
        // (about three RMS), so a window too narrow to hold a rival proves nothing.
        let second = raw
            .get(1)
            .map_or(0.0, |(p, _)| p.value)
            .max(NOISE_PEAK_RMS * noise_rms);
        let mut confidence = if best.peak.abs() > 0.0 {
            (1.0 - second / raw[0].0.value).clamp(0.0, 1.0)
        } else {
            0.0
        };

        // A narrowband signal repeats its peak every period: if the window holds the
        // neighbouring period, the confidence cannot exceed what the spectrum allows.
        let (height, period) = self.fine_structure_height;
        let window_len = (self.window.len() as f64 - 1.0).max(0.0);
        if period <= window_len {
            confidence = confidence.min(1.0 - height);
        }

        TdoaEstimate {
            delay_s: best.delay_s,
            lag: best.lag,
            peak: best.peak,
            confidence,
            ambiguous: confidence < self.config.ambiguity_threshold,
            inverted: best.inverted,
            significance: if noise_rms > 0.0 {
                best.peak.abs() / noise_rms
            } else {
                0.0
            },
            noise_rms,
            max_delay_s: bounds.low.abs().max(bounds.high.abs()) / self.sample_rate,
            candidates,
        }
    }

    /// Half the width of a correlation main lobe, in samples: peaks closer than this
    /// belong to one lobe.
    fn main_lobe_half_width(&self) -> usize {
        let bandwidth = match self.config.band_hz {
            Some((low, high)) => high - low,
            None => self.sample_rate / 2.0,
        };
        ((0.5 * self.sample_rate / bandwidth).ceil() as usize).max(1)
    }

    /// Sub-sample placement of one whole-sample peak.
    fn refine(
        &self,
        p: RawPeak,
        sign: f64,
        j_offset: i64,
        bounds: LagBounds,
        refinement: Refinement,
    ) -> PairDelay {
        let index = (p.lag - self.window_first_lag) as usize;
        let at = |i: usize| sign * self.window[i];
        let parabola = || {
            if index == 0 || index + 1 >= self.window.len() {
                return p.lag as f64;
            }
            p.lag as f64 + peak::parabolic_offset(at(index - 1), at(index), at(index + 1))
        };

        let lag = match refinement {
            Refinement::None => p.lag as f64,
            Refinement::Parabolic => parabola(),
            Refinement::BandLimited => {
                // Newton works on the circular lag; shift back by the offset afterwards.
                let view = SpectrumView {
                    re: &self.weighted_re,
                    im: &self.weighted_im,
                    first_bin: self.active_bins.0,
                    fft_len: self.fft_len,
                };
                view.refine(p.lag - j_offset, sign, parabola() - j_offset as f64) + j_offset as f64
            }
        };

        // Never report a delay outside the searched window.
        let lag = lag.clamp(bounds.low, bounds.high);
        PairDelay {
            delay_s: lag / self.sample_rate,
            lag,
            peak: sign * p.value,
            inverted: sign < 0.0,
        }
    }
}

/// Writes the real and imaginary parts of `weighted` to `re` and `im`, and returns the
/// sum of its magnitudes and of their squares.
fn split_with_sums(weighted: &[Complex64], re: &mut [f64], im: &mut [f64]) -> (f64, f64) {
    let (mut magnitudes, mut squares) = (0.0, 0.0);
    for ((w, re), im) in weighted.iter().zip(re).zip(im) {
        let squared = w.norm_sqr();
        magnitudes += squared.sqrt();
        squares += squared;
        (*re, *im) = (w.re, w.im);
    }
    (magnitudes, squares)
}

/// Running sums over the bins of a cross-power spectrum `|G_k|^2`: its total, its first
/// two moments in bins, and its largest value.
#[derive(Debug)]
struct PowerMoments {
    /// Bin number of each lane's next bin.
    k: [f64; SUM_LANES],
    total: [f64; SUM_LANES],
    first: [f64; SUM_LANES],
    second: [f64; SUM_LANES],
    strongest: [f64; SUM_LANES],
}

impl PowerMoments {
    fn new(first_bin: usize) -> Self {
        PowerMoments {
            k: std::array::from_fn(|lane| (first_bin + lane) as f64),
            total: [0.0; SUM_LANES],
            first: [0.0; SUM_LANES],
            second: [0.0; SUM_LANES],
            strongest: [0.0; SUM_LANES],
        }
    }

    /// Adds the powers of the next `SUM_LANES` bins.
    fn add(&mut self, power: &[f64; SUM_LANES]) {
        for (lane, &p) in power.iter().enumerate() {
            let k = self.k[lane];
            self.total[lane] += p;
            self.first[lane] += p * k;
            self.second[lane] += p * k * k;
            if p > self.strongest[lane] {
                self.strongest[lane] = p;
            }
            self.k[lane] += SUM_LANES as f64;
        }
    }

    /// The relative height of the correlation's neighbouring fine-structure peak and
    /// the spacing of those peaks in samples, predicted from the unweighted
    /// cross-power (moments weighted by its square, so that the slow leakage tail of a
    /// tone does not pass for bandwidth).
    ///
    /// A signal with centre frequency `f_c` and spectral spread `sigma_f` has a
    /// correlation that oscillates with period `1 / f_c` under an envelope of width
    /// about `1 / sigma_f`. When `sigma_f` is small against `f_c` (a tone, a whistle)
    /// the neighbouring oscillation is almost as high as the main peak, whatever
    /// weighting sharpens it afterwards: the delay is then known only modulo the
    /// period. For a Gaussian-shaped spectrum the neighbour's height is
    /// `exp(-2 pi^2 sigma_f^2 / f_c^2)`. Both are ratios, so bins serve as well as
    /// hertz: the period is `N / f_c` samples with `f_c` in bins.
    fn fine_structure_height(&self, fft_len: usize) -> (f64, f64) {
        let total: f64 = self.total.iter().sum();
        if total <= 0.0 {
            return (0.0, f64::INFINITY);
        }
        let centre = self.first.iter().sum::<f64>() / total;
        let spread_squared = (self.second.iter().sum::<f64>() / total - centre * centre).max(0.0);
        if centre <= 0.0 {
            return (0.0, f64::INFINITY);
        }
        let height =
            (-2.0 * std::f64::consts::PI.powi(2) * spread_squared / (centre * centre)).exp();
        (height, fft_len as f64 / centre)
    }
}

/// Whether a frame whose mean-removed `energy` (sum of squares) is this small is
/// silent or constant: what is left is rounding noise of its `mean`.
fn is_silent(energy: f64, mean: f64, len: usize) -> bool {
    let scale = mean.abs().max(f64::MIN_POSITIVE);
    energy <= (scale * 1e-12).powi(2) * len as f64
}

/// Whether `frame` holds no signal once its mean is removed (silent or constant), by
/// the test [`GccPhat`] applies before it gives up with [`Error::NoEstimate`].
pub fn is_silent_frame(frame: &[f64]) -> bool {
    if frame.is_empty() {
        return true;
    }
    let mean = frame.iter().sum::<f64>() / frame.len() as f64;
    let energy: f64 = frame.iter().map(|x| (x - mean) * (x - mean)).sum();
    is_silent(energy, mean, frame.len())
}

/// Mean-removes, zero-pads and transforms one frame; `what` names it in an error.
fn compute_spectrum<T: Copy + Into<f64>>(
    forward: &dyn RealToComplex<f64>,
    time: &mut [f64],
    scratch: &mut [Complex64],
    frame_len: usize,
    frame: &[T],
    out: &mut Spectrum,
    what: &dyn std::fmt::Display,
) -> Result<()> {
    if frame.is_empty() || frame.len() > frame_len {
        return Err(Error::LengthMismatch {
            what: format!("{what} (between 1 and frame_len samples)"),
            expected: frame_len,
            got: frame.len(),
        });
    }

    // The sum and the extremes first, reading the frame only; the mean comes off as
    // the samples are copied in (two passes, for accuracy with large DC offsets).
    let stats = frame_stats(frame);
    if !stats.sum.is_finite() {
        // A NaN or an infinity, unless finite samples overflowed the sum.
        if let Some((index, value)) = frame
            .iter()
            .map(|&sample| sample.into())
            .enumerate()
            .find(|(_, value): &(usize, f64)| !value.is_finite())
        {
            return Err(Error::NonFinite {
                what: what.to_string(),
                index,
                value: value.to_string(),
            });
        }
    }
    let mean = stats.sum / frame.len() as f64;
    // Subtraction rounds monotonically, so the loudest mean-removed sample is one of
    // the two extremes, bit for bit.
    let loudest = (stats.high - mean).max(mean - stats.low);
    let (samples, padding) = time.split_at_mut(frame.len());
    padding.fill(0.0);

    // Scale by a power of two so that the loudest sample lies in [1, 2): exact, so the
    // delay is the same bit for bit, and the squares below neither overflow (1e200)
    // nor underflow (1e-200) whatever the recording's units.
    let scale = if loudest > 0.0 {
        (-loudest.log2().floor()).clamp(-1020.0, 1020.0).exp2()
    } else {
        1.0
    };
    let energy = copy_centred_and_scaled(frame, mean, scale, samples);

    out.energy = if is_silent(energy, mean * scale, frame.len()) {
        0.0
    } else {
        energy
    };
    if out.bins.len() != time.len() / 2 + 1 {
        out.bins.resize(time.len() / 2 + 1, Complex64::default());
    }
    forward
        .process_with_scratch(time, &mut out.bins, scratch)
        .map_err(|e| Error::NoEstimate {
            reason: format!("forward FFT failed: {e}"),
        })
}

/// Independent partial sums in the per-sample loops: the additions of one lane do not
/// wait on another's, and the compiler packs the lanes into vector registers.
const SUM_LANES: usize = 4;

/// Sum and extremes of a frame as it is copied in.
struct FrameStats {
    sum: f64,
    low: f64,
    high: f64,
}

/// The sum and extremes of a frame (NaN is ignored by the extremes but makes the sum
/// NaN).
///
/// The extremes are kept by plain comparisons rather than `f64::min` and `f64::max`,
/// whose NaN rules cost several instructions per sample; a NaN is caught by the sum.
fn frame_stats<T: Copy + Into<f64>>(frame: &[T]) -> FrameStats {
    let mut sums = [0.0; SUM_LANES];
    let mut lows = [f64::INFINITY; SUM_LANES];
    let mut highs = [f64::NEG_INFINITY; SUM_LANES];
    let mut take = |lane: usize, sample: T| {
        let value: f64 = sample.into();
        sums[lane] += value;
        if value < lows[lane] {
            lows[lane] = value;
        }
        if value > highs[lane] {
            highs[lane] = value;
        }
    };
    let mut chunks = frame.chunks_exact(SUM_LANES);
    for chunk in &mut chunks {
        for (lane, &sample) in chunk.iter().enumerate() {
            take(lane, sample);
        }
    }
    for (lane, &sample) in chunks.remainder().iter().enumerate() {
        take(lane, sample);
    }

    FrameStats {
        sum: sums.iter().sum(),
        low: lows.iter().copied().fold(f64::INFINITY, f64::min),
        high: highs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }
}

/// Writes `(x - mean) * scale` for each sample `x` of `frame` to `samples` (as long),
/// and returns the sum of the squares of what it wrote.
fn copy_centred_and_scaled<T: Copy + Into<f64>>(
    frame: &[T],
    mean: f64,
    scale: f64,
    samples: &mut [f64],
) -> f64 {
    let mut energies = [0.0; SUM_LANES];
    let mut put = |lane: usize, slot: &mut f64, sample: T| {
        *slot = (sample.into() - mean) * scale;
        energies[lane] += *slot * *slot;
    };
    let mut slots = samples.chunks_exact_mut(SUM_LANES);
    let mut chunks = frame.chunks_exact(SUM_LANES);
    for (slot, chunk) in (&mut slots).zip(&mut chunks) {
        for lane in 0..SUM_LANES {
            put(lane, &mut slot[lane], chunk[lane]);
        }
    }
    let tail = slots.into_remainder().iter_mut().zip(chunks.remainder());
    for (lane, (slot, &sample)) in tail.enumerate() {
        put(lane, slot, sample);
    }
    energies.iter().sum()
}

/// First and one-past-last FFT bin inside the band.
fn band_bins(
    band_hz: Option<(f64, f64)>,
    sample_rate: f64,
    fft_len: usize,
) -> Result<(usize, usize)> {
    let n_bins = fft_len / 2 + 1;
    let Some((low, high)) = band_hz else {
        return Ok((0, n_bins));
    };
    let nyquist = sample_rate / 2.0;
    if !(low.is_finite() && high.is_finite() && 0.0 <= low && low < high && high <= nyquist) {
        return Err(Error::parameter(
            "band_hz",
            format!("0 <= low < high <= {nyquist} Hz (Nyquist)"),
            format!("({low}, {high})"),
        ));
    }
    let hz_per_bin = sample_rate / fft_len as f64;
    let first = (low / hz_per_bin).ceil() as usize;
    let end = ((high / hz_per_bin).floor() as usize + 1).min(n_bins);
    // The bins at 0 Hz and at Nyquist are real: their phase says nothing of a delay, so a
    // band of those alone would give a confident, arbitrary lag.
    if first.max(1) >= end.min(n_bins - 1) {
        return Err(Error::parameter(
            "band_hz",
            format!(
                "a band holding an FFT bin above 0 Hz and below Nyquist (bins are \
                 {hz_per_bin:.2} Hz apart; those at 0 Hz and Nyquist carry no delay)"
            ),
            format!("({low}, {high})"),
        ));
    }
    Ok((first, end))
}

/// Daniell smoother of `|bins|^2` over `2 * half_width + 1` bins.
fn smooth_power(bins: &[Complex64], half_width: usize, out: &mut [f64]) {
    moving_average(
        bins.len(),
        half_width,
        |k| bins[k].norm_sqr(),
        |k, v| out[k] = v,
        0.0,
    );
}

/// Daniell smoother of complex bins over `2 * half_width + 1` bins.
fn smooth_complex(bins: &[Complex64], half_width: usize, out: &mut [Complex64]) {
    moving_average(
        bins.len(),
        half_width,
        |k| bins[k],
        |k, v| out[k] = v,
        Complex64::default(),
    );
}

/// Centred running mean of `get(0..len)`, written through `put`, with the window
/// shrinking at the ends.
fn moving_average<V>(
    len: usize,
    half_width: usize,
    get: impl Fn(usize) -> V,
    mut put: impl FnMut(usize, V),
    zero: V,
) where
    V: Copy + std::ops::AddAssign + std::ops::SubAssign + std::ops::Div<f64, Output = V>,
{
    let mut sum = zero;
    let mut count = 0usize;
    for k in 0..half_width.min(len) {
        sum += get(k);
        count += 1;
    }
    for k in 0..len {
        if k + half_width < len {
            sum += get(k + half_width);
            count += 1;
        }
        if k > half_width {
            sum -= get(k - half_width - 1);
            count -= 1;
        }
        put(k, sum / count as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::{add_noise, delayed, naive_correlation, rng, white_noise};
    use realfft::RealFftPlanner;

    /// Frames `(x_i, x_j)` of `len` samples cut from one noise signal, `j` hearing it
    /// `delay` samples later (fractional allowed).
    fn delayed_pair(seed: u64, len: usize, delay: f64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = rng(seed);
        let source = white_noise(&mut rng, 4 * len);
        let later = delayed(&source, delay);
        (source[len..2 * len].to_vec(), later[len..2 * len].to_vec())
    }

    fn gcc(len: usize, config: GccConfig) -> GccPhat {
        GccPhat::new(len, 16_000.0, config).unwrap()
    }

    #[test]
    fn matches_naive_time_domain_correlation() {
        let (x_i, x_j) = delayed_pair(1, 300, 17.0);
        let config = GccConfig {
            weighting: Weighting::Cc,
            ..GccConfig::default()
        };
        let mut estimator = gcc(300, config);
        estimator.tdoa(&x_i, &x_j, Some(40.0 / 16_000.0)).unwrap();

        // Same shape up to the normalisation.
        let fast = estimator.correlation();
        let slow = naive_correlation(&x_i, &x_j, 40);
        assert_eq!(fast.first_lag, -40);
        let scale = slow[57] / fast.values[57];
        for (f, s) in fast.values.iter().zip(&slow) {
            assert!((f * scale - s).abs() < 1e-9 * slow[57].abs(), "{f} {s}");
        }
    }

    #[test]
    fn correlation_is_linear_not_circular() {
        // 600 samples of delay in 1024-sample frames: a circular correlation would
        // report 600 - 2048 or 600 - 1024.
        let (x_i, x_j) = delayed_pair(2, 1024, 600.0);
        let estimate = gcc(1024, GccConfig::default())
            .tdoa(&x_i, &x_j, None)
            .unwrap();
        assert!((estimate.lag - 600.0).abs() < 0.05, "{}", estimate.lag);
        assert!(estimate.delay_s > 0.0);
    }

    #[test]
    fn both_ends_of_the_lag_window_are_reachable() {
        // Public bug reports of other tools: +-max_lag itself was out of reach.
        for delay in [8.0, -8.0] {
            let (x_i, x_j) = delayed_pair(3, 512, delay);
            let estimate = gcc(512, GccConfig::default())
                .tdoa(&x_i, &x_j, Some(8.0 / 16_000.0))
                .unwrap();
            assert_eq!(estimate.lag.round(), delay);
            assert!((estimate.lag - delay).abs() < 0.05, "{}", estimate.lag);
        }
    }

    #[test]
    fn a_close_pair_never_reports_an_unphysical_delay() {
        // 8 cm at 343 m/s: 0.233 ms at most, even when noise dominates.
        let limit = 0.08 / 343.0;
        let mut estimator = GccPhat::new(1024, 48_000.0, GccConfig::default()).unwrap();
        let mut noise = rng(4);
        for trial in 0..50 {
            let (x_i, x_j) = delayed_pair(100 + trial, 1024, 5.0);
            let (x_i, x_j) = (
                add_noise(&mut noise, &x_i, -10.0),
                add_noise(&mut noise, &x_j, -10.0),
            );
            let estimate = estimator.tdoa(&x_i, &x_j, Some(limit)).unwrap();
            assert!(
                estimate.delay_s.abs() <= limit,
                "{} > {limit}",
                estimate.delay_s
            );
            for candidate in &estimate.candidates {
                assert!(candidate.delay_s.abs() <= limit);
            }
        }
    }

    #[test]
    fn delays_come_in_seconds_at_the_given_sample_rate() {
        let (x_i, x_j) = delayed_pair(5, 1024, 10.0);
        for sample_rate in [8_000.0, 44_100.0, 96_000.0] {
            let mut estimator = GccPhat::new(1024, sample_rate, GccConfig::default()).unwrap();
            let estimate = estimator.tdoa(&x_i, &x_j, None).unwrap();
            assert!((estimate.delay_s - 10.0 / sample_rate).abs() < 0.05 / sample_rate);
        }
    }

    #[test]
    fn an_inverted_copy_matches_only_when_asked() {
        let (x_i, x_j) = delayed_pair(6, 1024, 7.0);
        let inverted: Vec<f64> = x_j.iter().map(|v| -v).collect();

        let plain = gcc(1024, GccConfig::default())
            .tdoa(&x_i, &inverted, None)
            .unwrap();
        assert!(plain.peak < 0.2, "peak {}", plain.peak);
        assert!((plain.lag - 7.0).abs() > 0.5);

        let config = GccConfig {
            polarity: Polarity::Either,
            ..GccConfig::default()
        };
        let either = gcc(1024, config).tdoa(&x_i, &inverted, None).unwrap();
        assert!((either.lag - 7.0).abs() < 0.01 && either.inverted);
        assert!(either.peak < -0.5);
    }

    #[test]
    fn a_large_dc_offset_does_not_pull_the_peak_to_zero() {
        let (x_i, x_j) = delayed_pair(7, 1024, 23.4);
        let offset = |x: &[f64], dc: f64| x.iter().map(|v| v + dc).collect::<Vec<f64>>();
        let (x_i, x_j) = (offset(&x_i, 500.0), offset(&x_j, -500.0));
        let estimate = gcc(1024, GccConfig::default())
            .tdoa(&x_i, &x_j, None)
            .unwrap();
        assert!((estimate.lag - 23.4).abs() < 0.01, "{}", estimate.lag);
    }

    #[test]
    fn a_pure_tone_is_ambiguous_not_zero() {
        // 100 Hz at 16 kHz repeats every 160 samples: delays 5, 165, -155 fit alike.
        let tone = |shift: f64| -> Vec<f64> {
            (0..4096)
                .map(|n| (2.0 * std::f64::consts::PI * 100.0 * (n as f64 - shift) / 16_000.0).sin())
                .collect()
        };
        // Noiseless, and recorded with a little noise: ambiguous either way. (PHAT
        // alone, without the spectral check, reports 0 here with confidence 1: the
        // whitened leakage of the frame edges lines up at lag zero.)
        let mut noise = rng(20);
        for snr_db in [f64::INFINITY, 40.0] {
            let (x_i, x_j) = if snr_db.is_finite() {
                (
                    add_noise(&mut noise, &tone(0.0), snr_db),
                    add_noise(&mut noise, &tone(5.0), snr_db),
                )
            } else {
                (tone(0.0), tone(5.0))
            };
            for weighting in [Weighting::Phat, Weighting::Cc] {
                let config = GccConfig {
                    weighting,
                    ..GccConfig::default()
                };
                let estimate = gcc(4096, config).tdoa(&x_i, &x_j, Some(0.02)).unwrap();
                assert!(
                    estimate.ambiguous,
                    "{weighting:?} confidence {}",
                    estimate.confidence
                );
                assert!(estimate.confidence < 0.1);
            }
        }
    }

    #[test]
    fn int16_input_gives_the_float_answer() {
        let (x_i, x_j) = delayed_pair(8, 1024, 31.3);
        let quantise = |x: &[f64]| {
            x.iter()
                .map(|v| (v * 3000.0).round() as i16)
                .collect::<Vec<i16>>()
        };
        let mut estimator = gcc(1024, GccConfig::default());
        let float = estimator.tdoa(&x_i, &x_j, None).unwrap();
        let integer = estimator
            .tdoa(&quantise(&x_i), &quantise(&x_j), None)
            .unwrap();
        assert!(
            (float.lag - integer.lag).abs() < 0.01,
            "{} {}",
            float.lag,
            integer.lag
        );
    }

    #[test]
    fn swapping_the_inputs_negates_the_delay_exactly() {
        let mut estimator = gcc(1024, GccConfig::default());
        for (seed, delay) in [(9, 12.37), (10, -3.5), (11, 0.2), (12, 250.9)] {
            let (x_i, x_j) = delayed_pair(seed, 1024, delay);
            let forward = estimator.tdoa(&x_i, &x_j, None).unwrap();
            let backward = estimator.tdoa(&x_j, &x_i, None).unwrap();
            assert_eq!(forward.delay_s, -backward.delay_s, "delay {delay}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        #[test]
        fn swapping_negates_and_integer_delays_come_back_exactly(
            seed in 0u64..10_000,
            delay in -60i32..=60,
            fraction in proptest::sample::select(vec![0.0, 0.25, 0.5, 0.81]),
        ) {
            let delay = f64::from(delay) + fraction;
            let (x_i, x_j) = delayed_pair(seed, 512, delay);
            let mut estimator = gcc(512, GccConfig::default());
            let forward = estimator.tdoa(&x_i, &x_j, Some(64.0 / 16_000.0)).unwrap();
            let backward = estimator.tdoa(&x_j, &x_i, Some(64.0 / 16_000.0)).unwrap();
            proptest::prop_assert_eq!(forward.delay_s, -backward.delay_s);
            // The samples one frame holds and the other does not act as noise, so the
            // bound grows with the delay: over 3000 random cases like these the worst
            // error was 0.024 samples below 30 samples of delay and 0.082 up to 61.
            let bound = 0.05 + 0.0015 * delay.abs();
            proptest::prop_assert!((forward.lag - delay).abs() < bound, "{} vs {}", forward.lag, delay);
        }
    }

    /// RMS error, in samples, of `refinement` over fractional delays at 20 dB SNR.
    fn refinement_rms(refinement: Refinement) -> f64 {
        let config = GccConfig {
            refinement,
            ..GccConfig::default()
        };
        let mut estimator = gcc(1024, config);
        let mut noise = rng(13);
        let delays: Vec<f64> = (0..40).map(|k| -7.0 + 0.37 * k as f64).collect();
        let squared: f64 = delays
            .iter()
            .enumerate()
            .map(|(k, &delay)| {
                let (x_i, x_j) = delayed_pair(200 + k as u64, 1024, delay);
                let (x_i, x_j) = (
                    add_noise(&mut noise, &x_i, 20.0),
                    add_noise(&mut noise, &x_j, 20.0),
                );
                let estimate = estimator.tdoa(&x_i, &x_j, Some(0.002)).unwrap();
                (estimate.lag - delay).powi(2)
            })
            .sum();
        (squared / delays.len() as f64).sqrt()
    }

    #[test]
    fn band_limited_refinement_meets_two_hundredths_of_a_sample() {
        let rms = refinement_rms(Refinement::BandLimited);
        eprintln!("band-limited refinement: {rms:.4} samples RMS at 20 dB SNR");
        assert!(rms < 0.02, "band-limited RMS {rms} samples");
    }

    /// The band-limited PHAT correlation `r(tau)` of two frames, evaluated directly
    /// (one cosine per bin, no recurrence), maximised by brute force on a grid of
    /// thousandths of a sample within one sample of `near`, then on a grid of
    /// millionths around the best point.
    fn dense_grid_maximum(x_i: &[f64], x_j: &[f64], fft_len: usize, near: f64) -> f64 {
        let spectrum = |x: &[f64]| {
            let mean = x.iter().sum::<f64>() / x.len() as f64;
            let mut time: Vec<f64> = x.iter().map(|v| v - mean).collect();
            time.resize(fft_len, 0.0);
            let forward = RealFftPlanner::<f64>::new().plan_fft_forward(fft_len);
            let mut bins = forward.make_output_vec();
            forward.process(&mut time, &mut bins).unwrap();
            bins
        };
        let (s_i, s_j) = (spectrum(x_i), spectrum(x_j));
        let weighted: Vec<Complex64> = s_i
            .iter()
            .zip(&s_j)
            .map(|(a, b)| {
                let g = a.conj() * b;
                if g.norm() > 0.0 { g / g.norm() } else { g }
            })
            .collect();
        let nyquist = fft_len / 2;
        let r = |tau: f64| -> f64 {
            weighted
                .iter()
                .enumerate()
                .map(|(k, w)| {
                    let angle = 2.0 * std::f64::consts::PI * k as f64 * tau / fft_len as f64;
                    let once = w.re * angle.cos() - w.im * angle.sin();
                    if k == 0 || k == nyquist {
                        once
                    } else {
                        2.0 * once
                    }
                })
                .sum()
        };
        let best_on = |centre: f64, step: f64, count: i64| {
            (-count..=count)
                .map(|n| centre + n as f64 * step)
                .max_by(|a, b| r(*a).total_cmp(&r(*b)))
                .unwrap()
        };
        let coarse = best_on(near, 1e-3, 1000);
        best_on(coarse, 1e-6, 1000)
    }

    #[test]
    fn band_limited_refinement_finds_the_maximum_a_dense_grid_finds() {
        // Delays spread over whole samples, halves (the hardest start for the
        // refinement) and everything between, clean and at 10 dB SNR.
        let mut noise = rng(21);
        let mut worst: f64 = 0.0;
        for (k, fraction) in [0.0, 0.1, 0.25, 0.37, 0.5, 0.63, 0.81, 0.97]
            .into_iter()
            .enumerate()
        {
            for snr_db in [f64::INFINITY, 10.0] {
                let delay = -9.0 + 3.0 * k as f64 + fraction;
                let (x_i, x_j) = delayed_pair(300 + k as u64, 1024, delay);
                let (x_i, x_j) = if snr_db.is_finite() {
                    (
                        add_noise(&mut noise, &x_i, snr_db),
                        add_noise(&mut noise, &x_j, snr_db),
                    )
                } else {
                    (x_i, x_j)
                };
                let mut estimator = gcc(1024, GccConfig::default());
                let estimate = estimator.tdoa(&x_i, &x_j, Some(0.002)).unwrap();
                let oracle = dense_grid_maximum(&x_i, &x_j, estimator.fft_len(), delay.round());
                assert!(
                    (estimate.lag - oracle).abs() < 1e-4,
                    "delay {delay} at {snr_db} dB: refined {} against the grid's {oracle}",
                    estimate.lag
                );
                worst = worst.max((estimate.lag - oracle).abs());
            }
        }
        eprintln!("refinement against the dense grid: worst {worst:.1e} samples");
    }

    #[test]
    fn parabola_is_biased_on_phat_peaks() {
        // The reason the default is band-limited: measured, the parabola is off by
        // several hundredths of a sample on the same data.
        let parabola = refinement_rms(Refinement::Parabolic);
        let band_limited = refinement_rms(Refinement::BandLimited);
        eprintln!("parabolic {parabola:.4} vs band-limited {band_limited:.4} samples RMS");
        assert!(
            parabola > 0.03 && parabola > 5.0 * band_limited,
            "{parabola} vs {band_limited}"
        );
    }

    #[test]
    fn every_weighting_finds_a_broadband_delay() {
        let weightings = [
            Weighting::Cc,
            Weighting::Phat,
            Weighting::PhatBeta(0.7),
            Weighting::Scot,
            Weighting::Roth,
            Weighting::Ht,
        ];
        let mut noise = rng(14);
        for weighting in weightings {
            for (len, sample_rate) in [(512, 8_000.0), (2048, 48_000.0)] {
                let (x_i, x_j) = delayed_pair(15, len, -17.25);
                let (x_i, x_j) = (
                    add_noise(&mut noise, &x_i, 10.0),
                    add_noise(&mut noise, &x_j, 10.0),
                );
                let config = GccConfig {
                    weighting,
                    ..GccConfig::default()
                };
                let mut estimator = GccPhat::new(len, sample_rate, config).unwrap();
                let estimate = estimator.tdoa(&x_i, &x_j, None).unwrap();
                assert!(
                    (estimate.lag + 17.25).abs() < 0.1,
                    "{weighting:?} {len}: {}",
                    estimate.lag
                );
                assert!(estimate.peak.is_finite() && estimate.confidence > 0.3);
            }
        }
    }

    #[test]
    fn silent_and_constant_channels_give_no_estimate() {
        let (x_i, _) = delayed_pair(16, 256, 0.0);
        let mut estimator = gcc(256, GccConfig::default());
        for flat in [vec![0.0; 256], vec![0.7; 256]] {
            let err = estimator.tdoa(&x_i, &flat, None).unwrap_err();
            assert!(matches!(err, Error::NoEstimate { .. }), "{err}");
            let err = estimator.tdoa(&flat, &x_i, None).unwrap_err();
            assert!(err.to_string().contains("signal i"), "{err}");
        }
    }

    #[test]
    fn the_delay_does_not_depend_on_the_units_of_either_signal() {
        // Pascals, volts or counts: 1e-200 to 1e200 give the same delay bit for bit,
        // for every weighting (the frames are rescaled by exact powers of two).
        let (x_i, x_j) = delayed_pair(23, 512, 7.3);
        for weighting in [
            Weighting::Cc,
            Weighting::Phat,
            Weighting::Scot,
            Weighting::Ht,
        ] {
            let config = GccConfig {
                weighting,
                ..GccConfig::default()
            };
            let mut estimator = gcc(512, config);
            let reference = estimator.tdoa(&x_i, &x_j, None).unwrap();
            for (scale_i, scale_j) in [(1e200, 1e200), (1e-200, 1e-200), (1e150, 3e-140)] {
                let scaled_i: Vec<f64> = x_i.iter().map(|x| x * scale_i).collect();
                let scaled_j: Vec<f64> = x_j.iter().map(|x| x * scale_j).collect();
                let estimate = estimator.tdoa(&scaled_i, &scaled_j, None).unwrap();
                assert!(
                    (estimate.lag - reference.lag).abs() < 1e-9,
                    "{weighting:?} at {scale_i:e}/{scale_j:e}: {} against {}",
                    estimate.lag,
                    reference.lag
                );
                assert!((estimate.peak - reference.peak).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn empty_bins_do_not_make_nan() {
        // Both signals band-limited below 2 kHz, analysed in a band with some energy
        // and many empty bins: every weighting stays finite.
        let mut x_i = vec![0.0; 1024];
        x_i[100] = 1.0;
        x_i[101] = 0.5;
        let x_j = delayed(&x_i, 3.0);
        for weighting in [
            Weighting::Phat,
            Weighting::Scot,
            Weighting::Roth,
            Weighting::Ht,
        ] {
            let config = GccConfig {
                weighting,
                ..GccConfig::default()
            };
            let estimate = gcc(1024, config).tdoa(&x_i, &x_j, None).unwrap();
            assert!(
                estimate.lag.is_finite() && estimate.peak.is_finite(),
                "{weighting:?}"
            );
        }
    }

    #[test]
    fn non_finite_samples_are_named() {
        let mut x_i = vec![0.1; 64];
        x_i[9] = f64::NAN;
        let err = gcc(64, GccConfig::default())
            .tdoa(&x_i, &[0.2; 64], None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "signal i: expected finite values, got NaN at index 9"
        );
    }

    #[test]
    fn bad_parameters_say_what_was_expected() {
        let band = |low, high| GccConfig {
            band_hz: Some((low, high)),
            ..GccConfig::default()
        };
        let err = GccPhat::new(256, 16_000.0, band(100.0, 9_000.0)).unwrap_err();
        assert!(err.to_string().contains("8000 Hz (Nyquist)"), "{err}");
        assert!(GccPhat::new(256, 16_000.0, band(500.0, 400.0)).is_err());
        // Found by a tester: a band of the 0 Hz bin alone (or the Nyquist bin alone)
        // gave the window's edge with confidence 1. Bins are 31.25 Hz apart here.
        for (low, high) in [(0.0, 1.0), (0.0, 31.0), (7_990.0, 8_000.0)] {
            let err = GccPhat::new(256, 16_000.0, band(low, high)).unwrap_err();
            assert!(
                err.to_string().contains("above 0 Hz and below Nyquist"),
                "{err}"
            );
        }
        assert!(GccPhat::new(256, 16_000.0, band(0.0, 31.25)).is_ok());
        // A huge lag limit is reported as given, not as saturated whole samples.
        let noise: Vec<f64> = (0..256).map(|n| ((n * 7919) % 211) as f64).collect();
        let mut estimator = GccPhat::new(256, 16_000.0, GccConfig::default()).unwrap();
        let err = estimator.tdoa(&noise, &noise, Some(1e300)).unwrap_err();
        assert!(
            err.to_string()
                .contains("-1.6e304 to 1.6e304 samples (1e300 s"),
            "{err}"
        );
        assert!(GccPhat::new(256, 0.0, GccConfig::default()).is_err());
        assert!(GccPhat::new(256, -16_000.0, GccConfig::default()).is_err());
        // Found by the gcc_phat fuzz target: a subnormal rate made the delay infinite.
        let err = GccPhat::new(256, 5.5e-313, GccConfig::default()).unwrap_err();
        assert!(err.to_string().contains("at least 1 Hz"), "{err}");
        assert!(GccPhat::new(0, 16_000.0, GccConfig::default()).is_err());
        let err = GccPhat::new(MAX_FRAME_LEN + 1, 16_000.0, GccConfig::default()).unwrap_err();
        assert!(err.to_string().contains("frame_len"), "{err}");

        // A lag window larger than the frames is refused, not silently shrunk.
        let mut estimator = gcc(64, GccConfig::default());
        let err = estimator
            .tdoa(&[0.1; 64], &[0.2; 64], Some(0.01))
            .unwrap_err();
        assert!(err.to_string().contains("max_delay_s"), "{err}");
    }

    #[test]
    fn reused_buffers_give_identical_results() {
        let mut estimator = gcc(
            1024,
            GccConfig {
                n_peaks: 3,
                ..GccConfig::default()
            },
        );
        let (a_i, a_j) = delayed_pair(17, 1024, 4.2);
        let (b_i, b_j) = delayed_pair(18, 700, -90.0);
        let first = estimator.tdoa(&a_i, &a_j, None).unwrap();
        estimator.tdoa(&b_i, &b_j, None).unwrap();
        let again = estimator.tdoa(&a_i, &a_j, None).unwrap();
        assert_eq!(first, again);
        assert_eq!(first.candidates.len(), 3);
    }

    #[test]
    fn offset_frames_measure_the_true_delay() {
        // x_j starts 50 samples before x_i and is longer: the true delay is still 30.
        let mut rng = rng(19);
        let source = white_noise(&mut rng, 4000);
        let later = delayed(&source, 30.0);
        let x_i = &source[1000..1500];
        let x_j = &later[950..1550];
        let mut estimator = gcc(600, GccConfig::default());
        let estimate = estimator
            .tdoa_offset(x_i, x_j, -50, Some(45.0 / 16_000.0))
            .unwrap();
        assert!((estimate.lag - 30.0).abs() < 0.01, "{}", estimate.lag);
    }
}
