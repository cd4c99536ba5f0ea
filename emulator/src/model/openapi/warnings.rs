//! The importer's one piece of state: the warnings, by JSON path, for what a document asks for
//! that API Gateway accepts but the emulator does not emulate (authorizers, validators,
//! gateway responses, ...), so nothing is silently dropped.

use crate::scenario::document::DocumentError;

/// Reads a document, collecting warnings as it goes; see [`super::import`].
pub(super) struct Importer {
    pub(super) warnings: Vec<DocumentError>,
}

impl Importer {
    pub(super) fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(DocumentError::new(path, message));
    }
}
