//! What each microphone of an array hears of one point source in free field, in memory.
//!
//! The deployment simulator (`simulate`) writes files and plays clips over a city
//! background. Notebooks and tests often want less: a signal, a source position and a few
//! microphones, and the signals back as arrays. [`free_field`] does that with the same exact
//! band-limited fractional delay ([`ClipSpectrum`]): the source is transformed once and
//! rendered at every microphone through `g e^(-j 2 pi f r / c)`, with `g = 1 / r` when
//! spherical spreading is asked for (the source's samples are then its signal at 1 m).
//!
//! # Time origin
//!
//! Sample 0 of every output channel is the instant the source emits its own sample 0. A
//! microphone `r` metres away hears that sample at `r / c` seconds, `r / c * sample_rate`
//! samples (a fraction in general). Every channel is
//! `source.len() + ceil(max_r / c * sample_rate)` samples long, so the farthest microphone
//! hears the whole source; the sinc tails beyond that are cut.
//!
//! As in the deployment simulator, the first and last 2 ms of the source are faded in and out
//! (a raised cosine, [`ClipSpectrum`]), so that its cut edges do not ring.
//!
//! # Noise
//!
//! With an SNR, each channel gets independent white Gaussian noise whose power is the
//! source's mean power (over its whole length) as it arrives at that microphone (times
//! `1 / r^2` with spreading), divided by `10^(snr_db / 10)`. The noise is drawn from a
//! ChaCha8 generator keyed by the seed and the microphone's index: the same seed gives the
//! same samples on every machine.

use num_complex::Complex64;
use rand::Rng;
use rand_distr::StandardNormal;

use super::{ClipSpectrum, PRE_ROLL, RandomStream, stream_rng};
use crate::array::distance;
use crate::error::{Error, Result};

/// Closest a point source may be to a microphone, metres: nearer, `1 / r` spreading and
/// the point-source model itself stop meaning anything.
pub const MIN_FREE_FIELD_DISTANCE_M: f64 = 0.01;

/// Most samples [`free_field`] writes, over all channels together (2 GiB of `f64`): a
/// source kilometres away at a high rate would otherwise ask for more memory than exists.
pub const MAX_FREE_FIELD_SAMPLES: usize = 1 << 28;

/// How [`free_field`] propagates the source and what it adds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FreeFieldOptions {
    /// Speed of sound, m/s.
    pub speed_of_sound: f64,
    /// Scale each channel by `1 / r` (`r` in metres): the source is its signal at 1 m.
    /// Without it every microphone hears the source at its own amplitude.
    pub spreading: bool,
    /// Add independent white noise to every channel at this SNR, dB (see the module docs).
    pub snr_db: Option<f64>,
    /// Seed of the noise.
    pub seed: u64,
}

impl Default for FreeFieldOptions {
    fn default() -> Self {
        FreeFieldOptions {
            speed_of_sound: crate::air::DEFAULT_SPEED_OF_SOUND,
            spreading: true,
            snr_db: None,
            seed: 0,
        }
    }
}

/// The signals `(n_mics, n_samples)` that microphones at `mic_positions` (metres) record of
/// `source`, sampled at `sample_rate` Hz and emitted from `source_position`, in free field.
/// Sample 0 is the source's emission of its sample 0 (see the module docs for the length,
/// the edge fades and the noise).
///
/// # Errors
/// [`Error::InvalidParameter`] for an empty source, a zero sample rate, a speed of sound
/// that is not a positive number, a non-finite SNR, a silent source with an SNR, or output
/// beyond [`MAX_FREE_FIELD_SAMPLES`], no microphone, or one within
/// [`MIN_FREE_FIELD_DISTANCE_M`] of the source; [`Error::NonFinite`] for a NaN or infinite
/// sample or coordinate.
pub fn free_field(
    source: &[f64],
    sample_rate: u32,
    source_position: [f64; 3],
    mic_positions: &[[f64; 3]],
    options: &FreeFieldOptions,
) -> Result<Vec<Vec<f64>>> {
    let distances = check(source, sample_rate, source_position, mic_positions, options)?;
    let rate = f64::from(sample_rate);
    let c = options.speed_of_sound;

    // Every channel long enough for the farthest microphone to hear the whole source.
    let longest_delay = distances.iter().fold(0.0, |a: f64, &r| a.max(r / c * rate));
    let n_samples = source.len() + longest_delay.ceil() as usize;
    if n_samples.saturating_mul(mic_positions.len()) > MAX_FREE_FIELD_SAMPLES {
        return Err(Error::parameter(
            "source_position",
            format!(
                "a source near enough that {} channels of {} samples stay within {} samples",
                mic_positions.len(),
                n_samples,
                MAX_FREE_FIELD_SAMPLES
            ),
            format!(
                "{:.1} m from the farthest microphone",
                longest_delay / rate * c
            ),
        ));
    }

    // One transform of the source; a block long enough that no tail wraps into the output.
    let spectrum = ClipSpectrum::new(source, sample_rate, sample_rate, n_samples + 2 * PRE_ROLL)?;
    let source_rms = rms(source);

    // Each microphone: delay and spread, then its own noise.
    let mut channels = Vec::with_capacity(distances.len());
    for (mic, &r) in distances.iter().enumerate() {
        let gain = if options.spreading { 1.0 / r } else { 1.0 };
        let tau = r / c;
        let mut channel = spectrum
            .render(|f, _| Complex64::from_polar(gain, -2.0 * std::f64::consts::PI * f * tau));
        channel.truncate(n_samples);

        if let Some(snr_db) = options.snr_db {
            let noise_rms = gain * source_rms * 10f64.powf(-snr_db / 20.0);
            let mut rng = stream_rng(options.seed, RandomStream::ArrayNoise, mic as u64, 0);
            for x in &mut channel {
                *x += noise_rms * rng.sample::<f64, _>(StandardNormal);
            }
        }
        if let Some(index) = channel.iter().position(|x| !x.is_finite()) {
            return Err(Error::parameter(
                "source",
                "amplitudes whose rendering and noise stay finite",
                format!("a non-finite sample at index {index} of microphone {mic}"),
            ));
        }
        channels.push(channel);
    }
    Ok(channels)
}

/// Root mean square of `samples` (not empty), scaled by the largest magnitude so that
/// the squares cannot overflow even for amplitudes near the largest `f64`.
fn rms(samples: &[f64]) -> f64 {
    let peak = samples.iter().fold(0.0_f64, |peak, x| peak.max(x.abs()));
    if peak == 0.0 {
        return 0.0;
    }
    let mean_square =
        samples.iter().map(|x| (x / peak).powi(2)).sum::<f64>() / samples.len() as f64;
    peak * mean_square.sqrt()
}

/// Checks the inputs of [`free_field`] and returns each microphone's distance from the
/// source, metres.
fn check(
    source: &[f64],
    sample_rate: u32,
    source_position: [f64; 3],
    mic_positions: &[[f64; 3]],
    options: &FreeFieldOptions,
) -> Result<Vec<f64>> {
    if source.is_empty() {
        return Err(Error::parameter("source", "at least one sample", "none"));
    }
    if sample_rate == 0 {
        return Err(Error::parameter("sample_rate", "a positive rate in Hz", 0));
    }
    let c = options.speed_of_sound;
    if !(c.is_finite() && c > 0.0) {
        return Err(Error::parameter(
            "speed_of_sound",
            "a positive number of m/s",
            c,
        ));
    }
    non_finite("source", source)?;
    non_finite("source_position", &source_position)?;
    for (mic, position) in mic_positions.iter().enumerate() {
        non_finite(&format!("mic_positions[{mic}]"), position)?;
    }
    if let Some(snr_db) = options.snr_db {
        if !snr_db.is_finite() {
            return Err(Error::parameter("snr_db", "a finite number of dB", snr_db));
        }
        if source.iter().all(|&x| x == 0.0) {
            return Err(Error::parameter(
                "source",
                "a source with sound in it to set the noise level from snr_db",
                "silence",
            ));
        }
    }
    if mic_positions.is_empty() {
        return Err(Error::parameter(
            "mic_positions",
            "at least one microphone",
            "none",
        ));
    }

    // A point source on top of a microphone has no meaningful level there.
    let distances: Vec<f64> = mic_positions
        .iter()
        .map(|&m| distance(source_position, m))
        .collect();
    for (mic, &r) in distances.iter().enumerate() {
        if r < MIN_FREE_FIELD_DISTANCE_M {
            return Err(Error::parameter(
                "source_position",
                format!("a source at least {MIN_FREE_FIELD_DISTANCE_M} m from every microphone"),
                format!("{r} m from microphone {mic}"),
            ));
        }
    }
    Ok(distances)
}

/// [`Error::NonFinite`] for the first NaN or infinite value of `values`.
fn non_finite(what: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite {
            what: what.to_string(),
            index,
            value: values[index].to_string(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Gaussian tone burst centred at `centre` samples, band-limited far below Nyquist.
    fn burst(n: f64, centre: f64) -> f64 {
        (-((n - centre) / 30.0).powi(2)).exp() * (2.0 * std::f64::consts::PI * 0.05 * n).cos()
    }

    #[test]
    fn each_microphone_hears_the_burst_delayed_by_r_over_c_and_spread_by_one_over_r() {
        let rate = 16_000;
        let source: Vec<f64> = (0..2000).map(|n| burst(n as f64, 1000.0)).collect();
        let mics = [[3.0, 0.0, 0.0], [0.0, 7.3, 0.0], [1.0, 2.0, 2.0]];
        let options = FreeFieldOptions {
            speed_of_sound: 340.0,
            ..FreeFieldOptions::default()
        };
        let channels = free_field(&source, rate, [0.0; 3], &mics, &options).unwrap();

        // The oracle: the burst evaluated at the delayed (fractional) instant, over 1/r.
        for (channel, mic) in channels.iter().zip(mics) {
            let r = distance([0.0; 3], mic);
            let lag = r / 340.0 * f64::from(rate);
            let worst = channel
                .iter()
                .enumerate()
                .map(|(n, x)| (x - burst(n as f64 - lag, 1000.0) / r).abs())
                .fold(0.0, f64::max);
            assert!(worst < 1e-9, "{mic:?}: {worst}");
            assert_eq!(
                channel.len(),
                2000 + (7.3f64 / 340.0 * 16_000.0).ceil() as usize
            );
        }
    }

    #[test]
    fn noise_is_at_the_snr_and_repeats_with_the_seed() {
        let source: Vec<f64> = (0..20_000).map(|n| (n as f64 * 0.3).sin()).collect();
        let mics = [[2.0, 0.0, 0.0]];
        let clean = free_field(&source, 8000, [0.0; 3], &mics, &FreeFieldOptions::default());
        let options = FreeFieldOptions {
            snr_db: Some(10.0),
            seed: 3,
            ..FreeFieldOptions::default()
        };
        let noisy = free_field(&source, 8000, [0.0; 3], &mics, &options).unwrap();
        let again = free_field(&source, 8000, [0.0; 3], &mics, &options).unwrap();
        assert_eq!(noisy, again);

        // Found by a tester: at amplitudes near 1e154 the source's power overflowed and
        // every noisy sample came out infinite. The noise scales with the source.
        let loud: Vec<f64> = source.iter().map(|x| x * 1e200).collect();
        let loud_noisy = free_field(&loud, 8000, [0.0; 3], &mics, &options).unwrap();
        for (big, small) in loud_noisy[0].iter().zip(&noisy[0]) {
            assert!((big / 1e200 - small).abs() <= 1e-9 * (1.0 + small.abs()));
        }

        let clean = &clean.unwrap()[0];
        let noise_power = noisy[0]
            .iter()
            .zip(clean)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / clean.len() as f64;
        let expected = 0.5 / 4.0 / 10.0;
        assert!((noise_power / expected - 1.0).abs() < 0.05, "{noise_power}");
    }

    #[test]
    fn bad_input_is_named() {
        let options = FreeFieldOptions::default();
        let on_top = free_field(&[1.0; 10], 8000, [1.0; 3], &[[1.0; 3]], &options);
        assert!(on_top.unwrap_err().to_string().contains("microphone 0"));
        let nan = free_field(&[1.0, f64::NAN], 8000, [0.0; 3], &[[1.0; 3]], &options);
        assert!(nan.unwrap_err().to_string().contains("source"));
        let huge = free_field(&[1.7e308; 64], 8000, [0.0; 3], &[[1.0, 0.0, 0.0]], &options);
        assert!(huge.unwrap_err().to_string().contains("stay finite"));
        let far = free_field(&[1.0; 10], 48_000, [1e9, 0.0, 0.0], &[[0.0; 3]], &options);
        assert!(far.unwrap_err().to_string().contains("source_position"));
        let silent = FreeFieldOptions {
            snr_db: Some(0.0),
            ..options
        };
        assert!(free_field(&[0.0; 10], 8000, [0.0; 3], &[[1.0; 3]], &silent).is_err());
    }
}
