use proptest::prelude::*;
use textback_text::sms::{analyze, Encoding};

/// A UCS-2 character from the Basic Multilingual Plane, one UTF-16 unit.
const UCS2_CHAR: &str = "ç";
/// An emoji outside the Basic Multilingual Plane, a surrogate pair of two UTF-16 units.
const EMOJI: &str = "😀";

/// Guards the GSM-7 boundaries carriers bill at: 160 in one segment, 153 per part after.
#[test]
fn gsm7_segment_boundaries() {
    let cases = [
        (1, 1),
        (160, 1),
        (161, 2),
        (306, 2),
        (307, 3),
        (459, 3),
        (460, 4),
    ];

    for (length, expected) in cases {
        let info = analyze(&"a".repeat(length));

        assert_eq!(info.encoding, Encoding::Gsm7, "plain letters are GSM-7");
        assert_eq!(
            info.segments, expected,
            "segments for {length} GSM-7 characters"
        );
        assert_eq!(info.units, length, "one septet per basic character");
    }
}

/// Guards the UCS-2 boundaries: 70 in one segment, 67 per part after.
#[test]
fn ucs2_segment_boundaries() {
    let cases = [
        (1, 1),
        (70, 1),
        (71, 2),
        (134, 2),
        (135, 3),
        (201, 3),
        (202, 4),
    ];

    for (length, expected) in cases {
        let info = analyze(&UCS2_CHAR.repeat(length));

        assert_eq!(info.encoding, Encoding::Ucs2, "ç forces UCS-2");
        assert_eq!(
            info.segments, expected,
            "segments for {length} UCS-2 characters"
        );
        assert_eq!(info.units, length, "one UTF-16 unit per BMP character");
    }
}

/// Guards the documented choice for empty text, which Twilio's calculator shows as one segment.
#[test]
fn empty_text_is_one_gsm7_segment() {
    let info = analyze("");

    assert_eq!(info.encoding, Encoding::Gsm7, "empty text needs no UCS-2");
    assert_eq!(info.segments, 1, "empty text counts as one segment");
    assert_eq!(
        (info.characters, info.units),
        (0, 0),
        "empty text has no characters"
    );
}

/// Guards emoji counting: two UTF-16 units each, one character each.
#[test]
fn emoji_count_two_units() {
    let text = format!("Hi {EMOJI}");

    let info = analyze(&text);

    assert_eq!(info.encoding, Encoding::Ucs2, "emoji force UCS-2");
    assert_eq!(info.characters, 4, "an emoji is one character");
    assert_eq!(info.units, 5, "an emoji is a surrogate pair");
    assert_eq!(info.non_gsm, vec!['😀'], "the emoji is named");
}

/// Guards that a surrogate pair is never split: 66 units plus an emoji overflow the first part.
#[test]
fn surrogate_pair_is_not_split_across_segments() {
    let fits = format!("{}{EMOJI}", UCS2_CHAR.repeat(65));
    let straddles = format!("{}{EMOJI}{}", UCS2_CHAR.repeat(66), UCS2_CHAR.repeat(66));

    let fits_info = analyze(&fits);
    let straddles_info = analyze(&straddles);

    assert_eq!(fits_info.segments, 1, "67 units fit in one segment");
    assert_eq!(straddles_info.units, 134, "66 + 2 + 66 units");
    assert_eq!(
        straddles_info.segments, 3,
        "the pair moves to part two, pushing one unit on"
    );
}

/// Guards `€` and the other extension characters: GSM-7, but two septets each.
#[test]
fn extension_characters_cost_two_septets() {
    let text = "€^{}\\[~]|\u{0C}";

    let info = analyze(text);

    assert_eq!(
        info.encoding,
        Encoding::Gsm7,
        "extension characters stay GSM-7"
    );
    assert_eq!(info.characters, 10, "ten characters");
    assert_eq!(info.units, 20, "two septets each");
}

/// Guards that an extension character is not split at a part boundary.
#[test]
fn extension_character_is_not_split_across_segments() {
    let fits = format!("{}€{}", "a".repeat(151), "a".repeat(153));
    let straddles = format!("{}€{}", "a".repeat(152), "a".repeat(152));

    let fits_info = analyze(&fits);
    let straddles_info = analyze(&straddles);

    assert_eq!(fits_info.segments, 2, "151 + 2 fills part one exactly");
    assert_eq!(straddles_info.units, 306, "152 + 2 + 152 septets");
    assert_eq!(
        straddles_info.segments, 3,
        "€ moves to part two, pushing one septet on"
    );
}

/// Guards the GSM 03.38 look-alikes: `Ç` and `¤` are in the table, `ç`, `¢` and backtick not.
#[test]
fn gsm_table_look_alikes() {
    let inside = [
        "Ç",
        "¤",
        "@£$¥èéùìòØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ",
        "¡ÄÖÑÜ§¿äöñüà",
        "\r\n",
    ];
    let outside = ['ç', '¢', '`', 'á', 'í', 'ó', 'ú', '’', '“'];

    for text in inside {
        let info = analyze(text);

        assert_eq!(
            info.encoding,
            Encoding::Gsm7,
            "{text:?} is in the basic table"
        );
    }
    for c in outside {
        let info = analyze(&c.to_string());

        assert_eq!(info.encoding, Encoding::Ucs2, "{c:?} is not in GSM-7");
    }
}

/// Guards `non_gsm`: distinct characters, in order of first appearance.
#[test]
fn non_gsm_lists_distinct_characters_in_order() {
    let text = "Café ’24 ’ at Zoë’s ç";

    let info = analyze(text);

    assert_eq!(
        info.non_gsm,
        vec!['’', 'ë', 'ç'],
        "each offender once, first seen first"
    );
}

/// Guards the names the UI and the JSON show for each encoding.
#[test]
fn encoding_names() {
    let names = [Encoding::Gsm7, Encoding::Ucs2].map(|e| e.to_string());
    let json = serde_json::to_string(&analyze("ç")).unwrap();

    assert_eq!(names, ["GSM-7", "UCS-2"], "display names");
    assert!(
        json.contains(r#""encoding":"UCS-2""#),
        "serialized name in {json}"
    );
}

proptest! {
    /// Guards against a panic on any text, and the invariants between the counts.
    #[test]
    fn counts_are_consistent(text in any::<String>()) {
        let info = analyze(&text);

        let characters = text.chars().count();
        prop_assert_eq!(info.characters, characters, "characters are scalar values");
        prop_assert!(info.segments >= 1, "at least one segment");
        match info.encoding {
            Encoding::Gsm7 => {
                prop_assert!(info.non_gsm.is_empty(), "GSM-7 has no offenders");
                prop_assert!(info.units >= characters && info.units <= 2 * characters, "septets");
            }
            Encoding::Ucs2 => {
                prop_assert!(!info.non_gsm.is_empty(), "UCS-2 names an offender");
                prop_assert_eq!(info.units, text.encode_utf16().count(), "UTF-16 units");
            }
        }
    }

    /// Guards that segments bound the units from both sides.
    #[test]
    fn segments_fit_units(text in any::<String>()) {
        let info = analyze(&text);

        let (single, multi) = match info.encoding {
            Encoding::Gsm7 => (160, 153),
            Encoding::Ucs2 => (70, 67),
        };
        let segments = info.segments as usize;
        if segments == 1 {
            prop_assert!(info.units <= single, "one segment holds at most {}", single);
        } else {
            prop_assert!(info.units > single, "more than one segment only past {}", single);
            prop_assert!(info.units <= segments * multi, "parts hold at most {} each", multi);
            prop_assert!(info.units > (segments - 1) * (multi - 1), "no part is wasted");
        }
    }

    /// Guards that appending GSM-7 text never lowers the segment count.
    #[test]
    fn gsm7_segments_grow_with_length(text in "[ -_a-~€£¥]{0,500}", extra in "[a-z€^]{1,20}") {
        let longer = format!("{text}{extra}");

        let short_info = analyze(&text);
        let long_info = analyze(&longer);

        prop_assert_eq!(long_info.encoding, Encoding::Gsm7, "ASCII less backtick is GSM-7");
        prop_assert!(long_info.segments >= short_info.segments, "segments never shrink");
    }
}
