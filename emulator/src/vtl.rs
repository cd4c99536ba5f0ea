//! TEMPORARY stub of the VTL engine (replaced by the real module).
#![allow(missing_docs)]

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct VtlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug)]
pub struct Template {
    source: String,
}

pub struct RenderInput<'a> {
    pub context: &'a serde_json::Value,
    pub stage_variables: &'a serde_json::Value,
    pub body: &'a str,
    pub path_params: &'a [(String, String)],
    pub query_params: &'a [(String, String)],
    pub headers: &'a [(String, String)],
}

pub struct Rendered {
    pub text: String,
    pub status_override: Option<u16>,
    pub header_overrides: Vec<(String, String)>,
}

impl Template {
    pub fn parse(source: &str) -> Result<Template, VtlError> {
        Ok(Template {
            source: source.to_string(),
        })
    }
    pub fn render(&self, input: &RenderInput<'_>) -> Result<String, VtlError> {
        self.render_with_overrides(input).map(|r| r.text)
    }
    pub fn render_with_overrides(&self, input: &RenderInput<'_>) -> Result<Rendered, VtlError> {
        let mut text = self.source.clone();
        if let Some(stage) = input.context.get("stage").and_then(|s| s.as_str()) {
            text = text.replace("$context.stage", stage);
        }
        Ok(Rendered {
            text,
            status_override: None,
            header_overrides: Vec::new(),
        })
    }
}
