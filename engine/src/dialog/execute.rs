//! Running one command against the books once its names are settled, or saying what must be asked first.

use chrono::{DateTime, FixedOffset};

use super::context::is_pronoun;
use super::state::{ActiveCustomer, DialogState, ItemChoice, LastBooking, Question, Settled};
use crate::books::{
    Books, BooksError, CancelRefused, CustomerId, Found, InvoiceLineRequest, InvoiceSummary,
    LinePricing, NewCustomer, NewProduct, Origin, Role, ShopSettings, Source,
};
use crate::money::{Paise, PaymentMode};
use crate::nlu::command::{Command, ItemRequest};
use crate::quantity::Unit;
use crate::reply::{
    ConfirmReason, DebtorView, InvoiceView, LineView, Outcome, OwnerOnly, Proposal,
};
use crate::time::{from_millis, local, to_millis};

mod reminders;

/// How many close matches a question offers.
const QUESTION_OPTIONS: usize = 3;

/// An amount is far above a customer's history when it is more than this many times their
/// largest earlier entry…
const HISTORY_FACTOR: i64 = 10;
/// …and at least this much (₹5,000): small amounts are never questioned for being new.
const HISTORY_FLOOR: Paise = Paise::new(5_000 * 100);

/// What the sender may do, what the shop wants confirmed, and whether the reading was sure.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub role: Role,
    pub settings: ShopSettings,
    /// The message was not read with confidence: every write asks first.
    pub unsure: bool,
}

/// What running a command came to.
pub enum Step {
    Done(Outcome),
    Ask(Question, Settled),
}

/// The context one command runs in.
pub struct Run<'a> {
    pub books: &'a Books,
    pub state: &'a mut DialogState,
    pub key: String,
    pub actor: &'a str,
    pub source: Source,
    pub policy: Policy,
}

enum Who {
    Is(CustomerId),
    Ask(Question),
    Missing(String),
}

impl Run<'_> {
    fn origin(&self) -> Origin {
        Origin::keyed(self.source, self.key.clone()).by(self.actor)
    }

    fn remember_customer(&mut self, id: CustomerId, name: &str) {
        self.state.active_customer = Some(ActiveCustomer {
            id,
            name: name.to_string(),
        });
    }

    fn remember_booking(&mut self, operation: crate::books::OperationId) {
        self.state.last_booking = Some(LastBooking {
            operation,
            at: to_millis(self.books.now()),
        });
    }

    /// What staff may not do at all (see docs/ARCHITECTURE.md, "Understanding and dialog").
    fn owner_only(&self, command: &Command) -> Option<OwnerOnly> {
        if self.policy.role == Role::Owner {
            return None;
        }
        match command {
            Command::CheckBalance { customer: None } => Some(OwnerOnly::ShopDues),
            Command::DailySummary { .. } => Some(OwnerOnly::Summary),
            Command::ListInvoices { customer: None } => Some(OwnerOnly::AllInvoices),
            Command::AddProduct { .. } => Some(OwnerOnly::Products),
            Command::CancelReminder { .. } => Some(OwnerOnly::CancelReminders),
            Command::AutoRemindAll { .. } | Command::StopAutoReminder { .. } => {
                Some(OwnerOnly::AutoReminders)
            }
            Command::SetDigest { .. } => Some(OwnerOnly::Digest),
            _ => None,
        }
    }

    /// Why this write must be confirmed first, or `None` to write it now: the merchant already
    /// said yes; else an unsure reading; else an amount above the shop's limit; else an amount
    /// far above the customer's history.
    async fn needs_yes(
        &self,
        settled: &Settled,
        amount: Option<Paise>,
        customer: Option<CustomerId>,
    ) -> Result<Option<ConfirmReason>, BooksError> {
        if settled.confirmed {
            return Ok(None);
        }
        if self.policy.unsure {
            return Ok(Some(ConfirmReason::Unsure));
        }
        // An amount the books refuse anyway is refused, not asked about.
        let Some(amount) = amount.filter(|a| a.is_positive() && *a <= crate::money::MAX_BOOKING)
        else {
            return Ok(None);
        };
        let limit = self.policy.settings.large_amount;
        if amount > limit {
            return Ok(Some(ConfirmReason::LargeAmount { limit }));
        }
        if let Some(id) = customer
            && amount >= HISTORY_FLOOR
            && let Some(largest) = self.books.largest_entry(id).await?
            && amount.as_i64() > largest.as_i64().saturating_mul(HISTORY_FACTOR)
        {
            let customer = self.books.customer(id).await?.name;
            return Ok(Some(ConfirmReason::AboveHistory { customer, largest }));
        }
        Ok(None)
    }

    /// Settles who `said` is: the answer already given, one clear match, or a question.
    async fn who(
        &mut self,
        said: &str,
        settled: &Settled,
        offer_to_create: bool,
    ) -> Result<Who, BooksError> {
        if let Some(id) = settled.customer {
            let customer = self.books.customer(id).await?;
            self.remember_customer(id, &customer.name);
            return Ok(Who::Is(id));
        }
        if is_pronoun(said) {
            return Ok(Who::Missing(said.to_string()));
        }
        match self.books.find_customers(said, QUESTION_OPTIONS).await? {
            Found::One(customer) => {
                self.remember_customer(customer.id, &customer.name);
                Ok(Who::Is(customer.id))
            }
            Found::Several(list) => Ok(Who::Ask(Question::WhichCustomer {
                said: said.to_string(),
                options: list.into_iter().map(|c| (c.id, c.name)).collect(),
            })),
            Found::None if offer_to_create => {
                let name = crate::books::names::clean_display_name(said);
                Ok(Who::Ask(Question::CreateCustomer { name }))
            }
            Found::None => Ok(Who::Missing(said.to_string())),
        }
    }

    /// Runs `command` with what is settled so far.
    pub async fn run(&mut self, command: &Command, settled: Settled) -> Result<Step, BooksError> {
        macro_rules! customer_or_ask {
            ($said:expr, $create:expr) => {
                match self.who($said, &settled, $create).await? {
                    Who::Is(id) => id,
                    Who::Ask(question) => return Ok(Step::Ask(question, settled)),
                    Who::Missing(name) => return Ok(Step::Done(Outcome::CustomerNotFound { name })),
                }
            };
        }
        // Asks "write this?" when `needs_yes` says so, with what is settled so far kept.
        macro_rules! confirm_first {
            ($amount:expr, $customer:expr, $settled:expr, $proposal:expr) => {
                if let Some(reason) = self.needs_yes(&settled, $amount, $customer).await? {
                    let proposal = $proposal;
                    return Ok(Step::Ask(Question::Confirm { proposal, reason }, $settled));
                }
            };
        }
        if let Some(action) = self.owner_only(command) {
            return Ok(Step::Done(Outcome::OwnerOnly { action }));
        }
        let outcome = match command {
            Command::RecordPayment {
                customer,
                amount_paise,
                mode,
            } => {
                let id = customer_or_ask!(customer, true);
                confirm_first!(
                    Some(*amount_paise),
                    Some(id),
                    Settled {
                        customer: Some(id),
                        ..settled
                    },
                    Proposal::Payment {
                        customer: self.books.customer(id).await?.name,
                        amount: *amount_paise,
                        mode: *mode,
                    }
                );
                self.payment(id, *amount_paise, *mode).await?
            }
            Command::AddCredit {
                customer,
                amount_paise,
                note,
            } => {
                let id = customer_or_ask!(customer, true);
                confirm_first!(
                    Some(*amount_paise),
                    Some(id),
                    Settled {
                        customer: Some(id),
                        ..settled
                    },
                    Proposal::Credit {
                        customer: self.books.customer(id).await?.name,
                        amount: *amount_paise,
                    }
                );
                let booked = self
                    .books
                    .add_credit(id, *amount_paise, note.as_deref(), &self.origin())
                    .await?;
                self.remember_booking(booked.operation);
                let v = booked.value;
                Outcome::CreditAdded {
                    customer: v.customer_name,
                    amount: v.amount,
                    balance: v.balance,
                }
            }
            Command::CreateInvoice { customer, items } => {
                let id = match customer {
                    Some(said) => Some(customer_or_ask!(said, true)),
                    None => None,
                };
                return self.invoice(id, items, settled).await;
            }
            Command::CheckBalance {
                customer: Some(said),
            } => {
                let id = customer_or_ask!(said, false);
                let customer = self.books.customer(id).await?;
                Outcome::Balance {
                    customer: customer.name,
                    balance: customer.balance,
                }
            }
            Command::CheckBalance { customer: None } => {
                let debtors = self.books.debtors(1000).await?;
                let total = self.books.total_dues().await?;
                Outcome::TotalDues {
                    total,
                    count: debtors.len(),
                    debtors: debtors
                        .into_iter()
                        .take(10)
                        .map(|d| DebtorView {
                            name: d.name,
                            balance: d.balance,
                        })
                        .collect(),
                }
            }
            Command::ScheduleReminder {
                every_days: Some(_),
                ..
            }
            | Command::AutoRemindAll { .. }
            | Command::StopAutoReminder { .. }
            | Command::ReminderStatus { .. } => return self.reminder_talk(command, settled).await,
            Command::ScheduleReminder {
                customer,
                amount_paise,
                at,
                every_days: None,
            } => {
                let id = customer_or_ask!(customer, true);
                confirm_first!(
                    None,
                    None,
                    Settled {
                        customer: Some(id),
                        ..settled
                    },
                    Proposal::Reminder {
                        customer: self.books.customer(id).await?.name,
                        amount: *amount_paise,
                    }
                );
                let due = at.map_or_else(|| self.books.now(), |at| at.with_timezone(&chrono::Utc));
                let booked = self
                    .books
                    .schedule_reminder(id, *amount_paise, to_millis(due), &self.origin())
                    .await?;
                let r = booked.value;
                Outcome::ReminderScheduled {
                    customer: r.customer_name,
                    amount: r.amount,
                    at: local(from_millis(r.due_at), self.books.zone()),
                }
            }
            Command::CancelReminder { customer } => {
                let id = customer_or_ask!(customer, false);
                let name = self.books.customer(id).await?.name;
                confirm_first!(
                    None,
                    None,
                    Settled {
                        customer: Some(id),
                        ..settled
                    },
                    Proposal::CancelReminders {
                        customer: name.clone(),
                    }
                );
                match self.books.cancel_reminders(id).await? {
                    0 => Outcome::NoReminders { customer: name },
                    count => Outcome::RemindersCancelled {
                        customer: name,
                        count,
                    },
                }
            }
            Command::CheckStock { product } => match self.product(product, &settled).await? {
                Found::One(p) => Outcome::Stock {
                    low: p.is_low(),
                    product: p.name,
                    stock: p.stock,
                    unit: p.unit,
                },
                Found::Several(list) => return Ok(which_product(0, product, list, settled)),
                Found::None => Outcome::ProductNotFound {
                    name: product.clone(),
                },
            },
            Command::UpdateStock { product, qty, unit } => {
                match self.product(product, &settled).await? {
                    Found::One(p) => {
                        if let Some(unit) = unit
                            && unit.convert(*qty, p.unit).is_none()
                        {
                            return Ok(Step::Done(Outcome::UnitMismatch {
                                product: p.name,
                                unit: p.unit,
                            }));
                        }
                        confirm_first!(
                            None,
                            None,
                            Settled {
                                items: vec![Some(ItemChoice::Catalog(p.id))],
                                ..settled
                            },
                            Proposal::Stock {
                                product: p.name.clone(),
                                delta: unit.and_then(|u| u.convert(*qty, p.unit)).unwrap_or(*qty),
                                unit: p.unit,
                            }
                        );
                        let booked = self
                            .books
                            .adjust_stock(p.id, *qty, *unit, &self.origin())
                            .await?;
                        self.remember_booking(booked.operation);
                        let v = booked.value;
                        Outcome::StockUpdated {
                            product: v.name,
                            delta: v.delta,
                            stock: v.stock,
                            unit: v.unit,
                        }
                    }
                    Found::Several(list) => return Ok(which_product(0, product, list, settled)),
                    Found::None => Outcome::ProductNotFound {
                        name: product.clone(),
                    },
                }
            }
            Command::AddProduct {
                product,
                price_paise,
                unit,
            } => {
                confirm_first!(
                    None,
                    None,
                    settled,
                    Proposal::Product {
                        product: product.clone(),
                        price: *price_paise,
                    }
                );
                let new = NewProduct {
                    name: product.clone(),
                    price: *price_paise,
                    unit: unit.unwrap_or(Unit::Piece),
                    low_stock: None,
                };
                let (p, created) = self.books.upsert_product(new).await?;
                Outcome::ProductSaved {
                    product: p.name,
                    price: p.price,
                    unit: p.unit,
                    created,
                }
            }
            Command::AddCustomer { customer, phone } => {
                confirm_first!(
                    None,
                    None,
                    settled,
                    Proposal::Customer {
                        customer: crate::books::names::clean_display_name(customer),
                    }
                );
                let new = NewCustomer {
                    name: customer.clone(),
                    phone: phone.clone(),
                    nickname: None,
                };
                let (c, created) = self.books.add_customer(new).await?;
                self.remember_customer(c.id, &c.name);
                Outcome::CustomerSaved {
                    customer: c.name,
                    phone: c.phone.map(|p| p.to_string()),
                    created,
                }
            }
            Command::DailySummary { date } => {
                let s = self.books.daily_summary(*date).await?;
                Outcome::DailySummary {
                    date: s.date,
                    sales: s.sales,
                    invoice_count: s.invoice_count,
                    collections: s.collections,
                    new_credit: s.new_credit,
                    outstanding: s.outstanding,
                    top_debtors: s
                        .top_debtors
                        .into_iter()
                        .map(|d| DebtorView {
                            name: d.name,
                            balance: d.balance,
                        })
                        .collect(),
                    low_stock: s.low_stock,
                }
            }
            Command::ListInvoices { customer } => {
                let (id, name) = match customer {
                    Some(said) => {
                        let id = customer_or_ask!(said, false);
                        (Some(id), Some(self.books.customer(id).await?.name))
                    }
                    None => (None, None),
                };
                let zone = self.books.zone();
                let invoices = self
                    .books
                    .invoices(id, 10)
                    .await?
                    .into_iter()
                    .map(|i| InvoiceView {
                        number: i.number,
                        customer: i.customer_name,
                        total: i.total,
                        cancelled: i.cancelled,
                        date: local(from_millis(i.created_at), zone).date_naive(),
                    })
                    .collect();
                Outcome::InvoiceList {
                    customer: name,
                    invoices,
                }
            }
            Command::CancelInvoice { customer } => {
                let (id, name) = match customer {
                    Some(said) => {
                        let id = customer_or_ask!(said, false);
                        (Some(id), Some(self.books.customer(id).await?.name))
                    }
                    None => (None, None),
                };
                let invoice = match settled.invoice {
                    Some(chosen) => Some(self.books.invoice(chosen).await?.0),
                    None => self.books.last_open_invoice(id).await?,
                };
                match invoice {
                    Some(invoice) => {
                        if let Some(action) = self.may_not_cancel(&invoice).await? {
                            return Ok(Step::Done(Outcome::OwnerOnly { action }));
                        }
                        confirm_first!(
                            None,
                            None,
                            Settled {
                                customer: id,
                                invoice: Some(invoice.id),
                                ..settled
                            },
                            Proposal::CancelInvoice {
                                number: invoice.number,
                                total: invoice.total,
                            }
                        );
                        let v = self
                            .books
                            .cancel_invoice(invoice.id, &self.origin())
                            .await?
                            .value;
                        Outcome::InvoiceCancelled {
                            number: v.number,
                            customer: v.customer_name,
                            total: v.total,
                            balance: v.balance,
                        }
                    }
                    None => Outcome::NoInvoice { customer: name },
                }
            }
            Command::Undo => {
                confirm_first!(None, None, settled, Proposal::Undo);
                self.undo().await?
            }
            Command::Help => Outcome::Help,
            Command::SetDigest { on, at } => {
                let now = self
                    .books
                    .set_digest_schedule(crate::books::DigestChange {
                        enabled: Some(*on),
                        at: *at,
                    })
                    .await?;
                Outcome::DigestSet {
                    enabled: now.enabled,
                    at: now.at,
                }
            }
            Command::Unknown => Outcome::NotUnderstood,
        };
        Ok(Step::Done(outcome))
    }

    /// Staff may cancel only a bill they issued themselves, and only inside the shop's window
    /// (the books' rule, the same for every door).
    async fn may_not_cancel(
        &self,
        invoice: &InvoiceSummary,
    ) -> Result<Option<OwnerOnly>, BooksError> {
        let refused = self
            .books
            .cancel_refusal(invoice, self.policy.role, self.actor)
            .await?;
        Ok(refused.map(|refused| match refused {
            CancelRefused::OthersBill { number } => OwnerOnly::OthersBill { number },
            CancelRefused::OldBill {
                number,
                window_minutes,
            } => OwnerOnly::OldBill {
                number,
                window_minutes,
            },
        }))
    }

    /// The product chosen in answer to a question, or a lookup by the words said.
    async fn product(
        &self,
        said: &str,
        settled: &Settled,
    ) -> Result<Found<crate::books::Product>, BooksError> {
        if let Some(Some(ItemChoice::Catalog(id))) = settled.items.first() {
            return Ok(Found::One(self.books.product(*id).await?));
        }
        self.books.find_products(said, QUESTION_OPTIONS).await
    }

    async fn payment(
        &mut self,
        id: CustomerId,
        amount: Paise,
        mode: Option<PaymentMode>,
    ) -> Result<Outcome, BooksError> {
        let booked = self
            .books
            .record_payment(id, amount, mode, &self.origin())
            .await?;
        self.remember_booking(booked.operation);
        let v = booked.value;
        Ok(Outcome::PaymentRecorded {
            customer: v.customer_name,
            amount: v.amount,
            mode: v.mode,
            balance: v.balance,
        })
    }

    /// The sender's own last booking, if it is inside the undo window.
    async fn undo(&mut self) -> Result<Outcome, BooksError> {
        let Some(last) = self.state.last_booking.clone() else {
            return Ok(Outcome::NothingToUndo);
        };
        let window = super::state::UNDO_WINDOW_MINUTES;
        if to_millis(self.books.now()) - last.at > window * 60_000 {
            self.state.last_booking = None;
            return Ok(Outcome::UndoExpired { minutes: window });
        }
        let undone = match self.books.undo(last.operation, &self.origin()).await {
            Ok(booked) => booked.value,
            Err(BooksError::NothingToUndo) => {
                self.state.last_booking = None;
                return Ok(Outcome::NothingToUndo);
            }
            Err(e) => return Err(e),
        };
        self.state.last_booking = None;
        Ok(Outcome::Undone {
            kind: undone.kind,
            customer: undone.customer_name,
            amount: undone.amount,
            invoice_number: undone.invoice_number,
            product: undone.product_name,
            balance: undone.balance,
        })
    }

    /// Settles each item (catalog product, or a question), then issues the bill.
    async fn invoice(
        &mut self,
        customer: Option<CustomerId>,
        items: &[ItemRequest],
        mut settled: Settled,
    ) -> Result<Step, BooksError> {
        settled.customer = customer;
        settled.items.resize(items.len(), None);
        for (index, item) in items.iter().enumerate() {
            if settled.items[index].is_some() {
                continue;
            }
            match self
                .books
                .find_products(&item.product, QUESTION_OPTIONS)
                .await?
            {
                Found::One(p) => {
                    if let Some(unit) = item.unit
                        && unit.convert(item.qty, p.unit).is_none()
                    {
                        return Ok(Step::Done(Outcome::UnitMismatch {
                            product: p.name,
                            unit: p.unit,
                        }));
                    }
                    settled.items[index] = Some(ItemChoice::Catalog(p.id));
                }
                Found::Several(list) => {
                    return Ok(which_product(index, &item.product, list, settled));
                }
                Found::None => {
                    let question = Question::ProductPrice {
                        item: index,
                        product: item.product.clone(),
                    };
                    return Ok(Step::Ask(question, settled));
                }
            }
        }
        let lines: Vec<InvoiceLineRequest> = items
            .iter()
            .zip(&settled.items)
            .filter_map(|(item, choice)| match choice {
                Some(ItemChoice::Catalog(id)) => Some(InvoiceLineRequest {
                    pricing: LinePricing::Catalog(*id),
                    qty: item.qty,
                    unit: item.unit,
                }),
                _ => None,
            })
            .collect();
        if lines.is_empty() {
            return Ok(Step::Done(Outcome::Dropped));
        }
        let total = self.books.quote(&lines).await?;
        if let Some(reason) = self.needs_yes(&settled, Some(total), customer).await? {
            let customer = match customer {
                Some(id) => Some(self.books.customer(id).await?.name),
                None => None,
            };
            let proposal = Proposal::Invoice { customer, total };
            return Ok(Step::Ask(Question::Confirm { proposal, reason }, settled));
        }
        let booked = self
            .books
            .create_invoice(customer, &lines, &self.origin())
            .await?;
        self.remember_booking(booked.operation);
        let v = booked.value;
        Ok(Step::Done(Outcome::InvoiceCreated {
            number: v.number,
            customer: v.customer_name,
            lines: v
                .lines
                .into_iter()
                .map(|l| LineView {
                    name: l.name,
                    qty: l.qty,
                    unit: l.unit,
                    total: l.total,
                })
                .collect(),
            total: v.total,
            balance: v.balance,
            low_stock: v.low_stock,
        }))
    }

    /// Adds a product the merchant priced in answer to a question; returns its id.
    pub async fn add_priced_product(
        &mut self,
        item: &ItemRequest,
        price: Paise,
    ) -> Result<ItemChoice, BooksError> {
        let unit = item.unit.unwrap_or(Unit::Piece);
        let (product, _) = self
            .books
            .upsert_product(NewProduct {
                name: item.product.clone(),
                price,
                unit,
                low_stock: None,
            })
            .await?;
        Ok(ItemChoice::Catalog(product.id))
    }
}

/// Asks which of several products was meant, for item `item` of the command.
fn which_product(
    item: usize,
    said: &str,
    list: Vec<crate::books::Product>,
    settled: Settled,
) -> Step {
    let options = list.into_iter().map(|p| (p.id, p.name)).collect();
    Step::Ask(
        Question::WhichProduct {
            item,
            said: said.to_string(),
            options,
        },
        settled,
    )
}

/// Maps a books refusal to what the merchant is told; `None` for failures on our side.
pub fn refusal(error: &BooksError) -> Option<Outcome> {
    Some(match error {
        BooksError::InvalidAmount(_) => Outcome::InvalidAmount,
        BooksError::InvalidQuantity(_) => Outcome::InvalidQuantity,
        BooksError::InvalidName(_) | BooksError::InvalidNote(_) => Outcome::InvalidName,
        BooksError::InvalidPhone(_) | BooksError::PhoneTaken(_) => Outcome::InvalidPhone,
        BooksError::ReminderInPast => Outcome::ReminderInPast,
        BooksError::NothingToUndo => Outcome::NothingToUndo,
        BooksError::EmptyInvoice => Outcome::Dropped,
        BooksError::InvoiceAlreadyCancelled(_) => Outcome::NoInvoice { customer: None },
        BooksError::CustomerNotFound(_) => Outcome::CustomerNotFound {
            name: String::new(),
        },
        BooksError::ProductNotFound(_) => Outcome::ProductNotFound {
            name: String::new(),
        },
        _ => return None,
    })
}

/// The merchant-local time, for the parser.
pub fn local_now(books: &Books) -> DateTime<FixedOffset> {
    local(books.now(), books.zone())
}
