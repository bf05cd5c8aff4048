//! The reviewer's decisions through the engine: confirm, split, reject,
//! and the groups they build, with counts. Each decision is one store
//! transaction (durable when it returns); after a confirm the engine's
//! models attach undecided tickets that clearly belong, as an audited
//! engine decision.

use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;

use super::{Engine, EngineError, Result};
use crate::cluster::recluster::{candidate, members_of};
use crate::cluster::summary::summarize;
use crate::model::{
    CandidateCluster, ClusterId, Decision, DecisionKind, Group, GroupCounts, GroupId, GroupMember,
    JobResult, Tag, TicketId, truncate,
};
use crate::review::Space;
use crate::store::{ConfirmTarget, NewDecision, Refusal};

/// A confirm as a reviewer asks for it.
#[derive(Debug, Clone)]
pub struct ConfirmRequest {
    pub name: Option<String>,
    pub tag: Option<String>,
    /// Join this group instead of creating one.
    pub group: Option<String>,
    pub actor: String,
}

/// What a split made.
#[derive(Debug, Clone)]
pub struct SplitOutcome {
    pub decision: Decision,
    /// Parts offered for review now, largest first.
    pub offered: Vec<CandidateCluster>,
    /// Parts too small to offer before bigger work: listed later, kept apart.
    pub deferred: Vec<CandidateCluster>,
}

/// A group with its counts.
#[derive(Debug, Clone)]
pub struct GroupSummary {
    pub group: Group,
    pub counts: GroupCounts,
}

/// How groups are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSort {
    Total,
    Last7d,
    Last30d,
    SinceFix,
    ManualMinutes,
    LastSeen,
}

impl GroupSort {
    /// # Errors
    /// A sentence naming the sorts.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        Ok(match text {
            "total" => GroupSort::Total,
            "last_7d" => GroupSort::Last7d,
            "last_30d" => GroupSort::Last30d,
            "since_fix" => GroupSort::SinceFix,
            "manual_minutes" => GroupSort::ManualMinutes,
            "last_seen" => GroupSort::LastSeen,
            other => {
                return Err(format!(
                    "sort '{}' is not one of total, last_7d, last_30d, since_fix, manual_minutes, last_seen",
                    truncate(other, 40)
                ));
            }
        })
    }
}

/// Parts smaller than this are not offered until nothing bigger is left
/// (a reviewer's budget reaches whole clusters first): 20 tickets, or a
/// quarter of the median cluster of the re-cluster that made them (its job's
/// `median_size`), when clusters are small. Measured against the median of
/// the open clusters instead, the bar fell as leftovers filled the list, and
/// the harness reviewer spent 20 of 154 decisions on parts of 3–8 tickets.
const DEFER_BELOW: usize = 20;

fn refusal(e: Refusal, cluster: &ClusterId) -> EngineError {
    match e {
        Refusal::ClusterMissing => EngineError::NotFound {
            what: "cluster",
            id: cluster.to_string(),
            hint: "list the open clusters with GET /v1/clusters",
        },
        Refusal::ClusterSuperseded => EngineError::StaleCluster {
            id: cluster.to_string(),
            why: "a later re-cluster replaced it".into(),
        },
        Refusal::ClusterDecided(d) if d.is_empty() => EngineError::StaleCluster {
            id: cluster.to_string(),
            why: "a decision already decided it".into(),
        },
        Refusal::ClusterDecided(d) => EngineError::StaleCluster {
            id: cluster.to_string(),
            why: format!("decision {d} already decided it"),
        },
        Refusal::ClusterEmpty => EngineError::StaleCluster {
            id: cluster.to_string(),
            why: "all its tickets are in groups now".into(),
        },
        Refusal::GroupMissing(g) => EngineError::NotFound {
            what: "group",
            id: g.to_string(),
            hint: "list the groups with GET /v1/groups",
        },
        Refusal::NotMembers(ids) => EngineError::InvalidDecision(format!(
            "{} of the tickets named are not undecided members of cluster {cluster} (e.g. '{}'); name only tickets GET /v1/clusters/{cluster} lists",
            ids.len(),
            truncate(ids.first().map_or("", String::as_str), 80)
        )),
        Refusal::MembersGrouped(ids) => EngineError::StaleCluster {
            id: cluster.to_string(),
            why: format!(
                "{} of the tickets named joined groups since it was listed (e.g. '{}'); GET /v1/clusters/{cluster} lists the undecided ones",
                ids.len(),
                truncate(ids.first().map_or("", String::as_str), 80)
            ),
        },
        other => other_refusal(other, cluster.as_str()),
    }
}

/// Refusals of group edits and undo, about `subject` (a group or decision).
fn other_refusal(e: Refusal, subject: &str) -> EngineError {
    match e {
        Refusal::TicketsMissing(ids) => EngineError::InvalidDecision(format!(
            "{} of the tickets named do not exist (e.g. '{}'); send them with POST /v1/tickets first",
            ids.len(),
            truncate(ids.first().map_or("", String::as_str), 80)
        )),
        Refusal::NotInGroup(t) => EngineError::NotFound {
            what: "ticket in this group",
            id: t,
            hint: "list the group's members with GET /v1/groups/{id}",
        },
        Refusal::NotReady(status, missing) => EngineError::InvalidDecision(format!(
            "{subject} cannot be {} yet: it needs {}; set them in the same or an earlier PATCH",
            status.as_str(),
            missing.join(", ")
        )),
        Refusal::SameGroup => EngineError::InvalidDecision(
            "a group cannot be merged into itself; name another group in `from`".into(),
        ),
        Refusal::DecisionMissing => EngineError::NotFound {
            what: "decision",
            id: subject.to_string(),
            hint: "list decisions with GET /v1/decisions",
        },
        Refusal::AlreadyUndone(by) => EngineError::DecisionConflict(format!(
            "decision {subject} was already undone by {by}; nothing to undo"
        )),
        Refusal::NotUndoable => EngineError::InvalidDecision(format!(
            "decision {subject} is an undo; to restore what it reversed, decide again"
        )),
        Refusal::Dependents(ds) => EngineError::DecisionConflict(format!(
            "later decisions build on {subject}: {}; undo them first (newest first)",
            ds.iter().take(10).cloned().collect::<Vec<_>>().join(", ")
        )),
        Refusal::GroupMissing(g) => EngineError::NotFound {
            what: "group",
            id: g.to_string(),
            hint: "list the groups with GET /v1/groups",
        },
        Refusal::ClusterMissing
        | Refusal::ClusterSuperseded
        | Refusal::ClusterDecided(_)
        | Refusal::ClusterEmpty
        | Refusal::NotMembers(_)
        | Refusal::MembersGrouped(_) => EngineError::DecisionConflict(format!(
            "{subject} cannot be changed now; reload it and try again"
        )),
    }
}

impl Engine {
    fn tag(&self, text: &str) -> Result<Tag> {
        Tag::parse_known(text, &self.config.tags).map_err(EngineError::InvalidDecision)
    }

    /// The vector space of the last re-cluster, or one built from the store
    /// now (after a start), holding every ticket in `needed`.
    pub(super) fn space_with(&self, needed: &[TicketId]) -> Result<Arc<Space>> {
        if let Some(space) = self.loaded_space()
            && needed.iter().all(|t| space.row(t.as_str()).is_some())
        {
            return Ok(space);
        }
        struct Quiet;
        impl crate::jobs::Progress for Quiet {
            fn stage(&mut self, _: &str, _: u64) {}
            fn advance(&mut self, _: u64) {}
        }
        let corpus = crate::cluster::recluster::read_corpus(
            &self.store,
            &self.analysis,
            &self.config.cluster,
            &mut Quiet,
        )?;
        let space = Arc::new(Space::new(corpus, &self.config.cluster));
        *self
            .space
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(space.clone());
        Ok(space)
    }

    /// The vector space if one is loaded (by a re-cluster, or built since
    /// the start); `None` before either.
    pub(super) fn loaded_space(&self) -> Option<Arc<Space>> {
        self.space
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Confirms cluster `id` as a new group, or into `group`.
    ///
    /// # Errors
    /// 404 for an unknown cluster or group; 409 (`StaleCluster`) when it
    /// was decided, replaced or emptied meanwhile; 422 for a missing name
    /// or an unknown tag; store errors.
    pub fn confirm(&self, id: &ClusterId, request: ConfirmRequest) -> Result<(Group, Decision)> {
        let existing = request
            .group
            .as_deref()
            .map(|g| {
                GroupId::parse(g).map_err(|e| EngineError::NotFound {
                    what: "group",
                    id: e.value,
                    hint: "group ids look like g12; list the groups with GET /v1/groups",
                })
            })
            .transpose()?;
        let name = request.name.as_deref().map(str::trim).unwrap_or("");
        let tag = match (&existing, request.tag.as_deref()) {
            (_, Some(tag)) => Some(self.tag(tag)?),
            (Some(_), None) => None,
            (None, None) => {
                return Err(EngineError::InvalidDecision(format!(
                    "a new group needs a tag: one of {}",
                    self.config
                        .tags
                        .iter()
                        .map(Tag::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        };
        if existing.is_none() && (name.is_empty() || name.chars().count() > 200) {
            return Err(EngineError::InvalidDecision(
                "a new group needs a name of 1 to 200 characters, e.g. \"Login loop after SSO\""
                    .into(),
            ));
        }
        let target = match &existing {
            Some(g) => ConfirmTarget::Existing(g),
            None => ConfirmTarget::New {
                name,
                tag: tag.as_ref().expect("a new group has a tag"),
            },
        };
        let decision = NewDecision {
            kind: DecisionKind::Confirm,
            actor: &request.actor,
            at: OffsetDateTime::now_utc(),
            cluster: Some(id),
            detail: serde_json::json!({"name": name, "joined": existing.is_some()}),
        };
        let confirmed = self
            .store
            .confirm(id, target, decision)?
            .map_err(|e| refusal(e, id))?;
        self.groups_changed(Some(confirmed.decision.id.clone()));
        Ok((confirmed.group, confirmed.decision))
    }

    /// Splits cluster `id` into `parts` (ticket ids); undecided members not
    /// named form one more part. The parts never share a candidate again.
    ///
    /// # Errors
    /// As [`Engine::confirm`]; 422 for a ticket named twice or not a member.
    pub fn split(
        &self,
        id: &ClusterId,
        parts: Vec<Vec<String>>,
        actor: &str,
    ) -> Result<SplitOutcome> {
        let cluster = self.cluster(id).map_err(|e| match e {
            EngineError::ClusterDecided { .. } => {
                refusal(Refusal::ClusterDecided(String::new()), id)
            }
            EngineError::ClusterSuperseded { .. } => refusal(Refusal::ClusterSuperseded, id),
            other => other,
        })?;
        let members = self
            .store
            .open_cluster_members(id)?
            .map_err(|e| refusal(e, id))?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut named: Vec<Vec<TicketId>> = Vec::new();
        for (i, part) in parts.into_iter().enumerate() {
            let mut ids = Vec::with_capacity(part.len());
            for t in part {
                if let Some(first) = seen.insert(t.clone(), i) {
                    return Err(EngineError::InvalidDecision(format!(
                        "ticket '{}' is named in part {first} and again in part {i}; put each ticket in one part",
                        truncate(&t, 80)
                    )));
                }
                ids.push(
                    TicketId::parse(t.as_str())
                        .map_err(|e| EngineError::InvalidDecision(format!("part {i}: {e}")))?,
                );
            }
            if !ids.is_empty() {
                named.push(ids);
            }
        }
        let rest: Vec<TicketId> = members
            .iter()
            .filter(|t| !seen.contains_key(t.as_str()))
            .cloned()
            .collect();
        if !rest.is_empty() {
            named.push(rest);
        }
        if named.len() < 2 {
            return Err(EngineError::InvalidDecision(
                "a split needs at least two non-empty parts; to keep the cluster whole, confirm it"
                    .into(),
            ));
        }
        let space = self.space_with(&members)?;
        let rows: Vec<Vec<u32>> = named
            .iter()
            .map(|part| part.iter().filter_map(|t| space.row(t.as_str())).collect())
            .collect();
        let summaries = summarize(&space.corpus, &rows, self.config.cluster.label_terms);
        let median = match self.store.job(&cluster.job)?.and_then(|j| j.result) {
            Some(JobResult::Recluster(report)) if report.median_size > 0 => report.median_size,
            _ => DEFER_BELOW * 4,
        };
        let defer_below = DEFER_BELOW.min((median / 4).max(3));
        let mut new_clusters = Vec::with_capacity(summaries.len());
        for (i, summary) in summaries.iter().enumerate() {
            let members = members_of(summary, &space.corpus)?;
            let label_terms = summary
                .label_term_ids
                .iter()
                .map(|&t| space.corpus.vocab.terms[t as usize].clone())
                .collect();
            let part = candidate(
                summary,
                ClusterId::parse(format!("{id}-{}", i + 1))
                    .map_err(|e| EngineError::InvalidDecision(e.to_string()))?,
                &cluster.job,
                &members,
                label_terms,
                self.config.cluster.examples,
            );
            new_clusters.push((part, members));
        }
        new_clusters.sort_by_key(|c| std::cmp::Reverse(c.0.size));
        let decision = NewDecision {
            kind: DecisionKind::Split,
            actor,
            at: OffsetDateTime::now_utc(),
            cluster: Some(id),
            detail: serde_json::json!({
                "parts": named.iter().map(|p| p.iter().map(TicketId::as_str).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "clusters": new_clusters.iter().map(|(c, _)| c.id.as_str()).collect::<Vec<_>>(),
            }),
        };
        let decision = self
            .store
            .split(id, &named, &new_clusters, decision)?
            .map_err(|e| refusal(e, id))?;
        let (offered, deferred) = new_clusters
            .into_iter()
            .map(|(c, _)| c)
            .partition(|c| c.size >= defer_below);
        Ok(SplitOutcome {
            decision,
            offered,
            deferred,
        })
    }

    /// Proposes a split of cluster `id` with k-means over its members (k
    /// given, or chosen by silhouette); saves nothing.
    ///
    /// # Errors
    /// As [`Engine::split`]; 422 when the cluster is too small or alike.
    pub fn propose_split(
        &self,
        id: &ClusterId,
        k: Option<usize>,
    ) -> Result<(Vec<Vec<TicketId>>, usize, f64)> {
        let members = self
            .store
            .open_cluster_members(id)?
            .map_err(|e| refusal(e, id))?;
        let space = self.space_with(&members)?;
        let rows: Vec<u32> = members
            .iter()
            .filter_map(|t| space.row(t.as_str()))
            .collect();
        let proposal = crate::review::split::propose(&space, &rows, k, self.config.cluster.seed)
            .map_err(EngineError::InvalidDecision)?;
        let parts = proposal
            .parts
            .iter()
            .map(|part| {
                part.iter()
                    .filter_map(|&r| TicketId::parse(space.corpus.keys.id(r as usize)).ok())
                    .collect()
            })
            .collect();
        Ok((parts, proposal.k, proposal.silhouette))
    }

    /// Rejects cluster `id`: not a real pattern.
    ///
    /// # Errors
    /// As [`Engine::confirm`].
    pub fn reject(&self, id: &ClusterId, actor: &str) -> Result<Decision> {
        let decision = NewDecision {
            kind: DecisionKind::Reject,
            actor,
            at: OffsetDateTime::now_utc(),
            cluster: Some(id),
            detail: serde_json::json!({}),
        };
        self.store.reject(id, decision)?.map_err(|e| refusal(e, id))
    }

    /// Groups with their counts as of `as_of`, sorted (most first), then
    /// filtered by tag and status.
    ///
    /// # Errors
    /// Store errors.
    pub fn groups(
        &self,
        as_of: OffsetDateTime,
        sort: GroupSort,
        tag: Option<&str>,
        status: Option<crate::model::GroupStatus>,
    ) -> Result<Vec<GroupSummary>> {
        let mut counts = self.store.group_counts(as_of)?;
        let mut out: Vec<GroupSummary> = self
            .store
            .groups()?
            .into_iter()
            .filter(|g| tag.is_none_or(|t| g.tag.as_str() == t))
            .filter(|g| status.is_none_or(|s| g.status == s))
            .map(|group| GroupSummary {
                counts: counts.remove(&group.id).unwrap_or_default(),
                group,
            })
            .collect();
        let key = |s: &GroupSummary| -> i128 {
            let c = &s.counts;
            match sort {
                GroupSort::Total => i128::from(c.total),
                GroupSort::Last7d => i128::from(c.last_7d),
                GroupSort::Last30d => i128::from(c.last_30d),
                GroupSort::SinceFix => i128::from(c.since_fix),
                GroupSort::ManualMinutes => i128::from(c.manual_minutes),
                GroupSort::LastSeen => c.last_seen.map_or(i128::MIN, |t| t.unix_timestamp_nanos()),
            }
        };
        out.sort_by(|a, b| {
            key(b)
                .cmp(&key(a))
                .then_with(|| a.group.id.cmp(&b.group.id))
        });
        Ok(out)
    }

    /// One group with its counts as of `as_of`.
    ///
    /// # Errors
    /// 404 for an unknown group; store errors.
    pub fn group(&self, id: &GroupId, as_of: OffsetDateTime) -> Result<GroupSummary> {
        let group = self.store.group(id)?.ok_or_else(|| EngineError::NotFound {
            what: "group",
            id: id.to_string(),
            hint: "list the groups with GET /v1/groups",
        })?;
        let counts = self.store.group_counts_of(id, as_of)?;
        Ok(GroupSummary { group, counts })
    }

    /// A group's members, reviewer-placed first.
    ///
    /// # Errors
    /// Store errors.
    pub fn group_members(
        &self,
        id: &GroupId,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<GroupMember>> {
        Ok(self.store.group_members(id, offset, limit)?)
    }

    fn decision<'a>(
        &self,
        kind: DecisionKind,
        actor: &'a str,
        detail: serde_json::Value,
    ) -> NewDecision<'a> {
        NewDecision {
            kind,
            actor,
            at: OffsetDateTime::now_utc(),
            cluster: None,
            detail,
        }
    }

    /// Puts tickets in a group as a reviewer (attach, or move from another
    /// group). Returns the decision and how many changed.
    ///
    /// # Errors
    /// 404 for an unknown group; 422 for an empty list or unknown tickets.
    pub fn attach_tickets(
        &self,
        group: &GroupId,
        ids: &[String],
        actor: &str,
    ) -> Result<(Decision, usize)> {
        if ids.is_empty() || ids.len() > 10_000 {
            return Err(EngineError::InvalidDecision(
                "name 1 to 10000 ticket ids in `ids`".into(),
            ));
        }
        let tickets = ids
            .iter()
            .map(|t| {
                TicketId::parse(t.as_str())
                    .map_err(|e| EngineError::InvalidDecision(format!("ids: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let d = self.decision(
            DecisionKind::Attach,
            actor,
            serde_json::json!({"tickets": ids}),
        );
        self.store
            .attach(group, &tickets, d)?
            .map_err(|e| other_refusal(e, group.as_str()))
            .inspect(|_| self.groups_changed(None))
    }

    /// Takes a ticket out of a group; the engine never puts it back there.
    ///
    /// # Errors
    /// 404 for an unknown group or a ticket not in it.
    pub fn detach_ticket(&self, group: &GroupId, ticket: &str, actor: &str) -> Result<Decision> {
        let ticket = TicketId::parse(ticket).map_err(|e| EngineError::NotFound {
            what: "ticket in this group",
            id: truncate(&e, 80),
            hint: "list the group's members with GET /v1/groups/{id}",
        })?;
        let d = self.decision(
            DecisionKind::Detach,
            actor,
            serde_json::json!({"ticket": ticket.as_str()}),
        );
        self.store
            .detach(group, &ticket, d)?
            .map_err(|e| other_refusal(e, group.as_str()))
            .inspect(|_| self.groups_changed(None))
    }

    /// Merges group `from` into `into`.
    ///
    /// # Errors
    /// 404 for an unknown group; 422 for a group merged into itself.
    pub fn merge_groups(
        &self,
        into: &GroupId,
        from: &GroupId,
        actor: &str,
    ) -> Result<(Decision, usize)> {
        let d = self.decision(
            DecisionKind::Merge,
            actor,
            serde_json::json!({"from": from.as_str()}),
        );
        self.store
            .merge(into, from, d)?
            .map_err(|e| other_refusal(e, into.as_str()))
            .inspect(|_| self.groups_changed(None))
    }

    /// Changes a group's fields.
    ///
    /// # Errors
    /// 404 for an unknown group.
    pub fn edit_group(
        &self,
        group: &GroupId,
        edit: &crate::store::GroupEdit,
        detail: serde_json::Value,
        actor: &str,
    ) -> Result<(Group, Decision)> {
        let d = self.decision(DecisionKind::Edit, actor, detail);
        self.store
            .edit_group(group, edit, d)?
            .map_err(|e| other_refusal(e, group.as_str()))
            .inspect(|_| self.groups_changed(None))
    }

    /// Undoes a decision (and the engine's attachments built on it).
    ///
    /// # Errors
    /// 404 for an unknown decision; 409 when it was undone already or later
    /// reviewer decisions build on it (named).
    pub fn undo(
        &self,
        id: &crate::model::DecisionId,
        actor: &str,
    ) -> Result<(Decision, Vec<String>)> {
        let d = self.decision(DecisionKind::Undo, actor, serde_json::json!({}));
        self.store
            .undo(id, d)?
            .map_err(|e| other_refusal(e, id.as_str()))
            .inspect(|_| self.groups_changed(None))
    }

    /// The audit log, newest first.
    ///
    /// # Errors
    /// Store errors.
    pub fn decisions(
        &self,
        kind: Option<DecisionKind>,
        group: Option<&GroupId>,
        cluster: Option<&ClusterId>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Decision>> {
        Ok(self.store.decisions(kind, group, cluster, offset, limit)?)
    }
}
