//! Running the cases through a backend in webhook form and judging the answers.

use serde_json::Value;

use istio_conformance::floor;

use super::backend::{Answer, Backend};
use super::compare::{check_metajson, comparable_pod};
use super::dataset::{Case, Dataset};
use super::diff::{Difference, diff};
use super::settings::{ConfigForm, Prepared, Renderer, SettingsBuilder};
use super::workload::{Workload, injectable_objects, pod_create_request};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub renderers: Vec<Renderer>,
    /// Case names to run; empty runs them all.
    pub cases: Vec<String>,
    pub config_form: ConfigForm,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            renderers: Renderer::ALL.to_vec(),
            cases: Vec::new(),
            config_form: ConfigForm::Text,
        }
    }
}

/// The outcome of one check of one case.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass,
    Fail(Vec<Problem>),
    Skip(String),
}

impl Verdict {
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass)
    }

    fn for_floor(&self) -> floor::Verdict {
        match self {
            Verdict::Pass => floor::Verdict::Passed,
            Verdict::Skip(reason) => floor::Verdict::Skipped(reason.clone()),
            Verdict::Fail(problems) => floor::Verdict::Failed(
                problems
                    .first()
                    .map(|p| p.message.clone())
                    .unwrap_or_default(),
            ),
        }
    }

    fn from_problems(problems: Vec<Problem>) -> Verdict {
        if problems.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail(problems)
        }
    }
}

/// One reason a case fails: a message, or the differences from the golden, for one document
/// of the case (`None` when it concerns the whole case).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub document: Option<String>,
    pub message: String,
    pub differences: Vec<Difference>,
}

impl Problem {
    fn case(message: impl Into<String>) -> Problem {
        Problem {
            document: None,
            message: message.into(),
            differences: Vec::new(),
        }
    }

    fn document(document: &Workload, message: impl Into<String>) -> Problem {
        Problem {
            document: Some(document.label()),
            message: message.into(),
            differences: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseReport {
    pub name: String,
    pub verdict: Verdict,
    /// Re-submitting the injected pods changes nothing; `None` when the case produced no pods
    /// to re-submit (skipped, error case, evaluation failed).
    pub idempotency: Option<Verdict>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RendererReport {
    pub renderer: Renderer,
    pub cases: Vec<CaseReport>,
}

impl RendererReport {
    /// (passed, failed, skipped)
    pub fn counts(&self) -> (usize, usize, usize) {
        count(self.cases.iter().map(|c| &c.verdict))
    }

    /// (passed, failed) of the idempotency check, over the cases that ran it.
    pub fn idempotency_counts(&self) -> (usize, usize) {
        let (passed, failed, _) = count(self.cases.iter().filter_map(|c| c.idempotency.as_ref()));
        (passed, failed)
    }
}

impl RendererReport {
    /// The run as the floor sees it.
    pub fn outcomes(&self) -> Vec<floor::Outcome> {
        self.cases
            .iter()
            .map(|case| floor::Outcome {
                case: case.name.clone(),
                verdict: case.verdict.for_floor(),
                idempotency: case.idempotency.as_ref().map(Verdict::for_floor),
            })
            .collect()
    }
}

fn count<'a>(verdicts: impl Iterator<Item = &'a Verdict>) -> (usize, usize, usize) {
    verdicts.fold((0, 0, 0), |(p, f, s), verdict| match verdict {
        Verdict::Pass => (p + 1, f, s),
        Verdict::Fail(_) => (p, f + 1, s),
        Verdict::Skip(_) => (p, f, s + 1),
    })
}

/// Runs the selected cases for every selected renderer.
pub fn run(
    dataset: &Dataset,
    backend: &dyn Backend,
    options: &RunOptions,
) -> Result<Vec<RendererReport>, String> {
    let unknown = options
        .cases
        .iter()
        .filter(|name| !dataset.has_case(name))
        .cloned()
        .collect::<Vec<_>>();
    if !unknown.is_empty() {
        return Err(format!("no such case: {}", unknown.join(", ")));
    }
    let selected = |name: &str| options.cases.is_empty() || options.cases.iter().any(|c| c == name);
    let builder = SettingsBuilder::new(&dataset.base, options.config_form);
    let runner = CaseRunner { backend, builder };

    let mut reports = Vec::with_capacity(options.renderers.len());
    for &renderer in &options.renderers {
        let mut cases = Vec::new();
        for case in dataset.cases.iter().filter(|c| selected(&c.name)) {
            cases.push(runner.run(case, renderer));
        }
        for (name, error) in dataset.broken.iter().filter(|(n, _)| selected(n)) {
            cases.push(CaseReport {
                name: name.clone(),
                verdict: Verdict::Fail(vec![Problem::case(format!(
                    "cannot read the case: {error}"
                ))]),
                idempotency: None,
            });
        }
        cases.sort_by(|a, b| a.name.cmp(&b.name));
        reports.push(RendererReport { renderer, cases });
    }
    Ok(reports)
}

struct CaseRunner<'a> {
    backend: &'a dyn Backend,
    builder: SettingsBuilder<'a>,
}

/// How a document's evaluation ended, when it did not give a pod to compare.
enum Stop {
    Skip(String),
    Problem(Problem),
}

impl CaseRunner<'_> {
    fn run(&self, case: &Case, renderer: Renderer) -> CaseReport {
        let (verdict, idempotency) = self.judge(case, renderer);
        CaseReport {
            name: case.name.clone(),
            verdict,
            idempotency,
        }
    }

    fn judge(&self, case: &Case, renderer: Renderer) -> (Verdict, Option<Verdict>) {
        let fail = |message: String| (Verdict::Fail(vec![Problem::case(message)]), None);
        // Error cases are kube-inject only upstream, but Istio's webhook refuses the same pods
        // (allowed=false with the validation message), so the policy must too.
        if case.spec.expect_error.is_none() && !case.runs_in_webhook_mode() {
            return (Verdict::Skip("kube-inject only".into()), None);
        }
        let settings = match self.builder.settings(case, renderer) {
            Ok(Prepared::Settings(settings)) => settings,
            Ok(Prepared::Skip(reason)) => return (Verdict::Skip(reason), None),
            Err(message) => return fail(message),
        };
        if let Err(message) = self.backend.check_settings(&settings) {
            return fail(format!("the policy refuses the settings: {message}"));
        }
        let inputs = match injectable_objects(&case.input) {
            Ok(inputs) => inputs,
            Err(message) => return fail(format!("input.yaml: {message}")),
        };
        let cluster = case.namespace_fixtures();
        let context = Context {
            renderer,
            settings: &settings,
            cluster: &cluster,
        };
        match (&case.spec.expect_error, &case.want) {
            (Some(expected), _) => (self.error_case(&context, &inputs, expected), None),
            (None, Some(want)) => match injectable_objects(want) {
                Ok(wants) => self.golden_case(&context, &inputs, &wants),
                Err(message) => fail(format!("want.yaml: {message}")),
            },
            (None, None) => fail("no want.yaml".into()),
        }
    }

    /// Passes when the policy rejects a document with a message containing `expected`.
    fn error_case(&self, context: &Context, inputs: &[Workload], expected: &str) -> Verdict {
        let needle = expected.to_lowercase();
        let mut seen = Vec::new();
        for input in inputs {
            let pod = match input.to_pod() {
                Ok(pod) => pod,
                Err(message) => return Verdict::Fail(vec![Problem::document(input, message)]),
            };
            match self.submit(context, &input.namespace, &pod) {
                Ok(Answer::Rejected { message }) if message.to_lowercase().contains(&needle) => {
                    return Verdict::Pass;
                }
                Ok(Answer::Rejected { message }) => {
                    if let Some(reason) = builtin_lacks_template(context.renderer, &message) {
                        return Verdict::Skip(reason);
                    }
                    seen.push(format!("{}: rejected with {message:?}", input.label()));
                }
                Ok(Answer::Accepted { .. }) => seen.push(format!("{}: accepted", input.label())),
                Err(message) => seen.push(format!("{}: {message}", input.label())),
            }
        }
        Verdict::Fail(vec![Problem::case(format!(
            "expected a rejection containing {expected:?}; {}",
            seen.join("; ")
        ))])
    }

    fn golden_case(
        &self,
        context: &Context,
        inputs: &[Workload],
        wants: &[Workload],
    ) -> (Verdict, Option<Verdict>) {
        if inputs.len() != wants.len() {
            let labels = |w: &[Workload]| w.iter().map(Workload::label).collect::<Vec<_>>();
            let problem = Problem::case(format!(
                "input has {} injectable objects {:?}, want.yaml has {} {:?}",
                inputs.len(),
                labels(inputs),
                wants.len(),
                labels(wants)
            ));
            return (Verdict::Fail(vec![problem]), None);
        }
        let mut problems = Vec::new();
        let mut idempotency_problems = Vec::new();
        let mut all_evaluated = true;
        for (input, want) in inputs.iter().zip(wants) {
            match self.golden_document(context, input, want) {
                Ok((problem, idempotency)) => {
                    problems.extend(problem);
                    idempotency_problems.extend(idempotency);
                }
                Err(Stop::Skip(reason)) => return (Verdict::Skip(reason), None),
                Err(Stop::Problem(problem)) => {
                    all_evaluated = false;
                    problems.push(problem);
                }
            }
        }
        let idempotency = all_evaluated.then(|| Verdict::from_problems(idempotency_problems));
        (Verdict::from_problems(problems), idempotency)
    }

    /// Injects one document and compares it with its golden; then re-submits the result.
    /// Returns the comparison problem and the idempotency problem, if any.
    fn golden_document(
        &self,
        context: &Context,
        input: &Workload,
        want: &Workload,
    ) -> Result<(Option<Problem>, Option<Problem>), Stop> {
        let problem = |message: String| Stop::Problem(Problem::document(input, message));
        let pod = input.to_pod().map_err(problem)?;
        let want_pod = want
            .to_pod()
            .map_err(|e| problem(format!("want.yaml: {e}")))?;
        let expected = comparable_pod(&want_pod)
            .map_err(|e| problem(format!("the golden does not decode as a Pod: {e}")))?;

        let result = match self.submit(context, &input.namespace, &pod) {
            Ok(Answer::Accepted { patched }) => patched.unwrap_or(pod),
            Ok(Answer::Rejected { message }) => {
                return Err(match builtin_lacks_template(context.renderer, &message) {
                    Some(reason) => Stop::Skip(reason),
                    None => problem(format!("rejected: {message}")),
                });
            }
            Err(message) => return Err(problem(message)),
        };

        let comparison = match check_metajson(&result).and_then(|()| {
            comparable_pod(&result).map_err(|e| format!("the result does not decode as a Pod: {e}"))
        }) {
            Ok(got) => {
                let differences = diff(&expected, &got);
                (!differences.is_empty()).then(|| Problem {
                    document: Some(input.label()),
                    message: format!("{} differences from the golden", differences.len()),
                    differences,
                })
            }
            Err(message) => Some(Problem::document(input, message)),
        };
        let idempotency = self.resubmit(context, input, &result);
        Ok((comparison, idempotency))
    }

    /// Our own check beyond Istio's: the injected pod, created again, is left as it is.
    fn resubmit(&self, context: &Context, input: &Workload, injected: &Value) -> Option<Problem> {
        let problem = |message: String| Some(Problem::document(input, message));
        match self.submit(context, &input.namespace, injected) {
            Ok(Answer::Accepted { patched: None }) => None,
            Ok(Answer::Accepted {
                patched: Some(again),
            }) => {
                let differences = diff(injected, &again);
                if differences.is_empty() {
                    return None;
                }
                Some(Problem {
                    document: Some(input.label()),
                    message: format!(
                        "re-injecting changes {} fields of the injected pod",
                        differences.len()
                    ),
                    differences,
                })
            }
            Ok(Answer::Rejected { message }) => {
                problem(format!("re-injecting is rejected: {message}"))
            }
            Err(message) => problem(format!("re-injecting failed: {message}")),
        }
    }

    fn submit(&self, context: &Context, namespace: &str, pod: &Value) -> Result<Answer, String> {
        let request = pod_create_request(namespace, pod);
        self.backend
            .evaluate(&request, context.settings, context.cluster)
    }
}

struct Context<'a> {
    renderer: Renderer,
    settings: &'a Value,
    cluster: &'a [Value],
}

/// Istio's answer for a template name it does not have; under the built-in renderer this
/// means the case needs a template only the template renderer can render.
fn builtin_lacks_template(renderer: Renderer, message: &str) -> Option<String> {
    let missing = message.contains("requested template \"") && message.contains("not found");
    (renderer == Renderer::Builtin && missing).then(|| message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_builtin_renderer_skips_missing_templates() {
        let message = r#"requested template "grpc-agent" not found; have sidecar, gateway"#;
        assert_eq!(
            builtin_lacks_template(Renderer::Builtin, message).as_deref(),
            Some(message)
        );
        assert_eq!(builtin_lacks_template(Renderer::Templates, message), None);
        assert_eq!(
            builtin_lacks_template(Renderer::Builtin, "invalid annotation"),
            None
        );
    }

    #[test]
    fn counts_split_pass_fail_skip() {
        let report = RendererReport {
            renderer: Renderer::Builtin,
            cases: vec![
                CaseReport {
                    name: "a".into(),
                    verdict: Verdict::Pass,
                    idempotency: Some(Verdict::Pass),
                },
                CaseReport {
                    name: "b".into(),
                    verdict: Verdict::Fail(vec![Problem::case("x")]),
                    idempotency: Some(Verdict::Fail(vec![Problem::case("y")])),
                },
                CaseReport {
                    name: "c".into(),
                    verdict: Verdict::Skip("kube-inject only".into()),
                    idempotency: None,
                },
            ],
        };
        assert_eq!(report.counts(), (1, 1, 1));
        assert_eq!(report.idempotency_counts(), (1, 1));
    }
}
