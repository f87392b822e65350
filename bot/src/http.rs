//! The HTTP service: health, readiness, the WhatsApp webhook and the panel's pages (so far the pay page).

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, State};
use axum::http::HeaderName;
use axum::http::StatusCode;
use axum::routing::get;
use execora_engine::inbox::Inbox;
use execora_engine::statuses::StatusLog;
use execora_engine::store::{Backend, Db};
use execora_engine::time::Clock;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::supervisor::WorkerHealth;
use crate::whatsapp::signature::AppSecrets;
use crate::whatsapp::webhook::{self, PhoneBook, SenderLimits, WebhookState};

/// What request handlers share.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Webhook signing secrets; `None` refuses every webhook POST.
    pub app_secrets: Option<AppSecrets>,
    pub verify_token: Option<String>,
    pub limits: Arc<SenderLimits>,
    /// Which background workers are running, for readiness.
    pub workers: WorkerHealth,
    /// WHATSAPP_PHONE_NUMBER_ID: messages to another business number are kept, not processed.
    pub business_number: Option<String>,
    /// "Now" for the pages (a pay link's expiry).
    pub clock: Arc<dyn Clock>,
}

/// The service's routes. Starts the webhook's message writer, so call it inside the runtime.
pub fn router(state: AppState) -> Router {
    let webhook = webhook::routes(WebhookState {
        db: state.db.clone(),
        inbox: match state.db.backend() {
            // One process: the webhook keeps the windows in memory, off the ingest commit.
            Backend::Sqlite => Inbox::start(state.db.clone()),
            // Processes share the database, so the windows are kept in it.
            Backend::Postgres => Inbox::start_limited(state.db.clone(), state.limits.shared()),
        },
        statuses: StatusLog::start(state.db.clone()),
        secrets: state.app_secrets.clone(),
        verify_token: state.verify_token.clone(),
        limits: state.limits.clone(),
        phones: Arc::new(PhoneBook::default()),
        business_number: state.business_number.clone(),
    });
    let panel = execora_panel::routes(state.db.clone(), state.clock.clone());
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
        .merge(webhook)
        .merge(panel)
}

/// The process is up (liveness: it says nothing of the database or the workers).
async fn healthz() -> &'static str {
    "ok"
}

/// The process can reach its database and every background worker is running (one that
/// failed is down until the supervisor has restarted it).
async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    if let Err(error) = state.db.ping().await {
        tracing::warn!(%error, "readiness check failed");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "database unreachable".into(),
        );
    }
    let down = state.workers.down();
    if down.is_empty() {
        (StatusCode::OK, "ready".into())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("workers down: {}", down.join(", ")),
        )
    }
}

/// The header a request's id travels in, both ways: kept when the proxy in front set one, drawn
/// (a UUID) otherwise, and returned on the response so an operator can find the request's lines.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Gives every request an id and a span (`request`: the id, the method and the route pattern,
/// never the path itself, which may hold a pay-link token), so each log line of a request
/// carries them.
pub fn observed(router: Router) -> Router {
    router.layer(
        tower::ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(request_span))
            .layer(axum::middleware::from_fn(crate::metrics::track_http))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
    )
}

fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("unmatched");
    tracing::info_span!("request", request_id, method = %request.method(), route)
}

/// Completes on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled, so a signal that comes while the service is still starting
/// stops it cleanly instead of killing it: call it first.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind: SignalKind, name: &'static str| match signal(kind) {
            Ok(signal) => Some(signal),
            Err(error) => {
                tracing::error!(%error, "cannot listen for {name}");
                None
            }
        };
        (
            listen(SignalKind::interrupt(), "SIGINT"),
            listen(SignalKind::terminate(), "SIGTERM"),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let received = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = received(interrupt) => {},
                () = received(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down");
    }
}
