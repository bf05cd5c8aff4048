//! Tables for a warehouse: tickets with their group, and groups with
//! their counts and scores, as NDJSON or CSV with a header. Both load
//! straight into BigQuery, Snowflake or DuckDB; the schema is in
//! `docs/exports.md`. Times are RFC 3339 in UTC; a missing value is an
//! empty CSV cell or a JSON `null`.

use std::io::Write as _;

use serde::Serialize;

use crate::model::{GroupCounts, StoredTicket, rfc3339};
use crate::roadmap::Standing;

/// One row of the tickets table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketRow {
    pub ticket_id: String,
    pub source: String,
    pub created_at: String,
    /// When refrain stored this version: the `since=` watermark.
    pub ingested_at: String,
    pub title: String,
    pub customer: Option<String>,
    pub service: Option<String>,
    pub severity: Option<String>,
    pub manual_minutes: Option<u32>,
    pub group_id: Option<String>,
    /// `reviewer` or `automatic`.
    pub group_origin: Option<String>,
}

impl TicketRow {
    pub fn of(t: &StoredTicket, group: Option<(&str, &str)>) -> TicketRow {
        let k = &t.ticket;
        TicketRow {
            ticket_id: k.id.to_string(),
            source: k.source.as_str().to_string(),
            created_at: rfc3339(k.created_at),
            ingested_at: rfc3339(t.ingested_at),
            title: k.title.clone(),
            customer: k.customer.clone(),
            service: k.service.clone(),
            severity: k.severity.clone(),
            manual_minutes: k.manual_minutes,
            group_id: group.map(|(g, _)| g.to_string()),
            group_origin: group.map(|(_, o)| o.to_string()),
        }
    }
}

/// One row of the groups table: a snapshot as of `as_of` (load it by
/// replacing the table, or append and keep the latest `as_of`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    pub group_id: String,
    pub name: String,
    pub tag: String,
    pub status: String,
    pub owner: Option<String>,
    pub created_at: String,
    pub fixed_at: Option<String>,
    pub review_by: Option<String>,
    pub tickets: u64,
    pub last_7d: u64,
    pub last_30d: u64,
    pub since_fix: u64,
    pub manual_minutes: u64,
    pub score: f64,
    pub band: String,
    pub tracker_key: Option<String>,
    pub as_of: String,
}

impl GroupRow {
    pub fn of(s: &Standing, counts: &GroupCounts, as_of: time::OffsetDateTime) -> GroupRow {
        let g = &s.group;
        GroupRow {
            group_id: g.id.to_string(),
            name: g.name.clone(),
            tag: g.tag.to_string(),
            status: g.status.as_str().to_string(),
            owner: g.owner.clone(),
            created_at: rfc3339(g.created_at),
            fixed_at: g.fixed_at.map(rfc3339),
            review_by: g.review_by.clone(),
            tickets: counts.total,
            last_7d: counts.last_7d,
            last_30d: counts.last_30d,
            since_fix: counts.since_fix,
            manual_minutes: counts.manual_minutes,
            score: s.score.score,
            band: s.score.band.clone(),
            tracker_key: g.plan.tracker_key.clone(),
            as_of: rfc3339(as_of),
        }
    }
}

/// How a table is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Ndjson,
    Csv,
}

impl TableFormat {
    /// # Errors
    /// A sentence naming the formats.
    pub fn parse(text: &str) -> Result<TableFormat, String> {
        match text {
            "ndjson" => Ok(TableFormat::Ndjson),
            "csv" => Ok(TableFormat::Csv),
            other => Err(format!(
                "format '{}' is not one of ndjson, csv",
                crate::model::truncate(other, 40)
            )),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            TableFormat::Ndjson => "application/x-ndjson",
            TableFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// Writes a table row by row, so a large one is never held whole.
pub enum TableWriter<W: std::io::Write> {
    Ndjson(std::io::BufWriter<W>),
    Csv(Box<csv::Writer<W>>),
}

impl<W: std::io::Write> TableWriter<W> {
    /// A writer of `format` to `out`; CSV starts with `header`, so even an
    /// empty table has one.
    ///
    /// # Errors
    /// I/O errors of `out`.
    pub fn new(format: TableFormat, header: &[&str], out: W) -> std::io::Result<Self> {
        Ok(match format {
            TableFormat::Ndjson => TableWriter::Ndjson(std::io::BufWriter::new(out)),
            TableFormat::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(out);
                w.write_record(header)?;
                TableWriter::Csv(Box::new(w))
            }
        })
    }

    /// # Errors
    /// I/O errors of the output.
    pub fn row<T: Serialize>(&mut self, row: &T) -> std::io::Result<()> {
        match self {
            TableWriter::Ndjson(out) => {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n")
            }
            TableWriter::Csv(w) => Ok(w.serialize(row)?),
        }
    }

    /// # Errors
    /// I/O errors of the output.
    pub fn finish(self) -> std::io::Result<()> {
        match self {
            TableWriter::Ndjson(mut out) => out.flush(),
            TableWriter::Csv(mut w) => w.flush(),
        }
    }
}

/// The tickets table's columns, in order.
pub const TICKET_COLUMNS: &[&str] = &[
    "ticket_id",
    "source",
    "created_at",
    "ingested_at",
    "title",
    "customer",
    "service",
    "severity",
    "manual_minutes",
    "group_id",
    "group_origin",
];

/// The groups table's columns, in order.
pub const GROUP_COLUMNS: &[&str] = &[
    "group_id",
    "name",
    "tag",
    "status",
    "owner",
    "created_at",
    "fixed_at",
    "review_by",
    "tickets",
    "last_7d",
    "last_30d",
    "since_fix",
    "manual_minutes",
    "score",
    "band",
    "tracker_key",
    "as_of",
];
