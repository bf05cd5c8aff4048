//! Building a [`Corpus`] chunk by chunk: analysis runs in parallel, terms are
//! interned into one vocabulary, and only term ids and counts are kept, so
//! the text of a million tickets never sits in memory at once.

use std::borrow::Cow;
use std::sync::Arc;

use rayon::prelude::*;

use super::terms::{TermAnalysis, TicketTerms};
use super::{Corpus, CsrMatrix, TicketKey, TicketKeys, VectorParams, Vocabulary, finish_row};
use crate::analyze::Analyzer;
use crate::clean::{Boilerplate, clean};

/// One ticket's text, as vectorising reads it.
#[derive(Debug, Clone)]
pub struct DocText {
    pub key: TicketKey,
    pub title: String,
    pub body: String,
    pub notes: String,
}

/// Accumulates analysed tickets; [`CorpusBuilder::finish`] weighs them.
pub struct CorpusBuilder {
    analysis: TermAnalysis,
    title_weight: f32,
    keys: TicketKeys,
    /// Weighted term counts per ticket (title counted `title_weight`
    /// times), by dictionary id.
    indptr: Vec<u64>,
    term_ids: Vec<u32>,
    counts: Vec<f32>,
    /// The boilerplate, found in the first chunk added or given.
    boilerplate: Option<Arc<Boilerplate>>,
    weighted: Vec<(u32, f32)>,
}

/// A ticket's title and body as analysed: cleaned when `cleaning` is on
/// (`Some`, with the corpus's boilerplate).
pub(super) fn cleaned<'a>(
    doc: &'a DocText,
    cleaning: Option<&Boilerplate>,
) -> (Cow<'a, str>, Cow<'a, str>) {
    let Some(boilerplate) = cleaning else {
        return (Cow::Borrowed(&doc.title), Cow::Borrowed(&doc.body));
    };
    let body = clean(&doc.body);
    let body = match boilerplate.strip(&body) {
        Some(stripped) => Cow::Owned(stripped),
        None => body,
    };
    (clean(&doc.title), body)
}

impl CorpusBuilder {
    /// A builder with its own term dictionary, cleaning text.
    pub fn new(analyzer: Analyzer, title_weight: f32) -> Self {
        Self::with_analysis(
            TermAnalysis::new(analyzer, true, Arc::default()),
            title_weight,
        )
    }

    /// A builder whose term ids are `analysis`'s (the store's dictionary,
    /// so that stored counts can be [`CorpusBuilder::push`]ed as they are).
    pub fn with_analysis(analysis: TermAnalysis, title_weight: f32) -> Self {
        CorpusBuilder {
            analysis,
            title_weight,
            keys: TicketKeys::default(),
            indptr: vec![0],
            term_ids: Vec::new(),
            counts: Vec::new(),
            boilerplate: None,
            weighted: Vec::new(),
        }
    }

    /// Turns cleaning on (the default) or off.
    pub fn cleaning(mut self, on: bool) -> Self {
        if on != self.analysis.cleans() {
            self.analysis = self.analysis.with_cleaning(on);
        }
        self
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The corpus's boilerplate, decided from `bodies` (a large sample of
    /// it); with cleaning off, none.
    pub fn detect_boilerplate<'a>(&mut self, bodies: impl IntoIterator<Item = &'a str>) {
        if self.analysis.cleans() {
            let cleaned: Vec<Cow<'_, str>> = bodies.into_iter().map(clean).collect();
            self.boilerplate = Some(Arc::new(Boilerplate::detect(cleaned.iter().map(|b| &**b))));
        }
    }

    /// The boilerplate bodies are stripped of, once decided.
    pub fn boilerplate(&self) -> Option<&Boilerplate> {
        self.boilerplate.as_deref()
    }

    pub fn analysis(&self) -> &TermAnalysis {
        &self.analysis
    }

    /// Analyses a chunk of tickets (in parallel) and adds them in order.
    ///
    /// With cleaning on, the first chunk decides what is boilerplate unless
    /// [`CorpusBuilder::detect_boilerplate`] did: a re-cluster reads 20,000
    /// tickets at a time, plenty to see the macros.
    pub fn add(&mut self, docs: Vec<DocText>) {
        if self.analysis.cleans() && self.boilerplate.is_none() {
            let bodies: Vec<Cow<'_, str>> = docs.par_iter().map(|d| clean(&d.body)).collect();
            self.boilerplate = Some(Arc::new(Boilerplate::detect(bodies.iter().map(|b| &**b))));
        }
        let terms = self.analysis.analyse(&docs, self.boilerplate.as_deref());
        for (doc, terms) in docs.into_iter().zip(&terms) {
            self.push(&doc.key, terms);
        }
    }

    /// Adds one analysed ticket, its ids from this builder's dictionary.
    pub fn push(&mut self, key: &TicketKey, terms: &TicketTerms) {
        self.push_row(&key.id, &key.source, key.created_ns, terms);
    }

    /// Adds one analysed ticket by its id, source and creation time.
    pub fn push_row(&mut self, id: &str, source: &str, created_ns: i64, terms: &TicketTerms) {
        let mut weighted = std::mem::take(&mut self.weighted);
        terms.weighted_into(self.title_weight, &mut weighted);
        self.push_weighted(id, source, created_ns, &weighted);
        self.weighted = weighted;
    }

    /// Adds one ticket by its weighted counts, as
    /// [`TicketTerms::weighted_into`] makes them with [`Self::title_weight`].
    pub fn push_weighted(
        &mut self,
        id: &str,
        source: &str,
        created_ns: i64,
        weighted: &[(u32, f32)],
    ) {
        for &(id, count) in weighted {
            self.term_ids.push(id);
            self.counts.push(count);
        }
        self.indptr.push(self.term_ids.len() as u64);
        self.keys.push(id, source, created_ns);
    }

    /// How many times a title word counts against a body word.
    pub fn title_weight(&self) -> f32 {
        self.title_weight
    }

    /// Room for `rows` more tickets holding `terms` weighted counts and
    /// `id_bytes` of ids in all. A million tickets' counts grown by
    /// doubling were copied, and their fresh pages faulted in, several
    /// times over; room never used costs address space, not memory.
    pub fn reserve(&mut self, rows: usize, terms: usize, id_bytes: usize) {
        self.indptr.reserve(rows);
        self.term_ids.reserve(terms);
        self.counts.reserve(terms);
        self.keys.reserve(rows, id_bytes);
    }

    /// Prunes rare and common terms and weighs the rest into L2-normalised
    /// TF-IDF rows. The terms kept are numbered in alphabetical order, so
    /// the corpus is the same whatever ids the dictionary gave them.
    pub fn finish(self, params: &VectorParams) -> Corpus {
        let n = self.keys.len();
        let all_terms = self.analysis.dictionary().snapshot();
        let mut df = vec![0u32; all_terms.len()];
        for &id in &self.term_ids {
            df[id as usize] += 1;
        }
        let max_df = (params.max_df_ratio * n as f32).floor().max(1.0) as u32;
        let mut kept: Vec<u32> = (0..all_terms.len() as u32)
            .filter(|&id| {
                let f = df[id as usize];
                f >= params.min_df && f <= max_df
            })
            .collect();
        kept.sort_unstable_by(|&a, &b| all_terms[a as usize].cmp(&all_terms[b as usize]));
        let mut new_id = vec![u32::MAX; all_terms.len()];
        let mut vocab = Vocabulary {
            cleaning: self
                .analysis
                .cleans()
                .then(|| self.boilerplate.clone().unwrap_or_default()),
            ..Vocabulary::default()
        };
        for old in kept {
            let f = df[old as usize];
            let term = all_terms[old as usize].clone();
            new_id[old as usize] = vocab.terms.len() as u32;
            vocab.index.insert(term.clone(), new_id[old as usize]);
            vocab.terms.push(term);
            vocab.df.push(f);
            vocab
                .idf
                .push(((1.0 + n as f32) / (1.0 + f as f32)).ln() + 1.0);
        }
        drop(all_terms);
        let (indptr, mut term_ids, mut counts) = (self.indptr, self.term_ids, self.counts);
        // Each row weighed in place (pruned terms dropped, the rest TF-IDF
        // by their new ids, normalised), then copied once in locality order:
        // the corpus is never held as a row per allocation.
        let mut rows: Vec<(&mut [u32], &mut [f32])> = Vec::with_capacity(n);
        let (mut ids_rest, mut counts_rest) = (&mut term_ids[..], &mut counts[..]);
        for d in 0..n {
            let len = (indptr[d + 1] - indptr[d]) as usize;
            let (ids, ids_tail) = ids_rest.split_at_mut(len);
            let (values, counts_tail) = counts_rest.split_at_mut(len);
            rows.push((ids, values));
            (ids_rest, counts_rest) = (ids_tail, counts_tail);
        }
        let idf = &vocab.idf;
        let kept_len: Vec<usize> = rows
            .into_par_iter()
            .with_min_len(1024)
            .map_init(Vec::new, |row: &mut Vec<(u32, f32)>, (ids, values)| {
                row.clear();
                row.extend(ids.iter().zip(values.iter()).filter_map(|(&old, &count)| {
                    let id = new_id[old as usize];
                    (id != u32::MAX).then(|| (id, (1.0 + count.ln()) * idf[id as usize]))
                }));
                finish_row(row);
                for (k, &(id, value)) in row.iter().enumerate() {
                    ids[k] = id;
                    values[k] = value;
                }
                row.len()
            })
            .collect();
        let row = |d: usize| {
            let a = indptr[d] as usize;
            (&term_ids[a..a + kept_len[d]], &counts[a..a + kept_len[d]])
        };
        let order = locality_order(n, &row);
        let matrix = CsrMatrix::gathered(&order, &indptr, &kept_len, vocab.len(), term_ids, counts);
        Corpus {
            keys: self.keys.reordered(&order),
            matrix,
            vocab,
        }
    }
}

/// An order of rows in which tickets with the same heaviest terms sit
/// together. The neighbour search reads rows at random; with a million
/// tickets, laying similar ones side by side keeps those reads in cache
/// (neighbour search 3× faster on a 1M `gen` dump). Ties keep input order.
fn locality_order<'a>(
    n: usize,
    row: &(impl Fn(usize) -> (&'a [u32], &'a [f32]) + Sync),
) -> Vec<usize> {
    let heaviest = |(ids, values): (&[u32], &[f32])| {
        let mut top = [(u32::MAX, f32::NEG_INFINITY); 2];
        for (&t, &w) in ids.iter().zip(values) {
            if w > top[0].1 || (w == top[0].1 && t < top[0].0) {
                top[1] = top[0];
                top[0] = (t, w);
            } else if w > top[1].1 || (w == top[1].1 && t < top[1].0) {
                top[1] = (t, w);
            }
        }
        (top[0].0, top[1].0)
    };
    let mut keyed: Vec<(u32, u32, usize)> = (0..n)
        .into_par_iter()
        .with_min_len(4096)
        .map(|d| {
            let (first, second) = heaviest(row(d));
            (first, second, d)
        })
        .collect();
    keyed.par_sort_unstable();
    keyed.into_iter().map(|(_, _, d)| d).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, title: &str, body: &str) -> DocText {
        DocText {
            key: TicketKey {
                id: id.into(),
                source: "support".into(),
                created_ns: 0,
            },
            title: title.into(),
            body: body.into(),
            notes: String::new(),
        }
    }

    fn corpus(docs: Vec<DocText>, params: &VectorParams) -> Corpus {
        let mut builder = CorpusBuilder::new(Analyzer::default(), params.title_weight);
        builder.add(docs);
        builder.finish(params)
    }

    #[test]
    fn rows_are_unit_length_tf_idf_over_kept_terms() {
        let params = VectorParams {
            min_df: 1,
            max_df_ratio: 1.0,
            ..VectorParams::default()
        };
        let c = corpus(
            vec![
                doc("a", "login loop", "login again"),
                doc("b", "", "invoice blank"),
                doc("c", "", "login"),
            ],
            &params,
        );
        assert_eq!(c.len(), 3);
        for i in 0..3 {
            let v = c.matrix.row(i).values();
            let norm: f32 = v.iter().map(|x| x * x).sum();
            assert!((norm - 1.0).abs() < 1e-5, "row {i} norm {norm}");
        }
        let login = c.vocab.id("login").expect("kept");
        assert_eq!(c.vocab.df[login as usize], 2);
        // "login" is in the title (×2) and the body of a: tf 3, so it outweighs
        // "again" (tf 1), which is as rare.
        let a = c.keys.ids().position(|id| id == "a").expect("a row");
        let row = c.matrix.row(a).to_vec();
        let weight = |term: &str| {
            let id = c.vocab.id(term).expect("kept");
            row.iter().find(|(t, _)| *t == id).expect("in row a").1
        };
        assert!(weight("login") > weight("again"));
    }

    #[test]
    fn rare_and_common_terms_are_pruned() {
        let docs = (0..10)
            .map(|i| {
                doc(
                    &i.to_string(),
                    "",
                    if i < 5 { "card declined" } else { "card lost" },
                )
            })
            .collect();
        let c = corpus(
            docs,
            &VectorParams {
                min_df: 2,
                max_df_ratio: 0.6,
                ..VectorParams::default()
            },
        );
        assert!(c.vocab.id("card").is_none(), "in every ticket: pruned");
        assert!(c.vocab.id("declin").is_some());
        assert!(c.vocab.id("lost").is_some());
    }

    #[test]
    fn chunks_and_order_do_not_change_the_result() {
        let docs: Vec<DocText> = (0..1000)
            .map(|i| {
                doc(
                    &i.to_string(),
                    "title",
                    &format!("word{} shared text {}", i % 7, ["a", "b", "c"][i % 3]),
                )
            })
            .collect();
        let params = VectorParams::default();
        let whole = corpus(docs.clone(), &params);
        let mut builder = CorpusBuilder::new(Analyzer::default(), params.title_weight);
        for chunk in docs.chunks(333) {
            builder.add(chunk.to_vec());
        }
        let chunked = builder.finish(&params);
        assert_eq!(whole.vocab.terms, chunked.vocab.terms);
        for i in 0..1000 {
            assert_eq!(whole.matrix.row(i), chunked.matrix.row(i));
        }
    }

    #[test]
    fn rows_are_grouped_by_heaviest_term_and_keys_follow_their_rows() {
        let texts = ["card declined", "invoice blank"];
        let docs: Vec<DocText> = (0..40)
            .map(|i| doc(&i.to_string(), "", texts[i % 2]))
            .collect();
        let c = corpus(docs, &VectorParams::default());
        let card = c.vocab.id("card").expect("kept");
        let has_card: Vec<bool> = (0..40).map(|d| c.matrix.row(d).contains(card)).collect();
        // Every row still belongs to its key's text...
        for (d, id) in c.keys.ids().enumerate() {
            let i: usize = id.parse().expect("numeric id");
            assert_eq!(has_card[d], i.is_multiple_of(2), "row {d}");
        }
        // ...and alike rows are laid side by side.
        let changes = has_card.windows(2).filter(|w| w[0] != w[1]).count();
        assert_eq!(changes, 1, "{has_card:?}");
    }
}
