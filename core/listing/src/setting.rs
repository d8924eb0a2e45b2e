//! The four settings of Hokkaido's guidance and their listing criteria, verbatim.
//!
//! Every Japanese string in this file is copied character for character from the source document
//! (`接触者の リストアップ と対応方法`, Hokkaido), including its two slips: 「お願ひ」 for 「お願い」 on the
//! workplace page and 「気道分液」 for 「気道分泌液」 on the nursery pages. The English beside each is
//! Mimamori's translation.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Where the positive person was: one of the four editions of the guidance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Setting {
    /// 事業所編: a workplace.
    Workplace,
    /// 学校編: a school.
    School,
    /// 保育園・幼稚園編: a nursery or kindergarten.
    Nursery,
    /// 放課後児童クラブ編: an after-school club.
    AfterSchoolClub,
}

impl Setting {
    /// All four settings, in the order of the source.
    pub const ALL: [Self; 4] = [
        Self::Workplace,
        Self::School,
        Self::Nursery,
        Self::AfterSchoolClub,
    ];

    /// The id used on the command line, in files and in URLs: `workplace`, `school`, `nursery`,
    /// `afterschool`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Workplace => "workplace",
            Self::School => "school",
            Self::Nursery => "nursery",
            Self::AfterSchoolClub => "afterschool",
        }
    }

    /// The edition's title in the source, e.g. 「事業所編」.
    pub fn title_japanese(self) -> &'static str {
        match self {
            Self::Workplace => "事業所編",
            Self::School => "学校編",
            Self::Nursery => "保育園・幼稚園編",
            Self::AfterSchoolClub => "放課後児童クラブ編",
        }
    }

    /// The edition's title in English.
    pub fn title_english(self) -> &'static str {
        match self {
            Self::Workplace => "Workplaces",
            Self::School => "Schools",
            Self::Nursery => "Nurseries and kindergartens",
            Self::AfterSchoolClub => "After-school clubs",
        }
    }

    /// The source's word for a day of attendance: 出勤日, 登校日, 登園日, 来所日.
    pub fn attendance_day_japanese(self) -> &'static str {
        match self {
            Self::Workplace => "出勤日",
            Self::School => "登校日",
            Self::Nursery => "登園日",
            Self::AfterSchoolClub => "来所日",
        }
    }

    /// The same word in English.
    pub fn attendance_day_english(self) -> &'static str {
        match self {
            Self::Workplace => "working day",
            Self::School => "school day",
            Self::Nursery => "nursery day",
            Self::AfterSchoolClub => "club day",
        }
    }

    /// Step ① (事前準備, preparation) of the source, both items, verbatim.
    pub fn preparation_japanese(self) -> [&'static str; 2] {
        let period = match self {
            Self::Workplace => {
                "2. 調査対象期間（発症日2日前～最終出勤日）を確認。その間の出勤日を確認"
            }
            Self::School => {
                "2. 調査対象期間（発症日2日前～最終登校日）を確認。その間の登校日を確認"
            }
            Self::Nursery => {
                "2. 調査対象期間（発症日2日前～最終登園日）を確認。その間の登園日を確認"
            }
            Self::AfterSchoolClub => {
                "2. 調査対象期間（発症日2日前～最終来所日）を確認。その間の来所日を確認"
            }
        };
        [
            "1. 陽性者からの聞き取りで発症日（無症状の場合は検体採取日）を確認",
            period,
        ]
    }

    /// Step ① in English.
    pub fn preparation_english(self) -> [String; 2] {
        let day = self.attendance_day_english();
        [
            "1. Ask the positive person for the date of symptom onset (the specimen collection \
             date if they had no symptoms)."
                .to_owned(),
            format!(
                "2. Fix the investigation period (from 2 days before onset to the last {day}) and \
                 the {day}s in it."
            ),
        ]
    }

    /// What the organisation asks of the listed people, verbatim (step ③ of the workplace
    /// edition; the request line of the other three).
    pub fn request_japanese(self) -> &'static str {
        match self {
            Self::Workplace => "対象者には次の事項を事業者側からお願ひしてください。",
            Self::School => {
                "対象者に外出自粛（7日間）や健康観察等（10日間）のご協力を学校側からお願いしてください。"
            }
            Self::Nursery => {
                "対象者に外出自粛（7日間）や健康観察等（10日間）のご協力を園側からお願いしてください。"
            }
            Self::AfterSchoolClub => {
                "対象者に外出自粛（7日間）や健康観察等（10日間）のご協力をクラブ側からお願いしてください。"
            }
        }
    }

    /// The request in English.
    pub fn request_english(self) -> &'static str {
        match self {
            Self::Workplace => "The employer should ask the people listed to do the following.",
            Self::School => {
                "The school should ask the people listed to stay at home (7 days) and watch \
                 their health (10 days)."
            }
            Self::Nursery => {
                "The nursery should ask the people listed to stay at home (7 days) and watch \
                 their health (10 days)."
            }
            Self::AfterSchoolClub => {
                "The club should ask the people listed to stay at home (7 days) and watch their \
                 health (10 days)."
            }
        }
    }

    /// The criteria that apply when the positive person was (or was not) wearing a mask.
    ///
    /// The workplace edition has one list, for contact "without the needed precautions"; it has
    /// no list for a positive person who wore a mask properly, so [`Masking::Masked`] is refused
    /// there with [`Error::InvalidInvestigation`].
    pub fn criteria(self, masking: Masking) -> Result<&'static CriteriaList> {
        match (self, masking) {
            (Self::Workplace, Masking::Unmasked) => Ok(&WORKPLACE),
            (Self::Workplace, Masking::Masked) => Err(Error::InvalidInvestigation {
                reason: "the workplace guidance lists contacts only when the positive person was \
                         unmasked or not wearing the mask properly (both unmasked, or the \
                         positive person unmasked); it has no list for a positive person who wore \
                         a mask properly, so leave out --masked / masked"
                    .to_owned(),
            }),
            (Self::School, Masking::Unmasked) => Ok(&SCHOOL_UNMASKED),
            (Self::School, Masking::Masked) => Ok(&SCHOOL_MASKED),
            (Self::Nursery, Masking::Unmasked) => Ok(&NURSERY_UNMASKED),
            (Self::Nursery, Masking::Masked) => Ok(&NURSERY_MASKED),
            (Self::AfterSchoolClub, Masking::Unmasked) => Ok(&CLUB_UNMASKED),
            (Self::AfterSchoolClub, Masking::Masked) => Ok(&CLUB_MASKED),
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Setting {
    type Err = Error;

    /// Parses `workplace`, `school`, `nursery` or `afterschool` (also `kindergarten` and
    /// `after-school`), ignoring case.
    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "workplace" => Ok(Self::Workplace),
            "school" => Ok(Self::School),
            "nursery" | "kindergarten" => Ok(Self::Nursery),
            "afterschool" | "after-school" => Ok(Self::AfterSchoolClub),
            _ => Err(Error::InvalidInvestigation {
                reason: "the setting must be workplace, school, nursery or afterschool".to_owned(),
            }),
        }
    }
}

/// Whether the positive person wore a mask, which picks the list of criteria (手順②-1 or ②-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Masking {
    /// 陽性者がマスクをしていなかった場合: the positive person was not wearing a mask.
    Unmasked,
    /// 陽性者がマスクをしていた場合: the positive person was wearing a mask.
    Masked,
}

impl Masking {
    /// [`Masking::Masked`] when the positive person wore a mask (a form's checkbox, a command
    /// line's flag), [`Masking::Unmasked`] otherwise.
    pub fn from_masked(masked: bool) -> Self {
        if masked { Self::Masked } else { Self::Unmasked }
    }

    /// `true` for [`Masking::Masked`].
    pub fn is_masked(self) -> bool {
        self == Self::Masked
    }

    /// `masked` or `unmasked`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Unmasked => "unmasked",
            Self::Masked => "masked",
        }
    }
}

/// One listing criterion of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Criterion {
    /// Stable id used in rosters, e.g. `same-table`. Unique within its list.
    pub id: &'static str,
    /// The source's own number for it (`1`, `2A`), also accepted in rosters; empty for the
    /// workplace list, which is not numbered.
    pub number: &'static str,
    /// The criterion, verbatim.
    pub japanese: &'static str,
    /// The criterion in English.
    pub english: &'static str,
}

impl Criterion {
    /// How a table cell names the criterion: the source's number (`2A`), or the Japanese for the
    /// workplace list, which is not numbered (and whose items are a word or two).
    pub fn short_label(&self) -> &'static str {
        if self.number.is_empty() {
            self.japanese
        } else {
            self.number
        }
    }
}

/// The criteria of one setting for one masking case, with the text around them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CriteriaList {
    /// The setting.
    pub setting: Setting,
    /// The masking case.
    pub masking: Masking,
    /// The section heading, verbatim (empty for the workplace list, which has one case).
    pub heading_japanese: &'static str,
    /// The heading in English.
    pub heading_english: &'static str,
    /// The situation every criterion presumes (workplace only), verbatim.
    pub situation_japanese: Option<&'static str>,
    /// The situation in English.
    pub situation_english: Option<&'static str>,
    /// The criteria, in the order of the source.
    pub criteria: &'static [Criterion],
    /// The rule that turns criteria into a listing, verbatim.
    pub rule_japanese: &'static str,
    /// The rule in English.
    pub rule_english: &'static str,
}

impl CriteriaList {
    /// Finds a criterion by its id or its number in the source (`same-table`, `2`, `②`, `2B`),
    /// ignoring case and surrounding spaces.
    pub fn find(&self, text: &str) -> Option<&'static Criterion> {
        let wanted = normalise_criterion(text);
        if wanted.is_empty() {
            return None;
        }
        self.criteria.iter().find(|criterion| {
            criterion.id == wanted
                || (!criterion.number.is_empty() && criterion.number.eq_ignore_ascii_case(&wanted))
        })
    }

    /// The ids of the criteria, comma-separated, for messages.
    pub fn ids(&self) -> String {
        self.criteria
            .iter()
            .map(|criterion| criterion.id)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Lower-cases, trims, and turns circled digits (①..⑤) into ASCII digits.
fn normalise_criterion(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '①' => '1',
            '②' => '2',
            '③' => '3',
            '④' => '4',
            '⑤' => '5',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

/// The sentence after every list: 「上記以外の方も…」, verbatim.
pub const EVERYONE_ELSE_JAPANESE: &str =
    "上記以外の方も、陽性者と接触した翌日から10日間は健康に気を付けてください。";
/// The same in English.
pub const EVERYONE_ELSE_ENGLISH: &str = "Everyone else, too, should take care of their health for \
     10 days from the day after their contact with the positive person.";

/// What a listed person is: 「感染の可能性がある方」.
pub const POSSIBLE_INFECTION_JAPANESE: &str = "感染の可能性がある方";
/// The same in English.
pub const POSSIBLE_INFECTION_ENGLISH: &str = "possible infection";

/// The sentence after each list of the school, nursery and club editions, verbatim.
pub const LISTED_ARE_JAPANESE: &str = "リストアップされた方は、「感染の可能性がある方」です。";
/// The same in English.
pub const LISTED_ARE_ENGLISH: &str = "The people listed are \"people who may be infected\".";

/// The stay-at-home bullet of step ③ (workplace edition), verbatim; the 7 and 10 days of the
/// other editions mean the same.
pub const STAY_HOME_JAPANESE: &str =
    "陽性者と最後に接触した日の翌日から 7 日間（8 日目解除）の自宅待機（外出自粛）";
/// The same in English.
pub const STAY_HOME_ENGLISH: &str = "Stay at home (refrain from going out) for 7 days from the \
     day after the last contact with the positive person (released on day 8).";

/// The precautions bullet of step ③ (workplace edition), verbatim.
pub const PRECAUTIONS_JAPANESE: &str = "ただし、10 日間を経過するまでは、検温など自身による健康状態の確認や、リスクの高い場所の利用や会食等を避けること、マスクを着用すること等の感染対策の実施";
/// The same in English.
pub const PRECAUTIONS_ENGLISH: &str = "Until 10 days have passed, however, take precautions: \
     check your own health (take your temperature, for example), avoid high-risk places and \
     group meals, and wear a mask.";

const HEADING_UNMASKED_JAPANESE: &str = "陽性者がマスクをしていなかった場合";
const HEADING_UNMASKED_ENGLISH: &str = "When the positive person was not wearing a mask";
const HEADING_MASKED_JAPANESE: &str = "陽性者がマスクをしていた場合";
const HEADING_MASKED_ENGLISH: &str = "When the positive person was wearing a mask";
const RULE_JAPANESE: &str = "上記に1つでもあてはまる人はリストアップしてください";
const RULE_NURSERY_JAPANESE: &str = "上記に1つでも当てはまる人はリストアップしてください";
const RULE_ENGLISH: &str = "List everyone to whom at least one of the above applies.";

/// A criterion of a list (a table row: id, number, Japanese, English).
const fn criterion(
    id: &'static str,
    number: &'static str,
    japanese: &'static str,
    english: &'static str,
) -> Criterion {
    Criterion {
        id,
        number,
        japanese,
        english,
    }
}

/// A numbered list of the school, nursery and club editions: the heading follows the masking
/// case, there is no situation, and the rule in English is the same for all.
const fn numbered_list(
    setting: Setting,
    masking: Masking,
    rule_japanese: &'static str,
    criteria: &'static [Criterion],
) -> CriteriaList {
    let (heading_japanese, heading_english) = match masking {
        Masking::Unmasked => (HEADING_UNMASKED_JAPANESE, HEADING_UNMASKED_ENGLISH),
        Masking::Masked => (HEADING_MASKED_JAPANESE, HEADING_MASKED_ENGLISH),
    };
    CriteriaList {
        setting,
        masking,
        heading_japanese,
        heading_english,
        situation_japanese: None,
        situation_english: None,
        criteria,
        rule_japanese,
        rule_english: RULE_ENGLISH,
    }
}

static WORKPLACE: CriteriaList = CriteriaList {
    setting: Setting::Workplace,
    masking: Masking::Unmasked,
    heading_japanese: "",
    heading_english: "",
    situation_japanese: Some(
        "陽性者と手の触れることのできる距離（約1m以内）で、必要な感染予防策なし（お互いにマスクなし、又は陽性者がマスク着用なし、マスクを正しく着用できていない状態）で15分以上の接触があった状態。",
    ),
    situation_english: Some(
        "Contact with the positive person for 15 minutes or more within reach of a hand (about \
         1 m) without the needed precautions (both unmasked, or the positive person unmasked or \
         not wearing the mask properly).",
    ),
    criteria: &[
        criterion("conversation", "", "会話", "Conversation"),
        criterion("eating", "", "飲食", "Eating or drinking together"),
        criterion("smoking", "", "喫煙", "Smoking together"),
        criterion(
            "shared-room",
            "",
            "換気の悪い室内で空間を共有",
            "Sharing a poorly ventilated room",
        ),
        criterion(
            "shared-bedding",
            "",
            "休憩室で寝具を共有",
            "Sharing bedding in a rest room",
        ),
        criterion("same-car", "", "車に同乗", "Riding in the same car"),
    ],
    rule_japanese: "上記状況下で、陽性者と左記の接触が1つでもあった方をリストアップ",
    rule_english: "List everyone who, in the situation above, had at least one of these contacts \
                   with the positive person.",
};

static SCHOOL_UNMASKED: CriteriaList = numbered_list(
    Setting::School,
    Masking::Unmasked,
    RULE_JAPANESE,
    &[
        criterion(
            "same-class",
            "1",
            "①陽性者と同じクラスのマスクをしていない児童・生徒、教職員",
            "1. Pupils, students and staff in the positive person's class who were not \
                      wearing a mask",
        ),
        criterion(
            "same-table",
            "2",
            "②陽性者と同じテーブルで食事をした児童・生徒、教職員",
            "2. Pupils, students and staff who ate at the same table as the positive \
                      person",
        ),
        criterion(
            "close-friend",
            "3",
            "③陽性者と特別仲の良いマスクをしていない児童・生徒、教職員",
            "3. Pupils, students and staff especially close to the positive person who \
                      were not wearing a mask",
        ),
        criterion(
            "poor-ventilation",
            "4",
            "④陽性者と換気の悪い環境で長時間過ごした児童・生徒、教職員(狭い部屋で部活動を実施した など)",
            "4. Pupils, students and staff who spent a long time with the positive \
                      person in a poorly ventilated place (a club activity in a small room, for \
                      example)",
        ),
        criterion(
            "other",
            "5",
            "⑤その他 (上記以外で陽性者と密に接触があった児童・生徒、教職員)",
            "5. Others (pupils, students and staff who had other close contact with the \
                      positive person)",
        ),
    ],
);

static SCHOOL_MASKED: CriteriaList = numbered_list(
    Setting::School,
    Masking::Masked,
    RULE_JAPANESE,
    &[
        criterion(
            "long-time",
            "1",
            "①陽性者と長時間一緒にいたマスクをしていない児童・生徒、教職員",
            "1. Pupils, students and staff not wearing a mask who were with the \
                      positive person for a long time",
        ),
        criterion(
            "same-table",
            "2",
            "②陽性者と同じテーブルで食事をした児童・生徒、教職員",
            "2. Pupils, students and staff who ate at the same table as the positive \
                      person",
        ),
        criterion(
            "other",
            "3",
            "③その他（上記以外で陽性者と密に接触があった児童・生徒、教職員）",
            "3. Others (pupils, students and staff who had other close contact with the \
                      positive person)",
        ),
    ],
);

static NURSERY_UNMASKED: CriteriaList = numbered_list(
    Setting::Nursery,
    Masking::Unmasked,
    RULE_NURSERY_JAPANESE,
    &[
        criterion(
            "same-class",
            "1",
            "①陽性者と同じクラスのマスクをしていない園児",
            "1. Children in the positive person's class who were not wearing a mask",
        ),
        criterion(
            "joint-care",
            "2A",
            "②陽性者と A. 同じ部屋で合同保育をしたマスクをしていない園児",
            "2A. Children not wearing a mask who were cared for together with the \
                      positive person in the same room",
        ),
        criterion(
            "same-table",
            "2B",
            "②陽性者と B. 同じテーブルで食事をした園児や職員",
            "2B. Children and staff who ate at the same table as the positive person",
        ),
        criterion(
            "close-friend",
            "3",
            "③陽性者と特別仲の良いマスクをしていない園児",
            "3. Children especially close to the positive person who were not wearing \
                      a mask",
        ),
        criterion(
            "secretions",
            "4",
            concat!(
                "④陽性者の気道分液や体液等に直接触れた園児と職員",
                "※おむつ替えやよだれを拭いた職員、よだれのついたおもちゃを共有した園児は該当します"
            ),
            "4. Children and staff who directly touched the positive person's \
                      respiratory secretions or other body fluids (this includes staff who \
                      changed nappies or wiped drool, and children who shared toys with drool \
                      on them)",
        ),
        criterion(
            "other",
            "5",
            "⑤その他（上記以外で陽性者と密に接触があった園児と職員）",
            "5. Others (children and staff who had other close contact with the \
                      positive person)",
        ),
    ],
);

static NURSERY_MASKED: CriteriaList = numbered_list(
    Setting::Nursery,
    Masking::Masked,
    RULE_NURSERY_JAPANESE,
    &[
        criterion(
            "long-time",
            "1",
            "①陽性者と長時間一緒にいたマスクをしていない園児",
            "1. Children not wearing a mask who were with the positive person for a \
                      long time",
        ),
        criterion(
            "same-table",
            "2",
            "②陽性者と同じテーブルで食事をした園児と職員",
            "2. Children and staff who ate at the same table as the positive person",
        ),
        criterion(
            "secretions",
            "3",
            concat!(
                "③陽性者の気道分液や体液等に直接触れた園児と職員",
                "※おむつ替えやよだれを拭いた職員、よだれのついたおもちゃを共有した園児は該当します"
            ),
            "3. Children and staff who directly touched the positive person's \
                      respiratory secretions or other body fluids (this includes staff who \
                      changed nappies or wiped drool, and children who shared toys with drool \
                      on them)",
        ),
        criterion(
            "other",
            "4",
            "④その他（上記以外で陽性者と密に接触があった園児と職員）",
            "4. Others (children and staff who had other close contact with the \
                      positive person)",
        ),
    ],
);

static CLUB_UNMASKED: CriteriaList = numbered_list(
    Setting::AfterSchoolClub,
    Masking::Unmasked,
    RULE_JAPANESE,
    &[
        criterion(
            "same-room",
            "1",
            "①陽性者と同じ部屋を利用して、マスクをしていない児童・生徒、職員",
            "1. Children, students and staff who used the same room as the positive \
                      person and were not wearing a mask",
        ),
        criterion(
            "same-table",
            "2",
            "②陽性者と同じテーブルで食事をした児童・生徒、職員",
            "2. Children, students and staff who ate at the same table as the positive \
                      person",
        ),
        criterion(
            "close-friend",
            "3",
            "③陽性者と特別仲の良いマスクをしていない児童・生徒、職員",
            "3. Children, students and staff especially close to the positive person \
                      who were not wearing a mask",
        ),
        criterion(
            "poor-ventilation",
            "4",
            "④陽性者と換気の悪い環境で長時間過ごした児童・生徒、職員(狭い部屋で集まってゲームをした など)",
            "4. Children, students and staff who spent a long time with the positive \
                      person in a poorly ventilated place (playing games together in a small \
                      room, for example)",
        ),
        criterion(
            "other",
            "5",
            "⑤その他 (上記以外で陽性者と密に接触があった児童・生徒、職員)",
            "5. Others (children, students and staff who had other close contact with \
                      the positive person)",
        ),
    ],
);

static CLUB_MASKED: CriteriaList = numbered_list(
    Setting::AfterSchoolClub,
    Masking::Masked,
    RULE_JAPANESE,
    &[
        criterion(
            "long-time",
            "1",
            "①陽性者と長時間一緒にいたマスクをしていない児童・生徒、職員",
            "1. Children, students and staff not wearing a mask who were with the \
                      positive person for a long time",
        ),
        criterion(
            "same-table",
            "2",
            "②陽性者と同じテーブルで食事をした児童・生徒、職員",
            "2. Children, students and staff who ate at the same table as the positive \
                      person",
        ),
        criterion(
            "other",
            "3",
            "③その他（上記以外で陽性者と密に接触があった児童・生徒、職員）",
            "3. Others (children, students and staff who had other close contact with \
                      the positive person)",
        ),
    ],
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The source document, to check that every Japanese string is verbatim.
    const SOURCE: &str = include_str!("source_hokkaido.txt");

    /// Removes the line breaks and spaces the source's layout puts inside sentences.
    fn squeeze(text: &str) -> String {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    }

    fn all_lists() -> Vec<&'static CriteriaList> {
        let mut lists = Vec::new();
        for setting in Setting::ALL {
            for masking in [Masking::Unmasked, Masking::Masked] {
                if let Ok(list) = setting.criteria(masking) {
                    lists.push(list);
                }
            }
        }
        lists
    }

    #[test]
    fn every_japanese_string_is_in_the_source() {
        let source = squeeze(SOURCE);
        let mut texts: Vec<String> = vec![
            EVERYONE_ELSE_JAPANESE.into(),
            POSSIBLE_INFECTION_JAPANESE.into(),
            LISTED_ARE_JAPANESE.into(),
            STAY_HOME_JAPANESE.into(),
            PRECAUTIONS_JAPANESE.into(),
        ];
        for setting in Setting::ALL {
            texts.push(setting.title_japanese().into());
            texts.push(setting.request_japanese().into());
            texts.extend(setting.preparation_japanese().map(String::from));
        }
        for list in all_lists() {
            texts.push(list.heading_japanese.into());
            texts.push(list.rule_japanese.into());
            texts.extend(list.situation_japanese.map(String::from));
            for criterion in list.criteria {
                // The nursery's ②A/②B items are split over lines as 「②陽性者と」「A. …」.
                let text = criterion
                    .japanese
                    .replace("②陽性者と A. ", "A. ")
                    .replace("②陽性者と B. ", "B. ");
                texts.push(text);
            }
        }
        for text in texts {
            assert!(
                source.contains(&squeeze(&text)),
                "not verbatim in the source: {text}"
            );
        }
    }

    #[test]
    fn lists_have_the_sources_lengths_and_unique_ids() {
        let lengths: Vec<(Setting, Masking, usize)> = all_lists()
            .iter()
            .map(|list| (list.setting, list.masking, list.criteria.len()))
            .collect();
        assert_eq!(
            lengths,
            [
                (Setting::Workplace, Masking::Unmasked, 6),
                (Setting::School, Masking::Unmasked, 5),
                (Setting::School, Masking::Masked, 3),
                (Setting::Nursery, Masking::Unmasked, 6),
                (Setting::Nursery, Masking::Masked, 4),
                (Setting::AfterSchoolClub, Masking::Unmasked, 5),
                (Setting::AfterSchoolClub, Masking::Masked, 3),
            ]
        );
        for list in all_lists() {
            for (at, criterion) in list.criteria.iter().enumerate() {
                assert!(
                    list.criteria[at + 1..]
                        .iter()
                        .all(|other| other.id != criterion.id),
                    "{} is twice in a list",
                    criterion.id
                );
                assert!(!criterion.english.is_empty());
            }
        }
    }

    #[test]
    fn criteria_are_found_by_id_or_number() {
        let nursery = Setting::Nursery.criteria(Masking::Unmasked).unwrap();
        assert_eq!(nursery.find("secretions").unwrap().number, "4");
        assert_eq!(nursery.find(" 2b ").unwrap().id, "same-table");
        assert_eq!(nursery.find("④").unwrap().id, "secretions");
        assert!(nursery.find("long-time").is_none());
        assert!(nursery.find("").is_none());
        let masked = Setting::Nursery.criteria(Masking::Masked).unwrap();
        assert_eq!(masked.find("3").unwrap().id, "secretions");
        let workplace = Setting::Workplace.criteria(Masking::Unmasked).unwrap();
        assert_eq!(workplace.find("Same-Car").unwrap().japanese, "車に同乗");
        assert!(workplace.find("1").is_none());
    }

    #[test]
    fn masked_lists_are_shorter_and_workplace_has_none() {
        for setting in [Setting::School, Setting::Nursery, Setting::AfterSchoolClub] {
            let unmasked = setting.criteria(Masking::Unmasked).unwrap();
            let masked = setting.criteria(Masking::Masked).unwrap();
            assert!(masked.criteria.len() < unmasked.criteria.len());
            assert_eq!(masked.heading_japanese, "陽性者がマスクをしていた場合");
        }
        let refused = Setting::Workplace.criteria(Masking::Masked).unwrap_err();
        assert!(matches!(refused, Error::InvalidInvestigation { .. }));
        assert!(refused.to_string().contains("--masked"));
    }

    #[test]
    fn a_criterion_is_labelled_by_its_number_or_else_its_words() {
        let nursery = Setting::Nursery.criteria(Masking::Unmasked).unwrap();
        assert_eq!(nursery.find("joint-care").unwrap().short_label(), "2A");
        let workplace = Setting::Workplace.criteria(Masking::Unmasked).unwrap();
        assert_eq!(workplace.find("smoking").unwrap().short_label(), "喫煙");
    }

    #[test]
    fn masking_comes_from_a_flag() {
        assert_eq!(Masking::from_masked(true), Masking::Masked);
        assert_eq!(Masking::from_masked(false), Masking::Unmasked);
        assert!(Masking::from_masked(true).is_masked());
    }

    #[test]
    fn settings_parse_from_their_ids() {
        for setting in Setting::ALL {
            assert_eq!(setting.id().parse::<Setting>().unwrap(), setting);
        }
        assert_eq!("Kindergarten".parse::<Setting>().unwrap(), Setting::Nursery);
        assert!("hospital".parse::<Setting>().is_err());
    }
}
