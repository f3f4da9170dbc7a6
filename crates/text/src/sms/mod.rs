//! How many SMS segments a text costs, and why.
//!
//! Carriers bill per segment, so a template that grows by one character can double what each
//! missed-call reply costs, and a single `ç` or emoji switches the whole message from GSM-7 to
//! UCS-2 and cuts its capacity from 160 to 70. [`analyze`] reports the count the way carriers
//! and Twilio's public segment calculator do, along with the characters that forced UCS-2, so
//! the template editor can tell staff exactly which character to replace.
//!
//! Counting is per Unicode scalar value, not per grapheme cluster.
//! Limitation: Twilio's calculator also keeps multi-scalar emoji (flags, skin tones, joined
//! families) whole within one segment; here only surrogate pairs are kept whole, so a message
//! whose segment boundary falls inside such an emoji may count one segment fewer than that
//! calculator shows.

mod gsm;
mod segments;

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

/// The character encoding a message is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Encoding {
    /// The GSM 03.38 7-bit default alphabet with its extension table.
    #[serde(rename = "GSM-7")]
    Gsm7,
    /// UTF-16 code units, used as soon as one character is outside GSM-7.
    #[serde(rename = "UCS-2")]
    Ucs2,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Gsm7 => "GSM-7",
            Self::Ucs2 => "UCS-2",
        })
    }
}

/// What sending a text as one SMS message costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsInfo {
    /// The encoding the text is sent in.
    pub encoding: Encoding,
    /// Segments billed; an empty text counts as one, as Twilio's calculator shows it.
    pub segments: u32,
    /// Unicode scalar values in the text.
    pub characters: usize,
    /// Septets for GSM-7, where extension characters count two; UTF-16 code units for UCS-2.
    pub units: usize,
    /// The distinct characters that forced UCS-2, in order of first appearance; empty for GSM-7.
    pub non_gsm: Vec<char>,
}

/// Works out the encoding and segment count for sending `text` as an SMS.
pub fn analyze(text: &str) -> SmsInfo {
    let non_gsm = non_gsm_characters(text);
    let (encoding, costs, capacity) = if non_gsm.is_empty() {
        let costs: Vec<usize> = text.chars().filter_map(gsm::septets).collect();
        (Encoding::Gsm7, costs, segments::GSM7)
    } else {
        let costs: Vec<usize> = text.chars().map(char::len_utf16).collect();
        (Encoding::Ucs2, costs, segments::UCS2)
    };

    SmsInfo {
        encoding,
        segments: segments::count(&costs, capacity),
        characters: text.chars().count(),
        units: costs.iter().sum(),
        non_gsm,
    }
}

/// Lists the distinct characters GSM-7 cannot carry, in order of first appearance.
fn non_gsm_characters(text: &str) -> Vec<char> {
    let mut seen = HashSet::new();
    text.chars()
        .filter(|&c| gsm::septets(c).is_none() && seen.insert(c))
        .collect()
}
