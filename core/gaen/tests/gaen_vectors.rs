//! Known-answer tests: the official GAEN v1.2 test vectors (TEK, RPIK, AEMK, PaddedData, and all
//! 144 RPIs and AEMs) from Google's exposure-notifications-internals `TestVectors.java`, copied
//! unchanged into `tests/data/gaen-test-vectors.txt`.

// Test helpers outside #[test] functions may unwrap: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mimamori_gaen::{
    AssociatedEncryptedMetadata, ExposurePayload, IntervalNumber, Metadata,
    RollingProximityIdentifier, TemporaryExposureKey,
};

const VECTORS: &str = include_str!("data/gaen-test-vectors.txt");

/// The value of a `NAME = value ...` line, without any trailing comment.
fn field(name: &str) -> &'static str {
    VECTORS
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(" = ")?;
            (key.trim() == name).then(|| value.split_whitespace().next().unwrap_or(""))
        })
        .unwrap_or_else(|| panic!("{name} is missing from the vectors"))
}

/// The `i ENIN RPI AEM` rows.
fn rows() -> Vec<(u32, u32, String, String)> {
    VECTORS
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [i, enin, rpi, aem] if rpi.len() == 32 && aem.len() == 8 => Some((
                    i.parse().ok()?,
                    enin.parse().ok()?,
                    rpi.to_string(),
                    aem.to_string(),
                )),
                _ => None,
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn key_derivations_match() {
    let tek = TemporaryExposureKey::from_hex(field("TEK")).unwrap();
    assert_eq!(
        hex(tek.rolling_proximity_identifier_key().as_bytes()),
        field("RPIK")
    );
    assert_eq!(
        hex(tek.associated_encrypted_metadata_key().as_bytes()),
        field("AEMK")
    );
}

#[test]
fn interval_of_the_generated_key_matches() {
    let seconds: u64 = field("KEY_GENERATION_SECONDS (unix)").parse().unwrap();
    let interval = IntervalNumber::from_unix_seconds(seconds);
    assert_eq!(
        interval.value().to_string(),
        field("ENIntervalNumber_of_generated_key")
    );
    assert_eq!(interval.rolling_start(), interval);
    assert_eq!(
        mimamori_gaen::ids::TEK_ROLLING_PERIOD.to_string(),
        field("KEY_ROLLING_PERIOD_MULTIPLE_OF_ID_PERIOD (TEKRollingPeriod)")
    );
}

#[test]
fn padded_data_matches() {
    let interval: u32 = field("ENIntervalNumber_of_generated_key").parse().unwrap();
    assert_eq!(
        hex(&IntervalNumber::new(interval).padded_data()),
        field("PaddedData[i=0]")
    );
}

#[test]
fn all_144_rpis_and_aems_match() {
    let tek = TemporaryExposureKey::from_hex(field("TEK")).unwrap();
    let metadata = Metadata::from_hex(field("BLE_METADATA")).unwrap();
    let rpik = tek.rolling_proximity_identifier_key();
    let aemk = tek.associated_encrypted_metadata_key();
    let first: u32 = field("ENIntervalNumber_of_generated_key").parse().unwrap();
    let rows = rows();
    assert_eq!(rows.len(), 144);
    for (i, enin, rpi_hex, aem_hex) in rows {
        assert_eq!(enin, first + i, "row {i}");
        let interval = IntervalNumber::new(enin);
        let rpi = rpik.rolling_proximity_identifier(interval);
        assert_eq!(rpi.to_string(), rpi_hex, "RPI {i}");
        assert_eq!(rpi, RollingProximityIdentifier::from_hex(&rpi_hex).unwrap());
        let aem = aemk.encrypt(&rpi, &metadata);
        assert_eq!(aem.to_string(), aem_hex, "AEM {i}");
        // And back: a receiver decrypts the metadata.
        let received = AssociatedEncryptedMetadata::from_hex(&aem_hex).unwrap();
        assert_eq!(aemk.decrypt(&rpi, &received), metadata);
        assert_eq!(metadata.tx_power_dbm(), 8);
        // And through the air.
        let advertisement = ExposurePayload::new(rpi, aem).advertisement();
        assert_eq!(hex(&advertisement[11..]), format!("{rpi_hex}{aem_hex}"));
    }
}
