//! The `kube-inject` binary, flag by flag, on small workloads.

mod support;

use std::path::Path;

use injector::config::Values;
use support::run;

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  namespace: shop
spec:
  replicas: 2
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
        image: fake.docker.io/hello:1.0
        ports:
        - containerPort: 80
";

const SERVICE: &str = "\
kind: Service
apiVersion: v1
metadata:
  name: hello   # a comment, kept
spec:
  selector:
    app: hello
  ports:
    - protocol: TCP
      port: 80
      targetPort:   http
";

/// A template of our own, to tell which template rendered the sidecar.
const TOY_TEMPLATE: &str = "\
metadata:
  annotations:
    toy.example.com/rendered: {{ .Values.global.hub | quote }}
spec:
  containers:
  - name: istio-proxy
    image: toy.example.com/proxy:{{ .Values.global.tag }}
";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn default_image() -> String {
    let values = Values::istio_defaults();
    format!("image: {}/proxyv2:{}", values.hub(), values.tag())
}

/// The `- name: istio-proxy` entry is under `containers:` (false) or `initContainers:` (true).
fn proxy_is_native(output: &str) -> bool {
    let proxy = output
        .find("name: istio-proxy")
        .expect("an istio-proxy container");
    let before = &output[..proxy];
    let init = before.rfind("initContainers:");
    let containers = before.rfind("\n      containers:");
    match (init, containers) {
        (Some(i), Some(c)) => i > c,
        (Some(_), None) => true,
        _ => false,
    }
}

#[test]
fn dash_reads_standard_input_and_writes_standard_output() {
    let result = run(&["-f", "-"], DEPLOYMENT, &[]).expect_ok();
    assert!(
        result.stdout.contains(&default_image()),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("sidecar.istio.io/status: '{"));
    assert!(result.stdout.contains("name: istio-init"));
    assert!(result.stdout.ends_with("---\n"));
    // kube-inject-mode deployment metadata: the workload's own name and namespace.
    assert!(
        result
            .stdout
            .contains("kubernetes://apis/apps/v1/namespaces/shop/deployments/hello")
    );
}

#[test]
fn without_configuration_files_istio_defaults_are_used_and_announced() {
    let result = run(&["-f", "-"], DEPLOYMENT, &[]).expect_ok();
    for flag in ["--injectConfigFile", "--valuesFile", "--meshConfigFile"] {
        assert!(
            result.stderr.contains(&format!("kube-inject: no {flag}")),
            "{flag} not announced:\n{}",
            result.stderr
        );
    }
}

#[test]
fn output_flag_writes_the_file_and_nothing_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "app.yaml", DEPLOYMENT);
    let output = dir.path().join("out.yaml");
    let result = run(
        &["-f", &input, "-o", &output.display().to_string()],
        "",
        &[],
    )
    .expect_ok();
    assert_eq!(result.stdout, "");
    let written = std::fs::read_to_string(&output).unwrap();
    let piped = run(&["-f", "-"], DEPLOYMENT, &[]).expect_ok().stdout;
    assert_eq!(written, piped);
}

#[test]
fn a_missing_file_fails_with_gos_wording_and_exit_status_1() {
    let result = run(&["-f", "/nonexistent/app.yaml"], "", &[]);
    assert_eq!(result.code, Some(1));
    assert_eq!(result.stdout, "");
    assert!(
        result
            .stderr
            .ends_with("Error: open /nonexistent/app.yaml: no such file or directory\n"),
        "{}",
        result.stderr
    );
    let result = run(
        &["-f", "-", "--meshConfigFile", "/nonexistent/mesh.yaml"],
        DEPLOYMENT,
        &[],
    );
    assert_eq!(result.code, Some(1));
    assert!(
        result
            .stderr
            .contains("Error: open /nonexistent/mesh.yaml: no such file or directory"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_missing_filename_flag_fails_with_istioctls_message() {
    let result = run(&[], "", &[]);
    assert_eq!(result.code, Some(1));
    assert_eq!(
        result.stderr,
        "Error: filename not specified (see --filename or -f)\n"
    );
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let result = run(&["-f", "-", "--no-such-flag"], DEPLOYMENT, &[]);
    assert_eq!(result.code, Some(2));
    assert!(
        result.stderr.contains("--no-such-flag"),
        "{}",
        result.stderr
    );
}

#[test]
fn undecodable_yaml_fails_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.yaml");
    let broken = format!("{SERVICE}---\napiVersion: apps/v1\nkind: Deployment\nspec: [\n");
    let result = run(
        &["-f", "-", "-o", &output.display().to_string()],
        &broken,
        &[],
    );
    assert_eq!(result.code, Some(1), "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("Error: error converting YAML to JSON: yaml: line "),
        "{}",
        result.stderr
    );
    assert!(
        !output.exists(),
        "a failed run must not leave a partial output"
    );
}

#[test]
fn invalid_injection_annotations_reject_the_workload() {
    let bad = DEPLOYMENT.replace(
        "      labels:\n        app: hello\n    spec:",
        "      annotations:\n        traffic.sidecar.istio.io/excludeOutboundPorts: \"bad\"\n      labels:\n        app: hello\n    spec:",
    );
    assert_ne!(bad, DEPLOYMENT);
    let result = run(&["-f", "-"], &bad, &[]);
    assert_eq!(result.code, Some(1));
    assert_eq!(result.stdout, "");
    assert!(
        result
            .stderr
            .to_lowercase()
            .contains("excludeoutboundports"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_service_is_echoed_byte_for_byte() {
    let input = format!("{SERVICE}---\n{DEPLOYMENT}");
    let result = run(&["-f", "-"], &input, &[]).expect_ok();
    assert!(
        result.stdout.starts_with(&format!("{SERVICE}---\n")),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("name: istio-proxy"));
}

#[test]
fn host_network_workloads_are_skipped_with_istios_warning() {
    let host = DEPLOYMENT.replace(
        "    spec:\n      containers:",
        "    spec:\n      hostNetwork: true\n      containers:",
    );
    let result = run(&["-f", "-"], &host, &[]).expect_ok();
    assert!(!result.stdout.contains("istio-proxy"));
    assert!(
        result.stderr.contains(
            "===> Skipping injection because Deployment \"shop/hello\" has host networking enabled"
        ),
        "{}",
        result.stderr
    );
}

#[test]
fn a_bare_template_and_a_whole_config_render_the_same_sidecar_template() {
    let dir = tempfile::tempdir().unwrap();
    let bare = write(dir.path(), "bare.tmpl", TOY_TEMPLATE);
    let indented = TOY_TEMPLATE
        .lines()
        .map(|line| format!("    {line}\n"))
        .collect::<String>();
    let config = write(
        dir.path(),
        "config.yaml",
        &format!("policy: enabled\ntemplates:\n  sidecar: |\n{indented}"),
    );
    let from_bare = run(&["-f", "-", "--injectConfigFile", &bare], DEPLOYMENT, &[]).expect_ok();
    let from_config = run(&["-f", "-", "--injectConfigFile", &config], DEPLOYMENT, &[]).expect_ok();
    let tag = Values::istio_defaults().tag();
    assert!(
        from_bare
            .stdout
            .contains(&format!("image: toy.example.com/proxy:{tag}")),
        "{}",
        from_bare.stdout
    );
    assert!(from_bare.stdout.contains("toy.example.com/rendered:"));
    assert!(!from_bare.stdout.contains("istio-init"));
    assert_eq!(from_bare.stdout, from_config.stdout);
    assert!(!from_bare.stderr.contains("no --injectConfigFile"));
    assert!(
        from_bare
            .stderr
            .contains("bare.tmpl: not an injector config with templates"),
        "{}",
        from_bare.stderr
    );
    assert!(!from_config.stderr.contains("not an injector config"));
}

#[test]
fn a_broken_template_file_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(dir.path(), "broken.tmpl", "spec: {{ if }}\n");
    let result = run(&["-f", "-", "--injectConfigFile", &broken], DEPLOYMENT, &[]);
    assert_eq!(result.code, Some(1));
    assert!(
        result
            .stderr
            .contains("Error: loading --injectConfigFile: "),
        "{}",
        result.stderr
    );
}

#[test]
fn values_and_mesh_files_reach_the_sidecar() {
    let dir = tempfile::tempdir().unwrap();
    let mut values = Values::istio_defaults().raw().clone();
    values["global"]["hub"] = "registry.example.com/istio".into();
    let values_file = write(dir.path(), "values.json", &values.to_string());
    let mesh_file = write(
        dir.path(),
        "mesh.yaml",
        "defaultConfig:\n  discoveryAddress: istiod.custom.svc:15012\n",
    );
    let result = run(
        &[
            "-f",
            "-",
            "--valuesFile",
            &values_file,
            "--meshConfigFile",
            &mesh_file,
        ],
        DEPLOYMENT,
        &[],
    )
    .expect_ok();
    let tag = Values::istio_defaults().tag();
    assert!(
        result
            .stdout
            .contains(&format!("image: registry.example.com/istio/proxyv2:{tag}")),
        "{}",
        result.stdout
    );
    // The mesh's defaultConfig reaches the proxy as PROXY_CONFIG (what differs from Istio's
    // built-in defaults).
    assert!(
        result
            .stdout
            .contains(r#"{"discoveryAddress":"istiod.custom.svc:15012"}"#),
        "{}",
        result.stdout
    );
}

#[test]
fn an_istio_operator_file_supplies_values_and_mesh() {
    let dir = tempfile::tempdir().unwrap();
    let iop = write(
        dir.path(),
        "iop.yaml",
        "apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  meshConfig:
    defaultConfig:
      discoveryAddress: istiod.from-iop.svc:15012
  values:
    global:
      hub: iop.example.com/istio
",
    );
    let result = run(&["-f", "-", "--operatorFileName", &iop], DEPLOYMENT, &[]).expect_ok();
    let tag = Values::istio_defaults().tag();
    assert!(
        result
            .stdout
            .contains(&format!("image: iop.example.com/istio/proxyv2:{tag}")),
        "{}",
        result.stdout
    );
    assert!(
        result
            .stdout
            .contains(r#"{"discoveryAddress":"istiod.from-iop.svc:15012"}"#)
    );
    assert!(
        result
            .stderr
            .contains("no --valuesFile: the IstioOperator's spec.values over"),
        "{}",
        result.stderr
    );
    assert!(
        !result.stderr.contains("no --meshConfigFile"),
        "{}",
        result.stderr
    );

    let not_iop = write(dir.path(), "deploy.yaml", DEPLOYMENT);
    let result = run(
        &["-f", "-", "--operatorFileName", &not_iop],
        DEPLOYMENT,
        &[],
    );
    assert_eq!(result.code, Some(1));
    assert!(result.stderr.contains("IstioOperator"), "{}", result.stderr);
}

#[test]
fn native_sidecars_follow_the_environment_and_the_flag_wins() {
    let off = run(&["-f", "-"], DEPLOYMENT, &[]).expect_ok();
    assert!(!proxy_is_native(&off.stdout), "{}", off.stdout);
    let auto = run(
        &["-f", "-"],
        DEPLOYMENT,
        &[("ENABLE_NATIVE_SIDECARS", "auto")],
    )
    .expect_ok();
    assert_eq!(auto.stdout, off.stdout);

    let on = run(
        &["-f", "-"],
        DEPLOYMENT,
        &[("ENABLE_NATIVE_SIDECARS", "true")],
    )
    .expect_ok();
    assert!(proxy_is_native(&on.stdout), "{}", on.stdout);
    assert!(on.stdout.contains("restartPolicy: Always"));

    let flag_on = run(&["-f", "-", "--native-sidecars"], DEPLOYMENT, &[]).expect_ok();
    assert_eq!(flag_on.stdout, on.stdout);
    let flag_off = run(
        &["-f", "-", "--native-sidecars=false"],
        DEPLOYMENT,
        &[("ENABLE_NATIVE_SIDECARS", "true")],
    )
    .expect_ok();
    assert_eq!(flag_off.stdout, off.stdout);

    let junk = run(
        &["-f", "-"],
        DEPLOYMENT,
        &[("ENABLE_NATIVE_SIDECARS", "maybe")],
    )
    .expect_ok();
    assert_eq!(junk.stdout, off.stdout);
    assert!(
        junk.stderr.contains("ENABLE_NATIVE_SIDECARS"),
        "{}",
        junk.stderr
    );
}

#[test]
fn the_compliance_policy_follows_the_environment_and_the_flag_wins() {
    let plain = run(&["-f", "-"], DEPLOYMENT, &[]).expect_ok();
    assert!(!plain.stdout.contains("COMPLIANCE_POLICY"));
    let env = run(
        &["-f", "-"],
        DEPLOYMENT,
        &[("COMPLIANCE_POLICY", "fips-140-3")],
    )
    .expect_ok();
    assert!(
        env.stdout
            .contains("- name: COMPLIANCE_POLICY\n          value: fips-140-3"),
        "{}",
        env.stdout
    );
    assert!(env.stdout.contains("value: fips140=only"));
    let flag = run(
        &["-f", "-", "--compliance-policy", "fips-140-3"],
        DEPLOYMENT,
        &[("COMPLIANCE_POLICY", "")],
    )
    .expect_ok();
    assert_eq!(flag.stdout, env.stdout);
}

#[test]
fn the_revision_flag_names_the_revision_and_default_means_none() {
    let canary = run(&["-f", "-", "-r", "canary"], DEPLOYMENT, &[]).expect_ok();
    assert!(
        canary.stdout.contains("istio.io/rev: canary"),
        "{}",
        canary.stdout
    );
    let default = run(&["-f", "-", "--revision", "default"], DEPLOYMENT, &[]).expect_ok();
    let none = run(&["-f", "-"], DEPLOYMENT, &[]).expect_ok();
    assert_eq!(default.stdout, none.stdout);
    assert!(none.stdout.contains("istio.io/rev: default"));
}

#[test]
fn re_injecting_the_output_changes_nothing() {
    let once = run(&["-f", "-"], DEPLOYMENT, &[]).expect_ok();
    let twice = run(&["-f", "-"], &once.stdout, &[]).expect_ok();
    assert_eq!(twice.stdout, once.stdout);
}

#[test]
fn long_help_shows_the_configmap_commands_and_examples() {
    let help = run(&["--help"], "", &[]).expect_ok();
    for text in [
        "-f, --filename <FILE>",
        "--injectConfigFile <FILE>",
        "--operatorFileName <FILE>",
        "ENABLE_NATIVE_SIDECARS",
        "kubectl -n istio-system get configmap istio-sidecar-injector -o=jsonpath='{.data.config}' > inject-config.yaml",
        "kubectl get deployment -o yaml | kube-inject -f - | kubectl apply -f -",
    ] {
        assert!(
            help.stdout.contains(text),
            "missing {text:?} in\n{}",
            help.stdout
        );
    }
}

/// `count` Deployments named `app-<i>`, a Service after every tenth.
fn many(count: usize, edit: impl Fn(usize, String) -> String) -> String {
    let mut text = String::new();
    for i in 0..count {
        let deployment = DEPLOYMENT.replace("name: hello\n", &format!("name: app-{i}\n"));
        text.push_str(&edit(i, deployment));
        text.push_str("---\n");
        if i % 10 == 9 {
            text.push_str(SERVICE);
            text.push_str("---\n");
        }
    }
    text
}

#[test]
fn parallel_injection_writes_what_one_worker_writes() {
    let host_network = |i: usize, d: String| {
        if i % 7 == 3 {
            d.replace(
                "    spec:\n      containers:",
                "    spec:\n      hostNetwork: true\n      containers:",
            )
        } else {
            d
        }
    };
    let input = many(300, host_network);
    let one = run(&["-f", "-", "-j", "1"], &input, &[]).expect_ok();
    let four = run(&["-f", "-", "--jobs", "4"], &input, &[]).expect_ok();
    assert_eq!(one.stdout, four.stdout);
    assert_eq!(one.stdout.matches("name: istio-proxy").count(), 300 - 43);
    assert_eq!(one.stdout.matches(SERVICE).count(), 30);
    // Warnings in input order, whoever injected the document.
    assert_eq!(one.stderr, four.stderr);
    assert!(one.stderr.contains("\"shop/app-3\" has host networking"));
    let first = one.stderr.find("shop/app-3\"").unwrap();
    let later = one.stderr.find("shop/app-297\"").unwrap();
    assert!(first < later);
}

#[test]
fn the_first_bad_document_in_input_order_fails_a_parallel_run() {
    let bad = |i: usize, d: String| {
        if i == 150 || i == 250 {
            d.replace(
                "      labels:\n        app: hello\n    spec:",
                "      annotations:\n        traffic.sidecar.istio.io/excludeOutboundPorts: \"bad\"\n      labels:\n        app: hello\n    spec:",
            )
        } else {
            d
        }
    };
    let input = many(300, bad);
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.yaml");
    std::fs::write(&output, "previous\n").unwrap();
    let out = output.display().to_string();
    let one = run(&["-f", "-", "-j", "1", "-o", &out], &input, &[]);
    let four = run(&["-f", "-", "-j", "4", "-o", &out], &input, &[]);
    assert_eq!(one.code, Some(1));
    assert_eq!(four.code, Some(1));
    assert_eq!(one.stderr, four.stderr);
    assert!(one.stderr.contains("app-150"), "{}", one.stderr);
    assert!(!one.stderr.contains("app-250"), "{}", one.stderr);
    // The previous output is left as it was, and no staging file is left behind.
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "previous\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn stock_templates_take_builtin_or_engine() {
    let result = run(&["-f", "-", "--stock-templates", "native"], DEPLOYMENT, &[]);
    assert_eq!(result.code, Some(2));
    assert!(
        result.stderr.contains("--stock-templates"),
        "{}",
        result.stderr
    );
    // Without --injectConfigFile there is no template text: both inject the built-in sidecar.
    let builtin = run(
        &["-f", "-", "--stock-templates", "builtin"],
        DEPLOYMENT,
        &[],
    );
    let engine = run(&["-f", "-", "--stock-templates", "engine"], DEPLOYMENT, &[]);
    assert_eq!(builtin.code, Some(0), "{}", builtin.stderr);
    assert_eq!(builtin.stdout, engine.stdout);
    assert!(builtin.stdout.contains("istio-proxy"));
}

#[test]
fn jobs_must_be_a_positive_number() {
    let result = run(&["-f", "-", "-j", "0"], DEPLOYMENT, &[]);
    assert_eq!(result.code, Some(2));
}

#[test]
fn the_readme_shows_the_help_the_binary_prints() {
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let section = readme
        .split_once("### `kube-inject --help`")
        .map(|(_, rest)| rest)
        .expect("the README has a kube-inject --help section");
    let shown = section
        .split_once("```text\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .map(|(block, _)| block)
        .expect("the section holds a text block");
    let help = run(&["--help"], "", &[]);
    assert_eq!(
        shown,
        help.stdout.trim_end_matches('\n'),
        "README.md's kube-inject --help block is out of date"
    );
}

const PROXY_CONFIGS: &str = "\
apiVersion: v1
kind: List
items:
- apiVersion: networking.istio.io/v1beta1
  kind: ProxyConfig
  metadata: {name: mesh-wide, namespace: istio-system, creationTimestamp: '2025-01-01T00:00:00Z'}
  spec:
    environmentVariables: {LEVEL: root, FROM_ROOT: '1'}
- apiVersion: networking.istio.io/v1beta1
  kind: ProxyConfig
  metadata: {name: shop-wide, namespace: shop, creationTimestamp: '2025-01-02T00:00:00Z'}
  spec:
    environmentVariables: {LEVEL: namespace}
- apiVersion: networking.istio.io/v1beta1
  kind: ProxyConfig
  metadata: {name: hello, namespace: shop, creationTimestamp: '2025-01-03T00:00:00Z'}
  spec:
    selector: {matchLabels: {app: hello}}
    image: {imageType: distroless}
";

#[test]
fn proxy_config_files_apply_like_istiods_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let configs = write(dir.path(), "proxyconfigs.yaml", PROXY_CONFIGS);
    let out = run(&["-f", "-", "--proxyConfigFile", &configs], DEPLOYMENT, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    // The workload resource of namespace `shop` selects app=hello: distroless image.
    assert!(out.stdout.contains("proxyv2:"), "{}", out.stdout);
    assert!(out.stdout.contains("-distroless\n"), "{}", out.stdout);
    // The namespace's resource wins over the root namespace's; both merge key by key.
    assert!(
        out.stdout
            .contains("- name: LEVEL\n          value: namespace"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("- name: FROM_ROOT\n          value: \"1\""),
        "{}",
        out.stdout
    );

    // Another namespace gets only the root namespace's.
    let elsewhere = DEPLOYMENT.replace("namespace: shop", "namespace: other");
    let out = run(&["-f", "-", "--proxyConfigFile", &configs], &elsewhere, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(!out.stdout.contains("-distroless"), "{}", out.stdout);
    assert!(
        out.stdout.contains("- name: LEVEL\n          value: root"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_broken_proxy_config_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let configs = write(
        dir.path(),
        "bad.yaml",
        "kind: ProxyConfig\nmetadata: {name: x, namespace: shop}\nspec: {concurrency: many}\n",
    );
    let out = run(&["-f", "-", "--proxyConfigFile", &configs], DEPLOYMENT, &[]);
    assert_eq!(out.code, Some(1));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("--proxyConfigFile"), "{}", out.stderr);
    assert!(out.stderr.contains("ProxyConfig shop/x"), "{}", out.stderr);
}

const CHECK_POD: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: nginx}]}
";

/// The row of `webhook` in check-inject's table: (injected mark, reason).
fn check_row(table: &str, webhook: &str) -> (String, String) {
    let line = table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(webhook))
        .unwrap_or_else(|| panic!("no row {webhook} in\n{table}"));
    let cells: Vec<&str> = line.split_whitespace().collect();
    (cells[2].to_string(), cells[3..].join(" "))
}

#[test]
fn check_inject_explains_four_pods_as_istioctl_would() {
    let namespace = "clusterwide-istio-injector-namespace";
    let object = "clusterwide-istio-injector-object";
    let enabled = [
        "check-inject",
        "-f",
        "-",
        "--namespace-labels",
        "istio-injection=enabled",
    ];

    let out = run(&enabled, CHECK_POD, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.starts_with("WEBHOOK "), "{}", out.stdout);
    assert!(
        out.stdout
            .lines()
            .next()
            .unwrap()
            .contains("REVISION  INJECTED  REASON")
    );
    assert_eq!(
        check_row(&out.stdout, namespace),
        (
            "✔".into(),
            "Namespace label istio-injection=enabled matches".into()
        )
    );
    assert_eq!(out.stdout.matches('✔').count(), 1, "{}", out.stdout);

    let opted_out = CHECK_POD.replace("app: web}", "app: web, sidecar.istio.io/inject: 'false'}");
    let out = run(&enabled, &opted_out, &[]);
    assert_eq!(
        check_row(&out.stdout, namespace),
        (
            "✘".into(),
            "Pod has sidecar.istio.io/inject=false label, preventing injection".into()
        )
    );

    let opted_in = CHECK_POD.replace("app: web}", "app: web, sidecar.istio.io/inject: 'true'}");
    let out = run(&["check-inject", "-f", "-"], &opted_in, &[]);
    assert_eq!(
        check_row(&out.stdout, object),
        (
            "✔".into(),
            "Pod label sidecar.istio.io/inject=true matches".into()
        )
    );

    let host_network =
        CHECK_POD.replace("spec: {containers", "spec: {hostNetwork: true, containers");
    let out = run(&enabled, &host_network, &[]);
    assert_eq!(
        check_row(&out.stdout, namespace),
        (
            "✘".into(),
            "Namespace label istio-injection=enabled matches, but host networking enabled".into()
        )
    );
    assert!(!out.stdout.contains('✔'), "{}", out.stdout);
}

#[test]
fn check_inject_reads_the_policies_and_config_given() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let lookup = root.join("examples/policies/lookup-mode.yaml");
    let lookup = lookup.to_str().unwrap();
    let out = run(
        &[
            "check-inject",
            "-f",
            "-",
            "--policies",
            lookup,
            "--namespace-labels",
            "istio.io/rev=default",
        ],
        CHECK_POD,
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        check_row(&out.stdout, "clusterwide-istio-sidecar-injector"),
        (
            "✔".into(),
            "Namespace label istio.io/rev=default matches".into()
        )
    );

    // injectRequired with the injector config's policy: disabled unless the pod asks.
    let dir = tempfile::tempdir().unwrap();
    // A whole injector config (with templates: a file without is a bare template).
    let config = write(
        dir.path(),
        "config.yaml",
        "policy: disabled\ntemplates:\n  sidecar: |\n    spec: {}\n",
    );
    let out = run(
        &[
            "check-inject",
            "-f",
            "-",
            "--injectConfigFile",
            &config,
            "--namespace-labels",
            "istio-injection=enabled",
        ],
        CHECK_POD,
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        check_row(&out.stdout, "clusterwide-istio-injector-namespace").1,
        "Namespace label istio-injection=enabled matches, but injection policy disabled"
    );

    let out = run(
        &["check-inject", "-f", "-", "--namespace-labels", "=nonsense"],
        CHECK_POD,
        &[],
    );
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("--namespace-labels"), "{}", out.stderr);
}

/// `kube-inject -f app.yaml | head`: the reader going away is no error, as for ripgrep.
#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "app.yaml",
        &format!("{DEPLOYMENT}---\n").repeat(50),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_kube-inject"))
        .args(["-f", &input])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before kube-inject writes anything.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("Error"), "{stderr}");
}
