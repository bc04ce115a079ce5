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
//!    normalised to unit magnitude; every pair's PHAT cross-spectrum
//!    `C_ij(k) = X̃_i(k) X̃_j(k)*` is added to a pool, in double precision.
//! 2. Each pair's pooled cross-spectrum goes through one inverse real FFT of the
//!    smallest power-of-two length that holds the band, giving `r_ij` at lags spaced
//!    by the band's sampling interval. Only the few lags a pair can show are kept.
//! 3. Those lags are resampled four times finer with a Lanczos kernel (three lobes),
//!    into a short table per pair.
//! 4. At construction, every (pair, candidate) lag was turned into an index into that
//!    table, so the map is a gather-and-add over pairs: pairs outside, candidates
//!    inside, four pairs at a time, in single precision.
//! 5. The peaks of the map are checked and refined with the exact score above,
//!    evaluated in double precision from the pooled cross-spectra (`constant + 2
//!    Σ_{i<j} Σ_k Re(C_ij(k) e^{j ω_k (t_i - t_j)})`, or, for a few frames, by steering
//!    their normalised spectra, which is cheaper). [`SearchGrid::sources`] climbs from
//!    each local maximum of the map to the top of the exact score, so that a ripple
//!    the interpolation leaves on the flank of a peak is not taken for a second
//!    source, keeps distinct tops at least [`SrpConfig::min_separation`] apart, and
//!    refines them off the grid ([`SearchGrid::refine`]), so the accuracy is not
//!    limited by the grid step nor by the table's interpolation; a refined peak that
//!    joins a stronger one is dropped for the next distinct top.
//!
//! The map holds the exact score up to the interpolation of step 3: its constant term is
//! added, so map values and refined powers are on one scale (at most `n_mics²` per bin
//! and frame).
//!
//! [`SrpPhat::process_frame`] scores one frame and allocates nothing but the returned
//! estimates; [`SrpPhat::process_spectra`] sums the maps of many frames given as the
//! spectra of [`super::stft::Stft`] (the way pyroomacoustics' `locate_sources` does).
//! Both run the same steps on a pool: since the map and the score are linear in the
//! cross-spectra, the map of the pooled cross-spectra is the sum of the frames' maps,
//! so steps 2 to 5 run once per call, whatever the number of frames.

use std::ops::Range;
use std::sync::Arc;

use ndarray::{ArrayView1, ArrayView2, ArrayView3, Axis, Slice};
use num_complex::{Complex32, Complex64};
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::grid::{GridKind, PeakScore, SearchGrid, SourceSearch};
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

/// Fewest inverse-FFT samples the widest pair's lags must span on each side, so that
/// neighbouring candidates read different parts of the correlation.
const MIN_HALF_WIDTH: usize = 4;

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
    /// How many sources to report: the strongest distinct peaks of the exact score
    /// (fewer when there are no more, see [`SearchGrid::sources`]).
    pub n_sources: usize,
    /// Least separation between reported sources, in the grid's unit (radians for
    /// directions, metres for positions), after refinement too; `None` for five grid
    /// spacings.
    pub min_separation: Option<f64>,
    /// Whether to refine each peak off the grid with the exact score. Without it,
    /// sources are grid candidates (tops of the exact score on the grid) and their
    /// power is the exact score there.
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
            freq_range_hz: super::default_freq_range_hz(sample_rate),
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
    pool: Pool,
    work: Work,
}

/// Buffers reused from frame to frame.
struct Work {
    frame: Vec<f64>,
    spectrum: Vec<Complex64>,
    forward_scratch: Vec<Complex64>,
    /// One pair's pooled cross-spectrum in single precision, the inverse FFT's input.
    cross: Vec<Complex32>,
    correlation: Vec<f32>,
    inverse_scratch: Vec<Complex32>,
    lag_window: Vec<f32>,
    fine: Vec<f32>,
    coarse: Vec<f32>,
    map: Vec<f64>,
    score: ScoreWork,
    search: SourceSearch,
}

/// The normalised spectra of the usable frames of the last call, pooled.
///
/// The steered power is a quadratic form in the normalised spectra, so the frames enter
/// it only through the PHAT cross-spectral matrix `C(k) = Σ_f X̃^f(k) X̃^f(k)ᴴ`, of
/// which the pairs above the diagonal are kept (the diagonal adds a constant). The first
/// few frames are also kept as they are: while `frames · n_mics <= n_pairs`, steering
/// them one by one is cheaper than steering the matrix.
struct Pool {
    n_mics: usize,
    n_band: usize,
    /// Usable frames pooled since the last [`Pool::clear`].
    frames: usize,
    /// `Σ_f Σ_i Σ_k |X̃_i^f(k)|²`, the candidate-independent term of the score.
    constant: f64,
    /// Per pair (in the order of [`SrpPhat::pairs`], `(0, 1), (0, 2), .., (1, 2), ..`),
    /// per band bin: `C_ij(k) = Σ_f X̃_i^f(k) X̃_j^f(k)*`, real and imaginary parts apart.
    cross_re: Vec<f64>,
    cross_im: Vec<f64>,
    /// Normalised in-band spectra, `[slot][mic][bin]`, real and imaginary parts apart:
    /// the first `max_kept` frames, and one more slot for the frame being normalised
    /// once those are full.
    frames_re: Vec<f64>,
    frames_im: Vec<f64>,
    /// How many frames are kept for steering one by one.
    max_kept: usize,
}

impl Pool {
    fn new(n_mics: usize, n_band: usize) -> Self {
        let n_pairs = n_mics * (n_mics - 1) / 2;
        let max_kept = (n_pairs / n_mics).max(1);
        let slots = (max_kept + 1) * n_mics * n_band;
        Pool {
            n_mics,
            n_band,
            frames: 0,
            constant: 0.0,
            cross_re: vec![0.0; n_pairs * n_band],
            cross_im: vec![0.0; n_pairs * n_band],
            frames_re: vec![0.0; slots],
            frames_im: vec![0.0; slots],
            max_kept,
        }
    }

    fn clear(&mut self) {
        self.frames = 0;
        self.constant = 0.0;
        self.cross_re.fill(0.0);
        self.cross_im.fill(0.0);
    }

    /// Whether the score steers the kept frames rather than the cross-spectra.
    fn steers_frames(&self) -> bool {
        self.frames <= self.max_kept
    }

    /// The slot the next frame is normalised into, `[mic][bin]`.
    fn next_slot(&mut self) -> (&mut [f64], &mut [f64]) {
        let size = self.n_mics * self.n_band;
        let start = self.frames.min(self.max_kept) * size;
        (
            &mut self.frames_re[start..start + size],
            &mut self.frames_im[start..start + size],
        )
    }

    /// Pools the frame of [`Pool::next_slot`], which has `non_empty` unit bins: adds its
    /// cross-spectra and its constant (one per unit bin).
    fn add_next(&mut self, non_empty: usize) {
        let (n_band, size) = (self.n_band, self.n_mics * self.n_band);
        let start = self.frames.min(self.max_kept) * size;
        let re = &self.frames_re[start..start + size];
        let im = &self.frames_im[start..start + size];
        self.constant += non_empty as f64;

        let channel = |m: usize| {
            (
                &re[m * n_band..(m + 1) * n_band],
                &im[m * n_band..(m + 1) * n_band],
            )
        };
        let rows = self
            .cross_re
            .chunks_exact_mut(n_band)
            .zip(self.cross_im.chunks_exact_mut(n_band));
        let pairs = (0..self.n_mics).flat_map(|i| (i + 1..self.n_mics).map(move |j| (i, j)));
        for ((c_re, c_im), (i, j)) in rows.zip(pairs) {
            let ((a_re, a_im), (b_re, b_im)) = (channel(i), channel(j));
            // C_ij += a b*, bin by bin: independent lanes.
            for (((((c_re, c_im), a_re), a_im), b_re), b_im) in c_re
                .iter_mut()
                .zip(c_im.iter_mut())
                .zip(a_re)
                .zip(a_im)
                .zip(b_re)
                .zip(b_im)
            {
                *c_re += a_re * b_re + a_im * b_im;
                *c_im += a_im * b_re - a_re * b_im;
            }
        }
        self.frames += 1;
    }
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
        // A low band or a small array also needs enough samples across the lags the
        // array can show, or every candidate falls between the same few of them: keep
        // doubling until the widest pair spans MIN_HALF_WIDTH samples each way (a
        // longer inverse FFT is the correlation upsampled, exactly).
        let mut inverse_len = (2 * bins.end.saturating_sub(1)).max(2).next_power_of_two();
        let longest = 4 * config.fft_len.next_power_of_two();
        let (lags, widest) = loop {
            let lags = candidate_lags(&array, &grid, &config, inverse_len);
            let widest = lags.iter().map(|l| l.half_width).max().unwrap_or(0);
            let holds_lags = inverse_len > 2 * (widest + LANCZOS_TAPS);
            if (holds_lags && widest >= MIN_HALF_WIDTH) || inverse_len >= longest {
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
            cross: inverse.make_input_vec(),
            correlation: inverse.make_output_vec(),
            inverse_scratch: inverse.make_scratch_vec(),
            lag_window: vec![0.0; 2 * widest + 2 * LANCZOS_TAPS + 2],
            fine: vec![0.0; offset],
            coarse: vec![0.0; grid.len()],
            map: vec![0.0; grid.len()],
            score: ScoreWork::new(n_mics, n_band),
            search: SourceSearch::with_capacity(grid.len(), config.n_sources),
        };
        // The pool's cross-spectra follow the pairs' order.
        debug_assert!(
            pairs
                .iter()
                .zip((0..n_mics).flat_map(|i| (i + 1..n_mics).map(move |j| (i, j))))
                .all(|(p, (i, j))| (p.i, p.j) == (i, j))
        );

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
            pool: Pool::new(n_mics, n_band),
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

        self.pool.clear();
        let (mut active, mut non_empty) = (0, 0);
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
            let band = ArrayView1::from(&work.spectrum[self.bins.clone()]);
            let (re, im) = self.pool.next_slot();
            let bins = normalise_channel(band, mic, re, im);
            active += usize::from(bins > 0);
            non_empty += bins;
        }
        if active < 2 {
            return Err(silent(active, 1));
        }
        self.pool.add_next(non_empty);
        self.score_pool()
    }

    /// The sources in many frames given as spectra `(n_mics, fft_len / 2 + 1,
    /// n_frames)`, as [`super::stft::Stft::process`] returns them: the frames are
    /// pooled, so the map is the sum of the frames' maps and its peaks are refined with
    /// the score summed over all frames.
    ///
    /// Each frame costs its normalisation and the accumulation of its pair
    /// cross-spectra; the map (one inverse FFT per pair, one gather over the grid) and
    /// the refinement are computed once from the pooled cross-spectra, at a cost that
    /// does not grow with the number of frames.
    ///
    /// Frames in which fewer than two channels hold signal in the band are skipped.
    /// Fails with [`Error::InvalidParameter`] for a wrong shape, [`Error::NonFinite`]
    /// for a NaN or infinite bin and [`Error::NoEstimate`] when every frame is silent.
    pub fn process_spectra(
        &mut self,
        spectra: ArrayView3<Complex64>,
    ) -> Result<Vec<SourceEstimate>> {
        self.check_spectra(&spectra)?;

        self.pool.clear();
        let n_frames = spectra.dim().2;
        let band = spectra.slice_axis(Axis(1), Slice::from(self.bins.clone()));
        for frame in band.axis_iter(Axis(2)) {
            let (re, im) = self.pool.next_slot();
            let (mut active, mut non_empty) = (0, 0);
            for (mic, channel) in frame.outer_iter().enumerate() {
                let bins = normalise_channel(channel, mic, re, im);
                active += usize::from(bins > 0);
                non_empty += bins;
            }
            if active >= 2 {
                self.pool.add_next(non_empty);
            }
        }
        if self.pool.frames == 0 {
            return Err(silent(0, n_frames));
        }
        self.score_pool()
    }

    /// The map of the pooled frames and its refined peaks, strongest first.
    fn score_pool(&mut self) -> Result<Vec<SourceEstimate>> {
        self.map_pool();
        self.estimates()
    }

    /// Fills `map` from the pooled cross-spectra: one inverse FFT per pair, its lags
    /// resampled, gathered over the grid, plus the constant term.
    fn map_pool(&mut self) {
        let n_band = self.bins.len();
        let work = &mut self.work;
        let rows = self
            .pool
            .cross_re
            .chunks_exact(n_band)
            .zip(self.pool.cross_im.chunks_exact(n_band));
        for (pair, (c_re, c_im)) in self.pairs.iter().zip(rows) {
            pair_correlation(
                c_re,
                c_im,
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

        let constant = self.pool.constant;
        for (m, c) in work.map.iter_mut().zip(&work.coarse) {
            *m = constant + f64::from(*c);
        }
    }

    /// The distinct peaks of `map` ([`SearchGrid::sources`]), checked and refined with
    /// the exact score over the pooled frames, strongest first.
    fn estimates(&mut self) -> Result<Vec<SourceEstimate>> {
        let Work {
            map, score, search, ..
        } = &mut self.work;
        let mut peaks = SrpPeaks {
            scorer: ExactScore::new(
                &self.array,
                &self.grid,
                &self.config,
                self.bins.start,
                &self.pool,
            ),
            work: score,
            grid: &self.grid,
            refine_tolerance: self.config.refine.then_some(self.refine_tolerance),
        };
        let found = self.grid.sources(
            &self.array,
            map,
            self.config.n_sources,
            self.min_separation,
            &mut peaks,
            search,
        );
        if found.is_empty() {
            return Err(Error::NoEstimate {
                reason: "the steered response map has no peak".into(),
            });
        }

        Ok(found
            .iter()
            .map(|&(point, power)| {
                SourceEstimate::from_grid_point(&self.grid, &self.array, point, power)
            })
            .collect())
    }

    /// The exact steered power at `point` (a unit vector or a position, as the grid
    /// holds) over the frames of the last call: the score refinement maximises, on the
    /// scale of [`SrpPhat::map`]. Zero before the first call or after a silent one.
    pub fn steered_power(&mut self, point: [f64; 3]) -> f64 {
        ExactScore::new(
            &self.array,
            &self.grid,
            &self.config,
            self.bins.start,
            &self.pool,
        )
        .power(point, &mut self.work.score)
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
        if spectra.iter().all(|x| x.re.is_finite() && x.im.is_finite()) {
            return Ok(());
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
    if !(8..=super::MAX_FFT_LEN).contains(&config.fft_len) {
        return Err(Error::parameter(
            "fft_len",
            format!("8 to {} samples", super::MAX_FFT_LEN),
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

/// Normalises one channel's in-band bins to unit magnitude into its row of `re` and
/// `im` (`[mic][bin]`); bins below [`EMPTY_BIN_FRACTION`] of the channel's largest
/// in-band bin become zero. Returns how many bins are left (each of magnitude one).
fn normalise_channel(
    band: ArrayView1<Complex64>,
    mic: usize,
    re: &mut [f64],
    im: &mut [f64],
) -> usize {
    let n_band = band.len();
    let re = &mut re[mic * n_band..(mic + 1) * n_band];
    let im = &mut im[mic * n_band..(mic + 1) * n_band];
    // Squared magnitudes first, into `re`, so the spectrum (strided) is read once.
    let mut largest = 0.0f64;
    for (r, x) in re.iter_mut().zip(band.iter()) {
        *r = x.norm_sqr();
        largest = largest.max(*r);
    }
    let floor = largest.sqrt() * EMPTY_BIN_FRACTION;

    let mut non_empty = 0;
    for ((re, im), x) in re.iter_mut().zip(im.iter_mut()).zip(band.iter()) {
        let magnitude = re.sqrt();
        (*re, *im) = if magnitude > floor && magnitude > 0.0 {
            non_empty += 1;
            let inverse = magnitude.recip();
            (x.re * inverse, x.im * inverse)
        } else {
            (0.0, 0.0)
        };
    }
    non_empty
}

/// The GCC-PHAT of one pair from its (pooled) PHAT cross-spectrum over the band,
/// `c_re + j c_im`, into `correlation` (`r[n]` at lag `n` inverse-FFT samples,
/// circular).
///
/// The inverse real FFT counts its first and last bins once and the others twice,
/// so those two are doubled, and the last one keeps its real part, which is all it
/// contributes at whole lags.
fn pair_correlation(
    c_re: &[f64],
    c_im: &[f64],
    bins: Range<usize>,
    inverse: &dyn ComplexToReal<f32>,
    cross: &mut [Complex32],
    correlation: &mut [f32],
    scratch: &mut [Complex32],
) {
    let last = cross.len() - 1;
    cross[..bins.start].fill(Complex32::default());
    cross[bins.end..].fill(Complex32::default());
    for ((c, re), im) in cross[bins.clone()].iter_mut().zip(c_re).zip(c_im) {
        *c = Complex32::new(*re as f32, *im as f32);
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

/// SRP-PHAT's side of the peak search ([`PeakScore`]): the exact score at the grid's
/// candidates and, with refinement on, the climb off the grid.
struct SrpPeaks<'a> {
    scorer: ExactScore<'a>,
    work: &'a mut ScoreWork,
    grid: &'a SearchGrid,
    /// `None` when refinement is off.
    refine_tolerance: Option<f64>,
}

impl PeakScore for SrpPeaks<'_> {
    fn at_candidate(&mut self, index: usize) -> f64 {
        self.scorer.power(self.grid.points()[index], self.work)
    }

    fn polish(&mut self, index: usize) -> ([f64; 3], f64) {
        let start = self.grid.points()[index];
        let Some(tolerance) = self.refine_tolerance else {
            return (start, self.at_candidate(index));
        };

        let (scorer, buffers) = (&self.scorer, &mut *self.work);
        let mut score = |p| scorer.power(p, buffers);
        let mut refined = self.grid.refine(start, tolerance, &mut score);
        // Near a linear or planar array the peak is a narrow ridge along the range,
        // which steps along x and y climb slowly: restart while it moves.
        if self.grid.kind() == GridKind::NearField {
            for _ in 0..NEAR_FIELD_RESTARTS {
                let again = self.grid.refine(refined.0, tolerance, &mut score);
                let moved = self.grid.separation(again.0, refined.0);
                refined = again;
                if moved < tolerance {
                    break;
                }
            }
        }
        refined
    }
}

/// Buffers of [`ExactScore::power`].
struct ScoreWork {
    /// Per microphone, per band bin: the steering phase `e^{j ω_k t_i}`, parts apart.
    phase_re: Vec<f64>,
    phase_im: Vec<f64>,
    /// A per-bin complex sum being built, parts apart.
    sum_re: Vec<f64>,
    sum_im: Vec<f64>,
    /// Per-bin partial scores.
    partial: Vec<f64>,
    /// Per microphone, the steering phase and its rotation from bin to bin.
    rotations: Vec<Complex64>,
    delays: Vec<f64>,
}

impl ScoreWork {
    fn new(n_mics: usize, n_band: usize) -> Self {
        ScoreWork {
            phase_re: vec![0.0; n_mics * n_band],
            phase_im: vec![0.0; n_mics * n_band],
            sum_re: vec![0.0; n_band],
            sum_im: vec![0.0; n_band],
            partial: vec![0.0; n_band],
            rotations: vec![Complex64::default(); 2 * n_mics],
            delays: vec![0.0; n_mics],
        }
    }
}

/// The exact steered power of the pooled frames, for refinement.
struct ExactScore<'a> {
    array: &'a MicArray,
    grid: &'a SearchGrid,
    speed_of_sound: f64,
    /// Angular frequency step between bins, rad/s.
    bin_omega: f64,
    /// The first bin of the band.
    first_bin: usize,
    pool: &'a Pool,
}

impl<'a> ExactScore<'a> {
    fn new(
        array: &'a MicArray,
        grid: &'a SearchGrid,
        config: &SrpConfig,
        first_bin: usize,
        pool: &'a Pool,
    ) -> Self {
        ExactScore {
            array,
            grid,
            speed_of_sound: config.speed_of_sound,
            bin_omega: std::f64::consts::TAU * config.sample_rate / config.fft_len as f64,
            first_bin,
            pool,
        }
    }

    /// `Σ_f Σ_k |Σ_i X̃_i^f(k) e^{j ω_k t_i}|²` at `point`, over the pooled frames.
    ///
    /// With few frames, each is steered and its beam's power summed (`n_mics` complex
    /// products per bin and frame); with more, the same sum is read from the pooled
    /// cross-spectra, `constant + 2 Σ_{i<j} Σ_k Re(C_ij(k) e^{j ω_k (t_i - t_j)})`
    /// (`n_pairs` products per bin, whatever the number of frames). Both run bins
    /// innermost, in independent lanes.
    fn power(&self, point: [f64; 3], work: &mut ScoreWork) -> f64 {
        let pool = self.pool;
        if pool.frames == 0 {
            return 0.0;
        }
        let (n_mics, n_band) = (pool.n_mics, pool.n_band);
        self.grid
            .delays_s(self.array, self.speed_of_sound, point, &mut work.delays);

        // The steering phases, built by rotation from bin to bin (two `sin_cos` per
        // microphone); microphones inside, so that the rotations proceed side by side.
        let (phases, steps) = work.rotations.split_at_mut(n_mics);
        for ((phase, step), &t) in phases.iter_mut().zip(steps.iter_mut()).zip(&work.delays) {
            *phase = Complex64::cis(self.bin_omega * self.first_bin as f64 * t);
            *step = Complex64::cis(self.bin_omega * t);
        }
        for b in 0..n_band {
            for (m, (phase, step)) in phases.iter_mut().zip(steps.iter()).enumerate() {
                work.phase_re[m * n_band + b] = phase.re;
                work.phase_im[m * n_band + b] = phase.im;
                *phase *= step;
            }
        }
        let phase = |m: usize| {
            (
                &work.phase_re[m * n_band..(m + 1) * n_band],
                &work.phase_im[m * n_band..(m + 1) * n_band],
            )
        };
        let (sum_re, sum_im, partial) = (&mut work.sum_re, &mut work.sum_im, &mut work.partial);
        partial.fill(0.0);

        if pool.steers_frames() {
            let size = n_mics * n_band;
            for f in 0..pool.frames {
                let re = &pool.frames_re[f * size..(f + 1) * size];
                let im = &pool.frames_im[f * size..(f + 1) * size];
                sum_re.fill(0.0);
                sum_im.fill(0.0);
                for (m, (x_re, x_im)) in re
                    .chunks_exact(n_band)
                    .zip(im.chunks_exact(n_band))
                    .enumerate()
                {
                    // The beam: Σ_i x_i w_i.
                    let (w_re, w_im) = phase(m);
                    complex_multiply_add(sum_re, sum_im, x_re, x_im, w_re, w_im, false);
                }
                for ((p, s_re), s_im) in partial.iter_mut().zip(sum_re.iter()).zip(sum_im.iter()) {
                    *p += s_re * s_re + s_im * s_im;
                }
            }
            return partial.iter().sum();
        }

        let mut rows = pool
            .cross_re
            .chunks_exact(n_band)
            .zip(pool.cross_im.chunks_exact(n_band));
        for i in 0..n_mics - 1 {
            // Σ_{j>i} C_ij w_j*, then Re(w_i ·): row i of the upper triangle.
            sum_re.fill(0.0);
            sum_im.fill(0.0);
            for j in i + 1..n_mics {
                let (c_re, c_im) = rows.next().expect("one row per pair");
                let (w_re, w_im) = phase(j);
                complex_multiply_add(sum_re, sum_im, c_re, c_im, w_re, w_im, true);
            }
            let (w_re, w_im) = phase(i);
            for ((((p, s_re), s_im), w_re), w_im) in partial
                .iter_mut()
                .zip(sum_re.iter())
                .zip(sum_im.iter())
                .zip(w_re)
                .zip(w_im)
            {
                *p += w_re * s_re - w_im * s_im;
            }
        }
        pool.constant + 2.0 * partial.iter().sum::<f64>()
    }
}

/// `sum += x · w` (or `x · w*` when `conjugate`), bin by bin, parts apart.
fn complex_multiply_add(
    sum_re: &mut [f64],
    sum_im: &mut [f64],
    x_re: &[f64],
    x_im: &[f64],
    w_re: &[f64],
    w_im: &[f64],
    conjugate: bool,
) {
    let sign = if conjugate { -1.0 } else { 1.0 };
    for (((((s_re, s_im), x_re), x_im), w_re), w_im) in sum_re
        .iter_mut()
        .zip(sum_im.iter_mut())
        .zip(x_re)
        .zip(x_im)
        .zip(w_re)
        .zip(w_im)
    {
        let w_im = sign * w_im;
        *s_re += x_re * w_re - x_im * w_im;
        *s_im += x_re * w_im + x_im * w_re;
    }
}

/// The error for frames without two channels of signal.
fn silent(active: usize, n_frames: usize) -> Error {
    let found = if n_frames == 1 {
        let channels = if active == 1 { "channel" } else { "channels" };
        format!("the frame holds signal in the band on {active} {channels}")
    } else {
        format!("each of the {n_frames} frames holds signal in the band on fewer than 2 channels")
    };
    Error::NoEstimate {
        reason: format!("{found}; SRP-PHAT needs at least 2 (silent or constant input?)"),
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
    fn the_band_and_the_array_set_the_inverse_fft_length() {
        let grid = || SearchGrid::horizon(90).unwrap();
        let inverse_len = |array: &MicArray, band: (f64, f64)| {
            let config = SrpConfig {
                freq_range_hz: band,
                ..SrpConfig::new(16_000.0)
            };
            SrpPhat::new(array.clone(), grid(), config)
                .unwrap()
                .inverse_len
        };

        // A 30 cm circle (lags up to 14 samples): the band alone decides.
        let wide = MicArray::uniform_circular(6, 0.15).unwrap();
        assert_eq!(
            inverse_len(&wide, (300.0, 4000.0)),
            256,
            "a 4 kHz band needs 256"
        );
        assert_eq!(
            inverse_len(&wide, (0.0, 8000.0)),
            512,
            "the full band needs 512"
        );

        // A 10 cm circle (lags up to 4.7 samples) needs more samples across its lags,
        // and a low band on it more still.
        let small = MicArray::uniform_circular(6, 0.05).unwrap();
        assert_eq!(inverse_len(&small, (300.0, 4000.0)), 512);
        assert_eq!(inverse_len(&small, (900.0, 1100.0)), 512);
        let board = MicArray::six_mic_board();
        assert_eq!(inverse_len(&board, (900.0, 1100.0)), 512);
    }
}
