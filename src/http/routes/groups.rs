//! Confirmed groups with their counts: `GET /v1/groups`, `GET /v1/groups/{id}`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::paging::{OffsetCursor, given, parse_limit};
use crate::engine::GroupSort;
use crate::http::auth::{AnyRole, Auth, Review};
use crate::http::problem::{ApiError, ApiResult};
use crate::http::views::{DecisionView, GroupMemberView, GroupView};
use crate::http::{AppState, blocking};
use crate::model::{GroupId, GroupStatus, Tag, parse_rfc3339};
use crate::store::{GroupEdit, PlanEdit};

pub(super) fn as_of(text: Option<String>) -> ApiResult<OffsetDateTime> {
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

pub(super) fn group_id(text: String) -> ApiResult<GroupId> {
    GroupId::parse(text).map_err(|e| {
        ApiError::not_found(format!(
            "no group has id '{}'; {}; list the groups with GET /v1/groups",
            crate::model::truncate(&e.value, 80),
            e.shape
        ))
    })
}

/// Present-and-null versus absent: `Some(None)` clears a field.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    name: Option<String>,
    tag: Option<String>,
    status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    owner: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    fixed_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    review_by: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    problem: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    measure: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    expected_result: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    effort_days: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    dependency_centrality: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    fix_class: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    tracker_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    tracker_key: Option<Option<String>>,
}

fn short(field: &str, value: &Option<Option<String>>, max: usize) -> ApiResult<()> {
    match value {
        Some(Some(v)) if v.chars().count() > max => Err(ApiError::new(
            crate::error::ErrorClass::Invalid,
            "invalid-decision",
            format!("{field} is longer than {max} characters"),
        )),
        _ => Ok(()),
    }
}

/// Renames, re-tags, assigns, records a fix: `PATCH /v1/groups/{id}`.
#[tracing::instrument(skip_all, fields(group = %id))]
pub async fn patch_group(
    auth: Auth<Review>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    bytes: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = group_id(id.into_inner())?;
    let b: PatchBody = super::review::body(&bytes, "a group change")?;
    let invalid =
        |m: String| ApiError::new(crate::error::ErrorClass::Invalid, "invalid-decision", m);
    if let Some(name) = &b.name
        && (name.trim().is_empty() || name.chars().count() > 200)
    {
        return Err(invalid("name must be 1 to 200 characters".into()));
    }
    short("owner", &b.owner, 200)?;
    short("review_by", &b.review_by, 40)?;
    short("notes", &b.notes, 8_000)?;
    short("problem", &b.problem, 500)?;
    short("measure", &b.measure, 500)?;
    short("expected_result", &b.expected_result, 500)?;
    short("tracker_url", &b.tracker_url, 2_000)?;
    short("tracker_key", &b.tracker_key, 100)?;
    if let Some(Some(d)) = b.effort_days
        && !(d.is_finite() && (0.0..=10_000.0).contains(&d))
    {
        return Err(invalid(format!(
            "effort_days is {d}; give the days a fix takes, 0 or more"
        )));
    }
    if let Some(Some(c)) = b.dependency_centrality
        && !(c.is_finite() && (0.0..=1.0).contains(&c))
    {
        return Err(invalid(format!(
            "dependency_centrality is {c}; give how much depends on the broken part, from 0 to 1"
        )));
    }
    if let Some(Some(class)) = &b.fix_class
        && !crate::roadmap::scoring::FIX_CLASSES.contains(&class.as_str())
    {
        return Err(invalid(format!(
            "fix_class '{}' is not one of {}",
            crate::model::truncate(class, 40),
            crate::roadmap::scoring::FIX_CLASSES.join(", ")
        )));
    }
    let tag = b
        .tag
        .as_deref()
        .map(|t| Tag::parse_known(t, &state.engine.config().tags).map_err(invalid))
        .transpose()?;
    let status = b
        .status
        .as_deref()
        .map(|s| GroupStatus::parse(s).map_err(invalid))
        .transpose()?;
    let fixed_at = match &b.fixed_at {
        None => None,
        Some(None) => Some(None),
        Some(Some(t)) => Some(Some(
            parse_rfc3339(t).map_err(|e| invalid(format!("fixed_at: {e}")))?,
        )),
    };
    let changed: Vec<&str> = [
        ("name", b.name.is_some()),
        ("tag", tag.is_some()),
        ("status", status.is_some()),
        ("owner", b.owner.is_some()),
        ("fixed_at", fixed_at.is_some()),
        ("review_by", b.review_by.is_some()),
        ("notes", b.notes.is_some()),
        ("problem", b.problem.is_some()),
        ("measure", b.measure.is_some()),
        ("expected_result", b.expected_result.is_some()),
        ("effort_days", b.effort_days.is_some()),
        ("dependency_centrality", b.dependency_centrality.is_some()),
        ("fix_class", b.fix_class.is_some()),
        ("tracker_url", b.tracker_url.is_some()),
        ("tracker_key", b.tracker_key.is_some()),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(f, _)| *f)
    .collect();
    let detail = serde_json::json!({ "fields": changed });
    let edit = GroupEdit {
        name: b.name.map(|n| n.trim().to_string()),
        tag,
        status,
        owner: b.owner,
        fixed_at,
        review_by: b.review_by,
        notes: b.notes,
        plan: PlanEdit {
            problem: b.problem,
            measure: b.measure,
            expected_result: b.expected_result,
            effort_days: b.effort_days,
            dependency_centrality: b.dependency_centrality,
            fix_class: b.fix_class,
            tracker_url: b.tracker_url,
            tracker_key: b.tracker_key,
        },
    };
    let engine = state.engine.clone();
    let summary = blocking(move || {
        engine.edit_group(&id, &edit, detail, &auth.actor)?;
        Ok(engine.group(&id, OffsetDateTime::now_utc())?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(GroupView::from(summary)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    from: String,
}

/// `POST /v1/groups/{id}/merge {from}`: `from`'s tickets join this group.
#[tracing::instrument(skip_all, fields(group = %id))]
pub async fn merge_group(
    auth: Auth<Review>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    bytes: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = group_id(id.into_inner())?;
    let b: MergeBody = super::review::body(&bytes, "a merge ({from: group id})")?;
    let from = group_id(b.from)?;
    let engine = state.engine.clone();
    let (summary, decision, moved) = blocking(move || {
        let (decision, moved) = engine.merge_groups(&id, &from, &auth.actor)?;
        Ok((
            engine.group(&id, OffsetDateTime::now_utc())?,
            decision,
            moved,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "group": GroupView::from(summary),
        "decision": DecisionView::from(decision),
        "moved": moved,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachBody {
    ids: Vec<String>,
}

/// `POST /v1/groups/{id}/tickets {ids}`: attach tickets, or move them here.
#[tracing::instrument(skip_all, fields(group = %id))]
pub async fn attach_tickets(
    auth: Auth<Review>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    bytes: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = group_id(id.into_inner())?;
    let b: AttachBody = super::review::body(&bytes, "an attach ({ids: [ticket ids]})")?;
    let engine = state.engine.clone();
    let (summary, decision, changed) = blocking(move || {
        let (decision, changed) = engine.attach_tickets(&id, &b.ids, &auth.actor)?;
        Ok((
            engine.group(&id, OffsetDateTime::now_utc())?,
            decision,
            changed,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "group": GroupView::from(summary),
        "decision": DecisionView::from(decision),
        "changed": changed,
    })))
}

/// `DELETE /v1/groups/{id}/tickets/{ticket}`: detach; never re-attached
/// automatically.
#[tracing::instrument(skip_all, fields(group = %path.0))]
pub async fn detach_ticket(
    auth: Auth<Review>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (group, ticket) = path.into_inner();
    let id = group_id(group)?;
    let engine = state.engine.clone();
    let (summary, decision) = blocking(move || {
        let decision = engine.detach_ticket(&id, &ticket, &auth.actor)?;
        Ok((engine.group(&id, OffsetDateTime::now_utc())?, decision))
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "group": GroupView::from(summary),
        "decision": DecisionView::from(decision),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceParams {
    as_of: Option<String>,
}

#[derive(Serialize)]
struct EvidenceAnswer {
    group: String,
    #[serde(with = "time::serde::rfc3339")]
    as_of: OffsetDateTime,
    #[serde(flatten)]
    evidence: crate::roadmap::Evidence,
    /// For a fixed group: did the fix work.
    verification: Option<crate::roadmap::verify::Verification>,
}

/// `GET /v1/groups/{id}/evidence`: what the group's tickets say about it.
pub async fn get_evidence(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<EvidenceParams>,
) -> ApiResult<HttpResponse> {
    let at = as_of(params.into_inner().as_of)?;
    let id = group_id(id.into_inner())?;
    let engine = state.engine.clone();
    let group = id.to_string();
    let (evidence, verification) = blocking(move || Ok(engine.group_report(&id, at)?)).await?;
    Ok(HttpResponse::Ok().json(EvidenceAnswer {
        group,
        as_of: at,
        evidence,
        verification,
    }))
}

/// `GET /v1/roadmap`: the open and watched groups ranked by the scoring
/// file, ready ones on the roadmap, the rest on the watchlist.
pub async fn get_roadmap(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    params: web::Query<EvidenceParams>,
) -> ApiResult<HttpResponse> {
    let at = as_of(params.into_inner().as_of)?;
    let engine = state.engine.clone();
    let roadmap = blocking(move || Ok(engine.roadmap(at)?)).await?;
    Ok(HttpResponse::Ok().json(roadmap))
}

/// `POST /v1/admin/reload`: reads the scoring file again; a valid one is
/// used from the next request on, an invalid one is refused with its line
/// and field and the one in use stays.
#[tracing::instrument(skip_all)]
pub async fn post_reload(
    _auth: Auth<crate::http::auth::Admin>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let empty = body.iter().all(u8::is_ascii_whitespace)
        || matches!(serde_json::from_slice::<serde_json::Value>(&body), Ok(serde_json::Value::Object(m)) if m.is_empty());
    if !empty {
        return Err(ApiError::bad_request(
            "a reload takes no options; send no body, or {}: it re-reads the scoring file the server was started with",
        ));
    }
    let engine = state.engine.clone();
    let report = blocking(move || Ok(engine.reload_scoring()?)).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// `GET /v1/tags`: the configured tags, the list a group's tag is one of.
pub async fn list_tags(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let tags: Vec<&str> = state.engine.config().tags.iter().map(Tag::as_str).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "tags": tags })))
}
