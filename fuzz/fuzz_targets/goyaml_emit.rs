//! The go-yaml emitter on arbitrary JSON: what it writes must read back as the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|input: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(input) else {
        return;
    };
    let Ok(text) = injector::goyaml::marshal(&value) else {
        return;
    };
    let back: Value = serde_yaml_ng::from_str(&text)
        .unwrap_or_else(|e| panic!("emitted YAML does not parse ({e}):\n{text}"));
    assert!(
        pipeline_fuzz::same_value(&value, &back),
        "emitted YAML reads back differently:\n{value}\n{text}\n{back}"
    );
});
