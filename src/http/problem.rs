//! The one place that writes errors: `application/problem+json` (RFC 9457),
//! each with a sentence that says what was wrong and how to fix it, and the
//! error's stable `code`. The status comes from the error class table in
//! [`crate::error`].

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use super::views::JobView;
use crate::engine::EngineError;
use crate::error::{Classify, ErrorClass};
use crate::ingest::{BatchError, ItemError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error as the API reports it. Kept small (it travels in every
/// `Result` of the HTTP layer); the problem document is built when written.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub class: ErrorClass,
    /// Stable, machine-readable; also the problem type's last segment.
    pub code: &'static str,
    pub detail: String,
    /// Per-item errors of a refused batch.
    pub errors: Vec<ItemError>,
    /// The job in the way of a conflicting request.
    pub job: Option<Box<JobView>>,
    /// Seconds to wait before trying again (503).
    pub retry_after: Option<u32>,
    /// Methods the route takes (405).
    pub allow: Option<String>,
}

/// The RFC 9457 document.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    code: &'a str,
    detail: &'a str,
    #[serde(skip_serializing_if = "<[ItemError]>::is_empty")]
    errors: &'a [ItemError],
    #[serde(skip_serializing_if = "Option::is_none")]
    job: Option<&'a JobView>,
}

impl ApiError {
    pub fn new(class: ErrorClass, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            class,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            job: None,
            retry_after: None,
            allow: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ErrorClass::BadRequest, "bad-request", detail)
    }

    pub fn bad_parameter(detail: impl Into<String>) -> Self {
        Self::new(ErrorClass::BadRequest, "bad-parameter", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ErrorClass::NotFound, "not-found", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(ErrorClass::Unauthorized, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorClass::Forbidden, "forbidden", detail)
    }

    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(ErrorClass::TooLarge, "payload-too-large", detail)
    }

    pub fn unsupported_media(detail: impl Into<String>) -> Self {
        Self::new(
            ErrorClass::UnsupportedMedia,
            "unsupported-media-type",
            detail,
        )
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(ErrorClass::Internal, "internal", detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorClass::Unavailable, "unavailable", detail);
        e.retry_after = Some(1);
        e
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.class.http_status())
            .expect("the class table holds valid statuses")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status();
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if let Some(allow) = &self.allow {
            response.insert_header((header::ALLOW, allow.as_str()));
        }
        let problem = Problem {
            kind: format!("https://refrain.dev/problems/{}", self.code),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            code: self.code,
            detail: &self.detail,
            errors: &self.errors,
            job: self.job.as_deref(),
        };
        response.body(serde_json::to_string(&problem).expect("a problem always serialises"))
    }
}

impl From<BatchError> for ApiError {
    fn from(e: BatchError) -> Self {
        ApiError::new(e.class(), e.code(), e.to_string())
    }
}

/// Engine errors keep their class and code. Server faults are logged with
/// their detail and reported without internals.
impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        let class = e.class();
        if class.is_server_fault() {
            tracing::error!(error = %e, code = e.code(), "engine error");
            return ApiError::new(
                class,
                e.code(),
                "the server could not complete the request; it has been logged, try again",
            );
        }
        let mut api = ApiError::new(class, e.code(), e.to_string());
        api.retry_after = e.retry_after();
        match e {
            EngineError::InvalidTickets { errors, .. } => api.errors = errors,
            EngineError::JobRunning(job) => api.job = Some(Box::new(JobView::from(*job))),
            _ => {}
        }
        api
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::unavailable("the server is shutting down or overloaded; try again")
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_answered_with_its_table_status_and_a_code() {
        for class in ErrorClass::ALL {
            let response = ApiError::new(class, "some-code", "what went wrong and how to fix it")
                .error_response();
            assert_eq!(response.status().as_u16(), class.http_status(), "{class:?}");
            assert_eq!(
                response.headers().get(header::CONTENT_TYPE).expect("type"),
                PROBLEM_JSON
            );
        }
    }

    #[test]
    fn engine_errors_keep_their_class_code_and_hints() {
        let e = EngineError::Overloaded {
            pending: 10,
            limit: 10,
            retry_after_s: 2,
        };
        let api = ApiError::from(e);
        assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!((api.code, api.retry_after), ("overloaded", Some(2)));
        let response = api.error_response();
        assert_eq!(
            response.headers().get(header::RETRY_AFTER).expect("retry"),
            "2"
        );
        let internal = ApiError::from(EngineError::Spawn(std::io::Error::other("secret")));
        assert_eq!(internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!internal.detail.contains("secret"), "no internals leak");
    }
}
