//! The authorization question ([`AuthzRequest`]): who asks ([`Principal`]), for which action
//! on which resource, with which condition keys.

use crate::context::ConditionContext;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An unsigned caller (every call to a method with authorization NONE).
    Anonymous,
    /// A signed IAM identity.
    Aws {
        /// The identity's ARN.
        arn: String,
        /// Its account.
        account_id: String,
    },
}

/// One authorization question.
#[derive(Debug, Clone, Copy)]
pub struct AuthzRequest<'a> {
    /// e.g. `execute-api:Invoke`.
    pub action: &'a str,
    /// The full ARN, e.g. `arn:aws:execute-api:us-east-1:123456789012:chw1a2q2xk/test/GET/pets`.
    pub resource: &'a str,
    /// The caller.
    pub principal: &'a Principal,
    /// Condition keys.
    pub context: &'a ConditionContext,
}
