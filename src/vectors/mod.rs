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
mod dictionary;
mod keys;
pub mod sparse;
mod terms;

use std::collections::HashMap;
use std::sync::Arc;

pub use build::{CorpusBuilder, DocText};
pub use dictionary::TermDictionary;
pub use keys::TicketKeys;
pub use sparse::{CsrMatrix, finish_row, sparse_dot};
pub use terms::{IndexedText, TermAnalysis, TicketTerms, TicketText};

use crate::analyze::Analyzer;
use crate::clean::Boilerplate;

/// What identifies a ticket in a corpus, with what summaries need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketKey {
    pub id: String,
    /// Shared by every ticket of the source in a corpus (a corpus has a
    /// few sources and up to millions of tickets).
    pub source: Arc<str>,
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
    /// Clean help-desk noise (HTML, quoted replies, signatures, boilerplate
    /// lines) out of titles and bodies before analysis ([`crate::clean`]).
    pub clean: bool,
}

impl Default for VectorParams {
    fn default() -> Self {
        VectorParams {
            title_weight: 2.0,
            min_df: 2,
            max_df_ratio: 1.0,
            clean: true,
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
    /// The corpus's boilerplate when its texts were cleaned, so that a new
    /// text is cleaned the same way; `None` when cleaning was off.
    cleaning: Option<Arc<Boilerplate>>,
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

    /// Vectorises a new text with this vocabulary's IDF, exactly as a
    /// corpus row is built from the same title, body and notes (suggest
    /// scores the text clustering read): unknown terms are ignored.
    pub fn vectorize(
        &self,
        analyzer: &mut Analyzer,
        doc: &DocText,
        title_weight: f32,
    ) -> Vec<(u32, f32)> {
        let mut counts: HashMap<u32, f32> = HashMap::new();
        let (title, body) = build::cleaned(doc, self.cleaning.as_deref());
        for (text, weight) in [(&*title, title_weight), (&*body, 1.0), (&*doc.notes, 1.0)] {
            analyzer.for_each_token(text, |t| {
                if let Some(id) = self.id(t) {
                    *counts.entry(id).or_default() += weight;
                }
            });
        }
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
    pub keys: TicketKeys,
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const WORDS: &[&str] = &[
        "login", "loop", "sign", "in", "cannot", "export", "csv", "timeout", "invoice", "blank",
        "password", "reset", "email", "never", "arrives", "again",
    ];

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(WORDS), 0..8).prop_map(|w| w.join(" "))
    }

    fn docs() -> impl Strategy<Value = Vec<DocText>> {
        proptest::collection::vec((text(), text(), text()), 1..30).prop_map(|parts| {
            parts
                .into_iter()
                .enumerate()
                .map(|(i, (title, body, notes))| DocText {
                    key: TicketKey {
                        id: format!("t{i}"),
                        ..TicketKey::default()
                    },
                    title,
                    body,
                    notes,
                })
                .collect()
        })
    }

    fn build(docs: &[DocText], params: &VectorParams) -> Corpus {
        let mut builder = CorpusBuilder::new(Analyzer::default(), params.title_weight);
        builder.add(docs.to_vec());
        builder.finish(params)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn rows_are_unit_length_or_empty(docs in docs()) {
            let corpus = build(&docs, &VectorParams::default());
            for r in 0..corpus.len() {
                let values = corpus.matrix.row(r).values();
                let norm: f32 = values.iter().map(|v| v * v).sum::<f32>().sqrt();
                prop_assert!(values.is_empty() || (norm - 1.0).abs() < 1e-5, "row {r}: {norm}");
            }
        }

        #[test]
        fn the_same_tickets_give_the_same_corpus(docs in docs()) {
            let params = VectorParams::default();
            let (a, b) = (build(&docs, &params), build(&docs, &params));
            prop_assert_eq!(&a.keys, &b.keys);
            prop_assert_eq!(&a.vocab.terms, &b.vocab.terms);
            for r in 0..a.len() {
                prop_assert_eq!(a.matrix.row(r), b.matrix.row(r));
            }
        }

        #[test]
        fn vectorizing_a_corpus_ticket_gives_its_row(docs in docs()) {
            let params = VectorParams::default();
            let corpus = build(&docs, &params);
            let mut analyzer = Analyzer::default();
            for (r, id) in corpus.keys.ids().enumerate() {
                let doc = docs.iter().find(|d| d.key.id == id).expect("a corpus ticket");
                let row = corpus.vocab.vectorize(&mut analyzer, doc, params.title_weight);
                let stored = corpus.matrix.row(r);
                prop_assert_eq!(row.iter().map(|(t, _)| *t).collect::<Vec<_>>(), stored.ids().collect::<Vec<_>>());
                for ((_, v), w) in row.iter().zip(stored.values()) {
                    prop_assert!((v - w).abs() < 1e-5, "ticket {id}: {v} vs {w}");
                }
            }
        }
    }
}
