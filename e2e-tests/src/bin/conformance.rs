//! `conformance`: Istio's golden injection cases through the policy, in webhook form.
//!
//! `UPDATE_CONFORMANCE=1` records the run in the floor instead of checking it.
//!
//! Exit status: 0 when no case of the floor regressed (or the data set is absent), 1 on a
//! regression, 2 when the run cannot be made (bad arguments, unreadable policy or data set).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use e2e_tests::conformance::{
    self, Backend, ConfigForm, Dataset, NativeBackend, Renderer, RunOptions, WasmBackend, floor,
    report,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RendererChoice {
    Builtin,
    Templates,
    Recognized,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ConfigFormChoice {
    /// The ConfigMap's `config` text, as users paste it.
    String,
    /// The same configuration as an object.
    Object,
}

#[derive(Debug, Parser)]
#[command(
    name = "conformance",
    about = "Runs Istio's golden injection cases through the policy in webhook form"
)]
struct Args {
    /// The policy module (default: $POLICY_WASM or <workspace>/policy.wasm).
    #[arg(long, value_name = "WASM", conflicts_with = "native")]
    policy: Option<PathBuf>,
    /// Call the policy crate in this process instead of running the wasm.
    #[arg(long)]
    native: bool,
    #[arg(long, value_enum, default_value = "all")]
    renderer: RendererChoice,
    /// Run only these cases.
    #[arg(long = "case", value_name = "NAME", num_args = 1..)]
    cases: Vec<String>,
    /// Show every difference of every failing case.
    #[arg(long, short)]
    verbose: bool,
    /// The floor file (default: e2e-tests/conformance-floor.json).
    #[arg(long, value_name = "JSON")]
    floor: Option<PathBuf>,
    /// The data set (default: $ISTIO_CONFORMANCE_DIR or ../shared/istio-conformance).
    #[arg(long, value_name = "PATH")]
    dir: Option<PathBuf>,
    /// How `injectorConfig` is given to the template renderer.
    #[arg(long, value_enum, default_value = "string")]
    config_form: ConfigFormChoice,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("conformance: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<ExitCode, String> {
    let Some(root) = istio_conformance::locate_explicit(args.dir.as_deref())? else {
        println!("{}", istio_conformance::ABSENT_MESSAGE);
        return Ok(ExitCode::SUCCESS);
    };
    let dataset = Dataset::load(&root)?;
    let backend: Box<dyn Backend> = if args.native {
        Box::new(NativeBackend)
    } else {
        let path = args
            .policy
            .unwrap_or_else(e2e_tests::paths::policy_wasm_path);
        Box::new(WasmBackend::load(&path)?)
    };
    let options = RunOptions {
        renderers: match args.renderer {
            RendererChoice::Builtin => vec![Renderer::Builtin],
            RendererChoice::Templates => vec![Renderer::Templates],
            RendererChoice::Recognized => vec![Renderer::Recognized],
            RendererChoice::All => Renderer::ALL.to_vec(),
        },
        cases: args.cases,
        config_form: match args.config_form {
            ConfigFormChoice::String => ConfigForm::Text,
            ConfigFormChoice::Object => ConfigForm::Object,
        },
    };
    println!(
        "conformance: {} cases from {} through {}",
        dataset.cases.len() + dataset.broken.len(),
        root.display(),
        backend.describe()
    );
    let reports = conformance::run(&dataset, backend.as_ref(), &options)?;
    for renderer_report in &reports {
        print!("{}", report::render(renderer_report, args.verbose));
    }

    let floor_path = args.floor.unwrap_or_else(conformance::default_floor_path);
    let mut regressed = false;
    for renderer_report in &reports {
        let suite = renderer_report.renderer.name();
        if let Err(message) = floor::enforce(&floor_path, suite, &renderer_report.outcomes()) {
            println!("REGRESSION: {message}");
            regressed = true;
        }
    }
    if regressed {
        return Ok(ExitCode::from(1));
    }
    println!("no regression against {}", floor_path.display());
    Ok(ExitCode::SUCCESS)
}
