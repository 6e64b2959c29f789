#!/usr/bin/env bats
# What a Kubewarden user does with the package, through the real kwctl: annotate the module
# (no warnings), regenerate artifacthub-pkg.yml (it must match the committed one), read the
# metadata back.
#
#   make annotated-policy.wasm && bats e2e-tests/packaging.bats

bats_require_minimum_version 1.5.0

load kwctl

setup() {
  kwctl_setup
  ROOT="$BATS_TEST_DIRNAME/.."
}

@test "kwctl annotate finds every host capability and resource declared" {
  run --separate-stderr kwctl annotate -m "$ROOT/policy-metadata.yml" -u "$ROOT/README.md" \
    -o "$BATS_TEST_TMPDIR/annotated.wasm" "$ROOT/policy.wasm"
  echo "stderr = ${stderr}"
  [ "$status" -eq 0 ]
  [[ "$stderr" != *"not declared in metadata"* ]]
  [[ "$stderr" != *WARN* ]]
}

@test "artifacthub-pkg.yml is what kwctl scaffold artifacthub makes of the metadata and questions" {
  run --separate-stderr kwctl scaffold artifacthub -m "$ROOT/policy-metadata.yml" \
    -q "$ROOT/questions-ui.yml" -o "$BATS_TEST_TMPDIR/artifacthub-pkg.yml"
  echo "stderr = ${stderr}"
  [ "$status" -eq 0 ]
  # createdAt is the time of the run.
  run diff <(grep -v '^createdAt:' "$ROOT/artifacthub-pkg.yml") \
    <(grep -v '^createdAt:' "$BATS_TEST_TMPDIR/artifacthub-pkg.yml")
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "the annotated policy says it mutates, is context aware and needs Kubewarden 1.35" {
  run --separate-stderr kwctl inspect "$POLICY"
  echo "output = ${output}"
  [ "$status" -eq 0 ]
  [[ "$output" == *"mutating:"*"true"* ]]
  [[ "$output" == *"context aware:"*"true"* ]]
  [[ "$output" == *"minimum kubewarden version:"*"1.35.0"* ]]
  [[ "$output" == *"kind: Node"* ]]
}

@test "kwctl scaffold manifest makes a mutating ClusterAdmissionPolicy of it" {
  run --separate-stderr kwctl scaffold manifest --type ClusterAdmissionPolicy "$POLICY"
  echo "output = ${output}"
  echo "stderr = ${stderr}"
  [ "$status" -eq 0 ]
  [[ "$output" == *"kind: ClusterAdmissionPolicy"* ]]
  [[ "$output" == *"mutating: true"* ]]
  [[ "$output" == *"backgroundAudit: false"* ]]
}
