//! Money as an integer count of micro-units (10⁻⁶ of the major unit) plus an ISO-4217 code.
//!
//! Amounts never touch a float. Text is parsed exactly, scientific notation included
//! (`7.10833E-05`, as real Partner Center files carry it), and rounded to micro-units with one
//! rule: half to even. Rounding to a currency's minor unit (cents, haléře) happens only in
//! [`Money::round_to_minor_unit`], half to even as well.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Micro-units per major unit.
pub const MICROS_PER_UNIT: i64 = 1_000_000;

/// Why an amount or a currency could not be read or computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("'{0}' is not a decimal number")]
    NotANumber(String),
    #[error("'{0}' is too large")]
    Overflow(String),
    #[error("'{0}' is not an ISO-4217 currency code")]
    BadCurrency(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount overflow")]
    ArithmeticOverflow,
}

/// An ISO-4217 currency code: three upper-case ASCII letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");
    pub const CZK: Currency = Currency(*b"CZK");

    /// Parses a code, accepting lower case (`eur`) as real files sometimes do.
    pub fn parse(text: &str) -> Result<Currency, MoneyError> {
        let trimmed = text.trim();
        let bytes = trimmed.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(MoneyError::BadCurrency(text.to_string()));
        }
        Ok(Currency([
            bytes[0].to_ascii_uppercase(),
            bytes[1].to_ascii_uppercase(),
            bytes[2].to_ascii_uppercase(),
        ]))
    }

    pub fn as_str(&self) -> &str {
        // The constructor admits only ASCII letters, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point of the currency's minor unit (ISO-4217 exponent).
    pub fn minor_unit_digits(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"CLP" | b"ISK" | b"HUF" | b"VND" | b"XAF" | b"XOF" | b"UGX" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" | b"LYD" | b"IQD" => 3,
            _ => 2,
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Currency::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An amount of one currency, in micro-units.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Money {
    micros: i64,
    currency: Currency,
}

impl Money {
    pub fn from_micros(micros: i64, currency: Currency) -> Money {
        Money { micros, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money::from_micros(0, currency)
    }

    /// Parses decimal text (`12.5`, `-3`, `7.10833E-05`) in the given currency.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        Ok(Money::from_micros(parse_micros(text)?, currency))
    }

    pub fn micros(&self) -> i64 {
        self.micros
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.micros == 0
    }

    pub fn is_negative(&self) -> bool {
        self.micros < 0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let micros = self
            .micros
            .checked_add(other.micros)
            .ok_or(MoneyError::ArithmeticOverflow)?;
        Ok(Money::from_micros(micros, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let micros = self
            .micros
            .checked_sub(other.micros)
            .ok_or(MoneyError::ArithmeticOverflow)?;
        Ok(Money::from_micros(micros, self.currency))
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    /// Rounds to the currency's minor unit, half to even ("banker's rounding"). This is the
    /// one place where Tollgate rounds money.
    pub fn round_to_minor_unit(self) -> Money {
        let step = 10_i64.pow(6 - self.currency.minor_unit_digits());
        Money::from_micros(
            round_half_even(self.micros as i128, step as i128) as i64,
            self.currency,
        )
    }

    /// The amount as decimal text with six fractional digits trimmed of trailing zeros
    /// (at least the currency's minor digits), without the currency code.
    pub fn amount_text(&self) -> String {
        format_micros(self.micros, self.currency.minor_unit_digits() as usize)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_text(), self.currency)
    }
}

/// Formats micro-units as decimal text with at least `min_fraction` fractional digits.
pub fn format_micros(micros: i64, min_fraction: usize) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = (micros as i128).unsigned_abs();
    let whole = abs / MICROS_PER_UNIT as u128;
    let frac = abs % MICROS_PER_UNIT as u128;
    let mut frac_text = format!("{frac:06}");
    while frac_text.len() > min_fraction && frac_text.ends_with('0') {
        frac_text.pop();
    }
    if frac_text.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac_text}")
    }
}

/// Rounds `value` to a multiple of `step`, half to even.
fn round_half_even(value: i128, step: i128) -> i128 {
    let quotient = value.div_euclid(step);
    let remainder = value.rem_euclid(step);
    let twice = remainder * 2;
    let rounded = if twice > step || (twice == step && quotient % 2 != 0) {
        quotient + 1
    } else {
        quotient
    };
    rounded * step
}

/// Parses exact decimal text into micro-units, rounding half to even at the sixth fractional
/// digit. Accepts a sign, a decimal point, and an exponent (`E-05`, `e+3`); rejects anything
/// else, including empty text, `NaN` and thousands separators.
pub fn parse_micros(text: &str) -> Result<i64, MoneyError> {
    let bad = || MoneyError::NotANumber(text.to_string());
    let trimmed = text.trim();
    let (mantissa, exponent) = match trimmed.find(['e', 'E']) {
        Some(pos) => {
            let exp_text = &trimmed[pos + 1..];
            let exp: i32 = exp_text.parse().map_err(|_| bad())?;
            (&trimmed[..pos], exp)
        }
        None => (trimmed, 0),
    };
    let (negative, digits_part) = match mantissa.as_bytes().first() {
        Some(b'-') => (true, &mantissa[1..]),
        Some(b'+') => (false, &mantissa[1..]),
        _ => (false, mantissa),
    };
    let (int_part, frac_part) = match digits_part.find('.') {
        Some(pos) => (&digits_part[..pos], &digits_part[pos + 1..]),
        None => (digits_part, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // value = digits × 10^(exponent − frac_len); micros = value × 10^6. The digits are summed
    // in place: this runs for several amounts on every usage line.
    let scale = exponent as i64 - frac_part.len() as i64 + 6;
    let mut mantissa_value: i128 = 0;
    let mut n_digits = 0;
    for byte in int_part.bytes().chain(frac_part.bytes()) {
        if n_digits == 0 && byte == b'0' {
            continue;
        }
        n_digits += 1;
        if n_digits > 36 {
            return Err(MoneyError::Overflow(text.to_string()));
        }
        mantissa_value = mantissa_value * 10 + (byte - b'0') as i128;
    }
    if n_digits == 0 {
        return Ok(0);
    }
    let micros: i128 = if scale >= 0 {
        if scale > 38 {
            return Err(MoneyError::Overflow(text.to_string()));
        }
        mantissa_value
            .checked_mul(10_i128.pow(scale as u32))
            .ok_or_else(|| MoneyError::Overflow(text.to_string()))?
    } else {
        let drop = (-scale) as u32;
        if drop > 38 {
            0
        } else {
            let step = 10_i128.pow(drop);
            round_half_even(mantissa_value, step) / step
        }
    };
    let signed = if negative { -micros } else { micros };
    i64::try_from(signed).map_err(|_| MoneyError::Overflow(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_scientific_text_exactly() {
        assert_eq!(parse_micros("12.5").unwrap(), 12_500_000);
        assert_eq!(parse_micros("-3").unwrap(), -3_000_000);
        assert_eq!(parse_micros("7.10833E-05").unwrap(), 71);
        assert_eq!(parse_micros("1.5e3").unwrap(), 1_500_000_000);
        assert_eq!(parse_micros("0.0000005").unwrap(), 0); // half to even: 0.5 micro → 0
        assert_eq!(parse_micros("0.0000015").unwrap(), 2); // 1.5 micro → 2
        assert_eq!(parse_micros(".25").unwrap(), 250_000);
        assert_eq!(parse_micros("0E-8").unwrap(), 0);
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for bad in [
            "", "abc", "1,000.00", "NaN", "1.2.3", "--1", "1e", "e5", ".",
        ] {
            assert!(parse_micros(bad).is_err(), "{bad} should be rejected");
        }
        assert!(matches!(parse_micros("1e30"), Err(MoneyError::Overflow(_))));
    }

    #[test]
    fn rounds_to_minor_unit_half_to_even() {
        let eur = |m| Money::from_micros(m, Currency::EUR);
        assert_eq!(eur(1_005_000).round_to_minor_unit().micros(), 1_000_000);
        assert_eq!(eur(1_015_000).round_to_minor_unit().micros(), 1_020_000);
        assert_eq!(eur(-1_015_000).round_to_minor_unit().micros(), -1_020_000);
        let jpy = Money::from_micros(2_500_000, Currency::parse("jpy").unwrap());
        assert_eq!(jpy.round_to_minor_unit().micros(), 2_000_000);
    }

    #[test]
    fn refuses_to_mix_currencies_and_overflow() {
        let a = Money::from_micros(1, Currency::EUR);
        let b = Money::from_micros(1, Currency::USD);
        assert!(matches!(
            a.checked_add(b),
            Err(MoneyError::CurrencyMismatch(_, _))
        ));
        let max = Money::from_micros(i64::MAX, Currency::EUR);
        assert_eq!(max.checked_add(a), Err(MoneyError::ArithmeticOverflow));
    }

    #[test]
    fn formats_amounts() {
        assert_eq!(
            Money::from_micros(12_500_000, Currency::CZK).to_string(),
            "12.50 CZK"
        );
        assert_eq!(
            Money::from_micros(-71, Currency::USD).amount_text(),
            "-0.000071"
        );
        assert!(Currency::parse("EURO").is_err());
    }

    proptest::proptest! {
        #[test]
        fn formatting_then_parsing_round_trips(micros in -1_000_000_000_000_000i64..1_000_000_000_000_000) {
            proptest::prop_assert_eq!(parse_micros(&format_micros(micros, 2)).unwrap(), micros);
        }
    }
}
