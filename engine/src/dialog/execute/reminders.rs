//! Running the automatic-reminder commands (a customer's series, the shop-wide setting, stopping them) and answering "Rahul ko reminder gaya?".

use super::{Run, Step, Who};
use crate::books::{BooksError, CustomerId, EventKind, ReminderEvent, ReminderStatus};
use crate::dialog::state::{Question, Settled};
use crate::nlu::command::Command;
use crate::reply::{AutoProposal, LastReminder, Outcome, Proposal, ReminderReply};
use crate::time::{from_millis, local, to_millis};

impl Run<'_> {
    /// The customer said, settled: an id, or the step that asks or says who is unknown.
    async fn reminder_customer(
        &mut self,
        said: &str,
        settled: &Settled,
    ) -> Result<Result<CustomerId, Step>, BooksError> {
        Ok(match self.who(said, settled, false).await? {
            Who::Is(id) => Ok(id),
            Who::Ask(question) => Err(Step::Ask(question, settled.clone())),
            Who::Missing(name) => Err(Step::Done(Outcome::CustomerNotFound { name })),
        })
    }

    /// Asks "write this?" first when the reading was unsure (and the merchant has not said yes).
    async fn confirm_auto(
        &self,
        settled: &Settled,
        proposal: AutoProposal,
    ) -> Result<Option<Step>, BooksError> {
        Ok(self.needs_yes(settled, None, None).await?.map(|reason| {
            Step::Ask(
                Question::Confirm {
                    proposal: Proposal::AutoReminders(proposal),
                    reason,
                },
                settled.clone(),
            )
        }))
    }

    /// `schedule_reminder` with `every_days`, `auto_remind_all`, `stop_auto_reminder` and
    /// `reminder_status`.
    pub(super) async fn reminder_talk(
        &mut self,
        command: &Command,
        settled: Settled,
    ) -> Result<Step, BooksError> {
        let reply = match command {
            Command::ScheduleReminder {
                customer,
                amount_paise,
                at,
                every_days: Some(every_days),
            } => {
                let id = match self.reminder_customer(customer, &settled).await? {
                    Ok(id) => id,
                    Err(step) => return Ok(step),
                };
                let settled = Settled {
                    customer: Some(id),
                    ..settled
                };
                let name = self.books.customer(id).await?.name;
                let proposal = AutoProposal::Series {
                    customer: name,
                    every_days: *every_days,
                };
                if let Some(step) = self.confirm_auto(&settled, proposal).await? {
                    return Ok(step);
                }
                let first =
                    at.map_or_else(|| self.books.now(), |at| at.with_timezone(&chrono::Utc));
                let booked = self
                    .books
                    .start_reminder_series(
                        id,
                        *every_days,
                        *amount_paise,
                        to_millis(first),
                        &self.origin(),
                    )
                    .await?;
                let started = booked.value;
                ReminderReply::SeriesStarted {
                    customer: started.series.customer_name,
                    every_days: started.series.every_days,
                    amount: started.series.amount,
                    first: local(from_millis(started.first.due_at), self.books.zone()),
                }
            }
            Command::AutoRemindAll { every_days } => {
                let proposal = AutoProposal::ShopWide {
                    every_days: *every_days,
                };
                if let Some(step) = self.confirm_auto(&settled, proposal).await? {
                    return Ok(step);
                }
                let settings = self.books.set_auto_reminders(*every_days).await?;
                ReminderReply::ShopWideOn {
                    every_days: settings.auto_reminder_days.unwrap_or(*every_days),
                    debtors: self.books.remindable_debtors().await?,
                }
            }
            Command::StopAutoReminder {
                customer: Some(customer),
            } => {
                let id = match self.reminder_customer(customer, &settled).await? {
                    Ok(id) => id,
                    Err(step) => return Ok(step),
                };
                let settled = Settled {
                    customer: Some(id),
                    ..settled
                };
                let name = self.books.customer(id).await?.name;
                let proposal = AutoProposal::Stop {
                    customer: Some(name.clone()),
                };
                if let Some(step) = self.confirm_auto(&settled, proposal).await? {
                    return Ok(step);
                }
                self.books.stop_reminder_series(id).await?;
                ReminderReply::CustomerStopped { customer: name }
            }
            Command::StopAutoReminder { customer: None } => {
                if let Some(step) = self
                    .confirm_auto(&settled, AutoProposal::Stop { customer: None })
                    .await?
                {
                    return Ok(step);
                }
                let stopped = self.books.stop_all_auto_reminders().await?;
                ReminderReply::AllStopped {
                    any: stopped.shop_wide || stopped.series > 0 || stopped.cancelled > 0,
                }
            }
            Command::ReminderStatus { customer } => {
                let id = match self.reminder_customer(customer, &settled).await? {
                    Ok(id) => id,
                    Err(step) => return Ok(step),
                };
                self.news(id).await?
            }
            _ => return Ok(Step::Done(Outcome::NotUnderstood)),
        };
        Ok(Step::Done(Outcome::Reminders(reply)))
    }

    /// What became of the customer's latest reminder, from its timeline.
    async fn news(&self, id: CustomerId) -> Result<ReminderReply, BooksError> {
        let zone = self.books.zone();
        let news = self.books.reminder_news(id).await?;
        let customer = self.books.customer(id).await?.name;
        let last = news.last.map(|(reminder, events)| {
            let at = last_step(&events, reminder.status).map_or(reminder.due_at, |e| e.at);
            let reason = (reminder.status == ReminderStatus::Failed)
                .then(|| failure_reason(&events))
                .flatten();
            let reply = events
                .iter()
                .rev()
                .find(|e| e.kind == EventKind::Replied)
                .and_then(|e| e.detail.clone());
            LastReminder {
                status: reminder.status,
                at: local(from_millis(at), zone),
                reason,
                reply,
            }
        });
        Ok(ReminderReply::News {
            customer,
            last,
            next: news.next.map(|r| local(from_millis(r.due_at), zone)),
        })
    }
}

/// The timeline step that brought the reminder to its status.
fn last_step(events: &[ReminderEvent], status: ReminderStatus) -> Option<&ReminderEvent> {
    let kind = match status {
        ReminderStatus::Scheduled => EventKind::Scheduled,
        ReminderStatus::Sending => EventKind::Sending,
        ReminderStatus::Sent => EventKind::Sent,
        ReminderStatus::Delivered => EventKind::Delivered,
        ReminderStatus::Read => EventKind::Read,
        ReminderStatus::Failed => EventKind::Failed,
        ReminderStatus::Settled => EventKind::Settled,
        ReminderStatus::Cancelled => EventKind::Cancelled,
        ReminderStatus::NeedsReview => EventKind::NeedsReview,
    };
    events.iter().rev().find(|e| e.kind == kind)
}

/// WhatsApp's (or our) words for a failure, with its code.
fn failure_reason(events: &[ReminderEvent]) -> Option<String> {
    let failed = events.iter().rev().find(|e| e.kind == EventKind::Failed)?;
    let detail = failed.detail.clone().unwrap_or_default();
    Some(match failed.error_code {
        Some(code) if detail.is_empty() => format!("error {code}"),
        Some(code) => format!("{detail} ({code})"),
        None => detail,
    })
}
