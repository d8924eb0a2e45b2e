//! The code slip: one A4 page whose text holds the code in two groups, its validity, the test
//! type and the steps in Japanese and English.

use mimamori_documents::code_slip::{CODE_SLIP_STEPS, CodeSlipInput, code_slip};

use crate::common::{fonts, pdf_text, run};

#[test]
fn the_slip_is_one_a4_page_with_the_grouped_code_and_the_steps() {
    let input = CodeSlipInput {
        code: "04815162".into(),
        valid_until: "2026-11-20 21:15 JST".into(),
        test_type_ja: "陽性（確定）".into(),
        test_type_en: "Positive (confirmed)".into(),
        authority_name: "盛岡市保健所".into(),
        authority_phone: "019-603-8244".into(),
    };
    let pdf = code_slip(&fonts(), &input).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slip.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let info = String::from_utf8(run("pdfinfo", &[path.to_str().unwrap()])).unwrap();
    assert!(info.contains("Pages:           1"), "{info}");
    assert!(info.contains("595.276 x 841.89"), "A4: {info}");
    if let Ok(keep) = std::env::var("MIMAMORI_KEEP_SLIP") {
        std::fs::copy(&path, keep).unwrap();
    }
    let text = pdf_text(&path);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "処理番号のお知らせ",
        "0481 5162",
        "2026-11-20 21:15 JST",
        "陽性（確定）",
        "Positive (confirmed)",
        "盛岡市保健所",
        "019-603-8244",
    ] {
        assert!(flat.contains(expected), "{expected}: {flat}");
    }
    for (japanese, english) in CODE_SLIP_STEPS {
        // Long lines wrap: compare the first words of each.
        let ja_start: String = japanese.chars().take(12).collect();
        let en_start: String = english.split(' ').take(4).collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&ja_start), "{ja_start}: {flat}");
        assert!(flat.contains(&en_start), "{en_start}: {flat}");
    }
}
