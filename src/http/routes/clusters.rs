//! `POST /v1/recluster`, `GET /v1/jobs/{id}`, `GET /v1/clusters`,
//! `GET /v1/clusters/{id}`.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::json;

use super::paging::{OffsetCursor, PageParams};
use crate::http::auth::{Admin, AnyRole, Auth, Review};
use crate::http::problem::{ApiError, ApiResult};
use crate::http::views::{ClusterView, JobView, MemberView};
use crate::http::{AppState, blocking};
use crate::model::{ClusterId, JobId};

/// A re-cluster takes no options yet; a body, when sent, must be `{}`.
fn check_recluster_body(body: &[u8]) -> ApiResult<()> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not JSON ({e}); send no body, or {{}}: a re-cluster takes no options"
        ))
    })?;
    match value {
        serde_json::Value::Object(map) if map.is_empty() => Ok(()),
        serde_json::Value::Object(map) => Err(ApiError::bad_request(format!(
            "a re-cluster takes no options, but the body names {}; send no body, or {{}}",
            map.keys()
                .take(5)
                .map(|k| format!("'{}'", crate::model::truncate(k, 40)))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        _ => Err(ApiError::bad_request(
            "the body must be a JSON object; send no body, or {}: a re-cluster takes no options",
        )),
    }
}

/// Starts a re-cluster; one runs at a time.
#[tracing::instrument(skip_all)]
pub async fn post_recluster(
    _auth: Auth<Admin>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    check_recluster_body(&body)?;
    let engine = state.engine.clone();
    let job = blocking(move || Ok(engine.start_recluster()?)).await?;
    Ok(HttpResponse::Accepted().json(json!({"job": JobView::from(job)})))
}

#[tracing::instrument(skip_all, fields(job = %id))]
pub async fn get_job(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let not_found = |id: &str| {
        ApiError::not_found(format!(
            "no job has id '{}'; jobs are started with POST /v1/recluster, which answers the job's id",
            crate::model::truncate(id, 80)
        ))
    };
    let id = JobId::parse(id.into_inner()).map_err(|e| not_found(&e.value))?;
    let engine = state.engine.clone();
    let lookup = id.clone();
    match blocking(move || Ok(engine.job(&lookup)?)).await? {
        Some(job) => Ok(HttpResponse::Ok().json(JobView::from(job))),
        None => Err(not_found(id.as_str())),
    }
}

#[derive(Serialize)]
struct ClusterList {
    clusters: Vec<ClusterView>,
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
    let limit = params.limit(50, max)?;
    let offset = OffsetCursor::parse(params.cursor.as_deref())?;
    let engine = state.engine.clone();
    let mut rows = blocking(move || Ok(engine.clusters(offset, limit + 1)?)).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok(HttpResponse::Ok().json(ClusterList {
        next_cursor: more.then(|| OffsetCursor::encode(offset + limit)),
        clusters: rows.into_iter().map(ClusterView::from).collect(),
    }))
}

#[derive(Serialize)]
struct ClusterDetail {
    #[serde(flatten)]
    cluster: ClusterView,
    members: Vec<MemberView>,
    next_cursor: Option<String>,
}

/// One cluster with its members, most central first, paged.
#[tracing::instrument(skip_all, fields(cluster = %id))]
pub async fn get_cluster(
    _auth: Auth<Review>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let max = state.engine.config().limits.max_page;
    let limit = params.limit(max, max)?;
    let offset = OffsetCursor::parse(params.cursor.as_deref())?;
    let id = ClusterId::parse(id.into_inner()).map_err(|e| {
        ApiError::not_found(format!(
            "no cluster has id '{}'; {}; list the current clusters with GET /v1/clusters",
            crate::model::truncate(&e.value, 80),
            e.shape
        ))
    })?;
    let engine = state.engine.clone();
    let (cluster, mut members) =
        blocking(move || Ok(engine.cluster_members(&id, offset, limit + 1)?)).await?;
    let more = members.len() > limit;
    members.truncate(limit);
    Ok(HttpResponse::Ok().json(ClusterDetail {
        cluster: cluster.into(),
        members: members.into_iter().map(MemberView::from).collect(),
        next_cursor: more.then(|| OffsetCursor::encode(offset + limit)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recluster_body_is_nothing_or_an_empty_object() {
        assert!(check_recluster_body(b"").is_ok());
        assert!(check_recluster_body(b" {} ").is_ok());
        for bad in [&b"[]"[..], b"null", b"{\"k\":1}", b"{", b"3"] {
            let e = check_recluster_body(bad).expect_err("refused");
            assert_eq!(e.class, crate::error::ErrorClass::BadRequest);
            assert!(!e.detail.contains("ReclusterBody"), "{}", e.detail);
        }
    }
}
