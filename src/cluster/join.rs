//! Joins communities that Leiden cut apart only for their size.
//!
//! Modularity's null model charges a community for its share of all the
//! graph's weight, so one symptom that fills a large share of the tickets
//! (an incident storm) comes out in pieces however alike they are: 80
//! tickets of one failure among 100 came out as eight clusters. Pieces of
//! one symptom have alike centroids, look-alike symptoms less so: adjacent
//! communities whose centroids' cosine is at least `min_cosine` are joined.
//! At 0.7 (the default, chosen on Banking77 train and `gen` dumps) a `gen`
//! family holding 76% of a dump went from about 150 clusters to 101 (ARI
//! 0.02 → 0.51), Banking77 train held (NMI 0.683, ARI 0.372) and no
//! look-alike pair in `tests/quality.rs` was joined; at 0.6 distinct `gen`
//! families began to join. A join is checked against the pieces as joined
//! so far, so a chain of alike neighbours cannot join two unlike ends.

use rayon::prelude::*;

use super::graph::Graph;
use super::leiden::members_by_community;
use super::rows::sum_equal_keys;
use crate::vectors::CsrMatrix;

/// Rewrites `membership` so that adjacent communities with alike centroids
/// share one id (the lowest), where at least one of the two holds
/// `min_size` tickets; returns how many joins were made. Deterministic:
/// the most alike pairs are joined first, ties in id order.
pub fn join_alike(
    graph: &Graph,
    matrix: &CsrMatrix,
    membership: &mut [u32],
    min_size: usize,
    min_cosine: f32,
) -> usize {
    let members = members_by_community(membership);
    // Pairs of adjacent communities, at least one of them a cluster: a
    // smaller piece (a ticket or two) may join a cluster too.
    let eligible: Vec<bool> = members.iter().map(|m| m.len() >= min_size).collect();
    let of: &[u32] = membership;
    let mut pairs: Vec<(u32, u32)> = (0..of.len())
        .into_par_iter()
        .with_min_len(4096)
        .flat_map_iter(|u| {
            let a = of[u];
            graph
                .neighbors(u)
                .map(move |(v, _)| (a, of[v]))
                .filter(|&(a, b)| a < b && (eligible[a as usize] || eligible[b as usize]))
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    if pairs.is_empty() {
        return 0;
    }
    // Summed rows of the communities in some pair; most alike pairs first.
    let mut involved: Vec<u32> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    involved.par_sort_unstable();
    involved.dedup();
    let slot = |c: u32| involved.binary_search(&c).expect("involved");
    let mut sums: Vec<Vec<(u32, f32)>> = involved
        .par_iter()
        .map(|&c| summed_rows(matrix, &members[c as usize]))
        .collect();
    let mut alike: Vec<(f32, u32, u32)> = pairs
        .par_iter()
        .map(|&(a, b)| (cosine(&sums[slot(a)], &sums[slot(b)]), a, b))
        .filter(|&(cos, _, _)| cos >= min_cosine)
        .collect();
    alike.sort_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
    // Join, re-checking pairs whose sides have grown: a chain of alike
    // neighbours does not join two ends that are not alike themselves.
    let mut parent: Vec<u32> = (0..members.len() as u32).collect();
    let mut joins = 0;
    for (cos, a, b) in alike {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra == rb {
            continue;
        }
        let (sa, sb) = (slot(ra), slot(rb));
        if (ra, rb) != (a, b) && cosine(&sums[sa], &sums[sb]) < min_cosine {
            continue;
        }
        debug_assert!(cos >= min_cosine);
        let (keep, gone) = if ra < rb { (sa, sb) } else { (sb, sa) };
        let gone_sum = std::mem::take(&mut sums[gone]);
        sums[keep] = add_sorted(&sums[keep], &gone_sum);
        parent[ra.max(rb) as usize] = ra.min(rb);
        joins += 1;
    }
    for c in membership.iter_mut() {
        *c = root(&mut parent, *c);
    }
    joins
}

fn root(parent: &mut [u32], mut c: u32) -> u32 {
    while parent[c as usize] != c {
        parent[c as usize] = parent[parent[c as usize] as usize];
        c = parent[c as usize];
    }
    c
}

/// The sum of some rows, sorted by term id.
fn summed_rows(matrix: &CsrMatrix, rows: &[u32]) -> Vec<(u32, f32)> {
    let mut all: Vec<(u32, f32)> = rows
        .iter()
        .flat_map(|&d| matrix.row(d as usize).iter())
        .collect();
    all.sort_unstable_by_key(|(t, _)| *t);
    // Equal terms summed in place: the sum is far shorter than its rows,
    // and a community's rows can be megabytes.
    let len = sum_equal_keys(&mut all);
    all.truncate(len);
    all.shrink_to_fit();
    all
}

/// Two rows sorted by term id added together (equal terms in either summed).
fn add_sorted(a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<(u32, f32)> {
    let mut all: Vec<(u32, f32)> = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = if j == b.len() || (i < a.len() && a[i].0 <= b[j].0) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
        match all.last_mut() {
            Some(last) if last.0 == next.0 => last.1 += next.1,
            _ => all.push(next),
        }
    }
    all
}

/// Cosine of two sparse rows sorted by term id (the centroids' cosine
/// when the rows are sums).
fn cosine(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let norm = |r: &[(u32, f32)]| r.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    dot / (na * nb)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nine tickets in a ring: each linked to the one before and after.
    fn ring() -> Graph<'static> {
        let rows = (0..9u32)
            .map(|u| {
                let v = if u == 8 { 0 } else { u + 1 };
                let w = if u == 0 { 8 } else { u - 1 };
                vec![(v.min(w), 1.0), (v.max(w), 1.0)]
            })
            .collect();
        Graph::from_rows(rows)
    }

    fn threshold() -> f32 {
        crate::cluster::ClusterParams::default().join_cosine
    }

    #[test]
    fn alike_neighbours_join_and_look_alikes_stay_apart() {
        // Rows 0-5 are one failure, split in two communities (0, 1); rows
        // 6-8 are a look-alike (2) linked to both pieces. The two kinds'
        // centroids have cosine 0.48: apart at the default.
        let same = vec![(0, 0.8), (1, 0.6)];
        let alike = vec![(0, 0.6), (2, 0.8)];
        let matrix =
            CsrMatrix::from_rows(std::iter::repeat_n(same, 6).chain(std::iter::repeat_n(alike, 3)));
        let graph = ring();
        let mut membership = vec![0, 0, 0, 1, 1, 1, 2, 2, 2];
        assert_eq!(
            join_alike(&graph, &matrix, &mut membership, 3, threshold()),
            1
        );
        assert_eq!(membership, [0, 0, 0, 0, 0, 0, 2, 2, 2]);
        // Neither piece a cluster (below the size floor): nothing joins.
        let mut small = vec![0, 0, 0, 1, 1, 1, 2, 2, 2];
        assert_eq!(join_alike(&graph, &matrix, &mut small, 4, threshold()), 0);
        // A lone ticket joins the cluster it matches.
        let mut lone = vec![0, 0, 0, 0, 0, 3, 2, 2, 2];
        assert_eq!(join_alike(&graph, &matrix, &mut lone, 3, threshold()), 1);
        assert_eq!(lone, [0, 0, 0, 0, 0, 0, 2, 2, 2]);
    }

    #[test]
    fn a_chain_of_alike_neighbours_does_not_join_unlike_ends() {
        // A~B (0.8) and B~C (0.75), but A and C are unlike (0.2): once A and
        // B are one, C no longer matches them (0.50).
        let a = vec![(0, 1.0)];
        let b = vec![(0, 0.8), (1, 0.6)];
        let c = vec![(0, 0.2), (1, 0.98)];
        let matrix = CsrMatrix::from_rows(
            std::iter::repeat_n(a, 3)
                .chain(std::iter::repeat_n(b, 3))
                .chain(std::iter::repeat_n(c, 3)),
        );
        let mut membership = vec![0, 0, 0, 1, 1, 1, 2, 2, 2];
        assert_eq!(
            join_alike(&ring(), &matrix, &mut membership, 3, threshold()),
            1
        );
        assert_eq!(membership, [0, 0, 0, 0, 0, 0, 2, 2, 2]);
    }
}
