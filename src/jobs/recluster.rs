//! The re-cluster itself: read every ticket from the store, vectorise,
//! cluster, label, and make the new clusters current in one transaction.

use std::time::Instant;

use serde::Serialize;

use super::JobProgress;
use crate::analyze::{Analyzer, SurfaceForms};
use crate::cluster::{self, Stage};
use crate::engine::{Engine, EngineError};
use crate::model::rfc3339;
use crate::store::{ClusterRecord, JobRecord, MemberRecord, StoreError};
use crate::vectors::{CorpusBuilder, DocText, TicketKey};

/// What a finished re-cluster reports.
#[derive(Debug, Clone, Serialize)]
pub struct ReclusterReport {
    pub tickets: usize,
    pub clusters: usize,
    pub unclustered: usize,
    /// Share of tickets in some cluster.
    pub clustered_share: f64,
    pub vocabulary: usize,
    pub timings: ReclusterTimings,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReclusterTimings {
    pub vectorize_s: f64,
    pub neighbors_s: f64,
    pub communities_s: f64,
    pub summaries_s: f64,
    pub save_s: f64,
    pub total_s: f64,
}

/// Tickets read from the store per chunk.
const CHUNK: usize = 20_000;
/// Members read per cluster to find how its label terms were written.
const SURFACE_SAMPLE: usize = 20;

fn doc_text(s: crate::store::StoredTicket) -> DocText {
    let notes = s.ticket.note_text();
    DocText {
        key: TicketKey {
            id: s.ticket.id.to_string(),
            source: s.ticket.source.as_str().to_string(),
            created_ns: crate::store::created_ns(s.ticket.created_at),
        },
        title: s.ticket.title,
        body: s.ticket.body,
        notes,
    }
}

fn secs(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

impl Engine {
    pub(crate) fn recluster(
        &self,
        job_id: &str,
        progress: &mut JobProgress<'_>,
        on_progress: &mut dyn FnMut(&JobRecord),
    ) -> Result<ReclusterReport, EngineError> {
        let started = Instant::now();
        let params = self.config().cluster.clone();
        let store = self.store();
        let last_seq = store.last_seq()?;
        let total = store.count()?;
        progress.stage(Stage::Vectorizing, total);
        on_progress(&progress.record);
        let mut builder = CorpusBuilder::new(
            Analyzer::new(self.config().analyzer.clone()),
            params.vectors.title_weight,
        );
        // Reading the store (one thread) overlaps with analysis (the rest).
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<DocText>>(2);
        std::thread::scope(|scope| -> Result<(), EngineError> {
            let reader = scope.spawn(move || {
                store.scan_changes::<StoreError>(0, last_seq, CHUNK, |chunk| {
                    let docs = chunk.into_iter().map(doc_text).collect();
                    // A closed channel means the analysing side failed: stop reading.
                    sender
                        .send(docs)
                        .map_err(|_| StoreError::Corrupt("re-cluster stopped".into()))
                })
            });
            for docs in receiver {
                builder.add(docs);
                progress.advance(builder.len() as u64);
                on_progress(&progress.record);
            }
            reader.join().expect("the store reader does not panic")?;
            Ok(())
        })?;
        let corpus = builder.finish(&params.vectors);
        let mut timings = ReclusterTimings {
            vectorize_s: secs(started),
            ..ReclusterTimings::default()
        };
        let clustering = cluster::cluster(&corpus, &params, &mut |stage| {
            progress.stage(stage, 0);
            on_progress(&progress.record);
        });
        timings.neighbors_s = clustering.timings.neighbors_s;
        timings.communities_s = clustering.timings.communities_s;
        timings.summaries_s = clustering.timings.summaries_s;
        let saving = Instant::now();
        progress.stage(Stage::Saving, clustering.clusters.len() as u64);
        on_progress(&progress.record);
        let run = job_id.trim_start_matches("job-");
        let mut records = Vec::with_capacity(clustering.clusters.len());
        for (rank, summary) in clustering.clusters.iter().enumerate() {
            let id = format!("c{run}-{}", rank + 1);
            let members: Vec<MemberRecord> = summary
                .members
                .iter()
                .zip(&summary.similarity)
                .map(|(&d, &similarity)| MemberRecord {
                    ticket: corpus.keys[d as usize].id.clone(),
                    similarity,
                })
                .collect();
            let sample: Vec<String> = members
                .iter()
                .take(SURFACE_SAMPLE)
                .map(|m| m.ticket.clone())
                .collect();
            let mut forms = SurfaceForms::new(&self.config().analyzer);
            for stored in store.tickets(&sample)? {
                forms.observe(&stored.ticket.title);
                forms.observe(&stored.ticket.body);
            }
            let at = |ns: i64| {
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns))
                    .map(rfc3339)
                    .unwrap_or_default()
            };
            let record = ClusterRecord {
                id,
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
            };
            records.push((record, members));
            progress.advance(rank as u64 + 1);
        }
        store.replace_clusters(job_id, &records)?;
        timings.save_s = secs(saving);
        timings.total_s = secs(started);
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
}
