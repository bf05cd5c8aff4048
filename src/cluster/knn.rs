//! Approximate k-nearest-neighbour graph over sparse TF-IDF rows, without
//! any step over all pairs.
//!
//! Two steps, both parallel over tickets (rayon) and independent of the
//! thread count:
//!
//! 1. **Candidates from shared terms.** Each ticket is indexed under its
//!    `query_terms` heaviest terms (terms in more than `max_index_df_ratio`
//!    of tickets are skipped: they would link everything). A ticket's
//!    candidates are the tickets sharing those terms; partial dot products
//!    pick the most promising, which are scored exactly. Posting lists longer
//!    than the work budget allows keep a seeded pseudo-random sample, so the
//!    cost is about `n × query_terms × cap`: linear in the number of tickets.
//!    A sample, not the heaviest entries: the heaviest are the shortest
//!    tickets, and every ticket of a large symptom would then link to the
//!    same few hubs, which at a million tickets are as likely to belong to a
//!    look-alike symptom (edge precision fell to 0.74 on a `gen` dump).
//! 2. **Neighbours of neighbours** ([`refine`], NN-descent's local join done
//!    per ticket): the neighbours and reverse neighbours of a ticket's
//!    neighbours and reverse neighbours are scored exactly and the best `k`
//!    kept. A sampled first step finds typical members of a symptom; this
//!    step finds the closest ones among them (edge precision 0.998 at a
//!    million tickets).
//!
//! Rows are read at random in both steps; [`crate::vectors::Corpus`] lays
//! them out so that similar tickets sit together, which keeps those reads in
//! cache.

use rayon::prelude::*;

use super::neighbors::Link;
pub use super::neighbors::Neighbors;
use super::params::ValidClusterParams;
use super::rows::Rows;
use crate::vectors::{CsrMatrix, Vocabulary};

/// Posting lists are never capped below this, however large the corpus.
const MIN_POSTINGS: usize = 100;

/// Candidates scored exactly per ticket, as a multiple of `k`.
const RERANK_FACTOR: usize = 4;

/// Reverse neighbours followed per ticket in [`refine`], as a share of `k`
/// (`k / REVERSE_DIVISOR`): enough to leave a hub. Half of `k` scores 40%
/// fewer candidates than all `k` and clusters as well or better (1M `gen`
/// dump: ARI 0.9923 against 0.9917; Banking77 test NMI 0.675 against
/// 0.671); none at all lost a large symptom's stragglers (ARI 0.955).
const REVERSE_DIVISOR: usize = 2;

/// Builds the kNN lists.
pub fn knn(matrix: &CsrMatrix, vocab: &Vocabulary, params: &ValidClusterParams) -> Neighbors {
    let n = matrix.rows();
    let k = params.neighbors;
    if n == 0 {
        return Neighbors::from_lists(k, &[]);
    }
    let max_df = ((params.max_index_df_ratio * n as f32) as u32).max(2);
    let indexable: Vec<bool> = vocab.df.iter().map(|&df| df <= max_df).collect();
    let query = Query {
        matrix,
        indexable: &indexable,
        terms: params.query_terms,
    };
    let m = params.query_terms;
    let cap = ((params.candidate_budget / (n as u64 * m as u64)) as usize).max(MIN_POSTINGS);
    let postings = postings(&query, vocab.len(), cap, params.seed);
    tracing::debug!(rss_mib = ?crate::memory::resident_mib(), "postings built");
    let rerank = k * RERANK_FACTOR;
    let first = Neighbors::build(
        n,
        k,
        || (Scratch::new(n, vocab.len()), Vec::new()),
        |(scratch, terms), d, slot| {
            query.of(d, terms);
            neighbours_of(
                d as u32,
                terms,
                matrix,
                &postings,
                scratch,
                rerank,
                params.min_similarity,
                slot,
            )
        },
    );
    tracing::debug!(rss_mib = ?crate::memory::resident_mib(), "first neighbours");
    drop(postings);
    refine(matrix, vocab.len(), &first, k, params.min_similarity)
}

/// A ticket's query: its `terms` heaviest indexable terms as (term,
/// weight), heaviest first. Made again where needed rather than held: at a
/// million tickets the held queries were 96 MB of the neighbour step's peak,
/// and picking a dozen of a row's few dozen terms costs little beside
/// scoring its candidates.
struct Query<'a> {
    matrix: &'a CsrMatrix,
    indexable: &'a [bool],
    terms: usize,
}

impl Query<'_> {
    fn of(&self, d: usize, out: &mut Vec<Link>) {
        out.clear();
        self.matrix.row(d).for_each(|t, v| {
            if self.indexable[t as usize] {
                out.push((t, v));
            }
        });
        if out.len() > self.terms {
            out.select_nth_unstable_by(self.terms, best_first);
            out.truncate(self.terms);
        }
        out.sort_unstable_by(best_first);
    }
}

/// One round of neighbour-of-neighbour refinement: for each ticket, the
/// tickets one and two steps away (following neighbour lists both ways)
/// are scored exactly and the best `k` kept. Current neighbours are among
/// the candidates, so no list gets worse.
pub fn refine(
    matrix: &CsrMatrix,
    terms: usize,
    graph: &Neighbors,
    k: usize,
    min_similarity: f32,
) -> Neighbors {
    let n = graph.len();
    let reverse = reverse_neighbours(graph, (k / REVERSE_DIVISOR).max(1));
    let around = |d: usize| {
        graph[d]
            .iter()
            .map(|(o, _)| *o)
            .chain(reverse.row(d).iter().copied())
    };
    Neighbors::build(
        n,
        k,
        || (vec![u32::MAX; n], ExactScorer::new(terms), Vec::new()),
        |(seen, scorer, scored), d, slot| {
            // `seen[o] == d` marks a candidate already taken for `d`.
            let stamp = d as u32;
            seen[d] = stamp;
            let candidates = around(d)
                .flat_map(|near| std::iter::once(near).chain(around(near as usize)))
                .filter(|&o| std::mem::replace(&mut seen[o as usize], stamp) != stamp);
            scorer.score(matrix, d, candidates, min_similarity, scored);
            best_k(d as u32, scored, slot)
        },
    )
}

/// Highest score first; ties go to the lower id, so that order never
/// depends on the thread count.
fn best_first(a: &Link, b: &Link) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// Writes ticket `d`'s most similar candidates into `slot`, as many as it
/// holds, and returns how many. Equally similar ones (exact duplicates) are
/// ordered by a hash of the pair rather than by index: otherwise every copy
/// of a repeated text would link to the same few lowest-numbered copies, a
/// star that modularity breaks into singletons.
fn best_k(d: u32, scored: &mut Vec<Link>, slot: &mut [Link]) -> usize {
    let k = slot.len();
    let order = |a: &Link, b: &Link| {
        b.1.total_cmp(&a.1)
            .then_with(|| pair_rank(d, a.0).cmp(&pair_rank(d, b.0)))
            .then(a.0.cmp(&b.0))
    };
    if scored.len() > k {
        scored.select_nth_unstable_by(k, order);
        scored.truncate(k);
    }
    scored.sort_unstable_by(order);
    slot[..scored.len()].copy_from_slice(scored);
    scored.len()
}

/// For each ticket, the tickets that list it as a neighbour, most similar
/// first, at most `cap` of them.
fn reverse_neighbours(graph: &Neighbors, cap: usize) -> Rows<u32> {
    let mut lists = Rows::scatter(graph.len(), |put| {
        for (d, list) in graph.iter().enumerate() {
            for &(o, sim) in list {
                put(o as usize, (d as u32, sim));
            }
        }
    });
    lists.edit(|_, list| {
        list.sort_unstable_by(best_first);
        cap
    });
    Rows {
        indptr: lists.indptr,
        items: lists.items.into_iter().map(|(d, _)| d).collect(),
    }
}

/// Tickets whose queries are made by one rayon task.
const QUERY_CHUNK: usize = 8192;

/// Term → (ticket, weight) of the tickets that query it, capped by a seeded
/// sample and kept in ticket order.
///
/// The queries are made in parallel, once, in chunks of tickets, and then
/// scattered in ticket order: made inside the scatter, which sends every
/// item twice, they were 0.9 s of one core at a million tickets (0.4 s
/// now on two).
fn postings(query: &Query<'_>, terms: usize, cap: usize, seed: u64) -> Rows<Link> {
    let n = query.matrix.rows();
    let chunks: Vec<Vec<(u32, Link)>> = (0..n.div_ceil(QUERY_CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut made = Vec::new();
            let mut terms = Vec::new();
            for d in c * QUERY_CHUNK..((c + 1) * QUERY_CHUNK).min(n) {
                query.of(d, &mut terms);
                made.extend(terms.iter().map(|&(t, w)| (t, (d as u32, w))));
            }
            made
        })
        .collect();
    let mut lists = Rows::scatter(terms, |put| {
        for &(t, link) in chunks.iter().flatten() {
            put(t as usize, link);
        }
    });
    drop(chunks);
    lists.edit(|_, list| {
        if list.len() > cap {
            list.select_nth_unstable_by_key(cap, |(d, _)| sample_rank(seed, *d));
            list[..cap].sort_unstable_by_key(|(d, _)| *d);
        }
        cap
    });
    lists
}

/// A ticket's place in every capped posting list's sample: the same for a
/// given seed, unrelated to the ticket's weight or position.
fn sample_rank(seed: u64, ticket: u32) -> u64 {
    // splitmix64's finaliser.
    let mut z = seed ^ (u64::from(ticket)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A fixed pseudo-random order of `other` as seen from `d`.
fn pair_rank(d: u32, other: u32) -> u64 {
    sample_rank(u64::from(d), other)
}

/// Exact cosine of one ticket against candidates: its row spread over a
/// vocabulary-wide buffer (reused, cleared after), so that each candidate
/// costs one pass over its own terms.
struct ExactScorer {
    query: Vec<f32>,
}

impl ExactScorer {
    fn new(terms: usize) -> Self {
        ExactScorer {
            query: vec![0.0; terms],
        }
    }

    /// Replaces `scored` with `candidates` and their similarity to row
    /// `d`, those below `min_similarity` left out.
    fn score(
        &mut self,
        matrix: &CsrMatrix,
        d: usize,
        candidates: impl Iterator<Item = u32>,
        min_similarity: f32,
        scored: &mut Vec<Link>,
    ) {
        let row = matrix.row(d);
        row.for_each(|t, v| self.query[t as usize] = v);
        scored.clear();
        scored.extend(candidates.filter_map(|o| {
            let sim = matrix.row(o as usize).dot_dense(&self.query);
            (sim >= min_similarity).then_some((o, sim))
        }));
        row.for_each(|t, _| self.query[t as usize] = 0.0);
    }
}

/// Per-thread buffers, reused across tickets.
struct Scratch {
    partial: Vec<f32>,
    touched: Vec<u32>,
    /// (partial score bits << 32) | !ticket, for selection.
    candidates: Vec<u64>,
    scored: Vec<Link>,
    scorer: ExactScorer,
}

impl Scratch {
    fn new(n: usize, terms: usize) -> Self {
        Scratch {
            partial: vec![0.0; n],
            touched: Vec::new(),
            candidates: Vec::new(),
            scored: Vec::new(),
            scorer: ExactScorer::new(terms),
        }
    }
}

/// Ticket `d`'s first neighbours, written into `slot`: the candidates
/// sharing its query terms with the highest partial dot products, scored
/// exactly.
#[allow(clippy::too_many_arguments)]
fn neighbours_of(
    d: u32,
    query: &[Link],
    matrix: &CsrMatrix,
    postings: &Rows<Link>,
    s: &mut Scratch,
    rerank: usize,
    min_similarity: f32,
    slot: &mut [Link],
) -> usize {
    // Without a branch on the loaded partial: a ticket is written to the
    // end of `touched` every time and kept there only when its partial was
    // still zero (weights are positive, so zero means untouched). A
    // mispredicted branch on that load made every posting wait for the one
    // before it; without it the loads overlap (first neighbours 4.7 → 4.2 s at
    // a million tickets).
    let postings_len: usize = query
        .iter()
        .map(|&(t, _)| postings.row(t as usize).len())
        .sum();
    s.touched.clear();
    s.touched.resize(postings_len, 0);
    let mut touched = 0;
    for &(t, w) in query {
        for &(other, w2) in postings.row(t as usize) {
            let partial = &mut s.partial[other as usize];
            let was = *partial;
            *partial = was + w * w2;
            s.touched[touched] = other;
            touched += usize::from(was == 0.0);
        }
    }
    s.touched.truncate(touched);
    // `d` is in its own posting lists: taken out here, once.
    s.partial[d as usize] = 0.0;
    s.touched.retain(|&o| o != d);
    // Candidates packed as one integer each, ordered as `best_first`
    // orders (score, then the lower id): the bits of a positive f32 order
    // as the numbers do. Selecting on plain integers rather than through a
    // comparator halved the cost of this step's largest sort.
    s.candidates.clear();
    s.candidates.extend(s.touched.iter().map(|&o| {
        let partial = std::mem::take(&mut s.partial[o as usize]);
        (u64::from(partial.to_bits()) << 32) | u64::from(!o)
    }));
    s.touched.clear();
    if s.candidates.len() > rerank {
        s.candidates.select_nth_unstable_by(rerank, |a, b| b.cmp(a));
        s.candidates.truncate(rerank);
    }
    s.scorer.score(
        matrix,
        d as usize,
        s.candidates.iter().map(|&packed| !(packed as u32)),
        min_similarity,
        &mut s.scored,
    );
    best_k(d, &mut s.scored, slot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analyzer;
    use crate::cluster::ClusterParams;
    use crate::vectors::{CorpusBuilder, DocText, TicketKey, VectorParams};

    fn corpus(texts: &[&str]) -> crate::vectors::Corpus {
        let mut b = CorpusBuilder::new(Analyzer::default(), 2.0);
        b.add(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| DocText {
                    key: TicketKey {
                        id: i.to_string(),
                        source: "s".into(),
                        created_ns: 0,
                    },
                    title: String::new(),
                    body: t.to_string(),
                    notes: String::new(),
                })
                .collect(),
        );
        b.finish(&VectorParams {
            min_df: 1,
            max_df_ratio: 1.0,
            ..VectorParams::default()
        })
    }

    /// Row index → the input position its key names.
    fn input_of(c: &crate::vectors::Corpus) -> Vec<u32> {
        c.keys
            .ids()
            .map(|id| id.parse().expect("numeric id"))
            .collect()
    }

    fn row_of(c: &crate::vectors::Corpus, input: u32) -> usize {
        input_of(c).iter().position(|&i| i == input).expect("a row")
    }

    #[test]
    fn neighbours_are_the_most_similar_tickets_exactly_scored() {
        let c = corpus(&[
            "login page loops forever",
            "login page loops again",
            "invoice pdf is blank",
            "blank invoice pdf",
            "login loops",
        ]);
        let params = ClusterParams {
            neighbors: 2,
            min_similarity: 0.0,
            max_index_df_ratio: 1.0,
            ..ClusterParams::default()
        }
        .check()
        .expect("valid");
        let g = knn(&c.matrix, &c.vocab, &params);
        let input = input_of(&c);
        let named = |i: u32| -> Vec<u32> {
            g[row_of(&c, i)]
                .iter()
                .map(|(o, _)| input[*o as usize])
                .collect()
        };
        assert_eq!(named(0), [1, 4]);
        assert_eq!(named(2)[0], 3);
        for (d, list) in g.iter().enumerate() {
            for &(o, sim) in list {
                assert!((sim - c.matrix.dot_rows(d, o as usize)).abs() < 1e-5);
                assert_ne!(o as usize, d, "no ticket is its own neighbour");
            }
        }
    }

    #[test]
    fn neighbours_of_neighbours_find_what_the_first_lists_missed() {
        // Ticket 0 is closest to 3, but its first list only reaches 3
        // through 1; ticket 3 reaches 0 only backwards, through 1.
        let c = corpus(&[
            "alpha beta gamma delta",
            "alpha zeta eta",
            "gamma theta iota",
            "alpha beta gamma kappa",
        ]);
        let (r0, r1, r2, r3) = (row_of(&c, 0), row_of(&c, 1), row_of(&c, 2), row_of(&c, 3));
        let link = |o: usize| (o as u32, 0.0);
        let mut lists = vec![Vec::new(); 4];
        lists[r0] = vec![link(r1)];
        lists[r1] = vec![link(r3)];
        lists[r2] = vec![link(r3)];
        lists[r3] = vec![link(r2)];
        let first = Neighbors::from_lists(2, &lists);
        let refined = refine(&c.matrix, c.vocab.len(), &first, 2, 0.0);
        assert_eq!(refined[r0][0].0 as usize, r3, "two steps away, found");
        assert!((refined[r0][0].1 - c.matrix.dot_rows(r0, r3)).abs() < 1e-5);
        assert_eq!(refined[r3][0].0 as usize, r0, "found through reverse links");
        for list in refined.iter() {
            assert!(list.len() <= 2);
            assert!(list.windows(2).all(|w| w[0].1 >= w[1].1));
        }
    }

    #[test]
    fn capped_posting_lists_still_give_each_ticket_its_own_kind() {
        // 1,200 tickets in three symptoms that share most words: with the
        // smallest budget, posting lists are cut to a sample of 100, far
        // fewer than each symptom's 400 tickets.
        let words = [
            "login sso redirect",
            "password reset email",
            "invoice pdf blank",
        ];
        let extras = [
            "today", "again", "mobile", "desktop", "urgent", "customer", "since", "update",
        ];
        let texts: Vec<String> = (0..1200)
            .map(|i| {
                format!(
                    "{} fails with an error {} {} {}",
                    words[i % 3],
                    extras[i % 8],
                    extras[(i / 8) % 8],
                    extras[(i / 64) % 8],
                )
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let c = corpus(&refs);
        let params = ClusterParams {
            candidate_budget: 1_000_000,
            ..ClusterParams::default()
        }
        .check()
        .expect("valid");
        let g = knn(&c.matrix, &c.vocab, &params);
        let input = input_of(&c);
        let kind = |row: usize| input[row] % 3;
        let mut links = 0;
        for (d, list) in g.iter().enumerate() {
            assert_eq!(list.len(), params.neighbors);
            for &(o, _) in list {
                assert_eq!(kind(d), kind(o as usize), "linked across symptoms");
                links += 1;
            }
        }
        assert_eq!(links, 1200 * params.neighbors);
        let again = knn(&c.matrix, &c.vocab, &params);
        assert_eq!(g, again, "the sample is seeded");
    }
}
