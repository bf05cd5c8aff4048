//! Exports and deliveries: what is promoted, the tracker payloads, the
//! warehouse tables, `prioritized.yaml`, the digest's webhook post, and
//! the outbox worker that sends them.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::{Engine, Result};
use crate::deliver::{Courier, JIRA, Outcome, WEBHOOK};
use crate::export::prioritized;
use crate::export::tracker::{self, Issue, JiraBulk};
use crate::export::warehouse::{GroupRow, TicketRow};
use crate::model::{DecisionKind, GroupId, IsoWeek};
use crate::roadmap::Standing;
use crate::roadmap::digest::Flavour;
use crate::roadmap::weekly::promoted;
use crate::store::{GroupEdit, NewDecision, OutboxEntry, PlanEdit, Store};

/// Who records what a delivery brings back (a tracker's issue key).
pub const EXPORT_ACTOR: &str = "export";

/// The outbox worker's doorbell: rung when something is queued.
#[derive(Default)]
pub(super) struct Doorbell(std::sync::Mutex<Option<mpsc::Sender<()>>>);

impl Doorbell {
    fn ring(&self) {
        if let Some(tx) = &*self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            let _ = tx.send(());
        }
    }
}

impl Engine {
    /// The promoted items as of `as_of`, ranked: called `promote` in the
    /// latest review that called them, or in the scoring file's top band
    /// and not called otherwise.
    ///
    /// # Errors
    /// Store errors.
    pub fn promoted(&self, as_of: OffsetDateTime) -> Result<Vec<Standing>> {
        let standings = self.standings(as_of)?;
        let calls = self.store.calls()?;
        let scoring = self.scoring();
        let top = scoring.bands.first().map_or("promote", |(b, _)| b.as_str());
        Ok(promoted(&standings, &calls, top)
            .into_iter()
            .cloned()
            .collect())
    }

    /// The Jira bulk-create payload for the promoted items without an
    /// issue yet.
    ///
    /// # Errors
    /// Store errors.
    pub fn export_jira(&self, as_of: OffsetDateTime) -> Result<JiraBulk> {
        let promoted = self.promoted(as_of)?;
        let refs: Vec<&Standing> = promoted.iter().collect();
        Ok(tracker::jira_bulk(&refs, &self.config.export.jira))
    }

    /// Every promoted item as a generic issue (Linear, GitHub, scripts).
    ///
    /// # Errors
    /// Store errors.
    pub fn export_issues(&self, as_of: OffsetDateTime) -> Result<Vec<Issue>> {
        let promoted = self.promoted(as_of)?;
        let refs: Vec<&Standing> = promoted.iter().collect();
        Ok(tracker::generic(&refs, &self.config.export.jira))
    }

    /// Queues one tracker issue per promoted item without one. A group
    /// already queued or sent is not queued again.
    ///
    /// # Errors
    /// Store errors.
    pub fn queue_tracker_issues(&self, as_of: OffsetDateTime) -> Result<Vec<(OutboxEntry, bool)>> {
        let mut out = Vec::new();
        for s in self.promoted(as_of)? {
            if s.group.plan.tracker_key.is_some() {
                continue;
            }
            let body = serde_json::to_value(JiraBulk {
                issue_updates: vec![tracker::jira_issue(&s, &self.config.export.jira)],
            })
            .expect("a payload serialises");
            out.push(self.store.enqueue(
                &format!("{JIRA}:{}", s.group.id),
                JIRA,
                &body,
                OffsetDateTime::now_utc(),
            )?);
        }
        self.doorbell.ring();
        Ok(out)
    }

    /// Queues the digest of `week` for the chat webhook; a week's digest
    /// is posted once (a failed post is queued again).
    ///
    /// # Errors
    /// As [`Engine::digest`].
    pub fn queue_digest(&self, week: IsoWeek, now: OffsetDateTime) -> Result<(OutboxEntry, bool)> {
        let digest = self.digest(week, now)?;
        let body = serde_json::json!({ "text": digest.render(Flavour::Slack) });
        let queued = self
            .store
            .enqueue(&format!("digest:{week}"), WEBHOOK, &body, now)?;
        self.doorbell.ring();
        Ok(queued)
    }

    /// Every delivery, the newest first.
    ///
    /// # Errors
    /// Store errors.
    pub fn deliveries(&self) -> Result<Vec<OutboxEntry>> {
        Ok(self.store.outbox()?)
    }

    /// Sends what is queued now, in this thread (the CLI's way; a server
    /// sends in the background, see [`Engine::start_deliveries`]).
    ///
    /// # Errors
    /// Store errors.
    pub fn deliver_queued(&self) -> Result<Vec<(String, Outcome)>> {
        let courier = Courier::new(&self.config);
        let mut out = Vec::new();
        for entry in self.store.queued()? {
            let outcome = courier.deliver(&self.store, &entry, &mut |pause| {
                std::thread::sleep(pause);
                true
            })?;
            if let Outcome::Sent(answer) = &outcome {
                self.landed(&entry, answer);
            }
            out.push((entry.key, outcome));
        }
        Ok(out)
    }

    /// Starts the background sender: it sends what is queued (also what
    /// an earlier process left queued), then waits for more. It never
    /// holds up a request; it stops when the engine is dropped.
    ///
    /// # Errors
    /// The thread cannot be started.
    pub fn start_deliveries(&self) -> Result<()> {
        let mut bell = self
            .doorbell
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if bell.is_some() {
            return Ok(());
        }
        let (tx, rx) = mpsc::channel::<()>();
        let store = self.store.clone();
        let courier = Courier::new(&self.config);
        let base = self.config.export.jira.base_url.clone();
        std::thread::Builder::new()
            .name("refrain-outbox".into())
            .spawn(move || outbox_worker(&store, &courier, base.as_deref(), &rx))
            .map_err(super::EngineError::Spawn)?;
        let _ = tx.send(());
        *bell = Some(tx);
        Ok(())
    }

    fn landed(&self, entry: &OutboxEntry, answer: &serde_json::Value) {
        landed(
            &self.store,
            self.config.export.jira.base_url.as_deref(),
            entry,
            answer,
        );
    }

    /// The tickets table: every ticket stored (or changed) since `since`.
    ///
    /// # Errors
    /// Store errors.
    pub fn warehouse_tickets(&self, since: Option<OffsetDateTime>) -> Result<Vec<TicketRow>> {
        let groups: std::collections::HashMap<String, (GroupId, &'static str)> = self
            .store
            .memberships()?
            .into_iter()
            .map(|(t, g, o)| (t, (g, o.as_str())))
            .collect();
        let mut rows = Vec::new();
        let upto = self.store.last_seq()?;
        self.store
            .scan_changes::<crate::store::StoreError>(0, upto, 10_000, |chunk| {
                for t in chunk {
                    if since.is_some_and(|s| t.ingested_at < s) {
                        continue;
                    }
                    let group = groups
                        .get(t.ticket.id.as_str())
                        .map(|(g, o)| (g.as_str(), *o));
                    rows.push(TicketRow::of(&t, group));
                }
                Ok(())
            })?;
        Ok(rows)
    }

    /// The groups table as of `as_of`.
    ///
    /// # Errors
    /// Store errors.
    pub fn warehouse_groups(&self, as_of: OffsetDateTime) -> Result<Vec<GroupRow>> {
        let mut counts = self.store.group_counts(as_of)?;
        Ok(self
            .standings(as_of)?
            .iter()
            .map(|s| GroupRow::of(s, &counts.remove(&s.group.id).unwrap_or_default(), as_of))
            .collect())
    }

    /// `prioritized.yaml` as of `as_of`.
    ///
    /// # Errors
    /// Store errors.
    pub fn prioritized_yaml(&self, as_of: OffsetDateTime) -> Result<String> {
        let promoted = self.promoted(as_of)?;
        let refs: Vec<&Standing> = promoted.iter().collect();
        Ok(prioritized::yaml(&refs))
    }
}

/// Sends what is queued, then waits for the doorbell; between tries it
/// waits out the backoff unless the engine is gone.
fn outbox_worker(
    store: &Arc<Store>,
    courier: &Courier,
    base: Option<&str>,
    rx: &mpsc::Receiver<()>,
) {
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
                tracing::error!(error = %e, "cannot read the outbox");
                Vec::new()
            }
        };
        for entry in queued {
            match courier.deliver(store, &entry, &mut wait) {
                Ok(Outcome::Sent(answer)) => landed(store, base, &entry, &answer),
                Ok(Outcome::Failed(_)) => {}
                Ok(Outcome::Interrupted) => return,
                Err(e) => tracing::error!(key = %entry.key, error = %e, "cannot record a delivery"),
            }
        }
        if rx.recv().is_err() {
            return;
        }
    }
}

/// What a sent delivery changes: a tracker issue's key lands on its
/// group, so the group is never sent again.
fn landed(store: &Store, base: Option<&str>, entry: &OutboxEntry, answer: &serde_json::Value) {
    if entry.target != JIRA {
        return;
    }
    let Some(key) = answer["issues"][0]["key"].as_str() else {
        return;
    };
    let Some(group) = entry
        .key
        .strip_prefix("jira:")
        .and_then(|g| GroupId::parse(g).ok())
    else {
        return;
    };
    let edit = GroupEdit {
        plan: PlanEdit {
            tracker_key: Some(Some(key.to_string())),
            tracker_url: Some(base.map(|b| format!("{}/browse/{key}", b.trim_end_matches('/')))),
            ..PlanEdit::default()
        },
        ..GroupEdit::default()
    };
    let decision = NewDecision {
        kind: DecisionKind::Edit,
        actor: EXPORT_ACTOR,
        at: OffsetDateTime::now_utc(),
        cluster: None,
        detail: serde_json::json!({"fields": ["tracker_key", "tracker_url"], "tracker_key": key}),
    };
    match store.edit_group(&group, &edit, decision) {
        Ok(Ok(_)) => tracing::info!(%group, key, "tracker issue created"),
        Ok(Err(refusal)) => {
            tracing::warn!(%group, key, ?refusal, "tracker issue created for a group that is gone");
        }
        Err(e) => tracing::error!(%group, key, error = %e, "cannot record the tracker key"),
    }
}
