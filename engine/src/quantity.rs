//! Exact quantities (thousandths of a unit) and the units merchants sell in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A quantity kept exactly in thousandths: `2.5 kg` is `Quantity::from_milli(2500)`.
/// Serialises as a JSON integer when whole (`2`) and as a decimal otherwise (`0.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(i64);

impl Quantity {
    pub const ZERO: Quantity = Quantity(0);
    pub const ONE: Quantity = Quantity(1000);

    pub const fn from_milli(milli: i64) -> Self {
        Quantity(milli)
    }

    /// Whole units; `None` on overflow.
    pub fn from_whole(units: i64) -> Option<Self> {
        units.checked_mul(1000).map(Quantity)
    }

    /// Rounds to the nearest thousandth; `None` for NaN, infinities and absurd sizes.
    pub fn from_f64(value: f64) -> Option<Self> {
        if !value.is_finite() || value.abs() > 1e15 {
            return None;
        }
        Some(Quantity((value * 1000.0).round() as i64))
    }

    pub const fn milli(self) -> i64 {
        self.0
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
}

impl fmt::Display for Quantity {
    /// `2`, `0.5`, `2.25`, `-1.125`: no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let whole = magnitude / 1000;
        let fraction = magnitude % 1000;
        if fraction == 0 {
            return write!(f, "{sign}{whole}");
        }
        let digits = format!("{fraction:03}");
        write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % 1000 == 0 {
            serializer.serialize_i64(self.0 / 1000)
        } else {
            serializer.serialize_f64(self.as_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Quantity::from_f64(value).ok_or_else(|| serde::de::Error::custom("quantity out of range"))
    }
}

/// The units a kirana sells in, as named in the parse contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Kg,
    G,
    Litre,
    Ml,
    Packet,
    Dozen,
    Piece,
    Box,
    Bottle,
}

impl Unit {
    pub const ALL: [Unit; 9] = [
        Self::Kg,
        Self::G,
        Self::Litre,
        Self::Ml,
        Self::Packet,
        Self::Dozen,
        Self::Piece,
        Self::Box,
        Self::Bottle,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kg => "kg",
            Self::G => "g",
            Self::Litre => "litre",
            Self::Ml => "ml",
            Self::Packet => "packet",
            Self::Dozen => "dozen",
            Self::Piece => "piece",
            Self::Box => "box",
            Self::Bottle => "bottle",
        }
    }

    /// The canonical name as stored and as printed by `execora parse`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == text)
    }

    /// The base unit this one is a multiple of, and how many thousandths of the base one unit is.
    fn in_base(self) -> (Unit, i64) {
        match self {
            Self::Kg => (Self::G, 1_000_000),
            Self::G => (Self::G, 1_000),
            Self::Litre => (Self::Ml, 1_000_000),
            Self::Ml => (Self::Ml, 1_000),
            Self::Dozen => (Self::Piece, 12_000),
            Self::Piece => (Self::Piece, 1_000),
            other => (other, 1_000),
        }
    }

    /// `qty` of this unit expressed in `target` (500 g → 0.5 kg); `None` when the two do not
    /// measure the same thing (packets are not kilos) or the result is not exact to a thousandth.
    pub fn convert(self, qty: Quantity, target: Unit) -> Option<Quantity> {
        if self == target {
            return Some(qty);
        }
        let (from_base, from_factor) = self.in_base();
        let (to_base, to_factor) = target.in_base();
        if from_base != to_base {
            return None;
        }
        let numerator = i128::from(qty.milli()) * i128::from(from_factor);
        let denominator = i128::from(to_factor);
        if numerator % denominator != 0 {
            let rounded = (numerator + denominator / 2) / denominator;
            return i64::try_from(rounded).ok().map(Quantity::from_milli);
        }
        i64::try_from(numerator / denominator)
            .ok()
            .map(Quantity::from_milli)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_whole_quantities_as_integers() {
        assert_eq!(
            serde_json::to_string(&Quantity::from_milli(2000)).ok(),
            Some("2".into())
        );
        assert_eq!(
            serde_json::to_string(&Quantity::from_milli(500)).ok(),
            Some("0.5".into())
        );
        assert_eq!(Quantity::from_milli(2250).to_string(), "2.25");
        assert_eq!(Quantity::from_milli(-1125).to_string(), "-1.125");
        assert_eq!(Quantity::from_f64(f64::NAN), None);
        assert_eq!(
            serde_json::from_str::<Quantity>("2.5").ok(),
            Some(Quantity::from_milli(2500))
        );
    }

    #[test]
    fn converts_between_units_of_the_same_measure() {
        assert_eq!(
            Unit::G.convert(Quantity::from_milli(500_000), Unit::Kg),
            Some(Quantity::from_milli(500))
        );
        assert_eq!(
            Unit::Kg.convert(Quantity::from_milli(2_500), Unit::G),
            Some(Quantity::from_milli(2_500_000))
        );
        assert_eq!(
            Unit::Dozen.convert(Quantity::ONE, Unit::Piece),
            Some(Quantity::from_milli(12_000))
        );
        assert_eq!(
            Unit::Ml.convert(Quantity::from_milli(1_000), Unit::Litre),
            Some(Quantity::from_milli(1))
        );
        assert_eq!(Unit::Packet.convert(Quantity::ONE, Unit::Kg), None);
        assert_eq!(
            Unit::Box.convert(Quantity::ONE, Unit::Box),
            Some(Quantity::ONE)
        );
    }
}
