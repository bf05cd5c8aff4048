//! `refrain roadmap`: the open and watched groups ranked by the scoring
//! file, ready ones first, from a terminal (a running server holds the
//! data directory: use `GET /v1/roadmap` then).

use time::OffsetDateTime;

use super::DataArgs;
use crate::engine::Engine;
use crate::error::exit;
use crate::roadmap::RoadmapItem;

#[derive(Debug, clap::Args)]
pub struct RoadmapArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Print `{"roadmap": […], "watchlist": […]}` as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: RoadmapArgs) -> anyhow::Result<i32> {
    let engine = Engine::open(&args.data.data, args.data.load_config()?)?;
    let roadmap = engine.roadmap(OffsetDateTime::now_utc())?;
    if args.json {
        println!("{}", serde_json::to_string(&roadmap)?);
        return Ok(exit::OK);
    }
    let line = |i: &RoadmapItem| {
        let breakdown: Vec<String> = i
            .score
            .breakdown
            .iter()
            .map(|p| format!("{} {:+}", p.factor, p.points))
            .collect();
        format!(
            "{:<6} {:>6.1} {:<8} {:<30} owner: {}\n         {}",
            i.group,
            i.score.score,
            i.score.band,
            crate::model::truncate(&i.name, 30),
            i.owner.as_deref().unwrap_or("-"),
            breakdown.join(", ")
        )
    };
    println!("roadmap ({} ready)", roadmap.roadmap.len());
    for i in &roadmap.roadmap {
        println!("{}", line(i));
    }
    println!("watchlist ({} not ready)", roadmap.watchlist.len());
    for i in &roadmap.watchlist {
        println!(
            "{}\n         missing: {}",
            line(i),
            i.readiness.missing.join("; ")
        );
    }
    Ok(exit::OK)
}
