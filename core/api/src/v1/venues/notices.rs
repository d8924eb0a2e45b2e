//! Notices: the operator's request (from the manager's device or staff with a one-time
//! keyword), the authority's decision on it, and the authority's direct publication with the
//! operator's trace code.

use serde::{Deserialize, Serialize};

/// What a notice is: template, JST date, window, rooms. Part of [`NoticeRequest`],
/// [`DirectNotice`] and [`RequestSummary`]; the server checks it against its clock and the
/// venue's rooms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NoticeFields {
    /// `tokyo_positive_visitor`, `tokyo_cluster` or `iwate_same_day`
    /// ([`mimamori_venue::NoticeTemplate::slug`]).
    pub template: String,
    /// JST date, `YYYY-MM-DD`.
    pub date: String,
    /// First hour of the window (0 to 23).
    pub from_hour: Option<u8>,
    /// Hour the window ends (1 to 24).
    pub to_hour: Option<u8>,
    /// The whole day (Iwate's same-day rule); the hours are ignored.
    pub whole_day: bool,
    /// Room labels the notice is for; empty: every room.
    pub rooms: Vec<String>,
}

/// The body of [`super::NOTICE_REQUESTS_PATH`]: the notice and exactly one credential.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeRequest {
    /// The manager device's key ([`super::RegisteredVenue::manager_key`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_key: Option<String>,
    /// A one-time staff keyword ([`Keyword`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// The notice.
    #[serde(flatten)]
    pub fields: NoticeFields,
}

debug_showing_only!(NoticeRequest { fields });

impl NoticeRequest {
    /// The credential, when exactly one of `managerKey` and `keyword` is given.
    pub fn credential(&self) -> Option<Credential<'_>> {
        match (&self.manager_key, &self.keyword) {
            (Some(key), None) => Some(Credential::Manager(key)),
            (None, Some(keyword)) => Some(Credential::Keyword(keyword)),
            _ => None,
        }
    }
}

/// Who files a notice request.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// The manager's device, with the manager key as typed.
    Manager(&'a str),
    /// Staff, with a one-time keyword as typed.
    Keyword(&'a str),
}

impl std::fmt::Debug for Credential<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Manager(_) => "Manager(<redacted>)",
            Self::Keyword(_) => "Keyword(<redacted>)",
        })
    }
}

/// The body of [`super::KEYWORDS_PATH`]: the manager's device asks for a staff keyword.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeywordRequest {
    /// The manager device's key.
    pub manager_key: String,
}

debug_showing_only!(KeywordRequest {});

/// The answer (201) to a [`KeywordRequest`]: a keyword that lets one member of staff file one
/// request before it expires.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Keyword {
    /// The keyword, `XXXX-XXXX-XXXX-XXXX`.
    pub keyword: String,
    /// When it expires, Unix seconds.
    pub expires_at: i64,
}

debug_showing_only!(Keyword { expires_at });

/// Where a notice request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    /// Filed, waiting for authority staff.
    Pending,
    /// Approved: its notice is published.
    Approved,
    /// Rejected: nothing was published.
    Rejected,
}

impl RequestStatus {
    /// The wire name: `pending`, `approved` or `rejected`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    /// The status a decision gives: approved or rejected.
    pub const fn decided(approve: bool) -> Self {
        if approve {
            Self::Approved
        } else {
            Self::Rejected
        }
    }
}

/// The answer (202) to a [`NoticeRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeRequested {
    /// The request's id, for the authority's decision.
    pub request_id: String,
    /// Always [`RequestStatus::Pending`].
    pub status: RequestStatus,
}

/// A pending request as authority staff see it (opened with the authority's key).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestSummary {
    /// The request id.
    #[serde(default)]
    pub id: String,
    /// Registration number.
    pub registration_id: String,
    /// Venue name.
    pub venue_name: String,
    /// Venue phone.
    pub venue_phone: String,
    /// Who asked: `manager` or `staff`.
    pub requested_by: String,
    /// When, Unix seconds.
    pub requested_at: i64,
    /// The notice.
    pub notice: NoticeFields,
}

/// The answer to `GET` [`super::AUTHORITY_REQUESTS_PATH`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct PendingRequests {
    /// The pending requests, oldest first.
    pub requests: Vec<RequestSummary>,
}

/// The answer (200) to [`super::AUTHORITY_APPROVE_PATH`] and [`super::AUTHORITY_REJECT_PATH`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Decision {
    /// [`RequestStatus::Approved`] or [`RequestStatus::Rejected`].
    pub status: RequestStatus,
}

/// The body of [`super::AUTHORITY_NOTICES_PATH`]: authority staff publish a notice at once
/// with the operator's trace code.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectNotice {
    /// The operator's trace code, as typed.
    pub trace_code: String,
    /// The notice.
    #[serde(flatten)]
    pub fields: NoticeFields,
}

debug_showing_only!(DirectNotice { fields });

/// The answer (201) to a [`DirectNotice`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Published {
    /// How many feed entries were published (one per room).
    pub published: usize,
}

/// Why a notice request or publication was refused (nothing was stored or changed); its
/// [`NoticeProblem::code`] is the `code` of the [`super::ErrorResponse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeProblem {
    /// No venue has this trace code / manager key / keyword (or it expired, or was used).
    UnknownCode,
    /// Unknown template.
    BadTemplate,
    /// The date is not `YYYY-MM-DD`, in the future, or older than 14 days.
    BadDate,
    /// The window is not whole hours `from < to` within the day.
    BadWindow,
    /// A room label is not one of the venue's.
    UnknownRoom,
    /// No pending request has this id.
    UnknownRequest,
}

impl NoticeProblem {
    /// Every problem.
    pub const ALL: [NoticeProblem; 6] = [
        Self::UnknownCode,
        Self::BadTemplate,
        Self::BadDate,
        Self::BadWindow,
        Self::UnknownRoom,
        Self::UnknownRequest,
    ];

    /// Machine-readable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::UnknownCode => "unknown_code",
            Self::BadTemplate => "bad_template",
            Self::BadDate => "bad_date",
            Self::BadWindow => "bad_window",
            Self::UnknownRoom => "unknown_room",
            Self::UnknownRequest => "unknown_request",
        }
    }

    /// The problem a refusal's `code` names; `None` for another code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|problem| problem.code() == code)
    }

    /// The HTTP status of the refusal: 404 for an unknown code or request, else 400.
    pub const fn status(self) -> u16 {
        match self {
            Self::UnknownCode | Self::UnknownRequest => 404,
            _ => 400,
        }
    }

    /// The message, Japanese and English.
    pub const fn messages(self) -> (&'static str, &'static str) {
        match self {
            Self::UnknownCode => (
                "コードが正しくないか、期限切れまたは使用済みです。何も変更していません。",
                "The code is wrong, expired or already used; nothing was changed.",
            ),
            Self::BadTemplate => (
                "テンプレートを選択してください。",
                "Choose a template (tokyo_positive_visitor, tokyo_cluster or iwate_same_day).",
            ),
            Self::BadDate => (
                "日付は今日から14日前までの日付（YYYY-MM-DD）で入力してください。",
                "The date must be YYYY-MM-DD, not in the future and at most 14 days ago (JST).",
            ),
            Self::BadWindow => (
                "時間帯は0〜24時の範囲で、開始を終了より前にしてください。",
                "The window must be whole hours with 0 <= from < to <= 24, or the whole day.",
            ),
            Self::UnknownRoom => (
                "この施設にない部屋・区画が指定されています。",
                "A room is not one of this venue's rooms.",
            ),
            Self::UnknownRequest => (
                "承認待ちの依頼が見つかりません。",
                "No pending request has this id.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn notice_requests_are_flat_camel_case_with_one_credential() {
        let request: NoticeRequest = serde_json::from_value(json!({
            "managerKey": "7K2M-9QXP-4RTV-H8WA", "template": "tokyo_cluster",
            "date": "2026-11-30", "fromHour": 18, "toHour": 21, "wholeDay": false, "rooms": ["1F"],
        }))
        .unwrap();
        assert_eq!(
            request.credential(),
            Some(Credential::Manager("7K2M-9QXP-4RTV-H8WA"))
        );
        assert_eq!(request.fields.from_hour, Some(18));
        assert_eq!(request.fields.rooms, ["1F"]);
        assert!(!format!("{request:?}").contains("7K2M"), "no key in Debug");
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({
                "managerKey": "7K2M-9QXP-4RTV-H8WA", "template": "tokyo_cluster",
                "date": "2026-11-30", "fromHour": 18, "toHour": 21, "wholeDay": false,
                "rooms": ["1F"],
            })
        );
        let staff: NoticeRequest =
            serde_json::from_value(json!({"keyword": "K", "date": "2026-11-30"})).unwrap();
        assert_eq!(staff.credential(), Some(Credential::Keyword("K")));
        assert!(staff.fields.template.is_empty() && !staff.fields.whole_day);
        let both: NoticeRequest =
            serde_json::from_value(json!({"keyword": "K", "managerKey": "M"})).unwrap();
        assert_eq!(both.credential(), None);
        assert_eq!(NoticeRequest::default().credential(), None);
    }

    #[test]
    fn keyword_direct_and_answers_known_answers() {
        let keyword: KeywordRequest = serde_json::from_value(json!({"managerKey": "M"})).unwrap();
        assert_eq!(keyword.manager_key, "M");
        assert!(serde_json::from_value::<KeywordRequest>(json!({})).is_err());
        assert_eq!(
            serde_json::to_value(Keyword {
                keyword: "K".into(),
                expires_at: 7
            })
            .unwrap(),
            json!({"keyword": "K", "expiresAt": 7})
        );
        let direct: DirectNotice = serde_json::from_value(
            json!({"traceCode": "T", "template": "iwate_same_day", "date": "2026-11-19", "wholeDay": true}),
        )
        .unwrap();
        assert_eq!(direct.trace_code, "T");
        assert!(direct.fields.whole_day);
        assert!(serde_json::from_value::<DirectNotice>(json!({"date": "x"})).is_err());
        assert_eq!(
            serde_json::to_value(NoticeRequested {
                request_id: "ab".into(),
                status: RequestStatus::Pending
            })
            .unwrap(),
            json!({"requestId": "ab", "status": "pending"})
        );
        assert_eq!(
            serde_json::to_value(Decision {
                status: RequestStatus::decided(false)
            })
            .unwrap(),
            json!({"status": "rejected"})
        );
        assert_eq!(
            serde_json::to_value(Published { published: 2 }).unwrap(),
            json!({"published": 2})
        );
    }

    #[test]
    fn summaries_round_trip_and_read_without_an_id() {
        let summary = RequestSummary {
            id: String::new(),
            registration_id: "R".into(),
            venue_name: "V".into(),
            venue_phone: "0196295487".into(),
            requested_by: "staff".into(),
            requested_at: 1_795_176_000,
            notice: NoticeFields {
                template: "tokyo_cluster".into(),
                date: "2026-11-20".into(),
                whole_day: true,
                ..NoticeFields::default()
            },
        };
        let value = serde_json::to_value(&summary).unwrap();
        assert_eq!(value["registrationId"], "R");
        assert_eq!(value["requestedBy"], "staff");
        assert_eq!(value["notice"]["wholeDay"], true);
        let mut without_id = value.clone();
        without_id.as_object_mut().unwrap().remove("id");
        let read: RequestSummary = serde_json::from_value(without_id).unwrap();
        assert_eq!(read, summary);
        let pending = PendingRequests {
            requests: vec![summary],
        };
        let text = serde_json::to_string(&pending).unwrap();
        assert!(text.starts_with(r#"{"requests":[{"id":"","#), "{text}");
        assert_eq!(
            serde_json::from_str::<PendingRequests>(&text).unwrap(),
            pending
        );
    }

    #[test]
    fn every_problem_has_its_own_code_status_and_both_languages() {
        let codes: std::collections::BTreeSet<_> =
            NoticeProblem::ALL.iter().map(|p| p.code()).collect();
        assert_eq!(codes.len(), NoticeProblem::ALL.len());
        for problem in NoticeProblem::ALL {
            assert_eq!(NoticeProblem::from_code(problem.code()), Some(problem));
            let (ja, en) = problem.messages();
            assert!(!ja.is_empty() && !en.is_empty());
        }
        assert_eq!(NoticeProblem::UnknownCode.status(), 404);
        assert_eq!(NoticeProblem::BadDate.status(), 400);
        assert_eq!(NoticeProblem::from_code("bad_request"), None);
    }
}
