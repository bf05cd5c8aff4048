//! refrain finds the support and ops problems that keep coming back.
//!
//! Tickets go into a durable store and a tantivy index through one shared
//! [`analyze::Analyzer`]; the engine ([`Engine`]) is a plain Rust API that the
//! HTTP server ([`http`]) and the command line both drive.
//!
//! ```
//! use refrain::{Config, Engine, IngestPolicy};
//! use refrain::ingest::{Format, parse_body};
//!
//! let dir = tempfile::tempdir()?;
//! let engine = Engine::open(dir.path(), Config::default())?;
//! let items = parse_body(br#"[{"id": "t-1", "body": "Can't sign in, the login page loops"}]"#, Format::Json)?;
//! let report = engine.ingest(items, IngestPolicy::AllOrNothing)?;
//! assert_eq!(report.upsert.created, 1);
//! assert!(engine.wait_searchable(report.upsert.seq, std::time::Duration::from_secs(10)));
//! let request = refrain::index::SearchRequest { q: "signing in".into(), limit: 10, ..Default::default() };
//! let (page, _tickets) = engine.search(&request)?;
//! assert_eq!(page.hits[0].id, "t-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analyze;
pub mod clean;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod deliver;
pub mod engine;
pub mod error;
pub mod eval;
pub mod export;
pub mod generate;
pub mod http;
pub mod index;
pub mod ingest;
pub mod jobs;
pub mod memory;
pub mod model;
pub mod review;
pub mod roadmap;
pub mod store;
pub mod suggest;
pub mod vectors;

pub use config::Config;
pub use engine::{Engine, EngineError, EngineOptions, IngestPolicy, IngestReport, UpsertReport};
pub use error::{Classify, ErrorClass};
