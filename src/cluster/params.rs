//! Clustering settings, checked before any work starts (linfa's `Params` →
//! `ValidParams`).

use serde::{Deserialize, Serialize};

use crate::vectors::VectorParams;

/// Settings as written in the `[cluster]` config table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterParams {
    pub vectors: VectorParams,
    /// Neighbours per ticket in the similarity graph.
    pub neighbors: usize,
    /// Leiden resolution (RB configuration model): higher gives more,
    /// tighter clusters.
    pub resolution: f64,
    /// Neighbours less similar than this (cosine) are not linked.
    pub min_similarity: f32,
    /// Communities smaller than this are reported as unclustered.
    pub min_cluster_size: usize,
    /// A ticket with less than this share of its neighbour weight inside
    /// its community is on the community's fringe, held out of it and
    /// clustered with the other fringe tickets (0 keeps every ticket in).
    pub core_share: f64,
    /// Only communities of at least this many undecided tickets have their
    /// fringe held back: a reviewer splits big mixed candidates, and in a
    /// small community the fringe is most often its own kind.
    pub fringe_min_size: usize,
    /// Adjacent communities whose centroids are at least this alike (cosine)
    /// are one symptom that modularity cut for its size, and are joined.
    pub join_cosine: f32,
    /// Terms per ticket used to find neighbour candidates.
    pub query_terms: usize,
    /// Terms in more than this share of tickets find no candidates
    /// (they link everything to everything); they still count in scores.
    pub max_index_df_ratio: f32,
    /// Candidate scoring work allowed for the whole graph: caps posting
    /// lists so that the cost grows linearly with the number of tickets.
    pub candidate_budget: u64,
    /// Seed for every random choice: same input and seed, same clusters.
    pub seed: u64,
    /// Representative tickets per cluster.
    pub examples: usize,
    /// Label terms per cluster.
    pub label_terms: usize,
}

impl Default for ClusterParams {
    fn default() -> Self {
        ClusterParams {
            vectors: VectorParams::default(),
            neighbors: 10,
            resolution: 4.0,
            min_similarity: 0.1,
            min_cluster_size: 3,
            core_share: 0.6,
            fringe_min_size: 80,
            join_cosine: 0.7,
            query_terms: 12,
            max_index_df_ratio: 1.0,
            candidate_budget: 500_000_000,
            seed: 42,
            examples: 5,
            label_terms: 6,
        }
    }
}

/// Parameters that passed [`ClusterParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidClusterParams(ClusterParams);

impl std::ops::Deref for ValidClusterParams {
    type Target = ClusterParams;
    fn deref(&self) -> &ClusterParams {
        &self.0
    }
}

/// A clustering parameter out of range, with the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParamError(pub &'static str);

impl ClusterParams {
    /// # Errors
    /// The first value out of range, said so that it can be fixed.
    pub fn check(self) -> Result<ValidClusterParams, ParamError> {
        let v = &self.vectors;
        let rules: [(bool, &str); 12] = [
            (
                v.title_weight > 0.0 && v.title_weight <= 10.0,
                "cluster.vectors.title_weight must be in (0, 10]",
            ),
            (v.min_df >= 1, "cluster.vectors.min_df must be at least 1"),
            (
                v.max_df_ratio > 0.0 && v.max_df_ratio <= 1.0,
                "cluster.vectors.max_df_ratio must be in (0, 1]",
            ),
            (
                (2..=100).contains(&self.neighbors),
                "cluster.neighbors must be between 2 and 100",
            ),
            (
                self.resolution > 0.0 && self.resolution <= 1000.0,
                "cluster.resolution must be in (0, 1000]",
            ),
            (
                (0.0..1.0).contains(&self.min_similarity),
                "cluster.min_similarity must be in [0, 1)",
            ),
            (
                self.min_cluster_size >= 2,
                "cluster.min_cluster_size must be at least 2",
            ),
            (
                (0.0..1.0).contains(&self.core_share),
                "cluster.core_share must be in [0, 1)",
            ),
            (
                self.join_cosine > 0.0 && self.join_cosine <= 1.0,
                "cluster.join_cosine must be in (0, 1]",
            ),
            (
                (1..=64).contains(&self.query_terms),
                "cluster.query_terms must be between 1 and 64",
            ),
            (
                self.max_index_df_ratio > 0.0 && self.max_index_df_ratio <= 1.0,
                "cluster.max_index_df_ratio must be in (0, 1]",
            ),
            (
                self.candidate_budget >= 1_000_000,
                "cluster.candidate_budget must be at least 1000000",
            ),
        ];
        for (ok, message) in rules {
            if !ok {
                return Err(ParamError(message));
            }
        }
        if !(1..=20).contains(&self.examples) || !(1..=20).contains(&self.label_terms) {
            return Err(ParamError(
                "cluster.examples and cluster.label_terms must be between 1 and 20",
            ));
        }
        Ok(ValidClusterParams(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_nonsense_is_refused() {
        assert!(ClusterParams::default().check().is_ok());
        let bad = ClusterParams {
            neighbors: 1,
            ..ClusterParams::default()
        };
        assert!(bad.check().unwrap_err().0.contains("neighbors"));
        let bad = ClusterParams {
            resolution: 0.0,
            ..ClusterParams::default()
        };
        assert!(bad.check().is_err());
    }
}
