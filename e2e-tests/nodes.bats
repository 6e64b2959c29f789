#!/usr/bin/env bats
# `nativeSidecars: auto` (the default) through `kwctl run`: the policy reads the cluster's
# Nodes through context-aware calls, replayed from recorded sessions, and injects istio-proxy
# as a native sidecar only where every kubelet that may run the pod is 1.33 or later, as istiod
# does.
#
#   make annotated-policy.wasm && bats e2e-tests/nodes.bats

bats_require_minimum_version 1.5.0

load kwctl
load requests

setup() {
  kwctl_setup
}

# evaluate REQUEST_FILE SETTINGS_JSON [SESSION...]: with no session the policy gets no
# context-aware access at all.
evaluate() {
  local request="$1" settings="$2"
  shift 2
  local args=(run --request-path "$request" --settings-json "$settings")
  if [ "$#" -gt 0 ]; then
    args+=(--allow-context-aware --replay-host-capabilities-interactions "$(session "$@")")
  fi
  run --separate-stderr kwctl "${args[@]}" "$POLICY"
  echo "output = ${output}"
  echo "stderr = ${stderr}"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.allowed')" = "true" ]
  local patch
  patch="$(echo "$output" | jq -c 'if .patch then .patch | @base64d | fromjson else [] end')"
  pod="$(jq '.object' "$request" | jq --argjson patch "$patch" -f "$BATS_TEST_DIRNAME/apply-patch.jq")"
}

native() {
  [ "$(echo "$pod" | jq -r '[.spec.initContainers[].name] | join(",")')" = "istio-init,istio-proxy" ]
  [ "$(echo "$pod" | jq -r '.spec.initContainers[1].restartPolicy')" = "Always" ]
  [ "$(echo "$pod" | jq -r '[.spec.containers[].name] | join(",")')" = "sleep" ]
}

classic() {
  [ "$(echo "$pod" | jq -r '[.spec.initContainers[].name] | join(",")')" = "istio-init" ]
  [ "$(echo "$pod" | jq -r '[.spec.containers[].name] | join(",")')" = "sleep,istio-proxy" ]
}

no_warnings() {
  [ "$(echo "$output" | jq -r '.warnings')" = "null" ]
}

@test "auto: native when every node runs kubelet 1.33 or later" {
  evaluate "$FIXTURES/requests/pod-ns-injection-enabled.json" '{}' nodes-current
  native
  no_warnings
}

@test "auto: classic when one node still runs kubelet 1.32" {
  evaluate "$FIXTURES/requests/pod-ns-injection-enabled.json" '{}' nodes-mixed
  classic
  no_warnings
}

@test "auto: a scheduled pod asks its own node only" {
  evaluate "$(bound_to worker-old)" '{}' node-worker-old
  classic
  [[ "$stderr" != *"have not been replayed"* ]]
}

@test "auto: without access to Nodes, classic with a warning that says why" {
  evaluate "$FIXTURES/requests/pod-ns-injection-enabled.json" '{}'
  classic
  [[ "$(echo "$output" | jq -r '.warnings[0]')" == "nativeSidecars auto: cannot read the cluster's nodes"* ]]
}

@test "true and false need no nodes" {
  evaluate "$FIXTURES/requests/pod-ns-injection-enabled.json" '{"nativeSidecars": true}'
  native
  no_warnings
  evaluate "$FIXTURES/requests/pod-ns-injection-enabled.json" '{"nativeSidecars": "false"}' nodes-current
  classic
  no_warnings
}

@test "a pod's sidecar.istio.io/nativeSidecar annotation wins over auto" {
  local annotated="$BATS_TEST_TMPDIR/annotated.json"
  jq '.object.metadata.annotations["sidecar.istio.io/nativeSidecar"] = "false"' \
    "$FIXTURES/requests/pod-ns-injection-enabled.json" >"$annotated"
  evaluate "$annotated" '{}' nodes-current
  classic
}

@test "pods that are not injected read no nodes" {
  evaluate "$FIXTURES/requests/pod-inject-label-false.json" '{}' nodes-current
  [ "$(echo "$output" | jq -r '.patch')" = "null" ]
  [[ "$stderr" == *"have not been replayed"* ]]
}
