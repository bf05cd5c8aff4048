//! Tickets in the store: upsert by id, read by id, list in time order and
//! scan in change order (for the search index to catch up).

use std::borrow::Cow;

use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Result, Store, StoreError};
use crate::model::{
    IncomingTicket, ListCursor, ListFilter, Source, StoredTicket, Tag, Ticket, TicketId,
    from_unix_ns, unix_ns,
};

/// The part of a ticket kept as JSON; id, source and time live in columns so
/// that they can be filtered and ordered. Borrowed when writing, owned when
/// reading, so an upsert copies no text.
#[derive(Serialize, Deserialize, PartialEq)]
struct Doc<'a> {
    #[serde(default, skip_serializing_if = "str::is_empty")]
    title: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    body: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "<[Tag]>::is_empty")]
    tags: Cow<'a, [Tag]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_saw: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_task: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first_failure: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    manual_work: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    manual_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    changes_that_day: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    service: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    severity: Option<Cow<'a, str>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    detected_at: Option<OffsetDateTime>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    resolved_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    impact: Option<crate::model::Impact>,
}

impl<'a> Doc<'a> {
    fn of(t: &'a Ticket) -> Doc<'a> {
        let borrow = |v: &'a Option<String>| v.as_deref().map(Cow::Borrowed);
        Doc {
            title: Cow::Borrowed(&t.title),
            body: Cow::Borrowed(&t.body),
            tags: Cow::Borrowed(&t.tags),
            customer: borrow(&t.customer),
            user_saw: borrow(&t.user_saw),
            user_task: borrow(&t.user_task),
            first_failure: borrow(&t.first_failure),
            manual_work: borrow(&t.manual_work),
            manual_minutes: t.manual_minutes,
            changes_that_day: borrow(&t.changes_that_day),
            service: borrow(&t.service),
            severity: borrow(&t.severity),
            detected_at: t.detected_at,
            resolved_at: t.resolved_at,
            impact: t.impact.clone(),
        }
    }

    fn into_ticket(self, id: TicketId, source: Source, created_at: OffsetDateTime) -> Ticket {
        let own = |v: Option<Cow<'a, str>>| v.map(Cow::into_owned);
        Ticket {
            id,
            source,
            created_at,
            title: self.title.into_owned(),
            body: self.body.into_owned(),
            tags: self.tags.into_owned(),
            customer: own(self.customer),
            user_saw: own(self.user_saw),
            user_task: own(self.user_task),
            first_failure: own(self.first_failure),
            manual_work: own(self.manual_work),
            manual_minutes: self.manual_minutes,
            changes_that_day: own(self.changes_that_day),
            service: own(self.service),
            severity: own(self.severity),
            detected_at: self.detected_at,
            resolved_at: self.resolved_at,
            impact: self.impact,
        }
    }
}

/// One batch of an upsert: its tickets and, when made, each one's encoded
/// term counts.
pub type UpsertBatch<'a> = (&'a [IncomingTicket], Option<&'a [Vec<u8>]>);

/// A ticket the upsert created or changed, for the index to pick up.
#[derive(Debug, Clone)]
pub struct Change {
    pub seq: u64,
    /// The ticket as now stored (its `created_at` kept from before when the
    /// client sent none).
    pub ticket: Ticket,
    /// Whether an older version exists that the index must replace.
    pub replaced: bool,
    /// The ticket's place in its batch.
    pub position: usize,
}

/// What one upsert did.
#[derive(Debug, Clone, Default)]
pub struct UpsertOutcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub changes: Vec<Change>,
    /// The highest seq after this upsert.
    pub last_seq: u64,
}

fn nanos(t: OffsetDateTime) -> i64 {
    unix_ns(t)
}

fn from_nanos(ns: i64) -> Result<OffsetDateTime> {
    from_unix_ns(ns).map_err(StoreError::Corrupt)
}

const COLUMNS: &str = "seq, id, source, created_ns, ingested_ns, doc";

pub(super) fn stored_from_row(row: &Row<'_>) -> Result<StoredTicket> {
    let seq: i64 = row.get(0)?;
    let id: String = row.get(1)?;
    let source: String = row.get(2)?;
    let created_ns: i64 = row.get(3)?;
    let ingested_ns: i64 = row.get(4)?;
    let doc: String = row.get(5)?;
    let doc: Doc =
        serde_json::from_str(&doc).map_err(|e| StoreError::Corrupt(format!("ticket {id}: {e}")))?;
    let id = TicketId::parse(id).map_err(StoreError::Corrupt)?;
    let source = Source::parse(source).map_err(StoreError::Corrupt)?;
    Ok(StoredTicket {
        ticket: doc.into_ticket(id, source, from_nanos(created_ns)?),
        seq: seq as u64,
        ingested_at: from_nanos(ingested_ns)?,
    })
}

impl Store {
    /// Inserts new tickets and updates changed ones, in one transaction.
    /// A ticket identical to the stored one is left alone (idempotent).
    ///
    /// Crash guarantee: once this returns `Ok`, the whole batch is durable;
    /// if it fails or the process dies first, none of it is.
    ///
    /// # Errors
    /// SQLite errors (disk full, I/O).
    pub fn upsert(&self, batch: &[IncomingTicket], now: OffsetDateTime) -> Result<UpsertOutcome> {
        let mut outcomes = self.upsert_many(&[(batch, None)], now)?;
        Ok(outcomes.pop().expect("one outcome per batch"))
    }

    /// Upserts several batches in one transaction (group commit: one
    /// fsync for many writers), in order, with one outcome per batch. A
    /// batch may come with each ticket's encoded term counts
    /// ([`crate::vectors::TicketTerms`], ids from [`Store::dictionary`]),
    /// stored beside it; without them a ticket's counts are made from its
    /// text when a re-cluster first reads it.
    ///
    /// Crash guarantee: once this returns `Ok`, every batch is durable; if
    /// it fails or the process dies first, none of them is.
    ///
    /// # Errors
    /// SQLite errors (disk full, I/O); then nothing is stored.
    pub fn upsert_many(
        &self,
        batches: &[UpsertBatch<'_>],
        now: OffsetDateTime,
    ) -> Result<Vec<UpsertOutcome>> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let persisted = self.persist_terms(&tx)?;
            let mut outcomes = Vec::with_capacity(batches.len());
            let mut seq: i64 =
                tx.query_row("SELECT value FROM meta WHERE key = 'last_seq'", [], |r| {
                    r.get(0)
                })?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO tickets (seq, id, source, created_ns, ingested_ns, doc, terms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
                )?;
                let mut update = tx.prepare_cached(
                    "UPDATE tickets SET seq = ?1, source = ?2,
                         created_ns = CASE WHEN ?3 THEN ?4 ELSE created_ns END,
                         ingested_ns = ?5, doc = ?6, terms = ?8
                     WHERE id = ?7
                       AND (doc IS NOT ?6 OR source IS NOT ?2 OR (?3 AND created_ns IS NOT ?4))
                     RETURNING created_ns",
                )?;
                let now_ns = nanos(now);
                for (batch, terms) in batches {
                    let mut outcome = UpsertOutcome::default();
                    for (i, incoming) in batch.iter().enumerate() {
                        let t = &incoming.ticket;
                        let terms = terms.and_then(|terms| terms.get(i));
                        let doc = serde_json::to_string(&Doc::of(t))
                            .expect("serialising plain strings and numbers cannot fail");
                        let created_ns = nanos(t.created_at);
                        let next = seq + 1;
                        let inserted = insert.execute(params![
                            next,
                            t.id.as_str(),
                            t.source.as_str(),
                            created_ns,
                            now_ns,
                            doc,
                            terms
                        ])?;
                        if inserted == 1 {
                            seq = next;
                            outcome.created += 1;
                            outcome.changes.push(Change {
                                seq: seq as u64,
                                ticket: t.clone(),
                                replaced: false,
                                position: i,
                            });
                            continue;
                        }
                        let stored_created: Option<i64> = update
                            .query_row(
                                params![
                                    next,
                                    t.source.as_str(),
                                    incoming.created_at_given,
                                    created_ns,
                                    now_ns,
                                    doc,
                                    t.id.as_str(),
                                    terms
                                ],
                                |r| r.get(0),
                            )
                            .optional()?;
                        match stored_created {
                            Some(created_ns) => {
                                seq = next;
                                outcome.updated += 1;
                                let mut ticket = t.clone();
                                ticket.created_at = from_nanos(created_ns)?;
                                outcome.changes.push(Change {
                                    seq: seq as u64,
                                    ticket,
                                    replaced: true,
                                    position: i,
                                });
                            }
                            None => outcome.unchanged += 1,
                        }
                    }
                    outcome.last_seq = seq as u64;
                    outcomes.push(outcome);
                }
            }
            tx.execute("UPDATE meta SET value = ?1 WHERE key = 'last_seq'", [seq])?;
            tx.commit()?;
            self.persisted_terms(persisted);
            Ok(outcomes)
        })
    }

    /// The ticket with this id.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn ticket(&self, id: &str) -> Result<Option<StoredTicket>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached(&format!("SELECT {COLUMNS} FROM tickets WHERE id = ?1"))?;
            let mut rows = stmt.query([id])?;
            rows.next()?.map(stored_from_row).transpose()
        })
    }

    /// The tickets with these ids, in the order given (missing ones skipped).
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn tickets(&self, ids: &[String]) -> Result<Vec<StoredTicket>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached(&format!("SELECT {COLUMNS} FROM tickets WHERE id = ?1"))?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let mut rows = stmt.query([id])?;
                if let Some(row) = rows.next()? {
                    out.push(stored_from_row(row)?);
                }
            }
            Ok(out)
        })
    }

    /// Tickets newest first, `limit` of them after `cursor`.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn list(
        &self,
        filter: &ListFilter,
        cursor: Option<&ListCursor>,
        limit: usize,
    ) -> Result<Vec<StoredTicket>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM tickets
                 WHERE (?1 IS NULL OR source = ?1)
                   AND (?2 IS NULL OR created_ns >= ?2)
                   AND (?3 IS NULL OR created_ns < ?3)
                   AND (?4 IS NULL OR created_ns < ?4 OR (created_ns = ?4 AND id < ?5))
                 ORDER BY created_ns DESC, id DESC
                 LIMIT ?6"
            ))?;
            let rows = stmt.query(params![
                filter.source,
                filter.since.map(nanos),
                filter.until.map(nanos),
                cursor.map(|c| c.created_ns),
                cursor.map(|c| c.id.as_str()),
                limit as i64
            ])?;
            collect(rows)
        })
    }

    /// Calls `f` with tickets whose seq is in `(after, upto]`, in seq order,
    /// `chunk` at a time. Used to catch the search index up.
    ///
    /// # Errors
    /// SQLite errors, corrupt rows, or the first error `f` returns.
    pub fn scan_changes<E: From<StoreError>>(
        &self,
        after: u64,
        upto: u64,
        chunk: usize,
        mut f: impl FnMut(Vec<StoredTicket>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut from = after;
        loop {
            let batch = self.read(|conn| {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM tickets WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3"
                ))?;
                collect(stmt.query(params![from as i64, upto as i64, chunk as i64])?)
            })?;
            let Some(last) = batch.last() else {
                return Ok(());
            };
            from = last.seq;
            f(batch)?;
        }
    }

    /// The highest seq ever given out (0 for an empty store).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn last_seq(&self) -> Result<u64> {
        self.read(|conn| {
            let seq: i64 =
                conn.query_row("SELECT value FROM meta WHERE key = 'last_seq'", [], |r| {
                    r.get(0)
                })?;
            Ok(seq as u64)
        })
    }

    /// How many tickets are stored.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn count(&self) -> Result<u64> {
        self.read(|conn| {
            let n: i64 = conn.query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))?;
            Ok(n as u64)
        })
    }

    /// How many tickets changed after `seq`: the search index's lag.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn count_changed_after(&self, seq: u64) -> Result<u64> {
        self.read(|conn| {
            let n: i64 = conn.query_row(
                "SELECT COUNT(*) FROM tickets WHERE seq > ?1",
                [seq as i64],
                |r| r.get(0),
            )?;
            Ok(n as u64)
        })
    }
}

fn collect(mut rows: rusqlite::Rows<'_>) -> Result<Vec<StoredTicket>> {
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(stored_from_row(row)?);
    }
    Ok(out)
}

/// A support ticket with only an id and a body, for the store's tests.
#[cfg(test)]
pub(super) fn incoming(id: &str, body: &str, given: bool) -> IncomingTicket {
    IncomingTicket {
        ticket: Ticket {
            id: TicketId::parse(id).expect("valid id"),
            source: Source::parse("support").expect("valid source"),
            created_at: time::macros::datetime!(2026-11-01 10:00 UTC),
            title: String::new(),
            body: body.into(),
            tags: vec![],
            customer: None,
            user_saw: None,
            user_task: None,
            first_failure: None,
            manual_work: None,
            manual_minutes: None,
            changes_that_day: None,
            service: None,
            severity: None,
            detected_at: None,
            resolved_at: None,
            impact: None,
        },
        created_at_given: given,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("refrain.sqlite")).expect("open");
        (dir, store)
    }

    #[test]
    fn upsert_is_idempotent_by_id() {
        let (_dir, store) = store();
        let now = datetime!(2026-11-23 12:00 UTC);
        let first = store
            .upsert(&[incoming("a", "x", true), incoming("b", "y", true)], now)
            .expect("upsert");
        assert_eq!((first.created, first.updated, first.unchanged), (2, 0, 0));
        let again = store
            .upsert(&[incoming("a", "x", true)], now)
            .expect("upsert");
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 1));
        assert!(again.changes.is_empty());
        let changed = store
            .upsert(&[incoming("a", "z", true)], now)
            .expect("upsert");
        assert_eq!((changed.created, changed.updated), (0, 1));
        assert_eq!(changed.changes[0].seq, 3);
        assert!(changed.changes[0].replaced);
        assert_eq!(store.count().expect("count"), 2);
        assert_eq!(
            store.ticket("a").expect("read").expect("found").ticket.body,
            "z"
        );
    }

    #[test]
    fn a_resend_without_created_at_keeps_the_stored_time() {
        let (_dir, store) = store();
        let now = datetime!(2026-11-23 12:00 UTC);
        store
            .upsert(&[incoming("a", "x", true)], now)
            .expect("upsert");
        let mut resend = incoming("a", "x", false);
        resend.ticket.created_at = now;
        let outcome = store.upsert(&[resend], now).expect("upsert");
        assert_eq!(outcome.unchanged, 1);
        let stored = store.ticket("a").expect("read").expect("found");
        assert_eq!(stored.ticket.created_at, datetime!(2026-11-01 10:00 UTC));
    }

    #[test]
    fn listing_pages_newest_first_with_a_cursor() {
        let (_dir, store) = store();
        let batch: Vec<_> = (0..5)
            .map(|i| {
                let mut t = incoming(&format!("t{i}"), "x", true);
                t.ticket.created_at = datetime!(2026-11-01 10:00 UTC) + time::Duration::hours(i);
                t
            })
            .collect();
        store
            .upsert(&batch, datetime!(2026-11-23 12:00 UTC))
            .expect("upsert");
        let page = store.list(&ListFilter::default(), None, 2).expect("list");
        let ids: Vec<_> = page.iter().map(|s| s.ticket.id.to_string()).collect();
        assert_eq!(ids, ["t4", "t3"]);
        let last = page.last().expect("non-empty");
        let cursor = ListCursor {
            created_ns: nanos(last.ticket.created_at),
            id: last.ticket.id.to_string(),
        };
        let next = store
            .list(&ListFilter::default(), Some(&cursor), 10)
            .expect("list");
        let ids: Vec<_> = next.iter().map(|s| s.ticket.id.to_string()).collect();
        assert_eq!(ids, ["t2", "t1", "t0"]);
    }

    #[test]
    fn scan_changes_walks_seq_ranges_in_chunks() {
        let (_dir, store) = store();
        let batch: Vec<_> = (0..7)
            .map(|i| incoming(&format!("t{i}"), "x", true))
            .collect();
        store
            .upsert(&batch, datetime!(2026-11-23 12:00 UTC))
            .expect("upsert");
        let mut seen = Vec::new();
        store
            .scan_changes::<StoreError>(2, 6, 3, |chunk| {
                seen.push(chunk.iter().map(|s| s.seq).collect::<Vec<_>>());
                Ok(())
            })
            .expect("scan");
        assert_eq!(seen, vec![vec![3, 4, 5], vec![6]]);
    }

    mod model_based {
        use std::collections::HashMap;

        use proptest::prelude::*;

        use super::*;

        /// One write: a batch of (id, body, created hour or "none given").
        type Batch = Vec<(u8, u8, Option<u8>)>;

        fn batches() -> impl Strategy<Value = Vec<Batch>> {
            let item = (0u8..6, 0u8..3, proptest::option::of(0u8..3));
            proptest::collection::vec(proptest::collection::vec(item, 1..5), 1..12)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]

            /// Random upserts against a plain `HashMap` model: the same
            /// counts, the same tickets, and a change order that names each
            /// ticket once at its latest seq.
            #[test]
            fn upserts_behave_like_a_map(batches in batches()) {
                let (_dir, store) = store();
                let now = datetime!(2026-11-23 12:00 UTC);
                let hour = |h: u8| datetime!(2026-11-01 00:00 UTC) + time::Duration::hours(i64::from(h));
                // id → (body, created_at)
                let mut model: HashMap<String, (String, OffsetDateTime)> = HashMap::new();
                let mut last_seq = 0;
                for batch in &batches {
                    let mut expected = (0, 0, 0);
                    let incoming: Vec<IncomingTicket> = batch
                        .iter()
                        .map(|&(id, body, created)| {
                            let id = format!("t{id}");
                            let body = format!("body {body}");
                            let mut t = incoming(&id, &body, created.is_some());
                            t.ticket.created_at = created.map_or(now, hour);
                            let stored_created = model.get(&id).map(|(_, c)| *c);
                            let new_created = match (created, stored_created) {
                                (None, Some(c)) => c,
                                _ => t.ticket.created_at,
                            };
                            match model.get(&id) {
                                None => expected.0 += 1,
                                Some((b, c)) if *b == body && *c == new_created => expected.2 += 1,
                                Some(_) => expected.1 += 1,
                            }
                            model.insert(id, (body, new_created));
                            t
                        })
                        .collect();
                    let outcome = store.upsert(&incoming, now).expect("upsert");
                    prop_assert_eq!((outcome.created, outcome.updated, outcome.unchanged), expected);
                    prop_assert!(outcome.last_seq >= last_seq);
                    prop_assert_eq!(outcome.last_seq - last_seq, outcome.changes.len() as u64);
                    last_seq = outcome.last_seq;
                }
                prop_assert_eq!(store.count().expect("count"), model.len() as u64);
                for (id, (body, created)) in &model {
                    let stored = store.ticket(id).expect("read").expect("stored");
                    prop_assert_eq!(&stored.ticket.body, body);
                    prop_assert_eq!(stored.ticket.created_at, *created);
                }
                let mut seen = Vec::new();
                store
                    .scan_changes::<StoreError>(0, last_seq, 4, |chunk| {
                        seen.extend(chunk.into_iter().map(|s| (s.seq, s.ticket.id.to_string())));
                        Ok(())
                    })
                    .expect("scan");
                prop_assert_eq!(seen.len(), model.len());
                prop_assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
            }
        }
    }
}
