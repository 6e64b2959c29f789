//! The renderer: error reporting with template, line and column; YAML reading of the output;
//! separate `define` namespaces; the pipeline choosing it when the config has templates.

use serde_json::{Value, json};
use std::collections::BTreeMap;

use super::Templates;
use crate::config::{InjectorConfig, MeshConfig, ProxyConfig, Values};
use crate::deploymeta::DeployMeta;
use crate::error::InjectError;
use crate::inject::{Injector, Options, PodContext};
use crate::render::{Renderer, TemplateData};

fn config(templates: &[(&str, &str)]) -> InjectorConfig {
    InjectorConfig {
        templates: templates
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).into()))
            .collect::<BTreeMap<_, _>>(),
        ..InjectorConfig::builtin()
    }
}

struct Inputs {
    meta: DeployMeta,
    object_meta: Value,
    spec: Value,
    proxy: ProxyConfig,
    mesh: MeshConfig,
    values: Values,
}

impl Inputs {
    fn new() -> Inputs {
        Inputs {
            meta: DeployMeta {
                name: "hello".into(),
                namespace: "default".into(),
                kind: "Deployment".into(),
                api_version: "apps/v1".into(),
            },
            object_meta: json!({"labels": {"app": "hello"}}),
            spec: json!({"containers": [{"name": "hello", "image": "hello"}]}),
            proxy: ProxyConfig::istio_defaults(),
            mesh: MeshConfig::istio_defaults(),
            values: Values::istio_defaults(),
        }
    }

    fn data(&self) -> TemplateData<'_> {
        TemplateData {
            deploy_meta: &self.meta,
            object_meta: &self.object_meta,
            spec: &self.spec,
            proxy_config: &self.proxy,
            mesh_config: &self.mesh,
            values: &self.values,
            revision: "",
            native_sidecars: false,
            proxy_image: "hub/proxyv2:tag",
            proxy_init_image: "hub/proxyv2:tag",
            proxy_uid: 1337,
            proxy_gid: 1337,
            inbound_traffic_policy_mode: "passthrough",
            compliance_policy: "",
        }
    }
}

fn render(template: &str) -> Result<Value, InjectError> {
    let templates = Templates::parse(&config(&[("t", template)])).unwrap();
    templates.render("t", &Inputs::new().data())
}

#[test]
fn parse_errors_name_the_template_line_and_column() {
    let err = Templates::parse(&config(&[
        ("good", "spec: {}\n"),
        ("broken", "metadata:\n  labels:\n    a: {{ if }}\n"),
    ]))
    .unwrap_err();
    assert_eq!(err.field, "injectorConfig.templates.broken");
    assert!(
        err.message.starts_with("template: broken:3:"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("missing value for if"),
        "{}",
        err.message
    );

    let err = Templates::parse(&config(&[("x", "a: {{ nosuchfunc 1 }}\n")])).unwrap_err();
    assert_eq!(err.field, "injectorConfig.templates.x");
    assert_eq!(
        err.message,
        "template: x:1:6: function \"nosuchfunc\" not defined"
    );
}

#[test]
fn execution_errors_name_the_template_and_position() {
    let err = render("spec:\n  x: {{ index .Spec.Containers 5 }}\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to render template: template: t:2:8: executing \"t\" at <index .Spec.Containers 5>: error calling index: index out of range: 5"
    );
}

#[test]
fn output_is_read_as_go_yaml_v2() {
    assert_eq!(
        render("metadata:\n  annotations:\n    a: yes\n    b: \"yes\"\n    c: 0x10\nspec: {}\n")
            .unwrap(),
        json!({"metadata": {"annotations": {"a": true, "b": "yes", "c": 16}}, "spec": {}})
    );
    // An empty rendering patches nothing.
    assert_eq!(render("{{/* nothing */}}\n").unwrap(), json!({}));
    let err = render("- a\n").unwrap_err();
    assert!(
        err.to_string().contains("must produce a YAML mapping"),
        "{err}"
    );
    let err = render("spec:\n  a: b\n c: d\n").unwrap_err();
    assert!(
        err.to_string()
            .contains("did not produce valid YAML: error converting YAML to JSON: yaml: line 2"),
        "{err}"
    );
}

#[test]
fn defines_do_not_leak_between_templates() {
    let templates = Templates::parse(&config(&[
        (
            "a",
            "{{ define \"part\" }}from-a{{ end }}x: {{ template \"part\" }}\n",
        ),
        (
            "b",
            "{{ define \"part\" }}from-b{{ end }}x: {{ template \"part\" }}\n",
        ),
    ]))
    .unwrap();
    let inputs = Inputs::new();
    assert_eq!(
        templates.render("a", &inputs.data()).unwrap(),
        json!({"x": "from-a"})
    );
    assert_eq!(
        templates.render("b", &inputs.data()).unwrap(),
        json!({"x": "from-b"})
    );
    assert_eq!(templates.template_names(), vec!["a", "b"]);
    assert!(matches!(
        templates.render("c", &inputs.data()),
        Err(InjectError::TemplateNotFound { .. })
    ));
}

#[test]
fn the_pipeline_renders_config_templates() {
    let custom = "metadata:\n  labels:\n    custom: {{ .DeploymentMeta.Name | quote }}\nspec:\n  containers:\n  - name: istio-proxy\n    image: {{ .ProxyImage }}\n";
    let injector = Injector::new(
        config(&[("sidecar", custom)]),
        Values::istio_defaults(),
        MeshConfig::istio_defaults(),
        Options::default(),
    )
    .unwrap();
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "ns"},
        "spec": {"containers": [{"name": "app", "image": "app:1"}]}
    });
    let ctx = PodContext {
        namespace: "ns",
        namespace_annotations: None,
    };
    let injected = injector.inject(&pod, &ctx).unwrap().pod;
    assert_eq!(injected["metadata"]["labels"]["custom"], json!("web"));
    let names: Vec<&str> = injected["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, vec!["app", "istio-proxy"]);

    // As in Istio, a template that does not parse makes the whole configuration invalid.
    let err = Injector::new(
        config(&[("sidecar", "spec: {}\n"), ("other", "{{ if }}")]),
        Values::istio_defaults(),
        MeshConfig::istio_defaults(),
        Options::default(),
    )
    .unwrap_err();
    assert_eq!(err.field, "injectorConfig.templates.other");
}

#[test]
fn lazy_templates_parse_on_first_use_only() {
    let cfg = config(&[("good", "a: 1\n"), ("broken", "{{ end }}")]);
    assert!(Templates::parse(&cfg).is_err());
    let lazy = Templates::lazy(&cfg);
    let inputs = Inputs::new();
    assert_eq!(
        lazy.render("good", &inputs.data()).unwrap(),
        json!({"a": 1})
    );
    let err = lazy.render("broken", &inputs.data()).unwrap_err();
    assert!(
        err.to_string().contains("injectorConfig.templates.broken"),
        "{err}"
    );
}
