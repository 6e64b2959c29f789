#!/usr/bin/env bats
# The annotated policy through `kwctl run`, the way Kubewarden policies test themselves.
# Namespace selection is the webhook's (default settings): every Pod CREATE that reaches the
# policy is injected unless Istio's injectRequired says no.
#
#   make annotated-policy.wasm && bats e2e-tests/e2e.bats
#
# POLICY overrides the module (default: annotated-policy.wasm at the workspace root).

bats_require_minimum_version 1.5.0

load kwctl

setup() {
  kwctl_setup
}

# evaluate FIXTURE [SETTINGS_JSON]: kwctl's response line in $output, the decoded patch in
# $patch and the request's object with the patch applied in $pod. The cluster's nodes (read by
# `nativeSidecars: auto`) all run kubelet 1.33+ (fixtures/nodes/current.yaml).
evaluate() {
  local request="$FIXTURES/requests/$1.json"
  local args=(run --request-path "$request" --allow-context-aware
    --replay-host-capabilities-interactions "$FIXTURES/sessions/nodes-current.yml")
  if [ -n "${2:-}" ]; then
    args+=(--settings-json "$2")
  fi
  run --separate-stderr kwctl "${args[@]}" "$POLICY"
  echo "output = ${output}"
  echo "stderr = ${stderr}"
  [ "$status" -eq 0 ]
  patch="$(echo "$output" | jq -c 'if .patch then .patch | @base64d | fromjson else [] end')"
  pod="$(jq '.object' "$request" | jq --argjson patch "$patch" -f "$BATS_TEST_DIRNAME/apply-patch.jq")"
}

# pod_query JQ: the jq query on the patched pod.
pod_query() {
  echo "$pod" | jq -r "$1"
}

allowed() {
  [ "$(echo "$output" | jq -r '.allowed')" = "true" ]
}

not_patched() {
  allowed
  [ "$(echo "$output" | jq -r '.patch')" = "null" ]
}

PROXY_ENV='.spec.initContainers[] | select(.name == "istio-proxy") | .env[]'

@test "injects istio-init and a native istio-proxy sidecar into a new pod" {
  evaluate pod-ns-injection-enabled
  allowed
  [ "$(echo "$output" | jq -r '.patchType')" = "JSONPatch" ]
  [ "$(pod_query '[.spec.initContainers[].name] | join(",")')" = "istio-init,istio-proxy" ]
  [ "$(pod_query '.spec.initContainers[1].restartPolicy')" = "Always" ]
  [ "$(pod_query '[.spec.containers[].name] | join(",")')" = "sleep" ]
  [ "$(pod_query '.metadata.annotations["sidecar.istio.io/status"] | fromjson | .revision')" = "default" ]
  [ "$(pod_query '.metadata.labels["security.istio.io/tlsMode"]')" = "istio" ]
  [ "$(pod_query '[.spec.volumes[].name] | index("istio-token") != null')" = "true" ]
  [ "$(pod_query '.spec.volumes[] | select(.name == "secret-volume") | .secret.secretName')" = "sleep-secret" ]
}

@test "injects istio-proxy as a regular container when native sidecars are off" {
  evaluate pod-ns-injection-enabled '{"nativeSidecars": false}'
  allowed
  [ "$(pod_query '[.spec.containers[].name] | join(",")')" = "sleep,istio-proxy" ]
  [ "$(pod_query '[.spec.initContainers[].name] | join(",")')" = "istio-init" ]
}

@test "names the workload after the Deployment owning the pod" {
  evaluate pod-deployment-owned
  allowed
  [ "$(pod_query "$PROXY_ENV"' | select(.name == "ISTIO_META_WORKLOAD_NAME") | .value')" = "hello" ]
  [ "$(pod_query "$PROXY_ENV"' | select(.name == "ISTIO_META_OWNER") | .value')" = "kubernetes://apis/apps/v1/namespaces/mesh/deployments/hello" ]
  [ "$(pod_query '.spec.containers[0].readinessProbe.httpGet.path')" = "/app-health/hello/readyz" ]
}

@test "leaves pods that opt out with the sidecar.istio.io/inject label" {
  evaluate pod-inject-label-false
  not_patched
}

@test "leaves pods that opt out with the legacy annotation" {
  evaluate pod-inject-annotation-false
  not_patched
}

@test "leaves host-network pods" {
  evaluate pod-host-network
  not_patched
}

@test "leaves pods in kube-system" {
  evaluate pod-kube-system
  not_patched
}

@test "leaves other kinds, updates, deletes and status updates" {
  for fixture in deployment-create configmap-create pod-update pod-delete pod-status-update; do
    evaluate "$fixture"
    not_patched
  done
}

@test "rejects a pod whose containers are not a list" {
  evaluate pod-malformed-containers
  [ "$(echo "$output" | jq -r '.allowed')" = "false" ]
  echo "$output" | jq -r '.status.message' | grep -q containers
}

@test "rejects a pod with an invalid traffic annotation" {
  evaluate pod-invalid-annotation
  [ "$(echo "$output" | jq -r '.allowed')" = "false" ]
  echo "$output" | jq -r '.status.message' | grep -qi includeipranges
}

@test "refuses unknown settings, naming them" {
  run --separate-stderr kwctl run --request-path "$FIXTURES/requests/pod-ns-injection-enabled.json" \
    --settings-json '{"namespaceSelector": "lookup"}' "$POLICY"
  echo "output = ${output}"
  echo "stderr = ${stderr}"
  [ "$status" -ne 0 ]
  [[ "${output}${stderr}" == *namespaceSelector* ]]
}

@test "records its decision and the reason as audit annotations on every Pod CREATE" {
  evaluate pod-ns-injection-enabled
  [ "$(echo "$output" | jq -r '.auditAnnotations.injection')" = "injected" ]
  [ "$(echo "$output" | jq -r '.auditAnnotations.reason')" = "injection policy enabled" ]
  evaluate pod-inject-label-false
  [ "$(echo "$output" | jq -r '.auditAnnotations.injection')" = "not-injected" ]
  [ "$(echo "$output" | jq -r '.auditAnnotations.reason')" = "sidecar injection disabled by label" ]
  evaluate pod-host-network
  [ "$(echo "$output" | jq -r '.auditAnnotations.reason')" = "host networking enabled" ]
  evaluate pod-update
  [ "$(echo "$output" | jq -r '.auditAnnotations')" = "null" ]
}

@test "guard rails refuse a swapped proxy image and a privileged istio-proxy override" {
  local rails='{"allowedProxyImages": ["docker.io/istio/proxyv2:*"], "proxyOverrides": "deny-privilege"}'
  evaluate pod-ns-injection-enabled "$rails"
  allowed
  local swapped="$BATS_TEST_TMPDIR/swapped.json"
  jq '.object.metadata.annotations["sidecar.istio.io/proxyImage"] = "evil.example.com/proxy:1"' \
    "$FIXTURES/requests/pod-ns-injection-enabled.json" >"$swapped"
  run --separate-stderr kwctl run --request-path "$swapped" --settings-json "$rails" "$POLICY"
  echo "output = ${output}"
  [ "$(echo "$output" | jq -r '.allowed')" = "false" ]
  [ "$(echo "$output" | jq -r '.status.code')" = "403" ]
  [[ "$(echo "$output" | jq -r '.status.message')" == "annotation sidecar.istio.io/proxyImage:"*"allowedProxyImages"* ]]
  local privileged="$BATS_TEST_TMPDIR/privileged.json"
  jq '.object.spec.containers += [{"name": "istio-proxy", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]' \
    "$FIXTURES/requests/pod-ns-injection-enabled.json" >"$privileged"
  run --separate-stderr kwctl run --request-path "$privileged" --settings-json "$rails" "$POLICY"
  echo "output = ${output}"
  [ "$(echo "$output" | jq -r '.allowed')" = "false" ]
  [[ "$(echo "$output" | jq -r '.status.message')" == *"capabilities.add: the policy's proxyOverrides is deny-privilege" ]]
}
