#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Renders PDFs with the real CJK font and checks them with poppler (`pdftoppm`, `pdftotext`)
//! and zbar (`zbarimg`): Japanese text is really in the file, and the QR decodes to its text.
//!
//! Needs Debian's fonts-noto-cjk, poppler-utils and zbar-tools (scripts/test installs them).

use std::path::Path;
use std::process::Command;

use mimamori_documents::{A4Document, Align, Column, FontSet, QrMatrix, Table, TextStyle};

/// Loaded once for all tests (the collection is large).
fn fonts() -> FontSet {
    static FONTS: std::sync::OnceLock<FontSet> = std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| {
            FontSet::from_env_or_default()
                .unwrap_or_else(|error| panic!("{error} (scripts/test installs fonts-noto-cjk)"))
        })
        .clone()
}

fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| {
            panic!("{program} could not run ({error}); install poppler-utils and zbar-tools")
        });
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn pdf_text(pdf: &Path) -> String {
    String::from_utf8(run("pdftotext", &[pdf.to_str().unwrap(), "-"])).unwrap()
}

fn decode_qr_on_page(pdf: &Path, page: usize) -> String {
    let dir = pdf.parent().unwrap();
    let prefix = dir.join("page");
    let page = page.to_string();
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-gray",
            "-png",
            "-f",
            &page,
            "-l",
            &page,
            "-singlefile",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let image = dir.join("page.png");
    let out = run(
        "zbarimg",
        &["--raw", "-q", "-Sbinary", image.to_str().unwrap()],
    );
    String::from_utf8(out)
        .unwrap()
        .trim_end_matches('\n')
        .to_owned()
}

#[test]
fn japanese_text_is_embedded_and_extractable_and_the_qr_decodes() {
    let fonts = fonts();
    let payload = "https://authority.example/v/#AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA";
    let mut doc = A4Document::new(&fonts, "テスト", "ja");
    doc.text(
        "来店のたびに読み取ってください",
        &TextStyle::TITLE.centered(),
    );
    doc.paragraph("新型コロナウイルス感染症の集団発生の疑いがあることが判明しましたのでお知らせします。Scan the QR code at every visit.");
    doc.qr(&QrMatrix::encode(payload).unwrap(), 90.0, Align::Center)
        .unwrap();
    doc.boxed(
        "追跡コード Trace code: ABCD-EFGH-JKMN-PQRS",
        &TextStyle::BODY.bold(),
        245,
    );
    let mut table = Table::new(vec![
        Column::new("項目 Item", 1.0),
        Column::new("内容 Value", 2.0),
    ]);
    table.row(["店舗名 Name", "喫茶みまもり"]);
    doc.table(&table);
    let pdf = doc.finish().unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // A subset, not the ~20 MB collection.
    assert!(pdf.len() < 400_000, "PDF is {} bytes", pdf.len());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = pdf_text(&path);
    assert!(text.contains("来店のたびに読み取ってください"), "{text}");
    assert!(text.contains("集団発生の疑い"), "{text}");
    assert!(text.contains("喫茶みまもり"), "{text}");
    assert!(text.contains("ABCD-EFGH-JKMN-PQRS"), "{text}");
    assert_eq!(decode_qr_on_page(&path, 1), payload);
}

#[test]
fn long_text_and_tables_flow_onto_more_pages() {
    let fonts = fonts();
    let mut doc = A4Document::new(&fonts, "長い文書", "ja");
    for i in 0..30 {
        doc.heading(&format!("第{i}節 Section {i}"));
        doc.paragraph("このご連絡は、必ずしも感染者との接触があったことを意味するものではありませんが、念のため体調管理にご注意ください。");
    }
    let mut table = Table::new(vec![
        Column::new("番号", 1.0),
        Column::new("氏名 Name", 3.0),
    ]);
    for i in 0..70 {
        table.row([format!("{i}"), format!("利用者{i}")]);
    }
    doc.table(&table);
    let pages = doc.page_count();
    assert!(pages >= 3, "{pages} pages");
    let pdf = doc.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let info = String::from_utf8(run("pdfinfo", &[path.to_str().unwrap()])).unwrap();
    assert!(
        info.contains(&format!("Pages:           {pages}")),
        "{info}"
    );
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");
    let text = pdf_text(&path);
    assert!(text.contains("第29節 Section 29"));
    assert!(text.contains("利用者69"));
    // The header repeats on the page where the table continues.
    assert!(text.matches("氏名 Name").count() >= 2, "{text}");
}

#[test]
fn a_qr_larger_than_the_page_is_refused() {
    let fonts = fonts();
    let mut doc = A4Document::new(&fonts, "x", "ja");
    let qr = QrMatrix::encode("x").unwrap();
    assert!(doc.qr(&qr, 250.0, Align::Center).is_err());
}

#[test]
#[ignore = "writes /tmp/vis/sample.pdf for a person to look at"]
fn sample_for_eyes() {
    let fonts = fonts();
    let mut doc = A4Document::new(&fonts, "テスト", "ja");
    doc.text(
        "来店のたびに読み取ってください",
        &TextStyle::TITLE.centered(),
    );
    doc.paragraph("新型コロナウイルス感染症の集団発生の疑いがあることが判明しましたのでお知らせします。Scan the QR code at every visit.");
    doc.bullet("箇条書きの項目です。長い項目は次の行に折り返され、字下げがそろいます。A long bullet wraps with its indent.");
    doc.qr(
        &QrMatrix::encode("https://authority.example/v/#AQIDBAUG").unwrap(),
        90.0,
        Align::Center,
    )
    .unwrap();
    doc.boxed(
        "追跡コード Trace code: ABCD-EFGH-JKMN-PQRS",
        &TextStyle::BODY.bold(),
        245,
    );
    let mut table = Table::new(vec![
        Column::new("項目 Item", 1.0),
        Column::new("内容 Value", 2.0),
    ]);
    table.row(["店舗名 Name", "喫茶みまもり"]);
    table.row([
        "住所 Address",
        "岩手県盛岡市内丸10番1号 とても長い住所の例で折り返しを確かめます",
    ]);
    doc.table(&table);
    std::fs::write("/tmp/vis/sample.pdf", doc.finish().unwrap()).unwrap();
}
