//! A [`Provider`] over Telnyx's v2 REST API, and Telnyx's webhooks.
//!
//! Sending and fetching a message map one to one onto `POST /v2/messages` and
//! `GET /v2/messages/{id}`. Telnyx has no list of calls or messages in Twilio's sense; its
//! detail records (`GET /v2/detail_records`) are the closest, so the two list operations search
//! those, following `page[number]` up to `meta.total_pages`. How a call's detail record becomes
//! the legs the engine expects is explained in `calls`.
//!
//! A message detail record carries no text, and the engine needs it (a reply's words, the body
//! it compares when reconciling a send), so every listed message is read back from
//! `GET /v2/messages/{id}` too, a few at a time.
//!
//! The files under `telnyx/` each hold one concern: `config` what the caller supplies,
//! `endpoints` the URLs, `http` authenticated requests and Telnyx's error answers, `wire`,
//! `calls` and `lenient` the JSON, and [`webhook`] the signed events Telnyx pushes. When to try
//! again, and the rest of the request loop, are shared with the Twilio client (the crate's
//! `retry` and `http` modules).

mod calls;
mod config;
mod endpoints;
mod http;
mod lenient;
pub mod webhook;
mod wire;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde_json::Value;

pub use calls::{hangup_leg, leg_status, stand_in_children};
pub use config::{ApiKey, RetryPolicy, TelnyxConfig, TelnyxConfigError, DEFAULT_BASE_URL};

use crate::{
    CallQuery, CallRecord, MessageQuery, MessageRecord, NewMessage, Provider, ProviderError,
};
use calls::{WireCallRecord, CALL_RECORD_TYPE};
use endpoints::{wire_instant, Endpoints, Search};
use http::Http;
use wire::{DetailPage, Envelope, WireMessage, WireMessageRecord};

/// The most pages one list call follows.
pub const MAX_PAGES: u32 = 100;

/// The `filter[record_type]` of message detail records.
const MESSAGE_RECORD_TYPE: &str = "messaging";

/// How many messages are read back at once while listing.
const MESSAGE_READS: usize = 4;

/// A client for one Telnyx account.
///
/// Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct TelnyxClient {
    endpoints: Endpoints,
    http: Http,
}

/// The body of `POST /v2/messages`.
#[derive(Serialize)]
struct SendBody<'a> {
    from: &'a str,
    to: &'a str,
    text: &'a str,
}

impl TelnyxClient {
    /// Checks `config` and builds the HTTP client. No request is made.
    pub fn new(config: TelnyxConfig) -> Result<Self, TelnyxConfigError> {
        if config.api_key.expose().is_empty() {
            return Err(TelnyxConfigError::MissingApiKey);
        }
        if config.timeout.is_zero() {
            return Err(TelnyxConfigError::ZeroTimeout);
        }

        let endpoints = Endpoints::new(&config.base_url)?;
        let http = Http::new(config.api_key, config.retry, config.timeout)?;
        Ok(Self { endpoints, http })
    }

    /// Every record `search` finds, page after page.
    ///
    /// Limitation: stops after [`MAX_PAGES`] pages and returns what it has (the newest records,
    /// as every search here sorts newest first), logging a warning, so that a provider whose
    /// pages never end cannot hold the engine forever.
    async fn search(&self, search: &Search, op: &'static str) -> Result<Vec<Value>, ProviderError> {
        let mut records = Vec::new();
        for page in 1..=MAX_PAGES {
            let url = self.endpoints.detail_records(search, page);
            let answer: DetailPage = self.http.get_json(&url, op).await?;
            let empty = answer.data.is_empty();
            records.extend(answer.data);

            let total = answer.meta.and_then(|m| m.total_pages).unwrap_or(page);
            if empty || page >= total {
                tracing::debug!(
                    op,
                    pages = page,
                    records = records.len(),
                    "detail records read"
                );
                return Ok(records);
            }
        }

        tracing::warn!(
            op,
            pages = MAX_PAGES,
            records = records.len(),
            "list cut at page cap"
        );
        Ok(records)
    }

    /// Call legs as the engine sees them, from the call detail records `search` finds.
    async fn call_legs(&self, search: &Search) -> Result<Vec<CallRecord>, ProviderError> {
        let found = self.search(search, "list_calls").await?;
        found
            .into_iter()
            .map(|value| {
                serde_json::from_value::<WireCallRecord>(value)
                    .map(WireCallRecord::into_record)
                    .map_err(|e| decode_error("call detail record", &e))
            })
            .filter_map(Result::transpose)
            .collect()
    }

    /// The stand-in child of the leg `parent_sid`, when that leg was answered (see `calls`).
    async fn children(&self, parent_sid: &str) -> Result<Vec<CallRecord>, ProviderError> {
        let search = Search::new(CALL_RECORD_TYPE, "-started_at", None)
            .filter("filter[call_leg_id]", Some(parent_sid.to_owned()));
        let legs = self.call_legs(&search).await?;
        Ok(legs
            .iter()
            .find(|leg| leg.sid == parent_sid)
            .map(stand_in_children)
            .unwrap_or_default())
    }

    /// A listed message with its text, read back from the message itself.
    ///
    /// A message Telnyx no longer keeps (404) is listed from its detail record, without text.
    async fn with_text(&self, listed: MessageRecord) -> Result<MessageRecord, ProviderError> {
        match self.fetch_message(&listed.sid).await {
            Ok(full) => Ok(full),
            Err(ProviderError::Api { status: 404, .. }) => {
                tracing::debug!(sid = %listed.sid, "message gone, listed without text");
                Ok(listed)
            }
            Err(error) => Err(error),
        }
    }
}

#[async_trait]
impl Provider for TelnyxClient {
    async fn list_calls(&self, query: &CallQuery) -> Result<Vec<CallRecord>, ProviderError> {
        if let Some(parent) = &query.parent_call_sid {
            return self.children(parent).await;
        }
        let search = Search::new(CALL_RECORD_TYPE, "-started_at", query.page_size)
            .filter("filter[cld]", query.to.clone())
            .filter(
                "filter[started_at][gte]",
                query.started_after.map(wire_instant),
            );
        self.call_legs(&search).await
    }

    async fn list_messages(
        &self,
        query: &MessageQuery,
    ) -> Result<Vec<MessageRecord>, ProviderError> {
        let search = Search::new(MESSAGE_RECORD_TYPE, "-created_at", query.page_size)
            .filter("filter[cld]", query.to.clone())
            .filter("filter[cli]", query.from.clone())
            .filter(
                "filter[created_at][gte]",
                query.sent_after.map(wire_instant),
            );
        let found = self.search(&search, "list_messages").await?;

        let listed = found
            .into_iter()
            .map(|value| {
                serde_json::from_value::<WireMessageRecord>(value)
                    .map(MessageRecord::from)
                    .map_err(|e| decode_error("message detail record", &e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        futures::stream::iter(listed)
            .map(|message| self.with_text(message))
            .buffered(MESSAGE_READS)
            .try_collect()
            .await
    }

    async fn send_message(&self, message: &NewMessage) -> Result<MessageRecord, ProviderError> {
        let body = SendBody {
            from: &message.from,
            to: &message.to,
            text: &message.body,
        };
        let url = self.endpoints.messages();

        let created: Envelope<WireMessage> =
            self.http.post_json(&url, &body, "send_message").await?;

        let record = MessageRecord::from(created.data);
        tracing::debug!(sid = %record.sid, status = %record.status, "message accepted");
        Ok(record)
    }

    async fn fetch_message(&self, sid: &str) -> Result<MessageRecord, ProviderError> {
        let url = self.endpoints.message(sid);
        let message: Envelope<WireMessage> = self.http.get_json(&url, "fetch_message").await?;
        Ok(MessageRecord::from(message.data))
    }
}

fn decode_error(what: &str, error: &serde_json::Error) -> ProviderError {
    ProviderError::Decode {
        message: format!("a {what} could not be read: {error}"),
    }
}
