//! The similarity graph: undirected, weighted, in compressed rows (CSR).

use rayon::prelude::*;

use super::knn::Neighbors;

/// An undirected weighted graph. Each edge appears in both endpoints' rows.
/// `strength[v]` is the sum of v's edge weights (including edges folded into
/// v when communities are aggregated), and `total` their sum (2m).
#[derive(Debug, Clone)]
pub struct Graph {
    indptr: Vec<usize>,
    adj: Vec<u32>,
    weights: Vec<f32>,
    pub strength: Vec<f64>,
    pub total: f64,
}

impl Graph {
    /// The kNN lists made symmetric. A pair that lists each other gets the
    /// sum of both similarities, as igraph builds it from a kNN adjacency
    /// (the prototypes' resolution values assume that).
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
        let mut fill = indptr.clone();
        let mut raw = vec![(0u32, 0f32); *indptr.last().unwrap_or(&0)];
        for (u, list) in neighbors.iter().enumerate() {
            for &(v, w) in list {
                raw[fill[u]] = (v, w);
                fill[u] += 1;
                raw[fill[v as usize]] = (u as u32, w);
                fill[v as usize] += 1;
            }
        }
        // Merge duplicate pairs (both directions listed) by summing.
        let rows: Vec<Vec<(u32, f32)>> = (0..n)
            .into_par_iter()
            .with_min_len(4096)
            .map(|u| {
                let mut row = raw[indptr[u]..indptr[u + 1]].to_vec();
                row.sort_unstable_by_key(|(v, _)| *v);
                let mut merged: Vec<(u32, f32)> = Vec::with_capacity(row.len());
                for (v, w) in row {
                    match merged.last_mut() {
                        Some(last) if last.0 == v => last.1 += w,
                        _ => merged.push((v, w)),
                    }
                }
                merged
            })
            .collect();
        drop(raw);
        Graph::from_rows(rows)
    }

    /// A graph from each node's (neighbour, weight) row; rows must be
    /// symmetric and hold no self-loops.
    pub fn from_rows(rows: Vec<Vec<(u32, f32)>>) -> Graph {
        let strength: Vec<f64> = rows
            .iter()
            .map(|r| r.iter().map(|(_, w)| f64::from(*w)).sum())
            .collect();
        Graph::with_strength(rows, strength)
    }

    /// As [`Graph::from_rows`], with strengths given (aggregated graphs keep
    /// the weight folded inside a node in its strength).
    pub fn with_strength(rows: Vec<Vec<(u32, f32)>>, strength: Vec<f64>) -> Graph {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let edges: usize = rows.iter().map(Vec::len).sum();
        let mut adj = Vec::with_capacity(edges);
        let mut weights = Vec::with_capacity(edges);
        for row in rows {
            for (v, w) in row {
                adj.push(v);
                weights.push(w);
            }
            indptr.push(adj.len());
        }
        let total = strength.iter().sum();
        Graph {
            indptr,
            adj,
            weights,
            strength,
            total,
        }
    }

    pub fn nodes(&self) -> usize {
        self.strength.len()
    }

    pub fn neighbors(&self, v: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (a, b) = (self.indptr[v], self.indptr[v + 1]);
        self.adj[a..b]
            .iter()
            .zip(&self.weights[a..b])
            .map(|(&u, &w)| (u as usize, f64::from(w)))
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
