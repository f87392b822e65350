//! The `execora` binary as an operator and a merchant use it (commands, chat, the service), and its webhook.

mod app;
mod crash;
mod customer_rights;
mod deploy;
mod digest;
mod door;
mod end_to_end;
mod observe;
mod operator_links;
mod panel;
mod pay_page;
mod reminders;
mod scale;
mod supervision;
mod webhook;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_execora");

/// A working directory with its own SQLite database, and no inherited configuration.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(BIN);
        command.current_dir(self.dir.path());
        for var in [
            "DATABASE_URL",
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
            "HOST",
            "PORT",
            "PUBLIC_URL",
            "EXECORA_TIMEZONE",
        ] {
            command.env_remove(var);
        }
        command.env("RUST_LOG", "info");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("execora runs")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn merchants_are_added_listed_and_given_staff_phones() {
    let sandbox = Sandbox::new();
    let added = sandbox.run(&[
        "merchant",
        "add",
        "--name",
        "Gupta Kirana",
        "--phone",
        "919812345678",
        "--upi-id",
        "gupta@okaxis",
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(stdout(&added).contains("Gupta Kirana"));
    let staff = sandbox.run(&[
        "merchant",
        "add-phone",
        "--merchant",
        "919812345678",
        "--phone",
        "9812345679",
        "--role",
        "staff",
    ]);
    assert!(staff.status.success(), "{}", stderr(&staff));
    let listed = sandbox.run(&["merchant", "list"]);
    let text = stdout(&listed);
    assert!(
        text.contains("919812345678 (owner)") && text.contains("919812345679 (staff)"),
        "{text}"
    );
    assert!(
        sandbox.dir.path().join("execora.db").exists(),
        "the embedded default database is used"
    );

    let taken = sandbox.run(&[
        "merchant",
        "add",
        "--name",
        "Other",
        "--phone",
        "9812345678",
    ]);
    assert!(!taken.status.success());
    assert!(
        stderr(&taken).contains("already registered"),
        "{}",
        stderr(&taken)
    );
    let bad_locale = sandbox.run(&[
        "merchant",
        "add",
        "--name",
        "X",
        "--phone",
        "9812300000",
        "--locale",
        "fr",
    ]);
    assert!(!bad_locale.status.success());
    assert!(stderr(&bad_locale).contains("--locale"));
    let no_shop = sandbox.run(&[
        "merchant",
        "add-phone",
        "--merchant",
        "999",
        "--phone",
        "9812300001",
    ]);
    assert!(!no_shop.status.success());
}

#[test]
fn shop_settings_are_shown_and_changed_by_the_operator() {
    let sandbox = Sandbox::new();
    let added = sandbox.run(&[
        "merchant",
        "add",
        "--name",
        "Gupta Kirana",
        "--phone",
        "919812345678",
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let shown = sandbox.run(&["merchant", "set", "--merchant", "919812345678"]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert!(
        stdout(&shown).contains("large amount ₹50,000, staff may cancel a bill for 24 hours"),
        "{}",
        stdout(&shown)
    );
    let changed = sandbox.run(&[
        "merchant",
        "set",
        "--merchant",
        "919812345678",
        "--large-amount",
        "75000",
    ]);
    assert!(changed.status.success(), "{}", stderr(&changed));
    let changed = sandbox.run(&[
        "merchant",
        "set",
        "--merchant",
        "919812345678",
        "--cancel-window-hours",
        "6",
    ]);
    assert!(
        stdout(&changed).contains("large amount ₹75,000, staff may cancel a bill for 6 hours"),
        "{}",
        stdout(&changed)
    );
    let refused = sandbox.run(&[
        "merchant",
        "set",
        "--merchant",
        "919812345678",
        "--large-amount",
        "lots",
    ]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--large-amount"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["migrate"])
        .env("PORT", "eighty")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let text = stderr(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("PORT"), "{text}");
    let output = sandbox
        .command()
        .args(["migrate"])
        .env("DATABASE_URL", "mysql://db/x")
        .output()
        .expect("runs");
    assert!(stderr(&output).contains("DATABASE_URL"));
}

#[test]
fn parse_prints_one_json_object_without_a_database() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&[
        "parse",
        "--json",
        "--now",
        "2026-11-22T10:00:00+05:30",
        "Rahul ne 200 cash me diye",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let value: serde_json::Value =
        serde_json::from_str(stdout(&output).trim()).expect("one JSON object");
    assert_eq!(
        value,
        serde_json::json!({"commands": [{"intent": "record_payment", "customer": "Rahul", "amount_paise": 20000, "mode": "cash"}], "confident": true})
    );
    let unknown = sandbox.run(&["parse", "--json", "mausam kaisa hai"]);
    assert!(unknown.status.success());
    assert_eq!(
        stdout(&unknown).trim(),
        r#"{"commands":[{"intent":"unknown"}],"confident":false}"#
    );
    assert!(
        !sandbox.dir.path().join("execora.db").exists(),
        "parse touches no database"
    );
    let bad_now = sandbox.run(&["parse", "--now", "yesterday", "x"]);
    assert!(!bad_now.status.success());
}

#[test]
fn eval_nlu_scores_general_and_safety_files_and_its_summary_shows_no_case() {
    let sandbox = Sandbox::new();
    let general = sandbox.dir.path().join("general.jsonl");
    std::fs::write(
        &general,
        concat!(
            r#"{"text": "Rahul ne 200 diye", "now": "2026-11-22T10:00:00+05:30", "expect": {"commands": [{"intent": "record_payment", "customer": "rahul", "amount_paise": 20000}]}, "lang": "hi-Latn"}"#,
            "\n",
            r#"{"text": "Secret Sharma ne 300 diye", "now": "2026-11-22T10:00:00+05:30", "expect": {"commands": [{"intent": "add_credit", "customer": "Secret Sharma", "amount_paise": 30000}]}, "lang": "hi-Latn"}"#,
            "\n"
        ),
    )
    .expect("write cases");
    let safety = sandbox.dir.path().join("safety.jsonl");
    std::fs::write(
        &safety,
        concat!(
            r#"{"text": "Hidden Verma ne 500 nahi diye", "now": "2026-11-22T10:00:00+05:30", "class": "negation", "meant": [], "lang": "hi-Latn", "tags": []}"#,
            "\n",
            r#"{"text": "Rahul ne 200 diye", "now": "2026-11-22T10:00:00+05:30", "class": "control", "meant": [{"intent": "record_payment", "customer": "Rahul", "amount_paise": 20000}], "lang": "hi-Latn", "tags": []}"#,
            "\n"
        ),
    )
    .expect("write safety cases");
    let general_path = general.to_string_lossy().into_owned();
    let safety_path = safety.to_string_lossy().into_owned();

    let full = sandbox.run(&["eval-nlu", &general_path, &safety_path]);
    assert!(full.status.success(), "{}", stderr(&full));
    let text = stdout(&full);
    assert!(text.contains("exact match: 1/2 (50.0%)"), "{text}");
    assert!(text.contains("confident and wrong: 1/2"), "{text}");
    assert!(text.contains("wrong bookings: 0/2"), "{text}");
    assert!(text.contains("controls not booked at once: 0/1"), "{text}");
    assert!(text.contains("MISS Secret Sharma"), "{text}");

    let summary = sandbox.run(&["eval-nlu", "--summary", &general_path, &safety_path]);
    assert!(summary.status.success(), "{}", stderr(&summary));
    let text = stdout(&summary);
    assert!(text.contains("exact match: 1/2 (50.0%)"), "{text}");
    assert!(
        !text.contains("Secret") && !text.contains("Hidden") && !text.contains("MISS"),
        "a summary shows figures only: {text}"
    );
}

#[test]
fn the_demo_shop_can_be_chatted_with() {
    let sandbox = Sandbox::new();
    let seeded = sandbox.run(&["demo"]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let again = sandbox.run(&["demo"]);
    assert!(
        stdout(&again).contains("Found"),
        "seeding twice changes nothing"
    );
    let mut chat = sandbox
        .command()
        .args(["chat", "--merchant", "919800000001"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chat starts");
    let mut stdin = chat.stdin.take().expect("stdin");
    stdin
        .write_all(
            "Suresh ka balance batao\nSuresh ne 100 UPI kiya\nSuresh ka balance batao\nexit\n"
                .as_bytes(),
        )
        .expect("typed");
    drop(stdin);
    let output = chat.wait_with_output().expect("chat ends");
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(text.contains("Sharma Kirana Store"), "{text}");
    let replies: Vec<&str> = text.lines().filter(|l| l.contains("Execora:")).collect();
    assert_eq!(replies.len(), 3, "{text}");
    assert!(replies[1].contains("₹100"), "{text}");
}

#[tokio::test]
async fn check_says_ok_for_kept_books_and_names_a_corrupted_balance() {
    let sandbox = Sandbox::new();
    let seeded = sandbox.run(&["demo"]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let clean = sandbox.run(&["check"]);
    assert!(clean.status.success(), "{}", stderr(&clean));
    let summary = stdout(&clean);
    assert_eq!(summary.lines().count(), 1, "{summary}");
    assert!(summary.starts_with("ok: 1 shops"), "{summary}");

    let url = format!(
        "sqlite://{}",
        sandbox.dir.path().join("execora.db").display()
    );
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .expect("open the books");
    let (shop, customer, cached): (i64, i64, i64) = sqlx::query_as(
        "UPDATE customers SET balance_paise = balance_paise + 100 \
         WHERE id = (SELECT MIN(id) FROM customers) RETURNING merchant_id, id, balance_paise",
    )
    .fetch_one(&pool)
    .await
    .expect("corrupt one cached balance");
    pool.close().await;

    let broken = sandbox.run(&["check"]);
    assert!(
        !broken.status.success(),
        "a wrong balance must fail the check"
    );
    let named = stdout(&broken);
    assert!(
        named.contains(&format!("shop {shop}: customer {customer}: cached balance"))
            && named.contains(&format!("({cached} paise)"))
            && named.contains(&format!("({} paise)", cached - 100)),
        "{named}"
    );
    assert!(
        stderr(&broken).contains("1 problem(s)"),
        "{}",
        stderr(&broken)
    );
}

/// A running `execora serve` on a free port, stopped on drop.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(sandbox: &Sandbox, extra: &[&str]) -> Server {
    let mut command = sandbox.command();
    command.args(["serve"]).args(extra);
    serve(command)
}

/// Starts `command` (an `execora serve` configured by the caller) on a free port and waits for
/// the line that says where it listens.
fn serve(mut command: Command) -> Server {
    // The demo shop is seeded after the port is bound: a test that uses it waits for it too.
    let mut demo = command.get_args().any(|arg| arg == "--demo");
    let mut child = command
        .env("PORT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        assert!(Instant::now() < deadline, "server did not start");
        let line = lines.next().expect("server log").expect("utf-8 log");
        if let Some(at) = line.find("listening on http://") {
            let rest = &line[at + "listening on ".len()..];
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };
    while demo {
        assert!(Instant::now() < deadline, "the demo shop was not seeded");
        let line = lines.next().expect("server log").expect("utf-8 log");
        demo = !line.contains("demo shop ready");
    }
    // The server's log goes to the test's output, which is shown when the test fails.
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            eprintln!("server: {line}");
        }
    });
    Server { child, base }
}

/// A child process killed if the test fails before it has ended it.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A signed-by-the-caller WhatsApp webhook carrying one text message from `from`.
fn text_webhook(from: &str, wamid: &str, text: &str) -> Vec<u8> {
    serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": app::PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Shop"}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": "1795000000", "type": "text", "text": {"body": text}}]
    }}]}]})
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn serve_migrates_and_answers_health_and_readiness() {
    let sandbox = Sandbox::new();
    let server = start_server(&sandbox, &["--demo"]);
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.expect("body"), "ready");
    let missing = client
        .get(format!("{}/nope", server.base))
        .send()
        .await
        .expect("404");
    assert_eq!(missing.status(), 404);
    let listed = sandbox.run(&["merchant", "list"]);
    assert!(
        stdout(&listed).contains("Sharma Kirana Store"),
        "serve --demo seeded the shop"
    );
}

#[test]
fn serve_can_refuse_to_migrate_when_told_to() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["serve"])
        .env("EXECORA_AUTO_MIGRATE", "false")
        .env("PORT", "0")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("execora migrate"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_outbox_shows_failed_replies_with_their_error_and_requeues_them_on_request() {
    let sandbox = Sandbox::new();
    let added = sandbox.run(&[
        "merchant",
        "add",
        "--name",
        "Gupta Kirana",
        "--phone",
        "919812345678",
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let url = format!(
        "sqlite://{}",
        sandbox.dir.path().join("execora.db").display()
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let failed_id = runtime.block_on(async {
        use execora_engine::messages::{self, Delivery, NewOutbound};
        let db = execora_engine::store::Db::connect(&url).await.expect("db");
        let mut ids = Vec::new();
        // Two numbers: one number's second reply is not claimed while its first is being sent.
        for (peer, body) in [
            ("919000000001", "Rahul ka ₹200 jama"),
            ("919000000002", "Reminder <script>"),
        ] {
            ids.push(
                messages::record_outbound(
                    &db,
                    &NewOutbound {
                        merchant: None,
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
                .expect("outbound"),
            );
        }
        for _ in &ids {
            messages::claim_next_outbound(&db, 2).await.expect("claim");
        }
        messages::mark_failed(&db, ids[1], Some(131026), "Message undeliverable", 3)
            .await
            .expect("failed");
        db.close().await;
        ids[1].0
    });
    let failed = sandbox.run(&["outbox", "--failed"]);
    assert!(failed.status.success(), "{}", stderr(&failed));
    let shown = stdout(&failed);
    assert_eq!(shown.lines().count(), 1, "{shown}");
    assert!(
        shown.contains("131026")
            && shown.contains("Message undeliverable")
            && shown.contains("Reminder <script>"),
        "{shown}"
    );
    let stuck = sandbox.run(&["outbox", "--stuck"]);
    assert!(
        stdout(&stuck).contains("Rahul ka ₹200 jama"),
        "claimed long ago and never confirmed: {}",
        stdout(&stuck)
    );
    let retried = sandbox.run(&["outbox", "--retry", &failed_id.to_string()]);
    assert!(retried.status.success(), "{}", stderr(&retried));
    assert!(stdout(&retried).contains("queued again"));
    assert!(stdout(&sandbox.run(&["outbox", "--failed"])).contains("nothing to show"));
    let again = sandbox.run(&["outbox", "--retry", &failed_id.to_string()]);
    assert!(!again.status.success(), "a queued message is not requeued");
    assert!(
        stderr(&again).contains("not a failed or stuck"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_backup_taken_while_serving_restores_to_books_that_check() {
    let sandbox = Sandbox::new();
    let _server = start_server(&sandbox, &["--demo"]);
    let mut chat = sandbox
        .command()
        .args(["chat", "--merchant", "919800000001"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chat starts");
    let mut stdin = chat.stdin.take().expect("stdin");
    stdin
        .write_all("Suresh ne 137 UPI kiya\nexit\n".as_bytes())
        .expect("typed");
    drop(stdin);
    let booked = chat.wait_with_output().expect("chat ends");
    assert!(booked.status.success(), "{}", stderr(&booked));

    let taken = sandbox.run(&["backup", "copy.db"]);
    assert!(taken.status.success(), "{}", stderr(&taken));
    assert!(stdout(&taken).contains("copy.db"), "{}", stdout(&taken));
    assert!(!sandbox.dir.path().join("copy.db.partial").exists());

    let restored = |args: &[&str]| {
        sandbox
            .command()
            .args(args)
            .env("DATABASE_URL", "sqlite://copy.db")
            .output()
            .expect("runs on the copy")
    };
    let checked = restored(&["check"]);
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert!(
        stdout(&checked).starts_with("ok: 1 shops"),
        "{}",
        stdout(&checked)
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let payments_of_137 = |file: &str| {
        let url = format!("sqlite://{}", sandbox.dir.path().join(file).display());
        runtime.block_on(async {
            let pool = sqlx::SqlitePool::connect(&url).await.expect("open");
            let found: (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM ledger_entries WHERE amount_paise = -13700")
                    .fetch_one(&pool)
                    .await
                    .expect("count");
            pool.close().await;
            found.0
        })
    };
    assert_eq!(
        payments_of_137("copy.db"),
        1,
        "the payment booked before the backup is in the copy"
    );
    assert_eq!(payments_of_137("execora.db"), 1);

    let again = sandbox.run(&["backup", "copy.db"]);
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
}
