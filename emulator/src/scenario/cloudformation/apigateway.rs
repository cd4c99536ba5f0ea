//! API Gateway and SAM resources as the scenario's REST APIs: `AWS::ApiGateway::RestApi` (with
//! `Body`, or with `Resource`/`Method` resources) and `AWS::Serverless::Api`, and the stages
//! that `Deployment` (with a `StageName`), `Stage` and SAM's `StageName` deploy them to.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::template::Converter;
use super::typed::{self, Properties};
use crate::scenario::config::{EndpointConfigurationConfig, RestApiConfig, StageConfig};
use crate::scenario::document::DocumentError;

type Result<T> = std::result::Result<T, DocumentError>;

impl Converter<'_> {
    /// REST APIs (CloudFormation's, then SAM's), with the stages the template deploys.
    pub(super) fn rest_apis(&mut self) -> Result<Vec<RestApiConfig>> {
        let mut apis = Vec::new();
        let mut kinds = self.of_kind("AWS::ApiGateway::RestApi");
        kinds.extend(self.of_kind("AWS::Serverless::Api"));
        for (logical, id) in kinds {
            let props = self.properties(&logical)?;
            let sam = self
                .physical
                .get(&logical)
                .is_some_and(|p| p.kind == "AWS::Serverless::Api");
            self.alias_rest_api(apis.len(), &logical, &props, sam);
            apis.push(self.rest_api(&logical, id, &props, sam)?);
        }
        self.deployment_stages(&mut apis)?;
        self.stage_resources(&mut apis)?;
        Ok(apis)
    }

    /// Messages about the API's definition and policy point at the properties they came from.
    fn alias_rest_api(&mut self, index: usize, logical: &str, props: &Properties, sam: bool) {
        self.alias(format!("$.restApis[{index}]"), logical);
        let body_property = if sam { "DefinitionBody" } else { "Body" };
        self.aliases.push((
            format!("$.restApis[{index}].body"),
            props.path_of(body_property),
        ));
        self.aliases.push((
            format!("$.restApis[{index}].policy"),
            props.path_of("Policy"),
        ));
    }

    fn rest_api(
        &self,
        logical: &str,
        id: String,
        props: &Properties,
        sam: bool,
    ) -> Result<RestApiConfig> {
        let body = self.definition(logical, props, sam)?;
        let mut policy = props.document("Policy");
        let mut stages = Vec::new();
        if sam {
            if let Some(p) = sam_resource_policy(props.get("Auth")) {
                policy = Some(p);
            }
            if let Some(name) = props.get("StageName") {
                let name = typed::string(name, &props.path_of("StageName"))?;
                let variables = variables(props.get("Variables"), &props.path_of("Variables"))?;
                stages.push(stage(name, None, variables));
            }
        }
        Ok(RestApiConfig {
            id,
            name: props.optional_string("Name")?,
            description: props.optional_string("Description")?,
            endpoint_configuration: endpoint_configuration(props)?,
            policy,
            example: None,
            body,
            body_file: sam
                .then(|| props.str("DefinitionUri").map(str::to_string))
                .flatten(),
            created_date: None,
            deployments: Vec::new(),
            stages,
        })
    }

    /// The API's OpenAPI document: `Body` (SAM: `DefinitionBody`), else what its `Resource` and
    /// `Method` resources make, with `BinaryMediaTypes` in the document's extension.
    fn definition(&self, logical: &str, props: &Properties, sam: bool) -> Result<Option<Value>> {
        let mut body = props
            .get(if sam { "DefinitionBody" } else { "Body" })
            .cloned();
        if props.contains("BodyS3Location") {
            return Err(DocumentError::new(
                props.path_of("BodyS3Location"),
                "definitions in S3 cannot be read offline: inline the document as Body",
            ));
        }
        if body.is_none() {
            body = self.methods_as_openapi(logical)?;
        }
        if let (Some(Value::Object(doc)), Some(types)) = (&mut body, props.get("BinaryMediaTypes"))
        {
            doc.insert(
                "x-amazon-apigateway-binary-media-types".into(),
                types.clone(),
            );
        }
        Ok(body.filter(|b| !b.is_null()))
    }

    /// Deployments with a `StageName` deploy the API they name to that stage.
    fn deployment_stages(&self, apis: &mut [RestApiConfig]) -> Result<()> {
        for (logical, _) in self.of_kind("AWS::ApiGateway::Deployment") {
            let props = self.properties(&logical)?;
            let Some(name) = props.get("StageName") else {
                continue;
            };
            let api = api_named_by(apis, &props)?;
            let name = typed::string(name, &props.path_of("StageName"))?;
            if has_stage(api, &name) {
                continue;
            }
            let variables = variables(
                props
                    .get("StageDescription")
                    .and_then(|d| d.get("Variables")),
                &format!("{}.Variables", props.path_of("StageDescription")),
            )?;
            api.stages.push(stage(name, None, variables));
        }
        Ok(())
    }

    /// `AWS::ApiGateway::Stage` resources deploy the API they name.
    fn stage_resources(&self, apis: &mut [RestApiConfig]) -> Result<()> {
        for (logical, _) in self.of_kind("AWS::ApiGateway::Stage") {
            let props = self.properties(&logical)?;
            let api = api_named_by(apis, &props)?;
            let name = props.string("StageName")?;
            if has_stage(api, &name) {
                continue;
            }
            let description = props.optional_string("Description")?;
            let variables = variables(props.get("Variables"), &props.path_of("Variables"))?;
            api.stages.push(stage(name, description, variables));
        }
        Ok(())
    }
}

/// The API a `Deployment` or `Stage` names by `RestApiId`.
fn api_named_by<'a>(
    apis: &'a mut [RestApiConfig],
    props: &Properties,
) -> Result<&'a mut RestApiConfig> {
    let api_id = props.get("RestApiId").cloned().unwrap_or(Value::Null);
    apis.iter_mut()
        .find(|a| api_id.as_str() == Some(a.id.as_str()))
        .ok_or_else(|| {
            DocumentError::new(
                props.path_of("RestApiId"),
                format!("expected a Ref to an AWS::ApiGateway::RestApi of this template, found {api_id}"),
            )
        })
}

/// The first resource to name a stage of an API makes it; later ones are left out.
fn has_stage(api: &RestApiConfig, name: &str) -> bool {
    api.stages.iter().any(|s| s.stage_name == name)
}

fn stage(
    stage_name: String,
    description: Option<String>,
    variables: BTreeMap<String, String>,
) -> StageConfig {
    StageConfig {
        stage_name,
        deployment_id: None,
        created_date: None,
        last_updated_date: None,
        description,
        variables,
        access_log_settings: None,
    }
}

/// Stage variables, none when the property is absent.
fn variables(value: Option<&Value>, path: &str) -> Result<BTreeMap<String, String>> {
    Ok(match value {
        Some(v) => typed::string_map(v, path)?,
        None => BTreeMap::new(),
    })
}

/// `EndpointConfiguration`: `Types` (SAM: `Type`, or the type as a string) and the associated
/// `VpcEndpointIds` (SAM: `VPCEndpointIds`). Absent: EDGE, as on AWS.
fn endpoint_configuration(props: &Properties) -> Result<EndpointConfigurationConfig> {
    let at = props.path_of("EndpointConfiguration");
    let types = match props.get("EndpointConfiguration") {
        Some(Value::Object(e)) => match (e.get("Types"), e.get("Type")) {
            (Some(types), _) => Some(typed::strings(types, &format!("{at}.Types"))?),
            (None, Some(t)) => Some(vec![typed::string(t, &format!("{at}.Type"))?]),
            (None, None) => None,
        },
        Some(Value::String(t)) => Some(vec![t.clone()]),
        _ => None,
    };
    let ids = ["VpcEndpointIds", "VPCEndpointIds"]
        .into_iter()
        .find_map(|key| {
            let ids = props.get("EndpointConfiguration")?.get(key)?;
            Some((ids, format!("{at}.{key}")))
        });
    Ok(EndpointConfigurationConfig {
        types: types.unwrap_or_else(|| vec!["EDGE".to_string()]),
        vpc_endpoint_ids: match ids {
            Some((ids, path)) => typed::strings(ids, &path)?,
            None => Vec::new(),
        },
    })
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
