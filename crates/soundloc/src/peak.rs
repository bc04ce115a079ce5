//! Finding correlation peaks and placing them between samples.
//!
//! A cross-correlation computed by FFT is known only at whole-sample lags, but the
//! delays we want are fractions of a sample. Three ways to interpolate, as
//! [`Refinement`]:
//!
//! - **Parabolic**: fit a parabola through the peak sample and its two neighbours.
//!   Cheap, but a GCC-PHAT peak is shaped like a sinc, not a parabola, so the answer
//!   is pulled towards the nearest whole sample: on white noise the bias reaches about
//!   0.1 sample halfway between two samples (the `parabola_is_biased` test measures it).
//! - **Band-limited** (the default): the weighted cross-spectrum `W_k` defines the
//!   correlation at *every* lag, `r(tau) = sum_k W_k exp(2 pi i k tau / N)`, the exact
//!   band-limited interpolation of the sampled correlation. We maximise it with
//!   Newton's method on `r'(tau) = 0`, evaluating `r'` and `r''` from the spectrum in
//!   one pass over the non-zero bins (the phasors advance by one complex
//!   multiplication per bin). Unbiased up to the noise; about 0.002 sample RMS on
//!   white noise at 20 dB SNR with 1024-sample frames (test
//!   `band_limited_refinement_meets_two_hundredths_of_a_sample`).
//! - **None**: whole samples only.
//!
//! Peaks are local maxima of the correlation inside the lag window (its two ends
//! count when they beat their inner neighbour), thinned by non-maximum suppression so
//! that the samples of one main lobe do not come back as separate candidates.

use num_complex::Complex64;

/// How a correlation peak is placed between samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Refinement {
    /// Whole-sample lags only.
    None,
    /// Three-point parabola through the peak and its neighbours.
    Parabolic,
    /// Newton's method on the band-limited correlation (exact interpolation).
    #[default]
    BandLimited,
}

/// A local maximum of a correlation at a whole-sample lag.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RawPeak {
    /// Lag in samples.
    pub lag: i64,
    /// Correlation value there (sign-corrected: positive for the polarity searched).
    pub value: f64,
}

/// The `count` largest local maxima of `sign * values`, best first, no two closer than
/// `separation` samples. `values[0]` is the correlation at lag `first_lag`.
pub(crate) fn local_maxima(
    values: &[f64],
    first_lag: i64,
    sign: f64,
    count: usize,
    separation: usize,
) -> Vec<RawPeak> {
    let at = |index: usize| sign * values[index];
    let last = values.len().saturating_sub(1);

    // Every sample that is at least as high as both neighbours (ends included).
    let mut maxima: Vec<RawPeak> = (0..values.len())
        .filter(|&index| {
            let left_ok = index == 0 || at(index) >= at(index - 1);
            let right_ok = index == last || at(index) > at(index + 1);
            left_ok && right_ok
        })
        .map(|index| RawPeak {
            lag: first_lag + index as i64,
            value: at(index),
        })
        .collect();
    // Order a generous head of the list; suppression rarely needs more.
    let by_value = |a: &RawPeak, b: &RawPeak| b.value.total_cmp(&a.value);
    let head = (4 * count + 16).min(maxima.len());
    if head < maxima.len() {
        maxima.select_nth_unstable_by(head, by_value);
    }
    maxima[..head].sort_by(by_value);
    let kept = suppress_non_maxima(&maxima[..head], count, separation);
    if kept.len() == count || head == maxima.len() {
        return kept;
    }

    // Suppression thinned the head too much: order everything (rare).
    maxima.sort_by(by_value);
    suppress_non_maxima(&maxima, count, separation)
}

/// The first `count` peaks of `ordered` (best first) with no two closer than
/// `separation` samples.
fn suppress_non_maxima(ordered: &[RawPeak], count: usize, separation: usize) -> Vec<RawPeak> {
    let mut kept: Vec<RawPeak> = Vec::with_capacity(count);
    for peak in ordered {
        if kept.len() == count {
            break;
        }
        if kept
            .iter()
            .all(|k| (k.lag - peak.lag).unsigned_abs() as usize >= separation.max(1))
        {
            kept.push(*peak);
        }
    }
    kept
}

/// Offset in `(-0.5, 0.5)` of the vertex of the parabola through `(-1, left)`,
/// `(0, centre)`, `(1, right)`; 0 when the three points are not concave.
pub(crate) fn parabolic_offset(left: f64, centre: f64, right: f64) -> f64 {
    let curvature = left - 2.0 * centre + right;
    if curvature >= 0.0 {
        return 0.0;
    }
    (0.5 * (left - right) / curvature).clamp(-0.5, 0.5)
}

/// The weighted cross-spectrum of one pair, as needed to evaluate the correlation
/// between samples.
pub(crate) struct SpectrumView<'a> {
    /// Half spectrum `W_0 .. W_{N/2}` of the real correlation.
    pub bins: &'a [Complex64],
    /// FFT length `N` (even).
    pub fft_len: usize,
    /// First and one-past-last bin with non-zero weight.
    pub active: (usize, usize),
}

impl SpectrumView<'_> {
    /// First and second derivative of the (unnormalised) correlation at `lag` samples.
    fn derivatives(&self, lag: f64) -> (f64, f64) {
        let (first, end) = self.active;
        let omega = 2.0 * std::f64::consts::PI / self.fft_len as f64;
        let nyquist = self.fft_len / 2;

        // Phasor exp(i omega k lag), advanced one bin at a time.
        let step = Complex64::from_polar(1.0, omega * lag);
        let mut phasor = Complex64::from_polar(1.0, omega * lag * first as f64);
        let (mut slope, mut curvature) = (0.0, 0.0);
        for k in first..end {
            let term = self.bins[k] * phasor;
            // Bins 1..N/2-1 stand for themselves and their mirror image; the ends once.
            let multiplicity = if k == 0 || k == nyquist { 1.0 } else { 2.0 };
            let w = omega * k as f64;
            slope -= multiplicity * w * term.im;
            curvature -= multiplicity * w * w * term.re;
            phasor *= step;
            // Re-anchor the recurrence now and then against rounding drift.
            if (k - first) % 512 == 511 {
                phasor = Complex64::from_polar(1.0, omega * lag * (k + 1) as f64);
            }
        }
        (slope, curvature)
    }

    /// The maximum of `sign * r(tau)` near the whole-sample peak `lag`, by Newton's
    /// method; falls back to `fallback` when the correlation is not concave there.
    pub(crate) fn refine(&self, lag: i64, sign: f64, fallback: f64) -> f64 {
        let mut tau = lag as f64;
        for _ in 0..8 {
            let (slope, curvature) = self.derivatives(tau);
            let (slope, curvature) = (sign * slope, sign * curvature);
            if curvature >= 0.0 {
                return fallback;
            }
            let step = (-slope / curvature).clamp(-0.5, 0.5);
            tau += step;
            if step.abs() < 1e-9 {
                break;
            }
        }
        if (tau - lag as f64).abs() > 1.0 {
            return fallback;
        }
        tau
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ends_of_the_window_can_be_peaks() {
        let values = [3.0, 1.0, 0.5, 1.0, 2.0];
        let peaks = local_maxima(&values, -2, 1.0, 5, 1);
        assert_eq!(peaks[0].lag, -2);
        assert_eq!(peaks[1].lag, 2);
    }

    #[test]
    fn suppression_keeps_one_peak_per_lobe() {
        let values = [0.0, 0.9, 1.0, 0.95, 0.2, 0.1, 0.5, 0.1];
        let peaks = local_maxima(&values, 0, 1.0, 3, 3);
        let lags: Vec<i64> = peaks.iter().map(|p| p.lag).collect();
        assert_eq!(lags, vec![2, 6]);
    }

    #[test]
    fn suppression_looks_past_a_crowded_head() {
        // 200 maxima within one lobe, and a weak distinct one far away.
        let mut values = vec![0.0; 5001];
        for k in 0..200 {
            values[2 * k + 1] = 1.0 - k as f64 / 400.0;
        }
        values[5000] = 0.1;
        let peaks = local_maxima(&values, 0, 1.0, 2, 1000);
        let lags: Vec<i64> = peaks.iter().map(|p| p.lag).collect();
        assert_eq!(lags, vec![1, 5000]);
    }

    #[test]
    fn negative_sign_finds_troughs() {
        let values = [0.0, -1.0, 0.2];
        assert_eq!(local_maxima(&values, 0, -1.0, 1, 1)[0].lag, 1);
    }

    #[test]
    fn parabola_vertex() {
        // y = -(x - 0.25)^2 sampled at -1, 0, 1.
        let y = |x: f64| -(x - 0.25) * (x - 0.25);
        assert!((parabolic_offset(y(-1.0), y(0.0), y(1.0)) - 0.25).abs() < 1e-12);
        assert_eq!(parabolic_offset(1.0, 0.0, 1.0), 0.0);
    }
}
