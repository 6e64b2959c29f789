#!/usr/bin/env bash
# Fuzzes parse+execute of the gotemplate engine for SECONDS (default 60).
#
# With a nightly toolchain: runs the cargo-fuzz target `parse_execute` (installing cargo-fuzz
# if it is missing). Without one: runs the same parse+execute on random inputs through the
# proptest generators of tests/no_panic.rs, for the same time. The first output line says which.
set -euo pipefail
seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
crate="$(dirname "$here")"

if command -v rustup >/dev/null 2>&1 && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
        echo "installing cargo-fuzz" >&2
        cargo install --locked cargo-fuzz >&2
    fi
    echo "fuzz mode: cargo-fuzz (libFuzzer) on nightly, ${seconds}s"
    cd "$here"
    mkdir -p corpus/parse_execute
    # Seed with the Istio templates when the conformance data is present.
    seed="${ISTIO_CONFORMANCE_DIR:-$crate/../../../shared/istio-conformance}/base/injector-config.yaml"
    if [ -f "$seed" ]; then cp "$seed" corpus/parse_execute/istio-injector-config; fi
    exec cargo +nightly fuzz run parse_execute -- -max_total_time="$seconds" -max_len=8192
else
    echo "fuzz mode: proptest random inputs (no nightly toolchain), ${seconds}s"
    cd "$crate"
    GOTEMPLATE_FUZZ_SECONDS="$seconds" exec cargo test --release --test no_panic timed_random_inputs -- --nocapture
fi
