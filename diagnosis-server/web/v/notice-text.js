// The wording of venue notices, as core/venue/src/templates.rs renders them: Tokyo's templates 1
// and 2 and Iwate's notice, in Japanese as the services published them, and in English. Every
// notice says that it does not mean the reader is infected. The cross-test in
// diagnosis-server/tests/venues.rs holds this text to core's, character for character.

const MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];

function englishDate({ year, month, day }) {
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

/**
 * The text of a notice body (from venue-protocol.js's decodeNoticeBody or matchVisits) in
 * `language`, `"ja"` or `"en"`: lines separated by "\n".
 */
export function renderNotice(body, language) {
  const { date, fromHour: from, toHour: to, wholeDay } = body.window;
  const { month, day, year } = date;
  const venue = body.venueName;
  const phone = body.contactPhone;
  const issuer = body.issuer;
  const english = language === "en";
  switch (body.template) {
    case 1:
      return english
        ? `A person who tested positive for the novel coronavirus used "${venue}", which you visited on ${englishDate(date)}, between about ${from}:00 and ${to}:00.\n` +
            "This does not mean you are infected, nor necessarily that you were in contact with an infected person; please take care of your health just in case.\n" +
            `For questions about this notice, contact "${venue}" at ${phone}.\n` +
            `(Sent by ${issuer})`
        : `あなたが${month}月${day}日に立ち寄られた『${venue}』を、新型コロナウイルスの陽性者が、${from}時から${to}時頃までの間に利用されていたことが判明しましたのでお知らせします。\n` +
            "このご連絡は、必ずしも感染者との接触があったことを意味するものではありませんが、念のため体調管理にご注意ください。\n" +
            `本通知についてのお問い合わせは、『${venue}』『${phone}』までご連絡ください。\n` +
            `（発信：${issuer}）`;
    case 2:
      return english
        ? `A cluster of novel coronavirus infections is suspected among the people who used "${venue}", which you visited on ${englishDate(date)}, between about ${from}:00 and ${to}:00.\n` +
            "This does not mean you are infected, nor necessarily that you were in contact with an infected person; but whether or not you have symptoms, please contact the coronavirus consultation centre of the municipality where you live.\n" +
            `For questions about this notice: ${issuer}, ${phone}`
        : `あなたが${month}月${day}日に立ち寄られた『${venue}』を、${from}時から${to}時頃までの間に利用されていた方の間で、新型コロナウイルス感染症の集団発生の疑いがあることが判明しましたのでお知らせします。\n` +
            "このご連絡は、必ずしも感染者との接触があったことを意味するものではありませんが、症状の有無にかかわらず、お住まいの区市町村の新型コロナ受診相談窓口（帰国者・接触者相談センター）までご連絡ください。\n" +
            `本通知についてのお問い合わせ：${issuer}『${phone}』`;
    default:
      return english
        ? "[Notice]\n" +
            `A person later found to be infected with the novel coronavirus used the facility you registered at, or took part in the event: "${venue}", on the same day as you (${englishDate(date)}${wholeDay ? "" : `, between about ${from}:00 and ${to}:00`}).\n` +
            "This does not mean you are infected, but please watch your health closely and contact the prefecture's consultation centre if you feel unwell.\n" +
            `For questions about this notice: ${issuer}, ${phone}`
        : "【お知らせ】\n" +
            "新型コロナウイルスの感染が判明した方が、あなたが登録した施設を利用又は、イベントに参加していました。\n" +
            "あなたが感染しているとは限りませんが、体調管理等に十分に注意し、体調悪化の際は県の相談センターに御連絡願います。\n" +
            `施設・イベント：『${venue}』\n` +
            `利用日：${year}年${month}月${day}日${wholeDay ? "" : `（${from}時から${to}時頃まで）`}（同じ日に利用していました）\n` +
            `お問い合わせ：${issuer}『${phone}』`;
  }
}
