//! What a reviewer sees of a cluster: its distinctive terms, the tickets
//! closest to its centre, how tight it is, and when and where it occurs.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::analyze::mask::is_placeholder;
use crate::vectors::Corpus;

/// One cluster's summary, members ordered closest to the centre first.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSummary {
    /// Corpus indices, most central first.
    pub members: Vec<u32>,
    /// Cosine of each member to the centre, in `members` order.
    pub similarity: Vec<f32>,
    /// Term ids (stemmed) that set the cluster apart, most distinctive first.
    pub label_term_ids: Vec<u32>,
    /// Mean cosine of members to the centre.
    pub cohesion: f32,
    pub by_source: BTreeMap<String, usize>,
    pub first_seen_ns: i64,
    pub last_seen_ns: i64,
}

/// Summarises each cluster (in parallel).
pub fn summarize(
    corpus: &Corpus,
    clusters: &[Vec<u32>],
    label_terms: usize,
) -> Vec<ClusterSummary> {
    let terms = corpus.vocab.len();
    let n = corpus.len().max(1) as f32;
    // Mean weight of each term over all tickets: the baseline a cluster must beat.
    let mut global = vec![0.0f32; terms];
    for d in 0..corpus.len() {
        corpus
            .matrix
            .row(d)
            .for_each(|t, v| global[t as usize] += v / n);
    }
    let placeholder: Vec<bool> = corpus
        .vocab
        .terms
        .iter()
        .map(|t| is_placeholder(t))
        .collect();
    clusters
        .par_iter()
        .map_init(
            || vec![0.0f32; terms],
            |centre, members| {
                summarize_one(corpus, members, centre, &global, &placeholder, label_terms)
            },
        )
        .collect()
}

fn summarize_one(
    corpus: &Corpus,
    members: &[u32],
    centre: &mut [f32],
    global: &[f32],
    placeholder: &[bool],
    label_terms: usize,
) -> ClusterSummary {
    let size = members.len().max(1) as f32;
    let mut touched: Vec<u32> = Vec::new();
    for &d in members {
        corpus.matrix.row(d as usize).for_each(|t, v| {
            if centre[t as usize] == 0.0 {
                touched.push(t);
            }
            centre[t as usize] += v / size;
        });
    }
    let norm = touched
        .iter()
        .map(|&t| centre[t as usize].powi(2))
        .sum::<f32>()
        .sqrt();
    let mut scored: Vec<(u32, f32)> = touched
        .iter()
        .filter(|&&t| !placeholder[t as usize])
        .map(|&t| (t, centre[t as usize] - global[t as usize]))
        .filter(|(_, s)| *s > 0.0)
        .collect();
    scored.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let label_term_ids = scored.iter().take(label_terms).map(|(t, _)| *t).collect();
    let mut with_similarity: Vec<(u32, f32)> = members
        .iter()
        .map(|&d| {
            let dot = corpus.matrix.row(d as usize).dot_dense(centre);
            (d, if norm > 0.0 { dot / norm } else { 0.0 })
        })
        .collect();
    for &t in &touched {
        centre[t as usize] = 0.0;
    }
    with_similarity.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut by_source = BTreeMap::new();
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for &d in members {
        let (d, keys) = (d as usize, &corpus.keys);
        *by_source.entry(keys.source(d)).or_insert(0) += 1;
        first = first.min(keys.created_ns(d));
        last = last.max(keys.created_ns(d));
    }
    ClusterSummary {
        members: with_similarity.iter().map(|(d, _)| *d).collect(),
        similarity: with_similarity.iter().map(|(_, s)| *s).collect(),
        label_term_ids,
        // The mean cosine to the unit centre equals the mean vector's length.
        cohesion: norm,
        by_source: by_source
            .into_iter()
            .map(|(source, n)| (source.to_string(), n))
            .collect(),
        first_seen_ns: first,
        last_seen_ns: last,
    }
}
