//! The parser against its own cases (every rule), the shared development set, and arbitrary input.

use chrono::DateTime;
use proptest::prelude::*;

use super::eval::{evaluate, load_cases};
use super::rules::parse;

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00+05:30").expect("valid time")
}

#[test]
fn every_rule_case_parses_exactly() {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/nlu/rules.jsonl"
    ));
    let cases = load_cases(text).expect("our cases load");
    let report = evaluate(&cases, |text, now| parse(text, now).parsed);
    assert_eq!(report.correct, report.total, "{report}");
    assert!(report.total >= 100);
}

#[test]
fn the_shared_development_set_is_at_least_97_percent() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/nlu/dev.jsonl");
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("skipped: {path} is not on this machine");
        return;
    };
    let cases = load_cases(&text).expect("dev set loads");
    let report = evaluate(&cases, |text, now| parse(text, now).parsed);
    assert!(report.accuracy() >= 97.0, "{report}");
}

#[test]
fn confidence_is_honest() {
    assert!(parse("Rahul ne 200 diye", now()).confident);
    assert!(!parse("mausam kaisa hai", now()).confident);
    assert!(!parse("", now()).confident);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_text(text in "\\PC{0,200}") {
        let parsed = parse(&text, now());
        prop_assert!(!parsed.parsed.commands.is_empty());
    }

    #[test]
    fn never_panics_on_trade_words_in_any_order(words in proptest::collection::vec(prop::sample::select(vec![
        "Rahul", "ne", "ko", "ka", "ke", "diye", "udhaar", "bill", "bana", "do", "aur", ",", "₹", "500", "1,23,456.50",
        "dedh", "saade", "sava", "paune", "sau", "hazaar", "lakh", "crore", "kal", "shaam", "7", "baje", "ghante", "baad",
        "tarikh", "kilo", "packet", "dozen", "aadha", "राहुल", "ने", "को", "उधार", "दिए", "किलो", "०", "९", "reminder",
        "cancel", "stock", "aaya", "naya", "customer", "9876543210", "+91", "galti", "help", "₹0", "0", "-5", "99999999999999999999",
    ]), 0..25)) {
        let text = words.join(" ");
        let parsed = parse(&text, now());
        prop_assert!(!parsed.parsed.commands.is_empty());
        // Output always serialises to the contract's JSON.
        prop_assert!(serde_json::to_string(&parsed.parsed).is_ok());
    }
}
