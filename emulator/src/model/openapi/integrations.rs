//! `x-amazon-apigateway-integration` to an integration: the settings read key by key (each
//! checked as API Gateway checks it), then the integration type decides which apply and what
//! is required (`MOCK`; `HTTP`/`HTTP_PROXY` with an http(s) URI and a method; `AWS_PROXY` with a
//! Lambda invocation URI). `AWS` service integrations are accepted and reported, not emulated.

use serde_json::Value;

use crate::model::api::{
    HttpIntegration, Integration, IntegrationResponse, LambdaProxyIntegration, MappingTemplate,
    MockIntegration, PassthroughBehavior, Templates,
};
use crate::scenario::document::{child_path, DocumentError};

use super::mappings::{check_request_mapping, parameter_mappings};
use super::values::{object, string};
use super::{Importer, DEFAULT_TIMEOUT_MILLIS};

/// An integration's settings as read, before its type says which of them it uses.
struct Settings {
    uri: Option<String>,
    backend_method: Option<String>,
    passthrough: PassthroughBehavior,
    request_parameters: Vec<(String, String)>,
    request_templates: Templates,
    responses: Vec<IntegrationResponse>,
    timeout_millis: u64,
    insecure: bool,
}

impl Importer {
    pub(super) fn integration(
        &mut self,
        http_method: &str,
        value: &Value,
        path: &str,
    ) -> Result<Integration, DocumentError> {
        let spec = object(value, path)?;
        let kind_path = child_path(path, "type");
        let kind = integration_type(spec.get("type"), &kind_path)?;
        let mut settings = Settings {
            uri: None,
            backend_method: None,
            passthrough: PassthroughBehavior::WhenNoMatch,
            request_parameters: Vec::new(),
            request_templates: Templates::new(),
            responses: Vec::new(),
            timeout_millis: DEFAULT_TIMEOUT_MILLIS,
            insecure: false,
        };
        for (key, v) in spec {
            self.integration_key(&mut settings, key, v, child_path(path, key))?;
        }
        match kind.as_str() {
            "MOCK" => Ok(Integration::Mock(MockIntegration {
                request_templates: settings.request_templates,
                passthrough_behavior: settings.passthrough,
                responses: settings.responses,
            })),
            "HTTP" | "HTTP_PROXY" => self.http_integration(&kind, settings, path),
            "AWS_PROXY" => self.lambda_proxy_integration(&kind, settings, path),
            "AWS" => {
                self.warn(
                    kind_path,
                    format!("AWS service integrations are not emulated: {http_method} answers 500"),
                );
                Ok(Integration::Unsupported(
                    "an AWS service integration".to_string(),
                ))
            }
            other => Err(DocumentError::new(
                kind_path,
                format!(
                    "expected mock, http, http_proxy, aws_proxy or aws, found {:?}",
                    other.to_ascii_lowercase()
                ),
            )),
        }
    }

    /// Reads one key of the integration object into `settings`.
    fn integration_key(
        &mut self,
        settings: &mut Settings,
        key: &str,
        v: &Value,
        p: String,
    ) -> Result<(), DocumentError> {
        match key {
            "type" => {}
            "uri" => settings.uri = Some(string(v, &p)?.to_string()),
            "httpMethod" => settings.backend_method = Some(string(v, &p)?.to_ascii_uppercase()),
            "passthroughBehavior" => settings.passthrough = passthrough_behavior(v, &p)?,
            "requestParameters" => {
                settings.request_parameters = parameter_mappings(v, &p, check_request_mapping)?
            }
            "requestTemplates" => settings.request_templates = templates(v, &p)?,
            "responses" => settings.responses = self.integration_responses(v, &p)?,
            "timeoutInMillis" => settings.timeout_millis = timeout_millis(v, &p)?,
            "tlsConfig" => settings.insecure = self.insecure_skip_verification(v, &p)?,
            "connectionType" if v.as_str() == Some("VPC_LINK") => self.warn(
                p,
                "VPC links are not emulated: the integration URI is called directly",
            ),
            "contentHandling" => self.warn(
                p,
                "contentHandling conversions are not emulated: bodies pass unchanged",
            ),
            "connectionType" | "connectionId" | "credentials" | "cacheKeyParameters"
            | "cacheNamespace" | "description" | "integrationSubtype" => {}
            _ => self.warn(p, "unknown integration key, ignored"),
        }
        Ok(())
    }

    /// `responses`: the integration responses by selection pattern.
    fn integration_responses(
        &mut self,
        v: &Value,
        p: &str,
    ) -> Result<Vec<IntegrationResponse>, DocumentError> {
        let mut responses = Vec::new();
        for (pattern, response) in object(v, p)? {
            let rp = child_path(p, pattern);
            responses.push(self.integration_response(pattern, response, &rp)?);
        }
        Ok(responses)
    }

    /// `tlsConfig`: only `insecureSkipVerification` is emulated.
    fn insecure_skip_verification(&mut self, v: &Value, p: &str) -> Result<bool, DocumentError> {
        let mut insecure = false;
        for (k, tv) in object(v, p)? {
            match k.as_str() {
                "insecureSkipVerification" => insecure = tv == &Value::Bool(true),
                _ => self.warn(child_path(p, k), "not emulated, ignored"),
            }
        }
        Ok(insecure)
    }

    fn http_integration(
        &mut self,
        kind: &str,
        settings: Settings,
        path: &str,
    ) -> Result<Integration, DocumentError> {
        let uri_path = child_path(path, "uri");
        let uri = need_uri(settings.uri, kind, &uri_path)?;
        let lower = uri.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(DocumentError::new(
                &uri_path,
                format!("Invalid HTTP endpoint specified for URI: expected http:// or https://, found {uri:?}"),
            ));
        }
        let proxy = kind == "HTTP_PROXY";
        if proxy && !settings.request_templates.is_empty() {
            self.warn(
                child_path(path, "requestTemplates"),
                "HTTP_PROXY passes the request through; templates are not applied",
            );
        }
        let http_method = settings.backend_method.ok_or_else(|| {
            DocumentError::new(
                child_path(path, "httpMethod"),
                format!("a {kind} integration needs httpMethod"),
            )
        })?;
        Ok(Integration::Http(HttpIntegration {
            proxy,
            http_method,
            uri,
            request_parameters: settings.request_parameters,
            request_templates: settings.request_templates,
            passthrough_behavior: settings.passthrough,
            responses: settings.responses,
            timeout_millis: settings.timeout_millis,
            insecure_skip_verification: settings.insecure,
        }))
    }

    fn lambda_proxy_integration(
        &mut self,
        kind: &str,
        settings: Settings,
        path: &str,
    ) -> Result<Integration, DocumentError> {
        let uri_path = child_path(path, "uri");
        let uri = need_uri(settings.uri, kind, &uri_path)?;
        if !uri.contains(":lambda:path/") || !uri.ends_with("/invocations") {
            return Err(DocumentError::new(
                &uri_path,
                format!("expected a Lambda invocation URI (arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations), found {uri:?}"),
            ));
        }
        if settings
            .backend_method
            .as_deref()
            .is_some_and(|m| m != "POST")
        {
            self.warn(
                child_path(path, "httpMethod"),
                "Lambda is invoked with POST; API Gateway fails other methods at run time",
            );
        }
        Ok(Integration::LambdaProxy(LambdaProxyIntegration {
            uri,
            timeout_millis: settings.timeout_millis,
        }))
    }
}

/// `type`, upper-cased as API Gateway's model spells it (`HTTP_PROXY`).
fn integration_type(value: Option<&Value>, kind_path: &str) -> Result<String, DocumentError> {
    let value = value.ok_or_else(|| {
        DocumentError::new(
            kind_path,
            "expected the integration type (mock, http, http_proxy, aws_proxy)",
        )
    })?;
    Ok(string(value, kind_path)?.to_ascii_uppercase())
}

fn need_uri(uri: Option<String>, kind: &str, uri_path: &str) -> Result<String, DocumentError> {
    uri.ok_or_else(|| DocumentError::new(uri_path, format!("a {kind} integration needs a uri")))
}

fn passthrough_behavior(v: &Value, p: &str) -> Result<PassthroughBehavior, DocumentError> {
    match string(v, p)?.to_ascii_lowercase().as_str() {
        "when_no_match" => Ok(PassthroughBehavior::WhenNoMatch),
        "when_no_templates" => Ok(PassthroughBehavior::WhenNoTemplates),
        "never" => Ok(PassthroughBehavior::Never),
        other => Err(DocumentError::new(
            p,
            format!("expected when_no_match, when_no_templates or never, found {other:?}"),
        )),
    }
}

fn timeout_millis(v: &Value, p: &str) -> Result<u64, DocumentError> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .filter(|t| (50..=300_000).contains(t))
        .ok_or_else(|| {
            DocumentError::new(
                p,
                "expected a timeout between 50 and 29000 milliseconds (up to 300000 with a quota increase)",
            )
        })
}

/// `requestTemplates` or `responseTemplates`: content type to a template that must parse.
pub(super) fn templates(v: &Value, path: &str) -> Result<Templates, DocumentError> {
    let mut out = Templates::new();
    for (content_type, text) in object(v, path)? {
        let p = child_path(path, content_type);
        let text = string(text, &p)?;
        let template = MappingTemplate::parse(text).map_err(|e| {
            DocumentError::new(&p, format!("the mapping template does not parse: {e}"))
        })?;
        out.insert(content_type.clone(), template);
    }
    Ok(out)
}
