//! The hostile requests of `e2e_tests::hostile` through the built `policy.wasm`, with
//! policy-server's 2 s deadline and a 512 MiB cap on linear memory: each gets its documented
//! answer instead of a trap (which the policy server would turn into a 500). Wall time and peak
//! memory are measured by `cargo run -p e2e-tests --bin bounds`, not asserted here.

use e2e_tests::hostile::{self, MEMORY_CAP, POLICY_SERVER_DEADLINE};
use e2e_tests::{Policy, policy_wasm_path};

#[test]
fn every_hostile_request_gets_its_answer_within_the_deadline_and_memory_cap() {
    let policy = Policy::load(&policy_wasm_path())
        .and_then(|p| {
            p.with_deadline(POLICY_SERVER_DEADLINE)
                .with_memory_limit(MEMORY_CAP)
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let failures: Vec<String> = hostile::cases()
        .into_iter()
        .filter_map(|case| {
            let outcome = hostile::run(&policy, &(case.payload)())
                .map_err(|e| e.to_string())
                .and_then(|answer| answer.check(case.expect));
            outcome.err().map(|why| format!("{}: {why}", case.name))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
