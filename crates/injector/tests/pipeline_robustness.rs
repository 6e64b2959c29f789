//! The pipeline on malformed pods: never a panic (a panic in the policy is a failed admission
//! for every pod), and a field of the wrong type is refused as Istio's decoder refuses it.

use injector::config::{InjectorConfig, MeshConfig, Values};
use injector::{InjectError, Injector, Mode, Options, PodContext};
use proptest::prelude::*;
use serde_json::{Value, json};

fn injector(native_sidecars: bool) -> Injector {
    let options = Options {
        native_sidecars,
        mode: Mode::Webhook,
        ..Options::default()
    };
    match Injector::new(
        InjectorConfig::builtin(),
        Values::istio_defaults(),
        MeshConfig::istio_defaults(),
        options,
    ) {
        Ok(injector) => injector,
        Err(e) => panic!("default injector: {e}"),
    }
}

/// An injector rendering the chart's own templates (from the conformance data set), when present.
fn template_injector() -> Option<Injector> {
    let dir = istio_conformance::locate_or_skip()?;
    let text = std::fs::read_to_string(dir.join("base/injector-config.yaml")).ok()?;
    let config = InjectorConfig::from_str(&text).ok()?;
    let options = Options {
        native_sidecars: true,
        ..Options::default()
    };
    Injector::new(
        config,
        Values::istio_defaults(),
        MeshConfig::istio_defaults(),
        options,
    )
    .ok()
}

thread_local! {
    static TEMPLATE_INJECTOR: Option<Injector> = template_injector();
}

/// A realistic pod made of typed fields only (no free-form parts such as `status`).
fn fixture() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": "hello-7d9f-",
            "labels": {"app": "hello", "version": "v1", "pod-template-hash": "7d9f"},
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090", "team": "a"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "hello-7d9f", "uid": "u1", "controller": true}]
        },
        "spec": {
            "serviceAccountName": "hello",
            "initContainers": [{"name": "init", "image": "busybox", "command": ["sh", "-c", "true"]}],
            "containers": [{
                "name": "hello",
                "image": "hello:1.0",
                "args": ["--port", "8080"],
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "env": [{"name": "A", "value": "1"}, {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "2000m"}},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
                "livenessProbe": {"tcpSocket": {"port": 8080}, "timeoutSeconds": 2},
                "securityContext": {"runAsUser": 1000, "allowPrivilegeEscalation": false},
                "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": true}]
            }],
            "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "1Gi"}}, {"name": "cfg", "configMap": {"name": "cfg"}}],
            "terminationGracePeriodSeconds": 30,
            "restartPolicy": "Always"
        }
    })
}

fn pipeline(injector: &Injector, pod: &Value) -> Result<Value, InjectError> {
    let decision = injector.inject_required(pod, "default");
    if let Some(error) = decision.invalid_pod() {
        return Err(error);
    }
    if !decision.inject {
        return Ok(pod.clone());
    }
    let ctx = PodContext {
        namespace: "default",
        namespace_annotations: None,
    };
    injector.inject(pod, &ctx).map(|i| i.pod)
}

/// Every JSON pointer below the root.
fn pointers(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = format!("{prefix}/{}", key.replace('~', "~0").replace('/', "~1"));
                out.push(path.clone());
                pointers(child, &path, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let path = format!("{prefix}/{i}");
                out.push(path.clone());
                pointers(child, &path, out);
            }
        }
        _ => {}
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z0-9:/._-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn the_fixture_injects() {
    let pod = fixture();
    for native in [true, false] {
        match pipeline(&injector(native), &pod) {
            Ok(out) => assert!(
                out.pointer("/metadata/annotations/sidecar.istio.io~1status")
                    .is_some()
            ),
            Err(e) => panic!("fixture refused: {e}"),
        }
    }
    TEMPLATE_INJECTOR.with(|templates| match templates {
        Some(templates) => assert!(pipeline(templates, &pod).is_ok_and(|out| out != pod)),
        None => println!("skipping the template renderer: conformance data set not found"),
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any node replaced by any JSON: an answer, never a panic.
    #[test]
    fn any_replacement_never_panics(index in any::<prop::sample::Index>(), replacement in arb_json(), native in any::<bool>()) {
        let mut pod = fixture();
        let mut paths = Vec::new();
        pointers(&pod, "", &mut paths);
        let path = index.get(&paths).clone();
        if let Some(slot) = pod.pointer_mut(&path) {
            *slot = replacement;
        }
        let _ = pipeline(&injector(native), &pod);
        TEMPLATE_INJECTOR.with(|templates| {
            if let Some(templates) = templates {
                let _ = pipeline(templates, &pod);
            }
        });
    }

    /// A scalar replaced by a list or an object is a type Go cannot decode: the pod is refused
    /// as invalid, naming where.
    #[test]
    fn wrong_typed_scalar_is_refused(index in any::<prop::sample::Index>(), as_list in any::<bool>()) {
        let mut pod = fixture();
        let mut paths = Vec::new();
        pointers(&pod, "", &mut paths);
        let scalars: Vec<&String> = paths
            .iter()
            .filter(|p| pod.pointer(p).is_some_and(|v| !v.is_object() && !v.is_array() && !v.is_null()))
            .collect();
        let path = (*index.get(&scalars)).clone();
        if let Some(slot) = pod.pointer_mut(&path) {
            *slot = if as_list { json!(["x"]) } else { json!({"x": 1}) };
        }
        match pipeline(&injector(true), &pod) {
            Err(InjectError::InvalidPod(message)) => prop_assert!(!message.is_empty()),
            other => prop_assert!(false, "{path}: expected an invalid-pod error, got {other:?}"),
        }
    }

    /// Whatever the document, the pipeline answers.
    #[test]
    fn arbitrary_documents_never_panic(pod in arb_json()) {
        let _ = pipeline(&injector(true), &pod);
        let _ = pipeline(&injector(true), &json!({"metadata": {}, "spec": pod}));
    }
}
