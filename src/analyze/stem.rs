//! English stemming as a tantivy token filter, backed by rust-stemmers.
//!
//! tantivy 0.27's own `Stemmer` uses another crate; wrapping
//! `rust_stemmers::Stemmer` here means indexing, vectors and suggest all go
//! through one and the same stemmer.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashMap;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

use super::mask::is_placeholder;

/// Words whose stems one thread remembers before it starts over: far more
/// than the distinct words of a ticket corpus' working set, a few MiB.
const REMEMBERED_STEMS: usize = 100_000;

thread_local! {
    /// Stems already computed on this thread (`None`: the word is its own
    /// stem). Ticket text repeats the same words over and over, and a lookup
    /// costs a fraction of running the Snowball rules again.
    static STEMS: RefCell<FxHashMap<String, Option<String>>> = RefCell::new(FxHashMap::default());
}

/// Stems `word` in place, remembering the result on this thread.
fn stem_in_place(stemmer: &Stemmer, word: &mut String) {
    STEMS.with_borrow_mut(|stems| {
        if let Some(known) = stems.get(word.as_str()) {
            if let Some(stem) = known {
                word.clone_from(stem);
            }
            return;
        }
        let stem = match stemmer.stem(word) {
            Cow::Owned(stem) => Some(stem),
            Cow::Borrowed(_) => None,
        };
        if stems.len() >= REMEMBERED_STEMS {
            stems.clear();
        }
        stems.insert(word.clone(), stem.clone());
        if let Some(stem) = stem {
            *word = stem;
        }
    });
}

/// Stems every token except mask placeholders; a no-op when disabled.
#[derive(Clone)]
pub struct SnowballStemmer {
    stemmer: Option<Arc<Stemmer>>,
}

impl SnowballStemmer {
    /// The English Snowball stemmer, or a pass-through when `enabled` is false.
    pub fn english(enabled: bool) -> Self {
        SnowballStemmer {
            stemmer: enabled.then(|| Arc::new(Stemmer::create(Algorithm::English))),
        }
    }
}

impl TokenFilter for SnowballStemmer {
    type Tokenizer<T: Tokenizer> = SnowballStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        SnowballStemmerFilter {
            inner: tokenizer,
            stemmer: self.stemmer,
        }
    }
}

#[derive(Clone)]
pub struct SnowballStemmerFilter<T> {
    inner: T,
    stemmer: Option<Arc<Stemmer>>,
}

impl<T: Tokenizer> Tokenizer for SnowballStemmerFilter<T> {
    type TokenStream<'a> = SnowballStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        SnowballStemmerStream {
            tail: self.inner.token_stream(text),
            stemmer: self.stemmer.as_deref(),
        }
    }
}

pub struct SnowballStemmerStream<'a, T> {
    tail: T,
    stemmer: Option<&'a Stemmer>,
}

impl<T: TokenStream> TokenStream for SnowballStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        if let Some(stemmer) = self.stemmer {
            let token = self.tail.token_mut();
            if !is_placeholder(&token.text) {
                stem_in_place(stemmer, &mut token.text);
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_stems_match_the_stemmer() {
        let stemmer = Stemmer::create(Algorithm::English);
        let words = [
            "declined", "declines", "login", "loops", "running", "ran", "declined",
        ];
        // Twice over: the first pass fills this thread's memory, the second
        // reads from it.
        for _ in 0..2 {
            for w in words {
                let mut word = w.to_string();
                stem_in_place(&stemmer, &mut word);
                assert_eq!(word, stemmer.stem(w), "{w}");
            }
        }
    }
}
