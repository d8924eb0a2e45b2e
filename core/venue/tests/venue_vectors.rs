//! Known-answer tests of `mimamori_venue` against vectors made by an independent Python
//! implementation (`tests/data/venue-vectors/generate.py`, with the `cryptography` package).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use mimamori_venue::Error;
use mimamori_venue::*;
use serde_json::Value;

fn vectors() -> Value {
    let text = include_str!("data/venue-vectors/venue-vectors.json");
    serde_json::from_str(text).unwrap()
}

fn bytes(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap()).unwrap()
}

fn array<const N: usize>(value: &Value) -> [u8; N] {
    bytes(value).try_into().unwrap()
}

fn authority(vectors: &Value) -> VenuePublicKey {
    VenuePublicKey::parse(vectors["authority_public_key_pem"].as_str().unwrap()).unwrap()
}

fn payload(vectors: &Value) -> VenuePayload {
    let p = &vectors["payload"];
    VenuePayload::new(
        VenueType::from_code(u32::try_from(p["venue_type"].as_u64().unwrap()).unwrap()).unwrap(),
        u16::try_from(p["default_stay_minutes"].as_u64().unwrap()).unwrap(),
        VenueSeed::from_bytes(array(&p["seed"])),
        p["name"].as_str().unwrap(),
        p["address"].as_str().unwrap(),
        p["room"].as_str().unwrap(),
    )
    .unwrap()
}

#[test]
fn payload_encoding_and_the_python_signature_verify() {
    let vectors = vectors();
    let expected = bytes(&vectors["payload"]["encoded"]);
    assert_eq!(payload(&vectors).encode().as_slice(), expected.as_slice());

    let url = vectors["payload"]["url"].as_str().unwrap();
    let qr = VenueQr::parse(url, &[authority(&vectors)]).unwrap();
    assert_eq!(qr.payload_bytes(), expected.as_slice());
    assert_eq!(qr.payload(), &payload(&vectors));
    assert_eq!(qr.host(), "venues.example.jp");
    // Re-encoding the parsed QR gives back the scanned text.
    assert_eq!(qr.url(), url);
}

#[test]
fn hour_slot_tags() {
    let vectors = vectors();
    let secret = VenueSecret::from_payload_bytes(&bytes(&vectors["payload"]["encoded"]));
    for slot in vectors["tags"]["slots"].as_array().unwrap() {
        let start = slot["slot_start"].as_u64().unwrap();
        assert_eq!(secret.tag(start).0.to_vec(), bytes(&slot["tag"]));
    }
}

#[test]
fn sealing_with_a_fixed_ephemeral_key_and_trace_code() {
    let vectors = vectors();
    let seal = &vectors["seal"];
    let secret = SealSecretKey::from_bytes(array(&seal["authority_secret"]));
    assert_eq!(
        secret.public_key().as_bytes().to_vec(),
        bytes(&seal["authority_public"])
    );
    let code = TraceCode::parse(seal["trace_code"].as_str().unwrap()).unwrap();
    assert_eq!(code.as_bytes().to_vec(), bytes(&seal["trace_code_bytes"]));
    assert_eq!(*code.to_display(), seal["trace_code"].as_str().unwrap());
    let plaintext = bytes(&seal["plaintext"]);
    let sealed = SealedRecord::seal_with(
        &secret.public_key(),
        &code,
        &plaintext,
        &array(&seal["ephemeral_secret"]),
        array(&seal["iv"]),
    )
    .unwrap();
    assert_eq!(sealed.to_bytes(), bytes(&seal["sealed"]));

    let stored = SealedRecord::from_bytes(&bytes(&seal["sealed"])).unwrap();
    assert_eq!(stored.open(&secret, &code).unwrap().as_slice(), plaintext);
    let lower = TraceCode::parse(&seal["trace_code"].as_str().unwrap().to_lowercase()).unwrap();
    assert_eq!(stored.open(&secret, &lower).unwrap().as_slice(), plaintext);
    let mut wrong = *code.as_bytes();
    wrong[9] ^= 1;
    assert!(matches!(
        stored.open(&secret, &TraceCode::from_bytes(wrong)),
        Err(Error::SealNotOpened)
    ));
}

#[test]
fn notice_encryption_and_mac() {
    let vectors = vectors();
    let n = &vectors["notice"];
    let hour = |key: &str| u8::try_from(n[key].as_u64().unwrap()).unwrap();
    let date = time::Date::parse(
        n["date"].as_str().unwrap(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap();
    let body = NoticeBody::new(
        NoticeTemplate::from_code(u32::try_from(n["template"].as_u64().unwrap()).unwrap()).unwrap(),
        NoticeWindow::new(date, hour("from_hour"), hour("to_hour")).unwrap(),
        n["issuer"].as_str().unwrap(),
        n["contact_phone"].as_str().unwrap(),
        n["venue_name"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(body.encode(), bytes(&n["encoded_body"]));

    let secret = VenueSecret::from_payload_bytes(&bytes(&vectors["payload"]["encoded"]));
    let entry = body.encrypt_with(
        &secret,
        array(&n["notice_id"]),
        array(&n["iv"]),
        n["published_at"].as_u64().unwrap(),
    );
    assert_eq!(entry.ciphertext, bytes(&n["ciphertext"]));
    assert_eq!(entry.mac.to_vec(), bytes(&n["mac"]));
    let tags: Vec<Vec<u8>> = entry.tags.iter().map(|tag| tag.0.to_vec()).collect();
    let expected: Vec<Vec<u8>> = n["tags"].as_array().unwrap().iter().map(bytes).collect();
    assert_eq!(tags, expected);
    assert_eq!(entry.decrypt(&secret).unwrap(), body);

    let mut bad = entry.clone();
    bad.mac[31] ^= 1;
    assert!(matches!(
        bad.decrypt(&secret),
        Err(Error::NoticeNotAuthentic)
    ));
}

#[test]
fn the_python_feed_verifies_and_matches_a_visit() {
    let vectors = vectors();
    let signed = bytes(&vectors["feed"]["signed"]);
    let feed = NoticeFeed::parse(&signed, &[authority(&vectors)]).unwrap();
    assert_eq!(feed.created(), vectors["feed"]["created"].as_u64().unwrap());
    assert_eq!(feed.entries().len(), 1);
    assert_eq!(
        feed.entries()[0].ciphertext,
        bytes(&vectors["notice"]["ciphertext"])
    );

    // A visit 19:00-20:30 JST on 2021-07-20 finds the notice (window 18-22).
    let qr = VenueQr::parse(
        vectors["payload"]["url"].as_str().unwrap(),
        &[authority(&vectors)],
    )
    .unwrap();
    let visit = Visit::new("v", qr, 1_626_775_200, 1_626_780_600).unwrap();
    let report = match_visits(&[visit], &feed);
    assert_eq!(report.matches.len(), 1);
    assert!(
        report.matches[0]
            .render(Language::Japanese)
            .contains("18時から22時頃まで")
    );

    assert!(matches!(
        NoticeFeed::parse(&signed[..signed.len() - 3], &[authority(&vectors)]),
        Err(Error::InvalidNoticeFeed { .. })
    ));
}
