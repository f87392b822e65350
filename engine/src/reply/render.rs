//! Words for an outcome in the merchant's language, from the Fluent files in templates/.
//!
//! Money, quantities, dates and lists are formatted here (Indian grouping, local day parts)
//! and handed to Fluent as finished strings, so no template ever formats a number.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use unic_langid::{LanguageIdentifier, langid};

use super::{
    ConfirmReason, Locale, MAX_OPTION_TITLE_CHARS, MAX_OPTIONS, NothingWritten, Outcome, OwnerOnly,
    Proposal, QuickOption, Reply,
};
use crate::money::{Paise, PaymentMode};
use crate::quantity::{Quantity, Unit};

static_loader! {
    static LOCALES = {
        locales: "../templates",
        fallback_language: "en",
        // Without this Fluent wraps every value in U+2068/U+2069, which WhatsApp shows as junk.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static HI_LATN: LanguageIdentifier = langid!("hi-Latn");
static HI: LanguageIdentifier = langid!("hi");
static EN: LanguageIdentifier = langid!("en");

/// Longest list shown in one reply before "…and N more".
const MAX_LIST_LINES: usize = 10;

fn language(locale: Locale) -> &'static LanguageIdentifier {
    match locale {
        Locale::HiLatn => &HI_LATN,
        Locale::Hi => &HI,
        Locale::En => &EN,
    }
}

pub(super) type Args = HashMap<Cow<'static, str>, FluentValue<'static>>;

/// Builds message arguments from name/value pairs.
pub(super) fn args<const N: usize>(pairs: [(&'static str, FluentValue<'static>); N]) -> Args {
    pairs
        .into_iter()
        .map(|(k, v)| (Cow::Borrowed(k), v))
        .collect()
}

pub(super) fn text(value: impl Into<String>) -> FluentValue<'static> {
    FluentValue::from(value.into())
}

fn number(value: i64) -> FluentValue<'static> {
    FluentValue::from(value)
}

/// One message in one language; a missing message falls back to English, then to its id.
pub(super) fn say(locale: Locale, id: &str, arguments: &Args) -> String {
    let args = (!arguments.is_empty()).then_some(arguments);
    LOCALES
        .try_lookup_complete(language(locale), id, args)
        .or_else(|| LOCALES.try_lookup_complete(&EN, id, args))
        .unwrap_or_else(|| {
            tracing::warn!(id, locale = locale.as_str(), "reply text missing");
            id.to_string()
        })
}

pub(super) fn plain(locale: Locale, id: &str) -> String {
    say(locale, id, &Args::new())
}

fn month_name(locale: Locale, month: u32) -> &'static str {
    const EN_MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const HI_MONTHS: [&str; 12] = [
        "जनवरी",
        "फ़रवरी",
        "मार्च",
        "अप्रैल",
        "मई",
        "जून",
        "जुलाई",
        "अगस्त",
        "सितंबर",
        "अक्टूबर",
        "नवंबर",
        "दिसंबर",
    ];
    let index = (month.clamp(1, 12) - 1) as usize;
    match locale {
        Locale::Hi => HI_MONTHS[index],
        _ => EN_MONTHS[index],
    }
}

/// "22 Nov" / "22 नवंबर".
pub fn format_date(date: NaiveDate, locale: Locale) -> String {
    format!("{} {}", date.day(), month_name(locale, date.month()))
}

/// "23 Nov, shaam 7:00" / "23 नवंबर, शाम 7:00" / "23 Nov, 7:00 PM".
pub fn format_when(at: DateTime<FixedOffset>, locale: Locale) -> String {
    let date = format_date(at.date_naive(), locale);
    let (hour, minute) = (at.hour(), at.minute());
    let twelve = if hour % 12 == 0 { 12 } else { hour % 12 };
    match locale {
        Locale::En => format!(
            "{date}, {twelve}:{minute:02} {}",
            if hour < 12 { "AM" } else { "PM" }
        ),
        Locale::HiLatn | Locale::Hi => {
            let part = match (hour, locale) {
                (4..=11, Locale::Hi) => "सुबह",
                (12..=15, Locale::Hi) => "दोपहर",
                (16..=19, Locale::Hi) => "शाम",
                (_, Locale::Hi) => "रात",
                (4..=11, _) => "subah",
                (12..=15, _) => "dopahar",
                (16..=19, _) => "shaam",
                _ => "raat",
            };
            format!("{date}, {part} {twelve}:{minute:02}")
        }
    }
}

fn unit_word(unit: Unit, locale: Locale) -> &'static str {
    match locale {
        Locale::Hi => match unit {
            Unit::Kg => "किलो",
            Unit::G => "ग्राम",
            Unit::Litre => "लीटर",
            Unit::Ml => "ml",
            Unit::Packet => "पैकेट",
            Unit::Dozen => "दर्जन",
            Unit::Piece => "पीस",
            Unit::Box => "डिब्बा",
            Unit::Bottle => "बोतल",
        },
        _ => unit.as_str(),
    }
}

/// "2 kg", "0.5 किलो", "3 packet".
fn amount_of(qty: Quantity, unit: Unit, locale: Locale) -> String {
    format!("{qty} {}", unit_word(unit, locale))
}

fn mode_suffix(mode: Option<PaymentMode>, locale: Locale) -> String {
    mode.map_or_else(String::new, |m| {
        format!(" ({})", plain(locale, &format!("mode-{}", m.as_str())))
    })
}

/// "Ab baaki: ₹1,300" / "Advance: ₹200" / "Hisaab barabar ✅".
fn balance_line(balance: Paise, locale: Locale) -> String {
    if balance.is_positive() {
        say(
            locale,
            "balance-due",
            &args([("amount", text(balance.to_string()))]),
        )
    } else if balance.is_negative() {
        say(
            locale,
            "balance-advance",
            &args([("amount", text(balance.abs().to_string()))]),
        )
    } else {
        plain(locale, "balance-clear")
    }
}

/// Up to ten lines, then "…and N more".
fn capped(lines: Vec<String>, locale: Locale) -> Vec<String> {
    let total = lines.len();
    let mut shown: Vec<String> = lines.into_iter().take(MAX_LIST_LINES).collect();
    if total > MAX_LIST_LINES {
        shown.push(say(
            locale,
            "more-lines",
            &args([("count", number((total - MAX_LIST_LINES) as i64))]),
        ));
    }
    shown
}

/// A button title within WhatsApp's 20 characters, cut on a character boundary.
fn title(text: &str) -> String {
    if text.chars().count() <= MAX_OPTION_TITLE_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_OPTION_TITLE_CHARS - 1).collect();
    cut.push('…');
    cut
}

fn choose_from(question: String, options: &[String], locale: Locale) -> Reply {
    let mut lines = vec![question];
    lines.extend(
        options
            .iter()
            .take(MAX_OPTIONS)
            .enumerate()
            .map(|(i, name)| format!("{}. {name}", i + 1)),
    );
    lines.push(plain(locale, "ask-reply-number"));
    Reply {
        text: lines.join("\n"),
        options: options
            .iter()
            .take(MAX_OPTIONS)
            .enumerate()
            .map(|(i, name)| QuickOption {
                id: format!("pick:{}", i + 1),
                title: title(name),
            })
            .collect(),
        expects_answer: true,
    }
}

/// "Suresh Patel se ₹500 mile": what a confirmation question proposes to write.
fn proposal_text(proposal: &Proposal, l: Locale) -> String {
    let money = |p: &Paise| text(p.to_string());
    match proposal {
        Proposal::Payment {
            customer,
            amount,
            mode,
        } => say(
            l,
            "propose-payment",
            &args([
                ("customer", text(customer.clone())),
                ("amount", money(amount)),
                ("mode", text(mode_suffix(*mode, l))),
            ]),
        ),
        Proposal::Credit { customer, amount } => say(
            l,
            "propose-credit",
            &args([
                ("customer", text(customer.clone())),
                ("amount", money(amount)),
            ]),
        ),
        Proposal::Invoice {
            customer: Some(customer),
            total,
        } => say(
            l,
            "propose-invoice",
            &args([
                ("customer", text(customer.clone())),
                ("total", money(total)),
            ]),
        ),
        Proposal::Invoice {
            customer: None,
            total,
        } => say(l, "propose-invoice-cash", &args([("total", money(total))])),
        Proposal::Stock {
            product,
            delta,
            unit,
        } => {
            let id = if delta.is_positive() {
                "propose-stock-in"
            } else {
                "propose-stock-out"
            };
            let shown = Quantity::from_milli(delta.milli().saturating_abs());
            say(
                l,
                id,
                &args([
                    ("product", text(product.clone())),
                    ("delta", text(amount_of(shown, *unit, l))),
                ]),
            )
        }
        Proposal::Product { product, price } => say(
            l,
            "propose-product",
            &args([("product", text(product.clone())), ("price", money(price))]),
        ),
        Proposal::Customer { customer } => say(
            l,
            "propose-customer",
            &args([("customer", text(customer.clone()))]),
        ),
        Proposal::Reminder {
            customer,
            amount: Some(amount),
        } => say(
            l,
            "propose-reminder-amount",
            &args([
                ("customer", text(customer.clone())),
                ("amount", money(amount)),
            ]),
        ),
        Proposal::Reminder {
            customer,
            amount: None,
        } => say(
            l,
            "propose-reminder",
            &args([("customer", text(customer.clone()))]),
        ),
        Proposal::CancelReminders { customer } => say(
            l,
            "propose-cancel-reminders",
            &args([("customer", text(customer.clone()))]),
        ),
        Proposal::CancelInvoice { number: n, total } => say(
            l,
            "propose-cancel-invoice",
            &args([("number", number(*n)), ("total", money(total))]),
        ),
        Proposal::Undo => plain(l, "propose-undo"),
        Proposal::AutoReminders(auto) => super::reminders::proposal_text(auto, l),
    }
}

/// "24 ghante" / "30 minute".
fn window_text(minutes: i64, l: Locale) -> String {
    if minutes > 0 && minutes % 60 == 0 {
        say(l, "window-hours", &args([("count", number(minutes / 60))]))
    } else {
        say(l, "window-minutes", &args([("count", number(minutes))]))
    }
}

fn statement(text: String) -> Reply {
    Reply {
        text,
        options: Vec::new(),
        expects_answer: false,
    }
}

/// Words for `outcome` in `locale`.
pub fn render(outcome: &Outcome, locale: Locale) -> Reply {
    let l = locale;
    let money = |p: &Paise| text(p.to_string());
    let lines = match outcome {
        Outcome::PaymentRecorded {
            customer,
            amount,
            mode,
            balance,
        } => vec![
            say(
                l,
                "payment-recorded",
                &args([
                    ("customer", text(customer.clone())),
                    ("amount", money(amount)),
                    ("mode", text(mode_suffix(*mode, l))),
                ]),
            ),
            balance_line(*balance, l),
        ],
        Outcome::CreditAdded {
            customer,
            amount,
            balance,
        } => vec![
            say(
                l,
                "credit-added",
                &args([
                    ("customer", text(customer.clone())),
                    ("amount", money(amount)),
                ]),
            ),
            balance_line(*balance, l),
        ],
        Outcome::InvoiceCreated {
            number: n,
            customer,
            lines: items,
            total,
            balance,
            low_stock,
        } => {
            let mut out = vec![match customer {
                Some(name) => say(
                    l,
                    "invoice-created",
                    &args([("number", number(*n)), ("customer", text(name.clone()))]),
                ),
                None => say(l, "invoice-created-cash", &args([("number", number(*n))])),
            }];
            out.extend(capped(
                items
                    .iter()
                    .map(|i| format!("• {} {} — {}", amount_of(i.qty, i.unit, l), i.name, i.total))
                    .collect(),
                l,
            ));
            out.push(say(l, "invoice-total", &args([("total", money(total))])));
            if let Some(balance) = balance {
                out.push(balance_line(*balance, l));
            }
            if !low_stock.is_empty() {
                out.push(say(
                    l,
                    "low-stock-warning",
                    &args([("products", text(low_stock.join(", ")))]),
                ));
            }
            out
        }
        Outcome::InvoiceCancelled {
            number: n,
            total,
            balance,
            ..
        } => {
            let mut out = vec![say(
                l,
                "invoice-cancelled",
                &args([("number", number(*n)), ("total", money(total))]),
            )];
            if let Some(balance) = balance {
                out.push(balance_line(*balance, l));
            }
            out
        }
        Outcome::ReminderScheduled {
            customer,
            amount,
            at,
        } => {
            let when = format_when(*at, l);
            vec![match amount {
                Some(a) => say(
                    l,
                    "reminder-scheduled-amount",
                    &args([
                        ("customer", text(customer.clone())),
                        ("amount", money(a)),
                        ("when", text(when)),
                    ]),
                ),
                None => say(
                    l,
                    "reminder-scheduled",
                    &args([("customer", text(customer.clone())), ("when", text(when))]),
                ),
            }]
        }
        Outcome::RemindersCancelled { customer, count } => vec![say(
            l,
            "reminders-cancelled",
            &args([
                ("customer", text(customer.clone())),
                ("count", number(*count as i64)),
            ]),
        )],
        Outcome::ReminderSettled { customer } => vec![say(
            l,
            "reminder-settled",
            &args([("customer", text(customer.clone()))]),
        )],
        Outcome::ReminderNoPhone { customer } => vec![say(
            l,
            "reminder-no-phone",
            &args([("customer", text(customer.clone()))]),
        )],
        Outcome::ReminderNeedsReview { customer } => vec![say(
            l,
            "reminder-needs-review",
            &args([("customer", text(customer.clone()))]),
        )],
        Outcome::NoReminders { customer } => vec![say(
            l,
            "no-reminders",
            &args([("customer", text(customer.clone()))]),
        )],
        Outcome::StockUpdated {
            product,
            delta,
            stock,
            unit,
        } => {
            let id = if delta.is_positive() {
                "stock-updated"
            } else {
                "stock-reduced"
            };
            let shown = Quantity::from_milli(delta.milli().saturating_abs());
            vec![say(
                l,
                id,
                &args([
                    ("product", text(product.clone())),
                    ("delta", text(amount_of(shown, *unit, l))),
                    ("stock", text(amount_of(*stock, *unit, l))),
                ]),
            )]
        }
        Outcome::ProductSaved {
            product,
            price,
            unit,
            created,
        } => {
            let id = if *created {
                "product-added"
            } else {
                "product-updated"
            };
            vec![say(
                l,
                id,
                &args([
                    ("product", text(product.clone())),
                    ("price", money(price)),
                    ("unit", text(unit_word(*unit, l))),
                ]),
            )]
        }
        Outcome::CustomerSaved {
            customer,
            phone,
            created,
        } => {
            let id = if *created {
                "customer-added"
            } else {
                "customer-exists"
            };
            let phone = phone
                .as_ref()
                .map_or_else(String::new, |p| format!(" ({p})"));
            vec![say(
                l,
                id,
                &args([("customer", text(customer.clone())), ("phone", text(phone))]),
            )]
        }
        Outcome::Undone {
            kind,
            customer,
            amount,
            invoice_number,
            product,
            balance,
        } => {
            let amount = amount.map_or_else(String::new, |a| a.to_string());
            let who = customer.clone().unwrap_or_default();
            let mut out = vec![match kind.as_str() {
                "payment" => say(
                    l,
                    "undone-payment",
                    &args([("customer", text(who)), ("amount", text(amount))]),
                ),
                "credit" => say(
                    l,
                    "undone-credit",
                    &args([("customer", text(who)), ("amount", text(amount))]),
                ),
                "invoice" => say(
                    l,
                    "undone-invoice",
                    &args([
                        ("number", number(invoice_number.unwrap_or_default())),
                        ("amount", text(amount)),
                    ]),
                ),
                _ => say(
                    l,
                    "undone-stock",
                    &args([("product", text(product.clone().unwrap_or_default()))]),
                ),
            }];
            if let Some(balance) = balance {
                out.push(balance_line(*balance, l));
            }
            out
        }
        Outcome::Balance { customer, balance } => {
            let who = ("customer", text(customer.clone()));
            vec![if balance.is_positive() {
                say(l, "balance", &args([who, ("amount", money(balance))]))
            } else if balance.is_negative() {
                say(
                    l,
                    "balance-advance-answer",
                    &args([who, ("amount", text(balance.abs().to_string()))]),
                )
            } else {
                say(l, "balance-clear-answer", &args([who]))
            }]
        }
        Outcome::TotalDues {
            total,
            debtors,
            count,
        } => {
            if *count == 0 {
                vec![plain(l, "no-dues")]
            } else {
                let mut out = vec![say(
                    l,
                    "total-dues",
                    &args([("total", money(total)), ("count", number(*count as i64))]),
                )];
                out.extend(capped(
                    debtors
                        .iter()
                        .map(|d| format!("• {}: {}", d.name, d.balance))
                        .collect(),
                    l,
                ));
                out
            }
        }
        Outcome::Stock {
            product,
            stock,
            unit,
            low,
        } => {
            let id = if *low { "stock-low" } else { "stock" };
            vec![say(
                l,
                id,
                &args([
                    ("product", text(product.clone())),
                    ("stock", text(amount_of(*stock, *unit, l))),
                ]),
            )]
        }
        Outcome::DailySummary {
            date,
            sales,
            invoice_count,
            collections,
            new_credit,
            outstanding,
            top_debtors,
            low_stock,
        } => {
            let mut out = vec![
                say(
                    l,
                    "summary-title",
                    &args([("date", text(format_date(*date, l)))]),
                ),
                say(
                    l,
                    "summary-sales",
                    &args([("amount", money(sales)), ("count", number(*invoice_count))]),
                ),
                say(
                    l,
                    "summary-collections",
                    &args([("amount", money(collections))]),
                ),
                say(l, "summary-credit", &args([("amount", money(new_credit))])),
                say(
                    l,
                    "summary-outstanding",
                    &args([("amount", money(outstanding))]),
                ),
            ];
            if !top_debtors.is_empty() {
                out.push(plain(l, "summary-debtors"));
                out.extend(
                    top_debtors
                        .iter()
                        .map(|d| format!("• {}: {}", d.name, d.balance)),
                );
            }
            if !low_stock.is_empty() {
                out.push(say(
                    l,
                    "summary-low-stock",
                    &args([("products", text(low_stock.join(", ")))]),
                ));
            }
            out
        }
        Outcome::InvoiceList { customer, invoices } => {
            let mut out = vec![match customer {
                Some(name) => say(
                    l,
                    "invoice-list-title",
                    &args([("customer", text(name.clone()))]),
                ),
                None => plain(l, "invoice-list-title-all"),
            }];
            if invoices.is_empty() {
                out.push(plain(l, "invoice-list-empty"));
            }
            let cancelled = plain(l, "invoice-cancelled-mark");
            out.extend(capped(
                invoices
                    .iter()
                    .map(|i| {
                        let who = i
                            .customer
                            .as_ref()
                            .map_or_else(String::new, |c| format!(" {c}"));
                        let mark = if i.cancelled {
                            format!(" ({cancelled})")
                        } else {
                            String::new()
                        };
                        format!(
                            "• #{} {}{who}: {}{mark}",
                            i.number,
                            format_date(i.date, l),
                            i.total
                        )
                    })
                    .collect(),
                l,
            ));
            out
        }
        Outcome::Help => [
            "help",
            "help-payment",
            "help-credit",
            "help-bill",
            "help-balance",
            "help-reminder",
            "help-stock",
            "help-summary",
            "help-undo",
        ]
        .iter()
        .map(|id| plain(l, id))
        .collect(),
        Outcome::AskWhichCustomer { said, options } => {
            return choose_from(
                say(
                    l,
                    "ask-which-customer",
                    &args([("said", text(said.clone()))]),
                ),
                options,
                l,
            );
        }
        Outcome::AskWhichProduct { said, options } => {
            return choose_from(
                say(
                    l,
                    "ask-which-product",
                    &args([("said", text(said.clone()))]),
                ),
                options,
                l,
            );
        }
        Outcome::AskCreateCustomer { name } => {
            return Reply {
                text: say(
                    l,
                    "ask-create-customer",
                    &args([("name", text(name.clone()))]),
                ),
                options: vec![
                    QuickOption {
                        id: "yes".into(),
                        title: title(&plain(l, "option-yes")),
                    },
                    QuickOption {
                        id: "no".into(),
                        title: title(&plain(l, "option-no")),
                    },
                ],
                expects_answer: true,
            };
        }
        Outcome::AskProductPrice { product } => {
            return Reply {
                text: say(
                    l,
                    "ask-product-price",
                    &args([("product", text(product.clone()))]),
                ),
                options: vec![QuickOption {
                    id: "skip".into(),
                    title: title(&plain(l, "option-skip")),
                }],
                expects_answer: true,
            };
        }
        Outcome::AskConfirm { proposal, reason } => {
            let mut out = Vec::new();
            match reason {
                ConfirmReason::Unsure => {}
                ConfirmReason::LargeAmount { limit } => out.push(say(
                    l,
                    "confirm-large-amount",
                    &args([("limit", money(limit))]),
                )),
                ConfirmReason::AboveHistory { customer, largest } => out.push(say(
                    l,
                    "confirm-above-history",
                    &args([
                        ("customer", text(customer.clone())),
                        ("largest", money(largest)),
                    ]),
                )),
            }
            out.push(say(
                l,
                "confirm-ask",
                &args([("what", text(proposal_text(proposal, l)))]),
            ));
            return Reply {
                text: out.join("\n"),
                options: vec![
                    QuickOption {
                        id: "yes".into(),
                        title: title(&plain(l, "option-confirm-yes")),
                    },
                    QuickOption {
                        id: "no".into(),
                        title: title(&plain(l, "option-no")),
                    },
                ],
                expects_answer: true,
            };
        }
        Outcome::NotBooked {
            why,
            customer,
            balance,
        } => {
            let id = match why {
                NothingWritten::Negation => "not-booked-negation",
                NothingWritten::Question => "not-booked-question",
                NothingWritten::Promise => "not-booked-promise",
                NothingWritten::Hypothetical => "not-booked-hypothetical",
                NothingWritten::AlreadyWritten => "not-booked-already-written",
                NothingWritten::MoneyPaidOut => "not-booked-money-paid-out",
                NothingWritten::AmountUnclear => "not-booked-amount-unclear",
                NothingWritten::TooLong => "not-booked-too-long",
            };
            let mut out = vec![plain(l, id)];
            if let (Some(customer), Some(balance)) = (customer, balance) {
                out.push(
                    render(
                        &Outcome::Balance {
                            customer: customer.clone(),
                            balance: *balance,
                        },
                        l,
                    )
                    .text,
                );
            }
            out
        }
        Outcome::OwnerOnly { action } => vec![match action {
            OwnerOnly::ShopDues => plain(l, "owner-only-shop-dues"),
            OwnerOnly::Summary => plain(l, "owner-only-summary"),
            OwnerOnly::AllInvoices => plain(l, "owner-only-all-invoices"),
            OwnerOnly::Products => plain(l, "owner-only-products"),
            OwnerOnly::CancelReminders => plain(l, "owner-only-cancel-reminders"),
            OwnerOnly::AutoReminders => plain(l, "owner-only-auto-reminders"),
            OwnerOnly::Digest => plain(l, "owner-only-digest"),
            OwnerOnly::OthersBill { number: n } => {
                say(l, "owner-only-others-bill", &args([("number", number(*n))]))
            }
            OwnerOnly::OldBill {
                number: n,
                window_minutes,
            } => say(
                l,
                "owner-only-old-bill",
                &args([
                    ("number", number(*n)),
                    ("window", text(window_text(*window_minutes, l))),
                ]),
            ),
        }],
        Outcome::NotUnderstood => vec![plain(l, "not-understood")],
        Outcome::CustomerNotFound { name } if name.is_empty() => {
            vec![plain(l, "customer-not-found-unnamed")]
        }
        Outcome::CustomerNotFound { name } => vec![say(
            l,
            "customer-not-found",
            &args([("name", text(name.clone()))]),
        )],
        Outcome::ProductNotFound { name } if name.is_empty() => {
            vec![plain(l, "product-not-found-unnamed")]
        }
        Outcome::ProductNotFound { name } => vec![say(
            l,
            "product-not-found",
            &args([("name", text(name.clone()))]),
        )],
        Outcome::NoInvoice {
            customer: Some(name),
        } => vec![say(
            l,
            "no-invoice",
            &args([("customer", text(name.clone()))]),
        )],
        Outcome::NoInvoice { customer: None } => vec![plain(l, "no-invoice-any")],
        Outcome::NothingToUndo => vec![plain(l, "nothing-to-undo")],
        Outcome::UndoExpired { minutes } => vec![say(
            l,
            "undo-expired",
            &args([("minutes", number(*minutes))]),
        )],
        Outcome::InvalidAmount => vec![plain(l, "invalid-amount")],
        Outcome::InvalidQuantity => vec![plain(l, "invalid-quantity")],
        Outcome::UnitMismatch { product, unit } => vec![say(
            l,
            "unit-mismatch",
            &args([
                ("product", text(product.clone())),
                ("unit", text(unit_word(*unit, l))),
            ]),
        )],
        Outcome::InvalidName => vec![plain(l, "invalid-name")],
        Outcome::InvalidPhone => vec![plain(l, "invalid-phone")],
        Outcome::ReminderInPast => vec![plain(l, "reminder-in-past")],
        Outcome::Reminders(reply) => super::reminders::lines(reply, l),
        Outcome::Dropped => vec![plain(l, "dropped")],
        Outcome::TryAgain => vec![plain(l, "try-again")],
        Outcome::NotRegistered => vec![plain(l, "not-registered")],
        Outcome::VoiceNotUnderstood => vec![plain(l, "voice-not-understood")],
        Outcome::UnsupportedMessage => vec![plain(l, "unsupported-message")],
        Outcome::MessageNotProcessed => vec![plain(l, "message-not-processed")],
        Outcome::TooManyMessages { per_minute } => {
            vec![say(
                l,
                "too-many-messages",
                &args([("count", number(i64::from(*per_minute)))]),
            )]
        }
        Outcome::CustomerWrote {
            customer,
            phone,
            text: said,
        } => {
            let who = match customer {
                Some(name) => format!("{name} (+{phone})"),
                None => format!("+{phone}"),
            };
            if said.trim().is_empty() {
                vec![say(l, "customer-sent-media", &args([("who", text(who))]))]
            } else {
                vec![say(
                    l,
                    "customer-wrote",
                    &args([("who", text(who)), ("text", text(said.clone()))]),
                )]
            }
        }
        Outcome::CustomerMessagePassedOn { shop } => vec![say(
            l,
            "customer-message-passed-on",
            &args([("shop", text(shop.clone()))]),
        )],
        Outcome::SignupAskName => vec![plain(l, "signup-ask-name")],
        Outcome::SignupOpened { shop } => vec![say(
            l,
            "signup-opened",
            &args([("shop", text(shop.clone()))]),
        )],
        Outcome::SignupNameRefused => vec![plain(l, "signup-name-refused")],
        Outcome::VoiceTooLong { minutes } => vec![say(
            l,
            "voice-too-long",
            &args([("minutes", number(i64::from(*minutes)))]),
        )],
        Outcome::VoiceTooLarge { megabytes } => vec![say(
            l,
            "voice-too-large",
            &args([("megabytes", number(i64::from(*megabytes)))]),
        )],
        Outcome::VoiceUnreadable => vec![plain(l, "voice-unreadable")],
        Outcome::VoiceSilent => vec![plain(l, "voice-silent")],
        Outcome::VoiceNotHeard => vec![plain(l, "voice-not-heard")],
        Outcome::DigestSet { enabled, at } => vec![super::digest_setting(*enabled, *at, l)],
    };
    statement(lines.join("\n"))
}
