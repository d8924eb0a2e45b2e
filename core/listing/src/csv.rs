//! A small RFC 4180 CSV reader and writer for rosters, check-ins and listings.
//!
//! Fields are separated by commas; a field in double quotes may hold commas, line breaks and
//! doubled quotes (`""`). A UTF-8 byte-order mark (as spreadsheet programs write) is skipped,
//! both CRLF and LF line ends are accepted, and blank lines are skipped.

/// One record and the (1-based) line of the file it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) line: usize,
    pub(crate) fields: Vec<String>,
}

/// Why a file is not CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CsvProblem {
    /// A quoted field is not closed before the end of the file.
    UnclosedQuote,
    /// A character follows a closing quote other than a comma or a line end.
    TextAfterQuote,
}

impl CsvProblem {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::UnclosedQuote => "a quoted field is not closed (a \" is missing)",
            Self::TextAfterQuote => {
                "text follows a closing quote; write a quote inside a quoted field as \"\""
            }
        }
    }
}

/// Splits `text` into records; on failure, the line where the problem is and the problem.
pub(crate) fn parse(text: &str) -> Result<Vec<Record>, (usize, CsvProblem)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut quote_line = 1;
    let mut in_quotes = false;
    let mut after_quote = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    in_quotes = false;
                    after_quote = true;
                }
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                other => field.push(other),
            }
            continue;
        }
        match c {
            ',' => {
                fields.push(std::mem::take(&mut field));
                after_quote = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                fields.push(std::mem::take(&mut field));
                push_record(&mut records, record_line, std::mem::take(&mut fields));
                after_quote = false;
                line += 1;
                record_line = line;
            }
            '"' if field.is_empty() && !after_quote => {
                in_quotes = true;
                quote_line = line;
            }
            _ if after_quote => return Err((line, CsvProblem::TextAfterQuote)),
            other => field.push(other),
        }
    }
    if in_quotes {
        return Err((quote_line, CsvProblem::UnclosedQuote));
    }
    if !field.is_empty() || !fields.is_empty() || after_quote {
        fields.push(field);
        push_record(&mut records, record_line, fields);
    }
    Ok(records)
}

fn push_record(records: &mut Vec<Record>, line: usize, fields: Vec<String>) {
    let blank = fields.iter().all(|field| field.trim().is_empty());
    if !blank {
        records.push(Record { line, fields });
    }
}

/// Writes one CSV line (ending in CRLF, as RFC 4180 says).
///
/// Fields are quoted when they hold a comma, quote or line break. A field that a spreadsheet
/// would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
/// leading `'`, so a name in a roster cannot become a formula in the listing.
pub(crate) fn write_line(out: &mut String, fields: &[&str]) {
    for (at, field) in fields.iter().enumerate() {
        if at > 0 {
            out.push(',');
        }
        let guarded;
        let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            guarded = format!("'{field}");
            guarded.as_str()
        } else {
            field
        };
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(records: &[Record]) -> Vec<(usize, Vec<&str>)> {
        records
            .iter()
            .map(|r| (r.line, r.fields.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn quoted_fields_line_numbers_and_line_ends() {
        let text = "\u{feff}a,b,c\r\n\r\n1,\"x, \"\"y\"\"\",3\n2,\"two\nlines\",\n4,,\"\"";
        let records = parse(text).unwrap();
        assert_eq!(
            fields(&records),
            [
                (1, vec!["a", "b", "c"]),
                (3, vec!["1", "x, \"y\"", "3"]),
                (4, vec!["2", "two\nlines", ""]),
                (6, vec!["4", "", ""]),
            ]
        );
    }

    #[test]
    fn malformed_csv_names_the_line() {
        assert_eq!(parse("a\n\"open\n\n"), Err((2, CsvProblem::UnclosedQuote)));
        assert_eq!(
            parse("a\nb\n\"x\"y,z"),
            Err((3, CsvProblem::TextAfterQuote))
        );
    }

    #[test]
    fn written_lines_read_back_and_formulas_are_defused() {
        let mut out = String::new();
        write_line(
            &mut out,
            &["plain", "with,comma", "say \"hi\"", "=1+1", "two\nlines"],
        );
        assert_eq!(
            out,
            "plain,\"with,comma\",\"say \"\"hi\"\"\",'=1+1,\"two\nlines\"\r\n"
        );
        let back = parse(&out).unwrap();
        assert_eq!(
            back[0].fields,
            ["plain", "with,comma", "say \"hi\"", "'=1+1", "two\nlines"]
        );
    }
}
