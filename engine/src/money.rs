//! Money as whole paise (`Paise`) with Indian-style parsing and formatting, and payment modes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An amount of Indian money in paise (1 rupee = 100 paise). Never a float.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Paise(i64);

/// The largest amount Execora accepts in one booking: ₹10 crore. Anything above is a typo or an attack.
pub const MAX_BOOKING: Paise = Paise(10_000_000 * 100 * 10);

/// Why a text is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("'{0}' is not an amount of money")]
    Invalid(String),
    #[error("amount is too large")]
    Overflow,
}

impl Paise {
    pub const ZERO: Paise = Paise(0);

    pub const fn new(paise: i64) -> Self {
        Paise(paise)
    }

    /// Whole rupees; `None` when the result would overflow.
    pub fn from_rupees(rupees: i64) -> Option<Self> {
        rupees.checked_mul(100).map(Paise)
    }

    pub const fn as_i64(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Paise) -> Option<Paise> {
        self.0.checked_add(other.0).map(Paise)
    }

    pub fn checked_sub(self, other: Paise) -> Option<Paise> {
        self.0.checked_sub(other.0).map(Paise)
    }

    pub fn checked_neg(self) -> Option<Paise> {
        self.0.checked_neg().map(Paise)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn abs(self) -> Paise {
        Paise(self.0.saturating_abs())
    }

    /// `price × quantity` for a quantity in thousandths, rounded half away from zero to a paisa.
    pub fn times_milli(self, milli: i64) -> Option<Paise> {
        let product = i128::from(self.0) * i128::from(milli);
        let rounded = if product >= 0 {
            (product + 500) / 1000
        } else {
            (product - 500) / 1000
        };
        i64::try_from(rounded).ok().map(Paise)
    }

    /// Indian grouping with the rupee sign: `₹1,23,456.50`; whole rupees drop the paise: `₹1,300`.
    pub fn to_indian(self) -> String {
        self.to_string()
    }
}

/// Groups digits the Indian way: the last three, then pairs (12,34,56,789).
fn group_indian(digits: &str) -> String {
    let len = digits.len();
    if len <= 3 {
        return digits.to_string();
    }
    let (head, tail) = digits.split_at(len - 3);
    let mut groups: Vec<&str> = Vec::new();
    let mut end = head.len();
    while end > 0 {
        let start = end.saturating_sub(2);
        groups.push(&head[start..end]);
        end = start;
    }
    groups.reverse();
    format!("{},{}", groups.join(","), tail)
}

impl fmt::Display for Paise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let rupees = group_indian(&(magnitude / 100).to_string());
        let paise = magnitude % 100;
        if paise == 0 {
            write!(f, "{sign}₹{rupees}")
        } else {
            write!(f, "{sign}₹{rupees}.{paise:02}")
        }
    }
}

impl FromStr for Paise {
    type Err = MoneyError;

    /// Accepts `500`, `₹500`, `Rs 500`, `Rs. 1,23,456.50`, `500/-`, `-250.5`, `INR 10`.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let invalid = || MoneyError::Invalid(input.chars().take(40).collect());
        let mut text = input.trim();
        let negative = text.starts_with('-');
        if negative {
            text = text[1..].trim_start();
        }
        for prefix in ["₹", "Rs.", "Rs", "rs.", "rs", "RS", "INR", "inr"] {
            if let Some(rest) = text.strip_prefix(prefix) {
                text = rest.trim_start();
                break;
            }
        }
        let text = text.strip_suffix("/-").unwrap_or(text).trim_end();
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let whole: String = whole.chars().filter(|c| *c != ',').collect();
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid());
        }
        if !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
        {
            return Err(invalid());
        }
        if fraction.len() > 2 {
            return Err(invalid());
        }
        let rupees: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| MoneyError::Overflow)?
        };
        let paise: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().map_err(|_| invalid())? * 10,
            _ => fraction.parse::<i64>().map_err(|_| invalid())?,
        };
        let total = rupees
            .checked_mul(100)
            .and_then(|r| r.checked_add(paise))
            .ok_or(MoneyError::Overflow)?;
        Ok(Paise(if negative { -total } else { total }))
    }
}

/// How a customer paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentMode {
    Cash,
    Upi,
    Card,
    Bank,
    Cheque,
}

impl PaymentMode {
    pub const ALL: [PaymentMode; 5] = [Self::Cash, Self::Upi, Self::Card, Self::Bank, Self::Cheque];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Upi => "upi",
            Self::Card => "card",
            Self::Bank => "bank",
            Self::Cheque => "cheque",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_with_indian_grouping() {
        assert_eq!(Paise::new(12_345_650).to_string(), "₹1,23,456.50");
        assert_eq!(Paise::new(130_000).to_string(), "₹1,300");
        assert_eq!(Paise::new(5).to_string(), "₹0.05");
        assert_eq!(Paise::new(-20_000).to_string(), "-₹200");
        assert_eq!(Paise::new(1_000_000_000).to_string(), "₹1,00,00,000");
        assert_eq!(
            Paise::new(i64::MIN).to_string(),
            "-₹92,23,37,20,36,85,47,758.08"
        );
    }

    #[test]
    fn parses_the_ways_merchants_write_amounts() {
        for (text, paise) in [
            ("500", 50_000),
            ("₹500", 50_000),
            ("Rs 500", 50_000),
            ("Rs. 1,23,456.50", 12_345_650),
            ("500/-", 50_000),
            ("250.5", 25_050),
            ("-12", -1_200),
            (".75", 75),
        ] {
            assert_eq!(text.parse::<Paise>(), Ok(Paise::new(paise)), "{text}");
        }
        for bad in [
            "",
            "₹",
            "abc",
            "1.234",
            "12a",
            "1e5",
            "--5",
            "99999999999999999999",
        ] {
            assert!(bad.parse::<Paise>().is_err(), "{bad}");
        }
    }

    #[test]
    fn multiplies_by_fractional_quantities_exactly() {
        assert_eq!(
            Paise::new(4_000).times_milli(2_500),
            Some(Paise::new(10_000))
        );
        assert_eq!(Paise::new(333).times_milli(500), Some(Paise::new(167)));
        assert_eq!(Paise::new(i64::MAX).times_milli(2_000), None);
    }

    proptest! {
        #[test]
        fn formatting_round_trips(paise in -1_000_000_000_000_000i64..1_000_000_000_000_000) {
            let shown = Paise::new(paise).to_string();
            prop_assert_eq!(shown.parse::<Paise>(), Ok(Paise::new(paise)));
        }
    }
}
