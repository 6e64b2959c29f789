//! Property tests for the harness's parsers: arbitrary input gives an error, never a panic.

use e2e_tests::documents::parse_documents;
use e2e_tests::metadata::{METADATA_SECTION, Metadata, custom_sections, replace_custom_section};
use e2e_tests::workload::pod_for_workload;
use proptest::prelude::*;
use serde_json::{Map, Value};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9/_.-]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("Pod"),
            Just("Deployment"),
            Just("Job"),
            Just("CronJob"),
            Just("StatefulSet"),
            Just("DaemonSet"),
            Just("ReplicaSet"),
            Just("metadata"),
            Just("spec"),
            Just("template")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("kind".to_owned()),
            Just("metadata".to_owned()),
            Just("name".to_owned()),
            Just("spec".to_owned()),
            Just("template".to_owned()),
            Just("containers".to_owned()),
            Just("jobTemplate".to_owned()),
            Just("labels".to_owned()),
            Just("env".to_owned()),
            Just("volumes".to_owned()),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys, inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The smallest valid module: the header and nothing else.
const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

proptest! {
    #[test]
    fn custom_section_parsing_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut module = EMPTY_MODULE.to_vec();
        module.extend(bytes);
        let _ = custom_sections(&module);
        let _ = Metadata::from_wasm(&module);
        let _ = replace_custom_section(&module, METADATA_SECTION, b"{}");
    }

    #[test]
    fn replacing_the_section_always_leaves_exactly_one(
        sections in prop::collection::vec(("[a-z_]{0,20}", prop::collection::vec(any::<u8>(), 0..200)), 0..5),
        data in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut module = EMPTY_MODULE.to_vec();
        for (name, payload) in &sections {
            module = replace_custom_section(&module, name, payload).unwrap();
        }
        let replaced = replace_custom_section(&module, METADATA_SECTION, &data).unwrap();
        let again = replace_custom_section(&replaced, METADATA_SECTION, &data).unwrap();
        prop_assert_eq!(&replaced, &again);
        let found = custom_sections(&again).unwrap();
        let ours = found.iter().filter(|s| s.name == METADATA_SECTION).collect::<Vec<_>>();
        prop_assert_eq!(ours.len(), 1);
        prop_assert_eq!(ours[0].data, data.as_slice());
        let others = found.iter().filter(|s| s.name != METADATA_SECTION).count();
        let expected = sections.iter().map(|(n, _)| n.as_str()).filter(|n| *n != METADATA_SECTION)
            .collect::<std::collections::BTreeSet<_>>().len();
        prop_assert_eq!(others, expected);
    }

    #[test]
    fn document_parsing_never_panics(text in "\\PC{0,200}") {
        let _ = parse_documents(&text, "arbitrary");
    }

    #[test]
    fn workload_conversion_never_panics(workload in json_value()) {
        if let Ok(creation) = pod_for_workload(&workload, "default") {
            prop_assert_eq!(creation.pod["kind"].as_str(), Some("Pod"));
            prop_assert!(creation.pod["metadata"]["namespace"].is_string());
        }
    }
}
