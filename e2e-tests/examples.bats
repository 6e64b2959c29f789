#!/usr/bin/env bats
# What examples/ and the README show, through the real kwctl: the sample request in each mode,
# with the shipped replay sessions, and every example ClusterAdmissionPolicy's settings.
#
#   make annotated-policy.wasm && bats e2e-tests/examples.bats

bats_require_minimum_version 1.5.0

load kwctl

setup() {
  kwctl_setup
  EXAMPLES="$BATS_TEST_DIRNAME/../examples"
}

# run_example [KWCTL RUN ARGS...]: the sample Pod CREATE through the annotated policy.
run_example() {
  run --separate-stderr kwctl run --request-path "$EXAMPLES/requests/pod-create.json" "$@" "$POLICY"
  echo "output = ${output}"
  echo "stderr = ${stderr}"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.allowed')" = "true" ]
  init="$(echo "$output" | jq -r '.patch | @base64d | fromjson | .[] | select(.path == "/spec/initContainers") | [.value[].name] | join(",")')"
  [[ "$stderr" != *"have not been replayed"* ]]
}

@test "README: the sample request with default settings (no cluster access: classic sidecar)" {
  run_example
  [ "$init" = "istio-init" ]
  [[ "$(echo "$output" | jq -r '.warnings[0]')" == *"cannot read the cluster's nodes"* ]]
}

@test "README: lookup mode with the demo cluster's replay session" {
  run_example --settings-path "$EXAMPLES/settings/lookup.json" --allow-context-aware \
    --replay-host-capabilities-interactions "$EXAMPLES/sessions/demo-cluster.yml"
  [ "$init" = "istio-init,istio-proxy" ]
}

@test "README: configMaps mode with the demo ConfigMaps' replay session" {
  run_example --settings-path "$EXAMPLES/settings/configmaps.json" --allow-context-aware \
    --replay-host-capabilities-interactions "$EXAMPLES/sessions/demo-configmaps.yml"
  [ "$init" = "istio-init,istio-proxy" ]
  local env
  env="$(echo "$output" | jq -r '.patch | @base64d | fromjson | .[] | select(.path == "/spec/initContainers") | .value[1].env[] | select(.name == "ISTIO_META_DNS_CAPTURE") | .value')"
  [ "$env" = "true" ]
}

@test "every example ClusterAdmissionPolicy's settings are accepted" {
  command -v python3 >/dev/null && python3 -c 'import yaml' || skip "python3 with PyYAML is needed to read the manifests"
  local count=0 file settings
  for file in "$EXAMPLES"/policies/*.yaml; do
    while IFS= read -r settings; do
      # A Deployment-owned pod nobody selects in webhook mode would be injected: only the
      # settings matter here, so a request the policy accepts untouched.
      run --separate-stderr kwctl run --request-path "$FIXTURES/requests/configmap-create.json" \
        --settings-json "$settings" "$POLICY"
      echo "$file: $settings"
      echo "output = ${output}"
      echo "stderr = ${stderr}"
      [ "$status" -eq 0 ]
      [ "$(echo "$output" | jq -r '.allowed')" = "true" ]
      count=$((count + 1))
    done < <(python3 -c 'import json, sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc.get("kind") == "ClusterAdmissionPolicy":
        print(json.dumps(doc["spec"].get("settings") or {}))' "$file")
  done
  [ "$count" -ge 10 ]
}

@test "kwctl refuses invalid settings, naming the field" {
  run --separate-stderr kwctl run --request-path "$EXAMPLES/requests/pod-create.json" \
    --settings-json '{"nativeSidecars": "sometimes"}' "$POLICY"
  echo "stderr = ${stderr}"
  [ "$status" -ne 0 ]
  [[ "$output$stderr" == *"nativeSidecars"* ]]
}
