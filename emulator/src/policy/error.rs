//! Why a policy document was refused, with the JSON path of the offending element.

use std::fmt;

/// A policy AWS would refuse to save. `Display` is `<path>: <message>`, e.g.
/// `Statement[1].Condition.StringNotEquals: ...`; the path is empty for the whole document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.display())]
pub struct PolicyError {
    /// Where, e.g. `Statement[0].Effect`.
    pub path: String,
    /// What is wrong.
    pub kind: PolicyErrorKind,
}

/// One variant per reason a policy is malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// The text is not JSON.
    NotJson(String),
    /// An element has the wrong JSON type.
    WrongType {
        /// What was expected.
        expected: &'static str,
        /// What was found (a JSON type name).
        found: &'static str,
    },
    /// An element that the grammar does not have.
    UnknownElement(String),
    /// A required element is missing.
    Missing(&'static str),
    /// Two elements that exclude each other.
    Both(&'static str, &'static str),
    /// `Version` is not `2012-10-17` or `2008-10-17`.
    InvalidVersion(String),
    /// `Effect` is not `Allow` or `Deny`.
    InvalidEffect(String),
    /// A principal that is not `*`, an account id or an ARN.
    InvalidPrincipal(String),
    /// An action that is not `*` or `service:action`.
    InvalidAction(String),
    /// A resource that is not `*`, an ARN or `execute-api:` shorthand.
    InvalidResource(String),
    /// An unknown condition operator.
    UnknownOperator(String),
    /// A set qualifier other than `ForAnyValue`/`ForAllValues`.
    UnknownQualifier(String),
    /// A condition value the operator cannot use.
    InvalidConditionValue {
        /// The operator.
        operator: String,
        /// The value.
        value: String,
        /// What the operator takes.
        expected: &'static str,
    },
    /// A malformed `${...}` policy variable.
    InvalidVariable(String),
}

pub(crate) fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

impl fmt::Display for PolicyErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyErrorKind::NotJson(e) => write!(f, "the policy is not JSON: {e}"),
            PolicyErrorKind::WrongType { expected, found } => write!(f, "expected {expected}, found {found}"),
            PolicyErrorKind::UnknownElement(name) => write!(f, "unknown element {name:?}"),
            PolicyErrorKind::Missing(what) => write!(f, "missing {what}"),
            PolicyErrorKind::Both(a, b) => write!(f, "a statement has either {a} or {b}, not both"),
            PolicyErrorKind::InvalidVersion(v) => write!(f, "expected \"2012-10-17\" or \"2008-10-17\", found {v:?}"),
            PolicyErrorKind::InvalidEffect(v) => write!(f, "expected \"Allow\" or \"Deny\", found {v:?}"),
            PolicyErrorKind::InvalidPrincipal(v) => write!(
                f,
                "expected \"*\", a 12-digit account id or an IAM ARN (no partial wildcards; use a condition on aws:PrincipalArn), found {v:?}"
            ),
            PolicyErrorKind::InvalidAction(v) => write!(f, "expected \"*\" or \"service:action\" such as \"execute-api:Invoke\", found {v:?}"),
            PolicyErrorKind::InvalidResource(v) => write!(
                f,
                "expected \"*\", an ARN (arn:partition:service:region:account:resource) or \"execute-api:/stage/METHOD/path\", found {v:?}"
            ),
            PolicyErrorKind::UnknownOperator(op) => write!(f, "unknown condition operator {op:?}"),
            PolicyErrorKind::UnknownQualifier(q) => write!(f, "unknown set operator {q:?}; expected ForAnyValue or ForAllValues"),
            PolicyErrorKind::InvalidConditionValue { operator, value, expected } => {
                write!(f, "{operator} takes {expected}, found {value:?}")
            }
            PolicyErrorKind::InvalidVariable(e) => write!(f, "{e}"),
        }
    }
}

impl PolicyError {
    pub(crate) fn new(path: impl Into<String>, kind: PolicyErrorKind) -> PolicyError {
        PolicyError {
            path: path.into(),
            kind,
        }
    }

    /// The message without the path.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }

    fn display(&self) -> String {
        if self.path.is_empty() {
            self.kind.to_string()
        } else {
            format!("{}: {}", self.path, self.kind)
        }
    }
}
