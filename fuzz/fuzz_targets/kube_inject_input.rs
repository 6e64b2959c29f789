//! Arbitrary text as kube-inject's input stream (multi-document YAML, Lists, garbage between
//! documents), injected as `istioctl kube-inject` runs: built-in and Istio-template config.
//!
//! Properties: no panic; a failure is a non-empty message and yields no output at all (the
//! API returns output only for a stream that succeeded whole); a success has one output
//! document per input document.

#![no_main]

use injector::Injector;
use injector::config::{InjectorConfig, MeshConfig, Values};
use injector::kubeinject::{inject_stream, split_documents};
use injector::{Mode, Options};
use libfuzzer_sys::fuzz_target;

thread_local! {
    // Template renderers keep per-thread caches, so an injector stays on its thread.
    static INJECTORS: Vec<Injector> = injectors();
}

fn injectors() -> Vec<Injector> {
    {
        let options = Options {
            mode: Mode::KubeInject,
            ..Options::default()
        };
        let builtin = Injector::new(
            InjectorConfig::builtin(),
            Values::istio_defaults(),
            MeshConfig::istio_defaults(),
            options.clone(),
        )
        .expect("the built-in injector");
        let mut all = vec![builtin];
        if let Some(base) = pipeline_fuzz::istio_base() {
            let injector = Injector::new(
                InjectorConfig::from_str(&base.injector_config).expect("Istio's injector config"),
                Values::from_str(&base.values).expect("Istio's values"),
                MeshConfig::from_str(&base.mesh).expect("Istio's mesh config"),
                options,
            )
            .expect("the template injector");
            all.push(injector);
        }
        all
    }
}

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    INJECTORS.with(|injectors| {
        for injector in injectors {
            match inject_stream(injector, text) {
                Ok(out) => {
                    let documents = split_documents(text).len();
                    let written = out.text.matches("---\n").count();
                    assert!(
                        written >= documents,
                        "{documents} documents in, {written} separators out"
                    );
                }
                Err(e) => assert!(
                    !e.to_string().trim().is_empty(),
                    "an error without a message"
                ),
            }
        }
    });
});
