//! Every outcome in every language: real words, no Fluent leftovers, exact texts for the key replies.

use chrono::{DateTime, NaiveDate};

use super::{
    ConfirmReason, DebtorView, InvoiceView, LineView, Locale, NothingWritten, Outcome, OwnerOnly,
    Proposal, render,
};
use crate::money::{Paise, PaymentMode};
use crate::quantity::{Quantity, Unit};

fn rupees(r: i64) -> Paise {
    Paise::new(r * 100)
}

fn every_outcome() -> Vec<Outcome> {
    let date = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
    let at = DateTime::parse_from_rfc3339("2026-11-23T19:00:00+05:30").unwrap_or_default();
    let debtors = vec![DebtorView {
        name: "Rahul".into(),
        balance: rupees(1300),
    }];
    let mut all = vec![
        Outcome::PaymentRecorded {
            customer: "Rahul".into(),
            amount: rupees(200),
            mode: Some(PaymentMode::Upi),
            balance: rupees(1300),
        },
        Outcome::CreditAdded {
            customer: "Rahul".into(),
            amount: rupees(300),
            balance: Paise::ZERO,
        },
        Outcome::InvoiceCreated {
            number: 7,
            customer: Some("Rahul".into()),
            lines: vec![LineView {
                name: "Milk".into(),
                qty: Quantity::from_milli(2000),
                unit: Unit::Packet,
                total: rupees(60),
            }],
            total: rupees(60),
            balance: Some(rupees(60)),
            low_stock: vec!["Milk".into()],
        },
        Outcome::InvoiceCreated {
            number: 8,
            customer: None,
            lines: vec![],
            total: rupees(0),
            balance: None,
            low_stock: vec![],
        },
        Outcome::InvoiceCancelled {
            number: 7,
            customer: Some("Rahul".into()),
            total: rupees(60),
            balance: Some(Paise::ZERO),
        },
        Outcome::ReminderScheduled {
            customer: "Rahul".into(),
            amount: Some(rupees(500)),
            at,
        },
        Outcome::ReminderScheduled {
            customer: "Rahul".into(),
            amount: None,
            at,
        },
        Outcome::RemindersCancelled {
            customer: "Rahul".into(),
            count: 2,
        },
        Outcome::StockUpdated {
            product: "Milk".into(),
            delta: Quantity::from_milli(50_000),
            stock: Quantity::from_milli(60_000),
            unit: Unit::Packet,
        },
        Outcome::StockUpdated {
            product: "Milk".into(),
            delta: Quantity::from_milli(-5_000),
            stock: Quantity::from_milli(55_000),
            unit: Unit::Packet,
        },
        Outcome::ProductSaved {
            product: "Parle-G".into(),
            price: rupees(10),
            unit: Unit::Packet,
            created: true,
        },
        Outcome::ProductSaved {
            product: "Parle-G".into(),
            price: rupees(12),
            unit: Unit::Packet,
            created: false,
        },
        Outcome::CustomerSaved {
            customer: "Amit".into(),
            phone: Some("+919876543210".into()),
            created: true,
        },
        Outcome::CustomerSaved {
            customer: "Amit".into(),
            phone: None,
            created: false,
        },
        Outcome::Undone {
            kind: "payment".into(),
            customer: Some("Rahul".into()),
            amount: Some(rupees(200)),
            invoice_number: None,
            product: None,
            balance: Some(rupees(1500)),
        },
        Outcome::Undone {
            kind: "credit".into(),
            customer: Some("Rahul".into()),
            amount: Some(rupees(300)),
            invoice_number: None,
            product: None,
            balance: Some(Paise::ZERO),
        },
        Outcome::Undone {
            kind: "invoice".into(),
            customer: Some("Rahul".into()),
            amount: Some(rupees(60)),
            invoice_number: Some(7),
            product: None,
            balance: None,
        },
        Outcome::Undone {
            kind: "stock".into(),
            customer: None,
            amount: None,
            invoice_number: None,
            product: Some("Milk".into()),
            balance: None,
        },
        Outcome::Balance {
            customer: "Rahul".into(),
            balance: rupees(1300),
        },
        Outcome::Balance {
            customer: "Rahul".into(),
            balance: rupees(-200),
        },
        Outcome::Balance {
            customer: "Rahul".into(),
            balance: Paise::ZERO,
        },
        Outcome::TotalDues {
            total: rupees(1300),
            debtors: debtors.clone(),
            count: 1,
        },
        Outcome::TotalDues {
            total: Paise::ZERO,
            debtors: vec![],
            count: 0,
        },
        Outcome::Stock {
            product: "Atta".into(),
            stock: Quantity::from_milli(2500),
            unit: Unit::Kg,
            low: false,
        },
        Outcome::Stock {
            product: "Atta".into(),
            stock: Quantity::from_milli(500),
            unit: Unit::Kg,
            low: true,
        },
        Outcome::DailySummary {
            date,
            sales: rupees(1234),
            invoice_count: 3,
            collections: rupees(500),
            new_credit: rupees(300),
            outstanding: rupees(123_456),
            top_debtors: debtors,
            low_stock: vec!["Milk".into()],
        },
        Outcome::InvoiceList {
            customer: Some("Rahul".into()),
            invoices: vec![InvoiceView {
                number: 7,
                customer: Some("Rahul".into()),
                total: rupees(60),
                cancelled: true,
                date,
            }],
        },
        Outcome::InvoiceList {
            customer: None,
            invoices: vec![],
        },
        Outcome::Help,
        Outcome::AskWhichCustomer {
            said: "Rahul".into(),
            options: vec!["Rahul Sharma".into(), "Rahul Verma".into()],
        },
        Outcome::AskCreateCustomer {
            name: "Amit".into(),
        },
        Outcome::AskProductPrice {
            product: "Maggi".into(),
        },
        Outcome::AskWhichProduct {
            said: "dal".into(),
            options: vec!["Toor Dal".into(), "Moong Dal".into()],
        },
        Outcome::NotUnderstood,
        Outcome::CustomerNotFound {
            name: "Zorawar".into(),
        },
        Outcome::CustomerNotFound {
            name: String::new(),
        },
        Outcome::ProductNotFound {
            name: "Cement".into(),
        },
        Outcome::ProductNotFound {
            name: String::new(),
        },
        Outcome::NoInvoice {
            customer: Some("Rahul".into()),
        },
        Outcome::NoInvoice { customer: None },
        Outcome::NothingToUndo,
        Outcome::UndoExpired { minutes: 10 },
        Outcome::InvalidAmount,
        Outcome::InvalidQuantity,
        Outcome::UnitMismatch {
            product: "Milk".into(),
            unit: Unit::Packet,
        },
        Outcome::InvalidName,
        Outcome::InvalidPhone,
        Outcome::ReminderInPast,
        Outcome::ReminderSettled {
            customer: "Rahul".into(),
        },
        Outcome::ReminderNoPhone {
            customer: "Rahul".into(),
        },
        Outcome::ReminderNeedsReview {
            customer: "Rahul".into(),
        },
        Outcome::NoReminders {
            customer: "Rahul".into(),
        },
        Outcome::Dropped,
        Outcome::TryAgain,
        Outcome::NotRegistered,
        Outcome::VoiceNotUnderstood,
        Outcome::UnsupportedMessage,
        Outcome::TooManyMessages { per_minute: 20 },
        Outcome::MessageNotProcessed,
        Outcome::CustomerWrote {
            customer: Some("Rahul".into()),
            phone: "919812345678".into(),
            text: "paise bhej diye".into(),
        },
        Outcome::CustomerWrote {
            customer: None,
            phone: "919812345678".into(),
            text: String::new(),
        },
        Outcome::CustomerMessagePassedOn {
            shop: "Gupta Kirana".into(),
        },
        Outcome::SignupAskName,
        Outcome::SignupOpened {
            shop: "Gupta Kirana".into(),
        },
        Outcome::SignupNameRefused,
        Outcome::VoiceTooLong { minutes: 5 },
        Outcome::VoiceTooLarge { megabytes: 16 },
        Outcome::VoiceUnreadable,
        Outcome::VoiceSilent,
        Outcome::VoiceNotHeard,
    ];
    let proposals = [
        Proposal::Payment {
            customer: "Suresh Patel".into(),
            amount: rupees(500),
            mode: Some(PaymentMode::Cash),
        },
        Proposal::Credit {
            customer: "Rahul".into(),
            amount: rupees(300),
        },
        Proposal::Invoice {
            customer: Some("Rahul".into()),
            total: rupees(90_000),
        },
        Proposal::Invoice {
            customer: None,
            total: rupees(120),
        },
        Proposal::Stock {
            product: "Milk".into(),
            delta: Quantity::from_milli(50_000),
            unit: Unit::Packet,
        },
        Proposal::Stock {
            product: "Atta".into(),
            delta: Quantity::from_milli(-2_000),
            unit: Unit::Kg,
        },
        Proposal::Product {
            product: "Bourbon".into(),
            price: rupees(35),
        },
        Proposal::Customer {
            customer: "Amit".into(),
        },
        Proposal::Reminder {
            customer: "Rahul".into(),
            amount: Some(rupees(500)),
        },
        Proposal::Reminder {
            customer: "Rahul".into(),
            amount: None,
        },
        Proposal::CancelReminders {
            customer: "Rahul".into(),
        },
        Proposal::CancelInvoice {
            number: 7,
            total: rupees(60),
        },
        Proposal::Undo,
    ];
    let reasons = [
        ConfirmReason::Unsure,
        ConfirmReason::LargeAmount {
            limit: rupees(50_000),
        },
        ConfirmReason::AboveHistory {
            customer: "Rahul".into(),
            largest: rupees(300),
        },
    ];
    for proposal in proposals {
        for reason in reasons.clone() {
            all.push(Outcome::AskConfirm {
                proposal: proposal.clone(),
                reason,
            });
        }
    }
    for why in [
        NothingWritten::Negation,
        NothingWritten::Question,
        NothingWritten::Promise,
        NothingWritten::Hypothetical,
        NothingWritten::AlreadyWritten,
        NothingWritten::MoneyPaidOut,
        NothingWritten::AmountUnclear,
        NothingWritten::TooLong,
    ] {
        all.push(Outcome::NotBooked {
            why,
            customer: Some("Rahul".into()),
            balance: Some(rupees(700)),
        });
        all.push(Outcome::NotBooked {
            why,
            customer: None,
            balance: None,
        });
    }
    for action in [
        OwnerOnly::ShopDues,
        OwnerOnly::Summary,
        OwnerOnly::AllInvoices,
        OwnerOnly::Products,
        OwnerOnly::CancelReminders,
        OwnerOnly::AutoReminders,
        OwnerOnly::OthersBill { number: 7 },
        OwnerOnly::OldBill {
            number: 7,
            window_minutes: 1440,
        },
        OwnerOnly::OldBill {
            number: 7,
            window_minutes: 90,
        },
    ] {
        all.push(Outcome::OwnerOnly { action });
    }
    all.extend(reminder_outcomes(at));
    all
}

/// Automatic reminders and reminder news: every interval wording, every status, every proposal.
fn reminder_outcomes(at: DateTime<chrono::FixedOffset>) -> Vec<Outcome> {
    use super::{AutoProposal, LastReminder, ReminderReply};
    use crate::books::ReminderStatus;
    let mut all = Vec::new();
    for every_days in [1, 3, 7] {
        for amount in [None, Some(rupees(500))] {
            all.push(ReminderReply::SeriesStarted {
                customer: "Rahul".into(),
                every_days,
                amount,
                first: at,
            });
        }
        all.push(ReminderReply::ShopWideOn {
            every_days,
            debtors: 12,
        });
    }
    all.extend([
        ReminderReply::CustomerStopped {
            customer: "Rahul".into(),
        },
        ReminderReply::AllStopped { any: true },
        ReminderReply::AllStopped { any: false },
        ReminderReply::PaidUp {
            customer: "Rahul".into(),
        },
        ReminderReply::News {
            customer: "Rahul".into(),
            last: None,
            next: None,
        },
        ReminderReply::News {
            customer: "Rahul".into(),
            last: None,
            next: Some(at),
        },
    ]);
    for status in ReminderStatus::ALL {
        all.push(ReminderReply::News {
            customer: "Rahul".into(),
            last: Some(LastReminder {
                status,
                at,
                reason: Some("Message undeliverable (131026)".into()),
                reply: Some("kal de dunga".into()),
            }),
            next: Some(at),
        });
    }
    let mut outcomes: Vec<Outcome> = all.into_iter().map(Outcome::Reminders).collect();
    for proposal in [
        AutoProposal::Series {
            customer: "Rahul".into(),
            every_days: 7,
        },
        AutoProposal::ShopWide { every_days: 3 },
        AutoProposal::Stop {
            customer: Some("Rahul".into()),
        },
        AutoProposal::Stop { customer: None },
    ] {
        outcomes.push(Outcome::AskConfirm {
            proposal: Proposal::AutoReminders(proposal),
            reason: ConfirmReason::Unsure,
        });
    }
    outcomes
}

#[test]
fn automatic_reminders_and_reminder_news_are_worded_in_each_language() {
    use super::{LastReminder, ReminderReply};
    use crate::books::ReminderStatus;
    let at = DateTime::parse_from_rfc3339("2026-11-23T19:00:00+05:30").unwrap_or_default();
    let weekly = Outcome::Reminders(ReminderReply::SeriesStarted {
        customer: "Rahul".into(),
        every_days: 7,
        amount: None,
        first: at,
    });
    assert!(render(&weekly, Locale::HiLatn).text.contains("har hafte"));
    assert!(render(&weekly, Locale::En).text.contains("every week"));
    assert!(render(&weekly, Locale::Hi).text.contains("हर हफ़्ते"));
    let every_three = Outcome::Reminders(ReminderReply::ShopWideOn {
        every_days: 3,
        debtors: 12,
    });
    assert!(
        render(&every_three, Locale::HiLatn)
            .text
            .contains("har 3 din")
    );
    assert!(
        render(&every_three, Locale::En)
            .text
            .contains("every 3 days")
    );
    let failed = Outcome::Reminders(ReminderReply::News {
        customer: "Rahul".into(),
        last: Some(LastReminder {
            status: ReminderStatus::Failed,
            at,
            reason: Some("Message undeliverable (131026)".into()),
            reply: None,
        }),
        next: None,
    });
    for locale in Locale::ALL {
        let text = render(&failed, locale).text;
        assert!(text.contains("Message undeliverable (131026)"), "{text}");
        assert!(text.contains("Rahul"), "{text}");
    }
}

#[test]
fn every_outcome_reads_cleanly_in_every_language() {
    for locale in Locale::ALL {
        for outcome in every_outcome() {
            let reply = render(&outcome, locale);
            let shown = format!("{locale:?} {outcome:?}: {:?}", reply.text);
            assert!(!reply.text.trim().is_empty(), "{shown}");
            assert!(
                !reply.text.contains('\u{2068}') && !reply.text.contains('\u{2069}'),
                "bidi marks: {shown}"
            );
            assert!(
                !reply.text.contains('{') && !reply.text.contains('$'),
                "Fluent leftovers: {shown}"
            );
            for id in [
                "payment-recorded",
                "balance-due",
                "ask-",
                "undone-",
                "summary-",
                "option-",
                "mode-",
                "propose-",
                "confirm-",
                "not-booked-",
                "owner-only-",
                "window-",
                "auto-",
                "reminder-news",
            ] {
                assert!(!reply.text.contains(id), "message id leaked: {shown}");
            }
            assert!(reply.options.len() <= super::MAX_OPTIONS, "{shown}");
            assert!(
                reply
                    .options
                    .iter()
                    .all(|o| o.title.chars().count() <= super::MAX_OPTION_TITLE_CHARS),
                "{shown}"
            );
            let asks = matches!(
                outcome,
                Outcome::AskWhichCustomer { .. }
                    | Outcome::AskCreateCustomer { .. }
                    | Outcome::AskProductPrice { .. }
                    | Outcome::AskWhichProduct { .. }
                    | Outcome::AskConfirm { .. }
            );
            assert_eq!(reply.expects_answer, asks, "{shown}");
            assert_eq!(!reply.options.is_empty(), asks, "{shown}");
        }
    }
}

#[test]
fn a_payment_confirms_amount_mode_and_balance_in_each_language() {
    let paid = Outcome::PaymentRecorded {
        customer: "Rahul".into(),
        amount: rupees(200),
        mode: Some(PaymentMode::Upi),
        balance: rupees(1300),
    };
    assert_eq!(
        render(&paid, Locale::HiLatn).text,
        "✅ Rahul se ₹200 (UPI) mil gaye.\nAb baaki: ₹1,300"
    );
    assert_eq!(
        render(&paid, Locale::Hi).text,
        "✅ Rahul से ₹200 (UPI) मिल गए।\nअब बाकी: ₹1,300"
    );
    assert_eq!(
        render(&paid, Locale::En).text,
        "✅ Received ₹200 (UPI) from Rahul.\nBalance due: ₹1,300"
    );
    let cash = Outcome::PaymentRecorded {
        customer: "राहुल".into(),
        amount: rupees(150),
        mode: Some(PaymentMode::Cash),
        balance: rupees(-50),
    };
    assert_eq!(
        render(&cash, Locale::Hi).text,
        "✅ राहुल से ₹150 (नकद) मिल गए।\nअग्रिम: ₹50"
    );
}

#[test]
fn credit_bill_and_balances_read_naturally() {
    let credit = Outcome::CreditAdded {
        customer: "O'Brien <b>".into(),
        amount: rupees(300),
        balance: Paise::ZERO,
    };
    assert_eq!(
        render(&credit, Locale::HiLatn).text,
        "📝 O'Brien <b> ke khate mein ₹300 udhaar likh diya.\nHisaab barabar ✅"
    );
    let bill = Outcome::InvoiceCreated {
        number: 7,
        customer: Some("Rahul".into()),
        lines: vec![
            LineView {
                name: "Milk".into(),
                qty: Quantity::from_milli(2000),
                unit: Unit::Packet,
                total: rupees(60),
            },
            LineView {
                name: "Atta".into(),
                qty: Quantity::from_milli(500),
                unit: Unit::Kg,
                total: Paise::new(2250),
            },
        ],
        total: Paise::new(8250),
        balance: Some(Paise::new(128_250)),
        low_stock: vec![],
    };
    assert_eq!(
        render(&bill, Locale::HiLatn).text,
        "🧾 Bill #7 — Rahul\n• 2 packet Milk — ₹60\n• 0.5 kg Atta — ₹22.50\nTotal: ₹82.50\nAb baaki: ₹1,282.50"
    );
    assert_eq!(
        render(&bill, Locale::Hi).text,
        "🧾 बिल #7 — Rahul\n• 2 पैकेट Milk — ₹60\n• 0.5 किलो Atta — ₹22.50\nकुल: ₹82.50\nअब बाकी: ₹1,282.50"
    );
    let clear = Outcome::Balance {
        customer: "Rahul".into(),
        balance: Paise::ZERO,
    };
    assert_eq!(render(&clear, Locale::En).text, "Rahul owes nothing ✅");
}

#[test]
fn questions_number_their_options_and_offer_buttons() {
    let which = Outcome::AskWhichCustomer {
        said: "Rahul".into(),
        options: vec!["Rahul Sharma".into(), "Rahul Verma".into()],
    };
    let reply = render(&which, Locale::HiLatn);
    assert_eq!(
        reply.text,
        "🤔 Kaunsa Rahul?\n1. Rahul Sharma\n2. Rahul Verma\nNumber ya naam bhejiye."
    );
    let ids: Vec<&str> = reply.options.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, vec!["pick:1", "pick:2"]);
    let long = Outcome::AskWhichCustomer {
        said: "x".into(),
        options: vec!["Venkataraghavan Subramaniam".into(); 5],
    };
    let reply = render(&long, Locale::En);
    assert_eq!(reply.options.len(), 3);
    assert_eq!(reply.options[0].title, "Venkataraghavan Sub…");
    let create = render(
        &Outcome::AskCreateCustomer {
            name: "Amit".into(),
        },
        Locale::Hi,
    );
    assert_eq!(
        create
            .options
            .iter()
            .map(|o| o.title.as_str())
            .collect::<Vec<_>>(),
        vec!["हाँ, बनाओ", "नहीं"]
    );
}

#[test]
fn a_confirmation_shows_what_would_be_written_and_asks_haan_or_nahi() {
    let unsure = Outcome::AskConfirm {
        proposal: Proposal::Payment {
            customer: "Suresh Patel".into(),
            amount: rupees(500),
            mode: None,
        },
        reason: ConfirmReason::Unsure,
    };
    let reply = render(&unsure, Locale::HiLatn);
    assert_eq!(reply.text, "🤔 Suresh Patel se ₹500 mile — likh doon?");
    let buttons: Vec<(&str, &str)> = reply
        .options
        .iter()
        .map(|o| (o.id.as_str(), o.title.as_str()))
        .collect();
    assert_eq!(buttons, vec![("yes", "Haan"), ("no", "Nahi")]);
    let large = Outcome::AskConfirm {
        proposal: Proposal::Credit {
            customer: "Rahul".into(),
            amount: rupees(60_000),
        },
        reason: ConfirmReason::LargeAmount {
            limit: rupees(50_000),
        },
    };
    assert_eq!(
        render(&large, Locale::En).text,
        "⚠️ This is a large amount (more than ₹50,000).\n🤔 ₹60,000 on credit for Rahul — shall I write it?"
    );
    let refused = Outcome::NotBooked {
        why: NothingWritten::Negation,
        customer: Some("Suresh".into()),
        balance: Some(rupees(700)),
    };
    assert_eq!(
        render(&refused, Locale::HiLatn).text,
        "ℹ️ Message mein \"nahi\" hai, isliye kuch nahi likha.\nSuresh ka baaki: ₹700"
    );
    let old = Outcome::OwnerOnly {
        action: OwnerOnly::OldBill {
            number: 12,
            window_minutes: 1440,
        },
    };
    assert_eq!(
        render(&old, Locale::Hi).text,
        "🔒 बिल #12 24 घंटे से पुराना है; उसे सिर्फ़ मालिक रद्द कर सकते हैं।"
    );
}

#[test]
fn times_and_dates_are_local_and_worded() {
    let at = DateTime::parse_from_rfc3339("2026-11-23T19:00:00+05:30").unwrap_or_default();
    let reminder = Outcome::ReminderScheduled {
        customer: "Rahul".into(),
        amount: Some(rupees(500)),
        at,
    };
    assert_eq!(
        render(&reminder, Locale::HiLatn).text,
        "⏰ Rahul ko ₹500 ka reminder 23 Nov, shaam 7:00 bhej denge."
    );
    assert_eq!(
        render(&reminder, Locale::Hi).text,
        "⏰ Rahul को ₹500 का रिमाइंडर 23 नवंबर, शाम 7:00 भेज देंगे।"
    );
    assert_eq!(
        render(&reminder, Locale::En).text,
        "⏰ Rahul will be reminded about ₹500 on 23 Nov, 7:00 PM."
    );
    assert_eq!(
        render(&Outcome::UnsupportedMessage, Locale::HiLatn).text,
        "🙏 Main text aur voice note samajhta hoon. Kripya likh kar bhejiye."
    );
    let not_understood = render(&Outcome::NotUnderstood, Locale::HiLatn).text;
    assert!(
        not_understood.contains("Rahul ne 200 diye"),
        "{not_understood}"
    );
}
