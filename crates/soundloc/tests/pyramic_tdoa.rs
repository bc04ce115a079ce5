//! Direction of arrival from real measured delays: the 48-microphone Pyramic array in
//! an anechoic chamber, 540 loudspeaker directions, 47 GCC-PHAT delays each relative to
//! microphone 0 (`datasets/pyramic-tdoa`, MIT). The reference directions come from the
//! turntable and the measured loudspeaker positions; the capsule positions are the
//! hand-measured ones, so errors of a few degrees are what the geometry allows.
//!
//! The delays are quantised to 1/96 000 s, so each is given the standard deviation of a
//! uniform quantisation error, `1 / 96 000 / sqrt(12)` (3.0 µs). The real spread is
//! larger (about 22 µs, mostly from the hand-measured positions); the estimator finds
//! that from the residuals and scales its uncertainty accordingly. No delay is filtered
//! here: the five gross outliers of the data set go in with the rest.

use std::path::PathBuf;
use std::time::Instant;

use serde_json::Value;
use soundloc::array::{Direction, MicArray};
use soundloc::doa::delays::{DelayDirectionOptions, RejectionKind, direction_from_delays};
use soundloc::locate::TdoaMeasurement;

/// The standard deviation of a delay rounded to 1/96 000 s: `step / sqrt(12)`.
fn quantisation_std_s() -> f64 {
    1.0 / 96_000.0 / 12f64.sqrt()
}

struct Pyramic {
    sound_speed: f64,
    /// `delays[m][a][s]`: `t_{m+1} - t_0` for rotation `a` and loudspeaker `s`.
    delays: Vec<Vec<Vec<f64>>>,
    /// Unit vector towards loudspeaker `s` at rotation `a`: `sources[a][s]`.
    sources: Vec<Vec<[f64; 3]>>,
    microphones: Vec<[f64; 3]>,
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

fn load() -> Pyramic {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/pyramic-tdoa/pyramic_tdoa.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();

    let delays = json["delays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|per_mic| per_mic.as_array().unwrap().iter().map(numbers).collect())
        .collect();

    let xyz: Vec<Vec<Vec<f64>>> = json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|axis| axis.as_array().unwrap().iter().map(numbers).collect())
        .collect();
    let sources = (0..xyz[0].len())
        .map(|a| {
            (0..xyz[0][a].len())
                .map(|s| [xyz[0][a][s], xyz[1][a][s], xyz[2][a][s]])
                .collect()
        })
        .collect();

    let rows: Vec<Vec<f64>> = json["microphones"]
        .as_array()
        .unwrap()
        .iter()
        .map(numbers)
        .collect();
    let microphones = (0..rows[0].len())
        .map(|m| [rows[0][m], rows[1][m], rows[2][m]])
        .collect();

    Pyramic {
        sound_speed: json["sound_speed_mps"].as_f64().unwrap(),
        delays,
        sources,
        microphones,
    }
}

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * fraction).round() as usize]
}

#[test]
fn directions_from_the_measured_delays_match_the_turntable() {
    let data = load();
    let array = MicArray::new(data.microphones.clone()).unwrap();
    assert_eq!(array.len(), 48);
    assert_eq!(data.delays.len(), 47);
    let options = DelayDirectionOptions::default();

    // The gross outliers, found independently: longer than any pair of the array allows.
    let impossible_s = array.aperture_m() / data.sound_speed;
    let mut gross = Vec::new();
    for (m, per_rotation) in data.delays.iter().enumerate() {
        for (a, per_speaker) in per_rotation.iter().enumerate() {
            for (s, delay) in per_speaker.iter().enumerate() {
                if delay.abs() > impossible_s {
                    gross.push((m, a, s));
                }
            }
        }
    }
    assert_eq!(gross.len(), 5, "{gross:?}");

    let started = Instant::now();
    let mut errors_deg = Vec::new();
    let mut gross_errors_deg = Vec::new();
    let (mut outliers, mut scaled) = (0, 0);
    for a in 0..data.sources.len() {
        for s in 0..3 {
            let delays: Vec<TdoaMeasurement> = (0..47)
                .map(|m| TdoaMeasurement::new(0, m + 1, data.delays[m][a][s], quantisation_std_s()))
                .collect();
            let found = direction_from_delays(&array, &delays, data.sound_speed, &options).unwrap();
            let truth = Direction::from_vector(data.sources[a][s]).unwrap();
            let error_deg = found.estimate.direction.angle_to(&truth).to_degrees();
            errors_deg.push(error_deg);
            outliers += found
                .rejected
                .iter()
                .filter(|r| r.kind == RejectionKind::Outlier)
                .count();
            scaled += usize::from(found.scaled_by_residuals);

            for &(m, _, _) in gross.iter().filter(|g| (g.1, g.2) == (a, s)) {
                let rejection = found
                    .rejected
                    .iter()
                    .find(|r| r.index == m)
                    .unwrap_or_else(|| panic!("delay {m} at ({a}, {s}) was used: {found:?}"));
                assert_eq!(rejection.kind, RejectionKind::Impossible, "{rejection:?}");
                assert_eq!((rejection.i, rejection.j), (0, m + 1));
                gross_errors_deg.push(error_deg);
            }
        }
    }
    let elapsed = started.elapsed();

    let mut sorted = errors_deg.clone();
    sorted.sort_by(f64::total_cmp);
    let (median, p95, max) = (
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.95),
        sorted[sorted.len() - 1],
    );
    eprintln!(
        "pyramic: {} directions in {:.0} ms; angular error median {median:.2}°, \
         p95 {p95:.2}°, max {max:.2}°; with a gross outlier: {gross_errors_deg:.2?}°; \
         {outliers} delays rejected as outliers; covariance scaled by residuals in {scaled}",
        errors_deg.len(),
        elapsed.as_secs_f64() * 1e3
    );

    assert_eq!(errors_deg.len(), 540);
    assert!(median <= 3.0, "median {median}°");
    assert!(p95 <= 4.5, "95th percentile {p95}°");
    assert!(max < 10.0, "max {max}°");
    // The estimates that saw an impossible delay are as good as the rest.
    assert_eq!(gross_errors_deg.len(), 5);
    for error in &gross_errors_deg {
        assert!(*error <= p95, "{gross_errors_deg:?} vs p95 {p95}°");
    }
}
