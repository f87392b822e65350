//! Splitting a message into words: the form as written (for names) and a normalised form (for matching).

use super::lexicon::normalise;

/// One word of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// As written, trimmed of surrounding punctuation.
    pub raw: String,
    /// Lowercase, ASCII digits, folded Devanagari.
    pub low: String,
}

impl Token {
    fn new(raw: &str) -> Token {
        Token {
            raw: raw.to_string(),
            low: normalise(raw),
        }
    }

    pub fn is(&self, word: &str) -> bool {
        self.low == word
    }

    pub fn is_any(&self, words: &[&str]) -> bool {
        words.contains(&self.low.as_str())
    }
}

/// Characters trimmed from both ends of a word.
fn is_edge_punctuation(c: char) -> bool {
    matches!(
        c,
        '.' | '?'
            | '!'
            | '।'
            | '"'
            | ';'
            | ':'
            | '('
            | ')'
            | '['
            | ']'
            | '…'
            | '“'
            | '”'
            | '‘'
            | '*'
    )
}

/// Words and commas (kept as their own token, since a comma can separate commands).
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for chunk in text.split(|c: char| c.is_whitespace() || c == '।' || c == '|') {
        let chars: Vec<char> = chunk.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            // A comma between digits is Indian digit grouping (1,23,456), not a separator.
            let grouping = c == ','
                && i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if c == ',' && !grouping {
                push_word(&mut tokens, &word);
                word.clear();
                tokens.push(Token::new(","));
            } else {
                word.push(c);
            }
        }
        push_word(&mut tokens, &word);
    }
    tokens
}

fn push_word(tokens: &mut Vec<Token>, word: &str) {
    let trimmed = word.trim_matches(is_edge_punctuation);
    let trimmed = trimmed.strip_suffix("/-").unwrap_or(trimmed);
    if !trimmed.is_empty() {
        tokens.push(Token::new(trimmed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_and_commas_but_not_digit_groups() {
        let words: Vec<String> = tokenize("Priya ne 1,500/- diye, Gupta ji? ₹1,23,456.50")
            .into_iter()
            .map(|t| t.raw)
            .collect();
        assert_eq!(
            words,
            vec![
                "Priya",
                "ne",
                "1,500",
                "diye",
                ",",
                "Gupta",
                "ji",
                "₹1,23,456.50"
            ]
        );
        let low: Vec<String> = tokenize("पाँच हज़ार ५००")
            .into_iter()
            .map(|t| t.low)
            .collect();
        assert_eq!(low, vec!["पांच", "हजार", "500"]);
        assert!(tokenize("  ,, ").iter().all(|t| t.raw == ","));
    }
}
