//! TF-IDF vectors: sparse, L2-normalised, built in parallel.
//!
//! Each ticket's title, body and note fields go through the one
//! [`Analyzer`]; term counts become sublinear TF (`1 + ln tf`, the title
//! counting `title_weight` times) times smoothed IDF
//! (`ln((1 + n) / (1 + df)) + 1`). Terms in fewer than `min_df` tickets or in
//! more than `max_df_ratio` of them cannot separate symptoms and are pruned.
//!
//! Document frequencies are counted here, over the tickets being clustered,
//! rather than read from tantivy: tantivy keeps one count per field and
//! counts deleted documents, while a ticket must count once whichever of its
//! fields holds the term.

mod build;
pub mod sparse;

use std::collections::HashMap;

pub use build::{CorpusBuilder, DocText};
pub use sparse::{CsrMatrix, finish_row, l2_normalize, sparse_dot};

use crate::analyze::Analyzer;

/// What identifies a ticket in a corpus, with what summaries need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketKey {
    pub id: String,
    pub source: String,
    pub created_ns: i64,
}

/// Settings for vectorising.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VectorParams {
    /// How many times a title word counts against a body word.
    pub title_weight: f32,
    /// Terms in fewer tickets than this are dropped (typos, one-off ids).
    pub min_df: u32,
    /// Terms in more than this share of tickets are dropped. Off (1.0) by
    /// default: IDF already weighs common terms down, and dropping them
    /// would erase a symptom that fills most of the tickets, as an incident
    /// storm does (20,000 alike tickets came out as no cluster at 0.5).
    pub max_df_ratio: f32,
}

impl Default for VectorParams {
    fn default() -> Self {
        VectorParams {
            title_weight: 2.0,
            min_df: 2,
            max_df_ratio: 1.0,
        }
    }
}

/// The terms kept, with their document frequency and IDF.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub terms: Vec<String>,
    pub df: Vec<u32>,
    pub idf: Vec<f32>,
    index: HashMap<String, u32>,
}

impl Vocabulary {
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn id(&self, term: &str) -> Option<u32> {
        self.index.get(term).copied()
    }

    /// Vectorises a new text (title and body) with this vocabulary's IDF,
    /// as suggest will: unknown terms are ignored.
    pub fn vectorize(
        &self,
        analyzer: &mut Analyzer,
        title: &str,
        body: &str,
        title_weight: f32,
    ) -> Vec<(u32, f32)> {
        let mut counts: HashMap<u32, f32> = HashMap::new();
        analyzer.for_each_token(title, |t| {
            if let Some(id) = self.id(t) {
                *counts.entry(id).or_default() += title_weight;
            }
        });
        analyzer.for_each_token(body, |t| {
            if let Some(id) = self.id(t) {
                *counts.entry(id).or_default() += 1.0;
            }
        });
        let mut row: Vec<(u32, f32)> = counts
            .into_iter()
            .map(|(id, tf)| (id, (1.0 + tf.ln()) * self.idf[id as usize]))
            .collect();
        finish_row(&mut row);
        row
    }
}

/// The tickets being clustered, as TF-IDF rows in the same order as `keys`.
///
/// That order is not the order tickets were added in: rows are laid out so
/// that similar tickets sit together (see `CorpusBuilder::finish`). Always
/// name a row's ticket through `keys`.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub keys: Vec<TicketKey>,
    pub matrix: CsrMatrix,
    pub vocab: Vocabulary,
}

impl Corpus {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
