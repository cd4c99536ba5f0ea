//! Parameter mapping expressions (`requestParameters`, `responseParameters`), checked as API
//! Gateway checks them on import: a bad one fails the import with "Invalid mapping expression
//! specified".

use serde_json::Value;

use crate::scenario::document::{child_path, DocumentError};

use super::values::{object, string};

/// `requestParameters` or `responseParameters`: target to source, each pair checked with
/// `check` ([`check_request_mapping`] or [`check_response_mapping`]).
pub(super) fn parameter_mappings(
    v: &Value,
    p: &str,
    check: fn(&str, &str, &str) -> Result<(), DocumentError>,
) -> Result<Vec<(String, String)>, DocumentError> {
    let mut mappings = Vec::new();
    for (target, source) in object(v, p)? {
        let pp = child_path(p, target);
        let source = string(source, &pp)?;
        check(target, source, &pp)?;
        mappings.push((target.clone(), source.to_string()));
    }
    Ok(mappings)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(char::is_whitespace)
}

/// Whether `expression` is one of `prefixes` followed by a valid name.
fn named_after(expression: &str, prefixes: &[&str]) -> bool {
    prefixes
        .iter()
        .any(|p| expression.strip_prefix(p).is_some_and(valid_name))
}

/// Whether `source` is the body expression `body`, alone or with a JSONPath after a dot.
fn body_expression(source: &str, body: &str) -> bool {
    source
        .strip_prefix(body)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

fn invalid(path: &str, expression: &str, expected: &str) -> DocumentError {
    DocumentError::new(
        path,
        format!("Invalid mapping expression specified: {expression:?} (expected {expected})"),
    )
}

/// `integration.request.{path|querystring|header|multivaluequerystring|multivalueheader}.X`
/// from `method.request.{...}.Y`, `'literal'`, `stageVariables.Z`, `context.W` or
/// `method.request.body[.JSONPath]`, as API Gateway accepts them.
pub(super) fn check_request_mapping(
    target: &str,
    source: &str,
    path: &str,
) -> Result<(), DocumentError> {
    let targets = [
        "integration.request.path.",
        "integration.request.querystring.",
        "integration.request.header.",
        "integration.request.multivaluequerystring.",
        "integration.request.multivalueheader.",
    ];
    if !named_after(target, &targets) {
        return Err(invalid(
            path,
            target,
            "integration.request.path|querystring|header.NAME",
        ));
    }
    let sources = [
        "method.request.path.",
        "method.request.querystring.",
        "method.request.header.",
        "method.request.multivaluequerystring.",
        "method.request.multivalueheader.",
        "stageVariables.",
        "context.",
    ];
    if !(is_literal(source)
        || named_after(source, &sources)
        || body_expression(source, "method.request.body"))
    {
        return Err(invalid(
            path,
            source,
            "method.request.path|querystring|header.NAME, 'literal', stageVariables.NAME or context.NAME",
        ));
    }
    Ok(())
}

/// `method.response.header.X` from `integration.response.header.Y`,
/// `integration.response.body[.JSONPath]`, `'literal'`, `stageVariables.Z` or `context.W`.
pub(super) fn check_response_mapping(
    target: &str,
    source: &str,
    path: &str,
) -> Result<(), DocumentError> {
    if !named_after(target, &["method.response.header."]) {
        return Err(invalid(path, target, "method.response.header.NAME"));
    }
    let sources = [
        "integration.response.header.",
        "integration.response.multivalueheader.",
        "stageVariables.",
        "context.",
    ];
    if !(is_literal(source)
        || named_after(source, &sources)
        || body_expression(source, "integration.response.body"))
    {
        return Err(invalid(
            path,
            source,
            "'literal', integration.response.header.NAME, integration.response.body, stageVariables.NAME or context.NAME",
        ));
    }
    Ok(())
}

fn is_literal(source: &str) -> bool {
    source.len() >= 2 && source.starts_with('\'') && source.ends_with('\'')
}
