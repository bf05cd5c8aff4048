//! The `refrain` binary: parse the command line, start logging, run, and
//! map errors to the exit codes documented in the README.

use std::io::IsTerminal;

use clap::Parser;
use refrain::cli::{self, Cli};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    refrain::memory::without_huge_pages();
    let cli = Cli::parse();
    // The server logs what it does; one-shot commands report through their
    // own output and only log problems.
    let default_filter = match cli.command {
        cli::Command::Serve(_) => "info,tantivy=warn,actix_server=warn",
        _ => "warn,tantivy=error",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REFRAIN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal, never into a log file.
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
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
