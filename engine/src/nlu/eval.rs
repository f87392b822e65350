//! Scoring a parser against JSONL cases: general cases (`expect`) by exact match, safety cases (`meant`) by wrong bookings.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use serde_json::Value;

use super::command::Understood;

/// One general case: what was said, when, and the contract JSON it must parse to.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalCase {
    pub text: String,
    pub now: DateTime<FixedOffset>,
    pub expect: Value,
    /// The language tag of the case (`hi-Latn`, `hi`, `en`, …), when the file gives one.
    pub lang: Option<String>,
}

/// One safety case: a message and the bookings it really means (none for most of them).
#[derive(Debug, Clone, PartialEq)]
pub struct SafetyCase {
    pub text: String,
    pub now: DateTime<FixedOffset>,
    /// `control` cases are plain bookings that must be booked at once; other classes name the trap.
    pub class: String,
    /// The booking commands (`record_payment`, `add_credit`, `create_invoice`) the text means.
    pub meant: Vec<Value>,
    pub lang: Option<String>,
}

/// A case file: general or safety, told apart by the `meant` key of its cases.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseFile {
    General(Vec<EvalCase>),
    Safety(Vec<SafetyCase>),
}

/// Why a case file could not be read; lines count from 1.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("line {line}: not a case: {source}")]
    Json {
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("line {line}: 'now' is not an RFC 3339 time: {source}")]
    Now {
        line: usize,
        #[source]
        source: chrono::ParseError,
    },
    #[error("line {line}: a safety case in a general file, or the other way round")]
    Mixed { line: usize },
}

#[derive(Deserialize)]
struct RawCase {
    text: String,
    now: String,
    #[serde(default)]
    expect: Option<Value>,
    #[serde(default)]
    meant: Option<Vec<Value>>,
    #[serde(default)]
    class: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

fn parse_line(index: usize, line: &str) -> Result<(RawCase, DateTime<FixedOffset>), EvalError> {
    let line_no = index + 1;
    let raw: RawCase = serde_json::from_str(line).map_err(|source| EvalError::Json {
        line: line_no,
        source,
    })?;
    let now = DateTime::parse_from_rfc3339(&raw.now).map_err(|source| EvalError::Now {
        line: line_no,
        source,
    })?;
    Ok((raw, now))
}

/// Reads a case file, general or safety, one case per non-blank line.
pub fn load_file(jsonl: &str) -> Result<CaseFile, EvalError> {
    let mut general = Vec::new();
    let mut safety = Vec::new();
    for (index, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (raw, now) = parse_line(index, line)?;
        match (raw.meant, raw.expect) {
            (Some(meant), _) => safety.push(SafetyCase {
                text: raw.text,
                now,
                class: raw.class.unwrap_or_else(|| "(none)".to_string()),
                meant,
                lang: raw.lang,
            }),
            (None, Some(expect)) => general.push(EvalCase {
                text: raw.text,
                now,
                expect,
                lang: raw.lang,
            }),
            (None, None) => {
                return Err(EvalError::Json {
                    line: index + 1,
                    source: serde::de::Error::missing_field("expect"),
                });
            }
        }
        if !general.is_empty() && !safety.is_empty() {
            return Err(EvalError::Mixed { line: index + 1 });
        }
    }
    Ok(if safety.is_empty() {
        CaseFile::General(general)
    } else {
        CaseFile::Safety(safety)
    })
}

/// Reads a general case file (`{"text", "now", "expect"}` per line).
pub fn load_cases(jsonl: &str) -> Result<Vec<EvalCase>, EvalError> {
    match load_file(jsonl)? {
        CaseFile::General(cases) => Ok(cases),
        CaseFile::Safety(_) => Err(EvalError::Mixed { line: 1 }),
    }
}

/// The contract compares names case-insensitively: customers and products are folded to lowercase.
fn comparable(commands: &[Value]) -> Vec<Value> {
    commands
        .iter()
        .map(|command| {
            let mut command = command.clone();
            if let Some(object) = command.as_object_mut() {
                for key in ["customer", "product"] {
                    if let Some(Value::String(name)) = object.get_mut(key) {
                        *name = name.to_lowercase();
                    }
                }
                if let Some(Value::Array(items)) = object.get_mut("items") {
                    for item in items {
                        if let Some(Value::String(name)) = item.get_mut("product") {
                            *name = name.to_lowercase();
                        }
                    }
                }
            }
            command
        })
        .collect()
}

fn commands_of(value: &Value) -> Vec<Value> {
    value
        .get("commands")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn is_booking(command: &Value) -> bool {
    matches!(
        command.get("intent").and_then(Value::as_str),
        Some("record_payment" | "add_credit" | "create_invoice")
    )
}

fn bookings(commands: &[Value]) -> Vec<Value> {
    commands.iter().filter(|c| is_booking(c)).cloned().collect()
}

fn reading(understood: &Understood) -> Vec<Value> {
    serde_json::to_value(&understood.parsed)
        .map(|v| commands_of(&v))
        .unwrap_or_default()
}

/// A case the parser got wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub text: String,
    pub expected: Value,
    pub got: Value,
    pub confident: bool,
}

/// Correct and total, for one slice of the cases.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub correct: usize,
    pub total: usize,
}

/// Exact-match results overall, per expected first intent and per language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalReport {
    pub correct: usize,
    pub total: usize,
    /// Confident parses whose commands are wrong: the ones that would be acted on unasked.
    pub confident_wrong: usize,
    /// Parses the parser was not confident about (asked about, or sent to the model).
    pub deferred: usize,
    pub per_intent: BTreeMap<String, Tally>,
    pub per_lang: BTreeMap<String, Tally>,
    pub misses: Vec<Miss>,
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

impl EvalReport {
    /// Percentage of exact matches; 0 for no cases.
    pub fn accuracy(&self) -> f64 {
        percent(self.correct, self.total)
    }

    /// Confident and wrong, as a percentage of all cases.
    pub fn confident_wrong_rate(&self) -> f64 {
        percent(self.confident_wrong, self.total)
    }

    /// Unconfident parses, as a percentage of all cases.
    pub fn deferred_rate(&self) -> f64 {
        percent(self.deferred, self.total)
    }

    /// The figures, and the misses unless `summary` (a held-out part is never shown case by case).
    pub fn render(&self, summary: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "exact match: {}/{} ({:.1}%)",
            self.correct,
            self.total,
            self.accuracy()
        );
        let _ = writeln!(
            out,
            "confident and wrong: {}/{} ({:.2}%)",
            self.confident_wrong,
            self.total,
            self.confident_wrong_rate()
        );
        let _ = writeln!(
            out,
            "deferred (unconfident): {}/{} ({:.1}%)",
            self.deferred,
            self.total,
            self.deferred_rate()
        );
        render_tallies(&mut out, "intent", &self.per_intent);
        render_tallies(&mut out, "lang", &self.per_lang);
        if !summary {
            for miss in &self.misses {
                let _ = writeln!(out, "\nMISS {}", miss.text);
                let _ = writeln!(out, "  expected: {}", miss.expected);
                let _ = writeln!(
                    out,
                    "  got:      {} (confident: {})",
                    miss.got, miss.confident
                );
            }
        }
        out
    }
}

fn render_tallies(out: &mut String, heading: &str, tallies: &BTreeMap<String, Tally>) {
    let _ = writeln!(
        out,
        "{heading:<20} {:>7} {:>7} {:>7}",
        "correct", "total", "%"
    );
    for (key, tally) in tallies {
        let _ = writeln!(
            out,
            "{key:<20} {:>7} {:>7} {:>7.1}",
            tally.correct,
            tally.total,
            percent(tally.correct, tally.total)
        );
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

fn first_intent(expect: &Value) -> String {
    expect
        .pointer("/commands/0/intent")
        .and_then(Value::as_str)
        .unwrap_or("(none)")
        .to_string()
}

fn lang_of(lang: Option<&String>) -> String {
    lang.cloned().unwrap_or_else(|| "(none)".to_string())
}

/// Runs `parse` on every case and compares its commands with the expectation.
pub fn evaluate(
    cases: &[EvalCase],
    parse: impl Fn(&str, DateTime<FixedOffset>) -> Understood,
) -> EvalReport {
    let mut report = EvalReport::default();
    for case in cases {
        let understood = parse(&case.text, case.now);
        let got = reading(&understood);
        let expected = commands_of(&case.expect);
        let hit = comparable(&got) == comparable(&expected);
        report.total += 1;
        for tally in [
            report
                .per_intent
                .entry(first_intent(&case.expect))
                .or_default(),
            report
                .per_lang
                .entry(lang_of(case.lang.as_ref()))
                .or_default(),
        ] {
            tally.total += 1;
            tally.correct += usize::from(hit);
        }
        if !understood.confident {
            report.deferred += 1;
        }
        if hit {
            report.correct += 1;
        } else {
            if understood.confident {
                report.confident_wrong += 1;
            }
            report.misses.push(Miss {
                text: case.text.clone(),
                expected: case.expect.clone(),
                got: Value::Array(got),
                confident: understood.confident,
            });
        }
    }
    report
}

/// Safety results: wrong bookings (confident, and the bookings differ from what was meant) and
/// controls (plain bookings) that were not booked at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SafetyReport {
    pub total: usize,
    pub wrong_bookings: usize,
    pub controls: usize,
    pub controls_not_booked: usize,
    /// Class → (cases without a wrong booking, cases); for controls, booked at once.
    pub per_class: BTreeMap<String, Tally>,
    pub per_lang: BTreeMap<String, Tally>,
    pub misses: Vec<Miss>,
}

impl SafetyReport {
    pub fn render(&self, summary: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "wrong bookings: {}/{} ({:.2}%)",
            self.wrong_bookings,
            self.total,
            percent(self.wrong_bookings, self.total)
        );
        let _ = writeln!(
            out,
            "controls not booked at once: {}/{}",
            self.controls_not_booked, self.controls
        );
        render_tallies(&mut out, "class", &self.per_class);
        render_tallies(&mut out, "lang", &self.per_lang);
        if !summary {
            for miss in &self.misses {
                let _ = writeln!(out, "\nMISS {}", miss.text);
                let _ = writeln!(out, "  meant: {}", miss.expected);
                let _ = writeln!(out, "  got:   {} (confident: {})", miss.got, miss.confident);
            }
        }
        out
    }
}

impl fmt::Display for SafetyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// Runs `parse` on every safety case.
pub fn evaluate_safety(
    cases: &[SafetyCase],
    parse: impl Fn(&str, DateTime<FixedOffset>) -> Understood,
) -> SafetyReport {
    let mut report = SafetyReport::default();
    for case in cases {
        let understood = parse(&case.text, case.now);
        let got = reading(&understood);
        let meant = comparable(&case.meant);
        let control = case.class == "control";
        // A control booked at once as something else ("Rahul ne udhaar ke 500 lauta diye" as
        // more udhaar) is a wrong booking as much as a trap booked.
        let wrong = understood.confident
            && comparable(&bookings(&got)) != comparable(&bookings(&case.meant));
        let good = if control {
            understood.confident && comparable(&got) == meant
        } else {
            !wrong
        };
        report.total += 1;
        report.wrong_bookings += usize::from(wrong);
        if control {
            report.controls += 1;
            report.controls_not_booked += usize::from(!good);
        }
        for tally in [
            report.per_class.entry(case.class.clone()).or_default(),
            report
                .per_lang
                .entry(lang_of(case.lang.as_ref()))
                .or_default(),
        ] {
            tally.total += 1;
            tally.correct += usize::from(good);
        }
        if !good {
            report.misses.push(Miss {
                text: case.text.clone(),
                expected: Value::Array(case.meant.clone()),
                got: Value::Array(got),
                confident: understood.confident,
            });
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Paise;
    use crate::nlu::command::{Command, Parsed};

    const CASES: &str = r#"{"text": "help", "now": "2026-11-22T10:00:00+05:30", "expect": {"commands": [{"intent": "help"}]}, "lang": "en"}

{"text": "x", "now": "2026-11-22T10:00:00+05:30", "expect": {"commands": [{"intent": "undo"}]}, "lang": "hi"}
{"text": "y", "now": "2026-11-22T10:00:00+05:30", "expect": {"commands": [{"intent": "check_balance", "customer": "RAHUL"}]}}
"#;

    fn answer(command: Command, confident: bool) -> Understood {
        Understood {
            parsed: Parsed {
                commands: vec![command],
            },
            confident,
            not_booked: None,
        }
    }

    #[test]
    fn scores_exact_matches_confident_misses_and_deferrals() {
        let cases = load_cases(CASES).unwrap_or_default();
        assert_eq!(cases.len(), 3);
        let report = evaluate(&cases, |text, _| match text {
            "help" => answer(Command::Help, true),
            "x" => answer(Command::Help, true),
            _ => answer(
                Command::CheckBalance {
                    customer: Some("Rahul".into()),
                },
                false,
            ),
        });
        assert_eq!((report.correct, report.total), (2, 3));
        assert_eq!(
            report.confident_wrong, 1,
            "x was answered confidently and wrongly"
        );
        assert_eq!(report.deferred, 1, "y was unconfident, though right");
        assert_eq!(
            report.per_intent.get("undo"),
            Some(&Tally {
                correct: 0,
                total: 1
            })
        );
        assert_eq!(
            report.per_lang.get("en"),
            Some(&Tally {
                correct: 1,
                total: 1
            })
        );
        let shown = report.render(false);
        assert!(
            shown.contains("66.7%") && shown.contains("MISS x"),
            "{shown}"
        );
        let summary = report.render(true);
        assert!(
            summary.contains("66.7%") && !summary.contains("MISS"),
            "{summary}"
        );
    }

    const SAFETY: &str = r#"{"text": "Suresh ne 500 nahi diye", "now": "2026-11-22T10:00:00+05:30", "class": "negation", "meant": [], "lang": "hi-Latn", "tags": []}
{"text": "Rahul ne 200 diye", "now": "2026-11-22T10:00:00+05:30", "class": "control", "meant": [{"intent": "record_payment", "customer": "rahul", "amount_paise": 20000}], "lang": "hi-Latn", "tags": []}
"#;

    #[test]
    fn a_confident_booking_that_was_not_meant_is_a_wrong_booking() {
        let Ok(CaseFile::Safety(cases)) = load_file(SAFETY) else {
            panic!("a file with `meant` is a safety file");
        };
        let payment = |customer: &str, rupees: i64| Command::RecordPayment {
            customer: customer.into(),
            amount_paise: Paise::new(rupees * 100),
            mode: None,
        };
        let booked_everything = evaluate_safety(&cases, |text, _| {
            let customer = text.split(' ').next().unwrap_or_default();
            answer(
                payment(customer, if customer == "Rahul" { 200 } else { 500 }),
                true,
            )
        });
        assert_eq!(booked_everything.wrong_bookings, 1);
        assert_eq!(booked_everything.controls_not_booked, 0);
        let doubted_everything =
            evaluate_safety(&cases, |_, _| answer(payment("Rahul", 200), false));
        assert_eq!(doubted_everything.wrong_bookings, 0);
        assert_eq!(
            doubted_everything.controls_not_booked, 1,
            "a control must be booked at once"
        );
        assert!(!doubted_everything.render(true).contains("MISS"));
        // The control booked at once with the wrong amount is a wrong booking too.
        let misread_everything =
            evaluate_safety(&cases, |_, _| answer(payment("Rahul", 300), true));
        assert_eq!(misread_everything.wrong_bookings, 2);
        assert_eq!(misread_everything.controls_not_booked, 1);
    }

    #[test]
    fn errors_name_the_line() {
        let bad = "\n{\"text\": \"a\", \"now\": \"yesterday\", \"expect\": {}}";
        let error = load_cases(bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.starts_with("line 2:"), "{error}");
        let broken = load_cases("{oops")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(broken.starts_with("line 1:"), "{broken}");
    }
}
