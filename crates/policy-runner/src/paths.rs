//! Where the built policy modules are: the workspace, `policy.wasm`, the no-op baseline.

use std::path::{Path, PathBuf};

/// What to do when `policy.wasm` is missing.
pub const POLICY_HINT: &str =
    "build it with `make policy.wasm` at the workspace root (or point POLICY_WASM at a build)";

/// What to do when the no-op baseline policy is missing.
pub const NOOP_HINT: &str = "build it with `cargo build -p noop-policy --target wasm32-wasip1 \
     --release` (or point NOOP_POLICY_WASM at a build)";

/// The workspace root (the directory holding the root `Cargo.toml`; this crate is
/// `crates/policy-runner` in it).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .nth(2)
        .map_or_else(|| manifest_dir.to_path_buf(), Path::to_path_buf)
}

/// `$POLICY_WASM`, else `<root>/policy.wasm` (what `make policy.wasm` produces).
pub fn policy_wasm_path() -> PathBuf {
    std::env::var_os("POLICY_WASM")
        .filter(|value| !value.is_empty())
        .map_or_else(|| workspace_root().join("policy.wasm"), from_root)
}

/// Paths given in the environment are relative to the workspace root, whichever directory
/// cargo runs a test binary from.
fn from_root(path: std::ffi::OsString) -> PathBuf {
    let path = PathBuf::from(path);
    if path.is_absolute() {
        path
    } else {
        workspace_root().join(path)
    }
}

/// `$NOOP_POLICY_WASM` (or `$NOOP_WASM`), else the release wasm build of `noop-policy` in the first Cargo
/// target directory that has one: `$CARGO_TARGET_DIR`, the target directory this binary was
/// built into, `<root>/target`.
pub fn noop_policy_wasm_path() -> PathBuf {
    let configured = ["NOOP_POLICY_WASM", "NOOP_WASM"]
        .iter()
        .find_map(|name| std::env::var_os(name).filter(|value| !value.is_empty()));
    if let Some(path) = configured {
        return from_root(path);
    }
    let relative = Path::new("wasm32-wasip1/release/noop_policy.wasm");
    let candidates = target_dirs()
        .into_iter()
        .map(|dir| dir.join(relative))
        .collect::<Vec<_>>();
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .or_else(|| candidates.into_iter().next())
        .unwrap_or_else(|| workspace_root().join("target").join(relative))
}

fn target_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|value| !value.is_empty()) {
        dirs.push(PathBuf::from(dir));
    }
    // Binaries live in <target>/<profile>/ and test executables in <target>/<profile>/deps/.
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(3) {
            if dir.join("wasm32-wasip1").is_dir() {
                dirs.push(dir.to_path_buf());
                break;
            }
        }
    }
    dirs.push(workspace_root().join("target"));
    dirs
}
