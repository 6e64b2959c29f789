# Sourced by the fuzz scripts: picks how cargo-fuzz runs here.
#
# cargo-fuzz needs no nightly compiler with `--sanitizer none`: coverage instrumentation is a
# stable codegen option, and a machine may have only its one stable toolchain (no other can be
# fetched). A nightly toolchain, where rustup has one, adds AddressSanitizer for the template
# engine. cargo-fuzz itself comes from crates.io when it is missing.
#
# fuzz_toolchain sets FUZZ_CARGO (cargo's toolchain argument, maybe empty), FUZZ_SANITIZER (the
# sanitizer flags for `cargo fuzz run`/`build`) and FUZZ_TOOLCHAIN_NAME, and fails when
# cargo-fuzz is not there and cannot be installed.
fuzz_toolchain() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "installing cargo-fuzz" >&2
        cargo install --locked cargo-fuzz >&2 || return 1
    fi
    if command -v rustup >/dev/null 2>&1 && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
        FUZZ_CARGO=(+nightly)
        FUZZ_SANITIZER=()
        FUZZ_TOOLCHAIN_NAME="nightly"
    else
        FUZZ_CARGO=()
        FUZZ_SANITIZER=(--sanitizer none)
        FUZZ_TOOLCHAIN_NAME="$(rustc --version | cut -d' ' -f1-2), no sanitizer"
    fi
}
