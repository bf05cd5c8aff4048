//! From repeats to roadmap work: what a group's tickets say about it
//! ([`evidence`]), how the team's scoring file ranks it ([`scoring`]), and
//! whether it is ready to be scheduled ([`readiness`]).

pub mod evidence;
pub mod readiness;
pub mod scoring;
pub mod verify;

use serde::Serialize;

pub use evidence::Evidence;
pub use readiness::Readiness;
pub use scoring::{ReviewerInputs, Score, Scoring};

use time::OffsetDateTime;

use crate::model::{Group, GroupStatus};

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

impl Roadmap {
    /// Ranks `groups` (each with its evidence) by `scoring`. Only groups
    /// that may still need work are candidates: open, planned, watched and
    /// reopened ones.
    pub fn of(groups: Vec<(Group, Evidence)>, scoring: &Scoring, as_of: OffsetDateTime) -> Roadmap {
        let mut items: Vec<(bool, RoadmapItem)> = groups
            .into_iter()
            .filter(|(g, _)| {
                matches!(
                    g.status,
                    GroupStatus::Open
                        | GroupStatus::Planned
                        | GroupStatus::Watching
                        | GroupStatus::Reopened
                )
            })
            .map(|(g, e)| {
                let set = ReviewerInputs {
                    effort_days: g.plan.effort_days,
                    dependency_centrality: g.plan.dependency_centrality,
                    fix_class: g.plan.fix_class.clone(),
                };
                let score = scoring.score(&e, &set);
                let readiness = Readiness::of(&g, &e);
                (
                    readiness.ready(),
                    RoadmapItem {
                        group: g.id.to_string(),
                        name: g.name,
                        status: g.status.as_str(),
                        owner: g.owner,
                        overdue: g
                            .review_by
                            .as_deref()
                            .and_then(review_date)
                            .is_some_and(|d| d < as_of),
                        review_by: g.review_by,
                        tickets: e.tickets,
                        repeats_90d: e.repeats_90d,
                        score,
                        readiness,
                    },
                )
            })
            .collect();
        items.sort_by(|a, b| {
            b.1.score
                .score
                .total_cmp(&a.1.score.score)
                .then_with(|| a.1.group.cmp(&b.1.group))
        });
        let mut out = Roadmap::default();
        for (ready, item) in items {
            if ready {
                out.roadmap.push(item);
            } else {
                out.watchlist.push(item);
            }
        }
        out
    }
}
