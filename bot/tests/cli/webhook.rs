//! The webhook over real HTTP: verification, signatures, body limits, storing once, statuses.

use std::sync::Arc;

use execora_bot::whatsapp::signature::sign;
use execora_engine::messages::{self, Delivery, NewOutbound};

pub use crate::app::{
    Database, MERCHANT_PHONE, SECRET, Setup, TestApp, serve_locally, spawn_app, spawn_app_with,
};

/// The service's webhook on a fresh SQLite database, its workers left to the test to run by hand.
async fn start() -> TestApp {
    spawn_app_with(Database::Sqlite, Setup::workers_by_hand()).await
}

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../fixtures/webhooks/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

#[tokio::test]
async fn verification_echoes_the_challenge_only_for_our_token() {
    let service = start().await;
    let get = |query: &str| {
        service
            .client
            .get(format!("{}/webhooks/whatsapp?{query}", service.base))
            .send()
    };
    let ok = get("hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
        .await
        .expect("get");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.expect("body"), "1158201444");
    for bad in [
        "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
        "hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1",
        "hub.verify_token=verify-me&hub.challenge=1",
        "hub.mode=subscribe&hub.verify_token=verify-me",
    ] {
        assert_eq!(get(bad).await.expect("get").status(), 403, "{bad}");
    }
}

#[tokio::test]
async fn forged_missing_truncated_and_wrong_secret_signatures_store_nothing() {
    let service = start().await;
    let body = fixture("text.json");
    let good = sign(&body, SECRET);
    assert_eq!(service.post(&body, None).await, 401);
    assert_eq!(service.post(&body, Some("sha256=00")).await, 401);
    assert_eq!(
        service.post(&body, Some(&good[..good.len() - 1])).await,
        401
    );
    assert_eq!(
        service
            .post(&body, Some(&sign(&body, "not_the_secret")))
            .await,
        401
    );
    assert_eq!(
        service.post(&body[..body.len() - 3], Some(&good)).await,
        401,
        "a truncated body does not verify"
    );
    assert_eq!(service.stored().await, 0);
    let unconfigured = spawn_app_with(
        Database::Sqlite,
        Setup {
            secret: None,
            ..Setup::workers_by_hand()
        },
    )
    .await;
    assert_eq!(
        unconfigured.post(&body, Some(&good)).await,
        401,
        "no secret configured: every POST refused"
    );
    assert_eq!(unconfigured.stored().await, 0);
}

#[tokio::test]
async fn a_message_redelivered_five_times_even_concurrently_is_stored_once() {
    let service = Arc::new(start().await);
    let body = fixture("text.json");
    let signature = sign(&body, SECRET);
    for _ in 0..5 {
        assert_eq!(service.post(&body, Some(&signature)).await, 200);
    }
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let (service, body, signature) = (service.clone(), body.clone(), signature.clone());
        tasks.push(tokio::spawn(async move {
            service.post(&body, Some(&signature)).await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("joined"), 200);
    }
    assert_eq!(service.stored().await, 1);
    let log = messages::recent(&service.db, service.merchant, 10)
        .await
        .expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].body.as_str(), log[0].status.as_str()),
        ("Rahul ne 200 UPI kiya", "received")
    );
}

/// The webhook request's id (the proxy's `x-request-id`, or one drawn) goes with the message to
/// the worker that claims it, so both sides' log lines carry it; a redelivery keeps the first.
#[tokio::test]
async fn the_delivering_requests_id_goes_with_the_message_to_its_worker() {
    let service = start().await;
    let body = fixture("text.json");
    let signature = sign(&body, SECRET);
    let posted = service
        .client
        .post(format!("{}/webhooks/whatsapp", service.base))
        .header("X-Hub-Signature-256", &signature)
        .header("x-request-id", "req-from-the-proxy-42")
        .body(body.clone())
        .send()
        .await
        .expect("response");
    assert_eq!(posted.status(), 200);
    assert_eq!(
        posted
            .headers()
            .get("x-request-id")
            .and_then(|id| id.to_str().ok()),
        Some("req-from-the-proxy-42")
    );
    assert_eq!(service.post(&body, Some(&signature)).await, 200);
    let claimed = messages::claim_next_inbound(
        &service.db,
        i64::MAX,
        &execora_engine::claimants::Claimant::fresh(),
    )
    .await
    .expect("claim")
    .expect("the message");
    assert_eq!(claimed.request_id.as_deref(), Some("req-from-the-proxy-42"));
}

#[tokio::test]
async fn unicode_bodies_verify_and_are_stored_exactly() {
    let service = spawn_app_with(
        Database::Sqlite,
        Setup {
            previous_secret: Some("old_secret"),
            ..Setup::workers_by_hand()
        },
    )
    .await;
    let body = fixture("text_devanagari_emoji.json");
    // Signed with the previous secret during a rotation.
    assert_eq!(
        service.post(&body, Some(&sign(&body, "old_secret"))).await,
        200
    );
    let log = messages::recent(&service.db, service.merchant, 10)
        .await
        .expect("log");
    assert_eq!(log[0].body, "राहुल ने 500 दिए 😀 / ok");
}

#[tokio::test]
async fn strangers_are_stored_without_a_shop_and_junk_is_acknowledged() {
    let service = start().await;
    let stranger = String::from_utf8(fixture("text.json"))
        .expect("utf-8")
        .replace(MERCHANT_PHONE, "919000000001");
    assert_eq!(
        service
            .post(
                stranger.as_bytes(),
                Some(&sign(stranger.as_bytes(), SECRET))
            )
            .await,
        200
    );
    let status: String =
        sqlx::query_scalar("SELECT status FROM messages WHERE merchant_id IS NULL")
            .fetch_one(service.db.pool())
            .await
            .expect("stranger stored");
    assert_eq!(
        status, "received",
        "the worker answers strangers with how to register"
    );
    assert!(
        messages::recent(&service.db, service.merchant, 10)
            .await
            .expect("log")
            .is_empty()
    );
    for junk in [
        &b"not json at all"[..],
        br#"{"object":"page"}"#,
        br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages"}]}]}"#,
    ] {
        assert_eq!(
            service.post(junk, Some(&sign(junk, SECRET))).await,
            200,
            "signed junk is acknowledged"
        );
    }
    assert_eq!(service.stored().await, 1);
}

#[tokio::test]
async fn bodies_over_four_megabytes_are_refused_with_413() {
    let service = start().await;
    let huge = vec![b' '; 20 * 1024 * 1024];
    assert_eq!(service.post(&huge, Some(&sign(&huge, SECRET))).await, 413);
    assert_eq!(service.stored().await, 0);
}

/// A reply to the test merchant, queued for sending.
async fn queued_reply(service: &TestApp) -> messages::MessageId {
    let outbound = NewOutbound {
        merchant: Some(service.merchant),
        peer: MERCHANT_PHONE,
        kind: "text",
        body: "✅ done",
        in_reply_to: None,
        options: None,
        status: Delivery::Queued,
        at: 1,
    };
    messages::record_outbound(&service.db, &outbound)
        .await
        .expect("outbox")
}

#[tokio::test]
async fn statuses_move_outbound_messages_forward_only() {
    let service = start().await;
    let id = queued_reply(&service).await;
    messages::mark_sent(&service.db, id, "wamid.OUT1", 2)
        .await
        .expect("sent");
    let statuses = fixture("statuses.json");
    assert_eq!(
        service
            .post(&statuses, Some(&sign(&statuses, SECRET)))
            .await,
        200
    );
    assert_eq!(
        messages::get(&service.db, id)
            .await
            .expect("get")
            .expect("row")
            .status,
        Delivery::Delivered
    );
    let read = String::from_utf8(statuses)
        .expect("utf-8")
        .replace("\"delivered\"", "\"read\"");
    assert_eq!(
        service
            .post(read.as_bytes(), Some(&sign(read.as_bytes(), SECRET)))
            .await,
        200
    );
    let late = fixture("statuses.json");
    assert_eq!(service.post(&late, Some(&sign(&late, SECRET))).await, 200);
    assert_eq!(
        messages::get(&service.db, id)
            .await
            .expect("get")
            .expect("row")
            .status,
        Delivery::Read,
        "a late delivered never wins"
    );
}

/// A reply whose send a kill left unrecorded (`sending`, no wamid) is recorded by the first
/// status webhook carrying its tag, with that status; the same tag about another number moves
/// nothing.
#[tokio::test]
async fn a_status_carrying_a_replys_tag_records_its_lost_send() {
    let service = start().await;
    let id = queued_reply(&service).await;
    let claimed = messages::claim_outbound(&service.db, 2, 8)
        .await
        .expect("claimed");
    assert_eq!(claimed.len(), 1);
    let status = |wamid: &str, recipient: &str| {
        String::from_utf8(fixture("statuses.json"))
            .expect("utf-8")
            .replace("\"id\":\"wamid.OUT1\"", &format!("\"id\":\"{wamid}\""))
            .replace(
                "\"recipient_id\":\"919812345678\"",
                &format!(
                    "\"recipient_id\":\"{recipient}\",\"biz_opaque_callback_data\":\"{}\"",
                    messages::reply_tag(id)
                ),
            )
    };
    let foreign = status("wamid.ELSEWHERE", "15550001111");
    assert_eq!(
        service
            .post(foreign.as_bytes(), Some(&sign(foreign.as_bytes(), SECRET)))
            .await,
        200
    );
    let row = messages::get(&service.db, id)
        .await
        .expect("get")
        .expect("row");
    assert_eq!((row.status, row.channel_id), (Delivery::Sending, None));
    let ours = status("wamid.LOST", MERCHANT_PHONE);
    assert_eq!(
        service
            .post(ours.as_bytes(), Some(&sign(ours.as_bytes(), SECRET)))
            .await,
        200
    );
    let row = messages::get(&service.db, id)
        .await
        .expect("get")
        .expect("row");
    assert_eq!(
        (row.status, row.channel_id.as_deref()),
        (Delivery::Delivered, Some("wamid.LOST"))
    );
}

mod processing {
    //! Stored webhook messages answered by the inbound worker into the sandbox outbox.

    use std::sync::Arc;

    use execora_bot::whatsapp::inbound::InboundWorker;
    use execora_bot::whatsapp::signature::sign;
    use execora_engine::books::{Books, Found, NewCustomer};
    use execora_engine::money::Paise;
    use execora_engine::pipeline::Pipeline;
    use execora_engine::time::SystemClock;

    use super::{Database, SECRET, fixture, spawn_app, start};

    async fn outbox(db: &execora_engine::store::Db) -> Vec<(String, String, String)> {
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT peer, body, status FROM messages WHERE direction = 'out' ORDER BY id",
        )
        .fetch_all(db.pool())
        .await
        .expect("outbox")
    }

    #[tokio::test]
    async fn a_signed_text_from_the_shop_is_booked_and_answered_once_in_the_sandbox_outbox() {
        // The service's own worker answers (the sandbox: no WhatsApp credentials).
        let service = spawn_app(Database::Sqlite).await;
        let books = Books::open(service.db.clone(), service.merchant, Arc::new(SystemClock))
            .await
            .expect("books");
        books
            .add_customer(NewCustomer {
                name: "Rahul".into(),
                ..Default::default()
            })
            .await
            .expect("customer");
        let body = fixture("text.json");
        for _ in 0..3 {
            assert_eq!(service.post(&body, Some(&sign(&body, SECRET))).await, 200);
        }
        service.settle().await;
        let replies = outbox(&service.db).await;
        assert_eq!(replies.len(), 1, "a redelivered message is answered once");
        assert_eq!(replies[0].0, "919812345678");
        assert!(
            replies[0].1.contains("₹200") && replies[0].1.contains("UPI"),
            "{}",
            replies[0].1
        );
        assert_eq!(replies[0].2, "sandbox");
        let Found::One(rahul) = books.find_customers("Rahul", 1).await.expect("find") else {
            panic!("Rahul")
        };
        assert_eq!(rahul.balance, Paise::new(-20_000));
    }

    #[tokio::test]
    async fn strangers_voice_notes_and_images_get_a_polite_answer_and_book_nothing() {
        let service = start().await;
        let worker = InboundWorker::new(
            service.db.clone(),
            Pipeline::new(service.db.clone(), Arc::new(SystemClock), None),
            true,
        );
        let stranger = String::from_utf8(fixture("text.json"))
            .expect("utf-8")
            .replace("919812345678", "919000000001");
        let voice = fixture("voice.json");
        for body in [stranger.into_bytes(), voice] {
            assert_eq!(service.post(&body, Some(&sign(&body, SECRET))).await, 200);
        }
        while worker.process_next().await.expect("processed") {}
        let replies = outbox(&service.db).await;
        assert_eq!(replies.len(), 2);
        assert_eq!(replies[0].0, "919000000001");
        assert!(replies[0].1.contains("Execora"), "{}", replies[0].1);
        assert!(replies[1].1.contains("voice note"), "{}", replies[1].1);
        let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries")
            .fetch_one(service.db.pool())
            .await
            .expect("count");
        assert_eq!(entries, 0);
    }

    #[tokio::test]
    async fn a_worker_that_died_mid_message_is_replayed_without_a_second_booking_or_reply() {
        let service = start().await;
        let books = Books::open(service.db.clone(), service.merchant, Arc::new(SystemClock))
            .await
            .expect("books");
        books
            .add_customer(NewCustomer {
                name: "Rahul".into(),
                ..Default::default()
            })
            .await
            .expect("customer");
        let body = fixture("text.json");
        assert_eq!(service.post(&body, Some(&sign(&body, SECRET))).await, 200);
        // A worker claims the message and books it, then dies before replying.
        let claimed = execora_engine::messages::claim_next_inbound(
            &service.db,
            0,
            &execora_engine::claimants::Claimant::fresh(),
        )
        .await
        .expect("claim")
        .expect("a message");
        let pipeline = Pipeline::new(service.db.clone(), Arc::new(SystemClock), None);
        let message = execora_engine::pipeline::Message {
            merchant: service.merchant,
            sender: claimed.message.peer.clone(),
            id: claimed.message.channel_id.clone().expect("wamid"),
            source: execora_engine::books::Source::Whatsapp,
            input: execora_engine::dialog::Input::Text(claimed.message.body.clone()),
        };
        pipeline.handle(&message).await.expect("booked");
        // Its worker is never seen again, and the message is put back in line.
        assert_eq!(
            execora_engine::claimants::requeue_abandoned(&service.db, 60_000)
                .await
                .expect("requeue"),
            1
        );
        let worker = InboundWorker::new(service.db.clone(), pipeline, true);
        assert!(worker.process_next().await.expect("processed"));
        assert_eq!(outbox(&service.db).await.len(), 1);
        let Found::One(rahul) = books.find_customers("Rahul", 1).await.expect("find") else {
            panic!("Rahul")
        };
        assert_eq!(rahul.balance, Paise::new(-20_000), "booked once");
    }
}

mod sending {
    //! The whole WhatsApp path: signed webhook → worker → sender → a fake Graph API that checks what arrives.

    use std::sync::Arc;

    use execora_bot::whatsapp::graph::GraphClient;
    use execora_bot::whatsapp::inbound::InboundWorker;
    use execora_bot::whatsapp::outbound::{FallbackTemplate, Sender};
    use execora_bot::whatsapp::signature::sign;
    use execora_engine::books::{Books, Found, NewCustomer};
    use execora_engine::money::Paise;
    use execora_engine::pipeline::Pipeline;
    use execora_engine::time::SystemClock;

    use super::{SECRET, TestApp, fixture, start};

    use crate::app::{FakeGraph, PHONE_NUMBER_ID};

    /// The fake Graph API and a client for it (the tests' own sender and worker use it).
    async fn fake_graph() -> (FakeGraph, GraphClient) {
        let fake = FakeGraph::start().await;
        let client = fake.client();
        (fake, client)
    }

    async fn live(service: &TestApp) -> InboundWorker {
        InboundWorker::new(
            service.db.clone(),
            Pipeline::new(service.db.clone(), Arc::new(SystemClock), None),
            false,
        )
    }

    async fn status_of_last_reply(service: &TestApp) -> (String, Option<String>, Option<i64>) {
        sqlx::query_as::<_, (String, Option<String>, Option<i64>)>(
            "SELECT status, wa_message_id, error_code FROM messages WHERE direction = 'out' ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(service.db.pool())
        .await
        .expect("reply row")
    }

    /// A Graph API that holds each of the first `together` sends until that many are in flight
    /// at once: a sender that sends one at a time never gets them all through together.
    #[derive(Clone)]
    struct HeldGraph {
        together: usize,
        gate: Arc<tokio::sync::Barrier>,
        texts: Arc<std::sync::Mutex<Vec<String>>>,
        waited_in_vain: Arc<std::sync::atomic::AtomicBool>,
    }

    async fn held_send(
        axum::extract::State(graph): axum::extract::State<HeldGraph>,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> axum::Json<serde_json::Value> {
        let arrived = {
            let mut texts = graph.texts.lock().expect("lock");
            texts.push(
                body["text"]["body"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
            texts.len()
        };
        if arrived <= graph.together {
            let all_in =
                tokio::time::timeout(std::time::Duration::from_secs(10), graph.gate.wait()).await;
            if all_in.is_err() {
                graph
                    .waited_in_vain
                    .store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        axum::Json(serde_json::json!({"messaging_product": "whatsapp",
            "messages": [{"id": format!("wamid.HELD{arrived}")}]}))
    }

    #[tokio::test]
    async fn replies_go_out_several_at_once_and_each_numbers_in_the_order_written() {
        use execora_engine::messages::{self, Delivery, NewOutbound};
        let service = start().await;
        for (peer, body) in [
            ("911111111111", "A1"),
            ("911111111111", "A2"),
            ("912222222222", "B1"),
            ("913333333333", "C1"),
            ("911111111111", "A3"),
        ] {
            messages::record_outbound(
                &service.db,
                &NewOutbound {
                    merchant: Some(service.merchant),
                    peer,
                    kind: "text",
                    body,
                    in_reply_to: None,
                    options: None,
                    status: Delivery::Queued,
                    at: 1,
                },
            )
            .await
            .expect("queued");
        }
        let graph = HeldGraph {
            together: 3,
            gate: Arc::new(tokio::sync::Barrier::new(3)),
            texts: Arc::default(),
            waited_in_vain: Arc::default(),
        };
        let app = axum::Router::new()
            .route(
                "/v25.0/{phone_number_id}/messages",
                axum::routing::post(held_send),
            )
            .with_state(graph.clone());
        let address = crate::app::serve_locally(app).await;
        let client = GraphClient::new(execora_bot::whatsapp::graph::GraphConfig {
            api_base: format!("http://{address}/v25.0"),
            access_token: crate::app::TOKEN.into(),
            phone_number_id: PHONE_NUMBER_ID.into(),
            timeout: std::time::Duration::from_secs(30),
        })
        .expect("client");
        let sender = Sender::new(service.db.clone(), client)
            .with_rate(80)
            .with_concurrency(3);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(sender.run(async {
            let _ = stopped.await;
        }));
        let all_sent = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            while graph.texts.lock().expect("lock").len() < 5 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
        .await;
        let _ = stop.send(());
        running.await.expect("the sender stops");
        assert!(all_sent.is_ok(), "{:?}", graph.texts.lock().expect("lock"));
        let texts = graph.texts.lock().expect("lock").clone();
        assert!(
            !graph
                .waited_in_vain
                .load(std::sync::atomic::Ordering::SeqCst),
            "three sends were never in flight together: {texts:?}"
        );
        let mut first_three = texts[..3].to_vec();
        first_three.sort();
        assert_eq!(first_three, ["A1", "B1", "C1"], "one per number at first");
        let to_a: Vec<&String> = texts.iter().filter(|t| t.starts_with('A')).collect();
        assert_eq!(to_a, ["A1", "A2", "A3"], "one number's replies in order");
    }

    #[tokio::test]
    async fn a_signed_text_is_booked_and_the_reply_is_posted_to_the_graph_api_once() {
        let service = start().await;
        let books = Books::open(service.db.clone(), service.merchant, Arc::new(SystemClock))
            .await
            .expect("books");
        books
            .add_customer(NewCustomer {
                name: "Rahul".into(),
                ..Default::default()
            })
            .await
            .expect("customer");
        let (fake, graph) = fake_graph().await;
        let sender_graph = graph.clone();
        let sender = Sender::new(service.db.clone(), graph).with_rate(80);
        let body = fixture("text.json");
        for _ in 0..5 {
            assert_eq!(service.post(&body, Some(&sign(&body, SECRET))).await, 200);
        }
        let worker = live(&service).await.with_read_receipts(sender_graph);
        while worker.process_next().await.expect("processed") {}
        while sender.send_next().await.expect("sent") {}
        let mut requests = fake.requests.lock().expect("lock").clone();
        assert_eq!(
            requests.len(),
            2,
            "one read receipt and one reply for five deliveries"
        );
        let (_, _, receipt) = requests.remove(0);
        assert_eq!(receipt["status"], "read");
        assert_eq!(
            receipt["message_id"],
            "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhggQTAx"
        );
        assert_eq!(receipt["typing_indicator"]["type"], "text");
        let (phone_number_id, headers, json) = &requests[0];
        assert_eq!(phone_number_id, PHONE_NUMBER_ID);
        assert_eq!(
            headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some("Bearer EAAG-test-token")
        );
        assert_eq!(json["messaging_product"], "whatsapp");
        assert_eq!(json["to"], "+919812345678");
        assert_eq!(json["type"], "text");
        let text = json["text"]["body"].as_str().unwrap_or_default();
        assert!(text.contains("₹200") && text.contains("UPI"), "{text}");
        assert_eq!(
            status_of_last_reply(&service).await,
            ("sent".into(), Some("wamid.SENT2".into()), None)
        );
        let Found::One(rahul) = books.find_customers("Rahul", 1).await.expect("find") else {
            panic!("Rahul")
        };
        assert_eq!(rahul.balance, Paise::new(-20_000));
    }

    #[tokio::test]
    async fn a_question_goes_out_as_reply_buttons_and_a_tap_answers_it() {
        let service = start().await;
        let books = Books::open(service.db.clone(), service.merchant, Arc::new(SystemClock))
            .await
            .expect("books");
        for name in ["Rahul Sharma", "Rahul Verma"] {
            books
                .add_customer(NewCustomer {
                    name: name.into(),
                    ..Default::default()
                })
                .await
                .expect("customer");
        }
        let (fake, graph) = fake_graph().await;
        let sender = Sender::new(service.db.clone(), graph);
        let ask = fixture("text.json");
        assert_eq!(service.post(&ask, Some(&sign(&ask, SECRET))).await, 200);
        while live(&service)
            .await
            .process_next()
            .await
            .expect("processed")
        {}
        while sender.send_next().await.expect("sent") {}
        let question = fake.requests.lock().expect("lock")[0].2.clone();
        assert_eq!(question["type"], "interactive");
        assert_eq!(question["interactive"]["type"], "button");
        let buttons = question["interactive"]["action"]["buttons"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(buttons.len(), 2);
        let verma = buttons
            .iter()
            .find(|b| b["reply"]["title"] == "Rahul Verma")
            .expect("a button for Rahul Verma");
        let id = verma["reply"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let tap = String::from_utf8(fixture("button_reply.json"))
            .expect("utf-8")
            .replace("\"pick:2\"", &format!("\"{id}\""));
        assert_eq!(
            service
                .post(tap.as_bytes(), Some(&sign(tap.as_bytes(), SECRET)))
                .await,
            200
        );
        while live(&service)
            .await
            .process_next()
            .await
            .expect("processed")
        {}
        let Found::One(customer) = books.find_customers("Rahul Verma", 1).await.expect("find")
        else {
            panic!("Verma")
        };
        assert_eq!(
            customer.balance,
            Paise::new(-20_000),
            "the tap chose Rahul Verma"
        );
    }

    #[tokio::test]
    async fn permanent_errors_stop_and_passing_errors_wait_to_retry() {
        let service = start().await;
        let (fake, graph) = fake_graph().await;
        let sender = Sender::new(service.db.clone(), graph);
        let stranger = String::from_utf8(fixture("text.json"))
            .expect("utf-8")
            .replace("919812345678", "919000000001");
        assert_eq!(
            service
                .post(
                    stranger.as_bytes(),
                    Some(&sign(stranger.as_bytes(), SECRET))
                )
                .await,
            200
        );
        while live(&service)
            .await
            .process_next()
            .await
            .expect("processed")
        {}
        *fake.fail_with.lock().expect("lock") = Some(130429);
        assert!(sender.send_next().await.expect("tried"));
        let (status, _, code) = status_of_last_reply(&service).await;
        assert_eq!((status.as_str(), code), ("queued", Some(130429)));
        assert!(
            !sender.send_next().await.expect("not due yet"),
            "a retry waits for its backoff"
        );
        sqlx::query("UPDATE messages SET next_attempt_at = 0 WHERE direction = 'out'")
            .execute(service.db.pool())
            .await
            .expect("due");
        *fake.fail_with.lock().expect("lock") = Some(131026);
        assert!(sender.send_next().await.expect("tried again"));
        let (status, wamid, code) = status_of_last_reply(&service).await;
        assert_eq!(
            (status.as_str(), wamid, code),
            ("failed", None, Some(131026))
        );
        assert!(
            !sender.send_next().await.expect("nothing left"),
            "a permanent failure is not retried"
        );
        assert_eq!(fake.requests.lock().expect("lock").len(), 2);
    }

    #[tokio::test]
    async fn outside_the_24_hour_window_the_reply_goes_out_as_the_fallback_template() {
        let service = start().await;
        let (fake, graph) = fake_graph().await;
        *fake.refuse_non_templates.lock().expect("lock") = Some(131047);
        let stranger = String::from_utf8(fixture("text.json"))
            .expect("utf-8")
            .replace("919812345678", "919000000001");
        let signature = sign(stranger.as_bytes(), SECRET);
        assert_eq!(
            service.post(stranger.as_bytes(), Some(&signature)).await,
            200
        );
        while live(&service)
            .await
            .process_next()
            .await
            .expect("processed")
        {}
        let sender = Sender::new(service.db.clone(), graph.clone()).with_fallback_template(Some(
            FallbackTemplate {
                name: "execora_reply".into(),
                language: "hi".into(),
            },
        ));
        assert!(sender.send_next().await.expect("sent"));
        let (status, wamid, _) = status_of_last_reply(&service).await;
        assert_eq!(
            (status.as_str(), wamid.as_deref()),
            ("sent", Some("wamid.SENT2"))
        );
        let requests = fake.requests.lock().expect("lock").clone();
        assert_eq!(requests.len(), 2, "the text, refused, then the template");
        assert_eq!(requests[0].2["type"], "text");
        let template = &requests[1].2;
        assert_eq!(template["type"], "template");
        assert_eq!(template["to"], "+919000000001");
        assert_eq!(template["template"]["name"], "execora_reply");
        assert_eq!(template["template"]["language"]["code"], "hi");
        let parameter = template["template"]["components"][0]["parameters"][0]["text"]
            .as_str()
            .expect("the reply as the parameter");
        assert!(parameter.contains("Execora"), "{parameter}");
        assert!(
            !parameter.contains(['\n', '\t']) && !parameter.contains("     "),
            "Meta refuses newlines, tabs and long runs of spaces in a parameter: {parameter:?}"
        );

        // Without a template configured, the refusal is final and says why.
        let other = stranger.replace("wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhggQTAx", "wamid.SECOND");
        assert_eq!(
            service
                .post(other.as_bytes(), Some(&sign(other.as_bytes(), SECRET)))
                .await,
            200
        );
        while live(&service)
            .await
            .process_next()
            .await
            .expect("processed")
        {}
        let plain = Sender::new(service.db.clone(), graph);
        assert!(plain.send_next().await.expect("tried"));
        let (status, wamid, code) = status_of_last_reply(&service).await;
        assert_eq!(
            (status.as_str(), wamid, code),
            ("failed", None, Some(131047))
        );
    }
}

mod strangers {
    //! Who may do what: customers writing back are logged for their shop, never executed; open
    //! signup walks a stranger through opening a shop.

    use std::sync::Arc;

    use execora_bot::whatsapp::inbound::InboundWorker;
    use execora_bot::whatsapp::signature::sign;
    use execora_engine::books::{self, Books, NewCustomer};
    use execora_engine::messages::{self, Delivery, NewOutbound};
    use execora_engine::onboarding::SignupDefaults;
    use execora_engine::pipeline::Pipeline;
    use execora_engine::reply::Locale;
    use execora_engine::time::SystemClock;
    use serde_json::json;

    use super::{MERCHANT_PHONE, SECRET, TestApp, start};

    const CUSTOMER_PHONE: &str = "919111111111";

    fn text_from(from: &str, wamid: &str, body: &str, quoted: Option<&str>) -> Vec<u8> {
        let mut message = json!({"from": from, "id": wamid, "timestamp": "1795000000",
            "type": "text", "text": {"body": body}});
        if let Some(quoted) = quoted {
            message["context"] = json!({"from": "15550783881", "id": quoted});
        }
        serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": "1",
            "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "x"}, "wa_id": from}], "messages": [message]}}]}]}))
        .expect("json")
    }

    /// A message the shop sent to `peer`, accepted by WhatsApp as `wamid`.
    async fn sent(
        service: &TestApp,
        merchant: execora_engine::books::MerchantId,
        peer: &str,
        body: &str,
        wamid: &str,
    ) -> messages::MessageId {
        let id = messages::record_outbound(
            &service.db,
            &NewOutbound {
                merchant: Some(merchant),
                peer,
                kind: "text",
                body,
                in_reply_to: None,
                options: None,
                status: Delivery::Queued,
                at: 1,
            },
        )
        .await
        .expect("outbound");
        messages::mark_sent(&service.db, id, wamid, 2)
            .await
            .expect("sent");
        id
    }

    async fn send(service: &TestApp, body: &[u8]) {
        assert_eq!(service.post(body, Some(&sign(body, SECRET))).await, 200);
    }

    fn worker(service: &TestApp) -> InboundWorker {
        InboundWorker::new(
            service.db.clone(),
            Pipeline::new(service.db.clone(), Arc::new(SystemClock), None),
            true,
        )
    }

    async fn work(worker: &InboundWorker) {
        while worker.process_next().await.expect("processed") {}
    }

    async fn outbox_since(service: &TestApp, after: i64) -> Vec<(String, String, String)> {
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT peer, kind, body FROM messages WHERE direction = 'out' AND id > $1 ORDER BY id",
        )
        .bind(after)
        .fetch_all(service.db.pool())
        .await
        .expect("outbox")
    }

    async fn ledger_entries(service: &TestApp) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries")
            .fetch_one(service.db.pool())
            .await
            .expect("count")
    }

    #[tokio::test]
    async fn a_customer_replying_to_a_reminder_is_logged_for_the_shop_and_never_executed() {
        let service = start().await;
        let books = Books::open(service.db.clone(), service.merchant, Arc::new(SystemClock))
            .await
            .expect("books");
        books
            .add_customer(NewCustomer {
                name: "Rahul".into(),
                phone: Some(CUSTOMER_PHONE.into()),
                ..Default::default()
            })
            .await
            .expect("customer");
        // The shop's reminder went out to Rahul and was accepted by WhatsApp.
        let reminder = sent(
            &service,
            service.merchant,
            CUSTOMER_PHONE,
            "Namaste Rahul ji, ₹500 baaki hain.",
            "wamid.REMINDER",
        )
        .await;
        // Rahul answers with words that would book a payment if the shop had sent them.
        send(
            &service,
            &text_from(
                CUSTOMER_PHONE,
                "wamid.RAHUL1",
                "Rahul ne 500 UPI kiya",
                Some("wamid.REMINDER"),
            ),
        )
        .await;
        send(
            &service,
            &text_from(
                CUSTOMER_PHONE,
                "wamid.RAHUL2",
                "udhaar hatao, 1000 cash diya",
                None,
            ),
        )
        .await;
        work(&worker(&service)).await;

        assert_eq!(
            ledger_entries(&service).await,
            0,
            "a customer's words book nothing"
        );
        let log = messages::recent(&service.db, service.merchant, 10)
            .await
            .expect("log");
        let theirs: Vec<_> = log
            .iter()
            .filter(|m| m.peer == CUSTOMER_PHONE && m.direction == messages::Direction::In)
            .collect();
        assert_eq!(theirs.len(), 2, "both are in the shop's conversation log");
        assert!(
            theirs.iter().all(|m| m.status == Delivery::Logged),
            "{theirs:?}"
        );
        let sent = outbox_since(&service, reminder.0).await;
        let to_owner: Vec<_> = sent.iter().filter(|m| m.0 == MERCHANT_PHONE).collect();
        assert_eq!(to_owner.len(), 2, "the owner hears of each: {sent:?}");
        assert!(
            to_owner[0].2.contains("Rahul") && to_owner[0].2.contains("500 UPI"),
            "{}",
            to_owner[0].2
        );
        let to_customer: Vec<_> = sent.iter().filter(|m| m.0 == CUSTOMER_PHONE).collect();
        assert_eq!(
            to_customer.len(),
            1,
            "thanked once, not per message: {sent:?}"
        );
        assert_eq!(to_customer[0].1, "notice");
        assert!(
            to_customer[0].2.contains("Gupta Kirana"),
            "{}",
            to_customer[0].2
        );
    }

    #[tokio::test]
    async fn a_customer_of_two_shops_reaches_only_the_shop_that_wrote_to_them() {
        let service = start().await;
        let other = books::merchants::create(
            &service.db,
            books::NewMerchant {
                name: "Sharma Stores".into(),
                owner_phone: "919222222222".into(),
                locale: Locale::En,
                timezone: None,
                upi_id: None,
            },
            &SystemClock,
        )
        .await
        .expect("second shop");
        for merchant in [service.merchant, other.id] {
            Books::open(service.db.clone(), merchant, Arc::new(SystemClock))
                .await
                .expect("books")
                .add_customer(NewCustomer {
                    name: "Rahul".into(),
                    phone: Some(CUSTOMER_PHONE.into()),
                    ..Default::default()
                })
                .await
                .expect("customer");
        }
        // Neither shop has written to Rahul: his message belongs to no shop.
        send(
            &service,
            &text_from(CUSTOMER_PHONE, "wamid.AMBIGUOUS", "hello", None),
        )
        .await;
        work(&worker(&service)).await;
        let stored = messages::recent(&service.db, other.id, 10)
            .await
            .expect("log");
        assert!(stored.is_empty(), "{stored:?}");
        let ours = messages::recent(&service.db, service.merchant, 10)
            .await
            .expect("log");
        assert!(ours.is_empty(), "{ours:?}");
        // Sharma Stores writes to him; his next message is theirs, and a quoted id of another
        // phone's message cannot steer it elsewhere.
        sent(
            &service,
            other.id,
            CUSTOMER_PHONE,
            "Reminder",
            "wamid.SHARMA",
        )
        .await;
        sent(
            &service,
            service.merchant,
            MERCHANT_PHONE,
            "owner's own reply",
            "wamid.GUPTAOWNER",
        )
        .await;
        send(
            &service,
            &text_from(
                CUSTOMER_PHONE,
                "wamid.STEER",
                "paid",
                Some("wamid.GUPTAOWNER"),
            ),
        )
        .await;
        work(&worker(&service)).await;
        let theirs = messages::recent(&service.db, other.id, 10)
            .await
            .expect("log");
        assert!(
            theirs
                .iter()
                .any(|m| m.channel_id.as_deref() == Some("wamid.STEER")),
            "{theirs:?}"
        );
        let ours = messages::recent(&service.db, service.merchant, 10)
            .await
            .expect("log");
        assert!(
            ours.iter()
                .all(|m| m.channel_id.as_deref() != Some("wamid.STEER")),
            "{ours:?}"
        );
    }

    #[tokio::test]
    async fn open_signup_asks_the_shops_name_then_opens_its_books() {
        let service = start().await;
        let newcomer = "919333333333";
        let worker = worker(&service).with_open_signup(SignupDefaults {
            locale: Locale::HiLatn,
            timezone: "Asia/Kolkata".into(),
        });
        send(&service, &text_from(newcomer, "wamid.HELLO", "hello", None)).await;
        work(&worker).await;
        let asked = outbox_since(&service, 0).await;
        assert_eq!(asked.len(), 1);
        assert!(asked[0].2.contains("dukaan ka naam"), "{}", asked[0].2);
        send(&service, &text_from(newcomer, "wamid.BADNAME", "!", None)).await;
        work(&worker).await;
        let refused = outbox_since(&service, 0).await;
        assert!(refused[1].2.contains("2 se 60"), "{}", refused[1].2);
        assert!(
            books::merchants::find(&service.db, newcomer)
                .await
                .expect("find")
                .is_none()
        );
        send(
            &service,
            &text_from(
                newcomer,
                "wamid.NAME",
                "Verma <b>General</b> Store'); DROP TABLE merchants;--",
                None,
            ),
        )
        .await;
        // The same message redelivered opens one shop, not two.
        send(
            &service,
            &text_from(
                newcomer,
                "wamid.NAME",
                "Verma <b>General</b> Store'); DROP TABLE merchants;--",
                None,
            ),
        )
        .await;
        work(&worker).await;
        let opened = books::merchants::find(&service.db, newcomer)
            .await
            .expect("find")
            .expect("the shop is open");
        assert_eq!(
            opened.name,
            "Verma <b>General</b> Store'); DROP TABLE merchants;--"
        );
        let shops = books::merchants::list(&service.db).await.expect("list");
        assert_eq!(shops.len(), 2, "one new shop beside Gupta Kirana");
        let welcome = outbox_since(&service, 0).await;
        assert_eq!(welcome.len(), 3);
        assert!(welcome[2].2.contains("khata khul gaya"), "{}", welcome[2].2);
        // From now on the new owner's messages are commands on their own books only.
        send(
            &service,
            &text_from(newcomer, "wamid.FIRSTCMD", "Rahul ne 200 UPI kiya", None),
        )
        .await;
        work(&worker).await;
        let log = messages::recent(&service.db, opened.id, 10)
            .await
            .expect("log");
        assert!(
            log.iter()
                .any(|m| m.channel_id.as_deref() == Some("wamid.FIRSTCMD")
                    && m.status == Delivery::Processed),
            "{log:?}"
        );
        let gupta = messages::recent(&service.db, service.merchant, 10)
            .await
            .expect("log");
        assert!(gupta.is_empty(), "{gupta:?}");
    }

    #[tokio::test]
    async fn closed_signup_tells_a_stranger_how_to_register_and_opens_nothing() {
        let service = start().await;
        send(
            &service,
            &text_from("919444444444", "wamid.S1", "Meri dukaan Verma Store", None),
        )
        .await;
        work(&worker(&service)).await;
        let replies = outbox_since(&service, 0).await;
        assert_eq!(replies.len(), 1);
        assert!(replies[0].2.contains("juda nahi"), "{}", replies[0].2);
        assert_eq!(
            books::merchants::list(&service.db)
                .await
                .expect("list")
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn a_sender_over_the_limit_gets_one_notice_and_the_rest_are_deferred_not_dropped() {
    let service = start().await;
    let template = String::from_utf8(fixture("text.json")).expect("utf-8");
    for n in 0..25 {
        let body = template.replace(
            "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhggQTAx",
            &format!("wamid.LIMIT{n}"),
        );
        assert_eq!(
            service
                .post(body.as_bytes(), Some(&sign(body.as_bytes(), SECRET)))
                .await,
            200
        );
    }
    let count = |status: &'static str| {
        let db = service.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM messages WHERE direction = 'in' AND status = $1",
            )
            .bind(status)
            .fetch_one(db.pool())
            .await
            .expect("count")
        }
    };
    assert_eq!(
        count("received").await,
        20,
        "the first 20 in a minute are processed"
    );
    assert_eq!(
        count("deferred").await,
        5,
        "the rest are kept for the next minute"
    );
    let notices: Vec<String> =
        sqlx::query_scalar("SELECT body FROM messages WHERE direction = 'out'")
            .fetch_all(service.db.pool())
            .await
            .expect("outbox");
    assert_eq!(notices.len(), 1, "one polite notice, not five");
    assert!(notices[0].contains("20"), "{}", notices[0]);
}

mod voice {
    //! Voice notes end to end: signed audio webhook → media fetched from a fake Graph API with the
    //! bearer token → a fake OpenAI-compatible server receives 16 kHz mono WAV and answers words →
    //! books change → the spoken reply is synthesised, uploaded and sent as a voice note.

    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::Json;
    use axum::body::Bytes;
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::{get, post};
    use execora_bot::whatsapp::graph::{GraphClient, GraphConfig};
    use execora_bot::whatsapp::inbound::InboundWorker;
    use execora_bot::whatsapp::outbound::Sender;
    use execora_bot::whatsapp::signature::sign;
    use execora_bot::whatsapp::voice::Listener;
    use execora_engine::audio::AudioLimits;
    use execora_engine::books::{Books, Found, NewCustomer};
    use execora_engine::money::Paise;
    use execora_engine::pipeline::Pipeline;
    use execora_engine::providers::{self, ResilienceConfig, SttConfig, TtsConfig};
    use execora_engine::recordings::Recordings;
    use execora_engine::time::SystemClock;
    use serde_json::{Value, json};

    use super::{SECRET, TestApp, fixture, start};

    const TOKEN: &str = "EAAG-voice-token";
    const PHONE_NUMBER_ID: &str = "106540352242922";
    const OPENAI_KEY: &str = "sk-voice-test";

    fn audio(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../fixtures/audio/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("audio fixture")
    }

    /// Requests as received: headers and raw body.
    type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

    /// Meta's side: media lookup, download, upload and the messages endpoint.
    #[derive(Clone, Default)]
    struct FakeMeta {
        base: Arc<Mutex<String>>,
        /// What the merchant's voice note holds.
        media: Arc<Mutex<Vec<u8>>>,
        downloads: Arc<Mutex<Vec<HeaderMap>>>,
        uploads: Received,
        sent: Arc<Mutex<Vec<Value>>>,
    }

    async fn media_info(State(fake): State<FakeMeta>, Path(id): Path<String>) -> Response {
        let size = fake.media.lock().expect("lock").len();
        let base = fake.base.lock().expect("lock").clone();
        Json(
            json!({"messaging_product": "whatsapp", "id": id, "mime_type": "audio/ogg; codecs=opus",
            "sha256": "x", "file_size": size.to_string(), "url": format!("{base}/download/{id}")}),
        )
        .into_response()
    }

    async fn download(State(fake): State<FakeMeta>, headers: HeaderMap) -> Response {
        fake.downloads.lock().expect("lock").push(headers.clone());
        if headers.get("authorization").and_then(|v| v.to_str().ok())
            != Some(&format!("Bearer {TOKEN}"))
        {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        fake.media.lock().expect("lock").clone().into_response()
    }

    async fn upload(State(fake): State<FakeMeta>, headers: HeaderMap, body: Bytes) -> Response {
        fake.uploads
            .lock()
            .expect("lock")
            .push((headers, body.to_vec()));
        Json(json!({"id": "4490709327384033"})).into_response()
    }

    async fn messages(State(fake): State<FakeMeta>, Json(body): Json<Value>) -> Response {
        let mut sent = fake.sent.lock().expect("lock");
        sent.push(body);
        Json(json!({"messaging_product": "whatsapp", "contacts": [], "messages": [{"id": format!("wamid.OUT{}", sent.len())}]}))
            .into_response()
    }

    async fn fake_meta() -> (FakeMeta, GraphClient) {
        let fake = FakeMeta::default();
        let app = axum::Router::new()
            .route("/v25.0/{phone_number_id}/messages", post(messages))
            .route("/v25.0/{phone_number_id}/media", post(upload))
            .route("/v25.0/{media_id}", get(media_info))
            .route("/download/{media_id}", get(download))
            .with_state(fake.clone());
        let address = super::serve_locally(app).await;
        *fake.base.lock().expect("lock") = format!("http://{address}");
        let client = GraphClient::new(GraphConfig {
            api_base: format!("http://{address}/v25.0"),
            access_token: TOKEN.into(),
            phone_number_id: PHONE_NUMBER_ID.into(),
            timeout: Duration::from_secs(5),
        })
        .expect("client");
        (fake, client)
    }

    /// The OpenAI-compatible side: transcription and speech.
    #[derive(Clone, Default)]
    struct FakeOpenAi {
        transcriptions: Received,
        speeches: Arc<Mutex<Vec<Value>>>,
        /// Status to refuse transcriptions with; none answers `words`.
        refuse: Arc<Mutex<Option<u16>>>,
        words: Arc<Mutex<String>>,
        /// What the speech endpoint answers instead of a mono Ogg/Opus note.
        speech_instead: Arc<Mutex<Option<Vec<u8>>>>,
    }

    async fn transcribe(
        State(fake): State<FakeOpenAi>,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        fake.transcriptions
            .lock()
            .expect("lock")
            .push((headers, body.to_vec()));
        if let Some(status) = *fake.refuse.lock().expect("lock") {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            return (
                status,
                Json(json!({"error": {"message": "refused", "type": "invalid_request_error"}})),
            )
                .into_response();
        }
        Json(json!({"text": fake.words.lock().expect("lock").clone()})).into_response()
    }

    async fn speak(State(fake): State<FakeOpenAi>, Json(body): Json<Value>) -> Response {
        fake.speeches.lock().expect("lock").push(body);
        let spoken = fake
            .speech_instead
            .lock()
            .expect("lock")
            .clone()
            .unwrap_or_else(|| audio("payment_hi.ogg"));
        ([("content-type", "audio/ogg")], spoken).into_response()
    }

    async fn fake_openai() -> (FakeOpenAi, String) {
        let fake = FakeOpenAi::default();
        *fake.words.lock().expect("lock") = "Rahul ne 200 UPI kiya".into();
        let app = axum::Router::new()
            .route("/v1/audio/transcriptions", post(transcribe))
            .route("/v1/audio/speech", post(speak))
            .with_state(fake.clone());
        let address = super::serve_locally(app).await;
        (fake, format!("http://{address}/v1"))
    }

    struct Voice {
        service: TestApp,
        meta: FakeMeta,
        openai: FakeOpenAi,
        worker: InboundWorker,
        sender: Sender,
        recordings_dir: tempfile::TempDir,
    }

    /// Rahul's balance in the shop's books.
    async fn rahul_balance(service: &TestApp) -> Paise {
        let books = Books::open(service.db.clone(), service.merchant, Arc::new(SystemClock))
            .await
            .expect("books");
        let Found::One(rahul) = books.find_customers("Rahul", 1).await.expect("find") else {
            panic!("Rahul")
        };
        rahul.balance
    }

    async fn voice_service(limits: AudioLimits) -> Voice {
        voice_service_speaking(limits, true).await
    }

    async fn voice_service_speaking(limits: AudioLimits, spoken_replies: bool) -> Voice {
        let service = start().await;
        Books::open(service.db.clone(), service.merchant, Arc::new(SystemClock))
            .await
            .expect("books")
            .add_customer(NewCustomer {
                name: "Rahul".into(),
                ..Default::default()
            })
            .await
            .expect("customer");
        let (meta, graph) = fake_meta().await;
        *meta.media.lock().expect("lock") = audio("payment_hi.ogg");
        let (openai, base) = fake_openai().await;
        let resilience = ResilienceConfig {
            timeout: Duration::from_secs(5),
            retries: 0,
            ..ResilienceConfig::default()
        };
        let recordings_dir = tempfile::tempdir().expect("dir");
        let recordings = Recordings::from_url(
            recordings_dir.path().to_str().expect("utf-8 path"),
            Some(90),
        )
        .expect("recordings");
        let speaker = providers::speaker(
            TtsConfig::openai(OPENAI_KEY, Some(base.clone())),
            resilience,
        );
        let worker = InboundWorker::new(
            service.db.clone(),
            Pipeline::new(service.db.clone(), Arc::new(SystemClock), None),
            false,
        )
        .with_read_receipts(graph.clone())
        .with_listener(Listener {
            graph: graph.clone(),
            transcriber: providers::transcriber(
                SttConfig::openai(OPENAI_KEY, Some(base)),
                resilience,
            ),
            limits,
            language: "hi".into(),
            recordings: Some(recordings),
        });
        let worker = if spoken_replies {
            worker.with_spoken_replies(speaker.max_chars())
        } else {
            worker
        };
        let sender = Sender::new(service.db.clone(), graph).with_speaker(speaker, "hi");
        Voice {
            service,
            meta,
            openai,
            worker,
            sender,
            recordings_dir,
        }
    }

    async fn post_voice_note(voice: &Voice, wamid: &str) {
        let body = String::from_utf8(fixture("voice.json"))
            .expect("utf-8")
            .replace("wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhggQTAz", wamid);
        assert_eq!(
            voice
                .service
                .post(body.as_bytes(), Some(&sign(body.as_bytes(), SECRET)))
                .await,
            200
        );
        while voice.worker.process_next().await.expect("processed") {}
    }

    /// The WAV's format fields: (channels, sample rate, bits per sample, data bytes).
    fn wav_format(wav: &[u8]) -> (u16, u32, u16, usize) {
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        let u16_at = |i: usize| u16::from_le_bytes([wav[i], wav[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes([wav[i], wav[i + 1], wav[i + 2], wav[i + 3]]);
        assert_eq!(u16_at(20), 1, "PCM");
        assert_eq!(&wav[36..40], b"data");
        (u16_at(22), u32_at(24), u16_at(34), u32_at(40) as usize)
    }

    /// The file part of a multipart body: the bytes from `RIFF` to the closing boundary.
    fn wav_part(multipart: &[u8]) -> &[u8] {
        let start = multipart
            .windows(4)
            .position(|w| w == b"RIFF")
            .expect("a WAV in the upload");
        let data_len = u32::from_le_bytes([
            multipart[start + 40],
            multipart[start + 41],
            multipart[start + 42],
            multipart[start + 43],
        ]) as usize;
        &multipart[start..start + 44 + data_len]
    }

    #[tokio::test]
    async fn a_voice_note_is_heard_booked_and_answered_in_text_and_voice() {
        let voice = voice_service(AudioLimits::default()).await;
        post_voice_note(&voice, "wamid.VOICE1").await;

        // The media was fetched with our token.
        let downloads = voice.meta.downloads.lock().expect("lock").clone();
        assert_eq!(downloads.len(), 1);
        // The recogniser got 16 kHz mono 16-bit WAV, the language hint and the shop's names.
        let transcriptions = voice.openai.transcriptions.lock().expect("lock").clone();
        assert_eq!(transcriptions.len(), 1);
        let (headers, body) = &transcriptions[0];
        assert_eq!(
            headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some(format!("Bearer {OPENAI_KEY}").as_str())
        );
        let (channels, rate, bits, data) = wav_format(wav_part(body));
        assert_eq!((channels, rate, bits), (1, 16_000, 16));
        let seconds = data as f64 / 32_000.0;
        assert!(
            (1.0..4.0).contains(&seconds),
            "the spoken part of a ~2.5 s note: {seconds} s"
        );
        let text = String::from_utf8_lossy(body);
        assert!(
            text.contains("name=\"language\"") && text.contains("\r\n\r\nhi\r\n"),
            "language hint"
        );
        assert!(
            text.contains("Rahul"),
            "the prompt carries the shop's names"
        );

        // The words were booked.
        assert_eq!(rahul_balance(&voice.service).await, Paise::new(-20_000));
        // The transcript is stored with the message, and the original archived beside it.
        let transcript: Option<String> = sqlx::query_scalar(
            "SELECT transcript FROM messages WHERE wa_message_id = 'wamid.VOICE1'",
        )
        .fetch_one(voice.service.db.pool())
        .await
        .expect("row");
        assert_eq!(transcript.as_deref(), Some("Rahul ne 200 UPI kiya"));
        let archived: Vec<_> = walk(voice.recordings_dir.path());
        assert!(
            archived.iter().any(|p| p.ends_with(".ogg"))
                && archived.iter().any(|p| p.ends_with(".txt")),
            "{archived:?}"
        );

        // The text reply, then the same words as a voice note.
        while voice.sender.send_next().await.expect("sent") {}
        let sent = voice.meta.sent.lock().expect("lock").clone();
        let replies: Vec<&Value> = sent.iter().filter(|b| b["status"] != "read").collect();
        assert_eq!(replies.len(), 2, "{sent:?}");
        assert_eq!(replies[0]["type"], "text");
        let words = replies[0]["text"]["body"].as_str().expect("text");
        assert!(words.contains("₹200"), "{words}");
        assert_eq!(replies[1]["type"], "audio");
        assert_eq!(replies[1]["audio"]["voice"], true);
        assert_eq!(replies[1]["audio"]["id"], "4490709327384033");
        let speeches = voice.openai.speeches.lock().expect("lock").clone();
        assert_eq!(speeches.len(), 1);
        assert_eq!(speeches[0]["input"], words, "the reply's words are spoken");
        assert_eq!(speeches[0]["response_format"], "opus");
        let uploads = voice.meta.uploads.lock().expect("lock").clone();
        assert_eq!(uploads.len(), 1);
        let upload = String::from_utf8_lossy(&uploads[0].1);
        assert!(
            upload.contains("audio/ogg") && upload.contains("OggS"),
            "an Ogg upload"
        );
        // Marked read with the typing indicator while it was worked on.
        assert!(sent.iter().any(|b| b["status"] == "read"));
    }

    fn walk(dir: &std::path::Path) -> Vec<String> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else {
                found.push(path.display().to_string());
            }
        }
        found
    }

    async fn only_reply(voice: &Voice) -> (String, i64) {
        let replies: Vec<(String, String)> =
            sqlx::query_as("SELECT kind, body FROM messages WHERE direction = 'out' ORDER BY id")
                .fetch_all(voice.service.db.pool())
                .await
                .expect("outbox");
        let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries")
            .fetch_one(voice.service.db.pool())
            .await
            .expect("count");
        assert_eq!(
            replies.len(),
            1,
            "one text reply, nothing spoken: {replies:?}"
        );
        assert_eq!(replies[0].0, "text");
        (replies[0].1.clone(), entries)
    }

    #[tokio::test]
    async fn a_retried_voice_job_reuses_the_words_heard_and_books_once() {
        let voice = voice_service(AudioLimits::default()).await;
        let body = String::from_utf8(fixture("voice.json"))
            .expect("utf-8")
            .replace("wamid.HBgMOTE5ODEyMzQ1Njc4FQIAEhggQTAz", "wamid.RETRY");
        assert_eq!(
            voice
                .service
                .post(body.as_bytes(), Some(&sign(body.as_bytes(), SECRET)))
                .await,
            200
        );
        // An earlier run heard the note and stored the words, then died before answering.
        let id: i64 =
            sqlx::query_scalar("SELECT id FROM messages WHERE wa_message_id = 'wamid.RETRY'")
                .fetch_one(voice.service.db.pool())
                .await
                .expect("row");
        execora_engine::messages::set_transcript(
            &voice.service.db,
            execora_engine::messages::MessageId(id),
            "Rahul ne 300 cash diye",
        )
        .await
        .expect("transcript");
        while voice.worker.process_next().await.expect("processed") {}
        assert!(
            voice.openai.transcriptions.lock().expect("lock").is_empty(),
            "not transcribed a second time"
        );
        assert_eq!(
            rahul_balance(&voice.service).await,
            Paise::new(-30_000),
            "the stored words were booked"
        );
    }

    #[tokio::test]
    async fn without_text_to_speech_a_voice_note_is_booked_and_answered_in_text_only() {
        let voice = voice_service_speaking(AudioLimits::default(), false).await;
        post_voice_note(&voice, "wamid.NOTTS").await;
        let (reply, entries) = only_reply(&voice).await;
        assert!(reply.contains("₹200"), "{reply}");
        assert!(entries > 0, "booked");
        assert!(voice.openai.speeches.lock().expect("lock").is_empty());
    }

    #[tokio::test]
    async fn a_corrupt_voice_note_is_refused_with_a_reply_and_books_nothing() {
        let voice = voice_service(AudioLimits::default()).await;
        *voice.meta.media.lock().expect("lock") = audio("garbage.bin");
        post_voice_note(&voice, "wamid.CORRUPT").await;
        let (reply, entries) = only_reply(&voice).await;
        assert!(reply.contains("khul nahi paya"), "{reply}");
        assert_eq!(entries, 0);
        assert!(voice.openai.transcriptions.lock().expect("lock").is_empty());
    }

    #[tokio::test]
    async fn a_voice_note_over_the_length_limit_is_refused_with_the_limit() {
        let voice = voice_service(AudioLimits {
            max_duration: Duration::from_secs(60),
            ..AudioLimits::default()
        })
        .await;
        *voice.meta.media.lock().expect("lock") = audio("note_60s.ogg");
        post_voice_note(&voice, "wamid.LONG").await;
        let (reply, entries) = only_reply(&voice).await;
        assert!(reply.contains("1 minute se lamba"), "{reply}");
        assert_eq!(entries, 0);
    }

    #[tokio::test]
    async fn a_voice_note_over_the_size_limit_is_not_even_downloaded() {
        let voice = voice_service(AudioLimits {
            max_bytes: 1024,
            ..AudioLimits::default()
        })
        .await;
        post_voice_note(&voice, "wamid.LARGE").await;
        let (reply, _) = only_reply(&voice).await;
        assert!(reply.contains("MB se bada"), "{reply}");
        assert!(voice.meta.downloads.lock().expect("lock").is_empty());
    }

    #[tokio::test]
    async fn a_silent_voice_note_is_answered_as_silent() {
        let voice = voice_service(AudioLimits::default()).await;
        *voice.meta.media.lock().expect("lock") = audio("silence.ogg");
        post_voice_note(&voice, "wamid.SILENT").await;
        let (reply, _) = only_reply(&voice).await;
        assert!(reply.contains("kuch sunai nahi diya"), "{reply}");
    }

    #[tokio::test]
    async fn synthesised_audio_that_is_not_a_mono_ogg_opus_note_is_not_sent_and_the_text_stands() {
        let voice = voice_service(AudioLimits::default()).await;
        // An MP3 where Ogg/Opus was asked for.
        *voice.openai.speech_instead.lock().expect("lock") = Some(audio("payment_hi.mp3"));
        post_voice_note(&voice, "wamid.BADTTS").await;
        while voice.sender.send_next().await.expect("sent") {}
        let sent = voice.meta.sent.lock().expect("lock").clone();
        let replies: Vec<&Value> = sent.iter().filter(|b| b["status"] != "read").collect();
        assert_eq!(replies.len(), 1, "only the text: {sent:?}");
        assert_eq!(replies[0]["type"], "text");
        assert!(
            voice.meta.uploads.lock().expect("lock").is_empty(),
            "nothing uploaded"
        );
        let (status, title): (String, Option<String>) = sqlx::query_as(
            "SELECT status, error_title FROM messages WHERE direction = 'out' AND kind = 'voice'",
        )
        .fetch_one(voice.service.db.pool())
        .await
        .expect("voice row");
        assert_eq!(status, "failed");
        let title = title.unwrap_or_default();
        assert!(title.to_lowercase().contains("ogg"), "{title}");
    }

    #[tokio::test]
    async fn a_failing_recogniser_gets_a_please_resend_and_books_nothing() {
        let voice = voice_service(AudioLimits::default()).await;
        *voice.openai.refuse.lock().expect("lock") = Some(400);
        post_voice_note(&voice, "wamid.STTDOWN").await;
        let (reply, entries) = only_reply(&voice).await;
        assert!(reply.contains("samajh nahi aaya"), "{reply}");
        assert_eq!(entries, 0);
    }
}
