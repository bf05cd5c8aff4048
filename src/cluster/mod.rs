//! Clustering: TF-IDF rows → approximate kNN graph ([`knn`]) → Leiden
//! communities ([`leiden`]) → candidate clusters with summaries
//! ([`summary`]).
//!
//! The number of clusters is not given: Leiden finds it from the graph at
//! the configured resolution. Tickets with no neighbour above
//! `min_similarity`, or in a community smaller than `min_cluster_size`, are
//! reported as unclustered rather than forced into a cluster. Everything is
//! deterministic for a given input and seed.
//!
//! linfa-clustering is not used here: its algorithms are dense (`Array2`), and
//! a vocabulary-wide dense matrix is exactly what this pipeline avoids; the
//! graph route also finds the number of clusters itself, which k-means does
//! not. A dense step may come with reviewer splits (`{auto: k}`) on reduced
//! vectors of one cluster.

pub mod graph;
pub mod knn;
pub mod leiden;
pub mod params;
pub mod summary;

use std::time::{Duration, Instant};

pub use params::{ClusterParams, ValidClusterParams};
pub use summary::ClusterSummary;

use crate::vectors::Corpus;

/// Where a clustering run is, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Loading,
    Vectorizing,
    Neighbors,
    Communities,
    Summarizing,
    Saving,
}

/// The outcome of clustering a corpus.
#[derive(Debug, Clone)]
pub struct Clustering {
    /// Clusters, largest first (ties: smallest first member first).
    pub clusters: Vec<ClusterSummary>,
    /// Corpus indices of tickets that fit no cluster.
    pub unclustered: Vec<u32>,
    pub timings: Timings,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Timings {
    pub neighbors_s: f64,
    pub communities_s: f64,
    pub summaries_s: f64,
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// Clusters a corpus. `on_stage` is told as each stage starts.
pub fn cluster(
    corpus: &Corpus,
    params: &ValidClusterParams,
    on_stage: &mut dyn FnMut(Stage),
) -> Clustering {
    let mut timings = Timings::default();
    on_stage(Stage::Neighbors);
    let started = Instant::now();
    let neighbors = knn::knn(&corpus.matrix, &corpus.vocab, params);
    let graph = graph::Graph::from_neighbors(&neighbors);
    drop(neighbors);
    timings.neighbors_s = secs(started.elapsed());
    on_stage(Stage::Communities);
    let started = Instant::now();
    let membership = leiden::leiden(&graph, params.resolution, params.seed);
    timings.communities_s = secs(started.elapsed());
    drop(graph);
    let communities = membership
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut groups: Vec<Vec<u32>> = vec![Vec::new(); communities];
    for (d, &c) in membership.iter().enumerate() {
        groups[c as usize].push(d as u32);
    }
    let mut unclustered = Vec::new();
    let mut clusters: Vec<Vec<u32>> = Vec::new();
    for group in groups {
        if group.len() >= params.min_cluster_size {
            clusters.push(group);
        } else {
            unclustered.extend(group);
        }
    }
    unclustered.sort_unstable();
    clusters.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    on_stage(Stage::Summarizing);
    let started = Instant::now();
    let clusters = summary::summarize(corpus, &clusters, params.label_terms);
    timings.summaries_s = secs(started.elapsed());
    Clustering {
        clusters,
        unclustered,
        timings,
    }
}
