//! The URLs of the Telnyx resources Textback uses.
//!
//! Paths are built segment by segment, so a message id from outside stays one percent-encoded
//! segment. Detail-record searches use Telnyx's deep-object query names (`filter[cld]`,
//! `page[number]`, ...), percent-encoded as any form value is.

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Url;

use super::config::TelnyxConfigError;

/// Telnyx's API version, the first path segment of every resource.
const API_VERSION: &str = "v2";

/// Resource URLs under one base URL.
#[derive(Debug, Clone)]
pub(super) struct Endpoints {
    base: Url,
}

/// One search of `GET /v2/detail_records`, before a page is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Search {
    /// `(name, value)` pairs such as `("filter[cld]", "+1...")`, in order.
    pub filters: Vec<(&'static str, String)>,
    /// `sort`, newest first by the given field.
    pub sort: &'static str,
    pub page_size: Option<u32>,
}

impl Search {
    /// A search of `record_type` records sorted by `sort`.
    pub(super) fn new(record_type: &str, sort: &'static str, page_size: Option<u32>) -> Self {
        Self {
            filters: vec![("filter[record_type]", record_type.to_owned())],
            sort,
            page_size,
        }
    }

    /// Adds a filter when `value` is set.
    pub(super) fn filter(mut self, name: &'static str, value: Option<String>) -> Self {
        if let Some(value) = value {
            self.filters.push((name, value));
        }
        self
    }
}

impl Endpoints {
    /// Checks `base_url`: absolute `http` or `https`, no credentials, query or fragment.
    pub(super) fn new(base_url: &str) -> Result<Self, TelnyxConfigError> {
        let invalid = |reason: &str| TelnyxConfigError::InvalidBaseUrl {
            reason: reason.to_owned(),
        };
        let base = Url::parse(base_url.trim()).map_err(|e| invalid(&e.to_string()))?;

        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(invalid("it must be an http or https URL"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(invalid("it carries a user name or password"));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(invalid("it must not have a query or fragment"));
        }
        Ok(Self { base })
    }

    /// `POST` here to send a message.
    pub(super) fn messages(&self) -> Url {
        self.resource(&["messages"])
    }

    /// One message by id.
    pub(super) fn message(&self, id: &str) -> Url {
        self.resource(&["messages", id])
    }

    /// Page `page` (from 1) of `search`.
    pub(super) fn detail_records(&self, search: &Search, page: u32) -> Url {
        let mut url = self.resource(&["detail_records"]);
        {
            let mut query = url.query_pairs_mut();
            for (name, value) in &search.filters {
                query.append_pair(name, value);
            }
            query.append_pair("sort", search.sort);
            query.append_pair("page[number]", &page.to_string());
            if let Some(size) = search.page_size {
                query.append_pair("page[size]", &size.to_string());
            }
        }
        url
    }

    fn resource(&self, leaf: &[&str]) -> Url {
        let mut url = self.base.clone();
        // `new` made sure the base can be a base, so its path can always be extended.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(API_VERSION).extend(leaf);
        }
        url
    }
}

/// An instant as the filters take it: RFC 3339 in UTC to the second.
pub(super) fn wire_instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints() -> Endpoints {
        Endpoints::new("https://api.telnyx.com").expect("valid base")
    }

    /// Filters and paging use Telnyx's bracketed names, percent-encoded.
    #[test]
    fn detail_record_search_is_encoded() {
        let search = Search::new("messaging", "-created_at", Some(50))
            .filter("filter[cld]", Some("+12125550100".into()))
            .filter("filter[cli]", None);

        let url = endpoints().detail_records(&search, 2);

        assert_eq!(
            url.as_str(),
            "https://api.telnyx.com/v2/detail_records?filter%5Brecord_type%5D=messaging\
             &filter%5Bcld%5D=%2B12125550100&sort=-created_at&page%5Bnumber%5D=2\
             &page%5Bsize%5D=50",
            "detail records URL"
        );
    }

    /// A message id with URL syntax in it stays one segment.
    #[test]
    fn message_id_is_one_segment() {
        let url = endpoints().message("../calls?x=1");

        assert_eq!(url.path(), "/v2/messages/..%2Fcalls%3Fx=1", "one segment");
        assert_eq!(url.query(), None, "nothing reaches the query");
    }

    /// Base URLs that cannot work, or would leak, are refused.
    #[test]
    fn bad_base_urls_are_refused() {
        for base in [
            "api.telnyx.com",
            "ftp://x",
            "https://u:p@x",
            "https://x/?q=1",
        ] {
            assert!(Endpoints::new(base).is_err(), "{base} should be refused");
        }
    }
}
