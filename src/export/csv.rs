//! A small CSV writer (RFC 4180) that knows which cells a spreadsheet must not reinterpret.
//!
//! Three kinds of cell are written differently in spreadsheet mode:
//!
//! - Our own values (times, counts, statuses, ids) are written as they are.
//! - Text that came from outside (a customer's words, a name, a staff note, event data) is
//!   neutralized against formula injection as OWASP advises: a cell starting with `=`, `+`,
//!   `-`, `@`, a tab or a carriage return gets a leading `'`, so a spreadsheet shows it as text
//!   and never runs it.
//! - Phone numbers are written as the formula `="+12125550100"`. Excel and LibreOffice read a
//!   bare `+12125550100` as the number 12125550100 (shown as 1.21E+10, the `+` lost); an
//!   apostrophe stays visible after a CSV import, and a leading tab stays in the cell and
//!   breaks lookups. The formula is a string literal, so the cell shows the number exactly and
//!   sorts as text; it is only written for values that are a `+` and digits, so nothing a
//!   caller controls ever becomes a formula.
//!
//! Plain mode writes every value as it is and leaves out the byte-order mark, for programs
//! reading the file; it must not be opened in a spreadsheet.

use std::io::{self, Write};

/// The UTF-8 byte-order mark, which tells Excel the file is UTF-8 (without it accented names
/// come out garbled).
pub const BOM: &str = "\u{feff}";

/// A cell and where its value came from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cell<'a> {
    /// A value Textback produced: written as it is.
    Ours(&'a str),
    /// Text from customers, staff or the provider: neutralized in spreadsheet mode.
    Outside(&'a str),
    /// A phone number: kept as text in spreadsheet mode.
    Phone(&'a str),
}

/// Writes records to `out`, one per line, with CRLF line ends.
pub(super) struct CsvWriter<W: Write> {
    out: W,
    plain: bool,
}

impl<W: Write> CsvWriter<W> {
    /// Starts a file: the byte-order mark unless `plain`.
    pub fn new(mut out: W, plain: bool) -> io::Result<Self> {
        if !plain {
            out.write_all(BOM.as_bytes())?;
        }
        Ok(Self { out, plain })
    }

    /// Writes one record.
    pub fn record(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            let value = spreadsheet_safe(*cell, self.plain);
            self.out.write_all(quoted(&value).as_bytes())?;
        }
        self.out.write_all(b"\r\n")
    }

    /// Flushes and hands back the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The value to write for `cell`, before CSV quoting.
fn spreadsheet_safe(cell: Cell<'_>, plain: bool) -> std::borrow::Cow<'_, str> {
    match (cell, plain) {
        (Cell::Ours(v), _) | (Cell::Outside(v) | Cell::Phone(v), true) => v.into(),
        (Cell::Phone(v), false) if is_phone_number(v) => format!("=\"{v}\"").into(),
        (Cell::Phone(v) | Cell::Outside(v), false) => neutralized(v),
    }
}

/// Whether `v` is a `+` (optional) and up to 20 digits: the only values written as a formula.
fn is_phone_number(v: &str) -> bool {
    let digits = v.strip_prefix('+').unwrap_or(v);
    !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `v` with a leading `'` when a spreadsheet would read it as a formula.
fn neutralized(v: &str) -> std::borrow::Cow<'_, str> {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}").into()
    } else {
        v.into()
    }
}

/// `v` quoted when it holds a comma, a quote or a line break, with inner quotes doubled.
fn quoted(v: &str) -> std::borrow::Cow<'_, str> {
    if v.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\"")).into()
    } else {
        v.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cells: &[Cell<'_>], plain: bool) -> String {
        let mut writer = CsvWriter::new(Vec::new(), plain).unwrap();
        writer.record(cells).unwrap();
        String::from_utf8(writer.finish().unwrap()).unwrap()
    }

    /// Guards RFC 4180: separators, quotes and line breaks survive inside a quoted field.
    #[test]
    fn fields_with_separators_are_quoted_and_inner_quotes_doubled() {
        let out = line(&[Cell::Outside("a, \"b\"\nc"), Cell::Ours("plain")], true);

        assert_eq!(out, "\"a, \"\"b\"\"\nc\",plain\r\n", "quoted and doubled");
    }

    /// Guards against formula injection from a customer's text.
    #[test]
    fn outside_text_that_looks_like_a_formula_is_neutralized() {
        for risky in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            let out = line(&[Cell::Outside(risky)], false);

            assert!(
                out.trim_start_matches(BOM)
                    .trim_start_matches('"')
                    .starts_with('\''),
                "{risky:?} gets a leading apostrophe: {out:?}"
            );
        }
        assert_eq!(
            line(&[Cell::Outside("hello")], false),
            format!("{BOM}hello\r\n"),
            "ordinary text is left alone"
        );
    }

    /// Guards that phone numbers stay text in spreadsheets, and only real numbers become a
    /// formula.
    #[test]
    fn phone_numbers_become_text_formulas_only_when_they_are_numbers() {
        let number = line(&[Cell::Phone("+12125550100")], false);
        let odd = line(&[Cell::Phone("+1\"),HYPERLINK(\"x")], false);
        let plain = line(&[Cell::Phone("+12125550100")], true);

        assert_eq!(
            number,
            format!("{BOM}\"=\"\"+12125550100\"\"\"\r\n"),
            "a formula returning the text"
        );
        assert!(
            odd.trim_start_matches(BOM).starts_with("\"'+1"),
            "anything else is neutralized as outside text: {odd:?}"
        );
        assert_eq!(plain, "+12125550100\r\n", "plain mode writes the raw value");
    }
}
