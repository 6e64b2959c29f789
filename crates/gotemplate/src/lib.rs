//! Go's `text/template` language for Rust.
//!
//! A faithful reimplementation of Go's template engine (Go 1.22+ semantics): the same lexer
//! state machine (trim markers, comments, raw strings, Go number and string literals), the same
//! parser (variable scoping, `else if` / `else with`, `define`, `block`, `break`/`continue`,
//! parse-time function checks), and an executor that keeps Go's value distinctions (no value vs
//! nil, `int` vs `uint` vs `float64`, typed map zero values, struct fields and methods) so that
//! output and error texts match Go's byte for byte.
//!
//! ```
//! use gotemplate::{Funcs, Function, Templates, Value};
//!
//! let mut funcs = Funcs::new();
//! funcs.insert("upper", Function::fixed(1, |args| {
//!     Ok(Value::from(args[0].to_string().to_uppercase()))
//! }));
//! let mut set = Templates::new(funcs);
//! set.parse("t", "{{ range $k, $v := .m }}{{ $k }}={{ $v | upper }} {{ end }}").unwrap();
//! let data = Value::from_json(&serde_json::json!({"m": {"b": "y", "a": "x"}}));
//! assert_eq!(set.execute("t", &data).unwrap(), "a=X b=Y ");
//! ```
//!
//! Differences from Go, all deliberate: complex numbers are rejected at parse time; string
//! literals must be valid UTF-8; maps have string keys; there are no channels or iterator
//! functions to range over; execution has step, depth and output budgets (`Limits`).

mod builtins;
mod error;
mod exec;
pub mod gofmt;
mod lex;
mod literal;
mod node;
mod parse;
mod template;
mod value;

pub use builtins::{html_escape, js_escape, query_escape};
pub use error::{Error, ErrorKind};
pub use template::{Funcs, Function, Limits, MissingKey, Templates};
pub use value::{FuncError, Map, Object, Value};
