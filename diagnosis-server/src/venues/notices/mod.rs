//! Notices: (a) the operator's request — from the manager's device (manager key) or from staff
//! with a one-time keyword the manager made — which authority staff approve; (b) authority
//! staff directly with the operator's trace code. Either way the server opens the sealed record,
//! encrypts the notice body for each chosen room under the room's venue secret, and (on
//! approval, or at once for (b)) publishes the entries into the signed feed.
//!
//! This module holds those operations; [`json`] answers them as the JSON API and [`pages`] as
//! the operator's request form and the authority's pages in the portal.

mod json;
mod pages;

use mimamori_api::v1::venues::RequestStatus;
use mimamori_environment::OsRandom;
use mimamori_venue::{
    FeedEntry, NoticeBody, NoticeTemplate, NoticeWindow, SealedRecord, TraceCode, VenueQr, jst_date,
};
use time::Date;
use time::macros::format_description;
use zeroize::Zeroizing;

#[cfg(test)]
pub(crate) use self::json::notice_bodies_deserialise;
pub(crate) use self::json::{decide_json, direct_json, keyword_json, pending_json, request_json};
pub(crate) use self::pages::{
    portal_decide, portal_direct, portal_page, request_page, submit_request_form,
};
use mimamori_api::v1::venues::{Credential, NoticeFields, NoticeProblem, RequestSummary};

use super::registration::SealedVenue;
use super::{VenueService, decode_entry, encode_entry, lookup, stored_notice};
use crate::storage::{
    NoticeRequestRow, VenueKeywordRow, VenuePublicationRow, VenueRegistrationRow,
};
use crate::{Error, Result};

/// How long a staff keyword works: 24 hours.
pub const KEYWORD_SECONDS: i64 = 24 * 3600;

/// How far back a notice's date may lie: 14 days (phones keep visits that long).
pub const MAX_NOTICE_AGE_DAYS: i64 = 14;

/// Request summaries are sealed to the authority key alone: this fixed "trace code" stands in
/// for the operator's (the summary holds nothing the operator must unlock).
const SUMMARY_CODE: [u8; 10] = [0; 10];

/// `requested_by` of a notice staff published directly with the operator's trace code (a
/// request says `manager` or `staff`).
pub(crate) const BY_TRACE_CODE: &str = "trace_code";

/// A published notice as the portal lists it ([`publications`]).
#[derive(Clone, Debug)]
pub(crate) struct Publication {
    /// What was published: venue, template, window, rooms, and how it was asked for.
    pub summary: RequestSummary,
    /// When it was published, Unix seconds.
    pub published_at: i64,
    /// Who published it: a staff login name, or `API key <name>`.
    pub published_by: String,
    /// How many rooms' feed entries were published.
    pub entries: i64,
}

/// A checked notice.
struct CheckedNotice {
    template: NoticeTemplate,
    window: NoticeWindow,
    rooms: Vec<String>,
}

fn check_fields(
    fields: &NoticeFields,
    now: i64,
) -> std::result::Result<CheckedNotice, NoticeProblem> {
    let template = NoticeTemplate::from_slug(fields.template.trim())
        .map_err(|_| NoticeProblem::BadTemplate)?;
    let date = Date::parse(
        fields.date.trim(),
        format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| NoticeProblem::BadDate)?;
    let today = jst_date(u64::try_from(now).unwrap_or(0));
    if date > today || (today - date).whole_days() > MAX_NOTICE_AGE_DAYS {
        return Err(NoticeProblem::BadDate);
    }
    let window = if fields.whole_day {
        NoticeWindow::whole_day(date)
    } else {
        let (Some(from), Some(to)) = (fields.from_hour, fields.to_hour) else {
            return Err(NoticeProblem::BadWindow);
        };
        NoticeWindow::new(date, from, to).map_err(|_| NoticeProblem::BadWindow)?
    };
    let rooms = fields
        .rooms
        .iter()
        .map(|room| room.trim().to_owned())
        .filter(|room| !room.is_empty())
        .collect();
    Ok(CheckedNotice {
        template,
        window,
        rooms,
    })
}

/// Which of a registration's codes opens it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VenueCode {
    /// The operator's trace code (authority staff publish with it).
    Trace,
    /// The manager device's key.
    Manager,
}

/// The plaintext of a sealed record opened with `code`; `None` when it does not open.
fn open_bytes(
    venues: &VenueService,
    sealed: &[u8],
    code: &TraceCode,
) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let keys = venues.keys()?;
    let Ok(record) = SealedRecord::from_bytes(sealed) else {
        return Ok(None);
    };
    Ok(record.open(&keys.seal, code).ok())
}

/// Opens a sealed record with `code`.
fn open(venues: &VenueService, sealed: &[u8], code: &TraceCode) -> Result<Option<SealedVenue>> {
    Ok(open_bytes(venues, sealed, code)?
        .and_then(|plaintext| serde_json::from_slice(&plaintext).ok()))
}

/// The registration `text` (a trace code or manager key as typed) names, with the parsed code
/// and the record sealed to it.
async fn registration_by(
    venues: &VenueService,
    which: VenueCode,
    text: &str,
) -> Result<Option<(VenueRegistrationRow, TraceCode, Vec<u8>)>> {
    let Ok(code) = TraceCode::parse(text) else {
        return Ok(None);
    };
    let storage = &venues.services.storage;
    let row = match which {
        VenueCode::Trace => {
            storage
                .venue_by_trace_lookup(&lookup("trace", code.as_bytes()))
                .await?
        }
        VenueCode::Manager => {
            storage
                .venue_by_manager_lookup(&lookup("manager", code.as_bytes()))
                .await?
        }
    };
    Ok(row.map(|row| {
        let sealed = match which {
            VenueCode::Trace => row.sealed_for_trace.clone(),
            VenueCode::Manager => row.sealed_for_manager.clone(),
        };
        (row, code, sealed)
    }))
}

/// Opens the record of the registration `text` names.
async fn open_by(
    venues: &VenueService,
    which: VenueCode,
    text: &str,
) -> Result<Option<SealedVenue>> {
    match registration_by(venues, which, text).await? {
        Some((_, code, sealed)) => open(venues, &sealed, &code),
        None => Ok(None),
    }
}

/// Takes (uses up) a keyword and opens its record.
async fn open_by_keyword(venues: &VenueService, text: &str) -> Result<Option<SealedVenue>> {
    let Ok(code) = TraceCode::parse(text) else {
        return Ok(None);
    };
    let Some(row) = venues
        .services
        .storage
        .take_venue_keyword(&lookup("keyword", code.as_bytes()), venues.now())
        .await?
    else {
        return Ok(None);
    };
    open(venues, &row.sealed, &code)
}

/// The encrypted feed entries of a notice for the chosen rooms of `record`.
fn entries_for(
    venues: &VenueService,
    record: &SealedVenue,
    notice: &CheckedNotice,
) -> Result<std::result::Result<Vec<FeedEntry>, NoticeProblem>> {
    if notice
        .rooms
        .iter()
        .any(|room| !record.rooms.iter().any(|r| &r.room == room))
    {
        return Ok(Err(NoticeProblem::UnknownRoom));
    }
    let keys = venues.keys()?;
    let public_keys = [keys.signing.public_key()];
    let body = NoticeBody::new(
        notice.template,
        notice.window,
        &venues.settings.authority_name,
        &record.details.venue.phone,
        &record.details.venue.name,
    )?;
    let now = u64::try_from(venues.now()).unwrap_or(0);
    let mut entries = Vec::new();
    for room in &record.rooms {
        if !notice.rooms.is_empty() && !notice.rooms.contains(&room.room) {
            continue;
        }
        let qr = VenueQr::parse(&room.qr_url, &public_keys)?;
        entries.push(body.encrypt(&qr.secret(), now, &mut OsRandom));
    }
    Ok(Ok(entries))
}

fn summary_code() -> TraceCode {
    TraceCode::from_bytes(SUMMARY_CODE)
}

/// `summary` sealed to the authority key alone, as stored.
fn seal_summary(venues: &VenueService, summary: &RequestSummary) -> Result<Vec<u8>> {
    let bytes = Zeroizing::new(
        serde_json::to_vec(summary).map_err(|error| Error::Database(error.to_string()))?,
    );
    let keys = venues.keys()?;
    let sealed = SealedRecord::seal(
        &keys.seal.public_key(),
        &summary_code(),
        &bytes,
        &mut OsRandom,
    )?;
    Ok(sealed.to_bytes())
}

/// A stored summary opened; `None` when it does not open (another authority key, damaged).
fn open_summary(venues: &VenueService, sealed: &[u8]) -> Result<Option<RequestSummary>> {
    let keys = venues.keys()?;
    let Ok(sealed) = SealedRecord::from_bytes(sealed) else {
        return Ok(None);
    };
    let Ok(plaintext) = sealed.open(&keys.seal, &summary_code()) else {
        return Ok(None);
    };
    Ok(serde_json::from_slice::<RequestSummary>(&plaintext).ok())
}

/// What residents will read: the notice of `summary` rendered in Japanese and in English,
/// exactly as phones render it (core's templates, with this authority's name as the issuer and
/// the venue's phone). `None` when the stored fields no longer make a notice.
pub(crate) fn notice_texts(
    venues: &VenueService,
    summary: &RequestSummary,
) -> Option<(String, String)> {
    let fields = &summary.notice;
    let template = NoticeTemplate::from_slug(fields.template.trim()).ok()?;
    let date = Date::parse(
        fields.date.trim(),
        format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let window = if fields.whole_day {
        NoticeWindow::whole_day(date)
    } else {
        NoticeWindow::new(date, fields.from_hour?, fields.to_hour?).ok()?
    };
    let body = NoticeBody::new(
        template,
        window,
        &venues.settings.authority_name,
        &summary.venue_phone,
        &summary.venue_name,
    )
    .ok()?;
    Some((
        mimamori_venue::render(&body, mimamori_venue::Language::Japanese),
        mimamori_venue::render(&body, mimamori_venue::Language::English),
    ))
}

/// Files an operator's request (pending until staff approve): the request id.
pub(crate) async fn file_request(
    venues: &VenueService,
    credential: Credential<'_>,
    fields: &NoticeFields,
) -> Result<std::result::Result<String, NoticeProblem>> {
    let now = venues.now();
    let notice = match check_fields(fields, now) {
        Ok(notice) => notice,
        Err(problem) => return Ok(Err(problem)),
    };
    let (record, requested_by) = match credential {
        Credential::Manager(key) => match open_by(venues, VenueCode::Manager, key).await? {
            Some(record) => (record, "manager"),
            None => return Ok(Err(NoticeProblem::UnknownCode)),
        },
        Credential::Keyword(keyword) => {
            // The fields were checked above; the keyword is used up here (one use), even if
            // a room label turns out not to be the venue's.
            match open_by_keyword(venues, keyword).await? {
                Some(record) => (record, "staff"),
                None => return Ok(Err(NoticeProblem::UnknownCode)),
            }
        }
    };
    let entries = match entries_for(venues, &record, &notice)? {
        Ok(entries) => entries,
        Err(problem) => return Ok(Err(problem)),
    };
    let mut id_bytes = [0u8; 16];
    mimamori_environment::RandomSource::fill_bytes(&mut OsRandom, &mut id_bytes);
    let id = hex::encode(id_bytes);
    let summary = RequestSummary {
        id: id.clone(),
        registration_id: record.registration_id.clone(),
        venue_name: record.details.venue.name.clone(),
        venue_phone: record.details.venue.phone.clone(),
        requested_by: requested_by.to_owned(),
        requested_at: now,
        notice: NoticeFields {
            rooms: notice.rooms.clone(),
            ..fields.clone()
        },
    };
    let sealed = seal_summary(venues, &summary)?;
    let encoded: Vec<serde_json::Value> = entries
        .iter()
        .map(|entry| {
            serde_json::Value::String(String::from_utf8_lossy(&encode_entry(entry)).into_owned())
        })
        .collect();
    venues
        .services
        .storage
        .insert_notice_request(&NoticeRequestRow {
            id: id.clone(),
            registration_id: record.registration_id,
            created_at: now,
            status: RequestStatus::Pending.as_str().into(),
            decided_at: None,
            summary: sealed,
            entries: serde_json::to_vec(&encoded)
                .map_err(|error| Error::Database(error.to_string()))?,
        })
        .await?;
    tracing::info!("venue notice request filed");
    Ok(Ok(id))
}

/// Makes a one-time keyword for staff from the manager's key: the keyword and when it expires.
pub(crate) async fn make_keyword(
    venues: &VenueService,
    manager_key: &str,
) -> Result<Option<(String, i64)>> {
    let Some((row, code, sealed)) =
        registration_by(venues, VenueCode::Manager, manager_key).await?
    else {
        return Ok(None);
    };
    let Some(plaintext) = open_bytes(venues, &sealed, &code)? else {
        return Ok(None);
    };
    let keys = venues.keys()?;
    let keyword = TraceCode::generate(&mut OsRandom);
    let resealed =
        SealedRecord::seal(&keys.seal.public_key(), &keyword, &plaintext, &mut OsRandom)?;
    let expires_at = venues.now() + KEYWORD_SECONDS;
    venues
        .services
        .storage
        .insert_venue_keyword(&VenueKeywordRow {
            lookup: lookup("keyword", keyword.as_bytes()),
            registration_id: row.id,
            sealed: resealed.to_bytes(),
            expires_at,
        })
        .await?;
    Ok(Some((keyword.to_display().to_string(), expires_at)))
}

/// Pending requests with their opened summaries.
pub(crate) async fn pending(venues: &VenueService) -> Result<Vec<RequestSummary>> {
    let rows = venues.services.storage.pending_notice_requests().await?;
    let mut summaries = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(mut summary) = open_summary(venues, &row.summary)? {
            summary.id = row.id;
            summaries.push(summary);
        }
    }
    Ok(summaries)
}

/// The list of published notices still in the feed (the last 14 days), newest first. Older
/// entries are deleted from the list as the feed drops them.
pub(crate) async fn publications(venues: &VenueService) -> Result<Vec<Publication>> {
    let retention = i64::try_from(mimamori_venue::FEED_RETENTION_SECONDS).unwrap_or(0);
    let since = venues.now().saturating_sub(retention);
    let rows = venues
        .services
        .storage
        .venue_publications_since(since)
        .await?;
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(mut summary) = open_summary(venues, &row.summary)? {
            summary.id = row.id;
            list.push(Publication {
                summary,
                published_at: row.published_at,
                published_by: row.published_by,
                entries: row.entries,
            });
        }
    }
    Ok(list)
}

/// Approves or rejects a pending request; approving publishes its entries and lists the
/// notice as published by `by` (a staff login name, or `API key <name>`).
pub(crate) async fn decide(
    venues: &VenueService,
    id: &str,
    approve: bool,
    by: &str,
) -> Result<std::result::Result<(), NoticeProblem>> {
    let rows = venues.services.storage.pending_notice_requests().await?;
    let Some(row) = rows.into_iter().find(|row| row.id == id) else {
        return Ok(Err(NoticeProblem::UnknownRequest));
    };
    let now = u64::try_from(venues.now()).unwrap_or(0);
    let mut notices = Vec::new();
    if approve {
        let encoded: Vec<String> = serde_json::from_slice(&row.entries)
            .map_err(|_| Error::Database("a stored notice request is damaged".into()))?;
        for text in encoded {
            let mut entry = decode_entry(text.as_bytes())?;
            entry.published_at = now;
            notices.push(stored_notice(&entry));
        }
    }
    let publication = VenuePublicationRow {
        id: row.id.clone(),
        registration_id: row.registration_id.clone(),
        published_at: venues.now(),
        published_by: by.to_owned(),
        entries: i64::try_from(notices.len()).unwrap_or(i64::MAX),
        summary: row.summary.clone(),
    };
    let decided = venues
        .services
        .storage
        .decide_notice_request(id, approve, &notices, Some(&publication), venues.now())
        .await?;
    if decided.is_none() {
        return Ok(Err(NoticeProblem::UnknownRequest));
    }
    if approve {
        venues.publish_feed().await?;
    }
    tracing::info!(approve, "venue notice request decided");
    Ok(Ok(()))
}

/// Publishes a notice directly with the operator's trace code, listed as published by `by` (a
/// staff login name, or `API key <name>`): the venue's name and how many rooms.
pub(crate) async fn direct(
    venues: &VenueService,
    trace_code: &str,
    fields: &NoticeFields,
    by: &str,
) -> Result<std::result::Result<(String, usize), NoticeProblem>> {
    let notice = match check_fields(fields, venues.now()) {
        Ok(notice) => notice,
        Err(problem) => return Ok(Err(problem)),
    };
    let Some(record) = open_by(venues, VenueCode::Trace, trace_code).await? else {
        return Ok(Err(NoticeProblem::UnknownCode));
    };
    let entries = match entries_for(venues, &record, &notice)? {
        Ok(entries) => entries,
        Err(problem) => return Ok(Err(problem)),
    };
    let count = entries.len();
    let now = venues.now();
    let mut id_bytes = [0u8; 16];
    mimamori_environment::RandomSource::fill_bytes(&mut OsRandom, &mut id_bytes);
    let summary = RequestSummary {
        id: String::new(),
        registration_id: record.registration_id.clone(),
        venue_name: record.details.venue.name.clone(),
        venue_phone: record.details.venue.phone.clone(),
        requested_by: BY_TRACE_CODE.to_owned(),
        requested_at: now,
        notice: NoticeFields {
            rooms: notice.rooms.clone(),
            ..fields.clone()
        },
    };
    let publication = VenuePublicationRow {
        id: hex::encode(id_bytes),
        registration_id: record.registration_id.clone(),
        published_at: now,
        published_by: by.to_owned(),
        entries: i64::try_from(count).unwrap_or(i64::MAX),
        summary: seal_summary(venues, &summary)?,
    };
    venues.publish_entries(entries, Some(&publication)).await?;
    tracing::info!(entries = count, "venue notice published with a trace code");
    Ok(Ok((record.details.venue.name, count)))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use mimamori_environment::FixedClock;

    use super::*;
    use crate::venues::registration::{SealedRegistration, seal_registration};
    use crate::{Config, RunningServer, Server};
    use mimamori_api::v1::venues::{RegistrationForm, VenueFields};

    /// 2026-11-20 12:00 UTC, 21:00 in Japan.
    const NOW: u64 = 1_795_176_000;

    fn fields(template: &str, date: &str, hours: Option<(u8, u8)>, rooms: &[&str]) -> NoticeFields {
        NoticeFields {
            template: template.into(),
            date: date.into(),
            from_hour: hours.map(|(from, _)| from),
            to_hour: hours.map(|(_, to)| to),
            whole_day: hours.is_none(),
            rooms: rooms.iter().map(|room| (*room).to_owned()).collect(),
        }
    }

    #[test]
    fn fields_are_checked_template_date_window_and_rooms() {
        let now = i64::try_from(NOW).unwrap_or(0);
        let checked = check_fields(
            &fields(
                "tokyo_cluster",
                " 2026-11-20 ",
                Some((18, 21)),
                &[" 1階 ", "", "2階"],
            ),
            now,
        )
        .unwrap();
        assert_eq!(checked.template, NoticeTemplate::TokyoCluster);
        assert_eq!(checked.rooms, ["1階", "2階"], "trimmed, empty ones dropped");
        assert!(check_fields(&fields("iwate_same_day", "2026-11-06", None, &[]), now).is_ok());
        let refused = |fields: NoticeFields| check_fields(&fields, now).err();
        assert_eq!(
            refused(fields("nope", "2026-11-20", None, &[])),
            Some(NoticeProblem::BadTemplate)
        );
        for date in ["2026-11-21", "2026-11-05", "20261120", ""] {
            assert_eq!(
                refused(fields("tokyo_cluster", date, None, &[])),
                Some(NoticeProblem::BadDate),
                "{date}"
            );
        }
        for hours in [(21, 18), (18, 18), (0, 25)] {
            assert_eq!(
                refused(fields("tokyo_cluster", "2026-11-20", Some(hours), &[])),
                Some(NoticeProblem::BadWindow),
                "{hours:?}"
            );
        }
        let mut no_hours = fields("tokyo_cluster", "2026-11-20", None, &[]);
        no_hours.whole_day = false;
        assert_eq!(refused(no_hours), Some(NoticeProblem::BadWindow));
    }

    /// A server on a temporary SQLite file at [`NOW`] with one venue of two rooms registered.
    async fn venue() -> (
        tempfile::TempDir,
        RunningServer,
        VenueService,
        SealedRegistration,
    ) {
        let directory = tempfile::tempdir().unwrap();
        let mut config = Config::new(directory.path());
        config.listen = ([127, 0, 0, 1], 0).into();
        config.export_worker = false;
        let server = Server::start_with_clock(config, Arc::new(FixedClock::new(NOW)))
            .await
            .unwrap();
        let venues = VenueService::new(Arc::clone(server.services()));
        let form = RegistrationForm {
            venue: VenueFields {
                venue_type: "restaurant_bar".into(),
                capacity: "11_50".into(),
                name: "居酒屋もしサポ".into(),
                postal_code: "020-8570".into(),
                address1: "岩手県盛岡市内丸10番1号".into(),
                phone: "019-629-5487".into(),
                email: "owner@example.jp".into(),
                ..VenueFields::default()
            },
            consent: true,
            rooms: vec!["1階".into(), "2階".into()],
            ..RegistrationForm::default()
        };
        let checked = form.check().unwrap();
        let sealed = seal_registration(&venues, &checked.details, &checked.rooms).unwrap();
        venues
            .services
            .storage
            .insert_venue_registration(&sealed.row)
            .await
            .unwrap();
        (directory, server, venues, sealed)
    }

    /// How many feed entries are published.
    async fn published(venues: &VenueService) -> usize {
        let notices = venues.services.storage.venue_notices_since(0).await;
        notices.map_or(0, |notices| notices.len())
    }

    #[tokio::test]
    async fn requests_are_filed_with_the_manager_key_or_a_keyword_once_and_decided() {
        let (_directory, server, venues, sealed) = venue().await;
        let manager = sealed.manager_key.to_display().to_string();
        let notice = fields("tokyo_cluster", "2026-11-20", Some((18, 21)), &["2階"]);

        let by_manager = file_request(&venues, Credential::Manager(&manager), &notice)
            .await
            .unwrap()
            .unwrap();
        let wrong = file_request(&venues, Credential::Manager("0000-0000-0000-0000"), &notice)
            .await
            .unwrap();
        assert_eq!(wrong, Err(NoticeProblem::UnknownCode));

        let (keyword, expires_at) = make_keyword(&venues, &manager).await.unwrap().unwrap();
        assert_eq!(expires_at, i64::try_from(NOW).unwrap() + KEYWORD_SECONDS);
        assert_eq!(make_keyword(&venues, "not a key").await.unwrap(), None);
        let by_staff = file_request(&venues, Credential::Keyword(&keyword), &notice)
            .await
            .unwrap()
            .unwrap();
        let again = file_request(&venues, Credential::Keyword(&keyword), &notice)
            .await
            .unwrap();
        assert_eq!(
            again,
            Err(NoticeProblem::UnknownCode),
            "a keyword works once"
        );
        let other_room = fields("tokyo_cluster", "2026-11-20", Some((18, 21)), &["3階"]);
        let unknown = file_request(&venues, Credential::Manager(&manager), &other_room)
            .await
            .unwrap();
        assert_eq!(unknown, Err(NoticeProblem::UnknownRoom));

        let summaries = pending(&venues).await.unwrap();
        assert_eq!(summaries.len(), 2);
        let summary = summaries.iter().find(|s| s.id == by_staff).unwrap();
        assert_eq!(summary.requested_by, "staff");
        assert_eq!(summary.venue_name, "居酒屋もしサポ");
        assert_eq!(summary.registration_id, sealed.record.registration_id);
        assert_eq!(summary.notice.rooms, ["2階"]);

        let (ja, en) = notice_texts(&venues, summary).unwrap();
        assert!(
            ja.contains("11月20日")
                && ja.contains("『居酒屋もしサポ』")
                && ja.contains("18時から21時"),
            "{ja}"
        );
        assert!(ja.contains("019-629-5487"), "the venue's phone: {ja}");
        assert!(
            en.contains("\"居酒屋もしサポ\"") && en.contains("18:00 and 21:00"),
            "{en}"
        );

        decide(&venues, &by_manager, true, "tanaka")
            .await
            .unwrap()
            .unwrap();
        decide(&venues, &by_staff, false, "tanaka")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            decide(&venues, &by_staff, true, "tanaka").await.unwrap(),
            Err(NoticeProblem::UnknownRequest),
            "decided once"
        );
        assert!(pending(&venues).await.unwrap().is_empty());
        assert_eq!(
            published(&venues).await,
            1,
            "the approved request's one room"
        );
        let list = publications(&venues).await.unwrap();
        assert_eq!(
            list.len(),
            1,
            "the approval is listed, the rejection is not"
        );
        let approved = &list[0];
        assert_eq!(approved.summary.id, by_manager);
        assert_eq!(approved.summary.requested_by, "manager");
        assert_eq!(approved.summary.notice.rooms, ["2階"]);
        assert_eq!(approved.published_by, "tanaka");
        assert_eq!(approved.entries, 1);
        assert_eq!(approved.published_at, i64::try_from(NOW).unwrap());
        server.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn staff_publish_directly_with_the_trace_code() {
        let (_directory, server, venues, sealed) = venue().await;
        let trace = sealed.trace_code.to_display().to_string();
        let every_room = fields("iwate_same_day", "2026-11-19", None, &[]);
        let (name, count) = direct(&venues, &trace, &every_room, "API key desk")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((name.as_str(), count), ("居酒屋もしサポ", 2));
        let manager = sealed.manager_key.to_display().to_string();
        assert_eq!(
            direct(&venues, &manager, &every_room, "tanaka")
                .await
                .unwrap(),
            Err(NoticeProblem::UnknownCode),
            "the manager key is not the trace code"
        );
        let late = fields("iwate_same_day", "2026-10-01", None, &[]);
        assert_eq!(
            direct(&venues, &trace, &late, "tanaka").await.unwrap(),
            Err(NoticeProblem::BadDate)
        );
        assert_eq!(published(&venues).await, 2);
        let list = publications(&venues).await.unwrap();
        assert_eq!(
            list.len(),
            1,
            "one publication of two rooms; refusals are not listed"
        );
        assert_eq!(list[0].summary.venue_name, "居酒屋もしサポ");
        assert_eq!(list[0].summary.requested_by, BY_TRACE_CODE);
        assert_eq!(list[0].summary.notice.template, "iwate_same_day");
        assert!(list[0].summary.notice.rooms.is_empty(), "every room");
        assert_eq!(
            (list[0].published_by.as_str(), list[0].entries),
            ("API key desk", 2)
        );
        let (ja, en) = notice_texts(&venues, &list[0].summary).unwrap();
        assert!(ja.contains("居酒屋もしサポ") && en.contains("居酒屋もしサポ"));
        server.shutdown().await.unwrap();
    }
}
