//! The inbound worker: claims stored messages, answers them through the engine's pipeline, and
//! puts the reply in the outbox (`sandbox` without WhatsApp credentials, `queued` for the sender).

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

use execora_engine::books::reminders::CustomerReply as ReminderReply;
use execora_engine::books::{Books, BooksError, MerchantId, Source, merchants};
use execora_engine::claimants::{self, Claimant, SIGN_OF_LIFE_EVERY};
use execora_engine::dialog::Input;
use execora_engine::messages::{
    self, Claimed, Delivery, Finish, MessageId, NewOutbound, StoredMessage,
};
use execora_engine::onboarding::{self, CustomerThread, SignupDefaults, SignupStep};
use execora_engine::phone::Phone;
use execora_engine::pipeline::{Message, Pipeline};
use execora_engine::reply::{Locale, Outcome, Reply, render};
use execora_engine::store::{Db, StoreError, Work};

use super::graph::GraphClient;
use super::voice::{Heard, Listener};
use crate::supervisor::IdleLanes;

/// How often an idle worker looks for work it was not woken for (deferred messages falling due,
/// another process's arrivals on SQLite): arrivals wake it at once (`Db::wake`).
const SAFETY_POLL: Duration = Duration::from_secs(2);
/// Messages in work at once per process, unless configured otherwise: most of a message's time
/// is spent waiting (the writer's turns, speech-to-text, the language model), not computing.
/// Since a claim is one statement (no lane loses a claim to another), lanes scale: on SQLite 4
/// answered about 100 messages a second under the soak's 500 a second, 32 about 250
/// (docs/PERFORMANCE.md, "More lanes, lazy commits").
pub const DEFAULT_CONCURRENCY: usize = 32;
/// On PostgreSQL, where every process adds its own: two processes of 16 answered about 220 a
/// second in the same soak, of 4 about 145.
pub const DEFAULT_CONCURRENCY_POSTGRES: usize = 16;
/// Tries a message gets before it is given up on (`dead`), unless configured otherwise: a voice
/// note costs a speech-to-text call each time, so nothing is retried forever.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// The wait before the second try; it doubles with each try after, up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_secs(30);
const RETRY_MAX: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Books(#[from] BooksError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How much of a customer's message is passed on to the shop owner.
const FORWARDED_CHARS: usize = 500;
/// A customer is thanked for writing at most this often.
const ACKNOWLEDGE_EVERY: Duration = Duration::from_secs(6 * 3600);

/// A reply decided on, before it is stored.
struct PlannedReply {
    merchant: Option<MerchantId>,
    peer: String,
    kind: &'static str,
    text: String,
    options: Option<String>,
}

/// What handling an inbound message comes to: its final status, its shop, and the replies.
struct Plan {
    status: Delivery,
    merchant: Option<MerchantId>,
    replies: Vec<PlannedReply>,
    /// A shop's customer wrote: the reminder it answers gets it on its timeline once the
    /// message is the shop's.
    customer_reply: Option<CustomerReply>,
}

/// A customer's message, for the timeline of the reminder it answers.
struct CustomerReply {
    merchant: MerchantId,
    phone: String,
    text: String,
}

impl Plan {
    /// One text reply (with a question's options as buttons) to the sender; `merchant` is the
    /// shop it is sent for, if any. The sender's phone is filled in by `handle`.
    fn reply(merchant: Option<MerchantId>, reply: Reply) -> Plan {
        let options = (!reply.options.is_empty())
            .then(|| serde_json::to_string(&reply.options).unwrap_or_default());
        Plan {
            status: Delivery::Processed,
            merchant: None,
            customer_reply: None,
            replies: vec![PlannedReply {
                merchant,
                peer: String::new(),
                kind: "text",
                text: reply.text,
                options,
            }],
        }
    }

    /// The message, stored without a shop, turned out to be this shop's.
    fn owned_by(mut self, merchant: MerchantId) -> Plan {
        self.merchant = Some(merchant);
        self
    }
}

/// Processes inbound WhatsApp messages, several at once, each sender's in order.
#[derive(Clone)]
pub struct InboundWorker {
    db: Db,
    /// The name this worker's claims go under; a new one for each run.
    claimant: Claimant,
    /// Messages in work at once.
    concurrency: usize,
    /// How idle lanes wait: one listens for arrivals, the rest wait to be called in.
    idle: IdleLanes,
    pipeline: Pipeline,
    /// No WhatsApp credentials: replies stay in the outbox as `sandbox`.
    sandbox: bool,
    /// With credentials: messages are marked read with a typing indicator while they are answered.
    read_receipts: Option<GraphClient>,
    /// `EXECORA_SIGNUP=open`: strangers are walked through opening a shop.
    signup: Option<SignupDefaults>,
    /// Speech-to-text for voice notes; without it they get a polite "please type".
    listener: Option<Listener>,
    /// With text-to-speech: a spoken message is answered with a voice note too, when the reply
    /// is at most this many characters.
    spoken_replies: Option<usize>,
    /// Tries a message gets before it is `dead`.
    max_attempts: u32,
}

/// A registered shop's message, answered.
struct Answer {
    reply: Reply,
    /// What a voice note said.
    transcript: Option<String>,
    /// The merchant spoke (so a spoken reply is in order).
    spoke: bool,
}

impl InboundWorker {
    /// Now, from the pipeline's clock (the service's one clock).
    fn now_ms(&self) -> i64 {
        execora_engine::time::to_millis(self.pipeline.clock().now())
    }

    pub fn new(db: Db, pipeline: Pipeline, sandbox: bool) -> InboundWorker {
        InboundWorker {
            db,
            claimant: Claimant::fresh(),
            concurrency: DEFAULT_CONCURRENCY,
            idle: IdleLanes::default(),
            pipeline,
            sandbox,
            read_receipts: None,
            signup: None,
            listener: None,
            spoken_replies: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// Gives each message at most `max_attempts` tries (at least one) before it is `dead`.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> InboundWorker {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Works on at most `concurrency` messages at once (at least one).
    pub fn with_concurrency(mut self, concurrency: usize) -> InboundWorker {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Listens to voice notes with this recogniser.
    pub fn with_listener(mut self, listener: Listener) -> InboundWorker {
        self.listener = Some(listener);
        self
    }

    /// Answers a voice note with a voice note too (text-to-speech is configured), for replies of
    /// at most `max_chars` characters; longer ones are text only.
    pub fn with_spoken_replies(mut self, max_chars: usize) -> InboundWorker {
        self.spoken_replies = Some(max_chars);
        self
    }

    /// Opens a shop for a stranger who asks (open signup), with these defaults.
    pub fn with_open_signup(mut self, defaults: SignupDefaults) -> InboundWorker {
        self.signup = Some(defaults);
        self
    }

    /// Marks each message read, with the typing indicator, when work on it starts.
    pub fn with_read_receipts(mut self, graph: GraphClient) -> InboundWorker {
        self.read_receipts = Some(graph);
        self
    }

    /// Handles the oldest waiting message; `false` when there was none. A message that fails is
    /// put back in line for a later try, or given up on (`dead`, its sender told once) after its
    /// last try; the error is returned either way.
    pub async fn process_next(&self) -> Result<bool, WorkerError> {
        let Some(claimed) =
            messages::claim_next_inbound(&self.db, self.now_ms(), &self.claimant).await?
        else {
            return Ok(false);
        };
        let (id, attempts) = (claimed.message.id, claimed.attempts);
        let (merchant, peer) = (claimed.message.merchant, claimed.message.peer.clone());
        if attempts > i64::from(self.max_attempts) {
            // Its worker died on each try (requeued as stale): it is not tried once more.
            let error = "the worker stopped while processing it on every try";
            self.give_up(id, merchant, &peer, attempts, error).await?;
            return Ok(true);
        }
        let Err(error) = self.handle(claimed).await else {
            return Ok(true);
        };
        let reason = error.to_string();
        if attempts >= i64::from(self.max_attempts) {
            self.give_up(id, merchant, &peer, attempts, &reason).await?;
        } else {
            let wait = RETRY_FIRST
                .saturating_mul(1 << (attempts - 1).clamp(0, 16))
                .min(RETRY_MAX);
            let now = self.now_ms();
            messages::retry_inbound(
                &self.db,
                id,
                &self.claimant,
                now + wait.as_millis() as i64,
                &reason,
                now,
            )
            .await?;
            tracing::warn!(message = id.0, attempts, retry_in_s = wait.as_secs(), %error, "inbound message failed; it will be tried again");
        }
        Err(error)
    }

    /// Marks a message `dead` after its last try and tells its sender, in the shop's language,
    /// that it could not be processed (once: the notice is stored with the status change).
    async fn give_up(
        &self,
        id: MessageId,
        merchant: Option<MerchantId>,
        peer: &str,
        attempts: i64,
        error: &str,
    ) -> Result<(), WorkerError> {
        let locale = match merchant {
            Some(merchant) => merchants::get(&self.db, merchant).await?.locale,
            None => Locale::default(),
        };
        let notice = render(&Outcome::MessageNotProcessed, locale);
        let at = self.now_ms();
        let reply = NewOutbound {
            merchant,
            peer,
            kind: "text",
            body: &notice.text,
            in_reply_to: Some(id),
            options: None,
            status: self.outbox_status(),
            at,
        };
        if messages::mark_dead(&self.db, id, &self.claimant, error, &reply, at).await? {
            tracing::error!(message = id.0, attempts, %error, "inbound message given up on after its last try: see `execora inbox --dead`");
        }
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(message = claimed.message.id.0, wamid = claimed.message.channel_id.as_deref().unwrap_or(""), merchant = claimed.message.merchant.map(|m| m.0), request_id = claimed.request_id.as_deref().unwrap_or("")))]
    async fn handle(&self, claimed: Claimed) -> Result<(), WorkerError> {
        let inbound = claimed.message;
        if let (Some(graph), Some(wamid)) = (&self.read_receipts, &inbound.channel_id)
            && inbound.merchant.is_some()
            && let Err(error) = graph.mark_read(wamid, true).await
        {
            // The blue ticks are a courtesy: failing to send them never holds up the answer.
            tracing::warn!(%error, "could not mark the message read");
        }
        let media_id = claimed.media_id.as_deref();
        let (plan, transcript) = match inbound.merchant {
            Some(merchant) => {
                let mut answer = self.answer(merchant, &inbound, media_id).await?;
                let transcript = answer.transcript.take();
                (self.plan_answer(merchant, answer), transcript)
            }
            None => (self.stranger(&inbound, media_id).await?, None),
        };
        let mut plan = plan;
        // Replies without a recipient go back to the sender.
        for reply in &mut plan.replies {
            if reply.peer.is_empty() {
                reply.peer = inbound.peer.clone();
            }
        }
        let status = self.outbox_status();
        let at = self.now_ms();
        let replies: Vec<NewOutbound<'_>> = plan
            .replies
            .iter()
            .map(|reply| NewOutbound {
                merchant: reply.merchant,
                peer: &reply.peer,
                kind: reply.kind,
                body: &reply.text,
                in_reply_to: Some(inbound.id),
                options: reply.options.as_deref(),
                status,
                at,
            })
            .collect();
        let finish = Finish {
            status: plan.status,
            merchant: plan.merchant,
            transcript: transcript.as_deref(),
            replies: &replies,
            // The customer's message joins the reminder's timeline as it is finished.
            reminder_reply: plan.customer_reply.as_ref().map(|reply| ReminderReply {
                merchant: reply.merchant,
                customer_phone: &reply.phone,
                quoted: inbound.context_id.as_deref(),
                text: &reply.text,
            }),
        };
        match messages::finish_inbound(&self.db, inbound.id, &self.claimant, &finish, at).await? {
            None => tracing::info!("message was finished by another run; no second reply"),
            // What happened, never what was said: bodies and transcripts stay out of the log.
            Some(stored) => tracing::info!(
                kind = %inbound.kind,
                status = finish.status.as_str(),
                replies = stored.len(),
                "message processed"
            ),
        }
        Ok(())
    }

    /// The reply as text, and as a voice note too when the merchant spoke and it is short enough.
    fn plan_answer(&self, merchant: MerchantId, answer: Answer) -> Plan {
        let spoken = self
            .spoken_replies
            .filter(|_| answer.spoke)
            .is_some_and(|max| answer.reply.text.chars().count() <= max);
        let text = answer.reply.text.clone();
        let mut plan = Plan::reply(Some(merchant), answer.reply);
        if spoken {
            plan.replies.push(PlannedReply {
                merchant: Some(merchant),
                peer: String::new(),
                kind: "voice",
                text,
                options: None,
            });
        }
        plan
    }

    fn outbox_status(&self) -> Delivery {
        if self.sandbox {
            Delivery::Sandbox
        } else {
            Delivery::Queued
        }
    }

    /// A message from a phone no shop had registered when it arrived: the shop's owner writing
    /// since, a customer writing back (kept in the shop's log and passed on, never executed),
    /// someone opening a shop (with open signup), or a stranger told how to register.
    async fn stranger(
        &self,
        inbound: &StoredMessage,
        media_id: Option<&str>,
    ) -> Result<Plan, WorkerError> {
        let not_registered =
            || Plan::reply(None, render(&Outcome::NotRegistered, Locale::default()));
        // The peer is Meta's sender id, the full number as it is: never the typed-number parse.
        let Ok(phone) = Phone::from_wa_id(&inbound.peer) else {
            return Ok(not_registered());
        };
        if let Some((merchant, _)) = merchants::find_by_phone(&self.db, &phone).await? {
            if onboarding::opened_by(&self.db, &phone).await? == Some(inbound.id) {
                // A retried job: this message opened the shop; the welcome is said again.
                let opened = Outcome::SignupOpened {
                    shop: merchant.name.clone(),
                };
                return Ok(
                    Plan::reply(Some(merchant.id), render(&opened, merchant.locale))
                        .owned_by(merchant.id),
                );
            }
            tracing::info!(
                merchant = merchant.id.0,
                "sender registered since the message arrived"
            );
            let answer = self.answer(merchant.id, inbound, media_id).await?;
            return Ok(self.plan_answer(merchant.id, answer).owned_by(merchant.id));
        }
        if let Some(thread) =
            onboarding::customer_thread(&self.db, &phone, inbound.context_id.as_deref()).await?
        {
            return self.customer_message(inbound, &phone, thread).await;
        }
        let Some(defaults) = &self.signup else {
            return Ok(not_registered());
        };
        let text = (inbound.kind == "text").then_some(inbound.body.as_str());
        let step =
            onboarding::signup(&self.db, &phone, inbound.id, text, defaults, self.now_ms()).await?;
        tracing::info!(step = ?step, "open signup");
        Ok(match step {
            SignupStep::AskedName => {
                Plan::reply(None, render(&Outcome::SignupAskName, defaults.locale))
            }
            SignupStep::NameRefused => {
                Plan::reply(None, render(&Outcome::SignupNameRefused, defaults.locale))
            }
            SignupStep::Opened(merchant) => {
                let opened = Outcome::SignupOpened {
                    shop: merchant.name.clone(),
                };
                Plan::reply(Some(merchant.id), render(&opened, merchant.locale))
                    .owned_by(merchant.id)
            }
            SignupStep::AlreadyOpen(merchant) => {
                let answer = self.answer(merchant.id, inbound, media_id).await?;
                self.plan_answer(merchant.id, answer).owned_by(merchant.id)
            }
        })
    }

    /// A shop's customer wrote: kept in the shop's log, passed on to the owner, and thanked (once
    /// in a while, so a chatty customer does not get a notice per message). Never executed.
    async fn customer_message(
        &self,
        inbound: &StoredMessage,
        phone: &Phone,
        thread: CustomerThread,
    ) -> Result<Plan, WorkerError> {
        let merchant = &thread.merchant;
        tracing::info!(
            merchant = merchant.id.0,
            "a customer wrote; logged for the shop, not executed"
        );
        let said = match inbound.kind.as_str() {
            "text" => inbound.body.clone(),
            "button_reply" | "list_reply" | "template_button" => inbound
                .body
                .split_once('\n')
                .map_or(inbound.body.clone(), |(_, title)| title.to_string()),
            _ => String::new(),
        };
        let mut plan = Plan {
            status: Delivery::Logged,
            merchant: Some(merchant.id),
            replies: Vec::new(),
            customer_reply: Some(CustomerReply {
                merchant: merchant.id,
                phone: phone.as_str().to_string(),
                text: said.chars().take(FORWARDED_CHARS).collect(),
            }),
        };
        if let Some(owner) = &thread.owner_phone {
            let wrote = Outcome::CustomerWrote {
                customer: thread.customer_name.clone(),
                phone: phone.as_str().to_string(),
                text: said.chars().take(FORWARDED_CHARS).collect(),
            };
            plan.replies.push(PlannedReply {
                merchant: Some(merchant.id),
                peer: owner.as_str().to_string(),
                kind: "text",
                text: render(&wrote, merchant.locale).text,
                options: None,
            });
        }
        let since = self.now_ms() - ACKNOWLEDGE_EVERY.as_millis() as i64;
        if !onboarding::acknowledged_since(&self.db, merchant.id, phone, since).await? {
            let passed_on = Outcome::CustomerMessagePassedOn {
                shop: merchant.name.clone(),
            };
            plan.replies.push(PlannedReply {
                merchant: Some(merchant.id),
                peer: inbound.peer.clone(),
                kind: "notice",
                text: render(&passed_on, merchant.locale).text,
                options: None,
            });
        }
        Ok(plan)
    }

    /// The words for a registered shop's message; a voice note is listened to first.
    async fn answer(
        &self,
        merchant: MerchantId,
        inbound: &StoredMessage,
        media_id: Option<&str>,
    ) -> Result<Answer, WorkerError> {
        let mut transcript = None;
        let input = match inbound.kind.as_str() {
            "text" => Input::Text(inbound.body.clone()),
            "button_reply" | "list_reply" | "template_button" => {
                let (id, title) = inbound
                    .body
                    .split_once('\n')
                    .unwrap_or((inbound.body.as_str(), ""));
                Input::Button {
                    id: id.to_string(),
                    title: title.to_string(),
                }
            }
            "audio" => {
                let locale = merchants::get(&self.db, merchant).await?.locale;
                // Refusals are short and about the recording itself: text is enough.
                let refuse = |outcome: Outcome| Answer {
                    reply: render(&outcome, locale),
                    transcript: None,
                    spoke: false,
                };
                let (Some(listener), Some(media_id)) = (&self.listener, media_id) else {
                    return Ok(refuse(Outcome::VoiceNotUnderstood));
                };
                // A retried job reuses the words heard the first time: no second transcription.
                let words = match &inbound.transcript {
                    Some(words) => words.clone(),
                    None => {
                        let books =
                            Books::open(self.db.clone(), merchant, self.pipeline.clock()).await?;
                        match listener
                            .listen(&self.db, &books, inbound.id, media_id, self.now_ms())
                            .await?
                        {
                            Heard::Words(words) => words,
                            Heard::Refused(outcome) => return Ok(refuse(outcome)),
                        }
                    }
                };
                transcript = Some(words.clone());
                Input::Text(words)
            }
            _ => {
                let locale = merchants::get(&self.db, merchant).await?.locale;
                return Ok(Answer {
                    reply: render(&Outcome::UnsupportedMessage, locale),
                    transcript: None,
                    spoke: false,
                });
            }
        };
        let spoke = transcript.is_some();
        let message = Message {
            merchant,
            sender: inbound.peer.clone(),
            id: inbound
                .channel_id
                .clone()
                .unwrap_or_else(|| format!("message-{}", inbound.id.0)),
            source: Source::Whatsapp,
            input,
        };
        Ok(Answer {
            reply: self.pipeline.handle(&message).await?.reply,
            transcript,
            spoke,
        })
    }

    /// Works until `shutdown` completes: `concurrency` lanes take messages, and one more shows
    /// that this worker is alive and puts back the messages of workers that are not. Each run
    /// claims under a new name, so the claims of a run that panicked go back in line once it is
    /// silent; a panic in any lane ends the run, for the supervisor to start it again.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let worker = InboundWorker {
            claimant: Claimant::fresh(),
            ..self
        };
        tracing::info!(
            claimant = worker.claimant.as_str(),
            lanes = worker.concurrency,
            "inbound worker started"
        );
        // Alive before the first claim: a claim under a name never seen is taken for a dead
        // worker's by every other process.
        if let Err(error) =
            claimants::sign_of_life(&worker.db, &worker.claimant, worker.now_ms()).await
        {
            tracing::error!(%error, "could not record that the inbound worker is alive");
        }
        let (stop_heart, heart_stopped) = watch::channel(false);
        // Signs of life go on until the last lane has finished its message, so no other process
        // takes a message this one still works on.
        let heart = tokio::spawn(worker.clone().keep_alive(heart_stopped));
        // Between messages, never inside one: each lane finishes what it holds (after a panic
        // the others are stopped the same way), and a backlog waits in the database for the next
        // start instead of holding up the shutdown.
        let panicked = crate::supervisor::run_lanes(
            worker.concurrency,
            |stopped| worker.clone().work(stopped),
            shutdown,
        )
        .await;
        let _ = stop_heart.send(true);
        let _ = heart.await;
        if let Some(panic) = panicked {
            // The supervisor starts a new run; this run's claims (none left but a panicked
            // lane's) go back in line once its name falls silent.
            std::panic::resume_unwind(panic);
        }
        // Every lane finished its message: nothing is held under this name any more.
        if let Err(error) = claimants::retire(&worker.db, &worker.claimant).await {
            tracing::warn!(%error, "could not forget the stopped inbound worker");
        }
    }

    /// One lane: takes the next message whenever one is due, until stopped.
    async fn work(self, mut stopped: watch::Receiver<bool>) {
        let mut arrivals = self.db.wakeup(Work::Inbound);
        while !*stopped.borrow() {
            arrivals.seen();
            let idle = match self.process_next().await {
                Ok(worked) => !worked,
                Err(error) => {
                    tracing::error!(%error, "inbound message failed");
                    true
                }
            };
            if idle {
                self.idle
                    .wait(&mut arrivals, &mut stopped, SAFETY_POLL)
                    .await;
            } else {
                self.idle.found_work();
            }
        }
    }

    /// Shows every few seconds that this worker is alive, and puts back in line the messages
    /// whose worker is not (a process killed mid-message, a run that panicked).
    async fn keep_alive(self, mut stopped: watch::Receiver<bool>) {
        loop {
            let now = self.now_ms();
            // Only a worker that could say it is alive judges others: one that cannot reach the
            // database may be the one cut off.
            match claimants::sign_of_life(&self.db, &self.claimant, now).await {
                Err(error) => {
                    tracing::error!(%error, "could not record that the inbound worker is alive")
                }
                Ok(()) => match claimants::requeue_abandoned(&self.db, now).await {
                    Ok(0) => {}
                    Ok(requeued) => {
                        tracing::warn!(requeued, "messages whose worker stopped are back in line");
                        self.db.wake(Work::Inbound);
                    }
                    Err(error) => tracing::error!(%error, "could not requeue abandoned messages"),
                },
            }
            tokio::select! {
                _ = stopped.wait_for(|stop| *stop) => return,
                () = tokio::time::sleep(SIGN_OF_LIFE_EVERY) => {}
            }
        }
    }
}
