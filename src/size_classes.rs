//! The policy's allocator in wasm: free lists by size class in front of the system allocator.
//!
//! An admission builds and drops a pod as `serde_json` values several times over, so it makes
//! tens of thousands of small allocations; wasi-libc's dlmalloc (splitting, coalescing, bins)
//! was about a third of an evaluation in the wasm profile. Here a small block is popped from its
//! class's free list, or cut from a chunk, and pushed back when freed. Every page a fresh
//! instance touches is a host page fault (and is unmapped again when the instance is dropped),
//! so a class with no free block first takes one from the next few classes up before it cuts
//! fresh memory. Large or over-aligned blocks go to the system allocator. wasm32-wasip1 runs one thread, which is why plain cells suffice.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;

/// Classes every 16 bytes up to this size…
const FINE_LIMIT: usize = 1024;
const FINE_STEP: usize = 16;
/// …then powers of two up to this one; larger blocks come from the system allocator.
const COARSE_LIMIT: usize = 32 * 1024;
const FINE_CLASSES: usize = FINE_LIMIT / FINE_STEP;
const CLASSES: usize = FINE_CLASSES + (COARSE_LIMIT / FINE_LIMIT).trailing_zeros() as usize;
/// Blocks are cut from chunks of this size, taken from the system allocator.
const CHUNK: usize = 256 * 1024;
/// How many larger fine classes a small block may be borrowed from before fresh memory is cut:
/// a freed block reused a few bytes too large touches no new page, where a fresh one may.
const BORROW: usize = 4;

/// A block's class and size, or `None` for the system allocator.
fn class_of(layout: Layout) -> Option<(usize, usize)> {
    // Every block is cut at a multiple of 16 bytes, so any block can serve any smaller class;
    // the rare over-aligned layout goes to the system allocator.
    if layout.align() > FINE_STEP {
        return None;
    }
    let size = layout.size().max(1).next_multiple_of(FINE_STEP);
    if size <= FINE_LIMIT {
        return Some((size / FINE_STEP - 1, size));
    }
    if size <= COARSE_LIMIT {
        let block = size.next_power_of_two();
        let index = FINE_CLASSES - 1 + (block / FINE_LIMIT).trailing_zeros() as usize;
        return Some((index, block));
    }
    None
}

struct State {
    /// Each class's free blocks, linked through their first word.
    free: [*mut u8; CLASSES],
    /// The unused rest of the current chunk.
    next: usize,
    end: usize,
}

pub struct SizeClasses(UnsafeCell<State>);

// SAFETY: wasm32 without the atomics feature has a single thread; nothing is shared.
unsafe impl Sync for SizeClasses {}

impl SizeClasses {
    pub const fn new() -> SizeClasses {
        SizeClasses(UnsafeCell::new(State {
            free: [ptr::null_mut(); CLASSES],
            next: 0,
            end: 0,
        }))
    }

    /// A new block of `size` bytes (a multiple of 16, as chunks are aligned).
    ///
    /// # Safety
    /// Single-threaded use only (see the `Sync` impl).
    unsafe fn cut(&self, size: usize) -> *mut u8 {
        // SAFETY: single thread, and no reference into the state outlives this call.
        let state = unsafe { &mut *self.0.get() };
        let mut start = state.next;
        if state.end - start < size {
            // SAFETY: a non-zero size and a power-of-two alignment make a valid layout.
            let chunk =
                unsafe { System.alloc(Layout::from_size_align_unchecked(CHUNK, FINE_STEP)) };
            if chunk.is_null() {
                return chunk;
            }
            start = chunk as usize;
            state.end = start + CHUNK;
        }
        state.next = start + size;
        start as *mut u8
    }
}

impl Default for SizeClasses {
    fn default() -> Self {
        SizeClasses::new()
    }
}

unsafe impl GlobalAlloc for SizeClasses {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some((index, size)) = class_of(layout) else {
            // SAFETY: forwarded with the caller's layout.
            return unsafe { System.alloc(layout) };
        };
        // SAFETY: single thread; a listed block is free and at least a pointer wide.
        unsafe {
            let state = &mut *self.0.get();
            let last = if index < FINE_CLASSES {
                (index + BORROW).min(FINE_CLASSES - 1)
            } else {
                index
            };
            for class in index..=last {
                let head = state.free[class];
                if !head.is_null() {
                    state.free[class] = head.cast::<*mut u8>().read();
                    return head;
                }
            }
            self.cut(size)
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some((index, _)) = class_of(layout) else {
            // SAFETY: the same layout went to the system allocator in `alloc`.
            return unsafe { System.dealloc(block, layout) };
        };
        // SAFETY: single thread; the caller gives the block back, so it can hold the link.
        unsafe {
            let state = &mut *self.0.get();
            block.cast::<*mut u8>().write(state.free[index]);
            state.free[index] = block;
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if class_of(layout).is_none() {
            // SAFETY: forwarded with the caller's layout.
            return unsafe { System.alloc_zeroed(layout) };
        }
        // SAFETY: a block of at least `layout.size()` bytes, or null.
        unsafe {
            let block = self.alloc(layout);
            if !block.is_null() {
                block.write_bytes(0, layout.size());
            }
            block
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees a valid layout for `new_size` with the same alignment.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class_of(layout), class_of(new_layout)) {
            (Some((old, _)), Some((new, _))) if old == new => block,
            // SAFETY: both sizes went to the system allocator.
            (None, None) => unsafe { System.realloc(block, layout, new_size) },
            // SAFETY: a new block, the common prefix copied, the old one freed.
            _ => unsafe {
                let moved = self.alloc(new_layout);
                if !moved.is_null() {
                    ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                    self.dealloc(block, layout);
                }
                moved
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_size_and_alignment() {
        for align in [1, 2, 4, 8, 16, 32, 64, 128, 4096] {
            for size in [0, 1, 15, 16, 17, 100, 1000, 1024, 1025, 5000, 32768] {
                let layout = Layout::from_size_align(size, align).unwrap();
                match class_of(layout) {
                    Some((index, block)) => {
                        assert!(index < CLASSES, "{size}/{align}");
                        // Blocks are cut at multiples of 16 from 16-aligned chunks.
                        assert!(block >= size && block % FINE_STEP == 0, "{size}/{align}");
                        assert!(align <= FINE_STEP, "{size}/{align}");
                    }
                    None => assert!(align > FINE_STEP || size > COARSE_LIMIT, "{size}/{align}"),
                }
            }
        }
        assert_eq!(class_of(Layout::from_size_align(32769, 8).unwrap()), None);
        assert_eq!(class_of(Layout::from_size_align(8, 8192).unwrap()), None);
    }

    #[test]
    fn one_class_holds_one_block_size() {
        let mut sizes = [0usize; CLASSES];
        for align in [1, 8, 16, 64, 256, 4096] {
            for size in 0..=COARSE_LIMIT {
                let layout = Layout::from_size_align(size, align).unwrap();
                if let Some((index, block)) = class_of(layout) {
                    assert!(sizes[index] == 0 || sizes[index] == block, "{size}/{align}");
                    sizes[index] = block;
                }
            }
        }
    }

    #[test]
    fn blocks_are_reused_and_keep_their_contents_apart() {
        let heap = SizeClasses::new();
        let layout = Layout::from_size_align(40, 8).unwrap();
        // SAFETY: blocks are used within their layout and freed once.
        unsafe {
            let a = heap.alloc(layout);
            let b = heap.alloc(layout);
            assert!(!a.is_null() && !b.is_null() && a != b);
            a.write_bytes(1, 40);
            b.write_bytes(2, 40);
            assert_eq!(*a.add(39), 1);
            heap.dealloc(a, layout);
            assert_eq!(heap.alloc(layout), a);
            let grown = heap.realloc(b, layout, 2000);
            assert_eq!(*grown.add(39), 2);
            let zeroed = heap.alloc_zeroed(layout);
            assert!((0..40).all(|i| *zeroed.add(i) == 0));
            let wide = Layout::from_size_align(100, 4096).unwrap();
            let page = heap.alloc(wide);
            assert_eq!(page as usize % 4096, 0);
        }
    }

    #[test]
    fn a_freed_block_serves_a_slightly_smaller_class_before_fresh_memory() {
        let heap = SizeClasses::new();
        let small = Layout::from_size_align(32, 8).unwrap();
        let larger = Layout::from_size_align(32 + BORROW * FINE_STEP, 8).unwrap();
        let too_large = Layout::from_size_align(48 + BORROW * FINE_STEP, 8).unwrap();
        // SAFETY: blocks are used within their layout and freed once, with the layout they
        // were last handed out under.
        unsafe {
            let far = heap.alloc(too_large);
            let near = heap.alloc(larger);
            heap.dealloc(far, too_large);
            heap.dealloc(near, larger);
            let reused = heap.alloc(small);
            assert_eq!(reused, near);
            reused.write_bytes(7, 32);
            let fresh = heap.alloc(small);
            assert!(fresh != far && fresh != near);
            // Freed under its new layout, the block now belongs to the smaller class.
            heap.dealloc(reused, small);
            assert_eq!(heap.alloc(small), near);
            assert_eq!(heap.alloc(too_large), far);
        }
    }
}
