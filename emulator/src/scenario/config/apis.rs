//! The API Gateway side of a scenario, as `aws apigateway get-*` prints it: REST APIs, their
//! endpoint configuration, deployments and stages.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A REST API and its stages.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestApiConfig {
    /// The API id: 10 lowercase letters and digits, e.g. `chw1a2q2xk`.
    pub id: String,
    /// The API's name. Absent: the definition's `info.title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `{"types": ["PRIVATE"]}`; `vpcEndpointIds` lists associated endpoints (PRIVATE only).
    #[serde(default)]
    pub endpoint_configuration: EndpointConfigurationConfig,
    /// The resource policy: the policy object, or a JSON string as AWS returns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
    /// The API's definition: `"PetStore"` is the API Gateway console's Example API. Absent (and
    /// no `body`): the API has only its root resource and no methods, like a new API in the
    /// console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// The API's definition as an OpenAPI 3.0 or Swagger 2.0 document with API Gateway's
    /// extensions (CloudFormation's `Body`): the document itself, or its JSON or YAML text.
    /// The scenario's `name`, `policy` and `vpcEndpointIds` win over the document's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// The same, from a JSON or YAML file (a path relative to the scenario file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_file: Option<String>,
    /// When the API was created (epoch seconds), as `get-rest-api` prints `createdDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<i64>,
    /// Deployments: snapshots of the definition and resource policy that stages can serve
    /// (`create-deployment` freezes them). Absent: stages serve the current definition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<DeploymentConfig>,
    /// Stages the API is deployed to. A stage with a `deploymentId` serves that deployment;
    /// one without serves the API as this scenario defines it now.
    #[serde(default)]
    pub stages: Vec<StageConfig>,
}

/// A deployment: the API's definition and resource policy as they were when it was made.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentConfig {
    /// The deployment id (API Gateway's are 6 lowercase letters and digits, e.g. `a1b2c3`).
    pub id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it was made (epoch seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<i64>,
    /// The OpenAPI 3.0 or Swagger 2.0 document frozen at deployment (the document itself, or its
    /// JSON or YAML text), read like the API's `body`.
    pub body: serde_json::Value,
    /// The resource policy frozen at deployment: the policy object or a JSON string. Absent: the
    /// body's `x-amazon-apigateway-policy`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
}

/// `endpointConfiguration` of a REST API.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointConfigurationConfig {
    /// Exactly one of `PRIVATE`, `REGIONAL`, `EDGE`.
    pub types: Vec<String>,
    /// VPC endpoints associated with a PRIVATE API (Route 53 alias names).
    #[serde(default)]
    pub vpc_endpoint_ids: Vec<String>,
}

impl Default for EndpointConfigurationConfig {
    fn default() -> Self {
        EndpointConfigurationConfig {
            types: vec!["EDGE".to_string()],
            vpc_endpoint_ids: Vec::new(),
        }
    }
}

/// A stage: the API deployed under a name.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageConfig {
    /// Letters, digits, `-` and `_`, up to 128 characters.
    pub stage_name: String,
    /// The id of one of the API's `deployments`: the stage serves that snapshot. Absent: the
    /// stage serves the API's current definition and policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// When the stage was created (epoch seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<i64>,
    /// When the stage was last changed (epoch seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_date: Option<i64>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Stage variables (`$stageVariables.name` in templates, `${stageVariables.name}` in
    /// integration URIs).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub variables: std::collections::BTreeMap<String, String>,
    /// Access logging, as the stage's `accessLogSettings` on AWS: one line per request in the
    /// given format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_settings: Option<AccessLogSettingsConfig>,
}

/// A stage's access log.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessLogSettingsConfig {
    /// The line format with `$context` variables, as on AWS, e.g.
    /// `{"requestId":"$context.requestId","status":"$context.status"}`.
    pub format: String,
    /// Where lines go: `stdout` (the default) or a file path, relative to the scenario file,
    /// appended to. (AWS's `destinationArn` names a CloudWatch log group.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// The CloudWatch Logs group ARN, as `update-stage` sets it and `get-stage` shows it. Kept
    /// for the control plane's answers; lines still go to `destination`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_arn: Option<String>,
}
