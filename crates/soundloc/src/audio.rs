//! Reading recordings from WAV files.
//!
//! A [`Recording`] holds every channel of a file as `f64` samples. Integer samples are scaled by
//! `2^(bits - 1)`, so full scale maps to [-1, 1) whatever the bit depth; float samples are kept
//! as they are. GCC-PHAT does not care about the scale, but a common one makes levels
//! comparable between recorders that wrote different formats.
//!
//! Supported: PCM integers of 8, 16, 24 and 32 bits and 32 and 64-bit IEEE floats, mono or
//! multichannel, with plain or `WAVE_FORMAT_EXTENSIBLE` headers. 24-bit samples may sit in
//! 3-byte or 4-byte containers. Writers disagree on where a 4-byte container keeps them: the
//! `WAVE_FORMAT_EXTENSIBLE` specification puts the valid bits high, with zeros below
//! (Microsoft, "Multiple channel audio data and WAVE files"), while [`hound`] and others put
//! them in the low three bytes. The reader looks at the first 64 KiB of samples: when every
//! low byte is zero and some high byte is not, the samples are high; otherwise low. Either
//! way they come out exact, at full scale 1.
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
//! header is parsed here, chunk by chunk, with every size checked against the file's length;
//! the data are read straight from the file.
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

/// Bytes of samples looked at to tell where 24-bit samples sit in 4-byte containers.
const PADDED_24_SCAN_BYTES: u64 = 1 << 16;

/// Frames per block when [`read_wav`] reads a whole file.
const READ_ALL_BLOCK_FRAMES: usize = 1 << 16;

/// How the samples of a WAV file are stored, among the layouts [`WavStream`] decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// 8-bit integers, stored unsigned with 128 as zero.
    Unsigned8,
    /// 16-bit signed little-endian integers.
    Signed16,
    /// 24-bit signed little-endian integers in 3-byte containers.
    Signed24,
    /// 24-bit signed little-endian integers in the low three bytes of 4-byte containers.
    /// (When they sit in the high three, as the specification has it, the container reads
    /// as [`Encoding::Signed32`]; see [`WavStream::open`].)
    Signed24Low4,
    /// 32-bit signed little-endian integers.
    Signed32,
    /// 32-bit IEEE floats.
    Float32,
    /// 64-bit IEEE floats.
    Float64,
}

impl Encoding {
    /// The encoding of samples that are floats or integers, with their valid bits and their
    /// container size in bytes, or `None` for a layout that is not supported.
    fn from_header(float: bool, bits: u16, container_bytes: usize) -> Option<Self> {
        match (float, bits, container_bytes) {
            (false, 8, 1) => Some(Encoding::Unsigned8),
            (false, 16, 2) => Some(Encoding::Signed16),
            (false, 24, 3) => Some(Encoding::Signed24),
            (false, 24, 4) => Some(Encoding::Signed24Low4),
            (false, 32, 4) => Some(Encoding::Signed32),
            (true, 32, 4) => Some(Encoding::Float32),
            (true, 64, 8) => Some(Encoding::Float64),
            _ => None,
        }
    }

    /// Whether the samples are floats, which alone can be NaN or infinite.
    fn is_float(self) -> bool {
        matches!(self, Encoding::Float32 | Encoding::Float64)
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
            Encoding::Signed24Low4 => {
                decode_strided(raw, frame_bytes, offset, out, |[low, middle, high, _]| {
                    f64::from(i32::from_le_bytes([0, low, middle, high]) >> 8) * (1.0 / 8_388_608.0)
                })
            }
            Encoding::Signed32 => decode_strided(raw, frame_bytes, offset, out, |bytes| {
                f64::from(i32::from_le_bytes(bytes)) * (1.0 / 2_147_483_648.0)
            }),
            Encoding::Float32 => decode_strided(raw, frame_bytes, offset, out, |bytes| {
                f64::from(f32::from_le_bytes(bytes))
            }),
            Encoding::Float64 => decode_strided(raw, frame_bytes, offset, out, f64::from_le_bytes),
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

        // Parse the header: the layout of the samples and where they lie in the file.
        let mut file = file;
        let header = parse_header(&mut file, file_len).map_err(|e| match e {
            HeaderError::Io(source) => io_error(source),
            HeaderError::Invalid(reason) => audio_error(reason),
        })?;
        let Header {
            encoding,
            sample_rate,
            n_channels,
            container_bytes,
            data_start,
            data_len,
        } = header;

        // The whole frames in the data chunk are the samples; none is an error.
        let frame_bytes = (container_bytes * n_channels) as u64;
        let n_samples = usize::try_from(data_len / frame_bytes).map_err(|_| {
            audio_error(format!(
                "expected a data chunk this machine can address, got {data_len} bytes"
            ))
        })?;
        if n_samples == 0 {
            return Err(audio_error("expected audio samples, got none".into()));
        }

        // Refuse a file that ends before its data do.
        let available = file_len.saturating_sub(data_start) / frame_bytes;
        if available < n_samples as u64 {
            return Err(audio_error(format!(
                "expected {n_samples} samples per channel as the header says, but the data end \
                 after {available} (the file has {file_len} bytes)"
            )));
        }

        // 24 bits in 4 bytes: high or low? See the module docs.
        let encoding = match encoding {
            Encoding::Signed24Low4 => {
                file.seek(SeekFrom::Start(data_start)).map_err(io_error)?;
                let scanned = data_len.min(PADDED_24_SCAN_BYTES) / 4 * 4;
                let mut head = vec![0; scanned as usize];
                file.read_exact(&mut head).map_err(io_error)?;
                let containers = head.chunks_exact(4);
                let low_bytes_zero = containers.clone().all(|c| c[0] == 0);
                if low_bytes_zero && containers.clone().any(|c| c[3] != 0) {
                    Encoding::Signed32
                } else {
                    Encoding::Signed24Low4
                }
            }
            other => other,
        };

        file.seek(SeekFrom::Start(data_start)).map_err(io_error)?;
        Ok(WavStream {
            path: path.to_path_buf(),
            file,
            encoding,
            sample_rate,
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
        if self.encoding.is_float() {
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

/// The layout of a WAV file's samples and where they lie, as its header gives them.
#[derive(Debug)]
struct Header {
    encoding: Encoding,
    sample_rate: u32,
    n_channels: usize,
    /// Bytes per sample of one channel, as stored.
    container_bytes: usize,
    /// Byte offset of the first sample in the file.
    data_start: u64,
    /// Length of the data chunk in bytes, as its header gives it.
    data_len: u64,
}

/// Why a header could not be parsed: the file could not be read, or what it holds is not a
/// WAV header soundloc reads (the reason says what was expected and what was found).
#[derive(Debug)]
enum HeaderError {
    Io(std::io::Error),
    Invalid(String),
}

impl From<std::io::Error> for HeaderError {
    fn from(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::UnexpectedEof {
            HeaderError::Invalid(
                "expected a complete WAV header, got a file that ends inside it".into(),
            )
        } else {
            HeaderError::Io(error)
        }
    }
}

/// What the reader accepts, for error messages.
const SUPPORTED: &str = "8, 16, 24 or 32-bit integer or 32 or 64-bit float PCM";

/// `WAVE_FORMAT_PCM`, `WAVE_FORMAT_IEEE_FLOAT` and `WAVE_FORMAT_EXTENSIBLE`.
const FORMAT_PCM: u16 = 1;
const FORMAT_FLOAT: u16 = 3;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// The last 14 bytes of every standard `KSDATAFORMAT_SUBTYPE_*` GUID, after the format tag.
const SUBTYPE_SUFFIX: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// Reads the RIFF header, the `fmt ` chunk and the position of the `data` chunk of a file of
/// `file_len` bytes, skipping any other chunk. Every size is checked against the file before
/// it is used, so a corrupt size gives an error rather than a huge allocation or a panic.
fn parse_header(file: &mut File, file_len: u64) -> std::result::Result<Header, HeaderError> {
    let invalid = |reason: String| HeaderError::Invalid(reason);
    let mut reader = BufReader::new(file);

    // The RIFF header: "RIFF", a size soundloc does not trust, "WAVE".
    let mut riff = [0u8; 12];
    reader.read_exact(&mut riff)?;
    if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
        return Err(invalid(format!(
            "expected a WAV header starting with \"RIFF\" and \"WAVE\", got {:?} and {:?}",
            String::from_utf8_lossy(&riff[0..4]),
            String::from_utf8_lossy(&riff[8..12]),
        )));
    }

    // Walk the chunks up to the data, keeping the format chunk on the way.
    let mut position = 12u64;
    let mut format: Option<Vec<u8>> = None;
    loop {
        let mut chunk = [0u8; 8];
        reader.read_exact(&mut chunk)?;
        position += 8;
        let id = [chunk[0], chunk[1], chunk[2], chunk[3]];
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));

        if &id == b"data" {
            let format = format.ok_or_else(|| {
                invalid("expected a \"fmt \" chunk before the \"data\" chunk, got none".into())
            })?;
            let (encoding, sample_rate, n_channels, container_bytes) = parse_format(&format)?;
            return Ok(Header {
                encoding,
                sample_rate,
                n_channels,
                container_bytes,
                data_start: position,
                data_len: size,
            });
        }

        // Any other chunk must lie within the file; chunks are padded to an even size.
        let padded = size + (size & 1);
        if position + padded > file_len {
            return Err(invalid(format!(
                "expected the {:?} chunk of {size} bytes at byte {position} to fit in the file, \
                 which has {file_len} bytes",
                String::from_utf8_lossy(&id)
            )));
        }
        if &id == b"fmt " {
            let mut body = vec![0u8; size as usize];
            reader.read_exact(&mut body)?;
            reader.seek_relative((padded - size) as i64)?;
            format = Some(body);
        } else {
            reader.seek_relative(padded as i64)?;
        }
        position += padded;
    }
}

/// The encoding, sample rate, Hz, number of channels and container size in bytes of a
/// `fmt ` chunk's body, plain or `WAVE_FORMAT_EXTENSIBLE`.
fn parse_format(body: &[u8]) -> std::result::Result<(Encoding, u32, usize, usize), HeaderError> {
    let invalid = |reason: String| HeaderError::Invalid(reason);
    let u16_at = |at: usize| u16::from_le_bytes([body[at], body[at + 1]]);
    if body.len() < 16 {
        return Err(invalid(format!(
            "expected a \"fmt \" chunk of at least 16 bytes, got {}",
            body.len()
        )));
    }

    // The fields every format chunk has.
    let mut tag = u16_at(0);
    let n_channels = usize::from(u16_at(2));
    let sample_rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
    let block_align = usize::from(u16_at(12));
    let mut bits = u16_at(14);
    if n_channels == 0 {
        return Err(invalid("expected at least one channel, got 0".into()));
    }
    if sample_rate == 0 {
        return Err(invalid(
            "expected a positive sample rate in the header, got 0 Hz".into(),
        ));
    }

    // An extensible header gives the valid bits and the true format tag in its extension.
    if tag == FORMAT_EXTENSIBLE {
        if body.len() < 40 {
            return Err(invalid(format!(
                "expected an extensible \"fmt \" chunk of at least 40 bytes, got {}",
                body.len()
            )));
        }
        bits = u16_at(18);
        let subtype = &body[24..40];
        if subtype[2..] != SUBTYPE_SUFFIX {
            return Err(invalid(format!(
                "expected {SUPPORTED}, got an extensible header with an unknown sub-format \
                 GUID {subtype:02x?}"
            )));
        }
        tag = u16::from_le_bytes([subtype[0], subtype[1]]);
    }

    // Each channel's samples fill an equal share of a frame.
    let container_bytes = block_align / n_channels;
    if container_bytes == 0 || container_bytes * n_channels != block_align {
        return Err(invalid(format!(
            "expected a frame size (block align) that is a positive multiple of the {n_channels} \
             channels, got {block_align} bytes"
        )));
    }
    let float = match tag {
        FORMAT_PCM => false,
        FORMAT_FLOAT => true,
        other => {
            return Err(invalid(format!(
                "expected {SUPPORTED}, got format tag {other:#06x} (compressed or unknown)"
            )));
        }
    };
    let encoding = Encoding::from_header(float, bits, container_bytes).ok_or_else(|| {
        invalid(format!(
            "expected {SUPPORTED}, got {bits}-bit {} samples in {container_bytes}-byte \
             containers",
            if float { "float" } else { "integer" }
        ))
    })?;
    Ok((encoding, sample_rate, n_channels, container_bytes))
}
