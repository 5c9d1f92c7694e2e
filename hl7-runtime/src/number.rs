//! HL7 numbers: NM (a decimal number) and SI (a sequence id).
//!
//! NM, per HL7 v2.5 chapter 2A: an optional leading sign (`+` or `-`), the digits and an
//! optional decimal point; no exponent, no thousands separator, no space. Choices where the
//! standard leaves room:
//! - `.5` and `5.` are accepted: the standard asks for digits and an optional decimal point, not
//!   digits on both sides of it. At least one digit is required, so `.`, `+` and `-` alone are
//!   errors.
//! - Leading zeros, and trailing zeros after the point, are "not significant" (the standard's
//!   own example: `01.20` and `1.2` are identical). [`Decimal`] therefore compares by value,
//!   while it keeps the number of fractional digits sent, which readers of lab values often
//!   take as the precision measured.
//! - `-0` is zero; zero is never negative.
//!
//! SI: a non-negative integer of at most 4 digits ([`SI_MAX`] = 9999), the length HL7 gives
//! it. It is written with digits only: no sign and no decimal point, which no Set ID needs.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::format_error::{FormatError, FormatErrorKind};
use crate::temporal::unexpected_at;

/// An exact decimal number, as an NM carries it: a sign, a digit string of any length and the
/// number of digits after the decimal point, so nothing a sender wrote is rounded.
///
/// Equality, hashing and ordering go by value (`1.20 == 1.2`), as HL7 says for NM; the scale
/// sent is kept for display.
///
/// ```
/// use hl7_model::number::Decimal;
///
/// let d: Decimal = "-012.340".parse().unwrap();
/// assert!(d.is_negative());
/// assert_eq!((d.coefficient(), d.scale()), ("12340", 3));
/// assert_eq!(d.to_string(), "-12.340");
/// assert_eq!(d.to_f64(), -12.34);
/// assert_eq!(d.mantissa(), Some(-12340));
/// assert_eq!(d, "-12.34".parse().unwrap());
/// assert_eq!(Decimal::new(5, 1).to_string(), "0.5");
///
/// assert!("1e5".parse::<Decimal>().is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Decimal {
    negative: bool,
    /// ASCII digits without leading zeros; `"0"` for zero.
    digits: String,
    scale: u32,
}

impl Decimal {
    /// `mantissa` × 10^-`scale`: `Decimal::new(-12345, 2)` is -123.45.
    pub fn new(mantissa: i128, scale: u32) -> Decimal {
        Decimal {
            negative: mantissa < 0,
            digits: mantissa.unsigned_abs().to_string(),
            scale,
        }
    }

    /// Reads an NM: `[+|-]digits[.digits]`, with at least one digit in all (`.5` and `5.`
    /// are numbers).
    pub fn parse(s: &str) -> Result<Decimal, FormatError> {
        let parts = scan_nm(s).map_err(|k| FormatError::new("NM", k, s))?;
        let scale = u32::try_from(parts.fraction.len()).map_err(|_| {
            FormatError::new(
                "NM",
                FormatErrorKind::BadLength {
                    digits: parts.fraction.len(),
                    expected: "at most 4294967295 after the decimal point",
                },
                s,
            )
        })?;
        let mut digits = String::with_capacity(parts.integer.len() + parts.fraction.len());
        for &b in parts.integer.iter().chain(parts.fraction) {
            if digits.is_empty() && b == b'0' {
                continue;
            }
            digits.push(char::from(b));
        }
        if digits.is_empty() {
            digits.push('0');
        }
        let negative = parts.negative && digits != "0";
        Ok(Decimal {
            negative,
            digits,
            scale,
        })
    }

    /// Whether the number is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// Whether the number is zero (`0`, `-0.00` …).
    pub fn is_zero(&self) -> bool {
        self.digits == "0"
    }

    /// The digits without sign, point or leading zeros (`"0"` for zero): the number is this
    /// integer × 10^-[`scale`](Self::scale).
    pub fn coefficient(&self) -> &str {
        &self.digits
    }

    /// The number of digits after the decimal point, as sent.
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// The signed coefficient, when it fits in an `i128` (up to 38 digits).
    pub fn mantissa(&self) -> Option<i128> {
        let magnitude: i128 = self.digits.parse().ok()?;
        Some(if self.negative { -magnitude } else { magnitude })
    }

    /// The nearest `f64` (correctly rounded); beyond its range, ±infinity.
    pub fn to_f64(&self) -> f64 {
        // The canonical text is plain digits, which the standard library parses exactly.
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The same number with trailing fractional zeros removed: `1.200` becomes `1.2`, `3.0`
    /// becomes `3`.
    pub fn normalized(&self) -> Decimal {
        let (digits, scale) = self.normal_parts();
        Decimal {
            negative: self.negative,
            digits: digits.to_owned(),
            scale,
        }
    }

    /// The canonical HL7 text: no `+`, no leading zeros but one before the point, the scale
    /// as sent (`+01.50` gives `1.50`, `.5` gives `0.5`, `5.` gives `5`).
    pub fn to_hl7(&self) -> String {
        self.to_string()
    }

    /// Digits and scale with trailing fractional zeros removed; zero becomes `("0", 0)`.
    fn normal_parts(&self) -> (&str, u32) {
        let mut digits = self.digits.as_str();
        let mut scale = self.scale;
        while scale > 0 && digits.len() > 1 && digits.ends_with('0') {
            digits = &digits[..digits.len() - 1];
            scale -= 1;
        }
        if digits == "0" {
            scale = 0;
        }
        (digits, scale)
    }

    /// Compares absolute values.
    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        // With no leading zeros, the position of the first digit relative to the point orders
        // the magnitudes; equal positions leave a digit-by-digit comparison.
        let exponent = |d: &Decimal| d.digits.len() as i128 - i128::from(d.scale);
        exponent(self).cmp(&exponent(other)).then_with(|| {
            let (a, b) = (self.digits.as_bytes(), other.digits.as_bytes());
            let common = a.len().min(b.len());
            a[..common].cmp(&b[..common]).then_with(|| {
                // The longer one is larger only if its extra digits are not all zeros.
                let rest_nonzero = |r: &[u8]| r.iter().any(|&c| c != b'0');
                match (rest_nonzero(&a[common..]), rest_nonzero(&b[common..])) {
                    (true, _) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    (false, false) => Ordering::Equal,
                }
            })
        })
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Hash the normalized form so that values equal by `eq` hash alike.
        let (digits, scale) = self.normal_parts();
        self.negative.hash(state);
        digits.hash(state);
        scale.hash(state);
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_char('-')?;
        }
        let digits = self.digits.as_str();
        // A scale beyond usize cannot be reached by parsing; saturating keeps this panic-free.
        let scale = usize::try_from(self.scale).unwrap_or(usize::MAX);
        if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            f.write_str(int)?;
            if !frac.is_empty() {
                f.write_char('.')?;
                f.write_str(frac)?;
            }
        } else {
            f.write_str("0.")?;
            for _ in 0..scale - digits.len() {
                f.write_char('0')?;
            }
            f.write_str(digits)?;
        }
        Ok(())
    }
}

impl FromStr for Decimal {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<Decimal, FormatError> {
        Decimal::parse(s)
    }
}

macro_rules! decimal_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Decimal {
            fn from(n: $t) -> Decimal {
                Decimal::new(i128::from(n), 0)
            }
        }
    )*};
}

decimal_from_int!(i8, i16, i32, i64, i128, u8, u16, u32, u64);

/// Whether `s` is a valid NM, and if not, why.
///
/// ```
/// use hl7_model::number::check_nm;
///
/// assert!(check_nm("-123.792").is_ok());
/// assert!(check_nm(".5").is_ok());
/// assert!(check_nm("1,000").is_err());
/// ```
pub fn check_nm(s: &str) -> Result<(), FormatError> {
    scan_nm(s)
        .map(|_| ())
        .map_err(|k| FormatError::new("NM", k, s))
}

/// The largest SI: HL7 gives the type 4 digits.
pub const SI_MAX: u32 = 9999;
/// The most digits an SI may have.
pub const SI_MAX_DIGITS: usize = 4;

/// Reads an SI: 1 to 4 digits, at most [`SI_MAX`].
///
/// ```
/// use hl7_model::number::parse_si;
///
/// assert_eq!(parse_si("0001").unwrap(), 1);
/// assert!(parse_si("10000").is_err());
/// assert!(parse_si("-1").is_err());
/// ```
pub fn parse_si(s: &str) -> Result<u32, FormatError> {
    let fail = |k| FormatError::new("SI", k, s);
    if s.is_empty() {
        return Err(fail(FormatErrorKind::Empty));
    }
    if let Some(i) = s.bytes().position(|b| !b.is_ascii_digit()) {
        return Err(fail(unexpected_at(s, i)));
    }
    if s.len() > SI_MAX_DIGITS {
        return Err(fail(FormatErrorKind::BadLength {
            digits: s.len(),
            expected: "1 to 4",
        }));
    }
    // At most 4 digits, so at most 9999.
    Ok(s.bytes().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')))
}

/// The text of SI `n`, to write by path; an error above [`SI_MAX`].
///
/// ```
/// use hl7_model::number::format_si;
/// assert_eq!(format_si(12).unwrap(), "12");
/// assert!(format_si(10_000).is_err());
/// ```
pub fn format_si(n: u32) -> Result<String, FormatError> {
    if n > SI_MAX {
        return Err(FormatError::new(
            "SI",
            FormatErrorKind::TooLarge { max: SI_MAX },
            n.to_string(),
        ));
    }
    Ok(n.to_string())
}

/// An NM split at its sign and point.
struct NmParts<'a> {
    negative: bool,
    integer: &'a [u8],
    fraction: &'a [u8],
}

fn scan_nm(s: &str) -> Result<NmParts<'_>, FormatErrorKind> {
    if s.is_empty() {
        return Err(FormatErrorKind::Empty);
    }
    let b = s.as_bytes();
    let (negative, start) = match b.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let mut i = start;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let integer = &b[start..i];
    let mut fraction: &[u8] = &[];
    if b.get(i) == Some(&b'.') {
        let frac_start = i + 1;
        i = frac_start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        fraction = &b[frac_start..i];
    }
    if i < b.len() {
        return Err(unexpected_at(s, i));
    }
    if integer.is_empty() && fraction.is_empty() {
        return Err(FormatErrorKind::NoDigits);
    }
    Ok(NmParts {
        negative,
        integer,
        fraction,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use FormatErrorKind as K;

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn valid_numbers() {
        // text, negative, coefficient, scale, canonical text
        let cases: &[(&str, bool, &str, u32, &str)] = &[
            ("0", false, "0", 0, "0"),
            ("999", false, "999", 0, "999"),
            ("-123.792", true, "123792", 3, "-123.792"),
            ("+5", false, "5", 0, "5"),
            ("01.20", false, "120", 2, "1.20"),
            ("1.2", false, "12", 1, "1.2"),
            (".5", false, "5", 1, "0.5"),
            ("-.5", true, "5", 1, "-0.5"),
            ("5.", false, "5", 0, "5"),
            ("+5.", false, "5", 0, "5"),
            ("000", false, "0", 0, "0"),
            ("-0", false, "0", 0, "0"),
            ("-0.00", false, "0", 2, "0.00"),
            ("0.05", false, "5", 2, "0.05"),
            ("100", false, "100", 0, "100"),
            ("-100.0", true, "1000", 1, "-100.0"),
            (
                "123456789012345678901234567890123456789012.5",
                false,
                "1234567890123456789012345678901234567890125",
                1,
                "123456789012345678901234567890123456789012.5",
            ),
        ];
        for &(text, negative, coefficient, scale, canonical) in cases {
            let d = dec(text);
            assert_eq!(
                (d.is_negative(), d.coefficient(), d.scale()),
                (negative, coefficient, scale),
                "{text}"
            );
            assert_eq!(d.to_hl7(), canonical, "{text}");
            assert_eq!(dec(canonical), d);
            assert!(check_nm(text).is_ok());
            assert_eq!(d.to_f64(), text.parse::<f64>().unwrap());
        }
    }

    #[test]
    fn invalid_numbers_say_why() {
        let u = |position, found| K::UnexpectedChar { position, found };
        let cases: &[(&str, FormatErrorKind)] = &[
            ("", K::Empty),
            ("+", K::NoDigits),
            ("-", K::NoDigits),
            (".", K::NoDigits),
            ("-.", K::NoDigits),
            ("1e5", u(1, 'e')),
            ("1E5", u(1, 'E')),
            ("1,000", u(1, ',')),
            ("1 000", u(1, ' ')),
            (" 1", u(0, ' ')),
            ("1 ", u(1, ' ')),
            ("--1", u(1, '-')),
            ("+-1", u(1, '-')),
            ("1-", u(1, '-')),
            ("1.2.3", u(3, '.')),
            ("<12", u(0, '<')),
            ("12%", u(2, '%')),
            ("0x1F", u(1, 'x')),
            ("NaN", u(0, 'N')),
            ("inf", u(0, 'i')),
            ("١٢", u(0, '١')),
            ("1½", u(1, '½')),
            ("\"\"", u(0, '"')),
        ];
        for (text, kind) in cases {
            let err = Decimal::parse(text).expect_err(text);
            assert_eq!(err.kind(), kind, "{text}");
            assert_eq!((err.datatype(), err.text()), ("NM", *text));
            assert_eq!(check_nm(text), Err(err));
        }
        assert_eq!(
            Decimal::parse("1,5").unwrap_err().to_string(),
            "invalid NM \"1,5\": unexpected ',' at position 1"
        );
    }

    #[test]
    fn equality_and_order_go_by_value() {
        use std::collections::HashSet;

        assert_eq!(dec("01.20"), dec("1.2"));
        assert_eq!(dec("1.000"), dec("1"));
        assert_eq!(dec("-0.0"), dec("0"));
        assert_eq!(dec("+7"), dec("7."));
        assert_ne!(dec("10"), dec("1"));
        assert_ne!(dec("0.1"), dec("1"));
        let set: HashSet<Decimal> = ["1.2", "01.20", "1.200", "-0", "0.000", "12", "0.12"]
            .into_iter()
            .map(dec)
            .collect();
        assert_eq!(set.len(), 4);

        let ascending = [
            "-1000",
            "-999.99",
            "-1",
            "-0.5",
            "-0.05",
            "0",
            "0.001",
            "0.0010001",
            "0.01",
            "0.5",
            "1",
            "1.0000001",
            "9.99",
            "10",
            "100",
        ];
        for (i, a) in ascending.iter().enumerate() {
            for (j, b) in ascending.iter().enumerate() {
                assert_eq!(dec(a).cmp(&dec(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
        assert_eq!(dec("1.50").normalized().to_hl7(), "1.5");
        assert_eq!(dec("3.0").normalized().to_hl7(), "3");
        assert_eq!(dec("-0.000").normalized().to_hl7(), "0");
        assert_eq!(dec("100").normalized().to_hl7(), "100");
    }

    #[test]
    fn constructors_and_conversions() {
        assert_eq!(Decimal::new(-12345, 2).to_hl7(), "-123.45");
        assert_eq!(Decimal::new(5, 3).to_hl7(), "0.005");
        assert_eq!(Decimal::new(0, 2).to_hl7(), "0.00");
        assert_eq!(Decimal::new(i128::MIN, 0).to_hl7(), i128::MIN.to_string());
        assert_eq!(Decimal::from(42u8), dec("42"));
        assert_eq!(Decimal::from(-7i64).to_hl7(), "-7");
        assert_eq!(Decimal::from(u64::MAX).to_hl7(), u64::MAX.to_string());
        assert_eq!(dec("-1.25").mantissa(), Some(-125));
        assert_eq!(
            dec(&"9".repeat(38)).mantissa().map(|m| m.to_string()),
            Some("9".repeat(38))
        );
        assert_eq!(dec(&"9".repeat(39)).mantissa(), None);
        assert!(dec("0.00").is_zero());
        assert_eq!(dec("0.1").to_f64(), 0.1);
        assert_eq!(
            dec(&format!("1{}", "0".repeat(400))).to_f64(),
            f64::INFINITY
        );
        assert_eq!(dec(&format!("-0.{}1", "0".repeat(400))).to_f64(), -0.0);
    }

    #[test]
    fn sequence_ids() {
        for (text, n) in [("0", 0), ("1", 1), ("0001", 1), ("42", 42), ("9999", 9999)] {
            assert_eq!(parse_si(text), Ok(n));
        }
        let cases: &[(&str, FormatErrorKind)] = &[
            ("", K::Empty),
            (
                "10000",
                K::BadLength {
                    digits: 5,
                    expected: "1 to 4",
                },
            ),
            (
                "00001",
                K::BadLength {
                    digits: 5,
                    expected: "1 to 4",
                },
            ),
            (
                "-1",
                K::UnexpectedChar {
                    position: 0,
                    found: '-',
                },
            ),
            (
                "+1",
                K::UnexpectedChar {
                    position: 0,
                    found: '+',
                },
            ),
            (
                "1.0",
                K::UnexpectedChar {
                    position: 1,
                    found: '.',
                },
            ),
            (
                "1 ",
                K::UnexpectedChar {
                    position: 1,
                    found: ' ',
                },
            ),
            (
                "ü",
                K::UnexpectedChar {
                    position: 0,
                    found: 'ü',
                },
            ),
        ];
        for (text, kind) in cases {
            let err = parse_si(text).expect_err(text);
            assert_eq!(
                (err.kind(), err.datatype(), err.text()),
                (kind, "SI", *text)
            );
        }
        assert_eq!(format_si(0).unwrap(), "0");
        assert_eq!(format_si(SI_MAX).unwrap(), "9999");
        let err = format_si(SI_MAX + 1).unwrap_err();
        assert_eq!(*err.kind(), K::TooLarge { max: 9999 });
        assert_eq!(
            err.to_string(),
            "invalid SI \"10000\": the value is above the maximum 9999"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn arbitrary_text_never_panics(s in any::<String>()) {
            let _ = check_nm(&s);
            let _ = parse_si(&s);
            if let Ok(d) = Decimal::parse(&s) {
                let _ = d.to_f64();
            }
        }

        #[test]
        fn nm_agrees_with_the_standard_library(s in "[+-]?[0-9]{0,30}(\\.[0-9]{0,30})?") {
            match Decimal::parse(&s) {
                Ok(d) => {
                    // Rust's f64 parser takes the same digit forms, rounding correctly.
                    prop_assert_eq!(d.to_f64(), s.parse::<f64>().unwrap());
                    prop_assert_eq!(Decimal::parse(&d.to_hl7()), Ok(d.clone()));
                    prop_assert_eq!(d.to_hl7().parse::<f64>().unwrap(), d.to_f64());
                }
                Err(e) => {
                    prop_assert!(matches!(e.kind(), K::NoDigits | K::Empty), "{}", e);
                }
            }
        }

        #[test]
        fn decimals_round_trip_exactly(mantissa in any::<i128>(), scale in 0u32..45) {
            let d = Decimal::new(mantissa, scale);
            let text = d.to_hl7();
            let back = Decimal::parse(&text).unwrap();
            prop_assert_eq!(back.to_hl7(), text);
            prop_assert_eq!(back.scale(), scale);
            prop_assert_eq!(back.mantissa(), Some(mantissa));
            prop_assert_eq!(&back, &d);
        }

        #[test]
        fn order_agrees_with_f64(
            a in any::<i64>(), sa in 0u32..12, b in any::<i64>(), sb in 0u32..12,
        ) {
            let (x, y) = (Decimal::new(a.into(), sa), Decimal::new(b.into(), sb));
            // f64 may round distinct decimals together, never reverse their order.
            match x.cmp(&y) {
                Ordering::Less => prop_assert!(x.to_f64() <= y.to_f64()),
                Ordering::Greater => prop_assert!(x.to_f64() >= y.to_f64()),
                Ordering::Equal => {
                    prop_assert_eq!(x.to_f64(), y.to_f64());
                    prop_assert_eq!(x.normalized().to_hl7(), y.normalized().to_hl7());
                }
            }
            // Exact check against integer arithmetic when both fit after alignment.
            let scale = sa.max(sb);
            let align = |m: i64, s: u32| i128::from(m).checked_mul(10i128.pow(scale - s));
            if let (Some(ax), Some(by)) = (align(a, sa), align(b, sb)) {
                prop_assert_eq!(x.cmp(&y), ax.cmp(&by));
            }
        }

        #[test]
        fn sequence_ids_round_trip(n in 0u32..=SI_MAX) {
            let si = format_si(n).unwrap();
            prop_assert_eq!(parse_si(&si), Ok(n));
        }
    }
}
