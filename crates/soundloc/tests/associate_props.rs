//! Properties of `soundloc::associate`: only the differences between arrival times
//! matter. Adding one constant to every onset time (a recording that starts later, a
//! clock reference moved) gives the same groups at the same places, with the emission
//! time moved by that constant.

use proptest::prelude::*;
use soundloc::air::DEFAULT_SPEED_OF_SOUND;
use soundloc::associate::{AssociationOptions, OnsetTime, associate};

const C: f64 = DEFAULT_SPEED_OF_SOUND;

/// A source: where, and when it emits (seconds).
type Source = ([f64; 3], f64);

/// 5 to 8 sensors over a 300 m block, 1 to 3 sources inside it at different times.
fn scene() -> impl Strategy<Value = (Vec<[f64; 3]>, Vec<Source>)> {
    let sensor = (0.0..300.0, 0.0..300.0, 2.0..6.0).prop_map(|(x, y, z)| [x, y, z]);
    let source = ((20.0..280.0, 20.0..280.0), 0.0..60.0).prop_map(|((x, y), t)| ([x, y, 4.0], t));
    (
        prop::collection::vec(sensor, 5..=8),
        prop::collection::vec(source, 1..=3),
    )
}

/// Each source's arrival at every sensor.
fn onsets(sensors: &[[f64; 3]], sources: &[Source], offset_s: f64) -> Vec<OnsetTime> {
    let mut onsets = Vec::new();
    for (position, emission_s) in sources {
        for (sensor, at) in sensors.iter().enumerate() {
            let range = (0..3)
                .map(|a| (at[a] - position[a]).powi(2))
                .sum::<f64>()
                .sqrt();
            onsets.push(OnsetTime {
                sensor,
                time_s: offset_s + emission_s + range / C,
            });
        }
    }
    onsets
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn adding_a_constant_to_every_arrival_changes_only_the_emission_time(
        (sensors, sources) in scene(),
        offset_s in -1000.0..1000.0,
    ) {
        let options = AssociationOptions::default();
        let plain = associate(&onsets(&sensors, &sources, 0.0), &sensors, C, &options).unwrap();
        let shifted = associate(&onsets(&sensors, &sources, offset_s), &sensors, C, &options).unwrap();

        prop_assert_eq!(plain.len(), shifted.len());
        for (a, b) in plain.iter().zip(&shifted) {
            prop_assert_eq!(&a.onsets, &b.onsets);
            for axis in 0..3 {
                prop_assert!((a.position[axis] - b.position[axis]).abs() < 1e-6, "{:?} vs {:?}", a, b);
            }
            prop_assert!((b.emission_s - a.emission_s - offset_s).abs() < 1e-6);
        }
    }
}
