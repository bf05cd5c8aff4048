//! The domain types: validated on construction, so the rest of the engine
//! never sees an invalid ticket.

mod cluster;
mod draft;
mod group;
mod ids;
mod job;
mod stored;
mod ticket;
mod week;
mod weekly;

pub use cluster::{CandidateCluster, ClusterMember};
pub use draft::{FieldError, MAX_BODY_BYTES, MAX_FIELD_BYTES, TicketDraft, ValidationContext};
pub use group::{
    Decision, DecisionKind, ENGINE_ACTOR, Group, GroupCounts, GroupMember, GroupPlan, GroupStatus,
    MemberOrigin,
};
pub use ids::{ClusterId, DecisionId, GroupId, IdError, JobId, ReviewId, Tag, truncate};
pub use job::{
    Job, JobKind, JobResult, JobState, ReclusterReport, ReclusterTimings, seconds_since,
};
pub use stored::{ListCursor, ListFilter, StoredTicket, from_unix_ns, unix_ns};
pub use ticket::{Impact, Source, Ticket, TicketId};
pub use week::IsoWeek;
pub use weekly::{Call, ReviewCall, WeeklyReview};

/// `1 ticket`, `2 tickets`: a count with its noun, for sentences people read.
pub fn count_of(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Formats a timestamp as RFC 3339 in UTC, the one date format of the API.
pub fn rfc3339(at: time::OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formatting of a UTC timestamp cannot fail")
}

/// Parses an RFC 3339 timestamp such as `2026-11-23T12:00:00Z`.
///
/// # Errors
/// A sentence saying what a valid value looks like.
pub fn parse_rfc3339(value: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).map_err(
        |_| format!("'{value}' is not an RFC 3339 date-time; write it like 2026-11-23T12:00:00Z"),
    )
}

/// A validated ticket on its way into the store.
#[derive(Debug, Clone)]
pub struct IncomingTicket {
    pub ticket: Ticket,
    /// False when `created_at` defaulted to the time of ingest: a re-sent
    /// ticket then keeps the time it was first stored with.
    pub created_at_given: bool,
}
