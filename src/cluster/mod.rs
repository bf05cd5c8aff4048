//! Clustering: TF-IDF rows → approximate kNN graph ([`knn`]) → Leiden
//! communities ([`leiden`], with confirmed groups as fixed nodes:
//! [`fixed`]), pieces of one symptom joined back ([`join`]), fringe tickets
//! held out of the cores ([`core`]) → candidate clusters with summaries
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

pub mod constraints;
pub mod core;
pub mod fixed;
pub mod graph;
pub mod identity;
pub mod join;
pub mod knn;
pub mod leiden;
pub mod neighbors;
pub mod params;
pub mod recluster;
mod rows;
pub mod summary;

use std::time::Instant;

pub use constraints::{CannotLink, Constraints};
pub use params::{ClusterParams, ParamError, ValidClusterParams};
pub use summary::ClusterSummary;

use crate::model::seconds_since;
use crate::vectors::Corpus;

/// Where a clustering run is, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Vectorizing,
    Neighbors,
    Communities,
    Summarizing,
    Saving,
}

impl Stage {
    /// The stage's name in job progress.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Vectorizing => "vectorizing",
            Stage::Neighbors => "neighbors",
            Stage::Communities => "communities",
            Stage::Summarizing => "summarizing",
            Stage::Saving => "saving",
        }
    }
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

#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub neighbors_s: f64,
    pub communities_s: f64,
    pub summaries_s: f64,
}

/// Clusters a corpus. `on_stage` is told as each stage starts.
pub fn cluster(
    corpus: &Corpus,
    params: &ValidClusterParams,
    on_stage: &mut dyn FnMut(Stage),
) -> Clustering {
    on_stage(Stage::Neighbors);
    let started = Instant::now();
    let neighbors = knn::knn(&corpus.matrix, &corpus.vocab, params);
    let neighbors_s = seconds_since(started);
    let mut clustering = cluster_constrained(
        corpus,
        &neighbors,
        params,
        &Constraints::default(),
        on_stage,
    );
    clustering.timings.neighbors_s = neighbors_s;
    clustering
}

/// Clusters a corpus whose kNN lists are built, keeping reviewer
/// constraints: rows split apart never share a cluster, grouped rows stay
/// in their groups and only free rows come out in clusters. The caller
/// times the neighbours.
pub fn cluster_constrained(
    corpus: &Corpus,
    neighbors: &knn::Neighbors,
    params: &ValidClusterParams,
    constraints: &Constraints,
    on_stage: &mut dyn FnMut(Stage),
) -> Clustering {
    let mut timings = Timings::default();
    let cannot_link = &constraints.cannot_link;
    let kept;
    let graph = if cannot_link.is_empty() {
        graph::Graph::from_neighbors(neighbors)
    } else {
        kept = neighbors.filtered(|d, o| !cannot_link.conflict(d, o));
        graph::Graph::from_neighbors(&kept)
    };
    tracing::debug!(rss_mib = ?crate::memory::resident_mib(), entries = graph.entries(), "graph built");
    on_stage(Stage::Communities);
    let started = Instant::now();
    let mut membership = fixed::leiden_with_fixed(
        &graph,
        &constraints.fixed,
        &cannot_link.tags(graph.nodes()),
        params.resolution,
        params.seed,
    );
    tracing::debug!(rss_mib = ?crate::memory::resident_mib(), "leiden done");
    join::join_alike(
        &graph,
        &corpus.matrix,
        &mut membership,
        params.min_cluster_size,
        params.join_cosine,
    );
    tracing::debug!(rss_mib = ?crate::memory::resident_mib(), "joined");
    core::hold_back_fringe(
        graph,
        &mut membership,
        core::Fringe {
            core_share: params.core_share,
            min_size: params.fringe_min_size,
        },
        &|v| !constraints.is_fixed(v),
        params.resolution,
        params.seed,
    );
    tracing::debug!(rss_mib = ?crate::memory::resident_mib(), "fringe held back");
    timings.communities_s = seconds_since(started);
    let mut unclustered = Vec::new();
    let mut clusters: Vec<Vec<u32>> = Vec::new();
    let communities = leiden::members_by_community(&membership)
        .into_iter()
        .map(|mut c| {
            c.retain(|&r| !constraints.is_fixed(r as usize));
            c
        })
        .filter(|c| !c.is_empty());
    for group in communities.flat_map(|g| cannot_link.separate(g)) {
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
    timings.summaries_s = seconds_since(started);
    Clustering {
        clusters,
        unclustered,
        timings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analyzer;
    use crate::vectors::{CorpusBuilder, DocText, TicketKey};

    fn fixture_corpus(params: &ValidClusterParams) -> Corpus {
        let mut builder = CorpusBuilder::new(Analyzer::default(), params.vectors.title_weight);
        let docs = include_str!("../../fixtures/tickets.ndjson")
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).expect("fixture JSON");
                let text = |k: &str| v[k].as_str().unwrap_or("").to_string();
                DocText {
                    key: TicketKey {
                        id: text("id"),
                        source: text("source").into(),
                        created_ns: 0,
                    },
                    title: text("title"),
                    body: text("body"),
                    notes: String::new(),
                }
            })
            .collect();
        builder.add(docs);
        builder.finish(&params.vectors)
    }

    fn memberships(c: &Clustering) -> Vec<Vec<u32>> {
        c.clusters.iter().map(|s| s.members.clone()).collect()
    }

    #[test]
    fn the_same_input_and_seed_give_the_same_clusters_on_any_thread_count() {
        let params = ClusterParams::default().check().expect("valid");
        let corpus = fixture_corpus(&params);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a pool")
                .install(|| cluster(&corpus, &params, &mut |_| {}))
        };
        let (one, two, again) = (run(1), run(2), run(2));
        assert_eq!(memberships(&one), memberships(&two));
        assert_eq!(memberships(&two), memberships(&again));
        assert_eq!(one.unclustered, two.unclustered);
        let reseeded = ClusterParams {
            seed: 7,
            ..ClusterParams::default()
        }
        .check()
        .expect("valid");
        // Another seed may differ, but must still cover every ticket once.
        let other = cluster(&corpus, &reseeded, &mut |_| {});
        let covered: usize = other
            .clusters
            .iter()
            .map(|c| c.members.len())
            .sum::<usize>()
            + other.unclustered.len();
        assert_eq!(covered, corpus.len());
    }

    #[test]
    fn a_symptom_in_most_tickets_still_forms_a_cluster() {
        // An incident storm: 80 of 100 tickets report the same failure.
        let params = ClusterParams::default().check().expect("valid");
        let mut builder = CorpusBuilder::new(Analyzer::default(), params.vectors.title_weight);
        let others = ["invoice pdf is blank", "export csv times out"];
        let docs = (0..100)
            .map(|i| DocText {
                key: TicketKey {
                    id: i.to_string(),
                    source: "support".into(),
                    created_ns: 0,
                },
                title: String::new(),
                body: if i < 80 {
                    format!("login fails with an error (attempt {i})")
                } else {
                    others[i % 2].to_string()
                },
                notes: String::new(),
            })
            .collect();
        builder.add(docs);
        let corpus = builder.finish(&params.vectors);
        let c = cluster(&corpus, &params, &mut |_| {});
        let storm: Vec<&str> = c.clusters[0]
            .members
            .iter()
            .map(|&m| corpus.keys.id(m as usize))
            .collect();
        assert_eq!(storm.len(), 80, "{storm:?}");
        assert!(storm.iter().all(|id| id.parse::<u32>().expect("id") < 80));
    }

    #[test]
    fn tiny_communities_are_reported_unclustered_not_forced() {
        let params = ClusterParams {
            min_cluster_size: 5,
            ..ClusterParams::default()
        }
        .check()
        .expect("valid");
        let corpus = fixture_corpus(&params);
        let c = cluster(&corpus, &params, &mut |_| {});
        assert!(c.clusters.iter().all(|s| s.members.len() >= 5));
        assert!(
            !c.unclustered.is_empty(),
            "the fixtures' one-off tickets fit no cluster"
        );
        let summary = &c.clusters[0];
        assert!(
            summary.similarity.windows(2).all(|w| w[0] >= w[1]),
            "members are most central first"
        );
    }
}
