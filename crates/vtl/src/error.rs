//! The crate's one error type, and the source position every error is reported at.

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl Pos {
    pub(crate) fn err(self, message: impl Into<String>) -> VtlError {
        VtlError {
            line: self.line,
            column: self.column,
            message: message.into(),
        }
    }
}
