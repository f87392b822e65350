//! The HTTP service: health, readiness, the WhatsApp webhook and the panel's pages (so far the pay page).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use execora_engine::inbox::Inbox;
use execora_engine::store::Db;
use execora_engine::time::Clock;

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
        inbox: Inbox::start(state.db.clone()),
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

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
