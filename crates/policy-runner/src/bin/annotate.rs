//! `annotate -m policy-metadata.yml [-u README.md] -o annotated-policy.wasm policy.wasm`:
//! what `kwctl annotate` does, for machines without kwctl. Reads the metadata, checks it the
//! way kwctl does (execution mode against the module, protocol version by calling the
//! module's `protocol_version`), adds the `io.kubewarden.kwctl` and
//! `io.kubewarden.policy.usage` annotations and writes the module with the metadata JSON in
//! its `kubewarden_metadata` custom section (replacing any previous one).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use policy_runner::metadata::{METADATA_SECTION, Metadata, is_rego_module, replace_custom_section};
use policy_runner::{HarnessError, Policy};

#[derive(Parser, Debug)]
#[command(about = "Embed Kubewarden metadata into a policy module, like `kwctl annotate`")]
struct Args {
    /// The policy metadata file (YAML).
    #[arg(short = 'm', long = "metadata-path")]
    metadata: PathBuf,
    /// A Markdown file whose text becomes the `io.kubewarden.policy.usage` annotation.
    #[arg(short = 'u', long = "usage-path")]
    usage: Option<PathBuf>,
    /// Where to write the annotated module.
    #[arg(short = 'o', long = "output-path")]
    output: PathBuf,
    /// The policy module to annotate.
    wasm: PathBuf,
}

/// Marks the annotation as ours, not a real kwctl release, while staying a valid semver.
const TOOL_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+e2e-annotate");

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("annotate: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), HarnessError> {
    let read_text = |path: &PathBuf| {
        std::fs::read_to_string(path).map_err(|e| HarnessError::Io {
            path: path.clone(),
            source: e,
        })
    };
    let (mut metadata, unknown) = Metadata::from_yaml(&read_text(&args.metadata)?)?;
    for key in unknown {
        eprintln!("annotate: warning: ignoring unknown metadata key `{key}`");
    }
    let usage = args.usage.as_ref().map(read_text).transpose()?;
    let wasm = std::fs::read(&args.wasm).map_err(|e| HarnessError::Io {
        path: args.wasm.clone(),
        source: e,
    })?;

    let is_rego = is_rego_module(&wasm)?;
    metadata.protocol_version = Some(match metadata.execution_mode.as_str() {
        "kubewarden-wapc" if is_rego => {
            return Err(invalid(
                "executionMode is kubewarden-wapc but the module was built from Rego",
            ));
        }
        "kubewarden-wapc" => {
            Policy::from_bytes(&args.wasm.display().to_string(), &wasm)?.protocol_version()?
        }
        "opa" | "gatekeeper" if !is_rego => {
            return Err(invalid(
                "executionMode is Rego but the module was not built from Rego",
            ));
        }
        _ => "Unknown".to_owned(),
    });
    metadata.annotate(TOOL_VERSION, usage.as_deref());
    metadata.validate()?;

    let json = serde_json::to_vec(&metadata).map_err(|e| invalid(&e.to_string()))?;
    let annotated = replace_custom_section(&wasm, METADATA_SECTION, &json)?;
    std::fs::write(&args.output, annotated).map_err(|e| HarnessError::Io {
        path: args.output.clone(),
        source: e,
    })
}

fn invalid(message: &str) -> HarnessError {
    HarnessError::Input {
        what: "policy metadata".to_owned(),
        message: message.to_owned(),
    }
}
