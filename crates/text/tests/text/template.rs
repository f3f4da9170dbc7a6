use proptest::prelude::*;
use textback_text::template::{Template, TemplateError, Values, KNOWN};

/// Values for a business whose caller's name is known.
fn values_with_name() -> Values {
    Values {
        business: "Bright Smile Dental".into(),
        booking_link: "https://book.example/bright".into(),
        first_name: Some("Ann".into()),
    }
}

/// Guards the everyday case: every placeholder filled from its value.
#[test]
fn renders_every_placeholder() {
    let template =
        Template::parse("Hi {first_name}, {business} missed you. Book: {booking_link}").unwrap();

    let text = template.render(&values_with_name());

    assert_eq!(
        text, "Hi Ann, Bright Smile Dental missed you. Book: https://book.example/bright",
        "each placeholder replaced by its value"
    );
}

/// Guards fallbacks for a caller whose name is unknown, missing or blank.
#[test]
fn missing_or_blank_value_uses_fallback() {
    let template = Template::parse("Hi {first_name|there}!").unwrap();
    let missing = Values {
        first_name: None,
        ..values_with_name()
    };
    let blank = Values {
        first_name: Some("  ".into()),
        ..values_with_name()
    };

    let for_missing = template.render(&missing);
    let for_blank = template.render(&blank);

    assert_eq!(for_missing, "Hi there!", "missing name falls back");
    assert_eq!(for_blank, "Hi there!", "blank name falls back");
}

/// Guards the documented choice for a missing value without a fallback: it renders as nothing
/// and the text around it stays as written.
#[test]
fn missing_value_without_fallback_renders_empty() {
    let template = Template::parse("Hi {first_name}, thanks").unwrap();
    let values = Values {
        first_name: None,
        ..values_with_name()
    };

    let text = template.render(&values);

    assert_eq!(
        text, "Hi , thanks",
        "missing name leaves nothing in its place"
    );
}

/// Guards that values are inserted trimmed and that fallbacks and names may be spaced out.
#[test]
fn spacing_inside_braces_and_values_is_trimmed() {
    let template = Template::parse("Hi { first_name | there }.").unwrap();
    let values = Values {
        first_name: Some(" Ann ".into()),
        ..values_with_name()
    };

    let text = template.render(&values);

    assert_eq!(text, "Hi Ann.", "name and value trimmed");
}

/// Guards brace escaping, including next to a placeholder.
#[test]
fn doubled_braces_are_literal() {
    let template = Template::parse("{{{business}}} uses {{first_name}}").unwrap();

    let text = template.render(&values_with_name());

    assert_eq!(
        text, "{Bright Smile Dental} uses {first_name}",
        "{{ and }} are braces"
    );
    assert_eq!(
        template.placeholders(),
        ["business"],
        "escaped name is no placeholder"
    );
}

/// Guards the list of names used, each once in order of first use.
#[test]
fn placeholders_lists_names_once_in_order() {
    let template =
        Template::parse("{first_name|hi} {business} {first_name} {booking_link}").unwrap();

    let names = template.placeholders();

    assert_eq!(
        names,
        ["first_name", "business", "booking_link"],
        "names in first-use order"
    );
}

/// Guards the error staff see for a misspelt placeholder, wording included.
#[test]
fn unknown_placeholder_is_named_with_position() {
    let source = "Hi there, {frist_name}";

    let error = Template::parse(source).unwrap_err();

    assert_eq!(
        error,
        TemplateError::UnknownPlaceholder {
            name: "frist_name".into(),
            position: 11
        },
        "the name and the 1-based position of its brace"
    );
    assert_eq!(
        error.to_string(),
        "unknown placeholder {frist_name} at character 11; known: business, booking_link, \
         first_name",
        "the message lists what is known"
    );
}

/// Guards each syntax error and the position it reports, counted in characters.
#[test]
fn syntax_errors_have_positions() {
    let cases = [
        ("Hi {first_name", TemplateError::Unclosed { position: 4 }),
        ("Hi {first{name}", TemplateError::Unclosed { position: 4 }),
        ("Hi } there", TemplateError::StrayClose { position: 4 }),
        ("{first_name}}", TemplateError::StrayClose { position: 13 }),
        ("é {}", TemplateError::EmptyName { position: 3 }),
        ("{ |there}", TemplateError::EmptyName { position: 1 }),
    ];

    for (source, expected) in cases {
        let result = Template::parse(source);

        assert_eq!(result, Err(expected), "error for {source:?}");
    }
}

/// Guards the messages of syntax errors, which tell staff how to write a literal brace.
#[test]
fn syntax_error_messages_explain_escaping() {
    let unclosed_source = "Hi {first_name";
    let stray_source = "a}b";

    let unclosed = Template::parse(unclosed_source).unwrap_err().to_string();
    let stray = Template::parse(stray_source).unwrap_err().to_string();

    assert_eq!(
        unclosed, "unclosed placeholder at character 4; write {{ for a literal {",
        "unclosed message"
    );
    assert_eq!(
        stray, "stray } at character 2; write }} for a literal }",
        "stray message"
    );
}

/// Guards that the exported list matches what the parser accepts.
#[test]
fn every_known_name_parses() {
    for name in KNOWN {
        let result = Template::parse(&format!("{{{name}}}"));

        assert!(result.is_ok(), "{name} is accepted");
    }
}

proptest! {
    /// Guards against a panic on any source staff could type.
    #[test]
    fn parse_never_panics(source in any::<String>()) {
        let _ = Template::parse(&source);
    }

    /// Guards against a panic on brace-heavy source, where the parser does its work.
    #[test]
    fn parse_never_panics_on_brace_soup(source in r"[{}|a-z_ ]{0,40}") {
        if let Ok(template) = Template::parse(&source) {
            let _ = template.render(&Values::default());
        }
    }

    /// Guards that text without braces is sent exactly as written.
    #[test]
    fn text_without_braces_renders_unchanged(source in "[^{}]*") {
        let template = Template::parse(&source).unwrap();

        let text = template.render(&values_with_name());

        prop_assert_eq!(text, source, "brace-free text is literal");
    }

    /// Guards escaping: any text with its braces doubled renders back to itself.
    #[test]
    fn escaped_text_renders_to_itself(text in any::<String>()) {
        let source = text.replace('{', "{{").replace('}', "}}");

        let template = Template::parse(&source).unwrap();

        prop_assert_eq!(template.render(&Values::default()), text, "escaped braces are literal");
    }
}
