//! From repeats to roadmap work: what a group's tickets say about it
//! ([`evidence`]), how the team's scoring file ranks it ([`scoring`]),
//! whether it is ready to be scheduled ([`readiness`]), whether its fix
//! worked ([`verify`]), and the weekly loop around it: the review's agenda
//! ([`weekly`]), the trend ([`trend`]) and the digest ([`digest`]).

pub mod digest;
pub mod evidence;
pub mod readiness;
pub mod scoring;
pub mod trend;
pub mod verify;
pub mod weekly;

use serde::Serialize;

pub use evidence::Evidence;
pub use readiness::Readiness;
pub use scoring::{ReviewerInputs, Score, Scoring};

use time::OffsetDateTime;

use crate::model::{Group, GroupStatus, Ticket};
use verify::Verification;

/// A review date as reviewers write it: `2026-12-15` (the end of that day,
/// UTC) or an RFC 3339 time; anything else is not a date.
fn review_date(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(t) = crate::model::parse_rfc3339(text) {
        return Some(t);
    }
    let day = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    Some(day.with_hms(23, 59, 59).ok()?.assume_utc())
}

/// Where a group stands as of a moment: everything the roadmap, the
/// weekly review and the digest read about it.
#[derive(Debug, Clone)]
pub struct Standing {
    pub group: Group,
    pub evidence: Evidence,
    pub score: Score,
    pub readiness: Readiness,
    /// For a group with a fix: whether it worked.
    pub verification: Option<Verification>,
    /// `review_by` is a date (or RFC 3339 time) already past.
    pub overdue: bool,
    /// Tickets per week, the latest [`trend::WEEKS`] weeks.
    pub weekly: Vec<trend::WeekCount>,
}

impl Standing {
    /// Group `group` with its member tickets `tickets`, as of `as_of`.
    pub fn of(
        group: Group,
        tickets: &[Ticket],
        scoring: &Scoring,
        as_of: OffsetDateTime,
    ) -> Standing {
        let evidence = Evidence::of(tickets, as_of);
        let set = ReviewerInputs {
            effort_days: group.plan.effort_days,
            dependency_centrality: group.plan.dependency_centrality,
            fix_class: group.plan.fix_class.clone(),
        };
        let score = scoring.score(&evidence, &set);
        let readiness = Readiness::of(&group, &evidence);
        let verification = group
            .fixed_at
            .map(|fixed| verify::verify(tickets, fixed, as_of, &scoring.verification));
        let overdue = group
            .review_by
            .as_deref()
            .and_then(review_date)
            .is_some_and(|d| d < as_of);
        Standing {
            weekly: trend::weekly(tickets, as_of, trend::WEEKS),
            group,
            evidence,
            score,
            readiness,
            verification,
            overdue,
        }
    }

    /// Whether the group may still need work: open, planned, watched or
    /// reopened. Only these are ranked.
    pub fn is_candidate(&self) -> bool {
        matches!(
            self.group.status,
            GroupStatus::Open
                | GroupStatus::Planned
                | GroupStatus::Watching
                | GroupStatus::Reopened
        )
    }

    /// Tickets after the fix of a group marked fixed or verified: the
    /// problem came back.
    pub fn regressed(&self) -> bool {
        matches!(
            self.group.status,
            GroupStatus::Fixed | GroupStatus::Verified
        ) && self.verification.as_ref().is_some_and(|v| v.regression)
    }
}

/// One group on the roadmap or the watchlist.
#[derive(Debug, Clone, Serialize)]
pub struct RoadmapItem {
    pub group: String,
    pub name: String,
    pub status: &'static str,
    pub owner: Option<String>,
    pub review_by: Option<String>,
    /// `review_by` is a date (or RFC 3339 time) already past.
    pub overdue: bool,
    /// In two or more weekly reviews in a row without a decision.
    pub stale: bool,
    /// The score now minus the score when the last weekly review opened
    /// (`None`: not scored then, or no review yet).
    pub score_delta: Option<f64>,
    pub tickets: usize,
    pub repeats_90d: usize,
    #[serde(flatten)]
    pub score: Score,
    pub readiness: Readiness,
}

/// The groups a team could schedule, ranked by score: the ready ones on
/// the roadmap, the rest on the watchlist.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Roadmap {
    pub roadmap: Vec<RoadmapItem>,
    pub watchlist: Vec<RoadmapItem>,
}

/// Candidates ranked: the highest score first, ties by group id.
pub fn ranked(standings: &[Standing]) -> Vec<&Standing> {
    let mut out: Vec<&Standing> = standings.iter().filter(|s| s.is_candidate()).collect();
    out.sort_by(|a, b| {
        b.score
            .score
            .total_cmp(&a.score.score)
            .then_with(|| a.group.id.cmp(&b.group.id))
    });
    out
}

impl Roadmap {
    /// The candidates among `standings` ranked by score, with what the
    /// weekly reviews say of them (`weekly`: deltas and stale flags).
    pub fn of(standings: &[Standing], weekly: &weekly::Since) -> Roadmap {
        let mut out = Roadmap::default();
        for s in ranked(standings) {
            let g = &s.group;
            let item = RoadmapItem {
                group: g.id.to_string(),
                name: g.name.clone(),
                status: g.status.as_str(),
                owner: g.owner.clone(),
                overdue: s.overdue,
                stale: weekly.stale(&g.id),
                score_delta: weekly.delta(&g.id, s.score.score),
                review_by: g.review_by.clone(),
                tickets: s.evidence.tickets,
                repeats_90d: s.evidence.repeats_90d,
                score: s.score.clone(),
                readiness: s.readiness.clone(),
            };
            if s.readiness.ready() {
                out.roadmap.push(item);
            } else {
                out.watchlist.push(item);
            }
        }
        out
    }
}
