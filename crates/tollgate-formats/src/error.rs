//! Errors that name where in a file a record went wrong.

use std::fmt;

/// A record that could not be read: its line, the field (when one is to blame) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// 1-based line number in the file.
    pub line: u64,
    pub field: Option<String>,
    pub reason: String,
}

impl RecordError {
    pub fn new(line: u64, field: Option<&str>, reason: impl Into<String>) -> RecordError {
        RecordError {
            line,
            field: field.map(str::to_string),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}: {}: {}", self.line, field, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// A file that cannot be read at all (unreadable, or a header without the columns needed).
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("line 1: header is missing the column(s) {0}")]
    MissingColumns(String),
    #[error("line 1: cannot read the header: {0}")]
    BadHeader(String),
}
