//! What a template holds that the emulator leaves out: resources of types it does not emulate,
//! properties it does not know, and Lambda functions (which run only where the emulator's own
//! settings say).

use serde_json::Value;

use super::template::Converter;
use crate::scenario::document::{child_path, DocumentError};

/// The types the scenario is made of, and the properties each reads (or knowingly ignores);
/// other properties are reported.
const KNOWN_PROPERTIES: &[(&str, &[&str])] = &[
    (
        "AWS::EC2::VPC",
        &[
            "CidrBlock",
            "EnableDnsHostnames",
            "EnableDnsSupport",
            "InstanceTenancy",
            "Tags",
        ],
    ),
    (
        "AWS::EC2::Subnet",
        &[
            "VpcId",
            "CidrBlock",
            "AvailabilityZone",
            "MapPublicIpOnLaunch",
            "Tags",
        ],
    ),
    (
        "AWS::EC2::SecurityGroup",
        &[
            "GroupDescription",
            "GroupName",
            "VpcId",
            "SecurityGroupIngress",
            "SecurityGroupEgress",
            "Tags",
        ],
    ),
    (
        "AWS::EC2::SecurityGroupIngress",
        &[
            "GroupId",
            "IpProtocol",
            "FromPort",
            "ToPort",
            "CidrIp",
            "CidrIpv6",
            "SourceSecurityGroupId",
            "Description",
        ],
    ),
    (
        "AWS::EC2::VPCEndpoint",
        &[
            "ServiceName",
            "VpcEndpointType",
            "VpcId",
            "SubnetIds",
            "SecurityGroupIds",
            "PrivateDnsEnabled",
            "PolicyDocument",
            "IpAddressType",
            "Tags",
        ],
    ),
    (
        "AWS::ApiGateway::RestApi",
        &[
            "Name",
            "Description",
            "Body",
            "BodyS3Location",
            "EndpointConfiguration",
            "Policy",
            "BinaryMediaTypes",
            "ApiKeySourceType",
            "FailOnWarnings",
            "Mode",
            "Parameters",
            "Tags",
            "DisableExecuteApiEndpoint",
        ],
    ),
    (
        "AWS::ApiGateway::Resource",
        &["RestApiId", "ParentId", "PathPart"],
    ),
    (
        "AWS::ApiGateway::Method",
        &[
            "RestApiId",
            "ResourceId",
            "HttpMethod",
            "AuthorizationType",
            "Integration",
            "MethodResponses",
            "RequestParameters",
            "RequestModels",
            "OperationName",
            "ApiKeyRequired",
        ],
    ),
    (
        "AWS::ApiGateway::Deployment",
        &["RestApiId", "StageName", "StageDescription", "Description"],
    ),
    (
        "AWS::ApiGateway::Stage",
        &[
            "RestApiId",
            "StageName",
            "DeploymentId",
            "Variables",
            "Description",
            "Tags",
            "MethodSettings",
            "TracingEnabled",
        ],
    ),
    (
        "AWS::Serverless::Api",
        &[
            "Name",
            "Description",
            "StageName",
            "DefinitionBody",
            "DefinitionUri",
            "EndpointConfiguration",
            "Auth",
            "Variables",
            "BinaryMediaTypes",
            "Tags",
            "TracingEnabled",
            "MethodSettings",
            "OpenApiVersion",
        ],
    ),
];

/// Types a private API's template commonly has that the emulator has no use for and no
/// warning about.
const IGNORED_QUIETLY: &[&str] = &[
    "AWS::Lambda::Permission",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::Logs::LogGroup",
    "AWS::CloudFormation::WaitConditionHandle",
];

impl Converter<'_> {
    /// Warns of every resource and property the scenario leaves out.
    pub(super) fn report_unused(&mut self) {
        for (logical, resource) in self.resources {
            let kind = resource
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let at = child_path("$.Resources", logical);
            let known = KNOWN_PROPERTIES.iter().find(|(k, _)| *k == kind);
            if let Some((_, known)) = known {
                for key in resource
                    .get("Properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|p| p.keys())
                {
                    if !known.contains(&key.as_str()) {
                        self.warnings.push(DocumentError::new(
                            format!("{at}.Properties.{key}"),
                            format!("{kind} has no property {key} the emulator knows; ignored"),
                        ));
                    }
                }
            }
            if kind == "AWS::Lambda::Function" || kind == "AWS::Serverless::Function" {
                let name = self.physical_id(logical);
                self.warnings.push(DocumentError::new(
                    at,
                    format!("Lambda functions run locally only when emulator.integrations.lambdaFunctions names {name:?} (pass a --config with it)"),
                ));
            } else if known.is_none() && !IGNORED_QUIETLY.contains(&kind) {
                self.warnings.push(DocumentError::new(
                    at,
                    format!("{kind} is not emulated; ignored"),
                ));
            }
        }
    }
}
