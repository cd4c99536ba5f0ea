//! Finding an API in the scenario (or answering NotFound), and editing one on a copy of the
//! scenario that is validated before it becomes the new state.

use serde_json::Value;

use crate::aws::names::Region;
use crate::controlplane::{validate, ControlResponse, Handled};
use crate::scenario::config::{Config, RestApiConfig};

use super::document::{current_document, materialize, store_document};
use super::wire::ApiError;
use super::{Call, CallResult};

pub(super) fn region(state: &Config) -> Result<Region, ApiError> {
    Region::parse(&state.region)
        .ok_or_else(|| ApiError::bad_request(format!("Invalid region {:?}", state.region)))
}

/// The position of an API in the scenario, or API Gateway's NotFound for its id.
pub(super) fn api_index(state: &Config, api_id: &str) -> Result<usize, ApiError> {
    state
        .rest_apis
        .iter()
        .position(|a| a.id == api_id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Invalid API identifier specified {}:{api_id}",
                state.account_id
            ))
        })
}

pub(super) fn find_api<'s>(state: &'s Config, api_id: &str) -> Result<&'s RestApiConfig, ApiError> {
    Ok(&state.rest_apis[api_index(state, api_id)?])
}

/// Validates an edited scenario and hands it back as the new state.
pub(super) fn commit(state: Config, response: ControlResponse) -> CallResult {
    match validate(&state) {
        Ok(topology) => Ok(Handled::write(response, state, topology)),
        Err(e) => Err(ApiError::bad_request(if e.path == "$" {
            e.message
        } else {
            format!("{} (at {})", e.message, e.path)
        })),
    }
}

/// Runs an edit of one API on a copy of the state, then validates and commits it. The edit
/// reads the region and account from `c.state`: an edit never changes them.
pub(super) fn edit_api(
    c: &Call,
    api_id: &str,
    edit: impl FnOnce(&mut RestApiConfig) -> Result<ControlResponse, ApiError>,
) -> CallResult {
    let mut state = c.state.clone();
    let i = api_index(&state, api_id)?;
    let response = edit(&mut state.rest_apis[i])?;
    commit(state, response)
}

/// Runs an edit of an API's definition on a copy of the state, then validates and commits it.
pub(super) fn edit_definition(
    c: &Call,
    api_id: &str,
    edit: impl FnOnce(&mut Value, &mut RestApiConfig) -> Result<ControlResponse, ApiError>,
) -> CallResult {
    edit_api(c, api_id, |api| {
        let mut doc = materialize(c.state, api)?;
        let response = edit(&mut doc, api)?;
        store_document(api, doc);
        Ok(response)
    })
}

/// The current document of an API, for a call that only reads it.
pub(super) fn read_document(c: &Call, api_id: &str) -> Result<Value, ApiError> {
    current_document(c.state, find_api(c.state, api_id)?)
}
