//! go-yaml v2 as Kubernetes' Go code uses it through `sigs.k8s.io/yaml`: `yaml.Marshal` of a
//! value in its Go JSON form, byte for byte, and `yaml.Unmarshal` into JSON with YAML 1.1's
//! scalar rules ([`unmarshal`]).
//!
//! Shared by the templates (`toYaml`, reading rendered template text) and by kube-inject
//! (reading workloads, re-serialising them), so both read and write the same text: keys in
//! go-yaml's natural order, its quoting rules, block layout with 2-space indent, 80-column
//! folding (libyaml's emitter, of which go-yaml is a port, does the layout).

mod block;
mod block_read;
pub(crate) mod decode;
pub(crate) mod emit;
pub(crate) mod libyaml;

pub(crate) use block_read::read_common;
pub use decode::yaml_to_json as unmarshal;
pub use emit::natural_order;

use serde_json::Value;

/// The direct reader's answer (`None` where it leaves the text to libyaml) beside the libyaml
/// path's, for the `goyaml_read` fuzz target, which checks that they agree.
#[doc(hidden)]
pub fn unmarshal_both_ways(text: &str) -> (Option<Value>, Result<Value, String>) {
    (
        block_read::read(text).ok(),
        decode::libyaml_yaml_to_json(text),
    )
}

/// `sigs.k8s.io/yaml.Marshal` of a value already in its Go JSON form (keys are sorted here;
/// strings, numbers and nesting are written as go-yaml v2 writes what it read from that JSON).
pub fn marshal(value: &Value) -> Result<String, String> {
    emit::to_yaml(value)
}
