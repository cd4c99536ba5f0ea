//! A whole policy document ([`Policy`]): read from JSON, its top-level elements checked
//! (`Version`, `Id`, `Statement`), its statements compiled, and kept beside the document as
//! API Gateway saves it. Evaluation is in `evaluation`.

use serde_json::Value;

use crate::error::{optional_string, reject_unknown_elements, PolicyError, PolicyErrorKind};
use crate::parse;
use crate::scope::PolicyScope;
use crate::statement::Statement;

/// A parsed, validated and compiled policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) statements: Vec<Statement>,
    normalized: Value,
}

impl PartialEq for Policy {
    /// Two policies are the same when their normalized documents are.
    fn eq(&self, other: &Policy) -> bool {
        self.normalized == other.normalized
    }
}

/// Whether `${...}` are policy variables: yes under Version 2012-10-17; without a Version, IAM
/// applies 2008-10-17, where they are plain text.
fn reads_variables(doc: &serde_json::Map<String, Value>) -> Result<bool, PolicyError> {
    match optional_string(doc, "Version", "")? {
        None | Some("2008-10-17") => Ok(false),
        Some("2012-10-17") => Ok(true),
        Some(other) => Err(PolicyError::new(
            "Version",
            PolicyErrorKind::InvalidVersion(other.to_string()),
        )),
    }
}

/// `Statement`: one object or an array of them, each with its path.
fn raw_statements(
    doc: &serde_json::Map<String, Value>,
) -> Result<Vec<(String, &Value)>, PolicyError> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => Ok(items
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("Statement[{i}]"), s))
            .collect()),
        Some(object @ Value::Object(_)) => Ok(vec![("Statement".to_string(), object)]),
        Some(other) => Err(PolicyError::wrong_type(
            "Statement",
            "an object or an array of objects",
            other,
        )),
        None => Err(PolicyError::new("", PolicyErrorKind::Missing("Statement"))),
    }
}

impl Policy {
    /// Parses, validates and compiles a policy document.
    pub fn parse(json: &str, scope: &PolicyScope) -> Result<Policy, PolicyError> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| PolicyError::new("", PolicyErrorKind::NotJson(e.to_string())))?;
        Policy::from_value(&value, scope)
    }

    /// Validates and compiles a parsed policy document.
    pub fn from_value(value: &Value, scope: &PolicyScope) -> Result<Policy, PolicyError> {
        let doc = value
            .as_object()
            .ok_or_else(|| PolicyError::wrong_type("", "an object", value))?;
        reject_unknown_elements(doc, &["Version", "Id", "Statement"], "")?;
        let variables = reads_variables(doc)?;
        optional_string(doc, "Id", "")?;
        let raw_statements = raw_statements(doc)?;
        let mut statements = Vec::with_capacity(raw_statements.len());
        let mut normalized_statements = Vec::with_capacity(raw_statements.len());
        for (path, raw) in raw_statements {
            let (statement, normalized) = parse::statement(raw, &path, scope, variables)?;
            statements.push(statement);
            normalized_statements.push(normalized);
        }
        let mut normalized = doc.clone();
        normalized.insert("Statement".to_string(), Value::Array(normalized_statements));
        Ok(Policy {
            statements,
            normalized: Value::Object(normalized),
        })
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
    pub fn normalized(&self) -> Value {
        self.normalized.clone()
    }

    /// How many statements it has.
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }
}
