//! Scoring a parser against JSONL cases of `{"text", "now", "expect"}` by exact JSON match.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

use super::command::Parsed;

/// One case: what was said, when, and the contract JSON it must parse to.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalCase {
    pub text: String,
    pub now: DateTime<FixedOffset>,
    pub expect: serde_json::Value,
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
}

#[derive(Deserialize)]
struct RawCase {
    text: String,
    now: String,
    expect: serde_json::Value,
}

/// Reads one case per non-blank line.
pub fn load_cases(jsonl: &str) -> Result<Vec<EvalCase>, EvalError> {
    jsonl
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let line_no = index + 1;
            let raw: RawCase = serde_json::from_str(line).map_err(|source| EvalError::Json {
                line: line_no,
                source,
            })?;
            let now = DateTime::parse_from_rfc3339(&raw.now).map_err(|source| EvalError::Now {
                line: line_no,
                source,
            })?;
            Ok(EvalCase {
                text: raw.text,
                now,
                expect: raw.expect,
            })
        })
        .collect()
}

/// A case the parser got wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub text: String,
    pub expected: serde_json::Value,
    pub got: serde_json::Value,
}

/// Exact-match results overall and per expected first intent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalReport {
    pub correct: usize,
    pub total: usize,
    /// Intent name → (correct, total), keyed by the expected first command's intent.
    pub per_intent: BTreeMap<String, (usize, usize)>,
    pub misses: Vec<Miss>,
}

impl EvalReport {
    /// Percentage of exact matches; 0 for no cases.
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 * 100.0 / self.total as f64
        }
    }
}

fn first_intent(expect: &serde_json::Value) -> String {
    expect
        .pointer("/commands/0/intent")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("(none)")
        .to_string()
}

/// Runs `parse` on every case and compares its JSON with the expectation.
pub fn evaluate(
    cases: &[EvalCase],
    parse: impl Fn(&str, DateTime<FixedOffset>) -> Parsed,
) -> EvalReport {
    let mut report = EvalReport::default();
    for case in cases {
        let got = serde_json::to_value(parse(&case.text, case.now))
            .unwrap_or_else(|error| serde_json::Value::String(format!("unserialisable: {error}")));
        let hit = got == case.expect;
        let entry = report
            .per_intent
            .entry(first_intent(&case.expect))
            .or_default();
        entry.1 += 1;
        report.total += 1;
        if hit {
            entry.0 += 1;
            report.correct += 1;
        } else {
            report.misses.push(Miss {
                text: case.text.clone(),
                expected: case.expect.clone(),
                got,
            });
        }
    }
    report
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "exact match: {}/{} ({:.1}%)",
            self.correct,
            self.total,
            self.accuracy()
        )?;
        writeln!(f, "{:<20} {:>7} {:>7}", "intent", "correct", "total")?;
        for (intent, (correct, total)) in &self.per_intent {
            writeln!(f, "{intent:<20} {correct:>7} {total:>7}")?;
        }
        for miss in &self.misses {
            writeln!(f, "\nMISS {}", miss.text)?;
            writeln!(f, "  expected: {}", miss.expected)?;
            writeln!(f, "  got:      {}", miss.got)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASES: &str = r#"{"text": "help", "now": "2026-11-22T10:00:00+05:30", "expect": {"commands": [{"intent": "help"}]}}

{"text": "x", "now": "2026-11-22T10:00:00+05:30", "expect": {"commands": [{"intent": "undo"}]}}
"#;

    #[test]
    fn loads_and_scores_cases() {
        let cases = load_cases(CASES).unwrap_or_default();
        assert_eq!(cases.len(), 2);
        let report = evaluate(&cases, |_, _| Parsed {
            commands: vec![crate::nlu::command::Command::Help],
        });
        assert_eq!((report.correct, report.total), (1, 2));
        assert_eq!(report.per_intent.get("undo"), Some(&(0, 1)));
        assert_eq!(report.misses.len(), 1);
        let shown = report.to_string();
        assert!(
            shown.contains("50.0%") && shown.contains("MISS x"),
            "{shown}"
        );
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
