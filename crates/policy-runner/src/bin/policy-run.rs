//! `policy-run`: a small local `kwctl run`. Evaluates one AdmissionRequest (or the Pod CREATE
//! requests built from a workload manifest) through a policy module the way the policy server
//! does, and prints the kwctl-style admission response line.
//!
//! ```text
//! policy-run [--settings-json JSON | --settings-path FILE] [--cluster-fixtures DIR]
//!            (--request-path FILE | --workload FILE.yaml) [--namespace NS]
//!            [--output json|yaml|patch] [--emit-request] [WASM]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use policy_runner::documents::{parse_value, read_documents, read_value};
use policy_runner::workload::{has_pod_template, pod_create_request};
use policy_runner::{AdmissionResponse, FixtureHost, HarnessError, Policy, policy_wasm_path};
use serde_json::Value;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Output {
    /// The admission response line, as `kwctl run` prints it.
    Json,
    /// The response line, then the patched object as YAML.
    Yaml,
    /// The decoded JSON patch (`[]` when there is none).
    Patch,
}

#[derive(Parser, Debug)]
#[command(
    about = "Evaluate an AdmissionRequest through a Kubewarden policy module, like `kwctl run`"
)]
struct Args {
    /// Policy settings as JSON (or YAML).
    #[arg(long, conflicts_with = "settings_path")]
    settings_json: Option<String>,
    /// File holding the policy settings (JSON or YAML).
    #[arg(long)]
    settings_path: Option<PathBuf>,
    /// Directory of cluster objects (Namespaces, Nodes, ConfigMaps …) served to the policy's
    /// `get_resource` and `list_resources_all` calls.
    #[arg(long, alias = "namespace-fixtures")]
    cluster_fixtures: Option<PathBuf>,
    /// A bare AdmissionRequest (JSON or YAML).
    #[arg(
        short = 'r',
        long,
        conflicts_with = "workload",
        required_unless_present = "workload"
    )]
    request_path: Option<PathBuf>,
    /// A workload manifest; every document with a pod template becomes a Pod CREATE request.
    #[arg(long)]
    workload: Option<PathBuf>,
    /// Namespace for workload documents that do not name one.
    #[arg(long, default_value = "default")]
    namespace: String,
    #[arg(long, value_enum, default_value = "json")]
    output: Output,
    /// Print the AdmissionRequest(s) instead of evaluating them.
    #[arg(long)]
    emit_request: bool,
    /// The policy module (default: $POLICY_WASM, else policy.wasm at the workspace root).
    wasm: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("policy-run: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), HarnessError> {
    let requests = requests(args)?;
    if args.emit_request {
        for request in &requests {
            println!("{}", pretty(request)?);
        }
        return Ok(());
    }
    let settings = match (&args.settings_json, &args.settings_path) {
        (Some(text), _) => parse_value(text, "--settings-json")?,
        (None, Some(path)) => read_value(path)?,
        (None, None) => Value::Object(serde_json::Map::new()),
    };
    let settings = if settings.is_null() {
        serde_json::json!({})
    } else {
        settings
    };
    let host = match &args.cluster_fixtures {
        Some(dir) => FixtureHost::from_dir(dir)?,
        None => FixtureHost::new(),
    };
    let wasm = args.wasm.clone().unwrap_or_else(policy_wasm_path);
    let policy = Policy::load(&wasm)?;

    let outcome = policy.validate_settings(&settings)?;
    if !outcome.valid {
        return Err(HarnessError::Input {
            what: "settings".to_owned(),
            message: format!(
                "rejected by the policy: {}",
                outcome.message.unwrap_or_default()
            ),
        });
    }
    for request in &requests {
        print_evaluation(&policy, request, &settings, &host, args.output)?;
    }
    Ok(())
}

fn requests(args: &Args) -> Result<Vec<Value>, HarnessError> {
    if let Some(path) = &args.request_path {
        let request = read_value(path)?;
        // kwctl also accepts a whole AdmissionReview; take its request.
        return Ok(vec![match request.get("request") {
            Some(inner)
                if request.get("kind").and_then(Value::as_str) == Some("AdmissionReview") =>
            {
                inner.clone()
            }
            _ => request,
        }]);
    }
    let Some(path) = &args.workload else {
        return Ok(Vec::new());
    };
    let mut requests = Vec::new();
    for document in read_documents(path)? {
        if has_pod_template(&document) {
            requests.push(pod_create_request(&document, &args.namespace)?);
        } else {
            let kind = document.get("kind").and_then(Value::as_str).unwrap_or("?");
            eprintln!("policy-run: skipping a {kind}: it has no pod template");
        }
    }
    if requests.is_empty() {
        return Err(HarnessError::Input {
            what: path.display().to_string(),
            message: "no document with a pod template".to_owned(),
        });
    }
    Ok(requests)
}

fn print_evaluation(
    policy: &Policy,
    request: &Value,
    settings: &Value,
    host: &FixtureHost,
    output: Output,
) -> Result<(), HarnessError> {
    let uid = request
        .get("uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (admission, patch, patched) = match policy.evaluate(request, settings, host) {
        Ok(evaluation) => (
            evaluation.admission,
            evaluation.patch,
            evaluation.patched_object,
        ),
        // The policy server answers a trapped or timed-out guest with a 500 rejection.
        Err(HarnessError::GuestCall { message, .. }) => {
            (AdmissionResponse::internal_error(uid, &message), None, None)
        }
        Err(other) => return Err(other),
    };
    match output {
        Output::Json => println!("{}", line(&admission)?),
        Output::Yaml => {
            // The response line carries the patch base64-encoded; a reader of YAML wants the
            // verdict in a comment and the object itself.
            println!("{}", verdict_comment(&admission, patch.as_ref()));
            let object = patched.or_else(|| {
                admission
                    .allowed
                    .then(|| request.get("object").cloned())
                    .flatten()
            });
            if let Some(object) = object.filter(|o| !o.is_null()) {
                let yaml = serde_yaml_ng::to_string(&object)
                    .map_err(|e| HarnessError::Patch(e.to_string()))?;
                print!("---\n{yaml}");
            }
        }
        Output::Patch => {
            let patch = serde_json::to_value(patch.unwrap_or(json_patch::Patch(Vec::new())))
                .map_err(|e| HarnessError::Patch(e.to_string()))?;
            println!("{}", pretty(&patch)?);
        }
    }
    Ok(())
}

/// `# allowed, JSON patch of 42 operations` (or the rejection message), then the warnings.
fn verdict_comment(admission: &AdmissionResponse, patch: Option<&json_patch::Patch>) -> String {
    let mut text = if admission.allowed {
        match patch {
            Some(patch) if !patch.0.is_empty() => {
                format!("# allowed, JSON patch of {} operations", patch.0.len())
            }
            _ => "# allowed, no patch".to_string(),
        }
    } else {
        let message = admission
            .status
            .as_ref()
            .and_then(|s| s.message.as_deref())
            .unwrap_or("no message");
        format!("# rejected: {}", message.replace('\n', " "))
    };
    for warning in admission.warnings.iter().flatten() {
        text.push_str(&format!("\n# warning: {}", warning.replace('\n', " ")));
    }
    text
}

fn line(admission: &AdmissionResponse) -> Result<String, HarnessError> {
    serde_json::to_string(admission).map_err(|e| HarnessError::Patch(e.to_string()))
}

fn pretty(value: &Value) -> Result<String, HarnessError> {
    serde_json::to_string_pretty(value).map_err(|e| HarnessError::Patch(e.to_string()))
}
