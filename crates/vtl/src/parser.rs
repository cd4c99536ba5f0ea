//! The cursor over a template's source and its top level: text, `\` escapes, references standing
//! in text, comments and directives, scanned into a flat list of tokens for [`crate::tree`] to
//! nest. Expressions and references themselves are parsed in [`crate::expr`].

use crate::ast::{Expr, Node, Part, Reference};
use crate::error::{Pos, VtlError};
use crate::limits::MAX_DEPTH;
use crate::tree::{build, gobble};

/// Directives API Gateway's Velocity has and this subset refuses rather than print as text.
const UNSUPPORTED: [&str; 5] = ["macro", "include", "parse", "define", "evaluate"];
const KNOWN: [&str; 8] = [
    "set", "if", "elseif", "else", "end", "foreach", "break", "stop",
];

pub(crate) enum Dir {
    Set(Reference, Expr),
    If(Expr),
    ElseIf(Expr),
    Else,
    End,
    Foreach(String, Expr),
    Break,
    Stop,
}

pub(crate) enum Tok {
    Text(String),
    Ref(Reference),
    Dir(Dir, Pos),
    Comment { ends_line: bool },
}

/// Parses a whole template into its tree.
pub(crate) fn parse(source: &str) -> Result<Vec<Node>, VtlError> {
    let mut parser = Parser::new(source, None, 0);
    let toks = parser.template()?;
    build(gobble(toks))
}

pub(crate) fn ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub(crate) fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

pub(crate) struct Parser {
    s: Vec<char>,
    pub(crate) i: usize,
    lines: Vec<usize>,
    pub(crate) depth: usize,
    /// Sub-parsers (string literals) report every error at the literal's position.
    base: Option<Pos>,
}

impl Parser {
    pub(crate) fn new(source: &str, base: Option<Pos>, depth: usize) -> Parser {
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

    pub(crate) fn pos_at(&self, i: usize) -> Pos {
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

    pub(crate) fn err<T>(&self, message: impl Into<String>) -> Result<T, VtlError> {
        Err(self.pos_at(self.i).err(message))
    }

    pub(crate) fn at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    pub(crate) fn starts_with(&self, lit: &str) -> bool {
        lit.chars().enumerate().all(|(k, c)| self.at(k) == Some(c))
    }

    pub(crate) fn eat(&mut self, c: char) -> bool {
        let hit = self.at(0) == Some(c);
        self.i += usize::from(hit);
        hit
    }

    pub(crate) fn ws(&mut self) {
        while self.at(0).is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    pub(crate) fn expect(&mut self, c: char, what: &str) -> Result<(), VtlError> {
        self.ws();
        if self.at(0) == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            self.err(format!("expected '{c}' {what}"))
        }
    }

    pub(crate) fn enter(&mut self) -> Result<(), VtlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("template nested too deeply");
        }
        Ok(())
    }

    /// An identifier; Velocity 1.7 allows `-` inside one (`$a-b` is one name).
    pub(crate) fn ident(&mut self) -> String {
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

    pub(crate) fn text_between(&self, a: usize, b: usize) -> String {
        self.s
            .get(a..b)
            .map(|cs| cs.iter().collect())
            .unwrap_or_default()
    }

    pub(crate) fn template(&mut self) -> Result<Vec<Tok>, VtlError> {
        let mut toks = Vec::new();
        let mut text = String::new();
        while let Some(c) = self.at(0) {
            match c {
                '\\' => self.backslashes(&mut text),
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

    /// A run of backslashes: before a reference or directive, each pair prints one and an odd
    /// one escapes it; elsewhere they print as written.
    fn backslashes(&mut self, text: &mut String) {
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
            return;
        }
        text.extend(std::iter::repeat_n('\\', n / 2));
        if n % 2 == 1 {
            text.push(self.at(0).unwrap_or('$'));
            self.i += 1;
        }
    }

    pub(crate) fn peek_reference(&self) -> bool {
        let mut k = 1;
        if self.at(k) == Some('!') {
            k += 1;
        }
        if self.at(k) == Some('{') {
            k += 1;
        }
        self.at(k).is_some_and(ident_start)
    }

    /// A `#` at the cursor: a comment, a directive, or (`#fff`, `# heading`) just text.
    fn hash(&mut self, toks: &mut Vec<Tok>, text: &mut String) -> Result<(), VtlError> {
        let start = self.i;
        let pos = self.pos_at(start);
        if let Some(c @ ('#' | '*')) = self.at(1) {
            return self.comment(c, pos, toks, text);
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
        if UNSUPPORTED.contains(&name.as_str()) && closed {
            return Err(pos.err(format!("#{name} is not supported by apigw-emulator")));
        }
        if !closed || !KNOWN.contains(&name.as_str()) {
            self.i = start + 1;
            text.push('#');
            return Ok(());
        }
        self.i += usize::from(braced);
        let dir = self.directive(&name)?;
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

    /// `##` to the end of the line, or `#* … *#`; `kind` is the character after the first `#`.
    fn comment(
        &mut self,
        kind: char,
        pos: Pos,
        toks: &mut Vec<Tok>,
        text: &mut String,
    ) -> Result<(), VtlError> {
        let close = if kind == '#' { "\n" } else { "*#" };
        self.i += 2;
        while !self.starts_with(close) {
            match self.at(0) {
                Some(_) => self.i += 1,
                None if kind == '#' => break,
                None => return Err(pos.err("unclosed #* comment")),
            }
        }
        self.i = (self.i + close.len()).min(self.s.len());
        flush(toks, text);
        toks.push(Tok::Comment {
            ends_line: kind == '#',
        });
        Ok(())
    }

    /// The directive `name` (one of [`KNOWN`]) and its arguments, the cursor after its name.
    fn directive(&mut self, name: &str) -> Result<Dir, VtlError> {
        let what = format!("after #{name}");
        Ok(match name {
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
            "foreach" => self.foreach(&what)?,
            "else" => Dir::Else,
            "end" => Dir::End,
            "break" => Dir::Break,
            _ => Dir::Stop,
        })
    }

    fn foreach(&mut self, what: &str) -> Result<Dir, VtlError> {
        self.expect('(', what)?;
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
        Ok(Dir::Foreach(var, iter))
    }
}

fn flush(toks: &mut Vec<Tok>, text: &mut String) {
    if !text.is_empty() {
        toks.push(Tok::Text(std::mem::take(text)));
    }
}
