//! The harness itself: waPC plumbing, host callbacks, deadlines and error paths, checked with
//! small hand-written guests (WebAssembly text compiled at test time) and with the no-op
//! policy built from `e2e-tests/noop-policy`.

use std::time::{Duration, Instant};

use e2e_tests::replay::data_segment;
use e2e_tests::{FixtureHost, HarnessError, HostCallOutcome, Policy, fixtures};
use serde_json::{Value, json};

/// A waPC guest in WebAssembly text. `__guest_call` dispatches on the operation name's length
/// (`validate` 8, `protocol_version` 16, `validate_settings` 17); each operation's body is
/// given as WAT instructions leaving an i32 (1 = success) on the stack.
fn guest(
    data: &[(u32, &[u8])],
    validate: &str,
    protocol: &str,
    settings: &str,
    init: &str,
) -> Vec<u8> {
    let segments = data
        .iter()
        .map(|(offset, bytes)| data_segment(*offset as usize, bytes))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        r#"(module
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (import "wapc" "__guest_error" (func $guest_error (param i32 i32)))
  (import "wapc" "__host_call" (func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wapc" "__host_response_len" (func $host_response_len (result i32)))
  (import "wapc" "__host_response" (func $host_response (param i32)))
  (import "wapc" "__host_error_len" (func $host_error_len (result i32)))
  (import "wapc" "__host_error" (func $host_error (param i32)))
  (memory (export "memory") 1)
  {segments}
  (func (export "wapc_init") {init})
  (func $validate (result i32) {validate})
  (func $protocol (result i32) {protocol})
  (func $settings (result i32) {settings})
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (if (i32.eq (local.get $op_len) (i32.const 8)) (then (return (call $validate))))
    (if (i32.eq (local.get $op_len) (i32.const 16)) (then (return (call $protocol))))
    (if (i32.eq (local.get $op_len) (i32.const 17)) (then (return (call $settings))))
    (i32.const 0)))"#
    )
    .into_bytes()
}

/// WAT that answers the JSON text stored at `offset`.
fn respond(offset: u32, text: &[u8]) -> String {
    format!(
        "(call $guest_response (i32.const {offset}) (i32.const {})) (i32.const 1)",
        text.len()
    )
}

const ACCEPT: &[u8] = br#"{"accepted":true,"message":null,"code":null,"mutated_object":null,"audit_annotations":null,"warnings":null}"#;
const VALID: &[u8] = br#"{"valid":true,"message":null}"#;
const V1: &[u8] = br#""v1""#;

fn accepting_guest() -> Policy {
    let wat = guest(
        &[(0, ACCEPT), (1024, VALID), (2048, V1)],
        &respond(0, ACCEPT),
        &respond(2048, V1),
        &respond(1024, VALID),
        "",
    );
    Policy::from_bytes("accepting guest", &wat).expect("the guest compiles")
}

const BINDING: &[u8] = b"kubewarden";
const NAMESPACE: &[u8] = b"kubernetes";
const OPERATION: &[u8] = b"get_resource";
const LOOKUP: &[u8] = br#"{"api_version":"v1","kind":"Namespace","name":"mesh","namespace":null,"disable_cache":false,"field_masks":null}"#;
const PREFIX: &[u8] = br#"{"accepted":true,"mutated_object":"#;

/// On `validate`, looks up Namespace `mesh` through `get_resource` and answers with the
/// Namespace as the mutated object; a failed lookup becomes the guest's error.
/// On `validate_settings`, calls a capability the test host does not offer.
fn lookup_guest() -> Policy {
    let lookup_len = LOOKUP.len();
    let prefix_len = PREFIX.len();
    let body = format!(
        r#"(local $len i32)
        (if (i32.eqz (call $host_call (i32.const 0) (i32.const 10) (i32.const 16) (i32.const 10)
                                      (i32.const 32) (i32.const 12) (i32.const 64) (i32.const {lookup_len})))
          (then
            (call $host_error (i32.const 16384))
            (call $guest_error (i32.const 16384) (call $host_error_len))
            (return (i32.const 0))))
        (memory.copy (i32.const 4096) (i32.const 512) (i32.const {prefix_len}))
        (local.set $len (call $host_response_len))
        (call $host_response (i32.const {after_prefix}))
        (i32.store8 (i32.add (i32.const {after_prefix}) (local.get $len)) (i32.const 125))
        (call $guest_response (i32.const 4096) (i32.add (local.get $len) (i32.const {total_extra})))
        (i32.const 1)"#,
        after_prefix = 4096 + prefix_len,
        total_extra = prefix_len + 1,
    );
    let unsupported = r#"(if (i32.eqz (call $host_call (i32.const 0) (i32.const 10) (i32.const 800) (i32.const 3)
                                   (i32.const 808) (i32.const 18) (i32.const 64) (i32.const 2)))
          (then
            (call $host_error (i32.const 16384))
            (call $guest_error (i32.const 16384) (call $host_error_len))
            (return (i32.const 0))))
        (i32.const 1)"#;
    let wat = guest(
        &[
            (0, BINDING),
            (16, NAMESPACE),
            (32, OPERATION),
            (64, LOOKUP),
            (512, PREFIX),
            (800, b"net"),
            (808, b"v1/dns_lookup_host"),
            (2048, V1),
        ],
        &body,
        &respond(2048, V1),
        unsupported,
        "",
    );
    Policy::from_bytes("lookup guest", &wat).expect("the guest compiles")
}

fn noop() -> Policy {
    Policy::load_noop().unwrap_or_else(|e| panic!("{e}"))
}

fn pod_request() -> Value {
    fixtures::request("pod-deployment-owned").expect("fixture")
}

#[test]
fn protocol_version_settings_and_acceptance_go_through_wapc() {
    let policy = accepting_guest();
    assert_eq!(policy.protocol_version().unwrap(), "v1");
    let outcome = policy.validate_settings(&json!({})).unwrap();
    assert!(outcome.valid);
    let evaluation = policy
        .evaluate(&pod_request(), &json!({}), &FixtureHost::new())
        .unwrap();
    assert!(evaluation.allowed());
    assert!(evaluation.patch.is_none() && evaluation.patched_object.is_none());
    assert!(evaluation.admission.patch.is_none());
    assert!(evaluation.host_calls.is_empty());
}

#[test]
fn host_calls_are_answered_from_fixtures_and_recorded() {
    let host = fixtures::namespace_host().unwrap();
    let evaluation = lookup_guest()
        .evaluate(&pod_request(), &json!({}), &host)
        .unwrap();
    let namespace: Value =
        e2e_tests::documents::read_value(&e2e_tests::fixtures_dir().join("namespaces/mesh.json"))
            .unwrap();
    assert_eq!(evaluation.response.mutated_object, Some(namespace));
    let calls = evaluation.get_resource_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (
            calls[0].api_version.as_str(),
            calls[0].kind.as_str(),
            calls[0].name.as_str()
        ),
        ("v1", "Namespace", "mesh")
    );
    assert_eq!(calls[0].namespace, None);
    assert_eq!(evaluation.host_calls[0].outcome, HostCallOutcome::Answered);
}

#[test]
fn unknown_objects_reach_the_guest_as_a_host_error() {
    let error = lookup_guest()
        .evaluate(&pod_request(), &json!({}), &FixtureHost::new())
        .unwrap_err();
    let HarnessError::GuestCall { operation, message } = error else {
        panic!("expected a guest failure, got {error}");
    };
    assert_eq!(operation, "validate");
    assert!(
        message.contains("namespaces \"mesh\" not found"),
        "{message}"
    );
}

#[test]
fn capabilities_the_test_host_lacks_are_refused() {
    let outcome = lookup_guest().validate_settings(&json!({})).unwrap();
    assert!(!outcome.valid);
    let message = outcome.message.unwrap_or_default();
    assert!(
        message.contains("Error invoking settings validation callback"),
        "{message}"
    );
    assert!(
        message.contains("kubewarden/net/v1/dns_lookup_host is not supported"),
        "{message}"
    );
}

#[test]
fn a_runaway_guest_is_interrupted_at_its_deadline() {
    let spin = "(loop $forever (br $forever)) (i32.const 0)";
    let wat = guest(&[], spin, spin, spin, "");
    let policy = Policy::from_bytes("spinning guest", &wat)
        .unwrap()
        .with_deadline(Duration::from_millis(200));
    let started = Instant::now();
    let error = policy
        .evaluate(&pod_request(), &json!({}), &FixtureHost::new())
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(error.to_string().contains("deadline"), "{error}");
}

#[test]
fn a_runaway_initialisation_fails_instantiation() {
    let ok = "(i32.const 1)";
    let wat = guest(&[], ok, ok, ok, "(loop $forever (br $forever))");
    let policy = Policy::from_bytes("spinning init", &wat)
        .unwrap()
        .with_deadline(Duration::from_millis(200));
    let error = policy.instantiate().unwrap_err();
    assert!(matches!(error, HarnessError::Instantiate(_)), "{error}");
}

#[test]
fn traps_and_malformed_answers_are_errors() {
    let trap = "(unreachable)";
    let garbage = b"not json";
    let wat = guest(&[(0, garbage)], trap, &respond(0, garbage), trap, "");
    let policy = Policy::from_bytes("broken guest", &wat).unwrap();
    let error = policy
        .evaluate(&pod_request(), &json!({}), &FixtureHost::new())
        .unwrap_err();
    assert!(matches!(error, HarnessError::GuestCall { .. }), "{error}");
    let error = policy.protocol_version().unwrap_err();
    assert!(matches!(error, HarnessError::BadResponse { .. }), "{error}");
    let outcome = policy.validate_settings(&json!({})).unwrap();
    assert!(
        !outcome.valid,
        "a trapping validate_settings means invalid settings"
    );
}

#[test]
fn every_evaluation_gets_a_fresh_instance() {
    // The guest counts calls in a global: with a fresh instance per evaluation the count is
    // always 1, as in policy-server ≥ 1.10.
    let counting = format!(
        r#"(global.set $calls (i32.add (global.get $calls) (i32.const 1)))
        (if (i32.gt_u (global.get $calls) (i32.const 1)) (then (unreachable)))
        {}"#,
        respond(0, ACCEPT)
    );
    let wat = String::from_utf8(guest(
        &[(0, ACCEPT)],
        &counting,
        "(i32.const 0)",
        "(i32.const 0)",
        "",
    ))
    .unwrap()
    .replacen(
        "(memory (export",
        "(global $calls (mut i32) (i32.const 0))\n  (memory (export",
        1,
    );
    let policy = Policy::from_bytes("counting guest", wat.as_bytes()).unwrap();
    for _ in 0..3 {
        assert!(
            policy
                .evaluate(&pod_request(), &json!({}), &FixtureHost::new())
                .unwrap()
                .allowed()
        );
    }
}

#[test]
fn a_missing_module_says_how_to_build_it() {
    let error = Policy::load(std::path::Path::new("/nonexistent/policy.wasm")).unwrap_err();
    assert!(error.to_string().contains("make policy.wasm"), "{error}");
}

#[test]
fn the_noop_policy_loads_validates_settings_and_accepts_without_patch() {
    let policy = noop();
    assert_eq!(policy.protocol_version().unwrap(), "v1");
    assert!(policy.validate_settings(&json!({})).unwrap().valid);
    let outcome = policy.validate_settings(&json!({"surprise": 1})).unwrap();
    assert!(!outcome.valid);
    assert!(outcome.message.unwrap_or_default().contains("surprise"));
    let host = fixtures::namespace_host().unwrap();
    for name in ["pod-deployment-owned", "pod-delete", "configmap-create"] {
        let evaluation = policy
            .evaluate(&fixtures::request(name).unwrap(), &json!({}), &host)
            .unwrap();
        assert!(evaluation.allowed(), "{name}");
        assert!(evaluation.patch.is_none(), "{name}");
        assert!(evaluation.host_calls.is_empty(), "{name}");
    }
}

#[test]
fn the_noop_policy_rejects_an_unparseable_request() {
    // `dryRun` must be a bool: the SDK's request parsing fails and the no-op says so.
    let mut request = pod_request();
    request["dryRun"] = json!("yes");
    let evaluation = noop()
        .evaluate(&request, &json!({}), &FixtureHost::new())
        .unwrap();
    assert!(!evaluation.allowed());
    assert_eq!(evaluation.admission.status.and_then(|s| s.code), Some(400));
}

/// One exchange of a kwctl replay session, as kwctl reads it.
#[derive(serde::Deserialize)]
struct Exchange {
    #[serde(rename = "type")]
    kind: String,
    request: String,
    response: ExchangeResponse,
}

#[derive(serde::Deserialize)]
struct ExchangeResponse {
    #[serde(rename = "type")]
    kind: String,
    payload: String,
}

/// kwctl's `CallbackRequestType`, the variants the sessions use (YAML tags
/// `!KubernetesGetResource`, `!KubernetesListResourceAll`, `!KubernetesListResourceNamespace`):
/// the names are kwctl's.
#[derive(serde::Deserialize, Debug)]
#[allow(clippy::enum_variant_names)]
enum CallbackRequest {
    KubernetesGetResource {
        api_version: String,
        kind: String,
        name: String,
        namespace: Option<String>,
        disable_cache: bool,
        field_masks: Option<Vec<String>>,
    },
    KubernetesListResourceAll {
        api_version: String,
        kind: String,
        label_selector: Option<String>,
        field_selector: Option<String>,
        field_masks: Option<Vec<String>>,
    },
    KubernetesListResourceNamespace {
        api_version: String,
        kind: String,
        namespace: String,
        label_selector: Option<String>,
        field_selector: Option<String>,
        field_masks: Option<Vec<String>>,
    },
}

/// The node fields `nativeSidecars: auto` asks for, in the order kwctl writes a set.
const NODE_MASKS: [&str; 2] = ["metadata.name", "status.nodeInfo.kubeletVersion"];

/// What a node answer must carry: its name and kubelet version.
fn node_facts(node: &Value) -> (String, String) {
    let text = |pointer: &str| {
        node.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    (
        text("/metadata/name").expect("metadata.name"),
        text("/status/nodeInfo/kubeletVersion").expect("kubeletVersion"),
    )
}

fn node_fixtures(file: &str) -> Vec<Value> {
    let path = e2e_tests::fixtures_dir().join("nodes").join(file);
    e2e_tests::documents::read_documents(&path).unwrap()
}

/// A ProxyConfig session lists the root namespace's, then the pod's namespace's resources, with
/// the policy's field masks, answering exactly the fixture's objects of each namespace.
fn check_proxy_config_session(path: &std::path::Path, fixture: &str, exchanges: &[Exchange]) {
    let file = e2e_tests::fixtures_dir().join(format!("proxyconfigs/{fixture}.yaml"));
    let objects = e2e_tests::documents::read_documents(&file).unwrap();
    assert_eq!(exchanges.len(), 2, "{}", path.display());
    for (exchange, expected_namespace) in exchanges.iter().zip(["istio-system", fixture]) {
        let request: CallbackRequest = serde_yaml_ng::from_str(&exchange.request)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let CallbackRequest::KubernetesListResourceNamespace {
            api_version,
            kind,
            namespace,
            label_selector,
            field_selector,
            field_masks,
        } = request
        else {
            panic!("{}: not a namespaced list: {request:?}", path.display());
        };
        assert_eq!(
            (api_version.as_str(), kind.as_str(), namespace.as_str()),
            (
                "networking.istio.io/v1beta1",
                "ProxyConfig",
                expected_namespace
            )
        );
        assert_eq!((label_selector, field_selector), (None, None));
        let masks = field_masks.unwrap_or_default();
        assert!(masks.contains(&"spec.environmentVariables".to_string()));
        let payload: Value = serde_json::from_str(&exchange.response.payload).unwrap();
        let names = |items: &[Value]| -> Vec<String> {
            items
                .iter()
                .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
                .collect()
        };
        let expected: Vec<Value> = objects
            .iter()
            .filter(|o| o["metadata"]["namespace"] == expected_namespace)
            .cloned()
            .collect();
        let items = payload["items"].as_array().unwrap();
        assert_eq!(names(items), names(&expected), "{}", path.display());
        for (item, object) in items.iter().zip(&expected) {
            assert_eq!(item["spec"], object["spec"], "{}", path.display());
        }
    }
}

#[test]
fn replay_sessions_parse_as_kwctl_reads_them_and_match_the_fixtures() {
    let sessions = e2e_tests::fixtures_dir().join("sessions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&sessions).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let exchanges: Vec<Exchange> =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_str().unwrap();
        if let Some(fixture) = stem.strip_prefix("proxyconfigs-") {
            check_proxy_config_session(&path, fixture, &exchanges);
            seen += 1;
            continue;
        }
        assert_eq!(exchanges.len(), 1, "{}", path.display());
        let exchange = &exchanges[0];
        assert_eq!(
            (exchange.kind.as_str(), exchange.response.kind.as_str()),
            ("Exchange", "Success")
        );
        let request: CallbackRequest = serde_yaml_ng::from_str(&exchange.request)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let payload: Value = serde_json::from_str(&exchange.response.payload).unwrap();
        let masks = Some(NODE_MASKS.map(String::from).to_vec());
        match request {
            CallbackRequest::KubernetesGetResource {
                api_version,
                kind,
                name,
                namespace,
                disable_cache,
                field_masks,
            } if kind == "Namespace" => {
                assert_eq!(api_version, "v1");
                assert_eq!((namespace, disable_cache, field_masks), (None, false, None));
                assert_eq!(stem, format!("namespace-{name}"));
                let fixture = e2e_tests::fixtures_dir().join(format!("namespaces/{name}.json"));
                let expected = e2e_tests::documents::read_value(&fixture).unwrap();
                assert_eq!(payload, expected, "{}", path.display());
            }
            CallbackRequest::KubernetesGetResource {
                api_version,
                kind,
                name,
                namespace,
                disable_cache,
                field_masks,
            } => {
                assert_eq!((api_version.as_str(), kind.as_str()), ("v1", "Node"));
                assert_eq!((namespace, disable_cache), (None, false));
                assert_eq!(field_masks, masks, "{}", path.display());
                assert_eq!(stem, format!("node-{name}"));
                let expected = ["current.yaml", "mixed.yaml"]
                    .iter()
                    .flat_map(|file| node_fixtures(file))
                    .find(|node| node["metadata"]["name"] == name.as_str())
                    .unwrap_or_else(|| panic!("{}: no fixture node {name}", path.display()));
                assert_eq!(
                    node_facts(&payload),
                    node_facts(&expected),
                    "{}",
                    path.display()
                );
            }
            CallbackRequest::KubernetesListResourceAll {
                api_version,
                kind,
                label_selector,
                field_selector,
                field_masks,
            } => {
                assert_eq!((api_version.as_str(), kind.as_str()), ("v1", "Node"));
                assert_eq!((label_selector, field_selector), (None, None));
                assert_eq!(field_masks, masks, "{}", path.display());
                let file = stem.strip_prefix("nodes-").expect("nodes-<fixture>.yml");
                let expected = node_fixtures(&format!("{file}.yaml"));
                let items = payload["items"].as_array().expect("items");
                assert_eq!(
                    items.iter().map(node_facts).collect::<Vec<_>>(),
                    expected.iter().map(node_facts).collect::<Vec<_>>(),
                    "{}",
                    path.display()
                );
            }
            other => panic!("{}: unexpected {other:?}", path.display()),
        }
        seen += 1;
    }
    assert!(seen >= 10, "{seen} sessions");
}

#[test]
fn every_pod_fixture_has_a_session_for_its_namespace() {
    let requests = e2e_tests::fixtures_dir().join("requests");
    for entry in std::fs::read_dir(requests).unwrap() {
        let path = entry.unwrap().path();
        let request = e2e_tests::documents::read_value(&path).unwrap();
        let namespace = request["namespace"].as_str().unwrap();
        assert!(
            fixtures::session_path(&format!("namespace-{namespace}")).is_file(),
            "{}: no session for namespace {namespace}",
            path.display()
        );
        assert!(
            e2e_tests::fixtures_dir()
                .join(format!("namespaces/{namespace}.json"))
                .is_file(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn a_replay_guest_answers_the_same_to_payloads_larger_than_its_memory() {
    // The payload lands past the answer; one this large makes the guest grow its memory.
    let mut request = fixtures::request("pod-deployment-owned").expect("fixture loads");
    request["object"]["metadata"]["annotations"]["bulk"] = Value::String("x".repeat(300_000));
    let noop = noop();
    let replay = noop
        .replay_of(&request, &json!({}), &FixtureHost::new())
        .expect("the no-op answers");
    let expected = noop
        .evaluate(&request, &json!({}), &FixtureHost::new())
        .expect("the no-op evaluates");
    let replayed = replay
        .evaluate(&request, &json!({}), &FixtureHost::new())
        .expect("the replay evaluates");
    assert_eq!(replayed.response, expected.response);
    assert!(replayed.host_calls.is_empty());
    // The other waPC operations, which kwctl annotate and the policy server call.
    assert_eq!(replay.protocol_version().expect("protocol_version"), "v1");
    assert!(
        replay
            .validate_settings(&json!({"anything": 1}))
            .expect("validate_settings")
            .valid
    );
}
