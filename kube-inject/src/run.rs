//! One run: input → configuration → injector → every document, in order → output.

use std::io::Write;

use injector::kubeinject::config::revision;
use injector::kubeinject::split_documents;
use injector::{Injector, Mode, Options};

use crate::cli::Args;
use crate::config_files::{self, ConfigFiles, Loaded};
use crate::files;
use crate::inject_documents::{self, Failure};
use crate::progress::Progress;
use crate::proxy_configs;
use crate::sink::Sink;
use crate::switches;

/// Injection roughly quadruples a workload's YAML; reserving that up front saves regrowing a
/// large output buffer.
const GROWTH: usize = 4;

/// Runs `kube-inject` for parsed arguments and returns istioctl's warnings. Notes about
/// the configuration go to `notes` as they arise.
pub fn run(args: &Args, notes: &mut dyn Write) -> Result<Vec<String>, Failure> {
    let input_name = args.validate()?;
    // istioctl opens the input before it reads any configuration; so do we, for the same
    // error when both are wrong.
    let input = files::read_input(input_name)?;
    let native = switches::native_sidecars(
        args.native_sidecars,
        switches::env_var(switches::NATIVE_SIDECARS_ENV).as_deref(),
    );
    let compliance_policy = switches::compliance_policy(
        args.compliance_policy.as_deref(),
        switches::env_var(switches::COMPLIANCE_POLICY_ENV).as_deref(),
    );

    let loaded = config_files::load(&ConfigFiles {
        inject_config: args.inject_config_file.as_deref(),
        mesh_config: args.mesh_config_file.as_deref(),
        values: args.values_file.as_deref(),
        operator: args.operator_file.as_deref(),
    })?;
    for note in loaded.notes.iter().chain(native.warning.iter()) {
        // Notes are advice; a closed stderr must not stop the injection.
        let _ = writeln!(notes, "kube-inject: {note}");
    }
    let options = Options {
        mode: Mode::KubeInject,
        revision: revision(args.revision.as_deref().unwrap_or_default()).to_string(),
        native_sidecars: native.enabled,
        compliance_policy,
        stock_templates: args.stock_templates,
        ..Options::default()
    };
    let proxy_configs = match args.proxy_config_file.as_deref() {
        Some(path) => Some(proxy_configs::load(path)?),
        None => None,
    };
    let build = || {
        let mut injector = build_injector(&loaded, &options)?;
        if let Some(resources) = &proxy_configs {
            injector.set_proxy_configs(resources.clone());
        }
        Ok::<_, String>(injector)
    };
    // Built here even when workers build their own: a template that does not parse is
    // reported once, before any document is read.
    let injector = build()?;

    let documents = split_documents(&input);
    let mut sink = Sink::open(args.output.as_deref(), input.len().saturating_mul(GROWTH))?;
    let mut progress = Progress::on_stderr(documents.len());
    let jobs = jobs(args.jobs(), documents.len());
    let warnings = if jobs <= 1 {
        inject_documents::serial(&injector, &documents, &mut sink, &mut progress)
    } else {
        inject_documents::parallel(build, jobs, &documents, &mut sink, &mut progress)
    };
    progress.finish();
    let warnings = warnings?;
    sink.commit().map_err(|error| Failure {
        error,
        warnings: warnings.clone(),
    })?;
    Ok(warnings)
}

/// Below this many documents per worker, starting workers (each parses the templates) costs
/// more than it saves.
const DOCUMENTS_PER_JOB: usize = 32;

/// How many documents to inject at once: `--jobs`, else one per CPU, never more than the
/// input keeps busy.
fn jobs(flag: Option<usize>, documents: usize) -> usize {
    let wanted = flag.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    wanted.min(documents / DOCUMENTS_PER_JOB).max(1)
}

/// The injector, its templates parsed; a template that does not parse names the flag.
fn build_injector(loaded: &Loaded, options: &Options) -> Result<Injector, String> {
    let from_file = !loaded.config.templates.is_empty();
    Injector::new(
        loaded.config.clone(),
        loaded.values.clone(),
        loaded.mesh.clone(),
        options.clone(),
    )
    .map_err(|e| {
        let detail = if e.field.is_empty() {
            e.message
        } else {
            format!("{}: {}", e.field, e.message)
        };
        if from_file {
            format!("loading --injectConfigFile: {detail}")
        } else {
            detail
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_inputs_are_injected_by_one_worker() {
        assert_eq!(jobs(Some(8), 10), 1);
        assert_eq!(jobs(Some(8), 0), 1);
        assert_eq!(jobs(Some(2), 1000), 2);
        assert_eq!(jobs(Some(8), 3 * DOCUMENTS_PER_JOB), 3);
        assert!(jobs(None, 100_000) >= 1);
    }
}
