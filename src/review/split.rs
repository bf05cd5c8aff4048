//! Proposed splits: k-means (linfa-clustering) over a cluster's members, on
//! a dense matrix of the cluster's own vocabulary — dense is right at that
//! size, and the members' shared terms are what can tell its symptoms
//! apart. k is given, or chosen from 2..=8 by the silhouette score. Seeded:
//! the same request proposes the same parts. It proposes; a reviewer
//! disposes (a replay that accepted such parts blindly confirmed 10 of 77
//! labels), so the API can answer a proposal without saving it.

use std::collections::HashMap;

use linfa::DatasetBase;
use linfa::metrics::SilhouetteScore;
use linfa::prelude::*;
use linfa_clustering::KMeans;
use ndarray::Array2;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

use super::Space;

/// Most terms in a cluster's own vocabulary (the most frequent among its
/// members): enough to separate symptoms, small enough to stay dense.
const MAX_TERMS: usize = 300;
/// Members the silhouette is computed over, at most (it is quadratic).
const SILHOUETTE_SAMPLE: usize = 400;
/// k tried when none is given.
pub const AUTO_K: std::ops::RangeInclusive<usize> = 2..=8;

/// A proposal: parts as row lists, its k and silhouette.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub parts: Vec<Vec<u32>>,
    pub k: usize,
    pub silhouette: f64,
}

/// The members' rows over their own vocabulary, each row L2-normalised.
fn matrix(space: &Space, rows: &[u32]) -> Array2<f64> {
    let mut df: HashMap<u32, usize> = HashMap::new();
    for &r in rows {
        for t in space.corpus.matrix.row(r as usize).ids() {
            *df.entry(t).or_default() += 1;
        }
    }
    let mut terms: Vec<(u32, usize)> = df.into_iter().filter(|&(_, n)| n >= 2).collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    terms.truncate(MAX_TERMS);
    let column: HashMap<u32, usize> = terms
        .iter()
        .enumerate()
        .map(|(i, &(t, _))| (t, i))
        .collect();
    let mut x = Array2::<f64>::zeros((rows.len(), column.len().max(1)));
    for (i, &r) in rows.iter().enumerate() {
        for (t, v) in space.corpus.matrix.row(r as usize).iter() {
            if let Some(&j) = column.get(&t) {
                x[[i, j]] = f64::from(v);
            }
        }
        let norm = x.row(i).dot(&x.row(i)).sqrt();
        if norm > 0.0 {
            x.row_mut(i).mapv_inplace(|v| v / norm);
        }
    }
    x
}

/// Proposes a split of the members at `rows` into `k` parts, or into the
/// k in [`AUTO_K`] with the best silhouette.
///
/// # Errors
/// Too few members to split, or k-means failed (a sentence for a person).
pub fn propose(
    space: &Space,
    rows: &[u32],
    k: Option<usize>,
    seed: u64,
) -> Result<Proposal, String> {
    if rows.len() < 4 {
        return Err(format!(
            "the cluster has {} undecided tickets; an automatic split needs at least 4",
            rows.len()
        ));
    }
    let x = matrix(space, rows);
    let candidates: Vec<usize> = match k {
        Some(k) if k >= 2 && k < rows.len() => vec![k],
        Some(k) => {
            return Err(format!(
                "auto: {k} parts cannot be made from {} tickets; give a k from 2 to {}",
                rows.len(),
                rows.len() - 1
            ));
        }
        None => AUTO_K.filter(|&k| k < rows.len()).collect(),
    };
    let sample = rows.len().min(SILHOUETTE_SAMPLE);
    let mut best: Option<Proposal> = None;
    for k in candidates {
        let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
            .n_runs(4)
            .max_n_iterations(200)
            .tolerance(1e-5)
            .fit(&DatasetBase::from(x.clone()))
            .map_err(|e| format!("k-means with k = {k} failed: {e}"))?;
        let labels = model.predict(&x);
        let scored = DatasetBase::new(
            x.slice(ndarray::s![..sample, ..]).to_owned(),
            labels.slice(ndarray::s![..sample]).to_owned(),
        );
        let silhouette = scored.silhouette_score().unwrap_or(-1.0);
        let mut parts: Vec<Vec<u32>> = vec![Vec::new(); k];
        for (i, &label) in labels.iter().enumerate() {
            parts[label].push(rows[i]);
        }
        parts.retain(|p| !p.is_empty());
        parts.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
        if parts.len() >= 2 && best.as_ref().is_none_or(|b| silhouette > b.silhouette) {
            best = Some(Proposal {
                parts,
                k,
                silhouette,
            });
        }
    }
    best.ok_or_else(|| {
        "k-means found no split: the members are alike; confirm the cluster, or split it by hand"
            .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::VectorParams;

    fn space(texts: &[&str]) -> Space {
        super::super::space_of(texts, &VectorParams::default())
    }

    #[test]
    fn two_symptoms_in_one_cluster_come_apart_the_same_way_twice() {
        let mut texts = Vec::new();
        for i in 0..10 {
            texts.push(if i % 2 == 0 {
                "card payment declined at the shop"
            } else {
                "card payment declined online again"
            });
            texts.push(if i % 2 == 0 {
                "refund not showing in my account"
            } else {
                "refund still not showing up"
            });
        }
        let space = space(&texts);
        let rows: Vec<u32> = (0..space.len() as u32).collect();
        let a = propose(&space, &rows, None, 42).expect("a proposal");
        let b = propose(&space, &rows, None, 42).expect("a proposal");
        assert_eq!(a.parts, b.parts, "seeded");
        let id = |r: &u32| {
            space
                .corpus
                .keys
                .id(*r as usize)
                .trim_start_matches('t')
                .parse::<usize>()
                .expect("n")
        };
        for part in &a.parts {
            let kinds: std::collections::HashSet<usize> = part.iter().map(|r| id(r) % 2).collect();
            assert_eq!(kinds.len(), 1, "a part mixes the symptoms: {a:?}");
        }
        assert!(propose(&space, &rows[..3], None, 42).is_err());
        assert!(propose(&space, &rows, Some(40), 42).is_err());
    }
}
