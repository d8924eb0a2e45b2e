//! Deriving identifiers: the per-key work every phone does for every downloaded diagnosis key.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mimamori_benches::{synthetic_key, synthetic_keys};
use mimamori_gaen::{IntervalNumber, Metadata, RollingProximityIdentifier};

fn derivation(c: &mut Criterion) {
    let tek = synthetic_key(1);
    let interval = IntervalNumber::new(2_642_976);
    let mut group = c.benchmark_group("identifiers");

    group.throughput(Throughput::Elements(1));
    group.bench_function("hkdf_rpik", |b| {
        b.iter(|| black_box(&tek).rolling_proximity_identifier_key())
    });

    group.bench_function("rpi_and_aem_one_interval", |b| {
        let rpik = tek.rolling_proximity_identifier_key();
        let aemk = tek.associated_encrypted_metadata_key();
        b.iter(|| {
            let rpi = rpik.rolling_proximity_identifier(black_box(interval));
            aemk.encrypt(&rpi, &Metadata::v1_0(8))
        })
    });

    let keys = synthetic_keys(1_000, interval, 7);
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_function("key_to_144_rpis_x1000", |b| {
        let mut rpis: Vec<RollingProximityIdentifier> = Vec::with_capacity(144);
        b.iter(|| {
            for key in &keys {
                rpis.clear();
                let cipher = key.key.rolling_proximity_identifier_key().cipher();
                rpis.extend((0..key.rolling_period).map(|offset| {
                    cipher.rolling_proximity_identifier(key.rolling_start.saturating_add(offset))
                }));
                black_box(&rpis);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, derivation);
criterion_main!(benches);
