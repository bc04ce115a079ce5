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
//! # Streaming
//! Recordings of a deployment run for hours, so [`WavStream`] reads one channel block by block
//! with bounded memory: it reads the raw bytes of many frames at once and converts them in one
//! tight loop, which is far cheaper than decoding sample by sample. [`read_wav`] and
//! [`read_channel_window`] are built on it, so every path decodes with the same code. The
//! header is parsed by [`hound`]; the data are read straight from the file.
//!
//! ```no_run
//! use soundloc::audio::WavStream;
//!
//! let mut stream = WavStream::open("sensor-3.wav".as_ref())?;
//! let mut block = Vec::new();
//! while stream.read_channel_chunk(0, 48_000, &mut block)? > 0 {
//!     // process `block`: at most 48 000 samples of channel 0
//! }
//! # Ok::<(), soundloc::Error>(())
//! ```
//!
//! # Limitations
//! Only the first data chunk is read, and only the layouts listed above; compressed formats
//! and RF64 files over 4 GiB are refused with an error.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

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
        let range = window_range(
            (self.sample_rate, self.n_channels(), self.n_samples()),
            channel,
            start_s,
            duration_s,
        )
        .map_err(|(name, expected, got)| Error::parameter(name, expected, got))?;
        Ok(&self.channels[channel][range])
    }
}

/// The sample range of a window of a recording laid out as `(sample_rate, n_channels,
/// n_samples)`, or the parameter at fault with what was expected and what arrived.
fn window_range(
    (sample_rate, n_channels, n_samples): (u32, usize, usize),
    channel: usize,
    start_s: f64,
    duration_s: f64,
) -> Result<Range<usize>, (&'static str, String, String)> {
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
    let rate = f64::from(sample_rate);
    let start = (start_s * rate).round();
    let end = ((start_s + duration_s) * rate).round();
    if end > n_samples as f64 || end <= start {
        return Err((
            "duration_s",
            format!(
                "a window of at least one sample inside the recording, which lasts {} s \
                 ({n_samples} samples at {sample_rate} Hz)",
                n_samples as f64 / rate,
            ),
            format!(
                "{duration_s} s from {start_s} s (ending at {} s)",
                start_s + duration_s
            ),
        ));
    }
    Ok(start as usize..end as usize)
}

/// Reads every channel of a WAV file.
///
/// The samples are decoded in blocks by the same code as [`WavStream`], so both give the same
/// values to the bit.
///
/// # Errors
/// - [`Error::Io`] when the file cannot be opened (missing, no permission).
/// - [`Error::Audio`] for an empty file, a corrupt or unsupported header, a zero sample rate,
///   a file without samples, data that end early, or a NaN or infinite float sample (the
///   message names the channel and the sample index).
pub fn read_wav(path: &Path) -> Result<Recording> {
    let mut stream = WavStream::open(path)?;
    let n_samples = stream.n_samples();
    let mut channels = vec![Vec::with_capacity(n_samples); stream.n_channels()];

    // Read blocks of frames and spread each over the channels.
    while stream.position() < n_samples {
        let frames = stream.read_raw_frames(READ_ALL_BLOCK_FRAMES)?;
        for (channel, samples) in channels.iter_mut().enumerate() {
            stream.decode_channel(channel, frames, samples)?;
        }
    }

    Ok(Recording {
        sample_rate: stream.sample_rate(),
        channels,
    })
}

/// Reads one window of one channel of a WAV file: the sample rate, Hz, and the samples of
/// `channel` from `start_s` for `duration_s` seconds (each end rounded to the nearest sample).
///
/// Only the window's bytes are read, so a short window of a long file is cheap.
///
/// # Errors
/// The errors of [`WavStream::open`], and [`Error::Audio`] for a channel the file does not
/// have (the message says how many it has) or a window outside the recording (the message
/// gives the recording's length in seconds).
pub fn read_channel_window(
    path: &Path,
    channel: usize,
    start_s: f64,
    duration_s: f64,
) -> Result<(u32, Vec<f64>)> {
    let mut stream = WavStream::open(path)?;
    let layout = (
        stream.sample_rate(),
        stream.n_channels(),
        stream.n_samples(),
    );
    let range =
        window_range(layout, channel, start_s, duration_s).map_err(|(name, expected, got)| {
            stream.error(format!("{name}: expected {expected}, got {got}"))
        })?;

    let mut samples = Vec::with_capacity(range.len());
    stream.seek(range.start)?;
    stream.read_channel_chunk(channel, range.len(), &mut samples)?;
    Ok((stream.sample_rate(), samples))
}

/// Frames per block when [`read_wav`] reads a whole file.
const READ_ALL_BLOCK_FRAMES: usize = 1 << 16;

/// How the samples of a WAV file are stored, among the layouts [`WavStream`] decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// 8-bit integers, stored unsigned with 128 as zero.
    Unsigned8,
    /// 16-bit signed little-endian integers.
    Signed16,
    /// 24-bit signed little-endian integers, in 3-byte or 4-byte containers (the low three
    /// bytes hold the sample).
    Signed24,
    /// 32-bit signed little-endian integers.
    Signed32,
    /// 32-bit IEEE floats.
    Float32,
}

impl Encoding {
    /// The encoding of a sample format, its valid bits and its container size in bytes, or
    /// `None` for a layout that is not supported.
    fn from_header(format: SampleFormat, bits: u16, container_bytes: usize) -> Option<Self> {
        match (format, bits, container_bytes) {
            (SampleFormat::Int, 8, 1) => Some(Encoding::Unsigned8),
            (SampleFormat::Int, 16, 2) => Some(Encoding::Signed16),
            (SampleFormat::Int, 24, 3 | 4) => Some(Encoding::Signed24),
            (SampleFormat::Int, 32, 4) => Some(Encoding::Signed32),
            (SampleFormat::Float, 32, 4) => Some(Encoding::Float32),
            _ => None,
        }
    }

    /// Appends one sample of every frame of `raw` to `out`: the sample that starts `offset`
    /// bytes into each frame of `frame_bytes` bytes. Integers are scaled so that full scale
    /// maps to [-1, 1).
    fn decode_into(self, raw: &[u8], frame_bytes: usize, offset: usize, out: &mut Vec<f64>) {
        match self {
            Encoding::Unsigned8 => decode_strided(raw, frame_bytes, offset, out, |[byte]| {
                (f64::from(byte) - 128.0) * (1.0 / 128.0)
            }),
            Encoding::Signed16 => decode_strided(raw, frame_bytes, offset, out, |bytes| {
                f64::from(i16::from_le_bytes(bytes)) * (1.0 / 32_768.0)
            }),
            Encoding::Signed24 => {
                decode_strided(raw, frame_bytes, offset, out, |[low, middle, high]| {
                    // Place the three bytes at the top of an i32 and shift back to extend the sign.
                    f64::from(i32::from_le_bytes([0, low, middle, high]) >> 8) * (1.0 / 8_388_608.0)
                })
            }
            Encoding::Signed32 => decode_strided(raw, frame_bytes, offset, out, |bytes| {
                f64::from(i32::from_le_bytes(bytes)) * (1.0 / 2_147_483_648.0)
            }),
            Encoding::Float32 => decode_strided(raw, frame_bytes, offset, out, |bytes| {
                f64::from(f32::from_le_bytes(bytes))
            }),
        }
    }
}

/// Appends `decode` of the `N` bytes at `offset` in each frame of `raw`. A mono file takes a
/// separate path whose loop the compiler can unroll and vectorise.
fn decode_strided<const N: usize>(
    raw: &[u8],
    frame_bytes: usize,
    offset: usize,
    out: &mut Vec<f64>,
    decode: impl Fn([u8; N]) -> f64,
) {
    if frame_bytes == N {
        out.extend(
            raw.chunks_exact(N)
                .map(|sample| decode(std::array::from_fn(|i| sample[i]))),
        );
    } else {
        out.extend(raw.chunks_exact(frame_bytes).map(|frame| {
            let sample = &frame[offset..offset + N];
            decode(std::array::from_fn(|i| sample[i]))
        }));
    }
}

/// A WAV file open for reading one channel at a time, in blocks of any size, with memory
/// bounded by the largest block.
///
/// The header is checked when the file is opened, including that the file holds all the
/// samples the header declares, so a truncated recording is refused at once rather than
/// read as a short one.
#[derive(Debug)]
pub struct WavStream {
    path: PathBuf,
    file: File,
    encoding: Encoding,
    sample_rate: u32,
    n_channels: usize,
    n_samples: usize,
    /// Bytes per sample of one channel, as stored.
    container_bytes: usize,
    /// Byte offset of the first sample in the file.
    data_start: u64,
    /// Index of the next frame to read.
    position: usize,
    /// Raw bytes of the last block read, and the index of its first frame.
    raw: Vec<u8>,
    raw_start: usize,
}

impl WavStream {
    /// Opens a WAV file and checks its header.
    ///
    /// # Errors
    /// - [`Error::Io`] when the file cannot be opened or read.
    /// - [`Error::Audio`] for an empty file, a corrupt or unsupported header, a zero sample
    ///   rate, a file without samples, or a file shorter than its header says.
    pub fn open(path: &Path) -> Result<WavStream> {
        let audio_error = |reason: String| Error::Audio {
            path: path.to_path_buf(),
            reason,
        };
        let io_error = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };

        // Open the file, and refuse an empty one before the WAV parser sees it.
        let file = File::open(path).map_err(io_error)?;
        let file_len = file.metadata().map_err(io_error)?.len();
        if file_len == 0 {
            return Err(audio_error(
                "expected a WAV file, got an empty file (0 bytes)".into(),
            ));
        }

        // Parse the header, which leaves the reader at the first byte of the samples.
        let reader = WavReader::new(BufReader::new(file))
            .map_err(|e| audio_error(describe_header_error(e)))?;
        let spec = reader.spec();
        if spec.sample_rate == 0 {
            return Err(audio_error(
                "expected a positive sample rate in the header, got 0 Hz".into(),
            ));
        }
        let n_channels = usize::from(spec.channels);
        let n_samples = reader.duration() as usize;
        let n_values = reader.len() as usize;
        if n_samples == 0 {
            return Err(audio_error("expected audio samples, got none".into()));
        }
        let mut buffered = reader.into_inner();
        let data_start = buffered.stream_position().map_err(io_error)?;
        let mut file = buffered.into_inner();

        // The data chunk's length sits in the four bytes before its first sample; with the
        // number of samples it gives the container size (24-bit samples may fill 4 bytes).
        let mut data_len = [0u8; 4];
        file.seek(SeekFrom::Start(data_start.saturating_sub(4)))
            .and_then(|_| file.read_exact(&mut data_len))
            .map_err(io_error)?;
        let data_len = u64::from(u32::from_le_bytes(data_len));
        let container_bytes = (data_len / n_values as u64) as usize;
        let encoding =
            Encoding::from_header(spec.sample_format, spec.bits_per_sample, container_bytes)
                .ok_or_else(|| {
                    audio_error(format!(
                        "expected 8, 16, 24 or 32-bit integer or 32-bit float PCM, got {}-bit {:?} \
                     samples in {container_bytes}-byte containers",
                        spec.bits_per_sample, spec.sample_format
                    ))
                })?;

        // Refuse a file that ends before its data do.
        let frame_bytes = (container_bytes * n_channels) as u64;
        let available = file_len.saturating_sub(data_start) / frame_bytes;
        if available < n_samples as u64 {
            return Err(audio_error(format!(
                "expected {n_samples} samples per channel as the header says, but the data end \
                 after {available} (the file has {file_len} bytes)"
            )));
        }

        file.seek(SeekFrom::Start(data_start)).map_err(io_error)?;
        Ok(WavStream {
            path: path.to_path_buf(),
            file,
            encoding,
            sample_rate: spec.sample_rate,
            n_channels,
            n_samples,
            container_bytes,
            data_start,
            position: 0,
            raw: Vec::new(),
            raw_start: 0,
        })
    }

    /// Samples per second per channel, Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Number of channels.
    pub fn n_channels(&self) -> usize {
        self.n_channels
    }

    /// Number of samples in each channel.
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    /// Length of the recording, seconds.
    pub fn duration_s(&self) -> f64 {
        self.n_samples as f64 / f64::from(self.sample_rate)
    }

    /// Index of the next sample (per channel) that a read returns.
    pub fn position(&self) -> usize {
        self.position
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Moves to sample `sample` of every channel; `n_samples()` is allowed and leaves nothing
    /// to read.
    ///
    /// # Errors
    /// [`Error::Audio`] for a sample beyond the end (the message gives the length), and
    /// [`Error::Io`] when the file cannot seek.
    pub fn seek(&mut self, sample: usize) -> Result<()> {
        if sample > self.n_samples {
            return Err(self.error(format!(
                "expected a sample index of at most {} to seek to, got {sample}",
                self.n_samples
            )));
        }

        let offset = self.data_start + (sample * self.frame_bytes()) as u64;
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(|source| Error::Io {
                path: self.path.clone(),
                source,
            })?;
        self.position = sample;
        Ok(())
    }

    /// Replaces the contents of `out` with the next samples of `channel`, at most
    /// `max_frames` of them, and returns how many it read: 0 at the end of the file.
    ///
    /// # Errors
    /// [`Error::Audio`] for a channel the file does not have, data that end early (the file
    /// shrank after it was opened), or a NaN or infinite float sample (named by channel and
    /// sample index); [`Error::Io`] when the file cannot be read.
    pub fn read_channel_chunk(
        &mut self,
        channel: usize,
        max_frames: usize,
        out: &mut Vec<f64>,
    ) -> Result<usize> {
        if channel >= self.n_channels {
            return Err(self.error(format!(
                "expected a channel index below {0} (the file has {0}), got {channel}",
                self.n_channels
            )));
        }

        out.clear();
        let frames = self.read_raw_frames(max_frames)?;
        self.decode_channel(channel, frames, out)?;
        Ok(frames)
    }

    /// Reads the raw bytes of the next `max_frames` frames, or fewer at the end, into the
    /// block buffer, and returns the number of frames read.
    fn read_raw_frames(&mut self, max_frames: usize) -> Result<usize> {
        let frames = max_frames.min(self.n_samples - self.position);
        self.raw.resize(frames * self.frame_bytes(), 0);
        self.file.read_exact(&mut self.raw).map_err(|source| {
            if source.kind() == std::io::ErrorKind::UnexpectedEof {
                self.error(format!(
                    "expected {} samples per channel as the header says, but the data end \
                     within the block from sample {} (the file shrank while it was read)",
                    self.n_samples, self.position
                ))
            } else {
                Error::Io {
                    path: self.path.clone(),
                    source,
                }
            }
        })?;

        self.raw_start = self.position;
        self.position += frames;
        Ok(frames)
    }

    /// Appends `channel` of the `frames` frames of the block buffer to `out`, refusing
    /// non-finite float samples.
    fn decode_channel(&self, channel: usize, frames: usize, out: &mut Vec<f64>) -> Result<()> {
        let first = out.len();
        let raw = &self.raw[..frames * self.frame_bytes()];
        let offset = channel * self.container_bytes;
        self.encoding
            .decode_into(raw, self.frame_bytes(), offset, out);

        // Only floats can be non-finite; one pass over the block finds them.
        if self.encoding == Encoding::Float32 {
            if let Some(index) = out[first..].iter().position(|v| !v.is_finite()) {
                return Err(self.error(format!(
                    "expected finite samples, got {} in channel {channel} at sample {}",
                    out[first + index],
                    self.raw_start + index
                )));
            }
        }
        Ok(())
    }

    /// Bytes per frame (one sample of every channel).
    fn frame_bytes(&self) -> usize {
        self.container_bytes * self.n_channels
    }

    /// An [`Error::Audio`] about this file.
    fn error(&self, reason: String) -> Error {
        Error::Audio {
            path: self.path.clone(),
            reason,
        }
    }
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
