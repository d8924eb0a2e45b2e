#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Renders the contact-listing document with the real CJK font and checks it with poppler:
//! the page image is not blank, and the names, dates and verbatim texts are in the PDF's text.
//!
//! Needs Debian's fonts-noto-cjk and poppler-utils (scripts/test installs them).

use std::process::Command;

use mimamori_documents::FontSet;
use mimamori_documents::listing::listing_pdf;
use mimamori_listing::{
    Basis, Candidate, Consultation, Investigation, InvestigationPeriod, Listing, Masking, Overlap,
    Roster, Setting,
};
use time::macros::{date, datetime};

fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{program} could not run ({error}); install poppler-utils"));
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn nursery_listing() -> Listing {
    let period = InvestigationPeriod::new(
        Basis::SymptomOnset(date!(2021 - 01 - 01)),
        date!(2021 - 01 - 04),
        None,
    )
    .unwrap();
    let investigation = Investigation::new(Setting::Nursery, Masking::Unmasked, period).unwrap();
    let roster = Roster::parse(
        "id,name,group,attendance,criteria,last_contact\n\
         k01,札幌 花子,ひよこ組,2020-12-30;2021-01-04,secretions;2B,\n\
         k02,旭川 太郎,ひよこ組,2021-01-02,,\n\
         k03,Obihiro Jiro,うさぎ組,,,\n",
        &investigation,
    )
    .unwrap();
    let candidate = Candidate {
        person_id: "k09".into(),
        name: Some("函館 次郎".into()),
        group: Some("きりん組".into()),
        overlaps: vec![Overlap {
            room: "hall".into(),
            from: datetime!(2021 - 01 - 04 10:00),
            to: datetime!(2021 - 01 - 04 10:45),
        }],
    };
    Listing::new(investigation, &roster, Consultation::hokkaido())
        .unwrap()
        .with_candidates(vec![candidate])
}

#[test]
fn the_listing_page_renders_with_names_dates_and_texts() {
    let fonts = FontSet::from_env_or_default()
        .unwrap_or_else(|error| panic!("{error} (scripts/test installs fonts-noto-cjk)"));
    let pdf = listing_pdf(&fonts, &nursery_listing()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("listing.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let path = path.to_str().unwrap();

    let info = String::from_utf8(run("pdfinfo", &[path])).unwrap();
    assert!(
        info.contains("595.276 x 841.89") || info.contains("A4"),
        "{info}"
    );

    // The page image is not blank: a good share of its pixels are dark.
    let prefix = dir.path().join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "50",
            "-gray",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            path,
            prefix.to_str().unwrap(),
        ],
    );
    let image = std::fs::read(dir.path().join("page.pgm")).unwrap();
    // A binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel.
    let header_end = image
        .iter()
        .enumerate()
        .filter(|(_, byte)| **byte == b'\n')
        .nth(2)
        .map(|(at, _)| at + 1)
        .unwrap();
    let pixels = &image[header_end..];
    let dark = pixels.iter().filter(|value| **value < 128).count();
    assert!(
        dark * 200 > pixels.len(),
        "the page looks blank: {dark} dark pixels of {}",
        pixels.len()
    );

    let text = String::from_utf8(run("pdftotext", &[path, "-"])).unwrap();
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for expected in [
        "保育園・幼稚園編",
        "札幌花子",
        "旭川太郎",
        "2020-12-30",
        "2021-01-04",
        "2021-01-12", // k01 released on day 8
        "2021-01-14", // k01 precautions until day 10
        "感染の可能性がある方",
        "函館次郎",
        "【提案】",
        "0120-501-507",
        "北海道新型コロナ健康相談センター",
        "陽性者の気道分液や体液等に直接触れた園児と職員",
    ] {
        assert!(
            squeezed.contains(expected),
            "{expected} not in the PDF text:\n{text}"
        );
    }
}
