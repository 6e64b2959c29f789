//! Istio's conformance data set on disk: `base/` (the default injector settings) and
//! `cases/<name>/{input.yaml,want.yaml,case.yaml}` (see the data set's README).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

/// The three default configuration strings every case starts from.
#[derive(Debug, Clone)]
pub struct Base {
    /// `base/values.json`: the `values` of ConfigMap `istio-sidecar-injector`.
    pub values: Value,
    /// `base/mesh.yaml`, parsed: the `mesh` of ConfigMap `istio`.
    pub mesh: Value,
    /// `base/injector-config.yaml` verbatim: the `config` of ConfigMap `istio-sidecar-injector`.
    pub injector_config: String,
}

/// `case.yaml`: how one case's settings differ from [`Base`]. Fields the runner does not use
/// (`upstream`, `notes`, `settingsKind` …) are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CaseSpec {
    /// `kube-inject` and/or `webhook`.
    pub modes: Vec<String>,
    /// Overlay deep-merged into `base/values.json`.
    pub values: Option<Value>,
    /// Overlay deep-merged into `base/mesh.yaml`.
    pub mesh: Option<Value>,
    /// Templates added to (or replacing those of) `config.templates`.
    pub templates: BTreeMap<String, String>,
    pub native_sidecars: Option<bool>,
    /// `openshift` when istiod runs with `PLATFORM=openshift`.
    pub platform: Option<String>,
    pub compliance_policy: Option<String>,
    pub cluster: ClusterSpec,
    /// Error case: the injector must fail with a message containing this (case-insensitive).
    pub expect_error: Option<String>,
    /// kube-inject cases: a line istioctl logs to stderr.
    pub expect_log: Option<String>,
}

impl CaseSpec {
    /// Whether `modes` lists `mode` (`webhook`, `kube-inject`).
    pub fn runs_in(&self, mode: &str) -> bool {
        self.modes.iter().any(|m| m == mode)
    }
}

/// What the fake cluster of the case holds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ClusterSpec {
    pub namespaces: Vec<NamespaceSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NamespaceSpec {
    pub name: String,
    pub labels: Map<String, Value>,
    pub annotations: Map<String, Value>,
}

impl NamespaceSpec {
    /// The Namespace object a cluster would return for it.
    pub fn to_object(&self) -> Value {
        let mut metadata = Map::new();
        metadata.insert("name".into(), Value::String(self.name.clone()));
        if !self.labels.is_empty() {
            metadata.insert("labels".into(), Value::Object(self.labels.clone()));
        }
        if !self.annotations.is_empty() {
            metadata.insert(
                "annotations".into(),
                Value::Object(self.annotations.clone()),
            );
        }
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": metadata})
    }
}

/// One case, read.
#[derive(Debug, Clone)]
pub struct Case {
    /// The directory name (the case id).
    pub name: String,
    pub spec: CaseSpec,
    /// `input.yaml`.
    pub input: String,
    /// `want.yaml`; absent for error cases.
    pub want: Option<String>,
}

impl Case {
    pub fn runs_in_webhook_mode(&self) -> bool {
        self.spec.runs_in("webhook")
    }

    /// The Namespace objects the case's cluster answers `get_resource` with.
    pub fn namespace_fixtures(&self) -> Vec<Value> {
        self.spec
            .cluster
            .namespaces
            .iter()
            .map(NamespaceSpec::to_object)
            .collect()
    }
}

/// The whole data set. A case directory that cannot be read is kept in `broken` (name, error)
/// so that it is reported as a failure instead of hiding the others.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub root: PathBuf,
    pub base: Base,
    pub cases: Vec<Case>,
    pub broken: Vec<(String, String)>,
}

impl Dataset {
    /// Reads `base/` and every `cases/*/`, sorted by name.
    pub fn load(root: &Path) -> Result<Dataset, String> {
        let base_dir = root.join("base");
        let values_text = read(&base_dir.join("values.json"))?;
        let values = serde_json::from_str(&values_text)
            .map_err(|e| format!("{}: {e}", base_dir.join("values.json").display()))?;
        let mesh_text = read(&base_dir.join("mesh.yaml"))?;
        let mesh = parse_yaml(&mesh_text, &base_dir.join("mesh.yaml"))?;
        let injector_config = read(&base_dir.join("injector-config.yaml"))?;

        let cases_dir = root.join("cases");
        let entries =
            std::fs::read_dir(&cases_dir).map_err(|e| format!("{}: {e}", cases_dir.display()))?;
        let mut dirs = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.is_dir())
            .collect::<Vec<_>>();
        dirs.sort();
        let mut cases = Vec::with_capacity(dirs.len());
        let mut broken = Vec::new();
        for dir in dirs {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match load_case(&dir, &name) {
                Ok(case) => cases.push(case),
                Err(error) => broken.push((name, error)),
            }
        }
        Ok(Dataset {
            root: root.to_path_buf(),
            base: Base {
                values,
                mesh,
                injector_config,
            },
            cases,
            broken,
        })
    }

    /// `cases/<name>`, for tools that read the case's files themselves.
    pub fn case_dir(&self, name: &str) -> PathBuf {
        self.root.join("cases").join(name)
    }

    /// Whether a case of this name exists (readable or not).
    pub fn has_case(&self, name: &str) -> bool {
        self.cases.iter().any(|c| c.name == name) || self.broken.iter().any(|(n, _)| n == name)
    }
}

/// The case directories under `root/cases`, sorted by name, for tests that read a case's
/// files themselves.
pub fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("cases"))
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The `templates:` of `base/injector-config.yaml` as (name, text), in file order.
pub fn chart_templates(root: &Path) -> Result<Vec<(String, String)>, String> {
    let path = root.join("base/injector-config.yaml");
    let text = read(&path)?;
    let config: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let templates = config
        .get("templates")
        .and_then(serde_yaml_ng::Value::as_mapping)
        .ok_or_else(|| format!("{}: no templates map", path.display()))?;
    templates
        .iter()
        .map(|(name, text)| match (name.as_str(), text.as_str()) {
            (Some(name), Some(text)) => Ok((name.to_owned(), text.to_owned())),
            _ => Err(format!("{}: a template is not a string", path.display())),
        })
        .collect()
}

/// A case's `input.yaml` and `want.yaml`; `None` for error cases (no golden) and unreadable
/// cases.
pub fn input_and_want(case_dir: &Path) -> Option<(String, String)> {
    let input = std::fs::read_to_string(case_dir.join("input.yaml")).ok()?;
    let want = std::fs::read_to_string(case_dir.join("want.yaml")).ok()?;
    Some((input, want))
}

fn load_case(dir: &Path, name: &str) -> Result<Case, String> {
    let spec_path = dir.join("case.yaml");
    let spec_value = parse_yaml(&read(&spec_path)?, &spec_path)?;
    let spec: CaseSpec =
        serde_json::from_value(spec_value).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let input = read(&dir.join("input.yaml"))?;
    let want_path = dir.join("want.yaml");
    let want = if want_path.is_file() {
        Some(read(&want_path)?)
    } else {
        None
    };
    if want.is_none() && spec.expect_error.is_none() {
        return Err(format!(
            "{}: neither want.yaml nor expectError",
            dir.display()
        ));
    }
    Ok(Case {
        name: name.to_string(),
        spec,
        input,
        want,
    })
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse_yaml(text: &str, path: &Path) -> Result<Value, String> {
    serde_yaml_ng::from_str(text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_fixture_is_a_namespace_object() {
        let spec = NamespaceSpec {
            name: "test-ns".into(),
            labels: Map::new(),
            annotations: [(
                "openshift.io/sa.scc.uid-range".to_string(),
                Value::String("1000620000/10000".into()),
            )]
            .into_iter()
            .collect(),
        };
        assert_eq!(
            spec.to_object(),
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {
                "name": "test-ns",
                "annotations": {"openshift.io/sa.scc.uid-range": "1000620000/10000"}}})
        );
    }
}
