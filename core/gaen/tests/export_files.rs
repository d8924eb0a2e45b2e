//! Export files end to end: the GAEN sample and a real Corona-Warn-App file, round trips through
//! the writer, malformed and hostile files, and a 500,000-key file.

// Tests may unwrap: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use mimamori_environment::{OsRandom, RandomSource};
use mimamori_gaen::Error;
use mimamori_gaen::export::{
    EXPORT_HEADER, ExportFile, ExportHeader, ExportKey, ExportProblem, ExportPublicKey,
    ExportSigningKey, ExportSummary, ExportWriter, MAX_EXPORT_BIN_BYTES, MAX_EXPORT_SIG_BYTES,
    SIGNATURE_ALGORITHM, SignatureStatus, Verification,
};
use mimamori_gaen::{DiagnosisKey, IntervalNumber, ReportType, TemporaryExposureKey};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Corona-Warn-App's published public key for its diagnosis-key files.
const CWA_PUBLIC_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEc7DEstcUIRcyk35OYDJ95/hTg3UVhsaDXKT0zK7NhHPXoyzipEnOp3GyNXDVpaPi3cAfQmxeuFMZAIX2+6A5Xg==";

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

fn gaen_sample_key() -> ExportPublicKey {
    ExportPublicKey::parse(&fs::read_to_string(data("gaen-sample/testExport-public.pem")).unwrap())
        .unwrap()
}

fn cwa_key() -> ExportPublicKey {
    ExportPublicKey::parse(CWA_PUBLIC_KEY).unwrap()
}

/// Reads every key of a file and its summary.
/// `key` does not verify the file's one signature, so the file is not verified by it.
fn assert_does_not_verify(summary: &ExportSummary, key: ExportPublicKey) {
    assert_eq!(
        summary.check_signatures(std::slice::from_ref(&key)),
        [SignatureStatus::DoesNotVerify]
    );
    assert_eq!(summary.verification(&[key]), Verification::NotVerified);
}

/// Writes `bytes` to `name` in `dir` and opens it as an export file.
fn open_written(dir: &Path, name: &str, bytes: &[u8]) -> mimamori_gaen::Result<ExportFile> {
    ExportFile::open(write(dir, name, bytes))
}

fn read_all(path: &Path) -> mimamori_gaen::Result<(Vec<ExportKey>, ExportSummary)> {
    let mut file = ExportFile::open(path)?;
    let mut reader = file.keys()?;
    let mut keys = Vec::new();
    while let Some(key) = reader.next_key()? {
        keys.push(key);
    }
    Ok((keys, reader.finish()?))
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, contents) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(contents).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    path
}

/// xorshift64: deterministic test keys without the `testing` feature.
struct TestRandom(u64);

impl RandomSource for TestRandom {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *byte = self.0 as u8;
        }
    }
}

fn test_keys(count: usize, seed: u64) -> Vec<ExportKey> {
    let mut random = TestRandom(seed);
    (0..count)
        .map(|index| {
            let mut bytes = [0u8; 16];
            random.fill_bytes(&mut bytes);
            let key = DiagnosisKey::new(
                TemporaryExposureKey::from_bytes(bytes),
                IntervalNumber::new(2_650_000 + 144 * (index as u32 % 14)),
                if index % 10 == 0 { 72 } else { 144 },
                ReportType::try_from((index % 6) as i32).unwrap(),
                (index % 3 != 0).then_some(index as i32 % 29 - 14),
            )
            .unwrap();
            ExportKey {
                key,
                transmission_risk_level: (index % 2 == 0).then_some(index as i32 % 8),
                revised: index % 50 == 0,
            }
        })
        .collect()
}

fn header() -> ExportHeader {
    ExportHeader {
        start_timestamp: 1_700_000_000,
        end_timestamp: 1_700_086_400,
        region: "440".into(),
        batch_num: 1,
        batch_size: 1,
    }
}

#[test]
fn the_gaen_sample_verifies_and_matches_the_test_vector() {
    let (keys, summary) = read_all(&data("gaen-sample/testExport-2-records-1-of-1.zip")).unwrap();

    assert_eq!(summary.header.start_timestamp, 1_590_159_600);
    assert_eq!(summary.header.end_timestamp, 1_590_246_000);
    assert_eq!(summary.header.region, "US");
    assert_eq!(
        (summary.header.batch_num, summary.header.batch_size),
        (1, 1)
    );
    assert_eq!((summary.key_count, summary.revised_key_count), (2, 0));
    assert_eq!(summary.size, 135);

    let info = &summary.signature_infos[0];
    assert_eq!(summary.signature_infos.len(), 1);
    assert_eq!(
        (info.key_id.as_str(), info.key_version.as_str()),
        ("some_id", "1")
    );
    assert_eq!(info.algorithm, SIGNATURE_ALGORITHM);
    assert_eq!(summary.signatures.len(), 1);
    assert_eq!(&summary.signatures[0].info, info);
    assert_eq!(
        (
            summary.signatures[0].batch_num,
            summary.signatures[0].batch_size
        ),
        (1, 1)
    );

    let expected = [
        ("172fc480e598490c34177604339b1543", 8, 2_649_980, 1),
        ("2b63053ac483238de176169e861f3dcd", 1, 2_649_866, 114),
    ];
    assert_eq!(keys.len(), expected.len());
    for (key, (hex, risk, start, period)) in keys.iter().zip(expected) {
        assert_eq!(key.key.key, TemporaryExposureKey::from_hex(hex).unwrap());
        assert_eq!(key.transmission_risk_level, Some(risk));
        assert_eq!(key.key.rolling_start, IntervalNumber::new(start));
        assert_eq!(key.key.rolling_period, period);
        assert_eq!(key.key.report_type, ReportType::Unknown);
        assert_eq!(key.key.days_since_onset, None);
        assert!(!key.revised);
    }

    // The digest is the SHA-256 of the export.bin the test vectors list byte for byte.
    let vectors = fs::read_to_string(data("gaen-test-vectors.txt")).unwrap();
    let export_bin_hex = vectors
        .lines()
        .find_map(|line| line.strip_prefix("export.bin (135 bytes) = "))
        .unwrap();
    let export_bin = hex::decode(export_bin_hex.trim()).unwrap();
    assert_eq!(
        summary.digest,
        <[u8; 32]>::from(Sha256::digest(&export_bin))
    );

    assert_eq!(
        summary.verification(&[gaen_sample_key()]),
        Verification::Verified
    );
    assert!(summary.is_verified_by(&gaen_sample_key()));
    assert_does_not_verify(&summary, cwa_key());
}

#[test]
fn the_cwa_file_streams_57201_keys_and_verifies_with_the_cwa_key() {
    let (keys, summary) = read_all(&data("cwa-DE-2020-12-23/export.bin")).unwrap();

    assert_eq!(summary.key_count, 57_201);
    assert_eq!(summary.revised_key_count, 0);
    assert_eq!(keys.len(), 57_201);
    let short = keys
        .iter()
        .filter(|key| key.key.rolling_period < 144)
        .count();
    assert_eq!(short, 5_308);
    // Counted independently of this reader (a few lines of Python over the same file).
    let of_type = |report_type| {
        keys.iter()
            .filter(|key| key.key.report_type == report_type)
            .count()
    };
    assert_eq!(of_type(ReportType::ConfirmedTest), 12_468);
    assert_eq!(of_type(ReportType::ConfirmedClinicalDiagnosis), 15_721);
    assert_eq!(of_type(ReportType::SelfReport), 6_839);
    assert_eq!(of_type(ReportType::Recursive), 22_173);

    assert_eq!(summary.header.region, "DE");
    assert_eq!(summary.header.start_timestamp, 1_608_681_600); // 2020-12-23T00:00:00Z
    assert_eq!(summary.header.end_timestamp, 1_608_768_000);
    assert_eq!(
        (summary.header.batch_num, summary.header.batch_size),
        (1, 1)
    );
    assert_eq!(summary.signatures.len(), 1);
    assert_eq!(summary.signatures[0].info.key_id, "262");
    assert_eq!(summary.signatures[0].info.key_version, "v1");

    assert_eq!(summary.verification(&[cwa_key()]), Verification::Verified);
    assert_eq!(
        summary.verification(&[gaen_sample_key()]),
        Verification::NotVerified
    );
    assert_eq!(
        summary.verification(&[gaen_sample_key(), cwa_key()]),
        Verification::Verified
    );
}

#[test]
fn one_flipped_byte_breaks_the_cwa_signature() {
    let dir = tempfile::tempdir().unwrap();
    let mut bin = fs::read(data("cwa-DE-2020-12-23/export.bin")).unwrap();
    // Inside the first key's key data: the file still parses, but is no longer what was signed.
    bin[0x70] ^= 0x01;
    let path = write(dir.path(), "export.bin", &bin);
    fs::copy(
        data("cwa-DE-2020-12-23/export.sig"),
        dir.path().join("export.sig"),
    )
    .unwrap();

    let (keys, summary) = read_all(&path).unwrap();
    assert_eq!(keys.len(), 57_201);
    assert_does_not_verify(&summary, cwa_key());
}

#[test]
fn the_cwa_file_reads_the_same_from_a_zip() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fs::read(data("cwa-DE-2020-12-23/export.bin")).unwrap();
    let sig = fs::read(data("cwa-DE-2020-12-23/export.sig")).unwrap();
    // Named without .zip, as a download from a CDN often is: recognised by its contents.
    let path = write(
        dir.path(),
        "2020-12-23",
        &zip_of(&[("export.bin", &bin), ("export.sig", &sig)]),
    );

    let mut file = ExportFile::open(&path).unwrap();
    assert!(file.is_zip());
    let first = file.keys().unwrap().finish().unwrap();
    let second = file.keys().unwrap().finish().unwrap();
    assert_eq!(first, second);
    assert_eq!(first.key_count, 57_201);
    assert!(first.is_verified_by(&cwa_key()));
}

/// A cut inside a field is an error. A cut between two fields leaves a shorter but well-formed
/// protobuf (the format has no end marker): only the signature tells, and it does.
#[test]
fn truncated_copies_of_the_cwa_file_are_errors_or_fail_verification() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fs::read(data("cwa-DE-2020-12-23/export.bin")).unwrap();
    fs::copy(
        data("cwa-DE-2020-12-23/export.sig"),
        dir.path().join("cut.sig"),
    )
    .unwrap();
    let path = dir.path().join("cut.bin");
    let read_cut = |cut: usize| {
        fs::write(&path, &bin[..cut]).unwrap();
        read_all(&path)
    };

    for cut in [0, 1, 8, 15] {
        assert!(
            matches!(
                read_cut(cut),
                Err(Error::MalformedExport {
                    offset: 0,
                    problem: ExportProblem::Truncated
                })
            ),
            "cut at {cut}"
        );
    }
    // Inside the start timestamp, the region, the SignatureInfo, the first and second keys, the
    // last byte.
    for cut in [17, 20, 37, 60, 97, 98, 99, 131, 150, bin.len() - 1] {
        let result = read_cut(cut);
        assert!(
            matches!(
                result,
                Err(Error::MalformedExport {
                    problem: ExportProblem::Truncated,
                    ..
                })
            ),
            "cut at {cut}: {result:?}"
        );
    }
    // Anywhere: an error, or fewer keys that no longer verify. Never a panic.
    let mut errors = 0;
    let cuts = (0..bin.len())
        .step_by(100_003)
        .chain(bin.len() - 40..bin.len());
    for cut in cuts {
        match read_cut(cut) {
            Err(_) => errors += 1,
            Ok((keys, summary)) => {
                assert!(keys.len() < 57_201, "cut at {cut}");
                assert_eq!(
                    summary.verification(&[cwa_key()]),
                    Verification::NotVerified,
                    "cut at {cut}"
                );
            }
        }
    }
    assert!(errors > 30, "{errors}");
}

#[test]
fn a_written_file_reads_back_sorted_and_both_signatures_verify() {
    let dir = tempfile::tempdir().unwrap();
    let signers = [
        ExportSigningKey::generate(&mut OsRandom, "440", "v2").unwrap(),
        ExportSigningKey::generate(&mut OsRandom, "440", "v1").unwrap(),
    ];
    let keys = test_keys(1_234, 42);
    let zip = ExportWriter::new(header(), &signers).to_zip(&keys).unwrap();
    let path = write(dir.path(), "export.zip", &zip);

    let (read, summary) = read_all(&path).unwrap();
    assert_eq!(summary.header, header());
    assert_eq!(summary.key_count + summary.revised_key_count, 1_234);
    assert_eq!(summary.revised_key_count, 25);
    let infos: Vec<_> = signers.iter().map(|signer| signer.info().clone()).collect();
    assert_eq!(summary.signature_infos, infos);

    let mut expected = keys.clone();
    expected
        .sort_by(|a, b| (a.revised, a.key.key.as_bytes()).cmp(&(b.revised, b.key.key.as_bytes())));
    assert_eq!(read, expected);

    let public_keys: Vec<_> = signers.iter().map(ExportSigningKey::public_key).collect();
    assert_eq!(
        summary.check_signatures(&public_keys),
        [SignatureStatus::Verified, SignatureStatus::Verified]
    );
    assert_eq!(
        summary.check_signatures(&public_keys[..1]),
        [SignatureStatus::Verified, SignatureStatus::DoesNotVerify]
    );
    for public_key in &public_keys {
        assert!(summary.is_verified_by(public_key));
        // What a health authority publishes reads back.
        assert_eq!(
            &ExportPublicKey::parse(&public_key.to_pem().unwrap()).unwrap(),
            public_key
        );
    }
    assert!(!summary.is_verified_by(&cwa_key()));
}

#[test]
fn signatures_are_found_beside_a_bare_export_bin() {
    let dir = tempfile::tempdir().unwrap();
    let signer = [ExportSigningKey::generate(&mut OsRandom, "440", "v1").unwrap()];
    let writer = ExportWriter::new(header(), &signer);
    let bin = writer.export_bin(&test_keys(10, 1)).unwrap();
    let sig = writer.export_sig(&bin).unwrap();

    // Unsigned: nothing beside it.
    let path = write(dir.path(), "2023-11-15.bin", &bin);
    let (_, summary) = read_all(&path).unwrap();
    assert_eq!(
        summary.verification(&[signer[0].public_key()]),
        Verification::Unsigned
    );
    assert!(
        summary
            .check_signatures(&[signer[0].public_key()])
            .is_empty()
    );

    // export.sig in the same directory.
    write(dir.path(), "export.sig", &sig);
    let (_, summary) = read_all(&path).unwrap();
    assert_eq!(
        summary.verification(&[signer[0].public_key()]),
        Verification::Verified
    );

    // <stem>.sig wins over export.sig.
    write(dir.path(), "2023-11-15.sig", b"\x0a\x02\x10");
    assert!(matches!(
        read_all(&path),
        Err(Error::InvalidSignatureList { .. })
    ));
}

#[test]
fn broken_archives_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fs::read(data("cwa-DE-2020-12-23/export.bin")).unwrap();
    let sig = fs::read(data("cwa-DE-2020-12-23/export.sig")).unwrap();

    assert!(matches!(
        open_written(dir.path(), "no-bin.zip", &zip_of(&[("export.sig", &sig)])),
        Err(Error::MissingExportEntry { name: "export.bin" })
    ));

    assert!(matches!(
        open_written(dir.path(), "no-sig.zip", &zip_of(&[("export.bin", &bin)])),
        Err(Error::MissingExportEntry { name: "export.sig" })
    ));

    assert!(matches!(
        open_written(
            dir.path(),
            "bad-sig.zip",
            &zip_of(&[("export.bin", &bin), ("export.sig", b"\xff\xff")])
        ),
        Err(Error::InvalidSignatureList { .. })
    ));

    assert!(matches!(
        open_written(
            dir.path(),
            "not-a-zip.zip",
            b"PK\x03\x04 and then nothing a zip needs"
        ),
        Err(Error::InvalidExportArchive { .. })
    ));

    let path = write(
        dir.path(),
        "wrong-header.zip",
        &zip_of(&[("export.bin", b"EK Export v2    "), ("export.sig", &sig)]),
    );
    let mut file = ExportFile::open(&path).unwrap();
    assert!(matches!(
        file.keys(),
        Err(Error::MalformedExport {
            offset: 0,
            problem: ExportProblem::WrongHeader
        })
    ));

    // A signature list whose signature is not DER is a verdict, not an error.
    let mut bad = sig.clone();
    let last = bad.len() - 10;
    bad[last] ^= 0xff;
    let path = write(
        dir.path(),
        "garbled-sig.zip",
        &zip_of(&[("export.bin", &bin), ("export.sig", &bad)]),
    );
    let (_, summary) = read_all(&path).unwrap();
    assert_ne!(
        summary.check_signatures(&[cwa_key()]),
        [SignatureStatus::Verified]
    );
    assert_eq!(
        summary.verification(&[cwa_key()]),
        Verification::NotVerified
    );

    let names: Vec<String> = (0..17).map(|n| format!("extra-{n}")).collect();
    let mut entries: Vec<(&str, &[u8])> =
        names.iter().map(|name| (name.as_str(), &b""[..])).collect();
    entries.extend([("export.bin", &bin[..]), ("export.sig", &sig[..])]);
    assert!(matches!(
        open_written(dir.path(), "crowded.zip", &zip_of(&entries)),
        Err(Error::InvalidExportArchive { .. })
    ));

    let path = dir.path().join("huge.zip");
    let file = fs::File::create(&path).unwrap();
    (&file).write_all(b"PK\x03\x04").unwrap();
    file.set_len(40 * 1024 * 1024).unwrap(); // sparse
    assert!(matches!(
        ExportFile::open(&path),
        Err(Error::ExportTooLarge {
            what: "the export archive",
            ..
        })
    ));
}

/// A zip whose `name` entry is `size` bytes of almost nothing: a header and one unknown field of
/// zeros, streamed into the deflater so the test never holds it.
fn bomb(name: &str, other: (&str, &[u8]), size: u64) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(false);
    zip.start_file(other.0, options).unwrap();
    zip.write_all(other.1).unwrap();
    zip.start_file(name, options).unwrap();
    let mut head = EXPORT_HEADER.to_vec();
    head.push(0x4a); // field 9, length-delimited
    let body = size - head.len() as u64 - 4;
    prost::encoding::encode_varint(body, &mut head);
    zip.write_all(&head).unwrap();
    let zeros = vec![0u8; 1 << 20];
    let mut left = size - head.len() as u64;
    while left > 0 {
        let step = left.min(zeros.len() as u64) as usize;
        zip.write_all(&zeros[..step]).unwrap();
        left -= step as u64;
    }
    zip.finish().unwrap().into_inner()
}

/// Rewrites the uncompressed size of every entry called `name`, in its local header and in the
/// central directory, to `size`: a zip that lies about what it will inflate to.
fn lie_about_size(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for offset in 0..zip.len().saturating_sub(46) {
        let (size_at, name_length_at, name_at) = match zip[offset..offset + 4] {
            [0x50, 0x4b, 0x03, 0x04] => (offset + 22, offset + 26, offset + 30),
            [0x50, 0x4b, 0x01, 0x02] => (offset + 24, offset + 28, offset + 46),
            _ => continue,
        };
        let name_length =
            u16::from_le_bytes([zip[name_length_at], zip[name_length_at + 1]]) as usize;
        if zip.get(name_at..name_at + name_length) == Some(name.as_bytes()) {
            zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2);
}

#[test]
fn zip_bombs_are_refused_without_inflating_them() {
    let dir = tempfile::tempdir().unwrap();
    let sig = fs::read(data("cwa-DE-2020-12-23/export.sig")).unwrap();
    let over = MAX_EXPORT_BIN_BYTES + 1024;
    let zip = bomb("export.bin", ("export.sig", &sig), over);
    assert!(zip.len() < 100_000, "{} bytes", zip.len());

    // An honest header: refused on opening, before a byte is inflated.
    assert!(matches!(
        open_written(dir.path(), "bomb.zip", &zip),
        Err(Error::ExportTooLarge {
            what: "export.bin",
            ..
        })
    ));

    // A lying header: refused while streaming, at the limit at the latest.
    let mut lying = zip.clone();
    lie_about_size(&mut lying, "export.bin", 1_000);
    let path = write(dir.path(), "lying-bomb.zip", &lying);
    let result = read_all(&path);
    assert!(
        matches!(
            result,
            Err(Error::ExportTooLarge { .. } | Error::InvalidExportArchive { .. })
        ),
        "{result:?}"
    );

    // The signature file has its own, smaller limit, also against a lying header.
    let zip = bomb(
        "export.sig",
        ("export.bin", EXPORT_HEADER),
        MAX_EXPORT_SIG_BYTES + 1,
    );
    assert!(matches!(
        open_written(dir.path(), "sig-bomb.zip", &zip),
        Err(Error::ExportTooLarge {
            what: "export.sig",
            ..
        })
    ));
    let mut lying = zip;
    lie_about_size(&mut lying, "export.sig", 100);
    assert!(matches!(
        open_written(dir.path(), "lying-sig-bomb.zip", &lying),
        Err(Error::ExportTooLarge { .. } | Error::InvalidExportArchive { .. })
    ));
}

/// 500,000 keys (the most a file holds) stream through the same fixed 64 KiB buffer as 2 do: the
/// reader keeps no key after yielding it, so memory does not grow with the count. (Memory is not
/// measured here; the design is what is tested: one key at a time, checked in order.)
#[test]
fn a_file_of_500000_keys_streams() {
    let dir = tempfile::tempdir().unwrap();
    let signer = [ExportSigningKey::generate(&mut OsRandom, "440", "v1").unwrap()];
    let writer = ExportWriter::new(header(), &signer);
    let mut keys = test_keys(500_000, 7);
    for key in &mut keys {
        key.revised = false;
    }
    let bin = writer.export_bin(&keys).unwrap();
    assert!((bin.len() as u64) < MAX_EXPORT_BIN_BYTES);
    let sig = writer.export_sig(&bin).unwrap();
    drop(keys);
    let path = write(dir.path(), "export.bin", &bin);
    write(dir.path(), "export.sig", &sig);
    drop(bin);

    let mut file = ExportFile::open(&path).unwrap();
    let mut reader = file.keys().unwrap();
    let mut count = 0u64;
    let mut previous: Option<[u8; 16]> = None;
    while let Some(key) = reader.next_key().unwrap() {
        let bytes = *key.key.key.as_bytes();
        assert!(
            previous.is_none_or(|previous| previous <= bytes),
            "keys are sorted"
        );
        previous = Some(bytes);
        count += 1;
    }
    let summary = reader.finish().unwrap();
    assert_eq!((count, summary.key_count), (500_000, 500_000));
    assert!(summary.is_verified_by(&signer[0].public_key()));

    assert!(matches!(
        writer.export_bin(&test_keys(500_001, 7)),
        Err(Error::ExportWrite { .. })
    ));
}

/// What matching consumes: the keys, then an error as the last item when the file does not
/// verify.
#[test]
fn verified_keys_end_in_an_error_unless_the_file_verifies() {
    let path = data("cwa-DE-2020-12-23/export.bin");
    let cwa = [cwa_key()];
    let mut file = ExportFile::open(&path).unwrap();
    let mut verified = file.keys().unwrap().into_verified_keys(&cwa);
    let keys: Vec<DiagnosisKey> = verified.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(keys.len(), 57_201);
    assert_eq!(verified.summary().unwrap().key_count, 57_201);
    drop(verified);

    let gaen = [gaen_sample_key()];
    let items: Vec<_> = file.keys().unwrap().into_verified_keys(&gaen).collect();
    assert_eq!(items.len(), 57_202);
    assert!(items[..57_201].iter().all(Result::is_ok));
    assert!(matches!(
        items[57_201],
        Err(Error::ExportNotVerified {
            verification: Verification::NotVerified
        })
    ));

    let dir = tempfile::tempdir().unwrap();
    let unsigned = write(dir.path(), "unsigned.bin", &fs::read(&path).unwrap());
    let mut file = ExportFile::open(&unsigned).unwrap();
    let last = file
        .keys()
        .unwrap()
        .into_verified_keys(&cwa)
        .last()
        .unwrap();
    assert!(matches!(
        last,
        Err(Error::ExportNotVerified {
            verification: Verification::Unsigned
        })
    ));
}
