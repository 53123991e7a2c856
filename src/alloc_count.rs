//! Test support (the unit tests only): a global allocator that can tell, on one thread, which
//! blocks a piece of code allocated and freed again before it returned: its temporaries.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;

struct Counting;

/// Most blocks one watched call may allocate; more are not watched (and a test says so).
const WATCHED: usize = 4096;

/// What is watched on this thread: the blocks allocated since the watch began, still live.
struct Watch {
    on: bool,
    live: [usize; WATCHED],
    count: usize,
    allocated: u64,
    temporaries: u64,
    overflow: bool,
}

thread_local! {
    static WATCH: RefCell<Watch> = const {
        RefCell::new(Watch {
            on: false,
            live: [0; WATCHED],
            count: 0,
            allocated: 0,
            temporaries: 0,
            overflow: false,
        })
    };
}

/// Runs `f` on `watch` when this thread watches (and is not inside the watch already).
fn on_watch(f: impl FnOnce(&mut Watch)) {
    let _ = WATCH.try_with(|watch| {
        if let Ok(mut watch) = watch.try_borrow_mut()
            && watch.on
        {
            f(&mut watch);
        }
    });
}

fn allocated(ptr: *mut u8) {
    on_watch(|w| {
        w.allocated += 1;
        if w.count < WATCHED {
            w.live[w.count] = ptr as usize;
            w.count += 1;
        } else {
            w.overflow = true;
        }
    });
}

fn freed(ptr: *mut u8) {
    on_watch(|w| {
        if let Some(i) = w.live[..w.count].iter().position(|&p| p == ptr as usize) {
            w.count -= 1;
            w.live[i] = w.live[w.count];
            w.temporaries += 1;
        }
    });
}

// SAFETY: every call is passed on to `System` unchanged; the watch touches only a
// const-initialized thread-local, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let ptr = unsafe { System.alloc(layout) };
        allocated(ptr);
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        allocated(ptr);
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        freed(ptr);
        // SAFETY: as above.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        allocated(new);
        new
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        freed(ptr);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Runs `f`, and says how many blocks it allocated and how many of them it freed (or grew)
/// before returning: its temporaries. Counts this thread's allocations only.
pub(crate) fn watch<T>(f: impl FnOnce() -> T) -> (T, u64, u64) {
    WATCH.with(|w| {
        let mut w = w.borrow_mut();
        assert!(!w.on, "watches do not nest");
        (w.on, w.count, w.allocated, w.temporaries, w.overflow) = (true, 0, 0, 0, false);
    });
    let result = f();
    WATCH.with(|w| {
        let mut w = w.borrow_mut();
        w.on = false;
        assert!(
            !w.overflow,
            "more than {WATCHED} blocks allocated in one watch"
        );
        (result, w.allocated, w.temporaries)
    })
}
