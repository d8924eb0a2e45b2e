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
use mimamori_api::v1::venues::{
    ErrorResponse, POSTERS_PATH, PosterFormat, PosterRequest, REGISTRATIONS_PATH, RegisteredVenue,
    RegistrationForm, VenueFields,
};
use mimamori_phone::transport::{ServerUrl, Transport};
use serde::Serialize;

use crate::client::HttpClient;

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
    let body = serde_json::to_vec(&args.form())?;
    let answer = HttpClient::new()
        .post_json(
            &server.join(REGISTRATIONS_PATH),
            &[],
            &body,
            MAX_ANSWER_BYTES,
        )
        .context("registering the venue")?;
    if answer.status != 201 {
        bail!(
            "registration refused (HTTP {}): {}",
            answer.status,
            refusal_message(&answer.body)
        );
    }
    let registered = registered(&answer.body)?;
    let client = HttpClient::new();
    let posters = server.join(POSTERS_PATH);
    let mut fetch = |qr_url: &str, format: PosterFormat| -> Result<Vec<u8>> {
        let body = serde_json::to_vec(&PosterRequest::new(qr_url, format))?;
        let format = format.as_str();
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
    write_outputs(&registered, &args.out_dir, &mut fetch, out)
}

impl RegisterArgs {
    /// The registration form these arguments fill in.
    fn form(&self) -> RegistrationForm {
        RegistrationForm {
            venue: VenueFields {
                venue_type: self.venue_type.clone(),
                capacity: self.capacity.clone(),
                name: self.name.clone(),
                postal_code: self.postal_code.clone(),
                address1: self.address1.clone(),
                address2: self.address2.clone(),
                phone: self.phone.clone(),
                email: self.email.clone(),
            },
            consent: self.consent,
            opt_in: self.opt_in,
            rooms: self.rooms.clone(),
            default_stay_minutes: self.stay,
        }
    }
}

/// What a refusal says: its `error` and each problem of the form, one a line.
fn refusal_message(body: &[u8]) -> String {
    let refusal: ErrorResponse = serde_json::from_slice(body).unwrap_or_default();
    let mut message = if refusal.error.is_empty() {
        "the server refused the registration".to_owned()
    } else {
        refusal.error
    };
    for problem in refusal.problems {
        message.push_str(&format!(
            "\n  {}: {} / {}",
            problem.field, problem.ja, problem.en
        ));
    }
    message
}

/// Reads a registration answer (201).
fn registered(body: &[u8]) -> Result<RegisteredVenue> {
    serde_json::from_slice(body)
        .map_err(|error| anyhow::anyhow!("the server's answer is not a registration: {error}"))
}

/// Fetches one room's file: its QR text and the format.
type FetchFile<'a> = dyn FnMut(&str, PosterFormat) -> Result<Vec<u8>> + 'a;

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

fn decode(text: &str, field: &str) -> Result<Vec<u8>> {
    BASE64
        .decode(text)
        .with_context(|| format!("the server's {field} is not base64"))
}

/// `registration.json`: the registration number and the rooms, no codes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listing<'a> {
    registration_id: &'a str,
    rooms: Vec<ListedRoom<'a>>,
}

/// A room in `registration.json`: its number in the file names, label and QR text.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListedRoom<'a> {
    number: usize,
    qr_url: &'a str,
    room: &'a str,
}

fn write_outputs(
    registered: &RegisteredVenue,
    directory: &Path,
    fetch: &mut FetchFile<'_>,
    out: &mut impl Write,
) -> Result<()> {
    std::fs::create_dir_all(directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let mut listing = Vec::new();
    for (index, room) in registered.rooms.iter().enumerate() {
        let number = index + 1;
        for (format, name) in [
            (PosterFormat::Png, format!("qr-{number}.png")),
            (PosterFormat::Svg, format!("qr-{number}.svg")),
            (PosterFormat::Pdf, format!("poster-{number}.pdf")),
        ] {
            write_file(&directory.join(name), &fetch(&room.qr_url, format)?, false)?;
        }
        listing.push(ListedRoom {
            number,
            qr_url: &room.qr_url,
            room: &room.room,
        });
    }
    write_file(
        &directory.join("leaflet.pdf"),
        &decode(&registered.leaflet_pdf, "leafletPdf")?,
        false,
    )?;
    write_file(
        &directory.join("operator-copy.pdf"),
        &decode(&registered.operator_copy_pdf, "operatorCopyPdf")?,
        true,
    )?;
    write_file(
        &directory.join("manager-key.txt"),
        format!("{}\n", registered.manager_key).as_bytes(),
        true,
    )?;
    let registration = Listing {
        registration_id: &registered.registration_id,
        rooms: listing,
    };
    write_file(
        &directory.join("registration.json"),
        serde_json::to_string_pretty(&registration)?.as_bytes(),
        false,
    )?;
    writeln!(out, "registered: {}", registered.registration_id)?;
    writeln!(
        out,
        "trace code (keep private; also in operator-copy.pdf): {}",
        registered.trace_code
    )?;
    writeln!(
        out,
        "wrote {} poster(s), QR PNG/SVG, leaflet.pdf, operator-copy.pdf, manager-key.txt to {}",
        registered.rooms.len(),
        directory.display()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

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
        let registered = registered(answer.to_string().as_bytes()).unwrap();
        let directory = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        let mut fetch = |qr_url: &str, format: PosterFormat| -> Result<Vec<u8>> {
            let room = if qr_url.ends_with('a') { "1" } else { "2" };
            Ok(match format {
                PosterFormat::Png => [&b"\x89PNG"[..], room.as_bytes()].concat(),
                PosterFormat::Svg => b"<svg/>".to_vec(),
                PosterFormat::Pdf => format!("%PDF-{room}").into_bytes(),
            })
        };
        write_outputs(&registered, directory.path(), &mut fetch, &mut out).unwrap();
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
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&listing).unwrap(),
            json!({
                "registrationId": "R7K2M9QX4D",
                "rooms": [
                    {"number": 1, "room": "1階", "qrUrl": "https://h/v/#a"},
                    {"number": 2, "room": "2階", "qrUrl": "https://h/v/#b"}
                ],
            })
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
        let error =
            registered(json!({"rooms": [{"room": "1階"}]}).to_string().as_bytes()).unwrap_err();
        assert!(error.to_string().contains("qrUrl"), "{error}");
    }

    #[test]
    fn a_refusal_lists_each_problem_of_the_form() {
        let body = json!({
            "error": "Choose the capacity band.",
            "code": "invalid_registration",
            "problems": [{"field": "capacity", "ja": "利用規模数を選択してください。", "en": "Choose the capacity band."}],
        });
        assert_eq!(
            refusal_message(body.to_string().as_bytes()),
            "Choose the capacity band.\n  capacity: 利用規模数を選択してください。 / Choose the capacity band."
        );
        assert_eq!(
            refusal_message(b"<html>"),
            "the server refused the registration"
        );
    }

    #[test]
    fn the_arguments_fill_in_the_servers_form() {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Command {
            #[command(flatten)]
            args: RegisterArgs,
        }
        let command = Command::try_parse_from([
            "register",
            "--server",
            "http://127.0.0.1:1",
            "--type",
            "theatre",
            "--capacity",
            "11_50",
            "--name",
            "N",
            "--postal-code",
            "020-8570",
            "--address1",
            "A",
            "--phone",
            "0196295487",
            "--email",
            "a@b.jp",
            "--consent",
            "--room",
            "1F",
            "--room",
            "2F",
            "--stay",
            "90",
        ])
        .unwrap();
        let form = command.args.form();
        assert_eq!(
            serde_json::to_value(&form).unwrap(),
            json!({
                "venueType": "theatre", "capacity": "11_50", "name": "N",
                "postalCode": "020-8570", "address1": "A", "address2": "", "phone": "0196295487",
                "email": "a@b.jp", "consent": true, "optIn": false, "rooms": ["1F", "2F"],
                "defaultStayMinutes": 90,
            })
        );
        assert!(
            form.check().is_ok(),
            "what the CLI sends passes the server's checks"
        );
    }
}
