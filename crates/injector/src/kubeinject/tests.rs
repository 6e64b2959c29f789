use super::decode::{Decoded, decode_text};
use super::kinds::Kind;
use super::*;
use crate::config::{InjectorConfig, MeshConfig, Values};
use crate::goyaml::unmarshal as yaml_to_json;
use crate::inject::{Mode, Options};
use proptest::prelude::*;
use serde_json::{Value, json};

fn injector() -> Injector {
    let options = Options {
        mode: Mode::KubeInject,
        native_sidecars: true,
        ..Options::default()
    };
    match Injector::new(
        InjectorConfig::builtin(),
        Values::istio_defaults(),
        MeshConfig::istio_defaults(),
        options,
    ) {
        Ok(injector) => injector,
        Err(e) => panic!("{e}"),
    }
}

fn run(input: &str) -> DocumentOutput {
    match inject_stream(&injector(), input) {
        Ok(out) => out,
        Err(e) => panic!("{e}\n{input}"),
    }
}

/// The output documents, parsed back (the `---` separators dropped).
fn parsed(text: &str) -> Vec<Value> {
    split_documents(text)
        .into_iter()
        .map(|doc| yaml_to_json(doc).unwrap_or_else(|e| panic!("{e}\n{doc}")))
        .collect()
}

const HELLO: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  namespace: ns
spec:
  selector:
    matchLabels:
      app: hello
  template:
    metadata:
      labels:
        app: hello
    spec:
      containers:
      - name: hello
        image: hello:1
        x-unknown: dropped
";

#[test]
fn reader_splits_like_the_kubernetes_yaml_reader() {
    assert_eq!(split_documents("a: 1\n---\nb: 2\n"), ["a: 1\n", "b: 2\n"]);
    // A separator with nothing collected yet stays in the next document.
    assert_eq!(split_documents("---\na: 1\n"), ["---\na: 1\n"]);
    assert_eq!(split_documents("a\n---\n---\nb\n"), ["a\n", "---\nb\n"]);
    // Comments and spaces may follow a separator; a trailing separator adds nothing.
    assert_eq!(
        split_documents("a\n--- # next\nb\n---   \n"),
        ["a\n", "b\n"]
    );
    // `----` or `--- x` do not split (injecting that document fails, see below).
    assert_eq!(split_documents("a\n--- x\nb"), ["a\n--- x\nb"]);
    // An indented `---` is content.
    assert_eq!(split_documents("a: |\n  ---\n"), ["a: |\n  ---\n"]);
    assert_eq!(split_documents("a\r\n---\r\nb"), ["a\r\n", "b"]);
    assert!(split_documents("").is_empty());
    assert_eq!(split_documents("\n"), ["\n"]);
}

/// The reader's rule applied to every line in turn: the reference `split_documents` (which
/// only visits lines starting with `---`) and `as_go_reads_it` (which skips the common
/// document) must agree with.
fn split_line_by_line(input: &str) -> Vec<&str> {
    let mut documents = Vec::new();
    let (mut doc_start, mut start) = (0, 0);
    for line in input.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let rest = content.strip_prefix("---").map(str::trim);
        if rest.is_some_and(|r| r.is_empty() || r.starts_with('#')) && start > doc_start {
            documents.push(&input[doc_start..start]);
            doc_start = start + line.len();
        }
        start += line.len();
    }
    if doc_start < input.len() {
        documents.push(&input[doc_start..]);
    }
    documents
}

fn go_reads_line_by_line(document: &str) -> Result<String, String> {
    let mut out = String::new();
    for line in document.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let trimmed = content.strip_suffix('\r').unwrap_or(content);
        if let Some(rest) = trimmed.strip_prefix("---").map(str::trim)
            && !(rest.is_empty() || rest.starts_with('#'))
        {
            return Err(rest.to_string());
        }
        out.push_str(if line.ends_with('\n') {
            trimmed
        } else {
            content
        });
        out.push('\n');
    }
    Ok(out)
}

proptest! {
    #[test]
    fn splitting_and_line_endings_match_the_line_by_line_reader(
        input in "(---|--- #x|--- y|-|a: 1| |\r|\n|#){0,24}"
    ) {
        let documents = split_documents(&input);
        prop_assert_eq!(&documents, &split_line_by_line(&input));
        for document in documents {
            let got = documents::as_go_reads_it(document).map(|d| d.into_owned()).map_err(|e| match e {
                KubeInjectError::InvalidSeparator(rest) => rest,
                other => other.to_string(),
            });
            prop_assert_eq!(got, go_reads_line_by_line(document));
        }
    }
}

#[test]
fn invalid_separator_fails_with_istios_text() {
    let err = inject_stream(&injector(), "a: 1\n--- x: 1\nb: 2\n").err();
    assert_eq!(
        err.map(|e| e.to_string()),
        Some("invalid Yaml document separator: x: 1".to_string())
    );
    assert!(matches!(
        inject_document(&injector(), "----\n"),
        Err(KubeInjectError::InvalidSeparator(rest)) if rest == "-"
    ));
}

#[test]
fn unregistered_documents_are_echoed_byte_for_byte() {
    let service = "kind: Service\napiVersion: v1\nmetadata:\n  name: hello   # trailing\nspec:\n  ports:\n    - port: 80\n      targetPort: \"http\"\n";
    let out = run(service);
    assert_eq!(out.text, format!("{service}---\n"));
    assert!(out.warnings.is_empty());
    // The reader's line handling: CRLF read as LF, a last line gets its newline, a leading
    // separator is kept.
    let out = run("---\r\nkind: ConfigMap\r\ndata: {a: b}");
    assert_eq!(out.text, "---\nkind: ConfigMap\ndata: {a: b}\n---\n");
    // Empty and comment-only documents are unregistered too.
    assert_eq!(run("# nothing\n").text, "# nothing\n---\n");
    // Kinds are case-sensitive.
    let lower = "apiVersion: apps/v1\nkind: deployment\nspec: 1\n";
    assert_eq!(run(lower).text, format!("{lower}---\n"));
}

#[test]
fn registered_kinds_are_found_by_kind_alone() {
    for (name, group_version) in [
        ("Pod", "v1"),
        ("ReplicationController", "v1"),
        ("List", "v1"),
        ("Deployment", "apps/v1"),
        ("DaemonSet", "apps/v1"),
        ("ReplicaSet", "apps/v1"),
        ("StatefulSet", "apps/v1"),
        ("Job", "batch/v1"),
        ("CronJob", "batch/v1"),
        ("DeploymentConfig", "apps.openshift.io/v1"),
    ] {
        let kind = Kind::from_name(name);
        assert_eq!(kind.map(Kind::group_version), Some(group_version), "{name}");
        assert_eq!(kind.map(|k| k.go_type().name), Some(name));
    }
    for name in ["Service", "ConfigMap", "deployment", "PodTemplate", ""] {
        assert_eq!(Kind::from_name(name), None, "{name}");
    }
    // Istio registers the types as unversioned: the apiVersion is not checked, and kept.
    let old = HELLO.replace("apps/v1", "extensions/v1beta1");
    let out = parsed(&run(&old).text);
    assert_eq!(out[0]["apiVersion"], "extensions/v1beta1");
    let env = &out[0]["spec"]["template"]["spec"]["initContainers"][1]["env"];
    let owner = env
        .as_array()
        .and_then(|env| env.iter().find(|e| e["name"] == "ISTIO_META_OWNER"));
    assert_eq!(
        owner.map(|e| e["value"].clone()),
        Some(json!(
            "kubernetes://apis/extensions/v1beta1/namespaces/ns/deployments/hello"
        ))
    );
}

#[test]
fn deployment_is_written_as_go_writes_it() {
    let out = run(HELLO);
    assert!(out.text.ends_with("---\n"));
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let text = &out.text;
    // Keys sorted, typed zero values present, unknown fields and nulls gone.
    assert!(
        text.starts_with("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello\n  namespace: ns\nspec:\n  selector:\n"),
        "{text}"
    );
    assert!(text.contains("\n  strategy: {}\n  template:\n"), "{text}");
    assert!(text.contains("\nstatus: {}\n---\n"), "{text}");
    assert!(
        text.contains("        name: hello\n        resources: {}\n"),
        "{text}"
    );
    assert!(!text.contains("x-unknown"));
    assert!(!text.contains("creationTimestamp"));
    // Quoting: numbers as strings are double-quoted, `*` single-quoted.
    assert!(text.contains("prometheus.io/port: \"15020\"\n"), "{text}");
    assert!(text.contains("        - '*'\n"), "{text}");
    // The text reads back as the typed object.
    let back = parsed(text);
    assert_eq!(back.len(), 1);
    assert_eq!(
        back[0]["spec"]["template"]["spec"]["containers"][0]["name"],
        "hello"
    );
    assert_eq!(
        back[0]["spec"]["template"]["metadata"]["labels"]["service.istio.io/canonical-name"],
        "hello"
    );
}

#[test]
fn skipped_workloads_are_still_re_serialised_with_istioctls_warnings() {
    let host = HELLO.replace("    spec:\n", "    spec:\n      hostNetwork: true\n");
    let out = run(&host);
    assert_eq!(
        out.warnings,
        [r#"===> Skipping injection because Deployment "ns/hello" has host networking enabled"#]
    );
    assert!(!out.text.contains("istio-proxy"));
    assert!(out.text.contains("status: {}\n"));
    assert!(!out.text.contains("x-unknown"));

    let disabled = HELLO.replace("  namespace: ns\n", "").replace(
        "        app: hello\n    spec:",
        "        app: hello\n        sidecar.istio.io/inject: \"false\"\n    spec:",
    );
    let out = run(&disabled);
    assert_eq!(
        out.warnings,
        [r#"===> Skipping injection because Deployment "hello" has sidecar injection disabled"#]
    );
    assert!(!out.text.contains("istio-proxy"));
}

#[test]
fn scalars_bound_for_go_strings_become_strings() {
    // An unquoted `false` annotation is the string "false" to Go: injection is disabled.
    let input = HELLO.replace(
        "    metadata:\n      labels:",
        "    metadata:\n      annotations:\n        sidecar.istio.io/inject: false\n        custom/port: 8080\n        custom/ratio: 0.1\n        custom/big: 1e6\n      labels:",
    );
    let out = run(&input);
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    let back = parsed(&out.text);
    let annotations = &back[0]["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(annotations["sidecar.istio.io/inject"], "false");
    assert_eq!(annotations["custom/port"], "8080");
    assert_eq!(annotations["custom/ratio"], "0.1");
    assert_eq!(annotations["custom/big"], "1e+06");

    // Under a field promoted from an embedded struct, sigs.k8s.io/yaml loses the type: the
    // number stays a number, and Go refuses it.
    let volume = HELLO.replace(
        "        x-unknown: dropped\n",
        "      volumes:\n      - name: v\n        configMap:\n          name: 5\n",
    );
    match inject_stream(&injector(), &volume) {
        Err(KubeInjectError::Decode(message)) => {
            assert!(message.contains("configMap.name"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn cron_job_pod_metadata_is_the_job_templates() {
    let input = "\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cron
spec:
  schedule: \"*/1 * * * *\"
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app: cron
        spec:
          containers:
          - name: c
            image: busybox
          restartPolicy: OnFailure
";
    let back = parsed(&run(input).text);
    let job_template = &back[0]["spec"]["jobTemplate"];
    assert!(job_template["metadata"]["annotations"]["sidecar.istio.io/status"].is_string());
    // The pod template's own metadata is not the one Istio injects into.
    assert_eq!(
        job_template["spec"]["template"]["metadata"],
        json!({"labels": {"app": "cron"}})
    );
    assert_eq!(back[0]["spec"]["schedule"], "*/1 * * * *");
    assert_eq!(back[0]["status"], json!({}));
}

#[test]
fn bare_pods_name_their_workload_from_owner_references() {
    let input = "\
apiVersion: v1
kind: Pod
metadata:
  generateName: web-7d4b9c-
  labels:
    pod-template-hash: 7d4b9c
  ownerReferences:
  - apiVersion: apps/v1
    kind: ReplicaSet
    name: web-7d4b9c
    uid: u
    controller: true
spec:
  containers:
  - name: web
    image: web
";
    let back = parsed(&run(input).text);
    let proxy = back[0]["spec"]["initContainers"]
        .as_array()
        .and_then(|list| list.iter().find(|c| c["name"] == "istio-proxy"))
        .cloned()
        .unwrap_or_default();
    let env = |name: &str| {
        proxy["env"]
            .as_array()
            .and_then(|env| env.iter().find(|e| e["name"] == name))
            .map(|e| e["value"].clone())
    };
    assert_eq!(env("ISTIO_META_WORKLOAD_NAME"), Some(json!("web")));
    let host = input.replace(
        "spec:\n  containers:",
        "spec:\n  hostNetwork: true\n  containers:",
    );
    assert_eq!(
        run(&host).warnings,
        [r#"===> Skipping injection because Deployment "web" has host networking enabled"#]
    );
}

#[test]
fn list_items_are_injected_in_place_and_others_kept() {
    let input = "\
apiVersion: v1
kind: List
items:
- kind: Service
  apiVersion: v1
  metadata: {name: svc}
  spec: {ports: [{port: 80}], x-kept: yes}
- null
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: hello}
  spec:
    selector: {matchLabels: {app: hello}}
    template:
      metadata: {labels: {app: hello}}
      spec: {containers: [{name: hello, image: hello}]}
";
    let back = parsed(&run(input).text);
    assert_eq!(back[0]["metadata"], json!({}));
    let items = &back[0]["items"];
    assert_eq!(
        items[0],
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}, "spec": {"ports": [{"port": 80}], "x-kept": true}})
    );
    assert_eq!(items[1], Value::Null);
    assert!(
        items[2]["spec"]["template"]["metadata"]["annotations"]["sidecar.istio.io/status"]
            .is_string()
    );
    assert_eq!(items[2]["status"], json!({}));
}

#[test]
fn workloads_without_a_pod_template_pointer_are_refused() {
    let rc =
        "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec: {replicas: 1}\n";
    assert_eq!(
        inject_stream(&injector(), rc).err().map(|e| e.to_string()),
        Some("spec.template is required value".to_string())
    );
}

#[test]
fn documents_go_cannot_decode_are_errors() {
    for (input, wanted) in [
        (
            "- a\n- b\n",
            "cannot unmarshal array into Go value of type v1.TypeMeta",
        ),
        (
            "just text\n",
            "cannot unmarshal string into Go value of type v1.TypeMeta",
        ),
        ("kind: [Pod]\n", "TypeMeta.kind"),
        ("kind: Pod\nspec: {containers: 3}\n", "spec.containers"),
        (
            "kind: Pod\nmetadata: {name: [x]\n",
            "error converting YAML to JSON",
        ),
    ] {
        match inject_stream(&injector(), input) {
            Err(e) => assert!(e.to_string().contains(wanted), "{input}: {e}"),
            Ok(out) => panic!("{input}: accepted as {:?}", out.text),
        }
    }
    // A numeric kind is a string to Go: unregistered, echoed.
    assert_eq!(run("kind: 5\n").text, "kind: 5\n---\n");
}

#[test]
fn injection_errors_name_the_object() {
    let input = HELLO.replace(
        "    metadata:\n      labels:",
        "    metadata:\n      annotations:\n        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"not-a-cidr\"\n      labels:",
    );
    match inject_stream(&injector(), &input) {
        Err(e @ KubeInjectError::Inject { .. }) => {
            let text = e.to_string();
            assert!(text.starts_with(r#"Deployment "ns/hello": "#), "{text}");
            assert!(
                text.to_lowercase().contains("excludeoutboundipranges"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn stream_output_is_the_documents_in_order() {
    let service = "kind: Service\nmetadata: {name: a}\n";
    let input = format!("{service}---\n{HELLO}---\n{service}");
    let out = run(&input);
    let docs = split_documents(&out.text);
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[0], service);
    assert_eq!(docs[2], service);
    assert!(docs[1].starts_with("apiVersion: apps/v1\n"));
    let one_by_one: String = split_documents(&input)
        .into_iter()
        .map(|doc| match inject_document(&injector(), doc) {
            Ok(out) => out.text,
            Err(e) => panic!("{e}"),
        })
        .collect();
    assert_eq!(one_by_one, out.text);
}

#[test]
fn decoding_reports_unregistered_documents() {
    assert_eq!(decode_text("kind: Service\n"), Ok(Decoded::Unregistered));
    assert_eq!(decode_text(""), Ok(Decoded::Unregistered));
    assert!(matches!(
        decode_text("kind: Job\n"),
        Ok(Decoded::Object {
            kind: Kind::Job,
            ..
        })
    ));
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(|f| json!(f)),
        "\\PC{0,10}".prop_map(Value::String),
        "[ a-z0-9:#'\"\\-\n*&!|>%@`,{}]{0,10}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("metadata".to_string()),
                    Just("spec".to_string()),
                    Just("template".to_string()),
                    Just("containers".to_string()),
                    Just("annotations".to_string()),
                    Just("hostNetwork".to_string()),
                    Just("name".to_string()),
                    "[a-z/.]{1,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// JSON text that a YAML reader takes back unchanged. serde_json writes U+2028 and U+2029
/// raw, but YAML 1.1 counts them as line breaks and folds them (and trims the blanks before
/// them) inside a quoted scalar, as go-yaml does; escaped, they are plain characters.
fn json_for_yaml(value: &Value) -> String {
    value
        .to_string()
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Whatever the text, kube-inject answers (output or error) without panicking.
    #[test]
    fn arbitrary_text_never_panics(text in "(\\PC|\n|---|kind: |Deployment|  ){0,60}") {
        let _ = inject_stream(&injector(), &text);
    }

    /// Workload-shaped garbage: every registered kind over random JSON.
    #[test]
    fn arbitrary_objects_never_panic(
        kind in prop::sample::select(vec!["Pod", "Deployment", "CronJob", "List",
            "ReplicationController", "DeploymentConfig", "StatefulSet"]),
        body in arbitrary_json(),
    ) {
        let mut object = json!({"apiVersion": "v1", "kind": kind});
        if let (Some(object), Value::Object(body)) = (object.as_object_mut(), body) {
            for (k, v) in body {
                if k != "kind" {
                    object.insert(k, v);
                }
            }
        }
        let text = object.to_string();
        if let Ok(out) = inject_stream(&injector(), &text) {
            // What is written reads back as YAML.
            for doc in split_documents(&out.text) {
                prop_assert!(yaml_to_json(doc).is_ok(), "{}", out.text);
            }
        }
    }

    /// Documents are pieces of the input, in order, and never empty.
    #[test]
    fn documents_are_ordered_slices_of_the_input(text in "(a|b: 1|---|--- #c|---x|\r| |\n){0,40}") {
        let mut from = 0;
        for doc in split_documents(&text) {
            prop_assert!(!doc.is_empty());
            let at = text.get(from..).and_then(|rest| rest.find(doc)).map(|i| i + from);
            prop_assert!(at.is_some(), "{:?} not in {:?}", doc, text);
            from = at.unwrap_or(0) + doc.len();
        }
    }

    /// Strings of any shape, as annotation values, are written so that they read back equal.
    #[test]
    fn annotation_values_round_trip(value in "(\\PC|\n| |'|\"|: |#|-){0,90}") {
        let object = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "x", "annotations": {"note": value}},
            "spec": {"selector": null, "template": {"metadata": {"labels": {"sidecar.istio.io/inject": "false"}},
                     "spec": {"containers": [{"name": "c"}]}}}});
        let out = inject_stream(&injector(), &json_for_yaml(&object))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = parsed(&out.text);
        prop_assert_eq!(&back[0]["metadata"]["annotations"]["note"], &json!(value));
    }
}

// Non-letters first, letters by code point (`B` < `a`), digit runs by value (`a2` < `a10`),
// and at equal value the shorter run first.
#[test]
fn keys_follow_go_yamls_natural_order() {
    let input = HELLO.replace(
        "      labels:\n        app: hello\n",
        "      labels:\n        app: hello\n        a10: x\n        a2: x\n        B: x\n        _x: x\n        a02: x\n",
    );
    let text = run(&input).text;
    let labels: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "      labels:")
        .skip(1)
        .take_while(|l| l.starts_with("        "))
        .map(|l| l.trim().split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        labels,
        [
            "_x",
            "B",
            "a2",
            "a02",
            "a10",
            "app",
            "security.istio.io/tlsMode",
            "service.istio.io/canonical-name",
            "service.istio.io/canonical-revision"
        ]
    );
}

#[test]
fn unrecognised_inject_values_are_reported() {
    let input = HELLO.replace(
        "        app: hello\n    spec:",
        "        app: hello\n        sidecar.istio.io/inject: \"maybe\"\n    spec:",
    );
    let out = run(&input);
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert!(out.warnings[0].contains(r#""maybe""#), "{:?}", out.warnings);
    assert!(out.text.contains("istio-proxy"));
}

// A raw line separator in quoted input is a YAML line break: go-yaml drops the blanks before
// it and keeps the separator itself, and a raw NEL folds to a space. Escaped, both survive.
#[test]
fn raw_yaml_line_breaks_in_quoted_input_fold_as_in_go_yaml() {
    let note = |text: &str| {
        let doc = format!(
            "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"x\", \"annotations\": {{\"note\": \"{text}\"}}}}}}"
        );
        yaml_to_json(&doc).unwrap_or_else(|e| panic!("{e}"))["metadata"]["annotations"]["note"]
            .clone()
    };
    assert_eq!(note(" \u{2028}b"), json!("\u{2028}b"));
    assert_eq!(note("a\u{85}b"), json!("a b"));
    assert_eq!(note(" \\u2028b"), json!(" \u{2028}b"));
    assert_eq!(note("a\\u0085b"), json!("a\u{85}b"));
}
