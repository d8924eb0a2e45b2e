//! The contact-listing page over real HTTP on 127.0.0.1: behind the staff login, CSRF, a roster
//! upload (multipart) to the result table, CSV/JSON/PDF downloads from the hidden re-post, bad
//! rosters explained with their line, and nothing stored.

use mimamori_diagnosis_server::listing_page::LISTING_PATH;
use mimamori_diagnosis_server::portal;
use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::common::staff::{Browser, STAFF_NAME, STAFF_PASSWORD, start_portal};
use crate::common::{self, TestServer};

const ROSTER: &str = "id,name,group,attendance,criteria,last_contact\n\
                      s01,札幌 <b>花子</b>,2-1,2021-01-04,same-class;same-table,\n\
                      s02,\"Asahikawa, Taro\",2-1,2020-12-31,,\n";

/// Posts the listing form (multipart, as a browser does).
async fn post(
    staff: &mut Browser,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str)],
) -> common::staff::Page {
    staff.post_multipart(LISTING_PATH, fields, files).await
}

async fn logged_in() -> (TestServer, Browser, String) {
    let server = start_portal().await;
    let mut staff = Browser::new(server.server.base_url());
    let answer = staff.log_in(STAFF_NAME, STAFF_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let form = staff.get(LISTING_PATH).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = form.csrf();
    (server, staff, csrf)
}

fn school_fields(csrf: &str) -> Vec<(&str, &str)> {
    vec![
        ("csrf", csrf),
        ("setting", "school"),
        ("basis", "onset"),
        ("basis_date", "2021-01-01"),
        ("last_attendance", "2021-01-04"),
        ("attended", ""),
        ("positive", ""),
        ("format", "html"),
    ]
}

#[tokio::test]
async fn the_page_is_behind_the_staff_login() {
    let server = common::start().await;
    let mut anonymous = Browser::new(server.server.base_url());
    let page = anonymous.get(LISTING_PATH).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[LOCATION], portal::LOGIN_PATH);
    let post = post(
        &mut anonymous,
        &[("setting", "school")],
        &[("roster", "r.csv", ROSTER)],
    )
    .await;
    assert_eq!(
        post.status,
        StatusCode::SEE_OTHER,
        "no listing without a login"
    );
}

#[tokio::test]
async fn a_roster_upload_gives_the_table_and_the_downloads() {
    let (_server, mut staff, csrf) = logged_in().await;
    let form = staff.get(LISTING_PATH).await;
    let text = form.body;
    assert!(text.contains("enctype=\"multipart/form-data\""));
    assert!(text.contains("放課後児童クラブ編"));
    assert!(!text.contains("<script"));
    assert_eq!(form.headers["cache-control"], "no-store");
    assert!(
        form.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );

    let result = post(
        &mut staff,
        &school_fields(&csrf),
        &[("roster", "roster.csv", ROSTER)],
    )
    .await;
    let page = result.body;
    assert_eq!(result.status, StatusCode::OK, "{page}");
    assert!(page.contains("2020-12-30 ～ 2021-01-04"), "{page}");
    assert!(
        page.contains("札幌 &lt;b&gt;花子&lt;/b&gt;"),
        "names are escaped"
    );
    assert!(!page.contains("<b>花子"), "names are escaped");
    assert!(
        page.contains("<td>2021-01-05 ～ 2021-01-11</td><td>2021-01-12</td><td>2021-01-14</td>"),
        "{page}"
    );
    assert!(page.contains("Asahikawa, Taro"));
    assert!(page.contains("0120-501-507"));
    assert!(page.contains("id=\"downloads\""));

    // The result page's hidden form posts the same inputs for each download.
    let csv = post(
        &mut staff,
        &[
            ("csrf", &csrf),
            ("setting", "school"),
            ("basis", "onset"),
            ("basis_date", "2021-01-01"),
            ("last_attendance", "2021-01-04"),
            ("roster_text", ROSTER),
            ("format", "csv"),
        ],
        &[],
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("listing.csv")
    );
    assert!(csv.body.contains(
        "s01,札幌 <b>花子</b>,2-1,possible-infection,same-class;same-table,2021-01-04,2021-01-04,2021-01-05,2021-01-11,2021-01-12,2021-01-14,"
    ));

    let mut fields = school_fields(&csrf);
    fields.retain(|(name, _)| *name != "format");
    fields.push(("format", "json"));
    let json = post(&mut staff, &fields, &[("roster", "roster.csv", ROSTER)]).await;
    assert_eq!(json.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&json.bytes).unwrap();
    assert_eq!(json["listed"][0]["released_on"], "2021-01-12");
    assert_eq!(json["health_watch"][0]["health_watch_until"], "2021-01-10");

    fields.retain(|(name, _)| *name != "format");
    fields.push(("format", "pdf"));
    let pdf = post(&mut staff, &fields, &[("roster", "roster.csv", ROSTER)]).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
}

#[tokio::test]
async fn checkins_give_proposals_marked_as_such() {
    let (_server, mut staff, csrf) = logged_in().await;
    let mut fields = school_fields(&csrf);
    fields.retain(|(name, _)| *name != "positive");
    fields.push(("positive", "pos"));
    let checkins = "person_id,room,checked_in,checked_out\n\
                    pos,room-21,2021-01-04 08:30,2021-01-04 15:00\n\
                    s02,room-21,2021-01-04 14:00,2021-01-04 16:00\n";
    let result = post(
        &mut staff,
        &fields,
        &[
            ("roster", "roster.csv", ROSTER),
            ("checkins", "checkins.csv", checkins),
        ],
    )
    .await;
    let page = result.body;
    assert_eq!(result.status, StatusCode::OK, "{page}");
    assert!(page.contains("【提案】"), "{page}");
    assert!(page.contains("They are NOT listed"), "{page}");
    assert!(page.contains("room-21 2021-01-04 14:00–15:00"), "{page}");
    assert!(page.contains("<td>60</td>"), "{page}");
}

#[tokio::test]
async fn bad_input_is_explained_with_the_line_and_nothing_is_kept() {
    let (server, mut staff, csrf) = logged_in().await;
    let bad = "id,name,group,attendance,criteria,last_contact\n\
               s01,A,1,2021-01-04,,\n\
               s02,B,1,2021-01-04,tall,\n";
    let result = post(
        &mut staff,
        &school_fields(&csrf),
        &[("roster", "roster.csv", bad)],
    )
    .await;
    let page = result.body;
    assert_eq!(result.status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains(
            "roster line 3: criterion 1 of the criteria field is not one of the school criteria"
        ),
        "{page}"
    );
    assert!(
        page.contains("value=\"2021-01-01\""),
        "the form keeps the dates"
    );

    let mut wrong_token = school_fields("not-the-token");
    wrong_token.retain(|(name, _)| *name != "format");
    let refused = post(
        &mut staff,
        &wrong_token,
        &[("roster", "roster.csv", ROSTER)],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let masked_workplace = post(
        &mut staff,
        &[
            ("csrf", &csrf),
            ("setting", "workplace"),
            ("basis", "onset"),
            ("basis_date", "2021-01-01"),
            ("last_attendance", "2021-01-04"),
            ("masked", "on"),
        ],
        &[("roster", "roster.csv", ROSTER)],
    )
    .await;
    assert_eq!(masked_workplace.status, StatusCode::BAD_REQUEST);
    assert!(masked_workplace.body.contains("leave out --masked"));

    // Nothing about rosters reaches the server's files.
    let mut stored = Vec::new();
    for entry in walk(server.directory.path()) {
        stored.extend(std::fs::read(entry).unwrap());
    }
    let stored = String::from_utf8_lossy(&stored);
    assert!(!stored.contains("Asahikawa"), "the roster was stored");
}

fn walk(directory: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
