//! `prioritized.yaml`: the promoted items for a repository where a
//! decision is a merged pull request. The order (highest score first,
//! ties by group id) and the formatting are fixed, and nothing in it
//! depends on when it was written, so regenerating it from unchanged data
//! gives the same bytes and a week's changes give a small diff.

use serde::Serialize;

use crate::roadmap::Standing;
use crate::roadmap::scoring::Points;

/// The file's header comment.
const HEADER: &str = "# Promoted items, highest score first, written by refrain\n\
# (`refrain export prioritized` or GET /v1/export/prioritized.yaml).\n\
# Regenerate it rather than editing it: refrain's groups are the source.\n";

#[derive(Debug, Serialize)]
struct File<'a> {
    items: Vec<Item<'a>>,
}

#[derive(Debug, Serialize)]
struct Item<'a> {
    id: &'a str,
    problem: &'a str,
    owner: Option<&'a str>,
    score: f64,
    band: &'a str,
    breakdown: &'a [Points],
    review_by: Option<&'a str>,
    tracker_key: Option<&'a str>,
}

/// The file for `promoted` (already ranked).
pub fn yaml(promoted: &[&Standing]) -> String {
    let file = File {
        items: promoted
            .iter()
            .map(|s| Item {
                id: s.group.id.as_str(),
                problem: s
                    .group
                    .plan
                    .problem
                    .as_deref()
                    .unwrap_or(s.group.name.as_str()),
                owner: s.group.owner.as_deref(),
                score: s.score.score,
                band: &s.score.band,
                breakdown: &s.score.breakdown,
                review_by: s.group.review_by.as_deref(),
                tracker_key: s.group.plan.tracker_key.as_deref(),
            })
            .collect(),
    };
    let body = serde_norway::to_string(&file).expect("plain data serialises as YAML");
    format!("{HEADER}{body}")
}
