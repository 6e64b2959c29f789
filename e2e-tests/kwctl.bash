# Shared by the bats files: finds kwctl and the policy, and skips with a reason when kwctl is
# nowhere. Load it with `load kwctl` and call `kwctl_setup` from `setup`.
#
# kwctl is looked up as $KWCTL, then on PATH, then in ../shared/bin beside the workspace (the
# prebuilt kwctl 1.35 the project's CI provides). POLICY overrides the module (default:
# annotated-policy.wasm at the workspace root).

kwctl_setup() {
  if [ -n "${KWCTL:-}" ]; then
    KWCTL_BIN="$KWCTL"
  elif type -P kwctl >/dev/null 2>&1; then
    # type -P: the kwctl function below must not find itself.
    KWCTL_BIN="$(type -P kwctl)"
  elif [ -x "$BATS_TEST_DIRNAME/../../shared/bin/kwctl" ]; then
    KWCTL_BIN="$BATS_TEST_DIRNAME/../../shared/bin/kwctl"
  else
    skip "kwctl not found: set KWCTL, put kwctl on PATH, or provide ../shared/bin/kwctl"
  fi
  command -v jq >/dev/null 2>&1 || skip "jq is not installed"
  FIXTURES="${BATS_TEST_DIRNAME}/fixtures"
  POLICY="${POLICY:-${BATS_TEST_DIRNAME}/../annotated-policy.wasm}"
  if [ ! -f "$POLICY" ]; then
    echo "no policy at $POLICY: run 'make annotated-policy.wasm' first" >&2
    return 1
  fi
}

kwctl() {
  "$KWCTL_BIN" "$@"
}

# session FILE...: one kwctl replay session made of the exchanges of several session files, in
# order (each file is a YAML sequence of exchanges); its path is printed.
session() {
  local combined="$BATS_TEST_TMPDIR/session-$RANDOM.yml"
  echo "---" >"$combined"
  local file
  for file in "$@"; do
    sed -e '/^#/d' -e '/^---$/d' "$FIXTURES/sessions/$file.yml" >>"$combined"
  done
  echo "$combined"
}
