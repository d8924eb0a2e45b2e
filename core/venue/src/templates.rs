//! The wording of notices: Tokyo's templates 1 and 2 and Iwate's notice, in Japanese as the
//! services published them (`shared/seeds/000_*.txt`, `001_*.txt`), and in English.
//!
//! Every notice says that it does not mean the reader is infected.

use time::Date;

use super::notice::{NoticeBody, NoticeTemplate};

/// The language of a rendered notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    /// 日本語.
    Japanese,
    /// English.
    English,
}

/// The notice's text in `language`, with its date, window, venue name, issuer and phone.
pub fn render(body: &NoticeBody, language: Language) -> String {
    let window = body.window();
    let date = window.date();
    let (from, to) = (window.from_hour(), window.to_hour());
    let venue = body.venue_name();
    let phone = body.contact_phone();
    let issuer = body.issuer();
    match (body.template(), language) {
        (NoticeTemplate::TokyoPositiveVisitor, Language::Japanese) => format!(
            "あなたが{month}月{day}日に立ち寄られた『{venue}』を、新型コロナウイルスの陽性者が、\
             {from}時から{to}時頃までの間に利用されていたことが判明しましたのでお知らせします。\n\
             このご連絡は、必ずしも感染者との接触があったことを意味するものではありませんが、\
             念のため体調管理にご注意ください。\n\
             本通知についてのお問い合わせは、『{venue}』『{phone}』までご連絡ください。\n\
             （発信：{issuer}）",
            month = u8::from(date.month()),
            day = date.day(),
        ),
        (NoticeTemplate::TokyoPositiveVisitor, Language::English) => format!(
            "A person who tested positive for the novel coronavirus used \"{venue}\", which you \
             visited on {date}, between about {from}:00 and {to}:00.\n\
             This does not mean you are infected, nor necessarily that you were in contact with \
             an infected person; please take care of your health just in case.\n\
             For questions about this notice, contact \"{venue}\" at {phone}.\n\
             (Sent by {issuer})",
            date = english_date(date),
        ),
        (NoticeTemplate::TokyoCluster, Language::Japanese) => format!(
            "あなたが{month}月{day}日に立ち寄られた『{venue}』を、{from}時から{to}時頃までの間に\
             利用されていた方の間で、新型コロナウイルス感染症の集団発生の疑いがあることが判明しました\
             のでお知らせします。\n\
             このご連絡は、必ずしも感染者との接触があったことを意味するものではありませんが、\
             症状の有無にかかわらず、お住まいの区市町村の新型コロナ受診相談窓口（帰国者・接触者相談\
             センター）までご連絡ください。\n\
             本通知についてのお問い合わせ：{issuer}『{phone}』",
            month = u8::from(date.month()),
            day = date.day(),
        ),
        (NoticeTemplate::TokyoCluster, Language::English) => format!(
            "A cluster of novel coronavirus infections is suspected among the people who used \
             \"{venue}\", which you visited on {date}, between about {from}:00 and {to}:00.\n\
             This does not mean you are infected, nor necessarily that you were in contact with \
             an infected person; but whether or not you have symptoms, please contact the \
             coronavirus consultation centre of the municipality where you live.\n\
             For questions about this notice: {issuer}, {phone}",
            date = english_date(date),
        ),
        (NoticeTemplate::IwateSameDay, Language::Japanese) => {
            let hours = if window.is_whole_day() {
                String::new()
            } else {
                format!("（{from}時から{to}時頃まで）")
            };
            format!(
                "【お知らせ】\n\
                 新型コロナウイルスの感染が判明した方が、あなたが登録した施設を利用又は、\
                 イベントに参加していました。\n\
                 あなたが感染しているとは限りませんが、体調管理等に十分に注意し、\
                 体調悪化の際は県の相談センターに御連絡願います。\n\
                 施設・イベント：『{venue}』\n\
                 利用日：{year}年{month}月{day}日{hours}（同じ日に利用していました）\n\
                 お問い合わせ：{issuer}『{phone}』",
                year = date.year(),
                month = u8::from(date.month()),
                day = date.day(),
            )
        }
        (NoticeTemplate::IwateSameDay, Language::English) => {
            let hours = if window.is_whole_day() {
                String::new()
            } else {
                format!(", between about {from}:00 and {to}:00")
            };
            format!(
                "[Notice]\n\
                 A person later found to be infected with the novel coronavirus used the \
                 facility you registered at, or took part in the event: \"{venue}\", on the same \
                 day as you ({date}{hours}).\n\
                 This does not mean you are infected, but please watch your health closely and \
                 contact the prefecture's consultation centre if you feel unwell.\n\
                 For questions about this notice: {issuer}, {phone}",
                date = english_date(date),
            )
        }
    }
}

fn english_date(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::NoticeWindow;

    fn body(template: NoticeTemplate, window: NoticeWindow) -> NoticeBody {
        crate::testing::notice_body(template, window, "居酒屋もしサポ")
    }

    #[test]
    fn every_template_renders_its_fields_in_both_languages() {
        let window = NoticeWindow::new(date!(2021 - 07 - 20), 18, 22).unwrap();
        for template in NoticeTemplate::ALL {
            let ja = render(&body(template, window), Language::Japanese);
            let en = render(&body(template, window), Language::English);
            for text in [&ja, &en] {
                assert!(text.contains("居酒屋もしサポ"), "{text}");
                assert!(text.contains("019-603-8244"), "{text}");
                assert!(text.contains("18"), "{text}");
            }
            assert!(ja.contains("7月20日"), "{ja}");
            assert!(en.contains("20 July 2021"), "{en}");
            assert!(en.contains("does not mean you are infected"), "{en}");
            assert!(
                ja.contains("必ずしも感染者との接触があったことを意味するものではありません")
                    || ja.contains("あなたが感染しているとは限りません"),
                "{ja}"
            );
        }
    }

    #[test]
    fn tokyo_wording_is_verbatim() {
        let window = NoticeWindow::new(date!(2021 - 07 - 20), 18, 22).unwrap();
        let one = render(
            &body(NoticeTemplate::TokyoPositiveVisitor, window),
            Language::Japanese,
        );
        assert!(one.starts_with(
            "あなたが7月20日に立ち寄られた『居酒屋もしサポ』を、新型コロナウイルスの陽性者が、18時から22時頃までの間に利用されていたことが判明しましたのでお知らせします。"
        ));
        let two = render(
            &body(NoticeTemplate::TokyoCluster, window),
            Language::Japanese,
        );
        assert!(two.contains(
            "新型コロナウイルス感染症の集団発生の疑いがあることが判明しましたのでお知らせします。"
        ));
        assert!(two.contains("お住まいの区市町村の新型コロナ受診相談窓口（帰国者・接触者相談センター）までご連絡ください。"));
    }

    #[test]
    fn iwate_names_the_same_day_and_hides_hours_for_a_whole_day() {
        let day = render(
            &body(
                NoticeTemplate::IwateSameDay,
                NoticeWindow::whole_day(date!(2021 - 07 - 20)),
            ),
            Language::Japanese,
        );
        assert!(
            day.contains("2021年7月20日（同じ日に利用していました）"),
            "{day}"
        );
        assert!(day.contains("新型コロナウイルスの感染が判明した方が、あなたが登録した施設を利用又は、イベントに参加していました。"));
        assert!(!day.contains("時頃"));
    }
}
