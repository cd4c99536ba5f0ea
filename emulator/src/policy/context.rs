//! The condition keys of one request.

use std::collections::HashMap;

/// Condition keys and their values. Key names are case-insensitive; values are kept as given.
/// A key may have several values (multivalued keys such as `aws:TagKeys`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConditionContext {
    values: HashMap<String, Vec<String>>,
}

impl ConditionContext {
    /// An empty context.
    pub fn new() -> ConditionContext {
        ConditionContext::default()
    }

    /// Sets a single-valued key.
    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        self.values
            .insert(key.to_ascii_lowercase(), vec![value.into()]);
    }

    /// Sets a multivalued key (an empty list is a present but empty set).
    pub fn insert_multi(&mut self, key: &str, values: Vec<String>) {
        self.values.insert(key.to_ascii_lowercase(), values);
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
        self.values.get(key).map(Vec::as_slice)
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

impl<'de> serde::Deserialize<'de> for ConditionContext {
    /// A JSON object of key to a string, number, boolean, or an array of those.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let object = serde_json::Map::deserialize(deserializer)?;
        let scalar = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        let mut c = ConditionContext::new();
        for (key, value) in &object {
            match value {
                serde_json::Value::Array(items) => {
                    let values: Option<Vec<String>> = items.iter().map(scalar).collect();
                    let values = values.ok_or_else(|| {
                        D::Error::custom(format!("{key}: expected strings in the array"))
                    })?;
                    c.insert_multi(key, values);
                }
                other => {
                    let v = scalar(other).ok_or_else(|| {
                        D::Error::custom(format!("{key}: expected a string or an array of strings"))
                    })?;
                    c.insert(key, v);
                }
            }
        }
        Ok(c)
    }
}
