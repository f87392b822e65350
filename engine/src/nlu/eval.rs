//! Scoring a parser on JSONL cases of {"text", "now", "expect"}: exact match overall, per intent, and the misses.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

use super::command::Parsed;

/// One case: a message, the time it was said, and the exact contract output expected.
#[derive(Debug, Clone)]
pub struct EvalCase {
    pub text: String,
    pub now: DateTime<FixedOffset>,
    pub expect: serde_json::Value,
}

/// Why a case file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("line {line}: {reason}")]
    BadLine { line: usize, reason: String },
    #[error("the file has no cases")]
    Empty,
}

#[derive(Deserialize)]
struct RawCase {
    text: String,
    now: String,
    expect: serde_json::Value,
}

/// Reads cases, one JSON object per line; blank lines and lines starting with `#` are skipped.
pub fn load_cases(jsonl: &str) -> Result<Vec<EvalCase>, EvalError> {
    let mut cases = Vec::new();
    for (index, line) in jsonl.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |reason: String| EvalError::BadLine {
            line: index + 1,
            reason,
        };
        let raw: RawCase = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let now = DateTime::parse_from_rfc3339(&raw.now).map_err(|e| bad(format!("now: {e}")))?;
        cases.push(EvalCase {
            text: raw.text,
            now,
            expect: raw.expect,
        });
    }
    if cases.is_empty() {
        return Err(EvalError::Empty);
    }
    Ok(cases)
}

/// A case the parser got wrong.
#[derive(Debug, Clone)]
pub struct Miss {
    pub text: String,
    pub expected: serde_json::Value,
    pub got: serde_json::Value,
}

/// Exact-match results.
#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    pub total: usize,
    pub correct: usize,
    /// Per intent of the first expected command: (correct, total).
    pub per_intent: BTreeMap<String, (usize, usize)>,
    pub misses: Vec<Miss>,
}

impl EvalReport {
    /// Exact-match accuracy in percent.
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * self.correct as f64 / self.total as f64
        }
    }
}

/// Runs `parse` on every case and compares its output with the expectation as JSON values.
pub fn evaluate(
    cases: &[EvalCase],
    parse: impl Fn(&str, DateTime<FixedOffset>) -> Parsed,
) -> EvalReport {
    let mut report = EvalReport::default();
    for case in cases {
        let got =
            serde_json::to_value(parse(&case.text, case.now)).unwrap_or(serde_json::Value::Null);
        let intent = case
            .expect
            .pointer("/commands/0/intent")
            .and_then(|i| i.as_str())
            .unwrap_or("unknown")
            .to_string();
        let entry = report.per_intent.entry(intent).or_insert((0, 0));
        entry.1 += 1;
        report.total += 1;
        if got == case.expect {
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
            "exact match: {}/{} = {:.1}%",
            self.correct,
            self.total,
            self.accuracy()
        )?;
        writeln!(f)?;
        writeln!(f, "{:<20} {:>7} {:>7}", "intent", "correct", "total")?;
        for (intent, (correct, total)) in &self.per_intent {
            writeln!(f, "{intent:<20} {correct:>7} {total:>7}")?;
        }
        if !self.misses.is_empty() {
            writeln!(f)?;
            writeln!(f, "misses:")?;
            for miss in &self.misses {
                writeln!(f, "- {}", miss.text)?;
                writeln!(f, "  expected: {}", miss.expected)?;
                writeln!(f, "  got:      {}", miss.got)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::command::Command;

    #[test]
    fn scores_exact_matches_per_intent() {
        let cases = load_cases(
            "{\"text\":\"help\",\"now\":\"2026-11-22T10:00:00+05:30\",\"expect\":{\"commands\":[{\"intent\":\"help\"}]}}\n\n\
             # a comment\n\
             {\"text\":\"x\",\"now\":\"2026-11-22T10:00:00+05:30\",\"expect\":{\"commands\":[{\"intent\":\"undo\"}]}}\n",
        )
        .expect("cases");
        let report = evaluate(&cases, |_, _| Parsed {
            commands: vec![Command::Help],
        });
        assert_eq!((report.correct, report.total), (1, 2));
        assert_eq!(report.per_intent.get("undo"), Some(&(0, 1)));
        let shown = report.to_string();
        assert!(
            shown.contains("50.0%")
                && shown.contains("expected: {\"commands\":[{\"intent\":\"undo\"}]}"),
            "{shown}"
        );
        assert!(matches!(
            load_cases("{oops}"),
            Err(EvalError::BadLine { line: 1, .. })
        ));
        assert!(matches!(load_cases("\n"), Err(EvalError::Empty)));
    }
}
