//! A bare `export.bin` (the `TemporaryExposureKeyExport` after its 16-byte header), read with
//! `ExportReader`; what reads is written again with `ExportWriter` and must read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_gaen::export::{ExportKey, ExportReader, ExportWriter};

fn read_all(data: &[u8]) -> Option<(Vec<ExportKey>, mimamori_gaen::ExportSummary)> {
    let mut reader = ExportReader::new(data).ok()?;
    let mut keys = Vec::new();
    while let Some(key) = reader.next_key().ok()? {
        keys.push(key);
    }
    Some((keys, reader.finish().ok()?))
}

fn sorted(mut keys: Vec<ExportKey>) -> Vec<ExportKey> {
    keys.sort_by(|a, b| (a.revised, a.key.key.as_bytes()).cmp(&(b.revised, b.key.key.as_bytes())));
    keys
}

fuzz_target!(|data: &[u8]| {
    let Some((keys, summary)) = read_all(data) else {
        return;
    };
    assert_eq!(
        summary.key_count + summary.revised_key_count,
        keys.len() as u64
    );
    assert_eq!(summary.size, data.len() as u64);
    let Ok(written) = ExportWriter::new(summary.header.clone(), &[]).export_bin(&keys) else {
        return;
    };
    let (again, summary_again) = read_all(&written).expect("what ExportWriter wrote must read");
    assert_eq!(summary_again.header, summary.header);
    assert_eq!(sorted(again), sorted(keys));
});
