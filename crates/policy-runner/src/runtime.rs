//! Loading a policy module and running it the way Kubewarden's policy server does: wasmtime
//! with the waPC host, one compiled module, a fresh instance for every evaluation (Kubewarden
//! ≥ 1.10), epoch deadlines so a runaway guest is interrupted instead of hanging a test.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use wasmtime_provider::wasmtime;
use wasmtime_provider::{
    EpochDeadlines, ResourceLimits, WasmtimeEngineProviderBuilder, WasmtimeEngineProviderPre,
};

use crate::error::{HarnessError, Result};
use crate::host::{self, CallLog, FixtureHost};
use crate::paths::{NOOP_HINT, POLICY_HINT, noop_policy_wasm_path};
use crate::response::{
    AdmissionResponse, Evaluation, SettingsOutcome, ValidationResponse, admission_from,
    admission_of,
};

/// How often the shared engine's epoch advances; deadlines are counted in these ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Per-call deadline unless changed with [`Policy::with_deadline`]. The policy server's
/// default policy timeout is a few seconds; a test machine may be slower, so be generous.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);

/// One engine for the whole process, with a thread advancing its epoch: compiled modules
/// are tied to the engine that compiled them, and one ticker serves every instance.
fn engine() -> Result<wasmtime::Engine> {
    static ENGINE: OnceLock<std::result::Result<wasmtime::Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut config = wasmtime::Config::default();
            config.epoch_interruption(true);
            // `perf record` can only name JIT-compiled guest functions when wasmtime writes a
            // perf map; opt in with WASM_PROFILER=perfmap (the module must keep its name section).
            // WASM_PROFILER=jitdump writes the compiled code too, for `perf inject --jit` and
            // `perf annotate` down to the instruction.
            match std::env::var("WASM_PROFILER").as_deref() {
                Ok("perfmap") => {
                    config.profiler(wasmtime::ProfilingStrategy::PerfMap);
                }
                Ok("jitdump") => {
                    config.profiler(wasmtime::ProfilingStrategy::JitDump);
                }
                _ => {}
            }
            let engine = wasmtime::Engine::new(&config).map_err(|e| e.to_string())?;
            let ticker = engine.clone();
            std::thread::Builder::new()
                .name("wasm-epoch".to_owned())
                .spawn(move || {
                    loop {
                        std::thread::sleep(EPOCH_TICK);
                        ticker.increment_epoch();
                    }
                })
                .map_err(|e| format!("cannot start the epoch thread: {e}"))?;
            Ok(engine)
        })
        .clone()
        .map_err(|message| HarnessError::Compile {
            what: "the wasmtime engine".to_owned(),
            message,
        })
}

/// A compiled policy module, ready to be instantiated any number of times.
#[derive(Clone)]
pub struct Policy {
    name: String,
    module: wasmtime::Module,
    pre: WasmtimeEngineProviderPre,
    deadlines: EpochDeadlines,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("name", &self.name)
            .field("deadlines", &self.deadlines)
            .finish_non_exhaustive()
    }
}

/// The waPC payload of `validate`, borrowed so the request is not copied.
#[derive(Serialize)]
struct ValidatePayload<'a> {
    request: &'a Value,
    settings: &'a Value,
}

/// What [`Policy::serve`] gives back: the admission response; how long the fresh instance and
/// its `validate` call took (the part of the request the policy itself costs); and how long the
/// host then took to read the answer and diff and encode the patch (what the policy server
/// spends on the mutation the policy returns, whatever computed it).
#[derive(Debug, Clone)]
pub struct Served {
    pub admission: AdmissionResponse,
    pub guest: Duration,
    pub answer: Duration,
}

fn validate_payload(request: &Value, settings: &Value) -> Result<Vec<u8>> {
    if !request.is_object() {
        return Err(HarnessError::input(
            "admission request",
            "not a JSON object",
        ));
    }
    serde_json::to_vec(&ValidatePayload { request, settings })
        .map_err(|e| HarnessError::input("admission request", e))
}

/// The bytes of the guest's `validate` answer; its own failure as an error.
fn validate_answer(answer: std::result::Result<Vec<u8>, String>) -> Result<Vec<u8>> {
    answer.map_err(|message| HarnessError::GuestCall {
        operation: "validate".to_owned(),
        message,
    })
}

/// The guest's `validate` answer read as a [`ValidationResponse`].
fn validation_response(answer: std::result::Result<Vec<u8>, String>) -> Result<ValidationResponse> {
    let bytes = validate_answer(answer)?;
    serde_json::from_slice(&bytes).map_err(|e| HarnessError::BadResponse {
        operation: "validate".to_owned(),
        expected: "a ValidationResponse",
        message: format!("{e}: {}", String::from_utf8_lossy(&bytes)),
    })
}

/// The request's `uid` (empty when absent) and `object` (null when absent, as for a DELETE).
fn uid_and_object(request: &Value) -> (&str, &Value) {
    let uid = request
        .get("uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    (uid, request.get("object").unwrap_or(&Value::Null))
}

impl Policy {
    /// Loads the policy at `path`; a missing file says to run `make policy.wasm`.
    pub fn load(path: &Path) -> Result<Policy> {
        Self::load_with_hint(path, POLICY_HINT)
    }

    /// Loads the no-op baseline policy (see [`noop_policy_wasm_path`]).
    pub fn load_noop() -> Result<Policy> {
        Self::load_with_hint(&noop_policy_wasm_path(), NOOP_HINT)
    }

    /// Loads `path`; when it is missing the error carries `hint`.
    pub fn load_with_hint(path: &Path, hint: &str) -> Result<Policy> {
        if !path.is_file() {
            return Err(HarnessError::MissingWasm {
                path: path.to_path_buf(),
                hint: hint.to_owned(),
            });
        }
        let bytes = std::fs::read(path).map_err(|e| HarnessError::io(path, e))?;
        Self::from_bytes(&path.display().to_string(), &bytes)
    }

    /// Compiles a module from wasm bytes (or WebAssembly text, handy for test guests).
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Policy> {
        let engine = engine()?;
        let compile_error = |message: String| HarnessError::Compile {
            what: name.to_owned(),
            message,
        };
        let module =
            wasmtime::Module::new(&engine, bytes).map_err(|e| compile_error(e.to_string()))?;
        let deadlines = deadlines_for(DEFAULT_DEADLINE);
        let pre = provider_pre(&engine, &module, deadlines, None).map_err(compile_error)?;
        Ok(Policy {
            name: name.to_owned(),
            module,
            pre,
            deadlines,
        })
    }

    /// Caps every instance's linear memory at `bytes`: past it `memory.grow` fails and the
    /// guest aborts (a trap), as the cap of a policy server configured with one would.
    pub fn with_memory_limit(mut self, bytes: usize) -> Result<Policy> {
        let limits = ResourceLimits {
            max_memory_size: Some(bytes),
            max_table_elements: None,
        };
        self.pre = provider_pre(&engine()?, &self.module, self.deadlines, Some(limits)).map_err(
            |message| HarnessError::Compile {
                what: self.name.clone(),
                message,
            },
        )?;
        Ok(self)
    }

    /// Sets the deadline of initialisation and of every waPC call.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Policy {
        self.deadlines = deadlines_for(deadline);
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Creates (and drops) one instance, running `wapc_init`: the fixed cost every evaluation
    /// pays before the policy sees the request.
    pub fn instantiate(&self) -> Result<()> {
        let log = Arc::new(Mutex::new(CallLog::default()));
        self.instance(&FixtureHost::new(), log).map(drop)
    }

    /// Calls `protocol_version`; the SDK answers the JSON string `"v1"`.
    pub fn protocol_version(&self) -> Result<String> {
        let (answer, _) = self.call("protocol_version", &[], &FixtureHost::new())?;
        let answer = answer.map_err(|message| HarnessError::GuestCall {
            operation: "protocol_version".to_owned(),
            message,
        })?;
        serde_json::from_slice::<String>(&answer).map_err(|e| HarnessError::BadResponse {
            operation: "protocol_version".to_owned(),
            expected: "a JSON string",
            message: format!("{e}: {}", String::from_utf8_lossy(&answer)),
        })
    }

    /// Calls `validate_settings` with the settings JSON. A guest error counts as invalid
    /// settings, with the message the policy server gives.
    pub fn validate_settings(&self, settings: &Value) -> Result<SettingsOutcome> {
        let payload =
            serde_json::to_vec(settings).map_err(|e| HarnessError::input("settings", e))?;
        let (answer, _) = self.call("validate_settings", &payload, &FixtureHost::new())?;
        match answer {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| HarnessError::BadResponse {
                operation: "validate_settings".to_owned(),
                expected: "a SettingsValidationResponse",
                message: format!("{e}: {}", String::from_utf8_lossy(&bytes)),
            }),
            Err(message) => Ok(SettingsOutcome {
                valid: false,
                message: Some(format!(
                    "Error invoking settings validation callback: {message}"
                )),
            }),
        }
    }

    /// Evaluates one AdmissionRequest with fresh instance: calls `validate` with
    /// `{"request": …, "settings": …}`, answers host calls from `host`, computes the patch
    /// as the policy server does, and checks that it applies back to the mutated object.
    pub fn evaluate(
        &self,
        request: &Value,
        settings: &Value,
        host: &FixtureHost,
    ) -> Result<Evaluation> {
        let payload = validate_payload(request, settings)?;
        let (answer, log) = self.call("validate", &payload, host)?;
        let response = validation_response(answer)?;
        let (uid, object) = uid_and_object(request);
        let (admission, patch, patched_object) = admission_from(uid, object, &response)?;
        Ok(Evaluation {
            response,
            admission,
            patch,
            patched_object,
            host_calls: log.calls,
            logs: log.logs,
        })
    }

    /// One request handled as the policy server handles it, and no more, for timing: the
    /// payload written, `validate` on a fresh instance, the answer read and turned into the
    /// admission response (the patch diffed and encoded). Unlike [`Policy::evaluate`] it does
    /// not check the patch by applying it back, which is the harness's own check.
    pub fn serve(&self, request: &Value, settings: &Value, host: &FixtureHost) -> Result<Served> {
        let payload = validate_payload(request, settings)?;
        let start = Instant::now();
        let (answer, _) = self.call("validate", &payload, host)?;
        let guest = start.elapsed();
        let response = validation_response(answer)?;
        let (uid, object) = uid_and_object(request);
        let (admission, _) = admission_of(uid, object, &response)?;
        Ok(Served {
            admission,
            guest,
            answer: start.elapsed() - guest,
        })
    }

    /// A guest that answers what this policy answers to `request` under `settings`, without
    /// computing it (see [`crate::replay`]); its name says whose answer it replays.
    pub fn replay_of(
        &self,
        request: &Value,
        settings: &Value,
        host: &FixtureHost,
    ) -> Result<Policy> {
        Policy::from_bytes(
            &format!("replay of {}", self.name),
            &self.replay_text(request, settings, host)?,
        )
    }

    /// The WebAssembly text of [`Policy::replay_of`]'s guest.
    pub fn replay_text(
        &self,
        request: &Value,
        settings: &Value,
        host: &FixtureHost,
    ) -> Result<Vec<u8>> {
        let payload = validate_payload(request, settings)?;
        let (answer, _) = self.call("validate", &payload, host)?;
        Ok(crate::replay::replay_guest(&validate_answer(answer)?))
    }

    /// Runs one waPC function on a fresh instance. The outer error is a harness failure (the
    /// instance could not be created); the inner one is the guest's own failure.
    pub fn call(
        &self,
        operation: &str,
        payload: &[u8],
        host: &FixtureHost,
    ) -> Result<(std::result::Result<Vec<u8>, String>, CallLogSnapshot)> {
        let log = Arc::new(Mutex::new(CallLog::default()));
        let instance = self.instance(host, log.clone())?;
        let answer = instance.call(operation, payload).map_err(|e| e.to_string());
        drop(instance);
        let log = std::mem::take(&mut *log.lock().unwrap_or_else(PoisonError::into_inner));
        Ok((
            answer,
            CallLogSnapshot {
                calls: log.calls,
                logs: log.logs,
            },
        ))
    }

    fn instance(&self, host: &FixtureHost, log: Arc<Mutex<CallLog>>) -> Result<wapc::WapcHost> {
        let provider = self
            .pre
            .rehydrate(Some(self.deadlines))
            .map_err(|e| HarnessError::Instantiate(e.to_string()))?;
        wapc::WapcHost::new(Box::new(provider), Some(host::callback(host.clone(), log)))
            .map_err(|e| HarnessError::Instantiate(e.to_string()))
    }
}

/// The host calls and log lines of one waPC call.
#[derive(Debug, Clone, Default)]
pub struct CallLogSnapshot {
    pub calls: Vec<crate::host::HostCall>,
    pub logs: Vec<Value>,
}

fn provider_pre(
    engine: &wasmtime::Engine,
    module: &wasmtime::Module,
    deadlines: EpochDeadlines,
    limits: Option<ResourceLimits>,
) -> std::result::Result<WasmtimeEngineProviderPre, String> {
    let mut builder = WasmtimeEngineProviderBuilder::new()
        .engine(engine.clone())
        .module(module.clone())
        .enable_epoch_interruptions(deadlines);
    if let Some(limits) = limits {
        builder = builder.enable_resource_limits(limits);
    }
    builder.build_pre().map_err(|e| e.to_string())
}

fn deadlines_for(deadline: Duration) -> EpochDeadlines {
    let ticks = (deadline.as_millis() / EPOCH_TICK.as_millis()).max(1);
    let ticks = u64::try_from(ticks).unwrap_or(u64::MAX);
    EpochDeadlines {
        wapc_init: ticks,
        wapc_func: ticks,
    }
}
