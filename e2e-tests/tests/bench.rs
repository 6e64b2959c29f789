//! The `bench` binary itself, run briefly on the built modules: every row it promises is there,
//! with numbers in its columns. Timings are printed, never asserted.

use std::process::Command;

use e2e_tests::{noop_policy_wasm_path, policy_wasm_path};

#[test]
fn the_bench_prints_whole_guest_answer_and_floor_columns_for_a_row() {
    let output = Command::new(env!("CARGO_BIN_EXE_bench"))
        .arg("--policy")
        .arg(policy_wasm_path())
        .arg("--noop")
        .arg(noop_policy_wasm_path())
        .args(["--case", "API-server-encoded pod"])
        .args(["--iterations", "5", "--warmup", "1", "--seconds", "0.05"])
        .output()
        .expect("the bench binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cells = |row: &str| -> Vec<String> {
        let line = stdout
            .lines()
            .find(|line| line.starts_with(&format!("| {row} |")))
            .unwrap_or_else(|| panic!("no row {row:?} in:\n{stdout}"));
        line.trim_matches('|')
            .split('|')
            .map(|cell| cell.trim().to_owned())
            .collect()
    };
    let header = cells("case");
    assert_eq!(header.len(), 11, "{header:?}");
    for row in [
        "API-server-encoded pod (no-op)",
        "API-server-encoded pod, default settings",
        "API-server-encoded pod, default settings: its answer replayed",
    ] {
        let cells = cells(row);
        assert_eq!(cells.len(), header.len(), "{row}: {cells:?}");
        // mean, p50, p95, ratio, guest mean, guest p50, guest ratio, answer µs
        for (column, cell) in header.iter().zip(&cells).skip(1).take(8) {
            assert!(
                cell.parse::<f64>().is_ok_and(|v| v >= 0.0),
                "{row}: {column} is {cell:?}"
            );
        }
    }
}
