//! Mapping templates: the subset of Apache Velocity (VTL 1.7) that Amazon API Gateway REST APIs
//! use, with API Gateway's `$input`, `$util`, `$context` and `$stageVariables`.
//!
//! [`Template::parse`] turns a template into a tree once; [`Template::render`] evaluates it
//! against a request ([`RenderInput`]) as often as needed. [`Template::render_with_overrides`]
//! also reports what the template set in `$context.responseOverride`, and
//! [`Template::context_use`] says which `$context` keys it can read, so that a caller builds
//! only those.
//!
//! ```
//! use apigw_vtl::{RenderInput, Template};
//! use serde_json::json;
//!
//! let template = Template::parse(
//!     r#"#set($name = $input.path('$.pet.name'))
//! {"stage": "$context.stage", "id": "$input.params('id')", "name": "$util.escapeJavaScript($name)"}"#,
//! )?;
//! assert!(template.context_use().reads("stage"));
//! assert!(!template.context_use().reads("requestId"));
//!
//! let context = json!({"stage": "prod"});
//! let stage_variables = json!({});
//! let out = template.render(&RenderInput {
//!     context: &context,
//!     stage_variables: &stage_variables,
//!     body: r#"{"pet": {"name": "Rex \"the dog\""}}"#,
//!     path_params: &[("id".to_string(), "42".to_string())],
//!     query_params: &[],
//!     headers: &[],
//! })?;
//! assert_eq!(out, r#"{"stage": "prod", "id": "42", "name": "Rex \"the dog\""}"#);
//!
//! let rendered = Template::parse("#set($context.responseOverride.status = 404)gone")?
//!     .render_with_overrides(&RenderInput {
//!         context: &context,
//!         stage_variables: &stage_variables,
//!         body: "",
//!         path_params: &[],
//!         query_params: &[],
//!         headers: &[],
//!     })?;
//! assert_eq!((rendered.text.as_str(), rendered.status_override), ("gone", Some(404)));
//!
//! let err = Template::parse("ok\n  #macro(x)#end").unwrap_err();
//! assert_eq!((err.line, err.column), (2, 3));
//! # Ok::<(), apigw_vtl::VtlError>(())
//! ```
//!
//! # Velocity
//!
//! - Directives: `#set`, `#if`/`#elseif`/`#else`/`#end`, `#foreach` (with `$foreach.index`,
//!   `.count`, `.hasNext`, `.first`, `.last`, and Velocity 1.x's `$velocityCount` and
//!   `$velocityHasNext`), `#break`, `#stop`; each also braced (`#{else}`). A line holding only
//!   directives and comments leaves nothing in the output, not even its indentation and line end.
//! - Comments `## …` and `#* … *#`. A `#` that starts no directive (`#fff`, `# heading`) is text.
//! - References `$x`, `${x}`, quiet `$!x` and `$!{x}`, with properties, indices (`$a[0]`,
//!   `$m['k']`) and method calls; a `-` inside a name is part of it (`$a-b`), as in Velocity 1.7.
//!   An undefined reference prints as its own source text, a quiet one as nothing. `\$x` and
//!   `\#if` print the reference or directive as written; other backslashes are text.
//! - Literals: strings in single quotes (as written) or double quotes (interpolating references
//!   and directives), a doubled quote standing for one and backslashes kept as written; integers
//!   (`i64`), decimals, `true`, `false`, `null`, lists `[a, b]`, ranges `[1..n]` (counting down
//!   when `n < 1`) and maps `{"k": v}`.
//! - Operators, loosest first: `||`/`or`, `&&`/`and`, `==` `!=` `eq` `ne`, `<` `<=` `>` `>=` `lt`
//!   `le` `gt` `ge`, `+` `-`, `*` `/` `%`, and the unary `!`/`not` and `-`. Integer arithmetic is
//!   Java's (`7 / 2` is `3`) until it overflows into a decimal; division by zero is `null`; `+`
//!   with a string on either side concatenates.
//! - Values are [`serde_json::Value`]s and print as Java's `toString` would (`{k=v}`, `[a, b]`).
//!   `null` and `false` are false, everything else true.
//! - Methods: on strings `length`, `size`, `isEmpty`, `contains`, `startsWith`, `endsWith`,
//!   `equalsIgnoreCase`, `indexOf`, `lastIndexOf`, `substring`, `charAt` (indices in UTF-16 units,
//!   as Java counts), `toLowerCase`, `toUpperCase`, `trim`, `concat`, `replace`, `replaceAll`,
//!   `replaceFirst`, `matches`, `split`; on lists `size`, `isEmpty`, `get`, `contains`, `indexOf`,
//!   `add`, `remove`; on maps `size`, `isEmpty`, `get`, `containsKey`, `keySet`, `values`, `put`,
//!   `remove`, `putAll`; on anything `toString` and `equals`. An unknown method gives `null`.
//!
//! Not supported: `#macro`, `#include`, `#parse`, `#define` and `#evaluate` fail at parse time
//! (they are refused rather than printed); no other Java method is callable, and regular
//! expressions are those of the [`regex`] crate (no backreferences or look-around).
//!
//! # API Gateway's variables
//!
//! - `$input.body`; `$input.json(path)` (the JSON text at a JSONPath of the body) and
//!   `$input.path(path)` (the value there, for `.size()`, `#foreach` and the like); an empty body
//!   is `{}`. JSONPath: `$`, `.name`, `['name']`, `[0]`, `[-1]`, `[*]`, `.*`; recursive descent
//!   (`..`), filters and slices are errors.
//! - `$input.params()`: a map of `path`, `querystring` and `header` maps;
//!   `$input.params(name)`: the path parameter, else the query-string parameter, else the header
//!   (case-insensitively), else the empty string.
//! - `$util.escapeJavaScript`, `parseJson`, `urlEncode`, `urlDecode` (form encoding, as Java's
//!   `URLEncoder`), `base64Encode`, `base64Decode`; any other (`toJson`, …) is `null`.
//! - `$context` and `$stageVariables` are whatever JSON objects the caller passes (read in place,
//!   copied only when a template writes to them). `#set($context.responseOverride.status = …)` and
//!   `#set($context.responseOverride.header.Name = …)` are reported by
//!   [`Template::render_with_overrides`]; `requestOverride` is not.
//!
//! # Limits
//!
//! A render fails with a [`VtlError`] rather than hang or exhaust the process: 1,000,000
//! `#foreach` iterations in all (and no range as wide), 10 MB of output or in any one string, a
//! budget of 100,000,000 units of work on the values it copies and the strings it scans (a value
//! costs one unit, a string one more for every 16 bytes), values nested at most 128 deep, and
//! regular expressions of at most 1 MiB compiled. Parsing allows directives, expressions and
//! interpolated strings nested 32 deep together, which bounds the recursion of parsing and
//! rendering alike.

mod ast;
mod context_use;
mod error;
mod expr;
mod input;
mod jsonpath;
mod limits;
mod methods;
mod parser;
mod render;
mod tree;
mod util;
mod value;

#[cfg(test)]
mod tests;

use serde_json::Value;

pub use crate::context_use::ContextUse;
pub use crate::error::VtlError;

/// What a template can see.
#[derive(Debug, Clone, Copy)]
pub struct RenderInput<'a> {
    /// `$context.*`: a JSON object (nested objects for `identity.sourceIp` etc.).
    pub context: &'a Value,
    /// `$stageVariables.*`: a JSON object of strings.
    pub stage_variables: &'a Value,
    /// The raw request (or integration response) body, for `$input.body`, `$input.path`, `$input.json`.
    pub body: &'a str,
    /// Path parameters for `$input.params()`, name -> value.
    pub path_params: &'a [(String, String)],
    /// Query-string parameters for `$input.params()`, name -> value.
    pub query_params: &'a [(String, String)],
    /// Headers for `$input.params()`, name -> value (looked up case-insensitively).
    pub headers: &'a [(String, String)],
}

/// The result of a render: the text and what the template set in `$context.responseOverride`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The rendered text.
    pub text: String,
    /// `#set($context.responseOverride.status = ...)`, when it holds a valid status code.
    pub status_override: Option<u16>,
    /// `#set($context.responseOverride.header.Name = ...)`, in the order they were first set.
    pub header_overrides: Vec<(String, String)>,
}

/// A parsed template. Parsing fails on syntax the subset does not support, with a message naming
/// line and column.
#[derive(Debug, Clone)]
pub struct Template {
    nodes: Vec<ast::Node>,
    context_use: ContextUse,
    /// The source's length: what the output usually needs, reserved up front.
    output_hint: usize,
}

impl Template {
    /// Parses a mapping template.
    pub fn parse(source: &str) -> Result<Template, VtlError> {
        let nodes = parser::parse(source)?;
        let context_use = ContextUse::of(&nodes);
        Ok(Template {
            nodes,
            context_use,
            output_hint: source.len(),
        })
    }

    /// Which `$context` keys it reads; a [`RenderInput::context`] needs no others.
    pub fn context_use(&self) -> &ContextUse {
        &self.context_use
    }

    /// Renders the template; `$context.responseOverride` settings are dropped.
    pub fn render(&self, input: &RenderInput<'_>) -> Result<String, VtlError> {
        self.render_with_overrides(input).map(|r| r.text)
    }

    /// Renders the template and reports the `$context.responseOverride` settings it made.
    pub fn render_with_overrides(&self, input: &RenderInput<'_>) -> Result<Rendered, VtlError> {
        render::render(&self.nodes, input, self.output_hint)
    }
}
