//! What a dry run says it would call: the integration's type, the method and URI it would
//! send, or the Lambda function and the local stand-in that would run it.

use crate::dataplane::gateway::WouldCall;
use crate::model::api::Integration;
use crate::model::topology::{LambdaFunction, Settings};

/// One sentence: `HTTP_PROXY POST http://…`, `AWS_PROXY: Lambda function … (the local
/// command …)`.
pub(super) fn describe(would: &WouldCall, settings: &Settings) -> String {
    let mut out = match &would.integration {
        Integration::Http(spec) => {
            let method = if spec.http_method == "ANY" {
                would.request_method.as_str()
            } else {
                spec.http_method.as_str()
            };
            format!(
                "{} {method} {}",
                if spec.proxy { "HTTP_PROXY" } else { "HTTP" },
                with_stage_variables(&spec.uri, would)
            )
        }
        Integration::LambdaProxy(spec) => {
            let uri = with_stage_variables(&spec.uri, would);
            let arn = function_arn(&uri).unwrap_or(&uri);
            format!(
                "AWS_PROXY: Lambda function {arn} ({})",
                stand_in(settings, arn)
            )
        }
        // A dry run stops only before integrations that call out.
        Integration::Mock(_) => "MOCK".to_string(),
        Integration::Unsupported(what) => what.clone(),
    };
    if !would.path_parameters.is_empty() {
        let pairs: Vec<String> = would
            .path_parameters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        out.push_str(&format!(", path parameters {}", pairs.join(", ")));
    }
    out
}

/// `${stageVariables.name}` filled from the stage, as the integration fills it.
fn with_stage_variables(text: &str, would: &WouldCall) -> String {
    let mut out = text.to_string();
    for (name, value) in &would.stage_variables {
        out = out.replace(&format!("${{stageVariables.{name}}}"), value);
    }
    out
}

/// The function ARN inside `…/functions/<ARN>/invocations`.
fn function_arn(uri: &str) -> Option<&str> {
    let start = uri.find("/functions/")? + "/functions/".len();
    uri[start..].strip_suffix("/invocations")
}

/// What runs the function here, found as the Lambda integration finds it: by the whole ARN,
/// `name:qualifier`, or the name.
fn stand_in(settings: &Settings, arn: &str) -> String {
    let functions = &settings.lambda_functions;
    let after = arn.split(":function:").nth(1).unwrap_or(arn);
    let name = after.split(':').next().unwrap_or(after);
    match functions
        .get(arn)
        .or_else(|| functions.get(after))
        .or_else(|| functions.get(name))
    {
        Some(LambdaFunction::Command(argv)) => format!("the local command {}", argv.join(" ")),
        Some(LambdaFunction::Endpoint(url)) => format!("the Runtime Interface Emulator at {url}"),
        None => format!(
            "no local stand-in: emulator.integrations.lambdaFunctions has no {name:?}, so it would answer 500"
        ),
    }
}
