//! Step 5 of the gateway: the endpoint policy, then the API's resource policy, evaluated for
//! the method ARN with the condition keys API Gateway supplies, and AWS's denial sentence when
//! either does not allow the call.

use std::net::IpAddr;

use super::clock;
use super::refusal::{PolicyKind, Refusal};
use super::request::GatewayRequest;
use crate::model::topology::{Topology, VpcEndpoint};
use crate::scenario::config::DenialWording;
use iam_policy::{AuthzRequest, ConditionContext, Decision, Policy, Principal};

/// The method ARN a request invokes, as policies see it and as denial messages show it.
pub(super) struct MethodTarget<'a> {
    pub(super) arn: String,
    /// The API's ARN with the account masked; the method part follows as in `arn`.
    pub(super) masked_api_arn: &'a str,
    pub(super) api_arn_len: usize,
}

impl<'a> MethodTarget<'a> {
    /// `<api arn>/<stage>/<METHOD>/<path as requested, without its leading slash>`.
    pub(super) fn new(
        api_arn: &str,
        masked_api_arn: &'a str,
        stage: &str,
        method: &str,
        path_below_stage: &str,
    ) -> MethodTarget<'a> {
        let method_path = path_below_stage
            .strip_prefix('/')
            .unwrap_or(path_below_stage);
        let mut arn = String::with_capacity(
            api_arn.len() + stage.len() + method.len() + method_path.len() + 3,
        );
        for part in [api_arn, "/", stage, "/", method, "/", method_path] {
            arn.push_str(part);
        }
        MethodTarget {
            arn,
            masked_api_arn,
            api_arn_len: api_arn.len(),
        }
    }

    /// The ARN as a denial shows it, account masked (built only for a denial).
    pub(super) fn masked_arn(&self) -> String {
        format!("{}{}", self.masked_api_arn, &self.arn[self.api_arn_len..])
    }
}

/// AWS's denial sentence for a policy decision.
pub(super) fn denial_message(
    resource_arn: &str,
    decision: Decision,
    endpoint_policy: bool,
    wording: DenialWording,
) -> String {
    let base = format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: {resource_arn}");
    let (policy_kind, policy_kind_short) = if endpoint_policy {
        ("a VPC endpoint policy", "VPC endpoint policy")
    } else {
        ("a resource-based policy", "resource-based policy")
    };
    match (decision, wording) {
        (Decision::ExplicitDeny, DenialWording::Current) => {
            format!("{base} with an explicit deny in {policy_kind}")
        }
        (Decision::ExplicitDeny, DenialWording::Legacy) => format!("{base} with an explicit deny"),
        (_, DenialWording::Current) => {
            format!("{base} because no {policy_kind_short} allows the execute-api:Invoke action")
        }
        (_, DenialWording::Legacy) => base,
    }
}

/// The refusal for a PRIVATE API that has no resource policy: nothing allows the call.
pub(super) fn no_resource_policy(target: &MethodTarget<'_>, wording: DenialWording) -> Refusal {
    Refusal::NoResourcePolicy {
        message: denial_message(&target.masked_arn(), Decision::ImplicitDeny, false, wording),
    }
}

/// The condition keys API Gateway supplies for an anonymous call. Through a VPC endpoint:
/// `aws:SourceVpce`, `aws:SourceVpc`, `aws:VpcSourceIp`, and no `aws:SourceIp`; through the
/// public endpoint: `aws:SourceIp` only.
pub(super) fn condition_context(
    topology: &Topology,
    endpoint: Option<&VpcEndpoint>,
    client_address: IpAddr,
    request: &GatewayRequest,
    now: &clock::Now,
) -> ConditionContext {
    // Names in lower case, as the context stores them: no allocation for them.
    let mut c = ConditionContext::with_capacity(10);
    match endpoint {
        Some(endpoint) => {
            c.insert_static("aws:sourcevpce", endpoint.id.clone());
            c.insert_static("aws:sourcevpc", endpoint.vpc_id.clone());
            c.insert_static(
                "aws:vpcsourceip",
                crate::model::network::ip_text(client_address),
            );
        }
        None => c.insert_static(
            "aws:sourceip",
            crate::model::network::ip_text(client_address),
        ),
    }
    c.insert_static("aws:securetransport", "true");
    c.insert_static("aws:currenttime", now.texts.iso8601.clone());
    c.insert_static("aws:epochtime", now.texts.epoch_text.clone());
    c.insert_static("aws:principaltype", "Anonymous");
    c.insert_static("aws:requestedregion", topology.region.name.clone());
    if let Some(ua) = request.header("user-agent") {
        c.insert_static("aws:useragent", ua);
    }
    if let Some(referer) = request.header("referer") {
        c.insert_static("aws:referer", referer);
    }
    c
}

/// Evaluates one policy for the call; `Ok` with the (allowing) decision, else the refusal
/// with AWS's sentence. AWS never says which statement decided; the log does.
pub(super) fn authorize(
    policy: &Policy,
    kind: PolicyKind,
    target: &MethodTarget<'_>,
    context: &ConditionContext,
    wording: DenialWording,
) -> Result<Decision, Refusal> {
    let principal = Principal::Anonymous;
    let request = AuthzRequest {
        action: "execute-api:Invoke",
        resource: &target.arn,
        principal: &principal,
        context,
    };
    let evaluation = policy.evaluate(&request);
    if evaluation.decision == Decision::Allow {
        return Ok(Decision::Allow);
    }
    let statement = evaluation.deciding_statement.as_ref().map(|s| {
        s.sid
            .as_deref()
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{}", s.index))
    });
    let refusal = Refusal::PolicyDenied {
        policy: kind,
        decision: evaluation.decision,
        statement,
        message: denial_message(
            &target.masked_arn(),
            evaluation.decision,
            kind == PolicyKind::VpcEndpoint,
            wording,
        ),
    };
    let (_, trace) = policy.evaluate_with_trace(&request);
    tracing::info!(
        target: "apigw_emulator::policy",
        resource = %target.arn,
        decision = evaluation.decision.as_str(),
        trace = %serde_json::to_string(&trace).unwrap_or_default(),
        "{refusal}"
    );
    Err(refusal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denial_messages_use_aws_wording() {
        let arn = "arn:aws:execute-api:us-east-1:********9012:chw1a2q2xk/test/GET/";
        assert_eq!(
            denial_message(arn, Decision::ExplicitDeny, false, DenialWording::Current),
            format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn} with an explicit deny in a resource-based policy")
        );
        assert_eq!(
            denial_message(arn, Decision::ImplicitDeny, false, DenialWording::Current),
            format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn} because no resource-based policy allows the execute-api:Invoke action")
        );
        assert!(
            denial_message(arn, Decision::ExplicitDeny, false, DenialWording::Legacy)
                .ends_with("/GET/ with an explicit deny")
        );
        assert!(
            denial_message(arn, Decision::ExplicitDeny, true, DenialWording::Current)
                .ends_with("with an explicit deny in a VPC endpoint policy")
        );
    }
}
