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
use rayon::prelude::*;

use crate::analyze::SurfaceForms;
use crate::error::{Classify, ErrorClass};
use crate::jobs::Progress;
use crate::model::{
    CandidateCluster, ClusterId, ClusterMember, JobId, ReclusterReport, ReclusterTimings,
    StoredTicket, TicketId, from_unix_ns, seconds_since, unix_ns,
};
use crate::review::attach::{AttachParams, attach_undecided};
use crate::review::{Space, id_hash};
use crate::store::{CorpusRow, Store, StoreError};
use crate::vectors::{Corpus, CorpusBuilder, DocText, TermAnalysis, TicketKey, TicketTerms};

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
    ticket_text(stored.ticket)
}

/// The text of a ticket as clustering reads it.
pub fn ticket_text(t: crate::model::Ticket) -> DocText {
    let notes = t.note_text();
    DocText {
        key: TicketKey {
            id: t.id.to_string(),
            source: t.source.as_str().into(),
            created_ns: unix_ns(t.created_at),
        },
        title: t.title,
        body: t.body,
        notes,
    }
}

/// Reads every ticket of `store` into TF-IDF rows, reporting progress as it
/// goes. A reader thread feeds the building side chunk by chunk.
///
/// Analyse once: a ticket's stored term counts are read as they are. Only
/// a ticket without counts (stored before they existed, or since the
/// analysis changed) or with a line that may be the corpus's boilerplate
/// is analysed from its text; the counts made for the first kind are
/// stored, so the next re-cluster reads them too.
///
/// # Errors
/// Store errors.
pub fn read_corpus(
    store: &Store,
    analysis: &TermAnalysis,
    params: &ValidClusterParams,
    progress: &mut dyn Progress,
) -> Result<Corpus, ReclusterError> {
    let last_seq = store.last_seq()?;
    progress.stage(Stage::Vectorizing.as_str(), store.count()?);
    let mut builder = CorpusBuilder::with_analysis(
        analysis.with_cleaning(params.vectors.clean),
        params.vectors.title_weight,
    );
    // Counts stored under the other cleaning setting are not this corpus's.
    let stored_fit = analysis.cleans() == params.vectors.clean;
    builder.detect_boilerplate(store.first_bodies(CHUNK)?.iter().map(String::as_str));
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<CorpusRow>>(2);
    std::thread::scope(|scope| -> Result<(), ReclusterError> {
        let reader = scope.spawn(move || {
            store.scan_corpus::<ReclusterError>(last_seq, CHUNK, |chunk| {
                // A closed channel means the building side ended: stop reading.
                sender
                    .send(chunk)
                    .map_err(|_| ReclusterError::ReaderStopped)
            })
        });
        let mut scratch = ChunkScratch::default();
        let total = store.count()? as usize;
        for rows in receiver {
            if builder.is_empty() && !rows.is_empty() {
                reserve_like(&mut builder, &rows, total);
            }
            let made = add_rows(&mut builder, store, rows, stored_fit, &mut scratch)?;
            if !made.is_empty() {
                store.set_terms(&made)?;
            }
            progress.advance(builder.len() as u64);
        }
        reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    let corpus = builder.finish(&params.vectors);
    tracing::debug!(
        tickets = corpus.len(),
        nonzeros = corpus.matrix.nnz(),
        terms = corpus.vocab.len(),
        rss_mib = ?crate::memory::resident_mib(),
        "corpus read"
    );
    Ok(corpus)
}

/// Reserves the builder's room for `total` tickets from what the first
/// chunk's `rows` hold on average (a tenth more, for chunks that hold more).
fn reserve_like(builder: &mut CorpusBuilder, rows: &[CorpusRow], total: usize) {
    let blob_bytes: usize = rows
        .iter()
        .filter_map(|r| r.terms.as_ref())
        .map(Vec::len)
        .sum();
    let id_bytes: usize = rows.iter().map(|r| r.id.len()).sum();
    let scale = |sum: usize| sum / rows.len() * total / 10 * 11;
    // A stored count takes two to three bytes (a varint id delta and a
    // count); rows without counts take what their text makes, which is
    // about as much.
    builder.reserve(total, scale(blob_bytes) / 2, scale(id_bytes));
}

/// Buffers one chunk's rows are weighed in, reused from chunk to chunk.
#[derive(Default)]
struct ChunkScratch {
    terms: TicketTerms,
    weighted: Vec<(u32, f32)>,
    /// Every row's weighted counts, one after the other (empty for a row
    /// that is analysed from text instead), and where each row's end.
    all: Vec<(u32, f32)>,
    ends: Vec<usize>,
}

/// Adds a chunk of rows to the corpus, in order: each row's stored counts
/// when they are this corpus's exactly, else its text analysed again.
/// Returns the counts made from text for rows that had none (when
/// `stored_fit`: to store).
fn add_rows(
    builder: &mut CorpusBuilder,
    store: &Store,
    mut rows: Vec<CorpusRow>,
    stored_fit: bool,
    scratch: &mut ChunkScratch,
) -> Result<Vec<(u64, Vec<u8>)>, ReclusterError> {
    let title_weight = builder.title_weight();
    let boilerplate = builder.boilerplate();
    let strippable = |t: &TicketTerms| boilerplate.is_some_and(|b| b.may_strip(&t.lines));
    // Stored counts that are this corpus's exactly, weighed as they are
    // read, into buffers that every chunk reuses.
    let mut missing: Vec<usize> = Vec::new();
    scratch.all.clear();
    scratch.ends.clear();
    for (i, r) in rows.iter().enumerate() {
        let fits = stored_fit
            && r.terms
                .as_deref()
                .is_some_and(|bytes| scratch.terms.decode_into(bytes))
            && !strippable(&scratch.terms);
        if fits {
            scratch
                .terms
                .weighted_into(title_weight, &mut scratch.weighted);
            scratch.all.extend_from_slice(&scratch.weighted);
        } else {
            missing.push(i);
        }
        scratch.ends.push(scratch.all.len());
    }
    let mut analysed_rows: Vec<Option<TicketTerms>> = Vec::new();
    // The rest are analysed from text, read now for rows that had counts.
    let mut made = Vec::new();
    if !missing.is_empty() {
        let unread: Vec<String> = missing
            .iter()
            .filter(|&&i| rows[i].ticket.is_none())
            .map(|&i| rows[i].id.clone())
            .collect();
        let mut read: HashMap<String, StoredTicket> = store
            .tickets(&unread)?
            .into_iter()
            .map(|t| (t.ticket.id.to_string(), t))
            .collect();
        let mut texts = Vec::with_capacity(missing.len());
        for &i in &missing {
            let ticket = match rows[i].ticket.take() {
                Some(t) => Some(t.ticket),
                None => read.remove(&rows[i].id).map(|t| t.ticket),
            };
            // A ticket deleted meanwhile is analysed as empty.
            texts.push(ticket.map(ticket_text).unwrap_or_else(|| DocText {
                key: TicketKey::default(),
                title: String::new(),
                body: String::new(),
                notes: String::new(),
            }));
        }
        let analysis = builder.analysis();
        let analysed = analysis.analyse(&texts, boilerplate);
        // Counts to store are taken before boilerplate is stripped; they
        // differ from the corpus's only for a ticket that had some.
        let bare: Vec<usize> = missing
            .iter()
            .enumerate()
            .filter(|&(_, &i)| stored_fit && rows[i].terms.is_none())
            .map(|(k, _)| k)
            .collect();
        let stripped: Vec<DocText> = bare
            .iter()
            .filter(|&&k| strippable(&analysed[k]))
            .map(|&k| texts[k].clone())
            .collect();
        let mut unstripped = analysis.analyse(&stripped, None).into_iter();
        for &k in &bare {
            let stored = if strippable(&analysed[k]) {
                unstripped.next().expect("one per stripped ticket")
            } else {
                analysed[k].clone()
            };
            made.push((rows[missing[k]].seq, stored.encode()));
        }
        analysed_rows.resize(rows.len(), None);
        for (k, t) in analysed.into_iter().enumerate() {
            analysed_rows[missing[k]] = Some(t);
        }
    }
    let mut start = 0;
    for (i, row) in rows.iter().enumerate() {
        let end = scratch.ends[i];
        match analysed_rows.get(i).and_then(Option::as_ref) {
            Some(terms) => builder.push_row(&row.id, &row.source, row.created_ns, terms),
            None => builder.push_weighted(
                &row.id,
                &row.source,
                row.created_ns,
                &scratch.all[start..end],
            ),
        }
        start = end;
    }
    Ok(made)
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
            let id = corpus.keys.id(d as usize);
            Ok(ClusterMember {
                ticket: TicketId::parse(id)
                    .map_err(|_| ReclusterError::BadTicketId(id.to_owned()))?,
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
    analysis: &TermAnalysis,
    params: &ValidClusterParams,
    job: &JobId,
    progress: &mut dyn Progress,
) -> Result<(ReclusterReport, Space), ReclusterError> {
    let _prompt = crate::memory::PromptRelease::hold();
    let started = Instant::now();
    let corpus = read_corpus(store, analysis, params, progress)?;
    let analyzer = analysis.analyzer().settings();
    let mut timings = ReclusterTimings {
        vectorize_s: seconds_since(started),
        ..ReclusterTimings::default()
    };
    progress.stage(Stage::Neighbors.as_str(), 0);
    let knn_started = Instant::now();
    let neighbors = knn(&corpus.matrix, &corpus.vocab, params);
    timings.neighbors_s = seconds_since(knn_started);
    let space = Space::with_neighbors(corpus, params, neighbors);
    tracing::debug!(rss_mib = ?crate::memory::resident_mib(), "neighbours found");
    let attached = attach_undecided(store, &space, &AttachParams::in_recluster(), false, &[])?;
    let constraints = constraints(store, &space)?;
    tracing::debug!(rss_mib = ?crate::memory::resident_mib(), "attached, constraints read");
    let free = constraints.fixed.iter().filter(|g| g.is_none()).count();
    let corpus = &space.corpus;
    let rejected_sets = store.rejected_sets()?;
    let rejected: Vec<HashSet<&str>> = rejected_sets
        .iter()
        .map(|set| set.iter().map(String::as_str).collect())
        .collect();
    // The last run's clusters, read on the other core while Leiden runs on
    // one (0.7 s at a million tickets, off the critical path): what the
    // new clusters are matched against to keep their ids. Members are
    // named by a hash of their ticket id: a million lookups of rows in the
    // space took 1.5 s.
    let (mut clustering, previous) = std::thread::scope(|scope| {
        let previous = scope.spawn(|| store.open_clusters_with_members(|t| Some(id_hash(t))));
        let clustering = super::cluster_constrained(
            corpus,
            space.neighbors(),
            params,
            &constraints,
            &mut |stage| progress.stage(stage.as_str(), 0),
        );
        let previous = previous
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (clustering, previous)
    });
    let previous = previous?;
    if !rejected.is_empty() {
        let (kept, returned): (Vec<_>, Vec<_>) = std::mem::take(&mut clustering.clusters)
            .into_iter()
            .partition(|c| {
                let ids: HashSet<&str> = c
                    .members
                    .iter()
                    .map(|&m| corpus.keys.id(m as usize))
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
        let new: Vec<Vec<u64>> = clustering
            .clusters
            .par_iter()
            .map(|c| {
                c.members
                    .iter()
                    .map(|&m| id_hash(corpus.keys.id(m as usize)))
                    .collect()
            })
            .collect();
        carried_ids(&previous, &new)
    };
    tracing::debug!(rss_mib = ?crate::memory::resident_mib(), "carried ids");
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
    tracing::debug!(rss_mib = ?crate::memory::resident_mib(), "records made");
    store.replace_clusters(job, &records)?;
    tracing::debug!(rss_mib = ?crate::memory::resident_mib(), "records saved");
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::analyze::Analyzer;
    use crate::cluster::ClusterParams;
    use crate::ingest::{Format, parse_body, validate};
    use crate::model::{IncomingTicket, ValidationContext};

    struct Quiet;
    impl Progress for Quiet {
        fn stage(&mut self, _: &str, _: u64) {}
        fn advance(&mut self, _: u64) {}
    }

    /// Tickets of a few symptoms; half of them carry an agent macro, which
    /// is boilerplate in this corpus.
    fn tickets() -> Vec<IncomingTicket> {
        let symptoms = [
            "login page loops",
            "invoice pdf blank",
            "export csv timeout",
        ];
        let items: Vec<String> = (0..120)
            .map(|i| {
                // A word of its own, so that the macro sits beside many texts.
                let own: String = [b'a' + (i % 26) as u8, b'a' + (i / 26) as u8]
                    .iter()
                    .map(|&b| b as char)
                    .collect();
                let mut body = format!("{} for {own}", symptoms[i % 3]);
                if i % 2 == 0 {
                    body.push_str("\nThank you for contacting Acme support, we will reply soon.");
                }
                format!(
                    r#"{{"id":"t{i}","title":"issue {}","body":{}}}"#,
                    i % 3,
                    serde_json::to_string(&body).expect("a string")
                )
            })
            .collect();
        let items =
            parse_body(format!("[{}]", items.join(",")).as_bytes(), Format::Json).expect("parsed");
        let ctx = ValidationContext {
            tags: &[],
            now: time::macros::datetime!(2026-11-30 00:00 UTC),
        };
        validate(items, &ctx).0
    }

    fn corpus(store: &Store, analysis: &TermAnalysis) -> Corpus {
        let params = ClusterParams::default().check().expect("valid");
        read_corpus(store, analysis, &params, &mut Quiet).expect("read")
    }

    fn assert_same(a: &Corpus, b: &Corpus) {
        assert_eq!(a.keys, b.keys);
        assert_eq!(a.vocab.terms, b.vocab.terms);
        for r in 0..a.len() {
            assert_eq!(a.matrix.row(r), b.matrix.row(r), "row {r}");
        }
    }

    #[test]
    fn stored_counts_give_the_corpus_that_text_gives() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("refrain.sqlite")).expect("open");
        let analysis = TermAnalysis::new(Analyzer::default(), true, store.dictionary().clone());
        store
            .use_terms_fingerprint(analysis.fingerprint())
            .expect("fingerprint");
        let batch = tickets();
        let now = time::macros::datetime!(2026-11-30 00:00 UTC);
        let terms: Vec<Vec<u8>> = analysis
            .analyse(&batch.iter().map(|i| &i.ticket).collect::<Vec<_>>(), None)
            .iter()
            .map(TicketTerms::encode)
            .collect();
        store
            .upsert_many(
                &[(&batch[..60], Some(&terms[..60])), (&batch[60..], None)],
                now,
            )
            .expect("stored");
        // Half the tickets read as counts, half from text (their counts are
        // stored as they are read); and the text path alone, as `eval` does.
        let mixed = corpus(&store, &analysis);
        let mut from_text = CorpusBuilder::new(Analyzer::default(), 2.0);
        from_text.add(
            batch
                .iter()
                .map(|i| ticket_text(i.ticket.clone()))
                .collect(),
        );
        let from_text = from_text.finish(&ClusterParams::default().vectors);
        assert_same(&mixed, &from_text);
        assert!(
            mixed.vocab.id("acm").is_none() && from_text.vocab.id("acm").is_none(),
            "the macro is stripped from stored counts too"
        );
        let mut rows = Vec::new();
        store
            .scan_corpus::<StoreError>(u64::MAX >> 1, 1000, |chunk| {
                rows.extend(chunk);
                Ok(())
            })
            .expect("scan");
        assert!(
            rows.iter().all(|r| r.terms.is_some()),
            "every ticket has counts now"
        );
        assert_same(&corpus(&store, &analysis), &from_text);

        // A new analysis drops the counts; they are made again.
        let plain = TermAnalysis::new(
            Analyzer::new(crate::analyze::AnalyzerSettings {
                stem: false,
                ..Default::default()
            }),
            true,
            Arc::new(crate::vectors::TermDictionary::default()),
        );
        assert!(
            store
                .use_terms_fingerprint(plain.fingerprint())
                .expect("changed")
        );
        let plain_corpus = corpus(&store, &plain.clone());
        assert!(plain_corpus.vocab.id("loops").is_some(), "unstemmed terms");
    }
}
