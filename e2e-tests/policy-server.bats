#!/usr/bin/env bats
# The annotated policy served by Kubewarden's real policy-server, whose context-aware calls go
# to a Kubernetes API server: e2e-tests/fake-apiserver.py on loopback, holding the fixtures'
# Namespaces and Nodes (and, when the conformance data set is beside the workspace, Istio's
# two ConfigMaps built from its base/). Where kwctl's replay sessions answer each call from a
# recording, here policy-server's own Kubernetes client lists, watches and caches the objects,
# and enforces what each policy was granted.
#
#   make annotated-policy.wasm && bats e2e-tests/policy-server.bats
#
# policy-server is $POLICY_SERVER, else on PATH, else ../shared/bin/policy-server; without it,
# python3 (with PyYAML) or curl, every test skips, saying which is missing.

bats_require_minimum_version 1.5.0

load requests

# A free port from the kernel, for the servers of this file.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

setup_file() {
  local shared="$BATS_TEST_DIRNAME/../../shared"
  local server
  if [ -n "${POLICY_SERVER:-}" ]; then
    server="$POLICY_SERVER"
  elif type -P policy-server >/dev/null 2>&1; then
    server="$(type -P policy-server)"
  elif [ -x "$shared/bin/policy-server" ]; then
    server="$shared/bin/policy-server"
  else
    export SKIP_REASON="policy-server not found: set POLICY_SERVER, put it on PATH, or provide ../shared/bin/policy-server"
    return 0
  fi
  for tool in python3 curl jq; do
    command -v "$tool" >/dev/null 2>&1 || { export SKIP_REASON="$tool is not installed"; return 0; }
  done
  python3 -c 'import yaml' 2>/dev/null || { export SKIP_REASON="PyYAML is not installed (the node fixtures are YAML)"; return 0; }
  local policy="${POLICY:-$BATS_TEST_DIRNAME/../annotated-policy.wasm}"
  [ -f "$policy" ] || { echo "no policy at $policy: run 'make annotated-policy.wasm' first" >&2; return 1; }

  local dir="$BATS_FILE_TMPDIR" fixtures="$BATS_TEST_DIRNAME/fixtures"
  local istio_base=() api_port
  if [ -d "$shared/istio-conformance/base" ]; then
    export ISTIO_BASE="$shared/istio-conformance/base"
    istio_base=(--istio-base "$ISTIO_BASE")
  fi
  api_port="$(free_port)"
  python3 "$BATS_TEST_DIRNAME/fake-apiserver.py" --kubeconfig "$dir/kubeconfig" "${istio_base[@]}" \
    "$api_port" "$fixtures"/namespaces/*.json "$fixtures/nodes/current.yaml" \
    2>"$dir/apiserver.log" 3>&- &
  echo $! >"$dir/apiserver.pid"
  # The kubeconfig is written once the server listens.
  for _ in $(seq 1 100); do [ -f "$dir/kubeconfig" ] && break; sleep 0.1; done
  [ -f "$dir/kubeconfig" ] || { cat "$dir/apiserver.log" >&2; echo "the fake API server did not start" >&2; return 1; }

  # The policies: name → settings, each granted what it reads but `ungranted`.
  jq -n --arg wasm "file://$(realpath "$policy")" '
    {contextAwareResources: [{apiVersion: "v1", kind: "Namespace"}, {apiVersion: "v1", kind: "Node"},
       {apiVersion: "v1", kind: "ConfigMap"}],
     hostCapabilities: ["kubernetes/*"]} as $grants
    | {module: $wasm, allowedToMutate: true} as $p
    | {auto: ($p + $grants + {settings: {}}),
       ungranted: ($p + {settings: {}}),
       lookup: ($p + $grants + {settings: {namespaceSelection: "lookup"}}),
       proxyconfigs: ($p + $grants + {settings: {proxyConfigs: true}}
         | .contextAwareResources += [{apiVersion: "networking.istio.io/v1beta1", kind: "ProxyConfig"}]),
       live: ($p + $grants + {settings: {configMaps: {namespace: "istio-system"}}}),
       "live-elsewhere": ($p + $grants + {settings: {configMaps: {namespace: "istio-config"}}})}' \
    >"$dir/policies.json"

  local port readiness
  port="$(free_port)"
  readiness="$(free_port)"
  echo "$port" >"$dir/port"
  KUBECONFIG="$dir/kubeconfig" "$server" --addr 127.0.0.1 --port "$port" \
    --readiness-probe-port "$readiness" --policies "$dir/policies.json" \
    --policies-download-dir "$dir/dl" --sigstore-cache-dir "$dir/sig" \
    >"$dir/server.log" 2>&1 3>&- &
  echo $! >"$dir/server.pid"
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$readiness/readiness" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$dir/server.pid")" 2>/dev/null || break
    sleep 0.5
  done
  tail -20 "$dir/server.log" >&2
  echo "policy-server did not become ready" >&2
  return 1
}

teardown_file() {
  local pid
  for pid in "$BATS_FILE_TMPDIR/server.pid" "$BATS_FILE_TMPDIR/apiserver.pid"; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
}

setup() {
  [ -z "${SKIP_REASON:-}" ] || skip "$SKIP_REASON"
  FIXTURES="$BATS_TEST_DIRNAME/fixtures"
}

# review POLICY REQUEST_FILE: posts the request as an AdmissionReview to the policy; the
# response is in $response, the request's object with the patch applied in $pod.
review() {
  local request="$2"
  local body="$BATS_TEST_TMPDIR/review.json"
  jq '{apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: .}' "$request" >"$body"
  run curl -s -m 30 -X POST -H 'Content-Type: application/json' --data @"$body" \
    "http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")/validate/$1"
  echo "output = ${output}"
  [ "$status" -eq 0 ]
  response="$(echo "$output" | jq -c '.response')"
  local patch
  patch="$(echo "$response" | jq -c 'if .patch then .patch | @base64d | fromjson else [] end')"
  pod="$(jq '.object' "$request" | jq --argjson patch "$patch" -f "$BATS_TEST_DIRNAME/apply-patch.jq")"
}

allowed() {
  [ "$(echo "$response" | jq -r '.allowed')" = "true" ]
}

init_containers() {
  echo "$pod" | jq -r '[.spec.initContainers[]?.name] | join(",")'
}

containers() {
  echo "$pod" | jq -r '[.spec.containers[].name] | join(",")'
}

@test "auto: the nodes listed through policy-server all run kubelet 1.33 or later, so a native sidecar" {
  review auto "$FIXTURES/requests/pod-ns-injection-enabled.json"
  allowed
  [ "$(init_containers)" = "istio-init,istio-proxy" ]
  [ "$(echo "$pod" | jq -r '.spec.initContainers[1].restartPolicy')" = "Always" ]
  [ "$(containers)" = "sleep" ]
  [ "$(echo "$response" | jq -r '.warnings')" = "null" ]
}

@test "auto without access to Nodes: policy-server refuses the list, a classic sidecar and a warning" {
  review ungranted "$FIXTURES/requests/pod-ns-injection-enabled.json"
  allowed
  [ "$(init_containers)" = "istio-init" ]
  [ "$(containers)" = "sleep,istio-proxy" ]
  [[ "$(echo "$response" | jq -r '.warnings[0]')" == *"cannot read the cluster's nodes"*"not been granted access"*"regular container" ]]
}

@test "lookup: a pod in a namespace labelled istio-injection=enabled is injected" {
  review lookup "$FIXTURES/requests/pod-ns-injection-enabled.json"
  allowed
  [ "$(echo "$response" | jq -r '.patchType')" = "JSONPatch" ]
  [ "$(init_containers)" = "istio-init,istio-proxy" ]
  [ "$(echo "$response" | jq -r '.auditAnnotations.injection')" = "injected" ]
}

@test "lookup: a pod in an unlabelled namespace is accepted untouched" {
  review lookup "$FIXTURES/requests/pod-ns-unlabelled.json"
  allowed
  [ "$(echo "$response" | jq -r '.patch')" = "null" ]
  [ "$(echo "$response" | jq -r '.auditAnnotations.injection')" = "not-injected" ]
}

@test "live ConfigMaps: injected with the templates and values read from istio-system" {
  [ -n "${ISTIO_BASE:-}" ] ||
    skip "no conformance data set beside the workspace (../shared/istio-conformance): no Istio ConfigMaps to serve"
  review live "$FIXTURES/requests/pod-ns-injection-enabled.json"
  allowed
  [ "$(init_containers)" = "istio-init,istio-proxy" ]
  # The proxy image is the served values' hub and tag, not the built-in defaults'.
  local values="$ISTIO_BASE/values.json"
  [ "$(echo "$pod" | jq -r '.spec.initContainers[1].image')" = \
    "$(jq -r '.global | "\(.hub)/\(.proxy.image):\(.tag)"' "$values")" ]
  [ "$(echo "$response" | jq -r '.auditAnnotations.injection')" = "injected" ]
}

@test "live ConfigMaps: a namespace without them rejects the pod, naming the ConfigMap" {
  review live-elsewhere "$FIXTURES/requests/pod-ns-injection-enabled.json"
  [ "$(echo "$response" | jq -r '.allowed')" = "false" ]
  [ "$(echo "$response" | jq -r '.status.message')" = "ConfigMap istio-config/istio-sidecar-injector not found" ]
  [ "$(echo "$response" | jq -r '.status.code')" = "500" ]
}

@test "auto: a pod bound to a node is decided by that node, read by name" {
  review auto "$(bound_to worker-b)"
  allowed
  [ "$(init_containers)" = "istio-init,istio-proxy" ]
  [ "$(echo "$response" | jq -r '.warnings')" = "null" ]
}

@test "auto: a pod bound to a node the cluster does not know is decided by every node, as istiod does" {
  review auto "$(bound_to worker-gone)"
  allowed
  [ "$(init_containers)" = "istio-init,istio-proxy" ]
  [ "$(echo "$response" | jq -r '.warnings')" = "null" ]
}

@test "proxyConfigs on a cluster without Istio's ProxyConfig CRD: nothing to apply, the pod is injected" {
  review proxyconfigs "$FIXTURES/requests/pod-ns-injection-enabled.json"
  allowed
  [ "$(init_containers)" = "istio-init,istio-proxy" ]
  [ "$(echo "$response" | jq -r '.auditAnnotations.injection')" = "injected" ]
}
