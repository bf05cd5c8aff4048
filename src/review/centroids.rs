//! Groups as centroids: the one representation that the engine's automatic
//! attach and suggest-group both score against.
//!
//! Each group starts as the L2-normalised sum of its members' TF-IDF rows,
//! then is told apart from the groups it is confused with
//! ([`CentroidIndex::learn`]): a few passes of a multiclass perceptron over
//! the members, each member that does not beat its nearest other group by a
//! margin pulling its own group toward it and pushing that rival away. The
//! weights are kept as an inverted list term → (group, weight), so scoring
//! a ticket touches only the groups that share one of its terms: one pass
//! over the ticket's terms, no matter how many groups there are.
//!
//! Why the passes: plain centroids rank a group by how typical a ticket is
//! of it, not by what sets it apart from its look-alikes ("card declined"
//! and "card not working" share most of their words). Measured through the
//! harness (`refrain_eval.py --stages cluster,review,suggest`), tuned on the
//! dev split of Banking77 train (`benches/dev_split.py`): top-1 0.711 →
//! 0.743, top-3 0.862 → 0.875 on dev; on the test split 0.726 → 0.743 and
//! 0.858 → 0.868, and with 600 decisions 0.798 → 0.850 (top-3 0.928 →
//! 0.941). Rates 0.02–0.1 and 1–10 passes all land within 0.01 of that; a
//! rate of 0.3 undoes the gain. Used by attach too, arrivals in the right
//! group after a re-cluster went 0.485 → 0.502 at the same precision.

use rustc_hash::FxHashMap;

use super::Space;

/// Passes of the perceptron over the members.
const PASSES: usize = 3;
/// Step of one correction, against unit-length rows and centroids.
const RATE: f32 = 0.05;
/// A member must beat its nearest other group by this much.
const MARGIN: f32 = 0.1;
/// Weights kept per group, the heaviest: a centroid's long tail of terms
/// that one member used once moves no ranking (256 and all of them gave
/// the same Banking77 figures) but lengthens every inverted list.
const MAX_TERMS: usize = 256;
/// Inverted-list entries the passes may read, in all. It bounds a rebuild
/// (about a quarter of a second at 10k groups: `cargo bench --bench
/// suggest`); below a few thousand groups every member is seen in every
/// pass, beyond that a shuffled share of them.
const WORK: usize = 150_000_000;

/// Group weights by term.
#[derive(Debug, Default)]
pub struct CentroidIndex {
    /// Term → (group, weight), sorted by group.
    by_term: FxHashMap<u32, Vec<(u32, f32)>>,
    groups: usize,
}

impl CentroidIndex {
    /// The weights learnt from `members[g]` (rows of `space`) for each
    /// group g: the centroids, then the perceptron passes, then each
    /// group's heaviest weights scaled to unit length, so a score is a
    /// cosine.
    pub fn learn(space: &Space, members: &[&[u32]]) -> CentroidIndex {
        let mut index = CentroidIndex::build(space, members);
        index.tell_apart(space, members);
        index.keep_heaviest(MAX_TERMS);
        index.normalise();
        index
    }

    /// The centroids of `members[g]` (rows of `space`) for each group g,
    /// each cut to its `MAX_TERMS` heaviest terms and of unit length.
    fn build(space: &Space, members: &[&[u32]]) -> CentroidIndex {
        let mut by_term: FxHashMap<u32, Vec<(u32, f32)>> = FxHashMap::default();
        let mut sum = vec![0.0f32; space.corpus.vocab.len()];
        let mut touched: Vec<u32> = Vec::new();
        for (g, rows) in members.iter().enumerate() {
            for &r in rows.iter() {
                space.corpus.matrix.row(r as usize).for_each(|t, v| {
                    if sum[t as usize] == 0.0 {
                        touched.push(t);
                    }
                    sum[t as usize] += v;
                });
            }
            let mut weights: Vec<(f32, u32)> = touched
                .drain(..)
                .map(|t| (std::mem::take(&mut sum[t as usize]), t))
                .collect();
            heaviest(&mut weights, MAX_TERMS);
            let norm = weights
                .iter()
                .map(|(w, _)| w * w)
                .sum::<f32>()
                .sqrt()
                .max(1e-9);
            for (w, t) in weights {
                by_term.entry(t).or_default().push((g as u32, w / norm));
            }
        }
        CentroidIndex {
            by_term,
            groups: members.len(),
        }
    }

    /// The perceptron passes (see the module doc). Corrections are kept
    /// apart while the passes run (few, so short lists) and merged after.
    fn tell_apart(&mut self, space: &Space, members: &[&[u32]]) {
        if self.groups < 2 {
            return;
        }
        let mut order: Vec<(u32, u32)> = members
            .iter()
            .enumerate()
            .flat_map(|(g, rows)| rows.iter().map(move |&row| (g as u32, row)))
            .collect();
        let mut delta: FxHashMap<u32, Vec<(u32, f32)>> = FxHashMap::default();
        let mut scores = vec![0.0f32; self.groups];
        let mut touched: Vec<u32> = Vec::new();
        let mut work = 0usize;
        'passes: for pass in 0..PASSES {
            // A fixed shuffle per pass: the same members give the same weights.
            order.sort_unstable_by_key(|&(g, row)| {
                (u64::from(row) ^ ((pass as u64) << 40)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    ^ u64::from(g)
            });
            for &(g, row) in &order {
                if work > WORK {
                    break 'passes;
                }
                let terms = space.corpus.matrix.row(row as usize);
                for (t, v) in terms.iter() {
                    for list in [self.by_term.get(&t), delta.get(&t)].into_iter().flatten() {
                        work += list.len();
                        for &(h, w) in list {
                            let s = &mut scores[h as usize];
                            if *s == 0.0 {
                                touched.push(h);
                            }
                            *s += w * v;
                        }
                    }
                }
                let own = scores[g as usize];
                let mut rival: Option<(u32, f32)> = None;
                for h in touched.drain(..) {
                    let s = std::mem::take(&mut scores[h as usize]);
                    if h != g && rival.is_none_or(|(r, top)| s > top || (s == top && h < r)) {
                        rival = Some((h, s));
                    }
                }
                let Some((rival, top)) = rival else {
                    continue;
                };
                if own - top >= MARGIN {
                    continue;
                }
                for (t, v) in terms.iter() {
                    let list = delta.entry(t).or_default();
                    for (h, step) in [(g, RATE * v), (rival, -RATE * v)] {
                        match list.iter_mut().find(|e| e.0 == h) {
                            Some(e) => e.1 += step,
                            None => list.push((h, step)),
                        }
                    }
                }
            }
        }
        for (t, corrections) in delta {
            let list = self.by_term.entry(t).or_default();
            for (h, step) in corrections {
                match list.binary_search_by_key(&h, |e| e.0) {
                    Ok(i) => list[i].1 += step,
                    Err(i) => list.insert(i, (h, step)),
                }
            }
        }
    }

    /// Keeps each group's `keep` heaviest weights (by magnitude).
    fn keep_heaviest(&mut self, keep: usize) {
        let mut by_group: Vec<Vec<(f32, u32)>> = vec![Vec::new(); self.groups];
        for (&t, list) in &self.by_term {
            for &(g, w) in list {
                by_group[g as usize].push((w, t));
            }
        }
        let mut by_term: FxHashMap<u32, Vec<(u32, f32)>> = FxHashMap::default();
        for (g, mut weights) in by_group.into_iter().enumerate() {
            heaviest(&mut weights, keep);
            for (w, t) in weights {
                by_term.entry(t).or_default().push((g as u32, w));
            }
        }
        self.by_term = by_term;
    }

    /// Scales each group's weights to unit length.
    fn normalise(&mut self) {
        let mut norm = vec![0.0f32; self.groups];
        // In term order: the same weights always give the same sums.
        let mut terms: Vec<u32> = self.by_term.keys().copied().collect();
        terms.sort_unstable();
        for t in terms {
            for &(g, w) in &self.by_term[&t] {
                norm[g as usize] += w * w;
            }
        }
        for list in self.by_term.values_mut() {
            for e in list.iter_mut() {
                e.1 /= norm[e.0 as usize].sqrt().max(1e-9);
            }
        }
    }

    pub fn groups(&self) -> usize {
        self.groups
    }

    /// Cosine of an L2-normalised row to every group, into `scores` (one
    /// slot per group, overwritten).
    pub fn score(&self, row: impl IntoIterator<Item = (u32, f32)>, scores: &mut [f32]) {
        scores.iter_mut().for_each(|s| *s = 0.0);
        for (t, v) in row {
            if let Some(list) = self.by_term.get(&t) {
                for &(g, w) in list {
                    scores[g as usize] += w * v;
                }
            }
        }
    }

    /// Term `t`'s weight in group `g`'s centroid (0 when absent).
    pub fn weight(&self, t: u32, g: usize) -> f32 {
        self.by_term
            .get(&t)
            .and_then(|list| {
                let i = list.binary_search_by_key(&(g as u32), |e| e.0).ok()?;
                Some(list[i].1)
            })
            .unwrap_or(0.0)
    }
}

/// Cuts `weights` to its `keep` largest in magnitude (ties by term).
fn heaviest(weights: &mut Vec<(f32, u32)>, keep: usize) {
    if weights.len() > keep {
        weights.select_nth_unstable_by(keep, |a, b| {
            b.0.abs().total_cmp(&a.0.abs()).then(a.1.cmp(&b.1))
        });
        weights.truncate(keep);
    }
}

/// The best and the runner-up score: (best group, its score, second score).
/// `None` when there are no groups.
pub fn best_two(scores: &[f32]) -> Option<(usize, f32, f32)> {
    let mut best = (usize::MAX, f32::NEG_INFINITY);
    let mut second = 0.0f32;
    for (g, &c) in scores.iter().enumerate() {
        if c > best.1 {
            second = second.max(best.1);
            best = (g, c);
        } else if c > second {
            second = c;
        }
    }
    (best.0 != usize::MAX).then_some((best.0, best.1, second.max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::VectorParams;

    #[test]
    fn a_row_scores_highest_against_the_group_it_resembles() {
        let space = super::super::space_of(
            &[
                "card payment declined",
                "card payment declined again",
                "refund not showing",
                "card payment declined at the shop",
            ],
            &VectorParams {
                min_df: 1,
                ..VectorParams::default()
            },
        );
        let row = |id: &str| space.row(id).expect("row");
        let index = CentroidIndex::build(&space, &[&[row("t0"), row("t1")], &[row("t2")]]);
        let mut scores = vec![0.0; index.groups()];
        index.score(
            space.corpus.matrix.row(row("t3") as usize).iter(),
            &mut scores,
        );
        let (best, top, second) = best_two(&scores).expect("two groups");
        assert_eq!(best, 0);
        assert!(top > 0.5 && second < 0.1, "{scores:?}");
        let card = space.corpus.vocab.id("card").expect("kept");
        assert!(index.weight(card, 0) > 0.0 && index.weight(card, 1) == 0.0);
        assert_eq!(best_two(&[]), None);
    }

    #[test]
    fn learning_tells_a_member_apart_from_the_look_alike_group_it_resembles() {
        // The one "cherry banana" ticket belongs with the banana group, but
        // its centroid is nearer the cherry group's.
        let mut texts = vec!["apple banana"; 5];
        texts.push("cherry banana");
        texts.extend(["cherry date"; 2]);
        let space = super::super::space_of(
            &texts,
            &VectorParams {
                min_df: 1,
                ..VectorParams::default()
            },
        );
        let row = |i: usize| space.row(&format!("t{i}")).expect("row");
        let banana: Vec<u32> = (0..6).map(row).collect();
        let cherry = [row(6), row(7)];
        let scores = |index: &CentroidIndex, r: u32| {
            let mut scores = vec![0.0; index.groups()];
            index.score(space.corpus.matrix.row(r as usize).iter(), &mut scores);
            scores
        };
        let plain = CentroidIndex::build(&space, &[&banana, &cherry]);
        assert_eq!(best_two(&scores(&plain, row(5))).expect("groups").0, 1);
        let learnt = CentroidIndex::learn(&space, &[&banana, &cherry]);
        assert_eq!(best_two(&scores(&learnt, row(5))).expect("groups").0, 0);
        // Still cosines, and the groups' typical members stay theirs.
        for (r, g) in [(row(0), 0), (row(7), 1)] {
            let s = scores(&learnt, r);
            assert_eq!(best_two(&s).expect("groups").0, g, "{s:?}");
            assert!(s[g] > 0.5 && s[g] <= 1.0 + 1e-4, "{s:?}");
        }
    }
}
