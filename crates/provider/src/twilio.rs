//! A [`Provider`] over Twilio's 2010-04-01 REST API, and over providers that copy it.
//!
//! The client is plain HTTP: Basic auth with the account's auth token or an API key, form
//! bodies in, JSON out. The same code reaches SignalWire or Textback's sandbox by another
//! `base_url`, which is why the JSON is read leniently (see `lenient`) rather than to the
//! letter of Twilio's schema.
//!
//! The files under `twilio/` each hold one concern: `config` what the caller supplies,
//! `endpoints` the URLs, `http` authenticated requests, `errors` how Twilio's error answers
//! become [`ProviderError`]s, `wire` and `lenient` the JSON. When and how long to wait before
//! a retry, and the rest of the request loop, are shared with the other clients (the crate's
//! `retry` and `http` modules). This file ties them into the four [`Provider`] operations and
//! the list pagination.

mod config;
mod endpoints;
mod errors;
mod http;
mod lenient;
mod wire;

use async_trait::async_trait;
use reqwest::Url;

pub use config::{Credentials, RetryPolicy, TwilioConfig, TwilioConfigError, DEFAULT_BASE_URL};

use crate::{
    CallQuery, CallRecord, MessageQuery, MessageRecord, NewMessage, Provider, ProviderError,
};
use endpoints::Endpoints;
use http::Http;
use wire::{CallPage, ListPage, MessagePage, WireMessage};

/// The most pages one list call follows: 5,000 records at Twilio's default page size of 50.
pub const MAX_PAGES: usize = 100;

/// A client for one Twilio (or Twilio-compatible) account.
///
/// Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct TwilioClient {
    endpoints: Endpoints,
    http: Http,
    status_callback: Option<String>,
}

impl TwilioClient {
    /// Checks `config` and builds the HTTP client. No request is made.
    pub fn new(config: TwilioConfig) -> Result<Self, TwilioConfigError> {
        config.credentials.validate()?;
        if config.timeout.is_zero() {
            return Err(TwilioConfigError::ZeroTimeout);
        }

        let endpoints = Endpoints::new(&config.base_url, config.credentials.account_sid())?;
        let http = Http::new(config.credentials, config.retry, config.timeout)?;
        Ok(Self {
            endpoints,
            http,
            status_callback: config.status_callback,
        })
    }

    /// The account whose resources this client reads and creates.
    pub fn account_sid(&self) -> &str {
        self.endpoints.account_sid()
    }

    /// Reads the list starting at `first`, following `next_page_uri` to the end.
    ///
    /// Limitation: stops after [`MAX_PAGES`] pages and returns what it has (the newest
    /// records, as Twilio lists newest first), logging a warning, so that a provider whose
    /// pages never end cannot hold the engine forever.
    async fn collect_pages<P: ListPage>(
        &self,
        first: Url,
        op: &'static str,
    ) -> Result<Vec<P::Record>, ProviderError> {
        let mut records = Vec::new();
        let mut url = first;
        for page in 1..=MAX_PAGES {
            let (batch, next) = self.http.get_json::<P>(&url, op).await?.into_parts();
            records.extend(batch);

            let Some(next) = next else {
                tracing::debug!(op, pages = page, records = records.len(), "list read");
                return Ok(records);
            };
            url = self.endpoints.next_page(&next)?;
        }

        tracing::warn!(
            op,
            pages = MAX_PAGES,
            records = records.len(),
            "list cut at page cap"
        );
        Ok(records)
    }
}

#[async_trait]
impl Provider for TwilioClient {
    async fn list_calls(&self, query: &CallQuery) -> Result<Vec<CallRecord>, ProviderError> {
        let first = self.endpoints.calls(query);
        self.collect_pages::<CallPage>(first, "list_calls").await
    }

    async fn list_messages(
        &self,
        query: &MessageQuery,
    ) -> Result<Vec<MessageRecord>, ProviderError> {
        let first = self.endpoints.messages(query);
        self.collect_pages::<MessagePage>(first, "list_messages")
            .await
    }

    async fn send_message(&self, message: &NewMessage) -> Result<MessageRecord, ProviderError> {
        let url = self.endpoints.messages(&MessageQuery::default());
        let mut form = vec![
            ("To", message.to.as_str()),
            ("From", message.from.as_str()),
            ("Body", message.body.as_str()),
        ];
        if let Some(url) = &self.status_callback {
            form.push(("StatusCallback", url.as_str()));
        }

        let created: WireMessage = self.http.post_form(&url, &form, "send_message").await?;

        let record = MessageRecord::from(created);
        tracing::debug!(sid = %record.sid, status = %record.status, "message accepted");
        Ok(record)
    }

    async fn fetch_message(&self, sid: &str) -> Result<MessageRecord, ProviderError> {
        let url = self.endpoints.message(sid);
        let message: WireMessage = self.http.get_json(&url, "fetch_message").await?;
        Ok(MessageRecord::from(message))
    }
}
