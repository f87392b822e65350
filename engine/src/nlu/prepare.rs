//! Reading aids applied to a message before the rules read it: a list's line counts and heading,
//! greetings, an address to the reader, and the "one" of "one more".

use std::borrow::Cow;

use super::lexicon::Word;
use super::numbers::read_number;
use super::tokens::Token;

/// The text without the numbers that count a list's lines ("1. Mahesh ne 500 UPI kiya", "2)
/// Sunil 650 jama", "(3) Kamla 80 udhaar"): read as words, each line's number was an amount of
/// its own ("1" rupee). A number opens a line as its count only when one or two digits close
/// with "." or ")" and a space follows; "1.5 kg" and "500 diye" are kept.
pub fn strip_list_markers(text: &str) -> Cow<'_, str> {
    let marker_end = |line: &str| -> Option<usize> {
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        let bytes = trimmed.as_bytes();
        let open = usize::from(bytes.first() == Some(&b'('));
        let digits = bytes[open..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 2 {
            return None;
        }
        let close = open + digits;
        let closes = match bytes.get(close) {
            Some(b')') => true,
            Some(b'.') => open == 0,
            _ => false,
        };
        let spaced = bytes.get(close + 1).is_some_and(u8::is_ascii_whitespace);
        (closes && spaced).then_some(lead + close + 1)
    };
    if !text.split('\n').any(|line| marker_end(line).is_some()) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<&str> = text
        .split('\n')
        .map(|line| marker_end(line).map_or(line, |end| &line[end..]))
        .collect();
    Cow::Owned(lines.join("\n"))
}

/// Drops the opening words that address the one who reads the message: "मालिक, सतपाल को 350
/// उधार दिया", "सेठ जी, Verma ने 3,500 का cheque दिया", "munim ji, Savitri ke khate mein 1,250".
/// Staff write to the owner and owners to their munim; the address is nobody's khata. Only a
/// word that addresses (never a given name), closed by a comma, and only when another name
/// follows to be the customer: "सेठ जी, 500 दिए" keeps its Seth ji.
pub fn drop_vocative(tokens: &mut Vec<Token<'_>>) {
    let addresses = |k: &str| {
        matches!(
            k,
            "malik"
                | "maalik"
                | "malikji"
                | "munim"
                | "munimji"
                | "munshi"
                | "munshiji"
                | "seth"
                | "sethji"
                | "sethjee"
                | "boss"
                | "sir"
                | "sirji"
                | "sahab"
                | "saheb"
                | "beta"
                | "babuji"
                | "bhaisahab"
                | "staff"
                | "bhai"
                | "bhaiya"
                | "bhaiyya"
                | "bhaiyaa"
                | "भाई"
                | "भैया"
                | "भइया"
                | "मालिक"
                | "मुनीम"
                | "मुनीमजी"
                | "मुंशी"
                | "सेठ"
                | "सेठजी"
                | "सर"
                | "साहब"
                | "बेटा"
                | "बाबूजी"
                | "भाईसाहब"
        )
    };
    // "good night bhaiya, …", "yes boss, …": after a greeting or a filler.
    let Some(first) = tokens
        .iter()
        .position(|t| !matches!(t.word, Word::Greeting | Word::Filler))
    else {
        return;
    };
    if !addresses(&tokens[first].key) {
        return;
    }
    // "सेठ जी,", "munim ji,", "bhai sahab,": the address may carry its honorific; "Staff
    // here,", "Staff update:" say who writes.
    let mut end = first + 1;
    while tokens.get(end).is_some_and(|t| {
        t.word == Word::Honorific
            || addresses(&t.key)
            || matches!(t.key.as_str(), "here" | "update" | "report")
    }) && end < first + 3
    {
        end += 1;
    }
    if !tokens.get(end).is_some_and(Token::is_comma) {
        return;
    }
    if !tokens[end + 1..].iter().any(|t| t.word == Word::Name) {
        return;
    }
    tokens.drain(first..=end);
}

/// A list under a heading that says what every line is: "aaj jama hua:\nHemant 200\nJagdish
/// 300\ntotal 500", "उधार लिखो: बबलू 150, डबलू 250", "aaj ki vasooli: Ramkumar 500, Shivkumar 300".
/// Each line, a name and an amount only, gets the heading's word (money in, or udhaar), and the
/// heading goes. A total line is dropped when it is the lines' sum; when it is not, nothing is
/// changed, and the message is read (and asked about) as written. "received:" is no such
/// heading: goods are received too.
pub fn spread_list_heading(tokens: &mut Vec<Token<'_>>) {
    let payment_heading = |k: &str| {
        matches!(
            k,
            "jama"
                | "जमा"
                | "vasooli"
                | "vasuli"
                | "wasooli"
                | "वसूली"
                | "collection"
                | "collections"
                | "payments"
        )
    };
    let Some(heading_end) = tokens.iter().position(|t| t.word == Word::Sep) else {
        return;
    };
    let heading = &tokens[..heading_end];
    let pays = heading.iter().any(|t| payment_heading(&t.key));
    let credits = heading.iter().any(|t| t.word == Word::Credit);
    let only_heading_words = heading.iter().all(|t| {
        payment_heading(&t.key)
            || matches!(
                t.word,
                Word::Filler
                    | Word::Day(_)
                    | Word::Marker
                    | Word::Greeting
                    | Word::Aux
                    | Word::Credit
                    | Word::Write
                    | Word::Pay
                    | Word::Hisaab
            )
            || matches!(
                t.key.as_str(),
                "aaj"
                    | "today"
                    | "today's"
                    | "ki"
                    | "ka"
                    | "hua"
                    | "hue"
                    | "diya"
                    | "diye"
                    | "दिया"
                    | "हुआ"
                    | "की"
                    | "का"
                    | "entries"
                    | "list"
            )
    });
    // "aaj ke udhaar likh diye: Sapna 95, Bablu 300" reports a list already written.
    let written = (0..heading.len()).any(|w| {
        heading[w].word == Word::Write
            && (matches!(
                heading[w].key.as_str(),
                "likha"
                    | "likhe"
                    | "likhi"
                    | "लिखा"
                    | "लिखे"
                    | "noted"
                    | "written"
                    | "entered"
                    | "added"
                    | "recorded"
                    | "chadha"
                    | "chadhaya"
                    | "daala"
                    | "dala"
            ) || heading.get(w + 1).is_some_and(|n| {
                matches!(
                    n.key.as_str(),
                    "diye"
                        | "diya"
                        | "di"
                        | "liye"
                        | "liya"
                        | "li"
                        | "दिए"
                        | "दिया"
                        | "दी"
                        | "लिए"
                        | "लिया"
                        | "ली"
                        | "hai"
                        | "hain"
                        | "tha"
                        | "the"
                        | "है"
                        | "हैं"
                )
            }))
    });
    if pays == credits || !only_heading_words || written {
        return;
    }
    let is_total = |t: &Token<'_>| matches!(t.key.as_str(), "total" | "kul" | "कुल" | "टोटल");
    // Each line: names (with titles), then one amount, perhaps with its currency.
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut start = heading_end + 1;
    for end in (heading_end + 1..=tokens.len())
        .filter(|&e| e == tokens.len() || tokens[e].word == Word::Sep)
    {
        if end > start {
            lines.push((start, end));
        }
        start = end + 1;
    }
    let mut sum: i64 = 0;
    let mut total: Option<(i64, usize, usize)> = None;
    let mut ends = Vec::with_capacity(lines.len());
    for &(from, to) in &lines {
        let line = &tokens[from..to];
        let Some(number_at) = line.iter().position(|t| t.word == Word::Number) else {
            return;
        };
        let Some(number) = read_number(line, number_at) else {
            return;
        };
        let named = line[..number_at]
            .iter()
            .all(|t| matches!(t.word, Word::Name | Word::Honorific) || is_total(t));
        let rest_plain = line[number.end..]
            .iter()
            .all(|t| matches!(t.word, Word::Currency | Word::Filler));
        if number_at == 0 || !named || !rest_plain || total.is_some() {
            return;
        }
        if line[..number_at].iter().any(&is_total) {
            total = Some((number.milli, from, to));
        } else {
            sum = sum.saturating_add(number.milli);
            ends.push(to);
        }
    }
    if ends.len() < 2 || total.is_some_and(|(said, _, _)| said != sum) {
        return;
    }
    let word = if pays {
        Token {
            text: "jama",
            key: "jama".to_owned(),
            word: Word::Pay,
        }
    } else {
        Token {
            text: "udhaar",
            key: "udhaar".to_owned(),
            word: Word::Credit,
        }
    };
    if let Some((_, from, to)) = total {
        // The separator before the total line goes with it.
        tokens.drain(from.saturating_sub(1)..to);
    }
    for &end in ends.iter().rev() {
        tokens.insert(end, word.clone());
    }
    tokens.drain(..=heading_end);
}

/// Greetings said in two words, which read one by one are a name and a time of day: "good
/// night", "good morning", "shubh ratri", "शुभ प्रभात", and the greetings a message opens with,
/// "Ram Ram", "Radhe Radhe", "Jai Shri Krishna", "Sat Sri Akal".
pub fn mark_greetings(tokens: &mut [Token<'_>]) {
    fn key<'t>(tokens: &'t [Token<'_>], i: usize) -> &'t str {
        tokens.get(i).map_or("", |t| t.key.as_str())
    }
    for i in 0..tokens.len().saturating_sub(1) {
        let pair = match (key(tokens, i), key(tokens, i + 1)) {
            // Never "good day": Good Day is a biscuit.
            ("good", "morning" | "night" | "evening" | "afternoon") => 2,
            (
                "shubh" | "subh" | "शुभ",
                "ratri" | "raatri" | "ratry" | "prabhat" | "sandhya" | "din" | "dopahar" | "रात्रि"
                | "प्रभात" | "संध्या" | "दिन",
            ) => 2,
            // Only where the message opens: "Ram ne 300 diye" names a customer.
            ("ram" | "radhe" | "राम" | "राधे", second) if i == 0 && second == key(tokens, 0) => {
                2
            }
            ("jai" | "जय", "shri" | "shree" | "श्री") if i == 0 => 3,
            ("sat" | "सत", "sri" | "shri" | "श्री") if i == 0 => 3,
            _ => 0,
        };
        for token in tokens.iter_mut().skip(i).take(pair) {
            token.word = Word::Greeting;
        }
        // "khushi khushi 300 de gaya": gladly, said twice; nobody's name.
        if matches!(key(tokens, i), "khushi" | "खुशी") && key(tokens, i + 1) == key(tokens, i)
        {
            tokens[i].word = Word::Filler;
            tokens[i + 1].word = Word::Filler;
        }
    }
}

/// "haan ek aur, Bittu ne 1200 PhonePe kiya", "one more entry: Vijay took 600", "एक बात और":
/// the "one" of one more thing counts messages, and read as a number it became a ₹1 payment.
pub fn drop_one_more(tokens: &mut [Token<'_>]) {
    for i in 0..tokens.len() {
        if !matches!(tokens[i].key.as_str(), "ek" | "one" | "एक") {
            continue;
        }
        let next = tokens.get(i + 1).map_or("", |t| t.key.as_str());
        let after = tokens.get(i + 2);
        let more_thing = matches!(next, "baat" | "बात" | "entry" | "एंट्री" | "kaam" | "काम")
            || (matches!(next, "aur" | "और" | "more")
                && after.is_none_or(|a| {
                    // "ek aur 500 diye": one more, of 500.
                    matches!(a.word, Word::Sep | Word::Number)
                        || matches!(a.key.as_str(), "entry" | "एंट्री" | "baat" | "बात" | "thing")
                }));
        let thing_said = matches!(next, "baat" | "बात");
        if more_thing {
            tokens[i].word = Word::Filler;
            // "ek baat aur": the thing is no one's name.
            if thing_said {
                tokens[i + 1].word = Word::Filler;
            }
        }
    }
}
