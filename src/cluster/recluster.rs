//! The re-cluster pipeline over the store: read every ticket, vectorise,
//! cluster, label, and make the new clusters current in one transaction.
//!
//! A plain function of this stage: the engine runs it as a job, the CLI
//! in the foreground; it reports through [`Progress`] and knows nothing of
//! either. If it fails or the process dies, the previous clusters stay
//! current (they are replaced only by the final transaction).

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use super::identity::carried_ids;
use super::knn::knn;
use super::{CannotLink, ClusterSummary, Constraints, Stage, ValidClusterParams};
use crate::analyze::{AnalyzerSettings, SurfaceForms};
use crate::error::{Classify, ErrorClass};
use crate::jobs::Progress;
use crate::model::{
    CandidateCluster, ClusterId, ClusterMember, JobId, ReclusterReport, ReclusterTimings,
    StoredTicket, TicketId, from_unix_ns, seconds_since, unix_ns,
};
use crate::review::Space;
use crate::review::attach::{AttachParams, attach_undecided};
use crate::store::{Store, StoreError};
use crate::vectors::{Corpus, CorpusBuilder, DocText, TicketKey};

/// Why a re-cluster failed.
#[derive(Debug, thiserror::Error)]
pub enum ReclusterError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the re-cluster stopped while reading tickets: the analysing side ended early")]
    ReaderStopped,
    #[error("a clustered ticket id is not valid: {0}")]
    BadTicketId(String),
}

impl Classify for ReclusterError {
    fn class(&self) -> ErrorClass {
        match self {
            ReclusterError::Store(e) => e.class(),
            ReclusterError::ReaderStopped | ReclusterError::BadTicketId(_) => ErrorClass::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ReclusterError::Store(e) => e.code(),
            ReclusterError::ReaderStopped => "recluster-stopped",
            ReclusterError::BadTicketId(_) => "recluster-bad-id",
        }
    }
}

/// Tickets read from the store per chunk.
const CHUNK: usize = 20_000;
/// Members read per cluster to find how its label terms were written.
const SURFACE_SAMPLE: usize = 20;

/// The text of a stored ticket as clustering reads it.
pub fn doc_text(stored: StoredTicket) -> DocText {
    let notes = stored.ticket.note_text();
    let t = stored.ticket;
    DocText {
        key: TicketKey {
            id: t.id.to_string(),
            source: t.source.as_str().to_string(),
            created_ns: unix_ns(t.created_at),
        },
        title: t.title,
        body: t.body,
        notes,
    }
}

/// Reads every ticket of `store` into TF-IDF rows (a reader thread feeds
/// the analysing threads), reporting progress as it goes.
///
/// # Errors
/// Store errors.
pub fn read_corpus(
    store: &Store,
    analyzer: &AnalyzerSettings,
    params: &ValidClusterParams,
    progress: &mut dyn Progress,
) -> Result<Corpus, ReclusterError> {
    let last_seq = store.last_seq()?;
    progress.stage(Stage::Vectorizing.as_str(), store.count()?);
    let mut builder = CorpusBuilder::new(
        crate::analyze::Analyzer::new(analyzer.clone()),
        params.vectors.title_weight,
    )
    .cleaning(params.vectors.clean);
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<DocText>>(2);
    std::thread::scope(|scope| -> Result<(), ReclusterError> {
        let reader = scope.spawn(move || {
            store.scan_changes::<ReclusterError>(0, last_seq, CHUNK, |chunk| {
                let docs = chunk.into_iter().map(doc_text).collect();
                // A closed channel means the analysing side ended: stop reading.
                sender.send(docs).map_err(|_| ReclusterError::ReaderStopped)
            })
        });
        for docs in receiver {
            builder.add(docs);
            progress.advance(builder.len() as u64);
        }
        reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    Ok(builder.finish(&params.vectors))
}

/// Jaccard similarity at which a candidate counts as a rejected set come
/// back (and is not offered).
const REJECTED_ALIKE: f64 = 0.8;

fn jaccard(a: &HashSet<&str>, b: &HashSet<&str>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// A summary's members, named by ticket id, most central first.
///
/// # Errors
/// A row whose key is not a ticket id (a corrupt corpus).
pub fn members_of(
    summary: &ClusterSummary,
    corpus: &Corpus,
) -> Result<Vec<ClusterMember>, ReclusterError> {
    summary
        .members
        .iter()
        .zip(&summary.similarity)
        .map(|(&d, &similarity)| {
            let id = &corpus.keys[d as usize].id;
            Ok(ClusterMember {
                ticket: TicketId::parse(id.as_str())
                    .map_err(|_| ReclusterError::BadTicketId(id.clone()))?,
                similarity,
            })
        })
        .collect()
}

/// A summary as an open candidate cluster `id` of job `job`.
pub fn candidate(
    summary: &ClusterSummary,
    id: ClusterId,
    job: &JobId,
    members: &[ClusterMember],
    label_terms: Vec<String>,
    examples: usize,
) -> CandidateCluster {
    let at = |ns: i64| from_unix_ns(ns).ok();
    CandidateCluster {
        id,
        job: job.clone(),
        size: members.len(),
        label_terms,
        examples: members.iter().take(examples).cloned().collect(),
        cohesion: (summary.cohesion * 1000.0).round() / 1000.0,
        by_source: summary.by_source.clone(),
        first_seen: at(summary.first_seen_ns),
        last_seen: at(summary.last_seen_ns),
        current: true,
        decided: None,
    }
}

/// The size of the cluster holding the median clustered ticket (0 when
/// there are none): what counts as a small part when a reviewer splits one
/// of them. Weighted by tickets, so that the many small fringe clusters do
/// not pull it down.
fn median_size(records: &[(CandidateCluster, Vec<ClusterMember>)]) -> usize {
    let mut sizes: Vec<usize> = records.iter().map(|(c, _)| c.size).collect();
    sizes.sort_unstable();
    let half = sizes.iter().sum::<usize>().div_ceil(2);
    let mut seen = 0;
    sizes
        .into_iter()
        .find(|&s| {
            seen += s;
            seen >= half
        })
        .unwrap_or(0)
}

/// The reviewers' constraints by row of `space`: each grouped row fixed in
/// its group, split parts kept apart.
fn constraints(store: &Store, space: &Space) -> Result<Constraints, ReclusterError> {
    let mut group_index: HashMap<String, u32> = HashMap::new();
    let mut fixed = vec![None; space.len()];
    for (ticket, group, _) in store.memberships()? {
        if let Some(row) = space.row(&ticket) {
            let next = group_index.len() as u32;
            fixed[row as usize] = Some(*group_index.entry(group.to_string()).or_insert(next));
        }
    }
    let mut split_index: HashMap<String, u32> = HashMap::new();
    let mut triples = Vec::new();
    for (ticket, split, part) in store.split_parts()? {
        if let Some(row) = space.row(ticket.as_str()) {
            let next = split_index.len() as u32;
            let s = *split_index.entry(split).or_insert(next);
            triples.push((row, s, part));
        }
    }
    Ok(Constraints {
        cannot_link: CannotLink::new(triples),
        fixed,
    })
}

/// Re-clusters every ticket in `store` as job `job`, keeping the
/// reviewers' work: grouped tickets stay in their groups (undecided ones
/// that clearly belong to a group are attached first, as an engine
/// decision), the rest is clustered with split parts kept apart, and a
/// candidate that is a rejected set come back is not offered. Returns the
/// report and the vector space, which review and suggest reuse.
///
/// # Errors
/// Store errors; the previous clusters then stay current.
pub fn recluster(
    store: &Store,
    analyzer: &AnalyzerSettings,
    params: &ValidClusterParams,
    job: &JobId,
    progress: &mut dyn Progress,
) -> Result<(ReclusterReport, Space), ReclusterError> {
    let started = Instant::now();
    let corpus = read_corpus(store, analyzer, params, progress)?;
    let mut timings = ReclusterTimings {
        vectorize_s: seconds_since(started),
        ..ReclusterTimings::default()
    };
    progress.stage(Stage::Neighbors.as_str(), 0);
    let knn_started = Instant::now();
    let neighbors = knn(&corpus.matrix, &corpus.vocab, params);
    timings.neighbors_s = seconds_since(knn_started);
    let space = Space::with_neighbors(corpus, params, neighbors);
    let attached = attach_undecided(store, &space, &AttachParams::in_recluster(), false, &[])?;
    let constraints = constraints(store, &space)?;
    let free = constraints.fixed.iter().filter(|g| g.is_none()).count();
    let corpus = &space.corpus;
    let rejected_sets = store.rejected_sets()?;
    let rejected: Vec<HashSet<&str>> = rejected_sets
        .iter()
        .map(|set| set.iter().map(String::as_str).collect())
        .collect();
    let mut clustering = super::cluster_constrained(
        corpus,
        space.neighbors(),
        params,
        &constraints,
        &mut |stage| progress.stage(stage.as_str(), 0),
    );
    if !rejected.is_empty() {
        let (kept, returned): (Vec<_>, Vec<_>) = std::mem::take(&mut clustering.clusters)
            .into_iter()
            .partition(|c| {
                let ids: HashSet<&str> = c
                    .members
                    .iter()
                    .map(|&m| corpus.keys[m as usize].id.as_str())
                    .collect();
                rejected.iter().all(|r| jaccard(r, &ids) < REJECTED_ALIKE)
            });
        clustering.clusters = kept;
        clustering
            .unclustered
            .extend(returned.into_iter().flat_map(|c| c.members));
    }
    timings.communities_s = clustering.timings.communities_s;
    timings.summaries_s = clustering.timings.summaries_s;
    let saving = Instant::now();
    progress.stage(Stage::Saving.as_str(), clustering.clusters.len() as u64);
    let run = job.as_str().trim_start_matches(JobId::PREFIX);
    let carried = {
        let new: Vec<Vec<&str>> = clustering
            .clusters
            .iter()
            .map(|c| {
                c.members
                    .iter()
                    .map(|&m| corpus.keys[m as usize].id.as_str())
                    .collect()
            })
            .collect();
        carried_ids(&store.open_clusters_with_members()?, &new)
    };
    let mut records = Vec::with_capacity(clustering.clusters.len());
    for ((rank, summary), kept) in clustering.clusters.iter().enumerate().zip(carried) {
        let members = members_of(summary, corpus)?;
        let sample: Vec<String> = members
            .iter()
            .take(SURFACE_SAMPLE)
            .map(|m| m.ticket.to_string())
            .collect();
        let mut forms = SurfaceForms::new(analyzer);
        for stored in store.tickets(&sample)? {
            forms.observe(&stored.ticket.title);
            forms.observe(&stored.ticket.body);
        }
        let label_terms = summary
            .label_term_ids
            .iter()
            .map(|&t| forms.surface(&corpus.vocab.terms[t as usize]))
            .collect();
        let cluster = candidate(
            summary,
            kept.unwrap_or_else(|| ClusterId::from_tail(format!("{run}-{}", rank + 1))),
            job,
            &members,
            label_terms,
            params.examples,
        );
        records.push((cluster, members));
        progress.advance(rank as u64 + 1);
    }
    store.replace_clusters(job, &records)?;
    timings.save_s = seconds_since(saving);
    timings.total_s = seconds_since(started);
    let tickets = space.len();
    Ok((
        ReclusterReport {
            tickets,
            attached,
            clusters: records.len(),
            median_size: median_size(&records),
            unclustered: clustering.unclustered.len(),
            clustered_share: if tickets == 0 {
                1.0
            } else {
                1.0 - clustering.unclustered.len() as f64 / free.max(1) as f64
            },
            vocabulary: corpus.vocab.len(),
            timings,
        },
        space,
    ))
}
