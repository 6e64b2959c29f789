#!/usr/bin/env bats
# The annotated policy through `kwctl run` with `namespaceSelection: lookup`: the policy reads
# the request's Namespace through the host (`get_resource`), answered from a recorded replay
# session, and applies Istio's webhook selectors itself.
#
#   make annotated-policy.wasm && bats e2e-tests/lookup.bats
#
# POLICY overrides the module (default: annotated-policy.wasm at the workspace root).

bats_require_minimum_version 1.5.0

load kwctl

setup() {
  kwctl_setup
}

# evaluate FIXTURE SETTINGS_JSON: replays the lookup of the request's namespace, then, for
# injected pods, the node list `nativeSidecars: auto` reads; the response line is in $output
# and the request's object with the patch applied in $pod.
evaluate() {
  local request="$FIXTURES/requests/$1.json"
  local namespace
  namespace="$(jq -r '.namespace' "$request")"
  run --separate-stderr kwctl run --allow-context-aware \
    --replay-host-capabilities-interactions "$(session "namespace-$namespace" nodes-current)" \
    --request-path "$request" --settings-json "$2" "$POLICY"
  echo "output = ${output}"
  echo "stderr = ${stderr}"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.allowed')" = "true" ]
  local patch
  patch="$(echo "$output" | jq -c 'if .patch then .patch | @base64d | fromjson else [] end')"
  pod="$(jq '.object' "$request" | jq --argjson patch "$patch" -f "$BATS_TEST_DIRNAME/apply-patch.jq")"
}

injected() {
  [ "$(echo "$output" | jq -r '.patchType')" = "JSONPatch" ]
  [ "$(echo "$pod" | jq -r '[.spec.initContainers[].name] | index("istio-proxy") != null')" = "true" ]
}

revision() {
  echo "$pod" | jq -r '.metadata.annotations["sidecar.istio.io/status"] | fromjson | .revision'
}

not_patched() {
  [ "$(echo "$output" | jq -r '.patch')" = "null" ]
}

LOOKUP='{"namespaceSelection": "lookup"}'
CANARY='{"namespaceSelection": "lookup", "revision": "canary"}'

@test "injects pods in a namespace labelled istio-injection=enabled" {
  evaluate pod-ns-injection-enabled "$LOOKUP"
  injected
  [ "$(revision)" = "default" ]
}

@test "injects a pod labelled sidecar.istio.io/inject=true in an unlabelled namespace" {
  evaluate pod-inject-label-true "$LOOKUP"
  injected
}

@test "leaves pods in unlabelled and disabled namespaces" {
  evaluate pod-ns-unlabelled "$LOOKUP"
  not_patched
  evaluate pod-ns-injection-disabled "$LOOKUP"
  not_patched
}

@test "leaves pods of another revision's namespace" {
  evaluate pod-ns-rev-canary "$LOOKUP"
  not_patched
}

@test "a canary policy injects its own revision's namespace and pods" {
  evaluate pod-ns-rev-canary "$CANARY"
  injected
  [ "$(revision)" = "canary" ]
  evaluate pod-rev-label-canary "$CANARY"
  injected
}

@test "a canary policy leaves the default revision's namespace" {
  evaluate pod-ns-injection-enabled "$CANARY"
  not_patched
}

@test "a revision tag selects namespaces labelled with the tag" {
  evaluate pod-ns-rev-tag '{"namespaceSelection": "lookup", "revision": "canary", "revisionTags": ["prod"]}'
  injected
  [ "$(revision)" = "canary" ]
}

@test "enableNamespacesByDefault injects unlabelled namespaces" {
  evaluate pod-ns-unlabelled '{"namespaceSelection": "lookup", "enableNamespacesByDefault": true}'
  injected
}

@test "says in an audit annotation why a pod of an unlabelled namespace is left alone" {
  evaluate pod-ns-unlabelled "$LOOKUP"
  not_patched
  [ "$(echo "$output" | jq -r '.auditAnnotations.injection')" = "not-injected" ]
  [[ "$(echo "$output" | jq -r '.auditAnnotations.reason')" == "No matching namespace labels ("* ]]
}
