//! The similarity graph: undirected, weighted, in compressed rows (CSR).

use super::knn::Neighbors;
use super::rows::{Rows, sum_equal_keys};

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
        let mut rows = Rows::scatter(n, |put| {
            for (u, list) in neighbors.iter().enumerate() {
                for &(v, w) in list {
                    put(u, (v, w));
                    put(v as usize, (u as u32, w));
                }
            }
        });
        // Merge duplicate pairs (both directions listed) by summing.
        rows.edit(|_, row| {
            row.sort_unstable_by_key(|(v, _)| *v);
            sum_equal_keys(row)
        });
        Graph::from_compressed(rows)
    }

    /// A graph whose rows are already symmetric, held in compressed rows.
    pub fn from_compressed(rows: Rows<(u32, f32)>) -> Graph {
        let strength = (0..rows.indptr.len() - 1)
            .map(|r| rows.row(r).iter().map(|(_, w)| f64::from(*w)).sum())
            .collect();
        Graph::of(rows.indptr, rows.items, strength)
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
        let g = Graph::from_neighbors(&Neighbors::from_lists(
            2,
            &[vec![(1, 0.5)], vec![(0, 0.5), (2, 0.25)], vec![]],
        ));
        let row0: Vec<_> = g.neighbors(0).collect();
        assert_eq!(row0, [(1, 1.0)]);
        let row2: Vec<_> = g.neighbors(2).collect();
        assert_eq!(row2, [(1, 0.25)]);
        assert_eq!(g.strength, [1.0, 1.25, 0.25]);
        assert_eq!(g.total, 2.5);
    }
}
