//! The portal's pages: plain server-rendered HTML, Japanese first with English beside it, no
//! JavaScript, in the one layout of [`crate::pages`]. Every value that did not come from this
//! file goes through [`escape`].

use std::fmt::Write as _;

use mimamori_api::v1::TestType;

use super::session::StaffSession;
use super::{CODES_PATH, EXPIRE_PATH, EXPORT_PATH, LOGIN_PATH, SLIP_PATH, STATUS_PATH};
pub use crate::pages::escape;
use crate::pages::{Site, csrf_field, ja_en, layout};
use crate::service::IssuedCode;
use crate::storage::{CodeStatus, DailyStatistics};

/// Offset of the times on the venue operators' pages: Japan Standard Time, UTC+9, the venue
/// protocol's zone (`mimamori_venue::JST`). Staff pages use the staff zone instead
/// ([`StaffSession::zone`]).
pub const DISPLAY_UTC_OFFSET_SECONDS: i64 = 9 * 3600;

/// Name of the time zone shown after the venue operators' times.
pub const DISPLAY_TIME_ZONE: &str = "JST";

/// The stylesheet (served at [`super::STYLESHEET_PATH`]; the CSP allows only same-origin styles).
pub const STYLESHEET: &str = "\
body{font-family:system-ui,'Hiragino Sans','Noto Sans CJK JP',sans-serif;margin:0;color:#1a1a1a;background:#f6f7f9}
header{background:#0b5394;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a,header button{color:#fff}
nav{display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
main{max-width:56rem;margin:1.5rem auto;padding:0 1rem}
.en{color:#555;font-size:.85em;margin-left:.4em}
header .en{color:#dde}
form.box,section.box{background:#fff;border:1px solid #ccd;border-radius:6px;padding:1rem 1.2rem;margin-bottom:1rem}
label{display:block;margin:.6rem 0 .2rem}
input,select,button{font-size:1rem;padding:.3rem .5rem}
button{cursor:pointer}
header form{margin:0}
header button{background:transparent;border:1px solid #fff;border-radius:4px}
.code{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:3.2rem;letter-spacing:.35em;font-weight:bold;margin:.5rem 0}
.notice{background:#fff4ce;border:1px solid #e0c060;padding:.6rem 1rem;border-radius:4px}
.error{background:#fde2e1;border:1px solid #d07070;padding:.6rem 1rem;border-radius:4px}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border:1px solid #ccd;padding:.35rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#eef1f6;font-weight:normal}
.notice-text{background:#fff;border-left:4px solid #0b5394;padding:.1rem .8rem;margin:.3rem 0}
ul.published{list-style:none;padding:0}
dd{margin-left:1rem}
*,*::before,*::after{box-sizing:border-box}
input,select,textarea,button,img,svg{max-width:100%}
main{overflow-wrap:break-word}
code,.url,.command{overflow-wrap:anywhere;word-break:break-all}
#issued-code,.group{white-space:nowrap}
.code{word-break:keep-all;overflow-wrap:normal}
.table-scroll{overflow-x:auto;max-width:100%}
caption{text-align:left;padding:.3rem 0}
@media (max-width:30em){main{padding:0 .6rem}.code{font-size:2.3rem;letter-spacing:.12em}form.box,section.box{padding:.8rem}th,td{padding:.3rem}}
";

/// The staff zone in words: 日本時間 / Japan time (JST) for the default, else its IANA name.
fn zone_words(staff: &StaffSession) -> (String, String) {
    let name = staff.zone().name();
    if name == crate::staff_time::DEFAULT_STAFF_TIME_ZONE {
        ("日本時間".into(), "Japan time, JST".into())
    } else {
        (name.to_owned(), name.to_owned())
    }
}

/// A time on the venue operators' pages (the venue protocol's zone): `YYYY-MM-DD HH:MM JST`.
pub fn display_time(unix_seconds: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(
        unix_seconds.saturating_add(DISPLAY_UTC_OFFSET_SECONDS),
    ) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} {DISPLAY_TIME_ZONE}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => "-".into(),
    }
}

/// The Japanese and English names of a test type.
/// A test type's name in Japanese and English.
pub(crate) fn test_type_names(test_type: TestType) -> (&'static str, &'static str) {
    match test_type {
        TestType::Confirmed => ("陽性（検査で確定）", "confirmed positive"),
        TestType::Likely => ("陽性の疑い（臨床診断）", "likely positive (clinical)"),
        TestType::Negative => ("陰性", "negative"),
    }
}

/// The login page.
pub fn login_page(csrf: &str, refused: bool) -> String {
    login_page_for(csrf, refused, false)
}

/// The login page; `no_staff` when the server has no staff account yet: it then says how to
/// add the first one (first-run guidance, [`crate::first_run`]).
pub fn login_page_for(csrf: &str, refused: bool, no_staff: bool) -> String {
    let mut body = String::new();
    if no_staff {
        let _ = write!(
            body,
            "<section class=\"notice\" id=\"first-run\"><p>{}</p>\
             <p><code class=\"command\">mimamori-diagnosis-server staff add &lt;name&gt;</code></p><p>{}</p></section>",
            ja_en(
                "職員アカウントがまだありません。サーバーを動かしているコンピューターで次のコマンドを実行すると、アカウントが作られ、パスワードが一度だけ表示されます。",
                "There is no staff account yet. On the computer that runs the server, this command makes one and prints its password once."
            ),
            ja_en(
                "サーバーを起動したときの表示（次の手順）も参考にしてください。",
                "The server's start-up output lists the next steps too."
            ),
        );
    }
    if refused {
        let _ = write!(
            body,
            "<p class=\"error\" id=\"login-error\">{}<br>{}</p>",
            ja_en(
                "ログインできませんでした。名前とパスワードを確認してください。",
                "Login failed: check the name and password."
            ),
            ja_en(
                "続けて失敗するとアカウントが15分間ロックされます。",
                "After repeated failures the account is locked for 15 minutes."
            ),
        );
    }
    let _ = write!(
        body,
        "<form class=\"box\" method=\"post\" action=\"{LOGIN_PATH}\">{}\
         <label for=\"name\">{}</label><input id=\"name\" name=\"name\" autocomplete=\"username\" required>\
         <label for=\"password\">{}</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <p><button type=\"submit\" id=\"login\">{}</button></p></form>",
        csrf_field(csrf),
        ja_en("職員名", "Staff name"),
        ja_en("パスワード", "Password"),
        ja_en("ログイン", "Log in"),
    );
    layout("ログイン", "Log in", Site::Portal(None), &body)
}

/// The codes page of the menu (処理番号の発行・確認): the form to issue a code, then the form to
/// check (and from there expire) one by its id.
pub fn issue_page(staff: &StaffSession, error: Option<(&str, &str)>) -> String {
    let csrf = &staff.csrf();
    let mut body = String::new();
    if let Some((ja, en)) = error {
        let _ = write!(
            body,
            "<p class=\"error\" id=\"issue-error\">{}</p>",
            ja_en(ja, en)
        );
    }
    let _ = write!(
        body,
        "<section aria-labelledby=\"issue-heading\"><h2 id=\"issue-heading\">{}</h2>\
         <form class=\"box\" method=\"post\" action=\"{CODES_PATH}\">{}\
         <p>{}</p>\
         <label for=\"test_type\">{}</label><select id=\"test_type\" name=\"test_type\">",
        ja_en("発行", "Issue"),
        csrf_field(csrf),
        ja_en(
            "陽性者に電話などで伝える処理番号（8桁、15分間有効、1回限り）を発行します。",
            "Issue the 8-digit code (valid 15 minutes, single use) to read to a person who tested positive."
        ),
        ja_en("診断の種類", "Test type"),
    );
    for test_type in [TestType::Confirmed, TestType::Likely, TestType::Negative] {
        let (ja, en) = test_type_names(test_type);
        let _ = write!(
            body,
            "<option value=\"{}\">{} / {}</option>",
            test_type.as_str(),
            escape(ja),
            escape(en)
        );
    }
    let _ = write!(
        body,
        "</select>\
         <label for=\"symptom_date\">{}</label><input id=\"symptom_date\" name=\"symptom_date\" type=\"date\">\
         <label for=\"test_date\">{}</label><input id=\"test_date\" name=\"test_date\" type=\"date\">\
         <p>{}</p>\
         <p><button type=\"submit\" id=\"issue\">{}</button></p></form></section>",
        ja_en("発症日", "Symptom onset date"),
        ja_en(
            "検査日（発症日が不明のとき）",
            "Test date (when the onset is unknown)"
        ),
        ja_en(
            &format!("日付は28日前から今日まで（{}）。", zone_words(staff).0),
            &format!(
                "Dates from 28 days ago up to today ({}).",
                zone_words(staff).1
            )
        ),
        ja_en("処理番号を発行", "Issue code"),
    );
    let _ = write!(
        body,
        "<section aria-labelledby=\"check-heading\"><h2 id=\"check-heading\">{}</h2><p>{}</p>{}</section>",
        ja_en("確認・無効化", "Check or expire"),
        ja_en(
            "発行した処理番号の状態（有効・使用済み・無効）は、発行画面に出た確認用IDで調べられます。",
            "Look up a code's state (valid, used, expired) by the code id shown when it was issued."
        ),
        check_form(""),
    );
    layout(
        "処理番号の発行・確認",
        "Issue and check codes",
        Site::Portal(Some(staff)),
        &body,
    )
}

/// The issued code, large, with its expiry.
pub fn issued_page(
    staff: &StaffSession,
    issued: &IssuedCode,
    test_type: TestType,
    now: i64,
) -> String {
    let csrf = &staff.csrf();
    let (type_ja, type_en) = test_type_names(test_type);
    let minutes = (issued.expires_at - now).max(0) / 60;
    let mut body = String::new();
    let _ = write!(
        body,
        "<section class=\"box\"><p>{}</p>\
         <p class=\"code\" id=\"issued-code\">{}</p>\
         <p>{}: <strong id=\"expires-at\">{}</strong> ({})</p>\
         <p>{}: {}</p>\
         <p class=\"notice\">{}</p>\
         <p>{}: <code id=\"code-id\">{}</code></p>\
         <p><a href=\"{STATUS_PATH}?id={}\">{}</a></p>\
         <form method=\"post\" action=\"{SLIP_PATH}\" id=\"slip-form\">{}\
         <input type=\"hidden\" name=\"id\" value=\"{}\"><input type=\"hidden\" name=\"code\" value=\"{}\">\
         <input type=\"hidden\" name=\"slip\" value=\"{}\">\
         <p>{}</p><button type=\"submit\" id=\"slip\">{}</button></form>\
         <form method=\"post\" action=\"{EXPIRE_PATH}\">{}<input type=\"hidden\" name=\"id\" value=\"{}\">\
         <button type=\"submit\" id=\"expire\">{}</button></form></section>\
         <p><a href=\"{CODES_PATH}\">{}</a></p>",
        ja_en(
            "この処理番号を陽性者に伝えてください。",
            "Read this code to the person who tested positive."
        ),
        escape(&issued.code),
        ja_en("有効期限", "Valid until"),
        escape(&staff.zone().display(issued.expires_at)),
        ja_en(
            &format!("あと{minutes}分"),
            &format!("{minutes} minutes left")
        ),
        ja_en("診断の種類", "Test type"),
        ja_en(type_ja, type_en),
        ja_en(
            "処理番号はこの画面にだけ表示されます。保存されるのはハッシュのみで、再表示はできません。",
            "The code is shown only on this page; only its hash is stored and it cannot be shown again."
        ),
        ja_en("確認用ID", "Id for checking"),
        escape(&issued.id),
        escape(&issued.id),
        ja_en("状態を確認", "Check its status"),
        csrf_field(csrf),
        escape(&issued.id),
        escape(&issued.code),
        escape(&super::slip::slip_token(staff, &issued.id, &issued.code)),
        ja_en(
            "控え（A4）には、番号・有効期限・アプリでの登録手順・注意事項が日本語と英語で載ります。",
            "The A4 slip has the code, its expiry, the steps in the app and what to keep in mind, in Japanese and English."
        ),
        ja_en("控えを印刷（PDF）", "Print the slip (PDF)"),
        csrf_field(csrf),
        escape(&issued.id),
        ja_en("この処理番号を無効にする", "Expire this code now"),
        ja_en("別の処理番号を発行", "Issue another code"),
    );
    layout(
        "処理番号を発行しました",
        "Code issued",
        Site::Portal(Some(staff)),
        &body,
    )
}

/// The form to look a code up by its id (on the codes page and the status page).
fn check_form(id: &str) -> String {
    format!(
        "<form class=\"box\" method=\"get\" action=\"{STATUS_PATH}\">\
         <label for=\"id\">{}</label><input id=\"id\" name=\"id\" value=\"{}\" size=\"34\" maxlength=\"64\" required>\
         <p><button type=\"submit\" id=\"check\">{}</button></p></form>",
        ja_en("確認用ID", "Code id"),
        escape(id),
        ja_en("確認", "Check"),
    )
}

/// What a code's status page shows.
#[derive(Debug)]
pub enum StatusView<'a> {
    /// Only the form.
    Form,
    /// No code has this id.
    NotFound,
    /// The code's status.
    Found(&'a CodeStatus, CodeState),
}

/// Where a code stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeState {
    /// Unused and still valid.
    Valid,
    /// Used by a phone.
    Redeemed,
    /// Past its validity, or expired by staff.
    Expired,
}

impl CodeState {
    /// The state of `status` at `now`.
    pub fn of(status: &CodeStatus, now: i64) -> Self {
        if status.redeemed_at.is_some() {
            Self::Redeemed
        } else if status.expired_at.is_some() || status.expires_at <= now {
            Self::Expired
        } else {
            Self::Valid
        }
    }

    /// The state's name on the wire and in `data-state`: `valid`, `redeemed` or `expired`.
    pub fn as_str(self) -> &'static str {
        self.names().0
    }

    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Valid => ("valid", "有効（未使用）", "valid, not used"),
            Self::Redeemed => ("redeemed", "使用済み", "used"),
            Self::Expired => ("expired", "無効（期限切れ）", "expired"),
        }
    }
}

/// The page to check (and expire) a code by its id.
pub fn status_page(
    staff: &StaffSession,
    id: &str,
    view: StatusView<'_>,
    message: Option<(&str, &str)>,
) -> String {
    let csrf = &staff.csrf();
    let mut body = String::new();
    if let Some((ja, en)) = message {
        let _ = write!(
            body,
            "<p class=\"notice\" id=\"message\">{}</p>",
            ja_en(ja, en)
        );
    }
    body.push_str(&check_form(id));
    match view {
        StatusView::Form => {}
        StatusView::NotFound => {
            let _ = write!(
                body,
                "<p class=\"error\" id=\"not-found\">{}</p>",
                ja_en(
                    "このIDの処理番号はありません（1日後に削除されます）。",
                    "No code has this id (codes are deleted a day after they expire)."
                )
            );
        }
        StatusView::Found(status, state) => {
            let (state_id, state_ja, state_en) = state.names();
            let (type_ja, type_en) = test_type_names(status.test_type);
            let zone = staff.zone();
            let optional =
                |time: Option<i64>| time.map_or_else(|| "-".into(), |time| zone.display(time));
            let _ = write!(
                body,
                "<section class=\"box\"><table>\
                 <tr><th>{}</th><td id=\"state\" data-state=\"{state_id}\">{}</td></tr>\
                 <tr><th>{}</th><td>{}</td></tr>\
                 <tr><th>{}</th><td>{}</td></tr>\
                 <tr><th>{}</th><td id=\"issued-by\">{}</td></tr>\
                 <tr><th>{}</th><td>{}</td></tr>\
                 <tr><th>{}</th><td>{}</td></tr>\
                 <tr><th>{}</th><td>{}</td></tr></table>",
                ja_en("状態", "State"),
                ja_en(state_ja, state_en),
                ja_en("診断の種類", "Test type"),
                ja_en(type_ja, type_en),
                ja_en("発行", "Issued"),
                escape(&zone.display(status.issued_at)),
                ja_en("発行者", "Issued by"),
                status
                    .issued_by
                    .as_deref()
                    .map_or_else(|| ja_en("不明", "Unknown"), escape),
                ja_en("有効期限", "Valid until"),
                escape(&zone.display(status.expires_at)),
                ja_en("使用", "Used"),
                escape(&optional(status.redeemed_at)),
                ja_en("無効化", "Expired by staff"),
                escape(&optional(status.expired_at)),
            );
            if state == CodeState::Valid {
                let _ = write!(
                    body,
                    "<form method=\"post\" action=\"{EXPIRE_PATH}\">{}<input type=\"hidden\" name=\"id\" value=\"{}\">\
                     <p><button type=\"submit\" id=\"expire\">{}</button></p></form>",
                    csrf_field(csrf),
                    escape(&status.id),
                    ja_en("この処理番号を無効にする", "Expire this code now"),
                );
            }
            body.push_str("</section>");
        }
    }
    let _ = write!(
        body,
        "<p><a href=\"{CODES_PATH}\" id=\"to-codes\">{}</a></p>",
        ja_en(
            "処理番号の発行・確認へ",
            "Back to issuing and checking codes"
        )
    );
    layout(
        "処理番号の確認",
        "Check a code",
        Site::Portal(Some(staff)),
        &body,
    )
}

/// Daily statistics, newest day first.
pub fn stats_page(
    staff: &StaffSession,
    days: &[DailyStatistics],
    export_worker: Option<std::time::Duration>,
    export_outcome: Option<(&str, &str)>,
) -> String {
    let mut body = String::new();
    if let Some((ja, en)) = export_outcome {
        let _ = write!(
            body,
            "<p class=\"notice\" id=\"export-outcome\" role=\"status\">{}</p>",
            ja_en(ja, en)
        );
    }
    let _ = write!(
        body,
        "<p>{}</p><div class=\"table-scroll\" role=\"region\" aria-labelledby=\"stats-caption\" tabindex=\"0\"><table id=\"stats\"><caption id=\"stats-caption\">{}</caption><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        ja_en(
            &format!("直近14日間（{}の日付）", zone_words(staff).0),
            &format!("The last 14 days (days in {})", zone_words(staff).1)
        ),
        ja_en("日ごとの件数", "Counts per day"),
        ja_en("日付", "Day"),
        ja_en("処理番号の発行", "Codes issued"),
        ja_en("使用", "Redeemed"),
        ja_en("失効", "Expired"),
        ja_en("陽性登録", "Uploads"),
        ja_en("公開された鍵", "Keys published"),
        ja_en("配布ファイル", "Export files"),
    );
    if days.is_empty() {
        let _ = write!(
            body,
            "<tr><td colspan=\"7\">{}</td></tr>",
            ja_en("まだ記録がありません。", "Nothing recorded yet.")
        );
    }
    for day in days.iter().rev() {
        let _ = write!(
            body,
            "<tr data-day=\"{0}\"><td>{0}</td><td class=\"codes-issued\">{1}</td><td class=\"codes-redeemed\">{2}</td>\
             <td class=\"codes-expired\">{3}</td><td class=\"uploads\">{4}</td><td class=\"keys-published\">{5}</td>\
             <td class=\"export-files\">{6}</td></tr>",
            escape(&day.day),
            day.codes_issued,
            day.codes_redeemed,
            day.codes_expired,
            day.uploads,
            day.keys_published,
            day.export_files,
        );
    }
    body.push_str("</tbody></table></div>");
    body.push_str(&export_form(staff, export_worker));
    layout("統計", "Statistics", Site::Portal(Some(staff)), &body)
}

/// The export button, with when the worker runs by itself.
fn export_form(staff: &StaffSession, export_worker: Option<std::time::Duration>) -> String {
    let schedule = match export_worker {
        Some(period) => {
            let minutes = period.as_secs() / 60;
            ja_en(
                &format!(
                    "配布ファイルは{minutes}分ごとに自動で作られます。陽性登録をすぐに配布したいときは、今すぐ実行できます。"
                ),
                &format!(
                    "Export files are made every {minutes} minutes by themselves. To send an upload out at once, run an export now."
                ),
            )
        }
        None => ja_en(
            "このサーバーでは自動のエクスポートが止まっています（--no-export-worker）。陽性登録を配布するには、ここで実行してください。",
            "This server's scheduled export is off (--no-export-worker): run exports here to send uploads out.",
        ),
    };
    format!(
        "<form class=\"box\" method=\"post\" action=\"{EXPORT_PATH}\" id=\"export-form\">\
         <h2>{}</h2><p>{schedule}</p><p>{}</p>{}\
         <button type=\"submit\" id=\"export\">{}</button></form>",
        ja_en("配布ファイルのエクスポート", "Export files"),
        ja_en(
            "サーバーのコマンドでも実行できます: mimamori-diagnosis-server export",
            "The server command does the same: mimamori-diagnosis-server export",
        ),
        csrf_field(&staff.csrf()),
        ja_en("今すぐエクスポート", "Export now"),
    )
}

/// What an export run did, in words.
pub fn export_outcome_words(outcome: &crate::export::ExportOutcome) -> (String, String) {
    if outcome.files.is_empty() {
        (
            "新しく配布する鍵はありませんでした（一覧は更新しました）。".into(),
            "No new keys to export (the lists were rewritten).".into(),
        )
    } else {
        (
            format!(
                "配布ファイルを{}件作りました（鍵{}件、ダミー{}件）。",
                outcome.files.len(),
                outcome.keys,
                outcome.padding_keys
            ),
            format!(
                "Made {} export file(s): {} key(s) and {} padding key(s).",
                outcome.files.len(),
                outcome.keys,
                outcome.padding_keys
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        let page = status_page(
            &StaffSession::for_tests("<b>staff</b>"),
            "\"><img src=x>",
            StatusView::Form,
            None,
        );
        assert!(!page.contains("<b>staff"));
        assert!(!page.contains("<img"));
        assert!(page.contains("&lt;b&gt;staff&lt;/b&gt;"));
    }

    #[test]
    fn times_are_shown_in_japan_time() {
        // 2026-11-20 12:00 UTC is 21:00 in Japan.
        assert_eq!(display_time(1_795_176_000), "2026-11-20 21:00 JST");
        assert_eq!(display_time(i64::MAX), "-");
    }

    #[test]
    fn code_states() {
        let mut status = CodeStatus {
            id: "x".into(),
            test_type: TestType::Confirmed,
            issued_at: 100,
            expires_at: 1000,
            redeemed_at: None,
            expired_at: None,
            issued_by: None,
        };
        assert_eq!(CodeState::of(&status, 999), CodeState::Valid);
        assert_eq!(CodeState::of(&status, 1000), CodeState::Expired);
        status.expired_at = Some(500);
        assert_eq!(CodeState::of(&status, 600), CodeState::Expired);
        status.redeemed_at = Some(400);
        assert_eq!(CodeState::of(&status, 600), CodeState::Redeemed);
    }

    #[test]
    fn issued_code_is_shown_large_with_expiry() {
        let issued = IssuedCode {
            id: "abc".into(),
            code: "01234567".into(),
            expires_at: 1_795_176_900,
        };
        let page = issued_page(
            &StaffSession::for_tests("staff"),
            &issued,
            TestType::Confirmed,
            1_795_176_000,
        );
        assert!(page.contains("<p class=\"code\" id=\"issued-code\">01234567</p>"));
        assert!(page.contains("2026-11-20 21:15 JST"));
        assert!(page.contains("あと15分"));
        assert!(page.contains("処理番号"));
    }
}
