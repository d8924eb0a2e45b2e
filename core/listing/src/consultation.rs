//! Where people who feel worse can call: configurable data, Hokkaido's by default.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The default consultation line, from the source: 北海道新型コロナ健康相談センター (0120-501-507).
const HOKKAIDO_JSON: &str = include_str!("consultation.json");

/// The longest name accepted, in characters.
const MAX_NAME_CHARS: usize = 100;

/// A consultation line: the centre's name in Japanese and English and its phone number.
///
/// Read from JSON such as the embedded default:
///
/// ```json
/// { "name_japanese": "北海道新型コロナ健康相談センター",
///   "name_english": "Hokkaido COVID-19 Health Consultation Center",
///   "phone": "0120-501-507" }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consultation {
    /// The centre's name in Japanese.
    pub name_japanese: String,
    /// The centre's name in English.
    pub name_english: String,
    /// The phone number: digits, with hyphens, spaces, parentheses or a leading `+`.
    pub phone: String,
}

impl Consultation {
    /// Hokkaido's line as the source gives it.
    pub fn hokkaido() -> Self {
        // The embedded file is checked by the test `the_embedded_default_is_hokkaidos`.
        Self::from_json(HOKKAIDO_JSON).unwrap_or_else(|_| Self {
            name_japanese: "北海道新型コロナ健康相談センター".to_owned(),
            name_english: "Hokkaido COVID-19 Health Consultation Center".to_owned(),
            phone: "0120-501-507".to_owned(),
        })
    }

    /// Reads a consultation line from JSON (the fields above, no others) and checks it.
    pub fn from_json(json: &str) -> Result<Self> {
        let consultation: Self =
            serde_json::from_str(json).map_err(|error| Error::InvalidConsultation {
                reason: format!(
                    "not a consultation JSON object with name_japanese, name_english and phone \
                     (line {}, column {})",
                    error.line(),
                    error.column()
                ),
            })?;
        consultation.check()?;
        Ok(consultation)
    }

    fn check(&self) -> Result<()> {
        for (field, value) in [
            ("name_japanese", &self.name_japanese),
            ("name_english", &self.name_english),
        ] {
            let count = value.trim().chars().count();
            if count == 0 || count > MAX_NAME_CHARS || value.chars().any(char::is_control) {
                return Err(Error::InvalidConsultation {
                    reason: format!("{field} must be 1 to {MAX_NAME_CHARS} characters on one line"),
                });
            }
        }
        let digits = self.phone.chars().filter(char::is_ascii_digit).count();
        let allowed = self.phone.char_indices().all(|(at, c)| {
            c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')') || (c == '+' && at == 0)
        });
        if !allowed || !(3..=15).contains(&digits) {
            return Err(Error::InvalidConsultation {
                reason: "phone must be 3 to 15 digits, with only hyphens, spaces, parentheses or \
                         a leading +"
                    .to_owned(),
            });
        }
        Ok(())
    }

    /// The source's closing sentence with this line, in Japanese: 「体調悪化などにより、緊急性が
    /// 高い場合は、かかりつけ医または{name}({phone})へご連絡ください。」
    pub fn sentence_japanese(&self) -> String {
        format!(
            "体調悪化などにより、緊急性が高い場合は、かかりつけ医または{}({})へご連絡ください。",
            self.name_japanese, self.phone
        )
    }

    /// The same sentence in English.
    pub fn sentence_english(&self) -> String {
        format!(
            "If your condition gets worse and it is urgent, call your family doctor or the {} \
             ({}).",
            self.name_english, self.phone
        )
    }
}

impl Default for Consultation {
    fn default() -> Self {
        Self::hokkaido()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_is_hokkaidos() {
        let line = Consultation::from_json(HOKKAIDO_JSON).unwrap();
        assert_eq!(line, Consultation::hokkaido());
        assert_eq!(line.phone, "0120-501-507");
        // The sentence with the default line is the source's, verbatim.
        let source: String = include_str!("source_hokkaido.txt")
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '*')
            .collect();
        assert!(source.contains(&line.sentence_japanese()));
    }

    #[test]
    fn another_line_can_be_configured() {
        let line = Consultation::from_json(
            r#"{"name_japanese":"札幌市新型コロナ相談窓口","name_english":"Sapporo line","phone":"+81 11-000-0000"}"#,
        )
        .unwrap();
        assert!(
            line.sentence_japanese()
                .contains("札幌市新型コロナ相談窓口(+81 11-000-0000)")
        );
        assert!(
            line.sentence_english()
                .contains("Sapporo line (+81 11-000-0000)")
        );
    }

    #[test]
    fn bad_lines_are_refused() {
        for json in [
            "",
            "{}",
            r#"{"name_japanese":"x","name_english":"y","phone":"0120-501-507","extra":1}"#,
            r#"{"name_japanese":"","name_english":"y","phone":"0120-501-507"}"#,
            r#"{"name_japanese":"x","name_english":"y","phone":"call us"}"#,
            r#"{"name_japanese":"x","name_english":"y","phone":"12"}"#,
            r#"{"name_japanese":"x\ny","name_english":"y","phone":"0120"}"#,
        ] {
            let error = Consultation::from_json(json).unwrap_err();
            assert!(matches!(error, Error::InvalidConsultation { .. }), "{json}");
        }
    }
}
