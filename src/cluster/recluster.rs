//! The re-cluster pipeline over the store: read every ticket, vectorise,
//! cluster, label, and make the new clusters current in one transaction.
//!
//! A plain function of this stage: the engine runs it as a job, the CLI
//! in the foreground; it reports through [`Progress`] and knows nothing of
//! either. If it fails or the process dies, the previous clusters stay
//! current (they are replaced only by the final transaction).

use std::time::Instant;

use super::{Stage, ValidClusterParams};
use crate::analyze::{AnalyzerSettings, SurfaceForms};
use crate::error::{Classify, ErrorClass};
use crate::jobs::Progress;
use crate::model::{
    CandidateCluster, ClusterId, ClusterMember, JobId, ReclusterReport, ReclusterTimings,
    StoredTicket, TicketId, from_unix_ns, seconds_since, unix_ns,
};
use crate::store::{Store, StoreError};
use crate::vectors::{CorpusBuilder, DocText, TicketKey};

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

/// Re-clusters every ticket in `store` as job `job`.
///
/// # Errors
/// Store errors; the previous clusters then stay current.
pub fn recluster(
    store: &Store,
    analyzer: &AnalyzerSettings,
    params: &ValidClusterParams,
    job: &JobId,
    progress: &mut dyn Progress,
) -> Result<ReclusterReport, ReclusterError> {
    let started = Instant::now();
    let last_seq = store.last_seq()?;
    progress.stage(Stage::Vectorizing.as_str(), store.count()?);
    let mut builder = CorpusBuilder::new(
        crate::analyze::Analyzer::new(analyzer.clone()),
        params.vectors.title_weight,
    );
    // Reading the store (one thread) overlaps with analysis (the rest).
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
    let corpus = builder.finish(&params.vectors);
    let mut timings = ReclusterTimings {
        vectorize_s: seconds_since(started),
        ..ReclusterTimings::default()
    };
    let clustering = super::cluster(&corpus, params, &mut |stage| {
        progress.stage(stage.as_str(), 0);
    });
    timings.neighbors_s = clustering.timings.neighbors_s;
    timings.communities_s = clustering.timings.communities_s;
    timings.summaries_s = clustering.timings.summaries_s;
    let saving = Instant::now();
    progress.stage(Stage::Saving.as_str(), clustering.clusters.len() as u64);
    let run = job.as_str().trim_start_matches(JobId::PREFIX);
    let at = |ns: i64| from_unix_ns(ns).ok();
    let mut records = Vec::with_capacity(clustering.clusters.len());
    for (rank, summary) in clustering.clusters.iter().enumerate() {
        let members = summary
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
            .collect::<Result<Vec<_>, ReclusterError>>()?;
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
        let cluster = CandidateCluster {
            id: ClusterId::from_tail(format!("{run}-{}", rank + 1)),
            job: job.clone(),
            size: members.len(),
            label_terms: summary
                .label_term_ids
                .iter()
                .map(|&t| forms.surface(&corpus.vocab.terms[t as usize]))
                .collect(),
            examples: members.iter().take(params.examples).cloned().collect(),
            cohesion: (summary.cohesion * 1000.0).round() / 1000.0,
            by_source: summary.by_source.clone(),
            first_seen: at(summary.first_seen_ns),
            last_seen: at(summary.last_seen_ns),
            current: true,
        };
        records.push((cluster, members));
        progress.advance(rank as u64 + 1);
    }
    store.replace_clusters(job, &records)?;
    timings.save_s = seconds_since(saving);
    timings.total_s = seconds_since(started);
    let tickets = corpus.len();
    Ok(ReclusterReport {
        tickets,
        clusters: records.len(),
        unclustered: clustering.unclustered.len(),
        clustered_share: if tickets == 0 {
            1.0
        } else {
            1.0 - clustering.unclustered.len() as f64 / tickets as f64
        },
        vocabulary: corpus.vocab.len(),
        timings,
    })
}
