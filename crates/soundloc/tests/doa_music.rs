//! Broadband MUSIC and NormMUSIC on signals with a known answer.
//!
//! Run with `--nocapture` to see the measured errors.

mod common;

use ndarray::{Array2, Array3};
use num_complex::Complex64;
use rand::Rng;
use soundloc::ErrorKind;
use soundloc::array::{Direction, MicArray};
use soundloc::doa::SourceEstimate;
use soundloc::doa::grid::SearchGrid;
use soundloc::doa::music::{Music, MusicConfig};

const FS: f64 = 16_000.0;
const C: f64 = 343.0;

fn config(fft_len: usize, normalise: bool) -> MusicConfig {
    MusicConfig {
        fft_len,
        sample_rate: FS,
        speed_of_sound: C,
        freq_range_hz: (500.0, 4000.0),
        n_sources: 1,
        min_separation: 10f64.to_radians(),
        refine: true,
        normalise,
        forgetting_factor: 0.95,
    }
}

fn name(normalise: bool) -> &'static str {
    if normalise { "NormMUSIC" } else { "MUSIC" }
}

fn direction_of(estimate: &SourceEstimate) -> Direction {
    estimate
        .direction()
        .expect("a far-field grid gives directions")
        .direction
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

#[test]
fn circular_array_finds_a_horizontal_source_within_three_tenths_of_a_degree() {
    let array = MicArray::uniform_circular(12, 0.15).unwrap();
    let truth = Direction::horizontal(61f64.to_radians());
    let mut signals = common::far_field_noise(&array, &truth, FS, C, 16_000, 7);
    common::add_noise(&mut signals, 0.0, 8);

    for normalise in [false, true] {
        let grid = SearchGrid::horizon(360).unwrap();
        let mut music = Music::new(array.clone(), grid, config(256, normalise)).unwrap();
        let started = std::time::Instant::now();
        let estimates = music.process_signals(signals.view(), 128).unwrap();
        let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
        assert_eq!(estimates.len(), 1);

        let found = direction_of(&estimates[0]);
        let error = found.angle_to(&truth).to_degrees();
        println!(
            "{}: 12-mic UCA, azimuth 61 deg, 0 dB SNR: found {:.3} deg, error {error:.4} deg \
             ({elapsed_ms:.1} ms for 1 s of signal, 360 directions)",
            name(normalise),
            found.azimuth.to_degrees()
        );
        assert!(error < 0.3, "{}: error {error} deg", name(normalise));
        assert_eq!(music.map().len(), 360);
    }
}

#[test]
fn two_uncorrelated_sources_fifty_degrees_apart_are_both_found() {
    let array = MicArray::uniform_circular(12, 0.15).unwrap();
    let truths = [
        Direction::horizontal(30f64.to_radians()),
        Direction::horizontal(80f64.to_radians()),
    ];
    let mut signals = common::far_field_noise(&array, &truths[0], FS, C, 16_000, 21);
    signals += &common::far_field_noise(&array, &truths[1], FS, C, 16_000, 22);
    common::add_noise(&mut signals, 20.0, 23);

    for normalise in [false, true] {
        let mut config = config(512, normalise);
        config.n_sources = 2;
        let grid = SearchGrid::horizon(360).unwrap();
        let mut music = Music::new(array.clone(), grid, config).unwrap();
        let estimates = music.process_signals(signals.view(), 256).unwrap();
        assert_eq!(estimates.len(), 2);

        for truth in &truths {
            let error = estimates
                .iter()
                .map(|e| direction_of(e).angle_to(truth).to_degrees())
                .fold(f64::INFINITY, f64::min);
            println!(
                "{}: two sources, the one at {:.0} deg found within {error:.4} deg",
                name(normalise),
                truth.azimuth.to_degrees()
            );
            assert!(error < 1.0, "{}: error {error} deg", name(normalise));
        }
    }
}

/// 16 capsules spanning three dimensions: two rings of 6 at heights ±6 cm, turned
/// 30 degrees from each other, and 4 on the vertical axis.
fn sixteen_mic_3d_array() -> MicArray {
    let mut positions = Vec::new();
    for (height, turn) in [(0.06, 0.0), (-0.06, 30f64.to_radians())] {
        for k in 0..6 {
            let phi = turn + std::f64::consts::TAU * k as f64 / 6.0;
            positions.push([0.1 * phi.cos(), 0.1 * phi.sin(), height]);
        }
    }
    for z in [-0.15, -0.1, 0.1, 0.15] {
        positions.push([0.0, 0.0, z]);
    }
    MicArray::new(positions).unwrap()
}

#[test]
fn three_dimensional_arrays_find_directions_over_the_sphere_at_20_db() {
    let arrays = [
        ("tetrahedron r = 5 cm", MicArray::tetrahedron(0.05).unwrap()),
        ("16-mic 3-D", sixteen_mic_3d_array()),
    ];
    let mut rng = common::rng(99);
    let truths: Vec<Direction> = (0..8)
        .map(|_| {
            let azimuth = rng.random_range(-std::f64::consts::PI..std::f64::consts::PI);
            let colatitude = rng.random_range(-1.0f64..1.0).acos();
            Direction::new(azimuth, colatitude)
        })
        .collect();

    for (label, array) in &arrays {
        for normalise in [false, true] {
            let grid = SearchGrid::sphere(3).unwrap();
            let mut music = Music::new(array.clone(), grid, config(512, normalise)).unwrap();
            let mut errors: Vec<f64> = truths
                .iter()
                .enumerate()
                .map(|(k, truth)| {
                    let seed = 1000 + 2 * k as u64;
                    let mut signals = common::far_field_noise(array, truth, FS, C, 16_000, seed);
                    common::add_noise(&mut signals, 20.0, seed + 1);
                    let estimates = music.process_signals(signals.view(), 256).unwrap();
                    direction_of(&estimates[0]).angle_to(truth).to_degrees()
                })
                .collect();

            let worst = errors.iter().copied().fold(0.0, f64::max);
            let median = median(&mut errors);
            println!(
                "{}: {label}, sphere(3), 8 directions, 20 dB: median {median:.3} deg, \
                 worst {worst:.3} deg",
                name(normalise)
            );
            assert!(median < 1.0, "{label}: median {median} deg");
            assert!(worst < 3.0, "{label}: worst {worst} deg");
        }
    }
}

#[test]
fn near_field_source_half_a_metre_from_a_linear_array_is_placed_within_ten_centimetres() {
    let array = MicArray::uniform_linear(10, 0.1).unwrap();
    assert!((array.aperture_m() - 0.9).abs() < 1e-12);
    let source = [0.3, 0.4, 0.0];
    let mut signals = common::near_field_noise(&array, source, FS, C, 16_000, 41);
    common::add_noise(&mut signals, 20.0, 42);

    for normalise in [false, true] {
        let grid = SearchGrid::plane((-1.0, 1.0), (0.05, 1.5), 0.0, 0.05).unwrap();
        let mut config = config(512, normalise);
        config.min_separation = 0.2;
        let mut music = Music::new(array.clone(), grid, config).unwrap();
        let estimates = music.process_signals(signals.view(), 256).unwrap();
        let found = estimates[0].position().expect("a near-field grid").position;

        let error = (0..3)
            .map(|i| (found[i] - source[i]).powi(2))
            .sum::<f64>()
            .sqrt();
        println!(
            "{}: 0.9 m linear array, source 0.5 m away: found ({:.3}, {:.3}) m, \
             error {:.2} mm",
            name(normalise),
            found[0],
            found[1],
            1000.0 * error
        );
        assert!(error < 0.1, "error {error} m");
    }
}

#[test]
fn bad_inputs_get_errors_that_say_what_was_expected() {
    let array = MicArray::uniform_circular(4, 0.05).unwrap();
    let grid = || SearchGrid::horizon(72).unwrap();
    let new = |config: MusicConfig| Music::new(array.clone(), grid(), config);

    let mut too_many = config(256, true);
    too_many.n_sources = 4;
    let error = new(too_many).unwrap_err();
    assert!(error.to_string().contains("n_sources"), "{error}");
    assert!(error.to_string().contains("1 to 3"), "{error}");
    let mut none = config(256, true);
    none.n_sources = 0;
    assert!(new(none).is_err());
    let mut above_nyquist = config(256, true);
    above_nyquist.freq_range_hz = (500.0, 9000.0);
    assert!(
        new(above_nyquist)
            .unwrap_err()
            .to_string()
            .contains("freq_range_hz")
    );
    let mut no_speed = config(256, true);
    no_speed.speed_of_sound = 0.0;
    assert!(new(no_speed).is_err());
    let mut bad_lambda = config(256, true);
    bad_lambda.forgetting_factor = 1.5;
    assert!(new(bad_lambda).is_err());

    let mut music = new(config(256, true)).unwrap();
    let three_channels = Array3::<Complex64>::zeros((3, 129, 10));
    let error = music.process_spectra(three_channels.view()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("expected 4 channels (one per microphone), got 3 channels"),
        "{error}"
    );
    let wrong_bins = Array3::<Complex64>::zeros((4, 128, 10));
    let error = music.process_spectra(wrong_bins.view()).unwrap_err();
    assert!(
        error.to_string().contains("expected 129 bins") && error.to_string().contains("got 128"),
        "{error}"
    );
    let no_frames = Array3::<Complex64>::zeros((4, 129, 0));
    let error = music.process_spectra(no_frames.view()).unwrap_err();
    assert!(error.to_string().contains("at least 1 frame"), "{error}");

    let mut nan = Array3::<Complex64>::from_elem((4, 129, 10), Complex64::new(1.0, 0.0));
    nan[[2, 40, 3]] = Complex64::new(f64::NAN, 0.0);
    let error = music.process_spectra(nan.view()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(
        error.to_string().contains("mic 2, bin 40, frame 3"),
        "{error}"
    );

    let silent = Array2::<f64>::zeros((4, 4000));
    let error = music.process_signals(silent.view(), 128).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Numerical);
    assert!(error.to_string().contains("silent"), "{error}");
    assert!(music.map().is_empty(), "no map from failed calls");

    let five_channels = Array2::<f64>::zeros((5, 4000));
    assert!(
        music
            .process_signals(five_channels.view(), 128)
            .unwrap_err()
            .to_string()
            .contains("got 5 channels")
    );
    let short_frame = Array2::<f64>::zeros((4, 100));
    let error = music.push_frame(short_frame.view()).unwrap_err();
    assert!(
        error.to_string().contains("expected 256 samples, got 100"),
        "{error}"
    );
}

#[test]
fn a_planar_array_reports_the_upper_mirror_image_and_not_both() {
    let array = MicArray::uniform_circular(8, 0.05).unwrap();
    for (k, colatitude) in [60f64, 120.0].into_iter().enumerate() {
        let truth = Direction::new(-1.2, colatitude.to_radians());
        let upper = Direction::new(-1.2, colatitude.min(180.0 - colatitude).to_radians());
        let mut signals = common::far_field_noise(&array, &truth, FS, C, 8_000, 80 + k as u64);
        common::add_noise(&mut signals, 20.0, 90 + k as u64);
        let mut config = config(512, true);
        config.n_sources = 2;
        let mut music = Music::new(array.clone(), SearchGrid::sphere(3).unwrap(), config).unwrap();
        let estimates = music.process_signals(signals.view(), 256).unwrap();

        let first = direction_of(&estimates[0]);
        let error = first.angle_to(&upper).to_degrees();
        assert!(
            error < 3.0,
            "colatitude {colatitude}: {first:?} is {error} deg from {upper:?}"
        );
        for e in &estimates {
            assert!(
                direction_of(e).colatitude <= std::f64::consts::FRAC_PI_2 + 1e-12,
                "{e:?}"
            );
        }
        if let Some(second) = estimates.get(1) {
            let apart = direction_of(second).angle_to(&first).to_degrees();
            assert!(
                apart >= 10.0,
                "the mirror image came back as a second source: {apart} deg"
            );
        }
    }
}
