//! Prometheus metrics: the process's recorder, HTTP timings per route, and `/metrics` on its own port with the queue figures read when scraped.
//!
//! The page is served on `EXECORA_METRICS_PORT`, not the public port: Prometheus (or Fly's
//! scraper) reaches it on the private network, and the public never sees queue depths.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use execora_engine::messages;
use execora_engine::queues;
use execora_engine::store::Db;
use execora_engine::time::{Clock, to_millis};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Histogram: seconds from a request's arrival to its response, by `route`, `method`, `status`.
pub const HTTP_SECONDS: &str = "execora_http_request_seconds";
/// Counter: what became of each webhook POST and each message in one, by `outcome`.
pub const WEBHOOK: &str = "execora_webhook_events_total";
/// Counter: replies handed to WhatsApp, by `status`: `sent`, `retried`, `failed`.
pub const SENT: &str = "execora_messages_sent_total";
/// Gauge: items waiting in a queue (`queue`: inbound, outbound, reminders).
pub const QUEUE_DEPTH: &str = "execora_queue_depth";
/// Gauge: seconds the oldest item of a queue has waited.
pub const QUEUE_AGE: &str = "execora_queue_oldest_age_seconds";
/// Gauge: inbound messages given up on (`execora inbox --dead`).
pub const DEAD: &str = "execora_dead_messages";

/// Bucket bounds (seconds) for every histogram: webhook answers take milliseconds, provider
/// calls seconds.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed on first use. A process has one global recorder; when
/// something else installed one first (a test harness), metrics go there and this handle
/// renders an empty page rather than failing start-up.
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new();
            let builder = match builder.set_buckets(&BUCKETS) {
                Ok(with_buckets) => with_buckets,
                Err(error) => {
                    tracing::warn!(%error, "metrics: histogram buckets refused; using summaries");
                    PrometheusBuilder::new()
                }
            };
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::debug!("metrics: a recorder was already installed");
            }
            handle
        })
        .clone()
}

/// Times every request under its route pattern (never its path: pay links carry tokens).
pub async fn track_http(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    metrics::histogram!(
        HTTP_SECONDS,
        "route" => route,
        "method" => method,
        "status" => response.status().as_u16().to_string()
    )
    .record(started.elapsed().as_secs_f64());
    response
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    db: Db,
    clock: Arc<dyn Clock>,
}

/// `GET /metrics`, for the metrics port.
pub fn routes(db: Db, clock: Arc<dyn Clock>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape {
            handle: recorder(),
            db,
            clock,
        })
}

async fn scrape(State(scrape): State<Scrape>) -> Response {
    let now = to_millis(scrape.clock.now());
    match queues::figures(&scrape.db, now).await {
        Ok(figures) => {
            for figure in figures {
                let queue = figure.queue.as_str();
                metrics::gauge!(QUEUE_DEPTH, "queue" => queue).set(figure.depth as f64);
                metrics::gauge!(QUEUE_AGE, "queue" => queue)
                    .set(figure.oldest_age_ms as f64 / 1000.0);
            }
        }
        Err(error) => tracing::warn!(%error, "metrics: queue figures unavailable"),
    }
    match messages::count_dead_inbound(&scrape.db).await {
        Ok(dead) => metrics::gauge!(DEAD).set(dead as f64),
        Err(error) => tracing::warn!(%error, "metrics: dead messages unavailable"),
    }
    scrape.handle.run_upkeep();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        scrape.handle.render(),
    )
        .into_response()
}
