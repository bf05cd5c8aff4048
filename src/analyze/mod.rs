//! The one text pipeline shared by indexing, vectors and suggest.
//!
//! Steps, in order: split on whitespace and mask volatile tokens
//! ([`mask`]), split words and expand contractions ([`tokenizer`]),
//! lowercase, fold to ASCII, drop stop words (optional, [`stop_words`]),
//! stem with Snowball English (optional, [`stem`]). The same
//! [`Analyzer`] is registered with tantivy under [`TOKENIZER_NAME`], so a
//! query, a stored vector and a suggestion all see identical tokens.

pub mod mask;
pub mod stem;
pub mod stop_words;
pub mod tokenizer;

use serde::{Deserialize, Serialize};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, StopWordFilter, TextAnalyzer, TokenStream,
};

use self::stem::SnowballStemmer;
use self::tokenizer::SymptomTokenizer;

/// The name the analyzer is registered under in the tantivy index.
pub const TOKENIZER_NAME: &str = "refrain";

/// Bumped whenever analysis changes what tokens a text yields, so that an
/// index built by an older version is rebuilt rather than silently mixed.
const ANALYZER_VERSION: u32 = 1;

/// Which stop list to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StopWords {
    /// Keep every word (default): idf already quiets common words.
    #[default]
    None,
    /// English function words, keeping negations and particles.
    English,
}

/// How text is analysed; part of the config, recorded in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalyzerSettings {
    pub stop_words: StopWords,
    pub stem: bool,
}

impl Default for AnalyzerSettings {
    fn default() -> Self {
        AnalyzerSettings {
            stop_words: StopWords::None,
            stem: true,
        }
    }
}

/// The analyzer: cheap to clone, one clone per thread for hot loops.
#[derive(Clone)]
pub struct Analyzer {
    settings: AnalyzerSettings,
    text_analyzer: TextAnalyzer,
}

impl Analyzer {
    /// Builds the pipeline for `settings`.
    pub fn new(settings: AnalyzerSettings) -> Self {
        let stop: Vec<String> = match settings.stop_words {
            StopWords::None => Vec::new(),
            StopWords::English => stop_words::ENGLISH.iter().map(|w| w.to_string()).collect(),
        };
        let text_analyzer = TextAnalyzer::builder(SymptomTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(StopWordFilter::remove(stop))
            .filter(SnowballStemmer::english(settings.stem))
            .build();
        Analyzer {
            settings,
            text_analyzer,
        }
    }

    /// The tantivy analyzer, to register with an index.
    pub fn text_analyzer(&self) -> TextAnalyzer {
        self.text_analyzer.clone()
    }

    pub fn settings(&self) -> &AnalyzerSettings {
        &self.settings
    }

    /// Identifies what tokens this analyzer yields; an index records it and
    /// is rebuilt when it changes.
    pub fn fingerprint(&self) -> String {
        format!(
            "v{}:stop={:?}:stem={}",
            ANALYZER_VERSION, self.settings.stop_words, self.settings.stem
        )
    }

    /// Calls `sink` with each token of `text`, in order.
    pub fn for_each_token(&mut self, text: &str, mut sink: impl FnMut(&str)) {
        let mut stream = self.text_analyzer.token_stream(text);
        while stream.advance() {
            sink(&stream.token().text);
        }
    }

    /// The tokens of `text`, in order.
    pub fn tokens(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_token(text, |t| out.push(t.to_string()));
        out
    }
}

/// Maps analysed terms back to the words people wrote ("declin" →
/// "declined"), so that labels read naturally.
pub struct SurfaceForms {
    plain: Analyzer,
    stemmer: Option<rust_stemmers::Stemmer>,
    counts: std::collections::HashMap<String, std::collections::HashMap<String, u32>>,
}

impl SurfaceForms {
    pub fn new(settings: &AnalyzerSettings) -> Self {
        SurfaceForms {
            plain: Analyzer::new(AnalyzerSettings {
                stem: false,
                ..settings.clone()
            }),
            stemmer: settings
                .stem
                .then(|| rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English)),
            counts: Default::default(),
        }
    }

    /// Counts the surface form of every term in `text`.
    pub fn observe(&mut self, text: &str) {
        let stemmer = self.stemmer.as_ref();
        let counts = &mut self.counts;
        self.plain.for_each_token(text, |word| {
            let term = match stemmer {
                Some(s) if !mask::is_placeholder(word) => s.stem(word).into_owned(),
                _ => word.to_string(),
            };
            *counts
                .entry(term)
                .or_default()
                .entry(word.to_string())
                .or_default() += 1;
        });
    }

    /// The most frequent way `term` was written (ties: shortest, then
    /// alphabetical), or the term itself if it was never seen.
    pub fn surface(&self, term: &str) -> String {
        self.counts
            .get(term)
            .and_then(|forms| {
                forms
                    .iter()
                    .max_by(|a, b| {
                        a.1.cmp(b.1)
                            .then(b.0.len().cmp(&a.0.len()))
                            .then(b.0.cmp(a.0))
                    })
                    .map(|(w, _)| w.clone())
            })
            .unwrap_or_else(|| term.to_string())
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(AnalyzerSettings::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tokens(text: &str) -> Vec<String> {
        Analyzer::default().tokens(text)
    }

    #[test]
    fn order_numbers_and_case_do_not_matter() {
        assert_eq!(tokens("Order #1234 failed"), tokens("order 9876 FAILED"));
        assert_eq!(tokens("Order #1234 failed"), ["order", "_num_", "fail"]);
    }

    #[test]
    fn a_negation_changes_the_tokens() {
        assert_ne!(tokens("can't sign in"), tokens("can sign in"));
        assert_eq!(tokens("can't sign in"), ["can", "not", "sign", "in"]);
        let mut english = Analyzer::new(AnalyzerSettings {
            stop_words: StopWords::English,
            stem: true,
        });
        assert_eq!(english.tokens("I can't sign in"), ["not", "sign", "in"]);
        assert_ne!(
            english.tokens("can't sign in"),
            english.tokens("can sign in")
        );
    }

    #[test]
    fn accents_fold_and_words_stem() {
        assert_eq!(
            tokens("Café payments declined"),
            ["cafe", "payment", "declin"]
        );
        assert_eq!(tokens("e-mails bounce"), tokens("email bounced"));
    }

    #[test]
    fn volatile_tokens_read_alike() {
        assert_eq!(
            tokens("ana@example.com on v2.14.1 at 10.0.3.7 since 2026-11-01"),
            tokens("bo@test.org on v3.0.2 at 192.168.1.9 since 2025-01-31"),
        );
    }

    #[test]
    fn surface_forms_undo_stemming_for_labels() {
        let mut forms = SurfaceForms::new(&AnalyzerSettings::default());
        forms.observe("Payments declined again; payment declined");
        assert_eq!(forms.surface("declin"), "declined");
        assert_eq!(forms.surface("payment"), "payment");
        assert_eq!(forms.surface("unseen"), "unseen");
    }

    #[test]
    fn stemming_can_be_turned_off() {
        let mut plain = Analyzer::new(AnalyzerSettings {
            stop_words: StopWords::None,
            stem: false,
        });
        assert_eq!(plain.tokens("payments declined"), ["payments", "declined"]);
        assert_ne!(plain.fingerprint(), Analyzer::default().fingerprint());
    }

    proptest! {
        #[test]
        fn analysis_never_panics_and_is_deterministic(text in any::<String>()) {
            let first = tokens(&text);
            prop_assert_eq!(first, tokens(&text));
        }

        #[test]
        fn tokens_are_never_empty_nor_contain_whitespace(text in "\\PC{0,200}") {
            for token in tokens(&text) {
                prop_assert!(!token.is_empty());
                prop_assert!(!token.chars().any(char::is_whitespace));
            }
        }

        #[test]
        fn any_number_reads_like_any_other(a in 0u64.., b in 0u64..) {
            prop_assert_eq!(tokens(&format!("order {a} failed")), tokens(&format!("order {b} failed")));
        }
    }
}
