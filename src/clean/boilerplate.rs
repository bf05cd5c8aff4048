//! Lines that a large share of tickets carry word for word: agent macros
//! pasted into replies, legal footers, "please do not reply" banners.
//!
//! Found per corpus, not listed by hand: a line of at least `MIN_WORDS`
//! words (after case, digits and punctuation are folded) that appears in at
//! least `MIN_SHARE` of the tickets, and in at least `MIN_TICKETS` of them,
//! beside text that differs from ticket to ticket, is boilerplate. The
//! last rule is what keeps an incident storm: when 80% of the tickets say
//! "login fails with an error", that line *is* the problem, and the tickets
//! carrying it have nothing else, or the same thing else, around it; a
//! macro sits beside every kind of request. Short lines are never
//! boilerplate, so a repeated error message ("504 Gateway Timeout") stays,
//! and a ticket is never stripped to nothing.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

/// Fewest words a boilerplate line has.
const MIN_WORDS: usize = 5;
/// Least share of tickets that carry a boilerplate line.
const MIN_SHARE: f64 = 0.01;
/// Fewest tickets that carry a boilerplate line, however small the corpus.
const MIN_TICKETS: usize = 20;
/// Distinct surroundings counted per line: half its carriers, or this
/// many, must differ.
const MAX_RESTS: usize = 64;

/// The boilerplate lines of a corpus, by a hash of their folded words.
#[derive(Debug, Clone, Default)]
pub struct Boilerplate {
    lines: HashSet<u64>,
    /// The same lines' short keys ([`Boilerplate::line_keys`]).
    short: HashSet<u32>,
}

impl Boilerplate {
    /// The boilerplate among `texts` (a corpus or a large sample of it).
    pub fn detect<'a>(texts: impl IntoIterator<Item = &'a str>) -> Boilerplate {
        // Per candidate line: tickets carrying it, and a few distinct
        // hashes of what else those tickets say.
        let mut seen: HashMap<u64, (usize, HashSet<u64>)> = HashMap::new();
        let mut tickets = 0usize;
        let mut own: Vec<u64> = Vec::new();
        for text in texts {
            tickets += 1;
            own.clear();
            own.extend(text.lines().filter_map(key));
            own.sort_unstable();
            own.dedup();
            let all = text
                .lines()
                .filter_map(|l| fold(l).map(|(h, _)| h))
                .fold(0u64, u64::wrapping_add);
            for &k in &own {
                let (carriers, rests) = seen.entry(k).or_default();
                *carriers += 1;
                if rests.len() < MAX_RESTS {
                    rests.insert(all.wrapping_sub(k));
                }
            }
        }
        let least = ((tickets as f64 * MIN_SHARE).ceil() as usize).max(MIN_TICKETS);
        let lines: HashSet<u64> = seen
            .into_iter()
            .filter(|(_, (n, rests))| *n >= least && rests.len() >= (n / 2).min(MAX_RESTS))
            .map(|(k, _)| k)
            .collect();
        Boilerplate {
            short: lines.iter().map(|&k| short(k)).collect(),
            lines,
        }
    }

    /// Short keys of the lines of `text` that are long enough to be
    /// boilerplate in some corpus, kept with a ticket's stored counts so
    /// that a corpus can tell which tickets it may strip without reading
    /// their text. Short, so two lines may share one: that costs a needless
    /// re-analysis, never a wrong count.
    pub fn line_keys(text: &str) -> Vec<u32> {
        let mut keys: Vec<u32> = text.lines().filter_map(key).map(short).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Whether a text with these [`Boilerplate::line_keys`] may have lines
    /// to strip: false means [`Boilerplate::strip`] would leave it alone.
    pub fn may_strip(&self, keys: &[u32]) -> bool {
        keys.iter().any(|k| self.short.contains(k))
    }

    /// How many distinct lines were found.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// `text` without its boilerplate lines; `None` when it has none.
    pub fn strip(&self, text: &str) -> Option<String> {
        if self.lines.is_empty() || !text.lines().any(|l| self.is_boilerplate(l)) {
            return None;
        }
        let kept: Vec<&str> = text.lines().filter(|l| !self.is_boilerplate(l)).collect();
        let kept = kept.join("\n");
        (!kept.trim().is_empty()).then_some(kept)
    }

    fn is_boilerplate(&self, line: &str) -> bool {
        key(line).is_some_and(|k| self.lines.contains(&k))
    }
}

fn short(key: u64) -> u32 {
    (key ^ (key >> 32)) as u32
}

/// A line's identity with case, digits, punctuation and spacing folded;
/// `None` for lines too short to be boilerplate.
fn key(line: &str) -> Option<u64> {
    fold(line).and_then(|(h, words)| (words >= MIN_WORDS).then_some(h))
}

/// A line's folded hash and its word count; `None` for a line without words.
fn fold(line: &str) -> Option<(u64, usize)> {
    // Fx: this runs over every character of every body at ingest.
    let mut hasher = FxHasher::default();
    let mut words = 0;
    for word in line
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        words += 1;
        // A run of digits counts as one: "ticket 9" and "ticket 123" match.
        let mut after_digit = false;
        for c in word.chars() {
            if c.is_ascii_digit() {
                if !after_digit {
                    '0'.hash(&mut hasher);
                }
                after_digit = true;
                continue;
            }
            after_digit = false;
            if c.is_ascii() {
                c.to_ascii_lowercase().hash(&mut hasher);
            } else {
                c.to_lowercase().for_each(|l| l.hash(&mut hasher));
            }
        }
        ' '.hash(&mut hasher);
    }
    (words > 0).then(|| (hasher.finish(), words))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_many_tickets_share_is_found_and_stripped() {
        let macro_line = "Thank you for contacting Acme support, ticket 123 is open.";
        let texts: Vec<String> = (0..100)
            .map(|i| {
                if i % 2 == 0 {
                    // Each beside a different request.
                    let word: String = [b'a' + (i % 26) as u8, b'a' + (i / 26) as u8]
                        .iter()
                        .map(|&b| b as char)
                        .collect();
                    format!(
                        "symptom {word}\n{}",
                        macro_line.replace("123", &i.to_string())
                    )
                } else {
                    format!("another symptom {i}\n504 Gateway Timeout")
                }
            })
            .collect();
        let b = Boilerplate::detect(texts.iter().map(String::as_str));
        assert_eq!(b.len(), 1, "the macro, not the short error line");
        assert_eq!(b.strip(&texts[0]).as_deref(), Some("symptom aa"));
        assert_eq!(b.strip(&texts[1]), None);
        assert!(b.may_strip(&Boilerplate::line_keys(&texts[0])));
        assert!(!b.may_strip(&Boilerplate::line_keys(&texts[1])));
        assert_eq!(
            b.strip("printer on fire\nTHANK YOU for contacting acme support - ticket 9 is open"),
            Some("printer on fire".to_string()),
            "case, digits and punctuation folded"
        );
        assert_eq!(
            b.strip(macro_line),
            None,
            "a ticket is never stripped to nothing"
        );
    }

    #[test]
    fn an_incident_storm_is_not_boilerplate() {
        let mut texts: Vec<String> = (0..80)
            .map(|i| format!("login fails with an error (attempt {i})\nService: auth"))
            .collect();
        texts.extend((0..20).map(|i| format!("invoice pdf {i} is blank")));
        assert!(Boilerplate::detect(texts.iter().map(String::as_str)).is_empty());
    }

    #[test]
    fn a_small_corpus_has_no_boilerplate() {
        let texts = ["the same long line of many words here"; 10];
        assert!(Boilerplate::detect(texts).is_empty());
    }
}
