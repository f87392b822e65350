//! Splitting a message into words, numbers and separators, with a matching key and role per word.

use super::lexicon::{Word, classify};

/// One word of the message: its text as written (for names) and a normalised key (for matching).
#[derive(Debug, Clone, PartialEq)]
pub struct Token<'a> {
    /// The word as the merchant wrote it, without a trailing possessive `'s`.
    pub text: &'a str,
    /// Lowercase ASCII, Devanagari digits as ASCII, nukta and chandrabindu folded away.
    pub key: String,
    /// The word's role; a comma or other clause break is `Word::Sep` with key `,`.
    pub word: Word,
}

impl Token<'_> {
    pub fn is_comma(&self) -> bool {
        self.key == ","
    }

    /// Digits only (after normalisation), possibly with one decimal point or colon.
    pub fn is_numeral(&self) -> bool {
        let mut seen_digit = false;
        for c in self.key.chars() {
            match c {
                '0'..='9' => seen_digit = true,
                '.' | ':' => {}
                _ => return false,
            }
        }
        seen_digit
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Digit,
    Letter,
}

fn devanagari_digit(c: char) -> Option<char> {
    let code = c as u32;
    if (0x0966..=0x096F).contains(&code) {
        char::from_digit(code - 0x0966, 10)
    } else {
        None
    }
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || devanagari_digit(c).is_some()
}

/// Characters that end a clause the way a spoken pause does.
fn is_clause_break(c: char) -> bool {
    matches!(c, ',' | ';' | ':' | '\n' | '।' | '॥' | '!' | '?' | '|')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c, '\'' | '’' | '-' | '_' | '&')
        || (('\u{0900}'..='\u{097F}').contains(&c) && !matches!(c, '।' | '॥'))
        || c == '\u{200C}'
        || c == '\u{200D}'
}

/// Folds spelling variants that merchants and keyboards produce for the same Hindi word.
pub fn normalise_into(word: &str, out: &mut String) {
    for c in word.chars() {
        let folded = match c {
            '\u{093C}' | '\u{200C}' | '\u{200D}' => continue,
            '\u{0901}' => '\u{0902}',
            '\u{0958}' => 'क',
            '\u{0959}' => 'ख',
            '\u{095A}' => 'ग',
            '\u{095B}' => 'ज',
            '\u{095C}' => 'ड',
            '\u{095D}' => 'ढ',
            '\u{095E}' => 'फ',
            '\u{095F}' => 'य',
            '’' => '\'',
            _ => match devanagari_digit(c) {
                Some(d) => d,
                None => {
                    for lower in c.to_lowercase() {
                        out.push(lower);
                    }
                    continue;
                }
            },
        };
        out.push(folded);
    }
}

#[cfg(test)]
pub fn normalise(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    normalise_into(word, &mut out);
    out
}

/// Regional forms and common misspellings of the grammar words, read as the form the rules
/// know, so every rule that knows "diye" knows Punjabi "ditte" and a hurried "dye" too: one table
/// here instead of the variant in each rule.
fn common_spelling(key: &str) -> Option<&'static str> {
    Some(match key {
        // Punjabi "gave", "did", "of".
        "ditte" | "dittey" | "ditey" => "diye",
        "ditta" | "dittaa" => "diya",
        "ditti" => "di",
        "kitte" | "kittey" => "kiye",
        "kitta" => "kiya",
        "kitti" => "ki",
        "da" => "ka",
        // Hurried spellings of "diye".
        "dye" | "diyee" | "diyae" => "diye",
        // Bhojpuri and eastern Hindi "went" ("de gail", "chal gayil").
        "gail" | "gayil" | "gaila" => "gaya",
        // "jama kara gaya", "entry kara do".
        "kara" => "kar",
        // "udhaar uthaya": took on credit.
        "uthaya" => "liya",
        "uthaye" => "liye",
        "uthai" => "li",
        // "humko", "apun ko": to me, as "mujhe".
        "humko" | "hamko" | "mujhko" | "hamein" | "hume" | "humme" => "mujhe",
        // SMS shorthand, as a busy shopkeeper thumbs it (round 18): "rcvd 10k frm Murugan chq",
        // "sohan refnd 600", "bill alrdy bna h, dobara nt".
        "alrdy" | "alredy" | "alrady" | "alreddy" | "alrdi" | "alrd" => "already",
        "entrd" | "entred" | "enterd" | "entrd." => "entered",
        "entr" | "entri" => "entry",
        "nt" => "not",
        "dnt" => "dont",
        "bna" => "bana",
        "bnao" => "banao",
        "bnaya" => "banaya",
        "ystrdy" | "ystrday" | "yestrday" | "yesterdy" | "ysterday" | "yday" | "ystdy" => {
            "yesterday"
        }
        "tmrw" | "tmrow" | "tmro" | "tomoro" | "tommorow" | "tomorow" => "tomorrow",
        "frm" | "fr0m" => "from",
        "rcvd" | "recd" | "recvd" | "rcvd." | "recieved" | "receivd" => "received",
        "refnd" | "rfnd" | "refnd." | "rfund" => "refund",
        "refnded" | "rfnded" | "refundd" => "refunded",
        "chq" | "cheq" | "chk" => "cheque",
        "chng" | "chnge" | "chnj" => "change",
        "udhr" | "udhaarr" | "udhr." => "udhaar",
        "wps" | "wapis" | "vapis" | "wapass" => "wapas",
        "bk" => "back",
        "pd" => "paid",
        "lkh" => "likh",
        "lkho" | "likhdo" => "likho",
        "thx" | "thnx" | "thnks" | "tnx" => "thanks",
        _ => return None,
    })
}

/// Honorifics merchants write glued to a name: `Sharmaji`, `Jigneshbhai`, `शर्माजी`.
const GLUED_HONORIFICS: &[&str] = &[
    "ji",
    "bhai",
    "bhaiya",
    "sahab",
    "saheb",
    "जी",
    "भाई",
    "भैया",
    "साहब",
];

/// Given names that end like an honorific but are whole names (`Balaji` is no Mr Bala).
const NAMES_ENDING_LIKE_HONORIFICS: &[&str] = &["balaji", "shivaji", "tanaji", "बालाजी", "शिवाजी"];

/// A name with an honorific glued on, split as (name, honorific). The name must be long enough
/// to be one (four letters) and the whole word must not be a keyword or a known given name.
fn glued_honorific<'a>(word: &'a str, key: &str) -> Option<(&'a str, &'a str)> {
    // "पारले-जी" is Parle-G, a product: a hyphenated word is kept whole.
    if NAMES_ENDING_LIKE_HONORIFICS.contains(&key)
        || word.contains(['-', '\''])
        || classify(key) != Word::Name
    {
        return None;
    }
    let lower = word.to_lowercase();
    GLUED_HONORIFICS.iter().find_map(|suffix| {
        // Lowercasing keeps byte lengths for these scripts, so the cut is at the same byte.
        if lower.len() != word.len() || !lower.ends_with(suffix) {
            return None;
        }
        let cut = word.len() - suffix.len();
        let (stem, honorific) = (word.get(..cut)?, word.get(cut..)?);
        let mut stem_key = String::with_capacity(stem.len());
        normalise_into(stem, &mut stem_key);
        (stem.chars().count() >= 4 && classify(&stem_key) == Word::Name)
            .then_some((stem, honorific))
    })
}

/// Cuts `text` into tokens. Digits and letters glued together (`₹500`, `2kg`, `500rs`) are
/// separated; `1,23,456.50` stays one number; `Parle-G` and `D'Souza` stay one word.
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens: Vec<Token<'_>> = Vec::with_capacity(16);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        // A dash standing alone between words ("Sunny paid 500 - not noted yet", "bill - Anjali -
        // 3 Dairy Milk") breaks the clause as a comma does; between numbers ("2 - 3 sau") it is a
        // range, read as such by the guard.
        let lone_dash = matches!(c, '-' | '–' | '—') && {
            let spaced = |at: Option<&(usize, char)>| at.is_none_or(|(_, n)| n.is_whitespace());
            let digit_near = |mut at: usize, step: isize| loop {
                match chars.get(at) {
                    Some((_, n)) if n.is_whitespace() => {}
                    Some((_, n)) => return is_digit(*n),
                    None => return false,
                }
                match at.checked_add_signed(step) {
                    Some(next) => at = next,
                    None => return false,
                }
            };
            let stands_alone = i > 0 && spaced(chars.get(i + 1)) && spaced(chars.get(i - 1));
            stands_alone && !(digit_near(i - 1, -1) && digit_near(i + 1, 1))
        };
        if is_clause_break(c) || lone_dash {
            if tokens.last().is_some_and(|t| !t.is_comma()) {
                tokens.push(Token {
                    text: &text[start..start + c.len_utf8()],
                    key: ",".to_string(),
                    word: Word::Sep,
                });
            }
            i += 1;
            continue;
        }
        // A full stop ends a sentence, except after an abbreviation (`Rs.`, `Mr.`, `No.`).
        if c == '.' {
            let abbreviation = tokens
                .last()
                .is_some_and(|t| matches!(t.word, Word::Currency | Word::Honorific | Word::Phone));
            if !abbreviation && tokens.last().is_some_and(|t| !t.is_comma()) {
                tokens.push(Token {
                    text: &text[start..start + 1],
                    key: ",".to_string(),
                    word: Word::Sep,
                });
            }
            i += 1;
            continue;
        }
        if c == '₹' {
            tokens.push(Token {
                text: &text[start..start + c.len_utf8()],
                key: "₹".to_string(),
                word: Word::Currency,
            });
            i += 1;
            continue;
        }
        // "15% advance": the share is kept as a word, so its number is never read as rupees.
        if c == '%' {
            tokens.push(Token {
                text: &text[start..start + 1],
                key: "percent".to_string(),
                word: Word::Filler,
            });
            i += 1;
            continue;
        }
        if !is_word_char(c) || c == '-' || c == '\'' || c == '’' {
            i += 1;
            continue;
        }
        let kind = if is_digit(c) {
            Kind::Digit
        } else {
            Kind::Letter
        };
        let mut j = i + 1;
        while j < chars.len() {
            let here = chars[j].1;
            let next = chars.get(j + 1).map(|(_, n)| *n);
            let continues = match kind {
                Kind::Digit => {
                    is_digit(here)
                        || (matches!(here, ',' | '.' | ':') && next.is_some_and(is_digit))
                }
                Kind::Letter => {
                    // Hyphens and apostrophes join letters (`Parle-G`, `D'Souza`), never end a word.
                    let joiner = matches!(here, '-' | '\'' | '’');
                    let letter_next = next.is_some_and(|n| is_word_char(n) && !is_digit(n));
                    is_word_char(here) && !is_digit(here) && (!joiner || letter_next)
                }
            };
            if !continues {
                break;
            }
            j += 1;
        }
        let end = chars.get(j).map_or(text.len(), |(at, _)| *at);
        let mut word = &text[start..end];
        // A possessive `'s` belongs to English grammar, not to the name.
        for suffix in ["'s", "’s", "'S"] {
            if let Some(stem) = word.strip_suffix(suffix)
                && !stem.is_empty()
            {
                word = stem;
            }
        }
        let mut key = String::with_capacity(word.len());
        normalise_into(word, &mut key);
        if let Some(common) = common_spelling(&key) {
            key.clear();
            key.push_str(common);
        }
        if kind == Kind::Letter
            && let Some((stem, honorific)) = glued_honorific(word, &key)
        {
            // "Sharmaji", "Jigneshbhai", "शर्माजी": the name, then its honorific, as if spaced.
            for part in [stem, honorific] {
                let mut part_key = String::with_capacity(part.len());
                normalise_into(part, &mut part_key);
                let word = classify(&part_key);
                tokens.push(Token {
                    text: part,
                    key: part_key,
                    word,
                });
            }
            i = j;
            continue;
        }
        if kind == Kind::Digit {
            // Indian grouping commas carry no value.
            key.retain(|c| c != ',');
            if key.ends_with('.') || key.ends_with(':') {
                key.pop();
            }
        }
        let role = if kind == Kind::Digit {
            Word::Number
        } else {
            classify(&key)
        };
        tokens.push(Token {
            text: word,
            key,
            word: role,
        });
        i = j;
    }
    while tokens.last().is_some_and(Token::is_comma) {
        tokens.pop();
    }
    join_spoken_and(&mut tokens);
    drop_repeated_names(&mut tokens);
    tokens
}

/// A name said twice in a row is one person: voice notes stammer ("harpreet harpreet ne 600
/// diye", "sharma ji sharma ji ka 300") and repair themselves ("woh sachin haan sachin ka 500").
/// The repeat goes, fillers between stay. Numbers are never dropped: "500 500" is no stammer we
/// may assume, and is left for the guard to question.
fn drop_repeated_names(tokens: &mut Vec<Token<'_>>) {
    let mut at = 1;
    while at < tokens.len() {
        // A window of up to three words ("sharma ji", "ram lal ji") repeated right after itself.
        let repeated = (1..=3).find(|&width| {
            at + width <= tokens.len()
                && at >= width
                && tokens[at - width..at].iter().any(|t| t.word == Word::Name)
                && tokens[at - width..at]
                    .iter()
                    .all(|t| !matches!(t.word, Word::Number | Word::Sep))
                && tokens[at - width..at]
                    .iter()
                    .zip(&tokens[at..at + width])
                    .all(|(a, b)| a.key == b.key)
        });
        // "Ram Ram ji, …" greets and "khushi khushi de gaya" is "gladly": doubled on purpose.
        let doubled_on_purpose = repeated == Some(1)
            && (matches!(tokens[at].key.as_str(), "khushi" | "खुशी")
                || (at == 1 && matches!(tokens[at].key.as_str(), "ram" | "radhe" | "राम" | "राधे")));
        if let Some(width) = repeated.filter(|_| !doubled_on_purpose) {
            tokens.drain(at..at + width);
            continue;
        }
        // One name, fillers, the same name again.
        if tokens[at].word == Word::Name {
            let before = tokens[..at].iter().rev().find(|t| t.word != Word::Filler);
            let fillers_between = at >= 1 && tokens[at - 1].word == Word::Filler;
            if fillers_between
                && before.is_some_and(|b| b.word == Word::Name && b.key == tokens[at].key)
            {
                tokens.remove(at);
                continue;
            }
        }
        at += 1;
    }
}

/// English says "two hundred and fifty": an `and` after a hundred or thousand word, followed by a
/// smaller number word, is part of the number, not a break between two commands.
fn join_spoken_and(tokens: &mut [Token<'_>]) {
    use super::numbers::{NumWord, number_word, read_number};
    for at in 1..tokens.len().saturating_sub(1) {
        if tokens[at].key != "and" {
            continue;
        }
        let before = &tokens[at - 1];
        let Some(NumWord::Mult(factor)) = (!before.is_numeral())
            .then(|| number_word(&before.key))
            .flatten()
        else {
            continue;
        };
        let after = &tokens[at + 1];
        if after.word != Word::Number || after.is_numeral() {
            continue;
        }
        let smaller = read_number(tokens, at + 1)
            .is_some_and(|rest| rest.milli > 0 && rest.milli < factor * 1000);
        if smaller {
            tokens[at].word = Word::Number;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.key).collect()
    }

    #[test]
    fn separates_glued_digits_and_symbols() {
        assert_eq!(keys("₹1,200.50/-"), ["₹", "1200.50"]);
        assert_eq!(keys("2kg atta"), ["2", "kg", "atta"]);
        assert_eq!(keys("Rs. 500 ok"), ["rs", "500", "ok"]);
        assert_eq!(keys("diye. Suresh"), ["diye", ",", "suresh"]);
        assert_eq!(keys("2.5 kg"), ["2.5", "kg"]);
        assert_eq!(keys("+91 98450 12345"), ["91", "98450", "12345"]);
        assert_eq!(keys("7:30 baje"), ["7:30", "baje"]);
    }

    #[test]
    fn keeps_words_whole_and_strips_possessives() {
        let tokens = tokenize("Arjun Patel's udhaar, Parle-G D'Souza");
        let texts: Vec<&str> = tokens.iter().map(|t| t.text).collect();
        assert_eq!(
            texts,
            ["Arjun", "Patel", "udhaar", ",", "Parle-G", "D'Souza"]
        );
        assert!(tokens[3].is_comma());
    }

    #[test]
    fn a_name_said_twice_in_a_row_is_one_person() {
        let keys = |text: &str| {
            tokenize(text)
                .into_iter()
                .map(|t| t.key)
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            keys("harpreet harpreet ne 600 diye"),
            "harpreet ne 600 diye"
        );
        assert_eq!(keys("Sharma ji Sharma ji ka 300"), "sharma ji ka 300");
        assert_eq!(
            keys("woh sachin haan sachin ka 500"),
            "woh sachin haan ka 500"
        );
        // Two people, numbers and a name after a break stay as they are.
        assert_eq!(keys("Rahul, Rahul ka 500"), "rahul , rahul ka 500");
        assert_eq!(keys("Rahul ne 500 500 diye"), "rahul ne 500 500 diye");
        assert_eq!(keys("Rahul Verma ne 500 diye"), "rahul verma ne 500 diye");
    }

    #[test]
    fn glued_honorifics_are_split_from_the_name() {
        for (said, name) in [
            ("Sharmaji ne 500 diye", "Sharma"),
            ("Jigneshbhai ke naam 200", "Jignesh"),
            ("शर्माजी ने 600 दिए", "शर्मा"),
            ("PANDEYJI ka balance", "PANDEY"),
        ] {
            let tokens = tokenize(said);
            assert_eq!(tokens[0].text, name, "{said}");
            assert_eq!(tokens[1].word, Word::Honorific, "{said}");
        }
        for whole in ["Balaji", "Raoji", "bhaiji", "Manoj", "Banerjee", "पारले-जी"] {
            assert_eq!(tokenize(whole)[0].text, whole, "{whole}");
        }
    }

    #[test]
    fn folds_devanagari_variants() {
        assert_eq!(keys("हज़ार पाँच ५००"), ["हजार", "पांच", "500"]);
        assert_eq!(normalise("फ़रहान"), "फरहान");
    }

    /// Keys are folded before any rule sees them, so a Devanagari literal with a nukta or a
    /// chandrabindu in the rules' code can never match ("जोड़" is the key "जोड"): every such
    /// literal outside the tests must already be in key form. The digest's reader folds its
    /// words the same way.
    #[test]
    fn devanagari_literals_in_the_rules_are_keys() {
        let sources = [
            ("clause.rs", include_str!("clause.rs")),
            ("command.rs", include_str!("command.rs")),
            ("digest.rs", include_str!("digest.rs")),
            ("guard.rs", include_str!("guard.rs")),
            ("intents.rs", include_str!("intents.rs")),
            ("items.rs", include_str!("items.rs")),
            ("lexicon.rs", include_str!("lexicon.rs")),
            ("numbers.rs", include_str!("numbers.rs")),
            ("reminder_talk.rs", include_str!("reminder_talk.rs")),
            ("rules.rs", include_str!("rules.rs")),
            ("time.rs", include_str!("time.rs")),
            ("tokens.rs", include_str!("tokens.rs")),
        ];
        let mut unfolded = Vec::new();
        for (file, source) in sources {
            let code = source.split("#[cfg(test)]").next().unwrap_or(source);
            for (number, line) in code.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for literal in line.split('"').skip(1).step_by(2) {
                    let devanagari = literal
                        .chars()
                        .any(|c| ('\u{0900}'..='\u{097F}').contains(&c));
                    let folded = literal
                        .split(' ')
                        .map(normalise)
                        .collect::<Vec<_>>()
                        .join(" ");
                    if devanagari && folded != literal {
                        unfolded.push(format!(
                            "{file}:{}: \"{literal}\" is \"{folded}\"",
                            number + 1
                        ));
                    }
                }
            }
        }
        assert!(
            unfolded.is_empty(),
            "literals no key can equal:\n{}",
            unfolded.join("\n")
        );
    }

    #[test]
    fn survives_odd_input() {
        assert!(tokenize("").is_empty());
        assert!(tokenize(" ,,, ").is_empty());
        assert_eq!(keys("-'-"), Vec::<String>::new());
        assert_eq!(keys("a-"), ["a"]);
    }
}
