//! The `Builder` that validates a [`Config`] into a [`Topology`]: it names every error by the
//! scenario's JSON path (through the scenario's path aliases), collects the warnings API
//! definitions raise, and validates the parts in the order their references need. The parts
//! themselves are validated in the sibling modules, each adding methods to `Builder`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::Value;

use crate::aws::names::{self, Region};
use crate::scenario::config::{self, Config, ConfigError, ConfigOrigin};
use crate::scenario::document::{self, DocumentError};

use super::Topology;

pub(super) struct Builder {
    origin: ConfigOrigin,
    aliases: Vec<(String, String)>,
    base_dir: PathBuf,
    /// A `RefCell` so that validation, which only reads the builder otherwise, can borrow it
    /// shared throughout.
    warnings: RefCell<Vec<ConfigError>>,
}

impl Builder {
    pub(super) fn new(config: &Config) -> Builder {
        Builder {
            origin: config.origin(),
            aliases: config.path_aliases.clone(),
            base_dir: config.base_dir(),
            warnings: RefCell::new(Vec::new()),
        }
    }

    /// An error at a path of the scenario, as the user wrote it (aliases undone).
    pub(super) fn err(&self, path: impl Into<String>, message: impl Into<String>) -> ConfigError {
        let path = config::alias_path(&self.aliases, &path.into());
        ConfigError::new(&self.origin, path, message)
    }

    /// "`id` is defined twice", at `path`.
    pub(super) fn defined_twice(&self, path: impl Into<String>, id: &str) -> ConfigError {
        self.err(path, format!("{id} is defined twice"))
    }

    /// "`id` is not one of the scenario's `kind`" (`vpcs`, `securityGroups`), at `path`.
    pub(super) fn not_in_scenario(
        &self,
        path: impl Into<String>,
        id: &str,
        kind: &str,
    ) -> ConfigError {
        self.err(path, format!("{id} is not one of the scenario's {kind}"))
    }

    /// `text` parsed, or "`expected`, found `text`" at `path`.
    pub(super) fn parsed<T: FromStr>(
        &self,
        text: &str,
        path: impl Into<String>,
        expected: &str,
    ) -> Result<T, ConfigError> {
        text.parse()
            .map_err(|_| self.err(path, format!("{expected}, found {text:?}")))
    }

    /// Checks an EC2 id: `<prefix>-` and 8 or 17 hexadecimal digits.
    pub(super) fn resource_id(
        &self,
        id: &str,
        prefix: &str,
        path: impl Into<String>,
    ) -> Result<(), ConfigError> {
        if names::is_resource_id(id, prefix) {
            return Ok(());
        }
        Err(self.err(
            path,
            format!("expected \"{prefix}-\" and 8 or 17 hexadecimal digits, found {id:?}"),
        ))
    }

    /// Where an error inside an API definition document is reported: the document's own file
    /// for `bodyFile`, else the scenario at `at` (such as `$.restApis[i].body`).
    pub(super) fn document_error(
        &self,
        file: Option<&Path>,
        at: &str,
        e: DocumentError,
    ) -> ConfigError {
        match file {
            Some(f) => ConfigError::new(&ConfigOrigin::File(f.to_path_buf()), e.path, e.message),
            None => self.err(document::join_path(at, &e.path), e.message),
        }
    }

    /// Records something the scenario asks for that is accepted but not emulated.
    pub(super) fn warn(&self, warning: ConfigError) {
        self.warnings.borrow_mut().push(warning);
    }

    /// Runs `f`, keeping the warnings it records only when `keep`.
    pub(super) fn keeping_warnings_if<T>(&self, keep: bool, f: impl FnOnce() -> T) -> T {
        let before = self.warnings.borrow().len();
        let out = f();
        if !keep {
            self.warnings.borrow_mut().truncate(before);
        }
        out
    }

    /// A file the scenario names: like every path in it, relative to the scenario file.
    pub(super) fn scenario_file(&self, file: impl AsRef<Path>) -> PathBuf {
        self.base_dir.join(file)
    }

    /// Validates the parts, each after those it refers to, and assembles them.
    pub(super) fn build(&self, config: &Config) -> Result<Topology, ConfigError> {
        let region = self.region(config)?;
        self.account_id(config)?;
        let vpcs = self.vpcs(config, &region)?;
        let security_groups = self.security_groups(config, &vpcs)?;
        let vpc_endpoints = self.endpoints(config, &region, &vpcs, &security_groups)?;
        let rest_apis = self.rest_apis(config, &region)?;
        let client_networks = self.client_networks(config, &vpcs, &security_groups)?;
        let mut index = self.endpoint_index(&vpc_endpoints)?;
        let public_addresses =
            self.public_addresses(config, &rest_apis, &index.frontend_by_address)?;
        for address in &public_addresses {
            index.frontend_by_address.insert(*address, None);
        }
        let settings = self.settings(config)?;
        Ok(Topology {
            dns_zones: vec![region.vpce_zone(), region.api_zone()],
            api_host_suffix: format!(".{}", region.api_zone()),
            region,
            account_id: config.account_id.clone(),
            vpcs,
            vpc_endpoints,
            rest_api_by_id: rest_apis
                .iter()
                .map(|(id, api)| (id.clone(), api.clone()))
                .collect(),
            rest_apis,
            settings,
            origin: self.origin.clone(),
            security_groups,
            client_networks,
            public_addresses,
            warnings: self.warnings.take(),
            frontend_by_address: index.frontend_by_address,
            private_dns_by_vpc: index.private_dns_by_vpc,
            dns_names: index.dns_names,
        })
    }

    fn region(&self, config: &Config) -> Result<Region, ConfigError> {
        Region::parse(&config.region).ok_or_else(|| {
            self.err(
                "$.region",
                format!(
                    "expected a Region name such as \"us-east-1\", found {:?}",
                    config.region
                ),
            )
        })
    }

    fn account_id(&self, config: &Config) -> Result<(), ConfigError> {
        let id = &config.account_id;
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err("$.accountId", format!("expected 12 digits, found {id:?}")));
        }
        Ok(())
    }
}

/// A JSON value given inline, or as a string of its text (as AWS returns policies and bodies).
pub(super) fn inline_or_text<'v>(
    value: &'v Value,
    parse: impl FnOnce(&str) -> Result<Value, ConfigError>,
) -> Result<Cow<'v, Value>, ConfigError> {
    match value {
        Value::String(text) => Ok(Cow::Owned(parse(text)?)),
        other => Ok(Cow::Borrowed(other)),
    }
}
