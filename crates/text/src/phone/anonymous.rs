//! Caller IDs that stand for a withheld number rather than a reachable one.
//!
//! Providers do not agree on how to say "no caller ID". Twilio sends words such as
//! `anonymous` or a number that spells one on a keypad (`+266696687` is "ANONYMOUS",
//! `+7378742833` is "RESTRICTED", `+2562533` is "BLOCKED", `+8656696` is "UNKNOWN",
//! `+86282452253` is "UNAVAILABLE"); other carriers send an empty field. Several of those
//! spellings are shaped like numbers in Lesotho, Uganda or China, so they must be caught before
//! a missed call turns into a text sent to a stranger abroad.

/// Caller IDs providers use for withheld numbers, compared in ASCII lowercase.
const WITHHELD: &[&str] = &[
    "",
    "anonymous",
    "restricted",
    "unknown",
    "private",
    "unavailable",
    "+266696687",
    "266696687",
    "+7378742833",
    "+2562533",
    "+86282452253",
    "+8656696",
];

/// Returns whether `raw` is a provider's marker for a withheld caller ID.
///
/// Leading and trailing whitespace and letter case are ignored.
pub fn is_anonymous(raw: &str) -> bool {
    let trimmed = raw.trim();
    WITHHELD
        .iter()
        .any(|marker| marker.eq_ignore_ascii_case(trimmed))
}
