//! The HTTP API (v1): startup, routes, auth, problem+json, limits.
//!
//! Only this module knows actix-web. Handlers hand blocking engine work to
//! actix's blocking pool (`web::block`) so the async workers stay free.

pub mod auth;
pub mod metrics;
pub mod page;
pub mod problem;
pub mod routes;
pub mod views;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::{Server, Service, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, ResponseError, web};

use self::metrics::Metrics;
use self::problem::{ApiError, ApiResult, PROBLEM_JSON};
use crate::Engine;
use crate::error::ErrorClass;

/// What every handler can reach.
pub struct AppState {
    pub engine: Arc<Engine>,
    pub metrics: Metrics,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "refusing to listen on {0} without tokens: anyone who can reach it could read and write tickets. Add [[tokens]] to the config (see README), or listen on 127.0.0.1"
    )]
    OpenOnNetwork(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot start the delivery worker: {0}")]
    Outbox(crate::engine::EngineError),
}

impl crate::error::Classify for ServeError {
    fn class(&self) -> ErrorClass {
        ErrorClass::Invalid
    }

    fn code(&self) -> &'static str {
        match self {
            ServeError::OpenOnNetwork(_) => "open-on-network",
            ServeError::Bind { .. } => "cannot-listen",
            ServeError::Outbox(_) => "outbox-failed",
        }
    }
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `addr` first (port 0 picks a free port, as tests do), then
    /// builds the server around `engine`.
    ///
    /// # Errors
    /// The address cannot be bound, or it is not loopback while no tokens
    /// are configured.
    pub fn build(engine: Arc<Engine>, addr: &str) -> Result<Application, ServeError> {
        let bind_error = |source| ServeError::Bind {
            addr: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(addr).map_err(bind_error)?;
        let local = listener.local_addr().map_err(bind_error)?;
        if !engine.config().auth_enabled() {
            if !local.ip().is_loopback() {
                return Err(ServeError::OpenOnNetwork(local));
            }
            tracing::warn!(
                addr = %local,
                "no tokens configured: the API is open to anyone on this machine, so it listens on loopback only"
            );
        }
        // A server sends queued digests and tracker issues in the background.
        engine.start_deliveries().map_err(ServeError::Outbox)?;
        let max_body = engine.config().limits.max_body_bytes;
        let state = web::Data::new(AppState {
            engine,
            metrics: Metrics::default(),
        });
        let server = HttpServer::new(move || {
            let metrics_state = state.clone();
            App::new()
                .app_data(state.clone())
                // Body limits and extractor errors, once for every route.
                .app_data(web::PayloadConfig::new(max_body))
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::bad_parameter(format!(
                        "the query string is not understood ({e}); see openapi.yaml for this route's parameters"
                    ))
                    .into()
                }))
                .app_data(web::PathConfig::default().error_handler(|e, _| {
                    ApiError::bad_request(format!("invalid path: {e}")).into()
                }))
                .app_data(web::JsonConfig::default().limit(max_body).error_handler(
                    |e, _| ApiError::bad_request(format!("invalid JSON body: {e}")).into(),
                ))
                .wrap(ErrorHandlers::new().default_handler(as_problem))
                .wrap_fn(move |req, srv| {
                    let started = Instant::now();
                    let method = req.method().to_string();
                    let route = req
                        .match_pattern()
                        .unwrap_or_else(|| "unmatched".to_string());
                    let state = metrics_state.clone();
                    // Counts the request as abandoned if its future is dropped
                    // before it answers (the client went away).
                    let mut guard = metrics::InFlight::new(state, method, route);
                    let fut = srv.call(req);
                    async move {
                        let res = fut.await;
                        let status = match &res {
                            Ok(res) => res.status(),
                            Err(e) => e.as_response_error().status_code(),
                        };
                        guard.answered(status.as_u16(), started.elapsed());
                        res
                    }
                })
                .configure(routes_config)
                .default_service(web::to(unknown_route))
        })
        .listen(listener)
        .map_err(bind_error)?
        .run();
        Ok(Application {
            port: local.port(),
            server,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until the server is stopped (SIGINT/SIGTERM stop it gracefully).
    ///
    /// # Errors
    /// I/O errors of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Every (method, path) the server answers, in openapi.yaml's spelling. A
/// test checks this list against the live server and against openapi.yaml.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("POST", "/v1/tickets"),
    ("GET", "/v1/tickets"),
    ("GET", "/v1/tickets/{id}"),
    ("POST", "/v1/recluster"),
    ("GET", "/v1/jobs/{id}"),
    ("GET", "/v1/clusters"),
    ("GET", "/v1/clusters/{id}"),
    ("POST", "/v1/clusters/{id}/confirm"),
    ("POST", "/v1/clusters/{id}/split"),
    ("POST", "/v1/clusters/{id}/reject"),
    ("GET", "/v1/tags"),
    ("GET", "/v1/groups"),
    ("GET", "/v1/groups/{id}"),
    ("PATCH", "/v1/groups/{id}"),
    ("POST", "/v1/groups/{id}/merge"),
    ("GET", "/v1/groups/{id}/evidence"),
    ("GET", "/v1/roadmap"),
    ("POST", "/v1/admin/reload"),
    ("POST", "/v1/groups/{id}/tickets"),
    ("DELETE", "/v1/groups/{id}/tickets/{ticket}"),
    ("GET", "/v1/decisions"),
    ("POST", "/v1/decisions/{id}/undo"),
    ("POST", "/v1/suggest-group"),
    ("POST", "/v1/reviews"),
    ("GET", "/v1/reviews"),
    ("GET", "/v1/reviews/{id}"),
    ("POST", "/v1/reviews/{id}/decisions"),
    ("GET", "/v1/digest"),
    ("POST", "/v1/digest"),
    ("GET", "/v1/groups/{id}/weekly"),
    ("GET", "/v1/deliveries"),
    ("GET", "/v1/export/jira"),
    ("POST", "/v1/export/jira"),
    ("GET", "/v1/export/warehouse"),
    ("GET", "/v1/export/prioritized.yaml"),
];

/// Every route of the API; each resource answers HEAD where it answers
/// GET, and other methods with 405 and `Allow`.
pub fn routes_config(cfg: &mut web::ServiceConfig) {
    use routes::{clusters, export, groups, health, review, suggest, tickets, weekly};
    cfg.service(get(web::resource("/"), page::index))
        .service(get(web::resource("/assets/{path:.*}"), page::assets))
        .service(get(resource("/healthz"), health::healthz))
        .service(get(resource("/readyz"), health::readyz))
        .service(get(resource("/metrics"), health::metrics))
        .service(get(
            resource("/v1/tickets").route(web::post().to(tickets::post_tickets)),
            tickets::list_tickets,
        ))
        .service(get(resource("/v1/tickets/{id}"), tickets::get_ticket))
        .service(resource("/v1/recluster").route(web::post().to(clusters::post_recluster)))
        .service(get(resource("/v1/jobs/{id}"), clusters::get_job))
        .service(get(resource("/v1/clusters"), clusters::list_clusters))
        .service(get(resource("/v1/clusters/{id}"), clusters::get_cluster))
        .service(resource("/v1/clusters/{id}/confirm").route(web::post().to(review::confirm)))
        .service(resource("/v1/suggest-group").route(web::post().to(suggest::suggest_group)))
        .service(resource("/v1/clusters/{id}/split").route(web::post().to(review::split)))
        .service(resource("/v1/clusters/{id}/reject").route(web::post().to(review::reject)))
        .service(get(resource("/v1/tags"), groups::list_tags))
        .service(get(resource("/v1/groups"), groups::list_groups))
        .service(get(
            resource("/v1/groups/{id}").route(web::patch().to(groups::patch_group)),
            groups::get_group,
        ))
        .service(resource("/v1/groups/{id}/merge").route(web::post().to(groups::merge_group)))
        .service(get(
            resource("/v1/groups/{id}/evidence"),
            groups::get_evidence,
        ))
        .service(get(resource("/v1/roadmap"), groups::get_roadmap))
        .service(resource("/v1/admin/reload").route(web::post().to(groups::post_reload)))
        .service(resource("/v1/groups/{id}/tickets").route(web::post().to(groups::attach_tickets)))
        .service(
            resource("/v1/groups/{id}/tickets/{ticket}")
                .route(web::delete().to(groups::detach_ticket)),
        )
        .service(get(resource("/v1/decisions"), review::list_decisions))
        .service(resource("/v1/decisions/{id}/undo").route(web::post().to(review::undo)))
        .service(get(
            resource("/v1/reviews").route(web::post().to(weekly::open_review)),
            weekly::list_reviews,
        ))
        .service(get(resource("/v1/reviews/{id}"), weekly::get_review))
        .service(resource("/v1/reviews/{id}/decisions").route(web::post().to(weekly::take_call)))
        .service(get(
            resource("/v1/digest").route(web::post().to(weekly::send_digest)),
            weekly::get_digest,
        ))
        .service(get(
            resource("/v1/groups/{id}/weekly"),
            weekly::group_weekly,
        ))
        .service(get(resource("/v1/deliveries"), weekly::list_deliveries))
        .service(get(
            resource("/v1/export/jira").route(web::post().to(export::post_jira)),
            export::get_jira,
        ))
        .service(get(resource("/v1/export/warehouse"), export::get_warehouse))
        .service(get(
            resource("/v1/export/prioritized.yaml"),
            export::get_prioritized,
        ));
}

/// Adds `handler` for GET and HEAD.
fn get<F, Args>(resource: actix_web::Resource, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    resource
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
}

/// The methods `path` takes, from [`ROUTES`], as an `Allow` header value.
fn allowed_methods(path: &str) -> String {
    let mut methods: Vec<&str> = ROUTES
        .iter()
        .filter(|(_, p)| *p == path)
        .map(|(m, _)| *m)
        .collect();
    if methods.contains(&"GET") {
        methods.push("HEAD");
    }
    methods.join(", ")
}

/// A resource that answers methods it has no route for with 405.
fn resource(path: &'static str) -> actix_web::Resource {
    let allow = allowed_methods(path);
    web::resource(path).default_service(web::to(move |req: HttpRequest| {
        let allow = allow.clone();
        async move { method_not_allowed(req, allow) }
    }))
}

/// Runs blocking engine work on actix's blocking pool, inside the
/// caller's tracing span so that its fields and events land there.
///
/// # Errors
/// What `f` returns; 503 when the pool is gone (shutting down).
pub async fn blocking<T, F>(f: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> ApiResult<T> + Send + 'static,
{
    let span = tracing::Span::current();
    web::block(move || span.in_scope(f)).await?
}

/// Rewrites any error answer that is not problem+json yet (actix's own:
/// an over-size body, a malformed request) as one, so every error a
/// client sees has the same shape.
fn as_problem<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (class, code, detail) = match status.as_u16() {
        413 => (
            ErrorClass::TooLarge,
            "payload-too-large",
            "the body is larger than this route accepts; send less per request (see limits in the README)",
        ),
        404 => (
            ErrorClass::NotFound,
            "not-found",
            "nothing is at this path; see openapi.yaml for the routes this server has",
        ),
        405 => (
            ErrorClass::MethodNotAllowed,
            "method-not-allowed",
            "this method is not allowed here; see openapi.yaml for the methods each route takes",
        ),
        415 => (
            ErrorClass::UnsupportedMedia,
            "unsupported-media-type",
            "the Content-Type is not one this route reads; send application/json",
        ),
        s if s >= 500 => (
            ErrorClass::Internal,
            "internal",
            "the server could not complete the request; it has been logged, try again",
        ),
        _ => (
            ErrorClass::BadRequest,
            "bad-request",
            "the request could not be read; check its body, headers and query string against openapi.yaml",
        ),
    };
    if class.is_server_fault() {
        tracing::error!(
            status = status.as_u16(),
            "error answer without detail rewritten"
        );
    }
    let problem = ApiError::new(class, code, detail).error_response();
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, problem).map_into_right_body(),
    ))
}

async fn unknown_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "there is no route {} {}; see openapi.yaml for the routes this server has",
        req.method(),
        crate::model::truncate(req.path(), 200)
    )))
}

fn method_not_allowed(req: HttpRequest, allow: String) -> HttpResponse {
    let mut e = ApiError::new(
        ErrorClass::MethodNotAllowed,
        "method-not-allowed",
        format!(
            "{} is not allowed on {}; it takes {allow}",
            req.method(),
            req.path()
        ),
    );
    e.allow = Some(allow);
    e.error_response()
}
