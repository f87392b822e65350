//! Interim renderer; replaced by the Fluent renderer.
use super::{Locale, Outcome, Reply};

pub fn render(outcome: &Outcome, _locale: Locale) -> Reply {
    Reply {
        text: format!("{outcome:?}"),
        options: Vec::new(),
        expects_answer: false,
    }
}
