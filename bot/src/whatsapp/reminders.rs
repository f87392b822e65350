//! The reminder sender: takes each reminder when the service's clock reaches it and sends the
//! payment_reminder template with a pay link, at most once, or tells the merchant why not; and
//! books the shop-wide automatic reminders as they fall due.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use execora_engine::books::reminder_sends::SentLog;
use execora_engine::books::reminder_series;
use execora_engine::books::reminders::{self, Delivered, DueReminder};
use execora_engine::books::{Books, BooksError, MerchantId, PayLinkError, merchants};
use execora_engine::messages::{self, Delivery, NewOutbound};
use execora_engine::money::Paise;
use execora_engine::reply::{Outcome, ReminderReply, render};
use execora_engine::store::{Db, StoreError, Work};
use execora_engine::time::{Clock, to_millis};

use super::graph::{ErrorClass, GraphClient, GraphError, OutboundContent, Sent};
use super::outbound::{self, NumberThrottle};
use super::templates::{self, TemplateRef};

/// How often an idle reminder sender looks for due reminders (due times have second resolution);
/// a reminder booked as due at once wakes it (`Db::wake`).
const POLL: Duration = Duration::from_secs(1);
/// How often claims that were never finished are looked for, and the shop-wide automatic
/// reminders booked (their intervals are days).
const REVIEW_EVERY: Duration = Duration::from_secs(60);
/// A claim older than this was left by a sender that stopped: far longer than a Graph call may
/// take (15 s timeout), so a live send is never mistaken for one.
pub const STALE_AFTER_MS: i64 = 5 * 60 * 1000;
/// Tries before a reminder that keeps failing on passing errors is given up.
pub const MAX_ATTEMPTS: i64 = 6;

/// Why a reminder step could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum ReminderError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Books(#[from] BooksError),
    #[error(transparent)]
    PayLink(#[from] PayLinkError),
}

/// Where reminders go: WhatsApp through the Graph API, or the sandbox outbox.
#[derive(Clone)]
enum Channel {
    Live {
        graph: GraphClient,
        throttle: NumberThrottle,
    },
    Sandbox,
}

/// A reminder ready to go: what the template says and where it goes.
struct Ready {
    customer: String,
    amount: Paise,
    phone: String,
    template: TemplateRef,
    parameters: Vec<String>,
    token: String,
    logged: String,
    books: Books,
}

/// How many reminders one sender claims at most in one transaction.
const MAX_BATCH: usize = 64;

/// The reminders a sender sends at once unless told otherwise (`EXECORA_REMINDER_CONCURRENCY`).
pub const DEFAULT_CONCURRENCY: usize = 64;

/// Sends due reminders, up to `concurrency` at once.
#[derive(Clone)]
pub struct ReminderSender {
    db: Db,
    clock: Arc<dyn Clock>,
    channel: Channel,
    concurrency: usize,
    /// Finished sends are recorded together (one commit for the sends that finish at once).
    sent_log: SentLog,
}

/// Backoff before try `attempts + 1`, in ms: the outbox's (2^n s, 4^n s for a throttled
/// recipient, at most 10 min).
fn backoff(class: ErrorClass, attempts: i64) -> i64 {
    i64::try_from(outbound::backoff(&class, attempts).as_millis()).unwrap_or(600_000)
}

impl ReminderSender {
    /// A sender that puts reminders in the sandbox outbox (no WhatsApp credentials).
    pub fn sandbox(db: Db, clock: Arc<dyn Clock>) -> ReminderSender {
        ReminderSender {
            sent_log: SentLog::start(db.clone()),
            db,
            clock,
            channel: Channel::Sandbox,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// A sender through the Graph API, taking its sends from the number's `throttle` (shared
    /// with the reply sender).
    pub fn live(
        db: Db,
        clock: Arc<dyn Clock>,
        graph: GraphClient,
        throttle: NumberThrottle,
    ) -> ReminderSender {
        ReminderSender {
            sent_log: SentLog::start(db.clone()),
            db,
            clock,
            channel: Channel::Live { graph, throttle },
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// Sends up to `concurrency` reminders at once (at least one).
    pub fn with_concurrency(mut self, concurrency: usize) -> ReminderSender {
        self.concurrency = concurrency.max(1);
        self
    }

    fn now_ms(&self) -> i64 {
        to_millis(self.clock.now())
    }

    /// Marks reminders whose sender stopped mid-send `needs_review` (never resent) and tells
    /// their merchants; returns how many.
    pub async fn review_stale(&self) -> Result<usize, ReminderError> {
        let now = self.now_ms();
        let stale = reminders::review_stale(&self.db, now - STALE_AFTER_MS, now).await?;
        for (key, customer) in &stale {
            tracing::warn!(reminder = %key, "a reminder's send was never confirmed; marked for the merchant's review, not resent");
            let books = Books::open(self.db.clone(), key.merchant, self.clock.clone()).await?;
            let customer = books.customer(*customer).await?.name;
            self.tell_merchant(&books, &Outcome::ReminderNeedsReview { customer })
                .await?;
        }
        Ok(stale.len())
    }

    /// Books the shop-wide automatic reminders that are due (`merchant_settings.auto_reminder_days`);
    /// returns how many.
    pub async fn book_shop_rounds(&self) -> Result<usize, ReminderError> {
        let booked = reminder_series::book_shop_rounds(&self.db, self.now_ms()).await?;
        if booked > 0 {
            tracing::info!(booked, "shop-wide automatic reminders booked");
        }
        Ok(booked)
    }

    /// Sends the reminder that fell due first (one the shop's policy lets go now); `false` when
    /// none was due.
    pub async fn send_next(&self) -> Result<bool, ReminderError> {
        if reminders::due_count(&self.db, self.now_ms(), 1).await? == 0 {
            return Ok(false);
        }
        self.take_sends(1).await;
        let claimed = reminders::claim_batch(&self.db, self.now_ms(), 1).await?;
        let found = claimed.found_any();
        for due in claimed.due {
            self.send_claimed(&due, None).await?;
        }
        Ok(found)
    }

    /// Waits until the number's throughput lets one reminder go, and takes up to `most` that
    /// may go now. Taken before the claim, so a claimed reminder is sent at once: a reminder
    /// stays `sending` (and after a crash, for review) only as long as its call to WhatsApp.
    async fn take_sends(&self, most: usize) -> usize {
        match &self.channel {
            Channel::Live { throttle, .. } => throttle.take(most).await,
            Channel::Sandbox => most,
        }
    }

    /// Sends a reminder this sender claimed, or finishes it without sending (settled, no phone);
    /// an error of ours before WhatsApp is called puts it back for later.
    /// `books`: the shop's, when the batch opened them already.
    async fn send_claimed(
        &self,
        due: &DueReminder,
        books: Option<Books>,
    ) -> Result<(), ReminderError> {
        match self.prepare(due, books).await {
            Ok(Some(ready)) => self.deliver(due, ready).await,
            Ok(None) => Ok(()),
            Err(error) => {
                // WhatsApp was not called: the reminder can safely be due again later.
                let now = self.now_ms();
                let retry_at = now + backoff(ErrorClass::Retry, due.attempts);
                if let Err(put_back) = reminders::retry_later(
                    &self.db,
                    due.key,
                    retry_at,
                    None,
                    &error.to_string(),
                    now,
                )
                .await
                {
                    tracing::error!(reminder = %due.key, error = %put_back, "could not put a reminder back; it will be reviewed");
                }
                Err(error)
            }
        }
    }

    /// Everything before WhatsApp is called: the balance, the phone, the pay link. `None` when
    /// the reminder was finished here (settled, or no phone).
    async fn prepare(
        &self,
        due: &DueReminder,
        books: Option<Books>,
    ) -> Result<Option<Ready>, ReminderError> {
        // The shop's policy (quiet hours, once a day, the daily cap) was decided by the claim.
        let books = match books {
            Some(books) => books,
            None => Books::open(self.db.clone(), due.key.merchant, self.clock.clone()).await?,
        };
        let customer = match &due.customer_now {
            Some(customer) if customer.id == due.customer => customer.clone(),
            _ => books.customer(due.customer).await?,
        };
        // The balance at sending time (the claim's read, just before) decides: nothing owed, nothing sent; never more than owed.
        if customer.balance <= Paise::ZERO {
            if reminders::mark_settled(&self.db, due.key, self.now_ms()).await? {
                // Told once: only the claim that settled it gets here.
                let outcome = if reminder_series::ended_paid(&self.db, due.key).await? {
                    Outcome::Reminders(ReminderReply::PaidUp {
                        customer: customer.name,
                    })
                } else {
                    Outcome::ReminderSettled {
                        customer: customer.name,
                    }
                };
                self.tell_merchant(&books, &outcome).await?;
            }
            return Ok(None);
        }
        let amount = due
            .amount
            .map_or(customer.balance, |asked| asked.min(customer.balance));
        let Some(phone) = customer.phone.clone() else {
            if reminders::mark_failed(
                &self.db,
                due.key,
                None,
                "the customer has no phone number",
                self.now_ms(),
            )
            .await?
            {
                self.tell_merchant(
                    &books,
                    &Outcome::ReminderNoPhone {
                        customer: customer.name,
                    },
                )
                .await?;
            }
            return Ok(None);
        };
        let merchant = books.merchant();
        let template = templates::payment_reminder(merchant.locale);
        let parameters = templates::reminder_parameters(&customer.name, &merchant.name, amount);
        // Issued with the claim, in its transaction; only a claim that could not issue it
        // leaves it to the send.
        let link = match &due.pay_link {
            Some(link) if link.customer == customer.id => link.clone(),
            _ => books.issue_pay_link(customer.id).await?,
        };
        // The log shows what was asked, never the token: a copy of the database opens no page.
        let logged = format!("{}: {}", template.name, parameters.join(" | "));
        Ok(Some(Ready {
            customer: customer.name,
            amount,
            phone: phone.as_str().to_string(),
            template,
            parameters,
            token: link.token.as_str().to_string(),
            logged,
            books,
        }))
    }

    /// Calls WhatsApp (or fills the sandbox outbox) and records what came of it.
    async fn deliver(&self, due: &DueReminder, ready: Ready) -> Result<(), ReminderError> {
        let Ready {
            customer,
            amount,
            phone,
            template,
            parameters,
            token,
            logged,
            books,
        } = ready;
        let peer = phone.as_str();
        match &self.channel {
            Channel::Sandbox => {
                self.sent_log
                    .mark_sent(
                        due.key,
                        &Delivered {
                            amount,
                            wamid: None,
                            peer,
                            body: &logged,
                        },
                        self.now_ms(),
                    )
                    .await?;
            }
            Channel::Live { graph, throttle } => {
                let content = |template: TemplateRef| OutboundContent::Template {
                    name: template.name.to_string(),
                    language: template.language.to_string(),
                    body_parameters: parameters.clone(),
                    quick_reply_payloads: Vec::new(),
                    url_button: Some(token.clone()),
                };
                let callback = due.key.to_string();
                // This send's turn in the number's throughput was taken before the claim.
                let mut result = graph.send_tagged(peer, &content(template), &callback).await;
                // A Hinglish template not (yet) approved: Meta refused it, nothing went out,
                // so the English one of the same parameters can go at once.
                if let (Err(GraphError::Api { code: 132001, .. }), Some(fallback)) =
                    (&result, templates::fallback(template))
                {
                    tracing::info!(
                        template = template.name,
                        fallback = fallback.name,
                        "template not available; sending the fallback"
                    );
                    throttle.until_ready().await;
                    result = graph.send_tagged(peer, &content(fallback), &callback).await;
                }
                self.finish_live(due, &books, &customer, amount, peer, &logged, result)
                    .await?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn finish_live(
        &self,
        due: &DueReminder,
        books: &Books,
        customer: &str,
        amount: Paise,
        peer: &str,
        logged: &str,
        result: Result<Sent, GraphError>,
    ) -> Result<(), ReminderError> {
        let now = self.now_ms();
        let error = match result {
            Ok(sent) => {
                self.sent_log
                    .mark_sent(
                        due.key,
                        &Delivered {
                            amount,
                            wamid: Some(&sent.wamid),
                            peer,
                            body: logged,
                        },
                        now,
                    )
                    .await?;
                return Ok(());
            }
            Err(error) => error,
        };
        let detail = error.to_string();
        if !error.proves_nothing_sent() {
            // Meta may have taken it: never sent again on our own. A status webhook carrying
            // the reminder's key will still say what happened.
            tracing::error!(reminder = %due.key, %error, "reminder send outcome unknown; marked for review");
            if reminders::mark_needs_review(&self.db, due.key, &detail, now).await? {
                self.tell_merchant(
                    books,
                    &Outcome::ReminderNeedsReview {
                        customer: customer.to_string(),
                    },
                )
                .await?;
            }
            return Ok(());
        }
        let class = error.class();
        match class {
            ErrorClass::Retry | ErrorClass::RecipientThrottled if due.attempts < MAX_ATTEMPTS => {
                let retry_at = now + backoff(class, due.attempts);
                tracing::warn!(reminder = %due.key, %error, attempts = due.attempts, "reminder not sent; will try again");
                reminders::retry_later(&self.db, due.key, retry_at, error.code(), &detail, now)
                    .await?;
            }
            _ => {
                tracing::error!(reminder = %due.key, %error, class = ?class, "reminder refused for good");
                reminders::mark_failed(&self.db, due.key, error.code(), &detail, now).await?;
            }
        }
        Ok(())
    }

    /// A text to the shop's owner, through the outbox (the sender or the sandbox takes it).
    async fn tell_merchant(&self, books: &Books, outcome: &Outcome) -> Result<(), ReminderError> {
        let Some(owner) = merchants::owner_phone(&self.db, books.merchant_id()).await? else {
            tracing::warn!(merchant = %books.merchant_id(), "shop has no owner phone to tell");
            return Ok(());
        };
        let text = render(outcome, books.merchant().locale).text;
        let status = match self.channel {
            Channel::Live { .. } => Delivery::Queued,
            Channel::Sandbox => Delivery::Sandbox,
        };
        messages::record_outbound(
            &self.db,
            &NewOutbound {
                merchant: Some(books.merchant_id()),
                peer: owner.as_str(),
                kind: "text",
                body: &text,
                in_reply_to: None,
                options: None,
                status,
                at: self.now_ms(),
            },
        )
        .await?;
        Ok(())
    }

    /// Works until `shutdown` completes: first marks claims left by a stopped sender, then
    /// sends what falls due, up to `concurrency` reminders at once, each claimed only when the
    /// number's throughput lets it go; looks again every second when idle. On shutdown the
    /// sends under way are finished (they are claimed: cut, they would go to review).
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut review = tokio::time::interval(REVIEW_EVERY);
        let mut scheduled = self.db.wakeup(Work::Scheduled);
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let mut sends = JoinSet::new();
        loop {
            while let Some(done) = sends.try_join_next() {
                if let Err(error) = done {
                    tracing::error!(%error, "a reminder send stopped");
                }
            }
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                _ = review.tick() => {
                    if let Err(error) = self.review_stale().await {
                        tracing::error!(%error, "could not review unconfirmed reminders");
                    }
                    if let Err(error) = self.book_shop_rounds().await {
                        tracing::error!(%error, "could not book the shop-wide automatic reminders");
                    }
                    continue;
                }
                () = std::future::ready(()) => {}
            }
            scheduled.seen();
            // A free slot first, then as many more as are free, up to a batch.
            let first = tokio::select! {
                () = &mut shutdown => break,
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
            };
            let mut free = vec![first];
            while free.len() < MAX_BATCH.min(self.concurrency) {
                match slots.clone().try_acquire_owned() {
                    Ok(slot) => free.push(slot),
                    Err(_) => break,
                }
            }
            // Only what is due takes from the number's throughput: an idle poll must not spend
            // the budget the replies share.
            let due = match reminders::due_count(&self.db, self.now_ms(), free.len()).await {
                Ok(due) => due,
                Err(error) => {
                    tracing::error!(%error, "due reminders could not be counted");
                    0
                }
            };
            if due == 0 {
                drop(free);
                tokio::select! {
                    () = &mut shutdown => break,
                    () = scheduled.wait(POLL) => {}
                }
                continue;
            }
            free.truncate(due);
            let may_go = tokio::select! {
                () = &mut shutdown => break,
                taken = self.take_sends(free.len()) => taken,
            };
            free.truncate(may_go);
            let idle = match reminders::claim_batch(&self.db, self.now_ms(), free.len()).await {
                Ok(claimed) => {
                    let idle = !claimed.found_any();
                    // Each shop's books from the claim's read of it, once for the batch.
                    let mut shops: std::collections::HashMap<MerchantId, Books> = claimed
                        .shops
                        .into_iter()
                        .map(|(id, shop)| {
                            (
                                id,
                                Books::of_shop(self.db.clone(), shop, self.clock.clone()),
                            )
                        })
                        .collect();
                    for (due, slot) in claimed.due.into_iter().zip(free) {
                        let books = match shops.get(&due.key.merchant) {
                            Some(books) => Some(books.clone()),
                            None => match Books::open(
                                self.db.clone(),
                                due.key.merchant,
                                self.clock.clone(),
                            )
                            .await
                            {
                                Ok(books) => {
                                    shops.insert(due.key.merchant, books.clone());
                                    Some(books)
                                }
                                // The send opens them itself, and puts the reminder back if it
                                // cannot either.
                                Err(_) => None,
                            },
                        };
                        let sender = self.clone();
                        sends.spawn(async move {
                            if let Err(error) = sender.send_claimed(&due, books).await {
                                tracing::error!(reminder = %due.key, %error, "reminder could not be sent or stored");
                            }
                            drop(slot);
                        });
                    }
                    idle
                }
                Err(error) => {
                    tracing::error!(%error, "due reminders could not be claimed");
                    true
                }
            };
            if idle {
                tokio::select! {
                    () = &mut shutdown => break,
                    () = scheduled.wait(POLL) => {}
                }
            }
        }
        while let Some(done) = sends.join_next().await {
            if let Err(error) = done {
                tracing::error!(%error, "a reminder send stopped");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(ErrorClass::Retry, 1), 1000);
        assert_eq!(backoff(ErrorClass::Retry, 3), 4000);
        assert_eq!(backoff(ErrorClass::RecipientThrottled, 3), 16_000);
        assert_eq!(backoff(ErrorClass::Retry, 50), 512_000);
        assert_eq!(backoff(ErrorClass::RecipientThrottled, 50), 600_000);
    }
}
