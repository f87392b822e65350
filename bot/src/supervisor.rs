//! Runs the background workers, restarts one that panicked or returned, and knows which are up.
//!
//! Written by hand rather than with a supervision crate (task-supervisor, tokio-graceful-shutdown):
//! what we need is one loop per worker around `tokio::spawn` — a `JoinError` is the panic — and
//! a shared table of who is up for `/readyz`; those crates bring their own shutdown and
//! subsystem model that the service's one shutdown signal would have to be adapted to.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use execora_engine::store::Wakeup;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A future that completes when the service stops; each run of a worker gets a fresh one.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// One run of a worker, until the shutdown it is given completes (or it fails).
pub type WorkerRun = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Starts a worker afresh: called once at start and again after each failure.
pub type WorkerFactory = Box<dyn Fn(Shutdown) -> WorkerRun + Send + Sync + 'static>;

/// Runs `count` lanes of one worker side by side (each from `lane`, given the signal to stop
/// between items) until `shutdown` completes or a lane panics, then tells every lane to stop and
/// waits for each to finish what it holds. Returns the first panic, for the caller to resume once
/// it has tidied up (a panic ends the run, and the supervisor starts the worker again).
pub async fn run_lanes<Lane, Run>(
    count: usize,
    lane: Lane,
    shutdown: impl Future<Output = ()>,
) -> Option<Box<dyn std::any::Any + Send>>
where
    Lane: Fn(watch::Receiver<bool>) -> Run,
    Run: Future<Output = ()> + Send + 'static,
{
    let (stop_lanes, lanes_stopped) = watch::channel(false);
    let mut lanes = tokio::task::JoinSet::new();
    for _ in 0..count.max(1) {
        lanes.spawn(lane(lanes_stopped.clone()));
    }
    tokio::pin!(shutdown);
    let mut panicked = None;
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            joined = lanes.join_next() => match joined {
                Some(Err(error)) if error.is_panic() => {
                    panicked = Some(error.into_panic());
                    break;
                }
                Some(_) => continue,
                None => break,
            },
        }
    }
    let _ = stop_lanes.send(true);
    while let Some(joined) = lanes.join_next().await {
        if let Err(error) = joined
            && error.is_panic()
        {
            panicked.get_or_insert(error.into_panic());
        }
    }
    panicked
}

/// How a worker's idle lanes wait for work: one listens for commits, the rest wait to be called
/// in by a lane that found work (a backlog fills every lane one by one). Woken all together,
/// every idle lane ran its claim on every commit: on PostgreSQL that made each reply slower
/// (the sender's p99 went from 35 ms with one lane to 90 ms with eight woken at once).
#[derive(Clone, Default)]
pub struct IdleLanes {
    listening: Arc<tokio::sync::Mutex<()>>,
    more: Arc<tokio::sync::Notify>,
}

impl IdleLanes {
    /// Called by a lane that found work: there may be more, so one more lane comes in.
    pub fn found_work(&self) {
        self.more.notify_one();
    }

    /// Waits, when a lane found nothing, until it should look again: a commit (if no other
    /// lane listens for them), a call from a lane that found work, `safety_poll`, or `stopped`.
    pub async fn wait(
        &self,
        commits: &mut Wakeup,
        stopped: &mut watch::Receiver<bool>,
        safety_poll: Duration,
    ) {
        match self.listening.try_lock() {
            Ok(_listener) => {
                tokio::select! {
                    _ = stopped.wait_for(|stop| *stop) => {}
                    () = commits.wait(safety_poll) => {}
                }
            }
            Err(_) => {
                tokio::select! {
                    _ = stopped.wait_for(|stop| *stop) => {}
                    () = self.more.notified() => {}
                    () = tokio::time::sleep(safety_poll) => {}
                }
            }
        }
    }
}

/// Waits between restarts of a failing worker: `first`, doubling, at most `max`. A worker that
/// ran for `max` before it failed starts again from `first`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The wait after the `failures`-th failure in a row (1-based).
    pub fn delay(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.first.saturating_mul(1u32 << doublings).min(self.max)
    }
}

/// Which workers are running; shared with `/readyz`.
#[derive(Debug, Clone, Default)]
pub struct WorkerHealth {
    up: Arc<Mutex<BTreeMap<&'static str, bool>>>,
}

impl WorkerHealth {
    fn set(&self, name: &'static str, up: bool) {
        // A poisoned lock only means a thread panicked while holding it; the map is still whole.
        let mut table = self.up.lock().unwrap_or_else(|p| p.into_inner());
        table.insert(name, up);
    }

    /// The workers that are down (waiting to be restarted), by name; empty when all are up.
    pub fn down(&self) -> Vec<&'static str> {
        let table = self.up.lock().unwrap_or_else(|p| p.into_inner());
        table
            .iter()
            .filter(|(_, up)| !**up)
            .map(|(name, _)| *name)
            .collect()
    }

    /// The supervised workers, by name.
    pub fn names(&self) -> Vec<&'static str> {
        let table = self.up.lock().unwrap_or_else(|p| p.into_inner());
        table.keys().copied().collect()
    }
}

/// The background workers of one service, with one stop signal.
pub struct Supervisor {
    health: WorkerHealth,
    backoff: Backoff,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Default for Supervisor {
    fn default() -> Supervisor {
        Supervisor::new(Backoff::default())
    }
}

impl Supervisor {
    pub fn new(backoff: Backoff) -> Supervisor {
        Supervisor {
            health: WorkerHealth::default(),
            backoff,
            stop: watch::channel(false).0,
            tasks: Vec::new(),
        }
    }

    pub fn health(&self) -> WorkerHealth {
        self.health.clone()
    }

    /// Runs `worker` under supervision from now until [`Supervisor::stop`].
    pub fn spawn(&mut self, name: &'static str, worker: WorkerFactory) {
        self.health.set(name, true);
        let task = supervise(
            name,
            worker,
            self.health.clone(),
            self.backoff,
            self.stop.subscribe(),
        );
        self.tasks.push(tokio::spawn(task));
    }

    /// Tells every worker to stop between two pieces of work and waits until they have.
    pub async fn stop(self) {
        self.stop.send_replace(true);
        for task in self.tasks {
            if let Err(error) = task.await {
                tracing::error!(%error, "a worker supervisor ended abnormally");
            }
        }
    }
}

/// Completes once `stop` says so (or its sender is gone).
fn stopped(mut stop: watch::Receiver<bool>) -> Shutdown {
    Box::pin(async move {
        let _ = stop.wait_for(|stop| *stop).await;
    })
}

async fn supervise(
    name: &'static str,
    worker: WorkerFactory,
    health: WorkerHealth,
    backoff: Backoff,
    mut stop: watch::Receiver<bool>,
) {
    let mut failures: u32 = 0;
    loop {
        let started = tokio::time::Instant::now();
        health.set(name, true);
        let outcome = tokio::spawn(worker(stopped(stop.clone()))).await;
        if *stop.borrow() {
            return;
        }
        health.set(name, false);
        if started.elapsed() >= backoff.max {
            failures = 0;
        }
        failures = failures.saturating_add(1);
        let delay = backoff.delay(failures);
        match outcome {
            Err(error) if error.is_panic() => {
                let panic = error.into_panic();
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into());
                tracing::error!(worker = name, failures, restart_in = ?delay, panic = %message, "worker panicked; restarting it");
            }
            Err(error) => {
                tracing::error!(worker = name, failures, restart_in = ?delay, %error, "worker was cancelled; restarting it");
            }
            Ok(()) => {
                tracing::error!(worker = name, failures, restart_in = ?delay, "worker returned while the service runs; restarting it");
            }
        }
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => return,
            () = tokio::time::sleep(delay) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[test]
    fn backoff_doubles_from_the_first_wait_and_is_capped() {
        let backoff = Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(60),
        };
        assert_eq!(backoff.delay(1), Duration::from_millis(500));
        assert_eq!(backoff.delay(2), Duration::from_secs(1));
        assert_eq!(backoff.delay(4), Duration::from_secs(4));
        assert_eq!(backoff.delay(8), Duration::from_secs(60));
        assert_eq!(backoff.delay(u32::MAX), Duration::from_secs(60));
    }

    /// Lets the supervisor's tasks run until they wait on time again (time is paused).
    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_worker_that_panics_is_restarted_and_readiness_follows_it() {
        let runs = Arc::new(AtomicU32::new(0));
        let mut supervisor = Supervisor::new(Backoff {
            first: Duration::from_secs(1),
            max: Duration::from_secs(8),
        });
        let counted = runs.clone();
        supervisor.spawn(
            "panicky",
            Box::new(move |shutdown| {
                let run = counted.fetch_add(1, Ordering::SeqCst) + 1;
                Box::pin(async move {
                    if run <= 2 {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        panic!("run {run} breaks");
                    }
                    shutdown.await;
                })
            }),
        );
        let health = supervisor.health();
        settle().await;
        assert_eq!(health.down(), Vec::<&str>::new(), "up at start");
        tokio::time::advance(Duration::from_millis(10)).await;
        settle().await;
        assert_eq!(health.down(), vec!["panicky"], "down after the panic");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(1)).await;
        settle().await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            2,
            "restarted after the first wait"
        );
        assert_eq!(health.down(), Vec::<&str>::new());
        tokio::time::advance(Duration::from_millis(10)).await;
        settle().await;
        assert_eq!(
            health.down(),
            vec!["panicky"],
            "down again after the second panic"
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        settle().await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            2,
            "the second wait is twice the first"
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        settle().await;
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        assert_eq!(health.down(), Vec::<&str>::new(), "up again");
        supervisor.stop().await;
        assert_eq!(runs.load(Ordering::SeqCst), 3, "stopping restarts nothing");
    }

    #[tokio::test(start_paused = true)]
    async fn a_worker_that_returns_is_restarted() {
        let runs = Arc::new(AtomicU32::new(0));
        let mut supervisor = Supervisor::new(Backoff {
            first: Duration::from_secs(2),
            max: Duration::from_secs(60),
        });
        let counted = runs.clone();
        supervisor.spawn(
            "quitter",
            Box::new(move |shutdown| {
                let run = counted.fetch_add(1, Ordering::SeqCst) + 1;
                Box::pin(async move {
                    if run == 1 {
                        return;
                    }
                    shutdown.await;
                })
            }),
        );
        let health = supervisor.health();
        settle().await;
        assert_eq!(health.down(), vec!["quitter"]);
        tokio::time::advance(Duration::from_secs(2)).await;
        settle().await;
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(health.down(), Vec::<&str>::new());
        supervisor.stop().await;
    }
}
