//! Go's `encoding/json.Marshal` of typed k8s values.
//!
//! Istio writes several strings with it that users and re-injection read back byte for byte:
//! the `proxy.istio.io/overrides` annotation (Go `Container`s), `ISTIO_META_POD_PORTS`
//! (`ContainerPort`s) and the probes of `ISTIO_KUBE_APP_PROBERS` (`HTTPGetAction` …). The
//! encoding differs from serde_json's: struct fields in declaration order, non-`omitempty`
//! zero values written, map keys sorted, and HTML-safe string escaping.

use serde_json::Value;

use super::normalize::{Mode, NormalizeOptions, SchemaError, normalize_root};
use super::schema::Struct;
use crate::golang::json::encode;

/// `json.Marshal` of `value` decoded as the Go type `ty`: compact, fields in declaration
/// order, `omitempty` honoured, always-written zero values present (`"resources":{}`), map
/// keys sorted, unknown fields dropped (Go cannot encode them).
pub fn to_go_json(ty: &'static Struct, value: &Value) -> Result<String, SchemaError> {
    let mode = Mode {
        opts: NormalizeOptions::go(),
        sort_raw: true,
    };
    let typed = normalize_root(ty, value, mode)?;
    Ok(encode(&typed))
}
