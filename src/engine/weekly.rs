//! The weekly loop: reviews and the calls taken in them, the digest, and
//! the trend per group.

use time::{Duration, OffsetDateTime};

use super::{Engine, EngineError, Result};
use crate::model::{Call, GroupId, IsoWeek, ReviewCall, ReviewId, WeeklyReview};
use crate::roadmap::digest::{Digest, SourceCount};
use crate::roadmap::trend::{self, WeekCount};
use crate::roadmap::weekly::{Agenda, Since};

/// A review with its agenda and the calls taken in it so far.
#[derive(Debug, Clone)]
pub struct ReviewReport {
    pub review: WeeklyReview,
    pub agenda: Agenda,
    /// In the order taken; a later call on a group replaces an earlier one.
    pub calls: Vec<ReviewCall>,
}

impl ReviewReport {
    /// Agenda items without a call yet.
    pub fn undecided(&self) -> Vec<&GroupId> {
        self.agenda
            .items
            .iter()
            .map(|i| &i.group)
            .filter(|g| !self.calls.iter().any(|c| c.group == **g))
            .collect()
    }
}

/// A call as a reviewer asks for it.
#[derive(Debug, Clone)]
pub struct CallRequest {
    pub group: GroupId,
    pub call: Call,
    pub into: Option<GroupId>,
    pub note: Option<String>,
}

fn review_missing(id: &ReviewId) -> EngineError {
    EngineError::NotFound {
        what: "weekly review",
        id: id.to_string(),
        hint: "list the reviews with GET /v1/reviews",
    }
}

impl Engine {
    /// Opens the weekly review of the week holding `at`, by `actor`: its
    /// agenda is what needs a decision then, measured against the last
    /// review before it.
    ///
    /// # Errors
    /// 409 when that week has a review already (it is named); store errors.
    pub fn open_review(&self, actor: &str, at: OffsetDateTime) -> Result<ReviewReport> {
        let week = IsoWeek::of(at);
        let reviews = self.store.reviews()?;
        if let Some(r) = reviews.iter().find(|r| r.week == week) {
            return Err(week_reviewed(week, &r.id));
        }
        let calls = self.store.calls()?;
        let previous = Since::latest(&reviews, &calls, at);
        let agenda = Agenda::build(&self.standings(at)?, &previous);
        let json = serde_json::to_value(&agenda).expect("an agenda serialises");
        let review = self
            .store
            .open_review(week, actor, at, &json)?
            .map_err(|id| week_reviewed(week, &id))?;
        tracing::info!(review = %review.id, %week, items = agenda.items.len(), "weekly review opened");
        Ok(ReviewReport {
            review,
            agenda,
            calls: Vec::new(),
        })
    }

    /// Every weekly review, the oldest first.
    ///
    /// # Errors
    /// Store errors.
    pub fn reviews(&self) -> Result<Vec<WeeklyReview>> {
        Ok(self.store.reviews()?)
    }

    /// One review with its agenda and calls.
    ///
    /// # Errors
    /// 404 for an unknown review; store errors.
    pub fn review_report(&self, id: &ReviewId) -> Result<ReviewReport> {
        let review = self.store.review(id)?.ok_or_else(|| review_missing(id))?;
        let agenda = serde_json::from_value(review.agenda.clone()).map_err(|e| {
            EngineError::Store(crate::store::StoreError::Corrupt(format!(
                "agenda of review {id}: {e}"
            )))
        })?;
        let calls = self
            .store
            .calls()?
            .into_iter()
            .filter(|c| c.review == *id)
            .collect();
        Ok(ReviewReport {
            review,
            agenda,
            calls,
        })
    }

    /// Records a call taken in review `id`. Any confirmed group may be
    /// called, on the agenda or not.
    ///
    /// # Errors
    /// 404 for an unknown review or group; 422 for a bundle without
    /// `into` (or into itself), or `into` on another call.
    pub fn take_call(
        &self,
        id: &ReviewId,
        request: CallRequest,
        actor: &str,
    ) -> Result<ReviewCall> {
        if self.store.review(id)?.is_none() {
            return Err(review_missing(id));
        }
        let known = |g: &GroupId| -> Result<()> {
            match self.store.group(g)? {
                Some(_) => Ok(()),
                None => Err(EngineError::NotFound {
                    what: "group",
                    id: g.to_string(),
                    hint: "list the groups with GET /v1/groups",
                }),
            }
        };
        known(&request.group)?;
        match (request.call, &request.into) {
            (Call::Bundle, None) => {
                return Err(EngineError::InvalidDecision(
                    "a bundle names the group whose item this one joins: set `into` to its id"
                        .into(),
                ));
            }
            (Call::Bundle, Some(into)) if *into == request.group => {
                return Err(EngineError::InvalidDecision(
                    "a group cannot be bundled into itself; name another group in `into`".into(),
                ));
            }
            (Call::Bundle, Some(into)) => known(into)?,
            (other, Some(_)) => {
                return Err(EngineError::InvalidDecision(format!(
                    "`into` goes with a bundle only, not with {}; leave it out",
                    other.as_str()
                )));
            }
            (_, None) => {}
        }
        let call = ReviewCall {
            review: id.clone(),
            group: request.group,
            call: request.call,
            into: request.into,
            actor: actor.to_string(),
            at: OffsetDateTime::now_utc(),
            note: request.note,
        };
        self.store.record_call(&call)?;
        Ok(call)
    }

    /// The digest of `week`, counted up to its end (or to `now` for the
    /// current week).
    ///
    /// # Errors
    /// 422 for a week that has not begun; store errors.
    pub fn digest(&self, week: IsoWeek, now: OffsetDateTime) -> Result<Digest> {
        if week.start() > now {
            return Err(EngineError::InvalidDecision(format!(
                "week {week} has not begun yet; ask for this week ({}) or an earlier one",
                IsoWeek::of(now)
            )));
        }
        let as_of = now.min(week.end() - Duration::nanoseconds(1));
        let reviews = self.store.reviews()?;
        let calls = self.store.calls()?;
        let compared = Since::of(reviews.iter().rfind(|r| r.opened_at < week.start()), &calls);
        let current = Since::latest(&reviews, &calls, as_of);
        let counts = self
            .store
            .counts_by_source(week.start(), as_of + Duration::nanoseconds(1))?
            .into_iter()
            .map(|(source, tickets, grouped)| SourceCount {
                source,
                tickets,
                grouped,
            })
            .collect();
        Ok(Digest::of(
            week,
            as_of,
            &self.standings(as_of)?,
            &compared,
            &current,
            counts,
        ))
    }

    /// Group `id`'s tickets per week, the `weeks` weeks up to `as_of`.
    ///
    /// # Errors
    /// 404 for an unknown group; store errors.
    pub fn group_weekly(
        &self,
        id: &GroupId,
        as_of: OffsetDateTime,
        weeks: usize,
    ) -> Result<Vec<WeekCount>> {
        if self.store.group(id)?.is_none() {
            return Err(EngineError::NotFound {
                what: "group",
                id: id.to_string(),
                hint: "list the groups with GET /v1/groups",
            });
        }
        Ok(trend::weekly(&self.member_tickets(id)?, as_of, weeks))
    }
}

fn week_reviewed(week: IsoWeek, id: &ReviewId) -> EngineError {
    EngineError::DecisionConflict(format!(
        "week {week} has its review already ({id}); take calls in it with POST /v1/reviews/{id}/decisions"
    ))
}
