//! Why the gateway refused or failed a request, as one typed value.
//!
//! A [`Refusal`] is both halves of a refusal: the answer the client gets ([`Refusal::error`],
//! byte for byte AWS's) and the reason AWS never gives, which the log line, the web console,
//! the access log and `explain` all render from the same value (its `Display` is the log's
//! sentence). `explain` chooses its fix by matching the variant, never the text.

use std::fmt;
use std::net::IpAddr;

use crate::model::topology::EndpointType;
use iam_policy::Decision;

use super::response::GatewayError;

/// Which of the two policies a request must pass decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// The VPC endpoint's policy (checked first).
    VpcEndpoint,
    /// The API's resource policy, as deployed to the stage.
    Resource,
}

impl PolicyKind {
    /// How the log names it.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::VpcEndpoint => "VPC endpoint policy",
            PolicyKind::Resource => "resource policy",
        }
    }
}

/// Why a request was not served, with the values involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The connection arrived on an address that is neither an endpoint's nor the public one.
    NothingServed {
        /// The local address.
        local: IpAddr,
    },
    /// On the public endpoint, the Host names no known API.
    NoApiForPublicHost {
        /// The Host name, lower case.
        host: String,
    },
    /// A PRIVATE API called through the public endpoint.
    PrivateApiOnPublicEndpoint {
        /// The API.
        api_id: String,
    },
    /// Through an endpoint: no `x-apigw-api-id`, and the Host names no API.
    NoApiSelected {
        /// The Host name, lower case.
        host: String,
    },
    /// No REST API has the requested id.
    UnknownApi {
        /// The id asked for.
        api_id: String,
    },
    /// VPC endpoints route only to PRIVATE APIs.
    NotPrivate {
        /// The API.
        api_id: String,
        /// What it is instead.
        endpoint_type: EndpointType,
    },
    /// A Route 53 alias name whose API is not associated with the endpoint it came through.
    AliasNotAssociated {
        /// The API the alias names.
        api_id: String,
        /// The endpoint the alias names.
        vpce_id: String,
    },
    /// The path is `/`: no stage.
    NoStage,
    /// The first path segment is not a deployed stage.
    StageNotDeployed {
        /// The segment.
        stage: String,
        /// The stages the API has.
        deployed: Vec<String>,
    },
    /// The stage has no resource matching the path, or the resource lacks the method.
    NoMethod {
        /// The request's method.
        method: String,
        /// The path below the stage.
        resource_path: String,
    },
    /// A policy did not allow the request.
    PolicyDenied {
        /// Which policy.
        policy: PolicyKind,
        /// `ExplicitDeny` or `ImplicitDeny`.
        decision: Decision,
        /// The deciding statement: its `Sid`, else `#<index>`; `None` when no statement allows.
        statement: Option<String>,
        /// AWS's sentence, as the 403 body carries it.
        message: String,
    },
    /// A PRIVATE API deployed without a resource policy (the control plane prevents it; a
    /// request that reaches one anyway is refused, as nothing allows it).
    NoResourcePolicy {
        /// AWS's sentence, as the 403 body carries it.
        message: String,
    },
    /// The integration failed; the client sees `error`, the log the cause.
    IntegrationFailed {
        /// What the client gets.
        error: GatewayError,
        /// What went wrong, in the words of API Gateway's execution log where it has them.
        cause: String,
    },
}

impl Refusal {
    /// What the client gets.
    pub fn error(&self) -> GatewayError {
        match self {
            Refusal::NothingServed { .. }
            | Refusal::NoApiForPublicHost { .. }
            | Refusal::PrivateApiOnPublicEndpoint { .. }
            | Refusal::NoApiSelected { .. }
            | Refusal::UnknownApi { .. }
            | Refusal::NotPrivate { .. }
            | Refusal::AliasNotAssociated { .. }
            | Refusal::NoStage
            | Refusal::StageNotDeployed { .. } => GatewayError::Forbidden,
            Refusal::NoMethod { .. } => GatewayError::MissingAuthenticationToken,
            Refusal::PolicyDenied { message, .. } | Refusal::NoResourcePolicy { message } => {
                GatewayError::AccessDenied(message.clone())
            }
            Refusal::IntegrationFailed { error, .. } => error.clone(),
        }
    }

    /// The policy decision this refusal records, when a policy was evaluated.
    pub fn decision(&self) -> Option<Decision> {
        match self {
            Refusal::PolicyDenied { decision, .. } => Some(*decision),
            Refusal::NoResourcePolicy { .. } => Some(Decision::ImplicitDeny),
            _ => None,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NothingServed { local } => write!(f, "nothing is served on {local}"),
            Refusal::NoApiForPublicHost { host } => write!(
                f,
                "the public endpoint serves APIs by Host, and {host:?} names none"
            ),
            Refusal::PrivateApiOnPublicEndpoint { api_id } => write!(
                f,
                "API {api_id} is PRIVATE: it is reached only through VPC endpoints"
            ),
            Refusal::NoApiSelected { host } => {
                write!(f, "no x-apigw-api-id header, and Host {host:?} names no API")
            }
            Refusal::UnknownApi { api_id } => write!(f, "no REST API has the id {api_id:?}"),
            Refusal::NotPrivate {
                api_id,
                endpoint_type,
            } => write!(f, "API {api_id} is {}, not PRIVATE", endpoint_type.as_str()),
            Refusal::AliasNotAssociated { api_id, vpce_id } => write!(
                f,
                "the alias name needs API {api_id} to be associated with {vpce_id}, and to be called through it"
            ),
            Refusal::NoStage => f.write_str("the path names no stage"),
            Refusal::StageNotDeployed { stage, deployed } => {
                write!(f, "stage {stage:?} is not deployed; deployed: {deployed:?}")
            }
            Refusal::NoMethod {
                method,
                resource_path,
            } => write!(f, "no method {method} on a resource matching {resource_path}"),
            Refusal::PolicyDenied {
                policy,
                decision,
                statement,
                ..
            } => write!(
                f,
                "{}: {} (statement {})",
                policy.as_str(),
                decision.as_str(),
                statement.as_deref().unwrap_or("none allows")
            ),
            Refusal::NoResourcePolicy { .. } => f.write_str(
                "resource policy: none is deployed, and a PRIVATE API is served only under one",
            ),
            Refusal::IntegrationFailed { cause, .. } => write!(f, "integration failed: {cause}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_answers_as_aws_and_says_why() {
        let stage = Refusal::StageNotDeployed {
            stage: "prod".into(),
            deployed: vec!["test".into()],
        };
        assert_eq!(stage.error(), GatewayError::Forbidden);
        assert_eq!(
            stage.to_string(),
            r#"stage "prod" is not deployed; deployed: ["test"]"#
        );
        let method = Refusal::NoMethod {
            method: "POST".into(),
            resource_path: "/pets".into(),
        };
        assert_eq!(method.error(), GatewayError::MissingAuthenticationToken);
        assert_eq!(
            method.to_string(),
            "no method POST on a resource matching /pets"
        );
        let denied = Refusal::PolicyDenied {
            policy: PolicyKind::Resource,
            decision: Decision::ExplicitDeny,
            statement: Some("DenyOthers".into()),
            message: "User: anonymous is not authorized".into(),
        };
        assert_eq!(
            denied.error(),
            GatewayError::AccessDenied("User: anonymous is not authorized".into())
        );
        assert_eq!(denied.decision(), Some(Decision::ExplicitDeny));
        assert_eq!(
            denied.to_string(),
            "resource policy: ExplicitDeny (statement DenyOthers)"
        );
        let failed = Refusal::IntegrationFailed {
            error: GatewayError::IntegrationTimeout,
            cause: "Execution failed due to a timeout error after 29000 ms".into(),
        };
        assert_eq!(failed.error(), GatewayError::IntegrationTimeout);
        assert_eq!(
            failed.to_string(),
            "integration failed: Execution failed due to a timeout error after 29000 ms"
        );
    }
}
