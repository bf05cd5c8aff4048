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

use std::sync::Mutex;

use libmimalloc_sys::{mi_option_get, mi_option_set, mi_option_t};

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (the sys crate
/// names the options around it, 14 and 16, but not this one).
const PURGE_DELAY: mi_option_t = 15;

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
