//! What reviewers' decisions teach the engine: the vector space of the
//! last re-cluster, the rule that attaches undecided tickets to groups, and
//! the k-means that proposes splits.
//!
//! Decisions themselves are recorded by the store (`store/review.rs`) and
//! driven by the engine (`engine/review.rs`); this module holds the
//! learning, which knows neither.

pub mod attach;
pub mod centroids;
pub mod split;

use std::sync::OnceLock;

use rayon::prelude::*;

use crate::cluster::ValidClusterParams;
use crate::cluster::knn::{Neighbors, knn};
use crate::vectors::Corpus;

/// The TF-IDF rows of every ticket the last re-cluster read, by ticket id,
/// and their nearest neighbours.
pub struct Space {
    pub corpus: Corpus,
    /// `(hash of the ticket id, row)`, sorted: finds a row without a second
    /// copy of every id (a map of a million ids held ~100 MB).
    row_of: Vec<(u64, u32)>,
    neighbors: OnceLock<Neighbors>,
    params: ValidClusterParams,
}

impl Space {
    /// A space whose neighbours are built on first use.
    pub fn new(corpus: Corpus, params: &ValidClusterParams) -> Space {
        let keys = &corpus.keys;
        let mut row_of: Vec<(u64, u32)> = (0..keys.len())
            .into_par_iter()
            .map(|i| (id_hash(keys.id(i)), i as u32))
            .collect();
        row_of.par_sort_unstable();
        Space {
            corpus,
            row_of,
            neighbors: OnceLock::new(),
            params: params.clone(),
        }
    }

    /// A space with its kNN lists already built (by the re-cluster).
    pub fn with_neighbors(
        corpus: Corpus,
        params: &ValidClusterParams,
        neighbors: Neighbors,
    ) -> Space {
        let space = Space::new(corpus, params);
        space
            .neighbors
            .set(neighbors)
            .unwrap_or_else(|_| unreachable!("a new space has no neighbours yet"));
        space
    }

    /// How much a title word counts, as the rows were built.
    pub fn title_weight(&self) -> f32 {
        self.params.vectors.title_weight
    }

    /// Each row's nearest rows, as the clustering links them (built now if
    /// this space did not come from a re-cluster).
    pub fn neighbors(&self) -> &Neighbors {
        self.neighbors
            .get_or_init(|| knn(&self.corpus.matrix, &self.corpus.vocab, &self.params))
    }

    /// The row of ticket `id`, if the space holds it.
    pub fn row(&self, id: &str) -> Option<u32> {
        let hash = id_hash(id);
        let start = self.row_of.partition_point(|&(h, _)| h < hash);
        self.row_of[start..]
            .iter()
            .take_while(|&&(h, _)| h == hash)
            .map(|&(_, row)| row)
            .find(|&row| self.corpus.keys.id(row as usize) == id)
    }

    pub fn len(&self) -> usize {
        self.corpus.len()
    }

    pub fn is_empty(&self) -> bool {
        self.corpus.is_empty()
    }
}

/// A 64-bit hash of a ticket id: how the space finds a row, and how a
/// re-cluster matches members of two runs without a lookup per ticket.
pub(crate) fn id_hash(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    id.hash(&mut hasher);
    hasher.finish()
}

/// A space of one ticket per text (`t0`, `t1`, …), for tests.
#[cfg(test)]
pub(crate) fn space_of(texts: &[&str], params: &crate::vectors::VectorParams) -> Space {
    use crate::vectors::{CorpusBuilder, DocText, TicketKey};
    let mut builder = CorpusBuilder::new(crate::analyze::Analyzer::default(), params.title_weight);
    builder.add(
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| DocText {
                key: TicketKey {
                    id: format!("t{i}"),
                    ..TicketKey::default()
                },
                title: String::new(),
                body: t.to_string(),
                notes: String::new(),
            })
            .collect(),
    );
    let cluster = crate::cluster::ClusterParams {
        vectors: params.clone(),
        ..crate::cluster::ClusterParams::default()
    }
    .check()
    .expect("valid test params");
    Space::new(builder.finish(params), &cluster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ticket_is_found_at_its_row_and_no_other_is() {
        let texts: Vec<String> = (0..300)
            .map(|i| format!("ticket text {}", i % 17))
            .collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let space = space_of(&texts, &crate::vectors::VectorParams::default());
        for (row, id) in space.corpus.keys.ids().enumerate() {
            assert_eq!(space.row(id), Some(row as u32), "{id}");
        }
        assert_eq!(space.row("t300"), None);
        assert_eq!(space.row(""), None);
    }
}
