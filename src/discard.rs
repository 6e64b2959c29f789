//! What an evaluation leaves behind when it is done.
//!
//! The policy server evaluates each request in a fresh instance and then drops the instance
//! with all its memory, so freeing the answer's pod map by map is work no one uses (about 2%
//! of an evaluation, profiled on the API server's pod). A runner that keeps one instance for
//! many evaluations (`kwctl bench`, a test) would see that memory pile up, so only an
//! instance's first evaluation leaves its values behind; every later one frees them as usual,
//! and the memory never left behind is bounded by one evaluation.

use std::sync::atomic::{AtomicBool, Ordering};

static EVALUATED: AtomicBool = AtomicBool::new(false);

/// Done with `value`: left to the instance's end on its first evaluation, dropped otherwise.
pub fn done_with<T>(value: T) {
    if EVALUATED.swap(true, Ordering::Relaxed) {
        drop(value);
    } else {
        std::mem::forget(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn only_the_first_value_is_left_behind() {
        // Tests share the flag: whichever test comes first leaves its value; this one checks
        // that once the flag is set, values are dropped.
        done_with(());
        let kept = Rc::new(());
        done_with(Rc::clone(&kept));
        assert_eq!(
            Rc::strong_count(&kept),
            1,
            "a later evaluation's value is dropped"
        );
    }
}
