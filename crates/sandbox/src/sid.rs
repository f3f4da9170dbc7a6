//! Twilio-style resource identifiers.
//!
//! A SID is a two-letter prefix naming the resource kind (`CA` call, `SM` message) and 32
//! lowercase hex digits. Real SIDs are random, and so are these: code that sorts or compares
//! SIDs as if they carried order would break on Twilio, so it should break here too.

use rand::Rng;

/// A fresh random SID with the given two-letter prefix.
pub(crate) fn new_sid(prefix: &str) -> String {
    let digits: u128 = rand::rng().random();
    format!("{prefix}{digits:032x}")
}

/// Whether `s` is a SID of the given prefix, as Twilio's schema patterns accept it.
pub(crate) fn is_sid(s: &str, prefix: &str) -> bool {
    s.len() == 34 && s.starts_with(prefix) && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new SID has Twilio's shape: prefix and 32 lowercase hex digits.
    #[test]
    fn new_sids_have_twilios_shape() {
        let sid = new_sid("CA");

        assert!(is_sid(&sid, "CA"), "{sid} matches ^CA[0-9a-fA-F]{{32}}$");
        assert_eq!(
            sid[2..].to_lowercase(),
            sid[2..],
            "hex digits are lowercase"
        );
        assert_ne!(new_sid("CA"), new_sid("CA"), "two SIDs differ");
    }
}
