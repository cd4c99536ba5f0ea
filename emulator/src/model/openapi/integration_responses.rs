//! An integration's `responses`: each selection pattern (a regular expression, or `default`)
//! with the status code, header mappings and templates of the method response it selects.

use serde_json::Value;

use crate::model::api::{IntegrationResponse, Templates};
use crate::scenario::document::{child_path, DocumentError};

use super::integrations::templates;
use super::mappings::{check_response_mapping, parameter_mappings};
use super::values::object;
use super::Importer;

impl Importer {
    pub(super) fn integration_response(
        &mut self,
        pattern: &str,
        value: &Value,
        path: &str,
    ) -> Result<IntegrationResponse, DocumentError> {
        let spec = object(value, path)?;
        let selection_pattern = selection_pattern(pattern, path)?;
        let mut status_code = None;
        let mut response_parameters = Vec::new();
        let mut response_templates = Templates::new();
        for (key, v) in spec {
            let p = child_path(path, key);
            match key.as_str() {
                "statusCode" => status_code = Some(status_code_of(v, &p)?),
                "responseParameters" => {
                    response_parameters = parameter_mappings(v, &p, check_response_mapping)?
                }
                "responseTemplates" => response_templates = templates(v, &p)?,
                "contentHandling" => self.warn(p, "contentHandling conversions are not emulated"),
                _ => self.warn(p, "unknown integration response key, ignored"),
            }
        }
        Ok(IntegrationResponse {
            selection_regex: IntegrationResponse::compile_selection_pattern(
                selection_pattern.as_deref(),
            ),
            selection_pattern,
            status_code: status_code
                .ok_or_else(|| DocumentError::new(path, "expected a statusCode"))?,
            response_parameters,
            response_templates,
        })
    }
}

/// The pattern, checked to compile as the anchored regular expression API Gateway matches;
/// `default` is none.
fn selection_pattern(pattern: &str, path: &str) -> Result<Option<String>, DocumentError> {
    if pattern == "default" {
        return Ok(None);
    }
    regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
        DocumentError::new(
            path,
            format!("the selection pattern is not a regular expression: {e}"),
        )
    })?;
    Ok(Some(pattern.to_string()))
}

/// `statusCode`: a number or a numeric string, 100 to 599.
fn status_code_of(v: &Value, p: &str) -> Result<u16, DocumentError> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| DocumentError::new(p, "expected an HTTP status code such as \"200\""))
}
