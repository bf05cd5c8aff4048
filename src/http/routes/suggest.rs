//! `POST /v1/suggest-group`: which confirmed group is this ticket?

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::review::body;
use crate::engine::IngestPolicy;
use crate::error::ErrorClass;
use crate::http::auth::{Auth, Suggest};
use crate::http::problem::{ApiError, ApiResult};
use crate::http::views::SuggestionView;
use crate::http::{AppState, blocking};
use crate::ingest::ParsedItem;
use crate::model::TicketDraft;
use crate::suggest::Verdict;
use crate::vectors::DocText;

/// Longest `text` accepted, in bytes (a ticket body's limit).
const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Most groups one answer ranks.
const MAX_LIMIT: usize = 20;
const DEFAULT_LIMIT: usize = 5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuggestBody {
    text: Option<String>,
    ticket: Option<TicketDraft>,
    limit: Option<i64>,
    #[serde(default)]
    store: bool,
}

#[derive(Debug, Serialize)]
struct SuggestAnswer {
    verdict: Verdict,
    suggestions: Vec<SuggestionView>,
}

/// What to rank: a bare text, or a whole ticket (validated, maybe stored).
enum Query {
    Text(DocText),
    Ticket(Box<TicketDraft>),
}

fn invalid(detail: String) -> ApiError {
    ApiError::new(ErrorClass::Invalid, "invalid-suggest", detail)
}

/// The text to rank, from the body, checked.
fn doc_of(b: &SuggestBody) -> ApiResult<Option<TicketDraft>> {
    match (&b.text, &b.ticket) {
        (Some(_), Some(_)) | (None, None) => Err(invalid(
            "give either `text` (what the ticket says) or `ticket` (a whole ticket, as for POST /v1/tickets), not both".into(),
        )),
        (Some(text), None) => {
            if b.store {
                return Err(invalid(
                    "`store: true` needs a whole `ticket` (with its id), not `text`".into(),
                ));
            }
            if text.trim().is_empty() {
                return Err(invalid("`text` is empty: send what the ticket says".into()));
            }
            if text.len() > MAX_TEXT_BYTES {
                return Err(invalid(format!(
                    "`text` is {} bytes, over the limit of {MAX_TEXT_BYTES}; send the ticket's first part",
                    text.len()
                )));
            }
            Ok(None)
        }
        (None, Some(ticket)) => Ok(Some(ticket.clone())),
    }
}

#[tracing::instrument(skip_all)]
pub async fn suggest_group(
    _auth: Auth<Suggest>,
    state: web::Data<AppState>,
    bytes: web::Bytes,
) -> ApiResult<HttpResponse> {
    let b: SuggestBody = body(&bytes, "a suggest request ({text} or {ticket}, limit)")?;
    let limit = match b.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(invalid(format!(
                "`limit` is {n}; ask for 1 to {MAX_LIMIT} groups (default {DEFAULT_LIMIT})"
            )));
        }
    };
    let store = b.store;
    let query = match doc_of(&b)? {
        Some(draft) => Query::Ticket(Box::new(draft)),
        None => Query::Text(DocText {
            key: Default::default(),
            title: String::new(),
            body: b.text.unwrap_or_default(),
            notes: String::new(),
        }),
    };
    if let Query::Text(doc) = &query {
        // Ranking is a few hundred microseconds of CPU on a ready snapshot:
        // answered on the worker, without a hand-off to the blocking pool
        // (which cost as much again in thread switches under load).
        if let Some(answer) = state.engine.suggest_ready(doc, limit) {
            return Ok(answered(answer));
        }
    }
    let permit = if store {
        Some(state.engine.reserve_write()?)
    } else {
        None
    };
    let engine = state.engine.clone();
    let answer = blocking(move || {
        let _permit = permit;
        let doc = match query {
            Query::Text(doc) => doc,
            Query::Ticket(draft) => {
                let ticket = draft
                    .clone()
                    .validate(&engine.validation_context())
                    .map_err(|errors| {
                        let reasons: Vec<String> = errors
                            .iter()
                            .take(10)
                            .map(|e| match &e.field {
                                Some(f) => format!("ticket.{f}: {}", e.reason),
                                None => e.reason.clone(),
                            })
                            .collect();
                        invalid(format!("the ticket is not valid: {}", reasons.join("; ")))
                    })?;
                if store {
                    engine.ingest(
                        vec![ParsedItem {
                            index: 0,
                            line: None,
                            draft: Ok(*draft),
                        }],
                        IngestPolicy::AllOrNothing,
                    )?;
                }
                DocText {
                    key: Default::default(),
                    notes: ticket.note_text(),
                    title: ticket.title,
                    body: ticket.body,
                }
            }
        };
        Ok(engine.suggest(&doc, limit)?)
    })
    .await?;
    Ok(answered(answer))
}

fn answered(answer: crate::suggest::Answer) -> HttpResponse {
    HttpResponse::Ok().json(SuggestAnswer {
        verdict: answer.verdict,
        suggestions: answer
            .suggestions
            .into_iter()
            .map(SuggestionView::from)
            .collect(),
    })
}
