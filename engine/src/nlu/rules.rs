//! The rules parser: a merchant's words to contract commands, fast, offline, and honest about doubt.
//!
//! A message is split into commands on aur/and/,/फिर only where every part is a whole command;
//! each part's intent comes from keyword families (lexicon), its names from the first run of
//! words that are no keyword, number, time or particle, and its amounts, quantities and times
//! from `numbers` and `time`.

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};

use super::command::{Command, ItemRequest, Parsed};
use super::lexicon::*;
use super::numbers::{Number, is_money_word, numbers, read_number, unit};
use super::time::{reminder_time, summary_date};
use super::tokens::{Token, tokenize};
use crate::money::{Paise, PaymentMode};
use crate::phone::Phone;
use crate::quantity::Quantity;

/// What the rules made of a message, and whether they are sure of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleParse {
    pub parsed: Parsed,
    pub confident: bool,
}

/// Longest message the rules read; the rest is ignored (a command is never this long).
const MAX_TOKENS: usize = 120;
/// Most split points tried when looking for several commands.
const MAX_SPLITS: usize = 8;

/// Words that can never be (part of) a name.
static NOT_NAME: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    let lists: &[&[&str]] = &[
        STOPWORDS,
        MARKERS,
        HONORIFICS,
        FILLERS,
        SEPARATORS,
        UNDO,
        HELP,
        REMINDER,
        CANCEL,
        BILL,
        SHOW,
        NEW,
        CUSTOMER_WORDS,
        PRODUCT_WORDS,
        SALES,
        LEDGER,
        STOCK,
        LEFT,
        ARRIVED,
        BALANCE,
        QUESTION,
        CREDIT,
        CREDIT_VERBS,
        PAYMENT_VERBS,
        ALL,
        PAST_TALK,
        MODE_WORDS,
        TIME_WORDS,
    ];
    lists.iter().flat_map(|l| l.iter().copied()).collect()
});

const MODE_WORDS: &[&str] = &[
    "cash",
    "nakad",
    "nagad",
    "nakd",
    "कैश",
    "नकद",
    "नगद",
    "upi",
    "gpay",
    "g-pay",
    "googlepay",
    "google",
    "phonepe",
    "paytm",
    "online",
    "qr",
    "bhim",
    "गूगल",
    "पे",
    "यूपीआई",
    "फोनपे",
    "पेटीएम",
    "ऑनलाइन",
    "card",
    "कार्ड",
    "bank",
    "neft",
    "imps",
    "rtgs",
    "बैंक",
    "cheque",
    "check",
    "चेक",
    "transfer",
];

const TIME_WORDS: &[&str] = &[
    "aaj",
    "aj",
    "kal",
    "parso",
    "parson",
    "today",
    "tomorrow",
    "yesterday",
    "yesterday's",
    "आज",
    "कल",
    "परसों",
    "परसो",
    "subah",
    "subha",
    "dopahar",
    "shaam",
    "sham",
    "raat",
    "morning",
    "afternoon",
    "evening",
    "night",
    "सुबह",
    "दोपहर",
    "शाम",
    "रात",
    "baje",
    "बजे",
    "pm",
    "am",
    "ghante",
    "ghanta",
    "घंटे",
    "baad",
    "बाद",
    "tarikh",
    "tareekh",
    "तारीख",
    "agle",
    "agla",
    "hafte",
    "hafta",
    "week",
    "next",
    "अगले",
    "हफ्ते",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "somvar",
    "mangalvar",
    "budhvar",
    "guruvar",
    "shukravar",
    "shanivar",
    "ravivar",
    "सोमवार",
    "मंगलवार",
    "बुधवार",
    "गुरुवार",
    "शुक्रवार",
    "शनिवार",
    "रविवार",
    "hours",
    "hour",
    "minute",
    "minutes",
];

pub fn parse(text: &str, now: DateTime<FixedOffset>) -> RuleParse {
    let mut tokens = tokenize(text);
    tokens.truncate(MAX_TOKENS);
    let commands = split_commands(&tokens, now)
        .or_else(|| parse_segment(&tokens, now).map(|c| vec![c]))
        .unwrap_or_else(|| vec![Command::Unknown]);
    let confident = commands.iter().all(|c| !matches!(c, Command::Unknown));
    RuleParse {
        parsed: Parsed { commands },
        confident,
    }
}

/// The best split into two or more whole commands, if any.
fn split_commands(tokens: &[Token], now: DateTime<FixedOffset>) -> Option<Vec<Command>> {
    let cuts: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is_any(SEPARATORS))
        .map(|(i, _)| i)
        .take(MAX_SPLITS)
        .collect();
    let mut best: Option<Vec<Command>> = None;
    for mask in 1u32..(1 << cuts.len()) {
        let chosen: Vec<usize> = cuts
            .iter()
            .enumerate()
            .filter(|(b, _)| mask & (1 << b) != 0)
            .map(|(_, c)| *c)
            .collect();
        let mut start = 0;
        let mut commands = Vec::with_capacity(chosen.len() + 1);
        let mut whole = true;
        for end in chosen.iter().copied().chain(std::iter::once(tokens.len())) {
            match parse_segment(&tokens[start..end], now) {
                Some(command) => commands.push(command),
                None => {
                    whole = false;
                    break;
                }
            }
            start = end + 1;
        }
        if whole && best.as_ref().is_none_or(|b| commands.len() > b.len()) {
            best = Some(commands);
        }
    }
    best.map(|mut commands| {
        // "galti ho gayi, wapas lo" says undo twice: it is one undo.
        commands.dedup_by(|a, b| {
            matches!(
                (a, b),
                (Command::Undo, Command::Undo) | (Command::Help, Command::Help)
            )
        });
        commands
    })
}

fn has(tokens: &[Token], words: &[&str]) -> bool {
    tokens.iter().any(|t| t.is_any(words))
}

fn has_word(tokens: &[Token], word: &str) -> bool {
    tokens.iter().any(|t| t.is(word))
}

fn is_name_word(token: &Token) -> bool {
    let low = token.low.as_str();
    !NOT_NAME.contains(low)
        && !is_money_word(low)
        && unit(low).is_none()
        && !low.starts_with('₹')
        && !low
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '+')
        && read_number(std::slice::from_ref(token), 0).is_none_or(|n| n.end == 0)
        && low.chars().any(char::is_alphabetic)
}

/// The first run of name words at or after `from`: (start, end).
fn name_run(tokens: &[Token], from: usize) -> Option<(usize, usize)> {
    let start = (from..tokens.len()).find(|&i| is_name_word(&tokens[i]))?;
    let end = (start..tokens.len())
        .find(|&i| !is_name_word(&tokens[i]))
        .unwrap_or(tokens.len());
    Some((start, end.min(start + 4)))
}

/// The words of a run as said, without a possessive 's.
fn words_of(tokens: &[Token], (start, end): (usize, usize)) -> String {
    let mut words: Vec<&str> = tokens[start..end].iter().map(|t| t.raw.as_str()).collect();
    if let Some(last) = words.last_mut() {
        *last = last
            .strip_suffix("'s")
            .or_else(|| last.strip_suffix("’s"))
            .unwrap_or(last);
    }
    words.join(" ")
}

fn first_name(tokens: &[Token]) -> Option<String> {
    name_run(tokens, 0).map(|run| words_of(tokens, run))
}

/// Leading fillers ("haan achha to …") skipped.
fn content(tokens: &[Token]) -> &[Token] {
    let skip = tokens
        .iter()
        .take_while(|t| t.is_any(FILLERS) || t.is_any(SEPARATORS))
        .count();
    &tokens[skip..]
}

/// Numbers that are amounts of money: not times, quantities with units, or phone numbers.
fn amounts(tokens: &[Token], skip: &[usize]) -> Vec<Number> {
    numbers(tokens)
        .into_iter()
        .filter(|n| !(n.start..n.end).any(|i| skip.contains(&i)))
        .filter(|n| n.money || tokens.get(n.end).is_none_or(|t| unit(&t.low).is_none()))
        .filter(|n| n.money || n.digits < 10)
        .collect()
}

/// The amount of money said, in paise. Amounts above the booking limit are still reported,
/// so the books can refuse them with a clear answer instead of the message going unread.
fn amount(tokens: &[Token], skip: &[usize]) -> Option<Paise> {
    let found = amounts(tokens, skip);
    let chosen = found.iter().find(|n| n.money).or_else(|| found.first())?;
    let paise = Paise::new(chosen.milli / 10 + i64::from(chosen.milli % 10 >= 5));
    paise.is_positive().then_some(paise)
}

fn mode(tokens: &[Token]) -> Option<PaymentMode> {
    for (i, token) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1).map(|t| t.low.as_str()).unwrap_or("");
        let mode = match token.low.as_str() {
            "cash" | "nakad" | "nagad" | "nakd" | "कैश" | "नकद" | "नगद" => {
                PaymentMode::Cash
            }
            "upi" | "gpay" | "g-pay" | "googlepay" | "phonepe" | "paytm" | "online" | "qr"
            | "bhim" | "यूपीआई" | "फोनपे" | "पेटीएम" | "ऑनलाइन" => {
                PaymentMode::Upi
            }
            "google" | "गूगल" if matches!(next, "pay" | "pe" | "पे") => {
                PaymentMode::Upi
            }
            "card" | "कार्ड" => PaymentMode::Card,
            "bank" | "neft" | "imps" | "rtgs" | "बैंक" | "account" => PaymentMode::Bank,
            "cheque" | "check" | "चेक" => PaymentMode::Cheque,
            _ => continue,
        };
        return Some(mode);
    }
    None
}

fn parse_segment(tokens: &[Token], now: DateTime<FixedOffset>) -> Option<Command> {
    let tokens = content(tokens);
    if tokens.is_empty() {
        return None;
    }
    let low: Vec<&str> = tokens.iter().map(|t| t.low.as_str()).collect();
    let count = |word: &str| low.iter().filter(|w| **w == word).count();

    if has(tokens, &["galti", "galati", "undo", "गलती", "mistake"])
        || (has(tokens, &["wapas", "वापस"])
            && has(tokens, &["lo", "karo", "le", "करो", "लो", "kar"]))
    {
        return Some(Command::Undo);
    }
    if has(tokens, HELP)
        || (count("kya") >= 2 && has_word(tokens, "sakte"))
        || (has(tokens, &["kaise", "कैसे"])
            && has(tokens, &["chalate", "chalaye", "chalana", "चलाते", "use"]))
        || (has_word(tokens, "what") && has_word(tokens, "can") && has_word(tokens, "you"))
    {
        return Some(Command::Help);
    }
    if has(tokens, REMINDER) {
        let customer = first_name(tokens)?;
        if has(tokens, CANCEL) {
            return Some(Command::CancelReminder { customer });
        }
        let said = reminder_time(tokens, now);
        let amount_paise = amount(tokens, &said.used);
        return Some(Command::ScheduleReminder {
            customer,
            amount_paise,
            at: said.at,
        });
    }
    if has(tokens, BILL) {
        if has(tokens, CANCEL) {
            return Some(Command::CancelInvoice {
                customer: first_name(tokens),
            });
        }
        if has(tokens, SHOW) {
            return Some(Command::ListInvoices {
                customer: first_name(tokens),
            });
        }
        return invoice(tokens);
    }
    if (has(tokens, NEW) && has(tokens, CUSTOMER_WORDS))
        || (has(tokens, CUSTOMER_WORDS) && has(tokens, &["add", "jodo", "जोडो"]))
    {
        return new_customer(tokens);
    }
    if (has(tokens, NEW) && has(tokens, PRODUCT_WORDS))
        || (has(tokens, PRODUCT_WORDS) && has_word(tokens, "add"))
    {
        return new_product(tokens);
    }
    let has_name = first_name(tokens).is_some();
    if has(tokens, SALES) || (has(tokens, LEDGER) && !has_name) {
        return Some(Command::DailySummary {
            date: summary_date(tokens, now),
        });
    }
    if (has(tokens, ARRIVED) || has(tokens, STOCK))
        && let Some(command) = stock_arrived(tokens)
    {
        return Some(command);
    }
    if has(tokens, STOCK) || has(tokens, LEFT) {
        return first_name(tokens).map(|product| Command::CheckStock { product });
    }
    let money = amount(tokens, &[]);
    let asks = has(tokens, QUESTION) || low.last().is_some_and(|w| *w == "hai" || *w == "है");
    if money.is_none()
        && (has(tokens, BALANCE) || has(tokens, LEDGER) || (has(tokens, CREDIT) && asks))
    {
        let customer = first_name(tokens);
        if customer.is_none() && !has(tokens, ALL) && !has(tokens, CREDIT) && !has(tokens, BALANCE)
        {
            return None;
        }
        return Some(Command::CheckBalance { customer });
    }
    let writes_down = has(
        tokens,
        &["likh", "likho", "likhdo", "likhna", "लिखो", "लिख"],
    ) && !has(tokens, PAYMENT_VERBS);
    if has(tokens, CREDIT)
        || writes_down
        || (has(tokens, &["khate", "khaate", "खाते", "naam"]) && has(tokens, CREDIT_VERBS))
    {
        let pays_back = has(tokens, &["ne", "ने"])
            && has(
                tokens,
                &[
                    "diye",
                    "diya",
                    "jama",
                    "chukaya",
                    "chukaye",
                    "दिए",
                    "दिया",
                    "जमा",
                    "paid",
                ],
            )
            && !has(
                tokens,
                &["liya", "liye", "li", "लिया", "लिए", "likho", "likh", "लिखो"],
            );
        let customer = first_name(tokens)?;
        let amount_paise = money?;
        if !pays_back {
            return Some(Command::AddCredit {
                customer,
                amount_paise,
                note: None,
            });
        }
        return Some(Command::RecordPayment {
            customer,
            amount_paise,
            mode: mode(tokens),
        });
    }
    if has(tokens, PAYMENT_VERBS) || mode(tokens).is_some() {
        let customer = first_name(tokens)?;
        let amount_paise = money?;
        return Some(Command::RecordPayment {
            customer,
            amount_paise,
            mode: mode(tokens),
        });
    }
    None
}

/// Bill: the customer before ko/ke liye/ka (or after "for"), items before and after the bill words.
fn invoice(tokens: &[Token]) -> Option<Command> {
    let mut customer_run = None;
    if let Some((start, end)) = name_run(tokens, 0) {
        let before_ok = start == 0
            || tokens[..start]
                .iter()
                .all(|t| t.is_any(&["for", "of", "make", "a", "bill", "बिल"]));
        let honorifics = tokens[end..]
            .iter()
            .take_while(|t| t.is_any(HONORIFICS))
            .count();
        let after = tokens
            .get(end + honorifics)
            .map(|t| t.low.as_str())
            .unwrap_or("");
        let after_ok = matches!(
            after,
            "ko" | "ke" | "ka" | "ki" | "को" | "के" | "का" | "की" | "liye"
        ) || (start > 0 && tokens[start - 1].is_any(&["for", "of"]));
        if before_ok && after_ok {
            customer_run = Some((start, end));
        }
    }
    let kept: Vec<Token> = tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| customer_run.is_none_or(|(s, e)| *i < s || *i >= e))
        .filter(|(_, t)| {
            !(t.is_any(BILL)
                || t.is_any(MARKERS)
                || t.is_any(HONORIFICS)
                || t.is_any(&[
                    "bana",
                    "banao",
                    "banado",
                    "banana",
                    "bane",
                    "make",
                    "create",
                    "do",
                    "dena",
                    "for",
                    "a",
                    "hai",
                    "करो",
                    "बना",
                    "बनाओ",
                    "दो",
                    "है",
                    "please",
                    "karo",
                    "kar",
                    "de",
                    "देना",
                    "chahiye",
                ]))
        })
        .map(|(_, t)| t.clone())
        .collect();
    let items = items(&kept);
    if items.is_empty() {
        return None;
    }
    Some(Command::CreateInvoice {
        customer: customer_run.map(|run| words_of(tokens, run)),
        items,
    })
}

/// "2 milk aur 1 bread", "5 kg atta, 2 kg cheeni", "ek dozen ande", "Surf Excel aur bread".
fn items(tokens: &[Token]) -> Vec<ItemRequest> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].is_any(SEPARATORS) {
            i += 1;
            continue;
        }
        let mut qty = Quantity::ONE;
        if let Some(n) = read_number(tokens, i).filter(|n| n.start == i && !n.money && n.milli > 0)
        {
            qty = Quantity::from_milli(n.milli);
            i = n.end;
        }
        let found_unit = tokens.get(i).and_then(|t| unit(&t.low));
        if found_unit.is_some() {
            i += 1;
        }
        let start = i;
        while i < tokens.len()
            && !tokens[i].is_any(SEPARATORS)
            && read_number(tokens, i).is_none_or(|n| n.start != i)
            && (is_name_word(&tokens[i]) || tokens[i].low.contains('-'))
        {
            i += 1;
        }
        if i > start {
            let product = tokens[start..i]
                .iter()
                .map(|t| t.raw.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            out.push(ItemRequest {
                product,
                qty,
                unit: found_unit,
            });
        } else {
            i = i.max(start + 1);
        }
    }
    out
}

/// "50 packet doodh aaya hai", "Parle-G ke 10 box aaye", "received 24 bottle Thums Up".
fn stock_arrived(tokens: &[Token]) -> Option<Command> {
    let found = numbers(tokens)
        .into_iter()
        .find(|n| !n.money && n.digits < 10)?;
    let found_unit = tokens.get(found.end).and_then(|t| unit(&t.low));
    if found_unit.is_none() && !has(tokens, STOCK) {
        return None;
    }
    let product = first_name(tokens)?;
    Some(Command::UpdateStock {
        product,
        qty: Quantity::from_milli(found.milli),
        unit: found_unit,
    })
}

/// "naya customer Amit 9876543210", "add customer Joseph D'Souza +91 98450 12345".
fn new_customer(tokens: &[Token]) -> Option<Command> {
    let customer = first_name(tokens)?;
    let mut digits = String::new();
    for token in tokens {
        let bare: String = token.low.chars().filter(|c| c.is_ascii_digit()).collect();
        let is_phone_part = !bare.is_empty()
            && token
                .low
                .chars()
                .all(|c| c.is_ascii_digit() || "+-()".contains(c));
        if is_phone_part {
            digits.push_str(&bare);
        } else if !digits.is_empty() && digits.len() >= 10 {
            break;
        } else {
            digits.clear();
        }
    }
    let phone = Phone::parse(&digits).ok().map(|p| p.as_str().to_string());
    Some(Command::AddCustomer { customer, phone })
}

/// "naya item Parle-G 10 rupaye", "naya product basmati chawal 90 rupaye kilo", "add product Lays price 20".
fn new_product(tokens: &[Token]) -> Option<Command> {
    let product = first_name(tokens)?;
    let price = amounts(tokens, &[]).into_iter().next()?;
    let price_paise = Paise::new(price.milli / 10);
    if !price_paise.is_positive() {
        return None;
    }
    let unit = tokens[price.end..].iter().find_map(|t| unit(&t.low));
    Some(Command::AddProduct {
        product,
        price_paise,
        unit,
    })
}
