//! UPI deep links (`upi://pay?…`): what a customer's UPI app opens, amount prefilled, every field percent-encoded.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::money::Paise;

/// Everything but RFC 3986's unreserved characters is encoded, so a shop named "A&B <Kirana>"
/// or "Shah's 50% Store" cannot end a field early, start another, or break the HTML around it.
const FIELD: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The payee address keeps its `@`: RFC 3986 allows it in a query, and UPI apps match the
/// address as written (`gupta@okaxis`), while an encoded `%40` is not read by every app.
const ADDRESS: &AsciiSet = &FIELD.remove(b'@');

/// UPI apps show at most this much of a note; a longer one is cut at a character boundary.
pub const MAX_NOTE_CHARS: usize = 50;
/// Longest payee name sent; UPI apps show the bank's name for the address anyway.
pub const MAX_PAYEE_NAME_CHARS: usize = 50;

/// A request to pay a shop through UPI (NPCI's deep-link form): payee address and name, amount
/// in rupees when something is due, currency and a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpiLink {
    /// The shop's UPI id (virtual payment address), e.g. `gupta@okaxis`.
    pub payee_address: String,
    pub payee_name: String,
    /// `None` or a non-positive amount: the link leaves the amount to the payer.
    pub amount: Option<Paise>,
    pub note: String,
}

impl UpiLink {
    /// The amount as UPI wants it: rupees with two decimals (`1500.00`, `12.05`); none when
    /// nothing is due.
    pub fn amount_field(&self) -> Option<String> {
        self.amount.filter(|a| a.is_positive()).map(|amount| {
            let paise = amount.as_i64();
            format!("{}.{:02}", paise / 100, paise % 100)
        })
    }
}

fn cut(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

impl fmt::Display for UpiLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "upi://pay?pa={}&pn={}",
            utf8_percent_encode(self.payee_address.trim(), ADDRESS),
            utf8_percent_encode(&cut(&self.payee_name, MAX_PAYEE_NAME_CHARS), FIELD)
        )?;
        if let Some(amount) = self.amount_field() {
            write!(f, "&am={amount}")?;
        }
        write!(
            f,
            "&cu=INR&tn={}",
            utf8_percent_encode(&cut(&self.note, MAX_NOTE_CHARS), FIELD)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query's fields, decoded, in order.
    fn fields(link: &str) -> Vec<(String, String)> {
        let query = link.strip_prefix("upi://pay?").expect("a upi://pay link");
        query
            .split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').expect("name=value");
                let value = percent_encoding::percent_decode_str(value)
                    .decode_utf8()
                    .expect("utf-8")
                    .into_owned();
                (name.to_string(), value)
            })
            .collect()
    }

    fn link(name: &str, amount: Option<i64>, note: &str) -> UpiLink {
        UpiLink {
            payee_address: "gupta@okaxis".into(),
            payee_name: name.into(),
            amount: amount.map(Paise::new),
            note: note.into(),
        }
    }

    #[test]
    fn a_link_carries_payee_amount_in_rupees_currency_and_note() {
        let text = link("Gupta Kirana", Some(150_000), "Rahul Sharma").to_string();
        assert_eq!(
            text,
            "upi://pay?pa=gupta@okaxis&pn=Gupta%20Kirana&am=1500.00&cu=INR&tn=Rahul%20Sharma"
        );
        assert_eq!(
            fields(&text),
            [
                ("pa", "gupta@okaxis"),
                ("pn", "Gupta Kirana"),
                ("am", "1500.00"),
                ("cu", "INR"),
                ("tn", "Rahul Sharma"),
            ]
            .map(|(n, v)| (n.to_string(), v.to_string()))
        );
    }

    #[test]
    fn paise_are_kept_as_two_decimals() {
        assert_eq!(
            link("S", Some(1205), "n").amount_field().as_deref(),
            Some("12.05")
        );
        assert_eq!(
            link("S", Some(7), "n").amount_field().as_deref(),
            Some("0.07")
        );
    }

    #[test]
    fn nothing_due_or_an_advance_leaves_the_amount_out() {
        for amount in [None, Some(0), Some(-5000)] {
            let text = link("Gupta Kirana", amount, "Rahul").to_string();
            assert!(!text.contains("am="), "{text}");
            assert!(text.contains("&cu=INR&tn=Rahul"), "{text}");
        }
    }

    #[test]
    fn names_with_ampersands_angle_brackets_and_quotes_cannot_break_the_link() {
        let text = link("A&B <Kirana>", Some(100), "Rahul \"R&D\" 100% = ok?#").to_string();
        assert!(!text.contains(['<', '>', '"', ' ', '#']), "{text}");
        assert_eq!(
            text.matches('&').count(),
            4,
            "only the 4 separators: {text}"
        );
        let fields = fields(&text);
        assert_eq!(fields[1], ("pn".into(), "A&B <Kirana>".into()));
        assert_eq!(fields[4], ("tn".into(), "Rahul \"R&D\" 100% = ok?#".into()));
    }

    #[test]
    fn hindi_names_are_encoded_as_utf_8() {
        let text = link("गुप्ता किराना", Some(100), "राहुल").to_string();
        assert!(text.is_ascii(), "{text}");
        let fields = fields(&text);
        assert_eq!(fields[1].1, "गुप्ता किराना");
        assert_eq!(fields[4].1, "राहुल");
    }

    #[test]
    fn a_long_note_is_cut_at_a_character_boundary() {
        let long = "राहुल".repeat(30);
        let text = link("Shop", None, &long).to_string();
        let note = &fields(&text)[3].1;
        assert_eq!(note.chars().count(), MAX_NOTE_CHARS);
    }
}
