//! Reading a merchant's reply to a question: a tapped button, a number, a name, yes/no, or a price.

use super::state::{Question, parse_price_answer};
use crate::books::names;
use crate::money::Paise;

/// A message as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Text(String),
    /// A reply button tap: the option id we sent, and its title.
    Button {
        id: String,
        title: String,
    },
}

impl Input {
    /// The words of the message (a button's title).
    pub fn text(&self) -> &str {
        match self {
            Input::Text(text) => text,
            Input::Button { title, .. } => title,
        }
    }
}

/// What an input means as an answer to a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The n-th option (0-based).
    Pick(usize),
    Yes,
    No,
    Skip,
    Price(Paise),
    /// Not an answer to this question.
    Unrelated,
}

const YES: &[&str] = &[
    "yes",
    "y",
    "haan",
    "han",
    "ha",
    "haa",
    "ji",
    "ji haan",
    "haan ji",
    "ok",
    "okay",
    "theek hai",
    "thik hai",
    "bana do",
    "banao",
    "haan banao",
    "haan, banao",
    "kar do",
    "sure",
    "likh do",
    "likho",
    "haan likho",
    "haan likh do",
    "haan ji likh do",
    "write it",
    "लिख दो",
    "लिखो",
    "हाँ लिखो",
    "हाँ, लिख दो",
    "हाँ",
    "हां",
    "जी",
    "हाँ, बनाओ",
    "बनाओ",
    "ठीक है",
];
const NO: &[&str] = &[
    "no",
    "n",
    "nahi",
    "nahin",
    "na",
    "mat",
    "mat karo",
    "cancel",
    "rehne do",
    "नहीं",
    "ना",
    "रहने दो",
];
const SKIP: &[&str] = &[
    "skip",
    "skip item",
    "hata do",
    "hatao",
    "chhod do",
    "rehne do",
    "हटा दो",
    "छोड़ दो",
];

fn normalise(text: &str) -> String {
    text.trim()
        .trim_end_matches(['.', '!', '?', '।'])
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A typed option number: "1", "2.", "१", "pehla", "first".
fn option_number(text: &str) -> Option<usize> {
    let words = ["1", "2", "3"];
    let spoken: [&[&str]; 3] = [
        &["pehla", "pahla", "first", "ek", "पहला", "१"],
        &["doosra", "dusra", "second", "do", "दूसरा", "२"],
        &["teesra", "tisra", "third", "teen", "तीसरा", "३"],
    ];
    let text = text.trim_end_matches(['.', ')']);
    words
        .iter()
        .position(|w| *w == text)
        .or_else(|| spoken.iter().position(|forms| forms.contains(&text)))
}

/// Interprets `input` as an answer to `question`.
pub fn interpret(question: &Question, input: &Input) -> Answer {
    if let Input::Button { id, .. } = input {
        match id.as_str() {
            "yes" => return Answer::Yes,
            "no" => return Answer::No,
            "skip" => return Answer::Skip,
            _ => {
                if let Some(n) = id
                    .strip_prefix("pick:")
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|n| *n >= 1)
                {
                    return Answer::Pick(n - 1);
                }
            }
        }
    }
    let text = normalise(input.text());
    match question {
        Question::WhichCustomer { options, .. } => {
            pick(&text, options.iter().map(|(_, name)| name.as_str()))
        }
        Question::WhichProduct { options, .. } => {
            pick(&text, options.iter().map(|(_, name)| name.as_str()))
        }
        Question::CreateCustomer { .. } | Question::Confirm { .. } => {
            if YES.contains(&text.as_str()) {
                Answer::Yes
            } else if NO.contains(&text.as_str()) {
                Answer::No
            } else {
                Answer::Unrelated
            }
        }
        Question::ProductPrice { .. } => {
            if SKIP.contains(&text.as_str()) || NO.contains(&text.as_str()) {
                Answer::Skip
            } else {
                parse_price_answer(&text).map_or(Answer::Unrelated, Answer::Price)
            }
        }
    }
}

/// A number within the options, or a name that matches one option clearly better than the rest.
fn pick<'a>(text: &str, options: impl Iterator<Item = &'a str>) -> Answer {
    let options: Vec<&str> = options.collect();
    if let Some(n) = option_number(text).filter(|n| *n < options.len()) {
        return Answer::Pick(n);
    }
    if NO.contains(&text) {
        return Answer::No;
    }
    let mut scored: Vec<(usize, f32)> = options
        .iter()
        .enumerate()
        .map(|(i, name)| (i, names::score(text, name, None)))
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    match scored.as_slice() {
        [(i, best), rest @ ..]
            if *best >= 0.85 && rest.first().is_none_or(|(_, second)| best - second >= 0.05) =>
        {
            Answer::Pick(*i)
        }
        _ => Answer::Unrelated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::books::CustomerId;

    fn which() -> Question {
        Question::WhichCustomer {
            said: "Rahul".into(),
            options: vec![
                (CustomerId(1), "Rahul Sharma".into()),
                (CustomerId(2), "Rahul Verma".into()),
            ],
        }
    }

    #[test]
    fn reads_numbers_buttons_and_names() {
        let q = which();
        assert_eq!(interpret(&q, &Input::Text("2".into())), Answer::Pick(1));
        assert_eq!(interpret(&q, &Input::Text(" 1. ".into())), Answer::Pick(0));
        assert_eq!(
            interpret(&q, &Input::Text("doosra".into())),
            Answer::Pick(1)
        );
        assert_eq!(
            interpret(
                &q,
                &Input::Button {
                    id: "pick:2".into(),
                    title: "Rahul Verma".into()
                }
            ),
            Answer::Pick(1)
        );
        assert_eq!(
            interpret(&q, &Input::Text("Rahul Verma".into())),
            Answer::Pick(1)
        );
        assert_eq!(interpret(&q, &Input::Text("5".into())), Answer::Unrelated);
        assert_eq!(
            interpret(&q, &Input::Text("Suresh ne 200 diye".into())),
            Answer::Unrelated
        );
    }

    #[test]
    fn reads_yes_no_and_prices() {
        let create = Question::CreateCustomer {
            name: "Amit".into(),
        };
        assert_eq!(interpret(&create, &Input::Text("Haan".into())), Answer::Yes);
        assert_eq!(interpret(&create, &Input::Text("नहीं".into())), Answer::No);
        assert_eq!(
            interpret(
                &create,
                &Input::Button {
                    id: "yes".into(),
                    title: "Haan, banao".into()
                }
            ),
            Answer::Yes
        );
        let price = Question::ProductPrice {
            item: 0,
            product: "Parle-G".into(),
        };
        assert_eq!(
            interpret(&price, &Input::Text("10".into())),
            Answer::Price(Paise::new(1000))
        );
        assert_eq!(
            interpret(&price, &Input::Text("hata do".into())),
            Answer::Skip
        );
        assert_eq!(
            interpret(&price, &Input::Text("pata nahi yaar".into())),
            Answer::Unrelated
        );
    }

    #[test]
    fn a_confirmation_is_answered_by_haan_or_nahi_and_nothing_else() {
        let confirm = Question::Confirm {
            proposal: crate::reply::Proposal::Undo,
            reason: crate::reply::ConfirmReason::Unsure,
        };
        for yes in ["Haan", "haan likh do", "हाँ", "ok"] {
            assert_eq!(interpret(&confirm, &Input::Text(yes.into())), Answer::Yes);
        }
        assert_eq!(
            interpret(
                &confirm,
                &Input::Button {
                    id: "no".into(),
                    title: "Nahi".into()
                }
            ),
            Answer::No
        );
        assert_eq!(interpret(&confirm, &Input::Text("nahi".into())), Answer::No);
        assert_eq!(
            interpret(&confirm, &Input::Text("Rahul ne 200 diye".into())),
            Answer::Unrelated
        );
    }
}
