//! Prometheus metrics: requests, latency, tickets stored, index lag.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::engine::Status;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// Latency is kept per status class (`2xx`, `4xx`, `5xx`): a fast 503
/// under load and a slow 200 are different stories.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    method: String,
    route: String,
    class: String,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms … ~8 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The server's metrics registry.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<LatencyLabels, Histogram, fn() -> Histogram>,
    abandoned: Family<RouteLabels, Counter>,
    tickets: Gauge,
    index_lag: Gauge,
    index_ready: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("refrain");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<LatencyLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let abandoned = Family::<RouteLabels, Counter>::default();
        let tickets = Gauge::default();
        let index_lag = Gauge::default();
        let index_ready = Gauge::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            latency.clone(),
        );
        registry.register(
            "http_requests_abandoned",
            "HTTP requests whose client went away before the answer was ready",
            abandoned.clone(),
        );
        registry.register("tickets_stored", "Tickets in the store", tickets.clone());
        registry.register(
            "index_lag_tickets",
            "Tickets stored but not yet searchable",
            index_lag.clone(),
        );
        registry.register(
            "index_ready",
            "1 once the search index has caught up with the store",
            index_ready.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            abandoned,
            tickets,
            index_lag,
            index_ready,
        }
    }
}

impl Metrics {
    /// Records one answered request; `route` is the matched pattern, so the
    /// label set stays small whatever ids clients send.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&LatencyLabels {
                method: method.to_string(),
                route: route.to_string(),
                class: format!("{}xx", status / 100),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Records a request dropped before it was answered (the client closed
    /// the connection): not a success, whatever the handler would have said.
    pub fn abandoned(&self, method: &str, route: &str) {
        self.abandoned
            .get_or_create(&RouteLabels {
                method: method.to_string(),
                route: route.to_string(),
            })
            .inc();
    }

    /// The metrics in Prometheus text format, with gauges taken from `status`.
    pub fn render(&self, status: &Status) -> String {
        self.tickets.set(status.tickets as i64);
        self.index_lag.set(status.index_lag as i64);
        self.index_ready.set(i64::from(status.ready));
        let mut out = String::new();
        let registry = self
            .registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        encode(&mut out, &registry).expect("writing to a String cannot fail");
        out
    }
}

/// A request being answered; dropped unanswered, it counts as abandoned.
pub struct InFlight {
    state: actix_web::web::Data<super::AppState>,
    method: String,
    route: String,
    done: bool,
}

impl InFlight {
    pub fn new(
        state: actix_web::web::Data<super::AppState>,
        method: String,
        route: String,
    ) -> Self {
        InFlight {
            state,
            method,
            route,
            done: false,
        }
    }

    pub fn answered(&mut self, status: u16, elapsed: Duration) {
        self.done = true;
        self.state
            .metrics
            .observe(&self.method, &self.route, status, elapsed);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.done {
            self.state.metrics.abandoned(&self.method, &self.route);
        }
    }
}
