//! # iam-policy
//!
//! An IAM policy engine for resource-based policies (such as API Gateway resource policies)
//! and VPC endpoint policies: it parses a policy document, validates it as AWS does when the
//! policy is saved (every refusal names the JSON path of the offending element), compiles it
//! once, and then evaluates authorization requests against it, optionally with a trace of how
//! every statement and condition fared. It is a plain library: no async runtime, no I/O.
//!
//! ## What it evaluates
//!
//! One policy at a time, with IAM's evaluation logic (IAM User Guide, *Policy evaluation
//! logic*): a statement **applies** to a request when its principal, action and resource
//! elements match and every one of its conditions holds; then
//!
//! 1. any applicable `Deny` gives [`Decision::ExplicitDeny`];
//! 2. otherwise any applicable `Allow` gives [`Decision::Allow`];
//! 3. otherwise the answer is [`Decision::ImplicitDeny`].
//!
//! Statement order never matters. Combining several policies (for example an API's resource
//! policy with the VPC endpoint policy the call came through) is the caller's business: each is
//! evaluated alone and the caller combines the decisions.
//!
//! ## What it supports
//!
//! - **Document**: `Version` (`2012-10-17`, or `2008-10-17`, which is also what a missing
//!   `Version` means; policy variables are read only under `2012-10-17`), `Id`, `Statement` (an
//!   object or an array of objects).
//! - **Statement**: `Sid`, `Effect` (`Allow`, `Deny`), `Principal` / `NotPrincipal` (`"*"`, or
//!   `{"AWS": ...}` with `*`, 12-digit account ids, account root ARNs and exact IAM/STS ARNs; a
//!   role covers its assumed-role sessions; `Service`, `Federated` and `CanonicalUser` are
//!   accepted and never match an anonymous or IAM caller), `Action` / `NotAction`
//!   (`service:action` with `*` and `?`, case-insensitive), `Resource` / `NotResource` (ARNs
//!   with wildcards, `*`, and `execute-api:/stage/METHOD/path` shorthand, expanded against the
//!   [`PolicyScope`] as API Gateway does), `Condition`.
//! - **Condition operators**: `StringEquals`, `StringNotEquals`, `StringEqualsIgnoreCase`,
//!   `StringNotEqualsIgnoreCase`, `StringLike`, `StringNotLike`; `NumericEquals`,
//!   `NumericNotEquals`, `NumericLessThan[Equals]`, `NumericGreaterThan[Equals]`; `DateEquals`,
//!   `DateNotEquals`, `DateLessThan[Equals]`, `DateGreaterThan[Equals]` (ISO 8601 or epoch
//!   seconds); `Bool`; `BinaryEquals` (base64); `IpAddress`, `NotIpAddress` (IPv4 and IPv6,
//!   CIDR); `ArnEquals`, `ArnLike`, `ArnNotEquals`, `ArnNotLike` (matched per ARN component);
//!   `Null`. Every operator but `Null` takes the `...IfExists` suffix and the `ForAnyValue:` /
//!   `ForAllValues:` set qualifiers.
//! - **Condition keys**: any key, such as `aws:SourceVpce`, `aws:SourceVpc`, `aws:VpcSourceIp`,
//!   `aws:SourceIp`, `aws:PrincipalArn`, `aws:CurrentTime`, `aws:TagKeys`; the caller supplies
//!   their values in a [`ConditionContext`] (names case-insensitive, single- or multivalued).
//!   A key the request lacks behaves as IAM says: positive operators fail, negated ones hold.
//! - **Policy variables** in resources and string conditions: `${aws:SourceVpce}`,
//!   `${key, 'default'}`, and the escapes `${*}`, `${?}`, `${$}`; substituted text is literal.
//!
//! ## What it does not support
//!
//! Anything else is refused with a [`PolicyError`] when the policy is parsed, never silently
//! ignored: unknown document or statement elements, unknown condition operators or set
//! qualifiers (`StringEqualz`, `NullIfExists`, `ForSomeValues:`), principals with partial
//! wildcards (use a condition on `aws:PrincipalArn`), malformed actions, resources, values and
//! variables, and `execute-api:` shorthand in a scope without an API (endpoint policies).
//! Identity-based policies, permissions boundaries, session policies and organization policies
//! are not evaluated here.
//!
//! ## Example
//!
//! ```
//! use iam_policy::{AuthzRequest, ConditionContext, Decision, Policy, PolicyScope, Principal};
//!
//! // Deny every call that does not come through one VPC endpoint; allow the rest.
//! let document = r#"{
//!   "Version": "2012-10-17",
//!   "Statement": [
//!     {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
//!      "Resource": "execute-api:/*",
//!      "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-01234567890abcdef"}}},
//!     {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
//!      "Resource": "execute-api:/*"}
//!   ]
//! }"#;
//! let scope = PolicyScope::for_api("us-east-1", "123456789012", "a1b2c3d4e5");
//! let policy = Policy::parse(document, &scope)?;
//!
//! let mut context = ConditionContext::new();
//! context.insert("aws:SourceVpce", "vpce-01234567890abcdef");
//! let request = AuthzRequest {
//!     action: "execute-api:Invoke",
//!     resource: "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets",
//!     principal: &Principal::Anonymous,
//!     context: &context,
//! };
//! let evaluation = policy.evaluate(&request);
//! assert_eq!(evaluation.decision, Decision::Allow);
//! assert_eq!(evaluation.deciding_statement.unwrap().sid.as_deref(), Some("Everyone"));
//!
//! // Through another endpoint: the Deny applies, and the trace says why.
//! let mut other = ConditionContext::new();
//! other.insert("aws:SourceVpce", "vpce-0fedcba9876543210");
//! let (evaluation, trace) = policy.evaluate_with_trace(&AuthzRequest { context: &other, ..request });
//! assert_eq!(evaluation.decision, Decision::ExplicitDeny);
//! assert_eq!(evaluation.decision.to_string(), "ExplicitDeny");
//! assert!(trace[0].applies && trace[0].conditions[0].result);
//!
//! // A malformed policy is refused with the path of what is wrong.
//! let error = Policy::parse(r#"{"Statement": {"Effect": "Permit"}}"#, &scope).unwrap_err();
//! assert_eq!(error.path, "Statement.Effect");
//! # Ok::<(), iam_policy::PolicyError>(())
//! ```
//!
//! ## Modules
//!
//! `policy` reads documents, `parse` statements, `condition` operators and values, `matching`
//! wildcards, ARNs and variables; `statement` decides whether one statement applies and
//! `evaluation` combines the statements into a decision; `scope`, `request`, `context` and
//! `error` hold the types that cross the boundary.

#[macro_use]
mod named;

mod condition;
mod context;
mod error;
mod evaluation;
mod matching;
mod parse;
mod policy;
mod request;
mod scope;
mod statement;

pub use condition::ConditionTrace;
pub use context::{ConditionContext, ContextError};
pub use error::{PolicyError, PolicyErrorKind};
pub use evaluation::{Decision, Evaluation, StatementRef, StatementTrace};
pub use policy::Policy;
pub use request::{AuthzRequest, Principal};
pub use scope::{partition_for_region, PolicyScope};
pub use statement::{Effect, Element};

#[cfg(test)]
mod tests;
