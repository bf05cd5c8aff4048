//! The one thread that writes the search index.
//!
//! It first catches the index up with the store (everything after the last
//! committed seq), then applies changes as the engine sends them, in seq
//! order. It commits when the oldest uncommitted change is `commit_interval`
//! old, or at once when a caller waits to search its write
//! (`?refresh=wait_for`). Every commit records the seq it covers, so a crash
//! loses nothing: the next start catches up from the store again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tantivy::{IndexWriter, TantivyDocument, Term};

use super::{CommitPayload, IndexError, Result, TicketIndex, schema};
use crate::model::Ticket;
use crate::vectors::{IndexedText, TermAnalysis};

/// A change for the index: a ticket to add, replacing any older version.
#[derive(Debug, Clone)]
pub struct IndexChange {
    pub seq: u64,
    pub ticket: Ticket,
    pub replaced: bool,
    /// The ticket's tokens, made when it was stored; `None` to analyse it
    /// here.
    pub text: Option<IndexedText>,
}

enum Message {
    Changes(Vec<IndexChange>),
    /// Wakes the writer to look at `Progress::commit_requested`.
    Wake,
}

/// Batches the writer may hold queued before senders wait: backpressure, so
/// a bulk load cannot outrun the index by more than this.
const QUEUE_BATCHES: usize = 4;

/// How far the index has got, shared between the writer thread and readers.
#[derive(Default)]
pub struct Progress {
    committed_seq: Mutex<u64>,
    committed: Condvar,
    ready: AtomicBool,
    /// Someone waits to search: commit as soon as the queue is drained.
    commit_requested: AtomicBool,
    failure: Mutex<Option<String>>,
}

impl Progress {
    /// The store seq the searchable index covers.
    pub fn committed_seq(&self) -> u64 {
        *self
            .committed_seq
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the start-up catch-up has finished.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Why the writer stopped, if it did.
    pub fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_committed(&self, seq: u64) {
        let mut guard = self
            .committed_seq
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = (*guard).max(seq);
        self.committed.notify_all();
    }

    fn fail(&self, message: String) {
        *self
            .failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(message);
        self.ready.store(false, Ordering::Release);
        self.committed.notify_all();
    }
}

/// Settings for the writer thread.
#[derive(Debug, Clone)]
pub struct WriterSettings {
    pub commit_interval: Duration,
    pub memory_bytes: usize,
}

/// Handle to the writer thread. Dropping it (or [`Indexer::close`]) commits
/// what is pending and stops the thread.
pub struct Indexer {
    sender: Option<SyncSender<Message>>,
    progress: Arc<Progress>,
    thread: Option<JoinHandle<()>>,
}

/// Queues changes for the writer thread (see [`Indexer::sender`]).
pub struct IndexSender {
    sender: Option<SyncSender<Message>>,
    progress: Arc<Progress>,
}

impl IndexSender {
    /// Queues changes if the writer's queue has room; otherwise hands them
    /// back (`Ok(Some(changes))`) so the caller can keep them and try again
    /// with the next ones, in seq order.
    ///
    /// # Errors
    /// The writer thread has stopped.
    pub fn try_send(&self, changes: Vec<IndexChange>) -> Result<Option<Vec<IndexChange>>> {
        if changes.is_empty() {
            return Ok(None);
        }
        let gone = || {
            IndexError::WriterGone(
                self.progress
                    .failure()
                    .unwrap_or_else(|| "the index writer has stopped".into()),
            )
        };
        let Some(sender) = &self.sender else {
            return Err(gone());
        };
        match sender.try_send(Message::Changes(changes)) {
            Ok(()) => Ok(None),
            Err(std::sync::mpsc::TrySendError::Full(Message::Changes(back))) => Ok(Some(back)),
            Err(std::sync::mpsc::TrySendError::Full(Message::Wake)) => Ok(None),
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => Err(gone()),
        }
    }

    /// Queues changes; they must come in seq order. Blocks while the
    /// writer's queue is full (backpressure).
    ///
    /// # Errors
    /// The writer thread has stopped.
    pub fn send(&self, changes: Vec<IndexChange>) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        self.sender
            .as_ref()
            .and_then(|s| s.send(Message::Changes(changes)).ok())
            .ok_or_else(|| {
                IndexError::WriterGone(
                    self.progress
                        .failure()
                        .unwrap_or_else(|| "the index writer has stopped".into()),
                )
            })
    }
}

/// Where the writer reads the changes it must catch up on.
pub trait ChangeSource: Send + Sync + 'static {
    /// Calls `f` with `(seq, ticket)` for tickets whose seq is in
    /// `(after, upto]`, in seq order, a chunk at a time.
    ///
    /// # Errors
    /// [`IndexError::Source`] when the source fails, or the first error
    /// `f` returns.
    fn scan(
        &self,
        after: u64,
        upto: u64,
        f: &mut dyn FnMut(Vec<(u64, Ticket)>) -> Result<()>,
    ) -> Result<()>;
}

impl Indexer {
    /// Starts the writer thread. It catches up on `(covered_seq, catch_up_to]`
    /// from `source` before it takes live changes.
    ///
    /// # Errors
    /// The tantivy writer cannot be created (index locked, no memory).
    pub fn start(
        index: TicketIndex,
        analysis: &TermAnalysis,
        source: Arc<dyn ChangeSource>,
        covered_seq: u64,
        catch_up_to: u64,
        settings: WriterSettings,
    ) -> Result<Indexer> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get().min(2))
            .unwrap_or(1);
        let writer: IndexWriter = index
            .tantivy()
            .writer_with_num_threads(threads, settings.memory_bytes.max((threads * 16) << 20))?;
        let progress = Arc::new(Progress::default());
        progress.set_committed(covered_seq);
        let (sender, receiver) = sync_channel(QUEUE_BATCHES);
        let state = WriterState {
            index,
            writer,
            progress: progress.clone(),
            payload_analyzer: super::fingerprint(analysis),
            analysis: analysis.clone(),
            pending_seq: covered_seq,
            dirty_since: None,
            settings,
        };
        let thread = std::thread::Builder::new()
            .name("index-writer".into())
            .spawn(move || state.run(source, covered_seq, catch_up_to, receiver))?;
        Ok(Indexer {
            sender: Some(sender),
            progress,
            thread: Some(thread),
        })
    }

    pub fn progress(&self) -> &Arc<Progress> {
        &self.progress
    }

    /// A handle that queues changes from another thread. The writer stops
    /// only once every handle is dropped, so drop them before
    /// [`Indexer::close`].
    pub fn sender(&self) -> IndexSender {
        IndexSender {
            sender: self.sender.clone(),
            progress: self.progress.clone(),
        }
    }

    /// Blocks until everything up to `seq` is searchable, or `timeout`.
    /// Returns whether it is.
    pub fn wait_searchable(&self, seq: u64, timeout: Duration) -> bool {
        let request_commit = || {
            self.progress
                .commit_requested
                .store(true, Ordering::Release);
            if let Some(sender) = &self.sender {
                // A full queue means the writer is busy and will see the flag.
                let _ = sender.try_send(Message::Wake);
            }
        };
        if self.progress.committed_seq() >= seq {
            return true;
        }
        request_commit();
        let deadline = Instant::now() + timeout;
        let mut guard = self
            .progress
            .committed_seq
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *guard < seq && self.progress.failure().is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            // Ask again now and then: a commit that came before this write
            // reached the writer (it may be held back while the writer is
            // busy) does not cover it.
            guard = self
                .progress
                .committed
                .wait_timeout(guard, left.min(Duration::from_millis(25)))
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
            if *guard < seq {
                request_commit();
            }
        }
        *guard >= seq
    }

    /// Commits what is pending and stops the thread.
    ///
    /// # Errors
    /// The last commit failed.
    pub fn close(mut self) -> Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<()> {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            thread
                .join()
                .map_err(|_| IndexError::WriterGone("the index writer thread panicked".into()))?;
        }
        match self.progress.failure() {
            Some(f) => Err(IndexError::WriterGone(f)),
            None => Ok(()),
        }
    }
}

struct WriterState {
    index: TicketIndex,
    writer: IndexWriter,
    progress: Arc<Progress>,
    payload_analyzer: String,
    /// Analyses tickets that come without their tokens (the catch-up).
    analysis: TermAnalysis,
    /// Highest seq added to the writer (committed or not).
    pending_seq: u64,
    /// When the oldest uncommitted change arrived.
    dirty_since: Option<Instant>,
    settings: WriterSettings,
}

/// During a long catch-up, commit this often so a crash resumes near where it
/// stopped rather than from the start.
const CATCH_UP_COMMIT_EVERY: Duration = Duration::from_secs(30);

impl WriterState {
    fn run(
        mut self,
        source: Arc<dyn ChangeSource>,
        covered_seq: u64,
        catch_up_to: u64,
        receiver: Receiver<Message>,
    ) {
        if let Err(e) = self.catch_up(&*source, covered_seq, catch_up_to) {
            tracing::error!(error = %e, "search index catch-up failed");
            self.progress.fail(format!("catch-up failed: {e}"));
            return;
        }
        self.progress.ready.store(true, Ordering::Release);
        if let Err(e) = self.serve(&receiver) {
            tracing::error!(error = %e, "search index writer failed");
            self.progress.fail(e.to_string());
        }
    }

    fn catch_up(&mut self, source: &dyn ChangeSource, after: u64, upto: u64) -> Result<()> {
        if upto <= after {
            if after == 0 {
                // A new index: commit once so the next start finds it built
                // with this analyzer instead of rebuilding it again.
                self.commit()?;
            }
            return Ok(());
        }
        let started = Instant::now();
        tracing::info!(
            from = after,
            to = upto,
            "search index catching up with the store"
        );
        let mut last_commit = Instant::now();
        let mut count = 0usize;
        source.scan(after, upto, &mut |chunk| {
            let tickets: Vec<&Ticket> = chunk.iter().map(|(_, t)| t).collect();
            let texts = self.analysis.analyse_indexed(&tickets);
            for ((seq, ticket), (_, text)) in chunk.iter().zip(texts) {
                count += 1;
                // After a crash the index may hold an older version: replace.
                self.add(ticket, &text, after > 0)?;
                self.pending_seq = *seq;
            }
            if last_commit.elapsed() >= CATCH_UP_COMMIT_EVERY {
                self.commit()?;
                last_commit = Instant::now();
            }
            Ok(())
        })?;
        self.pending_seq = upto;
        self.commit()?;
        tracing::info!(
            tickets = count,
            secs = started.elapsed().as_secs_f64(),
            "search index caught up"
        );
        Ok(())
    }

    fn serve(&mut self, receiver: &Receiver<Message>) -> Result<()> {
        loop {
            let wait = match self.dirty_since {
                Some(since) => self
                    .settings
                    .commit_interval
                    .saturating_sub(since.elapsed()),
                None => Duration::from_secs(3600),
            };
            match receiver.recv_timeout(wait) {
                Ok(Message::Changes(changes)) => self.apply(changes)?,
                Ok(Message::Wake) => {}
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    if self.dirty_since.is_some() {
                        self.commit()?;
                    }
                    return Ok(());
                }
            }
            // Drain what is already queued so one commit covers it all.
            while let Ok(message) = receiver.try_recv() {
                if let Message::Changes(changes) = message {
                    self.apply(changes)?;
                }
            }
            let due = self
                .dirty_since
                .is_some_and(|since| since.elapsed() >= self.settings.commit_interval);
            let requested = self.progress.commit_requested.swap(false, Ordering::AcqRel);
            if (due || requested)
                && (self.dirty_since.is_some() || self.pending_seq > self.progress.committed_seq())
            {
                self.commit()?;
            }
        }
    }

    fn apply(&mut self, changes: Vec<IndexChange>) -> Result<()> {
        for change in changes {
            let text = match change.text {
                Some(text) => text,
                None => self.analysis.analyse_indexed(&[&change.ticket]).remove(0).1,
            };
            self.add(&change.ticket, &text, change.replaced)?;
            self.pending_seq = self.pending_seq.max(change.seq);
        }
        self.dirty_since.get_or_insert_with(Instant::now);
        Ok(())
    }

    fn add(&mut self, ticket: &Ticket, text: &IndexedText, replace: bool) -> Result<()> {
        let f = self.index.fields();
        if replace {
            self.writer
                .delete_term(Term::from_field_text(f.id, ticket.id.as_str()));
        }
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, ticket.id.as_str());
        doc.add_text(f.source, ticket.source.as_str());
        doc.add_i64(f.created, ticket.created_at.unix_timestamp());
        doc.add_text(f.title, &text.title);
        doc.add_text(f.body, &text.body);
        if !text.notes.is_empty() {
            doc.add_text(f.notes, &text.notes);
        }
        self.writer.add_document(doc)?;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        let payload = CommitPayload {
            seq: self.pending_seq,
            analyzer: self.payload_analyzer.clone(),
            schema: schema::SCHEMA_VERSION,
        };
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(
            &serde_json::to_string(&payload).expect("a plain struct always serialises"),
        );
        prepared.commit()?;
        self.index.reader().reload()?;
        self.dirty_since = None;
        self.progress.set_committed(self.pending_seq);
        Ok(())
    }
}
