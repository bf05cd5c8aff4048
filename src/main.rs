//! The `refrain` binary: parse the command line, start logging, run, and
//! map errors to the exit codes documented in the README.

use clap::Parser;
use refrain::cli::{self, Cli};

fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REFRAIN_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,tantivy=warn,actix_server=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            cli::exit_code(&error)
        }
    };
    std::process::exit(code);
}
