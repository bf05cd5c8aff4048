//! Candidate clusters of the current run, and re-cluster jobs.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{Result, Store, StoreError};

/// What a reviewer reads about a candidate cluster (stored as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterRecord {
    pub id: String,
    pub size: usize,
    /// Distinctive terms, as people wrote them.
    pub label_terms: Vec<String>,
    /// The most central tickets: id and cosine to the centre.
    pub examples: Vec<MemberRecord>,
    /// Mean cosine of the members to the centre (1 = identical).
    pub cohesion: f32,
    pub by_source: std::collections::BTreeMap<String, usize>,
    pub first_seen: String,
    pub last_seen: String,
}

/// A member of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberRecord {
    /// The ticket's id.
    #[serde(rename = "id")]
    pub ticket: String,
    pub similarity: f32,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub stage: Option<String>,
    pub done: u64,
    pub total: u64,
    pub created_ns: i64,
    pub started_ns: Option<i64>,
    pub finished_ns: Option<i64>,
    pub error: Option<String>,
    pub result: Option<serde_json::Value>,
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl Store {
    /// Replaces the current clusters with a run's, in one transaction.
    ///
    /// # Errors
    /// SQLite errors; the previous clusters then stay current.
    pub fn replace_clusters(
        &self,
        job_id: &str,
        clusters: &[(ClusterRecord, Vec<MemberRecord>)],
    ) -> Result<()> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM cluster_members", [])?;
            tx.execute("DELETE FROM clusters", [])?;
            {
                let mut cluster = tx.prepare("INSERT INTO clusters (id, job_id, rank, size, summary) VALUES (?1, ?2, ?3, ?4, ?5)")?;
                let mut member = tx.prepare(
                    "INSERT INTO cluster_members (cluster_id, position, ticket_id, similarity) VALUES (?1, ?2, ?3, ?4)",
                )?;
                for (rank, (record, members)) in clusters.iter().enumerate() {
                    let summary = serde_json::to_string(record).expect("a record always serialises");
                    cluster.execute(params![record.id, job_id, rank as i64, record.size as i64, summary])?;
                    for (position, m) in members.iter().enumerate() {
                        member.execute(params![record.id, position as i64, m.ticket, f64::from(m.similarity)])?;
                    }
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Current clusters, largest first, `limit` after rank `after`.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn clusters(
        &self,
        after_rank: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, ClusterRecord)>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT rank, summary FROM clusters WHERE rank > ?1 ORDER BY rank LIMIT ?2",
            )?;
            let mut rows = stmt.query(params![after_rank.unwrap_or(-1), limit as i64])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let summary: String = row.get(1)?;
                out.push((
                    row.get(0)?,
                    serde_json::from_str(&summary).map_err(corrupt)?,
                ));
            }
            Ok(out)
        })
    }

    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn cluster(&self, id: &str) -> Result<Option<ClusterRecord>> {
        self.read(|conn| {
            let summary: Option<String> = conn
                .query_row("SELECT summary FROM clusters WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            summary
                .map(|s| serde_json::from_str(&s).map_err(corrupt))
                .transpose()
        })
    }

    /// Members of a cluster, most central first, `limit` from `offset`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn cluster_members(
        &self,
        id: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<MemberRecord>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT ticket_id, similarity FROM cluster_members
                 WHERE cluster_id = ?1 AND position >= ?2 ORDER BY position LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![id, offset as i64, limit as i64], |r| {
                Ok(MemberRecord {
                    ticket: r.get(0)?,
                    similarity: r.get::<_, f64>(1)? as f32,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Inserts or updates a job.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn save_job(&self, job: &JobRecord) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO jobs (id, kind, state, stage, done, total, created_ns, started_ns, finished_ns, error, result)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO UPDATE SET state = ?3, stage = ?4, done = ?5, total = ?6,
                     started_ns = ?8, finished_ns = ?9, error = ?10, result = ?11",
                params![
                    job.id,
                    job.kind,
                    job.state,
                    job.stage,
                    job.done as i64,
                    job.total as i64,
                    job.created_ns,
                    job.started_ns,
                    job.finished_ns,
                    job.error,
                    job.result.as_ref().map(|r| r.to_string())
                ],
            )?;
            Ok(())
        })
    }

    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn job(&self, id: &str) -> Result<Option<JobRecord>> {
        self.read(|conn| {
            conn.query_row(
                "SELECT id, kind, state, stage, done, total, created_ns, started_ns, finished_ns, error, result FROM jobs WHERE id = ?1",
                [id],
                |r| {
                    Ok(JobRecord {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        state: r.get(2)?,
                        stage: r.get(3)?,
                        done: r.get::<_, i64>(4)? as u64,
                        total: r.get::<_, i64>(5)? as u64,
                        created_ns: r.get(6)?,
                        started_ns: r.get(7)?,
                        finished_ns: r.get(8)?,
                        error: r.get(9)?,
                        result: r
                            .get::<_, Option<String>>(10)?
                            .and_then(|s| serde_json::from_str(&s).ok()),
                    })
                },
            )
            .optional()
            .map_err(StoreError::from)
        })
    }

    /// Marks jobs left queued or running by a stopped process as failed.
    /// Returns how many there were.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn fail_interrupted_jobs(&self, now_ns: i64) -> Result<usize> {
        self.write(|conn| {
            Ok(conn.execute(
                "UPDATE jobs SET state = 'failed', finished_ns = ?1,
                     error = 'interrupted: the server stopped while the job ran; the previous clusters are still current — start the job again'
                 WHERE state IN ('queued', 'running')",
                [now_ns],
            )?)
        })
    }
}
