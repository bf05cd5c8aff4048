//! How each decision is reversed: inverse operations journaled in the
//! decision's own transaction (`undo_log`), and the things it touched
//! (`decision_touches`), so that an undo can name the later decisions that
//! depend on it and restore exactly the state before it.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Result, StoreError};

/// Journals one decision's inverse operations and touches.
pub(super) struct Journal<'a, 't> {
    tx: &'a Transaction<'t>,
    decision: String,
    seq: i64,
}

impl<'a, 't> Journal<'a, 't> {
    pub(super) fn new(tx: &'a Transaction<'t>, decision: &str) -> Self {
        Journal {
            tx,
            decision: decision.to_string(),
            seq: 0,
        }
    }

    fn op(
        &mut self,
        op: &str,
        a: &str,
        b: Option<&str>,
        c: Option<&str>,
        d: Option<&str>,
    ) -> Result<()> {
        self.seq += 1;
        self.tx
            .prepare_cached(
                "INSERT INTO undo_log (decision_id, seq, op, a, b, c, d) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![self.decision, self.seq, op, a, b, c, d])?;
        Ok(())
    }

    /// Marks a ticket, group or cluster as touched (`t:`, `g:`, `c:` keys).
    pub(super) fn touch(&mut self, key: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO decision_touches (key, decision_id) VALUES (?1, ?2)",
            )?
            .execute(params![key, self.decision])?;
        Ok(())
    }

    /// Records a ticket's membership as it is now, before a change; touches
    /// the ticket and its group.
    pub(super) fn membership(&mut self, ticket: &str) -> Result<()> {
        let row: Option<(String, String, String, Option<f64>)> = self
            .tx
            .prepare_cached(
                "SELECT group_id, origin, decision_id, score FROM group_members WHERE ticket_id = ?1",
            )?
            .query_row([ticket],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        self.touch(&format!("t:{ticket}"))?;
        match row {
            Some((group, origin, decision, score)) => {
                self.touch(&format!("g:{group}"))?;
                let score = score.map(|s| s.to_string());
                self.op(
                    "member",
                    ticket,
                    Some(&group),
                    Some(&format!("{origin}:{decision}")),
                    score.as_deref(),
                )
            }
            None => self.op("member", ticket, None, None, None),
        }
    }

    /// Records a cluster's `decided` as it is now.
    pub(super) fn decided(&mut self, cluster: &str) -> Result<()> {
        let before: Option<String> = self
            .tx
            .query_row(
                "SELECT decided FROM clusters WHERE id = ?1",
                [cluster],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        self.touch(&format!("c:{cluster}"))?;
        self.op("decided", cluster, before.as_deref(), None, None)
    }

    /// Records a group's row as it is now (or that it does not exist).
    pub(super) fn group(&mut self, group: &str) -> Result<()> {
        let row: Option<String> = self
            .tx
            .query_row(
                "SELECT json_object('name', name, 'tag', tag, 'status', status, 'owner', owner,
                        'fixed_ns', fixed_ns, 'review_by', review_by, 'notes', notes, 'created_ns', created_ns, 'plan', plan)
                 FROM groups WHERE id = ?1",
                [group],
                |r| r.get(0),
            )
            .optional()?;
        self.touch(&format!("g:{group}"))?;
        self.op("group", group, row.as_deref(), None, None)
    }

    /// A cluster this decision inserts (undo deletes it).
    pub(super) fn cluster_added(&mut self, cluster: &str) -> Result<()> {
        self.touch(&format!("c:{cluster}"))?;
        self.op("cluster_added", cluster, None, None, None)
    }

    /// Split and reject rows this decision adds are found by its id.
    pub(super) fn own_rows(&mut self) -> Result<()> {
        let decision = self.decision.clone();
        self.op("own_rows", &decision, None, None, None)
    }

    /// Records whether (group, ticket) is detached now.
    pub(super) fn detached(&mut self, group: &str, ticket: &str) -> Result<()> {
        let present: bool = self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM detached WHERE group_id = ?1 AND ticket_id = ?2)",
            )?
            .query_row(params![group, ticket], |r| r.get(0))?;
        self.op(
            "detached",
            group,
            Some(ticket),
            present.then_some("1"),
            None,
        )
    }
}

/// One journaled operation: its name and up to four arguments.
type Op = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Replays a decision's journal backwards, restoring what it changed.
pub(super) fn reverse(tx: &Transaction<'_>, decision: &str) -> Result<()> {
    let ops: Vec<Op> = {
        let mut stmt = tx.prepare_cached(
            "SELECT op, a, b, c, d FROM undo_log WHERE decision_id = ?1 ORDER BY seq DESC",
        )?;
        stmt.query_map([decision], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    let corrupt = |what: &str| StoreError::Corrupt(format!("undo log of {decision}: {what}"));
    for (op, a, b, c, d) in ops {
        let a = a.ok_or_else(|| corrupt("an operation without its subject"))?;
        match op.as_str() {
            "member" => match b {
                None => {
                    tx.execute("DELETE FROM group_members WHERE ticket_id = ?1", [&a])?;
                }
                Some(group) => {
                    let (origin, by) = c
                        .as_deref()
                        .and_then(|c| c.split_once(':'))
                        .ok_or_else(|| corrupt("a membership without origin"))?;
                    tx.execute(
                        "INSERT OR REPLACE INTO group_members (ticket_id, group_id, origin, decision_id, score) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![a, group, origin, by, d.and_then(|s| s.parse::<f64>().ok())],
                    )?;
                }
            },
            "decided" => {
                tx.execute(
                    "UPDATE clusters SET decided = ?2 WHERE id = ?1",
                    params![a, b],
                )?;
            }
            "group" => match b {
                None => {
                    tx.execute("DELETE FROM groups WHERE id = ?1", [&a])?;
                }
                Some(json) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO groups (id, name, tag, status, owner, fixed_ns, review_by, notes, created_ns, plan)
                         SELECT ?1, json_extract(?2, '$.name'), json_extract(?2, '$.tag'), json_extract(?2, '$.status'),
                                json_extract(?2, '$.owner'), json_extract(?2, '$.fixed_ns'), json_extract(?2, '$.review_by'),
                                json_extract(?2, '$.notes'), json_extract(?2, '$.created_ns'),
                                COALESCE(json_extract(?2, '$.plan'), '{}')",
                        params![a, json],
                    )?;
                }
            },
            "cluster_added" => {
                tx.execute("DELETE FROM cluster_members WHERE cluster_id = ?1", [&a])?;
                tx.execute("DELETE FROM clusters WHERE id = ?1", [&a])?;
            }
            "own_rows" => {
                tx.execute("DELETE FROM split_parts WHERE split_id = ?1", [&a])?;
                tx.execute("DELETE FROM rejected_members WHERE decision_id = ?1", [&a])?;
            }
            "detached" => {
                let ticket = b.ok_or_else(|| corrupt("a detach without its ticket"))?;
                if c.is_some() {
                    tx.execute(
                        "INSERT OR IGNORE INTO detached (group_id, ticket_id) VALUES (?1, ?2)",
                        params![a, ticket],
                    )?;
                } else {
                    tx.execute(
                        "DELETE FROM detached WHERE group_id = ?1 AND ticket_id = ?2",
                        params![a, ticket],
                    )?;
                }
            }
            other => return Err(corrupt(&format!("unknown operation '{other}'"))),
        }
    }
    Ok(())
}

/// Later decisions, not undone, that touched what `decision` touched or
/// were made in answer to it (an engine attach touches `after:<id>`, since
/// its revisions may touch nothing the decision did): (id, actor, kind),
/// newest first.
pub(super) fn dependents(
    tx: &Transaction<'_>,
    decision: &str,
) -> Result<Vec<(String, String, String)>> {
    let mut stmt = tx.prepare_cached(
        "SELECT DISTINCT d.id, d.actor, d.kind, d.num FROM decision_touches theirs
         JOIN decisions d ON d.id = theirs.decision_id
         JOIN decisions me ON me.id = ?1
         WHERE theirs.decision_id != ?1 AND d.num > me.num AND d.undone_by IS NULL
           AND (theirs.key IN (SELECT key FROM decision_touches WHERE decision_id = ?1)
                OR theirs.key = 'after:' || ?1)
         ORDER BY d.num DESC",
    )?;
    let rows = stmt.query_map([decision], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
