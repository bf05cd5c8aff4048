//! suggest-group over the engine's snapshot of the confirmed groups.
//!
//! The snapshot ([`Suggester`]) is rebuilt after every decision that
//! changes a group and after every re-cluster, then swapped in whole; a
//! request only clones the `Arc` (a read lock held for that instant), so no
//! lock is held while it is answered and nothing touches the disk. Builds
//! are serialised, so a later build always reflects later decisions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use time::OffsetDateTime;

use super::{Engine, EngineError, Result};
use crate::analyze::{Analyzer, AnalyzerSettings};
use crate::review::Space;
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
        let built = Suggester::new(
            space,
            postings,
            info,
            &members,
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

impl Engine {
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

    /// After a decision changed groups: suggest-group sees it at once.
    /// Failures are logged: the decision stands, and the next one retries.
    pub(super) fn groups_changed(&self) {
        let Some(space) = self.loaded_space() else {
            return;
        };
        if let Err(e) = self.rebuild_suggester(space) {
            tracing::error!(error = %e, "suggest snapshot not rebuilt; it is rebuilt after the next decision");
        }
    }
}
