//! Istio's stock `gateway` template (`files/gateway-injection-template.yaml`): the proxy
//! runs as the pod's only real container (`proxy router`), with no init container.

use super::ctx::Ctx;
use super::parts::{self, obj};
use super::sidecar::default_container_annotations;
use super::yamltext::Want;
use crate::annotation;
use crate::error::InjectError;
use crate::render::istio_funcs;
use serde_json::{Map, Value, json};

pub(crate) fn render(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let label_fn = ctx.label_ref_fn();
    let labels = obj([
        (
            annotation::CANONICAL_NAME,
            Value::String(istio_funcs::canonical_name_untrimmed(
                &label_fn,
                &ctx.data.deploy_meta.name,
            )),
        ),
        (
            annotation::CANONICAL_REVISION,
            Value::String(istio_funcs::canonical_revision(&label_fn)),
        ),
    ]);
    let mut annotations = Map::new();
    let revision = if ctx.data.revision.is_empty() {
        "default"
    } else {
        ctx.data.revision
    };
    annotations.insert(annotation::REVISION.to_string(), json!(revision));
    default_container_annotations(ctx, &mut annotations)?;

    let security_context = match ctx.value("gateways.securityContext")?.as_deref() {
        Some(sc) if super::golang::truthy(Some(sc)) => {
            ctx.embedded_object("spec.securityContext", sc)?
        }
        _ => json!({"sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]}),
    };

    let mut spec = Map::new();
    spec.insert("securityContext".to_string(), security_context);
    spec.insert("containers".to_string(), json!([proxy_container(ctx)?]));
    spec.insert("volumes".to_string(), Value::Array(volumes(ctx)?));
    if let Some(secrets) = parts::image_pull_secrets(ctx)? {
        spec.insert("imagePullSecrets".to_string(), secrets);
    }
    Ok(obj([
        (
            "metadata",
            obj([
                ("labels", labels),
                ("annotations", Value::Object(annotations)),
            ]),
        ),
        ("spec", Value::Object(spec)),
    ]))
}

fn proxy_container(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let mut c = Map::new();
    c.insert("name".to_string(), json!("istio-proxy"));
    c.insert(
        "image".to_string(),
        parts::image(
            ctx,
            "istio-proxy image",
            "global.proxy.image",
            ctx.data.proxy_image,
        )?,
    );
    c.insert(
        "ports".to_string(),
        json!([{"containerPort": 15090, "protocol": "TCP", "name": "http-envoy-prom"}]),
    );
    let [log, component, agent] = parts::log_level_args(ctx)?;
    let mut args = vec![
        json!("proxy"),
        json!("router"),
        json!("--domain"),
        parts::domain_arg(ctx)?,
        log,
        component,
        agent,
    ];
    parts::sts_and_json_args(ctx, &mut args)?;
    c.insert("args".to_string(), Value::Array(args));
    let lifecycle = ctx.value("global.proxy.lifecycle")?;
    let lifecycle = lifecycle.as_deref();
    if let Some(lc) = lifecycle.filter(|v| super::golang::truthy(Some(v))) {
        c.insert(
            "lifecycle".to_string(),
            ctx.embedded_object("istio-proxy lifecycle", lc)?,
        );
    }
    c.insert(
        "securityContext".to_string(),
        obj([
            ("runAsUser", parts::proxy_id(ctx.data.proxy_uid)),
            ("runAsGroup", parts::proxy_id(ctx.data.proxy_gid)),
        ]),
    );
    c.insert("env".to_string(), Value::Array(env(ctx)?));
    if let Some(policy) = parts::image_pull_policy(ctx)? {
        c.insert("imagePullPolicy".to_string(), policy);
    }
    let raw_int = |path: &str, field: &str| -> Result<Value, InjectError> {
        let text = ctx.value_print(path)?;
        ctx.plain(field, &text, Want::Int32)
    };
    c.insert(
        "readinessProbe".to_string(),
        obj([
            ("httpGet", json!({"path": "/healthz/ready", "port": 15021})),
            (
                "initialDelaySeconds",
                raw_int(
                    "global.proxy.readinessInitialDelaySeconds",
                    "readinessProbe.initialDelaySeconds",
                )?,
            ),
            (
                "periodSeconds",
                raw_int(
                    "global.proxy.readinessPeriodSeconds",
                    "readinessProbe.periodSeconds",
                )?,
            ),
            ("timeoutSeconds", json!(3)),
            (
                "failureThreshold",
                raw_int(
                    "global.proxy.readinessFailureThreshold",
                    "readinessProbe.failureThreshold",
                )?,
            ),
        ]),
    );
    c.insert(
        "volumeMounts".to_string(),
        Value::Array(volume_mounts(ctx)?),
    );
    Ok(Value::Object(c))
}

fn env(ctx: &Ctx<'_>) -> Result<Vec<Value>, InjectError> {
    let mut envs = Vec::with_capacity(28);
    parts::cert_envs(ctx, &mut envs)?;
    parts::pod_identity_envs(&mut envs);
    envs.push(parts::resource_ref_env("ISTIO_CPU_LIMIT", "limits.cpu"));
    envs.push(parts::proxy_config_env(ctx)?);
    envs.push(parts::pod_ports_env(ctx)?);
    envs.push(parts::resource_ref_env("GOMEMLIMIT", "limits.memory"));
    parts::compliance_envs(ctx, &mut envs)?;
    envs.push(parts::app_containers_env(ctx)?);
    envs.push(parts::cluster_id_env(ctx)?);
    envs.push(parts::field_ref_env(
        "ISTIO_META_NODE_NAME",
        "spec.nodeName",
    ));
    let mode = ctx.data.proxy_config.interception_mode().as_str();
    envs.push(obj([
        ("name", json!("ISTIO_META_INTERCEPTION_MODE")),
        ("value", ctx.dq("env ISTIO_META_INTERCEPTION_MODE", mode)?),
    ]));
    parts::network_env(ctx, &mut envs)?;
    let workload = ctx.data.deploy_meta.name.as_str();
    if !workload.is_empty() {
        envs.push(obj([
            ("name", json!("ISTIO_META_WORKLOAD_NAME")),
            ("value", ctx.dq("env ISTIO_META_WORKLOAD_NAME", workload)?),
        ]));
    }
    parts::owner_env(ctx, &mut envs)?;
    parts::bootstrap_env(ctx, &mut envs);
    parts::mesh_envs(ctx, &mut envs)?;
    parts::proxy_metadata_envs(ctx, &mut envs)?;
    Ok(envs)
}

fn mount(name: &str, path: &str) -> Value {
    json!({"name": name, "mountPath": path})
}

fn volume_mounts(ctx: &Ctx<'_>) -> Result<Vec<Value>, InjectError> {
    let mut mounts = vec![
        mount("workload-socket", "/var/run/secrets/workload-spiffe-uds"),
        mount("credential-socket", "/var/run/secrets/credential-uds"),
    ];
    if parts::gke_workload_certs(ctx)? {
        mounts.push(json!({
            "name": "gke-workload-certificate",
            "mountPath": "/var/run/secrets/workload-spiffe-credentials",
            "readOnly": true,
        }));
    } else {
        mounts.push(mount(
            "workload-certs",
            "/var/run/secrets/workload-spiffe-credentials",
        ));
    }
    if parts::istiod_certs(ctx)? {
        mounts.push(mount("istiod-ca-cert", "/var/run/secrets/istio"));
    }
    mounts.push(mount("istio-data", "/var/lib/istio/data"));
    if let Some(m) = parts::bootstrap_mount(ctx) {
        mounts.push(m);
    }
    mounts.push(mount("istio-envoy", "/etc/istio/proxy"));
    mounts.push(mount("istio-token", "/var/run/secrets/tokens"));
    if ctx.value_truthy("global.mountMtlsCerts")? {
        mounts.push(json!({"name": "istio-certs", "mountPath": "/etc/certs/", "readOnly": true}));
    }
    mounts.push(mount("istio-podinfo", "/etc/istio/pod"));
    Ok(mounts)
}

fn volumes(ctx: &Ctx<'_>) -> Result<Vec<Value>, InjectError> {
    let mut volumes = vec![
        json!({"emptyDir": null, "name": "workload-socket"}),
        json!({"emptyDir": {}, "name": "credential-socket"}),
    ];
    if parts::gke_workload_certs(ctx)? {
        volumes.push(json!({
            "name": "gke-workload-certificate",
            "csi": {"driver": "workloadcertificates.security.cloud.google.com"},
        }));
    } else {
        volumes.push(json!({"emptyDir": {}, "name": "workload-certs"}));
    }
    if let Some(v) = parts::bootstrap_volume(ctx) {
        volumes.push(v);
    }
    volumes.push(json!({"emptyDir": {"medium": "Memory"}, "name": "istio-envoy"}));
    volumes.push(json!({"name": "istio-data", "emptyDir": {}}));
    volumes.push(parts::podinfo_volume());
    volumes.push(parts::token_volume(ctx)?);
    if parts::istiod_certs(ctx)? {
        volumes.push(parts::istiod_ca_volume(ctx)?);
    }
    if ctx.value_truthy("global.mountMtlsCerts")? {
        volumes.push(parts::istio_certs_volume(ctx)?);
    }
    Ok(volumes)
}
