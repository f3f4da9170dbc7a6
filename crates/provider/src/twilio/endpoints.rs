//! The URLs of the resources Textback uses, under one account.
//!
//! Paths are built segment by segment so that a SID from outside (a message SID read back from
//! storage, say) is percent-encoded and cannot step into another resource. Filters go in the
//! query string under Twilio's names, `StartTime>` included, form-encoded as Twilio's own
//! clients send them. A `next_page_uri` from the provider is followed only on the base URL's
//! origin, since every request carries the account's credentials.

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Url;

use super::config::TwilioConfigError;
use crate::{CallQuery, MessageQuery, ProviderError};

/// Twilio's API version, the first path segment of every resource.
const API_VERSION: &str = "2010-04-01";

/// Resource URLs for one account.
#[derive(Debug, Clone)]
pub(super) struct Endpoints {
    base: Url,
    account_sid: String,
}

impl Endpoints {
    /// Checks `base_url` and remembers the account whose resources are addressed.
    pub(super) fn new(base_url: &str, account_sid: &str) -> Result<Self, TwilioConfigError> {
        let base = parse_base_url(base_url)?;
        Ok(Self {
            base,
            account_sid: account_sid.to_owned(),
        })
    }

    /// The account every URL names.
    pub(super) fn account_sid(&self) -> &str {
        &self.account_sid
    }

    /// The first page of calls matching `query`.
    pub(super) fn calls(&self, query: &CallQuery) -> Url {
        let mut url = self.account_resource(&["Calls.json"]);
        append_filters(
            &mut url,
            [
                ("To", query.to.clone()),
                ("StartTime>", query.started_after.map(wire_instant)),
                ("ParentCallSid", query.parent_call_sid.clone()),
                ("PageSize", query.page_size.map(|n| n.to_string())),
            ],
        );
        url
    }

    /// The first page of messages matching `query`; also where new messages are POSTed.
    pub(super) fn messages(&self, query: &MessageQuery) -> Url {
        let mut url = self.account_resource(&["Messages.json"]);
        append_filters(
            &mut url,
            [
                ("To", query.to.clone()),
                ("From", query.from.clone()),
                ("DateSent>", query.sent_after.map(wire_instant)),
                ("PageSize", query.page_size.map(|n| n.to_string())),
            ],
        );
        url
    }

    /// One message.
    pub(super) fn message(&self, sid: &str) -> Url {
        self.account_resource(&["Messages", &format!("{sid}.json")])
    }

    /// Resolves a `next_page_uri` (a path and query) against the base URL's origin.
    pub(super) fn next_page(&self, uri: &str) -> Result<Url, ProviderError> {
        let url = self.base.join(uri).map_err(|e| ProviderError::Decode {
            message: format!("next_page_uri is not a usable URL: {e}"),
        })?;

        if url.origin() != self.base.origin() {
            return Err(ProviderError::Decode {
                message: "next_page_uri points to another host".to_owned(),
            });
        }
        Ok(url)
    }

    /// `{base}/2010-04-01/Accounts/{sid}/{leaf...}`, each segment percent-encoded.
    fn account_resource(&self, leaf: &[&str]) -> Url {
        let mut url = self.base.clone();
        // `parse_base_url` made sure the base has a path to extend, so this always applies.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty()
                .extend([API_VERSION, "Accounts", &self.account_sid])
                .extend(leaf);
        }
        url
    }
}

/// Accepts an absolute `http` or `https` URL without credentials, query or fragment.
fn parse_base_url(base_url: &str) -> Result<Url, TwilioConfigError> {
    let invalid = |reason: &str| TwilioConfigError::InvalidBaseUrl {
        reason: reason.to_owned(),
    };
    let url = Url::parse(base_url.trim()).map_err(|e| invalid(&e.to_string()))?;

    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(invalid("it must be an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it carries a user name or password; use the credentials",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    Ok(url)
}

/// Adds the filters that are set, in order, leaving the URL untouched when none is.
fn append_filters<const N: usize>(url: &mut Url, filters: [(&str, Option<String>); N]) {
    let set: Vec<(&str, String)> = filters
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect();
    if !set.is_empty() {
        url.query_pairs_mut().extend_pairs(set);
    }
}

/// An instant as the list filters take it: RFC 3339 in UTC to the second.
fn wire_instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    fn endpoints(base: &str) -> Endpoints {
        Endpoints::new(base, SID).expect("test base URL should be valid")
    }

    /// Call filters use Twilio's names, `StartTime>` encoded as `StartTime%3E`.
    #[test]
    fn call_filters_are_encoded() {
        let query = CallQuery {
            to: Some("+15551230000".into()),
            started_after: Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).single(),
            parent_call_sid: Some("CA1".into()),
            page_size: Some(50),
        };

        let url = endpoints("https://api.twilio.com").calls(&query);

        assert_eq!(
            url.as_str(),
            "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/\
             Calls.json?To=%2B15551230000&StartTime%3E=2026-12-03T10%3A00%3A00Z\
             &ParentCallSid=CA1&PageSize=50",
            "calls URL"
        );
    }

    /// With no filters there is no query string at all, and a base path prefix is kept.
    #[test]
    fn unset_filters_are_left_out() {
        let url = endpoints("http://127.0.0.1:8080/twilio/").messages(&MessageQuery::default());

        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/twilio/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/\
             Messages.json",
            "messages URL without filters"
        );
    }

    /// A SID with URL syntax in it stays one path segment.
    #[test]
    fn message_sid_is_one_segment() {
        let url = endpoints("https://api.twilio.com").message("../Calls?x=1#y");

        assert_eq!(
            url.path(),
            "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/..%2FCalls%3Fx=1%23y.json",
            "the SID should be percent-encoded into one segment"
        );
        assert_eq!(
            url.query(),
            None,
            "nothing from the SID should reach the query"
        );
    }

    /// Next pages resolve on the base origin; another host is refused, credentials kept home.
    #[test]
    fn next_page_stays_on_origin() {
        let endpoints = endpoints("http://127.0.0.1:8080");

        let relative = endpoints.next_page("/2010-04-01/Accounts/AC1/Calls.json?Page=1");
        let same_origin = endpoints.next_page("http://127.0.0.1:8080/x.json?Page=2");
        let elsewhere = endpoints.next_page("https://evil.example/steal.json");

        assert_eq!(
            relative.map(String::from).ok().as_deref(),
            Some("http://127.0.0.1:8080/2010-04-01/Accounts/AC1/Calls.json?Page=1"),
            "a path and query resolves against the origin"
        );
        assert!(
            same_origin.is_ok(),
            "an absolute URL on the same origin is fine"
        );
        assert!(
            matches!(elsewhere, Err(ProviderError::Decode { .. })),
            "another host should be refused: {elsewhere:?}"
        );
    }

    /// Base URLs that cannot work, or would leak, are refused up front.
    #[test]
    fn bad_base_urls_are_refused() {
        let cases = [
            "api.twilio.com",
            "ftp://api.twilio.com",
            "mailto:ops@example.com",
            "https://AC1:token@api.twilio.com",
            "https://api.twilio.com/?x=1",
        ];

        for base in cases {
            let result = Endpoints::new(base, SID);

            assert!(
                matches!(result, Err(TwilioConfigError::InvalidBaseUrl { .. })),
                "{base} should be refused"
            );
        }
    }
}
