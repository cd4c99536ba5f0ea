//! The expression grammar (literals, lists, ranges, maps, operators by precedence) and
//! references (`$name.prop.method(args)[index]`), parsed by the same [`Parser`] as the text
//! around them.

use serde_json::{Number, Value};

use crate::ast::{Expr, Op, Part, Reference};
use crate::error::VtlError;
use crate::parser::{ident_char, ident_start, Parser};
use crate::tree::build;

/// Binary operators, loosest first; Velocity spells each also as a word.
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

impl Parser {
    /// `$name.prop.method(args)[index]` at the cursor, or `None` (cursor unchanged) if the `$`
    /// starts no reference.
    pub(crate) fn reference(&mut self) -> Result<Option<Reference>, VtlError> {
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
                Some('[') => match self.index() {
                    Some(e) => parts.push(Part::Index(e)),
                    None => break,
                },
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

    /// `[expr]` after a reference, or `None` (cursor unchanged) where it is not one: then the
    /// reference ends before the `[` and the bracket is text (`$a[not an index]`).
    fn index(&mut self) -> Option<Expr> {
        let (save, depth) = (self.i, self.depth);
        self.i += 1;
        match self
            .expr()
            .and_then(|e| self.expect(']', "after index").map(|()| e))
        {
            Ok(e) => Some(e),
            Err(_) => {
                (self.i, self.depth) = (save, depth);
                None
            }
        }
    }

    /// Comma-separated expressions up to `close` (the opening bracket already consumed).
    pub(crate) fn list_of(&mut self, close: char) -> Result<Vec<Expr>, VtlError> {
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

    pub(crate) fn expr(&mut self) -> Result<Expr, VtlError> {
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
            '[' => self.list_or_range(),
            '{' => self.map(),
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

    /// `[a, b]` or `[a..b]`, the cursor on the `[`.
    fn list_or_range(&mut self) -> Result<Expr, VtlError> {
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

    /// `{k: v, …}`, the cursor on the `{`.
    fn map(&mut self) -> Result<Expr, VtlError> {
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
