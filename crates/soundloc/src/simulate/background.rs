//! The city background of each sensor, from one short real recording, without the sensors'
//! backgrounds correlating with each other.
//!
//! A 10 s ambience looped under every sensor would be a trap: GCC-PHAT between two sensors
//! would find a sharp peak at the difference of their offsets, and a localiser would report
//! a "source" that is an artefact of the simulator. Each sensor's background is therefore
//! built from its own random draws:
//!
//! - it is a sequence of overlapping segments, each `2 * hop` long and cross-faded with a
//!   sine window (power-complementary, so uncorrelated segments keep a steady level);
//! - each segment starts at a random offset of the recording and is played backwards half
//!   the time;
//! - each segment is convolved with its own short random filter (white Gaussian noise under
//!   an exponential decay, [`DECORRELATION_DECAY_S`], unit energy): a stand-in for the
//!   diffuse reflections of a street. Two sensors that happen to play the same stretch of
//!   the recording at nearly the same time hear it through independent random phase
//!   responses, which the phase transform turns into noise spread over tens of
//!   milliseconds instead of a peak;
//! - an independent white noise floor is added ([`crate::simulate::BackgroundSpec`]),
//!   which also fills the band above the recording's own bandwidth.
//!
//! Every segment and every block of the floor is drawn from a generator keyed by (seed,
//! sensor, segment index), so any stretch of the background is the same whichever chunk
//! it is rendered in.

use std::sync::Arc;

use num_complex::Complex64;
use rand::Rng;
use rand_distr::StandardNormal;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::{RandomStream, stream_rng};
use crate::error::{Error, Result};

/// Hop between segments, seconds: each segment lasts twice this.
pub const SEGMENT_HOP_S: f64 = 0.5;

/// Decay time constant of the decorrelation filters, seconds.
pub const DECORRELATION_DECAY_S: f64 = 0.005;

/// Length of the decorrelation filters, in decay time constants.
const FILTER_DECAYS: f64 = 6.0;

/// Ambience of one place, ready to be played under any number of sensors.
pub struct Background {
    /// The recording at the scene rate, scaled to unit RMS.
    ambience: Vec<f64>,
    /// Hop between segments, samples.
    hop: usize,
    /// Length of the decorrelation filters, samples.
    filter_len: usize,
    /// Seed of the scene.
    seed: u64,
    /// Transform length for a segment and its filter.
    fft_len: usize,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

impl std::fmt::Debug for Background {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Background")
            .field("ambience_len", &self.ambience.len())
            .field("hop", &self.hop)
            .field("filter_len", &self.filter_len)
            .finish_non_exhaustive()
    }
}

impl Background {
    /// Prepares `ambience` (already at `sample_rate` Hz) for playing; `seed` keys every draw.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an ambience that is silent or shorter than about
    /// 0.2 s.
    pub fn new(ambience: &[f64], sample_rate: u32, seed: u64) -> Result<Self> {
        let rate = sample_rate as f64;
        let filter_len = ((FILTER_DECAYS * DECORRELATION_DECAY_S * rate) as usize).max(1);

        // Segments of up to a second, at most a quarter of the recording each so that
        // offsets can vary.
        let hop =
            ((SEGMENT_HOP_S * rate) as usize).min(ambience.len().saturating_sub(filter_len) / 8);
        if hop < (0.05 * rate) as usize {
            return Err(Error::parameter(
                "background clip",
                "an ambience recording of at least 0.5 s",
                format!("{:.3} s", ambience.len() as f64 / rate),
            ));
        }
        let rms = (ambience.iter().map(|x| x * x).sum::<f64>() / ambience.len() as f64).sqrt();
        if !(rms > 0.0 && rms.is_finite()) {
            return Err(Error::parameter(
                "background clip",
                "an ambience recording with sound in it",
                "silence",
            ));
        }

        let fft_len = (2 * hop + 2 * filter_len).next_power_of_two();
        let mut planner = RealFftPlanner::<f64>::new();
        Ok(Background {
            ambience: ambience.iter().map(|x| x / rms).collect(),
            hop,
            filter_len,
            seed,
            fft_len,
            forward: planner.plan_fft_forward(fft_len),
            inverse: planner.plan_fft_inverse(fft_len),
        })
    }

    /// Adds the background of sensor `sensor` to `out`, whose first sample is sample `start`
    /// of the recording: the ambience at RMS `ambience_rms` plus a white floor at RMS
    /// `floor_rms` (both in sample units).
    pub fn add_to(
        &self,
        sensor: usize,
        ambience_rms: f64,
        floor_rms: f64,
        start: usize,
        out: &mut [f64],
    ) {
        let end = start + out.len();
        if out.is_empty() {
            return;
        }

        // Segment k covers [k hop, (k + 2) hop): the ones that overlap [start, end).
        let first = (start / self.hop) as i64 - 1;
        let last = ((end - 1) / self.hop) as i64;
        for k in first..=last {
            let segment = self.segment(sensor, k);
            add_overlap(out, start, k * self.hop as i64, &segment, ambience_rms);
        }

        // The floor, one block of `hop` samples per draw.
        for block in (start / self.hop)..=((end - 1) / self.hop) {
            let mut rng = stream_rng(self.seed, RandomStream::Floor, sensor as u64, block as u64);
            let floor: Vec<f64> = (0..self.hop).map(|_| rng.sample(StandardNormal)).collect();
            add_overlap(out, start, (block * self.hop) as i64, &floor, floor_rms);
        }
    }

    /// Segment `k` of sensor `sensor`: a random stretch of the ambience, maybe reversed,
    /// through a random decorrelation filter, under a sine window; `2 hop` samples.
    fn segment(&self, sensor: usize, k: i64) -> Vec<f64> {
        let mut rng = stream_rng(self.seed, RandomStream::Background, sensor as u64, k as u64);
        let len = 2 * self.hop;

        // The stretch (with the filter's run-in before it), maybe reversed.
        let span = len + self.filter_len;
        let offset = rng.random_range(0..=self.ambience.len() - span);
        let mut time = vec![0.0; self.fft_len];
        time[..span].copy_from_slice(&self.ambience[offset..offset + span]);
        if rng.random_bool(0.5) {
            time[..span].reverse();
        }

        // The filter: decaying Gaussian noise of unit energy.
        let decay_samples = self.filter_len as f64 / FILTER_DECAYS;
        let mut filter = vec![0.0; self.fft_len];
        for (n, tap) in filter[..self.filter_len].iter_mut().enumerate() {
            *tap = rng.sample::<f64, _>(StandardNormal) * (-(n as f64) / decay_samples).exp();
        }
        let energy: f64 = filter.iter().map(|t| t * t).sum();
        filter.iter_mut().for_each(|t| *t /= energy.sqrt());

        // Linear convolution through the transform (long enough not to wrap).
        let mut spectrum = self.forward.make_output_vec();
        let mut filter_spectrum = self.forward.make_output_vec();
        self.forward
            .process(&mut time, &mut spectrum)
            .expect("buffers come from the plan");
        self.forward
            .process(&mut filter, &mut filter_spectrum)
            .expect("buffers come from the plan");
        let scale = 1.0 / self.fft_len as f64;
        for (bin, h) in spectrum.iter_mut().zip(&filter_spectrum) {
            *bin *= h * scale;
        }
        let last = spectrum.len() - 1;
        spectrum[0] = Complex64::new(spectrum[0].re, 0.0);
        spectrum[last] = Complex64::new(spectrum[last].re, 0.0);
        self.inverse
            .process(&mut spectrum, &mut time)
            .expect("buffers come from the plan");

        // Past the run-in, under the window.
        let filtered = &time[self.filter_len..self.filter_len + len];
        filtered
            .iter()
            .enumerate()
            .map(|(n, x)| x * (std::f64::consts::PI * (n as f64 + 0.5) / len as f64).sin())
            .collect()
    }
}

/// Adds `gain * piece` to `out`, where `out[0]` is sample `out_start` and `piece[0]` is
/// sample `piece_start` of the recording; only the overlap is touched.
pub(crate) fn add_overlap(
    out: &mut [f64],
    out_start: usize,
    piece_start: i64,
    piece: &[f64],
    gain: f64,
) {
    let out_start = out_start as i64;
    let from = piece_start.max(out_start);
    let to = (piece_start + piece.len() as i64).min(out_start + out.len() as i64);
    if from >= to {
        return;
    }
    let out_range = (from - out_start) as usize..(to - out_start) as usize;
    let piece_range = (from - piece_start) as usize..(to - piece_start) as usize;
    for (o, p) in out[out_range].iter_mut().zip(&piece[piece_range]) {
        *o += gain * p;
    }
}
