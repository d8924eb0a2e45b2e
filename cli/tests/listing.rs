//! `mimamori listing`, run as an organisation would run it: roster in, listing out (stdout, CSV,
//! JSON, PDF), bad input refused with the line and the reason and without touching earlier
//! output files.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{mimamori, mimamori_then, stdout};

const ROSTER: &str = "id,name,group,attendance,criteria,last_contact\n\
                      s01,札幌 花子,2-1,2021-01-04,same-class;same-table,\n\
                      s02,\"Asahikawa, Taro\",2-1,2020-12-31,,\n\
                      s03,Obihiro Jiro,2-2,,,\n";

/// `mimamori listing` in `setting` with the onset and the last attendance day; `rest` adds flags.
fn listing(setting: &str, onset: &str, last_attendance: &str, rest: &[&str]) -> Output {
    let period = ["--onset", onset, "--last-attendance", last_attendance];
    mimamori_then(
        &[&["listing", "--setting", setting][..], &period].concat(),
        rest,
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_school_listing_across_the_year_end_writes_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let roster = write(dir.path(), "roster.csv", ROSTER);
    let csv = dir.path().join("out.csv");
    let json = dir.path().join("out.json");
    let output = listing(
        "school",
        "2021-01-01",
        "2021-01-04",
        &[
            "--roster",
            &roster,
            "--out-csv",
            csv.to_str().unwrap(),
            "--out-json",
            json.to_str().unwrap(),
        ],
    );
    let text = stdout(&output);
    assert!(text.contains("学校編 (Schools)"), "{text}");
    assert!(
        text.contains("investigation period: 2020-12-30 to 2021-01-04"),
        "{text}"
    );
    assert!(text.contains("possible infection: 1"), "{text}");
    assert!(
        text.contains(
            "s01 札幌 花子 [2-1] criteria same-class;same-table; last contact 2021-01-04; stay \
             home 2021-01-05 to 2021-01-11, released 2021-01-12; precautions until 2021-01-14"
        ),
        "{text}"
    );
    assert!(
        text.contains("s02 Asahikawa, Taro [2-1] last contact 2020-12-31; watch health 2021-01-01 to 2021-01-10"),
        "{text}"
    );
    assert!(text.contains("no contact day in the period: s03"), "{text}");
    assert!(text.contains("0120-501-507"), "{text}");

    let csv = std::fs::read_to_string(&csv).unwrap();
    assert!(csv.starts_with("id,name,group,status,criteria,attendance,last_contact,"));
    assert!(csv.contains(
        "s01,札幌 花子,2-1,possible-infection,same-class;same-table,2021-01-04,2021-01-04,\
         2021-01-05,2021-01-11,2021-01-12,2021-01-14,\r\n"
    ));
    assert!(csv.contains("s02,\"Asahikawa, Taro\",2-1,health-watch,"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(json["period"]["first"], "2020-12-30");
    assert_eq!(json["attendance_days"].as_array().unwrap().len(), 6);
    assert_eq!(json["listed"][0]["released_on"], "2021-01-12");
    assert_eq!(json["masking"], "unmasked");
}

#[test]
fn an_asymptomatic_masked_nursery_case_with_attendance_days_and_checkins() {
    let dir = tempfile::tempdir().unwrap();
    let roster = write(
        dir.path(),
        "roster.csv",
        "id,name,group,attendance,criteria,last_contact\n\
         k01,Hanako,hiyoko,2024-02-28;2024-02-29,③,\n\
         k02,Taro,hiyoko,2024-02-29,,\n\
         pos,Positive,hiyoko,2024-02-27;2024-02-29,,\n",
    );
    let checkins = write(
        dir.path(),
        "checkins.csv",
        "person_id,room,checked_in,checked_out\n\
         pos,hall,2024-02-29 09:00,2024-02-29 11:00\n\
         k02,hall,2024-02-29 10:30,2024-02-29 12:00\n\
         k01,hall,2024-02-29 09:00,2024-02-29 11:00\n\
         k77,hall,2024-02-29 08:00,2024-02-29 09:20\n",
    );
    let json = dir.path().join("out.json");
    let output = mimamori(&[
        "listing",
        "--setting",
        "nursery",
        "--specimen",
        "2024-02-29",
        "--last-attendance",
        "2024-02-29",
        "--attended",
        "2024-02-27,2024-02-29",
        "--masked",
        "--roster",
        &roster,
        "--checkins",
        &checkins,
        "--positive",
        "pos",
        "--out-json",
        json.to_str().unwrap(),
    ]);
    let text = stdout(&output);
    assert!(
        text.contains("when the positive person was wearing a mask"),
        "{text}"
    );
    assert!(
        text.contains("2 days before specimen collection 2024-02-29"),
        "{text}"
    );
    assert!(
        text.contains("登園日 nursery days: 2024-02-27 2024-02-29"),
        "{text}"
    );
    // Leap day: the last contact on 29 February gives a stay at home to 7 March.
    assert!(
        text.contains("k01 Hanako [hiyoko] criteria secretions; last contact 2024-02-29; stay home 2024-03-01 to 2024-03-07, released 2024-03-08; precautions until 2024-03-10"),
        "{text}"
    );
    assert!(
        text.contains("PROPOSALS from check-ins (NOT listed): 2"),
        "{text}"
    );
    assert!(
        text.contains("proposal k02 Taro 30 min: hall 2024-02-29 10:30-11:00"),
        "{text}"
    );
    assert!(
        text.contains("proposal k77 (not in the roster) 20 min"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(json["proposed_candidates"]["listed"], false);
    assert_eq!(
        json["proposed_candidates"]["candidates"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        json["listed"].as_array().unwrap().len(),
        1,
        "proposals are not listed"
    );
}

#[test]
fn a_bad_roster_is_refused_with_its_line_and_old_outputs_stay() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("out.csv");
    std::fs::write(&csv, "the previous listing\n").unwrap();
    let cases = [
        (
            "id,name,group,attendance,criteria,last_contact\ns1,A,1,2021-01-04,tall,\n",
            "roster line 2: criterion 1 of the criteria field is not one of the workplace criteria (unmasked)",
        ),
        (
            "id,name,group,attendance,criteria,last_contact\ns1,A,1,2021-01-04,,\ns2,B,1,04/01/2021,,\n",
            "roster line 3: the attendance field is not a valid date in the format YYYY-MM-DD",
        ),
        (
            "id,name,group,attendance,criteria,last_contact\ns1,A,1,,,\ns1,B,1,,,\n",
            "roster line 3: the id is already used on line 2",
        ),
        (
            "id,name,group,attendance,criteria\ns1,A,1,,\n",
            "roster line 1: the header has no column \"last_contact\"",
        ),
        (
            "id,name,group,attendance,criteria,last_contact\ns1,A,1,2021-01-05,,\n",
            "roster line 2: an attendance day is outside the investigation period 2020-12-30 to 2021-01-04",
        ),
    ];
    for (text, expected) in cases {
        let roster = write(dir.path(), "roster.csv", text);
        let output = listing(
            "workplace",
            "2021-01-01",
            "2021-01-04",
            &["--roster", &roster, "--out-csv", csv.to_str().unwrap()],
        );
        assert!(!output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(expected), "{stderr}");
        assert_eq!(
            std::fs::read_to_string(&csv).unwrap(),
            "the previous listing\n",
            "the earlier output is kept"
        );
    }
}

#[test]
fn impossible_investigations_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let roster = write(dir.path(), "roster.csv", ROSTER);
    let masked_workplace = listing(
        "workplace",
        "2021-01-01",
        "2021-01-04",
        &["--masked", "--roster", &roster],
    );
    assert!(!masked_workplace.status.success());
    assert!(String::from_utf8_lossy(&masked_workplace.stderr).contains("leave out --masked"));
    let early = listing("school", "2021-01-10", "2021-01-07", &["--roster", &roster]);
    assert!(!early.status.success());
    assert!(
        String::from_utf8_lossy(&early.stderr)
            .contains("before the investigation period starts (2021-01-08")
    );
    let both = mimamori(&[
        "listing",
        "--setting",
        "school",
        "--onset",
        "2021-01-10",
        "--specimen",
        "2021-01-10",
        "--last-attendance",
        "2021-01-12",
        "--roster",
        &roster,
    ]);
    assert!(
        !both.status.success(),
        "--onset and --specimen exclude each other"
    );
    let hospital = listing(
        "hospital",
        "2021-01-10",
        "2021-01-12",
        &["--roster", &roster],
    );
    assert!(
        String::from_utf8_lossy(&hospital.stderr)
            .contains("workplace, school, nursery or afterschool")
    );
}

#[test]
fn the_pdf_is_written_with_the_names_in_it() {
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_err()
    {
        panic!("pdftotext is missing: install poppler-utils (scripts/test does)");
    }
    let dir = tempfile::tempdir().unwrap();
    let roster = write(
        dir.path(),
        "roster.csv",
        &ROSTER.replace("same-class", "same-room"),
    );
    let pdf = dir.path().join("listing.pdf");
    let output = listing(
        "afterschool",
        "2021-01-01",
        "2021-01-04",
        &["--roster", &roster, "--pdf", pdf.to_str().unwrap()],
    );
    assert!(stdout(&output).contains("wrote"));
    let text = Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text: String = String::from_utf8(text.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(text.contains("放課後児童クラブ編"), "{text}");
    assert!(text.contains("札幌花子"), "{text}");
    assert!(text.contains("2021-01-12"), "{text}");
}
