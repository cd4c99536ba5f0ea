//! CloudFormation and SAM templates as scenarios: the resources a private API needs
//! (`AWS::EC2::VPC`, `Subnet`, `SecurityGroup`, `SecurityGroupIngress`, `VPCEndpoint`,
//! `AWS::ApiGateway::RestApi` with `Body` or with `Resource`/`Method` resources, `Deployment`,
//! `Stage`, `AWS::Serverless::Api`), so a team can serve its infrastructure file offline with
//! `apigw-emulator up --template FILE`.
//!
//! Intrinsics resolve as CloudFormation resolves them for these types: `Ref`, `Fn::GetAtt`,
//! `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::GetAZs`, and the pseudo parameters. Physical ids
//! (`vpc-…`, `vpce-…`, API ids) are derived from logical ids, so names stay the same from one
//! run to the next. Anything else is an error naming its place in the template; resource types
//! the emulator has no use for are listed as warnings.
//!
//! The parts: `template` (reading `Resources` and `Parameters`; the converter), `intrinsics`,
//! `physical` (ids from logical ids), `ec2` and `apigateway` (resources to the scenario's typed
//! parts), `methods` (`Resource`/`Method` resources to an OpenAPI document), `typed` (properties
//! read as typed fields, refused at their template path) and `coverage` (what is left out).

mod apigateway;
mod coverage;
mod ec2;
mod intrinsics;
mod methods;
mod physical;
mod template;
#[cfg(test)]
mod tests;
mod typed;

use std::collections::BTreeMap;
use std::path::Path;

use crate::scenario::config::{Config, ConfigError, ConfigOrigin};
use crate::scenario::document::{self, DocumentError};
use template::Converter;

/// What the template leaves open: Region, account and parameter values.
#[derive(Debug, Clone, Default)]
pub struct TemplateOptions {
    /// The Region (default `us-east-1`).
    pub region: Option<String>,
    /// The account (default `123456789012`).
    pub account_id: Option<String>,
    /// Values for the template's `Parameters`, overriding their defaults.
    pub parameters: BTreeMap<String, String>,
}

/// A scenario made from a template, and what the template holds that the emulator ignores.
#[derive(Debug)]
pub struct TemplateScenario {
    /// The scenario (its origin is the template file).
    pub config: Config,
    /// Ignored resources and properties, by template path.
    pub warnings: Vec<ConfigError>,
}

/// Reads a template file and turns it into a scenario.
pub fn scenario_from_file(
    path: &Path,
    options: &TemplateOptions,
) -> Result<TemplateScenario, ConfigError> {
    let origin = ConfigOrigin::File(path.to_path_buf());
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(&origin, "$", format!("cannot read the file: {e}")))?;
    let stack_name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "stack".to_string());
    scenario_from_str(&text, origin, &stack_name, options)
}

/// Turns template text into a scenario.
pub fn scenario_from_str(
    text: &str,
    origin: ConfigOrigin,
    stack_name: &str,
    options: &TemplateOptions,
) -> Result<TemplateScenario, ConfigError> {
    let to_config_error = |e: DocumentError| ConfigError::new(&origin, e.path, e.message);
    let template = document::parse(text).map_err(to_config_error)?;
    let mut converter = Converter::new(&template, stack_name, options).map_err(to_config_error)?;
    let config = converter
        .scenario(origin.clone())
        .map_err(to_config_error)?;
    Ok(TemplateScenario {
        config,
        warnings: converter
            .warnings
            .into_iter()
            .map(to_config_error)
            .collect(),
    })
}

/// Adds a template's resources to a scenario (which keeps its own Region, account and settings).
/// Messages about the template's parts still point into the template, prefixed with its name.
pub fn merge_into(base: Config, made: Config) -> Config {
    let template = made.origin().to_string();
    let counts = [
        ("$.vpcs[", base.vpcs.len()),
        ("$.securityGroups[", base.security_groups.len()),
        ("$.vpcEndpoints[", base.vpc_endpoints.len()),
        ("$.restApis[", base.rest_apis.len()),
    ];
    let shifted: Vec<(String, String)> = made
        .path_aliases
        .iter()
        .map(|(scenario_path, source)| {
            let moved = counts
                .iter()
                .find_map(|(prefix, offset)| {
                    let rest = scenario_path.strip_prefix(prefix)?;
                    let (index, tail) = rest.split_once(']')?;
                    let index: usize = index.parse().ok()?;
                    Some(format!("{prefix}{}]{tail}", index + offset))
                })
                .unwrap_or_else(|| scenario_path.clone());
            (moved, format!("{template}: {source}"))
        })
        .collect();
    let mut merged = base;
    merged.vpcs.extend(made.vpcs);
    merged.security_groups.extend(made.security_groups);
    merged.vpc_endpoints.extend(made.vpc_endpoints);
    merged.rest_apis.extend(made.rest_apis);
    merged.path_aliases.extend(shifted);
    merged
}
