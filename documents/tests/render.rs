//! Renders PDFs with the real CJK font and checks them with poppler (`pdftoppm`, `pdftotext`)
//! and zbar (`zbarimg`): Japanese text is really in the file, and the QR decodes to its text.

use std::path::Path;

use mimamori_documents::{A4Document, Align, Column, FontSet, QrMatrix, Table, TextStyle};

use crate::common::{fonts, pdf_text, run};

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
        // QR codes only: other symbologies can misread the page's text as a barcode.
        &[
            "--raw",
            "-q",
            "-Sdisable",
            "-Sqrcode.enable",
            "-Sbinary",
            image.to_str().unwrap(),
        ],
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
    let pdf = sample(&fonts, payload, None, &[]);
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
    let pdf = sample(
        &fonts(),
        "https://authority.example/v/#AQIDBAUG",
        Some(
            "箇条書きの項目です。長い項目は次の行に折り返され、字下げがそろいます。A long bullet wraps with its indent.",
        ),
        &[[
            "住所 Address",
            "岩手県盛岡市内丸10番1号 とても長い住所の例で折り返しを確かめます",
        ]],
    );
    std::fs::write("/tmp/vis/sample.pdf", pdf).unwrap();
}

/// A page of every kind of block: a title, a paragraph, `bullet` (if any), a QR of `payload`, a
/// boxed trace code, and a table with a name row and `more_rows`.
fn sample(
    fonts: &FontSet,
    payload: &str,
    bullet: Option<&str>,
    more_rows: &[[&str; 2]],
) -> Vec<u8> {
    let mut doc = A4Document::new(fonts, "テスト", "ja");
    doc.text(
        "来店のたびに読み取ってください",
        &TextStyle::TITLE.centered(),
    );
    doc.paragraph("新型コロナウイルス感染症の集団発生の疑いがあることが判明しましたのでお知らせします。Scan the QR code at every visit.");
    if let Some(bullet) = bullet {
        doc.bullet(bullet);
    }
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
    for row in more_rows {
        table.row(*row);
    }
    doc.table(&table);
    doc.finish().unwrap()
}

mod venue_documents {
    use super::*;
    use mimamori_documents::venue::{
        LeafletInput, OperatorCopyInput, PosterInput, leaflet, operator_copy, poster,
    };

    #[test]
    fn the_poster_qr_decodes_to_the_exact_text_and_the_trace_code_is_only_on_the_operator_copy() {
        let fonts = fonts();
        let qr_text = "https://venues.example.jp/v/#CiQIARABGHgiIKqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqKhXlsYXphcWL44KC44GX44K144OdMg";
        let pdf = poster(
            &fonts,
            &PosterInput {
                qr_text: qr_text.to_owned(),
                venue_name: "居酒屋もしサポ".to_owned(),
                room: "2階 大宴会場".to_owned(),
                venue_type_ja: "食事提供施設".to_owned(),
                venue_type_en: "Restaurant or bar".to_owned(),
                authority_name: "岩手県 健康国保課".to_owned(),
            },
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("poster.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let info = String::from_utf8(run("pdfinfo", &[path.to_str().unwrap()])).unwrap();
        assert!(
            info.contains("Pages:           1"),
            "the poster is one A4 page: {info}"
        );
        assert_eq!(decode_qr_on_page(&path, 1), qr_text);
        let text = pdf_text(&path);
        for expected in [
            "来店のたびに読み取ってください",
            "Scan this code at every visit",
            "居酒屋もしサポ",
            "2階 大宴会場",
        ] {
            assert!(text.contains(expected), "{expected} missing from {text}");
        }

        let copy = operator_copy(
            &fonts,
            &OperatorCopyInput {
                registration_id: "R7K2M9QX4D".to_owned(),
                trace_code: "ABCD-EFGH-JKMN-PQRS".to_owned(),
                venue_name: "居酒屋もしサポ".to_owned(),
                venue_type: "食事提供施設 Restaurant or bar".to_owned(),
                capacity: "11〜50人".to_owned(),
                postal_code: "020-8570".to_owned(),
                address: "岩手県盛岡市内丸10番1号".to_owned(),
                phone: "019-629-5487".to_owned(),
                email: "owner@example.jp".to_owned(),
                rooms: vec!["1階".to_owned(), "2階 大宴会場".to_owned()],
                registered_at: "2021-07-20 10:00".to_owned(),
                authority_name: "岩手県 健康国保課".to_owned(),
                notice_request_url: "https://venues.example.jp/venues/notice-request".to_owned(),
            },
        )
        .unwrap();
        let copy_path = dir.path().join("copy.pdf");
        std::fs::write(&copy_path, &copy).unwrap();
        let copy_text = pdf_text(&copy_path);
        assert!(copy_text.contains("ABCD-EFGH-JKMN-PQRS"), "{copy_text}");
        assert!(copy_text.contains("R7K2M9QX4D"));
        assert!(
            !text.contains("ABCD-EFGH"),
            "the poster never shows the trace code"
        );

        let leaflet = leaflet(
            &fonts,
            &LeafletInput {
                authority_name: "岩手県 健康国保課".to_owned(),
                authority_phone: "019-629-5487".to_owned(),
                consultation_phone: "019-651-3175".to_owned(),
            },
        )
        .unwrap();
        let leaflet_path = dir.path().join("leaflet.pdf");
        std::fs::write(&leaflet_path, &leaflet).unwrap();
        // Lines wrap anywhere in Japanese: join them before looking for a phrase.
        let leaflet_text = pdf_text(&leaflet_path).replace('\n', "");
        assert!(leaflet_text.contains("019-651-3175"));
        assert!(leaflet_text.contains("意味するものではありません"));
        assert!(!leaflet_text.contains("ABCD-EFGH"));

        // To look at them: MIMAMORI_DOCUMENTS_OUT=/some/dir cargo test -p mimamori-documents
        if let Some(out) = std::env::var_os("MIMAMORI_DOCUMENTS_OUT") {
            let out = std::path::PathBuf::from(out);
            for (name, bytes) in [
                ("poster.pdf", &pdf),
                ("operator-copy.pdf", &copy),
                ("leaflet.pdf", &leaflet),
            ] {
                std::fs::write(out.join(name), bytes).unwrap();
            }
        }
    }
}
