//! Pieces the `sidecar`, `gateway` and `grpc-agent` templates write identically: images,
//! log arguments, the common env vars, resources, volumes, pull secrets.

use super::ctx::Ctx;
use super::golang;
use super::yamltext::{self, Want};
use crate::annotation::{
    self, BOOTSTRAP_OVERRIDE, PROXY_CPU, PROXY_CPU_LIMIT, PROXY_MEMORY, PROXY_MEMORY_LIMIT,
};
use crate::error::InjectError;
use crate::render::istio_funcs;
use serde_json::{Map, Value, json};
use std::borrow::Cow;

/// Builds a JSON object from key/value pairs, keeping their order, at its final size (`json!`
/// grows each map from empty, and the renderer builds about a hundred small ones per pod).
pub(crate) fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut map = Map::with_capacity(N);
    for (k, v) in pairs {
        map.insert(k.to_string(), v);
    }
    Value::Object(map)
}

/// A JSON string.
/// A map's entries in Go's order for maps (sorted keys), sorted only when they are not.
pub(crate) fn sorted_keys(mut map: Map<String, Value>) -> Value {
    if !map.keys().is_sorted() {
        map.sort_keys();
    }
    Value::Object(map)
}

pub(crate) fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

/// A JSON list of strings.
pub(crate) fn texts<const N: usize>(items: [&str; N]) -> Value {
    Value::Array(items.into_iter().map(text).collect())
}

/// The string pieces, joined into one string allocated at its size.
pub(crate) fn concat(pieces: &[&str]) -> String {
    pieces.concat()
}

/// `image:` of istio-proxy (`values_path` = `global.proxy.image`) or of the init container
/// (`global.proxy_init.image`): the `sidecar.istio.io/proxyImage` annotation or the values
/// image when it contains a `/` (used verbatim), else the computed image.
pub(crate) fn image(
    ctx: &Ctx<'_>,
    field: impl std::fmt::Display,
    values_path: &str,
    computed: &str,
) -> Result<Value, InjectError> {
    let given = ctx.annotation_or_value(annotation::PROXY_IMAGE, values_path)?;
    if given.contains('/') {
        // Printed through `quote`: the string survives exactly.
        Ok(Value::String(given.into_owned()))
    } else {
        ctx.dq(field, computed)
    }
}

/// The three quoted log-level arguments of `pilot-agent proxy`.
pub(crate) fn log_level_args(ctx: &Ctx<'_>) -> Result<[Value; 3], InjectError> {
    let proxy = ctx.annotation_or_value(annotation::LOG_LEVEL, "global.proxy.logLevel")?;
    let component = ctx.annotation_or_value(
        annotation::COMPONENT_LOG_LEVEL,
        "global.proxy.componentLogLevel",
    )?;
    Ok([
        Value::String(concat(&["--proxyLogLevel=", &proxy])),
        Value::String(concat(&["--proxyComponentLogLevel=", &component])),
        agent_log_level_arg(ctx)?,
    ])
}

/// `--log_output_level=…` (agent log level), quoted.
pub(crate) fn agent_log_level_arg(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let level = ctx.annotation_or_value(annotation::AGENT_LOG_LEVEL, "global.logging.level")?;
    Ok(Value::String(concat(&["--log_output_level=", &level])))
}

/// `--stsPort=…` and `--log_as_json`, when the values ask for them.
pub(crate) fn sts_and_json_args(ctx: &Ctx<'_>, args: &mut Vec<Value>) -> Result<(), InjectError> {
    if let Some(port) = ctx.found_truthy("global.sts.servicePort")? {
        let port = port.print();
        let arg = concat(&["--stsPort=", &port]);
        args.push(ctx.plain("istio-proxy args --stsPort", &arg, Want::Str)?);
    }
    if ctx.value_truthy("global.logAsJson")? {
        args.push(text("--log_as_json"));
    }
    Ok(())
}

/// The `$(POD_NAMESPACE).svc.<clusterDomain>` argument.
pub(crate) fn domain_arg(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let domain = ctx.value_print("global.proxy.clusterDomain")?;
    let arg = concat(&["$(POD_NAMESPACE).svc.", &domain]);
    ctx.plain("istio-proxy args --domain", &arg, Want::Str)
}

pub(crate) fn field_ref_env(name: &str, path: &str) -> Value {
    let field_ref = obj([("fieldPath", text(path))]);
    obj([
        ("name", text(name)),
        ("valueFrom", obj([("fieldRef", field_ref)])),
    ])
}

pub(crate) fn resource_ref_env(name: &str, resource: &str) -> Value {
    let resource_ref = obj([("resource", text(resource)), ("divisor", text("1"))]);
    obj([
        ("name", text(name)),
        ("valueFrom", obj([("resourceFieldRef", resource_ref)])),
    ])
}

fn env(name: &str, value: Value) -> Value {
    obj([("name", Value::String(name.to_string())), ("value", value)])
}

/// `REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION` (inbound traffic policy `localhost`).
pub(crate) fn localhost_probe_env(ctx: &Ctx<'_>, envs: &mut Vec<Value>) {
    if ctx.data.inbound_traffic_policy_mode == "localhost" {
        envs.push(env(
            "REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION",
            text("true"),
        ));
    }
}

/// `PILOT_CERT_PROVIDER` and `CA_ADDR`, both printed unquoted.
pub(crate) fn cert_envs(ctx: &Ctx<'_>, envs: &mut Vec<Value>) -> Result<(), InjectError> {
    let provider = ctx.value_print("global.pilotCertProvider")?;
    envs.push(env(
        "PILOT_CERT_PROVIDER",
        ctx.plain("env PILOT_CERT_PROVIDER", &provider, Want::Str)?,
    ));
    let ca_addr = if let Some(address) = ctx.found_truthy("global.caAddress")? {
        address.print()
    } else {
        let (dash, revision) = if ctx.value_eq("revision", "")? {
            ("", Cow::Borrowed(""))
        } else {
            ("-", ctx.value_print("revision")?)
        };
        let namespace = ctx.value_print("global.istioNamespace")?;
        Cow::Owned(concat(&[
            "istiod",
            dash,
            &revision,
            ".",
            &namespace,
            ".svc:15012",
        ]))
    };
    envs.push(env(
        "CA_ADDR",
        ctx.plain("env CA_ADDR", &ca_addr, Want::Str)?,
    ));
    Ok(())
}

/// `POD_NAME` … `HOST_IP`, the downward-API env vars every proxy gets.
pub(crate) fn pod_identity_envs(envs: &mut Vec<Value>) {
    envs.push(field_ref_env("POD_NAME", "metadata.name"));
    envs.push(field_ref_env("POD_NAMESPACE", "metadata.namespace"));
    envs.push(field_ref_env("INSTANCE_IP", "status.podIP"));
    envs.push(field_ref_env("SERVICE_ACCOUNT", "spec.serviceAccountName"));
    envs.push(field_ref_env("HOST_IP", "status.hostIP"));
}

/// `PROXY_CONFIG`: `protoToJSON .ProxyConfig` on the single line of a literal block.
pub(crate) fn proxy_config_env(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let json = ctx.data.proxy_config.to_proto_json();
    let value = yamltext::literal_single_line(&json).map_err(|m| ctx.err("env PROXY_CONFIG", m))?;
    Ok(env("PROXY_CONFIG", Value::String(value)))
}

/// `ISTIO_META_POD_PORTS`: the `structToJSON` of every container port, one per line of a
/// `|-` block, comma-led after the first: `[\n    {…}\n    ,{…}\n]`.
pub(crate) fn pod_ports_env(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let mut text = String::from("[");
    let mut first = true;
    for (i, container) in ctx.containers.iter().enumerate() {
        let ports = match container.get("ports") {
            None | Some(Value::Null) => continue,
            Some(Value::Array(ports)) => ports,
            Some(_) => {
                return Err(InjectError::InvalidPod(format!(
                    "spec.containers[{i}].ports must be a list"
                )));
            }
        };
        for (j, port) in ports.iter().enumerate() {
            text.push_str("\n    ");
            if !first {
                text.push(',');
            }
            first = false;
            if write_plain_container_port(&mut text, port) {
                continue;
            }
            let json = container_port_json(port).map_err(|m| {
                InjectError::InvalidPod(format!("spec.containers[{i}].ports[{j}]{m}"))
            })?;
            text.push_str(&json);
        }
    }
    text.push_str("\n]");
    Ok(env("ISTIO_META_POD_PORTS", Value::String(text)))
}

/// `ContainerPort`'s fields in Go's declaration order, and whether Go omits each when empty.
const CONTAINER_PORT_FIELDS: [(&str, bool); 5] = [
    ("name", true),
    ("hostPort", true),
    ("containerPort", false),
    ("protocol", true),
    ("hostIP", true),
];

/// [`container_port_json`] of a port whose fields are all `ContainerPort`'s and already of
/// their Go types (strings, 32-bit integers), written straight into `out`, as the general
/// path would write it, without building the typed copy. `false`, with `out` untouched, for
/// any other port: the general path encodes or rejects it.
fn write_plain_container_port(out: &mut String, port: &Value) -> bool {
    let Value::Object(map) = port else {
        return false;
    };
    let mut fields: [Option<&Value>; 5] = [None; 5];
    for (key, value) in map {
        let Some(slot) = CONTAINER_PORT_FIELDS
            .iter()
            .position(|(name, _)| *name == key)
        else {
            return false;
        };
        let typed = match value {
            Value::String(_) => slot != 1 && slot != 2,
            Value::Number(n) => {
                (slot == 1 || slot == 2) && n.as_i64().is_some_and(|n| i32::try_from(n).is_ok())
            }
            _ => false,
        };
        if !typed {
            return false;
        }
        fields[slot] = Some(value);
    }
    out.push('{');
    let mut first = true;
    for ((name, omit_empty), value) in CONTAINER_PORT_FIELDS.iter().zip(fields) {
        let empty = match value {
            None => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(v) => v.as_i64() == Some(0),
        };
        if empty && *omit_empty {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push('"');
        out.push_str(name);
        out.push_str("\":");
        match value {
            Some(Value::String(s)) => crate::golang::json::write_string(out, s),
            Some(v) => out.push_str(&golang::print_int(v.as_i64().unwrap_or_default())),
            None => out.push('0'),
        }
    }
    out.push('}');
    true
}

/// `structToJSON` of a `corev1.ContainerPort`: Go's `encoding/json` (field order name,
/// hostPort, containerPort, protocol, hostIP; empty optional fields omitted).
fn container_port_json(port: &Value) -> Result<String, String> {
    crate::k8s::to_go_json(&crate::k8s::CONTAINER_PORT, port).map_err(|e| {
        let path = if e.path == "<root>" {
            String::new()
        } else {
            format!(".{}", e.path)
        };
        format!("{path}: {}", e.message)
    })
}

/// `ISTIO_META_APP_CONTAINERS`: the application container names, comma-joined, quoted.
pub(crate) fn app_containers_env(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let joined = ctx.app_containers.join(",");
    Ok(env(
        "ISTIO_META_APP_CONTAINERS",
        ctx.dq("env ISTIO_META_APP_CONTAINERS", &joined)?,
    ))
}

/// `COMPLIANCE_POLICY` and, for FIPS 140-3, `GODEBUG=fips140=only`.
pub(crate) fn compliance_envs(ctx: &Ctx<'_>, envs: &mut Vec<Value>) -> Result<(), InjectError> {
    let policy = ctx.data.compliance_policy;
    if policy.is_empty() {
        return Ok(());
    }
    envs.push(env(
        "COMPLIANCE_POLICY",
        ctx.dq("env COMPLIANCE_POLICY", policy)?,
    ));
    if policy == "fips-140-3" {
        envs.push(env("GODEBUG", text("fips140=only")));
    }
    Ok(())
}

/// `ISTIO_META_CLUSTER_ID` (`valueOrDefault clusterName "Kubernetes"`).
pub(crate) fn cluster_id_env(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    // Only "" prints as nothing (an empty list or map prints its brackets).
    let text = match ctx.found("global.multiCluster.clusterName")? {
        Some(name) => name.print(),
        None => Cow::Borrowed(""),
    };
    let text = if text.is_empty() { "Kubernetes" } else { &text };
    Ok(env(
        "ISTIO_META_CLUSTER_ID",
        ctx.dq("env ISTIO_META_CLUSTER_ID", text)?,
    ))
}

/// `ISTIO_META_NETWORK` when `global.network` is set.
pub(crate) fn network_env(ctx: &Ctx<'_>, envs: &mut Vec<Value>) -> Result<(), InjectError> {
    if let Some(network) = ctx.found_truthy("global.network")? {
        let network = network.print();
        envs.push(env(
            annotation::NETWORK_ENV,
            ctx.dq("env ISTIO_META_NETWORK", &network)?,
        ));
    }
    Ok(())
}

/// `ISTIO_META_OWNER`, when the workload's API version and name are known.
pub(crate) fn owner_env(ctx: &Ctx<'_>, envs: &mut Vec<Value>) -> Result<(), InjectError> {
    let meta = ctx.data.deploy_meta;
    if meta.api_version.is_empty() || meta.name.is_empty() {
        return Ok(());
    }
    let namespace = if meta.namespace.is_empty() {
        "default"
    } else {
        meta.namespace.as_str()
    };
    // Kinds are ASCII; full Unicode lowering only for anything else.
    let kind = if meta.kind.is_ascii() {
        meta.kind.to_ascii_lowercase()
    } else {
        meta.kind.to_lowercase()
    };
    let owner = concat(&[
        "kubernetes://apis/",
        &meta.api_version,
        "/namespaces/",
        namespace,
        "/",
        &kind,
        "s/",
        &meta.name,
    ]);
    envs.push(env(
        "ISTIO_META_OWNER",
        ctx.plain("env ISTIO_META_OWNER", &owner, Want::Str)?,
    ));
    Ok(())
}

/// `ISTIO_BOOTSTRAP_OVERRIDE` when the pod names a custom bootstrap config map.
pub(crate) fn bootstrap_env(ctx: &Ctx<'_>, envs: &mut Vec<Value>) {
    if ctx.isset(BOOTSTRAP_OVERRIDE) {
        envs.push(env(
            "ISTIO_BOOTSTRAP_OVERRIDE",
            text("/etc/istio/custom-bootstrap/custom_bootstrap.json"),
        ));
    }
}

/// `ISTIO_META_MESH_ID` (meshID, else the trust domain) and `TRUST_DOMAIN`.
pub(crate) fn mesh_envs(ctx: &Ctx<'_>, envs: &mut Vec<Value>) -> Result<(), InjectError> {
    // valueOrDefault .MeshConfig.TrustDomain .Values.global.trustDomain
    let mesh_trust_domain = ctx.data.mesh_config.trust_domain();
    let values_trust_domain = ctx.found_truthy("global.trustDomain")?;
    let trust_domain: Option<Cow<'_, str>> = if mesh_trust_domain.is_empty() {
        values_trust_domain.map(|found| found.print())
    } else {
        Some(Cow::Borrowed(mesh_trust_domain))
    };
    if let Some(mesh_id) = ctx.found_truthy("global.meshID")? {
        let mesh_id = mesh_id.print();
        envs.push(env(
            "ISTIO_META_MESH_ID",
            ctx.dq("env ISTIO_META_MESH_ID", &mesh_id)?,
        ));
    } else if let Some(td) = &trust_domain {
        envs.push(env(
            "ISTIO_META_MESH_ID",
            ctx.dq("env ISTIO_META_MESH_ID", td)?,
        ));
    }
    if let Some(td) = &trust_domain {
        envs.push(env("TRUST_DOMAIN", ctx.dq("env TRUST_DOMAIN", td)?));
    }
    Ok(())
}

/// One env var per `proxyMetadata` entry, in key order: `- name: <key>` (unquoted) and
/// `value: "<value>"`.
pub(crate) fn proxy_metadata_envs(ctx: &Ctx<'_>, envs: &mut Vec<Value>) -> Result<(), InjectError> {
    for (key, value) in &ctx.proxy_metadata {
        envs.push(obj([
            (
                "name",
                ctx.plain(format_args!("proxyMetadata env {key}"), key, Want::Str)?,
            ),
            (
                "value",
                ctx.dq(format_args!("proxyMetadata env {key}"), value)?,
            ),
        ]));
    }
    Ok(())
}

/// `imagePullPolicy: "<global.imagePullPolicy>"` when set.
pub(crate) fn image_pull_policy(ctx: &Ctx<'_>) -> Result<Option<Value>, InjectError> {
    let Some(policy) = ctx.found_truthy("global.imagePullPolicy")? else {
        return Ok(None);
    };
    ctx.dq("imagePullPolicy", &policy.print()).map(Some)
}

/// The `resources` template: any of the four proxy resource annotations replaces the values'
/// resources entirely; otherwise `omitNil .Values.global.proxy.resources`. `null` when there
/// is nothing to write.
pub(crate) fn resources(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let annotated = [PROXY_CPU, PROXY_MEMORY, PROXY_CPU_LIMIT, PROXY_MEMORY_LIMIT]
        .iter()
        .any(|k| ctx.isset(k));
    if annotated {
        let mut out = Map::new();
        let pair = |cpu: &str, memory: &str| -> Option<Value> {
            if !ctx.isset(cpu) && !ctx.isset(memory) {
                return None;
            }
            let mut m = Map::new();
            if let Some(v) = ctx.annotation(cpu) {
                m.insert("cpu".to_string(), Value::String(v.to_string()));
            }
            if let Some(v) = ctx.annotation(memory) {
                m.insert("memory".to_string(), Value::String(v.to_string()));
            }
            Some(Value::Object(m))
        };
        // Go's field order: limits, then requests.
        if let Some(limits) = pair(PROXY_CPU_LIMIT, PROXY_MEMORY_LIMIT) {
            out.insert("limits".to_string(), limits);
        }
        if let Some(requests) = pair(PROXY_CPU, PROXY_MEMORY) {
            out.insert("requests".to_string(), requests);
        }
        return Ok(Value::Object(out));
    }
    let Some(values) = ctx.found_truthy("global.proxy.resources")? else {
        return Ok(Value::Null);
    };
    match istio_funcs::omit_nil_owned(values.to_value().into_owned()) {
        None => Ok(Value::Null),
        Some(v) => ctx.embedded_object_owned("resources", v),
    }
}

/// The `istio-podinfo` downward-API volume.
pub(crate) fn podinfo_volume() -> Value {
    let item = |path: &str, field_path: &str| {
        obj([
            ("path", text(path)),
            ("fieldRef", obj([("fieldPath", text(field_path))])),
        ])
    };
    let items = vec![
        item("labels", "metadata.labels"),
        item("annotations", "metadata.annotations"),
    ];
    obj([
        ("name", text("istio-podinfo")),
        ("downwardAPI", obj([("items", Value::Array(items))])),
    ])
}

/// The projected service-account token volume `istio-token`.
pub(crate) fn token_volume(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let aud = ctx.value_print("global.sds.token.aud")?;
    let token = obj([
        (
            "audience",
            ctx.plain("volume istio-token audience", &aud, Want::Str)?,
        ),
        ("expirationSeconds", Value::from(43200)),
        ("path", text("istio-token")),
    ]);
    let sources = vec![obj([("serviceAccountToken", token)])];
    Ok(obj([
        ("name", text("istio-token")),
        ("projected", obj([("sources", Value::Array(sources))])),
    ]))
}

/// Whether `global.pilotCertProvider` is `istiod` (the CA root cert is mounted).
pub(crate) fn istiod_certs(ctx: &Ctx<'_>) -> Result<bool, InjectError> {
    ctx.value_eq("global.pilotCertProvider", "istiod")
}

/// Whether `global.caName` is `GkeWorkloadCertificate`.
pub(crate) fn gke_workload_certs(ctx: &Ctx<'_>) -> Result<bool, InjectError> {
    ctx.value_eq("global.caName", "GkeWorkloadCertificate")
}

/// The `istiod-ca-cert` volume: a ClusterTrustBundle projection when
/// `pilot.env.ENABLE_CLUSTER_TRUST_BUNDLE_API` is `true`, else the root-cert config map.
pub(crate) fn istiod_ca_volume(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    // `(.Values.pilot.env).X`: the parentheses turn a nil `env` into no value.
    let env = ctx.value("pilot.env")?;
    let env = env.as_deref();
    let flag = golang::lookup(env, &["ENABLE_CLUSTER_TRUST_BUNDLE_API"])
        .and_then(|v| golang::eq_bool(v, true))
        .map_err(|m| ctx.err(".Values.pilot.env.ENABLE_CLUSTER_TRUST_BUNDLE_API", m))?;
    let bundle = ctx.found_truthy("global.trustBundleName")?;
    let bundle_or = |default: &'static str| match bundle {
        Some(bundle) => bundle.print(),
        None => Cow::Borrowed(default),
    };
    if flag {
        let name = format!("istio.io:istiod-ca:{}", bundle_or("root-cert"));
        Ok(json!({
            "name": "istiod-ca-cert",
            "projected": {"sources": [{"clusterTrustBundle": {
                "name": ctx.plain("volume istiod-ca-cert clusterTrustBundle", &name, Want::Str)?,
                "path": "root-cert.pem",
            }}]},
        }))
    } else {
        let name = bundle_or("istio-ca-root-cert");
        let name = ctx.plain("volume istiod-ca-cert configMap", &name, Want::Str)?;
        Ok(obj([
            ("name", text("istiod-ca-cert")),
            ("configMap", obj([("name", name)])),
        ]))
    }
}

/// The `istio-certs` secret volume (`global.mountMtlsCerts`), named after the service account.
pub(crate) fn istio_certs_volume(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let sa = match ctx.data.spec.get("serviceAccountName") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => {
            return Err(InjectError::InvalidPod(
                "spec.serviceAccountName must be a string".to_string(),
            ));
        }
    };
    let secret = if sa.is_empty() {
        json!("istio.default")
    } else {
        ctx.plain(
            "volume istio-certs secretName",
            &format!("istio.{sa}"),
            Want::Str,
        )?
    };
    Ok(json!({
        "name": "istio-certs",
        "secret": {"secretName": secret, "optional": true},
    }))
}

/// The `custom-bootstrap-volume` when `sidecar.istio.io/bootstrapOverride` is set.
pub(crate) fn bootstrap_volume(ctx: &Ctx<'_>) -> Option<Value> {
    let name = ctx.annotation(BOOTSTRAP_OVERRIDE)?;
    Some(json!({"name": "custom-bootstrap-volume", "configMap": {"name": name}}))
}

pub(crate) fn bootstrap_mount(ctx: &Ctx<'_>) -> Option<Value> {
    ctx.isset(BOOTSTRAP_OVERRIDE).then(
        || json!({"name": "custom-bootstrap-volume", "mountPath": "/etc/istio/custom-bootstrap"}),
    )
}

/// Entries from a JSON-map annotation (`sidecar.istio.io/userVolume`, `userVolumeMount`):
/// `- name: "<key>"` followed by the `toYaml` of the entry's value, so keys of the value
/// (including its own `name`) win over the map key.
pub(crate) fn user_entries(ctx: &Ctx<'_>, annotation: &str) -> Result<Vec<Value>, InjectError> {
    let Some(text) = ctx.annotation(annotation) else {
        return Ok(Vec::new());
    };
    let field = format!("annotation {annotation}");
    let parsed = golang::from_json(text);
    let items = golang::range_items(Some(&parsed)).map_err(|m| ctx.err(&field, m))?;
    let mut out = Vec::with_capacity(items.len());
    for (key, value) in items {
        let mut entry = Map::new();
        entry.insert("name".to_string(), ctx.dq(&field, &key.print())?);
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    entry.insert(k.clone(), yamltext::yaml_round_trip(v));
                }
            }
            other => {
                return Err(ctx.err(
                    &field,
                    format!(
                        "entry {:?} is {}, but only a non-empty JSON object makes valid YAML there",
                        key.print(),
                        golang::kind_name(other)
                    ),
                ));
            }
        }
        out.push(Value::Object(entry));
    }
    Ok(out)
}

/// `imagePullSecrets` from `global.imagePullSecrets` (each printed unquoted as a name).
pub(crate) fn image_pull_secrets(ctx: &Ctx<'_>) -> Result<Option<Value>, InjectError> {
    let Some(secrets) = ctx.found_truthy("global.imagePullSecrets")? else {
        return Ok(None);
    };
    let secrets = secrets.to_value();
    let items = golang::range_items(Some(&secrets))
        .map_err(|m| ctx.err(".Values.global.imagePullSecrets", m))?;
    let mut out = Vec::with_capacity(items.len());
    for (_, secret) in items {
        let text = golang::print(Some(secret));
        out.push(obj([(
            "name",
            ctx.plain("imagePullSecrets name", &text, Want::Str)?,
        )]));
    }
    Ok(Some(Value::Array(out)))
}

/// `toYaml .Values.global.proxy.seccompProfile` when set.
pub(crate) fn seccomp_profile(ctx: &Ctx<'_>) -> Result<Option<Value>, InjectError> {
    match ctx.found_truthy("global.proxy.seccompProfile")? {
        Some(profile) => ctx
            .embedded_object("securityContext.seccompProfile", &profile.to_value())
            .map(Some),
        None => Ok(None),
    }
}

/// `runAsUser: {{ .ProxyUID | default "1337" }}` and its GID twin: 0 prints the default.
pub(crate) fn proxy_id(id: i64) -> Value {
    Value::from(if id == 0 { 1337 } else { id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn container_ports_encode_like_go() {
        assert_eq!(
            container_port_json(&json!({"containerPort": 80, "name": "http"})).as_deref(),
            Ok(r#"{"name":"http","containerPort":80}"#)
        );
        assert_eq!(
            container_port_json(
                &json!({"protocol": "UDP", "containerPort": 53, "hostIP": "a<b", "x": 1})
            )
            .as_deref(),
            Ok(r#"{"containerPort":53,"protocol":"UDP","hostIP":"a\u003cb"}"#)
        );
        assert_eq!(
            container_port_json(&json!({})).as_deref(),
            Ok(r#"{"containerPort":0}"#)
        );
        assert!(container_port_json(&json!({"containerPort": "80"})).is_err());
        assert!(container_port_json(&json!("80")).is_err());
    }

    fn plain_port_json(port: &Value) -> Option<String> {
        let mut out = String::new();
        write_plain_container_port(&mut out, port).then_some(out)
    }

    #[test]
    fn usual_ports_are_written_without_the_typed_copy() {
        for port in [
            json!({"containerPort": 80, "name": "http"}),
            json!({"name": "dns", "containerPort": 53, "protocol": "UDP", "hostIP": "a<b"}),
            json!({"containerPort": 8080, "hostPort": 0, "name": ""}),
            json!({}),
        ] {
            let general = container_port_json(&port);
            assert_eq!(
                plain_port_json(&port).ok_or(()),
                general.map_err(drop),
                "{port}"
            );
        }
        for other in [
            json!({"containerPort": 80.0}),
            json!({"containerPort": 1_i64 << 31}),
            json!({"containerPort": 80, "x": 1}),
            json!({"name": null}),
            json!({"hostIP": 1}),
            json!("80"),
        ] {
            assert_eq!(plain_port_json(&other), None, "{other}");
        }
    }

    fn port_field_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-70_000i64..70_000).prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e10f64..1e10).prop_map(Value::from),
            r#"[a-z0-9<>&\\" é\x{2028}-]{0,8}"#.prop_map(Value::from),
            Just(json!([1])),
            Just(json!({"a": 1})),
        ]
    }

    proptest! {
        #[test]
        fn plain_ports_encode_as_the_general_path_does(
            fields in proptest::collection::vec(
                (prop_oneof![
                    Just("name"), Just("hostPort"), Just("containerPort"), Just("protocol"),
                    Just("hostIP"), Just("Name"), Just("x"),
                ], port_field_value()),
                0..6,
            )
        ) {
            let port = Value::Object(
                fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            );
            if let Some(fast) = plain_port_json(&port) {
                prop_assert_eq!(Ok(fast), container_port_json(&port));
            }
        }
    }
}
