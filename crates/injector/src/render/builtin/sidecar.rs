//! Istio's stock `sidecar` template (`files/injection-template.yaml`), branch by branch.

use super::ctx::Ctx;
use super::golang;
use super::parts::{self, concat, obj, text, texts};
use super::yamltext::Want;
use crate::annotation::{
    self, DATADOG_ENV, EXCLUDE_INBOUND_PORTS, EXCLUDE_INTERFACES, EXCLUDE_OUTBOUND_IP_RANGES,
    EXCLUDE_OUTBOUND_PORTS, INCLUDE_INBOUND_PORTS, INCLUDE_OUTBOUND_IP_RANGES,
    INCLUDE_OUTBOUND_PORTS, INTERCEPTION_MODE, KUBEVIRT_INTERFACES, REROUTE_VIRTUAL_INTERFACES,
    STATUS_PORT,
};
use crate::config::InterceptionMode;
use crate::error::InjectError;
use crate::render::istio_funcs;
use serde_json::{Map, Value, json};
use std::cell::{Cell, OnceCell};

/// The template's top-level variables and the values several sections share.
struct Decisions {
    /// `annotation … interceptionMode .ProxyConfig.InterceptionMode`.
    mode: String,
    tproxy: bool,
    cap_net_bind_service: bool,
    native: bool,
    hold_proxy: bool,
    cni: bool,
    /// The status port as the annotation or values print it.
    status_port: String,
    /// `excludeInboundPort <status port> <excludeInboundPorts>`.
    exclude_inbound: String,
    /// Both containers' `resources`, the same text: built for the init container, copied for
    /// the proxy.
    resources: Cell<Option<Value>>,
    /// Tests and values the template evaluates more than once, kept from their first
    /// evaluation (which, failing, ends the render where the template would).
    privileged: OnceCell<Value>,
    istiod_certs: Cell<Option<bool>>,
    gke_workload_certs: Cell<Option<bool>>,
    mount_mtls_certs: Cell<Option<bool>>,
    lightstep_certs: Cell<Option<bool>>,
}

/// `cell`'s value, or `eval`'s, kept in `cell` when it succeeds.
fn once(
    cell: &Cell<Option<bool>>,
    eval: impl FnOnce() -> Result<bool, InjectError>,
) -> Result<bool, InjectError> {
    if let Some(known) = cell.get() {
        return Ok(known);
    }
    let value = eval()?;
    cell.set(Some(value));
    Ok(value)
}

impl Decisions {
    fn new(ctx: &Ctx<'_>) -> Result<Decisions, InjectError> {
        let pc_mode = ctx.data.proxy_config.interception_mode();
        let mode = ctx
            .annotation(INTERCEPTION_MODE)
            .map_or_else(|| pc_mode.as_str().to_string(), str::to_string);
        let tproxy = mode == InterceptionMode::Tproxy.as_str();
        let cap_net_bind_service = ctx.annotation_or_value(
            annotation::CAP_NET_BIND_SERVICE,
            "global.proxy.capNetBindService",
        )? == "true";
        let native_default = if ctx.data.native_sidecars {
            "true"
        } else {
            "false"
        };
        let native_annotation = ctx.index_annotation(annotation::NATIVE_SIDECAR);
        let native = if native_annotation.is_empty() {
            native_default
        } else {
            native_annotation
        } != "false";
        // `or` stops at the first true operand: the values are only read when needed.
        let hold = ctx
            .data
            .proxy_config
            .hold_application_until_proxy_starts()
            .unwrap_or(false)
            || ctx.value_truthy("global.proxy.holdApplicationUntilProxyStarts")?;
        let status_port = ctx
            .annotation_or_value(STATUS_PORT, "global.proxy.statusPort")?
            .into_owned();
        let excluded =
            ctx.annotation_or_value(EXCLUDE_INBOUND_PORTS, "global.proxy.excludeInboundPorts")?;
        let exclude_inbound = istio_funcs::exclude_inbound_port(&status_port, &excluded);
        Ok(Decisions {
            mode,
            tproxy,
            cap_net_bind_service,
            native,
            hold_proxy: hold && !native,
            cni: ctx.value_truthy("pilot.cni.enabled")?,
            status_port,
            exclude_inbound,
            resources: Cell::new(None),
            privileged: OnceCell::new(),
            istiod_certs: Cell::new(None),
            gke_workload_certs: Cell::new(None),
            mount_mtls_certs: Cell::new(None),
            lightstep_certs: Cell::new(None),
        })
    }

    /// `privileged`/`allowPrivilegeEscalation`: `{{ .Values.global.proxy.privileged }}`
    /// unquoted, the same text in four fields.
    fn privileged(&self, ctx: &Ctx<'_>, field: &str) -> Result<Value, InjectError> {
        if let Some(known) = self.privileged.get() {
            return Ok(known.clone());
        }
        let text = ctx.value_print("global.proxy.privileged")?;
        let value = ctx.plain(field, &text, Want::Bool)?;
        Ok(self.privileged.get_or_init(|| value).clone())
    }

    fn istiod_certs(&self, ctx: &Ctx<'_>) -> Result<bool, InjectError> {
        once(&self.istiod_certs, || parts::istiod_certs(ctx))
    }

    fn gke_workload_certs(&self, ctx: &Ctx<'_>) -> Result<bool, InjectError> {
        once(&self.gke_workload_certs, || parts::gke_workload_certs(ctx))
    }

    fn mount_mtls_certs(&self, ctx: &Ctx<'_>) -> Result<bool, InjectError> {
        once(&self.mount_mtls_certs, || {
            ctx.value_truthy("global.mountMtlsCerts")
        })
    }

    fn lightstep_certs(&self, ctx: &Ctx<'_>) -> Result<bool, InjectError> {
        once(&self.lightstep_certs, || lightstep_certs(ctx))
    }

    /// The init container's `resources`, kept for the proxy's.
    fn init_resources(&self, ctx: &Ctx<'_>) -> Result<Value, InjectError> {
        let resources = parts::resources(ctx)?;
        self.resources.set(Some(resources.clone()));
        Ok(resources)
    }

    /// The proxy's `resources`: the init container's, or built when it has none.
    fn proxy_resources(&self, ctx: &Ctx<'_>) -> Result<Value, InjectError> {
        match self.resources.take() {
            Some(resources) => Ok(resources),
            None => parts::resources(ctx),
        }
    }
}

pub(crate) fn render(ctx: &Ctx<'_>) -> Result<Value, InjectError> {
    let d = Decisions::new(ctx)?;
    let metadata = metadata(ctx, &d)?;

    // Interception NONE has no iptables init container. Without a native sidecar the
    // template then writes `initContainers: []`, which the merge leaves alone.
    let mut init_containers = Vec::new();
    if d.mode != "NONE" {
        init_containers.push(init_container(ctx, &d)?);
    }
    let proxy = proxy_container(ctx, &d)?;
    let containers = if d.native {
        init_containers.push(proxy);
        None
    } else {
        Some(vec![proxy])
    };
    let volumes = volumes(ctx, &d)?;
    let secrets = parts::image_pull_secrets(ctx)?;
    // Evaluated in the template's order, built in Go's field order.
    let mut spec =
        Map::with_capacity(2 + usize::from(containers.is_some()) + usize::from(secrets.is_some()));
    spec.insert("volumes".to_string(), Value::Array(volumes));
    spec.insert("initContainers".to_string(), Value::Array(init_containers));
    if let Some(containers) = containers {
        spec.insert("containers".to_string(), Value::Array(containers));
    }
    if let Some(secrets) = secrets {
        spec.insert("imagePullSecrets".to_string(), secrets);
    }
    Ok(obj([("metadata", metadata), ("spec", Value::Object(spec))]))
}

fn metadata(ctx: &Ctx<'_>, d: &Decisions) -> Result<Value, InjectError> {
    let mut labels = Map::new();
    let tls_mode = ctx.label(annotation::TLS_MODE);
    labels.insert(
        annotation::TLS_MODE.to_string(),
        text(if tls_mode.is_empty() {
            "istio"
        } else {
            tls_mode
        }),
    );
    if ctx
        .proxy_metadata
        .get("ISTIO_META_ENABLE_HBONE")
        .map(String::as_str)
        == Some("true")
    {
        let tunnel = ctx.label(annotation::TUNNEL);
        labels.insert(
            annotation::TUNNEL.to_string(),
            text(if tunnel.is_empty() { "http" } else { tunnel }),
        );
    }
    let label_fn = ctx.label_ref_fn();
    labels.insert(
        annotation::CANONICAL_NAME.to_string(),
        Value::String(istio_funcs::canonical_name(
            &label_fn,
            &ctx.data.deploy_meta.name,
        )),
    );
    labels.insert(
        annotation::CANONICAL_REVISION.to_string(),
        Value::String(istio_funcs::canonical_revision(&label_fn)),
    );

    let mut annotations = Map::new();
    let revision = if ctx.data.revision.is_empty() {
        "default"
    } else {
        ctx.data.revision
    };
    annotations.insert(annotation::REVISION.to_string(), text(revision));
    default_container_annotations(ctx, &mut annotations)?;
    if d.cni {
        cni_annotations(ctx, d, &mut annotations)?;
    }
    Ok(obj([
        ("labels", parts::sorted_keys(labels)),
        ("annotations", parts::sorted_keys(annotations)),
    ]))
}

/// `kubectl.kubernetes.io/default-logs-container` and `default-container`: the first
/// application container, unless the pod already chose.
pub(crate) fn default_container_annotations(
    ctx: &Ctx<'_>,
    annotations: &mut Map<String, Value>,
) -> Result<(), InjectError> {
    let Some(first) = ctx.app_containers.first() else {
        return Ok(());
    };
    let value = |key: &str| -> Result<Option<Value>, InjectError> {
        if ctx.isset(key) {
            return Ok(None);
        }
        ctx.dq(format_args!("annotation {key}"), first).map(Some)
    };
    // Evaluated in the template's order, inserted in Go's (sorted map keys).
    let logs = value(annotation::DEFAULT_LOGS_CONTAINER)?;
    let container = value(annotation::DEFAULT_CONTAINER)?;
    if let Some(container) = container {
        annotations.insert(annotation::DEFAULT_CONTAINER.to_string(), container);
    }
    if let Some(logs) = logs {
        annotations.insert(annotation::DEFAULT_LOGS_CONTAINER.to_string(), logs);
    }
    Ok(())
}

/// The annotations the Istio CNI plugin reads (only written when CNI is enabled).
fn cni_annotations(
    ctx: &Ctx<'_>,
    d: &Decisions,
    annotations: &mut Map<String, Value>,
) -> Result<(), InjectError> {
    if ctx.value_eq("pilot.cni.provider", "multus")? {
        let key = annotation::MULTUS_NETWORKS;
        let networks =
            istio_funcs::append_multus_network(ctx.index_annotation(key), "default/istio-cni");
        annotations.insert(
            key.to_string(),
            ctx.sq(format_args!("annotation {key}"), &networks)?,
        );
    }
    let mut put = |key: &str, text: &str| -> Result<(), InjectError> {
        let value = ctx.dq(format_args!("annotation {key}"), text)?;
        annotations.insert(key.to_string(), value);
        Ok(())
    };
    put(INTERCEPTION_MODE, &d.mode)?;
    let include_ranges =
        ctx.annotation_or_value(INCLUDE_OUTBOUND_IP_RANGES, "global.proxy.includeIPRanges")?;
    if !include_ranges.is_empty() {
        put(INCLUDE_OUTBOUND_IP_RANGES, &include_ranges)?;
    }
    let exclude_ranges =
        ctx.annotation_or_value(EXCLUDE_OUTBOUND_IP_RANGES, "global.proxy.excludeIPRanges")?;
    if !exclude_ranges.is_empty() {
        put(EXCLUDE_OUTBOUND_IP_RANGES, &exclude_ranges)?;
    }
    let include_inbound =
        ctx.annotation_or_value(INCLUDE_INBOUND_PORTS, "global.proxy.includeInboundPorts")?;
    put(INCLUDE_INBOUND_PORTS, &include_inbound)?;
    put(EXCLUDE_INBOUND_PORTS, &d.exclude_inbound)?;
    if include_outbound_ports(ctx)? {
        let ports =
            ctx.annotation_or_value(INCLUDE_OUTBOUND_PORTS, "global.proxy.includeOutboundPorts")?;
        put(INCLUDE_OUTBOUND_PORTS, &ports)?;
    }
    // Unlike the init container's `-o`, this condition compares the raw value: a missing
    // `excludeOutboundPorts` is "not equal to empty" and writes `<nil>`, as Istio does.
    let exclude_outbound_set = ctx.isset(EXCLUDE_OUTBOUND_PORTS)
        || !ctx.value_eq("global.proxy.excludeOutboundPorts", "")?;
    if exclude_outbound_set {
        let ports =
            ctx.annotation_or_value(EXCLUDE_OUTBOUND_PORTS, "global.proxy.excludeOutboundPorts")?;
        put(EXCLUDE_OUTBOUND_PORTS, &ports)?;
    }
    for key in [
        KUBEVIRT_INTERFACES,
        REROUTE_VIRTUAL_INTERFACES,
        EXCLUDE_INTERFACES,
    ] {
        let value = ctx.index_annotation(key);
        if !value.is_empty() {
            put(key, value)?;
        }
    }
    Ok(())
}

/// `or (isset … includeOutboundPorts) (ne (valueOrDefault .Values…includeOutboundPorts "") "")`.
fn include_outbound_ports(ctx: &Ctx<'_>) -> Result<bool, InjectError> {
    outbound_ports_set(
        ctx,
        INCLUDE_OUTBOUND_PORTS,
        "global.proxy.includeOutboundPorts",
    )
}

/// The `valueOrDefault … ""` flavour of the outbound-ports condition (`or` short-circuits).
fn outbound_ports_set(ctx: &Ctx<'_>, annotation: &str, path: &str) -> Result<bool, InjectError> {
    if ctx.isset(annotation) {
        return Ok(true);
    }
    // `valueOrDefault` turns no value and "" into "", which equals "".
    let equal = match ctx.found(path)? {
        None => true,
        Some(found) => found
            .eq_str("")
            .map_err(|m| ctx.err(format_args!(".Values.{path}"), m))?,
    };
    Ok(!equal)
}

/// Evaluated in the template's order, built in Go's field order (see [`proxy_container`]).
fn init_container(ctx: &Ctx<'_>, d: &Decisions) -> Result<Value, InjectError> {
    let name = if d.cni {
        "istio-validation"
    } else {
        "istio-init"
    };
    let image = parts::image(
        ctx,
        format_args!("{name} image"),
        "global.proxy_init.image",
        ctx.data.proxy_init_image,
    )?;
    let args = init_args(ctx, d)?;
    let pull_policy = parts::image_pull_policy(ctx)?;
    let env = if ctx.proxy_metadata.is_empty() {
        None
    } else {
        let mut envs = Vec::with_capacity(ctx.proxy_metadata.len());
        parts::proxy_metadata_envs(ctx, &mut envs)?;
        Some(envs)
    };
    let resources = d.init_resources(ctx)?;
    let security_context = init_security_context(ctx, d)?;
    // At its final size: every spare entry is 64 bytes of fresh memory in wasm32, and fresh
    // pages are host page faults.
    let optional = usize::from(env.is_some()) + usize::from(pull_policy.is_some());
    let mut c = Map::with_capacity(5 + optional);
    c.insert("name".to_string(), text(name));
    c.insert("image".to_string(), image);
    c.insert("args".to_string(), Value::Array(args));
    if let Some(env) = env {
        c.insert("env".to_string(), Value::Array(env));
    }
    c.insert("resources".to_string(), resources);
    if let Some(policy) = pull_policy {
        c.insert("imagePullPolicy".to_string(), policy);
    }
    c.insert("securityContext".to_string(), security_context);
    Ok(Value::Object(c))
}

fn init_args(ctx: &Ctx<'_>, d: &Decisions) -> Result<Vec<Value>, InjectError> {
    let mesh = ctx.data.mesh_config;
    let port_or = |port: i32, default: &str| {
        if port == 0 {
            default.to_string()
        } else {
            port.to_string()
        }
    };
    let uid = if d.tproxy || ctx.data.proxy_uid == 0 {
        "1337".to_string()
    } else {
        ctx.data.proxy_uid.to_string()
    };
    // Room for the arguments a usual pod gets, so that they are not moved as they grow.
    let mut args = Vec::with_capacity(20);
    args.extend([
        text("istio-iptables"),
        text("-p"),
        Value::String(port_or(mesh.proxy_listen_port(), "15001")),
        text("-z"),
        Value::String(port_or(mesh.proxy_inbound_listen_port(), "15006")),
        text("-u"),
        Value::String(uid),
        text("-m"),
        ctx.dq("istio-init args -m", &d.mode)?,
        text("-i"),
    ]);
    let include_ranges =
        ctx.annotation_or_value(INCLUDE_OUTBOUND_IP_RANGES, "global.proxy.includeIPRanges")?;
    args.push(ctx.dq("istio-init args -i", &include_ranges)?);
    args.push(text("-x"));
    let exclude_ranges =
        ctx.annotation_or_value(EXCLUDE_OUTBOUND_IP_RANGES, "global.proxy.excludeIPRanges")?;
    args.push(ctx.dq("istio-init args -x", &exclude_ranges)?);
    args.push(text("-b"));
    let include_inbound =
        ctx.annotation_or_value(INCLUDE_INBOUND_PORTS, "global.proxy.includeInboundPorts")?;
    args.push(ctx.dq("istio-init args -b", &include_inbound)?);
    args.push(text("-d"));
    if d.exclude_inbound.is_empty() {
        args.push(text("15090,15021"));
    } else {
        args.push(ctx.dq(
            "istio-init args -d",
            &concat(&["15090,15021,", &d.exclude_inbound]),
        )?);
    }
    if include_outbound_ports(ctx)? {
        args.push(text("-q"));
        let ports =
            ctx.annotation_or_value(INCLUDE_OUTBOUND_PORTS, "global.proxy.includeOutboundPorts")?;
        args.push(ctx.dq("istio-init args -q", &ports)?);
    }
    if outbound_ports_set(
        ctx,
        EXCLUDE_OUTBOUND_PORTS,
        "global.proxy.excludeOutboundPorts",
    )? {
        args.push(text("-o"));
        let ports =
            ctx.annotation_or_value(EXCLUDE_OUTBOUND_PORTS, "global.proxy.excludeOutboundPorts")?;
        args.push(ctx.dq("istio-init args -o", &ports)?);
    }
    let reroute = ctx
        .annotation(REROUTE_VIRTUAL_INTERFACES)
        .or_else(|| ctx.annotation(KUBEVIRT_INTERFACES));
    if let Some(interfaces) = reroute {
        args.push(text("-k"));
        args.push(ctx.dq("istio-init args -k", interfaces)?);
    }
    if let Some(interfaces) = ctx.annotation(EXCLUDE_INTERFACES) {
        args.push(text("-c"));
        args.push(ctx.dq("istio-init args -c", interfaces)?);
    }
    args.push(parts::agent_log_level_arg(ctx)?);
    if ctx.value_truthy("global.logAsJson")? {
        args.push(text("--log_as_json"));
    }
    if d.cni {
        args.push(text("--run-validation"));
        args.push(text("--skip-rule-apply"));
    } else if ctx.value_truthy("global.proxy_init.forceApplyIptables")? {
        args.push(text("--force-apply"));
    }
    if ctx.value_truthy("global.nativeNftables")? {
        args.push(text("--native-nftables"));
    }
    Ok(args)
}

/// Evaluated in the template's order, built in Go's field order (see [`proxy_container`]).
fn init_security_context(ctx: &Ctx<'_>, d: &Decisions) -> Result<Value, InjectError> {
    let allow_escalation =
        d.privileged(ctx, "istio-init securityContext.allowPrivilegeEscalation")?;
    let privileged = d.privileged(ctx, "istio-init securityContext.privileged")?;
    let (capabilities, user, group, non_root, read_only) = if d.cni {
        let (uid, gid) = if d.tproxy {
            (Value::from(1337), Value::from(1337))
        } else {
            (
                parts::proxy_id(ctx.data.proxy_uid),
                parts::proxy_id(ctx.data.proxy_gid),
            )
        };
        (obj([("drop", texts(["ALL"]))]), uid, gid, true, true)
    } else {
        let capabilities = obj([
            ("add", texts(["NET_ADMIN", "NET_RAW"])),
            ("drop", texts(["ALL"])),
        ]);
        (capabilities, Value::from(0), Value::from(0), false, false)
    };
    // The seven fields every context has; a seccomp profile (rare) grows it.
    let mut sc = Map::with_capacity(7);
    sc.insert("capabilities".to_string(), capabilities);
    sc.insert("privileged".to_string(), privileged);
    sc.insert("runAsUser".to_string(), user);
    sc.insert("runAsGroup".to_string(), group);
    sc.insert("runAsNonRoot".to_string(), Value::Bool(non_root));
    sc.insert("readOnlyRootFilesystem".to_string(), Value::Bool(read_only));
    sc.insert("allowPrivilegeEscalation".to_string(), allow_escalation);
    if let Some(profile) = parts::seccomp_profile(ctx)? {
        sc.insert("seccompProfile".to_string(), profile);
    }
    Ok(Value::Object(sc))
}

/// Evaluated in the template's order (the first error is the template's), built in Go's
/// field order: the typed round trips after the merges then leave it in place.
fn proxy_container(ctx: &Ctx<'_>, d: &Decisions) -> Result<Value, InjectError> {
    let image = parts::image(
        ctx,
        "istio-proxy image",
        "global.proxy.image",
        ctx.data.proxy_image,
    )?;
    let args = proxy_args(ctx)?;
    let lifecycle = lifecycle(ctx, d)?;
    let env = proxy_env(ctx)?;
    let pull_policy = parts::image_pull_policy(ctx)?;
    let mut startup_probe = None;
    let mut readiness_probe = None;
    if d.status_port != "0" {
        if ctx.value_truthy("global.proxy.startupProbe.enabled")? {
            let threshold = ctx.value_print("global.proxy.startupProbe.failureThreshold")?;
            startup_probe = Some(obj([
                ("httpGet", ready_check()),
                ("initialDelaySeconds", Value::from(0)),
                ("timeoutSeconds", Value::from(3)),
                ("periodSeconds", Value::from(1)),
                (
                    "failureThreshold",
                    ctx.plain("startupProbe.failureThreshold", &threshold, Want::Int32)?,
                ),
            ]));
        }
        let readiness = |annotation: &str, path: &str, field: &str| -> Result<Value, InjectError> {
            let text = ctx.annotation_or_value(annotation, path)?;
            ctx.plain(field, &text, Want::Int32)
        };
        let initial_delay = readiness(
            annotation::READINESS_INITIAL_DELAY_SECONDS,
            "global.proxy.readinessInitialDelaySeconds",
            "readinessProbe.initialDelaySeconds",
        )?;
        let period = readiness(
            annotation::READINESS_PERIOD_SECONDS,
            "global.proxy.readinessPeriodSeconds",
            "readinessProbe.periodSeconds",
        )?;
        let failure_threshold = readiness(
            annotation::READINESS_FAILURE_THRESHOLD,
            "global.proxy.readinessFailureThreshold",
            "readinessProbe.failureThreshold",
        )?;
        readiness_probe = Some(obj([
            ("httpGet", ready_check()),
            ("initialDelaySeconds", initial_delay),
            ("timeoutSeconds", Value::from(3)),
            ("periodSeconds", period),
            ("failureThreshold", failure_threshold),
        ]));
    }
    let security_context = proxy_security_context(ctx, d)?;
    let resources = d.proxy_resources(ctx)?;
    let volume_mounts = volume_mounts(ctx, d)?;

    let optional = [
        d.native,
        readiness_probe.is_some(),
        startup_probe.is_some(),
        lifecycle.is_some(),
        pull_policy.is_some(),
    ];
    let mut c = Map::with_capacity(8 + optional.into_iter().filter(|&set| set).count());
    let mut set = |key: &str, value: Value| {
        c.insert(key.to_string(), value);
    };
    set("name", text("istio-proxy"));
    set("image", image);
    set("args", Value::Array(args));
    let prometheus = obj([
        ("name", text("http-envoy-prom")),
        ("containerPort", Value::from(15090)),
        ("protocol", text("TCP")),
    ]);
    set("ports", Value::Array(vec![prometheus]));
    set("env", Value::Array(env));
    set("resources", resources);
    if d.native {
        set("restartPolicy", text("Always"));
    }
    set("volumeMounts", Value::Array(volume_mounts));
    if let Some(probe) = readiness_probe {
        set("readinessProbe", probe);
    }
    if let Some(probe) = startup_probe {
        set("startupProbe", probe);
    }
    if let Some(lifecycle) = lifecycle {
        set("lifecycle", lifecycle);
    }
    if let Some(policy) = pull_policy {
        set("imagePullPolicy", policy);
    }
    set("securityContext", security_context);
    Ok(Value::Object(c))
}

fn proxy_args(ctx: &Ctx<'_>) -> Result<Vec<Value>, InjectError> {
    let [log, component, agent] = parts::log_level_args(ctx)?;
    let mut args = vec![
        text("proxy"),
        text("sidecar"),
        text("--domain"),
        parts::domain_arg(ctx)?,
        log,
        component,
        agent,
    ];
    parts::sts_and_json_args(ctx, &mut args)?;
    if let Some(path) = ctx.found_truthy("global.proxy.outlierLogPath")? {
        let path = path.print();
        let arg = concat(&["--outlierLogPath=", &path]);
        args.push(ctx.plain("istio-proxy args --outlierLogPath", &arg, Want::Str)?);
    }
    Ok(args)
}

fn lifecycle(ctx: &Ctx<'_>, d: &Decisions) -> Result<Option<Value>, InjectError> {
    if let Some(configured) = ctx.found_truthy("global.proxy.lifecycle")? {
        return ctx
            .embedded_object("istio-proxy lifecycle", &configured.to_value())
            .map(Some);
    }
    if d.hold_proxy {
        return Ok(Some(
            json!({"postStart": {"exec": {"command": ["pilot-agent", "wait"]}}}),
        ));
    }
    if d.native {
        // Drain on shutdown: the native sidecar outlives the app containers' SIGTERM.
        let debug_port = concat(&["--debug-port=", &d.status_port]);
        let debug_port = ctx.plain("istio-proxy lifecycle preStop", &debug_port, Want::Str)?;
        return Ok(Some(json!({"preStop": {"exec": {"command": [
            "pilot-agent", "request", debug_port, "POST", "drain"
        ]}}})));
    }
    Ok(None)
}

fn proxy_env(ctx: &Ctx<'_>) -> Result<Vec<Value>, InjectError> {
    // The env vars every proxy gets and a few optional ones, without spare room to fill fresh
    // pages.
    let mut envs = Vec::with_capacity(24 + ctx.proxy_metadata.len());
    parts::localhost_probe_env(ctx, &mut envs);
    parts::cert_envs(ctx, &mut envs)?;
    parts::pod_identity_envs(&mut envs);
    envs.push(parts::resource_ref_env("ISTIO_CPU_LIMIT", "limits.cpu"));
    envs.push(parts::proxy_config_env(ctx)?);
    envs.push(parts::pod_ports_env(ctx)?);
    envs.push(parts::app_containers_env(ctx)?);
    envs.push(parts::resource_ref_env("GOMEMLIMIT", "limits.memory"));
    parts::compliance_envs(ctx, &mut envs)?;
    envs.push(parts::cluster_id_env(ctx)?);
    envs.push(parts::field_ref_env(
        "ISTIO_META_NODE_NAME",
        "spec.nodeName",
    ));
    // `or (index annotations interceptionMode) .ProxyConfig.InterceptionMode.String`: an
    // empty annotation falls back to the config.
    let mode = match ctx.index_annotation(INTERCEPTION_MODE) {
        "" => ctx.data.proxy_config.interception_mode().as_str(),
        given => given,
    };
    envs.push(obj([
        ("name", text("ISTIO_META_INTERCEPTION_MODE")),
        ("value", ctx.dq("env ISTIO_META_INTERCEPTION_MODE", mode)?),
    ]));
    parts::network_env(ctx, &mut envs)?;
    let workload = match ctx.label(annotation::WORKLOAD_NAME) {
        "" => ctx.data.deploy_meta.name.as_str(),
        label => label,
    };
    if !workload.is_empty() {
        envs.push(obj([
            ("name", text("ISTIO_META_WORKLOAD_NAME")),
            ("value", ctx.dq("env ISTIO_META_WORKLOAD_NAME", workload)?),
        ]));
    }
    parts::owner_env(ctx, &mut envs)?;
    parts::bootstrap_env(ctx, &mut envs);
    parts::mesh_envs(ctx, &mut envs)?;
    datadog_envs(ctx, &mut envs)?;
    let otel = otel_attributes(ctx);
    if !otel.is_empty() {
        envs.push(obj([
            ("name", text("OTEL_RESOURCE_ATTRIBUTES")),
            ("value", ctx.dq("env OTEL_RESOURCE_ATTRIBUTES", &otel)?),
        ]));
    }
    parts::proxy_metadata_envs(ctx, &mut envs)?;
    Ok(envs)
}

/// With the datadog tracer, `apm.datadoghq.com/env` (a JSON map) becomes env vars.
fn datadog_envs(ctx: &Ctx<'_>, envs: &mut Vec<Value>) -> Result<(), InjectError> {
    if !ctx.value_eq("global.proxy.tracer", "datadog")? {
        return Ok(());
    }
    let Some(text) = ctx.annotation(DATADOG_ENV) else {
        return Ok(());
    };
    let field = format!("annotation {DATADOG_ENV}");
    let parsed = golang::from_json(text);
    for (key, value) in golang::range_items(Some(&parsed)).map_err(|m| ctx.err(&field, m))? {
        envs.push(obj([
            ("name", ctx.plain(&field, &key.print(), Want::Str)?),
            ("value", ctx.dq(&field, &golang::print(Some(value)))?),
        ]));
    }
    Ok(())
}

fn otel_attributes(ctx: &Ctx<'_>) -> String {
    let enabled = ctx.data.mesh_config.uses_otel_semantic_conventions();
    if !enabled {
        return String::new();
    }
    let containers: Vec<istio_funcs::OtelContainer<'_>> = ctx
        .containers
        .iter()
        .map(|c| istio_funcs::OtelContainer {
            name: c.get("name").and_then(Value::as_str).unwrap_or_default(),
            image: c.get("image").and_then(Value::as_str).unwrap_or_default(),
        })
        .collect();
    istio_funcs::otel_resource_attributes(
        true,
        &ctx.annotation_fn(),
        &ctx.label_fn(),
        &ctx.data.deploy_meta.namespace,
        &containers,
    )
}

/// Evaluated in the template's order, built in Go's field order (see [`proxy_container`]).
fn proxy_security_context(ctx: &Ctx<'_>, d: &Decisions) -> Result<Value, InjectError> {
    let trace_logging = ctx
        .proxy_metadata
        .get("IPTABLES_TRACE_LOGGING")
        .map(String::as_str)
        == Some("true");
    // The seven fields every context has; a seccomp profile (rare) grows it.
    let mut sc = Map::with_capacity(7);
    if trace_logging {
        sc.insert(
            "capabilities".to_string(),
            obj([("add", texts(["NET_ADMIN"])), ("drop", texts(["ALL"]))]),
        );
        sc.insert("privileged".to_string(), Value::Bool(true));
        sc.insert("runAsUser".to_string(), Value::from(0));
        sc.insert(
            "runAsGroup".to_string(),
            parts::proxy_id(ctx.data.proxy_gid),
        );
        sc.insert("runAsNonRoot".to_string(), Value::Bool(false));
        sc.insert("readOnlyRootFilesystem".to_string(), Value::Bool(true));
        sc.insert("allowPrivilegeEscalation".to_string(), Value::Bool(true));
    } else {
        let allow_escalation =
            d.privileged(ctx, "istio-proxy securityContext.allowPrivilegeEscalation")?;
        let mut capabilities = Map::with_capacity(2);
        if d.tproxy || d.cap_net_bind_service {
            let mut add = Vec::new();
            if d.tproxy {
                add.push(text("NET_ADMIN"));
            }
            if d.cap_net_bind_service {
                add.push(text("NET_BIND_SERVICE"));
            }
            capabilities.insert("add".to_string(), Value::Array(add));
        }
        capabilities.insert("drop".to_string(), texts(["ALL"]));
        sc.insert("capabilities".to_string(), Value::Object(capabilities));
        sc.insert(
            "privileged".to_string(),
            d.privileged(ctx, "istio-proxy securityContext.privileged")?,
        );
        let (user, group, non_root) = if d.tproxy || d.cap_net_bind_service {
            (Value::from(0), Value::from(1337), false)
        } else {
            (
                parts::proxy_id(ctx.data.proxy_uid),
                parts::proxy_id(ctx.data.proxy_gid),
                true,
            )
        };
        sc.insert("runAsUser".to_string(), user);
        sc.insert("runAsGroup".to_string(), group);
        sc.insert("runAsNonRoot".to_string(), Value::Bool(non_root));
        sc.insert("readOnlyRootFilesystem".to_string(), Value::Bool(true));
        sc.insert("allowPrivilegeEscalation".to_string(), allow_escalation);
    }
    if let Some(profile) = parts::seccomp_profile(ctx)? {
        sc.insert("seccompProfile".to_string(), profile);
    }
    Ok(Value::Object(sc))
}

fn mount(name: &str, path: &str) -> Value {
    obj([("name", text(name)), ("mountPath", text(path))])
}

/// The `httpGet` of the proxy's readiness and startup probes.
fn ready_check() -> Value {
    obj([
        ("path", text("/healthz/ready")),
        ("port", Value::from(15021)),
    ])
}

fn volume_mounts(ctx: &Ctx<'_>, d: &Decisions) -> Result<Vec<Value>, InjectError> {
    // The usual nine; optional mounts grow it.
    let mut mounts = Vec::with_capacity(9);
    mounts.extend([
        mount("workload-socket", "/var/run/secrets/workload-spiffe-uds"),
        mount("credential-socket", "/var/run/secrets/credential-uds"),
    ]);
    if d.gke_workload_certs(ctx)? {
        mounts.push(json!({
            "name": "gke-workload-certificate",
            "readOnly": true,
            "mountPath": "/var/run/secrets/workload-spiffe-credentials",
        }));
    } else {
        mounts.push(mount(
            "workload-certs",
            "/var/run/secrets/workload-spiffe-credentials",
        ));
    }
    if d.istiod_certs(ctx)? {
        mounts.push(mount("istiod-ca-cert", "/var/run/secrets/istio"));
        mounts.push(mount("istio-ca-crl", "/var/run/secrets/istio/crl"));
    }
    mounts.push(mount("istio-data", "/var/lib/istio/data"));
    if let Some(m) = parts::bootstrap_mount(ctx) {
        mounts.push(m);
    }
    mounts.push(mount("istio-envoy", "/etc/istio/proxy"));
    mounts.push(mount("istio-token", "/var/run/secrets/tokens"));
    if d.mount_mtls_certs(ctx)? {
        mounts.push(json!({"name": "istio-certs", "readOnly": true, "mountPath": "/etc/certs/"}));
    }
    mounts.push(mount("istio-podinfo", "/etc/istio/pod"));
    if d.lightstep_certs(ctx)? {
        let ca = ctx
            .data
            .proxy_config
            .raw()
            .pointer("/tracing/tlsSettings/caCertificates")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let path = ctx.plain(
            "lightstep-certs mountPath",
            istio_funcs::directory(ca),
            Want::Str,
        )?;
        mounts.push(obj([
            ("name", text("lightstep-certs")),
            ("readOnly", Value::Bool(true)),
            ("mountPath", path),
        ]));
    }
    mounts.extend(parts::user_entries(ctx, annotation::USER_VOLUME_MOUNT)?);
    Ok(mounts)
}

/// `and (eq tracer "lightstep") .ProxyConfig.GetTracing.GetTlsSettings`.
fn lightstep_certs(ctx: &Ctx<'_>) -> Result<bool, InjectError> {
    if !ctx.value_eq("global.proxy.tracer", "lightstep")? {
        return Ok(false);
    }
    // A set message is a non-nil pointer, true even when empty.
    Ok(ctx
        .data
        .proxy_config
        .raw()
        .pointer("/tracing/tlsSettings")
        .is_some_and(Value::is_object))
}

fn volumes(ctx: &Ctx<'_>, d: &Decisions) -> Result<Vec<Value>, InjectError> {
    // `- emptyDir:` with nothing after it is a YAML null, which the merge turns into a
    // volume with only a name.
    let empty_dir = |name: &str| obj([("emptyDir", Value::Null), ("name", text(name))]);
    // The usual nine; optional volumes grow it.
    let mut volumes = Vec::with_capacity(9);
    volumes.extend([empty_dir("workload-socket"), empty_dir("credential-socket")]);
    if d.gke_workload_certs(ctx)? {
        volumes.push(json!({
            "name": "gke-workload-certificate",
            "csi": {"driver": "workloadcertificates.security.cloud.google.com"},
        }));
    } else {
        volumes.push(empty_dir("workload-certs"));
    }
    if let Some(v) = parts::bootstrap_volume(ctx) {
        volumes.push(v);
    }
    volumes.push(obj([
        ("name", text("istio-envoy")),
        ("emptyDir", obj([("medium", text("Memory"))])),
    ]));
    volumes.push(obj([
        ("name", text("istio-data")),
        ("emptyDir", Value::Object(Map::new())),
    ]));
    volumes.push(parts::podinfo_volume());
    volumes.push(parts::token_volume(ctx)?);
    if d.istiod_certs(ctx)? {
        volumes.push(parts::istiod_ca_volume(ctx)?);
    }
    let crl_name = match ctx.found_truthy("pilot.crlConfigMapName")? {
        Some(crl) => crl.print(),
        None => "istio-ca-crl".into(),
    };
    let crl_name = ctx.plain("volume istio-ca-crl configMap", &crl_name, Want::Str)?;
    volumes.push(obj([
        ("name", text("istio-ca-crl")),
        (
            "configMap",
            obj([("name", crl_name), ("optional", Value::Bool(true))]),
        ),
    ]));
    if d.mount_mtls_certs(ctx)? {
        volumes.push(parts::istio_certs_volume(ctx)?);
    }
    volumes.extend(parts::user_entries(ctx, annotation::USER_VOLUME)?);
    if d.lightstep_certs(ctx)? {
        volumes.push(json!({
            "name": "lightstep-certs",
            "secret": {"secretName": "lightstep.cacert", "optional": true},
        }));
    }
    Ok(volumes)
}
