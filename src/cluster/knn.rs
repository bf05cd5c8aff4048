//! Approximate k-nearest-neighbour graph over sparse TF-IDF rows, without
//! any step over all pairs.
//!
//! Each ticket is indexed under its `query_terms` heaviest terms (terms in
//! more than `max_index_df_ratio` of tickets are skipped: they would link
//! everything). A ticket's candidates are the tickets sharing those terms;
//! partial dot products over them pick the most promising, which are then
//! scored exactly. Posting lists longer than the budget allows keep their
//! heaviest entries, so the cost is about `n × query_terms × cap`: linear in
//! the number of tickets. Runs in parallel over tickets (rayon); the result
//! does not depend on the thread count.

use rayon::prelude::*;

use super::params::ValidClusterParams;
use crate::vectors::{CsrMatrix, Vocabulary};

/// Each ticket's neighbours: (ticket index, cosine), most similar first.
pub type Neighbors = Vec<Vec<(u32, f32)>>;

/// Posting lists are never capped below this, however large the corpus.
const MIN_POSTINGS: usize = 100;

/// Candidates scored exactly per ticket, as a multiple of `k`.
const RERANK_FACTOR: usize = 4;

/// Builds the kNN lists.
pub fn knn(matrix: &CsrMatrix, vocab: &Vocabulary, params: &ValidClusterParams) -> Neighbors {
    let n = matrix.rows();
    if n == 0 {
        return Vec::new();
    }
    let max_df = ((params.max_index_df_ratio * n as f32) as u32).max(2);
    let indexable: Vec<bool> = vocab.df.iter().map(|&df| df <= max_df).collect();
    let m = params.query_terms;
    // Each ticket's heaviest indexable terms.
    let queries: Vec<Vec<(u32, f32)>> = (0..n)
        .into_par_iter()
        .with_min_len(1024)
        .map(|d| {
            let (ids, values) = matrix.row(d);
            let mut terms: Vec<(u32, f32)> = ids
                .iter()
                .zip(values)
                .filter(|(t, _)| indexable[**t as usize])
                .map(|(t, v)| (*t, *v))
                .collect();
            terms.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            terms.truncate(m);
            terms
        })
        .collect();
    let cap = ((params.candidate_budget / (n as u64 * m as u64)) as usize).max(MIN_POSTINGS);
    let postings = Postings::build(&queries, vocab.len(), cap);
    let k = params.neighbors;
    let rerank = k * RERANK_FACTOR;
    (0..n)
        .into_par_iter()
        .with_min_len(256)
        .map_init(
            || Scratch::new(n, vocab.len()),
            |scratch, d| {
                neighbours_of(
                    d as u32,
                    &queries[d],
                    matrix,
                    &postings,
                    scratch,
                    k,
                    rerank,
                    params.min_similarity,
                )
            },
        )
        .collect()
}

/// Term → (ticket, weight), heaviest first, capped.
struct Postings {
    indptr: Vec<usize>,
    docs: Vec<u32>,
    weights: Vec<f32>,
}

impl Postings {
    fn build(queries: &[Vec<(u32, f32)>], terms: usize, cap: usize) -> Postings {
        let mut lists: Vec<Vec<(u32, f32)>> = vec![Vec::new(); terms];
        for (d, q) in queries.iter().enumerate() {
            for &(t, w) in q {
                lists[t as usize].push((d as u32, w));
            }
        }
        lists.par_iter_mut().for_each(|list| {
            if list.len() > cap {
                list.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                list.truncate(cap);
                list.shrink_to_fit();
            }
        });
        let mut p = Postings {
            indptr: Vec::with_capacity(terms + 1),
            docs: Vec::new(),
            weights: Vec::new(),
        };
        p.indptr.push(0);
        for list in lists {
            for (d, w) in list {
                p.docs.push(d);
                p.weights.push(w);
            }
            p.indptr.push(p.docs.len());
        }
        p
    }

    fn list(&self, term: u32) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[term as usize], self.indptr[term as usize + 1]);
        (&self.docs[a..b], &self.weights[a..b])
    }
}

/// Per-thread buffers, reused across tickets.
struct Scratch {
    partial: Vec<f32>,
    touched: Vec<u32>,
    dense_query: Vec<f32>,
}

impl Scratch {
    fn new(n: usize, terms: usize) -> Self {
        Scratch {
            partial: vec![0.0; n],
            touched: Vec::new(),
            dense_query: vec![0.0; terms],
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn neighbours_of(
    d: u32,
    query: &[(u32, f32)],
    matrix: &CsrMatrix,
    postings: &Postings,
    s: &mut Scratch,
    k: usize,
    rerank: usize,
    min_similarity: f32,
) -> Vec<(u32, f32)> {
    for &(t, w) in query {
        let (docs, weights) = postings.list(t);
        for (&other, &w2) in docs.iter().zip(weights) {
            if other == d {
                continue;
            }
            let slot = &mut s.partial[other as usize];
            if *slot == 0.0 {
                s.touched.push(other);
            }
            *slot += w * w2;
        }
    }
    let mut candidates: Vec<(u32, f32)> = s
        .touched
        .iter()
        .map(|&o| (o, s.partial[o as usize]))
        .collect();
    for &o in &s.touched {
        s.partial[o as usize] = 0.0;
    }
    s.touched.clear();
    let by_score = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if candidates.len() > rerank {
        candidates.select_nth_unstable_by(rerank, by_score);
        candidates.truncate(rerank);
    }
    let (ids, values) = matrix.row(d as usize);
    for (&t, &v) in ids.iter().zip(values) {
        s.dense_query[t as usize] = v;
    }
    let mut scored: Vec<(u32, f32)> = candidates
        .into_iter()
        .map(|(o, _)| {
            let (oi, ov) = matrix.row(o as usize);
            let sim: f32 = oi
                .iter()
                .zip(ov)
                .map(|(&t, &v)| s.dense_query[t as usize] * v)
                .sum();
            (o, sim)
        })
        .filter(|(_, sim)| *sim >= min_similarity)
        .collect();
    for &t in ids {
        s.dense_query[t as usize] = 0.0;
    }
    scored.sort_unstable_by(by_score);
    scored.truncate(k);
    // Collected in place from the candidates, it would keep their capacity.
    scored.shrink_to_fit();
    scored
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analyzer;
    use crate::cluster::ClusterParams;
    use crate::vectors::{CorpusBuilder, DocText, TicketKey, VectorParams};

    fn corpus(texts: &[&str]) -> crate::vectors::Corpus {
        let mut b = CorpusBuilder::new(Analyzer::default(), 2.0);
        b.add(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| DocText {
                    key: TicketKey {
                        id: i.to_string(),
                        source: "s".into(),
                        created_ns: 0,
                    },
                    title: String::new(),
                    body: t.to_string(),
                    notes: String::new(),
                })
                .collect(),
        );
        b.finish(&VectorParams {
            min_df: 1,
            max_df_ratio: 1.0,
            ..VectorParams::default()
        })
    }

    #[test]
    fn neighbours_are_the_most_similar_tickets_exactly_scored() {
        let c = corpus(&[
            "login page loops forever",
            "login page loops again",
            "invoice pdf is blank",
            "blank invoice pdf",
            "login loops",
        ]);
        let params = ClusterParams {
            neighbors: 2,
            min_similarity: 0.0,
            max_index_df_ratio: 1.0,
            ..ClusterParams::default()
        }
        .check()
        .expect("valid");
        let g = knn(&c.matrix, &c.vocab, &params);
        let first: Vec<u32> = g[0].iter().map(|(o, _)| *o).collect();
        assert_eq!(first, [1, 4]);
        assert_eq!(g[2][0].0, 3);
        for (d, list) in g.iter().enumerate() {
            for &(o, sim) in list {
                assert!((sim - c.matrix.dot_rows(d, o as usize)).abs() < 1e-5);
                assert_ne!(o as usize, d, "no ticket is its own neighbour");
            }
        }
    }
}
