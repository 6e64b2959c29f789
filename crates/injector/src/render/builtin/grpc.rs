//! Istio's stock proxyless-gRPC templates: `grpc-simple` (a bootstrap-writing init container,
//! no proxy) and `grpc-agent` (the agent without Envoy serving xDS to the app over a UDS).

use super::ctx::Ctx;
use super::parts::{self, obj};
use super::sidecar::default_container_annotations;
use super::yamltext::{self, Want};
use crate::annotation;
use crate::error::InjectError;
use crate::render::istio_funcs;
use serde_json::{Map, Value, json};

/// The shell script `grpc-bootstrap-init` runs to write the gRPC xDS bootstrap file.
const BOOTSTRAP_SCRIPT: &str = r#"NODE_ID="sidecar~${INSTANCE_IP}~${POD_NAME}.${POD_NAMESPACE}~cluster.local"
SERVER_URI="dns:///istiod.${ISTIO_NAMESPACE}.svc:15010"
echo '
{
  "xds_servers": [
    {
      "server_uri": "'${SERVER_URI}'",
      "channel_creds": [{"type": "insecure"}],
      "server_features" : ["xds_v3"]
    }
  ],
  "node": {
    "id": "'${NODE_ID}'",
    "metadata": {
      "GENERATOR": "grpc"
    }
  }
}' > /var/lib/grpc/data/bootstrap.json"#;

const BOOTSTRAP_VOLUME: &str = "grpc-io-proxyless-bootstrap";
const BOOTSTRAP_DIR: &str = "/var/lib/grpc/data/";

pub(crate) fn render_simple(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let namespace = ctx.value_print("global.istioNamespace")?;
    let namespace = yamltext::literal_single_line(&namespace)
        .map_err(|m| ctx.err("grpc-bootstrap-init env ISTIO_NAMESPACE", m))?;
    let bootstrap_mount = json!({"mountPath": BOOTSTRAP_DIR, "name": BOOTSTRAP_VOLUME});
    let init = obj([
        ("name", json!("grpc-bootstrap-init")),
        ("image", json!("busybox:1.28")),
        ("volumeMounts", json!([bootstrap_mount.clone()])),
        (
            "env",
            json!([
                parts::field_ref_env("INSTANCE_IP", "status.podIP"),
                parts::field_ref_env("POD_NAME", "metadata.name"),
                parts::field_ref_env("POD_NAMESPACE", "metadata.namespace"),
                {"name": "ISTIO_NAMESPACE", "value": namespace},
            ]),
        ),
        ("command", json!(["sh", "-c", BOOTSTRAP_SCRIPT])),
    ]);
    // Every container, the proxy included, gets the bootstrap; none at all leaves
    // `containers:` empty, which YAML reads as null.
    let containers = if ctx.containers.is_empty() {
        Value::Null
    } else {
        let mut out = Vec::with_capacity(ctx.containers.len());
        for container in ctx.containers {
            let name = super::ctx::container_name(container).unwrap_or_default();
            out.push(obj([
                ("name", ctx.plain("containers name", name, Want::Str)?),
                (
                    "env",
                    json!([
                        {"name": "GRPC_XDS_BOOTSTRAP", "value": "/var/lib/grpc/data/bootstrap.json"},
                        {"name": "GRPC_GO_LOG_VERBOSITY_LEVEL", "value": "99"},
                        {"name": "GRPC_GO_LOG_SEVERITY_LEVEL", "value": "info"},
                    ]),
                ),
                ("volumeMounts", json!([bootstrap_mount.clone()])),
            ]));
        }
        Value::Array(out)
    };
    Ok(json!({
        "metadata": {"annotations": {annotation::REWRITE_APP_HTTP_PROBERS: "false"}},
        "spec": {
            "initContainers": [init],
            "containers": containers,
            "volumes": [{"name": BOOTSTRAP_VOLUME, "emptyDir": {}}],
        },
    }))
}

pub(crate) fn render_agent(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
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
    annotations.insert(
        annotation::REWRITE_APP_HTTP_PROBERS.to_string(),
        json!("false"),
    );

    let gke = parts::gke_workload_certs(ctx)?;
    let mut containers = vec![proxy_container(ctx, gke)?];
    for name in &ctx.app_containers {
        let certs_mount = if gke {
            json!({
                "name": "gke-workload-certificate",
                "mountPath": "/var/run/secrets/workload-spiffe-credentials",
                "readOnly": true,
            })
        } else {
            json!({"name": "workload-certs", "mountPath": "/var/run/secrets/workload-spiffe-credentials"})
        };
        containers.push(obj([
            ("name", ctx.plain("containers name", name, Want::Str)?),
            (
                "env",
                json!([
                    {"name": "GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT", "value": "true"},
                    {"name": "GRPC_XDS_BOOTSTRAP", "value": "/etc/istio/proxy/grpc-bootstrap.json"},
                ]),
            ),
            (
                "volumeMounts",
                json!([
                    {"mountPath": "/var/lib/istio/data", "name": "istio-data"},
                    {"mountPath": "/etc/istio/proxy", "name": "istio-xds"},
                    certs_mount,
                ]),
            ),
        ]));
    }

    let mut spec = Map::new();
    spec.insert("containers".to_string(), Value::Array(containers));
    spec.insert("volumes".to_string(), Value::Array(volumes(ctx, gke)?));
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

fn proxy_container(ctx: &Ctx<'_>, gke: bool) -> Result<Value, InjectError> {
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
        json!([{"containerPort": 15020, "protocol": "TCP", "name": "mesh-metrics"}]),
    );
    let [log, component, agent] = parts::log_level_args(ctx)?;
    let mut args = vec![
        json!("proxy"),
        json!("sidecar"),
        json!("--domain"),
        parts::domain_arg(ctx)?,
        log,
        component,
        agent,
    ];
    parts::sts_and_json_args(ctx, &mut args)?;
    c.insert("args".to_string(), Value::Array(args));
    c.insert(
        "lifecycle".to_string(),
        json!({"postStart": {"exec": {"command": [
            "pilot-agent", "wait", "--url=http://localhost:15020/healthz/ready"
        ]}}}),
    );
    let mut envs = env(ctx)?;
    let pull_policy = parts::image_pull_policy(ctx)?;
    let user_mounts = parts::user_entries(ctx, annotation::USER_VOLUME_MOUNT)?;
    let status_port =
        ctx.annotation_or_value(annotation::STATUS_PORT, "global.proxy.statusPort")?;
    if status_port == "0" {
        // The template's status-port `if` also swallows resources and volumeMounts, and the
        // user mounts that follow land wherever the YAML leaves them: in the env list, or
        // after a mapping key where a list entry cannot go.
        if !user_mounts.is_empty() {
            if pull_policy.is_some() {
                return Err(ctx.err(
                    "annotation sidecar.istio.io/userVolumeMount",
                    "with status port 0 the mounts follow imagePullPolicy, which is not valid YAML",
                ));
            }
            envs.extend(user_mounts);
        }
        c.insert("env".to_string(), Value::Array(envs));
        if let Some(policy) = pull_policy {
            c.insert("imagePullPolicy".to_string(), policy);
        }
        return Ok(Value::Object(c));
    }
    c.insert("env".to_string(), Value::Array(envs));
    if let Some(policy) = pull_policy {
        c.insert("imagePullPolicy".to_string(), policy);
    }
    let readiness = |annotation: &str, path: &str, field: &str| -> Result<Value, InjectError> {
        let text = ctx.annotation_or_value(annotation, path)?;
        ctx.plain(field, &text, Want::Int32)
    };
    c.insert(
        "readinessProbe".to_string(),
        obj([
            ("httpGet", json!({"path": "/healthz/ready", "port": 15020})),
            (
                "initialDelaySeconds",
                readiness(
                    annotation::READINESS_INITIAL_DELAY_SECONDS,
                    "global.proxy.readinessInitialDelaySeconds",
                    "readinessProbe.initialDelaySeconds",
                )?,
            ),
            (
                "periodSeconds",
                readiness(
                    annotation::READINESS_PERIOD_SECONDS,
                    "global.proxy.readinessPeriodSeconds",
                    "readinessProbe.periodSeconds",
                )?,
            ),
            ("timeoutSeconds", json!(3)),
            (
                "failureThreshold",
                readiness(
                    annotation::READINESS_FAILURE_THRESHOLD,
                    "global.proxy.readinessFailureThreshold",
                    "readinessProbe.failureThreshold",
                )?,
            ),
        ]),
    );
    c.insert("resources".to_string(), parts::resources(ctx)?);
    let mut mounts = vec![
        json!({"name": "workload-socket", "mountPath": "/var/run/secrets/workload-spiffe-uds"}),
    ];
    if gke {
        mounts.push(json!({
            "name": "gke-workload-certificate",
            "mountPath": "/var/run/secrets/workload-spiffe-credentials",
            "readOnly": true,
        }));
    } else {
        mounts.push(json!({"name": "workload-certs", "mountPath": "/var/run/secrets/workload-spiffe-credentials"}));
    }
    if parts::istiod_certs(ctx)? {
        mounts.push(json!({"mountPath": "/var/run/secrets/istio", "name": "istiod-ca-cert"}));
    }
    mounts.push(json!({"mountPath": "/var/lib/istio/data", "name": "istio-data"}));
    mounts.push(json!({"mountPath": "/etc/istio/proxy", "name": "istio-xds"}));
    mounts.push(json!({"mountPath": "/var/run/secrets/tokens", "name": "istio-token"}));
    if ctx.value_truthy("global.mountMtlsCerts")? {
        mounts.push(json!({"mountPath": "/etc/certs/", "name": "istio-certs", "readOnly": true}));
    }
    mounts.push(json!({"name": "istio-podinfo", "mountPath": "/etc/istio/pod"}));
    mounts.extend(user_mounts);
    c.insert("volumeMounts".to_string(), Value::Array(mounts));
    Ok(Value::Object(c))
}

fn env(ctx: &Ctx<'_>) -> Result<Vec<Value>, InjectError> {
    let mut envs = vec![
        json!({"name": "ISTIO_META_GENERATOR", "value": "grpc"}),
        json!({"name": "OUTPUT_CERTS", "value": "/var/lib/istio/data"}),
    ];
    parts::localhost_probe_env(ctx, &mut envs);
    parts::cert_envs(ctx, &mut envs)?;
    parts::pod_identity_envs(&mut envs);
    envs.push(parts::proxy_config_env(ctx)?);
    envs.push(parts::pod_ports_env(ctx)?);
    envs.push(parts::app_containers_env(ctx)?);
    envs.push(parts::cluster_id_env(ctx)?);
    envs.push(parts::field_ref_env(
        "ISTIO_META_NODE_NAME",
        "spec.nodeName",
    ));
    parts::network_env(ctx, &mut envs)?;
    let workload = ctx.data.deploy_meta.name.as_str();
    if !workload.is_empty() {
        envs.push(obj([
            ("name", json!("ISTIO_META_WORKLOAD_NAME")),
            ("value", ctx.dq("env ISTIO_META_WORKLOAD_NAME", workload)?),
        ]));
    }
    parts::owner_env(ctx, &mut envs)?;
    parts::mesh_envs(ctx, &mut envs)?;
    parts::proxy_metadata_envs(ctx, &mut envs)?;
    envs.push(json!({"name": "ISTIO_META_DNS_CAPTURE", "value": "false"}));
    envs.push(json!({"name": "DISABLE_ENVOY", "value": "true"}));
    Ok(envs)
}

fn volumes(ctx: &Ctx<'_>, gke: bool) -> Result<Vec<Value>, InjectError> {
    let mut volumes = vec![json!({"emptyDir": null, "name": "workload-socket"})];
    if gke {
        volumes.push(json!({
            "name": "gke-workload-certificate",
            "csi": {"driver": "workloadcertificates.security.cloud.google.com"},
        }));
    } else {
        volumes.push(json!({"emptyDir": null, "name": "workload-certs"}));
    }
    if let Some(v) = parts::bootstrap_volume(ctx) {
        volumes.push(v);
    }
    volumes.push(json!({"emptyDir": {"medium": "Memory"}, "name": "istio-xds"}));
    volumes.push(json!({"name": "istio-data", "emptyDir": {}}));
    volumes.push(parts::podinfo_volume());
    volumes.push(parts::token_volume(ctx)?);
    if parts::istiod_certs(ctx)? {
        volumes.push(parts::istiod_ca_volume(ctx)?);
    }
    if ctx.value_truthy("global.mountMtlsCerts")? {
        volumes.push(parts::istio_certs_volume(ctx)?);
    }
    volumes.extend(parts::user_entries(ctx, annotation::USER_VOLUME)?);
    Ok(volumes)
}
