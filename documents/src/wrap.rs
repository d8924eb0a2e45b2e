//! Line breaking for mixed Japanese and English text.
//!
//! Japanese may break between any two characters, except that closing punctuation and small
//! kana never start a line and opening brackets never end one (a simple 禁則処理, "kinsoku").
//! Latin words break at spaces; a word longer than the line is broken between characters.

/// Characters that must not start a line (行頭禁則).
const NO_LINE_START: &str = "、。，．・：；？！ー）」』】〕〉》”’ゝゞヽヾ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ…‥,.)]}!?:;%";
/// Characters that must not end a line (行末禁則).
const NO_LINE_END: &str = "（「『【〔〈《“‘([{";

/// Whether a line may break before or after `c` wherever it stands (CJK ideographs, kana,
/// full-width forms and CJK punctuation).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF      // radicals, Kangxi
        | 0x3000..=0x30FF    // CJK punctuation, hiragana, katakana
        | 0x3100..=0x31FF
        | 0x3400..=0x4DBF    // extension A
        | 0x4E00..=0x9FFF    // unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF    // full-width and half-width forms
        | 0x20000..=0x3FFFF)
}

/// A piece of text that is never broken inside (unless it alone is wider than a line).
#[derive(Debug)]
struct Segment {
    start: usize,
    end: usize,
    space: bool,
}

fn segments(chars: &[char]) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let space = c.is_whitespace();
        if space {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
        } else if is_cjk(c) {
            i += 1;
        } else {
            while i < chars.len() && !chars[i].is_whitespace() && !is_cjk(chars[i]) {
                i += 1;
            }
        }
        // Closing punctuation sticks to what precedes it.
        let glue_to_previous = !space
            && NO_LINE_START.contains(c)
            && out.last().is_some_and(|previous| !previous.space);
        // What follows an opening bracket sticks to it.
        let previous_opens = out.last().is_some_and(|previous| {
            !previous.space
                && chars[previous.end - 1..previous.end]
                    .iter()
                    .all(|&p| NO_LINE_END.contains(p))
        });
        match out.last_mut() {
            Some(previous) if !space && (glue_to_previous || previous_opens) => previous.end = i,
            _ => out.push(Segment {
                start,
                end: i,
                space,
            }),
        }
    }
    out
}

/// Breaks `text` into lines no wider than `max_width`, given each char's advance width.
///
/// `advances` has one entry per `char` of `text`. A `'\n'` forces a break (an empty line stays
/// empty). Spaces at the start and end of a line are dropped.
pub(crate) fn wrap(text: &str, advances: &[f32], max_width: f32) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut lines = Vec::new();
    let mut paragraph_start = 0;
    for (index, &c) in chars
        .iter()
        .enumerate()
        .chain(std::iter::once((chars.len(), &'\n')))
    {
        if c == '\n' {
            wrap_paragraph(
                &chars[paragraph_start..index],
                &advances[paragraph_start..index.min(advances.len())],
                max_width,
                &mut lines,
            );
            paragraph_start = index + 1;
        }
    }
    lines
}

fn wrap_paragraph(chars: &[char], advances: &[f32], max_width: f32, lines: &mut Vec<String>) {
    let width_of =
        |from: usize, to: usize| -> f32 { advances.get(from..to).map_or(0.0, |a| a.iter().sum()) };
    let mut line = String::new();
    let mut line_width = 0.0_f32;
    let mut pending_space = 0.0_f32;
    let mut produced = false;
    for segment in segments(chars) {
        let width = width_of(segment.start, segment.end);
        if segment.space {
            if !line.is_empty() {
                pending_space = width;
            }
            continue;
        }
        if !line.is_empty() && line_width + pending_space + width > max_width {
            lines.push(std::mem::take(&mut line));
            produced = true;
            line_width = 0.0;
            pending_space = 0.0;
        }
        if !line.is_empty() && pending_space > 0.0 {
            line.push(' ');
            line_width += pending_space;
        }
        pending_space = 0.0;
        if width <= max_width || !line.is_empty() {
            line.extend(&chars[segment.start..segment.end]);
            line_width += width;
            continue;
        }
        // A segment wider than a whole line: break it between characters.
        for (index, &c) in chars
            .iter()
            .enumerate()
            .take(segment.end)
            .skip(segment.start)
        {
            let advance = width_of(index, index + 1);
            if !line.is_empty() && line_width + advance > max_width {
                lines.push(std::mem::take(&mut line));
                produced = true;
                line_width = 0.0;
            }
            line.push(c);
            line_width += advance;
        }
    }
    if !line.is_empty() || !produced {
        lines.push(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every char one unit wide, so widths are char counts.
    fn wrap_units(text: &str, width: f32) -> Vec<String> {
        let advances = vec![1.0; text.chars().count()];
        wrap(text, &advances, width)
    }

    #[test]
    fn japanese_breaks_between_characters() {
        assert_eq!(
            wrap_units("来店のたびに読み取ってください", 6.0),
            ["来店のたびに", "読み取ってく", "ださい"]
        );
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // 「。」 would start the second line after 「ください」; it takes 「い」 along.
        let lines = wrap_units("ください。次へ", 4.0);
        assert_eq!(lines, ["くださ", "い。次へ"]);
        for line in &lines {
            assert!(!line.starts_with('。'));
        }
    }

    #[test]
    fn opening_brackets_never_end_a_line() {
        let lines = wrap_units("あいう「えお」", 4.0);
        assert_eq!(lines, ["あいう", "「えお」"]);
    }

    #[test]
    fn english_breaks_at_spaces_and_drops_them_at_line_ends() {
        assert_eq!(
            wrap_units("Scan the QR code at every visit", 12.0),
            ["Scan the QR", "code at", "every visit"]
        );
    }

    #[test]
    fn a_word_longer_than_the_line_is_broken() {
        assert_eq!(wrap_units("ABCDEFGHIJ", 4.0), ["ABCD", "EFGH", "IJ"]);
    }

    #[test]
    fn mixed_scripts_break_between_latin_and_kana() {
        assert_eq!(
            wrap_units("QRコードを読み取る", 5.0),
            ["QRコード", "を読み取る"]
        );
    }

    #[test]
    fn newlines_force_breaks_and_empty_lines_stay() {
        assert_eq!(wrap_units("あい\n\nう", 10.0), ["あい", "", "う"]);
        assert_eq!(wrap_units("", 10.0), [""]);
    }
}
