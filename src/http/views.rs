//! What the API answers: views of engine values, owned by the HTTP layer so
//! that the store's layout never becomes the contract by accident. The CLI's
//! `--json` output uses the same views, so both read alike.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::GroupSummary;
use crate::model::{
    CandidateCluster, ClusterMember, Decision, GroupMember, Job, JobResult, StoredTicket, Ticket,
    rfc3339,
};

/// A ticket as the API shows it.
#[derive(Debug, Serialize)]
pub struct TicketView {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub ingested_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}

impl TicketView {
    pub fn new(stored: StoredTicket, score: Option<f32>) -> Self {
        TicketView {
            ingested_at: rfc3339(stored.ingested_at),
            ticket: stored.ticket,
            score,
        }
    }
}

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    pub id: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub stage: Option<String>,
    pub progress: ProgressView,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub error: Option<String>,
    pub result: Option<JobResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    pub done: u64,
    pub total: u64,
}

impl From<Job> for JobView {
    fn from(j: Job) -> Self {
        JobView {
            id: j.id.to_string(),
            kind: j.kind.as_str(),
            state: j.state.as_str(),
            stage: j.stage,
            progress: ProgressView {
                done: j.done,
                total: j.total,
            },
            created_at: rfc3339(j.created_at),
            started_at: j.started_at.map(rfc3339),
            finished_at: j.finished_at.map(rfc3339),
            error: j.error,
            result: j.result,
        }
    }
}

/// A member of a cluster: the ticket's id and its cosine to the centre.
#[derive(Debug, Serialize)]
pub struct MemberView {
    pub id: String,
    pub similarity: f32,
}

impl From<ClusterMember> for MemberView {
    fn from(m: ClusterMember) -> Self {
        MemberView {
            id: m.ticket.to_string(),
            similarity: m.similarity,
        }
    }
}

/// A candidate cluster as the API shows it.
#[derive(Debug, Serialize)]
pub struct ClusterView {
    pub id: String,
    pub size: usize,
    pub label_terms: Vec<String>,
    pub examples: Vec<MemberView>,
    pub cohesion: f32,
    pub by_source: BTreeMap<String, usize>,
    pub first_seen: String,
    pub last_seen: String,
}

impl From<CandidateCluster> for ClusterView {
    fn from(c: CandidateCluster) -> Self {
        ClusterView {
            id: c.id.to_string(),
            size: c.size,
            label_terms: c.label_terms,
            examples: c.examples.into_iter().map(MemberView::from).collect(),
            cohesion: c.cohesion,
            by_source: c.by_source,
            first_seen: c.first_seen.map(rfc3339).unwrap_or_default(),
            last_seen: c.last_seen.map(rfc3339).unwrap_or_default(),
        }
    }
}

/// A group with its counts, as the API shows it.
#[derive(Debug, Serialize)]
pub struct GroupView {
    pub id: String,
    pub name: String,
    pub tag: String,
    pub status: &'static str,
    pub owner: Option<String>,
    pub fixed_at: Option<String>,
    pub review_by: Option<String>,
    pub notes: Option<String>,
    pub created_at: String,
    pub counts: CountsView,
    pub by_source: BTreeMap<String, u64>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub manual_minutes: u64,
    /// Tickets arrived after `fixed_at`: the fix did not hold.
    pub regression: bool,
    /// What reviewers set for the roadmap.
    pub plan: crate::model::GroupPlan,
}

#[derive(Debug, Serialize)]
pub struct CountsView {
    pub total: u64,
    pub last_7d: u64,
    pub last_30d: u64,
    pub since_fix: u64,
}

impl From<GroupSummary> for GroupView {
    fn from(s: GroupSummary) -> Self {
        let (g, c) = (s.group, s.counts);
        GroupView {
            id: g.id.to_string(),
            name: g.name,
            tag: g.tag.to_string(),
            status: g.status.as_str(),
            owner: g.owner,
            fixed_at: g.fixed_at.map(rfc3339),
            review_by: g.review_by,
            notes: g.notes,
            plan: g.plan,
            created_at: rfc3339(g.created_at),
            counts: CountsView {
                total: c.total,
                last_7d: c.last_7d,
                last_30d: c.last_30d,
                since_fix: c.since_fix,
            },
            by_source: c.by_source,
            first_seen: c.first_seen.map(rfc3339),
            last_seen: c.last_seen.map(rfc3339),
            manual_minutes: c.manual_minutes,
            regression: c.regression,
        }
    }
}

/// A member of a group: the ticket, who put it there, and why.
#[derive(Debug, Serialize)]
pub struct GroupMemberView {
    pub id: String,
    pub origin: &'static str,
    pub decision: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}

impl From<GroupMember> for GroupMemberView {
    fn from(m: GroupMember) -> Self {
        GroupMemberView {
            id: m.ticket.to_string(),
            origin: m.origin.as_str(),
            decision: m.decision.to_string(),
            score: m.score.map(|s| (s * 1000.0).round() / 1000.0),
        }
    }
}

/// An entry of the audit log.
#[derive(Debug, Serialize)]
pub struct DecisionView {
    pub id: String,
    pub kind: &'static str,
    pub actor: String,
    pub at: String,
    pub cluster: Option<String>,
    pub group: Option<String>,
    pub detail: serde_json::Value,
    /// The undo that reversed it.
    pub undone_by: Option<String>,
}

impl From<Decision> for DecisionView {
    fn from(d: Decision) -> Self {
        DecisionView {
            id: d.id.to_string(),
            kind: d.kind.as_str(),
            actor: d.actor,
            at: rfc3339(d.at),
            cluster: d.cluster.map(|c| c.to_string()),
            group: d.group.map(|g| g.to_string()),
            detail: d.detail,
            undone_by: d.undone_by.map(|u| u.to_string()),
        }
    }
}

/// One group suggest-group ranked.
#[derive(Debug, Serialize)]
pub struct SuggestionView {
    pub group: String,
    pub name: String,
    pub tag: String,
    pub score: f32,
    pub count: u64,
    pub last_seen: Option<String>,
    pub why: Vec<String>,
}

impl From<crate::suggest::Suggestion> for SuggestionView {
    fn from(s: crate::suggest::Suggestion) -> Self {
        SuggestionView {
            group: s.group.id.to_string(),
            name: s.group.name,
            tag: s.group.tag.to_string(),
            score: (s.score * 1000.0).round() / 1000.0,
            count: s.group.count,
            last_seen: s.group.last_seen.map(rfc3339),
            why: s.why,
        }
    }
}

/// A weekly review as listed.
#[derive(Debug, Serialize)]
pub struct ReviewSummaryView {
    pub id: String,
    pub week: String,
    pub opened_by: String,
    pub opened_at: String,
    /// Items on its agenda.
    pub items: usize,
}

impl ReviewSummaryView {
    pub fn of(r: &crate::model::WeeklyReview) -> ReviewSummaryView {
        ReviewSummaryView {
            id: r.id.to_string(),
            week: r.week.to_string(),
            opened_by: r.opened_by.clone(),
            opened_at: rfc3339(r.opened_at),
            items: r.agenda["items"].as_array().map_or(0, Vec::len),
        }
    }
}

/// A call taken in a weekly review.
#[derive(Debug, Serialize)]
pub struct CallView {
    pub review: String,
    pub group: String,
    pub decision: &'static str,
    pub into: Option<String>,
    pub actor: String,
    pub at: String,
    pub note: Option<String>,
}

impl From<crate::model::ReviewCall> for CallView {
    fn from(c: crate::model::ReviewCall) -> Self {
        CallView {
            review: c.review.to_string(),
            group: c.group.to_string(),
            decision: c.call.as_str(),
            into: c.into.map(|g| g.to_string()),
            actor: c.actor,
            at: rfc3339(c.at),
            note: c.note,
        }
    }
}

/// A weekly review with its agenda, the calls taken in it, and what still
/// waits for one.
#[derive(Debug, Serialize)]
pub struct ReviewView {
    #[serde(flatten)]
    pub summary: ReviewSummaryView,
    pub agenda: Vec<crate::roadmap::weekly::AgendaItem>,
    pub decisions: Vec<CallView>,
    pub undecided: Vec<String>,
}

impl From<crate::engine::ReviewReport> for ReviewView {
    fn from(r: crate::engine::ReviewReport) -> Self {
        ReviewView {
            summary: ReviewSummaryView::of(&r.review),
            undecided: r.undecided().iter().map(ToString::to_string).collect(),
            agenda: r.agenda.items,
            decisions: r.calls.into_iter().map(CallView::from).collect(),
        }
    }
}

/// A delivery in the outbox.
#[derive(Debug, Serialize)]
pub struct DeliveryView {
    pub key: String,
    pub target: String,
    pub state: String,
    pub attempts: u32,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
    pub response: Option<serde_json::Value>,
}

impl From<crate::store::OutboxEntry> for DeliveryView {
    fn from(e: crate::store::OutboxEntry) -> Self {
        DeliveryView {
            key: e.key,
            target: e.target,
            state: e.state.as_str().to_string(),
            attempts: e.attempts,
            created_at: rfc3339(e.created_at),
            sent_at: e.sent_at.map(rfc3339),
            last_error: e.last_error,
            response: e.response,
        }
    }
}
