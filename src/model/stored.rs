//! A ticket as kept by the store, and how listings are filtered and paged.

use time::OffsetDateTime;

use super::Ticket;

/// A ticket as stored, with its place in the change order.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTicket {
    pub ticket: Ticket,
    /// Position in the change order; grows with every create or update.
    pub seq: u64,
    pub ingested_at: OffsetDateTime,
}

/// Filters for listing tickets.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub source: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
}

/// Where a newest-first listing resumes: after this (created, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCursor {
    pub created_ns: i64,
    pub id: String,
}

/// Nanoseconds since the epoch, as tickets are ordered (and cursors say);
/// i64 covers the years 1678–2262 and anything beyond is clamped.
pub fn unix_ns(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos()).unwrap_or(if t.year() < 1970 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// The time `ns` nanoseconds after the epoch.
///
/// # Errors
/// Beyond what `time` represents (a corrupt value).
pub fn from_unix_ns(ns: i64) -> Result<OffsetDateTime, String> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns))
        .map_err(|e| format!("timestamp {ns}: {e}"))
}
