//! Policy documents in a scenario: endpoint policies and the resource policies of APIs and their
//! deployments, each parsed against the scope its ARNs are read in.

use std::sync::Arc;

use serde_json::Value;

use crate::aws::names::Region;
use crate::scenario::config::ConfigError;
use iam_policy::{Policy, PolicyScope};

use super::builder::{inline_or_text, Builder};

/// The scope policies are read in: an API's (`api_id` given) or an endpoint's.
pub(super) fn policy_scope(region: &Region, account_id: &str, api_id: Option<&str>) -> PolicyScope {
    PolicyScope {
        partition: region.partition.to_string(),
        region: region.name.clone(),
        account_id: account_id.to_string(),
        api_id: api_id.map(str::to_string),
    }
}

impl Builder {
    /// A policy given as an object or as a JSON string (as AWS returns it).
    pub(super) fn policy(
        &self,
        doc: &Value,
        path: &str,
        scope: &PolicyScope,
    ) -> Result<Policy, ConfigError> {
        let value = inline_or_text(doc, |text| {
            serde_json::from_str(text).map_err(|e| {
                self.err(
                    path,
                    format!("expected a policy document; the string is not JSON: {e}"),
                )
            })
        })?;
        Policy::from_value(&value, scope).map_err(|e| {
            let at = if e.path.is_empty() {
                path.to_string()
            } else {
                format!("{path}.{}", e.path)
            };
            self.err(at, e.message())
        })
    }

    /// The resource policy of the API or deployment at `owner`: its own `policy`, else the one
    /// its definition document carries (`x-amazon-apigateway-policy`), else none.
    pub(super) fn resource_policy(
        &self,
        own: Option<&Value>,
        from_document: Option<&Value>,
        owner: &str,
        scope: &PolicyScope,
    ) -> Result<Option<Arc<Policy>>, ConfigError> {
        let (doc, path) = match (own, from_document) {
            (Some(doc), _) => (doc, format!("{owner}.policy")),
            (None, Some(doc)) => (doc, format!("{owner}.body.x-amazon-apigateway-policy")),
            (None, None) => return Ok(None),
        };
        Ok(Some(Arc::new(self.policy(doc, &path, scope)?)))
    }
}
