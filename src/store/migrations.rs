//! Versioned schema migrations, tracked in SQLite's `user_version`.
//!
//! Each entry runs once, in order, inside one transaction with the version
//! bump, so a crash mid-migration leaves the previous version intact.

use rusqlite::Connection;

/// Migration `i` brings the schema from version `i` to `i + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: tickets, the source of truth; `seq` orders every change so that the
    // search index can tell how far it has caught up.
    r#"
    CREATE TABLE tickets (
        seq          INTEGER PRIMARY KEY,
        id           TEXT NOT NULL UNIQUE,
        source       TEXT NOT NULL,
        created_ns   INTEGER NOT NULL,
        ingested_ns  INTEGER NOT NULL,
        doc          TEXT NOT NULL
    );
    CREATE INDEX tickets_by_created ON tickets (created_ns, id);
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    INSERT INTO meta (key, value) VALUES ('last_seq', 0);
    "#,
    // 2: candidate clusters of the latest successful re-cluster, and jobs.
    // A run's clusters become current in the same transaction that writes
    // them, so a failed or killed job leaves the previous ones in place.
    r#"
    CREATE TABLE jobs (
        id           TEXT PRIMARY KEY,
        kind         TEXT NOT NULL,
        state        TEXT NOT NULL,
        stage        TEXT,
        done         INTEGER NOT NULL DEFAULT 0,
        total        INTEGER NOT NULL DEFAULT 0,
        created_ns   INTEGER NOT NULL,
        started_ns   INTEGER,
        finished_ns  INTEGER,
        error        TEXT,
        result       TEXT
    );
    CREATE TABLE clusters (
        id        TEXT PRIMARY KEY,
        job_id    TEXT NOT NULL,
        rank      INTEGER NOT NULL,
        size      INTEGER NOT NULL,
        summary   TEXT NOT NULL
    );
    CREATE INDEX clusters_by_rank ON clusters (rank);
    CREATE TABLE cluster_members (
        cluster_id  TEXT NOT NULL,
        position    INTEGER NOT NULL,
        ticket_id   TEXT NOT NULL,
        similarity  REAL NOT NULL,
        PRIMARY KEY (cluster_id, position)
    ) WITHOUT ROWID;
    "#,
    // 3: clusters keep their identity after a later run replaces them
    // (`current` = 0, members dropped), so a reference to one is answered
    // "superseded" rather than "never existed".
    r#"
    ALTER TABLE clusters ADD COLUMN current INTEGER NOT NULL DEFAULT 1;
    DROP INDEX clusters_by_rank;
    CREATE INDEX clusters_current_by_rank ON clusters (current, rank);
    "#,
];

/// The schema version this build writes.
pub fn latest() -> usize {
    MIGRATIONS.len()
}

/// Brings the database up to [`latest`].
///
/// # Errors
/// SQLite errors, or a database written by a newer refrain.
pub fn migrate(conn: &mut Connection) -> Result<(), super::StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let current = current.max(0) as usize;
    if current > latest() {
        return Err(super::StoreError::TooNew {
            found: current,
            supported: latest(),
        });
    }
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (version + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = version + 1, "store migrated");
    }
    Ok(())
}
