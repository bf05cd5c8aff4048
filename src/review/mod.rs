//! What reviewers' decisions teach the engine: the vector space of the
//! last re-cluster, and per-group linear models that attach undecided
//! tickets to a group only above a calibrated probability.
//!
//! Decisions themselves are recorded by the store (`store/review.rs`) and
//! driven by the engine (`engine/review.rs`); this module holds the
//! learning, which knows neither.

pub mod attach;
pub mod split;

use std::collections::HashMap;

use crate::vectors::Corpus;

/// The TF-IDF rows of every ticket the last re-cluster read, by ticket id.
pub struct Space {
    pub corpus: Corpus,
    row_of: HashMap<String, u32>,
}

impl Space {
    pub fn new(corpus: Corpus) -> Space {
        let row_of = corpus
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.id.clone(), i as u32))
            .collect();
        Space { corpus, row_of }
    }

    /// The row of ticket `id`, if the space holds it.
    pub fn row(&self, id: &str) -> Option<u32> {
        self.row_of.get(id).copied()
    }

    pub fn len(&self) -> usize {
        self.corpus.len()
    }

    pub fn is_empty(&self) -> bool {
        self.corpus.is_empty()
    }
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
    Space::new(builder.finish(params))
}
