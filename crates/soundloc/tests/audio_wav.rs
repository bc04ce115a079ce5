//! Reading WAV files: every supported format round-trips, and broken files give errors that
//! name the problem, never a panic.

use std::path::{Path, PathBuf};

use hound::{SampleFormat, WavSpec, WavSpecEx, WavWriter};
use soundloc::Error;
use soundloc::audio::{WavStream, read_channel_window, read_wav};

/// A fresh path in the system's temporary folder, unique to this process and test.
fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("soundloc-audio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn spec(channels: u16, sample_rate: u32, bits: u16, format: SampleFormat) -> WavSpec {
    WavSpec {
        channels,
        sample_rate,
        bits_per_sample: bits,
        sample_format: format,
    }
}

/// Writes interleaved integer samples.
fn write_int(path: &Path, spec: WavSpec, samples: &[i32]) {
    let mut writer = WavWriter::create(path, spec).unwrap();
    for &s in samples {
        match spec.bits_per_sample {
            8 => writer.write_sample(s as i8).unwrap(),
            16 => writer.write_sample(s as i16).unwrap(),
            _ => writer.write_sample(s).unwrap(),
        }
    }
    writer.finalize().unwrap();
}

/// Writes interleaved float samples.
fn write_float(path: &Path, spec: WavSpec, samples: &[f32]) {
    let mut writer = WavWriter::create(path, spec).unwrap();
    for &s in samples {
        writer.write_sample(s).unwrap();
    }
    writer.finalize().unwrap();
}

/// A small valid stereo 16-bit file of `n` frames: left counts up, right counts down.
fn write_stereo_ramp(name: &str, n: i32) -> PathBuf {
    let path = temp_path(name);
    let samples: Vec<i32> = (0..n).flat_map(|i| [i, -i]).collect();
    write_int(&path, spec(2, 1000, 16, SampleFormat::Int), &samples);
    path
}

fn audio_reason(err: Error) -> String {
    match err {
        Error::Audio { reason, .. } => reason,
        other => panic!("expected an audio error, got {other:?}"),
    }
}

#[test]
fn integer_formats_scale_to_unit_range() {
    for bits in [8u16, 16, 24, 32] {
        for channels in [1u16, 2, 3] {
            // Channel `c` holds its own index, then full scale, half scale and the minimum.
            let max = (1i64 << (bits - 1)) - 1;
            let rows = |c: i64| [c, max, (max + 1) / 2, -max - 1];
            let samples: Vec<i32> = (0..4)
                .flat_map(|i| (0..i64::from(channels)).map(move |c| rows(c)[i] as i32))
                .collect();
            let path = temp_path(&format!("int{bits}-{channels}ch.wav"));
            write_int(
                &path,
                spec(channels, 24_000, bits, SampleFormat::Int),
                &samples,
            );

            let recording = read_wav(&path).unwrap();
            assert_eq!(recording.sample_rate, 24_000);
            assert_eq!(recording.n_channels(), usize::from(channels));
            assert_eq!(recording.n_samples(), 4);
            let full = (max + 1) as f64;
            for (c, channel) in recording.channels.iter().enumerate() {
                let expected = rows(c as i64).map(|v| v as f64 / full);
                assert_eq!(channel[..], expected[..], "{bits} bits, channel {c}");
            }
            let first = &recording.channels[0];
            assert!(first[1] < 1.0 && first[1] > 0.99 && first[2] == 0.5 && first[3] == -1.0);
        }
    }
}

#[test]
fn float_samples_are_kept_as_they_are() {
    let samples = [0.0f32, 0.5, -0.25, 1.5, -1.0, 0.125];
    let path = temp_path("float32-2ch.wav");
    write_float(&path, spec(2, 48_000, 32, SampleFormat::Float), &samples);

    let recording = read_wav(&path).unwrap();
    assert_eq!(recording.channels[0], vec![0.0, -0.25, -1.0]);
    assert_eq!(recording.channels[1], vec![0.5, 1.5, 0.125]);
    assert!((recording.duration_s() - 3.0 / 48_000.0).abs() < 1e-15);
}

#[test]
fn non_finite_float_samples_are_named_by_channel_and_index() {
    let samples = [0.0f32, 0.1, 0.2, 0.3, f32::NAN, 0.5];
    let path = temp_path("float32-nan.wav");
    write_float(&path, spec(2, 8000, 32, SampleFormat::Float), &samples);

    let reason = audio_reason(read_wav(&path).unwrap_err());
    assert!(
        reason.contains("NaN") && reason.contains("channel 0") && reason.contains("sample 2"),
        "{reason}"
    );
}

#[test]
fn channel_windows_are_cut_at_the_nearest_samples() {
    let path = write_stereo_ramp("window.wav", 1000);

    // 0.1 s to 0.15 s at 1 kHz is samples 100 to 149 of the right channel.
    let (rate, window) = read_channel_window(&path, 1, 0.1, 0.05).unwrap();
    assert_eq!(rate, 1000);
    assert_eq!(window.len(), 50);
    assert_eq!(window[0], -100.0 / 32768.0);
    assert_eq!(window[49], -149.0 / 32768.0);

    // The same through a recording already in memory.
    let recording = read_wav(&path).unwrap();
    assert_eq!(recording.window(1, 0.1, 0.05).unwrap(), &window[..]);
}

#[test]
fn missing_channels_and_windows_outside_the_recording_are_explained() {
    let path = write_stereo_ramp("window-errors.wav", 1000);

    let reason = audio_reason(read_channel_window(&path, 2, 0.0, 0.1).unwrap_err());
    assert!(
        reason.contains("channel") && reason.contains("has 2"),
        "{reason}"
    );

    let reason = audio_reason(read_channel_window(&path, 0, 0.95, 0.1).unwrap_err());
    assert!(reason.contains("lasts 1 s"), "{reason}");

    assert!(read_channel_window(&path, 0, -0.1, 0.1).is_err());
    assert!(read_channel_window(&path, 0, 0.1, 0.0).is_err());
    assert!(read_channel_window(&path, 0, f64::NAN, 0.1).is_err());
}

#[test]
fn missing_and_empty_files_are_errors() {
    let missing = temp_path("does-not-exist.wav");
    let err = read_wav(&missing).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("does-not-exist.wav"), "{err}");

    let empty = temp_path("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let reason = audio_reason(read_wav(&empty).unwrap_err());
    assert!(reason.contains("empty"), "{reason}");
}

#[test]
fn truncated_data_and_corrupt_headers_are_errors() {
    let good = write_stereo_ramp("good.wav", 100);
    let bytes = std::fs::read(&good).unwrap();

    // Data cut short: the header promises more than the file holds.
    let truncated = temp_path("truncated.wav");
    std::fs::write(&truncated, &bytes[..bytes.len() - 10]).unwrap();
    let reason = audio_reason(read_wav(&truncated).unwrap_err());
    assert!(
        reason.contains("100 samples") && reason.contains("end"),
        "{reason}"
    );

    // Not a RIFF file at all.
    let corrupt = temp_path("corrupt.wav");
    let mut damaged = bytes.clone();
    damaged[..4].copy_from_slice(b"JUNK");
    std::fs::write(&corrupt, &damaged).unwrap();
    let reason = audio_reason(read_wav(&corrupt).unwrap_err());
    assert!(reason.contains("header"), "{reason}");

    // A header announcing 0 Hz: the sample rate sits at byte 24 of the fmt chunk, followed by
    // the byte rate, which must agree with it.
    let zero_rate = temp_path("zero-rate.wav");
    let mut damaged = bytes.clone();
    damaged[24..32].copy_from_slice(&[0; 8]);
    std::fs::write(&zero_rate, &damaged).unwrap();
    let reason = audio_reason(read_wav(&zero_rate).unwrap_err());
    assert!(
        reason.contains("sample rate") && reason.contains("0 Hz"),
        "{reason}"
    );
}

#[test]
fn no_prefix_of_a_file_makes_the_reader_panic() {
    let good = write_stereo_ramp("prefixes.wav", 20);
    let bytes = std::fs::read(&good).unwrap();
    let cut = temp_path("prefix.wav");
    for len in 0..bytes.len() {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        assert!(read_wav(&cut).is_err(), "a {len}-byte prefix was accepted");
    }
    assert!(read_wav(&good).is_ok());
}

/// Reads `channel` of a stream from `start` to the end in blocks of `block` frames.
fn stream_channel(path: &Path, channel: usize, start: usize, block: usize) -> Vec<f64> {
    let mut stream = WavStream::open(path).unwrap();
    stream.seek(start).unwrap();
    let (mut all, mut chunk) = (Vec::new(), Vec::new());
    loop {
        let read = stream
            .read_channel_chunk(channel, block, &mut chunk)
            .unwrap();
        assert_eq!(read, chunk.len());
        assert!(read <= block);
        if read == 0 {
            return all;
        }
        all.extend_from_slice(&chunk);
    }
}

#[test]
fn streamed_blocks_match_the_whole_file_for_every_format_block_size_and_start() {
    // Three channels of a pseudo-random walk over each format's whole range.
    let n_frames = 1000i64;
    let value = |i: i64, c: i64, bits: u16| {
        let max = (1i64 << (bits - 1)) - 1;
        ((i * 7919 + c * 104_729) * 2_654_435_761 % (2 * max + 1)) - max
    };
    let mut paths = Vec::new();
    for bits in [8u16, 16, 24, 32] {
        let samples: Vec<i32> = (0..n_frames)
            .flat_map(|i| (0..3).map(move |c| value(i, c, bits) as i32))
            .collect();
        let path = temp_path(&format!("stream-int{bits}.wav"));
        write_int(&path, spec(3, 8000, bits, SampleFormat::Int), &samples);
        paths.push(path);
    }
    let floats: Vec<f32> = (0..n_frames * 3)
        .map(|i| (value(i, 0, 24) as f32) / 1e6)
        .collect();
    let float_path = temp_path("stream-float.wav");
    write_float(&float_path, spec(3, 8000, 32, SampleFormat::Float), &floats);
    paths.push(float_path);

    // 24-bit samples in 4-byte containers, as WAVE_FORMAT_EXTENSIBLE allows; hound puts
    // them in the low three bytes (the specification's high layout is in wav_formats.rs).
    let padded_path = temp_path("stream-int24-in-4.wav");
    let spec_ex = WavSpecEx {
        spec: spec(3, 8000, 24, SampleFormat::Int),
        bytes_per_sample: 4,
    };
    let mut writer = WavWriter::new_with_spec_ex(
        std::io::BufWriter::new(std::fs::File::create(&padded_path).unwrap()),
        spec_ex,
    )
    .unwrap();
    for i in 0..n_frames {
        for c in 0..3 {
            writer.write_sample(value(i, c, 24) as i32).unwrap();
        }
    }
    writer.finalize().unwrap();
    let padded = read_wav(&padded_path).unwrap();
    for c in 0..3 {
        let expected: Vec<f64> = (0..n_frames)
            .map(|i| value(i, c, 24) as f64 / 8_388_608.0)
            .collect();
        assert_eq!(
            padded.channels[c as usize], expected,
            "24 in 4 bytes, channel {c}"
        );
    }
    paths.push(padded_path);

    for path in &paths {
        let recording = read_wav(path).unwrap();
        for channel in 0..3 {
            for block in [1, 7, 256, 5000] {
                for start in [0, 1, 333, 999, 1000] {
                    let streamed = stream_channel(path, channel, start, block);
                    assert_eq!(
                        streamed[..],
                        recording.channels[channel][start..],
                        "{}, channel {channel}, block {block}, start {start}",
                        path.display()
                    );
                }
            }
        }
    }
}

#[test]
fn a_stream_reports_its_layout_and_refuses_what_the_file_lacks() {
    let path = write_stereo_ramp("stream-layout.wav", 500);
    let mut stream = WavStream::open(&path).unwrap();
    assert_eq!(
        (
            stream.sample_rate(),
            stream.n_channels(),
            stream.n_samples()
        ),
        (1000, 2, 500)
    );
    assert_eq!(stream.duration_s(), 0.5);

    let mut block = Vec::new();
    let reason = audio_reason(stream.read_channel_chunk(2, 10, &mut block).unwrap_err());
    assert!(reason.contains("has 2"), "{reason}");
    let reason = audio_reason(stream.seek(501).unwrap_err());
    assert!(reason.contains("at most 500"), "{reason}");
    stream.seek(500).unwrap();
    assert_eq!(stream.read_channel_chunk(0, 10, &mut block).unwrap(), 0);
}

#[test]
fn a_truncated_file_is_refused_when_the_stream_opens() {
    let good = write_stereo_ramp("stream-good.wav", 100);
    let bytes = std::fs::read(&good).unwrap();
    let truncated = temp_path("stream-truncated.wav");
    std::fs::write(&truncated, &bytes[..bytes.len() - 10]).unwrap();

    let err = WavStream::open(&truncated).unwrap_err();
    assert!(err.to_string().contains("stream-truncated.wav"), "{err}");
    let reason = audio_reason(err);
    assert!(
        reason.contains("100 samples") && reason.contains("end after 97"),
        "{reason}"
    );
}
