//! `mimamori venue …`: venue check-ins and cluster notices from the command line (a phone, and a
//! partner system's matcher).
//!
//! ```text
//! mimamori venue checkin <QR-URL> [--at RFC3339] [--stay MINUTES] [--staff] [--consent]
//!                        [--data-dir DIR] [--authority-key PEM|BASE64|FILE]...
//! mimamori venue notices --server URL [--data-dir DIR] [--public-key PEM|BASE64|FILE]...
//! mimamori venue partner-match --visits CSV --feed FILE|URL [--public-key PEM|BASE64|FILE]...
//! mimamori venue register --server URL ...        (cli/src/venue_register.rs)
//! ```
//!
//! Keys: the authority's venue public keys are read from the arguments; otherwise from
//! `venue-authority-keys.pem` in the data directory (written whenever keys were given or
//! downloaded); otherwise, with a server, from the keys it publishes at
//! [`mimamori_venue::KEYS_PATH`] (trust on first use).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use mimamori_environment::{OsRandom, SystemClock};
use mimamori_gaen::DeviceCalibration;
use mimamori_phone::transport::ServerUrl;
use mimamori_phone::venue_sync::{
    KeySource, VenueSyncSettings, download_notice_feed, fetch_venue_keys, parse_venue_key_text,
    store_venue_keys, stored_venue_keys, sync_venue_notices,
};
use mimamori_phone::{CheckIn, Phone};
use mimamori_venue::{
    FEED_PATH, Language, NoticeFeed, NoticeMatch, VenuePublicKey, VenueQr, VisitRole, match_visits,
    parse_partner_visits,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::client::HttpClient;

/// `mimamori venue …`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum VenueCommand {
    /// Check in at a venue: verify the scanned QR URL with the health authority's key and record
    /// the visit on this phone only (checkout = scan + the venue's default stay unless --stay).
    Checkin(CheckinArgs),
    /// Download the server's signed notice feed, match it against this phone's visits and print
    /// each matched notice in Japanese and English.
    Notices(NoticesArgs),
    /// For partner systems: match a CSV of visits (visit_id,qr,arrived,left; RFC 3339 times)
    /// against a notice feed and print one CSV row per notified visit.
    PartnerMatch(PartnerMatchArgs),
    /// Register a venue with a server: writes QR PNG/SVG, posters, leaflet and operator copy.
    Register(crate::venue_register::RegisterArgs),
}

/// Arguments of `mimamori venue checkin`.
#[derive(Debug, clap::Args)]
pub(crate) struct CheckinArgs {
    /// The text of the venue's QR code (https://…/v/#…).
    qr_url: String,
    /// The scan time, RFC 3339 (default: now).
    #[arg(long, value_parser = parse_time)]
    at: Option<OffsetDateTime>,
    /// How long you stay, in minutes (default: the venue's default stay).
    #[arg(long)]
    stay: Option<u16>,
    /// Check in as a member of the venue's staff.
    #[arg(long)]
    staff: bool,
    /// Agree (once) that this phone keeps the venues you scan for 14 days, on this phone only.
    #[arg(long)]
    consent: bool,
    /// The phone's data directory.
    #[arg(long, default_value = "mimamori-data")]
    data_dir: PathBuf,
    /// The health authority's venue public key: PEM, base64 DER, or a file of PEM blocks.
    /// Repeat for several keys.
    #[arg(long = "authority-key")]
    authority_keys: Vec<String>,
}

/// Arguments of `mimamori venue notices`.
#[derive(Debug, clap::Args)]
pub(crate) struct NoticesArgs {
    /// The health authority's server base URL; the feed is at <server>/venues/v1/notices.
    #[arg(long)]
    server: String,
    /// The phone's data directory.
    #[arg(long, default_value = "mimamori-data")]
    data_dir: PathBuf,
    /// The feed's public key: PEM, base64 DER, or a file of PEM blocks (default: the keys kept
    /// in the data directory, else the server's published keys).
    #[arg(long = "public-key")]
    public_keys: Vec<String>,
}

/// Arguments of `mimamori venue partner-match`.
#[derive(Debug, clap::Args)]
pub(crate) struct PartnerMatchArgs {
    /// The partner's visits: CSV with the header `visit_id,qr,arrived,left`.
    #[arg(long)]
    visits: PathBuf,
    /// The signed notice feed: a file, or its http(s) URL.
    #[arg(long)]
    feed: String,
    /// The authority's public key(s) that verify the QR codes and the feed (PEM, base64 DER or
    /// a file). Required when --feed is a file; with a URL the server's published keys are used
    /// when none is given.
    #[arg(long = "public-key")]
    public_keys: Vec<String>,
}

/// Runs a `mimamori venue` command.
pub(crate) fn run(command: &VenueCommand, out: &mut impl Write) -> Result<()> {
    match command {
        VenueCommand::Checkin(args) => checkin(args, out),
        VenueCommand::Notices(args) => notices(args, out),
        VenueCommand::PartnerMatch(args) => partner_match(args, out),
        VenueCommand::Register(args) => crate::venue_register::run(args, out),
    }
}

fn checkin(args: &CheckinArgs, out: &mut impl Write) -> Result<()> {
    let keys = if args.authority_keys.is_empty() {
        stored_venue_keys(&args.data_dir)?.context(
            "no venue public key of the health authority is known yet: pass --authority-key \
             (or run `mimamori venue notices --server URL` once)",
        )?
    } else {
        parse_keys(&args.authority_keys)?
    };
    let qr = VenueQr::parse(&args.qr_url, &keys)?;
    let mut phone = open_phone(&args.data_dir)?;
    if !args.authority_keys.is_empty() {
        store_venue_keys(&args.data_dir, &keys)?;
    }
    if args.consent {
        phone.venues().consent()?;
    }
    let scanned_at = args
        .at
        .map(|at| u64::try_from(at.unix_timestamp()))
        .transpose()
        .map_err(|_| anyhow::anyhow!("--at must not be before 1970"))?;
    let role = if args.staff {
        VisitRole::Staff
    } else {
        VisitRole::Visitor
    };
    let visit = phone
        .venues()
        .check_in(
            &qr,
            CheckIn {
                scanned_at,
                stay_minutes: args.stay,
                role,
            },
        )
        .map_err(|error| match error {
            mimamori_phone::Error::VenueConsentRequired => {
                anyhow::anyhow!("{error} (pass --consent to agree)")
            }
            other => other.into(),
        })?;
    let room = if visit.room.is_empty() {
        String::new()
    } else {
        format!(" ({})", visit.room)
    };
    writeln!(
        out,
        "checked in at {}{room} [{} / {}] as {}: {} to {} (JST); kept on this phone for 14 days, never uploaded",
        visit.venue_name,
        visit.venue_type.japanese(),
        visit.venue_type.english(),
        visit.role.as_str(),
        jst(visit.scanned_at),
        jst(visit.checkout_at),
    )?;
    Ok(())
}

fn notices(args: &NoticesArgs, out: &mut impl Write) -> Result<()> {
    let settings = VenueSyncSettings {
        server: ServerUrl::parse(&args.server)?,
        public_keys: parse_keys(&args.public_keys)?,
    };
    let mut phone = open_phone(&args.data_dir)?;
    let report = sync_venue_notices(&mut phone, &HttpClient::new(), &settings)?;
    if report.key_source == KeySource::Server {
        writeln!(
            out,
            "using the venue keys the server publishes (trust on first use; pass --public-key to \
             pin them)"
        )?;
    }
    let check = report.check;
    writeln!(
        out,
        "{} notices in the feed; {} new for this phone, {} already known{}",
        report.feed_entries,
        check.new_notices.len(),
        check.already_known,
        if check.rejected_entries > 0 {
            format!(
                "; {} entries failed their integrity check and were skipped",
                check.rejected_entries
            )
        } else {
            String::new()
        }
    )?;
    for notice in phone.venues().notices()? {
        let new = check
            .new_notices
            .iter()
            .any(|found| found.notice_id == notice.notice_id);
        print_notice(out, &notice, new)?;
    }
    Ok(())
}

fn print_notice(out: &mut impl Write, notice: &NoticeMatch, new: bool) -> Result<()> {
    let window = notice.body.window();
    writeln!(out)?;
    writeln!(
        out,
        "== {}notice {} ({}, {} {:02}:00-{:02}:00 JST) ==",
        if new { "NEW " } else { "" },
        &notice.notice_id_hex()[..8],
        notice.body.template().slug(),
        window.date(),
        window.from_hour(),
        window.to_hour()
    )?;
    writeln!(out, "{}", notice.render(Language::Japanese))?;
    writeln!(out, "--")?;
    writeln!(out, "{}", notice.render(Language::English))?;
    Ok(())
}

fn partner_match(args: &PartnerMatchArgs, out: &mut impl Write) -> Result<()> {
    let client = HttpClient::new();
    let is_url = args.feed.starts_with("https://") || args.feed.starts_with("http://");
    let (feed_bytes, keys) = if is_url {
        let bytes = download_notice_feed(&client, &args.feed)?;
        let keys = if args.public_keys.is_empty() {
            let Some(base) = args.feed.strip_suffix(FEED_PATH) else {
                bail!(
                    "pass --public-key: the feed URL does not end in {FEED_PATH}, so the \
                     server's published keys cannot be found"
                );
            };
            fetch_venue_keys(&client, &ServerUrl::parse(base)?)?
        } else {
            parse_keys(&args.public_keys)?
        };
        (bytes, keys)
    } else {
        if args.public_keys.is_empty() {
            bail!("pass --public-key with the health authority's venue public key");
        }
        let bytes =
            std::fs::read(&args.feed).with_context(|| format!("reading the feed {}", args.feed))?;
        (bytes, parse_keys(&args.public_keys)?)
    };
    let feed = NoticeFeed::parse(&feed_bytes, &keys)?;
    let csv = std::fs::read_to_string(&args.visits)
        .with_context(|| format!("reading {}", args.visits.display()))?;
    let visits = parse_partner_visits(&csv, &keys)?;
    let report = match_visits(&visits, &feed);
    writeln!(
        out,
        "visit_id,notice_id,template,date,from_hour,to_hour,venue_name,contact_phone,text_ja,text_en"
    )?;
    for notice in &report.matches {
        let window = notice.body.window();
        for visit_id in &notice.visit_ids {
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{}",
                csv_field(visit_id),
                notice.notice_id_hex(),
                notice.body.template().slug(),
                window.date(),
                window.from_hour(),
                window.to_hour(),
                csv_field(notice.body.venue_name()),
                csv_field(notice.body.contact_phone()),
                csv_field(&notice.render(Language::Japanese)),
                csv_field(&notice.render(Language::English)),
            )?;
        }
    }
    if report.rejected_entries > 0 {
        eprintln!(
            "{} feed entries failed their integrity check and were skipped",
            report.rejected_entries
        );
    }
    Ok(())
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn open_phone(data_dir: &Path) -> Result<Phone> {
    Phone::open(
        data_dir,
        DeviceCalibration::UNKNOWN_DEVICE,
        Arc::new(SystemClock),
        Box::new(OsRandom),
    )
    .with_context(|| format!("opening the phone in {}", data_dir.display()))
}

/// Reads keys from arguments: each a file (one or more PEM blocks, or base64) or the text itself.
fn parse_keys(arguments: &[String]) -> Result<Vec<VenuePublicKey>> {
    let mut keys = Vec::new();
    for argument in arguments {
        let path = Path::new(argument);
        let text = if !argument.contains("-----BEGIN") && path.is_file() {
            std::fs::read_to_string(path).with_context(|| format!("reading {argument}"))?
        } else {
            argument.clone()
        };
        keys.extend(parse_venue_key_text(&text)?);
    }
    Ok(keys)
}

fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| "expected an RFC 3339 time such as 2021-07-20T19:00:00+09:00".to_owned())
}

fn jst(unix_seconds: u64) -> String {
    let time = OffsetDateTime::from_unix_timestamp(i64::try_from(unix_seconds).unwrap_or(0))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(mimamori_venue::JST);
    format!("{} {:02}:{:02}", time.date(), time.hour(), time.minute())
}
