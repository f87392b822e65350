//! Numbers as merchants say them: digits, Hindi and English number words, and fractions like dedh/saade/paune.

use super::lexicon::Word;
use super::tokens::Token;

/// A fraction word that modifies the number after it: `saade teen` = 3.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frac {
    Saade,
    Sava,
    Paune,
}

/// What one number word contributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumWord {
    /// A value in thousandths (`dedh` = 1500).
    Small(i64),
    /// A multiplier (`sau` = 100, `hazaar` = 1000).
    Mult(i64),
    Frac(Frac),
    /// `paav`: a quarter of what comes before (`ek paav` = 0.25, `do paav` = 0.5).
    Quarter,
}

/// A number read from consecutive tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Num {
    /// Value in thousandths, so that `2.5` and `250.50` stay exact.
    pub milli: i64,
    pub start: usize,
    /// One past the last token read.
    pub end: usize,
    /// Clock minutes when written `7:30` or `7.30`, which mean minutes rather than a fraction.
    pub clock_minutes: Option<u32>,
    /// The digits as written, when the number was one digit token (phones keep leading zeros).
    pub digits: bool,
}

const ROMAN_SMALL: &[(i64, &[&str])] = &[
    (0, &["zero", "shunya", "sifar"]),
    (1, &["ek", "one", "ik"]),
    (2, &["do", "two", "doh"]),
    (3, &["teen", "three", "tinn"]),
    (4, &["char", "chaar", "four", "chaar"]),
    (5, &["paanch", "panch", "paach", "panc", "five", "paanc"]),
    (
        6,
        &[
            "chhe", "che", "chhah", "chah", "chheh", "chhai", "chhah", "six", "chhe",
        ],
    ),
    (7, &["saat", "seven"]),
    (8, &["aath", "ath", "eight"]),
    (9, &["nau", "nine"]),
    (10, &["das", "dus", "ten"]),
    (11, &["gyarah", "gyara", "gyaarah", "eleven"]),
    (12, &["barah", "bara", "baarah", "twelve"]),
    (13, &["terah", "tera", "thirteen"]),
    (14, &["chaudah", "chauda", "fourteen"]),
    (15, &["pandrah", "pandra", "fifteen"]),
    (16, &["solah", "sola", "sixteen"]),
    (17, &["satrah", "satra", "seventeen"]),
    (18, &["atharah", "athara", "attharah", "eighteen"]),
    (19, &["unnis", "unees", "unnees", "nineteen"]),
    (20, &["bees", "bis", "twenty"]),
    (21, &["ikkis", "ikkees"]),
    (22, &["baais", "bais", "baees"]),
    (23, &["teis", "teyis"]),
    (24, &["chaubis", "chaubees", "chobis"]),
    (25, &["pachis", "pachees", "pacchis", "pachchis"]),
    (26, &["chhabbis", "chabbis"]),
    (27, &["sattais", "sattaees"]),
    (28, &["atthais", "athais", "athaees"]),
    (29, &["untis", "unatees"]),
    (30, &["tees", "tis", "thirty"]),
    (31, &["ikattis", "iktees", "iktis"]),
    (32, &["battis", "battees"]),
    (33, &["taintis", "tetis"]),
    (34, &["chautis", "chauntees", "chontis"]),
    (35, &["paintis", "paintees", "pentis"]),
    (36, &["chhattis", "chattis"]),
    (37, &["saintis", "sentis"]),
    (38, &["adtis", "artis", "adtees"]),
    (39, &["untalis", "unchalis"]),
    (40, &["chalis", "chaalis", "chaalees", "forty"]),
    (41, &["iktalis"]),
    (42, &["bayalis", "bayaalis"]),
    (43, &["taintalis", "tentalis"]),
    (44, &["chavalis", "chauvalis"]),
    (45, &["paintalis", "pentalis", "paintaalis"]),
    (46, &["chhiyalis"]),
    (47, &["saintalis"]),
    (48, &["adtalis", "artalis"]),
    (49, &["unchas", "unchaas"]),
    (50, &["pachas", "pachaas", "pachass", "fifty"]),
    (51, &["ikyavan", "ikyawan"]),
    (52, &["baavan", "bavan", "bawan"]),
    (53, &["tirpan"]),
    (54, &["chauvan", "chauwan"]),
    (55, &["pachpan"]),
    (56, &["chhappan", "chappan"]),
    (57, &["sattavan"]),
    (58, &["atthavan", "athavan"]),
    (59, &["unsath"]),
    (60, &["saath", "sixty"]),
    (61, &["iksath"]),
    (62, &["baasath", "basath"]),
    (63, &["tirsath"]),
    (64, &["chausath", "chaunsath"]),
    (65, &["painsath"]),
    (66, &["chhiyasath"]),
    (67, &["sadsath", "sarsath"]),
    (68, &["adsath", "arsath"]),
    (69, &["unhattar"]),
    (70, &["sattar", "seventy"]),
    (71, &["ikhattar"]),
    (72, &["bahattar"]),
    (73, &["tihattar"]),
    (74, &["chauhattar"]),
    (75, &["pachhattar", "pachattar"]),
    (76, &["chhihattar"]),
    (77, &["sathattar", "satattar"]),
    (78, &["athhattar", "athattar"]),
    (79, &["unasi", "unyasi"]),
    (80, &["assi", "assee", "eighty"]),
    (81, &["ikyasi"]),
    (82, &["bayasi"]),
    (83, &["tirasi"]),
    (84, &["chaurasi"]),
    (85, &["pachasi"]),
    (86, &["chhiyasi"]),
    (87, &["sattasi"]),
    (88, &["athasi", "atthasi"]),
    (89, &["navasi"]),
    (90, &["nabbe", "nabe", "ninety"]),
    (91, &["ikyanave"]),
    (92, &["baanave", "banave"]),
    (93, &["tiranave"]),
    (94, &["chauranave"]),
    (95, &["pachanave"]),
    (96, &["chhiyanave"]),
    (97, &["sattanave"]),
    (98, &["atthanave"]),
    (99, &["ninyanave", "ninyaanave"]),
];

const DEVANAGARI_SMALL: &[&str] = &[
    "शून्य",
    "एक",
    "दो",
    "तीन",
    "चार",
    "पांच",
    "छह",
    "सात",
    "आठ",
    "नौ",
    "दस",
    "ग्यारह",
    "बारह",
    "तेरह",
    "चौदह",
    "पंद्रह",
    "सोलह",
    "सत्रह",
    "अठारह",
    "उन्नीस",
    "बीस",
    "इक्कीस",
    "बाईस",
    "तेईस",
    "चौबीस",
    "पच्चीस",
    "छब्बीस",
    "सत्ताईस",
    "अट्ठाईस",
    "उनतीस",
    "तीस",
    "इकतीस",
    "बत्तीस",
    "तैंतीस",
    "चौंतीस",
    "पैंतीस",
    "छत्तीस",
    "सैंतीस",
    "अडतीस",
    "उनतालीस",
    "चालीस",
    "इकतालीस",
    "बयालीस",
    "तैंतालीस",
    "चवालीस",
    "पैंतालीस",
    "छियालीस",
    "सैंतालीस",
    "अडतालीस",
    "उनचास",
    "पचास",
    "इक्यावन",
    "बावन",
    "तिरपन",
    "चौवन",
    "पचपन",
    "छप्पन",
    "सत्तावन",
    "अट्ठावन",
    "उनसठ",
    "साठ",
    "इकसठ",
    "बासठ",
    "तिरसठ",
    "चौंसठ",
    "पैंसठ",
    "छियासठ",
    "सडसठ",
    "अडसठ",
    "उनहत्तर",
    "सत्तर",
    "इकहत्तर",
    "बहत्तर",
    "तिहत्तर",
    "चौहत्तर",
    "पचहत्तर",
    "छिहत्तर",
    "सतहत्तर",
    "अठहत्तर",
    "उन्यासी",
    "अस्सी",
    "इक्यासी",
    "बयासी",
    "तिरासी",
    "चौरासी",
    "पचासी",
    "छियासी",
    "सत्तासी",
    "अट्ठासी",
    "नवासी",
    "नब्बे",
    "इक्यानबे",
    "बानबे",
    "तिरानबे",
    "चौरानबे",
    "पचानबे",
    "छियानबे",
    "सत्तानबे",
    "अट्ठानबे",
    "निन्यानबे",
];

/// The contribution of one normalised key, if it is a number word.
pub fn number_word(key: &str) -> Option<NumWord> {
    let word = match key {
        "dedh" | "derh" | "dhed" | "dedd" | "डेढ" => NumWord::Small(1500),
        "dhai" | "dhaai" | "adhai" | "dhaayi" | "dhayi" | "ढाई" => NumWord::Small(2500),
        "aadha" | "adha" | "aadhi" | "adhi" | "aadhe" | "adhe" | "half" | "आधा" | "आधी" | "आधे" => {
            NumWord::Small(500)
        }
        "paav" | "pav" | "quarter" | "पाव" => NumWord::Quarter,
        "saade" | "sade" | "saadhe" | "sadhe" | "साढे" => NumWord::Frac(Frac::Saade),
        "sava" | "sawa" | "savaa" | "सवा" => NumWord::Frac(Frac::Sava),
        "paune" | "pone" | "paun" | "पौने" => NumWord::Frac(Frac::Paune),
        "sau" | "sao" | "hundred" | "सौ" => NumWord::Mult(100),
        "hazaar" | "hazar" | "hajar" | "hajaar" | "hzr" | "hazzar" | "hazr" | "hjar"
        | "thousand" | "k" | "हजार" => NumWord::Mult(1000),
        "lakh" | "lac" | "lakhs" | "laakh" | "lacs" | "लाख" => NumWord::Mult(100_000),
        "crore" | "karod" | "karor" | "crores" | "cr" | "करोड" => NumWord::Mult(10_000_000),
        "छः" | "छे" => NumWord::Small(6000),
        _ => {
            if key.is_ascii() {
                let value = ROMAN_SMALL
                    .iter()
                    .find(|(_, spellings)| spellings.contains(&key))
                    .map(|(value, _)| *value)?;
                NumWord::Small(value * 1000)
            } else {
                let value = DEVANAGARI_SMALL.iter().position(|w| *w == key)?;
                NumWord::Small(i64::try_from(value).ok()? * 1000)
            }
        }
    };
    Some(word)
}

/// Reads a digit token (`1200`, `250.50`, `7:30`) as thousandths, with clock minutes when written so.
pub fn digits_value(key: &str) -> Option<(i64, Option<u32>)> {
    let (whole, fraction, clock) = match key.find([':', '.']) {
        Some(at) => (&key[..at], &key[at + 1..], true),
        None => (key, "", false),
    };
    if whole.is_empty() || whole.len() > 13 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let mut milli = whole.checked_mul(1000)?;
    let mut scale = 100;
    for digit in fraction.bytes().take(3) {
        milli += i64::from(digit - b'0') * scale;
        scale /= 10;
    }
    let minutes = if clock && fraction.len() == 2 {
        fraction.parse::<u32>().ok().filter(|m| *m < 60)
    } else {
        None
    };
    Some((milli, minutes))
}

/// Reads the number starting at token `at`: `2`, `do hazaar paanch sau`, `saade teen sau`, `1.5 lakh`.
/// Only tokens classified `Word::Number` are read, so a caller can veto a word (`do` the verb).
pub fn read_number(tokens: &[Token<'_>], at: usize) -> Option<Num> {
    let mut total: i64 = 0;
    let mut current: i64 = 0;
    let mut pending: Option<Frac> = None;
    let mut last_small: Option<i64> = None;
    let mut clock_minutes = None;
    let mut digits = false;
    let mut read_any = false;
    let mut end = at;
    let mut i = at;
    while let Some(token) = tokens.get(i) {
        if token.word != Word::Number {
            break;
        }
        // "two hundred and fifty": the tokenizer marks such an `and` a number word.
        if token.key == "and" {
            if !read_any {
                return None;
            }
            i += 1;
            continue;
        }
        let piece = if token.is_numeral() {
            let (value, minutes) = digits_value(&token.key)?;
            if !read_any {
                clock_minutes = minutes;
                digits = true;
            }
            NumWord::Small(value)
        } else {
            number_word(&token.key)?
        };
        match piece {
            NumWord::Small(value) => {
                // Two plain numbers in a row are two numbers, except English "twenty five", and
                // Indian English "one fifty", "two fifty", "twelve ninety" (hundreds, then tens).
                if let Some(previous) = last_small {
                    let tens = previous % 10_000 == 0 && (20_000..100_000).contains(&previous);
                    let english_hundreds = pending.is_none()
                        && i > at
                        && is_english_number(&tokens[i - 1].key)
                        && is_english_number(&token.key)
                        && (1_000..100_000).contains(&previous)
                        && previous % 1000 == 0
                        && (10_000..100_000).contains(&value)
                        && (value % 10_000 == 0 || value < 20_000);
                    if english_hundreds {
                        current = current.checked_add(previous.checked_mul(99)?)?;
                    } else if !(tens && value < 10_000 && value > 0 && !token.is_numeral()) {
                        break;
                    }
                }
                let value = match pending.take() {
                    Some(Frac::Saade) => value + 500,
                    Some(Frac::Sava) => value + 250,
                    Some(Frac::Paune) => value - 250,
                    None => value,
                };
                current = current.checked_add(value)?;
                last_small = Some(value);
            }
            NumWord::Frac(frac) => {
                if last_small.is_some() || pending.is_some() {
                    break;
                }
                pending = Some(frac);
                i += 1;
                continue;
            }
            NumWord::Quarter => {
                if pending.is_some() {
                    break;
                }
                current = if current == 0 { 250 } else { current / 4 };
                last_small = None;
                digits = false;
            }
            NumWord::Mult(factor) => {
                if let Some(frac) = pending.take() {
                    current = match frac {
                        Frac::Saade => 1500,
                        Frac::Sava => 1250,
                        Frac::Paune => 750,
                    };
                }
                let base = if current == 0 { 1000 } else { current };
                if factor == 100 {
                    current = base.checked_mul(100)?;
                } else {
                    total = total.checked_add(base.checked_mul(factor)?)?;
                    current = 0;
                }
                last_small = None;
                digits = false;
            }
        }
        read_any = true;
        i += 1;
        end = i;
    }
    if !read_any {
        return None;
    }
    let milli = total.checked_add(current)?;
    Some(Num {
        milli,
        start: at,
        end,
        clock_minutes: if end == at + 1 { clock_minutes } else { None },
        digits: digits && end == at + 1,
    })
}

/// English number words from one to ninety: "two fifty" is read as 250 only in English, since
/// Hindi "do pachaas" may count two fifties.
fn is_english_number(key: &str) -> bool {
    matches!(
        key,
        "one"
            | "two"
            | "three"
            | "four"
            | "five"
            | "six"
            | "seven"
            | "eight"
            | "nine"
            | "ten"
            | "eleven"
            | "twelve"
            | "thirteen"
            | "fourteen"
            | "fifteen"
            | "sixteen"
            | "seventeen"
            | "eighteen"
            | "nineteen"
            | "twenty"
            | "thirty"
            | "forty"
            | "fifty"
            | "sixty"
            | "seventy"
            | "eighty"
            | "ninety"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::tokens::tokenize;

    fn value(text: &str) -> Option<i64> {
        let tokens = tokenize(text);
        read_number(&tokens, 0).map(|n| n.milli)
    }

    #[test]
    fn reads_every_amount_form_in_the_contract() {
        for (text, milli) in [
            ("500", 500_000),
            ("paanch sau", 500_000),
            ("पांच सौ", 500_000),
            ("2 hazaar", 2_000_000),
            ("dedh sau", 150_000),
            ("dhai hazaar", 2_500_000),
            ("saade teen sau", 350_000),
            ("sava sau", 125_000),
            ("paune do sau", 175_000),
            ("1 lakh", 100_000_000),
            ("ek lakh", 100_000_000),
            ("250.50", 250_500),
            ("do hazaar paanch sau", 2_500_000),
            ("paanch sau pachaas", 550_000),
            ("five hundred", 500_000),
            ("twenty five", 25_000),
            ("two thousand", 2_000_000),
            ("1.5 lakh", 150_000_000),
            ("दो हज़ार", 2_000_000),
            ("साढ़े सात", 7_500),
            ("aadha", 500),
            ("paav", 250),
            ("do paav", 500),
            ("१२००", 1_200_000),
            ("do lakh pachaas hazaar", 250_000_000),
            ("two hundred and fifty", 250_000),
            ("seven hundred and fifty", 750_000),
            ("one thousand and twenty five", 1_025_000),
            ("two thousand and five hundred", 2_500_000),
            ("fifteen hundred", 1_500_000),
            // Indian English says hundreds, then tens.
            ("one fifty", 150_000),
            ("two fifty", 250_000),
            ("three fifty", 350_000),
            ("twelve ninety", 1_290_000),
            ("two fifty five", 255_000),
            ("nine nineteen", 919_000),
        ] {
            assert_eq!(value(text), Some(milli), "{text}");
        }
    }

    #[test]
    fn stops_between_separate_numbers() {
        let tokens = tokenize("500 2");
        assert_eq!(read_number(&tokens, 0).map(|n| n.end), Some(1));
        assert_eq!(value("saade"), None);
        // Two amounts joined by "and" stay two.
        let tokens = tokenize("two hundred and three hundred");
        assert_eq!(read_number(&tokens, 0).map(|n| n.milli), Some(200_000));
        let tokens = tokenize("500 and 50");
        assert_eq!(read_number(&tokens, 0).map(|n| n.milli), Some(500_000));
        assert_eq!(value("99999999999999999999"), None);
        // Only English says hundreds that way: "do pachaas" may count two fifties.
        assert_eq!(value("do pachaas"), Some(2_000));
        assert_eq!(value("2 50"), Some(2_000));
        assert_eq!(value("twenty five"), Some(25_000));
    }

    #[test]
    fn keeps_clock_minutes() {
        let tokens = tokenize("7:30");
        assert_eq!(
            read_number(&tokens, 0).and_then(|n| n.clock_minutes),
            Some(30)
        );
    }
}
