//! The conformance floor: per renderer, the cases known to pass (and to re-inject without
//! change). A run fails when one of them stops passing; cases not yet on the floor never fail
//! a run. `--update-floor` records the current run.
//!
//! File shape (`e2e-tests/conformance-floor.json`):
//! `{"builtin": {"passed": 2, "cases": ["a", "b"], "idempotent": ["a"]}, "templates": {…}}`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::runner::{RendererReport, Verdict};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Floor {
    pub renderers: BTreeMap<String, RendererFloor>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RendererFloor {
    /// The number of `cases`, for people reading the file.
    pub passed: usize,
    /// Cases whose webhook injection equals Istio's golden.
    pub cases: BTreeSet<String>,
    /// Cases whose injected pods, submitted again, are left unchanged.
    #[serde(default)]
    pub idempotent: BTreeSet<String>,
}

/// A case on the floor that no longer passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regression {
    pub renderer: String,
    pub check: &'static str,
    pub case: String,
    pub now: String,
}

impl fmt::Display for Regression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}({}) {} no longer passes: {}",
            self.check, self.renderer, self.case, self.now
        )
    }
}

impl Floor {
    /// Reads the floor; a missing file is an empty floor.
    pub fn load(path: &Path) -> Result<Floor, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Floor::default()),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let floor: Floor =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for (renderer, entry) in &floor.renderers {
            if entry.passed != entry.cases.len() {
                return Err(format!(
                    "{}: {renderer}.passed is {} but {} cases are listed",
                    path.display(),
                    entry.passed,
                    entry.cases.len()
                ));
            }
        }
        Ok(floor)
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut text =
            serde_json::to_string_pretty(self).map_err(|e| format!("{}: {e}", path.display()))?;
        text.push('\n');
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Floor cases that ran in `reports` and did not pass.
    pub fn regressions(&self, reports: &[RendererReport]) -> Vec<Regression> {
        let mut out = Vec::new();
        for report in reports {
            let renderer = report.renderer.name();
            let Some(entry) = self.renderers.get(renderer) else {
                continue;
            };
            for case in &report.cases {
                if entry.cases.contains(&case.name) && !case.verdict.passed() {
                    out.push(Regression {
                        renderer: renderer.to_string(),
                        check: "conformance",
                        case: case.name.clone(),
                        now: describe(Some(&case.verdict)),
                    });
                }
                let idempotent = case.idempotency.as_ref().is_some_and(Verdict::passed);
                if entry.idempotent.contains(&case.name) && !idempotent {
                    out.push(Regression {
                        renderer: renderer.to_string(),
                        check: "idempotency",
                        case: case.name.clone(),
                        now: describe(case.idempotency.as_ref()),
                    });
                }
            }
        }
        out
    }

    /// Records the outcome of the cases that ran; cases and renderers that did not run keep
    /// their entries.
    pub fn update(&mut self, reports: &[RendererReport]) {
        for report in reports {
            let entry = self
                .renderers
                .entry(report.renderer.name().to_string())
                .or_default();
            for case in &report.cases {
                set(&mut entry.cases, &case.name, case.verdict.passed());
                let idempotent = case.idempotency.as_ref().is_some_and(Verdict::passed);
                set(&mut entry.idempotent, &case.name, idempotent);
            }
            entry.passed = entry.cases.len();
        }
    }
}

fn set(names: &mut BTreeSet<String>, name: &str, member: bool) {
    if member {
        names.insert(name.to_string());
    } else {
        names.remove(name);
    }
}

fn describe(verdict: Option<&Verdict>) -> String {
    match verdict {
        None => "not run".into(),
        Some(Verdict::Pass) => "passed".into(),
        Some(Verdict::Skip(reason)) => format!("skipped ({reason})"),
        Some(Verdict::Fail(problems)) => {
            let first = problems
                .first()
                .map(|p| p.message.as_str())
                .unwrap_or_default();
            format!("failed ({first})")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::runner::{CaseReport, Problem};
    use crate::conformance::settings::Renderer;

    fn report(cases: &[(&str, Verdict, Option<Verdict>)]) -> RendererReport {
        RendererReport {
            renderer: Renderer::Builtin,
            cases: cases
                .iter()
                .map(|(name, verdict, idempotency)| CaseReport {
                    name: (*name).into(),
                    verdict: verdict.clone(),
                    idempotency: idempotency.clone(),
                })
                .collect(),
        }
    }

    fn failed() -> Verdict {
        Verdict::Fail(vec![Problem {
            document: None,
            message: "3 differences from the golden".into(),
            differences: vec![],
        }])
    }

    #[test]
    fn only_floor_cases_that_stop_passing_are_regressions() {
        let mut floor = Floor::default();
        floor.update(&[report(&[
            ("a", Verdict::Pass, Some(Verdict::Pass)),
            ("b", Verdict::Pass, Some(failed())),
            ("c", failed(), None),
        ])]);
        let entry = &floor.renderers["builtin"];
        assert_eq!(entry.passed, 2);
        assert_eq!(entry.idempotent, BTreeSet::from(["a".to_string()]));

        let now = [report(&[
            ("a", failed(), Some(Verdict::Pass)),
            ("b", Verdict::Pass, Some(failed())),
            ("c", Verdict::Pass, Some(Verdict::Pass)),
        ])];
        let regressions = floor.regressions(&now);
        assert_eq!(
            regressions
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            vec!["conformance(builtin) a no longer passes: failed (3 differences from the golden)"]
        );
        let skipped = [report(&[("a", Verdict::Skip("why".into()), None)])];
        assert_eq!(floor.regressions(&skipped).len(), 2);
    }

    #[test]
    fn update_keeps_cases_that_did_not_run() {
        let mut floor = Floor::default();
        floor.update(&[report(&[
            ("a", Verdict::Pass, None),
            ("b", Verdict::Pass, None),
        ])]);
        floor.update(&[report(&[("b", failed(), None)])]);
        assert_eq!(
            floor.renderers["builtin"].cases,
            BTreeSet::from(["a".to_string()])
        );
        assert_eq!(floor.renderers["builtin"].passed, 1);
    }

    #[test]
    fn the_file_round_trips_and_is_checked() {
        let dir = std::env::temp_dir().join(format!("floor-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("floor.json");
        assert_eq!(Floor::load(&path).unwrap(), Floor::default());
        let mut floor = Floor::default();
        floor.update(&[report(&[("a", Verdict::Pass, Some(Verdict::Pass))])]);
        floor.save(&path).unwrap();
        assert_eq!(Floor::load(&path).unwrap(), floor);
        std::fs::write(&path, r#"{"builtin": {"passed": 3, "cases": ["a"]}}"#).unwrap();
        let error = Floor::load(&path).unwrap_err();
        assert!(error.contains("builtin.passed is 3"), "{error}");
        std::fs::write(
            &path,
            r#"{"builtin": {"passed": 0, "cases": [], "extra": 1}}"#,
        )
        .unwrap();
        assert!(Floor::load(&path).unwrap_err().contains("extra"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
