//! The staff portal's HTML forms without JavaScript: a server with one staff account, and a
//! browser with a cookie jar that does not follow redirects.

use std::collections::HashMap;

use mimamori_diagnosis_server::portal;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use super::TestServer;

/// The staff account of the portal tests.
pub const STAFF_NAME: &str = "tanaka";
/// Its password.
pub const STAFF_PASSWORD: &str = "sakura-hokenjo-2026";

/// A test server with the staff account [`STAFF_NAME`].
pub async fn start_portal() -> TestServer {
    let server = super::start().await;
    add_staff(&server).await;
    server
}

/// Adds the staff account [`STAFF_NAME`] with [`STAFF_PASSWORD`] to `server`.
pub async fn add_staff(server: &TestServer) {
    portal::add_staff_account(server.server.services(), STAFF_NAME, STAFF_PASSWORD)
        .await
        .unwrap();
}

/// A browser without JavaScript: a cookie jar, no automatic redirects.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    pub cookies: HashMap<String, String>,
    /// `Set-Cookie` values of the last response.
    pub last_set_cookies: Vec<String>,
    /// `X-Forwarded-For` sent with every request (a client behind a trusted proxy).
    pub forwarded_for: Option<String>,
}

/// A response as the browser saw it.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as text (lossy for binary bodies: see `bytes`).
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// The value of the page's CSRF field.
    pub fn csrf(&self) -> String {
        between(&self.body, "name=\"csrf\" value=\"", "\"").expect("a CSRF field")
    }
}

/// The text of `text` between the first `start` and the next `end`.
pub fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(text[from..to].to_owned())
}

impl Browser {
    pub fn new(base: String) -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base,
            cookies: HashMap::new(),
            last_set_cookies: Vec::new(),
            forwarded_for: None,
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Sends `request` with the cookies (and `X-Forwarded-For`), keeps the cookies it sets.
    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let mut request = request.header("Cookie", self.cookie_header());
        if let Some(address) = &self.forwarded_for {
            request = request.header("X-Forwarded-For", address);
        }
        let response = request.send().await.unwrap();
        self.last_set_cookies.clear();
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap().to_owned();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.into(), value.into());
            }
            self.last_set_cookies.push(text);
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap().to_vec();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.client.post(format!("{}{path}", self.base)).form(form);
        self.send(request).await
    }

    /// Posts a multipart form, as a browser does (`files` are (field, file name, content)).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str)],
    ) -> Page {
        let boundary = "----mimamori-test-boundary-7d1f";
        let mut body = String::new();
        for (name, value) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        for (name, file_name, content) in files {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        self.send(request).await
    }

    pub async fn log_in(&mut self, name: &str, password: &str) -> Page {
        let form = self.get(portal::LOGIN_PATH).await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.csrf();
        self.post(
            portal::LOGIN_PATH,
            &[("csrf", &csrf), ("name", name), ("password", password)],
        )
        .await
    }

    /// The CSRF token of the logged-in session (from the issue form).
    pub async fn session_csrf(&mut self) -> String {
        let page = self.get(portal::CODES_PATH).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        page.csrf()
    }

    /// Issues a code through the form; returns the page.
    pub async fn issue(&mut self, test_type: &str, symptom_date: &str) -> Page {
        let csrf = self.session_csrf().await;
        self.post(
            portal::CODES_PATH,
            &[
                ("csrf", &csrf),
                ("test_type", test_type),
                ("symptom_date", symptom_date),
                ("test_date", ""),
            ],
        )
        .await
    }
}
