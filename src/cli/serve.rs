//! `refrain serve`: the HTTP API over one data directory.

use std::sync::Arc;

use anyhow::Context;

use super::DataArgs;
use crate::engine::{Engine, IngestPolicy};
use crate::error::exit;
use crate::http::Application;
use crate::ingest::{self, Format};
use crate::model::JobResult;

/// The hand-written demo set (see fixtures/README.md), built into the binary
/// so that `serve --demo` works from any directory.
const DEMO_TICKETS: &str = include_str!("../../fixtures/tickets.ndjson");

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Address to listen on; without tokens only loopback is allowed.
    #[arg(long, env = "REFRAIN_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Load and cluster the built-in demo tickets first if the data directory has none.
    #[arg(long)]
    pub demo: bool,
}

pub fn run(args: ServeArgs) -> anyhow::Result<i32> {
    let config = args.data.load_config()?;
    let engine = Arc::new(Engine::open(&args.data.data, config)?);
    if args.demo {
        load_demo(&engine)?;
    }
    let app = Application::build(engine.clone(), &args.addr)?;
    let status = engine.status()?;
    eprintln!(
        "refrain listening on http://{} (data: {}, {} tickets)",
        display_addr(&args.addr, app.port()),
        args.data.data.display(),
        status.tickets
    );
    actix_web::rt::System::new()
        .block_on(async {
            reload_on_hangup(engine.clone());
            app.run_until_stopped().await
        })
        .context("the HTTP server stopped with an error")?;
    match Arc::try_unwrap(engine) {
        Ok(engine) => engine.close()?,
        Err(_) => tracing::warn!(
            "engine still in use at shutdown; pending index work resumes on next start"
        ),
    }
    Ok(exit::OK)
}

/// `kill -HUP` reads the scoring file again, as `POST /v1/admin/reload`
/// does: a bad file is logged with its line and field, and the one in use
/// stays.
fn reload_on_hangup(engine: Arc<Engine>) {
    #[cfg(unix)]
    actix_web::rt::spawn(async move {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "SIGHUP will not reload the scoring file");
                return;
            }
        };
        while hangups.recv().await.is_some() {
            let engine = engine.clone();
            match actix_web::web::block(move || engine.reload_scoring()).await {
                // A reload that took is logged by the engine.
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "SIGHUP: the scoring file was not reloaded")
                }
                Err(e) => tracing::error!(error = %e, "SIGHUP reload did not run"),
            }
        }
    });
    #[cfg(not(unix))]
    drop(engine);
}

fn display_addr(addr: &str, port: u16) -> String {
    match addr.rsplit_once(':') {
        Some((host, _)) => format!("{host}:{port}"),
        None => addr.to_string(),
    }
}

fn load_demo(engine: &Engine) -> anyhow::Result<()> {
    if engine.status()?.tickets > 0 {
        eprintln!("--demo: the data directory already has tickets; not loading the demo set");
        return Ok(());
    }
    let items = ingest::parse_body(DEMO_TICKETS.as_bytes(), Format::Ndjson)?;
    let report = engine
        .ingest(items, IngestPolicy::AllOrNothing)
        .context("the built-in demo tickets are invalid")?;
    // Searchable before the server answers its first request.
    engine.wait_searchable(report.upsert.seq, std::time::Duration::from_secs(30));
    let job = engine.recluster_now(&mut |_| {})?;
    let clusters = match job.result {
        Some(JobResult::Recluster(r)) => r.clusters,
        None => 0,
    };
    let groups = demo_groups(engine)?;
    eprintln!(
        "--demo: loaded {} demo tickets, found {clusters} candidate clusters (GET /v1/clusters) \
         and confirmed the {groups} largest as demo groups, one of them planned (GET /v1/roadmap; \
         the decisions are in GET /v1/decisions by actor `demo`, and can be undone)",
        report.upsert.created
    );
    Ok(())
}

/// Demo groups: the three largest candidates confirmed as the reviewer
/// `demo`, the first with a plan, so that the groups, their evidence and
/// the roadmap have something to show.
fn demo_groups(engine: &Engine) -> anyhow::Result<usize> {
    let largest = engine.clusters(0, 3)?;
    for (i, c) in largest.iter().enumerate() {
        let name = c
            .label_terms
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let (group, _) = engine.confirm(
            &c.id,
            crate::engine::ConfirmRequest {
                name: Some(format!("Demo: {name}")),
                tag: Some("weak-ux".into()),
                group: None,
                actor: "demo".into(),
            },
        )?;
        if i == 0 {
            let edit = crate::store::GroupEdit {
                owner: Some(Some("demo-owner".into())),
                plan: crate::store::PlanEdit {
                    problem: Some(Some(format!("Users cannot finish their task: {name}"))),
                    measure: Some(Some("repeats per week".into())),
                    effort_days: Some(Some(3.0)),
                    dependency_centrality: Some(Some(0.5)),
                    fix_class: Some(Some("code-change".into())),
                    ..Default::default()
                },
                ..Default::default()
            };
            engine.edit_group(&group.id, &edit, serde_json::json!({"demo": true}), "demo")?;
        }
    }
    Ok(largest.len())
}
