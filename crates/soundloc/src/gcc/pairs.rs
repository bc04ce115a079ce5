//! GCC over every pair of a multichannel frame.
//!
//! `n` channels make `n (n - 1) / 2` pairs, but only `n` forward FFTs: each channel's
//! spectrum is computed once and shared by every pair it belongs to. Each pair then
//! costs one weighted cross-spectrum, one inverse FFT and the peak search of
//! [`GccPhat::tdoa_spectra`]. Channels and pairs are spread over the threads of the
//! current rayon pool, each worker with its own clone of the estimator (the FFT plans
//! are shared, the buffers are not); the result lists the pairs in the fixed order
//! `(0, 1), (0, 2), .., (0, n-1), (1, 2), ..` whatever the number of threads, and the
//! numbers do not depend on it either.

use rayon::prelude::*;

use super::{GccPhat, Spectrum, TdoaEstimate, compute_spectrum};
use crate::array::distance;
use crate::error::{Error, Result};

/// The delay of one pair of channels, `t_j - t_i`.
#[derive(Debug, Clone, PartialEq)]
pub struct PairTdoa {
    /// First channel of the pair.
    pub i: usize,
    /// Second channel of the pair (`j > i`).
    pub j: usize,
    /// The delay `t_j - t_i` with its quality, as [`GccPhat::tdoa`] gives it.
    pub estimate: TdoaEstimate,
}

/// How far, in seconds, the search of each pair's delay may reach (see
/// [`GccPhat::tdoa`]'s `max_delay_s`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum PairBounds {
    /// Every lag the frames allow (the default).
    #[default]
    Unbounded,
    /// The same bound for every pair, seconds.
    Uniform(f64),
    /// One bound per pair, seconds, in the order of [`all_pairs`]; build it from the
    /// microphone positions with [`PairBounds::from_positions`].
    PerPair(Vec<f64>),
}

impl PairBounds {
    /// Each pair's distance over the speed of sound: no pair can report a delay its
    /// geometry forbids. `positions` are in metres, `speed_of_sound` in m/s.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a non-finite position or a speed of sound that
    /// is not positive and finite.
    pub fn from_positions(positions: &[[f64; 3]], speed_of_sound: f64) -> Result<Self> {
        if !(speed_of_sound.is_finite() && speed_of_sound > 0.0) {
            return Err(Error::parameter(
                "speed_of_sound",
                "a positive number of m/s",
                speed_of_sound,
            ));
        }
        if let Some(bad) = positions
            .iter()
            .position(|p| p.iter().any(|v| !v.is_finite()))
        {
            return Err(Error::parameter(
                "positions",
                "finite coordinates in metres",
                format!("{:?} for channel {bad}", positions[bad]),
            ));
        }

        let bounds = all_pairs(positions.len())
            .map(|(i, j)| distance(positions[i], positions[j]) / speed_of_sound)
            .collect();
        Ok(PairBounds::PerPair(bounds))
    }

    /// The bound of the pair at `index` in [`all_pairs`] order.
    fn of_pair(&self, index: usize) -> Option<f64> {
        match self {
            PairBounds::Unbounded => None,
            PairBounds::Uniform(limit) => Some(*limit),
            PairBounds::PerPair(limits) => Some(limits[index]),
        }
    }

    /// Checks the bounds against `n_channels` channels.
    fn validate(&self, n_channels: usize) -> Result<()> {
        let limits: &[f64] = match self {
            PairBounds::Unbounded => &[],
            PairBounds::Uniform(limit) => std::slice::from_ref(limit),
            PairBounds::PerPair(limits) => {
                if limits.len() != pair_count(n_channels) {
                    return Err(Error::parameter(
                        "max_delay_s",
                        format!(
                            "one bound per pair ({} for {n_channels} channels)",
                            pair_count(n_channels)
                        ),
                        format!("{} bounds", limits.len()),
                    ));
                }
                limits
            }
        };
        match limits.iter().find(|l| !(l.is_finite() && **l >= 0.0)) {
            Some(bad) => Err(Error::parameter(
                "max_delay_s",
                "a non-negative number of seconds",
                bad,
            )),
            None => Ok(()),
        }
    }
}

/// The number of pairs `i < j` of `n_channels` channels.
pub fn pair_count(n_channels: usize) -> usize {
    n_channels * n_channels.saturating_sub(1) / 2
}

/// Every pair `(i, j)` with `i < j < n_channels`, in the order `(0, 1), (0, 2), ..,
/// (0, n-1), (1, 2), ..`.
pub fn all_pairs(n_channels: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n_channels).flat_map(move |i| (i + 1..n_channels).map(move |j| (i, j)))
}

impl GccPhat {
    /// The delay `t_j - t_i` of every pair `i < j` of `channels`, frames that start at
    /// the same instant, in the order of [`all_pairs`].
    ///
    /// One forward FFT per channel, then one inverse FFT per pair, spread over the
    /// threads of the current rayon pool; the answer is the same for any number of
    /// threads and equals [`GccPhat::tdoa`] on each pair. `bounds` limits each pair's
    /// search (see [`PairBounds`]).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for fewer than two channels, or bounds that are
    /// negative, non-finite, not one per pair, or that do not fit in the frames;
    /// [`Error::LengthMismatch`] for channels of different lengths (naming both) or
    /// longer than `frame_len`; [`Error::NonFinite`] for a NaN or infinite sample
    /// (naming the channel); [`Error::NoEstimate`] for a silent or constant channel
    /// (naming it) or a pair with no common energy in the band.
    pub fn tdoa_all_pairs<T: Copy + Into<f64> + Sync>(
        &self,
        channels: &[&[T]],
        bounds: &PairBounds,
    ) -> Result<Vec<PairTdoa>> {
        let n_channels = channels.len();
        if n_channels < 2 {
            return Err(Error::parameter(
                "channels",
                "at least 2 channels",
                n_channels,
            ));
        }
        let len = channels[0].len();
        if let Some(k) = channels.iter().position(|c| c.len() != len) {
            return Err(Error::LengthMismatch {
                what: format!("channel {k} (every channel as long as channel 0)"),
                expected: len,
                got: channels[k].len(),
            });
        }
        bounds.validate(n_channels)?;

        // One spectrum per channel, and every channel must carry a signal.
        let spectra = self.channel_spectra(channels)?;
        if let Some(k) = spectra.iter().position(|s| s.energy <= 0.0) {
            return Err(Error::NoEstimate {
                reason: format!("channel {k} is silent or constant after removing its mean"),
            });
        }

        // Every pair from the shared spectra, each worker with its own buffers; the
        // first failure in pair order is the one reported.
        let pairs: Vec<(usize, usize)> = all_pairs(n_channels).collect();
        let estimates: Vec<Result<PairTdoa>> = pairs
            .par_iter()
            .enumerate()
            .map_init(
                || self.clone(),
                |gcc, (index, &(i, j))| {
                    gcc.tdoa_spectra(
                        &spectra[i],
                        &spectra[j],
                        (len, len),
                        0,
                        bounds.of_pair(index),
                    )
                    .map(|estimate| PairTdoa { i, j, estimate })
                    .map_err(|error| name_channels(error, i, j))
                },
            )
            .collect();
        estimates.into_iter().collect()
    }

    /// The spectrum of every channel, computed in parallel with a time buffer and FFT
    /// scratch per worker.
    fn channel_spectra<T: Copy + Into<f64> + Sync>(
        &self,
        channels: &[&[T]],
    ) -> Result<Vec<Spectrum>> {
        let spectra: Vec<Result<Spectrum>> = channels
            .par_iter()
            .enumerate()
            .map_init(
                || (vec![0.0; self.fft_len], self.forward.make_scratch_vec()),
                |(time, scratch), (k, channel)| {
                    let mut spectrum = self.make_spectrum();
                    compute_spectrum(
                        &*self.forward,
                        time,
                        scratch,
                        self.frame_len,
                        channel,
                        &mut spectrum,
                        // Formatted only if an error needs it.
                        &format_args!("channel {k}"),
                    )?;
                    Ok(spectrum)
                },
            )
            .collect();
        spectra.into_iter().collect()
    }
}

/// Names the two channels of a pair in an error that speaks of "signal i" and
/// "signal j" or of no pair at all.
fn name_channels(error: Error, i: usize, j: usize) -> Error {
    let rename = |text: &str| {
        text.replace("signal i", &format!("channel {i}"))
            .replace("signal j", &format!("channel {j}"))
    };
    match error {
        Error::NoEstimate { reason } => Error::NoEstimate {
            reason: format!("channels {i} and {j}: {}", rename(&reason)),
        },
        Error::InvalidParameter {
            name,
            expected,
            got,
        } => Error::InvalidParameter {
            name,
            expected,
            got: format!("{got} for channels {i} and {j}"),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gcc::{GccConfig, Polarity};
    use crate::test_utils::{delayed, rng, white_noise};

    const FS: f64 = 16_000.0;

    /// `n` channels of one noise source, channel `k` delayed by `delays[k]` samples.
    fn channels(seed: u64, len: usize, delays: &[f64]) -> Vec<Vec<f64>> {
        let source = white_noise(&mut rng(seed), 4 * len);
        delays
            .iter()
            .map(|&d| delayed(&source, d)[len..2 * len].to_vec())
            .collect()
    }

    fn slices(channels: &[Vec<f64>]) -> Vec<&[f64]> {
        channels.iter().map(Vec::as_slice).collect()
    }

    #[test]
    fn every_pair_equals_the_single_pair_estimate() {
        let signals = channels(1, 1024, &[0.0, 7.0, -3.25, 12.5, 40.0]);
        let config = GccConfig {
            n_peaks: 3,
            ..GccConfig::default()
        };
        let mut gcc = GccPhat::new(1024, FS, config).unwrap();
        let bounds = PairBounds::Uniform(0.004);

        let all = gcc.tdoa_all_pairs(&slices(&signals), &bounds).unwrap();
        assert_eq!(all.len(), pair_count(5));
        for (pair, (i, j)) in all.iter().zip(all_pairs(5)) {
            assert_eq!((pair.i, pair.j), (i, j));
            let single = gcc.tdoa(&signals[i], &signals[j], Some(0.004)).unwrap();
            assert_eq!(pair.estimate, single, "pair ({i}, {j})");
        }
    }

    #[test]
    fn known_delays_come_back_with_the_sign_convention() {
        // Channel k hears the source `delays[k]` samples late: tdoa(i, j) = d_j - d_i.
        let delays = [0.0, 5.0, -9.0, 2.3, 17.75, -0.4];
        let signals = channels(2, 2048, &delays);
        let gcc = GccPhat::new(2048, FS, GccConfig::default()).unwrap();

        let all = gcc
            .tdoa_all_pairs(&slices(&signals), &PairBounds::Unbounded)
            .unwrap();
        for pair in &all {
            let expected = delays[pair.j] - delays[pair.i];
            let lag = pair.estimate.lag;
            assert!(
                (lag - expected).abs() < 0.05,
                "pair ({}, {}): {lag} samples, expected {expected}",
                pair.i,
                pair.j
            );
            assert!((pair.estimate.delay_s - lag / FS).abs() < 1e-12);
            if expected.fract() == 0.0 {
                assert_eq!(lag.round(), expected, "integer delay {expected}");
            }
        }
    }

    #[test]
    fn one_or_two_threads_give_the_same_answer() {
        let signals = channels(3, 1500, &[0.0, 3.0, 8.5, -6.0, 11.0, 1.0, -2.5]);
        let gcc = GccPhat::new(1500, FS, GccConfig::default()).unwrap();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    gcc.tdoa_all_pairs(&slices(&signals), &PairBounds::Uniform(0.002))
                        .unwrap()
                })
        };
        assert_eq!(run(1), run(2));
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn position_bounds_limit_each_pair() {
        // Mics 0.1 m and 2 m apart; the source leads to a 20-sample delay on the far
        // pair, which the near pair's bound (under 5 samples) cannot show.
        let positions = [[0.0, 0.0, 0.0], [0.1, 0.0, 0.0], [2.0, 0.0, 0.0]];
        let bounds = PairBounds::from_positions(&positions, 343.0).unwrap();
        let PairBounds::PerPair(limits) = &bounds else {
            panic!("per-pair bounds expected");
        };
        assert!((limits[0] - 0.1 / 343.0).abs() < 1e-15);
        assert!((limits[1] - 2.0 / 343.0).abs() < 1e-15);
        assert!((limits[2] - 1.9 / 343.0).abs() < 1e-15);

        let signals = channels(4, 2048, &[0.0, 20.0, 20.0]);
        let gcc = GccPhat::new(2048, FS, GccConfig::default()).unwrap();
        let all = gcc.tdoa_all_pairs(&slices(&signals), &bounds).unwrap();
        for (pair, limit) in all.iter().zip(limits) {
            assert!(pair.estimate.delay_s.abs() <= limit + 1e-12);
            assert_eq!(pair.estimate.max_delay_s, *limit);
        }
        assert!((all[1].estimate.lag - 20.0).abs() < 0.05);
    }

    #[test]
    fn float32_and_int16_channels_agree_with_float64() {
        let signals = channels(5, 512, &[0.0, 4.0, -7.0]);
        let as_i16: Vec<Vec<i16>> = signals
            .iter()
            .map(|c| c.iter().map(|v| (v * 3000.0).round() as i16).collect())
            .collect();
        let as_f64: Vec<Vec<f64>> = as_i16
            .iter()
            .map(|c| c.iter().map(|&v| f64::from(v)).collect())
            .collect();
        let gcc = GccPhat::new(512, FS, GccConfig::default()).unwrap();

        let from_i16 = gcc
            .tdoa_all_pairs(
                &as_i16.iter().map(Vec::as_slice).collect::<Vec<_>>(),
                &PairBounds::Unbounded,
            )
            .unwrap();
        let from_f64 = gcc
            .tdoa_all_pairs(&slices(&as_f64), &PairBounds::Unbounded)
            .unwrap();
        assert_eq!(from_i16, from_f64);
    }

    #[test]
    fn bad_input_names_what_is_wrong() {
        let gcc = GccPhat::new(256, FS, GccConfig::default()).unwrap();
        let noise = white_noise(&mut rng(6), 256);
        let other = white_noise(&mut rng(7), 256);
        let message = |result: Result<Vec<PairTdoa>>| result.unwrap_err().to_string();

        let one = message(gcc.tdoa_all_pairs(&[&noise[..]], &PairBounds::Unbounded));
        assert!(one.contains("at least 2 channels"), "{one}");

        let uneven = message(gcc.tdoa_all_pairs(
            &[&noise[..], &other[..], &other[..200]],
            &PairBounds::Unbounded,
        ));
        assert!(
            uneven.contains("channel 2") && uneven.contains("256") && uneven.contains("200"),
            "{uneven}"
        );

        let mut with_nan = other.clone();
        with_nan[17] = f64::NAN;
        let nan = message(gcc.tdoa_all_pairs(&[&noise[..], &with_nan[..]], &PairBounds::Unbounded));
        assert!(
            nan.contains("channel 1") && nan.contains("index 17"),
            "{nan}"
        );

        let silent = vec![0.25; 256];
        let error = gcc
            .tdoa_all_pairs(
                &[&noise[..], &other[..], &silent[..]],
                &PairBounds::Unbounded,
            )
            .unwrap_err();
        assert!(matches!(error, Error::NoEstimate { .. }));
        assert!(error.to_string().contains("channel 2 is silent"), "{error}");

        let short = message(gcc.tdoa_all_pairs(
            &[&noise[..], &other[..], &noise[..]],
            &PairBounds::PerPair(vec![0.001, 0.001]),
        ));
        assert!(
            short.contains("one bound per pair (3 for 3 channels)"),
            "{short}"
        );

        let negative =
            message(gcc.tdoa_all_pairs(&[&noise[..], &other[..]], &PairBounds::Uniform(-1.0)));
        assert!(negative.contains("max_delay_s"), "{negative}");

        let too_wide =
            message(gcc.tdoa_all_pairs(&[&noise[..], &other[..]], &PairBounds::Uniform(1.0)));
        assert!(too_wide.contains("channels 0 and 1"), "{too_wide}");

        let too_long = vec![1.0; 300];
        let long =
            message(gcc.tdoa_all_pairs(&[&too_long[..], &too_long[..]], &PairBounds::Unbounded));
        assert!(long.contains("channel 0") && long.contains("300"), "{long}");

        let bad_c = PairBounds::from_positions(&[[0.0; 3], [1.0, 0.0, 0.0]], 0.0);
        assert!(bad_c.unwrap_err().to_string().contains("speed_of_sound"));
    }

    #[test]
    fn either_polarity_flags_an_inverted_channel_in_every_pair() {
        let mut signals = channels(8, 1024, &[0.0, 6.0, -4.0]);
        signals[2].iter_mut().for_each(|v| *v = -*v);
        let config = GccConfig {
            polarity: Polarity::Either,
            ..GccConfig::default()
        };
        let gcc = GccPhat::new(1024, FS, config).unwrap();
        let all = gcc
            .tdoa_all_pairs(&slices(&signals), &PairBounds::Unbounded)
            .unwrap();
        let inverted: Vec<bool> = all.iter().map(|p| p.estimate.inverted).collect();
        assert_eq!(inverted, [false, true, true]);
    }
}
