//! `kube-inject`: `istioctl kube-inject` without a cluster. Reads workload YAML, writes it
//! back with Istio's sidecar injected, for `kube-inject -f app.yaml | kubectl apply -f -`.
//!
//! Arguments ([`cli`]) → configuration files ([`config_files`]) → the injector library over
//! every document ([`run`], [`inject_documents`]) → the output ([`sink`]). Exit status: 0 on success, 1 on any error (printed as
//! istioctl prints it, `Error: ...`), 2 for arguments clap cannot parse.

mod check_inject;
mod cli;
mod config_files;
mod files;
mod inject_documents;
mod progress;
mod proxy_configs;
mod run;
mod sink;
mod switches;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

// Profiled: glibc's malloc and free were a quarter of an injection run (every document becomes
// several JSON trees and YAML event streams); mimalloc allocates and frees them faster.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1).peekable();
    if argv.peek().map(String::as_str) == Some("check-inject") {
        argv.next();
        let stdout = std::io::stdout();
        return match check_inject::main(argv, &mut stdout.lock()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("Error: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let args = cli::Args::parse();
    let stderr = std::io::stderr();
    let mut stderr = stderr.lock();
    let (warnings, error) = match run::run(&args, &mut stderr) {
        Ok(warnings) => (warnings, None),
        Err(failure) => (failure.warnings, Some(failure.error)),
    };
    // istioctl's layout: a blank line, then the warnings, each on its own line. Written at
    // once: stderr is unbuffered, and a large input has a warning per workload.
    if !warnings.is_empty() {
        let mut text = String::from("\n");
        for warning in &warnings {
            text.push_str(warning);
            text.push('\n');
        }
        let _ = stderr.write_all(text.as_bytes());
    }
    match error {
        None => ExitCode::SUCCESS,
        Some(error) => {
            let _ = writeln!(stderr, "Error: {error}");
            ExitCode::FAILURE
        }
    }
}
