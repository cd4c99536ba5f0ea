//! Pattern matching as IAM does it: `*` and `?` wildcards, ARNs component by component, and
//! policy variables (`${aws:SourceVpce}`) whose substituted text is always literal. Owns the
//! compiled [`Pattern`] that actions, resources and string conditions are matched with.

use crate::context::ConditionContext;
use crate::error::{PolicyError, PolicyErrorKind};

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Text that must appear as is.
    Literal(String),
    /// `*`: any run of characters, `/` and `:` included.
    Star,
    /// `?`: exactly one character.
    Question,
    /// `${key}` or `${key, 'default'}`: the request's value, matched literally.
    Variable {
        key: String,
        default: Option<String>,
    },
}

/// A compiled string pattern. Without wildcards (`wildcards: false`) `*` and `?` are literal,
/// as in `StringEquals`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    pieces: Vec<Piece>,
    has_variables: bool,
}

/// Why a `${...}` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct VariableSyntaxError(pub String);

/// Collects pieces, merging adjacent literal text into one [`Piece::Literal`].
#[derive(Default)]
struct PieceBuilder {
    pieces: Vec<Piece>,
    literal: String,
    has_variables: bool,
}

impl PieceBuilder {
    /// Ends the literal text in progress, if any.
    fn flush(&mut self) {
        if !self.literal.is_empty() {
            self.pieces
                .push(Piece::Literal(std::mem::take(&mut self.literal)));
        }
    }

    /// Adds a wildcard or variable after the literal text in progress.
    fn push(&mut self, piece: Piece) {
        self.flush();
        // `**` is `*`.
        if piece == Piece::Star && self.pieces.last() == Some(&Piece::Star) {
            return;
        }
        self.has_variables |= matches!(piece, Piece::Variable { .. });
        self.pieces.push(piece);
    }

    fn finish(mut self) -> Pattern {
        self.flush();
        Pattern {
            pieces: self.pieces,
            has_variables: self.has_variables,
        }
    }
}

/// What the inside of `${...}` stands for: an escaped `*`, `?` or `$` (as a literal piece), or
/// a condition key with an optional `'default'`.
fn read_variable(inner: &str) -> Result<Piece, VariableSyntaxError> {
    if matches!(inner, "*" | "?" | "$") {
        return Ok(Piece::Literal(inner.to_string()));
    }
    let (key, default) = match inner.split_once(',') {
        Some((k, d)) => {
            let d = d.trim();
            let d = d
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .ok_or_else(|| {
                    VariableSyntaxError(format!(
                        "the default in ${{{inner}}} must be in single quotes"
                    ))
                })?;
            (k.trim(), Some(d.to_string()))
        }
        None => (inner, None),
    };
    if key.is_empty() || key.contains(char::is_whitespace) {
        return Err(VariableSyntaxError(format!(
            "${{{inner}}} does not name a condition key"
        )));
    }
    Ok(Piece::Variable {
        key: key.to_ascii_lowercase(),
        default,
    })
}

impl Pattern {
    /// Compiles `text`. `wildcards`: `*`/`?` are wildcards. `variables`: `${...}` are policy
    /// variables (Version 2012-10-17 only; otherwise they are literal text).
    pub(crate) fn compile(
        text: &str,
        wildcards: bool,
        variables: bool,
    ) -> Result<Pattern, VariableSyntaxError> {
        let mut builder = PieceBuilder::default();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if variables && rest.starts_with("${") {
                let end = rest.find('}').ok_or_else(|| {
                    VariableSyntaxError(format!("unterminated policy variable in {text:?}"))
                })?;
                let inner = rest[2..end].trim();
                rest = &rest[end + 1..];
                match read_variable(inner)? {
                    Piece::Literal(escaped) => builder.literal.push_str(&escaped),
                    variable => builder.push(variable),
                }
                continue;
            }
            rest = &rest[c.len_utf8()..];
            match c {
                '*' if wildcards => builder.push(Piece::Star),
                '?' if wildcards => builder.push(Piece::Question),
                _ => builder.literal.push(c),
            }
        }
        Ok(builder.finish())
    }

    /// [`Pattern::compile`] for a policy element at `path`: a bad variable is a [`PolicyError`]
    /// there.
    pub(crate) fn compile_at(
        text: &str,
        wildcards: bool,
        variables: bool,
        path: &str,
    ) -> Result<Pattern, PolicyError> {
        Pattern::compile(text, wildcards, variables)
            .map_err(|e| PolicyError::new(path, PolicyErrorKind::InvalidVariable(e.0)))
    }

    /// True when the pattern is exactly `*`.
    pub(crate) fn is_star(&self) -> bool {
        self.pieces == [Piece::Star]
    }

    /// False when a variable's key is absent from the request and has no default: the element
    /// that uses it does not match, whatever its operator (IAM: the variable cannot be filled).
    pub(crate) fn resolvable(&self, context: &ConditionContext) -> bool {
        !self.has_variables
            || self.pieces.iter().all(|p| match p {
                Piece::Variable { key, default } => {
                    default.is_some() || matches!(context.get_lower(key), Some([_]))
                }
                _ => true,
            })
    }

    /// Resolves variables against `context`; `None` when a variable's key is absent and has no
    /// default (then the element does not match).
    fn resolved<'p>(&'p self, context: &ConditionContext) -> Option<std::borrow::Cow<'p, [Piece]>> {
        if !self.has_variables {
            return Some(std::borrow::Cow::Borrowed(&self.pieces));
        }
        let mut out = Vec::with_capacity(self.pieces.len());
        for piece in &self.pieces {
            match piece {
                Piece::Variable { key, default } => {
                    let value = match context.get_lower(key) {
                        Some([single]) => single.clone(),
                        Some(_) => return None,
                        None => default.clone()?,
                    };
                    out.push(Piece::Literal(value));
                }
                other => out.push(other.clone()),
            }
        }
        Some(std::borrow::Cow::Owned(out))
    }

    /// Matches `text`, case-sensitively, or case-insensitively when `ignore_case` (then the
    /// pattern must have been compiled from lowercase text and `text` is compared lowercased).
    pub(crate) fn matches(
        &self,
        text: &str,
        context: &ConditionContext,
        ignore_case: bool,
    ) -> bool {
        match self.resolved(context) {
            Some(pieces) => {
                if ignore_case && !text.is_ascii() {
                    glob(&pieces, text.to_lowercase().as_bytes(), true)
                } else {
                    glob(&pieces, text.as_bytes(), ignore_case)
                }
            }
            None => false,
        }
    }
}

/// Glob matching over bytes with backtracking on the last star (linear in practice). `?`
/// consumes one UTF-8 character.
fn glob(pieces: &[Piece], text: &[u8], ignore_case: bool) -> bool {
    // Most patterns are one literal (`execute-api:Invoke`, an endpoint id): compare directly.
    if let [Piece::Literal(lit)] = pieces {
        return if ignore_case {
            lit.as_bytes().eq_ignore_ascii_case(text)
        } else {
            lit.as_bytes() == text
        };
    }
    let literal_eq = |lit: &str, at: &[u8]| -> bool {
        let lb = lit.as_bytes();
        if at.len() < lb.len() {
            return false;
        }
        if ignore_case {
            at[..lb.len()]
                .iter()
                .zip(lb)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
        } else {
            &at[..lb.len()] == lb
        }
    };
    let char_len = |at: &[u8]| -> usize {
        match at.first() {
            None => 0,
            Some(b) if *b < 0x80 => 1,
            Some(b) if *b >= 0xF0 => 4,
            Some(b) if *b >= 0xE0 => 3,
            Some(_) => 2,
        }
    };
    let (mut p, mut t) = (0usize, 0usize);
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        if p < pieces.len() {
            match &pieces[p] {
                Piece::Star => {
                    backtrack = Some((p, t));
                    p += 1;
                    continue;
                }
                Piece::Question => {
                    let n = char_len(&text[t..]);
                    if n > 0 && t + n <= text.len() {
                        p += 1;
                        t += n;
                        continue;
                    }
                }
                Piece::Literal(lit) => {
                    if literal_eq(lit, &text[t..]) {
                        p += 1;
                        t += lit.len();
                        continue;
                    }
                }
                // Resolved before matching; an unresolved variable never matches.
                Piece::Variable { .. } => return false,
            }
        } else if t == text.len() {
            return true;
        }
        match backtrack {
            Some((star, from)) if from < text.len() => {
                let next = from + char_len(&text[from..]).max(1);
                backtrack = Some((star, next));
                p = star + 1;
                t = next;
            }
            _ => return false,
        }
    }
}

/// Matches an ARN against an ARN pattern component by component (partition, service, region,
/// account, resource): a wildcard in one component never spans a `:` into the next, unlike
/// `StringLike`. The resource part is everything after the fifth `:`.
pub(crate) fn arn_matches(pattern: &Pattern, arn: &str, context: &ConditionContext) -> bool {
    let Some(pieces) = pattern.resolved(context) else {
        return false;
    };
    let mut components: Vec<Vec<Piece>> = vec![Vec::new()];
    for piece in pieces.iter() {
        match piece {
            Piece::Literal(text) => {
                let mut rest = text.as_str();
                while components.len() < 6 {
                    let Some(i) = rest.find(':') else { break };
                    if i > 0 {
                        if let Some(c) = components.last_mut() {
                            c.push(Piece::Literal(rest[..i].to_string()));
                        }
                    }
                    components.push(Vec::new());
                    rest = &rest[i + 1..];
                }
                if !rest.is_empty() {
                    if let Some(c) = components.last_mut() {
                        c.push(Piece::Literal(rest.to_string()));
                    }
                }
            }
            other => {
                if let Some(c) = components.last_mut() {
                    c.push(other.clone());
                }
            }
        }
    }
    let arn_parts: Vec<&str> = arn.splitn(6, ':').collect();
    components.len() == 6
        && arn_parts.len() == 6
        && components
            .iter()
            .zip(&arn_parts)
            .all(|(c, a)| glob(c, a.as_bytes(), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::compile(pattern, true, true).unwrap().matches(
            text,
            &ConditionContext::new(),
            false,
        )
    }

    #[test]
    fn stars_cross_slashes_and_colons() {
        assert!(m(
            "arn:aws:execute-api:us-east-1:123456789012:abc/*/*/*",
            "arn:aws:execute-api:us-east-1:123456789012:abc/test/GET/"
        ));
        assert!(m(
            "arn:aws:execute-api:*:abc/test/*/pets",
            "arn:aws:execute-api:us-east-1:123456789012:abc/test/GET/v1/pets"
        ));
        assert!(!m(
            "arn:aws:execute-api:*:abc/*/GET/pets",
            "arn:aws:execute-api:us-east-1:123456789012:abc/test/GET/pets/123"
        ));
        assert!(m("*", ""));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("a?c", "abc"));
        assert!(m("a?c", "aéc"), "? is one character");
        assert!(!m("a?c", "ac"));
        assert!(!m("abc", "ABC"), "case-sensitive");
    }

    #[test]
    fn without_wildcards_stars_are_literal() {
        let p = Pattern::compile("a*", false, false).unwrap();
        assert!(p.matches("a*", &ConditionContext::new(), false));
        assert!(!p.matches("ab", &ConditionContext::new(), false));
    }

    #[test]
    fn variables_are_substituted_literally() {
        let mut c = ConditionContext::new();
        c.insert("aws:SourceVpce", "vpce-1*");
        let p = Pattern::compile("${aws:sourcevpce}", true, true).unwrap();
        assert!(p.matches("vpce-1*", &c, false));
        assert!(
            !p.matches("vpce-12", &c, false),
            "the substituted * is literal"
        );
        let with_default = Pattern::compile("${aws:username, 'nobody'}-x", true, true).unwrap();
        assert!(with_default.matches("nobody-x", &c, false));
        let missing = Pattern::compile("${aws:username}", true, true).unwrap();
        assert!(!missing.matches("", &c, false));
        let escapes = Pattern::compile("${*}${?}${$}", true, true).unwrap();
        assert!(escapes.matches("*?$", &c, false));
        assert!(!escapes.matches("a?$", &c, false));
        let literal = Pattern::compile("${aws:username}", true, false).unwrap();
        assert!(
            literal.matches("${aws:username}", &c, false),
            "Version 2008-10-17 keeps it literal"
        );
        assert!(Pattern::compile("${aws:x", true, true).is_err());
    }

    #[test]
    fn arns_match_component_by_component() {
        let c = ConditionContext::new();
        let p = Pattern::compile("arn:aws:sns:*:123456789012:mytopic", true, true).unwrap();
        assert!(arn_matches(
            &p,
            "arn:aws:sns:us-east-1:123456789012:mytopic",
            &c
        ));
        assert!(!arn_matches(
            &p,
            "arn:aws:sns:us-east-1:extra:123456789012:mytopic",
            &c
        ));
        assert!(
            p.matches(
                "arn:aws:sns:us-east-1:extra:123456789012:mytopic",
                &c,
                false
            ),
            "StringLike crosses colons"
        );
        let q = Pattern::compile("arn:aws:iam::*:role/x*", true, true).unwrap();
        assert!(arn_matches(&q, "arn:aws:iam::111122223333:role/xyz", &c));
        assert!(!arn_matches(&q, "not-an-arn", &c));
    }
}
