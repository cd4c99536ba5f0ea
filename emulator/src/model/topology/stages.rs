//! A REST API's stages and the deployments they serve: the API as it is now, or a snapshot the
//! scenario froze (`deployments`), each with the resource policy in force for it; and each
//! stage's variables and access logging, checked as UpdateStage checks them.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use crate::model::api::ApiDefinition;
use crate::scenario::config::{ConfigError, DeploymentConfig, RestApiConfig, StageConfig};
use crate::scenario::document;
use iam_policy::{Policy, PolicyScope};

use super::builder::Builder;
use super::rest_apis::EndpointType;

/// Where a stage's access log goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AccessLogDestination {
    /// The process's standard output.
    Stdout,
    /// A file, appended to (created if missing).
    File(PathBuf),
}

/// A stage's access log settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogSettings {
    /// The format, with `$context.*` variables.
    pub format: String,
    /// Where lines go.
    pub destination: AccessLogDestination,
}

/// A stage and the deployment it serves.
#[derive(Debug)]
pub struct Stage {
    /// The stage name.
    pub name: String,
    /// Stage variables.
    pub variables: BTreeMap<String, String>,
    /// Access logging, when the stage has it.
    pub access_log: Option<AccessLogSettings>,
    /// What it serves.
    pub deployment: Arc<Deployment>,
}

/// What a deployment froze: the resource tree and the resource policy.
#[derive(Debug)]
pub struct Deployment {
    /// A 6-character id in API Gateway's shape, stable for the scenario.
    pub id: String,
    /// Resources, methods, integrations.
    pub definition: Arc<ApiDefinition>,
    /// The resource policy in force for this deployment.
    pub policy: Option<Arc<Policy>>,
}

/// Deployments by id.
pub(super) type Deployments = HashMap<String, Arc<Deployment>>;

impl Builder {
    /// The deployment of the API as it is now, which stages without a `deploymentId` serve.
    pub(super) fn current_deployment(
        &self,
        a: &RestApiConfig,
        path: &str,
        definition: Arc<ApiDefinition>,
        policy: Option<Arc<Policy>>,
        endpoint_type: EndpointType,
    ) -> Result<Arc<Deployment>, ConfigError> {
        let served = a.stages.iter().any(|s| s.deployment_id.is_none());
        // CreateDeployment's own refusal (decision 6 in the README).
        self.private_policy_present(
            endpoint_type,
            policy.as_ref(),
            served,
            path,
            "a PRIVATE API cannot be deployed without one; add \"policy\" or remove \"stages\"",
        )?;
        Ok(Arc::new(Deployment {
            id: crate::aws::ids::current_deployment_id(&a.id),
            definition,
            policy,
        }))
    }

    /// An API's deployments by id: each frozen body imported, each frozen policy parsed.
    pub(super) fn deployments(
        &self,
        a: &RestApiConfig,
        path: &str,
        scope: &PolicyScope,
        endpoint_type: EndpointType,
    ) -> Result<Deployments, ConfigError> {
        let mut out = HashMap::new();
        for (k, d) in a.deployments.iter().enumerate() {
            let at = format!("{path}.deployments[{k}]");
            if d.id.is_empty() {
                return Err(self.err(format!("{at}.id"), "expected a deployment id"));
            }
            if out.contains_key(&d.id) {
                return Err(self.err(
                    format!("{at}.id"),
                    format!("deployment {:?} is defined twice", d.id),
                ));
            }
            let deployment = self.deployment(a, d, &at, scope, endpoint_type)?;
            out.insert(d.id.clone(), Arc::new(deployment));
        }
        Ok(out)
    }

    fn deployment(
        &self,
        a: &RestApiConfig,
        d: &DeploymentConfig,
        at: &str,
        scope: &PolicyScope,
        endpoint_type: EndpointType,
    ) -> Result<Deployment, ConfigError> {
        let body_at = format!("{at}.body");
        let doc = self.definition_document(&d.body, &body_at)?;
        let used = a
            .stages
            .iter()
            .any(|s| s.deployment_id.as_deref() == Some(d.id.as_str()));
        // A snapshot no stage serves would only repeat the current body's warnings.
        let resolved =
            self.keeping_warnings_if(used, || self.import_document(&doc, None, &body_at))?;
        let policy =
            self.resource_policy(d.policy.as_ref(), resolved.policy.as_ref(), at, scope)?;
        self.private_policy_present(
            endpoint_type,
            policy.as_ref(),
            used,
            at,
            "a stage of a PRIVATE API cannot serve a deployment without one",
        )?;
        Ok(Deployment {
            id: d.id.clone(),
            definition: resolved.api,
            policy,
        })
    }

    /// A PRIVATE API's deployment that a stage serves needs a resource policy: refused at
    /// `{owner}.policy`, and `why` says what could not be done without one.
    fn private_policy_present(
        &self,
        endpoint_type: EndpointType,
        policy: Option<&Arc<Policy>>,
        served: bool,
        owner: &str,
        why: &str,
    ) -> Result<(), ConfigError> {
        if endpoint_type == EndpointType::Private && policy.is_none() && served {
            return Err(self.err(
                format!("{owner}.policy"),
                format!("Private REST API doesn't have a resource policy attached to it ({why})"),
            ));
        }
        Ok(())
    }

    /// The API's stages by name, each serving the current deployment or the one it names.
    pub(super) fn stages(
        &self,
        a: &RestApiConfig,
        path: &str,
        current: &Arc<Deployment>,
        deployments: &Deployments,
    ) -> Result<BTreeMap<String, Arc<Stage>>, ConfigError> {
        let mut stages = BTreeMap::new();
        for (j, s) in a.stages.iter().enumerate() {
            let spath = format!("{path}.stages[{j}]");
            self.stage_name(&s.stage_name, &spath)?;
            if stages.contains_key(&s.stage_name) {
                return Err(self.err(
                    format!("{spath}.stageName"),
                    format!("stage {:?} is defined twice", s.stage_name),
                ));
            }
            let deployment = match &s.deployment_id {
                None => current.clone(),
                Some(id) => deployments.get(id).cloned().ok_or_else(|| {
                    self.err(
                        format!("{spath}.deploymentId"),
                        format!("{id:?} is not the id of one of {path}.deployments"),
                    )
                })?,
            };
            let stage = Stage {
                name: s.stage_name.clone(),
                variables: self.stage_variables(s, &spath)?,
                access_log: self.access_log(s, &spath)?,
                deployment,
            };
            stages.insert(s.stage_name.clone(), Arc::new(stage));
        }
        Ok(stages)
    }

    fn stage_name(&self, name: &str, spath: &str) -> Result<(), ConfigError> {
        let valid = !name.is_empty()
            && name.len() <= 128
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(self.err(
                format!("{spath}.stageName"),
                format!("expected letters, digits, '-' and '_' (at most 128), found {name:?}"),
            ));
        }
        Ok(())
    }

    fn stage_variables(
        &self,
        stage: &StageConfig,
        path: &str,
    ) -> Result<BTreeMap<String, String>, ConfigError> {
        for (name, value) in &stage.variables {
            let at = document::child_path(&format!("{path}.variables"), name);
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(self.err(
                    at,
                    "Stage variable names must be alphanumeric or underscore",
                ));
            }
            let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#&=,".contains(c);
            if value.is_empty() || value.len() > 512 || !value.chars().all(allowed) {
                return Err(self.err(
                    at,
                    "Stage variable values must be 1 to 512 characters of letters, digits and -._~:/?#&=,",
                ));
            }
        }
        Ok(stage.variables.clone())
    }

    fn access_log(
        &self,
        stage: &StageConfig,
        path: &str,
    ) -> Result<Option<AccessLogSettings>, ConfigError> {
        let Some(settings) = &stage.access_log_settings else {
            return Ok(None);
        };
        // UpdateStage's own check.
        if !settings.format.contains("$context.requestId")
            && !settings.format.contains("$context.extendedRequestId")
        {
            return Err(self.err(
                format!("{path}.accessLogSettings.format"),
                "Access Log format must contain either $context.requestId or $context.extendedRequestId",
            ));
        }
        let destination = match settings.destination.as_deref() {
            None | Some("stdout") => AccessLogDestination::Stdout,
            Some("") => {
                return Err(self.err(
                    format!("{path}.accessLogSettings.destination"),
                    "expected \"stdout\" or a file path",
                ))
            }
            Some(file) => AccessLogDestination::File(self.scenario_file(file)),
        };
        Ok(Some(AccessLogSettings {
            format: settings.format.clone(),
            destination,
        }))
    }
}
