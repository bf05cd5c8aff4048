//! `refrain export jira|warehouse|prioritized`: the exports from a
//! terminal, to stdout or a file.

use std::io::Write as _;
use std::path::PathBuf;

use time::OffsetDateTime;

use super::{DataArgs, UserError};
use crate::engine::Engine;
use crate::error::exit;
use crate::export::warehouse::{GROUP_COLUMNS, TICKET_COLUMNS, TableFormat, TableWriter};
use crate::model::parse_rfc3339;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub what: ExportCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// Issues for the promoted items, sent to the tracker of [export.jira].
    Jira(JiraArgs),
    /// The tickets or groups table as NDJSON or CSV.
    Warehouse(WarehouseArgs),
    /// prioritized.yaml: the promoted items for a repository.
    Prioritized(PrioritizedArgs),
}

#[derive(Debug, clap::Args)]
pub struct JiraArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Print the bulk-create payload that would be sent, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: the generic shape (Linear, GitHub, scripts) instead.
    #[arg(long, requires = "dry_run")]
    pub generic: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Table {
    Tickets,
    Groups,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Ndjson,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct WarehouseArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, value_enum, default_value = "tickets")]
    pub table: Table,
    #[arg(long, value_enum, default_value = "ndjson")]
    pub format: Format,
    /// Only tickets stored or changed at or after this RFC 3339 time.
    #[arg(long)]
    pub since: Option<String>,
    /// Write here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct PrioritizedArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Write here (e.g. prioritized.yaml in a repository) instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: ExportArgs) -> anyhow::Result<i32> {
    let now = OffsetDateTime::now_utc();
    match args.what {
        ExportCommand::Jira(a) => {
            let config = a.data.load_config()?;
            if !a.dry_run && config.export.jira.base_url.is_none() {
                return Err(UserError(
                    "no tracker is configured: set [export.jira] base_url and token_env, or look first with --dry-run".into(),
                )
                .into());
            }
            let engine = Engine::open(&a.data.data, config)?;
            if a.dry_run {
                let text = if a.generic {
                    serde_json::to_string_pretty(
                        &serde_json::json!({"issues": engine.export_issues(now)?}),
                    )?
                } else {
                    serde_json::to_string_pretty(&engine.export_jira(now)?)?
                };
                println!("{text}");
                return Ok(exit::OK);
            }
            let queued = engine.queue_tracker_issues(now)?;
            if queued.iter().all(|(_, q)| !q) {
                eprintln!(
                    "every promoted item has its issue already, or is queued; nothing to send"
                );
            }
            Ok(super::digest::print_outcomes(
                &engine.deliver_queued(|e| e.target == crate::deliver::JIRA)?,
            ))
        }
        ExportCommand::Warehouse(a) => {
            let since = a
                .since
                .as_deref()
                .map(|s| parse_rfc3339(s).map_err(|e| UserError(format!("--since: {e}"))))
                .transpose()?;
            let format = match a.format {
                Format::Ndjson => TableFormat::Ndjson,
                Format::Csv => TableFormat::Csv,
            };
            if matches!(a.table, Table::Groups) && since.is_some() {
                return Err(UserError(
                    "--since filters the tickets table; the groups table is a snapshot".into(),
                )
                .into());
            }
            let engine = Engine::open(&a.data.data, a.data.load_config()?)?;
            let sink: Box<dyn std::io::Write> = match &a.out {
                Some(path) => Box::new(
                    std::fs::File::create(path)
                        .map_err(|e| UserError(format!("cannot write {}: {e}", path.display())))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            match a.table {
                Table::Tickets => {
                    let mut out = TableWriter::new(format, TICKET_COLUMNS, sink)?;
                    engine.write_warehouse_tickets(since, &mut out)?;
                    out.finish()?;
                }
                Table::Groups => {
                    let mut out = TableWriter::new(format, GROUP_COLUMNS, sink)?;
                    engine.write_warehouse_groups(now, &mut out)?;
                    out.finish()?;
                }
            }
            Ok(exit::OK)
        }
        ExportCommand::Prioritized(a) => {
            let engine = Engine::open(&a.data.data, a.data.load_config()?)?;
            emit(engine.prioritized_yaml(now)?.as_bytes(), a.out.as_ref())
        }
    }
}

fn emit(bytes: &[u8], out: Option<&PathBuf>) -> anyhow::Result<i32> {
    match out {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| UserError(format!("cannot write {}: {e}", path.display())))?,
        None => std::io::stdout().lock().write_all(bytes)?,
    }
    Ok(exit::OK)
}
