//! SRP-PHAT: the steered response power of PHAT-weighted signals, scanned over a grid.
//!
//! # The method
//!
//! A delay-and-sum beamformer steered at a candidate source advances each channel by
//! that candidate's arrival time and sums them; its output power peaks when the
//! candidate is the source. DiBiase's SRP-PHAT (J. H. DiBiase, *A high-accuracy,
//! low-latency technique for talker localization in reverberant environments using
//! microphone arrays*, PhD thesis, Brown University, 2000; DiBiase, Silverman and
//! Brandstein, "Robust localization in reverberant rooms", in *Microphone Arrays*,
//! Springer, 2001) whitens every channel first, keeping only the phase of its spectrum,
//! so that all frequencies weigh alike and the peak is sharp even in reverberation.
//! With `X̃_i(k) = X_i(k) / |X_i(k)|` and the arrival times `t_i` of a candidate (see
//! [`crate::array`] for the convention), the score over the band is
//!
//! ```text
//! P = Σ_k |Σ_i X̃_i(k) e^{j ω_k t_i}|²
//!   = Σ_k Σ_i |X̃_i(k)|²  +  Σ_{i<j} 2 Σ_k Re( X̃_i X̃_j* e^{j ω_k (t_i - t_j)} ).
//! ```
//!
//! The first term does not depend on the candidate. Each term of the pair sum is the
//! GCC-PHAT of that pair, `r_ij(τ)`, read at the pair's lag `τ = t_i - t_j`: DiBiase
//! showed that SRP-PHAT is the sum of the pair GCC-PHATs, and that is how it is
//! computed here. Normalising each channel once gives every pair's PHAT weighting
//! (`X_i X_j* / |X_i X_j|`) without transforming any channel twice.
//!
//! # How a frame is scored
//!
//! 1. Each channel is Hann-windowed and transformed once, and its in-band bins are
//!    normalised to unit magnitude.
//! 2. Each pair's cross-spectrum over the band goes through one inverse real FFT of the
//!    smallest power-of-two length that holds the band, giving `r_ij` at lags spaced
//!    by the band's sampling interval. Only the few lags a pair can show are kept.
//! 3. Those lags are resampled four times finer with a Lanczos kernel (three lobes),
//!    into a short table per pair.
//! 4. At construction, every (pair, candidate) lag was turned into an index into that
//!    table, so the map is a gather-and-add over pairs: pairs outside, candidates
//!    inside, four pairs at a time, in single precision.
//! 5. The strongest separated peaks of the map ([`SearchGrid::peaks`]) are refined off
//!    the grid ([`SearchGrid::refine`]) with the exact score above, evaluated in double
//!    precision from the normalised spectra, so the accuracy is not limited by the grid
//!    step nor by the table's interpolation.
//!
//! The map holds the exact score up to the interpolation of step 3: its constant term is
//! added, so map values and refined powers are on one scale (at most `n_mics²` per bin
//! and frame).
//!
//! [`SrpPhat::process_frame`] scores one frame and allocates nothing but the returned
//! estimates; [`SrpPhat::process_spectra`] sums the maps of many frames given as the
//! spectra of [`super::stft::Stft`] (the way pyroomacoustics' `locate_sources` does).

use std::ops::Range;
use std::sync::Arc;

use ndarray::{ArrayView2, ArrayView3};
use num_complex::{Complex32, Complex64};
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::grid::{GridKind, SearchGrid};
use super::stft::periodic_hann;
use super::{SourceEstimate, frequency_bins};
use crate::array::MicArray;
use crate::error::{Error, Result};

/// Fine table entries per lag of the inverse FFT.
const FINE_STEPS_PER_LAG: usize = 4;

/// Lobes of the Lanczos kernel that resamples the pair correlations.
const LANCZOS_LOBES: usize = 3;

/// Taps of that kernel: `2 * LANCZOS_LOBES`.
const LANCZOS_TAPS: usize = 2 * LANCZOS_LOBES;

/// A bin is taken as empty when its magnitude is below this fraction of the channel's
/// largest bin: normalising rounding noise to unit magnitude would invent a signal.
const EMPTY_BIN_FRACTION: f64 = 1e-10;

/// How many times refinement may restart on a near-field grid.
const NEAR_FIELD_RESTARTS: usize = 8;

/// Tables larger than this many (pair, candidate) entries are refused (256 MiB).
const MAX_TABLE_ENTRIES: usize = 1 << 27;

/// The settings of an [`SrpPhat`] locator.
#[derive(Debug, Clone, PartialEq)]
pub struct SrpConfig {
    /// Samples per frame and FFT length.
    pub fft_len: usize,
    /// Sample rate of the signals, Hz.
    pub sample_rate: f64,
    /// Speed of sound, m/s.
    pub speed_of_sound: f64,
    /// The band scored, `(low, high)` in Hz, within `0..=sample_rate / 2`.
    pub freq_range_hz: (f64, f64),
    /// How many sources to report: the strongest separated peaks.
    pub n_sources: usize,
    /// Least separation between reported sources, in the grid's unit (radians for
    /// directions, metres for positions); `None` for five grid spacings.
    pub min_separation: Option<f64>,
    /// Whether to refine each peak off the grid with the exact score.
    pub refine: bool,
    /// The step at which refinement stops, in the grid's unit; `None` for a tenth of
    /// the grid spacing. The last parabolic step lands far closer than its step size.
    pub refine_tolerance: Option<f64>,
}

impl SrpConfig {
    /// Settings for signals at `sample_rate` Hz: 512-sample frames, 343 m/s, the band
    /// 300 Hz to 4 kHz (or Nyquist, if lower) where speech carries its energy, one
    /// source, refinement on.
    pub fn new(sample_rate: f64) -> Self {
        SrpConfig {
            fft_len: 512,
            sample_rate,
            speed_of_sound: 343.0,
            freq_range_hz: (300.0, 4000.0f64.min(sample_rate / 2.0)),
            n_sources: 1,
            min_separation: None,
            refine: true,
            refine_tolerance: None,
        }
    }
}

/// One microphone pair and where its fine correlation table lives.
#[derive(Debug, Clone, Copy)]
struct Pair {
    i: usize,
    j: usize,
    /// Largest lag (in inverse-FFT samples, whole) any candidate asks of this pair.
    half_width: usize,
    /// Start of this pair's table in the shared fine buffer.
    offset: usize,
    /// `2 * half_width * FINE_STEPS_PER_LAG + 1`.
    len: usize,
}

/// Per pair, per candidate: where the candidate's lag falls in the pair's fine table.
#[derive(Debug, Clone)]
enum LagIndex {
    /// Every table fits in [`NARROW_TABLE`] entries (pairs up to about 20 cm at 8 kHz of
    /// band): byte indices into tables of exactly that size, so the gather reads half
    /// the memory and needs no bounds checks.
    Narrow(Vec<u8>),
    /// Wider arrays or bands.
    Wide(Vec<u16>),
}

/// The size of a fine table addressed by a byte.
const NARROW_TABLE: usize = 256;

/// A planned SRP-PHAT locator for one array, grid and configuration.
///
/// It owns its FFT plans, lag tables and buffers, so frames can be scored one after
/// another without allocation.
pub struct SrpPhat {
    array: MicArray,
    grid: SearchGrid,
    config: SrpConfig,
    bins: Range<usize>,
    min_separation: f64,
    refine_tolerance: f64,
    window: Vec<f64>,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    /// Length of the inverse FFT; its lags are `fft_len / inverse_len` samples apart.
    inverse_len: usize,
    pairs: Vec<Pair>,
    /// Per pair, per candidate: the index into the pair's fine table.
    lag_index: LagIndex,
    /// Per fine phase, the normalised Lanczos taps at lags `-2..=3` around it.
    lanczos: [[f32; LANCZOS_TAPS]; FINE_STEPS_PER_LAG],
    work: Work,
}

/// Buffers reused from frame to frame.
struct Work {
    frame: Vec<f64>,
    spectrum: Vec<Complex64>,
    forward_scratch: Vec<Complex64>,
    /// Normalised in-band spectra of the stored frames, `[frame][bin][mic]`.
    normalised: Vec<Complex64>,
    /// The current frame's normalised in-band spectra in single precision, `[mic][bin]`.
    normalised_f32: Vec<Complex32>,
    cross: Vec<Complex32>,
    correlation: Vec<f32>,
    inverse_scratch: Vec<Complex32>,
    lag_window: Vec<f32>,
    fine: Vec<f32>,
    coarse: Vec<f32>,
    map: Vec<f64>,
    steering: Vec<Complex64>,
    /// Per microphone, the steering phase and its rotation from bin to bin.
    rotations: Vec<Complex64>,
    delays: Vec<f64>,
    maxima: Vec<usize>,
    kept: Vec<usize>,
    /// How many frames of `normalised` the last call used.
    stored_frames: usize,
}

impl std::fmt::Debug for SrpPhat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrpPhat")
            .field("n_mics", &self.array.len())
            .field("grid_points", &self.grid.len())
            .field("config", &self.config)
            .field("bins", &self.bins)
            .field("inverse_len", &self.inverse_len)
            .finish()
    }
}

impl SrpPhat {
    /// Plans a locator: checks the settings, plans the FFTs and tabulates every
    /// (pair, candidate) lag.
    ///
    /// Fails with [`Error::InvalidParameter`] for a frame shorter than 8 samples, a
    /// non-positive sample rate or speed of sound, a band outside `0..=Nyquist` or
    /// holding no bin, no source asked for (or more than the grid has), an empty grid, a
    /// negative separation or tolerance, or tables too large to hold.
    pub fn new(array: MicArray, grid: SearchGrid, config: SrpConfig) -> Result<Self> {
        let bins = check_config(&grid, &config)?;
        let min_separation = config.min_separation.unwrap_or(5.0 * grid.spacing());
        let refine_tolerance = config.refine_tolerance.unwrap_or(grid.spacing() / 10.0);

        let n_mics = array.len();
        let n_pairs = n_mics * (n_mics - 1) / 2;
        if n_pairs.saturating_mul(grid.len()) > MAX_TABLE_ENTRIES {
            return Err(Error::parameter(
                "grid",
                format!("at most {MAX_TABLE_ENTRIES} (pair, candidate) lags"),
                format!("{n_pairs} pairs x {} candidates", grid.len()),
            ));
        }

        // Inverse-FFT samples per input sample: the band, not the sample rate, fixes
        // how densely the correlation must be sampled.
        // The frame must hold every pair's lags and the kernel's reach on both sides,
        // so that the circular correlation does not fold them onto each other.
        let max_lag = array.max_delay_s(config.speed_of_sound) * config.sample_rate;
        let needed = 2 * (max_lag.ceil() as usize + LANCZOS_TAPS) + 2;
        if config.fft_len < needed {
            return Err(Error::parameter(
                "fft_len",
                format!(
                    "at least {needed} samples for an array whose pairs are up to \
                     {max_lag:.1} samples apart"
                ),
                config.fft_len,
            ));
        }

        // Inverse-FFT samples per input sample: the band, not the sample rate, fixes
        // how densely the correlation must be sampled.
        let mut inverse_len = (2 * bins.end.saturating_sub(1)).max(2).next_power_of_two();
        let (lags, widest) = loop {
            let lags = candidate_lags(&array, &grid, &config, inverse_len);
            let widest = lags.iter().map(|l| l.half_width).max().unwrap_or(0);
            if inverse_len > 2 * (widest + LANCZOS_TAPS) || inverse_len >= config.fft_len {
                break (lags, widest);
            }
            inverse_len *= 2;
        };

        let narrow = lags
            .iter()
            .all(|l| 2 * l.half_width * FINE_STEPS_PER_LAG < NARROW_TABLE);
        let mut pairs = Vec::with_capacity(n_pairs);
        let mut fine_index = Vec::with_capacity(n_pairs * grid.len());
        let mut offset = 0;
        for pair in lags {
            let len = 2 * pair.half_width * FINE_STEPS_PER_LAG + 1;
            if len > u16::MAX as usize {
                return Err(Error::parameter(
                    "fft_len",
                    "an array small enough for 16-bit lag tables",
                    format!("a pair needing {len} lag steps"),
                ));
            }
            let centre = (pair.half_width * FINE_STEPS_PER_LAG) as f64;
            fine_index.extend(pair.lags.iter().map(|&lag| {
                let fine = (lag * FINE_STEPS_PER_LAG as f64 + centre).round();
                fine.clamp(0.0, (len - 1) as f64) as u16
            }));
            pairs.push(Pair {
                i: pair.i,
                j: pair.j,
                half_width: pair.half_width,
                offset,
                len,
            });
            offset += if narrow { NARROW_TABLE } else { len };
        }
        let lag_index = if narrow {
            LagIndex::Narrow(fine_index.iter().map(|&q| q as u8).collect())
        } else {
            LagIndex::Wide(fine_index)
        };

        let mut planner_f64 = RealFftPlanner::<f64>::new();
        let forward = planner_f64.plan_fft_forward(config.fft_len);
        let inverse = RealFftPlanner::<f32>::new().plan_fft_inverse(inverse_len);
        let n_band = bins.len();
        let work = Work {
            frame: forward.make_input_vec(),
            spectrum: forward.make_output_vec(),
            forward_scratch: forward.make_scratch_vec(),
            normalised: vec![Complex64::default(); n_band * n_mics],
            normalised_f32: vec![Complex32::default(); n_band * n_mics],
            cross: inverse.make_input_vec(),
            correlation: inverse.make_output_vec(),
            inverse_scratch: inverse.make_scratch_vec(),
            lag_window: vec![0.0; 2 * widest + 2 * LANCZOS_TAPS + 2],
            fine: vec![0.0; offset],
            coarse: vec![0.0; grid.len()],
            map: vec![0.0; grid.len()],
            steering: vec![Complex64::default(); n_band * n_mics],
            rotations: vec![Complex64::default(); 2 * n_mics],
            delays: vec![0.0; n_mics],
            maxima: Vec::with_capacity(grid.len()),
            kept: Vec::with_capacity(config.n_sources),
            stored_frames: 0,
        };

        #[cfg(feature = "log")]
        log::debug!(
            "SRP-PHAT plan: {n_mics} mics, {} candidates, bins {bins:?}, inverse FFT {inverse_len}",
            grid.len()
        );

        Ok(SrpPhat {
            window: periodic_hann(config.fft_len),
            lanczos: lanczos_taps(),
            array,
            grid,
            config,
            bins,
            min_separation,
            refine_tolerance,
            forward,
            inverse,
            inverse_len,
            pairs,
            lag_index,
            work,
        })
    }

    /// The array this locator listens with.
    pub fn array(&self) -> &MicArray {
        &self.array
    }

    /// The candidates it scores.
    pub fn grid(&self) -> &SearchGrid {
        &self.grid
    }

    /// Its settings.
    pub fn config(&self) -> &SrpConfig {
        &self.config
    }

    /// The FFT bins it scores (from [`frequency_bins`]).
    pub fn bins(&self) -> Range<usize> {
        self.bins.clone()
    }

    /// The map of the last call, one steered power per grid candidate (summed over
    /// frames for [`SrpPhat::process_spectra`]); zeros before the first call.
    pub fn map(&self) -> &[f64] {
        &self.work.map
    }

    /// The sources in one frame `(n_mics, fft_len)` of raw samples, strongest first.
    ///
    /// The frame is Hann-windowed as [`super::stft::Stft`] does, so this equals
    /// [`SrpPhat::process_spectra`] on that frame's spectrum. Nothing is allocated but
    /// the returned vector.
    ///
    /// Fails with [`Error::InvalidParameter`] for a wrong number of rows,
    /// [`Error::LengthMismatch`] for a wrong frame length, [`Error::NonFinite`] for a
    /// NaN or infinite sample and [`Error::NoEstimate`] when fewer than two channels
    /// hold any signal in the band (a silent frame).
    pub fn process_frame(&mut self, frame: ArrayView2<f64>) -> Result<Vec<SourceEstimate>> {
        self.check_frame(&frame)?;

        let n_mics = self.array.len();
        let mut active = 0;
        for (mic, row) in frame.outer_iter().enumerate() {
            let work = &mut self.work;
            for ((x, s), w) in work.frame.iter_mut().zip(row.iter()).zip(&self.window) {
                *x = s * w;
            }
            self.forward
                .process_with_scratch(
                    &mut work.frame,
                    &mut work.spectrum,
                    &mut work.forward_scratch,
                )
                .expect("buffer lengths come from the plan");
            let spectrum = &work.spectrum;
            active += usize::from(normalise_channel(
                |k| spectrum[k],
                self.bins.clone(),
                mic,
                n_mics,
                &mut work.normalised,
                &mut work.normalised_f32,
            ));
        }
        if active < 2 {
            self.work.stored_frames = 0;
            return Err(silent(active, 1));
        }

        self.work.map.fill(0.0);
        self.add_frame_to_map(0);
        self.work.stored_frames = 1;
        self.estimates(1)
    }

    /// The sources in many frames given as spectra `(n_mics, fft_len / 2 + 1,
    /// n_frames)`, as [`super::stft::Stft::process`] returns them: the maps of all
    /// frames are summed and its peaks refined with the score summed over all frames.
    ///
    /// Frames in which fewer than two channels hold signal in the band are skipped.
    /// Fails with [`Error::InvalidParameter`] for a wrong shape, [`Error::NonFinite`]
    /// for a NaN or infinite bin and [`Error::NoEstimate`] when every frame is silent.
    pub fn process_spectra(
        &mut self,
        spectra: ArrayView3<Complex64>,
    ) -> Result<Vec<SourceEstimate>> {
        self.check_spectra(&spectra)?;

        let n_mics = self.array.len();
        let n_band = self.bins.len();
        let n_frames = spectra.dim().2;
        self.work
            .normalised
            .resize(n_frames * n_band * n_mics, Complex64::default());
        self.work.map.fill(0.0);

        let mut used = 0;
        for f in 0..n_frames {
            let work = &mut self.work;
            let slot = used * n_band * n_mics;
            let stored = &mut work.normalised[slot..slot + n_band * n_mics];
            let mut active = 0;
            for mic in 0..n_mics {
                active += usize::from(normalise_channel(
                    |k| spectra[[mic, k, f]],
                    self.bins.clone(),
                    mic,
                    n_mics,
                    stored,
                    &mut work.normalised_f32,
                ));
            }
            if active >= 2 {
                self.add_frame_to_map(used);
                used += 1;
            }
        }
        self.work.stored_frames = used;
        if used == 0 {
            return Err(silent(0, n_frames));
        }
        self.estimates(used)
    }

    /// Adds the map of stored frame `slot` (whose single-precision spectra are in
    /// `normalised_f32`) to `map`.
    fn add_frame_to_map(&mut self, slot: usize) {
        let n_mics = self.array.len();
        let n_band = self.bins.len();
        let work = &mut self.work;

        for pair in &self.pairs {
            let a = &work.normalised_f32[pair.i * n_band..(pair.i + 1) * n_band];
            let b = &work.normalised_f32[pair.j * n_band..(pair.j + 1) * n_band];
            pair_correlation(
                a,
                b,
                self.bins.clone(),
                self.inverse.as_ref(),
                &mut work.cross,
                &mut work.correlation,
                &mut work.inverse_scratch,
            );
            let fine = &mut work.fine[pair.offset..pair.offset + pair.len];
            resample_lags(
                &work.correlation,
                pair.half_width,
                &self.lanczos,
                &mut work.lag_window,
                fine,
            );
        }

        work.coarse.fill(0.0);
        match &self.lag_index {
            LagIndex::Narrow(index) => {
                gather_narrow(&self.pairs, index, &work.fine, &mut work.coarse)
            }
            LagIndex::Wide(index) => gather_wide(&self.pairs, index, &work.fine, &mut work.coarse),
        }

        // The candidate-independent term: each non-empty normalised bin adds one.
        let stored = &work.normalised[slot * n_band * n_mics..(slot + 1) * n_band * n_mics];
        let constant: f64 = stored.iter().map(|x| x.norm_sqr()).sum();
        for (m, c) in work.map.iter_mut().zip(&work.coarse) {
            *m += constant + f64::from(*c);
        }
    }

    /// The separated peaks of `map`, refined with the exact score over the first
    /// `n_frames` stored frames, strongest first.
    fn estimates(&mut self, n_frames: usize) -> Result<Vec<SourceEstimate>> {
        let work = &mut self.work;
        self.grid.peaks_into(
            &work.map,
            self.config.n_sources,
            self.min_separation,
            &mut work.maxima,
            &mut work.kept,
        );
        if work.kept.is_empty() {
            return Err(Error::NoEstimate {
                reason: "the steered response map has no peak".into(),
            });
        }

        let mut estimates = Vec::with_capacity(work.kept.len());
        for &k in &work.kept {
            let start = self.grid.points()[k];
            let (point, power) = if self.config.refine {
                let scorer = ExactScore {
                    array: &self.array,
                    grid: &self.grid,
                    speed_of_sound: self.config.speed_of_sound,
                    bin_omega: std::f64::consts::TAU * self.config.sample_rate
                        / self.config.fft_len as f64,
                    bins: self.bins.clone(),
                    spectra: &work.normalised[..n_frames * self.bins.len() * self.array.len()],
                };
                let (steering, rotations, delays) =
                    (&mut work.steering, &mut work.rotations, &mut work.delays);
                let mut score = |p| scorer.power(p, steering, rotations, delays);
                let mut refined = self.grid.refine(start, self.refine_tolerance, &mut score);
                // Near a linear or planar array the peak is a narrow ridge along the
                // range, which steps along x and y climb slowly: restart while it moves.
                if self.grid.kind() == GridKind::NearField {
                    for _ in 0..NEAR_FIELD_RESTARTS {
                        let again = self
                            .grid
                            .refine(refined.0, self.refine_tolerance, &mut score);
                        let moved = self.grid.separation(again.0, refined.0);
                        refined = again;
                        if moved < self.refine_tolerance {
                            break;
                        }
                    }
                }
                refined
            } else {
                (start, work.map[k])
            };
            estimates.push(SourceEstimate::from_grid_point(
                &self.grid,
                &self.array,
                point,
                power,
            ));
        }
        estimates.sort_by(|a, b| b.power().total_cmp(&a.power()));
        Ok(estimates)
    }

    /// The exact steered power at `point` (a unit vector or a position, as the grid
    /// holds) over the frames of the last call: the score refinement maximises, on the
    /// scale of [`SrpPhat::map`]. Zero before the first call or after a silent one.
    pub fn steered_power(&mut self, point: [f64; 3]) -> f64 {
        let n_stored = self.work.stored_frames;
        let scorer = ExactScore {
            array: &self.array,
            grid: &self.grid,
            speed_of_sound: self.config.speed_of_sound,
            bin_omega: std::f64::consts::TAU * self.config.sample_rate / self.config.fft_len as f64,
            bins: self.bins.clone(),
            spectra: &self.work.normalised[..n_stored * self.bins.len() * self.array.len()],
        };
        scorer.power(
            point,
            &mut self.work.steering,
            &mut self.work.rotations,
            &mut self.work.delays,
        )
    }

    fn check_frame(&self, frame: &ArrayView2<f64>) -> Result<()> {
        let (rows, len) = frame.dim();
        if rows != self.array.len() {
            return Err(Error::parameter(
                "frame",
                format!("{} rows, one per microphone", self.array.len()),
                format!("{rows} rows"),
            ));
        }
        if len != self.config.fft_len {
            return Err(Error::LengthMismatch {
                what: "frame (n_mics, fft_len)".into(),
                expected: self.config.fft_len,
                got: len,
            });
        }
        for (mic, row) in frame.outer_iter().enumerate() {
            if let Some(index) = row.iter().position(|x| !x.is_finite()) {
                return Err(Error::NonFinite {
                    what: format!("frame[{mic}]"),
                    index,
                    value: row[index].to_string(),
                });
            }
        }
        Ok(())
    }

    fn check_spectra(&self, spectra: &ArrayView3<Complex64>) -> Result<()> {
        let (rows, n_bins, n_frames) = spectra.dim();
        let expected_bins = self.config.fft_len / 2 + 1;
        if rows != self.array.len() || n_bins != expected_bins || n_frames == 0 {
            return Err(Error::parameter(
                "spectra",
                format!(
                    "shape ({} microphones, {expected_bins} bins, at least 1 frame)",
                    self.array.len()
                ),
                format!("({rows}, {n_bins}, {n_frames})"),
            ));
        }
        for ((mic, k, f), x) in spectra.indexed_iter() {
            if !(x.re.is_finite() && x.im.is_finite()) {
                return Err(Error::NonFinite {
                    what: format!("spectra[{mic}, {k}, {f}]"),
                    index: k,
                    value: x.to_string(),
                });
            }
        }
        Ok(())
    }
}

fn check_config(grid: &SearchGrid, config: &SrpConfig) -> Result<Range<usize>> {
    if config.fft_len < 8 {
        return Err(Error::parameter(
            "fft_len",
            "at least 8 samples",
            config.fft_len,
        ));
    }
    for (name, value) in [
        ("sample_rate", config.sample_rate),
        ("speed_of_sound", config.speed_of_sound),
    ] {
        if !(value.is_finite() && value > 0.0) {
            return Err(Error::parameter(name, "a positive finite value", value));
        }
    }
    let bins = frequency_bins(config.freq_range_hz, config.sample_rate, config.fft_len)?;
    if grid.is_empty() {
        return Err(Error::parameter("grid", "at least one candidate", 0));
    }
    if config.n_sources == 0 || config.n_sources > grid.len() {
        return Err(Error::parameter(
            "n_sources",
            format!("1 to {} (the grid's size)", grid.len()),
            config.n_sources,
        ));
    }
    if let Some(s) = config.min_separation
        && !(s.is_finite() && s >= 0.0)
    {
        return Err(Error::parameter(
            "min_separation",
            "a finite separation >= 0",
            s,
        ));
    }
    if let Some(t) = config.refine_tolerance
        && !(t.is_finite() && t > 0.0)
    {
        return Err(Error::parameter(
            "refine_tolerance",
            "a positive finite tolerance",
            t,
        ));
    }
    Ok(bins)
}

/// One pair's lags at every candidate, in inverse-FFT samples.
struct PairLags {
    i: usize,
    j: usize,
    half_width: usize,
    lags: Vec<f64>,
}

/// The lag `t_i - t_j` of every pair at every candidate, in samples of an inverse FFT
/// of `inverse_len` (the correlation `r_ij` peaks there, see the module docs).
fn candidate_lags(
    array: &MicArray,
    grid: &SearchGrid,
    config: &SrpConfig,
    inverse_len: usize,
) -> Vec<PairLags> {
    let n_mics = array.len();
    let per_second = config.sample_rate * inverse_len as f64 / config.fft_len as f64;
    let mut delays = vec![0.0; n_mics * grid.len()];
    for (point, out) in grid.points().iter().zip(delays.chunks_exact_mut(n_mics)) {
        grid.delays_s(array, config.speed_of_sound, *point, out);
    }

    let mut pairs = Vec::with_capacity(n_mics * (n_mics - 1) / 2);
    for i in 0..n_mics {
        for j in i + 1..n_mics {
            let lags: Vec<f64> = delays
                .chunks_exact(n_mics)
                .map(|t| (t[i] - t[j]) * per_second)
                .collect();
            let widest = lags.iter().fold(0.0f64, |w, l| w.max(l.abs()));
            pairs.push(PairLags {
                i,
                j,
                half_width: widest.ceil() as usize,
                lags,
            });
        }
    }
    pairs
}

/// Normalises one channel's in-band bins to unit magnitude into `stored`
/// (`[bin][mic]`, double) and `single` (`[mic][bin]`, single precision); bins below
/// [`EMPTY_BIN_FRACTION`] of the channel's largest in-band bin become zero. Returns
/// whether any bin is left.
fn normalise_channel(
    bin: impl Fn(usize) -> Complex64,
    bins: Range<usize>,
    mic: usize,
    n_mics: usize,
    stored: &mut [Complex64],
    single: &mut [Complex32],
) -> bool {
    let n_band = bins.len();
    let largest = bins
        .clone()
        .map(|k| bin(k).norm_sqr())
        .fold(0.0, f64::max)
        .sqrt();
    let floor = largest * EMPTY_BIN_FRACTION;

    let mut any = false;
    let single = &mut single[mic * n_band..(mic + 1) * n_band];
    for (b, k) in bins.enumerate() {
        let x = bin(k);
        let magnitude = x.norm_sqr().sqrt();
        let unit = if magnitude > floor && magnitude > 0.0 {
            any = true;
            x / magnitude
        } else {
            Complex64::default()
        };
        stored[b * n_mics + mic] = unit;
        single[b] = Complex32::new(unit.re as f32, unit.im as f32);
    }
    any
}

/// The GCC-PHAT of one pair from its normalised in-band spectra `a` and `b`, into
/// `correlation` (`r[n]` at lag `n` inverse-FFT samples, circular).
///
/// The inverse real FFT counts its first and last bins once and the others twice,
/// so those two are doubled, and the last one keeps its real part, which is all it
/// contributes at whole lags.
fn pair_correlation(
    a: &[Complex32],
    b: &[Complex32],
    bins: Range<usize>,
    inverse: &dyn ComplexToReal<f32>,
    cross: &mut [Complex32],
    correlation: &mut [f32],
    scratch: &mut [Complex32],
) {
    let last = cross.len() - 1;
    cross[..bins.start].fill(Complex32::default());
    cross[bins.end..].fill(Complex32::default());
    for ((c, x), y) in cross[bins.clone()].iter_mut().zip(a).zip(b) {
        *c = x * y.conj();
    }
    cross[0] = Complex32::new(2.0 * cross[0].re, 0.0);
    cross[last] = Complex32::new(2.0 * cross[last].re, 0.0);

    inverse
        .process_with_scratch(cross, correlation, scratch)
        .expect("buffer lengths come from the plan");
}

/// Resamples `correlation` at `FINE_STEPS_PER_LAG` points per lag over
/// `-half_width..=half_width` into `fine`, with the Lanczos taps.
fn resample_lags(
    correlation: &[f32],
    half_width: usize,
    lanczos: &[[f32; LANCZOS_TAPS]; FINE_STEPS_PER_LAG],
    window: &mut [f32],
    fine: &mut [f32],
) {
    // window[m] = r[m - half_width - (LANCZOS_LOBES - 1)], read circularly.
    let n = correlation.len() as isize;
    let first = -(half_width as isize) - (LANCZOS_LOBES as isize - 1);
    let used = 2 * half_width + LANCZOS_TAPS;
    for (m, w) in window[..used].iter_mut().enumerate() {
        *w = correlation[(first + m as isize).rem_euclid(n) as usize];
    }

    for (q, out) in fine.iter_mut().enumerate() {
        let (whole, phase) = (q / FINE_STEPS_PER_LAG, q % FINE_STEPS_PER_LAG);
        let taps = &window[whole..whole + LANCZOS_TAPS];
        *out = taps.iter().zip(&lanczos[phase]).map(|(r, w)| r * w).sum();
    }
}

/// Adds every pair's fine-table value at each candidate's lag to `coarse`, four pairs
/// at a time so that each candidate is loaded and stored once per four pairs. Tables
/// are [`NARROW_TABLE`] apart and indexed by bytes.
fn gather_narrow(pairs: &[Pair], lag_index: &[u8], fine: &[f32], coarse: &mut [f32]) {
    let n_points = coarse.len();
    let table = |p: usize| -> &[f32; NARROW_TABLE] {
        fine[pairs[p].offset..pairs[p].offset + NARROW_TABLE]
            .try_into()
            .expect("narrow tables are NARROW_TABLE long")
    };
    let rows = |p: usize| &lag_index[p * n_points..(p + 1) * n_points];

    let blocks = pairs.len() / 4;
    for block in 0..blocks {
        let p = 4 * block;
        let (t0, t1, t2, t3) = (table(p), table(p + 1), table(p + 2), table(p + 3));
        let (r0, r1, r2, r3) = (rows(p), rows(p + 1), rows(p + 2), rows(p + 3));
        for ((((c, &a), &b), &d), &e) in coarse.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3) {
            *c += (t0[a as usize] + t1[b as usize]) + (t2[d as usize] + t3[e as usize]);
        }
    }
    for p in 4 * blocks..pairs.len() {
        let t = table(p);
        for (c, &a) in coarse.iter_mut().zip(rows(p)) {
            *c += t[a as usize];
        }
    }
}

/// [`gather_narrow`] for tables of any length, indexed by 16-bit values.
fn gather_wide(pairs: &[Pair], lag_index: &[u16], fine: &[f32], coarse: &mut [f32]) {
    let n_points = coarse.len();
    let table = |p: usize| &fine[pairs[p].offset..pairs[p].offset + pairs[p].len];
    let rows = |p: usize| &lag_index[p * n_points..(p + 1) * n_points];

    let blocks = pairs.len() / 4;
    for block in 0..blocks {
        let p = 4 * block;
        let (t0, t1, t2, t3) = (table(p), table(p + 1), table(p + 2), table(p + 3));
        let (r0, r1, r2, r3) = (rows(p), rows(p + 1), rows(p + 2), rows(p + 3));
        for ((((c, &a), &b), &d), &e) in coarse.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3) {
            *c += (t0[a as usize] + t1[b as usize]) + (t2[d as usize] + t3[e as usize]);
        }
    }
    for p in 4 * blocks..pairs.len() {
        let t = table(p);
        for (c, &a) in coarse.iter_mut().zip(rows(p)) {
            *c += t[a as usize];
        }
    }
}

/// Normalised Lanczos taps for each fine phase `φ = q / FINE_STEPS_PER_LAG`, at the
/// whole lags `-2..=3` around it (in units of the correlation's lag step).
fn lanczos_taps() -> [[f32; LANCZOS_TAPS]; FINE_STEPS_PER_LAG] {
    let sinc = |x: f64| {
        if x.abs() < 1e-12 {
            1.0
        } else {
            (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
        }
    };
    let lobes = LANCZOS_LOBES as f64;
    std::array::from_fn(|phase| {
        let frac = phase as f64 / FINE_STEPS_PER_LAG as f64;
        let raw: [f64; LANCZOS_TAPS] = std::array::from_fn(|m| {
            let x = frac - (m as f64 - (lobes - 1.0));
            sinc(x) * sinc(x / lobes)
        });
        let total: f64 = raw.iter().sum();
        std::array::from_fn(|m| (raw[m] / total) as f32)
    })
}

/// The exact steered power over stored frames, for refinement.
struct ExactScore<'a> {
    array: &'a MicArray,
    grid: &'a SearchGrid,
    speed_of_sound: f64,
    /// Angular frequency step between bins, rad/s.
    bin_omega: f64,
    bins: Range<usize>,
    /// Normalised spectra, `[frame][bin][mic]`.
    spectra: &'a [Complex64],
}

impl ExactScore<'_> {
    /// `Σ_frames Σ_k |Σ_i X̃_i(k) e^{j ω_k t_i}|²` at `point`. The steering phases are
    /// built by rotation from bin to bin, two `sin_cos` per microphone.
    fn power(
        &self,
        point: [f64; 3],
        steering: &mut [Complex64],
        rotations: &mut [Complex64],
        delays: &mut [f64],
    ) -> f64 {
        let n_mics = self.array.len();
        self.grid
            .delays_s(self.array, self.speed_of_sound, point, delays);

        // Bins outside, microphones inside: the sixteen phase rotations are independent
        // and proceed side by side rather than one long chain after another.
        let (phases, steps) = rotations.split_at_mut(n_mics);
        for ((phase, step), &t) in phases.iter_mut().zip(steps.iter_mut()).zip(delays.iter()) {
            *phase = Complex64::cis(self.bin_omega * self.bins.start as f64 * t);
            *step = Complex64::cis(self.bin_omega * t);
        }
        // One frame: steer as the phases rotate, without a table.
        if self.spectra.len() == steering.len() {
            let mut power = 0.0;
            for x in self.spectra.chunks_exact(n_mics) {
                power += beam(x, phases).norm_sqr();
                for (phase, step) in phases.iter_mut().zip(steps.iter()) {
                    *phase *= step;
                }
            }
            return power;
        }

        for row in steering.chunks_exact_mut(n_mics) {
            for ((s, phase), step) in row.iter_mut().zip(phases.iter_mut()).zip(steps.iter()) {
                *s = *phase;
                *phase *= step;
            }
        }
        let mut power = 0.0;
        for frame in self.spectra.chunks_exact(steering.len()) {
            for (x, s) in frame
                .chunks_exact(n_mics)
                .zip(steering.chunks_exact(n_mics))
            {
                power += beam(x, s).norm_sqr();
            }
        }
        power
    }
}

/// `Σ_i x_i s_i`, summed into four accumulators so the additions overlap.
fn beam(x: &[Complex64], s: &[Complex64]) -> Complex64 {
    let mut partial = [Complex64::default(); 4];
    let (x4, s4) = (x.chunks_exact(4), s.chunks_exact(4));
    let (x_rest, s_rest) = (x4.remainder(), s4.remainder());
    for (x, s) in x4.zip(s4) {
        for q in 0..4 {
            partial[q] += x[q] * s[q];
        }
    }
    for (q, (x, s)) in x_rest.iter().zip(s_rest).enumerate() {
        partial[q] += x * s;
    }
    (partial[0] + partial[1]) + (partial[2] + partial[3])
}

/// The error for frames without two channels of signal.
fn silent(active: usize, n_frames: usize) -> Error {
    let what = if n_frames == 1 {
        "the frame".to_string()
    } else {
        format!("all {n_frames} frames")
    };
    Error::NoEstimate {
        reason: format!(
            "{what} hold signal in the band on {active} channel(s); SRP-PHAT needs at \
             least 2 (silent input?)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::Direction;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};

    /// Eight capsules at the corners of a 10 cm cube, hearing noise from `direction`
    /// with a whole-sample circular delay model good enough for the map's shape.
    fn cube_frame(direction: Direction, fft_len: usize) -> (MicArray, Array2<f64>) {
        let h = 0.05;
        let corners: Vec<[f64; 3]> = (0..8)
            .map(|k| {
                let sign = |bit: usize| if k >> bit & 1 == 1 { h } else { -h };
                [sign(0), sign(1), sign(2)]
            })
            .collect();
        let array = MicArray::new(corners).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let source: Vec<f64> = (0..fft_len + 64)
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        let delays = array.far_field_delays_s(&direction, 343.0);
        let frame = Array2::from_shape_fn((8, fft_len), |(mic, n)| {
            let shift = (delays[mic] * 16_000.0).round() as isize;
            source[(n as isize + 32 - shift) as usize]
        });
        (array, frame)
    }

    #[test]
    fn the_map_holds_the_exact_score_at_the_grid_points() {
        let (array, frame) = cube_frame(Direction::new(0.7, 1.2), 512);
        let config = SrpConfig {
            freq_range_hz: (100.0, 7900.0),
            ..SrpConfig::new(16_000.0)
        };
        let mut srp = SrpPhat::new(array, SearchGrid::sphere(3).unwrap(), config).unwrap();
        srp.process_frame(frame.view()).unwrap();

        let map = srp.map().to_vec();
        let points = srp.grid().points().to_vec();
        let exact: Vec<f64> = points.iter().map(|p| srp.steered_power(*p)).collect();
        let peak = exact.iter().copied().fold(0.0, f64::max);
        let worst = map
            .iter()
            .zip(&exact)
            .map(|(m, e)| (m - e).abs())
            .fold(0.0, f64::max);
        // The full band is sampled at its Nyquist rate, where a three-lobe kernel errs by
        // a few per cent of the peak (5.8 % here); a wrong lag would miss by the peak.
        assert!(
            worst < 0.08 * peak,
            "largest gap {worst} against a peak of {peak}"
        );
        assert!(
            peak <= 64.0 * srp.bins().len() as f64 + 1e-6,
            "at most n_mics² per bin"
        );
    }

    #[test]
    fn lanczos_taps_interpolate_and_keep_constants() {
        let taps = lanczos_taps();
        for (phase, row) in taps.iter().enumerate() {
            let total: f32 = row.iter().sum();
            assert!((total - 1.0).abs() < 1e-6, "phase {phase}: {total}");
        }
        // Phase 0 falls on a sample: the tap on it is 1, the others 0.
        let expected = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0];
        for (t, e) in taps[0].iter().zip(expected) {
            assert!((t - e).abs() < 1e-6, "{:?}", taps[0]);
        }
        // Half way: symmetric about the two middle samples.
        let half = taps[FINE_STEPS_PER_LAG / 2];
        assert!((half[2] - half[3]).abs() < 1e-6 && (half[1] - half[4]).abs() < 1e-6);
    }

    #[test]
    fn the_band_sets_the_inverse_fft_length() {
        let array = MicArray::uniform_circular(6, 0.05).unwrap();
        let grid = || SearchGrid::horizon(90).unwrap();
        let speech = SrpPhat::new(array.clone(), grid(), SrpConfig::new(16_000.0)).unwrap();
        assert_eq!(speech.bins(), 10..129);
        assert_eq!(
            speech.inverse_len, 256,
            "a 4 kHz band needs 256 lags per frame"
        );
        let full = SrpConfig {
            freq_range_hz: (0.0, 8000.0),
            ..SrpConfig::new(16_000.0)
        };
        assert_eq!(SrpPhat::new(array, grid(), full).unwrap().inverse_len, 512);
    }
}
