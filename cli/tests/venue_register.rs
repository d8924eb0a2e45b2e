//! `mimamori venue register` against the real diagnosis server on 127.0.0.1: the CLI and the
//! server read and write the venue API through the same types (`mimamori_api::v1::venues`), so
//! a registration made here comes back with every room's files, and a refused form lists each
//! problem.

use mimamori_api::v1::venues::RegisteredRoom;
use mimamori_diagnosis_server::{Config, Server};

use crate::common::{mimamori, stderr, stdout};

/// `mimamori venue register` with the form's fields, the capacity band given, `extra` after
/// them.
fn register(server: &str, out_dir: &str, capacity: &str, extra: &[&str]) -> std::process::Output {
    let form = [
        "venue",
        "register",
        "--server",
        server,
        "--type",
        "restaurant_bar",
        "--capacity",
        capacity,
        "--name",
        "喫茶みまもり",
        "--postal-code",
        "020-8570",
        "--address1",
        "岩手県盛岡市内丸10-1",
        "--phone",
        "019-629-5487",
        "--email",
        "shop@example.com",
        "--out-dir",
        out_dir,
    ];
    mimamori(&[&form[..], extra].concat())
}

#[test]
fn a_venue_registers_with_the_real_server_and_a_refused_form_lists_its_problems() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = Config::new(dir.path().join("server"));
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.export_worker = false;
    let server = runtime.block_on(Server::start(config)).unwrap();
    let base = server.base_url();
    let out_dir = dir.path().join("venue");
    let out_dir = out_dir.to_str().unwrap();

    let out = stdout(&register(
        &base,
        out_dir,
        "11_50",
        &["--consent", "--room", "1F", "--room", "2F", "--stay", "90"],
    ));
    assert!(out.contains("registered: "), "{out}");
    assert!(out.contains("wrote 2 poster(s)"), "{out}");
    let read = |name: &str| std::fs::read(dir.path().join("venue").join(name)).unwrap();
    for number in [1, 2] {
        assert!(read(&format!("poster-{number}.pdf")).starts_with(b"%PDF"));
        assert!(read(&format!("qr-{number}.png")).starts_with(b"\x89PNG"));
        assert!(
            String::from_utf8(read(&format!("qr-{number}.svg")))
                .unwrap()
                .contains("<svg")
        );
    }
    assert!(read("leaflet.pdf").starts_with(b"%PDF"));
    assert!(read("operator-copy.pdf").starts_with(b"%PDF"));
    let listing: serde_json::Value = serde_json::from_slice(&read("registration.json")).unwrap();
    let rooms: Vec<RegisteredRoom> = serde_json::from_value(listing["rooms"].clone()).unwrap();
    assert_eq!(
        rooms
            .iter()
            .map(|room| room.room.as_str())
            .collect::<Vec<_>>(),
        ["1F", "2F"]
    );
    assert!(rooms.iter().all(|room| room.qr_url.contains("/v/#")));

    // Without consent and with a bad capacity: refused, each problem named, nothing written.
    let refused_dir = dir.path().join("refused");
    let error = stderr(&register(&base, refused_dir.to_str().unwrap(), "huge", &[]));
    assert!(error.contains("registration refused (HTTP 400)"), "{error}");
    assert!(error.contains("\n  consent: "), "{error}");
    assert!(error.contains("\n  capacity: "), "{error}");
    assert!(!refused_dir.exists());
    runtime.block_on(server.shutdown()).unwrap();
}
