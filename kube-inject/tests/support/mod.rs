//! Running the built `kube-inject` binary from tests.

#![allow(dead_code)] // each test crate uses its own part of this module

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The binary under test, as cargo built it for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_kube-inject");

/// The switches istioctl reads from the environment; every run starts without them so that
/// the developer's shell cannot change a test's outcome.
const SWITCHES: [&str; 2] = ["ENABLE_NATIVE_SIDECARS", "COMPLIANCE_POLICY"];

/// One finished run.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// Panics with both streams when the run failed.
    pub fn expect_ok(self) -> Run {
        assert!(
            self.ok(),
            "kube-inject failed with {:?}\nstderr:\n{}",
            self.code,
            self.stderr
        );
        self
    }
}

/// Runs the binary with `args`, `stdin` on its standard input and `env` added to a clean
/// environment (see [`SWITCHES`]).
pub fn run(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in SWITCHES {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("kube-inject starts");
    if let Some(mut input) = child.stdin.take() {
        // A run that fails before reading stdin closes the pipe; that is not a test failure.
        let _ = input.write_all(stdin.as_bytes());
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("kube-inject finishes");
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}
