//! suggest-group over the engine's snapshot of the confirmed groups.
//!
//! The snapshot ([`Suggester`]) is rebuilt after every decision that
//! changes a group and after every re-cluster, then swapped in whole; a
//! request only clones the `Arc` (a read lock held for that instant), so no
//! lock is held while it is answered and nothing touches the disk. Builds
//! are serialised, so a later build always reflects later decisions.
//!
//! After a decision, the engine's automatic attach (after a confirm) and
//! the rebuild run in a background thread ([`Rebuilds`]), and the decision
//! waits for them up to [`DECISION_WAITS`]: on a store where they are
//! quicker than that (most), suggest-group and the groups answer with the
//! decision as soon as the decision has answered; on a large one the
//! decision answers at once and they catch up, several decisions per round
//! when decisions come faster than a round takes.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::{Engine, EngineError, Result};
use crate::analyze::{Analyzer, AnalyzerSettings};
use crate::model::DecisionId;
use crate::review::Space;
use crate::review::attach::{AttachParams, attach_undecided};
use crate::store::{Store, StoreError};
use crate::suggest::neighbours::TicketPostings;
use crate::suggest::{Answer, GroupInfo, SuggestSettings, Suggester};
use crate::vectors::DocText;

/// The current snapshot, and the lock that serialises rebuilding it (it
/// also holds the ticket postings of the last space: they change only with
/// the space, not with every decision).
#[derive(Default, Clone)]
pub struct SuggestSlot {
    current: Arc<RwLock<Option<Arc<Suggester>>>>,
    building: Arc<Mutex<Option<PostingsFor>>>,
}

/// Ticket postings and the space they index.
type PostingsFor = (Arc<Space>, Arc<TicketPostings>);

impl SuggestSlot {
    fn get(&self) -> Option<Arc<Suggester>> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Rebuilds the snapshot from the store's groups over `space`.
    pub fn rebuild(
        &self,
        store: &Store,
        space: Arc<Space>,
        analyzer: &AnalyzerSettings,
        settings: &SuggestSettings,
    ) -> std::result::Result<(), StoreError> {
        let mut cached = self
            .building
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let postings = match cached.as_ref() {
            Some((built_for, postings)) if Arc::ptr_eq(built_for, &space) => postings.clone(),
            _ => {
                let postings = Arc::new(TicketPostings::build(&space));
                *cached = Some((space.clone(), postings.clone()));
                postings
            }
        };
        let counts = store.group_counts(OffsetDateTime::now_utc())?;
        let groups = store.groups()?;
        let slot: HashMap<&str, usize> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.as_str(), i))
            .collect();
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); groups.len()];
        for (ticket, group, _) in store.memberships()? {
            if let (Some(&g), Some(row)) = (slot.get(group.as_str()), space.row(&ticket)) {
                members[g].push(row);
            }
        }
        let info = groups
            .iter()
            .map(|g| {
                let c = counts.get(&g.id);
                GroupInfo {
                    id: g.id.clone(),
                    name: g.name.clone(),
                    tag: g.tag.clone(),
                    count: c.map_or(0, |c| c.total),
                    last_seen: c.and_then(|c| c.last_seen),
                }
            })
            .collect();
        let rejected: Vec<u32> = store
            .rejected_sets()?
            .iter()
            .flatten()
            .filter_map(|ticket| space.row(ticket))
            .collect();
        let built = Suggester::new(
            space,
            postings,
            info,
            &members,
            &rejected,
            Analyzer::new(analyzer.clone()),
            settings.clone(),
        );
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(built));
        Ok(())
    }
}

/// How long a decision waits for the attach and the snapshot to include it.
pub const DECISION_WAITS: Duration = Duration::from_millis(200);

/// Rounds asked for and done, by generation, and the confirms whose
/// automatic attach has not run yet.
#[derive(Default)]
struct Generations {
    wanted: u64,
    built: u64,
    attach_after: Vec<DecisionId>,
    stop: bool,
    started: bool,
}

/// The background rounds after decisions. Dropping it stops the thread
/// after the round in progress.
#[derive(Default)]
pub(super) struct Rebuilds(Arc<(Mutex<Generations>, Condvar)>);

impl Drop for Rebuilds {
    fn drop(&mut self) {
        let (lock, ready) = &*self.0;
        lock.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .stop = true;
        ready.notify_all();
    }
}

impl Rebuilds {
    /// Asks for a round that includes everything decided so far (with an
    /// automatic attach answering `attach_after`, a confirm), starting the
    /// thread (`start`) the first time; returns its generation.
    fn ask(
        &self,
        attach_after: Option<DecisionId>,
        start: impl FnOnce(Arc<(Mutex<Generations>, Condvar)>),
    ) -> u64 {
        let (lock, ready) = &*self.0;
        let mut g = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.wanted += 1;
        g.attach_after.extend(attach_after);
        let wanted = g.wanted;
        if !g.started {
            g.started = true;
            start(self.0.clone());
        }
        drop(g);
        ready.notify_all();
        wanted
    }

    /// Waits until round `generation` is done, or `at_most` has passed.
    fn wait(&self, generation: u64, at_most: Duration) -> bool {
        let (lock, ready) = &*self.0;
        let until = Instant::now() + at_most;
        let mut g = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while g.built < generation {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            g = ready
                .wait_timeout(g, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        true
    }
}

/// The rebuild thread: waits for a generation not done yet, runs a round
/// over what the store holds then (every decision up to it; the confirms
/// it answers passed to `round`), and says so.
fn rebuild_loop(state: &(Mutex<Generations>, Condvar), round: impl Fn(Vec<DecisionId>)) {
    let (lock, ready) = state;
    loop {
        let (target, attach_after) = {
            let mut g = lock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            while g.built >= g.wanted && !g.stop {
                g = ready
                    .wait(g)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            if g.stop {
                return;
            }
            (g.wanted, std::mem::take(&mut g.attach_after))
        };
        round(attach_after);
        lock.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .built = target;
        ready.notify_all();
    }
}

impl Engine {
    /// [`Engine::suggest`] when a snapshot is built: no store access and
    /// no lock held across the ranking, so it may run on an async worker.
    /// `None` before the first snapshot after a start.
    pub fn suggest_ready(&self, doc: &DocText, limit: usize) -> Option<Answer> {
        Some(self.suggester.get()?.suggest(doc, limit))
    }

    /// Ranks the confirmed groups for a ticket's text: the verdict and at
    /// most `limit` groups.
    ///
    /// # Errors
    /// Store errors while the first snapshot after a start is built.
    pub fn suggest(&self, doc: &DocText, limit: usize) -> Result<Answer> {
        let snapshot = match self.suggester.get() {
            Some(s) => s,
            None => {
                let space = self.space_with(&[])?;
                self.rebuild_suggester(space)?;
                self.suggester.get().ok_or_else(|| {
                    EngineError::Store(StoreError::Corrupt("no suggest snapshot was built".into()))
                })?
            }
        };
        Ok(snapshot.suggest(doc, limit))
    }

    fn rebuild_suggester(&self, space: Arc<Space>) -> Result<()> {
        self.suggester
            .rebuild(
                &self.store,
                space,
                &self.config.analyzer,
                &self.config.suggest,
            )
            .map_err(EngineError::Store)
    }

    /// After a decision changed groups (`attach_after`: a confirm, which
    /// the engine's automatic attach answers), in the background: the
    /// attach, then suggest-group's snapshot. The decision waits for them
    /// up to [`DECISION_WAITS`]. Failures are logged: the decision stands,
    /// and the next round runs them again.
    pub(super) fn groups_changed(&self, attach_after: Option<DecisionId>) {
        if self.loaded_space().is_none() {
            return;
        }
        let generation = self.rebuilds.ask(attach_after, |state| {
            let store = self.store.clone();
            let space = self.space.clone();
            let slot = self.suggester.clone();
            let analyzer = self.config.analyzer.clone();
            let settings = self.config.suggest.clone();
            let started = std::thread::Builder::new()
                .name("refrain-suggest".into())
                .spawn(move || {
                    rebuild_loop(&state, |attach_after| {
                        let current = space
                            .read()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .clone();
                        let Some(space) = current else { return };
                        if !attach_after.is_empty() {
                            attach_after_decisions(&store, &space, &attach_after);
                        }
                        if let Err(e) = slot.rebuild(&store, space, &analyzer, &settings) {
                            tracing::error!(error = %e, "suggest snapshot not rebuilt; it is rebuilt after the next decision");
                        }
                    });
                });
            if let Err(e) = started {
                tracing::error!(error = %e, "cannot start the suggest rebuild thread");
            }
        });
        if !self.rebuilds.wait(generation, DECISION_WAITS) {
            tracing::debug!(
                generation,
                "attach and suggest snapshot still running; the decision answers first"
            );
        }
    }
}

/// Attaches undecided tickets that clearly belong to a group (an engine
/// decision answering the confirms `after`). Failures are logged: the
/// reviewer's decisions stand.
fn attach_after_decisions(store: &Store, space: &Space, after: &[DecisionId]) {
    match attach_undecided(store, space, &AttachParams::after_decision(), true, after) {
        Ok(n) if n > 0 => tracing::info!(attached = n, "engine attached undecided tickets"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "automatic attach failed; decisions are unaffected"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A rebuild thread whose build takes `pause` and is counted.
    fn started(rebuilds: &Rebuilds, builds: &Arc<AtomicUsize>, pause: Duration) -> u64 {
        let builds = builds.clone();
        rebuilds.ask(None, move |state| {
            std::thread::spawn(move || {
                rebuild_loop(&state, |_| {
                    std::thread::sleep(pause);
                    builds.fetch_add(1, Ordering::SeqCst);
                });
            });
        })
    }

    #[test]
    fn a_quick_build_is_waited_for_and_a_slow_one_is_not() {
        let rebuilds = Rebuilds::default();
        let builds = Arc::new(AtomicUsize::new(0));
        let first = started(&rebuilds, &builds, Duration::from_millis(20));
        assert!(
            rebuilds.wait(first, Duration::from_secs(5)),
            "a quick build is waited for"
        );
        assert_eq!(builds.load(Ordering::SeqCst), 1);

        let slow = Rebuilds::default();
        let n = started(&slow, &builds, Duration::from_millis(400));
        assert!(
            !slow.wait(n, Duration::from_millis(50)),
            "a slow one is not waited out"
        );
        assert!(slow.wait(n, Duration::from_secs(5)), "and lands later");
    }

    #[test]
    fn decisions_during_a_build_share_the_next_one() {
        let rebuilds = Rebuilds::default();
        let builds = Arc::new(AtomicUsize::new(0));
        let first = started(&rebuilds, &builds, Duration::from_millis(150));
        std::thread::sleep(Duration::from_millis(30)); // the first build is running
        let mut last = first;
        for _ in 0..5 {
            last = rebuilds.ask(None, |_| unreachable!("the thread runs already"));
        }
        assert!(rebuilds.wait(last, Duration::from_secs(5)));
        assert_eq!(
            builds.load(Ordering::SeqCst),
            2,
            "one build for the first decision, one for the five that came during it"
        );
    }
}
