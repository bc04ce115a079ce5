//! The solver with any sensors and delays: a finite position with a symmetric covariance,
//! or an error; never a panic, a NaN or an infinite position.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use soundloc::locate::{Dimension, HeightPrior, LocateOptions, TdoaMeasurement, locate};

#[derive(Debug, Arbitrary)]
struct Input {
    sensors: Vec<[f64; 3]>,
    measurements: Vec<(u8, u8, f64, f64)>,
    two_dimensional: bool,
    speed_of_sound: f64,
    height_prior: Option<(f64, f64)>,
    plane_height_m: Option<f64>,
    reject_outliers: bool,
    initial_guess: Option<[f64; 3]>,
    max_iterations: u8,
}

fuzz_target!(|input: Input| {
    if input.sensors.len() > 64 || input.measurements.len() > 256 {
        return;
    }
    let measurements: Vec<TdoaMeasurement> = input
        .measurements
        .iter()
        .map(|&(i, j, delay_s, std_s)| {
            TdoaMeasurement::new(usize::from(i), usize::from(j), delay_s, std_s)
        })
        .collect();
    let options = LocateOptions {
        dimension: if input.two_dimensional {
            Dimension::Two
        } else {
            Dimension::Three
        },
        speed_of_sound: input.speed_of_sound,
        height_prior: input
            .height_prior
            .map(|(min_m, max_m)| HeightPrior { min_m, max_m }),
        plane_height_m: input.plane_height_m,
        reject_outliers: input.reject_outliers,
        initial_guess: input.initial_guess,
        max_iterations: usize::from(input.max_iterations),
        ..LocateOptions::default()
    };

    if let Ok(solution) = locate(&input.sensors, &measurements, &options) {
        assert!(solution.position.iter().all(|x| x.is_finite()));
        assert!(solution.residual_rms_s.is_finite());
        for row in 0..3 {
            for column in 0..3 {
                let (a, b) = (solution.covariance[row][column], solution.covariance[column][row]);
                assert!(!a.is_nan(), "NaN covariance {:?}", solution.covariance);
                assert!(a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()));
            }
        }
    }
});
