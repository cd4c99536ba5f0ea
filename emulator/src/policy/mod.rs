//! The IAM policy engine: API Gateway resource policies and VPC endpoint policies, parsed once
//! into a compiled form and evaluated as IAM does.
//!
//! Decision (IAM User Guide, policy evaluation logic): any applicable Deny gives
//! [`Decision::ExplicitDeny`]; otherwise any applicable Allow gives [`Decision::Allow`];
//! otherwise [`Decision::ImplicitDeny`]. A statement applies when its principal, action and
//! resource elements match and every condition holds. Matching rules live in `matching`,
//! condition operators in `condition`; `error` names what a malformed policy got wrong and where.
//!
//! `execute-api:/stage/METHOD/path` shorthand is expanded at parse time against the API that
//! owns the policy ([`PolicyScope`]), as API Gateway does when it saves a policy.

mod condition;
mod context;
mod error;
mod matching;

use std::sync::Arc;

use serde::Serialize;

pub use condition::ConditionTrace;
use condition::{Condition, Operator};
pub use context::ConditionContext;
use error::json_type;
pub use error::{PolicyError, PolicyErrorKind};
use matching::Pattern;

/// What shorthand expands against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyScope {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// The Region of the API.
    pub region: String,
    /// The account that owns the API.
    pub account_id: String,
    /// The API whose policy this is; `None` for endpoint policies, where shorthand is an error.
    pub api_id: Option<String>,
}

impl PolicyScope {
    /// The scope of an API's resource policy; the partition follows from the Region.
    pub fn for_api(region: &str, account_id: &str, api_id: &str) -> PolicyScope {
        PolicyScope {
            api_id: Some(api_id.to_string()),
            ..PolicyScope::for_endpoint(region, account_id)
        }
    }

    /// The scope of a VPC endpoint policy (no shorthand).
    pub fn for_endpoint(region: &str, account_id: &str) -> PolicyScope {
        let partition = crate::model::names::Region::parse(region).map_or("aws", |r| r.partition);
        PolicyScope {
            partition: partition.to_string(),
            region: region.to_string(),
            account_id: account_id.to_string(),
            api_id: None,
        }
    }
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An unsigned caller (every call to a method with authorization NONE).
    Anonymous,
    /// A signed IAM identity.
    Aws {
        /// The identity's ARN.
        arn: String,
        /// Its account.
        account_id: String,
    },
}

/// One authorization question.
#[derive(Debug, Clone, Copy)]
pub struct AuthzRequest<'a> {
    /// e.g. `execute-api:Invoke`.
    pub action: &'a str,
    /// The full ARN, e.g. `arn:aws:execute-api:us-east-1:123456789012:chw1a2q2xk/test/GET/pets`.
    pub resource: &'a str,
    /// The caller.
    pub principal: &'a Principal,
    /// Condition keys.
    pub context: &'a ConditionContext,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    /// A statement allows and none denies.
    Allow,
    /// A Deny statement applies.
    ExplicitDeny,
    /// No statement allows.
    ImplicitDeny,
}

/// A statement, by position and `Sid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    /// Position in `Statement` (0-based).
    pub index: usize,
    /// The `Sid`, if any.
    pub sid: Option<Arc<str>>,
}

/// A decision and the statement that made it (`None` for an implicit deny).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// The Deny that applied, or the first Allow that applied.
    pub deciding_statement: Option<StatementRef>,
}

/// How one statement fared.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementTrace {
    /// Position in `Statement`.
    pub index: usize,
    /// The `Sid`, if any.
    pub sid: Option<Arc<str>>,
    /// `Allow` or `Deny`.
    pub effect: &'static str,
    /// Whether it applied to the request.
    pub applies: bool,
    /// The first element that did not match (`Principal`, `Action`, `Resource`, `Condition`), if any.
    pub failed_element: Option<&'static str>,
    /// Each condition with the values it compared (empty when an earlier element failed).
    pub conditions: Vec<ConditionTrace>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone)]
enum PrincipalPattern {
    Everyone,
    Account(String),
    Arn(String),
    /// `Service`, `Federated`, `CanonicalUser`: never an anonymous or IAM caller here.
    Other,
}

#[derive(Debug, Clone)]
struct Statement {
    sid: Option<Arc<str>>,
    effect: Effect,
    /// `(negated, patterns)`: `NotPrincipal` when negated.
    principals: (bool, Vec<PrincipalPattern>),
    /// Lowercase patterns; `NotAction` when negated.
    actions: (bool, Vec<Pattern>),
    /// `NotResource` when negated.
    resources: (bool, Vec<Pattern>),
    conditions: Vec<Condition>,
}

/// A parsed, validated and compiled policy.
#[derive(Debug, Clone)]
pub struct Policy {
    statements: Vec<Statement>,
    normalized: serde_json::Value,
}

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

fn strings<'v>(
    value: &'v serde_json::Value,
    path: &str,
) -> Result<Vec<(String, &'v str)>, PolicyError> {
    match value {
        serde_json::Value::String(s) => Ok(vec![(path.to_string(), s.as_str())]),
        serde_json::Value::Array(items) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                serde_json::Value::String(s) => Ok((format!("{path}[{i}]"), s.as_str())),
                other => Err(PolicyError::new(
                    format!("{path}[{i}]"),
                    PolicyErrorKind::WrongType {
                        expected: "a string",
                        found: json_type(other),
                    },
                )),
            })
            .collect(),
        other => Err(PolicyError::new(
            path,
            PolicyErrorKind::WrongType {
                expected: "a string or a non-empty array of strings",
                found: json_type(other),
            },
        )),
    }
}

fn principal_patterns(
    value: &serde_json::Value,
    path: &str,
) -> Result<Vec<PrincipalPattern>, PolicyError> {
    match value {
        serde_json::Value::String(s) if s == "*" => Ok(vec![PrincipalPattern::Everyone]),
        serde_json::Value::Object(map) if !map.is_empty() => {
            let mut out = Vec::new();
            for (kind, v) in map {
                let kpath = format!("{path}.{kind}");
                for (vpath, text) in strings(v, &kpath)? {
                    let pattern = match kind.as_str() {
                        "AWS" => {
                            if text == "*" {
                                PrincipalPattern::Everyone
                            } else if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
                                PrincipalPattern::Account(text.to_string())
                            } else if let Some(account) = text
                                .strip_prefix("arn:")
                                .and_then(|r| {
                                    r.split(':').nth(3).filter(|_| {
                                        matches!(r.split(':').nth(1), Some("iam" | "sts"))
                                    })
                                })
                                .filter(|a| {
                                    a.len() == 12
                                        && a.bytes().all(|b| b.is_ascii_digit())
                                        && !text.contains('*')
                                        && !text.contains('?')
                                })
                            {
                                if text.ends_with(":root") {
                                    PrincipalPattern::Account(account.to_string())
                                } else {
                                    PrincipalPattern::Arn(text.to_string())
                                }
                            } else {
                                return Err(PolicyError::new(
                                    vpath,
                                    PolicyErrorKind::InvalidPrincipal(text.to_string()),
                                ));
                            }
                        }
                        "Service" | "Federated" | "CanonicalUser" => PrincipalPattern::Other,
                        _ => {
                            return Err(PolicyError::new(
                                kpath.clone(),
                                PolicyErrorKind::UnknownElement(kind.clone()),
                            ))
                        }
                    };
                    out.push(pattern);
                }
            }
            Ok(out)
        }
        serde_json::Value::String(s) => Err(PolicyError::new(
            path,
            PolicyErrorKind::InvalidPrincipal(s.clone()),
        )),
        other => Err(PolicyError::new(
            path,
            PolicyErrorKind::WrongType {
                expected: "\"*\" or an object such as {\"AWS\": ...}",
                found: json_type(other),
            },
        )),
    }
}

fn valid_action(text: &str) -> bool {
    text == "*"
        || text.split_once(':').is_some_and(|(service, name)| {
            !service.is_empty() && !name.is_empty() && !service.contains('*') && !name.contains(':')
        })
}

/// Expands shorthand and checks the shape of a resource.
fn resource_text(text: &str, scope: &PolicyScope, path: &str) -> Result<String, PolicyError> {
    if text == "*" {
        return Ok(text.to_string());
    }
    if let Some(rest) = text.strip_prefix("execute-api:") {
        if !rest.starts_with('/') {
            return Err(PolicyError::new(
                path,
                PolicyErrorKind::InvalidResource(text.to_string()),
            ));
        }
        let api = scope.api_id.as_deref().ok_or_else(|| {
            PolicyError::new(path, PolicyErrorKind::InvalidResource(text.to_string()))
        })?;
        return Ok(format!(
            "arn:{}:execute-api:{}:{}:{api}{rest}",
            scope.partition, scope.region, scope.account_id
        ));
    }
    // A wildcard may stand for the remaining components (`arn:aws:execute-api:*`).
    if text.starts_with("arn:") && (text.splitn(6, ':').count() == 6 || text.contains('*')) {
        return Ok(text.to_string());
    }
    Err(PolicyError::new(
        path,
        PolicyErrorKind::InvalidResource(text.to_string()),
    ))
}

impl PartialEq for Policy {
    /// Two policies are the same when their normalized documents are.
    fn eq(&self, other: &Policy) -> bool {
        self.normalized == other.normalized
    }
}

impl Policy {
    /// Parses, validates and compiles a policy document.
    pub fn parse(json: &str, scope: &PolicyScope) -> Result<Policy, PolicyError> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| PolicyError::new("", PolicyErrorKind::NotJson(e.to_string())))?;
        Policy::from_value(&value, scope)
    }

    /// Validates and compiles a parsed policy document.
    pub fn from_value(
        value: &serde_json::Value,
        scope: &PolicyScope,
    ) -> Result<Policy, PolicyError> {
        let doc = value.as_object().ok_or_else(|| {
            PolicyError::new(
                "",
                PolicyErrorKind::WrongType {
                    expected: "an object",
                    found: json_type(value),
                },
            )
        })?;
        for key in doc.keys() {
            if !["Version", "Id", "Statement"].contains(&key.as_str()) {
                return Err(PolicyError::new(
                    key.clone(),
                    PolicyErrorKind::UnknownElement(key.clone()),
                ));
            }
        }
        // Without Version, IAM applies 2008-10-17, where policy variables are plain text.
        let variables = match doc.get("Version") {
            None => false,
            Some(serde_json::Value::String(v)) if v == "2012-10-17" => true,
            Some(serde_json::Value::String(v)) if v == "2008-10-17" => false,
            Some(serde_json::Value::String(v)) => {
                return Err(PolicyError::new(
                    "Version",
                    PolicyErrorKind::InvalidVersion(v.clone()),
                ))
            }
            Some(other) => {
                return Err(PolicyError::new(
                    "Version",
                    PolicyErrorKind::WrongType {
                        expected: "a string",
                        found: json_type(other),
                    },
                ))
            }
        };
        if let Some(id) = doc.get("Id") {
            if !id.is_string() {
                return Err(PolicyError::new(
                    "Id",
                    PolicyErrorKind::WrongType {
                        expected: "a string",
                        found: json_type(id),
                    },
                ));
            }
        }
        let raw_statements: Vec<(String, &serde_json::Value)> = match doc.get("Statement") {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("Statement[{i}]"), s))
                .collect(),
            Some(object @ serde_json::Value::Object(_)) => vec![("Statement".to_string(), object)],
            Some(other) => {
                return Err(PolicyError::new(
                    "Statement",
                    PolicyErrorKind::WrongType {
                        expected: "an object or an array of objects",
                        found: json_type(other),
                    },
                ))
            }
            None => return Err(PolicyError::new("", PolicyErrorKind::Missing("Statement"))),
        };
        let mut statements = Vec::with_capacity(raw_statements.len());
        let mut normalized_statements = Vec::with_capacity(raw_statements.len());
        for (path, raw) in raw_statements {
            let (statement, normalized) = Self::statement(raw, &path, scope, variables)?;
            statements.push(statement);
            normalized_statements.push(normalized);
        }
        let mut normalized = doc.clone();
        normalized.insert(
            "Statement".to_string(),
            serde_json::Value::Array(normalized_statements),
        );
        Ok(Policy {
            statements,
            normalized: serde_json::Value::Object(normalized),
        })
    }

    fn statement(
        raw: &serde_json::Value,
        path: &str,
        scope: &PolicyScope,
        variables: bool,
    ) -> Result<(Statement, serde_json::Value), PolicyError> {
        let s = raw.as_object().ok_or_else(|| {
            PolicyError::new(
                path,
                PolicyErrorKind::WrongType {
                    expected: "an object",
                    found: json_type(raw),
                },
            )
        })?;
        for key in s.keys() {
            if !STATEMENT_ELEMENTS.contains(&key.as_str()) {
                return Err(PolicyError::new(
                    format!("{path}.{key}"),
                    PolicyErrorKind::UnknownElement(key.clone()),
                ));
            }
        }
        let mut normalized = s.clone();
        let sid = match s.get("Sid") {
            None => None,
            Some(serde_json::Value::String(v)) => Some(Arc::<str>::from(v.as_str())),
            Some(other) => {
                return Err(PolicyError::new(
                    format!("{path}.Sid"),
                    PolicyErrorKind::WrongType {
                        expected: "a string",
                        found: json_type(other),
                    },
                ))
            }
        };
        let effect = match s.get("Effect") {
            Some(serde_json::Value::String(e)) if e == "Allow" => Effect::Allow,
            Some(serde_json::Value::String(e)) if e == "Deny" => Effect::Deny,
            Some(serde_json::Value::String(e)) => {
                return Err(PolicyError::new(
                    format!("{path}.Effect"),
                    PolicyErrorKind::InvalidEffect(e.clone()),
                ))
            }
            Some(other) => {
                return Err(PolicyError::new(
                    format!("{path}.Effect"),
                    PolicyErrorKind::WrongType {
                        expected: "\"Allow\" or \"Deny\"",
                        found: json_type(other),
                    },
                ))
            }
            None => return Err(PolicyError::new(path, PolicyErrorKind::Missing("Effect"))),
        };
        let pick =
            |a: &'static str, b: &'static str| -> Result<(bool, &serde_json::Value), PolicyError> {
                match (s.get(a), s.get(b)) {
                    (Some(_), Some(_)) => Err(PolicyError::new(path, PolicyErrorKind::Both(a, b))),
                    (Some(v), None) => Ok((false, v)),
                    (None, Some(v)) => Ok((true, v)),
                    (None, None) => Err(PolicyError::new(path, PolicyErrorKind::Missing(a))),
                }
            };
        // Resource policies must name a principal.
        let (not_principal, principal_value) = pick("Principal", "NotPrincipal")?;
        let principal_path = format!(
            "{path}.{}",
            if not_principal {
                "NotPrincipal"
            } else {
                "Principal"
            }
        );
        let principals = principal_patterns(principal_value, &principal_path)?;

        let (not_action, action_value) = pick("Action", "NotAction")?;
        let action_path = format!("{path}.{}", if not_action { "NotAction" } else { "Action" });
        let mut actions = Vec::new();
        for (apath, text) in strings(action_value, &action_path)? {
            if !valid_action(text) {
                return Err(PolicyError::new(
                    apath,
                    PolicyErrorKind::InvalidAction(text.to_string()),
                ));
            }
            // Action names are case-insensitive.
            let pattern =
                Pattern::compile(&text.to_ascii_lowercase(), true, false).map_err(|e| {
                    PolicyError::new(apath.clone(), PolicyErrorKind::InvalidVariable(e.0))
                })?;
            actions.push(pattern);
        }

        let (not_resource, resource_value) = pick("Resource", "NotResource")?;
        let resource_key = if not_resource {
            "NotResource"
        } else {
            "Resource"
        };
        let resource_path = format!("{path}.{resource_key}");
        let mut resources = Vec::new();
        let mut expanded = Vec::new();
        for (rpath, text) in strings(resource_value, &resource_path)? {
            let full = resource_text(text, scope, &rpath)?;
            let pattern = Pattern::compile(&full, true, variables).map_err(|e| {
                PolicyError::new(rpath.clone(), PolicyErrorKind::InvalidVariable(e.0))
            })?;
            resources.push(pattern);
            expanded.push(serde_json::Value::String(full));
        }
        // API Gateway saves one-element lists as strings, with shorthand expanded.
        let saved = if expanded.len() == 1 {
            expanded.remove(0)
        } else {
            serde_json::Value::Array(expanded)
        };
        normalized.insert(resource_key.to_string(), saved);
        let principal_key = if not_principal {
            "NotPrincipal"
        } else {
            "Principal"
        };
        if let Some(serde_json::Value::Object(p)) = normalized.get_mut(principal_key) {
            for v in p.values_mut() {
                if let serde_json::Value::Array(items) = v {
                    if items.len() == 1 {
                        *v = items.remove(0);
                    }
                }
            }
        }

        let mut conditions = Vec::new();
        match s.get("Condition") {
            None => {}
            Some(serde_json::Value::Object(ops)) => {
                for (op_name, keys) in ops {
                    let op_path = format!("{path}.Condition.{op_name}");
                    let operator = Operator::parse(op_name)
                        .map_err(|kind| PolicyError::new(op_path.clone(), kind))?;
                    let keys = keys.as_object().ok_or_else(|| {
                        PolicyError::new(
                            op_path.clone(),
                            PolicyErrorKind::WrongType {
                                expected: "an object of condition keys to values",
                                found: json_type(keys),
                            },
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
            }
            Some(other) => {
                return Err(PolicyError::new(
                    format!("{path}.Condition"),
                    PolicyErrorKind::WrongType {
                        expected: "an object",
                        found: json_type(other),
                    },
                ))
            }
        }
        let statement = Statement {
            sid,
            effect,
            principals: (not_principal, principals),
            actions: (not_action, actions),
            resources: (not_resource, resources),
            conditions,
        };
        Ok((statement, serde_json::Value::Object(normalized)))
    }

    /// AWS's default endpoint policy, "Full Access".
    pub fn full_access() -> Policy {
        let doc = serde_json::json!({"Statement": [{"Action": "*", "Effect": "Allow", "Principal": "*", "Resource": "*"}]});
        let scope = PolicyScope {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            api_id: None,
        };
        // A constant document that parses: covered by a unit test.
        Policy::from_value(&doc, &scope).expect("the Full Access policy is valid")
    }

    /// The policy as API Gateway stores it: shorthand expanded, one-element lists as strings.
    pub fn normalized(&self) -> serde_json::Value {
        self.normalized.clone()
    }

    /// How many statements it has.
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// The decision and the statement that made it. Allocates nothing unless the policy uses
    /// variables in resources or the request needs case folding.
    pub fn evaluate(&self, req: &AuthzRequest<'_>) -> Evaluation {
        let mut allow: Option<usize> = None;
        for (index, statement) in self.statements.iter().enumerate() {
            if statement.effect == Effect::Allow && allow.is_some() {
                continue;
            }
            if statement.first_failure(req).is_none() {
                match statement.effect {
                    Effect::Deny => {
                        return Evaluation {
                            decision: Decision::ExplicitDeny,
                            deciding_statement: Some(self.reference(index)),
                        }
                    }
                    Effect::Allow => allow = Some(index),
                }
            }
        }
        match allow {
            Some(index) => Evaluation {
                decision: Decision::Allow,
                deciding_statement: Some(self.reference(index)),
            },
            None => Evaluation {
                decision: Decision::ImplicitDeny,
                deciding_statement: None,
            },
        }
    }

    /// The decision and how each statement fared.
    pub fn evaluate_with_trace(&self, req: &AuthzRequest<'_>) -> (Evaluation, Vec<StatementTrace>) {
        let trace = self
            .statements
            .iter()
            .enumerate()
            .map(|(index, s)| {
                let failed = s.first_failure(req);
                let conditions = if matches!(failed, None | Some("Condition")) {
                    s.conditions.iter().map(|c| c.trace(req.context)).collect()
                } else {
                    Vec::new()
                };
                StatementTrace {
                    index,
                    sid: s.sid.clone(),
                    effect: match s.effect {
                        Effect::Allow => "Allow",
                        Effect::Deny => "Deny",
                    },
                    applies: failed.is_none(),
                    failed_element: failed,
                    conditions,
                }
            })
            .collect();
        (self.evaluate(req), trace)
    }

    fn reference(&self, index: usize) -> StatementRef {
        StatementRef {
            index,
            sid: self.statements[index].sid.clone(),
        }
    }
}

/// True when `caller` is an assumed-role session (`arn:aws:sts::A:assumed-role/R/session`) of the
/// role `role` (`arn:aws:iam::A:role/R`, possibly with a path): a role principal covers its sessions.
fn is_session_of(caller: &str, role: &str) -> bool {
    let (Some(session), Some(role_arn)) = (
        caller.split_once(":assumed-role/"),
        role.split_once(":role/"),
    ) else {
        return false;
    };
    let caller_prefix = session.0.replacen(":sts:", ":iam:", 1);
    let role_name = role_arn.1.rsplit('/').next().unwrap_or("");
    caller_prefix == role_arn.0 && session.1.split('/').next() == Some(role_name)
}

impl Statement {
    /// The first element that does not match, or `None` when the statement applies.
    fn first_failure(&self, req: &AuthzRequest<'_>) -> Option<&'static str> {
        let (negated, principals) = &self.principals;
        let everyone = principals
            .iter()
            .any(|p| matches!(p, PrincipalPattern::Everyone));
        let account_listed = |account: &str| {
            principals
                .iter()
                .any(|p| matches!(p, PrincipalPattern::Account(a) if a == account))
        };
        let arn_listed = |caller: &str| {
            principals.iter().any(|p| matches!(p, PrincipalPattern::Arn(arn) if arn == caller || is_session_of(caller, arn)))
        };
        let principal_listed = match req.principal {
            Principal::Anonymous => everyone,
            // Principal: an account covers every identity in it.
            Principal::Aws { arn, account_id } if !*negated => {
                everyone || account_listed(account_id) || arn_listed(arn)
            }
            // NotPrincipal exempts a caller only when each of its identities is listed: its own ARN
            // (a session's and its role's) and its account, as the IAM guide's examples require.
            Principal::Aws { arn, account_id } => {
                let exact = principals
                    .iter()
                    .any(|p| matches!(p, PrincipalPattern::Arn(a) if a == arn));
                let own_arns_listed = if arn.contains(":assumed-role/") {
                    exact && principals.iter().any(|p| matches!(p, PrincipalPattern::Arn(role) if is_session_of(arn, role)))
                } else {
                    arn.ends_with(":root") || exact
                };
                everyone || (account_listed(account_id) && own_arns_listed)
            }
        };
        if principal_listed == *negated {
            return Some("Principal");
        }
        let (negated, actions) = &self.actions;
        let empty = ConditionContext::new();
        let action_listed = actions.iter().any(|p| p.matches(req.action, &empty, true));
        if action_listed == *negated {
            return Some("Action");
        }
        let (negated, resources) = &self.resources;
        // An unfillable variable makes the element fail, NotResource included.
        if resources.iter().any(|p| !p.resolvable(req.context)) {
            return Some("Resource");
        }
        let resource_listed = resources
            .iter()
            .any(|p| p.is_star() || p.matches(req.resource, req.context, false));
        if resource_listed == *negated {
            return Some("Resource");
        }
        if !self.conditions.iter().all(|c| c.holds(req.context)) {
            return Some("Condition");
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> PolicyScope {
        PolicyScope::for_api("us-east-1", "123456789012", "chw1a2q2xk")
    }

    const SEED: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/*",
         "Condition":{"StringNotEquals":{"aws:sourceVpce":"vpce-01234567890abcdef"}}},
        {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/*"}]}"#;

    fn decide(policy: &Policy, resource: &str, context: &ConditionContext) -> Decision {
        policy
            .evaluate(&AuthzRequest {
                action: "execute-api:Invoke",
                resource,
                principal: &Principal::Anonymous,
                context,
            })
            .decision
    }

    #[test]
    fn the_seed_policy_allows_only_its_endpoint() {
        let p = Policy::parse(SEED, &scope()).unwrap();
        let root = "arn:aws:execute-api:us-east-1:123456789012:chw1a2q2xk/test/GET/";
        let mut right = ConditionContext::new();
        right.insert("aws:SourceVpce", "vpce-01234567890abcdef");
        let mut wrong = ConditionContext::new();
        wrong.insert("aws:SourceVpce", "vpce-0fedcba9876543210");
        assert_eq!(decide(&p, root, &right), Decision::Allow);
        assert_eq!(decide(&p, root, &wrong), Decision::ExplicitDeny);
        assert_eq!(
            decide(&p, root, &ConditionContext::new()),
            Decision::ExplicitDeny
        );
        assert_eq!(
            decide(
                &p,
                "arn:aws:execute-api:us-east-1:123456789012:otherapi01/test/GET/",
                &right
            ),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn shorthand_is_expanded_and_lists_of_one_saved_as_strings() {
        let p = Policy::parse(SEED, &scope()).unwrap();
        assert_eq!(
            p.normalized()["Statement"][1]["Resource"],
            "arn:aws:execute-api:us-east-1:123456789012:chw1a2q2xk/*/*/*"
        );
        let endpoint_scope = PolicyScope {
            api_id: None,
            ..scope()
        };
        let err = Policy::parse(SEED, &endpoint_scope).unwrap_err();
        assert_eq!(err.path, "Statement[0].Resource");
    }

    #[test]
    fn full_access_allows_everything() {
        let p = Policy::full_access();
        assert_eq!(
            decide(
                &p,
                "arn:aws:execute-api:us-east-1:1:x/a/GET/",
                &ConditionContext::new()
            ),
            Decision::Allow
        );
    }

    #[test]
    fn principals_actions_and_their_negations() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333"]},"Action":"Execute-API:invoke","Resource":"*"}]}"#;
        let p = Policy::parse(doc, &scope()).unwrap();
        let ctx = ConditionContext::new();
        let member = Principal::Aws {
            arn: "arn:aws:iam::111122223333:role/r".into(),
            account_id: "111122223333".into(),
        };
        let req = |principal: &Principal| {
            p.evaluate(&AuthzRequest {
                action: "execute-api:Invoke",
                resource: "arn:aws:execute-api:us-east-1:1:x/a/GET/",
                principal,
                context: &ctx,
            })
            .decision
        };
        assert_eq!(req(&member), Decision::Allow);
        assert_eq!(
            req(&Principal::Anonymous),
            Decision::ImplicitDeny,
            "an account principal does not match anonymous callers"
        );
        let not_action = r#"{"Statement":[{"Effect":"Deny","Principal":"*","NotAction":"execute-api:Invoke","Resource":"*"}]}"#;
        let p = Policy::parse(not_action, &scope()).unwrap();
        assert_eq!(
            decide(&p, "arn:aws:execute-api:us-east-1:1:x/a/GET/", &ctx),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn malformed_policies_name_the_element() {
        let cases = [
            (
                r#"{"Statement":[{"Effect":"Permit","Principal":"*","Action":"*","Resource":"*"}]}"#,
                "Statement[0].Effect",
                "expected \"Allow\" or \"Deny\", found \"Permit\"",
            ),
            (
                r#"{"Statement":[{"Principal":"*","Action":"*","Resource":"*"}]}"#,
                "Statement[0]",
                "missing Effect",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                "Statement[0]",
                "missing Principal",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","NotAction":"*","Resource":"*"}]}"#,
                "Statement[0]",
                "a statement has either Action or NotAction, not both",
            ),
            (
                r#"{"Version":"2013-01-01","Statement":[]}"#,
                "Version",
                "expected \"2012-10-17\" or \"2008-10-17\", found \"2013-01-01\"",
            ),
            (
                r#"{"Statement":"x"}"#,
                "Statement",
                "expected an object or an array of objects, found a string",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}"#,
                "Statement[0].Condition.StringEqualz",
                "unknown condition operator \"StringEqualz\"",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"*","Resource":"*"}]}"#,
                "Statement[0].Principal.AWS",
                "expected \"*\", a 12-digit account id",
            ),
        ];
        for (doc, path, message) in cases {
            let err = Policy::parse(doc, &scope()).unwrap_err();
            assert_eq!(err.path, path, "{doc}");
            assert!(
                err.message().starts_with(message),
                "{doc}: {}",
                err.message()
            );
        }
        assert!(
            Policy::parse(r#"{"Statement":[]}"#, &scope()).is_ok(),
            "an empty statement list is valid"
        );
    }
}
