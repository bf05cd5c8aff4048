//! The one way tickets come in: parsed items → validation → upsert, under
//! a policy for invalid items. The API, the CLI, `serve --demo` and
//! `refrain eval` all call [`Engine::ingest`].

use std::collections::HashMap;

use super::{Engine, EngineError, Result, UpsertReport};
use crate::ingest::{self, ItemError, ParsedItem};
use crate::model::IncomingTicket;
use crate::vectors::IndexedText;

/// What to do with invalid items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestPolicy {
    /// Store nothing if any item is invalid, or if one id appears twice
    /// (the API: a client fixes the batch and sends it again).
    AllOrNothing,
    /// Store the valid items and report the rest (a file load: one bad
    /// line should not stop years of history). A later item with the same
    /// id replaces an earlier one, as a re-import would.
    SkipInvalid,
}

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub upsert: UpsertReport,
    /// Items refused (all of them counted).
    pub refused: usize,
    /// The first [`MAX_ITEM_ERRORS`] reasons, in item order.
    pub errors: Vec<ItemError>,
}

/// Item errors kept per call: enough to fix a batch, never more than a
/// small answer (a request of a million bad items does not become a
/// million error objects).
pub const MAX_ITEM_ERRORS: usize = 100;

/// Refuses every repeat of an id within one batch, naming where it first
/// appeared.
fn repeated_ids(items: &[ParsedItem]) -> Vec<ItemError> {
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    let mut errors = Vec::new();
    for item in items {
        let Ok(draft) = &item.draft else { continue };
        if draft.id.is_empty() {
            continue;
        }
        if let Some(&at) = first.get(draft.id.as_str()) {
            errors.push(ItemError {
                index: item.index,
                line: item.line,
                id: Some(crate::model::truncate(&draft.id, 80)),
                field: Some("id".into()),
                reason: format!(
                    "id appears again in this batch (first at item {at}); send each ticket once per batch"
                ),
            });
        } else {
            first.insert(&draft.id, item.index);
        }
    }
    errors
}

/// A batch validated and analysed, ready to store: [`Engine::prepare`]
/// and [`Engine::store_prepared`] split [`Engine::ingest`] in two, so that a
/// bulk load prepares one batch while the store writes the one before.
pub struct PreparedBatch {
    valid: Vec<IncomingTicket>,
    analysed: Vec<(Vec<u8>, IndexedText)>,
    refused: usize,
    errors: Vec<ItemError>,
}

/// A load smaller than this keeps the creation-time index: it has too few
/// commits for their index rewrites to matter.
const BULK_LOAD_MIN_TICKETS: u64 = 20_000;

impl Engine {
    /// Readies the store for a load of about `expected` tickets by this
    /// process, which holds the data directory alone: when the load is
    /// large beside what is stored, the creation-time index is dropped
    /// until [`Engine::end_bulk_load`] builds it in one sort (see
    /// `store/bulk.rs`). True if it was dropped.
    ///
    /// Rebuilding sorts every ticket; keeping the index costs each loaded
    /// ticket a page rewrite. The second wins once a load is half the size
    /// of the store.
    ///
    /// # Errors
    /// Store errors.
    pub fn begin_bulk_load(&self, expected: u64) -> Result<bool> {
        let stored = self.store.count()?;
        if expected < BULK_LOAD_MIN_TICKETS || expected < stored / 2 {
            return Ok(false);
        }
        self.store.suspend_time_index()?;
        Ok(true)
    }

    /// Ends what [`Engine::begin_bulk_load`] began (a no-op if it dropped
    /// nothing). A load that never gets here is mended at the next open.
    ///
    /// # Errors
    /// Store errors.
    pub fn end_bulk_load(&self) -> Result<()> {
        self.store.restore_time_index()?;
        Ok(())
    }

    /// Validates `items` (in parallel) and stores the valid ones as
    /// `policy` says.
    ///
    /// Crash guarantee: what the report counts as stored is durable when
    /// this returns.
    ///
    /// # Errors
    /// [`EngineError::InvalidTickets`] under `AllOrNothing` when any item
    /// is invalid (nothing is stored); store errors.
    pub fn ingest(&self, items: Vec<ParsedItem>, policy: IngestPolicy) -> Result<IngestReport> {
        let prepared = self.prepare(items, policy)?;
        self.store_prepared(prepared)
    }

    /// Stores a batch [`Engine::prepare`] made; batches are stored in the
    /// order this is called.
    ///
    /// Crash guarantee: what the report counts as stored is durable when
    /// this returns.
    ///
    /// # Errors
    /// Store errors (nothing of the batch is then stored).
    pub fn store_prepared(&self, prepared: PreparedBatch) -> Result<IngestReport> {
        let upsert = if prepared.valid.is_empty() {
            UpsertReport::default()
        } else {
            let (terms, texts) = prepared.analysed.into_iter().unzip();
            self.writes.write(prepared.valid, terms, texts)?
        };
        Ok(IngestReport {
            upsert,
            refused: prepared.refused,
            errors: prepared.errors,
        })
    }

    /// Validates and analyses `items` (in parallel) without storing them.
    ///
    /// # Errors
    /// [`EngineError::InvalidTickets`] under `AllOrNothing` when any item
    /// is invalid.
    pub fn prepare(&self, items: Vec<ParsedItem>, policy: IngestPolicy) -> Result<PreparedBatch> {
        let total = items.len();
        let repeats = match policy {
            IngestPolicy::AllOrNothing => repeated_ids(&items),
            IngestPolicy::SkipInvalid => Vec::new(),
        };
        let (valid, mut errors) = ingest::validate(items, &self.validation_context());
        errors.extend(repeats);
        errors.sort_by_key(|e| e.index);
        let mut refused: Vec<usize> = errors.iter().map(|e| e.index).collect();
        refused.dedup();
        errors.truncate(MAX_ITEM_ERRORS);
        if policy == IngestPolicy::AllOrNothing && !refused.is_empty() {
            return Err(EngineError::InvalidTickets {
                total,
                refused: refused.len(),
                errors,
            });
        }
        Ok(PreparedBatch {
            analysed: self.analyse(&valid),
            valid,
            refused: refused.len(),
            errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Format, parse_body};

    fn engine() -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = Engine::open(dir.path(), crate::Config::default()).expect("open");
        (dir, engine)
    }

    #[test]
    fn all_or_nothing_refuses_a_batch_with_a_repeated_id() {
        let (_dir, engine) = engine();
        let items = parse_body(
            br#"[{"id":"a","body":"x"},{"id":"b","body":"y"},{"id":"a","body":"z"}]"#,
            Format::Json,
        )
        .expect("parsed");
        match engine.ingest(items, IngestPolicy::AllOrNothing) {
            Err(EngineError::InvalidTickets {
                total,
                refused,
                errors,
            }) => {
                assert_eq!((total, refused), (3, 1));
                assert_eq!(errors[0].index, 2);
                assert!(errors[0].reason.contains("first at item 0"), "{errors:?}");
            }
            other => panic!("expected refusal, got {other:?}"),
        }
        assert_eq!(engine.status().expect("status").tickets, 0);
    }

    #[test]
    fn only_a_large_load_drops_the_time_index_and_its_end_builds_it_again() {
        let (_dir, engine) = engine();
        assert!(
            !engine
                .begin_bulk_load(BULK_LOAD_MIN_TICKETS - 1)
                .expect("small")
        );
        assert!(!engine.store.restore_time_index().expect("checked"), "kept");
        assert!(
            engine
                .begin_bulk_load(BULK_LOAD_MIN_TICKETS)
                .expect("large")
        );
        engine.end_bulk_load().expect("ended");
        assert!(
            !engine.store.restore_time_index().expect("checked"),
            "built at the end"
        );
    }

    #[test]
    fn skip_invalid_stores_the_rest_and_caps_the_reasons() {
        let (_dir, engine) = engine();
        let mut body = String::from("{\"id\":\"good\",\"body\":\"fine\"}\n");
        for i in 0..(MAX_ITEM_ERRORS + 50) {
            body.push_str(&format!("{{\"id\":\"b{i}\"}}\n"));
        }
        let items = parse_body(body.as_bytes(), Format::Ndjson).expect("parsed");
        let report = engine
            .ingest(items, IngestPolicy::SkipInvalid)
            .expect("stored");
        assert_eq!(report.upsert.created, 1);
        assert_eq!(report.refused, MAX_ITEM_ERRORS + 50);
        assert_eq!(report.errors.len(), MAX_ITEM_ERRORS);
    }
}
