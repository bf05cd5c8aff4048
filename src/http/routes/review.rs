//! Reviewer decisions on candidate clusters: `POST /v1/clusters/{id}/confirm`,
//! `/split`, `/reject`; and the audit log, `GET /v1/decisions`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::paging::{OffsetCursor, given, parse_limit};
use crate::engine::ConfirmRequest;
use crate::http::auth::{Auth, Review};
use crate::http::problem::{ApiError, ApiResult};
use crate::http::views::{ClusterView, DecisionView, GroupView};
use crate::http::{AppState, blocking};
use crate::model::{ClusterId, DecisionKind, GroupId};

/// A decision names its cluster by a path id; a wrong shape is an unknown
/// cluster.
fn cluster_id(text: String) -> ApiResult<ClusterId> {
    ClusterId::parse(text).map_err(|e| {
        ApiError::not_found(format!(
            "no cluster has id '{}'; {}; list the open clusters with GET /v1/clusters",
            crate::model::truncate(&e.value, 80),
            e.shape
        ))
    })
}

/// Reads a JSON body into `T`, saying what is wrong in words.
pub(super) fn body<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> ApiResult<T> {
    let text = if bytes.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        bytes
    };
    let mut de = serde_json::Deserializer::from_slice(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner().to_string();
        let inner = inner
            .split(" at line ")
            .next()
            .unwrap_or(&inner)
            .to_string();
        ApiError::new(
            crate::error::ErrorClass::BadRequest,
            "bad-body",
            format!("the body is not {what}: {inner}; see openapi.yaml for its fields"),
        )
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    name: Option<String>,
    tag: Option<String>,
    group: Option<String>,
}

#[tracing::instrument(skip_all, fields(cluster = %id))]
pub async fn confirm(
    auth: Auth<Review>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    bytes: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = cluster_id(id.into_inner())?;
    let b: ConfirmBody = body(&bytes, "a confirm ({name, tag} or {group})")?;
    let engine = state.engine.clone();
    let (group, decision) = blocking(move || {
        let request = ConfirmRequest {
            name: b.name,
            tag: b.tag,
            group: b.group,
            actor: auth.actor,
        };
        let (group, decision) = engine.confirm(&id, request)?;
        let summary = engine.group(&group.id, time::OffsetDateTime::now_utc())?;
        Ok((summary, decision))
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "group": GroupView::from(group),
        "decision": DecisionView::from(decision),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitBody {
    parts: Option<Vec<Vec<String>>>,
    /// `true` (k chosen by silhouette over 2..8) or a number of parts.
    auto: Option<Auto>,
    /// With `auto`: answer the proposed parts without saving them.
    #[serde(default)]
    preview: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Auto {
    Chosen(bool),
    K(usize),
}

#[derive(Serialize)]
struct SplitAnswer {
    /// Parts to review next, largest first.
    clusters: Vec<ClusterView>,
    /// Parts too small to offer before bigger work; listed later.
    deferred: Vec<ClusterView>,
    decision: DecisionView,
}

#[tracing::instrument(skip_all, fields(cluster = %id))]
pub async fn split(
    auth: Auth<Review>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    bytes: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = cluster_id(id.into_inner())?;
    let b: SplitBody = body(&bytes, "a split ({parts: [[ticket ids], …]} or {auto: k})")?;
    let k = match (&b.parts, &b.auto) {
        (Some(_), None) => None,
        (None, Some(Auto::Chosen(true))) => Some(None),
        (None, Some(Auto::K(k))) => Some(Some(*k)),
        _ => {
            return Err(ApiError::new(
                crate::error::ErrorClass::BadRequest,
                "bad-body",
                "a split names its parts ({parts: [[ticket ids], …]}) or asks for a proposal ({auto: true} or {auto: k}), not both or neither",
            ));
        }
    };
    if b.preview && k.is_none() {
        return Err(ApiError::new(
            crate::error::ErrorClass::BadRequest,
            "bad-body",
            "preview goes with auto: send {auto: true, preview: true} to see a proposal",
        ));
    }
    let engine = state.engine.clone();
    if let Some(k) = k
        && b.preview
    {
        let (parts, k, silhouette) = blocking(move || Ok(engine.propose_split(&id, k)?)).await?;
        return Ok(HttpResponse::Ok().json(json!({
            "preview": true,
            "k": k,
            "silhouette": (silhouette * 1000.0).round() / 1000.0,
            "parts": parts.iter().map(|p| p.iter().map(|t| t.as_str()).collect::<Vec<_>>()).collect::<Vec<_>>(),
        })));
    }
    let parts = b.parts;
    let outcome = blocking(move || {
        let parts = match (parts, k) {
            (Some(parts), _) => parts,
            (None, k) => engine
                .propose_split(&id, k.flatten())?
                .0
                .into_iter()
                .map(|p| p.into_iter().map(|t| t.to_string()).collect())
                .collect(),
        };
        Ok(engine.split(&id, parts, &auth.actor)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(SplitAnswer {
        clusters: outcome.offered.into_iter().map(ClusterView::from).collect(),
        deferred: outcome
            .deferred
            .into_iter()
            .map(ClusterView::from)
            .collect(),
        decision: outcome.decision.into(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectBody {}

#[tracing::instrument(skip_all, fields(cluster = %id))]
pub async fn reject(
    auth: Auth<Review>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    bytes: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = cluster_id(id.into_inner())?;
    let _: RejectBody = body(&bytes, "a reject (send {} or nothing)")?;
    let engine = state.engine.clone();
    let decision = blocking(move || Ok(engine.reject(&id, &auth.actor)?)).await?;
    Ok(HttpResponse::Ok().json(json!({"decision": DecisionView::from(decision)})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionParams {
    kind: Option<String>,
    group: Option<String>,
    cluster: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
struct DecisionList {
    decisions: Vec<DecisionView>,
    next_cursor: Option<String>,
}

/// The audit log, newest first.
#[tracing::instrument(skip_all)]
pub async fn list_decisions(
    _auth: Auth<Review>,
    state: web::Data<AppState>,
    params: web::Query<DecisionParams>,
) -> ApiResult<HttpResponse> {
    let p = params.into_inner();
    let max = state.engine.config().limits.max_page;
    let limit = parse_limit(p.limit.as_deref(), 50, max)?;
    let offset = OffsetCursor::parse(p.cursor.as_deref())?;
    let kind = given(p.kind)
        .map(|k| DecisionKind::parse(&k).map_err(ApiError::bad_parameter))
        .transpose()?;
    let group = given(p.group)
        .map(|g| GroupId::parse(g).map_err(|e| ApiError::bad_parameter(e.to_string())))
        .transpose()?;
    let cluster = given(p.cluster)
        .map(|c| ClusterId::parse(c).map_err(|e| ApiError::bad_parameter(e.to_string())))
        .transpose()?;
    let engine = state.engine.clone();
    let mut rows = blocking(move || {
        Ok(engine.decisions(kind, group.as_ref(), cluster.as_ref(), offset, limit + 1)?)
    })
    .await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok(HttpResponse::Ok().json(DecisionList {
        decisions: rows.into_iter().map(DecisionView::from).collect(),
        next_cursor: more.then(|| OffsetCursor::encode(offset + limit)),
    }))
}

/// `POST /v1/decisions/{id}/undo`: restores the state before a decision.
#[tracing::instrument(skip_all, fields(decision = %id))]
pub async fn undo(
    auth: Auth<Review>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = crate::model::DecisionId::parse(id.into_inner()).map_err(|e| {
        ApiError::not_found(format!(
            "no decision has id '{}'; {}; list decisions with GET /v1/decisions",
            crate::model::truncate(&e.value, 80),
            e.shape
        ))
    })?;
    let engine = state.engine.clone();
    let (decision, undone) = blocking(move || Ok(engine.undo(&id, &auth.actor)?)).await?;
    Ok(HttpResponse::Ok().json(json!({
        "decision": DecisionView::from(decision),
        "undone": undone,
    })))
}
