//! Twilio's request signature (`X-Twilio-Signature`), computed and checked.
//!
//! Twilio signs each webhook with HMAC-SHA1 keyed by the account's auth token, over the full
//! URL it requested followed by every form parameter's name and value, sorted by name (and,
//! for a repeated name, by value, each distinct pair once, as Twilio's own libraries do), and
//! sends the digest in base64. A request with a JSON body instead carries the body's hex
//! SHA-256 in a `bodySHA256` query parameter: the signature then covers the URL alone, and the
//! body must hash to that value.
//!
//! Twilio is not consistent about the default port: a URL configured as `https://host/path`
//! may be signed as `https://host:443/path`. A signature is therefore accepted for the URL as
//! given and for the same URL with the default port added or removed, as Twilio's libraries
//! accept it. Everything here is pure, so the CLI's `check signature` and the ingress share it.

use base64::prelude::{Engine as _, BASE64_STANDARD};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The header Twilio puts the signature in.
pub const HEADER: &str = "X-Twilio-Signature";

/// The query parameter that carries a JSON body's hash.
pub const BODY_HASH_PARAM: &str = "bodySHA256";

type HmacSha1 = Hmac<Sha1>;

/// What a request carried besides its URL.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// Form parameters, already decoded, in any order.
    Form(&'a [(String, String)]),
    /// A raw body whose hash the URL's `bodySHA256` parameter names (Twilio's JSON webhooks).
    Body(&'a [u8]),
}

/// Twilio's signature of a request to `url` with the form parameters `params`.
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    BASE64_STANDARD.encode(mac(auth_token, url, params).finalize().into_bytes())
}

/// Whether `signature` is what Twilio would have sent for this request: the body's hash
/// matches when the URL names one, and the signature matches the URL with or without its
/// default port. Comparisons take the same time however much of the values agree.
pub fn verify(auth_token: &str, url: &str, payload: Payload<'_>, signature: &str) -> bool {
    let Ok(given) = BASE64_STANDARD.decode(signature.trim()) else {
        return false;
    };
    let params: &[(String, String)] = match payload {
        Payload::Form(params) => params,
        Payload::Body(body) => {
            let Some(expected) = body_hash_param(url) else {
                return false;
            };
            let actual = hex_sha256(body);
            if !bool::from(
                actual
                    .as_bytes()
                    .ct_eq(expected.to_ascii_lowercase().as_bytes()),
            ) {
                return false;
            }
            &[]
        }
    };
    url_variants(url).iter().any(|variant| {
        mac(auth_token, variant, params)
            .verify_slice(&given)
            .is_ok()
    })
}

/// The lowercase hex SHA-256 of `body`, as Twilio puts it in `bodySHA256`.
pub fn hex_sha256(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The value of the URL's `bodySHA256` query parameter, if it has one.
pub fn body_hash_param(url: &str) -> Option<&str> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or_default();
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == BODY_HASH_PARAM)
        .map(|(_, value)| value)
}

/// The URLs a signature may have been made for: `url` itself, then `url` with its default
/// port added (when it has none) or removed (when it has the scheme's default one).
pub fn url_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return variants;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return variants,
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    let (userinfo, host_port) = authority.split_at(host_start);
    let variant = match split_port(host_port) {
        (host, Some(port)) if port == default_port => format!("{scheme}://{userinfo}{host}{tail}"),
        (_, Some(_)) => return variants,
        (host, None) => format!("{scheme}://{userinfo}{host}:{default_port}{tail}"),
    };
    variants.push(variant);
    variants
}

/// Splits `host:port` into the host and the port, if a port is written (IPv6 hosts are in
/// brackets, so only a colon after the closing bracket starts a port).
fn split_port(host_port: &str) -> (&str, Option<&str>) {
    let search_from = host_port.rfind(']').unwrap_or(0);
    match host_port[search_from..].rfind(':') {
        Some(colon) => {
            let colon = search_from + colon;
            (&host_port[..colon], Some(&host_port[colon + 1..]))
        }
        None => (host_port, None),
    }
}

/// The MAC over the URL and the parameters in Twilio's order.
fn mac(auth_token: &str, url: &str, params: &[(String, String)]) -> HmacSha1 {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut mac = HmacSha1::new_from_slice(auth_token.as_bytes()).expect("HMAC takes any key");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// Twilio's published example, parameters given out of order.
    fn published() -> Vec<(String, String)> {
        params(&[
            ("To", "+18005551212"),
            ("CallSid", "CA1234567890ABCDE"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("Caller", "+12349013030"),
        ])
    }

    /// Twilio's documented example signs to the documented value.
    #[test]
    fn signs_twilios_published_example() {
        assert_eq!(
            sign(TOKEN, URL, &published()),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
            "the value in Twilio's security documentation"
        );
    }

    /// The published signature verifies; a changed value, URL or token does not.
    #[test]
    fn verifies_only_the_exact_request() {
        let signature = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
        let mut tampered = published();
        tampered[2].1 = "1235".into();

        assert!(
            verify(TOKEN, URL, Payload::Form(&published()), signature),
            "the published request"
        );
        assert!(
            !verify(TOKEN, URL, Payload::Form(&tampered), signature),
            "a changed parameter"
        );
        assert!(
            !verify(
                TOKEN,
                "https://mycompany.com/myapp.php?foo=1",
                Payload::Form(&published()),
                signature
            ),
            "a changed URL"
        );
        assert!(
            !verify("54321", URL, Payload::Form(&published()), signature),
            "another account's token"
        );
        assert!(
            !verify(TOKEN, URL, Payload::Form(&published()), "not base64!"),
            "a signature that is not base64"
        );
    }

    /// A signature made over the URL with `:443` passes for the URL without it, and back.
    #[test]
    fn accepts_the_default_port_either_way() {
        // Computed independently with Python's hmac module over the URL with `:443`.
        let with_port = "EpDEmp1PyjDYp77YxYU3GILBWzE=";
        let plain_signature = sign(TOKEN, URL, &published());

        assert!(
            verify(TOKEN, URL, Payload::Form(&published()), with_port),
            "signed with :443, configured without"
        );
        assert!(
            verify(
                TOKEN,
                "https://mycompany.com:443/myapp.php?foo=1&bar=2",
                Payload::Form(&published()),
                &plain_signature
            ),
            "signed without a port, received with :443"
        );
        assert!(
            !verify(
                TOKEN,
                "https://mycompany.com:8443/myapp.php?foo=1&bar=2",
                Payload::Form(&published()),
                &plain_signature
            ),
            "another port is another URL"
        );
    }

    #[test]
    fn url_variants_toggle_only_the_default_port() {
        let cases = [
            ("https://a.example/x", Some("https://a.example:443/x")),
            (
                "https://a.example:443/x?q=1",
                Some("https://a.example/x?q=1"),
            ),
            ("http://a.example", Some("http://a.example:80")),
            ("http://u:p@a.example:80/x", Some("http://u:p@a.example/x")),
            ("https://[::1]/x", Some("https://[::1]:443/x")),
            ("https://[::1]:443", Some("https://[::1]")),
            ("https://a.example:8443/x", None),
            ("ftp://a.example/x", None),
            ("no scheme", None),
        ];
        for (url, other) in cases {
            let expected: Vec<String> = std::iter::once(url).chain(other).map(Into::into).collect();
            assert_eq!(url_variants(url), expected, "variants of {url}");
        }
    }

    /// The JSON variant: the signature covers the URL only, and the body must match its hash.
    #[test]
    fn verifies_a_json_body_by_its_hash() {
        let body = br#"{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}"#;
        let url = "https://example.com/myapp?bodySHA256=\
                   5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9";
        // Computed independently with Python's hashlib and hmac modules.
        let signature = "hPXmLwIy3Fgqv1i9KPmH/HhQ6zo=";

        assert_eq!(
            hex_sha256(body),
            "5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9",
            "Twilio's example body hashes to the value in its example URL"
        );
        assert!(
            verify(TOKEN, url, Payload::Body(body), signature),
            "the body as sent"
        );
        assert!(
            !verify(TOKEN, url, Payload::Body(b"{}"), signature),
            "another body"
        );
        assert!(
            !verify(
                TOKEN,
                "https://example.com/myapp",
                Payload::Body(body),
                signature
            ),
            "a body without a hash in the URL"
        );
    }

    /// Repeated names sort by value, and a repeated pair counts once, as in Twilio's libraries.
    #[test]
    fn repeated_names_sort_by_value() {
        let one_order = params(&[("B", "2"), ("A", "y"), ("A", "x")]);
        let other_order = params(&[("A", "x"), ("B", "2"), ("A", "y"), ("A", "x")]);
        let expected = {
            let mut mac = HmacSha1::new_from_slice(b"t").unwrap();
            mac.update(b"https://h/pAxAyB2");
            BASE64_STANDARD.encode(mac.finalize().into_bytes())
        };

        assert_eq!(
            sign("t", "https://h/p", &one_order),
            expected,
            "name, then value"
        );
        assert_eq!(
            sign("t", "https://h/p", &other_order),
            expected,
            "duplicates count once"
        );
    }

    proptest! {
        /// Whatever arrives, checking it never panics.
        #[test]
        fn verify_never_panics(
            url in ".{0,80}",
            signature in ".{0,40}",
            pairs in proptest::collection::vec((".{0,8}", ".{0,8}"), 0..6),
            body in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let _ = verify("token", &url, Payload::Form(&pairs), &signature);
            let _ = verify("token", &url, Payload::Body(&body), &signature);
            let variants = url_variants(&url);
            prop_assert_eq!(&variants[0], &url, "the URL as given comes first");
        }

        /// Any signed request verifies, in any parameter order, and not once a parameter is
        /// added.
        #[test]
        fn signed_requests_verify(
            path in "[a-z/]{0,12}",
            pairs in proptest::collection::vec(("[A-Za-z]{1,6}", ".{0,8}"), 1..6),
        ) {
            let url = format!("https://example.com/{path}");
            let signature = sign("token", &url, &pairs);
            let mut reversed = pairs.clone();
            reversed.reverse();
            let mut tampered = pairs.clone();
            tampered.push(("0".into(), String::new()));

            prop_assert!(verify("token", &url, Payload::Form(&reversed), &signature));
            prop_assert!(!verify("token", &url, Payload::Form(&tampered), &signature));
        }
    }
}
