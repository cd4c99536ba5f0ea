//! From the scanner's flat tokens to the tree: lines holding only directives are dropped from
//! the output, and directives are nested into blocks.

use crate::ast::{Expr, Node};
use crate::error::{Pos, VtlError};
use crate::limits::MAX_DEPTH;
use crate::parser::{Dir, Tok};

/// Removes the indentation and line end of every line that holds only directives and comments.
pub(crate) fn gobble(toks: Vec<Tok>) -> Vec<Tok> {
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

/// A block whose `#end` has not come yet.
enum Open {
    /// The branches closed so far, and the condition of the one being filled (`None` after
    /// `#else`).
    If(Vec<(Expr, Vec<Node>)>, Option<Expr>),
    Foreach(String, Expr),
}

/// Nests the directive tokens into a tree.
pub(crate) fn build(toks: Vec<Tok>) -> Result<Vec<Node>, VtlError> {
    let mut root = Vec::new();
    let mut stack: Vec<(Open, Pos, Vec<Node>)> = Vec::new();
    for tok in toks {
        let node = match tok {
            Tok::Text(t) => Node::Text(t),
            Tok::Ref(r) => Node::Ref(r),
            Tok::Comment { .. } => continue,
            Tok::Dir(dir, pos) => match directive(dir, pos, &mut stack)? {
                Some(node) => node,
                None => continue,
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

/// Applies one directive to the open blocks: the node it completes, or `None` when it only
/// opened or continued a block.
fn directive(
    dir: Dir,
    pos: Pos,
    stack: &mut Vec<(Open, Pos, Vec<Node>)>,
) -> Result<Option<Node>, VtlError> {
    Ok(Some(match dir {
        Dir::Set(r, e) => Node::Set(r, e),
        Dir::Break => Node::Break,
        Dir::Stop => Node::Stop,
        Dir::If(_) | Dir::Foreach(..) if stack.len() >= MAX_DEPTH => {
            return Err(pos.err("directives nested too deeply"));
        }
        Dir::If(cond) => {
            stack.push((Open::If(Vec::new(), Some(cond)), pos, Vec::new()));
            return Ok(None);
        }
        Dir::Foreach(var, iter) => {
            stack.push((Open::Foreach(var, iter), pos, Vec::new()));
            return Ok(None);
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
            return Ok(None);
        }
        Dir::End => match stack.pop() {
            None => return Err(pos.err("#end without #if or #foreach")),
            Some((Open::Foreach(var, iter), pos, body)) => Node::Foreach(var, iter, body, pos),
            Some((Open::If(mut done, Some(c)), _, body)) => {
                done.push((c, body));
                Node::If(done, Vec::new())
            }
            Some((Open::If(done, None), _, body)) => Node::If(done, body),
        },
    }))
}
