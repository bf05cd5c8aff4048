//! The first analysis step: split text into words, mask volatile tokens and
//! expand contractions. Case folding, stop words and stemming are token
//! filters applied after it (see [`super::Analyzer`]).

use std::borrow::Cow;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::mask;

/// Splits on whitespace, masks each volatile whitespace token as a whole,
/// splits the rest into words and expands contractions ("can't" → "can not")
/// so that a negation survives as its own token.
#[derive(Clone, Default)]
pub struct SymptomTokenizer {
    /// Reused from text to text, with their strings' capacity, so that
    /// analysis does not allocate per word (the first `len` are current).
    tokens: Vec<Token>,
}

/// Streams the tokens [`SymptomTokenizer`] produced for one text.
pub struct SymptomTokenStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl Tokenizer for SymptomTokenizer {
    type TokenStream<'a> = SymptomTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let len = tokenize(text, &mut self.tokens);
        SymptomTokenStream {
            tokens: &mut self.tokens[..len],
            next: 0,
        }
    }
}

impl TokenStream for SymptomTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// Writes `text`'s tokens over `out` (reusing its tokens) and returns how
/// many there are.
fn tokenize(text: &str, out: &mut Vec<Token>) -> usize {
    let mut len = 0;
    let mut emit = |from: usize, to: usize, word: &str| {
        if len == out.len() {
            out.push(Token::default());
        }
        let token = &mut out[len];
        token.offset_from = from;
        token.offset_to = to;
        token.position = len;
        token.position_length = 1;
        token.text.clear();
        token.text.push_str(word);
        len += 1;
    };
    for (start, raw) in whitespace_tokens(text) {
        let lead = raw.len() - raw.trim_start_matches(|c: char| !c.is_alphanumeric()).len();
        let trimmed = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if trimmed.is_empty() {
            continue;
        }
        let from = start + lead;
        if let Some(m) = mask::classify(trimmed) {
            emit(from, from + trimmed.len(), m.placeholder());
            continue;
        }
        let mut emit_word = |offset: usize, word: &str| {
            let (w_from, w_to) = (from + offset, from + offset + word.len());
            let (head, tail) = expand_contraction(word);
            emit(w_from, w_to, &head);
            if let Some(tail) = tail {
                emit(w_from, w_to, tail);
            }
        };
        if trimmed.bytes().all(|b| b.is_ascii_alphanumeric()) {
            // Most words: one plain word, nothing to split.
            emit_word(0, trimmed);
        } else {
            for (offset, word) in words(trimmed) {
                emit_word(offset, word);
            }
        }
    }
    len
}

fn whitespace_tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(char::is_whitespace)
        .filter(|t| !t.is_empty())
        .map(move |t| (t.as_ptr() as usize - text.as_ptr() as usize, t))
}

/// Runs of alphanumeric characters; an apostrophe between two letters stays
/// inside the word so that contractions can be expanded.
fn words(token: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = token.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let inner_apostrophe = is_apostrophe(c)
            && start.is_some()
            && chars.peek().is_some_and(|(_, n)| n.is_alphabetic());
        if c.is_alphanumeric() || inner_apostrophe {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            found.push((s, &token[s..i]));
        }
    }
    if let Some(s) = start {
        found.push((s, &token[s..]));
    }
    join_letter_prefixes(token, found)
}

/// Joins a one-letter piece to the next when a hyphen links them, as in
/// "e-mail" or "x-ray": the letter alone means nothing.
fn join_letter_prefixes<'t>(token: &'t str, found: Vec<(usize, &'t str)>) -> Vec<(usize, &'t str)> {
    let mut out: Vec<(usize, &'t str)> = Vec::with_capacity(found.len());
    let mut i = 0;
    while i < found.len() {
        let (start, word) = found[i];
        let linked = found.get(i + 1).is_some_and(|(next, _)| {
            word.chars().count() == 1 && token[start + word.len()..*next] == *"-"
        });
        if linked {
            let (next_start, next_word) = found[i + 1];
            out.push((start, &token[start..next_start + next_word.len()]));
            i += 2;
        } else {
            out.push((start, word));
            i += 1;
        }
    }
    out
}

/// Negations written without an apostrophe, as people type them in a hurry.
const BARE_NEGATIONS: &[(&str, &str)] = &[
    ("cant", "can"),
    ("cannot", "can"),
    ("wont", "will"),
    ("dont", "do"),
    ("doesnt", "does"),
    ("didnt", "did"),
    ("isnt", "is"),
    ("wasnt", "was"),
    ("arent", "are"),
    ("werent", "were"),
    ("couldnt", "could"),
    ("wouldnt", "would"),
    ("shouldnt", "should"),
    ("havent", "have"),
    ("hasnt", "has"),
    ("hadnt", "had"),
    ("aint", "is"),
];

/// Splits a contraction into its words: "can't" → ("can", "not"),
/// "we're" → ("we", "are"), "user's" → ("user", none). Other words come back
/// unchanged (apostrophes removed).
fn expand_contraction(word: &str) -> (Cow<'_, str>, Option<&'static str>) {
    if word.contains('-') {
        return (Cow::Owned(word.replace('-', "")), None);
    }
    let has_apostrophe = word.contains(is_apostrophe);
    if !has_apostrophe {
        if word.len() <= 8
            && let Some((_, base)) = BARE_NEGATIONS
                .iter()
                .find(|(bare, _)| bare.eq_ignore_ascii_case(word))
        {
            return (Cow::Owned(case_like(word, base)), Some("not"));
        }
        return (Cow::Borrowed(word), None);
    }
    let normal: String = word
        .chars()
        .map(|c| if c == '’' { '\'' } else { c })
        .collect();
    let lower = normal.to_lowercase();
    let irregular = match lower.as_str() {
        "can't" => Some("can"),
        "won't" => Some("will"),
        "shan't" => Some("shall"),
        "ain't" => Some("is"),
        _ => None,
    };
    if let Some(base) = irregular {
        return (Cow::Owned(case_like(word, base)), Some("not"));
    }
    const SUFFIXES: &[(&str, Option<&str>)] = &[
        ("n't", Some("not")),
        ("'re", Some("are")),
        ("'ve", Some("have")),
        ("'ll", Some("will")),
        ("'m", Some("am")),
        ("'d", Some("would")),
        ("'s", None),
    ];
    for (suffix, expansion) in SUFFIXES {
        if lower.ends_with(suffix) && lower.len() > suffix.len() {
            return (
                Cow::Owned(normal[..normal.len() - suffix.len()].to_string()),
                *expansion,
            );
        }
    }
    (Cow::Owned(normal.replace('\'', "")), None)
}

/// Keeps the base's case close to the original so the lowercaser sees the
/// same input either way; only the first letter matters for readability.
fn case_like(original: &str, base: &str) -> String {
    if original.chars().next().is_some_and(char::is_uppercase) {
        let mut c = base.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    } else {
        base.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        let mut tokenizer = SymptomTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn contractions_are_expanded() {
        assert_eq!(texts("can't sign in"), ["can", "not", "sign", "in"]);
        assert_eq!(texts("It doesn’t load"), ["It", "does", "not", "load"]);
        assert_eq!(texts("we're stuck"), ["we", "are", "stuck"]);
        assert_eq!(texts("cant login"), ["can", "not", "login"]);
        assert_eq!(texts("Won't sync"), ["Will", "not", "sync"]);
        assert_eq!(texts("the user's card"), ["the", "user", "card"]);
    }

    #[test]
    fn whole_volatile_tokens_are_masked_and_punctuation_dropped() {
        assert_eq!(
            texts("Order #1234 failed (see https://x.io/a?b=1)."),
            ["Order", "_num_", "failed", "see", "_url_"]
        );
        assert_eq!(texts("job_20261101_0042 died"), ["_id_", "died"]);
        assert_eq!(
            texts("sign-in page, again!"),
            ["sign", "in", "page", "again"]
        );
    }

    #[test]
    fn positions_count_emitted_tokens() {
        let mut tokenizer = SymptomTokenizer::default();
        let mut stream = tokenizer.token_stream("can't pay 12");
        let mut positions = Vec::new();
        while stream.advance() {
            positions.push(stream.token().position);
        }
        assert_eq!(positions, [0, 1, 2, 3]);
    }

    #[test]
    fn a_reused_tokenizer_gives_each_text_only_its_own_tokens() {
        let mut tokenizer = SymptomTokenizer::default();
        let mut run = |text: &str| {
            let mut stream = tokenizer.token_stream(text);
            let mut out = Vec::new();
            while stream.advance() {
                out.push(stream.token().text.clone());
            }
            out
        };
        assert_eq!(
            run("the export timed out again today"),
            texts("the export timed out again today")
        );
        assert_eq!(run("can't pay"), ["can", "not", "pay"]);
        assert_eq!(run(""), Vec::<String>::new());
        assert_eq!(run("x-ray"), ["xray"]);
    }
}
