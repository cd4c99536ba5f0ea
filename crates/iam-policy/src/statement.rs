//! A compiled statement ([`Statement`]) and whether it applies to a request: its principal,
//! action and resource elements match and every condition holds. Also the typed names a trace
//! reports a statement with: its [`Effect`] and the [`Element`] that did not match.

use std::sync::Arc;

use crate::condition::Condition;
use crate::context::ConditionContext;
use crate::matching::Pattern;
use crate::request::{AuthzRequest, Principal};

named_enum! {
    /// A statement's `Effect`. `Display` and `Serialize` give `Allow` and `Deny`.
    pub enum Effect {
        /// The statement allows what it matches.
        Allow,
        /// The statement denies what it matches.
        Deny,
    }
}

named_enum! {
    /// The element of a statement that did not match a request, first in evaluation order.
    /// `Display` and `Serialize` give the element's name; `NotPrincipal`, `NotAction` and
    /// `NotResource` are reported as `Principal`, `Action` and `Resource`.
    pub enum Element {
        /// `Principal` or `NotPrincipal`.
        Principal,
        /// `Action` or `NotAction`.
        Action,
        /// `Resource` or `NotResource`.
        Resource,
        /// `Condition`.
        Condition,
    }
}

/// One entry of `Principal` or `NotPrincipal`.
#[derive(Debug, Clone)]
pub(crate) enum PrincipalPattern {
    Everyone,
    Account(String),
    Arn(String),
    /// `Service`, `Federated`, `CanonicalUser`: never an anonymous or IAM caller here.
    Other,
}

/// A statement as evaluation needs it.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub(crate) sid: Option<Arc<str>>,
    pub(crate) effect: Effect,
    /// `(negated, patterns)`: `NotPrincipal` when negated.
    pub(crate) principals: (bool, Vec<PrincipalPattern>),
    /// Lowercase patterns; `NotAction` when negated.
    pub(crate) actions: (bool, Vec<Pattern>),
    /// `NotResource` when negated.
    pub(crate) resources: (bool, Vec<Pattern>),
    pub(crate) conditions: Vec<Condition>,
}

/// True when `caller` is an assumed-role session (`arn:aws:sts::A:assumed-role/R/session`) of the
/// role `role` (`arn:aws:iam::A:role/R`, possibly with a path): a role principal covers its sessions.
fn is_session_of(caller: &str, role: &str) -> bool {
    let (Some(session), Some(role_arn)) = (
        caller.split_once(":assumed-role/"),
        role.split_once(":role/"),
    ) else {
        return false;
    };
    let caller_prefix = session.0.replacen(":sts:", ":iam:", 1);
    let role_name = role_arn.1.rsplit('/').next().unwrap_or("");
    caller_prefix == role_arn.0 && session.1.split('/').next() == Some(role_name)
}

impl Statement {
    /// Whether the caller is listed in `Principal` / `NotPrincipal` (before negation).
    fn principal_listed(&self, principal: &Principal) -> bool {
        let (negated, principals) = &self.principals;
        let everyone = principals
            .iter()
            .any(|p| matches!(p, PrincipalPattern::Everyone));
        let account_listed = |account: &str| {
            principals
                .iter()
                .any(|p| matches!(p, PrincipalPattern::Account(a) if a == account))
        };
        let arn_listed = |test: fn(&str, &str) -> bool, caller: &str| {
            principals
                .iter()
                .any(|p| matches!(p, PrincipalPattern::Arn(listed) if test(caller, listed)))
        };
        match principal {
            Principal::Anonymous => everyone,
            // Principal: an account covers every identity in it.
            Principal::Aws { arn, account_id } if !*negated => {
                everyone
                    || account_listed(account_id)
                    || arn_listed(
                        |caller, listed| caller == listed || is_session_of(caller, listed),
                        arn,
                    )
            }
            // NotPrincipal exempts a caller only when each of its identities is listed: its own ARN
            // (a session's and its role's) and its account, as the IAM guide's examples require.
            Principal::Aws { arn, account_id } => {
                let exact = arn_listed(|caller, listed| caller == listed, arn);
                let own_arns_listed = if arn.contains(":assumed-role/") {
                    exact && arn_listed(is_session_of, arn)
                } else {
                    arn.ends_with(":root") || exact
                };
                everyone || (account_listed(account_id) && own_arns_listed)
            }
        }
    }

    /// The first element that does not match, or `None` when the statement applies.
    pub(crate) fn first_failure(&self, req: &AuthzRequest<'_>) -> Option<Element> {
        if self.principal_listed(req.principal) == self.principals.0 {
            return Some(Element::Principal);
        }
        let (negated, actions) = &self.actions;
        let empty = ConditionContext::new();
        let action_listed = actions.iter().any(|p| p.matches(req.action, &empty, true));
        if action_listed == *negated {
            return Some(Element::Action);
        }
        let (negated, resources) = &self.resources;
        // An unfillable variable makes the element fail, NotResource included.
        if resources.iter().any(|p| !p.resolvable(req.context)) {
            return Some(Element::Resource);
        }
        let resource_listed = resources
            .iter()
            .any(|p| p.is_star() || p.matches(req.resource, req.context, false));
        if resource_listed == *negated {
            return Some(Element::Resource);
        }
        if !self.conditions.iter().all(|c| c.holds(req.context)) {
            return Some(Element::Condition);
        }
        None
    }
}
