//! `apigw-emulator policy eval|validate`: IAM policies decided and checked as API Gateway
//! does, from files and command-line inputs.

use std::path::Path;
use std::process::ExitCode;

use iam_policy::{AuthzRequest, ConditionContext, Policy, PolicyScope, Principal};

use crate::{PolicyCommand, UsageError};

pub(crate) fn policy_command(command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Eval {
            policy,
            action,
            resource,
            principal,
            context,
        } => {
            let policy = read_policy(&policy, &scope_from_arn(&resource))?;
            let principal = principal_from(&principal)?;
            let context = context_from(context.as_deref())?;
            let request = AuthzRequest {
                action: &action,
                resource: &resource,
                principal: &principal,
                context: &context,
            };
            let (evaluation, trace) = policy.evaluate_with_trace(&request);
            let out = serde_json::json!({
                "decision": evaluation.decision,
                "decidingStatement": evaluation.deciding_statement,
                "trace": trace,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Validate { file, api_arn } => {
            let arn = api_arn.unwrap_or_else(|| {
                "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5".to_string()
            });
            read_policy(&file, &scope_from_arn(&arn))?;
            println!("{}: valid", file.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The scope a resource ARN gives policy shorthand: `arn:<partition>:execute-api:<region>:<account>:<api-id>/...`.
fn scope_from_arn(arn: &str) -> PolicyScope {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "execute-api", region, account, rest] => PolicyScope {
            partition: partition.to_string(),
            region: region.to_string(),
            account_id: account.to_string(),
            api_id: rest
                .split('/')
                .next()
                .map(str::to_string)
                .filter(|s| !s.is_empty()),
        },
        _ => PolicyScope {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            api_id: None,
        },
    }
}

fn read_policy(path: &Path, scope: &PolicyScope) -> anyhow::Result<Policy> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("{}: cannot read the file: {e}", path.display())))?;
    Policy::parse(&text, scope).map_err(|e| UsageError(format!("{}: {e}", path.display())).into())
}

fn principal_from(text: &str) -> anyhow::Result<Principal> {
    if text.eq_ignore_ascii_case("anonymous") || text == "*" {
        return Ok(Principal::Anonymous);
    }
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Principal::Aws {
            arn: format!("arn:aws:iam::{text}:root"),
            account_id: text.to_string(),
        });
    }
    match text.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "iam" | "sts", _, account, _] => Ok(Principal::Aws {
            arn: text.to_string(),
            account_id: account.to_string(),
        }),
        _ => Err(UsageError(format!(
            "--principal: expected anonymous, a 12-digit account id or an IAM ARN, found {text:?}"
        ))
        .into()),
    }
}

fn context_from(text: Option<&str>) -> anyhow::Result<ConditionContext> {
    let Some(text) = text else {
        return Ok(ConditionContext::new());
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| UsageError(format!("--context: not JSON: {e}")))?;
    Ok(ConditionContext::from_json(&value).map_err(|e| UsageError(format!("--context: {e}")))?)
}
