use super::*;
use crate::goyaml::decode::libyaml_yaml_to_json;
use crate::goyaml::emit::libyaml_to_yaml;
use crate::goyaml::emit::tests::json_value;
use proptest::prelude::*;
use serde_json::json;

/// Whatever the direct reader reads, the libyaml path reads the same; returns whether the
/// direct reader took the text.
fn agrees(text: &str) -> Result<bool, String> {
    match read(text) {
        Ok(value) => match libyaml_yaml_to_json(text) {
            Ok(want) if want == value => Ok(true),
            other => Err(format!("{text:?}\n  direct: {value}\n  libyaml: {other:?}")),
        },
        Err(Unsupported) => Ok(false),
    }
}

fn assert_agrees(text: &str) -> bool {
    match agrees(text) {
        Ok(taken) => taken,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn reads_what_kubectl_and_helm_write() {
    let text = "\
# a comment
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # trailing comment
  labels: {app: web, 'tier': \"front\"}
  annotations:
    a.b/c: \"false\"
    d: 'it''s'
    e: >-
      folded
      text

      more
    f: |
      line one
        indented

spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: app
        args: [\"--a=b\", -x, '1']
        ports:
        -   containerPort: 8080
            protocol: TCP
        -
          name: empty-first-line
      - name: b
        env: []
      volumes:
        - name: v
          emptyDir: {}
  flags: [yes, no, ~, 0x1F, 017, 1.5, 2001-12-14, null]
  empty:
  last: \"multi
    line\\
    \\x41 \\u00e9\"
";
    assert!(assert_agrees(text));
    let value = read(text).unwrap();
    assert_eq!(
        value["metadata"]["labels"],
        json!({"app": "web", "tier": "front"})
    );
    assert_eq!(
        value["metadata"]["annotations"]["e"],
        json!("folded text\nmore")
    );
    assert_eq!(
        value["spec"]["flags"],
        json!([true, false, null, 31, 15, 1.5, "2001-12-14", null])
    );
    assert_eq!(value["spec"]["last"], json!("multi lineA é"));
}

#[test]
fn leaves_the_rest_to_libyaml() {
    for text in [
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "%YAML 1.1\n---\na: 1\n",
        "? a\n: b\n",
        "<<: {a: 1}\n",
        "a: b\n  c\n",
        "a: 1\n---\nb: 2\n",
        "a: .inf\n",
        "a: \"\\0\"\n",
        "a:\tb\n",
        "a: é\n",
        "a: |2\n   x\n",
        "scalar\n",
        "a: b: c\n",
        "a: 1\n b: 2\n",
        "- - a\n",
        "~: a\n",
    ] {
        assert_eq!(read(text), Err(Unsupported), "{text:?}");
        let _ = assert_agrees(text);
    }
}

#[test]
fn block_scalars_follow_libyaml() {
    for text in [
        "a: |\n  x\n\n  y\n\n\nb: 1\n",
        "a: |-\n  x\n   \n  y\n",
        "a: |+\n  x\n\n",
        "a: >\n  x\n  y\n\n   z\n  w\n",
        "a: >+\n\n  x\n",
        "a: |\n     \n  x\n",
        "- |\n x\n- >-\n  y\n",
        "a:\n- |\n  x\n  y\nb: |\nc: 1\n",
        "a: |\n  # not a comment\n  x\n",
        "a: |\n  x",
    ] {
        let _ = assert_agrees(text);
    }
}

#[test]
fn flow_collections_over_several_lines() {
    let template = "\
metadata:
  annotations: {
    istio.io/rev: \"default\",
    kubectl.kubernetes.io/default-container: \"app\",  # why
  }
spec:
  initContainers:
  
  - name: istio-init
  
    args:
    -  \"1337\" 
    ports: [
      8080,
      'x', [a, b,], {},
    ]
";
    assert!(assert_agrees(template));
    for text in [
        "a: {\nb: 1}\n",
        "a: [\n]\n",
        "a: [x\n, y]\n",
        "a: [x, #c\n y]\n",
        "a: [x,\n#c\n y]\n",
        "- [a,\n  b]\n- c\n",
        "a: [1,\n---\n]\n",
        "a: {b: 1,,}\n",
        "a: {b:\n 1}\n",
        "a: [1,\n2]\n",
        "a:\n  b: [1,\n2]\n  c: d\n",
        "- [a,\nb]\n",
        "a: [1,\nb: 2]\n",
        "a: {x: 1,\n- y: 2}\n",
        "a: [\n...\n]\n",
    ] {
        let _ = assert_agrees(text);
    }
}

#[test]
fn quoted_scalars_fold_like_libyaml() {
    for text in [
        "a: 'x\n  y\n\n  z'\n",
        "a: \"x \\\n  y\"\n",
        "a: \"x\n\n\n  y  \"\n",
        "a: \"x\ny\"\nb: 1\n",
        "- 'a''b'\n- \"\\t\\\\\\\"\\/\\N\\_\\L\\P\"\n",
        "a: \"x\n---\n\"\n",
    ] {
        let _ = assert_agrees(text);
    }
}

/// Every YAML document of Istio's conformance cases and of this repository's examples.
#[test]
fn conformance_and_examples() {
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples"
    ))];
    match istio_dir() {
        Some(dir) => dirs.push(dir),
        None => eprintln!("skipped: ../shared/istio-conformance is not here"),
    }
    let (mut documents, mut taken) = (0, 0);
    for dir in dirs {
        for path in yaml_files(&dir) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for document in crate::kubeinject::split_documents(&text) {
                documents += 1;
                match agrees(document) {
                    Ok(true) => taken += 1,
                    Ok(false) => {}
                    Err(e) => panic!("{}: {e}", path.display()),
                }
            }
        }
    }
    eprintln!("{taken} of {documents} documents read directly");
    assert!(taken > 0);
}

fn istio_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("ISTIO_CONFORMANCE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/istio-conformance"
            ))
        });
    dir.is_dir().then_some(dir)
}

fn yaml_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(yaml_files(&path));
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
    out
}

/// Text in the shapes this reader handles, with the choices that change how libyaml reads
/// it: indentation widths, indentless sequences, every scalar style, comments, blank lines.
/// Returns the text and whether it is a block collection (which starts on its own line).
fn node(depth: u32) -> BoxedStrategy<(String, bool)> {
    let scalar = prop_oneof![
        "[a-z0-9~.-][a-z0-9 .:#/~'\"-]{0,8}",
        "'([a-z \n]|''){0,6}'",
        "\"([a-z \n]|\\\\[nt\"\\\\ ]|\\\\\n|\\\\x4[0-9]){0,6}\"",
        ("[|>][+-]?", "( {0,3}[a-z #]{0,4}\n){0,4}").prop_map(|(h, b)| format!("{h}\n{b}")),
        "\\[(([a-z0-9.-]{1,3}|\"[a-z ]{0,3}\"|'[a-z ]{0,3}'|\\{\\}|\\[ ?\\]), ?){0,3}[a-z0-9]{1,3}\\]",
        "\\{([a-z0-9]{1,3}: ([a-z0-9]{1,3}|\\[\\]|'[a-z]'), ){0,3}[a-z0-9]{1,3}: [a-z0-9]{1,3}\\}",
        Just("{}".to_string()),
        "\\{(\n {0,4}[a-z.]{1,3}: (\"[a-z]{0,2}\"|[a-z0-9]{1,2}),( #c)?){0,3}\n {0,3}\\}",
        "\\[(\n {0,4}([a-z0-9]{1,2}|'[a-z ]{0,2}'|\\{\\}|\\[a, ?b,?\\]),?){0,3}\n {0,3}\\]",
    ]
    .prop_map(|s| (s, false))
    .boxed();
    if depth == 0 {
        return scalar;
    }
    let child = node(depth - 1);
    let key = prop_oneof![
        "[a-z0-9-][a-z0-9 -]{0,3}",
        "'[a-z: ]{0,3}'",
        "\"[a-z: ]{0,3}\""
    ];
    prop_oneof![
        1 => scalar,
        2 => (
            prop::collection::vec((key, child.clone(), 0..3usize, any::<bool>()), 1..4),
            1..4usize,
            any::<bool>(),
        )
            .prop_map(|(entries, width, indentless)| {
                let mut out = String::new();
                for (key, (value, collection), blank, comment) in entries {
                    out.push_str(&format!("{key}:"));
                    if collection {
                        out.push('\n');
                        let width = if indentless && value.starts_with('-') { 0 } else { width };
                        out.push_str(&indent(&value, width));
                    } else {
                        out.push(' ');
                        out.push_str(&hang(&value, width));
                    }
                    out.push_str(&"\n".repeat(blank));
                    if comment {
                        out.push_str("  # c\n");
                    }
                }
                (out, true)
            }),
        2 => (prop::collection::vec(child, 1..4), 1..4usize).prop_map(|(items, width)| {
            let mut out = String::new();
            for (item, _) in items {
                out.push('-');
                if item.starts_with("- ") || item.starts_with("-\n") {
                    out.push('\n');
                    out.push_str(&indent(&item, width));
                } else {
                    out.push_str(&" ".repeat(width));
                    out.push_str(&hang(&item, width + 1));
                }
            }
            (out, true)
        }),
    ]
    .boxed()
}

/// The first line as it is, the others indented by `width`; ends with a line break.
fn hang(text: &str, width: usize) -> String {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    format!("{first}\n{}", indent(rest, width))
}

fn indent(text: &str, width: usize) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                format!("{}{line}\n", " ".repeat(width))
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// go-yaml's own output of any value reads back as the libyaml path reads it.
    #[test]
    fn go_yaml_text(v in json_value()) {
        if let Ok(text) = libyaml_to_yaml(&json!({"k": v, "l": [v]})) {
            agrees(&text).map_err(TestCaseError::fail)?;
        }
    }

    /// Hand-written shapes, whole and with a character inserted, removed or replaced.
    #[test]
    fn generated_and_mutated_text(
        (text, _) in node(3),
        at in any::<prop::sample::Index>(),
        edit in 0..4u8,
        with in prop::sample::select(vec![' ', '\n', '-', ':', '#', '\'', '"', '|', '>', '[', ']', '{', '}', ',', '\\', 'a']),
    ) {
        agrees(&text).map_err(TestCaseError::fail)?;
        let mut mutated = text.clone();
        if !mutated.is_empty() {
            let i = at.index(mutated.len());
            match edit {
                0 => mutated.insert(i, with),
                1 => { mutated.remove(i); }
                2 => mutated.replace_range(i..=i, &with.to_string()),
                _ => mutated.insert_str(0, "---\n"),
            }
        }
        agrees(&mutated).map_err(TestCaseError::fail)?;
    }
}

/// The generated text mostly stays inside what the direct reader takes, so the property
/// tests compare the two readers rather than watch it give up.
#[test]
fn generated_text_is_mostly_read_directly() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut taken = 0;
    for _ in 0..1000 {
        let (text, _) = node(3).new_tree(&mut runner).unwrap().current();
        if assert_agrees(&text) {
            taken += 1;
        }
    }
    assert!(taken > 300, "{taken} of 1000");
}

/// The reader recurses per level: at its depth limit it still fits a small stack (the wasm
/// policy's is 1 MiB), and deeper text goes to the libyaml path, which does not recurse.
#[test]
fn nesting_stays_within_a_small_stack() {
    let block = |levels: usize| {
        let mut text = String::new();
        for level in 0..levels {
            text.push_str(&" ".repeat(level * 2));
            text.push_str("- k:\n");
        }
        text
    };
    let flow = |levels: usize| format!("a: {}{}\n", "[".repeat(levels), "]".repeat(levels));
    let reader = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            assert!(read(&block(MAX_DEPTH / 2 - 1)).is_ok());
            assert!(read(&flow(MAX_DEPTH - 2)).is_ok());
            assert_eq!(read(&block(MAX_DEPTH * 10)), Err(Unsupported));
            assert_eq!(read(&flow(MAX_DEPTH * 10)), Err(Unsupported));
        })
        .unwrap();
    reader.join().unwrap();
    assert!(assert_agrees(&block(MAX_DEPTH / 2 - 1)));
    assert!(libyaml_yaml_to_json(&block(MAX_DEPTH * 2)).is_ok());
}

/// Whatever [`read_common`] reads, YAML 1.2's core schema (`serde_yaml_ng`, the configs'
/// reader) reads the same; returns whether it took the text.
fn agrees_with_yaml_1_2(text: &str) -> Result<bool, String> {
    match read_common(text) {
        Ok(value) => match serde_yaml_ng::from_str::<Value>(text) {
            Ok(want) if want == value => Ok(true),
            other => Err(format!(
                "{text:?}\n  direct: {value}\n  yaml 1.2: {other:?}"
            )),
        },
        Err(Unsupported) => Ok(false),
    }
}

#[test]
fn common_reading_leaves_what_the_schemas_read_apart() {
    for text in [
        "a: yes\n",
        "a: on\n",
        "a: 0777\n",
        "a: 1_000\n",
        "a: 0x1F\n",
        "a: 1.5\n",
        "a: -1\n",
        "a: .inf\n",
        "yes: a\n",
        "1: a\n",
        "a: 1\na: 2\n",
        "a: {b: 1, b: 2}\n",
        "a: [n, y]\n",
    ] {
        assert_eq!(read_common(text), Err(Unsupported), "{text:?}");
        assert!(read(text).is_ok() || text.contains(".inf"), "{text:?}");
    }
    for text in [
        "a: true\nb: [False, NULL, ~]\nc: 15012\nd: 0\n",
        "defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\ntrustDomain: cluster.local\n",
        "a: {x: 'yes', z: \"1.5\"}\nb:\n- infinity\n- nanny\n",
    ] {
        assert!(agrees_with_yaml_1_2(text).unwrap(), "{text:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The same hand-written shapes, with scalars the two schemas read apart mixed in, whole
    /// and mutated: the common reader agrees with YAML 1.2 or declines.
    #[test]
    fn common_reading_agrees_with_yaml_1_2(
        (text, _) in node(3),
        at in any::<prop::sample::Index>(),
        with in prop::sample::select(vec![
            "yes", "No", "on", "0777", "1_0", "0x1", "1.5", "-1", "+1", ".inf", "True", "NULL",
            "~", "12", "0", "1e3", "y", "a: a", "\n", " ", "#",
        ]),
    ) {
        agrees_with_yaml_1_2(&text).map_err(TestCaseError::fail)?;
        let mut mutated = text.clone();
        let i = at.index(mutated.len() + 1);
        if mutated.is_char_boundary(i) {
            mutated.insert_str(i, with);
        }
        agrees_with_yaml_1_2(&mutated).map_err(TestCaseError::fail)?;
    }
}
