//! Mapping templates: the subset of Apache Velocity (VTL 1.7) that API Gateway REST APIs use.
//!
//! [`Template::parse`] turns a template into a tree once; [`Template::render`] evaluates it against
//! a request ([`RenderInput`]): `$input` (body, params, JSONPath), `$util`, `$context` (with
//! `responseOverride`, see [`Template::render_with_overrides`]) and `$stageVariables`.
//! Directives: `#set`, `#if`/`#elseif`/`#else`/`#end`, `#foreach`, `#break`, `#stop`; comments;
//! lines holding only directives leave no trace in the output. `#macro`, `#include`, `#parse`,
//! `#define` and `#evaluate` are rejected at parse time. Values are [`serde_json::Value`]s and print
//! as Java would (`{k=v}`, `[a, b]`); an undefined reference prints as its own source text unless
//! written quiet (`$!x`). A render is bounded: 1,000,000 loop iterations, 10 MB of output, and a
//! budget on the values it copies, so a hostile template fails with a [`VtlError`] instead of
//! hanging the process.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;

use base64::Engine as _;
use serde_json::{Map, Number, Value};

const MAX_ITERATIONS: u64 = 1_000_000;
const MAX_OUTPUT: usize = 10 * 1024 * 1024;
const MAX_WORK: u64 = 100_000_000;
const MAX_DEPTH: usize = 32;
const MAX_VALUE_DEPTH: usize = 128;
const UNSUPPORTED: [&str; 5] = ["macro", "include", "parse", "define", "evaluate"];

/// A template error: parse errors point at the offending text, render errors at the reference or
/// directive being evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct VtlError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What went wrong.
    pub message: String,
}

/// What a template can see.
#[derive(Debug, Clone, Copy)]
pub struct RenderInput<'a> {
    /// `$context.*`: a JSON object (nested objects for `identity.sourceIp` etc.).
    pub context: &'a Value,
    /// `$stageVariables.*`: a JSON object of strings.
    pub stage_variables: &'a Value,
    /// The raw request (or integration response) body, for `$input.body`, `$input.path`, `$input.json`.
    pub body: &'a str,
    /// Path parameters for `$input.params()`, name -> value.
    pub path_params: &'a [(String, String)],
    /// Query-string parameters for `$input.params()`, name -> value.
    pub query_params: &'a [(String, String)],
    /// Headers for `$input.params()`, name -> value (looked up case-insensitively).
    pub headers: &'a [(String, String)],
}

/// The result of a render: the text and what the template set in `$context.responseOverride`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The rendered text.
    pub text: String,
    /// `#set($context.responseOverride.status = ...)`, when it holds a valid status code.
    pub status_override: Option<u16>,
    /// `#set($context.responseOverride.header.Name = ...)`, in the order they were first set.
    pub header_overrides: Vec<(String, String)>,
}

/// A parsed template. Parsing fails on syntax the subset does not support, with a message naming
/// line and column.
#[derive(Debug, Clone)]
pub struct Template {
    nodes: Vec<Node>,
    context_use: ContextUse,
    /// The source's length: what the output usually needs, reserved up front.
    output_hint: usize,
}

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

impl Template {
    /// Parses a mapping template.
    pub fn parse(source: &str) -> Result<Template, VtlError> {
        let mut parser = Parser::new(source, None, 0);
        let toks = parser.template()?;
        let nodes = build(gobble(toks))?;
        let mut context_use = ContextUse::Keys(Vec::new());
        context_use.visit_nodes(&nodes);
        Ok(Template {
            nodes,
            context_use,
            output_hint: source.len(),
        })
    }

    /// Which `$context` keys it reads; a [`RenderInput::context`] needs no others.
    pub fn context_use(&self) -> &ContextUse {
        &self.context_use
    }

    /// Renders the template; `$context.responseOverride` settings are dropped.
    pub fn render(&self, input: &RenderInput<'_>) -> Result<String, VtlError> {
        self.render_with_overrides(input).map(|r| r.text)
    }

    /// Renders the template and reports the `$context.responseOverride` settings it made.
    pub fn render_with_overrides(&self, input: &RenderInput<'_>) -> Result<Rendered, VtlError> {
        // `$context` and `$stageVariables` are read from the input in place; a template that
        // writes to one (`#set($context.responseOverride.status = …)`) gets its own copy first.
        let mut r = Renderer {
            input,
            vars: HashMap::new(),
            iterations: 0,
            work: Cell::new(MAX_WORK),
            body: OnceCell::new(),
            regexes: RefCell::new(HashMap::new()),
            at: Pos { line: 1, column: 1 },
        };
        let mut text = String::with_capacity(self.output_hint.min(MAX_OUTPUT));
        r.nodes(&self.nodes, &mut text)?;
        let ro = r
            .vars
            .get("context")
            .and_then(|c| c.get("responseOverride"));
        let status_override = ro.and_then(|o| o.get("status")).and_then(|v| match v {
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        let header_overrides = ro
            .and_then(|o| o.get("header"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), display(v)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Rendered {
            text,
            status_override,
            header_overrides,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Syntax tree

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    line: usize,
    column: usize,
}

impl Pos {
    fn err(self, message: impl Into<String>) -> VtlError {
        VtlError {
            line: self.line,
            column: self.column,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Reference {
    name: String,
    parts: Vec<Part>,
    quiet: bool,
    source: String,
    pos: Pos,
}

#[derive(Debug, Clone)]
enum Part {
    Prop(String),
    Index(Expr),
    Method(String, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
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
enum Expr {
    Lit(Value),
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
enum Node {
    Text(String),
    Ref(Reference),
    Set(Reference, Expr),
    If(Vec<(Expr, Vec<Node>)>, Vec<Node>),
    Foreach(String, Expr, Vec<Node>, Pos),
    Break,
    Stop,
}

enum Dir {
    Set(Reference, Expr),
    If(Expr),
    ElseIf(Expr),
    Else,
    End,
    Foreach(String, Expr),
    Break,
    Stop,
}

enum Tok {
    Text(String),
    Ref(Reference),
    Dir(Dir, Pos),
    Comment { ends_line: bool },
}

// ---------------------------------------------------------------------------------------------
// Parsing

const LEVELS: [&[(&str, Op)]; 6] = [
    &[("||", Op::Or), ("or", Op::Or)],
    &[("&&", Op::And), ("and", Op::And)],
    &[
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("eq", Op::Eq),
        ("ne", Op::Ne),
    ],
    &[
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("<", Op::Lt),
        (">", Op::Gt),
        ("le", Op::Le),
        ("ge", Op::Ge),
        ("lt", Op::Lt),
        ("gt", Op::Gt),
    ],
    &[("+", Op::Add), ("-", Op::Sub)],
    &[("*", Op::Mul), ("/", Op::Div), ("%", Op::Mod)],
];

fn ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

struct Parser {
    s: Vec<char>,
    i: usize,
    lines: Vec<usize>,
    depth: usize,
    /// Sub-parsers (string literals) report every error at the literal's position.
    base: Option<Pos>,
}

impl Parser {
    fn new(source: &str, base: Option<Pos>, depth: usize) -> Parser {
        let s: Vec<char> = source.chars().collect();
        let mut lines = vec![0];
        lines.extend(
            s.iter()
                .enumerate()
                .filter(|(_, c)| **c == '\n')
                .map(|(i, _)| i + 1),
        );
        Parser {
            s,
            i: 0,
            lines,
            depth,
            base,
        }
    }

    fn pos_at(&self, i: usize) -> Pos {
        if let Some(b) = self.base {
            return b;
        }
        let line = self.lines.partition_point(|&start| start <= i).max(1);
        let start = self.lines.get(line - 1).copied().unwrap_or(0);
        Pos {
            line,
            column: i.saturating_sub(start) + 1,
        }
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, VtlError> {
        Err(self.pos_at(self.i).err(message))
    }

    fn at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    fn starts_with(&self, lit: &str) -> bool {
        lit.chars().enumerate().all(|(k, c)| self.at(k) == Some(c))
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.at(0) == Some(c);
        self.i += usize::from(hit);
        hit
    }

    fn ws(&mut self) {
        while self.at(0).is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), VtlError> {
        self.ws();
        if self.at(0) == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            self.err(format!("expected '{c}' {what}"))
        }
    }

    fn enter(&mut self) -> Result<(), VtlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("template nested too deeply");
        }
        Ok(())
    }

    /// An identifier; Velocity 1.7 allows `-` inside one (`$a-b` is one name).
    fn ident(&mut self) -> String {
        let mut out = String::new();
        while let Some(c) = self.at(0) {
            let hyphen = c == '-' && !out.is_empty() && self.at(1).is_some_and(ident_char);
            if !(ident_char(c) || hyphen) {
                break;
            }
            out.push(c);
            self.i += 1;
        }
        out
    }

    fn text_between(&self, a: usize, b: usize) -> String {
        self.s
            .get(a..b)
            .map(|cs| cs.iter().collect())
            .unwrap_or_default()
    }

    fn template(&mut self) -> Result<Vec<Tok>, VtlError> {
        let mut toks = Vec::new();
        let mut text = String::new();
        while let Some(c) = self.at(0) {
            match c {
                '\\' => {
                    let n = (0..).take_while(|&k| self.at(k) == Some('\\')).count();
                    let save = self.i;
                    self.i += n;
                    let live = match self.at(0) {
                        Some('$') => self.peek_reference(),
                        Some('#') => self
                            .at(1)
                            .is_some_and(|c| c.is_ascii_alphabetic() || c == '{'),
                        _ => false,
                    };
                    if !live {
                        text.push_str(&self.text_between(save, self.i));
                        continue;
                    }
                    text.extend(std::iter::repeat_n('\\', n / 2));
                    if n % 2 == 1 {
                        text.push(self.at(0).unwrap_or('$'));
                        self.i += 1;
                    }
                }
                '$' => match self.reference()? {
                    Some(r) => {
                        flush(&mut toks, &mut text);
                        toks.push(Tok::Ref(r));
                    }
                    None => {
                        text.push('$');
                        self.i += 1;
                    }
                },
                '#' => self.hash(&mut toks, &mut text)?,
                _ => {
                    text.push(c);
                    self.i += 1;
                }
            }
        }
        flush(&mut toks, &mut text);
        Ok(toks)
    }

    fn peek_reference(&self) -> bool {
        let mut k = 1;
        if self.at(k) == Some('!') {
            k += 1;
        }
        if self.at(k) == Some('{') {
            k += 1;
        }
        self.at(k).is_some_and(ident_start)
    }

    /// `$name.prop.method(args)[index]` at the cursor, or `None` (cursor unchanged) if the `$`
    /// starts no reference.
    fn reference(&mut self) -> Result<Option<Reference>, VtlError> {
        let start = self.i;
        if !self.peek_reference() {
            return Ok(None);
        }
        self.i += 1;
        let quiet = self.eat('!');
        let braced = self.eat('{');
        let name = self.ident();
        let mut parts = Vec::new();
        loop {
            match self.at(0) {
                Some('.') if self.at(1).is_some_and(ident_start) => {
                    self.i += 1;
                    let n = self.ident();
                    if self.eat('(') {
                        parts.push(Part::Method(n, self.list_of(')')?));
                    } else {
                        parts.push(Part::Prop(n));
                    }
                }
                Some('[') => {
                    let (save, depth) = (self.i, self.depth);
                    self.i += 1;
                    match self
                        .expr()
                        .and_then(|e| self.expect(']', "after index").map(|()| e))
                    {
                        Ok(e) => parts.push(Part::Index(e)),
                        Err(_) => {
                            (self.i, self.depth) = (save, depth);
                            break;
                        }
                    }
                }
                _ => break,
            }
        }
        if braced && !self.eat('}') {
            self.i = start;
            return Ok(None);
        }
        let source = self.text_between(start, self.i);
        Ok(Some(Reference {
            name,
            parts,
            quiet,
            source,
            pos: self.pos_at(start),
        }))
    }

    /// Comma-separated expressions up to `close` (the opening bracket already consumed).
    fn list_of(&mut self, close: char) -> Result<Vec<Expr>, VtlError> {
        let mut items = Vec::new();
        self.ws();
        if self.eat(close) {
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            self.ws();
            if self.eat(close) {
                return Ok(items);
            }
            if !self.eat(',') {
                return self.err(format!("expected ',' or '{close}'"));
            }
        }
    }

    fn hash(&mut self, toks: &mut Vec<Tok>, text: &mut String) -> Result<(), VtlError> {
        let start = self.i;
        let pos = self.pos_at(start);
        if let Some(c @ ('#' | '*')) = self.at(1) {
            let close = if c == '#' { "\n" } else { "*#" };
            self.i += 2;
            while !self.starts_with(close) {
                match self.at(0) {
                    Some(_) => self.i += 1,
                    None if c == '#' => break,
                    None => return Err(pos.err("unclosed #* comment")),
                }
            }
            self.i = (self.i + close.len()).min(self.s.len());
            flush(toks, text);
            toks.push(Tok::Comment {
                ends_line: c == '#',
            });
            return Ok(());
        }
        self.i += 1;
        let braced = self.at(0) == Some('{');
        self.i += usize::from(braced);
        let mut name = String::new();
        while let Some(c) = self.at(0).filter(|c| c.is_ascii_alphabetic()) {
            name.push(c);
            self.i += 1;
        }
        let closed = !braced || self.at(0) == Some('}');
        let known = [
            "set", "if", "elseif", "else", "end", "foreach", "break", "stop",
        ];
        if UNSUPPORTED.contains(&name.as_str()) && closed {
            return Err(pos.err(format!("#{name} is not supported by apigw-emulator")));
        }
        if !closed || !known.contains(&name.as_str()) {
            self.i = start + 1;
            text.push('#');
            return Ok(());
        }
        self.i += usize::from(braced);
        let what = format!("after #{name}");
        let dir = match name.as_str() {
            "set" => {
                self.expect('(', &what)?;
                self.ws();
                let target = match self.reference()? {
                    Some(r) if !r.parts.iter().any(|p| matches!(p, Part::Method(..))) => r,
                    _ => return self.err("#set needs a reference such as $x or $x.y to assign"),
                };
                self.expect('=', "in #set")?;
                let value = self.expr()?;
                self.expect(')', "to close #set")?;
                Dir::Set(target, value)
            }
            "if" | "elseif" => {
                self.expect('(', &what)?;
                let cond = self.expr()?;
                self.expect(')', &format!("to close #{name}"))?;
                if name == "if" {
                    Dir::If(cond)
                } else {
                    Dir::ElseIf(cond)
                }
            }
            "foreach" => {
                self.expect('(', &what)?;
                self.ws();
                let var = match self.reference()? {
                    Some(r) if r.parts.is_empty() => r.name,
                    _ => return self.err("#foreach needs a variable such as $item"),
                };
                self.ws();
                if !self.starts_with("in") || self.at(2).is_some_and(ident_char) {
                    return self.err("expected 'in' in #foreach");
                }
                self.i += 2;
                let iter = self.expr()?;
                self.expect(')', "to close #foreach")?;
                Dir::Foreach(var, iter)
            }
            "else" => Dir::Else,
            "end" => Dir::End,
            "break" => Dir::Break,
            _ => Dir::Stop,
        };
        // Directive nesting counts with expression nesting, so that strings holding directives
        // holding strings cannot nest without bound.
        match dir {
            Dir::If(_) | Dir::Foreach(..) => self.enter()?,
            Dir::End => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        flush(toks, text);
        toks.push(Tok::Dir(dir, pos));
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, VtlError> {
        self.enter()?;
        let e = self.level(0)?;
        self.depth -= 1;
        Ok(e)
    }

    fn op(&mut self, ops: &[(&str, Op)]) -> Option<Op> {
        self.ws();
        for (lit, op) in ops {
            let word = lit.chars().all(|c| c.is_ascii_alphabetic());
            if self.starts_with(lit) && !(word && self.at(lit.len()).is_some_and(ident_char)) {
                self.i += lit.len();
                return Some(*op);
            }
        }
        None
    }

    fn level(&mut self, n: usize) -> Result<Expr, VtlError> {
        let Some(ops) = LEVELS.get(n) else {
            return self.unary();
        };
        let mut left = self.level(n + 1)?;
        while let Some(op) = self.op(ops) {
            let right = self.level(n + 1)?;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, VtlError> {
        self.ws();
        let not = self.at(0) == Some('!') && self.at(1) != Some('=');
        let word_not = self.starts_with("not") && !self.at(3).is_some_and(ident_char);
        if not || word_not || self.at(0) == Some('-') {
            let neg = self.at(0) == Some('-');
            self.i += if word_not { 3 } else { 1 };
            self.enter()?;
            let inner = Box::new(self.unary()?);
            self.depth -= 1;
            return Ok(if neg {
                Expr::Neg(inner)
            } else {
                Expr::Not(inner)
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, VtlError> {
        self.ws();
        let Some(c) = self.at(0) else {
            return self.err("unexpected end of template in an expression");
        };
        match c {
            '(' => {
                self.i += 1;
                let e = self.expr()?;
                self.expect(')', "to close '('")?;
                Ok(e)
            }
            '"' | '\'' => self.string(c),
            '0'..='9' => self.number(),
            '[' => {
                self.i += 1;
                self.ws();
                if self.eat(']') {
                    return Ok(Expr::List(Vec::new()));
                }
                let first = self.expr()?;
                self.ws();
                if self.starts_with("..") {
                    self.i += 2;
                    let last = self.expr()?;
                    self.expect(']', "to close the range")?;
                    return Ok(Expr::Range(Box::new(first), Box::new(last)));
                }
                let mut items = vec![first];
                if self.eat(',') {
                    items.extend(self.list_of(']')?);
                } else {
                    self.expect(']', "to close the list")?;
                }
                Ok(Expr::List(items))
            }
            '{' => {
                self.i += 1;
                let mut pairs = Vec::new();
                self.ws();
                while !self.eat('}') {
                    if !pairs.is_empty() {
                        self.expect(',', "between map entries")?;
                    }
                    let k = self.expr()?;
                    self.expect(':', "in a map literal")?;
                    pairs.push((k, self.expr()?));
                    self.ws();
                }
                Ok(Expr::Map(pairs))
            }
            '$' => match self.reference()? {
                Some(r) => Ok(Expr::Ref(Box::new(r))),
                None => self.err("expected a reference after '$'"),
            },
            c if ident_start(c) => {
                let at = self.i;
                let word = self.ident();
                match word.as_str() {
                    "true" => Ok(Expr::Lit(Value::Bool(true))),
                    "false" => Ok(Expr::Lit(Value::Bool(false))),
                    "null" => Ok(Expr::Lit(Value::Null)),
                    _ => Err(self
                        .pos_at(at)
                        .err(format!("unexpected '{word}' in an expression"))),
                }
            }
            c => self.err(format!("unexpected '{c}' in an expression")),
        }
    }

    fn number(&mut self) -> Result<Expr, VtlError> {
        let start = self.i;
        while self.at(0).is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let float = self.at(0) == Some('.') && self.at(1).is_some_and(|c| c.is_ascii_digit());
        if float {
            self.i += 1;
            while self.at(0).is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        let lit = self.text_between(start, self.i);
        let n = if float {
            lit.parse::<f64>().ok().and_then(Number::from_f64)
        } else {
            lit.parse::<i64>().ok().map(Number::from)
        };
        match n {
            Some(n) => Ok(Expr::Lit(Value::Number(n))),
            None => Err(self
                .pos_at(start)
                .err(format!("number {lit} is out of range"))),
        }
    }

    /// A string literal. Backslashes stay as written (Velocity 1.7); a doubled quote is one quote;
    /// double-quoted strings interpolate references and directives.
    fn string(&mut self, q: char) -> Result<Expr, VtlError> {
        let pos = self.pos_at(self.i);
        self.i += 1;
        let mut content = String::new();
        loop {
            match self.at(0) {
                None => return Err(pos.err("unclosed string literal")),
                Some('\\') => {
                    content.push('\\');
                    if let Some(n) = self.at(1) {
                        content.push(n);
                    }
                    self.i += 2;
                }
                Some(c) if c == q => {
                    self.i += 1;
                    if self.at(0) != Some(q) {
                        break;
                    }
                    content.push(q);
                    self.i += 1;
                }
                Some(c) => {
                    content.push(c);
                    self.i += 1;
                }
            }
        }
        if q == '\'' || !(content.contains('$') || content.contains('#')) {
            return Ok(Expr::Lit(Value::String(content)));
        }
        self.enter()?;
        let mut sub = Parser::new(&content, Some(pos), self.depth);
        let nodes = build(sub.template()?)?;
        self.depth -= 1;
        Ok(Expr::Interp(nodes))
    }
}

fn flush(toks: &mut Vec<Tok>, text: &mut String) {
    if !text.is_empty() {
        toks.push(Tok::Text(std::mem::take(text)));
    }
}

/// Removes the indentation and line end of every line that holds only directives and comments.
fn gobble(toks: Vec<Tok>) -> Vec<Tok> {
    fn end_line(line: &mut Vec<Tok>, out: &mut Vec<Tok>) {
        let has_dir = line
            .iter()
            .any(|t| matches!(t, Tok::Dir(..) | Tok::Comment { .. }));
        let blank = line.iter().all(|t| match t {
            Tok::Text(s) => s.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')),
            Tok::Ref(_) => false,
            _ => true,
        });
        out.extend(
            line.drain(..)
                .filter(|t| !(has_dir && blank && matches!(t, Tok::Text(_)))),
        );
    }
    let mut out = Vec::new();
    let mut line = Vec::new();
    for tok in toks {
        let pieces: Vec<Tok> = match tok {
            Tok::Text(s) => s
                .split_inclusive('\n')
                .map(|p| Tok::Text(p.to_string()))
                .collect(),
            other => vec![other],
        };
        for t in pieces {
            let ends = match &t {
                Tok::Text(s) => s.ends_with('\n'),
                Tok::Comment { ends_line } => *ends_line,
                _ => false,
            };
            line.push(t);
            if ends {
                end_line(&mut line, &mut out);
            }
        }
    }
    end_line(&mut line, &mut out);
    out
}

/// Nests the directive tokens into a tree.
fn build(toks: Vec<Tok>) -> Result<Vec<Node>, VtlError> {
    enum Open {
        If(Vec<(Expr, Vec<Node>)>, Option<Expr>),
        Foreach(String, Expr),
    }
    let mut root = Vec::new();
    let mut stack: Vec<(Open, Pos, Vec<Node>)> = Vec::new();
    for tok in toks {
        let node = match tok {
            Tok::Text(t) => Node::Text(t),
            Tok::Ref(r) => Node::Ref(r),
            Tok::Comment { .. } => continue,
            Tok::Dir(dir, pos) => match dir {
                Dir::Set(r, e) => Node::Set(r, e),
                Dir::Break => Node::Break,
                Dir::Stop => Node::Stop,
                Dir::If(_) | Dir::Foreach(..) if stack.len() >= MAX_DEPTH => {
                    return Err(pos.err("directives nested too deeply"));
                }
                Dir::If(cond) => {
                    stack.push((Open::If(Vec::new(), Some(cond)), pos, Vec::new()));
                    continue;
                }
                Dir::Foreach(var, iter) => {
                    stack.push((Open::Foreach(var, iter), pos, Vec::new()));
                    continue;
                }
                Dir::ElseIf(_) | Dir::Else => {
                    let Some((Open::If(done, cond), _, body)) = stack.last_mut() else {
                        return Err(pos.err("#else or #elseif without #if"));
                    };
                    let Some(prev) = cond.take() else {
                        return Err(pos.err("#else or #elseif after #else"));
                    };
                    done.push((prev, std::mem::take(body)));
                    if let Dir::ElseIf(next) = dir {
                        *cond = Some(next);
                    }
                    continue;
                }
                Dir::End => match stack.pop() {
                    None => return Err(pos.err("#end without #if or #foreach")),
                    Some((Open::Foreach(var, iter), pos, body)) => {
                        Node::Foreach(var, iter, body, pos)
                    }
                    Some((Open::If(mut done, Some(c)), _, body)) => {
                        done.push((c, body));
                        Node::If(done, Vec::new())
                    }
                    Some((Open::If(done, None), _, body)) => Node::If(done, body),
                },
            },
        };
        let body = stack.last_mut().map_or(&mut root, |o| &mut o.2);
        match (body.last_mut(), node) {
            (Some(Node::Text(prev)), Node::Text(t)) => prev.push_str(&t),
            (_, node) => body.push(node),
        }
    }
    match stack.last() {
        Some((Open::If(..), pos, _)) => Err(pos.err("#if without #end")),
        Some((Open::Foreach(..), pos, _)) => Err(pos.err("#foreach without #end")),
        None => Ok(root),
    }
}

// ---------------------------------------------------------------------------------------------
// Values

/// Java's `toString` of the value, as API Gateway prints it.
fn display(v: &Value) -> String {
    let mut out = String::new();
    display_into(v, &mut out);
    out
}

fn display_into(v: &Value, out: &mut String) {
    if out.len() > MAX_OUTPUT {
        return;
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                display_into(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                display_into(x, out);
            }
            out.push('}');
        }
    }
}

fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

#[derive(Clone, Copy)]
enum Num {
    I(i64),
    F(f64),
}

impl Num {
    fn of(v: &Value) -> Option<Num> {
        let n = v.as_number()?;
        n.as_i64().map(Num::I).or_else(|| n.as_f64().map(Num::F))
    }
    fn f(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn arith(op: Op, a: Num, b: Num) -> Value {
    if let (Num::I(x), Num::I(y)) = (a, b) {
        let r = match op {
            Op::Add => x.checked_add(y),
            Op::Sub => x.checked_sub(y),
            Op::Mul => x.checked_mul(y),
            Op::Div if y == 0 => return Value::Null,
            Op::Div => x.checked_div(y),
            Op::Mod if y == 0 => return Value::Null,
            _ => x.checked_rem(y),
        };
        if let Some(r) = r {
            return Value::from(r);
        }
    }
    let (x, y) = (a.f(), b.f());
    match op {
        Op::Add => float(x + y),
        Op::Sub => float(x - y),
        Op::Mul => float(x * y),
        _ if y == 0.0 => Value::Null,
        Op::Div => float(x / y),
        _ => float(x % y),
    }
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Number(_), Value::Number(_)) => match (Num::of(a), Num::of(b)) {
            (Some(Num::I(x)), Some(Num::I(y))) => x == y,
            (Some(x), Some(y)) => x.f() == y.f(),
            _ => false,
        },
        (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Array(_), Value::Array(_))
        | (Value::Object(_), Value::Object(_)) => a == b,
        _ => display(a) == display(b),
    }
}

fn as_int(v: &Value) -> Option<i64> {
    v.as_i64()
}

fn index_of(v: &Value, len: usize) -> Option<usize> {
    usize::try_from(as_int(v)?).ok().filter(|&i| i < len)
}

/// A reference part with its arguments evaluated.
enum Step<'t> {
    Prop(&'t str),
    Index(Value),
    Method(&'t str, Vec<Value>),
}

fn child<'v>(v: &'v Value, step: &Step<'_>) -> Option<&'v Value> {
    match (v, step) {
        (Value::Object(m), Step::Prop(k)) => m.get(*k),
        (Value::Object(m), Step::Index(k)) => m.get(&display(k)),
        (Value::Array(a), Step::Index(i)) => a.get(index_of(i, a.len())?),
        _ => None,
    }
}

/// Like [`child`]; a missing key of an object is created (as null) when `create` is set.
fn child_mut<'v>(v: &'v mut Value, step: &Step<'_>, create: bool) -> Option<&'v mut Value> {
    match (v, step) {
        (Value::Object(m), Step::Prop(_) | Step::Index(_)) => {
            let key = match step {
                Step::Prop(k) => (*k).to_string(),
                Step::Index(k) => display(k),
                Step::Method(..) => return None,
            };
            if create {
                Some(m.entry(key).or_insert(Value::Null))
            } else {
                m.get_mut(&key)
            }
        }
        (Value::Array(a), Step::Index(i)) => {
            let i = index_of(i, a.len())?;
            a.get_mut(i)
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

enum Flow {
    Go,
    Break,
    Stop,
}

struct Renderer<'a, 'b> {
    input: &'a RenderInput<'b>,
    vars: HashMap<String, Value>,
    iterations: u64,
    /// What is left of the budget on values copied and strings scanned.
    work: Cell<u64>,
    body: OnceCell<Option<Value>>,
    regexes: RefCell<HashMap<String, regex::Regex>>,
    at: Pos,
}

impl Renderer<'_, '_> {
    /// The input's own value of a built-in variable, until a template writes to it.
    fn builtin(&self, name: &str) -> Option<&Value> {
        match name {
            "context" => Some(self.input.context),
            "stageVariables" => Some(self.input.stage_variables),
            _ => None,
        }
    }

    /// Before a write to a built-in variable: copy it into the template's variables.
    fn own_builtin(&mut self, name: &str) {
        if !self.vars.contains_key(name) {
            if let Some(v) = self.builtin(name).cloned() {
                self.vars.insert(name.to_string(), v);
            }
        }
    }

    fn fail(&self, message: impl Into<String>) -> VtlError {
        self.at.err(message)
    }

    fn spend(&self, units: u64) -> Result<(), VtlError> {
        match self.work.get().checked_sub(units) {
            Some(left) => {
                self.work.set(left);
                Ok(())
            }
            None => Err(self.fail("template exceeds its work budget (values copied or scanned)")),
        }
    }

    /// Charges the budget for copying `v`; refuses values nested too deeply.
    fn charge(&self, v: &Value) -> Result<(), VtlError> {
        fn weigh(v: &Value, depth: usize, left: &mut u64) -> bool {
            let w = match v {
                Value::String(s) => 1 + s.len() as u64 / 16,
                _ => 1,
            };
            if depth > MAX_VALUE_DEPTH || *left < w {
                return false;
            }
            *left -= w;
            match v {
                Value::Array(a) => a.iter().all(|x| weigh(x, depth + 1, left)),
                Value::Object(m) => m.values().all(|x| weigh(x, depth + 1, left)),
                _ => true,
            }
        }
        let mut left = self.work.get();
        let ok = weigh(v, 0, &mut left);
        self.work.set(left);
        if ok {
            Ok(())
        } else {
            Err(self.fail("template exceeds its work budget or nests values too deeply"))
        }
    }

    fn emit(&self, out: &mut String, s: &str) -> Result<(), VtlError> {
        if out.len().saturating_add(s.len()) > MAX_OUTPUT {
            return Err(self.fail("output exceeds 10 MB"));
        }
        out.push_str(s);
        Ok(())
    }

    fn nodes(&mut self, nodes: &[Node], out: &mut String) -> Result<Flow, VtlError> {
        for node in nodes {
            let flow = match node {
                Node::Text(t) => {
                    self.emit(out, t)?;
                    Flow::Go
                }
                Node::Ref(r) => {
                    let v = self.eval_ref(r)?;
                    match v {
                        Value::Null if r.quiet => {}
                        Value::Null => self.emit(out, &r.source)?,
                        Value::String(s) => self.emit(out, &s)?,
                        v => {
                            let mut s = String::new();
                            display_into(&v, &mut s);
                            self.emit(out, &s)?;
                        }
                    }
                    Flow::Go
                }
                Node::Set(target, e) => {
                    self.at = target.pos;
                    let v = self.eval(e)?;
                    self.assign(target, v)?;
                    Flow::Go
                }
                Node::If(branches, otherwise) => {
                    let mut chosen = otherwise;
                    for (cond, body) in branches {
                        if truthy(&self.eval(cond)?) {
                            chosen = body;
                            break;
                        }
                    }
                    self.nodes(chosen, out)?
                }
                Node::Foreach(var, iter, body, pos) => self.foreach(var, iter, body, *pos, out)?,
                Node::Break => Flow::Break,
                Node::Stop => Flow::Stop,
            };
            if !matches!(flow, Flow::Go) {
                return Ok(flow);
            }
        }
        Ok(Flow::Go)
    }

    fn foreach(
        &mut self,
        var: &str,
        iter: &Expr,
        body: &[Node],
        pos: Pos,
        out: &mut String,
    ) -> Result<Flow, VtlError> {
        self.at = pos;
        let items = match self.eval(iter)? {
            Value::Array(a) => a,
            Value::Object(m) => m.into_iter().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        };
        let names = [var, "foreach", "velocityCount", "velocityHasNext"];
        let saved: Vec<Option<Value>> = names.iter().map(|n| self.vars.remove(*n)).collect();
        let n = items.len();
        let mut flow = Flow::Go;
        for (i, item) in items.into_iter().enumerate() {
            self.iterations += 1;
            if self.iterations > MAX_ITERATIONS {
                return Err(pos.err("more than 1000000 #foreach iterations"));
            }
            let has_next = i + 1 < n;
            let meta = serde_json::json!({
                "index": i, "count": i + 1, "hasNext": has_next, "first": i == 0, "last": !has_next,
            });
            self.vars.insert(var.to_string(), item);
            self.vars.insert("foreach".into(), meta);
            self.vars.insert("velocityCount".into(), Value::from(i + 1));
            self.vars
                .insert("velocityHasNext".into(), Value::Bool(has_next));
            match self.nodes(body, out)? {
                Flow::Go => {}
                Flow::Break => break,
                Flow::Stop => {
                    flow = Flow::Stop;
                    break;
                }
            }
        }
        for (name, old) in names.iter().zip(saved) {
            match old {
                Some(v) => self.vars.insert((*name).to_string(), v),
                None => self.vars.remove(*name),
            };
        }
        Ok(flow)
    }

    fn assign(&mut self, target: &Reference, v: Value) -> Result<(), VtlError> {
        let mut steps = Vec::new();
        for p in &target.parts {
            steps.push(match p {
                Part::Prop(n) => Step::Prop(n),
                Part::Index(e) => Step::Index(self.eval(e)?),
                Part::Method(..) => return Err(self.fail("cannot #set a method call")),
            });
        }
        let Some((last, prefix)) = steps.split_last() else {
            if v.is_null() {
                self.vars.remove(&target.name);
            } else {
                self.vars.insert(target.name.clone(), v);
            }
            return Ok(());
        };
        self.own_builtin(&target.name);
        let mut cur = self.vars.entry(target.name.clone()).or_insert(Value::Null);
        for step in prefix {
            if cur.is_null() {
                *cur = Value::Object(Map::new());
            }
            cur = match child_mut(cur, step, true) {
                Some(c) => c,
                None => return Ok(()),
            };
        }
        if cur.is_null() {
            *cur = Value::Object(Map::new());
        }
        if let Some(slot) = child_mut(cur, last, true) {
            *slot = v;
        }
        Ok(())
    }

    fn eval(&mut self, e: &Expr) -> Result<Value, VtlError> {
        Ok(match e {
            Expr::Lit(v) => {
                self.charge(v)?;
                v.clone()
            }
            Expr::Interp(nodes) => {
                let mut s = String::new();
                self.nodes(nodes, &mut s)?;
                Value::String(s)
            }
            Expr::Ref(r) => self.eval_ref(r)?,
            Expr::List(items) => Value::Array(
                items
                    .iter()
                    .map(|x| self.eval(x))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Range(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                let (Some(a), Some(b)) = (as_int(&a), as_int(&b)) else {
                    return Ok(Value::Null);
                };
                if a.abs_diff(b) >= MAX_ITERATIONS {
                    return Err(self.fail(format!("range [{a}..{b}] is too large")));
                }
                self.spend(a.abs_diff(b) + 1)?;
                let items: Vec<Value> = if a <= b {
                    (a..=b).map(Value::from).collect()
                } else {
                    (b..=a).rev().map(Value::from).collect()
                };
                Value::Array(items)
            }
            Expr::Map(pairs) => {
                let mut m = Map::new();
                for (k, v) in pairs {
                    let k = display(&self.eval(k)?);
                    m.insert(k, self.eval(v)?);
                }
                Value::Object(m)
            }
            Expr::Not(x) => Value::Bool(!truthy(&self.eval(x)?)),
            Expr::Neg(x) => match Num::of(&self.eval(x)?) {
                Some(n) => arith(Op::Sub, Num::I(0), n),
                None => Value::Null,
            },
            Expr::Bin(Op::And, a, b) => {
                Value::Bool(truthy(&self.eval(a)?) && truthy(&self.eval(b)?))
            }
            Expr::Bin(Op::Or, a, b) => {
                Value::Bool(truthy(&self.eval(a)?) || truthy(&self.eval(b)?))
            }
            Expr::Bin(op, a, b) => {
                let (l, r) = (self.eval(a)?, self.eval(b)?);
                self.binary(*op, l, r)?
            }
        })
    }

    fn binary(&self, op: Op, l: Value, r: Value) -> Result<Value, VtlError> {
        let nums = Num::of(&l).zip(Num::of(&r));
        Ok(match op {
            Op::Eq => Value::Bool(values_equal(&l, &r)),
            Op::Ne => Value::Bool(!values_equal(&l, &r)),
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                let Some((x, y)) = nums else {
                    return Ok(Value::Bool(false));
                };
                let ord = match (x, y) {
                    (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
                    _ => x.f().partial_cmp(&y.f()),
                };
                Value::Bool(ord.is_some_and(|o| match op {
                    Op::Lt => o.is_lt(),
                    Op::Le => o.is_le(),
                    Op::Gt => o.is_gt(),
                    _ => o.is_ge(),
                }))
            }
            _ if l.is_null() || r.is_null() => Value::Null,
            Op::Add if l.is_string() || r.is_string() => {
                let mut s = display(&l);
                display_into(&r, &mut s);
                if s.len() > MAX_OUTPUT {
                    return Err(self.fail("string exceeds 10 MB"));
                }
                Value::String(s)
            }
            _ => nums.map_or(Value::Null, |(x, y)| arith(op, x, y)),
        })
    }

    fn eval_ref(&mut self, r: &Reference) -> Result<Value, VtlError> {
        let mut steps = Vec::with_capacity(r.parts.len());
        for p in &r.parts {
            steps.push(match p {
                Part::Prop(n) => Step::Prop(n),
                Part::Index(e) => Step::Index(self.eval(e)?),
                Part::Method(n, args) => Step::Method(
                    n,
                    args.iter()
                        .map(|a| self.eval(a))
                        .collect::<Result<_, _>>()?,
                ),
            });
        }
        self.at = r.pos;
        let Some(root) = self.vars.get(&r.name).or_else(|| self.builtin(&r.name)) else {
            let Some((first, rest)) = steps.split_first() else {
                return Ok(Value::Null);
            };
            let base = match r.name.as_str() {
                "input" => self.input_member(first)?,
                "util" => self.util_member(first)?,
                _ => return Ok(Value::Null),
            };
            return self.walk(Cow::Owned(base), rest);
        };
        let mutating = match steps.split_last() {
            Some((Step::Method(m, _), prefix)) => {
                matches!(*m, "put" | "add" | "remove" | "putAll")
                    && prefix.iter().all(|s| !matches!(s, Step::Method(..)))
            }
            _ => false,
        };
        if !mutating {
            return self.walk(Cow::Borrowed(root), &steps);
        }
        let Some(Step::Method(method, args)) = steps.pop() else {
            return Ok(Value::Null);
        };
        self.own_builtin(&r.name);
        let target = self.vars.get_mut(&r.name).and_then(|mut cur| {
            for step in &steps {
                cur = child_mut(cur, step, false)?;
            }
            Some(cur)
        });
        Ok(target.map_or(Value::Null, |t| mutate(t, method, args)))
    }

    /// Applies the remaining steps of a reference; null stops the walk.
    fn walk(&self, mut cur: Cow<'_, Value>, steps: &[Step<'_>]) -> Result<Value, VtlError> {
        for step in steps {
            if cur.is_null() {
                return Ok(Value::Null);
            }
            cur = match (cur, step) {
                (cur, Step::Method(name, args)) => Cow::Owned(self.call(&cur, name, args)?),
                (Cow::Borrowed(v), step) => match child(v, step) {
                    Some(c) => Cow::Borrowed(c),
                    None => return Ok(Value::Null),
                },
                (Cow::Owned(mut v), step) => match child_mut(&mut v, step, false) {
                    Some(c) => Cow::Owned(c.take()),
                    None => return Ok(Value::Null),
                },
            };
        }
        match cur {
            Cow::Borrowed(v) => {
                self.charge(v)?;
                Ok(v.clone())
            }
            Cow::Owned(v) => Ok(v),
        }
    }

    fn call(&self, recv: &Value, name: &str, args: &[Value]) -> Result<Value, VtlError> {
        let r = match (recv, name, args) {
            (_, "toString", []) => Value::String(display(recv)),
            (_, "equals", [x]) => Value::Bool(
                std::mem::discriminant(recv) == std::mem::discriminant(x) && values_equal(recv, x),
            ),
            (Value::String(s), ..) => {
                self.spend(1 + s.len() as u64 / 16)?;
                self.string_method(s, name, args)?
            }
            (Value::Array(a), "size", []) => Value::from(a.len()),
            (Value::Array(a), "isEmpty", []) => Value::Bool(a.is_empty()),
            (Value::Array(a), "get", [i]) => index_of(i, a.len())
                .and_then(|i| a.get(i))
                .cloned()
                .unwrap_or(Value::Null),
            (Value::Array(a), "contains" | "indexOf", [x]) => {
                self.spend(a.len() as u64)?;
                let found = a.iter().position(|y| values_equal(x, y));
                if name == "contains" {
                    Value::Bool(found.is_some())
                } else {
                    found.map_or(Value::from(-1), Value::from)
                }
            }
            (Value::Object(m), "size", []) => Value::from(m.len()),
            (Value::Object(m), "isEmpty", []) => Value::Bool(m.is_empty()),
            (Value::Object(m), "get", [k]) => m.get(&display(k)).cloned().unwrap_or(Value::Null),
            (Value::Object(m), "containsKey", [k]) => Value::Bool(m.contains_key(&display(k))),
            (Value::Object(m), "keySet", []) => {
                Value::Array(m.keys().map(|k| Value::String(k.clone())).collect())
            }
            (Value::Object(m), "values", []) => Value::Array(m.values().cloned().collect()),
            (Value::Object(_) | Value::Array(_), ..) => {
                self.charge(recv)?;
                mutate(&mut recv.clone(), name, args.to_vec())
            }
            _ => Value::Null,
        };
        self.charge(&r)?;
        Ok(r)
    }

    fn regex(&self, pattern: &str, whole: bool) -> Result<regex::Regex, VtlError> {
        let pattern = if whole {
            format!("^(?:{pattern})$")
        } else {
            pattern.to_string()
        };
        if let Some(re) = self
            .regexes
            .try_borrow()
            .ok()
            .and_then(|c| c.get(&pattern).cloned())
        {
            return Ok(re);
        }
        let re = regex::RegexBuilder::new(&pattern)
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 20)
            .build()
            .map_err(|e| self.fail(format!("unsupported regular expression {pattern:?}: {e}")))?;
        if let Ok(mut cache) = self.regexes.try_borrow_mut() {
            if cache.len() < 64 {
                cache.insert(pattern, re.clone());
            }
        }
        Ok(re)
    }

    fn string_method(&self, s: &str, name: &str, args: &[Value]) -> Result<Value, VtlError> {
        let text = |i: usize| args.get(i).map(display).unwrap_or_default();
        let int = |i: usize| args.get(i).and_then(as_int);
        let utf16 = || s.encode_utf16().collect::<Vec<u16>>();
        let out_of_range = || self.fail(format!("{name}: string index out of range"));
        let v = match (name, args.len()) {
            ("length" | "size", 0) => Value::from(s.encode_utf16().count()),
            ("isEmpty", 0) => Value::Bool(s.is_empty()),
            ("contains", 1) => Value::Bool(s.contains(&text(0))),
            ("startsWith", 1) => Value::Bool(s.starts_with(&text(0))),
            ("endsWith", 1) => Value::Bool(s.ends_with(&text(0))),
            ("equalsIgnoreCase", 1) => Value::Bool(s.to_lowercase() == text(0).to_lowercase()),
            ("indexOf" | "lastIndexOf", 1) => {
                let (hay, needle) = (utf16(), text(0).encode_utf16().collect::<Vec<u16>>());
                let found = if needle.is_empty() {
                    Some(if name == "indexOf" { 0 } else { hay.len() })
                } else if name == "indexOf" {
                    hay.windows(needle.len())
                        .position(|w| w == needle.as_slice())
                } else {
                    hay.windows(needle.len())
                        .rposition(|w| w == needle.as_slice())
                };
                found.map_or(Value::from(-1), Value::from)
            }
            ("substring", 1 | 2) | ("charAt", 1) => {
                let u = utf16();
                let a = int(0)
                    .and_then(|a| usize::try_from(a).ok())
                    .ok_or_else(out_of_range)?;
                let b = match (name, int(1)) {
                    ("charAt", _) => a.saturating_add(1),
                    (_, Some(b)) => usize::try_from(b).map_err(|_| out_of_range())?,
                    _ if args.len() == 2 => return Ok(Value::Null),
                    _ => u.len(),
                };
                Value::String(String::from_utf16_lossy(
                    u.get(a..b).ok_or_else(out_of_range)?,
                ))
            }
            ("toLowerCase", 0) => Value::String(s.to_lowercase()),
            ("toUpperCase", 0) => Value::String(s.to_uppercase()),
            ("trim", 0) => Value::String(s.trim_matches(|c| c <= ' ').to_string()),
            ("concat", 1) => Value::String(format!("{s}{}", text(0))),
            ("replace", 2) => Value::String(s.replace(&text(0), &text(1))),
            ("replaceAll" | "replaceFirst", 2) => {
                let re = self.regex(&text(0), false)?;
                let rep = java_replacement(&text(1));
                let limit = if name == "replaceAll" { 0 } else { 1 };
                Value::String(re.replacen(s, limit, rep.as_str()).into_owned())
            }
            ("matches", 1) => Value::Bool(self.regex(&text(0), true)?.is_match(s)),
            ("split", 1) => {
                let re = self.regex(&text(0), false)?;
                let mut parts: Vec<&str> = if s.is_empty() {
                    vec![""]
                } else {
                    re.split(s).collect()
                };
                if !s.is_empty() {
                    let leading_empty_match = re.find(s).is_some_and(|m| m.end() == 0);
                    if leading_empty_match && parts.first() == Some(&"") {
                        parts.remove(0);
                    }
                    while parts.last() == Some(&"") {
                        parts.pop();
                    }
                }
                Value::Array(
                    parts
                        .into_iter()
                        .map(|p| Value::String(p.to_string()))
                        .collect(),
                )
            }
            _ => Value::Null,
        };
        if v.as_str().is_some_and(|s| s.len() > MAX_OUTPUT) {
            return Err(self.fail("string exceeds 10 MB"));
        }
        Ok(v)
    }

    fn body_json(&self) -> Option<&Value> {
        self.body
            .get_or_init(|| {
                let body = self.input.body.trim();
                if body.is_empty() {
                    Some(Value::Object(Map::new()))
                } else {
                    serde_json::from_str(body).ok()
                }
            })
            .as_ref()
    }

    /// `$input.path(p)`: the value at a JSONPath of the body (`None` when absent).
    fn json_path(&self, path: &str) -> Result<Option<Value>, VtlError> {
        let (steps, multi) =
            parse_json_path(path).map_err(|e| self.fail(format!("JSONPath {path:?}: {e}")))?;
        let Some(body) = self.body_json() else {
            return Ok(None);
        };
        let mut cur = vec![body];
        for step in &steps {
            let mut next = Vec::new();
            for v in cur {
                match (step, v) {
                    (PathStep::Key(k), Value::Object(m)) => next.extend(m.get(k)),
                    (PathStep::Index(i), Value::Array(a)) => {
                        let i = if *i < 0 {
                            a.len().checked_sub(i.unsigned_abs() as usize)
                        } else {
                            usize::try_from(*i).ok()
                        };
                        next.extend(i.and_then(|i| a.get(i)));
                    }
                    (PathStep::All, Value::Array(a)) => next.extend(a.iter()),
                    (PathStep::All, Value::Object(m)) => next.extend(m.values()),
                    _ => {}
                }
            }
            cur = next;
        }
        let found = if multi {
            Some(Value::Array(cur.into_iter().cloned().collect()))
        } else {
            cur.first().map(|v| (*v).clone())
        };
        if let Some(v) = &found {
            self.charge(v)?;
        }
        Ok(found)
    }

    fn input_member(&self, step: &Step<'_>) -> Result<Value, VtlError> {
        let lists = [
            ("path", self.input.path_params),
            ("querystring", self.input.query_params),
            ("header", self.input.headers),
        ];
        let (name, args, method) = match step {
            Step::Prop(n) => (*n, &[][..], false),
            Step::Method(n, a) => (*n, a.as_slice(), true),
            Step::Index(_) => return Ok(Value::Null),
        };
        Ok(match (name, args, method) {
            ("body", [], false) => {
                self.spend(1 + self.input.body.len() as u64 / 16)?;
                Value::String(self.input.body.to_string())
            }
            ("params", [], _) => {
                let mut all = Map::new();
                for (name, list) in lists {
                    let m: Map<String, Value> = list
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect();
                    all.insert(name.to_string(), Value::Object(m));
                }
                all.into()
            }
            ("params", [name], true) => {
                let name = display(name);
                let found = lists.iter().find_map(|(kind, list)| {
                    list.iter()
                        .find(|(k, _)| {
                            if *kind == "header" {
                                k.eq_ignore_ascii_case(&name)
                            } else {
                                *k == name
                            }
                        })
                        .map(|(_, v)| v.clone())
                });
                Value::String(found.unwrap_or_default())
            }
            ("path", [p], true) => self.json_path(&display(p))?.unwrap_or(Value::Null),
            ("json", [p], true) => Value::String(
                self.json_path(&display(p))?
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ),
            _ => Value::Null,
        })
    }

    fn util_member(&self, step: &Step<'_>) -> Result<Value, VtlError> {
        let Step::Method(name, args) = step else {
            return Ok(Value::Null);
        };
        let s = match args.as_slice() {
            [Value::Null] => return Ok(Value::Null),
            [v] => display(v),
            _ => return Ok(Value::Null),
        };
        self.spend(1 + s.len() as u64 / 16)?;
        let fail = |what: &str| self.fail(format!("$util.{name}: {what}"));
        let v = match *name {
            "escapeJavaScript" => Value::String(escape_javascript(&s)),
            "parseJson" => serde_json::from_str(&s).map_err(|e| fail(&e.to_string()))?,
            "urlEncode" => Value::String(url_encode(&s)),
            "urlDecode" => Value::String(url_decode(&s).ok_or_else(|| fail("malformed escape"))?),
            "base64Encode" => Value::String(base64::engine::general_purpose::STANDARD.encode(&s)),
            "base64Decode" => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s.trim())
                    .map_err(|e| fail(&e.to_string()))?;
                Value::String(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => Value::Null,
        };
        self.charge(&v)?;
        Ok(v)
    }
}

/// The in-place methods of maps and lists (`put`, `add`, `remove`, `putAll`).
fn mutate(target: &mut Value, method: &str, args: Vec<Value>) -> Value {
    let mut args = args.into_iter();
    match (target, method, args.next(), args.next(), args.next()) {
        (Value::Object(m), "put", Some(k), Some(v), None) => {
            m.insert(display(&k), v).unwrap_or(Value::Null)
        }
        (Value::Object(m), "remove", Some(k), None, None) => {
            m.shift_remove(&display(&k)).unwrap_or(Value::Null)
        }
        (Value::Object(m), "putAll", Some(Value::Object(other)), None, None) => {
            m.extend(other);
            Value::Null
        }
        (Value::Array(a), "add", Some(v), None, None) => {
            a.push(v);
            Value::Bool(true)
        }
        (Value::Array(a), "remove", Some(i), None, None) => match index_of(&i, a.len()) {
            Some(i) => a.remove(i),
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

enum PathStep {
    Key(String),
    Index(i64),
    All,
}

/// The JSONPath subset: `$`, `.name`, `['name']`, `[0]`, `[-1]`, `[*]`, `.*`. The flag says
/// whether a wildcard makes the result a list of matches.
fn parse_json_path(path: &str) -> Result<(Vec<PathStep>, bool), String> {
    let path = path.trim();
    let mut rest = path.strip_prefix('$').ok_or("must start with '$'")?;
    let (mut steps, mut multi) = (Vec::new(), false);
    while !rest.is_empty() {
        if rest.starts_with("..") {
            return Err("recursive descent '..' is not supported by apigw-emulator".into());
        }
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let (name, r) = r.split_at(end);
            match name {
                "" => return Err("empty name after '.'".into()),
                "*" => {
                    multi = true;
                    steps.push(PathStep::All);
                }
                _ => steps.push(PathStep::Key(name.to_string())),
            }
            rest = r;
        } else if let Some(r) = rest.strip_prefix('[') {
            let r = r.trim_start();
            let quote = r.chars().next().filter(|c| *c == '\'' || *c == '"');
            let (step, r) = if let Some(q) = quote {
                let body = &r[1..];
                let end = body.find(q).ok_or("unclosed quote")?;
                (PathStep::Key(body[..end].to_string()), &body[end + 1..])
            } else {
                let end = r.find(']').ok_or("unclosed '['")?;
                let inner = r[..end].trim();
                let step = if inner == "*" {
                    multi = true;
                    PathStep::All
                } else {
                    PathStep::Index(
                        inner
                            .parse()
                            .map_err(|_| format!("unsupported index {inner:?}"))?,
                    )
                };
                (step, &r[end..])
            };
            rest = r.trim_start().strip_prefix(']').ok_or("expected ']'")?;
            steps.push(step);
        } else {
            return Err(format!("unexpected {rest:?}"));
        }
    }
    Ok((steps, multi))
}

/// A Java `replaceAll` replacement (`$1`, `\$`) in the `regex` crate's syntax.
fn java_replacement(rep: &str) -> String {
    let mut out = String::new();
    let mut chars = rep.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(n) => out.push(n),
                None => {}
            },
            '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                if digits.is_empty() {
                    out.push_str("$$");
                } else {
                    out.push_str(&format!("${{{digits}}}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn escape_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// `application/x-www-form-urlencoded`, as Java's `URLEncoder` does it.
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn url_decode(s: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut it = s.bytes();
    while let Some(b) = it.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = [it.next()?, it.next()?];
                let hex = std::str::from_utf8(&hex).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
            }
            b => bytes.push(b),
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Fx {
        ctx: Value,
        sv: Value,
        body: String,
        path: Vec<(String, String)>,
        query: Vec<(String, String)>,
        headers: Vec<(String, String)>,
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn fx(body: &str) -> Fx {
        Fx {
            ctx: json!({"requestId": "req-1", "stage": "prod", "identity": {"sourceIp": "10.0.0.1"}}),
            sv: json!({"env": "test"}),
            body: body.to_string(),
            path: pairs(&[("id", "42")]),
            query: pairs(&[("q", "rust lang"), ("id", "shadowed")]),
            headers: pairs(&[("X-Trace", "abc"), ("Host", "api.example")]),
        }
    }

    impl Fx {
        fn render(&self, t: &str) -> Result<Rendered, VtlError> {
            Template::parse(t)?.render_with_overrides(&RenderInput {
                context: &self.ctx,
                stage_variables: &self.sv,
                body: &self.body,
                path_params: &self.path,
                query_params: &self.query,
                headers: &self.headers,
            })
        }
        fn text(&self, t: &str) -> String {
            self.render(t).expect("renders").text
        }
    }

    fn text(t: &str) -> String {
        fx("").text(t)
    }

    #[test]
    fn context_use_names_the_keys_a_template_reads() {
        let uses = |t: &str| Template::parse(t).unwrap().context_use().clone();
        let keys = |k: &[&str]| ContextUse::Keys(k.iter().map(|s| s.to_string()).collect());
        assert_eq!(uses("plain $input.body"), keys(&[]));
        assert_eq!(
            uses("$context.stage ${context.identity.sourceIp} $!context.stage"),
            keys(&["stage", "identity"])
        );
        assert_eq!(
            uses("#if($x == $context.requestId)#set($y = \"$context.path\")#end"),
            keys(&["requestId", "path"])
        );
        assert_eq!(
            uses("#foreach($i in [1..$context.requestTimeEpoch])#end"),
            keys(&["requestTimeEpoch"])
        );
        for whole in [
            "$context",
            "$context.keySet()",
            "$context['stage']",
            "#foreach($k in $context.keySet())$k#end",
            "$util.escapeJavaScript(\"$context\")",
            "#set($c = $context)$c.stage",
        ] {
            assert_eq!(uses(whole), ContextUse::All, "{whole}");
        }
        assert!(ContextUse::All.reads("anything"));
        assert!(!keys(&["stage"]).reads("apiId"));
    }

    #[test]
    fn plain_text_context_and_stage_variables() {
        assert_eq!(text("hello {\"a\": 1}\n"), "hello {\"a\": 1}\n");
        assert_eq!(
            text("$context.requestId ${context.stage} $context.identity.sourceIp $stageVariables.env"),
            "req-1 prod 10.0.0.1 test"
        );
    }

    #[test]
    fn params_from_each_source() {
        let f = fx("");
        assert_eq!(
            f.text("$input.params('id')|$input.params('q')|$input.params('x-trace')"),
            "42|rust lang|abc"
        );
        assert_eq!(f.text("[$input.params('missing')]"), "[]");
        assert_eq!(
            f.text("$input.params().header.Host $input.params().querystring.q"),
            "api.example rust lang"
        );
    }

    #[test]
    fn input_json_and_path() {
        let f =
            fx(r#"{"a": "abc", "o": {"k": [1, 2.5, true]}, "items": [{"n": "x"}, {"n": "y"}]}"#);
        assert_eq!(f.text("$input.json('$.a')"), "\"abc\"");
        assert_eq!(f.text("$input.json('$.o')"), r#"{"k":[1,2.5,true]}"#);
        assert_eq!(f.text("$input.path('$.o')"), "{k=[1, 2.5, true]}");
        assert_eq!(
            f.text("$input.path('$.items').size() $input.path('$.items[1].n')"),
            "2 y"
        );
        assert_eq!(
            f.text("$input.json('$.items[*].n') $input.path('$.a').length()"),
            r#"["x","y"] 3"#
        );
        let whole: Value = serde_json::from_str(&f.text("$input.json('$')")).expect("json");
        assert_eq!(whole["o"]["k"][1], json!(2.5));
        assert_eq!(f.text("[$input.json('$.nope')]"), "[]");
        assert_eq!(fx("").text("$input.json('$')"), "{}");
        assert!(f.render("$input.path('$..a')").is_err());
    }

    #[test]
    fn pass_through_template() {
        let t = r#"#set($allParams = $input.params())
{
"body-json" : $input.json('$'),
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
}
}
"#;
        let mut f = fx(r#"{"pet": {"name": "Rex \"the dog\""}}"#);
        f.headers.push(("X-Quote".into(), "say \"hi\"".into()));
        let out = f.text(t);
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        assert_eq!(v["body-json"]["pet"]["name"], "Rex \"the dog\"");
        assert_eq!(v["params"]["path"]["id"], "42");
        assert_eq!(v["params"]["querystring"]["q"], "rust lang");
        assert_eq!(v["params"]["header"]["X-Quote"], "say \"hi\"");
        assert!(out.starts_with("{\n\"body-json\""), "{out}");
    }

    #[test]
    fn conditionals() {
        let t = "#foreach($n in [1, 5, 10, 'x'])#if($n == 'x')X#elseif($n < 5)small#elseif($n >= 10 && $n != 11)big#{else}mid#end,#end";
        assert_eq!(text(t), "small,mid,big,X,");
        assert_eq!(
            text("#if(!$nope)none#end #if($nope || 'a' eq \"a\")yes#end"),
            "none yes"
        );
        assert_eq!(
            text(
                "#set($x = 7 / 2)$x #set($y = 7.0 / 2)$y ${x}0 #set($s = 'a' + 1)$s $velocityCount"
            ),
            "3 3.5 30 a1 $velocityCount"
        );
    }

    #[test]
    fn foreach_over_body_builds_json() {
        let f = fx(r#"[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]"#);
        let t = "[\n#foreach($item in $input.path('$'))\n  {\"n\": $foreach.count, \"id\": $item.id, \"name\": \"$item.name\"}#if($foreach.hasNext),#end\n\n#end\n]";
        let v: Value = serde_json::from_str(&f.text(t)).expect("json");
        assert_eq!(
            v,
            json!([{"n": 1, "id": 1, "name": "a"}, {"n": 2, "id": 2, "name": "b"}])
        );
        assert_eq!(
            text("#foreach($i in [1..5])#if($i == 3)#break#end$i$velocityCount #end"),
            "11 22 "
        );
        assert_eq!(text("a#stop b"), "a");
    }

    #[test]
    fn util_functions() {
        assert_eq!(
            text("$util.escapeJavaScript(\"it's \"\"quoted\"\"\n\\ok\")"),
            "it\\'s \\\"quoted\\\"\\n\\\\ok"
        );
        assert_eq!(
            text("$util.base64Encode('hello') $util.base64Decode('aGVsbG8=')"),
            "aGVsbG8= hello"
        );
        assert_eq!(
            text("$util.urlEncode('a b&c=é') $util.urlDecode('a+b%26c')"),
            "a+b%26c%3D%C3%A9 a b&c"
        );
        assert_eq!(
            text("#set($o = $util.parseJson('{\"a\":[1,2]}'))$o.a.get(1)"),
            "2"
        );
        assert_eq!(
            text("$util.escapeJavaScript(\"x'y\").replaceAll(\"\\\\'\", \"'\")"),
            "x'y"
        );
    }

    #[test]
    fn string_and_map_methods() {
        let t = "#set($s = ' Hello World ')$s.trim().toLowerCase()|$s.substring(1, 6)|$s.indexOf('o')|$s.replace('l', 'L')|$s.split(' ').size()|$s.contains('World')|$s.trim().matches('H.*d')";
        assert_eq!(text(t), "hello world|Hello|5| HeLLo WorLd |3|true|true");
        let t = "#set($m = {})#set($prev = $m.put('a', 1))$!prev#set($m.b = [1])$m.b.add(2) $m $m.keySet() $m.containsKey('b')";
        assert_eq!(text(t), "true {a=1, b=[1, 2]} [a, b] true");
        assert!(fx("").render("#set($s = 'x')$s.substring(5)").is_err());
    }

    #[test]
    fn quiet_undefined_and_literal_dollars_and_hashes() {
        assert_eq!(
            text("[$!nope][$!{nope}][$nope][${nope.x}][$nope.call(1)]"),
            "[][][$nope][${nope.x}][$nope.call(1)]"
        );
        assert_eq!(
            text("color: #fff; # heading; price $5 or $ 5; \\$x; a#b"),
            "color: #fff; # heading; price $5 or $ 5; $x; a#b"
        );
        assert_eq!(text("a ## comment\nb #* block\n *#c"), "a b c");
    }

    #[test]
    fn unsupported_directives_are_parse_errors() {
        let err = Template::parse("line one\n  #macro(foo)x#end").expect_err("rejected");
        assert_eq!((err.line, err.column), (2, 3));
        assert!(
            err.message
                .contains("#macro is not supported by apigw-emulator"),
            "{err}"
        );
        for bad in [
            "#include('x')",
            "#{parse}('x')",
            "#if($a)",
            "#end",
            "#set($a)",
            "$a.b(",
            "#if($a == )x#end",
        ] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn response_override() {
        let t = "#set($context.responseOverride.status = 404)#set($context.responseOverride.header.X-Why = \"gone\")body";
        let r = fx("").render(t).expect("renders");
        assert_eq!((r.text.as_str(), r.status_override), ("body", Some(404)));
        assert_eq!(
            r.header_overrides,
            vec![("X-Why".to_string(), "gone".to_string())]
        );
    }

    #[test]
    fn limits_fail_cleanly() {
        let err = fx("")
            .render("#foreach($i in [1..2000000])x#end")
            .expect_err("too large");
        assert!(err.message.contains("too large"), "{err}");
        let err = fx("")
            .render("#foreach($i in [1..1000])#foreach($j in [1..1001])#end#end")
            .expect_err("limit");
        assert!(err.message.contains("iterations"), "{err}");
        let err = fx("")
            .render("#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..40])#set($s = \"$s$s\")#end")
            .expect_err("big");
        assert!(
            err.message.contains("10 MB") || err.message.contains("budget"),
            "{err}"
        );
        let err = fx("")
            .render("#set($l = [])#foreach($i in [1..300])#set($l = [$l])#end")
            .expect_err("deep");
        assert!(err.message.contains("deeply"), "{err}");
        assert!(Template::parse(&"(".repeat(100_000)).is_ok());
        assert!(Template::parse(&format!("#set($x = {}1)", "(".repeat(100_000))).is_err());
        assert!(Template::parse(&"#if(true)".repeat(10_000)).is_err());
    }

    #[test]
    fn deepest_templates_fit_a_small_stack() {
        let deepest = |d: usize| {
            let open = "#foreach($i in [1])".repeat(d);
            let expr = format!(
                "{}[$i, {{'k': \"$i.toString()\"}}]{}",
                "(".repeat(28 - d),
                ")".repeat(28 - d)
            );
            format!("{open}#set($x = {expr})$x{}", "#end".repeat(d))
        };
        let worker = std::thread::Builder::new().stack_size(1 << 20);
        let out = worker
            .spawn(move || [1, 14, 28].map(|d| text(&deepest(d))))
            .expect("spawn")
            .join()
            .expect("no stack overflow");
        assert_eq!(out, ["[1, {k=1}]"; 3].map(String::from));
        assert!(Template::parse(&format!(
            "{}(1)",
            deepest(28).replace("#set", "#{if}(true)#set")
        ))
        .is_err());
    }

    #[test]
    fn directive_lines_leave_no_blank_lines() {
        let t = "#set($a = 1)\n  #set($b = 2)\t\nstart\n#if($a == 1)\n  one\n#else\n  other\n#end\n#foreach($x in [1, 2])\n  item $x\n#end\nend";
        assert_eq!(text(t), "start\n  one\n  item 1\n  item 2\nend");
        assert_eq!(text("a\n  #if(true)b#end\nc"), "a\n  b\nc");
    }
}
