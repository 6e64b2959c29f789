# Build, test and run the istio-sidecar-injector Kubewarden policy.
SHELL := /bin/bash
CARGO ?= cargo
WASM_TARGET := wasm32-wasip1
TARGET_DIR ?= $(abspath $(or $(CARGO_TARGET_DIR),target))
POLICY_WASM_BUILT := $(TARGET_DIR)/$(WASM_TARGET)/release/istio_sidecar_injector.wasm
NOOP_WASM := $(TARGET_DIR)/$(WASM_TARGET)/release/noop_policy.wasm
SOURCES := $(shell find src crates/injector/src crates/gotemplate/src vendor/serde_json/src -name '*.rs') Cargo.toml Cargo.lock crates/injector/Cargo.toml crates/gotemplate/Cargo.toml vendor/serde_json/Cargo.toml
E2E := $(CARGO) run --quiet -p e2e-tests --bin
# The waPC runner's tools: `policy-run` (a small kwctl run) and `annotate` (kwctl annotate).
RUNNER := $(CARGO) run --quiet -p policy-runner --bin
# Seconds each of the five fuzz targets runs in `make fuzz` (and in CI). A clean build
# of the pipeline's fuzz crate takes 4.5 CPU-minutes (7 min wall on the loaded 2-core VM) and
# dominates; 15 s per target (75 s in all, 60 s before) keeps what fuzzing adds to CI near 6
# minutes on a quiet runner.
FUZZ_SECONDS ?= 15
# The real Kubewarden CLI: $KWCTL, else on PATH, else the prebuilt one in ../shared/bin.
KWCTL ?= $(or $(shell command -v kwctl 2>/dev/null),$(wildcard $(abspath ../shared/bin/kwctl)))
export KWCTL

.PHONY: all
all: annotated-policy.wasm

.PHONY: wasm-target
wasm-target:
	@rustup target list --installed 2>/dev/null | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)

# wasm-opt (Debian's binaryen) takes 0.25 MB off what rustc emits, at no measured cost in speed
# (README, Performance: Size); without it the module is only larger. Its features are the ones
# rustc enables for wasm32-wasip1 (the stripped module no longer lists them).
WASM_OPT ?= $(shell command -v wasm-opt 2>/dev/null)
WASM_OPT_FLAGS := -O3 --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
	--enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
	--enable-extended-const

policy.wasm: $(SOURCES) | wasm-target
	$(CARGO) build --target=$(WASM_TARGET) --release -p istio-sidecar-injector
	@if [ -n "$(WASM_OPT)" ]; then \
		echo "$(WASM_OPT) $(WASM_OPT_FLAGS) -o policy.wasm"; \
		"$(WASM_OPT)" $(WASM_OPT_FLAGS) $(POLICY_WASM_BUILT) -o policy.wasm; \
	else \
		echo "wasm-opt not found (apt-get install binaryen): policy.wasm is not size-optimised (annotated, it exceeds 2 MiB)"; \
		cp $(POLICY_WASM_BUILT) policy.wasm; \
	fi
	@echo "policy.wasm: $$(stat -c %s policy.wasm) bytes"

# kwctl embeds the metadata (and the README as usage) in a custom section; without kwctl the
# policy-runner crate's `annotate` does the same.
annotated-policy.wasm: policy.wasm policy-metadata.yml README.md
	@if [ -n "$(KWCTL)" ]; then \
		"$(KWCTL)" annotate -m policy-metadata.yml -u README.md -o annotated-policy.wasm policy.wasm; \
	else \
		$(RUNNER) annotate -- -m policy-metadata.yml -u README.md -o annotated-policy.wasm policy.wasm; \
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
# bats files through the real kwctl and the real policy-server (each skipped, saying so, where
# it is not found).
.PHONY: e2e-tests
e2e-tests: annotated-policy.wasm noop-policy
	NOOP_WASM=$(NOOP_WASM) $(CARGO) test -p policy-runner -p e2e-tests
	$(MAKE) conformance
	@if [ -z "$(KWCTL)" ]; then echo "kwctl not found (KWCTL, PATH, ../shared/bin): the bats files will skip"; fi
	@if command -v bats >/dev/null 2>&1; then \
		bats e2e-tests/e2e.bats e2e-tests/lookup.bats e2e-tests/nodes.bats e2e-tests/proxyconfigs.bats e2e-tests/examples.bats e2e-tests/packaging.bats \
			e2e-tests/policy-server.bats; \
	else echo "bats: SKIPPED: bats is not installed (apt-get install bats jq)"; fi
	$(MAKE) playground-tests

.PHONY: conformance
conformance: policy.wasm
	$(E2E) conformance -- --policy policy.wasm
	$(CARGO) test --quiet -p kube-inject --test conformance -- --nocapture

.PHONY: bounds
# The hostile requests (e2e-tests/src/hostile.rs) through the built policy: answer, wall time,
# peak linear memory — the README's bounds table.
bounds: policy.wasm
	$(E2E) bounds

.PHONY: fuzz
fuzz:
	fuzz/run.sh $(FUZZ_SECONDS)

# The browser playground (web/): the injector compiled for wasm32-unknown-unknown with
# wasm-bindgen, and a static page around it, assembled in $(PLAYGROUND_DIR). No wasm-opt:
# Debian's binaryen (108) breaks the externref table wasm-bindgen 0.2.130 emits, and the
# wasm is well inside its budget (1.5 MiB gzipped) without it.
PLAYGROUND_DIR := $(TARGET_DIR)/playground
PLAYGROUND_WASM_BUILT := $(TARGET_DIR)/wasm32-unknown-unknown/playground/web.wasm
PLAYGROUND_PORT ?= 8000
# wasm-bindgen-cli must be the exact version of the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell awk '$$0 == "name = \"wasm-bindgen\"" { getline; gsub(/"/, "", $$3); print $$3; exit }' Cargo.lock)

# The registry this project builds against lacks versions wasm-bindgen-cli's own lock file
# pins, so it is installed unlocked; without default features it skips TLS (it never
# downloads anything here) and builds in half the time.
.PHONY: wasm-bindgen-cli
wasm-bindgen-cli:
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@$(CARGO) install --list | grep -qx "wasm-bindgen-cli v$(WASM_BINDGEN_VERSION):" || \
		$(CARGO) install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION) --no-default-features

.PHONY: playground-build
playground-build: wasm-bindgen-cli
	$(CARGO) build -p web --lib --target wasm32-unknown-unknown --profile playground
	rm -rf $(PLAYGROUND_DIR)
	mkdir -p $(PLAYGROUND_DIR)
	cp -R web/www/. $(PLAYGROUND_DIR)/
	cp examples/sleep.yaml $(PLAYGROUND_DIR)/examples/sleep.yaml
	wasm-bindgen --target web --no-typescript --out-dir $(PLAYGROUND_DIR)/pkg $(PLAYGROUND_WASM_BUILT)
	@echo "playground wasm: $$(stat -c %s $(PLAYGROUND_DIR)/pkg/web_bg.wasm) bytes, $$(gzip -9c $(PLAYGROUND_DIR)/pkg/web_bg.wasm | wc -c) gzipped"

# Builds the page and serves it on 127.0.0.1 (PLAYGROUND_PORT=8000).
.PHONY: playground
playground: playground-build
	@echo "Playground: http://127.0.0.1:$(PLAYGROUND_PORT)/ (Ctrl-C stops it)"
	python3 -m http.server $(PLAYGROUND_PORT) --bind 127.0.0.1 --directory $(PLAYGROUND_DIR)

web/node_modules: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch web/node_modules

# The page in headless chromium, against the kube-inject binary for the expected output.
# Skipped, saying why, where chromium or npm is missing (CI installs both: .ci/run).
CHROMIUM ?= /usr/bin/chromium
.PHONY: playground-tests
playground-tests:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "playground-tests: SKIPPED: no chromium at $(CHROMIUM) (apt-get install chromium)"; \
	elif ! command -v npm >/dev/null 2>&1; then \
		echo "playground-tests: SKIPPED: no npm (apt-get install npm)"; \
	else $(MAKE) playground-browser-tests; fi

.PHONY: playground-browser-tests
playground-browser-tests: playground-build web/node_modules
	$(CARGO) build -p kube-inject
	cd web && CHROMIUM=$(CHROMIUM) PLAYGROUND_DIR=$(PLAYGROUND_DIR) KUBE_INJECT=$(TARGET_DIR)/debug/kube-inject npm test

# The pictures in web/screenshots, retaken.
.PHONY: playground-screenshots
playground-screenshots: playground-build web/node_modules
	$(CARGO) build -p kube-inject
	cd web && SCREENSHOTS=screenshots PLAYGROUND_DIR=$(PLAYGROUND_DIR) KUBE_INJECT=$(TARGET_DIR)/debug/kube-inject npm test

# Wasm size, time to first injection and the 10,000-Deployment file in the page.
.PHONY: playground-budgets
playground-budgets: playground-build web/node_modules
	cd web && PLAYGROUND_DIR=$(PLAYGROUND_DIR) npm run budgets

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
.PHONY: soak
# The real policy-server on loopback under mixed and hostile traffic for SOAK_SECONDS (not part
# of `make check`: it is a minute of load).
SOAK_SECONDS ?= 60
soak: policy.wasm
	SOAK_SECONDS=$(SOAK_SECONDS) e2e-tests/soak.sh policy.wasm

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
	@echo "Building the waPC runner (wasmtime) and kube-inject; the first time takes several minutes."
	$(CARGO) build -p policy-runner --bin policy-run
	$(CARGO) build --release -p kube-inject
	$(RUNNER) policy-run -- --workload examples/sleep.yaml --cluster-fixtures examples/cluster --output yaml policy.wasm
	$(RUNNER) policy-run -- --request-path examples/requests/pod-create.json --settings-path examples/settings/lookup.json --cluster-fixtures examples/cluster --output patch policy.wasm
	$(CARGO) run --quiet --release -p kube-inject -- -f examples/sleep.yaml

.PHONY: clean
clean:
	$(CARGO) clean
	rm -f policy.wasm annotated-policy.wasm
