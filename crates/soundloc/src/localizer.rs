//! Frame-by-frame localisation of a fixed array: the geometry and the GCC plan are
//! kept from one frame to the next.
//!
//! A [`Localizer`] treats each multichannel frame as one event window and runs the
//! pipeline of [`crate::event`] on it: every pair's GCC within its physical lag limit,
//! a set of delays consistent around every triangle of microphones, then
//! [`crate::locate`] with outlier rejection. It is what the Python `locate_signals`
//! runs on a whole signal (one frame of the signal's length), so a frame gives the
//! same answer either way; a `Localizer` only saves the FFT planning and buffer
//! allocation between frames of the same length.
//!
//! # Example
//!
//! ```
//! use soundloc::event::EventOptions;
//! use soundloc::localizer::Localizer;
//! use soundloc::locate::LocateOptions;
//!
//! let positions = vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
//! let localizer = Localizer::new(
//!     positions,
//!     4096,
//!     48_000.0,
//!     None,
//!     EventOptions::default(),
//!     LocateOptions::default(),
//! )
//! .unwrap();
//! assert_eq!(localizer.n_mics(), 4);
//! ```

use crate::array::{COINCIDENT_TOLERANCE_M, distance};
use crate::error::{Error, Result};
use crate::event::{
    self, EventOptions, GccPlan, LocatedWindow, SensorRecordings, event_gcc_config,
};
use crate::locate::LocateOptions;
use crate::scene::EventWindow;

/// A localiser for frames of at most `frame_len` samples from a fixed set of
/// microphones.
#[derive(Debug, Clone)]
pub struct Localizer {
    ids: Vec<String>,
    positions: Vec<[f64; 3]>,
    frame_len: usize,
    sample_rate: f64,
    band_hz: Option<(f64, f64)>,
    options: EventOptions,
    locate_options: LocateOptions,
    plan: GccPlan,
}

impl Localizer {
    /// A localiser for microphones at `positions` (metres, local east-north-up), frames
    /// of at most `frame_len` samples at `sample_rate` Hz, GCC limited to `band_hz`
    /// (whole band for `None`). The speed of sound is `locate_options.speed_of_sound`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for fewer than two microphones, a non-finite
    /// position, two microphones at the same place, a speed of sound that is not positive and finite, and whatever
    /// [`crate::gcc::GccPhat::new`] refuses (frame length, sample rate, band).
    pub fn new(
        positions: Vec<[f64; 3]>,
        frame_len: usize,
        sample_rate: f64,
        band_hz: Option<(f64, f64)>,
        options: EventOptions,
        locate_options: LocateOptions,
    ) -> Result<Self> {
        check_positions(&positions)?;
        let speed = locate_options.speed_of_sound;
        if !(speed.is_finite() && speed > 0.0) {
            return Err(Error::parameter(
                "speed_of_sound",
                "a positive number of m/s",
                speed,
            ));
        }

        // Plan for full frames now: the first frame then costs no planning.
        let mut plan = GccPlan::default();
        plan.planned(frame_len, sample_rate, event_gcc_config(&options, band_hz))?;

        Ok(Localizer {
            ids: (0..positions.len()).map(|k| format!("mic {k}")).collect(),
            positions,
            frame_len,
            sample_rate,
            band_hz,
            options,
            locate_options,
            plan,
        })
    }

    /// Number of microphones.
    pub fn n_mics(&self) -> usize {
        self.positions.len()
    }

    /// Longest frame accepted, samples.
    pub fn frame_len(&self) -> usize {
        self.frame_len
    }

    /// Sample rate, Hz.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Microphone positions, metres.
    pub fn positions(&self) -> &[[f64; 3]] {
        &self.positions
    }

    /// Locates the source of one frame: `channels[k]` holds microphone `k`'s samples,
    /// every channel of the same length (2 to `frame_len` samples). `reference` is the
    /// microphone listed first (the pipeline still tries each heard microphone as the
    /// reference and keeps the best-supported position).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a number of channels other than `n_mics`, a
    /// reference out of range, or pairs further apart than the frame can show;
    /// [`Error::LengthMismatch`] for channels of different lengths or outside 2 to
    /// `frame_len` samples; [`Error::NonFinite`] for NaN or infinite samples;
    /// [`Error::NoEstimate`] and the solver's errors when too few microphones hear a
    /// consistent sound.
    pub fn locate(&mut self, channels: &[&[f64]], reference: usize) -> Result<LocatedWindow> {
        self.check_frame(channels, reference)?;
        let n_samples = channels[0].len();

        // The whole frame is the window; the reference comes first.
        let window = EventWindow {
            start_s: 0.0,
            end_s: n_samples as f64 / self.sample_rate,
            band_hz: self.band_hz,
            sensors: std::iter::once(reference)
                .chain((0..self.n_mics()).filter(|&k| k != reference))
                .collect(),
            label: None,
            expected: None,
        };
        let recordings = SensorRecordings {
            ids: self.ids.clone(),
            positions: self.positions.clone(),
            channels: channels.to_vec(),
            clock_offsets_s: vec![0.0; self.n_mics()],
            sample_rate: self.sample_rate,
            speed_of_sound: self.locate_options.speed_of_sound,
        };
        event::locate_window_with(
            &mut self.plan,
            &recordings,
            &window,
            &self.options,
            &self.locate_options,
        )
    }

    /// Checks the shape of a frame and the reference.
    fn check_frame(&self, channels: &[&[f64]], reference: usize) -> Result<()> {
        if channels.len() != self.n_mics() {
            return Err(Error::parameter(
                "channels",
                format!("one channel per microphone ({})", self.n_mics()),
                format!("{} channels", channels.len()),
            ));
        }
        if reference >= self.n_mics() {
            return Err(Error::parameter(
                "reference",
                format!("a microphone index in 0..{}", self.n_mics()),
                reference,
            ));
        }
        let n_samples = channels[0].len();
        if !(2..=self.frame_len).contains(&n_samples) {
            return Err(Error::LengthMismatch {
                what: format!("channel 0 (2 to frame_len = {} samples)", self.frame_len),
                expected: self.frame_len,
                got: n_samples,
            });
        }
        if let Some(k) = channels.iter().position(|c| c.len() != n_samples) {
            return Err(Error::LengthMismatch {
                what: format!("channel {k} (every channel as long as channel 0)"),
                expected: n_samples,
                got: channels[k].len(),
            });
        }
        Ok(())
    }
}

/// At least two microphones, at finite and distinct positions: two at one place (a
/// position typed twice) share every sound and measure no delay.
fn check_positions(positions: &[[f64; 3]]) -> Result<()> {
    if positions.len() < 2 {
        return Err(Error::parameter(
            "positions",
            "at least 2 microphones",
            positions.len(),
        ));
    }
    if let Some(bad) = positions
        .iter()
        .position(|p| p.iter().any(|v| !v.is_finite()))
    {
        return Err(Error::parameter(
            "positions",
            "finite coordinates in metres",
            format!("{:?} for microphone {bad}", positions[bad]),
        ));
    }
    for (i, a) in positions.iter().enumerate() {
        for (j, b) in positions.iter().enumerate().skip(i + 1) {
            if distance(*a, *b) < COINCIDENT_TOLERANCE_M {
                return Err(Error::parameter(
                    "positions",
                    format!(
                        "microphones at distinct places (at least {COINCIDENT_TOLERANCE_M} m apart)"
                    ),
                    format!("microphones {i} and {j} both at {a:?}"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locate::model_delay_s;
    use crate::test_utils::{delayed, rng, white_noise};

    const FS: f64 = 16_000.0;

    fn positions() -> Vec<[f64; 3]> {
        vec![
            [0.0, 0.0, 0.0],
            [2.0, 0.0, 0.2],
            [0.0, 2.0, 0.5],
            [2.0, 2.0, 0.0],
            [1.0, 1.0, 1.8],
            [-1.0, 1.0, 1.0],
        ]
    }

    /// A frame of `len` samples from a noise source at `source`, exact fractional
    /// delays to each microphone.
    fn frame(seed: u64, len: usize, source: [f64; 3]) -> Vec<Vec<f64>> {
        let noise = white_noise(&mut rng(seed), 4 * len);
        positions()
            .iter()
            .map(|&p| {
                let lag = model_delay_s(source, [0.0; 3], p, 343.0) * FS;
                delayed(&noise, lag)[len..2 * len].to_vec()
            })
            .collect()
    }

    fn localizer(frame_len: usize) -> Localizer {
        let locate_options = LocateOptions {
            speed_of_sound: 343.0,
            ..LocateOptions::default()
        };
        Localizer::new(
            positions(),
            frame_len,
            FS,
            None,
            EventOptions::default(),
            locate_options,
        )
        .unwrap()
    }

    #[test]
    fn recovers_a_simulated_source_frame_after_frame() {
        let source = [3.0, 1.5, 1.0];
        let mut localizer = localizer(2048);
        for seed in 0..3 {
            let channels = frame(seed, 2048, source);
            let slices: Vec<&[f64]> = channels.iter().map(Vec::as_slice).collect();
            let located = localizer.locate(&slices, 0).unwrap();
            let error = crate::array::distance(located.solution.position, source);
            assert!(error < 0.05, "seed {seed}: {error} m off");
        }
    }

    #[test]
    fn a_kept_plan_gives_what_a_fresh_one_gives() {
        let source = [-1.0, 3.3, 0.5];
        let mut kept = localizer(2048);
        for (seed, len) in [(4, 2048), (5, 1500), (6, 2048)] {
            let channels = frame(seed, len, source);
            let slices: Vec<&[f64]> = channels.iter().map(Vec::as_slice).collect();
            let reused = kept.locate(&slices, 0).unwrap();
            let fresh = localizer(len).locate(&slices, 0).unwrap();
            assert_eq!(reused, fresh, "frame of {len} samples");
        }
    }

    #[test]
    fn bad_frames_say_what_is_wrong() {
        let mut localizer = localizer(1024);
        let channels = frame(7, 1024, [1.0, 1.0, 1.0]);
        let slices: Vec<&[f64]> = channels.iter().map(Vec::as_slice).collect();
        let message = |result: Result<LocatedWindow>| result.unwrap_err().to_string();

        assert!(
            message(localizer.locate(&slices[..5], 0)).contains("one channel per microphone (6)")
        );
        assert!(message(localizer.locate(&slices, 6)).contains("reference"));
        let mut uneven = slices.clone();
        uneven[3] = &channels[3][..1000];
        let text = message(localizer.locate(&uneven, 0));
        assert!(
            text.contains("channel 3") && text.contains("1000"),
            "{text}"
        );
        let long = vec![vec![0.5; 2000]; 6];
        let long: Vec<&[f64]> = long.iter().map(Vec::as_slice).collect();
        assert!(message(localizer.locate(&long, 0)).contains("frame_len = 1024"));

        let one = Localizer::new(
            vec![[0.0; 3]],
            1024,
            FS,
            None,
            EventOptions::default(),
            LocateOptions::default(),
        );
        assert!(
            one.unwrap_err()
                .to_string()
                .contains("at least 2 microphones")
        );
    }

    #[test]
    fn a_non_finite_sample_is_named_with_its_pair_and_index() {
        let mut localizer = localizer(1024);
        let clean = frame(7, 1024, [1.0, 1.0, 1.0]);
        let mut message = |channel: usize, index: usize| {
            let mut channels = clean.clone();
            channels[channel][index] = f64::NAN;
            let slices: Vec<&[f64]> = channels.iter().map(Vec::as_slice).collect();
            localizer.locate(&slices, 0).unwrap_err().to_string()
        };

        // The reference leads every pair it is in; microphone 3 follows it.
        assert_eq!(
            message(0, 5),
            "sensors \"mic 0\"/\"mic 1\" signal i: expected finite values, got NaN at index 5"
        );
        assert_eq!(
            message(3, 100),
            "sensors \"mic 0\"/\"mic 3\" signal j: expected finite values, got NaN at index 100"
        );
    }

    #[test]
    fn two_microphones_at_one_place_are_refused_by_name() {
        let mut positions = positions();
        positions[4] = positions[1];
        let error = Localizer::new(
            positions,
            1024,
            FS,
            None,
            EventOptions::default(),
            LocateOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid positions: expected microphones at distinct places (at least 0.000001 m \
             apart), got microphones 1 and 4 both at [2.0, 0.0, 0.2]"
        );
    }

    #[test]
    fn microphones_kilometres_apart_say_the_frame_is_too_short() {
        // 1.5 km apart, a delay can reach 4.4 s (4.46 s with the margin for
        // position errors); a frame of 1024 samples at 16 kHz shows
        // 64 ms. The frame is refused, not searched over the lags it happens to hold.
        let far = vec![
            [0.0, 0.0, 0.0],
            [1500.0, 0.0, 0.0],
            [0.0, 1200.0, 0.0],
            [900.0, 900.0, 30.0],
        ];
        let locate_options = LocateOptions {
            speed_of_sound: 343.0,
            ..LocateOptions::default()
        };
        let mut localizer =
            Localizer::new(far, 1024, FS, None, EventOptions::default(), locate_options).unwrap();
        let noise: Vec<Vec<f64>> = (0..4u64)
            .map(|k| white_noise(&mut rng(9 + k), 1024))
            .collect();
        let channels: Vec<&[f64]> = noise.iter().map(Vec::as_slice).collect();
        let message = localizer.locate(&channels, 0).unwrap_err().to_string();
        assert!(
            message.contains("every delay between sensors \"mic 0\" and \"mic 1\" (-4.461 s")
                && message.contains("got the window 0.000 s to 0.064 s, too short"),
            "{message}"
        );
    }
}
