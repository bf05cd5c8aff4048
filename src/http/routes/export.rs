//! Exports: `GET|POST /v1/export/jira`, `GET /v1/export/warehouse`,
//! `GET /v1/export/prioritized.yaml`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::groups::as_of;
use super::paging::given;
use crate::error::ErrorClass;
use crate::export::warehouse::{GROUP_COLUMNS, TICKET_COLUMNS, TableFormat, TableWriter};
use crate::http::auth::{Admin, AnyRole, Auth};
use crate::http::problem::{ApiError, ApiResult};
use crate::http::views::DeliveryView;
use crate::http::{AppState, blocking};
use crate::model::parse_rfc3339;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraParams {
    shape: Option<String>,
    as_of: Option<String>,
}

/// `GET /v1/export/jira`: the bulk-create payload for promoted items
/// without an issue (`shape=generic`: every promoted item, for Linear,
/// GitHub or a script).
pub async fn get_jira(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    params: web::Query<JiraParams>,
) -> ApiResult<HttpResponse> {
    let p = params.into_inner();
    let at = as_of(p.as_of)?;
    let generic = match given(p.shape).as_deref() {
        None | Some("jira") => false,
        Some("generic") => true,
        Some(other) => {
            return Err(ApiError::bad_parameter(format!(
                "shape '{}' is not one of jira, generic",
                crate::model::truncate(other, 40)
            )));
        }
    };
    let engine = state.engine.clone();
    if generic {
        let issues = blocking(move || Ok(engine.export_issues(at)?)).await?;
        Ok(HttpResponse::Ok().json(serde_json::json!({ "issues": issues })))
    } else {
        let bulk = blocking(move || Ok(engine.export_jira(at)?)).await?;
        Ok(HttpResponse::Ok().json(bulk))
    }
}

/// `POST /v1/export/jira`: creates the issues in the configured tracker,
/// in the background; each group is sent once and remembers its key.
#[tracing::instrument(skip_all)]
pub async fn post_jira(_auth: Auth<Admin>, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    if state.engine.config().export.jira.base_url.is_none() {
        return Err(ApiError::new(
            ErrorClass::Conflict,
            "not-configured",
            "no tracker is configured: set [export.jira] base_url and token_env in the config, and restart; GET /v1/export/jira shows what would be sent",
        ));
    }
    let engine = state.engine.clone();
    let at = time::OffsetDateTime::now_utc();
    let queued = blocking(move || Ok(engine.queue_tracker_issues(at)?)).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "deliveries": queued
            .into_iter()
            .map(|(e, _)| DeliveryView::from(e))
            .collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarehouseParams {
    table: Option<String>,
    format: Option<String>,
    since: Option<String>,
    as_of: Option<String>,
}

/// `GET /v1/export/warehouse`: the tickets table (incremental by
/// `since`, on `ingested_at`) or the groups table, as NDJSON or CSV.
pub async fn get_warehouse(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    params: web::Query<WarehouseParams>,
) -> ApiResult<HttpResponse> {
    let p = params.into_inner();
    let format = given(p.format)
        .map(|f| TableFormat::parse(&f).map_err(ApiError::bad_parameter))
        .transpose()?
        .unwrap_or(TableFormat::Ndjson);
    let since = given(p.since)
        .map(|s| parse_rfc3339(&s).map_err(|e| ApiError::bad_parameter(format!("since: {e}"))))
        .transpose()?;
    let at = as_of(p.as_of)?;
    let table = given(p.table).unwrap_or_else(|| "tickets".into());
    let engine = state.engine.clone();
    let bytes = match table.as_str() {
        "tickets" => {
            blocking(move || {
                let mut out =
                    TableWriter::new(format, TICKET_COLUMNS, Vec::new()).map_err(written)?;
                engine.write_warehouse_tickets(since, &mut out)?;
                finish(out)
            })
            .await?
        }
        "groups" => {
            if since.is_some() {
                return Err(ApiError::bad_parameter(
                    "since filters the tickets table; the groups table is a snapshot as of as_of",
                ));
            }
            blocking(move || {
                let mut out =
                    TableWriter::new(format, GROUP_COLUMNS, Vec::new()).map_err(written)?;
                engine.write_warehouse_groups(at, &mut out)?;
                finish(out)
            })
            .await?
        }
        other => {
            return Err(ApiError::bad_parameter(format!(
                "table '{}' is not one of tickets, groups",
                crate::model::truncate(other, 40)
            )));
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .body(bytes))
}

fn written(e: std::io::Error) -> ApiError {
    ApiError::new(
        ErrorClass::Internal,
        "internal",
        format!("cannot write the table: {e}"),
    )
}

/// The bytes of a table written to memory.
fn finish(out: TableWriter<Vec<u8>>) -> ApiResult<Vec<u8>> {
    match out {
        TableWriter::Ndjson(w) => w.into_inner().map_err(|e| written(e.into_error())),
        TableWriter::Csv(w) => w
            .into_inner()
            .map_err(|e| written(std::io::Error::other(e.to_string()))),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YamlParams {
    as_of: Option<String>,
}

/// `GET /v1/export/prioritized.yaml`: the promoted items for a repository.
pub async fn get_prioritized(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    params: web::Query<YamlParams>,
) -> ApiResult<HttpResponse> {
    let at = as_of(params.into_inner().as_of)?;
    let engine = state.engine.clone();
    let yaml = blocking(move || Ok(engine.prioritized_yaml(at)?)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/yaml; charset=utf-8")
        .body(yaml))
}
