//! The HTTP API (v1): startup, routes, auth, problem+json, limits.
//!
//! Only this module knows actix-web. Handlers hand blocking engine work to
//! actix's blocking pool (`web::block`) so the async workers stay free.

pub mod auth;
pub mod metrics;
pub mod problem;
pub mod routes;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::{Server, Service};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

use self::metrics::Metrics;
use self::problem::ApiError;
use crate::Engine;

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
        let state = web::Data::new(AppState {
            engine,
            metrics: Metrics::default(),
        });
        let server = HttpServer::new(move || {
            let metrics_state = state.clone();
            App::new()
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::bad_request(format!("invalid query parameters: {e}")).into()
                }))
                .app_data(web::PathConfig::default().error_handler(|e, _| {
                    ApiError::bad_request(format!("invalid path: {e}")).into()
                }))
                .app_data(web::JsonConfig::default().error_handler(|e, _| {
                    ApiError::bad_request(format!("invalid JSON body: {e}")).into()
                }))
                .wrap_fn(move |req, srv| {
                    let started = Instant::now();
                    let method = req.method().to_string();
                    let state = metrics_state.clone();
                    let fut = srv.call(req);
                    async move {
                        let res = fut.await?;
                        let route = res
                            .request()
                            .match_pattern()
                            .unwrap_or_else(|| "unmatched".to_string());
                        state.metrics.observe(
                            &method,
                            &route,
                            res.status().as_u16(),
                            started.elapsed(),
                        );
                        Ok(res)
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
];

/// Every route of the API; each resource answers other methods with 405.
pub fn routes_config(cfg: &mut web::ServiceConfig) {
    use routes::{clusters, health, tickets};
    cfg.service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/readyz").route(web::get().to(health::readyz)))
        .service(resource("/metrics").route(web::get().to(health::metrics)))
        .service(
            resource("/v1/tickets")
                .route(web::post().to(tickets::post_tickets))
                .route(web::get().to(tickets::list_tickets)),
        )
        .service(resource("/v1/tickets/{id}").route(web::get().to(tickets::get_ticket)))
        .service(resource("/v1/recluster").route(web::post().to(clusters::post_recluster)))
        .service(resource("/v1/jobs/{id}").route(web::get().to(clusters::get_job)))
        .service(resource("/v1/clusters").route(web::get().to(clusters::list_clusters)))
        .service(resource("/v1/clusters/{id}").route(web::get().to(clusters::get_cluster)));
}

/// A resource that answers methods it has no route for with 405.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn unknown_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "there is no route {} {}; see openapi.yaml for the routes this server has",
        req.method(),
        req.path()
    )))
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let e = ApiError::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        format!(
            "{} is not allowed on {}; see openapi.yaml for the methods it takes",
            req.method(),
            req.path()
        ),
    );
    actix_web::ResponseError::error_response(&e)
}
