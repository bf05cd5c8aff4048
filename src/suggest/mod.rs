//! suggest-group: which known problem is this new ticket?
//!
//! A [`Suggester`] is a snapshot of the confirmed groups as the engine's
//! attach rule sees them: their members' centroids, told apart from one
//! another ([`crate::review::centroids`]), over the vocabulary, IDF and analyzer the
//! groups were built with. It is rebuilt after every decision and
//! re-cluster and swapped in whole, so a request never waits on a lock or
//! touches the disk: it analyses the text, walks the inverted list of the
//! ticket's terms, and ranks the groups that share one.
//!
//! The verdict: `new` when the best group's cosine is under `new_below`
//! (0.2), or when under `min_grouped_share` (35%) of the ticket's 40
//! nearest stored tickets' similarity ([`neighbours`]) lies in any group —
//! its own kind is in none, whatever group it happens to be nearest;
//! otherwise `ambiguous` when the runner-up is within `ambiguous_within`
//! (0.05), else `match`. In that share a neighbour in a set a reviewer
//! rejected counts `rejected_weight` (2) times and one nobody has decided
//! `unreviewed_weight` (0.3) times against a grouped one: a reviewer's
//! "not a known problem" says more than silence, and a ticket of a known
//! problem often has undecided neighbours the groups have not reached.
//!
//! Chosen on a dev split of Banking77 train (80/20, the harness's reviewer
//! on the 80%, `benches/dev_split.py`), each rule at its best thresholds
//! with at most 10% of known tickets wrongly `new`: the cosine alone found
//! 44% of unseen-label tickets; the 40 nearest tickets, evenly weighed,
//! 45% (5: 28%, 10: 38%, 20: 41%, 80: 42%); weighed, 47%. On the test
//! split, evenly weighed at share 0.2: 58% at 12% wrong (at most 10% wrong:
//! 50%); weighed at 0.35: 54% at 9.6% wrong. A cosine floor of 0.15 gained
//! 2% on dev but let a ticket sharing one rare word with a group be a
//! `match`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::analyze::Analyzer;
use crate::model::{GroupId, Tag};
use crate::review::Space;
use crate::review::centroids::CentroidIndex;
use crate::vectors::DocText;

pub mod neighbours;

use neighbours::TicketPostings;

/// The `[suggest]` config table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuggestSettings {
    /// Below this cosine to the best group, the verdict is `new`.
    pub new_below: f32,
    /// A runner-up within this of the best makes the verdict `ambiguous`.
    pub ambiguous_within: f32,
    /// Stored tickets nearest to the new one that are looked at.
    pub neighbours: usize,
    /// Below this share of those neighbours' similarity in groups, the
    /// verdict is `new`, whatever the cosine: the ticket's own kind is in
    /// no group.
    pub min_grouped_share: f32,
    /// In that share, a neighbour in a rejected set counts this many times
    /// against a grouped one.
    pub rejected_weight: f32,
    /// ... and a neighbour nobody has decided this many times.
    pub unreviewed_weight: f32,
}

impl Default for SuggestSettings {
    fn default() -> Self {
        SuggestSettings {
            new_below: 0.2,
            ambiguous_within: 0.05,
            neighbours: 40,
            min_grouped_share: 0.35,
            rejected_weight: 2.0,
            unreviewed_weight: 0.3,
        }
    }
}

impl SuggestSettings {
    /// # Errors
    /// A threshold out of range, said so that it can be fixed.
    pub fn check(&self) -> Result<(), &'static str> {
        if !(self.new_below > 0.0 && self.new_below < 1.0) {
            return Err("suggest.new_below must be in (0, 1)");
        }
        if !(0.0..1.0).contains(&self.ambiguous_within) {
            return Err("suggest.ambiguous_within must be in [0, 1)");
        }
        if !(1..=200).contains(&self.neighbours) {
            return Err("suggest.neighbours must be between 1 and 200");
        }
        if !(0.0..1.0).contains(&self.min_grouped_share) {
            return Err("suggest.min_grouped_share must be in [0, 1)");
        }
        if !(0.0..=10.0).contains(&self.rejected_weight) {
            return Err("suggest.rejected_weight must be in [0, 10]");
        }
        if !(self.unreviewed_weight > 0.0 && self.unreviewed_weight <= 10.0) {
            return Err("suggest.unreviewed_weight must be in (0, 10]");
        }
        Ok(())
    }

    /// How the neighbourhood's share in groups weighs each neighbour.
    pub fn share_weights(&self) -> neighbours::ShareWeights {
        neighbours::ShareWeights {
            rejected: self.rejected_weight,
            unreviewed: self.unreviewed_weight,
        }
    }
}

/// How sure the answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// One group is clearly best.
    Match,
    /// Two or more groups are close.
    Ambiguous,
    /// No confirmed group fits.
    New,
}

/// A group as suggest-group describes it.
#[derive(Debug, Clone)]
pub struct GroupInfo {
    pub id: GroupId,
    pub name: String,
    pub tag: Tag,
    pub count: u64,
    pub last_seen: Option<OffsetDateTime>,
}

/// One ranked group.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub group: GroupInfo,
    /// Cosine between the ticket and the group's centroid.
    pub score: f32,
    /// The ticket's terms that carried the match, heaviest first.
    pub why: Vec<String>,
}

/// The verdict and the ranked groups.
#[derive(Debug, Clone)]
pub struct Answer {
    pub verdict: Verdict,
    pub suggestions: Vec<Suggestion>,
}

/// Terms listed in `why`.
const WHY_TERMS: usize = 5;

/// A ticket is ranked by its heaviest terms only. Each term costs a walk
/// of its lists (every group and up to `MAX_LIST` tickets that hold it), and
/// a long ticket's lightest terms move no ranking: at 1M tickets and 6.7k
/// groups, full generated tickets (38 distinct words at the median) cost
/// 0.98 ms of CPU a request with every term (`benches/suggest_1m.py`).
/// Banking77 queries have fewer terms than this, so their answers do not
/// change.
const QUERY_TERMS: usize = 24;

thread_local! {
    /// Per-group scores of the request a worker thread is ranking.
    static SCORES: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The `keep` best positive scores, best first (ties: lower group first),
/// in one pass that allocates only the answer.
fn best_scores(scores: &[f32], keep: usize) -> Vec<(usize, f32)> {
    let mut best: Vec<(usize, f32)> = Vec::with_capacity(keep + 1);
    for (g, &s) in scores.iter().enumerate() {
        if s <= 0.0 || (best.len() == keep && s <= best[keep - 1].1) {
            continue;
        }
        let at = best.partition_point(|e| e.1 >= s);
        best.insert(at, (g, s));
        best.truncate(keep);
    }
    best
}

/// The nearest stored tickets are found by a ticket's 12 heaviest terms,
/// as the clustering's kNN graph finds its candidates (`query_terms`):
/// each term walks up to `MAX_LIST` tickets at random places of a
/// per-ticket accumulator, the costliest step of a request.
const NEIGHBOUR_TERMS: usize = 12;

/// The `keep` heaviest entries of a unit-length row, scaled back to unit
/// length, in term order.
fn heaviest_terms(mut row: Vec<(u32, f32)>, keep: usize) -> Vec<(u32, f32)> {
    if row.len() <= keep {
        return row;
    }
    row.select_nth_unstable_by(keep, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    row.truncate(keep);
    row.sort_unstable_by_key(|e| e.0);
    let norm = row.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
    if norm > 0.0 {
        row.iter_mut().for_each(|e| e.1 /= norm);
    }
    row
}

/// Confirmed groups, ready to rank a ticket against.
pub struct Suggester {
    space: Arc<Space>,
    index: CentroidIndex,
    postings: Arc<TicketPostings>,
    /// The group of each row of the space.
    group_of: Vec<Option<u32>>,
    /// Rows in a set a reviewer rejected (and in no group).
    rejected: Vec<bool>,
    groups: Vec<GroupInfo>,
    analyzer: Analyzer,
    title_weight: f32,
    settings: SuggestSettings,
}

impl Suggester {
    /// The groups `groups[g]` with member rows `members[g]` of `space`,
    /// whose tickets `postings` indexes; `rejected` rows are in sets a
    /// reviewer rejected.
    pub fn new(
        space: Arc<Space>,
        postings: Arc<TicketPostings>,
        groups: Vec<GroupInfo>,
        members: &[Vec<u32>],
        rejected: &[u32],
        analyzer: Analyzer,
        settings: SuggestSettings,
    ) -> Suggester {
        let rows: Vec<&[u32]> = members.iter().map(Vec::as_slice).collect();
        let index = CentroidIndex::learn(&space, &rows);
        let mut group_of = vec![None; space.len()];
        for (g, rows) in members.iter().enumerate() {
            for &r in rows {
                group_of[r as usize] = Some(g as u32);
            }
        }
        let mut rejected_rows = vec![false; if rejected.is_empty() { 0 } else { space.len() }];
        for &r in rejected {
            rejected_rows[r as usize] = true;
        }
        let title_weight = space.title_weight();
        Suggester {
            space,
            index,
            postings,
            group_of,
            rejected: rejected_rows,
            groups,
            analyzer,
            title_weight,
            settings,
        }
    }

    /// Confirmed groups this snapshot knows.
    pub fn groups(&self) -> usize {
        self.groups.len()
    }

    /// Ranks the groups for `doc`: at most `limit` that share a term with
    /// it, best first, and the verdict.
    pub fn suggest(&self, doc: &DocText, limit: usize) -> Answer {
        let mut analyzer = self.analyzer.clone();
        let row = self
            .space
            .corpus
            .vocab
            .vectorize(&mut analyzer, doc, self.title_weight);
        let row = heaviest_terms(row, QUERY_TERMS);
        // Only the first `limit` (and the runner-up) are ever read.
        let ranked = SCORES.with(|scores| {
            let mut scores = scores.borrow_mut();
            scores.resize(self.index.groups(), 0.0);
            self.index.score(row.iter().copied(), &mut scores);
            best_scores(&scores, limit.max(2))
        });
        let verdict = match ranked.as_slice() {
            [] => Verdict::New,
            [(g, best), rest @ ..] => {
                let second = rest.first().map_or(0.0, |r| r.1);
                let (near_terms, near_values): (Vec<u32>, Vec<f32>) =
                    heaviest_terms(row.clone(), NEIGHBOUR_TERMS)
                        .into_iter()
                        .unzip();
                let n = self.postings.neighbourhood(
                    &near_terms,
                    &near_values,
                    self.settings.neighbours,
                    &self.group_of,
                    &self.rejected,
                    Some(*g),
                );
                if *best < self.settings.new_below
                    || n.grouped_share(self.settings.share_weights())
                        < self.settings.min_grouped_share
                {
                    Verdict::New
                } else if best - second <= self.settings.ambiguous_within {
                    Verdict::Ambiguous
                } else {
                    Verdict::Match
                }
            }
        };
        let suggestions = ranked
            .into_iter()
            .take(limit)
            .map(|(g, score)| Suggestion {
                group: self.groups[g].clone(),
                score,
                why: self.why(&row, g),
            })
            .collect();
        Answer {
            verdict,
            suggestions,
        }
    }

    /// The ticket's terms that added most to its score against group `g`.
    fn why(&self, row: &[(u32, f32)], g: usize) -> Vec<String> {
        let mut carried: Vec<(f32, u32)> = row
            .iter()
            .map(|&(t, v)| (v * self.index.weight(t, g), t))
            .filter(|(c, _)| *c > 0.0)
            .collect();
        carried.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        carried
            .into_iter()
            .take(WHY_TERMS)
            .map(|(_, t)| self.space.corpus.vocab.terms[t as usize].clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::VectorParams;

    #[test]
    fn the_best_scores_come_best_first_and_ties_keep_the_lower_group() {
        let scores = [0.0, 0.5, 0.9, 0.5, -0.1, 0.7, 0.5];
        assert_eq!(best_scores(&scores, 3), [(2, 0.9), (5, 0.7), (1, 0.5)]);
        assert_eq!(best_scores(&scores, 10).len(), 5, "positive scores only");
        assert!(best_scores(&[0.0, 0.0], 2).is_empty());
    }

    #[test]
    fn a_long_ticket_is_ranked_by_its_heaviest_terms_at_unit_length() {
        let short = vec![(3, 0.6), (9, 0.8)];
        assert_eq!(heaviest_terms(short.clone(), 2), short, "short rows stay");
        let long = vec![(1, 0.1), (4, 0.7), (5, 0.1), (8, 0.7)];
        let kept = heaviest_terms(long, 2);
        assert_eq!(kept.iter().map(|e| e.0).collect::<Vec<_>>(), [4, 8]);
        let norm: f32 = kept.iter().map(|e| e.1 * e.1).sum();
        assert!((norm - 1.0).abs() < 1e-5, "{kept:?}");
    }

    fn doc(text: &str) -> DocText {
        DocText {
            key: Default::default(),
            title: String::new(),
            body: text.into(),
            notes: String::new(),
        }
    }

    fn space(texts: &[&str]) -> Arc<Space> {
        Arc::new(crate::review::space_of(
            texts,
            &VectorParams {
                min_df: 1,
                ..VectorParams::default()
            },
        ))
    }

    fn info(id: &str, name: &str) -> GroupInfo {
        GroupInfo {
            id: GroupId::parse(id).expect("id"),
            name: name.into(),
            tag: Tag::parse("weak-ux").expect("tag"),
            count: 2,
            last_seen: None,
        }
    }

    fn suggester() -> Suggester {
        let space = space(&[
            "login loop after the update",
            "stuck in a login loop",
            "invoice pdf is blank",
            "the invoice pdf shows nothing",
        ]);
        let row = |id: &str| space.row(id).expect("row");
        let members = vec![vec![row("t0"), row("t1")], vec![row("t2"), row("t3")]];
        let postings = Arc::new(TicketPostings::build(&space));
        Suggester::new(
            space,
            postings,
            vec![info("g1", "login loop"), info("g2", "blank invoice")],
            &members,
            &[],
            Analyzer::default(),
            SuggestSettings::default(),
        )
    }

    #[test]
    fn a_ticket_whose_neighbours_a_reviewer_rejected_is_new() {
        let space = space(&[
            "login loop after the update",
            "stuck in a login loop",
            "login page is slow today",
            "the login page is slow",
        ]);
        let row = |id: &str| space.row(id).expect("row");
        let postings = Arc::new(TicketPostings::build(&space));
        let with_rejected = |rejected: &[u32]| {
            Suggester::new(
                space.clone(),
                postings.clone(),
                vec![info("g1", "login loop")],
                &[vec![row("t0"), row("t1")]],
                rejected,
                Analyzer::default(),
                SuggestSettings {
                    new_below: 0.01,
                    min_grouped_share: 0.1,
                    ..SuggestSettings::default()
                },
            )
            .suggest(&doc("login page slow"), 5)
            .verdict
        };
        assert_ne!(with_rejected(&[]), Verdict::New, "undecided neighbours");
        assert_eq!(
            with_rejected(&[row("t2"), row("t3")]),
            Verdict::New,
            "a reviewer said its kind is no known problem"
        );
    }

    #[test]
    fn a_ticket_like_one_group_is_a_match_with_its_reasons() {
        let answer = suggester().suggest(&doc("login loop again"), 5);
        assert_eq!(answer.verdict, Verdict::Match);
        assert_eq!(answer.suggestions[0].group.name, "login loop");
        assert!(
            answer.suggestions[0].why.iter().any(|t| t == "loop"),
            "{:?}",
            answer.suggestions[0].why
        );
    }

    #[test]
    fn a_ticket_like_no_group_is_new_and_a_tie_is_ambiguous() {
        let s = suggester();
        let answer = s.suggest(&doc("sunny weather, lovely"), 5);
        assert_eq!(answer.verdict, Verdict::New);
        assert!(answer.suggestions.is_empty());
        let answer = s.suggest(&doc("login loop and a blank invoice pdf"), 5);
        assert_eq!(
            answer.verdict,
            Verdict::Ambiguous,
            "{:?}",
            answer
                .suggestions
                .iter()
                .map(|x| x.score)
                .collect::<Vec<_>>()
        );
        assert_eq!(
            s.suggest(&doc("login loop and a blank invoice pdf"), 1)
                .suggestions
                .len(),
            1
        );
    }
}
