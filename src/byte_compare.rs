//! The guest's `memcmp`, eight bytes at a time.
//!
//! Every string comparison in the policy (map keys against Kubernetes field names, hash-table
//! probes, `Value` equality) ends in `memcmp`, and wasi-libc's is musl's byte-by-byte loop: 5%
//! of an evaluation in the wasm profile. Defining the symbol here keeps the linker from taking
//! libc's; natively the function is only tested.

/// `memcmp`'s answer for two equally long byte strings: negative, zero or positive as `a` sorts
/// before, with or after `b` (bytes compared as unsigned).
///
/// Written without slice comparison, which would call `memcmp` again.
#[inline]
pub fn compare(a: &[u8], b: &[u8]) -> i32 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut words_a = a.chunks_exact(8);
    let mut words_b = b.chunks_exact(8);
    for (wa, wb) in (&mut words_a).zip(&mut words_b) {
        let (x, y) = (word(wa), word(wb));
        if x != y {
            // Big-endian words compare as their bytes do, first byte most significant.
            return if x < y { -1 } else { 1 };
        }
    }
    for (&x, &y) in words_a.remainder().iter().zip(words_b.remainder()) {
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

fn word(bytes: &[u8]) -> u64 {
    let mut array = [0; 8];
    array.copy_from_slice(bytes);
    u64::from_be_bytes(array)
}

/// C's `memcmp` for the wasm guest.
///
/// # Safety
/// `a` and `b` must each be valid for reads of `n` bytes, as C requires.
#[cfg(all(target_arch = "wasm32", not(test)))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    if n == 0 {
        return 0;
    }
    // SAFETY: the caller guarantees both ranges are readable for `n` bytes.
    let (a, b) = unsafe {
        (
            std::slice::from_raw_parts(a, n),
            std::slice::from_raw_parts(b, n),
        )
    };
    compare(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sign(ordering: std::cmp::Ordering) -> i32 {
        ordering as i32
    }

    #[test]
    fn orders_as_unsigned_bytes() {
        assert_eq!(compare(b"", b""), 0);
        assert_eq!(compare(b"containers", b"containers"), 0);
        assert!(compare(b"abcdefgh1", b"abcdefgh2") < 0);
        assert!(compare(b"abcdefgz", b"abcdefga") > 0);
        assert!(compare(b"\xff", b"\x01") > 0);
        assert!(compare(b"a\x80bcdefgh", b"a\x7fbcdefgh") > 0);
    }

    proptest! {
        #[test]
        fn agrees_with_slice_ordering(a in proptest::collection::vec(any::<u8>(), 0..40),
                                      tail in proptest::collection::vec(any::<u8>(), 0..40),
                                      flip in any::<prop::sample::Index>()) {
            // Equal lengths, as memcmp compares; often sharing a long prefix.
            let mut b = a.clone();
            if !b.is_empty() {
                let i = flip.index(b.len());
                b[i] = tail.first().copied().unwrap_or(b[i].wrapping_add(1));
            }
            prop_assert_eq!(compare(&a, &b).signum(), sign(a.cmp(&b)));
            let n = a.len().min(tail.len());
            prop_assert_eq!(compare(&a[..n], &tail[..n]).signum(), sign(a[..n].cmp(&tail[..n])));
        }
    }
}
