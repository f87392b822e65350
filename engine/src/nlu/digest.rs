//! The evening digest's commands ("digest band karo", "digest 8 baje bhejo", "send the digest at 8 pm", "डाइजेस्ट बंद करो"): read before the general rules, only when a digest word is said.
//!
//! A message naming the digest is read here whole: turned off (an off word, no time), set to a
//! time (a time, no off word; turning it on too), or turned on (an on word, no time). A bare hour
//! from 1 to 11 is the evening (the digest is an evening message: "8 baje" is 20:00) unless a
//! morning word says otherwise. A digest message that says both off and a time, or a time that
//! cannot be, or more than [`MAX_OTHER_WORDS`] words this reader does not know, is not guessed:
//! it reads as `unknown` (unconfident) and the merchant is asked again.

use chrono::NaiveTime;

use super::command::{Command, Parsed, Understood};

/// Words a digest command may carry that this reader does not know ("yaar", a typo).
const MAX_OTHER_WORDS: usize = 2;

const DIGEST: &[&str] = &[
    "digest",
    "digests",
    "daijest",
    "dijest",
    "dygest",
    "डाइजेस्ट",
    "डायजेस्ट",
];
const OFF: &[&str] = &[
    "band",
    "bandh",
    "bund",
    "off",
    "stop",
    "disable",
    "mat",
    "nahi",
    "nahin",
    "nhi",
    "dont",
    "don't",
    "don",
    "बंद",
    "बन्द",
    "रोको",
    "रोक",
    "मत",
    "नहीं",
    "नही",
];
const ON: &[&str] = &[
    "chalu",
    "chaalu",
    "shuru",
    "start",
    "enable",
    "on",
    "resume",
    "चालू",
    "शुरू",
];
const EVENING: &[&str] = &[
    "shaam",
    "sham",
    "shām",
    "raat",
    "rat",
    "evening",
    "night",
    "pm",
    "p.m",
    "p.m.",
    "शाम",
    "रात",
];
const AFTERNOON: &[&str] = &["dopahar", "dopehar", "afternoon", "दोपहर"];
const MORNING: &[&str] = &["subah", "subha", "morning", "am", "a.m", "a.m.", "सुबह"];
const OCLOCK: &[&str] = &["baje", "bje", "bajey", "बजे", "o'clock", "oclock", "baj"];
const HALF_PAST: &[&str] = &["saade", "sade", "saadhe", "साढे"];
const FILLERS: &[&str] = &[
    // Hinglish
    "karo",
    "kar",
    "kardo",
    "karna",
    "karni",
    "karein",
    "karen",
    "kijiye",
    "do",
    "de",
    "dena",
    "dijiye",
    "bhejo",
    "bhejna",
    "bhejiye",
    "bhejein",
    "bhej",
    "chahiye",
    "ko",
    "ka",
    "ki",
    "ke",
    "se",
    "ab",
    "abhi",
    "aaj",
    "roz",
    "rozana",
    "har",
    "din",
    "wala",
    "wali",
    "mera",
    "meri",
    "mujhe",
    "please",
    "pls",
    "plz",
    "ji",
    "bhai",
    "hisaab",
    "hisab",
    "time",
    "par",
    "pe",
    "tak",
    // English
    "the",
    "my",
    "a",
    "at",
    "send",
    "set",
    "turn",
    "to",
    "me",
    "daily",
    "evening's",
    "every",
    "day",
    "summary",
    "message",
    "it",
    "now",
    "from",
    "today",
    "for",
    "kindly",
    "change",
    "make",
    "by",
    "of",
    // Hindi
    "करो",
    "कर",
    "करें",
    "कीजिए",
    "दो",
    "दें",
    "दीजिए",
    "भेजो",
    "भेजना",
    "भेजें",
    "भेजिए",
    "को",
    "का",
    "की",
    "के",
    "से",
    "अब",
    "आज",
    "रोज",
    "हर",
    "दिन",
    "वाला",
    "मेरा",
    "मुझे",
    "कृपया",
    "चाहिए",
    "जी",
    "भाई",
    "हिसाब",
    "पर",
    "तक",
];

/// Number words for hours, in the three languages.
const HOURS: &[(&str, u32)] = &[
    ("ek", 1),
    ("one", 1),
    ("एक", 1),
    ("do", 2),
    ("two", 2),
    ("दो", 2),
    ("teen", 3),
    ("three", 3),
    ("तीन", 3),
    ("char", 4),
    ("chaar", 4),
    ("four", 4),
    ("चार", 4),
    ("paanch", 5),
    ("panch", 5),
    ("five", 5),
    ("पांच", 5),
    ("chhe", 6),
    ("che", 6),
    ("six", 6),
    ("छह", 6),
    ("छः", 6),
    ("saat", 7),
    ("seven", 7),
    ("सात", 7),
    ("aath", 8),
    ("eight", 8),
    ("आठ", 8),
    ("nau", 9),
    ("nine", 9),
    ("नौ", 9),
    ("das", 10),
    ("ten", 10),
    ("दस", 10),
    ("gyarah", 11),
    ("gyara", 11),
    ("eleven", 11),
    ("ग्यारह", 11),
    ("barah", 12),
    ("baarah", 12),
    ("twelve", 12),
    ("बारह", 12),
];

/// Which half of the day a time was said in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Morning,
    Afternoon,
    Evening,
}

fn words(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    lower
        .split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ',' | '!' | '?' | '।' | '"' | '(' | ')' | ';' | '“' | '”' | '‘' | '’'
                )
        })
        .map(|w| w.trim_matches(|c: char| c == '.' || c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(|w| {
            // Folded as the rules' keys are (Devanagari digits as ASCII, nukta and chandrabindu
            // away), so "साढ़े" and "पाँच" match however the keyboard composed them.
            let mut key = String::with_capacity(w.len());
            super::tokens::normalise_into(w, &mut key);
            key
        })
        .collect()
}

/// A clock reading in one word: `8`, `8:30`, `8.30`, `20:00`, `8pm`, `8:30pm`, `8am`.
fn clock_word(word: &str) -> Option<(u32, u32, Option<Part>)> {
    let (number, part) = if let Some(n) = word.strip_suffix("pm") {
        (n, Some(Part::Evening))
    } else if let Some(n) = word.strip_suffix("am") {
        (n, Some(Part::Morning))
    } else {
        (word, None)
    };
    let (hour, minute) = match number.split_once([':', '.']) {
        Some((h, m)) if m.len() == 2 => (h, m.parse().ok()?),
        Some(_) => return None,
        None => (number, 0),
    };
    if hour.is_empty() || hour.len() > 2 || !hour.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((hour.parse().ok()?, minute, part))
}

/// Reads `text` when it is about the evening digest; `None` when it names no digest (the
/// general rules read it then).
pub(super) fn read(text: &str) -> Option<Understood> {
    let words = words(text);
    if !words.iter().any(|w| DIGEST.contains(&w.as_str())) {
        return None;
    }
    let mut off = false;
    let mut on = false;
    let mut part = None;
    let mut clock: Option<(u32, u32)> = None;
    let mut clocks = 0;
    let mut half_past = false;
    let mut others = 0;
    for (i, word) in words.iter().enumerate() {
        let w = word.as_str();
        let next_is_oclock = words
            .get(i + 1)
            .is_some_and(|n| OCLOCK.contains(&n.as_str()));
        if DIGEST.contains(&w) || OCLOCK.contains(&w) {
            continue;
        }
        if let Some((hour, minute, said)) = clock_word(w) {
            clocks += 1;
            clock = Some((hour, minute));
            part = said.or(part);
        } else if let Some(hour) = HOURS
            .iter()
            .find(|(name, _)| *name == w)
            .map(|(_, h)| *h)
            .filter(|_| {
                next_is_oclock
                    || words
                        .get(i.wrapping_sub(1))
                        .is_some_and(|p| HALF_PAST.contains(&p.as_str()))
            })
        {
            // A number word is an hour only before "baje" or after "saade" ("do" is also "give").
            clocks += 1;
            clock = Some((hour, 0));
        } else if HALF_PAST.contains(&w) {
            half_past = true;
        } else if OFF.contains(&w) {
            off = true;
        } else if ON.contains(&w) {
            on = true;
        } else if EVENING.contains(&w) {
            part = Some(Part::Evening);
        } else if AFTERNOON.contains(&w) {
            part = Some(Part::Afternoon);
        } else if MORNING.contains(&w) {
            part = Some(Part::Morning);
        } else if !FILLERS.contains(&w) {
            others += 1;
        }
    }
    let unclear = || Some(Understood::unknown());
    if others > MAX_OTHER_WORDS || clocks > 1 {
        return unclear();
    }
    let at = match clock {
        Some((hour, minute)) => {
            let minute = if half_past && minute == 0 { 30 } else { minute };
            match time_of(hour, minute, part) {
                Some(at) => Some(at),
                None => return unclear(),
            }
        }
        None => None,
    };
    let command = match (off, on, at) {
        (true, false, None) => Command::SetDigest {
            on: false,
            at: None,
        },
        (false, _, Some(at)) => Command::SetDigest {
            on: true,
            at: Some(at),
        },
        (false, true, None) => Command::SetDigest { on: true, at: None },
        _ => return unclear(),
    };
    Some(Understood::confident(Parsed {
        commands: vec![command],
    }))
}

/// The time of day `hour:minute` said in `part` of the day; a bare 1 to 11 is the evening.
fn time_of(hour: u32, minute: u32, part: Option<Part>) -> Option<NaiveTime> {
    if minute > 59 || hour > 23 {
        return None;
    }
    let hour = match (hour, part) {
        (0..=11, Some(Part::Morning)) => hour,
        (12, Some(Part::Morning)) => 0,
        (12..=23, Some(Part::Morning)) => return None,
        (1..=11, Some(Part::Evening | Part::Afternoon) | None) => hour + 12,
        (12, Some(Part::Evening)) => 0,
        (h, _) => h,
    };
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// The contract's `"at": "20:00"`: hours and minutes of the shop's day.
pub mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Option<NaiveTime>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_str(&at.format("%H:%M").to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveTime>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| {
            NaiveTime::parse_from_str(&t, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(&t, "%H:%M:%S"))
                .map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}
