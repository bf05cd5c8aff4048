//! Confirmed groups, their members, counts, and the reviewer decisions
//! that made them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{ClusterId, DecisionId, GroupId, Tag, TicketId};

/// Where a group stands on the way to a fix: `open → planned → fixed →
/// verified` (or `reopened`), with `watching` and `wontfix` as decisions of
/// their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupStatus {
    Open,
    /// Scheduled: it has an owner, a problem sentence, an expected result
    /// and a review date.
    Planned,
    Watching,
    Fixed,
    /// The fix was checked and held.
    Verified,
    /// Repeats came back after the fix.
    Reopened,
    Wontfix,
}

impl GroupStatus {
    pub const ALL: [GroupStatus; 7] = [
        GroupStatus::Open,
        GroupStatus::Planned,
        GroupStatus::Watching,
        GroupStatus::Fixed,
        GroupStatus::Verified,
        GroupStatus::Reopened,
        GroupStatus::Wontfix,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupStatus::Open => "open",
            GroupStatus::Planned => "planned",
            GroupStatus::Watching => "watching",
            GroupStatus::Fixed => "fixed",
            GroupStatus::Verified => "verified",
            GroupStatus::Reopened => "reopened",
            GroupStatus::Wontfix => "wontfix",
        }
    }

    /// # Errors
    /// A sentence naming the statuses.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "status '{}' is not one of open, planned, watching, fixed, verified, reopened, wontfix",
                    super::truncate(text, 40)
                )
            })
    }

    /// What a group needs before it may take this status; empty when
    /// nothing is missing.
    pub fn missing_for(self, g: &Group) -> Vec<&'static str> {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        let mut missing = Vec::new();
        match self {
            GroupStatus::Planned => {
                for (ok, what) in [
                    (set(&g.owner), "an owner"),
                    (set(&g.plan.problem), "a problem sentence"),
                    (set(&g.plan.expected_result), "an expected result"),
                    (set(&g.review_by), "a review date (review_by)"),
                ] {
                    if !ok {
                        missing.push(what);
                    }
                }
            }
            GroupStatus::Fixed | GroupStatus::Verified if g.fixed_at.is_none() => {
                missing.push("fixed_at");
            }
            _ => {}
        }
        missing
    }
}

/// A confirmed problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub tag: Tag,
    pub status: GroupStatus,
    pub owner: Option<String>,
    pub fixed_at: Option<OffsetDateTime>,
    pub review_by: Option<String>,
    pub notes: Option<String>,
    pub created_at: OffsetDateTime,
    /// What reviewers set for the roadmap.
    pub plan: GroupPlan,
}

/// What reviewers set on a group for the roadmap: the readiness answers
/// and the scoring file's reviewer-set inputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupPlan {
    /// The broken user task in one plain sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The one named way the result of a fix is measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    /// What a fix is expected to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_result: Option<String>,
    /// Days a fix takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort_days: Option<f64>,
    /// How much depends on the broken part, from 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependency_centrality: Option<f64>,
    /// One of `config-only`, `code-change`, `infrastructure`,
    /// `process-automation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_class: Option<String>,
    /// The tracker item of the fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker_url: Option<String>,
    /// The key of the tracker issue refrain created for it (`OPS-12`):
    /// a group with one is never sent to the tracker again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker_key: Option<String>,
}

impl GroupPlan {
    /// The fix has a tracker item already: refrain created it
    /// (`tracker_key`), or a reviewer linked one (`tracker_url`).
    pub fn has_tracker_item(&self) -> bool {
        self.tracker_key.is_some() || self.tracker_url.is_some()
    }
}

/// Who put a ticket in its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberOrigin {
    /// A reviewer's decision (confirm, attach, merge).
    Reviewer,
    /// The engine, above a calibrated confidence; undoable.
    Automatic,
}

impl MemberOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberOrigin::Reviewer => "reviewer",
            MemberOrigin::Automatic => "automatic",
        }
    }

    /// # Errors
    /// The text names no origin (a corrupt row).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "reviewer" => Ok(MemberOrigin::Reviewer),
            "automatic" => Ok(MemberOrigin::Automatic),
            other => Err(format!("unknown member origin '{other}'")),
        }
    }
}

/// A ticket in a group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupMember {
    pub ticket: TicketId,
    pub origin: MemberOrigin,
    /// The decision that put it there.
    pub decision: DecisionId,
    /// The model's probability, for automatic members.
    pub score: Option<f32>,
}

/// How often a group's problem came back, as of a moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupCounts {
    pub total: u64,
    pub last_7d: u64,
    pub last_30d: u64,
    /// Tickets after `fixed_at` (all of them when the group has no fix).
    pub since_fix: u64,
    pub by_source: BTreeMap<String, u64>,
    pub first_seen: Option<OffsetDateTime>,
    pub last_seen: Option<OffsetDateTime>,
    pub manual_minutes: u64,
    /// Tickets arrived after the group's `fixed_at`.
    pub regression: bool,
}

/// What kind of decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Confirm,
    Split,
    Reject,
    /// Tickets put in a group by a reviewer, or by the engine (actor `engine`).
    Attach,
    Detach,
    Merge,
    /// A group's fields changed (name, tag, owner, status, fix, review date).
    Edit,
    Undo,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 8] = [
        DecisionKind::Confirm,
        DecisionKind::Split,
        DecisionKind::Reject,
        DecisionKind::Attach,
        DecisionKind::Detach,
        DecisionKind::Merge,
        DecisionKind::Edit,
        DecisionKind::Undo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Confirm => "confirm",
            DecisionKind::Split => "split",
            DecisionKind::Reject => "reject",
            DecisionKind::Attach => "attach",
            DecisionKind::Detach => "detach",
            DecisionKind::Merge => "merge",
            DecisionKind::Edit => "edit",
            DecisionKind::Undo => "undo",
        }
    }

    /// # Errors
    /// A sentence naming the kinds.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "kind '{}' is not one of confirm, split, reject, attach, detach, merge, edit, undo",
                    super::truncate(text, 40)
                )
            })
    }
}

/// Who made a decision: a reviewer (by token name), or the engine.
pub const ENGINE_ACTOR: &str = "engine";

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub id: DecisionId,
    pub kind: DecisionKind,
    pub actor: String,
    pub at: OffsetDateTime,
    pub cluster: Option<ClusterId>,
    pub group: Option<GroupId>,
    /// What changed, for people.
    pub detail: serde_json::Value,
    /// The undo that reversed it, if one did.
    pub undone_by: Option<DecisionId>,
}
