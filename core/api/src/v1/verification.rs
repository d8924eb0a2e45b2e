//! The exchange of a verification code for a token and of a token for a certificate, in the
//! JSON of Google's exposure-notifications-verification-server.

use serde::{Deserialize, Serialize};

use mimamori_gaen::windows::ReportType;

/// Digits in a verification code (Google's verification server's default short code).
pub const VERIFICATION_CODE_DIGITS: usize = 8;

/// The kind of diagnosis a verification code confirms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestType {
    /// A confirmed positive test.
    Confirmed,
    /// A clinical diagnosis without a test ("likely").
    Likely,
    /// A negative test, revoking keys uploaded earlier as likely.
    Negative,
}

impl TestType {
    /// Every test type, in the order of their wire names.
    pub const ALL: [TestType; 3] = [TestType::Confirmed, TestType::Likely, TestType::Negative];

    /// The wire name: `confirmed`, `likely` or `negative`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TestType::Confirmed => "confirmed",
            TestType::Likely => "likely",
            TestType::Negative => "negative",
        }
    }

    /// Parses a wire name; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The report type the keys of such a diagnosis carry in export files (as Google's
    /// verification server maps them: confirmed → confirmed test, likely → clinical diagnosis,
    /// negative → revoked).
    pub const fn report_type(self) -> ReportType {
        match self {
            TestType::Confirmed => ReportType::ConfirmedTest,
            TestType::Likely => ReportType::ConfirmedClinicalDiagnosis,
            TestType::Negative => ReportType::Revoked,
        }
    }
}

impl std::fmt::Display for TestType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A phone's request to trade a verification code for a token.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyCodeRequest {
    /// The 8-digit code the resident was given.
    #[serde(default)]
    pub code: String,
    /// The test types this app can handle; a code of another type is refused. Empty means only
    /// `confirmed`, as Google's server treats an absent list.
    #[serde(rename = "accept", default, skip_serializing_if = "Vec::is_empty")]
    pub accept_test_types: Vec<TestType>,
    /// Random padding, ignored by the server.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub padding: String,
}

debug_showing_only!(VerifyCodeRequest { accept_test_types });

/// Declares an answer of Google's verification server: the fields given, then the `error`,
/// `errorCode` and `padding` that every answer of it carries.
macro_rules! verification_answer {
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name {
            $($fields)*
            /// What was wrong; empty on success.
            #[serde(default, skip_serializing_if = "String::is_empty")]
            pub error: String,
            /// A machine-readable error code (the type's documentation lists them); empty on
            /// success.
            #[serde(rename = "errorCode", default, skip_serializing_if = "String::is_empty")]
            pub error_code: String,
            /// Random padding, to be ignored.
            #[serde(default, skip_serializing_if = "String::is_empty")]
            pub padding: String,
        }
    };
}

verification_answer! {
    /// The answer to a [`VerifyCodeRequest`]. Its error codes are Google's: `code_invalid`,
    /// `code_expired`, `code_not_found`, `unsupported_test_type`, `bad_request`.
    pub struct VerifyCodeResponse {
        /// The test type the code was issued for; absent on error.
        #[serde(rename = "testtype", default, skip_serializing_if = "Option::is_none")]
        pub test_type: Option<TestType>,
        /// The symptom onset (or test) date the staff entered, `YYYY-MM-DD`, when given.
        #[serde(rename = "symptomDate", default, skip_serializing_if = "Option::is_none")]
        pub symptom_date: Option<String>,
        /// The token to trade for a certificate (a signed JWT, valid for minutes); empty on
        /// error.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        pub token: String,
    }
}

/// A phone's request to trade a token and the HMAC of its keys for a certificate.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateRequest {
    /// The token from [`VerifyCodeResponse::token`].
    #[serde(default)]
    pub token: String,
    /// [`super::key_hmac`] of the keys to upload, base64.
    #[serde(default)]
    pub ekeyhmac: String,
    /// Random padding, ignored by the server.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub padding: String,
}

debug_showing_only!(CertificateRequest {});

verification_answer! {
    /// The answer to a [`CertificateRequest`]. Its error codes: `token_invalid`,
    /// `token_expired`, `hmac_invalid`, `bad_request`.
    pub struct CertificateResponse {
        /// The certificate (a signed JWT carrying the report type, the symptom onset interval
        /// and the key HMAC), for [`super::PublishRequest::verification_payload`]; empty on
        /// error.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        pub certificate: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_are_those_of_googles_verification_server() {
        let request: VerifyCodeRequest =
            serde_json::from_str(r#"{"code":"12345678","accept":["confirmed","likely"]}"#).unwrap();
        assert_eq!(request.code, "12345678");
        assert_eq!(
            request.accept_test_types,
            [TestType::Confirmed, TestType::Likely]
        );
        assert!(!format!("{request:?}").contains("12345678"));

        let response = VerifyCodeResponse {
            test_type: Some(TestType::Likely),
            symptom_date: Some("2026-11-20".into()),
            token: "t".into(),
            ..Default::default()
        };
        let json = serde_json::to_string(&response).unwrap();
        assert_eq!(
            json,
            r#"{"testtype":"likely","symptomDate":"2026-11-20","token":"t"}"#
        );
        let error: VerifyCodeResponse =
            serde_json::from_str(r#"{"error":"bad","errorCode":"code_invalid"}"#).unwrap();
        assert_eq!(error.error_code, "code_invalid");

        let certificate: CertificateRequest =
            serde_json::from_str(r#"{"token":"t","ekeyhmac":"aA=="}"#).unwrap();
        assert_eq!(certificate.ekeyhmac, "aA==");
        let answer: CertificateResponse =
            serde_json::from_str(r#"{"certificate":"c","errorCode":""}"#).unwrap();
        assert_eq!(answer.certificate, "c");
    }

    #[test]
    fn unknown_test_types_are_refused() {
        assert!(serde_json::from_str::<VerifyCodeRequest>(r#"{"accept":["positive"]}"#).is_err());
        assert_eq!(TestType::parse("negative"), Some(TestType::Negative));
        assert_eq!(TestType::parse("Negative"), None);
        assert_eq!(
            TestType::Likely.report_type(),
            ReportType::ConfirmedClinicalDiagnosis
        );
    }
}
