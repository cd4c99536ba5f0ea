//! Reading one statement of a policy document: each element validated, with the JSON path of
//! what is wrong, and compiled into a [`Statement`]; `execute-api:` shorthand expanded against
//! the [`PolicyScope`]; the statement as API Gateway saves it (normalized) returned beside it.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::condition::{Condition, Operator};
use crate::error::{optional_string, reject_unknown_elements, PolicyError, PolicyErrorKind};
use crate::matching::Pattern;
use crate::scope::PolicyScope;
use crate::statement::{Effect, PrincipalPattern, Statement};

/// The elements a statement may have.
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// A string or a non-empty array of strings, each with its path.
fn strings<'v>(value: &'v Value, path: &str) -> Result<Vec<(String, &'v str)>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![(path.to_string(), s.as_str())]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok((format!("{path}[{i}]"), s.as_str())),
                other => Err(PolicyError::wrong_type(
                    format!("{path}[{i}]"),
                    "a string",
                    other,
                )),
            })
            .collect(),
        other => Err(PolicyError::wrong_type(
            path,
            "a string or a non-empty array of strings",
            other,
        )),
    }
}

/// Twelve digits.
fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// One entry of `"AWS": ...`: `*`, an account id, an account's root ARN, or the exact ARN of
/// an IAM or STS identity.
fn aws_principal(text: &str, path: String) -> Result<PrincipalPattern, PolicyError> {
    if text == "*" {
        return Ok(PrincipalPattern::Everyone);
    }
    if is_account_id(text) {
        return Ok(PrincipalPattern::Account(text.to_string()));
    }
    let account = text
        .strip_prefix("arn:")
        .and_then(|r| {
            r.split(':')
                .nth(3)
                .filter(|_| matches!(r.split(':').nth(1), Some("iam" | "sts")))
        })
        .filter(|a| is_account_id(a) && !text.contains('*') && !text.contains('?'));
    match account {
        Some(account) if text.ends_with(":root") => {
            Ok(PrincipalPattern::Account(account.to_string()))
        }
        Some(_) => Ok(PrincipalPattern::Arn(text.to_string())),
        None => Err(PolicyError::new(
            path,
            PolicyErrorKind::InvalidPrincipal(text.to_string()),
        )),
    }
}

/// `Principal` or `NotPrincipal`: `"*"` or an object of principal kinds to values.
fn principal_patterns(value: &Value, path: &str) -> Result<Vec<PrincipalPattern>, PolicyError> {
    match value {
        Value::String(s) if s == "*" => Ok(vec![PrincipalPattern::Everyone]),
        Value::Object(map) if !map.is_empty() => {
            let mut out = Vec::new();
            for (kind, v) in map {
                let kpath = format!("{path}.{kind}");
                for (vpath, text) in strings(v, &kpath)? {
                    out.push(match kind.as_str() {
                        "AWS" => aws_principal(text, vpath)?,
                        "Service" | "Federated" | "CanonicalUser" => PrincipalPattern::Other,
                        _ => {
                            return Err(PolicyError::new(
                                kpath.clone(),
                                PolicyErrorKind::UnknownElement(kind.clone()),
                            ))
                        }
                    });
                }
            }
            Ok(out)
        }
        Value::String(s) => Err(PolicyError::new(
            path,
            PolicyErrorKind::InvalidPrincipal(s.clone()),
        )),
        other => Err(PolicyError::wrong_type(
            path,
            "\"*\" or an object such as {\"AWS\": ...}",
            other,
        )),
    }
}

/// `*` or `service:action`, the action part possibly with wildcards.
fn valid_action(text: &str) -> bool {
    text == "*"
        || text.split_once(':').is_some_and(|(service, name)| {
            !service.is_empty() && !name.is_empty() && !service.contains('*') && !name.contains(':')
        })
}

/// `Action` or `NotAction`, compiled lowercase: action names are case-insensitive.
fn action_patterns(value: &Value, path: &str) -> Result<Vec<Pattern>, PolicyError> {
    strings(value, path)?
        .into_iter()
        .map(|(apath, text)| {
            if !valid_action(text) {
                return Err(PolicyError::new(
                    apath,
                    PolicyErrorKind::InvalidAction(text.to_string()),
                ));
            }
            Pattern::compile_at(&text.to_ascii_lowercase(), true, false, &apath)
        })
        .collect()
}

/// Expands shorthand and checks the shape of a resource.
fn resource_text(text: &str, scope: &PolicyScope, path: &str) -> Result<String, PolicyError> {
    let invalid = || PolicyError::new(path, PolicyErrorKind::InvalidResource(text.to_string()));
    if text == "*" {
        return Ok(text.to_string());
    }
    if let Some(rest) = text.strip_prefix("execute-api:") {
        if !rest.starts_with('/') {
            return Err(invalid());
        }
        let api = scope.api_id.as_deref().ok_or_else(invalid)?;
        return Ok(format!(
            "arn:{}:execute-api:{}:{}:{api}{rest}",
            scope.partition, scope.region, scope.account_id
        ));
    }
    // A wildcard may stand for the remaining components (`arn:aws:execute-api:*`).
    if text.starts_with("arn:") && (text.splitn(6, ':').count() == 6 || text.contains('*')) {
        return Ok(text.to_string());
    }
    Err(invalid())
}

/// `Resource` or `NotResource`, compiled, and as API Gateway saves it: shorthand expanded, a
/// one-element list as a string.
fn resource_patterns(
    value: &Value,
    path: &str,
    scope: &PolicyScope,
    variables: bool,
) -> Result<(Vec<Pattern>, Value), PolicyError> {
    let mut patterns = Vec::new();
    let mut expanded = Vec::new();
    for (rpath, text) in strings(value, path)? {
        let full = resource_text(text, scope, &rpath)?;
        patterns.push(Pattern::compile_at(&full, true, variables, &rpath)?);
        expanded.push(Value::String(full));
    }
    let saved = if expanded.len() == 1 {
        expanded.remove(0)
    } else {
        Value::Array(expanded)
    };
    Ok((patterns, saved))
}

/// `Condition`: an object of operators, each an object of condition keys to values.
fn conditions(
    value: Option<&Value>,
    path: &str,
    variables: bool,
) -> Result<Vec<Condition>, PolicyError> {
    let ops = match value {
        None => return Ok(Vec::new()),
        Some(Value::Object(ops)) => ops,
        Some(other) => {
            return Err(PolicyError::wrong_type(
                format!("{path}.Condition"),
                "an object",
                other,
            ))
        }
    };
    let mut conditions = Vec::new();
    for (op_name, keys) in ops {
        let op_path = format!("{path}.Condition.{op_name}");
        let operator =
            Operator::parse(op_name).map_err(|kind| PolicyError::new(op_path.clone(), kind))?;
        let keys = keys.as_object().ok_or_else(|| {
            PolicyError::wrong_type(
                op_path.as_str(),
                "an object of condition keys to values",
                keys,
            )
        })?;
        for (key, raw_values) in keys {
            let key_path = format!("{op_path}.{key}");
            conditions.push(Condition::compile(
                operator.clone(),
                key,
                raw_values,
                variables,
                &key_path,
            )?);
        }
    }
    Ok(conditions)
}

/// `Effect`: `Allow` or `Deny`.
fn effect(s: &Map<String, Value>, path: &str) -> Result<Effect, PolicyError> {
    match s.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => Ok(Effect::Allow),
        Some(Value::String(e)) if e == "Deny" => Ok(Effect::Deny),
        Some(Value::String(e)) => Err(PolicyError::new(
            format!("{path}.Effect"),
            PolicyErrorKind::InvalidEffect(e.clone()),
        )),
        Some(other) => Err(PolicyError::wrong_type(
            format!("{path}.Effect"),
            "\"Allow\" or \"Deny\"",
            other,
        )),
        None => Err(PolicyError::new(path, PolicyErrorKind::Missing("Effect"))),
    }
}

/// Exactly one of `element` and `not_element` (`Action`/`NotAction`, ...): whether it is the
/// negated one, its name and its value.
fn one_of<'v>(
    s: &'v Map<String, Value>,
    path: &str,
    element: &'static str,
    not_element: &'static str,
) -> Result<(bool, &'static str, &'v Value), PolicyError> {
    match (s.get(element), s.get(not_element)) {
        (Some(_), Some(_)) => Err(PolicyError::new(
            path,
            PolicyErrorKind::Both(element, not_element),
        )),
        (Some(v), None) => Ok((false, element, v)),
        (None, Some(v)) => Ok((true, not_element, v)),
        (None, None) => Err(PolicyError::new(path, PolicyErrorKind::Missing(element))),
    }
}

/// API Gateway saves one-element lists of principals as strings.
fn unwrap_single_principals(principal: Option<&mut Value>) {
    if let Some(Value::Object(p)) = principal {
        for v in p.values_mut() {
            if let Value::Array(items) = v {
                if items.len() == 1 {
                    *v = items.remove(0);
                }
            }
        }
    }
}

/// Validates and compiles the statement at `path`; also returns it normalized.
/// `variables`: policy variables are read (Version 2012-10-17).
pub(crate) fn statement(
    raw: &Value,
    path: &str,
    scope: &PolicyScope,
    variables: bool,
) -> Result<(Statement, Value), PolicyError> {
    let s = raw
        .as_object()
        .ok_or_else(|| PolicyError::wrong_type(path, "an object", raw))?;
    reject_unknown_elements(s, &STATEMENT_ELEMENTS, path)?;
    let sid = optional_string(s, "Sid", path)?.map(Arc::<str>::from);
    let effect = effect(s, path)?;
    // Resource policies must name a principal.
    let (not_principal, principal_key, principal_value) =
        one_of(s, path, "Principal", "NotPrincipal")?;
    let principals = principal_patterns(principal_value, &format!("{path}.{principal_key}"))?;
    let (not_action, action_key, action_value) = one_of(s, path, "Action", "NotAction")?;
    let actions = action_patterns(action_value, &format!("{path}.{action_key}"))?;
    let (not_resource, resource_key, resource_value) = one_of(s, path, "Resource", "NotResource")?;
    let (resources, saved_resources) = resource_patterns(
        resource_value,
        &format!("{path}.{resource_key}"),
        scope,
        variables,
    )?;
    let mut normalized = s.clone();
    normalized.insert(resource_key.to_string(), saved_resources);
    unwrap_single_principals(normalized.get_mut(principal_key));
    let conditions = conditions(s.get("Condition"), path, variables)?;
    let statement = Statement {
        sid,
        effect,
        principals: (not_principal, principals),
        actions: (not_action, actions),
        resources: (not_resource, resources),
        conditions,
    };
    Ok((statement, Value::Object(normalized)))
}
