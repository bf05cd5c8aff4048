//! The weekly review's agenda: what needs a decision this week, and what
//! the last review says about each group (score deltas, stale items).
//!
//! A review keeps the agenda it opened with, scores included, so a later
//! delta compares with what the team saw that day, not with a recomputed
//! past.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::Standing;
use super::verify::Verdict;
use crate::model::{Call, GroupId, GroupStatus, ReviewCall, ReviewId, WeeklyReview};

/// Why a group is on an agenda.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not a candidate at the last review (confirmed since, or back
    /// from a fix), or no review yet.
    New,
    /// Its band is not the one it had at the last review.
    BandChanged,
    /// On the last review's agenda, and no call was taken on it there.
    Undecided,
    /// Its review date has passed.
    Overdue,
    /// Tickets arrived after its fix.
    Regression,
    /// Fixed long enough ago for the verification to say something.
    VerificationDue,
}

/// A group's score and band when a review opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub score: f64,
    pub band: String,
}

/// One group that needs a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub group: GroupId,
    pub name: String,
    pub status: String,
    pub owner: Option<String>,
    pub review_by: Option<String>,
    pub score: f64,
    pub band: String,
    /// The band at the last review, when it was scored then.
    pub previous_band: Option<String>,
    pub score_delta: Option<f64>,
    pub reasons: Vec<Reason>,
    /// Reviews in a row, this one included, it has been on without a call.
    pub reviews_without_decision: u32,
    /// On two reviews or more without a decision.
    pub stale: bool,
}

/// What a review opened with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Agenda {
    /// The highest score first.
    pub items: Vec<AgendaItem>,
    /// Every candidate group's score and band when the review opened.
    pub scores: BTreeMap<GroupId, Scored>,
}

/// A review with the calls taken in it: the reference point for the
/// next agenda, deltas and stale flags.
#[derive(Debug, Clone, Default)]
pub struct Since {
    last: Option<(ReviewId, time::OffsetDateTime, Agenda, HashSet<GroupId>)>,
}

impl Since {
    /// The latest of `reviews` opened at or before `as_of` (reviews come
    /// oldest first), with the calls taken in it.
    pub fn latest(
        reviews: &[WeeklyReview],
        calls: &[ReviewCall],
        as_of: time::OffsetDateTime,
    ) -> Since {
        Since::of(reviews.iter().rfind(|r| r.opened_at <= as_of), calls)
    }

    /// `review` (if any) with the calls taken in it.
    pub fn of(review: Option<&WeeklyReview>, calls: &[ReviewCall]) -> Since {
        let last = review.map(|r| {
            let agenda: Agenda = serde_json::from_value(r.agenda.clone()).unwrap_or_default();
            let decided = calls
                .iter()
                .filter(|c| c.review == r.id)
                .map(|c| c.group.clone())
                .collect();
            (r.id.clone(), r.opened_at, agenda, decided)
        });
        Since { last }
    }

    /// The review this compares with.
    pub fn review(&self) -> Option<&ReviewId> {
        self.last.as_ref().map(|l| &l.0)
    }

    /// `score` minus the group's score when the review opened.
    pub fn delta(&self, group: &GroupId, score: f64) -> Option<f64> {
        let (_, _, agenda, _) = self.last.as_ref()?;
        agenda.scores.get(group).map(|s| round(score - s.score))
    }

    /// On the review's agenda as stale, and still without a call there.
    pub fn stale(&self, group: &GroupId) -> bool {
        self.last.as_ref().is_some_and(|(_, _, agenda, decided)| {
            !decided.contains(group) && agenda.items.iter().any(|i| i.group == *group && i.stale)
        })
    }

    /// The review's stale items still without a call.
    pub fn stale_items(&self) -> Vec<&AgendaItem> {
        match &self.last {
            None => Vec::new(),
            Some((_, _, agenda, decided)) => agenda
                .items
                .iter()
                .filter(|i| i.stale && !decided.contains(&i.group))
                .collect(),
        }
    }
}

/// Scores are sums of step points times weights: two decimals keep a
/// delta free of float noise.
fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Agenda {
    /// The agenda of a review opened now, after `previous`.
    pub fn build(standings: &[Standing], previous: &Since) -> Agenda {
        let last = previous.last.as_ref();
        let mut agenda = Agenda::default();
        for s in standings {
            let g = &s.group;
            let candidate = s.is_candidate();
            if candidate {
                agenda.scores.insert(
                    g.id.clone(),
                    Scored {
                        score: s.score.score,
                        band: s.score.band.clone(),
                    },
                );
            }
            let then = last.and_then(|(_, _, a, _)| a.scores.get(&g.id));
            let before = last.and_then(|(_, _, a, _)| a.items.iter().find(|i| i.group == g.id));
            let decided = last.is_some_and(|(_, _, _, d)| d.contains(&g.id));
            let mut reasons = Vec::new();
            if candidate && then.is_none() {
                reasons.push(Reason::New);
            }
            if candidate && then.is_some_and(|t| t.band != s.score.band) {
                reasons.push(Reason::BandChanged);
            }
            if before.is_some() && !decided && (candidate || s.regressed()) {
                reasons.push(Reason::Undecided);
            }
            if candidate && s.overdue {
                reasons.push(Reason::Overdue);
            }
            if s.regressed() {
                reasons.push(Reason::Regression);
            } else if g.status == GroupStatus::Fixed
                && s.verification
                    .as_ref()
                    .is_some_and(|v| v.verdict != Verdict::TooEarly)
            {
                reasons.push(Reason::VerificationDue);
            }
            if reasons.is_empty() {
                continue;
            }
            let reviews_without_decision = match before {
                Some(b) if !decided => b.reviews_without_decision + 1,
                _ => 1,
            };
            agenda.items.push(AgendaItem {
                group: g.id.clone(),
                name: g.name.clone(),
                status: g.status.as_str().to_string(),
                owner: g.owner.clone(),
                review_by: g.review_by.clone(),
                score: s.score.score,
                band: s.score.band.clone(),
                previous_band: then.map(|t| t.band.clone()),
                score_delta: then.map(|t| round(s.score.score - t.score)),
                reasons,
                reviews_without_decision,
                stale: reviews_without_decision >= 2,
            });
        }
        agenda.items.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.group.cmp(&b.group))
        });
        agenda
    }
}

/// Each group's call in the latest review that called it (`reviews`
/// oldest first, `calls` in the order taken: within a review the later
/// call wins).
pub fn latest_calls<'a>(
    reviews: &[WeeklyReview],
    calls: &'a [ReviewCall],
) -> HashMap<&'a GroupId, &'a ReviewCall> {
    let order: HashMap<&ReviewId, usize> = reviews
        .iter()
        .enumerate()
        .map(|(i, r)| (&r.id, i))
        .collect();
    let mut sorted: Vec<(usize, usize, &ReviewCall)> = calls
        .iter()
        .enumerate()
        .map(|(n, c)| (order.get(&c.review).copied().unwrap_or(0), n, c))
        .collect();
    sorted.sort_by_key(|(review, n, _)| (*review, *n));
    sorted.into_iter().map(|(_, _, c)| (&c.group, c)).collect()
}

/// The promoted items, ranked: candidates whose latest call is `promote`,
/// and those in the scoring file's top band that no review has called
/// otherwise.
pub fn promoted<'a>(
    standings: &'a [Standing],
    reviews: &[WeeklyReview],
    calls: &[ReviewCall],
    top_band: &str,
) -> Vec<&'a Standing> {
    let latest = latest_calls(reviews, calls);
    super::ranked(standings)
        .into_iter()
        .filter(|s| match latest.get(&s.group.id) {
            Some(c) => c.call == Call::Promote,
            None => s.score.band == top_band,
        })
        .collect()
}
