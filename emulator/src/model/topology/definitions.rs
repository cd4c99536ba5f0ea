//! API definition documents: a bundled example, an inline `body` or a `bodyFile`, each imported
//! from OpenAPI into an [`ApiDefinition`], with the document's errors and warnings reported where
//! the document stands.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::aws::names::Region;
use crate::model::api::ApiDefinition;
use crate::model::openapi;
use crate::scenario::config::{ConfigError, RestApiConfig};
use crate::scenario::document;
use crate::scenario::examples;

use super::builder::{inline_or_text, Builder};

/// An API's definition and what its document says about the API itself.
pub(super) struct ResolvedDefinition {
    pub(super) api: Arc<ApiDefinition>,
    pub(super) title: Option<String>,
    pub(super) policy: Option<Value>,
    pub(super) vpc_endpoint_ids: Vec<String>,
}

/// Examples already imported, by name: APIs built from the same example share one definition,
/// so that 10 000 of them stay small.
pub(super) type ExamplesBuilt = HashMap<String, Arc<ResolvedDefinition>>;

impl Builder {
    /// The definition of one API at `path`: a bundled example, an inline `body` or a `bodyFile`.
    pub(super) fn definition(
        &self,
        a: &RestApiConfig,
        path: &str,
        region: &Region,
        examples_built: &mut ExamplesBuilt,
    ) -> Result<Option<Arc<ResolvedDefinition>>, ConfigError> {
        let resolved = match (&a.example, &a.body, &a.body_file) {
            (None, None, None) => return Ok(None),
            (Some(name), None, None) => {
                return self
                    .example_definition(name, path, region, examples_built)
                    .map(Some)
            }
            (None, Some(body), None) => {
                let at = format!("{path}.body");
                let doc = self.definition_document(body, &at)?;
                self.import_document(&doc, None, &at)?
            }
            (None, None, Some(file)) => self.body_file_definition(file, path)?,
            _ => {
                return Err(self.err(
                    path,
                    "expected at most one of \"example\", \"body\" and \"bodyFile\"",
                ))
            }
        };
        Ok(Some(Arc::new(resolved)))
    }

    /// A bundled example, imported once per scenario.
    fn example_definition(
        &self,
        name: &str,
        path: &str,
        region: &Region,
        examples_built: &mut ExamplesBuilt,
    ) -> Result<Arc<ResolvedDefinition>, ConfigError> {
        if let Some(built) = examples_built.get(name) {
            return Ok(built.clone());
        }
        let at = format!("{path}.example");
        let text = examples::example_document(name, region).ok_or_else(|| {
            self.err(
                &at,
                format!("expected one of {:?}, found {name:?}", examples::EXAMPLES),
            )
        })?;
        let doc = self.parse_document(&text, None, &at)?;
        let built = Arc::new(self.import_document(&doc, None, &at)?);
        examples_built.insert(name.to_string(), built.clone());
        Ok(built)
    }

    /// A `bodyFile`: its errors name the file and the path inside it.
    fn body_file_definition(
        &self,
        file: &str,
        path: &str,
    ) -> Result<ResolvedDefinition, ConfigError> {
        let full = self.scenario_file(file);
        let text = std::fs::read_to_string(&full).map_err(|e| {
            self.err(
                format!("{path}.bodyFile"),
                format!("cannot read {}: {e}", full.display()),
            )
        })?;
        let doc = self.parse_document(&text, Some(&full), "$")?;
        self.import_document(&doc, Some(&full), "$")
    }

    /// A definition document given inline, or as a string of its JSON or YAML text.
    pub(super) fn definition_document<'v>(
        &self,
        body: &'v Value,
        at: &str,
    ) -> Result<Cow<'v, Value>, ConfigError> {
        inline_or_text(body, |text| self.parse_document(text, None, at))
    }

    fn parse_document(
        &self,
        text: &str,
        file: Option<&Path>,
        at: &str,
    ) -> Result<Value, ConfigError> {
        document::parse(text).map_err(|e| self.document_error(file, at, e))
    }

    /// Imports an OpenAPI document, recording its warnings.
    pub(super) fn import_document(
        &self,
        doc: &Value,
        file: Option<&Path>,
        at: &str,
    ) -> Result<ResolvedDefinition, ConfigError> {
        let imported = openapi::import(doc).map_err(|e| self.document_error(file, at, e))?;
        for w in imported.warnings {
            self.warn(self.document_error(file, at, w));
        }
        Ok(ResolvedDefinition {
            api: Arc::new(imported.definition),
            title: imported.title,
            policy: imported.policy,
            vpc_endpoint_ids: imported.vpc_endpoint_ids,
        })
    }
}
