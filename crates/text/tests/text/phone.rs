use phonenumber::Type;
use proptest::prelude::*;
use textback_text::phone::{
    country_calling_code_region, is_anonymous, parse, NumberKind, PhoneError,
};

/// Maps the crate's number type to ours the way the phone module documents it.
fn kind_of(kind: Type) -> NumberKind {
    match kind {
        Type::Mobile => NumberKind::Mobile,
        Type::FixedLine => NumberKind::FixedLine,
        Type::FixedLineOrMobile => NumberKind::FixedLineOrMobile,
        Type::TollFree => NumberKind::TollFree,
        Type::Voip => NumberKind::Voip,
        Type::PremiumRate => NumberKind::Premium,
        Type::Unknown => NumberKind::Unknown,
        _ => NumberKind::Other,
    }
}

/// Guards the common US case: international and national spellings meet in one E.164 form.
#[test]
fn us_spellings_agree_on_e164() {
    let international = "+1 212-555-0100";
    let national = "(212) 555-0100";

    let from_international = parse(international, None).expect("international form parses");
    let from_national = parse(national, Some("US")).expect("national form parses with US");

    assert_eq!(
        from_international.e164, "+12125550100",
        "E.164 of the international form"
    );
    assert_eq!(
        from_national.e164, "+12125550100",
        "E.164 of the national form"
    );
    assert_eq!(
        from_national.country.as_deref(),
        Some("US"),
        "region of a 212 number"
    );
}

/// Guards the region being case-insensitive, as it often comes from settings typed by hand.
#[test]
fn region_is_case_insensitive() {
    let input = "(212) 555-0100";

    let phone = parse(input, Some(" us ")).expect("lowercase region is accepted");

    assert_eq!(
        phone.e164, "+12125550100",
        "lowercase region reads the number as US"
    );
}

/// Guards type and region lookup from the metadata for a number outside North America.
#[test]
fn uk_mobile_is_mobile_in_gb() {
    let input = "+447400123456";

    let phone = parse(input, None).expect("UK mobile parses");

    assert_eq!(phone.kind, NumberKind::Mobile, "07400 numbers are mobile");
    assert_eq!(
        phone.country.as_deref(),
        Some("GB"),
        "+44 7400 is Great Britain"
    );
    assert!(phone.valid, "a UK mobile in an assigned range is valid");
}

/// Guards that shared calling codes resolve to the number's own region, not the code's main one.
#[test]
fn canadian_number_is_ca() {
    let input = "+1 416 555 0100";

    let phone = parse(input, None).expect("Toronto number parses");

    assert_eq!(
        phone.country.as_deref(),
        Some("CA"),
        "416 is a Canadian area code"
    );
}

/// Guards against a few digits after a country code being taken for a number.
#[test]
fn too_short_number_is_an_error() {
    let input = "+1 555";

    let result = parse(input, None);

    assert_eq!(
        result,
        Err(PhoneError::TooShort),
        "three digits after +1 are too few"
    );
}

/// Guards against letters being read as a number.
#[test]
fn letters_are_not_a_number() {
    let input = "abc";

    let result = parse(input, None);

    assert_eq!(
        result,
        Err(PhoneError::NotANumber),
        "letters alone are no phone number"
    );
}

/// Guards the error kinds a settings screen shows next to the field.
#[test]
fn errors_name_what_was_wrong() {
    let cases = [
        ("   ", None, PhoneError::Empty),
        ("(212) 555-0100", None, PhoneError::NoRegion),
        (
            "(212) 555-0100",
            Some("XX"),
            PhoneError::UnknownRegion("XX".into()),
        ),
        ("+999 1234 5678", None, PhoneError::UnknownCallingCode),
        ("+1 2125550100123456789", None, PhoneError::TooLong),
        ("+12", None, PhoneError::TooShort),
    ];

    for (input, region, expected) in cases {
        let result = parse(input, region);

        assert_eq!(
            result,
            Err(expected),
            "error for {input:?} with region {region:?}"
        );
    }
}

/// Guards the guard on input length, which keeps long text away from the parser.
#[test]
fn very_long_input_is_too_long() {
    let input = "1".repeat(500);

    let result = parse(&input, Some("US"));

    assert_eq!(
        result,
        Err(PhoneError::TooLong),
        "500 digits are refused up front"
    );
}

/// Guards that a number in a plausible range that no plan assigns still parses, flagged.
#[test]
fn unassigned_but_plausible_number_is_returned_invalid() {
    let input = "+1 555 555 0100";

    let phone = parse(input, None).expect("a ten-digit +1 number parses");

    assert!(!phone.valid, "area code 555 is not assigned");
    assert_eq!(
        phone.kind,
        NumberKind::Unknown,
        "an unassigned number has no kind"
    );
}

/// Guards the non-geographic case, where no region owns the number.
#[test]
fn freephone_has_no_country() {
    let input = "+800 1234 5678";

    let phone = parse(input, None).expect("universal freephone parses");

    assert_eq!(phone.country, None, "+800 belongs to no region");
    assert_eq!(phone.kind, NumberKind::TollFree, "+800 is freephone");
}

/// Guards every withheld-number marker in its usual spellings.
#[test]
fn withheld_markers_are_anonymous() {
    let markers = [
        "",
        "  ",
        "anonymous",
        "Anonymous",
        " RESTRICTED ",
        "unknown",
        "Private",
        "unavailable",
        "+266696687",
        "266696687",
        "+7378742833",
        "+2562533",
        "+86282452253",
        "+8656696",
    ];

    for marker in markers {
        let anonymous = is_anonymous(marker);

        assert!(anonymous, "{marker:?} marks a withheld number");
    }
}

/// Guards against real caller IDs being dropped as withheld.
#[test]
fn real_numbers_are_not_anonymous() {
    let numbers = ["+12125550100", "anonymous caller", "+2665551234"];

    for number in numbers {
        let anonymous = is_anonymous(number);

        assert!(!anonymous, "{number:?} is a real caller ID");
    }
}

/// Guards the calling-code lookup, including shared and non-geographic codes.
#[test]
fn calling_code_regions() {
    let cases = [
        ("+14165550100", Some("US")),
        ("+447400123456", Some("GB")),
        ("+33612345678", Some("FR")),
        ("+80012345678", None),
        ("12125550100", None),
        ("+", None),
        ("+é", None),
    ];

    for (e164, expected) in cases {
        let region = country_calling_code_region(e164);

        assert_eq!(region.as_deref(), expected, "region for {e164:?}");
    }
}

/// Guards against the parser's national-prefix stripping eating digits of international
/// numbers: Russia's prefix is `8`, which also starts area codes such as St Petersburg's 812.
#[test]
fn international_numbers_keep_every_digit() {
    let cases = [
        ("+7 812 123-45-67", None, "+78121234567"),
        ("+78005553535", None, "+78005553535"),
        ("+78000000000", Some("RU"), "+78000000000"),
        ("+39 06 1234 5678", Some("GB"), "+390612345678"),
        ("tel:+7-812-123-45-67", Some("DE"), "+78121234567"),
    ];

    for (input, region, expected) in cases {
        let phone = parse(input, region).expect("international number parses");

        assert_eq!(
            phone.e164, expected,
            "E.164 of {input:?} with region {region:?}"
        );
        assert!(phone.valid, "{input:?} is an assigned number");
    }
}

/// Guards the re-reading of national and dialled-abroad numbers the parser misreads.
#[test]
fn misread_numbers_are_read_from_the_digits_typed() {
    let cases = [
        ("8 812 123-45-67", "RU", "+78121234567"),
        ("812 123-45-67", "RU", "+78121234567"),
        ("8 800 555-35-35", "RU", "+78005553535"),
        ("00 39 06 1234 5678", "GB", "+390612345678"),
        ("011 7 812 123 4567", "US", "+78121234567"),
    ];

    for (input, region, expected) in cases {
        let phone = parse(input, Some(region)).expect("typed number parses");

        assert_eq!(phone.e164, expected, "E.164 of {input:?} typed in {region}");
        assert!(phone.valid, "{input:?} is an assigned number");
    }
}

/// Guards the national formats of a few countries staff are likely to type.
#[test]
fn national_formats_parse() {
    let cases = [
        (
            "020 7946 0000",
            "GB",
            "+442079460000",
            NumberKind::FixedLine,
        ),
        ("06 12 34 56 78", "FR", "+33612345678", NumberKind::Mobile),
        ("030 123456", "DE", "+4930123456", NumberKind::FixedLine),
        ("0412 345 678", "AU", "+61412345678", NumberKind::Mobile),
        ("1-800-FLOWERS", "US", "+18003569377", NumberKind::TollFree),
    ];

    for (input, region, e164, kind) in cases {
        let phone = parse(input, Some(region)).expect("national number parses");

        assert_eq!(phone.e164, e164, "E.164 of {input:?} in {region}");
        assert_eq!(phone.kind, kind, "kind of {input:?} in {region}");
    }
}

/// Guards region and type lookup for numbers whose national part keeps a leading zero.
#[test]
fn italian_landline_has_region_and_kind() {
    let input = "+39 06 1234 5678";

    let phone = parse(input, None).expect("Rome landline parses");

    assert_eq!(phone.country.as_deref(), Some("IT"), "06 is Rome, Italy");
    assert_eq!(
        phone.kind,
        NumberKind::FixedLine,
        "06 numbers are landlines"
    );
    assert!(phone.valid, "a Rome landline is valid");
}

/// Guards against a panic inside the parser for any two-letter region, including ids that
/// name a country the metadata has no plan for.
#[test]
fn every_two_letter_region_is_safe() {
    let letters = 'A'..='Z';
    let regions = letters
        .clone()
        .flat_map(|a| letters.clone().map(move |b| format!("{a}{b}")));

    for region in regions {
        let result = parse("0123 456 789", Some(&region));

        if let Err(PhoneError::UnknownRegion(name)) = &result {
            assert_eq!(name, &region, "unknown region error names the region");
        }
    }
}

proptest! {
    /// Guards against a panic inside the parser on any caller-supplied text.
    #[test]
    fn parse_never_panics(input in any::<String>(), region in proptest::option::of("[A-Za-z]{2}")) {
        let _ = parse(&input, region.as_deref());
    }

    /// Guards against a panic on text shaped like phone numbers, where the parser goes deepest.
    #[test]
    fn parse_never_panics_on_number_like_text(
        input in "[+]?[0-9 ()#*x.;=:a-z-]{0,40}",
        region in proptest::option::of("(US|GB|CH|DE|IT|FR|NZ|BR|IN|CN)"),
    ) {
        let _ = parse(&input, region.as_deref());
    }

    /// Guards that an accepted number is a well-formed E.164 string that parses back to itself.
    #[test]
    fn e164_round_trips(input in "[+]?[0-9]{1,18}", region in proptest::option::of("(US|GB|DE)")) {
        if let Ok(phone) = parse(&input, region.as_deref()) {
            let again = parse(&phone.e164, None);

            prop_assert!(phone.e164.starts_with('+'), "E.164 starts with +: {}", phone.e164);
            prop_assert_eq!(again.map(|p| p.e164), Ok(phone.e164.clone()), "E.164 parses to itself");
        }
    }

    /// Guards `is_anonymous` and the calling-code lookup against panics on any text.
    #[test]
    fn lookups_never_panic(input in any::<String>()) {
        let _ = is_anonymous(&input);
        let _ = country_calling_code_region(&input);
    }
}

proptest! {
    /// Guards our region and type lookup against the crate's, wherever the crate's is right:
    /// national numbers without a leading zero.
    #[test]
    fn lookup_agrees_with_crate(code in "(1|7|33|44|49|61|81|86|91|234|800)", rest in "[1-9][0-9]{5,11}") {
        let e164 = format!("+{code}{rest}");
        let Ok(number) = phonenumber::parse(Some(phonenumber::country::Id::IT), &e164) else {
            return Ok(());
        };
        let Ok(phone) = parse(&e164, None) else { return Ok(()) };

        let country = number.country().id().map(|id| id.as_ref().to_string());
        let kind = kind_of(number.number_type(&phonenumber::metadata::DATABASE));

        prop_assert_eq!(phone.valid, number.is_valid(), "validity of {}", e164);
        prop_assert_eq!(phone.kind, kind, "kind of {}", e164);
        prop_assert_eq!(phone.country, country, "country of {}", e164);
    }
}
