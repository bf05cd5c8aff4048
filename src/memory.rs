//! Handing freed memory back to the system between the stages of a long
//! job.
//!
//! A re-cluster allocates and frees hundreds of megabytes in rayon's
//! threads; glibc keeps what they freed in per-thread arenas, so the
//! process's resident size stays at its highest point although most of it
//! is free (1M tickets: about 400 MiB held that way after vectorising).
//! `malloc_trim` returns those free pages.

/// Returns free heap pages to the system (glibc); elsewhere, nothing.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it touches no live
    // allocation and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
