//! Mimamori's printed documents: A4 PDFs with Japanese text, tables and QR codes.
//!
//! - [`FontSet`] loads a CJK OpenType font once (Debian's `fonts-noto-cjk` by default, or the
//!   path in `MIMAMORI_CJK_FONT`); a missing font is a clear [`DocumentError::FontMissing`].
//!   The PDF embeds only the glyphs used (a subset), and its text stays extractable.
//! - [`A4Document`] lays out blocks top to bottom (title, headings, wrapped Japanese/English
//!   paragraphs with simple kinsoku rules, bullets, framed boxes, tables, QR codes) and breaks
//!   pages where needed; [`A4Document::finish`] writes the PDF (with the `krilla` crate).
//! - [`QrMatrix`] encodes text as a QR code (the `qrcode` crate, error correction M) and draws it
//!   as PNG, SVG, or vector squares in a PDF.
//! - [`venue`] has the venue check-in documents: the poster, the leaflet and the operator copy.
//! - [`listing`] has the contact listing for an organisation (issue 7).
//! - [`code_slip`] has the slip staff hand over with a 処理番号 (issue 17).
//!
//! ```no_run
//! use mimamori_documents::{A4Document, Align, Column, FontSet, QrMatrix, Table, TextStyle};
//!
//! let fonts = FontSet::from_env_or_default()?; // load once, reuse
//! let mut doc = A4Document::new(&fonts, "お知らせ Notice", "ja");
//! doc.text("お知らせ Notice", &TextStyle::TITLE);
//! doc.paragraph("来店のたびに読み取ってください。Scan at every visit.");
//! let mut table = Table::new(vec![Column::new("日付 Date", 1.0), Column::new("内容 What", 3.0)]);
//! table.row(["2021-04-01", "説明会 Briefing"]);
//! doc.table(&table);
//! let qr = QrMatrix::encode("https://example.org/v/#payload")?;
//! doc.qr(&qr, 80.0, Align::Center)?;
//! std::fs::write("notice.pdf", doc.finish()?).ok();
//! let png: Vec<u8> = qr.to_png(8)?;
//! let svg: String = qr.to_svg(50.0);
//! # Ok::<(), mimamori_documents::DocumentError>(())
//! ```

pub mod code_slip;
mod error;
mod font;
mod layout;
pub mod listing;
mod qr;
pub mod venue;
mod wrap;

pub use error::DocumentError;
pub use font::{
    BOLD_FONT_ENV, DEFAULT_BOLD_FONT, DEFAULT_REGULAR_FONT, FontPaths, FontSet, NOTO_CJK_JP_INDEX,
    REGULAR_FONT_ENV,
};
pub use layout::{
    A4_HEIGHT_MM, A4_WIDTH_MM, A4Document, Align, Column, DEFAULT_MARGIN_MM, POINTS_PER_MM, Table,
    TextStyle, mm,
};
pub use qr::{QUIET_ZONE_MODULES, QrMatrix};
