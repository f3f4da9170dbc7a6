//! Phone numbers as Twilio checks and displays them.

/// Whether `number` is in E.164 form: `+`, a non-zero digit, then up to 14 more digits.
pub(crate) fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// The number as Twilio shows it in `from_formatted` and `to_formatted`: North American numbers
/// as `(415) 867-5309`, every other number unchanged.
pub(crate) fn display_form(number: &str) -> String {
    match number.strip_prefix("+1") {
        Some(national) if national.len() == 10 && national.bytes().all(|b| b.is_ascii_digit()) => {
            format!(
                "({}) {}-{}",
                &national[..3],
                &national[3..6],
                &national[6..]
            )
        }
        _ => number.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// E.164 needs the plus, no leading zero, and 2 to 15 digits.
    #[test]
    fn e164_shape_is_enforced() {
        let good = ["+15551234567", "+442071838750", "+12"];
        let bad = [
            "15551234567",
            "+05551234567",
            "+1555-123-4567",
            "+1234567890123456",
            "+1",
        ];

        for number in good {
            assert!(is_e164(number), "{number} is E.164");
        }
        for number in bad {
            assert!(!is_e164(number), "{number} is not E.164");
        }
    }

    /// North American numbers get Twilio's display form; others stay as they are.
    #[test]
    fn display_form_matches_twilio() {
        let nanp = display_form("+14158675309");
        let uk = display_form("+442071838750");

        assert_eq!(nanp, "(415) 867-5309", "NANP numbers are shown nationally");
        assert_eq!(uk, "+442071838750", "other numbers stay E.164");
    }
}
