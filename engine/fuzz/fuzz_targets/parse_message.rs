//! Any text gives a parse and never a panic; the parse is the same every time, prints as the
//! contract's JSON and reads back the same; and a confident parse takes every amount from the
//! text: one its digits or number words say (`rules::amounts_written`), and in a text with no
//! letters (so no number words) one its digits say, read here without the parser's help. See
//! docs/FUZZING.md.

#![no_main]

use chrono::DateTime;
use execora_engine::nlu::command::{Command, Parsed};
use execora_engine::nlu::rules;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

/// The contract's JSON, read back.
#[derive(Deserialize)]
struct Printed {
    #[serde(flatten)]
    parsed: Parsed,
    confident: bool,
}

/// The money a command would write into the books: an amount paid or owed, a reminder's amount,
/// a product's price.
fn amount(command: &Command) -> Option<i64> {
    match command {
        Command::RecordPayment { amount_paise, .. } | Command::AddCredit { amount_paise, .. } => {
            Some(amount_paise.as_i64())
        }
        Command::ScheduleReminder { amount_paise, .. } => amount_paise.map(|a| a.as_i64()),
        Command::AddProduct { price_paise, .. } => Some(price_paise.as_i64()),
        _ => None,
    }
}

/// Runs of digits with the separators a written amount may have inside it.
fn written_amounts(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || ((c == ',' || c == '.') && !run.is_empty()) {
            run.push(c);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

fn paise_of(written: &str) -> Option<i64> {
    let written = written.trim_end_matches(['.', ',']).replace(',', "");
    let (rupees, paise) = match written.split_once('.') {
        Some((r, p)) if p.len() <= 2 => (r.to_string(), format!("{p:0<2}")),
        Some(_) => return None,
        None => (written, "00".to_string()),
    };
    Some(rupees.parse::<i64>().ok()? * 100 + paise.parse::<i64>().ok()?)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(now) = DateTime::parse_from_rfc3339("2026-11-22T10:00:00+05:30") else {
        return;
    };
    let first = rules::parse(text, now);
    let again = rules::parse(text, now);
    assert_eq!(first, again, "the same text parses the same way");
    let printed = serde_json::to_string(&first).expect("a parse always prints");
    let read: Printed = serde_json::from_str(&printed).expect("the printed JSON reads back");
    assert_eq!(read.parsed, first.parsed);
    assert_eq!(read.confident, first.confident);
    if first.confident {
        let said: Vec<i64> = rules::amounts_written(text)
            .iter()
            .map(|paise| paise.as_i64())
            .collect();
        for command in &first.parsed.commands {
            if let Some(booked) = amount(command) {
                assert!(
                    said.contains(&booked),
                    "{text:?} booked {booked} paise, not an amount said in it ({said:?})"
                );
            }
        }
    }
    if first.confident && !text.chars().any(char::is_alphabetic) {
        let written: Vec<i64> = written_amounts(text)
            .iter()
            .filter_map(|w| paise_of(w))
            .collect();
        for command in &first.parsed.commands {
            if let Some(booked) = amount(command) {
                assert!(
                    written.contains(&booked),
                    "{text:?} booked {booked} paise, not an amount written in it ({written:?})"
                );
            }
        }
    }
});
