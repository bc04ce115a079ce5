//! Multilateration of one source from 4, 8 and 16 microphones in 3-D
//! (`locate/{n_mics}/...`): exact delays plus 10 microseconds of noise, covariance
//! included (it always is). `all_pairs` gives the solver every pair's delay,
//! `reference_pairs` only those to the first microphone (`n_mics - 1` of them).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use soundloc::locate::{LocateOptions, locate};
use soundloc_benches::scene;

const N_MICS: [usize; 3] = [4, 8, 16];

fn locate_n(c: &mut Criterion) {
    let options = LocateOptions::default();
    for n_mics in N_MICS {
        let mut group = c.benchmark_group(format!("locate/{n_mics}"));
        for (name, all_pairs) in [("all_pairs", true), ("reference_pairs", false)] {
            let (mics, measurements, source) = scene(n_mics, 1e-5, all_pairs);
            let fix = locate(&mics, &measurements, &options).expect("a fix");
            let miss = (0..3)
                .map(|k| (fix.position[k] - source[k]).powi(2))
                .sum::<f64>();
            assert!(miss.sqrt() < 0.5, "{n_mics} mics, {name}: {fix:?}");

            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| {
                    locate(black_box(&mics), black_box(&measurements), &options).expect("a fix")
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, locate_n);
criterion_main!(benches);
