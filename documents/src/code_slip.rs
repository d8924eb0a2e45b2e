//! The code slip (issue 17): one A4 page that staff print or hand over when they issue a
//! 処理番号 (verification code) to a person who tested positive. It shows the code large, in
//! two groups of four digits, until when it works, and what to do with it in the app, in
//! Japanese with English beside it.
//!
//! The slip carries the code, which is a secret for its 15 minutes: the server renders it on
//! demand for the member of staff who issued the code and stores nothing.

use crate::{A4Document, DocumentError, FontSet, TextStyle};

/// What the slip shows.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeSlipInput {
    /// The 8-digit code.
    pub code: String,
    /// Until when it works, as staff and the resident read it (e.g. `2026-11-20 21:15 JST`).
    pub valid_until: String,
    /// The test type in Japanese (e.g. 「陽性（確定）」).
    pub test_type_ja: String,
    /// The test type in English.
    pub test_type_en: String,
    /// The health authority's name, printed at the foot.
    pub authority_name: String,
    /// The health authority's phone for questions, printed at the foot.
    pub authority_phone: String,
}

impl std::fmt::Debug for CodeSlipInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The code is a secret: never printed.
        f.debug_struct("CodeSlipInput")
            .field("valid_until", &self.valid_until)
            .finish_non_exhaustive()
    }
}

/// The code in two groups of four digits (`1234 5678`), as read aloud and typed; other text
/// unchanged.
pub fn grouped_code(code: &str) -> String {
    if code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("{} {}", &code[..4], &code[4..])
    } else {
        code.to_owned()
    }
}

/// The steps the resident follows with the code, in Japanese and English.
pub const CODE_SLIP_STEPS: [(&str, &str); 4] = [
    (
        "① スマートフォンでMimamoriアプリを開き、「陽性情報の登録」を選んでください。",
        "Open the Mimamori app on your phone and choose \"Register a positive test\".",
    ),
    (
        "② 上の処理番号（8桁）を入力してください。",
        "Enter the 8-digit processing number above.",
    ),
    (
        "③ 発症日（症状がない場合は検査日）を確かめ、同意して送信してください。",
        "Check the symptom onset date (or the test date if you had no symptoms), agree and send.",
    ),
    (
        "④ 送信されるのは、あなたのスマートフォンが作った匿名の番号だけです。氏名・電話番号・位置情報は送信されません。",
        "Only the anonymous numbers your phone made are sent; never your name, phone number or location.",
    ),
];

/// The slip: the code, its validity, the steps in the app and whom to call.
pub fn code_slip(fonts: &FontSet, input: &CodeSlipInput) -> Result<Vec<u8>, DocumentError> {
    let mut doc = A4Document::new(fonts, "処理番号のお知らせ Your processing number", "ja");
    doc.text("処理番号のお知らせ", &TextStyle::TITLE.with_size(24.0));
    doc.text(
        "Your processing number (verification code)",
        &TextStyle::TITLE.with_size(15.0),
    );
    doc.paragraph_with_english(
        "陽性の結果を接触確認アプリに登録するための番号です。",
        "This number lets you register your positive result in the contact app.",
    );
    doc.boxed(
        &grouped_code(&input.code),
        &TextStyle::TITLE.with_size(44.0).centered(),
        245,
    );
    doc.text(
        &format!("有効期限 Valid until: {}", input.valid_until),
        &TextStyle::HEADING.with_size(15.0),
    );
    doc.text(
        &format!(
            "診断の種類 Test type: {} / {}",
            input.test_type_ja, input.test_type_en
        ),
        &TextStyle::BODY,
    );
    doc.heading("使い方 What to do");
    let style = TextStyle::BODY.with_size(11.0);
    for (japanese, english) in CODE_SLIP_STEPS {
        doc.text(
            japanese,
            &TextStyle {
                space_after: 1.0,
                ..style
            },
        );
        doc.text(english, &TextStyle { grey: 60, ..style });
    }
    doc.heading("ご注意 Please note");
    doc.bullets([
        "この番号は1回だけ、有効期限まで使えます。期限を過ぎたときは、保健所に連絡して新しい番号を受け取ってください。 \
         The number works once, until the time above. After that, call the health centre for a new one.",
        "この番号を他の人に教えたり、SNSに載せたりしないでください。 \
         Do not give this number to anyone else or post it online.",
        "登録するかどうかはご本人が決められます。登録しなくても不利益はありません。 \
         Registering is your choice; nothing happens to you if you do not.",
    ]);
    doc.space(4.0);
    doc.rule();
    doc.text(
        &format!(
            "発行 Issued by: {}　問い合わせ Questions: {}",
            input.authority_name, input.authority_phone
        ),
        &TextStyle::SMALL,
    );
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_in_fours_and_never_debug_printed() {
        assert_eq!(grouped_code("01234567"), "0123 4567");
        assert_eq!(grouped_code("0123456"), "0123456");
        assert_eq!(grouped_code("abcdefgh"), "abcdefgh");
        let input = CodeSlipInput {
            code: "01234567".into(),
            valid_until: "2026-11-20 21:15 JST".into(),
            test_type_ja: "陽性".into(),
            test_type_en: "Positive".into(),
            authority_name: "保健所".into(),
            authority_phone: "019-000-0000".into(),
        };
        let debug = format!("{input:?}");
        assert!(
            !debug.contains("01234567") && debug.contains("21:15"),
            "{debug}"
        );
    }
}
