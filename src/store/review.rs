//! The reviewer's work in the store: groups, memberships (one group per
//! ticket), the audit log, and the constraints decisions leave for later
//! re-clusters. Every decision is one transaction: when a call returns
//! `Ok`, the decision, its effects and its audit entry are on disk
//! together, or none of them is.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, Transaction, params};

use super::journal::Journal;
use super::{Result, Store, StoreError};
use crate::model::{
    CandidateCluster, ClusterId, ClusterMember, Decision, DecisionId, DecisionKind, Group,
    GroupCounts, GroupId, GroupMember, GroupStatus, MemberOrigin, Tag, TicketId, from_unix_ns,
    unix_ns,
};

/// Why the store would not apply a decision: the state moved on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    ClusterMissing,
    ClusterSuperseded,
    /// Already consumed by this decision.
    ClusterDecided(String),
    /// The cluster has no undecided member left.
    ClusterEmpty,
    GroupMissing(GroupId),
    /// These tickets are not undecided members of the cluster.
    NotMembers(Vec<String>),
    /// These members of the cluster joined groups since it was listed.
    MembersGrouped(Vec<String>),
    /// No ticket has these ids.
    TicketsMissing(Vec<String>),
    /// The ticket is not in that group.
    NotInGroup(String),
    /// A group cannot be merged into itself.
    SameGroup,
    DecisionMissing,
    /// Already undone by this decision.
    AlreadyUndone(String),
    /// An undo cannot itself be undone (decide again instead).
    NotUndoable,
    /// Later reviewer decisions build on it.
    Dependents(Vec<String>),
    /// The group lacks what the status asks for.
    NotReady(crate::model::GroupStatus, Vec<&'static str>),
}

/// A decision to record, as the engine describes it.
pub struct NewDecision<'a> {
    pub kind: DecisionKind,
    pub actor: &'a str,
    pub at: time::OffsetDateTime,
    pub cluster: Option<&'a ClusterId>,
    pub detail: serde_json::Value,
}

/// Which group a confirm fills.
pub enum ConfirmTarget<'a> {
    New { name: &'a str, tag: &'a Tag },
    Existing(&'a GroupId),
}

/// What a successful confirm did.
pub struct Confirmed {
    pub group: Group,
    pub decision: Decision,
    pub tickets: Vec<TicketId>,
}

pub(super) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// Takes the next number of a counter kept in `meta`.
pub(super) fn next_number(tx: &Transaction<'_>, key: &str) -> Result<i64> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, 0) ON CONFLICT (key) DO NOTHING",
        [key],
    )?;
    tx.execute("UPDATE meta SET value = value + 1 WHERE key = ?1", [key])?;
    Ok(tx.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))?)
}

pub(super) fn insert_decision(
    tx: &Transaction<'_>,
    d: &NewDecision<'_>,
    group: Option<&GroupId>,
) -> Result<Decision> {
    let id = DecisionId::from_tail(next_number(tx, "next_decision")?);
    tx.execute(
        "INSERT INTO decisions (id, kind, actor, at_ns, cluster_id, group_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id.as_str(),
            d.kind.as_str(),
            d.actor,
            unix_ns(d.at),
            d.cluster.map(ClusterId::as_str),
            group.map(GroupId::as_str),
            d.detail.to_string()
        ],
    )?;
    Ok(Decision {
        id,
        kind: d.kind,
        actor: d.actor.to_string(),
        at: d.at,
        cluster: d.cluster.cloned(),
        group: group.cloned(),
        detail: d.detail.clone(),
        undone_by: None,
    })
}

/// The undecided members of an open cluster, or why there are none.
fn open_members(
    tx: &Transaction<'_>,
    id: &ClusterId,
) -> Result<std::result::Result<Vec<TicketId>, Refusal>> {
    let row: Option<(bool, Option<String>)> = tx
        .query_row(
            "SELECT current, decided FROM clusters WHERE id = ?1",
            [id.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => return Ok(Err(Refusal::ClusterMissing)),
        Some((_, Some(decision))) => return Ok(Err(Refusal::ClusterDecided(decision))),
        Some((false, None)) => return Ok(Err(Refusal::ClusterSuperseded)),
        Some((true, None)) => {}
    }
    let mut stmt = tx.prepare_cached(
        "SELECT cm.ticket_id FROM cluster_members cm
         WHERE cm.cluster_id = ?1
           AND NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.ticket_id = cm.ticket_id)
         ORDER BY cm.position",
    )?;
    let ids = stmt
        .query_map([id.as_str()], |r| r.get::<_, String>(0))?
        .map(|r| {
            r.map_err(StoreError::from)
                .and_then(|s| TicketId::parse(s).map_err(corrupt))
        })
        .collect::<Result<Vec<_>>>()?;
    if ids.is_empty() {
        return Ok(Err(Refusal::ClusterEmpty));
    }
    Ok(Ok(ids))
}

/// Why `named` tickets are not open members of `cluster`: when every one
/// of them is a member that a group took since (an automatic attachment
/// between listing and deciding), the request is stale, not wrong.
fn grouped_or_strangers(
    tx: &Transaction<'_>,
    cluster: &ClusterId,
    named: Vec<String>,
) -> Result<Refusal> {
    let mut stmt = tx.prepare_cached(
        "SELECT 1 FROM cluster_members cm JOIN group_members gm ON gm.ticket_id = cm.ticket_id
         WHERE cm.cluster_id = ?1 AND cm.ticket_id = ?2",
    )?;
    for t in &named {
        if !stmt.exists(params![cluster.as_str(), t.as_str()])? {
            return Ok(Refusal::NotMembers(named));
        }
    }
    Ok(Refusal::MembersGrouped(named))
}

pub(super) fn group_in(tx: &Transaction<'_>, id: &GroupId) -> Result<Option<Group>> {
    tx.query_row(
        "SELECT id, name, tag, status, owner, fixed_ns, review_by, notes, created_ns, plan FROM groups WHERE id = ?1",
        [id.as_str()],
        group_row,
    )
    .optional()?
    .map(group_of)
    .transpose()
}

type GroupRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    i64,
    String,
);

fn group_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GroupRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn group_of(row: GroupRow) -> Result<Group> {
    let (id, name, tag, status, owner, fixed, review_by, notes, created, plan) = row;
    let plan: crate::model::GroupPlan = serde_json::from_str(&plan).map_err(corrupt)?;
    Ok(Group {
        id: GroupId::parse(id).map_err(corrupt)?,
        name,
        tag: Tag::parse(tag).map_err(corrupt)?,
        status: GroupStatus::parse(&status).map_err(corrupt)?,
        owner,
        fixed_at: fixed.map(from_unix_ns).transpose().map_err(corrupt)?,
        review_by,
        notes,
        created_at: from_unix_ns(created).map_err(corrupt)?,
        plan,
    })
}

fn mark_decided(tx: &Transaction<'_>, cluster: &ClusterId, decision: &DecisionId) -> Result<()> {
    tx.execute(
        "UPDATE clusters SET decided = ?2 WHERE id = ?1",
        params![cluster.as_str(), decision.as_str()],
    )?;
    Ok(())
}

/// Keeps listed sizes equal to the undecided members left, and retires
/// clusters with none.
/// Recounts the undecided members of every open cluster (after an undo,
/// which may touch anything).
pub(super) fn refresh_sizes(tx: &Transaction<'_>) -> Result<()> {
    tx.execute(
        "UPDATE clusters SET size = (
             SELECT COUNT(*) FROM cluster_members cm
             WHERE cm.cluster_id = clusters.id
               AND NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.ticket_id = cm.ticket_id))
         WHERE current = 1 AND decided IS NULL",
        [],
    )?;
    Ok(())
}

/// Recounts the undecided members of the open clusters that hold any of
/// `tickets` (the ones a decision put in or took out of a group): on a
/// large store, a decision then costs what it touched, not every cluster.
pub(super) fn refresh_sizes_of<'a>(
    tx: &Transaction<'_>,
    tickets: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    // CROSS JOIN keeps the touched tickets as the outer loop: the temp
    // table has no statistics, and SQLite would otherwise scan every
    // cluster member (0.2 s per decision at 1M tickets).
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS touched_tickets (ticket_id TEXT PRIMARY KEY) WITHOUT ROWID;
         DELETE FROM touched_tickets;",
    )?;
    {
        let mut insert =
            tx.prepare_cached("INSERT OR IGNORE INTO touched_tickets (ticket_id) VALUES (?1)")?;
        for t in tickets {
            insert.execute([t])?;
        }
    }
    tx.execute(
        "UPDATE clusters SET size = (
             SELECT COUNT(*) FROM cluster_members cm
             WHERE cm.cluster_id = clusters.id
               AND NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.ticket_id = cm.ticket_id))
         WHERE current = 1 AND decided IS NULL
           AND id IN (SELECT cm.cluster_id FROM touched_tickets t
                      CROSS JOIN cluster_members cm ON cm.ticket_id = t.ticket_id)",
        [],
    )?;
    tx.execute("DELETE FROM touched_tickets", [])?;
    Ok(())
}

impl Store {
    /// The undecided members of an open cluster (for planning a decision;
    /// the decision itself checks again inside its transaction).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn open_cluster_members(
        &self,
        id: &ClusterId,
    ) -> Result<std::result::Result<Vec<TicketId>, Refusal>> {
        // A read: one snapshot on a reader connection, the writer stays free.
        self.read(|conn| {
            let tx = conn.unchecked_transaction()?;
            open_members(&tx, id)
        })
    }

    /// Confirms a cluster's undecided members into a new or existing group.
    ///
    /// # Errors
    /// SQLite errors; nothing is then recorded.
    pub fn confirm(
        &self,
        cluster: &ClusterId,
        target: ConfirmTarget<'_>,
        decision: NewDecision<'_>,
    ) -> Result<std::result::Result<Confirmed, Refusal>> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let members = match open_members(&tx, cluster)? {
                Ok(m) => m,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let (group_id, new_group) = match target {
                ConfirmTarget::Existing(id) => match group_in(&tx, id)? {
                    Some(g) => (g.id, None),
                    None => return Ok(Err(Refusal::GroupMissing(id.clone()))),
                },
                ConfirmTarget::New { name, tag } => (
                    GroupId::from_tail(next_number(&tx, "next_group")?),
                    Some((name, tag)),
                ),
            };
            let mut detail = decision.detail.clone();
            detail["tickets"] = serde_json::json!(members.iter().map(TicketId::as_str).collect::<Vec<_>>());
            let at = decision.at;
            let recorded = insert_decision(
                &tx,
                &NewDecision {
                    detail,
                    ..decision
                },
                Some(&group_id),
            )?;
            let mut journal = Journal::new(&tx, recorded.id.as_str());
            journal.group(group_id.as_str())?;
            if let Some((name, tag)) = new_group {
                tx.execute(
                    "INSERT INTO groups (id, name, tag, created_ns) VALUES (?1, ?2, ?3, ?4)",
                    params![group_id.as_str(), name, tag.as_str(), unix_ns(at)],
                )?;
            }
            let group = group_in(&tx, &group_id)?.expect("the group exists");
            for t in &members {
                journal.membership(t.as_str())?;
            }
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO group_members (ticket_id, group_id, origin, decision_id) VALUES (?1, ?2, 'reviewer', ?3)",
                )?;
                for t in &members {
                    insert.execute(params![t.as_str(), group.id.as_str(), recorded.id.as_str()])?;
                }
            }
            journal.decided(cluster.as_str())?;
            mark_decided(&tx, cluster, &recorded.id)?;
            refresh_sizes_of(&tx, members.iter().map(TicketId::as_str))?;
            tx.commit()?;
            Ok(Ok(Confirmed {
                group,
                decision: recorded,
                tickets: members,
            }))
        })
    }

    /// Splits a cluster into parts that never share a candidate again; the
    /// parts become candidate clusters of their own.
    ///
    /// # Errors
    /// SQLite errors; nothing is then recorded.
    pub fn split(
        &self,
        cluster: &ClusterId,
        parts: &[Vec<TicketId>],
        new_clusters: &[(CandidateCluster, Vec<ClusterMember>)],
        decision: NewDecision<'_>,
    ) -> Result<std::result::Result<Decision, Refusal>> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let members = match open_members(&tx, cluster)? {
                Ok(m) => m,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let open: std::collections::HashSet<&str> =
                members.iter().map(TicketId::as_str).collect();
            let strangers: Vec<String> = parts
                .iter()
                .flatten()
                .filter(|t| !open.contains(t.as_str()))
                .map(|t| t.to_string())
                .collect();
            if !strangers.is_empty() {
                return Ok(Err(grouped_or_strangers(&tx, cluster, strangers)?));
            }
            let recorded = insert_decision(&tx, &decision, None)?;
            let mut journal = Journal::new(&tx, recorded.id.as_str());
            journal.own_rows()?;
            journal.decided(cluster.as_str())?;
            for (c, _) in new_clusters {
                journal.cluster_added(c.id.as_str())?;
            }
            for t in parts.iter().flatten() {
                journal.touch(&format!("t:{t}"))?;
            }
            {
                let mut part_row = tx.prepare_cached(
                    "INSERT OR REPLACE INTO split_parts (ticket_id, split_id, part) VALUES (?1, ?2, ?3)",
                )?;
                for (i, part) in parts.iter().enumerate() {
                    for t in part {
                        part_row.execute(params![t.as_str(), recorded.id.as_str(), i as i64])?;
                    }
                }
                let mut row = tx.prepare_cached(
                    "INSERT INTO clusters (id, job_id, rank, size, summary, current) VALUES (?1, ?2, ?3, ?4, ?5, 1)",
                )?;
                let mut member = tx.prepare_cached(
                    "INSERT INTO cluster_members (cluster_id, position, ticket_id, similarity) VALUES (?1, ?2, ?3, ?4)",
                )?;
                let rank: i64 = tx.query_row(
                    "SELECT COALESCE(MAX(rank), 0) + 1 FROM clusters",
                    [],
                    |r| r.get(0),
                )?;
                for (i, (c, ms)) in new_clusters.iter().enumerate() {
                    row.execute(params![
                        c.id.as_str(),
                        c.job.as_str(),
                        rank + i as i64,
                        c.size as i64,
                        super::clusters::summary_json(c)
                    ])?;
                    super::clusters::insert_members(&mut member, c, ms)?;
                }
            }
            mark_decided(&tx, cluster, &recorded.id)?;
            tx.commit()?;
            Ok(Ok(recorded))
        })
    }

    /// Rejects a cluster: not a real pattern; its set is kept so that it
    /// does not come back as a candidate.
    ///
    /// # Errors
    /// SQLite errors; nothing is then recorded.
    pub fn reject(
        &self,
        cluster: &ClusterId,
        decision: NewDecision<'_>,
    ) -> Result<std::result::Result<Decision, Refusal>> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let members = match open_members(&tx, cluster)? {
                Ok(m) => m,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let mut detail = decision.detail.clone();
            detail["tickets"] = serde_json::json!(members.len());
            let recorded = insert_decision(&tx, &NewDecision { detail, ..decision }, None)?;
            let mut journal = Journal::new(&tx, recorded.id.as_str());
            journal.own_rows()?;
            journal.decided(cluster.as_str())?;
            {
                let mut row = tx.prepare_cached(
                    "INSERT INTO rejected_members (decision_id, ticket_id) VALUES (?1, ?2)",
                )?;
                for t in &members {
                    row.execute(params![recorded.id.as_str(), t.as_str()])?;
                }
            }
            mark_decided(&tx, cluster, &recorded.id)?;
            tx.commit()?;
            Ok(Ok(recorded))
        })
    }

    /// Attaches tickets to groups on the engine's behalf, as one audited
    /// decision; tickets already in a group are left where they are.
    /// Returns the decision and how many were attached.
    ///
    /// # Errors
    /// SQLite errors; nothing is then recorded.
    pub fn attach_automatic(
        &self,
        assignments: &[(TicketId, GroupId, f32)],
        revise: bool,
        after: &[crate::model::DecisionId],
        decision: NewDecision<'_>,
    ) -> Result<Option<(Decision, usize)>> {
        if assignments.is_empty() && !revise {
            return Ok(None);
        }
        self.write(|conn| {
            let tx = conn.transaction()?;
            let planned: HashMap<&str, &str> = assignments
                .iter()
                .map(|(t, g, _)| (t.as_str(), g.as_str()))
                .collect();
            // With `revise`, automatic members the model no longer places
            // where they are come out (reviewers' members never do).
            let stale: Vec<String> = if revise {
                let mut stmt = tx.prepare_cached(
                    "SELECT ticket_id, group_id FROM group_members WHERE origin = 'automatic'",
                )?;
                let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
                let mut out = Vec::new();
                for row in rows {
                    let (t, g) = row?;
                    if planned.get(t.as_str()) != Some(&g.as_str()) {
                        out.push(t);
                    }
                }
                out
            } else {
                Vec::new()
            };
            let mut fresh = Vec::new();
            {
                let mut free = tx.prepare_cached(
                    "SELECT NOT EXISTS (SELECT 1 FROM group_members WHERE ticket_id = ?1)
                        AND NOT EXISTS (SELECT 1 FROM detached WHERE group_id = ?2 AND ticket_id = ?1)
                        AND EXISTS (SELECT 1 FROM groups WHERE id = ?2)",
                )?;
                let stale_set: std::collections::HashSet<&str> = stale.iter().map(String::as_str).collect();
                for a in assignments {
                    let (t, g, _) = a;
                    let is_free: bool = free.query_row(params![t.as_str(), g.as_str()], |r| r.get(0))?;
                    if is_free || stale_set.contains(t.as_str()) {
                        fresh.push(a);
                    }
                }
            }
            if stale.is_empty() && fresh.is_empty() {
                return Ok(None);
            }
            let mut detail = decision.detail.clone();
            let mut per_group: BTreeMap<&str, usize> = BTreeMap::new();
            for (_, g, _) in &fresh {
                *per_group.entry(g.as_str()).or_default() += 1;
            }
            detail["groups"] = serde_json::json!(per_group);
            detail["revised"] = serde_json::json!(stale.len());
            let recorded = insert_decision(
                &tx,
                &NewDecision {
                    detail,
                    ..decision
                },
                None,
            )?;
            let mut journal = Journal::new(&tx, recorded.id.as_str());
            for d in after {
                journal.touch(&format!("after:{d}"))?;
            }
            for t in &stale {
                journal.membership(t)?;
                tx.execute(
                    "DELETE FROM group_members WHERE ticket_id = ?1 AND origin = 'automatic'",
                    [t.as_str()],
                )?;
            }
            let mut attached = 0;
            let mut fresh_tickets: Vec<String> = Vec::new();
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO group_members (ticket_id, group_id, origin, decision_id, score)
                     VALUES (?1, ?2, 'automatic', ?3, ?4)
                     ON CONFLICT (ticket_id) DO NOTHING",
                )?;
                for (t, g, p) in fresh {
                    fresh_tickets.push(t.to_string());
                    journal.membership(t.as_str())?;
                    journal.touch(&format!("g:{g}"))?;
                    attached += insert.execute(params![
                        t.as_str(),
                        g.as_str(),
                        recorded.id.as_str(),
                        f64::from(*p)
                    ])?;
                }
            }
            refresh_sizes_of(
                &tx,
                stale
                    .iter()
                    .map(String::as_str)
                    .chain(fresh_tickets.iter().map(String::as_str)),
            )?;
            tx.commit()?;
            Ok(Some((recorded, attached)))
        })
    }

    /// Every group.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn groups(&self) -> Result<Vec<Group>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, tag, status, owner, fixed_ns, review_by, notes, created_ns, plan FROM groups ORDER BY created_ns, id",
            )?;
            let rows = stmt.query_map([], group_row)?;
            rows.map(|r| group_of(r?)).collect()
        })
    }

    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn group(&self, id: &GroupId) -> Result<Option<Group>> {
        self.read(|conn| {
            conn.query_row(
                "SELECT id, name, tag, status, owner, fixed_ns, review_by, notes, created_ns, plan FROM groups WHERE id = ?1",
                [id.as_str()],
                group_row,
            )
            .optional()?
            .map(group_of)
            .transpose()
        })
    }

    /// Counts of every group as of `as_of` (tickets created after it are
    /// not counted): windows are strict, `as_of − created < 7 days`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn group_counts(
        &self,
        as_of: time::OffsetDateTime,
    ) -> Result<HashMap<GroupId, GroupCounts>> {
        self.counts_where(as_of, None)
    }

    /// The counts of one group, as [`Store::group_counts`] gives them.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn group_counts_of(
        &self,
        group: &GroupId,
        as_of: time::OffsetDateTime,
    ) -> Result<GroupCounts> {
        Ok(self
            .counts_where(as_of, Some(group))?
            .remove(group)
            .unwrap_or_default())
    }

    fn counts_where(
        &self,
        as_of: time::OffsetDateTime,
        only: Option<&GroupId>,
    ) -> Result<HashMap<GroupId, GroupCounts>> {
        let now = unix_ns(as_of);
        let day = 86_400_000_000_000i64;
        // One statement per case: `?2 IS NULL OR gm.group_id = ?2` would
        // scan every group's members to count one group's.
        const ALL: &str = "SELECT gm.group_id, t.source, t.created_ns, g.fixed_ns,
                        COALESCE(json_extract(t.doc, '$.manual_minutes'), 0)
                 FROM group_members gm
                 JOIN tickets t ON t.id = gm.ticket_id
                 JOIN groups g ON g.id = gm.group_id
                 WHERE t.created_ns <= ?1";
        self.read(|conn| {
            let mut stmt;
            let mut rows = match only {
                None => {
                    stmt = conn.prepare_cached(ALL)?;
                    stmt.query(params![now])?
                }
                Some(g) => {
                    stmt = conn.prepare_cached(&format!("{ALL} AND gm.group_id = ?2"))?;
                    stmt.query(params![now, g.as_str()])?
                }
            };
            let mut out: HashMap<GroupId, GroupCounts> = HashMap::new();
            while let Some(row) = rows.next()? {
                let group = GroupId::parse(row.get::<_, String>(0)?).map_err(corrupt)?;
                let source: String = row.get(1)?;
                let created: i64 = row.get(2)?;
                let fixed: Option<i64> = row.get(3)?;
                let minutes: i64 = row.get(4)?;
                let c = out.entry(group).or_default();
                c.total += 1;
                c.last_7d += u64::from(now - created < 7 * day);
                c.last_30d += u64::from(now - created < 30 * day);
                let after_fix = fixed.is_none_or(|f| created > f);
                c.since_fix += u64::from(after_fix);
                c.regression |= fixed.is_some() && after_fix;
                *c.by_source.entry(source).or_default() += 1;
                c.manual_minutes += minutes.max(0) as u64;
                let at = from_unix_ns(created).map_err(corrupt)?;
                c.first_seen = Some(c.first_seen.map_or(at, |f| f.min(at)));
                c.last_seen = Some(c.last_seen.map_or(at, |l| l.max(at)));
            }
            Ok(out)
        })
    }

    /// A group's members, reviewer-placed first then by ticket id, `limit`
    /// from `offset`.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn group_members(
        &self,
        id: &GroupId,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<GroupMember>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT ticket_id, origin, decision_id, score FROM group_members WHERE group_id = ?1
                 ORDER BY origin DESC, ticket_id LIMIT ?2 OFFSET ?3",
            )?;
            let rows = stmt.query_map(
                params![
                    id.as_str(),
                    i64::try_from(limit).unwrap_or(i64::MAX),
                    i64::try_from(offset).unwrap_or(i64::MAX)
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<f64>>(3)?,
                    ))
                },
            )?;
            rows.map(|r| {
                let (ticket, origin, decision, score) = r?;
                Ok(GroupMember {
                    ticket: TicketId::parse(ticket).map_err(corrupt)?,
                    origin: MemberOrigin::parse(&origin).map_err(corrupt)?,
                    decision: DecisionId::parse(decision).map_err(corrupt)?,
                    score: score.map(|s| s as f32),
                })
            })
            .collect()
        })
    }

    /// Every membership: (ticket, group, who put it there).
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn memberships(&self) -> Result<Vec<(String, GroupId, MemberOrigin)>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT ticket_id, group_id, origin FROM group_members ORDER BY ticket_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            rows.map(|r| {
                let (t, g, o) = r?;
                Ok((
                    t,
                    GroupId::parse(g).map_err(corrupt)?,
                    MemberOrigin::parse(&o).map_err(corrupt)?,
                ))
            })
            .collect()
        })
    }

    /// Every split constraint: (ticket, split decision, part).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn split_parts(&self) -> Result<Vec<(String, String, u32)>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT ticket_id, split_id, part FROM split_parts ORDER BY split_id, ticket_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u32))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Every rejected set, by decision.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn rejected_sets(&self) -> Result<Vec<Vec<String>>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT decision_id, ticket_id FROM rejected_members ORDER BY decision_id",
            )?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut sets: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for row in rows {
                let (d, t) = row?;
                sets.entry(d).or_default().push(t);
            }
            Ok(sets.into_values().collect())
        })
    }

    /// The audit log, newest first, `limit` from `offset`, optionally only
    /// one kind, group or cluster.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn decisions(
        &self,
        kind: Option<DecisionKind>,
        group: Option<&GroupId>,
        cluster: Option<&ClusterId>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Decision>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, kind, actor, at_ns, cluster_id, group_id, detail, undone_by FROM decisions
                 WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR group_id = ?2) AND (?3 IS NULL OR cluster_id = ?3)
                 ORDER BY num DESC LIMIT ?4 OFFSET ?5",
            )?;
            let rows = stmt.query_map(
                params![
                    kind.map(DecisionKind::as_str),
                    group.map(GroupId::as_str),
                    cluster.map(ClusterId::as_str),
                    i64::try_from(limit).unwrap_or(i64::MAX),
                    i64::try_from(offset).unwrap_or(i64::MAX)
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, Option<String>>(7)?,
                    ))
                },
            )?;
            rows.map(|r| {
                let (id, kind, actor, at, cluster, group, detail, undone_by) = r?;
                Ok(Decision {
                    id: DecisionId::parse(id).map_err(corrupt)?,
                    kind: DecisionKind::parse(&kind).map_err(corrupt)?,
                    actor,
                    at: from_unix_ns(at).map_err(corrupt)?,
                    cluster: cluster.map(ClusterId::parse).transpose().map_err(corrupt)?,
                    group: group.map(GroupId::parse).transpose().map_err(corrupt)?,
                    detail: serde_json::from_str(&detail).map_err(corrupt)?,
                    undone_by: undone_by.map(DecisionId::parse).transpose().map_err(corrupt)?,
                })
            })
            .collect()
        })
    }
}
