//! The GSM 03.38 default alphabet, as the Unicode characters it can carry.
//!
//! Only the default alphabet and its extension table are modelled. National language shift
//! tables (Turkish, Portuguese, Indian scripts) exist in the standard, but US and European
//! carriers and Twilio never select them, so a character outside these two tables means the
//! whole message goes out as UCS-2.

/// Characters of the basic table, each one septet.
///
/// The table is easy to get subtly wrong: it holds `Ç` (capital C cedilla) but not `ç`, `¤`
/// rather than `¢`, and no backtick. The escape code (0x1B) is not a character and is left out.
const BASIC: &[char] = &[
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    ':', ';', '<', '=', '>', '?', '¡', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/// Characters of the extension table, each sent as the escape septet plus one more.
const EXTENSION: &[char] = &['\u{0C}', '^', '{', '}', '\\', '[', '~', ']', '|', '€'];

/// Returns how many septets `c` takes in GSM-7, or `None` when GSM-7 cannot carry it.
pub(crate) fn septets(c: char) -> Option<usize> {
    if c.is_ascii_alphanumeric() || BASIC.contains(&c) {
        Some(1)
    } else if EXTENSION.contains(&c) {
        Some(2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against a character slipping into both tables, which would make its cost ambiguous.
    #[test]
    fn tables_are_disjoint() {
        let overlap: Vec<char> = BASIC
            .iter()
            .copied()
            .filter(|c| EXTENSION.contains(c))
            .collect();

        assert!(overlap.is_empty(), "characters in both tables: {overlap:?}");
    }

    /// Guards the table sizes against a dropped or duplicated entry: the basic table has 128
    /// positions less the escape code, the extension table ten mapped characters.
    #[test]
    fn tables_have_standard_sizes() {
        let alphanumerics = ('0'..='9').chain('A'..='Z').chain('a'..='z').count();
        let mut basic = BASIC.to_vec();
        basic.sort_unstable();
        basic.dedup();

        let basic_total = basic.len() + alphanumerics;

        assert_eq!(basic_total, 127, "basic table should map 127 characters");
        assert_eq!(
            EXTENSION.len(),
            10,
            "extension table should map 10 characters"
        );
    }
}
