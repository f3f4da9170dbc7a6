//! `GET Calls.json` and `GET Calls/{Sid}.json`.

use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::Json;
use serde_json::Value;

use super::sid_of;
use crate::api_error::TwilioError;
use crate::filters::CallFilter;
use crate::paging::{list_body, PageRequest};
use crate::wire::CallResource;
use crate::Sandbox;

/// One page of call legs, newest first by start time.
pub(super) async fn list(
    State(sandbox): State<Sandbox>,
    uri: Uri,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, TwilioError> {
    let filter = CallFilter::parse(&params)?;
    let request = PageRequest::parse(&params)?;

    let page = sandbox
        .state()
        .calls
        .page(request.cursor, request.size, |c| filter.matches(c));

    let links = request.links(uri.path(), &filter.echo, &page);
    let calls = page
        .items
        .iter()
        .map(|(_, call)| CallResource::new(sandbox.account_sid(), call));
    Ok(Json(list_body("calls", calls.collect(), links)))
}

/// One call leg by SID.
pub(super) async fn fetch(
    State(sandbox): State<Sandbox>,
    uri: Uri,
    Path((_account, file)): Path<(String, String)>,
) -> Result<Json<CallResource>, TwilioError> {
    let call = sid_of(&file)
        .and_then(|sid| sandbox.call(sid))
        .ok_or_else(|| TwilioError::not_found(uri.path()))?;
    Ok(Json(CallResource::new(sandbox.account_sid(), &call)))
}
