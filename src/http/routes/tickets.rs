//! `POST /v1/tickets`, `GET /v1/tickets/{id}`, `GET /v1/tickets`.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::paging::{given, not_ours, parse_limit};
use crate::engine::IngestPolicy;
use crate::http::auth::{AnyRole, Auth, Ingest};
use crate::http::problem::{ApiError, ApiResult};
use crate::http::views::{SuggestionView, TicketView};
use crate::http::{AppState, blocking};
use crate::index::SearchRequest;
use crate::ingest::{self, Format};
use crate::model::{ListCursor, ListFilter, parse_rfc3339, unix_ns};

/// How long `?refresh=wait_for` waits for the index before answering anyway.
const WAIT_FOR_LIMIT: Duration = Duration::from_secs(30);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostParams {
    refresh: Option<String>,
    suggest: Option<String>,
    /// A vendor export (`zendesk`, `jira`, `pagerduty`, `servicenow`,
    /// `intercom`) instead of refrain's own ticket shape.
    format: Option<String>,
    /// With a CSV body: its columns mapped to ticket fields, as
    /// `refrain ingest --map` takes them.
    map: Option<String>,
    /// The `source` of imported tickets.
    source: Option<String>,
}

/// How the body is read.
enum Reading {
    Own(Format),
    Vendor(ingest::import::Vendor),
    Mapped(ingest::import::ColumnMap),
}

#[derive(Serialize)]
struct PostAnswer {
    created: usize,
    updated: usize,
    unchanged: usize,
    seq: u64,
    /// Whether the batch is already visible to search.
    searchable: bool,
    /// With `?suggest=true`: each stored ticket's suggestion, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestions: Option<Vec<TicketSuggestion>>,
}

/// Groups ranked for each ticket of a batch (`?suggest=true`).
const SUGGEST_LIMIT: usize = 3;

#[derive(Serialize)]
struct TicketSuggestion {
    ticket: String,
    verdict: crate::suggest::Verdict,
    suggestions: Vec<SuggestionView>,
}

fn format_of(req: &HttpRequest) -> ApiResult<Format> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => Ok(Format::Json),
        "application/x-ndjson"
        | "application/ndjson"
        | "application/jsonl"
        | "application/x-jsonlines"
        | "application/jsonlines" => Ok(Format::Ndjson),
        "text/csv" => Ok(Format::Csv),
        "" => Err(ApiError::unsupported_media(
            "the request has no Content-Type; send tickets as 'application/json' (an array) or 'application/x-ndjson' (one per line)",
        )),
        other => Err(ApiError::unsupported_media(format!(
            "Content-Type '{other}' is not supported; send tickets as 'application/json' (an array), 'application/x-ndjson' (one per line) or 'text/csv'"
        ))),
    }
}

/// Reads the body, refusing it as soon as it passes the configured limit.
async fn read_limited(payload: web::Payload, limit: usize) -> ApiResult<web::Bytes> {
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(e)) => Err(ApiError::bad_request(format!(
            "could not read the body: {e}"
        ))),
        Err(_) => Err(ApiError::too_large(format!(
            "the body is larger than the limit of {limit} bytes; send the tickets in smaller batches"
        ))),
    }
}

/// Upserts a batch: all valid tickets are stored, or none.
#[tracing::instrument(skip_all, fields(tickets))]
pub async fn post_tickets(
    _auth: Auth<Ingest>,
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<PostParams>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let wait = match params.refresh.as_deref() {
        None | Some("false") => false,
        Some("wait_for") | Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "refresh='{other}' is not understood; use refresh=wait_for to answer once the tickets are searchable"
            )));
        }
    };
    let suggest = match params.suggest.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "suggest='{other}' is not understood; use suggest=true to get each stored ticket's suggest-group answer"
            )));
        }
    };
    let reading = match (params.format.as_deref(), params.map.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "give format= (a vendor export) or map= (a CSV by its columns), not both",
            ));
        }
        (Some(name), None) => match ingest::import::Vendor::parse(name) {
            Some(v) => Reading::Vendor(v),
            None => {
                return Err(ApiError::bad_request(format!(
                    "format='{name}' is not a format refrain imports; use zendesk, jira, pagerduty, servicenow or intercom"
                )));
            }
        },
        (None, Some(spec)) => Reading::Mapped(
            ingest::import::ColumnMap::parse(spec)
                .map_err(|e| ApiError::bad_request(format!("map: {e}")))?,
        ),
        (None, None) => Reading::Own(format_of(&req)?),
    };
    let import_options = ingest::import::ImportOptions {
        source: params.source.clone(),
        settings: state.engine.config().import.clone(),
    };
    // A place in the write queue first: under a flood, the refusal is all
    // this request costs.
    let permit = state.engine.reserve_write()?;
    let limits = state.engine.config().limits.clone();
    if let Some(length) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && length > limits.max_body_bytes
    {
        return Err(ApiError::too_large(format!(
            "the body is {length} bytes, over the limit of {} bytes; send the tickets in smaller batches",
            limits.max_body_bytes
        )));
    }
    let body = read_limited(payload, limits.max_body_bytes).await?;
    let engine = state.engine.clone();
    let (report, searchable, suggestions) = blocking(move || {
        let _permit = permit;
        let items = match &reading {
            Reading::Own(format) => ingest::parse_body(&body, *format)?,
            Reading::Vendor(v) => ingest::import::import(*v, &body, &import_options)?,
            Reading::Mapped(m) => ingest::import::import_mapped(&body, m, &import_options)?,
        };
        if items.len() > limits.max_batch {
            return Err(ApiError::too_large(format!(
                "the batch holds {} tickets, over the limit of {} per request; split it into smaller batches",
                items.len(),
                limits.max_batch
            )));
        }
        tracing::Span::current().record("tickets", items.len());
        let ids: Vec<String> = items
            .iter()
            .filter_map(|i| i.draft.as_ref().ok().map(|d| d.id.clone()))
            .collect();
        let report = engine.ingest(items, IngestPolicy::AllOrNothing)?;
        let suggestions = if suggest {
            let mut out = Vec::with_capacity(ids.len());
            for stored in engine.tickets(&ids)? {
                let ticket = stored.ticket.id.to_string();
                let answer = engine.suggest(
                    &crate::cluster::recluster::doc_text(stored),
                    SUGGEST_LIMIT,
                )?;
                out.push(TicketSuggestion {
                    ticket,
                    verdict: answer.verdict,
                    suggestions: answer
                        .suggestions
                        .into_iter()
                        .map(SuggestionView::from)
                        .collect(),
                });
            }
            Some(out)
        } else {
            None
        };
        let seq = report.upsert.seq;
        let searchable = if wait {
            engine.wait_searchable(seq, WAIT_FOR_LIMIT)
        } else {
            engine.is_searchable(seq)
        };
        Ok((report.upsert, searchable, suggestions))
    })
    .await?;
    Ok(HttpResponse::Ok().json(PostAnswer {
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        seq: report.seq,
        searchable,
        suggestions,
    }))
}

#[tracing::instrument(skip_all)]
pub async fn get_ticket(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let engine = state.engine.clone();
    let id = id.into_inner();
    let lookup = id.clone();
    let stored = blocking(move || Ok(engine.ticket(&lookup)?)).await?;
    match stored {
        Some(stored) => Ok(HttpResponse::Ok().json(TicketView::new(stored, None))),
        None => Err(ApiError::not_found(format!(
            "no ticket has id '{}'; check the id, or send the ticket with POST /v1/tickets",
            crate::model::truncate(&id, 80)
        ))),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    q: Option<String>,
    source: Option<String>,
    since: Option<String>,
    until: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
struct TicketList {
    tickets: Vec<TicketView>,
    next_cursor: Option<String>,
    /// All matches of a search (absent when listing).
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<usize>,
}

const DEFAULT_PAGE: usize = 50;

/// Cursors are opaque to clients: `s<offset>` pages a search, `l<ns>-<hex id>`
/// resumes a newest-first listing.
enum Cursor {
    Search(usize),
    List(ListCursor),
}

impl Cursor {
    fn parse(text: &str, max_offset: usize) -> ApiResult<Cursor> {
        let bad = not_ours;
        if let Some(offset) = text.strip_prefix('s') {
            return offset
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| offset.parse::<usize>().ok())
                .flatten()
                .filter(|&o| o <= max_offset)
                .map(Cursor::Search)
                .ok_or_else(bad);
        }
        let rest = text.strip_prefix('l').ok_or_else(bad)?;
        let (ns, hex) = rest.split_once('-').ok_or_else(bad)?;
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| {
                hex.get(i..i + 2)
                    .and_then(|b| u8::from_str_radix(b, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(bad)?;
        Ok(Cursor::List(ListCursor {
            created_ns: ns.parse().map_err(|_| bad())?,
            id: String::from_utf8(bytes).map_err(|_| bad())?,
        }))
    }

    fn encode(&self) -> String {
        match self {
            Cursor::Search(offset) => format!("s{offset}"),
            Cursor::List(c) => {
                let hex: String = c.id.bytes().map(|b| format!("{b:02x}")).collect();
                format!("l{}-{hex}", c.created_ns)
            }
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn list_tickets(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> ApiResult<HttpResponse> {
    let params = params.into_inner();
    let limits = state.engine.config().limits.clone();
    let limit = parse_limit(params.limit.as_deref(), DEFAULT_PAGE, limits.max_page)?;
    let time = |name: &str, v: Option<String>| {
        given(v)
            .map(|v| parse_rfc3339(&v).map_err(|e| ApiError::bad_parameter(format!("{name}: {e}"))))
            .transpose()
    };
    let since = time("since", params.since)?;
    let until = time("until", params.until)?;
    let cursor = given(params.cursor)
        .map(|c| Cursor::parse(&c, limits.max_search_window))
        .transpose()?;
    let engine = state.engine.clone();
    let q = params.q.filter(|q| !q.trim().is_empty());
    let source = given(params.source);
    let list = blocking(move || {
        if let Some(q) = q {
            let offset = match cursor {
                None => 0,
                Some(Cursor::Search(offset)) => offset,
                Some(Cursor::List(_)) => {
                    return Err(ApiError::bad_request(
                        "this cursor belongs to a listing without q; start the search again without a cursor",
                    ));
                }
            };
            let request = SearchRequest {
                q,
                source,
                since,
                until,
                offset,
                limit,
            };
            let (page, stored) = engine.search(&request)?;
            let scores: std::collections::HashMap<&str, f32> =
                page.hits.iter().map(|h| (h.id.as_str(), h.score)).collect();
            let next = offset + page.hits.len();
            let tickets = stored
                .into_iter()
                .map(|s| {
                    let score = scores.get(s.ticket.id.as_str()).copied();
                    TicketView::new(s, score)
                })
                .collect();
            Ok(TicketList {
                tickets,
                next_cursor: (next < page.total).then(|| Cursor::Search(next).encode()),
                total: Some(page.total),
            })
        } else {
            let cursor = match cursor {
                None => None,
                Some(Cursor::List(c)) => Some(c),
                Some(Cursor::Search(_)) => {
                    return Err(ApiError::bad_request(
                        "this cursor belongs to a search; pass the same q, or start again without a cursor",
                    ));
                }
            };
            let filter = ListFilter {
                source,
                since,
                until,
            };
            let mut page = engine.list(&filter, cursor.as_ref(), limit + 1)?;
            let more = page.len() > limit;
            page.truncate(limit);
            let next_cursor = more
                .then(|| page.last())
                .flatten()
                .map(|last| {
                    Cursor::List(ListCursor {
                        created_ns: unix_ns(last.ticket.created_at),
                        id: last.ticket.id.to_string(),
                    })
                    .encode()
                });
            Ok(TicketList {
                tickets: page.into_iter().map(|s| TicketView::new(s, None)).collect(),
                next_cursor,
                total: None,
            })
        }
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}
