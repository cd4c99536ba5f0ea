//! Why a policy document was refused ([`PolicyError`], [`PolicyErrorKind`]), with the JSON path
//! of the offending element, and the small helpers the parser uses to build those errors and
//! paths.

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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// The text is not JSON.
    #[error("the policy is not JSON: {0}")]
    NotJson(String),
    /// An element has the wrong JSON type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What was expected.
        expected: &'static str,
        /// What was found (a JSON type name).
        found: &'static str,
    },
    /// An element that the grammar does not have.
    #[error("unknown element {0:?}")]
    UnknownElement(String),
    /// A required element is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// Two elements that exclude each other.
    #[error("a statement has either {0} or {1}, not both")]
    Both(&'static str, &'static str),
    /// `Version` is not `2012-10-17` or `2008-10-17`.
    #[error("expected \"2012-10-17\" or \"2008-10-17\", found {0:?}")]
    InvalidVersion(String),
    /// `Effect` is not `Allow` or `Deny`.
    #[error("expected \"Allow\" or \"Deny\", found {0:?}")]
    InvalidEffect(String),
    /// A principal that is not `*`, an account id or an ARN.
    #[error(
        "expected \"*\", a 12-digit account id or an IAM ARN (no partial wildcards; use a condition on aws:PrincipalArn), found {0:?}"
    )]
    InvalidPrincipal(String),
    /// An action that is not `*` or `service:action`.
    #[error("expected \"*\" or \"service:action\" such as \"execute-api:Invoke\", found {0:?}")]
    InvalidAction(String),
    /// A resource that is not `*`, an ARN or `execute-api:` shorthand.
    #[error(
        "expected \"*\", an ARN (arn:partition:service:region:account:resource) or \"execute-api:/stage/METHOD/path\", found {0:?}"
    )]
    InvalidResource(String),
    /// An unknown condition operator.
    #[error("unknown condition operator {0:?}")]
    UnknownOperator(String),
    /// A set qualifier other than `ForAnyValue`/`ForAllValues`.
    #[error("unknown set operator {0:?}; expected ForAnyValue or ForAllValues")]
    UnknownQualifier(String),
    /// A condition value the operator cannot use.
    #[error("{operator} takes {expected}, found {value:?}")]
    InvalidConditionValue {
        /// The operator.
        operator: String,
        /// The value.
        value: String,
        /// What the operator takes.
        expected: &'static str,
    },
    /// A malformed `${...}` policy variable.
    #[error("{0}")]
    InvalidVariable(String),
}

/// The name of a JSON value's type, as error messages say it (`a string`, `an object`).
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

/// `path.key`, or `key` alone at the top of the document (empty `path`).
pub(crate) fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl PolicyError {
    pub(crate) fn new(path: impl Into<String>, kind: PolicyErrorKind) -> PolicyError {
        PolicyError {
            path: path.into(),
            kind,
        }
    }

    /// `expected <expected>, found <the type of found>` at `path`.
    pub(crate) fn wrong_type(
        path: impl Into<String>,
        expected: &'static str,
        found: &serde_json::Value,
    ) -> PolicyError {
        PolicyError::new(
            path,
            PolicyErrorKind::WrongType {
                expected,
                found: json_type(found),
            },
        )
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

/// Fails with [`PolicyErrorKind::UnknownElement`] at `path.key` for the first key of `object`
/// that is not in `allowed`.
pub(crate) fn reject_unknown_elements(
    object: &serde_json::Map<String, serde_json::Value>,
    allowed: &[&str],
    path: &str,
) -> Result<(), PolicyError> {
    match object.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(PolicyError::new(
            child_path(path, key),
            PolicyErrorKind::UnknownElement(key.clone()),
        )),
        None => Ok(()),
    }
}

/// The string at `object[key]`, `None` when absent, an error at `path.key` when not a string.
pub(crate) fn optional_string<'v>(
    object: &'v serde_json::Map<String, serde_json::Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'v str>, PolicyError> {
    match object.get(key) {
        None => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(PolicyError::wrong_type(
            child_path(path, key),
            "a string",
            other,
        )),
    }
}
