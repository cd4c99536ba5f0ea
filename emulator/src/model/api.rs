//! The definition of a REST API as a deployment freezes it: the resource tree, each resource's
//! methods and each method's integration. Routing a request path to a method lives here too,
//! because it depends only on the tree.
//!
//! API Gateway matches a path segment by segment: a literal child wins over a `{param}` child,
//! which wins over a greedy `{proxy+}` child; a trailing `/` is ignored; methods match exactly,
//! then `ANY`.

use std::collections::BTreeMap;
use std::sync::Arc;

/// The resource tree of one deployment, and the API-wide settings its integrations need.
#[derive(Debug, Clone)]
pub struct ApiDefinition {
    root: Resource,
    /// Media types API Gateway treats as binary (`x-amazon-apigateway-binary-media-types`):
    /// Lambda proxy events carry such bodies base64-encoded.
    pub binary_media_types: Vec<String>,
}

/// One resource (`/`, `/pets`, `/pets/{petId}`) with its methods and children.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The template path, e.g. `/pets/{petId}`: what `$context.resourcePath` shows.
    pub path: String,
    /// A stable 6-character id (`$context.resourceId`), derived from the path.
    pub id: String,
    methods: BTreeMap<String, Arc<Method>>,
    literal_children: BTreeMap<String, Resource>,
    param_child: Option<(String, Box<Resource>)>,
    greedy_child: Option<(String, Box<Resource>)>,
}

/// A method on a resource.
#[derive(Debug, Clone)]
pub struct Method {
    /// `GET`, `POST`, ..., or `ANY`.
    pub http_method: String,
    /// What answers the method; `None` when the method has no integration yet, which API
    /// Gateway answers with 500 (its "No integration defined for method").
    pub integration: Option<Integration>,
}

/// The integration of a method, as `put-integration` describes it.
#[derive(Debug, Clone)]
pub enum Integration {
    /// `MOCK`: the request template picks a status code; nothing is called.
    Mock(MockIntegration),
    /// `HTTP` (non-proxy) and `HTTP_PROXY`: a backend is called over HTTP or HTTPS.
    Http(HttpIntegration),
    /// `AWS_PROXY` to Lambda: a local function receives the proxy event.
    LambdaProxy(LambdaProxyIntegration),
    /// A type the emulator does not run (e.g. `AWS` service integrations): the method answers
    /// 500 and the log says why. Import reports it as a warning.
    Unsupported(String),
}

/// How a request body without a matching request template is treated
/// (`passthroughBehavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PassthroughBehavior {
    /// Pass the body through when no template matches its content type (the default).
    #[default]
    WhenNoMatch,
    /// Pass through only when the integration has no templates at all; else 415.
    WhenNoTemplates,
    /// Never pass through: no matching template is 415.
    Never,
}

impl PassthroughBehavior {
    /// As API Gateway spells it (`WHEN_NO_MATCH`, `WHEN_NO_TEMPLATES`, `NEVER`).
    pub fn as_str(self) -> &'static str {
        match self {
            PassthroughBehavior::WhenNoMatch => "WHEN_NO_MATCH",
            PassthroughBehavior::WhenNoTemplates => "WHEN_NO_TEMPLATES",
            PassthroughBehavior::Never => "NEVER",
        }
    }
}

/// A mapping template (VTL), parsed at import so that syntax errors surface at start.
#[derive(Debug, Clone)]
pub struct MappingTemplate {
    /// The template as written.
    pub source: String,
    compiled: Arc<apigw_vtl::Template>,
    /// True when the template has no references or directives: it renders as written, and the
    /// request path skips the engine (MOCK's `{"statusCode": 200}` on every request).
    is_static: bool,
    /// For a constant template, the status a MOCK integration reads from it.
    static_mock_status: Option<u64>,
}

impl MappingTemplate {
    /// Parses a template.
    pub fn parse(source: &str) -> Result<MappingTemplate, apigw_vtl::VtlError> {
        let is_static = !source.contains(['$', '#', '\\']);
        Ok(MappingTemplate {
            source: source.to_string(),
            compiled: Arc::new(apigw_vtl::Template::parse(source)?),
            is_static,
            static_mock_status: is_static.then(|| mock_status(source.as_bytes())),
        })
    }

    /// For a constant template, the status a MOCK integration selects with it.
    pub fn static_mock_status(&self) -> Option<u64> {
        self.static_mock_status
    }

    /// The parsed template.
    pub fn template(&self) -> &apigw_vtl::Template {
        &self.compiled
    }

    /// The text, when the template renders as written.
    pub fn static_text(&self) -> Option<&str> {
        self.is_static.then_some(self.source.as_str())
    }
}

/// Templates by content type, e.g. `application/json`.
pub type Templates = BTreeMap<String, MappingTemplate>;

/// A MOCK integration.
#[derive(Debug, Clone)]
pub struct MockIntegration {
    /// Request templates by content type; the rendered template's `statusCode` selects the
    /// integration response.
    pub request_templates: Templates,
    /// Body handling when no template matches.
    pub passthrough_behavior: PassthroughBehavior,
    /// Integration responses.
    pub responses: Vec<IntegrationResponse>,
}

/// An HTTP or HTTP_PROXY integration.
#[derive(Debug, Clone)]
pub struct HttpIntegration {
    /// `HTTP_PROXY`: the request and the response pass through; no templates, no responses.
    pub proxy: bool,
    /// The method used towards the backend (`ANY` means the request's own method).
    pub http_method: String,
    /// The backend URI, with `{name}` placeholders filled from `integration.request.path.name`
    /// and `${stageVariables.name}` from the stage.
    pub uri: String,
    /// `integration.request.{path|querystring|header}.X` ← a source expression
    /// (`method.request.path.Y`, `'static'`, `stageVariables.Z`, `context.W`).
    pub request_parameters: Vec<(String, String)>,
    /// Request templates by content type (non-proxy only).
    pub request_templates: Templates,
    /// Body handling when no template matches.
    pub passthrough_behavior: PassthroughBehavior,
    /// Integration responses (non-proxy only).
    pub responses: Vec<IntegrationResponse>,
    /// API Gateway's default is 29 seconds.
    pub timeout_millis: u64,
    /// `tlsConfig.insecureSkipVerification`: accept any certificate from an HTTPS backend.
    pub insecure_skip_verification: bool,
}

/// An AWS_PROXY integration with a Lambda function.
#[derive(Debug, Clone)]
pub struct LambdaProxyIntegration {
    /// The integration URI, `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`,
    /// possibly with `${stageVariables.name}`.
    pub uri: String,
    /// API Gateway's default is 29 seconds.
    pub timeout_millis: u64,
}

/// One integration response: which backend answers it covers, and how it is mapped.
#[derive(Debug, Clone)]
pub struct IntegrationResponse {
    /// A regular expression matched against the backend status code; `None` is the default.
    pub selection_pattern: Option<String>,
    /// `selection_pattern` compiled to match the whole status, once, not per request; `None`
    /// for the default and for a pattern that does not compile (it never matches).
    pub selection_regex: Option<regex::Regex>,
    /// The status the client gets.
    pub status_code: u16,
    /// `method.response.header.X` ← a source expression (`'static'`,
    /// `integration.response.header.Y`, `integration.response.body.$.a`, ...).
    pub response_parameters: Vec<(String, String)>,
    /// Response templates by content type.
    pub response_templates: Templates,
}

impl IntegrationResponse {
    /// A pattern as `selection_regex` holds it: anchored at both ends.
    pub fn compile_selection_pattern(pattern: Option<&str>) -> Option<regex::Regex> {
        pattern
            .filter(|p| !p.is_empty())
            .and_then(|p| regex::Regex::new(&format!("^(?:{p})$")).ok())
    }
}

/// The outcome of routing a path and method.
#[derive(Debug)]
pub struct RouteMatch<'a> {
    /// The matched resource.
    pub resource: &'a Resource,
    /// The matched method (possibly `ANY`).
    pub method: &'a Arc<Method>,
    /// Path parameters, percent-decoded.
    pub path_parameters: Vec<(String, String)>,
}

impl Resource {
    fn new(path: String) -> Resource {
        Resource {
            id: crate::aws::ids::resource_id(&path),
            path,
            methods: BTreeMap::new(),
            literal_children: BTreeMap::new(),
            param_child: None,
            greedy_child: None,
        }
    }

    /// The methods defined on this resource, by HTTP method.
    pub fn methods(&self) -> impl Iterator<Item = (&str, &Arc<Method>)> {
        self.methods.iter().map(|(k, v)| (k.as_str(), v))
    }

    fn child_for_segment(&mut self, segment: &str) -> &mut Resource {
        let child_path = if self.path == "/" {
            format!("/{segment}")
        } else {
            format!("{}/{segment}", self.path)
        };
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
            let (_, child) = self
                .greedy_child
                .get_or_insert_with(|| (name.to_string(), Box::new(Resource::new(child_path))));
            child
        } else if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let (_, child) = self
                .param_child
                .get_or_insert_with(|| (name.to_string(), Box::new(Resource::new(child_path))));
            child
        } else {
            self.literal_children
                .entry(segment.to_string())
                .or_insert_with(|| Resource::new(child_path))
        }
    }

    fn find<'a>(
        &'a self,
        segments: &[&str],
        params: &mut Vec<(String, String)>,
    ) -> Option<&'a Resource> {
        let Some((first, rest)) = segments.split_first() else {
            return Some(self);
        };
        if let Some(child) = self.literal_children.get(*first) {
            if let Some(found) = child.find(rest, params) {
                return Some(found);
            }
        }
        if let Some((name, child)) = &self.param_child {
            if !first.is_empty() {
                let mark = params.len();
                params.push((name.clone(), crate::aws::percent::decode(first)));
                if let Some(found) = child.find(rest, params) {
                    return Some(found);
                }
                params.truncate(mark);
            }
        }
        if let Some((name, child)) = &self.greedy_child {
            params.push((
                name.clone(),
                crate::aws::percent::decode(&segments.join("/")),
            ));
            return Some(child);
        }
        None
    }
}

impl ApiDefinition {
    /// An API with only its root resource, as `create-rest-api` makes it.
    pub fn empty() -> ApiDefinition {
        ApiDefinition {
            root: Resource::new("/".to_string()),
            binary_media_types: Vec::new(),
        }
    }

    /// Whether a content type (parameters ignored) is one of the binary media types
    /// (`*/*` and `image/*` wildcards included).
    pub fn is_binary(&self, content_type: &str) -> bool {
        let wanted = content_type.split(';').next().unwrap_or("").trim();
        if wanted.is_empty() {
            return false;
        }
        self.binary_media_types.iter().any(|t| {
            let t = t.trim();
            t == "*/*"
                || t.eq_ignore_ascii_case(wanted)
                || t.strip_suffix("/*").is_some_and(|prefix| {
                    wanted
                        .split_once('/')
                        .is_some_and(|(major, _)| major.eq_ignore_ascii_case(prefix))
                })
        })
    }

    /// Adds an empty resource at `path` (and those on the way), as `create-resource` does.
    pub fn put_resource(&mut self, path: &str) {
        let mut node = &mut self.root;
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            node = node.child_for_segment(segment);
        }
    }

    /// Adds (or replaces) a method on the resource at `path` (e.g. `/pets/{petId}`), creating the
    /// resources on the way.
    pub fn put_method(&mut self, path: &str, method: Method) {
        let mut node = &mut self.root;
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            node = node.child_for_segment(segment);
        }
        node.methods
            .insert(method.http_method.clone(), Arc::new(method));
    }

    /// Every resource, root first, depth first.
    pub fn resources(&self) -> Vec<&Resource> {
        fn walk<'a>(r: &'a Resource, out: &mut Vec<&'a Resource>) {
            out.push(r);
            for c in r.literal_children.values() {
                walk(c, out);
            }
            if let Some((_, c)) = &r.param_child {
                walk(c, out);
            }
            if let Some((_, c)) = &r.greedy_child {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    /// Routes a resource path (the request path after the stage, e.g. `/pets/1`) and method.
    /// `None` means API Gateway's "Missing Authentication Token": no such resource, or no such
    /// method on it.
    pub fn route<'a>(&'a self, path: &str, http_method: &str) -> Option<RouteMatch<'a>> {
        let trimmed = path.strip_suffix('/').unwrap_or(path);
        let segments: Vec<&str> = trimmed.split('/').skip(1).collect();
        let mut path_parameters = Vec::new();
        let resource = self.root.find(&segments, &mut path_parameters)?;
        let method = resource
            .methods
            .get(http_method)
            .or_else(|| resource.methods.get("ANY"))?;
        Some(RouteMatch {
            resource,
            method,
            path_parameters,
        })
    }
}

/// `{"statusCode": 200}` → 200: what a MOCK's rendered request template (or passed-through
/// body) selects. Anything else is 200, as API Gateway defaults.
pub fn mock_status(body: &[u8]) -> u64 {
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
        .ok()
        .and_then(|v| {
            v.get("statusCode").and_then(|s| {
                s.as_u64()
                    .or_else(|| s.as_str().and_then(|x| x.parse().ok()))
            })
        })
        .unwrap_or(200)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock(method: &str) -> Method {
        Method {
            http_method: method.to_string(),
            integration: Some(Integration::Mock(MockIntegration {
                request_templates: BTreeMap::new(),
                passthrough_behavior: PassthroughBehavior::WhenNoMatch,
                responses: vec![],
            })),
        }
    }

    fn api() -> ApiDefinition {
        let mut a = ApiDefinition::empty();
        a.put_method("/", mock("GET"));
        a.put_method("/pets", mock("GET"));
        a.put_method("/pets", mock("POST"));
        a.put_method("/pets/{petId}", mock("GET"));
        a.put_method("/pets/mine", mock("GET"));
        a.put_method("/files/{proxy+}", mock("ANY"));
        a
    }

    #[test]
    fn routes_literal_before_parameter() {
        let a = api();
        let m = a.route("/pets/mine", "GET").unwrap();
        assert_eq!(m.resource.path, "/pets/mine");
        let m = a.route("/pets/7", "GET").unwrap();
        assert_eq!(m.resource.path, "/pets/{petId}");
        assert_eq!(
            m.path_parameters,
            vec![("petId".to_string(), "7".to_string())]
        );
    }

    #[test]
    fn ignores_a_trailing_slash_and_decodes_parameters() {
        let a = api();
        assert_eq!(a.route("/pets/", "GET").unwrap().resource.path, "/pets");
        assert_eq!(a.route("/", "GET").unwrap().resource.path, "/");
        assert_eq!(a.route("", "GET").unwrap().resource.path, "/");
        assert_eq!(
            a.route("/pets/a%20b", "GET").unwrap().path_parameters[0].1,
            "a b"
        );
    }

    #[test]
    fn greedy_parameters_take_the_rest_and_any_matches_every_method() {
        let a = api();
        let m = a.route("/files/a/b/c", "DELETE").unwrap();
        assert_eq!(m.resource.path, "/files/{proxy+}");
        assert_eq!(
            m.path_parameters[0],
            ("proxy".to_string(), "a/b/c".to_string())
        );
        assert!(
            a.route("/files", "GET").is_none(),
            "a greedy parameter needs one segment"
        );
    }

    #[test]
    fn unknown_resources_and_methods_do_not_route() {
        let a = api();
        assert!(a.route("/", "POST").is_none());
        assert!(a.route("/cats", "GET").is_none());
        assert!(a.route("/pets/1/toys", "GET").is_none());
        assert!(a.route("/pets//", "GET").is_none());
    }

    #[test]
    fn mock_status_reads_the_rendered_template() {
        assert_eq!(mock_status(br#"{"statusCode": 404}"#), 404);
        assert_eq!(mock_status(br#"{"statusCode": "201"}"#), 201);
        assert_eq!(mock_status(b"nope"), 200);
    }
}
