//! Istio's real injection templates (the conformance dataset's `base/injector-config.yaml`)
//! must parse, and the pod-injection ones must render on Istio's default values.

mod support;

use gotemplate::{FuncError, Funcs, Function, Map, Object, Templates, Value};
use support::{ISTIO_AND_SPRIG, stub_funcs};

/// `*wrapperspb.BoolValue`: a nil pointer whose `GetValue` method still answers false.
struct BoolValue(Option<bool>);

impl Object for BoolValue {
    fn type_name(&self) -> &str {
        "*wrapperspb.BoolValue"
    }
    fn field(&self, name: &str) -> Option<Value> {
        (name == "Value").then(|| Value::Bool(self.0.unwrap_or(false)))
    }
    fn method(&self, name: &str, _args: &[Value]) -> Option<Result<Value, FuncError>> {
        (name == "GetValue").then(|| Ok(Value::Bool(self.0.unwrap_or(false))))
    }
    fn is_nil(&self) -> bool {
        self.0.is_none()
    }
    fn format(&self) -> String {
        match self.0 {
            Some(b) => format!("value:{b}"),
            None => "<nil>".into(),
        }
    }
}

/// A protobuf enum: prints its name and has a `String` method.
struct InterceptionMode(&'static str);

impl Object for InterceptionMode {
    fn type_name(&self) -> &str {
        "v1alpha1.ProxyConfig_InboundInterceptionMode"
    }
    fn field(&self, _: &str) -> Option<Value> {
        None
    }
    fn method(&self, name: &str, _args: &[Value]) -> Option<Result<Value, FuncError>> {
        (name == "String").then(|| Ok(Value::from(self.0)))
    }
    fn format(&self) -> String {
        self.0.to_owned()
    }
}

/// `*meshconfig.ProxyConfig` with the fields and getters the templates use.
struct ProxyConfig;

impl Object for ProxyConfig {
    fn type_name(&self) -> &str {
        "*v1alpha1.ProxyConfig"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "ProxyMetadata" => Some(Value::map(Map::with_elem_zero(Value::from("")))),
            "InterceptionMode" => Some(Value::object(InterceptionMode("REDIRECT"))),
            "HoldApplicationUntilProxyStarts" => Some(Value::object(BoolValue(None))),
            _ => None,
        }
    }
    fn format(&self) -> String {
        "&{}".into()
    }
}

/// The `templates:` map of the injector config, in file order.
fn templates(dir: &std::path::Path) -> Vec<(String, String)> {
    istio_conformance::chart_templates(dir).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn all_eight_templates_parse() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let all = templates(&dir);
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, istio_conformance::CHART_TEMPLATES);
    let mut set = Templates::new(stub_funcs());
    for (name, text) in &all {
        set.parse(name, text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // The sidecar template defines "resources", which every pod template calls.
    assert!(set.contains("resources"));
    for (name, _) in &all {
        assert!(set.contains(name));
    }
}

#[test]
fn an_unknown_function_is_reported_like_go() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let (_, sidecar) = templates(&dir).into_iter().next().unwrap();
    let mut funcs = Funcs::new();
    for name in ISTIO_AND_SPRIG.iter().filter(|n| **n != "isset") {
        funcs.insert(name, Function::new(|_| Ok(Value::Nil)));
    }
    let err = Templates::new(funcs)
        .parse("sidecar", &sidecar)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "template: sidecar:2: function \"isset\" not defined"
    );
}

fn str_arg(args: &[Value], i: usize) -> String {
    match args.get(i) {
        Some(Value::String(s)) => s.to_string(),
        Some(Value::Nil) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// Minimal, faithful-enough versions of the functions the sidecar template needs for a pod with
/// no annotations and Istio's default values.
fn working_funcs() -> Funcs {
    let mut f = stub_funcs();
    f.insert(
        "isset",
        Function::fixed(2, |a| {
            let key = str_arg(a, 1);
            Ok(Value::Bool(match &a[0] {
                Value::Map(m) => m.contains_key(&key),
                _ => false,
            }))
        }),
    );
    f.insert(
        "annotation",
        Function::fixed(3, |a| {
            let Value::Map(meta) = &a[0] else {
                return Ok(Value::from(gotemplate::gofmt::sprint(&a[2..])));
            };
            if let Some(Value::Map(ann)) = meta.get("Annotations")
                && let Some(v) = ann.get(&str_arg(a, 1))
            {
                return Ok(v.clone());
            }
            Ok(Value::from(gotemplate::gofmt::sprint(&a[2..])))
        }),
    );
    f.insert(
        "default",
        Function::variadic(1, |a| {
            let given = a.get(1).cloned().unwrap_or(Value::Nil);
            Ok(if given.is_true() { given } else { a[0].clone() })
        }),
    );
    f.insert(
        "quote",
        Function::new(|a| {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !matches!(v, Value::Nil))
                .map(|v| gotemplate::gofmt::quote(&v.to_string()))
                .collect();
            Ok(Value::from(parts.join(" ")))
        }),
    );
    f.insert("list", Function::new(|a| Ok(Value::list(a.to_vec()))));
    f.insert(
        "append",
        Function::fixed(2, |a| {
            let mut v = match &a[0] {
                Value::List(l) => l.as_ref().clone(),
                _ => Vec::new(),
            };
            v.push(a[1].clone());
            Ok(Value::list(v))
        }),
    );
    f.insert(
        "join",
        Function::fixed(2, |a| {
            let sep = str_arg(a, 0);
            let parts: Vec<String> = match &a[1] {
                Value::List(l) => l.iter().map(|v| v.to_string()).collect(),
                _ => Vec::new(),
            };
            Ok(Value::from(parts.join(&sep)))
        }),
    );
    f.insert(
        "contains",
        Function::fixed(2, |a| {
            Ok(Value::Bool(str_arg(a, 1).contains(&str_arg(a, 0))))
        }),
    );
    f.insert(
        "valueOrDefault",
        Function::fixed(2, |a| {
            Ok(match &a[0] {
                Value::Nil => a[1].clone(),
                Value::String(s) if s.is_empty() => a[1].clone(),
                v => v.clone(),
            })
        }),
    );
    f.insert(
        "toLower",
        Function::fixed(1, |a| Ok(Value::from(str_arg(a, 0).to_lowercase()))),
    );
    f.insert("trunc", Function::fixed(2, |a| Ok(a[1].clone())));
    f.insert("trimAll", Function::fixed(2, |a| Ok(a[1].clone())));
    f.insert(
        "excludeInboundPort",
        Function::fixed(2, |a| Ok(Value::from(str_arg(a, 0)))),
    );
    f.insert("protoToJSON", Function::fixed(1, |_| Ok(Value::from("{}"))));
    f.insert("structToJSON", Function::fixed(1, |_| Ok(Value::from(""))));
    f.insert("omitNil", Function::fixed(1, |a| Ok(a[0].clone())));
    f.insert(
        "toYaml",
        Function::fixed(1, |_| Ok(Value::from("cpu: 100m"))),
    );
    f.insert("indent", Function::fixed(2, |a| Ok(a[1].clone())));
    f.insert(
        "otelResourceAttributes",
        Function::fixed(5, |_| Ok(Value::from(""))),
    );
    f
}

fn pod_data(values: &serde_json::Value) -> Value {
    let json = serde_json::json!({
        "TypeMeta": {"APIVersion": "apps/v1", "Kind": "Deployment"},
        "DeploymentMeta": {"Name": "hello", "Namespace": "default"},
        "ObjectMeta": {"Annotations": {}, "Labels": {"app": "hello"}},
        "Spec": {"Containers": [{"Name": "hello", "Ports": []}], "ServiceAccountName": ""},
        "MeshConfig": {"ProxyListenPort": 15001, "ProxyInboundListenPort": 15006,
                       "TrustDomain": "cluster.local"},
        "Values": values,
        "Revision": "",
        "NativeSidecars": false,
        "ProxyImage": "registry.istio.io/testing/proxyv2:latest",
        "ProxyInitImage": "registry.istio.io/testing/proxyv2:latest",
        "ProxyUID": 1337,
        "ProxyGID": 1337,
        "InboundTrafficPolicyMode": "passthrough",
        "CompliancePolicy": "",
    });
    let mut data = Value::from_json(&json);
    // Annotations of a pod are a map[string]string: missing keys index to "".
    if let Value::Map(m) = &mut data {
        let mut m = (**m).clone();
        if let Some(Value::Map(meta)) = m.get("ObjectMeta").cloned() {
            let mut meta = (*meta).clone();
            meta.insert(
                "Annotations",
                Value::map(Map::with_elem_zero(Value::from(""))),
            );
            meta.insert(
                "Labels",
                Value::map(Map::from_entries(
                    [("app", Value::from("hello"))],
                    Value::from(""),
                )),
            );
            m.insert("ObjectMeta", Value::map(meta));
            m.insert("ProxyConfig", Value::object(ProxyConfig));
        }
        data = Value::map(m);
    }
    data
}

#[test]
fn grpc_simple_renders_on_default_values() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let values: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("base/values.json")).unwrap())
            .unwrap();
    let mut set = Templates::new(working_funcs());
    for (name, text) in templates(&dir) {
        set.parse(&name, &text).unwrap();
    }
    let out = set.execute("grpc-simple", &pod_data(&values)).unwrap();
    assert!(
        out.contains("sidecar.istio.io/rewriteAppHTTPProbers: \"false\""),
        "{out}"
    );
    assert!(out.contains("- name: hello"), "{out}");
    assert!(!out.contains("<no value>"), "{out}");
}

#[test]
fn sidecar_renders_on_default_values() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let values: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("base/values.json")).unwrap())
            .unwrap();
    let mut set = Templates::new(working_funcs());
    for (name, text) in templates(&dir) {
        set.parse(&name, &text).unwrap();
    }
    let out = set.execute("sidecar", &pod_data(&values)).unwrap();
    // Facts of Istio's default injection (compare pkg/kube/inject/testdata goldens).
    for want in [
        "security.istio.io/tlsMode: \"istio\"",
        "service.istio.io/canonical-name: \"hello\"",
        "service.istio.io/canonical-revision: \"latest\"",
        "kubectl.kubernetes.io/default-container: \"hello\",",
        "- name: istio-init",
        "image: \"registry.istio.io/testing/proxyv2:latest\"",
        "- \"15001\"",
        "- \"15006\"",
        "-  \"1337\" ",
        "- \"REDIRECT\"",
        "- \"*\"",
        "- \"--log_output_level=default:info\"",
        "- name: istio-proxy",
        "- \"--proxyLogLevel=warning\"",
        "value: \"hello\"",
        "value: kubernetes://apis/apps/v1/namespaces/default/deployments/hello",
        "value: \"Kubernetes\"",
        "value: istiod.istio-system.svc:15012",
        "failureThreshold: 600",
        "port: 15021",
        "name: istio-ca-root-cert",
        "audience: istio-ca",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(!out.contains("<no value>"), "{out}");
}
