//! Sensor outages: when a sensor of a continuous deployment recorded nothing usable.
//!
//! Sensors in a street fail in ordinary ways. A recorder whose microphone is unplugged,
//! whose preamplifier loses power or whose buffer underruns keeps writing, but writes one
//! value over and over: digital silence (zeros) or a stuck converter (a constant). A
//! recorder that loses its power or its card stops writing, and its file ends before the
//! others. Neither is a sound to correlate: a GCC-PHAT of a flat stretch has no peak, and
//! a sensor that recorded nothing cannot vote on a position.
//!
//! [`FlatRunFinder`] watches a sensor's samples as they stream by and reports every run of
//! identical samples at least [`MIN_OUTAGE_S`] long. A live microphone never holds one
//! value that long: even a quiet 16-bit recording dithers by a step or two from sample to
//! sample, and a 0.25 s run at 8 kHz is 2000 equal samples in a row. Continuous detection
//! ([`crate::continuous`]) turns the runs, and files that end early, into [`Outage`]s:
//! it leaves the sensor out of the events it could not have heard, says so in each
//! event's rejected sensors, and lists the outages with the detection, so that an
//! operator sees which sensor was missing when.

use std::fmt;

/// The shortest run of identical samples taken as an outage, seconds.
pub const MIN_OUTAGE_S: f64 = 0.25;

/// Why a sensor recorded nothing usable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutageKind {
    /// Every sample held this value (0 for digital silence).
    Flat {
        /// The value held, in the file's full-scale units.
        value: f64,
    },
    /// The sensor's file ended before the others.
    Ended,
}

impl OutageKind {
    /// `"flat"` or `"ended"`, as the command-line tool's JSON and Python name the kinds.
    pub fn name(self) -> &'static str {
        match self {
            OutageKind::Flat { .. } => "flat",
            OutageKind::Ended => "ended",
        }
    }

    /// The value held, for a flat outage.
    pub fn value(self) -> Option<f64> {
        match self {
            OutageKind::Flat { value } => Some(value),
            OutageKind::Ended => None,
        }
    }
}

/// A stretch of time in which one sensor recorded nothing usable.
#[derive(Debug, Clone, PartialEq)]
pub struct Outage {
    /// The sensor (an index into the scene's sensors).
    pub sensor: usize,
    /// Start, seconds from the start of the recordings (true time: the sensor's clock
    /// offset removed).
    pub start_s: f64,
    /// End, seconds, true time.
    pub end_s: f64,
    /// Why.
    pub kind: OutageKind,
}

impl Outage {
    /// Whether the outage spans the whole of `[start_s, end_s]`, seconds.
    pub fn covers(&self, start_s: f64, end_s: f64) -> bool {
        self.start_s <= start_s && end_s <= self.end_s
    }
}

impl fmt::Display for Outage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            OutageKind::Flat { value } => write!(
                f,
                "no signal from {:.3} s to {:.3} s (every sample {value})",
                self.start_s, self.end_s
            ),
            OutageKind::Ended => write!(
                f,
                "no recording from {:.3} s to {:.3} s (its file ends there)",
                self.start_s, self.end_s
            ),
        }
    }
}

/// Finds runs of identical samples in a stream fed block by block.
///
/// Memory is constant apart from the runs found. Runs are reported in samples from the
/// start of the stream, as `(first, end, value)` with `end` exclusive.
#[derive(Debug, Clone)]
pub struct FlatRunFinder {
    min_length: usize,
    value: f64,
    start: usize,
    position: usize,
    runs: Vec<(usize, usize, f64)>,
}

impl FlatRunFinder {
    /// A finder of runs at least `min_length` samples long (at least 2).
    pub fn new(min_length: usize) -> Self {
        FlatRunFinder {
            min_length: min_length.max(2),
            value: f64::NAN,
            start: 0,
            position: 0,
            runs: Vec::new(),
        }
    }

    /// Feeds the next samples of the stream.
    pub fn push(&mut self, samples: &[f64]) {
        for &sample in samples {
            // NaN never equals itself, so the first sample always opens a run.
            if sample != self.value {
                self.close_run();
                self.value = sample;
                self.start = self.position;
            }
            self.position += 1;
        }
    }

    /// Ends the stream and returns the runs found, in order.
    pub fn finish(mut self) -> Vec<(usize, usize, f64)> {
        self.close_run();
        self.runs
    }

    /// Keeps the run that ends here when it is long enough.
    fn close_run(&mut self) {
        if self.position - self.start >= self.min_length {
            self.runs.push((self.start, self.position, self.value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runs of `samples` found by scanning all of it at once, the obvious way.
    fn naive_runs(samples: &[f64], min_length: usize) -> Vec<(usize, usize, f64)> {
        let mut runs = Vec::new();
        let mut start = 0;
        for i in 1..=samples.len() {
            if i == samples.len() || samples[i] != samples[start] {
                if i - start >= min_length {
                    runs.push((start, i, samples[start]));
                }
                start = i;
            }
        }
        runs
    }

    #[test]
    fn runs_match_a_whole_scan_however_the_stream_is_cut() {
        // Noise with flat stretches at the start, in the middle (two values back to back)
        // and at the end, plus one run just too short to count.
        let mut samples: Vec<f64> = vec![0.0; 30];
        samples.extend((0..50).map(|i| ((i * 7919) % 13) as f64 - 6.0));
        samples.extend([0.5; 25]);
        samples.extend([-0.25; 40]);
        samples.extend((0..50).map(|i| ((i * 104_729) % 11) as f64));
        samples.extend([3.0; 19]);
        samples.extend((0..10).map(f64::from));
        samples.extend([0.0; 20]);
        let want = naive_runs(&samples, 20);
        assert_eq!(want.len(), 4, "{want:?}");

        for block in [1, 3, 7, 20, 64, samples.len()] {
            let mut finder = FlatRunFinder::new(20);
            for chunk in samples.chunks(block) {
                finder.push(chunk);
            }
            assert_eq!(finder.finish(), want, "blocks of {block}");
        }
    }

    #[test]
    fn a_stream_of_noise_has_no_runs_and_an_empty_one_has_none() {
        let noise: Vec<f64> = (0..1000).map(|i| ((i * 31) % 17) as f64).collect();
        let mut finder = FlatRunFinder::new(2);
        finder.push(&noise);
        assert!(finder.finish().is_empty());
        assert!(FlatRunFinder::new(5).finish().is_empty());
    }

    #[test]
    fn outages_cover_and_describe_themselves() {
        let outage = Outage {
            sensor: 2,
            start_s: 10.0,
            end_s: 20.0,
            kind: OutageKind::Flat { value: 0.0 },
        };
        assert!(outage.covers(10.0, 20.0));
        assert!(outage.covers(12.0, 13.0));
        assert!(!outage.covers(9.9, 11.0));
        assert!(!outage.covers(19.0, 20.1));
        assert_eq!(
            outage.to_string(),
            "no signal from 10.000 s to 20.000 s (every sample 0)"
        );
    }
}
