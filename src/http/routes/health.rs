//! Liveness, readiness and metrics.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::http::AppState;
use crate::http::problem::{ApiError, ApiResult};

/// The process is up and answering.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready once the search index has caught up with the store.
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let engine = state.engine.clone();
    let status = web::block(move || engine.status()).await??;
    if let Some(failure) = &status.index_failure {
        return Err(ApiError::unavailable(format!(
            "the search index writer failed ({failure}); tickets are still stored safely — restart the server to rebuild the index"
        )));
    }
    if !status.ready {
        return Err(ApiError::unavailable(format!(
            "the search index is catching up with the store ({} tickets to go); try again shortly",
            status.index_lag
        )));
    }
    Ok(HttpResponse::Ok().json(json!({
        "status": "ready",
        "tickets": status.tickets,
        "index_lag": status.index_lag,
    })))
}

/// Prometheus text exposition.
pub async fn metrics(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let engine = state.engine.clone();
    let status = web::block(move || engine.status()).await??;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render(&status)))
}
