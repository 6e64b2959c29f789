//! Errors, displayed exactly as Go's `text/template` words them.

use std::fmt;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The template text is invalid (lexing or parsing).
    Parse,
    /// Execution failed (Go's `ExecError`).
    Exec,
    /// Execution ran out of a budget (steps, depth or output size).
    Limit,
}

/// A parse or execution error.
///
/// `Display` gives Go's text: `template: NAME:LINE: message` for parse errors and
/// `template: NAME:LINE:COL: executing "TMPL" at <NODE>: message` for execution errors, where
/// NAME is the template whose text was parsed and TMPL the one executing (they differ inside
/// `define`d templates), and COL is Go's 0-based byte column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub(crate) kind: ErrorKind,
    pub(crate) name: String,
    pub(crate) executing: Option<String>,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) context: Option<String>,
    pub(crate) message: String,
    pub(crate) located: bool,
}

impl Error {
    pub(crate) fn parse(name: &str, line: usize, column: usize, message: String) -> Self {
        Error {
            kind: ErrorKind::Parse,
            name: name.to_owned(),
            executing: None,
            line,
            column,
            context: None,
            message,
            located: true,
        }
    }

    pub(crate) fn no_template(name: &str) -> Self {
        Error {
            kind: ErrorKind::Exec,
            name: name.to_owned(),
            executing: None,
            line: 0,
            column: 0,
            context: None,
            message: format!(
                "no template {} associated with this template set",
                crate::gofmt::quote(name)
            ),
            located: false,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The template whose text holds the error (Go's `ParseName`).
    pub fn template(&self) -> &str {
        &self.name
    }

    /// For execution errors, the template that was executing.
    pub fn executing(&self) -> Option<&str> {
        self.executing.as_deref()
    }

    /// 1-based line (0 when the error has no location).
    pub fn line(&self) -> usize {
        self.line
    }

    /// 0-based byte column within the line, as Go counts it.
    pub fn column(&self) -> usize {
        self.column
    }

    /// The node being evaluated, as Go prints it in `at <...>`.
    pub fn context(&self) -> Option<&str> {
        self.context.as_deref()
    }

    /// The message without the location prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.located {
            return write!(f, "template: {}", self.message);
        }
        match (&self.executing, &self.context) {
            (Some(exec), Some(ctx)) => write!(
                f,
                "template: {}:{}:{}: executing {} at <{}>: {}",
                self.name,
                self.line,
                self.column,
                crate::gofmt::quote(exec),
                ctx,
                self.message
            ),
            (Some(_), None) => write!(f, "template: {}: {}", self.name, self.message),
            _ => write!(f, "template: {}:{}: {}", self.name, self.line, self.message),
        }
    }
}

impl std::error::Error for Error {}
