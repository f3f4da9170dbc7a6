//! Carrier keywords, and free text that asks Textback to stop.
//!
//! US carriers and Twilio act on a reply that is exactly one keyword: `STOP` opts the sender
//! out, `START` opts them back in, `HELP` asks who is texting. They match the whole message,
//! not a word inside it, because "stop by tomorrow?" must not end a conversation. [`classify`]
//! follows the same rule, so Textback's record of who opted out agrees with the carrier's.
//! Punctuation and spaces around the word are ignored ("Stop." is still STOP); emoji are not,
//! since a carrier would not read "STOP 🙏" as the keyword either.
//!
//! People also ask to stop in their own words ("wrong number, stop texting me"). Carriers do
//! not act on that, but a business must not ignore it, so [`wants_no_contact`] spots common
//! phrasings for staff to review instead of opting the sender out automatically.

use serde::Serialize;

/// What a whole-message keyword asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Keyword {
    /// Stop all messages: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT.
    OptOut,
    /// Resume messages after an opt-out: START, UNSTOP, YES.
    OptIn,
    /// Ask who is texting and how to stop: HELP, INFO.
    Help,
    /// Not a keyword: an ordinary message.
    None,
}

/// Each keyword with what it asks for, compared ignoring ASCII case.
const KEYWORDS: &[(&str, Keyword)] = &[
    ("STOP", Keyword::OptOut),
    ("STOPALL", Keyword::OptOut),
    ("UNSUBSCRIBE", Keyword::OptOut),
    ("CANCEL", Keyword::OptOut),
    ("END", Keyword::OptOut),
    ("QUIT", Keyword::OptOut),
    ("REVOKE", Keyword::OptOut),
    ("OPTOUT", Keyword::OptOut),
    ("START", Keyword::OptIn),
    ("UNSTOP", Keyword::OptIn),
    ("YES", Keyword::OptIn),
    ("HELP", Keyword::Help),
    ("INFO", Keyword::Help),
];

/// Free-text phrasings of "stop contacting me", as words after [`words`] normalizes them.
const NO_CONTACT_PHRASES: &[&[&str]] = &[
    &["wrong", "number"],
    &["wrong", "person"],
    &["stop", "texting"],
    &["stop", "messaging"],
    &["stop", "sending"],
    &["stop", "contacting"],
    &["stop", "calling"],
    &["dont", "text"],
    &["do", "not", "text"],
    &["dont", "message"],
    &["do", "not", "message"],
    &["dont", "contact"],
    &["do", "not", "contact"],
    &["no", "more", "texts"],
    &["no", "more", "messages"],
    &["remove", "me"],
    &["take", "me", "off"],
    &["unsubscribe", "me"],
    &["leave", "me", "alone"],
];

/// Reads `body` as a carrier keyword, if the whole message is one.
///
/// Case is ignored, and so are whitespace and punctuation (including curly quotes) around the
/// word. Anything else in the message makes it [`Keyword::None`].
pub fn classify(body: &str) -> Keyword {
    let word = body.trim_matches(is_ignorable);
    KEYWORDS
        .iter()
        .find(|(keyword, _)| keyword.eq_ignore_ascii_case(word))
        .map_or(Keyword::None, |&(_, meaning)| meaning)
}

/// Whether free text in `body` asks not to be contacted or says the number is wrong.
///
/// Matches whole words of phrases such as "wrong number", "stop texting", "don't text",
/// "remove me" and "leave me alone", ignoring case and apostrophes. A bare keyword is
/// [`classify`]'s to answer and is not repeated here. A hit flags the conversation for a
/// person; an occasional false alarm ("I never said stop texting") costs only their glance.
pub fn wants_no_contact(body: &str) -> bool {
    let words = words(body);
    NO_CONTACT_PHRASES.iter().any(|phrase| {
        words
            .windows(phrase.len())
            .any(|window| window.iter().map(String::as_str).eq(phrase.iter().copied()))
    })
}

/// Whether `c` may surround a keyword without changing it.
fn is_ignorable(c: char) -> bool {
    c.is_whitespace()
        || c.is_ascii_punctuation()
        || matches!(
            c,
            '\u{200B}' // zero-width space
                | '\u{FEFF}' // byte order mark
                | '“' | '”' | '‘' | '’' | '„' | '‚' | '«' | '»' | '¡' | '¿' | '…'
                | '！' | '？' | '。' | '，'
        )
}

/// Splits `text` into lowercase words, dropping apostrophes so "don't" and "dont" agree.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || is_apostrophe(c)))
        .map(|word| {
            word.chars()
                .filter(|&c| !is_apostrophe(c))
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .map(|word| word.to_lowercase())
        .collect()
}

/// Whether `c` is an apostrophe as phones type it, straight or curly.
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`')
}
