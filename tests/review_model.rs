//! Model-based test of the reviewer state machine (tantivy's style): random
//! sequences of confirm, split, reject, merge, attach, detach, undo, ingest
//! and re-cluster run against the real engine. After every step each
//! ticket is in at most one group; an undo restores exactly the state
//! before its decision; a re-cluster never takes a ticket out of a group a
//! reviewer put it in, nor puts two parts of a split in one candidate.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use refrain::engine::{ConfirmRequest, GroupSort};
use refrain::ingest::{Format, parse_body};
use refrain::model::{ClusterId, DecisionId, GroupId};
use refrain::{Config, Engine, IngestPolicy};

const FIXTURES: &str = include_str!("../fixtures/tickets.ndjson");

#[derive(Debug, Clone)]
enum Step {
    Confirm { cluster: usize, join: Option<usize> },
    Split { cluster: usize },
    Reject { cluster: usize },
    Merge { into: usize, from: usize },
    Attach { group: usize, ticket: usize },
    Detach { group: usize, member: usize },
    UndoLast,
    Ingest { n: usize },
    Recluster,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..8usize, proptest::option::of(0..4usize)).prop_map(|(cluster, join)| Step::Confirm { cluster, join }),
        2 => (0..8usize).prop_map(|cluster| Step::Split { cluster }),
        1 => (0..8usize).prop_map(|cluster| Step::Reject { cluster }),
        1 => (0..4usize, 0..4usize).prop_map(|(into, from)| Step::Merge { into, from }),
        1 => (0..4usize, 0..300usize).prop_map(|(group, ticket)| Step::Attach { group, ticket }),
        1 => (0..4usize, 0..50usize).prop_map(|(group, member)| Step::Detach { group, member }),
        2 => Just(Step::UndoLast),
        1 => (0..1000usize).prop_map(|n| Step::Ingest { n }),
        1 => Just(Step::Recluster),
    ]
}

/// A group as observed: name, tag, status, owner, members with origin.
type GroupState = (
    String,
    String,
    String,
    Option<String>,
    BTreeMap<String, String>,
);

/// Everything a reviewer can observe, in a comparable form.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    /// group → (name, tag, status, owner, members with origin)
    groups: BTreeMap<String, GroupState>,
    /// open cluster → members
    clusters: BTreeMap<String, BTreeSet<String>>,
}

fn snapshot(engine: &Engine) -> Snapshot {
    let now = time::OffsetDateTime::now_utc();
    let mut groups = BTreeMap::new();
    for g in engine
        .groups(now, GroupSort::Total, None, None)
        .expect("groups")
    {
        let members = engine
            .group_members(&g.group.id, 0, 100_000)
            .expect("members")
            .into_iter()
            .map(|m| (m.ticket.to_string(), m.origin.as_str().to_string()))
            .collect();
        groups.insert(
            g.group.id.to_string(),
            (
                g.group.name.clone(),
                g.group.tag.to_string(),
                g.group.status.as_str().to_string(),
                g.group.owner.clone(),
                members,
            ),
        );
    }
    let mut clusters = BTreeMap::new();
    for c in engine.clusters(0, 100_000).expect("clusters") {
        let (_, members) = engine.cluster_members(&c.id, 0, 100_000).expect("members");
        clusters.insert(
            c.id.to_string(),
            members.into_iter().map(|m| m.ticket.to_string()).collect(),
        );
    }
    Snapshot { groups, clusters }
}

fn check_one_group_per_ticket(s: &Snapshot) -> Result<(), TestCaseError> {
    let mut seen = BTreeSet::new();
    for (g, (_, _, _, _, members)) in &s.groups {
        for t in members.keys() {
            prop_assert!(
                seen.insert(t.clone()),
                "ticket {t} is in two groups (one is {g})"
            );
        }
    }
    for (c, members) in &s.clusters {
        for t in members {
            prop_assert!(
                !seen.contains(t),
                "open cluster {c} lists grouped ticket {t}"
            );
        }
    }
    Ok(())
}

fn ticket_ids() -> Vec<String> {
    FIXTURES
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("fixture");
            v["id"].as_str().expect("id").to_string()
        })
        .collect()
}

fn run(steps: &[Step]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(dir.path(), Config::default()).expect("open");
    let items = parse_body(FIXTURES.as_bytes(), Format::Ndjson).expect("fixtures");
    engine
        .ingest(items, IngestPolicy::AllOrNothing)
        .expect("ingest");
    engine.recluster_now(&mut |_| {}).expect("recluster");
    let tickets = ticket_ids();
    // Reviewer decisions with the state just before each, newest last.
    let mut history: Vec<(DecisionId, Snapshot)> = Vec::new();
    // Split parts made, to check after re-clusters.
    let mut splits: Vec<(DecisionId, Vec<BTreeSet<String>>)> = Vec::new();
    let actor = "model";
    for step in steps {
        let before = snapshot(&engine);
        let clusters: Vec<String> = before.clusters.keys().cloned().collect();
        let groups: Vec<String> = before.groups.keys().cloned().collect();
        let pick = |v: &Vec<String>, i: usize| (!v.is_empty()).then(|| v[i % v.len()].clone());
        let decided: Option<DecisionId> = match step {
            Step::Confirm { cluster, join } => pick(&clusters, *cluster).and_then(|c| {
                let group = join.and_then(|j| pick(&groups, j));
                engine
                    .confirm(
                        &ClusterId::parse(c).expect("id"),
                        ConfirmRequest {
                            name: Some("a group".into()),
                            tag: Some("weak-ux".into()),
                            group,
                            actor: actor.into(),
                        },
                    )
                    .ok()
                    .map(|(_, d)| d.id)
            }),
            Step::Split { cluster } => pick(&clusters, *cluster).and_then(|c| {
                let members: Vec<String> = before.clusters[&c].iter().cloned().collect();
                if members.len() < 2 {
                    return None;
                }
                let half = members.len() / 2;
                let parts = vec![members[..half].to_vec(), members[half..].to_vec()];
                let outcome = engine
                    .split(&ClusterId::parse(c).expect("id"), parts.clone(), actor)
                    .ok()?;
                splits.push((
                    outcome.decision.id.clone(),
                    parts.into_iter().map(|p| p.into_iter().collect()).collect(),
                ));
                Some(outcome.decision.id)
            }),
            Step::Reject { cluster } => pick(&clusters, *cluster).and_then(|c| {
                engine
                    .reject(&ClusterId::parse(c).expect("id"), actor)
                    .ok()
                    .map(|d| d.id)
            }),
            Step::Merge { into, from } => match (pick(&groups, *into), pick(&groups, *from)) {
                (Some(a), Some(b)) if a != b => engine
                    .merge_groups(
                        &GroupId::parse(a).expect("id"),
                        &GroupId::parse(b).expect("id"),
                        actor,
                    )
                    .ok()
                    .map(|(d, _)| d.id),
                _ => None,
            },
            Step::Attach { group, ticket } => pick(&groups, *group).and_then(|g| {
                let t = tickets[ticket % tickets.len()].clone();
                engine
                    .attach_tickets(&GroupId::parse(g).expect("id"), &[t], actor)
                    .ok()
                    .map(|(d, _)| d.id)
            }),
            Step::Detach { group, member } => pick(&groups, *group).and_then(|g| {
                let members: Vec<String> = before.groups[&g].4.keys().cloned().collect();
                let t = pick(&members, *member)?;
                engine
                    .detach_ticket(&GroupId::parse(g).expect("id"), &t, actor)
                    .ok()
                    .map(|d| d.id)
            }),
            Step::UndoLast => {
                if let Some((id, prior)) = history.pop() {
                    engine
                        .undo(&id, actor)
                        .expect("the latest reviewer decision can be undone");
                    // An undone split no longer keeps its parts apart.
                    splits.retain(|(d, _)| *d != id);
                    let after = snapshot(&engine);
                    prop_assert_eq!(
                        &after.groups,
                        &prior.groups,
                        "undo of {} restores the groups",
                        id
                    );
                    prop_assert_eq!(
                        &after.clusters,
                        &prior.clusters,
                        "undo of {} restores the clusters",
                        id
                    );
                }
                None
            }
            Step::Ingest { n } => {
                let body = format!(
                    "{{\"id\":\"new-{n}\",\"body\":\"csv export times out again for report {n}\"}}"
                );
                let items = parse_body(body.as_bytes(), Format::Ndjson).expect("a ticket");
                engine
                    .ingest(items, IngestPolicy::SkipInvalid)
                    .expect("ingest");
                None
            }
            Step::Recluster => {
                engine.recluster_now(&mut |_| {}).expect("recluster");
                let after = snapshot(&engine);
                for (g, (_, _, _, _, members)) in &before.groups {
                    for (t, origin) in members {
                        if origin == "reviewer" {
                            prop_assert_eq!(
                                after
                                    .groups
                                    .get(g)
                                    .and_then(|x| x.4.get(t))
                                    .map(String::as_str),
                                Some("reviewer"),
                                "re-cluster took {} out of {}",
                                t,
                                g
                            );
                        }
                    }
                }
                for (_, parts) in &splits {
                    for members in after.clusters.values() {
                        let touched = parts.iter().filter(|p| !p.is_disjoint(members)).count();
                        prop_assert!(touched < 2, "a candidate holds two parts of one split");
                    }
                }
                // Decisions before a re-cluster are not undone here: the
                // re-cluster's engine attachments build on them.
                history.clear();
                None
            }
        };
        if let Some(id) = decided {
            history.push((id, before));
        }
        check_one_group_per_ticket(&snapshot(&engine))?;
    }
    engine.close().expect("close");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn review_steps_keep_their_invariants(steps in proptest::collection::vec(step(), 1..14)) {
        run(&steps)?;
    }
}
