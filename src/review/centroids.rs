//! Groups as centroids: the one representation that the engine's automatic
//! attach and suggest-group both score against.
//!
//! Each group is the L2-normalised sum of its members' TF-IDF rows, kept as
//! an inverted list term → (group, weight), so scoring a ticket touches only
//! the groups that share one of its terms: one pass over the ticket's terms,
//! no matter how many groups there are.

use std::collections::{BTreeMap, HashMap};

use super::Space;

/// Group centroids by term.
#[derive(Debug, Default)]
pub struct CentroidIndex {
    by_term: HashMap<u32, Vec<(u32, f32)>>,
    groups: usize,
}

impl CentroidIndex {
    /// The centroids of `members[g]` (rows of `space`) for each group g.
    pub fn build(space: &Space, members: &[&[u32]]) -> CentroidIndex {
        let mut by_term: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
        for (g, rows) in members.iter().enumerate() {
            let mut sum: BTreeMap<u32, f32> = BTreeMap::new();
            for &r in rows.iter() {
                let (t, v) = space.corpus.matrix.row(r as usize);
                for (t, v) in t.iter().zip(v) {
                    *sum.entry(*t).or_default() += v;
                }
            }
            let norm = sum.values().map(|v| v * v).sum::<f32>().sqrt().max(1e-9);
            for (t, v) in sum {
                by_term.entry(t).or_default().push((g as u32, v / norm));
            }
        }
        CentroidIndex {
            by_term,
            groups: members.len(),
        }
    }

    pub fn groups(&self) -> usize {
        self.groups
    }

    /// Cosine of an L2-normalised row to every group, into `scores` (one
    /// slot per group, overwritten).
    pub fn score(&self, terms: &[u32], values: &[f32], scores: &mut [f32]) {
        scores.iter_mut().for_each(|s| *s = 0.0);
        for (t, v) in terms.iter().zip(values) {
            if let Some(list) = self.by_term.get(t) {
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
            .and_then(|list| list.iter().find(|(h, _)| *h as usize == g))
            .map_or(0.0, |&(_, w)| w)
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
        let (terms, values) = space.corpus.matrix.row(row("t3") as usize);
        let mut scores = vec![0.0; index.groups()];
        index.score(terms, values, &mut scores);
        let (best, top, second) = best_two(&scores).expect("two groups");
        assert_eq!(best, 0);
        assert!(top > 0.5 && second < 0.1, "{scores:?}");
        assert!(index.weight(terms[0], 0) > 0.0 || index.weight(terms[0], 1) > 0.0);
        assert_eq!(best_two(&[]), None);
    }
}
