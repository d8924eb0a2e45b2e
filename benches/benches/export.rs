//! Reading export files: the real Corona-Warn-App file (57,201 keys) as a bare `export.bin` with
//! its signature, and the same keys in a deflated zip, streamed, hashed and signature-checked.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mimamori_gaen::export::{ExportFile, ExportPublicKey};

/// CWA's published export-signing key (base64 DER).
const CWA_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEc7DEstcUIRcyk35OYDJ95/hTg3UVhsaDXKT0zK7NhHPXoyzipEnOp3GyNXDVpaPi3cAfQmxeuFMZAIX2+6A5Xg==";

fn read_all(path: &PathBuf, keys: &[ExportPublicKey]) -> u64 {
    let Ok(mut file) = ExportFile::open(path) else {
        return 0;
    };
    let Ok(reader) = file.keys() else { return 0 };
    reader
        .into_verified_keys(keys)
        .filter(Result::is_ok)
        .count() as u64
}

fn parsing(c: &mut Criterion) {
    let data =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../core/gaen/tests/data/cwa-DE-2020-12-23");
    let bin = data.join("export.bin");
    let keys = [ExportPublicKey::parse(CWA_KEY).unwrap_or_else(|error| panic!("CWA key: {error}"))];
    let count = read_all(&bin, &keys);
    assert_eq!(count, 57_201, "the CWA file reads and verifies");

    // The same file as a zip, as servers publish it.
    let dir = std::env::temp_dir().join(format!("mimamori-bench-export-{}", std::process::id()));
    let zip_path = dir.join("cwa.zip");
    std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("{error}"));
    {
        use std::io::Write;
        let file = std::fs::File::create(&zip_path).unwrap_or_else(|error| panic!("{error}"));
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for name in ["export.bin", "export.sig"] {
            let bytes = std::fs::read(data.join(name)).unwrap_or_else(|error| panic!("{error}"));
            zip.start_file(name, options)
                .unwrap_or_else(|error| panic!("{error}"));
            zip.write_all(&bytes)
                .unwrap_or_else(|error| panic!("{error}"));
        }
        zip.finish().unwrap_or_else(|error| panic!("{error}"));
    }

    let mut group = c.benchmark_group("export_read_verify");
    group.throughput(Throughput::Elements(count));
    group.bench_function("cwa_57201_keys_bin", |b| {
        b.iter(|| black_box(read_all(&bin, &keys)))
    });
    group.bench_function("cwa_57201_keys_zip", |b| {
        b.iter(|| black_box(read_all(&zip_path, &keys)))
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, parsing);
criterion_main!(benches);
