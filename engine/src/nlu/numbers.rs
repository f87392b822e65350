//! Numbers as merchants say them: digits (₹1,23,456.50, 500/-, 2k), Hindi and English number
//! words with sau/hazaar/lakh/crore, and the fractions dedh, dhai, aadha, saade, sava, paune.

use super::tokens::Token;
use crate::quantity::Unit;

/// A number found at `tokens[start..end]`, in thousandths (2.5 is 2500).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    pub start: usize,
    pub end: usize,
    pub milli: i64,
    /// ₹, Rs or rupaye was said with it.
    pub money: bool,
    /// Digits written (for telling phone numbers apart).
    pub digits: usize,
}

fn small_word(word: &str) -> Option<i64> {
    Some(match word {
        "ek" | "एक" | "one" | "ik" => 1,
        "do" | "दो" | "two" => 2,
        "teen" | "tin" | "तीन" | "three" => 3,
        "char" | "chaar" | "चार" | "four" => 4,
        "paanch" | "panch" | "paach" | "panc" | "पांच" | "five" => 5,
        "chhe" | "chhah" | "chah" | "che" | "chhai" | "छह" | "छः" | "six" => 6,
        "saat" | "सात" | "seven" => 7,
        "aath" | "ath" | "आठ" | "eight" => 8,
        "nau" | "नौ" | "nine" => 9,
        "das" | "dus" | "दस" | "ten" => 10,
        "gyarah" | "gyaarah" | "ग्यारह" | "eleven" => 11,
        "barah" | "baarah" | "बारह" | "twelve" => 12,
        "terah" | "तेरह" => 13,
        "chaudah" | "चौदह" => 14,
        "pandrah" | "पंद्रह" | "fifteen" => 15,
        "solah" | "सोलह" => 16,
        "satrah" | "सत्रह" => 17,
        "atharah" | "अठारह" => 18,
        "unnis" | "उन्नीस" => 19,
        "bees" | "बीस" | "twenty" => 20,
        "pachees" | "pachis" | "पच्चीस" => 25,
        "tees" | "तीस" | "thirty" => 30,
        "chalis" | "chaalis" | "चालीस" | "forty" => 40,
        "pachaas" | "pachas" | "pachaass" | "पचास" | "fifty" => 50,
        "saath" | "साठ" | "sixty" => 60,
        "sattar" | "सत्तर" | "seventy" => 70,
        "assi" | "अस्सी" | "eighty" => 80,
        "nabbe" | "नब्बे" | "ninety" => 90,
        _ => return None,
    })
}

/// Words that may be a number only when a multiplier or unit follows ("do" is also "give").
fn needs_company(word: &str) -> bool {
    matches!(word, "do" | "दो" | "saath" | "ek" | "एक" | "das" | "char")
}

fn multiplier(word: &str) -> Option<i64> {
    Some(match word {
        "sau" | "saw" | "सौ" | "hundred" => 100,
        "hazaar" | "hazar" | "hajar" | "hajaar" | "hazzar" | "hzr" | "हजार" | "thousand" | "k" => {
            1_000
        }
        "lakh" | "lac" | "lakhs" | "लाख" => 100_000,
        "crore" | "karod" | "करोड" | "cr" => 10_000_000,
        _ => return None,
    })
}

/// A whole-number fraction word: dedh = 1½, dhai = 2½, aadha = ½.
fn fraction_word(word: &str) -> Option<i64> {
    Some(match word {
        "dedh" | "derh" | "deddh" | "डेढ" => 1_500,
        "dhai" | "dhaai" | "adhai" | "ढाई" => 2_500,
        "aadha" | "adha" | "aadhi" | "आधा" | "आधी" | "half" => 500,
        _ => return None,
    })
}

/// saade X = X + ½, sava X = X + ¼, paune X = X − ¼.
fn modifier_word(word: &str) -> Option<i64> {
    Some(match word {
        "saade" | "sade" | "saadhe" | "साढे" => 500,
        "sava" | "sawa" | "सवा" => 250,
        "paune" | "pone" | "paone" | "पौने" => -250,
        _ => return None,
    })
}

pub fn is_money_word(word: &str) -> bool {
    matches!(
        word,
        "rupaye"
            | "rupay"
            | "rupees"
            | "rupee"
            | "rs"
            | "rs."
            | "inr"
            | "rupya"
            | "ruapye"
            | "rupaiye"
            | "rupaiya"
            | "रुपये"
            | "रुपए"
            | "रुपया"
            | "₹"
            | "rupiya"
            | "rupye"
    )
}

/// Digits as written: `1,23,456.50`, `₹500`, `Rs500`, `2k`. Returns thousandths and digit count.
fn digits_value(word: &str) -> Option<(i64, usize, bool, bool)> {
    let mut text = word;
    let mut money = false;
    for prefix in ["₹", "rs.", "rs", "inr"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            text = rest;
            money = true;
            break;
        }
    }
    let thousands = text.ends_with('k') && text.len() > 1;
    let text = if thousands {
        &text[..text.len() - 1]
    } else {
        text
    };
    if text.is_empty() || !text.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let cleaned: String = text.chars().filter(|c| *c != ',').collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 3
    {
        return None;
    }
    let digits = whole.len();
    let whole: i64 = whole.parse().ok()?;
    let mut fraction_milli: i64 = 0;
    for (i, d) in fraction.chars().enumerate() {
        fraction_milli += i64::from(d.to_digit(10)? as u8) * [100, 10, 1][i];
    }
    let milli = whole.checked_mul(1000)?.checked_add(fraction_milli)?;
    let milli = if thousands {
        milli.checked_mul(1000)?
    } else {
        milli
    };
    Some((milli, digits, money, thousands))
}

/// Reads the number starting at token `i`, if there is one.
pub fn read_number(tokens: &[Token], i: usize) -> Option<Number> {
    let mut pos = i;
    let mut money = false;
    if tokens
        .get(pos)
        .is_some_and(|t| matches!(t.low.as_str(), "₹" | "rs" | "rs." | "inr"))
    {
        money = true;
        pos += 1;
    }
    let mut total: i64 = 0;
    let mut current: Option<i64> = None;
    let mut modifier: Option<i64> = None;
    let mut digits = 0;
    let mut read_any = false;
    while let Some(token) = tokens.get(pos) {
        let word = token.low.as_str();
        let next = tokens.get(pos + 1).map(|t| t.low.as_str()).unwrap_or("");
        if let Some((value, count, is_money, thousands)) = digits_value(word) {
            if current.is_some() || modifier.is_some() || (read_any && total > 0 && thousands) {
                break;
            }
            current = Some(value);
            digits = count;
            money |= is_money;
        } else if let Some(m) = multiplier(word) {
            if !read_any && word == "k" {
                break;
            }
            let base = match (current.take(), modifier.take()) {
                (Some(c), _) => c,
                (None, Some(m)) => 1_000 + m,
                (None, None) => 1_000,
            };
            let scaled = base.checked_mul(m)?;
            if m == 100 {
                current = Some(scaled);
            } else {
                total = total.checked_add(scaled)?;
            }
        } else if let Some(f) = fraction_word(word) {
            if current.is_some() {
                break;
            }
            current = Some(f);
        } else if let Some(m) = modifier_word(word) {
            if current.is_some() {
                break;
            }
            modifier = Some(m);
        } else if let Some(v) = small_word(word) {
            if needs_company(word)
                && multiplier(next).is_none()
                && unit(next).is_none()
                && !read_any
            {
                break;
            }
            let v = v * 1_000 + modifier.take().unwrap_or(0);
            current = Some(current.unwrap_or(0).checked_add(v)?);
        } else {
            break;
        }
        read_any = true;
        pos += 1;
    }
    if !read_any || modifier.is_some() {
        return None;
    }
    let milli = total.checked_add(current.unwrap_or(0))?;
    if tokens.get(pos).is_some_and(|t| is_money_word(&t.low)) {
        money = true;
        pos += 1;
    }
    Some(Number {
        start: i,
        end: pos,
        milli,
        money,
        digits,
    })
}

/// Every number in the tokens, left to right, not overlapping.
pub fn numbers(tokens: &[Token]) -> Vec<Number> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match read_number(tokens, i) {
            Some(n) if n.end > i => {
                i = n.end;
                found.push(n);
            }
            _ => i += 1,
        }
    }
    found
}

/// A unit word as the contract names it.
pub fn unit(word: &str) -> Option<Unit> {
    Some(match word {
        "kg" | "kgs" | "kilo" | "kilos" | "kilogram" | "kilograms" | "किलो" | "केजी" => {
            Unit::Kg
        }
        "g" | "gm" | "gms" | "gram" | "grams" | "gramm" | "ग्राम" => Unit::G,
        "litre" | "liter" | "litres" | "liters" | "ltr" | "l" | "लीटर" | "लिटर" => {
            Unit::Litre
        }
        "ml" | "एमएल" | "millilitre" => Unit::Ml,
        "packet" | "packets" | "pkt" | "packat" | "paket" | "pack" | "packs" | "पैकेट" => {
            Unit::Packet
        }
        "dozen" | "darjan" | "dozens" | "दर्जन" => Unit::Dozen,
        "piece" | "pieces" | "pcs" | "pc" | "peace" | "पीस" => Unit::Piece,
        "box" | "boxes" | "dabba" | "dibba" | "डिब्बा" | "डिब्बे" => {
            Unit::Box
        }
        "bottle" | "bottles" | "botal" | "बोतल" => Unit::Bottle,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::tokens::tokenize;

    fn value(text: &str) -> Option<i64> {
        read_number(&tokenize(text), 0).map(|n| n.milli)
    }

    #[test]
    fn reads_every_way_of_saying_an_amount() {
        for (text, rupees_milli) in [
            ("500", 500_000),
            ("₹500", 500_000),
            ("Rs 500", 500_000),
            ("500/-", 500_000),
            ("1,23,456.50", 123_456_500),
            ("₹250.50", 250_500),
            ("2k", 2_000_000),
            ("paanch sau", 500_000),
            ("पांच सौ", 500_000),
            ("2 hazaar", 2_000_000),
            ("2 hajar", 2_000_000),
            ("dedh sau", 150_000),
            ("dhai hazaar", 2_500_000),
            ("saade teen sau", 350_000),
            ("sava sau", 125_000),
            ("paune do sau", 175_000),
            ("1 lakh", 100_000_000),
            ("ek lakh", 100_000_000),
            ("do sau pachaas", 250_000),
            ("do hazaar paanch sau", 2_500_000),
            ("साढ़े तीन सौ", 350_000),
            ("दो हज़ार", 2_000_000),
            ("five hundred", 500_000),
            ("aadha kilo", 500),
            ("dhai kilo", 2_500),
            ("50 crore", 500_000_000_000),
        ] {
            assert_eq!(value(text), Some(rupees_milli), "{text}");
        }
        assert_eq!(value("do"), None, "'do' alone is the verb");
        assert_eq!(value("bana"), None);
        assert_eq!(value("99999999999999999999"), None);
        let n = read_number(&tokenize("500 rupaye"), 0);
        assert!(n.is_some_and(|n| n.money && n.end == 2));
    }
}
