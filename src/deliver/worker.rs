//! The background sender of a server: it sends what is queued (also what
//! an earlier process left queued), then sleeps until rung. Requests only
//! queue and ring, so a slow or failing receiver never holds one up.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Courier, Outcome};
use crate::store::{OutboxEntry, Store};

/// How long the worker waits before reading the outbox again after the
/// store failed.
const STORE_RETRY: Duration = Duration::from_secs(5);

/// Wakes the worker when something is queued. Without a worker (the
/// CLI), ringing does nothing.
#[derive(Default)]
pub struct Doorbell(Mutex<Option<mpsc::Sender<()>>>);

impl Doorbell {
    pub fn ring(&self) {
        if let Some(tx) = &*self.0.lock().unwrap_or_else(PoisonError::into_inner) {
            let _ = tx.send(());
        }
    }

    /// Starts the worker, once: it stops when this doorbell is dropped.
    /// `landed` is told of each delivery a receiver accepted.
    ///
    /// # Errors
    /// The thread cannot be started.
    pub fn start(
        &self,
        store: Arc<Store>,
        courier: Courier,
        landed: impl Fn(&OutboxEntry, &Value) + Send + 'static,
    ) -> std::io::Result<()> {
        let mut bell = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if bell.is_some() {
            return Ok(());
        }
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("refrain-outbox".into())
            .spawn(move || run(&store, &courier, &landed, &rx))?;
        *bell = Some(tx);
        Ok(())
    }
}

/// Sends until the queue is empty, then waits for a ring; between tries
/// it waits out the backoff, unless the doorbell is dropped.
fn run(
    store: &Store,
    courier: &Courier,
    landed: &dyn Fn(&OutboxEntry, &Value),
    rx: &mpsc::Receiver<()>,
) {
    // Rings during a backoff are not lost: the queue is read again until
    // it is empty before the worker sleeps.
    let mut wait = |pause: Duration| {
        let until = Instant::now() + pause;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            match rx.recv_timeout(left) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return false,
            }
        }
    };
    loop {
        let queued = match store.queued() {
            Ok(q) => q,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox; trying again");
                if !wait(STORE_RETRY) {
                    return;
                }
                continue;
            }
        };
        if queued.is_empty() {
            if rx.recv().is_err() {
                return;
            }
            continue;
        }
        for entry in queued {
            match courier.deliver(store, &entry, &mut wait) {
                Ok(Outcome::Sent(answer)) => landed(&entry, &answer),
                Ok(Outcome::Failed(_)) => {}
                Ok(Outcome::Interrupted) => return,
                Err(e) => {
                    tracing::error!(key = %entry.key, error = %e, "cannot record a delivery");
                    if !wait(STORE_RETRY) {
                        return;
                    }
                }
            }
        }
    }
}
