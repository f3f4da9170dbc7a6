use proptest::prelude::*;
use textback_text::keywords::{classify, wants_no_contact, Keyword};

/// Guards every keyword the carriers act on, in the case a phone may send it.
#[test]
fn every_keyword_is_recognized() {
    let cases = [
        ("STOP", Keyword::OptOut),
        ("stopall", Keyword::OptOut),
        ("Unsubscribe", Keyword::OptOut),
        ("cancel", Keyword::OptOut),
        ("END", Keyword::OptOut),
        ("quit", Keyword::OptOut),
        ("revoke", Keyword::OptOut),
        ("OptOut", Keyword::OptOut),
        ("start", Keyword::OptIn),
        ("UNSTOP", Keyword::OptIn),
        ("Yes", Keyword::OptIn),
        ("help", Keyword::Help),
        ("INFO", Keyword::Help),
    ];

    for (body, expected) in cases {
        let keyword = classify(body);

        assert_eq!(keyword, expected, "meaning of {body:?}");
    }
}

/// Guards that punctuation and whitespace around a keyword do not hide it.
#[test]
fn surrounding_punctuation_is_ignored() {
    let bodies = [
        "Stop.",
        " stop!! ",
        "\"STOP\"",
        "“stop”",
        "stop\n",
        "...STOP?!",
        "¡stop!",
    ];

    for body in bodies {
        let keyword = classify(body);

        assert_eq!(keyword, Keyword::OptOut, "{body:?} is an opt-out");
    }
}

/// Guards the whole-message rule: a keyword inside a sentence is ordinary text.
#[test]
fn keyword_inside_text_is_not_a_keyword() {
    let bodies = [
        "stop texting me",
        "can you stop by tomorrow?",
        "yes please, 3pm works",
        "help me book",
        "st op",
        "STOP 🙏",
        "",
        "!!!",
    ];

    for body in bodies {
        let keyword = classify(body);

        assert_eq!(keyword, Keyword::None, "{body:?} is not a keyword");
    }
}

/// Guards the free-text phrasings staff must see.
#[test]
fn requests_to_stop_are_spotted() {
    let bodies = [
        "Wrong number",
        "you have the WRONG NUMBER buddy",
        "please stop texting me",
        "Stop messaging this phone",
        "Don't text me again",
        "dont text me",
        "Do not text this number",
        "don’t contact me",
        "remove me from your list",
        "leave me alone!",
        "take me off your list",
        "no more texts please",
    ];

    for body in bodies {
        let flagged = wants_no_contact(body);

        assert!(flagged, "{body:?} asks for no contact");
    }
}

/// Guards against flagging ordinary replies, including look-alike words and bare keywords.
#[test]
fn ordinary_replies_are_not_flagged() {
    let bodies = [
        "who is this?",
        "Can I book for Tuesday?",
        "I'll text you later",
        "the number is wrong on your website",
        "do nothing until I call",
        "bus stop textile shop",
        "STOP",
        "",
    ];

    for body in bodies {
        let flagged = wants_no_contact(body);

        assert!(!flagged, "{body:?} is an ordinary reply");
    }
}

proptest! {
    /// Guards against a panic on any message body.
    #[test]
    fn never_panics(body in any::<String>()) {
        let _ = classify(&body);
        let _ = wants_no_contact(&body);
    }

    /// Guards that any mix of whitespace and ASCII punctuation around STOP keeps it a keyword.
    #[test]
    fn padded_stop_is_opt_out(before in r"[ \t\n.!?,;:'()\x22-]{0,5}", after in r"[ \t\n.!?,;:'()\x22-]{0,5}") {
        let body = format!("{before}StOp{after}");

        let keyword = classify(&body);

        prop_assert_eq!(keyword, Keyword::OptOut, "{:?} is an opt-out", body);
    }

    /// Guards that another word after a keyword always makes free text.
    #[test]
    fn keyword_followed_by_a_word_is_free_text(word in "[a-z]{1,10}") {
        let body = format!("stop {word}");

        let keyword = classify(&body);

        prop_assert_eq!(keyword, Keyword::None, "{:?} is free text", body);
    }
}
