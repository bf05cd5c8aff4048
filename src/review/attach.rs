//! Attaching undecided tickets to confirmed groups.
//!
//! A multinomial logistic regression over TF-IDF rows: one class per group
//! (its reviewer-placed members), and one background class (a seeded sample
//! of the undecided tickets, where new symptoms hide, and the parts split
//! away from groups). A ticket is attached to a group only when that group
//! is its most likely class at probability ≥ `threshold` (0.7: in replays
//! on Banking77 this kept groups ≥ .95 pure). Measured against nearest
//! centroid, kNN vote and label propagation, logistic regression attached
//! the most at equal purity (EVIDENCE.md); the background class keeps an
//! early review, with few groups, from pulling everything into them.
//!
//! Cost: a few epochs of SGD over at most a few hundred rows per group;
//! scoring is one pass over each undecided row's terms, each term holding
//! one weight per class.

use std::collections::{BTreeMap, HashMap};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::Space;

/// Settings of the attach step.
#[derive(Debug, Clone, Copy)]
pub struct AttachParams {
    /// Least probability to attach (calibrated: 0.7).
    pub threshold: f32,
    /// Members per group used for training, at most.
    pub max_positives: usize,
    /// Rows of each split-away part used as background, at most.
    pub max_negatives: usize,
    /// Undecided tickets sampled as background negatives.
    pub background: usize,
    /// Background negatives per positive, at most.
    pub background_per_positive: usize,
    /// Least cosine between a ticket and its group's centroid (the mean of
    /// the reviewer-placed members): the model only chooses among groups,
    /// this says the ticket is near one at all.
    pub min_cosine: f32,
    pub epochs: usize,
    /// SGD step at the first epoch (it decays slowly after).
    pub learning_rate: f32,
    /// L2 strength (1 / (C · n)), with C = 10 as in the replays.
    pub c: f32,
    pub seed: u64,
}

impl AttachParams {
    /// After a reviewer's decision, while groups are still few: only what
    /// is clearly one of them.
    pub fn after_decision() -> Self {
        AttachParams {
            threshold: 0.7,
            min_cosine: 0.3,
            ..AttachParams::default()
        }
    }

    /// In a re-cluster, with every group the reviewers made.
    pub fn in_recluster() -> Self {
        AttachParams {
            threshold: 0.5,
            min_cosine: 0.25,
            ..AttachParams::default()
        }
    }
}

impl Default for AttachParams {
    fn default() -> Self {
        AttachParams {
            threshold: 0.7,
            max_positives: 200,
            max_negatives: 400,
            background: 2_000,
            background_per_positive: 0,
            min_cosine: 0.3,
            epochs: 60,
            learning_rate: 5.0,
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
    pub excluded: &'a BTreeMap<String, Vec<u32>>,
    /// Rows that may be attached (undecided tickets).
    pub candidates: &'a [u32],
}

/// A multinomial logistic model over the groups and one background class
/// (the undecided tickets and the parts split away): per term, one weight
/// per class.
struct Model {
    classes: usize,
    weights: HashMap<u32, Vec<f32>>,
    bias: Vec<f32>,
}

impl Model {
    /// Class probabilities of one row (softmax), into `out`.
    fn predict(&self, terms: &[u32], values: &[f32], out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        for (t, v) in terms.iter().zip(values) {
            if let Some(w) = self.weights.get(t) {
                out.iter_mut().zip(w).for_each(|(o, w)| *o += w * v);
            }
        }
        let max = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for o in out.iter_mut() {
            *o = (*o - max).exp();
            sum += *o;
        }
        out.iter_mut().for_each(|o| *o /= sum);
    }
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

/// SGD on the softmax cross-entropy with L2 (`1 / (C · n)`).
fn train(
    space: &Space,
    examples: &mut [(u32, usize)],
    classes: usize,
    p: &AttachParams,
    rng: &mut Xoshiro256PlusPlus,
) -> Model {
    let lambda = 1.0 / (p.c * examples.len().max(1) as f32);
    let mut model = Model {
        classes,
        weights: HashMap::new(),
        bias: vec![0.0; classes],
    };
    let mut prob = vec![0.0f32; classes];
    for epoch in 0..p.epochs {
        examples.shuffle(rng);
        let rate = p.learning_rate / (1.0 + 0.1 * epoch as f32);
        for &(row, class) in examples.iter() {
            let (terms, values) = space.corpus.matrix.row(row as usize);
            model.predict(terms, values, &mut prob);
            prob[class] -= 1.0; // the gradient of the loss at the logits
            for (b, g) in model.bias.iter_mut().zip(&prob) {
                *b -= rate * g;
            }
            for (t, v) in terms.iter().zip(values) {
                let w = model
                    .weights
                    .entry(*t)
                    .or_insert_with(|| vec![0.0; classes]);
                for (w, g) in w.iter_mut().zip(&prob) {
                    *w -= rate * (g * v + lambda * *w);
                }
            }
        }
    }
    model
}

/// Plans attachments: for each candidate row whose most likely class is a
/// group at probability ≥ `threshold`, (row, group index, probability).
/// Deterministic for the same evidence and seed.
pub fn plan(evidence: &Evidence<'_>, p: &AttachParams) -> Vec<(u32, usize, f32)> {
    let groups = evidence.members.len();
    if groups == 0 || evidence.candidates.is_empty() {
        return Vec::new();
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(p.seed);
    let background_class = groups;
    let mut examples: Vec<(u32, usize)> = Vec::new();
    let mut positives = 0;
    for (g, (_, rows)) in evidence.members.iter().enumerate() {
        let picked = sample(rows, p.max_positives, &mut rng);
        positives += picked.len();
        examples.extend(picked.into_iter().map(|r| (r, g)));
    }
    let background = sample(
        evidence.candidates,
        (positives * p.background_per_positive).min(p.background),
        &mut rng,
    );
    examples.extend(background.into_iter().map(|r| (r, background_class)));
    for away in evidence.excluded.values() {
        examples.extend(
            sample(away, p.max_negatives, &mut rng)
                .into_iter()
                .map(|r| (r, background_class)),
        );
    }
    let model = train(evidence.space, &mut examples, groups + 1, p, &mut rng);
    let centroids: Vec<BTreeMap<u32, f32>> = evidence
        .members
        .iter()
        .map(|(_, rows)| {
            let mut sum: BTreeMap<u32, f32> = BTreeMap::new();
            for &r in rows {
                let (t, v) = evidence.space.corpus.matrix.row(r as usize);
                for (t, v) in t.iter().zip(v) {
                    *sum.entry(*t).or_default() += v;
                }
            }
            let norm = sum.values().map(|v| v * v).sum::<f32>().sqrt().max(1e-9);
            sum.values_mut().for_each(|v| *v /= norm);
            sum
        })
        .collect();
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
    let mut prob = vec![0.0f32; model.classes];
    for &row in evidence.candidates {
        let (terms, values) = evidence.space.corpus.matrix.row(row as usize);
        if terms.is_empty() {
            continue;
        }
        model.predict(terms, values, &mut prob);
        let (best, &pb) = prob
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .expect("at least two classes");
        let near = || {
            terms
                .iter()
                .zip(values)
                .map(|(t, v)| centroids[best].get(t).copied().unwrap_or(0.0) * v)
                .sum::<f32>()
                >= p.min_cosine
        };
        if best < groups && pb >= p.threshold && !excluded[best].contains(&row) && near() {
            out.push((row, best, pb));
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
    revise: bool,
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
        // With `revise`, automatic members are candidates again.
        if !(revise && *origin == crate::model::MemberOrigin::Automatic) {
            grouped.insert(ticket.as_str());
        }
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
    let mut by_split: BTreeMap<&str, Vec<(&str, u32)>> = BTreeMap::new();
    for (ticket, split, part) in &parts {
        by_split
            .entry(split.as_str())
            .or_default()
            .push((ticket.as_str(), *part));
    }
    let mut excluded: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for tickets in by_split.values() {
        let mut parts_of_group: BTreeMap<&str, std::collections::BTreeSet<u32>> = BTreeMap::new();
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
        revise,
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
