//! Issue 13, defect 4: the largest registration the validation accepts is stored (every field at
//! its limit, in 4-byte UTF-8 characters where a field allows them). Before the sealed-record
//! limit was raised, 50 rooms failed with 500 ("a record holds at most 65536 bytes").

use serde_json::{Value, json};

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
async fn the_largest_accepted_registration_is_stored() {
    let server = start().await;
    let form = largest_form(registration_max_rooms());
    let body = serde_json::to_vec(&form).unwrap();
    let (status, answer) = post(&server, "/venues/v1/registrations", &form).await;
    assert_eq!(status, 201, "{}", answer["error"]);
    assert_eq!(
        answer["rooms"].as_array().unwrap().len(),
        registration_max_rooms()
    );
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
        usize::try_from(sealed).unwrap() <= mimamori_core::venue::MAX_SEALED_PLAINTEXT,
        "{sealed}"
    );
    println!(
        "largest registration: request {} bytes, sealed record {sealed} bytes, answer {} bytes",
        body.len(),
        serde_json::to_vec(&answer).unwrap().len()
    );
}

fn registration_max_rooms() -> usize {
    mimamori_diagnosis_server::venues::MAX_ROOMS
}
