//! What the resident is told about a high-risk contact, in Japanese and English.

use super::DayRisk;

/// What the resident is told: the days with a high-risk contact, and nothing else about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExposureNotice {
    /// The UTC days with a high-risk contact, oldest first.
    pub high_risk_days: Vec<time::Date>,
}

impl ExposureNotice {
    /// The notice for a set of assessed days.
    pub fn from_days(days: &[DayRisk]) -> Self {
        Self {
            high_risk_days: days
                .iter()
                .filter(|day| day.high_risk)
                .map(|day| day.date)
                .collect(),
        }
    }

    /// The message in Japanese (wording of the national overview of COCOA: "感染者と１メートル以内の
    /// 距離で１５分以上接触した可能性がある場合に通知").
    pub fn message_ja(&self) -> String {
        self.message(
            "陽性者との接触は確認されませんでした。",
            |day| format!("{}年{}月{}日", day.year(), u8::from(day.month()), day.day()),
            "、",
            |days| {
                format!(
                    "{days}に、陽性者と１メートル以内の距離で１５分以上接触した可能性があります。"
                )
            },
        )
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        self.message(
            "No contact with a person who tested positive was found.",
            ToString::to_string,
            ", ",
            |days| {
                format!(
                    "On {days} you may have been within 1 metre of a person who tested positive for 15 minutes or more."
                )
            },
        )
    }

    /// `no_contact` when there is no high-risk day, else `sentence` of the days written with
    /// `day` and joined with `separator`.
    fn message(
        &self,
        no_contact: &str,
        day: impl Fn(&time::Date) -> String,
        separator: &str,
        sentence: impl Fn(&str) -> String,
    ) -> String {
        if self.high_risk_days.is_empty() {
            return no_contact.to_owned();
        }
        let days: Vec<String> = self.high_risk_days.iter().map(day).collect();
        sentence(&days.join(separator))
    }
}
