//! The venue check-in documents (issue 6): the A4 poster with the room's QR code, the A4
//! explanatory leaflet, and the operator copy with the private trace code.
//!
//! Wording follows Tokyo's "moshi-sapo" and Iwate's "moshi-sapo Iwate" leaflets
//! (`shared/seeds/000_*.txt`, `001_*.txt`), with English beside the Japanese. The trace code is
//! printed only on the operator copy, never on the poster or the leaflet.

use crate::{A4Document, Align, DocumentError, FontSet, QrMatrix, Table, TextStyle};

/// Side of the QR code on the poster, in millimetres (with its quiet zone): large enough to scan
/// from a step away.
pub const POSTER_QR_MM: f32 = 105.0;

/// What the poster of one room shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PosterInput {
    /// The text of the QR code (the venue URL with its signed payload).
    pub qr_text: String,
    /// The venue's name.
    pub venue_name: String,
    /// The room, floor or table label; empty for a venue with one code.
    pub room: String,
    /// The venue type in Japanese (e.g. 「食事提供施設」).
    pub venue_type_ja: String,
    /// The venue type in English.
    pub venue_type_en: String,
    /// Who issued the code (the health authority), printed at the foot.
    pub authority_name: String,
}

/// The poster: the QR code, the venue name and room, 「来店のたびに読み取ってください」 and short
/// instructions in Japanese and English.
pub fn poster(fonts: &FontSet, input: &PosterInput) -> Result<Vec<u8>, DocumentError> {
    let qr = QrMatrix::encode(&input.qr_text)?;
    let mut doc = A4Document::new(fonts, &format!("{} QR", input.venue_name), "ja");
    doc.text(
        "来店記録 Mimamori venue check-in",
        &TextStyle::BODY.with_size(12.0).centered(),
    );
    doc.text(
        "来店のたびに読み取ってください",
        &TextStyle::TITLE.with_size(26.0).centered(),
    );
    doc.text(
        "Scan this code at every visit",
        &TextStyle::TITLE.with_size(17.0).centered(),
    );
    doc.qr(&qr, POSTER_QR_MM, Align::Center)?;
    doc.text(
        &input.venue_name,
        &TextStyle::TITLE.with_size(20.0).centered(),
    );
    if !input.room.is_empty() {
        doc.text(
            &format!("部屋・区画 Room: {}", input.room),
            &TextStyle::HEADING.with_size(15.0).centered(),
        );
    }
    doc.space(2.0);
    let style = TextStyle::BODY.with_size(10.0);
    for (japanese, english) in [
        (
            "① スマートフォンのMimamoriアプリでQRコードを読み取ってください。同じ場所であっても訪問するたびに読み取ってください。読み取った日時が来店日時として記録されます。",
            "Scan the code with the Mimamori app each time you visit, even the same place. The time you scan is recorded as your visit.",
        ),
        (
            "② 記録はあなたのスマートフォンの中だけに保存され、14日後に削除されます。どこにも送信されません。",
            "Your visit stays on your phone only, is deleted after 14 days and is never sent anywhere.",
        ),
        (
            "③ この施設の利用者に感染が確認された場合、同じ日・同じ時間帯に利用した方にお知らせが届きます。お知らせは、あなたが感染していることを意味するものではありません。",
            "If an infection is linked to this venue, visitors of the same day and hours receive a notice. A notice does not mean that you are infected.",
        ),
    ] {
        doc.text(
            japanese,
            &TextStyle {
                space_after: 1.0,
                ..style
            },
        );
        doc.text(english, &TextStyle { grey: 60, ..style });
    }
    doc.text(
        &format!(
            "{} {} / {} ・ 発行 Issued by {}",
            "業態", input.venue_type_ja, input.venue_type_en, input.authority_name
        ),
        &TextStyle::SMALL,
    );
    doc.text(
        "このQRコードをSNSやインターネットに掲載しないでください。Do not post this code online. \
         ※QRコードは株式会社デンソーウェーブの登録商標です。",
        &TextStyle::SMALL,
    );
    doc.finish()
}

/// What the leaflet names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafletInput {
    /// The health authority running the service.
    pub authority_name: String,
    /// The authority's telephone number for questions about the service.
    pub authority_phone: String,
    /// The consultation centre's telephone number for people with symptoms.
    pub consultation_phone: String,
}

/// The explanatory leaflet (A4, for operators and visitors): how check-in works, privacy, what a
/// notice means, the operator's duties, whom to call.
pub fn leaflet(fonts: &FontSet, input: &LeafletInput) -> Result<Vec<u8>, DocumentError> {
    let mut doc = titled(
        fonts,
        "Mimamori 来店記録のご案内",
        "Mimamori 来店記録サービスのご案内",
        "About Mimamori venue check-in",
    );
    doc.paragraph_with_english(
        "施設やイベント会場に掲示されたQRコードを読み取ると、来店の記録があなたのスマートフォンに残ります。もしも他の利用者の感染が判明し、保健所が必要と判断した場合に、同じ日・同じ時間帯に利用した方へお知らせが届きます。",
        "Scan the QR code posted at a venue or event and your visit is recorded on your phone. If another visitor is found infected and the public health centre decides so, people who were there on the same day at the same hours receive a notice.",
    );

    doc.heading("ご利用方法（利用者向け） How to use it (visitors)");
    doc.bullets([
        "① QRコード読み取り：Mimamoriアプリで掲示されたQRコードを読み取ってください。同じ場所であっても訪問するたびに読み取ってください。 Scan the posted code with the Mimamori app at every visit.",
        "② 情報取得の同意：初回のみ、来店の記録をスマートフォンに保存することに同意してください。 Agree once to keeping visit records on your phone.",
        "③ 自動チェックアウト：施設ごとの標準的な滞在時間が過ぎると自動で退店として記録されます（変更できます）。 You are checked out automatically after the venue's usual stay (you can change it).",
        "④ お知らせ：保健所の判断でお知らせが公開されると、アプリが自分の記録と照合し、該当する場合だけ通知します。 When a notice is published, the app compares it with your records on the phone and tells you only if it concerns you.",
        "従業員の方も「従業員」として登録できます。 Staff can check in with the staff role.",
    ]);

    doc.heading("個人情報について Privacy");
    doc.bullets([
        "来店の記録はスマートフォンの中だけに保存され、14日後に削除されます。サーバーや施設に送られることはありません。 Visits stay on your phone, are deleted after 14 days and are sent neither to a server nor to the venue.",
        "公開されるお知らせは暗号化されており、その施設を訪れた方のスマートフォンだけが読むことができます。 Published notices are encrypted; only phones that scanned the venue's code can read them.",
        "施設の方は利用者の個人情報を見ることはできず、管理する必要もありません。 Venues never see or keep visitors' personal data.",
    ]);

    doc.heading("お知らせについて About notices");
    doc.paragraph_with_english(
        "お知らせは、あなたが感染していることや、感染者との接触があったことを必ずしも意味するものではありません。念のため体調管理にご注意ください。症状のある方は、下記の受診・相談センターまでお問い合わせください。",
        "A notice does not necessarily mean that you are infected or were in contact with an infected person. Watch your health; if you have symptoms, call the consultation centre below.",
    );

    doc.heading("施設・イベントの方へ For venue operators");
    doc.bullets([
        "3密条件が重なる部屋（空間）が複数ある場合は、部屋ごとにQRコードを発行してください。テーブルごとの設置も有効です。 Issue one code per crowded room or floor; one per table also works.",
        "部屋ごとにQRコードを分けている場合は、それぞれの部屋で使うQRコードを途中で入れ替えないでください。 Never swap the codes of different rooms.",
        "利用者には、滞在中に、訪問するたびに読み取るよう案内してください。 Ask visitors to scan during their stay, at every visit.",
        "発行されたQRコードを配布物に入れたり、SNSやインターネット上に掲載したりしないでください。 Do not hand the code out or post it online.",
        "施設管理者控えに記載された追跡コードは、感染者が発生した場合に保健所からお尋ねします。紛失しないよう大切に保管し、掲示しないでください。 Keep the trace code on the operator copy safe and private; the health authority asks for it when a case occurs.",
        "お知らせの依頼は、保健所と相談の上、使用するテンプレートと対象の日時を決めて行ってください。依頼できるのは登録した責任者の端末、または責任者が表示したキーワードを入力した従業員だけです。 Request a notice after consulting the public health centre about the template, date and hours; only the manager's device, or staff with a one-time keyword the manager shows, can request one.",
    ]);

    doc.heading("問合せ先 Contact");
    let mut table = Table::with_columns(&[("窓口 Contact", 2.0), ("電話 Phone", 1.0)]);
    table.row([
        format!(
            "{}（本サービスについて / about this service）",
            input.authority_name
        ),
        input.authority_phone.clone(),
    ]);
    table.row([
        "受診・相談センター（症状のある方 / if you have symptoms）".to_owned(),
        input.consultation_phone.clone(),
    ]);
    doc.table(&table);
    doc.text(
        "※お住まいの都道府県以外の方は、お住まいの地域の相談窓口にお問い合わせください。 If you live elsewhere, call your local consultation centre. ※QRコードは株式会社デンソーウェーブの登録商標です。",
        &TextStyle::SMALL,
    );
    doc.finish()
}

/// What the operator copy shows: the registration, its rooms, and the private trace code.
#[derive(Clone, PartialEq, Eq)]
pub struct OperatorCopyInput {
    /// The registration's public id (for talking to the authority).
    pub registration_id: String,
    /// The trace code as printed (e.g. `ABCD-EFGH-JKMN-PQRS`).
    pub trace_code: String,
    /// The venue's name.
    pub venue_name: String,
    /// Venue type, Japanese and English.
    pub venue_type: String,
    /// Capacity band as shown on the form.
    pub capacity: String,
    /// Postal code.
    pub postal_code: String,
    /// Address lines joined.
    pub address: String,
    /// Telephone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Room labels, one poster each (one empty label for a venue with one code).
    pub rooms: Vec<String>,
    /// When it was registered, as shown (JST).
    pub registered_at: String,
    /// The authority that issued it.
    pub authority_name: String,
    /// Where the manager requests a notice (a URL of the server).
    pub notice_request_url: String,
}

impl std::fmt::Debug for OperatorCopyInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorCopyInput")
            .field("registration_id", &self.registration_id)
            .finish_non_exhaustive()
    }
}

/// The operator copy (施設管理者控え): kept by the manager, never posted; carries the trace
/// code the authority asks for when a case occurs.
pub fn operator_copy(fonts: &FontSet, input: &OperatorCopyInput) -> Result<Vec<u8>, DocumentError> {
    let mut doc = titled(
        fonts,
        "施設管理者控え Operator copy",
        "施設管理者控え（掲示しないでください）",
        "Operator copy — keep private, do not post",
    );
    doc.paragraph(&format!(
        "「{}」のQRコードを発行しました。 The QR code(s) of this venue have been issued.",
        input.venue_name
    ));
    doc.boxed(
        &format!("追跡コード Trace code:  {}", input.trace_code),
        &TextStyle::TITLE.with_size(18.0),
        248,
    );
    doc.paragraph_with_english(
        "感染者が発生した場合に保健所からお尋ねします。紛失しないように大切に保管し、ポスターと一緒に掲示したり、他人に教えたりしないでください。",
        "The health authority asks for this code when a case occurs. Keep it safe; never post it or tell it to anyone else.",
    );
    doc.heading("登録内容 Registration");
    let mut table = Table::with_columns(&[("項目 Item", 1.0), ("内容 Value", 2.4)]);
    for (label, value) in [
        ("登録番号 Registration no.", input.registration_id.as_str()),
        ("登録日時 Registered (JST)", input.registered_at.as_str()),
        ("施設・店舗・イベント名 Name", input.venue_name.as_str()),
        ("業態 Type", input.venue_type.as_str()),
        ("利用規模数 Capacity", input.capacity.as_str()),
        ("郵便番号 Postal code", input.postal_code.as_str()),
        ("住所 Address", input.address.as_str()),
        ("電話番号 Phone", input.phone.as_str()),
        ("メールアドレス E-mail", input.email.as_str()),
        ("発行 Issued by", input.authority_name.as_str()),
    ] {
        table.row([label, value]);
    }
    doc.table(&table);
    doc.heading("部屋ごとのQRコード Codes per room");
    let mut rooms = Table::with_columns(&[("番号 No.", 0.5), ("部屋・区画 Room", 3.0)]);
    for (index, room) in input.rooms.iter().enumerate() {
        let label = if room.is_empty() {
            "（施設全体 whole venue）".to_owned()
        } else {
            room.clone()
        };
        rooms.row([format!("{}", index + 1), label]);
    }
    doc.table(&rooms);
    doc.paragraph("部屋ごとのQRコードを途中で入れ替えたり、配布したり、インターネットに掲載したりしないでください。 Never swap the rooms' codes, hand them out or post them online.");
    doc.heading("お知らせの依頼 Requesting a notice");
    doc.paragraph_with_english(
        &format!(
        "保健所と相談の上、テンプレートと対象の日時を決め、登録した責任者の端末から依頼してください。従業員が代理で依頼する場合は、責任者の端末で表示されるキーワードを入力してください。依頼先 Request at: {}",
        input.notice_request_url
    ),
        "After consulting the public health centre about the template, date and hours, request the notice from the manager's device; staff acting for the manager enter the one-time keyword shown on the manager's device.",
    );
    doc.finish()
}

/// A Japanese document (`metadata_title` in its properties) opening with its title and the
/// title in English beneath.
fn titled(fonts: &FontSet, metadata_title: &str, title: &str, english: &str) -> A4Document {
    let mut doc = A4Document::new(fonts, metadata_title, "ja");
    doc.text(title, &TextStyle::TITLE);
    doc.text(english, &TextStyle::HEADING.with_size(14.0));
    doc
}
