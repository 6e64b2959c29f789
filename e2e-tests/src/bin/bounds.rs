//! `bounds [--policy policy.wasm]`: the hostile cases of `e2e_tests::hostile` through the built
//! policy, under policy-server's 2 s deadline: the answer, the wall time (median of 3) and the
//! peak linear memory, as the README's bounds table.

use e2e_tests::hostile::{self, POLICY_SERVER_DEADLINE};
use e2e_tests::{Policy, policy_wasm_path};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = match args.as_slice() {
        [flag, path] if flag == "--policy" => path.into(),
        [] => policy_wasm_path(),
        _ => return Err("usage: bounds [--policy policy.wasm]".into()),
    };
    let policy = Policy::load(&path)?.with_deadline(POLICY_SERVER_DEADLINE);
    println!("| input | answer | wall time (ms) | peak linear memory (MiB) |");
    println!("|---|---|---:|---:|");
    let mut failed = false;
    for case in hostile::cases() {
        let payload = (case.payload)();
        let answer = match hostile::run(&policy, &payload) {
            Ok(answer) => answer,
            Err(e) => {
                failed = true;
                println!("| {} | FAILED: {e} | | |", case.description);
                continue;
            }
        };
        let mut walls: Vec<_> = (0..2)
            .filter_map(|_| hostile::run(&policy, &payload).ok().map(|a| a.wall))
            .chain([answer.wall])
            .collect();
        walls.sort();
        let peak = hostile::peak_memory(&policy, &payload)?;
        let verdict = match answer.check(case.expect) {
            Ok(()) => case.expect.to_string(),
            Err(why) => {
                failed = true;
                format!("UNEXPECTED: {why}")
            }
        };
        println!(
            "| {} | {} | {:.0} | {} |",
            case.description,
            verdict,
            walls[walls.len() / 2].as_secs_f64() * 1000.0,
            peak >> 20
        );
    }
    if failed {
        return Err("some cases did not answer as expected".into());
    }
    Ok(())
}
