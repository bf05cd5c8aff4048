//! Confirmed groups as fixed nodes of the graph Leiden sees.
//!
//! A re-cluster after review keeps every grouped ticket where a reviewer
//! put it. Leaving grouped tickets out of the graph (as refrain first did)
//! also removes the strongest neighbours of the undecided tickets that
//! resemble a group, which then scatter over weak candidates. Instead each
//! group's rows are collapsed into one node (its strength the sum of theirs,
//! its inner weight folded in), which Leiden may join with free tickets but
//! never break apart; free tickets that join a group's node come out as one
//! candidate beside that group. On the Banking77 harness (`refrain_eval.py
//! --stages cluster,review,persist --holdout 0`) it raised the partition NMI
//! after review from 0.734 to 0.753 when the fringe was held back in the
//! first clustering only; with the fringe held back in every run the gain
//! is smaller (0.747 as shipped).

use super::graph::Graph;
use super::leiden::{self, PartTags};

/// Communities of every row, rows with `fixed[v] = Some(g)` moving together
/// as group g's node, and rows with another part of one split (`tags`) never
/// together. Deterministic for a given graph and seed.
pub fn leiden_with_fixed(
    graph: &Graph,
    fixed: &[Option<u32>],
    tags: &[PartTags],
    resolution: f64,
    seed: u64,
) -> Vec<u32> {
    if fixed.iter().all(Option::is_none) {
        return leiden::leiden_constrained(graph, resolution, seed, tags);
    }
    let (collapsed, node_of) = collapse(graph, fixed);
    let mut node_tags: Vec<PartTags> = Vec::new();
    if !tags.is_empty() {
        node_tags = vec![Vec::new(); collapsed.nodes()];
        for (v, t) in tags.iter().enumerate() {
            let into = &mut node_tags[node_of[v] as usize];
            for &pair in t {
                if !into.contains(&pair) {
                    into.push(pair);
                }
            }
        }
    }
    let communities = leiden::leiden_constrained(&collapsed, resolution, seed, &node_tags);
    node_of.iter().map(|&n| communities[n as usize]).collect()
}

/// The graph with each fixed group's rows as one node; returns it and the
/// node of each row (groups first, then free rows in order).
fn collapse(graph: &Graph, fixed: &[Option<u32>]) -> (Graph<'static>, Vec<u32>) {
    let groups = fixed.iter().flatten().map(|&g| g + 1).max().unwrap_or(0);
    let mut next = groups;
    let node_of: Vec<u32> = (0..graph.nodes())
        .map(|v| match fixed.get(v).copied().flatten() {
            Some(g) => g,
            None => {
                next += 1;
                next - 1
            }
        })
        .collect();
    let nodes = next as usize;
    let mut rows: Vec<Vec<(u32, f32)>> = vec![Vec::new(); nodes];
    let mut strength = vec![0.0f64; nodes];
    for (v, &a) in node_of.iter().enumerate() {
        strength[a as usize] += graph.strength[v];
        for (o, w) in graph.neighbors(v) {
            let b = node_of[o];
            if a != b {
                rows[a as usize].push((b, w as f32));
            }
        }
    }
    for row in &mut rows {
        row.sort_unstable_by_key(|e| e.0);
        let mut merged: Vec<(u32, f32)> = Vec::with_capacity(row.len());
        for &(v, w) in row.iter() {
            match merged.last_mut() {
                Some(last) if last.0 == v => last.1 += w,
                _ => merged.push((v, w)),
            }
        }
        *row = merged;
    }
    (Graph::with_strength(rows, strength), node_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two 4-cliques (0–3, 4–7) joined by one weak edge 3–4.
    fn two_cliques() -> Graph<'static> {
        let mut rows = vec![Vec::new(); 8];
        for block in [0u32, 4] {
            for a in block..block + 4 {
                for b in block..block + 4 {
                    if a != b {
                        rows[a as usize].push((b, 1.0));
                    }
                }
            }
        }
        rows[3].push((4, 0.1));
        rows[4].push((3, 0.1));
        for row in &mut rows {
            row.sort_unstable_by_key(|e| e.0);
        }
        Graph::from_rows(rows)
    }

    #[test]
    fn a_fixed_group_is_never_broken_apart() {
        let graph = two_cliques();
        // A reviewer grouped 2, 3, 4 and 5 together, across the two cliques.
        let fixed = [None, None, Some(0), Some(0), Some(0), Some(0), None, None];
        let m = leiden_with_fixed(&graph, &fixed, &[], 1.0, 3);
        assert!(m[2] == m[3] && m[3] == m[4] && m[4] == m[5], "{m:?}");
    }

    #[test]
    fn free_rows_cluster_as_without_groups() {
        let graph = two_cliques();
        let m = leiden_with_fixed(&graph, &[None; 8], &[], 1.0, 3);
        assert_eq!(m, leiden::leiden(&graph, 1.0, 3));
        assert!(m[0] == m[3] && m[4] == m[7] && m[0] != m[4], "{m:?}");
    }

    #[test]
    fn collapsing_keeps_total_strength() {
        let graph = two_cliques();
        let (collapsed, node_of) = collapse(
            &graph,
            &[Some(0), Some(0), None, None, None, None, None, None],
        );
        assert_eq!(collapsed.nodes(), 7);
        assert_eq!(node_of[..3], [0, 0, 1]);
        assert!((collapsed.total - graph.total).abs() < 1e-9);
    }
}
