//! Analyse once: a ticket's term counts, made at ingest and stored with it,
//! so that a re-cluster reads counts instead of running the analyzer over
//! every ticket's text again (that was a third of a 1M re-cluster).
//!
//! What is stored is what vectorising reads: the counts per field of the
//! cleaned title and body and of the notes, ids from the store's
//! [`TermDictionary`]. The title weight is applied when vectors are built,
//! so changing it needs no re-analysis. Boilerplate is the one thing that
//! cannot be known at ingest: it is a property of the corpus (a line many
//! tickets share). So the counts are taken before boilerplate is stripped,
//! and each ticket also keeps a short key of every body line long enough to
//! be boilerplate; a re-cluster analyses again, from text, only the tickets
//! one of whose keys is a boilerplate line of the corpus (see
//! [`Boilerplate::may_strip`]). Every other ticket's counts are exactly
//! what analysing its text would give.
//!
//! Counts are valid for one analysis [`TermAnalysis::fingerprint`]; the
//! store drops them when it changes, and they are made again from text.

use std::borrow::Cow;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::DocText;
use super::dictionary::TermDictionary;
use crate::analyze::Analyzer;
use crate::clean::{Boilerplate, clean};

/// One ticket's analysed terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketTerms {
    /// `(term id, count)` of each field, sorted by id.
    pub title: Vec<(u32, u32)>,
    pub body: Vec<(u32, u32)>,
    pub notes: Vec<(u32, u32)>,
    /// Keys of the cleaned body's lines that are long enough to be
    /// boilerplate ([`Boilerplate::line_keys`]).
    pub lines: Vec<u32>,
}

/// The stored encoding's version: a blob of another version is not read.
const FORMAT: u8 = 1;

impl TicketTerms {
    /// The compact stored form: LEB128 varints, ids delta-coded.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            1 + 4 * (self.title.len() + self.body.len() + self.notes.len() + self.lines.len()),
        );
        out.push(FORMAT);
        for field in [&self.title, &self.body, &self.notes] {
            put(&mut out, field.len() as u32);
            let mut last = 0;
            for &(id, count) in field {
                put(&mut out, id - last);
                put(&mut out, count);
                last = id;
            }
        }
        put(&mut out, self.lines.len() as u32);
        for &key in &self.lines {
            out.extend_from_slice(&key.to_le_bytes());
        }
        out
    }

    /// Reads [`TicketTerms::encode`]'s output; `None` for a blob of another
    /// version or a damaged one (the ticket is then analysed from text).
    pub fn decode(bytes: &[u8]) -> Option<TicketTerms> {
        let mut terms = TicketTerms::default();
        terms.decode_into(bytes).then_some(terms)
    }

    /// As [`TicketTerms::decode`], into `self`'s own vectors (cleared
    /// first), so that reading a million tickets allocates nothing per
    /// ticket. `false` (and `self` in no useful state) for a blob that
    /// `decode` refuses.
    pub fn decode_into(&mut self, bytes: &[u8]) -> bool {
        self.read(bytes).is_some()
    }

    fn read(&mut self, bytes: &[u8]) -> Option<()> {
        let (&format, mut rest) = bytes.split_first()?;
        if format != FORMAT {
            return None;
        }
        for field in [&mut self.title, &mut self.body, &mut self.notes] {
            field.clear();
            let n = take(&mut rest)? as usize;
            field.reserve(n.min(rest.len()));
            let mut id = 0u32;
            for _ in 0..n {
                id = id.checked_add(take(&mut rest)?)?;
                field.push((id, take(&mut rest)?));
            }
        }
        let n = take(&mut rest)? as usize;
        if rest.len() != 4 * n {
            return None;
        }
        self.lines.clear();
        self.lines.extend(
            rest.chunks_exact(4)
                .map(|k| u32::from_le_bytes([k[0], k[1], k[2], k[3]])),
        );
        Some(())
    }

    /// The ticket's weighted term counts, merged over fields and sorted by
    /// id, into `out` (cleared first): a title term counts `title_weight`
    /// times. Fields are added in a fixed order, so the sums never depend
    /// on term ids.
    pub fn weighted_into(&self, title_weight: f32, out: &mut Vec<(u32, f32)>) {
        out.clear();
        // Each field is sorted by id: a merge, not a sort (a sort per
        // ticket was a tenth of reading a 1M corpus).
        let (title, body, notes) = (&self.title[..], &self.body[..], &self.notes[..]);
        let (mut a, mut b, mut c) = (0, 0, 0);
        let head = |field: &[(u32, u32)], i: usize| field.get(i).map_or(u32::MAX, |&(id, _)| id);
        while a < title.len() || b < body.len() || c < notes.len() {
            let id = head(title, a).min(head(body, b)).min(head(notes, c));
            let mut sum = 0.0f32;
            if head(title, a) == id {
                sum += title[a].1 as f32 * title_weight;
                a += 1;
            }
            if head(body, b) == id {
                sum += body[b].1 as f32;
                b += 1;
            }
            if head(notes, c) == id {
                sum += notes[c].1 as f32;
                c += 1;
            }
            // A field holding an id twice (never written so) still sums.
            match out.last_mut() {
                Some(last) if last.0 == id => last.1 += sum,
                _ => out.push((id, sum)),
            }
        }
    }
}

fn put(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn take(bytes: &mut &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for shift in (0..35).step_by(7) {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        v |= u32::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// A ticket's tokens as the search index takes them: each field's tokens
/// in order, separated by single spaces (tokens never hold whitespace).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexedText {
    pub title: String,
    pub body: String,
    pub notes: String,
}

/// The text fields a ticket is analysed from.
pub trait TicketText: Sync {
    fn title(&self) -> &str;
    fn body(&self) -> &str;
    fn notes(&self) -> Cow<'_, str>;
}

impl TicketText for DocText {
    fn title(&self) -> &str {
        &self.title
    }
    fn body(&self) -> &str {
        &self.body
    }
    fn notes(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.notes)
    }
}

impl TicketText for crate::model::Ticket {
    fn title(&self) -> &str {
        &self.title
    }
    fn body(&self) -> &str {
        &self.body
    }
    fn notes(&self) -> Cow<'_, str> {
        Cow::Owned(self.note_text())
    }
}

impl<T: TicketText> TicketText for &T {
    fn title(&self) -> &str {
        (*self).title()
    }
    fn body(&self) -> &str {
        (*self).body()
    }
    fn notes(&self) -> Cow<'_, str> {
        (*self).notes()
    }
}

/// Tickets analysed per parallel task.
const TASK: usize = 256;

/// Bumped when cleaning changes what text reaches the analyzer.
const CLEAN_VERSION: u32 = 1;

/// How ticket text becomes [`TicketTerms`]: the analyzer, whether text is
/// cleaned, and the dictionary that gives terms their ids.
#[derive(Clone)]
pub struct TermAnalysis {
    analyzer: Analyzer,
    clean: bool,
    dictionary: Arc<TermDictionary>,
}

impl TermAnalysis {
    pub fn new(analyzer: Analyzer, clean: bool, dictionary: Arc<TermDictionary>) -> Self {
        TermAnalysis {
            analyzer,
            clean,
            dictionary,
        }
    }

    /// The same analysis with cleaning `on` or off.
    pub fn with_cleaning(&self, on: bool) -> Self {
        TermAnalysis {
            clean: on,
            ..self.clone()
        }
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    pub fn dictionary(&self) -> &Arc<TermDictionary> {
        &self.dictionary
    }

    pub fn cleans(&self) -> bool {
        self.clean
    }

    /// Identifies what counts this analysis makes: stored counts made under
    /// another fingerprint are dropped and made again (FNV-1a, so that it
    /// is the same in every build).
    pub fn fingerprint(&self) -> i64 {
        let text = format!(
            "{}:clean={}:v{CLEAN_VERSION}:f{FORMAT}",
            self.analyzer.fingerprint(),
            self.clean
        );
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        hash as i64
    }

    /// Analyses `docs` in parallel, in order. With `boilerplate`, bodies
    /// are stripped of it (a re-cluster's corpus); without, they are not
    /// (the counts stored at ingest).
    pub fn analyse<T: TicketText>(
        &self,
        docs: &[T],
        boilerplate: Option<&Boilerplate>,
    ) -> Vec<TicketTerms> {
        docs.par_chunks(TASK)
            .flat_map_iter(|task| self.analyse_task(task, boilerplate, false))
            .map(|(terms, _)| terms)
            .collect()
    }

    /// Analyses `docs` as ingest does (no boilerplate stripped), keeping
    /// each ticket's tokens for the search index as well: the index is
    /// given the tokens this analysis made, so text is analysed once.
    pub fn analyse_indexed<T: TicketText>(&self, docs: &[T]) -> Vec<(TicketTerms, IndexedText)> {
        docs.par_chunks(TASK)
            .flat_map_iter(|task| self.analyse_task(task, None, true))
            .map(|(terms, text)| (terms, text.unwrap_or_default()))
            .collect()
    }

    /// One task's tickets: terms are interned task-locally, so that the
    /// shared dictionary is asked once per distinct term, not per token.
    fn analyse_task<T: TicketText>(
        &self,
        docs: &[T],
        boilerplate: Option<&Boilerplate>,
        keep_tokens: bool,
    ) -> Vec<(TicketTerms, Option<IndexedText>)> {
        let mut analyzer = self.analyzer.clone();
        let mut local: FxHashMap<String, u32> = FxHashMap::default();
        let mut local_terms: Vec<String> = Vec::new();
        let mut out = Vec::with_capacity(docs.len());
        let mut ids: Vec<u32> = Vec::new();
        let mut count =
            |text: &str, analyzer: &mut Analyzer, tokens: &mut Option<String>| -> Vec<(u32, u32)> {
                ids.clear();
                if let Some(tokens) = tokens.as_mut() {
                    tokens.reserve(text.len());
                }
                analyzer.for_each_token(text, |token| {
                    if let Some(tokens) = tokens.as_mut() {
                        if !tokens.is_empty() {
                            tokens.push(' ');
                        }
                        tokens.push_str(token);
                    }
                    let id = match local.get(token) {
                        Some(&id) => id,
                        None => {
                            let id = local_terms.len() as u32;
                            local_terms.push(token.to_string());
                            local.insert(token.to_string(), id);
                            id
                        }
                    };
                    ids.push(id);
                });
                counted(&mut ids)
            };
        for doc in docs {
            let (title, body, lines) = if self.clean {
                // As `cleaned` does, keeping the lines' keys before the strip.
                let body = clean(doc.body());
                let lines = Boilerplate::line_keys(&body);
                let body = match boilerplate.and_then(|b| b.strip(&body)) {
                    Some(stripped) => Cow::Owned(stripped),
                    None => body,
                };
                (clean(doc.title()), body, lines)
            } else {
                (
                    Cow::Borrowed(doc.title()),
                    Cow::Borrowed(doc.body()),
                    Vec::new(),
                )
            };
            let mut tokens = [(); 3].map(|()| keep_tokens.then(String::new));
            let [t, b, n] = &mut tokens;
            let terms = TicketTerms {
                title: count(&title, &mut analyzer, t),
                body: count(&body, &mut analyzer, b),
                notes: count(&doc.notes(), &mut analyzer, n),
                lines,
            };
            let [title, body, notes] = tokens;
            let text = keep_tokens.then(|| IndexedText {
                title: title.unwrap_or_default(),
                body: body.unwrap_or_default(),
                notes: notes.unwrap_or_default(),
            });
            out.push((terms, text));
        }
        let global = self.dictionary.intern(local_terms);
        for (terms, _) in &mut out {
            for field in [&mut terms.title, &mut terms.body, &mut terms.notes] {
                for (id, _) in field.iter_mut() {
                    *id = global[*id as usize];
                }
                field.sort_unstable_by_key(|&(id, _)| id);
            }
        }
        out
    }
}

/// Token ids → `(id, count)`, sorted by id.
fn counted(ids: &mut [u32]) -> Vec<(u32, u32)> {
    ids.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &id in ids.iter() {
        match out.last_mut() {
            Some((last, n)) if *last == id => *n += 1,
            _ => out.push((id, 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::vectors::TicketKey;

    fn doc(title: &str, body: &str, notes: &str) -> DocText {
        DocText {
            key: TicketKey::default(),
            title: title.into(),
            body: body.into(),
            notes: notes.into(),
        }
    }

    fn analysis() -> TermAnalysis {
        TermAnalysis::new(Analyzer::default(), true, Arc::default())
    }

    proptest! {
        #[test]
        fn encoding_round_trips(
            fields in proptest::collection::vec(
                proptest::collection::btree_map(any::<u32>(), 1..u32::MAX, 0..20), 3),
            lines in proptest::collection::vec(any::<u32>(), 0..5),
        ) {
            let f = |i: usize| fields[i].iter().map(|(&a, &b)| (a, b)).collect::<Vec<_>>();
            let terms = TicketTerms { title: f(0), body: f(1), notes: f(2), lines };
            prop_assert_eq!(TicketTerms::decode(&terms.encode()), Some(terms));
        }

        #[test]
        fn decoding_into_used_vectors_gives_what_a_fresh_decode_gives(
            first in proptest::collection::btree_map(0..50u32, 1..9u32, 0..20),
            second in proptest::collection::btree_map(0..50u32, 1..9u32, 0..20),
        ) {
            let terms = |m: &std::collections::BTreeMap<u32, u32>| TicketTerms {
                title: m.iter().map(|(&a, &b)| (a, b)).collect(),
                body: m.iter().rev().take(3).map(|(&a, &b)| (a, b)).rev().collect(),
                notes: Vec::new(),
                lines: m.keys().copied().collect(),
            };
            let mut reused = terms(&first);
            prop_assert!(reused.decode_into(&terms(&second).encode()));
            prop_assert_eq!(reused, terms(&second));
        }

        #[test]
        fn merged_fields_weigh_as_a_sort_of_them_all_would(
            fields in proptest::collection::vec(
                proptest::collection::btree_map(0..40u32, 1..20u32, 0..15), 3),
        ) {
            let f = |i: usize| fields[i].iter().map(|(&a, &b)| (a, b)).collect::<Vec<_>>();
            let terms = TicketTerms { title: f(0), body: f(1), notes: f(2), lines: Vec::new() };
            let mut merged = Vec::new();
            terms.weighted_into(2.0, &mut merged);
            let mut all: Vec<(u32, f32)> = terms.title.iter().map(|&(id, c)| (id, c as f32 * 2.0))
                .chain(terms.body.iter().map(|&(id, c)| (id, c as f32)))
                .chain(terms.notes.iter().map(|&(id, c)| (id, c as f32)))
                .collect();
            all.sort_by_key(|&(id, _)| id);
            let mut sorted: Vec<(u32, f32)> = Vec::new();
            for (id, w) in all {
                match sorted.last_mut() {
                    Some(last) if last.0 == id => last.1 += w,
                    _ => sorted.push((id, w)),
                }
            }
            prop_assert_eq!(merged, sorted);
        }

        #[test]
        fn damaged_blobs_are_refused_not_misread(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            if let Some(terms) = TicketTerms::decode(&bytes) {
                prop_assert_eq!(terms.encode(), bytes);
            }
        }
    }

    #[test]
    fn counts_are_per_field_of_the_cleaned_text() {
        let a = analysis();
        let terms = &a.analyse(
            &[doc(
                "Login loop",
                "<p>login fails</p><p>again and again</p>",
                "login",
            )],
            None,
        )[0];
        let words = a.dictionary().snapshot();
        let named = |field: &[(u32, u32)]| -> Vec<(String, u32)> {
            field
                .iter()
                .map(|&(id, c)| (words[id as usize].clone(), c))
                .collect()
        };
        let mut body = named(&terms.body);
        body.sort();
        assert_eq!(named(&terms.title).len(), 2);
        assert_eq!(
            body,
            [
                ("again".into(), 2),
                ("and".into(), 1),
                ("fail".into(), 1),
                ("login".into(), 1)
            ],
            "HTML markup is not counted"
        );
        assert_eq!(named(&terms.notes), [("login".into(), 1)]);
        let mut weighted = Vec::new();
        terms.weighted_into(2.0, &mut weighted);
        let login = words.iter().position(|w| w == "login").expect("login") as u32;
        assert_eq!(
            weighted.iter().find(|(id, _)| *id == login).map(|p| p.1),
            Some(4.0)
        );
    }

    #[test]
    fn only_lines_long_enough_to_be_boilerplate_are_keyed() {
        let a = analysis();
        let terms = &a.analyse(
            &[doc(
                "",
                "short line\nthis line has enough words to be one",
                "",
            )],
            None,
        )[0];
        assert_eq!(terms.lines.len(), 1);
    }

    #[test]
    fn the_fingerprint_follows_the_analysis() {
        let plain = TermAnalysis::new(
            Analyzer::new(crate::analyze::AnalyzerSettings {
                stem: false,
                ..Default::default()
            }),
            true,
            Arc::default(),
        );
        let raw = TermAnalysis::new(Analyzer::default(), false, Arc::default());
        assert_eq!(analysis().fingerprint(), analysis().fingerprint());
        assert_ne!(analysis().fingerprint(), plain.fingerprint());
        assert_ne!(analysis().fingerprint(), raw.fingerprint());
    }
}
