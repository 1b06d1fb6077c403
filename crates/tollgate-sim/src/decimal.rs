//! Exact decimal arithmetic on integer micro-units (10⁻⁶ of the major unit) and the two text
//! forms the simulator prints amounts in: plain decimals and the scientific notation real
//! Partner Center files carry (`7.10833E-05`).
//!
//! No amount ever passes through a float. Products are computed in `i128` and rounded half to
//! even, the same rule `tollgate_domain::money` uses.

use std::fmt::Write;

/// Micro-units per major unit.
pub const MICROS: i64 = 1_000_000;

/// Micro-units per cent (the minor unit of every currency the simulator bills in).
pub const CENT: i64 = 10_000;

/// `numerator / denominator`, rounded half to even; `denominator` must be positive.
pub fn div_half_even(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator.div_euclid(denominator);
    let twice_remainder = numerator.rem_euclid(denominator) * 2;
    if twice_remainder > denominator || (twice_remainder == denominator && quotient % 2 != 0) {
        quotient + 1
    } else {
        quotient
    }
}

/// Saturates an `i128` into an `i64`; simulated amounts never come near the limits.
fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

/// The product of two micro-unit amounts (a quantity and a unit price), in micro-units.
pub fn mul(a_micros: i64, b_micros: i64) -> i64 {
    saturate(div_half_even(
        i128::from(a_micros) * i128::from(b_micros),
        i128::from(MICROS),
    ))
}

/// `value × numerator / denominator` in micro-units, rounded half to even.
pub fn scale(value_micros: i64, numerator: i64, denominator: i64) -> i64 {
    saturate(div_half_even(
        i128::from(value_micros) * i128::from(numerator),
        i128::from(denominator.max(1)),
    ))
}

/// Rounds micro-units to whole cents, half to even.
pub fn round_to_cents(micros: i64) -> i64 {
    saturate(div_half_even(i128::from(micros), i128::from(CENT)) * i128::from(CENT))
}

/// `percent` % of an amount, rounded half to even to whole cents.
pub fn percent_in_cents(micros: i64, percent: i64) -> i64 {
    saturate(
        div_half_even(
            i128::from(micros) * i128::from(percent),
            100 * i128::from(CENT),
        ) * i128::from(CENT),
    )
}

/// Appends micro-units as plain decimal text with at least `min_fraction` fractional digits
/// (`24`, `0.096`, `121.00`).
pub fn write_plain(out: &mut String, micros: i64, min_fraction: usize) {
    if micros < 0 {
        out.push('-');
    }
    let abs = i128::from(micros).unsigned_abs();
    let whole = abs / MICROS as u128;
    let fraction = abs % MICROS as u128;
    let _ = write!(out, "{whole}");
    let mut digits = [b'0'; 6];
    let mut rest = fraction;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    let mut len = 6;
    while len > min_fraction.min(6) && digits[len - 1] == b'0' {
        len -= 1;
    }
    if len > 0 {
        out.push('.');
        out.extend(digits[..len].iter().map(|&d| char::from(d)));
    }
}

/// Appends micro-units in scientific notation with an upper-case `E` and a two-digit signed
/// exponent, exactly (`0.000071` → `7.1E-05`, `24` → `2.4E+01`, `0` → `0`).
pub fn write_scientific(out: &mut String, micros: i64) {
    if micros == 0 {
        out.push('0');
        return;
    }
    if micros < 0 {
        out.push('-');
    }
    let digits = i128::from(micros).unsigned_abs().to_string();
    // The value is digits × 10⁻⁶, so the leading digit sits at 10^(len − 1 − 6).
    let exponent = digits.len() as i64 - 7;
    let significant = digits.trim_end_matches('0');
    out.push_str(&significant[..1]);
    if significant.len() > 1 {
        out.push('.');
        out.push_str(&significant[1..]);
    }
    let sign = if exponent < 0 { '-' } else { '+' };
    let _ = write!(out, "E{sign}{:02}", exponent.unsigned_abs());
}

/// Plain decimal text with at least `min_fraction` fractional digits, as a new string.
pub fn plain(micros: i64, min_fraction: usize) -> String {
    let mut out = String::new();
    write_plain(&mut out, micros, min_fraction);
    out
}

/// Scientific notation, as a new string.
pub fn scientific(micros: i64) -> String {
    let mut out = String::new();
    write_scientific(&mut out, micros);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_domain::money::parse_micros;

    #[test]
    fn products_round_half_to_even() {
        assert_eq!(mul(24_000_000, 96_000), 2_304_000);
        assert_eq!(mul(1, 500_000), 0);
        assert_eq!(mul(3, 500_000), 2);
        assert_eq!(mul(-3, 500_000), -2);
        assert_eq!(scale(1_000_000, 1, 31), 32_258);
        assert_eq!(round_to_cents(1_005_000), 1_000_000);
        assert_eq!(round_to_cents(1_015_000), 1_020_000);
        assert_eq!(percent_in_cents(100_000_000, 21), 21_000_000);
        assert_eq!(percent_in_cents(1_230_000, 21), 260_000);
    }

    #[test]
    fn text_forms_are_exact() {
        assert_eq!(plain(24_000_000, 0), "24");
        assert_eq!(plain(96_000, 0), "0.096");
        assert_eq!(plain(121_000_000, 2), "121.00");
        assert_eq!(plain(-71, 2), "-0.000071");
        assert_eq!(scientific(71), "7.1E-05");
        assert_eq!(scientific(24_000_000), "2.4E+01");
        assert_eq!(scientific(7_000_000), "7E+00");
        assert_eq!(scientific(-32_258), "-3.2258E-02");
        assert_eq!(scientific(0), "0");
    }

    #[test]
    fn both_forms_parse_back_to_the_same_micros() {
        let mut value: i64 = 1;
        for step in 0..60 {
            let micros = value * if step % 2 == 0 { 1 } else { -1 };
            assert_eq!(parse_micros(&plain(micros, 2)).unwrap(), micros);
            assert_eq!(parse_micros(&scientific(micros)).unwrap(), micros);
            value = value.wrapping_mul(7).wrapping_add(3) % 1_000_000_000_000_000;
        }
    }
}
