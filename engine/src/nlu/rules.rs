//! Interim rules entry point; replaced by the Hinglish rules parser.
use chrono::{DateTime, FixedOffset};

use super::command::Parsed;

/// What the rules made of a message, and whether they are sure of it.
pub struct RuleParse {
    pub parsed: Parsed,
    pub confident: bool,
}

pub fn parse(_text: &str, _now: DateTime<FixedOffset>) -> RuleParse {
    RuleParse {
        parsed: Parsed::unknown(),
        confident: false,
    }
}
