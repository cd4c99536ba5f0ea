//! The scenario file: what the user writes, parsed but not yet validated.
//!
//! Field names mirror the AWS APIs (camelCase, as `aws ec2 describe-vpc-endpoints` and
//! `aws apigateway get-rest-api` print them) so that a user can copy values between AWS output and
//! a scenario. Settings that only the emulator has live under `"emulator"`. Every struct rejects
//! unknown fields: a misspelt key is an error, never silently ignored.
//!
//! A [`Config`] only says the JSON had the right shape. [`crate::model::topology::Topology::from_config`]
//! checks what the shapes mean (ids, references, addresses) and is the only way to get something
//! the servers will serve.
//!
//! The parts: `network` (VPCs, subnets, security groups, interface endpoints), `apis` (REST
//! APIs, deployments, stages), `emulator` (the settings under `"emulator"`) and `load`
//! (reading the file, with errors that name the file and a JSON path; the seed).

mod apis;
mod emulator;
mod load;
mod network;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use apis::{
    AccessLogSettingsConfig, DeploymentConfig, EndpointConfigurationConfig, RestApiConfig,
    StageConfig,
};
pub use emulator::{
    ClientNetworkConfig, ControlPlaneSettings, DenialWording, DnsSettings, EmulatorSettings,
    HttpsSettings, IntegrationSettings, LambdaFunctionConfig, PublicEndpointSettings,
};
pub use load::{ConfigError, ConfigOrigin, SEED_SCENARIO};
pub use network::{
    GroupPairConfig, IpPermissionConfig, IpRangeConfig, Ipv6RangeConfig, NetworkInterfaceConfig,
    SecurityGroupConfig, SubnetConfig, TagConfig, VpcConfig, VpcEndpointConfig,
};

/// A scenario: the VPCs, interface VPC endpoints and REST APIs to emulate.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "apigw-emulator scenario")]
pub struct Config {
    /// Optional link to this schema, for editors.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// AWS Region, e.g. `us-east-1`. Decides the DNS names and ARNs.
    pub region: String,
    /// The 12-digit account that owns the endpoints and APIs.
    pub account_id: String,
    /// VPCs and their subnets (one Availability Zone per subnet).
    #[serde(default)]
    pub vpcs: Vec<VpcConfig>,
    /// Security groups (as `aws ec2 describe-security-groups` prints them), for endpoints and
    /// clients in VPCs.
    #[serde(default)]
    pub security_groups: Vec<SecurityGroupConfig>,
    /// Interface VPC endpoints for `com.amazonaws.<region>.execute-api`.
    #[serde(default)]
    pub vpc_endpoints: Vec<VpcEndpointConfig>,
    /// REST APIs, as `aws apigateway get-rest-api` describes them, plus their stages.
    #[serde(default)]
    pub rest_apis: Vec<RestApiConfig>,
    /// Settings of the emulator itself (ports, DNS forwarding, protocol options).
    #[serde(default)]
    pub emulator: EmulatorSettings,
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) origin: Option<ConfigOrigin>,
    /// For generated scenarios: scenario path prefixes and where they came from in the source
    /// (`$.restApis[0]` ← `$.Resources.Api`), so messages point into the user's file.
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) path_aliases: Vec<(String, String)>,
}

/// Rewrites a scenario path through the longest matching alias prefix.
pub(crate) fn alias_path(aliases: &[(String, String)], path: &str) -> String {
    aliases
        .iter()
        .filter(|(prefix, _)| {
            path.strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(prefix, source)| format!("{source}{}", &path[prefix.len()..]))
        .unwrap_or_else(|| path.to_string())
}

impl Config {
    /// Where this scenario came from.
    pub fn origin(&self) -> ConfigOrigin {
        self.origin.clone().unwrap_or(ConfigOrigin::Inline)
    }

    /// Sets where this scenario came from (relative file names resolve from a file's directory).
    pub fn with_origin(mut self, origin: ConfigOrigin) -> Config {
        self.origin = Some(origin);
        self
    }

    /// The directory relative paths in the scenario are resolved from.
    pub fn base_dir(&self) -> PathBuf {
        match &self.origin {
            Some(ConfigOrigin::File(p)) => p
                .parent()
                .map(Path::to_path_buf)
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from(".")),
            _ => PathBuf::from("."),
        }
    }

    /// The JSON Schema of the scenario file.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default()
    }
}
