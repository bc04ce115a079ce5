//! Multilateration of one source from 8 microphones in 3-D (`locate/8`): exact delays
//! plus 10 microseconds of noise, covariance included (it always is).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use soundloc::locate::{LocateOptions, locate};
use soundloc_benches::scene;

const N_MICS: usize = 8;

fn locate_8(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("locate/{N_MICS}"));
    let options = LocateOptions::default();
    for (name, all_pairs) in [("all_pairs", true), ("reference_pairs", false)] {
        let (mics, measurements, _source) = scene(N_MICS, 1e-5, all_pairs);
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| locate(black_box(&mics), black_box(&measurements), &options).expect("a fix"))
        });
    }
    group.finish();
}

criterion_group!(benches, locate_8);
criterion_main!(benches);
