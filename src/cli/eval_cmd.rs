//! `refrain eval FILE`: grouping quality on a labelled file, in a temporary
//! data directory: ingest, re-cluster, score.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

use super::UserError;
use crate::engine::{Engine, EngineError, IngestPolicy};
use crate::error::exit;
use crate::eval::metrics::{Scores, score};
use crate::ingest::{self, Format};
use crate::model::{JobResult, ReclusterReport, TicketDraft};

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Labelled tickets: CSV with `text,category` columns, or NDJSON tickets
    /// with a labels file (CSV `id,label`, as `refrain gen` writes).
    pub file: PathBuf,
    /// Labels for NDJSON input; default: FILE with `.labels.csv`.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// TOML config (analyzer and cluster settings to evaluate).
    #[arg(long, env = "REFRAIN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    file: String,
    tickets: usize,
    labels: usize,
    clusters: usize,
    clustered_share: f64,
    #[serde(flatten)]
    scores: Scores,
    ingest_s: f64,
    recluster: Option<ReclusterReport>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<i32> {
    let config = match &args.config {
        Some(path) => crate::Config::from_file(path)?,
        None => crate::Config::default(),
    };
    let (drafts, truth) = load(&args)?;
    let dir = tempfile::tempdir().context("creating a temporary data directory")?;
    let engine = Engine::open(dir.path(), config)?;
    let started = Instant::now();
    let mut items: Vec<ingest::ParsedItem> = drafts
        .into_iter()
        .enumerate()
        .map(|(index, draft)| ingest::ParsedItem {
            index,
            line: None,
            draft: Ok(draft),
        })
        .collect();
    while !items.is_empty() {
        let rest = items.split_off(items.len().min(10_000));
        match engine.ingest(items, IngestPolicy::AllOrNothing) {
            Ok(_) => {}
            Err(EngineError::InvalidTickets {
                refused, errors, ..
            }) => {
                let first = errors.first().map_or(String::new(), |e| {
                    format!(", e.g. item {}: {}", e.index, e.reason)
                });
                return Err(UserError(format!(
                    "{refused} tickets of {} are invalid{first}",
                    args.file.display()
                ))
                .into());
            }
            Err(e) => return Err(e.into()),
        }
        items = rest;
    }
    let ingest_s = started.elapsed().as_secs_f64();
    let job = engine.recluster_now(&mut |_| {})?;
    let mut assigned: HashMap<String, usize> = HashMap::new();
    let clusters = engine.clusters(0, usize::MAX >> 1)?;
    for (rank, c) in clusters.iter().enumerate() {
        for m in engine.cluster_members(&c.id, 0, usize::MAX >> 1)?.1 {
            assigned.insert(m.ticket.to_string(), rank);
        }
    }
    engine.close()?;
    let ids: Vec<&String> = truth.keys().collect();
    let truth_labels: Vec<&str> = ids.iter().map(|id| truth[*id].as_str()).collect();
    // Unclustered tickets score as one shared cluster, as tools/refrain_eval.py does.
    let predicted: Vec<usize> = ids
        .iter()
        .map(|id| assigned.get(*id).copied().unwrap_or(usize::MAX))
        .collect();
    let scores = score(&truth_labels, &predicted);
    let report = Report {
        file: args.file.display().to_string(),
        tickets: truth.len(),
        labels: truth
            .values()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        clusters: clusters.len(),
        clustered_share: assigned.len() as f64 / truth.len().max(1) as f64,
        scores,
        ingest_s: (ingest_s * 100.0).round() / 100.0,
        recluster: job.result.map(|JobResult::Recluster(report)| report),
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{}: {} tickets, {} labels → {} clusters, {:.1}% clustered\nNMI {:.4}  ARI {:.4}  purity {:.4}  (re-cluster {} s)",
            report.file,
            report.tickets,
            report.labels,
            report.clusters,
            report.clustered_share * 100.0,
            scores.nmi,
            scores.ari,
            scores.purity,
            report.recluster.as_ref().map_or(0.0, |r| r.timings.total_s)
        );
    }
    Ok(exit::OK)
}

/// Tickets and their true label, keyed by ticket id.
fn load(args: &EvalArgs) -> anyhow::Result<(Vec<TicketDraft>, HashMap<String, String>)> {
    let path = &args.file;
    let is_csv = path.extension().and_then(|e| e.to_str()) == Some("csv");
    let mut truth = HashMap::new();
    let mut drafts = Vec::new();
    if is_csv {
        let mut reader = csv::Reader::from_path(path)
            .map_err(|e| UserError(format!("cannot open {}: {e}", path.display())))?;
        let headers = reader.headers()?.clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (Some(text), Some(category)) = (col("text"), col("category")) else {
            return Err(UserError(format!(
                "{} needs `text` and `category` columns",
                path.display()
            ))
            .into());
        };
        for (i, record) in reader.records().enumerate() {
            let record = record.with_context(|| format!("{} row {}", path.display(), i + 2))?;
            let id = format!("t{i}");
            truth.insert(id.clone(), record[category].to_string());
            drafts.push(TicketDraft {
                id,
                source: Some(if i % 3 == 0 { "ops" } else { "support" }.into()),
                title: Some(record[text].to_string()),
                ..TicketDraft::default()
            });
        }
    } else {
        let text = std::fs::read(path)
            .map_err(|e| UserError(format!("cannot open {}: {e}", path.display())))?;
        for item in ingest::parse_body(&text, Format::Ndjson)? {
            let draft = item.draft.map_err(|e| {
                UserError(format!(
                    "{}:{}: {}",
                    path.display(),
                    item.line.unwrap_or(0),
                    e.reason
                ))
            })?;
            drafts.push(draft);
        }
        let labels = args
            .labels
            .clone()
            .unwrap_or_else(|| path.with_extension("labels.csv"));
        let mut reader = csv::Reader::from_path(&labels).map_err(|e| {
            UserError(format!(
                "cannot open the labels file {}: {e}",
                labels.display()
            ))
        })?;
        for record in reader.records() {
            let record = record?;
            truth.insert(record[0].to_string(), record[1].to_string());
        }
        if let Some(d) = drafts.iter().find(|d| !truth.contains_key(&d.id)) {
            return Err(UserError(format!(
                "ticket {} has no label in {}",
                d.id,
                labels.display()
            ))
            .into());
        }
    }
    Ok((drafts, truth))
}
