//! English stemming as a tantivy token filter, backed by rust-stemmers.
//!
//! tantivy 0.27's own `Stemmer` uses another crate; wrapping
//! `rust_stemmers::Stemmer` here means indexing, vectors and suggest all go
//! through one and the same stemmer.

use std::borrow::Cow;
use std::sync::Arc;

use rust_stemmers::{Algorithm, Stemmer};
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

use super::mask::is_placeholder;

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
            if !is_placeholder(&token.text)
                && let Cow::Owned(stemmed) = stemmer.stem(&token.text)
            {
                token.text = stemmed;
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
