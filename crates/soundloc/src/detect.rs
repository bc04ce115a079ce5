//! Impulsive onsets in one sensor's continuous recording: gunshots, breaking glass, crashes.
//!
//! The detector follows the two stages of onset detection described by Bello et al. (2005),
//! "A tutorial on onset detection in music signals", IEEE Trans. Speech and Audio Processing
//! 13(5), 1035-1047: first reduce the signal to a slowly sampled *detection function*, then
//! pick the moments where that function rises clearly above an *adaptive threshold*.
//!
//! 1. **Band energy.** City background is loudest below a few hundred hertz (engines, tyres,
//!    wind), while impulsive sounds are broadband. The signal is band-passed
//!    ([`DetectorConfig::band_hz`], default 500 Hz to 8 kHz) by a cascade of biquads: a
//!    fourth-order Butterworth high-pass (two sections) and a second-order low-pass, with the
//!    coefficients of R. Bristow-Johnson's "Cookbook formulae for audio EQ biquad filter
//!    coefficients" (the Audio EQ Cookbook). Its mean square over short frames
//!    ([`DetectorConfig::frame_s`], 5 ms) in dB is the detection function. Band-energy
//!    detection costs a few multiplications per sample, where spectral flux would need an
//!    FFT per frame.
//! 2. **Adaptive noise floor.** The floor is a running quantile (default the median) of the
//!    frame levels of the last [`DetectorConfig::floor_window_s`] seconds. Bello et al.
//!    recommend a moving median as the adaptive threshold because a short loud event barely
//!    moves it, while it follows traffic that swells and fades over seconds. Only past
//!    frames enter the floor, so a frame is never compared with itself.
//! 3. **Onset.** A frame whose level is [`DetectorConfig::threshold_db`] or more above the
//!    floor starts an onset, if the level had fallen back below the threshold by
//!    [`DetectorConfig::rearm_db`] since the last onset and the last onset is more than
//!    [`DetectorConfig::hold_s`] ago. Echoes and the tail of one sound therefore do not fire
//!    again, and a sustained sound fires once.
//! 4. **Refinement and features.** The onset time is the first sample, in the triggering
//!    frame or the one before, whose band-passed magnitude reaches both the threshold over the
//!    floor's RMS and a quarter of the frame's peak; this places a sharp onset to a fraction of
//!    a millisecond. Over the next [`DetectorConfig::feature_s`] seconds the detector measures
//!    the crest factor (peak over RMS, high for impulses) and the level in octave bands
//!    centred on [`BAND_CENTRES_HZ`], computed only at onsets.
//!
//! # Start of a recording
//! The floor is unknown at the start. The detector buffers the first
//! [`DetectorConfig::settle_s`] seconds, takes the floor from them, and only then judges
//! those frames, so a sound in the very first frame is found and the start does not produce
//! a storm of onsets. The filters start as if the first sample had always been there, so a
//! recording that starts at a DC offset makes no transient.
//!
//! # Streaming and cost
//! [`OnsetDetector::push`] takes blocks of any size, and the onsets do not depend on how
//! the signal was cut into blocks. Memory is bounded: two ring buffers of about
//! `settle_s + feature_s` seconds, and the floor's window of frame levels. An onset is
//! reported about `feature_s` after it happened (`settle_s` at the start of a recording);
//! [`OnsetDetector::finish`] reports the rest.
//!
//! ```
//! use soundloc::detect::{DetectorConfig, OnsetDetector};
//!
//! // A second of faint noise, then a click at 1.5 s, at 48 kHz.
//! let sample_rate = 48_000.0;
//! let mut signal: Vec<f64> = (0..96_000).map(|n| 1e-3 * (((n * 7919) % 211) as f64 - 105.0) / 105.0).collect();
//! signal[72_000] += 0.5;
//!
//! let mut detector = OnsetDetector::new(DetectorConfig::default(), sample_rate, 0).unwrap();
//! let mut onsets = Vec::new();
//! for block in signal.chunks(4096) {
//!     detector.push(block, &mut onsets).unwrap();
//! }
//! detector.finish(&mut onsets);
//! assert_eq!(onsets.len(), 1);
//! assert!((onsets[0].time_s - 1.5).abs() < 0.001);
//! ```
//!
//! # Limitations
//! The floor tracks a level, not a spectrum: a loud broadband sound that rises slowly (a
//! passing lorry) is not an onset, but a sudden loud sound of any kind (a horn, a shout close
//! to the sensor) is. Telling a gunshot from a door slam is left to a classifier reading the
//! features. No duration is reported yet.

use std::collections::VecDeque;
use std::path::Path;

use serde::Serialize;

use crate::audio::WavStream;
use crate::error::{Error, Result};

/// Number of octave bands in [`Onset::band_levels_db`].
pub const N_BANDS: usize = 5;

/// Centre frequencies of the octave bands of [`Onset::band_levels_db`], Hz.
pub const BAND_CENTRES_HZ: [f64; N_BANDS] = [250.0, 500.0, 1000.0, 2000.0, 4000.0];

/// The lowest sample rate the detector accepts, Hz: the 4 kHz octave band reaches 5.7 kHz.
pub const MIN_SAMPLE_RATE: f64 = 12_000.0;

/// The level given to a frame without any energy, dB: far below any real recording.
pub const SILENCE_DB: f64 = -200.0;

/// Q of an octave-wide band-pass (Audio EQ Cookbook: `1 / (2 sinh(ln 2 / 2))`).
const OCTAVE_Q: f64 = std::f64::consts::SQRT_2;

/// Q of the two sections of a fourth-order Butterworth high-pass.
const BUTTERWORTH_4_Q: [f64; 2] = [0.541_196_100_146_197, 1.306_562_964_876_376_5];

/// Q of a second-order Butterworth section.
const BUTTERWORTH_2_Q: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// The upper band edge is dropped (no low-pass) at or above this fraction of the sample rate.
const LOW_PASS_LIMIT: f64 = 0.45;

/// Samples run through an octave band's filter before its level is measured, seconds.
const BAND_PREROLL_S: f64 = 0.01;

/// Settings of an [`OnsetDetector`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectorConfig {
    /// Pass band of the detection function, `(low, high)` Hz; default `(500, 8000)`. An upper
    /// edge at or above 0.45 times the sample rate means no low-pass.
    pub band_hz: (f64, f64),
    /// Length of one frame of the detection function, seconds; default 0.005.
    pub frame_s: f64,
    /// Rise of a frame's level above the noise floor that makes an onset, dB; default 12.
    pub threshold_db: f64,
    /// Drop below the threshold, dB, that the level must make before another onset can
    /// fire; default 3.
    pub rearm_db: f64,
    /// Length of the past over which the noise floor is taken, seconds; default 2.
    pub floor_window_s: f64,
    /// Quantile of the past frame levels that is the noise floor, in (0, 1); default 0.5.
    pub floor_quantile: f64,
    /// Length of the start of the recording that sets the first noise floor, seconds;
    /// default 0.5, at most `floor_window_s`.
    pub settle_s: f64,
    /// Time after an onset during which no other onset fires, seconds; default 0.4.
    pub hold_s: f64,
    /// Length after the onset over which the features are measured, seconds; default 0.05.
    pub feature_s: f64,
    /// Frames quieter than this never make an onset, dB relative to full scale; default -90.
    pub min_level_dbfs: f64,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            band_hz: (500.0, 8000.0),
            frame_s: 0.005,
            threshold_db: 12.0,
            rearm_db: 3.0,
            floor_window_s: 2.0,
            floor_quantile: 0.5,
            settle_s: 0.5,
            hold_s: 0.4,
            feature_s: 0.05,
            min_level_dbfs: -90.0,
        }
    }
}

impl DetectorConfig {
    /// Checks every setting that does not depend on the sample rate.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first setting out of range, with what was
    /// expected and what arrived.
    pub fn validate(&self) -> Result<()> {
        let (low_hz, high_hz) = self.band_hz;
        if !(low_hz.is_finite() && high_hz.is_finite() && 0.0 < low_hz && low_hz < high_hz) {
            return Err(Error::parameter(
                "band_hz",
                "finite edges with 0 < low < high, Hz",
                format!("({low_hz}, {high_hz})"),
            ));
        }
        let positive = [
            ("frame_s", self.frame_s),
            ("threshold_db", self.threshold_db),
            ("floor_window_s", self.floor_window_s),
            ("settle_s", self.settle_s),
            ("feature_s", self.feature_s),
        ];
        for (name, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(Error::parameter(name, "a finite, positive value", value));
            }
        }
        if !(self.rearm_db.is_finite() && (0.0..self.threshold_db).contains(&self.rearm_db)) {
            return Err(Error::parameter(
                "rearm_db",
                format!(
                    "a drop of at least 0 dB and less than threshold_db ({} dB): after an \
                     onset, a frame's level must fall this far below the onset threshold \
                     before another onset can fire",
                    self.threshold_db
                ),
                format!("{} dB", self.rearm_db),
            ));
        }
        if !(self.hold_s.is_finite() && self.hold_s >= 0.0) {
            return Err(Error::parameter(
                "hold_s",
                "a finite value of 0 s or more",
                self.hold_s,
            ));
        }
        if !(0.0 < self.floor_quantile && self.floor_quantile < 1.0) {
            return Err(Error::parameter(
                "floor_quantile",
                "a value strictly between 0 and 1",
                self.floor_quantile,
            ));
        }
        if self.settle_s > self.floor_window_s {
            return Err(Error::parameter(
                "settle_s",
                format!("at most floor_window_s ({} s)", self.floor_window_s),
                self.settle_s,
            ));
        }
        if !self.min_level_dbfs.is_finite() {
            return Err(Error::parameter(
                "min_level_dbfs",
                "a finite level",
                self.min_level_dbfs,
            ));
        }
        Ok(())
    }
}

/// One impulsive onset heard by one sensor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Onset {
    /// The sensor's index, as given to [`OnsetDetector::new`].
    pub sensor: usize,
    /// Index of the onset's first sample in the sensor's recording.
    pub sample_index: usize,
    /// Time of the onset from the start of the sensor's recording, seconds.
    pub time_s: f64,
    /// Highest band level of a frame within `feature_s` after the onset, dB relative to a
    /// full-scale square wave (mean square 1).
    pub level_dbfs: f64,
    /// The noise floor the onset was judged against, dB relative to full scale.
    pub noise_floor_dbfs: f64,
    /// `level_dbfs - noise_floor_dbfs`, dB.
    pub snr_db: f64,
    /// Peak over RMS of the band-passed signal within `feature_s` after the onset (1 for a
    /// square wave, about 1.4 for a sine, higher for impulses).
    pub crest_factor: f64,
    /// Levels in the octave bands centred on [`BAND_CENTRES_HZ`] within `feature_s` after the
    /// onset, dB relative to full scale.
    pub band_levels_db: [f64; N_BANDS],
}

/// Finds impulsive onsets in one sensor's signal, block by block (see the module docs).
#[derive(Debug, Clone)]
pub struct OnsetDetector {
    config: DetectorConfig,
    sample_rate: f64,
    sensor: usize,
    frame_len: usize,
    hold_frames: usize,
    settle_frames: usize,
    feature_len: usize,
    band_filter: [Biquad; 3],
    /// How the band-pass is split into streams that run side by side.
    split: SplitPlan,
    /// Samples before the newest that measuring an onset may read.
    history_len: usize,
    /// Band-passed and raw samples of the recent past and of the chunk being judged;
    /// absolute sample `n` is at `n % ring_len`, and a frame never wraps because `ring_len`
    /// is a multiple of `frame_len`.
    band_ring: Vec<f64>,
    raw_ring: Vec<f64>,
    /// Scratch space for filtering a chunk: its band-passed samples, and the inputs and
    /// outputs of the warm-ups.
    band_chunk: Vec<f64>,
    warm_inputs: Vec<f64>,
    warm_outputs: Vec<f64>,
    /// Samples pushed so far.
    n_seen: usize,
    /// Band-filtered samples before this index may have been filtered through a
    /// non-finite sample: frames starting before it are treated as silent.
    polluted_to: usize,
    floor: RunningQuantile,
    /// Levels of the frames of the settling period, judged once the first floor is known.
    settling_levels: Vec<(usize, f64)>,
    settled: bool,
    armed: bool,
    /// First frame at which the hold after the last onset is over.
    hold_until_frame: usize,
    /// Frames that fired, waiting for the samples their features need.
    pending: VecDeque<Trigger>,
}

/// A frame that fired, and the floor it was judged against, dB.
#[derive(Debug, Clone, Copy)]
struct Trigger {
    frame: usize,
    floor_db: f64,
}

impl OnsetDetector {
    /// A detector for one sensor sampled at `sample_rate` Hz.
    ///
    /// # Errors
    /// The errors of [`DetectorConfig::validate`], and [`Error::InvalidParameter`] for a
    /// sample rate below [`MIN_SAMPLE_RATE`], a band whose low edge is not below 0.45 times
    /// the sample rate, or a frame shorter than 16 samples.
    pub fn new(config: DetectorConfig, sample_rate: f64, sensor: usize) -> Result<Self> {
        config.validate()?;
        if !(sample_rate.is_finite() && sample_rate >= MIN_SAMPLE_RATE) {
            return Err(Error::parameter(
                "sample_rate",
                format!("a finite rate of at least {MIN_SAMPLE_RATE} Hz"),
                sample_rate,
            ));
        }
        let (low_hz, high_hz) = config.band_hz;
        if low_hz >= LOW_PASS_LIMIT * sample_rate {
            return Err(Error::parameter(
                "band_hz",
                format!(
                    "a low edge below {} Hz at a sample rate of {sample_rate} Hz",
                    LOW_PASS_LIMIT * sample_rate
                ),
                low_hz,
            ));
        }
        let samples = |seconds: f64| (seconds * sample_rate).round() as usize;
        let frame_len = samples(config.frame_s);
        if frame_len < 16 {
            return Err(Error::parameter(
                "frame_s",
                format!("a frame of at least 16 samples at {sample_rate} Hz"),
                format!("{} s ({frame_len} samples)", config.frame_s),
            ));
        }

        // The band-pass: a fourth-order high-pass, then a low-pass unless the upper edge is
        // too close to Nyquist to matter.
        let low_pass = if high_hz < LOW_PASS_LIMIT * sample_rate {
            Biquad::low_pass(high_hz, BUTTERWORTH_2_Q, sample_rate)
        } else {
            Biquad::IDENTITY
        };
        let band_filter = [
            Biquad::high_pass(low_hz, BUTTERWORTH_4_Q[0], sample_rate),
            Biquad::high_pass(low_hz, BUTTERWORTH_4_Q[1], sample_rate),
            low_pass,
        ];

        // Frame counts of the time constants, and a ring long enough for the oldest sample a
        // pending onset can need: the settling period, a frame before the trigger, the
        // octave filters' pre-roll, and the feature window.
        let frames = |seconds: f64| (seconds * sample_rate / frame_len as f64).ceil() as usize;
        let floor_frames = frames(config.floor_window_s).max(1);
        let settle_frames = frames(config.settle_s).max(1);
        let hold_frames = frames(config.hold_s);
        let feature_len = samples(config.feature_s).max(1);
        let history_frames = settle_frames + frames(config.feature_s + BAND_PREROLL_S) + 3;
        let history_len = history_frames * frame_len;
        let split = SplitPlan::new(&band_filter, sample_rate);
        let ring_len =
            (history_len.max(split.warm_up_len) + split.chunk_len).div_ceil(frame_len) * frame_len;

        #[cfg(feature = "log")]
        log::debug!(
            "onset detector for sensor {sensor}: frame_len {frame_len}, floor over \
             {floor_frames} frames, settle {settle_frames}, hold {hold_frames}, ring {ring_len}"
        );

        Ok(OnsetDetector {
            floor: RunningQuantile::new(floor_frames, config.floor_quantile),
            config,
            sample_rate,
            sensor,
            frame_len,
            hold_frames,
            settle_frames,
            feature_len,
            band_filter,
            split,
            history_len,
            band_ring: vec![0.0; ring_len],
            raw_ring: vec![0.0; ring_len],
            band_chunk: Vec::new(),
            warm_inputs: Vec::new(),
            warm_outputs: Vec::new(),
            n_seen: 0,
            polluted_to: 0,
            settling_levels: Vec::with_capacity(settle_frames),
            settled: false,
            armed: true,
            hold_until_frame: 0,
            pending: VecDeque::new(),
        })
    }

    /// Length of one frame of the detection function, samples.
    pub fn frame_len(&self) -> usize {
        self.frame_len
    }

    /// Feeds the next samples of the signal and appends the onsets whose features are now
    /// complete to `onsets`. Blocks may have any length, including zero.
    ///
    /// # Errors
    /// [`Error::NonFinite`] when a frame holds NaN or an infinite value (or values so large
    /// that their energy overflows); the message names the sensor and the sample index.
    /// The filters are reset and the frame is treated as silent; the rest of the block is
    /// still processed (so the times of later onsets stay right), and so are later
    /// blocks. Only the first such frame of a block is reported.
    pub fn push(&mut self, samples: &[f64], onsets: &mut Vec<Onset>) -> Result<()> {
        if self.n_seen == 0 {
            if let Some(&first) = samples.first() {
                settle_cascade(&mut self.band_filter, first);
            }
        }

        // Filter a chunk at a time into the rings, then close its frames one by one. The
        // ring has room for a chunk beyond the history that measuring an onset needs.
        let mut first_error = None;
        let mut rest = samples;
        while !rest.is_empty() {
            let (chunk, later) = rest.split_at(rest.len().min(self.split.chunk_len));
            self.filter_chunk(chunk);
            rest = later;

            // Close the frames the chunk completes.
            let mut unclosed = chunk.len();
            while unclosed > 0 {
                let in_frame = self.n_seen % self.frame_len;
                let piece_len = unclosed.min(self.frame_len - in_frame);
                self.n_seen += piece_len;
                unclosed -= piece_len;
                if self.n_seen % self.frame_len == 0 {
                    if let Err(error) = self.close_frame(self.frame_len) {
                        // The filters ran through the bad sample to the chunk's end.
                        self.polluted_to = self.n_seen + unclosed;
                        first_error.get_or_insert(error);
                    }
                    self.emit_ready(onsets, false);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Ends the signal: judges a last partial frame and the settling period if the signal
    /// was shorter, and appends every onset still pending, with features measured over the
    /// samples that exist.
    pub fn finish(mut self, onsets: &mut Vec<Onset>) {
        // A last frame of at least a quarter frame is judged; a non-finite one is dropped,
        // as it cannot be reported from here.
        let partial = self.n_seen % self.frame_len;
        if partial >= self.frame_len / 4 {
            let _ = self.close_frame(partial);
        }
        if !self.settled && !self.settling_levels.is_empty() {
            self.end_settling();
        }
        self.emit_ready(onsets, true);
    }

    /// Turns the energy of the frame that just ended (`len` samples) into a level and
    /// judges it.
    fn close_frame(&mut self, len: usize) -> Result<()> {
        let frame = (self.n_seen - 1) / self.frame_len;
        if frame * self.frame_len < self.polluted_to {
            self.silence_frame(frame, len);
            self.settle_through(frame);
            return Ok(());
        }
        let start = (frame * self.frame_len) % self.band_ring.len();
        let energy = sum_of_squares(&self.band_ring[start..start + len]);
        if !energy.is_finite() {
            let error = self.non_finite_error(frame, len);
            self.settle_through(frame);
            return Err(error);
        }
        let level_db = power_db(energy / len as f64);

        // During the settling period the levels wait for the first floor; afterwards each
        // frame is judged against the floor of the frames before it.
        if self.settled {
            let floor_db = self.floor.value().unwrap_or(level_db);
            self.judge(frame, level_db, floor_db);
            self.floor.push(level_db);
        } else {
            // Keyed by frame: a frame treated as silent leaves no level, and must not
            // shift the frames after it.
            self.settling_levels.push((frame, level_db));
            self.floor.push(level_db);
            self.settle_through(frame);
        }
        Ok(())
    }

    /// Ends the settling period once `frame` is its last frame or later, whether or not
    /// every frame of it left a level.
    fn settle_through(&mut self, frame: usize) {
        if !self.settled && frame + 1 >= self.settle_frames {
            self.end_settling();
        }
    }

    /// Judges the frames of the settling period against the floor they set.
    fn end_settling(&mut self) {
        let floor_db = self.floor.value().unwrap_or(SILENCE_DB);
        let levels = std::mem::take(&mut self.settling_levels);
        for &(frame, level_db) in &levels {
            self.judge(frame, level_db, floor_db);
        }
        self.settled = true;
    }

    /// Records a trigger if `frame` rises far enough above the floor, and re-arms once the
    /// level has fallen back.
    fn judge(&mut self, frame: usize, level_db: f64, floor_db: f64) {
        let rise_db = level_db - floor_db;
        let fires = rise_db >= self.config.threshold_db
            && level_db >= self.config.min_level_dbfs
            && self.armed
            && frame >= self.hold_until_frame;
        if fires {
            self.pending.push_back(Trigger { frame, floor_db });
            self.armed = false;
            self.hold_until_frame = frame + self.hold_frames.max(1);
        } else if rise_db < self.config.threshold_db - self.config.rearm_db {
            self.armed = true;
        }
    }

    /// Appends the pending onsets whose feature windows are complete, or all of them at
    /// the end of the signal.
    fn emit_ready(&mut self, onsets: &mut Vec<Onset>, at_end: bool) {
        while let Some(&trigger) = self.pending.front() {
            let needed = (trigger.frame + 1) * self.frame_len + self.feature_len;
            if !at_end && self.n_seen < needed {
                return;
            }
            onsets.push(self.measure(trigger));
            self.pending.pop_front();
        }
    }

    /// Refines the onset time of a trigger and measures its features.
    fn measure(&self, trigger: Trigger) -> Onset {
        let ring_len = self.band_ring.len();
        let oldest = self.n_seen.saturating_sub(self.history_len);
        let band_at = |n: usize| self.band_ring[n % ring_len];

        // The first sample of the triggering frame or the one before that reaches both the
        // threshold over the floor's RMS and a quarter of the triggering frame's peak.
        let frame_start = trigger.frame * self.frame_len;
        let frame_end = (frame_start + self.frame_len).min(self.n_seen);
        let peak = (frame_start..frame_end)
            .map(|n| band_at(n).abs())
            .fold(0.0, f64::max);
        let floor_rms = 10f64.powf(trigger.floor_db / 20.0);
        let level = (floor_rms * 10f64.powf(self.config.threshold_db / 20.0)).max(0.25 * peak);
        let search_start = frame_start.saturating_sub(self.frame_len).max(oldest);
        let onset = (search_start..frame_end)
            .find(|&n| band_at(n).abs() >= level)
            .unwrap_or(frame_start);

        // Peak, RMS and the loudest frame-long stretch over the feature window.
        let window_end = (onset + self.feature_len).min(self.n_seen);
        let (mut peak, mut energy, mut loudest, mut stretch) = (0.0f64, 0.0, 0.0f64, 0.0);
        for (i, n) in (onset..window_end).enumerate() {
            let value = band_at(n);
            peak = peak.max(value.abs());
            energy += value * value;
            stretch += value * value;
            if (i + 1) % self.frame_len == 0 || n + 1 == window_end {
                let stretch_len = (i % self.frame_len + 1) as f64;
                loudest = loudest.max(stretch / stretch_len);
                stretch = 0.0;
            }
        }
        let window_len = (window_end - onset).max(1) as f64;
        let rms = (energy / window_len).sqrt();
        let crest_factor = if rms > 0.0 { peak / rms } else { 1.0 };
        let level_dbfs = power_db(loudest);

        // Octave levels from the raw samples, each filter run in over a short pre-roll.
        let preroll_start = onset
            .saturating_sub((BAND_PREROLL_S * self.sample_rate) as usize)
            .max(oldest);
        // The raw samples are copied out of the ring once, to spare a division per sample.
        let mut raw = vec![0.0; window_end - preroll_start];
        read_ring(&self.raw_ring, preroll_start, &mut raw);
        let band_levels_db = BAND_CENTRES_HZ.map(|centre_hz| {
            let mut band = Biquad::band_pass(centre_hz, OCTAVE_Q, self.sample_rate);
            band.settle(raw[0]);
            let mut band_energy = 0.0;
            for (n, &x) in (preroll_start..).zip(&raw) {
                let value = band.process(x);
                if n >= onset {
                    band_energy += value * value;
                }
            }
            power_db(band_energy / window_len)
        });

        Onset {
            sensor: self.sensor,
            sample_index: onset,
            time_s: onset as f64 / self.sample_rate,
            level_dbfs,
            noise_floor_dbfs: trigger.floor_db,
            snr_db: level_dbfs - trigger.floor_db,
            crest_factor,
            band_levels_db,
        }
    }

    /// The error for a non-finite frame, naming its first non-finite sample, after
    /// resetting the filters so that the next frame starts clean.
    fn non_finite_error(&mut self, frame: usize, len: usize) -> Error {
        let ring_len = self.raw_ring.len();
        let start = frame * self.frame_len;
        let (index, value) = (start..start + len)
            .map(|n| (n, self.raw_ring[n % ring_len]))
            .find(|(_, value)| !value.is_finite())
            .unwrap_or((start, f64::INFINITY));
        self.band_filter
            .iter_mut()
            .for_each(|section| _ = section.settle(0.0));
        self.silence_frame(frame, len);
        Error::NonFinite {
            what: format!("samples of sensor {}", self.sensor),
            index,
            value: value.to_string(),
        }
    }

    /// Zeroes the first `len` samples of `frame` in both rings: a frame treated as silent
    /// leaves nothing non-finite for the features of a later onset to read.
    fn silence_frame(&mut self, frame: usize, len: usize) {
        let start = (frame * self.frame_len) % self.raw_ring.len();
        self.band_ring[start..start + len].fill(0.0);
        self.raw_ring[start..start + len].fill(0.0);
    }
}

/// Finds the onsets of one channel of a WAV file, reading it in one-second blocks, so that
/// memory stays bounded whatever the file's length.
///
/// # Errors
/// The errors of [`WavStream::open`] and [`WavStream::read_channel_chunk`] (a channel the
/// file does not have, a truncated file), and those of [`OnsetDetector::new`] (for
/// example a sample rate below [`MIN_SAMPLE_RATE`]).
pub fn detect_onsets_in_file(
    path: &Path,
    channel: usize,
    config: DetectorConfig,
    sensor: usize,
) -> Result<Vec<Onset>> {
    let mut stream = WavStream::open(path)?;
    let block_frames = stream.sample_rate() as usize;
    let mut detector = OnsetDetector::new(config, f64::from(stream.sample_rate()), sensor)?;

    let mut onsets = Vec::new();
    let mut block = Vec::with_capacity(block_frames);
    while stream.read_channel_chunk(channel, block_frames, &mut block)? > 0 {
        detector
            .push(&block, &mut onsets)
            .map_err(|e| Error::Audio {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
    }
    detector.finish(&mut onsets);
    Ok(onsets)
}

/// Mean square as a level in dB, with silence at [`SILENCE_DB`].
fn power_db(mean_square: f64) -> f64 {
    if mean_square > 0.0 {
        (10.0 * mean_square.log10()).max(SILENCE_DB)
    } else {
        SILENCE_DB
    }
}

/// Number of filter streams run side by side in one loop.
const STREAMS: usize = 4;

/// Samples per stream transposed at a time for [`side_by_side`]: small enough for the
/// first-level cache.
const TILE_LEN: usize = 128;

/// Largest error a stream's warm-up may leave in its filter state, relative to the state.
const WARM_UP_ERROR: f64 = 1e-20;

/// How the band-pass is split into streams that run side by side.
///
/// Each section's recurrence waits for its previous output, so one cascade keeps the
/// processor mostly idle. The recording is therefore cut, at fixed absolute positions, into
/// segments, and the segments of a chunk are filtered side by side. Every segment but the
/// first starts from a cascade settled on the sample `warm_up_len` before it and run over
/// those samples. A stable section forgets its state like `r^n`, `r` the largest radius of
/// its poles; for the default 500 Hz high-pass at 48 kHz `r` = 0.975 (a time constant of 40
/// samples), so after the 1 840-sample (38 ms) warm-up for [`WARM_UP_ERROR`] the start shows
/// 1e-20 of the state, far below the 1e-16 rounding of `f64`. Since the cut does not depend
/// on how the caller blocks the signal, neither does any output.
#[derive(Debug, Clone, Copy)]
struct SplitPlan {
    /// Samples a segment's cascade runs over before its first output.
    warm_up_len: usize,
    /// Length of the segments, a fixed grid of absolute sample positions.
    segment_len: usize,
    /// The most samples filtered at once: one segment per stream.
    chunk_len: usize,
}

impl SplitPlan {
    /// Segments of a quarter second, and at least four warm-ups long so that warming up
    /// costs little.
    fn new(cascade: &[Biquad; 3], sample_rate: f64) -> Self {
        let radius = cascade.iter().map(Biquad::pole_radius).fold(0.0, f64::max);
        let warm_up_len = if radius > 0.0 {
            (WARM_UP_ERROR.ln() / radius.ln()).ceil() as usize
        } else {
            1
        };
        let segment_len = ((sample_rate / 4.0).round() as usize).max(4 * warm_up_len);
        SplitPlan {
            warm_up_len,
            segment_len,
            chunk_len: STREAMS * segment_len,
        }
    }
}

impl OnsetDetector {
    /// Writes a chunk of raw samples, starting at `n_seen`, into the raw ring and its
    /// band-passed version into the band ring, segment by segment (see [`SplitPlan`]).
    fn filter_chunk(&mut self, chunk: &[f64]) {
        let start = self.n_seen;
        let end = start + chunk.len();
        write_ring(&mut self.raw_ring, start, chunk);

        // The streams start at `start` and at each segment boundary after it. All but a
        // first stream that continues a segment are warmed up.
        let SplitPlan {
            warm_up_len,
            segment_len,
            ..
        } = self.split;
        let mut starts = vec![start];
        let mut boundary = (start / segment_len + 1) * segment_len;
        while boundary < end {
            starts.push(boundary);
            boundary += segment_len;
        }
        let first_warm = usize::from(start == 0 || start % segment_len != 0);
        let mut cascades = vec![self.band_filter; starts.len()];

        // Warm-ups, from the raw ring, which holds the chunk and what came before it.
        let n_warm = starts.len() - first_warm;
        self.warm_inputs.resize(n_warm * warm_up_len, 0.0);
        self.warm_outputs.resize(n_warm * warm_up_len, 0.0);
        for ((cascade, &stream_start), warm_input) in cascades[first_warm..]
            .iter_mut()
            .zip(&starts[first_warm..])
            .zip(self.warm_inputs.chunks_exact_mut(warm_up_len))
        {
            read_ring(&self.raw_ring, stream_start - warm_up_len, warm_input);
            settle_cascade(cascade, warm_input[0]);
        }
        let warm_inputs: Vec<&[f64]> = self.warm_inputs.chunks_exact(warm_up_len).collect();
        let mut warm_outputs: Vec<&mut [f64]> =
            self.warm_outputs.chunks_exact_mut(warm_up_len).collect();
        run_streams(&mut cascades[first_warm..], &warm_inputs, &mut warm_outputs);

        // The segments themselves, into scratch space, then into the band ring.
        self.band_chunk.resize(chunk.len(), 0.0);
        let mut inputs = Vec::with_capacity(starts.len());
        let mut outputs = Vec::with_capacity(starts.len());
        let (mut input_rest, mut output_rest) = (chunk, &mut self.band_chunk[..]);
        for (i, &stream_start) in starts.iter().enumerate() {
            let stream_end = starts.get(i + 1).copied().unwrap_or(end);
            let (input, later_input) = input_rest.split_at(stream_end - stream_start);
            let (output, later_output) = output_rest.split_at_mut(stream_end - stream_start);
            inputs.push(input);
            outputs.push(output);
            (input_rest, output_rest) = (later_input, later_output);
        }
        run_streams(&mut cascades, &inputs, &mut outputs);
        write_ring(&mut self.band_ring, start, &self.band_chunk);

        // The last stream carries the state into the next chunk.
        if let Some(&last) = cascades.last() {
            self.band_filter = last;
        }
    }
}

/// Runs each cascade over its input into its output, up to [`STREAMS`] side by side for as
/// long as their inputs share, then each alone over the rest.
fn run_streams(cascades: &mut [[Biquad; 3]], inputs: &[&[f64]], outputs: &mut [&mut [f64]]) {
    let mut first = 0;
    while first < cascades.len() {
        let width = match cascades.len() - first {
            4.. => 4,
            2 | 3 => 2,
            _ => 1,
        };
        let group = first..first + width;
        let common = inputs[group.clone()]
            .iter()
            .map(|input| input.len())
            .min()
            .unwrap_or(0);
        match width {
            4 => side_by_side::<4>(
                &mut cascades[group.clone()],
                &inputs[group.clone()],
                &mut outputs[group.clone()],
                0..common,
            ),
            2 => side_by_side::<2>(
                &mut cascades[group.clone()],
                &inputs[group.clone()],
                &mut outputs[group.clone()],
                0..common,
            ),
            _ => {}
        }
        let common = if width == 1 { 0 } else { common };
        for k in group {
            let tail = common..inputs[k].len();
            side_by_side::<1>(
                &mut cascades[k..=k],
                &inputs[k..=k],
                &mut outputs[k..=k],
                tail,
            );
        }
        first += width;
    }
}

/// Runs `K` cascades over the same `range` of their inputs in one loop, so that their
/// independent recurrences overlap. Each cascade does exactly the arithmetic of
/// [`Biquad::process`], in the same order, so a cascade gives the same bits whatever runs
/// beside it.
fn side_by_side<const K: usize>(
    cascades: &mut [[Biquad; 3]],
    inputs: &[&[f64]],
    outputs: &mut [&mut [f64]],
    range: std::ops::Range<usize>,
) {
    // The state as one array over the cascades per quantity, so that the compiler can step
    // the cascades in vector lanes. A section's input history is the output history of the
    // section before it, so only the cascade's input history is kept apart.
    let coefficients =
        cascades[0].map(|section| [section.b0, section.b1, section.b2, section.a1, section.a2]);
    let mut input_1: [f64; K] = std::array::from_fn(|k| cascades[k][0].x1);
    let mut input_2: [f64; K] = std::array::from_fn(|k| cascades[k][0].x2);
    let mut output_1: [[f64; K]; 3] =
        std::array::from_fn(|s| std::array::from_fn(|k| cascades[k][s].y1));
    let mut output_2: [[f64; K]; 3] =
        std::array::from_fn(|s| std::array::from_fn(|k| cascades[k][s].y2));

    let inputs: [&[f64]; K] = std::array::from_fn(|k| &inputs[k][range.clone()]);
    let mut output_iter = outputs.iter_mut();
    let mut outputs: [&mut [f64]; K] = std::array::from_fn(|_| {
        let output = output_iter.next().expect("an output per cascade");
        &mut output[range.clone()]
    });
    // Tiles of samples, transposed so that the cascades' samples of one instant lie side
    // by side in memory.
    let mut tile = [[0.0; K]; TILE_LEN];
    let mut tile_start = 0;
    while tile_start < range.len() {
        let tile_len = TILE_LEN.min(range.len() - tile_start);
        let tile = &mut tile[..tile_len];
        for (k, input) in inputs.iter().enumerate() {
            for (lanes, &x) in tile.iter_mut().zip(&input[tile_start..]) {
                lanes[k] = x;
            }
        }
        for lanes in tile.iter_mut() {
            let input = *lanes;
            let (mut x, mut x_1, mut x_2) = (input, input_1, input_2);
            for (section, [b0, b1, b2, a1, a2]) in coefficients.iter().enumerate() {
                let (y_1, y_2) = (output_1[section], output_2[section]);
                let y: [f64; K] = std::array::from_fn(|k| {
                    let known = b0 * x[k] + b1 * x_1[k] + b2 * x_2[k] - a2 * y_2[k];
                    known - a1 * y_1[k]
                });
                (output_2[section], output_1[section]) = (y_1, y);
                (x, x_1, x_2) = (y, y_1, y_2);
            }
            (input_2, input_1) = (input_1, input);
            *lanes = x;
        }
        for (k, output) in outputs.iter_mut().enumerate() {
            for (y, lanes) in output[tile_start..].iter_mut().zip(tile.iter()) {
                *y = lanes[k];
            }
        }
        tile_start += tile_len;
    }

    // Back to one state per section, each section's input history from the one before.
    for (k, cascade) in cascades[..K].iter_mut().enumerate() {
        let (mut x_1, mut x_2) = (input_1[k], input_2[k]);
        for (section, biquad) in cascade.iter_mut().enumerate() {
            (biquad.x1, biquad.x2) = (x_1, x_2);
            (biquad.y1, biquad.y2) = (output_1[section][k], output_2[section][k]);
            (x_1, x_2) = (biquad.y1, biquad.y2);
        }
    }
}

/// The sum of the squares of `values`, in four interleaved partial sums so that the
/// additions overlap; always the same grouping for the same values.
fn sum_of_squares(values: &[f64]) -> f64 {
    let mut partial = [0.0; 4];
    let mut quads = values.chunks_exact(4);
    for quad in &mut quads {
        for (sum, y) in partial.iter_mut().zip(quad) {
            *sum += y * y;
        }
    }
    let tail: f64 = quads.remainder().iter().map(|y| y * y).sum();
    (partial[0] + partial[1]) + (partial[2] + partial[3]) + tail
}

/// Copies `values` into `ring` from absolute sample `start` on, wrapping around.
fn write_ring(ring: &mut [f64], start: usize, values: &[f64]) {
    let offset = start % ring.len();
    let (before_wrap, after_wrap) = values.split_at(values.len().min(ring.len() - offset));
    ring[offset..offset + before_wrap.len()].copy_from_slice(before_wrap);
    ring[..after_wrap.len()].copy_from_slice(after_wrap);
}

/// Copies the samples of `ring` from absolute sample `start` on into `values`.
fn read_ring(ring: &[f64], start: usize, values: &mut [f64]) {
    let offset = start % ring.len();
    let before_wrap = values.len().min(ring.len() - offset);
    let (first, second) = values.split_at_mut(before_wrap);
    first.copy_from_slice(&ring[offset..offset + before_wrap]);
    second.copy_from_slice(&ring[..second.len()]);
}

/// Puts every section of a cascade in its steady state for a constant input `x0`.
fn settle_cascade(cascade: &mut [Biquad], x0: f64) {
    let mut input = x0;
    for section in cascade {
        input = section.settle(input);
    }
}

/// A second-order IIR section in direct form I, with its state: the last two inputs and
/// outputs.
///
/// Direct form I keeps the loop-carried dependency short: only `a1 * y[n-1]` and one
/// subtraction wait for the previous output, so a cascade runs near one sample per few
/// cycles. Its rounding noise is no concern at the frequencies used here in `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Biquad {
    b0: f64,
    b1: f64,
    b2: f64,
    a1: f64,
    a2: f64,
    x1: f64,
    x2: f64,
    y1: f64,
    y2: f64,
}

impl Biquad {
    /// A section that passes its input unchanged.
    const IDENTITY: Biquad = Biquad {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
        x1: 0.0,
        x2: 0.0,
        y1: 0.0,
        y2: 0.0,
    };

    /// Audio EQ Cookbook low-pass at `cutoff_hz` with quality `q`.
    fn low_pass(cutoff_hz: f64, q: f64, sample_rate: f64) -> Self {
        let (cos_w0, alpha) = Self::angle_terms(cutoff_hz, q, sample_rate);
        let side = (1.0 - cos_w0) / 2.0;
        Self::normalised([side, 1.0 - cos_w0, side], cos_w0, alpha)
    }

    /// Audio EQ Cookbook high-pass at `cutoff_hz` with quality `q`.
    fn high_pass(cutoff_hz: f64, q: f64, sample_rate: f64) -> Self {
        let (cos_w0, alpha) = Self::angle_terms(cutoff_hz, q, sample_rate);
        let side = (1.0 + cos_w0) / 2.0;
        Self::normalised([side, -(1.0 + cos_w0), side], cos_w0, alpha)
    }

    /// Audio EQ Cookbook band-pass with 0 dB gain at `centre_hz` and quality `q`.
    fn band_pass(centre_hz: f64, q: f64, sample_rate: f64) -> Self {
        let (cos_w0, alpha) = Self::angle_terms(centre_hz, q, sample_rate);
        Self::normalised([alpha, 0.0, -alpha], cos_w0, alpha)
    }

    /// `cos(w0)` and `alpha = sin(w0) / (2 q)` for `w0 = 2 pi f / sample_rate`.
    fn angle_terms(frequency_hz: f64, q: f64, sample_rate: f64) -> (f64, f64) {
        let w0 = std::f64::consts::TAU * frequency_hz / sample_rate;
        (w0.cos(), w0.sin() / (2.0 * q))
    }

    /// The section with numerator `b` over the cookbook's common denominator
    /// `(1 + alpha) - 2 cos(w0) z^-1 + (1 - alpha) z^-2`, scaled so that `a0 = 1`.
    fn normalised(b: [f64; 3], cos_w0: f64, alpha: f64) -> Self {
        let a0 = 1.0 + alpha;
        Biquad {
            b0: b[0] / a0,
            b1: b[1] / a0,
            b2: b[2] / a0,
            a1: -2.0 * cos_w0 / a0,
            a2: (1.0 - alpha) / a0,
            x1: 0.0,
            x2: 0.0,
            y1: 0.0,
            y2: 0.0,
        }
    }

    /// Filters one sample.
    #[inline(always)]
    fn process(&mut self, x: f64) -> f64 {
        // Everything but the last product is ready before the previous output is.
        let known = self.b0 * x + self.b1 * self.x1 + self.b2 * self.x2 - self.a2 * self.y2;
        let y = known - self.a1 * self.y1;
        (self.x2, self.x1) = (self.x1, x);
        (self.y2, self.y1) = (self.y1, y);
        y
    }

    /// The largest radius of the section's poles, the roots of `z^2 + a1 z + a2`.
    fn pole_radius(&self) -> f64 {
        let discriminant = self.a1 * self.a1 - 4.0 * self.a2;
        if discriminant < 0.0 {
            self.a2.sqrt()
        } else {
            (self.a1.abs() + discriminant.sqrt()) / 2.0
        }
    }

    /// Sets the state to what an input held at `x0` forever leaves, and returns the output
    /// that goes with it (the section's gain at 0 Hz times `x0`).
    fn settle(&mut self, x0: f64) -> f64 {
        let dc_gain = (self.b0 + self.b1 + self.b2) / (1.0 + self.a1 + self.a2);
        let y0 = dc_gain * x0;
        (self.x1, self.x2) = (x0, x0);
        (self.y1, self.y2) = (y0, y0);
        y0
    }
}

/// A quantile of the last `capacity` values pushed, kept exact by a sorted copy of them.
///
/// Each push costs a binary search and a shift of at most `capacity` values, once per frame,
/// which is small next to filtering the frame's samples.
#[derive(Debug, Clone)]
struct RunningQuantile {
    history: VecDeque<f64>,
    sorted: Vec<f64>,
    capacity: usize,
    quantile: f64,
}

impl RunningQuantile {
    fn new(capacity: usize, quantile: f64) -> Self {
        RunningQuantile {
            history: VecDeque::with_capacity(capacity),
            sorted: Vec::with_capacity(capacity),
            capacity,
            quantile,
        }
    }

    /// Adds a value, forgetting the oldest once `capacity` are held. Values must not be NaN.
    ///
    /// When full, the oldest value's slot is reused: only the values between it and the
    /// new value's place move, one step, instead of a removal and an insertion that
    /// would each shift half the window on average.
    fn push(&mut self, value: f64) {
        let oldest = if self.history.len() == self.capacity {
            self.history.pop_front()
        } else {
            None
        };
        self.history.push_back(value);
        let Some(oldest) = oldest else {
            let index = self.sorted.partition_point(|&v| v < value);
            self.sorted.insert(index, value);
            return;
        };

        let freed = self.sorted.partition_point(|&v| v < oldest);
        let place = self.sorted.partition_point(|&v| v < value);
        if place > freed {
            // The new value goes above the freed slot: the values between move down.
            self.sorted.copy_within(freed + 1..place, freed);
            self.sorted[place - 1] = value;
        } else {
            // At or below it: the values between move up.
            self.sorted.copy_within(place..freed, place + 1);
            self.sorted[place] = value;
        }
    }

    /// The quantile of the values held, nearest rank; `None` before the first push.
    fn value(&self) -> Option<f64> {
        let last = self.sorted.len().checked_sub(1)?;
        let rank = (last as f64 * self.quantile).round() as usize;
        Some(self.sorted[rank])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::{rng, white_noise};

    const RATE: f64 = 48_000.0;

    #[test]
    fn the_running_quantile_matches_sorting_the_window() {
        let values = white_noise(&mut rng(3), 2_000);
        let (capacity, quantile) = (37, 0.5);
        let mut running = RunningQuantile::new(capacity, quantile);
        for (n, &value) in values.iter().enumerate() {
            running.push((value * 4.0).round());
            let start = (n + 1).saturating_sub(capacity);
            let mut window: Vec<f64> = values[start..=n]
                .iter()
                .map(|v| (v * 4.0).round())
                .collect();
            window.sort_by(f64::total_cmp);
            let rank = ((window.len() - 1) as f64 * quantile).round() as usize;
            assert_eq!(
                running.value(),
                Some(window[rank]),
                "after {} values",
                n + 1
            );
            assert!(running.sorted.windows(2).all(|w| w[0] <= w[1]));
        }
    }

    /// Runs a detector over `signal` in blocks of `block` samples.
    fn detect(signal: &[f64], config: &DetectorConfig, block: usize) -> Vec<Onset> {
        let mut detector = OnsetDetector::new(config.clone(), RATE, 0).unwrap();
        let mut onsets = Vec::new();
        for piece in signal.chunks(block.max(1)) {
            detector.push(piece, &mut onsets).unwrap();
        }
        detector.finish(&mut onsets);
        onsets
    }

    /// `seconds` of white noise at `rms`, from `seed`.
    fn noise(seconds: f64, rms: f64, seed: u64) -> Vec<f64> {
        let len = (seconds * RATE) as usize;
        white_noise(&mut rng(seed), len)
            .into_iter()
            .map(|x| rms * x)
            .collect()
    }

    /// Adds a decaying broadband burst (a crude shot) starting at sample `at`.
    fn add_burst(signal: &mut [f64], at: usize, amplitude: f64, seed: u64) {
        let burst = white_noise(&mut rng(seed), 2400);
        for (i, (slot, b)) in signal[at..].iter_mut().zip(burst).enumerate() {
            *slot += amplitude * b * (-(i as f64) / 300.0).exp();
        }
    }

    /// The steady-state amplitude gain of a section for a sine at `frequency_hz`.
    fn sine_gain(mut section: Biquad, frequency_hz: f64) -> f64 {
        let omega = std::f64::consts::TAU * frequency_hz / RATE;
        (0..48_000)
            .map(|n| section.process((omega * n as f64).sin()))
            .skip(24_000)
            .fold(0.0, |peak: f64, y| peak.max(y.abs()))
    }

    #[test]
    fn cookbook_sections_have_the_expected_gains() {
        let q = BUTTERWORTH_2_Q;
        let low = Biquad::low_pass(1000.0, q, RATE);
        let high = Biquad::high_pass(1000.0, q, RATE);
        let band = Biquad::band_pass(1000.0, OCTAVE_Q, RATE);

        // Butterworth: -3 dB at the cutoff; unity in the pass band, little in the stop band.
        assert!((sine_gain(low, 1000.0) - q).abs() < 1e-3);
        assert!((sine_gain(high, 1000.0) - q).abs() < 1e-3);
        assert!((sine_gain(low, 50.0) - 1.0).abs() < 1e-3);
        assert!(sine_gain(high, 50.0) < 0.01);
        assert!((sine_gain(band, 1000.0) - 1.0).abs() < 1e-3);
        assert!(sine_gain(band, 250.0) < 0.3 && sine_gain(band, 4000.0) < 0.3);
    }

    #[test]
    fn a_settled_section_stays_put_on_a_constant_input() {
        for mut section in [
            Biquad::low_pass(800.0, 0.7, RATE),
            Biquad::high_pass(800.0, 0.7, RATE),
            Biquad::band_pass(800.0, OCTAVE_Q, RATE),
        ] {
            let y0 = section.settle(0.3);
            for _ in 0..100 {
                assert!((section.process(0.3) - y0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn the_running_quantile_matches_a_full_sort() {
        let values = white_noise(&mut rng(5), 500);
        let mut running = RunningQuantile::new(37, 0.3);
        for (i, &value) in values.iter().enumerate() {
            running.push(value);
            let mut window = values[(i + 1).saturating_sub(37)..=i].to_vec();
            window.sort_by(f64::total_cmp);
            let rank = ((window.len() - 1) as f64 * 0.3).round() as usize;
            assert_eq!(running.value(), Some(window[rank]), "after {i}");
        }
    }

    #[test]
    fn silence_constant_and_dc_inputs_have_no_onsets() {
        let config = DetectorConfig::default();
        let len = 3 * RATE as usize;
        let inputs = [vec![0.0; len], vec![0.7; len], vec![-1.0; len], {
            // A DC step mid-recording is a click, but a DC offset from the start is not.
            let mut hum = noise(3.0, 1e-4, 1);
            hum.iter_mut().for_each(|x| *x += 0.5);
            hum
        }];
        for (i, input) in inputs.iter().enumerate() {
            let onsets = detect(input, &config, 4096);
            assert!(onsets.is_empty(), "input {i}: {onsets:?}");
        }
    }

    #[test]
    fn a_burst_in_noise_is_found_to_a_millisecond_with_its_features() {
        let mut signal = noise(4.0, 1e-3, 2);
        let at = 100_003;
        add_burst(&mut signal, at, 0.1, 3);

        let onsets = detect(&signal, &DetectorConfig::default(), 1000);
        assert_eq!(onsets.len(), 1, "{onsets:?}");
        let onset = &onsets[0];
        let error_s = onset.time_s - at as f64 / RATE;
        assert!(error_s.abs() < 0.001, "timing error {error_s} s");
        assert_eq!(onset.sample_index, (onset.time_s * RATE).round() as usize);
        assert!(onset.snr_db > 20.0, "{onset:?}");
        assert!(onset.crest_factor > 3.0, "{onset:?}");
        assert!((onset.snr_db - (onset.level_dbfs - onset.noise_floor_dbfs)).abs() < 1e-12);
        // White noise has equal energy per hertz, so the octaves climb, about 3 dB each (less
        // at the bottom, where a short decaying burst has less than white noise's share).
        let levels = onset.band_levels_db;
        assert!(levels.windows(2).all(|pair| pair[1] > pair[0]), "{onset:?}");
        assert!((6.0..18.0).contains(&(levels[4] - levels[0])), "{onset:?}");
    }

    #[test]
    fn split_streams_match_one_serial_cascade() {
        // A DC offset, quiet noise and a loud burst, over several chunks, in odd blocks.
        let mut signal: Vec<f64> = noise(3.3, 1e-3, 21).iter().map(|x| x + 0.2).collect();
        add_burst(&mut signal, 100_000, 0.5, 22);
        let mut detector = OnsetDetector::new(DetectorConfig::default(), RATE, 0).unwrap();
        let mut serial = detector.band_filter;
        settle_cascade(&mut serial, signal[0]);
        let expected: Vec<f64> = signal
            .iter()
            .map(|&x| {
                let [first, second, third] = &mut serial;
                third.process(second.process(first.process(x)))
            })
            .collect();
        let mut onsets = Vec::new();
        for block in signal.chunks(30_001) {
            detector.push(block, &mut onsets).unwrap();
        }

        // The outputs still in the ring, and the state handed on, agree to far below the
        // signal's scale.
        let ring_len = detector.band_ring.len();
        let scale = expected.iter().fold(0.0, |peak: f64, y| peak.max(y.abs()));
        let first = signal.len() - ring_len;
        for (n, &serial_y) in expected.iter().enumerate().skip(first) {
            let error = (detector.band_ring[n % ring_len] - serial_y).abs();
            assert!(error <= 1e-12 * scale, "sample {n}: error {error}");
        }
        for (split, serial) in detector.band_filter.iter().zip(&serial) {
            for (a, b) in [
                (split.y1, serial.y1),
                (split.y2, serial.y2),
                (split.x1, serial.x1),
            ] {
                assert!(
                    (a - b).abs() <= 1e-12 * scale,
                    "{split:?} against {serial:?}"
                );
            }
        }
    }

    #[test]
    fn the_onsets_do_not_depend_on_the_block_sizes() {
        let mut signal = noise(6.0, 1e-3, 4);
        for (k, at) in [30, 60_000, 61_000, 150_000, 287_990]
            .into_iter()
            .enumerate()
        {
            add_burst(&mut signal, at, 0.05, 10 + k as u64);
        }
        let config = DetectorConfig::default();
        let reference = detect(&signal, &config, signal.len());
        assert_eq!(
            reference.len(),
            4,
            "the second burst is inside the hold: {reference:?}"
        );

        for block in [1, 7, 240, 241, 4096, 48_000] {
            assert_eq!(detect(&signal, &config, block), reference, "block {block}");
        }
        // Irregular blocks, including empty ones.
        let mut detector = OnsetDetector::new(config, RATE, 0).unwrap();
        let mut onsets = Vec::new();
        let mut rest = &signal[..];
        for size in (0..).map(|i: usize| (i * 7919) % 3001) {
            let (piece, later) = rest.split_at(size.min(rest.len()));
            detector.push(piece, &mut onsets).unwrap();
            rest = later;
            if rest.is_empty() {
                break;
            }
        }
        detector.finish(&mut onsets);
        assert_eq!(onsets, reference);
    }

    #[test]
    fn onsets_in_the_first_frame_and_at_the_very_end_are_found() {
        let mut signal = noise(2.0, 1e-3, 6);
        add_burst(&mut signal, 20, 0.1, 7);
        let end = signal.len() - 100;
        signal[end] += 0.3;

        let onsets = detect(&signal, &DetectorConfig::default(), 4096);
        assert_eq!(onsets.len(), 2, "{onsets:?}");
        assert!(
            (onsets[0].sample_index as i64 - 20).abs() < 10,
            "{onsets:?}"
        );
        assert!(
            (onsets[1].sample_index as i64 - end as i64).abs() < 10,
            "{onsets:?}"
        );
        for onset in &onsets {
            let values = [onset.level_dbfs, onset.snr_db, onset.crest_factor];
            assert!(
                values
                    .iter()
                    .chain(&onset.band_levels_db)
                    .all(|v| v.is_finite())
            );
        }
    }

    #[test]
    fn a_slow_swell_of_the_background_makes_no_onset() {
        // Noise rising by 24 dB over 4 s, like a lorry coming closer, then fading.
        let mut signal = noise(10.0, 1e-3, 8);
        let len = signal.len() as f64;
        for (n, x) in signal.iter_mut().enumerate() {
            let t = n as f64 / len;
            *x *= 10f64.powf(1.2 * (1.0 - (2.0 * t - 1.0).abs()));
        }
        let onsets = detect(&signal, &DetectorConfig::default(), 4096);
        assert!(onsets.is_empty(), "{onsets:?}");
    }

    #[test]
    fn non_finite_samples_are_named_and_the_detector_goes_on() {
        let mut clean = noise(3.0, 1e-3, 9);
        add_burst(&mut clean, 100_000, 0.1, 10);
        let mut signal = clean.clone();
        signal[50_000] = f64::NAN;

        // Blocks that end soon after the NaN, and blocks that go on well past it (the
        // rest of such a block must still count, or every later time comes out early).
        for block in [1000, 48_000, 90_000] {
            let mut detector = OnsetDetector::new(DetectorConfig::default(), RATE, 4).unwrap();
            let mut onsets = Vec::new();
            let mut errors = Vec::new();
            for piece in signal.chunks(block) {
                if let Err(e) = detector.push(piece, &mut onsets) {
                    errors.push(e.to_string());
                }
            }
            detector.finish(&mut onsets);
            assert_eq!(errors.len(), 1, "blocks of {block}: {errors:?}");
            assert!(
                errors[0].contains("sensor 4") && errors[0].contains("50000"),
                "blocks of {block}: {errors:?}"
            );
            let expected = detect(&clean, &DetectorConfig::default(), block);
            assert_eq!(onsets.len(), 1, "blocks of {block}: {onsets:?}");
            assert_eq!(onsets[0].sensor, 4);
            assert_eq!(
                onsets[0].sample_index, expected[0].sample_index,
                "blocks of {block}"
            );
        }
    }

    #[test]
    fn bad_settings_are_named() {
        let bad = |edit: fn(&mut DetectorConfig)| {
            let mut config = DetectorConfig::default();
            edit(&mut config);
            match OnsetDetector::new(config, RATE, 0).unwrap_err() {
                Error::InvalidParameter { name, .. } => name,
                other => panic!("expected an invalid parameter, got {other:?}"),
            }
        };
        assert_eq!(bad(|c| c.band_hz = (800.0, 500.0)), "band_hz");
        assert_eq!(bad(|c| c.band_hz = (30_000.0, 40_000.0)), "band_hz");
        assert_eq!(bad(|c| c.frame_s = 0.0), "frame_s");
        assert_eq!(bad(|c| c.frame_s = 1e-4), "frame_s");
        assert_eq!(bad(|c| c.threshold_db = f64::NAN), "threshold_db");
        assert_eq!(bad(|c| c.rearm_db = 20.0), "rearm_db");
        assert_eq!(bad(|c| c.rearm_db = -1.0), "rearm_db");
        assert_eq!(bad(|c| c.rearm_db = f64::NAN), "rearm_db");
        let config = DetectorConfig {
            rearm_db: 20.0,
            ..DetectorConfig::default()
        };
        let message = config.validate().unwrap_err().to_string();
        assert_eq!(
            message,
            "invalid rearm_db: expected a drop of at least 0 dB and less than threshold_db \
             (12 dB): after an onset, a frame's level must fall this far below the onset \
             threshold before another onset can fire, got 20 dB"
        );
        assert_eq!(bad(|c| c.floor_quantile = 1.0), "floor_quantile");
        assert_eq!(bad(|c| c.settle_s = 5.0), "settle_s");
        assert_eq!(bad(|c| c.hold_s = -1.0), "hold_s");
        for rate in [8000.0, 0.0, -48_000.0, f64::NAN] {
            let err = OnsetDetector::new(DetectorConfig::default(), rate, 0).unwrap_err();
            assert!(
                err.to_string().starts_with(
                    "invalid sample_rate: expected a finite rate of at least 12000 Hz"
                ),
                "{err}"
            );
        }

        // A band reaching Nyquist drops the low-pass instead of failing.
        assert!(OnsetDetector::new(DetectorConfig::default(), 16_000.0, 0).is_ok());
    }
}
