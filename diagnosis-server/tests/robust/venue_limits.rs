//! Issue 13, defect 4: the largest registration the validation accepts is stored (every field at
//! its limit, in 4-byte UTF-8 characters where a field allows them; before the sealed-record
//! limit was raised, 50 rooms failed with 500, "a record holds at most 65536 bytes"), and the
//! answer grows by at most 3 KiB a room (it was ~300 KB a room: every poster was inlined).

use serde_json::{Value, json};

use mimamori_diagnosis_server::venues::POSTERS_PATH;

use super::common::start;
use super::post;

/// A character that takes 4 bytes in UTF-8 (U+20BB7, a JIS X 0213 kanji the CJK font has).
const WIDE: char = '𠮷';

fn wide(count: usize) -> String {
    std::iter::repeat_n(WIDE, count).collect()
}

/// The largest form: name 100 characters, both address lines 90, 50 rooms of 50 characters,
/// a 254-character e-mail address, a phone number with every hyphen it may have.
fn largest_form(rooms: usize) -> Value {
    let email = format!("{}@example.jp", "a".repeat(254 - "@example.jp".len()));
    let rooms: Vec<String> = (0..rooms)
        .map(|number| format!("{number:02}{}", wide(48)))
        .collect();
    json!({
        "venueType": "restaurant_bar",
        "capacity": "over_1000",
        "name": wide(100),
        "postalCode": "020-8570",
        "address1": wide(90),
        "address2": wide(90),
        "phone": "0-1-2-3-4-5-6-7-8-9-0",
        "email": email,
        "consent": true,
        "optIn": true,
        "rooms": rooms,
        "defaultStayMinutes": 1440
    })
}

#[tokio::test]
async fn the_largest_accepted_registration_is_stored_and_answered_in_proportion() {
    let server = start().await;
    let form = largest_form(registration_max_rooms());
    let body = serde_json::to_vec(&form).unwrap();
    let (status, answer) = post(&server, "/venues/v1/registrations", &form).await;
    assert_eq!(status, 201, "{}", answer["error"]);
    let rooms = answer["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), registration_max_rooms());
    let largest = serde_json::to_vec(&answer).unwrap().len();

    let connection =
        rusqlite::Connection::open(server.directory.path().join("diagnosis.sqlite3")).unwrap();
    let sealed: i64 = connection
        .query_row(
            "SELECT MAX(length(sealed_for_trace)) FROM venue_registrations",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(
        usize::try_from(sealed).unwrap() <= mimamori_venue::MAX_SEALED_PLAINTEXT,
        "{sealed}"
    );

    let (status, one_room) = post(&server, "/venues/v1/registrations", &largest_form(1)).await;
    assert_eq!(status, 201, "{}", one_room["error"]);
    let one = serde_json::to_vec(&one_room).unwrap().len();
    let per_room = (largest - one) / (registration_max_rooms() - 1);
    println!(
        "largest registration: request {} bytes, sealed record {sealed} bytes, answer {largest} \
         bytes ({one} for one room, {per_room} more per room)",
        body.len()
    );
    // A room adds its QR text (at most 2,048 bytes) and label, not images or a PDF.
    assert!(per_room <= 3 * 1024, "{per_room} bytes per room");
    assert!(largest <= one + 50 * 3 * 1024, "{largest} bytes");

    // Each room's poster and images are fetched with its QR text; a forged QR gets nothing.
    let qr_url = rooms[49]["qrUrl"].as_str().unwrap();
    for (format, magic) in [("pdf", &b"%PDF-"[..]), ("png", b"\x89PNG"), ("svg", b"<")] {
        let response = server
            .client
            .post(server.url(POSTERS_PATH))
            .json(&json!({"qrUrl": qr_url, "format": format}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{format}");
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(magic), "{format}");
    }
    let mut forged = qr_url.to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let (status, refused) = post(
        &server,
        POSTERS_PATH,
        &json!({"qrUrl": forged, "format": "pdf"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(refused["code"], "qr_invalid");
}

fn registration_max_rooms() -> usize {
    mimamori_diagnosis_server::venues::MAX_ROOMS
}
