//! The condition keys of one request ([`ConditionContext`]): what the caller knows about the
//! request, looked up by case-insensitive key name, and read from JSON ([`ContextError`]).

use std::borrow::Cow;

/// Condition keys and their values. Key names are case-insensitive; values are kept as given.
/// A key may have several values (multivalued keys such as `aws:TagKeys`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConditionContext {
    // A request carries a dozen keys at most: a linear scan beats hashing them. Keys are stored
    // in lower case; the gateway's own keys are static and cost no allocation per request.
    values: Vec<(Cow<'static, str>, Values)>,
}

/// One key's values: most keys have exactly one, which needs no list of its own.
#[derive(Debug, Clone, Eq)]
enum Values {
    One(String),
    Many(Vec<String>),
}

impl PartialEq for Values {
    fn eq(&self, other: &Values) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Values {
    fn as_slice(&self) -> &[String] {
        match self {
            Values::One(v) => std::slice::from_ref(v),
            Values::Many(v) => v,
        }
    }
}

impl ConditionContext {
    /// An empty context.
    pub fn new() -> ConditionContext {
        ConditionContext::default()
    }

    /// An empty context with room for `keys` keys.
    pub fn with_capacity(keys: usize) -> ConditionContext {
        ConditionContext {
            values: Vec::with_capacity(keys),
        }
    }

    /// Sets a single-valued key.
    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        self.set(
            Cow::Owned(key.to_ascii_lowercase()),
            Values::One(value.into()),
        );
    }

    /// Sets a single-valued key whose name is a constant: no allocation for the name when it is
    /// written in lower case.
    pub fn insert_static(&mut self, key: &'static str, value: impl Into<String>) {
        let key = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(key.to_ascii_lowercase())
        } else {
            Cow::Borrowed(key)
        };
        self.set(key, Values::One(value.into()));
    }

    /// Sets a multivalued key (an empty list is a present but empty set).
    pub fn insert_multi(&mut self, key: &str, values: Vec<String>) {
        self.set(Cow::Owned(key.to_ascii_lowercase()), Values::Many(values));
    }

    fn set(&mut self, key: Cow<'static, str>, values: Values) {
        match self.values.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = values,
            None => self.values.push((key, values)),
        }
    }

    /// The values of a key, by any case of its name.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.get_lower(&key.to_ascii_lowercase())
        } else {
            self.get_lower(key)
        }
    }

    /// The values of a key whose name is already lower case (no allocation).
    pub(crate) fn get_lower(&self, key: &str) -> Option<&[String]> {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
}

impl<K: AsRef<str>, V: Into<String>> FromIterator<(K, V)> for ConditionContext {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut c = ConditionContext::new();
        for (k, v) in iter {
            c.insert(k.as_ref(), v);
        }
        c
    }
}

/// Why a JSON document is not a condition context.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// The document is not an object.
    #[error("expected a JSON object of condition keys")]
    NotAnObject,
    /// An array value holds something other than strings, numbers and booleans.
    #[error("{key}: expected strings in the array")]
    NotScalars {
        /// The key whose array it is.
        key: String,
    },
    /// A value is neither a scalar nor an array of them.
    #[error("{key}: expected a string or an array of strings")]
    NotAValue {
        /// The key whose value it is.
        key: String,
    },
}

/// A string, number or boolean as the text a condition compares.
pub(crate) fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl ConditionContext {
    /// From a JSON object of key to a string, number, boolean, or an array of those (the CLI's
    /// `--context`).
    pub fn from_json(value: &serde_json::Value) -> Result<ConditionContext, ContextError> {
        let object = value.as_object().ok_or(ContextError::NotAnObject)?;
        let mut c = ConditionContext::new();
        for (key, value) in object {
            match value {
                serde_json::Value::Array(items) => {
                    let values: Option<Vec<String>> = items.iter().map(scalar_text).collect();
                    c.insert_multi(
                        key,
                        values.ok_or_else(|| ContextError::NotScalars { key: key.clone() })?,
                    );
                }
                other => c.insert(
                    key,
                    scalar_text(other)
                        .ok_or_else(|| ContextError::NotAValue { key: key.clone() })?,
                ),
            }
        }
        Ok(c)
    }
}

impl<'de> serde::Deserialize<'de> for ConditionContext {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        ConditionContext::from_json(&value).map_err(serde::de::Error::custom)
    }
}
