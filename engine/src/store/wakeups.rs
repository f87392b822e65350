//! Wakes the workers when a commit makes work ready: in process, and across processes on PostgreSQL (LISTEN/NOTIFY).
//!
//! Workers used to poll their queues every 200 ms, so a reply left 200–400 ms after its webhook
//! and every idle process queried the database several times a second. Now whoever commits
//! queued work calls [`Db::wake`](super::Db::wake) after the commit; a worker waits on a
//! [`Wakeup`] and looks again at once. A slow poll stays as the safety net (a wake-up lost to a
//! dropped LISTEN connection, work due later, another process on SQLite).
//!
//! A `watch` channel per kind of work carries a counter: a worker marks what it has seen before
//! it looks for work, so a commit between its look and its wait still wakes it, and any number
//! of workers of one kind can wait on it.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::{mpsc, watch};

/// The PostgreSQL channel every process listens on; the payload names the kind of work.
const CHANNEL: &str = "execora_work";
/// Notifications waiting to be sent before `wake` stops adding (they only hurry things up).
const PENDING_NOTIFICATIONS: usize = 1024;
/// Wait before listening again after the LISTEN connection failed to open.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

/// A kind of queued work that a commit can make ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Arrived messages for the inbound worker.
    Inbound,
    /// Replies for the sender.
    Outbound,
    /// Reminders (and other scheduled jobs) for their sender.
    Scheduled,
}

impl Work {
    const ALL: [Work; 3] = [Work::Inbound, Work::Outbound, Work::Scheduled];

    fn as_str(self) -> &'static str {
        match self {
            Work::Inbound => "inbound",
            Work::Outbound => "outbound",
            Work::Scheduled => "scheduled",
        }
    }

    fn parse(text: &str) -> Option<Work> {
        Work::ALL.into_iter().find(|work| work.as_str() == text)
    }

    fn index(self) -> usize {
        match self {
            Work::Inbound => 0,
            Work::Outbound => 1,
            Work::Scheduled => 2,
        }
    }
}

/// The process's wake-up channels, shared by every clone of a `Db`.
#[derive(Debug)]
pub(super) struct Wakeups {
    local: [watch::Sender<u64>; 3],
    /// PostgreSQL only: the URL to LISTEN on, and the queue of NOTIFYs to send.
    postgres: Option<Postgres>,
}

struct Postgres {
    /// Holds the password: never shown (see the `Debug` below).
    url: String,
    /// Signs this process's notifications, so it does not wake its own workers a second time
    /// for a commit they were already woken for (each extra wake-up is a claim query apiece).
    sender: String,
    notify: OnceLock<mpsc::Sender<Work>>,
    listening: OnceLock<tokio::task::AbortHandle>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("url", &super::redact(&self.url))
            .field("listening", &self.listening.get().is_some())
            .finish()
    }
}

impl Wakeups {
    pub(super) fn new(postgres_url: Option<String>) -> Arc<Wakeups> {
        Arc::new(Wakeups {
            local: [
                watch::Sender::new(0),
                watch::Sender::new(0),
                watch::Sender::new(0),
            ],
            postgres: postgres_url.map(|url| Postgres {
                url,
                sender: crate::claimants::Claimant::fresh().as_str().to_string(),
                notify: OnceLock::new(),
                listening: OnceLock::new(),
            }),
        })
    }

    fn wake_here(&self, work: Work) {
        self.local[work.index()].send_modify(|count| *count = count.wrapping_add(1));
    }

    /// Wakes this process's workers of `work` at once, and on PostgreSQL every other process's.
    pub(super) fn wake(&self, work: Work, pool: &sqlx::AnyPool) {
        self.wake_here(work);
        if let Some(postgres) = &self.postgres {
            let queue = postgres.notify.get_or_init(|| {
                let (queue, pending) = mpsc::channel(PENDING_NOTIFICATIONS);
                tokio::spawn(send_notifications(
                    pool.clone(),
                    postgres.sender.clone(),
                    pending,
                ));
                queue
            });
            // A full queue already holds wake-ups of every kind; dropping this one loses nothing.
            let _ = queue.try_send(work);
        }
    }

    /// Stops listening (the handle is being closed).
    pub(super) fn stop(&self) {
        if let Some(listening) = self.postgres.as_ref().and_then(|p| p.listening.get()) {
            listening.abort();
        }
    }

    /// A handle a worker waits on. On PostgreSQL the first one starts this process's LISTEN.
    pub(super) fn subscribe(self: &Arc<Self>, work: Work) -> Wakeup {
        if let Some(postgres) = &self.postgres {
            postgres.listening.get_or_init(|| {
                tokio::spawn(listen(
                    postgres.url.clone(),
                    postgres.sender.clone(),
                    Arc::downgrade(self),
                ))
                .abort_handle()
            });
        }
        Wakeup {
            changes: self.local[work.index()].subscribe(),
        }
    }
}

impl Drop for Wakeups {
    /// The last handle is gone without `Db::close`: the LISTEN connection goes with it.
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a worker waits on between looks at its queue.
#[derive(Debug)]
pub struct Wakeup {
    changes: watch::Receiver<u64>,
}

impl Wakeup {
    /// Marks every wake-up so far as seen. Call it before looking for work.
    pub fn seen(&mut self) {
        self.changes.borrow_and_update();
    }

    /// Returns when work was committed since [`Wakeup::seen`], or after `safety_poll`.
    pub async fn wait(&mut self, safety_poll: Duration) {
        tokio::select! {
            changed = self.changes.changed() => {
                if changed.is_err() {
                    // The database handle is gone; only the poll is left.
                    tokio::time::sleep(safety_poll).await;
                }
            }
            () = tokio::time::sleep(safety_poll) => {}
        }
    }
}

/// Sends one NOTIFY per kind of work for whatever queued up while the last one was sent.
async fn send_notifications(
    pool: sqlx::AnyPool,
    sender: String,
    mut pending: mpsc::Receiver<Work>,
) {
    let mut batch = Vec::new();
    while pending.recv_many(&mut batch, PENDING_NOTIFICATIONS).await > 0 {
        for work in Work::ALL {
            if !batch.contains(&work) {
                continue;
            }
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(notification(work, &sender))
                .execute(&pool)
                .await;
            // A pool closed by shutdown is no fault: the process is stopping.
            if let Err(error) = sent
                && !pool.is_closed()
            {
                tracing::warn!(%error, "could not notify other processes; they will poll");
            }
        }
        batch.clear();
    }
}

/// A notification's payload: the kind of work, then who sent it.
fn notification(work: Work, sender: &str) -> String {
    format!("{} {sender}", work.as_str())
}

/// The kind of work a notification names, and its sender when it says (an older process's
/// notification names only the work).
fn read_notification(payload: &str) -> Option<(Work, Option<&str>)> {
    let (work, sender) = match payload.split_once(' ') {
        Some((work, sender)) => (work, Some(sender)),
        None => (payload, None),
    };
    Some((Work::parse(work)?, sender))
}

/// Turns notifications from other processes into local wake-ups, for as long as the handle lives.
async fn listen(url: String, own: String, wakeups: std::sync::Weak<Wakeups>) {
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot LISTEN for work; polling until it can");
                tokio::time::sleep(RELISTEN_AFTER).await;
                if wakeups.strong_count() == 0 {
                    return;
                }
                continue;
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(%error, "cannot LISTEN for work; polling until it can");
            tokio::time::sleep(RELISTEN_AFTER).await;
            continue;
        }
        loop {
            // `recv` reconnects by itself after a lost connection; notifications sent meanwhile
            // are lost, and the safety poll finds their work.
            match listener.recv().await {
                Ok(notification) => {
                    let Some(wakeups) = wakeups.upgrade() else {
                        return;
                    };
                    match read_notification(notification.payload()) {
                        Some((_, sender)) if sender == Some(own.as_str()) => {}
                        Some((work, _)) => wakeups.wake_here(work),
                        None => {
                            for work in Work::ALL {
                                wakeups.wake_here(work);
                            }
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "LISTEN connection failed; listening again");
                    if wakeups.strong_count() == 0 {
                        return;
                    }
                    tokio::time::sleep(RELISTEN_AFTER).await;
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_names_its_work_and_sender_and_an_older_ones_only_its_work() {
        for work in Work::ALL {
            let payload = notification(work, "4242-0a1b");
            assert_eq!(read_notification(&payload), Some((work, Some("4242-0a1b"))));
            assert_eq!(read_notification(work.as_str()), Some((work, None)));
        }
        assert_eq!(read_notification("reminders 4242"), None);
        assert_eq!(read_notification(""), None);
    }
}
