//! What Istio's templates call, stubbed: shared by the Istio-template tests and the
//! `parse_istio` bench (which includes this file by path).

#![allow(dead_code)] // the bench uses part of it

use gotemplate::{Funcs, Function, Value};

/// Names of the Istio (`InjectionFuncmap`) and sprig functions the templates call.
pub const ISTIO_AND_SPRIG: &[&str] = &[
    "annotation",
    "append",
    "appendMultusNetwork",
    "contains",
    "default",
    "directory",
    "env",
    "excludeInboundPort",
    "fromJSON",
    "indent",
    "isset",
    "join",
    "list",
    "mergeMaps",
    "nindent",
    "omit",
    "omitNil",
    "otelResourceAttributes",
    "protoToJSON",
    "quote",
    "replace",
    "strdict",
    "structToJSON",
    "toJSON",
    "toJsonMap",
    "toLower",
    "toYaml",
    "trimAll",
    "trunc",
    "valueOrDefault",
];

pub fn stub_funcs() -> Funcs {
    let mut funcs = Funcs::new();
    for name in ISTIO_AND_SPRIG {
        funcs.insert(name, Function::new(|_| Ok(Value::Nil)));
    }
    funcs
}
