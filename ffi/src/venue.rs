//! Venue check-ins and cluster notices for the apps: thin wrappers over
//! [`mimamori_venue`]. The app scans a poster, shows the venue ([`venue_parse_qr`]), asks
//! for consent once, checks in; it downloads the signed notice feed from
//! [`venue_feed_path`] with its own HTTP stack and hands the bytes to
//! [`MimamoriPhone::venue_match_feed`]. Partner systems on the JVM use [`venue_partner_match`].

use mimamori_phone::{CheckIn, StoredVisit};
use mimamori_venue::{
    FEED_PATH, KEYS_PATH, Language, NoticeFeed, NoticeMatch, VenuePublicKey, VenueQr, VisitRole,
    match_visits, parse_partner_visits,
};

use crate::arguments::parse_each;
use crate::{MimamoriError, MimamoriPhone};

/// A venue as its verified QR code describes it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct VenueInfo {
    /// The venue's name.
    pub name: String,
    /// Its address.
    pub address: String,
    /// The room, floor or table label (may be empty).
    pub room: String,
    /// The kind of venue in Japanese (Iwate's list), e.g. 食事提供施設.
    pub venue_type_ja: String,
    /// The kind of venue in English.
    pub venue_type_en: String,
    /// The visit length used unless the resident says otherwise, in minutes.
    pub default_stay_minutes: u16,
}

/// A check-in stored on this phone.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct VenueVisitRecord {
    /// The visit's id on this phone (for [`MimamoriPhone::venue_set_checkout`]).
    pub id: i64,
    /// The venue's name.
    pub venue_name: String,
    /// The room label (may be empty).
    pub room: String,
    /// The kind of venue in Japanese.
    pub venue_type_ja: String,
    /// The kind of venue in English.
    pub venue_type_en: String,
    /// Scan time, Unix seconds.
    pub scanned_at_unix: u64,
    /// Checkout time, Unix seconds.
    pub checkout_at_unix: u64,
    /// Whether the resident checked in as staff.
    pub staff: bool,
}

/// A notice that concerns one of the visits.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct VenueNoticeRecord {
    /// The notice's id, hex.
    pub notice_id_hex: String,
    /// The visit concerned (the phone's visit id, or the partner's).
    pub visit_id: String,
    /// Whether that visit was a staff check-in.
    pub staff: bool,
    /// `tokyo_positive_visitor`, `tokyo_cluster` or `iwate_same_day`.
    pub template: String,
    /// The JST date, `YYYY-MM-DD`.
    pub date: String,
    /// The window's first JST hour.
    pub from_hour: u8,
    /// The hour the window ends (24 = midnight).
    pub to_hour: u8,
    /// The venue's name.
    pub venue_name: String,
    /// Who sent the notice.
    pub issuer: String,
    /// The phone number to ask about it.
    pub contact_phone: String,
    /// The notice's text in Japanese.
    pub text_ja: String,
    /// The notice's text in English.
    pub text_en: String,
    /// When it was published, Unix seconds.
    pub published_at_unix: u64,
}

/// What matching a notice feed did.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct VenueFeedCheck {
    /// Notices found for the first time: notify the resident.
    pub new_notices: Vec<VenueNoticeRecord>,
    /// Notices found again that were already stored.
    pub already_known: u32,
    /// Feed entries under this phone's tags that failed their integrity check (skipped).
    pub rejected_entries: u32,
}

/// What a check-in needs besides the phone.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct VenueCheckIn {
    /// The scanned QR text.
    pub qr_text: String,
    /// The health authority's venue public keys (PEM or base64 DER).
    pub authority_keys: Vec<String>,
    /// The scan time, Unix seconds (`None`: now).
    pub scanned_at_unix: Option<u64>,
    /// The stay in minutes (`None`: the venue's default stay).
    pub stay_minutes: Option<u16>,
    /// Whether the resident checks in as staff.
    pub staff: bool,
}

#[uniffi::export]
impl MimamoriPhone {
    /// Whether the resident has agreed to venue check-ins.
    pub fn venue_has_consented(&self) -> Result<bool, MimamoriError> {
        Ok(self.phone().venues().has_consented()?)
    }

    /// Records the resident's consent to venue check-ins (once).
    pub fn venue_consent(&self) -> Result<(), MimamoriError> {
        Ok(self.phone().venues().consent()?)
    }

    /// Withdraws consent and deletes every check-in and venue notice; returns the visits deleted.
    pub fn venue_withdraw_consent(&self) -> Result<u32, MimamoriError> {
        let deleted = self.phone().venues().withdraw_consent()?;
        Ok(u32::try_from(deleted).unwrap_or(u32::MAX))
    }

    /// Verifies a scanned venue QR code and records the visit on this phone (never uploaded).
    pub fn venue_check_in(
        &self,
        check_in: VenueCheckIn,
    ) -> Result<VenueVisitRecord, MimamoriError> {
        let qr = VenueQr::parse(&check_in.qr_text, &keys(&check_in.authority_keys)?)?;
        let role = if check_in.staff {
            VisitRole::Staff
        } else {
            VisitRole::Visitor
        };
        let visit = self.phone().venues().check_in(
            &qr,
            CheckIn {
                scanned_at: check_in.scanned_at_unix,
                stay_minutes: check_in.stay_minutes,
                role,
            },
        )?;
        Ok(visit.into())
    }

    /// Changes a visit's checkout time (Unix seconds).
    pub fn venue_set_checkout(
        &self,
        visit_id: i64,
        checkout_at_unix: u64,
    ) -> Result<(), MimamoriError> {
        Ok(self
            .phone()
            .venues()
            .set_checkout(visit_id, checkout_at_unix)?)
    }

    /// The stored check-ins, oldest first.
    pub fn venue_visits(&self) -> Result<Vec<VenueVisitRecord>, MimamoriError> {
        let visits = self.phone().venues().visits()?;
        Ok(visits.into_iter().map(Into::into).collect())
    }

    /// Verifies a downloaded notice feed with `public_keys` and matches it against the stored
    /// check-ins; new notices are stored once. A bad feed stores nothing.
    pub fn venue_match_feed(
        &self,
        feed: Vec<u8>,
        public_keys: Vec<String>,
    ) -> Result<VenueFeedCheck, MimamoriError> {
        let feed = NoticeFeed::parse(&feed, &keys(&public_keys)?)?;
        let check = self.phone().venues().match_feed(&feed)?;
        Ok(VenueFeedCheck {
            new_notices: check.new_notices.iter().flat_map(records).collect(),
            already_known: u32::try_from(check.already_known).unwrap_or(u32::MAX),
            rejected_entries: u32::try_from(check.rejected_entries).unwrap_or(u32::MAX),
        })
    }

    /// The venue notices found so far.
    pub fn venue_notices(&self) -> Result<Vec<VenueNoticeRecord>, MimamoriError> {
        let notices = self.phone().venues().notices()?;
        Ok(notices.iter().flat_map(records).collect())
    }
}

/// Verifies a scanned venue QR code and describes the venue (for the consent and check-in
/// screen). Nothing is stored.
#[uniffi::export]
pub fn venue_parse_qr(
    qr_text: String,
    authority_keys: Vec<String>,
) -> Result<VenueInfo, MimamoriError> {
    let qr = VenueQr::parse(&qr_text, &keys(&authority_keys)?)?;
    let venue = qr.payload();
    Ok(VenueInfo {
        name: venue.name().to_owned(),
        address: venue.address().to_owned(),
        room: venue.room().to_owned(),
        venue_type_ja: venue.venue_type().japanese().to_owned(),
        venue_type_en: venue.venue_type().english().to_owned(),
        default_stay_minutes: venue.default_stay_minutes(),
    })
}

/// For partner systems: matches a CSV of their visits (`visit_id,qr,arrived,left`, RFC 3339)
/// against a signed feed; one record per notified visit.
#[uniffi::export]
pub fn venue_partner_match(
    visits_csv: String,
    feed: Vec<u8>,
    public_keys: Vec<String>,
) -> Result<Vec<VenueNoticeRecord>, MimamoriError> {
    let keys = keys(&public_keys)?;
    let feed = NoticeFeed::parse(&feed, &keys)?;
    let visits = parse_partner_visits(&visits_csv, &keys)?;
    Ok(match_visits(&visits, &feed)
        .matches
        .iter()
        .flat_map(records)
        .collect())
}

/// The path of the signed notice feed on the authority's server.
#[uniffi::export]
pub fn venue_feed_path() -> String {
    FEED_PATH.to_owned()
}

/// The path of the authority's published venue keys (JSON) on its server.
#[uniffi::export]
pub fn venue_keys_path() -> String {
    KEYS_PATH.to_owned()
}

/// The health authority's venue keys (PEM or base64 DER).
fn keys(texts: &[String]) -> Result<Vec<VenuePublicKey>, MimamoriError> {
    parse_each(texts, VenuePublicKey::parse)
}

/// One record per visit the notice concerns.
fn records(notice: &NoticeMatch) -> Vec<VenueNoticeRecord> {
    let window = notice.body.window();
    notice
        .visit_ids
        .iter()
        .map(|visit_id| VenueNoticeRecord {
            notice_id_hex: notice.notice_id_hex(),
            visit_id: visit_id.clone(),
            staff: notice.role == VisitRole::Staff,
            template: notice.body.template().slug().to_owned(),
            date: window.date().to_string(),
            from_hour: window.from_hour(),
            to_hour: window.to_hour(),
            venue_name: notice.body.venue_name().to_owned(),
            issuer: notice.body.issuer().to_owned(),
            contact_phone: notice.body.contact_phone().to_owned(),
            text_ja: notice.render(Language::Japanese),
            text_en: notice.render(Language::English),
            published_at_unix: notice.published_at,
        })
        .collect()
}

impl From<StoredVisit> for VenueVisitRecord {
    fn from(visit: StoredVisit) -> Self {
        Self {
            id: visit.id,
            venue_name: visit.venue_name,
            room: visit.room,
            venue_type_ja: visit.venue_type.japanese().to_owned(),
            venue_type_en: visit.venue_type.english().to_owned(),
            scanned_at_unix: visit.scanned_at,
            checkout_at_unix: visit.checkout_at,
            staff: visit.role == VisitRole::Staff,
        }
    }
}
