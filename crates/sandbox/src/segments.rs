//! How many SMS segments a body takes, for `num_segments`.
//!
//! The engine shows and budgets segment counts, so the sandbox reports them the way carriers
//! count: bodies that fit the GSM 03.38 alphabet use 7-bit characters (160 in one segment, 153
//! per segment once split), anything else is sent as UCS-2 (70, then 67 per segment).
//!
//! Limitation: a split never lands inside an escape sequence or a surrogate pair on a real
//! phone, which can push a long body into one more segment than counted here.

/// Characters of the GSM 03.38 basic table, each one septet.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// Characters of the GSM 03.38 extension table, each an escape plus one septet.
const GSM_EXTENDED: &str = "\u{0C}^{}\\[~]|€";

/// The number of segments `body` is sent in; an empty body still takes one.
pub(crate) fn count(body: &str) -> u32 {
    let (units, single, multi) = match gsm_septets(body) {
        Some(septets) => (septets, 160, 153),
        None => (body.encode_utf16().count(), 70, 67),
    };
    let segments = if units <= single {
        1
    } else {
        units.div_ceil(multi)
    };
    u32::try_from(segments).unwrap_or(u32::MAX)
}

/// Septets `body` takes in the GSM alphabet, or `None` if it has a character outside it.
fn gsm_septets(body: &str) -> Option<usize> {
    body.chars().try_fold(0, |septets, c| {
        if GSM_BASIC.contains(c) {
            Some(septets + 1)
        } else if GSM_EXTENDED.contains(c) {
            Some(septets + 2)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain text splits at 160, then every 153 characters.
    #[test]
    fn gsm_bodies_split_at_160_then_153() {
        let full = "a".repeat(160);
        let over = "a".repeat(161);
        let three = "a".repeat(307);

        assert_eq!(count(&full), 1, "160 GSM characters fit one segment");
        assert_eq!(count(&over), 2, "161 need two");
        assert_eq!(count(&three), 3, "307 is more than two segments of 153");
        assert_eq!(count(""), 1, "an empty body still takes one segment");
    }

    /// An emoji forces UCS-2, which splits at 70 then every 67 units.
    #[test]
    fn unicode_bodies_split_at_70_then_67() {
        let short = format!("{}👍", "a".repeat(68));
        let long = format!("{}👍", "a".repeat(69));

        assert_eq!(
            count(&short),
            1,
            "68 characters and a two-unit emoji fit 70 units"
        );
        assert_eq!(count(&long), 2, "71 units need two segments");
    }

    /// Extension characters such as `€` cost two septets.
    #[test]
    fn extension_characters_count_double() {
        let body = "€".repeat(81);

        assert_eq!(count(&body), 2, "81 euro signs are 162 septets");
    }
}
