#!/usr/bin/env bash
# Fuzzes parse+execute of the gotemplate engine for SECONDS (default 60) with cargo-fuzz
# (libFuzzer), installing cargo-fuzz from crates.io when it is missing.
#
# cargo-fuzz runs on the stable toolchain with `--sanitizer none` (coverage instrumentation
# is a stable codegen option); a nightly toolchain, where one is installed, adds
# AddressSanitizer. Only when cargo-fuzz cannot be installed does the same parse+execute run on
# random inputs through the proptest generators of tests/no_panic.rs, for the same time. The
# first output line says which.
set -euo pipefail
seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
crate="$(dirname "$here")"
# shellcheck source=../../../fuzz/toolchain.bash
source "$crate/../../fuzz/toolchain.bash"

if fuzz_toolchain; then
    echo "fuzz mode: cargo-fuzz (libFuzzer) on ${FUZZ_TOOLCHAIN_NAME}, ${seconds}s"
    cd "$here"
    mkdir -p corpus/parse_execute
    # Seed with the Istio templates when the conformance data is present.
    seed="${ISTIO_CONFORMANCE_DIR:-$crate/../../../shared/istio-conformance}/base/injector-config.yaml"
    if [ -f "$seed" ]; then cp "$seed" corpus/parse_execute/istio-injector-config; fi
    exec cargo "${FUZZ_CARGO[@]}" fuzz run "${FUZZ_SANITIZER[@]}" parse_execute corpus/parse_execute \
        -- -max_total_time="$seconds" -max_len=8192
else
    echo "fuzz mode: proptest random inputs (cargo-fuzz unavailable), ${seconds}s"
    cd "$crate"
    GOTEMPLATE_FUZZ_SECONDS="$seconds" exec cargo test --release --test no_panic timed_random_inputs -- --nocapture
fi
