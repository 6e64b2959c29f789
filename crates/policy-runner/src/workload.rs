//! From a workload manifest to the Pod CREATE AdmissionRequest a mutating webhook receives:
//! the pod its controller creates (template metadata + spec, `generateName`, the controller
//! owner reference and the labels the controller adds), after the API server's defaulting and
//! the admission plugins that run before webhooks (ServiceAccount token volume, default
//! tolerations, priority).
//!
//! Names and hashes are derived deterministically from the manifest, so the same input always
//! gives the same request; the hashes have Kubernetes' shape, not Kubernetes' exact values.

use serde_json::{Map, Value, json};

use crate::error::{HarnessError, Result};

/// Alphabet of Kubernetes' `rand.SafeEncodeString` (no vowels, no look-alike characters).
const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Timestamp written into `managedFields` (fixed so requests are reproducible).
const MANAGED_TIME: &str = "2026-01-01T00:00:00Z";

const SERVICE_ACCOUNT_MOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Workload kinds that carry a pod template, in the order `kube-inject` documents them.
pub const POD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "DeploymentConfig",
];

/// Who sends the create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    pub username: String,
    pub groups: Vec<String>,
}

impl Requester {
    /// A kube-controller-manager controller's service account.
    pub fn controller(name: &str) -> Requester {
        Requester {
            username: format!("system:serviceaccount:kube-system:{name}"),
            groups: vec![
                "system:serviceaccounts".to_owned(),
                "system:serviceaccounts:kube-system".to_owned(),
                "system:authenticated".to_owned(),
            ],
        }
    }

    /// A cluster administrator using kubectl.
    pub fn admin() -> Requester {
        Requester {
            username: "kubernetes-admin".to_owned(),
            groups: vec![
                "kubeadm:cluster-admins".to_owned(),
                "system:authenticated".to_owned(),
            ],
        }
    }
}

/// The pod a workload's controller creates, and who creates it.
#[derive(Debug, Clone, PartialEq)]
pub struct PodCreation {
    pub pod: Value,
    pub requester: Requester,
    /// The field manager recorded in `managedFields`.
    pub manager: String,
}

/// Whether `document` is a kind this module can turn into a pod.
pub fn has_pod_template(document: &Value) -> bool {
    document
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|kind| POD_KINDS.contains(&kind))
}

/// The Pod CREATE AdmissionRequest for `workload`, in `default_namespace` unless the manifest
/// names its own.
pub fn pod_create_request(workload: &Value, default_namespace: &str) -> Result<Value> {
    let creation = pod_for_workload(workload, default_namespace)?;
    Ok(create_request(creation))
}

/// The pod `workload`'s controller creates, defaulted as the API server hands it to webhooks.
pub fn pod_for_workload(workload: &Value, default_namespace: &str) -> Result<PodCreation> {
    let kind = text(workload, "/kind").ok_or_else(|| HarnessError::input("workload", "no kind"))?;
    let name = text(workload, "/metadata/name")
        .ok_or_else(|| HarnessError::input(format!("{kind} workload"), "no metadata.name"))?;
    let namespace = text(workload, "/metadata/namespace")
        .filter(|ns| !ns.is_empty())
        .unwrap_or(default_namespace);
    let template_at = |pointer: &str| {
        workload
            .pointer(pointer)
            .filter(|t| t.is_object())
            .ok_or_else(|| {
                HarnessError::input(
                    format!("{kind} {namespace}/{name}"),
                    format!("no {pointer}"),
                )
            })
    };
    let owner = |api_version: &str, kind: &str, owner_name: &str| {
        owner_reference(api_version, kind, owner_name, namespace)
    };
    let hash = |template: &Value| template_hash(template);

    let (pod, controller) = match kind {
        "Pod" => {
            let mut pod = workload.clone();
            set_path(&mut pod, &["metadata", "namespace"], json!(namespace));
            let manager = "kubectl-create".to_owned();
            return Ok(finish(pod, Requester::admin(), manager));
        }
        "Deployment" => {
            let template = template_at("/spec/template")?;
            let hash = hash(template);
            let replica_set = format!("{name}-{hash}");
            let pod = pod_from_template(
                template,
                namespace,
                PodName::Generate(format!("{replica_set}-")),
                &[("pod-template-hash", hash.as_str())],
                owner("apps/v1", "ReplicaSet", &replica_set),
            );
            (pod, "replicaset-controller")
        }
        "ReplicaSet" => {
            let template = template_at("/spec/template")?;
            let pod = pod_from_template(
                template,
                namespace,
                PodName::Generate(format!("{name}-")),
                &[],
                owner("apps/v1", "ReplicaSet", name),
            );
            (pod, "replicaset-controller")
        }
        "ReplicationController" => {
            let template = template_at("/spec/template")?;
            let pod = pod_from_template(
                template,
                namespace,
                PodName::Generate(format!("{name}-")),
                &[],
                owner("v1", "ReplicationController", name),
            );
            (pod, "replication-controller")
        }
        "DeploymentConfig" => {
            let template = template_at("/spec/template")?;
            let controller = format!("{name}-1");
            let mut pod = pod_from_template(
                template,
                namespace,
                PodName::Generate(format!("{controller}-")),
                &[
                    ("deployment", controller.as_str()),
                    ("deploymentconfig", name),
                ],
                owner("v1", "ReplicationController", &controller),
            );
            for (key, value) in [
                ("openshift.io/deployment-config.latest-version", "1"),
                ("openshift.io/deployment-config.name", name),
                ("openshift.io/deployment.name", controller.as_str()),
            ] {
                set_path(&mut pod, &["metadata", "annotations", key], json!(value));
            }
            (pod, "replication-controller")
        }
        "StatefulSet" => {
            let template = template_at("/spec/template")?;
            let pod_name = format!("{name}-0");
            let revision = format!("{name}-{}", hash(template));
            let mut pod = pod_from_template(
                template,
                namespace,
                PodName::Fixed(pod_name.clone()),
                &[
                    ("apps.kubernetes.io/pod-index", "0"),
                    ("controller-revision-hash", revision.as_str()),
                    ("statefulset.kubernetes.io/pod-name", pod_name.as_str()),
                ],
                owner("apps/v1", "StatefulSet", name),
            );
            set_path(&mut pod, &["spec", "hostname"], json!(pod_name));
            if let Some(service) = text(workload, "/spec/serviceName").filter(|s| !s.is_empty()) {
                set_path(&mut pod, &["spec", "subdomain"], json!(service));
            }
            (pod, "statefulset-controller")
        }
        "DaemonSet" => {
            let template = template_at("/spec/template")?;
            let hash = hash(template);
            let mut pod = pod_from_template(
                template,
                namespace,
                PodName::Generate(format!("{name}-")),
                &[
                    ("controller-revision-hash", hash.as_str()),
                    ("pod-template-generation", "1"),
                ],
                owner("apps/v1", "DaemonSet", name),
            );
            add_daemonset_tolerations(&mut pod);
            (pod, "daemon-set-controller")
        }
        "Job" => {
            let template = template_at("/spec/template")?;
            let pod = job_pod(template, namespace, name, owner("batch/v1", "Job", name));
            (pod, "job-controller")
        }
        "CronJob" => {
            let template = template_at("/spec/jobTemplate/spec/template")?;
            // CronJob names its Jobs `<name>-<scheduled time in minutes since the epoch>`.
            let job = format!("{name}-{}", 29_400_000 + fnv1a32(name.as_bytes()) % 100_000);
            let job_owner = owner("batch/v1", "Job", &job);
            (
                job_pod(template, namespace, &job, job_owner),
                "job-controller",
            )
        }
        other => {
            return Err(HarnessError::input(
                format!("{other} {namespace}/{name}"),
                format!(
                    "kind has no pod template; known kinds: {}",
                    POD_KINDS.join(", ")
                ),
            ));
        }
    };
    Ok(finish(
        pod,
        Requester::controller(controller),
        "kube-controller-manager".to_owned(),
    ))
}

/// The Pod CREATE AdmissionRequest (admission.k8s.io/v1) carrying `creation.pod`.
pub fn create_request(creation: PodCreation) -> Value {
    let namespace = text(&creation.pod, "/metadata/namespace")
        .unwrap_or("default")
        .to_owned();
    let name = text(&creation.pod, "/metadata/name").map(str::to_owned);
    let identity = name
        .clone()
        .or_else(|| text(&creation.pod, "/metadata/generateName").map(str::to_owned))
        .unwrap_or_default();
    let pod_kind = json!({"group": "", "version": "v1", "kind": "Pod"});
    let pods = json!({"group": "", "version": "v1", "resource": "pods"});
    let mut request = Map::new();
    request.insert(
        "uid".into(),
        json!(stable_uid(&format!("request/{namespace}/{identity}"))),
    );
    request.insert("kind".into(), pod_kind.clone());
    request.insert("resource".into(), pods.clone());
    request.insert("requestKind".into(), pod_kind);
    request.insert("requestResource".into(), pods);
    // The API server omits `name` when the pod is created with generateName.
    if let Some(name) = name {
        request.insert("name".into(), json!(name));
    }
    request.insert("namespace".into(), json!(namespace));
    request.insert("operation".into(), json!("CREATE"));
    request.insert(
        "userInfo".into(),
        json!({
            "username": creation.requester.username,
            "uid": stable_uid(&creation.requester.username),
            "groups": creation.requester.groups,
        }),
    );
    request.insert("object".into(), creation.pod);
    request.insert("oldObject".into(), Value::Null);
    request.insert("dryRun".into(), json!(false));
    request.insert(
        "options".into(),
        json!({"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"}),
    );
    Value::Object(request)
}

enum PodName {
    Generate(String),
    Fixed(String),
}

fn pod_from_template(
    template: &Value,
    namespace: &str,
    name: PodName,
    extra_labels: &[(&str, &str)],
    owner: Value,
) -> Value {
    let mut metadata = Map::new();
    match name {
        PodName::Generate(prefix) => metadata.insert("generateName".into(), json!(prefix)),
        PodName::Fixed(name) => metadata.insert("name".into(), json!(name)),
    };
    metadata.insert("namespace".into(), json!(namespace));
    // Controllers copy the template's labels, annotations and finalizers onto the pod.
    for key in ["labels", "annotations", "finalizers"] {
        if let Some(value) = template.pointer(&format!("/metadata/{key}")) {
            metadata.insert(key.into(), value.clone());
        }
    }
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod"});
    set_path(&mut pod, &["metadata"], Value::Object(metadata));
    for (key, value) in extra_labels {
        set_path(&mut pod, &["metadata", "labels", key], json!(value));
    }
    set_path(&mut pod, &["metadata", "ownerReferences"], json!([owner]));
    let spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
    set_path(&mut pod, &["spec"], spec);
    pod
}

fn job_pod(template: &Value, namespace: &str, job: &str, owner: Value) -> Value {
    let job_uid = owner.get("uid").cloned().unwrap_or(Value::Null);
    let job_uid = job_uid.as_str().unwrap_or_default();
    pod_from_template(
        template,
        namespace,
        PodName::Generate(format!("{job}-")),
        &[
            ("batch.kubernetes.io/controller-uid", job_uid),
            ("batch.kubernetes.io/job-name", job),
            ("controller-uid", job_uid),
            ("job-name", job),
        ],
        owner,
    )
}

fn owner_reference(api_version: &str, kind: &str, name: &str, namespace: &str) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": stable_uid(&format!("{kind}/{namespace}/{name}")),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Records what the requester sent in `managedFields`, then applies the defaults.
fn finish(mut pod: Value, requester: Requester, manager: String) -> PodCreation {
    let fields = managed_fields_of(&pod);
    let entry = json!({
        "manager": manager,
        "operation": "Update",
        "apiVersion": "v1",
        "time": MANAGED_TIME,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    });
    set_path(&mut pod, &["metadata", "managedFields"], json!([entry]));
    apply_api_defaults(&mut pod);
    PodCreation {
        pod,
        requester,
        manager,
    }
}

/// What the API server and the admission plugins that run before webhooks add to a pod:
/// field defaults, the ServiceAccount token volume, default not-ready/unreachable tolerations
/// and the priority fields. Values already present are kept.
pub fn apply_api_defaults(pod: &mut Value) {
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    for (key, value) in [
        ("dnsPolicy", json!("ClusterFirst")),
        ("restartPolicy", json!("Always")),
        ("schedulerName", json!("default-scheduler")),
        ("securityContext", json!({})),
        ("terminationGracePeriodSeconds", json!(30)),
        ("enableServiceLinks", json!(true)),
        ("preemptionPolicy", json!("PreemptLowerPriority")),
    ] {
        spec.entry(key).or_insert(value);
    }
    // The Priority admission plugin resolves the class; the two system classes are built in.
    let priority = match spec.get("priorityClassName").and_then(Value::as_str) {
        Some("system-node-critical") => 2_000_001_000,
        Some("system-cluster-critical") => 2_000_000_000,
        _ => 0,
    };
    spec.entry("priority").or_insert(json!(priority));
    let account = spec
        .get("serviceAccountName")
        .or_else(|| spec.get("serviceAccount"))
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_owned();
    spec.insert("serviceAccountName".into(), json!(account));
    spec.insert("serviceAccount".into(), json!(account));

    for list in ["initContainers", "containers"] {
        if let Some(Value::Array(containers)) = spec.get_mut(list) {
            containers.iter_mut().for_each(default_container);
        }
    }
    if let Some(Value::Array(volumes)) = spec.get_mut("volumes") {
        volumes.iter_mut().for_each(default_volume);
    }
    add_default_tolerations(spec);
    let mount_token = spec
        .get("automountServiceAccountToken")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if mount_token {
        let seed = serde_json::to_string(&pod.get("metadata")).unwrap_or_default();
        add_service_account_volume(pod, &seed);
    }
}

fn default_container(container: &mut Value) {
    let Some(container) = container.as_object_mut() else {
        return;
    };
    let image = container
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let pull_policy = if image_tag_is_latest(image) {
        "Always"
    } else {
        "IfNotPresent"
    };
    for (key, value) in [
        ("imagePullPolicy", json!(pull_policy)),
        ("resources", json!({})),
        ("terminationMessagePath", json!("/dev/termination-log")),
        ("terminationMessagePolicy", json!("File")),
    ] {
        container.entry(key).or_insert(value);
    }
    if let Some(Value::Array(env)) = container.get_mut("env") {
        for var in env.iter_mut() {
            if let Some(field_ref) = var.pointer_mut("/valueFrom/fieldRef") {
                default_field_ref(field_ref);
            }
        }
    }
    if let Some(Value::Array(ports)) = container.get_mut("ports") {
        for port in ports.iter_mut().filter_map(Value::as_object_mut) {
            port.entry("protocol").or_insert(json!("TCP"));
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        let Some(probe) = container.get_mut(probe).and_then(Value::as_object_mut) else {
            continue;
        };
        for (key, value) in [
            ("timeoutSeconds", 1),
            ("periodSeconds", 10),
            ("successThreshold", 1),
            ("failureThreshold", 3),
        ] {
            probe.entry(key).or_insert(json!(value));
        }
        if let Some(http) = probe.get_mut("httpGet").and_then(Value::as_object_mut) {
            http.entry("scheme").or_insert(json!("HTTP"));
        }
    }
}

/// `Always` for `:latest` or untagged images, as the API server defaults imagePullPolicy.
fn image_tag_is_latest(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let last_segment = image.rsplit('/').next().unwrap_or(image);
    match last_segment.rsplit_once(':') {
        Some((_, tag)) => tag == "latest",
        None => true,
    }
}

fn default_volume(volume: &mut Value) {
    for source in ["configMap", "secret", "projected", "downwardAPI"] {
        if let Some(source) = volume.get_mut(source).and_then(Value::as_object_mut) {
            source.entry("defaultMode").or_insert(json!(420));
        }
    }
    if let Some(items) = volume.pointer_mut("/downwardAPI/items") {
        default_field_refs(items);
    }
    if let Some(Value::Array(sources)) = volume.pointer_mut("/projected/sources") {
        for source in sources.iter_mut() {
            if let Some(items) = source.pointer_mut("/downwardAPI/items") {
                default_field_refs(items);
            }
        }
    }
}

fn default_field_refs(items: &mut Value) {
    if let Value::Array(items) = items {
        for item in items.iter_mut() {
            if let Some(field_ref) = item.get_mut("fieldRef") {
                default_field_ref(field_ref);
            }
        }
    }
}

/// The API server defaults `fieldRef.apiVersion` to `v1`.
fn default_field_ref(field_ref: &mut Value) {
    if let Some(field_ref) = field_ref.as_object_mut() {
        field_ref.entry("apiVersion").or_insert(json!("v1"));
    }
}

fn add_default_tolerations(spec: &mut Map<String, Value>) {
    let tolerations = spec.entry("tolerations").or_insert_with(|| json!([]));
    let Some(tolerations) = tolerations.as_array_mut() else {
        return;
    };
    for taint in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let present = tolerations.iter().any(|t| {
            t.get("key").and_then(Value::as_str) == Some(taint)
                && t.get("effect").and_then(Value::as_str) == Some("NoExecute")
        });
        if !present {
            tolerations.push(json!({"key": taint, "operator": "Exists",
                                    "effect": "NoExecute", "tolerationSeconds": 300}));
        }
    }
}

fn add_daemonset_tolerations(pod: &mut Value) {
    let mut tolerations = vec![
        json!({"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}),
        json!({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}),
    ];
    for taint in [
        "disk-pressure",
        "memory-pressure",
        "pid-pressure",
        "unschedulable",
    ] {
        tolerations.push(json!({"key": format!("node.kubernetes.io/{taint}"),
                                "operator": "Exists", "effect": "NoSchedule"}));
    }
    let existing = pod
        .pointer_mut("/spec/tolerations")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let mut merged = existing;
    merged.extend(tolerations);
    set_path(pod, &["spec", "tolerations"], Value::Array(merged));
}

fn add_service_account_volume(pod: &mut Value, seed: &str) {
    let already_mounted = ["initContainers", "containers"].iter().any(|list| {
        pod.pointer(&format!("/spec/{list}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("volumeMounts").and_then(Value::as_array))
            .flatten()
            .any(|m| m.get("mountPath").and_then(Value::as_str) == Some(SERVICE_ACCOUNT_MOUNT))
    });
    if already_mounted {
        return;
    }
    let volume_name = format!(
        "kube-api-access-{}",
        safe_encode(fnv1a32(seed.as_bytes()), 5)
    );
    let volume = json!({
        "name": volume_name,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt",
                               "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace",
                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
            ],
            "defaultMode": 420
        }
    });
    let mount = json!({"name": volume_name, "readOnly": true, "mountPath": SERVICE_ACCOUNT_MOUNT});
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    match spec.entry("volumes").or_insert_with(|| json!([])) {
        Value::Array(volumes) => volumes.push(volume),
        _ => return,
    }
    for list in ["initContainers", "containers"] {
        let Some(Value::Array(containers)) = spec.get_mut(list) else {
            continue;
        };
        for container in containers.iter_mut().filter_map(Value::as_object_mut) {
            if let Value::Array(mounts) =
                container.entry("volumeMounts").or_insert_with(|| json!([]))
            {
                mounts.push(mount.clone());
            }
        }
    }
}

/// A FieldsV1 description of the fields the requester set (what `managedFields` records):
/// identity fields are not recorded, keyed lists get one `k:{…}` entry per item.
fn managed_fields_of(pod: &Value) -> Value {
    let mut fields = Map::new();
    if let Some(Value::Object(metadata)) = pod.get("metadata") {
        let managed = metadata
            .iter()
            .filter(|(key, _)| !UNMANAGED_KEYS.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect::<Map<_, _>>();
        fields.insert(
            "f:metadata".into(),
            fields_v1(&Value::Object(managed), false),
        );
    }
    if let Some(spec) = pod.get("spec") {
        fields.insert("f:spec".into(), fields_v1(spec, false));
    }
    Value::Object(fields)
}

/// Keys that identify an object rather than being set by its manager.
const UNMANAGED_KEYS: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "managedFields",
];

fn fields_v1(value: &Value, is_item: bool) -> Value {
    let Value::Object(map) = value else {
        return json!({});
    };
    let mut fields = Map::new();
    if is_item {
        fields.insert(".".into(), json!({}));
    }
    for (key, child) in map {
        let entry = match (key.as_str(), child) {
            ("labels" | "annotations", Value::Object(entries)) => {
                let mut set = Map::new();
                set.insert(".".into(), json!({}));
                for name in entries.keys() {
                    set.insert(format!("f:{name}"), json!({}));
                }
                Value::Object(set)
            }
            (_, Value::Array(items)) => list_fields(key, items),
            (_, Value::Object(_)) => fields_v1(child, false),
            _ => json!({}),
        };
        fields.insert(format!("f:{key}"), entry);
    }
    Value::Object(fields)
}

/// Lists with a merge key get one `k:{…}` entry per item; the others are atomic.
fn list_fields(field: &str, items: &[Value]) -> Value {
    let key_of = |item: &Value| -> Option<Value> {
        match field {
            "ownerReferences" => item.get("uid").map(|uid| json!({"uid": uid})),
            "ports" => item.get("containerPort").map(|port| {
                json!({"containerPort": port,
                       "protocol": item.get("protocol").cloned().unwrap_or(json!("TCP"))})
            }),
            "volumeMounts" => item.get("mountPath").map(|path| json!({"mountPath": path})),
            "hostAliases" => item.get("ip").map(|ip| json!({"ip": ip})),
            "containers"
            | "initContainers"
            | "ephemeralContainers"
            | "volumes"
            | "env"
            | "imagePullSecrets"
            | "resourceClaims"
            | "schedulingGates" => item.get("name").map(|name| json!({"name": name})),
            _ => None,
        }
    };
    let mut fields = Map::new();
    for item in items {
        let Some(key) = key_of(item) else {
            return json!({});
        };
        fields.insert(format!("k:{key}"), fields_v1(item, true));
    }
    Value::Object(fields)
}

/// A 10-character hash of a pod template, encoded like `pod-template-hash` labels.
pub fn template_hash(template: &Value) -> String {
    let text = serde_json::to_string(template).unwrap_or_default();
    safe_encode(fnv1a32(text.as_bytes()), 10)
}

/// Kubernetes' `SafeEncodeString(fmt.Sprint(hash))`, cut to `len` characters.
fn safe_encode(hash: u32, len: usize) -> String {
    let digits = format!("{hash:0>10}");
    digits
        .bytes()
        .map(|b| {
            let index = usize::from(b) % SAFE_ALPHABET.len();
            SAFE_ALPHABET.get(index).copied().map_or('b', char::from)
        })
        .take(len)
        .collect()
}

fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, &b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn fnv1a64(bytes: &[u8], seed: u64) -> u64 {
    bytes.iter().fold(seed, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A version-4-shaped UUID derived from `seed`.
pub fn stable_uid(seed: &str) -> String {
    let high = fnv1a64(seed.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let low = fnv1a64(seed.as_bytes(), 0x8422_2325_cbf2_9ce4);
    let high = (high & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// Sets `path` in `value`, creating (or replacing non-object) intermediate maps.
fn set_path(value: &mut Value, path: &[&str], new: Value) {
    let Some((last, parents)) = path.split_last() else {
        *value = new;
        return;
    };
    let mut current = value;
    for key in parents {
        if !current.is_object() {
            *current = json!({});
        }
        let Some(map) = current.as_object_mut() else {
            return;
        };
        current = map.entry(key.to_string()).or_insert_with(|| json!({}));
        if !current.is_object() {
            *current = json!({});
        }
    }
    if let Some(map) = current.as_object_mut() {
        map.insert(last.to_string(), new);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "hello"},
            "spec": {"template": {
                "metadata": {"labels": {"app": "hello"}},
                "spec": {"containers": [{"name": "hello", "image": "example/hello:1.0",
                                          "ports": [{"name": "http", "containerPort": 80}]}]}
            }}
        })
    }

    #[test]
    fn deployment_pods_are_owned_by_a_hashed_replica_set() {
        let request = pod_create_request(&deployment(), "mesh").unwrap();
        let pod = &request["object"];
        let hash = pod["metadata"]["labels"]["pod-template-hash"]
            .as_str()
            .unwrap();
        assert_eq!(hash.len(), 10);
        assert!(hash.bytes().all(|b| SAFE_ALPHABET.contains(&b)), "{hash}");
        let owner = &pod["metadata"]["ownerReferences"][0];
        assert_eq!(owner["kind"], "ReplicaSet");
        assert_eq!(owner["name"], format!("hello-{hash}"));
        assert_eq!(owner["controller"], true);
        assert_eq!(pod["metadata"]["generateName"], format!("hello-{hash}-"));
        assert_eq!(pod["metadata"]["namespace"], "mesh");
        assert!(
            request.get("name").is_none(),
            "generateName pods have no request name"
        );
        assert_eq!(request["namespace"], "mesh");
        assert_eq!(request["operation"], "CREATE");
        assert_eq!(
            request["userInfo"]["username"],
            "system:serviceaccount:kube-system:replicaset-controller"
        );
    }

    #[test]
    fn requests_are_reproducible() {
        let first = pod_create_request(&deployment(), "default").unwrap();
        let second = pod_create_request(&deployment(), "default").unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn defaults_and_the_token_volume_are_added() {
        let request = pod_create_request(&deployment(), "default").unwrap();
        let spec = &request["object"]["spec"];
        assert_eq!(spec["dnsPolicy"], "ClusterFirst");
        assert_eq!(spec["serviceAccountName"], "default");
        let container = &spec["containers"][0];
        assert_eq!(container["imagePullPolicy"], "IfNotPresent");
        assert_eq!(container["ports"][0]["protocol"], "TCP");
        let mount = &container["volumeMounts"][0];
        assert_eq!(mount["mountPath"], SERVICE_ACCOUNT_MOUNT);
        assert_eq!(spec["volumes"][0]["name"], mount["name"]);
        assert_eq!(spec["tolerations"].as_array().map(Vec::len), Some(2));
        let managed = &request["object"]["metadata"]["managedFields"][0]["fieldsV1"];
        assert!(
            managed
                .pointer("/f:spec/f:containers/k:{\"name\":\"hello\"}")
                .is_some()
        );
    }

    #[test]
    fn opting_out_of_the_token_keeps_the_pod_volume_free() {
        let mut workload = deployment();
        set_path(
            &mut workload,
            &["spec", "template", "spec", "automountServiceAccountToken"],
            json!(false),
        );
        let request = pod_create_request(&workload, "default").unwrap();
        assert!(request["object"]["spec"].get("volumes").is_none());
    }

    #[test]
    fn cronjob_pods_belong_to_a_job_named_after_the_schedule() {
        let cronjob = json!({
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "report"},
            "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"spec": {"template": {
                "spec": {"restartPolicy": "OnFailure",
                         "containers": [{"name": "report", "image": "busybox"}]}}}}}
        });
        let creation = pod_for_workload(&cronjob, "default").unwrap();
        let owner = &creation.pod["metadata"]["ownerReferences"][0];
        assert_eq!(owner["kind"], "Job");
        let job = owner["name"].as_str().unwrap();
        let digits = job.strip_prefix("report-").unwrap();
        assert_eq!(digits.len(), 8);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(creation.pod["metadata"]["labels"]["job-name"], job);
        assert_eq!(creation.pod["spec"]["restartPolicy"], "OnFailure");
        assert_eq!(
            creation.pod["spec"]["containers"][0]["imagePullPolicy"],
            "Always"
        );
    }

    #[test]
    fn statefulset_pods_have_a_fixed_name() {
        let sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "data"},
            "spec": {"serviceName": "db", "template": {"spec": {"containers": [
                {"name": "db", "image": "postgres:16"}]}}}});
        let request = pod_create_request(&sts, "default").unwrap();
        assert_eq!(request["name"], "db-0");
        assert_eq!(request["namespace"], "data");
        assert_eq!(request["object"]["spec"]["hostname"], "db-0");
        assert_eq!(
            request["object"]["metadata"]["labels"]["apps.kubernetes.io/pod-index"],
            "0"
        );
    }

    #[test]
    fn kinds_without_a_pod_template_are_refused() {
        let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}});
        let error = pod_for_workload(&service, "default").unwrap_err();
        assert!(error.to_string().contains("no pod template"), "{error}");
        assert!(!has_pod_template(&service));
        let empty =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        assert!(pod_for_workload(&empty, "default").is_err());
    }

    #[test]
    fn latest_detection_follows_the_api_server() {
        assert!(image_tag_is_latest("nginx"));
        assert!(image_tag_is_latest("nginx:latest"));
        assert!(image_tag_is_latest("localhost:5000/nginx"));
        assert!(!image_tag_is_latest("localhost:5000/nginx:1.2"));
        assert!(!image_tag_is_latest("nginx@sha256:abc"));
    }

    #[test]
    fn stable_uids_look_like_uuid_v4() {
        let uid = stable_uid("x");
        assert_eq!(uid.len(), 36);
        assert_eq!(uid.as_bytes()[14], b'4');
        assert_ne!(uid, stable_uid("y"));
    }
}
