//! `/readyz` over real HTTP follows the supervisor: 503 while a worker that panicked waits to be
//! restarted, 200 again once it runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use execora_bot::http::{AppState, router};
use execora_bot::supervisor::{Backoff, Supervisor};
use execora_bot::whatsapp::webhook::SenderLimits;

use crate::app::{Database, TestDatabase, serve_locally};

async fn readyz(client: &reqwest::Client, base: &str) -> (u16, String) {
    let response = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("response");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// Asks `/readyz` until it answers `status`; fails the test after a generous while.
async fn wait_for_readiness(client: &reqwest::Client, base: &str, status: u16) -> String {
    for _ in 0..2000 {
        let (answered, body) = readyz(client, base).await;
        if answered == status {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("/readyz never answered {status}");
}

#[tokio::test]
async fn readiness_is_503_while_a_panicked_worker_waits_for_its_restart_and_200_after() {
    let database = TestDatabase::new(Database::Sqlite).await;
    // Long enough that the 503 is seen, short enough for a test.
    let mut supervisor = Supervisor::new(Backoff {
        first: Duration::from_secs(2),
        max: Duration::from_secs(2),
    });
    let breaks = Arc::new(tokio::sync::Notify::new());
    let runs = Arc::new(AtomicU32::new(0));
    let (gate, counted) = (breaks.clone(), runs.clone());
    supervisor.spawn(
        "inbound",
        Box::new(move |shutdown| {
            let run = counted.fetch_add(1, Ordering::SeqCst) + 1;
            let gate = gate.clone();
            Box::pin(async move {
                if run == 1 {
                    gate.notified().await;
                    panic!("the first run breaks");
                }
                shutdown.await;
            })
        }),
    );
    let app = router(AppState {
        db: database.db.clone(),
        app_secrets: None,
        verify_token: None,
        limits: Arc::new(SenderLimits::new(20, true)),
        workers: supervisor.health(),
        business_number: None,
        clock: Arc::new(execora_engine::time::SystemClock),
    });
    let base = format!("http://{}", serve_locally(app).await);
    let client = reqwest::Client::new();
    assert_eq!(readyz(&client, &base).await, (200, "ready".into()));
    breaks.notify_one();
    let down = wait_for_readiness(&client, &base, 503).await;
    assert_eq!(down, "workers down: inbound");
    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .expect("healthz")
            .status(),
        200,
        "liveness does not follow the workers"
    );
    wait_for_readiness(&client, &base, 200).await;
    assert_eq!(runs.load(Ordering::SeqCst), 2, "restarted once");
    supervisor.stop().await;
}
