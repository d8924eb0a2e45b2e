//! The residents' check-in page at [`CHECK_IN_PREFIX`] (issue 16): the static web app a venue QR
//! code opens (`https://<public URL>/v/#<signed payload>`), embedded in the binary from
//! `diagnosis-server/web/v/`. The same files can be served by any static host or CDN on the
//! server's origin (they fetch only [`mimamori_venue::KEYS_PATH`] and the notice feed).
//!
//! The page is plain ES modules and CSS, no third-party origin, under [`CONTENT_SECURITY_POLICY`].
//! The payload travels in the URL fragment, which browsers never send, so no request tells this
//! server which venue a resident is at; the page keeps visits in the browser only.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Where the check-in page lives: core's [`mimamori_venue::QR_PATH`] (tested).
pub const CHECK_IN_PREFIX: &str = "/v/";

/// The page's script.
pub const CHECK_IN_APP_PATH: &str = "/v/app.js";

/// The venue protocol module the script imports.
pub const CHECK_IN_PROTOCOL_PATH: &str = "/v/venue-protocol.js";

/// The wording of notices, the module the script renders matched notices with.
pub const CHECK_IN_NOTICE_TEXT_PATH: &str = "/v/notice-text.js";

/// The notice check the page's button and the service worker's periodic sync share.
pub const CHECK_IN_NOTICES_PATH: &str = "/v/notices.js";

/// The page's stylesheet.
pub const CHECK_IN_STYLESHEET_PATH: &str = "/v/style.css";

/// The module that keeps visits, notices, consent and the pinned keys in IndexedDB.
pub const CHECK_IN_STORE_PATH: &str = "/v/checkin-store.js";

/// The service worker (an ES module, scope `/v/`) that keeps the page's files for offline
/// check-in and checks notices on a periodic background sync where the browser allows one.
pub const CHECK_IN_SERVICE_WORKER_PATH: &str = "/v/sw.js";

/// The web app manifest (an installable PWA).
pub const CHECK_IN_MANIFEST_PATH: &str = "/v/manifest.webmanifest";

/// The app's icon.
pub const CHECK_IN_ICON_PATH: &str = "/v/icon.svg";

/// Content-Security-Policy of the check-in page: scripts, styles, fetches, the manifest and
/// workers from this origin only; no inline code, no plug-ins, no forms, never framed; DOM
/// writes through Trusted Types only (the page writes text, never markup; its one policy,
/// `mimamori-sw`, allows the service worker's own URL and nothing else).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; manifest-src 'self'; \
     worker-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'; \
     require-trusted-types-for 'script'; trusted-types mimamori-sw";

/// One embedded file of the page: its path, its media type and its bytes.
struct PageFile {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// Every file of the check-in page.
static FILES: [PageFile; 10] = [
    PageFile {
        path: CHECK_IN_PREFIX,
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("../web/v/index.html"),
    },
    PageFile {
        path: CHECK_IN_APP_PATH,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../web/v/app.js"),
    },
    PageFile {
        path: CHECK_IN_PROTOCOL_PATH,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../web/v/venue-protocol.js"),
    },
    PageFile {
        path: CHECK_IN_NOTICE_TEXT_PATH,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../web/v/notice-text.js"),
    },
    PageFile {
        path: CHECK_IN_NOTICES_PATH,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../web/v/notices.js"),
    },
    PageFile {
        path: CHECK_IN_STYLESHEET_PATH,
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../web/v/style.css"),
    },
    PageFile {
        path: CHECK_IN_STORE_PATH,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../web/v/checkin-store.js"),
    },
    PageFile {
        path: CHECK_IN_SERVICE_WORKER_PATH,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../web/v/sw.js"),
    },
    PageFile {
        path: CHECK_IN_MANIFEST_PATH,
        content_type: "application/manifest+json",
        bytes: include_bytes!("../web/v/manifest.webmanifest"),
    },
    PageFile {
        path: CHECK_IN_ICON_PATH,
        content_type: "image/svg+xml",
        bytes: include_bytes!("../web/v/icon.svg"),
    },
];

/// The total size of the page's JavaScript and CSS, in bytes (issue 16 caps it at 60 KB).
pub fn script_and_style_bytes() -> usize {
    FILES
        .iter()
        .filter(|file| {
            file.content_type.starts_with("text/javascript")
                || file.content_type.starts_with("text/css")
        })
        .map(|file| file.bytes.len())
        .sum()
}

/// The total size of every file of the page (HTML, JavaScript, CSS, manifest, icon), in bytes:
/// what a phone downloads at the first scan.
pub fn page_bytes() -> usize {
    FILES.iter().map(|file| file.bytes.len()).sum()
}

/// The path and size in bytes of each file of the page.
pub fn page_files() -> impl Iterator<Item = (&'static str, usize)> {
    FILES.iter().map(|file| (file.path, file.bytes.len()))
}

/// The routes of the check-in page (each path written out: the OpenAPI test reads them).
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(CHECK_IN_PREFIX, get(|| async { serve(CHECK_IN_PREFIX) }))
        .route(
            CHECK_IN_APP_PATH,
            get(|| async { serve(CHECK_IN_APP_PATH) }),
        )
        .route(
            CHECK_IN_PROTOCOL_PATH,
            get(|| async { serve(CHECK_IN_PROTOCOL_PATH) }),
        )
        .route(
            CHECK_IN_NOTICE_TEXT_PATH,
            get(|| async { serve(CHECK_IN_NOTICE_TEXT_PATH) }),
        )
        .route(
            CHECK_IN_NOTICES_PATH,
            get(|| async { serve(CHECK_IN_NOTICES_PATH) }),
        )
        .route(
            CHECK_IN_STYLESHEET_PATH,
            get(|| async { serve(CHECK_IN_STYLESHEET_PATH) }),
        )
        .route(
            CHECK_IN_STORE_PATH,
            get(|| async { serve(CHECK_IN_STORE_PATH) }),
        )
        .route(
            CHECK_IN_SERVICE_WORKER_PATH,
            get(|| async { serve(CHECK_IN_SERVICE_WORKER_PATH) }),
        )
        .route(
            CHECK_IN_MANIFEST_PATH,
            get(|| async { serve(CHECK_IN_MANIFEST_PATH) }),
        )
        .route(
            CHECK_IN_ICON_PATH,
            get(|| async { serve(CHECK_IN_ICON_PATH) }),
        )
}

/// The embedded file at `path`, with the page's headers.
fn serve(path: &str) -> Response {
    let Some(file) = FILES.iter().find(|file| file.path == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            ),
            // Revalidated on every load so that a fixed page reaches phones at once.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
        ],
        file.bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_where_qr_codes_point_and_every_path_has_its_file() {
        assert_eq!(CHECK_IN_PREFIX, mimamori_venue::QR_PATH);
        for path in [
            CHECK_IN_PREFIX,
            CHECK_IN_APP_PATH,
            CHECK_IN_PROTOCOL_PATH,
            CHECK_IN_NOTICE_TEXT_PATH,
            CHECK_IN_NOTICES_PATH,
            CHECK_IN_STYLESHEET_PATH,
            CHECK_IN_STORE_PATH,
            CHECK_IN_SERVICE_WORKER_PATH,
            CHECK_IN_MANIFEST_PATH,
            CHECK_IN_ICON_PATH,
        ] {
            assert_eq!(serve(path).status(), StatusCode::OK, "{path}");
        }
        assert_eq!(serve("/v/missing.js").status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn the_scripts_and_styles_stay_under_60_kb() {
        let total = script_and_style_bytes();
        assert!(total > 0 && total < 60 * 1024, "{total} bytes");
    }
}
