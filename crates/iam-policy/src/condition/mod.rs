//! Conditions: one operator applied to one condition key with its values ([`Condition`]),
//! compiled from a policy and decided for one request, with what it compared
//! ([`ConditionTrace`]). Operator names are read in `operator`, values in `value`.
//!
//! Logic (IAM User Guide, condition logic with multiple keys or values): the values of one key
//! are ORed (for a negated operator, NORed: the request value must match none of them); keys and
//! operators are ANDed by the caller. A missing key makes a positive operator false and a
//! negated one true, except `...IfExists` (true when missing) and `Null`. `ForAnyValue` and
//! `ForAllValues` apply the operator to each value of a multivalued key; with the key missing or
//! empty, `ForAnyValue` is false and `ForAllValues` true.

mod operator;
mod value;

use std::net::IpAddr;

use serde::Serialize;

pub(crate) use operator::Operator;
use operator::{Base, Qualifier};
use value::{decode_base64, parse_bool, parse_date, parse_number, Value};

use crate::context::{scalar_text, ConditionContext};
use crate::error::PolicyError;
use crate::matching::arn_matches;

/// One operator applied to one key with its values.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    pub(crate) operator: Operator,
    /// As written in the policy, for traces.
    pub(crate) key: String,
    key_lower: String,
    values: Vec<Value>,
    value_texts: Vec<String>,
}

/// What a condition saw and decided, for traces.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionTrace {
    /// The operator as written.
    pub operator: String,
    /// The key as written.
    pub key: String,
    /// The request's values, or `null` when the key is absent.
    pub request_values: Option<Vec<String>>,
    /// The policy's values.
    pub policy_values: Vec<String>,
    /// Whether the condition held.
    pub result: bool,
}

impl Condition {
    /// Compiles `"key": value-or-values` under `operator`. `path` names the key, for errors.
    pub(crate) fn compile(
        operator: Operator,
        key: &str,
        raw: &serde_json::Value,
        variables: bool,
        path: &str,
    ) -> Result<Condition, PolicyError> {
        let items: Vec<(String, &serde_json::Value)> = match raw {
            serde_json::Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{path}[{i}]"), v))
                .collect(),
            other => vec![(path.to_string(), other)],
        };
        let mut values = Vec::with_capacity(items.len());
        let mut value_texts = Vec::with_capacity(items.len());
        for (vpath, v) in items {
            let text = scalar_text(v).ok_or_else(|| {
                PolicyError::wrong_type(
                    vpath.as_str(),
                    "a string, a number, a boolean or an array of them",
                    v,
                )
            })?;
            values.push(Value::compile(&operator, &text, variables, &vpath)?);
            value_texts.push(text);
        }
        Ok(Condition {
            operator,
            key: key.to_string(),
            key_lower: key.to_ascii_lowercase(),
            values,
            value_texts,
        })
    }

    /// `Some(true)` when `test` holds for any policy value.
    fn any_value(&self, test: impl Fn(&Value) -> bool) -> Option<bool> {
        Some(self.values.iter().any(test))
    }

    /// Whether the request value matches any policy value (in the operator's positive sense);
    /// `None` when the request value cannot be compared (not a number, date or address).
    fn value_matches(&self, request: &str, context: &ConditionContext) -> Option<bool> {
        match self.operator.base {
            Base::StringEquals | Base::StringLike => self
                .any_value(|v| matches!(v, Value::Text(p) if p.matches(request, context, false))),
            Base::StringEqualsIgnoreCase => {
                self.any_value(|v| matches!(v, Value::Text(p) if p.matches(request, context, true)))
            }
            Base::ArnLike => {
                self.any_value(|v| matches!(v, Value::Text(p) if arn_matches(p, request, context)))
            }
            Base::Numeric(comparison) => {
                let r = parse_number(request)?;
                self.any_value(|v| matches!(v, Value::Number(p) if comparison.holds(r, *p)))
            }
            Base::Date(comparison) => {
                let r = parse_date(request)?;
                self.any_value(|v| matches!(v, Value::Date(p) if comparison.holds(r, *p)))
            }
            Base::Bool => {
                let r = parse_bool(request)?;
                self.any_value(|v| matches!(v, Value::Bool(p) if *p == r))
            }
            Base::BinaryEquals => {
                let r = decode_base64(request)?;
                self.any_value(|v| matches!(v, Value::Binary(p) if *p == r))
            }
            Base::IpAddress => {
                let r: IpAddr = request.trim().parse().ok()?;
                self.any_value(|v| matches!(v, Value::Cidr(net) if net.contains(&r)))
            }
            Base::Null => None,
        }
    }

    /// Decides the condition for a request.
    pub(crate) fn holds(&self, context: &ConditionContext) -> bool {
        let request = context.get_lower(&self.key_lower);
        // A policy variable the request cannot fill makes the condition fail, negated or not;
        // only a missing key under `...IfExists` is settled before values are looked at.
        let unfillable = self
            .values
            .iter()
            .any(|v| matches!(v, Value::Text(p) if !p.resolvable(context)));
        if unfillable && !(request.is_none() && self.operator.if_exists) {
            return false;
        }
        if self.operator.base == Base::Null {
            let absent = request.is_none();
            return self
                .values
                .iter()
                .any(|v| matches!(v, Value::Absent(want) if *want == absent));
        }
        let negated = self.operator.negated;
        // For one request value: does it satisfy the operator (negation included)?
        let satisfies = |r: &String| match self.value_matches(r, context) {
            Some(m) => m != negated,
            None => false,
        };
        match self.operator.qualifier {
            Qualifier::Single => match request {
                None => self.operator.if_exists || negated,
                Some([]) => self.operator.if_exists || negated,
                Some(values) if negated => values.iter().all(satisfies),
                Some(values) => values.iter().any(satisfies),
            },
            Qualifier::ForAnyValue => match request {
                None => self.operator.if_exists,
                Some(values) => values.iter().any(satisfies),
            },
            Qualifier::ForAllValues => match request {
                None => true,
                Some(values) => values.iter().all(satisfies),
            },
        }
    }

    /// The decision with what it was based on.
    pub(crate) fn trace(&self, context: &ConditionContext) -> ConditionTrace {
        ConditionTrace {
            operator: self.operator.name.clone(),
            key: self.key.clone(),
            request_values: context.get_lower(&self.key_lower).map(<[String]>::to_vec),
            policy_values: self.value_texts.clone(),
            result: self.holds(context),
        }
    }
}

#[cfg(test)]
mod tests;
