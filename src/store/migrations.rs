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
    // 4: the reviewer's work. Groups and who is in them (one group per
    // ticket), the audit log of every decision, the constraints decisions
    // leave for later re-clusters (split parts, rejected sets), and which
    // decision consumed a candidate cluster.
    r#"
    CREATE TABLE groups (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        tag         TEXT NOT NULL,
        status      TEXT NOT NULL DEFAULT 'open',
        owner       TEXT,
        fixed_ns    INTEGER,
        review_by   TEXT,
        notes       TEXT,
        created_ns  INTEGER NOT NULL
    );
    CREATE TABLE group_members (
        ticket_id    TEXT PRIMARY KEY,
        group_id     TEXT NOT NULL,
        origin       TEXT NOT NULL,
        decision_id  TEXT NOT NULL,
        score        REAL
    );
    CREATE INDEX group_members_by_group ON group_members (group_id, ticket_id);
    CREATE TABLE decisions (
        num         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT NOT NULL UNIQUE,
        kind        TEXT NOT NULL,
        actor       TEXT NOT NULL,
        at_ns       INTEGER NOT NULL,
        cluster_id  TEXT,
        group_id    TEXT,
        detail      TEXT NOT NULL
    );
    CREATE TABLE split_parts (
        ticket_id  TEXT NOT NULL,
        split_id   TEXT NOT NULL,
        part       INTEGER NOT NULL,
        PRIMARY KEY (ticket_id, split_id)
    ) WITHOUT ROWID;
    CREATE TABLE rejected_members (
        decision_id  TEXT NOT NULL,
        ticket_id    TEXT NOT NULL,
        PRIMARY KEY (decision_id, ticket_id)
    ) WITHOUT ROWID;
    ALTER TABLE clusters ADD COLUMN decided TEXT;
    "#,
    // 5: undo. Each decision journals how to reverse what it changed
    // (`undo_log`, replayed backwards) and what it touched
    // (`decision_touches`: tickets, groups, clusters), so that a later
    // decision on the same things is found and named before an undo.
    // `detached`: a ticket a reviewer took out of a group is never
    // attached to it automatically again.
    r#"
    ALTER TABLE decisions ADD COLUMN undone_by TEXT;
    CREATE TABLE undo_log (
        decision_id  TEXT NOT NULL,
        seq          INTEGER NOT NULL,
        op           TEXT NOT NULL,
        a            TEXT,
        b            TEXT,
        c            TEXT,
        d            TEXT,
        PRIMARY KEY (decision_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE decision_touches (
        key          TEXT NOT NULL,
        decision_id  TEXT NOT NULL,
        PRIMARY KEY (key, decision_id)
    ) WITHOUT ROWID;
    CREATE INDEX decision_touches_by_decision ON decision_touches (decision_id);
    CREATE TABLE detached (
        group_id   TEXT NOT NULL,
        ticket_id  TEXT NOT NULL,
        PRIMARY KEY (group_id, ticket_id)
    ) WITHOUT ROWID;
    "#,
    // 6: what reviewers set on a group for the roadmap (problem sentence,
    // measure, effort, fix class, …), as one JSON object.
    r#"
    ALTER TABLE groups ADD COLUMN plan TEXT NOT NULL DEFAULT '{}';
    "#,
    // 7: the weekly loop. Weekly reviews with the agenda they opened with
    // (scores then, for later deltas), the calls taken in them (append
    // only: a later call on the same group in the same review wins), and
    // the outbox of deliveries (digest webhooks, tracker issues): one row
    // per idempotency key, so nothing is sent twice.
    r#"
    CREATE TABLE weekly_reviews (
        num        INTEGER PRIMARY KEY AUTOINCREMENT,
        id         TEXT NOT NULL UNIQUE,
        week       TEXT NOT NULL UNIQUE,
        opened_by  TEXT NOT NULL,
        at_ns      INTEGER NOT NULL,
        agenda     TEXT NOT NULL
    );
    CREATE TABLE review_calls (
        num         INTEGER PRIMARY KEY AUTOINCREMENT,
        review_id   TEXT NOT NULL,
        group_id    TEXT NOT NULL,
        call        TEXT NOT NULL,
        into_group  TEXT,
        actor       TEXT NOT NULL,
        at_ns       INTEGER NOT NULL,
        note        TEXT
    );
    CREATE INDEX review_calls_by_review ON review_calls (review_id, group_id);
    CREATE TABLE outbox (
        key         TEXT PRIMARY KEY,
        target      TEXT NOT NULL,
        body        TEXT NOT NULL,
        state       TEXT NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        created_ns  INTEGER NOT NULL,
        sent_ns     INTEGER,
        last_error  TEXT,
        response    TEXT
    );
    CREATE INDEX outbox_by_state ON outbox (state, created_ns);
    "#,
    // 8: which open clusters a ticket is in, so a decision refreshes the
    // sizes of the clusters it touched rather than of all of them.
    r#"
    CREATE INDEX cluster_members_by_ticket ON cluster_members (ticket_id);
    "#,
    // 9: analyse once. Each ticket's term counts, made at ingest (NULL until
    // made), and the dictionary that gives their terms ids; the counts are
    // valid for the analysis whose fingerprint `meta` records.
    r#"
    ALTER TABLE tickets ADD COLUMN terms BLOB;
    CREATE TABLE terms (
        id    INTEGER PRIMARY KEY,
        term  TEXT NOT NULL
    );
    INSERT INTO meta (key, value) VALUES ('terms_fingerprint', 0);
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
