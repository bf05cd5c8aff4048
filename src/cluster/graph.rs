//! The similarity graph: undirected, weighted, in compressed rows (CSR).

use rayon::prelude::*;

use super::knn::Neighbors;

/// An undirected weighted graph. Each edge appears in both endpoints' rows.
/// `strength[v]` is the sum of v's edge weights (including edges folded into
/// v when communities are aggregated), and `total` their sum (2m).
#[derive(Debug, Clone)]
pub struct Graph {
    indptr: Vec<usize>,
    /// (neighbour, weight) of every node, node by node.
    edges: Vec<(u32, f32)>,
    pub strength: Vec<f64>,
    pub total: f64,
}

impl Graph {
    /// The undirected graph of kNN lists: a link listed both ways counts
    /// twice. Built in one edge array, sorted and merged in place, so that
    /// a million tickets' graph is never held twice.
    pub fn from_neighbors(neighbors: &Neighbors) -> Graph {
        let n = neighbors.len();
        let mut degree = vec![0usize; n];
        for (u, list) in neighbors.iter().enumerate() {
            for &(v, _) in list {
                degree[u] += 1;
                degree[v as usize] += 1;
            }
        }
        let mut indptr = Vec::with_capacity(n + 1);
        indptr.push(0);
        for d in &degree {
            indptr.push(indptr.last().copied().unwrap_or(0) + d);
        }
        drop(degree);
        let mut fill = indptr.clone();
        let mut edges = vec![(0u32, 0f32); *indptr.last().unwrap_or(&0)];
        for (u, list) in neighbors.iter().enumerate() {
            for &(v, w) in list {
                edges[fill[u]] = (v, w);
                fill[u] += 1;
                edges[fill[v as usize]] = (u as u32, w);
                fill[v as usize] += 1;
            }
        }
        drop(fill);
        // Merge duplicate pairs (both directions listed) by summing, each
        // node's edges in place.
        let mut rows: Vec<&mut [(u32, f32)]> = Vec::with_capacity(n);
        let mut rest = &mut edges[..];
        for u in 0..n {
            let (row, tail) = rest.split_at_mut(indptr[u + 1] - indptr[u]);
            rows.push(row);
            rest = tail;
        }
        let merged: Vec<usize> = rows
            .into_par_iter()
            .with_min_len(4096)
            .map(|row| {
                row.sort_unstable_by_key(|(v, _)| *v);
                let mut len = 0;
                for i in 0..row.len() {
                    if len > 0 && row[len - 1].0 == row[i].0 {
                        row[len - 1].1 += row[i].1;
                    } else {
                        row[len] = row[i];
                        len += 1;
                    }
                }
                len
            })
            .collect();
        let mut kept = 0;
        for u in 0..n {
            let start = indptr[u];
            edges.copy_within(start..start + merged[u], kept);
            indptr[u] = kept;
            kept += merged[u];
        }
        indptr[n] = kept;
        edges.truncate(kept);
        edges.shrink_to_fit();
        let strength = (0..n)
            .map(|u| {
                edges[indptr[u]..indptr[u + 1]]
                    .iter()
                    .map(|(_, w)| f64::from(*w))
                    .sum()
            })
            .collect();
        Graph::of(indptr, edges, strength)
    }

    pub fn from_rows(rows: Vec<Vec<(u32, f32)>>) -> Graph {
        let strength: Vec<f64> = rows
            .iter()
            .map(|r| r.iter().map(|(_, w)| f64::from(*w)).sum())
            .collect();
        Graph::with_strength(rows, strength)
    }

    pub fn with_strength(rows: Vec<Vec<(u32, f32)>>, strength: Vec<f64>) -> Graph {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let mut edges = Vec::with_capacity(rows.iter().map(Vec::len).sum());
        for row in rows {
            edges.extend(row);
            indptr.push(edges.len());
        }
        Graph::of(indptr, edges, strength)
    }

    fn of(indptr: Vec<usize>, edges: Vec<(u32, f32)>, strength: Vec<f64>) -> Graph {
        let total = strength.iter().sum();
        Graph {
            indptr,
            edges,
            strength,
            total,
        }
    }

    pub fn nodes(&self) -> usize {
        self.strength.len()
    }

    pub fn neighbors(&self, v: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.edges[self.indptr[v]..self.indptr[v + 1]]
            .iter()
            .map(|&(u, w)| (u as usize, f64::from(w)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutual_neighbours_sum_and_one_way_links_count_once() {
        let g = Graph::from_neighbors(&vec![vec![(1, 0.5)], vec![(0, 0.5), (2, 0.25)], vec![]]);
        let row0: Vec<_> = g.neighbors(0).collect();
        assert_eq!(row0, [(1, 1.0)]);
        let row2: Vec<_> = g.neighbors(2).collect();
        assert_eq!(row2, [(1, 0.25)]);
        assert_eq!(g.strength, [1.0, 1.25, 0.25]);
        assert_eq!(g.total, 2.5);
    }
}
