//! REST APIs: their ids, names and endpoint types, the VPC endpoints they are associated with,
//! their resource policies, and the stages and deployments they serve (built in `stages`).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::aws::names::{self, Region};
use crate::model::api::ApiDefinition;
use crate::scenario::config::{Config, ConfigError, RestApiConfig};
use iam_policy::Policy;

use super::builder::Builder;
use super::definitions::{ExamplesBuilt, ResolvedDefinition};
use super::policies::policy_scope;
use super::stages::Stage;

/// The endpoint type of a REST API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointType {
    /// Reached only through interface VPC endpoints.
    Private,
    /// Public, in one Region.
    Regional,
    /// Public, through CloudFront.
    Edge,
}

impl EndpointType {
    /// As AWS spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            EndpointType::Private => "PRIVATE",
            EndpointType::Regional => "REGIONAL",
            EndpointType::Edge => "EDGE",
        }
    }
}

/// A REST API with its deployed stages.
#[derive(Debug)]
pub struct RestApi {
    /// The 10-character id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// PRIVATE, REGIONAL or EDGE.
    pub endpoint_type: EndpointType,
    /// Associated VPC endpoints (for Route 53 alias names).
    pub vpc_endpoint_ids: Vec<String>,
    /// `arn:aws:execute-api:<region>:<account>:<api-id>`.
    pub arn: String,
    /// The same with the account masked (`********9012`), as denial messages show it.
    pub masked_arn: String,
    /// Stages by name.
    pub stages: BTreeMap<String, Arc<Stage>>,
    /// The resource policy as the API has it now, deployed or not: when it differs from a
    /// stage's, the change awaits a deployment (what `explain` tells).
    pub current_policy: Option<Arc<Policy>>,
}

impl Builder {
    pub(super) fn rest_apis(
        &self,
        config: &Config,
        region: &Region,
    ) -> Result<BTreeMap<String, Arc<RestApi>>, ConfigError> {
        let mut apis = BTreeMap::new();
        let mut examples_built = ExamplesBuilt::new();
        // What an API without a definition serves; one for all of them.
        let empty = Arc::new(ApiDefinition::empty());
        for (i, a) in config.rest_apis.iter().enumerate() {
            let path = format!("$.restApis[{i}]");
            if !names::is_rest_api_id(&a.id) {
                return Err(self.err(format!("{path}.id"), format!("expected 10 lowercase letters and digits such as \"chw1a2q2xk\", found {:?}", a.id)));
            }
            if apis.contains_key(&a.id) {
                return Err(self.defined_twice(format!("{path}.id"), &a.id));
            }
            let resolved = self.definition(a, &path, region, &mut examples_built)?;
            let definition = resolved
                .as_ref()
                .map_or_else(|| empty.clone(), |r| r.api.clone());
            let api = self.rest_api(a, &path, config, region, resolved.as_deref(), definition)?;
            apis.insert(a.id.clone(), Arc::new(api));
        }
        Ok(apis)
    }

    /// One API, whose current definition is `definition` (from `resolved`, when it has one).
    fn rest_api(
        &self,
        a: &RestApiConfig,
        path: &str,
        config: &Config,
        region: &Region,
        resolved: Option<&ResolvedDefinition>,
        definition: Arc<ApiDefinition>,
    ) -> Result<RestApi, ConfigError> {
        let name = self.api_name(a, resolved, path)?;
        let endpoint_type = self.endpoint_type(&a.endpoint_configuration.types, path)?;
        let vpc_endpoint_ids = self.api_vpc_endpoint_ids(a, resolved, endpoint_type, path)?;
        let scope = policy_scope(region, &config.account_id, Some(&a.id));
        let document_policy = resolved.and_then(|r| r.policy.as_ref());
        let policy = self.resource_policy(a.policy.as_ref(), document_policy, path, &scope)?;
        let current =
            self.current_deployment(a, path, definition, policy.clone(), endpoint_type)?;
        let deployments = self.deployments(a, path, &scope, endpoint_type)?;
        Ok(RestApi {
            id: a.id.clone(),
            name,
            endpoint_type,
            vpc_endpoint_ids,
            arn: names::api_arn(region, &config.account_id, &a.id),
            masked_arn: names::api_arn(region, &names::masked_account(&config.account_id), &a.id),
            stages: self.stages(a, path, &current, &deployments)?,
            current_policy: policy,
        })
    }

    /// The scenario's name for the API, else its definition's title.
    fn api_name(
        &self,
        a: &RestApiConfig,
        resolved: Option<&ResolvedDefinition>,
        path: &str,
    ) -> Result<String, ConfigError> {
        let name = a
            .name
            .clone()
            .or_else(|| resolved.and_then(|r| r.title.clone()))
            .unwrap_or_default();
        if name.trim().is_empty() {
            return Err(self.err(
                format!("{path}.name"),
                "expected a non-empty name (or a definition whose info.title names the API)",
            ));
        }
        Ok(name)
    }

    /// Exactly one endpoint type, refused in CreateRestApi's words.
    fn endpoint_type(&self, types: &[String], path: &str) -> Result<EndpointType, ConfigError> {
        match types {
            [t] if t == "PRIVATE" => Ok(EndpointType::Private),
            [t] if t == "REGIONAL" => Ok(EndpointType::Regional),
            [t] if t == "EDGE" => Ok(EndpointType::Edge),
            [_] => Err(self.err(
                format!("{path}.endpointConfiguration.types[0]"),
                "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
            )),
            _ => Err(self.err(
                format!("{path}.endpointConfiguration.types"),
                "Cannot create an api with multiple Endpoint Types.",
            )),
        }
    }

    /// The associated VPC endpoints: the scenario's, else the definition's; PRIVATE APIs only.
    fn api_vpc_endpoint_ids(
        &self,
        a: &RestApiConfig,
        resolved: Option<&ResolvedDefinition>,
        endpoint_type: EndpointType,
        path: &str,
    ) -> Result<Vec<String>, ConfigError> {
        let ids = match (&a.endpoint_configuration.vpc_endpoint_ids, resolved) {
            (ids, Some(r)) if ids.is_empty() => &r.vpc_endpoint_ids,
            (ids, _) => ids,
        };
        if !ids.is_empty() && endpoint_type != EndpointType::Private {
            return Err(self.err(
                format!("{path}.endpointConfiguration.vpcEndpointIds"),
                "VPCEndpoints can only be specified with PRIVATE apis.",
            ));
        }
        for (j, id) in ids.iter().enumerate() {
            if !names::is_resource_id(id, "vpce") {
                return Err(self.err(
                    format!("{path}.endpointConfiguration.vpcEndpointIds[{j}]"),
                    format!("expected a VPC endpoint id, found {id:?}"),
                ));
            }
        }
        Ok(ids.clone())
    }
}
