//! SRP-PHAT on simulated array signals with a known answer: accuracy on a circular,
//! a 3-D and a linear (near-field) array, two sources, bad inputs, and agreement between
//! the frame-by-frame and the many-frame entry points.

mod common;

use ndarray::Array2;
use soundloc::ErrorKind;
use soundloc::array::{Direction, MicArray};
use soundloc::doa::SourceEstimate;
use soundloc::doa::grid::SearchGrid;
use soundloc::doa::srp::{SrpConfig, SrpPhat};
use soundloc::doa::stft::Stft;

const FS: f64 = 16_000.0;
const C: f64 = 343.0;

fn config(fft_len: usize, band: (f64, f64)) -> SrpConfig {
    SrpConfig {
        fft_len,
        speed_of_sound: C,
        freq_range_hz: band,
        ..SrpConfig::new(FS)
    }
}

fn locate(srp: &mut SrpPhat, signals: &Array2<f64>, hop: usize) -> Vec<SourceEstimate> {
    let stft = Stft::new(srp.config().fft_len, hop).unwrap();
    let spectra = stft.process(signals.view()).unwrap();
    srp.process_spectra(spectra.view()).unwrap()
}

fn direction_of(estimate: &SourceEstimate) -> Direction {
    estimate
        .direction()
        .expect("a far-field estimate")
        .direction
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[test]
fn circular_array_finds_white_noise_at_61_degrees_within_a_third_of_a_degree() {
    let array = MicArray::uniform_circular(12, 0.15).unwrap();
    let truth = Direction::horizontal(61f64.to_radians());
    let mut signals = common::far_field_noise(&array, &truth, FS, C, 16_000, 3);
    common::add_noise(&mut signals, 0.0, 4);

    for (fft_len, band) in [(256, (300.0, 3500.0)), (512, (100.0, 7900.0))] {
        let grid = SearchGrid::horizon(360).unwrap();
        let mut srp = SrpPhat::new(array.clone(), grid, config(fft_len, band)).unwrap();
        let estimates = locate(&mut srp, &signals, fft_len / 2);
        let error = direction_of(&estimates[0]).angle_to(&truth).to_degrees();
        println!(
            "UCA 12 x 0.15 m, 0 dB SNR, fft {fft_len}, band {band:?} Hz: error {error:.4} deg"
        );
        assert!(error < 0.3, "error {error} deg");
    }
}

#[test]
fn a_3d_array_beats_half_a_degree_on_the_sphere_grid_only_with_refinement() {
    let array = common::two_ring_array();
    let mut rng = common::rng(11);
    let band = (200.0, 7000.0);
    let sphere = || SearchGrid::sphere(4).unwrap();
    let mut refined = SrpPhat::new(array.clone(), sphere(), config(512, band)).unwrap();
    let unrefined_config = SrpConfig {
        refine: false,
        ..config(512, band)
    };
    let mut unrefined = SrpPhat::new(array.clone(), sphere(), unrefined_config).unwrap();

    let (mut with, mut without) = (Vec::new(), Vec::new());
    for trial in 0..50 {
        let truth = common::random_direction(&mut rng);
        let mut signals = common::far_field_noise(&array, &truth, FS, C, 4096, 100 + trial);
        common::add_noise(&mut signals, 20.0, 200 + trial);
        let a = direction_of(&locate(&mut refined, &signals, 256)[0]);
        let b = direction_of(&locate(&mut unrefined, &signals, 256)[0]);
        with.push(a.angle_to(&truth).to_degrees());
        without.push(b.angle_to(&truth).to_degrees());
    }
    let (with_max, without_max) = (
        with.iter().copied().fold(0.0, f64::max),
        without.iter().copied().fold(0.0, f64::max),
    );
    let (with, without) = (median(with), median(without));
    println!(
        "16-mic two-ring array, 2562-point sphere, 20 dB SNR, 50 directions: median error \
         {with:.3} deg refined (max {with_max:.3}), {without:.3} deg on the grid (max {without_max:.3})"
    );
    assert!(with < 0.5, "median refined error {with} deg");
    assert!(with_max < 2.0, "worst refined error {with_max} deg");
    assert!(
        without > 2.0 * with && without > 0.5,
        "the grid alone should be coarser: {without} vs {with} deg"
    );
}

#[test]
fn a_linear_array_places_near_sources_on_a_plane_within_ten_centimetres() {
    let array = MicArray::uniform_linear(10, 0.1).unwrap();
    let grid = SearchGrid::plane((-1.0, 1.0), (0.1, 1.2), 0.0, 0.02).unwrap();
    let mut srp = SrpPhat::new(array.clone(), grid, config(512, (100.0, 7900.0))).unwrap();

    let sources = [
        [0.0, 0.3, 0.0],
        [0.25, 0.5, 0.0],
        [-0.4, 0.6, 0.0],
        [0.5, 0.75, 0.0],
        [-0.2, 0.9, 0.0],
        [0.1, 1.0, 0.0],
    ];
    for (k, source) in sources.iter().enumerate() {
        let mut signals = common::near_field_noise(&array, *source, FS, C, 16_000, 30 + k as u64);
        common::add_noise(&mut signals, 10.0, 40 + k as u64);
        let estimates = locate(&mut srp, &signals, 256);
        let found = estimates[0]
            .position()
            .expect("a near-field estimate")
            .position;
        let error = ((found[0] - source[0]).powi(2) + (found[1] - source[1]).powi(2)).sqrt();
        println!(
            "ULA 10 x 0.1 m, 10 dB SNR, source {source:?}: found [{:.3}, {:.3}], error {:.1} cm",
            found[0],
            found[1],
            100.0 * error
        );
        assert!(error < 0.1, "source {source:?}: error {error} m");
    }
}

#[test]
fn two_sources_sixty_degrees_apart_are_both_found() {
    let array = MicArray::uniform_circular(12, 0.15).unwrap();
    let truths = [
        Direction::horizontal(20f64.to_radians()),
        Direction::horizontal(80f64.to_radians()),
    ];
    let mut signals = common::far_field_noise(&array, &truths[0], FS, C, 16_000, 5);
    signals += &common::far_field_noise(&array, &truths[1], FS, C, 16_000, 6);
    common::add_noise(&mut signals, 10.0, 7);

    let settings = SrpConfig {
        n_sources: 2,
        ..config(512, (100.0, 7900.0))
    };
    let mut srp = SrpPhat::new(array, SearchGrid::horizon(360).unwrap(), settings).unwrap();
    let estimates = locate(&mut srp, &signals, 256);
    assert_eq!(estimates.len(), 2);
    for truth in &truths {
        let error = estimates
            .iter()
            .map(|e| direction_of(e).angle_to(truth).to_degrees())
            .fold(f64::INFINITY, f64::min);
        println!(
            "two sources: {:.1} deg found within {error:.3} deg",
            truth.azimuth.to_degrees()
        );
        assert!(error < 1.0, "{truth:?}: nearest estimate {error} deg away");
    }
}

#[test]
fn a_frame_gives_what_its_spectrum_gives() {
    let array = common::two_ring_array();
    let truth = Direction::new(-2.0, 1.1);
    let mut signals = common::far_field_noise(&array, &truth, FS, C, 512, 8);
    common::add_noise(&mut signals, 10.0, 9);
    let mut srp = SrpPhat::new(
        array,
        SearchGrid::sphere(3).unwrap(),
        config(512, (200.0, 7000.0)),
    )
    .unwrap();

    let from_frame = srp.process_frame(signals.view()).unwrap();
    let frame_map = srp.map().to_vec();
    let from_spectra = locate(&mut srp, &signals, 512);
    let spectra_map = srp.map();

    let scale = frame_map.iter().copied().fold(0.0, f64::max);
    let largest_gap = frame_map
        .iter()
        .zip(spectra_map)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(largest_gap < 1e-5 * scale, "maps differ by {largest_gap}");
    let (a, b) = (direction_of(&from_frame[0]), direction_of(&from_spectra[0]));
    assert!(a.angle_to(&b) < 1e-9, "{a:?} vs {b:?}");
    assert!((from_frame[0].power() - from_spectra[0].power()).abs() < 1e-9 * scale);
    assert!(
        a.angle_to(&truth).to_degrees() < 3.0,
        "one noisy frame, near the truth"
    );
}

#[test]
fn bad_inputs_are_refused_with_reasons() {
    let array = MicArray::uniform_circular(4, 0.05).unwrap();
    let grid = || SearchGrid::horizon(72).unwrap();
    let mut srp = SrpPhat::new(array.clone(), grid(), config(256, (300.0, 3500.0))).unwrap();

    let wrong_rows = srp
        .process_frame(Array2::zeros((3, 256)).view())
        .unwrap_err();
    assert!(
        wrong_rows
            .to_string()
            .contains("expected 4 rows, one per microphone, got 3 rows"),
        "{wrong_rows}"
    );
    let wrong_len = srp
        .process_frame(Array2::zeros((4, 200)).view())
        .unwrap_err();
    assert!(
        wrong_len
            .to_string()
            .contains("expected 256 samples, got 200"),
        "{wrong_len}"
    );
    let mut nan = Array2::<f64>::ones((4, 256));
    nan[[2, 7]] = f64::NAN;
    let error = srp.process_frame(nan.view()).unwrap_err();
    assert!(error.to_string().contains("frame[2]"), "{error}");
    assert_eq!(error.kind(), ErrorKind::InvalidInput);

    let silent = srp
        .process_frame(Array2::zeros((4, 256)).view())
        .unwrap_err();
    assert_eq!(silent.kind(), ErrorKind::Numerical);
    assert!(silent.to_string().contains("no estimate"), "{silent}");
    let mut one_channel = Array2::<f64>::zeros((4, 256));
    for (x, v) in one_channel
        .row_mut(1)
        .iter_mut()
        .zip(common::white_noise(&mut common::rng(1), 256))
    {
        *x = v;
    }
    let lonely = srp.process_frame(one_channel.view()).unwrap_err();
    assert!(lonely.to_string().contains("on 1 channel;"), "{lonely}");
    assert!(srp.map().iter().all(|m| m.is_finite()));

    let spectra = ndarray::Array3::<num_complex::Complex64>::zeros((4, 100, 3));
    let shape = srp.process_spectra(spectra.view()).unwrap_err();
    assert!(shape.to_string().contains("129 bins"), "{shape}");
    let silent_spectra = ndarray::Array3::<num_complex::Complex64>::zeros((4, 129, 3));
    let error = srp.process_spectra(silent_spectra.view()).unwrap_err();
    assert!(
        error.to_string().contains("each of the 3 frames"),
        "{error}"
    );

    let refused = |settings: SrpConfig| SrpPhat::new(array.clone(), grid(), settings).unwrap_err();
    let above = refused(config(256, (300.0, 9000.0)));
    assert!(above.to_string().contains("8000 Hz (Nyquist)"), "{above}");
    assert!(
        refused(config(4, (300.0, 3500.0)))
            .to_string()
            .contains("fft_len")
    );
    let sound = refused(SrpConfig {
        speed_of_sound: -343.0,
        ..config(256, (300.0, 3500.0))
    });
    assert!(sound.to_string().contains("speed_of_sound"), "{sound}");
    let none = refused(SrpConfig {
        n_sources: 0,
        ..config(256, (300.0, 3500.0))
    });
    assert!(none.to_string().contains("n_sources"), "{none}");
    let wide = MicArray::uniform_linear(2, 3.0).unwrap();
    let short = SrpPhat::new(wide, grid(), config(64, (300.0, 3500.0))).unwrap_err();
    assert!(short.to_string().contains("139.9 samples apart"), "{short}");
    assert!(
        MicArray::new(vec![[0.0; 3]]).is_err(),
        "one microphone is no array"
    );
}

/// Spectra of `signals` (hop 128, 512-point frames) and the locator of the pooling tests:
/// the two-ring array on the 2562-direction sphere, speech band.
fn pooling_case(seed: u64) -> (SrpPhat, ndarray::Array3<num_complex::Complex64>, Direction) {
    let array = common::two_ring_array();
    let truth = Direction::new(1.1, 1.26);
    let mut signals = common::far_field_noise(&array, &truth, FS, C, 512 + 39 * 128, seed);
    common::add_noise(&mut signals, 20.0, seed + 1);
    let spectra = Stft::new(512, 128)
        .unwrap()
        .process(signals.view())
        .unwrap();
    let srp = SrpPhat::new(
        array,
        SearchGrid::sphere(4).unwrap(),
        config(512, (300.0, 4000.0)),
    )
    .unwrap();
    (srp, spectra, truth)
}

#[test]
fn pooled_frames_give_the_sum_of_the_frames_maps_and_scores() {
    let (mut srp, spectra, truth) = pooling_case(61);
    assert_eq!(spectra.dim().2, 40);
    let grid_points = srp.grid().points().to_vec();

    // Fewer frames than microphones, then many: both ways the pool scores.
    for n_frames in [3, 40] {
        let some = spectra.slice_axis(ndarray::Axis(2), ndarray::Slice::from(0..n_frames));
        let mut summed = vec![0.0; grid_points.len()];
        let probes: Vec<[f64; 3]> = [(1.1, 1.26), (1.15, 1.2), (-0.5, 2.0), (3.0, 0.3)]
            .iter()
            .map(|&(a, c)| Direction::new(a, c).unit())
            .collect();
        let mut summed_scores = vec![0.0; probes.len()];
        for f in 0..n_frames {
            let one = some.slice_axis(ndarray::Axis(2), ndarray::Slice::from(f..f + 1));
            srp.process_spectra(one).unwrap();
            for (s, m) in summed.iter_mut().zip(srp.map()) {
                *s += m;
            }
            for (s, p) in summed_scores.iter_mut().zip(&probes) {
                *s += srp.steered_power(*p);
            }
        }

        let pooled = srp.process_spectra(some).unwrap();
        let peak = summed.iter().copied().fold(0.0, f64::max);
        let gap = summed
            .iter()
            .zip(srp.map())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        println!(
            "{n_frames} frames: pooled map within {gap:.3e} of the summed maps (peak {peak:.1})"
        );
        assert!(
            gap < 1e-5 * peak,
            "{n_frames} frames: maps differ by {gap}, peak {peak}"
        );

        // The same grid peak, and the refined point maximises the summed exact score.
        let argmax = |values: &[f64]| {
            (0..values.len())
                .max_by(|&a, &b| values[a].total_cmp(&values[b]))
                .unwrap()
        };
        assert_eq!(argmax(&summed), argmax(srp.map()));
        for (s, p) in summed_scores.iter().zip(&probes) {
            let pooled_score = srp.steered_power(*p);
            assert!(
                (pooled_score - s).abs() < 1e-9 * s.abs().max(1.0),
                "{n_frames} frames at {p:?}: pooled {pooled_score} vs summed {s}"
            );
        }
        let found = direction_of(&pooled[0]);
        assert!(found.angle_to(&truth).to_degrees() < 2.0, "{found:?}");
        assert!((pooled[0].power() - srp.steered_power(found.unit())).abs() < 1e-9 * peak);
    }
}

#[test]
fn refinement_reaches_the_maximum_of_the_exact_score() {
    for seed in [71, 72, 73] {
        let (mut srp, spectra, truth) = pooling_case(seed);
        let found = srp.process_spectra(spectra.view()).unwrap()[0].clone();
        let refined = direction_of(&found).unit();

        // Brute force: a dense square of directions around the refined one, in tangent
        // coordinates, then a finer one around the best of those.
        let helper = if refined[2].abs() < 0.9 {
            [0.0, 0.0, 1.0]
        } else {
            [1.0, 0.0, 0.0]
        };
        let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        let normalised = |v: [f64; 3]| {
            let n = dot(v, v).sqrt();
            [v[0] / n, v[1] / n, v[2] / n]
        };
        let d = dot(helper, refined);
        let e1 = normalised([
            helper[0] - d * refined[0],
            helper[1] - d * refined[1],
            helper[2] - d * refined[2],
        ]);
        let e2 = [
            refined[1] * e1[2] - refined[2] * e1[1],
            refined[2] * e1[0] - refined[0] * e1[2],
            refined[0] * e1[1] - refined[1] * e1[0],
        ];
        let at = |x: f64, y: f64| {
            normalised([
                refined[0] + x * e1[0] + y * e2[0],
                refined[1] + x * e1[1] + y * e2[1],
                refined[2] + x * e1[2] + y * e2[2],
            ])
        };
        let (mut centre, mut best) = ((0.0, 0.0), f64::MIN);
        for (half_width, step) in [(0.03, 1e-3), (1.5e-3, 5e-5)] {
            let n = (half_width / step) as i32;
            let (cx, cy) = centre;
            for i in -n..=n {
                for j in -n..=n {
                    let (x, y) = (cx + i as f64 * step, cy + j as f64 * step);
                    let power = srp.steered_power(at(x, y));
                    if power > best {
                        (best, centre) = (power, (x, y));
                    }
                }
            }
        }
        let dense = Direction::from_vector(at(centre.0, centre.1)).unwrap();
        let gap = direction_of(&found).angle_to(&dense).to_degrees();
        println!(
            "seed {seed}: refined {:.4} deg from the dense maximum, {:.4} deg from the truth \
             (dense maximum {:.4} deg from the truth); power {:.6} vs {:.6}",
            gap,
            direction_of(&found).angle_to(&truth).to_degrees(),
            dense.angle_to(&truth).to_degrees(),
            found.power(),
            best
        );
        assert!(
            gap < 0.005,
            "seed {seed}: refined {gap} deg from the maximum"
        );
        assert!(
            found.power() >= best - 1e-7 * best,
            "{} < {best}",
            found.power()
        );
    }
}

#[test]
fn a_small_board_in_a_low_band_still_points_the_right_way() {
    // A 9 cm board is a fraction of a wavelength below 1 kHz: its steered response is
    // broad, and a coarse table of lags would put every candidate on the same few
    // samples. Noise-free signals must still give the direction.
    let array = MicArray::six_mic_board();
    let truth = Direction::new(60f64.to_radians(), 70f64.to_radians());
    let signals = common::far_field_noise(&array, &truth, FS, C, 16_000, 21);
    for band in [
        (300.0, 1000.0),
        (300.0, 2000.0),
        (1000.0, 1001.0),
        (2000.0, 4000.0),
    ] {
        let grid = SearchGrid::hemisphere(4).unwrap();
        let mut srp = SrpPhat::new(array.clone(), grid, config(512, band)).unwrap();
        let found = direction_of(&locate(&mut srp, &signals, 128)[0]);
        let error = found.angle_to(&truth).to_degrees();
        println!("six-capsule board, band {band:?} Hz: error {error:.3} degrees");
        assert!(error < 1.0, "band {band:?}: {error} degrees");
    }
}

#[test]
fn a_small_board_finds_the_range_of_a_near_source_along_its_flat_ridge() {
    // Seen from a 9 cm board, a source 0.58 m away scores almost the same anywhere
    // along its bearing; refinement must still climb the ridge to the true range.
    let array = MicArray::seven_mic_board();
    let truth = [0.3, 0.5, 0.0];
    let signals = common::near_field_noise(&array, truth, FS, C, 16_000, 3);
    let grid = SearchGrid::plane((-1.0, 1.0), (0.1, 1.5), 0.0, 0.02).unwrap();
    let mut srp = SrpPhat::new(array, grid, config(512, (300.0, 4000.0))).unwrap();
    let found = locate(&mut srp, &signals, 128)[0]
        .position()
        .unwrap()
        .position;
    let error = (0..3)
        .map(|k| (found[k] - truth[k]).powi(2))
        .sum::<f64>()
        .sqrt();
    println!(
        "seven-capsule board, source 0.58 m away: error {:.1} cm",
        100.0 * error
    );
    assert!(error < 0.05, "{found:?}");
}

/// The smallest great-circle angle between any two estimates, degrees.
fn closest_pair_deg(estimates: &[SourceEstimate]) -> f64 {
    let mut closest = f64::INFINITY;
    for (k, a) in estimates.iter().enumerate() {
        for b in &estimates[k + 1..] {
            closest = closest.min(direction_of(a).angle_to(&direction_of(b)).to_degrees());
        }
    }
    closest
}

#[test]
fn two_sources_on_a_small_circle_are_each_reported_once() {
    // The map of a 5 cm circle is read from interpolated tables, which leave ripples
    // on the flanks of its two broad peaks; those must not stand for a second source,
    // with refinement (which climbed them back onto the first peak) or without.
    let array = MicArray::uniform_circular(8, 0.05).unwrap();
    let truths = [Direction::horizontal(0.5), Direction::horizontal(-2.0)];
    for refine in [true, false] {
        let settings = SrpConfig {
            n_sources: 2,
            refine,
            ..config(512, (300.0, 4000.0))
        };
        let mut srp =
            SrpPhat::new(array.clone(), SearchGrid::horizon(360).unwrap(), settings).unwrap();
        for seed in 0..10 {
            let mut signals =
                common::far_field_noise(&array, &truths[0], FS, C, 16_000, 100 + seed);
            signals += &common::far_field_noise(&array, &truths[1], FS, C, 16_000, 200 + seed);
            let estimates = locate(&mut srp, &signals, 256);

            assert_eq!(estimates.len(), 2, "seed {seed}, refine {refine}");
            let closest = closest_pair_deg(&estimates);
            assert!(
                closest >= 5.0,
                "seed {seed}, refine {refine}: {closest} deg apart"
            );
            for truth in &truths {
                let error = estimates
                    .iter()
                    .map(|e| direction_of(e).angle_to(truth).to_degrees())
                    .fold(f64::INFINITY, f64::min);
                assert!(
                    error < 3.0,
                    "seed {seed}, refine {refine}: {truth:?} missed by {error} deg"
                );
            }
        }
    }
}

#[test]
fn asking_for_more_sources_than_there_are_gives_only_distinct_peaks() {
    let array = MicArray::uniform_circular(8, 0.05).unwrap();
    let truth = Direction::horizontal(1.0);
    let mut signals = common::far_field_noise(&array, &truth, FS, C, 16_000, 51);
    common::add_noise(&mut signals, 20.0, 52);
    let settings = SrpConfig {
        n_sources: 4,
        ..config(512, (300.0, 4000.0))
    };
    let mut srp = SrpPhat::new(array, SearchGrid::horizon(360).unwrap(), settings).unwrap();
    let estimates = locate(&mut srp, &signals, 256);

    let error = direction_of(&estimates[0]).angle_to(&truth).to_degrees();
    assert!(error < 1.0, "the strongest is the source: {error} deg");
    assert!(closest_pair_deg(&estimates) >= 5.0, "{estimates:?}");
    let powers: Vec<f64> = estimates.iter().map(|e| e.power()).collect();
    assert!(powers.windows(2).all(|w| w[0] >= w[1]), "{powers:?}");
    // Each further estimate is a maximum of the exact score: no direction nearby is
    // higher (a shoulder would have a higher neighbour on one side).
    for e in &estimates {
        let d = direction_of(e);
        for step in [-1.0f64, 1.0] {
            let beside = Direction::horizontal(d.azimuth + step.to_radians()).unit();
            assert!(
                srp.steered_power(beside) <= e.power() + 1e-9,
                "{d:?} is no peak"
            );
        }
    }
}

#[test]
fn a_planar_array_reports_the_upper_of_the_two_mirror_images() {
    let array = MicArray::uniform_circular(8, 0.05).unwrap();
    for (k, colatitude) in [60f64, 120.0, 35.0, 150.0].into_iter().enumerate() {
        let truth = Direction::new(0.7, colatitude.to_radians());
        let mirror = Direction::new(0.7, (180.0 - colatitude).to_radians());
        let (upper, lower) = if colatitude < 90.0 {
            (truth, mirror)
        } else {
            (mirror, truth)
        };
        let mut signals = common::far_field_noise(&array, &truth, FS, C, 8_000, 60 + k as u64);
        common::add_noise(&mut signals, 20.0, 70 + k as u64);
        // Two sources asked for, one present: the mirror image is the same source and
        // must not come back as the second.
        let settings = SrpConfig {
            n_sources: 2,
            ..config(512, (300.0, 4000.0))
        };
        let mut srp =
            SrpPhat::new(array.clone(), SearchGrid::sphere(3).unwrap(), settings).unwrap();
        let estimates = locate(&mut srp, &signals, 256);

        let first = estimates[0].direction().unwrap();
        let error = first.direction.angle_to(&upper).to_degrees();
        assert!(
            error < 3.0,
            "colatitude {colatitude}: {:?} is {error} deg from {upper:?}",
            first.direction
        );
        let soundloc::array::Ambiguity::Mirror { mirror: reported } = first.ambiguity else {
            panic!("expected a mirror, got {:?}", first.ambiguity);
        };
        assert!(reported.angle_to(&lower).to_degrees() < 3.0, "{reported:?}");
        for e in &estimates {
            assert!(
                direction_of(e).colatitude <= std::f64::consts::FRAC_PI_2 + 1e-12,
                "{e:?}"
            );
        }
        if let Some(second) = estimates.get(1) {
            let apart = direction_of(second).angle_to(&first.direction).to_degrees();
            assert!(
                apart > 15.0,
                "the second estimate repeats the first: {apart} deg"
            );
        }
    }
}
