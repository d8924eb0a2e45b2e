//! What the phone heard: sightings of other phones' payloads, grouped into scans.
//!
//! The platform scanner runs a short scan every few minutes (Google's implementation: about 4 s
//! every 210–300 s) and hands the engine each scan's results in one or more batches. Every scan is
//! recorded, even one that heard nothing: the time between scans is what an exposure window's
//! `secondsSinceLastScan` is made of. The phone (`mimamori-phone`) writes each batch in one
//! transaction and keeps sightings and scans for [`SIGHTING_RETENTION_DAYS`].

use crate::ble::ExposurePayload;
use crate::ids::{AssociatedEncryptedMetadata, RollingProximityIdentifier, trim};
use crate::{Error, Result};

/// How many days sightings are kept (Cryptography Specification v1.2: identifiers heard are kept
/// for 14 days, the longest a diagnosis key can be relevant).
pub const SIGHTING_RETENTION_DAYS: u64 = 14;

/// Seconds in a day.
pub const SECONDS_PER_DAY: u64 = 86_400;

/// The weakest RSSI a Bluetooth LE receiver reports, in dBm (Core Specification: -127).
pub const MIN_RSSI_DBM: i16 = -127;

/// The strongest RSSI a Bluetooth LE receiver reports, in dBm (Core Specification: +20). Android
/// reports 127 for "unknown", which is rejected.
pub const MAX_RSSI_DBM: i16 = 20;

/// One payload heard once, with its signal strength and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sighting {
    payload: ExposurePayload,
    rssi_dbm: i8,
    seen_at: u64,
}

impl Sighting {
    /// A sighting of `payload` at `seen_at` (Unix seconds) with the received signal strength in
    /// dBm; an RSSI outside −127..=+20 dBm (such as Android's 127 for "unknown") is an error.
    pub fn new(payload: ExposurePayload, rssi_dbm: i16, seen_at: u64) -> Result<Self> {
        if !(MIN_RSSI_DBM..=MAX_RSSI_DBM).contains(&rssi_dbm) {
            return Err(Error::InvalidSighting(format!(
                "RSSI {rssi_dbm} dBm is outside {MIN_RSSI_DBM}..={MAX_RSSI_DBM} dBm"
            )));
        }
        let rssi_dbm = i8::try_from(rssi_dbm)
            .map_err(|_| Error::InvalidSighting(format!("RSSI {rssi_dbm} dBm is out of range")))?;
        Ok(Self {
            payload,
            rssi_dbm,
            seen_at,
        })
    }

    /// What was heard.
    pub const fn payload(&self) -> &ExposurePayload {
        &self.payload
    }

    /// The received signal strength, in dBm.
    pub const fn rssi_dbm(&self) -> i8 {
        self.rssi_dbm
    }

    /// When it was heard, in Unix seconds.
    pub const fn seen_at(&self) -> u64 {
        self.seen_at
    }
}

/// One scan's results (or part of them) as the platform hands them in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanBatch {
    /// The platform's identifier for the scan; batches with the same id belong to one scan.
    pub scan_id: u64,
    /// When the scan started, in Unix seconds.
    pub started_at: u64,
    /// What the scan heard (may be empty: a scan that heard nothing still counts).
    pub sightings: Vec<Sighting>,
}

impl ScanBatch {
    /// Builds a batch from what the platform's scan callback reports for each sighting: the
    /// 0xFD6F service data, the RSSI in dBm and the time in Unix seconds. Sightings that do not
    /// parse or have an impossible RSSI are left out; the second value counts them.
    pub fn from_heard<'a>(
        scan_id: u64,
        started_at: u64,
        heard: impl IntoIterator<Item = (&'a [u8], i16, u64)>,
    ) -> (Self, usize) {
        let mut rejected = 0;
        let sightings = heard
            .into_iter()
            .filter_map(|(service_data, rssi_dbm, seen_at)| {
                let sighting = ExposurePayload::parse_service_data(service_data)
                    .and_then(|payload| Sighting::new(payload, rssi_dbm, seen_at));
                rejected += usize::from(sighting.is_err());
                sighting.ok()
            })
            .collect();
        (
            Self {
                scan_id,
                started_at,
                sightings,
            },
            rejected,
        )
    }
}

/// A recorded scan with everything it heard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan {
    /// The platform's identifier for the scan.
    pub scan_id: u64,
    /// When the scan started, in Unix seconds.
    pub started_at: u64,
    /// What the scan heard, in the order heard.
    pub sightings: Vec<Sighting>,
}

/// The header of the sightings CSV written by the `diagnosis-keys` research tool.
pub const SIGHTINGS_CSV_HEADER: &str = "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR";

/// Reads the semicolon-separated sightings CSV of the `diagnosis-keys` research tool: one row per
/// RPI heard, `StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR` (Unix seconds, hex, dBm; the address is
/// ignored). A row becomes a sighting at its start and, when later, one at its end, both at the
/// row's maximum RSSI; sightings at the same second form one scan. Errors name the line.
///
/// Rows are read without allocating: the sightings go into arrays sized from the file and are
/// put in time order by a merge when the rows are in start-time order, as the tool writes them
/// (by a sort otherwise); the only other allocation is each scan's list of sightings.
pub fn scans_from_csv(text: &str) -> Result<Vec<Scan>> {
    let mut lines = csv_lines(text)
        .enumerate()
        .filter(|(_, line)| !trim(line).is_empty());
    match lines.next() {
        Some((_, header))
            if header.trim().trim_start_matches('\u{feff}') == SIGHTINGS_CSV_HEADER => {}
        Some((_, header)) => {
            return Err(Error::InvalidSighting(format!(
                "line 1: the header must be {SIGHTINGS_CSV_HEADER:?}, found {:?}",
                header.chars().take(60).collect::<String>()
            )));
        }
        None => {
            return Err(Error::InvalidSighting(
                "the sightings file is empty".to_owned(),
            ));
        }
    }
    // A row is at least 48 bytes (32 hex digits of RPI, 8 of AEM, five separators, three
    // numbers), so this holds every row's start.
    let mut starts: Vec<Sighting> = Vec::with_capacity(text.len() / 48 + 1);
    // The sightings at a row's end, when later than its start, with the row's place.
    let mut ends: Vec<(usize, Sighting)> = Vec::new();
    for (index, line) in lines {
        let line_number = index + 1;
        let (sighting, end) = sightings_csv_row(line)
            .map_err(|reason| Error::InvalidSighting(format!("line {line_number}: {reason}")))?;
        if end > sighting.seen_at {
            let at_end = Sighting {
                seen_at: end,
                ..sighting
            };
            ends.push((starts.len(), at_end));
        }
        starts.push(sighting);
    }
    let heard = in_time_order(starts, ends);
    Ok(heard
        .chunk_by(|a, b| a.seen_at == b.seen_at)
        .enumerate()
        .map(|(scan_id, sightings)| Scan {
            scan_id: scan_id as u64,
            started_at: sightings[0].seen_at,
            sightings: sightings.to_vec(),
        })
        .collect())
}

/// One row of the `diagnosis-keys` research tool's sightings CSV: one RPI heard during a scan
/// window, from its first to its last sighting, at its strongest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SightingsCsvRow {
    /// The first sighting in the window, in Unix seconds.
    pub start: u64,
    /// The last sighting in the window, in Unix seconds (equal to `start` when heard once).
    pub end: u64,
    /// What was heard.
    pub payload: ExposurePayload,
    /// The strongest RSSI in the window, in dBm.
    pub max_rssi_dbm: i8,
    /// The advertiser's Bluetooth address as the scanner reported it (the column is informative:
    /// [`scans_from_csv`] ignores it).
    pub address: [u8; 6],
}

impl SightingsCsvRow {
    /// The row for `sighting` alone, heard from `address`.
    pub const fn from_sighting(sighting: &Sighting, address: [u8; 6]) -> Self {
        Self {
            start: sighting.seen_at,
            end: sighting.seen_at,
            payload: sighting.payload,
            max_rssi_dbm: sighting.rssi_dbm,
            address,
        }
    }

    /// Widens the row by another sighting of the same payload: the time span grows and the
    /// strongest RSSI is kept.
    pub fn add(&mut self, sighting: &Sighting) {
        self.start = self.start.min(sighting.seen_at);
        self.end = self.end.max(sighting.seen_at);
        self.max_rssi_dbm = self.max_rssi_dbm.max(sighting.rssi_dbm);
    }
}

/// Writes rows as the `diagnosis-keys` tool's sightings CSV (the [`SIGHTINGS_CSV_HEADER`] line,
/// then one line per row; the address as `AA:BB:CC:DD:EE:FF`), the format [`scans_from_csv`]
/// reads.
pub fn sightings_csv<'a>(rows: impl IntoIterator<Item = &'a SightingsCsvRow>) -> String {
    let mut csv = format!("{SIGHTINGS_CSV_HEADER}\n");
    for row in rows {
        let [a, b, c, d, e, f] = row.address;
        csv.push_str(&format!(
            "{};{};{};{};{};{a:02X}:{b:02X}:{c:02X}:{d:02X}:{e:02X}:{f:02X}\n",
            row.start, row.end, row.payload.rpi, row.payload.aem, row.max_rssi_dbm
        ));
    }
    csv
}

/// The sightings of the rows in time order; at the same second in the order the rows name them
/// (row by row, a row's start before its end).
///
/// Files list their rows by start time, so the starts are already in order and only the ends
/// (a few, nearly in order) are sorted, then merged with them; otherwise everything is sorted.
fn in_time_order(starts: Vec<Sighting>, mut ends: Vec<(usize, Sighting)>) -> Vec<Sighting> {
    let mut heard = Vec::with_capacity(starts.len() + ends.len());
    if starts.is_sorted_by_key(Sighting::seen_at) {
        // Stable: ends of one second stay in row order.
        ends.sort_by_key(|(_, end)| end.seen_at);
        let mut ends = ends.into_iter().peekable();
        for (row, start) in starts.into_iter().enumerate() {
            // A row's own end is later than its start, so rows never tie here.
            while let Some((_, end)) =
                ends.next_if(|(end_row, end)| (end.seen_at, *end_row) < (start.seen_at, row))
            {
                heard.push(end);
            }
            heard.push(start);
        }
        heard.extend(ends.map(|(_, end)| end));
    } else {
        let mut ends = ends.into_iter().peekable();
        for (row, start) in starts.into_iter().enumerate() {
            heard.push(start);
            if let Some((_, end)) = ends.next_if(|(end_row, _)| *end_row == row) {
                heard.push(end);
            }
        }
        // Stable: sightings of one second keep the order the rows name them in.
        heard.sort_by_key(Sighting::seen_at);
    }
    heard
}

/// One data row of the sightings CSV: the sighting at its start, and its end time. The error is
/// the reason, without the line number.
fn sightings_csv_row(line: &str) -> std::result::Result<(Sighting, u64), String> {
    let Some([start, end, rpi, aem, rssi, _address]) = csv_fields(line) else {
        return Err(format!(
            "expected 6 fields separated by ';', found {}",
            line.split(';').count()
        ));
    };
    let time = |name: &str, value: &str| {
        value
            .parse::<u64>()
            .map_err(|_| format!("{name} {value:?} is not Unix seconds"))
    };
    let (start, end) = (time("StartTime", start)?, time("EndTime", end)?);
    if end < start {
        return Err("EndTime is before StartTime".to_owned());
    }
    let payload = ExposurePayload::new(
        RollingProximityIdentifier::from_hex(rpi).map_err(|error| error.to_string())?,
        AssociatedEncryptedMetadata::from_hex(aem).map_err(|error| error.to_string())?,
    );
    let rssi: i16 = rssi
        .parse()
        .map_err(|_| format!("MaxRSSI {rssi:?} is not a number"))?;
    let sighting = Sighting::new(payload, rssi, start).map_err(|error| error.to_string())?;
    Ok((sighting, end))
}

/// The lines of `text` as [`str::lines`] gives them (split at `\n`, a `\r` before it removed, no
/// empty line after a final `\n`), found with `memchr`: `str::lines` searches for each line end
/// with a general character searcher, which costs more than the short line it finds.
fn csv_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(end) = memchr::memchr(b'\n', rest.as_bytes()) else {
            // The last line, without a line end: kept whole (a lone '\r' is not a line end).
            return Some(std::mem::take(&mut rest));
        };
        // A '\n' is one byte and never inside a character, so both are character boundaries.
        let line = rest.get(..end)?;
        rest = rest.get(end + 1..)?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    })
}

/// The six `;`-separated fields of a CSV row, each trimmed as [`str::trim`] does, or `None` when
/// there are more or fewer.
fn csv_fields(line: &str) -> Option<[&str; 6]> {
    let mut fields = [""; 6];
    let mut count = 0;
    let mut start = 0;
    for at in memchr::memchr_iter(b';', line.as_bytes()) {
        // A ';' is one byte, so `start` and `at` are character boundaries.
        *fields.get_mut(count)? = trim(line.get(start..at)?);
        count += 1;
        start = at + 1;
    }
    *fields.get_mut(count)? = trim(line.get(start..)?);
    (count == 5).then_some(fields)
}

/// The oldest scan start kept at `now` (Unix seconds): [`SIGHTING_RETENTION_DAYS`] ago.
pub fn retention_cutoff(now: u64) -> u64 {
    now.saturating_sub(SIGHTING_RETENTION_DAYS * SECONDS_PER_DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sighting(byte: u8, rssi: i16, at: u64) -> Sighting {
        Sighting::new(
            ExposurePayload::new(
                RollingProximityIdentifier::from_bytes([byte; 16]),
                AssociatedEncryptedMetadata::from_bytes([byte; 4]),
            ),
            rssi,
            at,
        )
        .unwrap()
    }

    #[test]
    fn written_rows_read_back_as_scans() {
        let mut row = SightingsCsvRow::from_sighting(&sighting(7, -70, 100), [0xC0, 1, 2, 3, 4, 5]);
        row.add(&sighting(7, -55, 130));
        let other = SightingsCsvRow::from_sighting(&sighting(8, -90, 100), [0xC1, 0, 0, 0, 0, 1]);
        let csv = sightings_csv([&row, &other]);
        assert!(csv.starts_with("StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n100;130;"));
        assert!(csv.contains(";-55;C0:01:02:03:04:05\n"));
        let scans = scans_from_csv(&csv).unwrap();
        assert_eq!(scans.len(), 2);
        assert_eq!(scans[0].started_at, 100);
        assert_eq!(
            scans[0].sightings,
            vec![sighting(7, -55, 100), sighting(8, -90, 100)]
        );
        assert_eq!(scans[1].sightings, vec![sighting(7, -55, 130)]);
    }

    #[test]
    fn raw_scan_results_that_do_not_parse_are_counted_and_left_out() {
        let good = sighting(3, -60, 5).payload().service_data();
        let heard: Vec<(&[u8], i16, u64)> = vec![
            (&good[..], -60, 5),
            (&good[..19], -60, 5),
            (&good[..], 127, 6),
            (&good[..], -70, 7),
        ];
        let (batch, rejected) = ScanBatch::from_heard(1, 4, heard);
        assert_eq!(rejected, 2);
        assert_eq!(
            batch.sightings,
            vec![sighting(3, -60, 5), sighting(3, -70, 7)]
        );
    }

    #[test]
    fn reads_the_diagnosis_keys_tool_csv() {
        let csv = "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n\
                   1000;1200;0101010101010101010101010101010101;01010101;-60;AA:BB:CC:DD:EE:FF\n";
        // 34 hex digits: the RPI is wrong.
        let error = scans_from_csv(csv).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("line 2: rolling proximity identifier is not valid hex"),
            "{error}"
        );
        let csv = "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n\
                   1000;1200;01010101010101010101010101010101;01010101;-60;AA:BB:CC:DD:EE:FF\n\
                   1000;1000;02020202020202020202020202020202;02020202;-70;\n";
        let scans = scans_from_csv(csv).unwrap();
        assert_eq!(scans.len(), 2);
        assert_eq!((scans[0].started_at, scans[0].sightings.len()), (1000, 2));
        assert_eq!((scans[1].started_at, scans[1].sightings.len()), (1200, 1));
        assert_eq!(scans[1].sightings[0], sighting(1, -60, 1200));
        for (bad, reason) in [
            ("x;1;2", "line 1: the header"),
            (
                "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n1;2;3",
                "line 2: expected 6 fields",
            ),
            (
                "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n5;4;00;00;1;",
                "line 2: EndTime is before",
            ),
            (
                "StartTime;EndTime;RPI;AEM;MaxRSSI;BDADDR\n\n\n1;1;01010101010101010101010101010101;01010101;127;",
                "line 4: invalid sighting: RSSI 127",
            ),
            ("", "empty"),
        ] {
            let error = scans_from_csv(bad).unwrap_err().to_string();
            assert!(error.contains(reason), "{bad:?}: {error}");
        }
    }

    #[test]
    fn rssi_outside_the_bluetooth_range_is_rejected() {
        let payload = *sighting(1, -60, 0).payload();
        assert!(Sighting::new(payload, 127, 0).is_err());
        assert!(Sighting::new(payload, -128, 0).is_err());
        assert!(Sighting::new(payload, 21, 0).is_err());
        assert!(Sighting::new(payload, 20, 0).is_ok());
        assert!(Sighting::new(payload, -127, 0).is_ok());
    }

    /// The reader before it was made faster (issue 19), kept to check that the fast one gives
    /// the same scans and the same errors, at the same line numbers.
    fn scans_from_csv_by_the_book(text: &str) -> Result<Vec<Scan>> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty());
        match lines.next() {
            Some((_, header))
                if header.trim().trim_start_matches('\u{feff}') == SIGHTINGS_CSV_HEADER => {}
            Some((_, header)) => {
                return Err(Error::InvalidSighting(format!(
                    "line 1: the header must be {SIGHTINGS_CSV_HEADER:?}, found {:?}",
                    header.chars().take(60).collect::<String>()
                )));
            }
            None => {
                return Err(Error::InvalidSighting(
                    "the sightings file is empty".to_owned(),
                ));
            }
        }
        let mut by_time: std::collections::BTreeMap<u64, Vec<Sighting>> =
            std::collections::BTreeMap::new();
        for (index, line) in lines {
            let line_number = index + 1;
            let bad =
                |reason: String| Error::InvalidSighting(format!("line {line_number}: {reason}"));
            let fields: Vec<&str> = line.split(';').map(str::trim).collect();
            let [start, end, rpi, aem, rssi, _address] = fields.as_slice() else {
                return Err(bad(format!(
                    "expected 6 fields separated by ';', found {}",
                    fields.len()
                )));
            };
            let time = |name: &str, value: &str| {
                value
                    .parse::<u64>()
                    .map_err(|_| bad(format!("{name} {value:?} is not Unix seconds")))
            };
            let (start, end) = (time("StartTime", start)?, time("EndTime", end)?);
            if end < start {
                return Err(bad("EndTime is before StartTime".to_owned()));
            }
            let payload = ExposurePayload::new(
                RollingProximityIdentifier::from_hex(rpi)
                    .map_err(|error| bad(error.to_string()))?,
                AssociatedEncryptedMetadata::from_hex(aem)
                    .map_err(|error| bad(error.to_string()))?,
            );
            let rssi: i16 = rssi
                .parse()
                .map_err(|_| bad(format!("MaxRSSI {rssi:?} is not a number")))?;
            for at in if end > start {
                vec![start, end]
            } else {
                vec![start]
            } {
                let sighting =
                    Sighting::new(payload, rssi, at).map_err(|error| bad(error.to_string()))?;
                by_time.entry(at).or_default().push(sighting);
            }
        }
        Ok(by_time
            .into_iter()
            .enumerate()
            .map(|(scan_id, (started_at, sightings))| Scan {
                scan_id: scan_id as u64,
                started_at,
                sightings,
            })
            .collect())
    }

    /// The same scans, or the same error message, from both readers.
    fn assert_read_as_by_the_book(csv: &str) {
        let fast = scans_from_csv(csv).map_err(|error| error.to_string());
        let by_the_book = scans_from_csv_by_the_book(csv).map_err(|error| error.to_string());
        assert_eq!(fast, by_the_book, "{csv:?}");
    }

    const RPI_1: &str = "01010101010101010101010101010101";
    const RPI_2: &str = "0A0b0C0d0E0f0A0b0C0d0E0f0A0b0C0d";

    #[test]
    fn the_fast_reader_gives_the_same_scans_and_errors_as_the_plain_one() {
        let header = SIGHTINGS_CSV_HEADER;
        let good = format!("1000;1200;{RPI_1};01010101;-60;AA:BB:CC:DD:EE:FF");
        let rows = [
            // Out of time order, ends later than starts, several rows in one second.
            good.clone(),
            format!("900;900;{RPI_2};abcdefAB;-70;"),
            format!("1200;1300;{RPI_2};00000000;20;x"),
            format!("1000;1000;{RPI_1};FFFFFFFF;-127;"),
            // Spaces, tabs and non-ASCII white space around fields.
            format!(" 5 ;\t6\t; {RPI_1} ;\u{3000}01010101\u{3000};  -1 ;"),
        ];
        let mut inputs = vec![
            String::new(),
            "\n\n".to_owned(),
            format!("{header}"),
            format!("{header}\n"),
            format!("\u{feff}{header}\r\n{}\r\n", rows.join("\r\n")),
            format!("\n\n  {header}  \n\n{}\n\n", rows.join("\n\n")),
            format!("{header}\n{}", rows.join("\n")),
            // A lone '\r' is not a line end; before the last line end, and at the very end.
            format!("{header}\n{good}\r\r\n{good}\r"),
            format!("{header}\r{good}"),
            format!("x;1;2\n{good}"),
            format!("{}\n{good}", "é".repeat(100)),
        ];
        // Each kind of bad row, on line 4 after a blank line, with good rows around it.
        for bad in [
            "1;2;3".to_owned(),
            "1;2;3;4;5;6;7".to_owned(),
            ";;;;;".to_owned(),
            ";;;;;;".to_owned(),
            format!("5;4;{RPI_1};00000000;1;"),
            format!("x;4;{RPI_1};00000000;1;"),
            format!("5;-4;{RPI_1};00000000;1;"),
            format!("5;18446744073709551616;{RPI_1};00000000;1;"),
            format!("5;5;{RPI_1}00;00000000;1;"),
            format!("5;5;{};00000000;1;", &RPI_1[1..]),
            format!("5;5;g{};00000000;1;", &RPI_1[1..]),
            format!("5;5;0g{};00000000;1;", &RPI_1[2..]),
            format!("5;5;{}é;00000000;1;", &RPI_1[2..]),
            format!("5;5;{RPI_1};0000000z;1;"),
            format!("5;5;{RPI_1};;1;"),
            format!("5;5;{RPI_1};00000000;;"),
            format!("5;5;{RPI_1};00000000;127;"),
            format!("5;5;{RPI_1};00000000;-128;"),
            format!("5;5;{RPI_1};00000000;40000;"),
            format!("5;6;{RPI_1};00000000;21;"),
        ] {
            inputs.push(format!("{header}\n{good}\n\n{bad}\n{good}\n"));
        }
        for csv in &inputs {
            assert_read_as_by_the_book(csv);
        }
        // And every prefix of a file with them all, cut anywhere (mid-line, mid-character).
        let all = inputs[4..].concat();
        for end in (0..=all.len()).filter(|end| all.is_char_boundary(*end)) {
            assert_read_as_by_the_book(&all[..end]);
        }
        // Spot checks of what both say.
        let scans = scans_from_csv(&inputs[6]).unwrap();
        let times: Vec<u64> = scans.iter().map(|scan| scan.started_at).collect();
        assert_eq!(times, [5, 6, 900, 1000, 1200, 1300]);
        assert_eq!(scans[3].sightings.len(), 2, "two rows start at 1000");
        assert_eq!(scans[4].sightings[0], sighting(1, -60, 1200), "file order");
        let error = scans_from_csv(&format!("{header}\n{good}\n\n{RPI_1}\n")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid sighting: line 4: expected 6 fields separated by ';', found 1"
        );
        let error = scans_from_csv(&format!("{header}\n5;5;0g{};00;1;", &RPI_1[2..])).unwrap_err();
        assert!(
            error.to_string().ends_with(
                "line 2: rolling proximity identifier is not valid hex: character 2 is not a hex digit"
            ),
            "{error}"
        );
    }

    #[test]
    fn rows_in_any_time_order_give_the_same_scans_as_the_plain_reader() {
        // Random files of a few rows over a few seconds, so that starts and ends of different
        // rows often fall in the same second: half with rows in start order (the merge), half
        // not (the sort).
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        for file in 0..500 {
            let rows = 1 + next(12);
            let mut starts: Vec<u64> = (0..rows).map(|_| 100 + next(6)).collect();
            if file % 2 == 0 {
                starts.sort_unstable();
            }
            let mut csv = format!("{SIGHTINGS_CSV_HEADER}\n");
            for (row, start) in starts.into_iter().enumerate() {
                let end = start + [0, 0, 1, 2, 5][next(5) as usize];
                let rpi = format!("{:032x}", row + 1);
                csv.push_str(&format!("{start};{end};{rpi};00000000;-{};\n", 40 + row));
            }
            assert_read_as_by_the_book(&csv);
        }
    }

    #[test]
    fn lines_and_fields_are_split_as_the_standard_library_splits_them() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\r\n",
            "a\r",
            "a\r\r\nb",
            "\r\n\r\n",
            "é\nü\r\n",
            "a\n\nb\n\n",
        ] {
            assert_eq!(
                csv_lines(text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>(),
                "{text:?}"
            );
        }
        for line in [
            "",
            ";;;;;",
            " a ; b;c ;\td\t;\u{3000}e\u{3000};f ",
            "a;b;c;d;e",
            "a;b;c;d;e;f;g",
            "é;ü;a;b;c;d",
        ] {
            let fields: Vec<&str> = line.split(';').map(str::trim).collect();
            assert_eq!(
                csv_fields(line).map(Vec::from),
                (fields.len() == 6).then_some(fields),
                "{line:?}"
            );
        }
    }
}
