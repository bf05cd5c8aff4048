//! The weekly loop: `POST /v1/reviews`, `GET /v1/reviews[/{id}]`,
//! `POST /v1/reviews/{id}/decisions`, `GET|POST /v1/digest`,
//! `GET /v1/groups/{id}/weekly`, `GET /v1/deliveries`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::groups::{as_of, group_id};
use super::paging::given;
use super::review::body;
use crate::engine::CallRequest;
use crate::error::ErrorClass;
use crate::http::auth::{AnyRole, Auth, Review};
use crate::http::problem::{ApiError, ApiResult};
use crate::http::views::{CallView, DeliveryView, ReviewSummaryView, ReviewView};
use crate::http::{AppState, blocking};
use crate::model::{Call, GroupId, IsoWeek, ReviewId, parse_rfc3339};
use crate::roadmap::digest::Flavour;

fn review_id(text: String) -> ApiResult<ReviewId> {
    ReviewId::parse(text).map_err(|e| {
        ApiError::not_found(format!(
            "no weekly review has id '{}'; {}; list the reviews with GET /v1/reviews",
            crate::model::truncate(&e.value, 80),
            e.shape
        ))
    })
}

/// The `week` parameter, `default` when not given; a week that has not
/// begun is refused here, before any work.
fn week(text: Option<String>, default: IsoWeek, now: OffsetDateTime) -> ApiResult<IsoWeek> {
    let week = given(text)
        .map(|w| IsoWeek::parse(&w).map_err(|e| ApiError::bad_parameter(format!("week: {e}"))))
        .transpose()?
        .unwrap_or(default);
    if week.start() > now {
        return Err(ApiError::bad_parameter(format!(
            "week {week} has not begun yet; ask for this week ({}) or an earlier one",
            IsoWeek::of(now)
        )));
    }
    Ok(week)
}

/// Refused because the server's config lacks what the request needs.
fn not_configured(message: &str) -> ApiError {
    ApiError::new(ErrorClass::Conflict, "not-configured", message)
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorClass::Invalid, "invalid-decision", message)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenBody {
    /// When the review is held (default: now); its week is the review's.
    at: Option<String>,
}

/// `POST /v1/reviews`: opens this week's review with its agenda.
#[tracing::instrument(skip_all)]
pub async fn open_review(
    auth: Auth<Review>,
    state: web::Data<AppState>,
    bytes: web::Bytes,
) -> ApiResult<HttpResponse> {
    let b: OpenBody = body(&bytes, "a weekly review")?;
    let now = OffsetDateTime::now_utc();
    let at = match b.at {
        None => now,
        Some(t) => parse_rfc3339(&t)
            .map_err(|e| ApiError::new(ErrorClass::BadRequest, "bad-body", format!("at: {e}")))?,
    };
    if at > now + time::Duration::days(1) || at.year() < 1970 {
        return Err(invalid(format!(
            "at is {}: a review is held now or was held in the past (1970 on); leave at out for now",
            crate::model::rfc3339(at)
        )));
    }
    let engine = state.engine.clone();
    let report = blocking(move || Ok(engine.open_review(&auth.actor, at)?)).await?;
    Ok(HttpResponse::Created().json(ReviewView::from(report)))
}

#[derive(Serialize)]
struct ReviewList {
    reviews: Vec<ReviewSummaryView>,
}

/// `GET /v1/reviews`: every weekly review, the newest first.
pub async fn list_reviews(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let engine = state.engine.clone();
    let reviews = blocking(move || Ok(engine.reviews()?)).await?;
    Ok(HttpResponse::Ok().json(ReviewList {
        reviews: reviews.iter().rev().map(ReviewSummaryView::of).collect(),
    }))
}

/// `GET /v1/reviews/{id}`: the agenda, the calls taken, what is left.
pub async fn get_review(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = review_id(id.into_inner())?;
    let engine = state.engine.clone();
    let report = blocking(move || Ok(engine.review_report(&id)?)).await?;
    Ok(HttpResponse::Ok().json(ReviewView::from(report)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallBody {
    group: String,
    decision: String,
    into: Option<String>,
    note: Option<String>,
}

/// `POST /v1/reviews/{id}/decisions`: a call on one group.
#[tracing::instrument(skip_all, fields(review = %id))]
pub async fn take_call(
    auth: Auth<Review>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    bytes: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = review_id(id.into_inner())?;
    let b: CallBody = body(&bytes, "a review decision")?;
    let call = Call::parse(&b.decision).map_err(invalid)?;
    let group = |text: String, field: &str| {
        GroupId::parse(text).map_err(|e| {
            invalid(format!(
                "{field}: '{}' is not a group id; {}",
                crate::model::truncate(&e.value, 80),
                e.shape
            ))
        })
    };
    if b.note.as_ref().is_some_and(|n| n.chars().count() > 2_000) {
        return Err(invalid("note is longer than 2000 characters".into()));
    }
    let request = CallRequest {
        group: group(b.group, "group")?,
        call,
        into: b.into.map(|g| group(g, "into")).transpose()?,
        note: b.note,
    };
    let engine = state.engine.clone();
    let taken = blocking(move || Ok(engine.take_call(&id, request, &auth.actor)?)).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({"decision": CallView::from(taken)})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestParams {
    week: Option<String>,
    format: Option<String>,
}

/// `GET /v1/digest`: the week's digest, JSON or Markdown.
pub async fn get_digest(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    params: web::Query<DigestParams>,
) -> ApiResult<HttpResponse> {
    let p = params.into_inner();
    let now = OffsetDateTime::now_utc();
    let week = week(p.week, IsoWeek::of(now), now)?;
    let markdown = match given(p.format).as_deref() {
        None | Some("json") => false,
        Some("markdown") => true,
        Some(other) => {
            return Err(ApiError::bad_parameter(format!(
                "format '{}' is not one of json, markdown",
                crate::model::truncate(other, 40)
            )));
        }
    };
    let engine = state.engine.clone();
    let digest = blocking(move || Ok(engine.digest(week, now)?)).await?;
    Ok(if markdown {
        HttpResponse::Ok()
            .content_type("text/markdown; charset=utf-8")
            .body(digest.render(Flavour::Markdown))
    } else {
        HttpResponse::Ok().json(digest)
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendParams {
    week: Option<String>,
}

/// `POST /v1/digest`: posts a week's digest (by default last week's, the
/// last complete one) to the configured chat webhook, in the background
/// (follow it at `GET /v1/deliveries`).
#[tracing::instrument(skip_all)]
pub async fn send_digest(
    _auth: Auth<Review>,
    state: web::Data<AppState>,
    params: web::Query<SendParams>,
) -> ApiResult<HttpResponse> {
    let now = OffsetDateTime::now_utc();
    let week = week(params.into_inner().week, IsoWeek::of(now).previous(), now)?;
    if state.engine.config().digest.webhook().is_none() {
        return Err(not_configured(
            "no chat webhook is configured: set [digest] webhook_url, or webhook_url_env and that variable, and restart",
        ));
    }
    let engine = state.engine.clone();
    let (entry, queued) = blocking(move || Ok(engine.queue_digest(week, now)?)).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "queued": queued,
        "delivery": DeliveryView::from(entry),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyParams {
    weeks: Option<String>,
    as_of: Option<String>,
}

/// `GET /v1/groups/{id}/weekly`: tickets per week, for the trend chart.
pub async fn group_weekly(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<WeeklyParams>,
) -> ApiResult<HttpResponse> {
    let p = params.into_inner();
    let id = group_id(id.into_inner())?;
    let at = as_of(p.as_of)?;
    let weeks = match given(p.weeks) {
        None => crate::roadmap::trend::WEEKS,
        Some(w) => w
            .parse::<usize>()
            .ok()
            .filter(|w| (1..=104).contains(w))
            .ok_or_else(|| {
                ApiError::bad_parameter(format!(
                    "weeks '{}' is not a whole number from 1 to 104",
                    crate::model::truncate(&w, 20)
                ))
            })?,
    };
    let engine = state.engine.clone();
    let group = id.to_string();
    let counts = blocking(move || Ok(engine.group_weekly(&id, at, weeks)?)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "group": group,
        "as_of": crate::model::rfc3339(at),
        "weeks": counts,
    })))
}

/// `GET /v1/deliveries`: the outbox, the newest first.
pub async fn list_deliveries(
    _auth: Auth<AnyRole>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let engine = state.engine.clone();
    let all = blocking(move || Ok(engine.deliveries()?)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "deliveries": all.into_iter().map(DeliveryView::from).collect::<Vec<_>>(),
    })))
}
