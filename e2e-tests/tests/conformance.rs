//! Istio's conformance cases through the policy crate natively (no wasm needed): no case on
//! the floor (`e2e-tests/conformance-floor.json`) may stop passing (`UPDATE_CONFORMANCE=1`
//! records this run instead). The runner's own parts are
//! checked on the data set by the unit tests of `e2e_tests::conformance`.

use e2e_tests::conformance::{self, Dataset, NativeBackend, RunOptions, report};

#[test]
fn no_floor_case_regresses_natively() {
    let Some(root) = istio_conformance::locate_or_skip() else {
        return;
    };
    let dataset = Dataset::load(&root).expect("the data set loads");
    let reports = conformance::run(&dataset, &NativeBackend, &RunOptions::default())
        .expect("the runner runs");
    for renderer_report in &reports {
        print!("{}", report::render(renderer_report, false));
    }
    for renderer_report in &reports {
        let suite = renderer_report.renderer.name();
        if let Err(regressions) = istio_conformance::floor::enforce(
            &conformance::default_floor_path(),
            suite,
            &renderer_report.outcomes(),
        ) {
            panic!("{regressions}");
        }
    }
}
