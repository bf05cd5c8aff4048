//! Candidate clusters and re-cluster jobs.
//!
//! A run's clusters become current in the transaction that writes them;
//! the clusters they replace keep their row (`current = 0`) so their ids
//! stay answerable, while their member lists are dropped.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{Result, Store, StoreError};
use crate::model::{
    CandidateCluster, ClusterId, ClusterMember, DecisionId, Job, JobId, JobKind, JobResult,
    JobState, TicketId, from_unix_ns, rfc3339, unix_ns,
};

/// A cluster's summary as kept in its row (JSON). Private: the layout is
/// the store's business, not the API's.
#[derive(Serialize, Deserialize)]
struct SummaryRow {
    size: usize,
    label_terms: Vec<String>,
    examples: Vec<MemberRow>,
    cohesion: f32,
    by_source: BTreeMap<String, usize>,
    #[serde(default)]
    first_seen: String,
    #[serde(default)]
    last_seen: String,
}

#[derive(Serialize, Deserialize)]
struct MemberRow {
    #[serde(alias = "id")]
    ticket: String,
    similarity: f32,
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn time_text(t: Option<time::OffsetDateTime>) -> String {
    t.map(rfc3339).unwrap_or_default()
}

fn time_of(text: &str) -> Option<time::OffsetDateTime> {
    crate::model::parse_rfc3339(text).ok()
}

fn member_of(row: MemberRow) -> Result<ClusterMember> {
    Ok(ClusterMember {
        ticket: TicketId::parse(row.ticket).map_err(corrupt)?,
        similarity: row.similarity,
    })
}

fn cluster_of(
    id: String,
    job: String,
    current: bool,
    size: i64,
    decided: Option<String>,
    summary: &str,
) -> Result<CandidateCluster> {
    let row: SummaryRow = serde_json::from_str(summary).map_err(corrupt)?;
    Ok(CandidateCluster {
        id: ClusterId::parse(id).map_err(corrupt)?,
        job: JobId::parse(job).map_err(corrupt)?,
        size: size.max(0) as usize,
        decided: decided
            .map(DecisionId::parse)
            .transpose()
            .map_err(corrupt)?,
        label_terms: row.label_terms,
        examples: row
            .examples
            .into_iter()
            .map(member_of)
            .collect::<Result<_>>()?,
        cohesion: row.cohesion,
        by_source: row.by_source,
        first_seen: time_of(&row.first_seen),
        last_seen: time_of(&row.last_seen),
        current,
    })
}

/// A cluster's summary as its row keeps it.
pub(super) fn summary_json(c: &CandidateCluster) -> String {
    let summary = SummaryRow {
        size: c.size,
        label_terms: c.label_terms.clone(),
        examples: c
            .examples
            .iter()
            .map(|m| MemberRow {
                ticket: m.ticket.to_string(),
                similarity: m.similarity,
            })
            .collect(),
        cohesion: c.cohesion,
        by_source: c.by_source.clone(),
        first_seen: time_text(c.first_seen),
        last_seen: time_text(c.last_seen),
    };
    serde_json::to_string(&summary).expect("a summary always serialises")
}

impl Store {
    /// Makes a run's clusters the current ones, in one transaction; the
    /// previous ones are kept as superseded, without members.
    ///
    /// # Errors
    /// SQLite errors; the previous clusters then stay current.
    pub fn replace_clusters(
        &self,
        job: &JobId,
        clusters: &[(CandidateCluster, Vec<ClusterMember>)],
    ) -> Result<()> {
        self.write(|conn| {
            // A re-cluster saves at its memory peak, and these rows are
            // written once and never read back here: a small page cache
            // keeps the save from adding the writer's whole cache to it.
            conn.pragma_update(None, "cache_size", SAVE_CACHE_KIB)?;
            // The ticket index over a million members is sorted in runs
            // that SQLite may sort on helper threads: 0.87 -> 0.74 s of the
            // index at 1M on two cores.
            conn.pragma_update(None, "threads", SORT_THREADS)?;
            let saved = replace_clusters_in(conn, job, clusters);
            conn.pragma_update(None, "threads", 0)?;
            conn.pragma_update(None, "cache_size", super::WRITER_CACHE_KIB)?;
            saved
        })
    }

    /// Open clusters (current, undecided, with undecided members left),
    /// largest first, `limit` of them from `offset`.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn clusters(&self, offset: usize, limit: usize) -> Result<Vec<CandidateCluster>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, job_id, size, summary FROM clusters
                 WHERE current = 1 AND decided IS NULL AND size > 0
                 ORDER BY size DESC, rank, id LIMIT ?1 OFFSET ?2",
            )?;
            let mut rows = stmt.query(params![
                i64::try_from(limit).unwrap_or(i64::MAX),
                i64::try_from(offset).unwrap_or(i64::MAX)
            ])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let summary: String = row.get(3)?;
                out.push(cluster_of(
                    row.get(0)?,
                    row.get(1)?,
                    true,
                    row.get(2)?,
                    None,
                    &summary,
                )?);
            }
            Ok(out)
        })
    }

    /// Every open cluster (current, undecided) with its open members: what
    /// a re-cluster matches its new clusters against to keep their ids.
    /// Each member is named by what `find` makes of its ticket id (a
    /// member it finds nothing for is left out), beside how many members
    /// the cluster had in all: a million ids are never held as strings.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn open_clusters_with_members<T>(
        &self,
        mut find: impl FnMut(&str) -> Option<T>,
    ) -> Result<Vec<(ClusterId, Vec<T>, usize)>> {
        self.read(|conn| {
            // Cluster by cluster: each one's members come off the primary
            // key in order, where one joined query sorted a million rows.
            let ids: Vec<String> = conn
                .prepare(
                    "SELECT id FROM clusters WHERE current = 1 AND decided IS NULL ORDER BY id",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut members_of = conn.prepare(
                "SELECT cm.ticket_id FROM cluster_members cm WHERE cm.cluster_id = ?1
                   AND NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.ticket_id = cm.ticket_id)
                 ORDER BY cm.position",
            )?;
            let mut out = Vec::new();
            for id in ids {
                let mut rows = members_of.query([&id])?;
                let (mut members, mut size) = (Vec::new(), 0);
                while let Some(row) = rows.next()? {
                    let ticket = row
                        .get_ref(0)?
                        .as_str()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    members.extend(find(ticket));
                    size += 1;
                }
                if size > 0 {
                    let id =
                        ClusterId::parse(id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    out.push((id, members, size));
                }
            }
            Ok(out)
        })
    }

    /// A cluster of any run, current or superseded, open or decided.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn cluster(&self, id: &ClusterId) -> Result<Option<CandidateCluster>> {
        self.read(|conn| {
            type Row = (String, bool, i64, Option<String>, String);
            let row: Option<Row> = conn
                .query_row(
                    "SELECT job_id, current, size, decided, summary FROM clusters WHERE id = ?1",
                    [id.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            row.map(|(job, current, size, decided, summary)| {
                cluster_of(id.to_string(), job, current, size, decided, &summary)
            })
            .transpose()
        })
    }

    /// The undecided members of a cluster (those in no group), most
    /// central first, `limit` from `offset`.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn cluster_members(
        &self,
        id: &ClusterId,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<ClusterMember>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT cm.ticket_id, cm.similarity FROM cluster_members cm
                 WHERE cm.cluster_id = ?1
                   AND NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.ticket_id = cm.ticket_id)
                 ORDER BY cm.position LIMIT ?2 OFFSET ?3",
            )?;
            let rows = stmt.query_map(
                params![
                    id.as_str(),
                    i64::try_from(limit).unwrap_or(i64::MAX),
                    i64::try_from(offset).unwrap_or(i64::MAX)
                ],
                |r| {
                    Ok(MemberRow {
                        ticket: r.get(0)?,
                        similarity: r.get::<_, f64>(1)? as f32,
                    })
                },
            )?;
            rows.map(|r| member_of(r?)).collect()
        })
    }

    /// Inserts or updates a job.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn save_job(&self, job: &Job) -> Result<()> {
        let result = job
            .result
            .as_ref()
            .map(|r| serde_json::to_string(r).expect("a job result always serialises"));
        self.write(|conn| {
            conn.execute(
                "INSERT INTO jobs (id, kind, state, stage, done, total, created_ns, started_ns, finished_ns, error, result)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO UPDATE SET state = ?3, stage = ?4, done = ?5, total = ?6,
                     started_ns = ?8, finished_ns = ?9, error = ?10, result = ?11",
                params![
                    job.id.as_str(),
                    job.kind.as_str(),
                    job.state.as_str(),
                    job.stage,
                    i64::try_from(job.done).unwrap_or(i64::MAX),
                    i64::try_from(job.total).unwrap_or(i64::MAX),
                    unix_ns(job.created_at),
                    job.started_at.map(unix_ns),
                    job.finished_at.map(unix_ns),
                    job.error,
                    result
                ],
            )?;
            Ok(())
        })
    }

    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn job(&self, id: &JobId) -> Result<Option<Job>> {
        type Row = (
            String,
            String,
            Option<String>,
            i64,
            i64,
            i64,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT kind, state, stage, done, total, created_ns, started_ns, finished_ns, error, result FROM jobs WHERE id = ?1",
                    [id.as_str()],
                    |r| {
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
                            r.get(9)?,
                        ))
                    },
                )
                .optional()?)
        })?;
        let Some((kind, state, stage, done, total, created, started, finished, error, result)) =
            row
        else {
            return Ok(None);
        };
        let at = |ns: i64| from_unix_ns(ns).map_err(StoreError::Corrupt);
        Ok(Some(Job {
            id: id.clone(),
            kind: JobKind::parse(&kind).map_err(StoreError::Corrupt)?,
            state: JobState::parse(&state).map_err(StoreError::Corrupt)?,
            stage,
            done: done.max(0) as u64,
            total: total.max(0) as u64,
            created_at: at(created)?,
            started_at: started.map(at).transpose()?,
            finished_at: finished.map(at).transpose()?,
            error,
            result: result
                .map(|r| serde_json::from_str::<JobResult>(&r).map_err(corrupt))
                .transpose()?,
        }))
    }

    /// Marks jobs left queued or running by a stopped process as failed.
    /// Returns how many there were.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn fail_interrupted_jobs(&self, now: time::OffsetDateTime) -> Result<usize> {
        self.write(|conn| {
            Ok(conn.execute(
                "UPDATE jobs SET state = 'failed', finished_ns = ?1,
                     error = 'interrupted: the server stopped while the job ran; the previous clusters are still current — start the job again'
                 WHERE state IN ('queued', 'running')",
                [unix_ns(now)],
            )?)
        })
    }
}

/// Writes a cluster's members in order through a prepared
/// `INSERT INTO cluster_members (cluster_id, position, ticket_id, similarity)`.
pub(super) fn insert_members(
    insert: &mut rusqlite::Statement<'_>,
    cluster: &CandidateCluster,
    members: &[ClusterMember],
) -> Result<()> {
    for (position, m) in members.iter().enumerate() {
        insert.execute(params![
            cluster.id.as_str(),
            position as i64,
            m.ticket.as_str(),
            f64::from(m.similarity)
        ])?;
    }
    Ok(())
}

/// The page cache used while a run's clusters are saved, in KiB.
const SAVE_CACHE_KIB: i64 = -8 * 1024;

/// Helper threads SQLite may sort with while an index is built in one go
/// (a run's saved members, the creation-time index after a bulk load).
pub(super) const SORT_THREADS: i64 = 2;

/// `Store::replace_clusters`'s transaction.
fn replace_clusters_in(
    conn: &mut rusqlite::Connection,
    job: &JobId,
    clusters: &[(CandidateCluster, Vec<ClusterMember>)],
) -> Result<()> {
    let tx = conn.transaction()?;
    // The ticket index is built once after the bulk insert, which
    // is cheaper than keeping it up row by row.
    tx.execute("DROP INDEX IF EXISTS cluster_members_by_ticket", [])?;
    tx.execute("DELETE FROM cluster_members", [])?;
    tx.execute("UPDATE clusters SET current = 0 WHERE current = 1", [])?;
    {
        // A cluster that kept its id (`cluster::identity`) updates
        // its row; any other is new.
        let mut cluster = tx.prepare(
                "INSERT INTO clusters (id, job_id, rank, size, summary, current) VALUES (?1, ?2, ?3, ?4, ?5, 1)
                 ON CONFLICT (id) DO UPDATE SET job_id = excluded.job_id, rank = excluded.rank,
                   size = excluded.size, summary = excluded.summary, current = 1",
            )?;
        let mut member = tx.prepare(
                "INSERT INTO cluster_members (cluster_id, position, ticket_id, similarity) VALUES (?1, ?2, ?3, ?4)",
            )?;
        for (rank, (c, members)) in clusters.iter().enumerate() {
            let summary = summary_json(c);
            cluster.execute(params![
                c.id.as_str(),
                job.as_str(),
                rank as i64,
                c.size as i64,
                summary
            ])?;
            insert_members(&mut member, c, members)?;
        }
    }
    tx.execute(
        "CREATE INDEX cluster_members_by_ticket ON cluster_members (ticket_id)",
        [],
    )?;
    tx.commit()?;
    Ok(())
}
