//! API Gateway REST API (v1) control calls.

use super::{ControlContext, ControlRequest, ControlResponse, Handled};
use crate::config::Config;

/// Answers one call (not implemented yet).
pub fn handle(_req: &ControlRequest, _state: &Config, _ctx: &ControlContext) -> Handled {
    Handled::read(ControlResponse::json(
        501,
        &serde_json::json!({"message": "not implemented yet"}),
    ))
}
