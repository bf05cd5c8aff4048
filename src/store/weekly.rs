//! The weekly loop in the store: reviews with the agenda they opened with,
//! the calls taken in them, and the outbox of deliveries.

use rusqlite::{OptionalExtension, params};

use super::review::{corrupt, next_number};
use super::{Result, Store};
use crate::model::{
    Call, GroupId, IsoWeek, ReviewCall, ReviewId, WeeklyReview, from_unix_ns, unix_ns,
};

type ReviewRow = (String, String, String, i64, String);

fn review_of((id, week, opened_by, at, agenda): ReviewRow) -> Result<WeeklyReview> {
    Ok(WeeklyReview {
        id: ReviewId::parse(id).map_err(corrupt)?,
        week: IsoWeek::parse(&week).map_err(corrupt)?,
        opened_by,
        opened_at: from_unix_ns(at).map_err(corrupt)?,
        agenda: serde_json::from_str(&agenda).map_err(corrupt)?,
    })
}

const REVIEW_COLUMNS: &str = "id, week, opened_by, at_ns, agenda";

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its (next) try.
    Queued,
    /// The receiver accepted it: never sent again.
    Sent,
    /// Given up on; queueing it again starts over.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<DeliveryState> {
        match text {
            "queued" => Ok(DeliveryState::Queued),
            "sent" => Ok(DeliveryState::Sent),
            "failed" => Ok(DeliveryState::Failed),
            other => Err(corrupt(format!("delivery state '{other}'"))),
        }
    }
}

/// One delivery: a digest to a webhook, an issue to a tracker.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// What makes it unique (`digest:2026-W48`, `jira:g3`): a key is sent
    /// at most once.
    pub key: String,
    pub target: String,
    pub body: serde_json::Value,
    pub state: DeliveryState,
    pub attempts: u32,
    pub created_at: time::OffsetDateTime,
    pub sent_at: Option<time::OffsetDateTime>,
    pub last_error: Option<String>,
    /// What the receiver answered on success (a tracker's issue key).
    pub response: Option<serde_json::Value>,
}

type OutboxRow = (
    String,
    String,
    String,
    String,
    u32,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn outbox_of(row: OutboxRow) -> Result<OutboxEntry> {
    let (key, target, body, state, attempts, created, sent, last_error, response) = row;
    Ok(OutboxEntry {
        key,
        target,
        body: serde_json::from_str(&body).map_err(corrupt)?,
        state: DeliveryState::parse(&state)?,
        attempts,
        created_at: from_unix_ns(created).map_err(corrupt)?,
        sent_at: sent.map(from_unix_ns).transpose().map_err(corrupt)?,
        last_error,
        response: response
            .map(|r| serde_json::from_str(&r))
            .transpose()
            .map_err(corrupt)?,
    })
}

const OUTBOX_COLUMNS: &str =
    "key, target, body, state, attempts, created_ns, sent_ns, last_error, response";

impl Store {
    /// Opens the review of `week`, or returns the one it already has.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn open_review(
        &self,
        week: IsoWeek,
        opened_by: &str,
        at: time::OffsetDateTime,
        agenda: &serde_json::Value,
    ) -> Result<std::result::Result<WeeklyReview, ReviewId>> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let existing: Option<String> = tx
                .query_row(
                    "SELECT id FROM weekly_reviews WHERE week = ?1",
                    [week.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = existing {
                return Ok(Err(ReviewId::parse(id).map_err(corrupt)?));
            }
            let id = ReviewId::from_tail(next_number(&tx, "next_review")?);
            tx.execute(
                "INSERT INTO weekly_reviews (id, week, opened_by, at_ns, agenda) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    id.as_str(),
                    week.to_string(),
                    opened_by,
                    unix_ns(at),
                    agenda.to_string()
                ],
            )?;
            tx.commit()?;
            Ok(Ok(WeeklyReview {
                id,
                week,
                opened_by: opened_by.to_string(),
                opened_at: at,
                agenda: agenda.clone(),
            }))
        })
    }

    /// Every review, the oldest first.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn reviews(&self) -> Result<Vec<WeeklyReview>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {REVIEW_COLUMNS} FROM weekly_reviews ORDER BY at_ns, num"
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            rows.map(|r| review_of(r?)).collect()
        })
    }

    /// # Errors
    /// SQLite errors or a corrupt row.
    pub fn review(&self, id: &ReviewId) -> Result<Option<WeeklyReview>> {
        self.read(|conn| {
            conn.query_row(
                &format!("SELECT {REVIEW_COLUMNS} FROM weekly_reviews WHERE id = ?1"),
                [id.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?
            .map(review_of)
            .transpose()
        })
    }

    /// Records a call taken in a review (the engine has checked that the
    /// review and the groups exist).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn record_call(&self, call: &ReviewCall) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO review_calls (review_id, group_id, call, into_group, actor, at_ns, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    call.review.as_str(),
                    call.group.as_str(),
                    call.call.as_str(),
                    call.into.as_ref().map(GroupId::as_str),
                    call.actor,
                    unix_ns(call.at),
                    call.note,
                ],
            )?;
            Ok(())
        })
    }

    /// Every call taken, in the order taken.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn calls(&self) -> Result<Vec<ReviewCall>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT review_id, group_id, call, into_group, actor, at_ns, note FROM review_calls ORDER BY num",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?;
            rows.map(|r| {
                let (review, group, call, into, actor, at, note) = r?;
                Ok(ReviewCall {
                    review: ReviewId::parse(review).map_err(corrupt)?,
                    group: GroupId::parse(group).map_err(corrupt)?,
                    call: Call::parse(&call).map_err(corrupt)?,
                    into: into.map(GroupId::parse).transpose().map_err(corrupt)?,
                    actor,
                    at: from_unix_ns(at).map_err(corrupt)?,
                    note,
                })
            })
            .collect()
        })
    }

    /// Queues a delivery under `key`, unless that key is queued or sent
    /// already (a failed one is queued again). Returns the entry as it
    /// now stands, and whether this call queued it. When this returns, the
    /// entry is on disk: a crash before it is sent leaves it queued for
    /// the next server.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn enqueue(
        &self,
        key: &str,
        target: &str,
        body: &serde_json::Value,
        at: time::OffsetDateTime,
    ) -> Result<(OutboxEntry, bool)> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let state: Option<String> = tx
                .query_row("SELECT state FROM outbox WHERE key = ?1", [key], |r| r.get(0))
                .optional()?;
            let queued = match state.as_deref() {
                Some("queued" | "sent") => false,
                Some(_) => {
                    tx.execute(
                        "UPDATE outbox SET state = 'queued', attempts = 0, body = ?2, last_error = NULL WHERE key = ?1",
                        params![key, body.to_string()],
                    )?;
                    true
                }
                None => {
                    tx.execute(
                        "INSERT INTO outbox (key, target, body, state, created_ns) VALUES (?1, ?2, ?3, 'queued', ?4)",
                        params![key, target, body.to_string(), unix_ns(at)],
                    )?;
                    true
                }
            };
            let entry = tx.query_row(
                &format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE key = ?1"),
                [key],
                outbox_row,
            )?;
            tx.commit()?;
            Ok((outbox_of(entry)?, queued))
        })
    }

    /// Deliveries still to send, the oldest first.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn queued(&self) -> Result<Vec<OutboxEntry>> {
        self.outbox_where("state = 'queued'")
    }

    /// Every delivery, the newest first.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let mut all = self.outbox_where("1")?;
        all.reverse();
        Ok(all)
    }

    fn outbox_where(&self, filter: &str) -> Result<Vec<OutboxEntry>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE {filter} ORDER BY created_ns, key"
            ))?;
            let rows = stmt.query_map([], outbox_row)?;
            rows.map(|r| outbox_of(r?)).collect()
        })
    }

    /// # Errors
    /// SQLite errors or a corrupt row.
    pub fn outbox_entry(&self, key: &str) -> Result<Option<OutboxEntry>> {
        self.read(|conn| {
            conn.query_row(
                &format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE key = ?1"),
                [key],
                outbox_row,
            )
            .optional()?
            .map(outbox_of)
            .transpose()
        })
    }

    /// Records an attempt: `sent` with the receiver's answer, `failed`
    /// for good, or still `queued` with the error of this try. A crash
    /// between a receiver's answer and this record leaves the entry
    /// queued: it is then sent again (at least once, not exactly once).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn delivery_attempted(
        &self,
        key: &str,
        state: DeliveryState,
        error: Option<&str>,
        response: Option<&serde_json::Value>,
        at: time::OffsetDateTime,
    ) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "UPDATE outbox SET state = ?2, attempts = attempts + 1, last_error = ?3,
                        response = COALESCE(?4, response),
                        sent_ns = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_ns END
                 WHERE key = ?1",
                params![
                    key,
                    state.as_str(),
                    error,
                    response.map(ToString::to_string),
                    unix_ns(at)
                ],
            )?;
            Ok(())
        })
    }

    /// Tickets put in or taken out of a group (by any decision, or by the
    /// undo of one) at or after `since`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn tickets_regrouped_since(
        &self,
        since: time::OffsetDateTime,
    ) -> Result<std::collections::HashSet<String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT substr(dt.key, 3)
                 FROM decision_touches dt
                 JOIN decisions d ON d.id = dt.decision_id
                 LEFT JOIN decisions u ON u.id = d.undone_by
                 WHERE dt.key LIKE 't:%' AND (d.at_ns >= ?1 OR u.at_ns >= ?1)",
            )?;
            let rows = stmt.query_map([unix_ns(since)], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Tickets created in `[from, to)` per source: all of them, and those
    /// in a group.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn counts_by_source(
        &self,
        from: time::OffsetDateTime,
        to: time::OffsetDateTime,
    ) -> Result<Vec<(String, u64, u64)>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT t.source, COUNT(*), COUNT(gm.ticket_id)
                 FROM tickets t LEFT JOIN group_members gm ON gm.ticket_id = t.id
                 WHERE t.created_ns >= ?1 AND t.created_ns < ?2
                 GROUP BY t.source ORDER BY t.source",
            )?;
            let rows = stmt.query_map(params![unix_ns(from), unix_ns(to)], |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, i64>(1)?.max(0) as u64,
                    r.get::<_, i64>(2)?.max(0) as u64,
                ))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
