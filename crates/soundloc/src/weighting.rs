//! Frequency weightings of the generalised cross-correlation.
//!
//! Knapp and Carter (1976), "The generalized correlation method for estimation of
//! time delay", IEEE Trans. ASSP 24(4), write the cross-correlation of two signals as
//! the inverse Fourier transform of their cross-power spectrum `G(f) = X_i*(f) X_j(f)`
//! multiplied by a weight `psi(f)`. The weight decides which frequencies speak:
//!
//! | [`Weighting`] | `psi(f)` | when to use it |
//! |---|---|---|
//! | `Cc` | 1 | plain cross-correlation: best for white signals in white noise, broad peaks otherwise |
//! | `Phat` | `1 / abs(G)` | the phase transform: every frequency counts equally, sharp peaks, robust to reverberation; the default |
//! | `PhatBeta(b)` | `1 / abs(G)^b` | between the two (Donohue et al. 2007), `b` near 0.7 often helps with narrowband sources |
//! | `Scot` | `1 / sqrt(S_ii S_jj)` | smoothed coherence transform (Carter et al. 1973): PHAT with smoothed auto-spectra |
//! | `Roth` | `1 / S_ii` | Roth (1971) processor: whitens by the reference channel only |
//! | `Ht` | `abs(gamma)^2 / (abs(G) (1 - abs(gamma)^2))` | Hannan-Thomson, the maximum-likelihood weight: down-weights incoherent bins |
//!
//! `S_ii`, `S_jj` and the coherence `gamma = S_ij / sqrt(S_ii S_jj)` need spectral
//! *estimates*, not single-frame periodograms (for one frame the coherence is
//! exactly 1 everywhere). We estimate them by averaging over neighbouring frequency
//! bins (a Daniell smoother of `2 m + 1` bins, `m` = [`GccConfig::smoothing_bins`](crate::gcc::GccConfig)).
//!
//! A bin whose denominator is zero (no energy in either channel) gets weight zero, so
//! silent bands never turn into NaN or infinity.

use num_complex::Complex64;

/// The frequency weighting `psi(f)` of the generalised cross-correlation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Weighting {
    /// Plain cross-correlation (no weighting).
    Cc,
    /// Phase transform: unit magnitude at every frequency.
    #[default]
    Phat,
    /// Partial phase transform, `1 / abs(G)^beta` with `beta` in `[0, 1]`.
    PhatBeta(f64),
    /// Smoothed coherence transform.
    Scot,
    /// Roth processor, whitening by the first signal's spectrum.
    Roth,
    /// Hannan-Thomson maximum-likelihood weighting.
    Ht,
}

impl Weighting {
    /// The names [`from_name`](Self::from_name) accepts for the weightings without a
    /// parameter, one per weighting. The partial phase transform is written
    /// `phat-beta:<beta>`, for example `phat-beta:0.7`; `none` (for `cc`) and `ml` (for `ht`)
    /// are accepted as aliases.
    pub const NAMES: [&'static str; 5] = ["cc", "phat", "scot", "roth", "ht"];

    /// The name of this weighting, as [`from_name`](Self::from_name) reads it back:
    /// `phat-beta:0.7` for the partial phase transform with `beta = 0.7`.
    pub fn name(self) -> String {
        match self {
            Weighting::Cc => "cc".into(),
            Weighting::Phat => "phat".into(),
            Weighting::PhatBeta(beta) => format!("phat-beta:{beta}"),
            Weighting::Scot => "scot".into(),
            Weighting::Roth => "roth".into(),
            Weighting::Ht => "ht".into(),
        }
    }

    /// Parses the names used in scene files and the Python API:
    /// `cc`, `phat`, `phat-beta:0.7` (beta in `[0, 1]`), `scot`, `roth`, `ht` (also
    /// `ml`). `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.trim().to_ascii_lowercase();
        match lower.as_str() {
            "cc" | "none" => Some(Weighting::Cc),
            "phat" => Some(Weighting::Phat),
            "scot" => Some(Weighting::Scot),
            "roth" => Some(Weighting::Roth),
            "ht" | "ml" => Some(Weighting::Ht),
            other => {
                let beta = other
                    .strip_prefix("phat-beta:")
                    .or_else(|| other.strip_prefix("phat_beta:"))?;
                let beta: f64 = beta.parse().ok()?;
                (0.0..=1.0)
                    .contains(&beta)
                    .then_some(Weighting::PhatBeta(beta))
            }
        }
    }

    /// Whether this weighting needs smoothed spectral estimates.
    pub(crate) fn needs_smoothing(self) -> bool {
        matches!(self, Weighting::Scot | Weighting::Roth | Weighting::Ht)
    }
}

/// `|g|` by a plain square root: `Complex64::norm` calls `hypot`, which guards against
/// overflow we cannot meet here (spectra of audio stay far below 1e150) and costs
/// several times more in the per-bin loops.
pub(crate) fn magnitude(g: Complex64) -> f64 {
    g.norm_sqr().sqrt()
}

/// Largest coherence accepted by the HT weight, so that `1 - abs(gamma)^2` stays positive.
const MAX_COHERENCE: f64 = 0.999;

/// Turns the cross-power spectrum `cross` (`X_i* X_j`) into the weighted spectrum,
/// in place.
///
/// `auto_i`, `auto_j` and `smoothed_cross` are the smoothed spectral estimates
/// (only read by the weightings that need them); `floor` is the smallest denominator
/// treated as non-zero.
pub(crate) fn apply(
    weighting: Weighting,
    cross: &mut [Complex64],
    auto_i: &[f64],
    auto_j: &[f64],
    smoothed_cross: &[Complex64],
    floor: f64,
) {
    let safe_inverse = |denominator: f64| {
        if denominator > floor {
            1.0 / denominator
        } else {
            0.0
        }
    };

    match weighting {
        Weighting::Cc => {}
        Weighting::Phat => cross
            .iter_mut()
            .for_each(|g| *g *= safe_inverse(magnitude(*g))),
        Weighting::PhatBeta(beta) => cross
            .iter_mut()
            .for_each(|g| *g *= safe_inverse(magnitude(*g).powf(beta))),
        Weighting::Scot => {
            for (k, g) in cross.iter_mut().enumerate() {
                *g *= safe_inverse((auto_i[k] * auto_j[k]).sqrt());
            }
        }
        Weighting::Roth => {
            for (k, g) in cross.iter_mut().enumerate() {
                *g *= safe_inverse(auto_i[k]);
            }
        }
        Weighting::Ht => {
            for (k, g) in cross.iter_mut().enumerate() {
                let power = auto_i[k] * auto_j[k];
                let coherence = if power > floor * floor {
                    (smoothed_cross[k].norm_sqr() / power).min(MAX_COHERENCE)
                } else {
                    0.0
                };
                *g *= coherence * safe_inverse(magnitude(*g) * (1.0 - coherence));
            }
        }
    }
}

/// Bins handled side by side in [`phat_split`], so that the square roots and divisions
/// of neighbouring bins overlap.
const LANES: usize = 4;

/// The PHAT weighting of `cross` in place, fused with what GCC needs next: writes the
/// real and imaginary parts of each weighted bin to `re` and `im` as well, and returns
/// the sum of the weighted magnitudes and of their squares over the slice.
///
/// A bin whose magnitude is at most `floor` gets weight zero, as in [`apply`]; any other
/// weighted bin has magnitude 1 up to rounding (counted as `|g| / |g|`, which saves a
/// second square root).
pub(crate) fn phat_split(
    cross: &mut [Complex64],
    floor: f64,
    re: &mut [f64],
    im: &mut [f64],
) -> (f64, f64) {
    let (mut magnitudes, mut squares) = ([0.0; LANES], [0.0; LANES]);
    let mut weigh = |lane: usize, g: &mut Complex64, re: &mut f64, im: &mut f64| {
        let size = magnitude(*g);
        let inverse = if size > floor { 1.0 / size } else { 0.0 };
        *g *= inverse;
        (*re, *im) = (g.re, g.im);
        let weighted = size * inverse;
        magnitudes[lane] += weighted;
        squares[lane] += weighted * weighted;
    };
    let mut bins = cross.chunks_exact_mut(LANES);
    let mut split_re = re.chunks_exact_mut(LANES);
    let mut split_im = im.chunks_exact_mut(LANES);
    for ((g, re), im) in (&mut bins).zip(&mut split_re).zip(&mut split_im) {
        for lane in 0..LANES {
            weigh(lane, &mut g[lane], &mut re[lane], &mut im[lane]);
        }
    }
    let tail = bins.into_remainder().iter_mut();
    let tail = tail
        .zip(split_re.into_remainder())
        .zip(split_im.into_remainder());
    for (lane, ((g, re), im)) in tail.enumerate() {
        weigh(lane, g, re, im);
    }
    (magnitudes.iter().sum(), squares.iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(Weighting::from_name("PHAT"), Some(Weighting::Phat));
        assert_eq!(Weighting::from_name("ml"), Some(Weighting::Ht));
        assert_eq!(
            Weighting::from_name("phat-beta:0.7"),
            Some(Weighting::PhatBeta(0.7))
        );
        assert_eq!(Weighting::from_name("fancy"), None);
        assert_eq!(Weighting::from_name("phat-beta:2"), None);
    }

    #[test]
    fn every_name_parses_and_every_weighting_has_its_name() {
        for name in Weighting::NAMES {
            let weighting = Weighting::from_name(name).unwrap();
            assert_eq!(weighting.name(), name);
        }
        let all = [
            Weighting::Cc,
            Weighting::Phat,
            Weighting::PhatBeta(0.7),
            Weighting::Scot,
            Weighting::Roth,
            Weighting::Ht,
        ];
        for weighting in all {
            assert_eq!(Weighting::from_name(&weighting.name()), Some(weighting));
            let fixed = !matches!(weighting, Weighting::PhatBeta(_));
            assert_eq!(
                Weighting::NAMES.contains(&weighting.name().as_str()),
                fixed,
                "{weighting:?}"
            );
        }
    }

    #[test]
    fn zero_bins_stay_zero_for_every_weighting() {
        let all = [
            Weighting::Cc,
            Weighting::Phat,
            Weighting::PhatBeta(0.5),
            Weighting::Scot,
            Weighting::Roth,
            Weighting::Ht,
        ];
        for weighting in all {
            let mut cross = vec![Complex64::new(0.0, 0.0); 4];
            let zeros = vec![0.0; 4];
            let smoothed = cross.clone();
            apply(weighting, &mut cross, &zeros, &zeros, &smoothed, 1e-300);
            assert!(
                cross.iter().all(|g| g.re == 0.0 && g.im == 0.0),
                "{weighting:?}"
            );
        }
    }
}
