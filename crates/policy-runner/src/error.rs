//! One error type for the harness: every failure names what was being done and with which file.

use std::path::PathBuf;

/// What can go wrong while loading or running a policy module.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The wasm file is not there; `hint` says how to build it.
    #[error("{}: no such policy module; {hint}", path.display())]
    MissingWasm { path: PathBuf, hint: String },

    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot compile {what}: {message}")]
    Compile { what: String, message: String },

    #[error("cannot create a policy instance: {0}")]
    Instantiate(String),

    /// The guest trapped, ran past its deadline, or returned a waPC error.
    #[error("waPC call `{operation}` failed: {message}")]
    GuestCall { operation: String, message: String },

    /// The guest answered, but not with the document the protocol requires.
    #[error("waPC call `{operation}` answered something that is not {expected}: {message}")]
    BadResponse {
        operation: String,
        expected: &'static str,
        message: String,
    },

    /// A fixture, request or workload document is not usable.
    #[error("{what}: {message}")]
    Input { what: String, message: String },

    #[error("cannot compute or apply the JSON patch: {0}")]
    Patch(String),
}

impl HarnessError {
    pub(crate) fn input(what: impl Into<String>, message: impl std::fmt::Display) -> Self {
        HarnessError::Input {
            what: what.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        HarnessError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, HarnessError>;
