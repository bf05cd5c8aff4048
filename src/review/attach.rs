//! Attaching undecided tickets to confirmed groups.
//!
//! Each group is represented by its reviewer-placed members' TF-IDF
//! centroid, told apart from the other groups ([`super::centroids`]);
//! automatic members never teach it: one mistake must not grow. An undecided ticket goes to its nearest group when the cosine
//! to that centroid is at least `min_cosine` and beats the runner-up by at
//! least `margin`, and when at least `min_share` of its neighbours' weight
//! (the kNN lists the clustering used) is already in that group; never to a
//! group it was split away from or detached from.
//!
//! Why the neighbourhood: a centroid says which known group a ticket is
//! nearest, not whether it belongs to any. With the centroid rule alone
//! (cosine 0.5, margin 0.1) only 72% of the engine's attachments during
//! review were right, 40% of the wrong ones being tickets of an intent
//! nobody had confirmed yet. Such a ticket's neighbours are its own kind,
//! outside every group; a ticket of a known problem has neighbours inside
//! the group. With the gate the rule reaches further (cosine 0.3) and is
//! right more often (82%). Measured on the Banking77 harness
//! (`refrain_eval.py --stages cluster,review,persist --holdout 0`) together
//! with the fringe held out of candidates (`cluster/core.rs`): 35% → 48% of
//! the tickets in groups at purity 0.96, arrivals in the right group 33% →
//! 48% at precision 0.95. Share 0.25 instead of 0.3 put 50% in groups but
//! at purity 0.947.
//!
//! Why centroids: this rule put more tickets in groups at the same purity
//! than the multinomial logistic regression this module first used (seeded
//! SGD: 33% at 0.98, arrivals 12% right): its fit was too unconfident to
//! clear a probability threshold.
//!
//! Cost: one pass over each candidate row's terms through an inverted list
//! term → (group, weight) of the centroids.

use std::collections::{BTreeMap, HashMap};

use rustc_hash::{FxHashMap, FxHashSet};

use super::Space;
use super::centroids::{CentroidIndex, best_two};

/// Settings of the attach step.
#[derive(Debug, Clone, Copy)]
pub struct AttachParams {
    /// Least cosine between a ticket and its group's centroid.
    pub min_cosine: f32,
    /// Least lead of the best group's cosine over the runner-up's.
    pub margin: f32,
    /// Least share of the ticket's neighbour weight already in the group.
    pub min_share: f32,
}

impl AttachParams {
    /// After a reviewer's decision: placements are revised each time, so
    /// they may follow the groups as they grow.
    pub fn after_decision() -> Self {
        AttachParams {
            min_cosine: 0.3,
            margin: 0.05,
            min_share: 0.3,
        }
    }

    /// In a re-cluster, with every group the reviewers made so far, a
    /// wider reach (arrivals at precision ≥ 0.9 on the harness).
    pub fn in_recluster() -> Self {
        AttachParams {
            min_cosine: 0.25,
            margin: 0.03,
            min_share: 0.3,
        }
    }
}

/// What the rule learns from: each group's reviewer-placed member rows, and
/// rows it must not take (split away from it, detached from it).
#[derive(Clone, Copy)]
pub struct Evidence<'a> {
    pub space: &'a Space,
    /// Group key → its members' rows.
    pub members: &'a [(String, Vec<u32>)],
    /// Rows each group must never take.
    pub excluded: &'a Exclusions,
    /// Rows that may be attached (undecided tickets).
    pub candidates: &'a [u32],
    /// Row → index (in `members`) of the group holding it now, reviewer
    /// or engine placed.
    pub held: &'a HashMap<u32, usize>,
}

/// Which rows each group must never take: those of a split's other parts,
/// once the group holds a member of one of its parts. Kept as each row's
/// (split, part) and each group's parts per split rather than as a row list
/// per group: at 1M tickets and 10k groups made by splits, those lists held
/// tens of millions of rows and were rebuilt on every attach round.
#[derive(Debug, Default)]
pub struct Exclusions {
    /// Row → the (split, part) it was sorted into, in each split it was in.
    parts_of_row: FxHashMap<u32, Vec<(u32, u32)>>,
    /// Group index → split → the parts of it the group holds members of.
    owned: Vec<FxHashMap<u32, Vec<u32>>>,
}

impl Exclusions {
    /// From split parts, one entry per ticket sorted: (its row in the
    /// space if it has one, split, part, the index of the group holding it
    /// now if any).
    pub fn new(
        groups: usize,
        sorted: impl IntoIterator<Item = (Option<u32>, u32, u32, Option<usize>)>,
    ) -> Self {
        let mut out = Exclusions {
            parts_of_row: FxHashMap::default(),
            owned: vec![FxHashMap::default(); groups],
        };
        for (row, split, part, group) in sorted {
            if let Some(row) = row {
                out.parts_of_row.entry(row).or_default().push((split, part));
            }
            if let Some(g) = group {
                let own = out.owned[g].entry(split).or_default();
                if !own.contains(&part) {
                    own.push(part);
                }
            }
        }
        out
    }

    /// Whether group `g` must never take `row`.
    pub fn excludes(&self, g: usize, row: u32) -> bool {
        let (Some(parts), Some(owned)) = (self.parts_of_row.get(&row), self.owned.get(g)) else {
            return false;
        };
        parts
            .iter()
            .any(|(split, part)| owned.get(split).is_some_and(|own| !own.contains(part)))
    }
}

/// Plans attachments: for each candidate row whose nearest group clears
/// the rule, (row, group index, cosine). Deterministic.
pub fn plan(evidence: &Evidence<'_>, p: &AttachParams) -> Vec<(u32, usize, f32)> {
    let groups = evidence.members.len();
    if groups == 0 || evidence.candidates.is_empty() {
        return Vec::new();
    }
    let rows: Vec<&[u32]> = evidence.members.iter().map(|(_, r)| r.as_slice()).collect();
    let index = CentroidIndex::learn(evidence.space, &rows);
    let mut out = Vec::new();
    let mut cos = vec![0.0f32; groups];
    for &row in evidence.candidates {
        let terms = evidence.space.corpus.matrix.row(row as usize);
        if terms.is_empty() {
            continue;
        }
        index.score(terms.iter(), &mut cos);
        let Some((g, c, second)) = best_two(&cos) else {
            continue;
        };
        if c >= p.min_cosine
            && c - second >= p.margin
            && !evidence.excluded.excludes(g, row)
            && share_in(evidence, row, g) >= p.min_share
        {
            out.push((row, g, c));
        }
    }
    out
}

/// The share of `row`'s neighbour weight that group `g` holds.
fn share_in(evidence: &Evidence<'_>, row: u32, g: usize) -> f32 {
    let (mut inside, mut all) = (0.0f32, 0.0f32);
    for &(o, w) in &evidence.space.neighbors()[row as usize] {
        all += w;
        if evidence.held.get(&o) == Some(&g) {
            inside += w;
        }
    }
    if all > 0.0 { inside / all } else { 0.0 }
}

/// Attaches undecided tickets of `space` to the groups the store holds,
/// as one engine decision, made `after` the reviewer decisions it answers
/// (undoing any of them then undoes this one too). Returns how many were
/// attached.
///
/// # Errors
/// Store errors; nothing is then attached.
pub fn attach_undecided(
    store: &crate::store::Store,
    space: &Space,
    p: &AttachParams,
    revise: bool,
    after: &[crate::model::DecisionId],
) -> Result<usize, crate::store::StoreError> {
    use crate::model::{DecisionKind, ENGINE_ACTOR, GroupId, TicketId};
    let memberships = store.memberships()?;
    if memberships.is_empty() {
        return Ok(0);
    }
    let mut group_rows: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut grouped: FxHashSet<&str> = FxHashSet::default();
    let mut group_of: FxHashMap<&str, &str> = FxHashMap::default();
    let mut row_group: Vec<(u32, &str)> = Vec::new();
    for (ticket, group, origin) in &memberships {
        // With `revise`, automatic members are candidates again.
        if !(revise && *origin == crate::model::MemberOrigin::Automatic) {
            grouped.insert(ticket.as_str());
        }
        group_of.insert(ticket.as_str(), group.as_str());
        let Some(row) = space.row(ticket) else {
            continue;
        };
        row_group.push((row, group.as_str()));
        // Models learn from reviewers only: an automatic member teaching
        // the next attach would let one mistake grow.
        if *origin == crate::model::MemberOrigin::Reviewer {
            group_rows.entry(group.as_str()).or_default().push(row);
        }
    }
    let members: Vec<(String, Vec<u32>)> = group_rows
        .into_iter()
        .map(|(g, rows)| (g.to_string(), rows))
        .collect();
    let index_of: FxHashMap<&str, usize> = members
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_str(), i))
        .collect();
    let held: HashMap<u32, usize> = row_group
        .iter()
        .filter_map(|&(row, g)| Some((row, *index_of.get(g)?)))
        .collect();
    // Parts split away from a group's members: same split, another part.
    let parts = store.split_parts()?;
    let mut split_index: FxHashMap<&str, u32> = FxHashMap::default();
    let excluded = Exclusions::new(
        members.len(),
        parts.iter().map(|(ticket, split, part)| {
            let next = split_index.len() as u32;
            let split = *split_index.entry(split.as_str()).or_insert(next);
            let group = group_of
                .get(ticket.as_str())
                .and_then(|g| index_of.get(g).copied());
            (space.row(ticket), split, *part, group)
        }),
    );
    let candidates: Vec<u32> = (0..space.len() as u32)
        .filter(|&r| !grouped.contains(space.corpus.keys.id(r as usize)))
        .collect();
    let planned = plan(
        &Evidence {
            space,
            members: &members,
            excluded: &excluded,
            candidates: &candidates,
            held: &held,
        },
        p,
    );
    let assignments: Vec<(TicketId, GroupId, f32)> = planned
        .into_iter()
        .filter_map(|(row, g, prob)| {
            let ticket = TicketId::parse(space.corpus.keys.id(row as usize)).ok()?;
            let group = GroupId::parse(members[g].0.as_str()).ok()?;
            Some((ticket, group, prob))
        })
        .collect();
    let decided = store.attach_automatic(
        &assignments,
        revise,
        after,
        crate::store::NewDecision {
            kind: DecisionKind::Attach,
            actor: ENGINE_ACTOR,
            at: time::OffsetDateTime::now_utc(),
            cluster: None,
            detail: serde_json::json!({"rule": "nearest centroid, neighbours in the group", "min_cosine": p.min_cosine, "margin": p.margin, "min_share": p.min_share}),
        },
    )?;
    Ok(decided.map_or(0, |(_, n)| n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::VectorParams;

    #[test]
    fn a_ticket_joins_the_group_it_is_clearly_near_and_no_other() {
        let texts = [
            "card payment declined at the shop",
            "card payment declined online",
            "refund not showing in my account",
            "refund still not showing up",
            "card payment declined online at the shop", // near the card group
            "the weather is lovely",                    // near nothing
        ];
        let space = super::super::space_of(
            &texts,
            &VectorParams {
                min_df: 1,
                ..VectorParams::default()
            },
        );
        let row = |id: &str| space.row(id).expect("row");
        let members = vec![
            ("g1".to_string(), vec![row("t0"), row("t1")]),
            ("g2".to_string(), vec![row("t2"), row("t3")]),
        ];
        let candidates = [row("t4"), row("t5")];
        let none = Exclusions::default();
        let held: HashMap<u32, usize> = [("t0", 0), ("t1", 0), ("t2", 1), ("t3", 1)]
            .into_iter()
            .map(|(t, g)| (row(t), g))
            .collect();
        let evidence = Evidence {
            space: &space,
            members: &members,
            excluded: &none,
            candidates: &candidates,
            held: &held,
        };
        let planned = plan(&evidence, &AttachParams::after_decision());
        assert_eq!(planned.len(), 1, "{planned:?}");
        assert_eq!((planned[0].0, planned[0].1), (row("t4"), 0));
        let strict = AttachParams {
            margin: 1.0,
            ..AttachParams::after_decision()
        };
        assert!(
            plan(&evidence, &strict).is_empty(),
            "no clear lead: not attached"
        );
        let nobody = HashMap::new();
        let outside = Evidence {
            held: &nobody,
            ..evidence
        };
        assert!(
            plan(&outside, &AttachParams::after_decision()).is_empty(),
            "near the centroid, but no neighbour in the group: not attached"
        );
        // t0 (held by g1) and t4 were sorted into different parts of one split.
        let excluded = Exclusions::new(
            2,
            [
                (Some(row("t0")), 0, 0, Some(0)),
                (Some(row("t4")), 0, 1, None),
            ],
        );
        let evidence = Evidence {
            excluded: &excluded,
            ..evidence
        };
        assert!(
            plan(&evidence, &AttachParams::after_decision()).is_empty(),
            "split away: never attached"
        );
    }
}
