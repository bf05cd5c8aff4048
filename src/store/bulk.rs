//! Large loads without the creation-time index.
//!
//! Tickets arrive in file order, which is rarely creation order, so every
//! ticket of a batch lands on a different leaf of `tickets_by_created`:
//! a commit of 10,000 tickets rewrites most of that index (into the WAL,
//! then again at the checkpoint) to add 7 MB of rows. Dropped for the load
//! and built once at its end, the index costs one sort instead (1.2 s at a
//! million tickets; the load itself writes a third of the bytes).
//!
//! A load that stops half way leaves the index missing; [`Store::open`]
//! builds it again, so no reader ever finds it gone.

use super::{Result, Store};

const CREATE_TIME_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS tickets_by_created ON tickets (created_ns, id)";

impl Store {
    /// Drops the creation-time index until [`Store::restore_time_index`].
    /// Only for a process that holds the data directory alone (the CLI's
    /// bulk load): listing tickets by time scans the table meanwhile.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn suspend_time_index(&self) -> Result<()> {
        self.write(|conn| {
            conn.execute("DROP INDEX IF EXISTS tickets_by_created", [])?;
            Ok(())
        })
    }

    /// Builds the creation-time index if it is missing; true if it was.
    ///
    /// # Errors
    /// SQLite errors (the index then stays missing; the next open tries
    /// again).
    pub fn restore_time_index(&self) -> Result<bool> {
        self.write(|conn| restore_time_index_on(conn))
    }
}

/// [`Store::restore_time_index`] on a connection, for [`Store::open`].
pub(super) fn restore_time_index_on(conn: &rusqlite::Connection) -> Result<bool> {
    let present: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = 'tickets_by_created')",
        [],
        |r| r.get(0),
    )?;
    if present {
        return Ok(false);
    }
    conn.pragma_update(None, "threads", super::clusters::SORT_THREADS)?;
    let built = conn.execute(CREATE_TIME_INDEX, []);
    conn.pragma_update(None, "threads", 0)?;
    built?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::store::tickets::incoming;

    #[test]
    fn a_suspended_index_is_built_again_at_open_and_listing_still_works() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("refrain.sqlite");
        {
            let store = Store::open(&path).expect("open");
            store.suspend_time_index().expect("suspended");
            store
                .upsert_many(
                    &[(&[incoming("a", "x", true), incoming("b", "y", true)], None)],
                    datetime!(2026-11-02 00:00 UTC),
                )
                .expect("stored");
            // Stopped here, as a killed load would be.
        }
        let store = Store::open(&path).expect("reopened");
        let plan: String = store
            .read(|conn| {
                Ok(conn.query_row(
                    "EXPLAIN QUERY PLAN SELECT id FROM tickets ORDER BY created_ns DESC, id DESC",
                    [],
                    |r| r.get(3),
                )?)
            })
            .expect("plan");
        assert!(plan.contains("tickets_by_created"), "{plan}");
        assert!(
            !store.restore_time_index().expect("checked"),
            "already there"
        );
        assert_eq!(store.count().expect("count"), 2);
    }
}
