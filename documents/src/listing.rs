//! The contact listing (issue 7) as a printable A4 document for the organisation.
//!
//! One document per [`Listing`]: the investigation period and attendance days, the people listed
//! as 「感染の可能性がある方」 with their stay-home and precaution dates, the people asked to watch
//! their health, the criteria applied (verbatim, with English), what to ask of people, the
//! consultation line, and, clearly apart and marked as proposals, the candidates from check-ins.

use mimamori_listing::{
    CANDIDATES_NOTE_ENGLISH, CANDIDATES_NOTE_JAPANESE, EVERYONE_ELSE_ENGLISH,
    EVERYONE_ELSE_JAPANESE, LISTED_ARE_ENGLISH, LISTED_ARE_JAPANESE, Listing, Masking, Outcome,
    RosterEntry,
};

use crate::{A4Document, DocumentError, FontSet, Table, TextStyle, mm};

/// Renders `listing` as an A4 PDF (Japanese with English beside it). Several pages when the
/// tables are long; table headers repeat on each page.
pub fn listing_pdf(fonts: &FontSet, listing: &Listing) -> Result<Vec<u8>, DocumentError> {
    let investigation = listing.investigation();
    let setting = investigation.setting();
    let period = investigation.period();
    let basis = period.basis();
    let title = format!(
        "接触者リスト Contact listing: {} {}",
        setting.title_japanese(),
        setting.title_english()
    );
    let mut doc = A4Document::new(fonts, &title, "ja");
    doc.text("接触者リスト Contact listing", &TextStyle::TITLE);
    doc.text(
        &format!(
            "【{}】 {}",
            setting.title_japanese(),
            setting.title_english()
        ),
        &TextStyle::HEADING,
    );
    doc.paragraph(&format!(
        "調査対象期間 Investigation period: {} ～ {}（{} {} の2日前～最終{} / from 2 days before \
         {} to the last {}）",
        period.first(),
        period.last(),
        basis.japanese(),
        basis.date(),
        setting.attendance_day_japanese(),
        basis.english(),
        setting.attendance_day_english(),
    ));
    let days: Vec<String> = period.attendance_days().map(|d| d.to_string()).collect();
    doc.paragraph(&format!(
        "その間の{} {}s: {}",
        setting.attendance_day_japanese(),
        setting.attendance_day_english(),
        days.join(", ")
    ));
    let criteria = investigation.criteria();
    if !criteria.heading_japanese.is_empty() {
        let mark = match investigation.masking() {
            Masking::Masked => "マスクあり masked",
            Masking::Unmasked => "マスクなし unmasked",
        };
        doc.paragraph(&format!(
            "{} / {} ({mark})",
            criteria.heading_japanese, criteria.heading_english
        ));
    }

    let listed: Vec<_> = listing.listed().collect();
    doc.space(2.0);
    doc.heading(&people_heading(
        "感染の可能性がある方 Possible infection",
        listed.len(),
    ));
    doc.paragraph(&format!("{LISTED_ARE_JAPANESE} {LISTED_ARE_ENGLISH}"));
    if listed.is_empty() {
        doc.paragraph("該当者なし None.");
    } else {
        let mut table = Table::with_columns(&[
            ("ID", 0.8),
            ("氏名 Name", 1.6),
            ("所属 Group", 0.9),
            ("基準 Criteria", 1.2),
            ("最終接触日 Last contact", 1.2),
            ("自宅待機 Stay home", 1.5),
            ("解除日 Released", 1.1),
            ("感染対策 Precautions until", 1.2),
        ]);
        for (entry, dates) in &listed {
            let applied: Vec<&str> = entry.criteria.iter().map(|c| c.short_label()).collect();
            table.row(person(entry).into_iter().chain([
                applied.join("・"),
                dates.last_contact.to_string(),
                format!("{} ～ {}", dates.from, dates.until),
                dates.released_on.to_string(),
                dates.precautions_until.to_string(),
            ]));
        }
        doc.table(&table);
    }
    doc.space(2.0);
    for (japanese, english) in listing
        .instructions_japanese()
        .iter()
        .zip(listing.instructions_english())
    {
        doc.bullet(&format!("{japanese} / {english}"));
    }

    let watched: Vec<_> = listing.health_watch().collect();
    doc.space(2.0);
    doc.heading(&people_heading("健康観察 Health watch", watched.len()));
    doc.paragraph(&format!("{EVERYONE_ELSE_JAPANESE} {EVERYONE_ELSE_ENGLISH}"));
    if !watched.is_empty() {
        let mut table = Table::with_columns(&[
            ("ID", 0.8),
            ("氏名 Name", 1.8),
            ("所属 Group", 1.0),
            ("最終接触日 Last contact", 1.3),
            ("健康観察 Watch until", 1.3),
        ]);
        for (entry, dates) in &watched {
            table.row(person(entry).into_iter().chain([
                dates.last_contact.to_string(),
                format!("{} ～ {}", dates.from, dates.until),
            ]));
        }
        doc.table(&table);
    }
    let no_contact = listing
        .people()
        .iter()
        .filter(|(_, outcome)| *outcome == Outcome::NoContact)
        .count();
    if no_contact > 0 {
        doc.paragraph(&format!(
            "期間中に陽性者との接触日がない方 No contact day in the period: {no_contact}人"
        ));
    }

    if !listing.candidates().is_empty() {
        doc.space(2.0);
        // The heading, the note and the first rows stay on one page.
        doc.keep_together(mm(70.0));
        doc.heading("【提案】チェックイン記録からの候補 PROPOSALS from check-ins (not listed)");
        doc.boxed(
            &format!("{CANDIDATES_NOTE_JAPANESE}\n{CANDIDATES_NOTE_ENGLISH}"),
            &TextStyle::BODY.bold(),
            235,
        );
        let mut table = Table::with_columns(&[
            ("ID", 0.8),
            ("氏名 Name", 1.5),
            ("部屋 Room", 1.0),
            ("同室の時間 Same room", 2.6),
            ("分 Min.", 0.6),
            ("確認 Checked", 0.8),
        ]);
        for candidate in listing.candidates() {
            let mut rooms: Vec<&str> = candidate.overlaps.iter().map(|o| o.room.as_str()).collect();
            rooms.dedup();
            table.row([
                candidate.person_id.clone(),
                candidate
                    .name
                    .clone()
                    .unwrap_or_else(|| "(名簿にない not in roster)".to_owned()),
                rooms.join(", "),
                candidate.overlap_times("–", "\n"),
                candidate.total_minutes().to_string(),
                "□".to_owned(),
            ]);
        }
        doc.table(&table);
    }

    doc.space(2.0);
    doc.heading("リストアップの基準 Listing criteria");
    if let (Some(japanese), Some(english)) =
        (criteria.situation_japanese, criteria.situation_english)
    {
        doc.paragraph(&format!("{japanese} / {english}"));
    }
    for criterion in criteria.criteria {
        doc.bullet(&format!("{} / {}", criterion.japanese, criterion.english));
    }
    doc.paragraph(&format!(
        "{} / {}",
        criteria.rule_japanese, criteria.rule_english
    ));

    doc.space(3.0);
    let consultation = listing.consultation();
    doc.boxed(
        &format!(
            "{}\n{}",
            consultation.sentence_japanese(),
            consultation.sentence_english()
        ),
        &TextStyle::BODY,
        245,
    );
    doc.text(
        "出典: 北海道「接触者の リストアップ と対応方法」 Source: Hokkaido's guidance for listing contacts",
        &TextStyle::SMALL,
    );
    doc.finish()
}

/// A person's first cells in the tables: id, name and group.
fn person(entry: &RosterEntry) -> [String; 3] {
    [entry.id.clone(), entry.name.clone(), entry.group.clone()]
}

/// A table's heading with its number of people, in Japanese and English.
fn people_heading(title: &str, count: usize) -> String {
    format!("{title}: {count}人 ({count} people)")
}
