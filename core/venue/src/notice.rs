//! Notices: the body an authority publishes for a venue and time window, encrypted so that only
//! someone who scanned the venue's code can read it.
//!
//! ```text
//! message NoticeBody {
//!   uint32 template = 1;        // NoticeTemplate code: 1 Tokyo positive visitor, 2 Tokyo cluster, 3 Iwate same day
//!   string date = 2;            // the JST date, YYYY-MM-DD
//!   uint32 from_hour = 3;       // first JST hour of the window, 0..=23
//!   uint32 to_hour = 4;         // the hour the window ends, from_hour+1..=24 (0..24 = the whole day)
//!   string issuer = 5;          // who sends it (health centre, prefecture)
//!   string contact_phone = 6;   // the phone number to ask about the notice
//!   string venue_name = 7;
//! }
//! iv         = 16 random bytes
//! ciphertext = AES-256-CTR(enc key of the venue, iv, NoticeBody)
//! mac        = HMAC-SHA256(mac key of the venue, NOTICE_MAC_CONTEXT || notice id || iv || ciphertext)
//! ```

use std::fmt;

use prost::Message;
use time::{Date, Month, OffsetDateTime, UtcOffset};

use super::cipher::{IV_LENGTH, MAC_LENGTH, apply_keystream, mac, mac_matches};
use super::feed::FeedEntry;
use super::named::{Named, by_code, by_slug};
use super::payload::MAX_NAME_CHARS;
use super::tags::{SLOT_SECONDS, VenueSecret};
use mimamori_environment::RandomSource;

use crate::{Error, Result};

/// What a notice's MAC covers before the notice id, IV and ciphertext.
pub const NOTICE_MAC_CONTEXT: &[u8] = b"mimamori-venue-notice-v1";

/// Length of a notice id, in bytes.
pub const NOTICE_ID_LENGTH: usize = 16;

/// The longest issuer name, in characters.
pub const MAX_ISSUER_CHARS: usize = 100;

/// The longest contact phone number, in characters.
pub const MAX_PHONE_CHARS: usize = 30;

/// Japan Standard Time, UTC+9 (Japan has no daylight saving time).
pub const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+9 is a valid offset"),
};

/// The JST date of the instant `unix_seconds`.
pub fn jst_date(unix_seconds: u64) -> Date {
    let seconds = i64::try_from(unix_seconds).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(JST)
        .date()
}

/// Which of the public notice wordings a notice uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NoticeTemplate {
    /// Tokyo template 1: a person who later tested positive used the venue in the window.
    TokyoPositiveVisitor,
    /// Tokyo template 2: a cluster is suspected among the people who used the venue in the window.
    TokyoCluster,
    /// Iwate: a person who later tested positive used the venue on the same day.
    IwateSameDay,
}

impl NoticeTemplate {
    /// Every template.
    pub const ALL: [Self; 3] = [
        Self::TokyoPositiveVisitor,
        Self::TokyoCluster,
        Self::IwateSameDay,
    ];

    /// The code in a notice body.
    pub fn code(self) -> u32 {
        // TEMPLATES lists every template in declaration order (tested), so the discriminant is
        // its index.
        TEMPLATES[self as usize].code
    }

    /// The template with code `code`.
    pub fn from_code(code: u32) -> Result<Self> {
        by_code(&TEMPLATES, code).ok_or_else(|| Error::InvalidNotice {
            reason: format!("notice template {code} is not one of 1 to 3"),
        })
    }

    /// A stable ASCII name for forms and APIs.
    pub fn slug(self) -> &'static str {
        TEMPLATES[self as usize].slug
    }

    /// The template named `slug`.
    pub fn from_slug(slug: &str) -> Result<Self> {
        by_slug(&TEMPLATES, slug).ok_or_else(|| Error::InvalidNotice {
            reason: "unknown template; use tokyo_positive_visitor, tokyo_cluster or \
                     iwate_same_day"
                .into(),
        })
    }
}

/// Every template with its code and slug, in the order of [`NoticeTemplate::ALL`].
#[rustfmt::skip] // one row a template
const TEMPLATES: [Named<NoticeTemplate>; 3] = {
    use NoticeTemplate::*;
    [
        Named { value: TokyoPositiveVisitor, code: 1, slug: "tokyo_positive_visitor", names: () },
        Named { value: TokyoCluster, code: 2, slug: "tokyo_cluster", names: () },
        Named { value: IwateSameDay, code: 3, slug: "iwate_same_day", names: () },
    ]
};

/// A notice's time window: whole JST hours `[from_hour, to_hour)` of one JST date.
/// `0..24` is the whole day (Iwate's same-day rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NoticeWindow {
    date: Date,
    from_hour: u8,
    to_hour: u8,
}

impl NoticeWindow {
    /// The window from `from_hour` (0..=23) up to `to_hour` (`from_hour + 1..=24`) on the JST
    /// `date`.
    pub fn new(date: Date, from_hour: u8, to_hour: u8) -> Result<Self> {
        if from_hour > 23 || to_hour > 24 || to_hour <= from_hour {
            return Err(Error::InvalidNotice {
                reason: "the window must start at an hour 0 to 23 and end at a later hour up to \
                         24"
                .into(),
            });
        }
        Ok(Self {
            date,
            from_hour,
            to_hour,
        })
    }

    /// The whole JST day `date`.
    pub fn whole_day(date: Date) -> Self {
        Self {
            date,
            from_hour: 0,
            to_hour: 24,
        }
    }

    /// The JST date.
    pub fn date(&self) -> Date {
        self.date
    }

    /// The first hour.
    pub fn from_hour(&self) -> u8 {
        self.from_hour
    }

    /// The hour the window ends (exclusive).
    pub fn to_hour(&self) -> u8 {
        self.to_hour
    }

    /// Whether the window covers the whole day.
    pub fn is_whole_day(&self) -> bool {
        self.from_hour == 0 && self.to_hour == 24
    }

    /// The window's start, in Unix seconds.
    pub fn start_unix_seconds(&self) -> u64 {
        let midnight = self.date.midnight().assume_offset(JST).unix_timestamp();
        u64::try_from(midnight).unwrap_or(0) + u64::from(self.from_hour) * SLOT_SECONDS
    }

    /// The window's end (exclusive), in Unix seconds.
    pub fn end_unix_seconds(&self) -> u64 {
        self.start_unix_seconds() + u64::from(self.to_hour - self.from_hour) * SLOT_SECONDS
    }

    /// Whether a visit `[arrived, left)` (Unix seconds) overlaps the window. A visit of no
    /// length counts at its instant.
    pub fn overlaps(&self, arrived: u64, left: u64) -> bool {
        let left = left.max(arrived.saturating_add(1));
        arrived < self.end_unix_seconds() && self.start_unix_seconds() < left
    }
}

/// What a notice says, before encryption. Made with [`NoticeBody::new`], which checks it.
#[derive(Clone, PartialEq, Eq)]
pub struct NoticeBody {
    template: NoticeTemplate,
    window: NoticeWindow,
    issuer: String,
    contact_phone: String,
    venue_name: String,
}

impl NoticeBody {
    /// A notice. `issuer` (1 to [`MAX_ISSUER_CHARS`] characters), `contact_phone` (1 to
    /// [`MAX_PHONE_CHARS`] of digits, `+`, `-`, `(`, `)` and spaces) and `venue_name` (1 to
    /// [`MAX_NAME_CHARS`]) are trimmed and may hold no control characters.
    pub fn new(
        template: NoticeTemplate,
        window: NoticeWindow,
        issuer: &str,
        contact_phone: &str,
        venue_name: &str,
    ) -> Result<Self> {
        let contact_phone = contact_phone.trim();
        let phone_char = |c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | ' ');
        if contact_phone.is_empty()
            || contact_phone.chars().count() > MAX_PHONE_CHARS
            || !contact_phone.chars().all(phone_char)
        {
            return Err(Error::InvalidNotice {
                reason: format!(
                    "the contact phone must be 1 to {MAX_PHONE_CHARS} digits, '+', '-', \
                     parentheses or spaces"
                ),
            });
        }
        Ok(Self {
            template,
            window,
            issuer: notice_text("issuer", issuer, MAX_ISSUER_CHARS)?,
            contact_phone: contact_phone.to_owned(),
            venue_name: notice_text("venue name", venue_name, MAX_NAME_CHARS)?,
        })
    }

    /// The wording.
    pub fn template(&self) -> NoticeTemplate {
        self.template
    }

    /// The date and hours.
    pub fn window(&self) -> NoticeWindow {
        self.window
    }

    /// Who sends the notice.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The phone number to ask about the notice.
    pub fn contact_phone(&self) -> &str {
        &self.contact_phone
    }

    /// The venue's name.
    pub fn venue_name(&self) -> &str {
        &self.venue_name
    }

    /// The encoded body (the plaintext of a notice).
    pub fn encode(&self) -> Vec<u8> {
        proto::NoticeBody {
            template: self.template.code(),
            date: self.window.date.to_string(),
            from_hour: u32::from(self.window.from_hour),
            to_hour: u32::from(self.window.to_hour),
            issuer: self.issuer.clone(),
            contact_phone: self.contact_phone.clone(),
            venue_name: self.venue_name.clone(),
        }
        .encode_to_vec()
    }

    /// Reads an encoded body.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let wire = proto::NoticeBody::decode(bytes).map_err(|_| Error::InvalidNotice {
            reason: "the notice body is malformed".into(),
        })?;
        let hour = |value: u32| {
            u8::try_from(value).map_err(|_| Error::InvalidNotice {
                reason: "the notice's hours are out of range".into(),
            })
        };
        let window = NoticeWindow::new(
            parse_date(&wire.date)?,
            hour(wire.from_hour)?,
            hour(wire.to_hour)?,
        )?;
        Self::new(
            NoticeTemplate::from_code(wire.template)?,
            window,
            &wire.issuer,
            &wire.contact_phone,
            &wire.venue_name,
        )
    }

    /// Encrypts the notice for the venue whose secret is `venue`, under a fresh random notice
    /// id and IV, filed under the tags of every hour of the window.
    pub fn encrypt(
        &self,
        venue: &VenueSecret,
        published_at: u64,
        random: &mut dyn RandomSource,
    ) -> FeedEntry {
        let mut notice_id = [0u8; NOTICE_ID_LENGTH];
        random.fill_bytes(&mut notice_id);
        let mut iv = [0u8; IV_LENGTH];
        random.fill_bytes(&mut iv);
        self.encrypt_with(venue, notice_id, iv, published_at)
    }

    /// As [`NoticeBody::encrypt`] with a given notice id and IV (for known-answer tests; never
    /// reuse an IV).
    pub fn encrypt_with(
        &self,
        venue: &VenueSecret,
        notice_id: [u8; NOTICE_ID_LENGTH],
        iv: [u8; IV_LENGTH],
        published_at: u64,
    ) -> FeedEntry {
        let mut ciphertext = self.encode();
        apply_keystream(&venue.notice_encryption_key(), &iv, &mut ciphertext);
        let mac = mac(
            &venue.notice_mac_key(),
            &[NOTICE_MAC_CONTEXT, &notice_id, &iv, &ciphertext],
        );
        let tags = venue
            .tags_overlapping(
                self.window.start_unix_seconds(),
                self.window.end_unix_seconds(),
            )
            .into_iter()
            .map(|(_, tag)| tag)
            .collect();
        FeedEntry {
            notice_id,
            tags,
            iv,
            ciphertext,
            mac,
            published_at,
        }
    }
}

impl fmt::Debug for NoticeBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoticeBody")
            .field("template", &self.template)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl FeedEntry {
    /// Checks the entry's MAC with the keys of the venue whose secret is `venue` and decrypts
    /// it. A MAC that does not match (another venue's notice under a colliding tag, or a
    /// damaged entry) is [`Error::NoticeNotAuthentic`].
    pub fn decrypt(&self, venue: &VenueSecret) -> Result<NoticeBody> {
        if !mac_matches(
            &venue.notice_mac_key(),
            &[
                NOTICE_MAC_CONTEXT,
                &self.notice_id,
                &self.iv,
                &self.ciphertext,
            ],
            &self.mac,
        ) {
            return Err(Error::NoticeNotAuthentic);
        }
        let mut plaintext = self.ciphertext.clone();
        apply_keystream(&venue.notice_encryption_key(), &self.iv, &mut plaintext);
        NoticeBody::decode(&plaintext)
    }
}

const _: () = assert!(MAC_LENGTH == 32);

fn notice_text(what: &str, text: &str, max_chars: usize) -> Result<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max_chars || text.chars().any(char::is_control) {
        return Err(Error::InvalidNotice {
            reason: format!(
                "the {what} must be 1 to {max_chars} characters without control characters"
            ),
        });
    }
    Ok(text.to_owned())
}

/// Reads a `YYYY-MM-DD` date.
pub(crate) fn parse_date(text: &str) -> Result<Date> {
    let invalid = || Error::InvalidNotice {
        reason: "the date must be YYYY-MM-DD".into(),
    };
    let mut parts = text.splitn(3, '-');
    let mut next = || -> Result<i32> {
        parts
            .next()
            .and_then(|part| part.parse().ok())
            .ok_or_else(invalid)
    };
    let (year, month, day) = (next()?, next()?, next()?);
    let month = u8::try_from(month)
        .ok()
        .and_then(|month| Month::try_from(month).ok())
        .ok_or_else(invalid)?;
    let day = u8::try_from(day).map_err(|_| invalid())?;
    Date::from_calendar_date(year, month, day).map_err(|_| invalid())
}

mod proto {
    /// `NoticeBody`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct NoticeBody {
        #[prost(uint32, tag = "1")]
        pub(super) template: u32,
        #[prost(string, tag = "2")]
        pub(super) date: String,
        #[prost(uint32, tag = "3")]
        pub(super) from_hour: u32,
        #[prost(uint32, tag = "4")]
        pub(super) to_hour: u32,
        #[prost(string, tag = "5")]
        pub(super) issuer: String,
        #[prost(string, tag = "6")]
        pub(super) contact_phone: String,
        #[prost(string, tag = "7")]
        pub(super) venue_name: String,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use mimamori_environment::SeededRandom;

    fn body(window: NoticeWindow) -> NoticeBody {
        crate::testing::notice_body(NoticeTemplate::TokyoCluster, window, "居酒屋もしサポ")
    }

    #[test]
    fn windows_are_jst_hours() {
        let window = NoticeWindow::new(date!(2021 - 07 - 20), 18, 22).unwrap();
        // 2021-07-20 18:00 JST = 09:00 UTC.
        assert_eq!(window.start_unix_seconds(), 1_626_771_600);
        assert_eq!(window.end_unix_seconds(), 1_626_771_600 + 4 * 3_600);
        assert!(window.overlaps(1_626_771_600 - 60, 1_626_771_600 + 60));
        assert!(!window.overlaps(1_626_771_600 - 3_600, 1_626_771_600));
        assert!(!window.overlaps(window.end_unix_seconds(), window.end_unix_seconds() + 10));
        let day = NoticeWindow::whole_day(date!(2021 - 07 - 20));
        assert!(day.is_whole_day());
        assert_eq!(jst_date(day.start_unix_seconds()), date!(2021 - 07 - 20));
        assert_eq!(jst_date(day.end_unix_seconds() - 1), date!(2021 - 07 - 20));
        assert_eq!(jst_date(day.end_unix_seconds()), date!(2021 - 07 - 21));
        for (from, to) in [(0, 0), (5, 4), (24, 25), (0, 25)] {
            assert!(NoticeWindow::new(date!(2021 - 07 - 20), from, to).is_err());
        }
    }

    #[test]
    fn a_notice_round_trips_and_only_its_venue_reads_it() {
        let venue = VenueSecret::from_payload_bytes(b"venue payload");
        let other = VenueSecret::from_payload_bytes(b"other payload");
        let notice = body(NoticeWindow::new(date!(2021 - 07 - 20), 18, 22).unwrap());
        let entry = notice.encrypt(&venue, 1_626_800_000, &mut SeededRandom::new(1));
        assert_eq!(entry.tags.len(), 4);
        assert_eq!(entry.tags[0], venue.tag(1_626_771_600));
        assert_eq!(entry.decrypt(&venue).unwrap(), notice);
        assert!(matches!(
            entry.decrypt(&other),
            Err(Error::NoticeNotAuthentic)
        ));
        let mut bad = entry.clone();
        bad.ciphertext[0] ^= 1;
        assert!(matches!(
            bad.decrypt(&venue),
            Err(Error::NoticeNotAuthentic)
        ));
        assert_eq!(NoticeBody::decode(&notice.encode()).unwrap(), notice);
    }

    #[test]
    fn bodies_are_checked() {
        let window = NoticeWindow::whole_day(date!(2021 - 07 - 20));
        let kind = NoticeTemplate::IwateSameDay;
        assert!(NoticeBody::new(kind, window, "", "019", "A").is_err());
        assert!(NoticeBody::new(kind, window, "県", "call me", "A").is_err());
        assert!(NoticeBody::new(kind, window, "県", "019", "").is_err());
        assert!(NoticeBody::new(kind, window, "県", "019-629-5487", "A").is_ok());
        assert!(parse_date("2021-02-30").is_err());
        assert_eq!(parse_date("2021-02-03").unwrap(), date!(2021 - 02 - 03));
        assert!(crate::named::is_in_order(
            &TEMPLATES,
            &NoticeTemplate::ALL,
            |template| template as usize
        ));
        assert_eq!(
            (
                NoticeTemplate::TokyoCluster.code(),
                NoticeTemplate::TokyoCluster.slug()
            ),
            (2, "tokyo_cluster")
        );
        for template in NoticeTemplate::ALL {
            assert_eq!(
                NoticeTemplate::from_code(template.code()).unwrap(),
                template
            );
            assert_eq!(
                NoticeTemplate::from_slug(template.slug()).unwrap(),
                template
            );
        }
    }
}
