//! The rules parser: one merchant message to contract commands, offline, fast, and honest about doubt.

use std::cmp::Reverse;

use chrono::{DateTime, FixedOffset};

use crate::money::Paise;

use super::command::{Command, NotBooked, Parsed, Understood};
use super::guard;
use super::intents::{Outcome, command};
use super::lexicon::Word;
use super::numbers::read_number;
use super::prepare;
use super::tokens::{Token, tokenize};

/// Longest message read, in words: longer texts are refused whole (never cut off), since no
/// merchant command is this long and reading on would only cost time.
pub const MAX_TOKENS: usize = 400;

/// The most clauses one command may span (a bill's comma-separated item list). Bounding it keeps
/// the split search linear in the number of clauses instead of quadratic.
const MAX_CLAUSES_PER_COMMAND: usize = 16;

/// Parses `text` as said at `now` (merchant-local). Never panics; unknown text gives `unknown`.
/// A message is read whole or refused whole: nothing in it is silently dropped.
pub fn parse(text: &str, now: DateTime<FixedOffset>) -> Understood {
    let text = guard::strip_invisible(text);
    let text = prepare::strip_list_markers(&text);
    // The evening digest's settings, then repeating, stopping and asking about reminders: each
    // read in its own module before the general rules (docs/UNDERSTANDING.md).
    if let Some(digest) = super::digest::read(&text) {
        return digest;
    }
    if let Some(understood) = super::reminder_talk::read(&text, now) {
        return understood;
    }
    let mut tokens = tokenize(&text);
    // "Forwarded: Bhaiya 600 GPay kar diya hai - Sonu": someone else's words, often a
    // customer's claim the merchant has not checked; what they would book is asked.
    let forwarded = tokens
        .iter()
        .find(|t| t.word != Word::Sep)
        .is_some_and(|t| matches!(t.key.as_str(), "forwarded" | "fwd"));
    drop_tag_particles(&mut tokens);
    prepare::mark_greetings(&mut tokens);
    prepare::drop_one_more(&mut tokens);
    prepare::spread_list_heading(&mut tokens);
    prepare::drop_vocative(&mut tokens);
    guard::drop_late_entry_requests(&mut tokens);
    guard::drop_reasons(&mut tokens);
    read_digits_as_prepositions(&mut tokens);
    guard::settle_roles(&mut tokens);
    guard::set_aside_denied_kinds(&mut tokens);
    if tokens.len() > MAX_TOKENS {
        return Understood {
            not_booked: Some(NotBooked::TooLong),
            ..Understood::unknown()
        };
    }
    let unclear = guard::unclear_amount(&text, &tokens);
    let corrected = guard::apply_corrections(&mut tokens);
    disambiguate(&mut tokens);
    let unclear = unclear || guard::counted_alternative(&tokens);
    let Some(Split {
        mut commands,
        mut unclean,
        mut not_booked,
        ..
    }) = best_split(&tokens, ends_asking(&text), now)
    else {
        return Understood::unknown();
    };
    if commands.is_empty() {
        return Understood::unknown();
    }
    // "aaj ka hisaab:\n1. Rakesh 250 jama …", "Sir today's report: Vinay paid 300, …": a day's
    // heading over the entries it lists asks for no summary.
    if commands.len() > 1
        && matches!(commands[0], Command::DailySummary { .. })
        && commands[1..].iter().any(is_booking)
        && !tokens
            .split(|t| t.word == Word::Sep)
            .next()
            .is_some_and(|heading| {
                heading.iter().any(|t| {
                    matches!(t.word, Word::Show | Word::Send | Word::Question) || is_request(&t.key)
                })
            })
    {
        commands.remove(0);
    }
    // An undo beside other commands ("500 diye the, kal wapas le gaya") may not mean the last
    // booking at all: it is asked about, never done unasked.
    if commands.len() > 1 && commands.contains(&Command::Undo) {
        unclean += 1;
    }
    // "Sapna 300 udhaar, already in the khata": a clause of its own says the booking is written.
    if commands.iter().any(is_booking)
        && tokens
            .split(|t| t.word == Word::Sep)
            .any(guard::says_already_written)
    {
        commands = not_a_booking(commands);
        not_booked = Some(NotBooked::AlreadyWritten);
        unclean += 1;
    }
    // "Lata had bought items worth 480 on credit, which she cleared today": the credit told in
    // one clause was paid in another, which was not read as a payment of its own.
    if commands
        .iter()
        .any(|c| matches!(c, Command::AddCredit { .. }))
        && !commands
            .iter()
            .any(|c| matches!(c, Command::RecordPayment { .. }))
        && super::intents::credit_told_then_paid(&tokens)
    {
        unclean += 1;
    }
    if (guard::own_money_back_unsaid(&tokens)
        || guard::may_report_written(&tokens)
        || guard::returned_after_the_amount(&tokens))
        && commands.iter().any(is_booking)
    {
        unclean += 1;
    }
    if forwarded && commands.iter().any(is_booking) {
        unclean += 1;
    }
    if commands.iter().any(is_booking)
        && (guard::person_unclear(&tokens)
            || guard::says_unsure(&tokens)
            || guard::states_a_standing(&tokens))
    {
        unclean += 1;
    }
    let payments = commands
        .iter()
        .filter(|c| matches!(c, Command::RecordPayment { .. }))
        .count();
    if payments > 0
        && (guard::payer_unmarked(&tokens)
            || guard::payment_not_arrived(&tokens)
            || guard::modes_outnumber_payments(&tokens, payments))
    {
        unclean += 1;
    }
    if commands
        .iter()
        .any(|c| matches!(c, Command::CreateInvoice { .. }))
        && guard::bill_unclear(&tokens)
    {
        unclean += 1;
    }
    if restated_entry(&commands, &tokens) {
        unclean += 1;
    }
    if unclear && commands.iter().any(is_booking) {
        // Which amount was meant is not known: nothing is booked, whatever the clauses said.
        commands = not_a_booking(commands);
        not_booked = Some(NotBooked::AmountUnclear);
        unclean += 1;
    }
    Understood {
        parsed: Parsed { commands },
        confident: unclean == 0 && !corrected,
        not_booked,
    }
}

/// Every amount `text` writes, in paise: each number its words or digits can be read as (from
/// any word on, before and after the words' roles are settled), and each of those with whole
/// paise written after it ("250 rupaye 50 paise"). A booking takes its amount from this set and
/// nowhere else; the fuzz target `parse_message` checks that `parse` keeps to it.
pub fn amounts_written(text: &str) -> Vec<Paise> {
    let text = guard::strip_invisible(text);
    let mut tokens = tokenize(&text);
    if tokens.len() > MAX_TOKENS {
        return Vec::new();
    }
    let mut numbers = numbers_read(&tokens);
    drop_tag_particles(&mut tokens);
    guard::settle_roles(&mut tokens);
    numbers.extend(numbers_read(&tokens));
    disambiguate(&mut tokens);
    numbers.extend(numbers_read(&tokens));
    numbers.sort_unstable();
    numbers.dedup();
    let rupees = numbers
        .iter()
        .filter(|milli| **milli > 0)
        .map(|milli| (milli + 5) / 10);
    let whole_paise: Vec<i64> = numbers
        .iter()
        .filter(|milli| *milli % 1000 == 0 && (1..100_000).contains(*milli))
        .map(|milli| milli / 1000)
        .collect();
    let mut amounts: Vec<i64> = rupees
        .flat_map(|paise| {
            std::iter::once(paise).chain(whole_paise.iter().map(move |extra| paise + extra))
        })
        .collect();
    amounts.sort_unstable();
    amounts.dedup();
    amounts.into_iter().map(Paise::new).collect()
}

/// The number read from each number word on, in thousandths.
fn numbers_read(tokens: &[Token<'_>]) -> Vec<i64> {
    (0..tokens.len())
        .filter(|&at| tokens[at].word == Word::Number)
        .filter_map(|at| read_number(tokens, at))
        .map(|num| num.milli)
        .collect()
}

/// A question mark after the last word (the tokenizer drops trailing breaks).
fn ends_asking(text: &str) -> bool {
    text.chars()
        .rev()
        .take_while(|c| !c.is_alphanumeric())
        .any(|c| matches!(c, '?' | '？'))
}

/// A command that writes money into the books.
/// "Munna 200 udhaar, Bhura 350 udhaar — Bhura ka 300 hi likhna": the same entry for the same
/// customer told twice, with a word that narrows or takes back ("hi", "sirf", "only",
/// "actually"), is one entry corrected, not two to book. "subah 200 diye aur shaam ko phir 100"
/// has no such word and stays two.
fn restated_entry(commands: &[Command], tokens: &[Token<'_>]) -> bool {
    let twice = commands.iter().enumerate().any(|(i, a)| {
        is_booking(a)
            && commands[i + 1..].iter().any(|b| {
                b.intent() == a.intent() && b.customer().is_some() && b.customer() == a.customer()
            })
    });
    twice
        && tokens.iter().any(|t| {
            matches!(
                t.key.as_str(),
                "hi" | "sirf"
                    | "only"
                    | "actually"
                    | "asal"
                    | "asli"
                    | "matlab"
                    | "instead"
                    | "jagah"
                    | "badle"
                    | "ही"
                    | "सिर्फ"
                    | "जगह"
                    | "मतलब"
            )
        })
}

fn is_booking(command: &Command) -> bool {
    matches!(
        command,
        Command::RecordPayment { .. } | Command::AddCredit { .. } | Command::CreateInvoice { .. }
    )
}

/// A command that writes stock, a product or a customer.
fn is_catalogue_write(command: &Command) -> bool {
    matches!(
        command,
        Command::UpdateStock { .. } | Command::AddProduct { .. } | Command::AddCustomer { .. }
    )
}

/// What a stock arrival that did not happen becomes: the product's stock; a product or customer
/// not to be added, `unknown`.
fn not_a_write(commands: Vec<Command>) -> Vec<Command> {
    let mut out: Vec<Command> = Vec::with_capacity(commands.len());
    for command in commands {
        let replaced = match command {
            Command::UpdateStock { product, .. } => Command::CheckStock { product },
            Command::AddProduct { .. } | Command::AddCustomer { .. } => Command::Unknown,
            other => other,
        };
        if out.last() != Some(&replaced) {
            out.push(replaced);
        }
    }
    if out.len() > 1 {
        out.retain(|c| *c != Command::Unknown);
    }
    out
}

/// What a booking-shaped clause that is not a booking becomes: the named customer's balance (the
/// dialog says nothing was written and shows it), or `unknown` when no customer was named.
fn not_a_booking(commands: Vec<Command>) -> Vec<Command> {
    let mut out: Vec<Command> = Vec::with_capacity(commands.len());
    for command in commands {
        let replaced = match command {
            Command::RecordPayment { customer, .. } | Command::AddCredit { customer, .. } => {
                Command::CheckBalance {
                    customer: Some(customer),
                }
            }
            Command::CreateInvoice {
                customer: Some(customer),
                ..
            } => Command::CheckBalance {
                customer: Some(customer),
            },
            Command::CreateInvoice { customer: None, .. } => Command::Unknown,
            other => other,
        };
        if out.last() != Some(&replaced) {
            out.push(replaced);
        }
    }
    if out.len() > 1 {
        out.retain(|c| *c != Command::Unknown);
    }
    out
}

/// The best reading of a run of clauses.
#[derive(Clone)]
struct Split {
    commands: Vec<Command>,
    /// Groups read with a guess or words left over.
    unclean: usize,
    groups: usize,
    /// Why a booking-shaped group was not booked (the first such reason).
    not_booked: Option<NotBooked>,
    /// The tokens of the last group read as commands.
    last_group: (usize, usize),
}

/// The grouping of clauses into commands where every group is a whole command: fewest groups
/// with words left over first, then the most commands. A bill's item list (`2 milk aur 1 bread`)
/// stays together because `2 milk` alone is no command. A group that reads as a booking but is
/// negated, asked, promised, supposed, already written or paid out is read as not a booking.
fn best_split(
    tokens: &[Token<'_>],
    ends_asking: bool,
    now: DateTime<FixedOffset>,
) -> Option<Split> {
    let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(4);
    // Whether a question mark ended the clause.
    let mut asked: Vec<bool> = Vec::with_capacity(4);
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        if token.word == Word::Sep {
            bounds.push((start, i));
            asked.push(token.text == "?" || token.text == "？");
            start = i + 1;
        }
    }
    bounds.push((start, tokens.len()));
    asked.push(ends_asking);

    // best[j]: the best reading of the first j clauses.
    let mut best: Vec<Option<Split>> = vec![None; bounds.len() + 1];
    best[0] = Some(Split {
        commands: Vec::new(),
        unclean: 0,
        groups: 0,
        not_booked: None,
        last_group: (0, 0),
    });
    for j in 1..=bounds.len() {
        for i in j.saturating_sub(MAX_CLAUSES_PER_COMMAND)..j {
            let Some(so_far) = &best[i] else {
                continue;
            };
            let group = &tokens[bounds[i].0..bounds[j - 1].1];
            // "Rahul ne 500 diye, baaki kal dega": when the rest will come is part of the payment;
            // "Rahul ka 300 udhaar likho, kal dega": when credit will be paid back is part of it.
            let noted = match so_far.commands.last() {
                Some(Command::RecordPayment { .. }) => guard::rest_promised(group),
                // Only credit asked for or told as taken ("likho", "liye", "took"), not a
                // debt stated ("Rahul ka 300 udhaar hai, kal dega" may be one already written).
                Some(Command::AddCredit { .. }) => {
                    let (from, to) = so_far.last_group;
                    guard::rest_promised(group)
                        || guard::unpaid_yet(group)
                        || (guard::repayment_promised(group)
                            && guard::credit_given(&tokens[from..to]))
                }
                // "bill for Rahul: 2 kg sugar, he will pay later", "..., not paid yet".
                Some(Command::CreateInvoice { .. }) => {
                    guard::repayment_promised(group) || guard::unpaid_yet(group)
                }
                _ => false,
            };
            if i > 0 && noted {
                let candidate = Split {
                    groups: so_far.groups + 1,
                    ..so_far.clone()
                };
                if best[j].as_ref().is_none_or(|current| {
                    (
                        candidate.unclean,
                        Reverse(candidate.commands.len()),
                        Reverse(candidate.groups),
                    ) < (
                        current.unclean,
                        Reverse(current.commands.len()),
                        Reverse(current.groups),
                    )
                }) {
                    best[j] = Some(candidate);
                }
                continue;
            }
            let Some(Outcome {
                mut commands,
                clean,
            }) = command(group, now, last_customer(&so_far.commands))
            else {
                continue;
            };
            let mut candidate_unclean = so_far.unclean + usize::from(!clean);
            // "Make a bill for Gaurav: 1 dozen eggs and 2 packets bread. Make a bill for Shruti:
            // 5 kg atta": after one bill, goods said before the next bill's own heading belong
            // to the first; read with the second they move to another customer's bill.
            let heading_late = commands
                .iter()
                .any(|c| matches!(c, Command::CreateInvoice { .. }))
                && matches!(so_far.commands.last(), Some(Command::CreateInvoice { .. }))
                && !tokens[bounds[i].0..bounds[i].1]
                    .iter()
                    .any(|t| t.word == Word::Bill)
                && group.iter().any(|t| t.word == Word::Bill);
            candidate_unclean += usize::from(heading_late);
            let mut not_booked = so_far.not_booked;
            let asked_here = asked[i..j].iter().any(|a| *a);
            if commands.iter().any(is_booking)
                && let Some(reason) = guard::meaning(group, asked_here)
            {
                commands = not_a_booking(commands);
                not_booked.get_or_insert(reason);
                candidate_unclean += usize::from(clean);
            } else if commands.iter().any(is_catalogue_write)
                && let Some(reason) = guard::meaning(group, asked_here).filter(|r| {
                    // Wishes and plans ("I want to add a new item") and questions of what the
                    // bot can do ("kya aap naya customer add kar sakte ho") ask for the write.
                    match r {
                        NotBooked::Negation | NotBooked::AlreadyWritten => true,
                        NotBooked::Question | NotBooked::Hypothetical => {
                            !guard::asked_of_the_bot(group)
                        }
                        _ => false,
                    }
                })
            {
                // "50 packet doodh nahi aaya", "agar 50 packet aaye to likhna", "naya customer
                // mat banao": stock and lists are written only when the merchant asked for it.
                commands = not_a_write(commands);
                not_booked.get_or_insert(reason);
                candidate_unclean += usize::from(clean);
            }
            let candidate_len = so_far.commands.len() + commands.len();
            let candidate_groups = so_far.groups + 1;
            let better = match &best[j] {
                None => true,
                Some(current) => {
                    (
                        candidate_unclean,
                        Reverse(candidate_len),
                        Reverse(candidate_groups),
                    ) < (
                        current.unclean,
                        Reverse(current.commands.len()),
                        Reverse(current.groups),
                    )
                }
            };
            if better {
                let mut all = so_far.commands.clone();
                all.extend(commands);
                best[j] = Some(Split {
                    commands: all,
                    unclean: candidate_unclean,
                    groups: candidate_groups,
                    not_booked,
                    last_group: (bounds[i].0, bounds[j - 1].1),
                });
            }
        }
    }
    let mut split = best.pop().flatten()?;
    // "galti ho gayi, wapas lo" is one undo said twice, not two undos.
    split.commands.dedup_by(|b, a| {
        matches!(
            (a, b),
            (Command::Undo, Command::Undo) | (Command::Help, Command::Help)
        )
    });
    Some(split)
}

/// "bill 4 Ravi: 1 dozen eggs", "send 2 Rahul": texting's "4" (for) and "2" (to), when they
/// stand between the word they belong to and a name closed by a colon or the message's end;
/// and the "2" of an infinitive ("forgot 2 add").
fn read_digits_as_prepositions(tokens: &mut [Token<'_>]) {
    for i in 1..tokens.len().saturating_sub(1) {
        let preposition = match tokens[i].key.as_str() {
            "4" if tokens[i - 1].word == Word::Bill => "for",
            "2" if matches!(tokens[i - 1].word, Word::Send | Word::Reminder) => "to",
            _ => continue,
        };
        let closed = tokens
            .get(i + 2)
            .is_none_or(|t| t.word == Word::Sep && t.text == ":");
        if tokens[i + 1].word == Word::Name && closed {
            tokens[i].key = preposition.to_string();
            tokens[i].word = super::lexicon::classify(preposition);
        }
    }
    // "forgot 2 add: Jagdish pd 1k cash", "need 2 enter this": the "2" of an infinitive.
    for i in 1..tokens.len().saturating_sub(1) {
        let infinitive = tokens[i].key == "2"
            && matches!(
                tokens[i - 1].key.as_str(),
                "forgot" | "forget" | "need" | "want" | "have" | "has" | "going" | "remember"
            )
            && matches!(
                tokens[i + 1].key.as_str(),
                "add" | "enter" | "write" | "record" | "note" | "pay" | "send" | "update"
            );
        if infinitive {
            tokens[i].key = "to".to_string();
            tokens[i].word = super::lexicon::classify("to");
        }
    }
}

/// The customer of the last command, for a clause that leaves it out.
fn last_customer(commands: &[Command]) -> Option<&str> {
    match commands.last()? {
        Command::RecordPayment { customer, .. }
        | Command::AddCredit { customer, .. }
        | Command::ScheduleReminder { customer, .. }
        | Command::AddCustomer { customer, .. } => Some(customer),
        Command::CreateInvoice { customer, .. } | Command::CheckBalance { customer } => {
            customer.as_deref()
        }
        _ => None,
    }
}

/// "bana do na", "suno na": a `na` after a request softens it and negates nothing, so it is
/// dropped. After any other word ("diye na?") it may ask or deny and is kept.
fn drop_tag_particles(tokens: &mut Vec<Token<'_>>) {
    let mut i = 1;
    while i < tokens.len() {
        let tag = matches!(tokens[i].key.as_str(), "na" | "naa" | "ना");
        let ends = tokens
            .get(i + 1)
            .is_none_or(|n| matches!(n.word, Word::Sep | Word::Filler));
        let opening = tokens[i - 1].word == Word::Filler;
        // "Neha ne na 1200 diye", "Guddu ka na 200 udhaar": a "na" between the name's case
        // marker and the amount holds the sentence up while the speaker goes on; a denial sits
        // before the verb ("500 na diye") instead.
        let pause = tokens[i - 1].word == Word::Marker
            && matches!(
                tokens[i - 1].key.as_str(),
                "ne" | "ka" | "ki" | "ke" | "ने" | "का" | "की" | "के"
            )
            && tokens.get(i + 1).is_some_and(|n| n.word == Word::Number);
        if tag && (((ends || opening) && is_request(&tokens[i - 1].key)) || pause) {
            tokens.remove(i);
        } else {
            i += 1;
        }
    }
}

/// An imperative: "karo", "banao", "bata", "दो", "सुनो".
fn is_request(key: &str) -> bool {
    (key.len() >= 2 && key.ends_with('o') && key != "no")
        || key.ends_with('\u{094B}')
        || matches!(
            key,
            "de" | "dena"
                | "dijiye"
                | "bata"
                | "dikha"
                | "bana"
                | "kar"
                | "sun"
                | "दे"
                | "देना"
                | "बता"
                | "दिखा"
                | "बना"
                | "कर"
                | "सुन"
        )
}

/// Words of the non-money intents whose role depends on their neighbours.
fn settle_everyday(tokens: &mut [Token<'_>]) {
    for i in 0..tokens.len() {
        let next = tokens.get(i + 1).map(|t| t.word);
        let next_key = tokens.get(i + 1).map(|t| t.key.clone()).unwrap_or_default();
        let prev = i.checked_sub(1).map(|p| tokens[p].word);
        let key = tokens[i].key.as_str();
        match key {
            // "ek kaam karo, ...": "let's do one thing", an opening, not a count.
            "ek" | "एक"
                if matches!(next_key.as_str(), "kaam" | "काम")
                    && tokens
                        .get(i + 2)
                        .is_some_and(|t| t.key.starts_with("kar") || t.key.starts_with("कर")) =>
            {
                for token in &mut tokens[i..i + 3] {
                    token.word = Word::Filler;
                }
            }
            // "do one thing, write 400 udhaar for Rose": Indian English for the same opening.
            "do" if next_key == "one"
                && tokens.get(i + 2).is_some_and(|t| t.key == "thing")
                && tokens[..i].iter().all(|t| t.word == Word::Filler) =>
            {
                for token in &mut tokens[i..i + 3] {
                    token.word = Word::Filler;
                }
            }
            // "ek kadam peeche", "one step back": a step back is an undo, not a count of goods
            // ("Kadam ne 500 diye" keeps the name).
            "ek" | "एक" | "one"
                if matches!(next_key.as_str(), "kadam" | "कदम" | "step")
                    && (tokens.get(i + 2).is_some_and(|t| t.word == Word::Undo)
                        || i.checked_sub(1)
                            .is_some_and(|b| tokens[b].word == Word::Undo)) =>
            {
                tokens[i].word = Word::Filler;
                tokens[i + 1].word = Word::Filler;
            }
            // "ek naya item", "ek customer add karo": an article.
            "ek" | "एक"
                if matches!(
                    next,
                    Some(Word::New | Word::Customer | Word::Product | Word::Bill)
                ) =>
            {
                tokens[i].word = Word::Filler;
            }
            // "show every invoice", "each customer's dues": all of them. "every Monday" is a
            // repeat the contract has no field for, and is left a word that is not understood.
            "every" | "each"
                if matches!(
                    next,
                    Some(
                        Word::Bill
                            | Word::Customer
                            | Word::Product
                            | Word::Ledger
                            | Word::Balance
                            | Word::Hisaab
                    )
                ) =>
            {
                tokens[i].word = Word::All;
            }
            // "right now", "right away": at once, said as one word of time.
            "right" if matches!(next_key.as_str(), "now" | "away") => {
                tokens[i].word = Word::Filler;
                if let Some(after) = tokens.get_mut(i + 1) {
                    after.word = Word::Filler;
                }
            }
            // "undo the last one", "that one".
            "one" if matches!(prev, Some(Word::Last | Word::Aux | Word::Marker)) => {
                tokens[i].word = Word::Filler;
            }
            // "day before yesterday": a day counted back, not a name.
            "day" if next_key == "before" => {
                tokens[i].word = Word::Aux;
                if let Some(before) = tokens.get_mut(i + 1) {
                    before.word = Word::Aux;
                }
            }
            // "2 pav", "6 पीस pav": bread rolls counted, not a quarter kilo ("do paav ghee").
            "pav" | "paav" | "पाव" if tokens[i].word == Word::Number => {
                let after_unit = matches!(prev, Some(Word::Unit(_)));
                let counted = prev == Some(Word::Number)
                    && i.checked_sub(2)
                        .is_none_or(|b| tokens[b].word != Word::Name);
                let measures = matches!(next, Some(Word::Name | Word::Unit(_) | Word::Number));
                if after_unit || (counted && !measures) {
                    tokens[i].word = Word::Name;
                }
            }
            _ => {}
        }
    }
}

/// Settles words whose role depends on their neighbours.
fn disambiguate(tokens: &mut [Token<'_>]) {
    settle_everyday(tokens);
    for i in 0..tokens.len() {
        // "day after tomorrow" counts days; "Good Day" is a biscuit.
        if tokens[i].key == "day" && tokens.get(i + 1).is_some_and(|n| n.word == Word::After) {
            tokens[i].word = Word::DaySpan;
            continue;
        }
        // "credit card" is a card, never credit; "G Pay", "Amazon Pay" are UPI apps.
        if matches!(tokens[i].key.as_str(), "credit" | "क्रेडिट")
            && tokens
                .get(i + 1)
                .is_some_and(|n| matches!(n.key.as_str(), "card" | "कार्ड"))
        {
            tokens[i].word = Word::Filler;
            continue;
        }
        if matches!(tokens[i].key.as_str(), "g" | "amazon")
            && tokens.get(i + 1).is_some_and(|n| n.key == "pay")
        {
            tokens[i].word = Word::Mode(crate::money::PaymentMode::Upi);
            tokens[i + 1].word = Word::Filler;
            continue;
        }
        // "Phone Pe" is the PhonePe app written as two words.
        if matches!(tokens[i].key.as_str(), "phone" | "फोन")
            && tokens
                .get(i + 1)
                .is_some_and(|n| matches!(n.key.as_str(), "pe" | "pay" | "पे" | "पै"))
        {
            tokens[i].word = Word::Mode(crate::money::PaymentMode::Upi);
            continue;
        }
        // "debit card" is a card; "debit 500 to Rahul" is khata language the rules do not
        // read (is it owed or paid?), so it is left a word that is not understood.
        if tokens[i].key == "debit"
            && !tokens
                .get(i + 1)
                .is_some_and(|n| matches!(n.key.as_str(), "card" | "कार्ड"))
            && i.checked_sub(1).is_none_or(|p| tokens[p].key != "by")
        {
            tokens[i].word = Word::Name;
            continue;
        }
        // One-letter units only measure a number: "Parle G" is a name, "500 g" is grams.
        if matches!(tokens[i].word, Word::Unit(_))
            && tokens[i].key.chars().count() == 1
            && !i
                .checked_sub(1)
                .is_some_and(|p| tokens[p].word == Word::Number)
        {
            tokens[i].word = Word::Name;
            continue;
        }
        if tokens[i].word != Word::Number || tokens[i].is_numeral() {
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
        let next = tokens.get(i + 1);
        let key = tokens[i].key.as_str();
        if key == "k" {
            // "2k" is two thousand; a lone "k" is chat shorthand for ka/ke/ki.
            if !prev.is_some_and(Token::is_numeral) {
                tokens[i].word = Word::Marker;
            }
            continue;
        }
        if key == "do" || key == "दो" {
            // "bana do", "likh do", "kar do" are verbs; "do sau", "ko do kilo" are two.
            let prev_allows = prev.is_none_or(|p| {
                matches!(
                    p.word,
                    Word::Name
                        | Word::Marker
                        | Word::Sep
                        | Word::Number
                        | Word::Filler
                        | Word::Honorific
                        | Word::Currency
                        | Word::Ledger
                        | Word::Credit
                        | Word::Bill
                )
            }) || prev.is_some_and(|p| {
                // "bill banao do kilo chawal": after a request already whole, "do" is two.
                matches!(p.word, Word::Make | Word::Write) && p.key.ends_with('o')
            });
            let next_allows = next.is_some_and(|n| {
                matches!(
                    n.word,
                    Word::Number | Word::Unit(_) | Word::Name | Word::Currency
                )
            });
            if !(prev_allows && next_allows) {
                tokens[i].word = Word::Aux;
            }
            continue;
        }
        // A number word between a name and its case marker is a surname: "Amit Das ne".
        if prev.is_some_and(|p| p.word == Word::Name)
            && next.is_some_and(|n| matches!(n.word, Word::Marker | Word::Honorific))
            && !matches!(
                super::numbers::number_word(key),
                Some(super::numbers::NumWord::Mult(_))
            )
        {
            tokens[i].word = Word::Name;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00+05:30").unwrap_or_default()
    }

    fn json(text: &str) -> String {
        serde_json::to_string(&parse(text, now()).parsed).unwrap_or_default()
    }

    #[test]
    fn amounts_written_are_every_number_said_and_rupees_with_their_paise() {
        let written = amounts_written("Rahul ne dedh sau diye, Amit ka 250 rupaye 50 paise");
        for paise in [15_000, 25_000, 25_050, 5_000] {
            assert!(
                written.contains(&Paise::new(paise)),
                "{paise} in {written:?}"
            );
        }
        assert!(amounts_written("Rahul ka hisaab dikhao").is_empty());
    }

    #[test]
    fn splits_only_into_whole_commands() {
        assert_eq!(
            parse("Rahul ne 200 diye aur Suresh ko 300 udhaar", now())
                .parsed
                .commands
                .len(),
            2
        );
        assert_eq!(
            parse("Rahul ko 2 milk aur 1 bread ka bill bana do", now())
                .parsed
                .commands
                .len(),
            1
        );
        assert_eq!(
            json("galti ho gayi, wapas lo"),
            r#"{"commands":[{"intent":"undo"}]}"#
        );
    }

    #[test]
    fn do_is_a_verb_or_two_by_context() {
        assert!(json("Rahul ko do kilo chawal ka bill bana do").contains(r#""qty":2"#));
        assert!(json("Amit ke naam 450 udhaar likh do").contains(r#""amount_paise":45000"#));
    }

    #[test]
    fn short_forms_depend_on_neighbours() {
        assert!(json("Rahul ne 2k diye").contains(r#""amount_paise":200000"#));
        assert!(json("Rahul k 200 udhaar likho").contains(r#""amount_paise":20000"#));
        assert!(json("Parle G kitna bacha hai").contains(r#""product":"Parle G""#));
    }

    #[test]
    fn two_word_app_names_are_modes() {
        assert!(json("Manoj se 750 mil gaye Phone Pe se").contains(r#""mode":"upi""#));
        assert!(json("Manoj ne phone pay se 750 bheje").contains(r#""mode":"upi""#));
        assert!(json("remind Bose day after tomorrow").contains(r#""customer":"Bose""#));
    }

    #[test]
    fn number_word_surnames_stay_names() {
        assert!(json("Amit Das ne 500 diye").contains(r#""customer":"Amit Das""#));
    }

    #[test]
    fn confidence_is_honest() {
        assert!(parse("Rahul ne 200 diye", now()).confident);
        assert!(!parse("mausam kaisa hai", now()).confident);
        assert!(!parse("", now()).confident);
        assert!(!parse("Rahul ne 200 diye kyunki woh aaya tha", now()).confident);
        // An English reason after the payment says why, and is set aside.
        assert!(parse("Rahul ne 200 diye because he came by", now()).confident);
        // Pronouns point at a customer only the conversation knows.
        assert!(!parse("uska balance batao", now()).confident);
        assert!(parse("usne 200 diye", now()).parsed.is_unknown());
    }
}
