#!/usr/bin/env bats
# `proxyConfigs: true` through `kwctl run`: the policy lists the ProxyConfig resources of the
# mesh's root namespace and of the pod's namespace (replayed from a recorded session of
# fixtures/proxyconfigs/mesh.yaml) and merges them as istiod does: root < namespace <
# proxy.istio.io/config < workload selector.
#
#   make annotated-policy.wasm && bats e2e-tests/proxyconfigs.bats

bats_require_minimum_version 1.5.0

load kwctl

setup() {
  kwctl_setup
}

# evaluate FIXTURE [ANNOTATION]: the mesh's ProxyConfigs, then the nodes, replayed.
evaluate() {
  local request="$FIXTURES/requests/$1.json"
  if [ -n "${2:-}" ]; then
    local annotated="$BATS_TEST_TMPDIR/annotated.json"
    jq --arg pc "$2" '.object.metadata.annotations["proxy.istio.io/config"] = $pc' "$request" >"$annotated"
    request="$annotated"
  fi
  run --separate-stderr kwctl run --allow-context-aware \
    --replay-host-capabilities-interactions "$(session proxyconfigs-mesh nodes-current)" \
    --request-path "$request" --settings-json '{"proxyConfigs": true}' "$POLICY"
  echo "output = ${output}"
  echo "stderr = ${stderr}"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.allowed')" = "true" ]
  local patch
  patch="$(echo "$output" | jq -c 'if .patch then .patch | @base64d | fromjson else [] end')"
  pod="$(jq '.object' "$request" | jq --argjson patch "$patch" -f "$BATS_TEST_DIRNAME/apply-patch.jq")"
}

proxy_env() {
  echo "$pod" | jq -r --arg name "$1" '.spec.initContainers[] | select(.name == "istio-proxy") | .env[] | select(.name == $name) | .value'
}

proxy_image() {
  echo "$pod" | jq -r '.spec.initContainers[] | select(.name == "istio-proxy") | .image'
}

@test "the namespace's ProxyConfig wins over the root namespace's; metadata merges by key" {
  evaluate pod-ns-injection-enabled
  [ "$(proxy_env LEVEL)" = "namespace" ]
  [ "$(proxy_env MESH_WIDE)" = "on" ]
  [[ "$(proxy_env PROXY_CONFIG)" == *'"concurrency":2'* ]]
  [[ "$(proxy_image)" != *-distroless ]]
}

@test "the proxy.istio.io/config annotation wins over namespace ProxyConfigs" {
  evaluate pod-ns-injection-enabled $'proxyMetadata:\n  LEVEL: annotation\n'
  [ "$(proxy_env LEVEL)" = "annotation" ]
  [ "$(proxy_env MESH_WIDE)" = "on" ]
}

@test "a workload's ProxyConfig wins over the annotation and sets the image type" {
  evaluate pod-deployment-owned $'proxyMetadata:\n  LEVEL: annotation\n'
  [ "$(proxy_env LEVEL)" = "workload" ]
  [[ "$(proxy_env PROXY_CONFIG)" == *'"concurrency":4'* ]]
  [[ "$(proxy_image)" == *-distroless ]]
}
