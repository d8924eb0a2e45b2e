//! `mimamori venue register --server URL ...`: registers a venue with a diagnosis server's
//! venue service (the same form as the web page) and writes what comes back into a directory:
//!
//! | file | what |
//! |------|------|
//! | `qr-<n>.png`, `qr-<n>.svg` | room n's QR code (fetched with its QR text) |
//! | `poster-<n>.pdf` | room n's A4 poster (fetched with its QR text) |
//! | `leaflet.pdf` | the A4 explanatory leaflet |
//! | `operator-copy.pdf` | the operator copy with the private trace code (keep it private) |
//! | `manager-key.txt` | the manager device's key (mode 0600; for notice requests) |
//! | `registration.json` | registration number, rooms and their QR URLs (no codes) |
//!
//! The trace code is printed once and written only into the operator copy.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use mimamori_phone::transport::{ServerUrl, Transport};
use serde_json::{Value, json};

use crate::client::HttpClient;

/// The registration path of the venue service (`diagnosis-server/src/venues`).
pub(crate) const REGISTRATIONS_PATH: &str = "/venues/v1/registrations";

/// The poster and QR image path of the venue service: one room's file a request.
pub(crate) const POSTERS_PATH: &str = "/venues/v1/posters";

/// The largest registration answer accepted (50 rooms' QR texts, leaflet, operator copy).
const MAX_ANSWER_BYTES: u64 = 8 * 1024 * 1024;

/// The largest poster or QR image accepted.
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Arguments of `mimamori venue register`.
#[derive(Debug, clap::Args)]
pub(crate) struct RegisterArgs {
    /// The server's base URL (https://…; http only for 127.0.0.1/localhost).
    #[arg(long)]
    server: String,
    /// Business type: restaurant_bar, theatre, meeting_hall, museum_library, sports_amusement,
    /// nightlife, retail, indoor_event, outdoor_event.
    #[arg(long = "type")]
    venue_type: String,
    /// Capacity band: up_to_10, 11_50, 51_100, 101_300, 301_1000, over_1000.
    #[arg(long)]
    capacity: String,
    /// Name of the facility, shop or event.
    #[arg(long)]
    name: String,
    /// Postal code (NNN-NNNN).
    #[arg(long)]
    postal_code: String,
    /// Address line 1.
    #[arg(long)]
    address1: String,
    /// Address line 2 (number, building).
    #[arg(long, default_value = "")]
    address2: String,
    /// Telephone number.
    #[arg(long)]
    phone: String,
    /// E-mail address.
    #[arg(long)]
    email: String,
    /// Agree to the terms of use (required).
    #[arg(long)]
    consent: bool,
    /// Receive news and surveys from the authority.
    #[arg(long)]
    opt_in: bool,
    /// A room, floor or table (repeat for one QR each; none: one QR for the venue).
    #[arg(long = "room")]
    rooms: Vec<String>,
    /// Minutes after which visitors are checked out (default 120).
    #[arg(long)]
    stay: Option<u16>,
    /// Directory to write the files into (created if missing).
    #[arg(long, default_value = "venue-registration")]
    out_dir: PathBuf,
}

/// Runs `mimamori venue register`.
pub(crate) fn run(args: &RegisterArgs, out: &mut impl Write) -> Result<()> {
    let server = ServerUrl::parse(&args.server).context("--server")?;
    let form = json!({
        "venueType": args.venue_type,
        "capacity": args.capacity,
        "name": args.name,
        "postalCode": args.postal_code,
        "address1": args.address1,
        "address2": args.address2,
        "phone": args.phone,
        "email": args.email,
        "consent": args.consent,
        "optIn": args.opt_in,
        "rooms": args.rooms,
        "defaultStayMinutes": args.stay,
    });
    let body = serde_json::to_vec(&form)?;
    let answer = HttpClient::new()
        .post_json(
            &server.join(REGISTRATIONS_PATH),
            &[],
            &body,
            MAX_ANSWER_BYTES,
        )
        .context("registering the venue")?;
    let value: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    if answer.status != 201 {
        let mut message = value["error"]
            .as_str()
            .unwrap_or("the server refused the registration")
            .to_owned();
        if let Some(problems) = value["problems"].as_array() {
            for problem in problems {
                message.push_str(&format!(
                    "\n  {}: {} / {}",
                    problem["field"].as_str().unwrap_or("?"),
                    problem["ja"].as_str().unwrap_or(""),
                    problem["en"].as_str().unwrap_or("")
                ));
            }
        }
        bail!("registration refused (HTTP {}): {message}", answer.status);
    }
    let client = HttpClient::new();
    let posters = server.join(POSTERS_PATH);
    let mut fetch = |qr_url: &str, format: &str| -> Result<Vec<u8>> {
        let body = serde_json::to_vec(&json!({"qrUrl": qr_url, "format": format}))?;
        let answer = client
            .post_json(&posters, &[], &body, MAX_FILE_BYTES)
            .with_context(|| format!("fetching a room's {format}"))?;
        if answer.status != 200 {
            bail!(
                "the server refused a room's {format} (HTTP {})",
                answer.status
            );
        }
        Ok(answer.body)
    };
    write_outputs(&value, &args.out_dir, &mut fetch, out)
}

/// Fetches one room's file: its QR text and the format (`pdf`, `png`, `svg`).
type FetchFile<'a> = dyn FnMut(&str, &str) -> Result<Vec<u8>> + 'a;

fn text<'a>(value: &'a Value, field: &str) -> Result<&'a str> {
    value[field]
        .as_str()
        .with_context(|| format!("the server's answer has no {field}"))
}

fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

fn decode(value: &Value, field: &str) -> Result<Vec<u8>> {
    BASE64
        .decode(text(value, field)?)
        .with_context(|| format!("the server's {field} is not base64"))
}

fn write_outputs(
    value: &Value,
    directory: &Path,
    fetch: &mut FetchFile<'_>,
    out: &mut impl Write,
) -> Result<()> {
    std::fs::create_dir_all(directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let rooms = value["rooms"]
        .as_array()
        .context("the server's answer has no rooms")?;
    let mut listing = Vec::new();
    for (index, room) in rooms.iter().enumerate() {
        let number = index + 1;
        let qr_url = text(room, "qrUrl")?;
        for (format, name) in [
            ("png", format!("qr-{number}.png")),
            ("svg", format!("qr-{number}.svg")),
            ("pdf", format!("poster-{number}.pdf")),
        ] {
            write_file(&directory.join(name), &fetch(qr_url, format)?, false)?;
        }
        listing.push(json!({
            "number": number,
            "room": room["room"],
            "qrUrl": room["qrUrl"],
        }));
    }
    write_file(
        &directory.join("leaflet.pdf"),
        &decode(value, "leafletPdf")?,
        false,
    )?;
    write_file(
        &directory.join("operator-copy.pdf"),
        &decode(value, "operatorCopyPdf")?,
        true,
    )?;
    write_file(
        &directory.join("manager-key.txt"),
        format!("{}\n", text(value, "managerKey")?).as_bytes(),
        true,
    )?;
    let registration = json!({
        "registrationId": value["registrationId"],
        "rooms": listing,
    });
    write_file(
        &directory.join("registration.json"),
        serde_json::to_string_pretty(&registration)?.as_bytes(),
        false,
    )?;
    writeln!(out, "registered: {}", text(value, "registrationId")?)?;
    writeln!(
        out,
        "trace code (keep private; also in operator-copy.pdf): {}",
        text(value, "traceCode")?
    )?;
    writeln!(
        out,
        "wrote {} poster(s), QR PNG/SVG, leaflet.pdf, operator-copy.pdf, manager-key.txt to {}",
        rooms.len(),
        directory.display()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_file_is_written_and_the_secrets_are_private() {
        let answer = json!({
            "registrationId": "R7K2M9QX4D",
            "traceCode": "ABCD-EFGH-JKMN-PQRS",
            "managerKey": "0123-4567-89AB-CDEF",
            "rooms": [
                {"room": "1階", "qrUrl": "https://h/v/#a"},
                {"room": "2階", "qrUrl": "https://h/v/#b"}
            ],
            "leafletPdf": BASE64.encode(b"%PDF-L"),
            "operatorCopyPdf": BASE64.encode(b"%PDF-O"),
        });
        let directory = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        let mut fetch = |qr_url: &str, format: &str| -> Result<Vec<u8>> {
            let room = if qr_url.ends_with('a') { "1" } else { "2" };
            Ok(match format {
                "png" => [&b"\x89PNG"[..], room.as_bytes()].concat(),
                "svg" => b"<svg/>".to_vec(),
                _ => format!("%PDF-{room}").into_bytes(),
            })
        };
        write_outputs(&answer, directory.path(), &mut fetch, &mut out).unwrap();
        let printed = String::from_utf8(out).unwrap();
        assert!(printed.contains("R7K2M9QX4D") && printed.contains("ABCD-EFGH-JKMN-PQRS"));
        assert_eq!(
            std::fs::read(directory.path().join("poster-2.pdf")).unwrap(),
            b"%PDF-2"
        );
        assert_eq!(
            std::fs::read(directory.path().join("qr-1.png")).unwrap(),
            b"\x89PNG1"
        );
        assert_eq!(
            std::fs::read(directory.path().join("leaflet.pdf")).unwrap(),
            b"%PDF-L"
        );
        let listing = std::fs::read_to_string(directory.path().join("registration.json")).unwrap();
        assert!(listing.contains("https://h/v/#b"));
        assert!(
            !listing.contains("ABCD") && !listing.contains("0123-4567"),
            "no codes in the listing"
        );
        #[cfg(unix)]
        for name in ["manager-key.txt", "operator-copy.pdf"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(directory.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }

    #[test]
    fn a_damaged_answer_is_an_error_naming_the_field() {
        let directory = tempfile::tempdir().unwrap();
        let error = write_outputs(
            &json!({"rooms": [{"room": "1階"}]}),
            directory.path(),
            &mut |_: &str, _: &str| Ok(Vec::new()),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("qrUrl"), "{error}");
    }
}
