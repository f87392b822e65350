//! The rules parser: one merchant message to contract commands, offline, fast, and honest about doubt.

use std::cmp::Reverse;

use chrono::{DateTime, FixedOffset};

use super::command::{Command, Parsed, Understood};
use super::intents::{Outcome, command};
use super::lexicon::Word;
use super::tokens::{Token, tokenize};

/// Beyond this many clauses a message is not split; trying every grouping would cost too much.
const MAX_SEGMENTS: usize = 10;

/// Parses `text` as said at `now` (merchant-local). Never panics; unknown text gives `unknown`.
pub fn parse(text: &str, now: DateTime<FixedOffset>) -> Understood {
    let mut tokens = tokenize(text);
    disambiguate(&mut tokens);
    match best_split(&tokens, now) {
        Some((commands, unclean)) if !commands.is_empty() => Understood {
            parsed: Parsed { commands },
            confident: unclean == 0,
            not_booked: None,
        },
        _ => Understood::unknown(),
    }
}

/// The grouping of clauses into commands where every group is a whole command: fewest groups
/// with words left over first, then the most commands. A bill's item list (`2 milk aur 1 bread`)
/// stays together because `2 milk` alone is no command.
fn best_split(tokens: &[Token<'_>], now: DateTime<FixedOffset>) -> Option<(Vec<Command>, usize)> {
    let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(4);
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        if token.word == Word::Sep && bounds.len() + 1 < MAX_SEGMENTS {
            bounds.push((start, i));
            start = i + 1;
        }
    }
    bounds.push((start, tokens.len()));

    // best[j]: the best reading of the first j clauses as (unclean groups, commands, groups).
    let mut best: Vec<Option<(usize, Vec<Command>, usize)>> = vec![None; bounds.len() + 1];
    best[0] = Some((0, Vec::new(), 0));
    for j in 1..=bounds.len() {
        for i in 0..j {
            let Some((unclean, so_far, groups)) = &best[i] else {
                continue;
            };
            let group = &tokens[bounds[i].0..bounds[j - 1].1];
            let Some(Outcome { commands, clean }) = command(group, now, last_customer(so_far))
            else {
                continue;
            };
            let candidate_unclean = unclean + usize::from(!clean);
            let candidate_len = so_far.len() + commands.len();
            let candidate_groups = groups + 1;
            let better = match &best[j] {
                None => true,
                Some((u, c, g)) => {
                    (
                        candidate_unclean,
                        Reverse(candidate_len),
                        Reverse(candidate_groups),
                    ) < (*u, Reverse(c.len()), Reverse(*g))
                }
            };
            if better {
                let mut all = so_far.clone();
                all.extend(commands);
                best[j] = Some((candidate_unclean, all, candidate_groups));
            }
        }
    }
    let (unclean, mut commands, _) = best.pop().flatten()?;
    // "galti ho gayi, wapas lo" is one undo said twice, not two undos.
    commands.dedup_by(|b, a| {
        matches!(
            (a, b),
            (Command::Undo, Command::Undo) | (Command::Help, Command::Help)
        )
    });
    Some((commands, unclean))
}

/// The customer of the last command, for a clause that leaves it out.
fn last_customer(commands: &[Command]) -> Option<&str> {
    match commands.last()? {
        Command::RecordPayment { customer, .. }
        | Command::AddCredit { customer, .. }
        | Command::ScheduleReminder { customer, .. }
        | Command::AddCustomer { customer, .. } => Some(customer),
        Command::CreateInvoice { customer, .. } | Command::CheckBalance { customer } => {
            customer.as_deref()
        }
        _ => None,
    }
}

/// Settles words whose role depends on their neighbours.
fn disambiguate(tokens: &mut [Token<'_>]) {
    for i in 0..tokens.len() {
        // One-letter units only measure a number: "Parle G" is a name, "500 g" is grams.
        if matches!(tokens[i].word, Word::Unit(_))
            && tokens[i].key.chars().count() == 1
            && !i
                .checked_sub(1)
                .is_some_and(|p| tokens[p].word == Word::Number)
        {
            tokens[i].word = Word::Name;
            continue;
        }
        if tokens[i].word != Word::Number || tokens[i].is_numeral() {
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
        let next = tokens.get(i + 1);
        let key = tokens[i].key.as_str();
        if key == "k" {
            // "2k" is two thousand; a lone "k" is chat shorthand for ka/ke/ki.
            if !prev.is_some_and(Token::is_numeral) {
                tokens[i].word = Word::Marker;
            }
            continue;
        }
        if key == "do" || key == "दो" {
            // "bana do", "likh do", "kar do" are verbs; "do sau", "ko do kilo" are two.
            let prev_allows = prev.is_none_or(|p| {
                matches!(
                    p.word,
                    Word::Name
                        | Word::Marker
                        | Word::Sep
                        | Word::Number
                        | Word::Filler
                        | Word::Honorific
                        | Word::Currency
                        | Word::Ledger
                        | Word::Credit
                        | Word::Bill
                )
            });
            let next_allows = next.is_some_and(|n| {
                matches!(
                    n.word,
                    Word::Number | Word::Unit(_) | Word::Name | Word::Currency
                )
            });
            if !(prev_allows && next_allows) {
                tokens[i].word = Word::Aux;
            }
            continue;
        }
        // A number word between a name and its case marker is a surname: "Amit Das ne".
        if prev.is_some_and(|p| p.word == Word::Name)
            && next.is_some_and(|n| matches!(n.word, Word::Marker | Word::Honorific))
            && !matches!(
                super::numbers::number_word(key),
                Some(super::numbers::NumWord::Mult(_))
            )
        {
            tokens[i].word = Word::Name;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00+05:30").unwrap_or_default()
    }

    fn json(text: &str) -> String {
        serde_json::to_string(&parse(text, now()).parsed).unwrap_or_default()
    }

    #[test]
    fn splits_only_into_whole_commands() {
        assert_eq!(
            parse("Rahul ne 200 diye aur Suresh ko 300 udhaar", now())
                .parsed
                .commands
                .len(),
            2
        );
        assert_eq!(
            parse("Rahul ko 2 milk aur 1 bread ka bill bana do", now())
                .parsed
                .commands
                .len(),
            1
        );
        assert_eq!(
            json("galti ho gayi, wapas lo"),
            r#"{"commands":[{"intent":"undo"}]}"#
        );
    }

    #[test]
    fn do_is_a_verb_or_two_by_context() {
        assert!(json("Rahul ko do kilo chawal ka bill bana do").contains(r#""qty":2"#));
        assert!(json("Amit ke naam 450 udhaar likh do").contains(r#""amount_paise":45000"#));
    }

    #[test]
    fn short_forms_depend_on_neighbours() {
        assert!(json("Rahul ne 2k diye").contains(r#""amount_paise":200000"#));
        assert!(json("Rahul k 200 udhaar likho").contains(r#""amount_paise":20000"#));
        assert!(json("Parle G kitna bacha hai").contains(r#""product":"Parle G""#));
    }

    #[test]
    fn number_word_surnames_stay_names() {
        assert!(json("Amit Das ne 500 diye").contains(r#""customer":"Amit Das""#));
    }

    #[test]
    fn confidence_is_honest() {
        assert!(parse("Rahul ne 200 diye", now()).confident);
        assert!(!parse("mausam kaisa hai", now()).confident);
        assert!(!parse("", now()).confident);
        assert!(!parse("Rahul ne 200 diye kyunki woh aaya tha", now()).confident);
        // Pronouns point at a customer only the conversation knows.
        assert!(!parse("uska balance batao", now()).confident);
        assert!(parse("usne 200 diye", now()).parsed.is_unknown());
    }
}
