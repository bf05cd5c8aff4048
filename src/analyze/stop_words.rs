//! The optional English stop list.
//!
//! It keeps the words a symptom turns on — negations and the particles of
//! phrasal verbs ("not", "no", "never", "without", "still", "again", "off",
//! "on", "out", "in", "up", "down") — since "card not working" and "logged
//! out again" lose their meaning without them. Off by default: with sublinear
//! TF-IDF the idf already quiets common words, and prototypes scored better
//! keeping every word (EVIDENCE.md).

/// Words dropped when `stop_words = "english"`. Lowercase, ASCII, after
/// contraction expansion (so "can't" still leaves "not").
pub const ENGLISH: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "for", "from",
    "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "if", "into", "is", "it",
    "its", "just", "me", "my", "of", "or", "our", "she", "should", "so", "some", "than", "that",
    "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "us", "was",
    "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you",
    "your",
];

/// The words the list must never drop, checked by a test.
pub const SYMPTOM_WORDS: &[&str] = &[
    "not", "no", "never", "without", "still", "again", "off", "on", "out", "in", "up", "down",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_list_keeps_the_words_a_symptom_turns_on() {
        for word in SYMPTOM_WORDS {
            assert!(!ENGLISH.contains(word), "{word} must not be a stop word");
        }
    }
}
