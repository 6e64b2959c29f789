# Helpers for scripts that run Kubewarden's real policy-server on loopback (sourced by
# bench-policy-server.sh and soak.sh). The sourcing script sets `root`, `shared` and `work`
# (a temporary directory it removes) and calls `stop_policy_server` on exit.

# Says why the script ($1) does not run, and ends it successfully: a missing tool is a skip.
skip_run() {
  echo "$1: skipped: $2"
  exit 0
}

# Sets policy_server, or skips the script ($1) naming what is missing (policy-server, jq, curl).
require_policy_server() {
  policy_server="$(find_tool POLICY_SERVER policy-server)"
  [ -n "$policy_server" ] || skip_run "$1" "no policy-server (set \$POLICY_SERVER, put it on PATH or in ../shared/bin)"
  command -v jq >/dev/null 2>&1 || skip_run "$1" "jq is not installed"
  command -v curl >/dev/null 2>&1 || skip_run "$1" "curl is not installed"
}

# The tool named by $var, else on PATH, else in ../shared/bin; empty when none.
find_tool() {
  local var="$1" name="$2"
  if [ -n "${!var:-}" ]; then
    echo "${!var}"
  elif command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
  elif [ -x "$shared/bin/$name" ]; then
    echo "$shared/bin/$name"
  fi
}

# policy-server wants annotated modules (protocol version, execution mode): annotate copies with
# kwctl, or with the e2e-tests `annotate` binary where kwctl is missing.
annotate() {
  local module="$1" metadata="$2" out="$3" kwctl
  kwctl="$(find_tool KWCTL kwctl)"
  if [ -n "$kwctl" ]; then
    "$kwctl" annotate -m "$metadata" -o "$out" "$module" 2>/dev/null
  else
    (cd "$root" && cargo run --quiet -p policy-runner --bin annotate -- -m "$metadata" -o "$out" "$module")
  fi
}

server_pid=""

# Starts `$1` (policy-server) on 127.0.0.1:$2 with the policies file $3 (readiness on $2 + 1),
# logging to $work/server.log, and waits up to 120 s until it is ready. Sets server_pid.
start_policy_server() {
  local policy_server="$1" port="$2" policies="$3" readiness_port="$(($2 + 1))"
  shift 3
  "$policy_server" --addr 127.0.0.1 --port "$port" --readiness-probe-port "$readiness_port" \
    --policies "$policies" --policies-download-dir "$work/dl" \
    --sigstore-cache-dir "$work/sig" --ignore-kubernetes-connection-failure "$@" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 240); do
    if curl -sf "http://127.0.0.1:$readiness_port/readiness" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$work/server.log" >&2; echo "policy-server exited" >&2; return 1; }
    sleep 0.5
  done
  tail -20 "$work/server.log" >&2
  echo "policy-server not ready after 120 s" >&2
  return 1
}

stop_policy_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
