//! `refrain recluster` and `refrain clusters`: re-cluster the data
//! directory, and list the candidate clusters.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::DataArgs;
use crate::Engine;
use crate::engine::EngineOptions;
use crate::error::exit;
use crate::http::views::ClusterView;
use crate::model::JobResult;

#[derive(Debug, clap::Args)]
pub struct ReclusterArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Print the job's result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ReclusterArgs) -> anyhow::Result<i32> {
    let options = EngineOptions {
        config: args.data.load_config()?,
        no_snapshots: true,
        ..EngineOptions::default()
    };
    let engine = Engine::open(&args.data.data, options)?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg} {bar:30} {pos}/{len}")
            .expect("the template is valid"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let job = engine.recluster_now(&mut |job| {
        bar.set_message(job.stage.clone().unwrap_or_default());
        bar.set_length(job.total);
        bar.set_position(job.done);
    });
    bar.finish_and_clear();
    let job = job?;
    engine.close()?;
    let Some(JobResult::Recluster(result)) = job.result else {
        anyhow::bail!("the re-cluster job {} ended without a report", job.id);
    };
    if args.json {
        println!("{}", serde_json::to_string(&result)?);
    } else {
        eprintln!(
            "{} clusters from {} tickets ({} unclustered) in {} s; list them with `refrain clusters`",
            result.clusters, result.tickets, result.unclustered, result.timings.total_s
        );
    }
    Ok(exit::OK)
}

#[derive(Debug, clap::Args)]
pub struct ClustersArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// How many clusters to show, largest first.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// One JSON object per cluster (JSON Lines) on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn list(args: ClustersArgs) -> anyhow::Result<i32> {
    let engine = Engine::open(&args.data.data, args.data.load_config()?)?;
    let clusters = engine.clusters(0, args.limit)?;
    if clusters.is_empty() && !args.json {
        eprintln!("no clusters yet: run `refrain recluster` first");
    }
    for c in clusters {
        if args.json {
            println!("{}", serde_json::to_string(&ClusterView::from(c))?);
        } else {
            println!(
                "{:<16} {:>6} tickets  cohesion {:.2}  {}",
                c.id,
                c.size,
                c.cohesion,
                c.label_terms.join(", ")
            );
        }
    }
    engine.close()?;
    Ok(exit::OK)
}
