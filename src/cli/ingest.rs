//! `refrain ingest FILE…`: load tickets into the data directory, or send
//! them to a running server with `--server URL`.
//!
//! Invalid items are reported with file and line and skipped; the valid ones
//! are stored. The exit code is 1 when any item was refused.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;

use super::ingest_remote::{RemotePipeline, Sent, Server};
use super::{DataArgs, UserError};
use crate::engine::{Engine, EngineOptions, IngestPolicy, IngestReport, PreparedBatch};
use crate::error::exit;
use crate::ingest::import::{ColumnMap, ImportOptions, Vendor};
use crate::ingest::{self, CsvTickets, Format, ItemError, ParsedItem, parse_ndjson_line};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Json,
    Ndjson,
    Csv,
    /// Zendesk incremental export or `tickets.json` account export.
    Zendesk,
    /// Jira CSV export (all fields) or REST search JSON.
    Jira,
    /// PagerDuty incidents or log entries JSON.
    Pagerduty,
    /// ServiceNow incident table JSON or CSV export.
    Servicenow,
    /// Intercom conversations JSON.
    Intercom,
}

impl FormatArg {
    fn vendor(self) -> Option<Vendor> {
        match self {
            FormatArg::Json | FormatArg::Ndjson | FormatArg::Csv => None,
            FormatArg::Zendesk => Some(Vendor::Zendesk),
            FormatArg::Jira => Some(Vendor::Jira),
            FormatArg::Pagerduty => Some(Vendor::Pagerduty),
            FormatArg::Servicenow => Some(Vendor::Servicenow),
            FormatArg::Intercom => Some(Vendor::Intercom),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Files to load (NDJSON/JSONL, JSON array, or CSV with a header); `-` reads stdin.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Send to a running server instead of opening the data directory.
    #[arg(long, env = "REFRAIN_SERVER")]
    pub server: Option<String>,
    /// Bearer token for --server.
    #[arg(long, env = "REFRAIN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Input format; by default from the file extension (.csv, .json), else
    /// NDJSON. A vendor format maps that vendor's export (docs/importers.md).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Read a CSV with its own columns by a mapping, e.g.
    /// `id=Ticket #,title=Subject,body=Details,created_at=Opened`
    /// (`@FILE` reads the mapping from a file).
    #[arg(long, conflicts_with = "format")]
    pub map: Option<String>,
    /// The `source` of imported tickets (default: support for help desks,
    /// ops for PagerDuty and ServiceNow).
    #[arg(long)]
    pub source: Option<String>,
    /// Tickets per batch (per request with --server).
    #[arg(long, default_value_t = 10_000)]
    pub batch: usize,
    /// Requests in flight at once with --server (a batch that repeats an
    /// id still in flight waits for it, so file order holds per ticket).
    #[arg(long, default_value_t = 4)]
    pub connections: usize,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    files: usize,
    read: usize,
    created: usize,
    updated: usize,
    unchanged: usize,
    invalid: usize,
    seconds: f64,
    tickets_per_second: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FileItemError>,
}

#[derive(Debug, Serialize)]
struct FileItemError {
    file: String,
    #[serde(flatten)]
    error: ItemError,
}

/// How many refused items are listed (all are counted).
const ERRORS_SHOWN: usize = 1_000;

/// Where the tickets go.
enum Sink {
    Local(Box<Engine>),
    Remote(Server),
}

/// Batches on their way: prepared here and stored by a thread of the
/// engine's, or sent over several connections.
enum Pipeline<'scope> {
    Store(StorePipeline<'scope>),
    Remote(RemotePipeline<'scope>),
}

pub fn run(args: IngestArgs) -> anyhow::Result<i32> {
    if args.batch == 0 {
        return Err(UserError("--batch must be at least 1".into()).into());
    }
    if args.connections == 0 {
        return Err(UserError("--connections must be at least 1".into()).into());
    }
    let import = ImportOptions {
        source: args.source.clone(),
        settings: args.data.load_config()?.import,
    };
    let map = match &args.map {
        None => None,
        Some(spec) => {
            let spec = match spec.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| UserError(format!("cannot read the mapping file {path}: {e}")))?
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .collect::<Vec<_>>()
                    .join(","),
                None => spec.clone(),
            };
            Some(ColumnMap::parse(&spec).map_err(|e| UserError(format!("--map: {e}")))?)
        }
    };
    let sink = match &args.server {
        Some(url) => Sink::Remote(Server {
            url: format!("{}/v1/tickets", url.trim_end_matches('/')),
            token: args.token.clone(),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(600)))
                .max_idle_connections_per_host(args.connections)
                .build()
                .into(),
            connections: args.connections,
        }),
        None => {
            let config = args.data.load_config()?;
            // A bulk load commits the index rarely; the store commits every batch.
            let options = EngineOptions {
                config,
                commit_interval: Some(Duration::from_secs(30)),
                ..EngineOptions::default()
            };
            Sink::Local(Box::new(Engine::open(&args.data.data, options)?))
        }
    };
    let started = Instant::now();
    let mut summary = Summary {
        files: args.files.len(),
        ..Summary::default()
    };
    let total_bytes: u64 = args
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok().map(|m| m.len()))
        .sum();
    let progress = progress_bar(total_bytes);
    if let Sink::Local(engine) = &sink {
        // A guess at the load's size from its files (tickets run to about
        // a kilobyte; stdin counts nothing), only to choose how to load.
        engine.begin_bulk_load(total_bytes / 1024)?;
    }
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // A local load prepares (validates and analyses) each batch here
        // while a second thread stores the one before, in order.
        let mut pipeline = match &sink {
            Sink::Local(engine) => Pipeline::Store(StorePipeline::start(scope, engine)),
            Sink::Remote(server) => Pipeline::Remote(RemotePipeline::start(scope, server)),
        };
        for path in &args.files {
            let format = format_of(path, args.format);
            let name = path.display().to_string();
            let input = open(path, &progress)?;
            let mut each_batch = |items: Vec<ParsedItem>| {
                summary.read += items.len();
                match (&mut pipeline, &sink) {
                    (Pipeline::Store(pipeline), Sink::Local(engine)) => {
                        let prepared = engine.prepare(items, IngestPolicy::SkipInvalid)?;
                        pipeline.send(prepared, &name, &mut summary)?;
                    }
                    (Pipeline::Remote(pipeline), _) => {
                        pipeline.send(items, &name, &mut |sent| record_sent(sent, &mut summary))?;
                    }
                    (Pipeline::Store(_), Sink::Remote(_)) => {
                        unreachable!("a local load has a store pipeline")
                    }
                }
                progress.set_message(format!("{} tickets", summary.read));
                Ok(())
            };
            let vendor = args.format.and_then(FormatArg::vendor);
            if vendor.is_some() || map.is_some() {
                let mut bytes = Vec::new();
                let mut input = input;
                input
                    .read_to_end(&mut bytes)
                    .with_context(|| format!("reading {name}"))?;
                let items = match (vendor, &map) {
                    (Some(v), _) => ingest::import::import(v, &bytes, &import),
                    (None, Some(m)) => ingest::import::import_mapped(&bytes, m, &import),
                    (None, None) => unreachable!("one of them is set"),
                }
                .map_err(|e| UserError(format!("{name}: {e}")))?;
                for chunk in items.chunks(args.batch) {
                    each_batch(chunk.to_vec())?;
                }
            } else {
                read_items(input, format, args.batch, each_batch)
                    .with_context(|| format!("reading {name}"))?;
            }
        }
        match pipeline {
            Pipeline::Store(pipeline) => pipeline.finish(&mut summary)?,
            Pipeline::Remote(pipeline) => {
                pipeline.finish(&mut |sent| record_sent(sent, &mut summary))?;
            }
        }
        Ok(())
    })?;
    if let Sink::Local(engine) = sink {
        progress.set_message("indexing creation times");
        // The search index is committed even if this fails (the next open
        // builds the time index again).
        let ended = engine.end_bulk_load();
        progress.set_message("committing the search index");
        engine.close()?;
        ended?;
    }
    progress.finish_and_clear();
    summary.seconds = started.elapsed().as_secs_f64();
    summary.tickets_per_second = summary.read as f64 / summary.seconds.max(1e-9);
    report(&summary, args.json);
    Ok(if summary.invalid > 0 {
        exit::USER
    } else {
        exit::OK
    })
}

/// Stores prepared batches on a thread of its own, in the order sent, and
/// hands their reports back.
struct StorePipeline<'scope> {
    batches: Option<std::sync::mpsc::SyncSender<(PreparedBatch, String)>>,
    reports: std::sync::mpsc::Receiver<anyhow::Result<(IngestReport, String)>>,
    thread: std::thread::ScopedJoinHandle<'scope, ()>,
}

impl<'scope> StorePipeline<'scope> {
    fn start<'env>(scope: &'scope std::thread::Scope<'scope, 'env>, engine: &'env Engine) -> Self {
        // One batch prepared ahead: enough to keep both sides busy.
        let (batches, to_store) = std::sync::mpsc::sync_channel::<(PreparedBatch, String)>(1);
        let (stored, reports) = std::sync::mpsc::channel();
        let thread = scope.spawn(move || {
            for (batch, file) in to_store {
                let report = engine.store_prepared(batch).map(|r| (r, file));
                let failed = report.is_err();
                if stored.send(report.map_err(anyhow::Error::from)).is_err() || failed {
                    return;
                }
            }
        });
        StorePipeline {
            batches: Some(batches),
            reports,
            thread,
        }
    }

    /// Queues a batch (waiting while one is queued already) and records the
    /// reports of batches stored meanwhile.
    fn send(
        &mut self,
        batch: PreparedBatch,
        file: &str,
        summary: &mut Summary,
    ) -> anyhow::Result<()> {
        while let Ok(report) = self.reports.try_recv() {
            record_local(report?, summary);
        }
        let queued = self
            .batches
            .as_ref()
            .is_some_and(|b| b.send((batch, file.to_string())).is_ok());
        if !queued {
            // The store side stopped on an error: report it.
            while let Ok(report) = self.reports.recv() {
                record_local(report?, summary);
            }
            anyhow::bail!("storing tickets stopped");
        }
        Ok(())
    }

    /// Waits for every queued batch to be stored.
    fn finish(mut self, summary: &mut Summary) -> anyhow::Result<()> {
        drop(self.batches.take());
        for report in self.reports.iter() {
            record_local(report?, summary);
        }
        self.thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Ok(())
    }
}

fn record_local((report, file): (IngestReport, String), summary: &mut Summary) {
    summary.invalid += report.refused;
    for error in report.errors {
        if summary.errors.len() < ERRORS_SHOWN {
            summary.errors.push(FileItemError {
                file: file.clone(),
                error,
            });
        }
    }
    summary.created += report.upsert.created;
    summary.updated += report.upsert.updated;
    summary.unchanged += report.upsert.unchanged;
}

fn record_sent(sent: Sent, summary: &mut Summary) {
    let mut refused: Vec<usize> = sent.errors.iter().map(|e| e.index).collect();
    refused.sort_unstable();
    refused.dedup();
    summary.invalid += refused.len();
    for error in sent.errors {
        if summary.errors.len() < ERRORS_SHOWN {
            summary.errors.push(FileItemError {
                file: sent.file.clone(),
                error,
            });
        }
    }
    summary.created += sent.created;
    summary.updated += sent.updated;
    summary.unchanged += sent.unchanged;
}

fn progress_bar(total_bytes: u64) -> ProgressBar {
    let bar = ProgressBar::new(total_bytes);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {msg} (eta {eta})",
        )
        .expect("the template is valid"),
    );
    bar
}

fn format_of(path: &Path, chosen: Option<FormatArg>) -> Format {
    match chosen {
        Some(FormatArg::Json) => Format::Json,
        Some(FormatArg::Ndjson) => Format::Ndjson,
        Some(FormatArg::Csv) => Format::Csv,
        // Vendor formats are read by their importer.
        _ => match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => Format::Csv,
            Some("json") => Format::Json,
            _ => Format::Ndjson,
        },
    }
}

fn open(path: &Path, progress: &ProgressBar) -> anyhow::Result<Box<dyn Read>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let file =
        File::open(path).map_err(|e| UserError(format!("cannot open {}: {e}", path.display())))?;
    Ok(Box::new(progress.wrap_read(file)))
}

/// Reads `input` and calls `f` with up to `batch` parsed items at a time.
fn read_items(
    input: Box<dyn Read>,
    format: Format,
    batch: usize,
    mut f: impl FnMut(Vec<ParsedItem>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match format {
        Format::Ndjson => {
            let mut lines = BufReader::with_capacity(1 << 20, input).lines();
            let mut index = 0;
            let mut line_no = 0;
            loop {
                let mut chunk = Vec::with_capacity(batch);
                for line in lines.by_ref() {
                    line_no += 1;
                    let line = line.context("the input is not UTF-8 text")?;
                    if !line.trim().is_empty() {
                        chunk.push((index, line_no, line));
                        index += 1;
                        if chunk.len() == batch {
                            break;
                        }
                    }
                }
                if chunk.is_empty() {
                    return Ok(());
                }
                let items = chunk
                    .par_iter()
                    .map(|(index, line_no, line)| parse_ndjson_line(line, *index, *line_no))
                    .collect();
                f(items)?;
            }
        }
        Format::Json => {
            let mut text = Vec::new();
            let mut input = input;
            input.read_to_end(&mut text)?;
            let items = ingest::parse_body(&text, Format::Json)?;
            let mut items = items.into_iter().peekable();
            while items.peek().is_some() {
                f(items.by_ref().take(batch).collect())?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut rows = CsvTickets::new(input)?.peekable();
            while rows.peek().is_some() {
                f(rows.by_ref().take(batch).collect())?;
            }
            Ok(())
        }
    }
}

fn report(summary: &Summary, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string(summary).expect("a summary always serialises")
        );
        return;
    }
    for e in summary.errors.iter().take(20) {
        let place = match e.error.line {
            Some(line) => format!("{}:{line}", e.file),
            None => format!("{} item {}", e.file, e.error.index),
        };
        let field = e
            .error
            .field
            .as_deref()
            .map(|f| format!("{f}: "))
            .unwrap_or_default();
        eprintln!("{place}: {field}{}", e.error.reason);
    }
    if summary.invalid > 20 {
        eprintln!(
            "… {} invalid items in all (use --json to list them)",
            summary.invalid
        );
    }
    eprintln!(
        "ingested {} tickets from {} file(s) in {:.1} s ({:.0}/s): {} created, {} updated, {} unchanged, {} invalid",
        summary.read - summary.invalid,
        summary.files,
        summary.seconds,
        summary.tickets_per_second,
        summary.created,
        summary.updated,
        summary.unchanged,
        summary.invalid
    );
}
