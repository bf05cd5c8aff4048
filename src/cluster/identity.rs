//! Candidate ids that survive a re-cluster.
//!
//! A reviewer works down a queue of candidate ids. If every re-cluster
//! renamed every candidate, a queue opened before a nightly run would answer
//! 410 on every item, although most clusters came out the same. A new
//! cluster whose members are at least `STABLE_JACCARD` alike (Jaccard) to
//! the open members of one previous undecided cluster keeps that cluster's
//! id; each previous id goes to at most one new cluster, the most alike
//! pairs first. A cluster that changed more gets a new id, and the old one
//! answers 410 (superseded).

use std::hash::Hash;

use rustc_hash::FxHashMap;

use crate::model::ClusterId;

/// Jaccard similarity at which a new cluster is the previous one, barely
/// changed (as alike as a rejected set must be to count as come back).
pub const STABLE_JACCARD: f64 = 0.8;

/// An open cluster of the previous run: its id, the members that can be
/// found among the new clusters' (a re-cluster names them by corpus row),
/// and how many members it had in all (some may have been deleted since).
pub type Previous<T> = (ClusterId, Vec<T>, usize);

/// For each new cluster (its members), the previous id it keeps, if any.
pub fn carried_ids<T: Copy + Eq + Hash, M: AsRef<[T]>>(
    previous: &[Previous<T>],
    new: &[M],
) -> Vec<Option<ClusterId>> {
    // Fx, not SipHash: a million members are inserted and looked up
    // (0.76 -> 0.28 s at 1M, with the hashing of the new members), and the keys are already hashes of ids.
    let members: usize = previous.iter().map(|p| p.1.len()).sum();
    let mut owner: FxHashMap<T, usize> =
        FxHashMap::with_capacity_and_hasher(members, Default::default());
    for (p, (_, members, _)) in previous.iter().enumerate() {
        for &m in members {
            owner.insert(m, p);
        }
    }
    // Every (new, previous) pair that shares a ticket, with its Jaccard.
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (n, members) in new.iter().enumerate() {
        let members = members.as_ref();
        let mut shared: FxHashMap<usize, usize> = FxHashMap::default();
        for m in members {
            if let Some(&p) = owner.get(m) {
                *shared.entry(p).or_default() += 1;
            }
        }
        for (p, inter) in shared {
            let union = members.len() + previous[p].2 - inter;
            let jaccard = inter as f64 / union.max(1) as f64;
            if jaccard >= STABLE_JACCARD {
                pairs.push((jaccard, n, p));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut out = vec![None; new.len()];
    let mut taken = vec![false; previous.len()];
    for (_, n, p) in pairs {
        if out[n].is_none() && !taken[p] {
            taken[p] = true;
            out[n] = Some(previous[p].0.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(range: std::ops::Range<u32>) -> Vec<u32> {
        range.collect()
    }

    fn previous(id: &str, members: Vec<u32>) -> Previous<u32> {
        let size = members.len();
        (ClusterId::from_tail(id), members, size)
    }

    #[test]
    fn a_barely_changed_cluster_keeps_its_id_and_a_changed_one_does_not() {
        let previous = vec![previous("1-1", ids(0..10)), previous("1-2", ids(10..20))];
        let a = ids(0..9); // one ticket fewer: Jaccard 0.9
        let b = ids(10..15); // half of it: Jaccard 0.5
        let carried = carried_ids(&previous, &[a, b]);
        assert_eq!(carried[0].as_ref().map(ClusterId::as_str), Some("c1-1"));
        assert_eq!(carried[1], None);
    }

    #[test]
    fn an_id_goes_to_one_cluster_only_the_most_alike() {
        let previous = vec![previous("1-1", ids(0..10))];
        let close = ids(0..10);
        let also = ids(0..9);
        let carried = carried_ids(&previous, &[also, close]);
        assert_eq!(carried[0], None);
        assert_eq!(carried[1].as_ref().map(ClusterId::as_str), Some("c1-1"));
    }

    #[test]
    fn members_deleted_since_still_count_against_the_likeness() {
        // Ten members then, two of them gone: the same eight are 0.8 alike.
        let (id, members, _) = previous("1-1", ids(0..8));
        let carried = carried_ids(&[(id, members, 10)], &[ids(0..8)]);
        assert_eq!(carried[0].as_ref().map(ClusterId::as_str), Some("c1-1"));
        let (id, members, _) = previous("1-1", ids(0..7));
        assert_eq!(carried_ids(&[(id, members, 10)], &[ids(0..7)]), [None]);
    }
}
