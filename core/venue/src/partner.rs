//! Partner systems (reservation, payment and ticketing services that keep their own visit
//! records with their users' consent) match the feed with the same [`match_visits`] as phones,
//! over a CSV of their visits.
//!
//! The CSV (UTF-8, one header line, comma-separated, no quoting needed):
//!
//! ```text
//! visit_id,qr,arrived,left
//! r-1001,https://venues.example.jp/v/#CiB...,2021-07-20T19:00:00+09:00,2021-07-20T21:00:00+09:00
//! ```
//!
//! - `visit_id`: the partner's own id of the visit (1 to 128 characters, no comma), reported back
//!   with each match so the partner can notify its user.
//! - `qr`: the venue's QR text (the partner scanned or stored it at booking or payment).
//! - `arrived`, `left`: RFC 3339 times with an offset (`left` may equal `arrived` for a
//!   payment's instant; at most 24 hours after it).
//!
//! [`match_visits`]: super::match_visits

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::keys::VenuePublicKey;
use super::matching::Visit;
use super::payload::VenueQr;
use crate::{Error, Result};

/// The header line of a partner visits CSV.
pub const PARTNER_CSV_HEADER: &str = "visit_id,qr,arrived,left";

/// The longest partner visit id, in characters.
pub const MAX_VISIT_ID_CHARS: usize = 128;

/// Reads a partner's visits CSV, verifying each row's QR with the authority's `public_keys`.
/// A bad row refuses the whole file with [`Error::InvalidVisit`] naming its line (never its
/// content).
pub fn parse_partner_visits(csv: &str, public_keys: &[VenuePublicKey]) -> Result<Vec<Visit>> {
    let csv = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    let mut lines = csv.lines().enumerate();
    let header = lines
        .next()
        .map(|(_, line)| line.trim())
        .unwrap_or_default();
    if header != PARTNER_CSV_HEADER {
        return Err(Error::InvalidVisit {
            reason: format!("line 1: the header must be `{PARTNER_CSV_HEADER}`"),
        });
    }
    let mut visits = Vec::new();
    for (index, line) in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let number = index + 1;
        let row_error = |problem: String| Error::InvalidVisit {
            reason: format!("line {number}: {problem}"),
        };
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [visit_id, qr, arrived, left] = fields.as_slice() else {
            return Err(row_error(format!(
                "expected 4 fields ({PARTNER_CSV_HEADER}), found {}",
                fields.len()
            )));
        };
        if visit_id.is_empty() || visit_id.chars().count() > MAX_VISIT_ID_CHARS {
            return Err(row_error(format!(
                "the visit id must be 1 to {MAX_VISIT_ID_CHARS} characters"
            )));
        }
        let qr = VenueQr::parse(qr, public_keys).map_err(|error| row_error(error.to_string()))?;
        let time = |text: &str, what: &str| -> Result<u64> {
            let parsed = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
                row_error(format!(
                    "{what} is not an RFC 3339 time such as 2021-07-20T19:00:00+09:00"
                ))
            })?;
            u64::try_from(parsed.unix_timestamp())
                .map_err(|_| row_error(format!("{what} is before 1970")))
        };
        let arrived = time(arrived, "arrived")?;
        let left = time(left, "left")?;
        let visit = Visit::new(visit_id, qr, arrived, left)
            .map_err(|error| row_error(error.to_string()))?;
        visits.push(visit);
    }
    Ok(visits)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::testing::TestVenue;
    use crate::{
        NoticeBody, NoticeFeed, NoticeTemplate, NoticeWindow, VenueSigningKey, match_visits,
    };
    use mimamori_environment::SeededRandom;

    #[test]
    fn partner_visits_are_matched_like_a_phone_s() {
        let mut random = SeededRandom::new(21);
        let TestVenue { authority: key, qr } = TestVenue::new(&mut random, "もしサポ展示会", "");
        let url = qr.url();
        let csv = format!(
            "{PARTNER_CSV_HEADER}\n\
             r-1,{url},2021-07-20T19:00:00+09:00,2021-07-20T21:00:00+09:00\n\
             r-2,{url},2021-07-19T19:00:00+09:00,2021-07-19T21:00:00+09:00\n\
             \n\
             r-3,{url},2021-07-20T10:30:00Z,2021-07-20T10:30:00Z\n"
        );
        let visits = parse_partner_visits(&csv, &[key.public_key()]).unwrap();
        assert_eq!(visits.len(), 3);
        let body = NoticeBody::new(
            NoticeTemplate::TokyoCluster,
            NoticeWindow::new(date!(2021 - 07 - 20), 18, 20).unwrap(),
            "保健所",
            "03-5320-4509",
            "もしサポ展示会",
        )
        .unwrap();
        let feed = NoticeFeed::new(
            1_627_000_000,
            vec![body.encrypt(&qr.secret(), 1_627_000_000, &mut random)],
        );
        let report = match_visits(&visits, &feed);
        // r-1 overlaps 18-20 JST; r-2 was the day before; r-3 paid at 19:30 JST.
        assert_eq!(report.matches.len(), 1);
        assert_eq!(report.matches[0].visit_ids, ["r-1", "r-3"]);
    }

    #[test]
    fn bad_rows_name_their_line() {
        let key = VenueSigningKey::generate(&mut SeededRandom::new(1), "v", "1").unwrap();
        for (csv, line) in [
            ("visit,qr\n", "line 1"),
            (
                "visit_id,qr,arrived,left\nx,https://example.com/,2021-07-20T19:00:00Z,2021-07-20T19:00:00Z\n",
                "line 2",
            ),
            ("visit_id,qr,arrived,left\n\nx,y\n", "line 3"),
        ] {
            let error = parse_partner_visits(csv, &[key.public_key()]).unwrap_err();
            assert!(error.to_string().contains(line), "{error}");
        }
    }
}
