//! Hints to the memory system, for loops whose next reads are known but not yet due.

/// Asks the core to bring the cache line that holds `x` into its caches, ahead of a read
/// that the hardware's own prefetcher would not foresee (a run of values far from the last).
/// A hint only: it reads nothing into the program and changes nothing; elsewhere than on
/// x86-64 it does nothing.
#[inline(always)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch loads no value and cannot fault, whatever the address (here a valid
    // reference's); SSE, which provides it, is part of every x86-64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            std::ptr::from_ref(x).cast(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
