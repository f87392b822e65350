//! Phone numbers as WhatsApp ids: digits only, with country code (`919876543210`), read either
//! from what a merchant types (normalised) or from Meta's sender ids (taken as they are).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A phone number in WhatsApp's `wa_id` form: 11–15 digits including the country code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a phone number (give 10 digits, or the country code and number)")]
pub struct InvalidPhone(pub String);

impl Phone {
    /// Accepts `9876543210`, `+91 98765-43210`, `09876543210`, `919876543210`, `+1 650 555 1234`.
    /// A bare 10-digit number is taken as Indian (the country code 91 is added).
    pub fn parse(input: &str) -> Result<Phone, InvalidPhone> {
        let invalid = || InvalidPhone(input.chars().take(40).collect());
        let trimmed = input.trim();
        if trimmed
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
        {
            return Err(invalid());
        }
        let has_plus = trimmed.starts_with('+');
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let normalised = match digits.len() {
            10 if !has_plus && matches!(digits.as_bytes()[0], b'6'..=b'9') => format!("91{digits}"),
            11 if !has_plus && digits.starts_with('0') => format!("91{}", &digits[1..]),
            11..=15 if !digits.starts_with('0') => digits,
            _ => return Err(invalid()),
        };
        Ok(Phone(normalised))
    }

    /// Reads a sender id from Meta (a message's `from`, a contact's `wa_id`, a status's
    /// `recipient_id`): its digits are already the full international number, so nothing is added
    /// or dropped. Never [`Phone::parse`] one: Singapore's `6591234567` would become the Indian
    /// mobile `916591234567` and reach that shop's books.
    pub fn from_wa_id(wa_id: &str) -> Result<Phone, InvalidPhone> {
        // E.164 allows at most 15 digits; the shortest numbers in use (country code included) have 7.
        let valid = (7..=15).contains(&wa_id.len())
            && wa_id.bytes().all(|b| b.is_ascii_digit())
            && !wa_id.starts_with('0');
        if valid {
            Ok(Phone(wa_id.to_string()))
        } else {
            Err(InvalidPhone(wa_id.chars().take(40).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Rebuilds a phone read back from our own storage, which holds only validated values.
    pub fn from_stored(stored: String) -> Phone {
        Phone(stored)
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_indian_numbers() {
        for input in [
            "9876543210",
            "+91 98765 43210",
            "09876543210",
            "919876543210",
            "+91-98765-43210",
        ] {
            assert_eq!(
                Phone::parse(input).map(|p| p.0),
                Ok("919876543210".to_string()),
                "{input}"
            );
        }
        assert_eq!(
            Phone::parse("+1 650 555 1234").map(|p| p.0),
            Ok("16505551234".to_string())
        );
        for bad in [
            "",
            "12345",
            "abc",
            "98765x43210",
            "1234567890123456",
            "5876543210",
            "'; DROP TABLE x",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn meta_sender_ids_are_taken_as_they_come_even_when_they_look_like_indian_mobiles() {
        // Singapore 65 9123 4567, New Zealand 64 21 234 5678 (as 10 digits), Lebanon 961 71 123 456.
        for wa_id in ["6591234567", "6421234567", "96171123456", "919812345678"] {
            assert_eq!(
                Phone::from_wa_id(wa_id).map(|p| p.0),
                Ok(wa_id.to_string()),
                "{wa_id}"
            );
            assert_ne!(
                Phone::from_wa_id(wa_id).map(|p| p.0),
                Ok(format!("91{wa_id}"))
            );
        }
        for bad in [
            "",
            "123456",
            "+6591234567",
            "65 9123 4567",
            "06591234567",
            "1234567890123456",
            "IN.8213749123749",
        ] {
            assert!(Phone::from_wa_id(bad).is_err(), "{bad}");
        }
    }
}
