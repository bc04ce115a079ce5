//! Every common WAV layout, written byte by byte here (not by the reader's own code nor by
//! another WAV library), decodes to the exact values it holds; broken and hostile headers give
//! errors that name the file and say what was expected.

use std::path::{Path, PathBuf};

use soundloc::Error;
use soundloc::audio::{WavStream, read_wav};

/// A fresh path in the system's temporary folder, unique to this process and test.
fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("soundloc-wavfmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `KSDATAFORMAT_SUBTYPE_PCM` (tag 1) or `_IEEE_FLOAT` (tag 3) as stored in a file.
fn subtype(tag: u16) -> [u8; 16] {
    let mut guid = [
        0, 0, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
    ];
    guid[..2].copy_from_slice(&tag.to_le_bytes());
    guid
}

/// A `fmt ` chunk body: plain when `extensible` is `None`, else `WAVE_FORMAT_EXTENSIBLE`
/// with the given valid bits and sub-format tag.
fn fmt_body(
    tag: u16,
    channels: u16,
    rate: u32,
    container_bytes: u16,
    bits: u16,
    extensible: Option<(u16, u16)>,
) -> Vec<u8> {
    let block_align = channels * container_bytes;
    let mut body = Vec::new();
    body.extend(if extensible.is_some() { 0xFFFEu16 } else { tag }.to_le_bytes());
    body.extend(channels.to_le_bytes());
    body.extend(rate.to_le_bytes());
    body.extend((rate * u32::from(block_align)).to_le_bytes());
    body.extend(block_align.to_le_bytes());
    body.extend(bits.to_le_bytes());
    if let Some((valid_bits, sub_tag)) = extensible {
        body.extend(22u16.to_le_bytes());
        body.extend(valid_bits.to_le_bytes());
        body.extend(0u32.to_le_bytes());
        body.extend(subtype(sub_tag));
    }
    body
}

/// A whole file from its chunks, each `(id, body)`, with pad bytes after odd-sized ones.
fn riff(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let mut inner = b"WAVE".to_vec();
    for (id, body) in chunks {
        inner.extend(*id);
        inner.extend((body.len() as u32).to_le_bytes());
        inner.extend(*body);
        if body.len() % 2 == 1 {
            inner.push(0);
        }
    }
    let mut file = b"RIFF".to_vec();
    file.extend((inner.len() as u32).to_le_bytes());
    file.extend(inner);
    file
}

/// Writes `bytes` to a fresh file called `name` and returns its path.
fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let path = temp_path(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Interleaves channels of equal length into frames.
fn interleave<T: Copy>(channels: &[Vec<T>]) -> Vec<T> {
    (0..channels[0].len())
        .flat_map(|i| channels.iter().map(move |c| c[i]))
        .collect()
}

/// Integer test values for a bit depth: both extremes, zero, one step each side of zero, and
/// a few in between.
fn int_values(bits: u32, offset: i64) -> Vec<i64> {
    let max = (1i64 << (bits - 1)) - 1;
    let min = -(1i64 << (bits - 1));
    vec![min, max, 0, 1, -1, max / 3 + offset, min / 7 - offset]
}

/// Checks that a file decodes to `expected` (one vector per channel) exactly, whole and
/// streamed, and has the sample rate `rate`.
fn assert_decodes_to(path: &Path, rate: u32, expected: &[Vec<f64>]) {
    let recording = read_wav(path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(recording.sample_rate, rate);
    assert_eq!(recording.channels, expected, "{}", path.display());

    let mut stream = WavStream::open(path).unwrap();
    for (channel, want) in expected.iter().enumerate() {
        let mut got = Vec::new();
        stream.seek(0).unwrap();
        stream
            .read_channel_chunk(channel, usize::MAX, &mut got)
            .unwrap();
        assert_eq!(&got, want, "streamed channel {channel}");
    }
}

/// Writes and reads an integer PCM file of `channels` channels at `bits` bits in containers
/// of `container` bytes, plain or extensible.
fn check_integer(name: &str, bits: u32, container: u16, channels: u16, extensible: bool) {
    let values: Vec<Vec<i64>> = (0..i64::from(channels))
        .map(|c| int_values(bits, c))
        .collect();

    // Encode each value by hand: 8-bit is unsigned with 128 as zero, the rest little-endian
    // two's complement filling the container from its high end (the extensible layout: valid
    // bits first, padding zeros below them).
    let padding_bits = u32::from(container) * 8 - bits;
    let mut data = Vec::new();
    for v in interleave(&values) {
        if bits == 8 {
            data.push((v + 128) as u8);
        } else {
            data.extend(&(v << padding_bits).to_le_bytes()[..usize::from(container)]);
        }
    }
    let fmt = fmt_body(
        1,
        channels,
        44_100,
        container,
        if extensible {
            container * 8
        } else {
            bits as u16
        },
        extensible.then_some((bits as u16, 1)),
    );
    let path = write(name, &riff(&[(b"fmt ", &fmt), (b"data", &data)]));

    // Full scale is 2^(bits-1), computed here independently of the reader's constants.
    let scale = 2f64.powi(bits as i32 - 1);
    let expected: Vec<Vec<f64>> = values
        .iter()
        .map(|c| c.iter().map(|&v| v as f64 / scale).collect())
        .collect();
    assert_decodes_to(&path, 44_100, &expected);
    assert_eq!(expected[0][0], -1.0);
    assert!(expected[0][1] < 1.0);
}

#[test]
fn integer_pcm_of_every_common_depth_decodes_exactly() {
    check_integer("pcm8.wav", 8, 1, 1, false);
    check_integer("pcm8-stereo.wav", 8, 1, 2, false);
    check_integer("pcm16.wav", 16, 2, 3, false);
    check_integer("pcm24.wav", 24, 3, 2, false);
    check_integer("pcm32.wav", 32, 4, 1, false);
}

#[test]
fn extensible_integer_headers_decode_exactly() {
    check_integer("ext-pcm16.wav", 16, 2, 2, true);
    check_integer("ext-pcm24-4ch.wav", 24, 3, 4, true);
    check_integer("ext-pcm24-in-32.wav", 24, 4, 2, true);
    check_integer("ext-pcm32.wav", 32, 4, 6, true);
}

/// Float test values: extremes beyond full scale, zero, negative zero, tiny and odd values.
fn float_values(channel: usize) -> Vec<f64> {
    vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.1 + channel as f64,
        -3.5e-20,
        12_345.678,
        f64::from(f32::MIN_POSITIVE),
    ]
}

#[test]
fn float32_and_float64_keep_their_values_plain_and_extensible() {
    for (name, bytes, extensible) in [
        ("f32.wav", 4u16, false),
        ("f64.wav", 8, false),
        ("ext-f32.wav", 4, true),
        ("ext-f64.wav", 8, true),
    ] {
        let channels: Vec<Vec<f64>> = (0..2).map(float_values).collect();

        // float32 files hold the values rounded to f32; that rounding is the expected value.
        let mut data = Vec::new();
        for v in interleave(&channels) {
            if bytes == 4 {
                data.extend((v as f32).to_le_bytes());
            } else {
                data.extend(v.to_le_bytes());
            }
        }
        let fmt = fmt_body(
            3,
            2,
            8_000,
            bytes,
            bytes * 8,
            extensible.then_some((bytes * 8, 3)),
        );
        let path = write(name, &riff(&[(b"fmt ", &fmt), (b"data", &data)]));

        let expected: Vec<Vec<f64>> = channels
            .iter()
            .map(|c| {
                c.iter()
                    .map(|&v| if bytes == 4 { f64::from(v as f32) } else { v })
                    .collect()
            })
            .collect();
        assert_decodes_to(&path, 8_000, &expected);
    }
}

#[test]
fn extra_chunks_and_odd_padding_before_the_data_are_skipped() {
    let fmt = fmt_body(1, 1, 16_000, 2, 16, None);
    let data: Vec<u8> = [1000i16, -2000, 3]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let path = write(
        "chunks.wav",
        &riff(&[
            (b"LIST", b"odd"),
            (b"fmt ", &fmt),
            (b"fact", &[0, 0, 0, 0]),
            (b"data", &data),
        ]),
    );
    let expected = vec![vec![1000.0 / 32_768.0, -2000.0 / 32_768.0, 3.0 / 32_768.0]];
    assert_decodes_to(&path, 16_000, &expected);
}

/// Writes a float file whose channel 1 holds `bad` at sample 2, and returns the reason it is
/// refused, after checking that the message names the file.
fn non_finite_reason(name: &str, bytes: u16, bad: f64) -> String {
    let channels = vec![vec![0.5; 4], vec![0.25, 0.25, bad, 0.25]];
    let mut data = Vec::new();
    for v in interleave(&channels) {
        if bytes == 4 {
            data.extend((v as f32).to_le_bytes());
        } else {
            data.extend(v.to_le_bytes());
        }
    }
    let fmt = fmt_body(3, 2, 8_000, bytes, bytes * 8, None);
    let path = write(name, &riff(&[(b"fmt ", &fmt), (b"data", &data)]));
    let err = read_wav(&path).unwrap_err();
    assert!(err.to_string().contains(name), "{err}");
    match err {
        Error::Audio { reason, .. } => reason,
        other => panic!("expected an audio error, got {other:?}"),
    }
}

#[test]
fn nan_and_infinite_samples_are_refused_naming_channel_and_sample() {
    for (name, bytes, bad, shown) in [
        ("nan64.wav", 8, f64::NAN, "NaN"),
        ("inf64.wav", 8, f64::INFINITY, "inf"),
        ("neginf64.wav", 8, f64::NEG_INFINITY, "-inf"),
        ("nan32.wav", 4, f64::NAN, "NaN"),
    ] {
        let reason = non_finite_reason(name, bytes, bad);
        assert!(
            reason.contains("expected finite samples")
                && reason.contains(shown)
                && reason.contains("channel 1")
                && reason.contains("sample 2"),
            "{name}: {reason}"
        );
    }
}

/// The error for a file holding `bytes`, after checking that its message names the file.
fn error_for(name: &str, bytes: &[u8]) -> String {
    let path = write(name, bytes);
    let err = read_wav(&path).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "{name}: the message does not name the file: {message}"
    );
    assert!(matches!(err, Error::Audio { .. }), "{name}: {err:?}");
    message
}

#[test]
fn empty_truncated_and_corrupt_files_are_refused_naming_the_file() {
    let fmt = fmt_body(1, 2, 8_000, 2, 16, None);
    let data = vec![0u8; 40];
    let good = riff(&[(b"fmt ", &fmt), (b"data", &data)]);
    assert!(read_wav(&write("good.wav", &good)).is_ok());

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.wav", Vec::new(), "empty file"),
        ("header-cut.wav", good[..30].to_vec(), "to fit in the file"),
        ("riff-cut.wav", good[..10].to_vec(), "ends inside it"),
        ("data-cut.wav", good[..good.len() - 3].to_vec(), "data end"),
        (
            "not-riff.wav",
            [b"OggS".as_slice(), &good[4..]].concat(),
            "RIFF",
        ),
        (
            "huge-fmt.wav",
            [&good[..16], &u32::MAX.to_le_bytes(), &good[20..]].concat(),
            "to fit in the file",
        ),
        (
            "short-fmt.wav",
            riff(&[(b"fmt ", &fmt[..12]), (b"data", &data)]),
            "at least 16 bytes",
        ),
        ("no-fmt.wav", riff(&[(b"data", &data)]), "\"fmt \" chunk"),
        (
            "zero-channels.wav",
            riff(&[
                (b"fmt ", &fmt_body(1, 0, 8_000, 2, 16, None)),
                (b"data", &data),
            ]),
            "at least one channel",
        ),
        (
            "zero-rate.wav",
            riff(&[(b"fmt ", &fmt_body(1, 2, 0, 2, 16, None)), (b"data", &data)]),
            "0 Hz",
        ),
        (
            "adpcm.wav",
            riff(&[
                (b"fmt ", &fmt_body(2, 2, 8_000, 2, 16, None)),
                (b"data", &data),
            ]),
            "format tag 0x0002",
        ),
        (
            "pcm12.wav",
            riff(&[
                (b"fmt ", &fmt_body(1, 2, 8_000, 2, 12, None)),
                (b"data", &data),
            ]),
            "12-bit integer",
        ),
        (
            "float16.wav",
            riff(&[
                (b"fmt ", &fmt_body(3, 2, 8_000, 2, 16, None)),
                (b"data", &data),
            ]),
            "16-bit float",
        ),
        (
            "ext-short.wav",
            riff(&[
                (b"fmt ", &fmt_body(1, 2, 8_000, 2, 16, Some((16, 1)))[..30]),
                (b"data", &data),
            ]),
            "at least 40 bytes",
        ),
        (
            "ext-guid.wav",
            {
                let mut ext = fmt_body(1, 2, 8_000, 2, 16, Some((16, 1)));
                ext[39] ^= 0xFF;
                riff(&[(b"fmt ", &ext), (b"data", &data)])
            },
            "sub-format GUID",
        ),
        (
            "block-align.wav",
            {
                let mut odd = fmt.clone();
                odd[12..14].copy_from_slice(&3u16.to_le_bytes());
                riff(&[(b"fmt ", &odd), (b"data", &data)])
            },
            "block align",
        ),
        (
            "no-samples.wav",
            riff(&[(b"fmt ", &fmt), (b"data", &[])]),
            "got none",
        ),
    ];
    for (name, bytes, needle) in cases {
        let message = error_for(name, &bytes);
        assert!(
            message.contains("expected") && message.contains(needle),
            "{name}: {message}"
        );
    }
}

#[test]
fn every_prefix_of_an_extensible_float64_file_is_an_error_not_a_panic() {
    let fmt = fmt_body(3, 2, 8_000, 8, 64, Some((64, 3)));
    let data: Vec<u8> = (0..6).flat_map(|i| f64::from(i).to_le_bytes()).collect();
    let good = riff(&[(b"LIST", b"abc"), (b"fmt ", &fmt), (b"data", &data)]);
    let path = temp_path("prefix64.wav");
    for len in 0..good.len() {
        std::fs::write(&path, &good[..len]).unwrap();
        assert!(read_wav(&path).is_err(), "a {len}-byte prefix was accepted");
    }
    std::fs::write(&path, &good).unwrap();
    assert_eq!(
        read_wav(&path).unwrap().channels,
        vec![vec![0.0, 2.0, 4.0], vec![1.0, 3.0, 5.0]]
    );
}

/// The seed files of the fuzz corpus, written by other tools: one per common layout.
#[test]
fn fuzz_seed_files_of_every_layout_are_read_with_their_declared_shape() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/wav_formats");
    for (file, rate, channels, samples) in [
        ("pcm8_mono.wav", 8_000, 1, 40),
        ("pcm16_stereo.wav", 16_000, 2, 40),
        ("pcm24_mono.wav", 48_000, 1, 30),
        ("pcm32_mono.wav", 48_000, 1, 30),
        ("float32_stereo.wav", 24_000, 2, 30),
        ("float64_mono.wav", 24_000, 1, 20),
        ("extensible_pcm24_4ch.wav", 48_000, 4, 20),
        ("extensible_float32_2ch.wav", 48_000, 2, 20),
    ] {
        let recording = read_wav(&dir.join(file)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (
                recording.sample_rate,
                recording.n_channels(),
                recording.n_samples()
            ),
            (rate, channels, samples),
            "{file}"
        );
        assert!(
            recording.channels.iter().flatten().all(|v| v.abs() <= 1.0),
            "{file}: a sample outside full scale"
        );
        // Each seed's first channel starts at zero and is not silent.
        assert_eq!(recording.channels[0][0], 0.0, "{file}");
        assert!(
            recording.channels[0].iter().any(|&v| v.abs() > 0.1),
            "{file}"
        );
    }
}
