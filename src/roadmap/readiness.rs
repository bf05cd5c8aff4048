//! The five questions a team answers before it schedules work on a
//! problem. A group that fails any is on the watchlist, not the roadmap,
//! and says which answers are missing.

use serde::Serialize;

use super::Evidence;
use crate::model::Group;

/// The answers, and the questions still open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Readiness {
    /// Seen in more than one note.
    pub repeated: bool,
    /// The broken user task in one plain sentence (the group's `problem`).
    pub problem: bool,
    /// A fix removes manual work (members report some).
    pub removes_manual_work: bool,
    /// One named way to measure the result (`measure`).
    pub measure: bool,
    /// One owner.
    pub owner: bool,
    /// The questions not answered yet, in words.
    pub missing: Vec<&'static str>,
}

impl Readiness {
    pub fn of(group: &Group, evidence: &Evidence) -> Readiness {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        let mut r = Readiness {
            repeated: evidence.tickets > 1,
            problem: set(&group.plan.problem),
            removes_manual_work: evidence.manual_work.tickets > 0,
            measure: set(&group.plan.measure),
            owner: set(&group.owner),
            missing: Vec::new(),
        };
        for (answered, question) in [
            (r.repeated, "seen in only one note"),
            (r.problem, "no problem sentence (set `problem`)"),
            (r.removes_manual_work, "no member reports manual work"),
            (r.measure, "no way to measure the result (set `measure`)"),
            (r.owner, "no owner (set `owner`)"),
        ] {
            if !answered {
                r.missing.push(question);
            }
        }
        r
    }

    pub fn ready(&self) -> bool {
        self.missing.is_empty()
    }
}
