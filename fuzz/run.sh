#!/usr/bin/env bash
# Fuzzes every target for SECONDS each (default 60): the pipeline's (this crate: admission,
# kube_inject_input, strategic_merge, goyaml_emit, goyaml_read) and the template engine's (parse_execute).
# Ends with one line per target: executions, seconds, crashes. Fails on any crash.
#
# cargo-fuzz runs on whatever toolchain is here (toolchain.bash: nightly if rustup has one,
# else the stable one, with `--sanitizer none` either way for these targets). Only where
# cargo-fuzz cannot be installed are the pipeline targets skipped, saying so
# (crates/injector/tests/pipeline_robustness.rs covers them in `make test`), and the template
# engine falls back to its proptest run.
set -euo pipefail
seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cases="${ISTIO_CONFORMANCE_DIR:-$root/../shared/istio-conformance}/cases"
targets=(admission kube_inject_input strategic_merge goyaml_emit goyaml_read)
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

status=0
if ! "$root/crates/gotemplate/fuzz/run.sh" "$seconds" >"$logs/parse_execute" 2>&1; then
    status=1
    tail -40 "$logs/parse_execute"
fi
grep -E '^fuzz mode|test result' "$logs/parse_execute" || true

# shellcheck source=toolchain.bash
source "$here/toolchain.bash"
if ! fuzz_toolchain; then
    echo "fuzz: cargo-fuzz is not installed and 'cargo install cargo-fuzz' failed:" \
        "pipeline targets (${targets[*]}) skipped"
    exit "$status"
fi
echo "fuzz: pipeline targets on ${FUZZ_TOOLCHAIN_NAME%%, *}"

cd "$here"
if [ -d "$cases" ] && python3 -c 'import yaml' 2>/dev/null; then
    python3 seed.py "$cases" corpus
else
    echo "fuzz: no conformance cases or no PyYAML: corpora start empty"
fi
# Safe Rust: AddressSanitizer finds nothing the panics do not, and it doubles the build (the
# CI cost) and halves the executions. One build for every target, so each run is fuzzing only.
flags=(--sanitizer none --codegen-units 16)
cargo "${FUZZ_CARGO[@]}" fuzz build "${flags[@]}" >/dev/null 2>&1 || cargo "${FUZZ_CARGO[@]}" fuzz build "${flags[@]}"
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    if ! cargo "${FUZZ_CARGO[@]}" fuzz run "${flags[@]}" "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$logs/$target" 2>&1; then
        status=1
        grep -E 'panicked|SUMMARY|Test unit written|ERROR' "$logs/$target" | head -20
    fi
done

echo "fuzz summary (${seconds}s per target):"
for target in parse_execute "${targets[@]}"; do
    runs="$(grep -oE 'Done [0-9]+ runs' "$logs/$target" | grep -oE '[0-9]+' | tail -1)"
    crashes="$(grep -cE 'deadly signal|panicked|ERROR: libFuzzer' "$logs/$target" || true)"
    printf '  %-18s %10s executions  %s crashes\n' "$target" "${runs:-n/a}" "$crashes"
done
exit "$status"
