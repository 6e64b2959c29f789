//! JSON values for the property tests of the JSON readers and the answer writer: every shape,
//! numbers at their edges, and strings dense in what JSON escapes.

use proptest::prelude::*;
use serde_json::Value;

/// Any JSON value, five levels deep at most. Keys are short, so objects also meet repeated
/// keys, or long and arbitrary.
pub fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-c\"\\\\/\\x00-\\x1f\\x7fé😀]{0,6}".prop_map(Value::String),
        "[a-z]{0,20}[\"\\\\\\x00-\\x1f\\x7fé]?[a-z]{0,20}".prop_map(Value::String),
    ];
    let key = prop_oneof!["[a-c]{0,2}", any::<String>()];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}
