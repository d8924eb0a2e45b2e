//! The HTML report: self-contained, escaped, one column per setting.

use mimamori_accuracy::report::{Section, html};
use mimamori_accuracy::{evaluate, parse_readings};
use mimamori_gaen::{ExposureConfiguration, RiskRules};

#[test]
fn the_page_is_self_contained_and_escapes_what_it_quotes() {
    let evaluation = evaluate(
        &parse_readings(include_str!("../data/hand-made.csv")).unwrap(),
        &ExposureConfiguration::cocoa(),
        &RiskRules::cocoa(),
    );
    let page = html(
        "<readings>.csv: 30 readings",
        &[
            Section {
                title_ja: "現行",
                title_en: "current",
                setting: "a & b".to_owned(),
                evaluation: &evaluation,
                roc_svg: Some("<svg id=\"roc\"></svg>".to_owned()),
            },
            Section {
                title_ja: "以前",
                title_en: "earlier",
                setting: String::new(),
                evaluation: &evaluation,
                roc_svg: None,
            },
        ],
    );
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    assert!(!page.contains("<script"));
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(page.contains("&lt;readings&gt;.csv"));
    assert!(page.contains("<code>a &amp; b</code>"));
    assert_eq!(page.matches("<section>").count(), 2);
    assert_eq!(page.matches("<svg id=\"roc\">").count(), 1);
    // The figures, escaped: `<= 0.5 m` in the bucket table.
    assert!(page.contains("&lt;= 0.5 m"), "{page}");
    // Japanese first, English after.
    assert!(page.find("現行").unwrap() < page.find("current").unwrap());
}
