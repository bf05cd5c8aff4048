//! The similarity graph: undirected, weighted, in compressed rows (CSR).

use super::knn::Neighbors;
use super::rows::Rows;

/// An undirected weighted graph. Each edge is found from both endpoints.
/// `strength[v]` is the sum of v's edge weights (including edges folded into
/// v when communities are aggregated), and `total` their sum (2m).
///
/// A graph of kNN lists borrows the lists and keeps only each node's
/// reverse links (who lists it) beside them: the lists are held anyway for
/// attach and suggest, and a second, symmetric copy of them cost 160 MB at
/// a million tickets, a fifth of the re-cluster's peak. A link listed both
/// ways is then found twice from each end, which sums to the same weight
/// between the two as one merged edge would.
#[derive(Debug, Clone)]
pub struct Graph<'a> {
    own: Own<'a>,
    /// (node, weight) of the links other nodes list towards each node;
    /// none for a graph held in compressed rows.
    reverse: Option<Rows<(u32, f32)>>,
    pub strength: Vec<f64>,
    pub total: f64,
}

/// Where each node's own links are.
#[derive(Debug, Clone)]
enum Own<'a> {
    Lists(&'a Neighbors),
    Rows(Rows<(u32, f32)>),
}

impl<'a> Graph<'a> {
    /// The undirected graph of kNN lists: each list's links, and the links
    /// towards the node from the lists of others.
    pub fn from_neighbors(neighbors: &'a Neighbors) -> Graph<'a> {
        let n = neighbors.len();
        let reverse = Rows::scatter(n, |put| {
            for (u, list) in neighbors.iter().enumerate() {
                for &(v, w) in list {
                    put(v as usize, (u as u32, w));
                }
            }
        });
        let strength = (0..n)
            .map(|v| {
                let sum = |row: &[(u32, f32)]| row.iter().map(|(_, w)| f64::from(*w)).sum::<f64>();
                sum(&neighbors[v]) + sum(reverse.row(v))
            })
            .collect();
        Graph::of(Own::Lists(neighbors), Some(reverse), strength)
    }

    fn of(own: Own<'a>, reverse: Option<Rows<(u32, f32)>>, strength: Vec<f64>) -> Graph<'a> {
        let total = strength.iter().sum();
        Graph {
            own,
            reverse,
            strength,
            total,
        }
    }

    /// Edge entries held beside borrowed lists: each undirected edge of a
    /// compressed graph counts twice, a kNN graph's reverse links once.
    pub fn entries(&self) -> usize {
        let own = match &self.own {
            Own::Lists(_) => 0,
            Own::Rows(rows) => rows.items.len(),
        };
        own + self.reverse.as_ref().map_or(0, |r| r.items.len())
    }

    pub fn nodes(&self) -> usize {
        self.strength.len()
    }

    /// Node `v`'s (neighbour, weight) links; a neighbour may come twice
    /// (a link listed both ways), and the weights between two nodes are
    /// the sum over both.
    pub fn neighbors(&self, v: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let own = match &self.own {
            Own::Lists(lists) => &lists[v],
            Own::Rows(rows) => rows.row(v),
        };
        let reverse = self.reverse.as_ref().map_or(&[][..], |r| r.row(v));
        own.iter()
            .chain(reverse)
            .map(|&(u, w)| (u as usize, f64::from(w)))
    }
}

impl Graph<'static> {
    /// A graph whose rows are already symmetric, held in compressed rows.
    pub fn from_compressed(rows: Rows<(u32, f32)>) -> Graph<'static> {
        let strength = (0..rows.indptr.len() - 1)
            .map(|r| rows.row(r).iter().map(|(_, w)| f64::from(*w)).sum())
            .collect();
        Graph::of(Own::Rows(rows), None, strength)
    }

    pub fn from_rows(rows: Vec<Vec<(u32, f32)>>) -> Graph<'static> {
        let strength: Vec<f64> = rows
            .iter()
            .map(|r| r.iter().map(|(_, w)| f64::from(*w)).sum())
            .collect();
        Graph::with_strength(rows, strength)
    }

    pub fn with_strength(rows: Vec<Vec<(u32, f32)>>, strength: Vec<f64>) -> Graph<'static> {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let mut items = Vec::with_capacity(rows.iter().map(Vec::len).sum());
        for row in rows {
            items.extend(row);
            indptr.push(items.len());
        }
        Graph::of(Own::Rows(Rows { indptr, items }), None, strength)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutual_neighbours_sum_and_one_way_links_count_once() {
        let lists = Neighbors::from_lists(2, &[vec![(1, 0.5)], vec![(0, 0.5), (2, 0.25)], vec![]]);
        let g = Graph::from_neighbors(&lists);
        let summed = |v: usize| {
            let mut by: std::collections::BTreeMap<usize, f64> = Default::default();
            for (u, w) in g.neighbors(v) {
                *by.entry(u).or_default() += w;
            }
            by.into_iter().collect::<Vec<_>>()
        };
        assert_eq!(summed(0), [(1, 1.0)]);
        assert_eq!(summed(1), [(0, 1.0), (2, 0.25)]);
        assert_eq!(summed(2), [(1, 0.25)]);
        assert_eq!(g.strength, [1.0, 1.25, 0.25]);
        assert_eq!(g.total, 2.5);
    }
}
