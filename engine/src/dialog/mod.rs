//! The conversation: a merchant's message in, bookings made and outcomes out, asking when unsure.
//!
//! Each command of a message runs in its own books transaction keyed by `message id#index`,
//! so a message processed twice books once. A question (which Rahul? create Amit? what does
//! Parle-G cost? write this?) parks the command and the rest of the message until the answer
//! comes; the answer books under the keys of the message that asked. Money moves only when the
//! merchant asked for it: an unsure reading or an unusually large amount is shown and booked on
//! "Haan", a message the parser knows is not a booking is answered "nothing was written", and
//! the sender's role (from the books) decides what they may do.

mod answers;
mod context;
mod execute;
pub mod state;

pub use answers::Input;

use answers::{Answer, interpret};
use execute::{Policy, Run, Step, local_now, refusal};
use state::{DialogState, ItemChoice, Pending, Question};

use crate::books::{Books, BooksError, Found, NewCustomer, Role, ShopSettings, Source};
use crate::nlu::command::{Command, NotBooked, Parsed, Understood};
use crate::nlu::llm::{LlmParser, understand};
use crate::nlu::rules;
use crate::reply::{NothingWritten, Outcome};
use crate::time::to_millis;

/// One incoming message from a merchant's phone.
pub struct Turn<'a> {
    pub books: &'a Books,
    /// Who sent it (their phone): conversation state is kept per sender.
    pub sender: &'a str,
    /// Unique id of this message (the WhatsApp message id): the idempotency key of its bookings.
    pub message_id: &'a str,
    pub source: Source,
    pub llm: Option<&'a LlmParser>,
}

/// What one message came to: what to tell the merchant, in order, and the reading of the
/// message when it was read as a new command (an answer to a question is not).
#[derive(Debug, Clone)]
pub struct Responded {
    pub outcomes: Vec<Outcome>,
    pub understood: Option<Understood>,
}

/// Handles one message and returns what to tell the merchant, in order, and how it was read.
/// Failures on our side become a "please try again" outcome; nothing half-booked is left behind
/// because every booking is its own transaction.
pub async fn respond(turn: &Turn<'_>, input: &Input) -> Result<Responded, BooksError> {
    let now = to_millis(turn.books.now());
    let mut state = DialogState::load(turn.books, turn.sender).await?;
    state.expire(now);
    let session = Session::open(turn).await?;
    let mut outcomes = Vec::new();
    let mut reading = None;

    match state.pending.take() {
        Some(pending) => match interpret(&pending.question, input) {
            Answer::Unrelated => {
                let understood = read(turn, &state, input.text()).await;
                reading = Some(understood.clone());
                if understood.parsed.is_unknown() && understood.not_booked.is_none() {
                    // Neither an answer nor a new command: ask again.
                    outcomes.push(question_outcome(&pending.question));
                    state.pending = Some(pending);
                } else {
                    // A new message drops the question.
                    act(&session, &mut state, understood, &mut outcomes).await;
                }
            }
            answer => continue_pending(&session, &mut state, pending, answer, &mut outcomes).await,
        },
        None => {
            let understood = match input {
                Input::Button { .. } if input.text().is_empty() => Understood::unknown(),
                _ => read(turn, &state, input.text()).await,
            };
            reading = Some(understood.clone());
            act(&session, &mut state, understood, &mut outcomes).await;
        }
    }
    state.updated_at = now;
    state.save(turn.books, turn.sender).await?;
    Ok(Responded {
        outcomes,
        understood: reading,
    })
}

/// Handles a message whose reading is already known, as `respond` handles a fresh message once
/// it has read it: a question still open is dropped. For callers that understood the message
/// themselves (and tests that need one particular reading).
pub async fn respond_understood(
    turn: &Turn<'_>,
    understood: Understood,
) -> Result<Vec<Outcome>, BooksError> {
    let now = to_millis(turn.books.now());
    let mut state = DialogState::load(turn.books, turn.sender).await?;
    state.expire(now);
    state.pending = None;
    let session = Session::open(turn).await?;
    let mut outcomes = Vec::new();
    act(&session, &mut state, understood, &mut outcomes).await;
    state.updated_at = now;
    state.save(turn.books, turn.sender).await?;
    Ok(outcomes)
}

/// Who is talking and under which shop settings, for one message.
struct Session<'a> {
    turn: &'a Turn<'a>,
    role: Role,
    settings: ShopSettings,
}

impl<'a> Session<'a> {
    /// The role comes from the books, by the sender's phone; a phone that is not the shop's
    /// (the pipeline is only reached by the shop's phones) gets the least: staff.
    async fn open(turn: &'a Turn<'a>) -> Result<Session<'a>, BooksError> {
        Ok(Session {
            turn,
            role: turn
                .books
                .role_of(turn.sender)
                .await?
                .unwrap_or(Role::Staff),
            settings: turn.books.settings().await?,
        })
    }

    fn run<'s>(&'s self, state: &'s mut DialogState, key: String, unsure: bool) -> Run<'s> {
        Run {
            books: self.turn.books,
            state,
            key,
            actor: self.turn.sender,
            source: self.turn.source,
            policy: Policy {
                role: self.role,
                settings: self.settings,
                unsure,
            },
        }
    }
}

/// Does what a fresh reading asks: says why nothing is written when the parser saw that the
/// message is not a booking, else runs its commands (asking first when the reading is unsure).
async fn act(
    session: &Session<'_>,
    state: &mut DialogState,
    understood: Understood,
    outcomes: &mut Vec<Outcome>,
) {
    if let Some(why) = understood.not_booked {
        match not_booked(session.turn.books, &understood.parsed, why).await {
            Ok(outcome) => outcomes.push(outcome),
            Err(error) => {
                tracing::error!(%error, "balance lookup failed");
                outcomes.push(Outcome::NotBooked {
                    why: nothing_written(why),
                    customer: None,
                    balance: None,
                });
            }
        }
        return;
    }
    run_queue(
        session,
        state,
        understood.parsed.commands,
        session.turn.message_id,
        0,
        !understood.confident,
        outcomes,
    )
    .await;
}

/// "Nothing was written, because …", with the balance of the customer the message named.
async fn not_booked(books: &Books, parsed: &Parsed, why: NotBooked) -> Result<Outcome, BooksError> {
    let named = parsed.commands.iter().find_map(customer_named);
    let (customer, balance) = match named {
        Some(said) => match books.find_customers(said, 3).await? {
            Found::One(c) => (Some(c.name), Some(c.balance)),
            _ => (None, None),
        },
        None => (None, None),
    };
    Ok(Outcome::NotBooked {
        why: nothing_written(why),
        customer,
        balance,
    })
}

/// The customer a command names, if any.
fn customer_named(command: &Command) -> Option<&str> {
    match command {
        Command::RecordPayment { customer, .. }
        | Command::AddCredit { customer, .. }
        | Command::ScheduleReminder { customer, .. }
        | Command::CancelReminder { customer }
        | Command::AddCustomer { customer, .. } => Some(customer),
        Command::CreateInvoice { customer, .. }
        | Command::CheckBalance { customer }
        | Command::ListInvoices { customer }
        | Command::CancelInvoice { customer } => customer.as_deref(),
        _ => None,
    }
}

fn nothing_written(why: NotBooked) -> NothingWritten {
    match why {
        NotBooked::Negation => NothingWritten::Negation,
        NotBooked::Question => NothingWritten::Question,
        NotBooked::Promise => NothingWritten::Promise,
        NotBooked::Hypothetical => NothingWritten::Hypothetical,
        NotBooked::AlreadyWritten => NothingWritten::AlreadyWritten,
        NotBooked::MoneyPaidOut => NothingWritten::MoneyPaidOut,
        NotBooked::AmountUnclear => NothingWritten::AmountUnclear,
        NotBooked::TooLong => NothingWritten::TooLong,
    }
}

/// Parses the text, reading pronouns and continuations as the active customer.
async fn read(turn: &Turn<'_>, state: &DialogState, text: &str) -> Understood {
    let now = local_now(turn.books);
    let Some(active) = &state.active_customer else {
        return understand(text, now, turn.llm).await;
    };
    if let Some(rewritten) = context::replace_pronouns(text, &active.name) {
        return understand(&rewritten, now, turn.llm).await;
    }
    let plain = rules::parse(text, now);
    if plain.confident && !plain.parsed.is_unknown() {
        return plain;
    }
    for reading in context::about_customer(text, &active.name) {
        let mut candidate = rules::parse(&reading, now);
        if candidate.confident && !candidate.parsed.is_unknown() {
            // "aur 100 likh do" names the customer by going on; a bare "500 udhaar" leaves the
            // customer to our guess, so its bookings are shown and asked about first.
            candidate.confident = context::continues(text);
            return candidate;
        }
    }
    understand(text, now, turn.llm).await
}

/// Runs commands in order until one needs an answer; that one and the rest wait in `state`.
/// The command at position `i` is keyed `key_base#(first_index + i)`.
async fn run_queue(
    session: &Session<'_>,
    state: &mut DialogState,
    commands: Vec<Command>,
    key_base: &str,
    first_index: usize,
    unsure: bool,
    outcomes: &mut Vec<Outcome>,
) {
    for (offset, command) in commands.iter().enumerate() {
        let index = first_index + offset;
        let key = format!("{key_base}#{index}");
        let step = session
            .run(state, key, unsure)
            .run(command, state::Settled::default())
            .await;
        if let Some((question, settled)) = settle(step, outcomes) {
            state.pending = Some(Pending {
                question,
                command: command.clone(),
                settled,
                rest: commands[offset + 1..].to_vec(),
                asked_at: to_millis(session.turn.books.now()),
                key_base: key_base.to_string(),
                index,
                unsure,
            });
            return;
        }
    }
}

/// Records a finished step's outcome, or returns the question it raised (after recording it).
fn settle(
    step: Result<Step, BooksError>,
    outcomes: &mut Vec<Outcome>,
) -> Option<(Question, state::Settled)> {
    match step {
        Ok(Step::Done(outcome)) => {
            outcomes.push(outcome);
            None
        }
        Ok(Step::Ask(question, settled)) => {
            outcomes.push(question_outcome(&question));
            Some((question, settled))
        }
        Err(error) => {
            match refusal(&error) {
                Some(outcome) => outcomes.push(outcome),
                None => {
                    tracing::error!(%error, "booking failed");
                    outcomes.push(Outcome::TryAgain);
                }
            }
            None
        }
    }
}

/// Applies an answer to the parked command, runs it, then the rest of its message. The
/// bookings keep the keys of the message that asked, so a repeated answer books nothing twice.
async fn continue_pending(
    session: &Session<'_>,
    state: &mut DialogState,
    pending: Pending,
    answer: Answer,
    outcomes: &mut Vec<Outcome>,
) {
    let turn = session.turn;
    let Pending {
        question,
        command,
        mut settled,
        rest,
        key_base,
        index,
        unsure,
        ..
    } = pending;
    // A question parked before keys were remembered continues under this message's keys.
    let key_base = if key_base.is_empty() {
        turn.message_id.to_string()
    } else {
        key_base
    };
    let key = format!("{key_base}#{index}");
    let mut run = session.run(state, key, unsure);
    let proceed: Result<bool, BooksError> = async {
        match (&question, answer) {
            (Question::WhichCustomer { options, .. }, Answer::Pick(i)) => match options.get(i) {
                Some((id, _)) => {
                    settled.customer = Some(*id);
                    Ok(true)
                }
                None => Ok(false),
            },
            (Question::CreateCustomer { name }, Answer::Yes) => {
                let (customer, _) = turn
                    .books
                    .add_customer(NewCustomer {
                        name: name.clone(),
                        ..Default::default()
                    })
                    .await?;
                settled.customer = Some(customer.id);
                Ok(true)
            }
            (Question::WhichProduct { item, options, .. }, Answer::Pick(i)) => match options.get(i)
            {
                Some((id, _)) => {
                    set_item(&mut settled, *item, ItemChoice::Catalog(*id));
                    Ok(true)
                }
                None => Ok(false),
            },
            (Question::ProductPrice { item, .. }, Answer::Price(price)) => match &command {
                Command::CreateInvoice { items, .. } => match items.get(*item) {
                    Some(request) => {
                        let choice = run.add_priced_product(request, price).await?;
                        set_item(&mut settled, *item, choice);
                        Ok(true)
                    }
                    None => Ok(false),
                },
                _ => Ok(false),
            },
            (Question::ProductPrice { item, .. }, Answer::Skip) => {
                set_item(&mut settled, *item, ItemChoice::Skip);
                Ok(true)
            }
            (Question::Confirm { .. }, Answer::Yes) => {
                settled.confirmed = true;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
    .await;
    let step = match proceed {
        Ok(true) => run.run(&command, settled).await,
        Ok(false) => Ok(Step::Done(Outcome::Dropped)),
        Err(error) => Err(error),
    };
    if let Some((question, settled)) = settle(step, outcomes) {
        state.pending = Some(Pending {
            question,
            command,
            settled,
            rest,
            asked_at: to_millis(turn.books.now()),
            key_base,
            index,
            unsure,
        });
        return;
    }
    run_queue(session, state, rest, &key_base, index + 1, unsure, outcomes).await;
}

fn set_item(settled: &mut state::Settled, item: usize, choice: ItemChoice) {
    if settled.items.len() <= item {
        settled.items.resize(item + 1, None);
    }
    settled.items[item] = Some(choice);
}

/// The outcome that asks `question`.
fn question_outcome(question: &Question) -> Outcome {
    match question {
        Question::WhichCustomer { said, options } => Outcome::AskWhichCustomer {
            said: said.clone(),
            options: options.iter().map(|(_, n)| n.clone()).collect(),
        },
        Question::CreateCustomer { name } => Outcome::AskCreateCustomer { name: name.clone() },
        Question::WhichProduct { said, options, .. } => Outcome::AskWhichProduct {
            said: said.clone(),
            options: options.iter().map(|(_, n)| n.clone()).collect(),
        },
        Question::ProductPrice { product, .. } => Outcome::AskProductPrice {
            product: product.clone(),
        },
        Question::Confirm { proposal, reason } => Outcome::AskConfirm {
            proposal: proposal.clone(),
            reason: reason.clone(),
        },
    }
}
