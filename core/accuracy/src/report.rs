//! One self-contained HTML page comparing settings side by side on the same readings: each
//! setting's figures ([`crate::render`]) and its ROC curve ([`crate::tuning::roc_svg`]),
//! Japanese first with English, no script, no outside resource, a strict Content Security
//! Policy, readable at 360 px.

use crate::evaluation::Evaluation;

/// One setting's column of the page.
#[derive(Clone, Debug)]
pub struct Section<'a> {
    /// The heading in Japanese.
    pub title_ja: &'a str,
    /// The heading in English.
    pub title_en: &'a str,
    /// A line saying what the setting is (thresholds, weights, score).
    pub setting: String,
    /// The setting's evaluation.
    pub evaluation: &'a Evaluation,
    /// Its ROC curve as SVG, if the readings have contacts and non-contacts.
    pub roc_svg: Option<String>,
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page: a heading, what the readings are (`about`, escaped), then one column per section.
pub fn html(about: &str, sections: &[Section<'_>]) -> String {
    let mut page = String::from(
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">\n\
         <title>接触判定の精度 / How well the contact rule works</title>\n<style>\n\
         body { font-family: sans-serif; margin: 1rem; max-width: 72rem; }\n\
         .columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1.5rem; }\n\
         pre { font-size: 0.75rem; overflow-x: auto; background: #f6f6f6; padding: 0.5rem; }\n\
         svg { max-width: 100%; height: auto; }\n\
         </style>\n</head>\n<body>\n\
         <h1>「1メートル以内・15分以上」の判定はどのくらい正しいか<br>\
         <span lang=\"en\">How well does \"within 1 m for 15 minutes\" work?</span></h1>\n",
    );
    page += &format!(
        "<p>同じ測定データを各設定で Mimamori のエンジンに通した結果です。\
         <span lang=\"en\">The same readings, run through Mimamori's engine under each \
         setting.</span></p>\n<p><code>{}</code></p>\n<div class=\"columns\">\n",
        escape(about)
    );
    for section in sections {
        page += &format!(
            "<section>\n<h2>{}<br><span lang=\"en\">{}</span></h2>\n<p><code>{}</code></p>\n",
            escape(section.title_ja),
            escape(section.title_en),
            escape(&section.setting)
        );
        if let Some(svg) = &section.roc_svg {
            page += svg;
        }
        page += &format!(
            "<pre lang=\"en\">{}</pre>\n</section>\n",
            escape(&crate::render(section.evaluation))
        );
    }
    page + "</div>\n<p>方法と限界 <span lang=\"en\">Method and limits</span>: docs/accuracy.md</p>\n</body>\n</html>\n"
}
