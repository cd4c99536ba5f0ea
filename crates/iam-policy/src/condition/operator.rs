//! Condition operator names: `"ForAllValues:StringNotEqualsIfExists"` read into an operator
//! family ([`Base`]), negation, `IfExists` and set qualifier ([`Qualifier`]).

use crate::error::PolicyErrorKind;

/// How a numeric or date operator compares the request's value with the policy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

impl Comparison {
    /// `request <op> policy`.
    pub(crate) fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Comparison::Equals => request == policy,
            Comparison::LessThan => request < policy,
            Comparison::LessThanEquals => request <= policy,
            Comparison::GreaterThan => request > policy,
            Comparison::GreaterThanEquals => request >= policy,
        }
    }
}

/// The operator family, without negation, `IfExists` or set qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Comparison),
    Date(Comparison),
    Bool,
    BinaryEquals,
    IpAddress,
    ArnLike,
    Null,
}

/// `ForAnyValue:` / `ForAllValues:` or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Qualifier {
    Single,
    ForAnyValue,
    ForAllValues,
}

/// A parsed operator name.
#[derive(Debug, Clone)]
pub(crate) struct Operator {
    /// As written in the policy.
    pub(crate) name: String,
    pub(crate) base: Base,
    pub(crate) negated: bool,
    pub(crate) if_exists: bool,
    pub(crate) qualifier: Qualifier,
}

/// The comparison and negation named by what follows `Numeric` or `Date` in an operator name
/// (`Equals`, `NotEquals`, `LessThan`, `LessThanEquals`, `GreaterThan`, `GreaterThanEquals`).
fn comparison_of(suffix: &str) -> Option<(Comparison, bool)> {
    Some(match suffix {
        "Equals" => (Comparison::Equals, false),
        "NotEquals" => (Comparison::Equals, true),
        "LessThan" => (Comparison::LessThan, false),
        "LessThanEquals" => (Comparison::LessThanEquals, false),
        "GreaterThan" => (Comparison::GreaterThan, false),
        "GreaterThanEquals" => (Comparison::GreaterThanEquals, false),
        _ => return None,
    })
}

/// The family and negation of an operator name stripped of qualifier and `IfExists`; `None`
/// for a name IAM does not have.
fn base_of(name: &str) -> Option<(Base, bool)> {
    if let Some(suffix) = name.strip_prefix("Numeric") {
        return comparison_of(suffix).map(|(c, negated)| (Base::Numeric(c), negated));
    }
    if let Some(suffix) = name.strip_prefix("Date") {
        return comparison_of(suffix).map(|(c, negated)| (Base::Date(c), negated));
    }
    Some(match name {
        "StringEquals" => (Base::StringEquals, false),
        "StringNotEquals" => (Base::StringEquals, true),
        "StringEqualsIgnoreCase" => (Base::StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (Base::StringEqualsIgnoreCase, true),
        "StringLike" => (Base::StringLike, false),
        "StringNotLike" => (Base::StringLike, true),
        "Bool" => (Base::Bool, false),
        "BinaryEquals" => (Base::BinaryEquals, false),
        "IpAddress" => (Base::IpAddress, false),
        "NotIpAddress" => (Base::IpAddress, true),
        // ArnEquals and ArnLike behave the same: both take wildcards, per ARN component.
        "ArnEquals" | "ArnLike" => (Base::ArnLike, false),
        "ArnNotEquals" | "ArnNotLike" => (Base::ArnLike, true),
        "Null" => (Base::Null, false),
        _ => return None,
    })
}

impl Operator {
    /// Reads an operator name (case-sensitive, as IAM reads it).
    pub(crate) fn parse(name: &str) -> Result<Operator, PolicyErrorKind> {
        let (qualifier, rest) = match name.split_once(':') {
            Some(("ForAnyValue", rest)) => (Qualifier::ForAnyValue, rest),
            Some(("ForAllValues", rest)) => (Qualifier::ForAllValues, rest),
            Some((other, _)) => return Err(PolicyErrorKind::UnknownQualifier(other.to_string())),
            None => (Qualifier::Single, name),
        };
        let (rest, if_exists) = match rest.strip_suffix("IfExists") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let unknown = || PolicyErrorKind::UnknownOperator(name.to_string());
        let (base, negated) = base_of(rest).ok_or_else(unknown)?;
        // `Null` takes neither `IfExists` nor a set qualifier.
        if base == Base::Null && (if_exists || qualifier != Qualifier::Single) {
            return Err(unknown());
        }
        Ok(Operator {
            name: name.to_string(),
            base,
            negated,
            if_exists,
            qualifier,
        })
    }
}
