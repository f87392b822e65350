//! Automatic reminders and reminder news in a message: "har hafte", "every 3 days", "auto reminder band karo", "sab udhaar walon ko", "reminder gaya?".
//!
//! The words that make a reminder repeat, stop repeating or be asked about are found and taken
//! out; the rest of the message is read by the rules as any reminder is (customer, amount, time),
//! and the reminder commands it yields become `schedule_reminder` with `every_days`,
//! `stop_auto_reminder` or `reminder_status`. Said of everyone ("sab", "all") with no name, the
//! command is the shop's: `auto_remind_all` or `stop_auto_reminder` without a customer.

use chrono::{DateTime, FixedOffset};

use super::command::{Command, Parsed, Understood};
use super::lexicon::Word;
use super::numbers::read_number;
use super::tokens::{Token, tokenize};

/// An interval said without a number of days ("auto reminder lagao") is read as a week, and asked.
const UNSAID_INTERVAL_DAYS: i64 = 7;

/// What the reminder words of a message ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Talk {
    /// Remind again and again; the interval when one was said.
    Repeat(Option<i64>),
    /// Stop the automatic reminders.
    Stop,
    /// What became of the reminder?
    News,
}

/// Days of one period word: din = 1, hafte = 7, mahine = 30.
fn period_days(key: &str) -> Option<i64> {
    match key {
        "din" | "dino" | "dinon" | "day" | "days" | "दिन" | "दिनों" => Some(1),
        "hafte" | "hafta" | "haftey" | "hafton" | "week" | "weeks" | "हफ्ते" | "हफ्ता" | "सप्ताह" => {
            Some(7)
        }
        "mahine" | "mahina" | "month" | "months" | "महीने" | "महीना" => {
            Some(30)
        }
        _ => None,
    }
}

/// A word that says "repeat" by itself, with its days.
fn repeat_word(key: &str) -> Option<i64> {
    match key {
        "roz"
        | "rooz"
        | "rozana"
        | "roza"
        | "daily"
        | "everyday"
        | "रोज"
        | "रोजाना"
        | "प्रतिदिन" => Some(1),
        "weekly" | "saptahik" | "साप्ताहिक" => Some(7),
        "monthly" | "masik" | "मासिक" => Some(30),
        _ => None,
    }
}

/// The reminder as a thing that went or arrived (not "yaad", "remind", which are verbs too).
fn is_reminder_noun(key: &str) -> bool {
    matches!(
        key,
        "reminder"
            | "reminders"
            | "reminde"
            | "reminer"
            | "remindr"
            | "alert"
            | "tagada"
            | "tagaada"
            | "रिमाइंडर"
            | "रिमाईंडर"
            | "तगादा"
    )
}

/// "har", "every": a period word follows, maybe counted.
fn is_each(key: &str) -> bool {
    matches!(key, "har" | "every" | "each" | "हर" | "prati" | "प्रति")
}

/// Words that make a reminder automatic without saying how often.
fn is_auto(key: &str) -> bool {
    matches!(
        key,
        "auto" | "automatic" | "automatically" | "autometic" | "recurring" | "repeat" | "ऑटो"
    )
}

/// A reminder having gone, arrived, been read: said of a reminder, the merchant asks about it.
fn is_news_verb(key: &str) -> bool {
    matches!(
        key,
        "gaya"
            | "gayi"
            | "gaye"
            | "gya"
            | "gyi"
            | "gai"
            | "pahuncha"
            | "pahunchi"
            | "pahunche"
            | "pahunch"
            | "pohncha"
            | "pohoncha"
            | "pauncha"
            | "puhuncha"
            | "pahucha"
            | "padha"
            | "padhi"
            | "delivered"
            | "reached"
            | "status"
            | "गया"
            | "गई"
            | "गयी"
            | "पहुंचा"
            | "पहुंची"
            | "पढा"
            | "पढी"
    )
}

/// Verbs that ask about a reminder only in a question: "bheja?", "mila?", "did he get it?".
fn is_asked_verb(key: &str) -> bool {
    matches!(
        key,
        "bheja"
            | "bheji"
            | "bheje"
            | "sent"
            | "mila"
            | "mili"
            | "dekha"
            | "dekhi"
            | "get"
            | "got"
            | "receive"
            | "received"
            | "reach"
            | "gone"
            | "go"
            | "went"
            | "seen"
            | "read"
            | "deliver"
            | "भेजा"
            | "भेजी"
            | "भेजे"
            | "मिला"
            | "मिली"
            | "देखा"
    )
}

/// Words that only ask ("kya", "did"), taken out with the news verb.
fn is_asking(key: &str) -> bool {
    matches!(
        key,
        "kya" | "kyaa" | "क्या" | "did" | "does" | "has" | "have" | "was" | "is" | "?" | "？"
    )
}

/// "udhaar walon", "customers", "who owe": said of everyone with dues.
fn is_debtor_word(token: &Token<'_>) -> bool {
    matches!(
        token.word,
        Word::All | Word::Credit | Word::Customer | Word::Balance | Word::Marker | Word::Filler
    ) || matches!(
        token.key.as_str(),
        "walon"
            | "waalon"
            | "valon"
            | "wallon"
            | "वालों"
            | "dues"
            | "owe"
            | "owes"
            | "who"
            | "baaki"
            | "baki"
            | "बाकी"
            | "jinka"
            | "jinke"
            | "जिनका"
            | "जिनके"
            | "hai"
            | "है"
    )
}

/// Reads the reminder talk of a message, or `None` when it has none (the rules read it as usual).
pub fn read(text: &str, now: DateTime<FixedOffset>) -> Option<Understood> {
    let tokens = tokenize(text);
    // "yaad" alone is remembering ("yaad aa gaya"); "yaad dilao", "remind", "reminder" remind.
    let reminds = tokens
        .iter()
        .any(|t| t.word == Word::Reminder && !matches!(t.key.as_str(), "yaad" | "yad" | "याद"));
    if tokens.len() > super::rules::MAX_TOKENS || !reminds {
        return None;
    }
    let asking = tokens.iter().any(|t| is_asking(&t.key)) || text.trim_end().ends_with(['?', '？']);
    let mut cut = vec![false; tokens.len()];
    let mut interval: Option<i64> = None;
    let mut auto = false;
    let mut news = false;
    let mut i = 0;
    while i < tokens.len() {
        let key = tokens[i].key.as_str();
        if is_each(key) {
            // "har 3 din", "every two weeks", "har hafte", "every day".
            let (count, at) = match read_number(&tokens, i + 1) {
                Some(n) if n.milli > 0 && n.milli % 1000 == 0 => (n.milli / 1000, n.end),
                _ => (1, i + 1),
            };
            if let Some(days) = tokens.get(at).and_then(|t| period_days(&t.key)) {
                interval = Some(count.saturating_mul(days));
                cut[i..=at].iter_mut().for_each(|c| *c = true);
                i = at + 1;
                continue;
            }
            if let Some(days) = tokens.get(i + 1).and_then(|t| repeat_word(&t.key)) {
                interval = Some(days);
                cut[i] = true;
                cut[i + 1] = true;
                i += 2;
                continue;
            }
        } else if let Some(days) = repeat_word(key) {
            interval = Some(days);
            cut[i] = true;
        } else if key == "other"
            && i > 0
            && tokens[i - 1].key == "every"
            && tokens
                .get(i + 1)
                .is_some_and(|t| period_days(&t.key) == Some(1))
        {
            interval = Some(2);
            cut[i - 1..=i + 1].iter_mut().for_each(|c| *c = true);
            i += 2;
            continue;
        } else if is_auto(key) {
            auto = true;
            cut[i] = true;
        } else if matches!(key, "auto-reminder" | "autoreminder" | "auto-reminders") {
            auto = true;
        } else if is_news_verb(key) || (asking && is_asked_verb(key)) {
            news = true;
            cut[i] = true;
        }
        i += 1;
    }
    let stop = tokens.iter().any(|t| t.word == Word::Cancel);
    let talk = if interval.is_some() || auto {
        if stop {
            Talk::Stop
        } else {
            Talk::Repeat(interval)
        }
    } else if news && tokens.iter().any(|t| is_reminder_noun(&t.key)) {
        // Asked of "the reminder" itself; "yaad aa gaya" is remembering, not a reminder.
        Talk::News
    } else {
        return None;
    };
    // "Since the reminder went to Vishal, he has now paid 3.5k": the reminder's news is the
    // story of a payment, which the rules read.
    if talk == Talk::News && super::intents::tells_money_moving(&tokens) {
        return None;
    }
    if talk == Talk::News {
        for (c, t) in cut.iter_mut().zip(&tokens) {
            *c |= is_asking(&t.key);
        }
    }
    // Said of everyone with no name: the shop's setting.
    let everyone = tokens.iter().any(|t| t.word == Word::All);
    if everyone && talk != Talk::News {
        let named = tokens.iter().zip(&cut).any(|(t, c)| {
            !c && !is_debtor_word(t)
                && !matches!(
                    t.word,
                    Word::Reminder | Word::Send | Word::Cancel | Word::Aux | Word::Sep
                )
        });
        let command = match talk {
            Talk::Stop => Command::StopAutoReminder { customer: None },
            Talk::Repeat(days) => Command::AutoRemindAll {
                every_days: days.unwrap_or(UNSAID_INTERVAL_DAYS),
            },
            Talk::News => return None,
        };
        let sure = !named && (talk == Talk::Stop || interval.is_some());
        return Some(Understood {
            parsed: Parsed {
                commands: vec![command],
            },
            confident: sure,
            not_booked: None,
        });
    }
    let rest = without(text, &tokens, &cut)?;
    let mut understood = super::rules::parse(&rest, now);
    if talk == Talk::News
        && understood.parsed.commands.iter().any(|c| {
            !matches!(
                c,
                Command::ScheduleReminder { .. } | Command::CancelReminder { .. }
            )
        })
    {
        // A question about a reminder beside other commands is read as usual.
        return None;
    }
    let mut found = false;
    for command in &mut understood.parsed.commands {
        let customer = match command {
            Command::ScheduleReminder { customer, .. } | Command::CancelReminder { customer } => {
                customer.clone()
            }
            _ => continue,
        };
        found = true;
        *command = match (talk, &*command) {
            (
                Talk::Repeat(days),
                Command::ScheduleReminder {
                    amount_paise, at, ..
                },
            ) => Command::ScheduleReminder {
                customer,
                amount_paise: *amount_paise,
                at: *at,
                every_days: Some(days.unwrap_or(UNSAID_INTERVAL_DAYS)),
            },
            // "har hafte reminder mat bhejo": a repeat said with a negation stops it.
            (Talk::Repeat(_) | Talk::Stop, _) => Command::StopAutoReminder {
                customer: Some(customer),
            },
            (Talk::News, _) => Command::ReminderStatus { customer },
        };
    }
    if !found {
        // The words were not about a customer's reminder ("yaad aa gaya"): read as usual.
        return None;
    }
    if matches!(talk, Talk::Repeat(None)) {
        understood.confident = false;
    }
    Some(understood)
}

/// The message with the cut tokens blanked out.
fn without(text: &str, tokens: &[Token<'_>], cut: &[bool]) -> Option<String> {
    let base = text.as_ptr() as usize;
    let mut out = text.to_string();
    // Back to front, so earlier offsets stay valid.
    for (token, _) in tokens.iter().zip(cut).filter(|(_, c)| **c).rev() {
        let start = (token.text.as_ptr() as usize).checked_sub(base)?;
        let end = start.checked_add(token.text.len())?;
        if end > text.len() || !out.is_char_boundary(start) || !out.is_char_boundary(end) {
            return None;
        }
        out.replace_range(start..end, " ");
    }
    if out.contains("auto-reminder") || out.contains("autoreminder") {
        out = out
            .replace("auto-reminders", "reminders")
            .replace("auto-reminder", "reminder")
            .replace("autoreminder", "reminder");
    }
    Some(out)
}
