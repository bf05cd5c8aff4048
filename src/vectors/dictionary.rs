//! The store's term dictionary: every analysed term gets a small integer id
//! once, so that a ticket's stored counts are ids, and a re-cluster reads a
//! million tickets' terms without hashing a single string.
//!
//! Ids are given in the order terms are first seen and never change; they
//! mean nothing beyond that (a corpus renumbers the terms it keeps, see
//! `CorpusBuilder::finish`). Interning takes a read lock for the terms
//! already known, which after the first few thousand tickets is nearly all
//! of them, and a short write lock for the rest.

use std::sync::{PoisonError, RwLock};

use rustc_hash::FxHashMap;

/// Terms by id and ids by term; safe to share between threads.
#[derive(Debug, Default)]
pub struct TermDictionary {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    index: FxHashMap<Box<str>, u32>,
    terms: Vec<Box<str>>,
}

impl TermDictionary {
    /// A dictionary holding `terms`, term `i` with id `i`.
    pub fn from_terms(terms: impl IntoIterator<Item = String>) -> Self {
        let mut inner = Inner::default();
        for term in terms {
            inner.add(term.into_boxed_str());
        }
        TermDictionary {
            inner: RwLock::new(inner),
        }
    }

    /// How many terms have an id.
    pub fn len(&self) -> usize {
        self.read().terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids of `terms`, in order, giving new ones to terms not seen
    /// before.
    pub fn intern(&self, terms: Vec<String>) -> Vec<u32> {
        let mut ids = Vec::with_capacity(terms.len());
        let mut missing = Vec::new();
        {
            let inner = self.read();
            for (i, term) in terms.iter().enumerate() {
                match inner.index.get(term.as_str()) {
                    Some(&id) => ids.push(id),
                    None => {
                        ids.push(u32::MAX);
                        missing.push(i);
                    }
                }
            }
        }
        if !missing.is_empty() {
            let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
            let mut terms = terms;
            for i in missing {
                let term = std::mem::take(&mut terms[i]);
                // Another thread may have added it since the read lock.
                ids[i] = match inner.index.get(term.as_str()) {
                    Some(&id) => id,
                    None => inner.add(term.into_boxed_str()),
                };
            }
        }
        ids
    }

    /// The terms with ids `from..`, for the store to persist.
    pub fn terms_from(&self, from: usize) -> Vec<(u32, String)> {
        let inner = self.read();
        (from..inner.terms.len())
            .map(|id| (id as u32, inner.terms[id].to_string()))
            .collect()
    }

    /// Every term, by id.
    pub fn snapshot(&self) -> Vec<String> {
        self.read().terms.iter().map(|t| t.to_string()).collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    fn add(&mut self, term: Box<str>) -> u32 {
        let id = self.terms.len() as u32;
        self.index.insert(term.clone(), id);
        self.terms.push(term);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_keeps_its_id_and_new_ones_follow() {
        let d = TermDictionary::from_terms(["login".to_string(), "loop".to_string()]);
        assert_eq!(
            d.intern(vec!["loop".into(), "sign".into(), "login".into()]),
            [1, 2, 0]
        );
        assert_eq!(
            d.intern(vec!["sign".into(), "in".into(), "in".into()]),
            [2, 3, 3]
        );
        assert_eq!(d.terms_from(2), [(2, "sign".into()), (3, "in".into())]);
        assert_eq!(d.snapshot(), ["login", "loop", "sign", "in"]);
    }

    #[test]
    fn threads_interning_the_same_terms_agree() {
        let d = TermDictionary::default();
        let words: Vec<String> = (0..500).map(|i| format!("w{}", i % 97)).collect();
        let results: Vec<Vec<u32>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| d.intern(words.clone())))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("joined"))
                .collect()
        });
        assert!(results.windows(2).all(|w| w[0] == w[1]));
        assert_eq!(d.len(), 97);
    }
}
