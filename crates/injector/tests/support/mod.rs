//! Reading Istio's conformance data set (`../shared/istio-conformance`, or
//! `$ISTIO_CONFORMANCE_DIR`) and building a case's injector, shared by the conformance tests.

#![allow(dead_code)] // each test binary uses its own subset

use injector::config::{InjectorConfig, MeshConfig, Values};
use injector::render::StockTemplates;
use injector::{Injector, Mode, Options};
use istio_conformance::deep_merge;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn yaml(text: &str) -> Result<Value, String> {
    serde_yaml_ng::from_str::<Value>(text).map_err(|e| e.to_string())
}

/// Which renderer a run uses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Rendering {
    /// The builtin renderer (no template text in the config).
    Builtin,
    /// The Go-template renderer over the chart's templates (`base/injector-config.yaml` plus
    /// the case's `templates`), every one of them, the chart's own text included.
    IstioTemplates,
    /// The same config as users run it: the chart's own templates recognised and rendered by
    /// the builtin renderer, the case's others by the Go-template renderer.
    StockRecognized,
}

pub fn injector_config(
    dir: &Path,
    case: &Value,
    rendering: Rendering,
) -> Result<InjectorConfig, String> {
    if rendering == Rendering::Builtin {
        return Ok(InjectorConfig::builtin());
    }
    let mut config = yaml(&read(&dir.join("base/injector-config.yaml"))?)?;
    if let Some(templates) = case.get("templates") {
        deep_merge(&mut config, &json!({ "templates": templates }));
    }
    InjectorConfig::from_json(config).map_err(|e| e.to_string())
}

/// The injector of a case (`case.yaml` parsed) for one of Istio's entry points: the webhook
/// runs with revision `default`, kube-inject with `""`.
pub fn injector_for(
    dir: &Path,
    case: &Value,
    rendering: Rendering,
    mode: Mode,
) -> Result<Injector, String> {
    let mut values: Value =
        serde_json::from_str(&read(&dir.join("base/values.json"))?).map_err(|e| e.to_string())?;
    if let Some(overlay) = case.get("values") {
        deep_merge(&mut values, overlay);
    }
    let mut mesh = yaml(&read(&dir.join("base/mesh.yaml"))?)?;
    if let Some(overlay) = case.get("mesh") {
        deep_merge(&mut mesh, overlay);
    }
    let options = Options {
        revision: match mode {
            Mode::Webhook => "default".into(),
            Mode::KubeInject => String::new(),
        },
        native_sidecars: case
            .get("nativeSidecars")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        compliance_policy: case
            .get("compliancePolicy")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        openshift: case.get("platform").and_then(Value::as_str) == Some("openshift"),
        mode,
        proxy_envs: Default::default(),
        stock_templates: match rendering {
            Rendering::IstioTemplates => StockTemplates::Engine,
            Rendering::Builtin | Rendering::StockRecognized => StockTemplates::Builtin,
        },
    };
    Injector::new(
        injector_config(dir, case, rendering)?,
        Values::from_json(values).map_err(|e| e.to_string())?,
        MeshConfig::from_json(mesh).map_err(|e| e.to_string())?,
        options,
    )
    .map_err(|e| e.to_string())
}

/// The case directories, sorted by name, with their parsed `case.yaml`.
pub fn case_dirs(dir: &Path) -> Result<Vec<(PathBuf, Value)>, String> {
    istio_conformance::case_dirs(dir)
        .into_iter()
        .filter(|path| path.join("case.yaml").exists())
        .map(|path| {
            let case = yaml(&read(&path.join("case.yaml"))?)?;
            Ok((path, case))
        })
        .collect()
}

/// The case's `modes` include `mode`.
pub fn runs_in(case: &Value, mode: &str) -> bool {
    case.get("modes")
        .and_then(Value::as_array)
        .is_some_and(|m| m.iter().any(|m| m == mode))
}

/// A floor file of this crate's conformance tests.
pub fn floor(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
}

/// The cases on the `suite` floor of `file`.
pub fn floor_cases(file: &str, suite: &str) -> std::collections::BTreeSet<String> {
    let floor = istio_conformance::Floor::load(&floor(file)).unwrap_or_else(|e| panic!("{e}"));
    floor
        .suites
        .get(suite)
        .map(|entry| entry.cases.clone())
        .unwrap_or_default()
}
