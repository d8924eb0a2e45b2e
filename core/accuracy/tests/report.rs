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

/// The fit plot's scales and contents, by hand: x is log₁₀ distance over 0.1–10 m on 420
/// px from 50; y is 20–90 dB on 300 px from 50, upwards.
#[test]
fn the_fit_plot_draws_real_and_simulated_scans_and_the_model() {
    use mimamori_accuracy::ScanResult;
    use mimamori_accuracy::plot::{fit_svg, x_of, y_of};
    use mimamori_accuracy::report::html_with_fit;
    use mimamori_accuracy::simulation::RadioModel;

    assert_eq!(x_of(0.1), 50.0);
    assert_eq!(x_of(1.0), 260.0);
    assert_eq!(x_of(10.0), 470.0);
    assert_eq!(x_of(100.0), 470.0);
    assert_eq!(y_of(90.0), 50.0);
    assert_eq!(y_of(55.0), 200.0);
    assert_eq!(y_of(20.0), 350.0);
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
    assert!(svg.contains("fit &lt;1&gt;"));
    // The real 1 m scan at 55 dB; with no spread, the simulated one at the model's 55.2 dB.
    assert!(
        svg.contains("<circle cx=\"260.0\" cy=\"200.0\" r=\"2\"/>"),
        "{svg}"
    );
    assert!(
        svg.contains("<circle cx=\"260.0\" cy=\"199.1\" r=\"2\"/>"),
        "{svg}"
    );
    assert_eq!(svg.matches("<circle").count(), 6);
    // The model's line from 0.1 m (55.2 − 11.1 = 44.1 dB) to 10 m (66.3 dB).
    assert!(
        svg.contains("x1=\"50.0\" y1=\"246.7\" x2=\"470.0\" y2=\"151.6\""),
        "{svg}"
    );
    assert!(svg.contains("real scans (3)"));

    let page = html_with_fit("readings", Some(&svg), &[]);
    assert!(page.contains("Attenuation against distance, real and simulated"));
    assert!(page.contains(&svg));
    assert!(!html("readings", &[]).contains("<svg"));
}
