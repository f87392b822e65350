//! The ceiling for webhook ingest on this machine: an axum server that reads each POST's body
//! and answers 200, with nothing else (no signature, no parsing, no database). `scripts/bench-webhook`
//! runs it with the same wrk script and bodies in the same run as execora (docs/PERFORMANCE.md),
//! so a slow run of execora can be told from a slow machine.
//!
//! Listens on `PORT` (3903) until killed; built with execora's own release profile and the same
//! runtime (tokio's multi-threaded one, a worker a core).

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};

async fn receive(body: Bytes) -> StatusCode {
    // The body is read in full before the answer, as a webhook must be.
    std::hint::black_box(body.len());
    StatusCode::OK
}

fn main() {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(3903);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let app = Router::new()
            .route("/webhooks/whatsapp", post(receive))
            .route("/healthz", get(|| async { "ok" }));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("the port is free");
        axum::serve(listener, app).await.expect("serves");
    });
}
