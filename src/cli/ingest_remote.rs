//! `refrain ingest --server URL`: batches sent over a few connections at
//! once.
//!
//! One request at a time leaves the server idle while the client waits for
//! each commit, and the client idle while the server parses: at 1M tickets
//! in batches of 1,000, one connection ingested 27k tickets/s and four
//! 40k/s. A batch that holds an id still in flight waits for that batch's
//! answer first, so a later version of a ticket never lands before an
//! earlier one: the file's order holds per ticket, as it does locally.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::{Scope, ScopedJoinHandle};

use anyhow::Context;

use super::UserError;
use crate::ingest::{ItemError, ParsedItem};
use crate::model::TicketDraft;

/// Where batches go and how many may be on their way at once.
pub struct Server {
    pub url: String,
    pub token: Option<String>,
    pub agent: ureq::Agent,
    pub connections: usize,
}

/// What the server did with one batch (the parts the summary counts).
#[derive(Debug, Default)]
pub struct Sent {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Items refused, with their place in the file.
    pub errors: Vec<ItemError>,
    pub file: String,
}

struct Batch {
    number: u64,
    drafts: Vec<TicketDraft>,
    /// Each draft's `(index, line)` in its file.
    positions: Vec<(usize, Option<usize>)>,
    file: String,
}

/// Sends batches from worker threads, one connection each, keeping every
/// ticket's versions in file order.
pub struct RemotePipeline<'scope> {
    batches: Option<SyncSender<Batch>>,
    answers: Receiver<(u64, anyhow::Result<Sent>)>,
    workers: Vec<ScopedJoinHandle<'scope, ()>>,
    /// The ids of each batch in flight, and which batch each id is in.
    in_flight: HashMap<u64, Vec<String>>,
    id_batch: HashMap<String, u64>,
    next: u64,
    connections: usize,
}

impl<'scope> RemotePipeline<'scope> {
    pub fn start<'env>(scope: &'scope Scope<'scope, 'env>, server: &'env Server) -> Self {
        let connections = server.connections.max(1);
        let (batches, queue) = sync_channel::<Batch>(0);
        let queue = Arc::new(Mutex::new(queue));
        let (answered, answers) = channel();
        let workers = (0..connections)
            .map(|_| {
                let queue = queue.clone();
                let answered = answered.clone();
                scope.spawn(move || {
                    loop {
                        let next = queue
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .recv();
                        let Ok(batch) = next else { return };
                        let number = batch.number;
                        if answered.send((number, send_batch(server, batch))).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        RemotePipeline {
            batches: Some(batches),
            answers,
            workers,
            in_flight: HashMap::new(),
            id_batch: HashMap::new(),
            next: 0,
            connections,
        }
    }

    /// Queues `items` (parsed from `file`); calls `record` with the answers
    /// of batches finished meanwhile, and with the items that could not be
    /// read at all. Waits while all connections are busy or while a batch
    /// holding one of these ids is in flight.
    ///
    /// # Errors
    /// The server cannot be reached or refuses a batch as a whole.
    pub fn send(
        &mut self,
        items: Vec<ParsedItem>,
        file: &str,
        record: &mut dyn FnMut(Sent),
    ) -> anyhow::Result<()> {
        let mut drafts = Vec::with_capacity(items.len());
        let mut positions = Vec::with_capacity(items.len());
        let mut unreadable = Vec::new();
        for item in items {
            match item.draft {
                Ok(d) => {
                    drafts.push(d);
                    positions.push((item.index, item.line));
                }
                Err(e) => unreadable.push(ItemError {
                    index: item.index,
                    line: item.line,
                    id: None,
                    field: e.field,
                    reason: e.reason,
                }),
            }
        }
        if !unreadable.is_empty() {
            record(Sent {
                errors: unreadable,
                file: file.to_string(),
                ..Sent::default()
            });
        }
        if drafts.is_empty() {
            return Ok(());
        }
        // An item without an id is refused by the server; it orders nothing.
        let ids: Vec<String> = drafts
            .iter()
            .filter(|d| !d.id.is_empty())
            .map(|d| d.id.clone())
            .collect();
        while self.in_flight.len() >= self.connections
            || ids.iter().any(|id| self.id_batch.contains_key(id))
        {
            self.receive(record)?;
        }
        let number = self.next;
        self.next += 1;
        for id in &ids {
            self.id_batch.insert(id.clone(), number);
        }
        self.in_flight.insert(number, ids);
        let batch = Batch {
            number,
            drafts,
            positions,
            file: file.to_string(),
        };
        let sent = self.batches.as_ref().is_some_and(|b| b.send(batch).is_ok());
        if !sent {
            anyhow::bail!("sending to the server stopped");
        }
        Ok(())
    }

    /// Waits for every batch in flight.
    ///
    /// # Errors
    /// As [`RemotePipeline::send`].
    pub fn finish(mut self, record: &mut dyn FnMut(Sent)) -> anyhow::Result<()> {
        while !self.in_flight.is_empty() {
            self.receive(record)?;
        }
        drop(self.batches.take());
        for worker in self.workers.drain(..) {
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        Ok(())
    }

    /// Takes one answer and frees its batch's ids.
    fn receive(&mut self, record: &mut dyn FnMut(Sent)) -> anyhow::Result<()> {
        let (number, answer) = self
            .answers
            .recv()
            .context("the threads sending to the server stopped")?;
        for id in self.in_flight.remove(&number).unwrap_or_default() {
            if self.id_batch.get(&id) == Some(&number) {
                self.id_batch.remove(&id);
            }
        }
        record(answer?);
        Ok(())
    }
}

/// Posts one batch; items the server refuses are reported and dropped and
/// the rest sent again (the server takes a batch whole or not at all).
fn send_batch(server: &Server, batch: Batch) -> anyhow::Result<Sent> {
    let Batch {
        mut drafts,
        mut positions,
        file,
        ..
    } = batch;
    let mut sent = Sent {
        file,
        ..Sent::default()
    };
    for _attempt in 0..2 {
        if drafts.is_empty() {
            break;
        }
        match post(server, &drafts)? {
            Posted::Stored(answer) => {
                sent.created += answer.created;
                sent.updated += answer.updated;
                sent.unchanged += answer.unchanged;
                drafts.clear();
            }
            Posted::Refused(errors) => {
                let bad: std::collections::HashSet<usize> =
                    errors.iter().map(|e| e.index).collect();
                sent.errors.extend(errors.into_iter().map(|mut e| {
                    let (index, line) = positions[e.index];
                    e.index = index;
                    e.line = line;
                    e
                }));
                let mut keep = (0..drafts.len()).map(|i| !bad.contains(&i));
                drafts.retain(|_| keep.next().unwrap_or(false));
                let mut keep = (0..positions.len()).map(|i| !bad.contains(&i));
                positions.retain(|_| keep.next().unwrap_or(false));
            }
        }
    }
    Ok(sent)
}

#[derive(serde::Deserialize)]
struct PostAnswer {
    created: usize,
    updated: usize,
    unchanged: usize,
}

#[derive(serde::Deserialize)]
struct Problem {
    detail: String,
    #[serde(default)]
    errors: Vec<ItemError>,
}

enum Posted {
    Stored(PostAnswer),
    Refused(Vec<ItemError>),
}

fn post(server: &Server, drafts: &[TicketDraft]) -> anyhow::Result<Posted> {
    let url = &server.url;
    let mut request = server
        .agent
        .post(url)
        .header("Content-Type", "application/json");
    if let Some(token) = &server.token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let body = serde_json::to_vec(drafts).context("serialising the batch")?;
    let mut response = request
        .send(&body[..])
        .with_context(|| format!("cannot reach the server at {url}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .context("reading the server's answer")?;
    match status {
        200..=299 => Ok(Posted::Stored(
            serde_json::from_str(&text).context("the server's answer is not what refrain sends")?,
        )),
        422 => {
            let problem: Problem = serde_json::from_str(&text)
                .with_context(|| format!("the server refused the batch: {text}"))?;
            if problem.errors.is_empty() {
                return Err(
                    UserError(format!("the server refused the batch: {}", problem.detail)).into(),
                );
            }
            Ok(Posted::Refused(problem.errors))
        }
        _ => {
            let detail = serde_json::from_str::<Problem>(&text)
                .map(|p| p.detail)
                .unwrap_or(text);
            let message = format!("the server answered {status}: {detail}");
            if (400..500).contains(&status) {
                Err(UserError(message).into())
            } else {
                Err(anyhow::anyhow!(message))
            }
        }
    }
}
