//! `replay-policy --request-path REQUEST.json [--settings-json JSON] -o OUT.wasm POLICY.wasm`:
//! evaluates the request once through the policy (host calls answered by an empty fixture
//! host) and writes a module that answers `validate` with those same bytes without computing
//! them (`policy_runner::replay`), for `make bench-policy-server`'s floor row.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use policy_runner::documents::{parse_value, read_value};
use policy_runner::{FixtureHost, HarnessError, Policy};
use serde_json::json;

#[derive(Parser, Debug)]
#[command(about = "Write a module that replays a policy's answer to one AdmissionRequest")]
struct Args {
    /// The AdmissionRequest (JSON or YAML; the `request` of an AdmissionReview is taken too).
    #[arg(long)]
    request_path: PathBuf,
    /// Policy settings as JSON (or YAML); `{}` by default.
    #[arg(long)]
    settings_json: Option<String>,
    /// Where to write the replaying module (binary wasm).
    #[arg(short = 'o', long = "output-path")]
    output: PathBuf,
    /// The policy whose answer is replayed.
    wasm: PathBuf,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("replay-policy: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), HarnessError> {
    let mut request = read_value(&args.request_path)?;
    if request.get("kind").and_then(|kind| kind.as_str()) == Some("AdmissionReview") {
        request = request["request"].take();
    }
    let settings = match &args.settings_json {
        Some(text) => parse_value(text, "--settings-json")?,
        None => json!({}),
    };
    let policy = Policy::load(&args.wasm)?;
    let replay = policy.replay_text(&request, &settings, &FixtureHost::new())?;
    let module = wat::parse_bytes(&replay).map_err(|e| HarnessError::Compile {
        what: "the replaying module".to_owned(),
        message: e.to_string(),
    })?;
    std::fs::write(&args.output, &module).map_err(|source| HarnessError::Io {
        path: args.output.clone(),
        source,
    })
}
