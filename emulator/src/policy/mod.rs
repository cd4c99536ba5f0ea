//! IAM policy engine: temporary minimal version (replaced by the complete engine).

use std::collections::HashMap;

/// What shorthand expands against.
#[derive(Debug, Clone)]
pub struct PolicyScope {
    pub partition: String,
    pub region: String,
    pub account_id: String,
    pub api_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    Invalid(String),
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}: {kind:?}")]
pub struct PolicyError {
    pub path: String,
    pub kind: PolicyErrorKind,
}

#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    Aws { arn: String, account_id: String },
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ConditionContext {
    values: HashMap<String, Vec<String>>,
}

impl ConditionContext {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        self.values
            .insert(key.to_ascii_lowercase(), vec![value.into()]);
    }
    pub fn insert_multi(&mut self, key: &str, values: Vec<String>) {
        self.values.insert(key.to_ascii_lowercase(), values);
    }
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.values
            .get(&key.to_ascii_lowercase())
            .map(|v| v.as_slice())
    }
}

pub struct AuthzRequest<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub principal: &'a Principal,
    pub context: &'a ConditionContext,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct StatementRef {
    pub index: usize,
    pub sid: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    pub deciding_statement: Option<StatementRef>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct StatementTrace {
    pub index: usize,
    pub applies: bool,
}

#[derive(Debug, Clone)]
struct Statement {
    sid: Option<String>,
    allow: bool,
    resources: Vec<String>,
    not_equals: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub struct Policy {
    statements: Vec<Statement>,
    source: serde_json::Value,
}

fn err(path: &str, m: &str) -> PolicyError {
    PolicyError {
        path: path.to_string(),
        kind: PolicyErrorKind::Invalid(m.to_string()),
    }
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        _ => vec![],
    }
}

fn wildcard(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => wildcard(&p[1..], s) || (!s.is_empty() && wildcard(p, &s[1..])),
        (Some(b'?'), Some(_)) => wildcard(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => wildcard(&p[1..], &s[1..]),
        _ => false,
    }
}

impl Policy {
    pub fn parse(json: &str, scope: &PolicyScope) -> Result<Policy, PolicyError> {
        let v: serde_json::Value =
            serde_json::from_str(json).map_err(|e| err("", &e.to_string()))?;
        Self::from_value(&v, scope)
    }

    pub fn from_value(
        value: &serde_json::Value,
        scope: &PolicyScope,
    ) -> Result<Policy, PolicyError> {
        let stmts = match value.get("Statement") {
            Some(serde_json::Value::Array(a)) => a.clone(),
            Some(o @ serde_json::Value::Object(_)) => vec![o.clone()],
            _ => return Err(err("Statement", "expected an object or an array")),
        };
        let mut statements = Vec::new();
        for (i, s) in stmts.iter().enumerate() {
            let allow = match s.get("Effect").and_then(|e| e.as_str()) {
                Some("Allow") => true,
                Some("Deny") => false,
                _ => {
                    return Err(err(
                        &format!("Statement[{i}].Effect"),
                        "expected \"Allow\" or \"Deny\"",
                    ))
                }
            };
            let resources = strings(s.get("Resource").unwrap_or(&serde_json::Value::Null))
                .into_iter()
                .map(|r| match (r.strip_prefix("execute-api:"), &scope.api_id) {
                    (Some(rest), Some(api)) => {
                        format!(
                            "arn:{}:execute-api:{}:{}:{}{}",
                            scope.partition, scope.region, scope.account_id, api, rest
                        )
                    }
                    _ => r,
                })
                .collect();
            let mut not_equals = Vec::new();
            if let Some(c) = s.get("Condition").and_then(|c| c.as_object()) {
                for (op, keys) in c {
                    if op != "StringNotEquals" {
                        return Err(err(
                            &format!("Statement[{i}].Condition.{op}"),
                            "unsupported operator",
                        ));
                    }
                    for (k, v) in keys.as_object().into_iter().flatten() {
                        not_equals.push((k.clone(), strings(v)));
                    }
                }
            }
            statements.push(Statement {
                sid: s.get("Sid").and_then(|x| x.as_str()).map(String::from),
                allow,
                resources,
                not_equals,
            });
        }
        Ok(Policy {
            statements,
            source: value.clone(),
        })
    }

    pub fn full_access() -> Policy {
        Policy {
            statements: vec![Statement {
                sid: None,
                allow: true,
                resources: vec!["*".into()],
                not_equals: vec![],
            }],
            source: serde_json::json!({"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}),
        }
    }

    pub fn normalized(&self) -> serde_json::Value {
        self.source.clone()
    }

    fn applies(s: &Statement, req: &AuthzRequest<'_>) -> bool {
        s.resources
            .iter()
            .any(|r| wildcard(r.as_bytes(), req.resource.as_bytes()))
            && s.not_equals
                .iter()
                .all(|(k, vals)| match req.context.get(k) {
                    Some(have) => !have.iter().any(|h| vals.contains(h)),
                    None => true,
                })
    }

    pub fn evaluate(&self, req: &AuthzRequest<'_>) -> Evaluation {
        self.evaluate_with_trace(req).0
    }

    pub fn evaluate_with_trace(&self, req: &AuthzRequest<'_>) -> (Evaluation, Vec<StatementTrace>) {
        let mut allow = None;
        let mut trace = Vec::new();
        for (i, s) in self.statements.iter().enumerate() {
            let applies = Self::applies(s, req);
            trace.push(StatementTrace { index: i, applies });
            if applies && !s.allow {
                let e = Evaluation {
                    decision: Decision::ExplicitDeny,
                    deciding_statement: Some(StatementRef {
                        index: i,
                        sid: s.sid.clone(),
                    }),
                };
                return (e, trace);
            }
            if applies && allow.is_none() {
                allow = Some(StatementRef {
                    index: i,
                    sid: s.sid.clone(),
                });
            }
        }
        let decision = if allow.is_some() {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        };
        (
            Evaluation {
                decision,
                deciding_statement: allow,
            },
            trace,
        )
    }
}
