//! Reading recordings from WAV files.
//!
//! A [`Recording`] holds every channel of a file as `f64` samples. Integer samples are scaled by
//! `2^(bits - 1)`, so full scale maps to [-1, 1) whatever the bit depth; float samples are kept
//! as they are. GCC-PHAT does not care about the scale, but a common one makes levels
//! comparable between recorders that wrote different formats.
//!
//! Supported: PCM integers of 8, 16, 24 and 32 bits and 32-bit IEEE floats, mono or
//! multichannel, with plain or `WAVE_FORMAT_EXTENSIBLE` headers (the [`hound`] crate reads
//! them).
//!
//! A bad file is an error, never a panic: a missing or empty file, a corrupt header, a zero
//! sample rate, data that end before the header says they should, and NaN or infinite float
//! samples (named by channel and sample index) are all reported with the file's path.
//!
//! # Limitations
//! [`read_channel_window`] reads the whole file and keeps one window of one channel. That is
//! fine for the few-minute recordings of a field deployment; streaming reads of long
//! recordings are to come.

use std::fs::File;
use std::io::BufReader;
use std::ops::Range;
use std::path::Path;

use hound::{SampleFormat, WavReader};

use crate::error::{Error, Result};

/// All channels of one recording, as `f64` samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// Samples per second per channel, Hz.
    pub sample_rate: u32,
    /// One vector per channel, each `n_samples` long; integer samples scaled to [-1, 1).
    pub channels: Vec<Vec<f64>>,
}

impl Recording {
    /// Number of channels.
    pub fn n_channels(&self) -> usize {
        self.channels.len()
    }

    /// Number of samples in each channel.
    pub fn n_samples(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Length of the recording, seconds.
    pub fn duration_s(&self) -> f64 {
        self.n_samples() as f64 / self.sample_rate as f64
    }

    /// The samples of `channel` from `start_s` for `duration_s` seconds, each rounded to the
    /// nearest sample.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a channel the recording does not have (the message says
    /// how many it has), a negative or non-finite start, a duration that is not positive, or a
    /// window that ends after the recording (the message gives the recording's length).
    pub fn window(&self, channel: usize, start_s: f64, duration_s: f64) -> Result<&[f64]> {
        let range = self
            .window_range(channel, start_s, duration_s)
            .map_err(|(name, expected, got)| Error::parameter(name, expected, got))?;
        Ok(&self.channels[channel][range])
    }

    /// The sample range of a window, or the parameter at fault with what was expected and
    /// what arrived.
    fn window_range(
        &self,
        channel: usize,
        start_s: f64,
        duration_s: f64,
    ) -> Result<Range<usize>, (&'static str, String, String)> {
        let n_channels = self.n_channels();
        if channel >= n_channels {
            return Err((
                "channel",
                format!("a channel index below {n_channels} (the file has {n_channels})"),
                channel.to_string(),
            ));
        }
        if !(start_s.is_finite() && start_s >= 0.0) {
            return Err((
                "start_s",
                "a finite start time of 0 s or later".into(),
                start_s.to_string(),
            ));
        }
        if !(duration_s.is_finite() && duration_s > 0.0) {
            return Err((
                "duration_s",
                "a finite, positive duration".into(),
                duration_s.to_string(),
            ));
        }

        // Round both ends to the nearest sample, and require the window to fit.
        let rate = self.sample_rate as f64;
        let start = (start_s * rate).round();
        let end = ((start_s + duration_s) * rate).round();
        let n_samples = self.n_samples();
        if end > n_samples as f64 || end <= start {
            return Err((
                "duration_s",
                format!(
                    "a window of at least one sample inside the recording, which lasts {} s \
                     ({n_samples} samples at {} Hz)",
                    self.duration_s(),
                    self.sample_rate
                ),
                format!(
                    "{duration_s} s from {start_s} s (ending at {} s)",
                    start_s + duration_s
                ),
            ));
        }
        Ok(start as usize..end as usize)
    }
}

/// Reads every channel of a WAV file.
///
/// # Errors
/// - [`Error::Io`] when the file cannot be opened (missing, no permission).
/// - [`Error::Audio`] for an empty file, a corrupt or unsupported header, a zero sample rate,
///   a file without samples, data that end early, or a NaN or infinite float sample (the
///   message names the channel and the sample index).
pub fn read_wav(path: &Path) -> Result<Recording> {
    let audio_error = |reason: String| Error::Audio {
        path: path.to_path_buf(),
        reason,
    };

    // Open the file, and refuse an empty one before the WAV reader sees it.
    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let file_len = file.metadata().map_err(io_error)?.len();
    if file_len == 0 {
        return Err(audio_error(
            "expected a WAV file, got an empty file (0 bytes)".into(),
        ));
    }

    // Parse the header.
    let mut reader =
        WavReader::new(BufReader::new(file)).map_err(|e| audio_error(describe_header_error(e)))?;
    let spec = reader.spec();
    if spec.sample_rate == 0 {
        return Err(audio_error(
            "expected a positive sample rate in the header, got 0 Hz".into(),
        ));
    }
    let n_channels = usize::from(spec.channels);
    let declared_per_channel = reader.duration() as usize;
    if declared_per_channel == 0 {
        return Err(audio_error("expected audio samples, got none".into()));
    }

    // Size the buffers by what the file can hold, not by what a corrupt header claims.
    let bytes_per_sample = usize::from(spec.bits_per_sample).div_ceil(8).max(1);
    let fits_in_file = file_len as usize / bytes_per_sample / n_channels;
    let capacity = declared_per_channel.min(fits_in_file);
    let mut channels = vec![Vec::with_capacity(capacity); n_channels];

    // Read the interleaved samples, scaling integers to [-1, 1).
    let truncated = |read: usize, e: hound::Error| {
        audio_error(format!(
            "expected {declared_per_channel} samples per channel as the header says, but the \
             data end after {} ({e})",
            read / n_channels
        ))
    };
    match spec.sample_format {
        SampleFormat::Int => {
            let scale = 1.0 / 2f64.powi(i32::from(spec.bits_per_sample) - 1);
            for (index, sample) in reader.samples::<i32>().enumerate() {
                let sample = sample.map_err(|e| truncated(index, e))?;
                channels[index % n_channels].push(f64::from(sample) * scale);
            }
        }
        SampleFormat::Float => {
            for (index, sample) in reader.samples::<f32>().enumerate() {
                let sample = sample.map_err(|e| truncated(index, e))?;
                if !sample.is_finite() {
                    return Err(audio_error(format!(
                        "expected finite samples, got {sample} in channel {} at sample {}",
                        index % n_channels,
                        index / n_channels
                    )));
                }
                channels[index % n_channels].push(f64::from(sample));
            }
        }
    }

    Ok(Recording {
        sample_rate: spec.sample_rate,
        channels,
    })
}

/// Reads one window of one channel of a WAV file: the sample rate, Hz, and the samples of
/// `channel` from `start_s` for `duration_s` seconds (each end rounded to the nearest sample).
///
/// The whole file is read for now (see the module's limitations).
///
/// # Errors
/// The errors of [`read_wav`], and [`Error::Audio`] for a channel the file does not have (the
/// message says how many it has) or a window outside the recording (the message gives the
/// recording's length in seconds).
pub fn read_channel_window(
    path: &Path,
    channel: usize,
    start_s: f64,
    duration_s: f64,
) -> Result<(u32, Vec<f64>)> {
    let mut recording = read_wav(path)?;
    let range = recording
        .window_range(channel, start_s, duration_s)
        .map_err(|(name, expected, got)| Error::Audio {
            path: path.to_path_buf(),
            reason: format!("{name}: expected {expected}, got {got}"),
        })?;

    // Keep only the one channel's window.
    let mut samples = recording.channels.swap_remove(channel);
    samples.truncate(range.end);
    samples.drain(..range.start);
    Ok((recording.sample_rate, samples))
}

/// Explains why a WAV header could not be read.
fn describe_header_error(error: hound::Error) -> String {
    match error {
        hound::Error::Unsupported => "expected 8, 16, 24 or 32-bit integer or 32-bit float PCM, \
                                      got an unsupported WAV format"
            .into(),
        hound::Error::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "expected a complete WAV header, got a file that ends inside it".into()
        }
        other => format!("expected a valid WAV header: {other}"),
    }
}
