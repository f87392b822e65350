//! The conversation: a merchant's message in, bookings made and outcomes out, asking when unsure.
//!
//! Each command of a message runs in its own books transaction keyed by `message id#index`,
//! so a message processed twice books once. A question (which Rahul? create Amit? what does
//! Parle-G cost?) parks the command and the rest of the message until the answer comes.

mod answers;
mod context;
mod execute;
pub mod state;

pub use answers::Input;

use answers::{Answer, interpret};
use execute::{Run, Step, local_now, refusal};
use state::{DialogState, ItemChoice, Pending, Question};

use crate::books::{Books, BooksError, NewCustomer, Source};
use crate::nlu::command::{Command, Parsed, Understood};
use crate::nlu::llm::{LlmParser, understand};
use crate::nlu::rules;
use crate::reply::Outcome;
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

/// Handles one message and returns what to tell the merchant, in order.
/// Failures on our side become a "please try again" outcome; nothing half-booked is left behind
/// because every booking is its own transaction.
pub async fn respond(turn: &Turn<'_>, input: &Input) -> Result<Vec<Outcome>, BooksError> {
    let now = to_millis(turn.books.now());
    let mut state = DialogState::load(turn.books, turn.sender).await?;
    state.expire(now);
    let mut outcomes = Vec::new();

    let pending = state.pending.take();
    let handled = match pending {
        Some(pending) => match interpret(&pending.question, input) {
            Answer::Unrelated => {
                let parsed = read(turn, &state, input.text()).await.parsed;
                if parsed.is_unknown() {
                    // Neither an answer nor a new command: ask again.
                    outcomes.push(question_outcome(&pending.question));
                    state.pending = Some(pending);
                    true
                } else {
                    run_queue(turn, &mut state, parsed.commands, 0, &mut outcomes).await;
                    true
                }
            }
            answer => {
                continue_pending(turn, &mut state, pending, answer, &mut outcomes).await;
                true
            }
        },
        None => false,
    };
    if !handled {
        let parsed = match input {
            Input::Button { .. } if input.text().is_empty() => Parsed::unknown(),
            _ => read(turn, &state, input.text()).await.parsed,
        };
        run_queue(turn, &mut state, parsed.commands, 0, &mut outcomes).await;
    }
    state.updated_at = now;
    state.save(turn.books, turn.sender).await?;
    Ok(outcomes)
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
        let candidate = rules::parse(&reading, now);
        if candidate.confident && !candidate.parsed.is_unknown() {
            return candidate;
        }
    }
    understand(text, now, turn.llm).await
}

/// Runs commands in order until one needs an answer; that one and the rest wait in `state`.
/// The command at position `i` is keyed `message id#(first_index + i)`.
async fn run_queue(
    turn: &Turn<'_>,
    state: &mut DialogState,
    commands: Vec<Command>,
    first_index: usize,
    outcomes: &mut Vec<Outcome>,
) {
    for (index, command) in commands.iter().enumerate() {
        let key = format!("{}#{}", turn.message_id, first_index + index);
        let step = {
            let mut run = Run {
                books: turn.books,
                state,
                key,
                actor: turn.sender,
                source: turn.source,
            };
            run.run(command, state::Settled::default()).await
        };
        if let Some((question, settled)) = settle(step, outcomes) {
            state.pending = Some(Pending {
                question,
                command: command.clone(),
                settled,
                rest: commands[index + 1..].to_vec(),
                asked_at: to_millis(turn.books.now()),
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

/// Applies an answer to the parked command, runs it, then the rest of its message.
async fn continue_pending(
    turn: &Turn<'_>,
    state: &mut DialogState,
    pending: Pending,
    answer: Answer,
    outcomes: &mut Vec<Outcome>,
) {
    let Pending {
        question,
        command,
        mut settled,
        rest,
        ..
    } = pending;
    let key = format!("{}#0", turn.message_id);
    let mut run = Run {
        books: turn.books,
        state,
        key,
        actor: turn.sender,
        source: turn.source,
    };
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
        });
        return;
    }
    // The rest of the original message runs with keys of this message, after index 0.
    run_queue(turn, state, rest, 1, outcomes).await;
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
    }
}
