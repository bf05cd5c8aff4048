//! `refrain groups` and `refrain review …`: the reviewer's decisions from a
//! terminal, on the data directory (a running server holds it locked: use
//! its HTTP API then).

use clap::Subcommand;

use super::DataArgs;
use crate::engine::{ConfirmRequest, Engine, GroupSort};
use crate::error::exit;
use crate::http::views::{ClusterView, DecisionView, GroupView};
use crate::model::{ClusterId, DecisionId};

#[derive(Debug, clap::Args)]
pub struct GroupsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// total, last_7d, last_30d, since_fix, manual_minutes or last_seen.
    #[arg(long, default_value = "total")]
    pub sort: String,
    /// Counts as of this moment (RFC 3339); default now.
    #[arg(long)]
    pub as_of: Option<String>,
    /// One JSON object per group (JSON Lines) on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn groups(args: GroupsArgs) -> anyhow::Result<i32> {
    let sort = GroupSort::parse(&args.sort).map_err(super::UserError)?;
    let as_of = match &args.as_of {
        Some(t) => crate::model::parse_rfc3339(t).map_err(super::UserError)?,
        None => time::OffsetDateTime::now_utc(),
    };
    let engine = Engine::open(&args.data.data, args.data.load_config()?)?;
    let groups = engine.groups(as_of, sort, None, None)?;
    if groups.is_empty() && !args.json {
        eprintln!("no groups yet: confirm clusters with `refrain review confirm`");
    }
    for g in groups {
        let view = GroupView::from(g);
        if args.json {
            println!("{}", serde_json::to_string(&view)?);
        } else {
            println!(
                "{:<6} {:>6} total {:>5} 7d {:>5} 30d  {:<9} {:<20} {}",
                view.id,
                view.counts.total,
                view.counts.last_7d,
                view.counts.last_30d,
                view.status,
                view.tag,
                view.name
            );
        }
    }
    engine.close()?;
    Ok(exit::OK)
}

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(subcommand)]
    pub action: ReviewAction,
    /// Print the outcome as JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ReviewAction {
    /// Confirm a candidate cluster as a new group, or into an existing one.
    Confirm {
        cluster: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        /// Join this group instead of creating one.
        #[arg(long)]
        group: Option<String>,
    },
    /// Split a cluster: each --part is comma-separated ticket ids; the
    /// members not named form one more part.
    Split {
        cluster: String,
        #[arg(long = "part", required = true)]
        parts: Vec<String>,
    },
    /// Reject a cluster: not a real pattern.
    Reject { cluster: String },
    /// Undo a decision.
    Undo { decision: String },
    /// The audit log, newest first.
    Log {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

fn cluster(text: &str) -> anyhow::Result<ClusterId> {
    Ok(ClusterId::parse(text).map_err(|e| super::UserError(e.to_string()))?)
}

pub fn review(args: ReviewArgs) -> anyhow::Result<i32> {
    let engine = Engine::open(&args.data.data, args.data.load_config()?)?;
    let actor = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    let out: serde_json::Value = match args.action {
        ReviewAction::Confirm {
            cluster: id,
            name,
            tag,
            group,
        } => {
            let (group, decision) = engine.confirm(
                &cluster(&id)?,
                ConfirmRequest {
                    name,
                    tag,
                    group,
                    actor,
                },
            )?;
            let summary = engine.group(&group.id, time::OffsetDateTime::now_utc())?;
            serde_json::json!({"group": GroupView::from(summary), "decision": DecisionView::from(decision)})
        }
        ReviewAction::Split { cluster: id, parts } => {
            let parts = parts
                .iter()
                .map(|p| {
                    p.split(',')
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .collect();
            let outcome = engine.split(&cluster(&id)?, parts, &actor)?;
            serde_json::json!({
                "clusters": outcome.offered.into_iter().map(ClusterView::from).collect::<Vec<_>>(),
                "deferred": outcome.deferred.into_iter().map(ClusterView::from).collect::<Vec<_>>(),
                "decision": DecisionView::from(outcome.decision),
            })
        }
        ReviewAction::Reject { cluster: id } => {
            serde_json::json!({"decision": DecisionView::from(engine.reject(&cluster(&id)?, &actor)?)})
        }
        ReviewAction::Undo { decision } => {
            let id = DecisionId::parse(decision).map_err(|e| super::UserError(e.to_string()))?;
            let (d, undone) = engine.undo(&id, &actor)?;
            serde_json::json!({"decision": DecisionView::from(d), "undone": undone})
        }
        ReviewAction::Log { limit } => {
            let log = engine.decisions(None, None, None, 0, limit)?;
            serde_json::json!({"decisions": log.into_iter().map(DecisionView::from).collect::<Vec<_>>()})
        }
    };
    engine.close()?;
    if args.json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(exit::OK)
}
