# Build, test and run the istio-sidecar-injector Kubewarden policy.
SHELL := /bin/bash
CARGO ?= cargo
WASM_TARGET := wasm32-wasip1
TARGET_DIR ?= $(abspath $(or $(CARGO_TARGET_DIR),target))
POLICY_WASM_BUILT := $(TARGET_DIR)/$(WASM_TARGET)/release/istio_sidecar_injector.wasm
NOOP_WASM := $(TARGET_DIR)/$(WASM_TARGET)/release/noop_policy.wasm
SOURCES := $(shell find src crates/injector/src crates/gotemplate/src -name '*.rs') Cargo.toml Cargo.lock crates/injector/Cargo.toml crates/gotemplate/Cargo.toml
E2E := $(CARGO) run --quiet -p e2e-tests --bin
# Seconds the fuzz target runs in `make fuzz` (and in CI).
FUZZ_SECONDS ?= 60
# The real Kubewarden CLI: $KWCTL, else on PATH, else the prebuilt one in ../shared/bin.
KWCTL ?= $(or $(shell command -v kwctl 2>/dev/null),$(wildcard $(abspath ../shared/bin/kwctl)))
export KWCTL

.PHONY: all
all: annotated-policy.wasm

.PHONY: wasm-target
wasm-target:
	@rustup target list --installed 2>/dev/null | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)

policy.wasm: $(SOURCES) | wasm-target
	$(CARGO) build --target=$(WASM_TARGET) --release -p istio-sidecar-injector
	cp $(POLICY_WASM_BUILT) policy.wasm

# kwctl embeds the metadata (and the README as usage) in a custom section; without kwctl the
# e2e-tests crate's `annotate` does the same.
annotated-policy.wasm: policy.wasm policy-metadata.yml README.md
	@if [ -n "$(KWCTL)" ]; then \
		"$(KWCTL)" annotate -m policy-metadata.yml -u README.md -o annotated-policy.wasm policy.wasm; \
	else \
		$(E2E) annotate -- -m policy-metadata.yml -u README.md -o annotated-policy.wasm policy.wasm; \
	fi
	@echo "annotated-policy.wasm: $$(stat -c %s annotated-policy.wasm) bytes"

.PHONY: noop-policy
noop-policy: | wasm-target
	$(CARGO) build --target=$(WASM_TARGET) --release -p noop-policy

.PHONY: fmt
fmt:
	$(CARGO) fmt --all -- --check

.PHONY: lint
lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Unit, property and engine tests of every crate (no wasm needed).
.PHONY: test
test: fmt lint
	$(CARGO) test

# The built wasm, run the way the policy server runs it, plus Istio's conformance cases and the
# bats files through the real kwctl (skipped, saying so, where no kwctl is found).
.PHONY: e2e-tests
e2e-tests: annotated-policy.wasm noop-policy
	NOOP_WASM=$(NOOP_WASM) $(CARGO) test -p e2e-tests
	$(MAKE) conformance
	@if [ -z "$(KWCTL)" ]; then echo "kwctl not found (KWCTL, PATH, ../shared/bin): the bats files will skip"; fi
	bats e2e-tests/e2e.bats e2e-tests/lookup.bats e2e-tests/nodes.bats e2e-tests/proxyconfigs.bats e2e-tests/examples.bats e2e-tests/packaging.bats

.PHONY: conformance
conformance: policy.wasm
	$(E2E) conformance -- --policy policy.wasm
	$(CARGO) test --quiet -p kube-inject --test conformance -- --nocapture

.PHONY: fuzz
fuzz:
	crates/gotemplate/fuzz/run.sh $(FUZZ_SECONDS)

# Everything CI runs.
.PHONY: check
check: test e2e-tests fuzz

# Latency of the built policy next to a no-op policy built in the same run.
.PHONY: bench
bench: policy.wasm noop-policy
	$(CARGO) run --quiet --profile bench -p e2e-tests --bin bench -- --policy policy.wasm --noop $(NOOP_WASM) --istio-templates

# Latency and throughput through the real policy-server on loopback under wrk (skips, saying
# why, when policy-server or wrk is missing): the no-op, Kubewarden's pod-privileged-policy and
# this policy with default settings and with Istio's templates inline.
.PHONY: bench-policy-server
bench-policy-server: policy.wasm noop-policy
	NOOP_WASM=$(NOOP_WASM) e2e-tests/bench-policy-server.sh policy.wasm

# Throughput and peak RSS of the kube-inject CLI on 10,000 generated Deployments
# (KUBE_INJECT_WORKLOADS=N to change the size).
KUBE_INJECT_WORKLOADS ?= 10000
.PHONY: bench-kube-inject
bench-kube-inject:
	$(CARGO) bench -p kube-inject --bench throughput -- --workloads $(KUBE_INJECT_WORKLOADS)

# The main job on the built-in defaults: inject a sample workload through the built wasm, evaluate
# a sample AdmissionRequest, then inject the same workload with kube-inject.
.PHONY: run
run: policy.wasm
	$(E2E) policy-run -- --workload examples/sleep.yaml --cluster-fixtures examples/cluster --output yaml policy.wasm
	$(E2E) policy-run -- --request-path examples/requests/pod-create.json --settings-path examples/settings/lookup.json --cluster-fixtures examples/cluster --output patch policy.wasm
	$(CARGO) run --quiet --release -p kube-inject -- -f examples/sleep.yaml

.PHONY: clean
clean:
	$(CARGO) clean
	rm -f policy.wasm annotated-policy.wasm
