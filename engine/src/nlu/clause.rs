//! A clause being read: its tokens, which of them a reading has placed, and the names in it.

use super::lexicon::Word;
use super::numbers::read_number;
use super::tokens::Token;
use crate::money::Paise;
use crate::quantity::Unit;

/// Tracks which tokens a reading has placed, to tell a clean reading from a guess.
pub struct Clause<'t, 'a> {
    pub tokens: &'t [Token<'a>],
    pub used: Vec<bool>,
    /// The customer of the command before, for a clause that leaves its subject out.
    inherited: Option<&'t str>,
    /// The reading chose between plausible meanings.
    pub guessed: bool,
}

impl<'t, 'a> Clause<'t, 'a> {
    pub fn new(tokens: &'t [Token<'a>], inherited: Option<&'t str>) -> Self {
        Clause {
            tokens,
            inherited,
            used: vec![false; tokens.len()],
            guessed: false,
        }
    }

    pub fn word(&self, i: usize) -> Option<Word> {
        self.tokens.get(i).map(|t| t.word)
    }

    pub fn mark(&mut self, from: usize, to: usize) {
        for slot in self.used.iter_mut().take(to).skip(from) {
            *slot = true;
        }
    }

    /// Every name word and number placed somewhere. A pronoun inside a relative clause after
    /// the named customer is theirs ("Mohan ne 450 wapas kiye jo usne udhaar liye the"), as is
    /// the correlative that closes it ("Javed ne jo udhaar tha uska 600 chuka diya").
    pub fn clean(&self) -> bool {
        let relative = self
            .tokens
            .iter()
            .position(|t| matches!(t.key.as_str(), "jo" | "जो"));
        let named_before = |i: usize| {
            self.tokens[..i]
                .iter()
                .zip(&self.used)
                .any(|(t, used)| *used && t.word == Word::Name)
        };
        !self.guessed
            && self
                .tokens
                .iter()
                .zip(&self.used)
                .enumerate()
                .all(|(i, (t, used))| {
                    *used
                        || !matches!(t.word, Word::Name | Word::Number | Word::Pronoun)
                        || (t.word == Word::Pronoun
                            && relative.is_some_and(|r| r < i && named_before(r)))
                        // "Bhagwati ne 150 diye, uske khate mein jama karo": the khata of the
                        // one just named.
                        || (t.word == Word::Pronoun && owns_a_khata(self.tokens, i) && named_before(i))
                })
    }

    /// Runs of unplaced name words, as (start, end).
    pub fn name_runs(&self) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let mut i = 0;
        while i < self.tokens.len() {
            if self.tokens[i].word == Word::Name && !self.used[i] {
                let start = i;
                while i < self.tokens.len() && self.tokens[i].word == Word::Name && !self.used[i] {
                    i += 1;
                }
                runs.push((start, i));
            } else {
                i += 1;
            }
        }
        runs
    }

    pub fn text(&self, start: usize, end: usize) -> String {
        let mut out = String::new();
        for token in &self.tokens[start..end] {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(token.text);
        }
        out
    }

    /// The first unplaced name, placed.
    pub fn take_name(&mut self) -> Option<String> {
        let (start, end) = self.name_runs().into_iter().next()?;
        self.mark(start, end);
        Some(self.text(start, end))
    }

    /// The first unplaced name as a customer's. A run that mixes a capitalised word with a
    /// lowercase one ("Guddu tab", "Banerjee made") may have swallowed a word the lexicon does not
    /// know, so it is a guess: merchants who capitalise names capitalise all of a name.
    pub fn take_customer_name(&mut self) -> Option<String> {
        let (start, end) = self.name_runs().into_iter().next()?;
        let initials = self.tokens[start..end]
            .iter()
            .filter_map(|t| t.text.chars().next().filter(char::is_ascii_alphabetic));
        let (mut upper, mut lower) = (false, false);
        for c in initials {
            upper |= c.is_ascii_uppercase();
            lower |= c.is_ascii_lowercase();
        }
        self.guessed |= upper && lower;
        self.take_name()
    }

    /// A customer: a name, else a kinship word used as one (`chacha ne 200 diye`), else the
    /// customer of the previous clause (`Rahul ne 100 diye, 200 udhaar bhi`). Both are guesses.
    pub fn take_customer(&mut self) -> Option<String> {
        if let Some(name) = self.take_customer_name() {
            return Some(name);
        }
        let kin = self.tokens.iter().enumerate().find(|(i, t)| {
            t.word == Word::Honorific && is_kin(&t.key) && self.word(i + 1) == Some(Word::Marker)
        });
        self.guessed = true;
        if let Some((_, token)) = kin {
            return Some(token.text.to_string());
        }
        self.inherited.map(str::to_string)
    }

    /// The customer of the command before, taken as a guess.
    pub fn inherit(&mut self) -> Option<String> {
        let inherited = self.inherited.map(str::to_string);
        self.guessed |= inherited.is_some();
        inherited
    }

    /// "12000 Mukesh ne diye", "500 Rahul se mile": the name starting at `start` is the one who
    /// gave (a case marker of giving follows it), so the number before it is money, not a count.
    pub fn names_a_giver(&self, start: usize) -> bool {
        let mut end = start;
        while self.word(end) == Some(Word::Name) {
            end += 1;
        }
        matches!(
            self.tokens
                .get(self.after_name(end))
                .map(|t| t.key.as_str()),
            Some("ne" | "ने" | "se" | "से")
        )
    }

    /// "udhaar 400 Lucky ke naam likh do", "300 Rahul ke khate mein": the name starting at
    /// `start` is an account holder's (it owns a "naam" or a khata), so the number before it is
    /// money, not a count of goods called so.
    pub fn names_an_account_holder(&self, start: usize) -> bool {
        let mut end = start;
        while self.word(end) == Some(Word::Name) {
            end += 1;
        }
        let at = self.after_name(end);
        let key = |i: usize| self.tokens.get(i).map_or("", |t| t.key.as_str());
        matches!(key(at), "ke" | "ka" | "ki" | "के" | "का" | "की")
            && matches!(
                key(at + 1),
                "naam"
                    | "nam"
                    | "नाम"
                    | "khate"
                    | "khaate"
                    | "khata"
                    | "khaata"
                    | "खाते"
                    | "खाता"
                    | "account"
                    | "hisaab"
                    | "hisab"
                    | "हिसाब"
            )
    }

    /// Where a name starting at `start` begins with the titles said before it (`Mrs Gupta`).
    pub fn before_name(&self, start: usize) -> usize {
        let mut i = start;
        while i > 0 && self.word(i - 1) == Some(Word::Honorific) {
            i -= 1;
        }
        i
    }

    /// The word after `end`, skipping honorifics (`Gupta ji ka`).
    pub fn after_name(&self, end: usize) -> usize {
        let mut i = end;
        while self.word(i) == Some(Word::Honorific) {
            i += 1;
        }
        i
    }

    /// The first unplaced number that is money: not a quantity (`2 kg`), not a phone, not a time.
    pub fn take_amount(&mut self) -> Option<Paise> {
        let mut i = 0;
        while i < self.tokens.len() {
            if self.used[i] || self.tokens[i].word != Word::Number {
                i += 1;
                continue;
            }
            let Some(num) = read_number(self.tokens, i) else {
                i += 1;
                continue;
            };
            // "5 Maggi" is a count of a product, unless a currency word says it is money.
            let currency = self.word(num.end) == Some(Word::Currency)
                || i.checked_sub(1)
                    .is_some_and(|b| self.word(b) == Some(Word::Currency));
            let account_holder = self.word(num.end) == Some(Word::Name)
                && !currency
                && !self.names_a_giver(num.end)
                && self.names_an_account_holder(num.end);
            let quantity = matches!(self.word(num.end), Some(Word::Unit(_)))
                || (self.word(num.end) == Some(Word::Name)
                    && !currency
                    && !self.names_a_giver(num.end)
                    && !account_holder);
            // "udhaar 2 Maggi Rahul ke naam": a run of two names after the number may begin
            // with goods, so the number is money only as a guess.
            if account_holder && self.word(num.end + 1) == Some(Word::Name) {
                self.guessed = true;
            }
            let phone = num.digits && self.tokens[i].key.len() >= 10;
            if quantity || phone || num.milli <= 0 || self.not_money(i, num.end) {
                i = num.end;
                continue;
            }
            // "50 paise" alone is fifty paise, not fifty rupees. "500 paise" is said loosely for
            // money as well, so from a rupee up it is a guess.
            let paise_alone = self
                .tokens
                .get(num.end)
                .is_some_and(|t| is_paise_word(&t.key))
                && !i
                    .checked_sub(1)
                    .is_some_and(|b| self.word(b) == Some(Word::Currency));
            if paise_alone && num.milli % 1000 == 0 {
                self.guessed |= num.milli >= 100_000;
                self.mark(num.start, num.end + 1);
                return Some(Paise::new(num.milli / 1000));
            }
            // The amount is reported as said; refusing absurd sums is the books' job, with a reply.
            let mut paise = (num.milli + 5) / 10;
            let mut end = num.end;
            if let Some((extra, extra_end)) = self.paise_after(num.end) {
                paise += extra;
                end = extra_end;
            }
            self.mark(num.start, end);
            return Some(Paise::new(paise));
        }
        None
    }

    /// Whether the number read from `start` to `end` counts something other than money: a clock
    /// time ("7 baje", "at 6:30", "3 pm"), a date ("5 tareekh wala payment", "5 December"), a
    /// span ("pichhle 2 mahine ka udhaar", "3 din"), a share ("15% advance"), or bills and
    /// entries counted ("Sunita's 3 bills"). Read as the amount, each books a sum nobody said.
    fn not_money(&self, start: usize, end: usize) -> bool {
        let clock = self.tokens[start..end].iter().any(|t| t.key.contains(':'));
        // "800 day after tomorrow": the day is the reminder's, not a count of days.
        let day_after = self.tokens.get(end).is_some_and(|t| t.key == "day")
            && self.tokens.get(end + 1).is_some_and(|t| t.key == "after");
        let counts_time = !day_after
            && matches!(
                self.word(end),
                Some(
                    Word::Baje
                        | Word::AmPm(_)
                        | Word::Tarikh
                        | Word::Hour
                        | Word::Minute
                        | Word::Week
                        | Word::Month
                        | Word::DaySpan
                        | Word::MonthName(_)
                )
            );
        // "Paytm txn id 7781234", "bill no 4521", "order 3321", "UTR 4123": a reference.
        let reference = start.checked_sub(1).is_some_and(|b| {
            matches!(
                self.tokens[b].key.as_str(),
                "id" | "txn"
                    | "ref"
                    | "refno"
                    | "utr"
                    | "transaction"
                    | "order"
                    | "no"
                    | "number"
                    | "invoice"
            )
        });
        let after = self.tokens.get(end).map_or("", |t| t.key.as_str());
        let counted = matches!(
            after,
            "percent"
                | "pratishat"
                | "प्रतिशत"
                | "bills"
                | "entries"
                | "invoices"
                | "saal"
                | "years"
                | "baar"
                | "times"
        );
        // "Bunty ne half diya", "paid half of his dues": a share said in words is of a sum
        // not said, never half a rupee.
        let share_of_something = self.tokens[start..end].iter().all(|t| !t.is_numeral())
            && read_number(self.tokens, start).is_some_and(|n| n.milli < 1000);
        // "Priya gave a 500 rupee note", "500 ka note diya": a note handed over, of which what
        // was paid (and what went back as change) is not said.
        let mut after_words = self.tokens[end..].iter().skip_while(|t| {
            t.word == Word::Currency || matches!(t.key.as_str(), "ka" | "ke" | "का" | "के")
        });
        let note = after_words
            .next()
            .is_some_and(|t| matches!(t.key.as_str(), "note" | "notes" | "नोट"));
        clock || counts_time || counted || share_of_something || note || reference
    }

    /// "250 rupaye 50 paise": the paise said after the rupees, as (paise, end of the words read).
    fn paise_after(&self, at: usize) -> Option<(i64, usize)> {
        let rupees = self.tokens.get(at)?;
        if rupees.word != Word::Currency || is_paise_word(&rupees.key) {
            return None;
        }
        if self.word(at + 1) != Some(Word::Number) {
            return None;
        }
        let num = read_number(self.tokens, at + 1)?;
        let unit = self.tokens.get(num.end)?;
        let whole_paise = num.milli % 1000 == 0 && (1..100_000).contains(&num.milli);
        (is_paise_word(&unit.key) && whole_paise).then_some((num.milli / 1000, num.end + 1))
    }

    pub fn first_unit(&self) -> Option<Unit> {
        self.tokens.iter().find_map(|t| match t.word {
            Word::Unit(unit) => Some(unit),
            _ => None,
        })
    }
}

/// "uske khate", "उसके नाम", "his account", "उसका बिल", "उसकी एंट्री": a possessive pronoun
/// owning a khata, or the entry or bill being written in it.
fn owns_a_khata(tokens: &[Token<'_>], i: usize) -> bool {
    matches!(
        tokens[i].key.as_str(),
        "uske"
            | "uska"
            | "uski"
            | "unke"
            | "unka"
            | "unki"
            | "his"
            | "her"
            | "उसके"
            | "उसका"
            | "उसकी"
            | "उनके"
            | "उनका"
            | "उनकी"
    ) && tokens.get(i + 1).is_some_and(|n| {
        matches!(
            n.key.as_str(),
            "khate"
                | "khaate"
                | "khata"
                | "khaata"
                | "naam"
                | "account"
                | "bill"
                | "entry"
                | "udhaar"
                | "udhar"
                | "खाते"
                | "खाता"
                | "नाम"
                | "अकाउंट"
                | "बिल"
                | "एंट्री"
                | "उधार"
        )
    })
}

fn is_paise_word(key: &str) -> bool {
    matches!(key, "paise" | "paisa" | "paisay" | "पैसे" | "पैसा")
}

/// Honorifics that also name a person on their own: `chacha ne 200 diye`.
fn is_kin(key: &str) -> bool {
    matches!(
        key,
        "chacha"
            | "chachi"
            | "bhabhi"
            | "didi"
            | "uncle"
            | "aunty"
            | "auntie"
            | "bhaiya"
            | "seth"
            | "भाभी"
            | "दीदी"
            | "अंकल"
            | "आंटी"
            | "भैया"
            | "सेठ"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::tokens::tokenize;

    #[test]
    fn names_skip_honorifics_and_amounts_skip_quantities() {
        let tokens = tokenize("Gupta ji ko 2 kg atta ke 150 rupaye");
        let mut clause = Clause::new(&tokens, None);
        assert_eq!(clause.take_name().as_deref(), Some("Gupta"));
        assert_eq!(clause.take_amount(), Some(Paise::new(15_000)));
        assert!(!clause.clean());
    }

    #[test]
    fn paise_said_alone_are_paise() {
        let tokens = tokenize("50 paise");
        let mut clause = Clause::new(&tokens, None);
        assert_eq!(clause.take_amount(), Some(Paise::new(50)));
        assert!(clause.clean());
        // "500 paise" may be said loosely for money: read as said, and a guess.
        let tokens = tokenize("500 पैसे");
        let mut clause = Clause::new(&tokens, None);
        assert_eq!(clause.take_amount(), Some(Paise::new(500)));
        assert!(clause.guessed);
    }

    #[test]
    fn paise_after_rupees_are_added() {
        for (said, paise) in [
            ("250 rupaye 50 paise", 25_050),
            ("250 rs 5 paise", 25_005),
            ("250 रुपये 50 पैसे", 25_050),
            ("250.50", 25_050),
            ("250 rupaye", 25_000),
        ] {
            let tokens = tokenize(said);
            let mut clause = Clause::new(&tokens, None);
            assert_eq!(clause.take_amount(), Some(Paise::new(paise)), "{said}");
            assert!(clause.clean(), "{said}: every number placed");
        }
    }

    #[test]
    fn a_name_mixing_capitals_and_lowercase_is_a_guess() {
        for (said, guessed) in [
            ("Kapoor sahab ke yahan 150 likho", false),
            ("put 150 on Guddu slate", true),
            ("Amit Das ne 500 diye", false),
            ("amit das ne 500 diye", false),
            ("राहुल ने 500 दिए", false),
        ] {
            let tokens = tokenize(said);
            let mut clause = Clause::new(&tokens, None);
            assert!(clause.take_customer_name().is_some(), "{said}");
            assert_eq!(clause.guessed, guessed, "{said}");
        }
    }

    #[test]
    fn a_missing_customer_is_inherited_as_a_guess() {
        let tokens = tokenize("500 udhaar");
        let mut clause = Clause::new(&tokens, Some("Rahul"));
        assert_eq!(clause.take_customer().as_deref(), Some("Rahul"));
        assert!(clause.guessed);
    }
}
