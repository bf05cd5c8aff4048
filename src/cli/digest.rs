//! `refrain digest`: the weekly digest from a terminal, and its post to
//! the configured chat webhook (`--send`).

use time::OffsetDateTime;

use super::{DataArgs, UserError};
use crate::deliver::Outcome;
use crate::engine::Engine;
use crate::error::exit;
use crate::model::IsoWeek;
use crate::roadmap::digest::Flavour;
use crate::store::DeliveryState;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DigestFormat {
    Markdown,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct DigestArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The ISO week, e.g. 2026-W48 (default: this week; with --send, last
    /// week, the last complete one).
    #[arg(long)]
    pub week: Option<String>,
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: DigestFormat,
    /// Also post it to the chat webhook of the config's [digest] table
    /// (once per week; a failed post is tried again).
    #[arg(long)]
    pub send: bool,
}

pub fn run(args: DigestArgs) -> anyhow::Result<i32> {
    let now = OffsetDateTime::now_utc();
    let week = match &args.week {
        Some(w) => IsoWeek::parse(w).map_err(|e| UserError(format!("--week: {e}")))?,
        None if args.send => IsoWeek::of(now).previous(),
        None => IsoWeek::of(now),
    };
    let config = args.data.load_config()?;
    if args.send && config.digest.webhook().is_none() {
        return Err(UserError(
            "--send: no chat webhook is configured; set [digest] webhook_url, or webhook_url_env and that variable".into(),
        )
        .into());
    }
    let engine = Engine::open(&args.data.data, config)?;
    let digest = engine.digest(week, now)?;
    match args.format {
        DigestFormat::Markdown => print!("{}", digest.render(Flavour::Markdown)),
        DigestFormat::Json => println!("{}", serde_json::to_string_pretty(&digest)?),
    }
    if !args.send {
        return Ok(exit::OK);
    }
    let (entry, queued) = engine.queue_digest(week, now)?;
    if !queued {
        if entry.state == DeliveryState::Sent {
            eprintln!("the digest of {week} was posted already; nothing sent");
            return Ok(exit::OK);
        }
        eprintln!("the digest of {week} was queued before; sending it now");
    }
    Ok(print_outcomes(
        &engine.deliver_queued(|e| e.key == entry.key)?,
    ))
}

/// Prints how deliveries ended; failures make the exit code 1.
pub(super) fn print_outcomes(outcomes: &[(String, Outcome)]) -> i32 {
    let mut code = exit::OK;
    for (key, outcome) in outcomes {
        match outcome {
            Outcome::Sent(_) => eprintln!("{key}: sent"),
            Outcome::Failed(why) => {
                eprintln!("{key}: failed: {why}");
                code = exit::USER;
            }
            Outcome::Interrupted => eprintln!("{key}: still queued"),
        }
    }
    code
}
