//! Registering a venue: the form (Iwate's fields plus rooms), its checks, the answer with each
//! room's QR text, and the request for one room's poster or QR image.

use serde::{Deserialize, Serialize};

use mimamori_venue::{DEFAULT_STAY_MINUTES_RANGE, MAX_NAME_CHARS, MAX_ROOM_CHARS, VenueType};

/// Most rooms (QR codes) in one registration.
pub const MAX_ROOMS: usize = 50;

/// Longest address line, in characters.
pub const MAX_ADDRESS_LINE_CHARS: usize = 90;

/// Longest e-mail address, in characters (the RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Default stay when the form leaves it empty, in minutes (visitors are checked out after it).
pub const DEFAULT_STAY_MINUTES: u16 = 120;

/// The capacity bands of the form (利用規模数): slug, Japanese, English. Iwate's form has the
/// field but the source does not list its choices; these bands are Mimamori's.
pub const CAPACITY_BANDS: [(&str, &str, &str); 6] = [
    ("up_to_10", "10人以下", "up to 10 people"),
    ("11_50", "11〜50人", "11 to 50 people"),
    ("51_100", "51〜100人", "51 to 100 people"),
    ("101_300", "101〜300人", "101 to 300 people"),
    ("301_1000", "301〜1,000人", "301 to 1,000 people"),
    ("over_1000", "1,001人以上", "over 1,000 people"),
];

/// What a registration says about the venue and its operator, as text: the part of the form
/// that the server keeps (sealed) once checked. Part of [`RegistrationForm`] and [`VenueDetails`], whose
/// JSON holds these fields flat.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VenueFields {
    /// Business type slug (`restaurant_bar`, `theatre`, ... see [`VenueType::slug`]).
    pub venue_type: String,
    /// Capacity band slug ([`CAPACITY_BANDS`]).
    pub capacity: String,
    /// Name of the facility, shop or event.
    pub name: String,
    /// Postal code, `NNN-NNNN` (the form also takes seven digits).
    pub postal_code: String,
    /// Address line 1.
    pub address1: String,
    /// Address line 2 (number, building), optional.
    pub address2: String,
    /// Telephone number (10 or 11 digits, hyphens allowed).
    pub phone: String,
    /// E-mail address.
    pub email: String,
}

debug_showing_only!(VenueFields { venue_type });

impl VenueFields {
    /// The address lines as printed: `address1`, and `address2` after a space when given.
    pub fn address(&self) -> String {
        if self.address2.is_empty() {
            self.address1.clone()
        } else {
            format!("{} {}", self.address1, self.address2)
        }
    }
}

/// The registration form as submitted: the JSON body of [`super::REGISTRATIONS_PATH`] (the
/// server's HTML form has the same names, with `rooms` one a line). Every field may be absent;
/// [`RegistrationForm::check`] says what is missing.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RegistrationForm {
    /// The venue and its operator.
    #[serde(flatten)]
    pub venue: VenueFields,
    /// Consent to the terms of use (required).
    pub consent: bool,
    /// Opt-in to news and surveys from the authority.
    pub opt_in: bool,
    /// Room, floor or table labels, one QR each; empty for one code for the whole venue.
    pub rooms: Vec<String>,
    /// Minutes after which visitors are checked out automatically (1 to 1440; default
    /// [`DEFAULT_STAY_MINUTES`]).
    pub default_stay_minutes: Option<u16>,
}

debug_showing_only!(RegistrationForm { venue });

/// One problem with a submitted form, for the field it concerns (in the `problems` of an
/// [`super::ErrorResponse`] with the code [`super::INVALID_REGISTRATION`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationProblem {
    /// The field's name in the form and the JSON (`venueType`, `postalCode`, ...).
    pub field: String,
    /// What is wrong, in Japanese.
    pub ja: String,
    /// What is wrong, in English.
    pub en: String,
}

impl RegistrationProblem {
    fn new(field: &str, ja: &str, en: &str) -> Self {
        Self {
            field: field.to_owned(),
            ja: ja.to_owned(),
            en: en.to_owned(),
        }
    }
}

/// A registration form that passed [`RegistrationForm::check`], trimmed and normalised (what
/// the server seals into the venue's record).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VenueDetails {
    /// The venue and its operator: the type and band known, the postal code `NNN-NNNN`.
    #[serde(flatten)]
    pub venue: VenueFields,
    /// Opt-in to news and surveys from the authority.
    pub opt_in: bool,
    /// Minutes after which visitors are checked out automatically.
    pub default_stay_minutes: u16,
}

debug_showing_only!(VenueDetails { venue });

/// What [`RegistrationForm::check`] gives: the details and the room labels (at least one; the
/// empty label stands for the whole venue).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedRegistration {
    /// The normalised details.
    pub details: VenueDetails,
    /// The room labels, trimmed, distinct; `[""]` when the form named none.
    pub rooms: Vec<String>,
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

impl RegistrationForm {
    /// Checks every field and reports all problems at once, each with its field's name and a
    /// message in Japanese and English.
    ///
    /// # Errors
    ///
    /// The problems, when any field is missing or malformed.
    pub fn check(&self) -> Result<CheckedRegistration, Vec<RegistrationProblem>> {
        let problem = RegistrationProblem::new;
        let mut problems = Vec::new();
        let venue_type = self.venue.venue_type.trim();
        let capacity = self.venue.capacity.trim();
        problems.extend(failed_rules([
            (
                VenueType::from_slug(venue_type).is_ok(),
                "venueType",
                "業態を選択してください。",
                "Choose the business type.",
            ),
            (
                CAPACITY_BANDS.iter().any(|(slug, _, _)| *slug == capacity),
                "capacity",
                "利用規模数を選択してください。",
                "Choose the capacity band.",
            ),
        ]));
        let name = self.venue.name.trim();
        problems.extend(line_problem(
            "name",
            name,
            MAX_NAME_CHARS,
            Some((
                "施設・店舗・イベント名を入力してください。",
                "Enter the name of the facility, shop or event.",
            )),
            (
                "施設・店舗・イベント名は100文字以内で入力してください。",
                "The name must be at most 100 characters on one line.",
            ),
        ));
        let postal_code = normalised_postal_code(&self.venue.postal_code).unwrap_or_else(|| {
            problems.push(problem(
                "postalCode",
                "郵便番号は7桁の数字（例 020-8570）で入力してください。",
                "Enter the postal code as 7 digits (e.g. 020-8570).",
            ));
            String::new()
        });
        let address1 = self.venue.address1.trim();
        problems.extend(line_problem(
            "address1",
            address1,
            MAX_ADDRESS_LINE_CHARS,
            Some(("住所1を入力してください。", "Enter address line 1.")),
            (
                "住所1は90文字以内で入力してください。",
                "Address line 1 must be at most 90 characters.",
            ),
        ));
        let address2 = self.venue.address2.trim();
        problems.extend(line_problem(
            "address2",
            address2,
            MAX_ADDRESS_LINE_CHARS,
            None,
            (
                "住所2は90文字以内で入力してください。",
                "Address line 2 must be at most 90 characters.",
            ),
        ));
        let phone = self.venue.phone.trim();
        let email = self.venue.email.trim();
        let stay = self.default_stay_minutes.unwrap_or(DEFAULT_STAY_MINUTES);
        problems.extend(failed_rules([
            (
                is_phone_number(phone),
                "phone",
                "電話番号は0から始まる10桁または11桁の数字（例 019-629-5487）で入力してください。",
                "Enter the phone number as 10 or 11 digits starting with 0 (e.g. 019-629-5487).",
            ),
            (
                is_email_address(email),
                "email",
                "メールアドレスを正しく入力してください（例 email@example.com）。",
                "Enter a valid e-mail address (e.g. email@example.com).",
            ),
            (
                self.consent,
                "consent",
                "利用規約に同意してください。",
                "You must agree to the terms of use.",
            ),
            (
                DEFAULT_STAY_MINUTES_RANGE.contains(&stay),
                "defaultStayMinutes",
                "標準の滞在時間は1〜1440分で入力してください。",
                "The usual stay must be 1 to 1440 minutes.",
            ),
        ]));
        let mut rooms: Vec<String> = self
            .rooms
            .iter()
            .map(|room| room.trim().to_owned())
            .filter(|room| !room.is_empty())
            .collect();
        if rooms.len() > MAX_ROOMS {
            problems.push(problem(
                "rooms",
                "部屋・区画は50件までです。",
                "At most 50 rooms.",
            ));
        }
        if rooms
            .iter()
            .any(|room| room.chars().count() > MAX_ROOM_CHARS || has_control(room))
        {
            problems.push(problem(
                "rooms",
                "部屋・区画の名前は1行50文字以内で入力してください。",
                "Each room label must be at most 50 characters.",
            ));
        }
        let mut sorted = rooms.clone();
        sorted.sort();
        if sorted.windows(2).any(|pair| pair[0] == pair[1]) {
            problems.push(problem(
                "rooms",
                "同じ部屋・区画の名前が重複しています。",
                "Two rooms have the same label.",
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        if rooms.is_empty() {
            rooms.push(String::new());
        }
        Ok(CheckedRegistration {
            details: VenueDetails {
                venue: VenueFields {
                    venue_type: venue_type.to_owned(),
                    capacity: capacity.to_owned(),
                    name: name.to_owned(),
                    postal_code,
                    address1: address1.to_owned(),
                    address2: address2.to_owned(),
                    phone: phone.to_owned(),
                    email: email.to_owned(),
                },
                opt_in: self.opt_in,
                default_stay_minutes: stay,
            },
            rooms,
        })
    }
}

/// The problems of the rules that failed: each rule is whether it holds, its field and its
/// message in Japanese and English.
fn failed_rules<const N: usize>(
    rules: [(bool, &str, &str, &str); N],
) -> impl Iterator<Item = RegistrationProblem> {
    rules
        .into_iter()
        .filter(|(holds, ..)| !holds)
        .map(|(_, field, ja, en)| RegistrationProblem::new(field, ja, en))
}

/// The problem with a line of text `field`, if any: empty when `missing` gives the message
/// for that (a required field), or longer than `max` characters or not on one line.
fn line_problem(
    field: &str,
    text: &str,
    max: usize,
    missing: Option<(&str, &str)>,
    (too_long_ja, too_long_en): (&str, &str),
) -> Option<RegistrationProblem> {
    match missing {
        Some((ja, en)) if text.is_empty() => Some(RegistrationProblem::new(field, ja, en)),
        _ if text.chars().count() > max || has_control(text) => {
            Some(RegistrationProblem::new(field, too_long_ja, too_long_en))
        }
        _ => None,
    }
}

/// A postal code as `NNN-NNNN`: seven digits, full-width digits and hyphens (and the long
/// vowel mark typed for one) allowed; `None` for anything else.
fn normalised_postal_code(text: &str) -> Option<String> {
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| *c != '-' && *c != 'ー' && *c != '－')
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    (digits.len() == 7 && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("{}-{}", &digits[..3], &digits[3..]))
}

/// A Japanese phone number: starts with 0, 10 or 11 digits, single hyphens between them.
fn is_phone_number(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    phone.starts_with('0')
        && (10..=11).contains(&digits)
        && phone.chars().all(|c| c.is_ascii_digit() || c == '-')
        && !phone.contains("--")
}

/// An e-mail address, loosely: `local@domain.tld`, no spaces, at most [`MAX_EMAIL_CHARS`].
fn is_email_address(email: &str) -> bool {
    email.len() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
}

/// The capacity band's label, Japanese and English (the slug itself when it is no band).
pub fn capacity_label(slug: &str) -> String {
    CAPACITY_BANDS
        .iter()
        .find(|(band, _, _)| *band == slug)
        .map_or_else(|| slug.to_owned(), |(_, ja, en)| format!("{ja} {en}"))
}

/// One room's QR. Its poster (PDF) and QR images (PNG, SVG) are fetched one at a time from
/// [`super::POSTERS_PATH`] with this `qr_url` ([`PosterRequest`]), so that the answer stays
/// small.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredRoom {
    /// The label (empty: the whole venue).
    pub room: String,
    /// The QR's text (`https://<host>/v/#...`).
    pub qr_url: String,
}

/// The answer (201) to a registration: everything the operator needs, at once. Shown once; the
/// server keeps none of it readable.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredVenue {
    /// The registration number (public).
    pub registration_id: String,
    /// The private trace code (`XXXX-XXXX-XXXX-XXXX`), also on the operator copy.
    pub trace_code: String,
    /// The manager device's key for notice requests and staff keywords; keep it on that
    /// device only.
    pub manager_key: String,
    /// One QR per room (posters and images from [`super::POSTERS_PATH`]).
    pub rooms: Vec<RegisteredRoom>,
    /// The A4 leaflet PDF, base64.
    pub leaflet_pdf: String,
    /// The A4 operator copy PDF (with the trace code), base64.
    pub operator_copy_pdf: String,
}

debug_showing_only!(RegisteredVenue { registration_id });

/// The body of [`super::POSTERS_PATH`]: which room (by its QR text, which must carry the
/// server's signature) and which file. The QR text travels in a POST body, never in a URL, so
/// that no access log records the venue's seed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PosterRequest {
    /// The room's QR text ([`RegisteredRoom::qr_url`]).
    pub qr_url: String,
    /// `pdf`, `png` or `svg` ([`PosterFormat::as_str`]); anything else is refused with
    /// [`super::BAD_REQUEST`].
    pub format: String,
}

impl PosterRequest {
    /// A request for `qr_url`'s file in `format`.
    pub fn new(qr_url: &str, format: PosterFormat) -> Self {
        Self {
            qr_url: qr_url.to_owned(),
            format: format.as_str().to_owned(),
        }
    }

    /// The format asked for (surrounding spaces ignored); `None` for an unknown one.
    pub fn format(&self) -> Option<PosterFormat> {
        PosterFormat::parse(self.format.trim())
    }
}

/// The files [`super::POSTERS_PATH`] makes for a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PosterFormat {
    /// The A4 poster, PDF.
    Pdf,
    /// The QR code, PNG.
    Png,
    /// The QR code, SVG.
    Svg,
}

impl PosterFormat {
    /// Every format, in the order of their wire names.
    pub const ALL: [PosterFormat; 3] = [Self::Pdf, Self::Png, Self::Svg];

    /// The wire name: `pdf`, `png` or `svg`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Png => "png",
            Self::Svg => "svg",
        }
    }

    /// Parses a wire name; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|format| format.as_str() == text)
    }

    /// The answer's `Content-Type`.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Svg => "image/svg+xml",
        }
    }

    /// The file name the answer's `Content-Disposition` suggests.
    pub const fn file_name(self) -> &'static str {
        match self {
            Self::Pdf => "venue-poster.pdf",
            Self::Png => "venue-qr.png",
            Self::Svg => "venue-qr.svg",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> RegistrationForm {
        RegistrationForm {
            venue: VenueFields {
                venue_type: "restaurant_bar".into(),
                capacity: "11_50".into(),
                name: "居酒屋もしサポ".into(),
                postal_code: "０２０８５７０".into(),
                address1: "岩手県盛岡市内丸10番1号".into(),
                address2: String::new(),
                phone: "019-629-5487".into(),
                email: "owner@example.jp".into(),
            },
            opt_in: false,
            consent: true,
            rooms: vec![" 1階 ".into(), "".into(), "2階".into()],
            default_stay_minutes: None,
        }
    }

    #[test]
    fn a_valid_form_is_normalised() {
        let checked = valid().check().unwrap();
        assert_eq!(checked.details.venue.postal_code, "020-8570");
        assert_eq!(checked.details.default_stay_minutes, DEFAULT_STAY_MINUTES);
        assert_eq!(checked.rooms, ["1階", "2階"]);
        assert_eq!(checked.details.venue.address(), "岩手県盛岡市内丸10番1号");
        let mut whole = valid();
        whole.rooms.clear();
        assert_eq!(whole.check().unwrap().rooms, [""]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let form = RegistrationForm {
            venue: VenueFields {
                venue_type: "casino".into(),
                capacity: "huge".into(),
                name: " ".into(),
                postal_code: "12-34".into(),
                address1: "".into(),
                address2: "x".repeat(91),
                phone: "12345".into(),
                email: "not-an-email".into(),
            },
            opt_in: false,
            consent: false,
            rooms: vec!["A".into(), "A".into()],
            default_stay_minutes: Some(0),
        };
        let Err(problems) = form.check() else {
            panic!("a bad form was accepted")
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        for field in [
            "venueType",
            "capacity",
            "name",
            "postalCode",
            "address1",
            "address2",
            "phone",
            "email",
            "consent",
            "defaultStayMinutes",
            "rooms",
        ] {
            assert!(fields.contains(&field), "{field} not reported: {fields:?}");
        }
    }

    #[test]
    fn phone_numbers_postal_codes_and_addresses_known_answers() {
        assert_eq!(
            normalised_postal_code(" 020ー8570 ").as_deref(),
            Some("020-8570")
        );
        assert_eq!(normalised_postal_code("02085700"), None);
        assert!(is_phone_number("0196295487") && is_phone_number("090-1234-5678"));
        assert!(!is_phone_number("019--629-5487") && !is_phone_number("19-629-5487"));
        assert!(is_email_address("a@b.jp"));
        for bad in ["a@b", "@b.jp", "a@.b", "a@b.", "a b@c.jp", "a@b@c.jp"] {
            assert!(!is_email_address(bad), "{bad}");
        }
        assert_eq!(capacity_label("11_50"), "11〜50人 11 to 50 people");
        assert_eq!(capacity_label("huge"), "huge");
    }

    #[test]
    fn registration_json_names_are_the_servers_camel_case() {
        let form: RegistrationForm = serde_json::from_str(
            r#"{"venueType":"theatre","capacity":"51_100","name":"N","postalCode":"020-8570",
                "address1":"A","address2":"B","phone":"0196295487","email":"a@b.jp",
                "consent":true,"optIn":true,"rooms":["1F"],"defaultStayMinutes":90}"#,
        )
        .unwrap();
        assert_eq!(form.venue.venue_type, "theatre");
        assert_eq!(form.venue.postal_code, "020-8570");
        assert!(form.opt_in && form.consent);
        assert_eq!(form.default_stay_minutes, Some(90));
        let checked = form.check().unwrap();
        assert_eq!(checked.details.venue.address(), "A B");
        assert_eq!(
            serde_json::to_value(&checked.details).unwrap(),
            serde_json::json!({
                "venueType": "theatre", "capacity": "51_100", "name": "N",
                "postalCode": "020-8570", "address1": "A", "address2": "B",
                "phone": "0196295487", "email": "a@b.jp", "optIn": true,
                "defaultStayMinutes": 90,
            })
        );
        let empty: RegistrationForm = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, RegistrationForm::default());
        assert_eq!(
            serde_json::from_value::<RegistrationForm>(serde_json::to_value(&form).unwrap())
                .unwrap(),
            form
        );
        assert!(
            !format!("{form:?}").contains("a@b.jp"),
            "no e-mail in Debug"
        );
    }

    #[test]
    fn registered_venue_json_known_answer() {
        let text = r#"{"registrationId":"R7K2M9QX4D","traceCode":"ABCD-EFGH-JKMN-PQRS","managerKey":"0123-4567-89AB-CDEF","rooms":[{"room":"1階","qrUrl":"https://h/v/#a"}],"leafletPdf":"JVBERg==","operatorCopyPdf":"JVBERg=="}"#;
        let venue: RegisteredVenue = serde_json::from_str(text).unwrap();
        assert_eq!(venue.rooms[0].qr_url, "https://h/v/#a");
        assert_eq!(serde_json::to_string(&venue).unwrap(), text);
        let debug = format!("{venue:?}");
        assert!(
            !debug.contains("ABCD") && !debug.contains("0123"),
            "{debug}"
        );
        let problem = RegistrationProblem::new("name", "名", "name");
        assert_eq!(
            serde_json::to_string(&problem).unwrap(),
            r#"{"field":"name","ja":"名","en":"name"}"#
        );
    }

    #[test]
    fn poster_requests_name_their_format() {
        let request = PosterRequest::new("https://h/v/#a", PosterFormat::Svg);
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"qrUrl":"https://h/v/#a","format":"svg"}"#
        );
        let typed: PosterRequest =
            serde_json::from_str(r#"{"qrUrl":"q","format":" png "}"#).unwrap();
        assert_eq!(typed.format(), Some(PosterFormat::Png));
        let unknown: PosterRequest = serde_json::from_str(r#"{"format":"gif"}"#).unwrap();
        assert_eq!(unknown.format(), None);
        for format in PosterFormat::ALL {
            assert_eq!(PosterFormat::parse(format.as_str()), Some(format));
        }
        assert_eq!(PosterFormat::Pdf.content_type(), "application/pdf");
    }
}
