//! Go's `text/template` language for Rust.
