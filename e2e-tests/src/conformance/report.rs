//! The text the runner prints: per renderer the counts, the failures and the skips, then the
//! differences most cases share (the causes worth fixing first).

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use super::runner::{CaseReport, Problem, RendererReport, Verdict};

/// Differences printed per document under `--verbose`.
const DIFFERENCES_SHOWN: usize = 40;
/// Rows of the most-frequent-differences table.
const CAUSES_SHOWN: usize = 12;

pub fn render(report: &RendererReport, verbose: bool) -> String {
    let mut out = String::new();
    let renderer = report.renderer;
    let (passed, failed, skipped) = report.counts();
    let _ = writeln!(
        out,
        "conformance(webhook, {renderer}): {passed} passed, {failed} failed, {skipped} skipped"
    );
    write_failures(
        &mut out,
        report.cases.iter().map(|c| (c, &c.verdict)),
        verbose,
    );
    let skips = report
        .cases
        .iter()
        .filter_map(|c| match &c.verdict {
            Verdict::Skip(reason) => Some((c, reason)),
            _ => None,
        })
        .collect::<Vec<_>>();
    if !skips.is_empty() {
        let _ = writeln!(out, "  skipped:");
        for (case, reason) in skips {
            let _ = writeln!(out, "    {}: {reason}", case.name);
        }
    }

    let (passed, failed) = report.idempotency_counts();
    let _ = writeln!(
        out,
        "idempotency(webhook, {renderer}): {passed} passed, {failed} failed"
    );
    write_failures(
        &mut out,
        report
            .cases
            .iter()
            .filter_map(|c| c.idempotency.as_ref().map(|v| (c, v))),
        verbose,
    );

    let causes = frequent_causes(report);
    if !causes.is_empty() {
        let _ = writeln!(out, "most frequent causes ({renderer}; cases: cause):");
        for (cases, cause) in causes.into_iter().take(CAUSES_SHOWN) {
            let _ = writeln!(out, "  {cases:>4}: {cause}");
        }
    }
    out
}

fn write_failures<'a>(
    out: &mut String,
    verdicts: impl Iterator<Item = (&'a CaseReport, &'a Verdict)>,
    verbose: bool,
) {
    let mut header = false;
    for (case, verdict) in verdicts {
        let Verdict::Fail(problems) = verdict else {
            continue;
        };
        if !header {
            let _ = writeln!(out, "  failed:");
            header = true;
        }
        let summary = problems
            .iter()
            .map(summarize)
            .collect::<Vec<_>>()
            .join("; ");
        let _ = writeln!(out, "    {}: {summary}", case.name);
        if verbose {
            for problem in problems {
                write_differences(out, problem);
            }
        }
    }
}

fn summarize(problem: &Problem) -> String {
    let place = problem
        .document
        .as_ref()
        .map(|d| format!("{d}: "))
        .unwrap_or_default();
    match problem.differences.first() {
        Some(first) => format!("{place}{} (first at {})", problem.message, first.path),
        None => format!("{place}{}", problem.message),
    }
}

fn write_differences(out: &mut String, problem: &Problem) {
    for difference in problem.differences.iter().take(DIFFERENCES_SHOWN) {
        let _ = writeln!(out, "        {difference}");
    }
    if problem.differences.len() > DIFFERENCES_SHOWN {
        let _ = writeln!(
            out,
            "        … {} more",
            problem.differences.len() - DIFFERENCES_SHOWN
        );
    }
}

/// Each difference path or failure message, with the number of cases it appears in, most
/// frequent first (conformance failures only).
pub fn frequent_causes(report: &RendererReport) -> Vec<(usize, String)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for case in &report.cases {
        let Verdict::Fail(problems) = &case.verdict else {
            continue;
        };
        let mut causes = HashSet::new();
        for problem in problems {
            if problem.differences.is_empty() {
                causes.insert(shorten(&problem.message));
            }
            for difference in &problem.differences {
                causes.insert(difference.path.clone());
            }
        }
        for cause in causes {
            *counts.entry(cause).or_default() += 1;
        }
    }
    let mut causes = counts
        .into_iter()
        .map(|(cause, n)| (n, cause))
        .collect::<Vec<_>>();
    causes.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    causes
}

fn shorten(message: &str) -> String {
    const WIDTH: usize = 120;
    if message.chars().count() <= WIDTH {
        message.to_string()
    } else {
        let cut: String = message.chars().take(WIDTH).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::diff::Difference;
    use crate::conformance::settings::Renderer;
    use serde_json::json;

    fn difference(path: &str) -> Difference {
        Difference {
            path: path.into(),
            expected: Some(json!("a")),
            got: Some(json!("b")),
        }
    }

    fn report() -> RendererReport {
        let failure = |paths: &[&str]| {
            Verdict::Fail(vec![Problem {
                document: Some("Deployment hello".into()),
                message: format!("{} differences from the golden", paths.len()),
                differences: paths.iter().map(|p| difference(p)).collect(),
            }])
        };
        RendererReport {
            renderer: Renderer::Templates,
            cases: vec![
                CaseReport {
                    name: "hello".into(),
                    verdict: failure(&["spec.x", "spec.y"]),
                    idempotency: Some(Verdict::Pass),
                },
                CaseReport {
                    name: "auth".into(),
                    verdict: failure(&["spec.y"]),
                    idempotency: Some(Verdict::Fail(vec![Problem {
                        document: None,
                        message: "re-injecting is rejected: no".into(),
                        differences: vec![],
                    }])),
                },
                CaseReport {
                    name: "hello-service".into(),
                    verdict: Verdict::Skip("kube-inject only".into()),
                    idempotency: None,
                },
            ],
        }
    }

    #[test]
    fn the_report_lists_counts_failures_skips_and_causes() {
        let text = render(&report(), false);
        let expected = "\
conformance(webhook, templates): 0 passed, 2 failed, 1 skipped
  failed:
    hello: Deployment hello: 2 differences from the golden (first at spec.x)
    auth: Deployment hello: 1 differences from the golden (first at spec.y)
  skipped:
    hello-service: kube-inject only
idempotency(webhook, templates): 1 passed, 1 failed
  failed:
    auth: re-injecting is rejected: no
most frequent causes (templates; cases: cause):
     2: spec.y
     1: spec.x
";
        assert_eq!(text, expected);
    }

    #[test]
    fn verbose_reports_show_each_difference() {
        let text = render(&report(), true);
        assert!(
            text.contains("    hello: Deployment hello: 2 differences from the golden (first at spec.x)\n        spec.x: expected \"a\", got \"b\"\n        spec.y: expected \"a\", got \"b\"\n"),
            "{text}"
        );
    }
}
