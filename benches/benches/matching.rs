//! Matching downloaded diagnosis keys against a phone's sightings: the figure developers compare
//! (keys per second), on one thread and on all of them.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mimamori_benches::{synthetic_diagnosis_keys, synthetic_scans};
use mimamori_gaen::matching::{MatchScratch, RpiBatch, RpikDeriver, SightingIndex};
use mimamori_gaen::{DeviceCalibration, ExposureConfiguration, IntervalNumber};

const TODAY: IntervalNumber = IntervalNumber::new(2_642_976 + 14 * 144);

fn derivation(c: &mut Criterion) {
    let keys = synthetic_diagnosis_keys(1_000, TODAY, 11);
    let mut group = c.benchmark_group("fast_derivation");
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_function("rpik_precomputed_hkdf_x1000", |b| {
        let deriver = RpikDeriver::new();
        b.iter(|| {
            for key in &keys {
                black_box(deriver.rpik(key.key.as_bytes()));
            }
        })
    });
    group.bench_function("rpik_two_interleaved_x1000", |b| {
        let deriver = RpikDeriver::new();
        b.iter(|| {
            for pair in keys.chunks_exact(2) {
                black_box(deriver.rpiks([pair[0].key.as_bytes(), pair[1].key.as_bytes()]));
            }
        })
    });
    group.bench_function("rpik_four_interleaved_x1000", |b| {
        let deriver = RpikDeriver::new();
        b.iter(|| {
            for four in keys.chunks_exact(4) {
                black_box(deriver.rpiks([
                    four[0].key.as_bytes(),
                    four[1].key.as_bytes(),
                    four[2].key.as_bytes(),
                    four[3].key.as_bytes(),
                ]));
            }
        })
    });
    group.bench_function("144_rpis_from_rpik_x1000", |b| {
        let deriver = RpikDeriver::new();
        let rpiks: Vec<[u8; 16]> = keys
            .iter()
            .map(|key| deriver.rpik(key.key.as_bytes()))
            .collect();
        let mut batch = RpiBatch::new();
        b.iter(|| {
            for (rpik, key) in rpiks.iter().zip(&keys) {
                black_box(batch.derive(rpik, key.rolling_start, key.rolling_period));
            }
        })
    });
    group.bench_function("rpik_and_144_rpis_batched_x1000", |b| {
        let deriver = RpikDeriver::new();
        let mut batch = RpiBatch::new();
        b.iter(|| {
            for key in &keys {
                let rpik = deriver.rpik(key.key.as_bytes());
                black_box(batch.derive(&rpik, key.rolling_start, key.rolling_period));
            }
        })
    });
    group.finish();
}

fn matching(c: &mut Criterion) {
    let configuration = ExposureConfiguration::cocoa();
    let receiver = DeviceCalibration::UNKNOWN_DEVICE;
    let mut group = c.benchmark_group("match_keys");
    group.sample_size(10);
    for (key_count, sighting_count) in [(100_000, 1_000), (100_000, 100_000)] {
        let keys = synthetic_diagnosis_keys(key_count, TODAY, 5);
        let scans = synthetic_scans(&keys, sighting_count, 20, TODAY, 9);
        let index = SightingIndex::new(&scans);
        group.throughput(Throughput::Elements(key_count as u64));
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        for threads in [1, threads] {
            let id = BenchmarkId::new(
                format!("{sighting_count}_sightings"),
                format!("{threads}_threads"),
            );
            group.bench_with_input(id, &threads, |b, &threads| {
                b.iter(|| {
                    let found = index
                        .match_keys(
                            keys.iter().cloned().map(Ok),
                            &receiver,
                            &configuration.mapping,
                            threads,
                        )
                        .unwrap_or_default();
                    assert_eq!(found.matched.len(), 20);
                    found
                })
            });
        }
    }
    group.bench_function("was_heard_one_key", |b| {
        let keys = synthetic_diagnosis_keys(1, TODAY, 5);
        let scans = synthetic_scans(&keys, 10_000, 0, TODAY, 9);
        let index = SightingIndex::new(&scans);
        let mut scratch = MatchScratch::new();
        b.iter(|| index.was_heard(black_box(&keys[0]), &mut scratch))
    });
    group.finish();
}

criterion_group!(benches, derivation, matching);
criterion_main!(benches);
