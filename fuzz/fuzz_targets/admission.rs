//! Pod CREATEs through the policy's `validate`, built-in and Istio-template settings.
//!
//! Properties: no panic; a rejection carries a message; a mutation decodes as a v1 Pod; and
//! injecting the result again changes nothing — except for a pod that arrived with a
//! `sidecar.istio.io/status` annotation (Istio takes it as injected before), which may settle
//! on the second pass (`merge-probers`) or alternate between two pods (a template naming an
//! app container, see crates/injector/tests/reinjection.rs), as in Istio.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeline_fuzz::pod::FuzzPod;
use pipeline_fuzz::{settings, validate};
use serde_json::Value;

fuzz_target!(|input: FuzzPod| {
    let pod = input.into_json();
    for settings in settings() {
        check(&pod, settings);
    }
});

fn check(pod: &Value, settings: &Value) {
    let first = validate(pod, settings);
    if !first.accepted {
        assert!(
            first
                .message
                .as_deref()
                .is_some_and(|m| !m.trim().is_empty()),
            "a rejection without a message for {pod}"
        );
        return;
    }
    let Some(injected) = first.mutated else {
        return;
    };
    if let Err(e) = serde_json::from_value::<k8s_openapi::api::core::v1::Pod>(injected.clone()) {
        panic!("the mutated object is not a v1 Pod ({e}): {injected}");
    }
    let again = reinjected(&injected, settings);
    if again == injected {
        return;
    }
    let injected_before = pod
        .pointer("/metadata/annotations/sidecar.istio.io~1status")
        .is_some();
    let third = if injected_before {
        Some(reinjected(&again, settings))
    } else {
        None
    };
    assert!(
        third.is_some_and(|third| third == again || third == injected),
        "injecting the injected pod again changed it:\nfirst: {injected}\nagain: {again}"
    );
}

/// The pod the policy makes of `pod` (the pod itself when it lets it through unchanged).
fn reinjected(pod: &Value, settings: &Value) -> Value {
    let answer = validate(pod, settings);
    assert!(
        answer.accepted,
        "the injected pod is refused on the next pass: {:?}\n{pod}",
        answer.message
    );
    answer.mutated.unwrap_or_else(|| pod.clone())
}
