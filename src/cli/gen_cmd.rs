//! `refrain gen`: a synthetic ticket dump with ground truth.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::{UserError, exit};
use crate::generate::{GenParams, Generator};

#[derive(Debug, clap::Args)]
pub struct GenArgs {
    /// How many tickets to write.
    #[arg(long, default_value_t = 10_000)]
    pub tickets: usize,
    /// Seed: the same seed writes the same dump.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of symptom families.
    #[arg(long, default_value_t = 300)]
    pub families: usize,
    /// Timestamps spread over this many days.
    #[arg(long, default_value_t = 365)]
    pub span_days: u32,
    /// Share of customer tickets wrapped in help-desk noise (HTML, quoted
    /// reply chains, signatures, macros), to measure cleaning.
    #[arg(long, default_value_t = 0.0)]
    pub helpdesk_noise: f64,
    /// NDJSON output file; `-` writes to stdout.
    #[arg(long)]
    pub out: PathBuf,
    /// Ground-truth labels (CSV `id,label`); default: OUT with `.labels.csv`.
    #[arg(long)]
    pub labels: Option<PathBuf>,
}

pub fn run(args: GenArgs) -> anyhow::Result<i32> {
    let params = GenParams {
        tickets: args.tickets,
        seed: args.seed,
        families: args.families,
        span_days: args.span_days,
        helpdesk_noise: args.helpdesk_noise,
        ..GenParams::default()
    };
    let generator = Generator::new(params).map_err(|e| UserError(e.to_string()))?;
    let to_stdout = args.out.as_os_str() == "-";
    let labels_path = match (&args.labels, to_stdout) {
        (Some(p), _) => p.clone(),
        (None, false) => args.out.with_extension("labels.csv"),
        (None, true) => {
            return Err(UserError(
                "writing to stdout needs --labels FILE for the ground truth".into(),
            )
            .into());
        }
    };
    let out: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(
            File::create(&args.out)
                .with_context(|| format!("cannot create {}", args.out.display()))?,
        )
    };
    let labels = File::create(&labels_path)
        .with_context(|| format!("cannot create {}", labels_path.display()))?;
    let bar = ProgressBar::new(args.tickets as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} tickets (eta {eta})",
        )
        .expect("the template is valid"),
    );
    let started = Instant::now();
    let written = generator
        .write_ndjson(
            BufWriter::with_capacity(1 << 20, out),
            BufWriter::new(labels),
            |n| bar.set_position(n as u64),
        )
        .context("writing the dump")?;
    bar.finish_and_clear();
    eprintln!(
        "wrote {written} tickets of {} families in {:.1} s; labels in {}",
        generator.families().len(),
        started.elapsed().as_secs_f64(),
        labels_path.display()
    );
    Ok(exit::OK)
}
