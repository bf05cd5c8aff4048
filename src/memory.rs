//! The allocator's side of memory use: how soon freed memory goes back to
//! the system.
//!
//! The binary allocates with mimalloc (see `main.rs`): ingest and
//! re-cluster allocate and free millions of small strings and vectors from
//! several threads, and glibc's malloc spent about a fifth of a bulk load's
//! time in its own bookkeeping (1M-ticket ingest 23.8 s → 19.5 s).
//!
//! mimalloc hands freed pages back to the system a second after they fall
//! free, which saves a bulk load thousands of system calls. A re-cluster
//! instead frees hundreds of megabytes of one stage while the next stage
//! grows; with the delay its peak at 1M tickets was 913 MiB, without it
//! 846 MiB at the same wall time. [`PromptRelease`] turns the delay off
//! while a re-cluster runs.
//!
//! Transparent huge pages are off for the whole process
//! ([`without_huge_pages`]). mimalloc asks the kernel for them, and every
//! first touch of a fresh 2 MiB page then zeroes all of it; with freed
//! memory going back at once, a re-cluster's stages touch fresh memory
//! again and again, and half of a 1M corpus read was the kernel clearing
//! pages (`perf`). Measured on this 2-core machine, same run
//! (`farm-bench -n 3`, huge pages off against on): 1M re-cluster wall
//! 19.0 → 16.6 s, peak 579 → 555 MiB; 200k-ticket ingest 4.50 → 3.68 s.

use std::sync::Mutex;

use libmimalloc_sys::{mi_option_get, mi_option_set, mi_option_t};

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (the sys crate
/// names the options around it, 14 and 16, but not this one).
const PURGE_DELAY: mi_option_t = 15;
/// `mi_option_allow_thp`, likewise unnamed there.
const ALLOW_THP: mi_option_t = 43;

/// Keeps this process on ordinary pages from here on: mimalloc stops
/// asking for huge pages, and the kernel gives none to memory it already
/// asked for. Called first thing in `main`.
pub fn without_huge_pages() {
    // SAFETY: setting an option is a plain store into mimalloc's option
    // table, safe at any time.
    unsafe { mi_option_set(ALLOW_THP, 0) };
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process; an
    // older kernel without it answers an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// How many [`PromptRelease`] guards are alive, and the delay to restore
/// when the last one goes.
static HELD: Mutex<(usize, std::ffi::c_long)> = Mutex::new((0, 0));

/// While alive, memory freed anywhere in the process goes back to the
/// system at once; the delay comes back when the last guard is dropped.
pub struct PromptRelease(());

impl PromptRelease {
    pub fn hold() -> PromptRelease {
        let mut held = HELD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.0 == 0 {
            // SAFETY: reading and setting an option are plain stores into
            // mimalloc's option table, safe from any thread at any time.
            held.1 = unsafe { mi_option_get(PURGE_DELAY) };
            unsafe { mi_option_set(PURGE_DELAY, 0) };
        }
        held.0 += 1;
        PromptRelease(())
    }
}

impl Drop for PromptRelease {
    fn drop(&mut self) {
        let mut held = HELD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        held.0 -= 1;
        if held.0 == 0 {
            // SAFETY: as in `hold`.
            unsafe { mi_option_set(PURGE_DELAY, held.1) };
        }
    }
}

/// This process's resident memory now and at its peak so far, in MiB,
/// for debug traces of where a long job's memory goes
/// (`REFRAIN_LOG=refrain=debug`); `None` where `/proc` is not there.
pub fn resident_mib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delay() -> std::ffi::c_long {
        // SAFETY: as in `PromptRelease::hold`.
        unsafe { mi_option_get(PURGE_DELAY) }
    }

    /// Reads the delay while no guard of another test can change it.
    fn unheld_delay() -> Option<std::ffi::c_long> {
        let held = HELD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (held.0 == 0).then(delay)
    }

    #[test]
    fn huge_pages_go_off_for_mimalloc_and_the_kernel() {
        // SAFETY: as in `PromptRelease::hold`.
        let before = unsafe { mi_option_get(ALLOW_THP) };
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
            // mimalloc 3's default (options.c): a wrong index reads
            // another option (16 and 0 around it).
            assert_eq!(before, 1);
        }
        without_huge_pages();
        assert_eq!(unsafe { mi_option_get(ALLOW_THP) }, 0);
        #[cfg(target_os = "linux")]
        // SAFETY: PR_GET_THP_DISABLE only reads this process's flag.
        assert_eq!(
            unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) },
            1
        );
    }

    #[test]
    fn the_option_is_the_purge_delay_and_guards_restore_it() {
        // mimalloc 3's default purge delay (options.c): a wrong option
        // index would read another option's value.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
            && let Some(before) = unheld_delay()
        {
            assert_eq!(before, 1000);
        }
        let outer = PromptRelease::hold();
        let inner = PromptRelease::hold();
        assert_eq!(delay(), 0);
        drop(inner);
        assert_eq!(delay(), 0, "an outer guard still holds");
        drop(outer);
        if let Some(after) = unheld_delay() {
            assert_ne!(after, 0, "the last guard restores the delay");
        }
    }
}
