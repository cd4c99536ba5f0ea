//! Reading a template: its `Resources` (each given its physical id) and `Parameters` (the
//! given values, else the defaults), and the converter that turns the resources into a scenario.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::physical::{physical_ids, Physical};
use super::typed::Properties;
use super::TemplateOptions;
use crate::scenario::config::{Config, ConfigOrigin};
use crate::scenario::document::{child_path, type_name, DocumentError};

type Result<T> = std::result::Result<T, DocumentError>;

/// A template on its way to a scenario.
pub(super) struct Converter<'t> {
    pub(super) resources: &'t Map<String, Value>,
    pub(super) parameters: BTreeMap<String, Value>,
    pub(super) physical: BTreeMap<String, Physical>,
    pub(super) region: String,
    pub(super) account_id: String,
    pub(super) stack_name: String,
    pub(super) warnings: Vec<DocumentError>,
    /// Scenario path prefixes and the template paths they came from, for messages.
    pub(super) aliases: Vec<(String, String)>,
}

impl<'t> Converter<'t> {
    /// Reads a template's parameters and gives each of its resources a physical id.
    pub(super) fn new(
        template: &'t Value,
        stack_name: &str,
        options: &TemplateOptions,
    ) -> Result<Converter<'t>> {
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
        converter.physical = physical_ids(resources, stack_name)?;
        Ok(converter)
    }

    /// The scenario the resources describe; what it leaves out is in `warnings`.
    pub(super) fn scenario(&mut self, origin: ConfigOrigin) -> Result<Config> {
        let vpcs = self.vpcs()?;
        let security_groups = self.security_groups()?;
        let vpc_endpoints = self.vpc_endpoints()?;
        let rest_apis = self.rest_apis()?;
        self.report_unused();
        Ok(Config {
            schema: None,
            region: self.region.clone(),
            account_id: self.account_id.clone(),
            vpcs,
            security_groups,
            vpc_endpoints,
            rest_apis,
            emulator: Default::default(),
            origin: Some(origin),
            path_aliases: std::mem::take(&mut self.aliases),
        })
    }

    fn parameters(
        &mut self,
        declared: Option<&Value>,
        given: &BTreeMap<String, String>,
    ) -> Result<()> {
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
            let value = parameter_value(name, spec, given.get(name))?;
            self.parameters.insert(name.clone(), value);
        }
        Ok(())
    }

    /// Records that scenario paths under `scenario_path` came from resource `logical`.
    pub(super) fn alias(&mut self, scenario_path: String, logical: &str) {
        self.aliases
            .push((scenario_path, child_path("$.Resources", logical)));
    }

    /// A resource's `Properties`, intrinsics resolved.
    pub(super) fn properties(&self, logical: &str) -> Result<Properties> {
        let path = format!("{}.Properties", child_path("$.Resources", logical));
        let empty = json!({});
        let raw = self.unresolved_properties(logical).unwrap_or(&empty);
        match self.resolve(raw, &path)? {
            Value::Object(m) => Ok(Properties::new(m, path)),
            other => Err(DocumentError::new(
                path,
                format!("expected an object, found {}", type_name(&other)),
            )),
        }
    }

    /// A resource's `Properties` as the template has them.
    pub(super) fn unresolved_properties(&self, logical: &str) -> Option<&'t Value> {
        self.resources.get(logical)?.get("Properties")
    }

    /// A resource's physical id (empty for a name that is no resource).
    pub(super) fn physical_id(&self, logical: &str) -> String {
        self.physical
            .get(logical)
            .map(|p| p.id.clone())
            .unwrap_or_default()
    }

    /// Logical and physical ids of the resources of one type, by logical id.
    pub(super) fn of_kind(&self, kind: &str) -> Vec<(String, String)> {
        self.physical
            .iter()
            .filter(|(_, p)| p.kind == kind)
            .map(|(l, p)| (l.clone(), p.id.clone()))
            .collect()
    }
}

/// A parameter's value: the one given, else its `Default`. Lists arrive as comma-separated
/// strings and numbers as strings, as CloudFormation hands them to resources.
fn parameter_value(name: &str, spec: &Value, given: Option<&String>) -> Result<Value> {
    let value = match (given, spec.get("Default")) {
        (Some(v), _) => Value::String(v.clone()),
        (None, Some(d)) => d.clone(),
        (None, None) => {
            return Err(DocumentError::new(
                child_path("$.Parameters", name),
                format!("the parameter has no Default: pass --parameter {name}=VALUE"),
            ))
        }
    };
    let is_list = spec
        .get("Type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.starts_with("List<") || t == "CommaDelimitedList");
    Ok(match (is_list, value) {
        (true, Value::String(s)) => Value::Array(
            s.split(',')
                .map(|x| Value::String(x.trim().to_string()))
                .collect(),
        ),
        (_, Value::Number(n)) => Value::String(n.to_string()),
        (_, v) => v,
    })
}
