# Requests derived from the fixtures, shared by the bats files. Load it with `load requests`;
# FIXTURES must name e2e-tests/fixtures.

# bound_to NODE: the sample request with the pod already scheduled on NODE; its path is printed.
bound_to() {
  local bound="$BATS_TEST_TMPDIR/bound-$1.json"
  jq --arg node "$1" '.object.spec.nodeName = $node' "$FIXTURES/requests/pod-ns-injection-enabled.json" >"$bound"
  echo "$bound"
}
