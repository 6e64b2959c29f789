#!/usr/bin/env bash
# Soak: Kubewarden's real policy-server on 127.0.0.1 under SOAK_SECONDS (default 60) of mixed
# traffic from the `soak` load driver (e2e-tests/src/bin/soak), every answer checked. It serves
# this policy twice: `good` (default settings) and `runaway` (a template that spends its whole
# step budget on every request). Stops itself; loopback only.
#
#   make soak                        (builds policy.wasm first)
#   e2e-tests/soak.sh [POLICY_WASM]
#
# policy-server: $POLICY_SERVER, on PATH, or ../shared/bin; skipped (exit 0), saying so, without
# it or without jq/curl.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
shared="$(cd "$root/.." && pwd)/shared"
policy_wasm="$(realpath -m "${1:-$root/policy.wasm}")"
seconds="${SOAK_SECONDS:-60}"
port="${PORT:-3310}"

# shellcheck source=policy-server.bash
source "$here/policy-server.bash"

require_policy_server soak
[ -f "$policy_wasm" ] || { echo "soak: $policy_wasm is missing (make policy.wasm)" >&2; exit 1; }

work="$(mktemp -d)"
cleanup() {
  stop_policy_server
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

(cd "$root" && cargo build --quiet -p e2e-tests --bin soak)
soak="$(cd "$root" && cargo metadata --format-version 1 --no-deps | jq -r .target_directory)/debug/soak"
annotate "$policy_wasm" "$root/policy-metadata.yml" "$work/policy.wasm"
"$soak" --runaway-settings >"$work/runaway.json"
jq -n --arg policy "file://$work/policy.wasm" --slurpfile runaway "$work/runaway.json" \
  '{good: {module: $policy, allowedToMutate: true, settings: {}},
    runaway: {module: $policy, allowedToMutate: true, settings: $runaway[0]}}' >"$work/policies.json"

echo "soak: starting $policy_server on 127.0.0.1:$port"
start_policy_server "$policy_server" "$port" "$work/policies.json" || exit 1
echo "soak: ${seconds}s of mixed traffic (2 connections; 1 more to the runaway policy in the second half)"
"$soak" --addr "127.0.0.1:$port" --pid "$server_pid" --seconds "$seconds" \
  --request "$root/examples/requests/pod-create.json"
