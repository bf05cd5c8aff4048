//! `POST /v1/recluster`, `GET /v1/jobs/{id}`, `GET /v1/clusters`,
//! `GET /v1/clusters/{id}`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::engine::EngineError;
use crate::http::AppState;
use crate::http::auth::{Admin, AnyRole, Auth, Review};
use crate::http::problem::{ApiError, ApiResult};
use crate::model::rfc3339;
use crate::store::{ClusterRecord, JobRecord, MemberRecord};

/// A job as the API shows it.
#[derive(Serialize)]
pub struct JobView {
    id: String,
    kind: String,
    state: String,
    stage: Option<String>,
    progress: Progress,
    created_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    error: Option<String>,
    result: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Progress {
    done: u64,
    total: u64,
}

fn at(ns: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns))
        .map(rfc3339)
        .unwrap_or_default()
}

impl From<JobRecord> for JobView {
    fn from(j: JobRecord) -> Self {
        JobView {
            id: j.id,
            kind: j.kind,
            state: j.state,
            stage: j.stage,
            progress: Progress {
                done: j.done,
                total: j.total,
            },
            created_at: at(j.created_ns),
            started_at: j.started_ns.map(at),
            finished_at: j.finished_ns.map(at),
            error: j.error,
            result: j.result,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReclusterBody {}

/// Starts a re-cluster; one runs at a time.
#[tracing::instrument(skip_all)]
pub async fn post_recluster(
    _auth: Auth<Admin>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    // The body is optional; when sent it must be `{}` (no options yet).
    if !body.iter().all(u8::is_ascii_whitespace) {
        serde_json::from_slice::<ReclusterBody>(&body).map_err(|e| {
            ApiError::bad_request(format!(
                "the body must be empty or {{}}: {e}; a re-cluster takes no options"
            ))
        })?;
    }
    let engine = state.engine.clone();
    match web::block(move || engine.start_recluster()).await? {
        Ok(job) => Ok(HttpResponse::Accepted().json(json!({"job": JobView::from(job)}))),
        Err(EngineError::JobRunning(job)) => {
            let mut e = ApiError::new(
                actix_web::http::StatusCode::CONFLICT,
                "job-running",
                format!(
                    "a re-cluster is already {} (job {}); follow it at GET /v1/jobs/{} and start another when it has finished",
                    job.state, job.id, job.id
                ),
            );
            e.job = serde_json::to_value(JobView::from(*job)).ok().map(Box::new);
            Err(e)
        }
        Err(e) => Err(e.into()),
    }
}

#[tracing::instrument(skip_all)]
pub async fn get_job(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let engine = state.engine.clone();
    let id = id.into_inner();
    let lookup = id.clone();
    match web::block(move || engine.job(&lookup)).await?? {
        Some(job) => Ok(HttpResponse::Ok().json(JobView::from(job))),
        None => Err(ApiError::not_found(format!(
            "no job has id '{id}'; jobs are started with POST /v1/recluster"
        ))),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    cursor: Option<String>,
    limit: Option<usize>,
}

fn page(params: &PageParams, default: usize, max: usize) -> ApiResult<(usize, usize)> {
    let limit = params.limit.unwrap_or(default);
    if limit == 0 || limit > max {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {max}"
        )));
    }
    let offset = match params.cursor.as_deref() {
        None => 0,
        Some(c) => c
            .strip_prefix('o')
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "cursor is not one this server gave out; start again without a cursor",
                )
            })?,
    };
    Ok((offset, limit))
}

#[derive(Serialize)]
struct ClusterList {
    clusters: Vec<ClusterRecord>,
    next_cursor: Option<String>,
}

/// Candidate clusters of the last re-cluster, largest first.
#[tracing::instrument(skip_all)]
pub async fn list_clusters(
    _auth: Auth<Review>,
    state: web::Data<AppState>,
    params: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let max = state.engine.config().limits.max_page;
    let (offset, limit) = page(&params, 50, max)?;
    let engine = state.engine.clone();
    let mut rows =
        web::block(move || engine.clusters(Some(offset as i64 - 1), limit + 1)).await??;
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok(HttpResponse::Ok().json(ClusterList {
        next_cursor: more.then(|| format!("o{}", offset + limit)),
        clusters: rows.into_iter().map(|(_, c)| c).collect(),
    }))
}

#[derive(Serialize)]
struct ClusterDetail {
    #[serde(flatten)]
    cluster: ClusterRecord,
    members: Vec<MemberRecord>,
    next_cursor: Option<String>,
}

/// One cluster with its members, most central first, paged.
#[tracing::instrument(skip_all)]
pub async fn get_cluster(
    _auth: Auth<Review>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let max = state.engine.config().limits.max_page;
    let (offset, limit) = page(&params, max, max)?;
    let engine = state.engine.clone();
    let id = id.into_inner();
    let lookup = id.clone();
    let found = web::block(move || -> Result<_, EngineError> {
        let Some(cluster) = engine.cluster(&lookup)? else {
            return Ok(None);
        };
        let mut members = engine.cluster_members(&lookup, offset, limit + 1)?;
        let more = members.len() > limit;
        members.truncate(limit);
        Ok(Some((cluster, members, more)))
    })
    .await??;
    match found {
        Some((cluster, members, more)) => Ok(HttpResponse::Ok().json(ClusterDetail {
            cluster,
            members,
            next_cursor: more.then(|| format!("o{}", offset + limit)),
        })),
        None => Err(ApiError::not_found(format!(
            "no current cluster has id '{id}'; clusters are replaced by each re-cluster, list them with GET /v1/clusters"
        ))),
    }
}
