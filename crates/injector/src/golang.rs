//! Go's formatting, as Istio's output depends on it byte for byte: `encoding/json`'s string
//! escaping ([`json`]) and `strconv`/`fmt` ([`strconv`]). The rest of the crate writes Go's
//! text through here only; `gotemplate::gofmt` holds the implementations the template engine
//! needs and this module re-exports.

pub mod json;
pub mod strconv;
