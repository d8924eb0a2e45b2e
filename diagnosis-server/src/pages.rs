//! The one layout of every server-rendered page (the staff portal, the portal's venue notices,
//! the contact listing, the venue operators' forms): plain HTML, Japanese first with English
//! beside it ([`ja_en`]), no JavaScript, every value not written in this crate escaped
//! ([`escape`]). The header names the site and, for a logged-in member of staff, carries the
//! main menu and the logout button.

use std::fmt::Write as _;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::portal::session::StaffSession;
use crate::portal::{CODES_PATH, LOGIN_PATH, LOGOUT_PATH, STATS_PATH, STYLESHEET_PATH};

/// Content-Security-Policy of the pages: no scripts, styles and images from this origin only,
/// forms post only here, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// [`CONTENT_SECURITY_POLICY`] with `data:` images: the venue pages show QR codes and offer
/// downloads as `data:` URLs, so nothing about a venue is fetched again.
pub const CONTENT_SECURITY_POLICY_WITH_DATA_IMAGES: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Japanese text with its English beside it (both escaped).
pub fn ja_en(ja: &str, en: &str) -> String {
    format!(
        "{} <span class=\"en\" lang=\"en\">{}</span>",
        escape(ja),
        escape(en)
    )
}

/// A hidden CSRF field.
pub fn csrf_field(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(csrf)
    )
}

/// Whose page it is: the header's site name and menu.
#[derive(Clone, Copy, Debug)]
pub enum Site<'a> {
    /// The staff portal; with the logged-in member of staff, the main menu and logout.
    Portal(Option<&'a StaffSession>),
    /// The venue operators' pages (no login).
    Venues,
}

/// A whole page: the header, then `title` as the heading and `body`.
pub fn layout(title_ja: &str, title_en: &str, site: Site<'_>, body: &str) -> String {
    let mut page = String::with_capacity(body.len() + 2048);
    let (site_ja, site_en) = match site {
        Site::Portal(_) => ("みまもり 保健所向けポータル", "Mimamori staff portal"),
        Site::Venues => ("みまもり 来店記録", "Mimamori venue check-in"),
    };
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{} / {} — みまもり</title>\
         <link rel=\"stylesheet\" href=\"{STYLESHEET_PATH}\"></head><body><header>\
         <strong>{} <span class=\"en\" lang=\"en\">{}</span></strong>",
        escape(title_ja),
        escape(title_en),
        escape(site_ja),
        escape(site_en),
    );
    if let Site::Portal(Some(staff)) = site {
        page.push_str(&main_menu(staff));
    }
    let _ = writeln!(
        page,
        "</header><main><h1>{}</h1>{body}</main></body></html>",
        ja_en(title_ja, title_en)
    );
    page
}

/// The portal's main menu, the staff name and the logout button.
fn main_menu(staff: &StaffSession) -> String {
    let mut menu = String::from("<nav>");
    let entries = [
        (
            CODES_PATH,
            "nav-codes",
            "処理番号の発行・確認",
            "Issue and check codes",
        ),
        (STATS_PATH, "nav-stats", "統計", "Statistics"),
        (
            crate::venues::PORTAL_VENUES_PATH,
            "nav-venues",
            "店舗・施設のお知らせ",
            "Venue notices",
        ),
        (
            crate::listing_page::LISTING_PATH,
            "nav-listing",
            "接触者リスト",
            "Contact listing",
        ),
    ];
    for (path, id, ja, en) in entries {
        let _ = write!(menu, "<a href=\"{path}\" id=\"{id}\">{}</a>", ja_en(ja, en));
    }
    let _ = write!(
        menu,
        "<span>{}</span><form method=\"post\" action=\"{LOGOUT_PATH}\">{}\
         <button type=\"submit\" id=\"logout\">{}</button></form></nav>",
        escape(staff.name()),
        csrf_field(&staff.csrf()),
        ja_en("ログアウト", "Log out"),
    );
    menu
}

/// A page saying what went wrong; on the portal with a link to the login page.
pub fn problem_page(site: Site<'_>, ja: &str, en: &str) -> String {
    let mut body = format!("<p class=\"error\" id=\"problem\">{}</p>", ja_en(ja, en));
    if let Site::Portal(_) = site {
        let _ = write!(
            body,
            "<p><a href=\"{LOGIN_PATH}\">{}</a></p>",
            ja_en("ログイン画面へ", "To the login page")
        );
    }
    layout("エラー", "Error", site, &body)
}

/// An HTML answer, never cached (the routers' layers add the security headers).
pub fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// The layer of the pages' routers: never cached unless the route said otherwise (the
/// stylesheet), [`CONTENT_SECURITY_POLICY`] unless the route set a policy of its own. (Never
/// framed, no sniffing and no referrer come from [`crate::routes::every_response`], around
/// every route.)
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            ja_en("<b>", "&"),
            "&lt;b&gt; <span class=\"en\" lang=\"en\">&amp;</span>"
        );
    }

    #[test]
    fn pages_have_one_skeleton_and_the_menu_only_for_staff() {
        let venue = layout("題", "Title <x>", Site::Venues, "<p>body</p>");
        assert!(venue.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
        assert!(venue.contains("<title>題 / Title &lt;x&gt; — みまもり</title>"));
        assert!(venue.contains("Mimamori venue check-in"));
        assert!(venue.contains("<main><h1>題 <span class=\"en\" lang=\"en\">Title &lt;x&gt;</span></h1><p>body</p></main>"));
        assert!(!venue.contains("<nav>"));
        let login = layout("ログイン", "Log in", Site::Portal(None), "");
        assert!(login.contains("Mimamori staff portal") && !login.contains("id=\"logout\""));
        let problem = problem_page(Site::Portal(None), "だめ", "No");
        assert!(problem.contains("id=\"problem\"") && problem.contains(LOGIN_PATH));
        assert!(!problem_page(Site::Venues, "だめ", "No").contains(LOGIN_PATH));
    }
}
