//! The one place that writes errors: `application/problem+json` (RFC 9457),
//! each with a sentence that says what was wrong and how to fix it.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::engine::EngineError;
use crate::ingest::{BatchError, ItemError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error as the API reports it. Kept small (it travels in every
/// `Result` of the HTTP layer); the problem document is built when written.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Names the problem type: `https://refrain.dev/problems/<slug>`.
    pub slug: &'static str,
    pub detail: String,
    /// Per-item errors of a refused batch.
    pub errors: Vec<ItemError>,
    /// The job in the way of a conflicting request.
    pub job: Option<Box<serde_json::Value>>,
}

/// The RFC 9457 document.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "<[ItemError]>::is_empty")]
    errors: &'a [ItemError],
    #[serde(skip_serializing_if = "Option::is_none")]
    job: Option<&'a serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, slug: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            slug,
            detail: detail.into(),
            errors: Vec::new(),
            job: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", detail)
    }

    pub fn unsupported_media(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            detail,
        )
    }

    pub fn invalid_items(total: usize, errors: Vec<ItemError>) -> Self {
        let mut bad: Vec<usize> = errors.iter().map(|e| e.index).collect();
        bad.dedup();
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-tickets",
            format!(
                "{} of {total} tickets are invalid, so nothing was stored; fix the items listed in `errors` and send the batch again",
                bad.len()
            ),
        );
        e.errors = errors;
        e
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        let problem = Problem {
            kind: format!("https://refrain.dev/problems/{}", self.slug),
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            detail: &self.detail,
            errors: &self.errors,
            job: self.job.as_deref(),
        };
        response.body(serde_json::to_string(&problem).expect("a problem always serialises"))
    }
}

impl From<BatchError> for ApiError {
    fn from(e: BatchError) -> Self {
        match e {
            BatchError::NotUtf8 | BatchError::NotJson(_) => ApiError::bad_request(e.to_string()),
            _ => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-batch",
                e.to_string(),
            ),
        }
    }
}

/// Engine failures are the server's fault: logged with detail, reported
/// without internals.
impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        tracing::error!(error = %e, "engine error");
        ApiError::internal(
            "the server could not complete the request; it has been logged, try again",
        )
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::unavailable("the server is shutting down or overloaded; try again")
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
