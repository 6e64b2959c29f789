//! What the policy answers for the first pod of a workload file: accepted untouched, rejected
//! with a message, or mutated, shown as the JSON patch the policy server derives from the
//! mutated object (`json_patch::diff(original, mutated)`, as Kubewarden does) and hands to
//! the API server.

use injector::PodContext;
use serde::Serialize;
use serde_json::Value;

use crate::decision::{self, Namespace};
use crate::session::Session;
use crate::workload;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    Accept,
    Mutate,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub document: usize,
    pub workload: String,
    pub verdict: Verdict,
    /// Why the pod is rejected, or why it is let through untouched.
    pub message: String,
    /// RFC 6902 operations (empty unless mutated).
    pub patch: Value,
    pub warnings: Vec<String>,
}

/// The policy's answer for the first pod in `input` (`None`: no workload with a pod).
pub fn answer(
    session: &Session,
    input: &str,
    namespace: &Namespace,
) -> Result<Option<Answer>, String> {
    let Some(explained) = decision::explain(session, input, namespace)?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let Some(found) = workload::pods(input, namespace.name(), 1)
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let mut answer = Answer {
        document: explained.document,
        workload: explained.workload.clone(),
        verdict: Verdict::Accept,
        message: explained.reason.clone(),
        patch: Value::Array(Vec::new()),
        warnings: explained.warnings.clone(),
    };
    if explained.rejected {
        answer.verdict = Verdict::Reject;
        answer.message = format!("invalid pod: {}", explained.reason);
        return Ok(Some(answer));
    }
    if !explained.inject {
        return Ok(Some(answer));
    }
    let pod_namespace = found
        .pod
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let context = PodContext {
        namespace: pod_namespace,
        namespace_annotations: None,
    };
    match session.webhook.inject(&found.pod, &context) {
        Ok(injected) => {
            answer.warnings.extend(injected.warnings);
            let patch = json_patch::diff(&found.pod, &injected.pod);
            if !patch.is_empty() {
                answer.verdict = Verdict::Mutate;
                answer.patch = serde_json::to_value(&patch).map_err(|e| e.to_string())?;
            }
        }
        Err(error) => {
            answer.verdict = Verdict::Reject;
            answer.message = error.to_string();
        }
    }
    Ok(Some(answer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: a\n";

    fn enabled() -> Namespace {
        Namespace {
            name: "demo".into(),
            labels: "istio-injection=enabled".into(),
        }
    }

    fn answer_for(input: &str, namespace: &Namespace) -> Answer {
        let session = Session::new(Settings::default()).unwrap();
        answer(&session, input, namespace).unwrap().unwrap()
    }

    #[test]
    fn an_injected_pod_is_a_patch_that_makes_the_injected_pod() {
        let session = Session::new(Settings::default()).unwrap();
        let answer = answer(&session, POD, &enabled()).unwrap().unwrap();
        assert_eq!(answer.verdict, Verdict::Mutate);
        let ops: json_patch::Patch = serde_json::from_value(answer.patch).unwrap();
        let mut pod = injector::config::parse_document(POD).unwrap();
        pod["metadata"]["namespace"] = "demo".into();
        json_patch::patch(&mut pod, &ops).unwrap();
        let names: Vec<_> = pod["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["a", "istio-proxy"]);
    }

    #[test]
    fn a_pod_not_selected_is_accepted_without_a_patch() {
        let answer = answer_for(POD, &Namespace::default());
        assert_eq!(answer.verdict, Verdict::Accept);
        assert_eq!(answer.patch, Value::Array(vec![]));
    }

    #[test]
    fn a_bad_annotation_is_rejected_with_istios_message() {
        let input = POD.replace(
            "  name: p\n",
            "  name: p\n  annotations:\n    sidecar.istio.io/proxyCPU: lots\n",
        );
        let answer = answer_for(&input, &enabled());
        assert_eq!(answer.verdict, Verdict::Reject);
        assert!(
            answer.message.contains("sidecar.istio.io/proxyCPU"),
            "{answer:?}"
        );
    }

    #[test]
    fn no_workload_no_answer() {
        let session = Session::new(Settings::default()).unwrap();
        assert_eq!(
            answer(&session, "kind: Service\n", &enabled()).unwrap(),
            None
        );
    }
}
