//! The built-in renderer against Istio's own golden injection cases
//! (`../shared/istio-conformance`, or `$ISTIO_CONFORMANCE_DIR`).
//!
//! For every webhook-mode case whose settings the built-in templates can express, the input
//! workload is turned into a pod as Istio's test harness does, rendered, and each item the
//! overlay contributes is checked against the golden pod: new containers and volumes must
//! equal the golden's after Go-typed normalisation, containers the user already had must have
//! received the overlay's new env vars and mounts, and every label, annotation and pull
//! secret the overlay writes must be in the golden with the same value. Stages the pipeline
//! runs later are accounted for: `ISTIO_KUBE_APP_PROBERS` / `ISTIO_PROMETHEUS_ANNOTATIONS`
//! are ignored, and cluster/network env vars are moved to the end as `overwriteClusterInfo`
//! does.
//!
//! Cases on the floor (`conformance-floor.json`) must keep passing (`UPDATE_CONFORMANCE=1`
//! records today's passes); the test prints the others with the first difference.

use super::Builtin;
use crate::config::{MeshConfig, ProxyConfig, Values, deep_merge};
use crate::deploymeta::deploy_meta;
use crate::k8s::{self, NormalizeOptions};
use crate::render::{Renderer, TemplateData};
use istio_conformance::{Outcome, Verdict};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::Path;

fn yaml(text: &str) -> Result<Value, String> {
    serde_yaml_ng::from_str::<Value>(text).map_err(|e| e.to_string())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

struct Settings {
    values: Values,
    mesh: MeshConfig,
    native_sidecars: bool,
    compliance_policy: String,
    openshift_namespaces: Option<Vec<Value>>,
}

fn settings(dir: &Path, case: &Value) -> Result<Settings, String> {
    let mut values: Value =
        serde_json::from_str(&read(&dir.join("base/values.json"))?).map_err(|e| e.to_string())?;
    if let Some(overlay) = case.get("values") {
        deep_merge(&mut values, overlay);
    }
    let mut mesh = yaml(&read(&dir.join("base/mesh.yaml"))?)?;
    if let Some(overlay) = case.get("mesh") {
        deep_merge(&mut mesh, overlay);
    }
    let openshift = case.get("platform").and_then(Value::as_str) == Some("openshift");
    Ok(Settings {
        values: Values::from_json(values).map_err(|e| e.to_string())?,
        mesh: MeshConfig::from_json(mesh).map_err(|e| e.to_string())?,
        native_sidecars: case
            .get("nativeSidecars")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        compliance_policy: case
            .get("compliancePolicy")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        openshift_namespaces: openshift.then(|| {
            case.pointer("/cluster/namespaces")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        }),
    })
}

/// The harness's `objectToPod`: workload documents become pods (with the request namespace).
fn pods_of(text: &str) -> Result<Vec<(Value, String)>, String> {
    istio_conformance::workloads(text)?
        .into_iter()
        .map(|workload| Ok((workload.to_pod()?, workload.namespace)))
        .collect()
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Whether Istio's webhook would inject this pod at all (policy enabled, no selectors).
fn injected(pod: &Value) -> bool {
    if pod.pointer("/spec/hostNetwork") == Some(&json!(true)) {
        return false;
    }
    let ns = str_at(pod, "/metadata/namespace");
    if [
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "local-path-storage",
    ]
    .contains(&ns)
    {
        return false;
    }
    let label = pod.pointer("/metadata/labels/sidecar.istio.io~1inject");
    let annotation = pod.pointer("/metadata/annotations/sidecar.istio.io~1inject");
    label.or(annotation).and_then(Value::as_str) != Some("false")
}

/// Istio's `stripPod`: drop what a previous injection added (named in the status annotation).
fn strip(pod: &mut Value) {
    let Some(status) = pod
        .pointer("/metadata/annotations/sidecar.istio.io~1status")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
    else {
        return;
    };
    for (list, key) in [
        ("containers", "containers"),
        ("initContainers", "initContainers"),
        ("volumes", "volumes"),
        ("imagePullSecrets", "imagePullSecrets"),
    ] {
        let names: BTreeSet<String> = status
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        if let Some(items) = pod
            .pointer_mut(&format!("/spec/{list}"))
            .and_then(Value::as_array_mut)
        {
            items.retain(|c| !names.contains(str_at(c, "/name")));
        }
    }
    if let Some(a) = pod
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.remove("sidecar.istio.io/status");
    }
}

fn image_url(values: &Values, name: &str, image_type: &str) -> String {
    let mut tag = values.tag();
    if !image_type.is_empty() {
        for known in ["-distroless", "-debug"] {
            if let Some(stripped) = tag.strip_suffix(known) {
                tag = stripped.to_string();
                break;
            }
        }
        if image_type != "default" {
            tag = format!("{tag}-{image_type}");
        }
    }
    format!("{}/{name}:{tag}", values.hub())
}

fn normalized(ty: &'static k8s::Struct, v: &Value) -> Result<Value, String> {
    let opts = NormalizeOptions {
        keep_unknown: false,
        emit_zero_structs: true,
        legacy_creation_timestamp: false,
    };
    k8s::normalize(ty, v, &opts).map_err(|e| e.to_string())
}

fn named<'a>(items: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    items?
        .as_array()?
        .iter()
        .find(|c| str_at(c, "/name") == name)
}

const INTERCEPTION: &str = "sidecar.istio.io/interceptionMode";

/// Istio's `adjustInitContainerUser`, a post-processing stage: a user-set `runAsUser` on
/// `istio-proxy` replaces the init container's `-u` argument and, outside TPROXY mode, the
/// validation container's user and group.
fn adjust_init_user(rendered: &mut Value, input: &Value, pc: &ProxyConfig, mode: Option<&str>) {
    let name = str_at(rendered, "/name").to_string();
    if name != "istio-init" && name != "istio-validation" {
        return;
    }
    let Some(user) = named(input.pointer("/spec/containers"), "istio-proxy")
        .or_else(|| named(input.pointer("/spec/initContainers"), "istio-proxy"))
    else {
        return;
    };
    let Some(uid) = user
        .pointer("/securityContext/runAsUser")
        .and_then(Value::as_i64)
    else {
        return;
    };
    let tproxy = mode.unwrap_or(pc.interception_mode().as_str()) == "TPROXY";
    if name == "istio-validation"
        && !tproxy
        && let Some(sc) = rendered
            .get_mut("securityContext")
            .and_then(Value::as_object_mut)
    {
        sc.insert("runAsUser".into(), json!(uid));
        if let Some(gid) = user.pointer("/securityContext/runAsGroup") {
            sc.insert("runAsGroup".into(), gid.clone());
        }
    }
    if uid == 0 {
        return;
    }
    if let Some(args) = rendered.get_mut("args").and_then(Value::as_array_mut)
        && let Some(i) = args.iter().position(|a| a == "-u")
        && let Some(arg) = args.get_mut(i + 1)
    {
        *arg = json!(uid.to_string());
    }
}

/// What post-processing does to the proxy's env that a renderer cannot: prober/Prometheus
/// env vars appear, cluster and network env vars move to the end.
fn adjust_env(rendered: &mut Value, golden: &mut Value, proxy_envs: &Map<String, Value>) {
    if let Some(env) = golden.get_mut("env").and_then(Value::as_array_mut) {
        env.retain(|e| {
            !matches!(
                str_at(e, "/name"),
                "ISTIO_KUBE_APP_PROBERS" | "ISTIO_PROMETHEUS_ANNOTATIONS"
            )
        });
    }
    if proxy_envs.is_empty() {
        return;
    }
    if let Some(env) = rendered.get_mut("env").and_then(Value::as_array_mut) {
        env.retain(|e| !proxy_envs.contains_key(str_at(e, "/name")));
        for (k, v) in proxy_envs {
            env.push(json!({"name": k, "value": v}));
        }
    }
}

/// The first difference of `got` from `want`, for the report.
fn first_diff(what: &str, want: &Value, got: &Value) -> String {
    istio_conformance::diff::first_difference(what, want, got)
        .unwrap_or_else(|| format!("{what}: equal once numbers compare by value"))
}

/// Renders one pod and compares the overlay with the golden pod: `Ok(false)` when Istio does
/// not inject it, `Err` with the first difference.
fn check_pod(
    settings: &Settings,
    input: &Value,
    request_ns: &str,
    golden: &Value,
) -> Result<bool, String> {
    let mut pod = input.clone();
    if str_at(&pod, "/metadata/namespace").is_empty()
        && !request_ns.is_empty()
        && let Some(meta) = pod.get_mut("metadata").and_then(Value::as_object_mut)
    {
        meta.insert("namespace".into(), json!(request_ns));
    }
    if !injected(&pod) {
        return Ok(false);
    }
    strip(&mut pod);
    let empty = json!({});
    let meta = pod.get("metadata").unwrap_or(&empty);
    let spec = pod.get("spec").unwrap_or(&empty);
    let annotations = meta.get("annotations");
    let annotation = |k: &str| annotations.and_then(|a| a.get(k)).and_then(Value::as_str);

    let mut proxy_config: ProxyConfig = settings.mesh.default_config().clone();
    if let Some(text) = annotation("proxy.istio.io/config") {
        proxy_config = proxy_config.apply_yaml(text).map_err(|e| e.to_string())?;
    }
    let image_type = annotation("sidecar.istio.io/proxyImageType")
        .map(str::to_string)
        .or_else(|| proxy_config.image_type().map(str::to_string))
        .unwrap_or_else(|| settings.values.variant().to_string());
    let proxy_image = image_url(&settings.values, settings.values.proxy_image(), &image_type);
    let init_image = image_url(
        &settings.values,
        settings.values.proxy_init_image(),
        settings.values.variant(),
    );
    let (uid, gid) = match &settings.openshift_namespaces {
        None => (1337, 1337),
        Some(namespaces) => {
            let ns = str_at(&pod, "/metadata/namespace");
            let ann = namespaces
                .iter()
                .find(|n| str_at(n, "/name") == ns)
                .and_then(|n| n.get("annotations"))
                .and_then(Value::as_object);
            crate::openshift::proxy_ids(ann)
        }
    };
    let deploy = deploy_meta(&pod);
    let data = TemplateData {
        deploy_meta: &deploy,
        object_meta: meta,
        spec,
        proxy_config: &proxy_config,
        mesh_config: &settings.mesh,
        values: &settings.values,
        revision: "default",
        native_sidecars: settings.native_sidecars,
        proxy_image: &proxy_image,
        proxy_init_image: &init_image,
        proxy_uid: uid,
        proxy_gid: gid,
        inbound_traffic_policy_mode: settings.mesh.inbound_traffic_policy_mode(),
        compliance_policy: &settings.compliance_policy,
    };
    let templates: Vec<&str> = match annotation("inject.istio.io/templates") {
        Some(list) => list.split(',').map(str::trim).collect(),
        None => vec!["sidecar"],
    };
    let mut overlays = Vec::new();
    for name in templates {
        if !Builtin.has_template(name) {
            return Err(format!("template {name} is not built in"));
        }
        let overlay = Builtin.render(name, &data).map_err(|e| e.to_string())?;
        // The stock `sidecar` template is built typed (the gateway and gRPC ones are not yet).
        let untyped = match name {
            "sidecar" => super::typed_check::untyped_places(&pod, &overlay),
            _ => Vec::new(),
        };
        if !untyped.is_empty() {
            return Err(format!("{name} not rendered typed: {}", untyped.join("; ")));
        }
        overlays.push(overlay);
    }

    let mut proxy_envs = Map::new();
    let cluster = settings.values.cluster_name();
    if !cluster.is_empty() {
        proxy_envs.insert("ISTIO_META_CLUSTER_ID".into(), json!(cluster));
    }
    let network = match str_at(&pod, "/metadata/labels/topology.istio.io~1network") {
        "" => settings.values.network(),
        label => label,
    };
    if !network.is_empty() {
        proxy_envs.insert("ISTIO_META_NETWORK".into(), json!(network));
    }

    let golden_spec = golden.get("spec").unwrap_or(&empty);
    for overlay in &overlays {
        for list in ["initContainers", "containers"] {
            for rendered in overlay
                .pointer(&format!("/spec/{list}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = str_at(rendered, "/name");
                let want = named(golden_spec.get("containers"), name)
                    .or_else(|| named(golden_spec.get("initContainers"), name))
                    .ok_or_else(|| format!("container {name} missing from the golden"))?;
                // The merge starts from the original pod, not the stripped one.
                let user = named(input.pointer("/spec/containers"), name)
                    .or_else(|| named(input.pointer("/spec/initContainers"), name));
                match user {
                    None => {
                        let mut rendered = rendered.clone();
                        adjust_init_user(
                            &mut rendered,
                            input,
                            &proxy_config,
                            annotation(INTERCEPTION),
                        );
                        let mut got = normalized(&k8s::CONTAINER, &rendered)?;
                        let mut want = normalized(&k8s::CONTAINER, want)?;
                        adjust_env(&mut got, &mut want, &proxy_envs);
                        if got != want {
                            return Err(first_diff(&format!("container {name}"), &want, &got));
                        }
                    }
                    Some(user) => check_added_entries(name, rendered, user, want)?,
                }
            }
        }
        for rendered in overlay
            .pointer("/spec/volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = str_at(rendered, "/name");
            if named(spec.get("volumes"), name).is_some() {
                continue;
            }
            let want = named(golden_spec.get("volumes"), name)
                .ok_or_else(|| format!("volume {name} missing from the golden"))?;
            let (got, want) = (
                normalized(&k8s::VOLUME, rendered)?,
                normalized(&k8s::VOLUME, want)?,
            );
            if got != want {
                return Err(first_diff(&format!("volume {name}"), &want, &got));
            }
        }
        for section in ["labels", "annotations"] {
            for (k, v) in overlay
                .pointer(&format!("/metadata/{section}"))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let got = golden
                    .pointer(&format!("/metadata/{section}"))
                    .and_then(|m| m.get(k));
                if got != Some(v) {
                    return Err(format!("{section}[{k}]: rendered {v}, golden {got:?}"));
                }
            }
        }
        for secret in overlay
            .pointer("/spec/imagePullSecrets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = str_at(secret, "/name");
            if named(golden_spec.get("imagePullSecrets"), name).is_none() {
                return Err(format!("imagePullSecret {name} missing from the golden"));
            }
        }
        if let Some(sc) = overlay.pointer("/spec/securityContext")
            && spec.get("securityContext").is_none()
        {
            let got = normalized(&k8s::POD_SECURITY_CONTEXT, sc)?;
            let want = normalized(
                &k8s::POD_SECURITY_CONTEXT,
                golden_spec.get("securityContext").unwrap_or(&empty),
            )?;
            if got != want {
                return Err(first_diff("spec.securityContext", &want, &got));
            }
        }
    }
    Ok(true)
}

/// For a container the user already had: the overlay's env vars and mounts that the user did
/// not set must be in the golden as rendered.
fn check_added_entries(
    name: &str,
    rendered: &Value,
    user: &Value,
    golden: &Value,
) -> Result<(), String> {
    for (list, key, ty) in [
        ("env", "name", &k8s::ENV_VAR),
        ("volumeMounts", "mountPath", &k8s::VOLUME_MOUNT),
    ] {
        for entry in rendered
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let k = str_at(entry, &format!("/{key}"));
            let has = |c: &Value| {
                c.get(list).and_then(Value::as_array).and_then(|items| {
                    items
                        .iter()
                        .find(|e| str_at(e, &format!("/{key}")) == k)
                        .cloned()
                })
            };
            if has(user).is_some() {
                continue;
            }
            let want = has(golden)
                .ok_or_else(|| format!("container {name} {list}[{k}] missing from the golden"))?;
            let (got, want) = (normalized(ty, entry)?, normalized(ty, &want)?);
            if got != want {
                return Err(first_diff(
                    &format!("container {name} {list}[{k}]"),
                    &want,
                    &got,
                ));
            }
        }
    }
    Ok(())
}

/// `Ok(None)`: the case is out of scope (with the reason).
fn run_case(dir: &Path, case_dir: &Path) -> Result<Option<String>, String> {
    let case = yaml(&read(&case_dir.join("case.yaml"))?)?;
    if case.get("expectError").is_some() {
        return Ok(Some("error case".into()));
    }
    let webhook = case
        .get("modes")
        .and_then(Value::as_array)
        .is_some_and(|m| m.iter().any(|v| v == "webhook"));
    if !webhook {
        return Ok(Some("kube-inject only".into()));
    }
    if case.get("templates").is_some() {
        return Ok(Some("custom templates".into()));
    }
    let settings = settings(dir, &case)?;
    let inputs = pods_of(&read(&case_dir.join("input.yaml"))?)?;
    let goldens = pods_of(&read(&case_dir.join("want.yaml"))?)?;
    if inputs.len() != goldens.len() {
        return Err(format!(
            "{} input pods, {} golden pods",
            inputs.len(),
            goldens.len()
        ));
    }
    let mut compared = false;
    for ((input, ns), (golden, _)) in inputs.iter().zip(&goldens) {
        compared |= check_pod(&settings, input, ns, golden)?;
    }
    Ok((!compared).then(|| "not injected".to_string()))
}

#[test]
fn builtin_matches_istio_goldens() {
    let Some(dir) = istio_conformance::locate_or_skip() else {
        return;
    };
    let floor =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/render/builtin/conformance-floor.json");
    let cases = istio_conformance::case_dirs(&dir);
    let (mut passed, mut failed, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    for case_dir in &cases {
        let name = case_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        match run_case(&dir, case_dir) {
            Ok(None) => passed.push(name),
            Ok(Some(reason)) => skipped.push(format!("{name} ({reason})")),
            Err(diff) => failed.push((name, diff)),
        }
    }
    println!(
        "builtin conformance: {} passed, {} failed, {} skipped",
        passed.len(),
        failed.len(),
        skipped.len()
    );
    for (name, diff) in &failed {
        println!("  FAIL {name}: {diff}");
    }
    println!("  skipped: {}", skipped.join(", "));
    // Cases that vanished from the data set would silently shrink the check.
    let expected = istio_conformance::Floor::load(&floor)
        .unwrap_or_else(|e| panic!("{e}"))
        .suites
        .remove("builtin")
        .unwrap_or_default()
        .cases;
    let missing: Vec<&String> = expected
        .iter()
        .filter(|e| !passed.contains(e) && !failed.iter().any(|(f, _)| f == *e))
        .collect();
    let outcomes: Vec<Outcome> = passed
        .iter()
        .map(|name| (name, Verdict::Passed))
        .chain(
            failed
                .iter()
                .map(|(name, diff)| (name, Verdict::Failed(diff.clone()))),
        )
        .map(|(name, verdict)| Outcome {
            case: name.clone(),
            verdict,
            idempotency: None,
        })
        .collect();
    if let Err(regressions) = istio_conformance::floor::enforce(&floor, "builtin", &outcomes) {
        panic!("{regressions}");
    }
    assert!(
        missing.is_empty() || std::env::var_os("ISTIO_CONFORMANCE_DIR").is_some(),
        "expected cases not found: {missing:?}"
    );
}
