//! Reading the text arguments the platforms pass: days and public keys.

use time::macros::format_description;

use crate::MimamoriError;

/// Parses a `YYYY-MM-DD` day; `name` is the argument's name for the message.
pub(crate) fn parse_day(name: &str, text: &str) -> Result<time::Date, MimamoriError> {
    time::Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|error| {
        MimamoriError::InvalidInput {
            reason: format!("{name} must be a day written YYYY-MM-DD, such as 2020-04-02: {error}"),
        }
    })
}

/// Parses each of `texts` with `parse` (public keys, PEM or base64 DER); the first that does not
/// parse is the error.
pub(crate) fn parse_each<T, E: Into<MimamoriError>>(
    texts: &[String],
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Vec<T>, MimamoriError> {
    texts
        .iter()
        .map(|text| parse(text).map_err(Into::into))
        .collect()
}
