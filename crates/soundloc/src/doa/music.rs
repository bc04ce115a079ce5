//! Broadband MUSIC and NormMUSIC: directions (or near-field positions) from the
//! noise subspace of the spatial covariance.
//!
//! # The idea
//!
//! MUSIC (MUltiple SIgnal Classification, R. O. Schmidt, "Multiple emitter location
//! and signal parameter estimation", IEEE Trans. Antennas and Propagation 34(3),
//! 1986) works one frequency at a time. At frequency bin `k` the STFT frames
//! `x_f(k)` (one complex value per microphone) give the spatial covariance
//!
//! ```text
//! R_k = (1/F) Σ_f x_f(k) x_f(k)^H
//! ```
//!
//! With `D` uncorrelated sources and independent sensor noise, the `D` largest
//! eigenvectors of `R_k` span the same space as the sources' steering vectors (the
//! *signal subspace* `E_s`); the other `M - D` (the *noise subspace* `E_n`) are
//! orthogonal to every source's steering vector. A candidate `θ` whose steering vector
//! `a_k(θ)` is orthogonal to `E_n` is therefore a source, and the pseudo-spectrum
//!
//! ```text
//! P_k(θ) = 1 / ||E_n^H a_k(θ)||²
//! ```
//!
//! peaks sharply there. Because `E_s` and `E_n` together are unitary,
//! `||E_n^H a||² = M - ||E_s^H a||²` (the steering vector has `||a||² = M`), so we
//! project on whichever subspace is smaller.
//!
//! # Steering vectors and their sign
//!
//! A source heard at microphone `i` at time `t_i` (relative to the centroid, from
//! [`SearchGrid::delays_s`]) is, in the STFT, the source spectrum times
//! `exp(-j ω_k t_i)`, with `ω_k = 2π k f_s / N`: a delay multiplies a spectrum by a
//! phase that falls with frequency. The steering vector is that factor,
//! `a_k(θ)_i = exp(-j ω_k t_i(θ))`.
//!
//! # Broadband fusion: MUSIC and NormMUSIC
//!
//! The broadband map sums the per-bin pseudo-spectra over the band
//! ([`MusicConfig::freq_range_hz`]). Plain incoherent MUSIC sums them as they are. But
//! the height of `P_k` depends on how cleanly bin `k` separates the subspaces, not on
//! its power, so a handful of bins with a near-singular noise projection can dominate
//! the sum. NormMUSIC ([`MusicConfig::normalise`]) divides each bin's pseudo-spectrum
//! by its maximum over the grid before summing, so every bin votes with the same
//! weight: the per-frequency normalisation of D. Salvati, C. Drioli and G. L. Foresti,
//! "Incoherent frequency fusion for broadband steered response power algorithms in
//! noisy environments", IEEE Signal Processing Letters 21(5), 2014, applied to MUSIC.
//! Off-grid refinement uses the same per-bin weights, so the refined score is the
//! exact broadband pseudo-spectrum the grid sampled.
//!
//! # Peaks
//!
//! The [`MusicConfig::n_sources`] strongest distinct local maxima of the map at least
//! [`MusicConfig::min_separation`] apart, with [`MusicConfig::refine`] each polished off
//! the grid by [`SearchGrid::refine`] on the exact broadband pseudo-spectrum, a polished
//! peak that joins a stronger one giving way to the next: the search SRP-PHAT shares,
//! [`SearchGrid::sources`].
//!
//! # Cost
//!
//! Covariances: `O(bins × mics² × frames)`; eigendecompositions: `O(bins × mics³)`.
//! The scan is `O(grid × bins × mics × d)` with `d = min(D, M - D)`, the dimension of
//! the subspace projected on; NormMUSIC scans the grid twice (once for each bin's
//! maximum, once for the sum) rather than hold a `grid × bins` table. Steering phases
//! advance from bin to bin by one complex multiplication, not a `sin_cos` per bin.
//! The scan runs in parallel over grid points.
//!
//! # Frames
//!
//! At least one frame is needed, but `R_k` has rank at most `F`: with fewer frames
//! than microphones the noise subspace holds directions that are merely unobserved,
//! not orthogonal to the sources, and the map degrades. Use several times more frames
//! than microphones.
//!
//! # Streaming
//!
//! [`Music::push_frame`] takes one frame at a time and keeps running covariances
//! with a forgetting factor `λ` ([`MusicConfig::forgetting_factor`]): each frame's
//! outer product enters with weight 1 and the past is multiplied by `λ`, normalised
//! by the total weight, so `λ = 1` is the plain mean of every frame so far and
//! `λ < 1` remembers about `1 / (1 - λ)` frames.

use std::ops::Range;

use nalgebra::DMatrix;
use ndarray::{ArrayView2, ArrayView3};
use num_complex::Complex64;
use rayon::prelude::*;

use crate::array::MicArray;
use crate::doa::grid::{PeakScore, SearchGrid, SourceSearch};
use crate::doa::stft::Stft;
use crate::doa::{SourceEstimate, frequency_bins};
use crate::error::{Error, Result};

/// Bins whose covariance trace is below this fraction of the strongest bin's are
/// skipped: their eigenvectors would describe round-off, not sound.
pub const SILENT_BIN_FRACTION: f64 = 1e-12;

/// Noise-subspace distances `||E_n^H a||²` below this fraction of `M = ||a||²` are
/// raised to it: below it the value is round-off, and the floor keeps `P_k` finite.
pub const PROJECTION_FLOOR_FRACTION: f64 = 1e-12;

/// Settings of a [`Music`] estimator.
#[derive(Debug, Clone, PartialEq)]
pub struct MusicConfig {
    /// Samples per STFT frame (`n_bins = fft_len / 2 + 1`).
    pub fft_len: usize,
    /// Sampling rate, Hz.
    pub sample_rate: f64,
    /// Speed of sound, m/s.
    pub speed_of_sound: f64,
    /// The band `(low, high)` in Hz whose bins are fused.
    pub freq_range_hz: (f64, f64),
    /// Number of sources `D`, at least 1 and below the number of microphones.
    pub n_sources: usize,
    /// Smallest separation between reported sources: radians on a far-field grid,
    /// metres on a near-field one.
    pub min_separation: f64,
    /// Refine each peak off the grid on the exact broadband pseudo-spectrum.
    pub refine: bool,
    /// NormMUSIC: divide each bin's pseudo-spectrum by its maximum over the grid
    /// before summing.
    pub normalise: bool,
    /// Forgetting factor `λ` in `(0, 1]` of the running covariances of
    /// [`Music::push_frame`]; 1 averages every frame equally.
    pub forgetting_factor: f64,
}

impl Default for MusicConfig {
    /// 512-sample frames at 16 kHz, 343 m/s, 300 Hz to 4 kHz ([`super::default_freq_range_hz`]), one source, sources at
    /// least 10 degrees apart, refined NormMUSIC, `λ = 0.95`.
    fn default() -> Self {
        MusicConfig {
            fft_len: 512,
            sample_rate: 16_000.0,
            speed_of_sound: 343.0,
            freq_range_hz: super::default_freq_range_hz(16_000.0),
            n_sources: 1,
            min_separation: 10f64.to_radians(),
            refine: true,
            normalise: true,
            forgetting_factor: 0.95,
        }
    }
}

/// A broadband MUSIC (or NormMUSIC) estimator for one array and one search grid.
#[derive(Debug)]
pub struct Music {
    array: MicArray,
    grid: SearchGrid,
    config: MusicConfig,
    bins: Range<usize>,
    stft: Stft,
    running: RunningCovariances,
    map: Vec<f64>,
}

/// The covariances [`Music::push_frame`] accumulates, one per bin of the band.
#[derive(Debug)]
struct RunningCovariances {
    covariances: Vec<DMatrix<Complex64>>,
    total_weight: f64,
}

/// Whether a bin's distance is measured on the noise subspace directly or as
/// `M` minus the projection on the signal subspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subspace {
    Noise,
    Signal,
}

/// What one frequency bin contributes to the pseudo-spectrum.
#[derive(Debug)]
struct BinProjector {
    /// Conjugated basis vectors, one row of `n_mics` values per vector.
    basis_conj: Vec<Complex64>,
    subspace: Subspace,
    /// 1 for MUSIC, one over the bin's grid maximum for NormMUSIC.
    weight: f64,
}

/// MUSIC's side of the peak search ([`PeakScore`]): its map is the exact broadband
/// pseudo-spectrum at the grid's candidates, and refinement climbs the same off the
/// grid.
struct MusicPeaks<'a> {
    music: &'a Music,
    spectrum: &'a PseudoSpectrum,
    map: &'a [f64],
    delays: Vec<f64>,
}

impl PeakScore for MusicPeaks<'_> {
    fn at_candidate(&mut self, index: usize) -> f64 {
        self.map[index]
    }

    fn polish(&mut self, index: usize) -> ([f64; 3], f64) {
        let grid = &self.music.grid;
        let start = grid.points()[index];
        if !self.music.config.refine {
            return (start, self.map[index]);
        }

        let tolerance = 1e-3 * grid.spacing();
        let (music, spectrum, delays) = (self.music, self.spectrum, &mut self.delays);
        grid.refine(start, tolerance, |p| {
            music.delays_at(p, delays);
            spectrum.broadband(delays)
        })
    }
}

/// The per-bin projectors of one call: evaluates `P_k(θ)` for every bin at a
/// candidate's delays.
#[derive(Debug)]
struct PseudoSpectrum {
    n_mics: usize,
    /// `Δω` between bins, rad/s.
    bin_omega: f64,
    /// First bin of the band.
    first_bin: usize,
    /// One entry per bin of the band; `None` for a silent bin.
    projectors: Vec<Option<BinProjector>>,
}

impl Music {
    /// An estimator for `array` scanning `grid`, with `config` checked: positive
    /// finite rates and speed, a band holding at least one bin (see
    /// [`frequency_bins`]), `1 <= n_sources < n_mics`, a finite non-negative
    /// `min_separation` and a forgetting factor in `(0, 1]`.
    pub fn new(array: MicArray, grid: SearchGrid, config: MusicConfig) -> Result<Self> {
        check_positive(
            "sample_rate",
            "a positive finite rate in Hz",
            config.sample_rate,
        )?;
        check_positive(
            "speed_of_sound",
            "a positive finite speed in m/s",
            config.speed_of_sound,
        )?;
        let stft = Stft::new(config.fft_len, config.fft_len)?;
        let bins = frequency_bins(config.freq_range_hz, config.sample_rate, config.fft_len)?;

        let n_mics = array.len();
        if config.n_sources == 0 || config.n_sources >= n_mics {
            return Err(Error::parameter(
                "n_sources",
                format!(
                    "1 to {} (MUSIC needs a noise subspace: fewer sources than the \
                     {n_mics} microphones)",
                    n_mics - 1
                ),
                config.n_sources,
            ));
        }
        if !(config.min_separation.is_finite() && config.min_separation >= 0.0) {
            return Err(Error::parameter(
                "min_separation",
                "a finite separation >= 0 (radians or metres)",
                config.min_separation,
            ));
        }
        let lambda = config.forgetting_factor;
        if !(lambda > 0.0 && lambda <= 1.0) {
            return Err(Error::parameter(
                "forgetting_factor",
                "a factor in (0, 1]",
                lambda,
            ));
        }

        let running = RunningCovariances {
            covariances: vec![DMatrix::zeros(n_mics, n_mics); bins.len()],
            total_weight: 0.0,
        };
        Ok(Music {
            array,
            grid,
            config,
            bins,
            stft,
            running,
            map: Vec::new(),
        })
    }

    /// The array.
    pub fn array(&self) -> &MicArray {
        &self.array
    }

    /// The grid scanned.
    pub fn grid(&self) -> &SearchGrid {
        &self.grid
    }

    /// The settings.
    pub fn config(&self) -> &MusicConfig {
        &self.config
    }

    /// The FFT bins fused, from [`MusicConfig::freq_range_hz`].
    pub fn bins(&self) -> Range<usize> {
        self.bins.clone()
    }

    /// The broadband pseudo-spectrum of the last successful call, one value per grid
    /// point (empty before the first).
    pub fn map(&self) -> &[f64] {
        &self.map
    }

    /// Sources from STFT spectra `(n_mics, fft_len / 2 + 1, n_frames)`, as [`Stft`]
    /// gives them, strongest first.
    ///
    /// Fails with [`Error::InvalidParameter`] for the wrong number of channels or bins
    /// or no frames, [`Error::NonFinite`] for a NaN or infinity, and
    /// [`Error::NoEstimate`] when the band is silent. One frame is accepted, but fewer
    /// frames than microphones leave the covariance rank-deficient (see the module
    /// documentation).
    pub fn process_spectra(
        &mut self,
        spectra: ArrayView3<Complex64>,
    ) -> Result<Vec<SourceEstimate>> {
        self.check_spectra(&spectra)?;

        let covariances: Vec<DMatrix<Complex64>> = self
            .bins
            .clone()
            .map(|k| frame_covariance(&spectra, k))
            .collect();

        let (estimates, map) = self.locate(&covariances)?;
        self.map = map;
        Ok(estimates)
    }

    /// Sources from signals `(n_mics, n_samples)`: Hann-windowed frames of
    /// [`MusicConfig::fft_len`] samples every `hop` samples, then
    /// [`Music::process_spectra`].
    pub fn process_signals(
        &mut self,
        signals: ArrayView2<f64>,
        hop: usize,
    ) -> Result<Vec<SourceEstimate>> {
        self.check_channels("signals", signals.nrows())?;

        let spectra = Stft::new(self.config.fft_len, hop)?.process(signals)?;
        self.process_spectra(spectra.view())
    }

    /// Adds one frame `(n_mics, fft_len)` of signal (Hann-windowed here) to the
    /// running covariances and returns the sources they show now.
    ///
    /// The frame counts even when the estimate fails (for example
    /// [`Error::NoEstimate`] while every frame so far was silent).
    pub fn push_frame(&mut self, frame: ArrayView2<f64>) -> Result<Vec<SourceEstimate>> {
        self.check_channels("frame", frame.nrows())?;
        if frame.ncols() != self.config.fft_len {
            return Err(Error::LengthMismatch {
                what: "frame (n_mics, fft_len)".into(),
                expected: self.config.fft_len,
                got: frame.ncols(),
            });
        }

        let spectrum = self.stft.process(frame)?;
        let lambda = self.config.forgetting_factor;
        let kept_weight = lambda * self.running.total_weight;
        let total_weight = kept_weight + 1.0;
        for (covariance, k) in self.running.covariances.iter_mut().zip(self.bins.clone()) {
            let newest = frame_covariance(&spectrum.view(), k);
            *covariance = (covariance.scale(kept_weight) + newest).unscale(total_weight);
        }
        self.running.total_weight = total_weight;

        let (estimates, map) = self.locate(&self.running.covariances)?;
        self.map = map;
        Ok(estimates)
    }

    /// Forgets every frame [`Music::push_frame`] has seen.
    pub fn reset(&mut self) {
        for covariance in &mut self.running.covariances {
            covariance.fill(Complex64::default());
        }
        self.running.total_weight = 0.0;
    }

    /// The sources and the grid map from one covariance per bin of the band.
    fn locate(
        &self,
        covariances: &[DMatrix<Complex64>],
    ) -> Result<(Vec<SourceEstimate>, Vec<f64>)> {
        let mut spectrum = self.pseudo_spectrum(covariances)?;
        if self.config.normalise {
            let maxima = self.bin_maxima(&spectrum);
            for (projector, max) in spectrum.projectors.iter_mut().zip(maxima) {
                if let Some(projector) = projector {
                    projector.weight = 1.0 / max;
                }
            }
        }

        let map = self.scan(&spectrum);
        let mut peaks = MusicPeaks {
            music: self,
            spectrum: &spectrum,
            map: &map,
            delays: vec![0.0; self.array.len()],
        };
        let mut search = SourceSearch::with_capacity(map.len(), self.config.n_sources);
        let found = self.grid.sources(
            &self.array,
            &map,
            self.config.n_sources,
            self.config.min_separation,
            &mut peaks,
            &mut search,
        );
        if found.is_empty() {
            return Err(Error::NoEstimate {
                reason: "the MUSIC pseudo-spectrum has no finite peak on the grid".into(),
            });
        }

        let estimates = found
            .iter()
            .map(|&(point, power)| {
                SourceEstimate::from_grid_point(&self.grid, &self.array, point, power)
            })
            .collect();
        Ok((estimates, map))
    }

    /// Eigendecomposes each bin's covariance and keeps the smaller of its signal and
    /// noise subspaces. Fails when every bin is silent.
    fn pseudo_spectrum(&self, covariances: &[DMatrix<Complex64>]) -> Result<PseudoSpectrum> {
        let traces: Vec<f64> = covariances.iter().map(|r| r.trace().re).collect();
        let strongest = traces.iter().copied().fold(0.0, f64::max);
        if strongest <= 0.0 {
            return Err(Error::NoEstimate {
                reason: format!(
                    "the input is silent between {} and {} Hz (expected signal power in \
                     the band)",
                    self.config.freq_range_hz.0, self.config.freq_range_hz.1
                ),
            });
        }

        let n_mics = self.array.len();
        let n_sources = self.config.n_sources;
        let projectors = covariances
            .iter()
            .zip(&traces)
            .map(|(r, &trace)| {
                (trace > SILENT_BIN_FRACTION * strongest)
                    .then(|| BinProjector::from_covariance(r, n_sources))
            })
            .collect();
        Ok(PseudoSpectrum {
            n_mics,
            bin_omega: std::f64::consts::TAU * self.config.sample_rate / self.config.fft_len as f64,
            first_bin: self.bins.start,
            projectors,
        })
    }

    /// Each bin's largest pseudo-spectrum over the grid (NormMUSIC's divisors).
    fn bin_maxima(&self, spectrum: &PseudoSpectrum) -> Vec<f64> {
        let n_bins = spectrum.projectors.len();
        let n_mics = self.array.len();
        self.grid
            .points()
            .par_iter()
            .fold(
                || (vec![0.0; n_mics], vec![0.0; n_bins]),
                |(mut delays, mut maxima), point| {
                    self.delays_at(*point, &mut delays);
                    spectrum.for_each_bin(&delays, |index, value| {
                        maxima[index] = f64::max(maxima[index], value);
                    });
                    (delays, maxima)
                },
            )
            .map(|(_, maxima)| maxima)
            .reduce(
                || vec![0.0; n_bins],
                |a, b| a.iter().zip(&b).map(|(x, y)| x.max(*y)).collect(),
            )
    }

    /// The broadband pseudo-spectrum at every grid point.
    fn scan(&self, spectrum: &PseudoSpectrum) -> Vec<f64> {
        let n_mics = self.array.len();
        self.grid
            .points()
            .par_iter()
            .map_init(
                || vec![0.0; n_mics],
                |delays, point| {
                    self.delays_at(*point, delays);
                    spectrum.broadband(delays)
                },
            )
            .collect()
    }

    fn delays_at(&self, point: [f64; 3], out: &mut [f64]) {
        self.grid
            .delays_s(&self.array, self.config.speed_of_sound, point, out);
    }

    fn check_channels(&self, what: &'static str, got: usize) -> Result<()> {
        let expected = self.array.len();
        if got == expected {
            return Ok(());
        }
        Err(Error::parameter(
            what,
            format!("{expected} channels (one per microphone)"),
            format!("{got} channels"),
        ))
    }

    fn check_spectra(&self, spectra: &ArrayView3<Complex64>) -> Result<()> {
        let (n_mics, n_bins, n_frames) = spectra.dim();
        self.check_channels("spectra", n_mics)?;

        let expected_bins = self.config.fft_len / 2 + 1;
        if n_bins != expected_bins {
            return Err(Error::parameter(
                "spectra",
                format!(
                    "{expected_bins} bins (fft_len {} / 2 + 1)",
                    self.config.fft_len
                ),
                format!("{n_bins} bins"),
            ));
        }
        if n_frames == 0 {
            return Err(Error::parameter(
                "spectra",
                "at least 1 frame (several times more frames than microphones for a \
                 full-rank covariance)",
                "0 frames",
            ));
        }

        let bad = spectra
            .indexed_iter()
            .find(|(_, value)| !(value.re.is_finite() && value.im.is_finite()));
        match bad {
            None => Ok(()),
            Some(((mic, bin, frame), value)) => Err(Error::NonFinite {
                what: format!("spectra (mic {mic}, bin {bin}, frame {frame})"),
                index: (mic * n_bins + bin) * n_frames + frame,
                value: value.to_string(),
            }),
        }
    }
}

impl BinProjector {
    /// The smaller of the signal (`n_sources` largest eigenvectors) and noise subspaces
    /// of the Hermitian covariance `r`.
    fn from_covariance(r: &DMatrix<Complex64>, n_sources: usize) -> Self {
        let noise_dim = r.nrows() - n_sources;
        let subspace = if n_sources <= noise_dim {
            Subspace::Signal
        } else {
            Subspace::Noise
        };
        BinProjector::with_subspace(r, n_sources, subspace)
    }

    /// The projector on `subspace` of the Hermitian covariance `r`.
    fn with_subspace(r: &DMatrix<Complex64>, n_sources: usize, subspace: Subspace) -> Self {
        let n_mics = r.nrows();
        let eigen = r.clone().symmetric_eigen();
        let mut ascending: Vec<usize> = (0..n_mics).collect();
        ascending.sort_by(|&a, &b| eigen.eigenvalues[a].total_cmp(&eigen.eigenvalues[b]));

        let noise_dim = n_mics - n_sources;
        let columns = match subspace {
            Subspace::Signal => &ascending[noise_dim..],
            Subspace::Noise => &ascending[..noise_dim],
        };
        let basis_conj = columns
            .iter()
            .flat_map(|&c| {
                eigen
                    .eigenvectors
                    .column(c)
                    .iter()
                    .map(|v| v.conj())
                    .collect::<Vec<_>>()
            })
            .collect();
        BinProjector {
            basis_conj,
            subspace,
            weight: 1.0,
        }
    }

    /// `P_k = 1 / ||E_n^H a||²` for steering vector `a`, unweighted.
    fn pseudo_spectrum(&self, steering: &[Complex64]) -> f64 {
        let n_mics = steering.len();
        let projected: f64 = self
            .basis_conj
            .chunks_exact(n_mics)
            .map(|row| {
                row.iter()
                    .zip(steering)
                    .map(|(e, a)| e * a)
                    .sum::<Complex64>()
                    .norm_sqr()
            })
            .sum();

        let m = n_mics as f64;
        let noise_distance = match self.subspace {
            Subspace::Noise => projected,
            Subspace::Signal => m - projected,
        };
        1.0 / noise_distance.max(PROJECTION_FLOOR_FRACTION * m)
    }
}

impl PseudoSpectrum {
    /// Calls `visit(index in band, P_k)` for every non-silent bin, for a candidate
    /// heard at `delays_s`. The steering phases `exp(-j ω_k t_i)` advance from bin to
    /// bin by one multiplication.
    fn for_each_bin(&self, delays_s: &[f64], mut visit: impl FnMut(usize, f64)) {
        let first_omega = self.bin_omega * self.first_bin as f64;
        let mut steering: Vec<Complex64> = delays_s
            .iter()
            .map(|t| Complex64::from_polar(1.0, -first_omega * t))
            .collect();
        let advance: Vec<Complex64> = delays_s
            .iter()
            .map(|t| Complex64::from_polar(1.0, -self.bin_omega * t))
            .collect();
        debug_assert_eq!(steering.len(), self.n_mics);

        for (index, projector) in self.projectors.iter().enumerate() {
            if let Some(projector) = projector {
                visit(index, projector.pseudo_spectrum(&steering));
            }
            for (a, step) in steering.iter_mut().zip(&advance) {
                *a *= step;
            }
        }
    }

    /// The weighted sum of the per-bin pseudo-spectra at `delays_s`.
    fn broadband(&self, delays_s: &[f64]) -> f64 {
        let mut sum = 0.0;
        self.for_each_bin(delays_s, |index, value| {
            let weight = self.projectors[index].as_ref().map_or(0.0, |p| p.weight);
            sum += weight * value;
        });
        sum
    }
}

/// `(1/F) Σ_f x_f x_f^H` over the frames of bin `k` of `spectra`
/// `(n_mics, n_bins, n_frames)`.
fn frame_covariance(spectra: &ArrayView3<Complex64>, k: usize) -> DMatrix<Complex64> {
    let (n_mics, _, n_frames) = spectra.dim();
    let frames = DMatrix::from_fn(n_mics, n_frames, |mic, f| spectra[[mic, k, f]]);
    (&frames * frames.adjoint()).unscale(n_frames as f64)
}

fn check_positive(name: &'static str, expected: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::parameter(name, expected, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::Direction;
    use ndarray::{Array2, Array3, Axis, Slice};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const FS: f64 = 16_000.0;
    const C: f64 = 343.0;

    fn config(n_sources: usize, normalise: bool) -> MusicConfig {
        MusicConfig {
            fft_len: 256,
            sample_rate: FS,
            speed_of_sound: C,
            freq_range_hz: (300.0, 4000.0),
            n_sources,
            min_separation: 0.2,
            refine: true,
            normalise,
            forgetting_factor: 0.9,
        }
    }

    /// Spectra `(n_mics, 129, n_frames)` holding, at each `(bin, delays, noise)`, a
    /// source of random phase per frame heard at `delays` plus sensor noise of
    /// standard deviation `noise`; every other bin silent.
    fn tone_spectra(
        rng: &mut ChaCha8Rng,
        tones: &[(usize, Vec<f64>, f64)],
        n_frames: usize,
    ) -> Array3<Complex64> {
        let n_mics = tones[0].1.len();
        let mut spectra = Array3::<Complex64>::zeros((n_mics, 129, n_frames));
        for (bin, delays, noise) in tones {
            let omega = std::f64::consts::TAU * *bin as f64 * FS / 256.0;
            for f in 0..n_frames {
                let source = Complex64::from_polar(1.0, rng.random_range(0.0..6.3));
                for (mic, t) in delays.iter().enumerate() {
                    let sensor =
                        Complex64::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0));
                    spectra[[mic, *bin, f]] =
                        source * Complex64::from_polar(1.0, -omega * t) + sensor * *noise;
                }
            }
        }
        spectra
    }

    /// `n_samples` of a sum of tones heard at `delays_s` (exact delays of a periodic
    /// signal), `(n_mics, n_samples)`.
    fn multitone(rng: &mut ChaCha8Rng, delays_s: &[f64], n_samples: usize) -> Array2<f64> {
        let tones: Vec<(f64, f64)> = (0..24)
            .map(|_| (rng.random_range(400.0..3800.0), rng.random_range(0.0..6.3)))
            .collect();
        Array2::from_shape_fn((delays_s.len(), n_samples), |(mic, n)| {
            let t = n as f64 / FS - delays_s[mic];
            tones
                .iter()
                .map(|(hz, phase)| (std::f64::consts::TAU * hz * t + phase).cos())
                .sum()
        })
    }

    /// Frame `f` of 256 samples.
    fn frame_of(signals: &Array2<f64>, f: usize) -> ArrayView2<'_, f64> {
        signals.slice_axis(Axis(1), Slice::from(f * 256..(f + 1) * 256))
    }

    #[test]
    fn a_delayed_tone_peaks_at_its_direction_and_not_the_opposite_one() {
        let array = MicArray::uniform_circular(6, 0.05).unwrap();
        let truth = Direction::horizontal(1.0);
        let delays = array.far_field_delays_s(&truth, C);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let spectra = tone_spectra(&mut rng, &[(20, delays, 0.0)], 30);

        let grid = SearchGrid::horizon(360).unwrap();
        let mut music = Music::new(array, grid, config(1, false)).unwrap();
        let estimates = music.process_spectra(spectra.view()).unwrap();
        let found = estimates[0].direction().unwrap().direction;
        assert!(found.angle_to(&truth) < 1e-4, "{found:?}");

        // A steering vector of the wrong sign would put the peak at the opposite azimuth.
        let map = music.map();
        let opposite = (1.0f64.to_degrees() + 180.0).round() as usize % 360;
        let peak = map.iter().copied().fold(0.0, f64::max);
        assert!(map[opposite] < 1e-3 * peak, "{} vs {peak}", map[opposite]);
        assert!(map.iter().all(|v| v.is_finite() && *v > 0.0));
    }

    #[test]
    fn signal_and_noise_subspaces_give_the_same_distance() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let n_mics = 7;
        let frames = DMatrix::from_fn(n_mics, 40, |_, _| {
            Complex64::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0))
        });
        let r = (&frames * frames.adjoint()).unscale(40.0);

        for n_sources in 1..n_mics {
            let by_signal = BinProjector::with_subspace(&r, n_sources, Subspace::Signal);
            let by_noise = BinProjector::with_subspace(&r, n_sources, Subspace::Noise);
            assert_eq!(by_signal.basis_conj.len(), n_sources * n_mics);
            assert_eq!(by_noise.basis_conj.len(), (n_mics - n_sources) * n_mics);
            for _ in 0..20 {
                let steering: Vec<Complex64> = (0..n_mics)
                    .map(|_| Complex64::from_polar(1.0, rng.random_range(0.0..6.3)))
                    .collect();
                let a = by_signal.pseudo_spectrum(&steering);
                let b = by_noise.pseudo_spectrum(&steering);
                assert!((a - b).abs() < 1e-9 * a, "{n_sources} sources: {a} vs {b}");
            }
        }
    }

    #[test]
    fn normmusic_keeps_a_clean_bin_from_drowning_a_noisy_one() {
        let array = MicArray::uniform_circular(8, 0.08).unwrap();
        // On grid points, so that the map samples each bin's peak itself.
        let (a, b) = (
            Direction::horizontal(30f64.to_radians()),
            Direction::horizontal(150f64.to_radians()),
        );
        let tones = [
            (30, array.far_field_delays_s(&a, C), 1e-4),
            (40, array.far_field_delays_s(&b, C), 0.3),
        ];
        let spectra = tone_spectra(&mut ChaCha8Rng::seed_from_u64(3), &tones, 64);

        let at = |map: &[f64], d: &Direction| {
            let degrees = d.azimuth.to_degrees().rem_euclid(360.0).round() as usize;
            map[degrees % 360]
        };
        let mut heights = Vec::new();
        for normalise in [false, true] {
            let grid = SearchGrid::horizon(360).unwrap();
            let mut music = Music::new(array.clone(), grid, config(1, normalise)).unwrap();
            music.process_spectra(spectra.view()).unwrap();
            heights.push(at(music.map(), &a) / at(music.map(), &b));
        }
        assert!(
            heights[0] > 1e3,
            "plain MUSIC: the clean bin dominates, {}",
            heights[0]
        );
        assert!(
            (0.5..2.0).contains(&heights[1]),
            "NormMUSIC: both bins peak near 1, ratio {}",
            heights[1]
        );
    }

    #[test]
    fn streaming_with_unit_forgetting_matches_the_batch() {
        let array = MicArray::uniform_circular(5, 0.06).unwrap();
        let delays = array.far_field_delays_s(&Direction::horizontal(-2.0), C);
        let signals = multitone(&mut ChaCha8Rng::seed_from_u64(4), &delays, 256 * 12);

        let mut settings = config(1, true);
        settings.forgetting_factor = 1.0;
        let grid = SearchGrid::horizon(120).unwrap();
        let mut batch = Music::new(array.clone(), grid.clone(), settings.clone()).unwrap();
        let batch_estimate = batch.process_signals(signals.view(), 256).unwrap();
        let mut stream = Music::new(array, grid, settings).unwrap();
        let mut stream_estimate = Vec::new();
        for f in 0..12 {
            let frame = frame_of(&signals, f);
            stream_estimate = stream.push_frame(frame).unwrap();
        }

        for (x, y) in batch.map().iter().zip(stream.map()) {
            assert!((x - y).abs() < 1e-9 * x.abs(), "{x} vs {y}");
        }
        let (x, y) = (&batch_estimate[0], &stream_estimate[0]);
        let gap = x
            .direction()
            .unwrap()
            .direction
            .angle_to(&y.direction().unwrap().direction);
        assert!(gap < 1e-6, "{gap}");
    }

    #[test]
    fn streaming_forgets_a_source_that_moved() {
        let array = MicArray::uniform_circular(6, 0.06).unwrap();
        let (before, after) = (Direction::horizontal(0.3), Direction::horizontal(1.9));
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let old = multitone(&mut rng, &array.far_field_delays_s(&before, C), 256 * 40);
        let new = multitone(&mut rng, &array.far_field_delays_s(&after, C), 256 * 40);

        let grid = SearchGrid::horizon(180).unwrap();
        let mut music = Music::new(array, grid, config(1, true)).unwrap();
        let mut push_all = |signals: &Array2<f64>| {
            let mut last = Vec::new();
            for f in 0..40 {
                last = music.push_frame(frame_of(signals, f)).unwrap();
            }
            last[0].direction().unwrap().direction
        };
        assert!(push_all(&old).angle_to(&before) < 1e-3);
        assert!(
            push_all(&new).angle_to(&after) < 1e-3,
            "λ = 0.9 forgets in about 10 frames"
        );

        music.reset();
        let silent = Array2::<f64>::zeros((6, 256));
        let error = music.push_frame(silent.view()).unwrap_err();
        assert!(matches!(error, Error::NoEstimate { .. }), "{error}");
    }
}
