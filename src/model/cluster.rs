//! Candidate clusters as the engine hands them out.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::{ClusterId, DecisionId, JobId, TicketId};

/// What a reviewer reads about a candidate cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateCluster {
    pub id: ClusterId,
    /// The re-cluster that made it.
    pub job: JobId,
    pub size: usize,
    /// Distinctive terms, as people wrote them.
    pub label_terms: Vec<String>,
    /// The most central members.
    pub examples: Vec<ClusterMember>,
    /// Mean cosine of the members to the centre (1 = identical).
    pub cohesion: f32,
    pub by_source: BTreeMap<String, usize>,
    pub first_seen: Option<OffsetDateTime>,
    pub last_seen: Option<OffsetDateTime>,
    /// False once a later re-cluster replaced it; its members are then gone.
    pub current: bool,
    /// The decision that consumed it (confirm, split or reject), if any.
    pub decided: Option<DecisionId>,
}

/// A member of a cluster and its cosine to the cluster's centre.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterMember {
    pub ticket: TicketId,
    pub similarity: f32,
}
