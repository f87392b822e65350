//! One inbound message in, bookings made and one reply out: the path shared by WhatsApp, chat and the panel.

use std::sync::Arc;

use crate::books::{Books, BooksError, MerchantId, Source};
use crate::conversations;
use crate::dialog::{self, Input, Turn};
use crate::nlu::llm::LlmParser;
use crate::reply::{Locale, Outcome, Reply, render};
use crate::store::Db;
use crate::time::Clock;

/// A message from a merchant's registered phone.
#[derive(Debug, Clone)]
pub struct Message {
    pub merchant: MerchantId,
    /// The sender's phone (conversation state is per sender).
    pub sender: String,
    /// Unique per message; the idempotency key of its bookings.
    pub id: String,
    pub source: Source,
    pub input: Input,
}

/// What handling a message produced.
#[derive(Debug, Clone)]
pub struct Handled {
    /// The reply to send: every outcome's words, and the options of a question if one was asked.
    pub reply: Reply,
    pub outcomes: Vec<Outcome>,
    pub locale: Locale,
}

/// The shared message handler. Cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    db: Db,
    clock: Arc<dyn Clock>,
    llm: Option<Arc<LlmParser>>,
}

impl Pipeline {
    pub fn new(db: Db, clock: Arc<dyn Clock>, llm: Option<Arc<LlmParser>>) -> Pipeline {
        Pipeline { db, clock, llm }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub fn has_llm(&self) -> bool {
        self.llm.is_some()
    }

    /// Understands the message, books what it asks, and words the answer in the merchant's language.
    #[tracing::instrument(skip(self, message), fields(merchant = %message.merchant, message_id = %message.id))]
    pub async fn handle(&self, message: &Message) -> Result<Handled, BooksError> {
        let books = Books::open(self.db.clone(), message.merchant, self.clock.clone()).await?;
        let turn = Turn {
            books: &books,
            sender: &message.sender,
            message_id: &message.id,
            source: message.source,
            llm: self.llm.as_deref(),
        };
        let responded = dialog::respond(&turn, &message.input).await?;
        if let Some(understood) = &responded.understood {
            // What was understood is shown beside the message in the panel; the bookings and the
            // reply stand without it, so a failure to keep it is logged, not returned.
            if let Err(error) =
                conversations::record_reading(&self.db, message.merchant, &message.id, understood)
                    .await
            {
                tracing::error!(%error, "the reading of a message could not be kept");
            }
        }
        let outcomes = responded.outcomes;
        let locale = books.merchant().locale;
        Ok(Handled {
            reply: combine(&outcomes, locale),
            outcomes,
            locale,
        })
    }
}

/// One reply for all outcomes of a message: their texts in order, and the question's options.
pub fn combine(outcomes: &[Outcome], locale: Locale) -> Reply {
    let rendered: Vec<Reply> = outcomes.iter().map(|o| render(o, locale)).collect();
    let text = rendered
        .iter()
        .map(|r| r.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    let question = rendered.iter().rev().find(|r| r.expects_answer);
    Reply {
        text,
        options: question.map(|q| q.options.clone()).unwrap_or_default(),
        expects_answer: question.is_some(),
    }
}
