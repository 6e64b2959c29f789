//! Istio's conformance cases through the policy crate natively (no wasm needed): no case on
//! the floor (`e2e-tests/conformance-floor.json`) may stop passing. The runner's own parts are
//! checked on the data set by the unit tests of `e2e_tests::conformance`.

use e2e_tests::conformance::{self, Dataset, Floor, NativeBackend, RunOptions, dataset, report};

#[test]
fn no_floor_case_regresses_natively() {
    let root = match dataset::locate(None) {
        Ok(Some(root)) => root,
        Ok(None) => {
            println!("{}", dataset::ABSENT_MESSAGE);
            return;
        }
        Err(message) => panic!("{message}"),
    };
    let dataset = Dataset::load(&root).expect("the data set loads");
    let reports = conformance::run(&dataset, &NativeBackend, &RunOptions::default())
        .expect("the runner runs");
    for renderer_report in &reports {
        print!("{}", report::render(renderer_report, false));
    }
    let floor = Floor::load(&conformance::default_floor_path()).expect("the floor loads");
    let regressions = floor.regressions(&reports);
    assert!(
        regressions.is_empty(),
        "cases on the floor no longer pass:\n{}",
        regressions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}
