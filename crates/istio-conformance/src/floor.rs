//! The conformance floor: per suite (a renderer, an entry point), the cases known to pass
//! (and to re-inject without change). A run fails when one of them stops passing; cases not
//! yet on the floor never fail a run. One switch records a run for every suite:
//! `UPDATE_CONFORMANCE=1` ([`UPDATE_ENV`]).
//!
//! File shape (`conformance-floor.json` beside each suite):
//! `{"builtin": {"passed": 2, "cases": ["a", "b"], "idempotent": ["a"]}, "templates": {…}}`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Set to `1` to rewrite the floors from the current run instead of checking them.
pub const UPDATE_ENV: &str = "UPDATE_CONFORMANCE";

/// Whether this run records the floors ([`UPDATE_ENV`] is `1`).
pub fn updating() -> bool {
    std::env::var_os(UPDATE_ENV).is_some_and(|value| value == "1")
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Floor {
    pub suites: BTreeMap<String, SuiteFloor>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuiteFloor {
    /// The number of `cases`, for people reading the file.
    pub passed: usize,
    /// Cases whose injection equals Istio's golden.
    pub cases: BTreeSet<String>,
    /// Cases whose injected pods, submitted again, are left unchanged (suites that check it).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub idempotent: BTreeSet<String>,
}

/// How one check of one case went.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Passed,
    Failed(String),
    Skipped(String),
}

impl Verdict {
    pub fn passed(&self) -> bool {
        *self == Verdict::Passed
    }

    fn describe(verdict: Option<&Verdict>) -> String {
        match verdict {
            None => "not run".into(),
            Some(Verdict::Passed) => "passed".into(),
            Some(Verdict::Skipped(reason)) => format!("skipped ({reason})"),
            Some(Verdict::Failed(why)) => format!("failed ({why})"),
        }
    }
}

/// One case of one suite's run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub case: String,
    pub verdict: Verdict,
    /// The re-injection check; `None` where the suite does not make it.
    pub idempotency: Option<Verdict>,
}

impl Outcome {
    fn idempotent(&self) -> bool {
        self.idempotency.as_ref().is_some_and(Verdict::passed)
    }
}

/// A case on the floor that no longer passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regression {
    pub suite: String,
    pub check: &'static str,
    pub case: String,
    pub now: String,
}

impl fmt::Display for Regression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}({}) {} no longer passes: {}",
            self.check, self.suite, self.case, self.now
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
        for (suite, entry) in &floor.suites {
            if entry.passed != entry.cases.len() {
                return Err(format!(
                    "{}: {suite}.passed is {} but {} cases are listed",
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

    /// Floor cases of `suite` that ran in `outcomes` and did not pass.
    pub fn regressions(&self, suite: &str, outcomes: &[Outcome]) -> Vec<Regression> {
        let Some(entry) = self.suites.get(suite) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for outcome in outcomes {
            if entry.cases.contains(&outcome.case) && !outcome.verdict.passed() {
                out.push(Regression {
                    suite: suite.to_string(),
                    check: "conformance",
                    case: outcome.case.clone(),
                    now: Verdict::describe(Some(&outcome.verdict)),
                });
            }
            if entry.idempotent.contains(&outcome.case) && !outcome.idempotent() {
                out.push(Regression {
                    suite: suite.to_string(),
                    check: "idempotency",
                    case: outcome.case.clone(),
                    now: Verdict::describe(outcome.idempotency.as_ref()),
                });
            }
        }
        out
    }

    /// Cases of `suite` that pass and are not on the floor yet.
    pub fn newly_passing<'o>(&self, suite: &str, outcomes: &'o [Outcome]) -> Vec<&'o str> {
        let entry = self.suites.get(suite);
        outcomes
            .iter()
            .filter(|o| o.verdict.passed() && !entry.is_some_and(|e| e.cases.contains(&o.case)))
            .map(|o| o.case.as_str())
            .collect()
    }

    /// Records the outcome of the cases that ran; cases and suites that did not run keep
    /// their entries.
    pub fn update(&mut self, suite: &str, outcomes: &[Outcome]) {
        let entry = self.suites.entry(suite.to_string()).or_default();
        for outcome in outcomes {
            set(&mut entry.cases, &outcome.case, outcome.verdict.passed());
            set(&mut entry.idempotent, &outcome.case, outcome.idempotent());
        }
        entry.passed = entry.cases.len();
    }
}

fn set(names: &mut BTreeSet<String>, name: &str, member: bool) {
    if member {
        names.insert(name.to_string());
    } else {
        names.remove(name);
    }
}

/// Tests of one binary that share a floor file run on parallel threads; the read-modify-write
/// of an update must not interleave.
static FLOOR_FILES: Mutex<()> = Mutex::new(());

/// The floor check every conformance suite ends with: under [`UPDATE_ENV`] the suite's
/// entry in `path` is rewritten from `outcomes`; otherwise newly passing cases are printed and
/// the regressions are the error.
pub fn enforce(path: &Path, suite: &str, outcomes: &[Outcome]) -> Result<(), String> {
    let _guard = FLOOR_FILES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut floor = Floor::load(path)?;
    let regressions = floor.regressions(suite, outcomes);
    if updating() {
        for regression in &regressions {
            println!("dropped from the floor: {regression}");
        }
        floor.update(suite, outcomes);
        floor.save(path)?;
        println!("floor updated: {suite} in {}", path.display());
        return Ok(());
    }
    let newly = floor.newly_passing(suite, outcomes);
    if !newly.is_empty() {
        println!(
            "newly passing {suite} cases (record with {UPDATE_ENV}=1): {}",
            newly.join(", ")
        );
    }
    if regressions.is_empty() {
        return Ok(());
    }
    Err(format!(
        "cases on the floor ({}) no longer pass:\n{}",
        path.display(),
        regressions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(cases: &[(&str, Verdict, Option<Verdict>)]) -> Vec<Outcome> {
        cases
            .iter()
            .map(|(name, verdict, idempotency)| Outcome {
                case: (*name).into(),
                verdict: verdict.clone(),
                idempotency: idempotency.clone(),
            })
            .collect()
    }

    fn failed() -> Verdict {
        Verdict::Failed("3 differences from the golden".into())
    }

    #[test]
    fn only_floor_cases_that_stop_passing_are_regressions() {
        let mut floor = Floor::default();
        floor.update(
            "builtin",
            &outcomes(&[
                ("a", Verdict::Passed, Some(Verdict::Passed)),
                ("b", Verdict::Passed, Some(failed())),
                ("c", failed(), None),
            ]),
        );
        let entry = &floor.suites["builtin"];
        assert_eq!(entry.passed, 2);
        assert_eq!(entry.idempotent, BTreeSet::from(["a".to_string()]));

        let now = outcomes(&[
            ("a", failed(), Some(Verdict::Passed)),
            ("b", Verdict::Passed, Some(failed())),
            ("c", Verdict::Passed, Some(Verdict::Passed)),
        ]);
        let regressions = floor.regressions("builtin", &now);
        assert_eq!(
            regressions
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            vec!["conformance(builtin) a no longer passes: failed (3 differences from the golden)"]
        );
        assert_eq!(floor.newly_passing("builtin", &now), vec!["c"]);
        assert!(floor.regressions("templates", &now).is_empty());
        let skipped = outcomes(&[("a", Verdict::Skipped("why".into()), None)]);
        assert_eq!(floor.regressions("builtin", &skipped).len(), 2);
    }

    #[test]
    fn update_keeps_cases_that_did_not_run() {
        let mut floor = Floor::default();
        floor.update(
            "builtin",
            &outcomes(&[("a", Verdict::Passed, None), ("b", Verdict::Passed, None)]),
        );
        floor.update("builtin", &outcomes(&[("b", failed(), None)]));
        assert_eq!(
            floor.suites["builtin"].cases,
            BTreeSet::from(["a".to_string()])
        );
        assert_eq!(floor.suites["builtin"].passed, 1);
    }

    #[test]
    fn the_file_round_trips_and_is_checked() {
        let dir = std::env::temp_dir().join(format!("floor-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("floor.json");
        assert_eq!(Floor::load(&path).unwrap(), Floor::default());
        let mut floor = Floor::default();
        floor.update(
            "builtin",
            &outcomes(&[("a", Verdict::Passed, Some(Verdict::Passed))]),
        );
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
        std::fs::write(&path, r#"{"builtin": {"passed": 1, "cases": ["a"]}}"#).unwrap();
        if !updating() {
            let error = enforce(&path, "builtin", &outcomes(&[("a", failed(), None)])).unwrap_err();
            assert!(
                error.contains("conformance(builtin) a no longer passes"),
                "{error}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
