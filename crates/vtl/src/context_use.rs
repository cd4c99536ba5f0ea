//! Which of `$context`'s keys a template can read, found by walking its tree once at parse time.

use crate::ast::{Expr, Node, Part, Reference};

/// Which of `$context`'s top-level keys a template can read, found at parse time so that a
/// request builds only those (the console's Example API page reads `$context.stage` alone, and
/// building the whole object was a third of its request path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextUse {
    /// Only these keys, each read as `$context.key…` (`identity` for `$context.identity.sourceIp`).
    Keys(Vec<String>),
    /// `$context` itself is used (printed, iterated, indexed, passed to a method): every key.
    All,
}

impl ContextUse {
    /// Whether the template may read `key`.
    pub fn reads(&self, key: &str) -> bool {
        match self {
            ContextUse::Keys(keys) => keys.iter().any(|k| k == key),
            ContextUse::All => true,
        }
    }

    /// What a template's tree reads.
    pub(crate) fn of(nodes: &[Node]) -> ContextUse {
        let mut context_use = ContextUse::Keys(Vec::new());
        context_use.visit_nodes(nodes);
        context_use
    }

    fn note(&mut self, reference: &Reference) {
        if reference.name != "context" {
            return;
        }
        match (&mut *self, reference.parts.first()) {
            (ContextUse::All, _) => {}
            (ContextUse::Keys(keys), Some(Part::Prop(key))) => {
                if !keys.contains(key) {
                    keys.push(key.clone());
                }
            }
            _ => *self = ContextUse::All,
        }
    }

    fn visit_nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            match node {
                Node::Text(_) | Node::Break | Node::Stop => {}
                Node::Ref(r) => self.visit_ref(r),
                Node::Set(r, e) => {
                    self.visit_ref(r);
                    self.visit_expr(e);
                }
                Node::If(branches, otherwise) => {
                    for (condition, body) in branches {
                        self.visit_expr(condition);
                        self.visit_nodes(body);
                    }
                    self.visit_nodes(otherwise);
                }
                Node::Foreach(_, e, body, _) => {
                    self.visit_expr(e);
                    self.visit_nodes(body);
                }
            }
        }
    }

    fn visit_ref(&mut self, reference: &Reference) {
        self.note(reference);
        for part in &reference.parts {
            match part {
                Part::Prop(_) => {}
                Part::Index(e) => self.visit_expr(e),
                Part::Method(_, args) => args.iter().for_each(|a| self.visit_expr(a)),
            }
        }
    }

    fn visit_expr(&mut self, expr: &Expr) {
        match expr {
            Expr::Lit(_) => {}
            Expr::Interp(nodes) => self.visit_nodes(nodes),
            Expr::Ref(r) => self.visit_ref(r),
            Expr::List(items) => items.iter().for_each(|e| self.visit_expr(e)),
            Expr::Range(a, b) | Expr::Bin(_, a, b) => {
                self.visit_expr(a);
                self.visit_expr(b);
            }
            Expr::Map(entries) => entries.iter().for_each(|(k, v)| {
                self.visit_expr(k);
                self.visit_expr(v);
            }),
            Expr::Not(e) | Expr::Neg(e) => self.visit_expr(e),
        }
    }
}
