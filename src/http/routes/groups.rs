//! Confirmed groups with their counts: `GET /v1/groups`, `GET /v1/groups/{id}`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::paging::{OffsetCursor, given, parse_limit};
use crate::engine::GroupSort;
use crate::http::auth::{AnyRole, Auth};
use crate::http::problem::{ApiError, ApiResult};
use crate::http::views::{GroupMemberView, GroupView};
use crate::http::{AppState, blocking};
use crate::model::{GroupId, GroupStatus, parse_rfc3339};

fn as_of(text: Option<String>) -> ApiResult<OffsetDateTime> {
    given(text)
        .map(|t| parse_rfc3339(&t).map_err(|e| ApiError::bad_parameter(format!("as_of: {e}"))))
        .transpose()
        .map(|t| t.unwrap_or_else(OffsetDateTime::now_utc))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupListParams {
    sort: Option<String>,
    as_of: Option<String>,
    tag: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
struct GroupList {
    groups: Vec<GroupView>,
    next_cursor: Option<String>,
}

/// Confirmed groups, most tickets first (or `sort`), with counts as of
/// `as_of` (default: now).
#[tracing::instrument(skip_all)]
pub async fn list_groups(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    params: web::Query<GroupListParams>,
) -> ApiResult<HttpResponse> {
    let p = params.into_inner();
    let max = state.engine.config().limits.max_page;
    let limit = parse_limit(p.limit.as_deref(), 50, max)?;
    let offset = OffsetCursor::parse(p.cursor.as_deref())?;
    let at = as_of(p.as_of)?;
    let sort = given(p.sort)
        .map(|s| GroupSort::parse(&s).map_err(ApiError::bad_parameter))
        .transpose()?
        .unwrap_or(GroupSort::Total);
    let status = given(p.status)
        .map(|s| GroupStatus::parse(&s).map_err(ApiError::bad_parameter))
        .transpose()?;
    let tag = given(p.tag);
    let engine = state.engine.clone();
    let all = blocking(move || Ok(engine.groups(at, sort, tag.as_deref(), status)?)).await?;
    let more = all.len() > offset.saturating_add(limit);
    let page: Vec<GroupView> = all
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(GroupView::from)
        .collect();
    Ok(HttpResponse::Ok().json(GroupList {
        groups: page,
        next_cursor: more.then(|| OffsetCursor::encode(offset + limit)),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupParams {
    as_of: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
struct GroupDetail {
    #[serde(flatten)]
    group: GroupView,
    members: Vec<GroupMemberView>,
    next_cursor: Option<String>,
}

/// One group with its members (reviewer-placed first), paged.
#[tracing::instrument(skip_all, fields(group = %id))]
pub async fn get_group(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<GroupParams>,
) -> ApiResult<HttpResponse> {
    let p = params.into_inner();
    let max = state.engine.config().limits.max_page;
    let limit = parse_limit(p.limit.as_deref(), max, max)?;
    let offset = OffsetCursor::parse(p.cursor.as_deref())?;
    let at = as_of(p.as_of)?;
    let id = GroupId::parse(id.into_inner()).map_err(|e| {
        ApiError::not_found(format!(
            "no group has id '{}'; {}; list the groups with GET /v1/groups",
            crate::model::truncate(&e.value, 80),
            e.shape
        ))
    })?;
    let engine = state.engine.clone();
    let (group, mut members) = blocking(move || {
        let group = engine.group(&id, at)?;
        let members = engine.group_members(&id, offset, limit + 1)?;
        Ok((group, members))
    })
    .await?;
    let more = members.len() > limit;
    members.truncate(limit);
    Ok(HttpResponse::Ok().json(GroupDetail {
        group: group.into(),
        members: members.into_iter().map(GroupMemberView::from).collect(),
        next_cursor: more.then(|| OffsetCursor::encode(offset + limit)),
    }))
}
