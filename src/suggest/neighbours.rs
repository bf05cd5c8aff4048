//! A new ticket's nearest stored tickets, and how much of them is grouped.
//!
//! The best cosine to a group says which group is nearest, not whether any
//! fits: a ticket of a problem nobody confirmed still lands near some group.
//! Its nearest tickets tell: they are its own kind, in no group. So the
//! snapshot keeps an inverted list term → (ticket row, weight) of every
//! ticket of the space (terms in more than `MAX_DF_SHARE` of the tickets are
//! left out: they link everything and decide nothing), and the verdict
//! reads the share of the `k` nearest tickets' weight that lies in groups,
//! each neighbour weighed by what a reviewer said of it ([`ShareWeights`]).
//!
//! Each list keeps only the `MAX_LIST` tickets that weigh its term most
//! (impact order): a request then costs at most terms × `MAX_LIST`
//! additions into a dense per-thread accumulator, however many tickets are
//! stored. The nearest tickets of a query are those that weigh its terms
//! most, so the cut changes little: on the Banking77 harness the `new`
//! verdicts moved by under 0.5%; at 100k tickets and 10k groups a ranking
//! went from 4.5 ms to 0.3 ms with the groups' cut and binary-searched
//! `why` (`cargo bench --bench suggest`).

use std::cell::RefCell;
use std::collections::HashMap;

use crate::review::Space;

/// Terms in more than this share of the tickets are not indexed.
const MAX_DF_SHARE: f32 = 0.1;
/// Lists never left out below this length, however small the corpus.
const MIN_INDEXED: usize = 50;
/// Tickets kept per term, heaviest first (256 and 100k gave the same
/// Banking77 verdicts within 0.5%).
const MAX_LIST: usize = 256;

thread_local! {
    /// Per-ticket similarity, all zero between requests, and the rows a
    /// request touched.
    static DOTS: RefCell<(Vec<f32>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Every ticket's row by term. It depends on the space only, so one is
/// built per re-cluster and shared by every snapshot of the groups.
pub struct TicketPostings {
    by_term: HashMap<u32, Vec<(u32, f32)>>,
    rows: usize,
}

/// The `k` nearest tickets' similarity: in all, in groups, and in sets a
/// reviewer rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Neighbourhood {
    pub total: f32,
    /// In any group.
    pub grouped: f32,
    /// In the group asked about.
    pub in_group: f32,
    /// In no group, in a set a reviewer rejected.
    pub rejected: f32,
}

/// How much a neighbour in no group counts against the grouped ones. A
/// grouped neighbour counts once; one in a set a reviewer rejected ("no
/// known problem") `rejected` times; one nobody has decided `unreviewed`
/// times, since a ticket of a known problem often has undecided neighbours
/// that the groups have not reached yet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShareWeights {
    pub rejected: f32,
    pub unreviewed: f32,
}

impl Neighbourhood {
    /// The weighed share of the neighbourhood in any group (0 when it is
    /// empty).
    pub fn grouped_share(&self, weights: ShareWeights) -> f32 {
        let undecided = (self.total - self.grouped - self.rejected).max(0.0);
        let all = self.grouped + weights.rejected * self.rejected + weights.unreviewed * undecided;
        if all > 0.0 { self.grouped / all } else { 0.0 }
    }

    /// The share of the neighbourhood in the group asked about.
    pub fn group_share(&self) -> f32 {
        if self.total > 0.0 {
            self.in_group / self.total
        } else {
            0.0
        }
    }
}

impl TicketPostings {
    /// The postings of `space`.
    pub fn build(space: &Space) -> TicketPostings {
        let cap = ((space.len() as f32 * MAX_DF_SHARE) as usize).max(MIN_INDEXED);
        let df = &space.corpus.vocab.df;
        let mut by_term: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
        for r in 0..space.len() {
            space.corpus.matrix.row(r).for_each(|t, v| {
                if df.get(t as usize).is_some_and(|&d| d as usize <= cap) {
                    by_term.entry(t).or_default().push((r as u32, v));
                }
            });
        }
        let keep = MAX_LIST;
        for list in by_term.values_mut() {
            if list.len() > keep {
                list.select_nth_unstable_by(keep, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                list.truncate(keep);
            }
            list.shrink_to_fit();
        }
        TicketPostings {
            by_term,
            rows: space.len(),
        }
    }

    /// The `k` nearest tickets of an L2-normalised row, summed up, with
    /// what lies in groups (`group_of[row]`), in group `g`, and in rejected
    /// sets (`rejected[row]`).
    pub fn neighbourhood(
        &self,
        terms: &[u32],
        values: &[f32],
        k: usize,
        group_of: &[Option<u32>],
        rejected: &[bool],
        g: Option<usize>,
    ) -> Neighbourhood {
        let near: Vec<(u32, f32)> = DOTS.with(|cell| {
            let (dots, touched) = &mut *cell.borrow_mut();
            if dots.len() < self.rows {
                dots.resize(self.rows, 0.0);
            }
            for (t, v) in terms.iter().zip(values) {
                if let Some(list) = self.by_term.get(t) {
                    for &(r, w) in list {
                        let d = &mut dots[r as usize];
                        if *d == 0.0 {
                            touched.push(r);
                        }
                        *d += w * v;
                    }
                }
            }
            // The k most similar (ties: lower row first), in one pass that
            // also clears the accumulator for the next request.
            let better = |a: (u32, f32), b: (u32, f32)| a.1 > b.1 || (a.1 == b.1 && a.0 < b.0);
            let mut near: Vec<(u32, f32)> = Vec::with_capacity(k + 1);
            for r in touched.drain(..) {
                let e = (r, std::mem::take(&mut dots[r as usize]));
                if k == 0 || (near.len() == k && !better(e, near[k - 1])) {
                    continue;
                }
                let at = near.partition_point(|&x| better(x, e));
                near.insert(at, e);
                near.truncate(k);
            }
            near
        });
        let mut n = Neighbourhood::default();
        for (r, s) in near {
            n.total += s;
            if let Some(h) = group_of.get(r as usize).copied().flatten() {
                n.grouped += s;
                if Some(h as usize) == g {
                    n.in_group += s;
                }
            } else if rejected.get(r as usize).copied().unwrap_or(false) {
                n.rejected += s;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::VectorParams;

    /// Every neighbour counts the same.
    const EVEN: ShareWeights = ShareWeights {
        rejected: 1.0,
        unreviewed: 1.0,
    };

    #[test]
    fn the_neighbourhood_says_how_much_of_a_ticket_s_kind_is_grouped() {
        let space = crate::review::space_of(
            &[
                "login loop after the update",
                "stuck in a login loop",
                "invoice pdf is blank",
                "the invoice pdf shows nothing",
            ],
            &VectorParams {
                min_df: 1,
                ..VectorParams::default()
            },
        );
        let row = |id: &str| space.row(id).expect("row") as usize;
        let mut group_of = vec![None; space.len()];
        group_of[row("t0")] = Some(0);
        group_of[row("t1")] = Some(0);
        let postings = TicketPostings::build(&space);
        let even = EVEN;
        let (terms, values): (Vec<u32>, Vec<f32>) =
            space.corpus.matrix.row(row("t1")).iter().unzip();
        let login = postings.neighbourhood(&terms, &values, 2, &group_of, &[], Some(0));
        assert!(
            login.grouped_share(even) > 0.99 && login.group_share() > 0.99,
            "{login:?}"
        );
        let (terms, values): (Vec<u32>, Vec<f32>) =
            space.corpus.matrix.row(row("t3")).iter().unzip();
        let invoice = postings.neighbourhood(&terms, &values, 2, &group_of, &[], Some(0));
        assert!(
            invoice.grouped_share(even) < 0.5,
            "its own kind is in no group: {invoice:?}"
        );
        assert_eq!(
            postings.neighbourhood(&[], &[], 5, &group_of, &[], None),
            Neighbourhood::default()
        );
    }

    #[test]
    fn a_rejected_neighbour_counts_more_against_the_groups_than_an_undecided_one() {
        let n = |rejected: f32| Neighbourhood {
            total: 2.0,
            grouped: 1.0,
            in_group: 1.0,
            rejected,
        };
        let weights = ShareWeights {
            rejected: 2.0,
            unreviewed: 0.5,
        };
        assert!((n(0.0).grouped_share(EVEN) - 0.5).abs() < 1e-6);
        assert!((n(0.0).grouped_share(weights) - 1.0 / 1.5).abs() < 1e-6);
        assert!((n(1.0).grouped_share(weights) - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(Neighbourhood::default().grouped_share(weights), 0.0);
    }
}
