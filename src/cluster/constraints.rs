//! Reviewer constraints the clustering must keep: tickets from different
//! parts of one split never share a candidate.
//!
//! Three places enforce it: links between such tickets are dropped from the
//! neighbour graph, Leiden never moves a ticket into a community holding
//! another part of its split ([`super::leiden::leiden_constrained`]), and
//! any community that the later steps (joining alike pieces, the fringe)
//! still leave holding two parts is cut along them before clusters are
//! summarised, so none ever does.

use std::collections::HashMap;

/// What reviewers decided before a run, as the clustering takes it.
#[derive(Debug, Clone, Default)]
pub struct Constraints {
    /// Rows of different parts of one split never share a cluster.
    pub cannot_link: CannotLink,
    /// Row → the group holding it (`None`: free); may be empty (all free).
    /// Grouped rows stay put, as one node per group ([`super::fixed`]), and
    /// come out in no cluster.
    pub fixed: Vec<Option<u32>>,
}

impl Constraints {
    /// Whether row `r` is in a group.
    pub fn is_fixed(&self, r: usize) -> bool {
        self.fixed.get(r).is_some_and(Option::is_some)
    }
}

/// Cannot-link constraints by corpus row: each row's (split, part) pairs.
#[derive(Debug, Clone, Default)]
pub struct CannotLink {
    parts: HashMap<u32, Vec<(u32, u32)>>,
}

impl CannotLink {
    /// From (row, split, part) triples.
    pub fn new(rows: impl IntoIterator<Item = (u32, u32, u32)>) -> Self {
        let mut parts: HashMap<u32, Vec<(u32, u32)>> = HashMap::new();
        for (row, split, part) in rows {
            parts.entry(row).or_default().push((split, part));
        }
        CannotLink { parts }
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Each of the first `n` rows' (split, part) pairs, as Leiden takes
    /// them, up to the last row that has any (empty when no row was ever
    /// split).
    pub fn tags(&self, n: usize) -> Vec<super::leiden::PartTags> {
        let last = self.parts.keys().max().map_or(0, |&r| r as usize + 1);
        (0..last.min(n) as u32)
            .map(|r| self.parts.get(&r).cloned().unwrap_or_default())
            .collect()
    }

    /// Whether rows `a` and `b` were split apart.
    pub fn conflict(&self, a: u32, b: u32) -> bool {
        let (Some(pa), Some(pb)) = (self.parts.get(&a), self.parts.get(&b)) else {
            return false;
        };
        pa.iter()
            .any(|(s, p)| pb.iter().any(|(t, q)| s == t && p != q))
    }

    /// Cuts `members` so that no piece holds two parts of one split; rows
    /// with no part in that split stay with the largest piece.
    pub fn separate(&self, members: Vec<u32>) -> Vec<Vec<u32>> {
        if self.is_empty() {
            return vec![members];
        }
        let mut seen: HashMap<u32, u32> = HashMap::new();
        let mut split = None;
        'find: for &m in &members {
            for &(s, p) in self.parts.get(&m).map(Vec::as_slice).unwrap_or(&[]) {
                match seen.get(&s) {
                    Some(&q) if q != p => {
                        split = Some(s);
                        break 'find;
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(s, p);
                    }
                }
            }
        }
        let Some(split) = split else {
            return vec![members];
        };
        let mut by_part: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
        let mut free = Vec::new();
        for m in members {
            let part = self
                .parts
                .get(&m)
                .and_then(|ps| ps.iter().find(|(s, _)| *s == split).map(|(_, p)| *p));
            match part {
                Some(p) => by_part.entry(p).or_default().push(m),
                None => free.push(m),
            }
        }
        let mut pieces: Vec<Vec<u32>> = by_part.into_values().collect();
        let largest = (0..pieces.len())
            .max_by_key(|&i| pieces[i].len())
            .expect("at least two parts were found");
        pieces[largest].extend(free);
        pieces[largest].sort_unstable();
        pieces.into_iter().flat_map(|p| self.separate(p)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_one_split_end_up_apart_and_free_rows_join_the_largest() {
        // Split 0: rows 1, 2 in part 0; rows 3 in part 1. Split 1: row 2 part 0, row 4 part 1.
        let c = CannotLink::new([(1, 0, 0), (2, 0, 0), (3, 0, 1), (2, 1, 0), (4, 1, 1)]);
        assert!(c.conflict(1, 3) && c.conflict(2, 4) && !c.conflict(1, 2) && !c.conflict(1, 5));
        let mut pieces = c.separate(vec![1, 2, 3, 4, 5]);
        pieces.sort();
        for piece in &pieces {
            for &a in piece {
                for &b in piece {
                    assert!(!c.conflict(a, b), "{a} and {b} together in {pieces:?}");
                }
            }
        }
        let total: usize = pieces.iter().map(Vec::len).sum();
        assert_eq!(total, 5, "no row is lost: {pieces:?}");
    }
}
