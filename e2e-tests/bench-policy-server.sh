#!/usr/bin/env bash
# Latency and throughput through Kubewarden's real policy-server, on loopback, under wrk.
#
#   make bench-policy-server        (builds policy.wasm and the no-op policy first)
#   e2e-tests/bench-policy-server.sh [POLICY_WASM] [NOOP_WASM]
#
# One policy-server on 127.0.0.1 serves the no-op (e2e-tests/noop-policy), Kubewarden's
# pod-privileged-policy as a peer, and this policy with default settings and with Istio's
# templates, values and mesh config inline as the ConfigMaps' strings (from the conformance data
# set's base/), each of the two also with `nativeSidecars: false`, and with the same
# configuration read live from the cluster's ConfigMaps (`configMaps` settings). The
# `istio-native-no-lookup` row (`nativeSidecars: true`) injects what the default row injects on
# this cluster without asking for the nodes: the two differ by the node lookup alone.
#
# The cluster is e2e-tests/fake-apiserver.py on loopback (python3; PyYAML for the nodes): a
# read-only API server holding the demo Namespace, the demo nodes (examples/cluster, every
# kubelet 1.33 or later) and Istio's two ConfigMaps in istio-system, built from base/. The
# policy rows are granted ConfigMaps, Namespaces and Nodes, so the default, `nativeSidecars:
# auto`, lists the nodes for every pod it injects (policy-server answers from its watch cache
# after the first request) and injects a native sidecar. The `-no-node-lookup` rows inject a
# classic sidecar without that host call. Without python3 there is no cluster: the node lookup
# is refused (and logged as an error) on every request, the policy falls back to a classic
# sidecar with a warning, and the live rows are skipped.
#
# Each policy is driven with wrk for ROUND_SECONDS, in ROUNDS interleaved rounds, with the same
# Pod CREATE AdmissionReview; the table gives the median over rounds of p50, p99 and req/s, and
# the ratios to the no-op (latency) and to the peer (throughput), then policy-server's own CPU
# time and page faults per request served (from /proc, over all the row's rounds): under wrk's
# two connections the latency is partly waiting, as a host call hops between policy-server's
# threads, and the CPU time is the work. `istio-no-node-lookup-replayed`
# is a module that answers what the no-node-lookup row answers without computing it: the policy
# server's own cost of that request and that mutation, the floor under the row. With
# BASELINE_WASM set, that build's rows (`baseline-istio-…`) are served and measured alongside, in
# the same rounds. REQUEST=<file> sends another AdmissionRequest (default
# examples/requests/pod-create.json); CLUSTER_NODES=<file> gives the cluster other nodes (a JSON
# NodeList, or YAML) than the demo's two.
#
# Binaries: $POLICY_SERVER or policy-server on PATH or ../shared/bin/policy-server; wrk on PATH;
# the peer at $PEER_POLICY or ../shared/bin/pod-privileged-policy-1.0.8.wasm. Whatever is
# missing is named and skipped (exit 0). FAKE_APISERVER_LOG=1 APISERVER_LOG=<file> keeps the
# fake API server's log of every request (policy-server's client comes back rarely: it caches).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
shared="$(cd "$root/.." && pwd)/shared"
policy_wasm="$(realpath -m "${1:-$root/policy.wasm}")"
noop_wasm="$(realpath -m "${2:-${NOOP_WASM:-$root/target/wasm32-wasip1/release/noop_policy.wasm}}")"
rounds="${ROUNDS:-3}"
round_seconds="${ROUND_SECONDS:-4}"
connections="${CONNECTIONS:-2}"
port="${PORT:-3300}"
conformance="${ISTIO_CONFORMANCE_DIR:-$shared/istio-conformance}"
# The sample Pod CREATE, its object in Go's field order as an API server encodes it.
request="$(realpath -m "${REQUEST:-$root/examples/requests/pod-create.json}")"

# shellcheck source=policy-server.bash
source "$here/policy-server.bash"

require_policy_server bench-policy-server
command -v wrk >/dev/null 2>&1 || skip_run bench-policy-server "wrk is not installed (Debian package wrk)"
peer_wasm="${PEER_POLICY:-$shared/bin/pod-privileged-policy-1.0.8.wasm}"
for module in "$policy_wasm" "$noop_wasm"; do
  [ -f "$module" ] || { echo "bench-policy-server: $module is missing (make policy.wasm noop-policy)" >&2; exit 1; }
done

work="$(mktemp -d)"
api_pid=""
cleanup() {
  stop_policy_server
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

cat >"$work/noop-metadata.yml" <<EOF
rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
    operations: ["CREATE"]
mutating: true
executionMode: kubewarden-wapc
EOF
annotate "$noop_wasm" "$work/noop-metadata.yml" "$work/noop.wasm"
annotate "$policy_wasm" "$root/policy-metadata.yml" "$work/policy.wasm"
noop_wasm="$work/noop.wasm"
policy_wasm="$work/policy.wasm"

# The policies: name → module and settings. policies.yml is written as JSON (valid YAML).
names=(noop)
jq -n --arg noop "file://$noop_wasm" '{noop: {module: $noop, allowedToMutate: true, settings: {}}}' \
  >"$work/policies.json"
if [ -f "$peer_wasm" ]; then
  names+=(peer)
  jq --arg peer "file://$(realpath "$peer_wasm")" '. + {peer: {module: $peer, settings: {}}}' \
    "$work/policies.json" >"$work/p.json" && mv "$work/p.json" "$work/policies.json"
else
  echo "bench-policy-server: no peer policy at $peer_wasm; skipping its rows"
fi
[ -d "$conformance/base" ] ||
  echo "bench-policy-server: no conformance data set at $conformance; skipping the Istio template rows"

# The cluster the policy rows read: a fake API server on loopback (see the top).
api_port="$((port + 10))"
cluster_objects=("$root/examples/cluster/demo.json")
if ! command -v python3 >/dev/null 2>&1; then
  echo "bench-policy-server: no python3: no cluster; the node lookup is refused and the live-ConfigMap rows are skipped"
  cluster_objects=()
elif [ -n "${CLUSTER_NODES:-}" ]; then
  cluster_objects+=("$(realpath "$CLUSTER_NODES")")
elif python3 -c 'import yaml' 2>/dev/null; then
  cluster_objects+=("$root/examples/cluster/nodes.yaml")
else
  echo "bench-policy-server: no PyYAML: the cluster has no nodes (auto injects a classic sidecar)"
fi
kubeconfig=""
if [ ${#cluster_objects[@]} -gt 0 ]; then
  istio_base=()
  [ -d "$conformance/base" ] && istio_base=(--istio-base "$conformance/base")
  python3 "$here/fake-apiserver.py" --kubeconfig "$work/kubeconfig" "${istio_base[@]}" \
    "$api_port" "${cluster_objects[@]}" 2>"${APISERVER_LOG:-$work/apiserver.log}" &
  api_pid=$!
  # The kubeconfig is written once the server listens.
  for _ in $(seq 1 100); do [ -f "$work/kubeconfig" ] && break; sleep 0.1; done
  [ -f "$work/kubeconfig" ] || { cat "${APISERVER_LOG:-$work/apiserver.log}" >&2; echo "bench-policy-server: the fake API server did not start" >&2; exit 1; }
  kubeconfig="$work/kubeconfig"
fi
# What a policy row may read of the cluster (policy-server refuses anything not granted).
grants='{contextAwareResources: [{apiVersion: "v1", kind: "ConfigMap"},
  {apiVersion: "v1", kind: "Namespace"}, {apiVersion: "v1", kind: "Node"}],
  hostCapabilities: ["kubernetes/*"]}'

# Istio's configuration inline, as the ConfigMaps' strings ({} without the data set).
if [ -d "$conformance/base" ]; then
  jq -n --rawfile config "$conformance/base/injector-config.yaml" \
    --rawfile values "$conformance/base/values.json" --rawfile mesh "$conformance/base/mesh.yaml" \
    '{injectorConfig: $config, values: $values, meshConfig: $mesh}' >"$work/istio.json"
else
  echo '{}' >"$work/istio.json"
fi

# Adds the policy row NAME: MODULE with the settings SETTINGS (a jq expression, which may use
# $istio, the inline configuration, and $live, the ConfigMaps' place), granted the cluster.
add_row() {
  local name="$1" module="$2" settings="$3"
  names+=("$name")
  jq --arg name "$name" --arg wasm "file://$module" --slurpfile inline "$work/istio.json" \
    "($grants) as \$grants | \$inline[0] as \$istio
     | {configMaps: {namespace: \"istio-system\"}} as \$live
     | . + {(\$name): ({module: \$wasm, allowedToMutate: true, settings: ($settings)} + \$grants)}" \
    "$work/policies.json" >"$work/p.json"
  mv "$work/p.json" "$work/policies.json"
}

# This policy's rows, named PREFIX + istio-…, served from MODULE.
add_istio_policies() {
  local prefix="$1" module="$2"
  add_row "${prefix}istio-default" "$module" '{}'
  add_row "${prefix}istio-no-node-lookup" "$module" '{nativeSidecars: false}'
  add_row "${prefix}istio-native-no-lookup" "$module" '{nativeSidecars: true}'
  [ -d "$conformance/base" ] || return 0
  add_row "${prefix}istio-templates" "$module" '$istio'
  add_row "${prefix}istio-templates-no-node-lookup" "$module" '$istio + {nativeSidecars: false}'
  # The chart's templates through the Go-template engine rather than recognised as stock, as
  # edited templates are rendered; not for a baseline, which may predate the setting.
  [ -n "$prefix" ] || add_row "istio-templates-engine" "$module" '$istio + {stockTemplates: "engine"}'
  [ -n "$kubeconfig" ] || return 0
  add_row "${prefix}istio-live-configmaps" "$module" '$live'
  add_row "${prefix}istio-live-configmaps-no-node-lookup" "$module" '$live + {nativeSidecars: false}'
}
add_istio_policies "" "$policy_wasm"
# The floor under the no-node-lookup row: a module that answers this policy's own answer to the
# request without computing it (policy-runner's replay-policy), served like the no-op.
if (cd "$root" && cargo run --quiet -p policy-runner --bin replay-policy -- \
  --request-path "$request" --settings-json '{"nativeSidecars": false}' \
  -o "$work/replay-raw.wasm" "$policy_wasm"); then
  annotate "$work/replay-raw.wasm" "$work/noop-metadata.yml" "$work/replay.wasm"
  names+=(istio-no-node-lookup-replayed)
  jq --arg wasm "file://$work/replay.wasm" \
    '. + {"istio-no-node-lookup-replayed": {module: $wasm, allowedToMutate: true, settings: {}}}' \
    "$work/policies.json" >"$work/p.json"
  mv "$work/p.json" "$work/policies.json"
else
  echo "bench-policy-server: could not build the replaying module; skipping its row"
fi
# A build to compare with (e.g. main's), served by the same server in the same rounds.
if [ -n "${BASELINE_WASM:-}" ]; then
  [ -f "$BASELINE_WASM" ] || { echo "bench-policy-server: BASELINE_WASM $BASELINE_WASM is missing" >&2; exit 1; }
  annotate "$(realpath "$BASELINE_WASM")" "$root/policy-metadata.yml" "$work/baseline.wasm"
  add_istio_policies "baseline-" "$work/baseline.wasm"
fi

# A typical Pod CREATE, as an AdmissionReview.
jq '{apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: .}' \
  "$request" >"$work/review.json"

cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/review.json", "rb")
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors))
end
EOF

echo "bench-policy-server: starting $policy_server on 127.0.0.1:$port (compiling ${#names[@]} policies)"
# policy-server's Kubernetes client reads KUBECONFIG: the fake cluster's, never a real one.
if [ -n "$kubeconfig" ]; then export KUBECONFIG="$kubeconfig"; fi
start_policy_server "$policy_server" "$port" "$work/policies.json" || exit 1

# Every policy must answer the review before it is timed: allowed, and patched where it injects.
for name in "${names[@]}"; do
  answer="$(curl -s -X POST -H 'Content-Type: application/json' --data @"$work/review.json" \
    "http://127.0.0.1:$port/validate/$name")"
  allowed="$(jq -r '.response.allowed' <<<"$answer" 2>/dev/null || echo "?")"
  patched="$(jq -r 'if .response.patch then "patched" else "unchanged" end' <<<"$answer" 2>/dev/null || echo "?")"
  if [ "$allowed" != "true" ]; then
    echo "bench-policy-server: $name did not allow the request: ${answer:0:300}" >&2
    exit 1
  fi
  case "$name" in istio-* | baseline-istio-*) [ "$patched" = patched ] || { echo "bench-policy-server: $name did not inject" >&2; exit 1; } ;; esac
done

# policy-server's CPU time (user + system, clock ticks) and minor page faults so far, all its
# threads, those gone included.
server_usage() { awk '{print $14 + $15, $10}' "/proc/$server_pid/stat" 2>/dev/null || echo "0 0"; }

echo "wrk: $connections connections, 1 thread, ${round_seconds}s per policy, $rounds interleaved rounds"
for round in $(seq 1 "$rounds"); do
  for name in "${names[@]}"; do
    read -r ticks faults < <(server_usage)
    wrk -t1 -c"$connections" -d"${round_seconds}s" -s "$work/post.lua" \
      "http://127.0.0.1:$port/validate/$name" | awk -v n="$name" '/^RESULT/ {print n, $2, $3, $4, $5, $6}' \
      >>"$work/results"
    read -r ticks_after faults_after < <(server_usage)
    echo "$name $((ticks_after - ticks)) $((faults_after - faults))" >>"$work/usage"
  done
done

# name requests duration_us p50_us p99_us errors → median over rounds.
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
stat() { awk -v n="$1" -v col="$2" '$1 == n {print $col}' "$work/results" | median; }
rps() { awk -v n="$1" '$1 == n {printf "%.1f\n", $2 / ($3 / 1e6)}' "$work/results" | median; }
errors() { awk -v n="$1" '$1 == n {s += $6} END {print s + 0}' "$work/results"; }

noop_p50="$(stat noop 4)"
peer_rps="$( [ -f "$peer_wasm" ] && rps peer || echo "")"
echo
echo "| policy | p50 ms | p99 ms | req/s | errors | p50 × no-op | req/s × peer |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for name in "${names[@]}"; do
  p50="$(stat "$name" 4)" p99="$(stat "$name" 5)" r="$(rps "$name")"
  awk -v n="$name" -v p50="$p50" -v p99="$p99" -v r="$r" -v e="$(errors "$name")" \
    -v base="$noop_p50" -v peer="$peer_rps" 'BEGIN {
      printf "| %s | %.2f | %.2f | %.0f | %d | %.2f | %s |\n", n, p50 / 1000, p99 / 1000, r, e,
        p50 / base, (peer == "" ? "" : sprintf("%.2f", r / peer))
    }'
done

# Per request served, over all rounds: policy-server's CPU time and minor page faults.
if [ -r "/proc/$server_pid/stat" ]; then
  tick_us="$(awk -v hz="$(getconf CLK_TCK 2>/dev/null || echo 100)" 'BEGIN {print 1e6 / hz}')"
  usage_total() {
    awk -v n="$1" -v col="$2" '$1 == n {s += $col} END {print s + 0}' "$work/usage"
  }
  served() { awk -v n="$1" '$1 == n {s += $2} END {print s + 0}' "$work/results"; }
  noop_cpu="$(awk -v t="$(usage_total noop 2)" -v r="$(served noop)" -v us="$tick_us" \
    'BEGIN {if (r > 0) print t * us / r}')"
  echo
  echo "| policy | policy-server CPU µs per request | × no-op | page faults per request |"
  echo "|---|---:|---:|---:|"
  for name in "${names[@]}"; do
    awk -v n="$name" -v t="$(usage_total "$name" 2)" -v f="$(usage_total "$name" 3)" \
      -v r="$(served "$name")" -v us="$tick_us" -v base="$noop_cpu" 'BEGIN {
        if (r <= 0) { printf "| %s | | | |\n", n; exit }
        cpu = t * us / r
        printf "| %s | %.0f | %s | %.1f |\n", n, cpu, (base > 0 ? sprintf("%.2f", cpu / base) : ""), f / r
      }'
  done
fi
