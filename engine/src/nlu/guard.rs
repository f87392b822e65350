//! What makes a booking-shaped message not a booking: negations, questions, promises, hypotheticals,
//! reports of what is already written, money to the customer, and amounts that cannot be read as one.
//!
//! The families are matched on normalised keys, so one rule covers its spellings and scripts
//! ("nahi", "nahin", "nhi", "नहीं", "not", "didn't" are one family), in any position of the clause.

use std::borrow::Cow;

use super::command::NotBooked;
use super::lexicon::Word;
use super::numbers::{NumWord, number_word, read_number};
use super::tokens::Token;

/// Characters with no width that keyboards and speech engines leave inside words and numbers.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{200E}' | '\u{200F}'
    )
}

/// The text without invisible characters, so `5\u{200B}00` is read as the 500 it shows.
/// Joiners between Devanagari letters are kept: there they change how a word is written.
pub fn strip_invisible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_invisible) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if !is_invisible(c) {
            out.push(c);
            continue;
        }
        let joiner = matches!(c, '\u{200C}' | '\u{200D}');
        let before = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let after = chars.get(i + 1).copied();
        let in_devanagari =
            |x: Option<char>| x.is_some_and(|x| ('\u{0900}'..='\u{097F}').contains(&x));
        if joiner && in_devanagari(before) && in_devanagari(after) {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_devanagari_digit(c: char) -> bool {
    ('\u{0966}'..='\u{096F}').contains(&c)
}

pub(super) fn is_negation(key: &str) -> bool {
    matches!(
        key,
        "nahi"
            | "nahin"
            | "nahii"
            | "nhi"
            | "nai"
            | "nahi'"
            | "na"
            | "naa"
            | "mat"
            | "matt"
            | "not"
            | "no"
            | "never"
            | "nobody"
            | "noone"
            | "none"
            | "nothing"
            | "kabhi"
            | "didn't"
            | "didnt"
            | "don't"
            | "dont"
            | "doesn't"
            | "doesnt"
            | "hasn't"
            | "hasnt"
            | "haven't"
            | "havent"
            | "won't"
            | "wont"
            | "isn't"
            | "wasn't"
            | "can't"
            | "cannot"
            | "नहीं"
            | "नही"
            | "नहिं"
            | "मत"
            | "ना"
            | "न"
    )
}

/// Imperatives after which "na" asks nicely ("likh do na", "bana do naa", "de do na").
fn is_imperative(key: &str) -> bool {
    matches!(
        key,
        "do" | "de"
            | "dena"
            | "dedo"
            | "dijiye"
            | "dijie"
            | "karo"
            | "kar"
            | "kardo"
            | "krdo"
            | "kro"
            | "karna"
            | "karde"
            | "likho"
            | "likh"
            | "likhdo"
            | "likhna"
            | "likhiye"
            | "banao"
            | "bana"
            | "banado"
            | "bhejo"
            | "bhej"
            | "bhejdo"
            | "bhejna"
            | "bhejiye"
            | "daalo"
            | "dalo"
            | "daal"
            | "daaldo"
            | "lo"
            | "le"
            | "lena"
            | "lijiye"
            | "rakho"
            | "rakh"
            | "chadhao"
            | "chadha"
            | "jodo"
            | "dikhao"
            | "dikha"
            | "batao"
            | "bata"
            | "दो"
            | "दे"
            | "देना"
            | "दीजिए"
            | "करो"
            | "कर"
            | "करना"
            | "लिखो"
            | "लिख"
            | "बनाओ"
            | "बना"
            | "भेजो"
            | "भेज"
            | "डालो"
            | "डाल"
            | "लो"
            | "ले"
            | "रखो"
            | "चढाओ"
            | "जोडो"
            | "दिखाओ"
            | "बताओ"
            | "बता"
    )
}

/// "likh do na", "bill bana do naa bhai": a "na" right after an imperative, with only fillers,
/// honorifics or a break after it, softens the request. Before a verb ("na diye") or after a past
/// form ("diye na", a tag question) it is not a softener.
pub(super) fn is_softener(tokens: &[Token<'_>], i: usize) -> bool {
    matches!(tokens[i].key.as_str(), "na" | "naa" | "ना")
        && i.checked_sub(1)
            .is_some_and(|p| is_imperative(&tokens[p].key))
        && tokens[i + 1..]
            .iter()
            .take_while(|t| t.word != Word::Sep)
            .all(|t| matches!(t.word, Word::Filler | Word::Honorific))
}

/// A negation word at `i` that negates (not a softener).
pub(super) fn negates(tokens: &[Token<'_>], i: usize) -> bool {
    is_negation(&tokens[i].key) && !is_softener(tokens, i) && !is_number_abbreviation(tokens, i)
}

/// "phone no 98765 43210", "mob no. 98765...", "bill no 45": "no" short for number.
fn is_number_abbreviation(tokens: &[Token<'_>], i: usize) -> bool {
    tokens[i].key == "no"
        && (i
            .checked_sub(1)
            .is_some_and(|p| tokens[p].word == Word::Phone && tokens[p].key != "no")
            || i.checked_sub(1)
                .is_some_and(|p| is_document(&tokens[p].key))
                && tokens.get(i + 1).is_some_and(Token::is_numeral)
            || tokens.get(i + 1).is_some_and(|n| {
                n.is_numeral() && n.key.bytes().filter(u8::is_ascii_digit).count() >= 5
            }))
}

/// "kya aap naya customer add kar sakte ho", "can you add...": asked of the bot, a request.
pub fn asked_of_the_bot(tokens: &[Token<'_>]) -> bool {
    let you = tokens
        .iter()
        .any(|t| matches!(t.key.as_str(), "aap" | "tum" | "आप" | "तुम" | "you"));
    let able = tokens.iter().any(|t| {
        matches!(
            t.key.as_str(),
            "sakte" | "sakti" | "sakta" | "सकते" | "सकती" | "सकता" | "can" | "could"
        )
    });
    you && able
}

fn is_question_word(key: &str) -> bool {
    matches!(
        key,
        "kya" | "kyaa" | "क्या" | "did" | "does" | "kab" | "kaun" | "कब" | "कौन"
    )
}

/// English auxiliaries that open a yes/no question ("has Rahul paid 500").
fn is_opening_auxiliary(key: &str) -> bool {
    matches!(
        key,
        "has" | "have" | "is" | "was" | "were" | "will" | "can" | "could" | "should"
    )
}

/// Future verb forms, by suffix so that every verb is covered: dega, karega, bhejegi, denge,
/// dunga, देगा, करेंगे, दूंगी.
fn is_future_verb(key: &str) -> bool {
    let latin = key.is_ascii()
        && key.len() >= 4
        && [
            "ega", "egi", "enge", "unga", "ungi", "oonga", "oongi", "oge", "ogi",
        ]
        .iter()
        .any(|s| key.ends_with(s));
    let devanagari = ["ेगा", "ेगी", "ेंगे", "ेगे", "ूंगा", "ूंगी", "ोगे", "ेंगी"]
        .iter()
        .any(|s| key.ends_with(s));
    latin || devanagari || matches!(key, "hoga" | "hogi" | "honge" | "होगा" | "होगी")
}

fn is_promise_word(key: &str) -> bool {
    matches!(
        key,
        "will"
            | "shall"
            | "gonna"
            | "going"
            | "promise"
            | "promised"
            | "promises"
            | "vaada"
            | "vada"
            | "wada"
            | "waada"
            | "वादा"
            | "tomorrow"
            | "later"
            | "want"
            | "wants"
            | "wanted"
            | "should"
            | "may"
            | "might"
            | "must"
            | "need"
            | "needs"
            | "chahta"
            | "chahti"
            | "chahte"
            | "चाहता"
            | "चाहती"
            | "चाहते"
            | "baad"
            | "बाद"
            | "next"
            | "agle"
            | "agla"
            | "अगले"
            | "dene"
            | "देने"
            | "kaha"
            | "kahaa"
            | "kehta"
            | "kehti"
            | "keh"
            | "bola"
            | "boli"
            | "bol"
            | "said"
            | "says"
            | "say"
            | "claims"
            | "claim"
            | "claimed"
            | "bolta"
            | "bolti"
            | "told"
            | "कहा"
            | "बोला"
            | "बोली"
            // "राहुल कह रहा था कि 500 दे दिए": what someone says they did is not money seen.
            | "kah"
            | "kahta"
            | "kahti"
            | "कह"
            | "कहता"
            | "कहती"
            | "बोल"
            | "बोलता"
            | "बोलती"
    )
}

fn is_hypothetical_word(key: &str) -> bool {
    matches!(
        key,
        "agar"
            | "agr"
            | "yadi"
            | "if"
            | "suppose"
            | "supposing"
            | "unless"
            | "when"
            | "jab"
            | "shayad"
            | "shaayad"
            | "maybe"
            | "perhaps"
            | "possibly"
            | "sakta"
            | "sakti"
            | "sakte"
            | "could"
            | "would"
            | "अगर"
            | "यदि"
            | "जब"
            | "शायद"
            | "सकता"
            | "सकती"
            | "सकते"
    )
}

/// "maan lo", "मान लीजिए", "man lete hain": suppose.
fn supposes(first: &str, second: &str) -> bool {
    matches!(first, "maan" | "man" | "maano" | "मान" | "मानो")
        && matches!(
            second,
            "lo" | "lijiye"
                | "lijie"
                | "lete"
                | "lein"
                | "le"
                | "लो"
                | "लीजिए"
                | "लीजिये"
                | "लेते"
                | "लें"
                | "ले"
        )
}

/// Gives the words of a supposition ("maan lijiye") a role, so they never become part of a name.
pub fn settle_roles(tokens: &mut [Token<'_>]) {
    settle_courtesies(tokens);
    settle_document_numbers(tokens);
    for i in 1..tokens.len() {
        // "Sharma General Store", "Gupta Shop": a capitalised shop word after a name is part of
        // a business's name, not talk about the merchant's own shop.
        if matches!(tokens[i].key.as_str(), "store" | "shop")
            && tokens[i].text.starts_with(|c: char| c.is_ascii_uppercase())
            && tokens[i - 1].word == Word::Name
        {
            tokens[i].word = Word::Name;
        }
        // "call off the reminder" cancels it.
        if tokens[i - 1].key == "call" && tokens[i].key == "off" {
            tokens[i - 1].word = Word::Cancel;
            tokens[i].word = Word::Cancel;
        }
        // "len den" (dealings) is the account; "hisaab kitaab" is one word for it, not a book.
        if tokens[i - 1].key == "len" && tokens[i].key == "den"
            || tokens[i - 1].key == "लेन" && tokens[i].key == "देन"
        {
            tokens[i - 1].word = Word::Hisaab;
            tokens[i].word = Word::Hisaab;
        }
        if tokens[i - 1].word == Word::Hisaab
            && matches!(tokens[i].key.as_str(), "kitab" | "kitaab" | "किताब")
        {
            tokens[i].word = Word::Hisaab;
        }
        if supposes(&tokens[i - 1].key, &tokens[i].key) {
            tokens[i - 1].word = Word::Aux;
            tokens[i].word = Word::Aux;
        }
    }
    // "Rahul ne (apne) bhai ko 300 diye": a kinship word with no name before it, given to, is
    // someone the giver paid, not a title of theirs; left as a person nobody placed, the clause
    // is asked about. "Sharma ji ko" keeps its title.
    let giver_named = tokens.iter().any(|t| matches!(t.key.as_str(), "ne" | "ने"));
    for i in 1..tokens.len().saturating_sub(1) {
        if giver_named
            && tokens[i].word == Word::Honorific
            && matches!(tokens[i + 1].key.as_str(), "ko" | "को")
            && !matches!(tokens[i - 1].word, Word::Name | Word::Honorific)
        {
            tokens[i].word = Word::Name;
        }
    }
    settle_entries(tokens);
}

/// "entry kar do", "make an entry", "add this entry", "एंट्री कर दो", "darj karo": an entry to be made is
/// writing, not the undo of "galat entry" or "last entry hatao". "hisaab mein daal do": put in
/// the books, not a summary asked. "book 400": booked.
fn settle_entries(tokens: &mut [Token<'_>]) {
    // An entry to take back, look at or call wrong is none to make ("entry delete karo", "this
    // entry is wrong", "entry check karo").
    let undone = tokens.iter().any(|t| {
        (matches!(t.word, Word::Undo | Word::Cancel | Word::Show)
            && !matches!(t.key.as_str(), "entry" | "एंट्री"))
            || matches!(
                t.key.as_str(),
                "delete"
                    | "hata"
                    | "hatao"
                    | "hatado"
                    | "remove"
                    | "check"
                    | "dekho"
                    | "wrong"
                    | "galat"
                    | "sahi"
                    | "correct"
                    | "हटाओ"
                    | "हटा"
                    | "गलत"
                    | "देखो"
            )
    });
    for i in 0..tokens.len() {
        let keys: Vec<String> = (i.saturating_sub(2)..(i + 3).min(tokens.len()))
            .map(|at| tokens[at].key.clone())
            .collect();
        let base = i.saturating_sub(2);
        let key = |at: usize| {
            at.checked_sub(base)
                .and_then(|k| keys.get(k))
                .map_or("", String::as_str)
        };
        let next_is_doing = matches!(
            key(i + 1),
            "kar"
                | "karo"
                | "kardo"
                | "kr"
                | "krdo"
                | "kro"
                | "karna"
                | "karde"
                | "kariye"
                | "kijiye"
                | "कर"
                | "करो"
                | "करदो"
                | "करना"
                | "कीजिए"
        );
        // "make an entry", "add this entry", "new entry": a verb of making right before, or
        // before its article. Never "ek entry"/"do entry" alone: those count entries ("Rahul
        // ki ek entry delete karo", "500 ki do entry hain").
        let making = |k: &str| matches!(k, "make" | "add" | "new" | "naya" | "nayi" | "नई");
        let made = i > 0
            && (making(key(i - 1))
                || (i > 1
                    && matches!(key(i - 1), "an" | "a" | "this" | "ek" | "एक")
                    && making(key(i - 2))));
        // "darj karo" asks for it to be recorded; "darj hai" says it is (not this rule's).
        if matches!(key(i), "darj" | "दर्ज") && next_is_doing && !undone {
            tokens[i].word = Word::Write;
        }
        if matches!(key(i), "entry" | "एंट्री") && (next_is_doing || made) && !undone {
            tokens[i].word = Word::Write;
        }
        if key(i) == "book" && tokens.get(i + 1).is_some_and(|t| t.word == Word::Number) {
            tokens[i].word = Word::Write;
        }
        let put = |k: &str| {
            matches!(
                k,
                "daal"
                    | "daalo"
                    | "dalo"
                    | "daaldo"
                    | "daldo"
                    | "jod"
                    | "jodo"
                    | "chadha"
                    | "chadhao"
                    | "likh"
                    | "likho"
                    | "likhdo"
                    | "डाल"
                    | "डालो"
                    | "जोड"
                    | "जोडो"
                    | "लिख"
                    | "लिखो"
            )
        };
        if tokens[i].word == Word::Hisaab
            && matches!(key(i + 1), "mein" | "me" | "main" | "mei" | "में" | "मे")
            && put(key(i + 2))
        {
            tokens[i].word = Word::Filler;
            tokens[i + 1].word = Word::Filler;
            tokens[i + 2].word = Word::Write;
        }
    }
}

/// Papers that carry a number of their own: a cheque, a bill, an order, a receipt, a transfer.
fn is_document(key: &str) -> bool {
    matches!(
        key,
        "cheque"
            | "check"
            | "chek"
            | "chq"
            | "bill"
            | "bil"
            | "invoice"
            | "order"
            | "receipt"
            | "challan"
            | "parchi"
            | "txn"
            | "transaction"
            | "utr"
            | "ref"
            | "reference"
            | "token"
            | "slip"
            | "चेक"
            | "चैक"
            | "बिल"
            | "रसीद"
            | "ऑर्डर"
    )
}

/// "cheque no 123456", "bill number 45", "invoice 1023 ka payment", "UTR 4455667788": a
/// document's own number, never an amount, a count, a phone or a time. The number (and its
/// label) become fillers, so no reading can place it as money. Unlabelled, only papers that are
/// never counted take the number after them (a cheque only its six digits or more: "cheque 2000
/// ka" is the cheque's amount), and never before a unit, goods or a currency ("order 2 kg chawal").
fn settle_document_numbers(tokens: &mut [Token<'_>]) {
    for i in 1..tokens.len() {
        if !tokens[i].is_numeral() {
            continue;
        }
        let before = tokens[i - 1].key.as_str();
        let labelled = matches!(before, "no" | "number" | "num" | "nr" | "नंबर" | "नं")
            && i >= 2
            && is_document(&tokens[i - 2].key);
        let digits = tokens[i].key.bytes().filter(u8::is_ascii_digit).count();
        let named = match before {
            "cheque" | "check" | "chek" | "chq" | "चेक" | "चैक" => digits >= 6,
            "bill" | "bil" | "बिल" => false,
            other => is_document(other),
        };
        let counts_or_costs = tokens.get(i + 1).is_some_and(|next| {
            matches!(
                next.word,
                Word::Unit(_) | Word::Name | Word::Currency | Word::Number
            )
        });
        if labelled || (named && !counts_or_costs) {
            tokens[i].word = Word::Filler;
            if labelled {
                tokens[i - 1].word = Word::Filler;
            }
        }
    }
}

/// Thanks said around a command: "thank you", "dhanyavaad", "शुक्रिया".
fn is_thanks(key: &str) -> bool {
    matches!(
        key,
        "thanks"
            | "thank"
            | "thankyou"
            | "thanku"
            | "thnx"
            | "thx"
            | "dhanyavaad"
            | "dhanyavad"
            | "dhanyawad"
            | "dhanyawaad"
            | "shukriya"
            | "shukria"
            | "धन्यवाद"
            | "शुक्रिया"
    )
}

/// Courtesies that carry a negation or a question word but deny or ask nothing: "koi baat
/// nahi", "koi tension nahi", "कोई बात नहीं", "no problem", "no worries", "not a problem", and an
/// opening "did it:" / "done:" before what was done. Their words become fillers.
fn settle_courtesies(tokens: &mut [Token<'_>]) {
    for i in 0..tokens.len() {
        if is_thanks(&tokens[i].key) {
            tokens[i].word = Word::Filler;
        }
        let key = |at: usize| tokens.get(at).map_or("", |t| t.key.as_str());
        let worry = |k: &str| {
            matches!(
                k,
                "baat"
                    | "tension"
                    | "tenshun"
                    | "dikkat"
                    | "problem"
                    | "issue"
                    | "chinta"
                    | "बात"
                    | "टेंशन"
                    | "दिक्कत"
                    | "चिंता"
            )
        };
        let span = if matches!(key(i), "koi" | "कोई")
            && worry(key(i + 1))
            && is_negation(key(i + 2))
        {
            3
        } else if key(i) == "no" && matches!(key(i + 1), "problem" | "worries" | "issue" | "issues")
        {
            2
        } else if key(i) == "not" && key(i + 1) == "a" && key(i + 2) == "problem" {
            3
        } else if i == 0
            && key(0) == "did"
            && key(1) == "it"
            && tokens.get(2).is_some_and(|t| t.word == Word::Sep)
        {
            2
        } else if i == 0 && key(0) == "done" && tokens.get(1).is_some_and(|t| t.word == Word::Sep) {
            1
        } else if matches!(key(i), "thoda" | "thodi" | "थोडी" | "थोडा")
            && tokens.get(i + 1).is_some_and(|t| t.word == Word::Help)
        {
            // "thodi madad chahiye": a little help, no amount.
            1
        } else if matches!(key(i), "don't" | "dont" | "do") && key(i + 1) == "forget" {
            // "don't forget, Lucky paid 500": remember it, no denial.
            2
        } else if key(i) == "do" && key(i + 1) == "not" && key(i + 2) == "forget" {
            3
        } else if matches!(
            key(i),
            "bhoolna" | "bhulna" | "bhool" | "bhul" | "भूलना" | "भूल"
        ) && matches!(key(i + 1), "mat" | "nahi" | "मत" | "नहीं")
            || matches!(key(i), "mat" | "मत") && matches!(key(i + 1), "bhoolna" | "bhulna" | "भूलना")
        {
            2
        } else if opening(tokens, i)
            && matches!(key(i), "ek" | "एक" | "one")
            && matches!(
                key(i + 1),
                "minute" | "min" | "second" | "sec" | "mint" | "मिनट" | "सेकंड"
            )
            && tokens.len() > i + 3
        {
            // "ek minute, haan Deepak ne 1100 diye": "hold on", not a count of minutes.
            2
        } else if opening(tokens, i)
            && matches!(key(i), "kya" | "क्या")
            && matches!(key(i + 1), "hai" | "है")
            && matches!(key(i + 2), "na" | "naa" | "ना")
            && tokens.len() > i + 4
        {
            // "woh kya hai na, Pappu ne 300 diye": "the thing is", not a question.
            3
        } else {
            0
        };
        for token in tokens.iter_mut().skip(i).take(span) {
            token.word = Word::Filler;
            token.key = "ok".to_owned();
        }
    }
}

/// Only fillers before `i`: it opens what the message says.
fn opening(tokens: &[Token<'_>], i: usize) -> bool {
    tokens[..i].iter().all(|t| t.word == Word::Filler)
}

/// The clause (between breaks) that token `i` stands in, as `start..end`.
fn clause_around(tokens: &[Token<'_>], i: usize) -> (usize, usize) {
    let start = tokens[..i]
        .iter()
        .rposition(|t| t.word == Word::Sep)
        .map_or(0, |s| s + 1);
    let end = tokens[i..]
        .iter()
        .position(|t| t.word == Word::Sep)
        .map_or(tokens.len(), |e| i + e);
    (start, end)
}

/// A negation that only sets a time apart: "Rahul ne aaj 500 diye, kal nahi", "paid 500 today,
/// not yesterday", "आज दिए, कल नहीं". Its clause holds only the negation, time words and
/// fillers, and another time word stands outside it, so what is denied is the other day, not the
/// booking.
fn contrasts_time(tokens: &[Token<'_>], i: usize) -> bool {
    let is_time = |t: &Token<'_>| {
        matches!(
            t.word,
            Word::Day(_) | Word::Weekday(_) | Word::PartOfDay(_) | Word::Week | Word::Month
        )
    };
    let (start, end) = clause_around(tokens, i);
    let clause = &tokens[start..end];
    let only_time = clause.iter().enumerate().all(|(at, t)| {
        start + at == i || is_time(t) || matches!(t.word, Word::Filler | Word::Marker)
    });
    let set_apart = start > 0 || end < tokens.len();
    only_time
        && set_apart
        && clause.iter().any(is_time)
        && tokens[..start].iter().chain(&tokens[end..]).any(is_time)
}

/// Takes out of the reading each clause that only denies a way of paying ("…, not UPI", "GPay
/// se nahi, cash mein"): its words become fillers, so neither the denial nor the denied way is
/// read, and the way the rest of the message says is the one booked.
pub(super) fn set_aside_denied_kinds(tokens: &mut [Token<'_>]) {
    let denials: Vec<usize> = (0..tokens.len())
        .filter(|&i| negates(tokens, i) && contrasts_kind(tokens, i))
        .collect();
    for i in denials {
        let (start, end) = clause_around(tokens, i);
        for token in &mut tokens[start..end] {
            token.word = Word::Filler;
            token.key = "ok".to_owned();
        }
    }
}

/// A negation that only sets a way of paying apart: "Sunny paid 300 cash, not UPI", "not
/// udhaar, Rose paid 450". Its clause holds only the negation, one mode or the credit word, and
/// fillers; the rest of the message says a payment, by another way if a way is denied. What is
/// denied is the other way, not the payment. A denied amount or name is never this.
fn contrasts_kind(tokens: &[Token<'_>], i: usize) -> bool {
    let (start, end) = clause_around(tokens, i);
    if start == 0 && end == tokens.len() {
        return false;
    }
    let clause = &tokens[start..end];
    let denied: Vec<Word> = clause
        .iter()
        .enumerate()
        .filter(|(at, t)| start + at != i && !matches!(t.word, Word::Filler | Word::Marker))
        .map(|(_, t)| t.word)
        .collect();
    let rest = || tokens[..start].iter().chain(&tokens[end..]);
    match denied.as_slice() {
        [Word::Mode(mode)] => rest().any(|t| matches!(t.word, Word::Mode(other) if other != *mode)),
        [Word::Credit] => {
            rest().any(|t| t.word == Word::Pay) && !rest().any(|t| t.word == Word::Credit)
        }
        _ => false,
    }
}

/// Words that take back what was just said: "90, sorry 95", "250 दिए, माफ़ करना 300".
fn is_retraction(key: &str) -> bool {
    matches!(
        key,
        "sorry"
            | "sry"
            | "soory"
            | "maaf"
            | "maafi"
            | "maf"
            | "mafi"
            | "माफ"
            | "माफी"
            | "सॉरी"
            // "Correction: the 2000 was by NEFT": what was said is changed. Not "oops", which
            // opens an undo ("oops, undo that").
            | "correction"
            | "corrected"
            | "sudhar"
            | "सुधार"
    )
}

/// An amount said roughly: "lagbhag 500", "around 500", "500 ke aas paas".
fn is_approximation(key: &str) -> bool {
    matches!(
        key,
        // "500 mein se thoda diya": a little, of an amount not said.
        "thoda"
            | "thodi"
            | "thode"
            | "थोडा"
            | "थोडी"
            | "lagbhag"
            | "lagbhg"
            | "kareeb"
            | "karib"
            | "kareeban"
            | "takriban"
            | "approx"
            | "approximately"
            | "around"
            | "roughly"
            | "almost"
            | "nearly"
            | "लगभग"
            | "करीब"
            | "करीबन"
            | "तकरीबन"
    )
}

fn is_already_word(key: &str) -> bool {
    matches!(
        key,
        "pehle"
            | "pahle"
            | "pehele"
            | "pehli"
            | "already"
            | "earlier"
            | "likha"
            | "likhaa"
            | "likhi"
            | "chuka"
            | "chuki"
            | "chuke"
            | "written"
            | "recorded"
            | "पहले"
            | "लिखा"
            | "लिखी"
            | "चुका"
            | "चुकी"
            | "चुके"
    )
}

/// The merchant as the one who paid: "maine", "humne", "I", "we".
fn is_first_person(key: &str) -> bool {
    matches!(
        key,
        "maine" | "mene" | "mainne" | "humne" | "hamne" | "i" | "we" | "मैंने" | "मैने" | "हमने"
    )
}

fn is_giving_back(key: &str) -> bool {
    matches!(
        key,
        "refund"
            | "refunded"
            | "wapas"
            | "waapas"
            | "vapas"
            | "vaapas"
            | "return"
            | "returned"
            | "lautaya"
            | "lautaye"
            | "lautai"
            | "lauta"
            | "lautaa"
            | "लौटा"
            | "लौटाई"
            | "वापस"
            | "लौटाए"
            | "लौटाया"
            | "रिफंड"
    )
}

/// The words of a polite request, which ask for something to be done and are no question,
/// promise or supposition: "can you / could you / would you (please) make, note, add, write ...",
/// and "I need / want a bill". Only a request verb or the bill word right after makes it one, so
/// "can you check if Rahul paid" and "Rahul needs to pay" keep their meaning.
fn polite_request_words(tokens: &[Token<'_>]) -> Vec<bool> {
    let mut excused = vec![false; tokens.len()];
    let requested = |from: usize| {
        tokens[from..]
            .iter()
            .find(|t| t.word != Word::Filler)
            .is_some_and(|t| {
                matches!(
                    t.word,
                    Word::Make | Word::Write | Word::New | Word::Send | Word::Reminder | Word::Bill
                )
            })
    };
    let first = tokens
        .iter()
        .position(|t| !matches!(t.word, Word::Filler | Word::Sep));
    if let Some(at) = first
        && matches!(tokens[at].key.as_str(), "can" | "could" | "would" | "will")
        && tokens.get(at + 1).is_some_and(|t| t.key == "you")
        && tokens.get(at + 2).is_some_and(|_| requested(at + 2))
    {
        excused[at] = true;
    }
    for at in 0..tokens.len() {
        let wish = matches!(tokens[at].key.as_str(), "need" | "needs" | "want" | "wants");
        let bill_next = tokens[at + 1..]
            .iter()
            .find(|t| !matches!(t.key.as_str(), "a" | "an" | "the" | "one" | "new"))
            .is_some_and(|t| t.word == Word::Bill);
        if wish && bill_next {
            excused[at] = true;
            // "I need a bill": the merchant asking for it, not paying anyone.
            if at > 0 && matches!(tokens[at - 1].key.as_str(), "i" | "we") {
                excused[at - 1] = true;
            }
        }
    }
    excused
}

fn is_to_marker(key: &str) -> bool {
    matches!(key, "ko" | "को" | "to")
}

/// Why the clause, though it reads as a booking, is not one; `None` when it is a booking.
/// `asked` says a question mark ended the clause.
pub fn meaning(tokens: &[Token<'_>], asked: bool) -> Option<NotBooked> {
    let excused = polite_request_words(tokens);
    let keys: Vec<&str> = tokens
        .iter()
        .zip(&excused)
        .map(|(t, excused)| if *excused { "" } else { t.key.as_str() })
        .collect();
    let opening = keys
        .iter()
        .zip(tokens)
        .find(|(k, t)| !k.is_empty() && !matches!(t.word, Word::Filler | Word::Sep))
        .map(|(k, _)| *k);
    // "ya nahi", "ki nahi" ask; they are questions before they are negations.
    let asks_either = keys
        .windows(2)
        .any(|w| matches!(w[0], "ya" | "ki" | "or" | "या" | "कि") && is_negation(w[1]));
    // "did"/"does" ask when they open a clause or follow a question word ("did Rahul pay",
    // "how much did Rahul pay"); after the one who acted they are the verb: "Rahul did a
    // payment of 500", "Rahul did 500 UPI".
    let asks_by_word = (0..keys.len()).any(|i| {
        if !is_question_word(keys[i]) {
            return false;
        }
        if !matches!(keys[i], "did" | "does") {
            return true;
        }
        let before = tokens[..i]
            .iter()
            .zip(&keys[..i])
            .rev()
            .find(|(t, k)| !k.is_empty() && t.word != Word::Filler);
        before.is_none_or(|(t, k)| {
            t.word == Word::Sep
                || t.word == Word::Question
                || matches!(
                    *k,
                    "how" | "when" | "what" | "where" | "why" | "much" | "many"
                )
        })
    });
    if asked || asks_either || asks_by_word || opening.is_some_and(is_opening_auxiliary) {
        return Some(NotBooked::Question);
    }
    if (0..tokens.len()).any(|i| negates(tokens, i) && !contrasts_time(tokens, i)) {
        return Some(NotBooked::Negation);
    }
    // "Rahul ka 300 ka bill hai": the amount of a bill, not items to bill. Said without a verb
    // that makes a bill it reports one; with one, which items make up the amount is not known.
    let bill_of_amount = (2..tokens.len()).any(|i| {
        tokens[i].word == Word::Bill
            && matches!(keys[i - 1], "ka" | "ki" | "ke" | "का" | "की" | "के")
            && tokens[i - 2].word == Word::Number
    });
    if bill_of_amount {
        return Some(if tokens.iter().any(|t| t.word == Word::Make) {
            NotBooked::AmountUnclear
        } else {
            NotBooked::AlreadyWritten
        });
    }
    // "about 500" (not "remind about"), "aas paas": which amount is not known.
    let roughly = keys.iter().any(|k| is_approximation(k))
        || keys
            .windows(2)
            .any(|w| matches!(w, ["aas" | "आस", "paas" | "पास"]))
        || (1..tokens.len()).any(|i| {
            matches!(keys[i - 1], "about" | "kuch" | "कुछ" | "some")
                && matches!(tokens[i].word, Word::Number | Word::Currency)
        })
        // "500 odd", "500-ish": a round figure said loosely.
        || (1..tokens.len()).any(|i| {
            tokens[i - 1].word == Word::Number && matches!(keys[i], "odd" | "ish" | "-ish")
        });
    if roughly {
        return Some(NotBooked::AmountUnclear);
    }
    // "Imran 400 de to likh dena": "then write it" after a condition. A "toh" that opens the
    // message ("haan toh Rakesh ka 800 likho") follows no condition: it is "so".
    // After a giver marked with "ne" the payment is done ("Tanveer ne 250 diye toh entry kar
    // do": so write it); a condition says "agar" or leaves "ne" out.
    let then_write = keys.iter().enumerate().any(|(i, k)| {
        matches!(*k, "to" | "toh" | "तो")
            && tokens[..i]
                .iter()
                .any(|t| !matches!(t.word, Word::Filler | Word::Greeting | Word::Sep))
            && !keys[..i].iter().any(|k| matches!(*k, "ne" | "ने"))
            && tokens[i + 1..].iter().any(|t| t.word == Word::Write)
    });
    let supposed = keys.windows(2).any(|w| supposes(w[0], w[1]));
    // "paid 500 when he came", "jab aaya tha tab diye": "when" of a time already past.
    let past_when = |i: usize| {
        matches!(keys[i], "when" | "jab" | "जब")
            && keys[i + 1..].iter().take(3).any(|k| {
                matches!(
                    *k,
                    "came"
                        | "was"
                        | "were"
                        | "went"
                        | "visited"
                        | "dropped"
                        | "aaya"
                        | "aayi"
                        | "aaye"
                        | "aya"
                        | "tha"
                        | "thi"
                        | "आया"
                        | "आई"
                        | "आए"
                        | "था"
                        | "थी"
                        | "थे"
                )
            })
    };
    let supposes_word = (0..keys.len()).any(|i| is_hypothetical_word(keys[i]) && !past_when(i));
    // "after Rahul pays 500 note it", "once he pays", "in case Rahul pays": a time that has not
    // come; "Rahul can pay 500": able to, not done.
    let not_yet = matches!(opening, Some("after" | "once" | "before"))
        || keys.windows(2).any(|w| w == ["in", "case"])
        // "Sharmaji 800 de to jama kar dena": "if he gives, then ..." said with the verb's
        // subjunctive and "to", without "agar".
        || keys.windows(3).any(|w| {
            matches!(
                w[0],
                "de" | "dein" | "den" | "bheje" | "bhej" | "kare" | "दे" | "दें" | "भेजे"
            ) && matches!(w[1], "to" | "toh" | "तो")
                && !w[2].is_empty()
        })
        // "Golu ne 500 diya to wo bhi jama kar dena": "if he has given, then put it in too",
        // the perfective with "to" and a deferred request after it; a payment told is "diya,
        // jama karo", without the "to".
        || (0..keys.len().saturating_sub(1)).any(|i| {
            matches!(
                keys[i],
                "diya" | "diye" | "di" | "dia" | "bheja" | "bheje" | "kiya" | "kiye" | "दिया"
                    | "दिए" | "दी" | "भेजा" | "भेजे" | "किया" | "किए"
            ) && matches!(keys[i + 1], "to" | "toh" | "तो")
                && keys[i + 2..].iter().any(|k| {
                    matches!(
                        *k,
                        "dena" | "lena" | "likhna" | "karna" | "rakhna" | "देना" | "लेना"
                            | "लिखना" | "करना" | "रखना"
                    )
                })
        })
        || keys.windows(2).any(|w| {
            w[0] == "can"
                && matches!(
                    w[1],
                    "pay" | "give" | "send" | "deposit" | "transfer" | "clear" | "settle"
                )
        });
    if then_write || supposed || not_yet || supposes_word {
        return Some(NotBooked::Hypothetical);
    }
    // "has to pay", "wants to give": an English infinitive of paying is not a payment made.
    // After a payment made ("paid 500 to clear his dues") it says what for.
    let infinitive = (1..keys.len()).any(|i| {
        keys[i - 1] == "to"
            && matches!(
                keys[i],
                "pay" | "give" | "deposit" | "send" | "transfer" | "clear"
            )
            && !keys[..i - 1].iter().any(|k| {
                matches!(
                    *k,
                    "paid" | "gave" | "sent" | "deposited" | "transferred" | "handed"
                )
            })
    });
    // "Rahul is paying 500", "Rahul 500 de raha hai": under way, not yet received.
    let under_way = keys.iter().any(|k| {
        matches!(
            *k,
            "paying" | "giving" | "sending" | "depositing" | "transferring" | "clearing"
        )
    }) || (1..tokens.len()).any(|i| {
        tokens[i - 1].word == Word::Pay
            && matches!(keys[i], "raha" | "rahi" | "rahe" | "रहा" | "रही" | "रहे")
    });
    // "paid 500 as promised", "like he said": the promise kept, after the payment made.
    let kept = |i: usize| {
        is_promise_word(keys[i])
            && matches!(keys[i], "promised" | "said" | "told")
            && keys[..i]
                .iter()
                .rev()
                .take(2)
                .any(|k| matches!(*k, "as" | "like"))
    };
    let promised =
        (0..keys.len()).any(|i| (is_future_verb(keys[i]) || is_promise_word(keys[i])) && !kept(i));
    if infinitive || under_way || promised {
        return Some(NotBooked::Promise);
    }
    // "likh diya tha", "entry kar di thi", "diye the": done before, in the past perfect, which
    // reports what happened rather than asking for it to be written now.
    // The past perfect must be the booking verb's own: in "200 diye kyunki woh aaya tha" it
    // belongs to a reason, and the payment is read (then asked about, as words are left over).
    let paying_verb = tokens.iter().any(|t| t.word == Word::Pay);
    // "250 wapas kiye jo udhaar tha": a past perfect after a relative "jo" describes what was
    // paid back, and reports nothing of the booking itself.
    // So does one before the payment, closed by its correlative: "jo udhaar tha uska 600 chuka
    // diya", "jo baaki tha wo de diya".
    let relative = relative_clause(tokens, &keys);
    let written_before = (1..tokens.len()).any(|i| {
        if relative.is_some_and(|(from, to)| i > from && i < to) {
            return false;
        }
        // "jama ho gaye the", "udhaar tha": helpers may stand between the verb and its ending.
        let mut v = i - 1;
        while v > 0 && tokens[v].word == Word::Aux && keys[i] != "the" {
            v -= 1;
        }
        let after_verb = match tokens[v].word {
            Word::Pay | Word::Write | Word::Take => true,
            // "bill bana tha", "बिल बन गया था": made before.
            Word::Make => keys[i] != "the",
            Word::Credit => keys[i] != "the",
            Word::Arrive => !paying_verb,
            _ => false,
        };
        // "chadha hua hai", "bill bana hua hai": the state of something already written or made;
        // "likh liya hai": the merchant has written it.
        let put_in = matches!(
            keys[i - 1],
            "dala"
                | "daala"
                | "dale"
                | "daale"
                | "diya"
                | "diye"
                | "kiya"
                | "kiye"
                | "डाला"
                | "डाले"
        );
        let state = (matches!(tokens[i - 1].word, Word::Write | Word::Make) || put_in)
            && (matches!(keys[i], "hua" | "hui" | "hue" | "हुआ" | "हुई" | "हुए")
                || (matches!(keys[i], "liya" | "li" | "liye" | "लिया" | "ली" | "लिए")
                    && tokens
                        .get(i + 1)
                        .is_some_and(|n| matches!(n.key.as_str(), "hai" | "hain" | "है" | "हैं"))));
        if state {
            return true;
        }
        match keys[i] {
            "tha" | "thi" | "था" | "थी" | "थे" => after_verb,
            // English "the" comes before what it names ("paid the 500", "paid the full 500");
            // Hindi "the" ends the verb.
            "the" => {
                after_verb
                    && !is_english_past(&tokens[v].key)
                    && tokens.get(i + 1).is_none_or(|n| {
                        matches!(
                            n.word,
                            Word::Sep | Word::Filler | Word::Aux | Word::Question
                        )
                    })
            }
            _ => false,
        }
    });
    // "chuka diye", "चुका दिए" pay a debt off; "likh chuka", "de chuka hai" report the past.
    let paid_off = |i: usize| {
        matches!(keys[i], "chuka" | "chuki" | "chuke" | "चुका" | "चुकी" | "चुके")
            && tokens.get(i + 1).is_some_and(|t| {
                t.word == Word::Pay
                    && !matches!(
                        t.key.as_str(),
                        "de" | "दे" | "jama" | "जमा" | "kiya" | "किया"
                    )
            })
    };
    // "earlier" alone is when it was paid ("Sunny paid 500 earlier today"); with a word of
    // writing it is when it was written ("I noted it earlier").
    // "pehli baar" (the first time), "pehle wala udhaar" (the earlier credit) say when, not that
    // it was written; "already paid …, please add it" asks for the writing.
    let not_of_writing = |i: usize| {
        matches!(
            keys.get(i + 1).copied().unwrap_or(""),
            "baar"
                | "bar"
                | "dafa"
                | "dafaa"
                | "बार"
                | "wala"
                | "wali"
                | "wale"
                | "वाला"
                | "वाली"
                | "वाले"
        )
    };
    let already = !asks_to_write(tokens, &keys)
        && (0..keys.len()).any(|i| {
            is_already_word(keys[i])
                && !paid_off(i)
                && !not_of_writing(i)
                && (keys[i] != "earlier" || tokens.iter().any(is_writing))
        });
    // "bill ... was made yesterday", "has been entered": the English passive of writing reports it.
    let passive = (1..tokens.len()).any(|i| {
        matches!(keys[i - 1], "was" | "were" | "been")
            && (matches!(tokens[i].word, Word::Make | Word::Write)
                || matches!(
                    keys[i],
                    "made" | "added" | "entered" | "recorded" | "written" | "noted" | "logged"
                ))
    });
    // "(maine) Rahul ka 500 udhaar likh diya (hai)": the writing verb in the perfective tells
    // that it was written; the request is "likh do", "likh dijiye", "likho". Read as a command it
    // could book a second time what the merchant already wrote, so it is not booked.
    let told_written = (1..tokens.len()).any(|i| {
        tokens[i - 1].word == Word::Write
            && matches!(keys[i], "diya" | "diye" | "di" | "दिया" | "दिए" | "दी")
    });
    if written_before
        || already
        || passive
        || told_written
        || written_in_perfective(tokens, &keys)
        || happened_before(&keys)
        || reported_by_participle(tokens, &keys)
        || said_to_be_in_the_books(tokens, &keys)
    {
        return Some(NotBooked::AlreadyWritten);
    }
    // "maine Rahul ko 500 diye": the merchant paid. "maine Rahul se 500 liye" is still a
    // payment from Rahul, and "maine Rahul ko 500 udhaar diye" is credit, which the rules book.
    // "from the cash box", "from my pocket": where the merchant's money came from, not a giver.
    let from_their_own_till = |i: usize| {
        keys[i] == "from"
            && matches!(
                keys.get(i + 1).copied().unwrap_or(""),
                "the" | "my" | "our" | "galla" | "galle" | "counter" | "drawer" | "till"
            )
    };
    let from_them = tokens.iter().enumerate().any(|(i, t)| {
        matches!(t.word, Word::Arrive | Word::Take | Word::Credit)
            || (matches!(t.key.as_str(), "se" | "से" | "from" | "by") && !from_their_own_till(i))
    });
    let first_person = keys.iter().any(|k| is_first_person(k)) && !from_them;
    let received_from_them = keys.iter().any(|k| matches!(*k, "se" | "से" | "from"))
        && tokens.iter().any(|t| t.word == Word::Arrive);
    let giving_back = keys.iter().any(|k| is_giving_back(k));
    let to_someone = keys
        .iter()
        .zip(keys.iter().skip(1).chain(std::iter::once(&"")))
        .any(|(k, next)| is_to_marker(k) && !matches!(*next, "me" | "us"));
    // "paid Rahul 500", "gave 500 to Rahul": an English verb before anyone is named is the merchant's.
    let merchant_verb = opening.is_some_and(|k| {
        matches!(
            k,
            "paid"
                | "gave"
                | "handed"
                | "hand"
                | "give"
                | "pay"
                | "sent"
                | "send"
                | "transfer"
                | "transferred"
                | "returned"
                | "lend"
                | "lent"
                | "loan"
                | "loaned"
        )
    }) && !from_them;
    // "Rahul ka 500 wapas kar diya": given back with no "ne" making Rahul the giver.
    let customer_gave = keys.iter().any(|k| matches!(*k, "ne" | "ने"));
    // "return kar diya", "return किया": the English word as a Hindi verb's noun, said the Hindi
    // way, with "ne" marking the giver.
    let hindi_verb_after = |i: usize| {
        matches!(
            keys.get(i + 1).copied().unwrap_or(""),
            "kar"
                | "kr"
                | "kiya"
                | "kiye"
                | "ki"
                | "kia"
                | "कर"
                | "किया"
                | "किए"
                | "किये"
                | "की"
        )
    };
    let hindi_giving_back = (0..keys.len()).any(|i| {
        let k = keys[i];
        is_giving_back(k) && ((!k.starts_with("return") && k != "refund") || hindi_verb_after(i))
    });
    // "Guddu ne 100 zyada de diye the, wapas kar diye": their giving told in the past perfect is
    // the background; what happened now is the shop giving it back. "Guddu ne 100 udhaar liye
    // the, wapas kar diye" (taken, then repaid) is a payment and is not this.
    let given_back_after_their_giving = (1..keys.len()).any(|p| {
        matches!(keys[p], "the" | "thi" | "tha" | "थे" | "थी" | "था")
            && (p.saturating_sub(3)..p).any(|v| {
                matches!(
                    keys[v],
                    "diye" | "diya" | "di" | "दिए" | "दिया" | "दी" | "दिये"
                )
            })
            && !tokens[..p].iter().any(|t| t.word == Word::Credit)
            && (p + 1..keys.len()).any(|j| {
                is_giving_back(keys[j]) && !keys[p + 1..j].iter().any(|k| matches!(*k, "ne" | "ने"))
            })
    });
    // "kiran ka 200 jama zyada tha, cash de diya", "ishaan ne galti se 2k bheje, lauta diye",
    // "rahul ne zyada de diya, 100 lautaya": their money told as too much or sent by mistake,
    // then given back (or, in a clause of its own, given) with no giver of its own: the shop
    // returned it. Credit taken ("zyada udhaar liya tha, lauta diya") is their repayment.
    let excess_returned = !tokens.iter().any(|t| t.word == Word::Credit)
        && (0..keys.len()).any(|e| {
            matches!(
                keys[e],
                "zyada"
                    | "jyada"
                    | "zyaada"
                    | "jada"
                    | "extra"
                    | "excess"
                    | "galti"
                    | "galati"
                    | "mistake"
                    | "overpaid"
                    | "ज्यादा"
                    | "गलती"
            ) && (e + 1..keys.len()).any(|j| {
                let no_new_giver = !keys[e + 1..j].iter().any(|k| matches!(*k, "ne" | "ने"));
                let clause_after = tokens[e + 1..j].iter().any(|t| t.word == Word::Sep);
                let given = matches!(
                    keys[j],
                    "de" | "diya" | "diye" | "di" | "दिया" | "दिए" | "दे"
                );
                no_new_giver && (is_giving_back(keys[j]) || (given && clause_after))
            })
        });
    // "Rahul ne 300 ka maal lautaya", "returned items worth 300": goods given back, which is
    // no payment (the return of goods the rules do not book).
    let goods_back = giving_back && tokens.iter().any(|t| t.word == Word::Product);
    // "owed rani 90, paid her today", "gave him 200 back": an English paying verb whose object
    // is the customer; no one named right before it paid.
    let paid_them = (0..keys.len()).any(|i| {
        matches!(
            keys[i],
            "paid" | "gave" | "sent" | "transferred" | "returned" | "handed" | "refunded"
        ) && matches!(keys.get(i + 1).copied(), Some("him" | "her" | "them"))
            && (i == 0 || tokens[i - 1].word != Word::Name)
    });
    // "Rahul took 500 from me", "मुझसे 500 ले गया": money went to the customer, unless it is
    // credit said so ("Rahul ne mujhse 500 udhaar liye").
    let from_me = (keys
        .windows(2)
        .any(|w| w[0] == "from" && matches!(w[1], "me" | "us"))
        || keys
            .iter()
            .any(|k| matches!(*k, "mujhse" | "humse" | "hamse" | "मुझसे" | "हमसे")))
        && !tokens.iter().any(|t| t.word == Word::Credit);
    if first_person
        || given_back_after_their_giving
        || excess_returned
        || paid_them
        || returned_after_their_english_past_perfect(tokens, &keys)
        || paid_in_the_passive(tokens, &keys)
        || goods_back
        || from_me
        || merchant_verb
        || (paid_out_of_the_shop(tokens, &keys) && !customer_gave)
        || given_back_to_them(tokens, &keys)
        || amount_to_a_name(tokens, &keys)
        || took_their_own_back(&keys)
        // "Honey se 800 wapas mil gaye": received back from them.
        || (hindi_giving_back && !customer_gave && !received_from_them)
        || keys
            .iter()
            .any(|k| k.starts_with("refund") || k.starts_with("रिफंड"))
        || (giving_back && to_someone)
    {
        return Some(NotBooked::MoneyPaidOut);
    }
    None
}

/// The span of a relative clause ("jo … tha") that describes what was paid, from "jo" to its
/// correlative ("uska", "wo") or the end, when a paying verb stands outside it.
fn relative_clause(tokens: &[Token<'_>], keys: &[&str]) -> Option<(usize, usize)> {
    let from = keys.iter().position(|k| matches!(*k, "jo" | "जो"))?;
    let to = (from + 1..keys.len())
        .find(|&j| is_correlative(keys[j]))
        .unwrap_or(keys.len());
    let paid_outside = tokens[..from]
        .iter()
        .chain(&tokens[to..])
        .any(|t| t.word == Word::Pay);
    paid_outside.then_some((from, to))
}

/// The word that picks up a relative clause: "jo udhaar tha *uska* 600", "jo baaki tha *wo*".
pub(super) fn is_correlative(key: &str) -> bool {
    matches!(
        key,
        "uska"
            | "uske"
            | "uski"
            | "wo"
            | "woh"
            | "vo"
            | "voh"
            | "वो"
            | "वह"
            | "उसका"
            | "उसके"
            | "उसकी"
    )
}

/// "Kamla ne apne 400 wapas kar diye": money given back and called theirs, with no word of
/// credit. Whether they repaid ("apna udhaar lauta diya") or the shop returned their money is not
/// said, so such a reading is asked about.
pub fn own_money_back_unsaid(tokens: &[Token<'_>]) -> bool {
    tokens.split(|t| t.word == Word::Sep).any(|clause| {
        let own = clause.iter().any(|t| {
            matches!(
                t.key.as_str(),
                "apna" | "apne" | "apni" | "apana" | "अपना" | "अपने" | "अपनी"
            )
        });
        let back = clause.iter().any(|t| is_giving_back(&t.key));
        let credit = clause.iter().any(|t| t.word == Word::Credit);
        own && back && !credit
    })
}

/// "Naresh ne apna 600 deposit wapas le liya", "Chetan apne 500 wapas le gaya": the customer took
/// money back from the shop. "maine Rahul se 500 wapas liye" (the merchant took it back from them)
/// is money that came, and is not this.
fn took_their_own_back(keys: &[&str]) -> bool {
    let back = |k: &str| matches!(k, "wapas" | "waapas" | "vapas" | "vaapas" | "वापस");
    let took = |k: &str| {
        matches!(
            k,
            "le" | "liya"
                | "liye"
                | "li"
                | "lie"
                | "ले"
                | "लिया"
                | "लिए"
                | "ली"
                | "leliya"
                | "lelia"
        )
    };
    let from_them = keys
        .iter()
        .any(|k| matches!(*k, "se" | "से" | "from" | "maine" | "mene" | "मैंने"));
    !from_them && keys.windows(2).any(|w| back(w[0]) && took(w[1]))
}

/// "wala", "wale", "वाली" …: the one of something ("anda wale", "250 wala").
fn is_wala(key: &str) -> bool {
    matches!(
        key,
        "wala"
            | "wale"
            | "wali"
            | "waala"
            | "waale"
            | "waali"
            | "vala"
            | "vale"
            | "वाला"
            | "वाले"
            | "वाली"
    )
}

/// Money the shop paid out that is no customer's: rent, bills, taxes, wages, suppliers, the
/// merchant's own drawings ("dukaan ka kiraya 8000 diya", "light bill 1450 jama kar diya", "GST
/// ke 4200 bhar diye", "anda wale ko 720 diye", "took 1,500 from the cash box for home"). Read
/// as a payment, the expense's name would become a customer ("kiraya") paying the shop. A
/// customer who pays ("chai wale ne 60 diye") is the caller's to exclude; a word of credit keeps
/// the reading ("anda wale ko 720 udhaar diye" is that customer's credit).
fn paid_out_of_the_shop(tokens: &[Token<'_>], keys: &[&str]) -> bool {
    if tokens.iter().any(|t| t.word == Word::Credit) {
        return false;
    }
    let key = |i: usize| keys.get(i).copied().unwrap_or("");
    let expense = keys.iter().any(|k| {
        matches!(
            *k,
            "kiraya"
                | "kiraaya"
                | "kiraye"
                | "kiraaye"
                | "rent"
                | "किराया"
                | "किराये"
                | "किराए"
                | "bhada"
                | "bhaada"
                | "भाडा"
                | "gst"
                | "tax"
                | "taxes"
                | "recharge"
                | "salary"
                | "salaries"
                | "wages"
                | "tankhwah"
                | "tankha"
                | "pagaar"
                | "pagar"
                | "तनख्वाह"
                | "पगार"
                | "emi"
                | "kist"
                | "kisht"
                | "किस्त"
                | "petrol"
                | "diesel"
                | "mandi"
                | "मंडी"
                | "supplier"
                | "distributor"
                | "wholesaler"
                | "wholesale"
                | "dealer"
                | "agency"
                | "thok"
                | "थोक"
                | "kharcha"
                | "kharche"
                | "kharch"
                | "खर्चा"
                | "खर्च"
                | "expense"
                | "expenses"
        )
    });
    // "light bill", "bijli ka bill", "paani ka bill bhar diya": a utility's bill, which the shop pays.
    let utility = |k: &str| {
        matches!(
            k,
            "light"
                | "bijli"
                | "बिजली"
                | "electricity"
                | "paani"
                | "pani"
                | "पानी"
                | "water"
                | "gas"
                | "गैस"
                | "phone"
                | "mobile"
                | "internet"
                | "wifi"
        )
    };
    // Paid, not made: "Rahul ka gas ka bill bana do" is a bill for a customer.
    let paying = keys.iter().any(|k| {
        k.starts_with("bhar")
            || k.starts_with("भर")
            || k.starts_with("chuka")
            || matches!(
                *k,
                "jama" | "जमा" | "paid" | "pay" | "diya" | "diye" | "di" | "दिया" | "दिए" | "दी"
            )
    });
    let utility_bill = paying
        && (0..keys.len()).any(|i| {
            tokens[i].word == Word::Bill && (i.saturating_sub(3)..i).any(|u| utility(key(u)))
        });
    // "anda wale ko", "safai wali ko", "थोक वाले को": the seller of something, given money.
    let to_a_seller = (1..keys.len()).any(|i| {
        is_wala(key(i)) && (i + 1..(i + 3).min(keys.len())).any(|m| matches!(key(m), "ko" | "को"))
    });
    // "ghar ke liye 2000 nikale", "took 1,500 for home": the merchant's own drawings.
    let for_home = keys.windows(3).any(|w| {
        matches!(
            w,
            ["ghar" | "घर", "ke" | "के", "liye" | "lie" | "लिए" | "लिये"]
        )
    }) || keys
        .windows(2)
        .any(|w| matches!(w, ["for", "home" | "house" | "personal"]));
    expense || utility_bill || to_a_seller || for_home
}

/// Money given back in English with the customer on the receiving end: "returned by me", "Ravi
/// was given 2,500 back", "Vicky was returned his 350", "₹900 given back to Shalini", "Geeta got
/// 500 back from the shop", "Satish's advance returned". The customer as the giver ("Ravi gave
/// back 500", "returned by Ravi", "got back 500 from Ravi") is a payment, and is not this.
fn given_back_to_them(tokens: &[Token<'_>], keys: &[&str]) -> bool {
    let key = |i: usize| keys.get(i).copied().unwrap_or("");
    let giving = |k: &str| {
        matches!(
            k,
            "gave" | "given" | "paid" | "handed" | "sent" | "returned" | "refunded"
        )
    };
    let receiving = |k: &str| matches!(k, "got" | "received" | "recd" | "took" | "taken");
    // "gave 500 back", "got 500/- back": the verb a few words before "back", or right after it
    // ("money back given").
    let back_after = |verb: &dyn Fn(&str) -> bool| {
        (0..keys.len()).any(|i| {
            key(i) == "back" && ((i.saturating_sub(4)..i).any(|v| verb(key(v))) || verb(key(i + 1)))
        })
    };
    let returned = keys.iter().any(|k| matches!(*k, "returned" | "refunded"));
    // "Nitya collected her 500 deposit", "Raj took his advance": the customer's own money taken
    // back by them.
    let their_money_word = keys
        .iter()
        .any(|k| matches!(*k, "advance" | "deposit" | "security"));
    let opening_name = tokens
        .iter()
        .find(|t| !matches!(t.word, Word::Filler | Word::Sep))
        .is_some_and(|t| t.word == Word::Name);
    if their_money_word
        && opening_name
        && keys.iter().any(|k| {
            matches!(
                *k,
                "collected" | "took" | "taken" | "withdrew" | "got" | "received"
            )
        })
        && !keys.iter().any(|k| matches!(*k, "from" | "to"))
    {
        return true;
    }
    if !(returned || back_after(&giving) || back_after(&receiving)) {
        return false;
    }
    // A person named right after "by" or "from" gave it ("returned by Ravi", "back from Ravi");
    // "by me", "from the shop", "by cheque" name no giver of theirs.
    let giver_after = |marker: &str| {
        (0..keys.len()).any(|i| {
            key(i) == marker
                && tokens[i + 1..]
                    .iter()
                    .find(|t| t.word != Word::Honorific)
                    .is_some_and(|t| t.word == Word::Name && t.key != "shop")
        })
    };
    let to_me = (0..keys.len()).any(|i| key(i) == "to" && matches!(key(i + 1), "me" | "us"));
    if giver_after("by")
        || giver_after("from")
        || to_me
        || keys.iter().any(|k| matches!(*k, "ne" | "ने"))
    {
        return false;
    }
    let by_us = (0..keys.len()).any(|i| key(i) == "by" && matches!(key(i + 1), "me" | "us"));
    // "was given", "were returned", "has been paid": the passive with no giver of theirs.
    // "money back given" as well: the giving verb right after "back".
    let passive = (1..keys.len()).any(|i| {
        matches!(key(i - 1), "was" | "were" | "been" | "is" | "are" | "back") && giving(key(i))
    });
    // The opening name, then the verb: who did it.
    let first = tokens
        .iter()
        .position(|t| !matches!(t.word, Word::Filler | Word::Sep | Word::Currency));
    let subject_verb = first
        .filter(|&f| tokens[f].word == Word::Name)
        .and_then(|f| {
            tokens[f..]
                .iter()
                .find(|t| !matches!(t.word, Word::Name | Word::Honorific))
                .map(|t| t.key.as_str())
        });
    // "Geeta got 500 back": the named one received it.
    let they_received = subject_verb.is_some_and(receiving) && back_after(&receiving);
    // "given back to Shalini", "paid back to Rahul".
    let to_them = back_after(&giving)
        && (0..keys.len()).any(|i| is_to_marker(key(i)) && !matches!(key(i + 1), "me" | "us"));
    // "advance returned", "deposit refunded": what the customer had left with the shop.
    let their_money = keys
        .iter()
        .any(|k| matches!(*k, "advance" | "deposit" | "security"))
        && !subject_verb.is_some_and(giving);
    by_us || passive || they_received || to_them || their_money
}

/// "500 back to Tabassum by cash", "₹300 to Meena ji on UPI", "200 cash to Raju": an amount
/// sent "to" someone named is money going to them, never their payment. Only right after the
/// amount (or its currency, mode or "back"): Hinglish "to" is "so" ("Rahul ne diye to Meena ne
/// bhi 300 diye"). Credit ("500 udhaar to Rahul") and writing ("add 500 to Rahul") are not this.
fn amount_to_a_name(tokens: &[Token<'_>], keys: &[&str]) -> bool {
    let meaningful = |t: &Token<'_>| !matches!(t.word, Word::Sep | Word::Filler);
    let after_amount = |i: usize| {
        tokens[..i]
            .iter()
            .rev()
            .find(|t| meaningful(t))
            .is_some_and(|t| {
                matches!(t.word, Word::Number | Word::Currency | Word::Mode(_)) || t.key == "back"
            })
    };
    let to_a_name = |i: usize| {
        tokens[i + 1..]
            .iter()
            .find(|t| t.word != Word::Honorific)
            .is_some_and(|t| {
                t.word == Word::Name
                    && !matches!(t.key.as_str(), "shop" | "store" | "dukaan" | "dukan")
            })
    };
    let credit_or_writing = tokens
        .iter()
        .any(|t| t.word == Word::Credit || is_writing(t));
    // "by Tabassum", "from Tabassum" name a giver; "by cash", "from the galla" do not.
    let named_after = |i: usize| {
        tokens[i + 1..]
            .iter()
            .find(|t| t.word != Word::Honorific)
            .is_some_and(|t| t.word == Word::Name)
    };
    let their_giving = (0..keys.len()).any(|i| {
        matches!(keys[i], "ne" | "ने" | "se" | "से")
            || (matches!(keys[i], "from" | "by") && named_after(i))
    });
    // "Rahul paid 500 to clear his dues": with a verb of paying the clause says who paid, and
    // "to" may open a purpose; only the bare "500 to X" is read here.
    let a_verb = tokens
        .iter()
        .any(|t| matches!(t.word, Word::Pay | Word::Arrive | Word::Take));
    // "Paytm kiya 250 to Jyoti": a verb with no one named before the "to" is the merchant's.
    let named_before = |i: usize| tokens[..i].iter().any(|t| t.word == Word::Name);
    !credit_or_writing
        && !their_giving
        && (1..keys.len()).any(|i| {
            keys[i] == "to" && after_amount(i) && to_a_name(i) && (!a_verb || !named_before(i))
        })
}

/// "Rahul was paid 500", "Rahul has been paid 500", "Rahul got paid 500", "Meena ji was given 300
/// back": the English passive with the person named as its subject says they received the money.
/// A giver named after it ("500 was paid by Rahul", where the amount is the subject) is their
/// payment and is not this.
fn paid_in_the_passive(tokens: &[Token<'_>], keys: &[&str]) -> bool {
    let received = |k: &str| {
        matches!(
            k,
            "paid"
                | "given"
                | "handed"
                | "sent"
                | "transferred"
                | "returned"
                | "refunded"
                | "repaid"
        )
    };
    let passive_auxiliary = |k: &str| matches!(k, "was" | "were" | "been" | "got" | "gets" | "get");
    // "by Suresh", "from Suresh" name a giver; "from the counter", "by cash" do not.
    let by_someone = (0..keys.len()).any(|i| {
        matches!(keys[i], "by" | "from")
            && tokens[i + 1..]
                .iter()
                .find(|t| t.word != Word::Honorific)
                .is_some_and(|t| t.word == Word::Name)
    });
    let subject_named = |aux: usize| {
        tokens[..aux]
            .iter()
            .zip(&keys[..aux])
            .rev()
            .find(|(t, k)| {
                !matches!(t.word, Word::Honorific | Word::Filler)
                    && !matches!(**k, "has" | "have" | "had" | "is" | "also" | "just" | "")
            })
            .is_some_and(|(t, _)| t.word == Word::Name)
    };
    // "Banwari got 700 back", "Rahul got his 200 back", "Meena received 300 back from the
    // counter": the one named first took money back.
    let credit = tokens.iter().any(|t| t.word == Word::Credit);
    let got_back = !credit
        && (0..keys.len()).any(|i| {
            matches!(
                keys[i],
                "got" | "gets" | "received" | "receives" | "collected" | "took" | "takes"
            ) && subject_named(i)
                && keys[i + 1..]
                    .iter()
                    .take(5)
                    .any(|k| matches!(*k, "back" | "refund" | "refunded"))
        });
    // "Cash of Rs 2,300 was handed to Abdul", "500 was paid to Rahul": received by the one the
    // passive gives it to.
    let given_to_a_name = !credit
        && (1..keys.len()).any(|i| {
            received(keys[i])
                && passive_auxiliary(keys[i - 1])
                && keys.get(i + 1) == Some(&"to")
                && tokens[i + 2..]
                    .iter()
                    .find(|t| t.word != Word::Honorific)
                    .is_some_and(|t| t.word == Word::Name)
        });
    !by_someone
        && (got_back
            || given_to_a_name
            || (1..keys.len()).any(|i| {
                received(keys[i]) && passive_auxiliary(keys[i - 1]) && subject_named(i - 1)
            }))
}

/// "Rahul had paid 500 too much, returned it", "Rahul had given 100 extra so gave it back":
/// their paying told in the English past perfect is the background, and the giving back after
/// it, with no new giver, is the shop's. Taken on credit before ("Rahul had taken 500 on credit,
/// returned it today") it is their repayment and is not this.
fn returned_after_their_english_past_perfect(tokens: &[Token<'_>], keys: &[&str]) -> bool {
    let their_paying = |k: &str| {
        matches!(
            k,
            "paid" | "given" | "gave" | "sent" | "transferred" | "deposited" | "overpaid"
        )
    };
    let credit = tokens.iter().any(|t| t.word == Word::Credit)
        || keys
            .iter()
            .any(|k| matches!(*k, "borrowed" | "taken" | "took"));
    !credit
        && (0..keys.len()).any(|had| {
            keys[had] == "had"
                && (had + 1..keys.len().min(had + 3)).any(|v| their_paying(keys[v]))
                && (had + 2..keys.len()).any(|j| {
                    (is_giving_back(keys[j]) || keys[j] == "back")
                        && !tokens[had + 1..j].iter().any(|t| t.word == Word::Name)
                })
        })
}

/// "Rahul 500 returned", "Rahul's 500 returned": "returned" after the amount, with no giver
/// marked, may be their repaying said in the Hindi order or their money returned to them, so a
/// booking read from it is asked about.
pub fn returned_after_the_amount(tokens: &[Token<'_>]) -> bool {
    let giver_marked = tokens
        .iter()
        .any(|t| matches!(t.key.as_str(), "by" | "from" | "ne" | "ने" | "se" | "से"));
    !giver_marked
        && (1..tokens.len()).any(|i| {
            matches!(tokens[i].key.as_str(), "returned" | "refunded")
                && tokens[..i]
                    .iter()
                    .rev()
                    .find(|t| !matches!(t.word, Word::Filler | Word::Currency | Word::Mode(_)))
                    .is_some_and(|t| t.word == Word::Number)
        })
}

/// A booking told in words that may as well report one already in the books, so it is asked,
/// never booked at once: "Pinky 200 udhaar ho gaya" (the credit is done, or was taken), "Rahul ka
/// 500 aa gaya khate me" (arrived in the khata, or in the bank account), "Sharma ji 250 wala aa
/// gaya" (the 250 spoken of before). "Rahul ke 500 aa gaye" alone is a payment and stays one.
pub fn may_report_written(tokens: &[Token<'_>]) -> bool {
    let key = |i: usize| tokens.get(i).map_or("", |t| t.key.as_str());
    let became = |k: &str| {
        matches!(
            k,
            "gaya" | "gayi" | "gaye" | "gya" | "gyi" | "gye" | "gai" | "गया" | "गई" | "गए" | "गये"
        )
    };
    let skippable = |t: &Token<'_>| matches!(t.word, Word::Filler | Word::Sep);
    let next_meaningful = |from: usize| (from..tokens.len()).find(|&n| !skippable(&tokens[n]));
    // "udhaar ho gaya", "udhaar 👍 ho gaya": the credit spoken of as done.
    let credit_done = (0..tokens.len()).any(|i| {
        tokens[i].word == Word::Credit
            && next_meaningful(i + 1)
                .is_some_and(|h| matches!(key(h), "ho" | "हो") && became(key(h + 1)))
    });
    // "aa gaya khate me", "khate mein aa gaye", "hisaab me aa gaya": into the books.
    let books = |k: &str| {
        matches!(
            k,
            "khata" | "khate" | "khaate" | "khaata" | "hisaab" | "hisab" | "खाता" | "खाते" | "हिसाब"
        )
    };
    let in_books = (0..tokens.len())
        .any(|i| books(key(i)) && matches!(key(i + 1), "me" | "mein" | "main" | "mai" | "में" | "मे"));
    let arrived = tokens.iter().any(|t| t.word == Word::Arrive);
    // "250 wala aa gaya": the amount named as one known before.
    let known_amount_arrived =
        arrived && (1..tokens.len()).any(|i| tokens[i - 1].word == Word::Number && is_wala(key(i)));
    // "Farhan ka 700 aaya, khate me jama kar do": asked for in so many words.
    let requested = tokens.iter().any(|t| {
        matches!(
            t.key.as_str(),
            "do" | "dena"
                | "dijiye"
                | "karo"
                | "kardo"
                | "likho"
                | "please"
                | "pls"
                | "plz"
                | "दो"
                | "दीजिए"
                | "करो"
                | "लिखो"
        )
    });
    !requested && (credit_done || (in_books && arrived) || known_amount_arrived)
}

/// A clause with no amount and no name saying the writing is done: "already in the khata",
/// "already updated bro", "pehle hi chadha diya". Beside a booking it says that booking is in the
/// books already ("Sapna 300 udhaar, already in the khata since Tuesday").
pub fn says_already_written(tokens: &[Token<'_>]) -> bool {
    let already = tokens
        .iter()
        .any(|t| matches!(t.key.as_str(), "already" | "pehle" | "pahle" | "पहले"));
    let written = tokens.iter().any(|t| {
        is_writing(t)
            || matches!(t.word, Word::Ledger)
            || matches!(
                t.key.as_str(),
                "khata"
                    | "khate"
                    | "book"
                    | "books"
                    | "register"
                    | "diary"
                    | "done"
                    | "entered"
                    | "noted"
                    | "updated"
                    | "recorded"
                    | "written"
                    | "likha"
                    | "likhi"
                    | "chadha"
                    | "daala"
                    | "dala"
                    | "खाते"
                    | "खाता"
                    | "लिखा"
            )
    });
    // "wo hisaab mein jud gaye", "जोड़ दिए हैं", "likh chuka hoon": the writing told as done,
    // without "already".
    let keys: Vec<&str> = tokens.iter().map(|t| t.key.as_str()).collect();
    let done = written_in_perfective(tokens, &keys)
        || (0..tokens.len()).any(|i| {
            is_writing(&tokens[i])
                && keys[i + 1..]
                    .iter()
                    .take(2)
                    .any(|k| matches!(*k, "chuka" | "chuki" | "chuke" | "चुका" | "चुकी" | "चुके"))
        });
    (already && written || done)
        && !tokens
            .iter()
            .any(|t| t.word == Word::Number || (t.word == Word::Name && !is_writing(t)))
}

/// Drops a reason told after a booking ("Gopal ji paid 2,500 through paytm since he had no cash
/// with him", "make a bill … as she has asked for one", "Pinki ne 300 diye because …"): it says
/// why, not what, and read as part of the booking its words become a denial, a product or a
/// name. A reason that moves money of its own ("… because he had paid extra"), gives back,
/// names an amount or a way of paying is kept, and so is one the message opens with.
pub fn drop_reasons(tokens: &mut Vec<Token<'_>>) {
    let opens_a_clause = |k: &str| {
        matches!(
            k,
            "i" | "we"
                | "he"
                | "she"
                | "they"
                | "it"
                | "the"
                | "his"
                | "her"
                | "their"
                | "my"
                | "our"
                | "you"
                | "there"
        )
    };
    let mut i = 1;
    while i < tokens.len() {
        let key = tokens[i].key.as_str();
        let next = tokens.get(i + 1).map_or("", |t| t.key.as_str());
        // English reasons only: a Hindi "kyunki … tha" clause may report the booking itself
        // ("diye kyunki woh aaya tha" is read, and asked about for its words left over).
        let reason = matches!(key, "because" | "since" | "coz" | "cuz" | "while")
            || (key == "as" && opens_a_clause(next))
            || (key == "so" && next == "that")
            || own_account_named(tokens, i);
        let booked_before = tokens[..i].iter().any(|t| t.word == Word::Number)
            && tokens[..i].iter().any(|t| {
                matches!(
                    t.word,
                    Word::Pay | Word::Credit | Word::Bill | Word::Mode(_)
                )
            });
        if !reason || !booked_before {
            i += 1;
            continue;
        }
        let end = tokens[i..]
            .iter()
            .position(|t| t.word == Word::Sep)
            .map_or(tokens.len(), |p| i + p);
        if reason_moves_money(&tokens[i..end]) {
            i = end;
            continue;
        }
        tokens.drain(i..end);
        // What came before may now end where the reason was ("against his account since …").
        i = 1;
    }
    drop_reason_before_so(tokens);
}

/// Whether a reason's words move money of their own: an amount, a giving or paying verb, a way
/// of paying not denied ("since he had no cash with him" only denies it), money given back.
fn reason_moves_money(reason: &[Token<'_>]) -> bool {
    let denied = |at: usize| {
        at > 0
            && matches!(
                reason[at - 1].key.as_str(),
                "no" | "nahi" | "without" | "koi" | "नहीं" | "कोई"
            )
    };
    (0..reason.len()).any(|at| {
        let t = &reason[at];
        // "as she has asked for one": "one" is no amount.
        (matches!(t.word, Word::Number | Word::Pay | Word::Currency) && t.key != "one")
            || (matches!(t.word, Word::Mode(_)) && !denied(at))
            || is_giving_back(&t.key)
            || matches!(
                t.key.as_str(),
                "back" | "change" | "extra" | "excess" | "overpaid" | "zyada" | "jyada"
            )
    })
}

/// Drops a reason the message opens with, closed by "isliye" (so): "बेटी की शादी से पहले हिसाब
/// साफ करना था, इसलिए रघुनाथ ने आज 5,000 नकद जमा कराए", "Sohail ke paas cash nahi tha, isliye
/// 350 udhaar likho". The booking follows "isliye"; the reason before it says why, and read with
/// the booking its words become a denial ("nahi tha") or a name ("बेटी"). A reason that moves
/// money of its own is kept, and so is everything when no booking follows. "to" is never read
/// so: it is the "then" of a condition ("agar … to"). An English reason opening the message
/// ("Because …, Preeti paid 1,350") ends at its comma and is set aside the same way.
fn drop_reason_before_so(tokens: &mut Vec<Token<'_>>) {
    // "Because the card machine was not working, Preeti paid 1,350 online": an English reason
    // opening the message ends at its comma.
    let english_opening = tokens
        .first()
        .is_some_and(|t| matches!(t.key.as_str(), "because" | "since" | "as" | "coz" | "cuz"));
    let so = if english_opening {
        tokens.iter().position(Token::is_comma)
    } else {
        tokens.iter().position(|t| {
            matches!(
                t.key.as_str(),
                "isliye" | "isiliye" | "islie" | "isliy" | "इसलिए" | "इसीलिए" | "इसलिये"
            )
        })
    };
    let Some(so) = so else {
        return;
    };
    if so == 0 || reason_moves_money(&tokens[..so]) {
        return;
    }
    let main = &tokens[so + 1..];
    let books = main.iter().any(|t| t.word == Word::Number)
        && main.iter().any(|t| {
            matches!(
                t.word,
                Word::Pay | Word::Credit | Word::Bill | Word::Mode(_)
            )
        });
    // "agar cash nahi hai isliye …": a condition is no reason told.
    let conditional = tokens[..so]
        .iter()
        .any(|t| matches!(t.key.as_str(), "agar" | "if" | "अगर" | "yadi" | "यदि"));
    // "Gopi ka batua ghar reh gaya tha, isliye use 250 udhaar diya": the customer is named in
    // the reason, so it stays.
    let named = main.iter().any(|t| t.word == Word::Name);
    if books && named && !conditional {
        tokens.drain(..=so);
    }
}

/// "towards his pending amount", "against his running account", "for her old dues", "to clear
/// his balance": after a payment, what it paid is the payer's own account, in words that name
/// nothing else (a brother's udhaar or another bill is kept, and read as said).
fn own_account_named(tokens: &[Token<'_>], at: usize) -> bool {
    let key = |i: usize| tokens.get(i).map_or("", |t| t.key.as_str());
    let opener = match key(at) {
        "towards" | "against" | "for" => 1,
        "to" if matches!(key(at + 1), "clear" | "settle" | "close" | "reduce") => 2,
        _ => return false,
    };
    if !matches!(key(at + opener), "his" | "her" | "their") {
        return false;
    }
    let end = tokens[at..]
        .iter()
        .position(|t| t.word == Word::Sep)
        .map_or(tokens.len(), |p| at + p);
    end > at + opener + 1
        && (at + opener + 1..end).all(|i| {
            matches!(
                key(i),
                "account"
                    | "accounts"
                    | "dues"
                    | "due"
                    | "balance"
                    | "khata"
                    | "khaata"
                    | "udhaar"
                    | "udhar"
                    | "udhaari"
                    | "udhari"
                    | "credit"
                    | "pending"
                    | "amount"
                    | "old"
                    | "purana"
                    | "previous"
                    | "running"
                    | "monthly"
                    | "ration"
                    | "bill"
                    | "bills"
                    | "hisaab"
                    | "hisab"
                    | "outstanding"
                    | "baaki"
                    | "remaining"
                    | "last"
                    | "month's"
                    | "payment"
                    | "full"
                    | "entire"
                    | "whole"
                    | "total"
                    | "grocery"
                    | "kirana"
                    | "the"
            )
        })
}

/// Whether a bill's words say something its items cannot carry, or that it is no bill to make
/// now: made already ("bill ban gaya hai", "bill ho gaya", "is done", "bana diya hai"), later or
/// under a condition ("परसों बनाना", "chahiye ho to … bana dena"), left ("rehne do"), goods
/// given back ("तेल लौटा दिया, बिल बना दो"), a quantity not said ("kuch packet", "zara si
/// cheeni", "some rice", "a few packets", "2 kilo se zyada"), a price, discount or free item
/// ("10% discount", "20 रुपये छूट", "ek free", "20 rupee ones"), a container the units do not
/// know ("2 bori chawal", "3 thaili doodh"), or two customers ("Rahul aur Pappu ka bill").
/// Read as items, each became goods nobody sold, or a bill made twice; the bill is asked.
pub fn bill_unclear(tokens: &[Token<'_>]) -> bool {
    let key = |i: usize| tokens.get(i).map_or("", |t| t.key.as_str());
    let perfective = |k: &str| {
        matches!(
            k,
            "gaya"
                | "gayi"
                | "gai"
                | "gya"
                | "diya"
                | "di"
                | "chuka"
                | "chuki"
                | "गया"
                | "गई"
                | "दिया"
                | "दी"
                | "चुका"
        )
    };
    let made = (0..tokens.len()).any(|i| {
        // "ban gaya", "bana diya", "बन गया", "बना दिया", "bill ho gaya".
        (matches!(key(i), "ban" | "bana" | "bn" | "बन" | "बना") && perfective(key(i + 1)))
            || (matches!(key(i), "ho" | "हो") && perfective(key(i + 1)))
            || matches!(key(i), "done" | "made" | "ready" | "banaya" | "बनाया")
    });
    let later = (0..tokens.len()).any(|i| {
        (matches!(key(i), "banana" | "बनाना")
            && tokens
                .iter()
                .any(|t| matches!(t.word, Word::Day(_) | Word::Weekday(_))))
            || (matches!(key(i), "ho" | "हो") && matches!(key(i + 1), "to" | "toh" | "तो"))
            || (matches!(key(i), "rehne" | "rahne" | "रहने") && matches!(key(i + 1), "do" | "दो"))
    });
    let vague = (0..tokens.len()).any(|i| {
        matches!(
            key(i),
            "kuch"
                | "कुछ"
                | "some"
                | "few"
                | "bahut"
                | "बहुत"
                | "saare"
                | "sare"
                | "सारे"
                | "jitna"
                | "जितना"
                | "zyada"
                | "jyada"
                | "ज्यादा"
                | "thoda"
                | "thodi"
                | "थोडा"
                | "थोडी"
        ) || (matches!(key(i), "zara" | "jara" | "जरा")
            && matches!(key(i + 1), "si" | "sa" | "सी" | "सा"))
    });
    // A price is a currency beside a number; "abhi paise nahi diye" says no price.
    let priced = (0..tokens.len()).any(|i| {
        (tokens[i].word == Word::Currency
            && (i
                .checked_sub(1)
                .is_some_and(|b| tokens[b].word == Word::Number)
                || tokens.get(i + 1).is_some_and(|n| n.word == Word::Number)))
            || matches!(
                key(i),
                "discount"
                    | "chhoot"
                    | "chhut"
                    | "chut"
                    | "छूट"
                    | "free"
                    | "फ्री"
                    | "percent"
                    | "off"
            )
    });
    // "1 किलो चीनी की जगह 2 किलो चीनी", "2 kg instead of 1": an item corrected in the list.
    let corrected = tokens.iter().any(|t| {
        matches!(
            t.key.as_str(),
            "jagah" | "jageh" | "जगह" | "instead" | "badle" | "बदले"
        )
    });
    let container = tokens.iter().any(|t| {
        matches!(
            t.key.as_str(),
            "bori"
                | "boriya"
                | "बोरी"
                | "katta"
                | "कट्टा"
                | "thaili"
                | "थैली"
                | "strip"
                | "strips"
                | "tray"
                | "trays"
                | "patta"
                | "पत्ता"
                | "gaddi"
                | "गड्डी"
        )
    });
    let given_back = tokens.iter().any(|t| is_giving_back(&t.key))
        || (0..tokens.len()).any(|i| key(i) == "brought" && key(i + 1) == "back")
        || tokens
            .iter()
            .any(|t| matches!(t.key.as_str(), "return" | "returned" | "वापस"));
    // "Rahul aur Pappu ka bill", "bill for Anil and Priya": two customers, one bill.
    let two_customers = (2..tokens.len()).any(|i| {
        let pair = tokens[i - 2].word == Word::Name
            && matches!(key(i - 1), "aur" | "and" | "और" | "&")
            && tokens[i].word == Word::Name;
        let owns_the_bill = matches!(key(i + 1), "ka" | "ke" | "ki" | "का" | "के" | "की")
            && tokens.get(i + 2).is_some_and(|t| t.word == Word::Bill);
        let billed_for = i >= 3 && key(i - 3) == "for";
        pair && (owns_the_bill || billed_for)
    });
    made || later || vague || priced || corrected || container || given_back || two_customers
}

/// Whether the message states how a khata stands rather than something that happened: "Ravi ka
/// 500 jama hai" (has 500 deposited), "सीता के 300 जमा पड़े हैं", "Harish ka jama 600 hai", "Ravi
/// has 500 deposited with us", "Mohan has a credit balance of 300". "Sunil ke 1,750 jama hue"
/// (were deposited) and "jama kiye hain" tell an event and are booked.
pub fn states_a_standing(tokens: &[Token<'_>]) -> bool {
    let key = |i: usize| tokens.get(i).map_or("", |t| t.key.as_str());
    let is_now = |k: &str| {
        matches!(
            k,
            "hai"
                | "hain"
                | "h"
                | "है"
                | "हैं"
                | "pada"
                | "pade"
                | "padi"
                | "पडा"
                | "पडे"
                | "पडी"
        )
    };
    (0..tokens.len()).any(|i| {
        let deposited = matches!(key(i), "jama" | "जमा");
        // "jama hai", "jama pade hain"; "ka jama 600 hai".
        (deposited && is_now(key(i + 1)))
            || (deposited
                && tokens.get(i + 1).is_some_and(|t| t.word == Word::Number)
                && is_now(key(i + 2)))
            || (key(i) == "deposited" && key(i + 1) == "with")
            || (key(i) == "deposit" && matches!(key(i + 1), "with" | "is"))
            // "has a credit balance of 300"; "cleared his full balance of 1,320" pays it.
            || (key(i) == "balance"
                && matches!(key(i + 1), "of" | "is")
                && !tokens.iter().any(|t| t.word == Word::Pay))
    })
}

/// Whether the money told may not have arrived, or went back: "Suresh ne 700 GPay किया पर
/// pending है", "UPI fail ho gaya", "cheque bounce ho gaya", "bank ne Anil ka 1200 reverse kar
/// diya", "card declined". A payment beside such words is asked, never booked unasked.
pub fn payment_not_arrived(tokens: &[Token<'_>]) -> bool {
    // "pending hai", "pending dikha raha": the payment's state; "his pending 800", "pending
    // amount" are dues.
    let pending_state = (0..tokens.len()).any(|i| {
        matches!(tokens[i].key.as_str(), "pending" | "पेंडिंग")
            && tokens.get(i + 1).is_none_or(|n| {
                matches!(n.word, Word::Sep | Word::Aux)
                    || matches!(
                        n.key.as_str(),
                        "dikha"
                            | "dikh"
                            | "show"
                            | "shows"
                            | "status"
                            | "mein"
                            | "me"
                            | "दिखा"
                            | "में"
                    )
            })
    });
    pending_state
        || tokens.iter().any(|t| {
            matches!(
                t.key.as_str(),
                "fail"
                    | "failed"
                    | "failure"
                    | "declined"
                    | "decline"
                    | "bounce"
                    | "bounced"
                    | "reverse"
                    | "reversed"
                    | "reversal"
                    | "chargeback"
                    | "atka"
                    | "atak"
                    | "फेल"
                    | "बाउंस"
                    | "रिवर्स"
                    | "अटका"
            )
        })
}

/// Whether one payment is told with two ways of paying ("Pooja ne 500 diye, kuch cash kuch
/// GPay"): the contract's payment has one mode, and picking either is a guess.
pub fn modes_outnumber_payments(tokens: &[Token<'_>], payments: usize) -> bool {
    let mut modes: Vec<crate::money::PaymentMode> = Vec::new();
    for t in tokens {
        if let Word::Mode(mode) = t.word
            && !matches!(t.key.as_str(), "account" | "अकाउंट")
            && !modes.contains(&mode)
        {
            modes.push(mode);
        }
    }
    payments > 0 && modes.len() > payments
}

/// Whether the message says the merchant is unsure of what it tells: "Heera ne 500 diye, ya
/// Moti ne, yaad nahi", "pata nahi kisne diye", "not sure who paid", "Hope he pays the 500".
pub fn says_unsure(tokens: &[Token<'_>]) -> bool {
    let key = |i: usize| tokens.get(i).map_or("", |t| t.key.as_str());
    (0..tokens.len()).any(|i| {
        (matches!(key(i), "yaad" | "pata" | "याद" | "पता") && is_negation(key(i + 1)))
            || (key(i) == "not" && key(i + 1) == "sure")
            || (matches!(key(i), "don't" | "dont" | "do")
                && matches!(key(i + 1), "remember" | "know"))
            || (matches!(key(i), "hope" | "hopefully")
                && matches!(
                    key(i + 1),
                    "he" | "she" | "they" | "that" | "it" | "so" | "ki"
                ))
    })
}

/// Whether a payment's giver is never marked as the one who gave: "pooja ke liye 500 ka saman
/// diya" (for the puja), "For the puja, gave goods worth 500", "prem se 200 diye" (lovingly),
/// "sukh shanti se 500 de gaya". A name before "ke liye" or after "for" is who it was for, and
/// "se" with a verb of giving is how, not from whom ("Rahul se 500 mile" is from Rahul).
pub fn payer_unmarked(tokens: &[Token<'_>]) -> bool {
    let key = |i: usize| tokens.get(i).map_or("", |t| t.key.as_str());
    let named_giver = tokens.iter().any(|t| matches!(t.key.as_str(), "ne" | "ने"));
    let giving = |k: &str| {
        matches!(
            k,
            "diye"
                | "diya"
                | "di"
                | "de"
                | "dekar"
                | "gave"
                | "दिए"
                | "दिया"
                | "दी"
                | "दे"
                | "देकर"
        )
    };
    let receiving = tokens.iter().any(|t| {
        matches!(t.word, Word::Arrive | Word::Take)
            || matches!(
                t.key.as_str(),
                "liye" | "liya" | "mile" | "mila" | "लिए" | "लिया" | "मिले"
            )
    });
    // "Bill bana do Sunita ke liye", "200 udhaar for Chintu": bills and credit are for whom
    // they are written.
    let billed_or_credited = tokens
        .iter()
        .any(|t| matches!(t.word, Word::Bill | Word::Credit));
    let for_them = !billed_or_credited
        && (1..tokens.len()).any(|i| {
            (tokens[i - 1].word == Word::Name
                && matches!(key(i), "ke" | "के")
                && matches!(key(i + 1), "liye" | "lie" | "लिए"))
                || (key(i - 1) == "for"
                    && (tokens[i].word == Word::Name
                        || (key(i) == "the"
                            && tokens.get(i + 1).is_some_and(|n| n.word == Word::Name))))
        });
    let how = (1..tokens.len()).any(|i| {
        tokens[i - 1].word == Word::Name
            && matches!(key(i), "se" | "से")
            && tokens[i + 1..].iter().any(|t| giving(&t.key))
    });
    // "pooja ka saman 500 ka diya": goods given, by the shop, with no giver of money named.
    let goods_given = tokens.iter().any(|t| {
        matches!(
            t.key.as_str(),
            "saman" | "samaan" | "saaman" | "goods" | "items" | "सामान" | "राशन" | "rashan"
        )
    }) && tokens.iter().any(|t| giving(&t.key));
    !named_giver && (for_them || (how && !receiving) || goods_given)
}

/// Whether the one who paid or took is named only by a relation, a description or a title
/// that a khata cannot be told by: "Raju ka bhai 300 de gaya", "Sita ne apne bhai ka 300
/// chukaya", "naye kirayedar ne 1000 diye", "neeche wale uncle ka 700", "The tea stall guy
/// paid 150". The booking is asked: which khata it goes to is the merchant's to say.
pub fn person_unclear(tokens: &[Token<'_>]) -> bool {
    let relation = |k: &str| {
        matches!(
            k,
            "bhai"
                | "behen"
                | "bahen"
                | "beta"
                | "beti"
                | "bahu"
                | "papa"
                | "mummy"
                | "mummyji"
                | "maa"
                | "pitaji"
                | "biwi"
                | "wife"
                | "husband"
                | "pati"
                | "patni"
                | "son"
                | "daughter"
                | "brother"
                | "sister"
                | "mother"
                | "father"
                | "saas"
                | "sasur"
                | "devar"
                | "chacha"
                | "chachi"
                | "mama"
                | "mami"
                | "nana"
                | "nani"
                | "dada"
                | "dadi"
                | "bhabhi"
                | "dost"
                | "friend"
                | "naukar"
                | "driver"
                | "भाई"
                | "बहन"
                | "बेटा"
                | "बेटी"
                | "बहू"
                | "पापा"
                | "मम्मी"
                | "मां"
                | "पत्नी"
                | "पति"
                | "सास"
                | "ससुर"
                | "देवर"
                | "चाचा"
                | "चाची"
                | "मामा"
                | "मामी"
                | "भाभी"
                | "दोस्त"
        )
    };
    // Titles a name keeps its khata with ("Gupta aunty", "Mrs Kapoor", "Dr. Mehta", "Master
    // ji": the family's or the person's khata, as the contract strips honorifics) are no such
    // description; a tenant is one.
    let title = |k: &str| {
        matches!(
            k,
            "tenant"
                | "kirayedar"
                | "किरायेदार"
                | "guy"
                | "lady"
                | "aadmi"
                | "aurat"
                | "ladka"
                | "ladki"
                | "आदमी"
                | "औरत"
                | "लडका"
                | "लडकी"
        )
    };
    let key = |i: usize| tokens.get(i).map_or("", |t| t.key.as_str());
    (0..tokens.len()).any(|i| {
        let genitive = matches!(key(i), "ka" | "ki" | "ke" | "का" | "की" | "के");
        let own = matches!(key(i), "apne" | "apni" | "apna" | "अपने" | "अपनी" | "अपना");
        // "Raju ka bhai", "अपने भाई का": the relation of someone named, or of the payer.
        ((genitive && i > 0 && tokens[i - 1].word == Word::Name) || own)
            && relation(key(i + 1))
            // "the tea stall guy", "chai wala aadmi": a person told by what they sell. "chai
            // wale ne 60 diye" alone is the khata kept as "chai wala", read as such.
            || (matches!(key(i), "wale" | "wala" | "waale" | "vale" | "वाले" | "वाला")
                && i > 0
                && tokens[i - 1].word == Word::Name
                && title(key(i + 1)))
            || title(key(i))
            // "naye kirayedar", "neeche wale uncle", "bagal wali didi": told by where or when.
            || (matches!(
                key(i),
                "naye"
                    | "nayi"
                    | "naya"
                    | "neeche"
                    | "niche"
                    | "upar"
                    | "bagal"
                    | "saamne"
                    | "samne"
                    | "नए"
                    | "नई"
                    | "नया"
                    | "नीचे"
                    | "ऊपर"
                    | "बगल"
                    | "सामने"
            ) && tokens
                .get(i + 1)
                .is_some_and(|n| n.word == Word::Name || matches!(n.key.as_str(), "wale" | "wali" | "wala" | "वाले" | "वाली")))
    })
}

/// Drops the clauses after a booking that only ask for it to be written: "not entered yet, add
/// it", "I forgot to enter it, please add it now", "abhi tak likha nahi, likh do". They ask for
/// the booking said before them, and read on their own they look like a denial ("not") or a
/// report ("I forgot"). A request that is itself denied ("don't add it", "do not add it", "mat
/// likho") is never dropped.
pub fn drop_late_entry_requests(tokens: &mut Vec<Token<'_>>) {
    let past = |k: &str| {
        matches!(
            k,
            "entered"
                | "noted"
                | "written"
                | "added"
                | "recorded"
                | "updated"
                | "saved"
                | "likha"
                | "likhi"
                | "likhe"
                | "chadha"
                | "chadhaya"
                | "daala"
                | "dala"
                | "लिखा"
                | "चढा"
        )
    };
    let request = |k: &str| {
        matches!(
            k,
            "add"
                | "enter"
                | "note"
                | "write"
                | "record"
                | "put"
                | "likh"
                | "likho"
                | "daal"
                | "daalo"
                | "dal"
                | "dalo"
                | "chadha"
                | "chadhao"
                | "darj"
                | "लिखो"
                | "लिख"
                | "डाल"
                | "डालो"
                | "चढाओ"
        )
    };
    let allowed = |k: &str| {
        past(k)
            || request(k)
            || matches!(
                k,
                "not"
                    | "nahi"
                    | "nahin"
                    | "नहीं"
                    | "yet"
                    | "abhi"
                    | "tak"
                    | "अभी"
                    | "तक"
                    | "i"
                    | "forgot"
                    | "bhool"
                    | "bhul"
                    | "gaya"
                    | "gayi"
                    | "to"
                    | "it"
                    | "this"
                    | "that"
                    | "ise"
                    | "isko"
                    | "please"
                    | "pls"
                    | "plz"
                    | "kindly"
                    | "now"
                    | "do"
                    | "dijiye"
                    | "dena"
                    | "kar"
                    | "karo"
                    | "lo"
                    | "lijiye"
                    | "in"
                    | "the"
                    | "book"
                    | "khata"
                    | "khate"
                    | "mein"
                    | "me"
                    | "hai"
                    | "tha"
                    | "hua"
                    | "है"
                    | "था"
                    | "दो"
                    // "toh unki entry kar do", "so add it": the "so" that opens the request, and
                    // the one it is for.
                    | "toh"
                    | "तो"
                    | "so"
                    | "entry"
                    | "एंट्री"
                    | "unki"
                    | "uski"
                    | "iski"
                    | "unka"
                    | "uska"
                    | "iska"
                    | "usko"
                    | "unko"
                    | "wo"
                    | "woh"
                    | "vo"
                    | "ye"
                    | "yeh"
                    | "उसकी"
                    | "उनकी"
                    | "इसकी"
                    | "इसे"
                    | "उसे"
                    | "वो"
                    | "ये"
                    | "कर"
                    | "करो"
                    | "लो"
                    | "दीजिए"
                    | "kardo"
                    | "karde"
                    | "kr"
                    | "lena"
                    // "add to his account", "uske khate mein likh do": the account is the one
                    // whose booking was just said.
                    | "his"
                    | "her"
                    | "their"
                    | "account"
                    | "uske"
                    | "unke"
                    | "iske"
                    | "उसके"
                    | "उनके"
                    | "खाते"
                    | "खाता"
                    | "में"
                    | "mai"
                    | "main"
            )
    };
    // The clauses, as (start, where the message is cut to drop it): after a separator, or from
    // a "toh"/"so" that opens a clause ("… 250 diye toh unki entry kar do").
    // A "toh" after a condition ("Rahul 800 de toh likh dena") is "then", and stays: only after
    // a giver marked with "ne", whose payment is done, is it "so".
    let mut starts = vec![(0, 0)];
    let mut giver_named = false;
    for (i, token) in tokens.iter().enumerate() {
        if token.word == Word::Sep {
            starts.push((i + 1, i));
        } else if i > 0
            && (token.key == "so" || (giver_named && matches!(token.key.as_str(), "toh" | "तो")))
        {
            starts.push((i, i));
        }
        giver_named |= matches!(token.key.as_str(), "ne" | "ने");
    }
    // Only trailing clauses, after a clause that is a booking's (a number in it), and only when
    // they ask for the writing somewhere.
    let mut cut = tokens.len();
    let mut asks = false;
    for &(start, cut_at) in starts.iter().skip(1).rev() {
        if start > cut {
            continue;
        }
        let keys: Vec<&str> = tokens[start..cut].iter().map(|t| t.key.as_str()).collect();
        let every_word = !keys.is_empty() && keys.iter().all(|k| allowed(k));
        // A denial must be of the writing done ("not entered", "likha nahi"), never of the
        // request ("do not add"; "don't", "mat" are no allowed words).
        let denials_of_the_past = (0..keys.len()).all(|i| {
            !is_negation(keys[i])
                || keys
                    .get(i + 1..)
                    .and_then(|rest| rest.iter().find(|k| !matches!(**k, "yet" | "been")))
                    .is_some_and(|k| past(k))
                || (i > 0 && past(keys[i - 1]))
        });
        if !(every_word && denials_of_the_past) {
            break;
        }
        asks |= keys
            .iter()
            .any(|k| request(k) || matches!(*k, "entry" | "एंट्री"));
        cut = cut_at;
    }
    // The booking said before keeps its own verb ("Ankit paid 1,800"); in "rekha ke naam 300
    // aur likh do" the request is the verb, and stays.
    // Credit keeps its request: "Pradeep ka 80 ka udhaar hai, likh lo" is a debt stated, which
    // the request makes a booking.
    let booked_before = |t: &Token<'_>| {
        matches!(
            t.word,
            Word::Pay | Word::Arrive | Word::Take | Word::Mode(_)
        )
    };

    // With "already" before ("Neeraj already paid 500 today, please add it") the request stays
    // beside it: it tells the guard that "already" is of the paying, not of the writing.
    if asks
        && cut < tokens.len()
        && tokens[..cut].iter().any(|t| t.word == Word::Number)
        && tokens[..cut].iter().any(booked_before)
        && !tokens[..cut]
            .iter()
            .any(|t| is_already_word(&t.key) && t.key != "earlier")
    {
        tokens.truncate(cut);
    }
}

/// A request to write it now: "entry kar do", "please add it", "likh lo", "note karo", "add it".
fn asks_to_write(tokens: &[Token<'_>], keys: &[&str]) -> bool {
    (0..tokens.len()).any(|i| {
        let next = keys.get(i + 1).copied();
        is_writing(&tokens[i])
            && !(i > 0 && is_negation(keys[i - 1]))
            && match next {
                Some("kar") => matches!(
                    keys.get(i + 2).copied(),
                    Some("do" | "dena" | "lo" | "dijiye")
                ),
                Some("karo" | "kardo" | "lo" | "lijiye" | "do" | "dijiye") => true,
                Some("it" | "this" | "that" | "now") | None => {
                    matches!(keys[i], "add" | "enter" | "note" | "write" | "record")
                }
                _ => false,
            }
    })
}

/// "Kamal 500 updated", "Neelam 300 ✅ khata updated", "Sapna 250 entered": the English
/// participle of writing with nothing asking for it reports the writing done. "please add Kamal
/// 500", "Kamal 500 add kar do" ask.
fn reported_by_participle(tokens: &[Token<'_>], keys: &[&str]) -> bool {
    let participle = keys.iter().any(|k| {
        matches!(
            *k,
            "updated" | "entered" | "noted" | "recorded" | "logged" | "added" | "saved" | "written"
        )
    });
    let request = asks_to_write(tokens, keys)
        || keys.iter().any(|k| {
            matches!(
                *k,
                "please" | "pls" | "plz" | "kindly" | "karo" | "kardo" | "kijiye" | "dijiye" | "do"
            )
        });
    participle && !request
}

/// "Fatima's 400 cash entry is there from yesterday", "there is an entry of 400 for Fatima",
/// "Fatima's 400 is in the book", "the 400 entry exists", "it is showing in the khata": the
/// English statement that the money is already in the books. "is there any entry for Fatima"
/// opens with its verb and asks; "please add Fatima's 400, it is not there" asks to write.
fn said_to_be_in_the_books(tokens: &[Token<'_>], keys: &[&str]) -> bool {
    let key = |i: usize| keys.get(i).copied().unwrap_or("");
    let being = |k: &str| matches!(k, "is" | "are" | "was" | "were");
    let opening = tokens
        .iter()
        .position(|t| !matches!(t.word, Word::Filler | Word::Sep));
    // "is there …?" and "are you sure it is there" open with the verb: a question.
    let question_order = opening.is_some_and(|o| being(key(o)));
    let book_word = |b: usize| {
        tokens[b].word == Word::Ledger
            || matches!(
                key(b),
                "book"
                    | "books"
                    | "khata"
                    | "khate"
                    | "khaata"
                    | "system"
                    | "ledger"
                    | "register"
                    | "records"
                    | "record"
                    | "app"
                    | "list"
                    | "diary"
                    | "bahi"
                    | "account"
            )
    };
    let there = (1..keys.len()).any(|i| {
        (being(key(i - 1)) && key(i) == "there") || (key(i - 1) == "there" && being(key(i)))
    });
    // "is in the book", "are on the khata", "is already in my ledger".
    let in_the_books = (0..keys.len()).any(|i| {
        being(key(i))
            && (i + 1..(i + 3).min(keys.len())).any(|p| {
                matches!(key(p), "in" | "on") && (p + 1..(p + 4).min(keys.len())).any(book_word)
            })
    });
    let shown = keys.iter().any(|k| {
        matches!(
            *k,
            "exists" | "exist" | "showing" | "shows" | "reflecting" | "reflects"
        )
    });
    !question_order && !asks_to_write(tokens, keys) && (there || in_the_books || shown)
}

/// English past forms that "the" may follow as an article ("paid the 500", "cleared the dues").
fn is_english_past(key: &str) -> bool {
    key.is_ascii()
        && (key.ends_with("ed")
            || matches!(
                key,
                "paid" | "gave" | "given" | "got" | "sent" | "put" | "took" | "made" | "wrote"
            ))
}

/// A verb of writing into the books, whatever word it is said with: "likh", "note", "entry",
/// "add", "save", "darj", "chadh" (intransitive of "chadha"), "एंट्री", "दर्ज", "नोट".
fn is_writing(token: &Token<'_>) -> bool {
    token.word == Word::Write
        || matches!(
            token.key.as_str(),
            "entry"
                | "entri"
                | "add"
                | "added"
                | "save"
                | "saved"
                | "darj"
                | "daraj"
                | "chadh"
                | "chad"
                | "update"
                // "hisaab mein jod diya", "jud gaye", "जुड़ चुके हैं": added to the account, and
                // (intransitive) got added.
                | "jod"
                | "jode"
                | "joda"
                | "jodi"
                | "jud"
                | "judd"
                | "jude"
                | "juda"
                | "judi"
                | "जोड"
                | "जोडे"
                | "जोडा"
                | "जोडी"
                | "जुड"
                | "जुडे"
                | "जुडा"
                | "जुडी"
                | "एंट्री"
                | "ऐड"
                | "सेव"
                | "दर्ज"
                | "नोट"
                | "चढ"
                | "चढा"
        )
}

/// "note kar liya", "entry kar di hai", "add kar diya", "save ho gaya", "चढ़ गया", "नोट हो
/// गया": a verb of writing in the perfective (with or without "kar"/"ho" between) tells that the
/// writing is done; the request is "note kar lo", "entry kar do", "likh dijiye". Paying verbs are
/// not writing: "Rahul ne 500 jama kar diye" is a payment.
/// Particles, the doer and when may stand between the noun of writing and its verb: "entry to
/// maine subah hi kar li", "note bhi kal kar liya tha".
fn written_in_perfective(tokens: &[Token<'_>], keys: &[&str]) -> bool {
    (0..tokens.len()).any(|w| {
        if !is_writing(&tokens[w]) {
            return false;
        }
        let mut at = w + 1;
        while at < tokens.len() && at <= w + 5 && between_writing_and_its_verb(&tokens[at]) {
            at += 1;
        }
        let helper = keys.get(at).copied().unwrap_or("");
        if matches!(helper, "kar" | "kr" | "कर" | "ho" | "हो") {
            at += 1;
        }
        let Some(done) = keys.get(at).copied() else {
            return false;
        };
        let given = matches!(
            done,
            "diya" | "diye" | "di" | "dia" | "दिया" | "दिए" | "दी" | "दिये"
        ) && !matches!(helper, "ho" | "हो");
        let taken = matches!(
            done,
            "liya" | "liye" | "li" | "lia" | "लिया" | "लिए" | "ली" | "लिये"
        ) && !matches!(helper, "ho" | "हो");
        let became = matches!(
            done,
            "gaya" | "gayi" | "gaye" | "gya" | "gyi" | "gye" | "gai" | "गया" | "गई" | "गए" | "गये"
        );
        given || taken || became
    })
}

/// What may stand between a noun of writing and its verb without changing who writes or when
/// it is asked for: a particle ("to", "bhi", "hi"), the merchant ("maine"), a time ("subah",
/// "kal", "abhi").
fn between_writing_and_its_verb(token: &Token<'_>) -> bool {
    matches!(
        token.word,
        Word::Filler | Word::Day(_) | Word::PartOfDay(_) | Word::Weekday(_)
    ) || is_first_person(&token.key)
        || matches!(
            token.key.as_str(),
            "to" | "toh"
                | "tou"
                | "bhi"
                | "hi"
                | "abhi"
                | "already"
                | "pehle"
                | "pahle"
                | "तो"
                | "भी"
                | "ही"
                | "अभी"
                | "पहले"
        )
}

/// "ho gaye the", "हो गए थे": the pluperfect of happening, wherever the verb stands ("दीपक के
/// 800 हो गए थे जमा"), tells of something done before, not something to write now.
fn happened_before(keys: &[&str]) -> bool {
    // "bill yesterday hi bana", "परसों ही बन गया": made on a day gone, that very day.
    let made_that_day = keys.windows(3).any(|w| {
        matches!(
            w[0],
            "yesterday" | "parson" | "parso" | "parsoon" | "परसों" | "परसो"
        ) && matches!(w[1], "hi" | "ही")
            && matches!(
                w[2],
                "bana" | "bani" | "bane" | "banaya" | "ban" | "बना" | "बनी" | "बन" | "बनाया"
            )
    });
    made_that_day
        || keys.windows(3).any(|w| {
            matches!(w[0], "ho" | "हो")
                && matches!(
                    w[1],
                    "gaya"
                        | "gayi"
                        | "gaye"
                        | "gya"
                        | "gyi"
                        | "gye"
                        | "gai"
                        | "गया"
                        | "गई"
                        | "गए"
                        | "गये"
                )
                && matches!(w[2], "tha" | "thi" | "the" | "था" | "थी" | "थे")
        })
}

/// "baaki kal dega", "rest later", "bacha hua next week", "बाकी कल देगा": after a payment, a
/// clause that only says when the rest will come. It is part of the payment (the rest is not
/// paid, so nothing else is booked) and asks nothing. It names no one and no verb but a future
/// one; an amount of the rest may be said ("baaki 100 kal dega").
pub fn rest_promised(tokens: &[Token<'_>]) -> bool {
    let rest = |k: &str| {
        matches!(
            k,
            "baaki"
                | "baki"
                | "baqi"
                | "बाकी"
                | "rest"
                | "remaining"
                | "bacha"
                | "bache"
                | "bachi"
                | "बचा"
                | "बचे"
                | "बची"
        )
    };
    let later = |t: &Token<'_>| {
        is_future_verb(&t.key)
            || is_promise_word(&t.key)
            || matches!(
                t.word,
                Word::Day(_)
                    | Word::Weekday(_)
                    | Word::PartOfDay(_)
                    | Word::Next
                    | Word::Week
                    | Word::Month
                    | Word::After
            )
    };
    let numbers = tokens.iter().filter(|t| t.word == Word::Number).count();
    tokens.iter().any(|t| rest(&t.key))
        && tokens.iter().any(later)
        && numbers <= 1
        && tokens.iter().all(|t| {
            rest(&t.key)
                || later(t)
                || matches!(
                    t.word,
                    Word::Number
                        | Word::Currency
                        | Word::Filler
                        | Word::Aux
                        | Word::Marker
                        | Word::Left
                        | Word::Balance
                        | Word::Pronoun
                        | Word::Honorific
                )
                || matches!(t.key.as_str(), "he" | "she" | "will" | "woh" | "वो" | "वह")
        })
}

/// "kal dega", "agle hafte dega", "will pay tomorrow", "he'll pay next week", "राहुल कल देगा":
/// after credit is written, a clause that only says when the customer will pay it back. That is
/// what credit is, so it is part of the credit and asks nothing. It names no one but a pronoun,
/// says no amount, and holds a verb of the future or a promise.
pub fn repayment_promised(tokens: &[Token<'_>]) -> bool {
    let promise = |t: &Token<'_>| {
        is_future_verb(&t.key)
            || is_promise_word(&t.key)
            || matches!(
                t.key.as_str(),
                "he'll" | "she'll" | "they'll" | "wala" | "wali" | "wale"
            )
    };
    let time = |t: &Token<'_>| {
        matches!(
            t.word,
            Word::Day(_)
                | Word::Weekday(_)
                | Word::PartOfDay(_)
                | Word::Next
                | Word::Week
                | Word::Month
                | Word::After
                | Word::DaySpan
                | Word::MonthName(_)
                | Word::Tarikh
        )
    };
    let repaying = |t: &Token<'_>| {
        matches!(
            t.key.as_str(),
            "pay" | "return" | "clear" | "give" | "settle" | "chuka" | "chukayega" | "lautayega"
        )
    };
    tokens.iter().any(promise)
        && tokens.iter().all(|t| {
            promise(t)
                || time(t)
                || repaying(t)
                || matches!(
                    t.word,
                    Word::Filler
                        | Word::Aux
                        | Word::Marker
                        | Word::Pronoun
                        | Word::Honorific
                        | Word::Currency
                )
                || (t.word == Word::Pay && is_future_verb(&t.key))
                || matches!(
                    t.key.as_str(),
                    "he" | "she" | "they" | "woh" | "wo" | "vo" | "वो" | "वह" | "it" | "back"
                )
        })
}

/// "not paid yet", "abhi paise nahi diye", "payment pending", "पैसे नहीं दिए": after a bill or
/// credit, a clause saying it is not paid yet, which is what a bill on credit is.
pub fn unpaid_yet(tokens: &[Token<'_>]) -> bool {
    let unpaid = |k: &str| matches!(k, "unpaid" | "pending" | "baaki" | "baki" | "बाकी");
    let paying = tokens.iter().any(|t| t.word == Word::Pay || unpaid(&t.key));
    let denied = tokens
        .iter()
        .enumerate()
        .any(|(i, t)| negates(tokens, i) || unpaid(&t.key));
    paying
        && denied
        && tokens.iter().enumerate().all(|(i, t)| {
            negates(tokens, i)
                || unpaid(&t.key)
                || matches!(
                    t.word,
                    Word::Pay
                        | Word::Currency
                        | Word::Filler
                        | Word::Aux
                        | Word::Marker
                        | Word::Pronoun
                        | Word::Credit
                        | Word::Cancel
                        | Word::Balance
                )
                || matches!(
                    t.key.as_str(),
                    "he" | "she" | "they" | "yet" | "abhi" | "wo" | "woh"
                )
        })
}

/// Credit written or taken in so many words: a verb of writing, adding, taking or giving.
pub fn credit_given(tokens: &[Token<'_>]) -> bool {
    (0..tokens.len()).any(|i| {
        matches!(
            tokens[i].word,
            Word::Write | Word::New | Word::Take | Word::Pay
        ) || (matches!(tokens[i].key.as_str(), "liye" | "लिए" | "लिये")
            // "udhaar liye" took; "ke liye" is for.
            && i.checked_sub(1)
                .is_some_and(|p| !matches!(tokens[p].key.as_str(), "ke" | "के")))
    })
}

/// The role of a word that only says a message is not a booking, when the lexicon has none for it:
/// future forms of "de" (give) still read as paying, so the clause is read and then refused; the
/// rest are kept out of names.
pub fn doubt_role(key: &str) -> Option<Word> {
    if matches!(
        key,
        "dega"
            | "degi"
            | "denge"
            | "dengi"
            | "dunga"
            | "dungi"
            | "doonga"
            | "doongi"
            | "dene"
            | "dedega"
            | "dedegi"
            | "देगा"
            | "देगी"
            | "देंगे"
            | "दूंगा"
            | "दूंगी"
            | "देने"
    ) {
        return Some(Word::Pay);
    }
    let doubt = is_negation(key)
        || is_question_word(key)
        || is_future_verb(key)
        || is_promise_word(key)
        || is_hypothetical_word(key)
        || is_already_word(key)
        || is_first_person(key)
        || is_giving_back(key)
        || is_alternative(key)
        || is_retraction(key)
        || is_approximation(key)
        || matches!(
            key,
            "jagah"
                | "jageh"
                | "jaga"
                | "badle"
                | "bajaye"
                | "bajay"
                | "जगह"
                | "बदले"
                | "बजाय"
                | "instead"
                | "balki"
                | "बल्कि"
                | "refunded"
                | "out"
                | "once"
        );
    doubt.then_some(Word::Aux)
}

fn is_alternative(key: &str) -> bool {
    matches!(
        key,
        "ya" | "or" | "या" | "athva" | "athwa" | "athawa" | "अथवा" | "to" | "se" | "से"
    )
}

/// An amount that cannot be read as one: a range or alternative (`2-3 sau`, `200 ya 300`),
/// digits split by a space (`1 500`), a minus sign, a scale word said twice (`crore crore`).
pub fn unclear_amount(text: &str, tokens: &[Token<'_>]) -> bool {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // "500+": at least 500. ("+91 98450 …" puts the plus before the digits.)
        if c == '+'
            && i.checked_sub(1)
                .and_then(|p| chars.get(p))
                .is_some_and(|c| c.is_ascii_digit() || is_devanagari_digit(*c))
            && !chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())
        {
            return true;
        }
        if !matches!(c, '-' | '–' | '—' | '−' | '~' | '/') {
            continue;
        }
        let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
        let after = chars[i + 1..].iter().find(|c| !c.is_whitespace());
        let digit_after = after.is_some_and(|c| c.is_ascii_digit() || is_devanagari_digit(*c));
        let digit_before = before.is_some_and(|c| c.is_ascii_digit() || is_devanagari_digit(*c));
        // "/-" after an amount is the written rupee ending, not a range.
        if c == '/' && !digit_after {
            continue;
        }
        let glued_to_word = i
            .checked_sub(1)
            .and_then(|p| chars.get(p))
            .is_some_and(|c| c.is_alphanumeric());
        if digit_after && (digit_before || (c != '/' && !glued_to_word)) {
            // "2-3", "200/300", "-500", "₹ -500".
            return true;
        }
    }
    if tokens.iter().any(|t| t.word == Word::Number) && compares_or_spans(tokens) {
        return true;
    }
    let mut previous_mult: Option<i64> = None;
    // The last scale word of the number being read: "1 lakh 1 lakh" and "sau do sau" repeat it.
    let mut run_scale: Option<i64> = None;
    for (i, token) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1);
        if token.word == Word::Number && token.is_numeral() && !grouped_well(token.text) {
            return true;
        }
        // "1.500" is 1500 written the European way, or 1.5: rupees have two decimals at most.
        // A quantity may have three ("2.500 kg").
        if token.word == Word::Number
            && token.is_numeral()
            && token
                .key
                .split_once('.')
                .is_some_and(|(_, fraction)| fraction.len() >= 3)
            && !next.is_some_and(|n| matches!(n.word, Word::Unit(_)))
        {
            return true;
        }
        if token.word != Word::Number {
            run_scale = None;
        } else if let Some(NumWord::Mult(factor)) = number_word(&token.key)
            && factor >= 100
        {
            if run_scale.is_some_and(|before| factor >= before) {
                return true;
            }
            run_scale = Some(factor);
        }
        // "500 hundred", "2000 hazaar": a scale word after digits already as large as it.
        if token.word == Word::Number
            && token.is_numeral()
            && let Some(n) = next
            && let Some(NumWord::Mult(factor)) = number_word(&n.key)
            && token.key.parse::<f64>().is_ok_and(|v| v >= factor as f64)
        {
            return true;
        }
        // "1 500": digits split by a space. "2 5 kg" counts items of a size, not money.
        if token.word == Word::Number
            && token.is_numeral()
            && next.is_some_and(|n| n.word == Word::Number && n.is_numeral())
            && !tokens
                .get(i + 2)
                .is_some_and(|t| matches!(t.word, Word::Unit(_)))
        {
            return true;
        }
        // A number, a word of choice, a number: "200 ya 300", "do ya teen sau", "200 to 300".
        if token.word == Word::Number
            && next.is_some_and(|n| is_alternative(&n.key))
            && tokens.get(i + 2).is_some_and(|n| n.word == Word::Number)
            && read_number(tokens, i).is_some_and(|n| n.end == i + 1)
        {
            return true;
        }
        let mult = (token.word == Word::Number)
            .then(|| number_word(&token.key))
            .flatten()
            .and_then(|w| match w {
                NumWord::Mult(factor) => Some(factor),
                _ => None,
            });
        if let (Some(factor), Some(before)) = (mult, previous_mult)
            && factor <= before
        {
            return true;
        }
        previous_mult = mult;
    }
    false
}

/// Words that put an amount between two others or on one side of it: "200 aur 300 ke beech",
/// "between 200 and 300", "500 se zyada", "500 ke upar", "more than 500", "at least 500",
/// "do-teen sau" (number words joined by a hyphen or slash). The amount paid is not known.
fn compares_or_spans(tokens: &[Token<'_>]) -> bool {
    let key = |i: usize| tokens.get(i).map_or("", |t| t.key.as_str());
    let number = |i: usize| tokens.get(i).is_some_and(|t| t.word == Word::Number);
    (0..tokens.len()).any(|i| {
        let between = matches!(
            key(i),
            "between" | "beech" | "bich" | "beach" | "darmiyan" | "बीच" | "दरमियान"
        );
        // "500 se zyada", "500 ke upar", "पांच सौ से ज्यादा": a bound, not an amount.
        let bound_after = number(i)
            && matches!(key(i + 1), "se" | "ke" | "से" | "के")
            && matches!(
                key(i + 2),
                "zyada"
                    | "jyada"
                    | "jada"
                    | "zada"
                    | "adhik"
                    | "upar"
                    | "kam"
                    | "neeche"
                    | "niche"
                    | "ज्यादा"
                    | "जादा"
                    | "अधिक"
                    | "ऊपर"
                    | "कम"
                    | "नीचे"
            );
        // "handed over 500" gives, it does not bound.
        let handed = matches!(key(i.wrapping_sub(1)), "handed" | "hand" | "hands");
        let bound_before = number(i + 1)
            && !handed
            && (matches!(
                key(i),
                "over" | "under" | "above" | "below" | "upto" | "atleast" | "minimum" | "maximum"
            ) || (matches!(key(i), "than" | "least")
                && matches!(key(i.wrapping_sub(1)), "more" | "less" | "at" | "fewer"))
                || (key(i) == "to" && key(i.wrapping_sub(1)) == "up"));
        let joined_words = tokens[i].key.contains(['-', '/'])
            && tokens[i]
                .key
                .split(['-', '/'])
                .all(|part| number_word(part).is_some());
        between || bound_after || bound_before || joined_words
    })
}

/// Two number words in a row that do not make one number, as a spoken range: "do teen sau",
/// "teen-char hazaar" said as words, "दो तीन सौ", "paanch saat sau". (English "twenty five" is read
/// as one number, so it is not a range.) Read after `rules::disambiguate`, which has made verbs of
/// "do" in "bana do ek kilo".
pub fn counted_alternative(tokens: &[Token<'_>]) -> bool {
    let small = |t: &Token<'_>| {
        t.word == Word::Number
            && !t.is_numeral()
            && matches!(number_word(&t.key), Some(NumWord::Small(_)))
    };
    (1..tokens.len()).any(|i| {
        small(&tokens[i - 1])
            && small(&tokens[i])
            && read_number(tokens, i - 1).is_some_and(|n| n.end == i)
    })
}

/// Grouping commas as written in India (`1,23,456`) or the West (`123,456`): three digits after
/// the last comma, two or three between. `5,00` is no amount anyone writes.
fn grouped_well(text: &str) -> bool {
    let whole = text.split(['.', ':']).next().unwrap_or(text);
    let mut groups = whole.split(',');
    let Some(first) = groups.next() else {
        return true;
    };
    let rest: Vec<&str> = groups.collect();
    let Some((last, middle)) = rest.split_last() else {
        return true;
    };
    let digits = |g: &str| g.chars().count();
    (1..=3).contains(&digits(first))
        && digits(last) == 3
        && middle.iter().all(|g| (2..=3).contains(&digits(g)))
}

/// Words that take back the amount before them: "300 nahi, 200", "500 ki jagah 400".
fn takes_back(tokens: &[Token<'_>], at: usize) -> Option<usize> {
    let key = |i: usize| tokens.get(i).map(|t| t.key.as_str());
    let mut i = at;
    if matches!(key(i), Some("ki" | "ke" | "का" | "की" | "के")) {
        i += 1;
    }
    let word = key(i)?;
    let taken = matches!(
        word,
        "jagah" | "jageh" | "jaga" | "badle" | "bajaye" | "bajay" | "जगह" | "बदले" | "बजाय"
    ) || (i == at
        && matches!(
            word,
            "nahi" | "nahin" | "nhi" | "nai" | "na" | "नहीं" | "नही" | "ना"
        ));
    let partial = i == at
        && matches!(word, "mein" | "me" | "main" | "में" | "मे")
        && matches!(key(i + 1), Some("se" | "से"));
    if !(taken || partial) {
        return None;
    }
    let mut j = i + 1 + usize::from(partial);
    while tokens.get(j).is_some_and(|t| {
        t.is_comma() || matches!(t.key.as_str(), "balki" | "but" | "बल्कि" | "sirf" | "only")
    }) {
        j += 1;
    }
    (tokens.get(j)?.word == Word::Number).then_some(j)
}

/// "Moti ne 90, sorry 95 diye", "अनीता ने 250 दिए, माफ़ करना 300 दिए": the amount before a
/// retraction word is dropped with the words up to the amount after it, when only verbs, fillers
/// and breaks stand between. Any retraction word makes the reading a guess (returns true).
fn retract(tokens: &mut Vec<Token<'_>>) -> bool {
    let Some(said) = tokens.iter().position(|t| is_retraction(&t.key)) else {
        return false;
    };
    let filler = |t: &Token<'_>| {
        !matches!(t.word, Word::Name | Word::Number | Word::Pronoun) && !is_retraction(&t.key)
    };
    let before = tokens[..said]
        .iter()
        .rposition(|t| !filler(t))
        .filter(|&b| tokens[b].word == Word::Number);
    let after = tokens[said + 1..]
        .iter()
        .position(|t| !filler(t))
        .map(|a| said + 1 + a)
        .filter(|&a| tokens[a].word == Word::Number);
    if let (Some(before), Some(after)) = (before, after) {
        // The start of the number that ends at `before` ("dhai sau" is two words).
        let start = (0..=before)
            .rev()
            .take_while(|&k| tokens[k].word == Word::Number)
            .last()
            .unwrap_or(before);
        tokens.drain(start..after);
    }
    true
}

/// Removes amounts the merchant took back or only mentioned as the whole ("300 nahi, 200 diye",
/// "500 ki jagah 400", "500 mein se 200", "200, not 300", "200 instead of 300"), so the meant
/// amount is read once. Returns whether anything was removed: the reading is then a guess.
pub fn apply_corrections(tokens: &mut Vec<Token<'_>>) -> bool {
    let mut changed = retract(tokens);
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].word != Word::Number {
            i += 1;
            continue;
        }
        let Some(number) = read_number(tokens, i) else {
            i += 1;
            continue;
        };
        if let Some(meant) = takes_back(tokens, number.end) {
            tokens.drain(i..meant);
            changed = true;
            continue;
        }
        // English puts the taken-back amount after: "200, not 300", "200 instead of 300", "200 out of 500".
        let mut j = number.end;
        while tokens.get(j).is_some_and(Token::is_comma) {
            j += 1;
        }
        let key = |k: usize| tokens.get(k).map(|t| t.key.as_str());
        let skip = match (key(j), key(j + 1)) {
            (Some("not"), _) => Some(1),
            (Some("instead" | "out"), Some("of")) => Some(2),
            _ => None,
        };
        if let Some(skip) = skip
            && tokens.get(j + skip).is_some_and(|t| t.word == Word::Number)
            && let Some(wrong) = read_number(tokens, j + skip)
        {
            tokens.drain(number.end..wrong.end);
            changed = true;
        }
        i = number.end;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::tokens::tokenize;

    fn said(text: &str) -> Option<NotBooked> {
        meaning(&tokenize(text), text.contains('?'))
    }

    #[test]
    fn each_family_is_recognised_in_every_script_and_position() {
        for text in [
            "Suresh ne 500 nahi diye",
            "Suresh ne 500 nahin diye",
            "nahi diye Suresh ne 500",
            "Suresh ne 500 diye na",
            "सुरेश ने 500 नहीं दिए",
            "Suresh didn't pay 500",
            "Suresh did not pay 500",
            "Suresh never paid 500",
            "Priya ka 300 udhaar mat likhna",
            "प्रिया का 300 उधार मत लिखो",
        ] {
            assert!(
                matches!(said(text), Some(NotBooked::Negation | NotBooked::Question)),
                "{text}"
            );
        }
        for text in [
            "did Imran pay 400",
            "Imran ne 400 diye kya",
            "Imran ne 400 diye ya nahi",
            "इमरान ने 400 दिए क्या",
            "has Imran paid 400",
        ] {
            assert_eq!(said(text), Some(NotBooked::Question), "{text}");
        }
        assert_eq!(said("Imran ne 400 diye?"), Some(NotBooked::Question));
        for text in [
            "Prakash kal 250 dega",
            "Prakash 250 degi",
            "Prakash will pay 250 next week",
            "Prakash 250 dene wala hai",
            "प्रकाश 250 देगा",
            "Prakash 250 jama karenge",
            "Prakash ne kaha hai 250 de dega",
            "Prakash wants to pay 250",
            "Prakash should pay 250",
            "Prakash has to pay 250",
            "Prakash claims he paid 250",
        ] {
            assert_eq!(said(text), Some(NotBooked::Promise), "{text}");
        }
        for text in [
            "maan lo Rahul ne 500 diye",
            "मान लीजिए प्रिया ने ढाई सौ दिए",
            "agar Rahul 500 de to likhna",
            "अगर राहुल 500 दे",
            "if Rahul pays 500",
        ] {
            assert_eq!(said(text), Some(NotBooked::Hypothetical), "{text}");
        }
        for text in [
            "Rahul ka 500 udhaar pehle hi likh diya",
            "Rahul's 500 is already written",
            "Rahul ka 500 udhaar likh diya tha",
            "Rahul ka 400 ka payment kal hi entry kar diya tha",
            "Deepu ke 150 ki entry to maine subah hi kar li",
            "Sonu ke 300 ki entry maine abhi kar di",
            "Pinky ka 200 note bhi kal kar liya tha",
            "राहुल के 500 की एंट्री तो मैंने सुबह ही कर दी",
            "Rahul ne 500 diye the",
            "राहुल ने 500 दिए थे",
            "Rahul 500 de chuka hai",
            "Rahul ka 500 likh chuka hoon",
            "राहुल का 500 पहले ही लिख दिया",
        ] {
            assert_eq!(said(text), Some(NotBooked::AlreadyWritten), "{text}");
        }
        for text in [
            "maine Rahul ko 500 diye",
            "Rahul ko 500 wapas kiye",
            "I paid Rahul 500",
            "handed Ravi 600 from the cash box",
            "hand Ravi 600 back",
            "dukaan ka kiraya 8000 diya",
            "किराया 8000 दे दिया",
            "light bill 1450 jama kar diya",
            "paani ka bill 300 bhar diya",
            "GST ke 4200 bhar diye",
            "anda wale ko 720 diye",
            "Rahul wale ko 720 diye",
            "थोक वाले को 8000 भेज दिए",
            "sabzi mandi me 1800 diye aaj",
            "took 1,500 from the cash box for home",
            "ghar ke liye 2000 nikale galle se",
            "Raju helper ko 3000 salary di",
            "मैंने राहुल को 500 लौटाए",
            "Rahul ko 500 refund kiya",
            "Rahul ka 500 wapas kar diya",
        ] {
            assert_eq!(said(text), Some(NotBooked::MoneyPaidOut), "{text}");
        }
        for text in [
            "Rahul ne 500 diye",
            "Rahul ne 500 chuka diye",
            "Rahul paid the 500",
            "Rahul paid the 500 that he owed",
            "Rahul ne 200 diye kyunki woh aaya tha",
            "जावेद ने 1800 रुपये चुका दिए",
            "Rahul ne 500 wapas kiye",
            "Rahul ke khate mein 300 likho",
            "Deepu ke 150 ki entry to kar do",
            "Sonu ke 300 ki entry abhi kar do",
            "Pinky ka 200 note bhi kar lo",
            "Ravi handed me 600",
            "Ravi handed over 600 for his udhaar",
            "chai wale ne 60 diye",
            "anda wale ko 720 udhaar diye",
            "Rahul ne kiraye ke 500 diye",
            "Rahul ka gas ka bill bana do 900",
        ] {
            assert_eq!(said(text), None, "{text}");
        }
    }

    #[test]
    fn rough_amounts_are_not_booked() {
        for text in [
            "Kavita paid about 500",
            "Kavita ne lagbhag 500 diye",
            "Kavita ne 500 ke aas paas diye",
            "कविता ने करीब 500 दिए",
            "Kavita paid around 500",
        ] {
            assert_eq!(said(text), Some(NotBooked::AmountUnclear), "{text}");
        }
        assert_eq!(said("Kavita paid 500 about the bill"), None);
    }

    #[test]
    fn amounts_that_are_not_one_amount_are_unclear() {
        for text in [
            "Suresh ne 2-3 sau diye",
            "Suresh ne 200 ya 300 diye",
            "Suresh ne do ya teen sau diye",
            "Suresh ne 200 to 300 diye",
            "Suresh Patel ne 1 500 diye",
            "Suresh ne -500 diye",
            "Suresh ne ₹ −500 diye",
            "Prakash ke khate me 5 crore crore likho",
            "Prakash ke khate me 5 hazaar hazaar likho",
            "Rahul ka 1 lakh 1 lakh likho",
            "Rahul ne 5,00 diye",
            "Rahul ne 1.500 diye",
            "Rahul ne 250.505 diye",
        ] {
            assert!(unclear_amount(text, &tokenize(text)), "{text}");
        }
        for text in [
            "Suresh ne 500/- diye",
            "Parle-G 10 rupaye",
            "Suresh ne 2 lakh 50 hazaar diye",
            "Suresh ne do hazaar paanch sau diye",
            "Suresh ne 1,23,456 diye",
            "Suresh ne 12,500.50 diye",
            "Suresh ko 2.500 kg atta",
            "naya customer Amit 98450 12345",
        ] {
            let expected = text.contains("98450");
            assert_eq!(unclear_amount(text, &tokenize(text)), expected, "{text}");
        }
    }

    #[test]
    fn corrections_keep_the_meant_amount_once() {
        for (text, left) in [
            ("Imran ne 300 nahi, 200 diye", "imran ne 200 diye"),
            ("Imran ne 500 ki jagah 400 diye", "imran ne 400 diye"),
            ("Imran ne 500 mein se 200 diye", "imran ne 200 diye"),
            ("Imran paid 200, not 300", "imran paid 200"),
            ("Imran paid 200 instead of 300", "imran paid 200"),
        ] {
            let mut tokens = tokenize(text);
            assert!(apply_corrections(&mut tokens), "{text}");
            let keys: Vec<&str> = tokens.iter().map(|t| t.key.as_str()).collect();
            assert_eq!(keys.join(" "), left, "{text}");
        }
        for (text, left) in [
            ("Moti ne 90, sorry 95 diye", "moti ne 95 diye"),
            (
                "Moti ne do sau diye, maaf karna, dhai sau diye",
                "moti ne dhai sau diye",
            ),
            ("मोती ने 250 दिए, माफ़ करना 300 दिए", "मोती ने 300 दिए"),
        ] {
            let mut tokens = tokenize(text);
            assert!(apply_corrections(&mut tokens), "{text}");
            let keys: Vec<&str> = tokens.iter().map(|t| t.key.as_str()).collect();
            assert_eq!(keys.join(" "), left, "{text}");
        }
        // A retraction with no amount to replace still makes the reading a guess.
        assert!(apply_corrections(&mut tokenize("sorry, Moti ne 95 diye")));
        let mut plain = tokenize("Imran ne 500 nahi diye");
        assert!(!apply_corrections(&mut plain));
    }

    #[test]
    fn invisible_characters_leave_numbers_whole() {
        assert_eq!(strip_invisible("5\u{200B}00 diye"), "500 diye");
        assert_eq!(
            strip_invisible("\u{FEFF}5\u{2060}0\u{200E}0\u{200F}"),
            "500"
        );
        assert_eq!(strip_invisible("क\u{200D}ष"), "क\u{200D}ष");
    }
}
