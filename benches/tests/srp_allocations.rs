//! `SrpPhat::process_frame` allocates nothing per frame but the vector it returns.
//!
//! A counting allocator wraps the system one and counts the allocations made by this
//! test's thread while a frame is processed. It lives here, in the benches crate,
//! because the library's crates forbid `unsafe` and an allocator needs it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use soundloc::array::{Direction, MicArray};
use soundloc::doa::grid::SearchGrid;
use soundloc::doa::srp::{SrpConfig, SrpPhat};
use soundloc_benches::{array_frame, two_ring_array};

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note_allocation() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter
// neither allocates nor touches the memory.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller's contract for `alloc` is passed on as it is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: `ptr` and `layout` come from this allocator, which is `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations made by `work` on this thread.
fn allocations_in<T>(work: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    let out = work();
    COUNTING.with(|c| c.set(false));
    (out, ALLOCATIONS.load(Ordering::Relaxed) - before)
}

#[test]
fn a_frame_costs_one_allocation_the_returned_vector() {
    let array = MicArray::new(two_ring_array()).unwrap();
    let delays = array.far_field_delays_s(&Direction::new(0.9, 1.1), 343.0);
    let frame = ndarray::Array2::from_shape_vec(
        (array.len(), 512),
        array_frame(&delays, 16_000.0, 512, 0.1),
    )
    .unwrap();

    for (n_sources, refine) in [(1, true), (1, false), (3, true)] {
        let config = SrpConfig {
            n_sources,
            refine,
            ..SrpConfig::new(16_000.0)
        };
        let grid = SearchGrid::sphere(4).unwrap();
        let mut srp = SrpPhat::new(array.clone(), grid, config).unwrap();
        srp.process_frame(frame.view()).unwrap();

        let (estimates, count) = allocations_in(|| srp.process_frame(frame.view()));
        let estimates = estimates.unwrap();
        assert!(!estimates.is_empty());
        assert_eq!(
            count, 1,
            "{n_sources} source(s), refine {refine}: expected only the returned vector"
        );
    }

    // The counter does see allocations.
    let ((), count) = allocations_in(|| drop(std::hint::black_box(vec![1u8; 10])));
    assert_eq!(count, 1);
}
