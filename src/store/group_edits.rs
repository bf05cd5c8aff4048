//! Reviewer edits of groups — attach or move tickets, detach, merge,
//! change fields — and undo. Each is one transaction with its audit entry
//! and its journal (see `journal.rs`).

use rusqlite::{OptionalExtension, params};

use super::journal::{Journal, dependents, reverse};
use super::review::{group_in, insert_decision, refresh_sizes, refresh_sizes_of};
use super::{NewDecision, Refusal, Result, Store};
use crate::model::{Decision, DecisionKind, ENGINE_ACTOR, Group, GroupId, TicketId, unix_ns};

/// Fields a reviewer may change on a group; `None` leaves one as it is,
/// `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct GroupEdit {
    pub name: Option<String>,
    pub tag: Option<crate::model::Tag>,
    pub status: Option<crate::model::GroupStatus>,
    pub owner: Option<Option<String>>,
    pub fixed_at: Option<Option<time::OffsetDateTime>>,
    pub review_by: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    /// Changes to the group's plan (`Some(None)` clears a field).
    pub plan: PlanEdit,
}

/// Changes to a group's plan, field by field.
#[derive(Debug, Clone, Default)]
pub struct PlanEdit {
    pub problem: Option<Option<String>>,
    pub measure: Option<Option<String>>,
    pub expected_result: Option<Option<String>>,
    pub effort_days: Option<Option<f64>>,
    pub dependency_centrality: Option<Option<f64>>,
    pub fix_class: Option<Option<String>>,
    pub tracker_url: Option<Option<String>>,
    pub tracker_key: Option<Option<String>>,
}

impl PlanEdit {
    /// `plan` with these changes.
    pub fn apply(&self, plan: &crate::model::GroupPlan) -> crate::model::GroupPlan {
        fn pick<T: Clone>(change: &Option<Option<T>>, was: &Option<T>) -> Option<T> {
            change.clone().unwrap_or_else(|| was.clone())
        }
        crate::model::GroupPlan {
            problem: pick(&self.problem, &plan.problem),
            measure: pick(&self.measure, &plan.measure),
            expected_result: pick(&self.expected_result, &plan.expected_result),
            effort_days: pick(&self.effort_days, &plan.effort_days),
            dependency_centrality: pick(&self.dependency_centrality, &plan.dependency_centrality),
            fix_class: pick(&self.fix_class, &plan.fix_class),
            tracker_url: pick(&self.tracker_url, &plan.tracker_url),
            tracker_key: pick(&self.tracker_key, &plan.tracker_key),
        }
    }
}

impl Store {
    /// Puts tickets in `group` as a reviewer: attached if in no group,
    /// moved if in another. A reviewer's attach lifts an earlier detach.
    ///
    /// # Errors
    /// SQLite errors; nothing is then recorded.
    pub fn attach(
        &self,
        group: &GroupId,
        tickets: &[TicketId],
        decision: NewDecision<'_>,
    ) -> Result<std::result::Result<(Decision, usize), Refusal>> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            if group_in(&tx, group)?.is_none() {
                return Ok(Err(Refusal::GroupMissing(group.clone())));
            }
            let missing: Vec<String> = {
                let mut exists = tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ?1)")?;
                let mut out = Vec::new();
                for t in tickets {
                    if !exists.query_row([t.as_str()], |r| r.get::<_, bool>(0))? {
                        out.push(t.to_string());
                    }
                }
                out
            };
            if !missing.is_empty() {
                return Ok(Err(Refusal::TicketsMissing(missing)));
            }
            let recorded = insert_decision(&tx, &decision, Some(group))?;
            let mut journal = Journal::new(&tx, recorded.id.as_str());
            journal.touch(&format!("g:{group}"))?;
            let mut changed = 0;
            for t in tickets {
                let current: Option<(String, String)> = tx
                    .query_row(
                        "SELECT group_id, origin FROM group_members WHERE ticket_id = ?1",
                        [t.as_str()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                if current.as_ref().is_some_and(|(g, o)| g == group.as_str() && o == "reviewer") {
                    continue;
                }
                journal.membership(t.as_str())?;
                journal.detached(group.as_str(), t.as_str())?;
                tx.execute(
                    "DELETE FROM detached WHERE group_id = ?1 AND ticket_id = ?2",
                    params![group.as_str(), t.as_str()],
                )?;
                tx.execute(
                    "INSERT OR REPLACE INTO group_members (ticket_id, group_id, origin, decision_id, score) VALUES (?1, ?2, 'reviewer', ?3, NULL)",
                    params![t.as_str(), group.as_str(), recorded.id.as_str()],
                )?;
                changed += 1;
            }
            refresh_sizes_of(&tx, tickets.iter().map(TicketId::as_str))?;
            tx.commit()?;
            Ok(Ok((recorded, changed)))
        })
    }

    /// Takes a ticket out of `group`; it is never attached to that group
    /// automatically again.
    ///
    /// # Errors
    /// SQLite errors; nothing is then recorded.
    pub fn detach(
        &self,
        group: &GroupId,
        ticket: &TicketId,
        decision: NewDecision<'_>,
    ) -> Result<std::result::Result<Decision, Refusal>> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            if group_in(&tx, group)?.is_none() {
                return Ok(Err(Refusal::GroupMissing(group.clone())));
            }
            let member: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM group_members WHERE ticket_id = ?1 AND group_id = ?2)",
                params![ticket.as_str(), group.as_str()],
                |r| r.get(0),
            )?;
            if !member {
                return Ok(Err(Refusal::NotInGroup(ticket.to_string())));
            }
            let recorded = insert_decision(&tx, &decision, Some(group))?;
            let mut journal = Journal::new(&tx, recorded.id.as_str());
            journal.membership(ticket.as_str())?;
            journal.detached(group.as_str(), ticket.as_str())?;
            tx.execute("DELETE FROM group_members WHERE ticket_id = ?1", [ticket.as_str()])?;
            tx.execute(
                "INSERT OR IGNORE INTO detached (group_id, ticket_id) VALUES (?1, ?2)",
                params![group.as_str(), ticket.as_str()],
            )?;
            refresh_sizes_of(&tx, [ticket.as_str()])?;
            tx.commit()?;
            Ok(Ok(recorded))
        })
    }

    /// Moves every member of `from` into `into` and removes `from`.
    ///
    /// # Errors
    /// SQLite errors; nothing is then recorded.
    pub fn merge(
        &self,
        into: &GroupId,
        from: &GroupId,
        decision: NewDecision<'_>,
    ) -> Result<std::result::Result<(Decision, usize), Refusal>> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            for g in [into, from] {
                if group_in(&tx, g)?.is_none() {
                    return Ok(Err(Refusal::GroupMissing(g.clone())));
                }
            }
            if into == from {
                return Ok(Err(Refusal::SameGroup));
            }
            let recorded = insert_decision(&tx, &decision, Some(into))?;
            let mut journal = Journal::new(&tx, recorded.id.as_str());
            journal.touch(&format!("g:{into}"))?;
            let members: Vec<String> = {
                let mut stmt =
                    tx.prepare_cached("SELECT ticket_id FROM group_members WHERE group_id = ?1")?;
                stmt.query_map([from.as_str()], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            for t in &members {
                journal.membership(t)?;
            }
            tx.execute(
                "UPDATE group_members SET group_id = ?1 WHERE group_id = ?2",
                params![into.as_str(), from.as_str()],
            )?;
            journal.group(from.as_str())?;
            tx.execute("DELETE FROM groups WHERE id = ?1", [from.as_str()])?;
            tx.commit()?;
            Ok(Ok((recorded, members.len())))
        })
    }

    /// Changes a group's fields.
    ///
    /// # Errors
    /// SQLite errors; nothing is then recorded.
    pub fn edit_group(
        &self,
        group: &GroupId,
        edit: &GroupEdit,
        decision: NewDecision<'_>,
    ) -> Result<std::result::Result<(Group, Decision), Refusal>> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let Some(before) = group_in(&tx, group)? else {
                return Ok(Err(Refusal::GroupMissing(group.clone())));
            };
            // The status a group moves to must find what it needs in the
            // group as it will be after the edit.
            if let Some(status) = edit.status.filter(|s| *s != before.status) {
                let after = Group {
                    owner: edit.owner.clone().unwrap_or_else(|| before.owner.clone()),
                    fixed_at: edit.fixed_at.unwrap_or(before.fixed_at),
                    review_by: edit.review_by.clone().unwrap_or_else(|| before.review_by.clone()),
                    plan: edit.plan.apply(&before.plan),
                    ..before.clone()
                };
                let missing = status.missing_for(&after);
                if !missing.is_empty() {
                    return Ok(Err(Refusal::NotReady(status, missing)));
                }
            }
            let recorded = insert_decision(&tx, &decision, Some(group))?;
            let mut journal = Journal::new(&tx, recorded.id.as_str());
            journal.group(group.as_str())?;
            tx.execute(
                "UPDATE groups SET name = ?2, tag = ?3, status = ?4, owner = ?5, fixed_ns = ?6, review_by = ?7, notes = ?8, plan = ?9 WHERE id = ?1",
                params![
                    group.as_str(),
                    edit.name.clone().unwrap_or(before.name),
                    edit.tag.as_ref().unwrap_or(&before.tag).as_str(),
                    edit.status.unwrap_or(before.status).as_str(),
                    edit.owner.clone().unwrap_or(before.owner),
                    edit.fixed_at.unwrap_or(before.fixed_at).map(unix_ns),
                    edit.review_by.clone().unwrap_or(before.review_by),
                    edit.notes.clone().unwrap_or(before.notes),
                    serde_json::to_string(&edit.plan.apply(&before.plan))
                        .expect("a plan serialises"),
                ],
            )?;
            let after = group_in(&tx, group)?.expect("the group exists");
            tx.commit()?;
            Ok(Ok((after, recorded)))
        })
    }

    /// Undoes decision `id`: restores exactly the state before it. Later
    /// engine decisions that build on it are undone first; later reviewer
    /// decisions that touch the same tickets, groups or clusters refuse
    /// the undo (they are named).
    ///
    /// # Errors
    /// SQLite errors; nothing is then changed.
    pub fn undo(
        &self,
        id: &crate::model::DecisionId,
        decision: NewDecision<'_>,
    ) -> Result<std::result::Result<(Decision, Vec<String>), Refusal>> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let row: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT kind, undone_by FROM decisions WHERE id = ?1",
                    [id.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match row {
                None => return Ok(Err(Refusal::DecisionMissing)),
                Some((_, Some(by))) => return Ok(Err(Refusal::AlreadyUndone(by))),
                Some((kind, None)) if kind == DecisionKind::Undo.as_str() => {
                    return Ok(Err(Refusal::NotUndoable));
                }
                Some(_) => {}
            }
            let later = dependents(&tx, id.as_str())?;
            let blocking: Vec<String> = later
                .iter()
                .filter(|(_, actor, kind)| {
                    !(actor == ENGINE_ACTOR && kind == DecisionKind::Attach.as_str())
                })
                .map(|(d, _, _)| d.clone())
                .collect();
            if !blocking.is_empty() {
                return Ok(Err(Refusal::Dependents(blocking)));
            }
            let mut undone: Vec<String> = later.into_iter().map(|(d, _, _)| d).collect();
            undone.push(id.to_string());
            let mut detail = decision.detail.clone();
            detail["undid"] = serde_json::json!(undone);
            let recorded = insert_decision(&tx, &NewDecision { detail, ..decision }, None)?;
            for d in &undone {
                reverse(&tx, d)?;
                tx.execute(
                    "UPDATE decisions SET undone_by = ?2 WHERE id = ?1",
                    params![d, recorded.id.as_str()],
                )?;
            }
            refresh_sizes(&tx)?;
            tx.commit()?;
            Ok(Ok((recorded, undone)))
        })
    }
}
