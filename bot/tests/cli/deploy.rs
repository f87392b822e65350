//! What an operator deploys: `fly.toml` and the Dockerfile agree with the service's own
//! configuration, and the container's health check (`execora healthcheck`) tells a live service
//! from a dead one.

use std::collections::HashMap;

use execora_bot::config::{Config, Env};

use crate::{KillOnDrop, Sandbox, start_server, stderr, stdout};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

struct Vars(HashMap<String, String>);

impl Env for Vars {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

fn read(file: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{file}")).expect("file at the top level")
}

/// The instructions of the Dockerfile's last stage, continuations joined, comments dropped.
fn runtime_stage(dockerfile: &str) -> Vec<String> {
    let joined = dockerfile.replace("\\\n", " ");
    let lines: Vec<&str> = joined.lines().collect();
    let last_from = lines
        .iter()
        .rposition(|line| line.starts_with("FROM "))
        .expect("a FROM");
    lines
        .iter()
        .skip(last_from)
        .filter(|line| !line.trim_start().starts_with('#') && !line.trim().is_empty())
        .map(|line| line.to_string())
        .collect()
}

#[test]
fn fly_toml_runs_migrations_once_serves_on_port_and_checks_health() {
    let fly: toml::Table = read("fly.toml").parse().expect("fly.toml is TOML");
    assert_eq!(
        fly["deploy"]["release_command"].as_str(),
        Some("execora migrate")
    );
    let env = fly["env"].as_table().expect("[env]");
    assert_eq!(
        env["EXECORA_AUTO_MIGRATE"].as_str(),
        Some("false"),
        "machines never migrate: the release command does, once"
    );
    let vars = Vars(
        env.iter()
            .map(|(name, value)| {
                (
                    name.clone(),
                    value.as_str().expect("env values are strings").to_string(),
                )
            })
            .collect(),
    );
    let config = Config::from_env(&vars).expect("the service accepts fly.toml's settings");
    let service = fly["http_service"].as_table().expect("[http_service]");
    assert_eq!(
        service["internal_port"].as_integer(),
        Some(i64::from(config.port))
    );
    let checks = service["checks"].as_array().expect("health checks");
    let paths: Vec<&str> = checks.iter().filter_map(|c| c["path"].as_str()).collect();
    assert!(paths.contains(&"/healthz"), "{paths:?}");
    let mounts = fly["mounts"].as_array().expect("a volume");
    let volume = mounts[0]["destination"].as_str().expect("destination");
    assert!(
        config.database_url.contains(&format!("{volume}/")),
        "the SQLite default lives on the volume: {:?}",
        config.database_url
    );
    assert_eq!(fly["build"]["dockerfile"].as_str(), Some("Dockerfile"));
    assert_eq!(
        fly["metrics"]["port"].as_integer(),
        config.metrics_port.map(i64::from),
        "Fly scrapes the port the service serves /metrics on"
    );
}

/// Every metric the dashboard and the alert rules query is one the service records.
#[test]
fn the_dashboard_and_alerts_query_metrics_the_service_records() {
    let recorded: Vec<&str> = [
        execora_bot::metrics::HTTP_SECONDS,
        execora_bot::metrics::WEBHOOK,
        execora_bot::metrics::SENT,
        execora_bot::metrics::QUEUE_DEPTH,
        execora_bot::metrics::QUEUE_AGE,
        execora_bot::metrics::DEAD,
        execora_engine::metrics::PROVIDER_SECONDS,
        execora_engine::metrics::PROVIDER_ERRORS,
        execora_engine::metrics::BREAKER_OPEN,
        execora_engine::metrics::PARSES,
        execora_engine::metrics::REMINDERS,
    ]
    .into();
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("deploy/grafana-dashboard.json")).expect("dashboard is JSON");
    let mut queries: Vec<String> = dashboard["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .flat_map(|panel| panel["targets"].as_array().cloned().unwrap_or_default())
        .filter_map(|target| target["expr"].as_str().map(str::to_string))
        .collect();
    assert!(queries.len() >= 10, "{queries:?}");
    queries.extend(
        read("deploy/alerts.yml")
            .lines()
            .filter_map(|line| line.trim().strip_prefix("expr:").map(str::to_string)),
    );
    for query in &queries {
        for word in query.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if let Some(name) = word.strip_prefix("execora_") {
                let base = ["_bucket", "_count", "_sum"]
                    .iter()
                    .find_map(|suffix| name.strip_suffix(suffix))
                    .unwrap_or(name);
                assert!(
                    recorded.contains(&format!("execora_{base}").as_str()),
                    "{word} in '{query}' is not a metric the service records"
                );
            }
        }
    }
}

#[test]
fn the_dockerfile_runs_as_a_non_root_user_with_a_health_check_on_the_service_port() {
    let dockerfile = read("Dockerfile");
    let stages = dockerfile
        .lines()
        .filter(|line| line.starts_with("FROM "))
        .count();
    assert!(stages >= 2, "multi-stage");
    assert!(
        dockerfile.contains("cargo chef cook"),
        "dependencies in a cached layer"
    );
    let runtime = runtime_stage(&dockerfile);
    let user = runtime
        .iter()
        .find_map(|line| line.strip_prefix("USER "))
        .expect("a USER");
    assert!(user.trim() != "root" && user.trim() != "0", "{user}");
    assert!(
        runtime.iter().any(|line| line.contains("ca-certificates")),
        "CA certificates for the Graph API"
    );
    assert!(
        runtime
            .iter()
            .any(|line| line.starts_with("HEALTHCHECK") && line.contains("\"healthcheck\"")),
        "{runtime:?}"
    );
    let mut vars = HashMap::new();
    for line in runtime.iter().filter_map(|line| line.strip_prefix("ENV ")) {
        for pair in line.split_whitespace() {
            if let Some((name, value)) = pair.split_once('=') {
                vars.insert(name.to_string(), value.to_string());
            }
        }
    }
    let config = Config::from_env(&Vars(vars)).expect("the service accepts the image's settings");
    assert!(
        runtime
            .iter()
            .any(|line| line.starts_with(&format!("EXPOSE {}", config.port))),
        "{runtime:?}"
    );
}

#[test]
fn healthcheck_passes_against_a_live_service_and_fails_without_one() {
    let sandbox = Sandbox::new();
    let server = start_server(&sandbox, &[]);
    let port = server.base.rsplit(':').next().expect("a port").to_string();
    let healthy = sandbox
        .command()
        .args(["healthcheck"])
        .env("PORT", &port)
        .output()
        .expect("runs");
    assert!(healthy.status.success(), "{}", stderr(&healthy));
    assert!(stdout(&healthy).contains("healthy"), "{}", stdout(&healthy));
    drop(server);
    let dead = sandbox
        .command()
        .args(["healthcheck"])
        .env("PORT", &port)
        .output()
        .expect("runs");
    assert!(!dead.status.success(), "nothing listens any more");
    assert!(stderr(&dead).contains("/healthz"), "{}", stderr(&dead));
}

#[test]
fn sigterm_stops_the_service_cleanly_with_exit_status_zero() {
    let sandbox = Sandbox::new();
    let log_path = sandbox.dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let child = sandbox
        .command()
        .args(["serve", "--demo"])
        .env("PORT", "0")
        .env("EXECORA_SHUTDOWN_SECONDS", "5")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("serve starts");
    // Killed if the test fails before SIGTERM has stopped it.
    let mut child = KillOnDrop(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !std::fs::read_to_string(&log_path)
        .unwrap_or_default()
        .contains("listening on")
    {
        assert!(std::time::Instant::now() < deadline, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(signalled.success());
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "SIGTERM did not stop the service"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let text = std::fs::read_to_string(&log_path).expect("log");
    assert!(status.success(), "exit status {status}: {text}");
    assert!(
        text.contains("shutting down") && text.contains("stopped"),
        "{text}"
    );
    let checked = sandbox.run(&["check"]);
    assert!(checked.status.success(), "{}", stderr(&checked));
}
