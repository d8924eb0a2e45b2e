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

/// The fit plot, drawn by plotters: three real scans, three simulated ones (with no spread,
/// on the model's line), the model's line and its ±σ lines.
#[test]
fn the_fit_plot_draws_real_and_simulated_scans_and_the_model() {
    use mimamori_accuracy::ScanResult;
    use mimamori_accuracy::plot::fit_svg;
    use mimamori_accuracy::report::html_with_fit;
    use mimamori_accuracy::simulation::RadioModel;

    let scan = |distance_m: f64, typical_attenuation_db: u32| ScanResult {
        pair: "a>b".to_owned(),
        started_at: 0,
        seconds: 300,
        distance_m,
        typical_attenuation_db,
    };
    let scans = [scan(1.0, 55), scan(0.5, 48), scan(3.0, 62)];
    let model = RadioModel {
        scan_spread_db: 0.0,
        ..RadioModel::EXP34
    };
    let svg = fit_svg("fit <1>", &scans, &model, 1);
    // The square runs from x 60 (0.1 m) to 507 (10 m), log scale, so 1 m at 283; y from 367
    // (20 dB) up to 34 (90 dB), 333/70 px a dB. Real (1 m, 55 dB): y 34 + 35 × 333/70 = 200.5
    // → 201; simulated at the model's 55.2 dB: 199.5 → 200; (0.5 m, 48 dB) at x 216, y 234.
    let dot = |x: u32, y: u32, colour: &str| {
        format!("<circle cx=\"{x}\" cy=\"{y}\" r=\"2\" opacity=\"0.35\" fill=\"{colour}\"")
    };
    assert!(svg.contains(&dot(283, 201, "#1F77B4")), "{svg}");
    assert!(svg.contains(&dot(283, 200, "#FF7F0E")), "{svg}");
    assert!(svg.contains(&dot(216, 234, "#1F77B4")), "{svg}");
    assert_eq!(svg.matches("<circle").count(), 6 + 2);
    // The model's line: 0.1 m at 55.2 − 11.1 = 44.1 dB (y 252.4 → 253), 10 m at 66.3 dB (147).
    assert!(
        svg.contains("stroke=\"#D62728\" stroke-width=\"2\" points=\"60,253 507,147 \""),
        "{svg}"
    );
    assert!(svg.contains("fit &lt;1&gt;"));
    assert!(svg.contains("real scans (3)"));
    assert!(svg.contains("model: 55.2 dB at 1 m, exponent 1.11, ±0.0 dB"));
    assert!(!svg.contains("<script") && !svg.contains("<image"));

    let page = html_with_fit("readings", Some(&svg), &[]);
    assert!(page.contains("Attenuation against distance, real and simulated"));
    assert!(page.contains(&svg));
    assert!(!html("readings", &[]).contains("<svg"));
}
