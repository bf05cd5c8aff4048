//! The weekly review: once a week a team opens one, goes through what
//! needs a decision, and records a call on each item.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{GroupId, IsoWeek, ReviewId};

/// What a weekly review decided about a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    /// Worth a roadmap item of its own: it goes to the tracker and to
    /// `prioritized.yaml`.
    Promote,
    /// Fixed together with another group's item (`into`).
    Bundle,
    /// Not yet: keep counting.
    Watch,
    /// Small enough for routine work: off the roadmap.
    Hygiene,
}

impl Call {
    pub const ALL: [Call; 4] = [Call::Promote, Call::Bundle, Call::Watch, Call::Hygiene];

    pub fn as_str(self) -> &'static str {
        match self {
            Call::Promote => "promote",
            Call::Bundle => "bundle",
            Call::Watch => "watch",
            Call::Hygiene => "hygiene",
        }
    }

    /// # Errors
    /// A sentence naming the calls.
    pub fn parse(text: &str) -> Result<Call, String> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "decision '{}' is not one of promote, bundle, watch, hygiene",
                    super::truncate(text, 40)
                )
            })
    }
}

/// One call taken in a review. A later call on the same group in the
/// same review replaces it; both stay recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewCall {
    pub review: ReviewId,
    pub group: GroupId,
    pub call: Call,
    /// For `bundle`: the group whose item this one joins.
    pub into: Option<GroupId>,
    pub actor: String,
    pub at: OffsetDateTime,
    pub note: Option<String>,
}

/// A weekly review as it was opened: who, when, and the agenda (what
/// needed a decision, and every candidate's score then, from which later
/// score deltas are taken).
#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyReview {
    pub id: ReviewId,
    pub week: IsoWeek,
    pub opened_by: String,
    pub opened_at: OffsetDateTime,
    /// The agenda, as the roadmap layer wrote it (JSON).
    pub agenda: serde_json::Value,
}
