//! `refrain suggest TEXT`: which confirmed group a ticket's text belongs
//! to, from a terminal (a running server holds the data directory: use
//! `POST /v1/suggest-group` then).

use super::{DataArgs, UserError};
use crate::engine::Engine;
use crate::error::exit;
use crate::http::views::SuggestionView;
use crate::vectors::DocText;

#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// What the ticket says.
    pub text: String,
    /// Most groups to rank (1 to 20).
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
    /// Print the verdict and suggestions as one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SuggestArgs) -> anyhow::Result<i32> {
    if args.text.trim().is_empty() {
        return Err(UserError("the text is empty: say what the ticket says".into()).into());
    }
    if !(1..=20).contains(&args.limit) {
        return Err(UserError(format!("--limit is {}; ask for 1 to 20 groups", args.limit)).into());
    }
    let engine = Engine::open(&args.data.data, args.data.load_config()?)?;
    let doc = DocText {
        key: Default::default(),
        title: String::new(),
        body: args.text,
        notes: String::new(),
    };
    let answer = engine.suggest(&doc, args.limit)?;
    let verdict = answer.verdict;
    let suggestions: Vec<SuggestionView> = answer
        .suggestions
        .into_iter()
        .map(SuggestionView::from)
        .collect();
    if args.json {
        println!(
            "{}",
            serde_json::json!({"verdict": verdict, "suggestions": suggestions})
        );
    } else {
        let verdict = serde_json::to_value(verdict)?;
        println!("{}", verdict.as_str().unwrap_or("?"));
        if suggestions.is_empty() {
            eprintln!("no confirmed group shares a word with this text");
        }
        for s in &suggestions {
            println!(
                "{:<6} {:.3}  {:<30} {:>6} tickets  why: {}",
                s.group,
                s.score,
                s.name,
                s.count,
                s.why.join(", ")
            );
        }
    }
    engine.close()?;
    Ok(exit::OK)
}
