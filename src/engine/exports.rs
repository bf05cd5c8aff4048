//! Exports and deliveries: what is promoted, the tracker payloads, the
//! warehouse tables, `prioritized.yaml`, the digest's webhook post, and
//! the outbox worker that sends them.

use time::OffsetDateTime;

use super::{Engine, Result};
use crate::deliver::{Courier, JIRA, Outcome, WEBHOOK};
use crate::export::prioritized;
use crate::export::tracker::{self, Issue, JiraBulk};
use crate::export::warehouse::{GroupRow, TableWriter, TicketRow};
use crate::model::{DecisionKind, GroupId, IsoWeek};
use crate::roadmap::Standing;
use crate::roadmap::digest::Flavour;
use crate::roadmap::weekly::promoted;
use crate::store::{GroupEdit, NewDecision, OutboxEntry, PlanEdit, Store};

/// Who records what a delivery brings back (a tracker's issue key).
pub const EXPORT_ACTOR: &str = "export";

impl Engine {
    /// The promoted items as of `as_of`, ranked: called `promote` in the
    /// latest review that called them, or in the scoring file's top band
    /// and never called.
    ///
    /// # Errors
    /// Store errors.
    pub fn promoted(&self, as_of: OffsetDateTime) -> Result<Vec<Standing>> {
        let standings = self.standings(as_of)?;
        let calls = self.store.calls()?;
        let reviews = self.store.reviews()?;
        let scoring = self.scoring();
        let top = scoring.bands.first().map_or("promote", |(b, _)| b.as_str());
        Ok(promoted(&standings, &reviews, &calls, top)
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

    /// Queues one tracker issue per promoted item without a tracker item
    /// (made by refrain or linked by a reviewer). A group already queued
    /// or sent is not queued again.
    ///
    /// # Errors
    /// Store errors.
    pub fn queue_tracker_issues(&self, as_of: OffsetDateTime) -> Result<Vec<(OutboxEntry, bool)>> {
        let mut out = Vec::new();
        for s in self.promoted(as_of)? {
            if s.group.plan.has_tracker_item() {
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

    /// Sends the queued deliveries `which` picks, now, in this thread (the
    /// CLI's way; a server sends in the background, see
    /// [`Engine::start_deliveries`]).
    ///
    /// # Errors
    /// Store errors.
    pub fn deliver_queued(
        &self,
        which: impl Fn(&OutboxEntry) -> bool,
    ) -> Result<Vec<(String, Outcome)>> {
        let courier = Courier::new(&self.config);
        let mut out = Vec::new();
        for entry in self.store.queued()?.into_iter().filter(|e| which(e)) {
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

    /// Starts the background sender (see [`crate::deliver::worker`]); it
    /// stops when the engine is dropped.
    ///
    /// # Errors
    /// The thread cannot be started.
    pub fn start_deliveries(&self) -> Result<()> {
        let store = self.store.clone();
        let base = self.config.export.jira.base_url.clone();
        self.doorbell
            .start(
                self.store.clone(),
                Courier::new(&self.config),
                move |entry, answer| landed(&store, base.as_deref(), entry, answer),
            )
            .map_err(super::EngineError::Spawn)?;
        self.doorbell.ring();
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

    /// Writes the tickets table to `out`: every ticket, or with `since`
    /// those stored, changed, or put in or out of a group at or after it.
    ///
    /// # Errors
    /// Store errors; I/O errors of `out`.
    pub fn write_warehouse_tickets<W: std::io::Write>(
        &self,
        since: Option<OffsetDateTime>,
        out: &mut TableWriter<W>,
    ) -> Result<()> {
        let groups: std::collections::HashMap<String, (GroupId, &'static str)> = self
            .store
            .memberships()?
            .into_iter()
            .map(|(t, g, o)| (t, (g, o.as_str())))
            .collect();
        let regrouped = match since {
            Some(s) => self.store.tickets_regrouped_since(s)?,
            None => Default::default(),
        };
        let upto = self.store.last_seq()?;
        let mut failed: Option<std::io::Error> = None;
        self.store
            .scan_changes::<crate::store::StoreError>(0, upto, 10_000, |chunk| {
                for t in chunk {
                    let id = t.ticket.id.as_str();
                    if failed.is_some()
                        || since.is_some_and(|s| t.ingested_at < s && !regrouped.contains(id))
                    {
                        continue;
                    }
                    let group = groups.get(id).map(|(g, o)| (g.as_str(), *o));
                    if let Err(e) = out.row(&TicketRow::of(&t, group)) {
                        failed = Some(e);
                    }
                }
                Ok(())
            })?;
        match failed {
            Some(e) => Err(super::EngineError::Export(e)),
            None => Ok(()),
        }
    }

    /// Writes the groups table as of `as_of` to `out`.
    ///
    /// # Errors
    /// Store errors; I/O errors of `out`.
    pub fn write_warehouse_groups<W: std::io::Write>(
        &self,
        as_of: OffsetDateTime,
        out: &mut TableWriter<W>,
    ) -> Result<()> {
        let mut counts = self.store.group_counts(as_of)?;
        for s in self.standings(as_of)? {
            let c = counts.remove(&s.group.id).unwrap_or_default();
            out.row(&GroupRow::of(&s, &c, as_of))
                .map_err(super::EngineError::Export)?;
        }
        Ok(())
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
