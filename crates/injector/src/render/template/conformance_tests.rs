//! The template renderer on Istio's golden injection cases (`../shared/istio-conformance`,
//! or `$ISTIO_CONFORMANCE_DIR`): every template of the chart parses, and for every case
//! input the builtin renderer and Istio's own templates give the same overlay (a cross-check
//! of the two renderers on the same `TemplateData`, built as the pipeline builds it).

use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::Instant;

use super::Templates;
use crate::config::{InjectorConfig, MeshConfig, Values, deep_merge};
use crate::deploymeta::deploy_meta;
use crate::inject::{image, select, strip};
use crate::k8s::{self, NormalizeOptions};
use crate::postprocess::overrides;
use crate::render::builtin::{Builtin, TEMPLATE_NAMES};
use crate::render::{Renderer, StockTemplates, TemplateData};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(text: &str) -> Value {
    serde_yaml_ng::from_str(text).unwrap_or_else(|e| panic!("{e}"))
}

/// One case's configuration.
struct Case {
    name: String,
    values: Values,
    mesh: MeshConfig,
    config: InjectorConfig,
    native_sidecars: bool,
    compliance_policy: String,
    namespace_annotations: Option<Map<String, Value>>,
    /// Templates the case replaces or adds (the builtin knows only the stock ones).
    custom: Vec<String>,
    pods: Vec<Value>,
}

fn load_cases(dir: &Path) -> Vec<Case> {
    let base_values: Value = serde_json::from_str(&read(&dir.join("base/values.json"))).unwrap();
    let base_mesh = yaml(&read(&dir.join("base/mesh.yaml")));
    let base_config = yaml(&read(&dir.join("base/injector-config.yaml")));
    let names = istio_conformance::case_dirs(dir);
    let mut cases = Vec::new();
    for case_dir in names {
        let spec = yaml(&read(&case_dir.join("case.yaml")));
        let mut values = base_values.clone();
        if let Some(o) = spec.get("values") {
            deep_merge(&mut values, o);
        }
        let mut mesh = base_mesh.clone();
        if let Some(o) = spec.get("mesh") {
            deep_merge(&mut mesh, o);
        }
        let mut config = base_config.clone();
        let mut custom = Vec::new();
        if let Some(Value::Object(t)) = spec.get("templates") {
            for (k, v) in t {
                config["templates"][k] = v.clone();
                custom.push(k.clone());
            }
        }
        let pods = pods_of(&read(&case_dir.join("input.yaml")));
        cases.push(Case {
            name: spec["name"].as_str().unwrap_or_default().to_string(),
            values: Values::from_json(values).unwrap(),
            mesh: MeshConfig::from_json(mesh).unwrap(),
            config: InjectorConfig::from_json(config).unwrap(),
            native_sidecars: spec
                .get("nativeSidecars")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            compliance_policy: spec
                .get("compliancePolicy")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            namespace_annotations: (spec.get("platform").and_then(Value::as_str)
                == Some("openshift"))
            .then(|| {
                spec.pointer("/cluster/namespaces/0/annotations")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default()
            }),
            custom,
            pods,
        });
    }
    cases
}

/// Istio's harness `objectToPod` for every workload document, in the document's namespace.
fn pods_of(text: &str) -> Vec<Value> {
    let workloads = istio_conformance::workloads(text).unwrap_or_else(|e| panic!("{e}"));
    workloads
        .into_iter()
        .map(|workload| {
            let mut pod = workload.to_pod().unwrap_or_else(|e| panic!("{e}"));
            pod["metadata"]["namespace"] = json!(workload.namespace);
            pod
        })
        .collect()
}

/// The pipeline's template data for one pod (`Injector::run_templates`), then both
/// renderers on every selected template both know.
fn compare_pod(case: &Case, templates: &Templates, raw: &Value) -> Result<usize, String> {
    let opts = NormalizeOptions {
        keep_unknown: true,
        emit_zero_structs: false,
        legacy_creation_timestamp: false,
    };
    let pod = k8s::normalize_pod(raw, &opts).map_err(|e| e.to_string())?;
    let annotation = |p: &Value, key: &str| {
        p.pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let default_config = case.mesh.default_config();
    let proxy_config = match annotation(&pod, "proxy.istio.io/config") {
        Some(text) => default_config
            .apply_yaml(&text)
            .unwrap_or_else(|_| default_config.clone()),
        None => default_config.clone(),
    };
    let meta = deploy_meta(&pod);
    let (uid, gid) = match &case.namespace_annotations {
        Some(a) => crate::openshift::proxy_ids(Some(a)),
        None => (1337, 1337),
    };
    let stored = overrides::parse_annotation(&pod).map_err(|e| e.to_string())?;
    let view = strip::template_view(&pod, default_config.status_port(), &stored)
        .unwrap_or_else(|| pod.clone());
    let tag = case.values.tag();
    let image_type = annotation(&view, image::IMAGE_TYPE_ANNOTATION);
    let spec = |name: &str, pc: Option<&str>| -> String {
        image::proxy_image(&image::ImageSpec {
            hub: case.values.hub(),
            name,
            tag: &tag,
            variant: case.values.variant(),
            proxy_config_type: pc,
            annotation_type: image_type.as_deref(),
        })
    };
    let proxy_image = spec(case.values.proxy_image(), proxy_config.image_type());
    let init_image = spec(case.values.proxy_init_image(), None);
    let null = Value::Null;
    let data = TemplateData {
        deploy_meta: &meta,
        object_meta: view.get("metadata").unwrap_or(&null),
        spec: view.get("spec").unwrap_or(&null),
        proxy_config: &proxy_config,
        mesh_config: &case.mesh,
        values: &case.values,
        revision: "",
        native_sidecars: case.native_sidecars,
        proxy_image: &proxy_image,
        proxy_init_image: &init_image,
        proxy_uid: uid,
        proxy_gid: gid,
        inbound_traffic_policy_mode: case.mesh.inbound_traffic_policy_mode(),
        compliance_policy: &case.compliance_policy,
    };
    let selected = select::select_templates(
        annotation(&pod, select::TEMPLATES_ANNOTATION).as_deref(),
        &["sidecar".to_string()],
        &Default::default(),
    );
    let mut compared = 0;
    for name in selected {
        if !TEMPLATE_NAMES.contains(&name.as_str()) || case.custom.contains(&name) {
            continue;
        }
        let builtin = Builtin.render(&name, &data);
        let template = templates.render(&name, &data);
        match (&builtin, &template) {
            (Ok(b), Ok(t)) if b == t => {}
            (Err(_), Err(_)) => {}
            (Ok(b), Ok(t)) => {
                return Err(first_diff(
                    &format!("{name} (builtin, then template)"),
                    b,
                    t,
                ));
            }
            _ => {
                return Err(format!(
                    "{name}: builtin {:?} vs template {:?}",
                    builtin.as_ref().map(|_| "ok"),
                    template.as_ref().map(|_| "ok")
                ));
            }
        }
        compared += 1;
    }
    Ok(compared)
}

/// The first difference of `got` from `want`, for the report.
fn first_diff(what: &str, want: &Value, got: &Value) -> String {
    istio_conformance::diff::first_difference(what, want, got)
        .unwrap_or_else(|| format!("{what}: equal once numbers compare by value"))
}

#[test]
fn chart_templates_all_parse() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let config = InjectorConfig::from_str(&read(&dir.join("base/injector-config.yaml"))).unwrap();
    let started = Instant::now();
    let templates = Templates::parse(&config).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "parsed {} templates in {:?}",
        config.templates.len(),
        started.elapsed()
    );
    for name in istio_conformance::CHART_TEMPLATES {
        assert!(templates.has_template(name), "{name}");
    }
}

/// With the chart's templates recognised, settings validation parses only the others, and a
/// stock template edited by one byte is the engine's again.
#[test]
fn the_charts_own_templates_are_left_to_the_builtin_renderer() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let text = read(&dir.join("base/injector-config.yaml"));
    let config = InjectorConfig::from_str(&text).unwrap();
    let templates = Templates::lazy(&config)
        .with_stock(StockTemplates::Builtin)
        .checked()
        .unwrap_or_else(|e| panic!("{e}"));
    for (name, entry) in &templates.entries {
        let stock = TEMPLATE_NAMES.contains(&name.as_str());
        assert_eq!(entry.parsed.get().is_none(), stock, "{name}");
    }

    let mut edited = config.clone();
    let sidecar = format!("{}# edited\n", config.templates["sidecar"].as_str());
    edited.templates.insert("sidecar".into(), sidecar.into());
    let templates = Templates::lazy(&edited)
        .with_stock(StockTemplates::Builtin)
        .checked()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(templates.entries["sidecar"].parsed.get().is_some());
    assert!(templates.entries["gateway"].parsed.get().is_none());
}

#[test]
fn builtin_and_templates_render_the_same_overlay() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in load_cases(&dir) {
        let templates = match Templates::parse(&case.config) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{}: {e}", case.name));
                continue;
            }
        };
        for (i, pod) in case.pods.iter().enumerate() {
            match compare_pod(&case, &templates, pod) {
                Ok(n) => compared += n,
                Err(e) => failures.push(format!("{} pod {i}: {e}", case.name)),
            }
        }
    }
    println!(
        "cross-check: {compared} overlays equal, {} differ",
        failures.len()
    );
    for f in &failures {
        println!("  {f}");
    }
    assert!(compared > 100, "too few overlays compared: {compared}");
    assert!(failures.is_empty(), "{} differences", failures.len());
}
