//! Group commit: every ticket write goes through one thread that gathers
//! the writes waiting at that moment into a single SQLite transaction (one
//! fsync for all of them), answers each writer only after that commit, and
//! hands the changes to the search index in seq order.
//!
//! Under load this is what lets many single-ticket writes share the cost of
//! durability; and because the queue is bounded ([`GroupCommit::reserve`]),
//! a flood is answered at once with [`EngineError::Overloaded`] (503 +
//! `Retry-After`) instead of waiting for tens of seconds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use time::OffsetDateTime;

use super::{EngineError, Result, UpsertReport};
use crate::index::writer::{IndexChange, IndexSender};
use crate::model::IncomingTicket;
use crate::store::Store;
use crate::vectors::IndexedText;

/// Tickets gathered into one transaction at most (a request is never
/// split; one larger than this goes alone).
const MAX_TICKETS_PER_COMMIT: usize = 20_000;

/// Changes held back while the index writer is busy (committing) before
/// the commit thread waits for it: small writes never stall behind an
/// index commit, and a bulk load still cannot outrun the index by more.
const MAX_HELD_CHANGES: usize = 50_000;

struct WriteRequest {
    batch: Vec<IncomingTicket>,
    /// Each ticket's encoded term counts.
    terms: Vec<Vec<u8>>,
    /// Each ticket's tokens for the search index.
    texts: Vec<IndexedText>,
    reply: SyncSender<Result<UpsertReport>>,
}

/// The handle writers use; the commit thread behind it stops when the
/// handle is dropped.
pub(super) struct GroupCommit {
    sender: Mutex<Option<Sender<WriteRequest>>>,
    pending: Arc<AtomicUsize>,
    limit: usize,
    thread: Option<JoinHandle<()>>,
}

/// A place in the write queue, taken before any work on a write starts
/// (the API takes it before parsing, so a flood is refused before it costs
/// anything); freed when dropped.
pub struct WritePermit {
    pending: Arc<AtomicUsize>,
}

impl Drop for WritePermit {
    fn drop(&mut self) {
        self.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

impl GroupCommit {
    /// Starts the commit thread over `store`, sending changes to `index`.
    ///
    /// # Errors
    /// No thread can be started.
    pub(super) fn start(store: Arc<Store>, index: IndexSender, limit: usize) -> Result<Self> {
        let (sender, receiver) = channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let thread = std::thread::Builder::new()
            .name("group-commit".into())
            .spawn(move || run(&store, &index, &receiver))
            .map_err(EngineError::Spawn)?;
        Ok(GroupCommit {
            sender: Mutex::new(Some(sender)),
            pending,
            limit,
            thread: Some(thread),
        })
    }

    /// Takes a place in the write queue.
    ///
    /// # Errors
    /// [`EngineError::Overloaded`] when `limit` writes already wait.
    pub(super) fn reserve(&self) -> Result<WritePermit> {
        let waiting = self.pending.fetch_add(1, Ordering::AcqRel);
        let permit = WritePermit {
            pending: self.pending.clone(),
        };
        if waiting >= self.limit {
            return Err(EngineError::Overloaded {
                pending: waiting,
                limit: self.limit,
                retry_after_s: 1,
            });
        }
        Ok(permit)
    }

    /// Writes `batch` (all or nothing) and returns once it is durable.
    ///
    /// # Errors
    /// Store errors (nothing is then stored).
    pub(super) fn write(
        &self,
        batch: Vec<IncomingTicket>,
        terms: Vec<Vec<u8>>,
        texts: Vec<IndexedText>,
    ) -> Result<UpsertReport> {
        let (reply, answer) = sync_channel(1);
        let sent = self
            .sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|s| {
                s.send(WriteRequest {
                    batch,
                    terms,
                    texts,
                    reply,
                })
                .is_ok()
            });
        if sent {
            answer.recv().unwrap_or_else(|_| Err(stopped()))
        } else {
            Err(stopped())
        }
    }
}

fn stopped() -> EngineError {
    EngineError::Spawn(std::io::Error::other(
        "the store's commit thread has stopped; restart refrain",
    ))
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        drop(
            self.sender
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the store's commit thread panicked");
        }
    }
}

/// The commit thread: take what waits, commit it as one, answer each.
/// Changes on their way to the index, held back while its queue is full.
struct Feed<'a> {
    index: &'a IndexSender,
    held: Vec<IndexChange>,
}

impl Feed<'_> {
    /// Passes `changes` (after any held ones) to the index without
    /// waiting, unless `wait` or too many are held.
    fn push(&mut self, changes: Vec<IndexChange>, wait: bool) {
        self.held.extend(changes);
        if self.held.is_empty() {
            return;
        }
        let changes = std::mem::take(&mut self.held);
        let outcome = if wait || changes.len() >= MAX_HELD_CHANGES {
            self.index.send(changes).map(|()| None)
        } else {
            self.index.try_send(changes)
        };
        match outcome {
            Ok(Some(back)) => self.held = back,
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "search index writer is down; tickets are stored and will be indexed on restart");
            }
        }
    }
}

/// How long the idle commit thread waits before offering held changes to
/// the index again.
const RETRY_HELD: Duration = Duration::from_millis(20);

/// The commit thread: take what waits, commit it as one, answer each.
fn run(store: &Store, index: &IndexSender, receiver: &Receiver<WriteRequest>) {
    let mut feed = Feed {
        index,
        held: Vec::new(),
    };
    loop {
        let first = match receiver.try_recv() {
            Ok(first) => first,
            Err(_) => {
                feed.push(Vec::new(), false);
                let next = if feed.held.is_empty() {
                    receiver.recv().map_err(|_| RecvTimeoutError::Disconnected)
                } else {
                    receiver.recv_timeout(RETRY_HELD)
                };
                match next {
                    Ok(first) => first,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
        };
        let mut group = vec![first];
        let mut tickets = group[0].batch.len();
        while tickets < MAX_TICKETS_PER_COMMIT {
            match receiver.try_recv() {
                Ok(next) => {
                    tickets += next.batch.len();
                    group.push(next);
                }
                Err(_) => break,
            }
        }
        let batches: Vec<crate::store::UpsertBatch<'_>> = group
            .iter()
            .map(|r| (r.batch.as_slice(), Some(r.terms.as_slice())))
            .collect();
        let committed = store.upsert_many(&batches, OffsetDateTime::now_utc());
        match committed {
            Ok(outcomes) => {
                let mut changes = Vec::new();
                let mut reports = Vec::with_capacity(outcomes.len());
                for (outcome, request) in outcomes.into_iter().zip(group.iter_mut()) {
                    reports.push(UpsertReport {
                        created: outcome.created,
                        updated: outcome.updated,
                        unchanged: outcome.unchanged,
                        seq: outcome.last_seq,
                    });
                    changes.extend(outcome.changes.into_iter().map(|c| IndexChange {
                        seq: c.seq,
                        text: request.texts.get_mut(c.position).map(std::mem::take),
                        ticket: c.ticket,
                        replaced: c.replaced,
                    }));
                }
                // Durable now: answer first, then feed the index (which may
                // apply backpressure while it commits).
                for (request, report) in group.iter().zip(reports) {
                    let _ = request.reply.send(Ok(report));
                }
                feed.push(changes, false);
            }
            Err(e) => {
                tracing::error!(error = %e, writes = group.len(), "a group commit failed; nothing of it is stored");
                let message = e.to_string();
                let mut first = Some(e);
                for request in &group {
                    let error = first.take().unwrap_or_else(|| {
                        crate::store::StoreError::Corrupt(format!(
                            "the transaction shared with other writes failed: {message}"
                        ))
                    });
                    let _ = request.reply.send(Err(EngineError::Store(error)));
                }
            }
        }
    }
    // Stopping: whatever is held goes to the index before the thread ends.
    feed.push(Vec::new(), true);
}
