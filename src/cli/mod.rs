//! The `refrain` command line: clap derive, one file per subcommand.
//! Only this module knows clap.

mod digest;
mod eval_cmd;
mod export;
mod gen_cmd;
mod ingest;
mod ingest_remote;
mod recluster;
mod review;
mod roadmap;
mod serve;
mod suggest;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::Config;
use crate::config::ConfigError;
use crate::engine::EngineError;
use crate::error::{Classify, ErrorClass};

pub use crate::error::exit;

#[derive(Debug, Parser)]
#[command(
    name = "refrain",
    version,
    about = "Finds the support and ops problems that keep coming back.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives and how refrain is configured; shared by commands
/// that open the data directory.
#[derive(Debug, clap::Args, Clone)]
pub struct DataArgs {
    /// Data directory (created if missing).
    #[arg(long, env = "REFRAIN_DATA", default_value = "./refrain-data")]
    pub data: PathBuf,
    /// TOML config file (tags, tokens, limits, analyzer); defaults apply without one.
    #[arg(long, env = "REFRAIN_CONFIG")]
    pub config: Option<PathBuf>,
}

impl DataArgs {
    /// # Errors
    /// The config file is unreadable or invalid.
    pub fn load_config(&self) -> Result<Config, ConfigError> {
        match &self.config {
            Some(path) => Config::from_file(path),
            None => Ok(Config::default()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API.
    Serve(serve::ServeArgs),
    /// Load tickets from NDJSON, JSON or CSV files (or stdin).
    Ingest(ingest::IngestArgs),
    /// Re-cluster every ticket in the data directory.
    Recluster(recluster::ReclusterArgs),
    /// List the candidate clusters of the last re-cluster.
    Clusters(recluster::ClustersArgs),
    /// Confirmed groups with their counts.
    Groups(review::GroupsArgs),
    /// Reviewer decisions: confirm, split, reject, undo, log.
    Review(review::ReviewArgs),
    /// Which confirmed group a ticket's text belongs to.
    Suggest(suggest::SuggestArgs),
    /// Open and watched groups ranked by the scoring file, with readiness.
    Roadmap(roadmap::RoadmapArgs),
    /// The weekly digest (Markdown or JSON), optionally posted to the chat webhook.
    Digest(digest::DigestArgs),
    /// Export promoted items to a tracker, tables to a warehouse, prioritized.yaml.
    Export(export::ExportArgs),
    /// Write a synthetic ticket dump with ground-truth labels.
    Gen(gen_cmd::GenArgs),
    /// Measure grouping quality on a labelled file (NMI, ARI, purity).
    Eval(eval_cmd::EvalArgs),
}

/// A failure the user can fix (exit code 1), as opposed to an internal one.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

/// Runs the parsed command.
///
/// # Errors
/// Whatever the command failed with; see [`exit_code`].
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Recluster(args) => recluster::run(args),
        Command::Clusters(args) => recluster::list(args),
        Command::Groups(args) => review::groups(args),
        Command::Review(args) => review::review(args),
        Command::Suggest(args) => suggest::run(args),
        Command::Roadmap(args) => roadmap::run(args),
        Command::Digest(args) => digest::run(args),
        Command::Export(args) => export::run(args),
        Command::Gen(args) => gen_cmd::run(args),
        Command::Eval(args) => eval_cmd::run(args),
    }
}

/// The class of an error from a command: the first cause in its chain
/// that knows its class; anything else is internal.
pub fn error_class(error: &anyhow::Error) -> ErrorClass {
    for cause in error.chain() {
        let class = if cause.is::<UserError>() {
            Some(ErrorClass::Invalid)
        } else if let Some(e) = cause.downcast_ref::<EngineError>() {
            Some(e.class())
        } else if let Some(e) = cause.downcast_ref::<ConfigError>() {
            Some(e.class())
        } else if let Some(e) = cause.downcast_ref::<crate::ingest::BatchError>() {
            Some(e.class())
        } else {
            cause
                .downcast_ref::<crate::http::ServeError>()
                .map(|e| e.class())
        };
        if let Some(class) = class {
            return class;
        }
    }
    ErrorClass::Internal
}

/// Maps an error to the documented exit code (the error class table).
pub fn exit_code(error: &anyhow::Error) -> i32 {
    error_class(error).exit_code()
}
