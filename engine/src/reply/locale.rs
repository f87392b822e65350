//! The languages Execora answers in.

use serde::{Deserialize, Serialize};

/// A merchant's reply language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    /// Hinglish in Latin script, the way most merchants type.
    #[default]
    #[serde(rename = "hi-Latn")]
    HiLatn,
    /// Hindi in Devanagari.
    #[serde(rename = "hi")]
    Hi,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::HiLatn, Locale::Hi, Locale::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::HiLatn => "hi-Latn",
            Locale::Hi => "hi",
            Locale::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Locale> {
        Locale::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(text.trim()))
    }
}
