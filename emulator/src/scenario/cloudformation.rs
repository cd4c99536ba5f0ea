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

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::scenario::config::{Config, ConfigError, ConfigOrigin};
use crate::scenario::document::{self, child_path, type_name, DocumentError};

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

/// The physical id of a resource of a supported type.
#[derive(Debug, Clone)]
struct Physical {
    kind: String,
    id: String,
}

struct Converter<'t> {
    resources: &'t Map<String, Value>,
    parameters: BTreeMap<String, Value>,
    physical: BTreeMap<String, Physical>,
    region: String,
    account_id: String,
    stack_name: String,
    warnings: Vec<DocumentError>,
    /// Scenario path prefixes and the template paths they came from, for messages.
    aliases: Vec<(String, String)>,
}

fn hex_id(prefix: &str, logical: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, logical.as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-0{}", &hex[..16])
}

fn api_id(logical: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, format!("api/{logical}").as_bytes());
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    digest
        .as_ref()
        .iter()
        .take(10)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
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
    let (value, warnings, aliases) =
        convert(&template, stack_name, options).map_err(to_config_error)?;
    let mut config = Config::from_value(value, origin.clone()).map_err(|e| {
        let path = crate::scenario::config::alias_path(&aliases, &e.path);
        ConfigError::new(&origin, path, e.message)
    })?;
    config.path_aliases = aliases;
    Ok(TemplateScenario {
        config,
        warnings: warnings.into_iter().map(to_config_error).collect(),
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

/// The properties each supported type reads (or knowingly ignores); others are reported.
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

const IGNORED_QUIETLY: &[&str] = &[
    "AWS::Lambda::Permission",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::Logs::LogGroup",
    "AWS::CloudFormation::WaitConditionHandle",
];

type Converted = (Value, Vec<DocumentError>, Vec<(String, String)>);

fn convert(
    template: &Value,
    stack_name: &str,
    options: &TemplateOptions,
) -> Result<Converted, DocumentError> {
    let root = template
        .as_object()
        .ok_or_else(|| DocumentError::new("$", "expected a template object"))?;
    let resources = root
        .get("Resources")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            DocumentError::new("$.Resources", "expected the template's Resources object")
        })?;
    let mut converter = Converter {
        resources,
        parameters: BTreeMap::new(),
        physical: BTreeMap::new(),
        region: options.region.clone().unwrap_or_else(|| "us-east-1".into()),
        account_id: options
            .account_id
            .clone()
            .unwrap_or_else(|| "123456789012".into()),
        stack_name: stack_name.to_string(),
        warnings: Vec::new(),
        aliases: Vec::new(),
    };
    converter.parameters(root.get("Parameters"), &options.parameters)?;
    for (logical, resource) in resources {
        let kind = resource
            .get("Type")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                DocumentError::new(
                    child_path("$.Resources", logical),
                    "expected a resource with a Type",
                )
            })?;
        let id = match kind {
            "AWS::EC2::VPC" => hex_id("vpc", logical),
            "AWS::EC2::Subnet" => hex_id("subnet", logical),
            "AWS::EC2::SecurityGroup" => hex_id("sg", logical),
            "AWS::EC2::VPCEndpoint" => hex_id("vpce", logical),
            "AWS::ApiGateway::RestApi" | "AWS::Serverless::Api" => api_id(logical),
            "AWS::ApiGateway::Deployment" => {
                crate::model::names::short_id(&format!("deployment/{logical}"))
            }
            "AWS::ApiGateway::Resource" => {
                crate::model::names::short_id(&format!("resource/{logical}"))
            }
            "AWS::Lambda::Function" | "AWS::Serverless::Function" => resource
                .get("Properties")
                .and_then(|p| p.get("FunctionName"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("{stack_name}-{logical}")),
            "AWS::ApiGateway::Stage" => resource
                .get("Properties")
                .and_then(|p| p.get("StageName"))
                .and_then(Value::as_str)
                .unwrap_or(logical)
                .to_string(),
            _ => logical.clone(),
        };
        converter.physical.insert(
            logical.clone(),
            Physical {
                kind: kind.to_string(),
                id,
            },
        );
    }
    let scenario = converter.scenario()?;
    Ok((scenario, converter.warnings, converter.aliases))
}

impl Converter<'_> {
    fn parameters(
        &mut self,
        declared: Option<&Value>,
        given: &BTreeMap<String, String>,
    ) -> Result<(), DocumentError> {
        let declared = declared.and_then(Value::as_object);
        for name in given.keys() {
            if !declared.is_some_and(|d| d.contains_key(name)) {
                return Err(DocumentError::new(
                    "$.Parameters",
                    format!("--parameter {name}: the template declares no such parameter"),
                ));
            }
        }
        for (name, spec) in declared.into_iter().flatten() {
            let path = child_path("$.Parameters", name);
            let value = match (given.get(name), spec.get("Default")) {
                (Some(v), _) => Value::String(v.clone()),
                (None, Some(d)) => d.clone(),
                (None, None) => {
                    return Err(DocumentError::new(
                        path,
                        format!("the parameter has no Default: pass --parameter {name}=VALUE"),
                    ))
                }
            };
            // List parameters arrive as comma-separated strings.
            let is_list = spec
                .get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with("List<") || t == "CommaDelimitedList");
            let value = match (is_list, value) {
                (true, Value::String(s)) => Value::Array(
                    s.split(',')
                        .map(|x| Value::String(x.trim().to_string()))
                        .collect(),
                ),
                (_, Value::Number(n)) => Value::String(n.to_string()),
                (_, v) => v,
            };
            self.parameters.insert(name.clone(), value);
        }
        Ok(())
    }

    fn reference(&self, name: &str, path: &str) -> Result<Value, DocumentError> {
        let pseudo = match name {
            "AWS::Region" => Some(self.region.clone()),
            "AWS::AccountId" => Some(self.account_id.clone()),
            "AWS::Partition" => Some(
                if self.region.starts_with("cn-") {
                    "aws-cn"
                } else {
                    "aws"
                }
                .to_string(),
            ),
            "AWS::URLSuffix" => Some(
                if self.region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                }
                .to_string(),
            ),
            "AWS::StackName" => Some(self.stack_name.clone()),
            "AWS::StackId" => Some(format!(
                "arn:aws:cloudformation:{}:{}:stack/{}/00000000-0000-0000-0000-000000000000",
                self.region, self.account_id, self.stack_name
            )),
            _ => None,
        };
        if let Some(p) = pseudo {
            return Ok(Value::String(p));
        }
        if let Some(v) = self.parameters.get(name) {
            return Ok(v.clone());
        }
        if let Some(p) = self.physical.get(name) {
            return Ok(Value::String(p.id.clone()));
        }
        Err(DocumentError::new(
            path,
            format!("Ref {name:?}: no parameter or resource of that name"),
        ))
    }

    fn attribute(
        &self,
        logical: &str,
        attribute: &str,
        path: &str,
    ) -> Result<Value, DocumentError> {
        let p = self.physical.get(logical).ok_or_else(|| {
            DocumentError::new(
                path,
                format!("Fn::GetAtt {logical}.{attribute}: no resource of that name"),
            )
        })?;
        let props = self
            .resources
            .get(logical)
            .and_then(|r| r.get("Properties"));
        let value = match (p.kind.as_str(), attribute) {
            ("AWS::ApiGateway::RestApi", "RootResourceId")
            | ("AWS::Serverless::Api", "RootResourceId") => {
                Value::String(crate::model::names::short_id("/"))
            }
            ("AWS::ApiGateway::RestApi", "RestApiId") => Value::String(p.id.clone()),
            ("AWS::EC2::VPC", "VpcId")
            | ("AWS::EC2::Subnet", "SubnetId")
            | ("AWS::EC2::SecurityGroup", "GroupId")
            | ("AWS::EC2::VPCEndpoint", "Id") => Value::String(p.id.clone()),
            ("AWS::EC2::VPC", "CidrBlock") | ("AWS::EC2::Subnet", "CidrBlock") => {
                let raw = props
                    .and_then(|pr| pr.get("CidrBlock"))
                    .cloned()
                    .unwrap_or(Value::Null);
                self.resolve(&raw, path)?
            }
            ("AWS::Lambda::Function", "Arn") | ("AWS::Serverless::Function", "Arn") => {
                Value::String(format!(
                    "arn:aws:lambda:{}:{}:function:{}",
                    self.region, self.account_id, p.id
                ))
            }
            _ => {
                return Err(DocumentError::new(
                    path,
                    format!(
                        "Fn::GetAtt {logical}.{attribute} ({}) is not supported by the emulator",
                        p.kind
                    ),
                ))
            }
        };
        Ok(value)
    }

    /// Resolves intrinsic functions in a value.
    fn resolve(&self, value: &Value, path: &str) -> Result<Value, DocumentError> {
        match value {
            Value::Array(items) => Ok(Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.resolve(v, &format!("{path}[{i}]")))
                    .filter(|v| !matches!(v, Ok(Value::String(s)) if s == NO_VALUE))
                    .collect::<Result<_, _>>()?,
            )),
            Value::Object(map) if map.len() == 1 => {
                let (key, arg) = map
                    .iter()
                    .next()
                    .map(|(k, v)| (k.as_str(), v))
                    .unwrap_or(("", &Value::Null));
                let p = child_path(path, key);
                match key {
                    "Ref" => {
                        let name = arg.as_str().ok_or_else(|| DocumentError::new(&p, "expected a name"))?;
                        if name == "AWS::NoValue" {
                            return Ok(Value::String(NO_VALUE.into()));
                        }
                        self.reference(name, &p)
                    }
                    "Fn::GetAtt" => {
                        let parts: Vec<String> = match self.resolve(arg, &p)? {
                            Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
                            Value::String(s) => s.splitn(2, '.').map(str::to_string).collect(),
                            _ => Vec::new(),
                        };
                        match parts.as_slice() {
                            [logical, attribute] => self.attribute(logical, attribute, &p),
                            _ => Err(DocumentError::new(p, "expected [Resource, Attribute]")),
                        }
                    }
                    "Fn::Sub" => self.sub(arg, &p),
                    "Fn::Join" => {
                        let resolved = self.resolve(arg, &p)?;
                        match resolved.as_array().map(Vec::as_slice) {
                            Some([Value::String(delimiter), Value::Array(items)]) => {
                                let parts: Result<Vec<String>, _> = items
                                    .iter()
                                    .map(|v| match v {
                                        Value::String(s) => Ok(s.clone()),
                                        Value::Number(n) => Ok(n.to_string()),
                                        other => Err(DocumentError::new(&p, format!("cannot join {}", type_name(other)))),
                                    })
                                    .collect();
                                Ok(Value::String(parts?.join(delimiter)))
                            }
                            _ => Err(DocumentError::new(p, "expected [delimiter, [values]]")),
                        }
                    }
                    "Fn::Select" => {
                        let resolved = self.resolve(arg, &p)?;
                        match resolved.as_array().map(Vec::as_slice) {
                            Some([index, Value::Array(items)]) => {
                                let i = index
                                    .as_u64()
                                    .or_else(|| index.as_str().and_then(|s| s.parse().ok()))
                                    .ok_or_else(|| DocumentError::new(&p, "expected an index"))?;
                                items
                                    .get(i as usize)
                                    .cloned()
                                    .ok_or_else(|| DocumentError::new(&p, format!("index {i} is out of range")))
                            }
                            _ => Err(DocumentError::new(p, "expected [index, [values]]")),
                        }
                    }
                    "Fn::GetAZs" => Ok(Value::Array(
                        ["a", "b", "c", "d", "e", "f"]
                            .iter()
                            .map(|z| Value::String(format!("{}{z}", self.region)))
                            .collect(),
                    )),
                    k if k.starts_with("Fn::") || k == "Condition" => Err(DocumentError::new(
                        p,
                        format!("{k} is not supported by the emulator (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select and Fn::GetAZs are)"),
                    )),
                    _ => self.resolve_object(map, path),
                }
            }
            Value::Object(map) => self.resolve_object(map, path),
            other => Ok(other.clone()),
        }
    }

    fn resolve_object(&self, map: &Map<String, Value>, path: &str) -> Result<Value, DocumentError> {
        let mut out = Map::new();
        for (k, v) in map {
            let resolved = self.resolve(v, &child_path(path, k))?;
            if !matches!(&resolved, Value::String(s) if s == NO_VALUE) {
                out.insert(k.clone(), resolved);
            }
        }
        Ok(Value::Object(out))
    }

    fn sub(&self, arg: &Value, path: &str) -> Result<Value, DocumentError> {
        let (text, variables) = match arg {
            Value::String(s) => (s.as_str(), Map::new()),
            Value::Array(items) => match items.as_slice() {
                [Value::String(s), Value::Object(vars)] => {
                    let resolved = self.resolve_object(vars, &format!("{path}[1]"))?;
                    (
                        s.as_str(),
                        resolved.as_object().cloned().unwrap_or_default(),
                    )
                }
                _ => {
                    return Err(DocumentError::new(
                        path,
                        "expected a string or [string, {variables}]",
                    ))
                }
            },
            _ => {
                return Err(DocumentError::new(
                    path,
                    "expected a string or [string, {variables}]",
                ))
            }
        };
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| DocumentError::new(path, "an unclosed ${ in Fn::Sub"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                let value = match variables.get(name) {
                    Some(v) => v.clone(),
                    None => match name.split_once('.') {
                        Some((logical, attribute)) if !self.parameters.contains_key(name) => {
                            self.attribute(logical, attribute, path)?
                        }
                        _ => self.reference(name, path)?,
                    },
                };
                match value {
                    Value::String(s) => out.push_str(&s),
                    Value::Number(n) => out.push_str(&n.to_string()),
                    other => {
                        return Err(DocumentError::new(
                            path,
                            format!("Fn::Sub ${{{name}}} is {}, not a string", type_name(&other)),
                        ))
                    }
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }

    fn alias(&mut self, scenario_path: String, logical: &str) {
        self.aliases
            .push((scenario_path, child_path("$.Resources", logical)));
    }

    fn properties(&self, logical: &str) -> Result<Map<String, Value>, DocumentError> {
        let path = format!("{}.Properties", child_path("$.Resources", logical));
        let raw = self
            .resources
            .get(logical)
            .and_then(|r| r.get("Properties"))
            .cloned()
            .unwrap_or_else(|| json!({}));
        match self.resolve(&raw, &path)? {
            Value::Object(m) => Ok(m),
            other => Err(DocumentError::new(
                path,
                format!("expected an object, found {}", type_name(&other)),
            )),
        }
    }

    fn of_kind(&self, kind: &str) -> Vec<(String, String)> {
        self.physical
            .iter()
            .filter(|(_, p)| p.kind == kind)
            .map(|(l, p)| (l.clone(), p.id.clone()))
            .collect()
    }

    fn scenario(&mut self) -> Result<Value, DocumentError> {
        let mut vpcs: Vec<Value> = Vec::new();
        for (logical, id) in self.of_kind("AWS::EC2::VPC") {
            let props = self.properties(&logical)?;
            self.alias(format!("$.vpcs[{}]", vpcs.len()), &logical);
            vpcs.push(json!({"vpcId": id, "cidrBlock": props.get("CidrBlock").cloned().unwrap_or(Value::Null), "subnets": []}));
        }
        for (logical, id) in self.of_kind("AWS::EC2::Subnet") {
            let props = self.properties(&logical)?;
            let vpc_id = props.get("VpcId").cloned().unwrap_or(Value::Null);
            let az = props
                .get("AvailabilityZone")
                .cloned()
                .unwrap_or_else(|| Value::String(format!("{}a", self.region)));
            let subnet = json!({"subnetId": id, "availabilityZone": az, "cidrBlock": props.get("CidrBlock").cloned().unwrap_or(Value::Null)});
            match vpcs.iter_mut().find(|v| v["vpcId"] == vpc_id) {
                Some(vpc) => {
                    if let Some(Value::Array(subnets)) = vpc.get_mut("subnets") {
                        subnets.push(subnet);
                    }
                }
                None => {
                    return Err(DocumentError::new(
                        format!("{}.Properties.VpcId", child_path("$.Resources", &logical)),
                        format!(
                            "expected a Ref to an AWS::EC2::VPC of this template, found {vpc_id}"
                        ),
                    ))
                }
            }
        }
        let mut groups: Vec<Value> = Vec::new();
        for (logical, id) in self.of_kind("AWS::EC2::SecurityGroup") {
            let props = self.properties(&logical)?;
            self.alias(format!("$.securityGroups[{}]", groups.len()), &logical);
            let mut rules = Vec::new();
            for rule in props
                .get("SecurityGroupIngress")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                rules.push(ingress(rule));
            }
            groups.push(json!({
                "groupId": id,
                "groupName": props.get("GroupName").cloned().unwrap_or_else(|| Value::String(format!("{}-{logical}", self.stack_name))),
                "description": props.get("GroupDescription").cloned().unwrap_or(Value::Null),
                "vpcId": props.get("VpcId").cloned().unwrap_or(Value::Null),
                "ipPermissions": rules,
            }));
        }
        for (logical, _) in self.of_kind("AWS::EC2::SecurityGroupIngress") {
            let props = self.properties(&logical)?;
            let group = props.get("GroupId").cloned().unwrap_or(Value::Null);
            let rule = ingress(&Value::Object(props.clone()));
            match groups.iter_mut().find(|g| g["groupId"] == group) {
                Some(g) => {
                    if let Some(Value::Array(rules)) = g.get_mut("ipPermissions") {
                        rules.push(rule);
                    }
                }
                None => self.warnings.push(DocumentError::new(
                    child_path("$.Resources", &logical),
                    "the rule's GroupId is not a security group of this template; ignored",
                )),
            }
        }
        let mut endpoints = Vec::new();
        for (logical, id) in self.of_kind("AWS::EC2::VPCEndpoint") {
            let props = self.properties(&logical)?;
            let at = child_path("$.Resources", &logical);
            let service = props
                .get("ServiceName")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !service.ends_with(".execute-api") {
                self.warnings.push(DocumentError::new(
                    format!("{at}.Properties.ServiceName"),
                    format!("only execute-api endpoints are emulated; {service:?} is ignored"),
                ));
                continue;
            }
            let mut endpoint = json!({
                "vpcEndpointId": id,
                "vpcEndpointType": props.get("VpcEndpointType").cloned().unwrap_or_else(|| "Gateway".into()),
                "serviceName": service,
                "vpcId": props.get("VpcId").cloned().unwrap_or(Value::Null),
                "subnetIds": props.get("SubnetIds").cloned().unwrap_or_else(|| json!([])),
                "privateDnsEnabled": props.get("PrivateDnsEnabled").cloned().unwrap_or(Value::Bool(false)),
            });
            if let Some(sgs) = props.get("SecurityGroupIds") {
                endpoint["securityGroupIds"] = sgs.clone();
            }
            if let Some(policy) = props.get("PolicyDocument") {
                endpoint["policyDocument"] = policy.clone();
            }
            self.alias(format!("$.vpcEndpoints[{}]", endpoints.len()), &logical);
            if let Some(t) = props.get("IpAddressType") {
                endpoint["ipAddressType"] =
                    Value::String(t.as_str().unwrap_or("ipv4").to_ascii_lowercase());
            }
            endpoints.push(endpoint);
        }
        let apis = self.rest_apis()?;
        for (logical, resource) in self.resources {
            let kind = resource
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let handled = matches!(
                kind,
                "AWS::EC2::VPC"
                    | "AWS::EC2::Subnet"
                    | "AWS::EC2::SecurityGroup"
                    | "AWS::EC2::SecurityGroupIngress"
                    | "AWS::EC2::VPCEndpoint"
                    | "AWS::ApiGateway::RestApi"
                    | "AWS::ApiGateway::Resource"
                    | "AWS::ApiGateway::Method"
                    | "AWS::ApiGateway::Deployment"
                    | "AWS::ApiGateway::Stage"
                    | "AWS::Serverless::Api"
            ) || IGNORED_QUIETLY.contains(&kind);
            if let Some((_, known)) = KNOWN_PROPERTIES.iter().find(|(k, _)| *k == kind) {
                for key in resource
                    .get("Properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|p| p.keys())
                {
                    if !known.contains(&key.as_str()) {
                        self.warnings.push(DocumentError::new(
                            format!("{}.Properties.{key}", child_path("$.Resources", logical)),
                            format!("{kind} has no property {key} the emulator knows; ignored"),
                        ));
                    }
                }
            }
            if kind == "AWS::Lambda::Function" || kind == "AWS::Serverless::Function" {
                let name = self
                    .physical
                    .get(logical)
                    .map(|p| p.id.clone())
                    .unwrap_or_default();
                self.warnings.push(DocumentError::new(
                    child_path("$.Resources", logical),
                    format!("Lambda functions run locally only when emulator.integrations.lambdaFunctions names {name:?} (pass a --config with it)"),
                ));
            } else if !handled {
                self.warnings.push(DocumentError::new(
                    child_path("$.Resources", logical),
                    format!("{kind} is not emulated; ignored"),
                ));
            }
        }
        Ok(json!({
            "region": self.region,
            "accountId": self.account_id,
            "vpcs": vpcs,
            "securityGroups": groups,
            "vpcEndpoints": endpoints,
            "restApis": apis,
        }))
    }

    fn rest_apis(&mut self) -> Result<Vec<Value>, DocumentError> {
        let mut apis = Vec::new();
        let mut kinds = self.of_kind("AWS::ApiGateway::RestApi");
        kinds.extend(self.of_kind("AWS::Serverless::Api"));
        for (logical, id) in kinds {
            let props = self.properties(&logical)?;
            let at = format!("{}.Properties", child_path("$.Resources", &logical));
            let sam = self
                .physical
                .get(&logical)
                .is_some_and(|p| p.kind == "AWS::Serverless::Api");
            let index = apis.len();
            self.alias(format!("$.restApis[{index}]"), &logical);
            let body_property = if sam { "DefinitionBody" } else { "Body" };
            self.aliases.push((
                format!("$.restApis[{index}].body"),
                format!("{at}.{body_property}"),
            ));
            self.aliases.push((
                format!("$.restApis[{index}].policy"),
                format!("{at}.Policy"),
            ));
            let mut api = json!({"id": id, "stages": []});
            if let Some(name) = props.get("Name") {
                api["name"] = name.clone();
            }
            if let Some(d) = props.get("Description") {
                api["description"] = d.clone();
            }
            let body_key = if sam { "DefinitionBody" } else { "Body" };
            let mut body = props.get(body_key).cloned();
            if sam {
                if let Some(uri) = props.get("DefinitionUri").and_then(Value::as_str) {
                    api["bodyFile"] = Value::String(uri.to_string());
                }
            }
            if props.contains_key("BodyS3Location") {
                return Err(DocumentError::new(
                    format!("{at}.BodyS3Location"),
                    "definitions in S3 cannot be read offline: inline the document as Body",
                ));
            }
            if body.is_none() {
                body = self.methods_as_openapi(&logical)?;
            }
            if let (Some(Value::Object(doc)), Some(types)) =
                (&mut body, props.get("BinaryMediaTypes"))
            {
                doc.insert(
                    "x-amazon-apigateway-binary-media-types".into(),
                    types.clone(),
                );
            }
            if let Some(b) = body {
                api["body"] = b;
            }
            let endpoint = props.get("EndpointConfiguration");
            let types = match endpoint {
                Some(Value::Object(e)) => e
                    .get("Types")
                    .cloned()
                    .or_else(|| e.get("Type").map(|t| json!([t]))),
                Some(Value::String(t)) => Some(json!([t])),
                _ => None,
            }
            .unwrap_or_else(|| json!(["EDGE"]));
            let mut configuration = json!({"types": types});
            if let Some(ids) =
                endpoint.and_then(|e| e.get("VpcEndpointIds").or_else(|| e.get("VPCEndpointIds")))
            {
                configuration["vpcEndpointIds"] = ids.clone();
            }
            api["endpointConfiguration"] = configuration;
            if let Some(policy) = props.get("Policy") {
                api["policy"] = policy.clone();
            }
            if sam {
                if let Some(policy) = sam_resource_policy(props.get("Auth")) {
                    api["policy"] = policy;
                }
                if let Some(stage) = props.get("StageName") {
                    let mut s = json!({"stageName": stage});
                    if let Some(v) = props.get("Variables") {
                        s["variables"] = v.clone();
                    }
                    push_stage(&mut api, s);
                }
            }
            apis.push(api);
        }
        // Deployments with a StageName, and Stage resources, deploy the API they name.
        for (logical, _) in self.of_kind("AWS::ApiGateway::Deployment") {
            let props = self.properties(&logical)?;
            if let Some(stage) = props.get("StageName") {
                let mut s = json!({"stageName": stage});
                if let Some(v) = props
                    .get("StageDescription")
                    .and_then(|d| d.get("Variables"))
                {
                    s["variables"] = v.clone();
                }
                self.attach_stage(&mut apis, &props, s, &logical)?;
            }
        }
        for (logical, _) in self.of_kind("AWS::ApiGateway::Stage") {
            let props = self.properties(&logical)?;
            let mut s =
                json!({"stageName": props.get("StageName").cloned().unwrap_or(Value::Null)});
            if let Some(d) = props.get("Description") {
                s["description"] = d.clone();
            }
            if let Some(v) = props.get("Variables") {
                s["variables"] = v.clone();
            }
            self.attach_stage(&mut apis, &props, s, &logical)?;
        }
        Ok(apis)
    }

    fn attach_stage(
        &self,
        apis: &mut [Value],
        props: &Map<String, Value>,
        stage: Value,
        logical: &str,
    ) -> Result<(), DocumentError> {
        let api_id = props.get("RestApiId").cloned().unwrap_or(Value::Null);
        match apis.iter_mut().find(|a| a["id"] == api_id) {
            Some(api) => {
                push_stage(api, stage);
                Ok(())
            }
            None => Err(DocumentError::new(
                format!("{}.Properties.RestApiId", child_path("$.Resources", logical)),
                format!("expected a Ref to an AWS::ApiGateway::RestApi of this template, found {api_id}"),
            )),
        }
    }

    /// `AWS::ApiGateway::Resource` and `AWS::ApiGateway::Method` resources of one API, as the
    /// OpenAPI document `get-export` would give for them.
    fn methods_as_openapi(&self, api_logical: &str) -> Result<Option<Value>, DocumentError> {
        let api_id = self
            .physical
            .get(api_logical)
            .map(|p| p.id.clone())
            .unwrap_or_default();
        let root_id = crate::model::names::short_id("/");
        // Resource id → full path.
        let mut paths: BTreeMap<String, String> =
            BTreeMap::from([(root_id.clone(), "/".to_string())]);
        let resources = self.of_kind("AWS::ApiGateway::Resource");
        // Parents may come after children in the template: resolve until nothing changes.
        for _ in 0..=resources.len() {
            for (logical, id) in &resources {
                let props = self.properties(logical)?;
                if props.get("RestApiId").and_then(Value::as_str) != Some(api_id.as_str())
                    || paths.contains_key(id)
                {
                    continue;
                }
                let parent = props
                    .get("ParentId")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let part = props
                    .get("PathPart")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if let Some(parent_path) = paths.get(parent) {
                    let full = if parent_path == "/" {
                        format!("/{part}")
                    } else {
                        format!("{parent_path}/{part}")
                    };
                    paths.insert(id.clone(), full);
                }
            }
        }
        let mut doc_paths = Map::new();
        let mut any = false;
        for (logical, _) in self.of_kind("AWS::ApiGateway::Method") {
            let props = self.properties(&logical)?;
            if props.get("RestApiId").and_then(Value::as_str) != Some(api_id.as_str()) {
                continue;
            }
            any = true;
            let at = format!("{}.Properties", child_path("$.Resources", &logical));
            let resource_id = props
                .get("ResourceId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let path = paths.get(resource_id).ok_or_else(|| {
                DocumentError::new(format!("{at}.ResourceId"), "expected the id of an AWS::ApiGateway::Resource of this API (or its RootResourceId)")
            })?;
            let method = props
                .get("HttpMethod")
                .and_then(Value::as_str)
                .unwrap_or("GET")
                .to_ascii_lowercase();
            let key = if method == "any" {
                "x-amazon-apigateway-any-method".to_string()
            } else {
                method
            };
            let mut operation = Map::new();
            if let Some(integration) = props.get("Integration").and_then(Value::as_object) {
                operation.insert(
                    "x-amazon-apigateway-integration".into(),
                    integration_as_openapi(integration),
                );
            }
            if props
                .get("AuthorizationType")
                .and_then(Value::as_str)
                .is_some_and(|t| t != "NONE")
            {
                operation.insert(
                    "x-amazon-apigateway-auth".into(),
                    json!({"type": props["AuthorizationType"]}),
                );
            }
            let entry = doc_paths.entry(path.clone()).or_insert_with(|| json!({}));
            if let Some(m) = entry.as_object_mut() {
                m.insert(key, Value::Object(operation));
            }
        }
        for path in paths.values() {
            if path != "/" {
                doc_paths.entry(path.clone()).or_insert_with(|| json!({}));
            }
        }
        if !any && doc_paths.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            json!({"openapi": "3.0.1", "info": {"title": api_logical}, "paths": doc_paths}),
        ))
    }
}

/// The marker `Ref AWS::NoValue` leaves for its property to be removed.
const NO_VALUE: &str = "\u{0}AWS::NoValue";

fn push_stage(api: &mut Value, stage: Value) {
    if let Some(Value::Array(stages)) = api.get_mut("stages") {
        if !stages.iter().any(|s| s["stageName"] == stage["stageName"]) {
            stages.push(stage);
        }
    }
}

fn ingress(rule: &Value) -> Value {
    let get = |k: &str| rule.get(k).cloned();
    let port = |k: &str| {
        get(k).and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
    };
    let mut out = json!({
        "ipProtocol": get("IpProtocol").map(|p| match p { Value::Number(n) => Value::String(n.to_string()), other => other }).unwrap_or_else(|| "-1".into()),
        "ipRanges": get("CidrIp").map(|c| json!([{"cidrIp": c}])).unwrap_or_else(|| json!([])),
        "ipv6Ranges": get("CidrIpv6").map(|c| json!([{"cidrIpv6": c}])).unwrap_or_else(|| json!([])),
        "userIdGroupPairs": get("SourceSecurityGroupId").map(|g| json!([{"groupId": g}])).unwrap_or_else(|| json!([])),
    });
    if let Some(p) = port("FromPort") {
        out["fromPort"] = p.into();
    }
    if let Some(p) = port("ToPort") {
        out["toPort"] = p.into();
    }
    out
}

/// `AWS::ApiGateway::Method.Integration` in the OpenAPI extension's spelling.
fn integration_as_openapi(i: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for (k, v) in i {
        match k.as_str() {
            "Type" => {
                out.insert(
                    "type".into(),
                    Value::String(v.as_str().unwrap_or_default().to_ascii_lowercase()),
                );
            }
            "Uri" => {
                out.insert("uri".into(), v.clone());
            }
            "IntegrationHttpMethod" => {
                out.insert("httpMethod".into(), v.clone());
            }
            "PassthroughBehavior" => {
                out.insert(
                    "passthroughBehavior".into(),
                    Value::String(v.as_str().unwrap_or_default().to_ascii_lowercase()),
                );
            }
            "RequestParameters" => {
                out.insert("requestParameters".into(), v.clone());
            }
            "RequestTemplates" => {
                out.insert("requestTemplates".into(), v.clone());
            }
            "TimeoutInMillis" => {
                out.insert("timeoutInMillis".into(), v.clone());
            }
            "IntegrationResponses" => {
                let mut responses = Map::new();
                for r in v.as_array().into_iter().flatten() {
                    let pattern = r
                        .get("SelectionPattern")
                        .and_then(Value::as_str)
                        .filter(|p| !p.is_empty())
                        .unwrap_or("default");
                    let mut response = Map::new();
                    if let Some(s) = r.get("StatusCode") {
                        response.insert("statusCode".into(), s.clone());
                    }
                    if let Some(p) = r.get("ResponseParameters") {
                        response.insert("responseParameters".into(), p.clone());
                    }
                    if let Some(t) = r.get("ResponseTemplates") {
                        response.insert("responseTemplates".into(), t.clone());
                    }
                    responses.insert(pattern.to_string(), Value::Object(response));
                }
                out.insert("responses".into(), Value::Object(responses));
            }
            "TlsConfig" => {
                if let Some(skip) = v.get("InsecureSkipVerification") {
                    out.insert(
                        "tlsConfig".into(),
                        json!({"insecureSkipVerification": skip}),
                    );
                }
            }
            other => {
                // Keep the rest in camelCase for the importer, which reports what it ignores.
                let mut chars = other.chars();
                let camel = chars
                    .next()
                    .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
                    .unwrap_or_default();
                out.insert(camel, v.clone());
            }
        }
    }
    Value::Object(out)
}

/// SAM's `Auth.ResourcePolicy`: `IntrinsicVpceWhitelist`/`IntrinsicVpcWhitelist` (allow
/// those, deny the rest) and `CustomStatements`, as SAM expands them.
fn sam_resource_policy(auth: Option<&Value>) -> Option<Value> {
    let policy = auth?.get("ResourcePolicy")?;
    let resource = json!(["execute-api:/*"]);
    let mut statements: Vec<Value> = Vec::new();
    for (key, condition_key) in [
        ("IntrinsicVpceWhitelist", "aws:SourceVpce"),
        ("IntrinsicVpcWhitelist", "aws:SourceVpc"),
    ] {
        if let Some(list) = policy.get(key) {
            statements.push(json!({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": resource}));
            statements.push(json!({"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": resource,
                "Condition": {"StringNotEquals": {condition_key: list}}}));
        }
    }
    if let Some(custom) = policy.get("CustomStatements") {
        match custom {
            Value::Array(items) => statements.extend(items.iter().cloned()),
            other => statements.push(other.clone()),
        }
    }
    (!statements.is_empty()).then(|| json!({"Version": "2012-10-17", "Statement": statements}))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, Default: test}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 172.31.0.0/16}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 172.31.0.0/20, AvailabilityZone: !Select [0, !GetAZs ""]}
  EndpointSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: https
      VpcId: !Ref Vpc
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !GetAtt Vpc.CidrBlock}]
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      ServiceName: !Sub com.amazonaws.${AWS::Region}.execute-api
      VpcEndpointType: Interface
      VpcId: !Ref Vpc
      SubnetIds: [!Ref SubnetA]
      SecurityGroupIds: [!Ref EndpointSg]
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: orders
      EndpointConfiguration: {Types: [PRIVATE], VpcEndpointIds: [!Ref Endpoint]}
      Policy:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: execute-api:/*}
          - Effect: Deny
            Principal: "*"
            Action: execute-api:Invoke
            Resource: execute-api:/*
            Condition: {StringNotEquals: {aws:SourceVpce: !Ref Endpoint}}
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders}
  GetOrders:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Orders
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '[]'}}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: GetOrders
    Properties: {RestApiId: !Ref Api, StageName: !Ref Stage}
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: orders-fn, Runtime: python3.12, Handler: x.h, Code: {ZipFile: x}, Role: r}
  Bucket:
    Type: AWS::S3::Bucket
"#;

    #[test]
    fn a_template_becomes_a_scenario_that_validates() {
        let s = scenario_from_str(
            TEMPLATE,
            ConfigOrigin::File("t.yaml".into()),
            "t",
            &TemplateOptions::default(),
        )
        .unwrap();
        let topology = crate::Topology::from_config(&s.config).unwrap();
        let api = topology.rest_apis.values().next().unwrap();
        assert_eq!(api.name, "orders");
        assert!(api.stages.contains_key("test"));
        let stage = &api.stages["test"];
        assert!(stage
            .deployment
            .definition
            .route("/orders", "GET")
            .is_some());
        assert_eq!(topology.vpc_endpoints.len(), 1);
        assert_eq!(
            api.vpc_endpoint_ids,
            vec![topology.vpc_endpoints[0].id.clone()]
        );
        let warned: Vec<_> = s.warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(warned, ["$.Resources.Fn", "$.Resources.Bucket"]);
        // Ids are stable from one run to the next.
        let again = scenario_from_str(
            TEMPLATE,
            ConfigOrigin::Inline,
            "t",
            &TemplateOptions::default(),
        )
        .unwrap();
        assert_eq!(again.config.rest_apis[0].id, s.config.rest_apis[0].id);
    }

    #[test]
    fn unsupported_intrinsics_name_their_place() {
        let t = TEMPLATE.replace(
            "CidrBlock: 172.31.0.0/16",
            "CidrBlock: !ImportValue shared-cidr",
        );
        let e = scenario_from_str(&t, ConfigOrigin::Inline, "t", &TemplateOptions::default())
            .unwrap_err();
        assert_eq!(
            e.path,
            "$.Resources.Vpc.Properties.CidrBlock['Fn::ImportValue']"
        );
        assert!(e.message.contains("not supported"), "{e}");
        let t = TEMPLATE.replace("!Ref Stage", "!Ref Nope");
        let e = scenario_from_str(&t, ConfigOrigin::Inline, "t", &TemplateOptions::default())
            .unwrap_err();
        assert!(e.message.contains("Nope"), "{e}");
    }

    #[test]
    fn sub_fills_names_attributes_and_keeps_escapes() {
        let t = "Resources:\n  Fn: {Type: AWS::Lambda::Function, Properties: {FunctionName: f}}\n";
        let template = document::parse(t).unwrap();
        let resources = template["Resources"].as_object().unwrap();
        let c = Converter {
            resources,
            parameters: BTreeMap::new(),
            physical: BTreeMap::from([(
                "Fn".to_string(),
                Physical {
                    kind: "AWS::Lambda::Function".into(),
                    id: "f".into(),
                },
            )]),
            region: "eu-west-1".into(),
            account_id: "111122223333".into(),
            stack_name: "s".into(),
            warnings: Vec::new(),
            aliases: Vec::new(),
        };
        let v = c
            .sub(&json!("arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations ${!stageVariables.x}"), "$")
            .unwrap();
        assert_eq!(
            v,
            json!("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111122223333:function:f/invocations ${stageVariables.x}")
        );
    }
}
