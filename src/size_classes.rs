//! The policy's allocator in wasm: free lists by size class in front of the system allocator.
//!
//! An admission builds and drops a pod as `serde_json` values several times over, so it makes
//! tens of thousands of small allocations; wasi-libc's dlmalloc (splitting, coalescing, bins)
//! was about a third of an evaluation in the wasm profile. Here a small block is popped from its
//! class's free list, or cut from a chunk, and pushed back when freed. Every page a fresh
//! instance touches is a host page fault (and is unmapped again when the instance is dropped),
//! so a small class with no free block first cuts its block from the smallest larger free one
//! (the rest filed under its own class) before it cuts fresh memory. Large or over-aligned blocks go to the system allocator. wasm32-wasip1 runs one thread, which is why plain cells suffice.

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
    /// Bit `i` set when fine class `i` has a free block.
    fine_free: u64,
    /// The unused rest of the current chunk.
    next: usize,
    end: usize,
}

impl State {
    /// Files a free block under `class`.
    ///
    /// # Safety
    /// `block` is free, 16-aligned and at least the class's size.
    unsafe fn push(&mut self, block: *mut u8, class: usize) {
        // SAFETY: the caller's block is free and can hold the link.
        unsafe { block.cast::<*mut u8>().write(self.free[class]) };
        self.free[class] = block;
        if class < FINE_CLASSES {
            self.fine_free |= 1 << class;
        }
    }

    /// Takes a free block of `class`, if it has one.
    ///
    /// # Safety
    /// Every listed block was filed by [`State::push`] and is still free.
    unsafe fn pop(&mut self, class: usize) -> Option<*mut u8> {
        let head = self.free[class];
        if head.is_null() {
            return None;
        }
        // SAFETY: a listed block holds the link to the next one.
        self.free[class] = unsafe { head.cast::<*mut u8>().read() };
        if class < FINE_CLASSES && self.free[class].is_null() {
            self.fine_free &= !(1 << class);
        }
        Some(head)
    }
}

pub struct SizeClasses(UnsafeCell<State>);

// SAFETY: wasm32 without the atomics feature has a single thread; nothing is shared.
unsafe impl Sync for SizeClasses {}

impl SizeClasses {
    pub const fn new() -> SizeClasses {
        SizeClasses(UnsafeCell::new(State {
            free: [ptr::null_mut(); CLASSES],
            fine_free: 0,
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
        // SAFETY: single thread; a listed block is free, at least a pointer wide, and its class's
        // size; a split block's rest is free too, and a multiple of 16 bytes.
        unsafe {
            let state = &mut *self.0.get();
            if index >= FINE_CLASSES {
                return match state.pop(index) {
                    Some(block) => block,
                    None => self.cut(size),
                };
            }
            // The smallest free fine block that holds `size`: its own class's, or a larger one
            // split, its rest filed under the rest's class.
            let larger = state.fine_free >> index;
            if larger == 0 {
                return self.cut(size);
            }
            let class = index + larger.trailing_zeros() as usize;
            let Some(block) = state.pop(class) else {
                return self.cut(size);
            };
            let rest = (class - index) * FINE_STEP;
            if rest > 0 {
                state.push(block.add(size), rest / FINE_STEP - 1);
            }
            block
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some((index, _)) = class_of(layout) else {
            // SAFETY: the same layout went to the system allocator in `alloc`.
            return unsafe { System.dealloc(block, layout) };
        };
        // SAFETY: single thread; the caller gives the block back, so it can hold the link.
        unsafe { (*self.0.get()).push(block, index) }
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
    fn a_freed_larger_block_is_split_before_fresh_memory_is_cut() {
        let heap = SizeClasses::new();
        let small = Layout::from_size_align(32, 8).unwrap();
        let larger = Layout::from_size_align(96, 8).unwrap();
        let largest = Layout::from_size_align(1024, 8).unwrap();
        // SAFETY: blocks are used within their layout and freed once, with the layout they
        // were handed out under.
        unsafe {
            let far = heap.alloc(largest);
            let near = heap.alloc(larger);
            let fresh = heap.alloc(small);
            heap.dealloc(far, largest);
            heap.dealloc(near, larger);
            // The smallest free block that holds it is split: its start, then its rest.
            let first = heap.alloc(small);
            assert_eq!(first, near);
            first.write_bytes(7, 32);
            let second = heap.alloc(small);
            assert_eq!(second, near.add(32));
            second.write_bytes(8, 32);
            assert_eq!(*first.add(31), 7);
            // What is left of it (32 bytes) serves the next, then the largest block is split.
            assert_eq!(heap.alloc(small), near.add(64));
            assert_eq!(heap.alloc(larger), far);
            assert_eq!(heap.alloc(larger), far.add(96));
            // Nothing free holds 1 KiB any more: fresh memory, past everything cut so far.
            let cut = heap.alloc(largest);
            assert!(cut > fresh);
            heap.dealloc(first, small);
            assert_eq!(heap.alloc(small), first);
        }
    }
}
