//! Reading a number from the digits typed when the parser's own reading is not a real number.
//!
//! `phonenumber` strips a region's national prefix twice and against the wrong region: with
//! the default region GB, `00 39 06 1234 5678` (a Rome landline dialled from the UK) loses the
//! `0` that belongs to the Italian number, and with RU, `8 812 123-45-67` (St Petersburg)
//! loses the `8` of its area code. Both come back as numbers no plan assigns. Rather than
//! patch the parser, the digits typed are read again in the plain international form the
//! parser handles correctly, keeping whichever reading the numbering plan assigns.

use phonenumber::country::{Id, Source};
use phonenumber::PhoneNumber;

use super::metadata;

/// Lists international forms (`+` and digits) the digits of `text` may have meant.
///
/// `number` is the parser's reading of `text` with default `region`; the forms follow from how
/// it found the country code. Text with letters or an extension yields none, since its digits
/// alone do not spell the number.
pub(crate) fn candidates(text: &str, number: &PhoneNumber, region: Option<Id>) -> Vec<String> {
    if !is_plain(text) {
        return Vec::new();
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let code = number.code().value().to_string();
    let meta = region.and_then(metadata::region);

    match number.code().source() {
        Source::Plus | Source::Number => vec![format!("+{digits}")],
        Source::Idd => after_idd(&digits, meta).into_iter().collect(),
        Source::Default => {
            let prefix = meta.and_then(|meta| meta.national_prefix());
            let stripped = prefix.and_then(|prefix| digits.strip_prefix(prefix));
            let national = stripped.into_iter().chain([digits.as_str()]);
            national
                .map(|national| format!("+{code}{national}"))
                .collect()
        }
    }
}

/// Returns the international form of `digits` dialled with the region's international prefix.
fn after_idd(digits: &str, meta: Option<&phonenumber::metadata::Metadata>) -> Option<String> {
    let idd = meta?.international_prefix()?.find(digits)?;
    let rest = digits.get(idd.end()..)?;

    (idd.start() == 0).then(|| format!("+{rest}"))
}

/// Whether `text` is only digits and the punctuation numbers are written with.
pub(crate) fn is_plain(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | '.' | ' '))
}
