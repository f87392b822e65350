//! `execora customer export` and `execora customer delete`: the operator's door onto a
//! customer's data rights, on the demo shop.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use execora_engine::store::Db;

use crate::{Sandbox, stderr, stdout};

const SHOP: &str = "919800000001";

fn export(sandbox: &Sandbox, customer: &str) -> serde_json::Value {
    let out = sandbox.run(&[
        "customer",
        "export",
        "--merchant",
        SHOP,
        "--customer",
        customer,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("one JSON document")
}

fn newest_code(sandbox: &Sandbox) -> String {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let url = format!(
            "sqlite://{}",
            sandbox.dir.path().join("execora.db").display()
        );
        let db = Db::connect(&url).await.expect("the sandbox database");
        let body: String = sqlx::query_scalar(
            "SELECT body FROM messages WHERE kind = 'login_code' AND peer = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(SHOP)
        .fetch_one(db.pool())
        .await
        .expect("a code in the owner's outbox");
        db.close().await;
        body[..6].to_string()
    })
}

#[test]
fn a_customer_is_exported_as_json_and_deleted_with_the_owners_code() {
    let sandbox = Sandbox::new();
    let demo = sandbox.run(&["demo"]);
    assert!(demo.status.success(), "{}", stderr(&demo));

    let data = export(&sandbox, "Suresh Patel");
    assert_eq!(data["format"], "execora-customer-export/1");
    assert_eq!(data["customer"]["name"], "Suresh Patel");
    assert_eq!(data["customer"]["phone"], "919876500003");
    let id = data["customer"]["id"].as_i64().expect("id");
    let balance = data["customer"]["balance_paise"].clone();
    let missing = sandbox.run(&[
        "customer",
        "export",
        "--merchant",
        SHOP,
        "--customer",
        "#999999",
    ]);
    assert!(!missing.status.success());

    let mut child = sandbox
        .command()
        .args([
            "customer",
            "delete",
            "--merchant",
            SHOP,
            "--customer",
            "Suresh Patel",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("execora runs");
    let mut errors = BufReader::new(child.stderr.take().expect("stderr"));
    let mut wait_for = |text: &str| {
        let mut line = String::new();
        loop {
            line.clear();
            let read = errors.read_line(&mut line).expect("read stderr");
            assert!(read > 0, "execora ended before saying '{text}'");
            if line.contains(text) {
                return line.clone();
            }
        }
    };
    let asked = wait_for("Type it");
    assert!(asked.contains(SHOP), "{asked}");
    let code = newest_code(&sandbox);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut input = child.stdin.take().expect("stdin");
    writeln!(input, "{wrong}").expect("type");
    wait_for("wrong code, 4 tries left");
    writeln!(input, "{code}").expect("type");
    let out = child.wait_with_output().expect("ends");
    assert!(out.status.success());
    assert!(
        stdout(&out).contains(&format!("customer {id} deleted")),
        "{}",
        stdout(&out)
    );

    let left = export(&sandbox, &format!("#{id}"));
    assert_eq!(left["customer"]["name"], format!("Deleted customer #{id}"));
    assert!(left["customer"]["phone"].is_null());
    assert!(left["customer"]["deleted_at"].is_i64());
    assert_eq!(left["customer"]["balance_paise"], balance);
    let check = sandbox.run(&["check"]);
    assert!(check.status.success(), "{}", stdout(&check));

    // Deleted once: asking again is refused before any code is sent.
    let again = sandbox.run(&[
        "customer",
        "delete",
        "--merchant",
        SHOP,
        "--customer",
        &format!("#{id}"),
    ]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already deleted"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn no_typed_code_deletes_nothing() {
    let sandbox = Sandbox::new();
    let demo = sandbox.run(&["demo"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let out = sandbox
        .command()
        .args([
            "customer",
            "delete",
            "--merchant",
            SHOP,
            "--customer",
            "Priya Singh",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("execora runs");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("was not deleted"), "{}", stderr(&out));
    assert_eq!(
        export(&sandbox, "Priya Singh")["customer"]["name"],
        "Priya Singh"
    );
}
