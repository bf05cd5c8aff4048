//! Attaching undecided tickets to confirmed groups.
//!
//! One logistic regression per group over TF-IDF rows: positives are the
//! group's members, negatives the members of the other groups, the parts
//! split away from it, and a seeded sample of the undecided tickets (the
//! background a new symptom hides in). A ticket is attached to its best
//! group only when that group's probability is at least `threshold` (0.7:
//! in replays on Banking77 this kept groups ≥ .95 pure) and no other group
//! comes close. Measured against nearest centroid, kNN vote and label
//! propagation, this attached the most at equal purity (EVIDENCE.md).
//!
//! Cost: training is a few epochs of SGD over at most a few hundred rows
//! per group; scoring walks each undecided row's terms through an inverted
//! list of the models' weights, so it grows with the rows times their
//! terms, not with the groups.

use std::collections::HashMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::Space;

/// Settings of the attach step.
#[derive(Debug, Clone, Copy)]
pub struct AttachParams {
    /// Least probability to attach (calibrated: 0.7).
    pub threshold: f32,
    /// The runner-up group must stay below this.
    pub runner_up_below: f32,
    /// Members per group used for training, at most.
    pub max_positives: usize,
    /// Negatives per group, at most (other groups, split-away parts).
    pub max_negatives: usize,
    /// Undecided tickets sampled as background negatives.
    pub background: usize,
    /// Background negatives per positive, at most.
    pub background_per_positive: usize,
    pub epochs: usize,
    /// L2 strength (1 / (C · n)), with C = 10 as in the replays.
    pub c: f32,
    pub seed: u64,
}

impl Default for AttachParams {
    fn default() -> Self {
        AttachParams {
            threshold: 0.7,
            runner_up_below: 0.5,
            max_positives: 200,
            max_negatives: 400,
            background: 2_000,
            background_per_positive: 20,
            epochs: 8,
            c: 10.0,
            seed: 7,
        }
    }
}

/// What the models learn from: each group's member rows, and rows the
/// group must not take (parts split away from its members).
pub struct Evidence<'a> {
    pub space: &'a Space,
    /// Group key → its members' rows.
    pub members: &'a [(String, Vec<u32>)],
    /// Group key → rows it must never take (split away from it).
    pub excluded: &'a HashMap<String, Vec<u32>>,
    /// Rows that may be attached (undecided tickets).
    pub candidates: &'a [u32],
}

/// A trained model: sparse weights and a bias.
struct Model {
    weights: HashMap<u32, f32>,
    bias: f32,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn sample(rows: &[u32], n: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<u32> {
    if rows.len() <= n {
        return rows.to_vec();
    }
    let mut picked = rows.to_vec();
    picked.shuffle(rng);
    picked.truncate(n);
    picked
}

fn train(
    space: &Space,
    positives: &[u32],
    negatives: &[u32],
    p: &AttachParams,
    rng: &mut Xoshiro256PlusPlus,
) -> Model {
    let mut examples: Vec<(u32, f32)> = positives
        .iter()
        .map(|&r| (r, 1.0))
        .chain(negatives.iter().map(|&r| (r, 0.0)))
        .collect();
    let n = examples.len().max(1) as f32;
    let lambda = 1.0 / (p.c * n);
    let mut model = Model {
        weights: HashMap::new(),
        bias: 0.0,
    };
    for epoch in 0..p.epochs {
        examples.shuffle(rng);
        let rate = 0.5 / (1.0 + epoch as f32);
        for &(row, y) in &examples {
            let (terms, values) = space.corpus.matrix.row(row as usize);
            let z: f32 = model.bias
                + terms
                    .iter()
                    .zip(values)
                    .map(|(t, v)| model.weights.get(t).copied().unwrap_or(0.0) * v)
                    .sum::<f32>();
            let g = sigmoid(z) - y;
            model.bias -= rate * g;
            for (t, v) in terms.iter().zip(values) {
                let w = model.weights.entry(*t).or_insert(0.0);
                *w -= rate * (g * v + lambda * *w);
            }
        }
    }
    model
}

/// Plans attachments: for each candidate row whose best group clears the
/// threshold, (row, group index, probability). Deterministic for the same
/// evidence and seed.
pub fn plan(evidence: &Evidence<'_>, p: &AttachParams) -> Vec<(u32, usize, f32)> {
    let groups = evidence.members.len();
    if groups == 0 || evidence.candidates.is_empty() {
        return Vec::new();
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(p.seed);
    let background = sample(evidence.candidates, p.background, &mut rng);
    let mut models = Vec::with_capacity(groups);
    for (g, (key, rows)) in evidence.members.iter().enumerate() {
        let positives = sample(rows, p.max_positives, &mut rng);
        let others: Vec<u32> = evidence
            .members
            .iter()
            .enumerate()
            .filter(|(o, _)| *o != g)
            .flat_map(|(_, (_, r))| r.iter().copied().take(p.max_positives / 4 + 1))
            .collect();
        let mut negatives = sample(&others, p.max_negatives, &mut rng);
        if let Some(away) = evidence.excluded.get(key) {
            negatives.extend(sample(away, p.max_negatives / 2, &mut rng));
        }
        let keep = (positives.len() * p.background_per_positive).min(background.len());
        negatives.extend(background.iter().take(keep).copied());
        models.push(train(evidence.space, &positives, &negatives, p, &mut rng));
    }
    // Inverted weights: term → (group, weight).
    let mut by_term: HashMap<u32, Vec<(usize, f32)>> = HashMap::new();
    for (g, m) in models.iter().enumerate() {
        for (&t, &w) in &m.weights {
            if w != 0.0 {
                by_term.entry(t).or_default().push((g, w));
            }
        }
    }
    let excluded: Vec<std::collections::HashSet<u32>> = evidence
        .members
        .iter()
        .map(|(key, _)| {
            evidence
                .excluded
                .get(key)
                .map(|r| r.iter().copied().collect())
                .unwrap_or_default()
        })
        .collect();
    let mut out = Vec::new();
    let mut z = vec![0.0f32; groups];
    for &row in evidence.candidates {
        z.iter_mut().zip(&models).for_each(|(z, m)| *z = m.bias);
        let (terms, values) = evidence.space.corpus.matrix.row(row as usize);
        if terms.is_empty() {
            continue;
        }
        for (t, v) in terms.iter().zip(values) {
            if let Some(list) = by_term.get(t) {
                for &(g, w) in list {
                    z[g] += w * v;
                }
            }
        }
        let mut best = (usize::MAX, 0.0f32);
        let mut second = 0.0f32;
        for (g, &zg) in z.iter().enumerate() {
            if excluded[g].contains(&row) {
                continue;
            }
            let p = sigmoid(zg);
            if p > best.1 {
                second = best.1;
                best = (g, p);
            } else if p > second {
                second = p;
            }
        }
        if best.0 != usize::MAX && best.1 >= p.threshold && second < p.runner_up_below {
            out.push((row, best.0, best.1));
        }
    }
    out
}

/// Attaches undecided tickets of `space` to the groups the store holds,
/// as one engine decision. Returns how many were attached.
///
/// # Errors
/// Store errors; nothing is then attached.
pub fn attach_undecided(
    store: &crate::store::Store,
    space: &Space,
    p: &AttachParams,
) -> Result<usize, crate::store::StoreError> {
    use crate::model::{DecisionKind, ENGINE_ACTOR, GroupId, TicketId};
    let memberships = store.memberships()?;
    if memberships.is_empty() {
        return Ok(0);
    }
    let mut group_rows: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    let mut grouped = std::collections::HashSet::new();
    let mut group_of: HashMap<String, String> = HashMap::new();
    for (ticket, group, origin) in &memberships {
        grouped.insert(ticket.as_str());
        group_of.insert(ticket.clone(), group.to_string());
        // Models learn from reviewers only: an automatic member teaching
        // the next attach would let one mistake grow.
        if *origin == crate::model::MemberOrigin::Reviewer
            && let Some(row) = space.row(ticket)
        {
            group_rows.entry(group.to_string()).or_default().push(row);
        }
    }
    // Parts split away from a group's members: same split, another part.
    let parts = store.split_parts()?;
    let mut by_split: HashMap<&str, Vec<(&str, u32)>> = HashMap::new();
    for (ticket, split, part) in &parts {
        by_split
            .entry(split.as_str())
            .or_default()
            .push((ticket.as_str(), *part));
    }
    let mut excluded: HashMap<String, Vec<u32>> = HashMap::new();
    for tickets in by_split.values() {
        let mut parts_of_group: HashMap<&str, std::collections::HashSet<u32>> = HashMap::new();
        for (t, part) in tickets {
            if let Some(g) = group_of.get(*t) {
                parts_of_group.entry(g.as_str()).or_default().insert(*part);
            }
        }
        for (g, own) in parts_of_group {
            let away = excluded.entry(g.to_string()).or_default();
            away.extend(
                tickets
                    .iter()
                    .filter(|(_, part)| !own.contains(part))
                    .filter_map(|(t, _)| space.row(t)),
            );
        }
    }
    let members: Vec<(String, Vec<u32>)> = group_rows.into_iter().collect();
    let candidates: Vec<u32> = (0..space.len() as u32)
        .filter(|&r| !grouped.contains(space.corpus.keys[r as usize].id.as_str()))
        .collect();
    let planned = plan(
        &Evidence {
            space,
            members: &members,
            excluded: &excluded,
            candidates: &candidates,
        },
        p,
    );
    let assignments: Vec<(TicketId, GroupId, f32)> = planned
        .into_iter()
        .filter_map(|(row, g, prob)| {
            let ticket = TicketId::parse(space.corpus.keys[row as usize].id.as_str()).ok()?;
            let group = GroupId::parse(members[g].0.as_str()).ok()?;
            Some((ticket, group, prob))
        })
        .collect();
    let decided = store.attach_automatic(
        &assignments,
        crate::store::NewDecision {
            kind: DecisionKind::Attach,
            actor: ENGINE_ACTOR,
            at: time::OffsetDateTime::now_utc(),
            cluster: None,
            detail: serde_json::json!({"threshold": p.threshold, "model": "logistic per group"}),
        },
    )?;
    Ok(decided.map_or(0, |(_, n)| n))
}
