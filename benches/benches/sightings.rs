//! The fixed cost of matching, before any key is looked at: reading a sightings CSV (as
//! `mimamori match` does) and indexing a phone's sightings (once per `mimamori match`, once per
//! phone sync). `mimamori bench end-to-end` prints the same steps' times next to the whole run's.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mimamori_benches::{sightings_csv, synthetic_diagnosis_keys, synthetic_scans};
use mimamori_gaen::IntervalNumber;
use mimamori_gaen::encounter::scans_from_csv;
use mimamori_gaen::matching::SightingIndex;

const TODAY: IntervalNumber = IntervalNumber::new(2_642_976 + 14 * 144);

fn sightings(c: &mut Criterion) {
    let keys = synthetic_diagnosis_keys(20, TODAY, 5);
    let mut group = c.benchmark_group("sightings");
    for count in [1_000, 20_000, 100_000] {
        let scans = synthetic_scans(&keys, count, 20, TODAY, 9);
        let total: usize = scans.iter().map(|scan| scan.sightings.len()).sum();
        let csv = sightings_csv(&scans);
        group.throughput(Throughput::Elements(total as u64));
        group.bench_with_input(BenchmarkId::new("csv_parse", total), &csv, |b, csv| {
            b.iter(|| scans_from_csv(black_box(csv)).map(|scans| scans.len()))
        });
        group.bench_with_input(
            BenchmarkId::new("index_build", total),
            &scans,
            |b, scans| b.iter(|| SightingIndex::new(black_box(scans)).sighting_count()),
        );
    }
    group.finish();
}

criterion_group!(benches, sightings);
criterion_main!(benches);
