//! Evaluating a [`Policy`] for one request as IAM does, and what comes out: the [`Decision`],
//! the statement that made it ([`Evaluation`], [`StatementRef`]) and, on request, how every
//! statement fared ([`StatementTrace`]).

use std::sync::Arc;

use serde::Serialize;

use crate::condition::ConditionTrace;
use crate::policy::Policy;
use crate::request::AuthzRequest;
use crate::statement::{Effect, Element};

named_enum! {
    /// The outcome of an evaluation. `Display` and `Serialize` give `Allow`, `ExplicitDeny`
    /// and `ImplicitDeny`.
    pub enum Decision {
        /// A statement allows and none denies.
        Allow,
        /// A Deny statement applies.
        ExplicitDeny,
        /// No statement allows.
        ImplicitDeny,
    }
}

/// A statement, by position and `Sid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    /// Position in `Statement` (0-based).
    pub index: usize,
    /// The `Sid`, if any.
    pub sid: Option<Arc<str>>,
}

/// A decision and the statement that made it (`None` for an implicit deny).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// The Deny that applied, or the first Allow that applied.
    pub deciding_statement: Option<StatementRef>,
}

/// How one statement fared.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementTrace {
    /// Position in `Statement`.
    pub index: usize,
    /// The `Sid`, if any.
    pub sid: Option<Arc<str>>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// Whether it applied to the request.
    pub applies: bool,
    /// The first element that did not match (`Principal`, `Action`, `Resource`, `Condition`), if any.
    pub failed_element: Option<Element>,
    /// Each condition with the values it compared (empty when an earlier element failed).
    pub conditions: Vec<ConditionTrace>,
}

impl Policy {
    /// The decision and the statement that made it. Allocates nothing unless the policy uses
    /// variables in resources or the request needs case folding.
    pub fn evaluate(&self, req: &AuthzRequest<'_>) -> Evaluation {
        let mut allow: Option<usize> = None;
        for (index, statement) in self.statements.iter().enumerate() {
            if statement.effect == Effect::Allow && allow.is_some() {
                continue;
            }
            if statement.first_failure(req).is_none() {
                match statement.effect {
                    Effect::Deny => {
                        return Evaluation {
                            decision: Decision::ExplicitDeny,
                            deciding_statement: Some(self.reference(index)),
                        }
                    }
                    Effect::Allow => allow = Some(index),
                }
            }
        }
        match allow {
            Some(index) => Evaluation {
                decision: Decision::Allow,
                deciding_statement: Some(self.reference(index)),
            },
            None => Evaluation {
                decision: Decision::ImplicitDeny,
                deciding_statement: None,
            },
        }
    }

    /// The decision and how each statement fared.
    pub fn evaluate_with_trace(&self, req: &AuthzRequest<'_>) -> (Evaluation, Vec<StatementTrace>) {
        let trace = self
            .statements
            .iter()
            .enumerate()
            .map(|(index, s)| {
                let failed = s.first_failure(req);
                let conditions = if matches!(failed, None | Some(Element::Condition)) {
                    s.conditions.iter().map(|c| c.trace(req.context)).collect()
                } else {
                    Vec::new()
                };
                StatementTrace {
                    index,
                    sid: s.sid.clone(),
                    effect: s.effect,
                    applies: failed.is_none(),
                    failed_element: failed,
                    conditions,
                }
            })
            .collect();
        (self.evaluate(req), trace)
    }

    fn reference(&self, index: usize) -> StatementRef {
        StatementRef {
            index,
            sid: self.statements[index].sid.clone(),
        }
    }
}
