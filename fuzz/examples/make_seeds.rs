//! Writes the generated seeds under `fuzz/seeds/`: inputs that only Mimamori's own writers can
//! make (signed with the fuzzing key, or binary encodings), so the fuzzer starts from inputs that
//! get past every check. Run from `fuzz/`: `cargo +nightly run --example make_seeds`. The
//! hand-written and reference seeds are copied by `fuzz/seed`.

use std::path::Path;

use mimamori_api::v1::{
    CertificateRequest, CertificateResponse, ExposureKey, PublishRequest, PublishResponse,
    TestType, VerifyCodeRequest, VerifyCodeResponse,
};
use mimamori_gaen::export::{ExportHeader, ExportKey, ExportWriter};
use mimamori_venue::{
    FeedEntry, NoticeBody, NoticeFeed, NoticeTemplate, NoticeWindow, SlotTag, VenuePayload,
    VenueSeed, VenueType,
};
use mimamori_gaen::{AssociatedEncryptedMetadata, DiagnosisKey, ExposurePayload, IntervalNumber, RollingProximityIdentifier, TemporaryExposureKey};
use mimamori_fuzz::venue_signing_key;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn write(target: &str, name: &str, bytes: &[u8]) -> Result<()> {
    let dir = Path::new("seeds").join(target);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), bytes)?;
    Ok(())
}

fn with_mode(mode: u8, bytes: &[u8]) -> Vec<u8> {
    [&[mode][..], bytes].concat()
}

fn main() -> Result<()> {
    // Export files: two keys and a revised key, unsigned and signed by no one.
    let keys: Vec<ExportKey> = (0u8..3)
        .map(|n| {
            let key = DiagnosisKey::new(
                TemporaryExposureKey::from_bytes([n + 1; 16]),
                IntervalNumber::new(2_650_000 + 144 * u32::from(n)),
                144,
                mimamori_gaen::ReportType::ConfirmedTest,
                Some(i32::from(n) - 1),
            )?;
            let mut export = ExportKey::new(key);
            export.revised = n == 2;
            export.transmission_risk_level = Some(i32::from(n));
            Ok(export)
        })
        .collect::<Result<_>>()?;
    let header = ExportHeader {
        start_timestamp: 1_700_000_000,
        end_timestamp: 1_700_086_400,
        region: "JP".into(),
        batch_num: 1,
        batch_size: 1,
    };
    let writer = ExportWriter::new(header, &[]);
    write("export_bin", "three-keys.bin", &writer.export_bin(&keys)?)?;
    write("export_zip", "three-keys.zip", &writer.to_zip(&keys)?)?;
    write("export_zip", "three-keys.bin", &writer.export_bin(&keys)?)?;

    // BLE: an advertisement and its service data.
    let payload = ExposurePayload::new(
        RollingProximityIdentifier::from_bytes([0x8b; 16]),
        AssociatedEncryptedMetadata::from_bytes([0x72, 0x03, 0x38, 0x74]),
    );
    write(
        "ble_advertisement",
        "advertisement",
        &payload.advertisement(),
    )?;
    write("ble_service_data", "service-data", &payload.service_data())?;

    // Venue codes: a payload, a signed URL (mode 1) and the payload to sign (mode 0).
    let venue = VenuePayload::new(
        VenueType::RestaurantBar,
        90,
        VenueSeed::from_bytes([9; mimamori_venue::VENUE_SEED_LENGTH]),
        "居酒屋みまもり",
        "札幌市中央区北1条西2丁目",
        "2階",
    )?;
    write("venue_payload", "izakaya", &venue.encode())?;
    write(
        "venue_qr",
        "payload-izakaya",
        &with_mode(0, &venue.encode()),
    )?;
    let qr = venue.sign(venue_signing_key(), "venue.example.jp")?;
    write(
        "venue_qr",
        "url-izakaya",
        &with_mode(1, qr.url().as_bytes()),
    )?;
    let visits = format!(
        "visit_id,qr,arrived,left\nv1,{},2021-01-04T19:00:00+09:00,2021-01-04T21:30:00+09:00\n",
        qr.url()
    );
    write("partner_visits_csv", "one-visit.csv", visits.as_bytes())?;

    // Notices: a body, and a feed of one entry (signed, mode 1; its inner message, mode 0).
    let date = time::Date::from_calendar_date(2021, time::Month::January, 4)?;
    let body = NoticeBody::new(
        NoticeTemplate::TokyoPositiveVisitor,
        NoticeWindow::new(date, 18, 22)?,
        "札幌市保健所",
        "011-000-0000",
        "居酒屋みまもり",
    )?;
    write("notice_body", "positive-visitor", &body.encode())?;
    let entry = FeedEntry {
        notice_id: [1; mimamori_venue::NOTICE_ID_LENGTH],
        tags: vec![SlotTag::from_slice(&[2; mimamori_venue::TAG_LENGTH])?],
        iv: [3; 16],
        ciphertext: vec![4; 40],
        mac: [5; 32],
        published_at: 1_700_000_000,
    };
    let signed = NoticeFeed::new(1_700_000_100, vec![entry]).sign(&[venue_signing_key()])?;
    write("notice_feed", "signed-one-entry", &with_mode(1, &signed))?;
    // The signed feed starts with field 1 (the inner feed): tag 0x0a, a one-byte length.
    let inner_length = usize::from(signed[1]);
    write(
        "notice_feed",
        "inner-one-entry",
        &with_mode(0, &signed[2..2 + inner_length]),
    )?;

    // Phone API JSON, one per type (the first byte picks the type).
    let key = ExposureKey::new(
        &TemporaryExposureKey::from_bytes([7; 16]),
        IntervalNumber::new(2_650_000),
        144,
        0,
    )?;
    let publish = PublishRequest {
        temporary_exposure_keys: vec![key],
        health_authority_id: "jp.mimamori".into(),
        verification_payload: "eyJhbGciOiJFUzI1NiJ9.e30.sig".into(),
        hmac_key: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        symptom_onset_interval: Some(2_649_900),
        traveler: false,
        revision_token: String::new(),
        padding: "cGFk".into(),
    };
    write(
        "api_json",
        "0-publish",
        &with_mode(0, &serde_json::to_vec(&publish)?),
    )?;
    let publish_response = PublishResponse::default();
    write(
        "api_json",
        "1-publish-response",
        &with_mode(1, &serde_json::to_vec(&publish_response)?),
    )?;
    let verify = VerifyCodeRequest {
        code: "12345678".into(),
        accept_test_types: vec![TestType::Confirmed, TestType::Likely],
        padding: String::new(),
    };
    write(
        "api_json",
        "2-verify",
        &with_mode(2, &serde_json::to_vec(&verify)?),
    )?;
    let verify_response = VerifyCodeResponse::default();
    write(
        "api_json",
        "3-verify-response",
        &with_mode(3, &serde_json::to_vec(&verify_response)?),
    )?;
    let certificate = CertificateRequest {
        token: "eyJhbGciOiJFUzI1NiJ9.e30.sig".into(),
        ekeyhmac: "aA==".into(),
        padding: String::new(),
    };
    write(
        "api_json",
        "4-certificate",
        &with_mode(4, &serde_json::to_vec(&certificate)?),
    )?;
    let certificate_response = CertificateResponse::default();
    write(
        "api_json",
        "5-certificate-response",
        &with_mode(5, &serde_json::to_vec(&certificate_response)?),
    )?;
    write("api_json", "6-test-type", b"\x06confirmed")?;
    Ok(())
}
