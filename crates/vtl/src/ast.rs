//! The syntax tree a template parses into once and every render walks.

use serde_json::Value;

use crate::error::Pos;

/// `$name.part.part…` as written, wherever it stands: in text, in an expression, as a `#set`
/// target.
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    pub(crate) name: String,
    pub(crate) parts: Vec<Part>,
    /// Written `$!name`: prints nothing, not its source, when undefined.
    pub(crate) quiet: bool,
    /// The text as written, printed when the value is undefined.
    pub(crate) source: String,
    pub(crate) pos: Pos,
}

#[derive(Debug, Clone)]
pub(crate) enum Part {
    Prop(String),
    Index(Expr),
    Method(String, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Lit(Value),
    /// A double-quoted string holding references or directives.
    Interp(Vec<Node>),
    Ref(Box<Reference>),
    List(Vec<Expr>),
    Range(Box<Expr>, Box<Expr>),
    Map(Vec<(Expr, Expr)>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Bin(Op, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    Ref(Reference),
    Set(Reference, Expr),
    /// The `#if` and `#elseif` branches in order, then the `#else` body.
    If(Vec<(Expr, Vec<Node>)>, Vec<Node>),
    /// Variable, what it iterates, body, and where the `#foreach` stands (for its errors).
    Foreach(String, Expr, Vec<Node>, Pos),
    Break,
    Stop,
}
